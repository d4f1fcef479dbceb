// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the range map of pages held in the upper directory
 * (kmod/rangemap.c), as the module itself runs it: merging, trimming,
 * lookups at every edge, and random operations against a bitmap.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/prandom.h>
#include "builder.h"
#include "rangemap.h"

static void rangemap_merge(struct kunit *test)
{
	struct bundlefs_rangemap m = { };

	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 10, 20), 0);
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 30, 40), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 2U);
	/* touching on both sides: one range */
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 20, 30), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 1U);
	KUNIT_EXPECT_EQ(test, m.r[0].start, 10ULL);
	KUNIT_EXPECT_EQ(test, m.r[0].end, 40ULL);
	/* inside: nothing changes */
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 15, 16), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 1U);
	/* before and after */
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 0, 5), 0);
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 50, 60), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 3U);
	KUNIT_EXPECT_EQ(test, bundlefs_rangemap_count(&m), 5ULL + 30 + 10);
	/* covering all of them */
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 1, 55), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 1U);
	KUNIT_EXPECT_EQ(test, m.r[0].start, 0ULL);
	KUNIT_EXPECT_EQ(test, m.r[0].end, 60ULL);
	bundlefs_rangemap_free(&m);
}

static void rangemap_edges(struct kunit *test)
{
	struct bundlefs_rangemap m = { };

	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, 100, 200), 0);
	KUNIT_EXPECT_FALSE(test, bundlefs_rangemap_contains(&m, 99));
	KUNIT_EXPECT_TRUE(test, bundlefs_rangemap_contains(&m, 100));
	KUNIT_EXPECT_TRUE(test, bundlefs_rangemap_contains(&m, 199));
	KUNIT_EXPECT_FALSE(test, bundlefs_rangemap_contains(&m, 200));
	bundlefs_rangemap_trim(&m, 150);
	KUNIT_EXPECT_TRUE(test, bundlefs_rangemap_contains(&m, 149));
	KUNIT_EXPECT_FALSE(test, bundlefs_rangemap_contains(&m, 150));
	bundlefs_rangemap_trim(&m, 100);
	KUNIT_EXPECT_EQ(test, m.nr, 0U);
	KUNIT_EXPECT_FALSE(test, bundlefs_rangemap_contains(&m, 100));
	/* the largest page index a file can have */
	KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, U64_MAX - 1, U64_MAX), 0);
	KUNIT_EXPECT_TRUE(test, bundlefs_rangemap_contains(&m, U64_MAX - 1));
	KUNIT_EXPECT_FALSE(test, bundlefs_rangemap_contains(&m, U64_MAX - 2));
	bundlefs_rangemap_free(&m);
}

#define SPAN 1024

static void rangemap_random(struct kunit *test)
{
	struct bundlefs_rangemap m = { };
	struct rnd_state rnd;
	unsigned long *bits;
	int op, i;

	bits = kunit_kzalloc(test, BITS_TO_LONGS(SPAN) * sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	prandom_seed_state(&rnd, 42);
	for (op = 0; op < 20000; op++) {
		u32 a = prandom_u32_state(&rnd) % SPAN;
		u32 len = prandom_u32_state(&rnd) % 40;
		u32 b = min_t(u32, a + len, SPAN);

		if (prandom_u32_state(&rnd) % 8) {
			KUNIT_ASSERT_EQ(test, bundlefs_rangemap_add(&m, a, b), 0);
			if (b > a)
				bitmap_set(bits, a, b - a);
		} else {
			bundlefs_rangemap_trim(&m, a);
			bitmap_clear(bits, a, SPAN - a);
		}
		if (op % 100)
			continue;
		for (i = 0; i < SPAN; i++)
			KUNIT_ASSERT_EQ_MSG(test, bundlefs_rangemap_contains(&m, i),
					    test_bit(i, bits), "op %d index %d", op, i);
		KUNIT_ASSERT_EQ(test, bundlefs_rangemap_count(&m),
				(u64)bitmap_weight(bits, SPAN));
		for (i = 1; i < m.nr; i++)
			KUNIT_ASSERT_GT(test, m.r[i].start, m.r[i - 1].end);
	}
	bundlefs_rangemap_free(&m);
}

static struct kunit_case bundlefs_rangemap_cases[] = {
	KUNIT_CASE(rangemap_merge),
	KUNIT_CASE(rangemap_edges),
	KUNIT_CASE(rangemap_random),
	{}
};

static struct kunit_suite bundlefs_rangemap_suite = {
	.name = "bundlefs_rangemap",
	.test_cases = bundlefs_rangemap_cases,
};

kunit_test_suites(&bundlefs_rangemap_suite);
