// SPDX-License-Identifier: GPL-2.0
/*
 * The pipeline every command runs (read, parse, build the tree, encode,
 * self-check) and the counters `bundlefs check` prints.
 */
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"

int bfs_manifest_to_image(const char *path, struct bfs_manifest *m,
			  struct bfs_tree *t, void **image, size_t *size,
			  struct bfs_error *err)
{
	int r;

	memset(t, 0, sizeof(*t));
	*image = NULL;
	r = bfs_manifest_load(path, m, err);
	if (r)
		return r;
	return bfs_manifest_encode(m, t, image, size, err);
}

int bfs_manifest_encode(struct bfs_manifest *m, struct bfs_tree *t,
			void **image, size_t *size, struct bfs_error *err)
{
	int r;

	memset(t, 0, sizeof(*t));
	*image = NULL;
	r = bfs_tree_build(m, t, err);
	if (!r)
		r = bfs_encode(m, t, image, size, err);
	if (r) {
		bfs_tree_free(t);
		bfs_manifest_free(m);
	}
	return r;
}

static int digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct bundlefs_digest));
}

void bfs_stats(const struct bfs_manifest *m, const struct bfs_tree *t,
	       struct bfs_stats *st)
{
	struct bundlefs_digest *all;
	size_t i, n = 0;

	memset(st, 0, sizeof(*st));
	st->files = t->nfiles;
	st->dirs = t->ndirs;
	st->links = t->nlinks;
	st->total_bytes = m->total_size;
	for (i = 0; i < m->nentries; i++)
		if (m->entries[i].kind == BFS_REG)
			st->chunks += m->entries[i].nchunks;
	all = malloc((st->chunks ? st->chunks : 1) * sizeof(*all));
	if (!all) {
		st->objects = st->chunks;	/* an upper bound */
		return;
	}
	for (i = 0; i < m->nentries; i++) {
		const struct bfs_entry *e = &m->entries[i];

		if (e->kind == BFS_REG && e->nchunks) {
			memcpy(&all[n], e->digests, e->nchunks * sizeof(*all));
			n += e->nchunks;
		}
	}
	qsort(all, n, sizeof(*all), digest_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || memcmp(&all[i - 1], &all[i], sizeof(*all)))
			st->objects++;
	free(all);
}
