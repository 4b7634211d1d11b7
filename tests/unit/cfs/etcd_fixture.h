/*
 * A real etcd cluster for the etcd client's tests, through
 * tests/etcd/etcd-cluster.sh (path from $ETCD_CLUSTER_SH, which meson
 * sets): free ports, start, stop, kill and restart a member.  Tests exit
 * 77 (meson: skipped) when there is no etcd binary.
 */
#ifndef RG_TEST_ETCD_FIXTURE_H
#define RG_TEST_ETCD_FIXTURE_H

#include "compiler.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct etcd_cluster {
	char dir[64];
	int n, baseport;
	char endpoints[256];
};

static RG_UNUSED bool
etcd_fx_port_free(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	bool ok;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* A base port whose 3 ports per member (client, peer, metrics) are free. */
static RG_UNUSED int
etcd_fx_free_base(int n)
{
	int tries, base, i, k;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (tries = 0; tries < 200; tries++) {
		base = 20000 + (rand() % 3000) * 10;
		for (i = 0; i < n; i++)
			for (k = 0; k < 3; k++)
				if (!etcd_fx_port_free(base + 10 * i + k))
					goto next;
		return base;
next:;
	}
	return -1;
}

/* the test file's cluster: its group teardown is etcd_fx_teardown */
static struct etcd_cluster cl;

static RG_UNUSED void etcd_fx_stop(struct etcd_cluster *c);

static RG_UNUSED int
etcd_fx_teardown(void **state)
{
	(void)state;
	etcd_fx_stop(&cl);
	return 0;
}

/* A port nobody listens on (an endpoint that is down). */
static RG_UNUSED int
etcd_fx_dead_port(void)
{
	int base = etcd_fx_free_base(1);

	return base > 0 ? base + 5 : 1;
}

static RG_UNUSED const char *
etcd_fx_script(void)
{
	const char *s = getenv("ETCD_CLUSTER_SH");

	return s != NULL ? s : "tests/etcd/etcd-cluster.sh";
}

/* tests/peers/<name>, found from the script's path */
static RG_UNUSED void
etcd_fx_peer_tool(const char *name, char *out, size_t size)
{
	const char *s = etcd_fx_script(), *slash = strrchr(s, '/');

	snprintf(out, size, "%.*s/../peers/%s", slash != NULL ?
	    (int)(slash - s) : 1, slash != NULL ? s : ".", name);
}

/* Exit 77 (skipped) without an etcd binary. */
static RG_UNUSED void
etcd_fx_require(void)
{
	const char *bin = getenv("ETCD");

	if (access(bin != NULL ? bin : "/usr/bin/etcd", X_OK) != 0) {
		fprintf(stderr, "no etcd binary: skipped\n");
		exit(77);
	}
}

/* Run the script with "CMD DIR ARGS"; its first output line to out. */
static RG_UNUSED int
etcd_fx_run(const struct etcd_cluster *c, const char *env, const char *cmd,
    const char *args, char *out, size_t size)
{
	char line[1024];
	FILE *p;

	snprintf(line, sizeof(line), "%s '%s' %s '%s' %s", env != NULL ? env :
	    "", etcd_fx_script(), cmd, c->dir, args != NULL ? args : "");
	p = popen(line, "r");
	if (p == NULL)
		return -1;
	if (out != NULL) {
		out[0] = '\0';
		if (fgets(out, (int)size, p) != NULL)
			out[strcspn(out, "\n")] = '\0';
	}
	while (fgets(line, sizeof(line), p) != NULL)
		;
	return pclose(p) == 0 ? 0 : -1;
}

/* Start n members in a fresh scratch directory (env: "VAR=x ..."). */
static RG_UNUSED int
etcd_fx_start(struct etcd_cluster *c, int n, const char *env)
{
	char args[64];
	int tries;

	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "/tmp/rg-etcd-XXXXXX");
	if (mkdtemp(c->dir) == NULL)
		return -1;
	c->n = n;
	/* a port taken between the check and etcd's bind: try again */
	for (tries = 0; tries < 3; tries++) {
		char cmd[160];

		c->baseport = etcd_fx_free_base(n);
		snprintf(args, sizeof(args), "%d %d", n, c->baseport);
		if (etcd_fx_run(c, env, "start", args, c->endpoints,
		    sizeof(c->endpoints)) == 0 && c->endpoints[0] != '\0')
			return 0;
		etcd_fx_run(c, NULL, "stop", NULL, NULL, 0);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", c->dir);
		if (system(cmd) != 0)
			return -1;
	}
	return -1;
}

/* Stop the members and remove the directory. */
static RG_UNUSED void
etcd_fx_stop(struct etcd_cluster *c)
{
	char cmd[128];

	if (c->dir[0] == '\0')
		return;
	etcd_fx_run(c, NULL, "stop", NULL, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", c->dir);
	c->dir[0] = '\0';
}

static RG_UNUSED int
etcd_fx_member(struct etcd_cluster *c, const char *cmd, int i)
{
	char args[16];

	snprintf(args, sizeof(args), "%d", i);
	return etcd_fx_run(c, NULL, cmd, args, NULL, 0);
}

/* the number of the member that is the leader now, -1 if none */
static RG_UNUSED int
etcd_fx_leader(struct etcd_cluster *c)
{
	char out[16];

	if (etcd_fx_run(c, NULL, "leader", NULL, out, sizeof(out)) < 0)
		return -1;
	return atoi(out);
}

/* client endpoint of member i (1-based) */
static RG_UNUSED void
etcd_fx_endpoint(const struct etcd_cluster *c, int i, char *out, size_t size)
{
	snprintf(out, size, "127.0.0.1:%d", c->baseport + 10 * (i - 1));
}

static RG_UNUSED long
etcd_fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
