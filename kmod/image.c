// SPDX-License-Identifier: GPL-2.0
/*
 * Validation and in-place reading of a bundlefs image.
 *
 * bundlefs_image_parse() checks every offset, length, name and the shape
 * of the tree in one pass over the node table; nothing after it checks
 * again.  It must never read outside [buf, buf + size) whatever the bytes.
 */
#include "image.h"

#define WHY(...) (snprintf(why, BUNDLEFS_WHY_MAX, __VA_ARGS__), -EINVAL)

/* Node visits between two chances to reschedule. */
#define RESCHED_EVERY 65536

static bool section_ok(u64 image_size, u64 offset, u64 count, u64 elem)
{
	/* count and elem are at most 2^32, so count * elem cannot overflow */
	return offset % 8 == 0 && offset <= image_size &&
	       count * elem <= image_size - offset;
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, min(alen, blen));

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static bool name_ok(const char *name, u32 len)
{
	if (len == 0 || len > BUNDLEFS_NAME_MAX)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return !memchr(name, '/', len) && !memchr(name, '\0', len);
}

static int check_header(struct bundlefs_image *img, const void *buf,
			u64 size, char *why)
{
	const struct bundlefs_image_header *h = buf;
	u32 node_off, digest_off, string_off;

	if (size < sizeof(*h))
		return WHY("image of %llu bytes is shorter than its header",
			   (unsigned long long)size);
	if (le32_to_cpu(h->magic) != BUNDLEFS_IMAGE_MAGIC)
		return WHY("bad magic 0x%08x", le32_to_cpu(h->magic));
	if (le16_to_cpu(h->version) != BUNDLEFS_IMAGE_VERSION)
		return WHY("unsupported image version %u",
			   le16_to_cpu(h->version));
	if (le16_to_cpu(h->header_size) != sizeof(*h))
		return WHY("header size %u, expected %zu",
			   le16_to_cpu(h->header_size), sizeof(*h));
	if (le64_to_cpu(h->image_size) != size)
		return WHY("header says %llu bytes, image has %llu",
			   (unsigned long long)le64_to_cpu(h->image_size),
			   (unsigned long long)size);
	if (h->flags || h->reserved[0] || h->reserved[1])
		return WHY("unknown flags or reserved fields set");

	img->chunk_shift = le32_to_cpu(h->chunk_shift);
	if (img->chunk_shift < BUNDLEFS_MIN_CHUNK_SHIFT ||
	    img->chunk_shift > BUNDLEFS_MAX_CHUNK_SHIFT)
		return WHY("chunk shift %u out of range", img->chunk_shift);

	img->size = size;
	img->total_size = le64_to_cpu(h->total_size);
	img->node_count = le32_to_cpu(h->node_count);
	img->digest_count = le32_to_cpu(h->digest_count);
	img->string_size = le32_to_cpu(h->string_size);
	node_off = le32_to_cpu(h->node_offset);
	digest_off = le32_to_cpu(h->digest_offset);
	string_off = le32_to_cpu(h->string_offset);

	if (img->node_count == 0)
		return WHY("no root node");
	if (node_off < sizeof(*h) ||
	    !section_ok(size, node_off, img->node_count,
			sizeof(struct bundlefs_node)))
		return WHY("node table (%u nodes at %u) out of bounds",
			   img->node_count, node_off);
	if (digest_off < sizeof(*h) ||
	    !section_ok(size, digest_off, img->digest_count,
			sizeof(struct bundlefs_digest)))
		return WHY("digest table (%u digests at %u) out of bounds",
			   img->digest_count, digest_off);
	if (string_off < sizeof(*h) ||
	    !section_ok(size, string_off, img->string_size, 1))
		return WHY("string pool (%u bytes at %u) out of bounds",
			   img->string_size, string_off);

	img->nodes = (const void *)((const u8 *)buf + node_off);
	img->digests = (const void *)((const u8 *)buf + digest_off);
	img->strings = (const char *)buf + string_off;
	return 0;
}

static int check_dir(const struct bundlefs_image *img, u32 index,
		     const struct bundlefs_node *n, u32 *next_child, char *why)
{
	u32 first = le32_to_cpu(n->first), count = le32_to_cpu(n->count);
	const char *prev = NULL;
	size_t prev_len = 0;
	u32 i;

	if (n->size || n->flags)
		return WHY("node %u: directory with a size or flags", index);
	if (count == 0) {
		if (first)
			return WHY("node %u: empty directory with first child %u",
				   index, first);
		return 0;
	}
	/* child ranges tile [1, node_count) in order: no node twice */
	if (first != *next_child || first <= index)
		return WHY("node %u: children start at %u, expected %u",
			   index, first, *next_child);
	if (count > img->node_count - first)
		return WHY("node %u: %u children run past the node table",
			   index, count);
	for (i = first; i < first + count; i++) {
		const struct bundlefs_node *c = &img->nodes[i];
		u32 off = le32_to_cpu(c->name_offset);
		u32 len = le16_to_cpu(c->name_len);
		const char *name = img->strings + off;

		if (i % RESCHED_EVERY == 0)
			bundlefs_image_resched();
		if (le32_to_cpu(c->parent) != index)
			return WHY("node %u: parent %u, but listed under %u",
				   i, le32_to_cpu(c->parent), index);
		if (off > img->string_size || len > img->string_size - off)
			return WHY("node %u: name out of bounds", i);
		if (!name_ok(name, len))
			return WHY("node %u: invalid name", i);
		if (prev && name_cmp(prev, prev_len, name, len) >= 0)
			return WHY("node %u: name not sorted after its sibling",
				   i);
		prev = name;
		prev_len = len;
	}
	*next_child = first + count;
	return 0;
}

static int check_reg(const struct bundlefs_image *img, u32 index,
		     const struct bundlefs_node *n, char *why)
{
	u64 size = le64_to_cpu(n->size);
	u32 first = le32_to_cpu(n->first), count = le32_to_cpu(n->count);

	if (n->flags & ~BUNDLEFS_NODE_FLAGS)
		return WHY("node %u: unknown flags 0x%x", index, n->flags);
	if (size > (u64)S64_MAX)
		return WHY("node %u: size %llu too large", index,
			   (unsigned long long)size);
	if (count != bundlefs_chunk_count(size, img->chunk_shift))
		return WHY("node %u: %u chunks for %llu bytes", index, count,
			   (unsigned long long)size);
	if (count == 0 && first)
		return WHY("node %u: empty file with a digest", index);
	if (first > img->digest_count || count > img->digest_count - first)
		return WHY("node %u: chunk list out of bounds", index);
	return 0;
}

static int check_lnk(const struct bundlefs_image *img, u32 index,
		     const struct bundlefs_node *n, char *why)
{
	u32 off = le32_to_cpu(n->first), len = le32_to_cpu(n->count);
	const char *target = img->strings + off;

	if (n->flags)
		return WHY("node %u: symlink with flags", index);
	if (len == 0 || len > BUNDLEFS_SYMLINK_MAX ||
	    le64_to_cpu(n->size) != len)
		return WHY("node %u: bad symlink length %u", index, len);
	/* the target is stored with its NUL so it can be used in place */
	if (off >= img->string_size || len > img->string_size - off - 1)
		return WHY("node %u: symlink target out of bounds", index);
	if (memchr(target, '\0', len) || target[len] != '\0')
		return WHY("node %u: symlink target not NUL-terminated", index);
	return 0;
}

int bundlefs_image_parse(struct bundlefs_image *img, const void *buf,
			 u64 size, char why[BUNDLEFS_WHY_MAX])
{
	const struct bundlefs_node *root;
	u32 next_child = 1;
	u64 total = 0;
	u32 i;
	int err;

	memset(img, 0, sizeof(*img));
	err = check_header(img, buf, size, why);
	if (err)
		return err;

	root = &img->nodes[0];
	if (root->kind != BUNDLEFS_NODE_DIR || root->parent ||
	    root->name_len || root->name_offset)
		return WHY("node 0 is not a root directory");

	for (i = 0; i < img->node_count; i++) {
		const struct bundlefs_node *n = &img->nodes[i];

		if (i % RESCHED_EVERY == 0)
			bundlefs_image_resched();
		if (n->reserved)
			return WHY("node %u: reserved field set", i);
		switch (n->kind) {
		case BUNDLEFS_NODE_DIR:
			err = check_dir(img, i, n, &next_child, why);
			break;
		case BUNDLEFS_NODE_REG:
			err = check_reg(img, i, n, why);
			total += le64_to_cpu(n->size);
			break;
		case BUNDLEFS_NODE_LNK:
			err = check_lnk(img, i, n, why);
			break;
		default:
			err = WHY("node %u: unknown kind %u", i, n->kind);
		}
		if (err)
			return err;
		/* sizes are below 2^63, so the sum of two cannot wrap */
		if (total > (u64)S64_MAX)
			return WHY("total size overflows");
	}
	if (next_child != img->node_count)
		return WHY("nodes %u.. are in no directory", next_child);
	if (total != img->total_size)
		return WHY("total size %llu, files add up to %llu",
			   (unsigned long long)img->total_size,
			   (unsigned long long)total);
	return 0;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_image_parse);

u32 bundlefs_image_lookup(const struct bundlefs_image *img, u32 dir,
			  const char *name, size_t len)
{
	const struct bundlefs_node *d = &img->nodes[dir];
	u32 lo, hi;

	if (d->kind != BUNDLEFS_NODE_DIR)
		return 0;
	lo = le32_to_cpu(d->first);
	hi = lo + le32_to_cpu(d->count);
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct bundlefs_node *c = &img->nodes[mid];
		int cmp = name_cmp(bundlefs_node_name(img, c),
				   le16_to_cpu(c->name_len), name, len);

		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_image_lookup);

u64 bundlefs_chunk_count(u64 size, u32 chunk_shift)
{
	u64 mask = (1ULL << chunk_shift) - 1;

	return (size >> chunk_shift) + !!(size & mask);
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_chunk_count);

bool bundlefs_chunk_map(const struct bundlefs_image *img,
			const struct bundlefs_node *node, u64 pos,
			struct bundlefs_chunk_pos *out)
{
	u64 size = le64_to_cpu(node->size);
	u64 chunk_size = 1ULL << img->chunk_shift;
	u64 start;

	if (node->kind != BUNDLEFS_NODE_REG || pos >= size)
		return false;
	out->chunk = pos >> img->chunk_shift;
	out->digest = le32_to_cpu(node->first) + out->chunk;
	start = (u64)out->chunk << img->chunk_shift;
	out->offset = pos - start;
	out->length = min(chunk_size, size - start);
	out->avail = out->length - out->offset;
	return true;
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_chunk_map);

void bundlefs_digest_hex(const struct bundlefs_digest *d, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < BUNDLEFS_DIGEST_SIZE; i++) {
		hex[2 * i] = digits[d->bytes[i] >> 4];
		hex[2 * i + 1] = digits[d->bytes[i] & 15];
	}
	hex[32] = '\0';
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_digest_hex);
