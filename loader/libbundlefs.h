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
/* an older build of the 2025-12 writer: a relative snapshot */
#define BFS_SPEC_OLD_VERSION	"2025-12"

/* The three dialects (dialect.c): how a document names its entries. */
enum bfs_dialect_id {
	BFS_D_V1 = 1,		/* manifestVersion "2023-03-03": paths[] */
	BFS_D_V2BETA = 2,	/* manifestVersion "2025-12-04-beta": name */
	BFS_D_SPEC = 3,		/* specificationVersion ...-2025-12: path */
};

struct bfs_dialect {
	enum bfs_dialect_id id;
	const char *version;	/* the value of @field */
	const char *field;	/* "manifestVersion" or "specificationVersion" */
	bool absolute, diff;	/* the specification's variants */
	/* member names of entries */
	const char *key, *del, *target;
};

/*
 * The dialect of a document from its manifestVersion and
 * specificationVersion members (NULL when absent): NULL and *@why set
 * when they are missing, both present or unknown.
 */
const struct bfs_dialect *bfs_dialect_detect(const char *mver, size_t mlen,
					     const char *sver, size_t slen,
					     char *why, size_t whysz);
/* --format NAME of `bundlefs apply`: v1, v2-beta, v2-2025-12; or NULL. */
const struct bfs_dialect *bfs_dialect_by_format(const char *name);
#define BFS_FORMATS "v1, v2-beta or v2-2025-12"
/* the relative snapshot dialect written for @d (a format name too) */
const char *bfs_dialect_format(const struct bfs_dialect *d);

/* What the caller allows beyond a plain relative, hashed snapshot. */
struct bfs_parse_opts {
	const char *root;	/* absolute manifests: the prefix to strip */
	bool allow_unhashed;	/* unhashed files load and read as EIO */
};

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
	bool unhashed;		/* REG: no content (2025-12 unhashed file) */
};

struct bfs_manifest {
	int version;		/* 1 or 2 (both v2 dialects) */
	const char *version_str;
	const struct bfs_dialect *dialect;
	size_t nunhashed;	/* unhashed files (entries with ->unhashed) */
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
/* Either, with options (@opts may be NULL). */
int bfs_manifest_parse_opts(const char *buf, size_t len, bool diff,
			    const struct bfs_parse_opts *opts,
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

/*
 * absolute.c: @path (@len bytes, absolute) with the prefix @root and its
 * '/' removed, in place; -1 when it is not below @root, 1 when it is @root
 * or one of its ancestors (nothing of the tree), 0 otherwise.
 */
int bfs_strip_root(const char *root, char *path, size_t *len);
/* An absolute symlink target (stripped of @root) made relative to the
 * directory of @link: a new string, or NULL without memory. */
char *bfs_relative_target(const char *link, size_t link_len,
			  const char *target, size_t target_len, size_t *out_len);

/* Counters printed by `bundlefs check`. */
struct bfs_stats {
	uint64_t files, dirs, links, total_bytes, chunks, objects, unhashed;
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
/* mount(2) with "cache=DIR[,OPTS]" and @flags (MS_*; MS_RDONLY added
 * unless OPTS has upper=) */
int bfs_mount(const char *mnt, const char *cache, const char *opts,
	      unsigned long flags, struct bfs_error *err);
int bfs_umount(const char *mnt, struct bfs_error *err);

/*
 * emit.c: @entries as v2 ("2025-12-04-beta") manifest text in *@text (to
 * free), sorted by path; a diff when @parent_hash is given.
 */
int bfs_manifest_dump(const struct bfs_entry *const *entries, size_t n,
		      const char *parent_hash, char **text,
		      struct bfs_error *err);

/* emit_v1.c, emit_spec.c: the same in the other dialects (snapshots). */
int bfs_manifest_dump_v1(const struct bfs_entry *const *entries, size_t n,
			 char **text, struct bfs_error *err);
int bfs_manifest_dump_spec(const struct bfs_entry *const *entries, size_t n,
			   char **text, struct bfs_error *err);
/* The snapshot text of @entries in the relative form of dialect @d. */
int bfs_manifest_dump_as(const struct bfs_dialect *d,
			 const struct bfs_entry *const *entries, size_t n,
			 char **text, struct bfs_error *err);

/*
 * stack.c: a base manifest and diffs applied in order (layered mounts,
 * `bundlefs apply`).  Errors name the file at fault.
 */
struct bfs_stack_opts {
	struct bfs_parse_opts parse;
	bool no_parent_check;	/* --no-parent-check */
};

struct bfs_stack {
	const char *base;		/* its file */
	char base_hash[33];		/* the xxh128 of its bytes */
	struct bfs_manifest *layers;	/* [0] the base, then the diffs */
	const char **names;		/* their files, for messages */
	size_t nlayers, max;
	struct bfs_entry **implied;	/* directories made explicit */
	size_t nimplied;
	const struct bfs_entry **cur;	/* the merged tree's entries */
	size_t n;
};

int bfs_stack_load(const char *base, const char *const *diffs, size_t ndiffs,
		   const struct bfs_stack_opts *o, struct bfs_stack *s,
		   struct bfs_error *err);
/* The same from text: room for @max_diffs, then the base, then each diff
 * (@name, kept by the caller, is what messages call it). */
int bfs_stack_init(struct bfs_stack *s, size_t max_diffs,
		   struct bfs_error *err);
int bfs_stack_push(struct bfs_stack *s, const char *name, const char *buf,
		   size_t len, const struct bfs_stack_opts *o,
		   struct bfs_error *err);
void bfs_stack_free(struct bfs_stack *s);
/* The merged tree as one manifest (copies: @s may be freed after). */
int bfs_stack_flatten(const struct bfs_stack *s, struct bfs_manifest *m,
		      struct bfs_error *err);
/*
 * MANIFEST [--diff D]... -> image, what check, encode, load and mount run;
 * @hash gets the xxh128 a diff made on this tree names as its parent.
 */
int bfs_layers_to_image(const char *base, const char *const *diffs,
			size_t ndiffs, const struct bfs_stack_opts *o,
			struct bfs_manifest *m, struct bfs_tree *t,
			void **image, size_t *size, char hash[33],
			struct bfs_error *err);

/* apply.c: one diff applied to the entries @cur (sorted or not). */
int bfs_merge(const struct bfs_entry *const *cur, size_t n,
	      const struct bfs_manifest *diff, bool first,
	      const struct bfs_entry ***out, size_t *nout,
	      struct bfs_error *err);
/* The directories @cur implies but does not list (*@dirs to free). */
int bfs_implied_dirs(const struct bfs_entry *const *cur, size_t n,
		     struct bfs_entry **dirs, size_t *ndirs);

/* BASE + DIFFS -> the snapshot manifest @out (NULL: stdout), in @format
 * (NULL: the base's dialect). */
int bfs_apply(const char *base, const char *const *diffs, size_t ndiffs,
	      const struct bfs_stack_opts *o, const struct bfs_dialect *format,
	      const char *out, struct bfs_error *err);

/* diff.c: the changes of a writable mount */
int bfs_ioctl_changes(const char *mnt, void **buf, size_t *len,
		      uint32_t *count, struct bfs_error *err);
int bfs_diff(const char *mnt, const char *parent_hash, const char *out,
	     const char *objects, struct bfs_error *err);
int bfs_upper_of(const char *mnt, char *upper, size_t size,
		 struct bfs_error *err);
int bfs_write_origin(const char *mnt, const char *manifest,
		     struct bfs_error *err);
int bfs_write_origin_hash(const char *mnt, const char hash[33],
			  struct bfs_error *err);
int bfs_read_origin(const char *mnt, char hash[33], struct bfs_error *err);

#endif /* _LIBBUNDLEFS_H */
