// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the per-file map of page ranges held in the upper directory.
 * See rangemap.h.  The array doubles as it grows, so adding to the end (a
 * file written front to back) is amortized O(1) and an insertion in the
 * middle costs one memmove.
 */
#include "rangemap.h"

/* First range whose end is >= @index: the one that contains or follows it. */
static u32 bundlefs_rangemap_find(const struct bundlefs_rangemap *m,
				  u64 index)
{
	u32 lo = 0, hi = m->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (m->r[mid].end < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int bundlefs_rangemap_reserve(struct bundlefs_rangemap *m, u32 need)
{
	struct bundlefs_range *r;
	u32 cap;

	if (need <= m->cap)
		return 0;
	if (need > BUNDLEFS_RANGEMAP_MAX)
		return -EFBIG;
	cap = m->cap ? m->cap : 4;
	while (cap < need)
		cap *= 2;
	if (cap > BUNDLEFS_RANGEMAP_MAX)
		cap = BUNDLEFS_RANGEMAP_MAX;
	r = bundlefs_env_alloc((size_t)cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (m->nr)
		memcpy(r, m->r, (size_t)m->nr * sizeof(*r));
	bundlefs_env_free(m->r);
	m->r = r;
	m->cap = cap;
	return 0;
}

int bundlefs_rangemap_add(struct bundlefs_rangemap *m, u64 start, u64 end)
{
	u32 i, j;
	int err;

	if (start >= end)
		return 0;
	/* ranges that overlap or touch [start, end) are i .. j - 1 */
	i = bundlefs_rangemap_find(m, start);
	j = i;
	while (j < m->nr && m->r[j].start <= end)
		j++;
	if (i == j) {
		err = bundlefs_rangemap_reserve(m, m->nr + 1);
		if (err)
			return err;
		memmove(&m->r[i + 1], &m->r[i], (size_t)(m->nr - i) * sizeof(*m->r));
		m->r[i].start = start;
		m->r[i].end = end;
		m->nr++;
		return 0;
	}
	if (m->r[i].start < start)
		start = m->r[i].start;
	if (m->r[j - 1].end > end)
		end = m->r[j - 1].end;
	m->r[i].start = start;
	m->r[i].end = end;
	memmove(&m->r[i + 1], &m->r[j], (size_t)(m->nr - j) * sizeof(*m->r));
	m->nr -= j - i - 1;
	return 0;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_rangemap_add);

void bundlefs_rangemap_trim(struct bundlefs_rangemap *m, u64 end)
{
	u32 i = bundlefs_rangemap_find(m, end);

	/* range i contains or follows @end; everything after it follows */
	if (i < m->nr && m->r[i].start < end) {
		m->r[i].end = end;
		i++;
	}
	m->nr = i;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_rangemap_trim);

bool bundlefs_rangemap_contains(const struct bundlefs_rangemap *m, u64 index)
{
	/* the first range that ends after @index holds it, if any does */
	u32 i = bundlefs_rangemap_find(m, index + 1);

	return i < m->nr && m->r[i].start <= index;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_rangemap_contains);

int bundlefs_rangemap_set(struct bundlefs_rangemap *m,
			  const struct bundlefs_range *r, u32 nr)
{
	int err = bundlefs_rangemap_reserve(m, nr);

	if (err)
		return err;
	if (nr)
		memcpy(m->r, r, (size_t)nr * sizeof(*r));
	m->nr = nr;
	return 0;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_rangemap_set);

void bundlefs_rangemap_free(struct bundlefs_rangemap *m)
{
	bundlefs_env_free(m->r);
	m->r = NULL;
	m->nr = 0;
	m->cap = 0;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_rangemap_free);

u64 bundlefs_rangemap_count(const struct bundlefs_rangemap *m)
{
	u64 n = 0;
	u32 i;

	for (i = 0; i < m->nr; i++)
		n += m->r[i].end - m->r[i].start;
	return n;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_rangemap_count);
