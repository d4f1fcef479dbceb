// SPDX-License-Identifier: GPL-2.0
/*
 * The range map of pages held in upper (kmod/rangemap.c) against a plain
 * bitmap: random adds and trims, then every index and the map's shape.
 */
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../../kmod/rangemap.h"

#define SPAN 512

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Sorted, disjoint, not touching, and the same indices as @bits. */
static const char *map_matches(const struct bundlefs_rangemap *m,
			       const bool *bits)
{
	uint64_t i;
	uint32_t r;

	for (r = 0; r < m->nr; r++) {
		if (m->r[r].start >= m->r[r].end)
			return "an empty range";
		if (r && m->r[r].start <= m->r[r - 1].end)
			return "ranges overlap or touch";
	}
	for (i = 0; i < SPAN + 8; i++)
		if (bundlefs_rangemap_contains(m, i) != (i < SPAN && bits[i]))
			return "contains() differs from the model";
	return NULL;
}

static void random_ops(int rounds)
{
	struct bundlefs_rangemap m = { 0 };
	bool bits[SPAN] = { false };
	const char *bad = NULL;
	int round, op;
	uint64_t count, i;

	for (round = 0; round < rounds && !bad; round++) {
		for (op = 0; op < 40 && !bad; op++) {
			uint64_t a = next() % SPAN, len = next() % 24;
			uint64_t b = a + len > SPAN ? SPAN : a + len;

			if (next() % 8) {
				if (bundlefs_rangemap_add(&m, a, b))
					bad = "add failed";
				for (i = a; i < b; i++)
					bits[i] = true;
			} else {
				bundlefs_rangemap_trim(&m, a);
				for (i = a; i < SPAN; i++)
					bits[i] = false;
			}
			if (!bad)
				bad = map_matches(&m, bits);
		}
		count = 0;
		for (i = 0; i < SPAN; i++)
			count += bits[i];
		if (!bad && bundlefs_rangemap_count(&m) != count)
			bad = "count() differs from the model";
		if (round % 7 == 6) {
			bundlefs_rangemap_free(&m);
			memset(bits, 0, sizeof(bits));
		}
	}
	bundlefs_rangemap_free(&m);
	if (bad)
		failf("rangemap: random adds and trims", "%s (round %d)", bad,
		      round);
	else
		pass("rangemap: random adds and trims match a bitmap");
}

static void edges(void)
{
	struct bundlefs_rangemap m = { 0 };
	struct bundlefs_range two[2] = { { 1, 3 }, { 10, 20 } };

	bundlefs_rangemap_add(&m, 5, 5);
	check_u64("rangemap: an empty add adds nothing", 0, m.nr);
	bundlefs_rangemap_add(&m, 10, 20);
	bundlefs_rangemap_add(&m, 0, 10);
	check_u64("rangemap: touching ranges merge", 1, m.nr);
	check_u64("rangemap: merged end", 20, m.r[0].end);
	bundlefs_rangemap_trim(&m, 15);
	check_u64("rangemap: trim cuts the range", 15, m.r[0].end);
	check_u64("rangemap: index 14 kept", 1, bundlefs_rangemap_contains(&m, 14));
	check_u64("rangemap: index 15 gone", 0, bundlefs_rangemap_contains(&m, 15));
	bundlefs_rangemap_add(&m, UINT64_MAX - 2, UINT64_MAX);
	check_u64("rangemap: a range at the top of u64", 1,
		  bundlefs_rangemap_contains(&m, UINT64_MAX - 1));
	bundlefs_rangemap_trim(&m, 0);
	check_u64("rangemap: trim to 0 empties it", 0, m.nr);
	check_u64("rangemap: set", 0, bundlefs_rangemap_set(&m, two, 2));
	check_u64("rangemap: set keeps both ranges", 12, bundlefs_rangemap_count(&m));
	bundlefs_rangemap_free(&m);
}

void test_rangemap(void)
{
	edges();
	random_ops(3000);
}
