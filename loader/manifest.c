// SPDX-License-Identifier: GPL-2.0
/*
 * Job-bundle manifests (v1 "2023-03-03", v2 "2025-12-04-beta" and the v2
 * 2025-12 specification; snapshots and v2 diffs) to a list of validated
 * entries.  This file reads the document (its dialect, kind and top-level
 * members), v1's paths[] and holds the per-entry rules; manifest_v2.c
 * reads the entries of both v2 dialects.  Every rule of
 * Documentation/manifest-format.rst that can be checked on one entry is
 * checked here; rules between entries (duplicates, a file used as a
 * directory) are tree.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "libbundlefs.h"
#include "parser.h"

#define CHUNK_SIZE	MP_CHUNK_SIZE
#define CHUNK_SHIFT	MP_CHUNK_SHIFT
/* v1 objects are never chunked: the image's chunk must hold the largest */
#define V1_MAX_SHIFT	BUNDLEFS_MAX_CHUNK_SHIFT


const char *mp_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction or exponent";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* `files[3] "$1/x"` or `files[3]` when the name is unusable. */
static char *make_label(const char *list, size_t index, const char *name,
			size_t len)
{
	char q[512], num[24], *out;
	size_t ll = strlen(list), nl = 0, ql = 0;

	/* once per entry, so no snprintf: it was 7% of a large encode */
	do
		num[sizeof(num) - ++nl] = (char)('0' + index % 10);
	while ((index /= 10) && nl < sizeof(num));
	if (name) {
		bfs_quote(q, sizeof(q), name, len);
		ql = strlen(q) + 1;
	}
	out = malloc(ll + nl + 2 + ql + 1);
	if (!out)
		return NULL;
	memcpy(out, list, ll);
	out[ll] = '[';
	memcpy(out + ll + 1, num + sizeof(num) - nl, nl);
	out[ll + 1 + nl] = ']';
	if (name) {
		out[ll + nl + 2] = ' ';
		memcpy(out + ll + nl + 3, q, ql - 1);
	}
	out[ll + nl + 2 + ql] = '\0';
	return out;
}

int mp_nomem(struct parser *p)
{
	return bfs_fail(p->err, BFS_ESYS, "out of memory");
}

int mp_check_keys(struct parser *p, json_t *obj, const char *const *keys,
		  const char *label)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *k;
		char q[512];

		for (k = keys; *k; k++)
			if (!strcmp(key, *k))
				break;
		if (!*k) {
			bfs_quote(q, sizeof(q), key, strlen(key));
			return bfs_fail(p->err, BFS_EINVAL,
					"%s%sunknown key %s", label,
					*label ? ": " : "", q);
		}
	}
	return 0;
}

/* A required or optional string member; NUL bytes are kept (and counted). */
int mp_get_string(struct parser *p, json_t *obj, const char *key,
		  const char *label, bool required, const char **s,
		  size_t *len)
{
	json_t *v = json_object_get(obj, key);
	const char *sep = *label ? ": " : "";

	*s = NULL;
	*len = 0;
	if (!v) {
		if (required)
			return bfs_fail(p->err, BFS_EINVAL, "%s%smissing \"%s\"",
					label, sep, key);
		return 0;
	}
	if (!json_is_string(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s%s\"%s\" must be a string, got %s", label,
				sep, key, mp_type_name(v));
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

int mp_get_int(struct parser *p, json_t *obj, const char *key,
	       const char *label, bool required, bool nonneg,
	       int64_t *out, bool *present)
{
	json_t *v = json_object_get(obj, key);
	const char *sep = *label ? ": " : "";

	*present = v != NULL;
	if (!v) {
		if (required)
			return bfs_fail(p->err, BFS_EINVAL, "%s%smissing \"%s\"",
					label, sep, key);
		return 0;
	}
	if (json_is_real(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s%s%s %.17g is not an integer", label, sep,
				key, json_real_value(v));
	if (!json_is_integer(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s%s\"%s\" must be an integer, got %s", label,
				sep, key, mp_type_name(v));
	*out = json_integer_value(v);
	if (nonneg && *out < 0)
		return bfs_fail(p->err, BFS_EINVAL, "%s%s%s %lld is negative",
				label, sep, key, (long long)*out);
	return 0;
}

int mp_get_bool(struct parser *p, json_t *obj, const char *key,
		const char *label, bool *out)
{
	json_t *v = json_object_get(obj, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"%s\" must be true or false, got %s",
				label, key, mp_type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* A hex digit's value plus one, 0 for any other byte: a table, since
 * every object of a manifest has 32 of them. */
static const unsigned char hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* 32 hex digits, either case, to 16 bytes in the order written. */
int mp_parse_hash(struct parser *p, json_t *v, const char *what,
		  const char *label, struct bundlefs_digest *d)
{
	unsigned int invalid = 0;
	const char *s;
	size_t len, i;
	char q[512];

	if (!json_is_string(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: %s must be a string, got %s", label, what,
				mp_type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (len != 2 * BUNDLEFS_DIGEST_SIZE)
		goto bad;
	for (i = 0; i < len; i += 2) {
		unsigned int hi = hex1[(unsigned char)s[i]];
		unsigned int lo = hex1[(unsigned char)s[i + 1]];

		invalid |= !hi | !lo;
		d->bytes[i / 2] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	if (!invalid)
		return 0;
bad:
	bfs_quote(q, sizeof(q), s, len);
	return bfs_fail(p->err, BFS_EINVAL, "%s: %s %s is not 32 hex digits",
			label, what, q);
}

/* The rules every path in the tree obeys (after `$N/` expansion). */
int mp_check_path(struct parser *p, const char *path, size_t len,
		  const char *what, const char *label)
{
	size_t i = 0;

	if (len == 0)
		return bfs_fail(p->err, BFS_EINVAL, "%s: %s is empty", label,
				what);
	if (memchr(path, '\0', len))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: %s contains a NUL byte", label, what);
	if (path[0] == '/')
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: %s is absolute: expected a relative path",
				label, what);
	while (i <= len) {
		const char *c = path + i;
		const char *slash = memchr(c, '/', len - i);
		size_t clen = slash ? (size_t)(slash - c) : len - i;

		if (clen == 0)
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: %s has an empty component (leading, trailing or double '/')",
					label, what);
		if ((clen == 1 && c[0] == '.') ||
		    (clen == 2 && c[0] == '.' && c[1] == '.'))
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: %s has a \"%.*s\" component",
					label, what, (int)clen, c);
		if (clen > BUNDLEFS_NAME_MAX)
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: %s has a component of %zu bytes, longer than %d",
					label, what, clen, BUNDLEFS_NAME_MAX);
		i += clen + 1;
	}
	return 0;
}

/*
 * Expand a leading `$N/` (the path of dirs[N], then "/").  @limit is how
 * many dirs may be referred to: all of them for files and symlink
 * targets, only the earlier ones for a directory.
 */
int mp_expand(struct parser *p, const char *raw, size_t len,
	      size_t limit, bool is_dir, const char *label, char **out,
	      size_t *out_len)
{
	size_t i = 1, n = 0;
	char *s;

	if (p->m->version == 2 && len > 2 && raw[0] == '$' &&
	    raw[1] >= '0' && raw[1] <= '9') {
		while (i < len && raw[i] >= '0' && raw[i] <= '9') {
			if (n < ((size_t)1 << 40))
				n = n * 10 + (size_t)(raw[i] - '0');
			i++;
		}
		if (i < len && raw[i] == '/') {
			size_t dlen, rest = len - i - 1;

			if (n >= limit) {
				if (is_dir)
					return bfs_fail(p->err, BFS_EINVAL,
							"%s: $%zu/ must refer to an earlier entry of dirs (there are %zu before it)",
							label, n, limit);
				return bfs_fail(p->err, BFS_EINVAL,
						"%s: $%zu/ refers to dirs[%zu], but there are %zu dirs",
						label, n, n, limit);
			}
			dlen = p->dir_len[n];
			s = malloc(dlen + 1 + rest + 1);
			if (!s)
				return mp_nomem(p);
			memcpy(s, p->dir_path[n], dlen);
			s[dlen] = '/';
			memcpy(s + dlen + 1, raw + i + 1, rest);
			s[dlen + 1 + rest] = '\0';
			*out = s;
			*out_len = dlen + 1 + rest;
			return 0;
		}
	}
	s = malloc(len + 1);
	if (!s)
		return mp_nomem(p);
	memcpy(s, raw, len);
	s[len] = '\0';
	*out = s;
	*out_len = len;
	return 0;
}

int mp_check_target(struct parser *p, const struct bfs_entry *e,
		    const char *t, size_t len)
{
	char q[512];
	long depth = 0;
	size_t i;

	if (len == 0)
		return bfs_fail(p->err, BFS_EINVAL, "%s: symlink target is empty",
				e->label);
	if (memchr(t, '\0', len))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: symlink target contains a NUL byte",
				e->label);
	bfs_quote(q, sizeof(q), t, len);
	if (len > BUNDLEFS_SYMLINK_MAX)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: symlink target of %zu bytes is longer than %d",
				e->label, len, BUNDLEFS_SYMLINK_MAX);
	if (t[0] == '/' || t[0] == '\\' ||
	    (len >= 2 && t[1] == ':' &&
	     ((t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z'))))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: symlink target %s is absolute: expected a relative path",
				e->label, q);
	/* depth of the directory holding the link */
	for (i = 0; i < e->path_len; i++)
		depth += e->path[i] == '/';
	for (i = 0; i < len;) {
		const char *c = t + i;
		const char *slash = memchr(c, '/', len - i);
		size_t clen = slash ? (size_t)(slash - c) : len - i;

		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return bfs_fail(p->err, BFS_EINVAL,
						"%s: symlink target %s escapes the bundle root",
						e->label, q);
		} else if (clen && !(clen == 1 && c[0] == '.')) {
			depth++;
		}
		i += clen + 1;
	}
	return 0;
}

struct bfs_entry *mp_new_entry(struct parser *p)
{
	struct bfs_manifest *m = p->m;

	if (m->nentries == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct bfs_entry *e = realloc(m->entries, cap * sizeof(*e));

		if (!e)
			return NULL;
		m->entries = e;
		p->cap = cap;
	}
	memset(&m->entries[m->nentries], 0, sizeof(m->entries[0]));
	return &m->entries[m->nentries++];
}

int mp_add_size(struct parser *p, const struct bfs_entry *e)
{
	if (e->size > (uint64_t)INT64_MAX - p->sum)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: file sizes add up to more than 2^63-1",
				e->label);
	p->sum += e->size;
	return 0;
}

uint64_t mp_chunks_of(uint64_t size, unsigned shift)
{
	return (size >> shift) + !!(size & ((1ULL << shift) - 1));
}

/* The required "size" and "mtime" of a regular file (every dialect). */
int mp_size_mtime(struct parser *p, json_t *v, struct bfs_entry *e)
{
	bool present;
	int64_t n;
	int r;

	r = mp_get_int(p, v, "size", e->label, true, true, &n, &present);
	if (r)
		return r;
	e->size = (uint64_t)n;
	return mp_get_int(p, v, "mtime", e->label, true, false, &e->mtime_us,
			  &present);
}

/* A file with a single object (v1 file, v2 file with "hash"). */
int mp_one_object(struct parser *p, struct bfs_entry *e, json_t *hash)
{
	struct bundlefs_digest d;
	int r = mp_parse_hash(p, hash, "hash", e->label, &d);

	if (r)
		return r;
	if (e->size == 0)
		return 0;	/* an empty file reads no object */
	e->digests = malloc(sizeof(d));
	if (!e->digests)
		return mp_nomem(p);
	e->digests[0] = d;
	e->nchunks = 1;
	return 0;
}

/*
 * The start every list entry shares: @v must be an object with a string
 * @key (its name or path) and only @keys; a new entry of @kind is labelled
 * "LIST[I] "NAME"" for messages.
 */
int mp_begin_entry(struct parser *p, json_t *v, const char *list,
		   size_t i, const char *key, const char *const *keys,
		   int kind, struct bfs_entry **ep, const char **name,
		   size_t *len)
{
	struct bfs_entry *e;
	char plain[64];
	json_t *nv;
	int r;

	if (!json_is_object(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s[%zu]: expected an object, got %s",
				list, i, mp_type_name(v));
	e = mp_new_entry(p);
	if (!e)
		return mp_nomem(p);
	e->kind = kind;
	nv = json_object_get(v, key);
	if (json_is_string(nv)) {
		*name = json_string_value(nv);
		*len = json_string_length(nv);
	} else {	/* the message names the entry by its index */
		snprintf(plain, sizeof(plain), "%s[%zu]", list, i);
		r = mp_get_string(p, v, key, plain, true, name, len);
		if (r)
			return r;
	}
	e->label = make_label(list, i, *name, *len);
	if (!e->label)
		return mp_nomem(p);
	*ep = e;
	return mp_check_keys(p, v, keys, e->label);
}

static int parse_v1(struct parser *p, json_t *root)
{
	static const char *const keys[] = { "hash", "mtime", "path", "size",
					    NULL };
	json_t *paths = json_object_get(root, "paths"), *v;
	uint64_t largest = 0;
	size_t i;
	int r;

	if (!paths)
		return bfs_fail(p->err, BFS_EINVAL, "missing \"paths\"");
	if (!json_is_array(paths))
		return bfs_fail(p->err, BFS_EINVAL,
				"\"paths\" must be an array, got %s",
				mp_type_name(paths));
	json_array_foreach(paths, i, v) {
		struct bfs_entry *e;
		const char *name;
		size_t len;

		r = mp_begin_entry(p, v, "paths", i, "path", keys, BFS_REG, &e,
				   &name, &len);
		if (r)
			return r;
		r = mp_expand(p, name, len, 0, false, e->label, &e->path,
			      &e->path_len);
		if (r)
			return r;
		r = mp_check_path(p, e->path, e->path_len, "path", e->label);
		if (r)
			return r;
		r = mp_size_mtime(p, v, e);
		if (r)
			return r;
		if (!json_object_get(v, "hash"))
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: missing \"hash\"", e->label);
		r = mp_one_object(p, e, json_object_get(v, "hash"));
		if (r)
			return r;
		r = mp_add_size(p, e);
		if (r)
			return r;
		if (e->size > largest)
			largest = e->size;
		if (e->size > (1ULL << V1_MAX_SHIFT))
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: size %llu is larger than %llu: a v1 (unchunked) object cannot be mapped",
					e->label, (unsigned long long)e->size,
					1ULL << V1_MAX_SHIFT);
	}
	/* v1 objects are whole files: make one chunk hold the largest */
	p->m->chunk_shift = CHUNK_SHIFT;
	while ((1ULL << p->m->chunk_shift) < largest)
		p->m->chunk_shift++;
	return 0;
}

/* A diff's parentManifestHash: 32 hex digits, kept in lower case. */
static int parent_hash(struct parser *p, json_t *root)
{
	struct bundlefs_digest d;
	int r, i;

	if (!json_object_get(root, "parentManifestHash"))
		return bfs_fail(p->err, BFS_EINVAL,
				"missing \"parentManifestHash\": not a diff manifest");
	r = mp_parse_hash(p, json_object_get(root, "parentManifestHash"),
			  "parentManifestHash", "diff manifest", &d);
	if (r)
		return r;
	for (i = 0; i < BUNDLEFS_DIGEST_SIZE; i++)
		sprintf(p->m->parent_hash + 2 * i, "%02x", d.bytes[i]);
	return 0;
}

/* The dialect named by manifestVersion or specificationVersion. */
static int detect(struct parser *p, json_t *root)
{
	const char *mver, *sver;
	size_t mlen, slen;
	char why[BFS_ERR_MAX];
	int r;

	r = mp_get_string(p, root, "manifestVersion", "", false, &mver, &mlen);
	if (!r)
		r = mp_get_string(p, root, "specificationVersion", "", false,
				  &sver, &slen);
	if (r)
		return r;
	p->d = bfs_dialect_detect(mver, mlen, sver, slen, why, sizeof(why));
	if (!p->d)
		return bfs_fail(p->err, BFS_EINVAL, "%s", why);
	p->m->dialect = p->d;
	p->m->version = p->d->id == BFS_D_V1 ? 1 : 2;
	p->m->version_str = p->d->version;
	return 0;
}

/*
 * Snapshot or diff: the specification says so in its version, the others
 * by carrying parentManifestHash.  A diff is no tree of its own and a
 * snapshot no diff: each is refused where the other is expected.
 */
static int check_kind(struct parser *p, json_t *root)
{
	bool has_parent = json_object_get(root, "parentManifestHash");
	const struct bfs_dialect *d = p->d;
	bool is_diff = d->id == BFS_D_SPEC ? d->diff : has_parent;
	char what[128];

	if (d->id == BFS_D_SPEC)
		snprintf(what, sizeof(what), "%s \"%s\"", d->field, d->version);
	else
		snprintf(what, sizeof(what), "parentManifestHash");
	if (d->id == BFS_D_SPEC && d->diff && !has_parent)
		return bfs_fail(p->err, BFS_EINVAL,
				"missing \"parentManifestHash\": %s is a diff",
				what);
	if (d->id == BFS_D_SPEC && !d->diff && has_parent)
		return bfs_fail(p->err, BFS_EINVAL,
				"parentManifestHash in a snapshot (%s)", what);
	if (!p->diff && is_diff)
		return bfs_fail(p->err, BFS_EINVAL,
				"diff manifest (%s): not mountable on its own; give it with --diff after the manifest it applies to",
				what);
	if (p->diff && d->id == BFS_D_V1)
		return bfs_fail(p->err, BFS_EINVAL,
				"a v1 (\"%s\") manifest cannot be a diff: expected \"%s\" with parentManifestHash",
				BFS_V1_VERSION, BFS_V2_VERSION);
	if (p->diff && !is_diff)
		return bfs_fail(p->err, BFS_EINVAL, d->id == BFS_D_SPEC ?
				"%s is a snapshot: not a diff manifest" :
				"missing \"%s\": not a diff manifest", what);
	if (d->absolute && !p->opts->root)
		return bfs_fail(p->err, BFS_EINVAL,
				"absolute manifest (%s): its paths mount under the directory given with --root PREFIX",
				what);
	return 0;
}

static int check_top_keys(struct parser *p, json_t *root)
{
	static const char *const v1_keys[] = { "hashAlg", "manifestVersion",
					       "paths", "totalSize", NULL };
	const char *keys[] = { "dirs", "files", "hashAlg", p->d->field,
			       "totalSize", NULL, NULL };

	if (p->d->id == BFS_D_V1)
		return mp_check_keys(p, root, v1_keys, "");
	if (p->diff)
		keys[5] = "parentManifestHash";
	return mp_check_keys(p, root, keys, "");
}

static int parse(const char *buf, size_t len, struct bfs_manifest *m,
		 bool diff, const struct bfs_parse_opts *opts,
		 struct bfs_error *err)
{
	static const struct bfs_parse_opts none;
	struct parser p = { .m = m, .err = err, .diff = diff,
			    .opts = opts ? opts : &none };
	const char *alg;
	size_t alen, i;
	struct bfs_json_arena *arena;
	json_error_t jerr;
	json_t *root;
	int64_t total;
	bool present;
	char q[512];
	int r;

	memset(m, 0, sizeof(*m));
	/* NULL (no memory for it): jansson's values are malloc'ed as usual */
	arena = bfs_json_arena_begin();
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			  &jerr);
	if (!root) {
		bfs_json_arena_end(arena);
		return bfs_fail(err, BFS_EINVAL,
				"line %d, column %d: invalid JSON: %s",
				jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		r = bfs_fail(err, BFS_EINVAL,
			     "expected a JSON object at the top, got %s",
			     mp_type_name(root));
		goto out;
	}
	r = detect(&p, root);
	if (!r)
		r = check_kind(&p, root);
	if (!r)
		r = check_top_keys(&p, root);
	if (!r && diff)
		r = parent_hash(&p, root);
	if (r)
		goto out;
	r = mp_get_string(&p, root, "hashAlg", "", true, &alg, &alen);
	if (r)
		goto out;
	if (alen != 6 || strcmp(alg, "xxh128")) {
		bfs_quote(q, sizeof(q), alg, alen);
		r = bfs_fail(err, BFS_EINVAL,
			     "hashAlg %s: expected \"xxh128\"", q);
		goto out;
	}
	r = mp_get_int(&p, root, "totalSize", "", true, true, &total, &present);
	if (r)
		goto out;
	if (m->version == 1) {
		r = parse_v1(&p, root);
	} else if (!json_object_get(root, "files")) {
		r = bfs_fail(err, BFS_EINVAL, "missing \"files\"");
	} else {
		r = mp_parse_v2(&p, json_object_get(root, "dirs"),
				json_object_get(root, "files"));
	}
	if (r)
		goto out;
	if ((uint64_t)total != p.sum) {
		r = bfs_fail(err, BFS_EINVAL,
			     "totalSize %lld does not match the sum of the file sizes, %llu",
			     (long long)total, (unsigned long long)p.sum);
		goto out;
	}
	m->total_size = p.sum;
out:
	for (i = 0; p.dir_path && p.dir_path[i]; i++)	/* filled in order */
		free(p.dir_path[i]);
	free(p.dir_path);
	free(p.dir_len);
	if (arena)
		bfs_json_arena_end(arena);	/* every value of root with it */
	else
		json_decref(root);
	if (r)
		bfs_manifest_free(m);
	return r;
}

int bfs_manifest_parse(const char *buf, size_t len, struct bfs_manifest *m,
		       struct bfs_error *err)
{
	return parse(buf, len, m, false, NULL, err);
}

int bfs_diff_manifest_parse(const char *buf, size_t len,
			    struct bfs_manifest *m, struct bfs_error *err)
{
	return parse(buf, len, m, true, NULL, err);
}

int bfs_manifest_parse_opts(const char *buf, size_t len, bool diff,
			    const struct bfs_parse_opts *opts,
			    struct bfs_manifest *m, struct bfs_error *err)
{
	return parse(buf, len, m, diff, opts, err);
}

int bfs_manifest_load(const char *path, struct bfs_manifest *m,
		      struct bfs_error *err)
{
	char *buf;
	size_t len;
	int r = bfs_read_file(path, &buf, &len, err);

	if (r) {
		memset(m, 0, sizeof(*m));
		return r;
	}
	r = bfs_manifest_parse(buf, len, m, err);
	free(buf);
	return r;
}

void bfs_manifest_free(struct bfs_manifest *m)
{
	size_t i;

	for (i = 0; i < m->nentries; i++) {
		free(m->entries[i].path);
		free(m->entries[i].label);
		free(m->entries[i].digests);
		free(m->entries[i].target);
	}
	free(m->entries);
	memset(m, 0, sizeof(*m));
}
