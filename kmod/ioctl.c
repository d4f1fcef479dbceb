// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: BUNDLEFS_IOC_LOAD, which copies a manifest image in, validates
 * it once and publishes it.  One image per mount, for the mount's life.
 */
#include "internal.h"
#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

static long bundlefs_ioc_load(struct file *file,
			      struct bundlefs_load __user *uarg)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_load arg;
	struct bundlefs_loaded *l;
	char why[BUNDLEFS_WHY_MAX];
	long err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (arg.size == 0) {
		/* same words as the validator, so one message covers it */
		pr_warn_ratelimited("rejected image: image of 0 bytes is shorter than its header\n");
		return -EINVAL;
	}
	if (arg.size > sbi->max_image) {
		bundlefs_warn_rl(sb, "image of %llu bytes refused (max_image=%llu)",
				 arg.size, sbi->max_image);
		return -EINVAL;
	}
	/* cheap early answer; the real check is under the lock below */
	if (READ_ONCE(sbi->loaded))
		return -EBUSY;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	/*
	 * Copy and validate outside the lock: a racing second load only
	 * wastes its own work, and never makes the first one wait.
	 */
	l->buf = kvmalloc(arg.size, GFP_KERNEL_ACCOUNT);
	if (!l->buf) {
		err = -ENOMEM;
		goto out_free;
	}
	if (copy_from_user(l->buf, u64_to_user_ptr(arg.image), arg.size)) {
		err = -EFAULT;
		goto out_free_buf;
	}
	/* the copy is ours: user space cannot change it after this check */
	if (bundlefs_image_parse(&l->img, l->buf, arg.size, why)) {
		/* the exact form tools and tests look for: keep it */
		pr_warn_ratelimited("rejected image: %s\n", why);
		err = -EINVAL;
		goto out_free_buf;
	}
	/* a folio must never straddle two objects (see data.c) */
	if (l->img.chunk_shift < PAGE_SHIFT) {
		bundlefs_warn_rl(sb, "rejected image: chunk shift %u below the page size",
				 l->img.chunk_shift);
		err = -EINVAL;
		goto out_free_buf;
	}
	l->load_time = current_time(file_inode(file));

	mutex_lock(&sbi->load_lock);
	if (sbi->loaded) {
		mutex_unlock(&sbi->load_lock);
		err = -EBUSY;
		goto out_free_buf;
	}
	/* pairs with smp_load_acquire() in bundlefs_loaded() */
	smp_store_release(&sbi->loaded, l);
	bundlefs_root_loaded(d_inode(sb->s_root));
	mutex_unlock(&sbi->load_lock);
	return 0;

out_free_buf:
	kvfree(l->buf);
out_free:
	kfree(l);
	return err;
}

long bundlefs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	/* loading is a property of the mount, addressed through its root */
	if (file_inode(file) != d_inode(file_inode(file)->i_sb->s_root))
		return -ENOTTY;

	switch (cmd) {
	case BUNDLEFS_IOC_LOAD:
		return bundlefs_ioc_load(file, (void __user *)arg);
	}
	return -ENOTTY;
}
