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

struct change {
	const struct bundlefs_change *c;
	const uint8_t *digests;
	const char *path;
	const char *target;
};

static int cmp_path(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	size_t lx = le16toh(x->c->path_len), ly = le16toh(y->c->path_len);
	int c = memcmp(x->path, y->path, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

static json_t *jstrn(const char *s, size_t n)
{
	return json_stringn(s, n);
}

int bfs_diff(const char *mnt, const char *parent_hash, const char *out,
	     const char *objects, struct bfs_error *err)
{
	struct change *ch = NULL;
	json_t *root = NULL, *dirs, *files;
	uint64_t total = 0, off;
	size_t len, pos = 0, i;
	uint32_t count, n = 0;
	void *buf;
	char *text = NULL;
	int r;

	r = bfs_ioctl_changes(mnt, &buf, &len, &count, err);
	if (r)
		return r;
	ch = calloc(count ? count : 1, sizeof(*ch));
	if (!ch) {
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
		ch[n].c = c;
		ch[n].digests = (const uint8_t *)(c + 1);
		ch[n].path = (const char *)ch[n].digests + (size_t)nch * 16;
		ch[n].target = ch[n].path + le16toh(c->path_len);
		n++;
		pos += rl;
	}
	qsort(ch, n, sizeof(*ch), cmp_path);

	root = json_object();
	dirs = json_array();
	files = json_array();
	for (i = 0; i < n; i++) {
		const struct bundlefs_change *c = ch[i].c;
		size_t plen = le16toh(c->path_len);
		json_t *e = json_object();
		uint32_t k, nch = le32toh(c->nchunks);
		char h[33];

		json_object_set_new(e, "name", jstrn(ch[i].path, plen));
		if (c->kind == 0) {
			json_object_set_new(e, "delete", json_true());
			json_array_append_new(c->flags & BUNDLEFS_CHANGE_WAS_DIR ?
					      dirs : files, e);
			continue;
		}
		if (c->kind == BUNDLEFS_NODE_DIR) {
			json_array_append_new(dirs, e);
			continue;
		}
		if (c->kind == BUNDLEFS_NODE_LNK) {
			json_t *s = json_object();

			json_object_set_new(s, "name", jstrn(ch[i].target, le64toh(c->size)));
			json_object_set_new(e, "symlink", s);
			json_array_append_new(files, e);
			continue;
		}
		if (nch == 1) {
			hex(ch[i].digests, h);
			json_object_set_new(e, "hash", json_string(h));
		} else {
			json_t *a = json_array();

			for (k = 0; k < nch; k++) {
				hex(ch[i].digests + 16 * k, h);
				json_array_append_new(a, json_string(h));
			}
			json_object_set_new(e, "chunkhashes", a);
		}
		json_object_set_new(e, "mtime", json_integer((json_int_t)le64toh(c->mtime_us)));
		if (c->flags & BUNDLEFS_NODE_EXEC)
			json_object_set_new(e, "runnable", json_true());
		json_object_set_new(e, "size", json_integer((json_int_t)le64toh(c->size)));
		json_array_append_new(files, e);
		total += le64toh(c->size);
	}
	json_object_set_new(root, "dirs", dirs);
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "hashAlg", json_string("xxh128"));
	json_object_set_new(root, "manifestVersion", json_string(BFS_V2_VERSION));
	json_object_set_new(root, "parentManifestHash", json_string(parent_hash));
	json_object_set_new(root, "totalSize", json_integer((json_int_t)total));

	/* the objects first: a diff is useful only once they are there */
	if (objects) {
		char data[4096];

		snprintf(data, sizeof(data), "%s/Data", objects);
		if ((mkdir(objects, 0755) && errno != EEXIST) ||
		    (mkdir(data, 0755) && errno != EEXIST)) {
			r = bfs_fail(err, BFS_ESYS, "%s: %s", data, strerror(errno));
			goto out;
		}
	}
	for (i = 0; objects && i < n; i++) {
		const struct bundlefs_change *c = ch[i].c;
		char path[8192], h[33];
		uint32_t k, nch = le32toh(c->nchunks);
		int fd;

		if (c->kind != BUNDLEFS_NODE_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", mnt,
			 (int)le16toh(c->path_len), ch[i].path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = bfs_fail(err, BFS_ESYS, "%s: %s", path, strerror(errno));
			goto out;
		}
		for (k = 0, off = 0; k < nch && !r; k++) {
			uint64_t clen = le64toh(c->size) - off;

			if (nch > 1 && clen > BUNDLEFS_CHUNK_SIZE)
				clen = BUNDLEFS_CHUNK_SIZE;
			hex(ch[i].digests + 16 * k, h);
			r = write_object(objects, fd, path, off, clen, h, err);
			off += clen;
		}
		close(fd);
		if (r)
			goto out;
	}

	text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		r = bfs_fail(err, BFS_ESYS, "out of memory");
		goto out;
	}
	if (out) {
		r = bfs_write_atomic(out, text, strlen(text), err);
	} else {
		r = puts(text) < 0 || fflush(stdout) ?
		    bfs_fail(err, BFS_ESYS, "writing: %s", strerror(errno)) : 0;
	}
out:
	free(text);
	json_decref(root);
	free(ch);
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
	char upper[4096], path[4200], h[33], text[256];
	uint8_t digest[16];
	size_t len;
	char *buf;
	int r;

	r = bfs_upper_of(mnt, upper, sizeof(upper), err);
	if (r)
		return r;
	r = bfs_read_file(manifest, &buf, &len, err);
	if (r)
		return r;
	bundlefs_xxh3_128(buf, len, digest);
	free(buf);
	hex(digest, h);
	snprintf(path, sizeof(path), "%s/origin", upper);
	snprintf(text, sizeof(text), "{\"manifestHash\":\"%s\"}\n", h);
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
