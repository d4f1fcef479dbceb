/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels bundlefs builds for (Debian's 6.1 first,
 * 6.12 second), each behind one small helper so that no function body
 * needs an #ifdef.
 */
#ifndef _BUNDLEFS_COMPAT_H
#define _BUNDLEFS_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/splice.h>
#include <linux/mount.h>
#include <linux/writeback.h>

/* 6.5 removed generic_file_splice_read() in favour of filemap_splice_read(). */
static inline ssize_t bundlefs_splice_read(struct file *in, loff_t *ppos,
					   struct pipe_inode_info *pipe,
					   size_t len, unsigned int flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return filemap_splice_read(in, ppos, pipe, len, flags);
#else
	return generic_file_splice_read(in, ppos, pipe, len, flags);
#endif
}

/*
 * Splice from an object, a file of another file system.  6.5 exported
 * vfs_splice_read(); before it, overlayfs called generic_file_splice_read()
 * on its real file, and so do we.
 */
static inline ssize_t bundlefs_backing_splice_read(struct file *in,
						   loff_t *ppos,
						   struct pipe_inode_info *pipe,
						   size_t len, unsigned int flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return vfs_splice_read(in, ppos, pipe, len, flags);
#else
	return generic_file_splice_read(in, ppos, pipe, len, flags);
#endif
}

/*
 * 6.6 hid i_ctime behind accessors and 6.7 did the same for i_atime and
 * i_mtime; a manifest gives one time for all three.
 */
static inline void bundlefs_set_times(struct inode *inode,
				      struct timespec64 ts)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_atime_to_ts(inode, ts);
	inode_set_mtime_to_ts(inode, ts);
	inode_set_ctime_to_ts(inode, ts);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	inode->i_atime = ts;
	inode->i_mtime = ts;
	inode_set_ctime_to_ts(inode, ts);
#else
	inode->i_atime = ts;
	inode->i_mtime = ts;
	inode->i_ctime = ts;
#endif
}

/*
 * Finish a read of a locked folio.  6.8 added folio_end_read(); PG_error
 * is gone by 6.12 and never needed: a folio left !uptodate is the error.
 */
static inline void bundlefs_folio_end_read(struct folio *folio, bool ok)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	folio_end_read(folio, ok);
#else
	if (ok)
		folio_mark_uptodate(folio);
	folio_unlock(folio);
#endif
}

/*
 * The id mapping of a mount: a user namespace until 6.3 made it struct
 * mnt_idmap.  Inode operations and the setattr helpers take either.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
typedef struct mnt_idmap bundlefs_idmap_t;
static inline bundlefs_idmap_t *bundlefs_mnt_idmap(struct vfsmount *mnt)
{
	return mnt_idmap(mnt);
}
#define BUNDLEFS_NOP_IDMAP (&nop_mnt_idmap)
#else
typedef struct user_namespace bundlefs_idmap_t;
static inline bundlefs_idmap_t *bundlefs_mnt_idmap(struct vfsmount *mnt)
{
	return mnt_user_ns(mnt);
}
#define BUNDLEFS_NOP_IDMAP (&init_user_ns)
#endif

static inline int bundlefs_vfs_unlink(struct vfsmount *mnt, struct inode *dir,
				      struct dentry *dentry)
{
	return vfs_unlink(bundlefs_mnt_idmap(mnt), dir, dentry, NULL);
}

static inline int bundlefs_vfs_rename(struct vfsmount *mnt, struct inode *dir,
				      struct dentry *from, struct dentry *to)
{
	struct renamedata rd = {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
		.old_mnt_idmap	= mnt_idmap(mnt),
		.new_mnt_idmap	= mnt_idmap(mnt),
#else
		.old_mnt_userns	= mnt_user_ns(mnt),
		.new_mnt_userns	= mnt_user_ns(mnt),
#endif
		.old_dir	= dir,
		.old_dentry	= from,
		.new_dir	= dir,
		.new_dentry	= to,
	};

	return vfs_rename(&rd);
}

/* 6.12 passes write_begin and write_end a folio instead of a page. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
typedef struct folio bundlefs_wb_page_t;
static inline struct folio *bundlefs_wb_folio(bundlefs_wb_page_t *p)
{
	return p;
}

static inline bundlefs_wb_page_t *bundlefs_wb_page(struct folio *folio)
{
	return folio;
}
#else
typedef struct page bundlefs_wb_page_t;
static inline struct folio *bundlefs_wb_folio(bundlefs_wb_page_t *p)
{
	return page_folio(p);
}

static inline bundlefs_wb_page_t *bundlefs_wb_page(struct folio *folio)
{
	return &folio->page;
}
#endif

/* 6.3 made write_cache_pages() call back with a folio instead of a page. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
typedef struct folio bundlefs_wp_page_t;
static inline struct folio *bundlefs_wp_folio(bundlefs_wp_page_t *p)
{
	return p;
}
#else
typedef struct page bundlefs_wp_page_t;
static inline struct folio *bundlefs_wp_folio(bundlefs_wp_page_t *p)
{
	return page_folio(p);
}
#endif

/* An inode's three times, read and set as one. */
struct bundlefs_times {
	struct timespec64 atime, mtime, ctime;
};

static inline void bundlefs_get_times3(struct inode *inode,
				       struct bundlefs_times *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	t->atime = inode_get_atime(inode);
	t->mtime = inode_get_mtime(inode);
	t->ctime = inode_get_ctime(inode);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	t->atime = inode->i_atime;
	t->mtime = inode->i_mtime;
	t->ctime = inode_get_ctime(inode);
#else
	t->atime = inode->i_atime;
	t->mtime = inode->i_mtime;
	t->ctime = inode->i_ctime;
#endif
}

static inline void bundlefs_set_times3(struct inode *inode,
				       const struct bundlefs_times *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_atime_to_ts(inode, t->atime);
	inode_set_mtime_to_ts(inode, t->mtime);
	inode_set_ctime_to_ts(inode, t->ctime);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	inode->i_atime = t->atime;
	inode->i_mtime = t->mtime;
	inode_set_ctime_to_ts(inode, t->ctime);
#else
	inode->i_atime = t->atime;
	inode->i_mtime = t->mtime;
	inode->i_ctime = t->ctime;
#endif
}

/* A directory whose entries changed: mtime and ctime are now. */
static inline void bundlefs_touch_dir(struct inode *dir)
{
	struct bundlefs_times t;
	struct timespec64 now = current_time(dir);

	bundlefs_get_times3(dir, &t);
	t.mtime = now;
	t.ctime = now;
	bundlefs_set_times3(dir, &t);
}

/* Only the change time is now (chmod, rename of the inode itself). */
static inline void bundlefs_touch_ctime(struct inode *inode)
{
	struct bundlefs_times t;

	bundlefs_get_times3(inode, &t);
	t.ctime = current_time(inode);
	bundlefs_set_times3(inode, &t);
}

#endif /* _BUNDLEFS_COMPAT_H */
