/*
 * Static files of the web page (www/).
 */
#ifndef RG_STATIC_FILES_H
#define RG_STATIC_FILES_H

#include <microhttpd.h>

enum MHD_Result static_serve(struct MHD_Connection *c, const char *www,
    const char *url, const char *method);

#endif
