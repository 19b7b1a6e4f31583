/* pace: a token bucket for outgoing lines, so the bot never floods a
 * server off: `burst` lines at once, then `per_second` lines a second. */
#ifndef ROUNDS_PACE_H
#define ROUNDS_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct pace {
	double tokens;
	double burst;
	double per_ms;
	int64_t last_ms;
};

void pace_init(struct pace *p, int burst, double per_second, int64_t now_ms);
/* Takes one token if there is one. */
bool pace_take(struct pace *p, int64_t now_ms);
/* Milliseconds until a token is available (0: now). */
int64_t pace_wait_ms(struct pace *p, int64_t now_ms);

#endif
