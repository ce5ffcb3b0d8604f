/*
 * test_serve.c - the --serve address parser: what each form means and
 * that bad ones fail with one line.  (The server itself is tested over
 * HTTP by prometheus.sh.)
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "serve.h"

static void
check(const char *spec, int family, const char *host, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char cause[200] = "", text[64];

	if (serve_parse_address(spec, &ss, &len, cause, sizeof(cause)) != 0)
		fail_msg("'%s' refused: %s", spec, cause);
	assert_int_equal(ss.ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		assert_int_equal(len, sizeof(*a));
		inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
		assert_int_equal(ntohs(a->sin_port), port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		assert_int_equal(len, sizeof(*a));
		inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
		assert_int_equal(ntohs(a->sin6_port), port);
	}
	assert_string_equal(text, host);
}

static void
test_forms(void **state)
{
	(void)state;
	check("9791", AF_INET, "127.0.0.1", 9791);
	check("8080", AF_INET, "127.0.0.1", 8080);
	check("0.0.0.0:9100", AF_INET, "0.0.0.0", 9100);
	check("10.1.2.3", AF_INET, "10.1.2.3", SERVE_DEFAULT_PORT);
	check("0.0.0.0:", AF_INET, "0.0.0.0", SERVE_DEFAULT_PORT);
	check("[::1]:9792", AF_INET6, "::1", 9792);
	check("[::]", AF_INET6, "::", SERVE_DEFAULT_PORT);
	check("[fe80::1]:", AF_INET6, "fe80::1", SERVE_DEFAULT_PORT);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"", "abc", "0", "65536", "-1", "80x", "1.2.3:80", "300.1.1.1:80", "[::1", "[::1]80",
		"[nope]:80", "::1:80", "host.example:80", "127.0.0.1:0",
	};
	struct sockaddr_storage ss;
	socklen_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char cause[200] = "";

		if (serve_parse_address(bad[i], &ss, &len, cause, sizeof(cause)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(cause, "--serve"));
		assert_null(strchr(cause, '\n'));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
