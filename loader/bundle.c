// SPDX-License-Identifier: GPL-2.0
/*
 * The pipeline every command runs (read, parse, merge the diffs if any,
 * build the tree, encode, self-check) and the counters `bundlefs check`
 * prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"
#include "../kmod/xxh3.h"

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

int bfs_layers_to_image(const char *base, const char *const *diffs,
			size_t ndiffs, const struct bfs_stack_opts *o,
			struct bfs_manifest *m, struct bfs_tree *t,
			void **image, size_t *size, char hash[33],
			struct bfs_error *err)
{
	struct bfs_stack s;
	char *text;
	int r;

	memset(m, 0, sizeof(*m));
	memset(t, 0, sizeof(*t));
	*image = NULL;
	r = bfs_stack_load(base, diffs, ndiffs, o, &s, err);
	if (r)
		return r;
	memcpy(hash, s.base_hash, 33);
	if (ndiffs) {
		/* what a diff made on this tree names (bundlefs diff: v2) */
		hash[0] = '\0';
		if (!bfs_manifest_dump(s.cur, s.n, NULL, &text, NULL)) {
			uint8_t d[16];
			int i;

			bundlefs_xxh3_128(text, strlen(text), d);
			for (i = 0; i < 16; i++)
				snprintf(hash + 2 * i, 3, "%02x", d[i]);
			free(text);
		}
		r = bfs_stack_flatten(&s, m, err);
	} else {
		*m = s.layers[0];	/* the base as it is, no copy */
		memset(&s.layers[0], 0, sizeof(s.layers[0]));
	}
	bfs_stack_free(&s);
	if (!r)
		r = bfs_manifest_encode(m, t, image, size, err);
	if (r) {
		char msg[BFS_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		r = bfs_fail(err, r, "%s: %s", base, msg);
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
	/* an unhashed file's chunks name no object */
	for (i = 0; i < m->nentries; i++)
		if (m->entries[i].kind == BFS_REG && !m->entries[i].unhashed)
			st->chunks += m->entries[i].nchunks;
		else if (m->entries[i].kind == BFS_REG)
			st->unhashed++;
	all = malloc((st->chunks ? st->chunks : 1) * sizeof(*all));
	if (!all) {
		st->objects = st->chunks;	/* an upper bound */
		return;
	}
	for (i = 0; i < m->nentries; i++) {
		const struct bfs_entry *e = &m->entries[i];

		if (e->kind == BFS_REG && e->nchunks && !e->unhashed) {
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
