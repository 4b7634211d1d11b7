#!/bin/sh
# Golden tickets and CSRF tokens computed independently of realmgate, with
# the openssl command line only, from our OWN test keys (generated here,
# never used anywhere else, committed with the output).
#
#   gen-golden.sh [--new-key] [DIR]      (DIR defaults to this directory)
#
# Writes DIR/authkey.key (PKCS#8, as `openssl genrsa` on OpenSSL 3),
# DIR/authkey-pkcs1.key (the same key as PKCS#1), DIR/authkey.pub,
# DIR/pve-www.key and DIR/golden.txt, one case a line:
#
#   sign-pkcs1 PREFIX DATA SECRET TS TICKET   RSASSA-PKCS1-v1_5, SHA-1
#   sign-pss   PREFIX DATA SECRET TS TICKET   RSASSA-PSS, SHA-1, MGF1-SHA-1,
#                                             salt 20
#   csrf-secret SECRET                        HMAC-SHA256(key=pve-www.key,"")
#   csrf USERID TS TOKEN
#
# DATA and SECRET are "-" when absent.  DATA is given unescaped: the ticket
# escapes ':' as %3A, and that is all.  PKCS#1 v1.5 is deterministic, so a
# compatible signer must reproduce those tickets byte for byte; PSS is
# randomised, so those are verified only.
set -eu

new_key=0
if [ "${1:-}" = "--new-key" ]; then
	new_key=1
	shift
fi
dir=${1:-$(dirname "$0")}
cd "$dir"

if [ $new_key = 1 ] || [ ! -f authkey.key ]; then
	openssl genrsa -out authkey.key 2048 2>/dev/null
	openssl rsa -in authkey.key -traditional -out authkey-pkcs1.key \
	    2>/dev/null
	openssl rsa -in authkey.key -pubout -out authkey.pub 2>/dev/null
	openssl genrsa -out pve-www.key 2048 2>/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

b64() {
	openssl base64 -A
}

# sign MODE PREFIX DATA SECRET TS
sign() {
	mode=$1 prefix=$2 data=$3 secret=$4 ts=$5
	plain="$prefix:"
	if [ "$data" != "-" ]; then
		plain="$plain$(printf '%s' "$data" | sed 's/:/%3A/g'):"
	fi
	plain="$plain$ts"
	if [ "$secret" != "-" ]; then
		printf '%s:%s' "$plain" "$secret" >"$tmp/msg"
	else
		printf '%s' "$plain" >"$tmp/msg"
	fi
	if [ "$mode" = pss ]; then
		openssl dgst -sha1 -sign authkey.key \
		    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:20 \
		    -sigopt rsa_mgf1_md:sha1 -out "$tmp/sig" "$tmp/msg"
	else
		openssl dgst -sha1 -sign authkey.key -out "$tmp/sig" "$tmp/msg"
	fi
	echo "sign-$mode $prefix $data $secret $ts $plain::$(b64 <"$tmp/sig")"
}

# HMAC-SHA256, unpadded base64; key given as hex so any byte is allowed
hmac() {
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary | b64 |
	    tr -d '='
}

hex() {
	od -An -v -tx1 | tr -d ' \n'
}

{
	for mode in pkcs1 pss; do
		sign $mode PVE root@pam - 6B02FE7E
		sign $mode PVE alice@pve - 00000000
		sign $mode PVE 'x%3Ay@pve' - 6B02FE7E
		sign $mode PVE 'a:b@pve' - 12345678
		sign $mode PVE \
		    'abcdefghijklmnopqrstuvwxyz0123456789@abcdefghijklmnopqrstuvwxyz' \
		    - FFFFFFFF
		sign $mode PVE '!tfa!{"totp":true,"recovery":[0,1,2]}' \
		    alice@pve 6B02FE7E
		sign $mode PVEVNC - 'root@pam:/vms/100' 6B02FE7E
		sign $mode PVETUNNEL - 'bob@pve:/nodes/n1' 0ABCDEF0
		sign $mode PVE 'carol@corp' 'extra' 6B02FE7E
	done
	secret=$(hmac "$(hex <pve-www.key)" </dev/null)
	echo "csrf-secret $secret"
	secret_hex=$(printf '%s' "$secret" | hex)
	for case in root@pam:6B02FE7E alice@pve:00000000 \
	    'x%3Ay@pve:6B02FE7E' 'd@ve@corp:FFFFFFFF'; do
		user=${case%:*}
		ts=${case##*:}
		echo "csrf $user $ts $ts:$(printf '%s:%s' "$ts" "$user" |
		    hmac "$secret_hex")"
	done
} >golden.txt
