// SPDX-License-Identifier: GPL-2.0
/*
 * Everything that talks to the system: reading a manifest or an image,
 * writing an image atomically, mount(2), umount2(2) and BUNDLEFS_IOC_LOAD.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libbundlefs.h"

int bfs_read_file(const char *path, char **buf, size_t *len,
		  struct bfs_error *err)
{
	size_t cap = 1 << 16, n = 0;
	char *b = NULL;
	struct stat st;
	int fd, saved;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bfs_fail(err, BFS_ESYS, "cannot open: %s",
				strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t got;

		if (!b || n == cap) {
			char *nb;

			if (b)
				cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
fail:
	saved = errno;
	free(b);
	close(fd);
	return bfs_fail(err, BFS_ESYS, "cannot read: %s", strerror(saved));
}

int bfs_write_atomic(const char *path, const void *buf, size_t len,
		     struct bfs_error *err)
{
	size_t plen = strlen(path), done = 0;
	char *tmp = malloc(plen + 16);
	const char *what = "cannot create a temporary file";
	int fd, saved;

	if (!tmp)
		return bfs_fail(err, BFS_ESYS, "out of memory");
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	what = "cannot write";
	while (done < len) {
		ssize_t w = write(fd, (const char *)buf + done, len - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail_unlink;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, 0644) || fsync(fd))
		goto fail_unlink;
	if (close(fd)) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	what = "cannot rename the temporary file into place";
	if (rename(tmp, path))
		goto fail_unlink;
	free(tmp);
	return 0;
fail_unlink:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
fail:
	saved = errno;
	free(tmp);
	return bfs_fail(err, BFS_ESYS, "%s: %s", what, strerror(saved));
}

int bfs_ioctl_load(const char *mnt, const void *image, size_t size,
		   struct bfs_error *err)
{
	struct bundlefs_load arg;
	int fd, r = 0;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bfs_fail(err, BFS_ESYS, "cannot open the mount point: %s",
				strerror(errno));
	memset(&arg, 0, sizeof(arg));
	arg.image = (uint64_t)(uintptr_t)image;
	arg.size = size;
	/* EINVAL is the kernel refusing the image: an invalid image, not a
	 * system error.
	 */
	if (ioctl(fd, BUNDLEFS_IOC_LOAD, &arg) < 0)
		r = bfs_fail(err, errno == EINVAL ? BFS_EINVAL : BFS_ESYS,
			     "%s (see dmesg)", strerror(errno));
	close(fd);
	return r;
}

/* Does the comma-separated option list @opts hold an upper= option? */
static bool has_upper(const char *opts)
{
	const char *p = opts;

	while (p && *p) {
		if (!strncmp(p, "upper=", 6))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

int bfs_mount(const char *mnt, const char *cache, const char *opts,
	      unsigned long flags, struct bfs_error *err)
{
	char real[PATH_MAX], data[4096];
	struct stat st;
	int n;

	if (!realpath(cache, real))
		return bfs_fail(err, BFS_ESYS, "cache directory %s: %s", cache,
				strerror(errno));
	if (stat(real, &st) || !S_ISDIR(st.st_mode))
		return bfs_fail(err, BFS_ESYS,
				"cache directory %s: Not a directory", real);
	if (strchr(real, ','))
		return bfs_fail(err, BFS_EUSAGE,
				"cache directory %s contains ',', which the mount options cannot carry",
				real);
	if (opts && *opts)
		n = snprintf(data, sizeof(data), "cache=%s,%s", real, opts);
	else
		n = snprintf(data, sizeof(data), "cache=%s", real);
	if (n < 0 || (size_t)n >= sizeof(data))
		return bfs_fail(err, BFS_EUSAGE,
				"mount options longer than %zu bytes",
				sizeof(data) - 1);
	/* read-only unless there is an upper directory to write to */
	if (!has_upper(opts))
		flags |= MS_RDONLY;
	if (mount("bundlefs", mnt, "bundlefs", flags, data))
		return bfs_fail(err, BFS_ESYS, "mount(2): %s", strerror(errno));
	return 0;
}

int bfs_umount(const char *mnt, struct bfs_error *err)
{
	if (umount2(mnt, 0) && umount2(mnt, MNT_DETACH))
		return bfs_fail(err, BFS_ESYS, "umount2: %s", strerror(errno));
	return 0;
}
