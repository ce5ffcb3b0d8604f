/*
 * test_filter.c - the ss filter language: words, grammar, state masks,
 * addresses, ports, ss's kernel and user-space rules, hints and errors,
 * over hand-built sockets.  tests/filter_vs_ss.sh checks the same against
 * ss itself on live sockets.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "sock_entry.h"
#include "tcp_state.h"

#define BIT(s) (1u << (s))
#define ALL_STATES ((1u << TCP_STATE_COUNT) - 1)

/* No name service, and a fixed ephemeral range, so results do not depend
 * on the machine. */
static const struct filter_parse_options opts = {
	.flags = FILTER_PARSE_NO_HOSTS,
	.ephemeral_low = 32768,
	.ephemeral_high = 60999,
};

/* A socket; addresses with ':' make it IPv6.  Time-wait sockets get the
 * kernel's time-wait timer, as sock_diag reports them. */
static struct sock_entry
sk(enum tcp_state st, const char *local, unsigned int lport, const char *remote,
   unsigned int rport)
{
	struct sock_entry e;
	int af = strchr(local, ':') != NULL ? AF_INET6 : AF_INET;

	memset(&e, 0, sizeof(e));
	e.family = (uint8_t)af;
	e.state = (uint8_t)st;
	assert_int_equal(inet_pton(af, local, e.local_addr), 1);
	assert_int_equal(inet_pton(af, remote, e.remote_addr), 1);
	e.local_port = (uint16_t)lport;
	e.remote_port = (uint16_t)rport;
	if (st == TCP_STATE_TIME_WAIT)
		e.timer = SOCK_TIMER_TIME_WAIT;
	return e;
}

static struct filter *
parse_ok(const char *expr)
{
	char *error = NULL;
	size_t pos = 0;
	struct filter *f = filter_parse_with(expr, &opts, &error, &pos);

	if (f == NULL)
		fail_msg("'%s' did not parse: %s", expr, error != NULL ? error : "(no message)");
	assert_null(error);
	return f;
}

static bool
matches(const char *expr, const struct sock_entry *e)
{
	struct filter *f = parse_ok(expr);
	bool r = filter_match(f, e);

	filter_free(f);
	return r;
}

#define assert_match(expr, e)                                                      \
	do {                                                                       \
		if (!matches((expr), (e)))                                         \
			fail_msg("'%s' should match %s", (expr), #e);              \
	} while (0)
#define assert_no_match(expr, e)                                                   \
	do {                                                                       \
		if (matches((expr), (e)))                                          \
			fail_msg("'%s' should not match %s", (expr), #e);          \
	} while (0)

static uint32_t
mask_of(const char *expr)
{
	struct filter *f = parse_ok(expr);
	uint32_t m = filter_state_mask(f);

	filter_free(f);
	return m;
}

static const char *
hint_of(const char *expr, char *buf, size_t len)
{
	struct filter *f = parse_ok(expr);
	const char *h = filter_hint(f);

	if (h != NULL)
		snprintf(buf, len, "%s", h);
	filter_free(f);
	return h != NULL ? buf : NULL;
}

/* ---------------------------------------------------------------- */

static void
test_empty_matches_everything(void **state)
{
	static const char *const empty[] = {"", "   ", "\t\n", "# a comment\n", "''"};
	struct sock_entry e = sk(TCP_STATE_TIME_WAIT, "::1", 80, "::1", 40000);
	struct filter *f;

	(void)state;
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		f = parse_ok(empty[i]);
		for (int st = 0; st < TCP_STATE_COUNT; st++) {
			e.state = (uint8_t)st;
			assert_true(filter_match(f, &e));
		}
		assert_int_equal(filter_state_mask(f), ALL_STATES);
		assert_null(filter_hint(f));
		assert_string_equal(filter_text(f), empty[i]);
		filter_free(f);
	}
	f = filter_parse(NULL, NULL, NULL);
	assert_non_null(f);
	assert_string_equal(filter_text(f), "");
	assert_true(filter_match(f, &e));
	filter_free(f);

	/* A NULL filter is "no filter". */
	assert_true(filter_match(NULL, &e));
	assert_int_equal(filter_state_mask(NULL), ALL_STATES);
	assert_null(filter_hint(NULL));
	assert_string_equal(filter_text(NULL), "");
	filter_free(NULL);
}

static void
test_state_names(void **state)
{
	static const struct {
		const char *expr;
		uint32_t mask;
	} cases[] = {
		{"state established", BIT(TCP_STATE_ESTABLISHED)},
		{"state syn-sent", BIT(TCP_STATE_SYN_SENT)},
		{"state syn-recv", BIT(TCP_STATE_SYN_RECV)},
		{"state syn-rcv", BIT(TCP_STATE_SYN_RECV)},
		{"state fin-wait-1", BIT(TCP_STATE_FIN_WAIT1)},
		{"state fin-wait-2", BIT(TCP_STATE_FIN_WAIT2)},
		{"state time-wait", BIT(TCP_STATE_TIME_WAIT)},
		{"state closed", BIT(TCP_STATE_CLOSE)},
		{"state close", BIT(TCP_STATE_CLOSE)},
		{"state unconnected", BIT(TCP_STATE_CLOSE)},
		{"state close-wait", BIT(TCP_STATE_CLOSE_WAIT)},
		{"state last-ack", BIT(TCP_STATE_LAST_ACK)},
		{"state listening", BIT(TCP_STATE_LISTEN)},
		{"state closing", BIT(TCP_STATE_CLOSING)},
		/* ss compares case-insensitively. */
		{"state ESTABLISHED", BIT(TCP_STATE_ESTABLISHED)},
		{"state Time-Wait", BIT(TCP_STATE_TIME_WAIT)},
		/* tcpdeck's own names, as the dashboard shows them. */
		{"state listen", BIT(TCP_STATE_LISTEN)},
		{"state ESTAB", BIT(TCP_STATE_ESTABLISHED)},
		{"state SYN_RECV", BIT(TCP_STATE_SYN_RECV)},
		{"state fin_wait1", BIT(TCP_STATE_FIN_WAIT1)},
		{"state UNCONN", BIT(TCP_STATE_CLOSE)},
		/* ss's SS_UNKNOWN: no socket has it. */
		{"state unknown", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].expr);
		assert_int_equal(mask_of(cases[i].expr), cases[i].mask);
	}
}

static void
test_state_groups(void **state)
{
	const uint32_t listen = BIT(TCP_STATE_LISTEN), close = BIT(TCP_STATE_CLOSE);

	(void)state;
	assert_int_equal(mask_of("state all"), ALL_STATES);
	assert_int_equal(mask_of("state connected"), ALL_STATES & ~(listen | close));
	assert_int_equal(mask_of("state synchronized"),
			 ALL_STATES & ~(listen | close | BIT(TCP_STATE_SYN_SENT)));
	assert_int_equal(mask_of("state bucket"), BIT(TCP_STATE_SYN_RECV) | BIT(TCP_STATE_TIME_WAIT));
	assert_int_equal(mask_of("state big"),
			 ALL_STATES & ~(BIT(TCP_STATE_SYN_RECV) | BIT(TCP_STATE_TIME_WAIT)));
	/* connected: every state but LISTEN and CLOSE, spelled out. */
	assert_int_equal(mask_of("state connected"),
			 BIT(TCP_STATE_SYN_SENT) | BIT(TCP_STATE_SYN_RECV) |
				 BIT(TCP_STATE_ESTABLISHED) | BIT(TCP_STATE_FIN_WAIT1) |
				 BIT(TCP_STATE_FIN_WAIT2) | BIT(TCP_STATE_CLOSE_WAIT) |
				 BIT(TCP_STATE_CLOSING) | BIT(TCP_STATE_LAST_ACK) |
				 BIT(TCP_STATE_TIME_WAIT));
}

static void
test_state_combining(void **state)
{
	const uint32_t ss_conn = ALL_STATES & ~(BIT(TCP_STATE_LISTEN) | BIT(TCP_STATE_CLOSE) |
						BIT(TCP_STATE_TIME_WAIT) | BIT(TCP_STATE_SYN_RECV));
	char buf[256];

	(void)state;
	/* Several states: a union. */
	assert_int_equal(mask_of("state listening state time-wait"),
			 BIT(TCP_STATE_LISTEN) | BIT(TCP_STATE_TIME_WAIT));
	/* The first exclude starts from all states. */
	assert_int_equal(mask_of("exclude listening"), ALL_STATES & ~BIT(TCP_STATE_LISTEN));
	assert_int_equal(mask_of("excl established exclude time-wait"),
			 ALL_STATES & ~(BIT(TCP_STATE_ESTABLISHED) | BIT(TCP_STATE_TIME_WAIT)));
	/* Order matters: later words win. */
	assert_int_equal(mask_of("exclude listening state listening"), ALL_STATES);
	assert_int_equal(mask_of("state connected exclude time-wait state time-wait"),
			 ALL_STATES & ~(BIT(TCP_STATE_LISTEN) | BIT(TCP_STATE_CLOSE)));
	/* Nothing left: ss falls back to its default set, and says nothing;
	 * tcpdeck hints. */
	assert_int_equal(mask_of("state listening exclude listening"), ss_conn);
	assert_non_null(hint_of("state listening exclude listening", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "default"));
	/* "unknown" keeps the mask non-empty: no fallback, nothing shown. */
	assert_int_equal(mask_of("state unknown"), 0);
	assert_int_equal(mask_of("state unknown state listening"), BIT(TCP_STATE_LISTEN));
}

static void
test_state_and_expression(void **state)
{
	struct sock_entry listen22 = sk(TCP_STATE_LISTEN, "127.0.0.1", 22, "0.0.0.0", 0);
	struct sock_entry estab22 = sk(TCP_STATE_ESTABLISHED, "127.0.0.1", 22, "127.0.0.1", 40000);
	struct sock_entry listen80 = sk(TCP_STATE_LISTEN, "::", 80, "::", 0);

	(void)state;
	/* The mask applies in addition to the expression. */
	assert_match("state listening sport = :22", &listen22);
	assert_no_match("state listening sport = :22", &estab22);
	assert_no_match("state listening sport = :22", &listen80);
	assert_match("state listening state established sport = :22", &estab22);
	assert_match("exclude established", &listen80);
	assert_no_match("exclude established ( sport = :22 )", &estab22);
	/* Even "or" in the expression cannot widen the mask. */
	assert_no_match("state listening sport = :22 or sport = :40000", &estab22);
}

static void
test_port_comparisons(void **state)
{
	static const struct {
		const char *op;
		bool lt, eq, gt; /* matches a port below, equal to, above 8080 */
	} ops[] = {
		{"=", false, true, false},  {"==", false, true, false}, {"eq", false, true, false},
		{"", false, true, false},   {"!=", true, false, true},  {"ne", true, false, true},
		{"neq", true, false, true}, {"<", true, false, false},  {"lt", true, false, false},
		{">", false, false, true},  {"gt", false, false, true}, {"<=", true, true, false},
		{"le", true, true, false},  {"leq", true, true, false}, {">=", false, true, true},
		{"ge", false, true, true},  {"geq", false, true, true},
	};
	static const char *const forms[] = {":8080", "8080", ":0x1f90", ":017620"};
	const unsigned int ports[] = {8079, 8080, 8081};

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
			for (int side = 0; side < 2; side++) {
				for (size_t j = 0; j < 3; j++) {
					char expr[64];
					struct sock_entry e =
						side == 0 ? sk(TCP_STATE_ESTABLISHED, "10.0.0.1", ports[j],
							       "10.0.0.2", 1)
							  : sk(TCP_STATE_ESTABLISHED, "10.0.0.1", 1,
							       "10.0.0.2", ports[j]);
					bool want = j == 0 ? ops[i].lt : j == 1 ? ops[i].eq : ops[i].gt;

					snprintf(expr, sizeof(expr), "%s %s %s", side == 0 ? "sport" : "dport",
						 ops[i].op, forms[k]);
					print_message("%s against %u\n", expr, ports[j]);
					assert_int_equal(matches(expr, &e), want);
				}
			}
		}
	}
}

static void
test_port_forms(void **state)
{
	struct sock_entry ssh = sk(TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 50000);
	struct sock_entry http6 = sk(TCP_STATE_LISTEN, "::", 80, "::", 0);
	struct filter_parse_options no_services = opts;
	char *error = NULL;
	size_t pos;

	(void)state;
	assert_match("sport = :ssh", &ssh);
	assert_match("sport = ssh", &ssh);
	assert_match("sport eq :22", &ssh);
	assert_match("sport :22", &ssh);
	assert_match("sport = :026", &ssh); /* base 0, as ss */
	assert_match("sport = :0x16", &ssh);
	assert_match("sport = :http", &http6);
	assert_match("dport = :0", &http6);   /* a listener's peer port */
	assert_match("dst *:0", &http6);
	/* "*", ":*", an empty port and -1 all mean any port. */
	assert_match("sport = *", &ssh);
	assert_match("sport = :*", &ssh);
	assert_match("sport = :-1", &ssh);
	assert_match("sport = *:22", &ssh); /* ss reads a leading '*' as any */
	assert_match("src :", &ssh);
	/* A port-only condition takes a family prefix, which narrows the
	 * filter to that family. */
	assert_match("sport = inet:22", &ssh);
	assert_no_match("sport = inet6:22", &ssh);
	assert_match("sport = inet6:80", &http6);

	no_services.flags |= FILTER_PARSE_NO_SERVICES;
	assert_null(filter_parse_with("sport = :ssh", &no_services, &error, &pos));
	assert_int_equal(pos, 8);
	free(error);
}

static void
test_port_out_of_range(void **state)
{
	struct sock_entry p22 = sk(TCP_STATE_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0);
	struct sock_entry p4464 = sk(TCP_STATE_LISTEN, "0.0.0.0", 4464, "0.0.0.0", 0);
	struct sock_entry p4465 = sk(TCP_STATE_LISTEN, "0.0.0.0", 4465, "0.0.0.0", 0);
	struct sock_entry p65535 = sk(TCP_STATE_LISTEN, "0.0.0.0", 65535, "0.0.0.0", 0);
	char buf[256];

	(void)state;
	/* The kernel reads 70000 as 70000 & 0xffff = 4464, ss's own check
	 * reads 70000: both must pass. */
	assert_match("sport <= 70000", &p22);
	assert_match("sport <= 70000", &p4464);
	assert_no_match("sport <= 70000", &p4465);
	assert_no_match("sport >= 70000", &p65535);
	/* -5 is 65531 to the kernel and -5 to ss. */
	assert_match("sport >= :-5", &p65535);
	assert_no_match("sport >= :-5", &p22);
	/* "*" is -1: nothing is above or below it for both halves. */
	assert_no_match("sport > *", &p22);
	assert_no_match("sport < *", &p22);
	/* An equality with a port no socket has. */
	assert_no_match("sport = :70000", &p4464);
	assert_non_null(hint_of("sport <= 70000", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "70000"));
	assert_null(hint_of("sport <= 65535", buf, sizeof(buf)));
}

static void
test_ipv4_addresses(void **state)
{
	struct sock_entry e = sk(TCP_STATE_ESTABLISHED, "10.1.2.3", 9000, "192.168.7.9", 443);

	(void)state;
	assert_match("src 10.1.2.3", &e);
	assert_match("src = 10.1.2.3", &e);
	assert_match("src == 10.1.2.3", &e);
	assert_match("src eq 10.1.2.3", &e);
	assert_no_match("src 10.1.2.4", &e);
	assert_match("src 10.0.0.0/8", &e);
	assert_match("src 10/8", &e); /* "10" is 10.0.0.0 */
	assert_match("src 10.1.2.0/24", &e);
	assert_no_match("src 10.1.3.0/24", &e);
	assert_match("src 10.1.2.2/31", &e);
	assert_match("src 10.0.0.0/255.0.0.0", &e);
	assert_match("src 10.1.2.3/0x20", &e);
	assert_match("src 012.1.2.3", &e); /* octal, as iproute2 */
	assert_no_match("src 10.1", &e);    /* 10.1.0.0, not inet_aton's 10.0.0.1 */
	assert_match("src 10.1.2.3:9000", &e);
	assert_no_match("src 10.1.2.3:9001", &e);
	assert_match("src 10.0.0.0/8:9000", &e);
	assert_match("src *:9000", &e);
	assert_match("src *9000", &e);
	assert_match("src *", &e);
	assert_match("src *:*", &e);
	assert_match("src any", &e);
	assert_match("src all", &e);
	assert_match("src default", &e);
	assert_match("dst 192.168.0.0/16", &e);
	assert_match("dst 192.168.7.9:443", &e);
	assert_match("dst 192.168.7.9:https", &e);
	assert_no_match("dst 10.0.0.0/8", &e);
	assert_match("src inet:10.1.2.3", &e);
}

static void
test_ipv6_addresses(void **state)
{
	struct sock_entry e = sk(TCP_STATE_ESTABLISHED, "2001:db8::1", 9001, "::1", 40000);
	struct sock_entry any6 = sk(TCP_STATE_LISTEN, "::", 8443, "::", 0);

	(void)state;
	assert_match("src [2001:db8::1]", &e);
	assert_match("src [2001:db8::1]:9001", &e);
	assert_match("src [2001:db8::1]9001", &e); /* ss needs no ':' after ']' */
	assert_no_match("src [2001:db8::1]:9002", &e);
	assert_match("src 2001:db8::/32", &e);      /* a slash makes brackets optional */
	assert_match("src [2001:db8::/32]", &e);
	assert_match("src 2001:db8::/32:9001", &e);
	assert_no_match("src 2001:db9::/32", &e);
	assert_match("src 2001:db8::1/128", &e);
	assert_match("src inet6:[2001:db8::1]", &e);
	assert_match("dst [::1]", &e);
	assert_match("dst ::1/128:40000", &e);
	/* ss reads "fe80::1:80" as address fe80::1, port 80. */
	assert_no_match("src 2001:db8::1:9001", &any6);
	assert_match("src 2001:db8::1:9001", &e);
	assert_match("src [::]", &any6);
	assert_match("src ::/0", &any6);
	assert_match("src [::]:8443", &any6);
}

static void
test_mapped_addresses(void **state)
{
	struct sock_entry v4 = sk(TCP_STATE_ESTABLISHED, "127.0.0.1", 8080, "127.0.0.1", 40000);
	struct sock_entry mapped = sk(TCP_STATE_ESTABLISHED, "::ffff:127.0.0.1", 8443,
				      "::ffff:127.0.0.1", 40001);
	struct sock_entry v6 = sk(TCP_STATE_ESTABLISHED, "::1", 80, "::1", 40002);

	(void)state;
	/* An IPv4 rule also selects IPv4-mapped sockets... */
	assert_match("src 127.0.0.1", &mapped);
	assert_match("src 127.0.0.0/8", &mapped);
	assert_match("dst 127.0.0.1:40001", &mapped);
	/* ...unless "inet:" narrows the filter to IPv4 sockets. */
	assert_no_match("src inet:127.0.0.1", &mapped);
	assert_match("src inet:127.0.0.1", &v4);
	/* A mapped rule selects only mapped sockets. */
	assert_match("src [::ffff:127.0.0.1]", &mapped);
	assert_no_match("src [::ffff:127.0.0.1]", &v4);
	assert_match("src ::ffff:0:0/96", &mapped);
	assert_no_match("src ::ffff:0:0/96", &v4);
	assert_no_match("src ::ffff:0:0/96", &v6);
	/* inet6: narrows to IPv6, where mapped sockets live. */
	assert_match("src inet6:::ffff:127.0.0.1/128", &mapped);
	assert_no_match("sport = :8080 or src inet6:::1/128", &v4);
}

static void
test_kernel_and_user_rules(void **state)
{
	struct sock_entry v4 = sk(TCP_STATE_ESTABLISHED, "10.1.2.3", 9000, "10.1.2.4", 40000);
	struct sock_entry mapped = sk(TCP_STATE_ESTABLISHED, "::ffff:10.1.2.3", 9000,
				      "::ffff:10.1.2.4", 40000);
	struct sock_entry v6 = sk(TCP_STATE_ESTABLISHED, "2001:db8::1", 9001, "::1", 40000);
	struct sock_entry listen4 = sk(TCP_STATE_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0);
	struct sock_entry listen6 = sk(TCP_STATE_LISTEN, "::", 8081, "::", 0);

	(void)state;
	/* A zero-length prefix still carries a family for the kernel. */
	assert_match("src 0.0.0.0/0", &v4);
	assert_match("src 0.0.0.0/0", &mapped);
	assert_no_match("src 0.0.0.0/0", &v6);
	assert_match("src ::/0", &v6);
	assert_match("src ::/0", &mapped);
	assert_no_match("src ::/0", &v4);
	/* By bits alone "::" is all zeros like 0.0.0.0; the kernel tells
	 * the families apart. */
	assert_match("dst 0.0.0.0", &listen4);
	assert_no_match("dst 0.0.0.0", &listen6);
	assert_match("dst [::]", &listen6);
	assert_no_match("dst [::]", &listen4);
	/* With "dev" ss sends no bytecode: only its bit comparison remains. */
	assert_match("dst 0.0.0.0 or dev 99", &listen6);
	assert_match("dst [::] or dev 99", &listen4);
	assert_match("src ::/0 or dev 99", &v4);
	assert_no_match("src 0.0.0.0/8 or dev 99", &v6); /* 2001:... */
	assert_no_match("src 10.0.0.0/8 or dev 99", &v6);
	assert_match("dst 0.0.0.0/8 or dev 99", &v6); /* ::1 starts with a zero byte */
}

static void
test_dev(void **state)
{
	struct sock_entry bound = sk(TCP_STATE_LISTEN, "10.1.2.3", 9000, "0.0.0.0", 0);
	struct sock_entry unbound = sk(TCP_STATE_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0);
	unsigned int lo = if_nametoindex("lo");
	char *error = NULL;
	size_t pos;

	(void)state;
	bound.ifindex = 3;
	assert_match("dev 3", &bound);
	assert_match("dev = 3", &bound);
	assert_match("dev 0x3", &bound);
	assert_match("dev if3", &bound); /* iproute2's "ifN" */
	assert_no_match("dev 4", &bound);
	assert_match("dev != 4", &bound);
	assert_no_match("dev != 3", &bound);
	assert_match("dev 0", &unbound); /* not bound to any interface */
	assert_no_match("dev 0", &bound);
	assert_match("not dev 3", &unbound);
	if (lo != 0) {
		bound.ifindex = lo;
		assert_match("dev lo", &bound);
		assert_match("dev = lo", &bound);
		assert_no_match("dev != lo", &bound);
	}
	assert_null(filter_parse_with("dev no-such-if0", &opts, &error, &pos));
	assert_int_equal(pos, 4);
	assert_non_null(strstr(error, "unknown interface 'no-such-if0'"));
	free(error);
}

static void
test_autobound(void **state)
{
	/* ip_local_port_range is 32768-60999 in opts. */
	struct sock_entry client = sk(TCP_STATE_ESTABLISHED, "127.0.0.1", 40000, "127.0.0.1", 8080);
	struct sock_entry accepted = sk(TCP_STATE_ESTABLISHED, "127.0.0.1", 8080, "127.0.0.1", 40000);
	struct sock_entry listen_user = sk(TCP_STATE_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0);
	struct sock_entry listen_kernel = sk(TCP_STATE_LISTEN, "0.0.0.0", 41000, "0.0.0.0", 0);
	struct sock_entry tw_server = sk(TCP_STATE_TIME_WAIT, "127.0.0.1", 8080, "127.0.0.1", 40001);
	struct sock_entry tw_client = sk(TCP_STATE_TIME_WAIT, "127.0.0.1", 40002, "127.0.0.1", 8080);
	struct sock_entry synrecv = sk(TCP_STATE_SYN_RECV, "127.0.0.1", 8080, "127.0.0.1", 40003);
	struct filter_parse_options narrow = opts;

	(void)state;
	/* autobound: the port lies in the ephemeral range (and, in the
	 * kernel, was not bound by the user). */
	assert_match("autobound", &client);
	assert_match("autobound", &listen_kernel);
	assert_match("autobound", &tw_client);
	assert_no_match("autobound", &accepted);
	assert_no_match("autobound", &listen_user);
	assert_no_match("autobound", &tw_server);
	assert_no_match("autobound", &synrecv);
	/* not autobound needs the kernel's bind lock, which only sockets the
	 * user bound hold: accepted, time-wait and request sockets have none,
	 * so ss shows them under neither. */
	assert_match("not autobound", &listen_user);
	assert_no_match("not autobound", &accepted);
	assert_no_match("not autobound", &tw_server);
	assert_no_match("not autobound", &synrecv);
	assert_no_match("not autobound", &client);
	/* With "dev", ss checks the port range alone. */
	assert_match("not autobound or dev 99", &accepted);
	assert_match("not autobound or dev 99", &tw_server);
	assert_no_match("not autobound or dev 99", &client);

	narrow.ephemeral_low = 8000;
	narrow.ephemeral_high = 8999;
	{
		struct filter *f = filter_parse_with("autobound", &narrow, NULL, NULL);

		assert_non_null(f);
		assert_true(filter_match(f, &accepted));
		assert_false(filter_match(f, &client));
		filter_free(f);
	}
	/* Without a range in the options it is read from /proc. */
	{
		struct filter *f = filter_parse("autobound", NULL, NULL);

		assert_non_null(f);
		filter_free(f);
	}
}

/* netns INODE, tcpdeck's own term: the socket's namespace inode. */
static void
test_netns(void **state)
{
	struct sock_entry in_a = sk(TCP_STATE_TIME_WAIT, "10.0.0.1", 80, "10.0.0.2", 5000);
	struct sock_entry in_b = sk(TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 5001);
	struct sock_entry unknown = sk(TCP_STATE_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0);
	char *error = NULL;
	size_t pos = 0;

	(void)state;
	in_a.netns = 4026532290u;
	in_b.netns = 4026531840u;
	assert_match("netns 4026532290", &in_a);
	assert_no_match("netns 4026532290", &in_b);
	assert_match("netns = 4026532290", &in_a);
	assert_match("netns == 4026532290", &in_a);
	assert_no_match("netns != 4026532290", &in_a);
	assert_match("netns != 4026532290", &in_b);
	assert_match("! netns 4026532290", &in_b);
	assert_match("not netns 4026532290", &in_b);
	assert_no_match("not netns 4026532290", &in_a);
	assert_match("netns 0", &unknown); /* a source that does not know */
	assert_no_match("netns 0", &in_a);
	/* With the other conditions and the state words. */
	assert_match("state time-wait netns 4026532290", &in_a);
	assert_no_match("state established netns 4026532290", &in_a);
	assert_match("netns 4026532290 and sport = :80", &in_a);
	assert_no_match("netns 4026532290 and sport = :22", &in_a);
	assert_match("netns 4026532290 or sport = :22", &in_b);
	assert_match("( netns 1 or netns 4026531840 ) and dport = :5001", &in_b);
	assert_match("netns 4026531840 dport = :5001", &in_b); /* juxtaposed: and */
	assert_match("sport = :22 and not netns 4026532290", &in_b);
	/* The whole 32-bit range, in any base strtoul takes. */
	in_a.netns = 0xffffffffu;
	assert_match("netns 4294967295", &in_a);
	assert_match("netns 0xffffffff", &in_a);

	/* Which filters keep one namespace only. */
	{
		static const struct {
			const char *expr;
			uint32_t inode; /* 0: not one namespace */
		} only[] = {
			{"netns 7", 7},
			{"netns = 8", 8},
			{"state time-wait netns 9", 9},
			{"sport = :22 and netns 10", 10},
			{"sport = :22 netns 11 dport = :5", 11},
			{"sport = :22 or dport = :22 netns 12", 12},
			{"sport = :22 or dport = :22 and netns 13 and dport = :1", 13},
			{"state time-wait ( netns 7 or netns 8 ) netns 14", 14},
			{"netns 7 or sport = :22", 0},
			{"netns 7 and sport = :22 or dport = :1", 0},
			{"netns != 7", 0},
			{"not netns 7", 0},
			{"( netns 7 or netns 8 )", 0},
			{"sport = :22", 0},
			{"", 0},
		};

		for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
			struct filter *f = parse_ok(only[i].expr);
			uint32_t inode = 0;
			bool one = filter_netns_only(f, &inode);

			if (one != (only[i].inode != 0) || inode != only[i].inode)
				fail_msg("'%s': one namespace %d (%u)", only[i].expr, one, inode);
			filter_free(f);
		}
		assert_false(filter_netns_only(NULL, NULL));
	}

	assert_null(filter_parse_with("netns", &opts, &error, &pos));
	assert_int_equal(pos, 5);
	assert_non_null(strstr(error, "expected a namespace inode after 'netns'"));
	free(error);
	assert_null(filter_parse_with("netns blue", &opts, &error, &pos));
	assert_int_equal(pos, 6);
	assert_non_null(strstr(error, "'blue' is not a network namespace inode"));
	free(error);
	assert_null(filter_parse_with("netns 4294967296", &opts, &error, &pos));
	assert_int_equal(pos, 6);
	free(error);
	assert_null(filter_parse_with("netns -1", &opts, &error, &pos));
	free(error);
	assert_null(filter_parse_with("netns > 5", &opts, &error, &pos));
	assert_int_equal(pos, 6);
	assert_non_null(strstr(error, "'netns' takes only '=' or '!='"));
	free(error);
	assert_null(filter_parse_with("sport = :22 and", &opts, &error, &pos));
	free(error);
	assert_null(filter_parse_with("bogus", &opts, &error, &pos));
	assert_non_null(strstr(error, "netns"));
	free(error);
}

static void
test_and_or_fold_left_to_right(void **state)
{
	/* A: sport 22, B: sport 80, C: dport 0 (listeners). */
	struct sock_entry a_only = sk(TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 5000);
	struct sock_entry b_and_c = sk(TCP_STATE_LISTEN, "10.0.0.1", 80, "0.0.0.0", 0);
	struct sock_entry c_only = sk(TCP_STATE_LISTEN, "10.0.0.1", 443, "0.0.0.0", 0);
	static const char *const and_words[] = {"and", "&&", "&", ""};
	static const char *const or_words[] = {"or", "||", "|"};

	(void)state;
	for (size_t i = 0; i < sizeof(and_words) / sizeof(and_words[0]); i++) {
		for (size_t j = 0; j < sizeof(or_words) / sizeof(or_words[0]); j++) {
			char expr[128];

			/* "A or B and C" is "(A or B) and C", not "A or (B and C)". */
			snprintf(expr, sizeof(expr), "sport = :22 %s sport = :80 %s dport = :0",
				 or_words[j], and_words[i]);
			print_message("%s\n", expr);
			assert_no_match(expr, &a_only);
			assert_match(expr, &b_and_c);
			assert_no_match(expr, &c_only);
			/* "C and A or B" is "(C and A) or B". */
			snprintf(expr, sizeof(expr), "dport = :0 %s sport = :22 %s sport = :80",
				 and_words[i], or_words[j]);
			assert_no_match(expr, &a_only);
			assert_match(expr, &b_and_c);
			assert_no_match(expr, &c_only);
		}
	}
	/* Parentheses restore the other reading. */
	assert_match("sport = :22 or ( sport = :80 and dport = :0 )", &a_only);
	assert_match("( sport = :22 or sport = :80 ) and dport = :0", &b_and_c);
	/* not binds to the next condition only. */
	assert_match("not sport = :22 or sport = :22", &a_only);
	assert_match("! sport = :22 or sport = :22", &c_only);
	assert_no_match("not ( sport = :22 or sport = :443 )", &c_only);
	assert_match("not not sport = :22", &a_only);
	assert_match("! ! ! sport = :80", &a_only);
	assert_match("( ( ( sport = :22 ) ) )", &a_only);
	/* Long chains stay left to right. */
	assert_match("sport = :1 or sport = :2 or sport = :3 or sport = :22", &a_only);
	assert_no_match("sport = :22 and dport = :5000 and dport = :1 or dport = :2", &a_only);
	assert_match("sport = :22 and dport = :5000 and dport = :1 or dport = :5000", &a_only);
}

static void
test_hints(void **state)
{
	static const char *const mixed[] = {
		"sport = :22 or sport = :80 and dport = :0",
		"sport = :22 sport = :80 or dport = :0",
		"sport = :22 || sport = :80 && dport = :0",
		"( sport = :22 or dport = :1 and dport = :2 )",
		"state listening sport = :22 | sport = :80 & src 10/8",
	};
	static const char *const clean[] = {
		"",
		"state listening",
		"sport = :22",
		"sport = :22 and dport = :0 and src 10/8",
		"sport = :22 or sport = :80 or sport = :443",
		"( sport = :22 or sport = :80 ) and dport = :0",
		"sport = :22 or ( sport = :80 and dport = :0 )",
		"not sport = :22 or sport = :80",
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
		print_message("mixed: %s\n", mixed[i]);
		assert_non_null(hint_of(mixed[i], buf, sizeof(buf)));
		assert_string_equal(buf, "and/or are applied left to right, as in ss; add "
					 "parentheses to be sure");
		assert_null(strchr(buf, '\n'));
	}
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		print_message("clean: %s\n", clean[i]);
		assert_null(hint_of(clean[i], buf, sizeof(buf)));
	}
}

static void
test_words_and_quotes(void **state)
{
	struct sock_entry ssh = sk(TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 5000);

	(void)state;
	/* Quotes are removed as a shell would, and ss splits the words
	 * again. */
	assert_match("'sport = :22'", &ssh);
	assert_match("\"sport\" = ':22'", &ssh);
	assert_match("'( sport = :22 or sport = :80 )'", &ssh);
	assert_match("sport' = ':22", &ssh);
	assert_match("sport '' = :22", &ssh); /* an empty word is skipped */
	/* A backslash makes the next character literal. */
	assert_match("sport \\= :22", &ssh);
	assert_match("sport = :2\\2", &ssh);
	assert_match("sport = :22\\", &ssh); /* a trailing one is dropped */
	assert_match("\\( sport = :22 \\)", &ssh);
	/* Tabs and line breaks separate words; '#' lines are comments. */
	assert_match("sport\t=\t:22", &ssh);
	assert_match("# ssh only\nsport = :22\n# done", &ssh);
	assert_match("sport = :22 or\nsport = :80", &ssh);
	/* Keywords are case-sensitive, as in ss. */
	assert_null(filter_parse_with("sport = :22 AND dport = :1", &opts, NULL, NULL));
}

static void
test_join_args(void **state)
{
	char a1[] = "sport", a2[] = "=", a3[] = ":22";
	char b1[] = "state", b2[] = "established", b3[] = "( dport = :ssh or sport = :ssh )";
	char c1[] = "it's", c2[] = "a\"b", c3[] = "#c", c4[] = "d\ne";
	char *argv1[] = {a1, a2, a3};
	char *argv2[] = {b1, b2, b3};
	char *argv3[] = {c1, c2, c3, c4};
	char *s;
	struct sock_entry ssh = sk(TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 5000);

	(void)state;
	s = filter_join_args(3, argv1);
	assert_string_equal(s, "sport = :22");
	assert_match(s, &ssh);
	free(s);
	s = filter_join_args(3, argv2);
	assert_string_equal(s, "state established ( dport = :ssh or sport = :ssh )");
	assert_match(s, &ssh);
	free(s);
	/* Characters ss keeps inside an argv word stay in it. */
	s = filter_join_args(4, argv3);
	assert_string_equal(s, "it\\'s a\\\"b #c d\\\ne");
	free(s);
	{
		char d1[] = "#c", d2[] = "sport";
		char *argv4[] = {d1, d2};

		/* A leading '#' would start a comment line. */
		s = filter_join_args(2, argv4);
		assert_string_equal(s, "\\#c sport");
		free(s);
	}
	s = filter_join_args(0, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void
test_text_is_kept(void **state)
{
	const char *expr = "state listening\n# why\n  '( sport = :22 )'  ";
	struct filter *f = parse_ok(expr);

	(void)state;
	assert_string_equal(filter_text(f), expr);
	filter_free(f);
}

static void
test_host_names_off(void **state)
{
	char *error = NULL;
	size_t pos = 0;

	(void)state;
	/* With FILTER_PARSE_NO_HOSTS a name is an error, not a lookup. */
	assert_null(filter_parse_with("dst localhost", &opts, &error, &pos));
	assert_int_equal(pos, 4);
	assert_non_null(strstr(error, "'localhost' is not an address or prefix"));
	free(error);
}

/* ---------------------------------------------------------------- */

static void
test_errors(void **state)
{
	static const struct {
		const char *expr;
		size_t pos;
		const char *msg;
	} cases[] = {
		{"state establised", 6, "unknown state 'establised'"},
		{"state", 5, "expected a state name after 'state'"},
		{"state listening exclude", 23, "expected a state name after 'exclude'"},
		{"sport >", 7, "expected a port after 'sport >'"},
		{"dport", 5, "expected a port after 'dport'"},
		{"sport = :nosuchservice", 8, "':nosuchservice' is not a port number or TCP service"},
		{"src ::1", 4, "write IPv6 addresses in brackets"},
		{"src 2001:db8::1", 4, "write IPv6 addresses in brackets"},
		{"src [::1", 4, "missing ']'"},
		{"src 1.2.3.4/33", 4, "'1.2.3.4/33' is not an address or prefix"},
		{"src 256.1.1.1", 4, "is not an address"},
		{"src any/8", 4, "is not an address"},
		{"src 10.0.0.1:http-nope", 4, "does not end in a port number or TCP service"},
		{"src", 3, "expected an address after 'src'"},
		{"src = sport = :1", 6, "expected an address after 'src'"},
		{"src != 1.2.3.4", 4, "'src' takes only '='"},
		{"dst > 1.2.3.4", 4, "'dst' takes only '='"},
		{"dev > 1", 4, "'dev' takes only '=' or '!='"},
		{"dev", 3, "expected an interface after 'dev'"},
		{"(sport = :22)", 0, "put spaces around parentheses"},
		{"( sport = :22", 0, "missing ')'"},
		{"sport = :22 )", 12, "unexpected ')'"},
		{"( )", 2, "expected a condition after '('"},
		{"sport = :22 and", 15, "expected a condition after 'and'"},
		{"and sport = :22", 0, "unexpected 'and'"},
		{"sport = :22 or or sport = :80", 15, "unexpected 'or'"},
		{"not", 3, "expected a condition after 'not'"},
		{"!sport = :22", 0, "put a space after '!'"},
		{"foo", 0, "unexpected 'foo'"},
		{"sport = :22 foo", 12, "unexpected 'foo'"},
		{"sport = :22 state listening", 12, "'state' must come before the conditions"},
		{"fwmark = 0x1", 0, "'fwmark' is not supported"},
		{"cgroup = /", 0, "'cgroup' is not supported"},
		{"src unix:/run/x", 4, "not a TCP address"},
		{"dst link:eth0", 4, "not a TCP address"},
		{"src 'x", 4, "unterminated single quote"},
		{"src \"x", 4, "unterminated double quote"},
		/* After inet6:, later addresses are read as IPv6, as in ss. */
		{"src inet6:::1/128 or src 127.0.0.1", 25,
		 "'127.0.0.1' is an IPv4 address, but an 'inet6:' prefix limits the filter to IPv6"},
		{"src inet:[::1]", 4, "'::1' is an IPv6 address, but an 'inet:' prefix limits"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *error = NULL;
		size_t pos = 999;
		char suffix[64];
		struct filter *f = filter_parse_with(cases[i].expr, &opts, &error, &pos);

		print_message("%s -> %s\n", cases[i].expr, error != NULL ? error : "(parsed)");
		assert_null(f);
		assert_non_null(error);
		assert_int_equal(pos, cases[i].pos);
		assert_non_null(strstr(error, cases[i].msg));
		assert_int_equal(strncmp(error, "filter: ", 8), 0);
		snprintf(suffix, sizeof(suffix), " at offset %zu", cases[i].pos);
		assert_string_equal(error + strlen(error) - strlen(suffix), suffix);
		assert_null(strchr(error, '\n'));
		free(error);
		/* error and error_pos are optional. */
		assert_null(filter_parse_with(cases[i].expr, &opts, NULL, NULL));
	}
}

static void
test_nesting_limit(void **state)
{
	size_t depth_ok = 200, depth_bad = 201;
	char *expr = malloc(depth_bad * 4 + 32);
	char *error = NULL;
	size_t pos;
	struct filter *f;
	struct sock_entry e = sk(TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0);

	(void)state;
	assert_non_null(expr);
	expr[0] = '\0';
	for (size_t i = 0; i < depth_ok; i++)
		strcat(expr, i % 2 ? "( " : "! ");
	strcat(expr, "sport = :80");
	for (size_t i = 0; i < depth_ok; i++)
		if (i % 2)
			strcat(expr, " )");
	f = filter_parse_with(expr, &opts, &error, &pos);
	assert_non_null(f);
	assert_true(filter_match(f, &e)); /* an even number of nots */
	filter_free(f);

	expr[0] = '\0';
	for (size_t i = 0; i < depth_bad; i++)
		strcat(expr, "( ");
	strcat(expr, "autobound");
	for (size_t i = 0; i < depth_bad; i++)
		strcat(expr, " )");
	assert_null(filter_parse_with(expr, &opts, &error, &pos));
	assert_int_equal(pos, 400);
	assert_non_null(strstr(error, "nest too deeply"));
	free(error);
	free(expr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_matches_everything),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_state_groups),
		cmocka_unit_test(test_state_combining),
		cmocka_unit_test(test_state_and_expression),
		cmocka_unit_test(test_port_comparisons),
		cmocka_unit_test(test_port_forms),
		cmocka_unit_test(test_port_out_of_range),
		cmocka_unit_test(test_ipv4_addresses),
		cmocka_unit_test(test_ipv6_addresses),
		cmocka_unit_test(test_mapped_addresses),
		cmocka_unit_test(test_kernel_and_user_rules),
		cmocka_unit_test(test_dev),
		cmocka_unit_test(test_autobound),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_and_or_fold_left_to_right),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_words_and_quotes),
		cmocka_unit_test(test_join_args),
		cmocka_unit_test(test_text_is_kept),
		cmocka_unit_test(test_host_names_off),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nesting_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
