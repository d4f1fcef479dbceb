// SPDX-License-Identifier: GPL-2.0
/*
 * Error messages: one line, so every name that goes into one is quoted and
 * escaped (manifest names may hold \r, \n or any other control character).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libbundlefs.h"

int bfs_fail(struct bfs_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Longest part of a name shown in a message; the rest becomes "...". */
#define QUOTE_SHOWN 160

void bfs_quote(char *out, size_t outsz, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i, shown = len;
	bool cut = false;

	if (outsz < 8) {
		if (outsz)
			out[0] = '\0';
		return;
	}
	if (shown > QUOTE_SHOWN) {
		shown = QUOTE_SHOWN;
		/* do not split a UTF-8 sequence */
		while (shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
			shown--;
		cut = true;
	}
	out[o++] = '"';
	for (i = 0; i < shown && o + 6 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	if (i < shown)
		cut = true;
	if (cut && o + 5 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
}
