// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the loader library, the image validator and the
 * command.  Usage: host-tests PATH-TO-bundlefs (run from tests/host).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

int tests_passed, tests_failed;
const char *bundlefs_bin = "../../loader/bundlefs";

void pass(const char *name)
{
	tests_passed++;
	printf("ok - %s\n", name);
}

void failf(const char *name, const char *fmt, ...)
{
	va_list ap;

	tests_failed++;
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

bool check_str(const char *name, const char *expected, const char *got)
{
	if (got && !strcmp(expected, got)) {
		pass(name);
		return true;
	}
	failf(name, "expected \"%s\" got \"%s\"", expected, got ? got : "(null)");
	return false;
}

bool check_u64(const char *name, uint64_t expected, uint64_t got)
{
	if (expected == got) {
		pass(name);
		return true;
	}
	failf(name, "expected %llu got %llu", (unsigned long long)expected,
	      (unsigned long long)got);
	return false;
}

bool check_contains(const char *name, const char *needle, const char *got)
{
	if (got && strstr(got, needle)) {
		pass(name);
		return true;
	}
	failf(name, "expected a message containing \"%s\" got \"%s\"", needle,
	      got ? got : "(null)");
	return false;
}

int pipeline(const char *json, struct bfs_manifest *m, struct bfs_tree *t,
	     void **image, size_t *size, struct bfs_error *err)
{
	int r;

	memset(t, 0, sizeof(*t));
	*image = NULL;
	*size = 0;
	r = bfs_manifest_parse(json, strlen(json), m, err);
	if (r)
		return r;
	return bfs_manifest_encode(m, t, image, size, err);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		bundlefs_bin = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_manifest();
	test_dialects();
	test_encode();
	test_image();
	test_cli();
	test_rangemap();
	test_journal();
	test_xxh3();
	test_json_arena();
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
