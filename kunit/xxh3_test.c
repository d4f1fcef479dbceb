// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the module's XXH3-128 (kmod/xxh3.c): one-shot and
 * streamed digests of the vectors libxxhash computed
 * (kunit/xxh3_vectors.h, from tests/tools/gen-xxh3-vectors.c), each input
 * in a buffer of exactly its size so that KASAN sees any over-read.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "xxh3.h"
#include "xxh3_vectors.h"

#define VEC_MAX_LEN (1048576 + 3)

static void vec_desc(const struct bundlefs_xxh3_vector *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes", v->len);
}

KUNIT_ARRAY_PARAM(vec, bundlefs_xxh3_vectors, vec_desc);

/* @len input bytes at @off into a buffer of exactly @off + @len bytes. */
static u8 *vec_input(struct kunit *test, u32 len, u32 off)
{
	u8 *buf = kunit_kmalloc(test, off + len ?: 1, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	for (i = 0; i < len; i++)
		buf[off + i] = BUNDLEFS_XXH3_VEC_BYTE(i);
	return buf + off;
}

static void expect_digest(struct kunit *test, const u8 got[16],
			  const struct bundlefs_xxh3_vector *v, const char *how)
{
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(got, v->digest, 16),
			      "%u bytes, %s: got %16phN expected %16phN",
			      v->len, how, got, v->digest);
}

static void xxh3_one_shot(struct kunit *test)
{
	const struct bundlefs_xxh3_vector *v = test->param_value;
	const u8 *in = vec_input(test, v->len, 0);
	u8 got[16];

	bundlefs_xxh3_128(in, v->len, got);
	expect_digest(test, got, v, "one-shot");
}

/*
 * Update sizes, cycled until the input is used up: single bytes, each side
 * of a stripe (64), of the streaming buffer (256) and of a block (1024),
 * pages from an odd start, empty updates, and mixtures.
 */
struct xxh3_split {
	u32 count;
	u32 size[3];
};

static const struct xxh3_split splits[] = {
	{ 1, { 1 } }, { 1, { 2 } }, { 1, { 63 } }, { 1, { 64 } },
	{ 1, { 65 } }, { 1, { 255 } }, { 1, { 256 } }, { 1, { 257 } },
	{ 1, { 1023 } }, { 1, { 1024 } }, { 1, { 1025 } }, { 1, { 4096 } },
	{ 2, { 1, 4095 } }, { 3, { 100, 3000, 17 } }, { 2, { 0, 5 } },
	{ 1, { 65536 } }, { 2, { 241, 783 } },
};

static void stream(struct bundlefs_xxh3_state *s, const u8 *in, u32 len,
		   const struct xxh3_split *split)
{
	u32 off = 0, i = 0, n;

	bundlefs_xxh3_128_reset(s);
	while (off < len) {
		n = min(split->size[i], len - off);
		bundlefs_xxh3_128_update(s, in + off, n);
		off += n;
		i = (i + 1) % split->count;
	}
}

static void split_desc(const struct xxh3_split *split, char *how, size_t size)
{
	snprintf(how, size, "updates of %u,%u,%u (%u cycled)", split->size[0],
		 split->size[1], split->size[2], split->count);
}

static void xxh3_streamed(struct kunit *test)
{
	const struct bundlefs_xxh3_vector *v = test->param_value;
	const u8 *in = vec_input(test, v->len, 0);
	struct bundlefs_xxh3_state *s;
	char how[64];
	u8 got[16];
	size_t k;

	s = kunit_kmalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	for (k = 0; k < ARRAY_SIZE(splits); k++) {
		stream(s, in, v->len, &splits[k]);
		bundlefs_xxh3_128_digest(s, got);
		split_desc(&splits[k], how, sizeof(how));
		expect_digest(test, got, v, how);
	}
}

/*
 * Every input is a prefix of the longest: stream the longest in pieces
 * that end at each vector's length and take a digest there, so digests
 * mid-stream must leave the state as it was.
 */
static void xxh3_digest_midway(struct kunit *test)
{
	const u8 *in = vec_input(test, VEC_MAX_LEN, 0);
	struct bundlefs_xxh3_state *s;
	u32 off = 0;
	u8 got[16];
	size_t k;

	s = kunit_kmalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	bundlefs_xxh3_128_reset(s);
	for (k = 0; k < ARRAY_SIZE(bundlefs_xxh3_vectors); k++) {
		const struct bundlefs_xxh3_vector *v = &bundlefs_xxh3_vectors[k];

		KUNIT_ASSERT_GE(test, v->len, off);
		KUNIT_ASSERT_LE(test, v->len, VEC_MAX_LEN);
		bundlefs_xxh3_128_update(s, in + off, v->len - off);
		off = v->len;
		bundlefs_xxh3_128_digest(s, got);
		expect_digest(test, got, v, "digest mid-stream");
		bundlefs_xxh3_128_digest(s, got);
		expect_digest(test, got, v, "second digest");
	}
}

/* Input starting at every offset into a stripe (three for long inputs). */
static void xxh3_unaligned(struct kunit *test)
{
	const struct bundlefs_xxh3_vector *v = test->param_value;
	struct bundlefs_xxh3_state *s;
	char how[64];
	u8 got[16];
	u32 off;

	s = kunit_kmalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	for (off = 1; off < 64; off += v->len > 4097 ? 31 : 1) {
		const u8 *in = vec_input(test, v->len, off);

		bundlefs_xxh3_128(in, v->len, got);
		snprintf(how, sizeof(how), "one-shot at offset %u", off);
		expect_digest(test, got, v, how);
		stream(s, in, v->len, &splits[ARRAY_SIZE(splits) - 1]);
		bundlefs_xxh3_128_digest(s, got);
		snprintf(how, sizeof(how), "streamed at offset %u", off);
		expect_digest(test, got, v, how);
		kunit_kfree(test, (void *)(in - off));
	}
}

static struct kunit_case bundlefs_xxh3_cases[] = {
	KUNIT_CASE_PARAM(xxh3_one_shot, vec_gen_params),
	KUNIT_CASE_PARAM(xxh3_streamed, vec_gen_params),
	KUNIT_CASE(xxh3_digest_midway),
	KUNIT_CASE_PARAM(xxh3_unaligned, vec_gen_params),
	{}
};

static struct kunit_suite bundlefs_xxh3_suite = {
	.name = "bundlefs_xxh3",
	.test_cases = bundlefs_xxh3_cases,
};

kunit_test_suites(&bundlefs_xxh3_suite);
