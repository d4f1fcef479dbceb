/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XXH3-128 with the default secret and seed 0: the hash a manifest's
 * "xxh128" names, as xxh128sum prints it.  The kernel's xxhash library has
 * xxh32 and xxh64 only.  Plain C with no kernel dependency beyond
 * image_env.h: the module, the host tests (checked against libxxhash) and
 * the KUnit suite share this code.
 */
#ifndef _BUNDLEFS_XXH3_H
#define _BUNDLEFS_XXH3_H

#include "image_env.h"

/* Bytes of input the streaming state holds back between updates. */
#define BUNDLEFS_XXH3_BUFFER_SIZE 256

/*
 * A streaming hash: reset, any number of updates, digest (which leaves the
 * state as it was, so updates may continue).  336 bytes on x86_64: too
 * large for a kernel stack frame, so kmalloc() it.  Any split of the
 * input into updates gives the one-shot result.
 */
struct bundlefs_xxh3_state {
	u64 acc[8];		/* the eight accumulator lanes */
	u8 buffer[BUNDLEFS_XXH3_BUFFER_SIZE];	/* input not yet consumed */
	u64 total_len;		/* bytes given to update() since reset() */
	u32 buffered;		/* bytes held in @buffer, 1..256 once >256 seen */
	u32 stripes;		/* 64-byte stripes consumed in the current block */
};

void bundlefs_xxh3_128_reset(struct bundlefs_xxh3_state *s);
void bundlefs_xxh3_128_update(struct bundlefs_xxh3_state *s, const void *p,
			      size_t len);
/* Canonical (big-endian) bytes, high 64 bits first, as xxh128sum prints. */
void bundlefs_xxh3_128_digest(const struct bundlefs_xxh3_state *s,
			      u8 out[16]);
void bundlefs_xxh3_128(const void *p, size_t len, u8 out[16]);

#endif /* _BUNDLEFS_XXH3_H */
