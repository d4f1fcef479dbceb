// SPDX-License-Identifier: GPL-2.0
/*
 * The upper directory's journal format (kmod/journal.c): entries written
 * with the buffer read back record by record; every truncation stops at a
 * whole entry; every flipped byte is caught; every malformed record is
 * refused with a reason.
 */
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../../kmod/journal.h"
#include "../../include/uapi/linux/bundlefs.h"

#define EH sizeof(struct bundlefs_jentry)

static void add_link(struct bundlefs_jbuf *b, uint64_t dir, const char *name,
		     uint64_t ino, uint8_t dtype)
{
	size_t len = strlen(name);
	struct bundlefs_jlink *l;

	l = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_LINK, sizeof(*l) + len);
	l->dir = htole64(dir);
	l->ino = htole64(ino);
	l->name_len = htole16(len);
	l->dtype = dtype;
	memcpy(l->name, name, len);
}

/* A journal of a header and three operations; returns its entry count. */
static int build(struct bundlefs_jbuf *b)
{
	struct bundlefs_jheader *h;
	struct bundlefs_jinode *in;
	struct bundlefs_jmap *m;
	struct bundlefs_junlink *u;
	struct bundlefs_jtarget *t;

	memset(b, 0, sizeof(*b));
	bundlefs_jbuf_begin(b);
	h = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_HEADER, sizeof(*h));
	h->version = htole32(BUNDLEFS_JOURNAL_VERSION);
	h->image_hash = htole64(0x1234);
	bundlefs_jbuf_end(b);

	bundlefs_jbuf_begin(b);
	in = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_INODE, sizeof(*in));
	in->ino = htole64(20);
	in->node = htole32(BUNDLEFS_JNO_NODE);
	in->kind = BUNDLEFS_NODE_LNK;
	in->mode = htole32(0120777);
	in->size = htole64(5);
	t = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_TARGET, sizeof(*t) + 5);
	t->ino = htole64(20);
	t->len = htole32(5);
	memcpy(t->target, "a/b/c", 5);
	add_link(b, 1, "new-link", 20, 10);
	bundlefs_jbuf_end(b);

	bundlefs_jbuf_begin(b);
	m = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_MAP, sizeof(*m) + 2 * sizeof(m->ranges[0]));
	m->ino = htole64(3);
	m->count = htole32(2);
	m->ranges[0].start = htole64(0);
	m->ranges[0].end = htole64(2);
	m->ranges[1].start = htole64(7);
	m->ranges[1].end = htole64(9);
	bundlefs_jbuf_end(b);

	bundlefs_jbuf_begin(b);
	u = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_UNLINK, sizeof(*u) + 3);
	u->dir = htole64(1);
	u->name_len = htole16(3);
	memcpy(u->name, "old", 3);
	add_link(b, 1, "\xe6\x97\xa5 unicode \x01", 3, 8);
	bundlefs_jbuf_end(b);
	return 4;
}

/* Whole entries from the start, and their records; -1 on a bad record. */
static int walk(const uint8_t *buf, uint64_t len, int *records, char *why)
{
	uint64_t pos = 0;
	uint32_t size, rpos, seq;
	struct bundlefs_jview v;
	int r;

	*records = 0;
	for (seq = 0; pos < len; seq++, pos += size) {
		if (bundlefs_journal_entry(buf + pos, len - pos, seq, &size, why))
			break;
		rpos = 0;
		while ((r = bundlefs_journal_next(buf + pos + EH, size - EH,
						  &rpos, &v, why)) == 1)
			(*records)++;
		if (r)
			return -1;
	}
	return seq;
}

static void round_trip(void)
{
	struct bundlefs_jbuf b;
	struct bundlefs_jview v;
	char why[BUNDLEFS_JWHY_MAX];
	uint32_t size, rpos = 0;
	int n, records;
	uint64_t off;

	n = build(&b);
	check_u64("journal: entries read back", n, walk(b.buf, b.len, &records, why));
	check_u64("journal: records read back", 7, records);

	/* the second entry: inode, target, link in that order */
	bundlefs_journal_entry(b.buf, b.len, 0, &size, why);
	off = size;
	bundlefs_journal_entry(b.buf + off, b.len - off, 1, &size, why);
	bundlefs_journal_next(b.buf + off + EH, size - EH, &rpos, &v, why);
	check_u64("journal: first record is the inode", BUNDLEFS_JREC_INODE, v.type);
	bundlefs_journal_next(b.buf + off + EH, size - EH, &rpos, &v, why);
	check_u64("journal: target length", 5, v.name_len);
	check_u64("journal: target bytes", 0, memcmp(v.name, "a/b/c", 5));
	bundlefs_journal_next(b.buf + off + EH, size - EH, &rpos, &v, why);
	check_u64("journal: link name length", 8, v.name_len);
	check_u64("journal: end of the entry", 0,
		  bundlefs_journal_next(b.buf + off + EH, size - EH, &rpos, &v, why));
	check_u64("journal: entry numbers are checked", (uint64_t)-EINVAL,
		  (uint64_t)bundlefs_journal_entry(b.buf + off, b.len - off, 2, &size, why));
	check_contains("journal: wrong number says so", "numbered 1", why);
	bundlefs_jbuf_free(&b);
}

/* A cut anywhere keeps exactly the entries before it. */
static void truncations(void)
{
	struct bundlefs_jbuf b;
	char why[BUNDLEFS_JWHY_MAX];
	uint64_t ends[8], len, pos = 0;
	uint32_t size;
	int n, i, want, got, records, bad = 0;

	n = build(&b);
	for (i = 0; i < n; i++) {
		bundlefs_journal_entry(b.buf + pos, b.len - pos, i, &size, why);
		pos += size;
		ends[i] = pos;
	}
	for (len = 0; len <= b.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, b.buf, len);
		for (want = 0; want < n && ends[want] <= len; want++)
			;
		got = walk(copy, len, &records, why);
		if (got != want && !bad++)
			failf("journal: every truncation keeps whole entries",
			      "cut at %llu: %d entries, expected %d",
			      (unsigned long long)len, got, want);
		free(copy);
	}
	if (!bad)
		pass("journal: every truncation keeps whole entries");
	bundlefs_jbuf_free(&b);
}

/* A flipped byte ends the journal at the entry that holds it. */
static void flips(void)
{
	struct bundlefs_jbuf b;
	char why[BUNDLEFS_JWHY_MAX];
	uint64_t ends[8], i, pos = 0;
	uint32_t size;
	int n, e, records, bad = 0;

	n = build(&b);
	for (e = 0; e < n; e++) {
		bundlefs_journal_entry(b.buf + pos, b.len - pos, e, &size, why);
		pos += size;
		ends[e] = pos;
	}
	for (i = 0; i < b.len; i++) {
		int got;

		for (e = 0; ends[e] <= i; e++)
			;
		b.buf[i] ^= 0x20;
		got = walk(b.buf, b.len, &records, why);
		b.buf[i] ^= 0x20;
		if (got != e && !bad++)
			failf("journal: every flipped byte is caught",
			      "byte %llu: %d entries, expected %d",
			      (unsigned long long)i, got, e);
	}
	if (!bad)
		pass("journal: every flipped byte is caught");
	bundlefs_jbuf_free(&b);
}

/* One entry holding one record of @len bytes made by @fill. */
static void refused(const char *name, uint32_t type, uint32_t len,
		    void (*fill)(void *rec), const char *reason)
{
	struct bundlefs_jbuf b;
	char why[BUNDLEFS_JWHY_MAX] = "";
	struct bundlefs_jview v;
	uint32_t size, rpos = 0;
	void *rec;
	int r;

	memset(&b, 0, sizeof(b));
	bundlefs_jbuf_begin(&b);
	rec = bundlefs_jbuf_rec(&b, type, len);
	fill(rec);
	bundlefs_jbuf_end(&b);
	bundlefs_journal_entry(b.buf, b.len, 0, &size, why);
	r = bundlefs_journal_next(b.buf + EH, size - EH, &rpos, &v, why);
	if (r != -EINVAL)
		failf(name, "expected -EINVAL, got %d", r);
	else
		check_contains(name, reason, why);
	bundlefs_jbuf_free(&b);
}

static void link_dotdot(void *p)
{
	struct bundlefs_jlink *l = p;

	l->ino = htole64(5);
	l->dtype = 8;
	l->name_len = htole16(2);
	memcpy(l->name, "..", 2);
}

static void link_slash(void *p)
{
	struct bundlefs_jlink *l = p;

	l->ino = htole64(5);
	l->dtype = 8;
	l->name_len = htole16(3);
	memcpy(l->name, "a/b", 3);
}

static void link_long(void *p)
{
	struct bundlefs_jlink *l = p;

	l->ino = htole64(5);
	l->dtype = 8;
	l->name_len = htole16(9);	/* the record holds 3 */
	memcpy(l->name, "abc", 3);
}

static void link_type(void *p)
{
	link_slash(p);
	memcpy(((struct bundlefs_jlink *)p)->name, "abc", 3);
	((struct bundlefs_jlink *)p)->dtype = 2;
}

static void inode_kind(void *p)
{
	struct bundlefs_jinode *in = p;

	in->ino = htole64(9);
	in->kind = 7;
}

static void inode_lower(void *p)
{
	struct bundlefs_jinode *in = p;

	in->ino = htole64(9);
	in->kind = BUNDLEFS_NODE_REG;
	in->size = htole64(10);
	in->lower_size = htole64(11);
}

static void inode_nsec(void *p)
{
	struct bundlefs_jinode *in = p;

	in->ino = htole64(9);
	in->kind = BUNDLEFS_NODE_REG;
	in->mtime_nsec = htole32(1000000000);
}

static void map_order(void *p)
{
	struct bundlefs_jmap *m = p;

	m->count = htole32(2);
	m->ranges[0].start = htole64(5);
	m->ranges[0].end = htole64(9);
	m->ranges[1].start = htole64(8);
	m->ranges[1].end = htole64(12);
}

static void map_count(void *p)
{
	((struct bundlefs_jmap *)p)->count = htole32(0x10000000);
}

static void target_nul(void *p)
{
	struct bundlefs_jtarget *t = p;

	t->len = htole32(3);
	memcpy(t->target, "a\0b", 3);
}

static void nothing(void *p)
{
	(void)p;
}

static void malformed(void)
{
	refused("journal: a link named .. is refused", BUNDLEFS_JREC_LINK,
		sizeof(struct bundlefs_jlink) + 2, link_dotdot, "bad name");
	refused("journal: a link name with / is refused", BUNDLEFS_JREC_LINK,
		sizeof(struct bundlefs_jlink) + 3, link_slash, "bad name");
	refused("journal: a name longer than its record is refused",
		BUNDLEFS_JREC_LINK, sizeof(struct bundlefs_jlink) + 3,
		link_long, "bad length");
	refused("journal: a link of an unknown type is refused",
		BUNDLEFS_JREC_LINK, sizeof(struct bundlefs_jlink) + 3,
		link_type, "type");
	refused("journal: an inode of an unknown kind is refused",
		BUNDLEFS_JREC_INODE, sizeof(struct bundlefs_jinode),
		inode_kind, "bad kind");
	refused("journal: lower_size above size is refused",
		BUNDLEFS_JREC_INODE, sizeof(struct bundlefs_jinode),
		inode_lower, "size");
	refused("journal: nanoseconds of a whole second are refused",
		BUNDLEFS_JREC_INODE, sizeof(struct bundlefs_jinode),
		inode_nsec, "time");
	refused("journal: overlapping map ranges are refused",
		BUNDLEFS_JREC_MAP, sizeof(struct bundlefs_jmap) + 32,
		map_order, "out of order");
	refused("journal: a map count past its record is refused",
		BUNDLEFS_JREC_MAP, sizeof(struct bundlefs_jmap), map_count,
		"bad length");
	refused("journal: a target with a NUL is refused",
		BUNDLEFS_JREC_TARGET, sizeof(struct bundlefs_jtarget) + 3,
		target_nul, "NUL");
	refused("journal: an unknown record type is refused", 99, 16,
		nothing, "unknown record type 99");
	refused("journal: a header of the wrong size is refused",
		BUNDLEFS_JREC_HEADER, 16, nothing, "bad length");
}

void test_journal(void)
{
	round_trip();
	truncations();
	flips();
	malformed();
}
