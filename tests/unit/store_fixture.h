/* A fresh store in a temporary directory for each cmocka test: included by
 * the unit tests that need one (test_store, test_transcript). Header-only
 * on purpose: each test program is one translation unit. Use
 * cmocka_unit_test_setup_teardown(test, store_fixture_setup,
 * store_fixture_teardown) and store_fixture_open(). */
#ifndef ROUNDS_TEST_STORE_FIXTURE_H
#define ROUNDS_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "store.h"

static char store_fixture_dir[256];
static char store_fixture_path[300];

static int store_fixture_setup(void **state)
{
	(void)state;
	snprintf(store_fixture_dir, sizeof store_fixture_dir, "%s/store-XXXXXX", TEST_BINARY_DIR);
	assert_non_null(mkdtemp(store_fixture_dir));
	snprintf(store_fixture_path, sizeof store_fixture_path, "%s/rounds.db", store_fixture_dir);
	return 0;
}

static int store_fixture_teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", store_fixture_dir);
	return system(cmd);
}

/* Opens (or reopens) the fixture's store; fails the test on error. */
static struct store *store_fixture_open(void)
{
	struct store *st;
	struct buf err = BUF_INIT;
	if (store_open(store_fixture_path, &st, &err) != 0)
		fail_msg("store_open: %s", err.p);
	buf_free(&err);
	return st;
}

#endif
