/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The journal of a writable mount's upper directory: every change to the
 * namespace and to inode attributes, as a sequence of checksummed entries
 * that are replayed at the next mount.  Documentation/upper-format.rst is
 * the specification.  Plain C with no kernel dependency: the module, the
 * host tests and the fuzzers share it, since a journal read back from disk
 * is untrusted input.
 *
 * A file is: entry 0 holding one HEADER record, then entries 1, 2, ...
 * Each entry is one operation (a create, a rename, an inode's new
 * attributes): it is replayed whole or not at all.  Every field is
 * little-endian; records and entries are 8-byte aligned.
 */
#ifndef _BUNDLEFS_JOURNAL_H
#define _BUNDLEFS_JOURNAL_H

#include "image_env.h"

#define BUNDLEFS_JOURNAL_MAGIC		0x4c4e524a	/* "JRNL" */
#define BUNDLEFS_JOURNAL_VERSION	1
/* A body larger than this is damage, not data: 16 MiB (a 1M-range map). */
#define BUNDLEFS_JENTRY_MAX		(16U << 20)
/* A buffer of entries not yet written never grows past this. */
#define BUNDLEFS_JBUF_MAX		(64U << 20)

struct bundlefs_jentry {
	__le32 magic;		/* BUNDLEFS_JOURNAL_MAGIC */
	__le32 len;		/* bytes of records after this header */
	__le32 seq;		/* entry number: 0, 1, 2, ... in file order */
	__le32 crc;		/* xxh32 (seed 0) of the records */
};

enum bundlefs_jrec_type {
	BUNDLEFS_JREC_HEADER = 1,
	BUNDLEFS_JREC_INODE = 2,
	BUNDLEFS_JREC_MAP = 3,
	BUNDLEFS_JREC_LINK = 4,
	BUNDLEFS_JREC_UNLINK = 5,
	BUNDLEFS_JREC_TARGET = 6,
};

struct bundlefs_jrec {
	__le32 type;		/* enum bundlefs_jrec_type */
	__le32 len;		/* bytes including this header, multiple of 8 */
};

/* Binds the upper directory to one image. */
struct bundlefs_jheader {
	struct bundlefs_jrec rec;
	__le32 version;		/* BUNDLEFS_JOURNAL_VERSION */
	__le32 node_count;	/* of the image */
	__le64 image_size;
	__le64 image_hash;	/* xxh64 (seed 0) of the image bytes */
};

/* An inode's attributes; nlink 0 means it is gone. */
struct bundlefs_jinode {
	struct bundlefs_jrec rec;
	__le64 ino;
	__le32 node;		/* image node, or BUNDLEFS_JNO_NODE for new */
	__u8 kind;		/* BUNDLEFS_NODE_* */
	__u8 pad[3];
	__le32 mode;
	__le32 uid;
	__le32 gid;
	__le32 nlink;
	__le64 size;
	__le64 lower_size;	/* bytes at the start still read from objects */
	__le64 atime_sec;
	__le64 mtime_sec;
	__le64 ctime_sec;
	__le32 atime_nsec;
	__le32 mtime_nsec;
	__le32 ctime_nsec;
	__le32 pad2;
};

#define BUNDLEFS_JNO_NODE	0xffffffffU

struct bundlefs_jrange {
	__le64 start;		/* page index */
	__le64 end;		/* exclusive */
};

/* The whole map of pages held in upper, replacing the previous one. */
struct bundlefs_jmap {
	struct bundlefs_jrec rec;
	__le64 ino;
	__le32 count;
	__le32 pad;
	struct bundlefs_jrange ranges[];
};

/* Name @name in directory @dir is inode @ino. */
struct bundlefs_jlink {
	struct bundlefs_jrec rec;
	__le64 dir;
	__le64 ino;
	__le16 name_len;
	__u8 dtype;		/* DT_DIR, DT_REG or DT_LNK */
	__u8 pad[5];
	char name[];		/* not NUL-terminated, zero-padded */
};

/* Name @name in directory @dir is gone (a whiteout over an image name). */
struct bundlefs_junlink {
	struct bundlefs_jrec rec;
	__le64 dir;
	__le16 name_len;
	__u8 pad[6];
	char name[];
};

/* The target of a new symbolic link. */
struct bundlefs_jtarget {
	struct bundlefs_jrec rec;
	__le64 ino;
	__le32 len;
	__le32 pad;
	char target[];
};

/* A record checked by bundlefs_journal_next(), with its variable part. */
struct bundlefs_jview {
	u32 type;
	const void *rec;		/* cast by type */
	const char *name;		/* LINK, UNLINK: name; TARGET: target */
	u32 name_len;
	const struct bundlefs_jrange *ranges;	/* MAP */
	u32 count;
};

#define BUNDLEFS_JWHY_MAX	128

/*
 * The entry at @buf (@avail bytes): 0 and its total size in @size when it
 * is whole, numbered @seq and its checksum matches; -EINVAL with @why set
 * otherwise (the end of the journal, or a torn last write).
 */
int bundlefs_journal_entry(const void *buf, u64 avail, u32 seq, u32 *size,
			   char why[BUNDLEFS_JWHY_MAX]);

/*
 * The record at *@pos of an entry's body (@len bytes, after the header):
 * 1 and advances *@pos; 0 at the end; -EINVAL with @why when malformed.
 */
int bundlefs_journal_next(const void *body, u32 len, u32 *pos,
			  struct bundlefs_jview *out,
			  char why[BUNDLEFS_JWHY_MAX]);

/* A growing buffer of entries, appended to the file as it is. */
struct bundlefs_jbuf {
	u8 *buf;
	u32 len;		/* bytes of whole entries and the open one */
	u32 cap;
	u32 open;		/* offset of the open entry's header */
	u32 seq;		/* number of the next entry */
	bool failed;		/* an allocation failed inside the open entry */
};

void bundlefs_jbuf_begin(struct bundlefs_jbuf *b);
/* A zeroed record of @len bytes (rounded up to 8), or NULL (see failed). */
void *bundlefs_jbuf_rec(struct bundlefs_jbuf *b, u32 type, u32 len);
/* Close the open entry: 0, or -ENOMEM and the entry is dropped. */
int bundlefs_jbuf_end(struct bundlefs_jbuf *b);
/* Forget @n bytes at the start (written to the file). */
void bundlefs_jbuf_consume(struct bundlefs_jbuf *b, u32 n);
void bundlefs_jbuf_free(struct bundlefs_jbuf *b);

#endif /* _BUNDLEFS_JOURNAL_H */
