// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: name lookup.  A directory's changed entries (overlay.c) come
 * first; otherwise a binary search among its children in the image, which
 * keeps them sorted.
 */
#include "internal.h"
#include <linux/namei.h>

struct dentry *bundlefs_lookup(struct inode *dir, struct dentry *dentry,
			       unsigned int flags)
{
	const struct bundlefs_image *img = bundlefs_img(dir->i_sb);
	struct bundlefs_inode *bi = BUNDLEFS_I(dir);
	struct bundlefs_dirent *e;
	struct inode *inode = NULL;
	u32 node = 0;

	/*
	 * No image yet: fail without d_add(dentry, NULL).  A cached negative
	 * dentry would hide the name once the image is loaded.  A lookup to
	 * create a name gets what a create on this read-only mount gets.
	 */
	if (!img)
		return ERR_PTR(flags & LOOKUP_CREATE ? -EROFS : -ENOENT);
	/* a refused upper directory: nothing of it may be trusted */
	if (BUNDLEFS_SB(dir->i_sb)->dead)
		return ERR_PTR(-EIO);
	if (dentry->d_name.len > BUNDLEFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	/* the directory's i_rwsem keeps its entries still */
	e = bundlefs_dirent_find(bi->ents, dentry->d_name.name,
				 dentry->d_name.len);
	if (e) {
		if (e->ino)
			inode = bundlefs_iget_ino(dir->i_sb, e->ino);
	} else if (bi->node != BUNDLEFS_NO_NODE) {
		node = bundlefs_image_lookup(img, bi->node, dentry->d_name.name,
					     dentry->d_name.len);
		if (node)
			inode = bundlefs_iget(dir->i_sb, node);
	}
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	/* negative dentries stay true: creating a name instantiates them */
	return d_splice_alias(inode, dentry);
}
