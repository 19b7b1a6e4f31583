/* libfloor: the memory floor of the libraries rounds is built on. It links
 * what rounds links (libwebsockets with its OpenSSL, SQLite, jansson, libm),
 * starts them the way the bot does (a SQLite store in WAL mode with a
 * full-text table, a libwebsockets context without a listener, a jansson
 * value) and then does nothing. burst.py reads its peak memory next to the
 * bot's: what any program on these Debian libraries costs before doing work.
 *
 * usage: libfloor DIR   (prints "ready", then waits until stdin closes) */
#include <jansson.h>
#include <libwebsockets.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: libfloor DIR\n");
		return 2;
	}
	char path[512];
	snprintf(path, sizeof path, "%s/libfloor.db", argv[1]);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
			     "CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5 (text, detail=none);"
			     "INSERT INTO t (text) VALUES ('floor');",
			 NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "libfloor: %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	struct lws_context *ctx = lws_create_context(&info);
	json_t *j = json_pack("{s:s}", "state", "ready");
	if (!ctx || !j) {
		fprintf(stderr, "libfloor: cannot start libwebsockets or jansson\n");
		return 1;
	}
	printf("%s\n", json_string_value(json_object_get(j, "state")));
	fflush(stdout);
	while (getchar() != EOF)
		;
	json_decref(j);
	lws_context_destroy(ctx);
	sqlite3_close(db);
	return 0;
}
