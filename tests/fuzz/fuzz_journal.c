// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: an upper directory's journal (kmod/journal.c), as a mount
 * reads it back from disk.  Walks the entries and their records exactly as
 * the module's replay does, and checks what a record it accepts promises:
 * its variable part lies inside the entry, names are 1..255 bytes without
 * '/' or NUL, map ranges are sorted and disjoint.
 */
#include <string.h>
#include <xxhash.h>

#include "fuzz.h"
#include "journal.h"
#include "../../include/uapi/linux/bundlefs.h"

/*
 * Half of the inputs get their entries' numbers and checksums made right
 * first, so the fuzzer reaches the records instead of stopping at a CRC.
 */
static uint8_t *fix_entries(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	size_t pos = 0;
	uint32_t seq = 0;

	memcpy(copy, data, size);
	while (size - pos >= sizeof(struct bundlefs_jentry)) {
		struct bundlefs_jentry *e = (void *)(copy + pos);
		uint32_t len = le32toh(e->len) % 4096 & ~7U;

		if (len > size - pos - sizeof(*e))
			break;
		e->magic = htole32(BUNDLEFS_JOURNAL_MAGIC);
		e->len = htole32(len);
		e->seq = htole32(seq++);
		e->crc = htole32(XXH32(e + 1, len, 0));
		pos += sizeof(*e) + len;
	}
	return copy;
}

static int walk(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	if (!size || !(data[0] & 1))
		return walk(data, size);
	fixed = fix_entries(data + 1, size - 1);
	walk(fixed, size - 1);
	free(fixed);
	return 0;
}

static int walk(const uint8_t *data, size_t size)
{
	char why[BUNDLEFS_JWHY_MAX];
	struct bundlefs_jview v;
	uint64_t pos = 0;
	uint32_t seq, esize, rpos, i;
	int r;

	for (seq = 0; pos < size; seq++, pos += esize) {
		const uint8_t *body;
		uint32_t blen;

		if (bundlefs_journal_entry(data + pos, size - pos, seq, &esize, why))
			break;
		FUZZ_CHECK(esize >= sizeof(struct bundlefs_jentry) &&
			   esize <= size - pos, "entry %u of %u bytes", seq, esize);
		body = data + pos + sizeof(struct bundlefs_jentry);
		blen = esize - sizeof(struct bundlefs_jentry);
		rpos = 0;
		while ((r = bundlefs_journal_next(body, blen, &rpos, &v, why)) == 1) {
			FUZZ_CHECK(rpos <= blen, "record ends at %u of %u", rpos, blen);
			if (v.name) {
				FUZZ_CHECK((const uint8_t *)v.name >= body &&
					   (const uint8_t *)v.name + v.name_len <= body + rpos,
					   "name outside its record");
				if (v.type != BUNDLEFS_JREC_TARGET)
					FUZZ_CHECK(v.name_len >= 1 && v.name_len <= 255 &&
						   !memchr(v.name, '/', v.name_len) &&
						   !memchr(v.name, 0, v.name_len),
						   "bad name accepted");
			}
			for (i = 0; i < v.count; i++) {
				FUZZ_CHECK((const uint8_t *)&v.ranges[i + 1] <= body + rpos,
					   "range %u outside its record", i);
				FUZZ_CHECK(le64toh(v.ranges[i].start) < le64toh(v.ranges[i].end),
					   "empty range accepted");
			}
		}
		FUZZ_CHECK(r == 0 || r == -EINVAL, "next() returned %d", r);
	}
	return 0;
}
