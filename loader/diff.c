// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs diff: what a writable mount changed, as a diff manifest.  The
 * kernel reports the changed paths with the xxh128 of each changed file
 * (BUNDLEFS_IOC_CHANGES, hashed in the page cache); this writes them as a
 * v2 ("2025-12-04-beta") diff manifest and, with --objects, copies the
 * content of each listed file into a CAS directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "libbundlefs.h"
#include "../kmod/xxh3.h"

/* The records of BUNDLEFS_IOC_CHANGES, in a buffer that grows to fit. */
int bfs_ioctl_changes(const char *mnt, void **buf, size_t *len, uint32_t *count,
		      struct bfs_error *err)
{
	struct bundlefs_changes arg;
	size_t size = 1 << 16;
	void *b = NULL;
	int fd, tries, saved;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bfs_fail(err, BFS_ESYS, "open: %s", strerror(errno));
	for (tries = 0; tries < 8; tries++) {
		void *nb = realloc(b, size);

		if (!nb) {
			free(b);
			close(fd);
			return bfs_fail(err, BFS_ESYS, "out of memory");
		}
		b = nb;
		memset(&arg, 0, sizeof(arg));
		arg.buf = (uintptr_t)b;
		arg.size = size;
		if (!ioctl(fd, BUNDLEFS_IOC_CHANGES, &arg)) {
			close(fd);
			*buf = b;
			*len = arg.size;
			*count = arg.count;
			return 0;
		}
		if (errno != E2BIG)
			break;
		/* it changed since the kernel measured it: what it says now */
		size = arg.size > size ? arg.size : size * 2;
	}
	saved = errno;
	free(b);
	close(fd);
	return bfs_fail(err, BFS_ESYS, "BUNDLEFS_IOC_CHANGES: %s",
			saved == ENOTTY ? "not the root of a bundlefs mount" :
			saved == EROFS ? "not a writable (upper=) mount" :
			strerror(saved));
}

static void hex(const uint8_t *d, char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/*
 * The object of @len bytes at @off of @path, as DIR/Data/<hash>.xxh128:
 * copied to a temporary name while hashed, renamed into place only when
 * the hash is the kernel's.
 */
static int write_object(const char *dir, int fd, const char *path,
			uint64_t off, uint64_t len, const char *want,
			struct bfs_error *err)
{
	static char buf[1 << 20];
	struct bundlefs_xxh3_state st;
	char obj[4096], tmp[4096 + 16], got[33];
	uint8_t digest[16];
	struct stat sb;
	uint64_t done = 0;
	int out, saved;

	snprintf(obj, sizeof(obj), "%s/Data/%s.xxh128", dir, want);
	if (!stat(obj, &sb) && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == len)
		return 0;	/* already there */
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", obj);
	out = mkstemp(tmp);
	if (out < 0)
		return bfs_fail(err, BFS_ESYS, "%s: %s", tmp, strerror(errno));
	bundlefs_xxh3_128_reset(&st);
	while (done < len) {
		size_t want_n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t n = pread(fd, buf, want_n, (off_t)(off + done));

		if (n <= 0) {
			saved = n ? errno : 0;
			close(out);
			unlink(tmp);
			return bfs_fail(err, BFS_ESYS, "%s: read: %s", path,
					n ? strerror(saved) : "the file shrank");
		}
		bundlefs_xxh3_128_update(&st, buf, (size_t)n);
		if (write(out, buf, (size_t)n) != n) {
			saved = errno;
			close(out);
			unlink(tmp);
			return bfs_fail(err, BFS_ESYS, "%s: write: %s", tmp,
					strerror(saved));
		}
		done += (uint64_t)n;
	}
	bundlefs_xxh3_128_digest(&st, digest);
	hex(digest, got);
	if (strcmp(got, want)) {
		close(out);
		unlink(tmp);
		return bfs_fail(err, BFS_ESYS,
				"%s: changed while being exported (xxh128 %s, the kernel said %s)",
				path, got, want);
	}
	if (fchmod(out, 0644) || fsync(out) || close(out) || rename(tmp, obj)) {
		saved = errno;
		unlink(tmp);
		return bfs_fail(err, BFS_ESYS, "%s: %s", obj, strerror(saved));
	}
	return 0;
}

/* A kernel record as a manifest entry (pointing into the record). */
static void to_entry(const struct bundlefs_change *c, struct bfs_entry *e)
{
	const char *digests = (const char *)(c + 1);
	uint32_t nch = le32toh(c->nchunks);

	memset(e, 0, sizeof(*e));
	e->path = (char *)digests + (size_t)nch * BUNDLEFS_DIGEST_SIZE;
	e->path_len = le16toh(c->path_len);
	e->size = le64toh(c->size);
	e->mtime_us = (int64_t)le64toh(c->mtime_us);
	e->exec = c->flags & BUNDLEFS_NODE_EXEC;
	switch (c->kind) {
	case 0:
		e->deleted = true;
		e->kind = c->flags & BUNDLEFS_CHANGE_WAS_DIR ? BFS_DIR : BFS_REG;
		break;
	case BUNDLEFS_NODE_DIR:
		e->kind = BFS_DIR;
		break;
	case BUNDLEFS_NODE_LNK:
		e->kind = BFS_LNK;
		e->target = e->path + e->path_len;
		break;
	default:
		e->kind = BFS_REG;
		e->nchunks = nch;
		e->digests = (struct bundlefs_digest *)digests;
	}
}

/* Each listed file's content into @objects/Data, per chunk. */
static int write_objects(const char *mnt, const char *objects,
			 const struct bfs_entry *e, size_t n,
			 struct bfs_error *err)
{
	char data[4096];
	size_t i;
	int r = 0;

	snprintf(data, sizeof(data), "%s/Data", objects);
	if ((mkdir(objects, 0755) && errno != EEXIST) ||
	    (mkdir(data, 0755) && errno != EEXIST))
		return bfs_fail(err, BFS_ESYS, "%s: %s", data, strerror(errno));
	for (i = 0; i < n && !r; i++) {
		char path[8192], h[33];
		uint64_t off = 0;
		uint32_t k;
		int fd;

		if (e[i].kind != BFS_REG || e[i].deleted)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", mnt, (int)e[i].path_len,
			 e[i].path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return bfs_fail(err, BFS_ESYS, "%s: %s", path, strerror(errno));
		for (k = 0; k < e[i].nchunks && !r; k++) {
			uint64_t clen = e[i].size - off;

			if (e[i].nchunks > 1 && clen > BUNDLEFS_CHUNK_SIZE)
				clen = BUNDLEFS_CHUNK_SIZE;
			hex(e[i].digests[k].bytes, h);
			r = write_object(objects, fd, path, off, clen, h, err);
			off += clen;
		}
		close(fd);
	}
	return r;
}

int bfs_diff(const char *mnt, const char *parent_hash, const char *out,
	     const char *objects, struct bfs_error *err)
{
	const struct bfs_entry **sorted = NULL;
	struct bfs_entry *e = NULL;
	size_t len, pos = 0;
	uint32_t count, n = 0;
	char *text = NULL;
	void *buf;
	int r;

	r = bfs_ioctl_changes(mnt, &buf, &len, &count, err);
	if (r)
		return r;
	e = calloc(count ? count : 1, sizeof(*e));
	sorted = calloc(count ? count : 1, sizeof(*sorted));
	if (!e || !sorted) {
		r = bfs_fail(err, BFS_ESYS, "out of memory");
		goto out;
	}
	/* the kernel's records, each checked against the buffer */
	while (pos < len && n < count) {
		const struct bundlefs_change *c = (const void *)((char *)buf + pos);
		uint32_t rl = le32toh(c->len), nch = le32toh(c->nchunks);
		uint64_t need = sizeof(*c) + (uint64_t)nch * 16 + le16toh(c->path_len) +
				(c->kind == BUNDLEFS_NODE_LNK ? le64toh(c->size) : 0);

		if (rl < sizeof(*c) || rl > len - pos || need > rl) {
			r = bfs_fail(err, BFS_ESYS, "malformed change record at %zu", pos);
			goto out;
		}
		to_entry(c, &e[n]);
		sorted[n] = &e[n];
		n++;
		pos += rl;
	}
	r = bfs_manifest_dump(sorted, n, parent_hash, &text, err);
	/* the objects first: a diff is useful only once they are there */
	if (!r && objects)
		r = write_objects(mnt, objects, e, n, err);
	if (r)
		goto out;
	if (out) {
		r = bfs_write_atomic(out, text, strlen(text), err);
	} else {
		r = puts(text) < 0 || fflush(stdout) ?
		    bfs_fail(err, BFS_ESYS, "writing: %s", strerror(errno)) : 0;
	}
out:
	free(text);
	free(sorted);
	free(e);
	free(buf);
	return r;
}

/* Undo the \ooo escapes of /proc/mounts, in place. */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

int bfs_upper_of(const char *mnt, char *upper, size_t size,
		 struct bfs_error *err)
{
	char real[4096], line[16384];
	FILE *f;
	int found = 0;

	if (!realpath(mnt, real))
		return bfs_fail(err, BFS_ESYS, "%s", strerror(errno));
	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return bfs_fail(err, BFS_ESYS, "/proc/self/mounts: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *dev = strtok(line, " "), *dir = strtok(NULL, " ");
		char *type = strtok(NULL, " "), *opts = strtok(NULL, " "), *o;

		if (!dev || !dir || !type || !opts || strcmp(type, "bundlefs"))
			continue;
		unescape(dir);
		if (strcmp(dir, real))
			continue;
		found = 1;	/* the last mount on the path is the visible one */
		upper[0] = '\0';
		for (o = strtok(opts, ","); o; o = strtok(NULL, ","))
			if (!strncmp(o, "upper=", 6))
				snprintf(upper, size, "%s", o + 6);
	}
	fclose(f);
	if (!found)
		return bfs_fail(err, BFS_ESYS, "not a bundlefs mount");
	if (!upper[0])
		return bfs_fail(err, BFS_EUSAGE, "not a writable (--upper) mount");
	unescape(upper);
	return 0;
}

/* UDIR/origin: which manifest the mount came from, for its diffs. */
int bfs_write_origin(const char *mnt, const char *manifest,
		     struct bfs_error *err)
{
	char h[33];
	uint8_t digest[16];
	size_t len;
	char *buf;
	int r;

	r = bfs_read_file(manifest, &buf, &len, err);
	if (r)
		return r;
	bundlefs_xxh3_128(buf, len, digest);
	free(buf);
	hex(digest, h);
	return bfs_write_origin_hash(mnt, h, err);
}

/* The same with the hash given: a layered mount's tree is no file. */
int bfs_write_origin_hash(const char *mnt, const char hash[33],
			  struct bfs_error *err)
{
	char upper[4096], path[4200], text[256];
	int r;

	r = bfs_upper_of(mnt, upper, sizeof(upper), err);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/origin", upper);
	snprintf(text, sizeof(text), "{\"manifestHash\":\"%s\"}\n", hash);
	return bfs_write_atomic(path, text, strlen(text), err);
}

/* The parent manifest's hash that bfs_write_origin() recorded. */
int bfs_read_origin(const char *mnt, char hash[33], struct bfs_error *err)
{
	char upper[4096], path[4200];
	json_error_t jerr;
	json_t *o, *h;
	int r;

	r = bfs_upper_of(mnt, upper, sizeof(upper), err);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/origin", upper);
	o = json_load_file(path, 0, &jerr);
	if (!o)
		return bfs_fail(err, BFS_ESYS,
				"%s: %s (mounted without bundlefs mount or load? pass --parent-hash)",
				path, jerr.text);
	h = json_object_get(o, "manifestHash");
	if (!json_is_string(h) || strlen(json_string_value(h)) != 32) {
		json_decref(o);
		return bfs_fail(err, BFS_ESYS, "%s: no manifestHash", path);
	}
	snprintf(hash, 33, "%s", json_string_value(h));
	json_decref(o);
	return 0;
}
