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

/*
 * Positions: 2 + i is child i of the image directory (skipped when an entry
 * of this mount hides it), then 2 + count + pos the entries made here, in
 * the order they were made.
 */
static int bundlefs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	const struct bundlefs_image *img = bundlefs_img(dir->i_sb);
	struct bundlefs_dirents *ents = BUNDLEFS_I(dir)->ents;
	struct bundlefs_dirent *e;
	unsigned long pos;
	u32 first = 0, count;
	loff_t i;

	if (!dir_emit_dots(file, ctx))
		return 0;
	/* the root of a mount without an image is empty */
	if (!img)
		return 0;

	count = bundlefs_dir_image_count(dir);
	if (count)
		first = le32_to_cpu(bundlefs_image_node(img, BUNDLEFS_I(dir)->node)->first);
	for (i = ctx->pos - 2; i < count; i++, ctx->pos++) {
		u32 index = first + (u32)i;
		const struct bundlefs_node *c = bundlefs_image_node(img, index);
		const char *name = bundlefs_node_name(img, c);
		u16 len = le16_to_cpu(c->name_len);

		if (ents && bundlefs_dirent_find(ents, name, len))
			continue;
		if (!dir_emit(ctx, name, len, (u64)index + 1,
			      bundlefs_dtype(c->kind)))
			return 0;
	}
	if (!ents)
		return 0;
	xa_for_each_start(&ents->by_pos, pos, e, ctx->pos - 2 - count) {
		ctx->pos = 2 + count + pos;
		if (!dir_emit(ctx, e->name, e->len, e->ino, e->dtype))
			return 0;
	}
	ctx->pos = 2 + (loff_t)count + ents->next_pos;
	return 0;
}

/* A directory's changes are in the journal: make it durable. */
static int bundlefs_dir_fsync(struct file *file, loff_t start, loff_t end,
			      int datasync)
{
	struct super_block *sb = file_inode(file)->i_sb;

	if (!BUNDLEFS_SB(sb)->upper)
		return 0;
	return bundlefs_jsync(sb, true);
}

const struct file_operations bundlefs_dir_fops = {
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= bundlefs_readdir,
	.fsync		= bundlefs_dir_fsync,
	.unlocked_ioctl	= bundlefs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
