// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: BUNDLEFS_IOC_LOAD, which copies a manifest image in, validates
 * it once and publishes it.  One image per mount, for the mount's life.
 */
#include "internal.h"
#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/*
 * Validate an image already copied into the kernel (@buf, kvmalloc'ed,
 * from now on ours: freed here on failure) and publish it on @sb.
 */
static int bundlefs_publish(struct super_block *sb, void *buf, u64 size)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct inode *root = d_inode(sb->s_root);
	struct bundlefs_loaded *l;
	char why[BUNDLEFS_WHY_MAX];
	int err;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		kvfree(buf);
		return -ENOMEM;
	}
	/* the copy is ours: user space cannot change it after this check */
	if (bundlefs_image_parse(&l->img, buf, size, why)) {
		/* the exact form tools and tests look for: keep it */
		pr_warn_ratelimited("rejected image: %s\n", why);
		goto invalid;
	}
	/* a folio must never straddle two objects (see data.c) */
	if (l->img.chunk_shift < PAGE_SHIFT) {
		pr_warn_ratelimited("rejected image: chunk shift %u below the page size\n",
				    l->img.chunk_shift);
		goto invalid;
	}
	l->buf = buf;
	l->load_time = current_time(d_inode(sb->s_root));

	mutex_lock(&sbi->load_lock);
	if (sbi->loaded || sbi->dead) {
		mutex_unlock(&sbi->load_lock);
		err = -EBUSY;
		goto out_free;
	}
	/* an upper directory of another image: refused, nothing changed */
	if (sbi->upper) {
		err = bundlefs_upper_bind(sb, &l->img, buf, size);
		if (err) {
			mutex_unlock(&sbi->load_lock);
			goto out_free;
		}
	}
	/*
	 * Nothing below the root can be reached before the image is there,
	 * and lookups in the root wait for its lock: the upper directory's
	 * journal is replayed with no other user.
	 */
	inode_lock(root);
	/* pairs with smp_load_acquire() in bundlefs_loaded() */
	smp_store_release(&sbi->loaded, l);
	bundlefs_root_loaded(root);
	if (sbi->upper) {
		err = bundlefs_upper_load(sb);
		if (err) {
			/*
			 * Inodes of the refused replay may be cached: the
			 * mount cannot take another image.  Unmount it.
			 */
			sbi->dead = true;
			inode_unlock(root);
			mutex_unlock(&sbi->load_lock);
			return err == -ENOMEM ? err : -EINVAL;
		}
	}
	inode_unlock(root);
	mutex_unlock(&sbi->load_lock);
	return 0;

invalid:
	err = -EINVAL;
out_free:
	kfree(l);
	kvfree(buf);
	return err;
}

/* Checks on the size that come before any allocation. */
static int bundlefs_check_size(struct super_block *sb, u64 size)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);

	if (size == 0) {
		/* same words as the validator, so one message covers it */
		pr_warn_ratelimited("rejected image: image of 0 bytes is shorter than its header\n");
		return -EINVAL;
	}
	if (size > sbi->max_image) {
		bundlefs_warn_rl(sb, "image of %llu bytes refused (max_image=%llu)",
				 size, sbi->max_image);
		return -EINVAL;
	}
	/* cheap early answer; the real check is under the lock */
	if (READ_ONCE(sbi->loaded))
		return -EBUSY;
	return 0;
}

/*
 * The load ioctl's path for an image in kernel memory: lets the KUnit
 * suites mount and load a bundle in-kernel through the same code.
 */
int bundlefs_load_kernel_image(struct super_block *sb, const void *image,
			       size_t size)
{
	void *buf;
	int err;

	err = bundlefs_check_size(sb, size);
	if (err)
		return err;
	buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, image, size);
	return bundlefs_publish(sb, buf, size);
}
BUNDLEFS_EXPORT_FOR_KUNIT(bundlefs_load_kernel_image);

static long bundlefs_ioc_load(struct file *file,
			      struct bundlefs_load __user *uarg)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct bundlefs_load arg;
	void *buf;
	long err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	err = bundlefs_check_size(sb, arg.size);
	if (err)
		return err;
	/*
	 * Copy and validate outside the lock: a racing second load only
	 * wastes its own work, and never makes the first one wait.
	 */
	buf = kvmalloc(arg.size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, u64_to_user_ptr(arg.image), arg.size)) {
		kvfree(buf);
		return -EFAULT;
	}
	return bundlefs_publish(sb, buf, arg.size);
}

long bundlefs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	/* these are properties of the mount, addressed through its root */
	if (file_inode(file) != d_inode(file_inode(file)->i_sb->s_root))
		return -ENOTTY;

	switch (cmd) {
	case BUNDLEFS_IOC_LOAD:
		return bundlefs_ioc_load(file, (void __user *)arg);
	case BUNDLEFS_IOC_CHANGES:
		return bundlefs_ioc_changes(file, (void __user *)arg);
	case BUNDLEFS_IOC_FETCH_ATTACH:
		return bundlefs_ioc_fetch_attach(file, (void __user *)arg);
	case BUNDLEFS_IOC_FETCH_STATS:
		return bundlefs_ioc_fetch_stats(file, (void __user *)arg);
	}
	return -ENOTTY;
}
