// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: name lookup, a binary search among a directory's children,
 * which the image keeps sorted.
 */
#include "internal.h"
#include <linux/namei.h>

static struct dentry *bundlefs_lookup(struct inode *dir, struct dentry *dentry,
				      unsigned int flags)
{
	const struct bundlefs_image *img = bundlefs_img(dir->i_sb);
	struct inode *inode = NULL;
	u32 node;

	/*
	 * No image yet: fail without d_add(dentry, NULL).  A cached negative
	 * dentry would hide the name once the image is loaded.  A lookup to
	 * create a name gets what a create on this read-only mount gets.
	 */
	if (!img)
		return ERR_PTR(flags & LOOKUP_CREATE ? -EROFS : -ENOENT);
	if (dentry->d_name.len > BUNDLEFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	node = bundlefs_image_lookup(img, BUNDLEFS_I(dir)->node,
				     dentry->d_name.name, dentry->d_name.len);
	if (node) {
		inode = bundlefs_iget(dir->i_sb, node);
		if (IS_ERR(inode))
			return ERR_CAST(inode);
	}
	/* the image never changes, so a negative dentry stays true */
	return d_splice_alias(inode, dentry);
}

const struct inode_operations bundlefs_dir_iops = {
	.lookup		= bundlefs_lookup,
};
