// SPDX-License-Identifier: GPL-2.0
/*
 * Entries to a directory tree in image order.  Paths are inserted one
 * component at a time through a hash table keyed on (parent, name), which
 * is where two entries for one path, or a file used as a directory, show
 * up.  The tree is then laid out breadth first with each directory's
 * children sorted by name bytes, the order the image requires.
 */
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"

struct wnode {
	enum bfs_kind kind;
	const char *name;
	uint16_t name_len;
	uint32_t parent;
	uint32_t first_child;	/* linked list, unsorted; 0 = none */
	uint32_t next_sibling;
	const struct bfs_entry *entry;		/* NULL if implied */
	const struct bfs_entry *implied_by;	/* first entry below it */
};

struct builder {
	struct wnode *n;
	uint32_t count, cap;
	uint32_t *table;	/* node indices, 0 = empty slot */
	size_t mask;
	struct bfs_error *err;
};

static size_t hash_key(uint32_t parent, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ parent;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

static uint32_t *slot_of(struct builder *b, uint32_t parent, const char *name,
			 size_t len)
{
	size_t i = hash_key(parent, name, len) & b->mask;

	for (;; i = (i + 1) & b->mask) {
		uint32_t *s = &b->table[i];
		struct wnode *w = &b->n[*s];

		if (!*s || (w->parent == parent && w->name_len == len &&
			    !memcmp(w->name, name, len)))
			return s;
	}
}

static int grow(struct builder *b)
{
	size_t size = 2 * (b->mask + 1), i;
	uint32_t *old = b->table, oldmask = (uint32_t)b->mask;
	uint32_t *t = calloc(size, sizeof(*t));

	if (!t)
		return -1;
	b->table = t;
	b->mask = size - 1;
	for (i = 0; old && i <= oldmask; i++)
		if (old[i]) {
			struct wnode *w = &b->n[old[i]];

			*slot_of(b, w->parent, w->name, w->name_len) = old[i];
		}
	free(old);
	return 0;
}

/* @slot: slot_of()'s empty slot for (@parent, @name), found by the caller */
static uint32_t add_node(struct builder *b, uint32_t *slot, uint32_t parent,
			 const char *name, size_t len, enum bfs_kind kind)
{
	struct wnode *w;

	if (b->count == b->cap) {
		uint32_t cap = b->cap * 2;

		if (cap < b->cap)
			return 0;
		w = realloc(b->n, (size_t)cap * sizeof(*w));
		if (!w)
			return 0;
		b->n = w;
		b->cap = cap;
	}
	if ((size_t)b->count * 2 >= b->mask + 1) {
		if (grow(b))
			return 0;
		slot = slot_of(b, parent, name, len);	/* a new table */
	}
	w = &b->n[b->count];
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->name = name;
	w->name_len = (uint16_t)len;
	w->parent = parent;
	w->next_sibling = b->n[parent].first_child;
	b->n[parent].first_child = b->count;
	*slot = b->count;
	return b->count++;
}

/* @e's path up to @end, quoted for a message (only when one is made) */
static const char *upto(char *q, size_t size, const struct bfs_entry *e,
			const char *end)
{
	bfs_quote(q, size, e->path, (size_t)(end - e->path));
	return q;
}

static int insert(struct builder *b, const struct bfs_entry *e)
{
	const char *p = e->path, *end = e->path + e->path_len;
	uint32_t cur = 0;
	char q[512];

	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t len = slash ? (size_t)(slash - p) : (size_t)(end - p);
		uint32_t *slot = slot_of(b, cur, p, len);
		uint32_t idx = *slot;
		struct wnode *w = &b->n[idx];

		if (slash) {
			if (!idx) {
				idx = add_node(b, slot, cur, p, len, BFS_DIR);
				if (!idx)
					goto nomem;
				b->n[idx].implied_by = e;
			} else if (w->kind != BFS_DIR) {
				return bfs_fail(b->err, BFS_EINVAL,
						"%s: %s is a %s (%s), not a directory",
						e->label,
						upto(q, sizeof(q), e, p + len),
						w->kind == BFS_LNK ? "symlink" : "file",
						w->entry->label);
			}
			cur = idx;
			p = slash + 1;
			continue;
		}
		if (!idx) {
			idx = add_node(b, slot, cur, p, len, e->kind);
			if (!idx)
				goto nomem;
			b->n[idx].entry = e;
			return 0;
		}
		if (w->entry) {
			return bfs_fail(b->err, BFS_EINVAL,
					"%s: path %s is already %s: two entries for one path",
					e->label, upto(q, sizeof(q), e, p + len),
					w->entry->label);
		}
		/* an implied directory, now listed */
		if (e->kind != BFS_DIR)
			return bfs_fail(b->err, BFS_EINVAL,
					"%s: path %s is also a directory (holding %s)",
					e->label, upto(q, sizeof(q), e, p + len),
					w->implied_by->label);
		w->entry = e;
		return 0;
	}
nomem:
	return bfs_fail(b->err, BFS_ESYS, "out of memory or too many nodes");
}

static int name_cmp(const void *a, const void *b)
{
	const struct bfs_node *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* Breadth first: each directory's children are the next sorted range. */
static int layout(struct builder *b, struct bfs_tree *t)
{
	struct bfs_node *out = calloc(b->count, sizeof(*out));
	uint32_t *old = calloc(b->count, sizeof(*old));	/* out -> builder */
	uint32_t next = 1, i;

	if (!out || !old) {
		free(out);
		free(old);
		return bfs_fail(b->err, BFS_ESYS, "out of memory");
	}
	out[0].kind = BFS_DIR;
	old[0] = 0;
	for (i = 0; i < b->count; i++) {
		struct wnode *w = &b->n[old[i]];
		uint32_t c, first = next;

		if (w->kind != BFS_DIR)
			continue;
		for (c = w->first_child; c; c = b->n[c].next_sibling) {
			struct wnode *cw = &b->n[c];

			out[next].kind = cw->kind;
			out[next].name = cw->name;
			out[next].name_len = cw->name_len;
			out[next].parent = i;
			out[next].entry = cw->entry;
			old[next] = c;	/* fixed up after the sort below */
			next++;
		}
		out[i].count = next - first;
		out[i].first = out[i].count ? first : 0;
		if (out[i].count > 1) {
			/* sort the range and the builder indices with it */
			struct { struct bfs_node n; uint32_t old; } *tmp;
			uint32_t k, cnt = out[i].count;

			tmp = malloc(cnt * sizeof(*tmp));
			if (!tmp) {
				free(out);
				free(old);
				return bfs_fail(b->err, BFS_ESYS,
						"out of memory");
			}
			for (k = 0; k < cnt; k++) {
				tmp[k].n = out[first + k];
				tmp[k].old = old[first + k];
			}
			/* struct bfs_node is the first member: name_cmp works */
			qsort(tmp, cnt, sizeof(*tmp), name_cmp);
			for (k = 0; k < cnt; k++) {
				out[first + k] = tmp[k].n;
				old[first + k] = tmp[k].old;
			}
			free(tmp);
		}
	}
	for (i = 1; i < b->count; i++) {
		switch (out[i].kind) {
		case BFS_DIR: t->ndirs++; break;
		case BFS_REG: t->nfiles++; break;
		case BFS_LNK: t->nlinks++; break;
		}
	}
	free(old);
	t->nodes = out;
	t->nnodes = b->count;
	return 0;
}

int bfs_tree_build(const struct bfs_manifest *m, struct bfs_tree *t,
		   struct bfs_error *err)
{
	struct builder b = { .err = err, .cap = 64 };
	size_t i;
	int r = 0;

	memset(t, 0, sizeof(*t));
	b.n = calloc(b.cap, sizeof(*b.n));
	b.mask = 127;
	b.table = calloc(b.mask + 1, sizeof(*b.table));
	if (!b.n || !b.table) {
		r = bfs_fail(err, BFS_ESYS, "out of memory");
		goto out;
	}
	b.n[0].kind = BFS_DIR;	/* the root */
	b.count = 1;
	for (i = 0; i < m->nentries && !r; i++)
		r = insert(&b, &m->entries[i]);
	if (!r)
		r = layout(&b, t);
out:
	free(b.n);
	free(b.table);
	return r;
}

void bfs_tree_free(struct bfs_tree *t)
{
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}
