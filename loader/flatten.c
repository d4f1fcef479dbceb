// SPDX-License-Identifier: GPL-2.0
/*
 * The merged tree of a stack as one manifest of its own (copies), ready
 * for the tree builder and the encoder: what a layered mount loads.  The
 * entries of diffs are labelled with their file, so that an error in the
 * merged tree names the diff that caused it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"

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

/* The file of the diff @e comes from; NULL for the base or implied. */
static const char *layer_of(const struct bfs_stack *s,
			    const struct bfs_entry *e)
{
	size_t k;

	for (k = 1; k < s->nlayers; k++)
		if (e >= s->layers[k].entries &&
		    e < s->layers[k].entries + s->layers[k].nentries)
			return s->names[k];
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

int bfs_stack_flatten(const struct bfs_stack *s, struct bfs_manifest *m,
		      struct bfs_error *err)
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

		if (copy_entry(c, s->cur[i], layer_of(s, s->cur[i]))) {
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

