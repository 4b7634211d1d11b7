/*
 * The listening sockets of `realmgate serve`, made by the supervisor (root,
 * so any port works) before the front starts: they outlive a front that
 * dies, and connections that arrive while it is restarted wait in the
 * kernel's backlog instead of being refused.
 */
#include "daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 511

/* "ADDR:PORT" or "[ADDR6]:PORT" into a socket address. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    struct err *err)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	long port;
	char *end;
	size_t hlen;

	if (colon == NULL || colon == s)
		return err_set(err, ERR_INVALID, "bad listen address '%s'", s);
	port = strtol(colon + 1, &end, 10);
	hlen = (size_t)(colon - s);
	if (*end != '\0' || port < 1 || port > 65535 || hlen >= sizeof(host))
		return err_set(err, ERR_INVALID, "bad listen address '%s'", s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;

		host[hlen - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
			return 0;
	}
	return err_set(err, ERR_INVALID, "bad listen address '%s'", s);
}

int
serve_listen(const char *spec, int *fd_r, struct err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int fd, one = 1;

	if (parse_listen(spec, &ss, &len, err) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return err_set(err, ERR_IO, "unable to listen on %s - %s", spec,
		    strerror(errno));
	/* [::1]:P and 127.0.0.1:P side by side: no dual-stack socket */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		err_set(err, ERR_IO, "unable to listen on %s - %s", spec,
		    strerror(errno));
		close(fd);
		return -1;
	}
	*fd_r = fd;
	return 0;
}
