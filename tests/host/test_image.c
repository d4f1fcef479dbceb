// SPDX-License-Identifier: GPL-2.0
/*
 * The shared image validator (kmod/image.c): valid images of every node
 * kind, and every rejection rule with a hand-mutated copy of a good image.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../../kmod/image.h"

#define H "\"0123456789abcdef0123456789abcdef\""
#define A16 "aaaaaaaaaaaaaaaa"
#define A255 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 "aaaaaaaaaaaaaaa"
/*
 * Nodes: 0 root; 1 big (2 chunks); 2 d (dir: 6, 7); 3 e (empty dir);
 * 4 l (symlink "d/f"); 5 z (empty file); 6 d/f; 7 d/x (runnable).
 */
static const char base_json[] =
	"{\"dirs\":[{\"name\":\"d\"},{\"name\":\"e\"}],\"files\":["
	"{\"name\":\"$0/f\",\"hash\":" H ",\"size\":5,\"mtime\":1},"
	"{\"name\":\"$0/x\",\"hash\":" H ",\"size\":1,\"mtime\":1,\"runnable\":true},"
	"{\"name\":\"big\",\"chunkhashes\":[" H "," H "],\"size\":268435457,\"mtime\":1},"
	"{\"name\":\"z\",\"hash\":" H ",\"size\":0,\"mtime\":1},"
	"{\"name\":\"l\",\"symlink\":{\"name\":\"d/f\"}}],"
	"\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":268435463}";

static uint8_t *base;
static size_t base_size;

/* A copy of the base image to mutate, and views into it. */
struct mut {
	uint8_t *buf;
	size_t size;
	struct bundlefs_image_header *h;
	struct bundlefs_node *n;
	char *s;
};

static void mut_init(struct mut *m)
{
	m->buf = malloc(base_size + 64);
	memcpy(m->buf, base, base_size);
	m->size = base_size;
	m->h = (void *)m->buf;
	m->n = (void *)(m->buf + le32toh(m->h->node_offset));
	m->s = (char *)m->buf + le32toh(m->h->string_offset);
}

static void expect_reject(const char *name, struct mut *m, const char *why)
{
	struct bundlefs_image img;
	char got[BUNDLEFS_WHY_MAX] = "";
	char full[256];

	snprintf(full, sizeof(full), "image validator rejects %s", name);
	if (bundlefs_image_parse(&img, m->buf, m->size, got) != -EINVAL)
		failf(full, "expected -EINVAL (\"%s\") got success", why);
	else
		check_contains(full, why, got);
	free(m->buf);
}

static void expect_accept(const char *name, const void *buf, size_t size)
{
	struct bundlefs_image img;
	char why[BUNDLEFS_WHY_MAX] = "";
	char full[256];

	snprintf(full, sizeof(full), "image validator accepts %s", name);
	if (bundlefs_image_parse(&img, buf, size, why))
		failf(full, "expected success got \"%s\"", why);
	else
		pass(full);
}

static void valid_images(void)
{
	struct bundlefs_image img;
	struct bundlefs_chunk_pos pos;
	char why[BUNDLEFS_WHY_MAX], hex[33];
	const struct bundlefs_node *n;
	u32 d;

	expect_accept("the base image (dir, empty dir, files, chunked, exec, empty file, symlink)",
		      base, base_size);
	if (bundlefs_image_parse(&img, base, base_size, why))
		return;
	check_u64("validated node count", 8, img.node_count);
	d = bundlefs_image_lookup(&img, 0, "d", 1);
	check_u64("lookup d", 2, d);
	check_u64("lookup d/x", 7, bundlefs_image_lookup(&img, d, "x", 1));
	check_u64("lookup missing name", 0,
		  bundlefs_image_lookup(&img, 0, "nope", 4));
	n = bundlefs_image_node(&img, 4);
	check_str("symlink target readable in place", "d/f",
		  bundlefs_node_target(&img, n));
	n = bundlefs_image_node(&img, 1);
	if (bundlefs_chunk_map(&img, n, 268435456, &pos)) {
		check_u64("chunk map: second chunk", 1, pos.chunk);
		check_u64("chunk map: one-byte last chunk", 1, pos.length);
	} else {
		failf("chunk map of the last byte", "expected true got false");
	}
	bundlefs_digest_hex(&img.digests[0], hex);
	check_str("digest hex round trip", "0123456789abcdef0123456789abcdef",
		  hex);
}

#define NODE_EDIT(label, idx, field, value, why) do {	\
		struct mut m;				\
		mut_init(&m);				\
		m.n[idx].field = (value);		\
		expect_reject(label, &m, why);		\
	} while (0)
#define HDR_EDIT(label, field, value, why) do {		\
		struct mut m;				\
		mut_init(&m);				\
		m.h->field = (value);			\
		expect_reject(label, &m, why);		\
	} while (0)

static void header_rules(void)
{
	struct mut m;
	uint32_t noff = le32toh(((struct bundlefs_image_header *)base)->node_offset);

	mut_init(&m);
	m.size = 10;
	expect_reject("an image shorter than its header", &m,
		      "shorter than its header");
	HDR_EDIT("a bad magic", magic, htole32(0x12345678), "bad magic");
	HDR_EDIT("another version", version, htole16(2),
		 "unsupported image version 2");
	HDR_EDIT("a wrong header size", header_size, htole16(80),
		 "header size 80");
	HDR_EDIT("an image_size that is not the length", image_size,
		 htole64(base_size + 8), "header says");
	HDR_EDIT("header flags", flags, htole32(1), "reserved fields set");
	HDR_EDIT("a reserved header field", reserved[1], htole64(1),
		 "reserved fields set");
	HDR_EDIT("chunk shift 11", chunk_shift, htole32(11),
		 "chunk shift 11 out of range");
	HDR_EDIT("chunk shift 41", chunk_shift, htole32(41),
		 "chunk shift 41 out of range");
	HDR_EDIT("zero nodes", node_count, 0, "no root node");
	HDR_EDIT("a node table inside the header", node_offset, htole32(8),
		 "node table");
	HDR_EDIT("a misaligned node table", node_offset, htole32(noff + 4),
		 "node table");
	HDR_EDIT("a node table past the end", node_count, htole32(1000),
		 "node table");
	HDR_EDIT("a digest table past the end", digest_count,
		 htole32(1000), "digest table");
	HDR_EDIT("a digest table inside the header", digest_offset, 0,
		 "digest table");
	HDR_EDIT("a string pool past the end", string_size,
		 htole32(100000), "string pool");
	HDR_EDIT("a misaligned string pool", string_offset,
		 htole32(le32toh(((struct bundlefs_image_header *)base)->string_offset) + 1),
		 "string pool");
	HDR_EDIT("a wrong total size", total_size, htole64(1),
		 "total size 1, files add up to 268435463");
}

static void node_rules(void)
{
	struct mut m;

	NODE_EDIT("a root that is not a directory", 0, kind,
		  BUNDLEFS_NODE_REG, "node 0 is not a root directory");
	NODE_EDIT("a root with a parent", 0, parent, htole32(1),
		  "node 0 is not a root directory");
	NODE_EDIT("a root with a name", 0, name_len, htole16(1),
		  "node 0 is not a root directory");
	NODE_EDIT("a reserved node field", 5, reserved, htole32(1),
		  "node 5: reserved field set");
	NODE_EDIT("an unknown node kind", 5, kind, 9,
		  "node 5: unknown kind 9");
	/* directories */
	NODE_EDIT("a directory with a size", 3, size, htole64(1),
		  "node 3: directory with a size or flags");
	NODE_EDIT("a directory with flags", 3, flags, 1,
		  "node 3: directory with a size or flags");
	NODE_EDIT("an empty directory with a first child", 3, first,
		  htole32(6), "node 3: empty directory with first child 6");
	NODE_EDIT("children out of the BFS order", 2, first, htole32(5),
		  "node 2: children start at 5, expected 6");
	NODE_EDIT("children past the node table", 2, count, htole32(3),
		  "node 2: 3 children run past the node table");
	NODE_EDIT("nodes in no directory", 2, count, htole32(1),
		  "nodes 7.. are in no directory");
	NODE_EDIT("a child with the wrong parent", 6, parent, htole32(0),
		  "node 6: parent 0, but listed under 2");
	NODE_EDIT("a name out of bounds", 6, name_offset, htole32(100000),
		  "node 6: name out of bounds");
	NODE_EDIT("an empty name", 6, name_len, 0, "node 6: invalid name");
	mut_init(&m);
	m.s[le32toh(m.n[6].name_offset)] = '/';
	expect_reject("a name with a slash", &m, "node 6: invalid name");
	mut_init(&m);
	m.s[le32toh(m.n[6].name_offset)] = '\0';
	expect_reject("a name with a NUL", &m, "node 6: invalid name");
	mut_init(&m);
	m.s[le32toh(m.n[6].name_offset)] = '.';
	expect_reject("a name \".\"", &m, "node 6: invalid name");
	mut_init(&m);	/* "big" -> ".." with length 2 */
	m.s[le32toh(m.n[1].name_offset)] = '.';
	m.s[le32toh(m.n[1].name_offset) + 1] = '.';
	m.n[1].name_len = htole16(2);
	expect_reject("a name \"..\"", &m, "node 1: invalid name");
	mut_init(&m);	/* d/f and d/x: make x an f */
	m.s[le32toh(m.n[7].name_offset)] = 'f';
	expect_reject("two children with one name", &m,
		      "node 7: name not sorted after its sibling");
	mut_init(&m);
	m.s[le32toh(m.n[7].name_offset)] = 'a';
	expect_reject("children out of name order", &m,
		      "node 7: name not sorted after its sibling");
	/* regular files */
	NODE_EDIT("a file with unknown flags", 6, flags, 2,
		  "node 6: unknown flags 0x2");
	NODE_EDIT("a file larger than 2^63-1", 6, size,
		  htole64(1ULL << 63), "node 6: size 9223372036854775808 too large");
	NODE_EDIT("a chunk count that does not match the size", 1, count,
		  htole32(3), "node 1: 3 chunks for 268435457 bytes");
	NODE_EDIT("a size that does not match the chunk count", 6, size,
		  htole64(268435457), "node 6: 1 chunks for 268435457 bytes");
	NODE_EDIT("an empty file with a digest", 5, first, htole32(1),
		  "node 5: empty file with a digest");
	NODE_EDIT("a chunk list past the digest table", 1, first,
		  htole32(3), "node 1: chunk list out of bounds");
	/* symlinks */
	NODE_EDIT("a symlink with flags", 4, flags, 1,
		  "node 4: symlink with flags");
	mut_init(&m);
	m.n[4].count = 0;
	m.n[4].size = 0;
	expect_reject("an empty symlink target", &m,
		      "node 4: bad symlink length 0");
	NODE_EDIT("a symlink size that is not its length", 4, size,
		  htole64(4), "node 4: bad symlink length 3");
	mut_init(&m);
	m.n[4].count = htole32(4096);
	m.n[4].size = htole64(4096);
	expect_reject("a symlink target of 4096 bytes", &m,
		      "node 4: bad symlink length 4096");
	NODE_EDIT("a symlink target out of bounds", 4, first,
		  htole32(100000), "node 4: symlink target out of bounds");
	mut_init(&m);	/* the NUL would be past the pool */
	m.n[4].first = htole32(le32toh(m.h->string_size) - 3);
	expect_reject("a symlink target without room for its NUL", &m,
		      "node 4: symlink target out of bounds");
	mut_init(&m);
	m.s[le32toh(m.n[4].first) + 3] = 'x';
	expect_reject("a symlink target not NUL-terminated", &m,
		      "node 4: symlink target not NUL-terminated");
	mut_init(&m);
	m.s[le32toh(m.n[4].first) + 1] = '\0';
	expect_reject("a symlink target with a NUL inside", &m,
		      "node 4: symlink target not NUL-terminated");
}

/* A name of 256 bytes inside the pool: a 255-byte name, then "b". */
static void long_name(void)
{
	static const char json[] =
		"{\"files\":[{\"name\":\"b\",\"hash\":" H ",\"size\":1,\"mtime\":1},"
		"{\"name\":\"" A255 "\",\"hash\":" H ",\"size\":1,\"mtime\":1}],"
		"\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":2}";
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	struct bundlefs_node *n;
	uint8_t *img;
	size_t size;

	if (pipeline(json, &m, &t, (void **)&img, &size, &err)) {
		failf("image with a 255-byte name", "expected an image got \"%s\"",
		      err.msg);
		return;
	}
	expect_accept("a name of 255 bytes", img, size);
	n = (void *)(img + le32toh(((struct bundlefs_image_header *)img)->node_offset));
	n[1].name_len = htole16(256);
	{
		struct bundlefs_image im;
		char why[BUNDLEFS_WHY_MAX] = "";

		if (bundlefs_image_parse(&im, img, size, why) == 0)
			failf("image validator rejects a name of 256 bytes",
			      "expected -EINVAL got success");
		else
			check_contains("image validator rejects a name of 256 bytes",
				       "node 1: invalid name", why);
	}
	free(img);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
}

/* Two files of 2^62 bytes sharing one chunk list: the sum passes 2^63-1. */
static void total_overflow(void)
{
	const size_t nd = 1u << 22;	/* 2^62 >> 40 */
	size_t off_n = 72, off_d = off_n + 3 * 40, off_s = off_d + nd * 16;
	size_t size = off_s + 2;
	uint8_t *buf = calloc(1, size);
	struct bundlefs_image_header *h = (void *)buf;
	struct bundlefs_node *n = (void *)(buf + off_n);
	struct bundlefs_image img;
	char why[BUNDLEFS_WHY_MAX] = "";
	int i;

	h->magic = htole32(BUNDLEFS_IMAGE_MAGIC);
	h->version = htole16(BUNDLEFS_IMAGE_VERSION);
	h->header_size = htole16(72);
	h->image_size = htole64(size);
	h->chunk_shift = htole32(40);
	h->node_count = htole32(3);
	h->node_offset = htole32(off_n);
	h->digest_count = htole32(nd);
	h->digest_offset = htole32(off_d);
	h->string_size = htole32(2);
	h->string_offset = htole32(off_s);
	n[0].kind = BUNDLEFS_NODE_DIR;
	n[0].first = htole32(1);
	n[0].count = htole32(2);
	memcpy(buf + off_s, "ab", 2);
	for (i = 1; i <= 2; i++) {
		n[i].kind = BUNDLEFS_NODE_REG;
		n[i].size = htole64(1ULL << 62);
		n[i].count = htole32(nd);
		n[i].name_offset = htole32(i - 1);
		n[i].name_len = htole16(1);
	}
	if (bundlefs_image_parse(&img, buf, size, why) == 0)
		failf("image validator rejects a total size overflow",
		      "expected -EINVAL got success");
	else
		check_contains("image validator rejects a total size overflow",
			       "total size overflows", why);
	free(buf);
}

void test_image(void)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	void *img;
	size_t size;

	if (pipeline(base_json, &m, &t, &img, &size, &err)) {
		failf("base image for the validator tests", "expected an image got \"%s\"",
		      err.msg);
		return;
	}
	base = img;
	base_size = size;
	valid_images();
	header_rules();
	node_rules();
	long_name();
	total_overflow();
	free(base);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
}
