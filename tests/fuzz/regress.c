// SPDX-License-Identifier: GPL-2.0
/*
 * Replay fuzz inputs without libFuzzer: every file in the directories (or
 * the files) named on the command line goes through the target's
 * LLVMFuzzerTestOneInput(), each in its own child process so one crash is
 * one failure.  Built with ASan/UBSan; ends with `N passed, N failed`.
 *
 *   regress-TARGET DIR|FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fuzz.h"

static unsigned int passed, failed;

static int run_one(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f)
		return 1;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return 1;
	}
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != (size_t)len) {
		fclose(f);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static void replay(const char *path)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("regress: fork");
		exit(2);
	}
	if (pid == 0)
		_exit(run_one(path));
	if (waitpid(pid, &status, 0) < 0) {
		perror("regress: waitpid");
		exit(2);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		passed++;
		return;
	}
	failed++;
	if (WIFSIGNALED(status))
		printf("not ok - %s (signal %d)\n", path, WTERMSIG(status));
	else
		printf("not ok - %s (exit %d)\n", path, WEXITSTATUS(status));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, i;

	if (stat(path, &st)) {
		printf("not ok - %s: %s\n", path, strerror(errno));
		failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay(path);
		return;
	}
	n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		printf("not ok - %s: %s\n", path, strerror(errno));
		failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.' &&
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
				     names[i]->d_name) < sizeof(sub))
			replay_path(sub);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		replay_path(argv[i]);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
