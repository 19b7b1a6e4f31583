/* store_bench: the store alone, as the bot drives it in a burst: events
 * like the burst benchmark's (20 senders, chat-like text, InspIRCd-style
 * message ids, a chat running), committed every BATCH events (one read
 * from the network), then the full-text index filled as the bot does. It
 * prints CPU seconds per 100,000 messages for storing and for indexing,
 * and the peak memory, next to the cost of just preparing the same events
 * (the floor), in the same run. No network: for working on the store.
 *
 * usage: store_bench [MESSAGES [BATCH [DIR]]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "buf.h"
#include "event.h"
#include "log.h"
#include "store.h"

/* Fills ev (strings in the caller's buffers) like the k-th burst message. */
static void make(struct event *ev, long k, unsigned *seed, char *text, char *nick, char *msgid)
{
	bench_text(text, k, seed);
	sprintf(nick, "sender%02ld", k % 20);
	sprintf(msgid, "1TN~1795305522~%ld", 100 + k);
	*ev = (struct event){.kind = EVENT_MESSAGE, .network = "bench", .room = "#bench", .nick = nick,
			     .text = text, .msgid = msgid, .ts_ms = 1795305522000 + k};
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int batch = argc > 2 ? atoi(argv[2]) : 150;
	const char *dir = argc > 3 ? argv[3] : "/tmp";
	char path[512];
	snprintf(path, sizeof path, "%s/store-bench-%d.db", dir, (int)getpid());
	log_set_level(LOG_WARN);
	store_global_init();

	/* the floor: making the events and their person keys, nothing stored */
	unsigned seed = 7;
	char text[400], nick[32], msgid[64];
	struct event ev;
	struct buf key = BUF_INIT;
	double c0 = bench_cpu_seconds();
	for (long k = 0; k < n; k++) {
		make(&ev, k, &seed, text, nick, msgid);
		store_person_key(NULL, nick, &key);
	}
	double floor_s = bench_cpu_seconds() - c0;
	/* STORE_BENCH_STOP=floor|store: stop after that phase (to count
	 * instructions per phase with perf stat) */
	const char *stop = getenv("STORE_BENCH_STOP");
	if (stop && strcmp(stop, "floor") == 0)
		return 0;

	struct store *st;
	struct buf err = BUF_INIT;
	if (store_open(path, &st, &err) != 0) {
		fprintf(stderr, "%s\n", err.p);
		return 1;
	}
	int64_t chat = store_chat_open(st, "bench", "#bench", "bench", "bench", 1795305522000, 0, NULL);
	store_round_start(st, chat, "bench", 1, "topic", NULL, 10, 1795305522000, NULL);
	store_commit(st);
	seed = 7;
	c0 = bench_cpu_seconds();
	for (long k = 0; k < n; k++) {
		make(&ev, k, &seed, text, nick, msgid);
		store_person_key(NULL, nick, &key);
		if (store_add_event(st, &ev, key.p, chat, 1, NULL) != 1) {
			fprintf(stderr, "event %ld not stored\n", k);
			return 1;
		}
		if ((k + 1) % batch == 0)
			store_commit(st);
	}
	store_commit(st);
	double store_s = bench_cpu_seconds() - c0 - floor_s;
	if (stop && strcmp(stop, "store") == 0)
		return 0;
	c0 = bench_cpu_seconds();
	int got;
	long indexed = 0;
	while ((got = store_index_pending(st, 0)) > 0)
		indexed += got;
	double index_s = bench_cpu_seconds() - c0;
	long hwm = bench_peak_rss_kb();
	store_close(st);

	double per = 100000.0 / (double)n;
	printf("store_bench: %ld messages, commit every %d, store %s\n", n, batch, path);
	printf("  preparing the events (floor)   %.3f CPU s per 100k\n", floor_s * per);
	printf("  storing (beyond the floor)     %.3f CPU s per 100k\n", store_s * per);
	printf("  full-text indexing             %.3f CPU s per 100k (%ld rows)\n", index_s * per, indexed);
	printf("  store + index                  %.3f CPU s per 100k\n", (store_s + index_s) * per);
	printf("  peak memory (VmHWM)            %.1f MB\n", hwm / 1024.0);
	for (const char *suffix = ""; ; suffix = suffix[0] ? NULL : "-wal") {
		if (!suffix)
			break;
		char p[600];
		snprintf(p, sizeof p, "%s%s", path, suffix);
		unlink(p);
		if (suffix[0]) {
			snprintf(p, sizeof p, "%s-shm", path);
			unlink(p);
		}
	}
	buf_free(&key);
	buf_free(&err);
	return 0;
}
