#!/bin/sh
# postfix-snippets/lookupd-postconf.sh - apply lookupd-main.cf with postconf -e.
# Usage: sh lookupd-postconf.sh [-c CONFIG_DIR]     (default /etc/postfix)
# Then: postfix reload. See lookupd-main.cf for why the socket is under private/.
# LOOKUPD_SOCKET (environment) names another socket (default private/vmailkit-lookupd).
set -eu
if [ "${1:-}" = "-c" ]; then
    set -- -c "$2"
fi
sock="socketmap:unix:${LOOKUPD_SOCKET:-private/vmailkit-lookupd}"
postconf "$@" -e \
    "virtual_mailbox_domains = $sock:virtual_domains" \
    "virtual_alias_maps = $sock:virtual_alias" \
    "virtual_mailbox_maps = $sock:virtual_mailbox" \
    "smtpd_sender_login_maps = $sock:sender_login"
