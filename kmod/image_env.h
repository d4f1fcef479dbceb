/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What image.c needs from its surroundings, so the same file builds into
 * the module, the host unit tests and the fuzzers.
 */
#ifndef _BUNDLEFS_IMAGE_ENV_H
#define _BUNDLEFS_IMAGE_ENV_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <asm/byteorder.h>
#include <linux/export.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xxhash.h>

/* Arrays that may grow large: the range maps, journal buffers. */
#define bundlefs_env_alloc(size) kvmalloc(size, GFP_KERNEL_ACCOUNT)
#define bundlefs_env_free(p) kvfree(p)
#define bundlefs_env_xxh32(p, len) xxh32(p, len, 0)

/* A 1 GiB image has some 27 million nodes: let others run while we check. */
#define bundlefs_image_resched() cond_resched()

/*
 * The KUnit suites (kunit/, bundlefs_kunit.ko) call the module's own
 * functions, not copies: export them, in their own namespace, only on a
 * kernel built with KUnit.
 */
#if IS_ENABLED(CONFIG_KUNIT)
#define BUNDLEFS_EXPORT_FOR_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, BUNDLEFS_KUNIT)
#else
#define BUNDLEFS_EXPORT_FOR_KUNIT(sym) _Static_assert(1, #sym)
#endif
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <endian.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#define S64_MAX INT64_MAX

#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)
#define cpu_to_le16(x) htole16(x)
#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define BUNDLEFS_EXPORT_FOR_KUNIT(sym) _Static_assert(1, #sym)
#define bundlefs_image_resched() do { } while (0)
#define bundlefs_env_alloc(size) malloc(size)
#define bundlefs_env_free(p) free(p)
/* journal.c's checksum: libxxhash's XXH32, linked by its users */
uint32_t XXH32(const void *input, size_t length, uint32_t seed);
#define bundlefs_env_xxh32(p, len) XXH32(p, len, 0)
#endif

#endif /* _BUNDLEFS_IMAGE_ENV_H */
