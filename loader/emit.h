/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the manifest writers (emit.c, emit_v1.c, emit_spec.c) share, in
 * emit_util.c: the canonical order of the 2025-12 tooling, hashes as text,
 * the members of a file, and the set of a tree's directories.  Internal to
 * libbundlefs.
 */
#ifndef _BFS_EMIT_H
#define _BFS_EMIT_H

#include <jansson.h>

#include "libbundlefs.h"

/* Paths in the order of their UTF-16 code units (the reference encoder's). */
int emit_cmp(const char *a, size_t alen, const char *b, size_t blen);
/* @entries sorted by emit_cmp() into *@sorted (to free). */
int emit_sort(const struct bfs_entry *const *entries, size_t n,
	      const struct bfs_entry ***sorted);

json_t *emit_hex(const struct bundlefs_digest *d);
/* "hash" or "chunkhashes" of a hashed regular file. */
int emit_content(json_t *o, const struct bfs_entry *e, struct bfs_error *err);
/* "mtime", "runnable" (when set) and "size" of a regular file. */
void emit_file_meta(json_t *o, const struct bfs_entry *e);

/* Every directory of a tree, listed or implied, in emit_cmp() order. */
struct emit_dirs {
	struct { const char *path; size_t len; bool listed; } *d;
	size_t n;
};
int emit_dirs_of(const struct bfs_entry *const *entries, size_t n,
		 struct emit_dirs *ds);
/* The index of @path in @ds, or -1. */
long emit_dir_index(const struct emit_dirs *ds, const char *path, size_t len);
void emit_dirs_free(struct emit_dirs *ds);

/* Would a v2 decoder expand @s (`$` digits `/`)?  Then it cannot be
 * written as it is. */
bool emit_looks_compressed(const char *s, size_t len);
int emit_ambiguous(const struct bfs_entry *e, const char *what,
		   const char *s, size_t len, struct bfs_error *err);

/* @root as compact text with sorted keys into *@text; frees @root. */
int emit_text(json_t *root, char **text, struct bfs_error *err);

#endif /* _BFS_EMIT_H */
