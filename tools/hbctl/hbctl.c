// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: command line entry point, global options and dispatch.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "hbctl.h"

static int cmd_help(int argc, char **argv, const struct hbctl_opts *opts);

static const struct hbctl_cmd commands[] = {
	{ "show",	cmd_show,
	  "show [peer <id>]" },
	{ "node",	cmd_node,
	  "node set [id <id>] [port <port>] [cluster <id>]\n"
	  "         [mode static|leader|member|leaderless]\n"
	  "         [leader <id>[,<id>...]|none] [learn on|off] [monitors <k>]\n"
	  "         [interval <duration>] [multiplier <n>] [learn-limit <n>]\n"
	  "         [max-detect <duration>]\n"
	  "         [learn-age <duration>] [dscp <0-63>|cs<0-7>]\n"
	  "         [auth on|off]\n"
	  "node restart\n"
	  "node show" },
	{ "peer",	cmd_peer,
	  "peer add <id> [address] <address> [port <port>] [interval <duration>]\n"
	  "              [multiplier <n>]\n"
	  "peer set <id> [address <address>] [port <port>] [interval <duration>]\n"
	  "              [multiplier <n>]\n"
	  "peer del <id>" },
	{ "key",	cmd_key,
	  "key add <key-id> file <path>|- [primary]\n"
	  "key primary <key-id>\n"
	  "key del <key-id>\n"
	  "key show" },
	{ "genkey",	cmd_genkey,
	  "genkey" },
	{ "monitor",	cmd_monitor,
	  "monitor [--exec <program> [--exec-timeout <duration>]]" },
	{ "stats",	cmd_stats,
	  "stats [--prometheus]" },
	{ "setconf",	cmd_setconf,
	  "setconf <file>|-" },
	{ "syncconf",	cmd_syncconf,
	  "syncconf <file>|-" },
	{ "showconf",	cmd_showconf,
	  "showconf" },
	{ "flush",	cmd_flush,
	  "flush" },
	{ "help",	cmd_help,
	  "help" },
	{ NULL, NULL, NULL }
};

/* Print @text, every line after the first indented to line up. */
static void print_synopsis(FILE *f, const char *text)
{
	const char *nl;

	fputs("  hbctl [-j] ", f);
	while ((nl = strchr(text, '\n'))) {
		fprintf(f, "%.*s\n             ", (int)(nl - text), text);
		text = nl + 1;
	}
	fprintf(f, "%s\n", text);
}

/* "--version": hbctl's version, and the loaded module's. */
static void print_version(void)
{
	char ver[64] = "";
	FILE *f;

	printf("hbctl %s\n", HBCTL_VERSION);
	f = fopen("/sys/module/heartbeat/version", "r");
	if (f && fgets(ver, sizeof(ver), f)) {
		ver[strcspn(ver, "\n")] = '\0';
		printf("heartbeat.ko %s\n", ver);
	} else {
		printf("heartbeat.ko not loaded\n");
	}
	if (f)
		fclose(f);
}

static void usage(FILE *f)
{
	const struct hbctl_cmd *c;

	fprintf(f, "Usage: hbctl [-j|--json] [-n|--netns <netns>] <command> [arguments]\n"
		   "       hbctl [-j] [-n <netns>] -b|--batch <file>|-\n"
		   "       hbctl --help | --version\n\nCommands:\n");
	for (c = commands; c->name; c++)
		print_synopsis(f, c->help);
	fprintf(f, "\nWithout a command, hbctl runs 'show'.\n"
		   "Durations take a unit: us, ms or s (default ms), e.g. 100ms, 1.5s.\n"
		   "node set: at most 4 leaders, 1 to 8 monitors, a learn limit of 1 to 65536;\n"
		   "its interval and multiplier apply to learned peers and the cluster tick.\n"
		   "Settings change in place; a new incarnation (peers see RESTARTED) comes\n"
		   "only with the first 'node set', a new id or port, or 'node restart'.\n"
		   "Keys: ids 1 to 255; 'key add' reads 64 hex characters from a file or,\n"
		   "with '-', standard input (never from the command line); 'genkey' prints\n"
		   "a new one. 'node set auth on' needs a primary key. Reading keys ('key\n"
		   "show') needs CAP_NET_ADMIN, like every change.\n"
		   "Configuration files (see conf/hb0.conf.example): 'setconf' makes the\n"
		   "node run <file> (peers and keys not in it are removed), 'syncconf'\n"
		   "changes only what differs, each sending nothing when nothing differs;\n"
		   "'showconf' prints the running configuration in that format; 'flush'\n"
		   "removes every peer and key and resets the other node settings.\n"
		   "monitor --exec runs <program> for each event, one at a time, with the\n"
		   "event in HB_* variables and as JSON on standard input; it is killed\n"
		   "after --exec-timeout (default 10s). 'stats' prints the counters and\n"
		   "states in the Prometheus text format.\n"
		   "Options:\n"
		   "  -j, --json           print JSON (monitor: one object per line);\n"
		   "                       also after the command ('hbctl show -j')\n"
		   "  -n, --netns <netns>  run in the network namespace <netns>\n"
		   "                       (a name of 'ip netns', or a path)\n"
		   "  -b, --batch <file>   run the commands of <file> ('-': standard\n"
		   "                       input), one per line; '#' starts a comment;\n"
		   "                       a line may begin with -j and -n <netns> of\n"
		   "                       its own; the first failure stops the batch\n"
		   "  -h, --help           print this help\n"
		   "  -V, --version        print the version of hbctl and of the loaded\n"
		   "                       module\n");
}

static int cmd_help(int argc, char **argv, const struct hbctl_opts *opts)
{
	(void)argc;
	(void)argv;
	(void)opts;
	usage(stdout);
	return HBCTL_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "netns",	required_argument, NULL, 'n' },
		{ "batch",	required_argument, NULL, 'b' },
		{ "help",	no_argument, NULL, 'h' },
		{ "version",	no_argument, NULL, 'V' },
		{ NULL,		0,	     NULL, 0 }
	};
	struct hbctl_opts opts = { .json = false };
	const char *netns = NULL, *batch = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jn:b:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 'n':
			netns = optarg;
			opts.netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			usage(stdout);
			return HBCTL_OK;
		case 'V':
			print_version();
			return HBCTL_OK;
		case ':':
			return hbctl_usage("'%s' needs a value",
					   argv[optind - 1]);
		default:
			return hbctl_usage("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (netns) {
		ret = hbctl_netns_enter(netns);
		if (ret)
			return ret;
	}
	if (batch) {
		if (argc)
			return hbctl_usage("'-b' takes no command ('%s')",
					   argv[0]);
		opts.stdin_batch = !strcmp(batch, "-");
		return hbctl_batch(commands, batch, &opts);
	}
	if (!argc)
		return cmd_show(0, argv, &opts);
	argc = hbctl_take_json(argc, argv, &opts);
	return hbctl_dispatch(commands, NULL, argc, argv, &opts);
}
