// SPDX-License-Identifier: GPL-2.0
/*
 * Job-bundle manifests (v1 "2023-03-03" and v2 "2025-12-04-beta", snapshots
 * and v2 diffs) to a list of validated entries.  Every rule of
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

#define CHUNK_SIZE	BUNDLEFS_CHUNK_SIZE
#define CHUNK_SHIFT	28
/* v1 objects are never chunked: the image's chunk must hold the largest */
#define V1_MAX_SHIFT	BUNDLEFS_MAX_CHUNK_SHIFT

struct parser {
	struct bfs_manifest *m;
	struct bfs_error *err;
	size_t cap;
	/* v2: expanded paths of dirs[], for `$N/` */
	char **dir_path;
	size_t *dir_len;
	size_t ndirs;
	uint64_t sum;
	bool diff;		/* a diff manifest: "delete" entries allowed */
};

static const char *type_name(const json_t *v)
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
	char q[512], buf[600];

	if (name) {
		bfs_quote(q, sizeof(q), name, len);
		snprintf(buf, sizeof(buf), "%s[%zu] %s", list, index, q);
	} else {
		snprintf(buf, sizeof(buf), "%s[%zu]", list, index);
	}
	return strdup(buf);
}

static int nomem(struct parser *p)
{
	return bfs_fail(p->err, BFS_ESYS, "out of memory");
}

static int check_keys(struct parser *p, json_t *obj, const char *const *keys,
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
static int get_string(struct parser *p, json_t *obj, const char *key,
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
				sep, key, type_name(v));
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

static int get_int(struct parser *p, json_t *obj, const char *key,
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
				sep, key, type_name(v));
	*out = json_integer_value(v);
	if (nonneg && *out < 0)
		return bfs_fail(p->err, BFS_EINVAL, "%s%s%s %lld is negative",
				label, sep, key, (long long)*out);
	return 0;
}

static int get_bool(struct parser *p, json_t *obj, const char *key,
		    const char *label, bool *out)
{
	json_t *v = json_object_get(obj, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"%s\" must be true or false, got %s",
				label, key, type_name(v));
	*out = json_is_true(v);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits, either case, to 16 bytes in the order written. */
static int parse_hash(struct parser *p, json_t *v, const char *what,
		      const char *label, struct bundlefs_digest *d)
{
	const char *s;
	size_t len, i;
	char q[512];

	if (!json_is_string(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: %s must be a string, got %s", label, what,
				type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	bfs_quote(q, sizeof(q), s, len);
	if (len != 2 * BUNDLEFS_DIGEST_SIZE)
		goto bad;
	for (i = 0; i < len; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		d->bytes[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
bad:
	return bfs_fail(p->err, BFS_EINVAL, "%s: %s %s is not 32 hex digits",
			label, what, q);
}

/* The rules every path in the tree obeys (after `$N/` expansion). */
static int check_path(struct parser *p, const char *path, size_t len,
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
static int expand(struct parser *p, const char *raw, size_t len,
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
				return nomem(p);
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
		return nomem(p);
	memcpy(s, raw, len);
	s[len] = '\0';
	*out = s;
	*out_len = len;
	return 0;
}

static int check_target(struct parser *p, const struct bfs_entry *e,
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

static struct bfs_entry *new_entry(struct parser *p)
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

static int add_size(struct parser *p, const struct bfs_entry *e)
{
	if (e->size > (uint64_t)INT64_MAX - p->sum)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: file sizes add up to more than 2^63-1",
				e->label);
	p->sum += e->size;
	return 0;
}

static uint64_t chunks_of(uint64_t size, unsigned shift)
{
	return (size >> shift) + !!(size & ((1ULL << shift) - 1));
}

/* A file with a single object (v1 file, v2 file with "hash"). */
static int one_object(struct parser *p, struct bfs_entry *e, json_t *hash)
{
	struct bundlefs_digest d;
	int r = parse_hash(p, hash, "hash", e->label, &d);

	if (r)
		return r;
	if (e->size == 0)
		return 0;	/* an empty file reads no object */
	e->digests = malloc(sizeof(d));
	if (!e->digests)
		return nomem(p);
	e->digests[0] = d;
	e->nchunks = 1;
	return 0;
}

/*
 * The start every list entry shares: @v must be an object with a string
 * @key (its name or path) and only @keys; a new entry of @kind is labelled
 * "LIST[I] "NAME"" for messages.
 */
static int begin_entry(struct parser *p, json_t *v, const char *list,
		       size_t i, const char *key, const char *const *keys,
		       int kind, struct bfs_entry **ep, const char **name,
		       size_t *len)
{
	struct bfs_entry *e;
	char plain[64];
	int r;

	if (!json_is_object(v))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s[%zu]: expected an object, got %s",
				list, i, type_name(v));
	e = new_entry(p);
	if (!e)
		return nomem(p);
	e->kind = kind;
	snprintf(plain, sizeof(plain), "%s[%zu]", list, i);
	r = get_string(p, v, key, plain, true, name, len);
	if (r)
		return r;
	e->label = make_label(list, i, *name, *len);
	if (!e->label)
		return nomem(p);
	*ep = e;
	return check_keys(p, v, keys, e->label);
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
				type_name(paths));
	json_array_foreach(paths, i, v) {
		struct bfs_entry *e;
		const char *name;
		size_t len;
		int64_t n;
		bool present;

		r = begin_entry(p, v, "paths", i, "path", keys, BFS_REG, &e,
				&name, &len);
		if (r)
			return r;
		r = expand(p, name, len, 0, false, e->label, &e->path,
			   &e->path_len);
		if (r)
			return r;
		r = check_path(p, e->path, e->path_len, "path", e->label);
		if (r)
			return r;
		r = get_int(p, v, "size", e->label, true, true, &n, &present);
		if (r)
			return r;
		e->size = (uint64_t)n;
		r = get_int(p, v, "mtime", e->label, true, false, &e->mtime_us,
			    &present);
		if (r)
			return r;
		if (!json_object_get(v, "hash"))
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: missing \"hash\"", e->label);
		r = one_object(p, e, json_object_get(v, "hash"));
		if (r)
			return r;
		r = add_size(p, e);
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

/* A "delete" entry: only in a diff, and then it carries only its name. */
static int check_delete(struct parser *p, json_t *v, struct bfs_entry *e)
{
	static const char *const keys[] = { "name", "delete", NULL };
	bool del;
	int r = get_bool(p, v, "delete", e->label, &del);

	if (r || !del)
		return r;
	if (!p->diff)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"delete\" entry in a snapshot manifest (no parentManifestHash): invalid",
				e->label);
	e->deleted = true;
	return check_keys(p, v, keys, e->label);
}

static int parse_v2_dirs(struct parser *p, json_t *dirs)
{
	static const char *const keys[] = { "name", "delete", NULL };
	json_t *v;
	size_t i;
	int r;

	if (!json_is_array(dirs))
		return bfs_fail(p->err, BFS_EINVAL,
				"\"dirs\" must be an array, got %s",
				type_name(dirs));
	p->dir_path = calloc(json_array_size(dirs) + 1, sizeof(char *));
	p->dir_len = calloc(json_array_size(dirs) + 1, sizeof(size_t));
	if (!p->dir_path || !p->dir_len)
		return nomem(p);
	json_array_foreach(dirs, i, v) {
		struct bfs_entry *e;
		const char *name;
		size_t len;

		r = begin_entry(p, v, "dirs", i, "name", keys, BFS_DIR, &e,
				&name, &len);
		if (!r)
			r = check_delete(p, v, e);
		if (!r && memchr(name, '\0', len))
			r = bfs_fail(p->err, BFS_EINVAL,
				     "%s: name contains a NUL byte", e->label);
		if (!r)
			r = expand(p, name, len, i, true, e->label, &e->path,
				   &e->path_len);
		if (!r)
			r = check_path(p, e->path, e->path_len, "name",
				       e->label);
		if (r)
			return r;
		p->dir_path[i] = e->path;
		p->dir_len[i] = e->path_len;
		p->ndirs = i + 1;
	}
	return 0;
}

static int parse_v2_symlink(struct parser *p, struct bfs_entry *e, json_t *v)
{
	static const char *const keys[] = { "name", NULL };
	json_t *sl = json_object_get(v, "symlink");
	const char *forbidden[] = { "size", "runnable" };
	const char *raw;
	size_t len, i;
	bool present;
	int r;

	for (i = 0; i < 2; i++)
		if (json_object_get(v, forbidden[i]))
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: \"%s\" is not allowed on a symlink",
					e->label, forbidden[i]);
	if (!json_is_object(sl))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"symlink\" must be an object {\"name\": TARGET}, got %s",
				e->label, type_name(sl));
	r = check_keys(p, sl, keys, e->label);
	if (r)
		return r;
	r = get_string(p, sl, "name", e->label, true, &raw, &len);
	if (r)
		return r;
	if (memchr(raw, '\0', len))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: symlink target contains a NUL byte",
				e->label);
	r = expand(p, raw, len, p->ndirs, false, e->label, &e->target,
		   &len);
	if (r)
		return r;
	r = check_target(p, e, e->target, len);
	if (r)
		return r;
	e->size = len;
	return get_int(p, v, "mtime", e->label, false, false, &e->mtime_us,
		       &present);
}

static int parse_v2_regular(struct parser *p, struct bfs_entry *e, json_t *v)
{
	json_t *hash = json_object_get(v, "hash");
	json_t *chunks = json_object_get(v, "chunkhashes"), *c;
	uint64_t want;
	bool present;
	int64_t n;
	size_t i;
	int r;

	r = get_int(p, v, "size", e->label, true, true, &n, &present);
	if (r)
		return r;
	e->size = (uint64_t)n;
	r = get_int(p, v, "mtime", e->label, true, false, &e->mtime_us,
		    &present);
	if (!r)
		r = get_bool(p, v, "runnable", e->label, &e->exec);
	if (r)
		return r;
	want = chunks_of(e->size, CHUNK_SHIFT);
	if (hash) {
		if (e->size > CHUNK_SIZE)
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: size %llu is larger than the chunk size %llu: expected \"chunkhashes\", not \"hash\"",
					e->label, (unsigned long long)e->size,
					CHUNK_SIZE);
		return one_object(p, e, hash);
	}
	if (!json_is_array(chunks))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"chunkhashes\" must be an array, got %s",
				e->label, type_name(chunks));
	if (e->size <= CHUNK_SIZE)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: size %llu fits in one chunk of %llu: expected \"hash\", not \"chunkhashes\"",
				e->label, (unsigned long long)e->size,
				CHUNK_SIZE);
	if (json_array_size(chunks) != want)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: size %llu does not match %zu chunks (expected %llu)",
				e->label, (unsigned long long)e->size,
				json_array_size(chunks),
				(unsigned long long)want);
	e->digests = calloc(want, sizeof(*e->digests));
	if (!e->digests)
		return nomem(p);
	e->nchunks = (uint32_t)want;
	json_array_foreach(chunks, i, c) {
		char what[48];

		snprintf(what, sizeof(what), "chunkhashes[%zu]", i);
		r = parse_hash(p, c, what, e->label, &e->digests[i]);
		if (r)
			return r;
	}
	return 0;
}

static int parse_v2_files(struct parser *p, json_t *files)
{
	static const char *const keys[] = { "name", "hash", "chunkhashes",
		"symlink", "size", "mtime", "runnable", "delete", NULL };
	static const char *const kinds[] = { "hash", "chunkhashes", "symlink" };
	json_t *v;
	size_t i;
	int r;

	if (!json_is_array(files))
		return bfs_fail(p->err, BFS_EINVAL,
				"\"files\" must be an array, got %s",
				type_name(files));
	json_array_foreach(files, i, v) {
		struct bfs_entry *e;
		const char *name, *have[3];
		size_t len, k, nhave = 0;

		r = begin_entry(p, v, "files", i, "name", keys, BFS_REG, &e,
				&name, &len);
		if (!r)
			r = check_delete(p, v, e);
		if (!r && memchr(name, '\0', len))
			r = bfs_fail(p->err, BFS_EINVAL,
				     "%s: name contains a NUL byte", e->label);
		if (!r)
			r = expand(p, name, len, p->ndirs, false, e->label,
				   &e->path, &e->path_len);
		if (!r)
			r = check_path(p, e->path, e->path_len, "name",
				       e->label);
		if (r)
			return r;
		if (e->deleted)
			continue;
		for (k = 0; k < 3; k++)
			if (json_object_get(v, kinds[k]))
				have[nhave++] = kinds[k];
		if (nhave == 0)
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: expected one of \"hash\", \"chunkhashes\" or \"symlink\"",
					e->label);
		if (nhave > 1)
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: has both \"%s\" and \"%s\": expected exactly one",
					e->label, have[0], have[1]);
		if (json_object_get(v, "symlink")) {
			e->kind = BFS_LNK;
			r = parse_v2_symlink(p, e, v);
		} else {
			e->kind = BFS_REG;
			r = parse_v2_regular(p, e, v);
			if (!r)
				r = add_size(p, e);
		}
		if (r)
			return r;
	}
	p->m->chunk_shift = CHUNK_SHIFT;
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
	r = parse_hash(p, json_object_get(root, "parentManifestHash"),
		       "parentManifestHash", "diff manifest", &d);
	if (r)
		return r;
	for (i = 0; i < BUNDLEFS_DIGEST_SIZE; i++)
		sprintf(p->m->parent_hash + 2 * i, "%02x", d.bytes[i]);
	return 0;
}

static int parse(const char *buf, size_t len, struct bfs_manifest *m,
		 bool diff, struct bfs_error *err)
{
	static const char *const v1_keys[] = { "hashAlg", "manifestVersion",
					       "paths", "totalSize", NULL };
	static const char *const v2_keys[] = { "dirs", "files", "hashAlg",
		"manifestVersion", "totalSize", NULL };
	static const char *const v2_diff_keys[] = { "dirs", "files", "hashAlg",
		"manifestVersion", "parentManifestHash", "totalSize", NULL };
	struct parser p = { .m = m, .err = err, .diff = diff };
	const char *ver, *alg;
	size_t vlen, alen;
	json_error_t jerr;
	json_t *root;
	int64_t total;
	bool present;
	char q[512];
	int r;

	memset(m, 0, sizeof(*m));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			  &jerr);
	if (!root)
		return bfs_fail(err, BFS_EINVAL,
				"line %d, column %d: invalid JSON: %s",
				jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		r = bfs_fail(err, BFS_EINVAL,
			     "expected a JSON object at the top, got %s",
			     type_name(root));
		goto out;
	}
	r = get_string(&p, root, "manifestVersion", "", true, &ver, &vlen);
	if (r)
		goto out;
	if (vlen == strlen(BFS_V1_VERSION) && !strcmp(ver, BFS_V1_VERSION)) {
		m->version = 1;
		m->version_str = BFS_V1_VERSION;
	} else if (vlen == strlen(BFS_V2_VERSION) &&
		   !strcmp(ver, BFS_V2_VERSION)) {
		m->version = 2;
		m->version_str = BFS_V2_VERSION;
	} else {
		bfs_quote(q, sizeof(q), ver, vlen);
		r = bfs_fail(err, BFS_EINVAL,
			     "unknown manifestVersion %s: expected \"%s\" or \"%s\"",
			     q, BFS_V1_VERSION, BFS_V2_VERSION);
		goto out;
	}
	if (!diff && json_object_get(root, "parentManifestHash")) {
		r = bfs_fail(err, BFS_EINVAL,
			     "diff manifest (parentManifestHash): not mountable on its own");
		goto out;
	}
	if (diff && m->version == 1) {
		r = bfs_fail(err, BFS_EINVAL,
			     "a v1 (\"%s\") manifest cannot be a diff: expected \"%s\" with parentManifestHash",
			     BFS_V1_VERSION, BFS_V2_VERSION);
		goto out;
	}
	r = check_keys(&p, root, m->version == 1 ? v1_keys :
		       diff ? v2_diff_keys : v2_keys, "");
	if (!r && diff)
		r = parent_hash(&p, root);
	if (r)
		goto out;
	r = get_string(&p, root, "hashAlg", "", true, &alg, &alen);
	if (r)
		goto out;
	if (alen != 6 || strcmp(alg, "xxh128")) {
		bfs_quote(q, sizeof(q), alg, alen);
		r = bfs_fail(err, BFS_EINVAL,
			     "hashAlg %s: expected \"xxh128\"", q);
		goto out;
	}
	r = get_int(&p, root, "totalSize", "", true, true, &total, &present);
	if (r)
		goto out;
	if (m->version == 1) {
		r = parse_v1(&p, root);
	} else {
		json_t *dirs = json_object_get(root, "dirs");
		json_t *files = json_object_get(root, "files");

		if (!files) {
			r = bfs_fail(err, BFS_EINVAL, "missing \"files\"");
			goto out;
		}
		r = dirs ? parse_v2_dirs(&p, dirs) : 0;
		if (!r)
			r = parse_v2_files(&p, files);
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
	free(p.dir_path);	/* the strings belong to the entries */
	free(p.dir_len);
	json_decref(root);
	if (r)
		bfs_manifest_free(m);
	return r;
}

int bfs_manifest_parse(const char *buf, size_t len, struct bfs_manifest *m,
		       struct bfs_error *err)
{
	return parse(buf, len, m, false, err);
}

int bfs_diff_manifest_parse(const char *buf, size_t len,
			    struct bfs_manifest *m, struct bfs_error *err)
{
	return parse(buf, len, m, true, err);
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
