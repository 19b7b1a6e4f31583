/* clock: wall-clock UTC milliseconds (what is stored) and monotonic
 * milliseconds (what timers and pacing use). Pure logic takes a time as an
 * argument instead of calling these, so tests can drive it. */
#ifndef ROUNDS_CLOCK_H
#define ROUNDS_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

int64_t clock_wall_ms(void);
int64_t clock_mono_ms(void);
/* Parses an IRCv3 server-time value ("2026-11-21T23:40:01.123Z"); returns
 * -1 if it is not one. */
int64_t clock_parse_iso(const char *s);
/* Writes "2026-11-21T23:40:01.123Z" (24 chars + NUL) into out[25]. */
void clock_format_iso(int64_t ms, char out[25]);
/* Appends a duration for people: "45 s", "4 min 30 s", "1 h 5 min" (whole
 * seconds, rounded up; negative is "0 s"). */
void clock_format_duration(int64_t ms, struct buf *out);
/* The same for a number of minutes (config and agenda durations). */
void clock_format_minutes(double minutes, struct buf *out);

#endif
