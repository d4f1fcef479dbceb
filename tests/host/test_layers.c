// SPDX-License-Identifier: GPL-2.0
/*
 * Layered manifests through the command: a base and diffs in mixed
 * dialects (`apply BASE D1 D2`, `check/encode BASE --diff D1 --diff D2`),
 * the parent hash of each diff, the output dialect, and the refusals with
 * their exact lines.  "@P@" in a diff becomes the xxh128 of the base file,
 * "@Q@" that of the text the test says apply writes for the layers below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../kmod/xxh3.h"

#define H1 "11111111111111111111111111111111"
#define H2 "22222222222222222222222222222222"
#define H3 "33333333333333333333333333333333"
#define REL "relative-manifest-snapshot-beta-2025-12"
#define V1(paths, total) \
	"{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":[" \
	paths "],\"totalSize\":" #total "}"
#define P1(path, hash, size) \
	"{\"hash\":\"" hash "\",\"mtime\":5,\"path\":\"" path "\",\"size\":" #size "}"
#define V2(dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":" #total "}"
#define V2D(parent, dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"manifestVersion\":\"2025-12-04-beta\",\"parentManifestHash\":\"" \
	parent "\",\"totalSize\":" #total "}"
#define SPEC(dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"specificationVersion\":\"" REL "\",\"totalSize\":" #total "}"
#define SPECD(parent, dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"parentManifestHash\":\"" parent "\"," \
	"\"specificationVersion\":\"relative-manifest-diff-beta-2025-12\"," \
	"\"totalSize\":" #total "}"
#define F(name, hash, size, mtime) \
	"{\"hash\":\"" hash "\",\"mtime\":" #mtime ",\"name\":\"" name "\",\"size\":" #size "}"
#define SF(path, hash, size, mtime) \
	"{\"hash\":\"" hash "\",\"mtime\":" #mtime ",\"path\":\"" path "\",\"size\":" #size "}"
#define SL(path, target) \
	"{\"path\":\"" path "\",\"symlink\":{\"target\":\"" target "\"}}"
#define SDEL(path) "{\"deleted\":true,\"path\":\"" path "\"}"
#define SD(path) "{\"path\":\"" path "\"}"

static const char *dir;
static char paths[6][256];

/* The file @name in the test directory (one of six slots). */
static const char *at(int slot, const char *name)
{
	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", dir, name);
	return paths[slot];
}

/* Whether two files hold the same bytes. */
static bool same_file(const char *a, const char *b)
{
	FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
	bool same = f && g;
	int c, d;

	while (same) {
		c = fgetc(f);
		d = fgetc(g);
		same = c == d;
		if (c == EOF)
			break;
	}
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	return same;
}

static void hash_of(const char *text, char out[33])
{
	uint8_t d[16];
	int i;

	bundlefs_xxh3_128(text, strlen(text), d);
	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* Write @text to @path with @key replaced by the xxh128 of @hashed. */
static void put(const char *path, const char *text, const char *key,
		const char *hashed)
{
	const char *k = key ? strstr(text, key) : NULL;
	char h[33];
	FILE *f = fopen(path, "w");

	if (!f) {
		failf(path, "expected to write it");
		return;
	}
	if (k) {
		hash_of(hashed, h);
		fprintf(f, "%.*s%s%s", (int)(k - text), text, h, k + 3);
	} else {
		fputs(text, f);
	}
	fclose(f);
}

/* A v1 base and two 2025-12 diffs: the issue's mixed stack. */
#define BASE V1(P1("a.txt", H1, 3) "," P1("d/old.txt", H2, 5) "," \
		P1("x/y/z.txt", H3, 4), 12)
/* D1 deletes the implied directory d and a.txt, adds an executable and
 * a symlink */
#define D1 SPECD("@P@", "{\"deleted\":true,\"path\":\"d\"}", \
		 SDEL("a.txt") "," \
		 "{\"hash\":\"" H1 "\",\"mtime\":9,\"path\":\"run.sh\",\"runnable\":true,\"size\":3}," \
		 SL("l", "x/y/z.txt"), 3)
/* what apply writes for BASE + D1 in D2's dialect: D2's parent */
#define S1 SPEC(SD("x") "," SD("$0/y"), \
		SL("l", "$1/z.txt") "," \
		"{\"hash\":\"" H1 "\",\"mtime\":9,\"path\":\"run.sh\",\"runnable\":true,\"size\":3}," \
		SF("$1/z.txt", H3, 4, 5), 7)
/* D2 re-creates a.txt and d (with $0/ naming its own dirs[0]), replaces
 * run.sh without the exec bit, deletes the directory x/y */
#define D2 SPECD("@Q@", SD("d") "," SDEL("x/y"), \
		 SF("a.txt", H2, 5, 10) "," SF("$0/new.txt", H3, 2, 10) "," \
		 SF("run.sh", H2, 5, 11), 12)
/* the result: v1 cannot hold the symlink, so D2's dialect */
#define S2 SPEC(SD("d") "," SD("x"), \
		SF("a.txt", H2, 5, 10) "," SF("$0/new.txt", H3, 2, 10) "," \
		SL("l", "x/y/z.txt") "," SF("run.sh", H2, 5, 11), 12)

static void mixed_stack(void)
{
	const char *b = at(0, "base.json"), *d1 = at(1, "d1.json");
	const char *d2 = at(2, "d2.json");
	char want[2048], h[33], wrong[33];

	put(b, BASE, NULL, NULL);
	put(d1, D1, "@P@", BASE);
	put(d2, D2, "@Q@", S1);
	expect_run("layers: apply v1 + 2025-12 diff, in D2's dialect", 0,
		   S1 "\n", "",
		   (const char *const[]){ "apply", b, d1, "--format",
					  "v2-2025-12", NULL });
	expect_run("layers: apply v1 + two 2025-12 diffs", 0, S2 "\n", "",
		   (const char *const[]){ "apply", b, d1, d2, NULL });
	expect_run("layers: check v1 --diff --diff", 0,
		   "~diffs applied: 2\nfiles: 3\ndirectories: 2\nsymlinks: 1\ntotal bytes: 12\nchunks: 3\ndistinct objects: 2\n",
		   "", (const char *const[]){ "check", b, "--diff", d1,
					      "--diff", d2, NULL });
	snprintf(want, sizeof(want),
		 "bundlefs: symlink \"l\": v1 (\"2023-03-03\") cannot hold symlinks: give --format v2-beta or v2-2025-12\n");
	expect_run("layers: --format v1 refuses a symlink", 1, "", want,
		   (const char *const[]){ "apply", b, d1, d2, "--format", "v1",
					  NULL });
	/* the layered image is the image of apply's output */
	put(at(3, "s2.json"), S2, NULL, NULL);
	expect_run("layers: encode with diffs", 0, "", "",
		   (const char *const[]){ "encode", b, at(4, "l.img"), "--diff",
					  d1, "--diff", d2, NULL });
	expect_run("layers: encode apply's output", 0, "", "",
		   (const char *const[]){ "encode", paths[3],
					  at(5, "s.img"), NULL });
	check_u64("layers: the layered image equals the applied one", 1,
		  same_file(paths[4], paths[5]));

	/* D2 against a wrong parent: the hash it should have named */
	put(d2, D2, "@Q@", "{}");
	hash_of("{}", wrong);
	hash_of(S1, h);
	snprintf(want, sizeof(want),
		 "bundlefs: %s: parentManifestHash %s is not the xxh128 of the layers below it (%s, the text bundlefs apply writes for them in the diff's dialect): the diff was made against another manifest\n",
		 d2, wrong, h);
	expect_run("layers: a second diff made on another tree", 1, "", want,
		   (const char *const[]){ "check", b, "--diff", d1, "--diff",
					  d2, NULL });
	expect_run("layers: --no-parent-check", 0, S2 "\n", "",
		   (const char *const[]){ "apply", b, d1, d2,
					  "--no-parent-check", NULL });

	/* D2 deleting what D1 deleted */
	put(d2, SPECD("@Q@", "", SDEL("a.txt"), 0), "@Q@", S1);
	snprintf(want, sizeof(want),
		 "bundlefs: %s: files[0] \"a.txt\": deletes a path the layers below do not have\n",
		 d2);
	expect_run("layers: a delete of what a lower diff deleted", 1, "", want,
		   (const char *const[]){ "apply", b, d1, d2, NULL });
	/* the first diff against another base */
	put(d1, D1, "@P@", V1("", 0));
	hash_of(V1("", 0), wrong);
	hash_of(BASE, h);
	snprintf(want, sizeof(want),
		 "bundlefs: %s: parentManifestHash %s is not the xxh128 of %s (%s): the diff was made against another manifest\n",
		 d1, wrong, b, h);
	expect_run("layers: a first diff made on another base", 1, "", want,
		   (const char *const[]){ "check", b, "--diff", d1, NULL });
}

/* A beta base, a 2025-12 diff, a beta diff: the parent of the beta diff
 * is the beta text of the two below. */
#define BB V2("{\"name\":\"d\"}", F("d/f", H1, 3, 7) "," F("g", H2, 1, 7), 4)
#define BD1 SPECD("@P@", "", SDEL("d/f") "," SL("h", "g"), 0)
#define BS1 V2("{\"name\":\"d\"}", F("g", H2, 1, 7) "," \
	       "{\"name\":\"h\",\"symlink\":{\"name\":\"g\"}}", 1)
/* the emptied directory d replaced by a file */
#define BD2 V2D("@Q@", "{\"delete\":true,\"name\":\"d\"}", F("d", H3, 2, 8), 2)
#define BS2 V2("", F("d", H3, 2, 8) "," F("g", H2, 1, 7) "," \
	       "{\"name\":\"h\",\"symlink\":{\"name\":\"g\"}}", 3)

static void beta_stack(void)
{
	const char *b = at(0, "base.json"), *d1 = at(1, "d1.json");
	const char *d2 = at(2, "d2.json");

	put(b, BB, NULL, NULL);
	put(d1, BD1, "@P@", BB);
	put(d2, BD2, "@Q@", BS1);
	expect_run("layers: beta + 2025-12 diff, in the base's dialect", 0,
		   BS1 "\n", "", (const char *const[]){ "apply", b, d1, NULL });
	expect_run("layers: beta + 2025-12 + beta diffs", 0, BS2 "\n", "",
		   (const char *const[]){ "apply", b, d1, d2, NULL });
	expect_run("layers: beta stack in the 2025-12 dialect", 0,
		   SPEC("", SF("d", H3, 2, 8) "," SF("g", H2, 1, 7) "," SL("h", "g"), 3) "\n",
		   "", (const char *const[]){ "apply", b, d1, d2, "--format",
					      "v2-2025-12", NULL });
	/* what a writable layered mount records for its diffs: the v2 beta
	 * text of its tree, the parent a beta diff on it is checked against */
	{
		struct bfs_stack_opts o = { .no_parent_check = false };
		const char *diffs[] = { d1 };
		struct bfs_manifest m;
		struct bfs_tree t;
		struct bfs_error err;
		char hash[33], want[33];
		void *image;
		size_t size;

		hash_of(BS1, want);
		if (bfs_layers_to_image(b, diffs, 1, &o, &m, &t, &image, &size,
					hash, &err)) {
			failf("layers: the origin hash of a layered tree",
			      "expected success got \"%s\"", err.msg);
		} else {
			check_str("layers: the origin hash of a layered tree",
				  want, hash);
			free(image);
			bfs_tree_free(&t);
			bfs_manifest_free(&m);
		}
	}
	expect_run("layers: beta stack as v1 names the symlink", 1, "",
		   "bundlefs: symlink \"h\": v1 (\"2023-03-03\") cannot hold symlinks: give --format v2-beta or v2-2025-12\n",
		   (const char *const[]){ "apply", b, d1, d2, "--format", "v1",
					  NULL });
}

/* Conversions (apply without diffs), unhashed files, absolute bases. */
static void single_layer(void)
{
	const char *b = at(0, "base.json"), *d1 = at(1, "d1.json");
	char want[1024];

	put(b, V2("{\"name\":\"e\"}", F("a", H1, 3, 7), 3), NULL, NULL);
	expect_run("layers: beta to v1 refuses an empty directory", 1, "",
		   "bundlefs: directory \"e\": v1 (\"2023-03-03\") cannot hold empty directories: give --format v2-beta or v2-2025-12\n",
		   (const char *const[]){ "apply", b, "--format", "v1", NULL });
	put(b, SPEC("", SF("a", H1, 3, 7) ",{\"mtime\":2,\"path\":\"u\",\"size\":9}", 12),
	    NULL, NULL);
	expect_run("layers: check lists unhashed files", 0,
		   "~distinct objects: 1\nunhashed files (reads fail with EIO): 1\n  \"u\"\n",
		   "", (const char *const[]){ "check", b, "--allow-unhashed",
					      NULL });
	expect_run("layers: unhashed files stay in the 2025-12 dialect", 0,
		   SPEC("", SF("a", H1, 3, 7) ",{\"mtime\":2,\"path\":\"u\",\"size\":9}", 12) "\n",
		   "", (const char *const[]){ "apply", b, "--allow-unhashed",
					      NULL });
	expect_run("layers: unhashed files cannot be beta", 1, "",
		   "bundlefs: file \"u\": v2 (\"2025-12-04-beta\") cannot hold unhashed files: give --format v2-2025-12\n",
		   (const char *const[]){ "apply", b, "--allow-unhashed",
					  "--format", "v2-beta", NULL });
	snprintf(want, sizeof(want),
		 "bundlefs: %s: files[1] \"u\": unhashed file (no \"hash\", \"chunkhashes\" or \"symlink\"): no content to serve (--allow-unhashed mounts it, its reads failing with EIO)\n",
		 b);
	expect_run("layers: unhashed files refused by default", 1, "", want,
		   (const char *const[]){ "check", b, NULL });

	/* an absolute base and an absolute diff under one --root */
	put(b, "{\"dirs\":[{\"path\":\"/w/job\"}],\"files\":[" SF("$0/a", H1, 3, 7) "],\"hashAlg\":\"xxh128\",\"specificationVersion\":\"absolute-manifest-snapshot-beta-2025-12\",\"totalSize\":3}",
	    NULL, NULL);
	put(d1, "{\"dirs\":[],\"files\":[" SL("/w/job/l", "/w/job/a") "],\"hashAlg\":\"xxh128\",\"parentManifestHash\":\"@P@\",\"specificationVersion\":\"absolute-manifest-diff-beta-2025-12\",\"totalSize\":0}",
	    "@P@", "{\"dirs\":[{\"path\":\"/w/job\"}],\"files\":[" SF("$0/a", H1, 3, 7) "],\"hashAlg\":\"xxh128\",\"specificationVersion\":\"absolute-manifest-snapshot-beta-2025-12\",\"totalSize\":3}");
	expect_run("layers: absolute base and diff under --root", 0,
		   SPEC("", SF("a", H1, 3, 7) "," SL("l", "a"), 3) "\n", "",
		   (const char *const[]){ "apply", b, d1, "--root", "/w/job",
					  NULL });
	snprintf(want, sizeof(want),
		 "bundlefs: %s: absolute manifest (specificationVersion \"absolute-manifest-snapshot-beta-2025-12\"): its paths mount under the directory given with --root PREFIX\n",
		 b);
	expect_run("layers: absolute base without --root", 1, "", want,
		   (const char *const[]){ "check", b, NULL });
	snprintf(want, sizeof(want),
		 "bundlefs: %s: diff manifest (specificationVersion \"absolute-manifest-diff-beta-2025-12\"): not mountable on its own; give it with --diff after the manifest it applies to\n",
		 d1);
	expect_run("layers: a diff as the base", 1, "", want,
		   (const char *const[]){ "check", d1, "--root", "/w", NULL });

	/* a name a v2 decoder would expand: compressed in 2025-12, refused
	 * in v2 beta (written uncompressed, it would name another path) */
	put(b, SPEC(SD("$0"), SF("$0/f", H1, 3, 7), 3), NULL, NULL);
	expect_run("layers: a $N/-like name in 2025-12", 0,
		   SPEC(SD("$0"), SF("$0/f", H1, 3, 7), 3) "\n", "",
		   (const char *const[]){ "apply", b, NULL });
	expect_run("layers: a $N/-like name in v2 beta", 1, "",
		   "bundlefs: files[0] \"$0/f\": path \"$0/f\" would be read as `$N/` (a directory index): it cannot be written in this dialect\n",
		   (const char *const[]){ "apply", b, "--format", "v2-beta",
					  NULL });
	/* the base's own errors name it, also without diffs */
	put(b, SPEC("", SF("a", H1, 3, 7) "," SF("a", H1, 3, 7), 6), NULL, NULL);
	snprintf(want, sizeof(want),
		 "bundlefs: %s: files[1] \"a\": path \"a\" is already files[0] \"a\": two entries for one path\n",
		 b);
	expect_run("layers: apply names the base's error", 1, "", want,
		   (const char *const[]){ "apply", b, "--format", "v1", NULL });

	/* usage */
	expect_run("layers: --format of no dialect", 2, "",
		   "bundlefs: apply: unknown --format v3: expected v1, v2-beta or v2-2025-12 (see bundlefs apply --help)\n",
		   (const char *const[]){ "apply", b, "--format", "v3", NULL });
	expect_run("layers: a relative --root", 2, "",
		   "bundlefs: check: --root w/job: expected an absolute path (see bundlefs check --help)\n",
		   (const char *const[]){ "check", b, "--root", "w/job", NULL });
	expect_run("layers: apply without a base", 2, "",
		   "bundlefs: apply: expected BASE [DIFF...] (see bundlefs apply --help)\n",
		   (const char *const[]){ "apply", NULL });
}

void test_layers(const char *tmpdir)
{
	dir = tmpdir;
	mixed_stack();
	beta_stack();
	single_layer();
}
