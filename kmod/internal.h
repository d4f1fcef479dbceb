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
#include <linux/rwsem.h>
#include <linux/rcupdate.h>
#include <linux/time64.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/xarray.h>
#include <linux/spinlock.h>
#include <linux/statfs.h>
#include "image.h"
#include "rangemap.h"
#include "journal.h"
#include "compat.h"

/* Default and ceiling of the max_image= mount option. */
#define BUNDLEFS_DEFAULT_MAX_IMAGE	(256ULL << 20)
#define BUNDLEFS_LIMIT_MAX_IMAGE	(1ULL << 30)

/* Default and ceiling of the fetch_timeout= mount option, in seconds. */
#define BUNDLEFS_DEFAULT_FETCH_TIMEOUT	60
#define BUNDLEFS_LIMIT_FETCH_TIMEOUT	86400

/* The root directory is node 0, and node i is inode i + 1. */
#define BUNDLEFS_ROOT_INO	1

/* bundlefs_inode.node of an inode created in the mount: no image node. */
#define BUNDLEFS_NO_NODE	BUNDLEFS_JNO_NODE

/*
 * The upper directory of a writable mount (upper.c): the journal of
 * namespace and attribute changes, and one sparse data file per inode
 * whose bytes left the manifest's objects.
 */
struct bundlefs_upper {
	struct path dir;
	struct file *journal;		/* NULL until the image is loaded */
	loff_t journal_pos;		/* where the next flush appends */
	struct mutex journal_lock;	/* jbuf, journal and journal_pos */
	struct bundlefs_jbuf jbuf;	/* entries not yet in the file */
	bool must_compact;		/* an entry was lost: rewrite it all */
	bool claimed;			/* on the busy list: ours to release */
	spinlock_t pin_lock;
	struct list_head pinned;	/* inodes that differ from the image */
	atomic64_t next_ino;		/* for inodes created in the mount */
	u64 image_hash;			/* xxh64 of the image, binds the journal */
	void *replay_buf;		/* the journal read by bind, for load */
	u64 replay_size;
	u32 replay_used;		/* bytes of its header entry */
};

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
	bool verify;			/* hash each object on first open */
	struct bundlefs_fetch *fetch;	/* the fetch daemon's channel state */
	unsigned long fetch_timeout;	/* jiffies a read waits for a fetch */
	bool fetch_wait;		/* fetch_timeout= given: wait for a daemon */
	kuid_t uid;			/* owner of every manifest entry */
	kgid_t gid;
	struct bundlefs_upper *upper;	/* NULL: a read-only mount */
	struct timespec64 mount_time;	/* root's times until an image loads */
	struct mutex load_lock;		/* serializes publishing the image */
	/* namespace changes hold it shared, the changes report exclusive */
	struct rw_semaphore ns_lock;
	/*
	 * NULL until BUNDLEFS_IOC_LOAD publishes it with smp_store_release();
	 * read it with bundlefs_loaded() and it never changes afterwards.
	 */
	struct bundlefs_loaded *loaded;
	bool dead;			/* an upper directory was refused */
};

/* Bits of bundlefs_inode.state. */
enum {
	BUNDLEFS_OWN_CACHE,	/* reads use our page cache, for good */
	BUNDLEFS_UPPER_CHECKED,	/* data from an earlier mount looked for */
};

struct bundlefs_inode {
	u32 node;			/* index in the image's node table */
	unsigned long state;		/* BUNDLEFS_OWN_CACHE, ... */
	/*
	 * Regular files: one opened object per chunk, NULL until first read.
	 * The array is allocated on first read and installed with cmpxchg();
	 * each slot likewise.  Released in evict_inode.
	 */
	struct file **objects;
	u32 nr_objects;

	/* Writable mounts only; see write.c and overlay.c. */
	struct list_head pin;		/* on upper->pinned while pinned */
	struct bundlefs_dirents *ents;	/* directory: changed entries */
	struct mutex lock;		/* map, lower_size, upper */
	struct bundlefs_rangemap map;	/* image file: pages held in upper */
	bool map_dirty;			/* map changed since journaled */
	u64 lower_size;			/* bytes that may come from objects */
	struct file *upper;		/* data file, opened on first use */
	struct inode vfs_inode;
};

/* A changed name in a directory: a new inode, or a whiteout (ino 0). */
struct bundlefs_dirent {
	struct rb_node rb;		/* in bundlefs_dirents.by_name */
	u64 ino;
	u32 pos;			/* positive: index in by_pos */
	u8 dtype;
	bool hides_image;		/* the image has a child of this name */
	u16 len;
	char name[];
};

struct bundlefs_dirents {
	struct rb_root by_name;
	struct xarray by_pos;		/* positive entries, readdir order */
	u32 next_pos;
	u32 img_hidden;			/* image children hidden by an entry */
	u32 nr_pos;			/* positive entries */
};

/* An entry change prepared (allocated) before anything is changed. */
struct bundlefs_slot {
	struct bundlefs_dirent *e;
	u32 pos;
	bool reserved;
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

/* The image node of a regular file, NULL for one made in this mount. */
static inline const struct bundlefs_node *bundlefs_file_node(struct inode *inode)
{
	u32 node = BUNDLEFS_I(inode)->node;

	return node == BUNDLEFS_NO_NODE ? NULL :
	       bundlefs_image_node(bundlefs_img(inode->i_sb), node);
}

/*
 * Whether reads of a regular file go straight to its objects (passthrough.c).
 * Acquire: pairs with the barrier after the bit is set in
 * bundlefs_own_cache(), so that a read that starts after a write completed
 * sees the switch.
 */
static inline bool bundlefs_passthrough(struct inode *inode)
{
	return !test_bit_acquire(BUNDLEFS_OWN_CACHE, &BUNDLEFS_I(inode)->state);
}

#define bundlefs_err(sb, fmt, ...)					\
	pr_err("(dev %u:%u) %s: " fmt "\n", MAJOR((sb)->s_dev),		\
	       MINOR((sb)->s_dev), __func__, ##__VA_ARGS__)
#define bundlefs_warn_rl(sb, fmt, ...)					\
	pr_warn_ratelimited("(dev %u:%u) " fmt "\n", MAJOR((sb)->s_dev),	\
			    MINOR((sb)->s_dev), ##__VA_ARGS__)

/* inode.c */
struct inode *bundlefs_iget(struct super_block *sb, u32 node);
struct inode *bundlefs_iget_ino(struct super_block *sb, u64 ino);
struct inode *bundlefs_new_inode(struct super_block *sb, umode_t mode,
				 u64 ino);
void bundlefs_set_ops(struct inode *inode);
struct inode *bundlefs_new_root(struct super_block *sb);
void bundlefs_root_loaded(struct inode *root);

/* namei.c */
struct dentry *bundlefs_lookup(struct inode *dir, struct dentry *dentry,
			       unsigned int flags);

/* overlay.c */
extern const struct inode_operations bundlefs_dir_iops;
extern const struct inode_operations bundlefs_file_iops;
extern const struct inode_operations bundlefs_symlink_iops;
struct bundlefs_dirent *bundlefs_dirent_find(struct bundlefs_dirents *ents,
					     const char *name, u32 len);
int bundlefs_slot_prepare(struct inode *dir, const char *name, u32 len,
			  struct bundlefs_slot *slot);
void bundlefs_slot_release(struct inode *dir, struct bundlefs_slot *slot);
void bundlefs_ents_set(struct inode *dir, struct bundlefs_slot *slot,
		       u64 ino, u8 dtype);
void bundlefs_ents_remove(struct inode *dir, struct bundlefs_slot *slot);
void bundlefs_ents_free(struct bundlefs_inode *bi);
u32 bundlefs_dir_image_count(struct inode *dir);
u8 bundlefs_mode_dtype(umode_t mode);
int bundlefs_setattr(bundlefs_idmap_t *idmap, struct dentry *dentry,
		     struct iattr *attr);

/* dir.c */
extern const struct file_operations bundlefs_dir_fops;

/* data.c */
extern const struct address_space_operations bundlefs_aops;
extern const struct file_operations bundlefs_file_fops;
void bundlefs_put_objects(struct bundlefs_inode *bi);
struct file *bundlefs_chunk_object(struct inode *inode,
				   const struct bundlefs_chunk_pos *cp, bool quiet);
void bundlefs_warn_short(struct inode *inode, u32 chunk, u64 at, ssize_t n);
int bundlefs_fill_folio_locked(struct inode *inode, struct folio *folio);
/* the read side of bundlefs_rw_aops too */
int bundlefs_read_folio(struct file *file, struct folio *folio);
void bundlefs_readahead(struct readahead_control *rac);

/* passthrough.c */
void bundlefs_own_cache(struct inode *inode);
int bundlefs_file_open(struct inode *inode, struct file *file);
ssize_t bundlefs_file_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t bundlefs_file_splice_read(struct file *in, loff_t *ppos,
				  struct pipe_inode_info *pipe, size_t len,
				  unsigned int flags);
int bundlefs_file_mmap(struct file *file, struct vm_area_struct *vma);

/* fetch.c */
int bundlefs_fetch_init(struct super_block *sb);
void bundlefs_fetch_shutdown(struct super_block *sb);
void bundlefs_fetch_count(struct super_block *sb, bool hit);
void bundlefs_fetch_count_failed(struct super_block *sb);
int bundlefs_fetch_object(struct super_block *sb,
			  const struct bundlefs_digest *d, u64 length);
long bundlefs_ioc_fetch_attach(struct file *file,
			       struct bundlefs_fetch_attach __user *uarg);
long bundlefs_ioc_fetch_stats(struct file *file,
			      struct bundlefs_fetch_stats __user *uarg);

/* write.c */
extern const struct address_space_operations bundlefs_rw_aops;
extern const struct file_operations bundlefs_file_rw_fops;
int bundlefs_truncate(struct inode *inode, loff_t size);

/* changes.c */
long bundlefs_ioc_changes(struct file *file,
			  struct bundlefs_changes __user *uarg);

/* upper.c */
int bundlefs_upper_open(struct super_block *sb, const char *name);
int bundlefs_upper_bind(struct super_block *sb, const struct bundlefs_image *img,
			const void *image, u64 size);
int bundlefs_upper_load(struct super_block *sb);
void bundlefs_upper_shutdown(struct super_block *sb);
void bundlefs_upper_free(struct super_block *sb);
void bundlefs_pin(struct inode *inode);
void bundlefs_unpin(struct inode *inode);
struct file *bundlefs_upper_file(struct inode *inode, bool create);
void bundlefs_upper_forget(struct inode *inode);
void bundlefs_jbegin(struct super_block *sb);
void bundlefs_jinode(struct super_block *sb, struct inode *inode);
void bundlefs_jmap(struct super_block *sb, struct inode *inode);
void bundlefs_jlink(struct super_block *sb, struct inode *dir,
		    const struct qstr *name, struct inode *inode);
void bundlefs_junlink(struct super_block *sb, struct inode *dir,
		      const struct qstr *name);
void bundlefs_jtarget(struct super_block *sb, struct inode *inode);
void bundlefs_jend(struct super_block *sb);
int bundlefs_jsync(struct super_block *sb, bool wait);
int bundlefs_upper_statfs(struct super_block *sb, struct kstatfs *buf);
int bundlefs_upper_sync_fs(struct super_block *sb, int wait);
int bundlefs_write_inode(struct inode *inode, struct writeback_control *wbc);
void bundlefs_enc_inode(struct bundlefs_jbuf *b, struct inode *inode);
void bundlefs_enc_map(struct bundlefs_jbuf *b, struct inode *inode);
void bundlefs_enc_target(struct bundlefs_jbuf *b, struct inode *inode);
void bundlefs_enc_link(struct bundlefs_jbuf *b, u64 dir, const char *name,
		       u32 len, u64 ino, u8 dtype);
void bundlefs_enc_unlink(struct bundlefs_jbuf *b, u64 dir, const char *name,
			 u32 len);
int bundlefs_jwrite(struct bundlefs_jbuf *b, struct file *f, loff_t *pos);

/* ioctl.c */
long bundlefs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int bundlefs_load_kernel_image(struct super_block *sb, const void *image,
			       size_t size);

#endif /* _BUNDLEFS_INTERNAL_H */
