// SPDX-License-Identifier: GPL-2.0
/* The encoder's layout: BFS order, sorted children, digests, symlinks. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../../kmod/image.h"

struct img {
	struct bfs_manifest m;
	struct bfs_tree t;
	void *buf;
	size_t size;
	const struct bundlefs_image_header *h;
	const struct bundlefs_node *n;
	const struct bundlefs_digest *d;
	const char *s;
};

static bool build(const char *name, const char *json, struct img *im)
{
	struct bfs_error err = { "" };
	int r = pipeline(json, &im->m, &im->t, &im->buf, &im->size, &err);

	if (r) {
		failf(name, "expected an image got %d \"%s\"", r, err.msg);
		return false;
	}
	im->h = im->buf;
	im->n = (const void *)((char *)im->buf + le32toh(im->h->node_offset));
	im->d = (const void *)((char *)im->buf + le32toh(im->h->digest_offset));
	im->s = (char *)im->buf + le32toh(im->h->string_offset);
	pass(name);
	return true;
}

static void release(struct img *im)
{
	free(im->buf);
	bfs_tree_free(&im->t);
	bfs_manifest_free(&im->m);
}

static char *node_name(const struct img *im, uint32_t i)
{
	static char buf[300];
	size_t len = le16toh(im->n[i].name_len);

	memcpy(buf, im->s + le32toh(im->n[i].name_offset), len);
	buf[len] = '\0';
	return buf;
}

#define H "\"0123456789abcdef0123456789abcdef\""
#define F(name) "{\"name\":\"" name "\",\"hash\":" H ",\"size\":1,\"mtime\":3}"

static void test_order(void)
{
	/* names chosen to test memcmp order: 'B' < 'a' < 'a\xc3\xa9' etc */
	static const char json[] =
		"{\"dirs\":[{\"name\":\"b\"},{\"name\":\"a\"},{\"name\":\"$1/z\"},{\"name\":\"empty\"}],"
		"\"files\":[" F("b/y") "," F("b/x") "," F("ab") "," F("B") ","
		F("a/\\u00e9") "," F("a/e") "," F("$2/deep") "," F("a/ee") "],"
		"\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":8}";
	static const char *const want[] = {
		"", "B", "a", "ab", "b", "empty",	/* root's children */
		"e", "ee", "z", "\xc3\xa9",		/* a's */
		"x", "y",				/* b's */
		"deep",					/* a/z's */
	};
	static const uint32_t parent[] = { 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 4, 4, 8 };
	struct img im;
	char name[128];
	uint32_t i;

	if (!build("encodes a tree with nested dirs", json, &im))
		return;
	check_u64("node count", 13, le32toh(im.h->node_count));
	for (i = 1; i < 13; i++) {
		snprintf(name, sizeof(name), "node %u is \"%s\"", i, want[i]);
		check_str(name, want[i], node_name(&im, i));
		snprintf(name, sizeof(name), "node %u parent", i);
		check_u64(name, parent[i], le32toh(im.n[i].parent));
	}
	check_u64("root children start at 1", 1, le32toh(im.n[0].first));
	check_u64("root has 5 children", 5, le32toh(im.n[0].count));
	check_u64("a's children follow root's", 6, le32toh(im.n[2].first));
	check_u64("a has 4 children", 4, le32toh(im.n[2].count));
	check_u64("b's children follow a's", 10, le32toh(im.n[4].first));
	check_u64("a/z's children last", 12, le32toh(im.n[8].first));
	check_u64("empty dir first=0", 0, le32toh(im.n[5].first));
	check_u64("empty dir count=0", 0, le32toh(im.n[5].count));
	check_u64("empty dir kind", BUNDLEFS_NODE_DIR, im.n[5].kind);
	check_u64("file kind", BUNDLEFS_NODE_REG, im.n[1].kind);
	check_u64("file mtime", 3, le64toh(im.n[1].mtime_us));
	check_u64("total_size", 8, le64toh(im.h->total_size));
	check_u64("chunk_shift", 28, le32toh(im.h->chunk_shift));
	check_u64("image_size exact", im.size, le64toh(im.h->image_size));
	check_u64("node table aligned", 0, le32toh(im.h->node_offset) % 8);
	check_u64("digest table aligned", 0, le32toh(im.h->digest_offset) % 8);
	check_u64("string pool aligned", 0, le32toh(im.h->string_offset) % 8);
	release(&im);
}

static void test_chunks(void)
{
	static const char json[] =
		"{\"files\":["
		"{\"name\":\"s0\",\"hash\":\"00000000000000000000000000000000\",\"size\":0,\"mtime\":0},"
		"{\"name\":\"s1\",\"hash\":\"11111111111111111111111111111111\",\"size\":1,\"mtime\":0},"
		"{\"name\":\"s2\",\"hash\":\"22222222222222222222222222222222\",\"size\":268435455,\"mtime\":0},"
		"{\"name\":\"s3\",\"hash\":\"33333333333333333333333333333333\",\"size\":268435456,\"mtime\":0,\"runnable\":true},"
		"{\"name\":\"s4\",\"chunkhashes\":[\"44444444444444444444444444444440\",\"44444444444444444444444444444441\"],\"size\":268435457,\"mtime\":0},"
		"{\"name\":\"s5\",\"chunkhashes\":[\"55555555555555555555555555555550\",\"55555555555555555555555555555551\"],\"size\":536870912,\"mtime\":0},"
		"{\"name\":\"s6\",\"symlink\":{\"name\":\"s5\"}}],"
		"\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":1342177281}";
	static const uint32_t counts[] = { 0, 1, 1, 1, 2, 2 };
	static const uint32_t firsts[] = { 0, 0, 1, 2, 3, 5 };
	static const uint8_t first_byte[] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct bfs_stats st;
	struct img im;
	char name[128];
	uint32_t i;

	if (!build("encodes files of 0, 1, chunk-1, chunk, chunk+1, 2*chunk bytes",
		   json, &im))
		return;
	for (i = 0; i < 6; i++) {
		const struct bundlefs_node *n = &im.n[i + 1];

		snprintf(name, sizeof(name), "s%u chunk count", i);
		check_u64(name, counts[i], le32toh(n->count));
		snprintf(name, sizeof(name), "s%u first digest", i);
		check_u64(name, firsts[i], le32toh(n->first));
		if (counts[i]) {
			snprintf(name, sizeof(name), "s%u digest bytes", i);
			check_u64(name, first_byte[i],
				  im.d[le32toh(n->first)].bytes[0]);
		}
	}
	check_u64("second chunk digest of s5 last byte", 0x51,
		  im.d[6].bytes[15]);
	check_u64("digest count", 7, le32toh(im.h->digest_count));
	check_u64("runnable sets EXEC", BUNDLEFS_NODE_EXEC, im.n[4].flags);
	check_u64("non-runnable has no flags", 0, im.n[3].flags);
	check_u64("symlink kind", BUNDLEFS_NODE_LNK, im.n[7].kind);
	check_u64("symlink size", 2, le64toh(im.n[7].size));
	check_u64("symlink count", 2, le32toh(im.n[7].count));
	check_str("symlink target in the pool, NUL-terminated", "s5",
		  im.s + le32toh(im.n[7].first));
	bfs_stats(&im.m, &im.t, &st);
	check_u64("stats: chunks", 7, st.chunks);
	check_u64("stats: distinct objects", 7, st.objects);
	check_u64("stats: files", 6, st.files);
	check_u64("stats: symlinks", 1, st.links);
	release(&im);
}

static void test_dedup_stats(void)
{
	static const char json[] =
		"{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":["
		"{\"hash\":" H ",\"mtime\":1,\"path\":\"a/x\",\"size\":1},"
		"{\"hash\":" H ",\"mtime\":1,\"path\":\"b/x\",\"size\":1},"
		"{\"hash\":\"ffffffffffffffffffffffffffffffff\",\"mtime\":1,\"path\":\"c\",\"size\":2}],"
		"\"totalSize\":4}";
	struct bfs_stats st;
	struct img im;

	if (!build("encodes a v1 manifest with a shared object", json, &im))
		return;
	bfs_stats(&im.m, &im.t, &st);
	check_u64("v1 stats: files", 3, st.files);
	check_u64("v1 stats: implied directories", 2, st.dirs);
	check_u64("v1 stats: chunks", 3, st.chunks);
	check_u64("v1 stats: distinct objects", 2, st.objects);
	check_u64("v1 stats: total bytes", 4, st.total_bytes);
	release(&im);
}

static void test_root_only(void)
{
	struct img im;

	if (!build("encodes an empty manifest",
		   "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":[],\"totalSize\":0}",
		   &im))
		return;
	check_u64("empty manifest: one node", 1, le32toh(im.h->node_count));
	check_u64("empty manifest: root has no children", 0,
		  le32toh(im.n[0].count));
	check_u64("empty manifest: image is header + root", 72 + 40, im.size);
	release(&im);
}

void test_encode(void)
{
	test_order();
	test_chunks();
	test_dedup_stats();
	test_root_only();
}
