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

int bfs_stack_init(struct bfs_stack *s, size_t max_layers,
		   struct bfs_error *err)
{
	memset(s, 0, sizeof(*s));
	s->layers = calloc(max_layers + 1, sizeof(*s->layers));
	s->implied = calloc(max_layers + 1, sizeof(*s->implied));
	s->names = calloc(max_layers + 1, sizeof(*s->names));
	s->max = max_layers;
	if (s->layers && s->implied && s->names)
		return 0;
	bfs_stack_free(s);
	return bfs_fail(err, BFS_ESYS, "out of memory");
}

static int push_base(struct bfs_stack *s, const char *name, const char *buf,
		     size_t len, const struct bfs_stack_opts *o,
		     struct bfs_error *err)
{
	size_t i;
	int r;

	hash_hex(buf, len, s->base_hash);
	r = bfs_manifest_parse_opts(buf, len, false, &o->parse,
				    &s->layers[0], err);
	if (r)
		return prefixed(err, r, name);
	s->nlayers = 1;
	s->base = name;
	s->names[0] = name;
	s->n = s->layers[0].nentries;
	s->cur = malloc((s->n + 1) * sizeof(*s->cur));
	if (!s->cur)
		return bfs_fail(err, BFS_ESYS, "out of memory");
	for (i = 0; i < s->n; i++)
		s->cur[i] = &s->layers[0].entries[i];
	return 0;
}

/* The diff must name the manifest it applies to (unless told not to). */
static int check_parent(struct bfs_stack *s, const char *name,
			const struct bfs_manifest *d, bool first,
			struct bfs_error *err)
{
	char want[33];
	int r;

	if (first)
		memcpy(want, s->base_hash, 33);
	else if ((r = parent_of(s, d, want, err)))
		return prefixed(err, r, name);
	if (!strcmp(d->parent_hash, want))
		return 0;
	if (first)
		return bfs_fail(err, BFS_EINVAL,
				"%s: parentManifestHash %s is not the xxh128 of %s (%s): the diff was made against another manifest",
				name, d->parent_hash, s->base, want);
	return bfs_fail(err, BFS_EINVAL,
			"%s: parentManifestHash %s is not the xxh128 of the layers below it (%s, the text bundlefs apply writes for them in the diff's dialect): the diff was made against another manifest",
			name, d->parent_hash, want);
}

static int push_diff(struct bfs_stack *s, const char *name, const char *buf,
		     size_t len, const struct bfs_stack_opts *o,
		     struct bfs_error *err)
{
	struct bfs_manifest *d = &s->layers[s->nlayers];
	bool first = s->nlayers == 1;
	const struct bfs_entry **res;
	struct bfs_tree t;
	size_t nres;
	int r;

	if (first) {
		/* the base's own tree rules first, so its errors name it */
		r = bfs_tree_build(&s->layers[0], &t, err);
		bfs_tree_free(&t);
		if (r)
			return prefixed(err, r, s->base);
	}
	r = bfs_manifest_parse_opts(buf, len, true, &o->parse, d, err);
	if (r)
		return prefixed(err, r, name);
	s->names[s->nlayers++] = name;
	if (!o->no_parent_check) {
		r = check_parent(s, name, d, first, err);
		if (r)
			return r;
	}
	r = add_implied(s, err);
	if (!r)
		r = bfs_merge(s->cur, s->n, d, first, &res, &nres, err);
	if (r)
		return prefixed(err, r, name);
	free(s->cur);
	s->cur = res;
	s->n = nres;
	return 0;
}

int bfs_stack_push(struct bfs_stack *s, const char *name, const char *buf,
		   size_t len, const struct bfs_stack_opts *o,
		   struct bfs_error *err)
{
	if (s->nlayers > s->max)
		return bfs_fail(err, BFS_EUSAGE, "%s: too many layers", name);
	return s->nlayers ? push_diff(s, name, buf, len, o, err) :
	       push_base(s, name, buf, len, o, err);
}

int bfs_stack_load(const char *base, const char *const *diffs, size_t ndiffs,
		   const struct bfs_stack_opts *o, struct bfs_stack *s,
		   struct bfs_error *err)
{
	size_t i, len;
	char *buf;
	int r;

	r = bfs_stack_init(s, ndiffs, err);
	for (i = 0; !r && i <= ndiffs; i++) {
		const char *name = i ? diffs[i - 1] : base;

		r = bfs_read_file(name, &buf, &len, err);
		if (r) {
			r = prefixed(err, r, name);
			break;
		}
		r = bfs_stack_push(s, name, buf, len, o, err);
		free(buf);
	}
	if (r)
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
	free(s->names);
	free(s->cur);
	memset(s, 0, sizeof(*s));
}
