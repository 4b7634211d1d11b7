/*
 * The files that make up a configuration, one row each: what `store
 * import` takes from a config directory (a Proxmox /etc/pve included).
 * Node-local files (the HTTPS key, task logs) and login state are not
 * configuration.
 */
#ifndef RG_CFS_FILES_H
#define RG_CFS_FILES_H

#include <stddef.h>

struct cfs_config_file {
	const char *name;	/* relative to the config directory */
	const char *suffix;	/* NULL: a file; else a directory's files
				   whose names end so */
};

extern const struct cfs_config_file cfs_config_files[];
extern const size_t cfs_config_files_count;

#endif
