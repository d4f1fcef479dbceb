// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: mount options, the superblock and module setup.
 *
 * A mount starts as an empty read-only directory; BUNDLEFS_IOC_LOAD on its
 * root then publishes one manifest image, which stays until unmount.
 */
#include "internal.h"
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/seq_file.h>
#include <linux/statfs.h>
#include <linux/pagemap.h>

static struct kmem_cache *bundlefs_inode_cachep;

/* Options gathered by the fs_context until the superblock exists. */
struct bundlefs_fs_context {
	char *cache;
	char *upper;
	u64 max_image;
	kuid_t uid;
	kgid_t gid;
	bool ro;		/* the caller asked for a read-only mount */
	bool verify;
	u32 fetch_timeout;	/* seconds; 0: not given */
};

enum {
	Opt_cache, Opt_upper, Opt_max_image, Opt_uid, Opt_gid, Opt_verify,
	Opt_fetch_timeout,
};

static const struct fs_parameter_spec bundlefs_param_specs[] = {
	fsparam_string("cache", Opt_cache),
	fsparam_string("upper", Opt_upper),
	fsparam_string("max_image", Opt_max_image),
	fsparam_u32("uid", Opt_uid),
	fsparam_u32("gid", Opt_gid),
	fsparam_flag("verify", Opt_verify),
	fsparam_u32("fetch_timeout", Opt_fetch_timeout),
	{}
};

/*
 * A byte count with an optional K, M or G suffix.  Unlike memparse(), a
 * value too large for 64 bits is refused instead of wrapping around.
 */
static int bundlefs_parse_size(const char *s, u64 *out)
{
	unsigned int shift = 0;
	char num[24];
	size_t len = strlen(s);
	u64 val;

	if (len && strchr("kKmMgG", s[len - 1])) {
		shift = strchr("kK", s[len - 1]) ? 10 :
			strchr("mM", s[len - 1]) ? 20 : 30;
		len--;
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	if (kstrtoull(num, 0, &val) || val > (U64_MAX >> shift))
		return -EINVAL;
	*out = val << shift;
	return 0;
}

static int bundlefs_parse_param(struct fs_context *fc,
				struct fs_parameter *param)
{
	struct bundlefs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	unsigned long long val;
	int opt;

	opt = fs_parse(fc, bundlefs_param_specs, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case Opt_cache:
		if (!*param->string)
			return invalfc(fc, "cache= needs a directory");
		kfree(ctx->cache);
		ctx->cache = param->string;
		param->string = NULL;
		break;
	case Opt_upper:
		if (!*param->string)
			return invalfc(fc, "upper= needs a directory");
		kfree(ctx->upper);
		ctx->upper = param->string;
		param->string = NULL;
		/* a writable mount, unless the caller asked for ro */
		if (!ctx->ro)
			fc->sb_flags &= ~SB_RDONLY;
		break;
	case Opt_verify:
		ctx->verify = true;
		break;
	case Opt_uid:
		ctx->uid = make_kuid(current_user_ns(), result.uint_32);
		if (!uid_valid(ctx->uid))
			return invalfc(fc, "uid=%u is not mapped", result.uint_32);
		break;
	case Opt_gid:
		ctx->gid = make_kgid(current_user_ns(), result.uint_32);
		if (!gid_valid(ctx->gid))
			return invalfc(fc, "gid=%u is not mapped", result.uint_32);
		break;
	case Opt_fetch_timeout:
		if (result.uint_32 == 0 ||
		    result.uint_32 > BUNDLEFS_LIMIT_FETCH_TIMEOUT)
			return invalfc(fc, "fetch_timeout=%u out of range 1..%u",
				       result.uint_32,
				       BUNDLEFS_LIMIT_FETCH_TIMEOUT);
		ctx->fetch_timeout = result.uint_32;
		break;
	case Opt_max_image:
		if (bundlefs_parse_size(param->string, &val))
			return invalfc(fc, "max_image=%s is not a size",
				       param->string);
		if (val == 0 || val > BUNDLEFS_LIMIT_MAX_IMAGE)
			return invalfc(fc, "max_image=%llu out of range 1..%llu",
				       val, BUNDLEFS_LIMIT_MAX_IMAGE);
		ctx->max_image = val;
		break;
	}
	return 0;
}

static struct inode *bundlefs_alloc_inode(struct super_block *sb)
{
	struct bundlefs_inode *bi;

	bi = alloc_inode_sb(sb, bundlefs_inode_cachep, GFP_KERNEL);
	if (!bi)
		return NULL;
	bi->node = 0;
	bi->state = 0;
	bi->objects = NULL;
	bi->nr_objects = 0;
	INIT_LIST_HEAD(&bi->pin);
	bi->ents = NULL;
	memset(&bi->map, 0, sizeof(bi->map));
	bi->map_dirty = false;
	bi->lower_size = 0;
	bi->upper = NULL;
	return &bi->vfs_inode;
}

static void bundlefs_free_inode(struct inode *inode)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);

	/* a link made in this mount owns its target; the image's do not */
	if (S_ISLNK(inode->i_mode) && bi->node == BUNDLEFS_NO_NODE)
		kfree(inode->i_link);
	kmem_cache_free(bundlefs_inode_cachep, bi);
}

static void bundlefs_evict_inode(struct inode *inode)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	bundlefs_put_objects(bi);
	if (BUNDLEFS_SB(inode->i_sb)->upper)
		bundlefs_upper_forget(inode);
	bundlefs_rangemap_free(&bi->map);
	bundlefs_ents_free(bi);
}

/* Any change to an inode makes it differ from the image: keep it. */
static void bundlefs_dirty_inode(struct inode *inode, int flags)
{
	bundlefs_pin(inode);
}

static int bundlefs_sync_fs(struct super_block *sb, int wait)
{
	if (!BUNDLEFS_SB(sb)->upper)
		return 0;
	return bundlefs_upper_sync_fs(sb, wait);
}

static int bundlefs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	const struct bundlefs_image *img = bundlefs_img(sb);
	int err;

	if (BUNDLEFS_SB(sb)->upper) {
		/* the room left is the upper directory's */
		err = bundlefs_upper_statfs(sb, buf);
		if (err)
			return err;
		buf->f_type = BUNDLEFS_SUPER_MAGIC;
		buf->f_namelen = BUNDLEFS_NAME_MAX;
		buf->f_fsid = u64_to_fsid(huge_encode_dev(sb->s_dev));
		return 0;
	}
	buf->f_type = BUNDLEFS_SUPER_MAGIC;
	buf->f_bsize = PAGE_SIZE;
	buf->f_frsize = PAGE_SIZE;
	buf->f_blocks = img ? DIV_ROUND_UP_ULL(img->total_size, PAGE_SIZE) : 0;
	buf->f_bfree = 0;
	buf->f_bavail = 0;
	buf->f_files = img ? img->node_count : 1;
	buf->f_ffree = 0;
	buf->f_namelen = BUNDLEFS_NAME_MAX;
	buf->f_fsid = u64_to_fsid(huge_encode_dev(sb->s_dev));
	return 0;
}

static int bundlefs_show_options(struct seq_file *m, struct dentry *root)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(root->d_sb);

	seq_puts(m, ",cache=");
	/* escape what would split or end the option list */
	seq_path(m, &sbi->cache, ", \t\n\\");
	if (sbi->upper) {
		seq_puts(m, ",upper=");
		seq_path(m, &sbi->upper->dir, ", \t\n\\");
	}
	if (!uid_eq(sbi->uid, sbi->cred->fsuid))
		seq_printf(m, ",uid=%u", from_kuid_munged(&init_user_ns, sbi->uid));
	if (!gid_eq(sbi->gid, sbi->cred->fsgid))
		seq_printf(m, ",gid=%u", from_kgid_munged(&init_user_ns, sbi->gid));
	if (sbi->max_image != BUNDLEFS_DEFAULT_MAX_IMAGE)
		seq_printf(m, ",max_image=%llu", sbi->max_image);
	if (sbi->verify)
		seq_puts(m, ",verify");
	if (sbi->fetch_wait)
		seq_printf(m, ",fetch_timeout=%lu", sbi->fetch_timeout / HZ);
	return 0;
}

static const struct super_operations bundlefs_sops = {
	.alloc_inode	= bundlefs_alloc_inode,
	.free_inode	= bundlefs_free_inode,
	.evict_inode	= bundlefs_evict_inode,
	.dirty_inode	= bundlefs_dirty_inode,
	.write_inode	= bundlefs_write_inode,
	.sync_fs	= bundlefs_sync_fs,
	.statfs		= bundlefs_statfs,
	.show_options	= bundlefs_show_options,
};

static int bundlefs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct bundlefs_fs_context *ctx = fc->fs_private;
	struct bundlefs_sb_info *sbi;
	struct super_block *cache_sb;
	struct inode *root;
	int err;

	if (!ctx->cache)
		return invalfc(fc, "cache=DIR is required");

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	/* kill_sb frees sbi and whatever it holds, even on failure below */
	sb->s_fs_info = sbi;
	mutex_init(&sbi->load_lock);
	init_rwsem(&sbi->ns_lock);
	sbi->max_image = ctx->max_image;
	sbi->verify = ctx->verify;
	sbi->fetch_wait = ctx->fetch_timeout;
	sbi->fetch_timeout = (unsigned long)(ctx->fetch_timeout ?:
			     BUNDLEFS_DEFAULT_FETCH_TIMEOUT) * HZ;
	err = bundlefs_fetch_init(sb);
	if (err)
		return err;
	/*
	 * fc->cred is the mounter's (prepare_creds() when the context was
	 * made), which also covers fsopen() handed to another process.
	 */
	sbi->cred = get_cred(fc->cred);
	sbi->uid = uid_valid(ctx->uid) ? ctx->uid : sbi->cred->fsuid;
	sbi->gid = gid_valid(ctx->gid) ? ctx->gid : sbi->cred->fsgid;

	/* Resolved once: a later rename or mount over the path changes nothing. */
	err = kern_path(ctx->cache, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			&sbi->cache);
	if (err)
		return invalfc(fc, "cache=%s: error %d", ctx->cache, err);

	/*
	 * Reads recurse into the cache's filesystem; bound the depth as
	 * overlayfs and ecryptfs do so stacked mounts cannot exhaust the stack.
	 */
	cache_sb = sbi->cache.dentry->d_sb;
	sb->s_stack_depth = cache_sb->s_stack_depth + 1;
	if (sb->s_stack_depth > FILESYSTEM_MAX_STACK_DEPTH)
		return invalfc(fc, "cache=%s: filesystems stacked too deep",
			       ctx->cache);

	if (ctx->upper) {
		err = bundlefs_upper_open(sb, ctx->upper);
		if (err) {
			errorfc(fc, "upper=%s refused (error %d; see the kernel log)",
				ctx->upper, err);
			return err;
		}
		/* dirty data is bounded by this filesystem's own writeback */
		err = super_setup_bdi(sb);
		if (err)
			return err;
	} else {
		sb->s_flags |= SB_RDONLY;
	}
	/*
	 * SB_NOSEC: a write skips the set-user-ID and security.capability
	 * check on a file found clean once (a getxattr per write(2) before),
	 * until chmod or an xattr change marks it again, as on tmpfs.
	 */
	sb->s_flags |= SB_NOATIME | SB_NODIRATIME | SB_NOSEC;
	sb->s_magic = BUNDLEFS_SUPER_MAGIC;
	sb->s_op = &bundlefs_sops;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = NSEC_PER_USEC;	/* manifests keep microseconds */

	root = bundlefs_new_root(sb);
	if (IS_ERR(root))
		return PTR_ERR(root);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	return 0;
}

static int bundlefs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, bundlefs_fill_super);
}

static int bundlefs_reconfigure(struct fs_context *fc)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(fc->root->d_sb);

	/* the options of a live mount are kept as they are */
	if ((fc->sb_flags_mask & SB_RDONLY) && !(fc->sb_flags & SB_RDONLY) &&
	    !sbi->upper)
		return -EROFS;
	if ((fc->sb_flags_mask & SB_RDONLY) && (fc->sb_flags & SB_RDONLY) &&
	    sbi->upper)
		return -EINVAL;
	return 0;
}

static void bundlefs_free_fc(struct fs_context *fc)
{
	struct bundlefs_fs_context *ctx = fc->fs_private;

	if (ctx) {
		kfree(ctx->cache);
		kfree(ctx->upper);
		kfree(ctx);
	}
}

static const struct fs_context_operations bundlefs_context_ops = {
	.parse_param	= bundlefs_parse_param,
	.get_tree	= bundlefs_get_tree,
	.reconfigure	= bundlefs_reconfigure,
	.free		= bundlefs_free_fc,
};

static int bundlefs_init_fs_context(struct fs_context *fc)
{
	struct bundlefs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->max_image = BUNDLEFS_DEFAULT_MAX_IMAGE;
	ctx->uid = INVALID_UID;
	ctx->gid = INVALID_GID;
	fc->fs_private = ctx;
	fc->ops = &bundlefs_context_ops;
	/* a remount's flags are the caller's: reconfigure judges them */
	if (fc->purpose == FS_CONTEXT_FOR_MOUNT) {
		ctx->ro = fc->sb_flags & SB_RDONLY;
		fc->sb_flags |= SB_RDONLY;
	}
	return 0;
}

static void bundlefs_free_loaded(struct rcu_head *head)
{
	struct bundlefs_loaded *l = container_of(head, struct bundlefs_loaded,
						 rcu);

	kvfree(l->buf);
	kfree(l);
}

static void bundlefs_kill_sb(struct super_block *sb)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);

	/* a writable mount writes back and lets go of its pinned inodes */
	if (sbi && sbi->upper && sbi->loaded)
		bundlefs_upper_shutdown(sb);
	/* evicts every inode, and with them the opened objects, first */
	kill_anon_super(sb);
	if (!sbi)
		return;
	bundlefs_upper_free(sb);
	bundlefs_fetch_shutdown(sb);
	/*
	 * An RCU path walk may still be reading a symlink body (i_link points
	 * into the image) of this mount; the module's exit waits for this
	 * with rcu_barrier().
	 */
	if (sbi->loaded)
		call_rcu(&sbi->loaded->rcu, bundlefs_free_loaded);
	path_put(&sbi->cache);
	if (sbi->cred)
		put_cred(sbi->cred);
	mutex_destroy(&sbi->load_lock);
	kfree(sbi);
}

static struct file_system_type bundlefs_fs_type = {
	.owner		= THIS_MODULE,
	.name		= "bundlefs",
	.init_fs_context = bundlefs_init_fs_context,
	.parameters	= bundlefs_param_specs,
	.kill_sb	= bundlefs_kill_sb,
	/* not FS_USERNS_MOUNT: objects are opened with the mounter's creds */
};
MODULE_ALIAS_FS("bundlefs");

static void bundlefs_inode_init_once(void *p)
{
	struct bundlefs_inode *bi = p;

	inode_init_once(&bi->vfs_inode);
	mutex_init(&bi->lock);
}

static int __init bundlefs_init(void)
{
	int err;

	bundlefs_inode_cachep =
		kmem_cache_create("bundlefs_inode",
				  sizeof(struct bundlefs_inode), 0,
				  SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
				  bundlefs_inode_init_once);
	if (!bundlefs_inode_cachep)
		return -ENOMEM;

	err = register_filesystem(&bundlefs_fs_type);
	if (err)
		goto out_cache;
	return 0;

out_cache:
	kmem_cache_destroy(bundlefs_inode_cachep);
	return err;
}

static void __exit bundlefs_exit(void)
{
	unregister_filesystem(&bundlefs_fs_type);
	/*
	 * free_inode and the freeing of images run after an RCU grace
	 * period: let them all finish
	 */
	rcu_barrier();
	kmem_cache_destroy(bundlefs_inode_cachep);
}

module_init(bundlefs_init);
module_exit(bundlefs_exit);

MODULE_DESCRIPTION("bundlefs: job-bundle manifests over a content-addressed cache, with a writable upper directory");
MODULE_LICENSE("GPL");
