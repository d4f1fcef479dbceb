// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs apply: a base manifest plus a diff manifest (what `bundlefs
 * diff` writes) to the snapshot manifest of the changed tree.
 *
 * The base's entries are kept sorted by path, so a path and everything
 * below it ("P" and "P/...") is one range found by binary search.  The
 * diff's deletions are applied first (each must name a path of the
 * base), then its additions in path order (parents before children): an
 * addition replaces what was at its path, and a directory replaced by
 * anything else takes its subtree with it.  Directories the base only
 * implies are made explicit first, so that one emptied by the diff stays,
 * as it did in the mount.  The result is checked the way a mount checks
 * a manifest (the tree rules, then the image encoding) before it is
 * written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"
#include "../kmod/xxh3.h"

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

/*
 * The directories @base implies but does not list, as entries whose paths
 * point into the base's own (*@dirs, to free; NULL when there are none).
 */
static int cmp_struct(const void *a, const void *b)
{
	const struct bfs_entry *x = a, *y = b;

	return cmp_path(x->path, x->path_len, y->path, y->path_len);
}

static int implied_dirs(const struct bfs_manifest *base, struct bfs_entry **dirs,
			size_t *ndirs)
{
	struct merge mg = { .n = base->nentries };
	struct bfs_entry *d;
	size_t i, j, n = 0, k = 0;

	*dirs = NULL;
	*ndirs = 0;
	for (i = 0; i < base->nentries; i++)
		for (j = 0; j < base->entries[i].path_len; j++)
			n += base->entries[i].path[j] == '/';
	if (!n)
		return 0;
	d = calloc(n, sizeof(*d));
	mg.cur = malloc(mg.n * sizeof(*mg.cur));
	mg.gone = calloc(mg.n, sizeof(*mg.gone));
	if (!d || !mg.cur || !mg.gone) {
		free(d);
		free(mg.cur);
		free(mg.gone);
		return -1;
	}
	for (i = 0; i < base->nentries; i++) {
		const struct bfs_entry *e = &base->entries[i];

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
	/* keep each path once, and only where the base has no entry */
	for (i = 0, n = 0; i < k; i++) {
		if ((n && !cmp_struct(&d[i], &d[n - 1])) ||
		    find(&mg, d[i].path, d[i].path_len) >= 0)
			continue;
		d[n++] = d[i];
	}
	free(mg.cur);
	free(mg.gone);
	*dirs = d;
	*ndirs = n;
	return 0;
}

/*
 * Apply @diff to the entries of @base plus @extra (its implied
 * directories); @out gets the surviving and new entries (pointers into
 * all three).
 */
static int merge(const struct bfs_manifest *base, const struct bfs_entry *extra,
		 size_t nextra, const struct bfs_manifest *diff,
		 const struct bfs_entry ***out, size_t *nout,
		 struct bfs_error *err)
{
	struct merge mg = { .n = base->nentries + nextra };
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
	for (i = 0; i < base->nentries; i++)
		mg.cur[i] = &base->entries[i];
	for (i = 0; i < nextra; i++)
		mg.cur[base->nentries + i] = &extra[i];
	qsort(mg.cur, mg.n, sizeof(*mg.cur), cmp_entry);

	/* a delete names a path of the base, not one of its own making */
	for (i = 0; i < diff->nentries; i++) {
		const struct bfs_entry *d = &diff->entries[i];

		if (d->deleted && find(&mg, d->path, d->path_len) < 0) {
			free(mg.cur);
			free(mg.gone);
			free(adds);
			return bfs_fail(err, BFS_EINVAL,
					"%s: deletes a path the base does not have",
					d->label);
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
static int check_result(const char *text, struct bfs_error *err)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	void *image;
	size_t size;
	int r;

	r = bfs_manifest_parse(text, strlen(text), &m, err);
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

static void hex(const uint8_t *d, char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int bfs_apply(const char *base_path, const char *diff_path, const char *out,
	      struct bfs_error *err)
{
	struct bfs_manifest base, diff;
	const struct bfs_entry **res = NULL;
	struct bfs_entry *extra = NULL;
	struct bfs_tree tree;
	char *buf, *text = NULL, have[33];
	uint8_t digest[16];
	size_t len, n = 0, nextra = 0;
	int r;

	r = bfs_read_file(base_path, &buf, &len, err);
	if (r)
		return r;
	bundlefs_xxh3_128(buf, len, digest);
	hex(digest, have);
	r = bfs_manifest_parse(buf, len, &base, err);
	free(buf);
	if (r) {
		char msg[BFS_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return bfs_fail(err, r, "%s: %s", base_path, msg);
	}
	r = bfs_read_file(diff_path, &buf, &len, err);
	if (!r) {
		r = bfs_diff_manifest_parse(buf, len, &diff, err);
		free(buf);
		if (r) {
			char msg[BFS_ERR_MAX];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			r = bfs_fail(err, r, "%s: %s", diff_path, msg);
		}
	}
	if (r) {
		bfs_manifest_free(&base);
		return r;
	}
	r = bfs_tree_build(&base, &tree, err);
	if (r) {
		char msg[BFS_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		r = bfs_fail(err, r, "%s: %s", base_path, msg);
		goto out;
	}
	bfs_tree_free(&tree);
	if (strcmp(diff.parent_hash, have)) {
		r = bfs_fail(err, BFS_EINVAL,
			     "%s: parentManifestHash %s is not the xxh128 of %s (%s): the diff was made against another manifest",
			     diff_path, diff.parent_hash, base_path, have);
		goto out;
	}
	if (implied_dirs(&base, &extra, &nextra)) {
		r = bfs_fail(err, BFS_ESYS, "out of memory");
		goto out;
	}
	r = merge(&base, extra, nextra, &diff, &res, &n, err);
	if (!r)
		r = bfs_manifest_dump(res, n, NULL, &text, err);
	if (!r)
		r = check_result(text, err);
	if (!r && out) {
		r = bfs_write_atomic(out, text, strlen(text), err);
	} else if (!r) {
		r = puts(text) < 0 || fflush(stdout) ?
		    bfs_fail(err, BFS_ESYS, "writing: %s", strerror(errno)) : 0;
	}
out:
	free(text);
	free(res);
	free(extra);
	bfs_manifest_free(&diff);
	bfs_manifest_free(&base);
	return r;
}
