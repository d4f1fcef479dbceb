// SPDX-License-Identifier: GPL-2.0
/*
 * bfs-pt: the checks of bundlefs' pass-through reads that a shell cannot
 * make.  Plain POSIX/Linux: every subcommand works on any file system.
 *
 *   bfs-pt map FILE
 *       map FILE (read-only, shared) without touching it and print
 *       `resident=R pages=P path=PATH`: R of its P pages are in the page
 *       cache behind the mapping (mincore), and PATH is the file the
 *       kernel says is mapped (/proc/self/maps): the object of a
 *       bundlefs file that is mapped through to it.
 *   bfs-pt touch FILE
 *       map FILE (read-only, shared) and read every byte of the mapping in
 *       user space, so that a failed fault is SIGBUS; print their sum.
 *   bfs-pt pread FILE OFFSET LENGTH
 *       one pread(2) of LENGTH bytes at OFFSET: what it returned goes to
 *       standard output (a short read is not retried).
 *   bfs-pt odirect FILE
 *       open FILE with O_DIRECT: print `ok` or the errno's name.
 *   bfs-pt mmap-order FILE OFFSET TEXT
 *       on a file whose bytes at OFFSET are not TEXT: map it privately
 *       and shared (read-only descriptor), then shared read-only through
 *       a read-write descriptor, then pwrite TEXT at OFFSET through a
 *       fourth; print what each mapping, read(2) and a new mapping show
 *       there (`private old shared-ro old shared-rw new read new
 *       remap new`).
 *   bfs-pt mmap-store FILE OFFSET TEXT
 *       store TEXT at OFFSET through a shared writable mapping, then
 *       print what pread(2) of another descriptor shows there, before
 *       msync and munmap (`before-msync new`) and after (`after new`).
 *   bfs-pt punch FILE OFFSET LENGTH / bfs-pt falloc FILE OFFSET LENGTH
 *       fallocate PUNCH_HOLE|KEEP_SIZE / mode 0.
 *
 * Exits 1 with `bfs-pt: what: strerror` on an unexpected error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "bfs-pt: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int xopen(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		die(path);
	return fd;
}

static void *xmap(int fd, size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* The path of the mapping at @p, from /proc/self/maps. */
static void mapped_path(void *p, char *out, size_t size)
{
	unsigned long lo, hi, addr = (unsigned long)p;
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		die("/proc/self/maps");
	snprintf(out, size, "?");
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');

		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || addr < lo ||
		    addr >= hi)
			continue;
		if (path) {
			path[strcspn(path, "\n")] = 0;
			snprintf(out, size, "%s", path);
		}
		break;
	}
	fclose(f);
}

static int cmd_map(const char *file)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = xopen(file, O_RDONLY);
	size_t pages, i, resident = 0;
	unsigned char *vec;
	char path[4096];
	struct stat st;
	void *p;

	if (fstat(fd, &st))
		die("fstat");
	if (!st.st_size) {
		fprintf(stderr, "bfs-pt: %s is empty\n", file);
		return 1;
	}
	pages = (st.st_size + pg - 1) / pg;
	p = xmap(fd, st.st_size, PROT_READ, MAP_SHARED);
	vec = malloc(pages);
	if (!vec)
		die("malloc");
	if (mincore(p, st.st_size, vec))
		die("mincore");
	for (i = 0; i < pages; i++)
		resident += vec[i] & 1;
	mapped_path(p, path, sizeof(path));
	printf("resident=%zu pages=%zu path=%s\n", resident, pages, path);
	return 0;
}

static int cmd_touch(const char *file)
{
	int fd = xopen(file, O_RDONLY);
	unsigned long sum = 0;
	struct stat st;
	off_t i;
	char *p;

	if (fstat(fd, &st))
		die("fstat");
	if (!st.st_size)
		return 0;
	p = xmap(fd, st.st_size, PROT_READ, MAP_SHARED);
	for (i = 0; i < st.st_size; i++)
		sum += (unsigned char)p[i];
	printf("%lu\n", sum);
	return 0;
}

static const char *errname(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EACCES: return "EACCES";
	case EROFS: return "EROFS";
	default: return strerror(e);
	}
}

static const char *shows(const char *p, const char *text)
{
	return memcmp(p, text, strlen(text)) ? "old" : "new";
}

static int cmd_mmap_order(const char *file, off_t off, const char *text)
{
	size_t n = strlen(text), len = off + n;
	int ro = xopen(file, O_RDONLY), rw = xopen(file, O_RDWR);
	int wr = xopen(file, O_WRONLY), rd = xopen(file, O_RDONLY);
	char *priv, *shro, *shrw, *remap, buf[256];

	if (n > sizeof(buf))
		return 2;
	priv = xmap(ro, len, PROT_READ, MAP_PRIVATE);
	shro = xmap(ro, len, PROT_READ, MAP_SHARED);
	shrw = xmap(rw, len, PROT_READ, MAP_SHARED);
	/* fault them all in before the write */
	if (!memcmp(priv + off, text, n) || !memcmp(shro + off, text, n) ||
	    !memcmp(shrw + off, text, n)) {
		fprintf(stderr, "bfs-pt: the file already holds the text\n");
		return 1;
	}
	if (pwrite(wr, text, n, off) != (ssize_t)n)
		die("pwrite");
	if (pread(rd, buf, n, off) != (ssize_t)n)
		die("pread");
	remap = xmap(rd, len, PROT_READ, MAP_PRIVATE);
	printf("private %s shared-ro %s shared-rw %s read %s remap %s\n",
	       shows(priv + off, text), shows(shro + off, text),
	       shows(shrw + off, text), shows(buf, text),
	       shows(remap + off, text));
	return 0;
}

static int cmd_mmap_store(const char *file, off_t off, const char *text)
{
	size_t n = strlen(text), len = off + n;
	int rw = xopen(file, O_RDWR), rd = xopen(file, O_RDONLY);
	char buf[256], *p;

	if (n > sizeof(buf))
		return 2;
	p = xmap(rw, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	memcpy(p + off, text, n);
	if (pread(rd, buf, n, off) != (ssize_t)n)
		die("pread");
	printf("before-msync %s", shows(buf, text));
	if (msync(p, len, MS_SYNC))
		die("msync");
	munmap(p, len);
	if (pread(rd, buf, n, off) != (ssize_t)n)
		die("pread");
	printf(" after %s\n", shows(buf, text));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "map") && argc == 3)
		return cmd_map(argv[2]);
	if (!strcmp(cmd, "touch") && argc == 3)
		return cmd_touch(argv[2]);
	if (!strcmp(cmd, "pread") && argc == 5) {
		size_t len = strtoull(argv[4], NULL, 0);
		char *buf = malloc(len + 1);
		int fd = xopen(argv[2], O_RDONLY);
		ssize_t r;

		if (!buf)
			die("malloc");
		r = pread(fd, buf, len, strtoll(argv[3], NULL, 0));
		if (r < 0)
			die("pread");
		return fwrite(buf, 1, r, stdout) != (size_t)r;
	}
	if (!strcmp(cmd, "odirect") && argc == 3) {
		int fd = open(argv[2], O_RDONLY | O_DIRECT);

		printf("%s\n", fd < 0 ? errname(errno) : "ok");
		return 0;
	}
	if (!strcmp(cmd, "mmap-order") && argc == 5)
		return cmd_mmap_order(argv[2], strtoll(argv[3], NULL, 0), argv[4]);
	if (!strcmp(cmd, "mmap-store") && argc == 5)
		return cmd_mmap_store(argv[2], strtoll(argv[3], NULL, 0), argv[4]);
	if ((!strcmp(cmd, "punch") || !strcmp(cmd, "falloc")) && argc == 5) {
		int mode = cmd[0] == 'p' ?
			   FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : 0;
		int fd = xopen(argv[2], O_RDWR);

		if (fallocate(fd, mode, strtoll(argv[3], NULL, 0),
			      strtoll(argv[4], NULL, 0)))
			die("fallocate");
		return 0;
	}
	fprintf(stderr, "usage: bfs-pt map|touch|odirect FILE\n"
		"       bfs-pt pread FILE OFFSET LENGTH\n"
		"       bfs-pt mmap-order|mmap-store FILE OFFSET TEXT\n"
		"       bfs-pt punch|falloc FILE OFFSET LENGTH\n");
	return 2;
}
