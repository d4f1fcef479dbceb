// SPDX-License-Identifier: GPL-2.0
/*
 * The "dirs" and "files" of the two v2 dialects.  They differ in member
 * names only (struct bfs_dialect: "name"/"path", "delete"/"deleted",
 * symlink "name"/"target"), so one parser serves both and every rule holds
 * the same in each.  What only the 2025-12 specification has: absolute
 * paths (stripped of --root), unhashed files (refused unless
 * --allow-unhashed).
 */
#include <stdlib.h>
#include <string.h>

#include "parser.h"

/* The all-zero digest names no object (xxh128 never gives it for a
 * file bundlefs serves): an unhashed file's reads fail with EIO. */
static const struct bundlefs_digest unhashed_digest;

/* @list with the dialect's names: "name"/"path" and "delete"/"deleted". */
static void keys_of(const struct parser *p, const char **keys,
		    const char *const *rest)
{
	*keys++ = p->d->key;
	*keys++ = p->d->del;
	while ((*keys++ = *rest++))
		;
}

/* A deletion: only in a diff, and then it carries only its path. */
static int check_delete(struct parser *p, json_t *v, struct bfs_entry *e)
{
	const char *keys[] = { p->d->key, p->d->del, NULL };
	bool del;
	int r = mp_get_bool(p, v, p->d->del, e->label, &del);

	if (r || !del)
		return r;
	if (!p->diff)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"%s\" entry in a snapshot manifest (no parentManifestHash): invalid",
				e->label, p->d->del);
	e->deleted = true;
	return mp_check_keys(p, v, keys, e->label);
}

/*
 * The path of @e from its raw @name: `$N/` expanded (*@full, to free, is
 * the path as written, for later `$N/`), --root stripped from an absolute
 * one, then the path rules.  *@drop: a directory that is --root or above
 * it, which is no entry of the tree.
 */
static int entry_path(struct parser *p, struct bfs_entry *e, const char *name,
		      size_t len, size_t limit, bool is_dir, char **full,
		      bool *drop)
{
	size_t flen;
	char q[512];
	int r;

	*drop = false;
	*full = NULL;
	if (memchr(name, '\0', len))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: %s contains a NUL byte", e->label,
				p->d->key);
	r = mp_expand(p, name, len, limit, is_dir, e->label, full, &flen);
	if (r)
		return r;
	e->path = strdup(*full);
	if (!e->path)
		return mp_nomem(p);
	e->path_len = flen;
	if (p->d->absolute) {
		r = bfs_strip_root(p->opts->root, e->path, &e->path_len);
		if (r == 1 && is_dir && !e->deleted) {
			*drop = true;
			return 0;
		}
		if (r) {
			bfs_quote(q, sizeof(q), p->opts->root,
				  strlen(p->opts->root));
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: %s is not below --root %s",
					e->label, p->d->key, q);
		}
	}
	return mp_check_path(p, e->path, e->path_len, p->d->key, e->label);
}

static void drop_entry(struct parser *p, struct bfs_entry *e)
{
	free(e->path);
	free(e->label);
	p->m->nentries--;
}

static int parse_dirs(struct parser *p, json_t *dirs)
{
	static const char *const rest[] = { NULL };
	const char *keys[3];
	json_t *v;
	size_t i;
	int r;

	keys_of(p, keys, rest);
	if (!json_is_array(dirs))
		return bfs_fail(p->err, BFS_EINVAL,
				"\"dirs\" must be an array, got %s",
				mp_type_name(dirs));
	p->dir_path = calloc(json_array_size(dirs) + 1, sizeof(char *));
	p->dir_len = calloc(json_array_size(dirs) + 1, sizeof(size_t));
	if (!p->dir_path || !p->dir_len)
		return mp_nomem(p);
	json_array_foreach(dirs, i, v) {
		struct bfs_entry *e;
		const char *name;
		size_t len;
		bool drop;

		r = mp_begin_entry(p, v, "dirs", i, p->d->key, keys, BFS_DIR,
				   &e, &name, &len);
		if (!r)
			r = check_delete(p, v, e);
		if (!r)
			r = entry_path(p, e, name, len, i, true,
				       &p->dir_path[i], &drop);
		if (r)
			return r;
		p->dir_len[i] = strlen(p->dir_path[i]);
		p->ndirs = i + 1;
		if (drop)
			drop_entry(p, e);
	}
	return 0;
}

/* An absolute target below --root, as a path relative to the link. */
static int absolute_target(struct parser *p, struct bfs_entry *e,
			   size_t *len)
{
	size_t rlen = strlen(p->opts->root), tlen = *len;
	char q[512], *rel;
	int r;

	while (rlen && p->opts->root[rlen - 1] == '/')
		rlen--;
	r = bfs_strip_root(p->opts->root, e->target, &tlen);
	if (r == 1 && tlen == rlen)
		tlen = 0;		/* --root itself */
	else if (r) {
		bfs_quote(q, sizeof(q), e->target, *len);
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: symlink target %s is not below --root",
				e->label, q);
	}
	rel = bfs_relative_target(e->path, e->path_len, e->target, tlen, len);
	if (!rel)
		return mp_nomem(p);
	free(e->target);
	e->target = rel;
	return 0;
}

static int parse_symlink(struct parser *p, struct bfs_entry *e, json_t *v)
{
	const char *keys[] = { p->d->target, NULL };
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
				"%s: \"symlink\" must be an object {\"%s\": TARGET}, got %s",
				e->label, p->d->target, mp_type_name(sl));
	r = mp_check_keys(p, sl, keys, e->label);
	if (r)
		return r;
	r = mp_get_string(p, sl, p->d->target, e->label, true, &raw, &len);
	if (r)
		return r;
	if (memchr(raw, '\0', len))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: symlink target contains a NUL byte",
				e->label);
	r = mp_expand(p, raw, len, p->ndirs, false, e->label, &e->target,
		      &len);
	if (!r && p->d->absolute && e->target[0] == '/')
		r = absolute_target(p, e, &len);
	if (!r)
		r = mp_check_target(p, e, e->target, len);
	if (r)
		return r;
	e->size = len;
	return mp_get_int(p, v, "mtime", e->label, false, false, &e->mtime_us,
			  &present);
}

static int parse_regular(struct parser *p, struct bfs_entry *e, json_t *v)
{
	json_t *hash = json_object_get(v, "hash");
	json_t *chunks = json_object_get(v, "chunkhashes"), *c;
	uint64_t want;
	size_t i;
	int r;

	r = mp_size_mtime(p, v, e);
	if (!r)
		r = mp_get_bool(p, v, "runnable", e->label, &e->exec);
	if (r)
		return r;
	want = mp_chunks_of(e->size, MP_CHUNK_SHIFT);
	if (hash) {
		if (e->size > MP_CHUNK_SIZE)
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: size %llu is larger than the chunk size %llu: expected \"chunkhashes\", not \"hash\"",
					e->label, (unsigned long long)e->size,
					MP_CHUNK_SIZE);
		return mp_one_object(p, e, hash);
	}
	if (!chunks) {		/* unhashed: one unnamed object per chunk */
		/* no list bounds its chunks: keep them to what v1 allows */
		if (e->size > (1ULL << BUNDLEFS_MAX_CHUNK_SHIFT))
			return bfs_fail(p->err, BFS_EINVAL,
					"%s: unhashed file of %llu bytes is larger than %llu",
					e->label, (unsigned long long)e->size,
					1ULL << BUNDLEFS_MAX_CHUNK_SHIFT);
		e->unhashed = true;
		p->m->nunhashed++;
		e->digests = calloc(want ? want : 1, sizeof(*e->digests));
		if (!e->digests)
			return mp_nomem(p);
		for (i = 0; i < want; i++)
			e->digests[i] = unhashed_digest;
		e->nchunks = (uint32_t)want;
		return 0;
	}
	if (!json_is_array(chunks))
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: \"chunkhashes\" must be an array, got %s",
				e->label, mp_type_name(chunks));
	if (e->size <= MP_CHUNK_SIZE)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: size %llu fits in one chunk of %llu: expected \"hash\", not \"chunkhashes\"",
				e->label, (unsigned long long)e->size,
				MP_CHUNK_SIZE);
	if (json_array_size(chunks) != want)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: size %llu does not match %zu chunks (expected %llu)",
				e->label, (unsigned long long)e->size,
				json_array_size(chunks),
				(unsigned long long)want);
	e->digests = calloc(want, sizeof(*e->digests));
	if (!e->digests)
		return mp_nomem(p);
	e->nchunks = (uint32_t)want;
	json_array_foreach(chunks, i, c) {
		char what[48];

		snprintf(what, sizeof(what), "chunkhashes[%zu]", i);
		r = mp_parse_hash(p, c, what, e->label, &e->digests[i]);
		if (r)
			return r;
	}
	return 0;
}

/* Which content members @v has; a file with none is unhashed (2025-12). */
static int content_kind(struct parser *p, struct bfs_entry *e, json_t *v)
{
	static const char *const kinds[] = { "hash", "chunkhashes", "symlink" };
	const char *have[3];
	size_t k, nhave = 0;

	for (k = 0; k < 3; k++)
		if (json_object_get(v, kinds[k]))
			have[nhave++] = kinds[k];
	if (nhave > 1)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: has both \"%s\" and \"%s\": expected exactly one",
				e->label, have[0], have[1]);
	if (nhave == 1)
		return 0;
	if (p->d->id != BFS_D_SPEC)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: expected one of \"hash\", \"chunkhashes\" or \"symlink\"",
				e->label);
	if (!p->opts->allow_unhashed)
		return bfs_fail(p->err, BFS_EINVAL,
				"%s: unhashed file (no \"hash\", \"chunkhashes\" or \"symlink\"): no content to serve (--allow-unhashed mounts it, its reads failing with EIO)",
				e->label);
	return 0;
}

static int parse_files(struct parser *p, json_t *files)
{
	static const char *const rest[] = { "hash", "chunkhashes", "symlink",
		"size", "mtime", "runnable", NULL };
	const char *keys[9];
	json_t *v;
	size_t i;
	int r;

	keys_of(p, keys, rest);
	if (!json_is_array(files))
		return bfs_fail(p->err, BFS_EINVAL,
				"\"files\" must be an array, got %s",
				mp_type_name(files));
	json_array_foreach(files, i, v) {
		struct bfs_entry *e;
		const char *name;
		char *full = NULL;
		size_t len;
		bool drop;

		r = mp_begin_entry(p, v, "files", i, p->d->key, keys, BFS_REG,
				   &e, &name, &len);
		if (!r)
			r = check_delete(p, v, e);
		if (!r)
			r = entry_path(p, e, name, len, p->ndirs, false, &full,
				       &drop);
		free(full);
		if (!r && !e->deleted)
			r = content_kind(p, e, v);
		if (r)
			return r;
		if (e->deleted)
			continue;
		if (json_object_get(v, "symlink")) {
			e->kind = BFS_LNK;
			r = parse_symlink(p, e, v);
		} else {
			e->kind = BFS_REG;
			r = parse_regular(p, e, v);
			if (!r)
				r = mp_add_size(p, e);
		}
		if (r)
			return r;
	}
	p->m->chunk_shift = MP_CHUNK_SHIFT;
	return 0;
}

int mp_parse_v2(struct parser *p, json_t *dirs, json_t *files)
{
	int r = dirs ? parse_dirs(p, dirs) : 0;

	return r ? r : parse_files(p, files);
}
