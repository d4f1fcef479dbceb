// SPDX-License-Identifier: GPL-2.0
/*
 * bench-io: the timed operations of the benchmark (bench/vm/ scripts), each
 * printing one line "SECONDS CPU_SECONDS AMOUNT" on success.  SECONDS is
 * wall time (CLOCK_MONOTONIC); CPU_SECONDS is the busy time of all CPUs
 * from /proc/stat over the same interval, so a FUSE daemon's work counts
 * as well as the caller's; AMOUNT is what was done: bytes, files or
 * entries.  An operation stops early once it has run BENCH_MAX_SECONDS
 * (environment; default no limit) and reports what it did by then, so
 * that a peer 100 times slower than the rest does not hold up the run.
 *
 *   bench-io write FILE SIZE BS [fsync]   new file: O_CREAT|O_TRUNC, SIZE
 *                                          bytes in BS writes (bytes)
 *   bench-io read FILE BS [LIMIT]          sequential read to EOF or LIMIT
 *   bench-io randread FILE BS COUNT        COUNT reads at random aligned
 *   bench-io randwrite FILE BS COUNT       offsets (seeded: repeatable)
 *   bench-io firstwrite FILE OFFSET        open O_RDWR + one 4 KiB pwrite
 *                                          + close (a copy-up's cost)
 *   bench-io create DIR FILES DIRS SIZE    DIRS directories, FILES files
 *                                          of SIZE bytes spread over them
 *   bench-io readall DIR                   open + read (the first MiB) +
 *                                          close of every file (files)
 *   bench-io walk DIR [stat]               getdents of every directory,
 *                                          and lstat of every entry
 *                                          (entries)
 *   bench-io run CMD [ARG...]              time a command (its peak RSS
 *                                          in KiB)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "bench-io";

static void die(const char *what, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, path ? path : "",
		strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy seconds of all CPUs: user nice system irq softirq steal. */
static double cpu_busy(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			 &v[7]) != 8)
		die("reading", "/proc/stat");
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

static double t0, c0, max_seconds;

static void start(void)
{
	const char *m = getenv("BENCH_MAX_SECONDS");

	max_seconds = m ? atof(m) : 0;
	c0 = cpu_busy();
	t0 = now();
}

/* Past BENCH_MAX_SECONDS?  Asked every 16th step: the clock costs too. */
static int out_of_time(unsigned long long step)
{
	return max_seconds > 0 && !(step & 15) && now() - t0 > max_seconds;
}

static void stop(unsigned long long amount)
{
	double t = now() - t0, c = cpu_busy() - c0;

	printf("%.6f %.3f %llu\n", t, c, amount);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s || *end) {
		fprintf(stderr, "%s: not a number: %s\n", prog, s);
		exit(2);
	}
	return v;
}

static char *buffer(size_t n)
{
	char *b = aligned_alloc(4096, (n + 4095) & ~4095UL);
	size_t i;

	if (!b)
		die("allocating", NULL);
	for (i = 0; i < n; i++)	/* not zeros, not compressible */
		b[i] = (char)(i * 2654435761u >> 13);
	return b;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void full_write(int fd, const char *b, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0)
			die("writing", path);
		b += w;
		n -= w;
	}
}

static int cmd_write(char **a, int n)
{
	unsigned long long size = num(a[1]), bs = num(a[2]), done = 0, i = 1;
	char *b = buffer(bs);
	int fd;

	start();
	fd = open(a[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("creating", a[0]);
	while (done < size && !out_of_time(i++)) {
		size_t len = size - done < bs ? size - done : bs;

		full_write(fd, b, len, a[0]);
		done += len;
	}
	if (n > 3 && !strcmp(a[3], "fsync") && fsync(fd))
		die("fsync", a[0]);
	if (close(fd))
		die("closing", a[0]);
	stop(done);
	return 0;
}

static int cmd_read(char **a, int n)
{
	unsigned long long bs = num(a[1]), total = 0;
	unsigned long long limit = n > 2 ? num(a[2]) : ~0ULL;
	unsigned long long i = 1;
	char *b = buffer(bs);
	ssize_t r = 0;
	int fd;

	start();
	fd = open(a[0], O_RDONLY);
	if (fd < 0)
		die("opening", a[0]);
	while (total < limit && !out_of_time(i++) && (r = read(fd, b, bs)) > 0)
		total += r;
	if (r < 0)
		die("reading", a[0]);
	close(fd);
	stop(total);
	return 0;
}

static int cmd_random(char **a, int writing)
{
	unsigned long long bs = num(a[1]), count = num(a[2]), i;
	char *b = buffer(bs);
	struct stat st;
	int fd = open(a[0], writing ? O_RDWR : O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		die("opening", a[0]);
	if ((unsigned long long)st.st_size < bs) {
		fprintf(stderr, "%s: %s is shorter than %llu\n", prog, a[0], bs);
		return 1;
	}
	start();
	for (i = 0; i < count && !out_of_time(i + 1); i++) {
		off_t off = (next_random() % (st.st_size / bs)) * bs;
		ssize_t r = writing ? pwrite(fd, b, bs, off) :
				      pread(fd, b, bs, off);

		if (r != (ssize_t)bs)
			die(writing ? "writing" : "reading", a[0]);
	}
	stop(i * bs);
	close(fd);
	return 0;
}

static int cmd_firstwrite(char **a)
{
	char *b = buffer(4096);
	int fd;

	start();
	fd = open(a[0], O_RDWR);
	if (fd < 0)
		die("opening", a[0]);
	if (pwrite(fd, b, 4096, num(a[1])) != 4096)
		die("writing", a[0]);
	if (close(fd))
		die("closing", a[0]);
	stop(4096);
	return 0;
}

static int cmd_create(char **a)
{
	unsigned long long files = num(a[1]), dirs = num(a[2]), size = num(a[3]);
	char *b = buffer(size ? size : 1), path[4096];
	unsigned long long i;

	start();
	for (i = 0; i < dirs; i++) {
		snprintf(path, sizeof(path), "%s/c%03llu", a[0], i);
		if (mkdir(path, 0755))
			die("mkdir", path);
	}
	for (i = 0; i < files && !out_of_time(i + 1); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/c%03llu/f%06llu", a[0],
			 i % dirs, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("creating", path);
		full_write(fd, b, size, path);
		if (close(fd))
			die("closing", path);
	}
	stop(i);
	return 0;
}

struct walk {
	int do_stat, read_files, stopped;
	unsigned long long entries, files;
	char *buf;
};

static void walk_dir(struct walk *w, int dfd, const char *path)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (!d)
		die("opendir", path);
	while (!w->stopped && (e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (out_of_time(++w->entries)) {
			w->stopped = 1;
			break;
		}
		if (w->do_stat &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			die("lstat", e->d_name);
		if (e->d_type == DT_DIR) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY);

			if (sub < 0)
				die("opening directory", e->d_name);
			walk_dir(w, sub, e->d_name);
		} else if (w->read_files && e->d_type == DT_REG) {
			int fd = openat(dirfd(d), e->d_name, O_RDONLY);
			ssize_t r, total = 0;

			if (fd < 0)
				die("opening", e->d_name);
			while (total < (1 << 20) &&
			       (r = read(fd, w->buf, 1 << 16)) > 0)
				total += r;
			if (r < 0)
				die("reading", e->d_name);
			close(fd);
			w->files++;
		}
	}
	closedir(d);
}

static int cmd_walk(char **a, int n, int read_files)
{
	struct walk w = { .do_stat = n > 1 && !strcmp(a[1], "stat"),
			  .read_files = read_files, .buf = buffer(1 << 16) };
	int fd;

	start();
	fd = open(a[0], O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		die("opening", a[0]);
	walk_dir(&w, fd, a[0]);
	stop(read_files ? w.files : w.entries);
	return 0;
}

static int cmd_run(char **a)
{
	struct rusage ru;
	int status;
	pid_t pid;

	start();
	pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (!pid) {
		/* the command's own output must not mix with ours */
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execvp(a[0], a);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4", NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: %s failed (status %d)\n", prog, a[0],
			status);
		return 1;
	}
	stop(ru.ru_maxrss);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int min_args;
	} cmds[] = {
		{ "write", 3 }, { "read", 2 }, { "randread", 3 },
		{ "randwrite", 3 }, { "firstwrite", 2 }, { "create", 4 },
		{ "readall", 1 }, { "walk", 1 }, { "run", 1 },
	};
	const char *c = argc > 1 ? argv[1] : "";
	char **a = argv + 2;
	int n = argc - 2;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(c, cmds[i].name) && n >= cmds[i].min_args)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		fprintf(stderr, "usage: see the comment at the top of bench/tools/bench-io.c\n");
		return 2;
	}
	if (!strcmp(c, "write"))
		return cmd_write(a, n);
	if (!strcmp(c, "read"))
		return cmd_read(a, n);
	if (!strcmp(c, "randread") || !strcmp(c, "randwrite"))
		return cmd_random(a, c[4] == 'w');
	if (!strcmp(c, "firstwrite"))
		return cmd_firstwrite(a);
	if (!strcmp(c, "create"))
		return cmd_create(a);
	if (!strcmp(c, "readall"))
		return cmd_walk(a, 1, 1);
	if (!strcmp(c, "walk"))
		return cmd_walk(a, n, 0);
	return cmd_run(a);
}
