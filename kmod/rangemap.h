/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-file map of page ranges whose bytes live in the upper directory
 * instead of the manifest's objects: a sorted array of disjoint,
 * non-adjacent [start, end) ranges of page indices.  Plain C with no kernel
 * dependency, shared with the host tests like image.c.
 *
 * A map is changed only at writeback, truncate and hole punching, and read
 * when a folio that is not in the page cache is filled; a write(2) into a
 * cached folio never touches it.
 */
#ifndef _BUNDLEFS_RANGEMAP_H
#define _BUNDLEFS_RANGEMAP_H

#include "image_env.h"

/* Beyond this many ranges a map refuses to grow (-EFBIG): 16 MiB of array. */
#define BUNDLEFS_RANGEMAP_MAX	(1U << 20)

struct bundlefs_range {
	u64 start;
	u64 end;
};

struct bundlefs_rangemap {
	struct bundlefs_range *r;
	u32 nr;
	u32 cap;
};

/* Add [start, end), merging with what it touches; -ENOMEM or -EFBIG. */
int bundlefs_rangemap_add(struct bundlefs_rangemap *m, u64 start, u64 end);

/* Forget every index >= @end (a truncate). */
void bundlefs_rangemap_trim(struct bundlefs_rangemap *m, u64 end);

bool bundlefs_rangemap_contains(const struct bundlefs_rangemap *m, u64 index);

/* Replace the contents with @nr ranges that must be sorted and disjoint. */
int bundlefs_rangemap_set(struct bundlefs_rangemap *m,
			  const struct bundlefs_range *r, u32 nr);

void bundlefs_rangemap_free(struct bundlefs_rangemap *m);

/* Total number of indices in the map. */
u64 bundlefs_rangemap_count(const struct bundlefs_rangemap *m);

#endif /* _BUNDLEFS_RANGEMAP_H */
