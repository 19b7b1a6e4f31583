#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

int64_t clock_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t clock_parse_iso(const char *s)
{
	int y, mo, d, h, mi, se, ms = 0;
	if (!s || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		int n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				ms = ms * 10 + (*p - '0');
			n++, p++;
		}
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			ms *= 10;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	int64_t days = days_from_civil(y, mo, d);
	return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000 + ms;
}

void clock_format_duration(int64_t ms, struct buf *out)
{
	if (ms < 0)
		ms = 0;
	int64_t s = (ms + 999) / 1000;
	int64_t h = s / 3600, m = s % 3600 / 60, sec = s % 60;
	if (h)
		buf_printf(out, m ? "%lld h %lld min" : "%lld h", (long long)h, (long long)m);
	else if (m)
		buf_printf(out, sec ? "%lld min %lld s" : "%lld min", (long long)m, (long long)sec);
	else
		buf_printf(out, "%lld s", (long long)sec);
}

void clock_format_minutes(double minutes, struct buf *out)
{
	clock_format_duration(minutes > 0 ? (int64_t)llround(minutes * 60000.0) : 0, out);
}

void clock_format_iso(int64_t ms, char out[25])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, mo = (unsigned)tm.tm_mon % 12u + 1,
		 d = (unsigned)tm.tm_mday % 32u, h = (unsigned)tm.tm_hour % 24u,
		 mi = (unsigned)tm.tm_min % 60u, s = (unsigned)tm.tm_sec % 61u;
	snprintf(out, 25, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, mo, d, h, mi, s,
		 (unsigned)(((ms % 1000) + 1000) % 1000));
}
