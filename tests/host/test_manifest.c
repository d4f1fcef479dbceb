// SPDX-License-Identifier: GPL-2.0
/*
 * The manifest parser and the tree rules: every rejection rule of
 * Documentation/manifest-format.rst with its exact message, and the
 * accepted corner cases.
 */
#include <stdlib.h>
#include <string.h>

#include "tests.h"

#define H "\"0123456789abcdef0123456789abcdef\""
#define V1(paths, total) \
	"{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\"," \
	"\"paths\":[" paths "],\"totalSize\":" total "}"
#define P1(path, size) \
	"{\"hash\":" H ",\"mtime\":1,\"path\":\"" path "\",\"size\":" size "}"
#define V2(dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":" total "}"
#define F2(name, size) \
	"{\"name\":\"" name "\",\"hash\":" H ",\"size\":" size ",\"mtime\":1}"
#define L2(name, target) \
	"{\"name\":\"" name "\",\"symlink\":{\"name\":\"" target "\"}}"
#define D2(name) "{\"name\":\"" name "\"}"
#define A16 "aaaaaaaaaaaaaaaa"
#define A64 A16 A16 A16 A16
#define A255 A64 A64 A64 A16 A16 A16 "aaaaaaaaaaaaaaa"
#define CH "268435456"
#define CH1 "268435457"

/* A ~ at the start of msg means "contains" rather than "equals". */
struct reject {
	const char *name, *json, *msg;
};

static const struct reject rejects[] = {
	{ "unknown manifestVersion",
	  "{\"manifestVersion\":\"2024-01-01\",\"hashAlg\":\"xxh128\"}",
	  "unknown manifestVersion \"2024-01-01\": expected \"2023-03-03\", \"2025-12-04-beta\" or \"2025-12\"" },
	{ "missing manifestVersion", "{\"hashAlg\":\"xxh128\"}",
	  "missing \"manifestVersion\" or \"specificationVersion\": expected manifestVersion \"2023-03-03\", \"2025-12-04-beta\" or \"2025-12\" or specificationVersion \"relative-manifest-snapshot-beta-2025-12\", \"relative-manifest-diff-beta-2025-12\", \"absolute-manifest-snapshot-beta-2025-12\" or \"absolute-manifest-diff-beta-2025-12\"" },
	{ "manifestVersion not a string", "{\"manifestVersion\":2023}",
	  "\"manifestVersion\" must be a string, got an integer" },
	{ "top level not an object", "[1,2]",
	  "expected a JSON object at the top, got an array" },
	{ "hashAlg sha256",
	  "{\"hashAlg\":\"sha256\",\"manifestVersion\":\"2023-03-03\",\"paths\":[],\"totalSize\":0}",
	  "hashAlg \"sha256\": expected \"xxh128\"" },
	{ "missing hashAlg",
	  "{\"manifestVersion\":\"2023-03-03\",\"paths\":[],\"totalSize\":0}",
	  "missing \"hashAlg\"" },
	{ "missing totalSize",
	  "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":[]}",
	  "missing \"totalSize\"" },
	{ "missing paths",
	  "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"totalSize\":0}",
	  "missing \"paths\"" },
	{ "missing files",
	  "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":0}",
	  "missing \"files\"" },
	{ "unknown top-level key",
	  "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":[],\"totalSize\":0,\"pathz\":[]}",
	  "unknown key \"pathz\"" },
	{ "v2 key in a v1 manifest",
	  "{\"dirs\":[],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":[],\"totalSize\":0}",
	  "unknown key \"dirs\"" },
	{ "diff manifest",
	  "{\"parentManifestHash\":" H ",\"dirs\":[],\"files\":[],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":0}",
	  "diff manifest (parentManifestHash): not mountable on its own; give it with --diff after the manifest it applies to" },
	{ "snapshot with a deleted dir",
	  V2("{\"name\":\"a\",\"delete\":true}", "", "0"),
	  "dirs[0] \"a\": \"delete\" entry in a snapshot manifest (no parentManifestHash): invalid" },
	{ "snapshot with a deleted file",
	  V2("", "{\"name\":\"a\",\"delete\":true}", "0"),
	  "files[0] \"a\": \"delete\" entry in a snapshot manifest (no parentManifestHash): invalid" },
	{ "delete not a boolean",
	  V2("{\"name\":\"a\",\"delete\":1}", "", "0"),
	  "dirs[0] \"a\": \"delete\" must be true or false, got an integer" },
	{ "hash too short",
	  V2("", "{\"name\":\"$0/x\",\"hash\":\"abc\",\"size\":1,\"mtime\":1}", "1"),
	  "files[0] \"$0/x\": $0/ refers to dirs[0], but there are 0 dirs" },
	{ "hash of 3 digits",
	  V2("", "{\"name\":\"x\",\"hash\":\"abc\",\"size\":1,\"mtime\":1}", "1"),
	  "files[0] \"x\": hash \"abc\" is not 32 hex digits" },
	{ "hash with a non-hex digit",
	  V1("{\"hash\":\"0123456789abcdef0123456789abcdeg\",\"mtime\":1,\"path\":\"x\",\"size\":1}", "1"),
	  "paths[0] \"x\": hash \"0123456789abcdef0123456789abcdeg\" is not 32 hex digits" },
	{ "hash of 33 digits",
	  V1("{\"hash\":\"0123456789abcdef0123456789abcdef0\",\"mtime\":1,\"path\":\"x\",\"size\":1}", "1"),
	  "paths[0] \"x\": hash \"0123456789abcdef0123456789abcdef0\" is not 32 hex digits" },
	{ "hash not a string",
	  V1("{\"hash\":12,\"mtime\":1,\"path\":\"x\",\"size\":1}", "1"),
	  "paths[0] \"x\": hash must be a string, got an integer" },
	{ "absolute path", V1(P1("/etc/passwd", "1"), "1"),
	  "paths[0] \"/etc/passwd\": path is absolute: expected a relative path" },
	{ "dot-dot component", V1(P1("a/../b", "1"), "1"),
	  "paths[0] \"a/../b\": path has a \"..\" component" },
	{ "leading dot-dot", V1(P1("../b", "1"), "1"),
	  "paths[0] \"../b\": path has a \"..\" component" },
	{ "dot component", V1(P1("./a", "1"), "1"),
	  "paths[0] \"./a\": path has a \".\" component" },
	{ "double slash", V1(P1("a//b", "1"), "1"),
	  "paths[0] \"a//b\": path has an empty component (leading, trailing or double '/')" },
	{ "trailing slash", V2(D2("a/"), "", "0"),
	  "dirs[0] \"a/\": name has an empty component (leading, trailing or double '/')" },
	{ "empty path", V1(P1("", "1"), "1"),
	  "paths[0] \"\": path is empty" },
	{ "empty name after $N/", V2(D2("a"), F2("$0/", "1"), "1"),
	  "files[0] \"$0/\": name has an empty component (leading, trailing or double '/')" },
	{ "NUL in a v1 path", V1(P1("a\\u0000b", "1"), "1"),
	  "paths[0] \"a\\x00b\": path contains a NUL byte" },
	{ "NUL in a v2 name", V2("", F2("a\\u0000b", "1"), "1"),
	  "files[0] \"a\\x00b\": name contains a NUL byte" },
	{ "NUL in a dir name", V2(D2("\\u0000"), "", "0"),
	  "dirs[0] \"\\x00\": name contains a NUL byte" },
	{ "component of 256 bytes",
	  V1(P1("d/" A255 "a", "1"), "1"),
	  "~: path has a component of 256 bytes, longer than 255" },
	{ "two entries for one path (v1)",
	  V1(P1("a/b", "1") "," P1("a/b", "1"), "2"),
	  "paths[1] \"a/b\": path \"a/b\" is already paths[0] \"a/b\": two entries for one path" },
	{ "two entries for one path via $N/",
	  V2(D2("d"), F2("d/x", "1") "," F2("$0/x", "1"), "2"),
	  "files[1] \"$0/x\": path \"d/x\" is already files[0] \"d/x\": two entries for one path" },
	{ "two dirs entries for one path", V2(D2("a") "," D2("a"), "", "0"),
	  "dirs[1] \"a\": path \"a\" is already dirs[0] \"a\": two entries for one path" },
	{ "dir and file with one path", V2(D2("a"), F2("a", "1"), "1"),
	  "files[0] \"a\": path \"a\" is already dirs[0] \"a\": two entries for one path" },
	{ "file inside a file",
	  V1(P1("a", "1") "," P1("a/b", "1"), "2"),
	  "paths[1] \"a/b\": \"a\" is a file (paths[0] \"a\"), not a directory" },
	{ "file, then a file below it",
	  V1(P1("a/b/c", "1") "," P1("a/b", "1"), "2"),
	  "paths[1] \"a/b\": path \"a/b\" is also a directory (holding paths[0] \"a/b/c\")" },
	{ "file inside a symlink",
	  V2("", L2("l", "x") "," F2("l/f", "1"), "1"),
	  "files[1] \"l/f\": \"l\" is a symlink (files[0] \"l\"), not a directory" },
	{ "chunk list does not match the size",
	  V2("", "{\"name\":\"big\",\"chunkhashes\":[" H "," H "," H "],\"size\":" CH1 ",\"mtime\":1}", CH1),
	  "files[0] \"big\": size 268435457 does not match 3 chunks (expected 2)" },
	{ "one chunk hash for two chunks",
	  V2("", "{\"name\":\"big\",\"chunkhashes\":[" H "],\"size\":536870912,\"mtime\":1}", "536870912"),
	  "files[0] \"big\": size 536870912 does not match 1 chunks (expected 2)" },
	{ "plain hash above the chunk size",
	  V2("", F2("big", CH1), CH1),
	  "files[0] \"big\": size 268435457 is larger than the chunk size 268435456: expected \"chunkhashes\", not \"hash\"" },
	{ "chunkhashes at exactly the chunk size",
	  V2("", "{\"name\":\"c\",\"chunkhashes\":[" H "],\"size\":" CH ",\"mtime\":1}", CH),
	  "files[0] \"c\": size 268435456 fits in one chunk of 268435456: expected \"hash\", not \"chunkhashes\"" },
	{ "bad chunk hash",
	  V2("", "{\"name\":\"big\",\"chunkhashes\":[" H ",\"zz\"],\"size\":" CH1 ",\"mtime\":1}", CH1),
	  "files[0] \"big\": chunkhashes[1] \"zz\" is not 32 hex digits" },
	{ "chunkhashes not an array",
	  V2("", "{\"name\":\"big\",\"chunkhashes\":" H ",\"size\":" CH1 ",\"mtime\":1}", CH1),
	  "files[0] \"big\": \"chunkhashes\" must be an array, got a string" },
	{ "truncated JSON", "{\"manifestVersion\": \"2023-03-03\", \"paths\": [",
	  "line 1, column 44: invalid JSON: ']' expected near end of file" },
	{ "non-UTF-8 JSON", "{\"manifestVersion\": \"\xff\xfe\"}",
	  "~line 1, column 21: invalid JSON: " },
	{ "duplicate JSON key",
	  "{\"manifestVersion\":\"2023-03-03\",\"manifestVersion\":\"2023-03-03\"}",
	  "~invalid JSON: duplicate object key" },
	{ "empty input", "", "~line 1, column 0: invalid JSON: " },
	{ "paths not an array",
	  "{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":{},\"totalSize\":0}",
	  "\"paths\" must be an array, got an object" },
	{ "entry not an object", V1("[]", "0"),
	  "paths[0]: expected an object, got an array" },
	{ "path not a string",
	  V1("{\"hash\":" H ",\"mtime\":1,\"path\":7,\"size\":1}", "1"),
	  "paths[0]: \"path\" must be a string, got an integer" },
	{ "size as a string",
	  V1("{\"hash\":" H ",\"mtime\":1,\"path\":\"x\",\"size\":\"1\"}", "1"),
	  "paths[0] \"x\": \"size\" must be an integer, got a string" },
	{ "negative size", V1(P1("x", "-1"), "0"),
	  "paths[0] \"x\": size -1 is negative" },
	{ "fractional size", V1(P1("x", "1.5"), "1"),
	  "paths[0] \"x\": size 1.5 is not an integer" },
	{ "size written as a real", V1(P1("x", "1.0"), "1"),
	  "paths[0] \"x\": size 1 is not an integer" },
	{ "size above 2^63-1", V1(P1("x", "9223372036854775808"), "1"),
	  "~invalid JSON: too big integer" },
	{ "fractional mtime",
	  V1("{\"hash\":" H ",\"mtime\":1.25,\"path\":\"x\",\"size\":1}", "1"),
	  "paths[0] \"x\": mtime 1.25 is not an integer" },
	{ "mtime as null",
	  V2("", "{\"name\":\"x\",\"hash\":" H ",\"size\":1,\"mtime\":null}", "1"),
	  "files[0] \"x\": \"mtime\" must be an integer, got null" },
	{ "sizes add up past 2^63-1",
	  V1("{\"hash\":" H ",\"mtime\":1,\"path\":\"a\",\"size\":9223372036854775807},"
	     "{\"hash\":" H ",\"mtime\":1,\"path\":\"b\",\"size\":1}", "0"),
	  "paths[0] \"a\": size 9223372036854775807 is larger than 1099511627776: a v1 (unchunked) object cannot be mapped" },
	{ "v2 sizes add up past 2^63-1",
	  V2("", "{\"name\":\"a\",\"chunkhashes\":[],\"size\":9223372036854775807,\"mtime\":1}", "0"),
	  "files[0] \"a\": size 9223372036854775807 does not match 0 chunks (expected 34359738368)" },
	{ "totalSize does not match", V1(P1("x", "5"), "6"),
	  "totalSize 6 does not match the sum of the file sizes, 5" },
	{ "negative totalSize", V1("", "-1"), "totalSize -1 is negative" },
	{ "missing size",
	  V2("", "{\"name\":\"x\",\"hash\":" H ",\"mtime\":1}", "0"),
	  "files[0] \"x\": missing \"size\"" },
	{ "missing mtime",
	  V2("", "{\"name\":\"x\",\"hash\":" H ",\"size\":1}", "1"),
	  "files[0] \"x\": missing \"mtime\"" },
	{ "missing v1 hash",
	  V1("{\"mtime\":1,\"path\":\"x\",\"size\":1}", "1"),
	  "paths[0] \"x\": missing \"hash\"" },
	{ "missing name", V2("", "{\"hash\":" H ",\"size\":1,\"mtime\":1}", "1"),
	  "files[0]: missing \"name\"" },
	{ "misspelt key",
	  V2("", "{\"name\":\"x\",\"hash\":" H ",\"size\":1,\"mtime\":1,\"runable\":true}", "1"),
	  "files[0] \"x\": unknown key \"runable\"" },
	{ "runnable in v1",
	  V1("{\"hash\":" H ",\"mtime\":1,\"path\":\"x\",\"size\":1,\"runnable\":true}", "1"),
	  "paths[0] \"x\": unknown key \"runnable\"" },
	{ "runnable not a boolean",
	  V2("", "{\"name\":\"x\",\"hash\":" H ",\"size\":1,\"mtime\":1,\"runnable\":1}", "1"),
	  "files[0] \"x\": \"runnable\" must be true or false, got an integer" },
	{ "no content key", V2("", "{\"name\":\"x\",\"size\":1,\"mtime\":1}", "1"),
	  "files[0] \"x\": expected one of \"hash\", \"chunkhashes\" or \"symlink\"" },
	{ "hash and symlink",
	  V2("", "{\"name\":\"x\",\"hash\":" H ",\"symlink\":{\"name\":\"y\"}}", "0"),
	  "files[0] \"x\": has both \"hash\" and \"symlink\": expected exactly one" },
	{ "size on a symlink",
	  V2("", "{\"name\":\"x\",\"symlink\":{\"name\":\"y\"},\"size\":1}", "0"),
	  "files[0] \"x\": \"size\" is not allowed on a symlink" },
	{ "symlink not an object",
	  V2("", "{\"name\":\"x\",\"symlink\":\"y\"}", "0"),
	  "files[0] \"x\": \"symlink\" must be an object {\"name\": TARGET}, got a string" },
	{ "unknown key in symlink",
	  V2("", "{\"name\":\"x\",\"symlink\":{\"name\":\"y\",\"type\":1}}", "0"),
	  "files[0] \"x\": unknown key \"type\"" },
	{ "symlink without a target",
	  V2("", "{\"name\":\"x\",\"symlink\":{}}", "0"),
	  "files[0] \"x\": missing \"name\"" },
	{ "empty symlink target", V2("", L2("x", ""), "0"),
	  "files[0] \"x\": symlink target is empty" },
	{ "absolute symlink target", V2("", L2("x", "/etc/passwd"), "0"),
	  "files[0] \"x\": symlink target \"/etc/passwd\" is absolute: expected a relative path" },
	{ "UNC symlink target //", V2("", L2("x", "//srv/share"), "0"),
	  "files[0] \"x\": symlink target \"//srv/share\" is absolute: expected a relative path" },
	{ "UNC symlink target \\\\", V2("", L2("x", "\\\\\\\\srv\\\\share"), "0"),
	  "files[0] \"x\": symlink target \"\\\\\\\\srv\\\\share\" is absolute: expected a relative path" },
	{ "drive-letter symlink target", V2("", L2("x", "C:\\\\x"), "0"),
	  "files[0] \"x\": symlink target \"C:\\\\x\" is absolute: expected a relative path" },
	{ "drive-letter symlink target, lowercase", V2("", L2("x", "c:x"), "0"),
	  "files[0] \"x\": symlink target \"c:x\" is absolute: expected a relative path" },
	{ "NUL in a symlink target", V2("", L2("x", "a\\u0000b"), "0"),
	  "files[0] \"x\": symlink target contains a NUL byte" },
	{ "top-level symlink to ..", V2("", L2("x", "../x"), "0"),
	  "files[0] \"x\": symlink target \"../x\" escapes the bundle root" },
	{ "top-level symlink to ..", V2("", L2("x", ".."), "0"),
	  "files[0] \"x\": symlink target \"..\" escapes the bundle root" },
	{ "symlink escaping through a subdirectory",
	  V2("", L2("x", "a/../../x"), "0"),
	  "files[0] \"x\": symlink target \"a/../../x\" escapes the bundle root" },
	{ "nested symlink escaping",
	  V2(D2("d"), L2("$0/x", "../../x"), "0"),
	  "files[0] \"$0/x\": symlink target \"../../x\" escapes the bundle root" },
	{ "$N/ in a symlink target expanding to an escape",
	  V2(D2("a") "," D2("$0/b"), L2("x", "$1/../../../y"), "0"),
	  "files[0] \"x\": symlink target \"a/b/../../../y\" escapes the bundle root" },
	{ "$N/ out of range", V2(D2("d"), F2("$5/x", "1"), "1"),
	  "files[0] \"$5/x\": $5/ refers to dirs[5], but there are 1 dirs" },
	{ "$N/ in a dir name refers to itself", V2(D2("$0/a"), "", "0"),
	  "dirs[0] \"$0/a\": $0/ must refer to an earlier entry of dirs (there are 0 before it)" },
	{ "$N/ in a dir name refers to a later dir",
	  V2(D2("a") "," D2("$2/b") "," D2("c"), "", "0"),
	  "dirs[1] \"$2/b\": $2/ must refer to an earlier entry of dirs (there are 1 before it)" },
	{ "$N/ huge", V2(D2("d"), F2("$99999999999999999999999/x", "1"), "1"),
	  "~: $" },
	{ "$N/ in a symlink target out of range", V2("", L2("x", "$0/y"), "0"),
	  "files[0] \"x\": $0/ refers to dirs[0], but there are 0 dirs" },
	{ "symlink target too long", NULL,
	  "files[0] \"x\": symlink target of 4096 bytes is longer than 4095" },
	{ "control characters in a message are escaped",
	  V1(P1("a\\r\\n\\u0001/..", "1"), "1"),
	  "paths[0] \"a\\r\\n\\x01/..\": path has a \"..\" component" },
};

static void run_rejects(void)
{
	size_t i;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		const struct reject *c = &rejects[i];
		struct bfs_manifest m;
		struct bfs_tree t;
		struct bfs_error err = { "" };
		char name[256], *json = NULL;
		void *image;
		size_t size;
		int r;

		if (!c->json) {
			/* a symlink target of 4096 bytes */
			size_t n = 4096;
			const char *pre = "{\"dirs\":[],\"files\":[{\"name\":\"x\",\"symlink\":{\"name\":\"";
			const char *post = "\"}}],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":0}";

			json = malloc(strlen(pre) + n + strlen(post) + 1);
			strcpy(json, pre);
			memset(json + strlen(pre), 'a', n);
			strcpy(json + strlen(pre) + n, post);
		}
		r = pipeline(c->json ? c->json : json, &m, &t, &image, &size,
			     &err);
		snprintf(name, sizeof(name), "rejects %s: exit code 1",
			 c->name);
		if (check_u64(name, BFS_EINVAL, (uint64_t)r) == false && !r) {
			free(image);
			bfs_tree_free(&t);
			bfs_manifest_free(&m);
		}
		snprintf(name, sizeof(name), "rejects %s: message", c->name);
		if (c->msg[0] == '~')
			check_contains(name, c->msg + 1, err.msg);
		else
			check_str(name, c->msg, err.msg);
		free(json);
	}
}

static bool accept(const char *name, const char *json,
		   struct bfs_manifest *m, struct bfs_tree *t)
{
	struct bfs_error err = { "" };
	void *image;
	size_t size;
	int r = pipeline(json, m, t, &image, &size, &err);

	if (r) {
		failf(name, "expected success got %d \"%s\"", r, err.msg);
		return false;
	}
	free(image);
	pass(name);
	return true;
}

static void done(struct bfs_manifest *m, struct bfs_tree *t)
{
	bfs_tree_free(t);
	bfs_manifest_free(m);
}

static void run_accepts(void)
{
	struct bfs_manifest m;
	struct bfs_tree t;

	if (accept("accepts control characters and emoji in names",
		   V2(D2("\\r\\u0001"), F2("$0/\\ud83d\\ude00 \\n.blend", "0"), "0"),
		   &m, &t)) {
		check_str("$N/ expands with control characters kept",
			  "\r\001/\xf0\x9f\x98\x80 \n.blend", m.entries[1].path);
		done(&m, &t);
	}
	if (accept("accepts names that only look like $N/",
		   V2(D2("d"), F2("$0", "0") "," F2("$x/y", "0") "," F2("a$0/b", "0"), "0"),
		   &m, &t)) {
		check_str("\"$0\" is a literal name", "$0", m.entries[1].path);
		check_str("\"$x/y\" is literal", "$x/y", m.entries[2].path);
		done(&m, &t);
	}
	if (accept("accepts a dir implied before it is listed",
		   V2(D2("a/b") "," D2("a"), "", "0"), &m, &t)) {
		check_u64("implied then listed: 2 directories", 2, t.ndirs);
		done(&m, &t);
	}
	if (accept("accepts uppercase hashes, negative mtime, size 0",
		   V1("{\"hash\":\"0123456789ABCDEF0123456789ABCDEF\",\"mtime\":-5,\"path\":\"x\",\"size\":0}", "0"),
		   &m, &t)) {
		check_u64("empty file has no chunk", 0, m.entries[0].nchunks);
		check_u64("negative mtime kept", (uint64_t)-5,
			  (uint64_t)m.entries[0].mtime_us);
		done(&m, &t);
	}
	if (accept("accepts a hash stored big-endian as written",
		   V1(P1("x", "1"), "1"), &m, &t)) {
		check_u64("digest byte 0", 0x01, m.entries[0].digests[0].bytes[0]);
		check_u64("digest byte 15", 0xef, m.entries[0].digests[0].bytes[15]);
		done(&m, &t);
	}
	if (accept("accepts symlinks inside the root",
		   V2(D2("d") "," D2("$0/e"),
		      L2("$1/up", "../../top") "," L2("$0/dot", "./x/../y") ","
		      L2("l", "$1/z") "," L2("s", "a//b/"),
		      "0"), &m, &t)) {
		check_str("$N/ expands in a symlink target", "d/e/z",
			  m.entries[4].target);
		check_u64("symlink size is the target length", 5,
			  m.entries[4].size);
		done(&m, &t);
	}
	if (accept("accepts a v1 file above 256 MiB (unchunked)",
		   V1(P1("big", "1073741825"), "1073741825"), &m, &t)) {
		check_u64("v1 chunk shift covers the largest file", 31,
			  m.chunk_shift);
		check_u64("v1 file is one object", 1, m.entries[0].nchunks);
		done(&m, &t);
	}
	if (accept("accepts a component of 255 bytes",
		   V1(P1("d/" A255, "1"), "1"),
		   &m, &t))
		done(&m, &t);
	if (accept("accepts runnable false, symlink mtime, delete false",
		   V2("{\"name\":\"d\",\"delete\":false}",
		      "{\"name\":\"x\",\"hash\":" H ",\"size\":1,\"mtime\":1,\"runnable\":false},"
		      "{\"name\":\"l\",\"symlink\":{\"name\":\"x\"},\"mtime\":7}", "1"),
		   &m, &t)) {
		check_u64("runnable false is not executable", 0,
			  m.entries[1].exec);
		check_u64("symlink mtime kept", 7,
			  (uint64_t)m.entries[2].mtime_us);
		done(&m, &t);
	}
	if (accept("accepts an empty v2 manifest without dirs",
		   "{\"files\":[],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":0}",
		   &m, &t)) {
		check_u64("empty manifest: root only", 1, t.nnodes);
		done(&m, &t);
	}
	if (accept("accepts a backslash in a name (a Linux name byte)",
		   V1(P1("a\\\\b", "1"), "1"), &m, &t))
		done(&m, &t);
}

void test_manifest(void)
{
	run_rejects();
	run_accepts();
}
