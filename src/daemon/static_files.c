/*
 * The web page's files, served from the www directory: GET only, no
 * directory listings, no path with a ".." or hidden component, a content
 * type from the extension, and headers that keep the page in its origin.
 */
#include "static_files.h"
#include "buf.h"
#include "fileio.h"

#include <microhttpd.h>
#include <string.h>

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".json", "application/json"},
	{".txt", "text/plain; charset=utf-8"},
};

static const char *
content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static bool
path_ok(const char *url)
{
	const char *p = url;

	if (*p != '/')
		return false;
	while (*p != '\0') {
		p++;	/* skip '/' */
		if (*p == '.')	/* "..", hidden files, "." */
			return false;
		p += strcspn(p, "/");
	}
	return strchr(url, '\\') == NULL;
}

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text),
	    (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "text/plain");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
static_serve(struct MHD_Connection *c, const char *www, const char *url,
    const char *method)
{
	struct buf path = BUF_INIT, body = BUF_INIT;
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct err err;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_text(c, 405, "method not allowed\n");
	if (!path_ok(url))
		return send_text(c, 404, "not found\n");
	buf_putf(&path, "%s%s", www, url);
	if (url[strlen(url) - 1] == '/')
		buf_puts(&path, "index.html");
	if (file_read(buf_str(&path), 16u << 20, &body, &err) < 0) {
		buf_clear(&path);
		buf_clear(&body);
		return send_text(c, 404, "not found\n");
	}
	r = MHD_create_response_from_buffer(body.len, body.data,
	    MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type",
	    content_type(buf_str(&path)));
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; frame-ancestors 'none'");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	buf_clear(&path);
	buf_clear(&body);
	return ret;
}
