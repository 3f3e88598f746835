#!/bin/sh
# postfix-snippets/policyd-postconf.sh - apply policyd-main.cf with postconf -e.
# Usage: sh policyd-postconf.sh [-c CONFIG_DIR]     (default /etc/postfix)
# Then: postfix reload. See policyd-main.cf for what each line does.
set -eu
if [ "${1:-}" = "-c" ]; then
    set -- -c "$2"
fi
postconf "$@" -e \
    "smtpd_relay_restrictions =" \
    "smtpd_recipient_restrictions = check_policy_service unix:private/vmailkit-policyd, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
    "smtpd_policy_service_timeout = 10s"
