// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: BUNDLEFS_IOC_CHANGES, what a writable mount changed against
 * its image, for `bundlefs diff`.  The walk starts from the pinned inodes
 * (every inode that differs from the image is pinned, see upper.c), so
 * its cost grows with the changes, not with the manifest:
 *
 * - a changed directory that is still where the image put it reports its
 *   whiteouts as deleted paths and each entry made or moved into it as a
 *   subtree, reported whole (a moved directory brings all below it);
 * - a manifest file still at its place reports itself if its content,
 *   size, mtime or executable bit changed.
 *
 * Files whose bytes changed are hashed here, in the page cache, by 256 MiB
 * chunk; the others keep the image's digests.  Namespace changes wait
 * while the walk runs (ns_lock); writes to file data do not.
 */
#include "internal.h"
#include "xxh3.h"
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/capability.h>

#define BUNDLEFS_DIFF_SHIFT	28	/* the manifests' 256 MiB chunks */
#define BUNDLEFS_DIFF_PATH	4096

struct bundlefs_diff {
	struct super_block *sb;
	const struct bundlefs_image *img;
	u8 __user *ubuf;
	u64 usize;
	u64 used;
	u32 count;
	bool fill;		/* the second pass writes and hashes */
	int err;
	struct bundlefs_xxh3_state *xs;
	struct list_head queue;	/* struct bundlefs_walk to report */
};

/* One entry of a subtree to report: an inode, or an image node. */
struct bundlefs_walk {
	struct list_head list;
	struct inode *inode;	/* NULL: image node @node, never changed */
	u32 node;
	u32 len;
	char path[];
};

static u8 bundlefs_dtype_kind(u8 dtype)
{
	return dtype == DT_DIR ? BUNDLEFS_NODE_DIR :
	       dtype == DT_LNK ? BUNDLEFS_NODE_LNK : BUNDLEFS_NODE_REG;
}

static u32 bundlefs_nchunks(u64 size)
{
	return size <= (1ULL << BUNDLEFS_DIFF_SHIFT) ? 1 :
	       DIV_ROUND_UP_ULL(size, 1ULL << BUNDLEFS_DIFF_SHIFT);
}

/* The image's digests of @node, when they are the diff's chunks. */
static const struct bundlefs_digest *
bundlefs_image_digests(struct bundlefs_diff *d, u32 node)
{
	const struct bundlefs_node *n = bundlefs_image_node(d->img, node);
	u64 size = le64_to_cpu(n->size);

	if (d->img->chunk_shift != BUNDLEFS_DIFF_SHIFT || size == 0 ||
	    le32_to_cpu(n->count) != bundlefs_nchunks(size))
		return NULL;
	return &d->img->digests[le32_to_cpu(n->first)];
}

/* The path of image node @node, relative to the root. */
static int bundlefs_node_path(const struct bundlefs_image *img, u32 node,
			      char *buf, u32 *len)
{
	char *end = buf + BUNDLEFS_DIFF_PATH, *p = end;

	while (node) {
		const struct bundlefs_node *n = bundlefs_image_node(img, node);
		u16 nl = le16_to_cpu(n->name_len);

		if (p - buf < nl + 1)
			return -ENAMETOOLONG;
		p -= nl;
		memcpy(p, bundlefs_node_name(img, n), nl);
		node = le32_to_cpu(n->parent);
		if (node)
			*--p = '/';
	}
	*len = end - p;
	memmove(buf, p, *len);
	return 0;
}

/* Is image node @node still where the image put it, and all above it? */
static bool bundlefs_in_place(struct bundlefs_diff *d, u32 node)
{
	while (node) {
		const struct bundlefs_node *n = bundlefs_image_node(d->img, node);
		u32 parent = le32_to_cpu(n->parent);
		struct inode *dir = ilookup(d->sb, (u64)parent + 1);
		bool moved = false;

		if (dir) {
			moved = bundlefs_dirent_find(BUNDLEFS_I(dir)->ents,
						     bundlefs_node_name(d->img, n),
						     le16_to_cpu(n->name_len));
			iput(dir);
		}
		if (moved)
			return false;
		node = parent;
	}
	return true;
}

static int bundlefs_put(struct bundlefs_diff *d, const void *p, size_t len)
{
	if (copy_to_user(d->ubuf + d->used, p, len))
		return -EFAULT;
	d->used += len;
	return 0;
}

/* The xxh128 of each 256 MiB chunk of @inode, from its page cache. */
static int bundlefs_hash_chunks(struct bundlefs_diff *d, struct inode *inode,
				u64 size, u32 nchunks)
{
	u8 digest[BUNDLEFS_DIGEST_SIZE];
	u32 c;
	int err;

	for (c = 0; c < nchunks; c++) {
		u64 pos = (u64)c << BUNDLEFS_DIFF_SHIFT;
		u64 end = min(size, pos + (1ULL << BUNDLEFS_DIFF_SHIFT));

		bundlefs_xxh3_128_reset(d->xs);
		while (pos < end) {
			struct folio *folio;
			size_t off, n;
			void *kaddr;

			folio = read_mapping_folio(inode->i_mapping,
						   pos >> PAGE_SHIFT, NULL);
			if (IS_ERR(folio))
				return PTR_ERR(folio);
			off = offset_in_folio(folio, pos);
			n = min_t(u64, folio_size(folio) - off, end - pos);
			kaddr = kmap_local_folio(folio, off);
			bundlefs_xxh3_128_update(d->xs, kaddr, n);
			kunmap_local(kaddr);
			folio_put(folio);
			pos += n;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		bundlefs_xxh3_128_digest(d->xs, digest);
		err = bundlefs_put(d, digest, sizeof(digest));
		if (err)
			return err;
	}
	return 0;
}

struct bundlefs_entry {
	u8 kind;		/* 0: deleted */
	u8 flags;
	u64 size;
	s64 mtime_us;
	const char *target;	/* link */
	struct inode *hash;	/* hash this inode's bytes, or */
	const struct bundlefs_digest *digests;	/* take these */
};

static void bundlefs_emit(struct bundlefs_diff *d,
			  const struct bundlefs_entry *e,
			  const char *path, u32 plen)
{
	static const u8 zeros[8];
	u32 nchunks = e->kind == BUNDLEFS_NODE_REG ? bundlefs_nchunks(e->size) : 0;
	u64 tlen = e->kind == BUNDLEFS_NODE_LNK ? e->size : 0;
	struct bundlefs_change c = { };
	u64 len, start = d->used;

	if (d->err)
		return;
	len = sizeof(c) + (u64)nchunks * BUNDLEFS_DIGEST_SIZE + plen + tlen;
	len = ALIGN(len, 8);
	if (!d->fill || d->used + len > d->usize) {
		/* the first pass counts; a file that grew since asks again */
		if (d->fill)
			d->err = -E2BIG;
		d->used += len;
		d->count++;
		return;
	}
	c.len = cpu_to_le32(len);
	c.kind = e->kind;
	c.flags = e->flags;
	c.path_len = cpu_to_le16(plen);
	c.size = cpu_to_le64(e->size);
	c.mtime_us = cpu_to_le64(e->mtime_us);
	c.nchunks = cpu_to_le32(nchunks);
	d->err = bundlefs_put(d, &c, sizeof(c));
	if (!d->err && nchunks) {
		if (e->hash)
			d->err = bundlefs_hash_chunks(d, e->hash, e->size, nchunks);
		else
			d->err = bundlefs_put(d, e->digests,
					      nchunks * BUNDLEFS_DIGEST_SIZE);
	}
	if (!d->err)
		d->err = bundlefs_put(d, path, plen);
	if (!d->err && tlen)
		d->err = bundlefs_put(d, e->target, tlen);
	if (!d->err)
		d->err = bundlefs_put(d, zeros, start + len - d->used);
	d->count++;
}

/*
 * Did the bytes of a manifest file change?  A written page is in the
 * range map once written back, and dirty (or under writeback) until then.
 * Writeback adds a page to the map before it clears the page's dirty tag,
 * so the tags are read first: a page that left them is in the map.
 */
static bool bundlefs_content_changed(struct inode *inode)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);
	const struct bundlefs_image *img = bundlefs_img(inode->i_sb);
	u64 isize = le64_to_cpu(bundlefs_image_node(img, bi->node)->size);
	bool changed;

	if (mapping_tagged(inode->i_mapping, PAGECACHE_TAG_DIRTY) ||
	    mapping_tagged(inode->i_mapping, PAGECACHE_TAG_WRITEBACK))
		return true;
	smp_rmb();	/* the tags before the map */
	mutex_lock(&bi->lock);
	changed = bi->map.nr || bi->lower_size < isize ||
		  i_size_read(inode) != isize;
	mutex_unlock(&bi->lock);
	return changed;
}

static s64 bundlefs_mtime_us(struct inode *inode)
{
	struct bundlefs_times t;

	bundlefs_get_times3(inode, &t);
	return t.mtime.tv_sec * USEC_PER_SEC + t.mtime.tv_nsec / NSEC_PER_USEC;
}

/* What an inode, or an untouched image node, is now. */
static void bundlefs_describe(struct bundlefs_diff *d, struct inode *inode,
			      u32 node, struct bundlefs_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (!inode) {
		const struct bundlefs_node *n = bundlefs_image_node(d->img, node);

		e->kind = n->kind;
		e->flags = n->flags & BUNDLEFS_NODE_EXEC;
		e->size = n->kind == BUNDLEFS_NODE_DIR ? 0 : le64_to_cpu(n->size);
		e->mtime_us = le64_to_cpu(n->mtime_us);
		if (n->kind == BUNDLEFS_NODE_LNK)
			e->target = bundlefs_node_target(d->img, n);
		if (n->kind == BUNDLEFS_NODE_REG)
			e->digests = bundlefs_image_digests(d, node);
		return;
	}
	e->kind = S_ISDIR(inode->i_mode) ? BUNDLEFS_NODE_DIR :
		  S_ISLNK(inode->i_mode) ? BUNDLEFS_NODE_LNK : BUNDLEFS_NODE_REG;
	e->flags = inode->i_mode & 0100 ? BUNDLEFS_NODE_EXEC : 0;
	e->size = S_ISDIR(inode->i_mode) ? 0 : i_size_read(inode);
	e->mtime_us = bundlefs_mtime_us(inode);
	if (S_ISLNK(inode->i_mode))
		e->target = inode->i_link;
	if (S_ISREG(inode->i_mode) && BUNDLEFS_I(inode)->node != BUNDLEFS_NO_NODE &&
	    !bundlefs_content_changed(inode))
		e->digests = bundlefs_image_digests(d, BUNDLEFS_I(inode)->node);
}

/* Report @e; a file without usable digests is hashed (its inode made). */
static void bundlefs_emit_entry(struct bundlefs_diff *d, struct inode *inode,
				u32 node, const char *path, u32 plen)
{
	struct bundlefs_entry e;
	struct inode *tmp = NULL;

	bundlefs_describe(d, inode, node, &e);
	if (e.kind == BUNDLEFS_NODE_REG && !e.digests && d->fill) {
		if (!inode) {
			tmp = bundlefs_iget(d->sb, node);
			if (IS_ERR(tmp)) {
				d->err = PTR_ERR(tmp);
				return;
			}
			inode = tmp;
		}
		e.hash = inode;
	}
	bundlefs_emit(d, &e, path, plen);
	if (tmp)
		iput(tmp);
}

static void bundlefs_push(struct bundlefs_diff *d, struct inode *inode,
			  u32 node, const char *base, u32 blen,
			  const char *name, u32 nlen)
{
	struct bundlefs_walk *w;
	u32 len = blen ? blen + 1 + nlen : nlen;

	if (d->err || len > BUNDLEFS_DIFF_PATH) {
		d->err = d->err ?: -ENAMETOOLONG;
		goto drop;
	}
	w = kmalloc(struct_size(w, path, len), GFP_KERNEL);
	if (!w) {
		d->err = -ENOMEM;
		goto drop;
	}
	w->inode = inode;
	w->node = node;
	w->len = len;
	if (blen) {
		memcpy(w->path, base, blen);
		w->path[blen] = '/';
	}
	memcpy(w->path + len - nlen, name, nlen);
	list_add_tail(&w->list, &d->queue);
	return;
drop:
	if (inode)
		iput(inode);
}

/* Queue what is in directory @w now: image children left, then new. */
static void bundlefs_queue_children(struct bundlefs_diff *d,
				    struct bundlefs_walk *w)
{
	struct inode *dir = w->inode;
	struct bundlefs_dirents *ents = dir ? BUNDLEFS_I(dir)->ents : NULL;
	u32 node = dir ? BUNDLEFS_I(dir)->node : w->node;
	struct bundlefs_dirent *e;
	unsigned long pos;

	if (node != BUNDLEFS_NO_NODE) {
		const struct bundlefs_node *n = bundlefs_image_node(d->img, node);
		u32 i, first = le32_to_cpu(n->first), count = le32_to_cpu(n->count);

		for (i = first; i < first + count && !d->err; i++) {
			const struct bundlefs_node *c = bundlefs_image_node(d->img, i);
			const char *name = bundlefs_node_name(d->img, c);
			u16 nl = le16_to_cpu(c->name_len);

			if (bundlefs_dirent_find(ents, name, nl))
				continue;
			/* an inode in memory may have changed; else the image */
			bundlefs_push(d, ilookup(d->sb, (u64)i + 1), i, w->path,
				      w->len, name, nl);
		}
	}
	if (!ents)
		return;
	xa_for_each(&ents->by_pos, pos, e) {
		struct inode *inode = bundlefs_iget_ino(d->sb, e->ino);

		if (IS_ERR(inode)) {
			d->err = PTR_ERR(inode);
			return;
		}
		bundlefs_push(d, inode, 0, w->path, w->len, e->name, e->len);
	}
}

/* Report everything queued, and below it. */
static void bundlefs_drain(struct bundlefs_diff *d)
{
	struct bundlefs_walk *w;

	while (!list_empty(&d->queue)) {
		w = list_first_entry(&d->queue, struct bundlefs_walk, list);
		list_del(&w->list);
		if (!d->err) {
			bundlefs_emit_entry(d, w->inode, w->node, w->path, w->len);
			if (w->inode ? S_ISDIR(w->inode->i_mode) :
			    bundlefs_image_node(d->img, w->node)->kind == BUNDLEFS_NODE_DIR)
				bundlefs_queue_children(d, w);
		}
		if (w->inode)
			iput(w->inode);
		kfree(w);
		cond_resched();
	}
}

/* A changed directory that is where the image put it. */
static void bundlefs_diff_dir(struct bundlefs_diff *d, struct inode *dir,
			      char *path)
{
	struct bundlefs_dirents *ents = BUNDLEFS_I(dir)->ents;
	u32 node = BUNDLEFS_I(dir)->node, plen;
	struct bundlefs_entry gone = { };
	struct rb_node *rb;

	d->err = bundlefs_node_path(d->img, node, path, &plen);
	for (rb = rb_first(&ents->by_name); rb && !d->err; rb = rb_next(rb)) {
		struct bundlefs_dirent *e = rb_entry(rb, struct bundlefs_dirent, rb);
		struct inode *inode;
		u32 len = plen ? plen + 1 + e->len : e->len;

		if (len > BUNDLEFS_DIFF_PATH) {
			d->err = -ENAMETOOLONG;
			break;
		}
		if (e->hides_image) {
			u32 was = bundlefs_image_lookup(d->img, node, e->name, e->len);
			u8 kind = bundlefs_image_node(d->img, was)->kind;
			char *p = path + plen;

			/* gone, or replaced by another kind: delete it first */
			if (!e->ino || kind != bundlefs_dtype_kind(e->dtype)) {
				if (plen)
					*p++ = '/';
				memcpy(p, e->name, e->len);
				gone.flags = kind == BUNDLEFS_NODE_DIR ?
					     BUNDLEFS_CHANGE_WAS_DIR : 0;
				bundlefs_emit(d, &gone, path, len);
			}
		}
		if (!e->ino)
			continue;
		inode = bundlefs_iget_ino(d->sb, e->ino);
		if (IS_ERR(inode)) {
			d->err = PTR_ERR(inode);
			break;
		}
		bundlefs_push(d, inode, 0, path, plen, e->name, e->len);
		bundlefs_drain(d);
	}
}

/* A manifest file or link still at its place: report it if it changed. */
static void bundlefs_diff_file(struct bundlefs_diff *d, struct inode *inode,
			       char *path)
{
	u32 node = BUNDLEFS_I(inode)->node, plen;
	const struct bundlefs_node *n = bundlefs_image_node(d->img, node);

	if (!S_ISREG(inode->i_mode) ||
	    (!bundlefs_content_changed(inode) &&
	     bundlefs_mtime_us(inode) == (s64)le64_to_cpu(n->mtime_us) &&
	     !(inode->i_mode & 0100) == !(n->flags & BUNDLEFS_NODE_EXEC)))
		return;
	d->err = bundlefs_node_path(d->img, node, path, &plen);
	if (!d->err)
		bundlefs_emit_entry(d, inode, node, path, plen);
}

static void bundlefs_diff_pass(struct bundlefs_diff *d, struct inode **pinned,
			       u32 nr, char *path)
{
	u32 i;

	d->used = 0;
	d->count = 0;
	for (i = 0; i < nr && !d->err; i++) {
		struct inode *inode = pinned[i];
		struct bundlefs_inode *bi = BUNDLEFS_I(inode);

		if (!inode->i_nlink || bi->node == BUNDLEFS_NO_NODE ||
		    !bundlefs_in_place(d, bi->node))
			continue;
		if (S_ISDIR(inode->i_mode)) {
			if (bi->ents)
				bundlefs_diff_dir(d, inode, path);
		} else {
			bundlefs_diff_file(d, inode, path);
		}
	}
	bundlefs_drain(d);
}

/* The pinned inodes, each with a reference of its own. */
static struct inode **bundlefs_pinned(struct super_block *sb, u32 *nr)
{
	struct bundlefs_upper *up = BUNDLEFS_SB(sb)->upper;
	struct bundlefs_inode *bi;
	struct inode **arr;
	u32 n = 0, cap = 0;

	spin_lock(&up->pin_lock);
	list_for_each_entry(bi, &up->pinned, pin)
		cap++;
	spin_unlock(&up->pin_lock);
	/* namespace changes wait for us; only writes may pin more */
	cap += 64;
	arr = kvmalloc_array(cap, sizeof(*arr), GFP_KERNEL);
	if (!arr)
		return NULL;
	spin_lock(&up->pin_lock);
	list_for_each_entry(bi, &up->pinned, pin) {
		if (n == cap)
			break;
		ihold(&bi->vfs_inode);
		arr[n++] = &bi->vfs_inode;
	}
	spin_unlock(&up->pin_lock);
	*nr = n;
	return arr;
}

long bundlefs_ioc_changes(struct file *file, struct bundlefs_changes __user *uarg)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_changes arg;
	struct bundlefs_diff d = { .sb = sb };
	struct inode **pinned;
	char *path;
	u32 nr = 0, i;

	/* it reads and hashes every changed file, whoever may read it */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (!sbi->upper)
		return -EROFS;
	d.img = bundlefs_img(sb);
	if (!d.img || sbi->dead)
		return -ENODATA;
	d.ubuf = u64_to_user_ptr(arg.buf);
	d.usize = arg.size;
	INIT_LIST_HEAD(&d.queue);
	path = kmalloc(BUNDLEFS_DIFF_PATH, GFP_KERNEL);
	d.xs = kmalloc(sizeof(*d.xs), GFP_KERNEL);
	if (!path || !d.xs) {
		d.err = -ENOMEM;
		goto out;
	}

	down_write(&sbi->ns_lock);
	pinned = bundlefs_pinned(sb, &nr);
	if (!pinned) {
		up_write(&sbi->ns_lock);
		d.err = -ENOMEM;
		goto out;
	}
	bundlefs_diff_pass(&d, pinned, nr, path);
	if (!d.err && d.used > d.usize) {
		d.err = -E2BIG;
	} else if (!d.err) {
		d.fill = true;
		bundlefs_diff_pass(&d, pinned, nr, path);
	}
	up_write(&sbi->ns_lock);
	for (i = 0; i < nr; i++)
		iput(pinned[i]);
	kvfree(pinned);

	if (d.err == -E2BIG) {
		/* room for what a second try may add */
		arg.size = d.used + d.used / 8 + 4096;
		if (copy_to_user(uarg, &arg, sizeof(arg)))
			d.err = -EFAULT;
	} else if (!d.err) {
		arg.size = d.used;
		arg.count = d.count;
		if (copy_to_user(uarg, &arg, sizeof(arg)))
			d.err = -EFAULT;
	}
out:
	kfree(d.xs);
	kfree(path);
	return d.err;
}
