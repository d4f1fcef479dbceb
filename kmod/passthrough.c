// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: reads that go straight to the objects.  A manifest file that
 * nobody has written in this mount (and, on a writable mount, to which no
 * earlier mount left data in the upper directory) holds exactly the bytes
 * of its objects, so read(2), splice and mmap use the object files
 * themselves, as overlayfs does with its lower files: no second copy in a
 * page cache of ours, and mounts whose manifests share an object share
 * its cached pages.
 *
 * The first change to the file's data (write_begin, a size change,
 * fallocate, a shared mapping that may write) switches it, for the life of
 * the inode, to its own page cache, filled by data.c.  Mappings of the
 * object made before that stay what they are: they do not see later
 * writes (Documentation/filesystem.rst).
 */
#include "internal.h"
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/pipe_fs_i.h>

/* Called before the data of @inode first changes: the switch, for good. */
void bundlefs_own_cache(struct inode *inode)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);

	if (test_bit(BUNDLEFS_OWN_CACHE, &bi->state))
		return;
	set_bit(BUNDLEFS_OWN_CACHE, &bi->state);
	/*
	 * The bit before the changes that follow: a read that starts after
	 * them tests it with acquire (bundlefs_passthrough()) and so reads
	 * our page cache, not the object.
	 */
	smp_mb__after_atomic();
}

/*
 * ->open of a writable mount.  An earlier mount may have left part of a
 * manifest file in the upper directory: a range map or a lower size of its
 * own (replayed from the journal), a size that is not the manifest's, a
 * data file.  Such a file uses its own page cache from the start.  Looked
 * at once per inode, at its first open: the journal is replayed by then.
 */
int bundlefs_file_open(struct inode *inode, struct file *file)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	bool own;

	if (test_bit(BUNDLEFS_UPPER_CHECKED, &bi->state) ||
	    !bundlefs_passthrough(inode))
		return 0;
	/* a file made in this mount never passes through: it has a node */
	mutex_lock(&bi->lock);
	own = bi->map.nr || i_size_read(inode) != bi->lower_size ||
	      bi->lower_size != le64_to_cpu(bundlefs_file_node(inode)->size);
	mutex_unlock(&bi->lock);
	/* an error opening it: the page-cache path reports it */
	if (!own)
		own = bundlefs_upper_file(inode, false) != NULL;
	if (own)
		bundlefs_own_cache(inode);
	set_bit(BUNDLEFS_UPPER_CHECKED, &bi->state);
	return 0;
}

/*
 * Reading the object at @cp failed (@n < 0) or found its end (@n == 0)
 * before the chunk's: EIO and a log line, as when data.c fills a page.
 * A fault in the caller's buffer is the caller's error.
 */
static ssize_t bundlefs_object_failed(struct inode *inode,
				      const struct bundlefs_chunk_pos *cp,
				      ssize_t n)
{
	if (n == -EFAULT)
		return n;
	bundlefs_warn_short(inode, cp->chunk, cp->offset, n);
	return -EIO;
}

static bool bundlefs_map_pos(struct inode *inode, loff_t pos,
			     struct bundlefs_chunk_pos *cp)
{
	return bundlefs_chunk_map(bundlefs_img(inode->i_sb),
				  bundlefs_file_node(inode), pos, cp);
}

/*
 * read_iter: one vfs_iter_read() of the object per chunk the range
 * touches, with the mounter's credentials.  O_DIRECT never gets here:
 * open() refuses it, as there is no ->direct_IO.
 */
ssize_t bundlefs_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct bundlefs_chunk_pos cp;
	const struct cred *old;
	ssize_t done = 0, n = 0;

	if (!bundlefs_passthrough(inode))
		return generic_file_read_iter(iocb, to);

	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	while (iov_iter_count(to) && bundlefs_map_pos(inode, iocb->ki_pos, &cp)) {
		size_t want = min_t(u64, iov_iter_count(to), cp.avail);
		size_t rest = iov_iter_count(to) - want;
		struct file *obj = bundlefs_chunk_object(inode, &cp, false);
		loff_t opos = cp.offset;

		if (IS_ERR(obj)) {
			n = PTR_ERR(obj);
			break;
		}
		iov_iter_truncate(to, want);
		n = vfs_iter_read(obj, to, &opos, 0);
		iov_iter_reexpand(to, iov_iter_count(to) + rest);
		if (n <= 0) {
			n = bundlefs_object_failed(inode, &cp, n);
			break;
		}
		done += n;
		iocb->ki_pos += n;
		/* a fault in the caller's buffer, a fatal signal */
		if ((size_t)n < want)
			break;
	}
	revert_creds(old);
	file_accessed(file);
	return done ? done : n;
}

/*
 * splice_read: the object's own, so the pipe takes references to its
 * cached pages.  One chunk per call; the caller comes back for more.
 */
ssize_t bundlefs_file_splice_read(struct file *in, loff_t *ppos,
				  struct pipe_inode_info *pipe, size_t len,
				  unsigned int flags)
{
	struct inode *inode = file_inode(in);
	struct bundlefs_chunk_pos cp;
	const struct cred *old;
	struct file *obj;
	loff_t opos;
	ssize_t n;

	if (!bundlefs_passthrough(inode))
		return bundlefs_splice_read(in, ppos, pipe, len, flags);
	if (!len || !bundlefs_map_pos(inode, *ppos, &cp))
		return 0;
	obj = bundlefs_chunk_object(inode, &cp, false);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	opos = cp.offset;
	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	n = bundlefs_backing_splice_read(obj, &opos, pipe,
					 min_t(u64, len, cp.avail), flags);
	revert_creds(old);
	/* nothing although the pipe had room: the object is short */
	if (n < 0 || (!n && !pipe_full(pipe->head, pipe->tail, pipe->max_usage)))
		n = bundlefs_object_failed(inode, &cp, n);
	if (n > 0)
		*ppos += n;
	file_accessed(in);
	return n;
}

/*
 * mmap: a mapping that can never write to the file, of a file that passes
 * through and is one object, maps the object itself, as overlayfs maps
 * its real file; the kernel then faults the object's pages in directly.
 * Other mappings use our page cache.  A shared mapping of a file open for
 * writing may store into it at any time (mprotect): it switches the file.
 */
int bundlefs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(file);
	struct bundlefs_chunk_pos cp;
	const struct cred *old;
	struct file *obj;
	int err;

	if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) ==
	    (VM_SHARED | VM_MAYWRITE)) {
		/* generic_file_readonly_mmap() refuses it too */
		if (!BUNDLEFS_SB(inode->i_sb)->upper)
			return -EINVAL;
		bundlefs_own_cache(inode);
		return generic_file_mmap(file, vma);
	}
	if (!bundlefs_passthrough(inode) || BUNDLEFS_I(inode)->nr_objects != 1 ||
	    !bundlefs_map_pos(inode, 0, &cp))
		return generic_file_mmap(file, vma);
	/* a missing object: our pages, whose faults report it */
	obj = bundlefs_chunk_object(inode, &cp, true);
	if (IS_ERR(obj) || !obj->f_op->mmap)
		return generic_file_mmap(file, vma);

	vma_set_file(vma, obj);
	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	err = call_mmap(obj, vma);
	revert_creds(old);
	file_accessed(file);
	return err;
}
