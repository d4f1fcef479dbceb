// SPDX-License-Identifier: GPL-2.0
/*
 * `bundlefs push DIR s3://BUCKET/PREFIX [--manifest FILE]`: upload what a
 * job made (`bundlefs diff --objects DIR`) to the store.  Each object is
 * checked against its name, then sent only if the store lacks it (a HEAD
 * before each PUT), in parallel; the manifest goes last, and only when
 * every object is there, so the store never names an object it lacks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"


static const char usage_push[] =
"usage: bundlefs push DIR s3://BUCKET/PREFIX [--manifest FILE] [--jobs N]\n"
"                     [--region REGION] [--endpoint-url URL]\n"
"\n"
"Upload the objects DIR/Data/<hash>.xxh128 (what `bundlefs diff --objects\n"
"DIR` writes) to PREFIX/Data/ in the bucket, each checked against its name\n"
"and sent only if the store does not have it yet; then FILE, if given, to\n"
"PREFIX/Manifests/<its name>, once every object is there.  Credentials\n"
"and endpoint as for `bundlefs serve` (the AWS_* variables).\n"
"\n"
"  -m, --manifest FILE  the diff manifest to upload last\n"
"  -j, --jobs N         uploads in parallel (default 8)\n";

struct push_args {
	const char *manifest, *region, *endpoint;
	int jobs;
};

struct push_state {
	const struct bfs_source *src;
	const char *dir;
	char **names;
	size_t n;
	pthread_mutex_t lock;
	size_t sent, present, failed;
	uint64_t bytes;
};

static int push_opt(int c, const char *arg, void *ctx)
{
	struct push_args *a = ctx;

	switch (c) {
	case 'm':
		a->manifest = arg;
		break;
	case 'R':
		a->region = arg;
		break;
	case 'E':
		a->endpoint = arg;
		break;
	case 'j':
		return jobs_arg("push", arg, &a->jobs);
	}
	return -1;
}

/* The key of @name under the source's prefix, in @area (Data, Manifests). */
static void push_key(const struct bfs_source *src, const char *area,
		     const char *name, char *key, size_t size)
{
	snprintf(key, size, "%s%s%s/%s", src->prefix, *src->prefix ? "/" : "",
		 area, name);
}

/* One object: checked, then sent unless the store has it.  0 or BFS_*. */
static int push_one(struct push_state *s, const char *name, bool *sent,
		    uint64_t *bytes)
{
	char path[PATH_MAX], key[4096];
	struct bfs_error err;
	struct stat st;
	bool exists;
	int fd, e;

	*sent = false;
	snprintf(path, sizeof(path), "%s/Data/%s", s->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, PROG ": push: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return BFS_ESYS;
	}
	/* never put bytes in the store under a name they do not have */
	e = bfs_object_check(fd, name, BFS_SIZE_UNKNOWN, &err);
	close(fd);
	if (e) {
		fprintf(stderr, PROG ": push: %s: %s\n", path, err.msg);
		return BFS_EINVAL;
	}
	push_key(s->src, "Data", name, key, sizeof(key));
	e = bfs_s3_exists(s->src, key, &exists, &err);
	if (!e && !exists) {
		e = bfs_s3_put(s->src, key, path, &err);
		*sent = !e;
		*bytes = (uint64_t)st.st_size;
	}
	if (e) {
		fprintf(stderr, PROG ": push: %s: %s\n", name, err.msg);
		return BFS_ESYS;
	}
	return 0;
}

static void push_worker(size_t i, void *arg)
{
	struct push_state *s = arg;
	uint64_t bytes = 0;
	bool sent;
	int r;

	r = push_one(s, s->names[i], &sent, &bytes);
	pthread_mutex_lock(&s->lock);
	if (r)
		s->failed++;
	else if (sent)
		s->sent++, s->bytes += bytes;
	else
		s->present++;
	pthread_mutex_unlock(&s->lock);
}

/* The object names in DIR/Data (others, such as temporary files, skipped). */
static int list_objects(struct push_state *s)
{
	char data[PATH_MAX];
	struct dirent *d;
	size_t cap = 0;
	DIR *dir;

	snprintf(data, sizeof(data), "%s/Data", s->dir);
	dir = opendir(data);
	if (!dir) {
		fprintf(stderr, PROG ": push: %s: %s\n", data, strerror(errno));
		return BFS_ESYS;
	}
	while ((d = readdir(dir))) {
		if (!bfs_object_name_ok(d->d_name))
			continue;
		if (s->n == cap) {
			char **p;

			cap = cap ? cap * 2 : 64;
			p = realloc(s->names, cap * sizeof(*p));
			if (!p)
				goto oom;
			s->names = p;
		}
		s->names[s->n] = strdup(d->d_name);
		if (!s->names[s->n])
			goto oom;
		s->n++;
	}
	closedir(dir);
	return 0;
oom:
	closedir(dir);
	fprintf(stderr, PROG ": push: out of memory\n");
	return BFS_ESYS;
}

int cmd_push(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		S3_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct push_args a = { .jobs = BFS_DEFAULT_JOBS };
	struct push_state s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct bfs_source src;
	struct bfs_error err;
	int r;

	r = parse_opts(argc, argv, "push", usage_push, "hm:j:", longopts,
		       push_opt, &a);
	if (r < 0 && argc - optind != 2)
		r = usage_error("push", "expected DIR and s3://BUCKET/PREFIX%s", "");
	if (r < 0 && strncmp(argv[optind + 1], "s3://", 5))
		r = usage_error("push", "%s: expected s3://BUCKET/PREFIX",
				argv[optind + 1]);
	if (r < 0)
		r = source_setup("push", argv[optind + 1], a.region, a.endpoint,
				 &src);
	if (r >= 0)
		return r;
	s.src = &src;
	s.dir = argv[optind];
	r = list_objects(&s);
	if (!r)
		r = bfs_parallel(s.n, a.jobs, push_worker, &s);
	if (!r && s.failed)
		r = BFS_ESYS;
	if (!r && a.manifest) {
		const char *base = strrchr(a.manifest, '/');
		char key[4096];

		push_key(&src, "Manifests", base ? base + 1 : a.manifest, key,
			 sizeof(key));
		if (bfs_s3_put(&src, key, a.manifest, &err)) {
			fprintf(stderr, PROG ": push: %s: %s\n", a.manifest,
				err.msg);
			r = BFS_ESYS;
		} else {
			printf("manifest: %s\n", key);
		}
	}
	printf("objects: %zu sent (%llu bytes), %zu already in the store, %zu failed\n",
	       s.sent, (unsigned long long)s.bytes, s.present, s.failed);
	if (s.failed && a.manifest)
		fprintf(stderr, PROG ": push: %s not sent: objects are missing from the store\n",
			a.manifest);
	while (s.n)
		free(s.names[--s.n]);
	free(s.names);
	bfs_source_free(&src);
	return r;
}
