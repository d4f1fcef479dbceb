// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for bundlefs_image_parse(): every rejection rule of the
 * validator, a valid image of every node kind, and robustness against
 * truncated and bit-flipped images.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/unaligned.h>
#include "builder.h"

/* Parse @img expecting a refusal whose reason contains @expect. */
static void expect_refused(struct kunit *test, const struct bft_image *img,
			   u64 size, const char *expect)
{
	struct bundlefs_image parsed;
	char why[BUNDLEFS_WHY_MAX] = "";
	int err = bundlefs_image_parse(&parsed, img->buf, size, why);

	KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL,
			    "image accepted, expected refusal \"%s\"", expect);
	KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, strstr(why, expect),
					 "reason \"%s\", expected \"%s\"",
					 why, expect);
}

/*
 * One rejection rule: the sample image (builder.h) with up to three
 * fields changed.  An edit sets or adds to a little-endian field of the header or
 * of a node, or sets one byte of the string pool.
 */
enum { EDIT_NONE, EDIT_HDR, EDIT_NODE, EDIT_STR };

struct bft_edit {
	u8 where;
	u8 node;
	u8 width;
	bool add;
	u16 off;
	u64 value;
};

#define HDR_FIELD(f) .off = offsetof(struct bundlefs_image_header, f), \
	.width = sizeof_field(struct bundlefs_image_header, f)
#define NODE_FIELD(f) .off = offsetof(struct bundlefs_node, f), \
	.width = sizeof_field(struct bundlefs_node, f)
#define HSET(f, v) { .where = EDIT_HDR, HDR_FIELD(f), .value = (v) }
#define HADD(f, v) { .where = EDIT_HDR, HDR_FIELD(f), .value = (v), .add = true }
#define NSET(i, f, v) { .where = EDIT_NODE, .node = (i), NODE_FIELD(f), .value = (v) }
#define NADD(i, f, v) { .where = EDIT_NODE, .node = (i), NODE_FIELD(f), \
			.value = (v), .add = true }
#define SSET(o, c) { .where = EDIT_STR, .off = (o), .value = (c) }

struct reject_case {
	const char *desc;
	const char *expect;
	struct bft_edit edit[3];
	bool sized;		/* parse @size bytes instead of the image's */
	u64 size;
};

static void apply_edit(struct bft_image *img, const struct bft_edit *e)
{
	u8 *p;

	switch (e->where) {
	case EDIT_HDR:
		p = (u8 *)img->hdr + e->off;
		break;
	case EDIT_NODE:
		p = (u8 *)&img->nodes[e->node] + e->off;
		break;
	case EDIT_STR:
		img->strings[e->off] = e->value;
		return;
	default:
		return;
	}
	switch (e->width) {
	case 1:
		*p = (e->add ? *p : 0) + e->value;
		break;
	case 2:
		put_unaligned_le16((e->add ? get_unaligned_le16(p) : 0) +
				   e->value, p);
		break;
	case 4:
		put_unaligned_le32((e->add ? get_unaligned_le32(p) : 0) +
				   e->value, p);
		break;
	case 8:
		put_unaligned_le64((e->add ? get_unaligned_le64(p) : 0) +
				   e->value, p);
		break;
	}
}

#define HDR_SIZE sizeof(struct bundlefs_image_header)
#define NEG(x) ((u64)-(s64)(x))

static const struct reject_case reject_cases[] = {
	{ "empty image", "shorter than its header", .sized = true, .size = 0 },
	{ "one byte short of a header", "shorter than its header",
	  .sized = true, .size = HDR_SIZE - 1 },
	{ "bad magic", "bad magic 0x12345678", { HSET(magic, 0x12345678) } },
	{ "unsupported version", "unsupported image version 2",
	  { HSET(version, 2) } },
	{ "wrong header size", "header size 64, expected 72",
	  { HSET(header_size, 64) } },
	{ "header image_size larger than the buffer", "header says 449 bytes",
	  { HADD(image_size, 1) } },
	{ "buffer larger than the header's image_size", "image has 4096",
	  .sized = true, .size = 4096 },
	{ "buffer one byte short", "image has 447", .sized = true,
	  .size = BFT_SAMPLE_SIZE - 1 },
	{ "flags set", "unknown flags or reserved", { HSET(flags, 1) } },
	{ "reserved[0] set", "unknown flags or reserved",
	  { HSET(reserved[0], 1) } },
	{ "reserved[1] set", "unknown flags or reserved",
	  { HSET(reserved[1], 1ULL << 63) } },
	{ "chunk shift 11", "chunk shift 11 out of range",
	  { HSET(chunk_shift, 11) } },
	{ "chunk shift 41", "chunk shift 41 out of range",
	  { HSET(chunk_shift, 41) } },
	{ "chunk shift 64", "chunk shift 64 out of range",
	  { HSET(chunk_shift, 64) } },
	{ "no nodes", "no root node", { HSET(node_count, 0) } },
	{ "node table inside the header", "node table",
	  { HSET(node_offset, 8) } },
	{ "node table unaligned", "node table", { HADD(node_offset, 4) } },
	{ "node table runs past the end", "node table (19 nodes",
	  { HSET(node_count, 19) } },
	{ "node count U32_MAX", "node table", { HSET(node_count, U32_MAX) } },
	{ "node table starts past the end", "node table",
	  { HSET(node_offset, BFT_SAMPLE_SIZE + 8) } },
	{ "digest table inside the header", "digest table",
	  { HSET(digest_offset, 0) } },
	{ "digest table unaligned", "digest table",
	  { HADD(digest_offset, 1) } },
	{ "digest table runs past the end", "digest table (7 digests",
	  { HSET(digest_count, 7) } },
	{ "digest count U32_MAX", "digest table",
	  { HSET(digest_count, U32_MAX) } },
	{ "string pool inside the header", "string pool",
	  { HSET(string_offset, 64) } },
	{ "string pool unaligned", "string pool", { HADD(string_offset, 2) } },
	{ "string pool runs past the end", "string pool (33 bytes",
	  { HADD(string_size, 1) } },
	{ "string size U32_MAX", "string pool",
	  { HSET(string_size, U32_MAX) } },
	{ "root is a file", "node 0 is not a root directory",
	  { NSET(0, kind, BUNDLEFS_NODE_REG) } },
	{ "root has a parent", "node 0 is not a root directory",
	  { NSET(0, parent, 1) } },
	{ "root has a name length", "node 0 is not a root directory",
	  { NSET(0, name_len, 3) } },
	{ "root has a name offset", "node 0 is not a root directory",
	  { NSET(0, name_offset, 1) } },
	{ "node reserved field set", "node 4: reserved field set",
	  { NSET(4, reserved, 1) } },
	{ "node kind 0", "node 5: unknown kind 0", { NSET(5, kind, 0) } },
	{ "node kind 4", "node 5: unknown kind 4", { NSET(5, kind, 4) } },
	{ "directory with a size", "node 2: directory with a size",
	  { NSET(2, size, 1) } },
	{ "directory with flags", "node 1: directory with a size or flags",
	  { NSET(1, flags, BUNDLEFS_NODE_EXEC) } },
	{ "empty directory with a first child",
	  "node 2: empty directory with first child 5", { NSET(2, first, 5) } },
	{ "children leave a gap", "node 1: children start at 6, expected 5",
	  { NSET(1, first, 6), NSET(1, count, 1) } },
	{ "children overlap a sibling range",
	  "node 1: children start at 4, expected 5", { NSET(1, first, 4) } },
	{ "root children start at 0",
	  "node 0: children start at 0, expected 1", { NSET(0, first, 0) } },
	{ "children run past the table", "node 1: 3 children run past",
	  { NSET(1, count, 3) } },
	{ "children count U32_MAX", "node 1: 4294967295 children run past",
	  { NSET(1, count, U32_MAX) } },
	{ "child names another parent", "node 5: parent 0, but listed under 1",
	  { NSET(5, parent, 0) } },
	{ "name offset past the pool", "node 4: name out of bounds",
	  { NSET(4, name_offset, BFT_SAMPLE_STRINGS + 1) } },
	{ "name runs past the pool", "node 6: name out of bounds",
	  { NSET(6, name_len, BFT_SAMPLE_STRINGS - 28 + 1) } },
	{ "name reaching the pool's end", "node 6: invalid name",
	  { NSET(6, name_len, BFT_SAMPLE_STRINGS - 28) } },
	{ "empty name", "node 5: invalid name", { NSET(5, name_len, 0) } },
	{ "name \".\"", "node 5: invalid name", { SSET(26, '.') } },
	{ "name \"..\"", "node 6: invalid name",
	  { SSET(28, '.'), SSET(29, '.'), NSET(6, name_len, 2) } },
	{ "name with a slash", "node 6: invalid name", { SSET(29, '/') } },
	{ "name with a NUL", "node 6: invalid name", { SSET(29, 0) } },
	{ "siblings out of order", "node 2: name not sorted",
	  { NSET(1, name_offset, 16), NSET(1, name_len, 4) } },
	{ "duplicate sibling", "node 6: name not sorted",
	  { NSET(5, name_offset, 28), NSET(5, name_len, 3) } },
	{ "longer name before its prefix", "node 2: name not sorted",
	  { NSET(2, name_offset, 1), NSET(2, name_len, 2) } },
	{ "file with unknown flags", "node 3: unknown flags 0x2",
	  { NSET(3, flags, 2) } },
	{ "file size 2^63", "node 3: size 9223372036854775808 too large",
	  { NSET(3, size, 1ULL << 63) } },
	{ "file with too few chunks", "node 3: 2 chunks for 10000 bytes",
	  { NSET(3, count, 2) } },
	{ "file with too many chunks", "node 3: 4 chunks for 10000 bytes",
	  { NSET(3, count, 4) } },
	{ "exact multiple of the chunk with an extra chunk",
	  "node 3: 3 chunks for 8192 bytes", { NSET(3, size, 8192) } },
	{ "one byte over a multiple with too few chunks",
	  "node 6: 1 chunks for 4097 bytes", { NSET(6, size, 4097) } },
	{ "2^32 chunks of 4 KiB", "node 3: 0 chunks for 17592186044416 bytes",
	  { NSET(3, size, 1ULL << 44), NSET(3, count, 0) } },
	{ "empty file with a chunk", "node 5: 1 chunks for 0 bytes",
	  { NSET(5, count, 1) } },
	{ "empty file with a first digest", "node 5: empty file with a digest",
	  { NSET(5, first, 1) } },
	{ "chunks run past the digest table",
	  "node 3: chunk list out of bounds", { NSET(3, first, 2) } },
	{ "first digest past the table", "node 6: chunk list out of bounds",
	  { NSET(6, first, 5) } },
	{ "first digest + count wraps", "node 3: chunk list out of bounds",
	  { NSET(3, first, U32_MAX - 1) } },
	{ "symlink with flags", "node 4: symlink with flags",
	  { NSET(4, flags, BUNDLEFS_NODE_EXEC) } },
	{ "empty symlink target", "node 4: bad symlink length 0",
	  { NSET(4, count, 0), NSET(4, size, 0) } },
	{ "symlink size differs from its length",
	  "node 4: bad symlink length 4", { NSET(4, size, 5) } },
	{ "symlink longer than 4095", "node 4: bad symlink length 4096",
	  { NSET(4, count, 4096), NSET(4, size, 4096) } },
	{ "symlink target at the pool's end",
	  "node 4: symlink target out of bounds",
	  { NSET(4, first, BFT_SAMPLE_STRINGS) } },
	{ "symlink target offset U32_MAX",
	  "node 4: symlink target out of bounds", { NSET(4, first, U32_MAX) } },
	{ "symlink target leaves no room for its NUL",
	  "node 4: symlink target out of bounds",
	  { NSET(4, first, BFT_SAMPLE_STRINGS - 4) } },
	{ "symlink target not NUL-terminated",
	  "node 4: symlink target not NUL-terminated", { SSET(25, 'x') } },
	{ "symlink target with an embedded NUL",
	  "node 4: symlink target not NUL-terminated", { SSET(22, 0) } },
	{ "total size too large", "total size 14097, files add up to 14096",
	  { HADD(total_size, 1) } },
	{ "total size too small", "total size 14095, files add up to 14096",
	  { HADD(total_size, NEG(1)) } },
	{ "nodes in no directory", "nodes 6.. are in no directory",
	  { NSET(1, count, 1) } },
};

static void reject_desc(const struct reject_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(reject, reject_cases, reject_desc);

/* Each rule on its own: the sample with exactly one thing broken. */
static void parse_rejects(struct kunit *test)
{
	const struct reject_case *c = test->param_value;
	struct bft_image img;
	int i;

	bft_build_sample(test, &img);
	if (c->sized && c->size > img.size) {
		/* a buffer longer than the image the header describes */
		u8 *big = kunit_kzalloc(test, c->size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, big);
		memcpy(big, img.buf, img.size);
		img.buf = big;
	}
	for (i = 0; i < ARRAY_SIZE(c->edit); i++)
		apply_edit(&img, &c->edit[i]);
	expect_refused(test, &img, c->sized ? c->size : img.size, c->expect);
}

/* NAME_MAX is the limit even when the pool holds a longer name. */
static void parse_rejects_long_name(struct kunit *test)
{
	static char longname[BUNDLEFS_NAME_MAX + 2];
	struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 1),
		BFT_DIR(0, longname, 0, 0),
	};
	struct bundlefs_image parsed;
	struct bft_image img;

	memset(longname, 'n', BUNDLEFS_NAME_MAX + 1);
	bft_build(test, &img, 12, nodes, ARRAY_SIZE(nodes), 0);
	expect_refused(test, &img, img.size, "node 1: invalid name");
	/* one byte shorter is fine */
	img.nodes[1].name_len = cpu_to_le16(BUNDLEFS_NAME_MAX);
	bft_parse_ok(test, &img, &parsed);
}

/* A directory listing itself as its own child: a cycle. */
static void parse_rejects_self_parent(struct kunit *test)
{
	static const struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 1),
		BFT_DIR(0, "a", 0, 0),
		BFT_DIR(2, "b", 2, 1),
	};
	struct bft_image img;

	bft_build(test, &img, 12, nodes, ARRAY_SIZE(nodes), 0);
	expect_refused(test, &img, img.size, "node 2: children start at 2");
}

/* A subdirectory claiming its parent's range: a cycle through two nodes. */
static void parse_rejects_child_owns_parent(struct kunit *test)
{
	static const struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 1),
		BFT_DIR(0, "a", 1, 1),
	};
	struct bft_image img;

	bft_build(test, &img, 12, nodes, ARRAY_SIZE(nodes), 0);
	expect_refused(test, &img, img.size, "node 1: children start at 1");
}

/*
 * Three files of 2^62 bytes: each is valid, their sum is not.  With a
 * 2^40 chunk each needs 2^22 chunks; the three share one digest range, but
 * the table alone is 64 MiB.
 */
static void parse_rejects_total_overflow(struct kunit *test)
{
	const u32 chunks = 1U << 22;
	struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 3),
		BFT_REG(0, "a", 1ULL << 62, 0, chunks),
		BFT_REG(0, "b", 1ULL << 62, 0, chunks),
		BFT_REG(0, "c", 1ULL << 62, 0, chunks),
	};
	struct bundlefs_image parsed;
	char why[BUNDLEFS_WHY_MAX] = "";
	struct bft_image small;
	u64 digest_bytes = (u64)chunks * BUNDLEFS_DIGEST_SIZE;
	u64 size;
	u8 *buf;
	int err;

	/* lay the image out with no digests, then insert the table */
	bft_build(test, &small, 40, nodes, ARRAY_SIZE(nodes), 0);
	size = small.size + digest_bytes;
	buf = kvzalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	memcpy(buf, small.buf, le32_to_cpu(small.hdr->string_offset));
	memcpy(buf + le32_to_cpu(small.hdr->string_offset) + digest_bytes,
	       small.strings, le32_to_cpu(small.hdr->string_size));
	small.hdr = (void *)buf;
	small.hdr->digest_count = cpu_to_le32(chunks);
	small.hdr->image_size = cpu_to_le64(size);
	le32_add_cpu(&small.hdr->string_offset, digest_bytes);
	/* the sum wraps to 3 * 2^62 mod 2^64 = 2^63 + 2^62 */
	small.hdr->total_size = cpu_to_le64(3ULL << 62);

	err = bundlefs_image_parse(&parsed, buf, size, why);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "total size overflows");
	kvfree(buf);
}

static void parse_accepts_sample(struct kunit *test)
{
	struct bundlefs_image parsed;
	struct bft_image img;

	bft_build_sample(test, &img);
	bft_parse_ok(test, &img, &parsed);
	KUNIT_EXPECT_EQ(test, parsed.node_count, 7U);
	KUNIT_EXPECT_EQ(test, parsed.digest_count, 4U);
	KUNIT_EXPECT_EQ(test, parsed.chunk_shift, 12U);
	KUNIT_EXPECT_EQ(test, parsed.total_size, (u64)BFT_SAMPLE_TOTAL);
	KUNIT_EXPECT_EQ(test, parsed.size, img.size);
	/* the rejection table's offsets depend on this layout */
	KUNIT_EXPECT_EQ(test, img.size, (u64)BFT_SAMPLE_SIZE);
	KUNIT_EXPECT_EQ(test, parsed.string_size, (u32)BFT_SAMPLE_STRINGS);
	KUNIT_EXPECT_STREQ(test, img.strings + 26, "a");
	KUNIT_EXPECT_STREQ(test, img.strings + 28, "run");
	KUNIT_EXPECT_STREQ(test, img.strings + 21, "file");
	KUNIT_EXPECT_PTR_EQ(test, (const void *)parsed.nodes,
			    (const void *)img.nodes);
	KUNIT_EXPECT_PTR_EQ(test, (const void *)parsed.digests,
			    (const void *)img.digests);
	KUNIT_EXPECT_PTR_EQ(test, parsed.strings, (const char *)img.strings);
	KUNIT_EXPECT_STREQ(test,
			   bundlefs_node_target(&parsed,
						bundlefs_image_node(&parsed, 4)),
			   "file");
}

static void parse_accepts_root_only(struct kunit *test)
{
	static const struct bft_node nodes[] = { BFT_DIR(0, NULL, 0, 0) };
	struct bundlefs_image parsed;
	struct bft_image img;

	bft_build(test, &img, 28, nodes, 1, 0);
	bft_parse_ok(test, &img, &parsed);
	KUNIT_EXPECT_EQ(test, parsed.node_count, 1U);
	KUNIT_EXPECT_EQ(test, parsed.total_size, 0ULL);
}

/* Directories: empty, nested, and one with a 255-byte name. */
static void parse_accepts_dirs(struct kunit *test)
{
	static char longname[BUNDLEFS_NAME_MAX + 1];
	struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 2),
		BFT_DIR(0, "a", 3, 1),
		BFT_DIR(0, longname, 4, 1),
		BFT_DIR(1, "b", 0, 0),
		BFT_DIR(2, "c", 0, 0),
	};
	struct bundlefs_image parsed;
	struct bft_image img;

	memset(longname, 'z', BUNDLEFS_NAME_MAX);
	bft_build(test, &img, 12, nodes, ARRAY_SIZE(nodes), 0);
	bft_parse_ok(test, &img, &parsed);
}

/*
 * Regular files: empty, one byte, exactly one chunk, exact multiples of the
 * chunk, one byte over, executable; and files sharing a digest range.
 */
static void parse_accepts_files(struct kunit *test)
{
	static const struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 7),
		BFT_REG(0, "a-empty", 0, 0, 0),
		BFT_REG(0, "b-one-byte", 1, 0, 1),
		BFT_REG(0, "c-one-chunk", 4096, 1, 1),
		BFT_REG(0, "d-two-chunks", 8192, 2, 2),
		BFT_REG(0, "e-two-and-a-byte", 8193, 4, 3),
		{ .kind = BUNDLEFS_NODE_REG, .flags = BUNDLEFS_NODE_EXEC,
		  .name = "f-exec", .size = 100, .first = 0, .count = 1 },
		BFT_REG(0, "g-shares", 8193, 4, 3),
	};
	struct bundlefs_image parsed;
	struct bft_image img;

	bft_build(test, &img, 12, nodes, ARRAY_SIZE(nodes), 7);
	bft_parse_ok(test, &img, &parsed);
	KUNIT_EXPECT_EQ(test, parsed.total_size,
			(u64)(1 + 4096 + 8192 + 8193 + 100 + 8193));
}

/* The largest chunk: a file of 2^40 + 1 bytes is two chunks. */
static void parse_accepts_chunk_shift_40(struct kunit *test)
{
	static const struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 2),
		BFT_REG(0, "one", 1ULL << 40, 0, 1),
		BFT_REG(0, "two", (1ULL << 40) + 1, 0, 2),
	};
	struct bundlefs_image parsed;
	struct bft_image img;

	bft_build(test, &img, 40, nodes, ARRAY_SIZE(nodes), 2);
	bft_parse_ok(test, &img, &parsed);
	KUNIT_EXPECT_EQ(test, parsed.chunk_shift, 40U);
	KUNIT_EXPECT_EQ(test, parsed.total_size, (2ULL << 40) + 1);
}

/* Symlinks: one byte, a path with slashes, and the longest target. */
static void parse_accepts_symlinks(struct kunit *test)
{
	static char longtarget[BUNDLEFS_SYMLINK_MAX + 1];
	struct bft_node nodes[] = {
		BFT_DIR(0, NULL, 1, 3),
		BFT_LNK(0, "a", "x"),
		BFT_LNK(0, "b", "../up/and/over"),
		BFT_LNK(0, "c", longtarget),
	};
	struct bundlefs_image parsed;
	struct bft_image img;

	memset(longtarget, 't', BUNDLEFS_SYMLINK_MAX);
	bft_build(test, &img, 12, nodes, ARRAY_SIZE(nodes), 0);
	bft_parse_ok(test, &img, &parsed);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(parsed.nodes[3].size),
			(u64)BUNDLEFS_SYMLINK_MAX);
	KUNIT_EXPECT_STREQ(test,
			   bundlefs_node_target(&parsed, &parsed.nodes[2]),
			   "../up/and/over");
}

/* What an accepted image promises: every read of it stays in bounds. */
static void walk_accepted(struct kunit *test, const struct bundlefs_image *p)
{
	u32 i;

	for (i = 0; i < p->node_count; i++) {
		const struct bundlefs_node *n = &p->nodes[i];
		struct bundlefs_chunk_pos pos;
		u64 size = le64_to_cpu(n->size);

		if (i) {
			u32 parent = le32_to_cpu(n->parent);

			KUNIT_EXPECT_EQ(test,
					bundlefs_image_lookup(p, parent,
						bundlefs_node_name(p, n),
						le16_to_cpu(n->name_len)), i);
		}
		if (n->kind == BUNDLEFS_NODE_REG && size) {
			KUNIT_EXPECT_TRUE(test, bundlefs_chunk_map(p, n, 0, &pos));
			KUNIT_EXPECT_LT(test, pos.digest, p->digest_count);
			KUNIT_EXPECT_TRUE(test,
					  bundlefs_chunk_map(p, n, size - 1, &pos));
			KUNIT_EXPECT_LT(test, pos.digest, p->digest_count);
		}
	}
}

/* Every truncation is refused and never read past. */
static void parse_truncated(struct kunit *test)
{
	struct bundlefs_image parsed;
	char why[BUNDLEFS_WHY_MAX];
	struct bft_image img;
	u64 len;

	bft_build_sample(test, &img);
	for (len = 0; len < img.size; len++) {
		/* a copy of exactly @len bytes so KASAN sees any overread */
		u8 *cut = kmemdup(img.buf, len ?: 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cut);
		KUNIT_EXPECT_EQ(test,
				bundlefs_image_parse(&parsed, cut, len, why),
				-EINVAL);
		kfree(cut);
	}
}

/*
 * Every single-bit flip of the sample either is refused or gives an image
 * whose lookups and chunk maps stay in bounds.
 */
static void parse_bit_flips(struct kunit *test)
{
	struct bundlefs_image parsed;
	char why[BUNDLEFS_WHY_MAX];
	struct bft_image img;
	unsigned int accepted = 0;
	u64 byte;
	int bit;

	bft_build_sample(test, &img);
	for (byte = 0; byte < img.size; byte++) {
		for (bit = 0; bit < 8; bit++) {
			img.buf[byte] ^= 1 << bit;
			if (!bundlefs_image_parse(&parsed, img.buf, img.size,
						  why)) {
				accepted++;
				walk_accepted(test, &parsed);
			}
			img.buf[byte] ^= 1 << bit;
		}
	}
	/* mtimes, digests and some name bits are free: some flips pass */
	KUNIT_EXPECT_GT(test, accepted, 0U);
	bft_parse_ok(test, &img, &parsed);
}

static void digest_hex(struct kunit *test)
{
	struct bundlefs_digest d;
	char hex[33];
	int i;

	for (i = 0; i < BUNDLEFS_DIGEST_SIZE; i++)
		d.bytes[i] = i * 0x11;
	bundlefs_digest_hex(&d, hex);
	KUNIT_EXPECT_STREQ(test, hex, "00112233445566778899aabbccddeeff");
	memset(&d, 0xa5, sizeof(d));
	bundlefs_digest_hex(&d, hex);
	KUNIT_EXPECT_STREQ(test, hex, "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5");
}

static struct kunit_case bundlefs_image_parse_cases[] = {
	KUNIT_CASE_PARAM(parse_rejects, reject_gen_params),
	KUNIT_CASE(parse_rejects_long_name),
	KUNIT_CASE(parse_rejects_self_parent),
	KUNIT_CASE(parse_rejects_child_owns_parent),
	KUNIT_CASE(parse_rejects_total_overflow),
	KUNIT_CASE(parse_accepts_sample),
	KUNIT_CASE(parse_accepts_root_only),
	KUNIT_CASE(parse_accepts_dirs),
	KUNIT_CASE(parse_accepts_files),
	KUNIT_CASE(parse_accepts_chunk_shift_40),
	KUNIT_CASE(parse_accepts_symlinks),
	KUNIT_CASE(parse_truncated),
	KUNIT_CASE(parse_bit_flips),
	KUNIT_CASE(digest_hex),
	{}
};

static struct kunit_suite bundlefs_image_parse_suite = {
	.name = "bundlefs_image_parse",
	.test_cases = bundlefs_image_parse_cases,
};

kunit_test_suites(&bundlefs_image_parse_suite);
