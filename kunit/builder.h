/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Build bundlefs images in memory for the KUnit suites: a list of nodes in
 * node-table order becomes a complete image that the tests then parse, or
 * break one field at a time.
 */
#ifndef _BUNDLEFS_KUNIT_BUILDER_H
#define _BUNDLEFS_KUNIT_BUILDER_H

#include <kunit/test.h>
#include "image.h"

/*
 * One node.  Directories and regular files give first/count themselves;
 * a symlink gives @target and the builder fills first, count and size.
 * A name of NULL is the root's (no name).
 */
struct bft_node {
	u8 kind;
	u8 flags;
	u32 parent;
	const char *name;
	u16 name_len;		/* 0: strlen(name) */
	u64 size;
	u32 first;
	u32 count;
	const char *target;
};

struct bft_image {
	u8 *buf;
	u64 size;
	struct bundlefs_image_header *hdr;
	struct bundlefs_node *nodes;
	struct bundlefs_digest *digests;
	char *strings;
	u32 node_count;
};

#define BFT_DIR(p, n, f, c) \
	{ .kind = BUNDLEFS_NODE_DIR, .parent = (p), .name = (n), \
	  .first = (f), .count = (c) }
#define BFT_REG(p, n, sz, f, c) \
	{ .kind = BUNDLEFS_NODE_REG, .parent = (p), .name = (n), \
	  .size = (sz), .first = (f), .count = (c) }
#define BFT_LNK(p, n, t) \
	{ .kind = BUNDLEFS_NODE_LNK, .parent = (p), .name = (n), .target = (t) }

/*
 * Build an image with @digest_count digests (digest i filled with byte i)
 * and the given chunk shift.  The buffer is test-managed; total_size is the
 * sum of the regular files' sizes.
 */
void bft_build(struct kunit *test, struct bft_image *out, u32 chunk_shift,
	       const struct bft_node *nodes, u32 node_count,
	       u32 digest_count);

/*
 * A small image with a node of every kind, chunk shift 12:
 *
 *   0 /            dir, children 1..4
 *   1 /bin         dir, children 5..6
 *   2 /empty       dir, no children
 *   3 /file        reg, 10000 bytes, 3 chunks, digests 0..2
 *   4 /link        lnk -> "file"
 *   5 /bin/a       reg, empty
 *   6 /bin/run     reg, executable, 4096 bytes, 1 chunk, digest 3
 */
void bft_build_sample(struct kunit *test, struct bft_image *out);

#define BFT_SAMPLE_TOTAL (10000 + 4096)
/*
 * Its layout: header 72, 7 nodes of 40 at 72, 4 digests at 352, a string
 * pool of 32 bytes at 416.  Names: "bin" 1, "empty" 5, "file" 11, "link" 16,
 * link target "file" 21, "a" 26, "run" 28.
 */
#define BFT_SAMPLE_SIZE 448
#define BFT_SAMPLE_STRINGS 32

/* Parse @img, expecting success. */
void bft_parse_ok(struct kunit *test, struct bft_image *img,
		  struct bundlefs_image *parsed);

#endif /* _BUNDLEFS_KUNIT_BUILDER_H */
