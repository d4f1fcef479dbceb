// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: VFS inodes made lazily from image nodes.  Nothing is
 * allocated per entry at load time; an inode exists only while in use.
 */
#include "internal.h"
#include <linux/math64.h>
#include <linux/pagemap.h>
#include <linux/sched.h>

/* Manifest times are signed microseconds; negative ones predate 1970. */
static struct timespec64 bundlefs_time(s64 us)
{
	struct timespec64 ts;
	s32 rem;

	ts.tv_sec = div_s64_rem(us, USEC_PER_SEC, &rem);
	/* div_s64_rem() truncates towards zero, tv_nsec must not be < 0 */
	if (rem < 0) {
		ts.tv_sec--;
		rem += USEC_PER_SEC;
	}
	ts.tv_nsec = rem * NSEC_PER_USEC;
	return ts;
}

static unsigned int bundlefs_dir_nlink(const struct bundlefs_image *img,
				       const struct bundlefs_node *dir)
{
	u32 first = le32_to_cpu(dir->first), count = le32_to_cpu(dir->count);
	unsigned int nlink = 2;
	u32 i;

	for (i = first; i < first + count; i++) {
		if (img->nodes[i].kind == BUNDLEFS_NODE_DIR)
			nlink++;
		/* a directory may have millions of entries */
		if ((i - first) % 65536 == 65535)
			cond_resched();
	}
	return nlink;
}

static void bundlefs_set_owner(struct inode *inode)
{
	inode->i_uid = BUNDLEFS_SB(inode->i_sb)->uid;
	inode->i_gid = BUNDLEFS_SB(inode->i_sb)->gid;
}

/* Operations by the inode's type, and by whether the mount is writable. */
void bundlefs_set_ops(struct inode *inode)
{
	bool rw = BUNDLEFS_SB(inode->i_sb)->upper;

	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &bundlefs_dir_iops;
		inode->i_fop = &bundlefs_dir_fops;
		break;
	case S_IFREG:
		inode->i_op = &bundlefs_file_iops;
		inode->i_fop = rw ? &bundlefs_file_rw_fops : &bundlefs_file_fops;
		inode->i_mapping->a_ops = rw ? &bundlefs_rw_aops : &bundlefs_aops;
		break;
	case S_IFLNK:
		inode->i_op = rw ? &bundlefs_symlink_iops :
				   &simple_symlink_inode_operations;
		break;
	}
}

static void bundlefs_fill_inode(struct inode *inode,
				const struct bundlefs_loaded *l, u32 index)
{
	const struct bundlefs_image *img = &l->img;
	const struct bundlefs_node *node = bundlefs_image_node(img, index);
	u64 size = le64_to_cpu(node->size);

	BUNDLEFS_I(inode)->node = index;
	bundlefs_set_owner(inode);
	inode->i_size = size;
	inode->i_blocks = DIV_ROUND_UP_ULL(size, 512);

	switch (node->kind) {
	case BUNDLEFS_NODE_DIR:
		inode->i_mode = S_IFDIR | 0755;
		set_nlink(inode, bundlefs_dir_nlink(img, node));
		bundlefs_set_ops(inode);
		/* manifests carry no directory times */
		bundlefs_set_times(inode, l->load_time);
		return;
	case BUNDLEFS_NODE_REG:
		inode->i_mode = S_IFREG |
			(node->flags & BUNDLEFS_NODE_EXEC ? 0755 : 0644);
		BUNDLEFS_I(inode)->nr_objects = le32_to_cpu(node->count);
		BUNDLEFS_I(inode)->lower_size = size;
		break;
	case BUNDLEFS_NODE_LNK:
		inode->i_mode = S_IFLNK | 0777;
		/* validated NUL-terminated, and the image outlives the inode */
		inode->i_link = (char *)bundlefs_node_target(img, node);
		break;
	}
	bundlefs_set_ops(inode);
	set_nlink(inode, 1);
	bundlefs_set_times(inode, bundlefs_time(le64_to_cpu(node->mtime_us)));
}

/* Only for nodes of a loaded image: lookup is the only caller. */
struct inode *bundlefs_iget(struct super_block *sb, u32 node)
{
	struct bundlefs_loaded *l = bundlefs_loaded(sb);
	struct inode *inode;

	if (WARN_ON_ONCE(!l || node >= l->img.node_count))
		return ERR_PTR(-EIO);

	inode = iget_locked(sb, (unsigned long)node + 1);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;

	bundlefs_fill_inode(inode, l, node);
	unlock_new_inode(inode);
	return inode;
}

/* Inode @ino: an image node's, or one made in this mount (pinned). */
struct inode *bundlefs_iget_ino(struct super_block *sb, u64 ino)
{
	const struct bundlefs_image *img = bundlefs_img(sb);
	struct inode *inode;

	if (img && ino >= 1 && ino <= img->node_count)
		return bundlefs_iget(sb, ino - 1);
	inode = ilookup(sb, ino);
	if (!inode) {
		bundlefs_warn_rl(sb, "entry names inode %llu, which is gone", ino);
		return ERR_PTR(-EIO);
	}
	return inode;
}

/* A new inode made in this mount; the caller sets its owner. */
struct inode *bundlefs_new_inode(struct super_block *sb, umode_t mode, u64 ino)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return ERR_PTR(-ENOMEM);
	inode->i_ino = ino;
	inode->i_mode = mode;
	BUNDLEFS_I(inode)->node = BUNDLEFS_NO_NODE;
	BUNDLEFS_I(inode)->lower_size = 0;
	/* all of its bytes are ours: never read from an object */
	bundlefs_own_cache(inode);
	set_nlink(inode, S_ISDIR(mode) ? 2 : 1);
	bundlefs_set_times(inode, current_time(inode));
	bundlefs_set_ops(inode);
	insert_inode_hash(inode);
	return inode;
}

/* The root of a mount with no image yet: an empty directory. */
struct inode *bundlefs_new_root(struct super_block *sb)
{
	struct inode *inode;

	inode = iget_locked(sb, BUNDLEFS_ROOT_INO);
	if (!inode)
		return ERR_PTR(-ENOMEM);

	BUNDLEFS_I(inode)->node = 0;
	bundlefs_set_owner(inode);
	inode->i_mode = S_IFDIR | 0755;
	set_nlink(inode, 2);
	bundlefs_set_ops(inode);
	BUNDLEFS_SB(sb)->mount_time = current_time(inode);
	bundlefs_set_times(inode, BUNDLEFS_SB(sb)->mount_time);
	unlock_new_inode(inode);
	return inode;
}

/* Called under the load lock and the root's, right after publishing. */
void bundlefs_root_loaded(struct inode *root)
{
	struct bundlefs_loaded *l = bundlefs_loaded(root->i_sb);

	bundlefs_fill_inode(root, l, 0);
}
