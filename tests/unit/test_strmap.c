/* strmap against a reference: random puts and deletes checked after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "strmap.h"

static void test_random_against_reference(void **state)
{
	enum { N = 300 };
	struct strmap m = STRMAP_INIT;
	int present[N] = {0};
	char key[16];
	srand(42);
	for (int step = 0; step < 20000; step++) {
		int k = rand() % N;
		snprintf(key, sizeof key, "k%d", k);
		if (rand() % 3) {
			void *old = strmap_put(&m, key, (void *)(intptr_t)(k + 1));
			assert_int_equal((intptr_t)old, present[k] ? k + 1 : 0);
			present[k] = 1;
		} else {
			void *old = strmap_del(&m, key);
			assert_int_equal((intptr_t)old, present[k] ? k + 1 : 0);
			present[k] = 0;
		}
		if (step % 97 == 0) {
			size_t count = 0;
			for (int i = 0; i < N; i++) {
				snprintf(key, sizeof key, "k%d", i);
				assert_int_equal((intptr_t)strmap_get(&m, key), present[i] ? i + 1 : 0);
				count += (size_t)present[i];
			}
			assert_int_equal(m.count, count);
		}
	}
	size_t seen = 0, it = 0;
	const char *k;
	void *v;
	while (strmap_next(&m, &it, &k, &v))
		seen++;
	assert_int_equal(seen, m.count);
	strmap_clear(&m);
	assert_null(strmap_get(&m, "k1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_against_reference)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
