// SPDX-License-Identifier: GPL-2.0
/*
 * Where the fetch daemon gets objects: a directory in the CAS layout
 * (dir:PATH), any command (cmd:COMMAND) or S3 (s3://, in s3.c); and the
 * check that what arrived is the object asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "fetch.h"

int bfs_source_parse(const char *spec, struct bfs_source *src,
		     struct bfs_error *err)
{
	memset(src, 0, sizeof(*src));
	src->spec = strdup(spec);
	if (!src->spec)
		return bfs_fail(err, BFS_ESYS, "out of memory");
	if (!strncmp(spec, "dir:", 4) && spec[4]) {
		src->kind = BFS_SRC_DIR;
		src->path = strdup(spec + 4);
	} else if (!strncmp(spec, "cmd:", 4) && spec[4]) {
		src->kind = BFS_SRC_CMD;
		src->path = strdup(spec + 4);
	} else if (!strncmp(spec, "s3://", 5) && spec[5] && spec[5] != '/') {
		const char *b = spec + 5, *slash = strchr(b, '/');
		const char *p = slash ? slash + 1 : "";
		size_t plen = strlen(p);

		src->kind = BFS_SRC_S3;
		src->bucket = slash ? strndup(b, (size_t)(slash - b)) : strdup(b);
		while (plen && p[plen - 1] == '/')
			plen--;
		src->prefix = strndup(p, plen);
		if (src->bucket && src->prefix &&
		    bfs_s3_config_env(&src->s3, err)) {
			bfs_source_free(src);
			return BFS_EUSAGE;
		}
		src->path = strdup("");
	} else {
		bfs_source_free(src);
		return bfs_fail(err, BFS_EUSAGE,
				"source \"%s\": expected dir:PATH, cmd:COMMAND or s3://BUCKET/PREFIX",
				spec);
	}
	if (!src->path || (src->kind == BFS_SRC_S3 &&
			   (!src->bucket || !src->prefix))) {
		bfs_source_free(src);
		return bfs_fail(err, BFS_ESYS, "out of memory");
	}
	return 0;
}

void bfs_source_free(struct bfs_source *src)
{
	free(src->spec);
	free(src->path);
	free(src->bucket);
	free(src->prefix);
	memset(src, 0, sizeof(*src));
}

bool bfs_object_name_ok(const char *name)
{
	int i;

	for (i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", name[i]) || !name[i])
			return false;
	return !strcmp(name + 32, ".xxh128");
}

/* Copy @from to the new file @dest, or say why not. */
static int copy_new_file(int from, const char *dest, struct bfs_error *err)
{
	static const size_t bsz = 1 << 20;
	char *buf = malloc(bsz);
	int to, e = 0;
	ssize_t n;

	if (!buf) {
		bfs_fail(err, BFS_ESYS, "out of memory");
		return ENOMEM;
	}
	to = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (to < 0) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "cannot create %s: %s", dest,
			 strerror(e));
		free(buf);
		return e;
	}
	while ((n = read(from, buf, bsz)) != 0) {
		char *p = buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			bfs_fail(err, BFS_ESYS, "reading the source: %s",
				 strerror(e));
			break;
		}
		while (n > 0) {
			ssize_t w = write(to, p, (size_t)n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				e = errno;
				bfs_fail(err, BFS_ESYS, "writing %s: %s", dest,
					 strerror(e));
				goto out;
			}
			p += w;
			n -= w;
		}
	}
out:
	if (close(to) && !e) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "writing %s: %s", dest, strerror(e));
	}
	free(buf);
	return e;
}

static int fetch_dir(const struct bfs_source *src, const char *name,
		     const char *dest, struct bfs_error *err)
{
	char path[PATH_MAX];
	int fd, e;

	if ((size_t)snprintf(path, sizeof(path), "%s/Data/%s", src->path,
			     name) >= sizeof(path)) {
		bfs_fail(err, BFS_ESYS, "source path too long");
		return ENAMETOOLONG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "%s: %s", path,
			 e == ENOENT ? "not in the source" : strerror(e));
		return e;
	}
	e = copy_new_file(fd, dest, err);
	close(fd);
	return e;
}

/* sh -c 'COMMAND "$@"' sh HASH DEST: the command may be any shell words */
static int fetch_cmd(const struct bfs_source *src, const char *name,
		     const char *dest, struct bfs_error *err)
{
	char hash[33], *script;
	int status;
	pid_t pid;

	memcpy(hash, name, 32);
	hash[32] = '\0';
	if (asprintf(&script, "%s \"$@\"", src->path) < 0) {
		bfs_fail(err, BFS_ESYS, "out of memory");
		return ENOMEM;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* the daemon's standard output is not the command's to use */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(STDERR_FILENO, STDOUT_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
		execl("/bin/sh", "sh", "-c", script, "sh", hash, dest,
		      (char *)NULL);
		_exit(127);
	}
	free(script);
	if (pid < 0) {
		bfs_fail(err, BFS_ESYS, "cannot start the command: %s",
			 strerror(errno));
		return EIO;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			bfs_fail(err, BFS_ESYS, "waiting for the command: %s",
				 strerror(errno));
			return EIO;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (access(dest, F_OK) == 0)
			return 0;
		bfs_fail(err, BFS_ESYS, "the command succeeded but wrote no %s",
			 dest);
		return EIO;
	}
	if (WIFEXITED(status))
		bfs_fail(err, BFS_ESYS, "the command exited with status %d",
			 WEXITSTATUS(status));
	else
		bfs_fail(err, BFS_ESYS, "the command was killed by signal %d",
			 WTERMSIG(status));
	return EIO;
}

int bfs_source_fetch(const struct bfs_source *src, const char *name,
		     const char *dest, struct bfs_error *err)
{
	char key[4096];

	switch (src->kind) {
	case BFS_SRC_DIR:
		return fetch_dir(src, name, dest, err);
	case BFS_SRC_CMD:
		return fetch_cmd(src, name, dest, err);
	case BFS_SRC_S3:
		snprintf(key, sizeof(key), "%s%sData/%s", src->prefix,
			 *src->prefix ? "/" : "", name);
		return bfs_s3_get(src, key, dest, err);
	}
	bfs_fail(err, BFS_EUSAGE, "no source");
	return EINVAL;
}

int bfs_object_check(int fd, const char *name, uint64_t len,
		     struct bfs_error *err)
{
	static const size_t bsz = 1 << 20;
	XXH3_state_t *st = XXH3_createState();
	char *buf = malloc(bsz), hex[33];
	XXH128_canonical_t canon;
	uint64_t total = 0;
	struct stat sb;
	int e = 0, i;
	ssize_t n;

	if (!st || !buf) {
		bfs_fail(err, BFS_ESYS, "out of memory");
		e = ENOMEM;
		goto out;
	}
	if (len != BFS_SIZE_UNKNOWN && fstat(fd, &sb) == 0 &&
	    (uint64_t)sb.st_size != len) {
		bfs_fail(err, BFS_EINVAL, "the object is %lld bytes, expected %llu",
			 (long long)sb.st_size, (unsigned long long)len);
		e = EIO;
		goto out;
	}
	XXH3_128bits_reset(st);
	while ((n = pread(fd, buf, bsz, (off_t)total)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			bfs_fail(err, BFS_ESYS, "reading the object: %s",
				 strerror(e));
			goto out;
		}
		XXH3_128bits_update(st, buf, (size_t)n);
		total += (uint64_t)n;
	}
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(st));
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", canon.digest[i]);
	if ((len != BFS_SIZE_UNKNOWN && total != len) || strncmp(hex, name, 32)) {
		bfs_fail(err, BFS_EINVAL, "the object hashes to %s, not to its name",
			 hex);
		e = EIO;
	}
out:
	free(buf);
	XXH3_freeState(st);
	return e;
}
