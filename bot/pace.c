#include "pace.h"

#include <math.h>

static void refill(struct pace *p, int64_t now_ms)
{
	if (now_ms > p->last_ms) {
		p->tokens += (double)(now_ms - p->last_ms) * p->per_ms;
		if (p->tokens > p->burst)
			p->tokens = p->burst;
	}
	p->last_ms = now_ms;
}

void pace_init(struct pace *p, int burst, double per_second, int64_t now_ms)
{
	p->burst = burst > 0 ? burst : 1;
	p->tokens = p->burst;
	p->per_ms = per_second > 0 ? per_second / 1000.0 : 0.001;
	p->last_ms = now_ms;
}

bool pace_take(struct pace *p, int64_t now_ms)
{
	refill(p, now_ms);
	if (p->tokens < 1.0)
		return false;
	p->tokens -= 1.0;
	return true;
}

int64_t pace_wait_ms(struct pace *p, int64_t now_ms)
{
	refill(p, now_ms);
	if (p->tokens >= 1.0)
		return 0;
	return (int64_t)ceil((1.0 - p->tokens) / p->per_ms);
}
