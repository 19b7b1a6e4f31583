#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level current = LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

bool log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > current)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char line[2048];
	int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, names[level]);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* one write per record so concurrent processes do not interleave */
	size_t len = strnlen(line, sizeof line - 2);
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

const char *log_quote(char *out, size_t outsz, const char *s, size_t n)
{
	if (!outsz)
		return out;
	size_t o = 0;
	if (!s)
		s = "(null)", n = 6;
	for (size_t i = 0; i < n && s[i]; i++) {
		if (o + 4 >= outsz) {
			if (outsz >= 4)
				memcpy(out + outsz - 4, "...", 3), o = outsz - 1;
			break;
		}
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[o < outsz ? o : outsz - 1] = '\0';
	return out;
}
