/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The manifest parser's shared state and the per-entry rules, shared by
 * manifest.c (the document, v1) and manifest_v2.c (the entries of both v2
 * dialects).  Internal to libbundlefs.
 */
#ifndef _BFS_PARSER_H
#define _BFS_PARSER_H

#include <jansson.h>

#include "libbundlefs.h"

#define MP_CHUNK_SIZE	BUNDLEFS_CHUNK_SIZE
#define MP_CHUNK_SHIFT	28

struct parser {
	struct bfs_manifest *m;
	struct bfs_error *err;
	const struct bfs_dialect *d;
	const struct bfs_parse_opts *opts;	/* never NULL */
	size_t cap;
	/* v2: expanded paths of dirs[] as written (absolute ones unstripped) */
	char **dir_path;
	size_t *dir_len;
	size_t ndirs;
	uint64_t sum;
	bool diff;		/* a diff manifest: deletions allowed */
};

const char *mp_type_name(const json_t *v);
int mp_nomem(struct parser *p);
int mp_check_keys(struct parser *p, json_t *obj, const char *const *keys,
		  const char *label);
int mp_get_string(struct parser *p, json_t *obj, const char *key,
		  const char *label, bool required, const char **s,
		  size_t *len);
int mp_get_int(struct parser *p, json_t *obj, const char *key,
	       const char *label, bool required, bool nonneg, int64_t *out,
	       bool *present);
int mp_get_bool(struct parser *p, json_t *obj, const char *key,
		const char *label, bool *out);
int mp_parse_hash(struct parser *p, json_t *v, const char *what,
		  const char *label, struct bundlefs_digest *d);
int mp_check_path(struct parser *p, const char *path, size_t len,
		  const char *what, const char *label);
int mp_expand(struct parser *p, const char *raw, size_t len, size_t limit,
	      bool is_dir, const char *label, char **out, size_t *out_len);
int mp_check_target(struct parser *p, const struct bfs_entry *e,
		    const char *t, size_t len);
struct bfs_entry *mp_new_entry(struct parser *p);
int mp_add_size(struct parser *p, const struct bfs_entry *e);
uint64_t mp_chunks_of(uint64_t size, unsigned shift);
int mp_size_mtime(struct parser *p, json_t *v, struct bfs_entry *e);
int mp_one_object(struct parser *p, struct bfs_entry *e, json_t *hash);
int mp_begin_entry(struct parser *p, json_t *v, const char *list, size_t i,
		   const char *key, const char *const *keys, int kind,
		   struct bfs_entry **ep, const char **name, size_t *len);

/* manifest_v2.c: "dirs" and "files" of both v2 dialects */
int mp_parse_v2(struct parser *p, json_t *dirs, json_t *files);

/* json_arena.c: jansson's values of one parse, freed together */
struct bfs_json_arena;
struct bfs_json_arena *bfs_json_arena_begin(void);
void bfs_json_arena_end(struct bfs_json_arena *a);

#endif /* _BFS_PARSER_H */
