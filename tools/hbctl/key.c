// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "key add", "key primary", "key del", "key show" and "genkey".
 *
 * Key material never comes from the command line and never goes to the
 * output, except for genkey's one line on standard output.  "key add"
 * reads a key from a file or standard input into a struct hb_secret, and
 * the netlink message that carries it is wiped before it is freed.  No
 * message of these commands quotes an argument: one of them may be a key
 * pasted by mistake.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"
#include "parse.h"
#include "secret.h"

static int bad_key_id(const char *cmd, const char *why)
{
	fprintf(stderr, "hbctl: %s: invalid key id: %s\n", cmd, why);
	return HBCTL_USAGE;
}

/**
 * key_add_parse() - read the arguments of "key add"
 * @argc: number of arguments after "add"
 * @argv: "<key-id> file <path>|- [primary]"
 * @cfg: where to store what they ask for
 *
 * Return: HBCTL_OK, or HBCTL_USAGE (reported, without quoting any
 * argument).
 */
int key_add_parse(int argc, char **argv, struct key_cfg *cfg)
{
	const char *why;

	memset(cfg, 0, sizeof(*cfg));
	if (!argc)
		return hbctl_usage("key add: missing key id");
	if (parse_key_id(argv[0], &cfg->id, &why))
		return bad_key_id("key add", why);
	if (argc < 2 || strcmp(argv[1], "file"))
		return hbctl_usage("key add: expected 'file <path>' or 'file -' after the key id (a key is never taken on the command line)");
	if (argc < 3)
		return hbctl_usage("key add: 'file' needs a path, or '-' for standard input");
	cfg->path = argv[2];
	if (argc > 3 && !strcmp(argv[3], "primary"))
		cfg->primary = true;
	if (argc > 3 + cfg->primary)
		return hbctl_usage("key add: unexpected argument after the key file (only 'primary' may follow)");
	return HBCTL_OK;
}

/**
 * key_id_parse() - read the arguments of "key primary" or "key del"
 * @cmd: the command, for messages
 * @argc: number of arguments after it
 * @argv: "<key-id>"
 * @cfg: where to store the id
 *
 * Return: HBCTL_OK, or HBCTL_USAGE (reported).
 */
int key_id_parse(const char *cmd, int argc, char **argv, struct key_cfg *cfg)
{
	const char *why;

	memset(cfg, 0, sizeof(*cfg));
	if (!argc)
		return hbctl_usage("%s: missing key id", cmd);
	if (parse_key_id(argv[0], &cfg->id, &why))
		return bad_key_id(cmd, why);
	if (argc > 1)
		return hbctl_usage("%s: unexpected argument after the key id", cmd);
	return HBCTL_OK;
}

/* Report a failed request; a refusal for want of privilege says so. */
static void key_perror(const struct hb_nl *nl, const char *cmd, int err)
{
	if (err != -EPERM) {
		hb_nl_perror(nl, err);
		return;
	}
	fprintf(stderr,
		"hbctl: %s: permission denied: it needs CAP_NET_ADMIN over the network namespace's user namespace%s%s\n",
		cmd, nl->ext_msg[0] ? ": " : "", nl->ext_msg);
}

/**
 * key_add_load() - read the key that "key add" installs
 * @cfg: the parsed command; @cfg->path names the file ("-": standard input)
 * @secret: where to store the key, to release with hb_secret_free(); NULL
 *	    on failure
 *
 * Return: HBCTL_OK, HBCTL_USAGE for a malformed key, or HBCTL_FAIL when
 * the file cannot be read (reported, never quoting the key).
 */
int key_add_load(const struct key_cfg *cfg, struct hb_secret **secret)
{
	bool in = !strcmp(cfg->path, "-");
	const char *why = "malformed";
	struct hb_secret *s;
	int err;

	*secret = NULL;
	s = hb_secret_new();
	if (!s) {
		fprintf(stderr, "hbctl: %s\n", strerror(ENOMEM));
		return HBCTL_FAIL;
	}
	err = hb_secret_read(s, cfg->path, &why);
	if (!err) {
		*secret = s;
		return HBCTL_OK;
	}
	hb_secret_free(s);
	if (err == -EINVAL || err == -EFBIG) {
		if (in)
			fprintf(stderr, "hbctl: key on standard input: %s\n",
				why);
		else
			fprintf(stderr, "hbctl: key file '%s': %s\n",
				cfg->path, why);
		return HBCTL_USAGE;
	}
	if (in)
		fprintf(stderr, "hbctl: cannot read a key from standard input: %s\n",
			strerror(-err));
	else
		fprintf(stderr, "hbctl: cannot read key file '%s': %s\n",
			cfg->path, strerror(-err));
	return HBCTL_FAIL;
}

/* HB_A_KEY with the id, and the secret and primary flag when given. */
static int put_key(struct nl_msg *msg, const struct key_cfg *cfg,
		   const struct hb_secret *secret)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, HB_KEY_A_ID, cfg->id))
		return -EMSGSIZE;
	if (secret && nla_put(msg, HB_KEY_A_SECRET, sizeof(secret->key),
			      secret->key))
		return -EMSGSIZE;
	if (cfg->primary && nla_put_flag(msg, HB_KEY_A_PRIMARY))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/**
 * key_add_send() - send HB_CMD_KEY_ADD and wait for the kernel's answer
 * @nl: an open socket
 * @cfg: the key id and whether it becomes primary
 * @secret: the key, from key_add_load()
 *
 * The message is wiped before it is freed, whatever happens.
 *
 * Return: HBCTL_OK or HBCTL_FAIL (reported).
 */
int key_add_send(struct hb_nl *nl, const struct key_cfg *cfg,
		 const struct hb_secret *secret)
{
	struct nl_msg *msg;
	int err = -ENOMEM;

	msg = hb_nl_msg(nl, HB_CMD_KEY_ADD, 0);
	if (msg && put_key(msg, cfg, secret)) {
		hb_nl_msg_free_secret(msg);
		msg = NULL;
	}
	if (msg)
		err = hb_nl_request_secret(nl, msg, NULL, NULL);
	if (err)
		key_perror(nl, "key add", err);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

/**
 * key_set_send() - send HB_CMD_KEY_SET (make primary) or HB_CMD_KEY_DEL
 * @nl: an open socket
 * @cmd: HB_CMD_KEY_SET or HB_CMD_KEY_DEL
 * @cfg: the key id
 *
 * Return: HBCTL_OK or HBCTL_FAIL (reported).
 */
int key_set_send(struct hb_nl *nl, uint8_t cmd, const struct key_cfg *cfg)
{
	struct key_cfg c = *cfg;
	struct nl_msg *msg;
	int err = -ENOMEM;

	c.primary = cmd == HB_CMD_KEY_SET;
	msg = hb_nl_msg(nl, cmd, 0);
	if (msg && put_key(msg, &c, NULL)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (msg)
		err = hb_nl_request(nl, msg, NULL, NULL);
	if (err)
		key_perror(nl, cmd == HB_CMD_KEY_SET ? "key primary" : "key del",
			   err);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

static int key_list_add(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct key_list *list = arg;
	struct hb_key *k;
	size_t size;

	(void)cmd;
	if (!tb[HB_A_KEY])
		return -EBADMSG;
	if (list->count == list->size) {
		size = list->size ? 2 * list->size : 8;
		k = realloc(list->keys, size * sizeof(*k));
		if (!k)
			return -ENOMEM;
		list->keys = k;
		list->size = size;
	}
	if (hb_key_decode(tb[HB_A_KEY], &list->keys[list->count]))
		return -EBADMSG;
	list->count++;
	return 0;
}

static void key_list_reset(void *arg)
{
	struct key_list *list = arg;

	list->count = 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct hb_key *ka = a, *kb = b;

	return (ka->id > kb->id) - (ka->id < kb->id);
}

/**
 * key_dump() - read every key (ids and counters), sorted by id
 * @nl: an open socket
 * @list: an empty list to fill; free it with key_list_free() in any case
 *
 * Return: 0 or a negative errno (not printed; -EPERM without
 * CAP_NET_ADMIN).
 */
int key_dump(struct hb_nl *nl, struct key_list *list)
{
	int err;

	err = hb_nl_dump(nl, HB_CMD_KEY_GET, key_list_add, key_list_reset,
			 list);
	if (!err && list->count)
		qsort(list->keys, list->count, sizeof(*list->keys), key_cmp);
	return err;
}

/**
 * key_list_free() - release what key_dump() collected
 * @list: the list; it is left empty
 */
void key_list_free(struct key_list *list)
{
	free(list->keys);
	memset(list, 0, sizeof(*list));
}

enum { KCOL_ID, KCOL_PRIMARY, KCOL_RX, KCOL_TX, NR_KCOLS };

static void key_cells(const struct hb_key *k, char (*c)[24])
{
	snprintf(c[KCOL_ID], 24, "%u", k->id);
	snprintf(c[KCOL_PRIMARY], 24, "%s", k->primary ? "yes" : "no");
	snprintf(c[KCOL_RX], 24, "%" PRIu64, k->rx);
	snprintf(c[KCOL_TX], 24, "%" PRIu64, k->tx);
}

static void key_table(const struct key_list *list)
{
	static const char *const names[NR_KCOLS] = {
		"ID", "PRIMARY", "RX", "TX",
	};
	int width[NR_KCOLS], i;
	char c[NR_KCOLS][24];
	size_t n;

	for (i = 0; i < NR_KCOLS; i++)
		width[i] = strlen(names[i]);
	for (n = 0; n < list->count; n++) {
		key_cells(&list->keys[n], c);
		for (i = 0; i < NR_KCOLS; i++)
			if ((int)strlen(c[i]) > width[i])
				width[i] = strlen(c[i]);
	}
	printf("%-*s  %-*s  %-*s  %s\n", width[0], names[0], width[1],
	       names[1], width[2], names[2], names[3]);
	for (n = 0; n < list->count; n++) {
		key_cells(&list->keys[n], c);
		printf("%-*s  %-*s  %-*s  %s\n", width[0], c[0], width[1],
		       c[1], width[2], c[2], c[3]);
	}
}

/**
 * key_list_print() - print what "key show" reports
 * @list: the keys, sorted
 * @json: print a JSON array of key objects instead of a table
 */
void key_list_print(const struct key_list *list, bool json)
{
	struct json j;
	size_t i;

	if (!json) {
		key_table(list);
		return;
	}
	json_init(&j, stdout);
	json_array_begin(&j, NULL);
	for (i = 0; i < list->count; i++)
		hb_key_json(&j, NULL, &list->keys[i]);
	json_array_end(&j);
	putchar('\n');
}

/**
 * key_show_run() - dump the keys and print them
 * @nl: an open socket
 * @json: print JSON
 *
 * Return: HBCTL_OK or HBCTL_FAIL (reported).
 */
int key_show_run(struct hb_nl *nl, bool json)
{
	struct key_list list = { .count = 0 };
	int err;

	err = key_dump(nl, &list);
	if (err)
		key_perror(nl, "key show", err);
	else
		key_list_print(&list, json);
	key_list_free(&list);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

static int key_add(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct hb_secret *secret;
	struct key_cfg cfg;
	struct hb_nl nl;
	int ret;

	ret = key_add_parse(argc, argv, &cfg);
	if (!ret && opts->stdin_batch && !strcmp(cfg.path, "-"))
		ret = hbctl_usage("key add: 'file -' cannot read a key from standard input that holds the batch");
	if (!ret)
		ret = key_add_load(&cfg, &secret);
	if (ret)
		return ret;
	if (hb_nl_open(&nl)) {
		ret = HBCTL_FAIL;
	} else {
		ret = key_add_send(&nl, &cfg, secret);
		hb_nl_close(&nl);
	}
	hb_secret_free(secret);
	return ret;
}

static int key_set_cmd(uint8_t cmd, const char *name, int argc, char **argv)
{
	struct key_cfg cfg;
	struct hb_nl nl;
	int ret;

	ret = key_id_parse(name, argc, argv, &cfg);
	if (ret)
		return ret;
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	ret = key_set_send(&nl, cmd, &cfg);
	hb_nl_close(&nl);
	return ret;
}

static int key_primary(int argc, char **argv, const struct hbctl_opts *opts)
{
	(void)opts;
	return key_set_cmd(HB_CMD_KEY_SET, "key primary", argc, argv);
}

static int key_del(int argc, char **argv, const struct hbctl_opts *opts)
{
	(void)opts;
	return key_set_cmd(HB_CMD_KEY_DEL, "key del", argc, argv);
}

static int key_show(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct hb_nl nl;
	int ret;

	(void)argv;
	if (argc)
		return hbctl_usage("key show: unexpected argument");
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	ret = key_show_run(&nl, opts->json);
	hb_nl_close(&nl);
	return ret;
}

static const struct hbctl_cmd key_cmds[] = {
	{ "add",	key_add,	"key add <key-id> file <path>|- [primary]" },
	{ "primary",	key_primary,	"key primary <key-id>" },
	{ "del",	key_del,	"key del <key-id>" },
	{ "show",	key_show,	"key show" },
	{ NULL, NULL, NULL }
};

/**
 * cmd_key() - "hbctl key ...": without a subcommand, "key show"
 * @argc: number of arguments after "key"
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_key(int argc, char **argv, const struct hbctl_opts *opts)
{
	const struct hbctl_cmd *c;

	if (!argc)
		return key_show(0, argv, opts);
	for (c = key_cmds; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc - 1, argv + 1, opts);
	return hbctl_usage("unknown command 'key ...' (add, primary, del, show)");
}

/* Write all of @buf to @fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * cmd_genkey() - "hbctl genkey": print a new random key
 * @argc: number of arguments after "genkey" (none are taken)
 * @argv: the arguments
 * @opts: global options (-j changes nothing)
 *
 * The key goes to standard output with write(2), not through stdio, so
 * that no buffer keeps a copy; a warning goes to standard error when
 * standard output is a file that others than its owner may access.
 *
 * Return: the exit status.
 */
int cmd_genkey(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct hb_secret *s;
	unsigned int mode;
	int err;

	(void)argv;
	(void)opts;
	if (argc)
		return hbctl_usage("genkey: unexpected argument");
	s = hb_secret_new();
	if (!s) {
		fprintf(stderr, "hbctl: %s\n", strerror(ENOMEM));
		return HBCTL_FAIL;
	}
	err = hb_secret_generate(s);
	if (err) {
		fprintf(stderr, "hbctl: genkey: cannot get random bytes from getrandom(2): %s\n",
			strerror(-err));
		hb_secret_free(s);
		return HBCTL_FAIL;
	}
	if (hb_secret_fd_exposed(STDOUT_FILENO, &mode))
		fprintf(stderr, "hbctl: warning: the key goes to a file accessible by group or others (mode %04o); restrict it with chmod 600\n",
			mode);
	fflush(stdout);
	err = write_all(STDOUT_FILENO, s->text, s->len);
	hb_secret_free(s);
	if (err) {
		fprintf(stderr, "hbctl: genkey: cannot write the key: %s\n",
			strerror(-err));
		return HBCTL_FAIL;
	}
	return HBCTL_OK;
}
