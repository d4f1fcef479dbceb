// SPDX-License-Identifier: GPL-2.0
/*
 * The commands around on-demand fetch: `bundlefs serve` (the daemon),
 * `bundlefs stats` (the mount's counters) and `bundlefs prefetch` (warm
 * the cache for whole files or trees), and the daemon that
 * `bundlefs mount --source` starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"


static const char usage_serve[] =
"usage: bundlefs serve MNT... --source SOURCE [--jobs N] [-v]\n"
"                      [--region REGION] [--endpoint-url URL]\n"
"\n"
"Attach to each bundlefs mount MNT as its fetch daemon and fetch the\n"
"objects its reads find missing from SOURCE into its cache directory,\n"
"until every MNT is unmounted (or a signal).\n"
"\n"
"  -s, --source SOURCE  dir:PATH      a directory in the CAS layout\n"
"                                     (PATH/Data/<hash>.xxh128)\n"
"                       cmd:COMMAND   run COMMAND HASH DEST (shell words)\n"
"                       s3://BUCKET/PREFIX  GET PREFIX/Data/<hash>.xxh128,\n"
"                                     signed with the AWS_* variables\n"
"  -j, --jobs N         fetches in parallel (default 8)\n"
"  --region REGION      S3 region (default AWS_REGION, us-east-1)\n"
"  --endpoint-url URL   S3-compatible server (default AWS_ENDPOINT_URL)\n"
"  -v, --verbose        log each fetch on standard error\n";

static const char usage_fetch[] =
"usage: bundlefs fetch --source SOURCE NAME OUT [--region R] [--endpoint-url URL]\n"
"\n"
"Fetch the object NAME (<hash>.xxh128, or the 32-digit hash) from SOURCE\n"
"into the new file OUT, as the fetch daemon would, and check that it\n"
"hashes to its name: for trying a source out.  OUT is removed on failure.\n";

static const char usage_stats[] =
"usage: bundlefs stats MNT\n"
"\n"
"Print the fetch counters of the bundlefs mount MNT, one \"name value\"\n"
"per line: whether a daemon is attached, objects found in the cache\n"
"(hits) and not (misses), requests, objects fetched and their bytes,\n"
"failures, timeouts, readers waiting and requests queued now.\n";

static const char usage_prefetch[] =
"usage: bundlefs prefetch MNT PATH... [--jobs N]\n"
"\n"
"Make the mount fetch the objects of the files PATH (relative to MNT, or\n"
"absolute under it; directories: every file below), in parallel, by\n"
"reading one byte of each 256 MiB chunk.  Exit status 3 if a file could\n"
"not be read.\n"
"\n"
"  -j, --jobs N      files in parallel (default 8)\n";

struct serve_args {
	const char *source, *region, *endpoint;
	int jobs;
	bool verbose;
	const char *cmd;
};

int jobs_arg(const char *cmd, const char *arg, int *jobs)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 1 || v > BFS_MAX_JOBS)
		return usage_error(cmd, "--jobs %s: expected 1..256", arg);
	*jobs = (int)v;
	return -1;
}

static int serve_opt(int c, const char *arg, void *ctx)
{
	struct serve_args *a = ctx;

	switch (c) {
	case 's':
		a->source = arg;
		break;
	case 'j':
		return jobs_arg(a->cmd, arg, &a->jobs);
	case 'v':
		a->verbose = true;
		break;
	case 'R':
		a->region = arg;
		break;
	case 'E':
		a->endpoint = arg;
		break;
	}
	return -1;
}

int source_setup(const char *cmd, const char *spec, const char *region,
		 const char *endpoint, struct bfs_source *src)
{
	struct bfs_error err;
	int r = bfs_source_parse(spec, src, &err);

	if (r) {
		fprintf(stderr, PROG ": %s: %s\n", cmd, err.msg);
		return r;
	}
	if (region)
		src->s3.region = region;
	if (endpoint)
		src->s3.endpoint = endpoint;
	if (src->kind == BFS_SRC_S3 && bfs_s3_init(&err)) {
		fprintf(stderr, PROG ": %s: %s\n", cmd, err.msg);
		bfs_source_free(src);
		return BFS_ESYS;
	}
	return -1;
}

static int serve_setup(const struct serve_args *a, struct bfs_source *src)
{
	return source_setup(a->cmd, a->source, a->region, a->endpoint, src);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "source", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		S3_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct serve_args a = { .jobs = BFS_DEFAULT_JOBS, .cmd = "serve" };
	struct bfs_serve_opts o = { .ready_fd = -1 };
	struct bfs_source src;
	int r;

	r = parse_opts(argc, argv, "serve", usage_serve, "hs:j:v", longopts,
		       serve_opt, &a);
	if (r < 0 && argc - optind < 1)
		r = usage_error("serve", "expected at least one MNT%s", "");
	if (r < 0 && !a.source)
		r = usage_error("serve", "--source SOURCE is required%s", "");
	if (r < 0)
		r = serve_setup(&a, &src);
	if (r >= 0)
		return r;
	o.src = &src;
	o.jobs = a.jobs;
	o.verbose = a.verbose;
	r = bfs_serve((const char *const *)argv + optind,
		      (size_t)(argc - optind), &o);
	bfs_source_free(&src);
	return r;
}

int cmd_fetch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "source", required_argument, NULL, 's' },
		S3_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct serve_args a = { .cmd = "fetch" };
	char name[BFS_OBJECT_NAME_MAX];
	struct bfs_source src;
	struct bfs_error err;
	const char *out;
	int r, e, fd;

	r = parse_opts(argc, argv, "fetch", usage_fetch, "hs:", longopts,
		       serve_opt, &a);
	if (r < 0 && argc - optind != 2)
		r = usage_error("fetch", "expected NAME and OUT%s", "");
	if (r < 0 && !a.source)
		r = usage_error("fetch", "--source SOURCE is required%s", "");
	if (r < 0) {
		snprintf(name, sizeof(name), "%.32s.xxh128", argv[optind]);
		if (strlen(argv[optind]) != 32 && strcmp(name, argv[optind]))
			name[0] = '\0';
		if (!bfs_object_name_ok(name))
			r = usage_error("fetch", "%s is not an object name (<32 hex digits>.xxh128)",
					argv[optind]);
	}
	if (r < 0)
		r = serve_setup(&a, &src);
	if (r >= 0)
		return r;
	out = argv[optind + 1];
	e = bfs_source_fetch(&src, name, out, &err);
	r = e ? BFS_ESYS : 0;
	/* a partial download goes; a file that was there already stays */
	if (e && e != EEXIST)
		unlink(out);
	if (!r) {
		fd = open(out, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = bfs_fail(&err, BFS_ESYS, "%s: %s", out, strerror(errno));
		else if (bfs_object_check(fd, name, BFS_SIZE_UNKNOWN, &err))
			r = BFS_ESYS;
		if (fd >= 0)
			close(fd);
		if (r)
			unlink(out);
	}
	if (r)
		fprintf(stderr, PROG ": fetch: %s: %s\n", name, err.msg);
	bfs_source_free(&src);
	return r;
}

/*
 * Start `serve` for @mnt in the background, in its own session, and
 * return once it is attached (0) or has failed (its error is printed).
 */
int bfs_serve_background(const char *mnt, const char *source, int jobs)
{
	struct serve_args a = { .source = source, .jobs = jobs,
				.cmd = "mount" };
	struct bfs_serve_opts o = { .jobs = jobs };
	struct bfs_source src;
	int pfd[2], status, r;
	char byte;
	pid_t pid;
	ssize_t n;

	r = serve_setup(&a, &src);
	if (r >= 0)
		return r;
	if (pipe2(pfd, O_CLOEXEC)) {
		fprintf(stderr, PROG ": mount: pipe: %s\n", strerror(errno));
		bfs_source_free(&src);
		return BFS_ESYS;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* the grandchild is the daemon: nobody's child to wait for */
		close(pfd[0]);
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		if (chdir("/")) {
			/* a mount point kept busy is the only harm */
		}
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
		o.src = &src;
		o.ready_fd = pfd[1];
		_exit(bfs_serve(&mnt, 1, &o));
	}
	close(pfd[1]);
	bfs_source_free(&src);
	if (pid < 0) {
		close(pfd[0]);
		fprintf(stderr, PROG ": mount: fork: %s\n", strerror(errno));
		return BFS_ESYS;
	}
	waitpid(pid, &status, 0);
	do
		n = read(pfd[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n != 1) {
		fprintf(stderr, PROG ": mount: the fetch daemon for %s did not start\n",
			mnt);
		return BFS_ESYS;
	}
	return 0;
}

static int open_root(const char *cmd, const char *mnt)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, PROG ": %s: %s: %s\n", cmd, mnt, strerror(errno));
	return fd;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bundlefs_fetch_stats st;
	int r, fd;

	r = parse_opts(argc, argv, "stats", usage_stats, "h", longopts, NULL,
		       NULL);
	if (r < 0 && argc - optind != 1)
		r = usage_error("stats", "expected one MNT%s", "");
	if (r >= 0)
		return r;
	fd = open_root("stats", argv[optind]);
	if (fd < 0)
		return BFS_ESYS;
	memset(&st, 0, sizeof(st));
	if (ioctl(fd, BUNDLEFS_IOC_FETCH_STATS, &st) < 0) {
		fprintf(stderr, PROG ": stats: %s: %s\n", argv[optind],
			errno == ENOTTY ? "not the root of a bundlefs mount" :
			strerror(errno));
		close(fd);
		return BFS_ESYS;
	}
	close(fd);
	printf("attached %u\nhits %llu\nmisses %llu\nrequests %llu\n"
	       "fetched %llu\nfetched_bytes %llu\nfailed %llu\ntimeouts %llu\n"
	       "waiting %u\nqueued %u\n", st.attached,
	       (unsigned long long)st.hits, (unsigned long long)st.misses,
	       (unsigned long long)st.requests, (unsigned long long)st.fetched,
	       (unsigned long long)st.fetched_bytes,
	       (unsigned long long)st.failed, (unsigned long long)st.timeouts,
	       st.waiting, st.queued);
	if (fflush(stdout) || ferror(stdout))
		return BFS_ESYS;
	return 0;
}

/* The files to prefetch, gathered by nftw() (which has no context). */
static struct prefetch_list {
	char **paths;
	size_t n, cap;
	bool oom;
} plist;

static int prefetch_add(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (plist.n == plist.cap) {
		size_t cap = plist.cap ? plist.cap * 2 : 256;
		char **p = realloc(plist.paths, cap * sizeof(*p));

		if (!p) {
			plist.oom = true;
			return 1;
		}
		plist.paths = p;
		plist.cap = cap;
	}
	plist.paths[plist.n] = strdup(path);
	if (!plist.paths[plist.n]) {
		plist.oom = true;
		return 1;
	}
	plist.n++;
	return 0;
}

struct prefetch_work {
	pthread_mutex_t lock;
	size_t failed;
};

/* One byte of each chunk: the mount fetches the chunk's object. */
static bool prefetch_file(const char *path)
{
	struct stat st;
	char byte;
	off_t at;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && fstat(fd, &st) == 0;

	for (at = 0; ok && at < st.st_size; at += (off_t)BUNDLEFS_CHUNK_SIZE)
		if (pread(fd, &byte, 1, at) != 1) {
			fprintf(stderr, PROG ": prefetch: %s: %s\n", path,
				strerror(errno));
			ok = false;
		}
	if (fd < 0)
		fprintf(stderr, PROG ": prefetch: %s: %s\n", path,
			strerror(errno));
	else
		close(fd);
	return ok;
}

static void prefetch_one(size_t i, void *arg)
{
	struct prefetch_work *w = arg;

	if (!prefetch_file(plist.paths[i])) {
		pthread_mutex_lock(&w->lock);
		w->failed++;
		pthread_mutex_unlock(&w->lock);
	}
}

struct parallel {
	pthread_mutex_t lock;
	size_t next, n;
	void (*fn)(size_t i, void *ctx);
	void *ctx;
};

static void *parallel_worker(void *arg)
{
	struct parallel *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->fn(i, p->ctx);
	}
}

int bfs_parallel(size_t n, int jobs, void (*fn)(size_t i, void *ctx),
		 void *ctx)
{
	struct parallel p = { .lock = PTHREAD_MUTEX_INITIALIZER, .n = n,
			      .fn = fn, .ctx = ctx };
	pthread_t th[BFS_MAX_JOBS];
	int started = 0;

	for (; started < jobs && (size_t)started < n; started++)
		if (pthread_create(&th[started], NULL, parallel_worker, &p))
			break;
	if (n && !started) {
		fprintf(stderr, PROG ": cannot start a thread\n");
		return BFS_ESYS;
	}
	while (started > 0)
		pthread_join(th[--started], NULL);
	return 0;
}

static int prefetch_opt(int c, const char *arg, void *ctx)
{
	return c == 'j' ? jobs_arg("prefetch", arg, ctx) : -1;
}

int cmd_prefetch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct prefetch_work w = { .lock = PTHREAD_MUTEX_INITIALIZER };
	int r, i, jobs = BFS_DEFAULT_JOBS;
	const char *mnt;

	r = parse_opts(argc, argv, "prefetch", usage_prefetch, "hj:", longopts,
		       prefetch_opt, &jobs);
	if (r < 0 && argc - optind < 2)
		r = usage_error("prefetch", "expected MNT and at least one PATH%s",
				"");
	if (r >= 0)
		return r;
	mnt = argv[optind];
	r = 0;
	for (i = optind + 1; i < argc && !r; i++) {
		char *path;

		if (argv[i][0] == '/')
			path = strdup(argv[i]);
		else if (asprintf(&path, "%s/%s", mnt, argv[i]) < 0)
			path = NULL;
		if (!path || nftw(path, prefetch_add, 64, FTW_PHYS) ||
		    plist.oom) {
			fprintf(stderr, PROG ": prefetch: %s: %s\n", argv[i],
				plist.oom || !path ? "out of memory" :
				strerror(errno));
			r = BFS_ESYS;
		}
		free(path);
	}
	if (!r)
		r = bfs_parallel(plist.n, jobs, prefetch_one, &w);
	if (!r)
		printf("prefetched %zu files, %zu failed\n", plist.n - w.failed,
		       w.failed);
	if (!r && w.failed)
		r = BFS_ESYS;
	while (plist.n)
		free(plist.paths[--plist.n]);
	free(plist.paths);
	return r;
}
