// SPDX-License-Identifier: GPL-2.0
/*
 * The fetch daemon: attaches to bundlefs mounts (BUNDLEFS_IOC_FETCH_ATTACH),
 * reads their requests and fetches the objects from a source in parallel.
 * Each object is written to a temporary file in the mount's cache
 * directory, checked (size and XXH3-128) and only then renamed into place,
 * so a reader never sees a partial object.  Requests name objects by hash:
 * the daemon needs no manifest, and one daemon can serve several mounts.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"

#define PROG "bundlefs serve"

struct channel {
	const char *mnt;
	int fd;			/* the mount's request channel */
	int cache;		/* O_PATH descriptor of its cache directory */
	char cache_path[PATH_MAX];
	bool gone;
};

struct job {
	struct channel *ch;
	struct bundlefs_fetch_request req;
	struct job *next;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	bool done;		/* no more jobs will come */
};

struct server {
	const struct bfs_serve_opts *o;
	struct queue q;
	atomic_ulong seq;	/* temporary file names */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void reply(struct channel *ch, uint64_t id, int status)
{
	struct bundlefs_fetch_reply r = { .id = id, .status = -status };

	/* ENOENT: nobody waits for it any more (a timeout); nothing to do */
	if (write(ch->fd, &r, sizeof(r)) < 0 && errno != ENOENT)
		fprintf(stderr, PROG ": %s: answering request %llu: %s\n",
			ch->mnt, (unsigned long long)id, strerror(errno));
}

/* Fetch, check and place one object; 0 or an errno for the reply. */
static int place_object(struct server *s, struct channel *ch,
			const struct bundlefs_fetch_request *req,
			struct bfs_error *err)
{
	char final[64], tmp[128], abs[PATH_MAX + 128];
	struct stat st;
	int fd, e;

	snprintf(final, sizeof(final), "Data/%s", req->name);
	/* another mount, or another daemon, may have placed it already */
	if (fstatat(ch->cache, final, &st, 0) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == req->length)
		return 0;
	snprintf(tmp, sizeof(tmp), "Data/.fetch-%s-%ld-%lu", req->name,
		 (long)getpid(), atomic_fetch_add(&s->seq, 1));
	snprintf(abs, sizeof(abs), "%s/%s", ch->cache_path, tmp);
	e = bfs_source_fetch(s->o->src, req->name, abs, err);
	if (!e) {
		fd = openat(ch->cache, tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			e = errno;
			bfs_fail(err, BFS_ESYS, "%s: %s", abs, strerror(e));
		} else {
			e = bfs_object_check(fd, req->name, req->length, err);
			/* durable before it has its name */
			if (!e && fdatasync(fd)) {
				e = errno;
				bfs_fail(err, BFS_ESYS, "syncing %s: %s", abs,
					 strerror(e));
			}
			close(fd);
		}
	}
	if (!e && renameat(ch->cache, tmp, ch->cache, final)) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "renaming %s into place: %s", abs,
			 strerror(e));
	}
	if (e)
		unlinkat(ch->cache, tmp, 0);
	return e;
}

static void serve_job(struct server *s, struct job *j)
{
	const struct bundlefs_fetch_request *req = &j->req;
	struct bfs_error err;
	double t0 = now_ms();
	int e;

	if (req->version != BUNDLEFS_FETCH_VERSION ||
	    !memchr(req->name, '\0', sizeof(req->name)) ||
	    !bfs_object_name_ok(req->name)) {
		fprintf(stderr, PROG ": %s: request %llu is malformed\n",
			j->ch->mnt, (unsigned long long)req->id);
		reply(j->ch, req->id, EINVAL);
		return;
	}
	e = place_object(s, j->ch, req, &err);
	if (e)
		fprintf(stderr, PROG ": %s: %s: %s\n", j->ch->mnt, req->name,
			err.msg);
	else if (s->o->verbose)
		fprintf(stderr, PROG ": %s: fetched %s (%llu bytes) in %.0f ms\n",
			j->ch->mnt, req->name,
			(unsigned long long)req->length, now_ms() - t0);
	reply(j->ch, req->id, e);
}

static void *worker(void *arg)
{
	struct server *s = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&s->q.lock);
		while (!s->q.head && !s->q.done)
			pthread_cond_wait(&s->q.cond, &s->q.lock);
		j = s->q.head;
		if (j) {
			s->q.head = j->next;
			if (!s->q.head)
				s->q.tail = NULL;
		}
		pthread_mutex_unlock(&s->q.lock);
		if (!j)
			return NULL;
		serve_job(s, j);
		free(j);
	}
}

static int enqueue(struct server *s, struct channel *ch,
		   const struct bundlefs_fetch_request *req)
{
	struct job *j = malloc(sizeof(*j));

	if (!j)
		return -1;
	j->ch = ch;
	j->req = *req;
	j->next = NULL;
	pthread_mutex_lock(&s->q.lock);
	if (s->q.tail)
		s->q.tail->next = j;
	else
		s->q.head = j;
	s->q.tail = j;
	pthread_cond_signal(&s->q.cond);
	pthread_mutex_unlock(&s->q.lock);
	return 0;
}

static int attach(struct channel *ch)
{
	struct bundlefs_fetch_attach a = { 0 };
	char link[64];
	ssize_t n;
	int fd;

	fd = open(ch->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", ch->mnt, strerror(errno));
		return BFS_ESYS;
	}
	if (ioctl(fd, BUNDLEFS_IOC_FETCH_ATTACH, &a) < 0) {
		int e = errno;

		fprintf(stderr, PROG ": %s: cannot attach: %s\n", ch->mnt,
			e == EBUSY ? "another fetch daemon serves this mount" :
			e == ENOTTY ? "not the root of a bundlefs mount" :
			strerror(e));
		close(fd);
		return BFS_ESYS;
	}
	close(fd);
	ch->fd = a.channel_fd;
	ch->cache = a.cache_fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", a.cache_fd);
	n = readlink(link, ch->cache_path, sizeof(ch->cache_path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(ch->cache_path) - 1) {
		fprintf(stderr, PROG ": %s: cannot name its cache directory\n",
			ch->mnt);
		return BFS_ESYS;
	}
	ch->cache_path[n] = '\0';
	if (mkdirat(ch->cache, "Data", 0755) && errno != EEXIST) {
		fprintf(stderr, PROG ": %s: cannot make %s/Data: %s\n", ch->mnt,
			ch->cache_path, strerror(errno));
		return BFS_ESYS;
	}
	fcntl(ch->fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Read what a channel has; false once its mount is gone. */
static bool drain(struct server *s, struct channel *ch)
{
	struct bundlefs_fetch_request req;
	ssize_t n;

	for (;;) {
		n = read(ch->fd, &req, sizeof(req));
		if (n == (ssize_t)sizeof(req)) {
			if (enqueue(s, ch, &req)) {
				struct bundlefs_fetch_reply r = {
					.id = req.id, .status = -ENOMEM
				};

				if (write(ch->fd, &r, sizeof(r)) < 0)
					return true;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n < 0)
			fprintf(stderr, PROG ": %s: reading requests: %s\n",
				ch->mnt, strerror(errno));
		return false;
	}
}

int bfs_serve(const char *const *mnts, size_t n, const struct bfs_serve_opts *o)
{
	struct server s = { .o = o };
	struct channel *ch = calloc(n, sizeof(*ch));
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	pthread_t *th = calloc((size_t)o->jobs, sizeof(*th));
	struct sigaction sa = { .sa_handler = on_signal };
	size_t i, live = 0;
	int r = 0, started = 0;

	if (!ch || !pfd || !th) {
		fprintf(stderr, PROG ": out of memory\n");
		r = BFS_ESYS;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ch[i].mnt = mnts[i];
		ch[i].fd = ch[i].cache = -1;
	}
	for (i = 0; i < n && !r; i++)
		r = attach(&ch[i]);
	if (r)
		goto out;
	pthread_mutex_init(&s.q.lock, NULL);
	pthread_cond_init(&s.q.cond, NULL);
	for (; started < o->jobs; started++)
		if (pthread_create(&th[started], NULL, worker, &s)) {
			fprintf(stderr, PROG ": cannot start a worker thread\n");
			r = BFS_ESYS;
			break;
		}
	if (!r && o->ready_fd >= 0) {
		if (write(o->ready_fd, "", 1) < 0)
			r = BFS_ESYS;
	}
	/* only signals that arrive from now on stop the loop */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	live = r ? 0 : n;
	while (live && !stop_signal) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = ch[i].gone ? -1 : ch[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			r = BFS_ESYS;
			break;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents && !ch[i].gone && !drain(&s, &ch[i])) {
				ch[i].gone = true;
				live--;
				if (o->verbose)
					fprintf(stderr, PROG ": %s: unmounted\n",
						ch[i].mnt);
			}
	}
	/* on a signal, the queued requests are failed by the kernel */
	pthread_mutex_lock(&s.q.lock);
	s.q.done = true;
	if (stop_signal) {
		while (s.q.head) {
			struct job *j = s.q.head;

			s.q.head = j->next;
			free(j);
		}
		s.q.tail = NULL;
	}
	pthread_cond_broadcast(&s.q.cond);
	pthread_mutex_unlock(&s.q.lock);
	while (started > 0)
		pthread_join(th[--started], NULL);
out:
	if (o->ready_fd >= 0)
		close(o->ready_fd);
	for (i = 0; ch && i < n; i++) {
		if (ch[i].fd >= 0)
			close(ch[i].fd);
		if (ch[i].cache >= 0)
			close(ch[i].cache);
	}
	free(ch);
	free(pfd);
	free(th);
	return r;
}
