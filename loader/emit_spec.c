// SPDX-License-Identifier: GPL-2.0
/*
 * Entries to the 2025-12 specification's relative snapshot text, the way
 * its reference encoder writes it: every directory listed (dirs sorted),
 * files sorted, then each path and symlink target whose directory is
 * listed written as `$N/` + the rest.  Because every parent directory is
 * listed, a path with a '/' is always compressed, so a name that merely
 * looks like `$N/` cannot be misread; only a symlink target can be, and
 * such a target is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define SPEC_SNAPSHOT "relative-manifest-snapshot-beta-2025-12"

/* @path (@len bytes) as written: `$N/name` when its directory is dirs[N]. */
static json_t *compress(const struct emit_dirs *ds, const char *path,
			size_t len, bool *plain)
{
	const char *slash = memrchr(path, '/', len);
	long k = slash ? emit_dir_index(ds, path, (size_t)(slash - path)) : -1;
	char pre[32];
	size_t plen, rest;
	json_t *s;
	char *buf;

	*plain = k < 0;
	if (k < 0)
		return json_stringn(path, len);
	plen = (size_t)snprintf(pre, sizeof(pre), "$%ld/", k);
	rest = len - (size_t)(slash + 1 - path);
	buf = malloc(plen + rest + 1);
	if (!buf)
		return NULL;
	memcpy(buf, pre, plen);
	memcpy(buf + plen, slash + 1, rest);
	s = json_stringn(buf, plen + rest);
	free(buf);
	return s;
}

static json_t *file_json(const struct emit_dirs *ds, const struct bfs_entry *e,
			 struct bfs_error *err)
{
	json_t *o = json_object(), *s;
	bool plain;

	json_object_set_new(o, "path", compress(ds, e->path, e->path_len,
						&plain));
	if (e->kind == BFS_LNK) {
		s = json_object();
		json_object_set_new(s, "target",
				    compress(ds, e->target, e->size, &plain));
		json_object_set_new(o, "symlink", s);
		if (e->mtime_us)
			json_object_set_new(o, "mtime",
					    json_integer(e->mtime_us));
		if (plain && emit_looks_compressed(e->target, e->size)) {
			emit_ambiguous(e, "symlink target", e->target, e->size,
				       err);
			json_decref(o);
			return NULL;
		}
		return o;
	}
	if (!e->unhashed && emit_content(o, e, err)) {
		json_decref(o);
		return NULL;
	}
	emit_file_meta(o, e);
	return o;
}

int bfs_manifest_dump_spec(const struct bfs_entry *const *entries, size_t n,
			   char **text, struct bfs_error *err)
{
	const struct bfs_entry **sorted;
	struct emit_dirs ds;
	json_t *root, *dirs, *files;
	uint64_t total = 0;
	size_t i;
	bool plain;

	*text = NULL;
	if (emit_sort(entries, n, &sorted))
		return bfs_fail(err, BFS_ESYS, "out of memory");
	if (emit_dirs_of(entries, n, &ds)) {
		free(sorted);
		return bfs_fail(err, BFS_ESYS, "out of memory");
	}
	root = json_object();
	dirs = json_array();
	files = json_array();
	json_object_set_new(root, "dirs", dirs);
	json_object_set_new(root, "files", files);
	for (i = 0; i < ds.n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "path", compress(&ds, ds.d[i].path,
							ds.d[i].len, &plain));
		json_array_append_new(dirs, o);
	}
	for (i = 0; i < n; i++) {
		const struct bfs_entry *e = sorted[i];
		json_t *o;

		if (e->kind == BFS_DIR)
			continue;
		o = file_json(&ds, e, err);
		if (!o)
			break;
		json_array_append_new(files, o);
		if (e->kind == BFS_REG)
			total += e->size;
	}
	json_object_set_new(root, "hashAlg", json_string("xxh128"));
	json_object_set_new(root, "specificationVersion",
			    json_string(SPEC_SNAPSHOT));
	json_object_set_new(root, "totalSize", json_integer((json_int_t)total));
	emit_dirs_free(&ds);
	free(sorted);
	if (i < n) {
		json_decref(root);
		return BFS_EINVAL;
	}
	return emit_text(root, text, err);
}
