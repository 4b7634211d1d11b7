/*
 * The daemon's TLS certificate: load the configured pair, or on first
 * start generate a self-signed one that clients can use as their own
 * trust anchor (curl --cacert, Python verify=, proxmoxer).
 */
#ifndef RG_TLS_H
#define RG_TLS_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#define TLS_CERT_DEFAULT "local/realmgate-ssl.pem"
#define TLS_KEY_DEFAULT	 "local/realmgate-ssl.key"

/*
 * Fill cert_pem_r with the certificate file (chain included, as read) and
 * key_pem_r with the private key as unencrypted PKCS#8 PEM (what
 * MHD_OPTION_HTTPS_MEM_KEY takes); both are appended to.  Wipe key_pem_r
 * with buf_clear_secret.  On failure neither buffer is touched.
 *
 * cert_path and key_path NULL mean config_dir/local/realmgate-ssl.pem and
 * .key.  When both are the defaults and both files are absent, a new EC
 * P-256 key and a self-signed certificate (10 years, SAN localhost, the
 * host name, 127.0.0.1, ::1) are written: directory local/ 0755, key
 * 0600 (owned by the caller, root: the front gets the key in memory),
 * certificate 0644.  Paths given explicitly are never generated.
 *
 * Errors: ERR_NOT_FOUND when one of the two files is missing (the message
 * names it); ERR_INVALID when a file does not parse, the key is
 * encrypted, group/world-writable or world-readable, or the pair does not
 * match; ERR_IO for I/O.
 */
int tls_ensure_cert(const char *config_dir, const char *cert_path,
    const char *key_path, struct buf *cert_pem_r, struct buf *key_pem_r,
    struct err *err) RG_WARN_UNUSED;

/*
 * Make the generated key (config_dir/local/realmgate-ssl.key) root's
 * alone again: owner root:root, mode 0600 (earlier versions gave it to the
 * front's group).  A missing key is fine; a key that cannot be changed
 * (pmxcfs fixes owners and modes) is an error the caller may only warn
 * about.
 */
int tls_restrict_key(const char *config_dir, struct err *err) RG_WARN_UNUSED;

#endif
