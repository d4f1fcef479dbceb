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

/* @e's copy in @c; a diff's entries are labelled with their file. */
static int copy_entry(struct bfs_entry *c, const struct bfs_entry *e,
		      const char *file)
{
	char q[512], buf[BFS_ERR_MAX];

	*c = *e;
	c->path = strndup(e->path, e->path_len);
	if (e->label && file)
		snprintf(buf, sizeof(buf), "%s: %s", file, e->label);
	else if (e->label)
		snprintf(buf, sizeof(buf), "%s", e->label);
	else {			/* a directory the layers below implied */
		bfs_quote(q, sizeof(q), e->path, e->path_len);
		snprintf(buf, sizeof(buf), "directory %s", q);
	}
	c->label = strdup(buf);
	c->digests = malloc((e->nchunks ? e->nchunks : 1) *
			    sizeof(*e->digests));
	if (c->digests && e->nchunks)
		memcpy(c->digests, e->digests,
		       e->nchunks * sizeof(*e->digests));
	c->target = e->target ? strndup(e->target, e->size) : NULL;
	return c->path && c->label && c->digests &&
	       (c->target || !e->target) ? 0 : -1;
}

/* The file of the layer @e comes from, NULL for the base or implied. */
static const char *layer_of(const struct bfs_stack *s,
			    const struct bfs_entry *e, const char *const *diffs)
{
	size_t k;

	for (k = 1; k < s->nlayers; k++)
		if (e >= s->layers[k].entries &&
		    e < s->layers[k].entries + s->layers[k].nentries)
			return diffs[k - 1];
	return NULL;
}

/*
 * One image has one chunk size: 256 MiB once a chunked file is in the
 * tree, else large enough for the largest v1 (unchunked) object.
 */
static int chunk_shift(struct bfs_manifest *m, struct bfs_error *err)
{
	const struct bfs_entry *big = NULL;
	bool chunked = false;
	size_t i;

	m->chunk_shift = 28;
	for (i = 0; i < m->nentries; i++) {
		const struct bfs_entry *e = &m->entries[i];

		if (e->kind != BFS_REG)
			continue;
		chunked |= e->nchunks > 1;
		if (e->nchunks == 1 && (!big || e->size > big->size))
			big = e;
	}
	if (!big || big->size <= (1ULL << 28))
		return 0;
	if (chunked)
		return bfs_fail(err, BFS_EINVAL,
				"%s: a v1 object of %llu bytes, above the 256 MiB chunk size, cannot be mounted with chunked files",
				big->label, (unsigned long long)big->size);
	while ((1ULL << m->chunk_shift) < big->size)
		m->chunk_shift++;
	return 0;
}

static int flatten(const struct bfs_stack *s, const char *const *diffs,
		   struct bfs_manifest *m, struct bfs_error *err)
{
	const struct bfs_manifest *base = &s->layers[0];
	size_t i;

	memset(m, 0, sizeof(*m));
	m->version = base->version;
	m->version_str = base->version_str;
	m->dialect = base->dialect;
	m->entries = calloc(s->n + 1, sizeof(*m->entries));
	if (!m->entries)
		return bfs_fail(err, BFS_ESYS, "out of memory");
	for (i = 0; i < s->n; i++) {
		struct bfs_entry *c = &m->entries[m->nentries++];

		if (copy_entry(c, s->cur[i], layer_of(s, s->cur[i], diffs))) {
			bfs_manifest_free(m);
			return bfs_fail(err, BFS_ESYS, "out of memory");
		}
		if (c->kind == BFS_REG) {
			m->total_size += c->size;
			m->nunhashed += c->unhashed;
		}
	}
	if (chunk_shift(m, err)) {
		bfs_manifest_free(m);
		return BFS_EINVAL;
	}
	return 0;
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
		r = flatten(&s, diffs, m, err);
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
