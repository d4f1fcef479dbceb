// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the v1 and 2025-12 writers (emit_v1.c, emit_spec.c).  Their
 * order is the reference encoder's: paths compared as UTF-16 code units,
 * which differs from byte (code point) order only where a character above
 * U+FFFF (a surrogate pair) meets one in U+E000..U+FFFF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "../kmod/xxh3.h"

/* The code point at *@i of valid UTF-8 (jansson checked it), advancing. */
static unsigned long next_cp(const unsigned char *s, size_t len, size_t *i)
{
	unsigned long c = s[(*i)++];
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

	if (more)
		c &= 0x3f >> more;
	while (more-- && *i < len)
		c = c << 6 | (s[(*i)++] & 0x3f);
	return c;
}

/* A key ordered as the first UTF-16 code unit, then the code point. */
static unsigned long utf16_key(unsigned long cp)
{
	return cp >= 0xe000 && cp <= 0xffff ? cp + 0x200000 : cp;
}

int emit_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *x = (const void *)a, *y = (const void *)b;
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		unsigned long p = utf16_key(next_cp(x, alen, &i));
		unsigned long q = utf16_key(next_cp(y, blen, &j));

		if (p != q)
			return p < q ? -1 : 1;
	}
	return (i < alen) - (j < blen);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct bfs_entry *x = *(const struct bfs_entry *const *)a;
	const struct bfs_entry *y = *(const struct bfs_entry *const *)b;

	return emit_cmp(x->path, x->path_len, y->path, y->path_len);
}

int emit_sort(const struct bfs_entry *const *entries, size_t n,
	      const struct bfs_entry ***sorted)
{
	*sorted = malloc((n ? n : 1) * sizeof(**sorted));
	if (!*sorted)
		return -1;
	memcpy(*sorted, entries, n * sizeof(**sorted));
	qsort(*sorted, n, sizeof(**sorted), cmp_entry);
	return 0;
}

json_t *emit_hex(const struct bundlefs_digest *d)
{
	char h[2 * BUNDLEFS_DIGEST_SIZE + 1];
	int i;

	for (i = 0; i < BUNDLEFS_DIGEST_SIZE; i++)
		snprintf(h + 2 * i, 3, "%02x", d->bytes[i]);
	return json_string(h);
}

int emit_content(json_t *o, const struct bfs_entry *e, struct bfs_error *err)
{
	struct bundlefs_digest empty;
	json_t *a;
	uint32_t k;

	if (e->nchunks == 0) {	/* an empty file names the empty object */
		bundlefs_xxh3_128("", 0, empty.bytes);
		return json_object_set_new(o, "hash", emit_hex(&empty));
	}
	if (e->nchunks == 1) {
		if (e->size > BUNDLEFS_CHUNK_SIZE && err)
			return bfs_fail(err, BFS_EINVAL,
					"%s: a v1 object of %llu bytes, above the 256 MiB chunk size, cannot be written as a v2 entry",
					e->label ? e->label : e->path,
					(unsigned long long)e->size);
		return json_object_set_new(o, "hash", emit_hex(&e->digests[0]));
	}
	a = json_array();
	for (k = 0; k < e->nchunks; k++)
		json_array_append_new(a, emit_hex(&e->digests[k]));
	return json_object_set_new(o, "chunkhashes", a);
}

void emit_file_meta(json_t *o, const struct bfs_entry *e)
{
	json_object_set_new(o, "mtime", json_integer(e->mtime_us));
	if (e->exec)
		json_object_set_new(o, "runnable", json_true());
	json_object_set_new(o, "size", json_integer((json_int_t)e->size));
}

static int cmp_dir(const void *a, const void *b)
{
	const struct { const char *path; size_t len; bool listed; } *x = a, *y = b;
	int c = emit_cmp(x->path, x->len, y->path, y->len);

	/* a listed one first, so that it is the one kept */
	return c ? c : (int)y->listed - (int)x->listed;
}

int emit_dirs_of(const struct bfs_entry *const *entries, size_t n,
		 struct emit_dirs *ds)
{
	size_t i, j, k = 0, cap = 0;

	memset(ds, 0, sizeof(*ds));
	for (i = 0; i < n; i++) {
		cap += entries[i]->kind == BFS_DIR;
		for (j = 0; j < entries[i]->path_len; j++)
			cap += entries[i]->path[j] == '/';
	}
	ds->d = calloc(cap ? cap : 1, sizeof(*ds->d));
	if (!ds->d)
		return -1;
	for (i = 0; i < n; i++) {
		const struct bfs_entry *e = entries[i];

		for (j = 0; j < e->path_len; j++)
			if (e->path[j] == '/') {
				ds->d[k].path = e->path;
				ds->d[k++].len = j;
			}
		if (e->kind == BFS_DIR) {
			ds->d[k].path = e->path;
			ds->d[k].len = e->path_len;
			ds->d[k++].listed = true;
		}
	}
	qsort(ds->d, k, sizeof(*ds->d), cmp_dir);
	for (i = 0; i < k; i++)
		if (!ds->n || emit_cmp(ds->d[ds->n - 1].path, ds->d[ds->n - 1].len,
				       ds->d[i].path, ds->d[i].len))
			ds->d[ds->n++] = ds->d[i];
	return 0;
}

long emit_dir_index(const struct emit_dirs *ds, const char *path, size_t len)
{
	size_t lo = 0, hi = ds->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = emit_cmp(ds->d[mid].path, ds->d[mid].len, path, len);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void emit_dirs_free(struct emit_dirs *ds)
{
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

int emit_text(json_t *root, char **text, struct bfs_error *err)
{
	*text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return *text ? 0 : bfs_fail(err, BFS_ESYS, "out of memory");
}

bool emit_looks_compressed(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 3 || s[0] != '$')
		return false;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 1 && i < len && s[i] == '/';
}

int emit_ambiguous(const struct bfs_entry *e, const char *what,
		   const char *s, size_t len, struct bfs_error *err)
{
	char q[512];

	bfs_quote(q, sizeof(q), s, len);
	return bfs_fail(err, BFS_EINVAL,
			"%s: %s %s would be read as `$N/` (a directory index): it cannot be written in this dialect",
			e->label ? e->label : e->path, what, q);
}
