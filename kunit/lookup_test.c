// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for bundlefs_image_lookup(): the binary search over a
 * directory's sorted children that the module's ->lookup uses.
 */
#include <linux/string.h>
#include "builder.h"

static void build_dir(struct kunit *test, struct bundlefs_image *parsed,
		      struct bft_image *img, const char *const *names,
		      u32 n)
{
	struct bft_node *nodes = kunit_kcalloc(test, n + 1, sizeof(*nodes),
					       GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, nodes);
	nodes[0] = (struct bft_node)BFT_DIR(0, NULL, n ? 1 : 0, n);
	for (i = 0; i < n; i++)
		nodes[i + 1] = (struct bft_node)BFT_REG(0, names[i], 0, 0, 0);
	bft_build(test, img, 12, nodes, n + 1, 0);
	bft_parse_ok(test, img, parsed);
}

static u32 lookup(const struct bundlefs_image *p, u32 dir, const char *name)
{
	return bundlefs_image_lookup(p, dir, name, strlen(name));
}

static const char *const plain[] = {
	"Makefile", "README", "a", "abc", "b", "b.txt", "c", "zz",
};

static void lookup_first_middle_last(struct kunit *test)
{
	struct bundlefs_image p;
	struct bft_image img;
	u32 i;

	build_dir(test, &p, &img, plain, ARRAY_SIZE(plain));
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "Makefile"), 1U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "b"), 5U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "zz"), (u32)ARRAY_SIZE(plain));
	for (i = 0; i < ARRAY_SIZE(plain); i++)
		KUNIT_EXPECT_EQ_MSG(test, lookup(&p, 0, plain[i]), i + 1,
				    "name \"%s\"", plain[i]);
}

static void lookup_missing(struct kunit *test)
{
	static const char *const missing[] = {
		"", "0", "Makefil", "Makefile2", "ab", "abcd", "aa", "b.tx",
		"bb", "d", "z", "zzz", "\x7f", "\xff",
	};
	struct bundlefs_image p;
	struct bft_image img;
	u32 i;

	build_dir(test, &p, &img, plain, ARRAY_SIZE(plain));
	for (i = 0; i < ARRAY_SIZE(missing); i++)
		KUNIT_EXPECT_EQ_MSG(test, lookup(&p, 0, missing[i]), 0U,
				    "name \"%s\"", missing[i]);
}

/* Only the last byte tells these apart; also the byte values at the edges. */
static void lookup_last_byte(struct kunit *test)
{
	static const char *const names[] = {
		"file\x01", "file0", "file1", "file2", "file9", "file\x7f",
		"file\x80", "file\xfe", "file\xff",
	};
	struct bundlefs_image p;
	struct bft_image img;
	u32 i;

	build_dir(test, &p, &img, names, ARRAY_SIZE(names));
	for (i = 0; i < ARRAY_SIZE(names); i++)
		KUNIT_EXPECT_EQ_MSG(test, lookup(&p, 0, names[i]), i + 1,
				    "name %*phN", (int)strlen(names[i]),
				    names[i]);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "file3"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "file"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "file\x81"), 0U);
}

/*
 * Names are compared as unsigned bytes, not characters: UTF-8 sorts after
 * ASCII, and 0xff after everything.
 */
static void lookup_non_ascii(struct kunit *test)
{
	static const char *const names[] = {
		"Zebra", "zebra", "\xc3\x89t\xc3\xa9",	/* Été */
		"\xc3\xa9t\xc3\xa9",			/* été */
		"\xe2\x82\xac",				/* € */
		"\xe6\x96\x87\xe4\xbb\xb6",		/* 文件 */
		"\xf0\x9f\x8e\xac.mov",			/* 🎬.mov */
		"\xff\xfe",
	};
	struct bundlefs_image p;
	struct bft_image img;
	u32 i;

	build_dir(test, &p, &img, names, ARRAY_SIZE(names));
	for (i = 0; i < ARRAY_SIZE(names); i++)
		KUNIT_EXPECT_EQ_MSG(test, lookup(&p, 0, names[i]), i + 1,
				    "name %*phN", (int)strlen(names[i]),
				    names[i]);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "\xc3\xa9t\xc3"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "\xe2\x82\xad"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "\xff"), 0U);
}

/* The name is (pointer, length): whatever follows it is not part of it. */
static void lookup_uses_length(struct kunit *test)
{
	struct bundlefs_image p;
	struct bft_image img;

	build_dir(test, &p, &img, plain, ARRAY_SIZE(plain));
	KUNIT_EXPECT_EQ(test, bundlefs_image_lookup(&p, 0, "abcdef", 3), 4U);
	KUNIT_EXPECT_EQ(test, bundlefs_image_lookup(&p, 0, "abcdef", 1), 3U);
	KUNIT_EXPECT_EQ(test, bundlefs_image_lookup(&p, 0, "abcdef", 2), 0U);
	KUNIT_EXPECT_EQ(test, bundlefs_image_lookup(&p, 0, "b.txt!", 5), 6U);
	KUNIT_EXPECT_EQ(test, bundlefs_image_lookup(&p, 0, "a", 0), 0U);
}

/* Each directory searches its own range only; files have no children. */
static void lookup_nested(struct kunit *test)
{
	struct bundlefs_image p;
	struct bft_image img;

	bft_build_sample(test, &img);
	bft_parse_ok(test, &img, &p);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "bin"), 1U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "link"), 4U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 1, "a"), 5U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 1, "run"), 6U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "a"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "run"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 1, "bin"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 2, "a"), 0U);	/* empty dir */
	KUNIT_EXPECT_EQ(test, lookup(&p, 3, "a"), 0U);	/* file */
	KUNIT_EXPECT_EQ(test, lookup(&p, 4, "a"), 0U);	/* symlink */
	KUNIT_EXPECT_EQ(test, lookup(&p, 5, "a"), 0U);	/* empty file */
}

static void lookup_empty_root(struct kunit *test)
{
	struct bundlefs_image p;
	struct bft_image img;

	build_dir(test, &p, &img, NULL, 0);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, "a"), 0U);
	KUNIT_EXPECT_EQ(test, lookup(&p, 0, ""), 0U);
}

/* Every child of a large directory, and every gap between two of them. */
static void lookup_large_dir(struct kunit *test)
{
	const u32 n = 1000;
	const char **names = kunit_kcalloc(test, n, sizeof(*names), GFP_KERNEL);
	char *pool = kunit_kzalloc(test, n * 8, GFP_KERNEL);
	struct bundlefs_image p;
	struct bft_image img;
	char probe[8];
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, names);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	for (i = 0; i < n; i++) {
		/* even numbers only, so odd ones fall between two names */
		snprintf(pool + i * 8, 8, "f%05u", 2 * i);
		names[i] = pool + i * 8;
	}
	build_dir(test, &p, &img, names, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, lookup(&p, 0, names[i]), i + 1);
		snprintf(probe, sizeof(probe), "f%05u", 2 * i + 1);
		KUNIT_EXPECT_EQ(test, lookup(&p, 0, probe), 0U);
	}
}

static struct kunit_case bundlefs_image_lookup_cases[] = {
	KUNIT_CASE(lookup_first_middle_last),
	KUNIT_CASE(lookup_missing),
	KUNIT_CASE(lookup_last_byte),
	KUNIT_CASE(lookup_non_ascii),
	KUNIT_CASE(lookup_uses_length),
	KUNIT_CASE(lookup_nested),
	KUNIT_CASE(lookup_empty_root),
	KUNIT_CASE(lookup_large_dir),
	{}
};

static struct kunit_suite bundlefs_image_lookup_suite = {
	.name = "bundlefs_image_lookup",
	.test_cases = bundlefs_image_lookup_cases,
};

kunit_test_suites(&bundlefs_image_lookup_suite);
