// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the command.  Argument parsing and calls into libbundlefs;
 * nothing here knows the manifest or image formats.
 *
 * Exit codes: 0 ok, 1 invalid manifest or image, 2 usage error,
 * 3 system error (I/O, mount, ioctl).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"

#define PROG "bundlefs"
/* room for "load FILE on MNT" */
#define PATH_MAX_BUF 8400

static const char usage_main[] =
"usage: bundlefs COMMAND [OPTIONS] ARGS...\n"
"\n"
"Mount job-bundle manifests (v1 2023-03-03, v2 2025-12-04-beta).\n"
"\n"
"commands:\n"
"  check MANIFEST              validate a manifest and print its counts\n"
"  encode MANIFEST OUT         write the binary image of a manifest\n"
"  load MANIFEST MNT           load a manifest into an empty bundlefs mount\n"
"  load --image FILE MNT       push a raw image file, unchanged\n"
"  mount MANIFEST MNT --cache DIR [--upper DIR] [-o OPTS]\n"
"                              mount bundlefs on MNT and load MANIFEST\n"
"  diff MNT [-o FILE] [--objects DIR]\n"
"                              what a writable mount changed, as a diff manifest\n"
"  apply BASE DIFF [-o OUT]    a manifest plus a diff, as one manifest\n"
"\n"
"Each command takes --help.\n"
"exit status: 0 ok, 1 invalid manifest or image, 2 usage error,\n"
"3 system error (I/O, mount, ioctl).\n";

static const char usage_check[] =
"usage: bundlefs check MANIFEST\n"
"\n"
"Parse, validate and encode MANIFEST without touching the kernel, then\n"
"print the number of files, directories (not counting the root),\n"
"symlinks, total bytes, chunks and distinct objects.\n";

static const char usage_encode[] =
"usage: bundlefs encode MANIFEST OUT\n"
"\n"
"Validate MANIFEST and write its binary image to OUT (through a\n"
"temporary file renamed into place).\n";

static const char usage_load[] =
"usage: bundlefs load MANIFEST MNT\n"
"       bundlefs load --image FILE MNT\n"
"\n"
"Issue BUNDLEFS_IOC_LOAD on MNT, the root of an empty bundlefs mount,\n"
"with the image of MANIFEST; with --image, with the bytes of FILE as\n"
"they are (no validation: for testing the kernel's checks).\n";

static const char usage_diff[] =
"usage: bundlefs diff MNT [-o FILE] [--objects DIR] [--parent-hash HASH]\n"
"\n"
"Write what the writable bundlefs mount MNT changed against its manifest as\n"
"a v2 diff manifest (\"2025-12-04-beta\", parentManifestHash, delete\n"
"entries) to FILE (atomically) or standard output.  The kernel finds and\n"
"hashes the changes; the cost grows with them, not with the manifest.\n"
"\n"
"  -o FILE            write the diff manifest to FILE\n"
"  --objects DIR      also copy each listed file's content (per 256 MiB\n"
"                     chunk) to DIR/Data/<hash>.xxh128, atomically, skipping\n"
"                     objects already there\n"
"  --parent-hash HASH the parent manifest's xxh128 (default: what\n"
"                     bundlefs mount or load recorded in the upper directory)\n";

static const char usage_apply[] =
"usage: bundlefs apply BASE DIFF [-o OUT]\n"
"\n"
"Apply the diff manifest DIFF (what bundlefs diff wrote) to the manifest\n"
"BASE it was made against (its parentManifestHash must be BASE's xxh128)\n"
"and write the resulting snapshot as a v2 (\"2025-12-04-beta\") manifest to\n"
"OUT (atomically) or standard output.  Mounted over the cache plus the\n"
"diff's --objects, it shows the tree the writable mount showed.\n"
"\n"
"  -o FILE            write the manifest to FILE\n";

static const char usage_mount[] =
"usage: bundlefs mount MANIFEST MNT --cache DIR [--upper DIR] [--uid USER]\n"
"                      [--gid GROUP] [-o OPTS]\n"
"\n"
"Validate and encode MANIFEST, mount bundlefs on MNT with\n"
"\"cache=DIR[,OPTS]\" (read-only unless OPTS has upper=) and load the\n"
"image.  If the load fails, MNT is unmounted again.\n"
"\n"
"  -c, --cache DIR   object cache directory (required; no ',' in its path)\n"
"  -u, --upper DIR   writable mount: changes are kept in DIR, bound to\n"
"                    MANIFEST (a DIR of another manifest is refused)\n"
"  --uid USER        owner of every manifest entry (name or number;\n"
"  --gid GROUP       default: the caller's ids)\n"
"  -o OPTS           more mount options, comma-separated\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": %s%s", cmd ? cmd : "", cmd ? ": " : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see bundlefs %s%s--help)\n", cmd ? cmd : "",
		cmd ? " " : "");
	return BFS_EUSAGE;
}

/* Options shared by every command; returns -1 to go on, else exit code. */
static int parse_opts(int argc, char **argv, const char *cmd,
		      const char *usage, const char *shortopts,
		      const struct option *longopts,
		      int (*opt)(int c, const char *arg, void *ctx), void *ctx)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c == '?' || c == ':') {
			char o[64];

			if (optopt)
				snprintf(o, sizeof(o), "-%c", optopt);
			else
				snprintf(o, sizeof(o), "%s", argv[optind - 1]);
			return usage_error(cmd, c == ':' ?
					   "option %s needs an argument" :
					   "unknown option %s", o);
		}
		if (opt) {
			int r = opt(c, optarg, ctx);

			if (r >= 0)
				return r;
		}
	}
	return -1;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int fail(const char *what, const struct bfs_error *err, int code)
{
	fprintf(stderr, PROG ": %s: %s\n", what, err->msg);
	return code;
}

static int cmd_check(int argc, char **argv)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_stats st;
	struct bfs_error err;
	size_t size;
	void *image;
	int r;

	r = parse_opts(argc, argv, "check", usage_check, "+h", help_only,
		       NULL, NULL);
	if (r >= 0)
		return r;
	if (argc - optind != 1)
		return usage_error("check", "expected one MANIFEST%s", "");
	r = bfs_manifest_to_image(argv[optind], &m, &t, &image, &size, &err);
	if (r)
		return fail(argv[optind], &err, r);
	bfs_stats(&m, &t, &st);
	printf("%s: ok, manifest version %s\n", argv[optind], m.version_str);
	printf("files: %llu\n", (unsigned long long)st.files);
	printf("directories: %llu\n", (unsigned long long)st.dirs);
	printf("symlinks: %llu\n", (unsigned long long)st.links);
	printf("total bytes: %llu\n", (unsigned long long)st.total_bytes);
	printf("chunks: %llu\n", (unsigned long long)st.chunks);
	printf("distinct objects: %llu\n", (unsigned long long)st.objects);
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": check: cannot write the output\n");
		return BFS_ESYS;
	}
	return 0;
}

static int cmd_encode(int argc, char **argv)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	size_t size;
	void *image;
	int r;

	r = parse_opts(argc, argv, "encode", usage_encode, "+h", help_only,
		       NULL, NULL);
	if (r >= 0)
		return r;
	if (argc - optind != 2)
		return usage_error("encode", "expected MANIFEST and OUT%s", "");
	r = bfs_manifest_to_image(argv[optind], &m, &t, &image, &size, &err);
	if (r)
		return fail(argv[optind], &err, r);
	r = bfs_write_atomic(argv[optind + 1], image, size, &err);
	if (r)
		fail(argv[optind + 1], &err, r);
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return r;
}

static int load_image(const char *what, const char *mnt, const void *image,
		      size_t size)
{
	struct bfs_error err;
	char buf[PATH_MAX_BUF];
	int r = bfs_ioctl_load(mnt, image, size, &err);

	if (r) {
		snprintf(buf, sizeof(buf), "load %s on %s", what, mnt);
		return fail(buf, &err, r);
	}
	return 0;
}

static int image_opt(int c, const char *arg, void *ctx)
{
	if (c == 'i')
		*(const char **)ctx = arg;
	return -1;
}

static int cmd_load(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "image", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image_file = NULL;
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	size_t size;
	void *image;
	int r;

	r = parse_opts(argc, argv, "load", usage_load, "+hi:", longopts,
		       image_opt, &image_file);
	if (r >= 0)
		return r;
	if (image_file) {
		char *buf;

		if (argc - optind != 1)
			return usage_error("load", "expected --image FILE MNT%s",
					   "");
		r = bfs_read_file(image_file, &buf, &size, &err);
		if (r)
			return fail(image_file, &err, r);
		r = load_image(image_file, argv[optind], buf, size);
		free(buf);
		return r;
	}
	if (argc - optind != 2)
		return usage_error("load", "expected MANIFEST and MNT%s", "");
	r = bfs_manifest_to_image(argv[optind], &m, &t, &image, &size, &err);
	if (r)
		return fail(argv[optind], &err, r);
	r = load_image(argv[optind], argv[optind + 1], image, size);
	if (!r) {
		char upper[4096];

		/* a writable mount remembers its manifest for its diffs */
		if (!bfs_upper_of(argv[optind + 1], upper, sizeof(upper), &err)) {
			r = bfs_write_origin(argv[optind + 1], argv[optind], &err);
			if (r)
				fail(argv[optind + 1], &err, r);
		}
	}
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return r;
}

struct mount_args {
	const char *cache, *opts, *upper, *uid, *gid;
};

static int mount_opt(int c, const char *arg, void *ctx)
{
	struct mount_args *a = ctx;

	if (c == 'c')
		a->cache = arg;
	else if (c == 'o')
		a->opts = arg;
	else if (c == 'u')
		a->upper = arg;
	else if (c == 'U')
		a->uid = arg;
	else if (c == 'G')
		a->gid = arg;
	return -1;
}

/* A user or group given by name or number: its id, or -1. */
static long owner_id(const char *s, bool group)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s && !*end && !errno && v >= 0 && v < 4294967295L)
		return v;
	if (group) {
		struct group *g = getgrnam(s);

		return g ? (long)g->gr_gid : -1;
	} else {
		struct passwd *p = getpwnam(s);

		return p ? (long)p->pw_uid : -1;
	}
}

/* -o OPTS plus what --upper, --uid and --gid add to it. */
static int mount_options(const struct mount_args *a, char *buf, size_t size)
{
	char real[PATH_MAX];
	size_t n = 0;
	long id;

	buf[0] = '\0';
	if (a->opts && *a->opts)
		n += snprintf(buf, size, "%s", a->opts);
	if (a->upper) {
		if (!realpath(a->upper, real)) {
			fprintf(stderr, "bundlefs: mount: upper directory %s: %s\n",
				a->upper, strerror(errno));
			return BFS_ESYS;
		}
		if (strchr(real, ',')) {
			fprintf(stderr, "bundlefs: mount: upper directory %s contains ',', which the mount options cannot carry\n",
				real);
			return BFS_EUSAGE;
		}
		n += snprintf(buf + n, n < size ? size - n : 0, "%supper=%s",
			      n ? "," : "", real);
	}
	if (a->uid) {
		id = owner_id(a->uid, false);
		if (id < 0)
			return usage_error("mount", "no such user %s", a->uid);
		n += snprintf(buf + n, n < size ? size - n : 0, "%suid=%ld",
			      n ? "," : "", id);
	}
	if (a->gid) {
		id = owner_id(a->gid, true);
		if (id < 0)
			return usage_error("mount", "no such group %s", a->gid);
		n += snprintf(buf + n, n < size ? size - n : 0, "%sgid=%ld",
			      n ? "," : "", id);
	}
	if (n >= size)
		return usage_error("mount", "mount options too long%s", "");
	return 0;
}

static int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "cache", required_argument, NULL, 'c' },
		{ "options", required_argument, NULL, 'o' },
		{ "upper", required_argument, NULL, 'u' },
		{ "uid", required_argument, NULL, 'U' },
		{ "gid", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	struct mount_args a = { 0 };
	char opts[4096];
	const char *manifest, *mnt;
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err, uerr;
	char what[PATH_MAX_BUF];
	size_t size;
	void *image;
	int r;

	/* GNU getopt permutes: options may follow the operands */
	r = parse_opts(argc, argv, "mount", usage_mount, "hc:o:u:", longopts,
		       mount_opt, &a);
	if (r >= 0)
		return r;
	if (argc - optind != 2)
		return usage_error("mount", "expected MANIFEST and MNT%s", "");
	if (!a.cache)
		return usage_error("mount", "--cache DIR is required%s", "");
	manifest = argv[optind];
	mnt = argv[optind + 1];
	r = mount_options(&a, opts, sizeof(opts));
	if (r)
		return r;
	/* a bad manifest mounts nothing */
	r = bfs_manifest_to_image(manifest, &m, &t, &image, &size, &err);
	if (r)
		return fail(manifest, &err, r);
	snprintf(what, sizeof(what), "mount %s on %s", manifest, mnt);
	r = bfs_mount(mnt, a.cache, opts, &err);
	if (r) {
		fail(what, &err, r);
		if (a.upper)
			fprintf(stderr, "bundlefs: %s: the kernel log says why the upper directory was refused\n",
				a.upper);
		goto out;
	}
	r = load_image(manifest, mnt, image, size);
	if (!r && a.upper) {
		r = bfs_write_origin(mnt, manifest, &err);
		if (r)
			fail(what, &err, r);
	}
	if (r == BFS_EINVAL && a.upper)
		fprintf(stderr, "bundlefs: %s: upper directory of another manifest, or damaged (see the kernel log)\n",
			a.upper);
	if (r && bfs_umount(mnt, &uerr)) {
		snprintf(what, sizeof(what), "unmount %s", mnt);
		fail(what, &uerr, r);
	}
out:
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return r;
}

struct diff_args {
	const char *out, *objects, *parent;
};

static int diff_opt(int c, const char *arg, void *ctx)
{
	struct diff_args *a = ctx;

	if (c == 'o')
		a->out = arg;
	else if (c == 'O')
		a->objects = arg;
	else if (c == 'P')
		a->parent = arg;
	return -1;
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "objects", required_argument, NULL, 'O' },
		{ "parent-hash", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_args a = { 0 };
	struct bfs_error err;
	char parent[33];
	int r;

	r = parse_opts(argc, argv, "diff", usage_diff, "ho:", longopts,
		       diff_opt, &a);
	if (r >= 0)
		return r;
	if (argc - optind != 1)
		return usage_error("diff", "expected MNT%s", "");
	if (a.parent) {
		if (strlen(a.parent) != 32 ||
		    strspn(a.parent, "0123456789abcdef") != 32)
			return usage_error("diff", "--parent-hash %s is not 32 hex digits",
					   a.parent);
		snprintf(parent, sizeof(parent), "%s", a.parent);
	} else {
		r = bfs_read_origin(argv[optind], parent, &err);
		if (r)
			return fail(argv[optind], &err, r);
	}
	r = bfs_diff(argv[optind], parent, a.out, a.objects, &err);
	if (r)
		return fail(argv[optind], &err, r);
	return 0;
}

static int apply_opt(int c, const char *arg, void *ctx)
{
	if (c == 'o') {
		*(const char **)ctx = arg;
		return -1;
	}
	return BFS_EUSAGE;
}

static int cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct bfs_error err;
	int r;

	r = parse_opts(argc, argv, "apply", usage_apply, "ho:", longopts,
		       apply_opt, &out);
	if (r >= 0)
		return r;
	if (argc - optind != 2)
		return usage_error("apply", "expected BASE DIFF%s", "");
	r = bfs_apply(argv[optind], argv[optind + 1], out, &err);
	if (r)
		fprintf(stderr, PROG ": %s\n", err.msg);
	return r;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "check", cmd_check },
		{ "encode", cmd_encode },
		{ "load", cmd_load },
		{ "mount", cmd_mount },
		{ "diff", cmd_diff },
		{ "apply", cmd_apply },
	};
	size_t i;

	if (argc < 2)
		return usage_error(NULL, "expected a command%s", "");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command \"%s\"", argv[1]);
}
