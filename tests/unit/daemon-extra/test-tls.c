/*
 * The daemon's TLS certificate: first-start generation (files, modes,
 * the certificate's fields), reload of the same pair, the errors an admin
 * can cause (one file missing, a mismatched or encrypted or world-readable
 * key), and that real clients accept the file as its own trust anchor:
 * the openssl CLI (verify, checkip, checkhost) and a TLS handshake from
 * Python's ssl module.  The external tools are skipped when absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "str.h"
#include "tls.h"
#include "xalloc.h"

extern char **environ;

#define PATH_LEN 256

struct fixture {
	char dir[PATH_LEN];
	char cert[PATH_LEN];
	char key[PATH_LEN];
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* dir + "/" + name into out[PATH_LEN] */
static void
join(char *out, const char *dir, const char *name)
{
	struct buf b = BUF_INIT;

	buf_putf(&b, "%s/%s", dir, name);
	assert_true(str_copy(out, PATH_LEN, buf_str(&b)));
	buf_clear(&b);
}

static void
fixture_paths(struct fixture *f)
{
	join(f->cert, f->dir, "local/realmgate-ssl.pem");
	join(f->key, f->dir, "local/realmgate-ssl.key");
}

/* A second configuration directory below f's. */
static void
sub_fixture(struct fixture *g, const struct fixture *f, const char *name)
{
	join(g->dir, f->dir, name);
	fixture_paths(g);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/rg-tls-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	fixture_paths(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int
mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	struct err err;

	if (file_read(path, 1 << 20, &b, &err) < 0)
		fail_msg("read %s: %s", path, err.msg);
	return buf_steal(&b);
}

/* Generate in f->dir; the umask is hostile to show the modes are forced. */
static void
generate(struct fixture *f, struct buf *cert, struct buf *key)
{
	struct err err;
	mode_t old = umask(077);
	int rc = tls_ensure_cert(f->dir, NULL, NULL, cert, key, &err);

	umask(old);
	if (rc < 0)
		fail_msg("tls_ensure_cert: %s", err.msg);
}

/*
 * Run argv with stdout and stderr into dir/out.txt; returns the exit
 * status, or 127 when the program is not there.  *out_r gets the output.
 */
static int
run(const char *dir, const char *const argv[], char **out_r)
{
	posix_spawn_file_actions_t fa;
	char out[PATH_LEN];
	char **args;
	size_t n = 0, i;
	pid_t pid;
	int status, rc;

	/* posix_spawn wants char *const[]; copy rather than cast away const */
	while (argv[n] != NULL)
		n++;
	args = xcalloc(n + 1, sizeof(*args));
	for (i = 0; i < n; i++)
		args[i] = xstrdup(argv[i]);
	join(out, dir, "out.txt");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out,
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawnp(&pid, args[0], &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < n; i++)
		free(args[i]);
	free(args);
	if (rc != 0)
		return 127;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (out_r != NULL)
		*out_r = slurp(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool
have(const char *dir, const char *prog, const char *arg)
{
	const char *argv[] = {prog, arg, NULL};

	return run(dir, argv, NULL) == 0;
}

static void
test_generate(void **state)
{
	struct fixture *f = *state;
	struct buf cert = BUF_INIT, key = BUF_INIT;
	char *file;
	BIO *bio;
	X509 *x;
	EVP_PKEY *pk;
	BIGNUM *serial;
	int day, sec;

	generate(f, &cert, &key);
	assert_int_equal(mode_of(f->key), 0600);
	assert_int_equal(mode_of(f->cert), 0644);
	{
		char local[PATH_LEN];

		join(local, f->dir, "local");
		assert_int_equal(mode_of(local), 0755);
	}
	file = slurp(f->cert);
	assert_string_equal(buf_str(&cert), file);
	free(file);
	/* PKCS#8, what libmicrohttpd/GnuTLS take */
	assert_true(strncmp(buf_str(&key), "-----BEGIN PRIVATE KEY-----\n",
	    28) == 0);

	bio = BIO_new_mem_buf(cert.data, (int)cert.len);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(x);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(X509_self_signed(x, 1), 1);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	pk = X509_get0_pubkey(x);
	assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_EC);
	assert_int_equal(EVP_PKEY_get_bits(pk), 256);
	/* leaf, server auth, the loopback names */
	assert_int_equal(X509_check_ca(x), 0);
	assert_true(X509_get_extension_flags(x) & EXFLAG_BCONS);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "10.0.0.1", 0), 0);
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	{
		char host[256] = "";

		gethostname(host, sizeof(host) - 1);
		for (char *p = host; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (host[0] != '\0')
			assert_int_equal(X509_check_host(x, host, 0, 0, NULL),
			    1);
	}
	/* notBefore a day ago, notAfter ten years ahead */
	assert_int_equal(ASN1_TIME_diff(&day, &sec, NULL,
	    X509_get0_notBefore(x)), 1);
	assert_int_equal(day, -1);
	assert_int_equal(ASN1_TIME_diff(&day, &sec, NULL,
	    X509_get0_notAfter(x)), 1);
	assert_true(day == 3649 || day == 3650);
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	assert_false(BN_is_negative(serial));
	assert_true(BN_num_bits(serial) > 64);
	BN_free(serial);
	X509_free(x);
	buf_clear(&cert);
	buf_clear_secret(&key);
}

static void
test_reload(void **state)
{
	struct fixture *f = *state;
	struct buf c1 = BUF_INIT, k1 = BUF_INIT, c2 = BUF_INIT, k2 = BUF_INIT;
	struct buf c3 = BUF_INIT, k3 = BUF_INIT;
	struct stat st1, st2;
	struct err err;

	generate(f, &c1, &k1);
	assert_int_equal(stat(f->key, &st1), 0);
	assert_int_equal(tls_ensure_cert(f->dir, NULL, NULL, &c2, &k2, &err),
	    0);
	assert_int_equal(stat(f->key, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_string_equal(buf_str(&c1), buf_str(&c2));
	assert_string_equal(buf_str(&k1), buf_str(&k2));
	/* the same files named explicitly */
	assert_int_equal(tls_ensure_cert(f->dir, f->cert, f->key, &c3, &k3,
	    &err), 0);
	assert_string_equal(buf_str(&c1), buf_str(&c3));
	/* a second directory gets a different key and serial */
	buf_clear(&c3);
	buf_clear_secret(&k3);
	{
		struct fixture g;

		sub_fixture(&g, f, "other");
		generate(&g, &c3, &k3);
		assert_string_not_equal(buf_str(&c1), buf_str(&c3));
		assert_string_not_equal(buf_str(&k1), buf_str(&k3));
	}
	buf_clear(&c1);
	buf_clear(&c2);
	buf_clear(&c3);
	buf_clear_secret(&k1);
	buf_clear_secret(&k2);
	buf_clear_secret(&k3);
}

static void
expect_error(const char *dir, const char *cert, const char *key,
    enum err_code code, const char *needle)
{
	struct buf c = BUF_INIT, k = BUF_INIT;
	struct err err;

	buf_puts(&c, "keep");
	assert_int_equal(tls_ensure_cert(dir, cert, key, &c, &k, &err), -1);
	if (err.code != code || strstr(err.msg, needle) == NULL)
		fail_msg("got code %d '%s', want %d with '%s'", err.code,
		    err.msg, code, needle);
	/* nothing handed out on failure */
	assert_string_equal(buf_str(&c), "keep");
	assert_int_equal(k.len, 0);
	buf_clear(&c);
}

static void
test_one_missing(void **state)
{
	struct fixture *f = *state;
	struct buf c = BUF_INIT, k = BUF_INIT;
	char moved[PATH_LEN];

	generate(f, &c, &k);
	join(moved, f->dir, "moved.pem");
	assert_int_equal(rename(f->cert, moved), 0);
	expect_error(f->dir, NULL, NULL, ERR_NOT_FOUND, f->cert);
	assert_false(file_exists(f->cert));	/* not regenerated */
	assert_int_equal(rename(moved, f->cert), 0);

	join(moved, f->dir, "moved.key");
	assert_int_equal(rename(f->key, moved), 0);
	expect_error(f->dir, NULL, NULL, ERR_NOT_FOUND, f->key);
	assert_false(file_exists(f->key));
	assert_int_equal(rename(moved, f->key), 0);

	/* explicit paths are never generated */
	{
		char c2[PATH_LEN], k2[PATH_LEN];

		join(c2, f->dir, "none.pem");
		join(k2, f->dir, "none.key");
		expect_error(f->dir, c2, k2, ERR_NOT_FOUND, c2);
		assert_false(file_exists(c2));
		assert_false(file_exists(k2));
	}
	buf_clear(&c);
	buf_clear_secret(&k);
}

static void
test_mismatch(void **state)
{
	struct fixture *f = *state;
	struct buf c = BUF_INIT, k = BUF_INIT;
	struct fixture g;

	generate(f, &c, &k);
	buf_clear(&c);
	buf_clear_secret(&k);
	sub_fixture(&g, f, "b");
	generate(&g, &c, &k);
	expect_error(f->dir, f->cert, g.key, ERR_INVALID,
	    "do not match");
	/* garbage */
	assert_int_equal(file_write_atomic(f->cert, "hello\n", 6, 0644,
	    &(struct err){0}), 0);
	expect_error(f->dir, NULL, NULL, ERR_INVALID, "no PEM certificate");
	assert_int_equal(file_write_atomic(f->key, "hello\n", 6, 0600,
	    &(struct err){0}), 0);
	expect_error(f->dir, g.cert, NULL, ERR_INVALID, "no PEM private key");
	buf_clear(&c);
	buf_clear_secret(&k);
}

static void
test_key_mode(void **state)
{
	struct fixture *f = *state;
	struct buf c = BUF_INIT, k = BUF_INIT;
	struct err err;

	generate(f, &c, &k);
	assert_int_equal(chmod(f->key, 0644), 0);
	expect_error(f->dir, NULL, NULL, ERR_INVALID, "chmod 600");
	assert_int_equal(chmod(f->key, 0620), 0);
	expect_error(f->dir, NULL, NULL, ERR_INVALID, "0620");
	/* group-readable is fine: root:ssl-cert 0640 setups */
	assert_int_equal(chmod(f->key, 0640), 0);
	buf_clear(&c);
	buf_clear_secret(&k);
	assert_int_equal(tls_ensure_cert(f->dir, NULL, NULL, &c, &k, &err), 0);
	buf_clear(&c);
	buf_clear_secret(&k);
}

static void
test_openssl_cli(void **state)
{
	struct fixture *f = *state;
	struct buf c = BUF_INIT, k = BUF_INIT;
	char *out = NULL;

	if (!have(f->dir, "openssl", "version"))
		fail_msg("missing tool: run scripts/install-deps.sh");
	generate(f, &c, &k);
	{
		const char *argv[] = {"openssl", "verify", "-CAfile", f->cert,
		    f->cert, NULL};

		assert_int_equal(run(f->dir, argv, &out), 0);
		assert_non_null(strstr(out, ": OK"));
		free(out);
	}
	{
		const char *argv[] = {"openssl", "verify", "-x509_strict",
		    "-purpose", "sslserver", "-CAfile", f->cert, f->cert,
		    NULL};

		assert_int_equal(run(f->dir, argv, &out), 0);
		free(out);
	}
	{
		const char *checks[][2] = {
			{"-checkip", "127.0.0.1"},
			{"-checkip", "::1"},
			{"-checkhost", "localhost"},
		};

		for (size_t i = 0; i < 3; i++) {
			const char *argv[] = {"openssl", "x509", "-in", f->cert,
			    "-noout", checks[i][0],
			    checks[i][1], NULL};

			assert_int_equal(run(f->dir, argv, &out), 0);
			if (strstr(out, "does match certificate") == NULL)
				fail_msg("%s %s: %s", checks[i][0],
				    checks[i][1], out);
			free(out);
		}
	}
	{
		const char *argv[] = {"openssl", "x509", "-in", f->cert,
		    "-noout", "-checkip", "192.0.2.1", NULL};

		assert_int_equal(run(f->dir, argv, &out), 0);
		assert_non_null(strstr(out, "does NOT match"));
		free(out);
	}
	{
		/* the key as handed to libmicrohttpd parses on its own */
		char kpath[PATH_LEN];
		const char *argv[] = {"openssl", "pkey", "-in", kpath, "-noout",
		    NULL};

		join(kpath, f->dir, "mem.key");
		assert_int_equal(file_write_atomic(kpath, k.data, k.len, 0600,
		    &(struct err){0}), 0);
		assert_int_equal(run(f->dir, argv, &out), 0);
		free(out);
	}
	buf_clear(&c);
	buf_clear_secret(&k);
}

/* A real handshake: the certificate file is the client's only anchor. */
static const char py_handshake[] =
    "import ssl, socket, sys, threading\n"
    "cert, key = sys.argv[1], sys.argv[2]\n"
    "srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "srv.load_cert_chain(cert, key)\n"
    "def one(family, addr, name, strict):\n"
    "    ls = socket.socket(family)\n"
    "    ls.bind((addr, 0)); ls.listen(1)\n"
    "    def serve():\n"
    "        c, _ = ls.accept()\n"
    "        try:\n"
    "            s = srv.wrap_socket(c, server_side=True)\n"
    "            s.sendall(b'ok'); s.close()\n"
    "        except Exception:\n"
    "            c.close()\n"
    "    t = threading.Thread(target=serve); t.start()\n"
    "    ctx = ssl.create_default_context(cafile=cert)\n"
    "    if strict and hasattr(ssl, 'VERIFY_X509_STRICT'):\n"
    "        ctx.verify_flags |= ssl.VERIFY_X509_STRICT\n"
    "    with socket.create_connection(ls.getsockname()[:2]) as s:\n"
    "        with ctx.wrap_socket(s, server_hostname=name) as c:\n"
    "            assert c.recv(2) == b'ok'\n"
    "    t.join(); ls.close()\n"
    "    print('OK', addr, name, strict)\n"
    "for strict in (False, True):\n"
    "    one(socket.AF_INET, '127.0.0.1', '127.0.0.1', strict)\n"
    "    one(socket.AF_INET, '127.0.0.1', 'localhost', strict)\n"
    "    try:\n"
    "        socket.socket(socket.AF_INET6).bind(('::1', 0))\n"
    "    except OSError:\n"
    "        continue\n"
    "    one(socket.AF_INET6, '::1', '::1', strict)\n";

static void
test_python_handshake(void **state)
{
	struct fixture *f = *state;
	struct buf c = BUF_INIT, k = BUF_INIT;
	char *out = NULL;
	const char *argv[] = {"python3", "-c", py_handshake, f->cert,
	    f->key, NULL};
	int rc;

	if (!have(f->dir, "python3", "-V"))
		fail_msg("missing tool: run scripts/install-deps.sh");
	generate(f, &c, &k);
	rc = run(f->dir, argv, &out);
	if (rc != 0)
		fail_msg("python3 handshake failed (%d): %s", rc, out);
	assert_non_null(strstr(out, "OK 127.0.0.1 localhost True"));
	free(out);
	buf_clear(&c);
	buf_clear_secret(&k);
}

/* Admin-provided keys: RSA in PKCS#1 is re-encoded; encrypted is refused. */
static void
test_admin_keys(void **state)
{
	struct fixture *f = *state;
	struct buf c = BUF_INIT, k = BUF_INIT;
	char cert[PATH_LEN], key[PATH_LEN], key1[PATH_LEN], enc[PATH_LEN];
	struct err err;
	char *text;

	if (!have(f->dir, "openssl", "version"))
		fail_msg("missing tool: run scripts/install-deps.sh");
	join(cert, f->dir, "c.pem");
	join(key, f->dir, "k.pem");
	join(key1, f->dir, "k1.pem");
	join(enc, f->dir, "kenc.pem");
	{
		const char *argv[] = {"openssl", "req", "-x509", "-newkey",
		    "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
		    "-days", "2", "-subj", "/CN=admin", NULL};

		assert_int_equal(run(f->dir, argv, NULL), 0);
	}
	{
		const char *argv[] = {"openssl", "pkey", "-in", key,
		    "-traditional", "-out", key1, NULL};

		assert_int_equal(run(f->dir, argv, NULL), 0);
	}
	{
		const char *argv[] = {"openssl", "pkey", "-in", key, "-aes256",
		    "-passout", "pass:secret", "-out", enc, NULL};

		assert_int_equal(run(f->dir, argv, NULL), 0);
	}
	assert_int_equal(chmod(key1, 0600), 0);
	assert_int_equal(chmod(enc, 0600), 0);
	text = slurp(key1);
	assert_non_null(strstr(text, "BEGIN RSA PRIVATE KEY"));
	free(text);
	assert_int_equal(tls_ensure_cert(f->dir, cert, key1, &c, &k, &err), 0);
	assert_true(strncmp(buf_str(&k), "-----BEGIN PRIVATE KEY-----", 27) ==
	    0);
	buf_clear(&c);
	buf_clear_secret(&k);
	expect_error(f->dir, cert, enc, ERR_INVALID, "encrypted");
	/* nothing was generated for explicit paths */
	assert_false(file_exists(f->cert));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mismatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_openssl_cli, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_python_handshake, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_admin_keys, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
