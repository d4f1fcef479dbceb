// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the mutable namespace of a writable mount, over the immutable
 * image.  A directory whose entries changed keeps them in a small set of
 * its own (struct bundlefs_dirents): a name either names an inode, new or
 * moved from elsewhere in the image, or is a whiteout that hides the image
 * child of that name.  Lookup and readdir consult that set first.  Every
 * change is applied in memory and appended to the journal (upper.c); the
 * VFS holds the directories' i_rwsem around all of it.
 *
 * Hard links are not supported (no ->link: EPERM), so an inode has one
 * name, which keeps the diff export a walk of paths.
 */
#include "internal.h"
#include <linux/slab.h>
#include <linux/namei.h>

u8 bundlefs_mode_dtype(umode_t mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

static int bundlefs_name_cmp(const char *a, u32 alen, const char *b, u32 blen)
{
	int c = memcmp(a, b, min(alen, blen));

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

struct bundlefs_dirent *bundlefs_dirent_find(struct bundlefs_dirents *ents,
					     const char *name, u32 len)
{
	struct rb_node *n = ents ? ents->by_name.rb_node : NULL;

	while (n) {
		struct bundlefs_dirent *e = rb_entry(n, struct bundlefs_dirent,
						     rb);
		int c = bundlefs_name_cmp(name, len, e->name, e->len);

		if (c < 0)
			n = n->rb_left;
		else if (c > 0)
			n = n->rb_right;
		else
			return e;
	}
	return NULL;
}

/* Children of @dir in the image (none for a directory made here). */
u32 bundlefs_dir_image_count(struct inode *dir)
{
	const struct bundlefs_image *img = bundlefs_img(dir->i_sb);
	u32 node = BUNDLEFS_I(dir)->node;

	if (!img || node == BUNDLEFS_NO_NODE)
		return 0;
	return le32_to_cpu(bundlefs_image_node(img, node)->count);
}

static bool bundlefs_image_has(struct inode *dir, const char *name, u32 len)
{
	const struct bundlefs_image *img = bundlefs_img(dir->i_sb);
	u32 node = BUNDLEFS_I(dir)->node;

	return img && node != BUNDLEFS_NO_NODE &&
	       bundlefs_image_lookup(img, node, name, len) != 0;
}

static bool bundlefs_dir_empty(struct inode *dir)
{
	struct bundlefs_dirents *ents = BUNDLEFS_I(dir)->ents;
	u64 n = bundlefs_dir_image_count(dir);

	if (ents)
		n = n - ents->img_hidden + ents->nr_pos;
	return n == 0;
}

/*
 * Allocate what changing @name in @dir may need: the directory's entry
 * set, an entry, a readdir position.  After this nothing can fail.
 */
int bundlefs_slot_prepare(struct inode *dir, const char *name, u32 len,
			  struct bundlefs_slot *slot)
{
	struct bundlefs_inode *bi = BUNDLEFS_I(dir);
	struct bundlefs_dirents *ents = bi->ents;
	int err;

	slot->e = NULL;
	slot->reserved = false;
	if (!ents) {
		ents = kzalloc(sizeof(*ents), GFP_KERNEL_ACCOUNT);
		if (!ents)
			return -ENOMEM;
		ents->by_name = RB_ROOT;
		xa_init(&ents->by_pos);
		bi->ents = ents;
	}
	slot->e = kmalloc(struct_size(slot->e, name, len), GFP_KERNEL_ACCOUNT);
	if (!slot->e)
		return -ENOMEM;
	memcpy(slot->e->name, name, len);
	slot->e->len = len;
	slot->pos = ents->next_pos;
	err = xa_reserve(&ents->by_pos, slot->pos, GFP_KERNEL_ACCOUNT);
	if (err) {
		kfree(slot->e);
		slot->e = NULL;
		return err;
	}
	ents->next_pos++;
	slot->reserved = true;
	return 0;
}

void bundlefs_slot_release(struct inode *dir, struct bundlefs_slot *slot)
{
	if (slot->reserved)
		xa_release(&BUNDLEFS_I(dir)->ents->by_pos, slot->pos);
	kfree(slot->e);
	slot->e = NULL;
	slot->reserved = false;
}

static void bundlefs_ents_insert(struct bundlefs_dirents *ents,
				 struct bundlefs_dirent *e)
{
	struct rb_node **p = &ents->by_name.rb_node, *parent = NULL;

	while (*p) {
		struct bundlefs_dirent *o;

		parent = *p;
		o = rb_entry(parent, struct bundlefs_dirent, rb);
		if (bundlefs_name_cmp(e->name, e->len, o->name, o->len) < 0)
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&e->rb, parent, p);
	rb_insert_color(&e->rb, &ents->by_name);
}

/* @name (prepared in @slot) in @dir is now inode @ino. */
void bundlefs_ents_set(struct inode *dir, struct bundlefs_slot *slot,
		       u64 ino, u8 dtype)
{
	struct bundlefs_dirents *ents = BUNDLEFS_I(dir)->ents;
	struct bundlefs_dirent *e;

	e = bundlefs_dirent_find(ents, slot->e->name, slot->e->len);
	if (e && e->ino) {
		/* replaced: the name keeps its readdir position */
		e->ino = ino;
		e->dtype = dtype;
		bundlefs_slot_release(dir, slot);
		return;
	}
	if (!e) {
		e = slot->e;
		slot->e = NULL;
		e->hides_image = bundlefs_image_has(dir, e->name, e->len);
		if (e->hides_image)
			ents->img_hidden++;
		bundlefs_ents_insert(ents, e);
	}
	/* a new entry, or a whiteout that becomes one: the reserved slot */
	e->ino = ino;
	e->dtype = dtype;
	e->pos = slot->pos;
	xa_store(&ents->by_pos, e->pos, e, GFP_NOWAIT);
	slot->reserved = false;
	ents->nr_pos++;
	bundlefs_slot_release(dir, slot);
}

/* @name (prepared in @slot) in @dir is gone. */
void bundlefs_ents_remove(struct inode *dir, struct bundlefs_slot *slot)
{
	struct bundlefs_dirents *ents = BUNDLEFS_I(dir)->ents;
	struct bundlefs_dirent *e;

	e = bundlefs_dirent_find(ents, slot->e->name, slot->e->len);
	if (!e) {
		if (bundlefs_image_has(dir, slot->e->name, slot->e->len)) {
			/* a whiteout over the image's child */
			e = slot->e;
			slot->e = NULL;
			e->ino = 0;
			e->hides_image = true;
			ents->img_hidden++;
			bundlefs_ents_insert(ents, e);
		}
	} else {
		if (e->ino) {
			xa_erase(&ents->by_pos, e->pos);
			ents->nr_pos--;
			e->ino = 0;
		}
		/* a name only this mount ever had is simply forgotten */
		if (!e->hides_image) {
			rb_erase(&e->rb, &ents->by_name);
			kfree(e);
		}
	}
	bundlefs_slot_release(dir, slot);
}

void bundlefs_ents_free(struct bundlefs_inode *bi)
{
	struct bundlefs_dirents *ents = bi->ents;
	struct bundlefs_dirent *e, *tmp;

	if (!ents)
		return;
	rbtree_postorder_for_each_entry_safe(e, tmp, &ents->by_name, rb)
		kfree(e);
	xa_destroy(&ents->by_pos);
	kfree(ents);
	bi->ents = NULL;
}

/* ------------------------------------------------------------------ */

/* A namespace change needs a loaded image: before it the mount is empty. */
static int bundlefs_may_change(struct super_block *sb)
{
	return bundlefs_img(sb) && BUNDLEFS_SB(sb)->upper ? 0 : -EROFS;
}

static int bundlefs_mknode(bundlefs_idmap_t *idmap, struct inode *dir,
			   struct dentry *dentry, umode_t mode,
			   const char *target)
{
	struct super_block *sb = dir->i_sb;
	struct bundlefs_upper *up = BUNDLEFS_SB(sb)->upper;
	struct bundlefs_slot slot;
	struct inode *inode;
	int err;

	err = bundlefs_may_change(sb);
	if (err)
		return err;
	if (target && strlen(target) > BUNDLEFS_SYMLINK_MAX)
		return -ENAMETOOLONG;
	err = bundlefs_slot_prepare(dir, dentry->d_name.name,
				    dentry->d_name.len, &slot);
	if (err)
		return err;
	inode = bundlefs_new_inode(sb, mode,
				   atomic64_inc_return(&up->next_ino) - 1);
	if (IS_ERR(inode)) {
		bundlefs_slot_release(dir, &slot);
		return PTR_ERR(inode);
	}
	inode_init_owner(idmap, inode, dir, mode);
	if (target) {
		inode->i_link = kstrdup(target, GFP_KERNEL_ACCOUNT);
		if (!inode->i_link) {
			bundlefs_slot_release(dir, &slot);
			iput(inode);
			return -ENOMEM;
		}
		inode->i_size = strlen(target);
	}
	down_read(&BUNDLEFS_SB(sb)->ns_lock);
	bundlefs_ents_set(dir, &slot, inode->i_ino,
			  bundlefs_mode_dtype(inode->i_mode));
	up_read(&BUNDLEFS_SB(sb)->ns_lock);
	if (S_ISDIR(mode))
		inc_nlink(dir);
	bundlefs_touch_dir(dir);
	bundlefs_pin(dir);
	bundlefs_pin(inode);

	bundlefs_jbegin(sb);
	bundlefs_jinode(sb, inode);
	if (target)
		bundlefs_jtarget(sb, inode);
	bundlefs_jinode(sb, dir);
	bundlefs_jlink(sb, dir, &dentry->d_name, inode);
	bundlefs_jend(sb);

	d_instantiate(dentry, inode);
	return 0;
}

static int bundlefs_create(bundlefs_idmap_t *idmap, struct inode *dir,
			   struct dentry *dentry, umode_t mode, bool excl)
{
	return bundlefs_mknode(idmap, dir, dentry, S_IFREG | (mode & 07777),
			       NULL);
}

static int bundlefs_mkdir(bundlefs_idmap_t *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode)
{
	return bundlefs_mknode(idmap, dir, dentry, S_IFDIR | (mode & 07777),
			       NULL);
}

static int bundlefs_symlink(bundlefs_idmap_t *idmap, struct inode *dir,
			    struct dentry *dentry, const char *target)
{
	return bundlefs_mknode(idmap, dir, dentry, S_IFLNK | 0777, target);
}

/* @inode lost its name: when it has no other, it goes at its last close. */
static void bundlefs_drop_name(struct inode *inode)
{
	if (S_ISDIR(inode->i_mode))
		clear_nlink(inode);
	else
		drop_nlink(inode);
	bundlefs_touch_ctime(inode);
}

static int bundlefs_remove(struct inode *dir, struct dentry *dentry)
{
	struct super_block *sb = dir->i_sb;
	struct inode *inode = d_inode(dentry);
	struct bundlefs_slot slot;
	int err;

	err = bundlefs_may_change(sb);
	if (err)
		return err;
	if (S_ISDIR(inode->i_mode) && !bundlefs_dir_empty(inode))
		return -ENOTEMPTY;
	err = bundlefs_slot_prepare(dir, dentry->d_name.name,
				    dentry->d_name.len, &slot);
	if (err)
		return err;
	down_read(&BUNDLEFS_SB(sb)->ns_lock);
	bundlefs_ents_remove(dir, &slot);
	bundlefs_drop_name(inode);
	up_read(&BUNDLEFS_SB(sb)->ns_lock);
	if (S_ISDIR(inode->i_mode))
		drop_nlink(dir);
	bundlefs_touch_dir(dir);
	bundlefs_pin(dir);

	bundlefs_jbegin(sb);
	bundlefs_jinode(sb, dir);
	bundlefs_junlink(sb, dir, &dentry->d_name);
	bundlefs_jinode(sb, inode);
	bundlefs_jend(sb);

	/* the dentry still holds the inode until the VFS lets it go */
	bundlefs_unpin(inode);
	return 0;
}

static int bundlefs_unlink(struct inode *dir, struct dentry *dentry)
{
	return bundlefs_remove(dir, dentry);
}

static int bundlefs_rmdir(struct inode *dir, struct dentry *dentry)
{
	return bundlefs_remove(dir, dentry);
}

static int bundlefs_exchange(struct inode *old_dir, struct dentry *old,
			     struct inode *new_dir, struct dentry *new)
{
	struct super_block *sb = old_dir->i_sb;
	struct inode *a = d_inode(old), *b = d_inode(new);
	struct bundlefs_slot sa, sb_slot;
	int err;

	err = bundlefs_slot_prepare(old_dir, old->d_name.name,
				    old->d_name.len, &sa);
	if (err)
		return err;
	err = bundlefs_slot_prepare(new_dir, new->d_name.name,
				    new->d_name.len, &sb_slot);
	if (err) {
		bundlefs_slot_release(old_dir, &sa);
		return err;
	}
	down_read(&BUNDLEFS_SB(sb)->ns_lock);
	bundlefs_ents_set(old_dir, &sa, b->i_ino, bundlefs_mode_dtype(b->i_mode));
	bundlefs_ents_set(new_dir, &sb_slot, a->i_ino,
			  bundlefs_mode_dtype(a->i_mode));
	up_read(&BUNDLEFS_SB(sb)->ns_lock);
	if (old_dir != new_dir && S_ISDIR(a->i_mode) != S_ISDIR(b->i_mode)) {
		/* the directory among the two changes parents */
		if (S_ISDIR(a->i_mode)) {
			drop_nlink(old_dir);
			inc_nlink(new_dir);
		} else {
			drop_nlink(new_dir);
			inc_nlink(old_dir);
		}
	}
	bundlefs_touch_ctime(a);
	bundlefs_touch_ctime(b);
	bundlefs_touch_dir(old_dir);
	bundlefs_touch_dir(new_dir);
	bundlefs_pin(a);
	bundlefs_pin(b);
	bundlefs_pin(old_dir);
	bundlefs_pin(new_dir);

	bundlefs_jbegin(sb);
	bundlefs_jinode(sb, a);
	bundlefs_jinode(sb, b);
	bundlefs_jinode(sb, old_dir);
	if (new_dir != old_dir)
		bundlefs_jinode(sb, new_dir);
	bundlefs_jlink(sb, old_dir, &old->d_name, b);
	bundlefs_jlink(sb, new_dir, &new->d_name, a);
	bundlefs_jend(sb);
	return 0;
}

static int bundlefs_rename(bundlefs_idmap_t *idmap, struct inode *old_dir,
			   struct dentry *old, struct inode *new_dir,
			   struct dentry *new, unsigned int flags)
{
	struct super_block *sb = old_dir->i_sb;
	struct inode *inode = d_inode(old), *victim = d_inode(new);
	struct bundlefs_slot from, to;
	int err;

	err = bundlefs_may_change(sb);
	if (err)
		return err;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_EXCHANGE)
		return bundlefs_exchange(old_dir, old, new_dir, new);
	if (victim && S_ISDIR(victim->i_mode) && !bundlefs_dir_empty(victim))
		return -ENOTEMPTY;

	err = bundlefs_slot_prepare(new_dir, new->d_name.name, new->d_name.len,
				    &to);
	if (err)
		return err;
	err = bundlefs_slot_prepare(old_dir, old->d_name.name, old->d_name.len,
				    &from);
	if (err) {
		bundlefs_slot_release(new_dir, &to);
		return err;
	}
	down_read(&BUNDLEFS_SB(sb)->ns_lock);
	bundlefs_ents_set(new_dir, &to, inode->i_ino,
			  bundlefs_mode_dtype(inode->i_mode));
	bundlefs_ents_remove(old_dir, &from);
	if (victim)
		bundlefs_drop_name(victim);
	up_read(&BUNDLEFS_SB(sb)->ns_lock);
	if (victim && S_ISDIR(victim->i_mode))
		drop_nlink(new_dir);
	if (S_ISDIR(inode->i_mode) && old_dir != new_dir) {
		drop_nlink(old_dir);
		inc_nlink(new_dir);
	}
	bundlefs_touch_ctime(inode);
	bundlefs_touch_dir(old_dir);
	bundlefs_touch_dir(new_dir);
	/* a moved image inode is found through its new entry: keep it */
	bundlefs_pin(inode);
	bundlefs_pin(old_dir);
	bundlefs_pin(new_dir);

	bundlefs_jbegin(sb);
	bundlefs_jinode(sb, inode);
	bundlefs_jinode(sb, old_dir);
	if (new_dir != old_dir)
		bundlefs_jinode(sb, new_dir);
	if (victim)
		bundlefs_jinode(sb, victim);
	bundlefs_jlink(sb, new_dir, &new->d_name, inode);
	bundlefs_junlink(sb, old_dir, &old->d_name);
	bundlefs_jend(sb);

	if (victim && !victim->i_nlink)
		bundlefs_unpin(victim);
	return 0;
}

int bundlefs_setattr(bundlefs_idmap_t *idmap, struct dentry *dentry,
		     struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int err;

	err = bundlefs_may_change(inode->i_sb);
	if (err)
		return err;
	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;
	if ((attr->ia_valid & ATTR_SIZE) && S_ISREG(inode->i_mode) &&
	    attr->ia_size != i_size_read(inode)) {
		err = bundlefs_truncate(inode, attr->ia_size);
		if (err)
			return err;
	}
	setattr_copy(idmap, inode, attr);
	/* dirty_inode pins it; write_inode journals it */
	mark_inode_dirty(inode);
	return 0;
}

const struct inode_operations bundlefs_dir_iops = {
	.lookup		= bundlefs_lookup,
	.create		= bundlefs_create,
	.mkdir		= bundlefs_mkdir,
	.symlink	= bundlefs_symlink,
	.unlink		= bundlefs_unlink,
	.rmdir		= bundlefs_rmdir,
	.rename		= bundlefs_rename,
	.setattr	= bundlefs_setattr,
};

const struct inode_operations bundlefs_file_iops = {
	.setattr	= bundlefs_setattr,
};

const struct inode_operations bundlefs_symlink_iops = {
	.get_link	= simple_get_link,
	.setattr	= bundlefs_setattr,
};
