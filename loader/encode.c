// SPDX-License-Identifier: GPL-2.0
/*
 * Tree to image bytes (include/uapi/linux/bundlefs.h), then the kernel's
 * own validator over the result: an encoder bug is reported here and is
 * never sent to the kernel.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"
#include "../kmod/image.h"

_Static_assert(sizeof(struct bundlefs_image_header) == 72, "header size");
_Static_assert(sizeof(struct bundlefs_node) == 40, "node size");
_Static_assert(sizeof(struct bundlefs_digest) == 16, "digest size");

static uint64_t align8(uint64_t x)
{
	return (x + 7) & ~(uint64_t)7;
}

int bfs_image_check(const void *image, size_t size, struct bfs_error *err)
{
	struct bundlefs_image img;
	char why[BUNDLEFS_WHY_MAX];

	if (bundlefs_image_parse(&img, image, size, why))
		return bfs_fail(err, BFS_EINVAL, "invalid image: %s", why);
	return 0;
}

int bfs_encode(const struct bfs_manifest *m, const struct bfs_tree *t,
	       void **image, size_t *size, struct bfs_error *err)
{
	struct bundlefs_image_header *h;
	struct bundlefs_node *nodes;
	struct bundlefs_digest *digests;
	uint64_t ndigests = 0, strsize = 0, node_off, digest_off, string_off,
		 total;
	uint32_t i, d = 0, s = 0;
	char *strings;
	uint8_t *buf;
	int r;

	*image = NULL;
	*size = 0;
	for (i = 0; i < t->nnodes; i++) {
		const struct bfs_node *n = &t->nodes[i];

		strsize += n->name_len;
		if (n->kind == BFS_REG)
			ndigests += n->entry->nchunks;
		else if (n->kind == BFS_LNK)
			strsize += n->entry->size + 1;
	}
	node_off = sizeof(*h);
	digest_off = align8(node_off + (uint64_t)t->nnodes * sizeof(*nodes));
	string_off = align8(digest_off + ndigests * sizeof(*digests));
	total = string_off + strsize;
	if (ndigests > UINT32_MAX || strsize > UINT32_MAX ||
	    string_off > UINT32_MAX)
		return bfs_fail(err, BFS_EINVAL,
				"too large for one image: %u nodes, %llu digests, %llu bytes of names",
				t->nnodes, (unsigned long long)ndigests,
				(unsigned long long)strsize);
	buf = calloc(1, total);
	if (!buf)
		return bfs_fail(err, BFS_ESYS, "out of memory for a %llu-byte image",
				(unsigned long long)total);
	h = (void *)buf;
	nodes = (void *)(buf + node_off);
	digests = (void *)(buf + digest_off);
	strings = (char *)buf + string_off;

	h->magic = htole32(BUNDLEFS_IMAGE_MAGIC);
	h->version = htole16(BUNDLEFS_IMAGE_VERSION);
	h->header_size = htole16(sizeof(*h));
	h->image_size = htole64(total);
	h->chunk_shift = htole32(m->chunk_shift);
	h->node_count = htole32(t->nnodes);
	h->node_offset = htole32((uint32_t)node_off);
	h->digest_count = htole32((uint32_t)ndigests);
	h->digest_offset = htole32((uint32_t)digest_off);
	h->string_size = htole32((uint32_t)strsize);
	h->string_offset = htole32((uint32_t)string_off);
	h->total_size = htole64(m->total_size);

	for (i = 0; i < t->nnodes; i++) {
		const struct bfs_node *n = &t->nodes[i];
		const struct bfs_entry *e = n->entry;
		struct bundlefs_node *o = &nodes[i];

		o->parent = htole32(n->parent);
		o->kind = (uint8_t)n->kind;
		if (i) {
			o->name_offset = htole32(s);
			o->name_len = htole16(n->name_len);
			memcpy(strings + s, n->name, n->name_len);
			s += n->name_len;
		}
		if (e)
			o->mtime_us = htole64((uint64_t)e->mtime_us);
		switch (n->kind) {
		case BFS_DIR:
			o->first = htole32(n->first);
			o->count = htole32(n->count);
			break;
		case BFS_REG:
			o->size = htole64(e->size);
			o->flags = e->exec ? BUNDLEFS_NODE_EXEC : 0;
			o->first = htole32(e->nchunks ? d : 0);
			o->count = htole32(e->nchunks);
			if (e->nchunks)
				memcpy(&digests[d], e->digests,
				       e->nchunks * sizeof(*digests));
			d += e->nchunks;
			break;
		case BFS_LNK:
			o->size = htole64(e->size);
			o->first = htole32(s);
			o->count = htole32((uint32_t)e->size);
			memcpy(strings + s, e->target, e->size);
			s += (uint32_t)e->size;
			strings[s++] = '\0';
			break;
		}
	}

	r = bfs_image_check(buf, total, err);
	if (r) {
		char why[BFS_ERR_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		free(buf);
		return bfs_fail(err, BFS_EINVAL,
				"internal error: the encoded image fails the self-check: %s",
				why);
	}
	*image = buf;
	*size = total;
	return 0;
}
