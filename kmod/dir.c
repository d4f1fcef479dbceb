// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: readdir.  Position 2 + i is child i of the directory, so a
 * position stays valid across calls, telldir()/seekdir() and concurrent
 * readers without any cookie table.
 */
#include "internal.h"

static unsigned char bundlefs_dtype(u8 kind)
{
	switch (kind) {
	case BUNDLEFS_NODE_DIR:
		return DT_DIR;
	case BUNDLEFS_NODE_REG:
		return DT_REG;
	case BUNDLEFS_NODE_LNK:
		return DT_LNK;
	}
	return DT_UNKNOWN;
}

static int bundlefs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	const struct bundlefs_image *img = bundlefs_img(dir->i_sb);
	const struct bundlefs_node *d;
	u32 first, count;
	loff_t i;

	if (!dir_emit_dots(file, ctx))
		return 0;
	/* the root of a mount without an image is empty */
	if (!img)
		return 0;

	d = bundlefs_image_node(img, BUNDLEFS_I(dir)->node);
	first = le32_to_cpu(d->first);
	count = le32_to_cpu(d->count);
	for (i = ctx->pos - 2; i < count; i++, ctx->pos++) {
		u32 index = first + (u32)i;
		const struct bundlefs_node *c = bundlefs_image_node(img, index);

		if (!dir_emit(ctx, bundlefs_node_name(img, c),
			      le16_to_cpu(c->name_len), (u64)index + 1,
			      bundlefs_dtype(c->kind)))
			break;
	}
	return 0;
}

const struct file_operations bundlefs_dir_fops = {
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= bundlefs_readdir,
	.unlocked_ioctl	= bundlefs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
