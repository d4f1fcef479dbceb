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

#endif /* _BUNDLEFS_COMPAT_H */
