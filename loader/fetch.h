/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fetch daemon's user-space side: where objects come from (source.c,
 * s3.c), the daemon that serves mounts' requests (serve.c), and the
 * commands around it (fetch_cmds.c).
 */
#ifndef _BFS_FETCH_H
#define _BFS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libbundlefs.h"

/* "<32 hex digits>.xxh128" and its NUL */
#define BFS_OBJECT_NAME_MAX	40

enum bfs_source_kind {
	BFS_SRC_DIR = 1,	/* dir:PATH, the CAS layout PATH/Data/<name> */
	BFS_SRC_CMD,		/* cmd:COMMAND, run as COMMAND HASH DEST */
	BFS_SRC_S3,		/* s3://BUCKET/PREFIX */
};

/* S3 settings: the AWS environment variables, overridden by options. */
struct bfs_s3_config {
	const char *region;	/* AWS_REGION, AWS_DEFAULT_REGION, us-east-1 */
	const char *endpoint;	/* AWS_ENDPOINT_URL(_S3); none: AWS itself */
	const char *key_id;	/* AWS_ACCESS_KEY_ID */
	const char *secret;	/* AWS_SECRET_ACCESS_KEY */
	const char *token;	/* AWS_SESSION_TOKEN, may be NULL */
	int retries;		/* attempts after the first, on 5xx/timeouts */
};

struct bfs_source {
	enum bfs_source_kind kind;
	char *spec;		/* as given, for messages */
	char *path;		/* dir: the directory; cmd: the command */
	char *bucket, *prefix;	/* s3: prefix without slashes at its ends */
	struct bfs_s3_config s3;
};

int bfs_source_parse(const char *spec, struct bfs_source *src,
		     struct bfs_error *err);
void bfs_source_free(struct bfs_source *src);

/* Outcome of one fetch: 0, or a positive errno for the kernel's reply. */
#define BFS_FETCH_MISSING	ENOENT	/* the source has no such object */

/*
 * Fetch the object @name into the new file @dest (an absolute path that
 * does not exist yet).  0 on success, else an errno with @err saying why.
 */
int bfs_source_fetch(const struct bfs_source *src, const char *name,
		     const char *dest, struct bfs_error *err);

/* s3.c */
/* loads libcurl (dlopen) once; 0 or BFS_ESYS with @err */
int bfs_s3_init(struct bfs_error *err);
int bfs_s3_config_env(struct bfs_s3_config *c, struct bfs_error *err);
int bfs_s3_get(const struct bfs_source *src, const char *key,
	       const char *dest, struct bfs_error *err);
/* HEAD: *@exists, 0; or an errno (a 404 is not an error here) */
int bfs_s3_exists(const struct bfs_source *src, const char *key,
		  bool *exists, struct bfs_error *err);
int bfs_s3_put(const struct bfs_source *src, const char *key,
	       const char *path, struct bfs_error *err);

/* @len of bfs_object_check(): any size */
#define BFS_SIZE_UNKNOWN	UINT64_MAX

/*
 * Whether @name is an object name and @len its size: hash the file @fd
 * (XXH3-128, libxxhash).  0, or an errno with @err saying what differs.
 */
int bfs_object_check(int fd, const char *name, uint64_t len,
		     struct bfs_error *err);
/* "<hex>.xxh128": 32 lowercase hex digits then the suffix, nothing else */
bool bfs_object_name_ok(const char *name);

struct bfs_serve_opts {
	const struct bfs_source *src;
	int jobs;		/* parallel fetches */
	bool verbose;		/* log each fetch */
	int ready_fd;		/* >= 0: write one byte once attached, close */
};

/* Attach to every mount in @mnts and serve them until all are gone. */
int bfs_serve(const char *const *mnts, size_t n,
	      const struct bfs_serve_opts *o);

#endif /* _BFS_FETCH_H */
