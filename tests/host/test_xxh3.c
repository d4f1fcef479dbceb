// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/xxh3.c against libxxhash's XXH3_128bits(): every length up to 4096,
 * multi-MiB buffers, streaming with splits at every stripe (64), buffer
 * (256) and block (1024) boundary, one-byte updates, unaligned starts, and
 * digests taken in the middle of a stream.  Each line covers many
 * comparisons and prints the first mismatch on failure.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "tests.h"
#include "../../kmod/xxh3.h"
#include "../../kunit/xxh3_vectors.h"

#define MIB (1024 * 1024)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A fixed-seed generator, so that a failure reproduces. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void fill(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rng();
}

static void hex(const uint8_t d[16], char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* Comparisons for the current line and its first mismatch. */
struct tally {
	unsigned long count;
	unsigned long bad;
	char first[200];
};

static void expect(struct tally *t, const uint8_t *buf, size_t len,
		   const uint8_t got[16], const char *how)
{
	XXH128_canonical_t want;
	char w[33], g[33];

	XXH128_canonicalFromHash(&want, XXH3_128bits(buf, len));
	t->count++;
	if (!memcmp(want.digest, got, 16))
		return;
	if (!t->bad++) {
		hex(want.digest, w);
		hex(got, g);
		snprintf(t->first, sizeof(t->first),
			 "length %zu (%s): expected %s got %s", len, how, w, g);
	}
}

static void report(const char *name, const struct tally *t)
{
	char full[256];

	snprintf(full, sizeof(full), "%s (%lu comparisons)", name, t->count);
	if (!t->bad && t->count)
		pass(full);
	else
		failf(full, "%lu mismatches, first: %s", t->bad, t->first);
}

static void one_shot(struct tally *t, const uint8_t *buf, size_t len)
{
	uint8_t got[16];

	bundlefs_xxh3_128(buf, len, got);
	expect(t, buf, len, got, "one-shot");
}

/* Updates of the sizes in @sizes, cycled; 0 in @sizes means random. */
static void streamed(struct tally *t, struct bundlefs_xxh3_state *s,
		     const uint8_t *buf, size_t len, const size_t *sizes,
		     size_t nsizes, size_t random_max, const char *how)
{
	size_t off = 0, i = 0, n;
	uint8_t got[16];

	bundlefs_xxh3_128_reset(s);
	while (off < len) {
		n = sizes[i++ % nsizes];
		if (!n)
			n = rng() % (random_max + 1);
		if (n > len - off)
			n = len - off;
		bundlefs_xxh3_128_update(s, buf + off, n);
		off += n;
	}
	bundlefs_xxh3_128_digest(s, got);
	expect(t, buf, len, got, how);
}

/* Two updates, split at @at. */
static void split2(struct tally *t, struct bundlefs_xxh3_state *s,
		   const uint8_t *buf, size_t len, size_t at)
{
	char how[64];
	uint8_t got[16];

	bundlefs_xxh3_128_reset(s);
	bundlefs_xxh3_128_update(s, buf, at);
	bundlefs_xxh3_128_update(s, buf + at, len - at);
	bundlefs_xxh3_128_digest(s, got);
	snprintf(how, sizeof(how), "split at %zu", at);
	expect(t, buf, len, got, how);
}

static const size_t random_only[] = { 0 };
static const size_t ones[] = { 1 };
static const size_t boundaries[] = {
	63, 64, 65, 255, 256, 257, 1023, 1024, 1025, 0, 4096, 1, 65536, 0,
};

static void every_length(struct bundlefs_xxh3_state *s, uint8_t *buf)
{
	struct tally once = { 0 }, stream = { 0 };
	uint8_t *exact;
	size_t len;

	fill(buf, 4096);
	/* each in a buffer of exactly its size, so ASan sees an over-read */
	for (len = 0; len <= 4096; len++) {
		exact = malloc(len ? len : 1);
		if (!exact)
			break;
		memcpy(exact, buf, len);
		one_shot(&once, exact, len);
		streamed(&stream, s, exact, len, random_only, 1, 300,
			 "random updates of 0..300");
		streamed(&stream, s, exact, len, ones, 1, 0,
			 "1-byte updates");
		streamed(&stream, s, exact, len, boundaries,
			 ARRAY_SIZE(boundaries), 2000,
			 "updates around 64/256/1024");
		split2(&stream, s, exact, len, rng() % (len + 1));
		free(exact);
	}
	report("xxh3 one-shot equals XXH3_128bits for every length 0..4096",
	       &once);
	report("xxh3 streaming equals XXH3_128bits for every length 0..4096 (random, 1-byte, boundary-sized updates, a random split)",
	       &stream);
}

/* Every two-piece split of lengths around the path and buffer limits. */
static void every_split(struct bundlefs_xxh3_state *s, uint8_t *buf)
{
	static const size_t lens[] = {
		16, 17, 128, 129, 240, 241, 255, 256, 257, 300, 511, 512, 513,
		1023, 1024, 1025, 1088, 2047, 2048, 2049, 4096,
	};
	struct tally t = { 0 };
	size_t i, at;

	fill(buf, 4096);
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		for (at = 0; at <= lens[i]; at++)
			split2(&t, s, buf, lens[i], at);
	report("xxh3 streaming: every two-piece split of 21 lengths from 16 to 4096",
	       &t);
}

/* Multi-MiB buffers: one-shot, random splits, 1-byte updates first. */
static void big_buffers(struct bundlefs_xxh3_state *s)
{
	static const size_t sizes[] = {
		1 * MIB + 1, 3 * MIB + 7, 17 * MIB + 333, 4 * MIB,
	};
	struct tally t = { 0 };
	uint8_t got[16];
	size_t i, off, n;
	uint8_t *buf;

	buf = malloc(17 * MIB + 333);
	if (!buf) {
		failf("xxh3 large buffers", "out of memory");
		return;
	}
	fill(buf, 17 * MIB + 333);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		one_shot(&t, buf, sizes[i]);
		streamed(&t, s, buf, sizes[i], random_only, 1, 100000,
			 "random updates of 0..100000");
		streamed(&t, s, buf, sizes[i], boundaries,
			 ARRAY_SIZE(boundaries), 300000,
			 "updates around 64/256/1024");

		/* 1-byte updates over the first 5000 bytes, then random */
		bundlefs_xxh3_128_reset(s);
		for (off = 0; off < 5000; off++)
			bundlefs_xxh3_128_update(s, buf + off, 1);
		while (off < sizes[i]) {
			n = rng() % 70000;
			if (n > sizes[i] - off)
				n = sizes[i] - off;
			bundlefs_xxh3_128_update(s, buf + off, n);
			off += n;
		}
		bundlefs_xxh3_128_digest(s, got);
		expect(&t, buf, sizes[i], got, "1-byte updates, then random");

		/* one big update then a tail at each boundary */
		split2(&t, s, buf, sizes[i], sizes[i] - 1);
		split2(&t, s, buf, sizes[i], 1);
		split2(&t, s, buf, sizes[i], sizes[i] / 1024 * 1024 - 1024);
		split2(&t, s, buf, sizes[i], MIB - 256);
		split2(&t, s, buf, sizes[i], MIB + 1);
	}
	report("xxh3 1, 3, 4 and 17 MiB (+ odd bytes) one-shot and streamed",
	       &t);
	free(buf);
}

/* Input that starts at every offset of a 64-byte stripe. */
static void odd_starts(struct bundlefs_xxh3_state *s)
{
	static const size_t lens[] = {
		0, 1, 3, 4, 8, 9, 16, 17, 100, 128, 129, 240, 241, 256, 257,
		1024, 1025, 5000, 70001,
	};
	struct tally t = { 0 };
	size_t off, i;
	uint8_t *buf;

	buf = malloc(70001 + 64);
	if (!buf) {
		failf("xxh3 unaligned", "out of memory");
		return;
	}
	fill(buf, 70001 + 64);
	for (off = 1; off < 64; off++) {
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			one_shot(&t, buf + off, lens[i]);
			streamed(&t, s, buf + off, lens[i], random_only, 1,
				 1000, "random updates, unaligned");
		}
	}
	report("xxh3 unaligned starts 1..63, one-shot and streamed", &t);
	free(buf);
}

/* digest() leaves the state as it was: take one after every update. */
static void digest_midway(struct bundlefs_xxh3_state *s, uint8_t *buf)
{
	struct tally t = { 0 };
	uint8_t got[16];
	size_t off = 0, n;

	fill(buf, 4096);
	bundlefs_xxh3_128_reset(s);
	bundlefs_xxh3_128_digest(s, got);
	expect(&t, buf, 0, got, "digest right after reset");
	while (off < 4096) {
		n = rng() % 80;
		if (n > 4096 - off)
			n = 4096 - off;
		bundlefs_xxh3_128_update(s, buf + off, n);
		off += n;
		bundlefs_xxh3_128_digest(s, got);
		expect(&t, buf, off, got, "digest after each update");
	}
	report("xxh3 digest between updates leaves the state unchanged", &t);
}

/* Known values, independent of libxxhash (xxh128sum of the bytes). */
static void known(void)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{ "", "99aa06d3014798d86001c324468d497f" },
		{ "a", "a96faf705af16834e6c632b61e964e1f" },
		{ "abc", "06b05ab6733a618578af5f94892f3950" },
	};
	char got_hex[33], name[64];
	uint8_t got[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		bundlefs_xxh3_128(v[i].in, strlen(v[i].in), got);
		hex(got, got_hex);
		snprintf(name, sizeof(name), "xxh3 of \"%s\" is xxh128sum's",
			 v[i].in);
		check_str(name, v[i].hex, got_hex);
	}
}

/*
 * The KUnit suite's vectors (kunit/xxh3_vectors.h, generated) still agree
 * with libxxhash and with kmod/xxh3.c: regenerate them if this fails.
 */
static void kunit_vectors(void)
{
	const size_t n = ARRAY_SIZE(bundlefs_xxh3_vectors);
	size_t max = bundlefs_xxh3_vectors[n - 1].len, i;
	struct tally t = { 0 };
	char w[33], g[33];
	uint8_t *buf;

	buf = malloc(max);
	if (!buf) {
		failf("xxh3 KUnit vectors", "out of memory");
		return;
	}
	for (i = 0; i < max; i++)
		buf[i] = BUNDLEFS_XXH3_VEC_BYTE(i);
	for (i = 0; i < n; i++) {
		const struct bundlefs_xxh3_vector *v = &bundlefs_xxh3_vectors[i];
		XXH128_canonical_t want;

		XXH128_canonicalFromHash(&want, XXH3_128bits(buf, v->len));
		t.count++;
		if (memcmp(want.digest, v->digest, 16) && !t.bad++) {
			hex(want.digest, w);
			hex(v->digest, g);
			snprintf(t.first, sizeof(t.first),
				 "length %u: libxxhash %s, header %s", v->len,
				 w, g);
		}
		one_shot(&t, buf, v->len);
	}
	report("xxh3 kunit/xxh3_vectors.h agrees with libxxhash and kmod/xxh3.c",
	       &t);
	free(buf);
}

void test_xxh3(void)
{
	struct bundlefs_xxh3_state *s = malloc(sizeof(*s));
	uint8_t *buf = malloc(4096);

	if (!s || !buf) {
		failf("xxh3", "out of memory");
		goto out;
	}
	rng_state = 20261202;
	known();
	kunit_vectors();
	every_length(s, buf);
	every_split(s, buf);
	digest_midway(s, buf);
	odd_starts(s);
	big_buffers(s);
out:
	free(buf);
	free(s);
}
