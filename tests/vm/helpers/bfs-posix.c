// SPDX-License-Identifier: GPL-2.0
/*
 * bfs-posix [--links eperm|work] [--odirect einval|work]
 *           [--xattr eopnotsupp|work] [--lower DIR] WORKDIR
 *
 * POSIX edge cases for a writable directory, each with exact errno values
 * and byte-exact contents.  WORKDIR must be empty or absent; every case
 * runs in its own subdirectory WORKDIR/NAME (left in place afterwards).
 * Prints `ok - NAME` (`ok - NAME # note` where a choice was accepted) or
 * `not ok - NAME: CALL: expected X, got Y` per case, then `N passed, N
 * failed`; exit 1 if any case failed, 2 on a usage error.
 *
 * --links, --odirect, --xattr: the answer the filesystem chose for link(2),
 * O_DIRECT and user.* extended attributes; without the option either
 * answer passes and the case says which it saw.
 *
 * --lower DIR: DIR already has content (a manifest subtree, or a copy of a
 * tree for a host run); cases on the existing files and directories are
 * added.  They record what they expect by reading the content before they
 * change it, so any tree works, and they change DIR (DIR itself is renamed
 * and removed when it has no non-empty subdirectory).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

enum choice { EITHER, REFUSE, WORK };

static enum choice opt_links, opt_odirect, opt_xattr;
static char workdir[PATH_MAX], lower[PATH_MAX];
static long pagesize;
static int npass, nfail;
static int failed;
static char why[1024], notebuf[256];

/* ------------------------------------------------------ the frame */

static const char *ename(int e)
{
	static char other[32];

	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(EIO); E(EBADF); E(EACCES); E(EFAULT);
	E(EBUSY); E(EEXIST); E(EXDEV); E(ENOTDIR); E(EISDIR); E(EINVAL);
	E(ENFILE); E(EMFILE); E(ETXTBSY); E(EFBIG); E(ENOSPC); E(ESPIPE);
	E(EROFS); E(EMLINK); E(ERANGE); E(ENAMETOOLONG); E(ENOSYS);
	E(ENOTEMPTY); E(ELOOP); E(ENODATA); E(EOPNOTSUPP); E(EOVERFLOW);
	E(ESTALE); E(EDQUOT); E(ENOTTY); E(E2BIG);
#undef E
	}
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (failed)
		return;
	failed = 1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(notebuf, sizeof(notebuf), fmt, ap);
	va_end(ap);
}

/* FAIL returns from the case; helpers return -1 and the case returns */
#define FAIL(...) do { fail(__VA_ARGS__); return; } while (0)
#define TRY(x) do { if (x) return; } while (0)

#define OK(call) do { \
	if ((long)(call) == -1) \
		FAIL("%s: expected success, got %s", #call, ename(errno)); \
} while (0)

#define ERR(call, E) do { \
	long r_ = (long)(call); int e_ = errno; \
	if (r_ != -1) \
		FAIL("%s: expected %s, got success", #call, #E); \
	if (e_ != (E)) \
		FAIL("%s: expected %s, got %s", #call, #E, ename(e_)); \
} while (0)

#define ERR2(call, E1, E2) do { \
	long r_ = (long)(call); int e_ = errno; \
	if (r_ != -1) \
		FAIL("%s: expected %s or %s, got success", #call, #E1, #E2); \
	if (e_ != (E1) && e_ != (E2)) \
		FAIL("%s: expected %s or %s, got %s", #call, #E1, #E2, ename(e_)); \
} while (0)

#define EQ(what, exp, got) do { \
	long long x_ = (long long)(exp), y_ = (long long)(got); \
	if (x_ != y_) \
		FAIL("%s: expected %lld, got %lld", what, x_, y_); \
} while (0)

#define EQO(what, exp, got) do { \
	long long x_ = (long long)(exp), y_ = (long long)(got); \
	if (x_ != y_) \
		FAIL("%s: expected 0%llo, got 0%llo", what, x_, y_); \
} while (0)

#define EQS(what, exp, got) do { \
	const char *x_ = (exp), *y_ = (got); \
	if (strcmp(x_, y_)) \
		FAIL("%s: expected '%.300s', got '%.300s'", what, x_, y_); \
} while (0)

static void run(const char *name, void (*fn)(void))
{
	failed = 0;
	why[0] = notebuf[0] = 0;
	if (chdir(workdir)) {
		fail("chdir %s: %s", workdir, ename(errno));
	} else if (mkdir(name, 0755) || chdir(name)) {
		fail("setting up %s/%s: %s", workdir, name, ename(errno));
	} else {
		fn();
	}
	if (failed) {
		printf("not ok - %s: %s\n", name, why);
		nfail++;
	} else {
		printf("ok - %s%s%s\n", name, notebuf[0] ? " # " : "", notebuf);
		npass++;
	}
	fflush(stdout);
}

/* ---------------------------------------------------------- helpers */

static void pattern(unsigned char *b, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8) * 13 + 1);
}

static int write_at(const char *path, int flags, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
	ssize_t w;

	if (fd < 0) {
		fail("open(%s): %s", path, ename(errno));
		return -1;
	}
	w = write(fd, b, n);
	if (w != (ssize_t)n) {
		fail("write(%s, %zu): %s", path, n, w < 0 ? ename(errno) : "short write");
		close(fd);
		return -1;
	}
	if (close(fd)) {
		fail("close(%s): %s", path, ename(errno));
		return -1;
	}
	return 0;
}

static int put(const char *path, const char *s)
{
	return write_at(path, O_TRUNC, s, strlen(s));
}

/* read all of fd from offset 0; malloc'd, *n its length */
static unsigned char *slurp_fd(int fd, size_t *n, const char *path)
{
	size_t cap = 65536, len = 0;
	unsigned char *b = malloc(cap);
	ssize_t r;

	for (;;) {
		if (len == cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
		if (!b) {
			fail("out of memory reading %s", path);
			return NULL;
		}
		r = pread(fd, b + len, cap - len, len);
		if (r < 0) {
			fail("read(%s): %s", path, ename(errno));
			free(b);
			return NULL;
		}
		if (r == 0)
			break;
		len += r;
	}
	*n = len;
	return b;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	unsigned char *b;

	if (fd < 0) {
		fail("open(%s): %s", path, ename(errno));
		return NULL;
	}
	b = slurp_fd(fd, n, path);
	close(fd);
	return b;
}

static int same_bytes(const char *what, const unsigned char *exp, size_t en,
		      const unsigned char *got, size_t gn)
{
	size_t i;

	for (i = 0; i < en && i < gn && exp[i] == got[i]; i++)
		;
	if (en != gn && (i == en || i == gn)) {
		fail("%s: expected %zu bytes, got %zu", what, en, gn);
		return -1;
	}
	if (i < en) {
		fail("%s: byte %zu: expected 0x%02x, got 0x%02x (%zu bytes)",
		     what, i, exp[i], got[i], gn);
		return -1;
	}
	return 0;
}

/* the file at path holds exactly exp[0..n) */
static int expect_content(const char *path, const void *exp, size_t n)
{
	size_t gn;
	unsigned char *got = slurp(path, &gn);
	char what[PATH_MAX + 32];
	struct stat st;
	int r;

	if (!got)
		return -1;
	snprintf(what, sizeof(what), "content of %s", path);
	r = same_bytes(what, exp, n, got, gn);
	free(got);
	if (r)
		return r;
	if (stat(path, &st)) {
		fail("stat(%s): %s", path, ename(errno));
		return -1;
	}
	if ((size_t)st.st_size != n) {
		fail("st_size of %s: expected %zu, got %lld", path, n, (long long)st.st_size);
		return -1;
	}
	return 0;
}

static int expect_str(const char *path, const char *s)
{
	return expect_content(path, s, strlen(s));
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct strv {
	char **v;
	size_t n, cap;
};

static void sv_add(struct strv *s, const char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		abort();
	s->n++;
}

/* sorted, '/'-joined; sep between names; malloc'd */
static char *sv_join(struct strv *s, const char *sep)
{
	size_t i, len = 1;
	char *out;

	qsort(s->v, s->n, sizeof(*s->v), cmpstr);
	for (i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + strlen(sep);
	out = malloc(len);
	if (!out)
		abort();
	out[0] = 0;
	for (i = 0; i < s->n; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, s->v[i]);
		free(s->v[i]);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
	return out;
}

/*
 * the names in dir (without . and ..), sorted, joined by '/'; also checks
 * that . and .. are listed once and that d_type, where given, matches
 * lstat.  NULL (and a failure) on error.
 */
static char *listing(const char *dir)
{
	struct strv s = { 0 };
	DIR *d = opendir(dir);
	struct dirent *de;
	int dots = 0, dotdots = 0;

	if (!d) {
		fail("opendir(%s): %s", dir, ename(errno));
		return NULL;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".")) {
			dots++;
			continue;
		}
		if (!strcmp(de->d_name, "..")) {
			dotdots++;
			continue;
		}
		if (de->d_type != DT_UNKNOWN) {
			char p[PATH_MAX];
			struct stat st;

			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (lstat(p, &st)) {
				fail("readdir(%s) lists '%s' but lstat says %s", dir,
				     de->d_name, ename(errno));
			} else if ((unsigned)(st.st_mode & S_IFMT) >> 12 != de->d_type) {
				fail("readdir(%s): d_type of '%s' is %d, lstat says mode 0%o",
				     dir, de->d_name, de->d_type, st.st_mode);
			}
		}
		sv_add(&s, de->d_name);
	}
	if (errno)
		fail("readdir(%s): %s", dir, ename(errno));
	closedir(d);
	if (dots != 1 || dotdots != 1)
		fail("readdir(%s): '.' listed %d times, '..' %d times", dir, dots, dotdots);
	if (failed) {
		free(sv_join(&s, "/"));
		return NULL;
	}
	return sv_join(&s, "/");
}

static int expect_listing(const char *dir, const char *exp)
{
	char *got = listing(dir), what[PATH_MAX + 32];
	int r = 0;

	if (!got)
		return -1;
	if (strcmp(exp, got)) {
		snprintf(what, sizeof(what), "listing of %s", dir);
		fail("%s: expected '%.300s', got '%.300s'", what, exp, got);
		r = -1;
	}
	free(got);
	return r;
}

static int expect_enoent(const char *path)
{
	struct stat st;

	if (!lstat(path, &st)) {
		fail("lstat(%s): expected ENOENT, it exists (mode 0%o)", path, st.st_mode);
		return -1;
	}
	if (errno != ENOENT) {
		fail("lstat(%s): expected ENOENT, got %s", path, ename(errno));
		return -1;
	}
	return 0;
}

static int expect_type(const char *path, mode_t type)
{
	struct stat st;

	if (lstat(path, &st)) {
		fail("lstat(%s): %s", path, ename(errno));
		return -1;
	}
	if ((st.st_mode & S_IFMT) != type) {
		fail("type of %s: expected 0%o, got 0%o", path, type, st.st_mode & S_IFMT);
		return -1;
	}
	return 0;
}

static uint64_t fnv(const unsigned char *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/*
 * one line per entry below dir: path, type, mode, size, and a hash of the
 * content (files) or the target (symlinks); sorted, '\n'-joined
 */
static void tree_walk(const char *dir, const char *rel, struct strv *s)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		fail("opendir(%s): %s", dir, ename(errno));
		return;
	}
	while ((de = readdir(d))) {
		char p[PATH_MAX], r[PATH_MAX], line[PATH_MAX + 128];
		uint64_t h = 0;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (lstat(p, &st)) {
			fail("lstat(%s): %s", p, ename(errno));
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			size_t n;
			unsigned char *b = slurp(p, &n);

			if (b)
				h = fnv(b, n);
			free(b);
		} else if (S_ISLNK(st.st_mode)) {
			char t[PATH_MAX];
			ssize_t n = readlink(p, t, sizeof(t));

			h = n < 0 ? 0 : fnv((unsigned char *)t, n);
		}
		snprintf(line, sizeof(line), "%s %o %lld %016llx", r,
			 st.st_mode, S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
			 (unsigned long long)h);
		sv_add(s, line);
		if (S_ISDIR(st.st_mode))
			tree_walk(p, r, s);
	}
	closedir(d);
}

static char *tree(const char *dir)
{
	struct strv s = { 0 };

	tree_walk(dir, "", &s);
	return sv_join(&s, "\n");
}

/* remove everything below dir, children first */
static int remove_below(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct strv s = { 0 };
	size_t i;
	int r = 0;

	if (!d) {
		fail("opendir(%s): %s", dir, ename(errno));
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			sv_add(&s, de->d_name);
	closedir(d);
	for (i = 0; i < s.n; i++) {
		char p[PATH_MAX];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, s.v[i]);
		if (!r && lstat(p, &st)) {
			fail("lstat(%s): %s", p, ename(errno));
			r = -1;
		}
		if (!r && S_ISDIR(st.st_mode)) {
			r = remove_below(p);
			if (!r && rmdir(p)) {
				fail("rmdir(%s): %s", p, ename(errno));
				r = -1;
			}
		} else if (!r && unlink(p)) {
			fail("unlink(%s): %s", p, ename(errno));
			r = -1;
		}
	}
	free(sv_join(&s, "/"));
	return r;
}

/* ------------------------------------------------ files: create, write */

static void c_create_excl(void)
{
	struct stat st;
	int fd;

	OK(fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
	OK(fstat(fd, &st));
	close(fd);
	EQ("st_size of a new file", 0, st.st_size);
	EQO("file type and mode of a new file (umask 022)", S_IFREG | 0644, st.st_mode);
	EQ("st_nlink of a new file", 1, st.st_nlink);
	ERR(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	OK(fd = open("f", O_CREAT | O_WRONLY, 0600));
	close(fd);
	OK(stat("f", &st));
	EQO("mode after O_CREAT on an existing file", S_IFREG | 0644, st.st_mode);
	ERR(open("missing", O_RDONLY), ENOENT);
	ERR(open("nodir/f", O_CREAT | O_WRONLY, 0644), ENOENT);
	/* O_EXCL does not follow a (dangling) symlink */
	OK(symlink("nowhere", "dangling"));
	ERR(open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	TRY(expect_enoent("nowhere"));
	/* O_CREAT without O_EXCL creates the dangling symlink's target */
	OK(fd = open("dangling", O_CREAT | O_WRONLY, 0644));
	close(fd);
	TRY(expect_type("nowhere", S_IFREG));
	TRY(expect_listing(".", "dangling/f/nowhere"));
}

static void c_o_trunc(void)
{
	int fd;

	TRY(put("f", "hello world"));
	OK(fd = open("f", O_WRONLY | O_TRUNC));
	TRY(expect_str("f", ""));
	OK(write(fd, "abc", 3));
	close(fd);
	TRY(expect_str("f", "abc"));
	/* O_TRUNC on an empty file, and O_RDONLY|O_TRUNC by the owner */
	OK(fd = open("f", O_RDONLY | O_TRUNC));
	close(fd);
	TRY(expect_str("f", ""));
}

static void c_write_pwrite(void)
{
	char b[16];
	int fd;

	OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	EQ("write(10)", 10, write(fd, "0123456789", 10));
	EQ("pwrite(2, @3)", 2, pwrite(fd, "XY", 2, 3));
	EQ("file position after pwrite", 10, lseek(fd, 0, SEEK_CUR));
	EQ("write after pwrite", 2, write(fd, "ab", 2));
	EQ("pread(@2, 6)", 6, pread(fd, b, 6, 2));
	if (memcmp(b, "2XY567", 6))
		FAIL("pread(@2, 6): expected '2XY567', got '%.6s'", b);
	EQ("pread at EOF", 0, pread(fd, b, 4, 12));
	EQ("pread past EOF", 0, pread(fd, b, 4, 1000));
	close(fd);
	TRY(expect_str("f", "012XY56789ab"));
	/* wrong access mode */
	OK(fd = open("f", O_RDONLY));
	ERR(write(fd, "x", 1), EBADF);
	close(fd);
	OK(fd = open("f", O_WRONLY));
	ERR(read(fd, b, 1), EBADF);
	close(fd);
	TRY(expect_str("f", "012XY56789ab"));
}

static void c_o_append(void)
{
	int fd, fd2;

	TRY(put("f", "abc"));
	OK(fd = open("f", O_WRONLY | O_APPEND));
	OK(lseek(fd, 0, SEEK_SET));
	EQ("O_APPEND write", 3, write(fd, "def", 3));
	EQ("position after an O_APPEND write", 6, lseek(fd, 0, SEEK_CUR));
	/* another descriptor extends the file: the next append goes after it */
	OK(fd2 = open("f", O_WRONLY));
	EQ("pwrite past the end on a second fd", 2, pwrite(fd2, "GH", 2, 6));
	close(fd2);
	EQ("O_APPEND write after the file grew", 2, write(fd, "ij", 2));
	close(fd);
	TRY(expect_str("f", "abcdefGHij"));
	OK(fd = open("f", O_WRONLY | O_APPEND | O_CREAT, 0644));
	EQ("O_APPEND|O_CREAT write", 1, write(fd, "k", 1));
	close(fd);
	TRY(expect_str("f", "abcdefGHijk"));
	OK(fd = open("new", O_WRONLY | O_APPEND | O_CREAT, 0644));
	EQ("O_APPEND write into a new file", 2, write(fd, "xy", 2));
	close(fd);
	TRY(expect_str("new", "xy"));
}

static void c_sparse(void)
{
	size_t n = (1 << 20) + 8, i;
	unsigned char *exp = calloc(1, n);
	int fd;

	if (!exp)
		FAIL("out of memory");
	OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	EQ("pwrite 'x' at 1 MiB + 7", 1, pwrite(fd, "x", 1, (1 << 20) + 7));
	exp[(1 << 20) + 7] = 'x';
	/* a write in the middle leaves holes on both sides */
	EQ("pwrite 5 bytes at 3 pages - 2", 5, pwrite(fd, "HOLEY", 5, 3 * 4096 - 2));
	memcpy(exp + 3 * 4096 - 2, "HOLEY", 5);
	close(fd);
	TRY(expect_content("f", exp, n));
	/* and a hole at the start of a new file, read in odd pieces */
	OK(fd = open("g", O_RDWR | O_CREAT, 0644));
	EQ("pwrite at 12345", 3, pwrite(fd, "end", 3, 12345));
	for (i = 0; i < 12348; i += 1000) {
		unsigned char b[1000];
		ssize_t r = pread(fd, b, sizeof(b), i), k;

		EQ("pread length in the hole", i + 1000 <= 12348 ? 1000 : 12348 - i, r);
		for (k = 0; k < r; k++)
			if (i + k < 12345 && b[k])
				FAIL("byte %zu of g: expected 0 (hole), got 0x%02x", i + k, b[k]);
	}
	close(fd);
	free(exp);
}

static void c_truncate(void)
{
	unsigned char pat[10000], exp[12000];
	int fd;

	pattern(pat, sizeof(pat), 1);
	TRY(write_at("f", O_TRUNC, pat, sizeof(pat)));
	OK(truncate("f", 5000));
	TRY(expect_content("f", pat, 5000));
	OK(fd = open("f", O_RDWR));
	OK(ftruncate(fd, 12000));
	memcpy(exp, pat, 5000);
	memset(exp + 5000, 0, 7000);
	TRY(expect_content("f", exp, 12000));
	OK(ftruncate(fd, 0));
	TRY(expect_content("f", "", 0));
	OK(ftruncate(fd, 4096));
	memset(exp, 0, 4096);
	TRY(expect_content("f", exp, 4096));
	ERR(ftruncate(fd, -1), EINVAL);
	close(fd);
	OK(fd = open("f", O_RDONLY));
	/* POSIX allows EBADF or EINVAL; Linux's VFS answers EINVAL */
	ERR(ftruncate(fd, 10), EINVAL);
	close(fd);
	OK(mkdir("d", 0755));
	ERR(truncate("d", 0), EISDIR);
	ERR(truncate("missing", 0), ENOENT);
	/* truncate to the same size changes nothing */
	OK(truncate("f", 4096));
	TRY(expect_content("f", exp, 4096));
}

static void c_shrink_extend_zeros(void)
{
	size_t n = 3 * 4096, i;
	unsigned char b[3 * 4096], exp[3 * 4096 + 100];
	int fd;

	memset(b, 0xaa, n);
	OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	EQ("write 3 pages of 0xaa", n, write(fd, b, n));
	OK(fsync(fd));
	OK(ftruncate(fd, 4097));
	OK(ftruncate(fd, n));
	memset(exp, 0, sizeof(exp));
	memset(exp, 0xaa, 4097);
	TRY(expect_content("f", exp, n));
	/* shrink into a page, then extend by a write past the end */
	OK(ftruncate(fd, 100));
	EQ("pwrite past the end", 1, pwrite(fd, "z", 1, n + 99));
	memset(exp + 100, 0, n);
	exp[n + 99] = 'z';
	TRY(expect_content("f", exp, n + 100));
	/* the same through a shrink while the tail is mapped */
	for (i = 0; i < n; i += 4096)
		EQ("rewrite a page", 4096, pwrite(fd, b, 4096, i));
	OK(ftruncate(fd, 10));
	OK(ftruncate(fd, n));
	memset(exp, 0, n);
	memset(exp, 0xaa, 10);
	close(fd);
	TRY(expect_content("f", exp, n));
}

static void c_fallocate(void)
{
	unsigned char pat[8192], exp[20000];
	struct stat st;
	int fd;

	pattern(pat, sizeof(pat), 2);
	TRY(write_at("f", O_TRUNC, pat, sizeof(pat)));
	OK(fd = open("f", O_RDWR));
	/* mode 0 past the end: the size grows, the new bytes read zeros */
	OK(fallocate(fd, 0, 8000, 4000));
	memcpy(exp, pat, 8192);
	memset(exp + 8192, 0, sizeof(exp) - 8192);
	TRY(expect_content("f", exp, 12000));
	/* mode 0 inside the file changes no byte */
	OK(fallocate(fd, 0, 10, 5000));
	TRY(expect_content("f", exp, 12000));
	/* KEEP_SIZE past the end: size unchanged; extending reads zeros */
	OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 12000, 8000));
	OK(fstat(fd, &st));
	EQ("st_size after FALLOC_FL_KEEP_SIZE past the end", 12000, st.st_size);
	TRY(expect_content("f", exp, 12000));
	OK(ftruncate(fd, 20000));
	TRY(expect_content("f", exp, 20000));
	/* invalid arguments are refused by the VFS */
	ERR(fallocate(fd, 0, 0, 0), EINVAL);
	ERR(fallocate(fd, 0, -1, 10), EINVAL);
	ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	close(fd);
	OK(fd = open("f", O_RDONLY));
	ERR(fallocate(fd, 0, 0, 10), EBADF);
	close(fd);
}

static void c_fallocate_punch_hole(void)
{
	unsigned char pat[5 * 4096], exp[5 * 4096];
	struct stat st;
	int fd;

	pattern(pat, sizeof(pat), 3);
	TRY(write_at("f", O_TRUNC, pat, sizeof(pat)));
	OK(fd = open("f", O_RDWR));
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4000, 9000)) {
		if (errno == EOPNOTSUPP) {
			note("skip: FALLOC_FL_PUNCH_HOLE gives EOPNOTSUPP");
			close(fd);
			return;
		}
		FAIL("fallocate(PUNCH_HOLE|KEEP_SIZE, 4000, 9000): %s", ename(errno));
	}
	memcpy(exp, pat, sizeof(exp));
	memset(exp + 4000, 0, 9000);
	OK(fstat(fd, &st));
	EQ("st_size after a punch", sizeof(exp), st.st_size);
	TRY(expect_content("f", exp, sizeof(exp)));
	/* a whole aligned page, and a range running past the end */
	OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096 * 4, 4096 * 4));
	memset(exp + 4096 * 4, 0, 4096);
	OK(fstat(fd, &st));
	EQ("st_size after a punch past the end", sizeof(exp), st.st_size);
	TRY(expect_content("f", exp, sizeof(exp)));
	/* write into the hole again */
	EQ("pwrite into the punched range", 4, pwrite(fd, "fill", 4, 5000));
	memcpy(exp + 5000, "fill", 4);
	close(fd);
	TRY(expect_content("f", exp, sizeof(exp)));
}

/* ------------------------------------------------------ namespace */

static void c_unlink(void)
{
	struct stat st;
	char b[8];
	int fd;

	TRY(put("f", "still here"));
	OK(fd = open("f", O_RDWR));
	OK(unlink("f"));
	TRY(expect_enoent("f"));
	ERR(open("f", O_RDONLY), ENOENT);
	ERR(unlink("f"), ENOENT);
	TRY(expect_listing(".", ""));
	EQ("pread on the unlinked file", 4, pread(fd, b, 8, 6));
	if (memcmp(b, "here", 4))
		FAIL("pread on the unlinked file: expected 'here', got '%.4s'", b);
	OK(fstat(fd, &st));
	EQ("st_nlink of the open unlinked file", 0, st.st_nlink);
	EQ("pwrite on the unlinked file", 3, pwrite(fd, "XYZ", 3, 0));
	EQ("pread back", 3, pread(fd, b, 3, 0));
	if (memcmp(b, "XYZ", 3))
		FAIL("pread after pwrite on the unlinked file: expected 'XYZ', got '%.3s'", b);
	close(fd);
	OK(mkdir("d", 0755));
	/* POSIX allows EPERM; Linux's VFS answers EISDIR */
	ERR(unlink("d"), EISDIR);
	OK(symlink("d", "l"));
	OK(unlink("l"));
	TRY(expect_type("d", S_IFDIR));
	ERR(unlink("d/"), EISDIR);
	ERR(unlink("missing/x"), ENOENT);
}

static void c_mkdir(void)
{
	struct stat st;

	OK(mkdir("d", 0755));
	OK(stat("d", &st));
	EQO("mode of a new directory", S_IFDIR | 0755, st.st_mode);
	OK(mkdir("m", 0777));
	OK(stat("m", &st));
	EQO("mode of mkdir 0777 under umask 022", S_IFDIR | 0755, st.st_mode);
	ERR(mkdir("d", 0755), EEXIST);
	TRY(put("f", "x"));
	ERR(mkdir("f", 0755), EEXIST);
	ERR(mkdir("missing/d", 0755), ENOENT);
	ERR(mkdir("f/d", 0755), ENOTDIR);
	OK(symlink("d", "l"));
	ERR(mkdir("l", 0755), EEXIST);
	OK(mkdir("d/sub/", 0755));
	TRY(expect_listing("d", "sub"));
	TRY(expect_listing("d/sub", ""));
}

static void c_rmdir(void)
{
	OK(mkdir("d", 0755));
	TRY(put("d/f", "x"));
	ERR(rmdir("d"), ENOTEMPTY);
	ERR(rmdir("d/f"), ENOTDIR);
	/* POSIX: EINVAL or EBUSY for "."; Linux's VFS answers EINVAL */
	ERR2(rmdir("d/."), EINVAL, EBUSY);
	ERR2(rmdir("."), EINVAL, EBUSY);
	ERR(rmdir("d/.."), ENOTEMPTY);
	ERR(rmdir("missing"), ENOENT);
	ERR(rmdir("missing/x"), ENOENT);
	ERR(rmdir("d/f/x"), ENOTDIR);
	OK(symlink("e", "l"));
	OK(mkdir("e", 0755));
	ERR(rmdir("l"), ENOTDIR);
	OK(unlink("d/f"));
	OK(rmdir("d"));
	TRY(expect_enoent("d"));
	OK(rmdir("e/"));
	TRY(expect_listing(".", "l"));
}

static void c_open_dir_for_write(void)
{
	int fd;

	OK(mkdir("d", 0755));
	ERR(open("d", O_WRONLY), EISDIR);
	ERR(open("d", O_RDWR), EISDIR);
	ERR(open("d", O_WRONLY | O_CREAT, 0644), EISDIR);
	ERR(open("d", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	OK(fd = open("d", O_RDONLY));
	ERR(write(fd, "x", 1), EBADF);
	{
		char b[4];

		ERR(read(fd, b, 4), EISDIR);
	}
	close(fd);
	TRY(put("f", "x"));
	ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
}

static void c_file_as_dir_component(void)
{
	struct stat st;

	TRY(put("f", "x"));
	ERR(open("f/x", O_RDONLY), ENOTDIR);
	ERR(open("f/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
	ERR(stat("f/x", &st), ENOTDIR);
	ERR(stat("f/", &st), ENOTDIR);
	ERR(open("f/", O_RDONLY), ENOTDIR);
	ERR(mkdir("f/x", 0755), ENOTDIR);
	ERR(unlink("f/x"), ENOTDIR);
	ERR(rename("f/x", "y"), ENOTDIR);
	ERR(symlink("t", "f/x"), ENOTDIR);
	TRY(expect_listing(".", "f"));
}

static void c_name_too_long(void)
{
	char n255[256], n256[257];
	struct stat st;
	int fd;

	memset(n255, 'a', 255);
	n255[255] = 0;
	memset(n256, 'b', 256);
	n256[256] = 0;
	ERR(open(n256, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	ERR(mkdir(n256, 0755), ENAMETOOLONG);
	ERR(stat(n256, &st), ENAMETOOLONG);
	ERR(symlink("x", n256), ENAMETOOLONG);
	OK(fd = open(n255, O_CREAT | O_WRONLY, 0644));
	close(fd);
	OK(stat(n255, &st));
	TRY(put("f", "x"));
	ERR(rename("f", n256), ENAMETOOLONG);
	{
		char exp[300];

		snprintf(exp, sizeof(exp), "%s/f", n255);
		TRY(expect_listing(".", exp));
	}
	OK(unlink(n255));
	TRY(expect_listing(".", "f"));
}

/* ------------------------------------------------------------ rename */

static void c_rename_file_over_file(void)
{
	char b[4];
	int fd;

	TRY(put("a", "A"));
	TRY(put("b", "BB"));
	OK(fd = open("b", O_RDONLY));
	OK(rename("a", "b"));
	TRY(expect_enoent("a"));
	TRY(expect_str("b", "A"));
	EQ("read the replaced file through an open fd", 2, pread(fd, b, 4, 0));
	if (memcmp(b, "BB", 2))
		FAIL("the replaced file's fd: expected 'BB', got '%.2s'", b);
	close(fd);
	TRY(expect_listing(".", "b"));
}

static void c_rename_across_dirs(void)
{
	struct stat a, b;

	OK(mkdir("d1", 0755));
	OK(mkdir("d2", 0755));
	TRY(put("d1/f", "moved"));
	OK(rename("d1/f", "d2/g"));
	TRY(expect_str("d2/g", "moved"));
	TRY(expect_listing("d1", ""));
	TRY(expect_listing("d2", "g"));
	/* a directory across directories: its ".." follows */
	OK(mkdir("d1/sub", 0755));
	TRY(put("d1/sub/x", "x"));
	OK(rename("d1/sub", "d2/sub"));
	OK(stat("d2/sub/..", &a));
	OK(stat("d2", &b));
	EQ("inode of d2/sub/.. after the move", b.st_ino, a.st_ino);
	TRY(expect_listing("d2/sub", "x"));
	TRY(expect_listing("d1", ""));
	TRY(expect_str("d2/sub/x", "x"));
}

static void c_rename_dir_over_empty_dir(void)
{
	OK(mkdir("d1", 0755));
	TRY(put("d1/x", "x"));
	OK(mkdir("d2", 0755));
	OK(rename("d1", "d2"));
	TRY(expect_enoent("d1"));
	TRY(expect_listing("d2", "x"));
	TRY(expect_str("d2/x", "x"));
	TRY(expect_listing(".", "d2"));
}

static void c_rename_dir_over_nonempty_dir(void)
{
	OK(mkdir("d1", 0755));
	OK(mkdir("d2", 0755));
	TRY(put("d2/y", "y"));
	/* POSIX allows EEXIST or ENOTEMPTY; Linux filesystems answer ENOTEMPTY */
	ERR(rename("d1", "d2"), ENOTEMPTY);
	TRY(expect_listing("d2", "y"));
	TRY(expect_listing(".", "d1/d2"));
}

static void c_rename_file_over_dir(void)
{
	TRY(put("f", "f"));
	OK(mkdir("d", 0755));
	ERR(rename("f", "d"), EISDIR);
	TRY(expect_str("f", "f"));
	TRY(expect_type("d", S_IFDIR));
}

static void c_rename_dir_over_file(void)
{
	TRY(put("f", "f"));
	OK(mkdir("d", 0755));
	ERR(rename("d", "f"), ENOTDIR);
	ERR(rename("d", "f/"), ENOTDIR);
	TRY(expect_str("f", "f"));
	TRY(expect_type("d", S_IFDIR));
}

static void c_rename_dir_into_own_subdir(void)
{
	OK(mkdir("d", 0755));
	OK(mkdir("d/sub", 0755));
	ERR(rename("d", "d/sub/x"), EINVAL);
	ERR(rename("d", "d/x"), EINVAL);
	/* onto its own child: not empty and inside itself; the VFS checks
	 * the ancestry first */
	ERR(rename("d", "d/sub"), EINVAL);
	ERR(rename("d/sub", "d"), ENOTEMPTY);
	TRY(expect_listing("d", "sub"));
}

static void c_rename_same_name(void)
{
	TRY(put("f", "same"));
	OK(rename("f", "f"));
	TRY(expect_str("f", "same"));
	OK(mkdir("d", 0755));
	OK(rename("d", "d"));
	TRY(expect_type("d", S_IFDIR));
	TRY(expect_listing(".", "d/f"));
}

static void c_rename_missing_source(void)
{
	OK(mkdir("d", 0755));
	ERR(rename("missing", "x"), ENOENT);
	ERR(rename("missing", "d"), ENOENT);
	TRY(put("f", "f"));
	ERR(rename("f", "nodir/f"), ENOENT);
	TRY(expect_listing(".", "d/f"));
}

static void c_renameat2_noreplace(void)
{
	TRY(put("a", "A"));
	TRY(put("b", "B"));
	ERR(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
	TRY(expect_str("a", "A"));
	TRY(expect_str("b", "B"));
	OK(renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
	TRY(expect_enoent("a"));
	TRY(expect_str("c", "A"));
	OK(mkdir("d", 0755));
	ERR(renameat2(AT_FDCWD, "c", AT_FDCWD, "d", RENAME_NOREPLACE), EEXIST);
	ERR(renameat2(AT_FDCWD, "a", AT_FDCWD, "e", RENAME_NOREPLACE), ENOENT);
	ERR(renameat2(AT_FDCWD, "b", AT_FDCWD, "c",
		      RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
	TRY(expect_listing(".", "b/c/d"));
}

static void c_rename_exchange_files(void)
{
	TRY(put("a", "AAA"));
	TRY(put("b", "B"));
	OK(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE));
	TRY(expect_str("a", "B"));
	TRY(expect_str("b", "AAA"));
	OK(mkdir("d", 0755));
	OK(renameat2(AT_FDCWD, "a", AT_FDCWD, "d/a2", 0));
	OK(renameat2(AT_FDCWD, "b", AT_FDCWD, "d/a2", RENAME_EXCHANGE));
	TRY(expect_str("b", "B"));
	TRY(expect_str("d/a2", "AAA"));
	ERR(renameat2(AT_FDCWD, "b", AT_FDCWD, "missing", RENAME_EXCHANGE), ENOENT);
	ERR(renameat2(AT_FDCWD, "missing", AT_FDCWD, "b", RENAME_EXCHANGE), ENOENT);
	TRY(expect_str("b", "B"));
	TRY(expect_listing(".", "b/d"));
}

static void c_rename_exchange_dirs(void)
{
	struct stat st, d;

	OK(mkdir("x", 0755));
	OK(mkdir("y", 0755));
	OK(mkdir("p", 0755));
	OK(mkdir("p/z", 0755));
	TRY(put("x/1", "one"));
	TRY(put("y/2", "two"));
	TRY(put("p/z/3", "three"));
	OK(renameat2(AT_FDCWD, "x", AT_FDCWD, "y", RENAME_EXCHANGE));
	TRY(expect_listing("x", "2"));
	TRY(expect_listing("y", "1"));
	TRY(expect_str("x/2", "two"));
	/* across directories: each ".." follows */
	OK(renameat2(AT_FDCWD, "x", AT_FDCWD, "p/z", RENAME_EXCHANGE));
	TRY(expect_listing("x", "3"));
	TRY(expect_listing("p/z", "2"));
	OK(stat("p/z/..", &st));
	OK(stat("p", &d));
	EQ("inode of p/z/.. after the exchange", d.st_ino, st.st_ino);
	OK(stat("x/..", &st));
	OK(stat(".", &d));
	EQ("inode of x/.. after the exchange", d.st_ino, st.st_ino);
	/* a file with a directory */
	TRY(put("f", "file"));
	OK(renameat2(AT_FDCWD, "f", AT_FDCWD, "y", RENAME_EXCHANGE));
	TRY(expect_str("y", "file"));
	TRY(expect_listing("f", "1"));
	ERR(renameat2(AT_FDCWD, "y", AT_FDCWD, "missing", RENAME_EXCHANGE), ENOENT);
	/* into its own subdirectory */
	ERR(renameat2(AT_FDCWD, "p", AT_FDCWD, "p/z", RENAME_EXCHANGE), EINVAL);
	TRY(expect_listing(".", "f/p/x/y"));
}

static void c_rename_whiteout(void)
{
	struct stat st;

	TRY(put("a", "A"));
	TRY(put("b", "B"));
	if (renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_WHITEOUT)) {
		if (errno != EINVAL)
			FAIL("renameat2(RENAME_WHITEOUT): expected EINVAL or success, got %s",
			     ename(errno));
		note("EINVAL");
		TRY(expect_str("a", "A"));
		TRY(expect_str("b", "B"));
		return;
	}
	note("works");
	TRY(expect_str("b", "A"));
	OK(lstat("a", &st));
	if (!S_ISCHR(st.st_mode) || st.st_rdev != 0)
		FAIL("the whiteout left at 'a': expected a 0:0 character device, got mode 0%o rdev 0x%llx",
		     st.st_mode, (unsigned long long)st.st_rdev);
}

/* ------------------------------------------------------- attributes */

static void c_symlink(void)
{
	const char *t = "some/target/../path with space";
	char b[PATH_MAX];
	struct stat st;

	OK(symlink(t, "l"));
	EQ("readlink length", strlen(t), readlink("l", b, sizeof(b)));
	if (memcmp(b, t, strlen(t)))
		FAIL("readlink: expected '%s', got '%.*s'", t, (int)strlen(t), b);
	OK(lstat("l", &st));
	EQ("lstat size of the symlink", strlen(t), st.st_size);
	if (!S_ISLNK(st.st_mode))
		FAIL("lstat mode of the symlink: expected S_IFLNK, got 0%o", st.st_mode);
	EQ("readlink into 4 bytes (truncated, no NUL)", 4, readlink("l", b, 4));
	ERR(stat("l", &st), ENOENT);
	ERR(symlink("x", "l"), EEXIST);
	TRY(put("f", "via link"));
	OK(symlink("f", "lf"));
	TRY(expect_str("lf", "via link"));
	ERR(readlink("f", b, sizeof(b)), EINVAL);
	OK(mkdir("d", 0755));
	OK(symlink("../f", "d/up"));
	TRY(expect_str("d/up", "via link"));
	OK(symlink("d", "ld"));
	TRY(expect_listing("ld", "up"));
	ERR(open("lf", O_RDONLY | O_NOFOLLOW), ELOOP);
	OK(symlink("loop", "loop"));
	ERR(open("loop", O_RDONLY), ELOOP);
	ERR(symlink("", "empty"), ENOENT);
	TRY(expect_listing(".", "d/f/l/ld/lf/loop"));
}

static void c_chmod(void)
{
	struct stat st;
	int fd;

	TRY(put("f", "x"));
	OK(chmod("f", 0600));
	OK(stat("f", &st));
	EQO("mode after chmod 0600", S_IFREG | 0600, st.st_mode);
	OK(fd = open("f", O_RDONLY));
	OK(fchmod(fd, 0751));
	OK(fstat(fd, &st));
	EQO("mode after fchmod 0751", S_IFREG | 0751, st.st_mode);
	close(fd);
	OK(chmod("f", 04755));
	OK(stat("f", &st));
	EQO("mode after chmod 04755", S_IFREG | 04755, st.st_mode);
	OK(chmod("f", 0));
	OK(stat("f", &st));
	EQO("mode after chmod 0", S_IFREG, st.st_mode);
	OK(mkdir("d", 0755));
	OK(chmod("d", 01777));
	OK(stat("d", &st));
	EQO("mode of the directory after chmod 01777", S_IFDIR | 01777, st.st_mode);
	OK(symlink("f", "l"));
	OK(chmod("l", 0644));	/* follows the link */
	OK(stat("f", &st));
	EQO("mode of the target after chmod through a symlink", S_IFREG | 0644, st.st_mode);
	ERR(chmod("missing", 0644), ENOENT);
	TRY(expect_str("f", "x"));
}

static void c_chown(void)
{
	struct stat st;
	int fd;

	if (geteuid() != 0) {
		note("skip: not root");
		return;
	}
	TRY(put("f", "x"));
	OK(chown("f", 1234, 5678));
	OK(stat("f", &st));
	EQ("st_uid after chown", 1234, st.st_uid);
	EQ("st_gid after chown", 5678, st.st_gid);
	OK(fd = open("f", O_RDONLY));
	OK(fchown(fd, 42, -1));
	OK(fstat(fd, &st));
	close(fd);
	EQ("st_uid after fchown(42, -1)", 42, st.st_uid);
	EQ("st_gid after fchown(42, -1)", 5678, st.st_gid);
	/* the link itself, not its target */
	OK(symlink("f", "l"));
	OK(lchown("l", 7, 8));
	OK(lstat("l", &st));
	EQ("st_uid of the symlink after lchown", 7, st.st_uid);
	EQ("st_gid of the symlink after lchown", 8, st.st_gid);
	OK(stat("f", &st));
	EQ("st_uid of the target after lchown", 42, st.st_uid);
	OK(mkdir("d", 0755));
	OK(chown("d", 99, 98));
	OK(stat("d", &st));
	EQ("st_uid of the directory", 99, st.st_uid);
	EQ("st_gid of the directory", 98, st.st_gid);
	/* chown clears set-user-ID on a regular file, also for root */
	OK(chmod("f", 04755));
	OK(chown("f", 0, 0));
	OK(stat("f", &st));
	EQO("mode after chown of a set-user-ID file", S_IFREG | 0755, st.st_mode);
	EQ("st_uid after chown(0, 0)", 0, st.st_uid);
}

/* write(2) one byte at the start of @path as uid and gid 1000 */
static int write_as_user(const char *path)
{
	int st;
	pid_t pid = fork();

	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd;

		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(2);
		fd = open(path, O_WRONLY);
		_exit(fd < 0 || write(fd, "y", 1) != 1 ? 3 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fail("write to %s as uid 1000 failed (status %#x)", path, st);
		return -1;
	}
	return 0;
}

/*
 * A write by a user without CAP_FSETID clears set-user-ID, and set-group-ID
 * with group execute (without it, kernels differ); every time, also after
 * chmod sets them again (the mount is SB_NOSEC: the kernel skips the check
 * on a file it once found clean until a chmod or xattr change).  Root
 * keeps the bits.
 */
static void c_write_kills_suid(void)
{
	struct stat st;
	int round;

	if (geteuid() != 0) {
		note("skip: not root");
		return;
	}
	TRY(put("f", "x"));
	for (round = 0; round < 3; round++) {
		OK(chmod("f", 06777));
		TRY(write_as_user("f"));
		OK(stat("f", &st));
		EQO("mode after a user's write to a 06777 file", S_IFREG | 0777,
		    st.st_mode);
		TRY(write_as_user("f"));	/* clean now: the fast path */
	}
	OK(chmod("f", 04777));
	TRY(put("f", "z"));
	OK(stat("f", &st));
	EQO("mode after root's write to a 04777 file", S_IFREG | 04777, st.st_mode);
	TRY(expect_str("f", "z"));
}

static int expect_ts(const char *what, const struct timespec *got,
		     long long sec, long nsec)
{
	if (got->tv_sec != sec || got->tv_nsec / 1000 != nsec / 1000) {
		fail("%s: expected %lld.%06ld, got %lld.%06ld", what, sec, nsec / 1000,
		     (long long)got->tv_sec, got->tv_nsec / 1000);
		return -1;
	}
	return 0;
}

static void c_utimensat(void)
{
	struct timespec ts[2], t0, t1;
	struct stat st;
	int fd;

	TRY(put("f", "x"));
	ts[0].tv_sec = 1000000000;
	ts[0].tv_nsec = 123456789;
	ts[1].tv_sec = 1234567890;
	ts[1].tv_nsec = 987654321;
	OK(utimensat(AT_FDCWD, "f", ts, 0));
	OK(stat("f", &st));
	TRY(expect_ts("atime after utimensat", &st.st_atim, 1000000000, 123456789));
	TRY(expect_ts("mtime after utimensat", &st.st_mtim, 1234567890, 987654321));
	/* UTIME_OMIT for mtime, an explicit atime */
	ts[0].tv_sec = 1500000000;
	ts[0].tv_nsec = 5000;
	ts[1].tv_nsec = UTIME_OMIT;
	OK(utimensat(AT_FDCWD, "f", ts, 0));
	OK(stat("f", &st));
	TRY(expect_ts("atime after (explicit, UTIME_OMIT)", &st.st_atim, 1500000000, 5000));
	TRY(expect_ts("mtime after (explicit, UTIME_OMIT)", &st.st_mtim, 1234567890, 987654321));
	/* UTIME_NOW for atime, UTIME_OMIT for mtime */
	clock_gettime(CLOCK_REALTIME, &t0);
	ts[0].tv_nsec = UTIME_NOW;
	OK(utimensat(AT_FDCWD, "f", ts, 0));
	clock_gettime(CLOCK_REALTIME, &t1);
	OK(stat("f", &st));
	if (st.st_atim.tv_sec < t0.tv_sec - 1 || st.st_atim.tv_sec > t1.tv_sec + 1)
		FAIL("atime after UTIME_NOW: expected about %lld, got %lld",
		     (long long)t0.tv_sec, (long long)st.st_atim.tv_sec);
	TRY(expect_ts("mtime after (UTIME_NOW, UTIME_OMIT)", &st.st_mtim, 1234567890, 987654321));
	/* both omitted: nothing changes */
	{
		struct stat before = st;

		ts[0].tv_nsec = UTIME_OMIT;
		ts[1].tv_nsec = UTIME_OMIT;
		OK(utimensat(AT_FDCWD, "f", ts, 0));
		OK(stat("f", &st));
		TRY(expect_ts("atime after (UTIME_OMIT, UTIME_OMIT)", &st.st_atim,
			      before.st_atim.tv_sec, before.st_atim.tv_nsec));
		TRY(expect_ts("mtime after (UTIME_OMIT, UTIME_OMIT)", &st.st_mtim,
			      1234567890, 987654321));
	}
	/* futimens: explicit atime, UTIME_NOW mtime */
	OK(fd = open("f", O_RDONLY));
	ts[0].tv_sec = 2000000000;
	ts[0].tv_nsec = 999999999;
	ts[1].tv_nsec = UTIME_NOW;
	clock_gettime(CLOCK_REALTIME, &t0);
	OK(futimens(fd, ts));
	OK(fstat(fd, &st));
	close(fd);
	TRY(expect_ts("atime after futimens", &st.st_atim, 2000000000, 999999999));
	if (st.st_mtim.tv_sec < t0.tv_sec - 1 || st.st_mtim.tv_sec > t0.tv_sec + 2)
		FAIL("mtime after UTIME_NOW: expected about %lld, got %lld",
		     (long long)t0.tv_sec, (long long)st.st_mtim.tv_sec);
	/* NULL times: both now */
	OK(utimensat(AT_FDCWD, "f", NULL, 0));
	OK(stat("f", &st));
	if (st.st_atim.tv_sec < t0.tv_sec - 1 || st.st_mtim.tv_sec < t0.tv_sec - 1)
		FAIL("times after utimensat(NULL): expected about %lld, got %lld and %lld",
		     (long long)t0.tv_sec, (long long)st.st_atim.tv_sec,
		     (long long)st.st_mtim.tv_sec);
	/* a directory and a symlink itself */
	OK(mkdir("d", 0755));
	ts[0].tv_sec = 1111111111;
	ts[0].tv_nsec = 111111000;
	ts[1].tv_sec = 1222222222;
	ts[1].tv_nsec = 222222000;
	OK(utimensat(AT_FDCWD, "d", ts, 0));
	OK(stat("d", &st));
	TRY(expect_ts("mtime of the directory", &st.st_mtim, 1222222222, 222222000));
	OK(symlink("f", "l"));
	OK(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	OK(lstat("l", &st));
	TRY(expect_ts("mtime of the symlink", &st.st_mtim, 1222222222, 222222000));
	/* a write sets mtime to now */
	OK(utimensat(AT_FDCWD, "f", ts, 0));
	clock_gettime(CLOCK_REALTIME, &t0);
	TRY(put("f", "changed"));
	OK(stat("f", &st));
	if (st.st_mtim.tv_sec < t0.tv_sec - 1)
		FAIL("mtime after a write: expected about %lld, got %lld",
		     (long long)t0.tv_sec, (long long)st.st_mtim.tv_sec);
	ts[0].tv_nsec = 7;
	ts[1].tv_nsec = 2000000000;
	ERR(utimensat(AT_FDCWD, "f", ts, 0), EINVAL);
	ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
}

static void c_sync_calls(void)
{
	int fd, dfd;

	OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	EQ("write", 5, write(fd, "hello", 5));
	EQ("fsync", 0, fsync(fd));
	EQ("pwrite", 2, pwrite(fd, "HE", 2, 0));
	EQ("fdatasync", 0, fdatasync(fd));
	EQ("syncfs", 0, syncfs(fd));
	EQ("sync_file_range", 0, sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE |
						 SYNC_FILE_RANGE_WAIT_AFTER));
	close(fd);
	OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	EQ("fsync of a directory", 0, fsync(dfd));
	EQ("syncfs on a directory fd", 0, syncfs(dfd));
	close(dfd);
	OK(fd = open("f", O_RDONLY));
	EQ("fsync on a read-only fd", 0, fsync(fd));
	close(fd);
	TRY(expect_str("f", "HEllo"));
}

/* ---------------------------------------------------------------- mmap */

static sigjmp_buf jb;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static void c_mmap_shared_write(void)
{
	size_t n = 3 * pagesize;
	unsigned char *p, exp[3 * 65536], b[3 * 65536];
	int fd;

	if (n > sizeof(exp))
		FAIL("page size %ld too large", pagesize);
	OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	OK(ftruncate(fd, n));
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap(MAP_SHARED, PROT_WRITE): %s", ename(errno));
	memset(exp, 0, n);
	pattern(exp + pagesize - 100, 200, 4);	/* across a page boundary */
	memcpy(p + pagesize - 100, exp + pagesize - 100, 200);
	p[n - 1] = exp[n - 1] = 0x77;
	/* read() sees the bytes while mapped, before any msync */
	EQ("pread while mapped", n, pread(fd, b, n, 0));
	TRY(same_bytes("pread of the mapped file", exp, n, b, n));
	/* write() is seen through the mapping */
	EQ("pwrite into the mapped range", 4, pwrite(fd, "MMAP", 4, 10));
	memcpy(exp + 10, "MMAP", 4);
	if (memcmp(p + 10, "MMAP", 4))
		FAIL("the mapping after pwrite: expected 'MMAP', got '%.4s'", p + 10);
	OK(msync(p, n, MS_SYNC));
	OK(munmap(p, n));
	close(fd);
	TRY(expect_content("f", exp, n));
	/* a mapping written and unmapped without msync, then fsync */
	OK(fd = open("f", O_RDWR));
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("second mmap: %s", ename(errno));
	memset(p + pagesize, 0x33, pagesize);
	memset(exp + pagesize, 0x33, pagesize);
	OK(munmap(p, n));
	OK(fsync(fd));
	close(fd);
	TRY(expect_content("f", exp, n));
	/* a read-only fd cannot be mapped shared and writable */
	OK(fd = open("f", O_RDONLY));
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		FAIL("mmap(PROT_WRITE, MAP_SHARED) of an O_RDONLY fd: expected EACCES, got success");
	if (errno != EACCES)
		FAIL("mmap(PROT_WRITE, MAP_SHARED) of an O_RDONLY fd: expected EACCES, got %s",
		     ename(errno));
	close(fd);
}

static void c_mmap_truncate_sigbus(void)
{
	size_t n = 3 * pagesize;
	volatile unsigned char *p;
	unsigned char *pat;
	struct sigaction sa, old;
	volatile int stage = 0;
	volatile unsigned char got = 0;
	volatile size_t i = 0;
	int fd;

	pat = malloc(n);
	if (!pat)
		FAIL("out of memory");
	pattern(pat, n, 5);
	TRY(write_at("f", O_TRUNC, pat, n));
	OK(fd = open("f", O_RDWR));
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap: %s", ename(errno));
	EQ("a byte of page 3 before the shrink", pat[2 * pagesize + 1], p[2 * pagesize + 1]);
	OK(ftruncate(fd, pagesize + 10));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(jb, 1) == 0) {
		/* inside the page holding EOF: data, then zeros */
		got = p[pagesize + 5];
		if (got != pat[pagesize + 5])
			stage = 1;
		for (i = pagesize + 10; !stage && i < 2 * (size_t)pagesize; i++)
			if (p[i])
				stage = 2;
		if (!stage) {
			stage = 3;
			(void)p[2 * pagesize + 1];	/* past the EOF page */
			stage = 4;
		}
	}
	sigaction(SIGBUS, &old, NULL);
	if (stage == 3) {
		/* got SIGBUS reading: now writing must fault too */
		stage = 5;
		sigaction(SIGBUS, &sa, &old);
		if (sigsetjmp(jb, 1) == 0) {
			p[2 * pagesize] = 1;
			stage = 6;
		}
		sigaction(SIGBUS, &old, NULL);
	}
	munmap((void *)p, n);
	close(fd);
	if (stage == 1)
		FAIL("byte before EOF after the shrink: expected 0x%02x, got 0x%02x",
		     pat[pagesize + 5], got);
	if (stage == 2)
		FAIL("byte %zu past EOF in the EOF page: expected 0, got non-zero", i);
	if (stage == 4)
		FAIL("reading a mapped page past EOF: expected SIGBUS, got a value");
	if (stage == 6)
		FAIL("writing a mapped page past EOF: expected SIGBUS, it succeeded");
	TRY(expect_content("f", pat, pagesize + 10));
	free(pat);
}

static void c_write_then_mmap_read(void)
{
	size_t n = 2 * pagesize + 123, mapn = 3 * pagesize, i;
	unsigned char *pat = malloc(n), *p;
	int fd;

	if (!pat)
		FAIL("out of memory");
	pattern(pat, n, 6);
	OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	EQ("write", n, write(fd, pat, n));
	p = mmap(NULL, mapn, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap: %s", ename(errno));
	TRY(same_bytes("mmap read after write", pat, n, p, n));
	for (i = n; i < mapn; i++)
		if (p[i])
			FAIL("mapped byte %zu past EOF: expected 0, got 0x%02x", i, p[i]);
	/* a later write shows in the existing mapping */
	EQ("pwrite", 3, pwrite(fd, "new", 3, pagesize - 1));
	if (memcmp(p + pagesize - 1, "new", 3))
		FAIL("the mapping after pwrite across a page boundary: expected 'new', got '%.3s'",
		     p + pagesize - 1);
	munmap(p, mapn);
	/* MAP_PRIVATE writes stay private */
	p = mmap(NULL, mapn, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap MAP_PRIVATE: %s", ename(errno));
	memset(p, 'P', 100);
	munmap(p, mapn);
	close(fd);
	memcpy(pat + pagesize - 1, "new", 3);
	TRY(expect_content("f", pat, n));
	free(pat);
}

/* ------------------------------------------------------------ readdir */

static void c_readdir(void)
{
	char name[32], *exp;
	struct strv s = { 0 };
	int i;

	TRY(expect_listing(".", ""));
	TRY(put("a", "a"));
	TRY(put("b", "b"));
	TRY(put("c", "c"));
	OK(mkdir("d", 0755));
	OK(symlink("a", "l"));
	TRY(expect_listing(".", "a/b/c/d/l"));
	OK(unlink("b"));
	TRY(expect_listing(".", "a/c/d/l"));
	OK(rename("c", "e"));
	TRY(expect_listing(".", "a/d/e/l"));
	OK(rename("a", "d/a"));
	TRY(expect_listing(".", "d/e/l"));
	TRY(expect_listing("d", "a"));
	/* enough names for several getdents calls */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "d/name-%03d-with-some-length", i);
		TRY(put(name, ""));
	}
	for (i = 0; i < 300; i += 2) {
		snprintf(name, sizeof(name), "d/name-%03d-with-some-length", i);
		OK(unlink(name));
	}
	sv_add(&s, "a");
	for (i = 1; i < 300; i += 2) {
		snprintf(name, sizeof(name), "name-%03d-with-some-length", i);
		sv_add(&s, name);
	}
	exp = sv_join(&s, "/");
	if (expect_listing("d", exp)) {
		free(exp);
		return;
	}
	free(exp);
}

/* ------------------------------------------------- per-option choices */

static void c_link(void)
{
	struct stat a, b;

	TRY(put("f", "linked"));
	OK(mkdir("d", 0755));
	ERR(link("d", "dl"), EPERM);	/* never for directories */
	if (link("f", "g")) {
		if (errno != EPERM)
			FAIL("link(f, g): expected %s, got %s",
			     opt_links == WORK ? "success" : "EPERM", ename(errno));
		if (opt_links == WORK)
			FAIL("link(f, g): expected success (--links work), got EPERM");
		if (opt_links == EITHER)
			note("EPERM");
		TRY(expect_enoent("g"));
		TRY(expect_listing(".", "d/f"));
		return;
	}
	if (opt_links == REFUSE)
		FAIL("link(f, g): expected EPERM (--links eperm), got success");
	if (opt_links == EITHER)
		note("works");
	OK(stat("f", &a));
	OK(stat("g", &b));
	EQ("st_nlink of f after link", 2, a.st_nlink);
	EQ("st_nlink of g after link", 2, b.st_nlink);
	EQ("st_ino of the two names", a.st_ino, b.st_ino);
	TRY(write_at("g", 0, "LINK", 4));
	TRY(expect_str("f", "LINKed"));
	ERR(link("f", "g"), EEXIST);
	OK(link("f", "d/h"));
	OK(stat("f", &a));
	EQ("st_nlink after a second link", 3, a.st_nlink);
	OK(unlink("f"));
	OK(stat("g", &b));
	EQ("st_nlink after unlink", 2, b.st_nlink);
	TRY(expect_str("d/h", "LINKed"));
	ERR(link("missing", "x"), ENOENT);
	TRY(expect_listing(".", "d/g"));
}

static void c_o_direct(void)
{
	unsigned char *b, *r;
	int fd = open("f", O_RDWR | O_CREAT | O_DIRECT, 0644);

	if (fd < 0) {
		if (errno != EINVAL)
			FAIL("open(O_DIRECT): expected %s, got %s",
			     opt_odirect == WORK ? "success" : "EINVAL", ename(errno));
		if (opt_odirect == WORK)
			FAIL("open(O_DIRECT): expected success (--odirect work), got EINVAL");
		if (opt_odirect == EITHER)
			note("EINVAL");
		return;
	}
	if (opt_odirect == REFUSE) {
		close(fd);
		FAIL("open(O_DIRECT): expected EINVAL (--odirect einval), got success");
	}
	if (opt_odirect == EITHER)
		note("works");
	if (posix_memalign((void **)&b, 4096, 8192) || posix_memalign((void **)&r, 4096, 8192))
		FAIL("out of memory");
	pattern(b, 8192, 7);
	EQ("O_DIRECT pwrite of 8 KiB at 4096", 8192, pwrite(fd, b, 8192, 4096));
	EQ("O_DIRECT pread of 8 KiB at 4096", 8192, pread(fd, r, 8192, 4096));
	TRY(same_bytes("O_DIRECT read back", b, 8192, r, 8192));
	close(fd);
	{
		unsigned char exp[4096 + 8192];

		memset(exp, 0, 4096);
		memcpy(exp + 4096, b, 8192);
		TRY(expect_content("f", exp, sizeof(exp)));
	}
	free(b);
	free(r);
}

static void c_xattr(void)
{
	char v[64];
	char list[256];
	ssize_t n;

	TRY(put("f", "x"));
	if (setxattr("f", "user.x", "value", 5, 0)) {
		if (errno != EOPNOTSUPP)
			FAIL("setxattr(user.x): expected %s, got %s",
			     opt_xattr == WORK ? "success" : "EOPNOTSUPP", ename(errno));
		if (opt_xattr == WORK)
			FAIL("setxattr(user.x): expected success (--xattr work), got EOPNOTSUPP");
		if (opt_xattr == EITHER)
			note("EOPNOTSUPP");
		return;
	}
	if (opt_xattr == REFUSE)
		FAIL("setxattr(user.x): expected EOPNOTSUPP (--xattr eopnotsupp), got success");
	if (opt_xattr == EITHER)
		note("works");
	EQ("getxattr(user.x) length", 5, getxattr("f", "user.x", v, sizeof(v)));
	if (memcmp(v, "value", 5))
		FAIL("getxattr(user.x): expected 'value', got '%.5s'", v);
	ERR(setxattr("f", "user.x", "v2", 2, XATTR_CREATE), EEXIST);
	ERR(setxattr("f", "user.y", "v2", 2, XATTR_REPLACE), ENODATA);
	OK(setxattr("f", "user.x", "v2", 2, XATTR_REPLACE));
	EQ("getxattr after replace", 2, getxattr("f", "user.x", v, sizeof(v)));
	if (memcmp(v, "v2", 2))
		FAIL("getxattr(user.x) after replace: expected 'v2', got '%.2s'", v);
	ERR(getxattr("f", "user.x", v, 1), ERANGE);
	n = listxattr("f", list, sizeof(list));
	if (n < 0)
		FAIL("listxattr: %s", ename(errno));
	if (!memmem(list, n, "user.x", 7))
		FAIL("listxattr: expected 'user.x' in the list, got %zd bytes without it", n);
	OK(removexattr("f", "user.x"));
	ERR(getxattr("f", "user.x", v, sizeof(v)), ENODATA);
	ERR(removexattr("f", "user.x"), ENODATA);
	TRY(expect_str("f", "x"));
}

static void c_statfs(void)
{
	struct statfs a, b;
	int fd;

	OK(statfs(".", &a));
	if (a.f_bsize <= 0)
		FAIL("statfs f_bsize: expected > 0, got %lld", (long long)a.f_bsize);
	if (a.f_blocks == 0)
		FAIL("statfs f_blocks: expected > 0, got 0");
	if (a.f_bfree > a.f_blocks || a.f_bavail > a.f_bfree)
		FAIL("statfs: expected f_bavail <= f_bfree <= f_blocks, got %llu, %llu, %llu",
		     (unsigned long long)a.f_bavail, (unsigned long long)a.f_bfree,
		     (unsigned long long)a.f_blocks);
	if (a.f_bavail == 0)
		FAIL("statfs f_bavail: expected > 0 (this test writes), got 0");
	EQ("statfs f_namelen", 255, a.f_namelen);
	TRY(put("f", "x"));
	OK(fd = open("f", O_RDONLY));
	OK(fstatfs(fd, &b));
	close(fd);
	EQ("fstatfs f_type equals statfs", a.f_type, b.f_type);
	EQ("fstatfs f_bsize equals statfs", a.f_bsize, b.f_bsize);
}

/* ------------------------------------------------------------- misc */

static void c_recreate_deleted_name(void)
{
	int fd;

	TRY(put("f", "one"));
	OK(unlink("f"));
	OK(fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0600));
	close(fd);
	TRY(expect_str("f", ""));
	TRY(put("f", "two"));
	TRY(expect_str("f", "two"));
	/* as a directory, then as a file again */
	OK(unlink("f"));
	OK(mkdir("f", 0755));
	TRY(expect_listing("f", ""));
	OK(rmdir("f"));
	OK(symlink("target", "f"));
	OK(unlink("f"));
	TRY(put("f", "three"));
	TRY(expect_str("f", "three"));
	/* the name freed by a rename */
	OK(rename("f", "g"));
	TRY(put("f", "four"));
	TRY(expect_str("f", "four"));
	TRY(expect_str("g", "three"));
	TRY(expect_listing(".", "f/g"));
}

static void c_delete_recreate_dir(void)
{
	OK(mkdir("d", 0755));
	OK(mkdir("d/sub", 0755));
	TRY(put("d/x", "x"));
	TRY(put("d/sub/y", "y"));
	ERR(rmdir("d"), ENOTEMPTY);
	OK(unlink("d/sub/y"));
	OK(rmdir("d/sub"));
	OK(unlink("d/x"));
	OK(rmdir("d"));
	TRY(expect_enoent("d"));
	OK(mkdir("d", 0755));
	/* nothing of the old directory comes back */
	TRY(expect_listing("d", ""));
	TRY(expect_enoent("d/x"));
	TRY(expect_enoent("d/sub"));
	TRY(put("d/x", "new"));
	TRY(expect_str("d/x", "new"));
	TRY(expect_listing("d", "x"));
	/* a directory replaced by a rename keeps none of the old one */
	OK(mkdir("e", 0755));
	OK(unlink("d/x"));
	OK(rename("e", "d"));
	TRY(expect_listing("d", ""));
}

static void c_deep_tree(void)
{
	char p[PATH_MAX] = ".", f[PATH_MAX];
	int depth = 40, i;
	size_t len;

	for (i = 0; i < depth; i++) {
		len = strlen(p);
		snprintf(p + len, sizeof(p) - len, "/d%02d", i);
		OK(mkdir(p, 0755));
		snprintf(f, sizeof(f), "%s/file", p);
		TRY(put(f, p));
	}
	/* read every level back */
	strcpy(p, ".");
	for (i = 0; i < depth; i++) {
		len = strlen(p);
		snprintf(p + len, sizeof(p) - len, "/d%02d", i);
		snprintf(f, sizeof(f), "%s/file", p);
		TRY(expect_str(f, p));
		if (i + 1 < depth)
			snprintf(f, sizeof(f), "d%02d/file", i + 1);
		else
			snprintf(f, sizeof(f), "file");
		TRY(expect_listing(p, f));
	}
	ERR(rmdir("d00"), ENOTEMPTY);
	/* remove bottom-up */
	for (i = depth - 1; i >= 0; i--) {
		snprintf(f, sizeof(f), "%s/file", p);
		OK(unlink(f));
		OK(rmdir(p));
		*strrchr(p, '/') = 0;
	}
	TRY(expect_listing(".", ""));
}

/* ------------------------------------------------------- on --lower */

static char lfile[PATH_MAX], lfile2[PATH_MAX], lfile3[PATH_MAX], ldir[PATH_MAX];
static char lfound[4][PATH_MAX], lbig[PATH_MAX];

/*
 * depth-first, sorted: the first 4 regular files of 1 byte to 64 MiB, the
 * first of them of 3 pages (12 KiB) or more, and the first non-empty
 * subdirectory
 */
static void find_lower(const char *dir, int *nfiles)
{
	struct strv s = { 0 };
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t i;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			sv_add(&s, de->d_name);
	closedir(d);
	qsort(s.v, s.n, sizeof(*s.v), cmpstr);
	for (i = 0; i < s.n; i++) {
		char p[PATH_MAX];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, s.v[i]);
		if (lstat(p, &st))
			continue;
		if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= (64 << 20)) {
			if (*nfiles < 4)
				snprintf(lfound[*nfiles], PATH_MAX, "%s", p);
			if (!lbig[0] && st.st_size >= 3 * 4096)
				snprintf(lbig, PATH_MAX, "%s", p);
			++*nfiles;
		} else if (S_ISDIR(st.st_mode)) {
			if (!ldir[0]) {
				DIR *sub = opendir(p);
				int n = 0;

				while (sub && (de = readdir(sub)))
					n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
				if (sub)
					closedir(sub);
				if (n)
					snprintf(ldir, sizeof(ldir), "%s", p);
			}
			find_lower(p, nfiles);
		}
	}
	free(sv_join(&s, "/"));
}

static void pcopy(char *dst, const char *src)	/* dst has PATH_MAX bytes */
{
	size_t n = strlen(src);

	if (n >= PATH_MAX)
		n = PATH_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* lfile: the first file of 3 pages or more, else the first file; lfile2
 * and lfile3 the next others */
static void pick_files(const char *dir)
{
	int nf = 0, i, k = 0;

	memset(lfound, 0, sizeof(lfound));
	lbig[0] = lfile[0] = lfile2[0] = lfile3[0] = 0;
	find_lower(dir, &nf);
	pcopy(lfile, lbig[0] ? lbig : lfound[0]);
	for (i = 0; i < 4; i++) {
		if (!lfound[i][0] || !strcmp(lfound[i], lfile))
			continue;
		if (k == 0)
			pcopy(lfile2, lfound[i]);
		else if (k == 1)
			pcopy(lfile3, lfound[i]);
		k++;
	}
}

static int need_file(const char *f)
{
	if (!f[0]) {
		note("skip: no such regular file of 1 byte to 64 MiB under --lower");
		return -1;
	}
	return 0;
}

static void c_lower_overwrite_byte(void)
{
	unsigned char *old, *now, c;
	size_t n, m, mid;
	int fd;

	if (need_file(lfile))
		return;
	old = slurp(lfile, &n);
	if (!old)
		return;
	mid = n / 2;
	c = old[mid] ^ 0xff;
	OK(fd = open(lfile, O_WRONLY));
	EQ("pwrite of 1 byte into the middle", 1, pwrite(fd, &c, 1, mid));
	close(fd);
	now = slurp(lfile, &m);
	if (!now)
		return;
	old[mid] = c;
	TRY(same_bytes(lfile, old, n, now, m));
	free(old);
	free(now);
	note("%s, byte %zu of %zu", lfile + strlen(lower) + 1, mid, n);
}

static void c_lower_append(void)
{
	unsigned char *old;
	size_t n;
	int fd;

	if (need_file(lfile))
		return;
	old = slurp(lfile, &n);
	if (!old)
		return;
	old = realloc(old, n + 100);
	if (!old)
		FAIL("out of memory");
	pattern(old + n, 100, 8);
	OK(fd = open(lfile, O_WRONLY | O_APPEND));
	EQ("O_APPEND write of 100 bytes", 100, write(fd, old + n, 100));
	close(fd);
	TRY(expect_content(lfile, old, n + 100));
	free(old);
}

static void c_lower_mmap_write(void)
{
	unsigned char *old, *p;
	size_t n, at, start, len;
	int fd;

	if (need_file(lfile))
		return;
	old = slurp(lfile, &n);
	if (!old)
		return;
	/* one byte on each side of a page boundary in the middle, if any */
	at = n / 2;
	start = at & ~(size_t)(pagesize - 1);
	len = 2 * (size_t)pagesize;
	if (len > n - start)
		len = n - start;
	OK(fd = open(lfile, O_RDWR));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
	if (p == MAP_FAILED)
		FAIL("mmap(MAP_SHARED, PROT_WRITE) of %s at %zu: %s", lfile, start, ename(errno));
	TRY(same_bytes("the mapping before writing", old + start, len, p, len));
	p[at - start] ^= 0x55;
	old[at] ^= 0x55;
	if (at + 1 < start + len && at + 1 < n) {
		p[at + 1 - start] ^= 0xaa;
		old[at + 1] ^= 0xaa;
	}
	OK(msync(p, len, MS_SYNC));
	OK(munmap(p, len));
	close(fd);
	TRY(expect_content(lfile, old, n));
	free(old);
}

static void c_lower_punch_hole(void)
{
	unsigned char *old;
	size_t n, off, len;
	int fd;

	if (need_file(lfile))
		return;
	old = slurp(lfile, &n);
	if (!old)
		return;
	OK(fd = open(lfile, O_RDWR));
	/* mode 0 and KEEP_SIZE inside the file change no byte */
	OK(fallocate(fd, 0, 0, n));
	OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, n / 3, n));
	TRY(expect_content(lfile, old, n));
	off = n / 4;
	len = n / 2 > 1 ? n / 2 - 1 : 1;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len)) {
		close(fd);
		if (errno == EOPNOTSUPP) {
			note("skip: FALLOC_FL_PUNCH_HOLE gives EOPNOTSUPP");
			return;
		}
		FAIL("fallocate(PUNCH_HOLE|KEEP_SIZE, %zu, %zu): %s", off, len, ename(errno));
	}
	close(fd);
	memset(old + off, 0, off + len > n ? n - off : len);
	TRY(expect_content(lfile, old, n));
	free(old);
}

static void c_lower_metadata(void)
{
	struct timespec ts[2] = { { 1300000000, 100000000 }, { 1400000000, 200000000 } };
	unsigned char *old;
	struct stat st;
	size_t n;

	if (need_file(lfile))
		return;
	old = slurp(lfile, &n);
	if (!old)
		return;
	OK(chmod(lfile, 0604));
	OK(utimensat(AT_FDCWD, lfile, ts, 0));
	if (geteuid() == 0)
		OK(chown(lfile, 4321, 8765));
	OK(stat(lfile, &st));
	EQO("mode after chmod 0604", S_IFREG | 0604, st.st_mode);
	TRY(expect_ts("atime after utimensat", &st.st_atim, 1300000000, 100000000));
	TRY(expect_ts("mtime after utimensat", &st.st_mtim, 1400000000, 200000000));
	if (geteuid() == 0) {
		EQ("st_uid after chown", 4321, st.st_uid);
		EQ("st_gid after chown", 8765, st.st_gid);
	}
	TRY(expect_content(lfile, old, n));
	free(old);
}

static void c_lower_truncate(void)
{
	unsigned char *old;
	size_t n;

	if (need_file(lfile))
		return;
	old = slurp(lfile, &n);
	if (!old)
		return;
	OK(truncate(lfile, n / 2));
	TRY(expect_content(lfile, old, n / 2));
	/* extend again: the cut part reads zeros */
	OK(truncate(lfile, n));
	memset(old + n / 2, 0, n - n / 2);
	TRY(expect_content(lfile, old, n));
	OK(truncate(lfile, n / 3));
	TRY(expect_content(lfile, old, n / 3));
	free(old);
}

static void c_lower_unlink_recreate(void)
{
	char dir[PATH_MAX], *base, *before, *exp;
	unsigned char *old, *got;
	size_t n, gn;
	int fd, ofd;

	if (need_file(lfile2))
		return;
	old = slurp(lfile2, &n);
	if (!old)
		return;
	snprintf(dir, sizeof(dir), "%s", lfile2);
	base = strrchr(dir, '/');
	*base++ = 0;
	before = listing(dir);
	if (!before)
		return;
	note("%s", lfile2 + strlen(lower) + 1);
	OK(ofd = open(lfile2, O_RDONLY));
	OK(unlink(lfile2));
	TRY(expect_enoent(lfile2));
	/* still readable through the descriptor opened before */
	got = slurp_fd(ofd, &gn, "the unlinked file's fd");
	if (!got)
		return;
	TRY(same_bytes("read through the fd opened before unlink", old, n, got, gn));
	free(got);
	ERR(open(lfile2, O_RDONLY), ENOENT);
	{
		/* the listing without it */
		struct strv s = { 0 };
		char *tok, *save = NULL, *copy = strdup(before);

		for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
			if (strcmp(tok, base))
				sv_add(&s, tok);
		free(copy);
		exp = sv_join(&s, "/");
		if (expect_listing(dir, exp))
			return;
		free(exp);
	}
	OK(fd = open(lfile2, O_CREAT | O_EXCL | O_WRONLY, 0644));
	close(fd);
	TRY(expect_str(lfile2, ""));
	TRY(put(lfile2, "recreated"));
	TRY(expect_str(lfile2, "recreated"));
	TRY(expect_listing(dir, before));
	got = slurp_fd(ofd, &gn, "the unlinked file's fd");
	if (!got)
		return;
	TRY(same_bytes("the old fd after the name was recreated", old, n, got, gn));
	close(ofd);
	free(got);
	free(old);
	free(before);
}

static void c_lower_rename_file(void)
{
	char to[PATH_MAX + 16];
	unsigned char *old;
	size_t n;
	int fd;

	if (need_file(lfile3))
		return;
	old = slurp(lfile3, &n);
	if (!old)
		return;
	snprintf(to, sizeof(to), "%s.bfs-renamed", lfile3);
	note("%s", lfile3 + strlen(lower) + 1);
	OK(rename(lfile3, to));
	TRY(expect_enoent(lfile3));
	TRY(expect_content(to, old, n));
	/* write into the renamed file */
	OK(fd = open(to, O_WRONLY));
	EQ("pwrite into the renamed file", 4, pwrite(fd, "RNMD", 4, 0));
	close(fd);
	memcpy(old, "RNMD", n < 4 ? n : 4);
	if (n < 4)
		n = 4;
	TRY(expect_content(to, old, n));
	/* and back under the old name */
	OK(rename(to, lfile3));
	TRY(expect_content(lfile3, old, n));
	TRY(expect_enoent(to));
	free(old);
}

static void c_lower_readdir_merge(void)
{
	char *before, *after, *exp, path[PATH_MAX + 16];
	const char *dir = ldir[0] ? ldir : lower;

	before = listing(dir);
	if (!before)
		return;
	snprintf(path, sizeof(path), "%s/bfs-new-file", dir);
	TRY(put(path, "new"));
	after = listing(dir);
	if (!after)
		return;
	OK(unlink(path));
	TRY(expect_listing(dir, before));
	if (asprintf(&exp, "%s%sbfs-new-file", before, *before ? "/" : "") < 0)
		FAIL("out of memory");
	free(before);
	{
		/* before plus the new name, sorted */
		struct strv s = { 0 };
		char *tok, *save = NULL;

		for (tok = strtok_r(exp, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
			sv_add(&s, tok);
		before = sv_join(&s, "/");
		free(exp);
	}
	EQS("listing with a new file", before, after);
	free(before);
	free(after);
}

static void c_lower_rmdir_nonempty(void)
{
	const char *dir = ldir[0] ? ldir : lower;
	char *before;

	if (!ldir[0])
		note("no non-empty subdirectory: the --lower directory itself");
	before = tree(dir);
	ERR(rmdir(dir), ENOTEMPTY);
	{
		char *after = tree(dir);

		EQS("tree after the refused rmdir", before, after);
		free(after);
	}
	free(before);
}

static void c_lower_rename_dir(void)
{
	char to[PATH_MAX + 16], *before, *after;
	int is_root = !ldir[0];
	char *dir = is_root ? lower : ldir;

	before = tree(dir);
	if (failed)
		return;
	snprintf(to, sizeof(to), "%s.bfs-renamed", dir);
	OK(rename(dir, to));
	TRY(expect_enoent(dir));
	after = tree(to);
	EQS("tree under the new name", before, after);
	free(before);
	free(after);
	if (strlen(to) >= PATH_MAX)
		FAIL("path too long: %s", to);
	strcpy(dir, to);	/* the cases below use the new name */
	note("%s", to);
	/* write into a file inside the renamed directory */
	{
		char saved[PATH_MAX];

		snprintf(saved, sizeof(saved), "%s", ldir);
		ldir[0] = 0;
		pick_files(to);
		snprintf(ldir, sizeof(ldir), "%s", saved);
	}
	if (lfile[0]) {
		unsigned char *old;
		size_t n;
		int fd;

		old = slurp(lfile, &n);
		if (!old)
			return;
		OK(fd = open(lfile, O_WRONLY));
		EQ("pwrite into a file of the renamed directory", 3, pwrite(fd, "DIR", 3, n));
		close(fd);
		old = realloc(old, n + 3);
		memcpy(old + n, "DIR", 3);
		TRY(expect_content(lfile, old, n + 3));
		free(old);
	}
}

static void c_lower_delete_all_rmdir(void)
{
	char target[PATH_MAX + 256], parent[PATH_MAX + 256], *base, *before, *exp;
	struct strv s = { 0 };
	struct dirent *de;
	size_t i;
	DIR *d;

	/* another non-empty directory below --lower if there is one, else
	 * the renamed one */
	snprintf(target, sizeof(target), "%s", ldir[0] ? ldir : lower);
	d = opendir(lower);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			sv_add(&s, de->d_name);
	if (d)
		closedir(d);
	qsort(s.v, s.n, sizeof(*s.v), cmpstr);
	for (i = 0; i < s.n; i++) {
		char p[PATH_MAX + 256];
		struct stat st;
		DIR *sub;
		int n = 0;

		snprintf(p, sizeof(p), "%s/%s", lower, s.v[i]);
		if (!strcmp(p, ldir) || lstat(p, &st) || !S_ISDIR(st.st_mode))
			continue;
		sub = opendir(p);
		while (sub && (de = readdir(sub)))
			n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
		if (sub)
			closedir(sub);
		if (n) {
			snprintf(target, sizeof(target), "%s", p);
			break;
		}
	}
	free(sv_join(&s, "/"));
	snprintf(parent, sizeof(parent), "%s", target);
	base = strrchr(parent, '/');
	*base++ = 0;
	before = listing(parent);
	if (!before)
		return;
	TRY(remove_below(target));
	TRY(expect_listing(target, ""));
	OK(rmdir(target));
	TRY(expect_enoent(target));
	{
		struct strv s = { 0 };
		char *tok, *save = NULL;

		for (tok = strtok_r(before, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
			if (strcmp(tok, base))
				sv_add(&s, tok);
		exp = sv_join(&s, "/");
	}
	TRY(expect_listing(parent, exp));
	free(exp);
	free(before);
	note("%s", target);
}

/* --------------------------------------------------------------- main */

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
#define C(x) { #x, c_##x }
	C(create_excl), C(o_trunc), C(write_pwrite), C(o_append), C(sparse),
	C(truncate), C(shrink_extend_zeros), C(fallocate), C(fallocate_punch_hole),
	C(unlink), C(mkdir), C(rmdir), C(open_dir_for_write),
	C(file_as_dir_component), C(name_too_long),
	C(rename_file_over_file), C(rename_across_dirs),
	C(rename_dir_over_empty_dir), C(rename_dir_over_nonempty_dir),
	C(rename_file_over_dir), C(rename_dir_over_file),
	C(rename_dir_into_own_subdir), C(rename_same_name),
	C(rename_missing_source), C(renameat2_noreplace),
	C(rename_exchange_files), C(rename_exchange_dirs), C(rename_whiteout),
	C(symlink), C(chmod), C(chown), C(write_kills_suid), C(utimensat), C(sync_calls),
	C(mmap_shared_write), C(mmap_truncate_sigbus), C(write_then_mmap_read),
	C(readdir), C(link), C(o_direct), C(xattr), C(statfs),
	C(recreate_deleted_name), C(delete_recreate_dir), C(deep_tree),
}, lower_cases[] = {
	C(lower_overwrite_byte), C(lower_append), C(lower_mmap_write),
	C(lower_punch_hole), C(lower_truncate), C(lower_metadata),
	C(lower_unlink_recreate), C(lower_rename_file), C(lower_readdir_merge),
	C(lower_rmdir_nonempty), C(lower_rename_dir), C(lower_delete_all_rmdir),
#undef C
};

static enum choice parse_choice(const char *opt, const char *v, const char *refuse)
{
	if (!strcmp(v, refuse))
		return REFUSE;
	if (!strcmp(v, "work"))
		return WORK;
	fprintf(stderr, "bfs-posix: %s takes %s or work, not '%s'\n", opt, refuse, v);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: bfs-posix [--links eperm|work] [--odirect einval|work]\n"
			"                 [--xattr eopnotsupp|work] [--lower DIR] WORKDIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *lower_arg = NULL;
	size_t i;
	int a;
	DIR *d;

	for (a = 1; a < argc && !strncmp(argv[a], "--", 2); a += 2) {
		if (!strcmp(argv[a], "--")) {
			a++;
			break;
		}
		if (a + 1 >= argc)
			usage();
		if (!strcmp(argv[a], "--links"))
			opt_links = parse_choice("--links", argv[a + 1], "eperm");
		else if (!strcmp(argv[a], "--odirect"))
			opt_odirect = parse_choice("--odirect", argv[a + 1], "einval");
		else if (!strcmp(argv[a], "--xattr"))
			opt_xattr = parse_choice("--xattr", argv[a + 1], "eopnotsupp");
		else if (!strcmp(argv[a], "--lower"))
			lower_arg = argv[a + 1];
		else
			usage();
	}
	if (a != argc - 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	pagesize = sysconf(_SC_PAGESIZE);
	if (mkdir(argv[a], 0755) && errno != EEXIST) {
		fprintf(stderr, "bfs-posix: mkdir %s: %s\n", argv[a], strerror(errno));
		return 2;
	}
	if (!realpath(argv[a], workdir) || !(d = opendir(workdir))) {
		fprintf(stderr, "bfs-posix: %s: %s\n", argv[a], strerror(errno));
		return 2;
	}
	{
		struct dirent *de;
		int n = 0;

		while ((de = readdir(d)))
			n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
		closedir(d);
		if (n) {
			fprintf(stderr, "bfs-posix: %s is not empty\n", workdir);
			return 2;
		}
	}
	if (lower_arg && !realpath(lower_arg, lower)) {
		fprintf(stderr, "bfs-posix: --lower %s: %s\n", lower_arg, strerror(errno));
		return 2;
	}
	if (lower[0] && !strncmp(workdir, lower, strlen(lower)) &&
	    workdir[strlen(lower)] == '/') {
		fprintf(stderr, "bfs-posix: %s is inside --lower %s (its cases rename and delete there)\n",
			workdir, lower);
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(cases[i].name, cases[i].fn);
	if (lower[0]) {
		pick_files(lower);
		if (!lfile2[0])
			snprintf(lfile2, sizeof(lfile2), "%s", lfile);
		for (i = 0; i < sizeof(lower_cases) / sizeof(lower_cases[0]); i++)
			run(lower_cases[i].name, lower_cases[i].fn);
	}
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
