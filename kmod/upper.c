// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the upper directory of a writable mount.
 *
 *   UDIR/journal        what changed: namespace and attributes (journal.h)
 *   UDIR/journal.new    a rewrite in progress, renamed over journal
 *   UDIR/<ino>.data     bytes of inode <ino> that left the objects, at
 *                       their offsets in a sparse file
 *
 * Every inode that differs from the image is pinned in memory (like tmpfs
 * keeps all of its inodes), so the namespace overlay is always whole.
 * Changes are appended to an in-memory buffer and reach the journal file
 * on fsync, syncfs, unmount, or when the buffer grows large; a mount
 * replays the journal and writes it anew, compacted, and so does unmount.
 * Files in UDIR are opened and changed with the mounter's credentials.
 * Documentation/upper-format.rst describes the layout.
 */
#include "internal.h"
#include <linux/namei.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/mount.h>
#include <linux/xxhash.h>
#include <linux/uidgid.h>

/* Flush the buffer to the file once it holds this much. */
#define BUNDLEFS_JFLUSH		(1U << 20)

/* Upper directories in use, by device and inode: one mount each. */
static LIST_HEAD(bundlefs_upper_busy);
static DEFINE_MUTEX(bundlefs_upper_busy_lock);

struct bundlefs_busy {
	struct list_head list;
	dev_t dev;
	unsigned long ino;
};

static int bundlefs_busy_claim(struct inode *dir)
{
	struct bundlefs_busy *b, *n;

	n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->dev = dir->i_sb->s_dev;
	n->ino = dir->i_ino;
	mutex_lock(&bundlefs_upper_busy_lock);
	list_for_each_entry(b, &bundlefs_upper_busy, list) {
		if (b->dev == n->dev && b->ino == n->ino) {
			mutex_unlock(&bundlefs_upper_busy_lock);
			kfree(n);
			return -EBUSY;
		}
	}
	list_add(&n->list, &bundlefs_upper_busy);
	mutex_unlock(&bundlefs_upper_busy_lock);
	return 0;
}

static void bundlefs_busy_release(struct inode *dir)
{
	struct bundlefs_busy *b;

	mutex_lock(&bundlefs_upper_busy_lock);
	list_for_each_entry(b, &bundlefs_upper_busy, list) {
		if (b->dev == dir->i_sb->s_dev && b->ino == dir->i_ino) {
			list_del(&b->list);
			kfree(b);
			break;
		}
	}
	mutex_unlock(&bundlefs_upper_busy_lock);
}

static struct bundlefs_upper *bundlefs_up(struct super_block *sb)
{
	return BUNDLEFS_SB(sb)->upper;
}

/* Unlink @name in the upper directory; a missing name is not an error. */
static int bundlefs_upper_unlink(struct bundlefs_upper *up, const char *name)
{
	struct inode *dir = d_inode(up->dir.dentry);
	struct dentry *d;
	int err;

	inode_lock_nested(dir, I_MUTEX_PARENT);
	d = lookup_one_len(name, up->dir.dentry, strlen(name));
	err = PTR_ERR_OR_ZERO(d);
	if (!err) {
		if (d_is_positive(d))
			err = bundlefs_vfs_unlink(up->dir.mnt, dir, d);
		dput(d);
	}
	inode_unlock(dir);
	return err;
}

/*
 * The upper directory must hold sparse files: a page written into a large
 * manifest file must cost a page, not the file.  Probe it.
 */
static int bundlefs_upper_probe(struct bundlefs_upper *up, const char *name)
{
	static const char probe[] = ".bundlefs-probe";
	loff_t pos = 1 << 20;
	struct file *f;
	u64 bytes;
	int err;

	f = file_open_root(&up->dir, probe, O_RDWR | O_CREAT | O_TRUNC |
			   O_LARGEFILE, 0600);
	if (IS_ERR(f)) {
		pr_warn("upper=%s: cannot create a file there: error %ld\n",
			name, PTR_ERR(f));
		return PTR_ERR(f);
	}
	err = kernel_write(f, "x", 1, &pos) == 1 ? 0 : -EIO;
	if (!err)
		err = vfs_fsync(f, 0);
	bytes = (u64)file_inode(f)->i_blocks << 9;
	fput(f);
	bundlefs_upper_unlink(up, probe);
	if (err) {
		pr_warn("upper=%s: cannot write a file there: error %d\n",
			name, err);
		return err;
	}
	if (bytes >= (1 << 20)) {
		pr_warn("upper=%s: the filesystem does not keep sparse files (1 byte at 1 MiB took %llu bytes)\n",
			name, bytes);
		return -EINVAL;
	}
	return 0;
}

/* At mount: take the upper directory @name for this superblock. */
int bundlefs_upper_open(struct super_block *sb, const char *name)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_upper *up;
	const struct cred *old;
	struct inode *dir;
	int err;

	up = kzalloc(sizeof(*up), GFP_KERNEL);
	if (!up)
		return -ENOMEM;
	mutex_init(&up->journal_lock);
	spin_lock_init(&up->pin_lock);
	INIT_LIST_HEAD(&up->pinned);
	err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &up->dir);
	if (err) {
		pr_warn("upper=%s: error %d\n", name, err);
		kfree(up);
		return err;
	}
	sbi->upper = up;	/* freed by bundlefs_upper_free() from here on */
	dir = d_inode(up->dir.dentry);
	/* as overlayfs: a remote filesystem may change under us */
	if (up->dir.dentry->d_flags & (DCACHE_OP_REVALIDATE |
				       DCACHE_OP_WEAK_REVALIDATE)) {
		pr_warn("upper=%s: a network filesystem cannot be an upper directory\n",
			name);
		return -EINVAL;
	}
	if (sb_rdonly(dir->i_sb) || __mnt_is_readonly(up->dir.mnt)) {
		pr_warn("upper=%s: on a read-only filesystem\n", name);
		return -EROFS;
	}
	sb->s_stack_depth = max(sb->s_stack_depth,
				dir->i_sb->s_stack_depth + 1);
	if (sb->s_stack_depth > FILESYSTEM_MAX_STACK_DEPTH) {
		pr_warn("upper=%s: filesystems stacked too deep\n", name);
		return -EINVAL;
	}
	err = bundlefs_busy_claim(dir);
	if (err) {
		pr_warn("upper=%s: in use by another bundlefs mount\n", name);
		return err;
	}
	up->claimed = true;
	old = override_creds(sbi->cred);
	err = bundlefs_upper_probe(up, name);
	revert_creds(old);
	return err;
}

void bundlefs_upper_free(struct super_block *sb)
{
	struct bundlefs_upper *up = bundlefs_up(sb);

	if (!up)
		return;
	if (up->journal) {
		/* what eviction appended after the last rewrite */
		bundlefs_jsync(sb, true);
		fput(up->journal);
	}
	kvfree(up->replay_buf);
	bundlefs_jbuf_free(&up->jbuf);
	if (up->claimed)
		bundlefs_busy_release(d_inode(up->dir.dentry));
	path_put(&up->dir);
	mutex_destroy(&up->journal_lock);
	kfree(up);
	BUNDLEFS_SB(sb)->upper = NULL;
}

/* ---------------------------------------------------------- pinning */

/* Keep @inode in memory: it differs from the image. */
void bundlefs_pin(struct inode *inode)
{
	struct bundlefs_upper *up = bundlefs_up(inode->i_sb);
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);

	if (!up || !list_empty_careful(&bi->pin))
		return;
	spin_lock(&up->pin_lock);
	if (list_empty(&bi->pin)) {
		ihold(inode);
		list_add_tail(&bi->pin, &up->pinned);
	}
	spin_unlock(&up->pin_lock);
}

/* @inode has no name left: it goes when its last user does. */
void bundlefs_unpin(struct inode *inode)
{
	struct bundlefs_upper *up = bundlefs_up(inode->i_sb);
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	bool was;

	if (!up)
		return;
	spin_lock(&up->pin_lock);
	was = !list_empty(&bi->pin);
	list_del_init(&bi->pin);
	spin_unlock(&up->pin_lock);
	if (was)
		iput(inode);
}

/* ------------------------------------------------------- data files */

static void bundlefs_data_name(struct inode *inode, char *buf, size_t size)
{
	snprintf(buf, size, "%lu.data", inode->i_ino);
}

/*
 * The data file of @inode, opened on first use and kept; NULL when it has
 * none and @create is false.
 */
struct file *bundlefs_upper_file(struct inode *inode, bool create)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(inode->i_sb);
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	const struct cred *old;
	struct file *f, *prev;
	char name[32];

	f = READ_ONCE(bi->upper);
	if (f)
		return f;
	bundlefs_data_name(inode, name, sizeof(name));
	old = override_creds(sbi->cred);
	/*
	 * Find it with O_PATH and open that: a plain O_RDWR open would take
	 * the upper filesystem's freeze protection (sb_writers), which reads
	 * and truncates must not take under our invalidate_lock.  Only
	 * writeback and fallocate create it, holding no lock of ours.
	 */
	f = file_open_root(&sbi->upper->dir, name, O_PATH, 0);
	if (!IS_ERR(f)) {
		struct file *opath = f;

		f = d_is_reg(opath->f_path.dentry) ?
		    dentry_open(&opath->f_path, O_RDWR | O_LARGEFILE, sbi->cred) :
		    ERR_PTR(-EIO);
		fput(opath);
	} else if (PTR_ERR(f) == -ENOENT && create) {
		f = file_open_root(&sbi->upper->dir, name,
				   O_RDWR | O_LARGEFILE | O_CREAT, 0600);
	}
	revert_creds(old);
	if (IS_ERR(f)) {
		if (PTR_ERR(f) == -ENOENT && !create)
			return NULL;
		bundlefs_warn_rl(inode->i_sb, "inode %lu: cannot open upper %s: error %ld",
				 inode->i_ino, name, PTR_ERR(f));
		return f;
	}
	prev = cmpxchg(&bi->upper, NULL, f);
	if (prev) {
		fput(f);
		return prev;
	}
	return f;
}

/* At eviction: close the data file, and remove it if the inode is gone. */
void bundlefs_upper_forget(struct inode *inode)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(inode->i_sb);
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	const struct cred *old;
	char name[32];

	if (bi->upper) {
		fput(bi->upper);
		bi->upper = NULL;
	}
	if (!sbi->upper || inode->i_nlink || !S_ISREG(inode->i_mode))
		return;
	bundlefs_data_name(inode, name, sizeof(name));
	old = override_creds(sbi->cred);
	bundlefs_upper_unlink(sbi->upper, name);
	revert_creds(old);
}

/* ---------------------------------------------------------- records */

static u8 bundlefs_mode_kind(umode_t mode)
{
	return S_ISDIR(mode) ? BUNDLEFS_NODE_DIR :
	       S_ISLNK(mode) ? BUNDLEFS_NODE_LNK : BUNDLEFS_NODE_REG;
}

void bundlefs_enc_inode(struct bundlefs_jbuf *b, struct inode *inode)
{
	struct bundlefs_jinode *r;
	struct bundlefs_times t;

	r = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_INODE, sizeof(*r));
	if (!r)
		return;
	bundlefs_get_times3(inode, &t);
	r->ino = cpu_to_le64(inode->i_ino);
	r->node = cpu_to_le32(BUNDLEFS_I(inode)->node);
	r->kind = bundlefs_mode_kind(inode->i_mode);
	r->mode = cpu_to_le32(inode->i_mode);
	r->uid = cpu_to_le32(from_kuid(&init_user_ns, inode->i_uid));
	r->gid = cpu_to_le32(from_kgid(&init_user_ns, inode->i_gid));
	r->nlink = cpu_to_le32(inode->i_nlink);
	r->size = cpu_to_le64(i_size_read(inode));
	r->lower_size = cpu_to_le64(S_ISREG(inode->i_mode) ?
				    min_t(u64, BUNDLEFS_I(inode)->lower_size,
					  i_size_read(inode)) : 0);
	r->atime_sec = cpu_to_le64(t.atime.tv_sec);
	r->mtime_sec = cpu_to_le64(t.mtime.tv_sec);
	r->ctime_sec = cpu_to_le64(t.ctime.tv_sec);
	r->atime_nsec = cpu_to_le32(t.atime.tv_nsec);
	r->mtime_nsec = cpu_to_le32(t.mtime.tv_nsec);
	r->ctime_nsec = cpu_to_le32(t.ctime.tv_nsec);
}

void bundlefs_enc_map(struct bundlefs_jbuf *b, struct inode *inode)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	struct bundlefs_jmap *r;
	u32 i;

	if (!S_ISREG(inode->i_mode) || bi->node == BUNDLEFS_NO_NODE)
		return;
	mutex_lock(&bi->lock);
	r = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_MAP,
			      struct_size(r, ranges, bi->map.nr));
	if (r) {
		r->ino = cpu_to_le64(inode->i_ino);
		r->count = cpu_to_le32(bi->map.nr);
		for (i = 0; i < bi->map.nr; i++) {
			r->ranges[i].start = cpu_to_le64(bi->map.r[i].start);
			r->ranges[i].end = cpu_to_le64(bi->map.r[i].end);
		}
		bi->map_dirty = false;
	}
	mutex_unlock(&bi->lock);
}

void bundlefs_enc_target(struct bundlefs_jbuf *b, struct inode *inode)
{
	struct bundlefs_jtarget *r;
	u32 len;

	if (!S_ISLNK(inode->i_mode) || BUNDLEFS_I(inode)->node != BUNDLEFS_NO_NODE)
		return;
	len = strlen(inode->i_link);
	r = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_TARGET, sizeof(*r) + len);
	if (!r)
		return;
	r->ino = cpu_to_le64(inode->i_ino);
	r->len = cpu_to_le32(len);
	memcpy(r->target, inode->i_link, len);
}

void bundlefs_enc_link(struct bundlefs_jbuf *b, u64 dir,
			      const char *name, u32 len, u64 ino, u8 dtype)
{
	struct bundlefs_jlink *r;

	r = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_LINK, sizeof(*r) + len);
	if (!r)
		return;
	r->dir = cpu_to_le64(dir);
	r->ino = cpu_to_le64(ino);
	r->name_len = cpu_to_le16(len);
	r->dtype = dtype;
	memcpy(r->name, name, len);
}

void bundlefs_enc_unlink(struct bundlefs_jbuf *b, u64 dir,
				const char *name, u32 len)
{
	struct bundlefs_junlink *r;

	r = bundlefs_jbuf_rec(b, BUNDLEFS_JREC_UNLINK, sizeof(*r) + len);
	if (!r)
		return;
	r->dir = cpu_to_le64(dir);
	r->name_len = cpu_to_le16(len);
	memcpy(r->name, name, len);
}

/* ----------------------------------------------- the live journal */

/* Begin one entry: one operation, replayed whole or not at all. */
void bundlefs_jbegin(struct super_block *sb)
{
	struct bundlefs_upper *up = bundlefs_up(sb);

	mutex_lock(&up->journal_lock);
	bundlefs_jbuf_begin(&up->jbuf);
}

void bundlefs_jinode(struct super_block *sb, struct inode *inode)
{
	bundlefs_enc_inode(&bundlefs_up(sb)->jbuf, inode);
}

void bundlefs_jmap(struct super_block *sb, struct inode *inode)
{
	bundlefs_enc_map(&bundlefs_up(sb)->jbuf, inode);
}

void bundlefs_jtarget(struct super_block *sb, struct inode *inode)
{
	bundlefs_enc_target(&bundlefs_up(sb)->jbuf, inode);
}

void bundlefs_jlink(struct super_block *sb, struct inode *dir,
		    const struct qstr *name, struct inode *inode)
{
	bundlefs_enc_link(&bundlefs_up(sb)->jbuf, dir->i_ino, name->name,
			  name->len, inode->i_ino,
			  bundlefs_mode_dtype(inode->i_mode));
}

void bundlefs_junlink(struct super_block *sb, struct inode *dir,
		      const struct qstr *name)
{
	bundlefs_enc_unlink(&bundlefs_up(sb)->jbuf, dir->i_ino, name->name,
			    name->len);
}

/* Write the whole entries of @b to @f at *@pos; 0 or an error. */
int bundlefs_jwrite(struct bundlefs_jbuf *b, struct file *f,
			   loff_t *pos)
{
	u32 done = 0;
	ssize_t n;

	while (done < b->open) {
		n = kernel_write(f, b->buf + done, b->open - done, pos);
		if (n <= 0) {
			/* the written part is whole entries or a torn tail */
			bundlefs_jbuf_consume(b, done);
			return n < 0 ? n : -EIO;
		}
		done += n;
	}
	bundlefs_jbuf_consume(b, done);
	return 0;
}

static int bundlefs_jflush_locked(struct super_block *sb)
{
	struct bundlefs_upper *up = bundlefs_up(sb);
	const struct cred *old;
	int err;

	if (!up->jbuf.open)
		return 0;
	old = override_creds(BUNDLEFS_SB(sb)->cred);
	err = bundlefs_jwrite(&up->jbuf, up->journal, &up->journal_pos);
	revert_creds(old);
	if (err)
		bundlefs_warn_rl(sb, "appending to the journal: error %d", err);
	return err;
}

void bundlefs_jend(struct super_block *sb)
{
	struct bundlefs_upper *up = bundlefs_up(sb);

	if (bundlefs_jbuf_end(&up->jbuf)) {
		/* kept in memory: whole again in the rewrite at unmount */
		up->must_compact = true;
		bundlefs_warn_rl(sb, "out of memory for a journal entry: changes are durable only at unmount");
	}
	if (up->jbuf.len >= BUNDLEFS_JFLUSH)
		bundlefs_jflush_locked(sb);
	mutex_unlock(&up->journal_lock);
}

/* Entries so far to the file, and with @wait to stable storage. */
int bundlefs_jsync(struct super_block *sb, bool wait)
{
	struct bundlefs_upper *up = bundlefs_up(sb);
	const struct cred *old;
	int err;

	mutex_lock(&up->journal_lock);
	if (!up->journal) {
		mutex_unlock(&up->journal_lock);
		return 0;
	}
	err = bundlefs_jflush_locked(sb);
	if (!err && wait) {
		old = override_creds(BUNDLEFS_SB(sb)->cred);
		err = vfs_fsync(up->journal, 0);
		revert_creds(old);
	}
	if (!err && wait && up->must_compact)
		err = -EIO;
	mutex_unlock(&up->journal_lock);
	return err;
}

int bundlefs_write_inode(struct inode *inode, struct writeback_control *wbc)
{
	struct super_block *sb = inode->i_sb;

	if (!bundlefs_up(sb) || !bundlefs_up(sb)->journal)
		return 0;
	bundlefs_jbegin(sb);
	bundlefs_jinode(sb, inode);
	if (BUNDLEFS_I(inode)->map_dirty)
		bundlefs_jmap(sb, inode);
	bundlefs_jend(sb);
	return 0;
}

int bundlefs_upper_sync_fs(struct super_block *sb, int wait)
{
	struct bundlefs_upper *up = bundlefs_up(sb);
	struct super_block *usb = up->dir.dentry->d_sb;
	int err = 0;

	if (wait) {
		/* the data files first, then the journal that maps them */
		down_read(&usb->s_umount);
		err = sync_filesystem(usb);
		up_read(&usb->s_umount);
	}
	if (!err)
		err = bundlefs_jsync(sb, wait);
	return err;
}

int bundlefs_upper_statfs(struct super_block *sb, struct kstatfs *buf)
{
	return vfs_statfs(&bundlefs_up(sb)->dir, buf);
}
