// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: reading and writing journal entries (see journal.h).  Every
 * length read from a journal is checked against what is left before use.
 */
#include "journal.h"
#include "../include/uapi/linux/bundlefs.h"

#define JWHY(...) snprintf(why, BUNDLEFS_JWHY_MAX, __VA_ARGS__)

static u32 bundlefs_jalign(u32 n)
{
	return (n + 7) & ~7U;
}

int bundlefs_journal_entry(const void *buf, u64 avail, u32 seq, u32 *size,
			   char why[BUNDLEFS_JWHY_MAX])
{
	const struct bundlefs_jentry *e = buf;
	u32 len;

	if (avail < sizeof(*e)) {
		JWHY("entry %u: %llu bytes left, shorter than a header", seq,
		     (unsigned long long)avail);
		return -EINVAL;
	}
	if (le32_to_cpu(e->magic) != BUNDLEFS_JOURNAL_MAGIC) {
		JWHY("entry %u: bad magic", seq);
		return -EINVAL;
	}
	len = le32_to_cpu(e->len);
	if (len % 8 || len > BUNDLEFS_JENTRY_MAX) {
		JWHY("entry %u: bad length %u", seq, len);
		return -EINVAL;
	}
	if (len > avail - sizeof(*e)) {
		JWHY("entry %u: %u bytes, only %llu left", seq, len,
		     (unsigned long long)(avail - sizeof(*e)));
		return -EINVAL;
	}
	if (le32_to_cpu(e->seq) != seq) {
		JWHY("entry %u: numbered %u", seq, le32_to_cpu(e->seq));
		return -EINVAL;
	}
	if (bundlefs_env_xxh32(e + 1, len) != le32_to_cpu(e->crc)) {
		JWHY("entry %u: checksum mismatch", seq);
		return -EINVAL;
	}
	*size = sizeof(*e) + len;
	return 0;
}

/* A name in a directory, as the image allows them. */
static bool bundlefs_jname_ok(const char *name, u32 len)
{
	u32 i;

	if (len == 0 || len > BUNDLEFS_NAME_MAX)
		return false;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\0')
			return false;
	return true;
}

/* Checks the variable part of a record of @len bytes; fills @out. */
static int bundlefs_jcheck(const struct bundlefs_jrec *r, u32 len,
			   struct bundlefs_jview *out,
			   char why[BUNDLEFS_JWHY_MAX])
{
	const struct bundlefs_jinode *in;
	const struct bundlefs_jmap *m;
	const struct bundlefs_jlink *l;
	const struct bundlefs_junlink *u;
	const struct bundlefs_jtarget *t;
	u32 i, n;

	switch (out->type) {
	case BUNDLEFS_JREC_HEADER:
		if (len != sizeof(struct bundlefs_jheader))
			goto size;
		return 0;
	case BUNDLEFS_JREC_INODE:
		if (len != sizeof(*in))
			goto size;
		in = (const void *)r;
		if (in->kind != BUNDLEFS_NODE_DIR &&
		    in->kind != BUNDLEFS_NODE_REG &&
		    in->kind != BUNDLEFS_NODE_LNK) {
			JWHY("inode %llu: bad kind %u",
			     (unsigned long long)le64_to_cpu(in->ino), in->kind);
			return -EINVAL;
		}
		if (le64_to_cpu(in->ino) == 0 ||
		    le32_to_cpu(in->atime_nsec) >= 1000000000 ||
		    le32_to_cpu(in->mtime_nsec) >= 1000000000 ||
		    le32_to_cpu(in->ctime_nsec) >= 1000000000 ||
		    le64_to_cpu(in->size) > (u64)S64_MAX ||
		    le64_to_cpu(in->lower_size) > le64_to_cpu(in->size)) {
			JWHY("inode %llu: bad number, time or size",
			     (unsigned long long)le64_to_cpu(in->ino));
			return -EINVAL;
		}
		return 0;
	case BUNDLEFS_JREC_MAP:
		if (len < sizeof(*m))
			goto size;
		m = (const void *)r;
		n = le32_to_cpu(m->count);
		if (n > (len - sizeof(*m)) / sizeof(m->ranges[0]) ||
		    len != sizeof(*m) + n * sizeof(m->ranges[0]))
			goto size;
		for (i = 0; i < n; i++) {
			u64 s = le64_to_cpu(m->ranges[i].start);
			u64 e = le64_to_cpu(m->ranges[i].end);

			if (s >= e || (i && s < le64_to_cpu(m->ranges[i - 1].end))) {
				JWHY("map of inode %llu: range %u out of order",
				     (unsigned long long)le64_to_cpu(m->ino), i);
				return -EINVAL;
			}
		}
		out->ranges = m->ranges;
		out->count = n;
		return 0;
	case BUNDLEFS_JREC_LINK:
		if (len < sizeof(*l))
			goto size;
		l = (const void *)r;
		n = le16_to_cpu(l->name_len);
		if (len != bundlefs_jalign(sizeof(*l) + n))
			goto size;
		if (!bundlefs_jname_ok(l->name, n) || le64_to_cpu(l->ino) == 0 ||
		    (l->dtype != 4 && l->dtype != 8 && l->dtype != 10)) {
			JWHY("link in directory %llu: bad name, inode or type",
			     (unsigned long long)le64_to_cpu(l->dir));
			return -EINVAL;
		}
		out->name = l->name;
		out->name_len = n;
		return 0;
	case BUNDLEFS_JREC_UNLINK:
		if (len < sizeof(*u))
			goto size;
		u = (const void *)r;
		n = le16_to_cpu(u->name_len);
		if (len != bundlefs_jalign(sizeof(*u) + n))
			goto size;
		if (!bundlefs_jname_ok(u->name, n)) {
			JWHY("unlink in directory %llu: bad name",
			     (unsigned long long)le64_to_cpu(u->dir));
			return -EINVAL;
		}
		out->name = u->name;
		out->name_len = n;
		return 0;
	case BUNDLEFS_JREC_TARGET:
		if (len < sizeof(*t))
			goto size;
		t = (const void *)r;
		n = le32_to_cpu(t->len);
		if (n == 0 || n > BUNDLEFS_SYMLINK_MAX ||
		    len != bundlefs_jalign(sizeof(*t) + n))
			goto size;
		if (memchr(t->target, '\0', n)) {
			JWHY("target of inode %llu has a NUL",
			     (unsigned long long)le64_to_cpu(t->ino));
			return -EINVAL;
		}
		out->name = t->target;
		out->name_len = n;
		return 0;
	}
	JWHY("unknown record type %u", out->type);
	return -EINVAL;
size:
	JWHY("record type %u: bad length %u", out->type, len);
	return -EINVAL;
}

int bundlefs_journal_next(const void *body, u32 len, u32 *pos,
			  struct bundlefs_jview *out,
			  char why[BUNDLEFS_JWHY_MAX])
{
	const struct bundlefs_jrec *r;
	u32 rlen;

	if (*pos >= len)
		return 0;
	if (len - *pos < sizeof(*r)) {
		JWHY("record at %u: truncated header", *pos);
		return -EINVAL;
	}
	r = (const void *)((const u8 *)body + *pos);
	rlen = le32_to_cpu(r->len);
	if (rlen < sizeof(*r) || rlen % 8 || rlen > len - *pos) {
		JWHY("record at %u: bad length %u", *pos, rlen);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->type = le32_to_cpu(r->type);
	out->rec = r;
	if (bundlefs_jcheck(r, rlen, out, why))
		return -EINVAL;
	*pos += rlen;
	return 1;
}

static int bundlefs_jbuf_grow(struct bundlefs_jbuf *b, u32 more)
{
	u32 cap;
	u8 *p;

	if (more <= b->cap - b->len)
		return 0;
	/* what cannot reach the file (a full disk) is bounded too */
	if (b->len > BUNDLEFS_JBUF_MAX || more > BUNDLEFS_JBUF_MAX - b->len)
		return -ENOMEM;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < more)
		cap *= 2;
	p = bundlefs_env_alloc(cap);
	if (!p)
		return -ENOMEM;
	if (b->len)
		memcpy(p, b->buf, b->len);
	bundlefs_env_free(b->buf);
	b->buf = p;
	b->cap = cap;
	return 0;
}

void bundlefs_jbuf_begin(struct bundlefs_jbuf *b)
{
	b->open = b->len;
	b->failed = bundlefs_jbuf_grow(b, sizeof(struct bundlefs_jentry)) != 0;
	if (!b->failed) {
		memset(b->buf + b->len, 0, sizeof(struct bundlefs_jentry));
		b->len += sizeof(struct bundlefs_jentry);
	}
}

void *bundlefs_jbuf_rec(struct bundlefs_jbuf *b, u32 type, u32 len)
{
	struct bundlefs_jrec *r;

	len = bundlefs_jalign(len);
	if (b->failed || bundlefs_jbuf_grow(b, len)) {
		b->failed = true;
		return NULL;
	}
	r = (void *)(b->buf + b->len);
	memset(r, 0, len);
	r->type = cpu_to_le32(type);
	r->len = cpu_to_le32(len);
	b->len += len;
	return r;
}

int bundlefs_jbuf_end(struct bundlefs_jbuf *b)
{
	struct bundlefs_jentry *e;
	u32 body;

	if (b->failed) {
		b->len = b->open;
		b->failed = false;
		return -ENOMEM;
	}
	e = (void *)(b->buf + b->open);
	body = b->len - b->open - sizeof(*e);
	e->magic = cpu_to_le32(BUNDLEFS_JOURNAL_MAGIC);
	e->len = cpu_to_le32(body);
	e->seq = cpu_to_le32(b->seq);
	e->crc = cpu_to_le32(bundlefs_env_xxh32(e + 1, body));
	b->seq++;
	b->open = b->len;
	return 0;
}

void bundlefs_jbuf_consume(struct bundlefs_jbuf *b, u32 n)
{
	memmove(b->buf, b->buf + n, b->len - n);
	b->len -= n;
	b->open = b->len;
}

void bundlefs_jbuf_free(struct bundlefs_jbuf *b)
{
	bundlefs_env_free(b->buf);
	memset(b, 0, sizeof(*b));
}
