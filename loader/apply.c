// SPDX-License-Identifier: GPL-2.0
/*
 * The merge of one diff into a tree (bfs_merge(), once per layer of
 * stack.c), and bundlefs apply: a base manifest plus diff manifests (what
 * `bundlefs diff` writes) to the snapshot manifest of the changed tree.
 *
 * The base's entries are kept sorted by path, so a path and everything
 * below it ("P" and "P/...") is one range found by binary search.  The
 * diff's deletions are applied first (each must name a path of the
 * base), then its additions in path order (parents before children): an
 * addition replaces what was at its path, and a directory replaced by
 * anything else takes its subtree with it.  Directories the base only
 * implies are made explicit first (stack.c, before each diff), so that one
 * emptied by the diff stays, as it did in the mount.  The result is checked the way a mount checks
 * a manifest (the tree rules, then the image encoding) before it is
 * written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"

struct merge {
	const struct bfs_entry **cur;	/* the base's entries, sorted */
	bool *gone;
	size_t n;
};

static int cmp_path(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct bfs_entry *x = *(const struct bfs_entry *const *)a;
	const struct bfs_entry *y = *(const struct bfs_entry *const *)b;

	return cmp_path(x->path, x->path_len, y->path, y->path_len);
}

/* Index of the first entry whose path is not below @key in byte order. */
static size_t lower_bound(const struct merge *mg, const char *key, size_t len)
{
	size_t lo = 0, hi = mg->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bfs_entry *e = mg->cur[mid];

		if (cmp_path(e->path, e->path_len, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The live base entry at exactly @path, or -1. */
static long find(const struct merge *mg, const char *path, size_t len)
{
	size_t i = lower_bound(mg, path, len);

	if (i < mg->n && !mg->gone[i] && mg->cur[i]->path_len == len &&
	    !memcmp(mg->cur[i]->path, path, len))
		return (long)i;
	return -1;
}

/* Drop every base entry below @path ("path/..."): one contiguous range. */
static void drop_below(struct merge *mg, const char *path, size_t len)
{
	char *prefix = malloc(len + 1);
	size_t i;

	if (!prefix)
		abort();
	memcpy(prefix, path, len);
	prefix[len] = '/';
	for (i = lower_bound(mg, prefix, len + 1); i < mg->n; i++) {
		const struct bfs_entry *e = mg->cur[i];

		if (e->path_len <= len || memcmp(e->path, prefix, len + 1))
			break;
		mg->gone[i] = true;
	}
	free(prefix);
}

static int cmp_struct(const void *a, const void *b)
{
	const struct bfs_entry *x = a, *y = b;

	return cmp_path(x->path, x->path_len, y->path, y->path_len);
}

/*
 * The directories @cur implies but does not list, as entries whose paths
 * point into those of @cur (*@dirs, to free; NULL when there are none).
 */
int bfs_implied_dirs(const struct bfs_entry *const *cur, size_t n,
		     struct bfs_entry **dirs, size_t *ndirs)
{
	struct merge mg = { .n = n };
	struct bfs_entry *d;
	size_t i, j, k = 0, nd = 0;

	*dirs = NULL;
	*ndirs = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < cur[i]->path_len; j++)
			nd += cur[i]->path[j] == '/';
	if (!nd)
		return 0;
	d = calloc(nd, sizeof(*d));
	mg.cur = malloc(mg.n * sizeof(*mg.cur));
	mg.gone = calloc(mg.n, sizeof(*mg.gone));
	if (!d || !mg.cur || !mg.gone) {
		free(d);
		free(mg.cur);
		free(mg.gone);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct bfs_entry *e = cur[i];

		mg.cur[i] = e;
		for (j = 0; j < e->path_len; j++) {
			if (e->path[j] != '/')
				continue;
			d[k].kind = BFS_DIR;
			d[k].path = e->path;
			d[k].path_len = j;
			k++;
		}
	}
	qsort(mg.cur, mg.n, sizeof(*mg.cur), cmp_entry);
	qsort(d, k, sizeof(*d), cmp_struct);
	/* keep each path once, and only where @cur has no entry */
	for (i = 0, nd = 0; i < k; i++) {
		if ((nd && !cmp_struct(&d[i], &d[nd - 1])) ||
		    find(&mg, d[i].path, d[i].path_len) >= 0)
			continue;
		d[nd++] = d[i];
	}
	free(mg.cur);
	free(mg.gone);
	*dirs = d;
	*ndirs = nd;
	return 0;
}

/*
 * Apply @diff to the entries @cur (the base, or the layers merged so far,
 * with their implied directories listed); @out gets the surviving and new
 * entries (pointers into both).
 */
int bfs_merge(const struct bfs_entry *const *cur, size_t n,
	      const struct bfs_manifest *diff, bool first,
	      const struct bfs_entry ***out, size_t *nout,
	      struct bfs_error *err)
{
	struct merge mg = { .n = n };
	const struct bfs_entry **adds, **res;
	size_t i, nadds = 0, nres = 0;
	long at;

	mg.cur = malloc((mg.n + 1) * sizeof(*mg.cur));
	mg.gone = calloc(mg.n + 1, sizeof(*mg.gone));
	adds = malloc((diff->nentries + 1) * sizeof(*adds));
	if (!mg.cur || !mg.gone || !adds) {
		free(mg.cur);
		free(mg.gone);
		free(adds);
		return bfs_fail(err, BFS_ESYS, "out of memory");
	}
	memcpy(mg.cur, cur, n * sizeof(*mg.cur));
	qsort(mg.cur, mg.n, sizeof(*mg.cur), cmp_entry);

	/* a delete names a path below it, not one of its own making */
	for (i = 0; i < diff->nentries; i++) {
		const struct bfs_entry *d = &diff->entries[i];

		if (d->deleted && find(&mg, d->path, d->path_len) < 0) {
			free(mg.cur);
			free(mg.gone);
			free(adds);
			return bfs_fail(err, BFS_EINVAL,
					"%s: deletes a path %s", d->label,
					first ? "the base does not have" :
					"the layers below do not have");
		}
	}
	for (i = 0; i < diff->nentries; i++) {
		const struct bfs_entry *d = &diff->entries[i];

		if (!d->deleted) {
			adds[nadds++] = d;
			continue;
		}
		at = find(&mg, d->path, d->path_len);
		if (at >= 0)
			mg.gone[at] = true;
		drop_below(&mg, d->path, d->path_len);
	}
	qsort(adds, nadds, sizeof(*adds), cmp_entry);
	for (i = 0; i < nadds; i++) {
		const struct bfs_entry *d = adds[i];

		at = find(&mg, d->path, d->path_len);
		if (at < 0)
			continue;
		if (mg.cur[at]->kind == BFS_DIR && d->kind == BFS_DIR) {
			adds[i] = NULL;		/* a directory is only its path */
			continue;
		}
		mg.gone[at] = true;
		if (mg.cur[at]->kind == BFS_DIR)
			drop_below(&mg, d->path, d->path_len);
	}

	res = malloc((mg.n + nadds + 1) * sizeof(*res));
	if (!res) {
		free(mg.cur);
		free(mg.gone);
		free(adds);
		return bfs_fail(err, BFS_ESYS, "out of memory");
	}
	for (i = 0; i < mg.n; i++)
		if (!mg.gone[i])
			res[nres++] = mg.cur[i];
	for (i = 0; i < nadds; i++)
		if (adds[i])
			res[nres++] = adds[i];
	free(mg.cur);
	free(mg.gone);
	free(adds);
	*out = res;
	*nout = nres;
	return 0;
}

/* What a mount would say of @text: the manifest, its tree, its image. */
static int check_result(const char *text, const struct bfs_stack_opts *o,
			struct bfs_error *err)
{
	struct bfs_parse_opts po = { .allow_unhashed = o->parse.allow_unhashed };
	struct bfs_manifest m;
	struct bfs_tree t;
	void *image;
	size_t size;
	int r;

	r = bfs_manifest_parse_opts(text, strlen(text), false, &po, &m, err);
	if (r)
		return r;
	r = bfs_manifest_encode(&m, &t, &image, &size, err);
	if (r)
		return r;
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return 0;
}

/*
 * The merged tree checked as a mount checks it, before any text is made,
 * so that an error names the base or the diff entry that caused it.
 */
static int check_tree(const struct bfs_stack *s, struct bfs_error *err)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	void *image;
	size_t size;
	int r;

	r = bfs_stack_flatten(s, &m, err);
	if (!r)
		r = bfs_manifest_encode(&m, &t, &image, &size, err);
	if (r) {
		char msg[BFS_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return bfs_fail(err, r, "%s: %s", s->base, msg);
	}
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return 0;
}

int bfs_apply(const char *base, const char *const *diffs, size_t ndiffs,
	      const struct bfs_stack_opts *o, const struct bfs_dialect *format,
	      const char *out, struct bfs_error *err)
{
	bool explicit = format;
	struct bfs_stack s;
	char *text = NULL;
	int r;

	r = bfs_stack_load(base, diffs, ndiffs, o, &s, err);
	if (r)
		return r;
	r = check_tree(&s, err);
	if (r) {
		bfs_stack_free(&s);
		return r;
	}
	if (!format)	/* the base's dialect, in its relative snapshot form */
		format = bfs_dialect_by_format(
			bfs_dialect_format(s.layers[0].dialect));
	r = bfs_manifest_dump_as(format, s.cur, s.n, &text, err);
	/*
	 * A v1 base whose tree now needs more than v1 holds (what a writable
	 * mount of it makes: an emptied directory, a symlink) is written in
	 * the dialect of its last diff, unless v1 was asked for.
	 */
	if (r == BFS_EINVAL && !explicit && format->id == BFS_D_V1 && ndiffs)
		r = bfs_manifest_dump_as(bfs_dialect_by_format(
			bfs_dialect_format(s.layers[ndiffs].dialect)),
			s.cur, s.n, &text, err);
	if (!r)
		r = check_result(text, o, err);
	if (!r && out) {
		r = bfs_write_atomic(out, text, strlen(text), err);
	} else if (!r) {
		r = puts(text) < 0 || fflush(stdout) ?
		    bfs_fail(err, BFS_ESYS, "writing: %s", strerror(errno)) : 0;
	}
	free(text);
	bfs_stack_free(&s);
	return r;
}
