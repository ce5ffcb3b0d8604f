/*
 * test_sock_expr.c - what the drill-down page offers to copy and shows of
 * tcp_info: tcpdump and ss command lines for connections, listeners on
 * wildcard and specific addresses (IPv4, IPv6, mapped), bound sockets and
 * ones with nothing to filter on; tcp_info cells that fit their column,
 * with an unlimited pacing rate shown as such.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_query.h"
#include "sock_expr.h"
#include "tcp_state.h"

static struct sock_entry
sock(int family, const char *local, unsigned int lport, const char *remote, unsigned int rport,
     enum tcp_state state)
{
	struct sock_entry e;

	memset(&e, 0, sizeof(e));
	e.family = (uint8_t)family;
	e.state = (uint8_t)state;
	e.local_port = (uint16_t)lport;
	e.remote_port = (uint16_t)rport;
	assert_int_equal(inet_pton(family, local, e.local_addr), 1);
	assert_int_equal(inet_pton(family, remote, e.remote_addr), 1);
	return e;
}

static void
expect(const struct sock_entry *e, const char *tcpdump, const char *ss)
{
	char out[SOCK_EXPR_MAX];

	assert_int_equal(sock_expr_tcpdump(e, out, sizeof(out)), strlen(tcpdump));
	assert_string_equal(out, tcpdump);
	assert_int_equal(sock_expr_ss(e, out, sizeof(out)), strlen(ss));
	assert_string_equal(out, ss);
}

static void
test_connections(void **state)
{
	struct sock_entry e;

	(void)state;
	e = sock(AF_INET, "10.0.0.1", 443, "10.0.0.2", 51000, TCP_STATE_ESTABLISHED);
	expect(&e,
	       "tcpdump -ni any 'tcp and host 10.0.0.1 and port 443 and host 10.0.0.2 and port 51000'",
	       "ss -tani 'src 10.0.0.1:443 and dst 10.0.0.2:51000'");
	e = sock(AF_INET6, "2001:db8::1", 22, "2001:db8::2", 40000, TCP_STATE_TIME_WAIT);
	expect(&e,
	       "tcpdump -ni any 'ip6 and tcp and host 2001:db8::1 and port 22 and host 2001:db8::2 "
	       "and port 40000'",
	       "ss -tani 'src [2001:db8::1]:22 and dst [2001:db8::2]:40000'");
	/* IPv4 in an IPv6 socket: IPv4 on the wire; ss matches the socket. */
	e = sock(AF_INET6, "::ffff:192.0.2.1", 80, "::ffff:192.0.2.9", 50000,
		 TCP_STATE_CLOSE_WAIT);
	expect(&e,
	       "tcpdump -ni any 'tcp and host 192.0.2.1 and port 80 and host 192.0.2.9 and port 50000'",
	       "ss -tani 'src [::ffff:192.0.2.1]:80 and dst [::ffff:192.0.2.9]:50000'");
	/* Connecting: the peer is known, the local address may not be yet. */
	e = sock(AF_INET, "0.0.0.0", 41000, "192.0.2.7", 443, TCP_STATE_SYN_SENT);
	expect(&e,
	       "tcpdump -ni any 'tcp and host 0.0.0.0 and port 41000 and host 192.0.2.7 and port 443'",
	       "ss -tani 'src 0.0.0.0:41000 and dst 192.0.2.7:443'");
}

static void
test_listeners(void **state)
{
	struct sock_entry e;

	(void)state;
	/* The report: 'host 0.0.0.0 and port 2024 and host 0.0.0.0 and port 0'. */
	e = sock(AF_INET, "0.0.0.0", 2024, "0.0.0.0", 0, TCP_STATE_LISTEN);
	expect(&e, "tcpdump -ni any 'tcp and port 2024'", "ss -tlni 'sport = :2024'");
	e = sock(AF_INET, "127.0.0.1", 9000, "0.0.0.0", 0, TCP_STATE_LISTEN);
	expect(&e, "tcpdump -ni any 'tcp and host 127.0.0.1 and port 9000'",
	       "ss -tlni 'src 127.0.0.1:9000'");
	/* [::]:80 takes IPv4 too (unless v6only): no ip6 in the capture. */
	e = sock(AF_INET6, "::", 80, "::", 0, TCP_STATE_LISTEN);
	expect(&e, "tcpdump -ni any 'tcp and port 80'", "ss -tlni 'sport = :80'");
	e = sock(AF_INET6, "::1", 8080, "::", 0, TCP_STATE_LISTEN);
	expect(&e, "tcpdump -ni any 'ip6 and tcp and host ::1 and port 8080'",
	       "ss -tlni 'src [::1]:8080'");
	e = sock(AF_INET6, "::ffff:127.0.0.1", 8081, "::", 0, TCP_STATE_LISTEN);
	expect(&e, "tcpdump -ni any 'tcp and host 127.0.0.1 and port 8081'",
	       "ss -tlni 'src [::ffff:127.0.0.1]:8081'");
	/* Bound, not listening or connected: its port, every state. */
	e = sock(AF_INET, "0.0.0.0", 5000, "0.0.0.0", 0, TCP_STATE_CLOSE);
	expect(&e, "tcpdump -ni any 'tcp and port 5000'", "ss -tani 'sport = :5000'");
	/* Nothing to filter on. */
	e = sock(AF_INET, "0.0.0.0", 0, "0.0.0.0", 0, TCP_STATE_CLOSE);
	expect(&e, "", "");
}

static void
test_cut_to_fit(void **state)
{
	struct sock_entry e = sock(AF_INET6, "2001:db8:1111:2222:3333:4444:5555:6666", 65535,
				   "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 65535,
				   TCP_STATE_ESTABLISHED);
	char out[SOCK_EXPR_MAX], small[20];

	(void)state;
	/* The longest line fits SOCK_EXPR_MAX. */
	assert_true(sock_expr_tcpdump(&e, out, sizeof(out)) < sizeof(out) - 1);
	assert_true(sock_expr_ss(&e, out, sizeof(out)) < sizeof(out) - 1);
	memset(small, 'x', sizeof(small));
	assert_int_equal(sock_expr_tcpdump(&e, small, sizeof(small)), sizeof(small) - 1);
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_int_equal(sock_expr_ss(&e, small, sizeof(small)), sizeof(small) - 1);
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_int_equal(sock_expr_ss(&e, small, 0), 0);
}

static const struct tcp_info_field *
field(const char *name)
{
	size_t n;
	const struct tcp_info_field *fields = tcp_info_fields(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	fail_msg("no tcp_info field %s", name);
	return NULL;
}

static void
test_info_cells(void **state)
{
	struct tcp_info_full full;
	char cell[64];
	const size_t width = 29; /* the drill-down's column, less a space */

	(void)state;
	memset(&full, 0, sizeof(full));
	full.len = sizeof(full.info);
	full.info.tcpi_rtt = 1234;
	full.info.tcpi_pacing_rate = UINT64_MAX; /* ~0: no limit */
	full.info.tcpi_max_pacing_rate = (uint64_t)INT64_MAX;
	full.info.tcpi_bytes_acked = 123456789012345ull;
	full.info.tcpi_bytes_received = UINT64_MAX - 1;
	full.info.tcpi_delivery_rate = (uint64_t)INT64_MAX; /* not a pacing rate */

	assert_int_equal(tcp_info_format(&full, field("rtt"), cell, width), strlen("rtt 1234 us"));
	assert_string_equal(cell, "rtt 1234 us");
	tcp_info_format(&full, field("pacing_rate"), cell, width);
	assert_string_equal(cell, "pacing_rate unlimited");
	tcp_info_format(&full, field("max_pacing_rate"), cell, width);
	assert_string_equal(cell, "max_pacing_rate unlimited");
	tcp_info_format(&full, field("state"), cell, width);
	assert_string_equal(cell, "state 0");
	/* Too long for the column: scaled. */
	tcp_info_format(&full, field("bytes_acked"), cell, width);
	assert_string_equal(cell, "bytes_acked 123.5T bytes");
	tcp_info_format(&full, field("bytes_received"), cell, width);
	assert_string_equal(cell, "bytes_received 9.2E bytes");
	tcp_info_format(&full, field("delivery_rate"), cell, width);
	assert_string_equal(cell, "delivery_rate 9.2E bytes/s");
	/* Every field of any value fits its column. */
	memset(&full.info, 0xff, sizeof(full.info));
	{
		size_t n;
		const struct tcp_info_field *fields = tcp_info_fields(&n);

		for (size_t i = 0; i < n; i++) {
			size_t len = tcp_info_format(&full, &fields[i], cell, width);

			assert_true(len > 0);
			assert_true(len <= width);
			assert_int_equal(strlen(cell), len);
			assert_non_null(strstr(cell, fields[i].name));
		}
		/* Narrow columns cut, never overflow. */
		for (size_t w = 1; w < 12; w++) {
			size_t len = tcp_info_format(&full, field("max_pacing_rate"), cell, w);

			assert_true(len <= w);
			assert_int_equal(strlen(cell), len);
		}
	}
	/* A field beyond what the kernel gave: nothing. */
	full.len = offsetof(struct tcp_info, tcpi_rtt);
	assert_int_equal(tcp_info_format(&full, field("rtt"), cell, width), 0);
	assert_string_equal(cell, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_cut_to_fit),
		cmocka_unit_test(test_info_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
