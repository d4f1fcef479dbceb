// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the image validator, bundlefs_image_parse(), on any bytes;
 * then, on every image it accepts, the readers the module uses without
 * further checks (lookup, chunk map, names, link targets, digests).  The
 * validator promises that those never read outside the image: ASan checks
 * it, since the image is copied into a buffer of exactly its size.
 */
#include <string.h>
#include "fuzz.h"
#include "image.h"

static void walk(const struct bundlefs_image *img)
{
	u32 i;

	for (i = 0; i < img->node_count; i++) {
		const struct bundlefs_node *n = bundlefs_image_node(img, i);
		struct bundlefs_chunk_pos pos;
		u64 size = le64_to_cpu(n->size);
		char hex[33];

		if (i) {
			u32 parent = le32_to_cpu(n->parent);
			u32 found = bundlefs_image_lookup(img, parent,
					bundlefs_node_name(img, n),
					le16_to_cpu(n->name_len));

			FUZZ_CHECK(parent < i, "node %u parent %u", i, parent);
			FUZZ_CHECK(found == i, "node %u found as %u", i, found);
		}
		switch (n->kind) {
		case BUNDLEFS_NODE_DIR:
			/* a name no child can have */
			FUZZ_CHECK(bundlefs_image_lookup(img, i, "/", 1) == 0,
				   "node %u has a child named /", i);
			break;
		case BUNDLEFS_NODE_REG:
			if (!size) {
				FUZZ_CHECK(!bundlefs_chunk_map(img, n, 0, &pos),
					   "empty node %u maps", i);
				break;
			}
			FUZZ_CHECK(bundlefs_chunk_map(img, n, 0, &pos),
				   "node %u: byte 0 unmapped", i);
			bundlefs_digest_hex(&img->digests[pos.digest], hex);
			FUZZ_CHECK(bundlefs_chunk_map(img, n, size - 1, &pos),
				   "node %u: last byte unmapped", i);
			FUZZ_CHECK(pos.avail == 1 && pos.offset < pos.length,
				   "node %u: last byte avail %llu", i,
				   (unsigned long long)pos.avail);
			bundlefs_digest_hex(&img->digests[pos.digest], hex);
			FUZZ_CHECK(bundlefs_chunk_map(img, n, size / 2, &pos),
				   "node %u: middle unmapped", i);
			FUZZ_CHECK(!bundlefs_chunk_map(img, n, size, &pos),
				   "node %u: byte past the end maps", i);
			break;
		case BUNDLEFS_NODE_LNK:
			FUZZ_CHECK(strlen(bundlefs_node_target(img, n)) == size,
				   "node %u: target length", i);
			break;
		default:
			FUZZ_CHECK(0, "node %u: kind %u accepted", i, n->kind);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundlefs_image img;
	char why[BUNDLEFS_WHY_MAX];
	/* exactly @size bytes (at least one) so ASan sees any overread */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (bundlefs_image_parse(&img, buf, size, why) == 0)
		walk(&img);
	else
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) && why[0],
			   "refusal without a reason");
	free(buf);
	return 0;
}
