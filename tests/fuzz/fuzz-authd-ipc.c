/*
 * Fuzz target: the IPC stream as authd receives it from the front.  The
 * input is written to one end of a socket pair and read back frame by
 * frame with ipc_recv, length words included, as authd_run does; each
 * frame goes to authd's own handler (authd_handle: credential check,
 * parameter verification, permission check, the API call) on a small
 * config directory made once in /tmp, and its answer must come back as
 * one well-formed IPC_RESULT frame with the request's id.  A compromised
 * front controls exactly these bytes, so nothing here may crash authd.
 */
#include "daemon.h"
#include "ipc.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char user_cfg[] =
    "user:root@pam:1:0::::::\n"
    "user:u@pve:1:0::::::\n"
    "token:u@pve!tok:0:1::\n"
    "acl:1:/vms:u@pve!tok:PVEVMUser:\n";

/* a plain (Proxmox-style) secret: the corpus may carry it */
static const char token_cfg[] =
    "u@pve!tok 0b0e5a5c-6b5e-4f4e-9d7a-3c2d1e0f9a8b\n";

static char dir[] = "/tmp/rg-fuzz-authd-XXXXXX";
static struct serve_opts opts;

static void
put(const char *rel, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	(void)chmod(path, mode);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* the directory goes with the process (replay runs, libFuzzer's exit) */
static void
cleanup(void)
{
	(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	char priv[256];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(priv, sizeof(priv), "%s/priv", dir);
	if (mkdir(priv, 0700) < 0)
		abort();
	put("user.cfg", user_cfg, 0640);
	put("priv/token.cfg", token_cfg, 0600);
	opts.config_dir = dir;
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in[2], out[2], sndbuf = 1 << 20;
	struct ipc_msg m, answer;
	struct err err;
	uint32_t status;

	if (opts.config_dir == NULL)
		setup();
	if (size > 100000)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0) {
		close(in[0]);
		close(in[1]);
		return 0;
	}
	(void)setsockopt(in[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf));
	(void)setsockopt(out[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf));
	if (size > 0 && write(in[0], data, size) != (ssize_t)size)
		abort();
	close(in[0]);
	for (;;) {
		ipc_msg_init(&m, 0, 0);
		if (ipc_recv(in[1], &m, &err) < 0) {
			/* a broken stream ends authd's loop, nothing worse */
			if (err.code != ERR_IO && err.code != ERR_INVALID)
				abort();
			ipc_msg_clear(&m);
			break;
		}
		authd_handle(&opts, out[0], &m);
		ipc_msg_init(&answer, 0, 0);
		if (ipc_recv(out[1], &answer, &err) < 0 ||
		    answer.type != IPC_RESULT || answer.id != m.id ||
		    !ipc_get_u32(&answer, IPC_T_STATUS, &status))
			abort();
		ipc_msg_clear(&answer);
		ipc_msg_clear(&m);
	}
	close(in[1]);
	close(out[0]);
	close(out[1]);
	return 0;
}
