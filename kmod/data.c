// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: file data from the objects.  A file that passes through
 * (passthrough.c) is read from the content-addressed object of each chunk,
 * an ordinary file Data/<hash>.xxh128 under the cache directory pinned at
 * mount; any other file has its own page cache, filled here from those
 * objects and, on a writable mount, from the upper directory.
 *
 * Objects are opened and read with the mounter's credentials, never the
 * reader's: access to a file is decided by its mode in the mount.
 * Folios are single pages (no large folios) and chunks are at least a
 * page, so a folio never straddles two objects.
 */
#include "internal.h"
#include "xxh3.h"
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/file.h>
#include <linux/uio.h>
#include <linux/bvec.h>

/* State of one read_folio or readahead call. */
struct bundlefs_read {
	struct inode *inode;
	const struct bundlefs_image *img;
	const struct bundlefs_node *node;
	bool quiet;		/* readahead: read_folio retries and reports */
	bool rw;		/* a writable mount: consult the range map */
	bool fetched;		/* the object came from the fetch daemon */
	/* backing pages read into our folios and not yet dropped */
	struct file *drop_file;
	pgoff_t drop_first, drop_last;
};

/*
 * Folios that readahead fills from one object with one read: contiguous
 * in the file and in the object, each one whole but the last.
 */
#define BUNDLEFS_BATCH	16

struct bundlefs_batch {
	struct file *obj;
	u32 chunk;
	u64 offset;		/* in the object, of the first folio */
	size_t len;		/* bytes for all the folios */
	unsigned int nr;
	struct folio *folios[BUNDLEFS_BATCH];
	struct bio_vec bvec[BUNDLEFS_BATCH];
};

static void bundlefs_read_init(struct bundlefs_read *rd, struct inode *inode,
			       bool quiet)
{
	rd->inode = inode;
	/* regular inodes only come from a loaded image */
	rd->img = bundlefs_img(inode->i_sb);
	/* a file made in this mount has no node: all of it is upper */
	rd->node = bundlefs_file_node(inode);
	rd->rw = BUNDLEFS_SB(inode->i_sb)->upper;
	rd->quiet = quiet;
	rd->fetched = false;
	rd->drop_file = NULL;
}

static struct file **bundlefs_object_slots(struct bundlefs_inode *bi)
{
	struct file **slots = READ_ONCE(bi->objects), **old;

	if (slots)
		return slots;
	slots = kvcalloc(bi->nr_objects, sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots)
		return NULL;
	/* cmpxchg() orders the zeroing before the pointer is seen */
	old = cmpxchg(&bi->objects, NULL, slots);
	if (old) {
		kvfree(slots);
		return old;
	}
	return slots;
}

/*
 * The verify mount option: an object is hashed whole (XXH3-128) when it is
 * first opened; -EIO unless that is the name it is stored under.  Its
 * pages are dropped afterwards, as after a fill.
 */
static int bundlefs_verify_object(struct file *file, loff_t size,
				  const struct bundlefs_digest *want)
{
	struct bundlefs_xxh3_state *xs;
	u8 got[BUNDLEFS_DIGEST_SIZE];
	size_t blen = 1 << 16;
	loff_t pos = 0;
	void *buf;
	ssize_t n;
	int err = 0;

	xs = kmalloc(sizeof(*xs), GFP_KERNEL);
	buf = kvmalloc(blen, GFP_KERNEL);
	if (!xs || !buf) {
		err = -ENOMEM;
		goto out;
	}
	bundlefs_xxh3_128_reset(xs);
	while (pos < size) {
		n = kernel_read(file, buf, min_t(loff_t, blen, size - pos), &pos);
		if (n <= 0) {
			err = n ? n : -ENODATA;
			goto out;
		}
		bundlefs_xxh3_128_update(xs, buf, n);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
	}
	bundlefs_xxh3_128_digest(xs, got);
	if (memcmp(got, want->bytes, sizeof(got)))
		err = -EIO;
	invalidate_mapping_pages(file->f_mapping, 0, -1);
out:
	kvfree(buf);
	kfree(xs);
	return err;
}

/*
 * An O_PATH open of the object @name, fetched first if it is missing and
 * a daemon serves the mount.  Readahead (quiet) does not fetch: it would
 * wait with many folios locked, and read_folio comes right after it.
 */
static struct file *bundlefs_find_object(struct bundlefs_read *rd,
					 const struct bundlefs_chunk_pos *cp,
					 const char *name)
{
	struct super_block *sb = rd->inode->i_sb;
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct file *opath;
	int err;

	opath = file_open_root(&sbi->cache, name, O_PATH, 0);
	if (PTR_ERR_OR_ZERO(opath) != -ENOENT || rd->quiet) {
		if (!IS_ERR(opath))
			bundlefs_fetch_count(sb, true);
		return opath;
	}
	bundlefs_fetch_count(sb, false);
	err = bundlefs_fetch_object(sb, &rd->img->digests[cp->digest],
				    cp->length);
	if (err == -ENOENT)
		return opath;	/* nobody to ask: reported as missing */
	if (err) {
		if (err != -EINTR)
			bundlefs_warn_rl(sb, "inode %lu: fetching object %s failed",
					 rd->inode->i_ino, name);
		return ERR_PTR(-EIO);
	}
	rd->fetched = true;
	return file_open_root(&sbi->cache, name, O_PATH, 0);
}

static struct file *bundlefs_open_object(struct bundlefs_read *rd,
					 const struct bundlefs_chunk_pos *cp)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(rd->inode->i_sb);
	char name[sizeof("Data/.xxh128") + 32];
	char hex[33];
	struct file *opath, *file;
	loff_t size;
	int err;

	/* the name comes only from a validated digest: no path tricks */
	bundlefs_digest_hex(&rd->img->digests[cp->digest], hex);
	snprintf(name, sizeof(name), "Data/%s.xxh128", hex);

	/*
	 * Find the object with an O_PATH open, which calls no driver and
	 * cannot block, and open it for reading only if it is a regular file:
	 * a folio of ours is locked here, and opening a FIFO blocks until a
	 * writer comes while opening a device node can have side effects.
	 * The checked dentry is the one opened, so it cannot be swapped in
	 * between.  dentry_open() checks no permission of its own (as in
	 * overlayfs' ovl_path_open()); we run with the mounter's credentials.
	 */
	opath = bundlefs_find_object(rd, cp, name);
	if (!IS_ERR(opath) && !d_is_reg(opath->f_path.dentry)) {
		fput(opath);
		if (!rd->quiet)
			bundlefs_warn_rl(rd->inode->i_sb,
					 "inode %lu: object %s is not a regular file",
					 rd->inode->i_ino, name);
		return ERR_PTR(-EIO);
	}
	/*
	 * The stack depth checked at mount is the cache directory's, but the
	 * walk may cross a mount point below it, into a file system stacked
	 * as deep as we are, even into this very mount: reading it would
	 * recurse without bound.  Only read from strictly lower file systems.
	 */
	if (!IS_ERR(opath) && file_inode(opath)->i_sb->s_stack_depth >=
			      rd->inode->i_sb->s_stack_depth) {
		fput(opath);
		if (!rd->quiet)
			bundlefs_warn_rl(rd->inode->i_sb,
					 "inode %lu: object %s is on a file system stacked too deep",
					 rd->inode->i_ino, name);
		return ERR_PTR(-EIO);
	}
	if (!IS_ERR(opath)) {
		err = path_permission(&opath->f_path, MAY_READ | MAY_OPEN);
		file = err ? ERR_PTR(err) :
			dentry_open(&opath->f_path, O_RDONLY | O_LARGEFILE,
				    sbi->cred);
		fput(opath);
	} else {
		file = opath;
	}
	if (IS_ERR(file)) {
		/* a failed fetch has said so already */
		if (!rd->quiet && (PTR_ERR(file) != -EIO || rd->fetched))
			bundlefs_warn_rl(rd->inode->i_sb,
					 "inode %lu: cannot open object %s: error %ld",
					 rd->inode->i_ino, name, PTR_ERR(file));
		return ERR_PTR(-EIO);
	}
	size = i_size_read(file_inode(file));
	if (size != cp->length) {
		if (!rd->quiet)
			bundlefs_warn_rl(rd->inode->i_sb,
					 "inode %lu: object %s is %lld bytes, expected %llu",
					 rd->inode->i_ino, name, size, cp->length);
		fput(file);
		return ERR_PTR(-EIO);
	}
	if (sbi->verify) {
		err = bundlefs_verify_object(file, size,
					     &rd->img->digests[cp->digest]);
		if (err) {
			/* reported even from readahead: it is the cache's fault */
			bundlefs_warn_rl(rd->inode->i_sb,
					 "inode %lu: object %s does not hash to its name%s",
					 rd->inode->i_ino, name,
					 err == -EIO ? "" : " (could not read it)");
			fput(file);
			return ERR_PTR(-EIO);
		}
	}
	return file;
}

/* The opened object of a chunk, opened on first use and then kept. */
static struct file *bundlefs_object(struct bundlefs_read *rd,
				    const struct bundlefs_chunk_pos *cp)
{
	struct file **slots, *file, *old;

	slots = bundlefs_object_slots(BUNDLEFS_I(rd->inode));
	if (!slots)
		return ERR_PTR(-ENOMEM);
	file = READ_ONCE(slots[cp->chunk]);
	if (file)
		return file;

	/* failures are not cached: the object may appear later */
	file = bundlefs_open_object(rd, cp);
	if (IS_ERR(file)) {
		/* the daemon said it placed it, but it is not usable */
		if (rd->fetched)
			bundlefs_fetch_count_failed(rd->inode->i_sb);
		return file;
	}
	old = cmpxchg(&slots[cp->chunk], NULL, file);
	if (old) {
		fput(file);
		return old;
	}
	return file;
}

/* The object of chunk @cp of a manifest file, for passthrough.c. */
struct file *bundlefs_chunk_object(struct inode *inode,
				   const struct bundlefs_chunk_pos *cp, bool quiet)
{
	struct bundlefs_read rd;
	const struct cred *old;
	struct file *file;

	bundlefs_read_init(&rd, inode, quiet);
	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	file = bundlefs_object(&rd, cp);
	revert_creds(old);
	return file;
}

void bundlefs_put_objects(struct bundlefs_inode *bi)
{
	u32 i;

	if (!bi->objects)
		return;
	for (i = 0; i < bi->nr_objects; i++)
		if (bi->objects[i])
			fput(bi->objects[i]);
	kvfree(bi->objects);
	bi->objects = NULL;
}

/*
 * Drop the backing pages we have copied: otherwise reading a file once
 * keeps its bytes twice in the page cache, in our folio and in the object's.
 * Contiguous ranges of one object are batched into one call.
 */
static void bundlefs_drop_flush(struct bundlefs_read *rd)
{
	if (rd->drop_file)
		invalidate_mapping_pages(rd->drop_file->f_mapping,
					 rd->drop_first, rd->drop_last);
	rd->drop_file = NULL;
}

static void bundlefs_drop_add(struct bundlefs_read *rd, struct file *file,
			      u64 offset, size_t len)
{
	pgoff_t first = offset >> PAGE_SHIFT;
	pgoff_t last = (offset + len - 1) >> PAGE_SHIFT;

	if (rd->drop_file == file && first >= rd->drop_first &&
	    first <= rd->drop_last + 1) {
		rd->drop_last = max(rd->drop_last, last);
		return;
	}
	bundlefs_drop_flush(rd);
	rd->drop_file = file;
	rd->drop_first = first;
	rd->drop_last = last;
}

/*
 * A folio of a writable mount whose bytes left the objects: read it from
 * the upper data file, where holes and the part past its end are zeros.
 */
static int bundlefs_fill_from_upper(struct bundlefs_read *rd,
				    struct folio *folio)
{
	struct file *upper = bundlefs_upper_file(rd->inode, false);
	size_t fsize = folio_size(folio), done = 0;
	loff_t pos = folio_pos(folio);
	ssize_t n = 0;
	void *kaddr;

	if (IS_ERR(upper))
		return PTR_ERR(upper);
	kaddr = kmap_local_folio(folio, 0);
	while (upper && done < fsize) {
		n = kernel_read(upper, kaddr + done, fsize - done, &pos);
		if (n <= 0)
			break;
		done += n;
	}
	memset(kaddr + done, 0, fsize - done);
	kunmap_local(kaddr);
	if (n < 0) {
		if (!rd->quiet && !fatal_signal_pending(current))
			bundlefs_warn_rl(rd->inode->i_sb,
					 "inode %lu: reading its upper data at %lld: error %zd",
					 rd->inode->i_ino, folio_pos(folio), n);
		return -EIO;
	}
	flush_dcache_folio(folio);
	if (upper && done)
		bundlefs_drop_add(rd, upper, folio_pos(folio), done);
	return 0;
}

void bundlefs_warn_short(struct inode *inode, u32 chunk, u64 at, ssize_t n)
{
	if (!fatal_signal_pending(current))
		bundlefs_warn_rl(inode->i_sb,
				 "inode %lu: short read of chunk %u at %llu: %zd",
				 inode->i_ino, chunk, at, n);
}

/*
 * Read @len bytes at @offset of chunk @chunk's object into the pages of
 * @bv, with one call however many there are.  Returns the bytes read:
 * fewer only when the object ended early or failed.
 */
static size_t bundlefs_read_object(struct bundlefs_read *rd, struct file *obj,
				   u32 chunk, u64 offset, struct bio_vec *bv,
				   unsigned int nr, size_t len)
{
	struct iov_iter iter;
	loff_t opos = offset;
	size_t done = 0;
	ssize_t n = 0;

	iov_iter_bvec(&iter, ITER_DEST, bv, nr, len);
	while (done < len) {
		n = vfs_iter_read(obj, &iter, &opos, 0);
		if (n <= 0)
			break;
		done += n;
	}
	if (done < len && !rd->quiet)
		bundlefs_warn_short(rd->inode, chunk, offset + done, n);
	return done;
}

/* @len bytes were read into @folio: the rest, past EOF, reads as zeros. */
static void bundlefs_folio_filled(struct folio *folio, size_t len)
{
	if (len < folio_size(folio))
		folio_zero_segment(folio, len, folio_size(folio));
	flush_dcache_folio(folio);
}

/*
 * Where the bytes of @folio come from.  1: @len bytes at @cp of an object,
 * the rest of the folio past EOF; 0: it was filled here, with zeros past
 * EOF or from the upper data file; or an error.
 */
static int bundlefs_folio_source(struct bundlefs_read *rd, struct folio *folio,
				 struct bundlefs_chunk_pos *cp, size_t *len)
{
	loff_t pos = folio_pos(folio);
	u64 limit = U64_MAX;

	if (rd->rw) {
		struct bundlefs_inode *bi = BUNDLEFS_I(rd->inode);
		bool upper;

		/* a new file, pages written back, and what a truncate cut */
		mutex_lock(&bi->lock);
		upper = !rd->node || pos >= bi->lower_size ||
			bundlefs_rangemap_contains(&bi->map, folio->index);
		limit = bi->lower_size;
		mutex_unlock(&bi->lock);
		if (upper)
			return bundlefs_fill_from_upper(rd, folio);
	}
	/* a folio wholly past EOF (mmap of the last page, a racing read) */
	if (!bundlefs_chunk_map(rd->img, rd->node, pos, cp)) {
		folio_zero_range(folio, 0, folio_size(folio));
		return 0;
	}
	/* past a truncation point the bytes are zeros, not the object's */
	*len = min_t(u64, min_t(u64, folio_size(folio), cp->avail),
		     limit - pos);
	return 1;
}

static int bundlefs_fill_folio(struct bundlefs_read *rd, struct folio *folio)
{
	struct bundlefs_chunk_pos cp;
	struct bio_vec bv;
	struct file *obj;
	size_t len;
	int err;

	err = bundlefs_folio_source(rd, folio, &cp, &len);
	if (err <= 0)
		return err;
	obj = bundlefs_object(rd, &cp);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	bvec_set_page(&bv, folio_page(folio, 0), len, 0);
	if (bundlefs_read_object(rd, obj, cp.chunk, cp.offset, &bv, 1, len) < len)
		return -EIO;
	bundlefs_folio_filled(folio, len);
	bundlefs_drop_add(rd, obj, cp.offset, len);
	return 0;
}

/* Read the folios of a batch and end the read of each. */
static int bundlefs_batch_flush(struct bundlefs_read *rd,
				struct bundlefs_batch *b)
{
	size_t done, at = 0;
	unsigned int i;

	if (!b->nr)
		return 0;
	done = bundlefs_read_object(rd, b->obj, b->chunk, b->offset, b->bvec,
				    b->nr, b->len);
	for (i = 0; i < b->nr; i++) {
		size_t len = b->bvec[i].bv_len;
		bool ok = at + len <= done;

		if (ok)
			bundlefs_folio_filled(b->folios[i], len);
		bundlefs_folio_end_read(b->folios[i], ok);
		at += len;
	}
	if (done)
		bundlefs_drop_add(rd, b->obj, b->offset, done);
	b->nr = 0;
	return done < b->len ? -EIO : 0;
}

/*
 * Take a locked folio of a readahead: fill it now when its bytes are no
 * object's, else add it to the batch, which is read first when the folio
 * does not continue it.
 */
static int bundlefs_batch_add(struct bundlefs_read *rd,
			      struct bundlefs_batch *b, struct folio *folio)
{
	struct bundlefs_chunk_pos cp;
	struct file *obj;
	size_t len;
	int err;

	err = bundlefs_folio_source(rd, folio, &cp, &len);
	if (err <= 0) {
		bundlefs_folio_end_read(folio, !err);
		return err;
	}
	obj = bundlefs_object(rd, &cp);
	if (IS_ERR(obj)) {
		bundlefs_folio_end_read(folio, false);
		return PTR_ERR(obj);
	}
	if (b->nr && (b->nr == BUNDLEFS_BATCH || b->obj != obj ||
		      b->offset + b->len != cp.offset)) {
		err = bundlefs_batch_flush(rd, b);
		if (err) {
			bundlefs_folio_end_read(folio, false);
			return err;
		}
	}
	if (!b->nr) {
		b->obj = obj;
		b->chunk = cp.chunk;
		b->offset = cp.offset;
		b->len = 0;
	}
	b->folios[b->nr] = folio;
	bvec_set_page(&b->bvec[b->nr++], folio_page(folio, 0), len, 0);
	b->len += len;
	return 0;
}

/* Fill one locked folio with the mounter's credentials. */
static int bundlefs_fill_one(struct inode *inode, struct folio *folio)
{
	struct bundlefs_read rd;
	const struct cred *old;
	int err;

	bundlefs_read_init(&rd, inode, false);
	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	err = bundlefs_fill_folio(&rd, folio);
	bundlefs_drop_flush(&rd);
	revert_creds(old);
	return err;
}

/* Fill a locked folio that write_begin will write only part of. */
int bundlefs_fill_folio_locked(struct inode *inode, struct folio *folio)
{
	int err = bundlefs_fill_one(inode, folio);

	if (!err)
		folio_mark_uptodate(folio);
	return err;
}

int bundlefs_read_folio(struct file *file, struct folio *folio)
{
	int err = bundlefs_fill_one(folio->mapping->host, folio);

	bundlefs_folio_end_read(folio, !err);
	return err;
}

void bundlefs_readahead(struct readahead_control *rac)
{
	struct inode *inode = rac->mapping->host;
	struct bundlefs_batch b = { .nr = 0 };
	struct bundlefs_read rd;
	const struct cred *old;
	struct folio *folio;
	int err = 0;

	bundlefs_read_init(&rd, inode, true);
	old = override_creds(BUNDLEFS_SB(inode->i_sb)->cred);
	/* after an error the caller releases the rest; read_folio reports */
	while (!err && (folio = readahead_folio(rac)))
		err = bundlefs_batch_add(&rd, &b, folio);
	bundlefs_batch_flush(&rd, &b);
	bundlefs_drop_flush(&rd);
	revert_creds(old);
}

const struct address_space_operations bundlefs_aops = {
	.read_folio	= bundlefs_read_folio,
	.readahead	= bundlefs_readahead,
};

const struct file_operations bundlefs_file_fops = {
	.llseek		= generic_file_llseek,
	.read_iter	= bundlefs_file_read_iter,
	.mmap		= bundlefs_file_mmap,
	.splice_read	= bundlefs_file_splice_read,
};
