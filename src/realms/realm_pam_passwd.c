/*
 * Password change for the pam realm, as Proxmox does it: the local
 * system's password via `usermod -p <sha256-crypt hash> <user>`, run
 * without a shell, on this node only.  authd is root, so usermod works;
 * REALMGATE_USERMOD names another program (tests point it at a recorder,
 * never at the machine's own user database).
 */
#include "realm.h"
#include "secret.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define USERMOD "/usr/sbin/usermod"

/* "$5$<16 salt chars>": Proxmox's scheme for system passwords. */
static int
sha256_crypt(const char *password, char *out, size_t size, struct err *err)
{
	static const char alphabet[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[16];
	char setting[4 + 16 + 1];
	struct crypt_data cd;
	const char *h;
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_set(err, ERR_INTERNAL, "unable to get random bytes");
	memcpy(setting, "$5$", 3);
	for (i = 0; i < sizeof(rnd); i++)
		setting[3 + i] = alphabet[rnd[i] % 64];
	setting[3 + sizeof(rnd)] = '\0';
	memset(&cd, 0, sizeof(cd));
	h = crypt_r(password, setting, &cd);
	if (h == NULL || h[0] != '$' || strlen(h) >= size) {
		secret_wipe(&cd, sizeof(cd));
		return err_set(err, ERR_INTERNAL, "unable to hash the password");
	}
	memcpy(out, h, strlen(h) + 1);
	secret_wipe(&cd, sizeof(cd));
	return 0;
}

int
realm_pam_set_password(const struct realm_ctx *realm, const char *user,
    const char *password, struct err *err)
{
	const char *prog = getenv("REALMGATE_USERMOD");
	char hash[256];
	pid_t pid;
	int status;

	(void)realm;
	if (prog == NULL || *prog == '\0')
		prog = USERMOD;
	if (user[0] == '-')
		return err_set(err, ERR_INVALID, "invalid user name '%s'", user);
	if (sha256_crypt(password, hash, sizeof(hash), err) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		secret_wipe(hash, sizeof(hash));
		return err_set(err, ERR_IO, "fork - %s", strerror(errno));
	}
	if (pid == 0) {
		char opt[] = "-p";
		char *const argv[] = {(char *)(uintptr_t)prog, opt, hash,
		    (char *)(uintptr_t)user, NULL};

		execv(prog, argv);
		_exit(127);
	}
	secret_wipe(hash, sizeof(hash));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(err, ERR_IO, "%s failed for '%s' (status %d)",
		    prog, user, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
