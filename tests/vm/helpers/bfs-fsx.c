// SPDX-License-Identifier: GPL-2.0
/*
 * bfs-fsx [-N ops] [-S seed] [-l maxfilelen] [-o maxoplen] [-R 'command']
 *         [-r N] [-q] [-I REF] [-H OFFSET]... FILE
 *
 * A randomized file operation tester in the spirit of fsx: a long random
 * sequence of pread, pwrite (holes included), O_APPEND write, mmap read,
 * mmap write (MAP_SHARED, sometimes msync), ftruncate up and down,
 * fallocate (mode 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE), fsync, fdatasync,
 * close and reopen, full-file verify and, with -R, "remount" (close the
 * file, run the command with system(), reopen, verify the whole file)
 * against a shadow copy kept in memory.  Every byte read is checked, and
 * st_size after every operation that changes the size.
 *
 * The shadow starts as FILE's content, so the file may come from a
 * manifest; a missing FILE is created empty.  The shadow is sparse (4 KiB
 * pages allocated when written), so -l may be GiBs.  A full verify of a
 * file above 64 MiB (1 GiB after a remount and at the end) reads only the
 * pages written during the run, 64 random ranges and the last 64 KiB.
 *
 *   -N ops      operations (default 10000)
 *   -S seed     PRNG seed (default: from the time and pid); printed first
 *   -l len      maximum file length (default 1 MiB; K, M, G suffixes)
 *   -o len      maximum length of one operation (default 64 KiB)
 *   -R command  the remount command (run between close and reopen)
 *   -r N        remount on average every N operations (default 1000); a
 *               value below 1 is the probability per operation (0.001)
 *   -q          quiet: no progress lines and notes (but the EOPNOTSUPP one)
 *   -I REF      FILE's starting content is REF's (same size; checked by
 *               the verifies): read from REF on demand instead of being
 *               kept in memory, for big manifest files
 *   -H OFFSET   a hot spot (up to 8): 1/8 of the offsets fall within
 *               maxoplen + 2 pages of it and some truncates land at +-2 of
 *               it, e.g. a chunk boundary
 *
 * The output ends with `bfs-fsx: N ops, seed S, ok` (exit 0).  On the
 * first mismatch or unexpected error it prints the seed, the operation
 * number, the first differing offset with the expected and the read bytes
 * around it, and the last 30 operations, and exits 1 (2: usage).
 * A filesystem answering EOPNOTSUPP to a fallocate mode gets a note and
 * that mode is not used again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHP 4096ULL			/* shadow page */
#define LEAF 512ULL			/* shadow pages per leaf (2 MiB) */
/* above these sizes a full verify is sampled */
#define VERIFY_OP_MAX (64ULL << 20)	/* the verify operation */
#define VERIFY_REMOUNT_MAX (1ULL << 30)	/* after a remount, at the end */
#define NLOG 30

enum op {
	OP_READ, OP_WRITE, OP_APPEND, OP_MAPREAD, OP_MAPWRITE, OP_TRUNCATE,
	OP_FALLOC, OP_FALLOC_KEEP, OP_PUNCH, OP_FSYNC, OP_FDATASYNC,
	OP_REOPEN, OP_VERIFY, OP_REMOUNT, OP_CORRUPT, NOPS
};

static const char *const op_name[NOPS] = {
	"read", "write", "append", "mapread", "mapwrite", "truncate",
	"falloc", "falloc_keep", "punch_hole", "fsync", "fdatasync",
	"reopen", "verify", "remount", "CORRUPT(-X)",
};

/* relative frequencies; remount is drawn separately (-r) */
static const unsigned op_weight[NOPS] = {
	[OP_READ] = 14, [OP_WRITE] = 14, [OP_APPEND] = 5, [OP_MAPREAD] = 8,
	[OP_MAPWRITE] = 10, [OP_TRUNCATE] = 8, [OP_FALLOC] = 3,
	[OP_FALLOC_KEEP] = 3, [OP_PUNCH] = 4, [OP_FSYNC] = 2,
	[OP_FDATASYNC] = 2, [OP_REOPEN] = 2, [OP_VERIFY] = 1,
};

struct logent {
	uint64_t n;
	enum op op;
	uint64_t off, len, size_before, size_after;
	const char *note;
};

static struct logent oplog[NLOG];
static uint64_t nlogged;

static const char *path, *remount_cmd, *ref_path;
static uint64_t seed, nops = 10000, maxfilelen = 1 << 20, maxoplen = 65536;
static double remount_every = 1000;	/* mean operations between remounts */
static uint64_t remount_threshold, opnum;	/* rnd64() below it: remount */
static int quiet, corrupt_flag;
static long pagesize;
static int fd = -1, afd = -1;
static int no_falloc[3];	/* OP_FALLOC, OP_FALLOC_KEEP, OP_PUNCH disabled */

/* shadow: size and sparse pages; a missing page reads as zeros */
static uint64_t hot[8];	/* -H: offsets that attract operations */
static int nhot;

static uint64_t size;
static unsigned char ***top;
static uint64_t ntop;

static unsigned char *buf;	/* 2 * maxoplen + a page */

/* -X: the offset flipped behind our back, while not yet seen */
static int64_t xoff = -1;
static uint64_t mod_lo, mod_hi;	/* the range the current op changed */

/* ------------------------------------------------------------ PRNG */

static uint64_t rng_state;

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd64(void)
{
	return splitmix64(&rng_state);
}

static uint64_t rnd(uint64_t n)	/* [0, n) */
{
	return n ? rnd64() % n : 0;
}

/* ------------------------------------------------------- reporting */

static void print_log(void)
{
	uint64_t i = nlogged > NLOG ? nlogged - NLOG : 0;

	fprintf(stderr, "bfs-fsx: last %" PRIu64 " operations (oldest first):\n",
		nlogged - i);
	for (; i < nlogged; i++) {
		struct logent *e = &oplog[i % NLOG];

		fprintf(stderr, "  %8" PRIu64 " %-11s off 0x%-9" PRIx64 " len 0x%-7" PRIx64
			" size 0x%" PRIx64 " -> 0x%" PRIx64 "%s%s\n",
			e->n, op_name[e->op], e->off, e->len, e->size_before,
			e->size_after, e->note ? "  " : "", e->note ? e->note : "");
	}
}

static void reproduce_hint(void)
{
	fprintf(stderr, "bfs-fsx: seed %" PRIu64 "; rerun: bfs-fsx -S %" PRIu64
		" -N %" PRIu64 " -l %" PRIu64 " -o %" PRIu64, seed, seed, nops,
		maxfilelen, maxoplen);
	if (remount_cmd)
		fprintf(stderr, " -R '%s' -r %g", remount_cmd, remount_every);
	for (int i = 0; i < nhot; i++)
		fprintf(stderr, " -H %" PRIu64, hot[i]);
	if (ref_path)
		fprintf(stderr, " -I %s", ref_path);
	fprintf(stderr, " FILE (with the same starting content)\n");
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bfs-fsx: FAIL: %s: op %" PRIu64 ": ", path, opnum);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	reproduce_hint();
	print_log();
	exit(1);
}

#define die_errno(what, ...) \
	die(what ": %s (errno %d)", ##__VA_ARGS__, strerror(errno), errno)

static void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	printf("bfs-fsx: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---------------------------------------------------------- shadow */

/*
 * A shadow page is NULL (zeros, or with -I below ref_pages: the reference
 * file's bytes), ZP (zeros, where the reference would otherwise show
 * through), or a page of its own.
 */
static const unsigned char zero_page[SHP];
#define ZP ((unsigned char *)zero_page)
static int ref_fd = -1;
static uint64_t ref_size, ref_pages;

static unsigned char **sh_slot(uint64_t pg, int alloc)
{
	uint64_t t = pg / LEAF;

	if (t >= ntop)
		die("shadow page %" PRIu64 " beyond maxfilelen", pg);
	if (!top[t]) {
		if (!alloc)
			return NULL;
		top[t] = calloc(LEAF, sizeof(*top[t]));
		if (!top[t])
			die("out of memory");
	}
	return &top[t][pg % LEAF];
}

static void ref_read(uint64_t pg, unsigned char *out)
{
	uint64_t off = pg * SHP, n = ref_size - off < SHP ? ref_size - off : SHP, done = 0;

	while (done < n) {
		ssize_t r = pread(ref_fd, out + done, n - done, off + done);

		if (r <= 0)
			die("-I: reading the reference file at 0x%" PRIx64 ": %s",
			    off + done, r ? strerror(errno) : "end of file");
		done += r;
	}
	memset(out + n, 0, SHP - n);
}

/* the page's bytes, read-only (tmp: room for a reference page) */
static const unsigned char *sh_get(uint64_t pg, unsigned char *tmp)
{
	unsigned char **s = sh_slot(pg, 0);

	if (s && *s)
		return *s;
	if (pg < ref_pages) {
		ref_read(pg, tmp);
		return tmp;
	}
	return zero_page;
}

/* the page, writable */
static unsigned char *sh_page(uint64_t pg)
{
	unsigned char **s = sh_slot(pg, 1);

	if (!*s || *s == ZP) {
		unsigned char *p = calloc(1, SHP);

		if (!p)
			die("out of memory (shadow)");
		if (!*s && pg < ref_pages)
			ref_read(pg, p);
		*s = p;
	}
	return *s;
}

static void sh_zero_page(uint64_t pg)
{
	unsigned char **s = sh_slot(pg, pg < ref_pages);

	if (!s)
		return;
	if (*s && *s != ZP)
		free(*s);
	*s = pg < ref_pages ? ZP : NULL;
}

static void sh_read(uint64_t off, uint64_t len, unsigned char *out)
{
	unsigned char tmp[SHP];

	while (len) {
		uint64_t in = off % SHP, n = SHP - in;

		if (n > len)
			n = len;
		memcpy(out, sh_get(off / SHP, tmp) + in, n);
		off += n;
		out += n;
		len -= n;
	}
}

static void sh_write(uint64_t off, uint64_t len, const unsigned char *in)
{
	while (len) {
		uint64_t o = off % SHP, n = SHP - o;

		if (n > len)
			n = len;
		memcpy(sh_page(off / SHP) + o, in, n);
		off += n;
		in += n;
		len -= n;
	}
}

static void sh_zero(uint64_t off, uint64_t len)
{
	unsigned char tmp[SHP];

	while (len) {
		uint64_t o = off % SHP, n = SHP - o;

		if (n > len)
			n = len;
		if (n == SHP)
			sh_zero_page(off / SHP);
		else if (sh_get(off / SHP, tmp) != zero_page)
			memset(sh_page(off / SHP) + o, 0, n);
		off += n;
		len -= n;
	}
}

/* the shadow's new size; what lies beyond a shrink reads zeros later */
static void sh_resize(uint64_t nsize)
{
	if (nsize < size) {
		uint64_t end = (size + SHP - 1) / SHP * SHP;

		sh_zero(nsize, end - nsize);
	}
	size = nsize;
}

/* first index in buf[0..len) that differs from the shadow at off, or -1 */
static int64_t sh_cmp(uint64_t off, uint64_t len, const unsigned char *b)
{
	unsigned char tmp[SHP];
	uint64_t done = 0;

	while (done < len) {
		uint64_t o = (off + done) % SHP, n = SHP - o, i;
		const unsigned char *p = sh_get((off + done) / SHP, tmp);

		if (n > len - done)
			n = len - done;
		if (memcmp(p + o, b + done, n)) {
			for (i = 0; p[o + i] == b[done + i]; i++)
				;
			return done + i;
		}
		done += n;
	}
	return -1;
}

static void dump_bytes(const char *label, uint64_t from, uint64_t n,
		       const unsigned char *b, uint64_t mark)
{
	uint64_t i;

	fprintf(stderr, "  %-8s 0x%08" PRIx64 ":", label, from);
	for (i = 0; i < n; i++)
		fprintf(stderr, i == mark ? " [%02x]" : " %02x", b[i]);
	fputc('\n', stderr);
}

/*
 * check buf (read at off, len bytes) against the shadow; how: "pread",
 * "mmap", ...; a mismatch is fatal
 */
static void check(const char *how, uint64_t off, uint64_t len,
		  const unsigned char *b)
{
	int64_t d = sh_cmp(off, len, b);
	unsigned char exp[32];
	uint64_t from, n, bad = 0, i, nb;

	if (d < 0)
		return;
	from = (uint64_t)d >= 16 ? d - 16 : 0;
	n = len - from < 32 ? len - from : 32;
	sh_read(off + from, n, exp);
	/* count the differing bytes in this read, page by page */
	for (i = d; i < len; i += nb) {
		unsigned char tmp[SHP];
		uint64_t k;

		nb = len - i < SHP ? len - i : SHP;
		sh_read(off + i, nb, tmp);
		for (k = 0; k < nb; k++)
			bad += tmp[k] != b[i + k];
	}
	fflush(stdout);
	fprintf(stderr, "bfs-fsx: FAIL: %s: op %" PRIu64 ": %s of 0x%" PRIx64
		"+0x%" PRIx64 " (file size 0x%" PRIx64 "): first difference at offset 0x%"
		PRIx64 " (%" PRIu64 "), %" PRIu64 " bytes differ\n",
		path, opnum, how, off, len, size, off + d, off + d, bad);
	dump_bytes("expected", off + from, n, exp, d - from);
	dump_bytes("got", off + from, n, b + from, d - from);
	if (xoff >= 0)
		fprintf(stderr, "bfs-fsx: (-X flipped the byte at 0x%" PRIx64 ")\n",
			(uint64_t)xoff);
	reproduce_hint();
	print_log();
	exit(1);
}

/* ------------------------------------------------------ operations */

static void fill(unsigned char *b, uint64_t len)
{
	uint64_t s = rnd64(), i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v = splitmix64(&s);

		memcpy(b + i, &v, 8);
	}
	for (; i < len; i++)
		b[i] = splitmix64(&s);
}

/* an offset in [0, limit), biased to page boundaries +-1, EOF and 0 */
static uint64_t rnd_off(uint64_t limit)
{
	uint64_t ps = pagesize, o;

	if (limit == 0)
		return 0;
	switch (rnd(8)) {
	case 0: case 1:
		return rnd(limit);
	case 2:
		if (!nhot)
			return rnd(limit);
		/* within two pages and maxoplen of a hot offset */
		o = hot[rnd(nhot)] + rnd(2 * ps + maxoplen);
		o = o > ps + maxoplen ? o - ps - maxoplen : 0;
		break;
	case 3: case 4:
		o = rnd(limit / ps + 1) * ps + rnd(3);
		o = o ? o - 1 : 0;
		break;
	case 5:
		o = size + rnd(2 * ps);
		o = o > ps ? o - ps : 0;
		break;
	case 6:
		o = rnd(3 * ps);
		break;
	default:
		o = limit - 1 - rnd(2 * ps < limit ? 2 * ps : limit);
		break;
	}
	return o < limit ? o : limit - 1;
}

/* a length in [1, max], biased to page multiples +-1 and to ends at off
 * that fall on page boundaries +-1 */
static uint64_t rnd_len(uint64_t off, uint64_t max)
{
	uint64_t ps = pagesize, l;

	if (max == 0)
		return 0;
	switch (rnd(8)) {
	case 0: case 1: case 2:
		l = 1 + rnd(max);
		break;
	case 3: case 4:
		l = rnd(max / ps + 1) * ps + rnd(3);
		l = l > 1 ? l - 1 : 1;
		break;
	case 5:
		l = 1 + rnd(16);
		break;
	case 6:
		l = (off / ps + 1 + rnd(max / ps + 1)) * ps + rnd(3);
		l = l - 1 > off ? l - 1 - off : 1;
		break;
	default:
		l = max;
		break;
	}
	return l < 1 ? 1 : l > max ? max : l;
}

static void xpread(int f, unsigned char *b, uint64_t len, uint64_t off,
		   const char *what)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t r = pread(f, b + done, len - done, off + done);

		if (r < 0)
			die_errno("%s: pread 0x%" PRIx64 "+0x%" PRIx64, what,
				  off + done, len - done);
		if (r == 0)
			die("%s: pread 0x%" PRIx64 "+0x%" PRIx64
			    ": end of file, expected %" PRIu64 " more bytes (size 0x%" PRIx64 ")",
			    what, off + done, len - done, len - done, size);
		done += r;
	}
}

static void xpwrite(int f, const unsigned char *b, uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t w = pwrite(f, b + done, len - done, off + done);

		if (w <= 0)
			die_errno("pwrite 0x%" PRIx64 "+0x%" PRIx64, off + done,
				  len - done);
		done += w;
	}
}

static void check_size(const char *after)
{
	struct stat st;

	if (fstat(fd, &st))
		die_errno("fstat after %s", after);
	if ((uint64_t)st.st_size != size)
		die("st_size after %s: expected 0x%" PRIx64 " (%" PRIu64 "), got 0x%"
		    PRIx64 " (%" PRIu64 ")", after, size, size,
		    (uint64_t)st.st_size, (uint64_t)st.st_size);
}

static void open_file(int create)
{
	fd = open(path, O_RDWR | (create ? O_CREAT : 0), 0644);
	if (fd < 0)
		die_errno("open %s", path);
	afd = open(path, O_WRONLY | O_APPEND);
	if (afd < 0)
		die_errno("open %s O_APPEND", path);
}

static void close_file(void)
{
	if (close(afd))
		die_errno("close (O_APPEND fd)");
	if (close(fd))
		die_errno("close");
	fd = afd = -1;
}

static void verify_range(uint64_t off, uint64_t len, const char *how)
{
	uint64_t chunk = 2 * maxoplen;

	while (len) {
		uint64_t n = len < chunk ? len : chunk;

		xpread(fd, buf, n, off, how);
		check(how, off, n, buf);
		off += n;
		len -= n;
	}
}

static void verify_all(const char *how, uint64_t full_max)
{
	uint64_t t, i;

	check_size(how);
	if (size <= full_max) {
		verify_range(0, size, how);
	} else {
		/* sampled: every shadow page holding data, 64 random ranges
		 * and the tail */
		for (t = 0; t < ntop; t++)
			for (i = 0; top[t] && i < LEAF; i++) {
				uint64_t o = (t * LEAF + i) * SHP;

				if (top[t][i] && top[t][i] != ZP && o < size)
					verify_range(o, size - o < SHP ? size - o : SHP, how);
			}
		for (i = 0; i < 64; i++) {
			uint64_t o = rnd(size);

			verify_range(o, size - o < SHP ? size - o : SHP, how);
		}
		t = size < 65536 ? size : 65536;
		verify_range(size - t, t, how);
	}
	/* nothing past the end */
	if (pread(fd, buf, 16, size) != 0)
		die("%s: pread at the end (0x%" PRIx64 ") did not return 0", how, size);
}

static void do_read(struct logent *e)
{
	uint64_t lim = size + 2 * pagesize;
	uint64_t off = rnd_off(lim < maxfilelen ? lim : maxfilelen);
	uint64_t len = rnd_len(off, maxoplen), want;
	ssize_t r;

	e->off = off;
	e->len = len;
	want = off >= size ? 0 : size - off < len ? size - off : len;
	r = pread(fd, buf, len, off);
	if (r < 0)
		die_errno("pread 0x%" PRIx64 "+0x%" PRIx64, off, len);
	if ((uint64_t)r < want) {	/* a short read is allowed; finish it */
		xpread(fd, buf + r, want - r, off + r, "read");
	} else if ((uint64_t)r != want) {
		die("pread 0x%" PRIx64 "+0x%" PRIx64 ": expected %" PRIu64
		    " bytes (size 0x%" PRIx64 "), got %zd", off, len, want, size, r);
	}
	check("pread", off, want, buf);
}

static void do_write(struct logent *e)
{
	uint64_t off = rnd_off(maxfilelen);
	uint64_t len = rnd_len(off, maxoplen);

	if (off + len > maxfilelen)
		len = maxfilelen - off;
	e->off = off;
	e->len = len;
	fill(buf, len);
	xpwrite(fd, buf, len, off);
	sh_write(off, len, buf);
	if (off + len > size)
		size = off + len;
	mod_lo = off;
	mod_hi = off + len;
	check_size("pwrite");
}

static void do_append(struct logent *e)
{
	uint64_t len = rnd_len(size, maxoplen);
	off_t pos;
	ssize_t w;

	if (size + len > maxfilelen)
		len = maxfilelen - size;
	e->off = size;
	e->len = len;
	if (!len) {
		e->note = "skipped: at maxfilelen";
		return;
	}
	fill(buf, len);
	w = write(afd, buf, len);
	if (w < 0)
		die_errno("O_APPEND write of 0x%" PRIx64 " at size 0x%" PRIx64, len, size);
	if ((uint64_t)w != len)
		die("O_APPEND write of 0x%" PRIx64 ": wrote %zd", len, w);
	sh_write(size, len, buf);
	mod_lo = size;
	size += len;
	mod_hi = size;
	pos = lseek(afd, 0, SEEK_CUR);
	if (pos < 0 || (uint64_t)pos != size)
		die("file position after an O_APPEND write: expected 0x%" PRIx64
		    ", got 0x%llx", size, (long long)pos);
	check_size("O_APPEND write");
}

static void do_mapread(struct logent *e)
{
	uint64_t off, len, start, maplen, end, pend, i;
	unsigned char *p;

	if (size == 0) {
		e->note = "skipped: empty file";
		return;
	}
	off = rnd_off(size);
	len = rnd_len(off, maxoplen);
	if (len > size - off)
		len = size - off;
	e->off = off;
	e->len = len;
	start = off & ~(uint64_t)(pagesize - 1);
	maplen = off + len - start;
	p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, start);
	if (p == MAP_FAILED)
		die_errno("mmap PROT_READ 0x%" PRIx64 "+0x%" PRIx64, start, maplen);
	memcpy(buf, p + (off - start), len);
	check("mmap read", off, len, buf);
	/* the rest of the page holding EOF reads zeros */
	end = start + maplen;
	pend = (end + pagesize - 1) & ~(uint64_t)(pagesize - 1);
	if (end == size && pend > end) {
		for (i = end; i < pend; i++)
			if (p[i - start])
				die("mmap read: byte 0x%" PRIx64 " past EOF (0x%" PRIx64
				    ") in the last page is 0x%02x, not zero",
				    i, size, p[i - start]);
	}
	if (munmap(p, maplen))
		die_errno("munmap");
}

static void do_mapwrite(struct logent *e)
{
	uint64_t off = rnd_off(maxfilelen);
	uint64_t len = rnd_len(off, maxoplen), start, maplen;
	unsigned char *p;
	int how = rnd(4);

	if (off + len > maxfilelen)
		len = maxfilelen - off;
	e->off = off;
	e->len = len;
	if (off + len > size) {
		if (ftruncate(fd, off + len))
			die_errno("ftruncate to 0x%" PRIx64 " before mmap write", off + len);
		sh_resize(off + len);
	}
	start = off & ~(uint64_t)(pagesize - 1);
	maplen = off + len - start;
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
	if (p == MAP_FAILED)
		die_errno("mmap PROT_WRITE 0x%" PRIx64 "+0x%" PRIx64, start, maplen);
	fill(buf, len);
	memcpy(p + (off - start), buf, len);
	sh_write(off, len, buf);
	mod_lo = off;
	mod_hi = off + len;
	if (how == 0) {
		e->note = "msync MS_SYNC";
		if (msync(p, maplen, MS_SYNC))
			die_errno("msync MS_SYNC");
	} else if (how == 1) {
		e->note = "msync MS_ASYNC";
		if (msync(p, maplen, MS_ASYNC))
			die_errno("msync MS_ASYNC");
	}
	if (munmap(p, maplen))
		die_errno("munmap");
	check_size("mmap write");
}

static void do_truncate(struct logent *e)
{
	uint64_t ns;

	/* half the time near the current size, crossing it either way */
	if (nhot && rnd(4) == 0) {
		ns = hot[rnd(nhot)] + rnd(5);
		ns = ns > 2 ? ns - 2 : 0;
	} else if (rnd(2)) {
		ns = rnd_off(maxfilelen + 1);
	} else {
		ns = size + rnd(2 * maxoplen + 1);
		ns = ns > maxoplen ? ns - maxoplen : 0;
	}
	if (ns > maxfilelen)
		ns = maxfilelen;
	e->off = ns;
	e->note = ns < size ? "down" : ns > size ? "up" : "same";
	if (ftruncate(fd, ns))
		die_errno("ftruncate to 0x%" PRIx64 " from 0x%" PRIx64, ns, size);
	if (ns < size) {
		mod_lo = ns;
		mod_hi = size;
	}
	sh_resize(ns);
	check_size("ftruncate");
}

static void do_falloc(struct logent *e, enum op op)
{
	static const int modes[3] = {
		0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	};
	static const char *const mname[3] = {
		"0", "FALLOC_FL_KEEP_SIZE", "FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE",
	};
	int m = op - OP_FALLOC;
	uint64_t lim = size + maxoplen < maxfilelen ? size + maxoplen : maxfilelen;
	uint64_t off, len;

	/* punch mostly inside the file, allocate anywhere */
	off = rnd_off(op == OP_PUNCH && size && rnd(4) ? size : lim ? lim : 1);
	len = rnd_len(off, maxoplen);
	if (off + len > maxfilelen)
		len = maxfilelen - off;
	e->off = off;
	e->len = len;
	if (!len) {
		e->note = "skipped: at maxfilelen";
		return;
	}
	if (fallocate(fd, modes[m], off, len)) {
		if (errno == EOPNOTSUPP) {
			no_falloc[m] = 1;
			e->note = "EOPNOTSUPP: mode disabled";
			printf("bfs-fsx: note: fallocate mode %s: EOPNOTSUPP, not used again\n",
			       mname[m]);
			return;
		}
		die_errno("fallocate mode %s 0x%" PRIx64 "+0x%" PRIx64, mname[m], off, len);
	}
	if (op == OP_FALLOC && off + len > size)
		size = off + len;
	if (op == OP_PUNCH && off < size) {
		uint64_t n = size - off < len ? size - off : len;

		sh_zero(off, n);
		mod_lo = off;
		mod_hi = off + n;
	}
	check_size("fallocate");
}

static void do_remount(struct logent *e)
{
	int st;

	close_file();
	fflush(stdout);
	st = system(remount_cmd);
	if (st == -1)
		die_errno("system(\"%s\")", remount_cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("remount command \"%s\": %s %d", remount_cmd,
		    WIFEXITED(st) ? "exit status" : "killed by signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	open_file(0);
	e->note = "full verify";
	verify_all("verify after remount", VERIFY_REMOUNT_MAX);
}

/* -X: change one byte of the file through another descriptor */
static void corrupt(struct logent *e)
{
	unsigned char c;
	int f;

	if (size == 0)
		return;
	xoff = rnd(size);
	f = open(path, O_RDWR);
	if (f < 0)
		die_errno("-X: open");
	xpread(f, &c, 1, xoff, "-X");
	c ^= 0x5a;
	xpwrite(f, &c, 1, xoff);
	close(f);
	e->op = OP_CORRUPT;
	e->off = xoff;
	e->len = 1;
}

static enum op pick(void)
{
	unsigned total = 0, r, i;

	if (remount_cmd && rnd64() < remount_threshold)
		return OP_REMOUNT;
	for (;;) {
		total = 0;
		for (i = 0; i < NOPS; i++)
			total += op_weight[i];
		r = rnd(total);
		for (i = 0; r >= op_weight[i]; i++)
			r -= op_weight[i];
		if (i >= OP_FALLOC && i <= OP_PUNCH && no_falloc[i - OP_FALLOC])
			continue;
		return i;
	}
}

/* ------------------------------------------------------------ main */

static uint64_t parse_size(const char *s, const char *opt)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	case 't': case 'T': v <<= 40; end++; break;
	}
	if (errno || *end || end == s) {
		fprintf(stderr, "bfs-fsx: bad number for %s: '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bfs-fsx [-N ops] [-S seed] [-l maxfilelen] [-o maxoplen]\n"
		"               [-R 'remount command'] [-r every_N_ops] [-q]\n"
		"               [-I reference_file] [-H hot_offset]... FILE\n");
	exit(2);
}

static void load_initial(void)
{
	struct stat st;
	uint64_t off, n, i;

	if (fstat(fd, &st))
		die_errno("fstat");
	if (!S_ISREG(st.st_mode))
		die("not a regular file");
	size = st.st_size;
	for (off = 0; off < size; off += n) {
		n = size - off < 2 * maxoplen ? size - off : 2 * maxoplen;
		xpread(fd, buf, n, off, "reading the initial content");
		for (i = 0; i < n; i += SHP) {
			uint64_t k = n - i < SHP ? n - i : SHP, j;

			for (j = 0; j < k && !buf[i + j]; j++)
				;
			if (j < k)
				sh_write(off + i, k, buf + i);
		}
	}
}

int main(int argc, char **argv)
{
	int c, have_seed = 0, created;
	uint64_t count[NOPS] = { 0 }, xat = 0, i;
	struct timespec ts;
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "N:S:l:o:R:r:qXI:H:")) != -1) {
		switch (c) {
		case 'N': nops = parse_size(optarg, "-N"); break;
		case 'S': seed = parse_size(optarg, "-S"); have_seed = 1; break;
		case 'l': maxfilelen = parse_size(optarg, "-l"); break;
		case 'o': maxoplen = parse_size(optarg, "-o"); break;
		case 'R': remount_cmd = optarg; break;
		case 'r': {
			char *end;
			double v = strtod(optarg, &end);

			if (*end || !(v > 0)) {
				fprintf(stderr, "bfs-fsx: bad value for -r: '%s'\n", optarg);
				return 2;
			}
			/* N >= 1: every N ops on average; 0 < P < 1: probability */
			remount_every = v >= 1 ? v : 1 / v;
			break;
		}
		case 'q': quiet = 1; break;
		case 'X': corrupt_flag = 1; break;
		case 'I': ref_path = optarg; break;
		case 'H':
			if (nhot == 8) {
				fprintf(stderr, "bfs-fsx: at most 8 -H offsets\n");
				return 2;
			}
			hot[nhot++] = parse_size(optarg, "-H");
			break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	path = argv[optind];
	if (maxoplen < 1 || maxoplen > (1ULL << 30) || maxfilelen < 1) {
		fprintf(stderr, "bfs-fsx: -o must be 1..1G, -l at least 1\n");
		return 2;
	}
	remount_threshold = remount_every <= 1 ? UINT64_MAX :
			    (uint64_t)(18446744073709551615.0 / remount_every);
	if (!have_seed) {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
		       ((uint64_t)getpid() << 32);
		seed %= 1000000000000ULL;
	}
	rng_state = seed;
	pagesize = sysconf(_SC_PAGESIZE);
	buf = malloc(2 * maxoplen + pagesize);
	if (!buf) {
		fprintf(stderr, "bfs-fsx: out of memory\n");
		return 1;
	}

	created = stat(path, &st) != 0;
	if (!created && (uint64_t)st.st_size > maxfilelen) {
		maxfilelen = st.st_size;
		note("maxfilelen raised to the file's size, %" PRIu64, maxfilelen);
	}
	if (ref_path) {
		struct stat rs;

		if (created) {
			fprintf(stderr, "bfs-fsx: -I: %s does not exist\n", path);
			return 2;
		}
		ref_fd = open(ref_path, O_RDONLY);
		if (ref_fd < 0 || fstat(ref_fd, &rs)) {
			fprintf(stderr, "bfs-fsx: -I %s: %s\n", ref_path, strerror(errno));
			return 2;
		}
		if (rs.st_size != st.st_size) {
			fprintf(stderr, "bfs-fsx: -I %s: %lld bytes, but %s has %lld\n", ref_path,
				(long long)rs.st_size, path, (long long)st.st_size);
			return 2;
		}
		ref_size = rs.st_size;
		ref_pages = (ref_size + SHP - 1) / SHP;
	}
	ntop = maxfilelen / (SHP * LEAF) + 2;
	top = calloc(ntop, sizeof(*top));
	if (!top) {
		fprintf(stderr, "bfs-fsx: out of memory\n");
		return 1;
	}
	printf("bfs-fsx: seed %" PRIu64 ", %s, %" PRIu64 " ops, maxfilelen %" PRIu64
	       ", maxoplen %" PRIu64 "%s%s%s\n", seed, path, nops, maxfilelen, maxoplen,
	       remount_cmd ? ", remount '" : "", remount_cmd ? remount_cmd : "",
	       remount_cmd ? "'" : "");
	open_file(created);
	if (ref_path) {
		size = ref_size;
		note("initial content: %" PRIu64 " bytes, as in %s (read on demand)",
		     size, ref_path);
	} else if (!created) {
		load_initial();
		note("initial content: %" PRIu64 " bytes", size);
	}
	if (corrupt_flag)
		xat = nops / 2;

	for (opnum = 1; opnum <= nops; opnum++) {
		struct logent *e = &oplog[nlogged % NLOG];
		enum op op = pick();

		memset(e, 0, sizeof(*e));
		e->n = opnum;
		e->op = op;
		e->size_before = e->size_after = size;
		nlogged++;
		mod_lo = mod_hi = 0;
		switch (op) {
		case OP_READ: do_read(e); break;
		case OP_WRITE: do_write(e); break;
		case OP_APPEND: do_append(e); break;
		case OP_MAPREAD: do_mapread(e); break;
		case OP_MAPWRITE: do_mapwrite(e); break;
		case OP_TRUNCATE: do_truncate(e); break;
		case OP_FALLOC: case OP_FALLOC_KEEP: case OP_PUNCH:
			do_falloc(e, op);
			break;
		case OP_FSYNC:
			if (fsync(fd))
				die_errno("fsync");
			break;
		case OP_FDATASYNC:
			if (fdatasync(fd))
				die_errno("fdatasync");
			break;
		case OP_REOPEN:
			close_file();
			open_file(0);
			check_size("reopen");
			break;
		case OP_VERIFY: verify_all("full verify", VERIFY_OP_MAX); break;
		case OP_REMOUNT: do_remount(e); break;
		default: break;
		}
		e->size_after = size;
		count[op]++;
		/* -X: keep one flipped byte in the file until it is seen */
		if (corrupt_flag && opnum >= xat &&
		    (xoff < 0 || (uint64_t)xoff >= size ||
		     ((uint64_t)xoff >= mod_lo && (uint64_t)xoff < mod_hi))) {
			e = &oplog[nlogged++ % NLOG];
			memset(e, 0, sizeof(*e));
			e->n = opnum;
			e->size_before = e->size_after = size;
			corrupt(e);
		}
		if (!quiet && nops >= 20 && opnum % (nops / 10) == 0)
			printf("bfs-fsx: %" PRIu64 " ops, size 0x%" PRIx64 "\n", opnum, size);
	}
	opnum = nops;
	verify_all("final verify", VERIFY_REMOUNT_MAX);
	close_file();
	if (!quiet) {
		printf("bfs-fsx: ops:");
		for (i = 0; i < NOPS; i++)
			if (count[i])
				printf(" %s %" PRIu64, op_name[i], count[i]);
		putchar('\n');
	}
	printf("bfs-fsx: %" PRIu64 " ops, seed %" PRIu64 ", ok\n", nops, seed);
	return 0;
}
