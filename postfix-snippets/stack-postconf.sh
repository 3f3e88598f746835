#!/bin/sh
# postfix-snippets/stack-postconf.sh - wire the whole vmailkit stack (lookupd,
# vdelivery, saslcheck, policyd) into Postfix with postconf -e / -M / -P.
# The text snippets next to this script are the source; this script applies
# them unchanged except for the paths and names below:
#   lookupd-main.cf (through lookupd-postconf.sh), vdelivery-main.cf,
#   saslcheck-main.cf (one of its two ways), stack-main.cf, policyd-main.cf,
#   vdelivery-master.cf, stack-master.cf, saslcheck-smtpd.conf (Cyrus way).
#
# Usage: [NAME=value ...] sh stack-postconf.sh [-c CONFIG_DIR]   (default /etc/postfix)
# Then: postfix reload. Running it again gives the same configuration.
#
# Variables (the defaults suit a Debian host with chrooted smtpd):
#   VMAILKIT_BIN=/usr/local/bin      directory holding vdelivery
#   VMAILKIT_CONFIG=/etc/vmailkit    vdelivery's -c (left out when the default)
#   VMAIL_USER=vmail                 owner of the Maildirs (pipe user=)
#   LOOKUPD_SOCKET=private/vmailkit-lookupd   lookupd's socketmap socket
#   POLICYD_SERVICE=unix:private/vmailkit-policyd   "" = no policy service
#   SASL_WAY=cyrus                   cyrus (authdaemond protocol) or dovecot
#   AUTHDAEMOND_PATH=/var/run/courier/authdaemon/socket   cyrus: written to
#                                    CONFIG_DIR/sasl/smtpd.conf
#   DOVECOT_AUTH=private/saslcheck-auth   dovecot: smtpd_sasl_path
#   TLS_CERT, TLS_KEY                default: Debian's snakeoil pair
#   SUBMISSION=submission SMTPS=submissions REINJECT=127.0.0.1:10025
#                                    master.cf service names (= where they listen)
#   CHROOT=                          y or n: chroot column of the added smtpd
#                                    services ("" = as in stack-master.cf: y)
#   CONTENT_FILTER=                  e.g. smtp-amavis:[127.0.0.1]:10024 ("" = none)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "-c" ]; then
    set -- -c "$2"
fi
: "${VMAILKIT_BIN:=/usr/local/bin}" "${VMAILKIT_CONFIG:=/etc/vmailkit}" "${VMAIL_USER:=vmail}"
: "${LOOKUPD_SOCKET:=private/vmailkit-lookupd}" "${SASL_WAY:=cyrus}"
: "${AUTHDAEMOND_PATH:=/var/run/courier/authdaemon/socket}" "${DOVECOT_AUTH:=private/saslcheck-auth}"
: "${SUBMISSION:=submission}" "${SMTPS:=submissions}" "${REINJECT:=127.0.0.1:10025}"
: "${CHROOT:=}" "${CONTENT_FILTER:=}" "${TLS_CERT:=}" "${TLS_KEY:=}"
POLICYD_SERVICE=${POLICYD_SERVICE-unix:private/vmailkit-policyd}
export VMAILKIT_BIN VMAILKIT_CONFIG VMAIL_USER SUBMISSION SMTPS REINJECT CHROOT

# main_lines FILE - its "name = value" settings, continuation lines joined.
main_lines() {
    awk '/^[ \t]*#/ || /^[ \t]*$/ { next }
         /^[ \t]/ { sub(/^[ \t]+/, ""); cur = cur " " $0; next }
         { if (cur != "") print cur; cur = $0 }
         END { if (cur != "") print cur }' "$1"
}

# sasl_lines WAY - the settings of one way in saslcheck-main.cf.
sasl_lines() {
    awk -v way="$1" '/^# --- Way 2/ { w2 = 1 }
        way == "cyrus" && !w2 && /^smtpd_/ { print }
        way == "dovecot" && w2 && /^#smtpd_/ { print substr($0, 2) }' "$here/saslcheck-main.cf"
}

# master_records FILE - "M<TAB>service/type<TAB>entry" then one
# "P<TAB>service/type/name=value" per -o option.
master_records() {
    awk 'BEGIN { ren["submission"] = ENVIRON["SUBMISSION"]; ren["submissions"] = ENVIRON["SMTPS"]
                 ren["127.0.0.1:10025"] = ENVIRON["REINJECT"]; chroot = ENVIRON["CHROOT"]
                 argv = "argv=" ENVIRON["VMAILKIT_BIN"] "/vdelivery"
                 if (ENVIRON["VMAILKIT_CONFIG"] != "/etc/vmailkit") argv = argv " -c " ENVIRON["VMAILKIT_CONFIG"] }
         function flush(   i) {
             if (key == "") return
             print "M\t" key "\t" entry
             for (i = 1; i <= np; i++) print "P\t" key "/" p[i]
             key = ""; np = 0 }
         /^[ \t]*#/ || /^[ \t]*$/ { next }
         /^[ \t]/ {
             for (i = 1; i <= NF; i++) {
                 if ($i == "-o" && i < NF) { p[++np] = $(i + 1); i++; continue }
                 w = $i
                 if (w == "user=vmail") w = "user=" ENVIRON["VMAIL_USER"]
                 else if (w == "argv=/usr/local/bin/vdelivery") w = argv
                 entry = entry " " w
             }
             next }
         { flush(); if ($1 in ren) $1 = ren[$1]
           if (chroot != "" && $5 == "y") $5 = chroot
           key = $1 "/" $2; entry = $0 }
         END { flush() }' "$1"
}

# 1. main.cf
LOOKUPD_SOCKET=$LOOKUPD_SOCKET sh "$here/lookupd-postconf.sh" "$@"
{ main_lines "$here/vdelivery-main.cf"; sasl_lines "$SASL_WAY"; main_lines "$here/stack-main.cf"; } |
    tr '\n' '\0' | xargs -0 postconf "$@" -e
if [ "$SASL_WAY" = dovecot ]; then
    postconf "$@" -e "smtpd_sasl_path = $DOVECOT_AUTH"
fi
if [ -n "$TLS_CERT" ]; then
    postconf "$@" -e "smtpd_tls_cert_file = $TLS_CERT"
fi
if [ -n "$TLS_KEY" ]; then
    postconf "$@" -e "smtpd_tls_key_file = $TLS_KEY"
fi
if [ -n "$POLICYD_SERVICE" ] && [ -f "$here/policyd-main.cf" ]; then
    main_lines "$here/policyd-main.cf" | sed "s|unix:private/vmailkit-policyd|$POLICYD_SERVICE|" |
        tr '\n' '\0' | xargs -0 postconf "$@" -e
elif [ -n "$POLICYD_SERVICE" ]; then
    # policyd-main.cf not in this tree yet: the policy call alone.
    postconf "$@" -e "smtpd_recipient_restrictions = check_policy_service $POLICYD_SERVICE"
fi
if [ -n "$CONTENT_FILTER" ]; then
    postconf "$@" -e "content_filter = $CONTENT_FILTER"
fi

# 2. master.cf
records=$({ master_records "$here/vdelivery-master.cf"; master_records "$here/stack-master.cf"; })
printf '%s\n' "$records" | awk -F '\t' '$1 == "M" { print $2 "=" $3 }' | tr '\n' '\0' | xargs -0 postconf "$@" -M
printf '%s\n' "$records" | awk -F '\t' '$1 == "P" { print $2 }' | tr '\n' '\0' | xargs -0 postconf "$@" -P

# 3. Cyrus SASL's smtpd.conf (Debian's Postfix reads CONFIG_DIR/sasl/smtpd.conf)
if [ "$SASL_WAY" = cyrus ]; then
    conf_dir=$(postconf "$@" -h config_directory)
    mkdir -p "$conf_dir/sasl"
    sed "s|^authdaemond_path:.*|authdaemond_path: $AUTHDAEMOND_PATH|" "$here/saslcheck-smtpd.conf" \
        > "$conf_dir/sasl/smtpd.conf"
fi
