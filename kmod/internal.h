/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bundlefs: in-memory structures and the prototypes shared between the
 * files of the module.  Include this first: it sets pr_fmt.
 */
#ifndef _BUNDLEFS_INTERNAL_H
#define _BUNDLEFS_INTERNAL_H

#define pr_fmt(fmt) "bundlefs: " fmt

#include <linux/fs.h>
#include <linux/path.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/time64.h>
#include "image.h"
#include "compat.h"

/* Default and ceiling of the max_image= mount option. */
#define BUNDLEFS_DEFAULT_MAX_IMAGE	(256ULL << 20)
#define BUNDLEFS_LIMIT_MAX_IMAGE	(1ULL << 30)

/* The root directory is node 0, and node i is inode i + 1. */
#define BUNDLEFS_ROOT_INO	1

/* A loaded image: immutable from the moment it is published. */
struct bundlefs_loaded {
	struct bundlefs_image img;
	void *buf;			/* kvmalloc'ed copy, img points into it */
	struct timespec64 load_time;	/* mtime of every directory */
	/*
	 * Symlink bodies point into buf and are followed in RCU-walk mode,
	 * which holds no reference on the mount: free it after a grace period.
	 */
	struct rcu_head rcu;
};

struct bundlefs_sb_info {
	struct path cache;		/* pinned at mount, objects live under it */
	const struct cred *cred;	/* the mounter's, used to open objects */
	u64 max_image;
	struct timespec64 mount_time;	/* root's times until an image loads */
	struct mutex load_lock;		/* serializes publishing the image */
	/*
	 * NULL until BUNDLEFS_IOC_LOAD publishes it with smp_store_release();
	 * read it with bundlefs_loaded() and it never changes afterwards.
	 */
	struct bundlefs_loaded *loaded;
};

struct bundlefs_inode {
	u32 node;			/* index in the image's node table */
	/*
	 * Regular files: one opened object per chunk, NULL until first read.
	 * The array is allocated on first read and installed with cmpxchg();
	 * each slot likewise.  Released in evict_inode.
	 */
	struct file **objects;
	u32 nr_objects;
	struct inode vfs_inode;
};

static inline struct bundlefs_sb_info *BUNDLEFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct bundlefs_inode *BUNDLEFS_I(struct inode *inode)
{
	return container_of(inode, struct bundlefs_inode, vfs_inode);
}

static inline struct bundlefs_loaded *bundlefs_loaded(struct super_block *sb)
{
	/* pairs with the smp_store_release() in the load ioctl */
	return smp_load_acquire(&BUNDLEFS_SB(sb)->loaded);
}

/*
 * The image of an inode that came from it: every inode but the root of an
 * empty mount, so callers that are not the root may rely on a result.
 */
static inline const struct bundlefs_image *bundlefs_img(struct super_block *sb)
{
	struct bundlefs_loaded *l = bundlefs_loaded(sb);

	return l ? &l->img : NULL;
}

#define bundlefs_err(sb, fmt, ...)					\
	pr_err("(dev %u:%u) %s: " fmt "\n", MAJOR((sb)->s_dev),		\
	       MINOR((sb)->s_dev), __func__, ##__VA_ARGS__)
#define bundlefs_warn_rl(sb, fmt, ...)					\
	pr_warn_ratelimited("(dev %u:%u) " fmt "\n", MAJOR((sb)->s_dev),	\
			    MINOR((sb)->s_dev), ##__VA_ARGS__)

/* inode.c */
struct inode *bundlefs_iget(struct super_block *sb, u32 node);
struct inode *bundlefs_new_root(struct super_block *sb);
void bundlefs_root_loaded(struct inode *root);

/* namei.c */
extern const struct inode_operations bundlefs_dir_iops;

/* dir.c */
extern const struct file_operations bundlefs_dir_fops;

/* data.c */
extern const struct address_space_operations bundlefs_aops;
extern const struct file_operations bundlefs_file_fops;
void bundlefs_put_objects(struct bundlefs_inode *bi);

/* ioctl.c */
long bundlefs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int bundlefs_load_kernel_image(struct super_block *sb, const void *image,
			       size_t size);

#endif /* _BUNDLEFS_INTERNAL_H */
