// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the offset -> chunk -> object-offset mapping that the
 * module's read path uses: bundlefs_chunk_count() and bundlefs_chunk_map()
 * at every boundary, for the smallest, the manifests' and the largest
 * chunk size.
 */
#include "builder.h"

static const u32 shifts[] = { 12, 28, 40 };

static void shift_desc(const u32 *shift, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "chunk_shift %u", *shift);
}

KUNIT_ARRAY_PARAM(shift, shifts, shift_desc);

static void chunk_count(struct kunit *test)
{
	const u32 shift = *(const u32 *)test->param_value;
	const u64 c = 1ULL << shift;

	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(0, shift), 0ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(1, shift), 1ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(c - 1, shift), 1ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(c, shift), 1ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(c + 1, shift), 2ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(2 * c, shift), 2ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(7 * c, shift), 7ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(7 * c + 1, shift), 8ULL);
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(S64_MAX, shift),
			(1ULL << (63 - shift)));
	KUNIT_EXPECT_EQ(test, bundlefs_chunk_count(U64_MAX, shift),
			(1ULL << (64 - shift)));
}

/*
 * A directory with files of sizes around the chunk size, parsed with the
 * validator so the mapping runs on an image the module would accept.
 * Digest ranges: "a" 0 chunks; "b" 1 at 0; "c" 1 at 1; "d" 2 at 2;
 * "e" 3 at 4; "f" 4 at 7.
 */
static void build(struct kunit *test, u32 shift, struct bft_image *img,
		  struct bundlefs_image *p)
{
	const u64 c = 1ULL << shift;
	const struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 6),
		BFT_REG(0, "a-empty", 0, 0, 0),
		BFT_REG(0, "b-one-byte", 1, 0, 1),
		BFT_REG(0, "c-one-chunk", c, 1, 1),
		BFT_REG(0, "d-two-chunks", 2 * c, 2, 2),
		BFT_REG(0, "e-two-and-a-byte", 2 * c + 1, 4, 3),
		BFT_REG(0, "f-three-and-100", 3 * c + 100, 7, 4),
	};

	bft_build(test, img, shift, nodes, ARRAY_SIZE(nodes), 11);
	bft_parse_ok(test, img, p);
}

static void expect_pos(struct kunit *test, const struct bundlefs_image *p,
		       u32 node, u64 pos, u32 chunk, u32 digest, u64 offset,
		       u64 avail, u64 length)
{
	struct bundlefs_chunk_pos out = {};
	bool ok = bundlefs_chunk_map(p, &p->nodes[node], pos, &out);

	KUNIT_ASSERT_TRUE_MSG(test, ok, "node %u pos %llu not mapped", node,
			      pos);
	KUNIT_EXPECT_EQ_MSG(test, out.chunk, chunk, "node %u pos %llu", node,
			    pos);
	KUNIT_EXPECT_EQ_MSG(test, out.digest, digest, "node %u pos %llu",
			    node, pos);
	KUNIT_EXPECT_EQ_MSG(test, out.offset, offset, "node %u pos %llu",
			    node, pos);
	KUNIT_EXPECT_EQ_MSG(test, out.avail, avail, "node %u pos %llu", node,
			    pos);
	KUNIT_EXPECT_EQ_MSG(test, out.length, length, "node %u pos %llu",
			    node, pos);
}

static void expect_unmapped(struct kunit *test,
			    const struct bundlefs_image *p, u32 node, u64 pos)
{
	struct bundlefs_chunk_pos out;

	KUNIT_EXPECT_FALSE_MSG(test,
			       bundlefs_chunk_map(p, &p->nodes[node], pos,
						  &out),
			       "node %u pos %llu mapped", node, pos);
}

static void chunk_map_boundaries(struct kunit *test)
{
	const u32 shift = *(const u32 *)test->param_value;
	const u64 c = 1ULL << shift;
	struct bundlefs_image p;
	struct bft_image img;

	build(test, shift, &img, &p);

	/* zero-length file: no byte maps */
	expect_unmapped(test, &p, 1, 0);
	expect_unmapped(test, &p, 1, 1);

	/* one byte: a chunk object of length 1 */
	expect_pos(test, &p, 2, 0, 0, 0, 0, 1, 1);
	expect_unmapped(test, &p, 2, 1);

	/* exactly one chunk */
	expect_pos(test, &p, 3, 0, 0, 1, 0, c, c);
	expect_pos(test, &p, 3, c - 1, 0, 1, c - 1, 1, c);
	expect_unmapped(test, &p, 3, c);

	/* exactly two chunks: the last is whole */
	expect_pos(test, &p, 4, 0, 0, 2, 0, c, c);
	expect_pos(test, &p, 4, c - 1, 0, 2, c - 1, 1, c);
	expect_pos(test, &p, 4, c, 1, 3, 0, c, c);
	expect_pos(test, &p, 4, 2 * c - 1, 1, 3, c - 1, 1, c);
	expect_unmapped(test, &p, 4, 2 * c);

	/* two chunks and a byte: the last chunk object is one byte */
	expect_pos(test, &p, 5, c, 1, 5, 0, c, c);
	expect_pos(test, &p, 5, 2 * c - 1, 1, 5, c - 1, 1, c);
	expect_pos(test, &p, 5, 2 * c, 2, 6, 0, 1, 1);
	expect_unmapped(test, &p, 5, 2 * c + 1);

	/* three chunks and 100 bytes */
	expect_pos(test, &p, 6, 0, 0, 7, 0, c, c);
	expect_pos(test, &p, 6, c + 1, 1, 8, 1, c - 1, c);
	expect_pos(test, &p, 6, 3 * c, 3, 10, 0, 100, 100);
	expect_pos(test, &p, 6, 3 * c + 99, 3, 10, 99, 1, 100);
	expect_unmapped(test, &p, 6, 3 * c + 100);
	expect_unmapped(test, &p, 6, U64_MAX);
}

/* Directories and symlinks have no chunks. */
static void chunk_map_not_a_file(struct kunit *test)
{
	struct bundlefs_image p;
	struct bft_image img;

	bft_build_sample(test, &img);
	bft_parse_ok(test, &img, &p);
	expect_unmapped(test, &p, 0, 0);
	expect_unmapped(test, &p, 1, 0);
	expect_unmapped(test, &p, 4, 0);	/* "link", size 4 */
	expect_unmapped(test, &p, 4, 3);
	/* "run": executable, one chunk of 4096 at digest 3 */
	expect_pos(test, &p, 6, 4095, 0, 3, 4095, 1, 4096);
}

/*
 * Walking a file by (pos += avail) visits each chunk once, in order, with
 * consecutive digests, and the chunk lengths add up to the file size.
 */
static void chunk_map_walk(struct kunit *test)
{
	const u32 shift = *(const u32 *)test->param_value;
	struct bundlefs_chunk_pos out;
	struct bundlefs_image p;
	struct bft_image img;
	u32 node, expect_chunk;
	u64 pos, sum;

	build(test, shift, &img, &p);
	for (node = 1; node < p.node_count; node++) {
		const struct bundlefs_node *n = &p.nodes[node];
		u64 size = le64_to_cpu(n->size);

		sum = 0;
		expect_chunk = 0;
		for (pos = 0; bundlefs_chunk_map(&p, n, pos, &out);
		     pos += out.avail) {
			KUNIT_EXPECT_EQ(test, out.chunk, expect_chunk);
			KUNIT_EXPECT_EQ(test, out.digest,
					le32_to_cpu(n->first) + expect_chunk);
			KUNIT_EXPECT_EQ(test, out.offset, 0ULL);
			KUNIT_EXPECT_GT(test, out.avail, 0ULL);
			sum += out.length;
			expect_chunk++;
		}
		KUNIT_EXPECT_EQ(test, pos, size);
		KUNIT_EXPECT_EQ(test, sum, size);
		KUNIT_EXPECT_EQ(test, expect_chunk, le32_to_cpu(n->count));
	}
}

static struct kunit_case bundlefs_chunk_map_cases[] = {
	KUNIT_CASE_PARAM(chunk_count, shift_gen_params),
	KUNIT_CASE_PARAM(chunk_map_boundaries, shift_gen_params),
	KUNIT_CASE_PARAM(chunk_map_walk, shift_gen_params),
	KUNIT_CASE(chunk_map_not_a_file),
	{}
};

static struct kunit_suite bundlefs_chunk_map_suite = {
	.name = "bundlefs_chunk_map",
	.test_cases = bundlefs_chunk_map_cases,
};

kunit_test_suites(&bundlefs_chunk_map_suite);
