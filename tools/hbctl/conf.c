// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: the configuration file format, read (conf_parse) and written
 * (conf_print).  No netlink here: see confapply.c.
 *
 *	# comment (from '#' to the end of the line, anywhere)
 *	[Node]
 *	Id = 1
 *	Cluster = 42
 *	[Key]
 *	Id = 1
 *	KeyFile = /etc/heartbeat/keys/1.key
 *	Primary = yes
 *	[Peer]
 *	Id = 2
 *	Address = 192.0.2.12
 *
 * Section and key names are case-insensitive; values are not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "conf.h"
#include "model.h"
#include "secret.h"

enum conf_section { SEC_NONE, SEC_NODE, SEC_PEER, SEC_KEY };

/* Keys seen in the current section, one bit each (enum conf_item). */
enum conf_item {
	IT_ID, IT_PORT, IT_CLUSTER, IT_MODE, IT_LEADERS, IT_LEARN,
	IT_MONITORS, IT_INTERVAL, IT_MULT, IT_LEARN_LIMIT, IT_MAX_DETECT,
	IT_LEARN_AGE, IT_AUTH, IT_DSCP,
	IT_ADDRESS, IT_KEYFILE, IT_PRIMARY, NR_ITEMS
};

static const char *const item_names[NR_ITEMS] = {
	[IT_ID]		= "Id",
	[IT_PORT]	= "Port",
	[IT_CLUSTER]	= "Cluster",
	[IT_MODE]	= "Mode",
	[IT_LEADERS]	= "Leaders",
	[IT_LEARN]	= "Learn",
	[IT_MONITORS]	= "Monitors",
	[IT_INTERVAL]	= "Interval",
	[IT_MULT]	= "Multiplier",
	[IT_LEARN_LIMIT] = "LearnLimit",
	[IT_MAX_DETECT]	= "MaxDetect",
	[IT_LEARN_AGE]	= "LearnAge",
	[IT_AUTH]	= "Auth",
	[IT_DSCP]	= "DSCP",
	[IT_ADDRESS]	= "Address",
	[IT_KEYFILE]	= "KeyFile",
	[IT_PRIMARY]	= "Primary",
};

/* Which keys each section takes. */
#define NODE_ITEMS	((1U << IT_ID) | (1U << IT_PORT) | (1U << IT_CLUSTER) | \
			 (1U << IT_MODE) | (1U << IT_LEADERS) | \
			 (1U << IT_LEARN) | (1U << IT_MONITORS) | \
			 (1U << IT_INTERVAL) | (1U << IT_MULT) | \
			 (1U << IT_LEARN_LIMIT) | (1U << IT_MAX_DETECT) | \
			 (1U << IT_LEARN_AGE) | (1U << IT_AUTH) | \
			 (1U << IT_DSCP))
#define PEER_ITEMS	((1U << IT_ID) | (1U << IT_ADDRESS) | (1U << IT_PORT) | \
			 (1U << IT_INTERVAL) | (1U << IT_MULT))
#define KEY_ITEMS	((1U << IT_ID) | (1U << IT_KEYFILE) | (1U << IT_PRIMARY))

static const char *const section_names[] = {
	[SEC_NONE] = "", [SEC_NODE] = "Node", [SEC_PEER] = "Peer",
	[SEC_KEY] = "Key",
};

/**
 * struct conf_state - the parser's position
 * @sec: the section being read
 * @sec_line: line of its header
 * @seen: enum conf_item bits of the keys given in it
 * @line: the current line
 * @nodes: [Node] sections seen
 */
struct conf_state {
	enum conf_section sec;
	unsigned int sec_line;
	unsigned int seen;
	unsigned int line;
	unsigned int nodes;
};

static __attribute__((format(printf, 3, 4)))
int conf_fail(struct conf_err *err, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/**
 * conf_defaults() - empty @c and give its node the module's defaults
 * @c: the configuration
 *
 * The node id is left unset (0): a file must give it.
 */
void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->node.has_port = true;
	c->node.port = HEARTBEAT_DEFAULT_PORT;
	c->node.has_cluster = true;
	c->node.has_mode = true;
	c->node.mode = HB_MODE_STATIC;
	c->node.has_leaders = true;
	c->node.has_learn = true;
	c->node.learn = true;
	c->node.has_monitors = true;
	c->node.monitors = HEARTBEAT_DEFAULT_MONITORS;
	c->node.has_interval = true;
	c->node.interval_us = HEARTBEAT_DEFAULT_INTERVAL_US;
	c->node.has_mult = true;
	c->node.mult = HEARTBEAT_DEFAULT_MULTIPLIER;
	c->node.has_learn_limit = true;
	c->node.learn_limit = HEARTBEAT_DEFAULT_LEARN_LIMIT;
	c->node.has_max_detect = true;
	c->node.max_detect_ms = HEARTBEAT_DEFAULT_MAX_DETECT_MS;
	c->node.has_learn_age = true;
	c->node.learn_age_ms = HEARTBEAT_DEFAULT_LEARN_AGE_MS;
	c->node.has_dscp = true;
	c->node.dscp = HEARTBEAT_DEFAULT_DSCP;
	c->node.has_auth = true;
}

/**
 * conf_free() - release what conf_parse() and conf_load_keys() allocated
 * @c: the configuration; the secrets are wiped
 */
void conf_free(struct conf *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_keys; i++) {
		free(c->keys[i].path);
		hb_secret_free(c->keys[i].secret);
	}
	free(c->peers);
	memset(c, 0, sizeof(*c));
}

/* Cut the comment and the white space around @s; return the rest. */
static char *conf_trim(char *s)
{
	char *end;

	end = strchr(s, '#');
	if (end)
		*end = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]))
		end--;
	*end = '\0';
	return s;
}

static int conf_bool(const char *s, bool *on)
{
	static const char *const yes[] = { "yes", "on", "true", NULL };
	static const char *const no[] = { "no", "off", "false", NULL };
	int i;

	for (i = 0; yes[i]; i++) {
		if (!strcmp(s, yes[i])) {
			*on = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*on = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* The checks the kernel makes on a peer address, made before it does. */
static const char *conf_addr_why(const struct hb_ip *ip)
{
	const struct in6_addr *a = &ip->v6;
	uint32_t v4;

	if (ip->family == AF_INET) {
		v4 = ntohl(ip->v4.s_addr);
		if (!(v4 >> 24))
			return "unspecified address";
		if ((v4 >> 28) == 0xe)
			return "multicast address";
		if (v4 == 0xffffffff)
			return "broadcast address";
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "unspecified address";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "multicast address";
	if (IN6_IS_ADDR_V4MAPPED(a))
		return "IPv4-mapped address: write it as IPv4";
	if (IN6_IS_ADDR_LINKLOCAL(a))
		return "link-local addresses are not supported";
	return NULL;
}

static int conf_node_item(struct conf *c, enum conf_item it, const char *val,
			  const char **why)
{
	struct node_cfg *n = &c->node;
	bool on;

	switch (it) {
	case IT_ID:
		return parse_id(val, &n->id, why);
	case IT_PORT:
		return parse_port(val, &n->port, why);
	case IT_CLUSTER:
		return parse_u32(val, &n->cluster, why);
	case IT_MODE:
		return hb_mode_parse(val, &n->mode, why);
	case IT_LEADERS:
		return parse_leaders(val, n->leaders, &n->nr_leaders, why);
	case IT_LEARN:
	case IT_AUTH:
		if (conf_bool(val, &on)) {
			*why = "must be on or off";
			return -EINVAL;
		}
		if (it == IT_LEARN)
			n->learn = on;
		else
			n->auth = on;
		return 0;
	case IT_MONITORS:
		return parse_monitors(val, &n->monitors, why);
	case IT_INTERVAL:
		return parse_interval_us(val, &n->interval_us, why);
	case IT_MULT:
		return parse_multiplier(val, &n->mult, why);
	case IT_LEARN_LIMIT:
		return parse_learn_limit(val, &n->learn_limit, why);
	case IT_MAX_DETECT:
		return parse_max_detect_ms(val, &n->max_detect_ms, why);
	case IT_LEARN_AGE:
		return parse_learn_age_ms(val, &n->learn_age_ms, why);
	case IT_DSCP:
		return parse_dscp(val, &n->dscp, why);
	default:
		return -ENOENT;
	}
}

static int conf_peer_item(struct conf_peer *p, enum conf_item it,
			  const char *val, const char **why)
{
	int ret;

	switch (it) {
	case IT_ID:
		return parse_id(val, &p->id, why);
	case IT_ADDRESS:
		ret = parse_ip(val, &p->addr, why);
		if (!ret) {
			*why = conf_addr_why(&p->addr);
			if (*why)
				ret = -EINVAL;
		}
		return ret;
	case IT_PORT:
		return parse_port(val, &p->port, why);
	case IT_INTERVAL:
		return parse_interval_us(val, &p->interval_us, why);
	case IT_MULT:
		return parse_multiplier(val, &p->mult, why);
	default:
		return -ENOENT;
	}
}

static int conf_key_item(struct conf_key *k, enum conf_item it,
			 const char *val, const char **why)
{
	switch (it) {
	case IT_ID:
		return parse_key_id(val, &k->id, why);
	case IT_KEYFILE:
		if (val[0] != '/') {
			*why = "must be an absolute path";
			return -EINVAL;
		}
		k->path = strdup(val);
		if (!k->path) {
			*why = "out of memory";
			return -ENOMEM;
		}
		return 0;
	case IT_PRIMARY:
		if (conf_bool(val, &k->primary)) {
			*why = "must be yes or no";
			return -EINVAL;
		}
		return 0;
	default:
		return -ENOENT;
	}
}

/* The section that ends: check that it has what it needs. */
static int conf_end_section(struct conf *c, struct conf_state *st,
			    struct conf_err *err)
{
	const char *name = section_names[st->sec];

	if (st->sec == SEC_NONE)
		return 0;
	if (!(st->seen & (1U << IT_ID)))
		return conf_fail(err, st->sec_line, "[%s] has no Id", name);
	if (st->sec == SEC_PEER && !(st->seen & (1U << IT_ADDRESS)))
		return conf_fail(err, st->sec_line, "[Peer] %" PRIu32 " has no Address",
				 c->peers[c->nr_peers - 1].id);
	return 0;
}

static int conf_new_peer(struct conf *c)
{
	struct conf_peer *p;
	size_t size;

	if (c->nr_peers == HEARTBEAT_MAX_PEERS)
		return -ENOSPC;
	if (c->nr_peers == c->size_peers) {
		size = c->size_peers ? 2 * c->size_peers : 16;
		p = realloc(c->peers, size * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->peers = p;
		c->size_peers = size;
	}
	p = &c->peers[c->nr_peers++];
	memset(p, 0, sizeof(*p));
	p->port = HEARTBEAT_DEFAULT_PORT;
	p->interval_us = HEARTBEAT_DEFAULT_INTERVAL_US;
	p->mult = HEARTBEAT_DEFAULT_MULTIPLIER;
	return 0;
}

/* A "[Section]" line. */
static int conf_header(struct conf *c, struct conf_state *st, char *s,
		       struct conf_err *err)
{
	size_t len = strlen(s);
	enum conf_section sec;
	int ret;

	ret = conf_end_section(c, st, err);
	if (ret)
		return ret;
	if (s[len - 1] != ']')
		return conf_fail(err, st->line, "a section header must end with ']'");
	s[len - 1] = '\0';
	s = conf_trim(s + 1);
	if (!strcasecmp(s, "Node"))
		sec = SEC_NODE;
	else if (!strcasecmp(s, "Peer"))
		sec = SEC_PEER;
	else if (!strcasecmp(s, "Key"))
		sec = SEC_KEY;
	else
		return conf_fail(err, st->line, "unknown section [%s] (Node, Key, Peer)",
				 s);
	if (sec == SEC_NODE && st->nodes++)
		return conf_fail(err, st->line, "a second [Node] section");
	if (sec == SEC_PEER) {
		ret = conf_new_peer(c);
		if (ret == -ENOSPC)
			return conf_fail(err, st->line, "more than %u peers",
					 HEARTBEAT_MAX_PEERS);
		if (ret)
			return conf_fail(err, st->line, "out of memory");
		c->peers[c->nr_peers - 1].line = st->line;
	}
	if (sec == SEC_KEY) {
		if (c->nr_keys == HEARTBEAT_MAX_KEYS)
			return conf_fail(err, st->line, "more than %u keys",
					 HEARTBEAT_MAX_KEYS);
		c->keys[c->nr_keys].line = st->line;
		c->nr_keys++;
	}
	if (sec == SEC_NODE)
		c->node_line = st->line;
	st->sec = sec;
	st->sec_line = st->line;
	st->seen = 0;
	return 0;
}

/* A "Key = Value" line. */
static int conf_item_line(struct conf *c, struct conf_state *st, char *s,
			  struct conf_err *err)
{
	static const unsigned int allowed[] = {
		[SEC_NODE] = NODE_ITEMS, [SEC_PEER] = PEER_ITEMS,
		[SEC_KEY] = KEY_ITEMS,
	};
	const char *why = "invalid value";
	char *eq = strchr(s, '='), *name, *val;
	enum conf_item it;
	int ret;

	if (!eq)
		return conf_fail(err, st->line, "expected 'Key = Value' or '[Section]'");
	*eq = '\0';
	name = conf_trim(s);
	val = conf_trim(eq + 1);
	if (!*name)
		return conf_fail(err, st->line, "a key name is missing before '='");
	if (st->sec == SEC_NONE)
		return conf_fail(err, st->line, "'%s' outside a section ([Node], [Key] or [Peer] first)",
				 name);
	for (it = 0; it < NR_ITEMS; it++)
		if (!strcasecmp(name, item_names[it]))
			break;
	if (it == NR_ITEMS || !(allowed[st->sec] & (1U << it)))
		return conf_fail(err, st->line, "unknown key '%s' in [%s]", name,
				 section_names[st->sec]);
	if (st->seen & (1U << it))
		return conf_fail(err, st->line, "'%s' given twice in this section",
				 item_names[it]);
	st->seen |= 1U << it;
	if (!*val)
		return conf_fail(err, st->line, "'%s' has no value", item_names[it]);
	if (st->sec == SEC_NODE)
		ret = conf_node_item(c, it, val, &why);
	else if (st->sec == SEC_PEER)
		ret = conf_peer_item(&c->peers[c->nr_peers - 1], it, val, &why);
	else
		ret = conf_key_item(&c->keys[c->nr_keys - 1], it, val, &why);
	if (!ret && it == IT_KEYFILE)
		c->keys[c->nr_keys - 1].path_line = st->line;
	if (ret)
		return conf_fail(err, st->line, "invalid %s '%s': %s",
				 item_names[it], val, why);
	return 0;
}

/* What a file must satisfy as a whole. */
static int conf_check(const struct conf *c, const struct conf_state *st,
		      struct conf_err *err)
{
	const struct node_cfg *n = &c->node;
	unsigned int i, j, primary = 0;

	if (!st->nodes)
		return conf_fail(err, 0, "no [Node] section");
	for (i = 0; i < c->nr_peers; i++) {
		if (c->peers[i].id == n->id)
			return conf_fail(err, c->peers[i].line,
					 "[Peer] %" PRIu32 " is the node's own id",
					 n->id);
		for (j = 0; j < i; j++)
			if (c->peers[j].id == c->peers[i].id)
				return conf_fail(err, c->peers[i].line,
						 "[Peer] %" PRIu32 " is already defined on line %u",
						 c->peers[i].id, c->peers[j].line);
	}
	for (i = 0; i < c->nr_keys; i++) {
		for (j = 0; j < i; j++)
			if (c->keys[j].id == c->keys[i].id)
				return conf_fail(err, c->keys[i].line,
						 "[Key] %u is already defined on line %u",
						 c->keys[i].id, c->keys[j].line);
		if (c->keys[i].primary && primary++)
			return conf_fail(err, c->keys[i].line,
					 "a second key with Primary = yes");
	}
	if (n->auth && !primary)
		return conf_fail(err, c->node_line,
				 "Auth = on needs a [Key] with Primary = yes");
	if (n->mode == HB_MODE_MEMBER && !n->nr_leaders)
		return conf_fail(err, c->node_line,
				 "Mode = member needs Leaders");
	for (i = 0; i < n->nr_leaders; i++)
		if (n->leaders[i] == n->id)
			return conf_fail(err, c->node_line,
					 "Leaders lists the node's own id");
	return 0;
}

/**
 * conf_parse() - read a whole configuration file and check it
 * @f: the file, read to its end
 * @c: where to store it; conf_free() it in any case
 * @err: where a refusal is explained (line and message)
 *
 * No key file is read here: see conf_load_keys().
 *
 * Return: 0, -EINVAL for a bad file (explained in @err), or another
 * negative errno when reading failed.
 */
int conf_parse(FILE *f, struct conf *c, struct conf_err *err)
{
	struct conf_state st = { .sec = SEC_NONE };
	size_t cap = 0;
	char *buf = NULL, *s;
	ssize_t len;
	int ret = 0;

	conf_defaults(c);
	memset(err, 0, sizeof(*err));
	while ((len = getline(&buf, &cap, f)) >= 0) {
		st.line++;
		if (memchr(buf, '\0', len)) {
			ret = conf_fail(err, st.line, "a NUL byte: not a text file");
			break;
		}
		s = conf_trim(buf);
		if (!*s)
			continue;
		if (*s == '[')
			ret = conf_header(c, &st, s, err);
		else
			ret = conf_item_line(c, &st, s, err);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = conf_fail(err, 0, "read error: %s", strerror(errno));
	free(buf);
	if (!ret)
		ret = conf_end_section(c, &st, err);
	if (!ret)
		ret = conf_check(c, &st, err);
	return ret;
}

/**
 * conf_load_keys() - read the KeyFile of every [Key] that names one
 * @c: a configuration from conf_parse()
 * @err: where a refusal is explained (the line of the KeyFile)
 *
 * Return: 0 or a negative errno (explained in @err, never quoting a key).
 */
int conf_load_keys(struct conf *c, struct conf_err *err)
{
	struct conf_key *k;
	const char *why;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr_keys; i++) {
		k = &c->keys[i];
		if (!k->path || k->secret)
			continue;
		k->secret = hb_secret_new();
		if (!k->secret)
			return conf_fail(err, k->path_line, "out of memory");
		why = "malformed";
		ret = hb_secret_read(k->secret, k->path, &why);
		if (ret == -EINVAL || ret == -EFBIG)
			return conf_fail(err, k->path_line, "KeyFile '%s': %s",
					 k->path, why);
		if (ret)
			return conf_fail(err, k->path_line, "KeyFile '%s': %s",
					 k->path, strerror(-ret));
	}
	return 0;
}

/* A duration that parses back exactly: "100ms", "1500us". */
static const char *conf_dur(uint32_t us, char *buf, size_t len)
{
	if (us % 1000)
		snprintf(buf, len, "%" PRIu32 "us", us);
	else
		snprintf(buf, len, "%" PRIu32 "ms", us / 1000);
	return buf;
}

/**
 * conf_print() - write @c in the format conf_parse() reads
 * @f: where to write
 * @c: the configuration (keys without a path are written without KeyFile)
 */
void conf_print(FILE *f, const struct conf *c)
{
	char buf[ID_LIST_STRLEN], ip[IP_STRLEN];
	const struct node_cfg *n = &c->node;
	const struct conf_peer *p;
	unsigned int i, used = 0;
	size_t k;

	fprintf(f, "[Node]\nId = %" PRIu32 "\nPort = %u\nCluster = %" PRIu32 "\n",
		n->id, n->port, n->cluster);
	fprintf(f, "Mode = %s\n", hb_mode_name(n->mode));
	for (i = 0; i < n->nr_leaders; i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%" PRIu32,
				 i ? "," : "", n->leaders[i]);
	fprintf(f, "Leaders = %s\n", n->nr_leaders ? buf : "none");
	fprintf(f, "Learn = %s\nMonitors = %u\n", n->learn ? "on" : "off",
		n->monitors);
	fprintf(f, "Interval = %s\n", conf_dur(n->interval_us, buf, sizeof(buf)));
	fprintf(f, "Multiplier = %u\nLearnLimit = %" PRIu32 "\n", n->mult,
		n->learn_limit);
	fprintf(f, "MaxDetect = %" PRIu32 "ms\nLearnAge = %" PRIu32 "ms\n",
		n->max_detect_ms, n->learn_age_ms);
	fprintf(f, "DSCP = %u\n", n->dscp);
	fprintf(f, "Auth = %s\n", n->auth ? "on" : "off");
	for (i = 0; i < c->nr_keys; i++) {
		fprintf(f, "\n[Key]\nId = %u\n", c->keys[i].id);
		if (c->keys[i].path)
			fprintf(f, "KeyFile = %s\n", c->keys[i].path);
		else
			fputs("# KeyFile: a key is never read back; the installed one is kept\n",
			      f);
		fprintf(f, "Primary = %s\n", c->keys[i].primary ? "yes" : "no");
	}
	for (k = 0; k < c->nr_peers; k++) {
		p = &c->peers[k];
		fprintf(f, "\n[Peer]\nId = %" PRIu32 "\nAddress = %s\nPort = %u\n",
			p->id, format_ip(&p->addr, ip, sizeof(ip)), p->port);
		fprintf(f, "Interval = %s\nMultiplier = %u\n",
			conf_dur(p->interval_us, buf, sizeof(buf)), p->mult);
	}
}
