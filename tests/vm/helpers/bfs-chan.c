// SPDX-License-Identifier: GPL-2.0
/*
 * bfs-chan: a fetch daemon that misbehaves on purpose, for the VM tests of
 * the kernel's fetch channel (kmod/fetch.c).
 *
 *   bfs-chan answer MNT N MODE [ARG]  serve N requests, then exit 0:
 *       dump          print each request, answer -ENOENT
 *       error ERRNO   answer -ERRNO
 *       lie           answer 0 without placing anything
 *       place FILE    place FILE's bytes as the object, answer 0
 *   bfs-chan misuse MNT               the channel's errors, one line each
 *
 * Prints "attached" once attached (the test waits for it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../../include/uapi/linux/bundlefs.h"

static int attach(const char *mnt, int *cache)
{
	struct bundlefs_fetch_attach a = { 0 };
	int fd = open(mnt, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || ioctl(fd, BUNDLEFS_IOC_FETCH_ATTACH, &a) < 0) {
		perror(mnt);
		exit(1);
	}
	close(fd);
	/* an empty cache directory: where objects go */
	if (mkdirat(a.cache_fd, "Data", 0755) && errno != EEXIST) {
		perror("mkdir Data");
		exit(1);
	}
	if (cache)
		*cache = a.cache_fd;
	printf("attached\n");
	fflush(stdout);
	return a.channel_fd;
}

static void place(int cache, const char *name, const char *from)
{
	char path[64], buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	snprintf(path, sizeof(path), "Data/%s", name);
	out = openat(cache, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0) {
		perror("place");
		exit(1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			perror("place");
			exit(1);
		}
	close(in);
	close(out);
}

static int answer(const char *mnt, int count, const char *mode,
		  const char *arg)
{
	struct bundlefs_fetch_request req;
	struct bundlefs_fetch_reply rep;
	int cache, ch = attach(mnt, &cache);

	while (count-- > 0) {
		if (read(ch, &req, sizeof(req)) != sizeof(req)) {
			perror("read");
			return 1;
		}
		memset(&rep, 0, sizeof(rep));
		rep.id = req.id;
		if (!strcmp(mode, "dump")) {
			printf("version=%u size=%u length=%llu name=%.40s\n",
			       req.version, req.size,
			       (unsigned long long)req.length, req.name);
			fflush(stdout);
			rep.status = -ENOENT;
		} else if (!strcmp(mode, "error")) {
			rep.status = -atoi(arg);
		} else if (!strcmp(mode, "place")) {
			place(cache, req.name, arg);
		} else if (strcmp(mode, "lie")) {
			fprintf(stderr, "unknown mode %s\n", mode);
			return 2;
		}
		if (write(ch, &rep, sizeof(rep)) != sizeof(rep)) {
			perror("write");
			return 1;
		}
	}
	return 0;
}

static void expect(const char *what, long got, int err, int want)
{
	if (got < 0 && err == want)
		printf("%s: %s\n", what, strerror(err));
	else
		printf("%s: expected %s, got %ld (%s)\n", what, strerror(want),
		       got, got < 0 ? strerror(err) : "success");
}

static int misuse(const char *mnt)
{
	struct bundlefs_fetch_attach a = { 0 };
	struct bundlefs_fetch_reply rep = { .id = 999999 };
	struct bundlefs_fetch_request req;
	char small[8];
	int ch = attach(mnt, NULL), fd = open(mnt, O_RDONLY | O_DIRECTORY);
	long r;

	r = ioctl(fd, BUNDLEFS_IOC_FETCH_ATTACH, &a);
	expect("second attach", r, errno, EBUSY);
	a.flags = 1;
	r = ioctl(fd, BUNDLEFS_IOC_FETCH_ATTACH, &a);
	expect("flags", r, errno, EINVAL);
	r = read(ch, small, sizeof(small));
	expect("short read", r, errno, EINVAL);
	r = write(ch, &rep, sizeof(rep) - 1);
	expect("short reply", r, errno, EINVAL);
	r = write(ch, &rep, sizeof(rep));
	expect("unknown id", r, errno, ENOENT);
	rep.status = 5;
	r = write(ch, &rep, sizeof(rep));
	expect("positive status", r, errno, EINVAL);
	fcntl(ch, F_SETFL, O_NONBLOCK);
	r = read(ch, &req, sizeof(req));
	expect("nothing queued", r, errno, EAGAIN);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "answer"))
		return answer(argv[2], atoi(argv[3]), argv[4],
			      argc > 5 ? argv[5] : "");
	if (argc == 3 && !strcmp(argv[1], "misuse"))
		return misuse(argv[2]);
	fprintf(stderr, "usage: bfs-chan answer MNT N MODE [ARG] | misuse MNT\n");
	return 2;
}
