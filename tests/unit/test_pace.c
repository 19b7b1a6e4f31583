/* The token bucket: a burst, then the steady rate, never more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pace.h"

static void test_burst_then_rate(void **state)
{
	struct pace p;
	pace_init(&p, 5, 1.0, 0);
	for (int i = 0; i < 5; i++)
		assert_true(pace_take(&p, 0));
	assert_false(pace_take(&p, 0));
	assert_int_equal(pace_wait_ms(&p, 0), 1000);
	assert_int_equal(pace_wait_ms(&p, 400), 600);
	assert_false(pace_take(&p, 999));
	assert_true(pace_take(&p, 1000));
	/* over a long run, sends never exceed burst + rate * time */
	int sent = 0;
	for (int64_t t = 1000; t <= 61000; t += 10)
		sent += pace_take(&p, t);
	assert_true(sent <= 61);
	assert_true(sent >= 59);
	/* idle time refills only up to the burst */
	pace_init(&p, 3, 2.0, 0);
	for (int i = 0; i < 3; i++)
		pace_take(&p, 0);
	int burst = 0;
	while (pace_take(&p, 100000))
		burst++;
	assert_int_equal(burst, 3);
}

static void test_clock_going_backwards(void **state)
{
	struct pace p;
	pace_init(&p, 1, 1.0, 5000);
	assert_true(pace_take(&p, 5000));
	assert_false(pace_take(&p, 1000)); /* no refill from a step back */
	assert_true(pace_wait_ms(&p, 1000) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_clock_going_backwards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
