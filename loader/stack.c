// SPDX-License-Identifier: GPL-2.0
/*
 * A base manifest and a stack of diffs, merged in user space into one
 * tree (`bundlefs mount BASE --diff D1 --diff D2`, `bundlefs apply`).
 * The merge itself is apply.c's bfs_merge(), once per diff.
 *
 * Each diff names its parent by parentManifestHash.  The first diff's
 * parent is the base file: the xxh128 of its bytes.  A later diff's parent
 * is the tree of the layers below it, which exists as no file, so its hash
 * is defined on the text `bundlefs apply` writes for it in the diff's own
 * dialect (Documentation/manifest-format.rst, "Parent manifest hash"):
 * the text is deterministic, and a tool that writes diffs on a layered
 * mount (bundlefs diff) names exactly that hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"
#include "../kmod/xxh3.h"

/* @err's message behind "@file: ". */
static int prefixed(struct bfs_error *err, int r, const char *file)
{
	char msg[BFS_ERR_MAX];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return bfs_fail(err, r, "%s: %s", file, msg);
}

static void hash_hex(const void *buf, size_t len, char out[33])
{
	uint8_t d[16];
	int i;

	bundlefs_xxh3_128(buf, len, d);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Read and parse @path; *@hash gets the xxh128 of its bytes. */
static int load(const char *path, bool diff, const struct bfs_parse_opts *o,
		struct bfs_manifest *m, char hash[33], struct bfs_error *err)
{
	char *buf;
	size_t len;
	int r = bfs_read_file(path, &buf, &len, err);

	memset(m, 0, sizeof(*m));
	if (r)
		return prefixed(err, r, path);
	hash_hex(buf, len, hash);
	r = bfs_manifest_parse_opts(buf, len, diff, o, m, err);
	free(buf);
	return r ? prefixed(err, r, path) : 0;
}

/* The hash the diff @d must name: of what `apply` writes for @s->cur. */
static int parent_of(const struct bfs_stack *s, const struct bfs_manifest *d,
		     char want[33], struct bfs_error *err)
{
	char *text;
	int r;

	/* the snapshot form of the diff's own dialect */
	r = bfs_manifest_dump_as(bfs_dialect_by_format(
					 bfs_dialect_format(d->dialect)),
				 s->cur, s->n, &text, err);
	if (r) {
		char msg[BFS_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return bfs_fail(err, r,
				"cannot compute the parent manifest hash: %s (--no-parent-check skips the check)",
				msg);
	}
	hash_hex(text, strlen(text), want);
	free(text);
	return 0;
}

/* List the directories @s->cur implies, as a writable mount has them. */
static int add_implied(struct bfs_stack *s, struct bfs_error *err)
{
	const struct bfs_entry **cur;
	struct bfs_entry *dirs;
	size_t n, i;

	if (bfs_implied_dirs(s->cur, s->n, &dirs, &n))
		return bfs_fail(err, BFS_ESYS, "out of memory");
	if (!n) {
		free(dirs);
		return 0;
	}
	s->implied[s->nimplied++] = dirs;
	cur = realloc(s->cur, (s->n + n) * sizeof(*cur));
	if (!cur)
		return bfs_fail(err, BFS_ESYS, "out of memory");
	for (i = 0; i < n; i++)
		cur[s->n + i] = &dirs[i];
	s->cur = cur;
	s->n += n;
	return 0;
}

static int apply_one(struct bfs_stack *s, const char *path, size_t k,
		     const char *base_hash, const struct bfs_stack_opts *o,
		     struct bfs_error *err)
{
	struct bfs_manifest *d = &s->layers[s->nlayers];
	const struct bfs_entry **res;
	char have[33], want[33];
	size_t nres;
	int r;

	r = load(path, true, &o->parse, d, have, err);
	if (r)
		return r;
	s->nlayers++;
	if (!o->no_parent_check) {
		if (k == 0)
			memcpy(want, base_hash, 33);
		else if ((r = parent_of(s, d, want, err)))
			return prefixed(err, r, path);
		if (strcmp(d->parent_hash, want) && k == 0)
			return bfs_fail(err, BFS_EINVAL,
					"%s: parentManifestHash %s is not the xxh128 of %s (%s): the diff was made against another manifest",
					path, d->parent_hash, s->base, want);
		if (strcmp(d->parent_hash, want))
			return bfs_fail(err, BFS_EINVAL,
					"%s: parentManifestHash %s is not the xxh128 of the layers below it (%s, the text bundlefs apply writes for them in the diff's dialect): the diff was made against another manifest",
					path, d->parent_hash, want);
	}
	r = add_implied(s, err);
	if (!r)
		r = bfs_merge(s->cur, s->n, d, k == 0, &res, &nres, err);
	if (r)
		return prefixed(err, r, path);
	free(s->cur);
	s->cur = res;
	s->n = nres;
	return 0;
}

int bfs_stack_load(const char *base, const char *const *diffs, size_t ndiffs,
		   const struct bfs_stack_opts *o, struct bfs_stack *s,
		   struct bfs_error *err)
{
	char hash[33];
	struct bfs_tree t;
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	s->base = base;
	s->layers = calloc(ndiffs + 1, sizeof(*s->layers));
	s->implied = calloc(ndiffs + 1, sizeof(*s->implied));
	if (!s->layers || !s->implied) {
		r = bfs_fail(err, BFS_ESYS, "out of memory");
		goto fail;
	}
	r = load(base, false, &o->parse, &s->layers[0], hash, err);
	if (r)
		goto fail;
	s->nlayers = 1;
	memcpy(s->base_hash, hash, sizeof(hash));
	/* the base's own tree rules first, so its errors name it */
	r = ndiffs ? bfs_tree_build(&s->layers[0], &t, err) : 0;
	if (ndiffs)
		bfs_tree_free(&t);
	if (r) {
		r = prefixed(err, r, base);
		goto fail;
	}
	s->n = s->layers[0].nentries;
	s->cur = malloc((s->n + 1) * sizeof(*s->cur));
	if (!s->cur) {
		r = bfs_fail(err, BFS_ESYS, "out of memory");
		goto fail;
	}
	for (i = 0; i < s->n; i++)
		s->cur[i] = &s->layers[0].entries[i];
	for (i = 0; i < ndiffs; i++) {
		r = apply_one(s, diffs[i], i, hash, o, err);
		if (r)
			goto fail;
	}
	return 0;
fail:
	bfs_stack_free(s);
	return r;
}

void bfs_stack_free(struct bfs_stack *s)
{
	size_t i;

	for (i = 0; s->layers && i < s->nlayers; i++)
		bfs_manifest_free(&s->layers[i]);
	for (i = 0; s->implied && i < s->nimplied; i++)
		free(s->implied[i]);
	free(s->layers);
	free(s->implied);
	free(s->cur);
	memset(s, 0, sizeof(*s));
}
