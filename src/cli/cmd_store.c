/*
 * `realmgate --store URL store import DIR [--replace]` and `... store
 * export DIR`, and `... store sweep` (cfs.h): moving a config directory (a Proxmox /etc/pve among them)
 * into the shared store and back.  Files travel as bytes, with their
 * modes and mtimes (a ticket key's age is its mtime), so a directory
 * survives import then export unchanged.  An import names the lines of
 * the files realmgate parses that it could not read: they travel as they
 * are, and the next change of that file refuses to drop them (unless
 * --force), as it does on a directory.  It holds user.cfg's and
 * domains.cfg's locks, so no node writes in between.
 */
#include "cli.h"
#include "cfs/cfs.h"
#include "cfs/cfs_files.h"
#include "diag.h"
#include "fileio.h"
#include "files/domains.h"
#include "files/lock.h"
#include "ucfg.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COMMIT_FILES 50		/* files per transaction */

static void
usage(const struct cli *cli)
{
	cli_error(cli, "usage: realmgate --store URL store import DIR "
	    "[--replace]\n       realmgate --store URL store export DIR\n"
	    "       realmgate --store URL store sweep");
}

/* The relative names of the configuration's files that exist in dir. */
static void
collect(const char *dir, char ***names_r, size_t *n_r)
{
	struct buf p = BUF_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct stat st;

	for (i = 0; i < cfs_config_files_count; i++) {
		const struct cfs_config_file *f = &cfs_config_files[i];
		struct dirent *d;
		DIR *dd;

		buf_reset(&p);
		buf_putf(&p, "%s/%s", dir, f->name);
		if (f->suffix == NULL) {
			if (lstat(buf_str(&p), &st) == 0 && S_ISREG(st.st_mode)) {
				if (n == cap)
					names = xreallocarray(names,
					    cap = cap ? cap * 2 : 32,
					    sizeof(*names));
				names[n++] = xstrdup(f->name);
			}
			continue;
		}
		if ((dd = opendir(buf_str(&p))) == NULL)
			continue;
		while ((d = readdir(dd)) != NULL) {
			size_t l = strlen(d->d_name), sl = strlen(f->suffix);
			struct buf rel = BUF_INIT;

			if (d->d_name[0] == '.' || l <= sl ||
			    strcmp(d->d_name + l - sl, f->suffix) != 0)
				continue;
			buf_putf(&rel, "%s/%s", f->name, d->d_name);
			buf_reset(&p);
			buf_putf(&p, "%s/%s", dir, buf_str(&rel));
			if (lstat(buf_str(&p), &st) < 0 || !S_ISREG(st.st_mode)) {
				buf_clear(&rel);
				continue;
			}
			if (n == cap)
				names = xreallocarray(names,
				    cap = cap ? cap * 2 : 32, sizeof(*names));
			names[n++] = buf_steal(&rel);
		}
		closedir(dd);
	}
	buf_clear(&p);
	*names_r = names;
	*n_r = n;
}

/* Lines realmgate could not read, which its next write would refuse. */
static void
warn_unread(const struct cli *cli, const char *dir)
{
	struct buf p = BUF_INIT, text = BUF_INIT;
	struct domains_cfg *dc;
	struct ucfg *uc;
	struct diag d;
	struct err err;
	size_t i, bad = 0;

	diag_init(&d);
	buf_putf(&p, "%s/user.cfg", dir);
	if (file_read(buf_str(&p), FILE_MAX_CONFIG, &text, &err) == 0) {
		uc = ucfg_parse_partial(buf_str(&text), text.len, "user.cfg",
		    &d, 0);
		ucfg_free(uc);
	}
	buf_reset(&p);
	buf_reset(&text);
	buf_putf(&p, "%s/domains.cfg", dir);
	if (file_read(buf_str(&p), FILE_MAX_CONFIG, &text, &err) == 0) {
		dc = domains_parse(buf_str(&text), text.len, "domains.cfg",
		    &d);
		domains_free(dc);
	}
	for (i = 0; i < d.count; i++)
		if (d.items[i].dropped) {
			cli_error(cli, "warning: %s line %u: %s", d.items[i].file,
			    d.items[i].line, d.items[i].msg);
			bad++;
		}
	if (bad > 0)
		cli_error(cli, "warning: %zu line(s) could not be read: they "
		    "are imported as they are, and the next change of their "
		    "file refuses to drop them unless --force", bad);
	diag_clear(&d);
	buf_clear(&p);
	buf_clear(&text);
}

static int
import_one(const char *config_dir, const char *dir, const char *rel,
    struct err *err)
{
	struct buf p = BUF_INIT, bytes = BUF_INIT;
	struct stat st;
	int rc = -1;

	buf_putf(&p, "%s/%s", dir, rel);
	if (stat(buf_str(&p), &st) < 0) {
		err_set(err, ERR_IO, "%s - %s", buf_str(&p), strerror(errno));
		goto out;
	}
	if (file_read(buf_str(&p), FILE_MAX_CONFIG, &bytes, err) < 0)
		goto out;
	rc = cfs_write_dated(config_dir, rel, bytes.data, bytes.len,
	    st.st_mode & 0777, st.st_mtime, err);
out:
	buf_clear(&p);
	buf_clear_secret(&bytes);
	return rc;
}

/* --replace: the store's files that dir does not have go. */
static int
remove_others(const char *config_dir, char **names, size_t n,
    struct err *err)
{
	char **have = NULL;
	size_t nhave = 0, i, k;
	struct buf snap = BUF_INIT;
	int rc = 0;

	cfs_path(config_dir, "", &snap);
	collect(buf_str(&snap), &have, &nhave);
	for (i = 0; i < nhave && rc == 0; i++) {
		for (k = 0; k < n && strcmp(have[i], names[k]) != 0; k++)
			;
		if (k == n)
			rc = cfs_remove(config_dir, have[i], err);
	}
	for (i = 0; i < nhave; i++)
		free(have[i]);
	free(have);
	buf_clear(&snap);
	return rc;
}

static int
do_import(struct cli *cli, const char *dir, bool replace)
{
	struct cfs_lock *lu = NULL, *ld = NULL;
	struct buf probe = BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	struct err err;
	int rc = 1;

	collect(dir, &names, &n);
	if (n == 0) {
		cli_error(cli, "%s: no configuration files found", dir);
		goto out;
	}
	warn_unread(cli, dir);
	if (cfs_lock(cli->config_dir, "file-user_cfg", CFG_LOCK_TIMEOUT, &lu,
	    &err) < 0 || cfs_lock(cli->config_dir, "file-domains_cfg",
	    CFG_LOCK_TIMEOUT, &ld, &err) < 0)
		goto fail;
	cfs_path(cli->config_dir, "user.cfg", &probe);
	if (!replace && (file_exists(buf_str(&probe)) ||
	    (cfs_path(cli->config_dir, "domains.cfg", &probe),
	    file_exists(buf_str(&probe))))) {
		cli_error(cli, "%s already holds a configuration: nothing "
		    "imported (--replace to replace it)", cfs_store_name());
		goto out;
	}
	cfs_group_begin();
	for (i = 0; i < n; i++) {
		if (import_one(cli->config_dir, dir, names[i], &err) < 0)
			break;
		if ((i + 1) % COMMIT_FILES == 0 &&
		    cfs_group_commit(cli->config_dir, &err) < 0)
			break;
	}
	if (i == n && replace)
		(void)!remove_others(cli->config_dir, names, n, &err);
	if (i == n && cfs_group_commit(cli->config_dir, &err) == 0)
		rc = 0;
	cfs_group_end(cli->config_dir);
	if (rc == 0) {
		printf("imported %zu file(s) from %s into %s\n", n, dir,
		    cfs_store_name());
		goto out;
	}
fail:
	cli_error(cli, "%s", err.msg);
out:
	cfs_unlock(ld);
	cfs_unlock(lu);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_clear(&probe);
	return rc;
}

static int
export_one(const char *snap, const char *dir, const char *rel,
    struct err *err)
{
	struct buf src = BUF_INIT, dst = BUF_INIT, bytes = BUF_INIT;
	struct stat st;
	struct timespec t[2];
	const char *slash = strrchr(rel, '/');
	int rc = -1;

	buf_putf(&src, "%s/%s", snap, rel);
	buf_putf(&dst, "%s/%.*s", dir, slash != NULL ? (int)(slash - rel) : 0,
	    rel);
	if (stat(buf_str(&src), &st) < 0 ||
	    file_read(buf_str(&src), FILE_MAX_CONFIG, &bytes, err) < 0 ||
	    (slash != NULL && file_mkdirs(buf_str(&dst),
	    cfs_rel_private(rel) ? 0700 : 0755, err) < 0))
		goto out;
	buf_reset(&dst);
	buf_putf(&dst, "%s/%s", dir, rel);
	if (file_write_atomic(buf_str(&dst), bytes.data, bytes.len,
	    st.st_mode & 0777, err) < 0)
		goto out;
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	if (utimensat(AT_FDCWD, buf_str(&dst), t, 0) < 0) {
		err_set(err, ERR_IO, "unable to set mtime of '%s' - %s",
		    buf_str(&dst), strerror(errno));
		goto out;
	}
	rc = 0;
out:
	buf_clear(&src);
	buf_clear(&dst);
	buf_clear_secret(&bytes);
	return rc;
}

static int
do_export(struct cli *cli, const char *dir)
{
	struct buf snap = BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	struct err err;
	int rc = 0;

	if (file_mkdirs(dir, 0755, &err) < 0) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	/* one snapshot: the pinned mirror directory */
	cfs_path(cli->config_dir, ".", &snap);
	collect(buf_str(&snap), &names, &n);
	for (i = 0; i < n && rc == 0; i++)
		if (export_one(buf_str(&snap), dir, names[i], &err) < 0) {
			cli_error(cli, "%s", err.msg);
			rc = 1;
		}
	if (rc == 0)
		printf("exported %zu file(s) from %s into %s\n", n,
		    cfs_store_name(), dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_clear(&snap);
	return rc;
}

static int
do_sweep(struct cli *cli)
{
	size_t removed = 0;
	struct err err;

	if (cfs_store_sweep(&removed, &err) < 0) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	printf("removed %zu unused chunk(s) from %s\n", removed,
	    cfs_store_name());
	return 0;
}

int
cmd_store(struct cli *cli, int argc, char **argv)
{
	if (!cfs_is_etcd()) {
		cli_error(cli, "store: needs --store etcd://... (or "
		    "REALMGATE_STORE)");
		return 2;
	}
	if (argc == 4 && strcmp(argv[1], "import") == 0 &&
	    strcmp(argv[3], "--replace") == 0)
		return do_import(cli, argv[2], true);
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		return do_import(cli, argv[2], false);
	if (argc == 3 && strcmp(argv[1], "export") == 0)
		return do_export(cli, argv[2]);
	if (argc == 2 && strcmp(argv[1], "sweep") == 0)
		return do_sweep(cli);
	usage(cli);
	return 2;
}
