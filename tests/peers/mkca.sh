#!/bin/sh
# mkca.sh DIR [NAME] -- a throw-away CA and a server certificate for the test peers.
#
# Why: libldap (GnuTLS) and the daemon verify LDAP servers against a CA file,
# so every peer needs a certificate that really chains to a CA we control, with
# SAN IP:127.0.0.1 (clients must use 127.0.0.1, not "localhost": libldap swaps
# localhost for the machine's host name before it checks the name).  Each call
# makes a brand-new key pair, so `mkca.sh DIR/wrongca` gives an unrelated CA
# that must NOT verify the servers (wrong-CA tests).
#
# Writes DIR/ca.crt, DIR/ca.key, DIR/server.crt, DIR/server.key (keys 0600).
# NAME is the CA's common name (default "realmgate test CA").
# env: DAYS (validity, default 30).
set -eu
D=${1:?usage: mkca.sh DIR [NAME]}
NAME=${2:-realmgate test CA}
DAYS=${DAYS:-30}
mkdir -p "$D"
cd "$D"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days "$DAYS" -subj "/CN=$NAME" \
	-keyout ca.key -out ca.crt \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-keyout server.key -out server.csr 2>/dev/null
cat > server.ext <<EXT
subjectAltName=IP:127.0.0.1,DNS:localhost
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EXT
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 0x"$(openssl rand -hex 8)" \
	-days "$DAYS" -extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext
chmod 644 ca.crt server.crt
openssl verify -CAfile ca.crt server.crt > /dev/null
