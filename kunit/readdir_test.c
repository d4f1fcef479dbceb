// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for readdir positions through the VFS: a bundlefs mount made
 * in the kernel, an image loaded into it, and iterate_dir() on its
 * directories.  Position 2 + i is child i: it must survive a listing split
 * over several calls and an llseek() to any position.
 *
 * Loading needs bundlefs_load_kernel_image() (the load ioctl's path for a
 * kernel buffer), exported by bundlefs.ko on kernels with KUnit; it is
 * looked up at run time, and every case fails when it is missing.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/string.h>
#include "builder.h"

int bundlefs_load_kernel_image(struct super_block *sb, const void *image,
			       size_t size);

#define MAX_SEEN 16

struct seen {
	struct dir_context ctx;
	int n, stop_after;
	char name[MAX_SEEN][16];
	loff_t pos[MAX_SEEN];
	u64 ino[MAX_SEEN];
	unsigned int type[MAX_SEEN];
};

static bool record(struct dir_context *ctx, const char *name, int len,
		   loff_t pos, u64 ino, unsigned int type)
{
	struct seen *s = container_of(ctx, struct seen, ctx);

	if (s->n == MAX_SEEN || s->n == s->stop_after)
		return false;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%.*s", len, name);
	s->pos[s->n] = pos;
	s->ino[s->n] = ino;
	s->type[s->n] = type;
	s->n++;
	return true;
}

struct rd_ctx {
	struct vfsmount *mnt;
	struct file *root;
	typeof(&bundlefs_load_kernel_image) load;
};

/* Mount bundlefs with the sample image (builder.h) and open its root. */
static int rd_init(struct kunit *test)
{
	struct file_system_type *type;
	struct rd_ctx *rc;
	struct bft_image img;
	struct path root;
	char opts[] = "cache=/";
	int err;

	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return -ENOMEM;
	test->priv = rc;
	rc->load = symbol_get(bundlefs_load_kernel_image);
	if (!rc->load) {
		kunit_err(test, "bundlefs.ko does not export bundlefs_load_kernel_image\n");
		return -ENOENT;
	}

	type = get_fs_type("bundlefs");
	if (!type)
		return -ENODEV;
	rc->mnt = vfs_kern_mount(type, SB_RDONLY, "none", opts);
	module_put(type->owner);
	if (IS_ERR(rc->mnt)) {
		err = PTR_ERR(rc->mnt);
		rc->mnt = NULL;
		return err;
	}
	bft_build_sample(test, &img);
	err = rc->load(rc->mnt->mnt_sb, img.buf, img.size);
	if (err)
		return err;
	root.mnt = rc->mnt;
	root.dentry = rc->mnt->mnt_root;
	rc->root = dentry_open(&root, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(rc->root)) {
		err = PTR_ERR(rc->root);
		rc->root = NULL;
		return err;
	}
	return 0;
}

static void rd_exit(struct kunit *test)
{
	struct rd_ctx *rc = test->priv;

	if (rc->root)
		fput(rc->root);
	if (rc->mnt)
		kern_unmount(rc->mnt);
	if (rc->load)
		symbol_put(bundlefs_load_kernel_image);
}

static struct file *rd_root(struct kunit *test)
{
	struct rd_ctx *rc = test->priv;

	return rc->root;
}

static void list(struct kunit *test, struct file *dir, struct seen *s,
		 int stop_after)
{
	memset(s, 0, sizeof(*s));
	s->ctx.actor = record;
	s->stop_after = stop_after;
	KUNIT_ASSERT_EQ(test, iterate_dir(dir, &s->ctx), 0);
}

/* The root of the sample: ".", "..", bin, empty, file, link. */
static const char *const root_names[] = {
	".", "..", "bin", "empty", "file", "link",
};

static void readdir_whole(struct kunit *test)
{
	static const unsigned int types[] = {
		DT_DIR, DT_DIR, DT_DIR, DT_DIR, DT_REG, DT_LNK,
	};
	struct file *dir = rd_root(test);
	struct seen s;
	int i;

	list(test, dir, &s, -1);
	KUNIT_ASSERT_EQ(test, s.n, (int)ARRAY_SIZE(root_names));
	for (i = 0; i < s.n; i++) {
		KUNIT_EXPECT_STREQ(test, s.name[i], root_names[i]);
		KUNIT_EXPECT_EQ(test, s.pos[i], (loff_t)i);
		KUNIT_EXPECT_EQ(test, s.type[i], types[i]);
		if (i >= 2)	/* node index + 1: bin is node 1 */
			KUNIT_EXPECT_EQ(test, s.ino[i], (u64)i);
	}
	/* at the end: nothing more */
	list(test, dir, &s, -1);
	KUNIT_EXPECT_EQ(test, s.n, 0);
}

/* One entry per call: each call resumes exactly where the last stopped. */
static void readdir_one_per_call(struct kunit *test)
{
	struct file *dir = rd_root(test);
	struct seen s;
	int i;

	for (i = 0; i < ARRAY_SIZE(root_names); i++) {
		list(test, dir, &s, 1);
		KUNIT_ASSERT_EQ(test, s.n, 1);
		KUNIT_EXPECT_STREQ(test, s.name[0], root_names[i]);
		KUNIT_EXPECT_EQ(test, dir->f_pos, (loff_t)i + 1);
	}
	list(test, dir, &s, 1);
	KUNIT_EXPECT_EQ(test, s.n, 0);
}

/* llseek to every position, and past the end. */
static void readdir_seek(struct kunit *test)
{
	struct file *dir = rd_root(test);
	struct seen s;
	loff_t pos;

	for (pos = ARRAY_SIZE(root_names) - 1; pos >= 0; pos--) {
		KUNIT_ASSERT_EQ(test, vfs_llseek(dir, pos, SEEK_SET), pos);
		list(test, dir, &s, -1);
		KUNIT_ASSERT_EQ(test, s.n, (int)ARRAY_SIZE(root_names) - (int)pos);
		KUNIT_EXPECT_STREQ(test, s.name[0], root_names[pos]);
		KUNIT_EXPECT_EQ(test, s.pos[0], pos);
	}
	KUNIT_ASSERT_EQ(test, vfs_llseek(dir, 100, SEEK_SET), 100LL);
	list(test, dir, &s, -1);
	KUNIT_EXPECT_EQ(test, s.n, 0);
}

static struct kunit_case bundlefs_readdir_cases[] = {
	KUNIT_CASE(readdir_whole),
	KUNIT_CASE(readdir_one_per_call),
	KUNIT_CASE(readdir_seek),
	{}
};

static struct kunit_suite bundlefs_readdir_suite = {
	.name = "bundlefs_readdir",
	.init = rd_init,
	.exit = rd_exit,
	.test_cases = bundlefs_readdir_cases,
};

kunit_test_suites(&bundlefs_readdir_suite);
