// SPDX-License-Identifier: GPL-2.0
/*
 * bfs-io MODE FILE [OFFSET [LENGTH]]: copy LENGTH bytes (default: to the
 * end) of FILE from OFFSET (default 0) to standard output through one of
 * the kernel's data paths, so tests can compare the bytes each path gives:
 *
 *   read      read(2) in 1 MiB pieces
 *   pread     pread(2) in odd-sized (12345-byte) pieces
 *   mmap      mmap(2) of the range, then write(2) from the mapping
 *   sendfile  sendfile(2) from FILE to standard output
 *   splice    splice(2) FILE -> pipe -> standard output
 *
 * Prints `bfs-io: MODE: <strerror>` and exits 1 on the first error, so a
 * test can check for EIO ("Input/output error").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *mode;

static int fail(const char *what)
{
	fprintf(stderr, "bfs-io: %s: %s: %s\n", mode, what, strerror(errno));
	return 1;
}

static int write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(1, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	unsigned long long off = 0, len = ~0ULL;
	struct stat st;
	int fd;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: bfs-io read|pread|mmap|sendfile|splice FILE [OFFSET [LENGTH]]\n");
		return 2;
	}
	mode = argv[1];
	if (argc > 3)
		off = strtoull(argv[3], NULL, 0);
	if (argc > 4)
		len = strtoull(argv[4], NULL, 0);
	fd = open(argv[2], O_RDONLY);
	if (fd < 0)
		return fail("open");
	if (fstat(fd, &st))
		return fail("fstat");
	if (off > (unsigned long long)st.st_size)
		off = st.st_size;
	if (len > st.st_size - off)
		len = st.st_size - off;

	if (!strcmp(mode, "read") || !strcmp(mode, "pread")) {
		size_t piece = mode[0] == 'p' ? 12345 : sizeof(buf);

		if (mode[0] == 'r' && lseek(fd, off, SEEK_SET) < 0)
			return fail("lseek");
		while (len) {
			size_t want = len < piece ? len : piece;
			ssize_t r = mode[0] == 'p' ? pread(fd, buf, want, off)
						   : read(fd, buf, want);

			if (r < 0)
				return fail("read");
			if (r == 0)
				break;
			if (write_all(buf, r))
				return fail("write");
			off += r;
			len -= r;
		}
	} else if (!strcmp(mode, "mmap")) {
		long pg = sysconf(_SC_PAGESIZE);
		unsigned long long start = off & ~(unsigned long long)(pg - 1);
		size_t maplen = len + (off - start);
		char *p;

		if (len == 0)
			return 0;
		p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, start);
		if (p == MAP_FAILED)
			return fail("mmap");
		/* touch through a copy: a fault error would be SIGBUS */
		if (write_all(p + (off - start), len))
			return fail("write");
		munmap(p, maplen);
	} else if (!strcmp(mode, "sendfile")) {
		off_t o = off;

		while (len) {
			ssize_t r = sendfile(1, fd, &o, len < (1 << 30) ? len : (1 << 30));

			if (r < 0)
				return fail("sendfile");
			if (r == 0)
				break;
			len -= r;
		}
	} else if (!strcmp(mode, "splice")) {
		loff_t o = off;
		int p[2];

		if (pipe(p))
			return fail("pipe");
		while (len) {
			ssize_t r = splice(fd, &o, p[1], NULL,
					   len < 65536 ? len : 65536, 0);

			if (r < 0)
				return fail("splice in");
			if (r == 0)
				break;
			len -= r;
			while (r) {
				ssize_t w = splice(p[0], NULL, 1, NULL, r, 0);

				if (w <= 0)
					return fail("splice out");
				r -= w;
			}
		}
	} else {
		fprintf(stderr, "bfs-io: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
