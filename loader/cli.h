/* SPDX-License-Identifier: GPL-2.0 */
/* The command's argument helpers (main.c), shared by its command files. */
#ifndef _BFS_CLI_H
#define _BFS_CLI_H

#include <getopt.h>

#include "libbundlefs.h"

#define PROG "bundlefs"

/* "bundlefs: CMD: <fmt with arg> (see bundlefs CMD --help)"; BFS_EUSAGE */
int usage_error(const char *cmd, const char *fmt, const char *arg);
/*
 * getopt_long with --help and the errors of the command @cmd: -1 to go on,
 * else the exit code.  @opt sees every other option (-1: go on).
 */
int parse_opts(int argc, char **argv, const char *cmd, const char *usage,
	       const char *shortopts, const struct option *longopts,
	       int (*opt)(int c, const char *arg, void *ctx), void *ctx);

/* Manifest layers: --diff, --root, --allow-unhashed, --no-parent-check. */
struct layer_args {
	const char **diffs;	/* room for argc */
	size_t ndiffs;
	struct bfs_stack_opts o;
	const char *cmd;
};

/* -1 to go on, else the exit code (out of memory) */
int layer_init(struct layer_args *a, const char *cmd, int argc);
/* option 'D' (diff), 'R' (root), 'A', 'N'; others ignored: -1 or exit code */
int layer_opt(struct layer_args *a, int c, const char *arg);

/* What `bundlefs mount` and mount.bundlefs do once the options are known. */
struct mount_job {
	const struct layer_args *layers;
	const char *manifest, *mnt, *cache;
	const char *opts;	/* kernel options besides cache= */
	unsigned long flags;	/* MS_* for mount(2) */
	const char *upper;	/* set when opts has upper= (for messages) */
	const char *source;	/* start a fetch daemon; NULL: none */
	int jobs;
};

/* Encode, mount, load, start the daemon; undone on failure.  BFS_* code. */
int mount_job_run(const struct mount_job *j);

/* mount_helper.c: the whole command when run as mount.bundlefs */
int mount_helper_main(int argc, char **argv);

/* fetch_cmds.c */
#define BFS_DEFAULT_JOBS	8	/* --jobs: parallel fetches or uploads */
#define BFS_MAX_JOBS		256
/* --jobs ARG of @cmd into *@jobs: -1 to go on, else the exit code */
int jobs_arg(const char *cmd, const char *arg, int *jobs);
/* @fn(i, @ctx) for each i < @n, on @jobs threads; 0 or BFS_ESYS */
int bfs_parallel(size_t n, int jobs, void (*fn)(size_t i, void *ctx),
		 void *ctx);
/* --region and --endpoint-url: the S3 settings' overrides */
#define S3_LONGOPTS \
	{ "region", required_argument, NULL, 'R' }, \
	{ "endpoint-url", required_argument, NULL, 'E' }
struct bfs_source;
/* SOURCE parsed, with the S3 overrides (NULL: none); -1 or exit code */
int source_setup(const char *cmd, const char *spec, const char *region,
		 const char *endpoint, struct bfs_source *src);
int cmd_serve(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_prefetch(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
/* push.c */
int cmd_push(int argc, char **argv);
/* `bundlefs mount --source`: a daemon for @mnt, attached when it returns */
int bfs_serve_background(const char *mnt, const char *source, int jobs);

#endif /* _BFS_CLI_H */
