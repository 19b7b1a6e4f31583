/* Reading and writing whole files in the unit tests, and the golden files
 * of those that render (test_transcript, test_html): tests/unit/golden/NAME
 * is the spec, compared byte for byte; a difference leaves NAME.actual in
 * the build's tests directory, and ROUNDS_REGOLD=1 rewrites the golden
 * files in the source tree (review them by eye). Header-only: include it
 * after cmocka.h. */
#ifndef ROUNDS_TEST_GOLDEN_H
#define ROUNDS_TEST_GOLDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The file's whole text (the caller frees it), or NULL if it cannot be read. */
static inline char *slurp(const char *file)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	buf_reserve(&b, 0);
	return buf_steal(&b);
}

static inline void spit(const char *file, const char *s)
{
	FILE *f = fopen(file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
	assert_int_equal(fclose(f), 0);
}

/* Compares against tests/unit/golden/<name>, or rewrites it when
 * ROUNDS_REGOLD is set. A mismatch leaves <name>.actual in the build
 * directory and names the first differing line. */
static inline void check_golden(const char *name, const char *actual)
{
	char gold[512], got[512];
	snprintf(gold, sizeof gold, "%s/unit/golden/%s", TEST_SOURCE_DIR, name);
	snprintf(got, sizeof got, "%s/%s.actual", TEST_BINARY_DIR, name);
	const char *regold = getenv("ROUNDS_REGOLD");
	if (regold && *regold && strcmp(regold, "0") != 0) {
		spit(gold, actual);
		print_message("rewrote %s: review it\n", gold);
		return;
	}
	char *expected = slurp(gold);
	if (!expected)
		fail_msg("no golden file %s (run with ROUNDS_REGOLD=1 to write it)", gold);
	if (strcmp(expected, actual) != 0) {
		spit(got, actual);
		int line = 1;
		const char *a = expected, *b = actual;
		for (; *a && *a == *b; a++, b++)
			if (*a == '\n')
				line++;
		free(expected);
		fail_msg("%s differs from %s at line %d (diff -u %s %s)", got, gold, line, gold, got);
	}
	free(expected);
}

#endif
