/* The helpers the config unit tests share (test_config: the keys;
 * test_config_files: secrets, paths, files and the error report): JSON
 * written with single quotes, loading it, checking the whole text of the
 * errors, and a temporary directory per program. Header-only on purpose:
 * each test program is one translation unit. */
#ifndef ROUNDS_TEST_CONFIG_FIXTURE_H
#define ROUNDS_TEST_CONFIG_FIXTURE_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "mem.h"

static char tmpdir[64]; /* each test program's own: made by setup() */

/* ---- helpers ------------------------------------------------------------- */

/* The JSON with every ' turned into ". Freed by the caller. */
static inline char *j(const char *s)
{
	char *p = mem_strdup(s);
	for (char *q = p; *q; q++)
		if (*q == '\'')
			*q = '"';
	return p;
}

/* Loads JSON (single-quoted) as if from path; returns the config or NULL
 * and leaves the messages in err. */
static inline struct config *load_at(const char *path, const char *json, struct buf *err)
{
	char *text = j(json);
	struct config *cfg = (struct config *)1;
	int rc = config_load_string(path, text, strlen(text), &cfg, err);
	free(text);
	if (rc == 0)
		assert_non_null(cfg);
	else
		assert_null(cfg);
	return cfg;
}

/* Loads JSON that must be valid. */
static inline struct config *ok(const char *json)
{
	struct buf err = BUF_INIT;
	struct config *cfg = load_at("/etc/rounds/conf.json", json, &err);
	if (!cfg)
		fail_msg("unexpected errors:\n%s", buf_str(&err));
	assert_int_equal(err.len, 0);
	buf_free(&err);
	return cfg;
}

/* Loads JSON that must fail and checks the whole text of the errors. */
static inline void errors_are(const char *json, const char *want)
{
	struct buf err = BUF_INIT;
	struct config *cfg = load_at("conf.json", json, &err);
	assert_null(cfg);
	assert_string_equal(buf_str(&err), want);
	buf_free(&err);
}

/* A valid network and chat to build failing configs around. */
#define NET "'libera': {'host': 'irc.libera.chat', 'nick': 'rounds'}"
#define AGENDA "'agenda': [{'topic': 'What brings you here?'}]"
#define CHAT "'hcsm': {'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], " AGENDA "}"
#define CFG(nets, chats) "{'networks': {" nets "}, 'chats': {" chats "}}"
#define WITH_NET(...) CFG(NET, "'hcsm': {'network': 'libera', 'room': '#hcsm', " \
			       "'hosts': ['alice'], " AGENDA ", " __VA_ARGS__ "}")
#define WITH_CHAT(...) CFG("'libera': {'host': 'irc.libera.chat', 'nick': 'rounds', " \
			   __VA_ARGS__ "}", CHAT)

static inline char *tmp_path(const char *name)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", tmpdir, name);
	return buf_steal(&b);
}

static inline void write_file(const char *name, const char *text, mode_t mode)
{
	char *path = tmp_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(path);
}

/* Runs a load with stderr captured into *log (the log module writes there). */
static inline struct config *load_capturing(const char *path, const char *json, struct buf *err,
				     struct buf *log)
{
	char *logpath = tmp_path("stderr.log");
	fflush(stderr);
	int saved = dup(2);
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	struct config *cfg = load_at(path, json, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(logpath, "r");
	assert_non_null(f);
	char chunk[512];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)))
		buf_add(log, chunk, n);
	fclose(f);
	unlink(logpath);
	free(logpath);
	return cfg;
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static inline int setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rounds-test-config-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	unsetenv("ROUNDS_TEST_UNSET");
	return 0;
}

static inline int teardown(void **state)
{
	return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
