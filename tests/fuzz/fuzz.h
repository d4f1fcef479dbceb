/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bundlefs fuzz targets.  Each target file defines LLVMFuzzerTestOneInput();
 * it is linked with libFuzzer for `make fuzz` and with regress.c, which
 * replays the seed corpus and the saved crashes through the same function,
 * for the host unit tests.
 */
#ifndef BUNDLEFS_FUZZ_H
#define BUNDLEFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: say which, then die so the fuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

#endif /* BUNDLEFS_FUZZ_H */
