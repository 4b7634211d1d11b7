/*
 * The files of a configuration (see cfs_files.h).
 */
#include "cfs_files.h"

const struct cfs_config_file cfs_config_files[] = {
	{"user.cfg", NULL},
	{"domains.cfg", NULL},
	{"jobs.cfg", NULL},
	{"datacenter.cfg", NULL},	/* the webauthn settings */
	{"authkey.pub", NULL},
	{"authkey.pub.old", NULL},
	{"pve-www.key", NULL},
	{"priv/authkey.key", NULL},
	{"priv/shadow.cfg", NULL},
	{"priv/token.cfg", NULL},
	{"priv/tfa.cfg", NULL},
	{"priv/realm", ".pw"},
	{"priv/jobs", ".json"},
	{"realmgate/domains.cfg", NULL},
	{"realmgate/lockout.cfg", NULL},
};

const size_t cfs_config_files_count =
    sizeof(cfs_config_files) / sizeof(cfs_config_files[0]);
