// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: objects fetched on demand by a user-space daemon, over a
 * channel modelled on fs/cachefiles/ondemand.c (which Debian's kernels do
 * not build).  A read that finds its object missing queues a request, one
 * per object however many readers want it, and waits; the daemon reads
 * requests from the channel, places the objects in the cache directory
 * and writes replies.  Everything else never leaves the kernel.
 *
 * The state outlives neither the mount nor the channel: both hold a
 * reference, and whichever goes first fails what is still waiting.
 */
#include "internal.h"
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

struct bundlefs_fetch_req {
	struct list_head list;		/* on bundlefs_fetch.reqs */
	u64 id;
	u64 length;
	struct bundlefs_digest digest;
	bool sent;			/* read by the daemon */
	bool stale;			/* a wait ran out: ask again next time */
	unsigned int waiters;		/* under the lock */
	int status;			/* once done */
	struct completion done;
	refcount_t ref;
};

struct bundlefs_fetch {
	struct kref ref;		/* the mount's and the channel's */
	spinlock_t lock;		/* everything below */
	struct list_head reqs;		/* unanswered, oldest first */
	wait_queue_head_t daemon_wq;	/* a request to read, or the end */
	bool attached;
	bool dead;			/* the mount is going away */
	u64 next_id;
	struct bundlefs_fetch_stats stats;
};

static void bundlefs_fetch_release_ref(struct kref *ref)
{
	kfree(container_of(ref, struct bundlefs_fetch, ref));
}

static void bundlefs_fetch_put(struct bundlefs_fetch *f)
{
	kref_put(&f->ref, bundlefs_fetch_release_ref);
}

static void bundlefs_req_put(struct bundlefs_fetch_req *req)
{
	if (refcount_dec_and_test(&req->ref))
		kfree(req);
}

/* Answer @req and take it off the list (the list's reference is dropped). */
static void bundlefs_req_finish(struct bundlefs_fetch *f,
				struct bundlefs_fetch_req *req, int status)
{
	lockdep_assert_held(&f->lock);
	list_del_init(&req->list);
	if (status) {
		f->stats.failed++;
	} else {
		f->stats.fetched++;
		f->stats.fetched_bytes += req->length;
	}
	req->status = status;
	complete_all(&req->done);
	bundlefs_req_put(req);
}

/* Every waiting read fails: the daemon or the mount went away. */
static void bundlefs_fetch_flush(struct bundlefs_fetch *f)
{
	struct bundlefs_fetch_req *req, *next;

	lockdep_assert_held(&f->lock);
	list_for_each_entry_safe(req, next, &f->reqs, list)
		bundlefs_req_finish(f, req, -EIO);
}

int bundlefs_fetch_init(struct super_block *sb)
{
	struct bundlefs_fetch *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	kref_init(&f->ref);
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->reqs);
	init_waitqueue_head(&f->daemon_wq);
	f->next_id = 1;
	BUNDLEFS_SB(sb)->fetch = f;
	return 0;
}

void bundlefs_fetch_shutdown(struct super_block *sb)
{
	struct bundlefs_fetch *f = BUNDLEFS_SB(sb)->fetch;

	if (!f)
		return;
	spin_lock(&f->lock);
	f->dead = true;
	bundlefs_fetch_flush(f);
	spin_unlock(&f->lock);
	/* a daemon blocked in read() sees the end of the channel */
	wake_up_all(&f->daemon_wq);
	BUNDLEFS_SB(sb)->fetch = NULL;
	bundlefs_fetch_put(f);
}

void bundlefs_fetch_count(struct super_block *sb, bool hit)
{
	struct bundlefs_fetch *f = BUNDLEFS_SB(sb)->fetch;

	spin_lock(&f->lock);
	if (hit)
		f->stats.hits++;
	else
		f->stats.misses++;
	spin_unlock(&f->lock);
}

void bundlefs_fetch_count_failed(struct super_block *sb)
{
	struct bundlefs_fetch *f = BUNDLEFS_SB(sb)->fetch;

	spin_lock(&f->lock);
	f->stats.failed++;
	spin_unlock(&f->lock);
}

static struct bundlefs_fetch_req *
bundlefs_fetch_find(struct bundlefs_fetch *f, const struct bundlefs_digest *d,
		    u64 length)
{
	struct bundlefs_fetch_req *req;

	list_for_each_entry(req, &f->reqs, list)
		if (!req->stale && req->length == length &&
		    !memcmp(&req->digest, d, sizeof(*d)))
			return req;
	return NULL;
}

/*
 * Killable, up to @timeout jiffies; in slices, so that a long
 * fetch_timeout does not look like a hung task (whose detector fires when
 * a task sleeps uninterruptibly for 120 s without being scheduled).
 * Returns what wait_for_completion_killable_timeout() does.
 */
#define BUNDLEFS_FETCH_SLICE	(30 * HZ)

static long bundlefs_fetch_wait(struct bundlefs_fetch_req *req,
				unsigned long timeout)
{
	unsigned long end = jiffies + timeout;
	long left;

	for (;;) {
		left = wait_for_completion_killable_timeout(&req->done,
				min_t(unsigned long, timeout, BUNDLEFS_FETCH_SLICE));
		if (left)
			return left;
		if (time_after_eq(jiffies, end))
			return 0;
		timeout = end - jiffies;
	}
}

/*
 * Ask the daemon for the object @d of @length bytes and wait for its
 * answer.  0: the daemon says it is in the cache now (the caller opens and
 * checks it).  -ENOENT: nobody to ask.  -EIO: the fetch failed, ran out of
 * time or lost its daemon.  -EINTR: the reader was killed.
 */
int bundlefs_fetch_object(struct super_block *sb,
			  const struct bundlefs_digest *d, u64 length)
{
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_fetch *f = sbi->fetch;
	struct bundlefs_fetch_req *req, *fresh;
	long left;
	int err;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;
	spin_lock(&f->lock);
	/* without a daemon, wait for one only if fetch_timeout= says so */
	if (f->dead || (!f->attached && !sbi->fetch_wait)) {
		spin_unlock(&f->lock);
		kfree(fresh);
		return -ENOENT;
	}
	req = bundlefs_fetch_find(f, d, length);
	if (!req) {
		req = fresh;
		fresh = NULL;
		req->id = f->next_id++;
		req->length = length;
		req->digest = *d;
		init_completion(&req->done);
		refcount_set(&req->ref, 1);	/* the list's */
		list_add_tail(&req->list, &f->reqs);
		f->stats.requests++;
		wake_up(&f->daemon_wq);
	}
	refcount_inc(&req->ref);
	req->waiters++;
	spin_unlock(&f->lock);
	kfree(fresh);

	left = bundlefs_fetch_wait(req, sbi->fetch_timeout);

	spin_lock(&f->lock);
	req->waiters--;
	if (left > 0) {
		err = req->status ? -EIO : 0;
	} else {
		err = left ? -EINTR : -EIO;
		if (!left) {
			f->stats.timeouts++;
			/* later reads ask again, not join a stuck request */
			req->stale = true;
		}
		/* nobody waits for it any more: a late reply gets ENOENT */
		if (!req->waiters && !list_empty(&req->list)) {
			list_del_init(&req->list);
			bundlefs_req_put(req);	/* the list's */
		}
	}
	spin_unlock(&f->lock);
	bundlefs_req_put(req);
	return err;
}

static struct bundlefs_fetch_req *bundlefs_fetch_next(struct bundlefs_fetch *f)
{
	struct bundlefs_fetch_req *req;

	list_for_each_entry(req, &f->reqs, list)
		if (!req->sent)
			return req;
	return NULL;
}

static bool bundlefs_fetch_readable(struct bundlefs_fetch *f)
{
	bool ready;

	spin_lock(&f->lock);
	ready = f->dead || bundlefs_fetch_next(f);
	spin_unlock(&f->lock);
	return ready;
}

static ssize_t bundlefs_channel_read(struct file *file, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct bundlefs_fetch *f = file->private_data;
	struct bundlefs_fetch_request msg = {};
	struct bundlefs_fetch_req *req;
	char hex[33];
	int err;

	if (count < sizeof(msg))
		return -EINVAL;
	for (;;) {
		spin_lock(&f->lock);
		if (f->dead) {
			spin_unlock(&f->lock);
			return 0;
		}
		req = bundlefs_fetch_next(f);
		if (req)
			break;
		spin_unlock(&f->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(f->daemon_wq,
					       bundlefs_fetch_readable(f));
		if (err)
			return err;
	}
	req->sent = true;
	msg.version = BUNDLEFS_FETCH_VERSION;
	msg.size = sizeof(msg);
	msg.id = req->id;
	msg.length = req->length;
	msg.digest = req->digest;
	spin_unlock(&f->lock);

	bundlefs_digest_hex(&msg.digest, hex);
	snprintf(msg.name, sizeof(msg.name), "%s.xxh128", hex);
	if (copy_to_user(buf, &msg, sizeof(msg))) {
		/* not delivered: the next read hands it out again */
		spin_lock(&f->lock);
		list_for_each_entry(req, &f->reqs, list)
			if (req->id == msg.id)
				req->sent = false;
		spin_unlock(&f->lock);
		return -EFAULT;
	}
	return sizeof(msg);
}

static ssize_t bundlefs_channel_write(struct file *file,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	struct bundlefs_fetch *f = file->private_data;
	struct bundlefs_fetch_reply reply;
	struct bundlefs_fetch_req *req;
	int err = -ENOENT;

	if (count != sizeof(reply))
		return -EINVAL;
	if (copy_from_user(&reply, buf, sizeof(reply)))
		return -EFAULT;
	if (reply.reserved || reply.status > 0 || reply.status < -MAX_ERRNO)
		return -EINVAL;
	spin_lock(&f->lock);
	list_for_each_entry(req, &f->reqs, list)
		if (req->id == reply.id && req->sent) {
			bundlefs_req_finish(f, req, reply.status);
			err = 0;
			break;
		}
	spin_unlock(&f->lock);
	return err ? err : sizeof(reply);
}

static __poll_t bundlefs_channel_poll(struct file *file, poll_table *wait)
{
	struct bundlefs_fetch *f = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &f->daemon_wq, wait);
	spin_lock(&f->lock);
	if (f->dead)
		mask |= EPOLLHUP | EPOLLIN | EPOLLRDNORM;
	else if (bundlefs_fetch_next(f))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&f->lock);
	return mask;
}

/* The daemon is gone: what it was asked fails, later reads ask again. */
static void bundlefs_fetch_detach(struct bundlefs_fetch *f)
{
	spin_lock(&f->lock);
	f->attached = false;
	bundlefs_fetch_flush(f);
	spin_unlock(&f->lock);
	bundlefs_fetch_put(f);
}

static int bundlefs_channel_release(struct inode *inode, struct file *file)
{
	bundlefs_fetch_detach(file->private_data);
	return 0;
}

static const struct file_operations bundlefs_channel_fops = {
	.owner		= THIS_MODULE,
	.read		= bundlefs_channel_read,
	.write		= bundlefs_channel_write,
	.poll		= bundlefs_channel_poll,
	.release	= bundlefs_channel_release,
	.llseek		= noop_llseek,
};

long bundlefs_ioc_fetch_attach(struct file *file,
			       struct bundlefs_fetch_attach __user *uarg)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct bundlefs_sb_info *sbi = BUNDLEFS_SB(sb);
	struct bundlefs_fetch *f = sbi->fetch;
	struct bundlefs_fetch_attach arg;
	struct file *chan, *dir;
	int cfd, dfd, err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved)
		return -EINVAL;

	cfd = get_unused_fd_flags(O_CLOEXEC);
	if (cfd < 0)
		return cfd;
	dfd = get_unused_fd_flags(O_CLOEXEC);
	if (dfd < 0) {
		err = dfd;
		goto out_cfd;
	}
	dir = dentry_open(&sbi->cache, O_PATH | O_DIRECTORY, current_cred());
	if (IS_ERR(dir)) {
		err = PTR_ERR(dir);
		goto out_dfd;
	}
	spin_lock(&f->lock);
	err = f->attached || f->dead ? -EBUSY : 0;
	if (!err) {
		f->attached = true;
		kref_get(&f->ref);	/* dropped when the channel is released */
	}
	spin_unlock(&f->lock);
	if (err)
		goto out_dir;
	chan = anon_inode_getfile("[bundlefs-fetch]", &bundlefs_channel_fops,
				  f, O_RDWR);
	if (IS_ERR(chan)) {
		bundlefs_fetch_detach(f);
		err = PTR_ERR(chan);
		goto out_dir;
	}
	arg.channel_fd = cfd;
	arg.cache_fd = dfd;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		fput(chan);	/* detaches again */
		err = -EFAULT;
		goto out_dir;
	}
	fd_install(cfd, chan);
	fd_install(dfd, dir);
	return 0;

out_dir:
	fput(dir);
out_dfd:
	put_unused_fd(dfd);
out_cfd:
	put_unused_fd(cfd);
	return err;
}

long bundlefs_ioc_fetch_stats(struct file *file,
			      struct bundlefs_fetch_stats __user *uarg)
{
	struct bundlefs_fetch *f = BUNDLEFS_SB(file_inode(file)->i_sb)->fetch;
	struct bundlefs_fetch_stats st;
	struct bundlefs_fetch_req *req;

	spin_lock(&f->lock);
	st = f->stats;
	st.attached = f->attached;
	/* what the list says now: not kept as counters of their own */
	list_for_each_entry(req, &f->reqs, list) {
		st.waiting += req->waiters;
		st.queued += !req->sent;
	}
	spin_unlock(&f->lock);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}
