/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * bundlefs: the binary image of a job-bundle manifest and the ioctls that
 * load it.  Shared by the kernel module and the user-space loader, so the
 * two can never disagree.  Every field is little-endian.
 *
 * Layout of an image (all offsets from the start of the image, each
 * section 8-byte aligned):
 *
 *   struct bundlefs_image_header
 *   struct bundlefs_node    nodes[node_count]      node i is inode i + 1
 *   struct bundlefs_digest  digests[digest_count]  xxh128, big-endian bytes
 *   char                    strings[string_size]   names and link targets
 *
 * Node 0 is the root directory.  The children of a directory are the
 * contiguous nodes [first, first + count), sorted by name bytes (memcmp,
 * then length) with no duplicates.  Directories are laid out so that their
 * child ranges follow each other in node order: the first directory with
 * children owns the range starting at node 1, the next one the range right
 * after it, and so on to the end of the table.  A child's index is always
 * greater than its parent's, so the tree has no cycles.
 *
 * Documentation/image-format.rst is the full specification.
 */
#ifndef _UAPI_LINUX_BUNDLEFS_H
#define _UAPI_LINUX_BUNDLEFS_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define BUNDLEFS_SUPER_MAGIC	0x424e444c	/* "BNDL" */
#define BUNDLEFS_IMAGE_MAGIC	0x474d4942	/* "BIMG" as LE bytes */
#define BUNDLEFS_IMAGE_VERSION	1

/* The manifest formats split large files into 256 MiB chunks. */
#define BUNDLEFS_CHUNK_SIZE	(256ULL << 20)
#define BUNDLEFS_MIN_CHUNK_SHIFT	12
#define BUNDLEFS_MAX_CHUNK_SHIFT	40

#define BUNDLEFS_NAME_MAX	255
#define BUNDLEFS_SYMLINK_MAX	4095
#define BUNDLEFS_DIGEST_SIZE	16

struct bundlefs_image_header {
	__le32 magic;		/* BUNDLEFS_IMAGE_MAGIC */
	__le16 version;		/* BUNDLEFS_IMAGE_VERSION */
	__le16 header_size;	/* sizeof(struct bundlefs_image_header) */
	__le64 image_size;	/* total bytes, equal to the ioctl's length */
	__le32 chunk_shift;	/* log2 of the chunk size (28: 256 MiB) */
	__le32 flags;		/* none defined: must be 0 */
	__le32 node_count;	/* >= 1, node 0 is the root directory */
	__le32 node_offset;	/* start of the node table */
	__le32 digest_count;	/* entries in the digest table */
	__le32 digest_offset;	/* start of the digest table */
	__le32 string_size;	/* bytes in the string pool */
	__le32 string_offset;	/* start of the string pool */
	__le64 total_size;	/* sum of the regular files' sizes */
	__le64 reserved[2];	/* must be 0 */
};

enum bundlefs_node_kind {
	BUNDLEFS_NODE_DIR = 1,
	BUNDLEFS_NODE_REG = 2,
	BUNDLEFS_NODE_LNK = 3,
};

/* bundlefs_node.flags */
#define BUNDLEFS_NODE_EXEC	0x01	/* regular file is executable: 0755 */
#define BUNDLEFS_NODE_FLAGS	BUNDLEFS_NODE_EXEC

struct bundlefs_node {
	__le64 size;		/* file bytes; link target length; dir 0 */
	__le64 mtime_us;	/* signed, microseconds since the epoch */
	__le32 parent;		/* parent node index; the root's is 0 */
	__le32 name_offset;	/* name in the string pool; root: 0 */
	__le16 name_len;	/* 1..255; root: 0 */
	__u8 kind;		/* enum bundlefs_node_kind */
	__u8 flags;		/* BUNDLEFS_NODE_* */
	/*
	 * dir: first child node (0 when it has none);
	 * reg: first digest of its chunk list (0 when empty);
	 * lnk: offset of the target in the string pool, followed by a NUL.
	 */
	__le32 first;
	/* dir: children; reg: chunks, ceil(size / chunk); lnk: target length */
	__le32 count;
	__le32 reserved;	/* must be 0 */
};

struct bundlefs_digest {
	__u8 bytes[BUNDLEFS_DIGEST_SIZE];
};

/* Argument of BUNDLEFS_IOC_LOAD, issued on the root of an empty mount. */
struct bundlefs_load {
	__u64 image;		/* user pointer to the image */
	__u64 size;		/* its length in bytes */
	__u64 reserved[2];	/* must be 0 */
};

#define BUNDLEFS_IOC_LOAD	_IOW('B', 1, struct bundlefs_load)

/*
 * Argument of BUNDLEFS_IOC_CHANGES, issued on the root of a writable
 * mount: what differs from the image, as struct bundlefs_change records
 * packed into the buffer.  When the buffer is too small the ioctl fails
 * with E2BIG and sets @size to what is needed (it may grow before the
 * next call).
 */
struct bundlefs_changes {
	__u64 buf;		/* user pointer to the records */
	__u64 size;		/* its length; on E2BIG, the length needed */
	__u32 count;		/* out: records written */
	__u32 flags;		/* none defined: must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

/* A changed path.  Records are 8-byte aligned; @len covers the padding. */
struct bundlefs_change {
	__le32 len;		/* bytes of this record */
	__u8 kind;		/* BUNDLEFS_NODE_*, or 0: the path is deleted */
	__u8 flags;		/* BUNDLEFS_NODE_EXEC, BUNDLEFS_CHANGE_WAS_DIR */
	__le16 path_len;	/* bytes of the path, relative, no NUL */
	__le64 size;		/* file bytes; link target length */
	__le64 mtime_us;	/* signed microseconds */
	__le32 nchunks;		/* file: digests after the header */
	__le32 reserved;
	/*
	 * Then: nchunks digests (xxh128 of each 256 MiB chunk, big-endian
	 * bytes; a file of at most one chunk has one), the path, and for a
	 * link its target (size bytes).
	 */
};

/* bundlefs_change.flags of a deleted path: it was a directory. */
#define BUNDLEFS_CHANGE_WAS_DIR	0x80

#define BUNDLEFS_IOC_CHANGES	_IOWR('B', 2, struct bundlefs_changes)

/*
 * On-demand fetch (Documentation/fetch.rst).  BUNDLEFS_IOC_FETCH_ATTACH,
 * issued on the root of a mount by a process with CAP_SYS_ADMIN, makes it
 * the mount's fetch daemon: it returns a channel (an anonymous file) and
 * an O_PATH descriptor of the mount's cache directory.  One daemon per
 * mount at a time (EBUSY otherwise); closing the channel detaches it.
 *
 * A read of content whose object is not in the cache queues one request
 * per object, however many readers wait for it.  read(2) on the channel
 * returns one struct bundlefs_fetch_request (blocking unless O_NONBLOCK;
 * 0 at end of file once the mount is gone; poll(2) says when one is
 * ready).  The daemon places the object at Data/<hash>.xxh128 under the
 * cache directory, whole and of the right size, then write(2)s one
 * struct bundlefs_fetch_reply with the same id: status 0 when the object
 * is there, a negative errno when it could not be fetched.  The waiting
 * reads then open it, or fail with EIO.  A reply for an id that is no
 * longer waited for fails with ENOENT, and can be ignored.
 */
#define BUNDLEFS_FETCH_VERSION	1

struct bundlefs_fetch_attach {
	__s32 channel_fd;	/* out: the channel, O_RDWR | O_CLOEXEC */
	__s32 cache_fd;		/* out: the cache directory, O_PATH */
	__u32 flags;		/* none defined: must be 0 */
	__u32 reserved;		/* must be 0 */
};

struct bundlefs_fetch_request {
	__u32 version;		/* BUNDLEFS_FETCH_VERSION */
	__u32 size;		/* sizeof(struct bundlefs_fetch_request) */
	__u64 id;		/* to be echoed in the reply */
	__u64 length;		/* the object's expected size in bytes */
	struct bundlefs_digest digest;	/* xxh128, big-endian bytes */
	char name[40];		/* "<32 hex digits>.xxh128", NUL-terminated */
};

struct bundlefs_fetch_reply {
	__u64 id;
	__s32 status;		/* 0: placed; negative errno: failed */
	__u32 reserved;		/* must be 0 */
};

/* BUNDLEFS_IOC_FETCH_STATS: the mount's counters since it was made. */
struct bundlefs_fetch_stats {
	__u64 hits;		/* objects found in the cache when first opened */
	__u64 misses;		/* objects not found there */
	__u64 requests;		/* requests queued for a daemon */
	__u64 fetched;		/* requests answered with the object placed */
	__u64 fetched_bytes;	/* their sizes */
	__u64 failed;		/* error answers, bad objects, detaches */
	__u64 timeouts;		/* waits that ran out of fetch_timeout */
	__u32 waiting;		/* readers waiting now */
	__u32 queued;		/* requests not yet read by the daemon */
	__u32 attached;		/* 1 while a daemon is attached */
	__u32 reserved[7];
};

#define BUNDLEFS_IOC_FETCH_ATTACH	_IOWR('B', 3, struct bundlefs_fetch_attach)
#define BUNDLEFS_IOC_FETCH_STATS	_IOR('B', 4, struct bundlefs_fetch_stats)

#endif /* _UAPI_LINUX_BUNDLEFS_H */
