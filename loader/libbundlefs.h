/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libbundlefs: the user-space side of the bundlefs format.  One place
 * knows the manifest formats (manifest.c), the tree rules (tree.c) and the
 * image encoding (encode.c); the commands in main.c are argument parsing
 * plus calls into this header.
 */
#ifndef _LIBBUNDLEFS_H
#define _LIBBUNDLEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/uapi/linux/bundlefs.h"

/* Exit codes of the command, also returned by the library functions. */
#define BFS_OK		0
#define BFS_EINVAL	1	/* invalid manifest or image */
#define BFS_EUSAGE	2	/* usage error */
#define BFS_ESYS	3	/* system error: I/O, mount, ioctl */

#define BFS_ERR_MAX	1024

/* One line saying what went wrong, without the program or file prefix. */
struct bfs_error {
	char msg[BFS_ERR_MAX];
};

int bfs_fail(struct bfs_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append @s (@len bytes) to @out as a quoted, escaped, one-line string. */
void bfs_quote(char *out, size_t outsz, const char *s, size_t len);

#define BFS_V1_VERSION	"2023-03-03"
#define BFS_V2_VERSION	"2025-12-04-beta"

enum bfs_kind {
	BFS_DIR = 1,
	BFS_REG = 2,
	BFS_LNK = 3,
};

/* One entry of a manifest after validation and `$N/` expansion. */
struct bfs_entry {
	enum bfs_kind kind;
	char *path;		/* expanded, relative, NUL-free */
	size_t path_len;
	char *label;		/* `files[3] "$1/x"` for messages */
	uint64_t size;		/* REG: bytes; LNK: target length */
	int64_t mtime_us;
	bool exec;
	uint32_t nchunks;	/* REG: digests in @digests */
	struct bundlefs_digest *digests;
	char *target;		/* LNK: expanded target, NUL-terminated */
	bool deleted;		/* diff: "delete": the path and all below it */
};

struct bfs_manifest {
	int version;		/* 1 or 2 */
	const char *version_str;
	uint32_t chunk_shift;	/* 28; larger for v1 files above 256 MiB */
	uint64_t total_size;
	size_t nentries;
	struct bfs_entry *entries;
	char parent_hash[33];	/* diff: parentManifestHash; "" otherwise */
};

/* Parse and validate JSON text.  Returns BFS_OK, BFS_EINVAL or BFS_ESYS. */
int bfs_manifest_parse(const char *buf, size_t len, struct bfs_manifest *m,
		       struct bfs_error *err);
/* The same for a diff manifest (v2 with parentManifestHash). */
int bfs_diff_manifest_parse(const char *buf, size_t len,
			    struct bfs_manifest *m, struct bfs_error *err);
/* Read and parse a file. */
int bfs_manifest_load(const char *path, struct bfs_manifest *m,
		      struct bfs_error *err);
void bfs_manifest_free(struct bfs_manifest *m);

/* The directory tree in image (BFS) order: node 0 is the root. */
struct bfs_node {
	enum bfs_kind kind;
	const char *name;	/* points into an entry's path */
	uint16_t name_len;
	uint32_t parent;
	uint32_t first;		/* DIR: first child index */
	uint32_t count;		/* DIR: number of children */
	const struct bfs_entry *entry;	/* NULL for implied directories */
};

struct bfs_tree {
	uint32_t nnodes;
	struct bfs_node *nodes;
	uint32_t ndirs, nfiles, nlinks;
};

/* Build the tree: duplicates and file-used-as-directory are errors. */
int bfs_tree_build(const struct bfs_manifest *m, struct bfs_tree *t,
		   struct bfs_error *err);
void bfs_tree_free(struct bfs_tree *t);

/* Encode the tree into a freshly allocated image and self-check it. */
int bfs_encode(const struct bfs_manifest *m, const struct bfs_tree *t,
	       void **image, size_t *size, struct bfs_error *err);

/* Check an image with the kernel's validator. */
int bfs_image_check(const void *image, size_t size, struct bfs_error *err);

/*
 * A parsed manifest -> tree and image; on failure frees @m and leaves
 * nothing to free.
 */
int bfs_manifest_encode(struct bfs_manifest *m, struct bfs_tree *t,
			void **image, size_t *size, struct bfs_error *err);

/* manifest -> image in one call (check, encode, load, mount use it). */
int bfs_manifest_to_image(const char *path, struct bfs_manifest *m,
			  struct bfs_tree *t, void **image, size_t *size,
			  struct bfs_error *err);

/* Counters printed by `bundlefs check`. */
struct bfs_stats {
	uint64_t files, dirs, links, total_bytes, chunks, objects;
};
void bfs_stats(const struct bfs_manifest *m, const struct bfs_tree *t,
	       struct bfs_stats *st);

/* Files and the kernel (mount.c). */
int bfs_read_file(const char *path, char **buf, size_t *len,
		  struct bfs_error *err);
int bfs_write_atomic(const char *path, const void *buf, size_t len,
		     struct bfs_error *err);
int bfs_ioctl_load(const char *mnt, const void *image, size_t size,
		   struct bfs_error *err);
int bfs_mount(const char *mnt, const char *cache, const char *opts,
	      struct bfs_error *err);
int bfs_umount(const char *mnt, struct bfs_error *err);

/*
 * emit.c: @entries as v2 ("2025-12-04-beta") manifest text in *@text (to
 * free), sorted by path; a diff when @parent_hash is given.
 */
int bfs_manifest_dump(const struct bfs_entry *const *entries, size_t n,
		      const char *parent_hash, char **text,
		      struct bfs_error *err);

/* apply.c: BASE + DIFF -> the snapshot manifest @out (NULL: stdout). */
int bfs_apply(const char *base, const char *diff, const char *out,
	      struct bfs_error *err);

/* diff.c: the changes of a writable mount */
int bfs_ioctl_changes(const char *mnt, void **buf, size_t *len,
		      uint32_t *count, struct bfs_error *err);
int bfs_diff(const char *mnt, const char *parent_hash, const char *out,
	     const char *objects, struct bfs_error *err);
int bfs_upper_of(const char *mnt, char *upper, size_t size,
		 struct bfs_error *err);
int bfs_write_origin(const char *mnt, const char *manifest,
		     struct bfs_error *err);
int bfs_read_origin(const char *mnt, char hash[33], struct bfs_error *err);

#endif /* _LIBBUNDLEFS_H */
