/*
 * test_tcp_state.c - state names, kernel numbering and name parsing.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tcp_state.h"

static const char *const expected_names[TCP_STATE_COUNT] = {
	"LISTEN",     "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
	"CLOSE_WAIT", "CLOSING",  "LAST_ACK", "TIME_WAIT",   "CLOSE",
};

static void
test_names_in_display_order(void **state)
{
	(void)state;
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		assert_string_equal(tcp_state_name((enum tcp_state)i), expected_names[i]);
}

static void
test_name_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(tcp_state_name(TCP_STATE_COUNT), "?");
	assert_string_equal(tcp_state_name((enum tcp_state)200), "?");
	assert_string_equal(tcp_state_name((enum tcp_state)-1), "?");
}

static void
test_from_kernel_mapping(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_ESTABLISHED), TCP_STATE_ESTABLISHED);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_SYN_SENT), TCP_STATE_SYN_SENT);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_SYN_RECV), TCP_STATE_SYN_RECV);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_FIN_WAIT1), TCP_STATE_FIN_WAIT1);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_FIN_WAIT2), TCP_STATE_FIN_WAIT2);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_TIME_WAIT), TCP_STATE_TIME_WAIT);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_CLOSE), TCP_STATE_CLOSE);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_CLOSE_WAIT), TCP_STATE_CLOSE_WAIT);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_LAST_ACK), TCP_STATE_LAST_ACK);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_LISTEN), TCP_STATE_LISTEN);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_CLOSING), TCP_STATE_CLOSING);
	/* The kernel's internal states fold the way ss shows them. */
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_NEW_SYN_RECV), TCP_STATE_SYN_RECV);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_BOUND_INACTIVE), TCP_STATE_CLOSE);
}

static void
test_from_kernel_unknown(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_from_kernel(0), -1);
	assert_int_equal(tcp_state_from_kernel(KERNEL_TCP_MAX_STATES), -1);
	assert_int_equal(tcp_state_from_kernel(255), -1);
	assert_int_equal(tcp_state_from_kernel(0xffffffffu), -1);
}

/* Every kernel state maps into range, and each display state is reached. */
static void
test_from_kernel_covers_every_state(void **state)
{
	int seen[TCP_STATE_COUNT] = {0};

	(void)state;
	for (unsigned int k = 1; k < KERNEL_TCP_MAX_STATES; k++) {
		int s = tcp_state_from_kernel(k);

		assert_in_range(s, 0, TCP_STATE_COUNT - 1);
		seen[s]++;
	}
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(seen[TCP_STATE_SYN_RECV], 2);
	assert_int_equal(seen[TCP_STATE_CLOSE], 2);
}

static void
test_from_name_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		assert_int_equal(tcp_state_from_name(tcp_state_name((enum tcp_state)i)), i);
}

static void
test_from_name_case_and_dashes(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_from_name("listen"), TCP_STATE_LISTEN);
	assert_int_equal(tcp_state_from_name("Established"), TCP_STATE_ESTABLISHED);
	assert_int_equal(tcp_state_from_name("syn-recv"), TCP_STATE_SYN_RECV);
	assert_int_equal(tcp_state_from_name("SYN-SENT"), TCP_STATE_SYN_SENT);
	assert_int_equal(tcp_state_from_name("time-wait"), TCP_STATE_TIME_WAIT);
	assert_int_equal(tcp_state_from_name("close-wait"), TCP_STATE_CLOSE_WAIT);
	assert_int_equal(tcp_state_from_name("LAST-ACK"), TCP_STATE_LAST_ACK);
	assert_int_equal(tcp_state_from_name("fin_wait1"), TCP_STATE_FIN_WAIT1);
}

/* The spellings ss prints. */
static void
test_from_name_ss_spellings(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_from_name("ESTAB"), TCP_STATE_ESTABLISHED);
	assert_int_equal(tcp_state_from_name("estab"), TCP_STATE_ESTABLISHED);
	assert_int_equal(tcp_state_from_name("UNCONN"), TCP_STATE_CLOSE);
	assert_int_equal(tcp_state_from_name("FIN-WAIT-1"), TCP_STATE_FIN_WAIT1);
	assert_int_equal(tcp_state_from_name("FIN-WAIT-2"), TCP_STATE_FIN_WAIT2);
	assert_int_equal(tcp_state_from_name("fin-wait-2"), TCP_STATE_FIN_WAIT2);
	assert_int_equal(tcp_state_from_name("SYN-RECV"), TCP_STATE_SYN_RECV);
	assert_int_equal(tcp_state_from_name("TIME-WAIT"), TCP_STATE_TIME_WAIT);
	assert_int_equal(tcp_state_from_name("CLOSE-WAIT"), TCP_STATE_CLOSE_WAIT);
}

static void
test_from_name_unknown(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_from_name(""), -1);
	assert_int_equal(tcp_state_from_name("LISTE"), -1);
	assert_int_equal(tcp_state_from_name("LISTENX"), -1);
	assert_int_equal(tcp_state_from_name("SYN RECV"), -1);
	assert_int_equal(tcp_state_from_name("ESTABLISH"), -1);
	assert_int_equal(tcp_state_from_name("?"), -1);
	assert_int_equal(tcp_state_from_name("FIN-WAIT-3"), -1);
}

static void
test_steady_states(void **state)
{
	(void)state;
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		assert_int_equal(tcp_state_is_steady((enum tcp_state)i),
				 i == TCP_STATE_LISTEN || i == TCP_STATE_ESTABLISHED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_in_display_order),
		cmocka_unit_test(test_name_out_of_range),
		cmocka_unit_test(test_from_kernel_mapping),
		cmocka_unit_test(test_from_kernel_unknown),
		cmocka_unit_test(test_from_kernel_covers_every_state),
		cmocka_unit_test(test_from_name_round_trip),
		cmocka_unit_test(test_from_name_case_and_dashes),
		cmocka_unit_test(test_from_name_ss_spellings),
		cmocka_unit_test(test_from_name_unknown),
		cmocka_unit_test(test_steady_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
