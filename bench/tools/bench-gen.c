// SPDX-License-Identifier: GPL-2.0
/*
 * bench-gen: the benchmark's data, made where it is used (inside the VM,
 * on tmpfs: nothing crosses 9p) and the same every time.
 *
 *   bench-gen tree OUT FILES DIRS SIZE [BIG]
 *       OUT/src/dNNN/fNNNNNN  FILES files of SIZE bytes over DIRS
 *                             directories, and OUT/src/big.bin of BIG bytes
 *       OUT/cas/Data/         their objects: hard links of the small
 *                             files, copies of big.bin's 256 MiB chunks
 *       OUT/manifest.json     the v2 beta manifest of src
 *   bench-gen manifest OUT FILES DIRS
 *       a manifest only (no content: every file 4096 bytes, made-up
 *       hashes), for the mount-time and memory figures
 *
 * Contents are pseudo-random per file, so no two objects are the same.
 */
#define _GNU_SOURCE
#define XXH_INLINE_ALL
#include <xxhash.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (256ULL << 20)
#define MTIME 1700000000000000ULL

static void die(const char *what, const char *path)
{
	fprintf(stderr, "bench-gen: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s || *end) {
		fprintf(stderr, "bench-gen: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static void hex(const XXH128_hash_t *h, char out[33])
{
	XXH128_canonical_t c;
	int i;

	XXH128_canonicalFromHash(&c, *h);
	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", c.digest[i]);
}

static void fill(uint64_t *buf, size_t words, uint64_t *state)
{
	size_t i;

	for (i = 0; i < words; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		buf[i] = *state;
	}
}

static void write_all(int fd, const void *b, size_t n, const char *path)
{
	const char *p = b;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0)
			die("writing", path);
		p += w;
		n -= w;
	}
}

/* Write SIZE pseudo-random bytes to PATH; their xxh128 in HASH. */
static void make_file(const char *path, unsigned long long size,
		      uint64_t seed, char hash[33])
{
	static uint64_t buf[1 << 13];
	XXH3_state_t *st = XXH3_createState();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	XXH128_hash_t h;

	if (fd < 0 || !st)
		die("creating", path);
	XXH3_128bits_reset(st);
	seed = seed * 0x9e3779b97f4a7c15ULL + 1;
	while (size) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		fill(buf, sizeof(buf) / 8, &seed);
		write_all(fd, buf, n, path);
		XXH3_128bits_update(st, buf, n);
		size -= n;
	}
	if (close(fd))
		die("closing", path);
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	hex(&h, hash);
}

/* Copy LEN bytes at OFF of SRC into an object of the cache; its name. */
static void make_chunk(const char *cas, const char *src, off_t off,
		       unsigned long long len, char hash[33])
{
	static char buf[1 << 16];
	char tmp[4200], dst[4200];
	XXH3_state_t *st = XXH3_createState();
	int in = open(src, O_RDONLY), out;
	XXH128_hash_t h;

	snprintf(tmp, sizeof(tmp), "%s/Data/.chunk.tmp", cas);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0 || !st)
		die("copying", src);
	XXH3_128bits_reset(st);
	while (len) {
		ssize_t r = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf),
				  off);

		if (r <= 0)
			die("reading", src);
		write_all(out, buf, r, tmp);
		XXH3_128bits_update(st, buf, r);
		off += r;
		len -= r;
	}
	close(in);
	if (close(out))
		die("closing", tmp);
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	hex(&h, hash);
	snprintf(dst, sizeof(dst), "%s/Data/%s.xxh128", cas, hash);
	if (rename(tmp, dst))
		die("renaming", dst);
}

static void mkdir_p(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir", path);
}

/*
 * Files are dNNN/fNNNNNN, file i in directory i * DIRS / FILES, so each
 * directory's files are consecutive and the manifest comes out sorted.
 */
static unsigned long long dir_of(unsigned long long i,
				 unsigned long long files,
				 unsigned long long dirs)
{
	return i * dirs / files;
}

static void manifest_head(FILE *m, unsigned long long dirs)
{
	unsigned long long d;

	fprintf(m, "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\n\"dirs\":[");
	for (d = 0; d < dirs; d++)
		fprintf(m, "%s{\"name\":\"d%03llu\"}", d ? ",\n" : "\n", d);
	fprintf(m, "],\n\"files\":[");
}

static void manifest_file(FILE *m, int *first, const char *name,
			  unsigned long long size, const char *hash)
{
	fprintf(m, "%s{\"name\":\"%s\",\"size\":%llu,\"mtime\":%llu,%s%s%s}",
		*first ? "\n" : ",\n", name, size, MTIME,
		hash[0] == '[' ? "\"chunkhashes\":" : "\"hash\":\"",
		hash, hash[0] == '[' ? "" : "\"");
	*first = 0;
}

static int cmd_tree(const char *out, unsigned long long files,
		    unsigned long long dirs, unsigned long long size,
		    unsigned long long big)
{
	char path[4096], obj[4096], name[64], hash[33];
	unsigned long long i, total = 0;
	int first = 1;
	FILE *m;

	snprintf(path, sizeof(path), "%s/src", out);
	mkdir_p(out);
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s/cas", out);
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s/cas/Data", out);
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	m = fopen(path, "w");
	if (!m)
		die("creating", path);
	manifest_head(m, dirs);

	if (big) {
		/* big.bin sorts before every dNNN */
		char *list = malloc(40 * (big / CHUNK + 2) + 4), *p = list;
		unsigned long long off;

		snprintf(path, sizeof(path), "%s/src/big.bin", out);
		make_file(path, big, ~0ULL, hash);
		if (big > CHUNK) {
			snprintf(obj, sizeof(obj), "%s/cas", out);
			p += sprintf(p, "[");
			for (off = 0; off < big; off += CHUNK) {
				make_chunk(obj, path, off,
					   big - off < CHUNK ? big - off : CHUNK,
					   hash);
				p += sprintf(p, "%s\"%s\"", off ? "," : "", hash);
			}
			sprintf(p, "]");
		} else {
			snprintf(obj, sizeof(obj), "%s/cas/Data/%s.xxh128", out, hash);
			if (link(path, obj) && errno != EEXIST)
				die("linking", obj);
			strcpy(list, hash);
		}
		manifest_file(m, &first, "big.bin", big, list);
		total += big;
		free(list);
	}
	for (i = 0; i < dirs; i++) {
		snprintf(path, sizeof(path), "%s/src/d%03llu", out, i);
		mkdir_p(path);
	}
	for (i = 0; i < files; i++) {
		unsigned long long d = dir_of(i, files, dirs);

		snprintf(path, sizeof(path), "%s/src/d%03llu/f%06llu", out, d, i);
		make_file(path, size, i, hash);
		snprintf(obj, sizeof(obj), "%s/cas/Data/%s.xxh128", out, hash);
		if (link(path, obj) && errno != EEXIST)
			die("linking", obj);
		snprintf(name, sizeof(name), "$%llu/f%06llu", d, i);
		manifest_file(m, &first, name, size, hash);
		total += size;
	}
	fprintf(m, "],\n\"totalSize\":%llu}\n", total);
	if (fclose(m))
		die("writing", "manifest.json");
	return 0;
}

static int cmd_manifest(const char *out, unsigned long long files,
			unsigned long long dirs)
{
	unsigned long long i;
	char name[64], hash[33];
	int first = 1;
	FILE *m = fopen(out, "w");

	if (!m)
		die("creating", out);
	manifest_head(m, dirs);
	for (i = 0; i < files; i++) {
		XXH128_hash_t h = XXH3_128bits(&i, sizeof(i));

		hex(&h, hash);
		snprintf(name, sizeof(name), "$%llu/f%07llu",
			 dir_of(i, files, dirs), i);
		manifest_file(m, &first, name, 4096, hash);
	}
	fprintf(m, "],\n\"totalSize\":%llu}\n", files * 4096);
	if (fclose(m))
		die("writing", out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && argc <= 7 && !strcmp(argv[1], "tree") &&
	    num(argv[4]) > 0)
		return cmd_tree(argv[2], num(argv[3]), num(argv[4]),
				num(argv[5]), argc > 6 ? num(argv[6]) : 0);
	if (argc == 5 && !strcmp(argv[1], "manifest") && num(argv[4]) > 0)
		return cmd_manifest(argv[2], num(argv[3]), num(argv[4]));
	fprintf(stderr, "usage: bench-gen tree OUT FILES DIRS SIZE [BIG] | bench-gen manifest OUT FILES DIRS\n");
	return 2;
}
