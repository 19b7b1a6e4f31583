/* log: one line per record on stderr, UTC timestamp, level, then the text.
 * Untrusted text inside a record is escaped by the caller with log_quote(). */
#ifndef ROUNDS_LOG_H
#define ROUNDS_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies at most n bytes of s into out (size outsz), replacing control
 * characters with '?' and truncating with "..." so that a hostile line
 * cannot forge log records. Returns out. */
const char *log_quote(char *out, size_t outsz, const char *s, size_t n);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_get_level() >= LOG_DEBUG) \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
