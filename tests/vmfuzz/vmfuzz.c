// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: send mutated and random images through BUNDLEFS_IOC_LOAD inside
 * a VM, then check the kernel log for BUG/WARNING/Oops/KASAN reports.
 *
 *   vmfuzz [-n ITERATIONS] [-r REMOUNT_EVERY] [-s SEED] [-d MNT]
 *          [-o SAVE_DIR] SEED_IMAGE|DIR...
 *
 * Each iteration mutates one of the seed images (bit flips, byte and field
 * overwrites with boundary values, truncation and extension with the
 * header's size kept consistent, splices, random tails after a valid
 * header) or exercises the ioctl's argument checks (bad reserved words,
 * zero size, a buffer running into an unmapped page).  An image the kernel
 * accepts is walked (readdir, lstat, readlink, a one-byte read) and the
 * mount replaced; otherwise the mount is replaced every REMOUNT_EVERY
 * iterations.  Results other than the documented errnos and any kernel
 * log problem are failures; the image that came before one is saved in
 * SAVE_DIR.  Ends with `N passed, N failed`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/bundlefs.h>

#define MAX_SEEDS 256
#define MAX_IMAGE (1 << 20)

struct seed {
	unsigned char *buf;
	size_t size;
};

static struct seed seeds[MAX_SEEDS];
static int nseeds;
static uint64_t rng_state;
static const char *mnt = "/tmp/vmfuzz-mnt";
static const char *cache = "/tmp/vmfuzz-cache";
static const char *save_dir;
static int kmsg_fd = -1;
static unsigned long passed, failed;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from -s */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* splitmix64: spreads nearby seeds (consecutive times) apart */
static uint64_t mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return (z ^ (z >> 31)) | 1;
}

static size_t below(size_t n)
{
	return n ? rnd() % n : 0;
}

static void die(const char *what)
{
	fprintf(stderr, "vmfuzz: %s: %s\n", what, strerror(errno));
	printf("%lu passed, %lu failed\n", passed, failed + 1);
	exit(1);
}

static void add_seed(const char *path)
{
	struct stat st;
	FILE *f;

	if (nseeds == MAX_SEEDS)
		return;
	if (stat(path, &st) || st.st_size <= 0 || st.st_size > MAX_IMAGE)
		return;
	f = fopen(path, "rb");
	if (!f)
		die(path);
	seeds[nseeds].buf = malloc(st.st_size);
	if (!seeds[nseeds].buf ||
	    fread(seeds[nseeds].buf, 1, st.st_size, f) != (size_t)st.st_size)
		die(path);
	seeds[nseeds++].size = st.st_size;
	fclose(f);
}

static void add_seeds(const char *path)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	char sub[4096];

	if (!dir) {
		add_seed(path);
		return;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		add_seed(sub);
	}
	closedir(dir);
}

/* ---- the kernel log ---------------------------------------------------- */

static const char *const bad_patterns[] = {
	"BUG:", "WARNING:", "Oops", "general protection", "KASAN:", "UBSAN:",
	"Kernel panic", "unreferenced object", "ODEBUG:", "possible circular",
	"possible recursive", "inconsistent lock state", "INFO: task",
	"stack-protector", "list_add corruption", "list_del corruption",
};

/* Read the records logged since the last call; count the bad ones. */
static int check_kmsg(void)
{
	char rec[8192];
	int bad = 0;
	ssize_t n;
	size_t i;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: go on */
				continue;
			break;			/* EAGAIN: all read */
		}
		rec[n] = '\0';
		for (i = 0; i < sizeof(bad_patterns) / sizeof(*bad_patterns);
		     i++) {
			if (strstr(rec, bad_patterns[i])) {
				char *msg = strchr(rec, ';');

				printf("# kernel: %s", msg ? msg + 1 : rec);
				bad++;
				break;
			}
		}
	}
	return bad;
}

/* ---- mounts ------------------------------------------------------------- */

static int root_fd = -1;

static void fresh_mount(void)
{
	char opts[256];

	if (root_fd >= 0) {
		close(root_fd);
		root_fd = -1;
		if (umount2(mnt, 0))
			die("umount");
	}
	snprintf(opts, sizeof(opts), "cache=%s", cache);
	if (mount("none", mnt, "bundlefs", 0, opts))
		die("mount -t bundlefs");
	root_fd = open(mnt, O_RDONLY | O_DIRECTORY);
	if (root_fd < 0)
		die(mnt);
}

/* Touch what a loaded image exposes, without following symlinks. */
static void walk(const char *dir, int depth, int *budget)
{
	struct dirent *d;
	DIR *dp;
	char path[4096], buf[4096];
	struct stat st;
	int fd;

	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp)) && --*budget > 0) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >=
		    (int)sizeof(path))
			continue;
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 16) {
			long pos = telldir(dp);

			walk(path, depth + 1, budget);
			seekdir(dp, pos);
		} else if (S_ISLNK(st.st_mode)) {
			if (readlink(path, buf, sizeof(buf)) < 0)
				continue;
		} else if (S_ISREG(st.st_mode) && st.st_size && *budget % 4 == 0) {
			/* no objects in the cache: EIO, but the path runs */
			fd = open(path, O_RDONLY);
			if (fd >= 0) {
				if (pread(fd, buf, 1, st.st_size - 1) < 0)
					errno = 0;
				close(fd);
			}
		}
	}
	closedir(dp);
}

/* ---- mutations ---------------------------------------------------------- */

static unsigned char img[2 * MAX_IMAGE];

static void fix_size(size_t size)
{
	uint64_t le = htole64(size);

	if (size >= 16)
		memcpy(img + 8, &le, 8);
}

static const uint64_t interesting[] = {
	0, 1, 2, 7, 8, 12, 16, 28, 40, 41, 63, 64, 72, 127, 128, 255, 256,
	4095, 4096, 4097, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
	0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ULL,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
};

static void put_field(size_t off, int width, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(img + off, &le, width);
}

static size_t mutate(void)
{
	const struct seed *s = &seeds[below(nseeds)];
	size_t size = s->size, i, n, off;
	int width;

	memcpy(img, s->buf, size);
	switch (below(8)) {
	case 0:	/* a few bit flips */
		for (n = 1 + below(4); n; n--) {
			off = below(size);
			img[off] ^= 1 << below(8);
		}
		break;
	case 1:	/* random bytes */
		for (n = 1 + below(8); n; n--)
			img[below(size)] = rnd();
		break;
	case 2:	/* a field set to a boundary value, or nudged */
	case 3:
		for (n = 1 + below(2); n; n--) {
			width = 1 << below(4);
			if (size < (size_t)width)
				break;
			off = below(size / width) * width;
			if (below(3))
				put_field(off, width,
					  interesting[below(sizeof(interesting) /
							    sizeof(*interesting))]);
			else
				img[off] += below(2) ? 1 : -1;
		}
		break;
	case 4:	/* truncated, header size kept consistent */
		size = below(size) + 1;
		fix_size(size);
		break;
	case 5:	/* extended with junk or zeroes */
		n = below(4096) + 1;
		if (below(2))
			memset(img + size, 0, n);
		else
			for (i = 0; i < n; i++)
				img[size + i] = rnd();
		size += n;
		fix_size(size);
		break;
	case 6:	/* splice: the head of one seed, the tail of another */
	{
		const struct seed *t = &seeds[below(nseeds)];
		size_t cut = below(size), from = below(t->size);

		n = t->size - from;
		memcpy(img + cut, t->buf + from, n);
		size = cut + n;
		fix_size(size);
		break;
	}
	default: /* a valid header over random sections */
		n = 72 + below(2048);
		for (i = 72; i < n; i++)
			img[i] = below(4) ? rnd() : 0;
		size = n;
		fix_size(size);
		break;
	}
	if (size == 0)
		size = 1;
	return size;
}

/* ---- one ioctl ---------------------------------------------------------- */

static unsigned long loaded, refused, other;

static void save_image(const void *buf, size_t size, unsigned long iter)
{
	char path[4096];
	FILE *f;

	if (!save_dir)
		return;
	snprintf(path, sizeof(path), "%s/vmfuzz-%lu.img", save_dir, iter);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(buf, 1, size, f);
	fclose(f);
	printf("# saved %s\n", path);
}

static int load(const void *buf, size_t size, uint64_t reserved)
{
	struct bundlefs_load arg = {
		.image = (uintptr_t)buf, .size = size,
		.reserved = { reserved, 0 },
	};

	return ioctl(root_fd, BUNDLEFS_IOC_LOAD, &arg) ? errno : 0;
}

static void expect(int got, int want1, int want2, const char *what,
		   unsigned long iter)
{
	if (got == want1 || got == want2) {
		passed++;
		return;
	}
	failed++;
	printf("not ok - iteration %lu: %s: %s\n", iter, what,
	       got ? strerror(got) : "success");
}

/* The argument checks, on an unloaded mount: nothing may load. */
static void api_case(unsigned long iter, unsigned char *guard, long page)
{
	const struct seed *s = &seeds[below(nseeds)];

	switch (below(4)) {
	case 0:
		expect(load(s->buf, s->size, 1), EINVAL, EINVAL,
		       "reserved word set", iter);
		break;
	case 1:
		expect(load(s->buf, 0, 0), EINVAL, EINVAL, "size 0", iter);
		break;
	case 2:
		/* the image's last bytes sit in front of an unmapped page */
		memcpy(guard + page - s->size % page, s->buf,
		       s->size % page);
		expect(load(guard + page - s->size % page,
			    s->size % page + page, 0),
		       EFAULT, EINVAL, "image runs into an unmapped page",
		       iter);
		break;
	default:
		expect(load(NULL, s->size, 0), EFAULT, EINVAL, "NULL image",
		       iter);
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned long iters = 20000, every = 300, i, since = 0;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *guard;
	time_t t0 = time(NULL);
	int opt, bad;

	uint64_t seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();

	while ((opt = getopt(argc, argv, "n:r:s:d:o:")) != -1) {
		switch (opt) {
		case 'n': iters = strtoul(optarg, NULL, 0); break;
		case 'r': every = strtoul(optarg, NULL, 0) ?: 1; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'd': mnt = optarg; break;
		case 'o': save_dir = optarg; break;
		default:
			fprintf(stderr, "usage: vmfuzz [-n N] [-r EVERY] [-s SEED] [-d MNT] [-o DIR] SEED...\n");
			return 2;
		}
	}
	rng_state = mix(seed);
	printf("# vmfuzz: seed %llu (-s to replay)\n", (unsigned long long)seed);
	for (; optind < argc; optind++)
		add_seeds(argv[optind]);
	if (!nseeds) {
		fprintf(stderr, "vmfuzz: no seed images\n");
		return 2;
	}

	/* an unmapped page right after a mapped one */
	guard = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED || munmap(guard + page, page))
		die("mmap");

	mkdir(mnt, 0755);
	mkdir(cache, 0755);
	snprintf((char *)img, 4096, "%s/Data", cache);
	mkdir((char *)img, 0755);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	fresh_mount();

	for (i = 0; i < iters; i++) {
		size_t size;
		int err;

		if (below(16) == 0) {
			api_case(i, guard, page);
			continue;
		}
		size = mutate();
		err = load(img, size, 0);
		if (err == 0) {
			int budget = 256;

			loaded++;
			passed++;
			walk(mnt, 0, &budget);
			/* a second image never loads over the first */
			expect(load(img, size, 0), EBUSY, EBUSY,
			       "second load", i);
			since = every;
		} else if (err == EINVAL) {
			refused++;
			passed++;
		} else {
			other++;
			expect(err, EINVAL, ENOMEM, "load of a mutated image",
			       i);
			if (err != ENOMEM)
				save_image(img, size, i);
		}
		if (++since >= every) {
			bad = check_kmsg();
			if (bad) {
				failed += bad;
				save_image(img, size, i);
				printf("not ok - kernel log problem by iteration %lu\n",
				       i);
			}
			fresh_mount();
			since = 0;
		}
	}
	close(root_fd);
	root_fd = -1;
	if (umount2(mnt, 0))
		die("umount");
	bad = check_kmsg();
	if (bad) {
		failed += bad;
		printf("not ok - kernel log problem at the end\n");
	}
	printf("# vmfuzz: %lu iterations in %ld s: %lu loaded, %lu refused, %lu other\n",
	       iters, (long)(time(NULL) - t0), loaded, refused, other);
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
