// SPDX-License-Identifier: GPL-2.0
/*
 * Entries to v1 ("2023-03-03") manifest text, for `bundlefs apply` on a
 * v1 base.  v1 holds regular files with one object each and nothing else;
 * a tree that needs more (a symlink, an empty directory, an executable, a
 * chunked or unhashed file) is refused, naming the first entry, rather
 * than written as a different tree.  Directories holding files are
 * implied by their paths.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static int cannot(const struct bfs_entry *e, const char *what,
		  struct bfs_error *err)
{
	char q[512];

	bfs_quote(q, sizeof(q), e->path, e->path_len);
	return bfs_fail(err, BFS_EINVAL,
			"%s %s: v1 (\"%s\") cannot hold %s: give --format v2-beta or v2-2025-12",
			e->kind == BFS_DIR ? "directory" : e->kind == BFS_LNK ?
			"symlink" : "file", q, BFS_V1_VERSION, what);
}

/* Why v1 cannot hold @e, or 0. */
static int check_v1(const struct bfs_entry *e, const struct emit_dirs *files,
		    struct bfs_error *err)
{
	if (e->kind == BFS_LNK)
		return cannot(e, "symlinks", err);
	if (e->kind == BFS_DIR) {
		/* a directory is kept only as the parent of a file */
		return emit_dir_index(files, e->path, e->path_len) < 0 ?
		       cannot(e, "empty directories", err) : 0;
	}
	if (e->exec)
		return cannot(e, "executable files", err);
	if (e->unhashed)
		return cannot(e, "unhashed files", err);
	if (e->nchunks > 1)
		return cannot(e, "chunked files (above 256 MiB)", err);
	return 0;
}

int bfs_manifest_dump_v1(const struct bfs_entry *const *entries, size_t n,
			 char **text, struct bfs_error *err)
{
	const struct bfs_entry **sorted, **files;
	struct emit_dirs parents;
	json_t *root, *paths;
	uint64_t total = 0;
	size_t i, nfiles = 0;
	int r = 0;

	*text = NULL;
	if (emit_sort(entries, n, &sorted))
		return bfs_fail(err, BFS_ESYS, "out of memory");
	files = malloc((n ? n : 1) * sizeof(*files));
	for (i = 0; files && i < n; i++)
		if (sorted[i]->kind != BFS_DIR)
			files[nfiles++] = sorted[i];
	if (!files || emit_dirs_of(files, nfiles, &parents)) {
		free(files);
		free(sorted);
		return bfs_fail(err, BFS_ESYS, "out of memory");
	}
	root = json_object();
	paths = json_array();
	json_object_set_new(root, "paths", paths);
	for (i = 0; i < n && !r; i++) {
		const struct bfs_entry *e = sorted[i];
		json_t *o;

		r = check_v1(e, &parents, err);
		if (r || e->kind == BFS_DIR)
			continue;
		o = json_object();
		r = emit_content(o, e, NULL);
		json_object_set_new(o, "mtime", json_integer(e->mtime_us));
		json_object_set_new(o, "path", json_stringn(e->path, e->path_len));
		json_object_set_new(o, "size", json_integer((json_int_t)e->size));
		json_array_append_new(paths, o);
		total += e->size;
	}
	json_object_set_new(root, "hashAlg", json_string("xxh128"));
	json_object_set_new(root, "manifestVersion", json_string(BFS_V1_VERSION));
	json_object_set_new(root, "totalSize", json_integer((json_int_t)total));
	emit_dirs_free(&parents);
	free(files);
	free(sorted);
	if (r) {
		json_decref(root);
		return r;
	}
	return emit_text(root, text, err);
}
