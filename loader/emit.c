// SPDX-License-Identifier: GPL-2.0
/*
 * Entries to v2 ("2025-12-04-beta") manifest text: the one writer behind
 * `bundlefs diff` (a diff: parentManifestHash and delete entries) and
 * `bundlefs apply` (a snapshot).  Entries come out sorted by path bytes,
 * keys sorted, compact, so equal trees give equal bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "libbundlefs.h"
#include "emit.h"

static int cmp_entry(const void *a, const void *b)
{
	const struct bfs_entry *x = *(const struct bfs_entry *const *)a;
	const struct bfs_entry *y = *(const struct bfs_entry *const *)b;
	size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c = memcmp(x->path, y->path, n);

	return c ? c : (x->path_len > y->path_len) - (x->path_len < y->path_len);
}

static json_t *entry_json(const struct bfs_entry *e, struct bfs_error *err)
{
	json_t *o, *s;

	/* names are written uncompressed: one a decoder would expand is lost */
	if (emit_looks_compressed(e->path, e->path_len)) {
		emit_ambiguous(e, "path", e->path, e->path_len, err);
		return NULL;
	}
	if (e->kind == BFS_LNK && !e->deleted &&
	    emit_looks_compressed(e->target, e->size)) {
		emit_ambiguous(e, "symlink target", e->target, e->size, err);
		return NULL;
	}
	o = json_object();

	json_object_set_new(o, "name", json_stringn(e->path, e->path_len));
	if (e->deleted) {
		json_object_set_new(o, "delete", json_true());
		return o;
	}
	if (e->kind == BFS_LNK) {
		s = json_object();
		json_object_set_new(s, "name", json_stringn(e->target, e->size));
		json_object_set_new(o, "symlink", s);
	} else if (e->kind == BFS_REG) {
		if (e->unhashed) {
			char q[512];

			bfs_quote(q, sizeof(q), e->path, e->path_len);
			bfs_fail(err, BFS_EINVAL,
				 "file %s: v2 (\"%s\") cannot hold unhashed files: give --format v2-2025-12",
				 q, BFS_V2_VERSION);
			json_decref(o);
			return NULL;
		}
		if (emit_content(o, e, err)) {
			json_decref(o);
			return NULL;
		}
		emit_file_meta(o, e);
	}
	return o;
}

int bfs_manifest_dump(const struct bfs_entry *const *entries, size_t n,
		      const char *parent_hash, char **text,
		      struct bfs_error *err)
{
	const struct bfs_entry **sorted;
	json_t *root, *dirs, *files;
	uint64_t total = 0;
	size_t i;
	int r = 0;

	*text = NULL;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return bfs_fail(err, BFS_ESYS, "out of memory");
	memcpy(sorted, entries, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_entry);
	root = json_object();
	dirs = json_array();
	files = json_array();
	json_object_set_new(root, "dirs", dirs);
	json_object_set_new(root, "files", files);
	for (i = 0; i < n && !r; i++) {
		const struct bfs_entry *e = sorted[i];
		json_t *o = entry_json(e, err);

		if (!o) {
			r = BFS_EINVAL;
			break;
		}
		json_array_append_new(e->kind == BFS_DIR ? dirs : files, o);
		if (e->kind == BFS_REG && !e->deleted)
			total += e->size;
	}
	json_object_set_new(root, "hashAlg", json_string("xxh128"));
	json_object_set_new(root, "manifestVersion", json_string(BFS_V2_VERSION));
	if (parent_hash)
		json_object_set_new(root, "parentManifestHash",
				    json_string(parent_hash));
	json_object_set_new(root, "totalSize", json_integer((json_int_t)total));
	if (!r) {
		*text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
		if (!*text)
			r = bfs_fail(err, BFS_ESYS, "out of memory");
	}
	json_decref(root);
	free(sorted);
	return r;
}

int bfs_manifest_dump_as(const struct bfs_dialect *d,
			 const struct bfs_entry *const *entries, size_t n,
			 char **text, struct bfs_error *err)
{
	switch (d->id) {
	case BFS_D_V1:
		return bfs_manifest_dump_v1(entries, n, text, err);
	case BFS_D_V2BETA:
		return bfs_manifest_dump(entries, n, NULL, text, err);
	case BFS_D_SPEC:
		break;
	}
	return bfs_manifest_dump_spec(entries, n, text, err);
}
