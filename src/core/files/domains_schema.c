/*
 * The realm property table (spec 5.1 and 5.2) and the value checks that
 * Proxmox's JSON schema applies to it: anchored patterns, formats, enums,
 * integer ranges, maximum lengths and the two property strings (tfa and
 * sync-defaults-options).  Everything that parses or writes a realm goes
 * through this table, so adding a property is one line here.
 */
#include "domains.h"
#include "domains_int.h"
#include "str.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define LDAPISH (RT_BIT(REALM_LDAP) | RT_BIT(REALM_AD))
#define OIDC	RT_BIT(REALM_OPENID)
#define NOOIDC	(RT_ALL & ~OIDC)

static const char *const mode_enum[] = {"ldap", "ldaps", "ldap+starttls",
	NULL};
static const char *const ssl_enum[] = {"tlsv1", "tlsv1_1", "tlsv1_2",
	"tlsv1_3", NULL};
static const char *const type_names[REALM_TYPE_COUNT] = {
	"pam", "pve", "ldap", "ad", "openid",
};

#define STR(n, f, ml, t, r)                                             \
	{n, DV_STRING, f, NULL, ml, 0, 0, t, r, false, DS_PVE}
#define BOOL(n, t)                                                      \
	{n, DV_BOOL, DF_NONE, NULL, 0, 0, 0, t, 0, false, DS_PVE}

static const struct dom_prop_def props[DP_COUNT] = {
	[DP_COMMENT] = STR("comment", DF_NONE, 4096, RT_ALL, 0),
	[DP_DEFAULT] = BOOL("default", RT_ALL),
	[DP_TFA] = {"tfa", DV_PROPSTR, DF_TFA, NULL, 128, 0, 0, NOOIDC, 0,
	    false, DS_PVE},
	[DP_SERVER1] = STR("server1", DF_ADDRESS, 256, LDAPISH, LDAPISH),
	[DP_SERVER2] = STR("server2", DF_ADDRESS, 256, LDAPISH, 0),
	[DP_PORT] = {"port", DV_INT, DF_NONE, NULL, 0, 1, 65535, LDAPISH, 0,
	    false, DS_PVE},
	[DP_MODE] = {"mode", DV_ENUM, DF_NONE, mode_enum, 0, 0, 0, LDAPISH,
	    0, false, DS_PVE},
	[DP_SECURE] = BOOL("secure", LDAPISH),
	[DP_SSLVERSION] = {"sslversion", DV_ENUM, DF_NONE, ssl_enum, 0, 0, 0,
	    LDAPISH, 0, false, DS_PVE},
	[DP_VERIFY] = BOOL("verify", LDAPISH),
	[DP_CAPATH] = STR("capath", DF_NONE, 0, LDAPISH, 0),
	[DP_CERT] = STR("cert", DF_NONE, 0, LDAPISH, 0),
	[DP_CERTKEY] = STR("certkey", DF_NONE, 0, LDAPISH, 0),
	[DP_BASE_DN] = STR("base_dn", DF_NONE, 256, LDAPISH,
	    RT_BIT(REALM_LDAP)),
	[DP_BIND_DN] = STR("bind_dn", DF_NONE, 256, LDAPISH, 0),
	[DP_PASSWORD] = STR("password", DF_NONE, 0, LDAPISH, 0),
	[DP_USER_ATTR] = STR("user_attr", DF_USER_ATTR, 256, LDAPISH,
	    RT_BIT(REALM_LDAP)),
	[DP_FILTER] = STR("filter", DF_NONE, 2048, LDAPISH, 0),
	[DP_SYNC_ATTRIBUTES] = STR("sync_attributes", DF_SYNC_ATTRS, 0,
	    LDAPISH, 0),
	[DP_USER_CLASSES] = STR("user_classes", DF_SIMPLE_ATTR_LIST, 0,
	    LDAPISH, 0),
	[DP_GROUP_DN] = STR("group_dn", DF_NONE, 256, LDAPISH, 0),
	[DP_GROUP_NAME_ATTR] = STR("group_name_attr", DF_SIMPLE_ATTR, 256,
	    LDAPISH, 0),
	[DP_GROUP_FILTER] = STR("group_filter", DF_NONE, 2048, LDAPISH, 0),
	[DP_GROUP_CLASSES] = STR("group_classes", DF_SIMPLE_ATTR_LIST, 0,
	    LDAPISH, 0),
	[DP_SYNC_DEFAULTS] = {"sync-defaults-options", DV_PROPSTR,
	    DF_SYNC_OPTS, NULL, 0, 0, 0, LDAPISH, 0, false, DS_PVE},
	[DP_CASE_SENSITIVE] = BOOL("case-sensitive", LDAPISH),
	[DP_DOMAIN] = STR("domain", DF_NOSPACE, 256, RT_BIT(REALM_AD),
	    RT_BIT(REALM_AD)),
	[DP_ISSUER_URL] = STR("issuer-url", DF_NONE, 256, OIDC, OIDC),
	[DP_CLIENT_ID] = STR("client-id", DF_NONE, 256, OIDC, OIDC),
	[DP_CLIENT_KEY] = STR("client-key", DF_NONE, 256, OIDC, 0),
	[DP_AUTOCREATE] = BOOL("autocreate", OIDC),
	[DP_USERNAME_CLAIM] = {"username-claim", DV_STRING, DF_NONE, NULL, 0,
	    0, 0, OIDC, 0, true, DS_PVE},
	[DP_GROUPS_CLAIM] = STR("groups-claim", DF_GROUPS_CLAIM, 256, OIDC,
	    0),
	[DP_GROUPS_AUTOCREATE] = BOOL("groups-autocreate", OIDC),
	[DP_GROUPS_OVERWRITE] = BOOL("groups-overwrite", OIDC),
	[DP_PROMPT] = STR("prompt", DF_NOSPACE, 0, OIDC, 0),
	[DP_SCOPES] = STR("scopes", DF_NONE, 0, OIDC, 0),
	[DP_ACR_VALUES] = STR("acr-values", DF_OIDC_LIST, 0, OIDC, 0),
	[DP_AUDIENCES] = STR("audiences", DF_OIDC_LIST, 0, OIDC, 0),
	[DP_QUERY_USERINFO] = BOOL("query-userinfo", OIDC),
	[DP_DISABLE] = {"disable", DV_BOOL, DF_NONE, NULL, 0, 0, 0, RT_ALL, 0,
	    false, DS_REALMGATE},
	/* directory realms, beyond Proxmox (docs/realmgate.8) */
	[DP_SERVERS] = {"servers", DV_STRING, DF_ADDRESS_LIST, NULL, 4096, 0,
	    0, LDAPISH, 0, false, DS_REALMGATE},
	[DP_CONNECT_TIMEOUT] = {"connect-timeout", DV_INT, DF_NONE, NULL, 0, 1,
	    60, LDAPISH, 0, false, DS_REALMGATE},
	[DP_NESTED_GROUPS] = {"nested-groups", DV_BOOL, DF_NONE, NULL, 0, 0, 0,
	    LDAPISH, 0, false, DS_REALMGATE},
	[DP_SYNC_MAX_REMOVE] = {"sync-max-remove", DV_INT, DF_NONE, NULL, 0, 0,
	    100, LDAPISH, 0, false, DS_REALMGATE},
	[DP_GROUP_NAME_MAP] = {"group-name-map", DV_STRING, DF_NAME_MAP, NULL,
	    4096, 0, 0, LDAPISH, 0, false, DS_REALMGATE},
	[DP_LOGIN_GROUPS] = {"login-groups", DV_BOOL, DF_NONE, NULL, 0, 0, 0,
	    LDAPISH, 0, false, DS_REALMGATE},
	/* seconds per LDAP operation / per HTTP call to the provider */
	[DP_TIMEOUT] = {"timeout", DV_INT, DF_NONE, NULL, 0, 1, 600,
	    LDAPISH | OIDC, 0, false, DS_REALMGATE},
};

const char *
realm_type_name(enum realm_type t)
{
	return (unsigned)t < REALM_TYPE_COUNT ? type_names[t] : "unknown";
}

bool
realm_type_parse(const char *s, enum realm_type *t_r)
{
	unsigned i;

	for (i = 0; i < REALM_TYPE_COUNT; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*t_r = (enum realm_type)i;
			return true;
		}
	}
	return false;
}

const struct dom_prop_def *
domains_prop_def(enum dom_prop p)
{
	return &props[p];
}

int
domains_prop_find(const char *name)
{
	int i;

	for (i = 0; i < DP_COUNT; i++)
		if (strcmp(props[i].name, name) == 0)
			return i;
	return -1;
}

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static bool
all_chars(const char *s, size_t len, bool (*ok)(char))
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!ok(s[i]))
			return false;
	return len > 0;
}

static bool
not_space(char c)
{
	return !str_is_space(c);
}

static bool
claim_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

static bool
oidc_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u > 0x1f && u != 0x7f && strchr(" <>#\"", c) == NULL;
}

/* DNS name: labels of [A-Za-z0-9] with inner '-', joined by '.' */
static bool
dns_name_valid(const char *s)
{
	size_t n = 0;

	for (;; s++) {
		if (*s == '.' || *s == '\0') {
			if (n == 0 || s[-1] == '-')
				return false;
			if (*s == '\0')
				return true;
			n = 0;
			continue;
		}
		if (!is_alnum(*s) && !(*s == '-' && n > 0))
			return false;
		n++;
	}
}

static bool
address_valid(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 ||
	    inet_pton(AF_INET6, s, addr) == 1 || dns_name_valid(s);
}

struct list_check {
	bool (*ok)(char);
	bool bad;
};

static void
list_item(const char *item, size_t len, void *arg)
{
	struct list_check *lc = arg;

	if (!all_chars(item, len, lc->ok))
		lc->bad = true;
}

static bool
list_valid(const char *s, bool (*ok)(char))
{
	struct list_check lc = {ok, false};

	str_split_list(s, strlen(s), list_item, &lc);
	return !lc.bad;
}

struct addr_check {
	bool bad;
};

static void
address_item(const char *p, size_t len, void *arg)
{
	struct addr_check *ac = arg;
	char tmp[257];

	if (len >= sizeof(tmp)) {
		ac->bad = true;
		return;
	}
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (!address_valid(tmp))
		ac->bad = true;
}

static bool
address_list_valid(const char *s)
{
	struct addr_check ac = {false};

	str_split_list(s, strlen(s), address_item, &ac);
	return !ac.bad;
}

static bool
group_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

/*
 * from=to(;from=to)*: from is any text without '=', ';' or control bytes,
 * to a group name stem ([A-Za-z0-9._-]+).
 */
static bool
name_map_valid(const char *s)
{
	for (;;) {
		const char *start = s;

		while (*s != '\0' && *s != '=' && *s != ';' &&
		    (unsigned char)*s >= 0x20)
			s++;
		if (s == start || *s++ != '=')
			return false;
		start = s;
		while (group_char(*s))
			s++;
		if (s == start)
			return false;
		if (*s == '\0')
			return true;
		if (*s++ != ';')
			return false;
	}
}

static bool
word_char(char c)
{
	return is_alnum(c) || c == '_';
}

/* \w+=[^,]+(,\s*\w+=[^,]+)* */
static bool
sync_attrs_valid(const char *s)
{
	for (;;) {
		const char *start = s;

		while (word_char(*s))
			s++;
		if (s == start || *s++ != '=')
			return false;
		if (*s == ',' || *s == '\0')
			return false;
		while (*s != ',' && *s != '\0')
			s++;
		if (*s == '\0')
			return true;
		s++;
		while (str_is_space(*s))
			s++;
	}
}

static int
check_fmt(const struct dom_prop_def *def, const char *v, struct err *err)
{
	bool ok = true;

	switch (def->fmt) {
	case DF_NONE:
		break;
	case DF_ADDRESS:
		if (!address_valid(v))
			return err_set(err, ERR_INVALID,
			    "value does not look like a valid address: %s", v);
		break;
	case DF_ADDRESS_LIST:
		if (!address_list_valid(v))
			return err_set(err, ERR_INVALID, "value '%s' is not a "
			    "list of valid addresses", v);
		break;
	case DF_NAME_MAP:
		if (!name_map_valid(v))
			return err_set(err, ERR_INVALID, "value '%s' is not a "
			    "list of directory-name=group-name pairs separated "
			    "by ';'", v);
		break;
	case DF_SIMPLE_ATTR:
	case DF_SIMPLE_ATTR_LIST:
		ok = def->fmt == DF_SIMPLE_ATTR ?
		    all_chars(v, strlen(v), is_alnum) : list_valid(v, is_alnum);
		if (!ok)
			return err_set(err, ERR_INVALID, "value '%s' does not "
			    "look like a simple ldap attribute name", v);
		break;
	case DF_SYNC_ATTRS:
		ok = sync_attrs_valid(v);
		break;
	case DF_USER_ATTR:
		ok = strlen(v) >= 2 && all_chars(v, strlen(v), not_space);
		break;
	case DF_NOSPACE:
		ok = all_chars(v, strlen(v), not_space);
		break;
	case DF_GROUPS_CLAIM:
		ok = all_chars(v, strlen(v), claim_char);
		break;
	case DF_OIDC_LIST:
		ok = list_valid(v, oidc_char);
		break;
	case DF_TFA:
		return propstr_check(&propstr_tfa, v, NULL, err);
	case DF_SYNC_OPTS:
		return propstr_check(&propstr_sync, v, NULL, err);
	}
	if (!ok)
		return err_set(err, ERR_INVALID,
		    "value does not match the regex pattern");
	return 0;
}

int
domains_value_check(enum dom_prop p, const char *v, struct buf *norm,
    struct err *err)
{
	const struct dom_prop_def *def = &props[p];
	unsigned long long u;
	const char *const *e;
	bool neg;

	if (strpbrk(v, "\r\n") != NULL)
		return err_set(err, ERR_INVALID,
		    "property contains a line feed");
	switch (def->vtype) {
	case DV_BOOL:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return err_set(err, ERR_INVALID,
			    "type check ('boolean') failed - got '%s'", v);
		buf_puts(norm, v);
		return 0;
	case DV_INT:
		neg = v[0] == '-';
		if (!str_to_u64(v + neg, strlen(v + neg), &u))
			return err_set(err, ERR_INVALID,
			    "type check ('integer') failed - got '%s'", v);
		if (neg || (long long)u < def->min || u > (1ull << 62))
			return err_set(err, ERR_INVALID,
			    "value must have a minimum value of %lld",
			    def->min);
		if ((long long)u > def->max)
			return err_set(err, ERR_INVALID,
			    "value must have a maximum value of %lld",
			    def->max);
		buf_putf(norm, "%llu", u);
		return 0;
	case DV_ENUM:
		for (e = def->enum_values; *e != NULL; e++)
			if (strcmp(*e, v) == 0)
				break;
		if (*e == NULL) {
			struct buf all = BUF_INIT;

			for (e = def->enum_values; *e != NULL; e++)
				buf_putf(&all, "%s%s",
				    e == def->enum_values ? "" : ", ", *e);
			err_set(err, ERR_INVALID, "value '%s' does not have a "
			    "value in the enumeration '%s'", v,
			    buf_str(&all));
			buf_clear(&all);
			return -1;
		}
		buf_puts(norm, v);
		return 0;
	case DV_STRING:
	case DV_PROPSTR:
		break;
	}
	if (def->max_len > 0 && strlen(v) > def->max_len)
		return err_set(err, ERR_INVALID,
		    "value may only be %zu characters long", def->max_len);
	if (check_fmt(def, v, err) < 0)
		return -1;
	buf_puts(norm, v);
	return 0;
}
