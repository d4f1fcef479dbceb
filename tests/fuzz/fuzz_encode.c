// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the loader's JSON -> image path (bfs_manifest_parse,
 * bfs_tree_build, bfs_encode) on any bytes.  A manifest the loader accepts
 * must encode to an image the kernel's validator accepts, and every entry
 * must be found in it by path with its kind, size, mode and target.
 *
 * The input may hold several documents separated by NUL bytes (never
 * valid inside JSON text): the first is a base, the others diffs applied
 * in order (unhashed files allowed, absolute paths under /r, parent hashes
 * not checked: a fuzzer cannot forge them).  A merged tree that builds must
 * encode and validate like any manifest, and each dialect's writer must
 * give text that parses back to a tree of the same shape.
 */
#include <string.h>
#include "fuzz.h"
#include "libbundlefs.h"
#include "image.h"

/* The node of @path (components separated by '/'), or 0. */
static u32 resolve(const struct bundlefs_image *img, const char *path,
		   size_t len)
{
	u32 node = 0;

	while (len) {
		const char *slash = memchr(path, '/', len);
		size_t n = slash ? (size_t)(slash - path) : len;

		node = bundlefs_image_lookup(img, node, path, n);
		if (!node)
			return 0;
		path += n;
		len -= n;
		if (len) {	/* skip the slash */
			path++;
			len--;
		}
	}
	return node;
}

static void check_entries(const struct bfs_manifest *m,
			  const struct bundlefs_image *img)
{
	size_t i;

	for (i = 0; i < m->nentries; i++) {
		const struct bfs_entry *e = &m->entries[i];
		u32 idx = resolve(img, e->path, e->path_len);
		const struct bundlefs_node *n = bundlefs_image_node(img, idx);

		FUZZ_CHECK(idx != 0 || e->path_len == 0,
			   "%s: not found in the image", e->label);
		FUZZ_CHECK(n->kind == (u8)e->kind, "%s: kind %u, node kind %u",
			   e->label, e->kind, n->kind);
		if (e->kind == BFS_REG) {
			FUZZ_CHECK(le64_to_cpu(n->size) == e->size,
				   "%s: size", e->label);
			FUZZ_CHECK(le32_to_cpu(n->count) == e->nchunks,
				   "%s: chunk count", e->label);
			FUZZ_CHECK(!!(n->flags & BUNDLEFS_NODE_EXEC) == e->exec,
				   "%s: exec bit", e->label);
			FUZZ_CHECK(!e->nchunks ||
				   !memcmp(&img->digests[le32_to_cpu(n->first)],
					   e->digests,
					   e->nchunks * sizeof(*e->digests)),
				   "%s: digests", e->label);
		} else if (e->kind == BFS_LNK) {
			FUZZ_CHECK(!strcmp(bundlefs_node_target(img, n),
					   e->target),
				   "%s: link target", e->label);
		}
	}
}

#define MAX_DOCS 4

/* @text (a writer's output) parses and builds the tree @t had. */
static void reparse(const char *what, const char *text,
		    const struct bfs_manifest *m, const struct bfs_tree *t)
{
	struct bfs_parse_opts o = { .allow_unhashed = true };
	struct bfs_manifest back;
	struct bfs_tree bt;
	struct bfs_error err;
	void *image;
	size_t size;
	int rc;

	rc = bfs_manifest_parse_opts(text, strlen(text), false, &o, &back,
				     &err);
	FUZZ_CHECK(rc == BFS_OK, "%s output does not parse: %s", what,
		   err.msg);
	rc = bfs_manifest_encode(&back, &bt, &image, &size, &err);
	FUZZ_CHECK(rc == BFS_OK, "%s output does not encode: %s", what,
		   err.msg);
	FUZZ_CHECK(back.total_size == m->total_size, "%s: total size", what);
	FUZZ_CHECK(back.nunhashed == m->nunhashed, "%s: unhashed", what);
	/* v1 has no empty directories: it holds one only when none is */
	FUZZ_CHECK(bt.nfiles == t->nfiles && bt.nlinks == t->nlinks &&
		   bt.ndirs == t->ndirs, "%s: %u/%u/%u nodes, expected %u/%u/%u",
		   what, bt.nfiles, bt.nlinks, bt.ndirs, t->nfiles, t->nlinks,
		   t->ndirs);
	free(image);
	bfs_tree_free(&bt);
	bfs_manifest_free(&back);
}

/* The base and diffs of @data merged; the tree checked and rewritten. */
static void layered(const uint8_t *data, size_t size)
{
	static const char *const names[MAX_DOCS] = { "base", "d1", "d2", "d3" };
	static const char *const formats[] = { "v1", "v2-beta", "v2-2025-12" };
	struct bfs_stack_opts o = {
		.parse = { .root = "/r", .allow_unhashed = true },
		.no_parent_check = true,
	};
	struct bfs_stack s;
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	struct bundlefs_image img;
	char why[BUNDLEFS_WHY_MAX];
	const char *p = (const char *)data, *end = p + size;
	void *image = NULL;
	size_t k, image_size;
	int rc = 0;

	if (bfs_stack_init(&s, MAX_DOCS - 1, &err))
		return;
	for (k = 0; k < MAX_DOCS && p <= end && !rc; k++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		rc = bfs_stack_push(&s, names[k], p, len, &o, &err);
		FUZZ_CHECK(rc == BFS_OK || (rc == BFS_EINVAL && err.msg[0]),
			   "layer %zu returned %d: %s", k, rc, err.msg);
		p += len + 1;
	}
	if (rc || bfs_stack_flatten(&s, &m, &err)) {
		bfs_stack_free(&s);
		return;
	}
	rc = bfs_manifest_encode(&m, &t, &image, &image_size, &err);
	if (rc) {	/* the merged tree may break a tree rule */
		FUZZ_CHECK(rc == BFS_EINVAL && err.msg[0],
			   "merged tree returned %d: %s", rc, err.msg);
		bfs_stack_free(&s);
		return;
	}
	FUZZ_CHECK(bundlefs_image_parse(&img, image, image_size, why) == 0,
		   "the kernel validator refuses a merged image: %s", why);
	check_entries(&m, &img);
	for (k = 0; k < 3; k++) {
		char *text;

		rc = bfs_manifest_dump_as(bfs_dialect_by_format(formats[k]),
					  s.cur, s.n, &text, &err);
		FUZZ_CHECK(rc == BFS_OK || (rc == BFS_EINVAL && err.msg[0]),
			   "%s writer returned %d", formats[k], rc);
		if (!rc) {
			reparse(formats[k], text, &m, &t);
			free(text);
		}
	}
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	bfs_stack_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	struct bundlefs_image img;
	char why[BUNDLEFS_WHY_MAX];
	void *image = NULL;
	size_t image_size = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(&t, 0, sizeof(t));
	rc = bfs_manifest_parse((const char *)data, size, &m, &err);
	if (rc != BFS_OK) {
		FUZZ_CHECK(rc == BFS_EINVAL && err.msg[0],
			   "parse returned %d without a message", rc);
		goto out;
	}
	rc = bfs_tree_build(&m, &t, &err);
	if (rc != BFS_OK) {
		FUZZ_CHECK(rc == BFS_EINVAL && err.msg[0],
			   "tree returned %d without a message", rc);
		goto out;
	}
	rc = bfs_encode(&m, &t, &image, &image_size, &err);
	FUZZ_CHECK(rc == BFS_OK, "an accepted manifest does not encode: %s",
		   err.msg);
	FUZZ_CHECK(bundlefs_image_parse(&img, image, image_size, why) == 0,
		   "the kernel validator refuses the encoder's image: %s",
		   why);
	FUZZ_CHECK(img.total_size == m.total_size, "total size");
	check_entries(&m, &img);
out:
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	layered(data, size);
	return 0;
}
