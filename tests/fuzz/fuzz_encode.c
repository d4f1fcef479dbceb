// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the loader's JSON -> image path (bfs_manifest_parse,
 * bfs_tree_build, bfs_encode) on any bytes.  A manifest the loader accepts
 * must encode to an image the kernel's validator accepts, and every entry
 * must be found in it by path with its kind, size, mode and target.
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
	return 0;
}
