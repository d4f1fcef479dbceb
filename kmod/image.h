/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The manifest image in memory: validated once by bundlefs_image_parse(),
 * then read in place without further checks.  Plain C with no kernel
 * dependency: the module, the host tests and the fuzzers share this code.
 */
#ifndef _BUNDLEFS_IMAGE_H
#define _BUNDLEFS_IMAGE_H

#include "image_env.h"
#include "../include/uapi/linux/bundlefs.h"

struct bundlefs_image {
	const struct bundlefs_node *nodes;
	const struct bundlefs_digest *digests;
	const char *strings;
	u64 size;
	u64 total_size;
	u32 node_count;
	u32 digest_count;
	u32 string_size;
	u32 chunk_shift;
};

/* Room for the one-line reason an image was refused. */
#define BUNDLEFS_WHY_MAX 128

int bundlefs_image_parse(struct bundlefs_image *img, const void *buf,
			 u64 size, char why[BUNDLEFS_WHY_MAX]);

static inline const struct bundlefs_node *
bundlefs_image_node(const struct bundlefs_image *img, u32 index)
{
	return &img->nodes[index];
}

static inline const char *bundlefs_node_name(const struct bundlefs_image *img,
					     const struct bundlefs_node *node)
{
	return img->strings + le32_to_cpu(node->name_offset);
}

static inline const char *
bundlefs_node_target(const struct bundlefs_image *img,
		     const struct bundlefs_node *node)
{
	return img->strings + le32_to_cpu(node->first);
}

/* Child of @dir called @name, or 0 (the root is nobody's child). */
u32 bundlefs_image_lookup(const struct bundlefs_image *img, u32 dir,
			  const char *name, size_t len);

/* Number of chunks of a file of @size bytes. */
u64 bundlefs_chunk_count(u64 size, u32 chunk_shift);

/* Where byte @pos of a regular file lives. */
struct bundlefs_chunk_pos {
	u32 chunk;	/* chunk index within the file */
	u32 digest;	/* index into the digest table */
	u64 offset;	/* offset of @pos inside the chunk's object */
	u64 avail;	/* bytes from @pos to the end of the chunk */
	u64 length;	/* the chunk object's whole length */
};

bool bundlefs_chunk_map(const struct bundlefs_image *img,
			const struct bundlefs_node *node, u64 pos,
			struct bundlefs_chunk_pos *out);

/* Lowercase hex of a digest, NUL-terminated: 33 bytes. */
void bundlefs_digest_hex(const struct bundlefs_digest *d, char hex[33]);

#endif /* _BUNDLEFS_IMAGE_H */
