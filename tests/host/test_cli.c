// SPDX-License-Identifier: GPL-2.0
/*
 * The command itself: fixtures under manifests/ (good/X.json with the
 * expected `check` output in X.expect, bad/X.json with the expected error
 * after "bundlefs: FILE: " in X.expect), usage errors, exit codes, and
 * the system-call paths that can run without the module.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

static char tmpdir[] = "/tmp/bundlefs-test.XXXXXX";

char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Run bundlefs with @args (NULL-terminated); stdout and stderr captured. */
static int run(char **out, char **err, const char *const *args)
{
	char opath[256], epath[256];
	const char *argv[16];
	int status, i;
	pid_t pid;

	snprintf(opath, sizeof(opath), "%s/stdout", tmpdir);
	snprintf(epath, sizeof(epath), "%s/stderr", tmpdir);
	argv[0] = bundlefs_bin;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, 1);
		dup2(e, 2);
		execv(bundlefs_bin, (char **)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	*out = slurp(opath);
	*err = slurp(epath);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void expect_run(const char *name, int code, const char *out,
		       const char *err, const char *const *args)
{
	char *o = NULL, *e = NULL, label[512];
	int r = run(&o, &e, args);

	snprintf(label, sizeof(label), "%s: exit code %d", name, code);
	check_u64(label, (uint64_t)code, (uint64_t)r);
	if (out) {
		snprintf(label, sizeof(label), "%s: stdout", name);
		if (out[0] == '~')
			check_contains(label, out + 1, o);
		else
			check_str(label, out, o);
	}
	if (err) {
		snprintf(label, sizeof(label), "%s: stderr", name);
		if (err[0] == '~')
			check_contains(label, err + 1, e);
		else
			check_str(label, err, e);
	}
	free(o);
	free(e);
}

static void fixtures(const char *kind)
{
	char dirpath[64], path[512], expect_path[512], want[2048], name[600];
	struct dirent **list;
	int n, i;

	snprintf(dirpath, sizeof(dirpath), "manifests/%s", kind);
	n = scandir(dirpath, &list, NULL, alphasort);
	if (n < 0) {
		failf(dirpath, "expected a fixture directory got none");
		return;
	}
	for (i = 0; i < n; i++) {
		const char *f = list[i]->d_name;
		size_t len = strlen(f);
		char *expect;

		if (len < 6 || strcmp(f + len - 5, ".json")) {
			free(list[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dirpath, f);
		snprintf(expect_path, sizeof(expect_path), "%s/%.*s.expect",
			 dirpath, (int)(len - 5), f);
		expect = slurp(expect_path);
		snprintf(name, sizeof(name), "check %s", path);
		if (!expect) {
			failf(name, "expected %s got nothing", expect_path);
		} else if (!strcmp(kind, "good")) {
			expect_run(name, 0, expect, "",
				   (const char *const[]){ "check", path, NULL });
		} else {
			snprintf(want, sizeof(want), "bundlefs: %s: %s", path,
				 expect);
			expect_run(name, 1, "", want,
				   (const char *const[]){ "check", path, NULL });
		}
		free(expect);
		free(list[i]);
	}
	free(list);
}

static void encode_matches_library(void)
{
	const char *mf = "manifests/good/formats-v2.json";
	char out[256], *lib_json, *o = NULL, *e = NULL;
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	void *image;
	size_t size;
	struct stat st;
	char *written;

	snprintf(out, sizeof(out), "%s/v2.img", tmpdir);
	expect_run("encode FORMATS v2", 0, "", "",
		   (const char *const[]){ "encode", mf, out, NULL });
	lib_json = slurp(mf);
	if (!lib_json || pipeline(lib_json, &m, &t, &image, &size, &err)) {
		failf("encode output equals the library's image",
		      "expected an image got an error");
		free(lib_json);
		return;
	}
	written = slurp(out);
	if (stat(out, &st) == 0 && (size_t)st.st_size == size && written &&
	    !memcmp(written, image, size))
		pass("encode output equals the library's image");
	else
		failf("encode output equals the library's image",
		      "expected %zu identical bytes got %lld", size,
		      (long long)st.st_size);
	free(written);
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	free(lib_json);

	/* a bad manifest writes nothing */
	snprintf(out, sizeof(out), "%s/bad.img", tmpdir);
	expect_run("encode a bad manifest", 1, "", NULL,
		   (const char *const[]){ "encode",
			   "manifests/bad/dup-path.json", out, NULL });
	check_u64("encode a bad manifest leaves no output", 1,
		  access(out, F_OK) != 0);
	expect_run("encode into a missing directory", 3, "",
		   "~cannot create a temporary file: No such file or directory",
		   (const char *const[]){ "encode", mf,
			   "/nonexistent-dir/x.img", NULL });
	run(&o, &e, (const char *const[]){ "encode", mf, out, NULL });
	free(o);
	free(e);
}

static void usage(void)
{
	static const char *const cmds[] = { "check", "encode", "load", "mount" };
	char name[128];
	size_t i;

	expect_run("no command", 2, "",
		   "bundlefs: expected a command (see bundlefs --help)\n",
		   (const char *const[]){ NULL });
	expect_run("unknown command", 2, "",
		   "bundlefs: unknown command \"frob\" (see bundlefs --help)\n",
		   (const char *const[]){ "frob", NULL });
	expect_run("bundlefs --help", 0, "~usage: bundlefs COMMAND", "",
		   (const char *const[]){ "--help", NULL });
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "bundlefs %s --help", cmds[i]);
		expect_run(name, 0, "~usage: bundlefs ", "",
			   (const char *const[]){ cmds[i], "--help", NULL });
		snprintf(name, sizeof(name), "bundlefs %s without operands",
			 cmds[i]);
		expect_run(name, 2, "", "~(see bundlefs ",
			   (const char *const[]){ cmds[i], NULL });
	}
	expect_run("unknown option", 2, "",
		   "bundlefs: check: unknown option --bogus (see bundlefs check --help)\n",
		   (const char *const[]){ "check", "--bogus", "x.json", NULL });
	expect_run("check with two manifests", 2, "",
		   "bundlefs: check: expected one MANIFEST (see bundlefs check --help)\n",
		   (const char *const[]){ "check", "a", "b", NULL });
	expect_run("mount without --cache", 2, "",
		   "bundlefs: mount: --cache DIR is required (see bundlefs mount --help)\n",
		   (const char *const[]){ "mount", "manifests/good/formats-v1.json",
			   "/mnt", NULL });
	expect_run("load --image without a mount point", 2, "", NULL,
		   (const char *const[]){ "load", "--image", "x", NULL });
}

static void system_errors(void)
{
	char mnt[256], cache[256], img[256], want[1024];

	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	snprintf(cache, sizeof(cache), "%s/ca,che", tmpdir);
	snprintf(img, sizeof(img), "%s/v2.img", tmpdir);
	mkdir(mnt, 0755);
	mkdir(cache, 0755);

	expect_run("check a missing file", 3, "",
		   "bundlefs: manifests/none.json: cannot open: No such file or directory\n",
		   (const char *const[]){ "check", "manifests/none.json", NULL });
	expect_run("check a directory", 3, "",
		   "bundlefs: manifests: cannot read: Is a directory\n",
		   (const char *const[]){ "check", "manifests", NULL });
	/* the ioctl on a directory that is not a bundlefs mount */
	snprintf(want, sizeof(want),
		 "bundlefs: load manifests/good/formats-v2.json on %s: Inappropriate ioctl for device (see dmesg)\n",
		 mnt);
	expect_run("load on a directory that is not bundlefs", 3, "", want,
		   (const char *const[]){ "load",
			   "manifests/good/formats-v2.json", mnt, NULL });
	snprintf(want, sizeof(want),
		 "bundlefs: load %s on %s: Inappropriate ioctl for device (see dmesg)\n",
		 img, mnt);
	expect_run("load --image on a directory that is not bundlefs", 3, "",
		   want, (const char *const[]){ "load", "--image", img, mnt,
						NULL });
	expect_run("load on a missing mount point", 3, "",
		   "bundlefs: load manifests/good/formats-v2.json on /nonexistent-mnt: cannot open the mount point: No such file or directory\n",
		   (const char *const[]){ "load",
			   "manifests/good/formats-v2.json", "/nonexistent-mnt",
			   NULL });
	expect_run("load a bad manifest", 1, "",
		   "~bundlefs: manifests/bad/dup-path.json: ",
		   (const char *const[]){ "load", "manifests/bad/dup-path.json",
			   mnt, NULL });
	expect_run("mount a bad manifest mounts nothing", 1, "",
		   "~bundlefs: manifests/bad/dup-path.json: ",
		   (const char *const[]){ "mount", "manifests/bad/dup-path.json",
			   mnt, "--cache", tmpdir, NULL });
	snprintf(want, sizeof(want),
		 "bundlefs: mount manifests/good/formats-v1.json on %s: cache directory %s contains ',', which the mount options cannot carry\n",
		 mnt, cache);
	expect_run("mount with a ',' in the cache path", 2, "", want,
		   (const char *const[]){ "mount",
			   "manifests/good/formats-v1.json", mnt, "--cache",
			   cache, NULL });
	expect_run("mount with a missing cache", 3, "",
		   "~cache directory /nonexistent-cache: No such file or directory",
		   (const char *const[]){ "mount",
			   "manifests/good/formats-v1.json", mnt, "-c",
			   "/nonexistent-cache", NULL });
	/* no bundlefs module on the host: mount(2) fails, cleanly */
	expect_run("mount(2) failure is a system error", 3, "",
		   "~: mount(2): ",
		   (const char *const[]){ "mount",
			   "manifests/good/formats-v1.json", mnt, "--cache",
			   tmpdir, "-o", "fetch_timeout=5", NULL });
	rmdir(cache);
	rmdir(mnt);
}

void test_cli(void)
{
	char path[256];

	if (!mkdtemp(tmpdir)) {
		failf("cli tests", "expected a temporary directory got none");
		return;
	}
	fixtures("good");
	fixtures("bad");
	encode_matches_library();
	usage();
	system_errors();
	test_apply(tmpdir);
	test_layers(tmpdir);
	snprintf(path, sizeof(path), "%s/stdout", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/v2.img", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.img", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}
