// SPDX-License-Identifier: GPL-2.0
/*
 * In-memory image builder for the bundlefs KUnit suites.
 */
#include <linux/module.h>
#include <linux/string.h>
#include "builder.h"

MODULE_DESCRIPTION("KUnit suites for bundlefs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(BUNDLEFS_KUNIT);

void bft_build(struct kunit *test, struct bft_image *out, u32 chunk_shift,
	       const struct bft_node *nodes, u32 node_count,
	       u32 digest_count)
{
	u64 node_off, digest_off, string_off, string_size = 1, total = 0;
	struct bundlefs_image_header *h;
	u32 i, pos;

	for (i = 0; i < node_count; i++) {
		const struct bft_node *n = &nodes[i];

		if (n->name)
			string_size += (n->name_len ?: strlen(n->name)) + 1;
		if (n->target)
			string_size += strlen(n->target) + 1;
	}
	node_off = sizeof(*h);
	digest_off = node_off + (u64)node_count * sizeof(struct bundlefs_node);
	string_off = digest_off +
		     (u64)digest_count * sizeof(struct bundlefs_digest);

	memset(out, 0, sizeof(*out));
	out->size = string_off + string_size;
	out->buf = kunit_kzalloc(test, out->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, out->buf);
	out->hdr = h = (void *)out->buf;
	out->nodes = (void *)(out->buf + node_off);
	out->digests = (void *)(out->buf + digest_off);
	out->strings = (char *)out->buf + string_off;
	out->node_count = node_count;

	for (i = 0; i < digest_count; i++)
		memset(out->digests[i].bytes, i & 0xff, BUNDLEFS_DIGEST_SIZE);

	pos = 1;	/* offset 0 is the root's empty name */
	for (i = 0; i < node_count; i++) {
		const struct bft_node *n = &nodes[i];
		struct bundlefs_node *d = &out->nodes[i];
		u64 size = n->size;
		u32 first = n->first, count = n->count;

		if (n->name) {
			u16 len = n->name_len ?: strlen(n->name);

			memcpy(out->strings + pos, n->name, len);
			d->name_offset = cpu_to_le32(pos);
			d->name_len = cpu_to_le16(len);
			pos += len + 1;
		}
		if (n->target) {
			first = pos;
			count = strlen(n->target);
			size = count;
			memcpy(out->strings + pos, n->target, count + 1);
			pos += count + 1;
		}
		if (n->kind == BUNDLEFS_NODE_REG)
			total += size;
		d->size = cpu_to_le64(size);
		d->mtime_us = cpu_to_le64(1700000000000000LL + i);
		d->parent = cpu_to_le32(n->parent);
		d->kind = n->kind;
		d->flags = n->flags;
		d->first = cpu_to_le32(first);
		d->count = cpu_to_le32(count);
	}

	h->magic = cpu_to_le32(BUNDLEFS_IMAGE_MAGIC);
	h->version = cpu_to_le16(BUNDLEFS_IMAGE_VERSION);
	h->header_size = cpu_to_le16(sizeof(*h));
	h->image_size = cpu_to_le64(out->size);
	h->chunk_shift = cpu_to_le32(chunk_shift);
	h->node_count = cpu_to_le32(node_count);
	h->node_offset = cpu_to_le32(node_off);
	h->digest_count = cpu_to_le32(digest_count);
	h->digest_offset = cpu_to_le32(digest_off);
	h->string_size = cpu_to_le32(string_size);
	h->string_offset = cpu_to_le32(string_off);
	h->total_size = cpu_to_le64(total);
}

static const struct bft_node sample_nodes[] = {
	BFT_DIR(0, NULL, 1, 4),
	BFT_DIR(0, "bin", 5, 2),
	BFT_DIR(0, "empty", 0, 0),
	BFT_REG(0, "file", 10000, 0, 3),
	BFT_LNK(0, "link", "file"),
	BFT_REG(1, "a", 0, 0, 0),
	{ .kind = BUNDLEFS_NODE_REG, .flags = BUNDLEFS_NODE_EXEC, .parent = 1,
	  .name = "run", .size = 4096, .first = 3, .count = 1 },
};

void bft_build_sample(struct kunit *test, struct bft_image *out)
{
	bft_build(test, out, 12, sample_nodes, ARRAY_SIZE(sample_nodes), 4);
}

void bft_parse_ok(struct kunit *test, struct bft_image *img,
		  struct bundlefs_image *parsed)
{
	char why[BUNDLEFS_WHY_MAX] = "";
	int err = bundlefs_image_parse(parsed, img->buf, img->size, why);

	KUNIT_ASSERT_EQ_MSG(test, err, 0, "image refused: %s", why);
}
