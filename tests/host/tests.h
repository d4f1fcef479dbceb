/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host unit tests: each check prints `ok - name` or
 * `not ok - name: expected X got Y`; main() ends with `N passed, N failed`.
 */
#ifndef _BUNDLEFS_TESTS_H
#define _BUNDLEFS_TESTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libbundlefs.h"

extern int tests_passed, tests_failed;
extern const char *bundlefs_bin;	/* the command under test */

void pass(const char *name);
void failf(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool check_str(const char *name, const char *expected, const char *got);
bool check_u64(const char *name, uint64_t expected, uint64_t got);
bool check_contains(const char *name, const char *needle, const char *got);

/* Parse JSON text, build the tree and encode: the whole pipeline. */
int pipeline(const char *json, struct bfs_manifest *m, struct bfs_tree *t,
	     void **image, size_t *size, struct bfs_error *err);

/*
 * test_cli.c: run the command with @args; check its exit code and, where
 * not NULL, its stdout and stderr (exactly, or containing the text after
 * a leading '~').
 */
void expect_run(const char *name, int code, const char *out,
		const char *err, const char *const *args);
char *slurp(const char *path);	/* a file's bytes, NUL-terminated */

void test_apply(const char *tmpdir);	/* from test_cli(), in its tmpdir */
void test_manifest(void);
void test_dialects(void);
void test_layers(const char *tmpdir);	/* from test_cli(), in its tmpdir */
void test_encode(void);
void test_image(void);
void test_cli(void);
void test_rangemap(void);
void test_journal(void);
void test_xxh3(void);
void test_json_arena(void);

#endif
