// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the write path of a writable mount.  Dirty data lives in the
 * page cache of the bundlefs inode; writeback copies dirty folios into the
 * inode's sparse data file in the upper directory, at the same offsets, and
 * adds their pages to the inode's range map, so that a later read of a
 * page that left the cache finds it there instead of in the manifest's
 * object.  Copy-on-write is by page: a partial write reads only the folio
 * it touches (write_begin), never the whole file.  Modelled on
 * fs/ecryptfs/mmap.c.  Until its data first changes, a manifest file is
 * read straight from its objects (passthrough.c): every path here that
 * changes data calls bundlefs_own_cache() before it does.
 */
#include "internal.h"
#include <linux/pagemap.h>
#include <linux/highmem.h>
#include <linux/uio.h>
#include <linux/falloc.h>
#include <linux/sched/mm.h>
#include <linux/writeback.h>

/*
 * Bytes past EOF in the cached EOF folio (left there by a shared mapping)
 * must read as zeros once the file grows over them.
 */
static void bundlefs_zero_tail(struct inode *inode, loff_t eof)
{
	size_t off = offset_in_page(eof);
	struct folio *folio;

	if (!off)
		return;
	folio = filemap_lock_folio(inode->i_mapping, eof >> PAGE_SHIFT);
	if (IS_ERR_OR_NULL(folio))
		return;
	folio_zero_segment(folio, off, folio_size(folio));
	folio_unlock(folio);
	folio_put(folio);
}

static ssize_t bundlefs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret > 0) {
		if (iocb->ki_pos > i_size_read(inode))
			bundlefs_zero_tail(inode, i_size_read(inode));
		ret = __generic_file_write_iter(iocb, from);
	}
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

static int bundlefs_write_begin(struct file *file,
				struct address_space *mapping, loff_t pos,
				unsigned int len, bundlefs_wb_page_t **pagep,
				void **fsdata)
{
	struct inode *inode = mapping->host;
	struct folio *folio;
	size_t from;
	int err;

	bundlefs_own_cache(inode);
	folio = __filemap_get_folio(mapping, pos >> PAGE_SHIFT,
				    FGP_LOCK | FGP_WRITE | FGP_CREAT | FGP_STABLE,
				    mapping_gfp_mask(mapping));
	if (IS_ERR_OR_NULL(folio))
		return folio ? PTR_ERR(folio) : -ENOMEM;

	from = offset_in_folio(folio, pos);
	if (!folio_test_uptodate(folio) &&
	    !(from == 0 && len >= folio_size(folio))) {
		/* a partial write: the rest of the folio keeps its bytes */
		if (folio_pos(folio) >= i_size_read(inode)) {
			folio_zero_range(folio, 0, folio_size(folio));
			folio_mark_uptodate(folio);
		} else {
			err = bundlefs_fill_folio_locked(inode, folio);
			if (err) {
				folio_unlock(folio);
				folio_put(folio);
				return err;
			}
		}
	}
	*pagep = bundlefs_wb_page(folio);
	return 0;
}

static int bundlefs_write_end(struct file *file, struct address_space *mapping,
			      loff_t pos, unsigned int len, unsigned int copied,
			      bundlefs_wb_page_t *page, void *fsdata)
{
	struct folio *folio = bundlefs_wb_folio(page);
	struct inode *inode = mapping->host;

	if (!folio_test_uptodate(folio)) {
		/* a whole-folio write that copied less: nothing to keep */
		if (copied < len) {
			copied = 0;
			goto out;
		}
		folio_mark_uptodate(folio);
	}
	if (pos + copied > inode->i_size) {
		i_size_write(inode, pos + copied);
		mark_inode_dirty(inode);
	}
	folio_mark_dirty(folio);
out:
	folio_unlock(folio);
	folio_put(folio);
	return copied;
}

struct bundlefs_wb {
	struct file *upper;
	bool mapped;		/* pages were added to the range map */
};

static int bundlefs_write_folio(bundlefs_wp_page_t *page,
				struct writeback_control *wbc, void *data)
{
	struct folio *folio = bundlefs_wp_folio(page);
	struct inode *inode = folio->mapping->host;
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	struct bundlefs_wb *wb = data;
	loff_t size = i_size_read(inode), pos = folio_pos(folio);
	size_t len, done = 0;
	ssize_t n = 0;
	void *kaddr;
	int err = 0;

	/* wholly past EOF: a truncate is about to remove it */
	if (pos >= size) {
		folio_unlock(folio);
		return 0;
	}
	len = min_t(loff_t, folio_size(folio), size - pos);
	/* what a shared mapping wrote past EOF never reaches the file */
	if (len < folio_size(folio))
		folio_zero_segment(folio, len, folio_size(folio));

	kaddr = kmap_local_folio(folio, 0);
	while (done < len) {
		n = kernel_write(wb->upper, kaddr + done, len - done, &pos);
		if (n <= 0)
			break;
		done += n;
	}
	kunmap_local(kaddr);
	if (done < len)
		err = n < 0 ? n : -EIO;

	if (!err && bi->node != BUNDLEFS_NO_NODE) {
		mutex_lock(&bi->lock);
		err = bundlefs_rangemap_add(&bi->map, folio->index,
					    folio->index + folio_nr_pages(folio));
		if (!err)
			bi->map_dirty = true;
		mutex_unlock(&bi->lock);
		wb->mapped |= !err;
	}
	if (err) {
		/* reported by fsync; the folio stays in the cache, clean */
		mapping_set_error(folio->mapping, err);
		bundlefs_warn_rl(inode->i_sb,
				 "inode %lu: writing back %zu bytes at %lld: error %d",
				 inode->i_ino, len, folio_pos(folio), err);
		folio_unlock(folio);
		return err;
	}
	folio_start_writeback(folio);
	folio_unlock(folio);
	folio_end_writeback(folio);
	return 0;
}

static int bundlefs_writepages(struct address_space *mapping,
			       struct writeback_control *wbc)
{
	struct inode *inode = mapping->host;
	struct bundlefs_wb wb = { };
	const struct cred *old;
	unsigned int nofs;
	int err;

	wb.upper = bundlefs_upper_file(inode, true);
	if (IS_ERR(wb.upper)) {
		mapping_set_error(mapping, PTR_ERR(wb.upper));
		return PTR_ERR(wb.upper);
	}
	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	/* the upper filesystem must not recurse into us for memory */
	nofs = memalloc_nofs_save();
	err = write_cache_pages(mapping, wbc, bundlefs_write_folio, &wb);
	memalloc_nofs_restore(nofs);
	revert_creds(old);
	/* write_inode journals the new map */
	if (wb.mapped)
		mark_inode_dirty(inode);
	return err;
}

/*
 * Shrinking drops the cached folios past @size first (waiting for their
 * writeback), then what the range map and the data file hold past it.  The
 * objects' bytes past @size are never read again: lower_size goes down.
 * The data file is truncated after invalidate_lock is dropped: the upper
 * filesystem's write paths take its freeze protection, which a writer
 * there may hold while it faults on one of our pages.  The caller holds
 * the inode lock, so no write comes in between.
 */
int bundlefs_truncate(struct inode *inode, loff_t size)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	loff_t old_size = i_size_read(inode);
	struct file *upper = NULL;
	int err = 0;

	bundlefs_own_cache(inode);
	if (size > old_size)
		bundlefs_zero_tail(inode, old_size);
	else
		upper = bundlefs_upper_file(inode, false);
	if (IS_ERR(upper))
		return PTR_ERR(upper);
	filemap_invalidate_lock(inode->i_mapping);
	truncate_setsize(inode, size);
	if (size < old_size) {
		mutex_lock(&bi->lock);
		if (bi->lower_size > size)
			bi->lower_size = size;
		bundlefs_rangemap_trim(&bi->map, DIV_ROUND_UP(size, PAGE_SIZE));
		bi->map_dirty = true;
		mutex_unlock(&bi->lock);
	}
	filemap_invalidate_unlock(inode->i_mapping);
	if (upper) {
		const struct cred *old;

		old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
		err = vfs_truncate(&upper->f_path, size);
		revert_creds(old);
		/* a fill in between may have cached the old tail of that page */
		bundlefs_zero_tail(inode, size);
	}
	mark_inode_dirty(inode);
	return err;
}

/* Zero bytes [from, to) of one page through the page cache. */
static int bundlefs_zero_partial(struct inode *inode, loff_t from, loff_t to)
{
	struct folio *folio;

	if (from >= to)
		return 0;
	folio = read_mapping_folio(inode->i_mapping, from >> PAGE_SHIFT, NULL);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	folio_lock(folio);
	if (folio->mapping == inode->i_mapping) {
		folio_zero_range(folio, offset_in_folio(folio, from), to - from);
		folio_mark_dirty(folio);
	}
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/*
 * Whole pages of a hole come from upper (where they are punched); the
 * partial pages at its ends are zeroed in the cache and written back.
 */
static int bundlefs_punch_hole(struct inode *inode, loff_t start, loff_t end)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	loff_t first, last;
	struct file *upper;
	int err;

	/* past EOF there is nothing to punch (FALLOC_FL_KEEP_SIZE) */
	end = min(end, i_size_read(inode));
	if (start >= end)
		return 0;
	first = round_up(start, PAGE_SIZE);
	last = round_down(end, PAGE_SIZE);
	if (first >= last) {
		/* within one page, or across one page boundary only */
		err = bundlefs_zero_partial(inode, start, min(first, end));
		if (!err && first < end)
			err = bundlefs_zero_partial(inode, first, end);
		return err;
	}
	err = bundlefs_zero_partial(inode, start, first);
	if (!err)
		err = bundlefs_zero_partial(inode, last, end);
	if (err)
		return err;

	upper = bundlefs_upper_file(inode, true);
	if (IS_ERR(upper))
		return PTR_ERR(upper);
	/* the pages go, then come from upper: punched, outside our lock */
	filemap_invalidate_lock(inode->i_mapping);
	truncate_pagecache_range(inode, first, last - 1);
	if (bi->node != BUNDLEFS_NO_NODE) {
		mutex_lock(&bi->lock);
		err = bundlefs_rangemap_add(&bi->map, first >> PAGE_SHIFT,
					    last >> PAGE_SHIFT);
		bi->map_dirty = true;
		mutex_unlock(&bi->lock);
	}
	filemap_invalidate_unlock(inode->i_mapping);
	if (!err) {
		const struct cred *old;

		old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
		err = vfs_fallocate(upper, FALLOC_FL_PUNCH_HOLE |
				    FALLOC_FL_KEEP_SIZE, first, last - first);
		revert_creds(old);
		/* what a fault read from upper before the punch */
		truncate_pagecache_range(inode, first, last - 1);
	}
	return err;
}

static long bundlefs_fallocate(struct file *file, int mode, loff_t offset,
			       loff_t len)
{
	struct inode *inode = file_inode(file);
	loff_t end = offset + len;
	struct file *upper;
	int err;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	inode_lock(inode);
	err = file_modified(file);
	if (err)
		goto out;
	bundlefs_own_cache(inode);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		err = bundlefs_punch_hole(inode, offset, end);
		goto out;
	}
	/* reserve the space in upper, so that writing there cannot fail */
	upper = bundlefs_upper_file(inode, true);
	if (IS_ERR(upper)) {
		err = PTR_ERR(upper);
		goto out;
	}
	{
		const struct cred *old;

		old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
		err = vfs_fallocate(upper, FALLOC_FL_KEEP_SIZE, offset, len);
		revert_creds(old);
	}
	if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		bundlefs_zero_tail(inode, i_size_read(inode));
		i_size_write(inode, end);
		mark_inode_dirty(inode);
	}
out:
	inode_unlock(inode);
	return err;
}

static int bundlefs_fsync(struct file *file, loff_t start, loff_t end,
			  int datasync)
{
	struct inode *inode = file_inode(file);
	struct super_block *sb = inode->i_sb;
	struct file *upper;
	int err;

	err = file_write_and_wait_range(file, start, end);
	if (err)
		return err;
	upper = bundlefs_upper_file(inode, false);
	if (IS_ERR(upper))
		return PTR_ERR(upper);
	if (upper) {
		const struct cred *old = override_creds(BUNDLEFS_SB(sb)->cred);

		err = vfs_fsync(upper, 0);
		revert_creds(old);
		if (err)
			return err;
	}
	bundlefs_jbegin(sb);
	bundlefs_jinode(sb, inode);
	bundlefs_jmap(sb, inode);
	bundlefs_jend(sb);
	return bundlefs_jsync(sb, true);
}

const struct address_space_operations bundlefs_rw_aops = {
	.read_folio	= bundlefs_read_folio,
	.readahead	= bundlefs_readahead,
	.writepages	= bundlefs_writepages,
	.dirty_folio	= filemap_dirty_folio,
	.write_begin	= bundlefs_write_begin,
	.write_end	= bundlefs_write_end,
	.migrate_folio	= filemap_migrate_folio,
};

const struct file_operations bundlefs_file_rw_fops = {
	.open		= bundlefs_file_open,
	.llseek		= generic_file_llseek,
	.read_iter	= bundlefs_file_read_iter,
	.write_iter	= bundlefs_write_iter,
	.mmap		= bundlefs_file_mmap,
	.splice_read	= bundlefs_file_splice_read,
	.splice_write	= iter_file_splice_write,
	.fsync		= bundlefs_fsync,
	.fallocate	= bundlefs_fallocate,
};
