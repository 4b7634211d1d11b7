/*
 * Round trips of our own fixtures: for every <kind>/<name>.in the parser
 * and writer of <kind> (domains, shadow, token) must produce exactly
 * <kind>/<name>.out.  Usage: compat-files FIXTURE_DIR
 */
#include "files/domains.h"
#include "files/shadow.h"
#include "files/tokencfg.h"
#include "fileio.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
convert(const char *kind, const struct buf *in, struct buf *out)
{
	if (strcmp(kind, "domains") == 0) {
		struct domains_cfg *c = domains_parse(buf_str(in), in->len,
		    "in", NULL);

		domains_write(c, out);
		domains_free(c);
	} else if (strcmp(kind, "shadow") == 0) {
		struct shadow_cfg *c = shadow_parse(buf_str(in), in->len,
		    "in", NULL);

		shadow_write(c, out);
		shadow_free(c);
	} else {
		struct tokencfg *c = tokencfg_parse(buf_str(in), in->len,
		    "in", NULL);

		tokencfg_write(c, out);
		tokencfg_free(c);
	}
}

static int
run_kind(const char *base, const char *kind)
{
	struct buf dir = BUF_INIT;
	struct dirent *e;
	int fails = 0, n = 0;
	DIR *dh;

	buf_putf(&dir, "%s/%s", base, kind);
	dh = opendir(buf_str(&dir));
	if (dh == NULL) {
		perror(buf_str(&dir));
		return 1;
	}
	while ((e = readdir(dh)) != NULL) {
		struct buf p = BUF_INIT, in = BUF_INIT, want = BUF_INIT,
			   got = BUF_INIT;
		size_t len = strlen(e->d_name);
		struct err err;

		if (len < 4 || strcmp(e->d_name + len - 3, ".in") != 0)
			continue;
		buf_putf(&p, "%s/%s", buf_str(&dir), e->d_name);
		if (file_read(buf_str(&p), 1 << 24, &in, &err) < 0)
			fails++;
		p.data[p.len - 2] = 'o';
		p.data[p.len - 1] = 'u';
		buf_putc(&p, 't');
		if (file_read(buf_str(&p), 1 << 24, &want, &err) < 0)
			fails++;
		convert(kind, &in, &got);
		if (got.len != want.len ||
		    memcmp(buf_str(&got), buf_str(&want), got.len) != 0) {
			fprintf(stderr, "%s: mismatch, got:\n%s\n",
			    buf_str(&p), buf_str(&got));
			fails++;
		}
		n++;
		buf_clear(&p);
		buf_clear(&in);
		buf_clear(&want);
		buf_clear(&got);
	}
	closedir(dh);
	buf_clear(&dir);
	printf("%s: %d fixtures\n", kind, n);
	return fails + (n == 0);
}

int
main(int argc, char **argv)
{
	int fails = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	fails += run_kind(argv[1], "domains");
	fails += run_kind(argv[1], "shadow");
	fails += run_kind(argv[1], "token");
	return fails == 0 ? 0 : 1;
}
