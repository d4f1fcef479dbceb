// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the upper directory when an image loads and at unmount.  A
 * load checks that the journal belongs to this image, replays it into
 * pinned inodes and directory entries, and writes it anew (the rewrite);
 * an unmount writes everything back and rewrites it once more.  The
 * rewrite goes to journal.new, which is renamed over journal only when
 * complete and on stable storage.
 */
#include "internal.h"
#include <linux/namei.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include <linux/uidgid.h>
#include <linux/writeback.h>

#define BUNDLEFS_JOURNAL	"journal"
#define BUNDLEFS_JOURNAL_NEW	"journal.new"
#define BUNDLEFS_JOURNAL_MAX	(1ULL << 30)
#define BUNDLEFS_JSPLIT		(1U << 20)

struct bundlefs_replay {
	struct super_block *sb;
	const struct bundlefs_image *img;
	char why[BUNDLEFS_JWHY_MAX];
};

#define RWHY(r, ...) snprintf((r)->why, sizeof((r)->why), __VA_ARGS__)

/* The whole journal file, or NULL when there is none yet. */
static void *bundlefs_read_journal(struct bundlefs_upper *up, u64 *size)
{
	struct file *f;
	loff_t pos = 0, len;
	void *buf;
	ssize_t n;

	f = file_open_root(&up->dir, BUNDLEFS_JOURNAL, O_RDONLY | O_LARGEFILE, 0);
	if (IS_ERR(f))
		return PTR_ERR(f) == -ENOENT ? NULL : ERR_CAST(f);
	len = i_size_read(file_inode(f));
	if (len > BUNDLEFS_JOURNAL_MAX || !d_is_reg(f->f_path.dentry)) {
		fput(f);
		return ERR_PTR(-EFBIG);
	}
	buf = kvmalloc(max_t(loff_t, len, 1), GFP_KERNEL_ACCOUNT);
	if (!buf) {
		fput(f);
		return ERR_PTR(-ENOMEM);
	}
	while (pos < len) {
		n = kernel_read(f, buf + pos, len - pos, &pos);
		if (n <= 0)
			break;
	}
	fput(f);
	if (pos < len) {
		kvfree(buf);
		return ERR_PTR(-EIO);
	}
	*size = len;
	return buf;
}

/* Entry 0 must bind the journal to exactly this image. */
static int bundlefs_check_header(struct bundlefs_upper *up,
				 const struct bundlefs_image *img,
				 const void *buf, u64 size, u32 *used,
				 char *why)
{
	const struct bundlefs_jheader *h;
	struct bundlefs_jview v;
	u32 esize, pos = 0;

	if (bundlefs_journal_entry(buf, size, 0, &esize, why))
		return -EINVAL;
	if (bundlefs_journal_next((const u8 *)buf + sizeof(struct bundlefs_jentry),
				  esize - sizeof(struct bundlefs_jentry), &pos,
				  &v, why) != 1 || v.type != BUNDLEFS_JREC_HEADER) {
		snprintf(why, BUNDLEFS_JWHY_MAX, "entry 0 is not a header");
		return -EINVAL;
	}
	h = v.rec;
	if (le32_to_cpu(h->version) != BUNDLEFS_JOURNAL_VERSION) {
		snprintf(why, BUNDLEFS_JWHY_MAX, "journal version %u, expected %u",
			 le32_to_cpu(h->version), BUNDLEFS_JOURNAL_VERSION);
		return -EINVAL;
	}
	if (le64_to_cpu(h->image_hash) != up->image_hash ||
	    le64_to_cpu(h->image_size) != img->size ||
	    le32_to_cpu(h->node_count) != img->node_count) {
		snprintf(why, BUNDLEFS_JWHY_MAX,
			 "it belongs to another manifest (image %llu bytes, hash %016llx)",
			 le64_to_cpu(h->image_size), le64_to_cpu(h->image_hash));
		return -EINVAL;
	}
	*used = esize;
	return 0;
}

/* An inode a record names: pinned by its INODE record before. */
static struct inode *bundlefs_replay_find(struct bundlefs_replay *r, u64 ino)
{
	struct inode *inode = ilookup(r->sb, ino);

	if (!inode || list_empty(&BUNDLEFS_I(inode)->pin)) {
		if (inode)
			iput(inode);
		RWHY(r, "a record names inode %llu before its attributes", ino);
		return NULL;
	}
	return inode;
}

static umode_t bundlefs_kind_ifmt(u8 kind)
{
	return kind == BUNDLEFS_NODE_DIR ? S_IFDIR :
	       kind == BUNDLEFS_NODE_LNK ? S_IFLNK : S_IFREG;
}

static int bundlefs_replay_inode(struct bundlefs_replay *r,
				 const struct bundlefs_jinode *j)
{
	struct bundlefs_upper *up = BUNDLEFS_SB(r->sb)->upper;
	u64 ino = le64_to_cpu(j->ino), size = le64_to_cpu(j->size);
	u32 node = le32_to_cpu(j->node), mode = le32_to_cpu(j->mode);
	struct bundlefs_times t;
	struct inode *inode;
	kuid_t uid;
	kgid_t gid;

	uid = make_kuid(&init_user_ns, le32_to_cpu(j->uid));
	gid = make_kgid(&init_user_ns, le32_to_cpu(j->gid));
	if ((mode & S_IFMT) != bundlefs_kind_ifmt(j->kind) ||
	    (mode & ~(S_IFMT | 07777)) || !uid_valid(uid) || !gid_valid(gid)) {
		RWHY(r, "inode %llu: bad mode or owner", ino);
		return -EINVAL;
	}
	if (ino <= r->img->node_count) {
		const struct bundlefs_node *n;

		if (node != ino - 1) {
			RWHY(r, "inode %llu: claims node %u", ino, node);
			return -EINVAL;
		}
		n = bundlefs_image_node(r->img, node);
		if (n->kind != j->kind ||
		    le64_to_cpu(j->lower_size) > le64_to_cpu(n->size) ||
		    (j->kind == BUNDLEFS_NODE_LNK && size != le64_to_cpu(n->size))) {
			RWHY(r, "inode %llu: does not match its image node", ino);
			return -EINVAL;
		}
		inode = bundlefs_iget(r->sb, node);
	} else {
		if (node != BUNDLEFS_NO_NODE || ino >= (1ULL << 62)) {
			RWHY(r, "inode %llu: bad number", ino);
			return -EINVAL;
		}
		inode = ilookup(r->sb, ino);
		if (!inode)
			inode = bundlefs_new_inode(r->sb, mode, ino);
		if (!IS_ERR(inode) && ino >= atomic64_read(&up->next_ino))
			atomic64_set(&up->next_ino, ino + 1);
	}
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	if ((inode->i_mode & S_IFMT) != (mode & S_IFMT)) {
		iput(inode);
		RWHY(r, "inode %llu: changed type", ino);
		return -EINVAL;
	}
	inode->i_mode = mode;
	inode->i_uid = uid;
	inode->i_gid = gid;
	set_nlink(inode, le32_to_cpu(j->nlink));
	i_size_write(inode, size);
	BUNDLEFS_I(inode)->lower_size = le64_to_cpu(j->lower_size);
	t.atime.tv_sec = le64_to_cpu(j->atime_sec);
	t.atime.tv_nsec = le32_to_cpu(j->atime_nsec);
	t.mtime.tv_sec = le64_to_cpu(j->mtime_sec);
	t.mtime.tv_nsec = le32_to_cpu(j->mtime_nsec);
	t.ctime.tv_sec = le64_to_cpu(j->ctime_sec);
	t.ctime.tv_nsec = le32_to_cpu(j->ctime_nsec);
	bundlefs_set_times3(inode, &t);
	bundlefs_pin(inode);
	iput(inode);
	return 0;
}

static int bundlefs_replay_map(struct bundlefs_replay *r,
			       const struct bundlefs_jview *v)
{
	const struct bundlefs_jmap *j = v->rec;
	struct bundlefs_range *ranges;
	struct inode *inode;
	u32 i;
	int err;

	inode = bundlefs_replay_find(r, le64_to_cpu(j->ino));
	if (!inode)
		return -EINVAL;
	if (!S_ISREG(inode->i_mode) ||
	    BUNDLEFS_I(inode)->node == BUNDLEFS_NO_NODE) {
		iput(inode);
		RWHY(r, "inode %lu: a map for a file made here", inode->i_ino);
		return -EINVAL;
	}
	ranges = kvmalloc_array(max(v->count, 1U), sizeof(*ranges), GFP_KERNEL);
	if (!ranges) {
		iput(inode);
		return -ENOMEM;
	}
	for (i = 0; i < v->count; i++) {
		ranges[i].start = le64_to_cpu(v->ranges[i].start);
		ranges[i].end = le64_to_cpu(v->ranges[i].end);
	}
	err = bundlefs_rangemap_set(&BUNDLEFS_I(inode)->map, ranges, v->count);
	kvfree(ranges);
	iput(inode);
	return err;
}

static int bundlefs_replay_target(struct bundlefs_replay *r,
				  const struct bundlefs_jview *v)
{
	const struct bundlefs_jtarget *j = v->rec;
	struct inode *inode;

	inode = bundlefs_replay_find(r, le64_to_cpu(j->ino));
	if (!inode)
		return -EINVAL;
	if (!S_ISLNK(inode->i_mode) || inode->i_link ||
	    BUNDLEFS_I(inode)->node != BUNDLEFS_NO_NODE) {
		iput(inode);
		RWHY(r, "inode %lu: a target for what is no new link",
		     inode->i_ino);
		return -EINVAL;
	}
	inode->i_link = kmemdup_nul(v->name, v->name_len, GFP_KERNEL_ACCOUNT);
	i_size_write(inode, v->name_len);
	iput(inode);
	return inode->i_link ? 0 : -ENOMEM;
}

static int bundlefs_replay_entry(struct bundlefs_replay *r,
				 const struct bundlefs_jview *v)
{
	bool link = v->type == BUNDLEFS_JREC_LINK;
	const struct bundlefs_jlink *jl = v->rec;
	const struct bundlefs_junlink *ju = v->rec;
	struct inode *dir, *child = NULL;
	struct bundlefs_slot slot;
	int err;

	dir = bundlefs_replay_find(r, le64_to_cpu(link ? jl->dir : ju->dir));
	if (!dir)
		return -EINVAL;
	if (!S_ISDIR(dir->i_mode)) {
		RWHY(r, "inode %lu: an entry in what is no directory",
		     dir->i_ino);
		err = -EINVAL;
		goto out;
	}
	if (link) {
		child = bundlefs_replay_find(r, le64_to_cpu(jl->ino));
		if (!child) {
			err = -EINVAL;
			goto out;
		}
		if (bundlefs_mode_dtype(child->i_mode) != jl->dtype) {
			RWHY(r, "inode %lu: linked with another type",
			     child->i_ino);
			err = -EINVAL;
			goto out;
		}
	}
	err = bundlefs_slot_prepare(dir, v->name, v->name_len, &slot);
	if (err)
		goto out;
	if (link)
		bundlefs_ents_set(dir, &slot, child->i_ino, jl->dtype);
	else
		bundlefs_ents_remove(dir, &slot);
out:
	if (child)
		iput(child);
	iput(dir);
	return err;
}

static int bundlefs_replay_rec(struct bundlefs_replay *r,
			       const struct bundlefs_jview *v)
{
	switch (v->type) {
	case BUNDLEFS_JREC_INODE:
		return bundlefs_replay_inode(r, v->rec);
	case BUNDLEFS_JREC_MAP:
		return bundlefs_replay_map(r, v);
	case BUNDLEFS_JREC_TARGET:
		return bundlefs_replay_target(r, v);
	case BUNDLEFS_JREC_LINK:
	case BUNDLEFS_JREC_UNLINK:
		return bundlefs_replay_entry(r, v);
	}
	RWHY(r, "a header after entry 0");
	return -EINVAL;
}

/* Replay the entries after the header; a torn last one is dropped. */
static int bundlefs_replay(struct bundlefs_replay *r, const u8 *buf,
			   u64 size, u64 pos)
{
	struct bundlefs_jview v;
	u32 seq, esize, rpos;
	int err;

	for (seq = 1; pos < size; seq++, pos += esize) {
		char why[BUNDLEFS_JWHY_MAX];

		if (bundlefs_journal_entry(buf + pos, size - pos, seq, &esize,
					   why)) {
			/* an append that a crash cut short: it never happened */
			bundlefs_warn_rl(r->sb, "journal: dropping %llu bytes at %llu (%s)",
					 size - pos, pos, why);
			break;
		}
		rpos = 0;
		while ((err = bundlefs_journal_next(buf + pos + sizeof(struct bundlefs_jentry),
						    esize - sizeof(struct bundlefs_jentry),
						    &rpos, &v, r->why)) == 1) {
			err = bundlefs_replay_rec(r, &v);
			if (err)
				return err;
		}
		if (err)
			return err;
		if (!(seq % 4096))
			cond_resched();
	}
	return 0;
}

/* After a replay: what has no name left goes, and new links need targets. */
static int bundlefs_replay_finish(struct bundlefs_replay *r)
{
	struct bundlefs_upper *up = BUNDLEFS_SB(r->sb)->upper;
	struct bundlefs_inode *bi, *tmp;
	LIST_HEAD(gone);

	spin_lock(&up->pin_lock);
	list_for_each_entry_safe(bi, tmp, &up->pinned, pin) {
		struct inode *inode = &bi->vfs_inode;

		if (S_ISLNK(inode->i_mode) && !inode->i_link) {
			spin_unlock(&up->pin_lock);
			RWHY(r, "link %lu has no target", inode->i_ino);
			return -EINVAL;
		}
		if (!inode->i_nlink)
			list_move(&bi->pin, &gone);
	}
	spin_unlock(&up->pin_lock);
	list_for_each_entry_safe(bi, tmp, &gone, pin) {
		list_del_init(&bi->pin);
		iput(&bi->vfs_inode);
	}
	return 0;
}

/* ------------------------------------------------------ the rewrite */

struct bundlefs_rewrite {
	struct bundlefs_jbuf b;
	struct file *f;
	loff_t pos;
	int err;
};

static void bundlefs_rw_split(struct bundlefs_rewrite *w)
{
	if (w->b.len - w->b.open < BUNDLEFS_JSPLIT)
		return;
	if (bundlefs_jbuf_end(&w->b))
		w->err = -ENOMEM;
	if (!w->err && w->b.len >= BUNDLEFS_JSPLIT)
		w->err = bundlefs_jwrite(&w->b, w->f, &w->pos);
	bundlefs_jbuf_begin(&w->b);
}

/*
 * The whole state as a journal: the header, every pinned inode, then the
 * entries of every changed directory (a LINK needs both ends to exist).
 * Called with no other user of the mount: at load, under the root's lock,
 * and at unmount.
 */
static int bundlefs_rewrite(struct super_block *sb)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_upper *up = sbi->upper;
	const struct bundlefs_image *img = bundlefs_img(sb);
	struct bundlefs_rewrite w = { };
	struct bundlefs_jheader *h;
	struct bundlefs_inode *bi;
	struct inode *udir = d_inode(up->dir.dentry);
	struct dentry *from, *to;
	int err;

	w.f = file_open_root(&up->dir, BUNDLEFS_JOURNAL_NEW,
			     O_RDWR | O_CREAT | O_TRUNC | O_LARGEFILE, 0600);
	if (IS_ERR(w.f))
		return PTR_ERR(w.f);

	bundlefs_jbuf_begin(&w.b);
	h = bundlefs_jbuf_rec(&w.b, BUNDLEFS_JREC_HEADER, sizeof(*h));
	if (h) {
		h->version = cpu_to_le32(BUNDLEFS_JOURNAL_VERSION);
		h->node_count = cpu_to_le32(img->node_count);
		h->image_size = cpu_to_le64(img->size);
		h->image_hash = cpu_to_le64(up->image_hash);
	}
	if (bundlefs_jbuf_end(&w.b))
		w.err = -ENOMEM;

	/* nothing else changes the list now */
	list_for_each_entry(bi, &up->pinned, pin) {
		bundlefs_jbuf_begin(&w.b);
		bundlefs_enc_inode(&w.b, &bi->vfs_inode);
		bundlefs_enc_map(&w.b, &bi->vfs_inode);
		bundlefs_enc_target(&w.b, &bi->vfs_inode);
		if (bundlefs_jbuf_end(&w.b))
			w.err = -ENOMEM;
		if (!w.err && w.b.len >= BUNDLEFS_JSPLIT)
			w.err = bundlefs_jwrite(&w.b, w.f, &w.pos);
		if (w.err)
			break;
		cond_resched();
	}
	list_for_each_entry(bi, &up->pinned, pin) {
		struct bundlefs_dirent *e;
		struct rb_node *n;

		if (w.err || !bi->ents)
			continue;
		bundlefs_jbuf_begin(&w.b);
		for (n = rb_first(&bi->ents->by_name); n; n = rb_next(n)) {
			e = rb_entry(n, struct bundlefs_dirent, rb);
			if (e->ino)
				bundlefs_enc_link(&w.b, bi->vfs_inode.i_ino,
						  e->name, e->len, e->ino,
						  e->dtype);
			else
				bundlefs_enc_unlink(&w.b, bi->vfs_inode.i_ino,
						    e->name, e->len);
			bundlefs_rw_split(&w);
		}
		if (bundlefs_jbuf_end(&w.b))
			w.err = -ENOMEM;
		cond_resched();
	}
	if (!w.err)
		w.err = bundlefs_jwrite(&w.b, w.f, &w.pos);
	if (!w.err)
		w.err = vfs_fsync(w.f, 0);
	if (w.err)
		goto fail;

	/* the new journal replaces the old one whole, or not at all */
	lock_rename(up->dir.dentry, up->dir.dentry);
	from = lookup_one_len(BUNDLEFS_JOURNAL_NEW, up->dir.dentry,
			      strlen(BUNDLEFS_JOURNAL_NEW));
	err = PTR_ERR_OR_ZERO(from);
	if (!err) {
		to = lookup_one_len(BUNDLEFS_JOURNAL, up->dir.dentry,
				    strlen(BUNDLEFS_JOURNAL));
		err = PTR_ERR_OR_ZERO(to);
		if (!err) {
			err = d_is_positive(from) ?
			      bundlefs_vfs_rename(up->dir.mnt, udir, from, to) :
			      -ENOENT;
			dput(to);
		}
		dput(from);
	}
	unlock_rename(up->dir.dentry, up->dir.dentry);
	if (!err)
		err = vfs_fsync(w.f, 0);	/* and the directory, below */
	if (!err) {
		struct file *d = dentry_open(&up->dir, O_RDONLY | O_DIRECTORY,
					     current_cred());

		err = PTR_ERR_OR_ZERO(d);
		if (!err) {
			err = vfs_fsync(d, 0);
			fput(d);
		}
	}
	w.err = err;
	if (err)
		goto fail;

	/* appends go on in the new file, numbered after the rewrite */
	mutex_lock(&up->journal_lock);
	if (up->journal)
		fput(up->journal);
	up->journal = w.f;
	up->journal_pos = w.pos;
	bundlefs_jbuf_free(&up->jbuf);
	up->jbuf = w.b;
	up->must_compact = false;
	mutex_unlock(&up->journal_lock);
	return 0;

fail:
	bundlefs_jbuf_free(&w.b);
	fput(w.f);
	return w.err;
}

/*
 * Before the image is published: the journal, if there is one, must be
 * this image's.  -EINVAL with a log line otherwise; the mount stays empty.
 */
int bundlefs_upper_bind(struct super_block *sb, const struct bundlefs_image *img,
			const void *image, u64 size)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_upper *up = sbi->upper;
	char why[BUNDLEFS_JWHY_MAX];
	const struct cred *old;
	void *buf;
	u64 jsize = 0;
	u32 used = 0;

	up->image_hash = xxh64(image, size, 0);
	old = override_creds(sbi->cred);
	buf = bundlefs_read_journal(up, &jsize);
	revert_creds(old);
	if (IS_ERR(buf)) {
		bundlefs_err(sb, "upper directory: reading its journal: error %ld",
			     PTR_ERR(buf));
		return PTR_ERR(buf) == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if (buf && bundlefs_check_header(up, img, buf, jsize, &used, why)) {
		kvfree(buf);
		bundlefs_err(sb, "upper directory refused: %s", why);
		return -EINVAL;
	}
	up->replay_buf = buf;
	up->replay_size = jsize;
	up->replay_used = used;
	return 0;
}

/*
 * Called by the load, with the image published and the root locked (no
 * one else can reach an inode yet): replay the journal that bind read,
 * then rewrite it.  -EINVAL with a log line for a damaged one.
 */
int bundlefs_upper_load(struct super_block *sb)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_upper *up = sbi->upper;
	struct bundlefs_replay r = { .sb = sb, .img = bundlefs_img(sb) };
	const struct cred *old;
	int err = 0;

	atomic64_set(&up->next_ino, (u64)r.img->node_count + 1);
	old = override_creds(sbi->cred);
	if (up->replay_buf) {
		err = bundlefs_replay(&r, up->replay_buf, up->replay_size,
				      up->replay_used);
		if (!err)
			err = bundlefs_replay_finish(&r);
		kvfree(up->replay_buf);
		up->replay_buf = NULL;
		if (err) {
			bundlefs_err(sb, "upper directory refused: %s",
				     r.why[0] ? r.why : "out of memory");
			goto out;
		}
	}
	err = bundlefs_rewrite(sb);
	if (err)
		bundlefs_err(sb, "upper directory: writing its journal: error %d",
			     err);
out:
	revert_creds(old);
	return err;
}

/*
 * At unmount, before the superblock goes: everything to the upper
 * directory, the journal rewritten, and the pins dropped so that the
 * inodes can be evicted.
 */
void bundlefs_upper_shutdown(struct super_block *sb)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_upper *up = sbi->upper;
	struct bundlefs_inode *bi, *tmp;
	const struct cred *old;
	LIST_HEAD(pins);
	int err;

	if (!up)
		return;
	if (up->journal) {
		sync_filesystem(sb);
		old = override_creds(sbi->cred);
		err = bundlefs_rewrite(sb);
		revert_creds(old);
		if (err) {
			/* the appended journal is still whole: keep it */
			bundlefs_err(sb, "rewriting the journal at unmount: error %d",
				     err);
			bundlefs_jsync(sb, true);
		}
	}
	spin_lock(&up->pin_lock);
	list_splice_init(&up->pinned, &pins);
	spin_unlock(&up->pin_lock);
	list_for_each_entry_safe(bi, tmp, &pins, pin) {
		list_del_init(&bi->pin);
		iput(&bi->vfs_inode);
	}
}
