// SPDX-License-Identifier: GPL-2.0
/*
 * XXH3-128, scalar, default secret, seed 0, written from the XXH3
 * specification (xxHash 0.8, doc/xxhash_spec.md) and checked against
 * libxxhash by tests/host/test_xxh3.c for every length up to 4096 and for
 * streaming splits at every boundary.
 *
 * Inputs of up to 240 bytes take one of four short paths.  Longer inputs
 * run through eight 64-bit lanes, 64 bytes (one stripe) at a time; every
 * 16 stripes (a 1024-byte block) the lanes are scrambled, except after the
 * block that holds the last byte.  The final stripe is always the last 64
 * bytes of the input, overlapping what came before, and is folded in with
 * its own secret offset.  Streaming therefore holds back at least one byte
 * and keeps the last consumed stripe at the end of its buffer.
 */
#include "xxh3.h"

#define PRIME32_1 0x9E3779B1U
#define PRIME32_2 0x85EBCA77U
#define PRIME32_3 0xC2B2AE3DU
#define PRIME64_1 0x9E3779B185EBCA87ULL
#define PRIME64_2 0xC2B2AE3D27D4EB4FULL
#define PRIME64_3 0x165667B19E3779F9ULL
#define PRIME64_4 0x85EBCA77C2B2AE63ULL
#define PRIME64_5 0x27D4EB2F165667C5ULL
#define PRIME_MX1 0x165667919E3779F9ULL
#define PRIME_MX2 0x9FB21C651E98DF25ULL

#define STRIPE_LEN 64
#define SECRET_SIZE 192
#define STRIPES_PER_BLOCK ((SECRET_SIZE - STRIPE_LEN) / 8)	/* 16 */
#define MIDSIZE_MAX 240
#define SCRAMBLE_SECRET (SECRET_SIZE - STRIPE_LEN)		/* 128 */
#define LAST_STRIPE_SECRET (SECRET_SIZE - STRIPE_LEN - 7)	/* 121 */
#define MERGE_LO_SECRET 11
#define MERGE_HI_SECRET (SECRET_SIZE - STRIPE_LEN - 11)	/* 117 */

static const u8 secret[SECRET_SIZE] = {
	0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe,
	0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
	0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb,
	0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
	0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78,
	0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
	0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e,
	0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
	0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb,
	0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
	0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e,
	0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
	0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f,
	0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
	0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31,
	0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
	0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3,
	0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
	0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49,
	0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
	0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc,
	0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
	0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28,
	0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

static const u64 acc_init[8] = {
	PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3,
	PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1,
};

struct xxh3_u128 {
	u64 lo;
	u64 hi;
};

/* Unaligned little-endian loads; memcpy of a constant size is one load. */
static inline u32 read32(const u8 *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static inline u64 read64(const u8 *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

static inline u32 rotl32(u32 x, unsigned int r)
{
	return (x << r) | (x >> (32 - r));
}

#if defined(__SIZEOF_INT128__) && !defined(BUNDLEFS_XXH3_NO_INT128)
static inline struct xxh3_u128 mul64to128(u64 a, u64 b)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	struct xxh3_u128 r = { (u64)p, (u64)(p >> 64) };

	return r;
}
#else
/* 32-bit targets: four 32x32 products, as the reference's portable path. */
static inline struct xxh3_u128 mul64to128(u64 a, u64 b)
{
	u64 lo_lo = (u64)(u32)a * (u32)b;
	u64 hi_lo = (a >> 32) * (u32)b;
	u64 lo_hi = (u64)(u32)a * (b >> 32);
	u64 hi_hi = (a >> 32) * (b >> 32);
	u64 cross = (lo_lo >> 32) + (u32)hi_lo + lo_hi;
	struct xxh3_u128 r = {
		(cross << 32) | (u32)lo_lo,
		(hi_lo >> 32) + (cross >> 32) + hi_hi,
	};

	return r;
}
#endif

static inline u64 mul128_fold64(u64 a, u64 b)
{
	struct xxh3_u128 p = mul64to128(a, b);

	return p.lo ^ p.hi;
}

static inline u64 xorshift64(u64 v, unsigned int shift)
{
	return v ^ (v >> shift);
}

static u64 xxh64_avalanche(u64 h)
{
	h ^= h >> 33;
	h *= PRIME64_2;
	h ^= h >> 29;
	h *= PRIME64_3;
	return h ^ (h >> 32);
}

static u64 xxh3_avalanche(u64 h)
{
	h = xorshift64(h, 37);
	h *= PRIME_MX1;
	return xorshift64(h, 32);
}

static void canonical(u8 out[16], struct xxh3_u128 h)
{
	int i;

	for (i = 0; i < 8; i++) {
		out[i] = (u8)(h.hi >> (56 - 8 * i));
		out[8 + i] = (u8)(h.lo >> (56 - 8 * i));
	}
}

/* 1 to 3 bytes: the first, middle and last byte and the length. */
static struct xxh3_u128 len_1to3(const u8 *in, size_t len)
{
	u32 lo = ((u32)in[0] << 16) | ((u32)in[len >> 1] << 24) |
		 in[len - 1] | ((u32)len << 8);
	u32 hi = rotl32(__builtin_bswap32(lo), 13);
	u64 flip_lo = read32(secret) ^ read32(secret + 4);
	u64 flip_hi = read32(secret + 8) ^ read32(secret + 12);
	struct xxh3_u128 h = {
		xxh64_avalanche(lo ^ flip_lo),
		xxh64_avalanche(hi ^ flip_hi),
	};

	return h;
}

static struct xxh3_u128 len_4to8(const u8 *in, size_t len)
{
	u64 v = read32(in) + ((u64)read32(in + len - 4) << 32);
	u64 flip = read64(secret + 16) ^ read64(secret + 24);
	struct xxh3_u128 m = mul64to128(v ^ flip, PRIME64_1 + (len << 2));

	m.hi += m.lo << 1;
	m.lo ^= m.hi >> 3;
	m.lo = xorshift64(m.lo, 35);
	m.lo *= PRIME_MX2;
	m.lo = xorshift64(m.lo, 28);
	m.hi = xxh3_avalanche(m.hi);
	return m;
}

static struct xxh3_u128 len_9to16(const u8 *in, size_t len)
{
	u64 flip_lo = read64(secret + 32) ^ read64(secret + 40);
	u64 flip_hi = read64(secret + 48) ^ read64(secret + 56);
	u64 in_lo = read64(in);
	u64 in_hi = read64(in + len - 8);
	struct xxh3_u128 m = mul64to128(in_lo ^ in_hi ^ flip_lo, PRIME64_1);
	struct xxh3_u128 h;

	m.lo += (u64)(len - 1) << 54;
	in_hi ^= flip_hi;
	m.hi += in_hi + (u64)(u32)in_hi * (PRIME32_2 - 1);
	m.lo ^= __builtin_bswap64(m.hi);
	h = mul64to128(m.lo, PRIME64_2);
	h.hi += m.hi * PRIME64_2;
	h.lo = xxh3_avalanche(h.lo);
	h.hi = xxh3_avalanche(h.hi);
	return h;
}

static struct xxh3_u128 len_0to16(const u8 *in, size_t len)
{
	struct xxh3_u128 h;

	if (len > 8)
		return len_9to16(in, len);
	if (len >= 4)
		return len_4to8(in, len);
	if (len)
		return len_1to3(in, len);
	h.lo = xxh64_avalanche(read64(secret + 64) ^ read64(secret + 72));
	h.hi = xxh64_avalanche(read64(secret + 80) ^ read64(secret + 88));
	return h;
}

static u64 mix16(const u8 *in, const u8 *sec)
{
	return mul128_fold64(read64(in) ^ read64(sec),
			     read64(in + 8) ^ read64(sec + 8));
}

static void mix32(struct xxh3_u128 *acc, const u8 *in1, const u8 *in2,
		  const u8 *sec)
{
	acc->lo += mix16(in1, sec);
	acc->lo ^= read64(in2) + read64(in2 + 8);
	acc->hi += mix16(in2, sec + 16);
	acc->hi ^= read64(in1) + read64(in1 + 8);
}

static struct xxh3_u128 finish_mid(struct xxh3_u128 acc, size_t len)
{
	struct xxh3_u128 h;

	h.lo = xxh3_avalanche(acc.lo + acc.hi);
	h.hi = 0 - xxh3_avalanche(acc.lo * PRIME64_1 + acc.hi * PRIME64_4 +
				  (u64)len * PRIME64_2);
	return h;
}

/* 17 to 128 bytes: 32-byte pairs from both ends towards the middle. */
static struct xxh3_u128 len_17to128(const u8 *in, size_t len)
{
	struct xxh3_u128 acc = { (u64)len * PRIME64_1, 0 };

	if (len > 32) {
		if (len > 64) {
			if (len > 96)
				mix32(&acc, in + 48, in + len - 64,
				      secret + 96);
			mix32(&acc, in + 32, in + len - 48, secret + 64);
		}
		mix32(&acc, in + 16, in + len - 32, secret + 32);
	}
	mix32(&acc, in, in + len - 16, secret);
	return finish_mid(acc, len);
}

static struct xxh3_u128 len_129to240(const u8 *in, size_t len)
{
	struct xxh3_u128 acc = { (u64)len * PRIME64_1, 0 };
	size_t i;

	for (i = 32; i < 160; i += 32)
		mix32(&acc, in + i - 32, in + i - 16, secret + i - 32);
	acc.lo = xxh3_avalanche(acc.lo);
	acc.hi = xxh3_avalanche(acc.hi);
	for (i = 160; i <= len; i += 32)
		mix32(&acc, in + i - 32, in + i - 16, secret + 3 + i - 160);
	/* the last 32 bytes, swapped, with the secret's minimal-size end */
	mix32(&acc, in + len - 16, in + len - 32, secret + 136 - 17 - 16);
	return finish_mid(acc, len);
}

static struct xxh3_u128 hash_short(const u8 *in, size_t len)
{
	if (len <= 16)
		return len_0to16(in, len);
	if (len <= 128)
		return len_17to128(in, len);
	return len_129to240(in, len);
}

/* Each lane takes its neighbour's input and its own keyed product. */
static inline void accumulate_512(u64 acc[8], const u8 *in, const u8 *sec)
{
	int i;

	for (i = 0; i < 8; i += 2) {
		u64 v0 = read64(in + 8 * i);
		u64 v1 = read64(in + 8 * i + 8);
		u64 k0 = v0 ^ read64(sec + 8 * i);
		u64 k1 = v1 ^ read64(sec + 8 * i + 8);

		acc[i] += v1 + (u64)(u32)k0 * (k0 >> 32);
		acc[i + 1] += v0 + (u64)(u32)k1 * (k1 >> 32);
	}
}

static void scramble(u64 acc[8])
{
	int i;

	for (i = 0; i < 8; i++) {
		u64 a = acc[i];

		a = xorshift64(a, 47) ^ read64(secret + SCRAMBLE_SECRET + 8 * i);
		acc[i] = a * PRIME32_1;
	}
}

/*
 * Consume @count stripes at @in, @*done of the current block being done
 * already; scramble at the end of each block.  Callers never consume the
 * last byte of the input here, so a block that ends is never the last.
 */
static const u8 *consume_stripes(u64 acc[8], u32 *done, const u8 *in,
				 size_t count)
{
	while (count) {
		size_t n = STRIPES_PER_BLOCK - *done;
		size_t i;

		if (n > count)
			n = count;
		for (i = 0; i < n; i++)
			accumulate_512(acc, in + i * STRIPE_LEN,
				       secret + (*done + i) * 8);
		in += n * STRIPE_LEN;
		count -= n;
		*done += n;
		if (*done == STRIPES_PER_BLOCK) {
			scramble(acc);
			*done = 0;
		}
	}
	return in;
}

static u64 merge_accs(const u64 acc[8], const u8 *sec, u64 start)
{
	int i;

	for (i = 0; i < 4; i++)
		start += mul128_fold64(acc[2 * i] ^ read64(sec + 16 * i),
				       acc[2 * i + 1] ^ read64(sec + 16 * i + 8));
	return xxh3_avalanche(start);
}

/* @acc has taken every stripe but the last; @last is the last 64 bytes. */
static struct xxh3_u128 finish_long(u64 acc[8], const u8 *last, u64 len)
{
	struct xxh3_u128 h;

	accumulate_512(acc, last, secret + LAST_STRIPE_SECRET);
	h.lo = merge_accs(acc, secret + MERGE_LO_SECRET, len * PRIME64_1);
	h.hi = merge_accs(acc, secret + MERGE_HI_SECRET, ~(len * PRIME64_2));
	return h;
}

void bundlefs_xxh3_128(const void *p, size_t len, u8 out[16])
{
	const u8 *in = p;
	u64 acc[8];
	u32 done = 0;

	if (len <= MIDSIZE_MAX) {
		canonical(out, hash_short(in, len));
		return;
	}
	memcpy(acc, acc_init, sizeof(acc));
	consume_stripes(acc, &done, in, (len - 1) / STRIPE_LEN);
	canonical(out, finish_long(acc, in + len - STRIPE_LEN, len));
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_xxh3_128);

void bundlefs_xxh3_128_reset(struct bundlefs_xxh3_state *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->acc, acc_init, sizeof(s->acc));
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_xxh3_128_reset);

void bundlefs_xxh3_128_update(struct bundlefs_xxh3_state *s, const void *p,
			      size_t len)
{
	const u8 *in = p;
	const u8 *end = in + len;

	if (!len)
		return;
	s->total_len += len;
	if (len <= BUNDLEFS_XXH3_BUFFER_SIZE - s->buffered) {
		memcpy(s->buffer + s->buffered, in, len);
		s->buffered += len;
		return;
	}
	/* More than the buffer holds: fill it and consume it whole. */
	if (s->buffered) {
		size_t fill = BUNDLEFS_XXH3_BUFFER_SIZE - s->buffered;

		memcpy(s->buffer + s->buffered, in, fill);
		in += fill;
		consume_stripes(s->acc, &s->stripes, s->buffer,
				BUNDLEFS_XXH3_BUFFER_SIZE / STRIPE_LEN);
		s->buffered = 0;
	}
	/* Straight from the input, keeping 1..64 bytes back. */
	if (end - in > BUNDLEFS_XXH3_BUFFER_SIZE) {
		in = consume_stripes(s->acc, &s->stripes, in,
				     (end - 1 - in) / STRIPE_LEN);
		/* digest() may need the last consumed stripe */
		memcpy(s->buffer + BUNDLEFS_XXH3_BUFFER_SIZE - STRIPE_LEN,
		       in - STRIPE_LEN, STRIPE_LEN);
	}
	memcpy(s->buffer, in, end - in);
	s->buffered = end - in;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_xxh3_128_update);

void bundlefs_xxh3_128_digest(const struct bundlefs_xxh3_state *s,
			      u8 out[16])
{
	u8 last[STRIPE_LEN];
	const u8 *lastp;
	u64 acc[8];
	u32 done = s->stripes;

	if (s->total_len <= MIDSIZE_MAX) {
		canonical(out, hash_short(s->buffer, s->total_len));
		return;
	}
	memcpy(acc, s->acc, sizeof(acc));
	if (s->buffered >= STRIPE_LEN) {
		consume_stripes(acc, &done, s->buffer,
				(s->buffered - 1) / STRIPE_LEN);
		lastp = s->buffer + s->buffered - STRIPE_LEN;
	} else {
		/* the stripe's head is the end of what was consumed */
		size_t head = STRIPE_LEN - s->buffered;

		memcpy(last, s->buffer + BUNDLEFS_XXH3_BUFFER_SIZE - head,
		       head);
		memcpy(last + head, s->buffer, s->buffered);
		lastp = last;
	}
	canonical(out, finish_long(acc, lastp, s->total_len));
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_xxh3_128_digest);
