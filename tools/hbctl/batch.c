// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "-n <netns>" (run in another network namespace) and "-b <file>"
 * (many commands from one process, as "ip -batch" does).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hbctl.h"
#include "parse.h"

/* Most words on one batch line: "peer set" with every option is 12. */
#define BATCH_MAX_WORDS	64

/**
 * hbctl_netns_enter() - move this process into a network namespace
 * @name: a name of "ip netns" (/run/netns/<name>), or a path when it holds
 *	  a '/' (/proc/<pid>/ns/net, say)
 *
 * Return: 0, or HBCTL_FAIL (reported).
 */
int hbctl_netns_enter(const char *name)
{
	char path[4096];
	int fd, err = 0;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return hbctl_usage("invalid network namespace name '%s'", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err) {
		fprintf(stderr, "hbctl: cannot enter network namespace '%s': %s\n",
			name, strerror(err));
		return HBCTL_FAIL;
	}
	return HBCTL_OK;
}

/*
 * One line: leading "-j" and "-n <netns>" apply to it alone, then the
 * command.  @home is the namespace to return to after a "-n".
 */
static int batch_line(const struct hbctl_cmd *cmds, int argc, char **argv,
		      const struct hbctl_opts *opts, int home)
{
	struct hbctl_opts lopts = *opts;
	const char *netns = NULL;
	int ret;

	while (argc && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json")) {
			lopts.json = true;
			argc--;
			argv++;
		} else if (!strcmp(argv[0], "-n") ||
			   !strcmp(argv[0], "--netns")) {
			if (argc < 2)
				return hbctl_usage("'%s' needs a namespace",
						   argv[0]);
			netns = argv[1];
			lopts.netns = netns;
			argc -= 2;
			argv += 2;
		} else {
			return hbctl_usage("unknown option '%s' in a batch",
					   argv[0]);
		}
	}
	if (!argc)
		return hbctl_usage("no command after the options");
	if (netns) {
		if (home < 0) {
			fprintf(stderr, "hbctl: cannot return from a network namespace: '-n' is not available here\n");
			return HBCTL_FAIL;
		}
		ret = hbctl_netns_enter(netns);
		if (ret)
			return ret;
	}
	argc = hbctl_take_json(argc, argv, &lopts);
	ret = hbctl_dispatch(cmds, NULL, argc, argv, &lopts);
	fflush(stdout);
	if (netns && setns(home, CLONE_NEWNET)) {
		fprintf(stderr, "hbctl: cannot return to the first network namespace: %s\n",
			strerror(errno));
		exit(HBCTL_FAIL);
	}
	return ret;
}

/**
 * hbctl_batch() - run the commands of a file, one per line
 * @cmds: the top-level dispatch table
 * @path: the file, or "-" for standard input
 * @opts: global options (a line may add -j and -n for itself)
 *
 * Blank lines and '#' comments are skipped.  The first command that fails
 * stops the batch with its exit status, after a line that says where.
 *
 * Return: HBCTL_OK when every command succeeded, or the failing status.
 */
int hbctl_batch(const struct hbctl_cmd *cmds, const char *path,
		const struct hbctl_opts *opts)
{
	bool in = !strcmp(path, "-");
	char *words[BATCH_MAX_WORDS];
	const char *why = NULL;
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int home, n, ret = HBCTL_OK;
	FILE *f;

	f = in ? stdin : fopen(path, "re");
	if (!f) {
		fprintf(stderr, "hbctl: cannot open batch file '%s': %s\n",
			path, strerror(errno));
		return HBCTL_FAIL;
	}
	/* Without /proc, lines without "-n" still work. */
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		n = parse_words(line, words, BATCH_MAX_WORDS, &why);
		if (n < 0) {
			ret = hbctl_usage("%s:%lu: %s", in ? "<stdin>" : path,
					  lineno, why);
			break;
		}
		if (!n)
			continue;
		ret = batch_line(cmds, n, words, opts, home);
		if (ret) {
			fprintf(stderr, "hbctl: %s:%lu: command failed (exit %d); batch stopped\n",
				in ? "<stdin>" : path, lineno, ret);
			break;
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "hbctl: reading '%s': %s\n", path,
			strerror(errno));
		ret = HBCTL_FAIL;
	}
	free(line);
	if (home >= 0)
		close(home);
	if (!in)
		fclose(f);
	return ret;
}
