/*
 * test_filter_bytecode.c - the filter compiler: the programs it writes for
 * each kind of condition, the jump offsets that join them, what it refuses,
 * the state mask; and, for many expressions and sockets, that a model of
 * the kernel running the program (inet_diag_bc_audit and inet_diag_bc_run,
 * net/ipv4/inet_diag.c) accepts exactly the sockets the filter's kernel
 * half does.  tests/filter_vs_ss.sh runs the programs in the real kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <linux/inet_diag.h>

#include "filter.h"
#include "filter_bytecode.h"
#include "filter_internal.h"
#include "sock_entry.h"
#include "tcp_state.h"

/* ------------------------------------------------ the kernel, as a model */

/* The first bits of a and b are equal. */
static int
bits_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	if (rest != 0 && ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))))
		return 0;
	return 1;
}

static struct inet_diag_bc_op
op_at(const uint8_t *bc)
{
	struct inet_diag_bc_op op;

	memcpy(&op, bc, sizeof(op));
	return op;
}

/* The kernel's check that `remaining` bytes before the end is where some
 * op starts, following yes offsets from the start. */
static int
model_valid_cc(const uint8_t *bc, int len, int remaining)
{
	while (len >= 0) {
		struct inet_diag_bc_op op;

		if (remaining > len)
			return 0;
		if (remaining == len)
			return 1;
		op = op_at(bc);
		if (op.yes < 4 || op.yes & 3)
			return 0;
		len -= op.yes;
		bc += op.yes;
	}
	return 0;
}

/* inet_diag_bc_audit(): 0 when the kernel would take the program. */
static int
model_audit(const uint8_t *bytecode, int bytecode_len)
{
	const uint8_t *bc = bytecode;
	int len = bytecode_len;

	if (len < 4)
		return -EINVAL;
	while (len > 0) {
		struct inet_diag_bc_op op = op_at(bc);
		int min_len = (int)sizeof(op);

		switch (op.code) {
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond cond;
			int alen;

			min_len += (int)sizeof(cond);
			if (len < min_len)
				return -EINVAL;
			memcpy(&cond, bc + sizeof(op), sizeof(cond));
			alen = cond.family == AF_UNSPEC ? 0
			       : cond.family == AF_INET ? 4
			       : cond.family == AF_INET6 ? 16
							 : -1;
			if (alen < 0)
				return -EINVAL;
			min_len += alen;
			if (len < min_len || cond.prefix_len > 8 * alen)
				return -EINVAL;
			break;
		}
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE:
			min_len += (int)sizeof(op);
			if (len < min_len)
				return -EINVAL;
			break;
		case INET_DIAG_BC_AUTO:
		case INET_DIAG_BC_JMP:
		case INET_DIAG_BC_NOP:
			break;
		default:
			return -EINVAL;
		}
		if (op.code != INET_DIAG_BC_NOP) {
			if (op.no < min_len || op.no > len + 4 || op.no & 3)
				return -EINVAL;
			if (op.no < len && !model_valid_cc(bytecode, bytecode_len, len - op.no))
				return -EINVAL;
		}
		if (op.yes < min_len || op.yes > len + 4 || op.yes & 3)
			return -EINVAL;
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0 ? 0 : -EINVAL;
}

/* inet_diag_bc_run() on a socket. */
static int
model_run(const uint8_t *bc, int len, const struct sock_entry *e)
{
	while (len > 0) {
		struct inet_diag_bc_op op = op_at(bc);
		int yes = 1;

		switch (op.code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_JMP:
			yes = 0;
			break;
		case INET_DIAG_BC_S_GE:
			yes = e->local_port >= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_S_LE:
			yes = e->local_port <= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_D_GE:
			yes = e->remote_port >= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_D_LE:
			yes = e->remote_port <= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond cond;
			const uint8_t *caddr = bc + 4 + sizeof(cond);
			int local = op.code == INET_DIAG_BC_S_COND;
			const uint8_t *addr = local ? e->local_addr : e->remote_addr;
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

			memcpy(&cond, bc + 4, sizeof(cond));
			if (cond.port != -1 && cond.port != (local ? e->local_port : e->remote_port)) {
				yes = 0;
				break;
			}
			if (cond.family != AF_UNSPEC && cond.family != e->family) {
				if (e->family == AF_INET6 && cond.family == AF_INET &&
				    memcmp(addr, mapped, 12) == 0 &&
				    bits_match(addr + 12, caddr, cond.prefix_len))
					break;
				yes = 0;
				break;
			}
			if (cond.prefix_len == 0 || bits_match(addr, caddr, cond.prefix_len))
				break;
			yes = 0;
			break;
		}
		default:
			fail_msg("op %u in a program", op.code);
		}
		if (yes) {
			len -= op.yes;
			bc += op.yes;
		} else {
			len -= op.no;
			bc += op.no;
		}
	}
	return len == 0;
}

/* ------------------------------------------------------------- helpers */

static struct filter *
parse(const char *expr)
{
	static const struct filter_parse_options opts = {
		.flags = FILTER_PARSE_NO_HOSTS | FILTER_PARSE_NO_SERVICES | FILTER_PARSE_NO_DEVICES,
		.ephemeral_low = 32768,
		.ephemeral_high = 60999,
	};
	char *error = NULL;
	struct filter *f = filter_parse_with(expr, &opts, &error, NULL);

	if (f == NULL)
		fail_msg("'%s': %s", expr, error != NULL ? error : "?");
	return f;
}

/* Compiles expr; the program must pass the kernel's audit. */
static uint8_t *
compile(const char *expr, size_t *len)
{
	struct filter *f = parse(expr);
	void *bc = NULL;

	assert_int_equal(filter_bytecode_build(f, &bc, len), 0);
	filter_free(f);
	if (bc != NULL) {
		assert_true(*len > 0 && *len % 4 == 0);
		if (model_audit(bc, (int)*len) != 0)
			fail_msg("'%s': the kernel would refuse the program", expr);
	} else {
		assert_int_equal(*len, 0);
	}
	return bc;
}

static void
expect_op(const uint8_t *bc, size_t off, uint8_t code, uint8_t yes, uint16_t no)
{
	struct inet_diag_bc_op op = op_at(bc + off);

	if (op.code != code || op.yes != yes || op.no != no)
		fail_msg("op at %zu is {%u, %u, %u}, expected {%u, %u, %u}", off, op.code, op.yes,
			 op.no, code, yes, no);
}

static struct inet_diag_hostcond
cond_at(const uint8_t *bc, size_t off)
{
	struct inet_diag_hostcond c;

	memcpy(&c, bc + off + 4, sizeof(c));
	return c;
}

/* -------------------------------------------------------------- shapes */

static void
test_host_conditions(void **state)
{
	uint8_t *bc;
	size_t len;
	struct inet_diag_hostcond c;
	uint8_t v6[16];

	(void)state;
	/* IPv4 prefix and port: one S_COND with a 4-byte address. */
	bc = compile("src 10.1.0.0/16:80", &len);
	assert_int_equal(len, 4 + 8 + 4);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 16, 20);
	c = cond_at(bc, 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix_len, 16);
	assert_int_equal(c.port, 80);
	assert_memory_equal(bc + 12, "\x0a\x01\x00\x00", 4);
	free(bc);

	/* IPv6: 16 bytes of address. */
	bc = compile("dst [2001:db8::1]", &len);
	assert_int_equal(len, 28);
	expect_op(bc, 0, INET_DIAG_BC_D_COND, 28, 32);
	c = cond_at(bc, 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix_len, 128);
	assert_int_equal(c.port, -1);
	inet_pton(AF_INET6, "2001:db8::1", v6);
	assert_memory_equal(bc + 12, v6, 16);
	free(bc);

	/* A port alone: no family, no address. */
	bc = compile("sport = :22", &len);
	assert_int_equal(len, 12);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 12, 16);
	c = cond_at(bc, 0);
	assert_int_equal(c.family, AF_UNSPEC);
	assert_int_equal(c.prefix_len, 0);
	assert_int_equal(c.port, 22);
	free(bc);
}

static void
test_port_comparisons(void **state)
{
	static const struct {
		const char *expr;
		uint8_t code;
		uint16_t bound;
		int negated;
	} cases[] = {
		{"sport >= :1024", INET_DIAG_BC_S_GE, 1024, 0},
		{"sport <= :1024", INET_DIAG_BC_S_LE, 1024, 0},
		{"dport ge 80", INET_DIAG_BC_D_GE, 80, 0},
		{"dport le 80", INET_DIAG_BC_D_LE, 80, 0},
		{"sport > :9000", INET_DIAG_BC_S_LE, 9000, 1}, /* not (<= 9000) */
		{"dport < :9000", INET_DIAG_BC_D_GE, 9000, 1},
		/* The bound keeps its low 16 bits, as the kernel reads it. */
		{"sport >= 70000", INET_DIAG_BC_S_GE, 70000 & 0xffff, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *bc = compile(cases[i].expr, &len);

		assert_non_null(bc);
		assert_int_equal(len, cases[i].negated ? 12 : 8);
		/* Negated, the reject still lands 4 past the comparison: the end. */
		expect_op(bc, 0, cases[i].code, 8, 12);
		assert_int_equal(op_at(bc + 4).no, cases[i].bound);
		if (cases[i].negated)
			expect_op(bc, 8, INET_DIAG_BC_JMP, 4, 8);
		free(bc);
	}
}

static void
test_and_or_not_offsets(void **state)
{
	uint8_t *bc;
	size_t len;

	(void)state;
	/* a and b: a's reject moves past b. */
	bc = compile("sport = :1 and dport = :2", &len);
	assert_int_equal(len, 24);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 12, 28);
	expect_op(bc, 12, INET_DIAG_BC_D_COND, 12, 16);
	free(bc);

	/* a or b: a's reject lands on b, JMP skips b to accept. */
	bc = compile("sport = :1 or dport = :2", &len);
	assert_int_equal(len, 28);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 12, 16);
	expect_op(bc, 12, INET_DIAG_BC_JMP, 4, 16);
	expect_op(bc, 16, INET_DIAG_BC_D_COND, 12, 16);
	free(bc);

	/* not a: JMP to reject after a accepts. */
	bc = compile("not sport = :1", &len);
	assert_int_equal(len, 16);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 12, 16);
	expect_op(bc, 12, INET_DIAG_BC_JMP, 4, 8);
	free(bc);

	/* Folded left to right: (a or b) and c.  The or's rejects (b's)
	 * move past c; a's land on b and stay; the JMP lands on c. */
	bc = compile("sport = :1 or sport = :2 and dport = :3", &len);
	assert_int_equal(len, 40);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 12, 16);
	expect_op(bc, 12, INET_DIAG_BC_JMP, 4, 16);
	expect_op(bc, 16, INET_DIAG_BC_S_COND, 12, 16 + 12);
	expect_op(bc, 28, INET_DIAG_BC_D_COND, 12, 16);
	free(bc);

	/* not over a list: the list's rejects land just past the JMP. */
	bc = compile("not ( sport = :1 and dport = :2 )", &len);
	assert_int_equal(len, 28);
	expect_op(bc, 0, INET_DIAG_BC_S_COND, 12, 28);
	expect_op(bc, 12, INET_DIAG_BC_D_COND, 12, 16);
	expect_op(bc, 24, INET_DIAG_BC_JMP, 4, 8);
	free(bc);
}

static void
test_refused_and_empty(void **state)
{
	static const char *const none[] = {
		"", "state established", "exclude time-wait", "dev 1", "sport = :22 or dev 1",
		"not dev 1", "autobound", "not autobound", "sport = :22 and ( dport = :1 or autobound )",
		/* A dump sees one namespace: no op can test which. */
		"netns 4026531840", "not netns 4026531840", "netns != 1",
		"sport = :22 and netns 4026531840", "dport = :80 or not netns 7",
	};
	struct filter *f;
	void *bc = (void *)1;
	size_t len = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		f = parse(none[i]);
		bc = (void *)1;
		len = 1;
		assert_int_equal(filter_bytecode_build(f, &bc, &len), 0);
		if (bc != NULL)
			fail_msg("'%s' gave a program", none[i]);
		assert_int_equal(len, 0);
		filter_free(f);
	}
	assert_int_equal(filter_bytecode_build(NULL, &bc, &len), 0);
	assert_null(bc);
}

/* An expression too long for 16-bit offsets is left to user space; one
 * just short of it compiles and passes the audit. */
static void
test_long_expressions(void **state)
{
	size_t n_long = FILTER_BYTECODE_MAX_LEN / 12 + 1, n_short = 4000;
	char *expr = malloc(n_long * 32);
	size_t len, off = 0;
	uint8_t *bc;

	(void)state;
	assert_non_null(expr);
	for (size_t i = 0; i < n_short; i++)
		off += (size_t)sprintf(expr + off, "%ssport = :%zu", i > 0 ? " or " : "", i);
	bc = compile(expr, &len);
	assert_non_null(bc);
	assert_int_equal(len, n_short * 12 + (n_short - 1) * 4);
	free(bc);
	for (size_t i = n_short; i < n_long; i++)
		off += (size_t)sprintf(expr + off, " and sport = :%zu", i);
	bc = compile(expr, &len);
	assert_null(bc);
	free(expr);
}

static void
test_state_mask(void **state)
{
	struct filter *f;
	uint32_t all = 0;

	(void)state;
	for (unsigned int k = 1; k < KERNEL_TCP_MAX_STATES; k++)
		all |= 1u << k;
	assert_int_equal(filter_bytecode_kernel_states(NULL), all);
	f = parse("sport = :22");
	assert_int_equal(filter_bytecode_kernel_states(f), all);
	filter_free(f);

	f = parse("state established");
	assert_int_equal(filter_bytecode_kernel_states(f), 1u << KERNEL_TCP_ESTABLISHED);
	filter_free(f);

	/* Request sockets are SYN_RECV, bound-inactive ones CLOSE. */
	f = parse("state syn-recv state closed");
	assert_int_equal(filter_bytecode_kernel_states(f),
			 1u << KERNEL_TCP_SYN_RECV | 1u << KERNEL_TCP_NEW_SYN_RECV |
				 1u << KERNEL_TCP_CLOSE | 1u << KERNEL_TCP_BOUND_INACTIVE);
	filter_free(f);

	f = parse("exclude time-wait exclude listening");
	assert_int_equal(filter_bytecode_kernel_states(f),
			 all & ~(1u << KERNEL_TCP_TIME_WAIT | 1u << KERNEL_TCP_LISTEN));
	filter_free(f);
}

/* Bound-only sockets (no remote end) are asked for only when the
 * expression could select one. */
static void
test_bound_inactive_only_when_selectable(void **state)
{
	static const struct {
		const char *expr;
		bool asked;
	} cases[] = {
		{"dport = :80", false},
		{"dport = :0", true},
		{"dport > :1024", false},
		{"dport != :80", true},
		{"not dport = :80", true},
		{"sport = :22", true},
		{"dst 10.0.0.1", false},
		{"dst 0.0.0.0", true},
		{"dst [::]", true},
		{"src 1.2.3.4 and dport = :80", false},
		{"src 1.2.3.4 or dport = :80", true},
		{"( sport = :1 or dport = :2 ) and dst 10/8", false},
		{"exclude time-wait ( sport = :9 or dport = :9 )", true},
		{"dport = :80 or dport = :443", false},
		{"not ( dport = :80 or dport = :443 )", true},
		{"dev 1 and dport = :80", false},
		{"autobound and dport = :5", false},
		{"autobound", true},
		{"netns 5 and dport = :80", false},
		{"netns 5", true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter *f = parse(cases[i].expr);
		bool asked = filter_bytecode_kernel_states(f) & (1u << KERNEL_TCP_BOUND_INACTIVE);

		if (asked != cases[i].asked)
			fail_msg("'%s': bound-inactive sockets %s", cases[i].expr,
				 asked ? "asked for" : "left out");
		filter_free(f);
	}
}

/* ------------------------------------------- the program vs the filter */

static const char *const exprs[] = {
	"sport = :22", "sport != :8080", "dport = :0", "sport > :9000", "sport < :1024",
	"sport >= :8081 and sport <= :8443", "sport <= 70000", "sport >= 70000", "sport < *",
	"dport ge 1 and dport le 65535", "src 127.0.0.1", "src inet:127.0.0.1", "src 0.0.0.0/0",
	"src ::/0", "src [::1]", "src ::1/128", "src [::ffff:127.0.0.1]", "src ::ffff:0:0/96",
	"dst 0.0.0.0", "dst [::]", "src 10/8", "src 10.0.0.0/255.0.0.0", "src 10.1.2.3:9000",
	"src [2001:db8::1]:9001", "src *:8080", "dst *:0", "src inet:any",
	"src inet6:any", "dst 127.0.0.0/9", "dst ::ffff:127.0.0.1/100",
	"sport = :8080 or sport = :9000 and dport = :0", "sport = :9000 dport = :0 or sport = :22",
	"( sport = :8080 or sport = :9000 ) and not dport = :0", "not sport = :22 or sport = :8080",
	"! ! sport = :22", "( ( src 127.0.0.1 ) )", "src 127.0.0.1 || src [::1] && dport != :0",
	"sport = inet6:8443", "sport = :80 or src inet:127.0.0.1",
	"src inet6:::1/128 or src ::ffff:127.0.0.1/128",
	"state synchronized ( sport = :8443 or dport = :8443 )",
	"not ( src 10/8 or dst 10/8 ) and not ( sport < :1024 or not dport > :0 )",
	"( sport = :22 or ( dport = :22 and not src 127.0.0.1 ) ) or not ( dst [::1] or dst 10/8 )",
	"not ( not ( not sport = :8080 ) )", "dport > :40000 and dport < :50000 or sport = :1",
};

/* Sockets on the addresses and ports the expressions above name, in both
 * families, IPv4-mapped included. */
static void
fill_sockets(struct sock_entry *out, size_t *n, size_t cap)
{
	static const char *const addrs[] = {
		"127.0.0.1", "10.1.2.3", "0.0.0.0", "192.168.1.1", "::1", "::", "::ffff:127.0.0.1",
		"::ffff:10.1.2.3", "2001:db8::1", "fe80::1",
	};
	static const uint16_t ports[] = {0, 1, 22, 80, 1023, 1024, 4464, 8080, 8081, 8443, 9000, 9001,
					 40000, 45000, 65535};
	enum { NA = sizeof(addrs) / sizeof(addrs[0]), NP = sizeof(ports) / sizeof(ports[0]) };
	unsigned int seed = 1;

	*n = 0;
	for (size_t la = 0; la < NA; la++)
		for (size_t ra = 0; ra < NA; ra++)
			for (size_t k = 0; k < 40 && *n < cap; k++) {
				struct sock_entry *e = &out[(*n)++];
				int v6l = strchr(addrs[la], ':') != NULL;
				int v6r = strchr(addrs[ra], ':') != NULL;

				if (v6l != v6r) {
					(*n)--;
					break;
				}
				memset(e, 0, sizeof(*e));
				e->family = v6l ? AF_INET6 : AF_INET;
				inet_pton(e->family, addrs[la], e->local_addr);
				inet_pton(e->family, addrs[ra], e->remote_addr);
				/* Every local port on every pair of addresses. */
				seed = seed * 1103515245u + 12345u;
				e->local_port = ports[k % NP];
				e->remote_port = ports[(seed >> 8) % NP];
				e->state = (uint8_t)((seed >> 20) % TCP_STATE_COUNT);
			}
}

static void
test_program_equals_kernel_half(void **state)
{
	enum { CAP = 20000 };
	struct sock_entry *socks = calloc(CAP, sizeof(*socks));
	size_t n;

	(void)state;
	assert_non_null(socks);
	fill_sockets(socks, &n, CAP);
	assert_true(n > 1000);
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct filter *f = parse(exprs[i]);
		size_t len, accepted = 0;
		uint8_t *bc = compile(exprs[i], &len);

		if (bc == NULL)
			fail_msg("'%s' did not compile", exprs[i]);
		for (size_t j = 0; j < n; j++) {
			int kernel = model_run(bc, (int)len, &socks[j]);
			int model = filter_eval_node(f, f->root, &socks[j], true);

			if (kernel != model) {
				char l[64], r[64];

				inet_ntop(socks[j].family, socks[j].local_addr, l, sizeof(l));
				inet_ntop(socks[j].family, socks[j].remote_addr, r, sizeof(r));
				fail_msg("'%s': %s:%u -> %s:%u: program %d, kernel half %d", exprs[i], l,
					 socks[j].local_port, r, socks[j].remote_port, kernel, model);
			}
			accepted += (size_t)kernel;
			/* What comes back, checked again in user space, is what
			 * user space alone selects. */
			if (kernel || !filter_match(f, &socks[j]))
				continue;
			fail_msg("'%s': the program drops a socket the filter selects", exprs[i]);
		}
		/* Each expression tells the sockets apart. */
		if (accepted == 0 || accepted == n)
			fail_msg("'%s' accepts %zu of %zu sockets", exprs[i], accepted, n);
		/* Leaving bound-only sockets out of the request is sound: the
		 * filter selects none of them, whatever their local end. */
		if (!(filter_bytecode_kernel_states(f) & (1u << KERNEL_TCP_BOUND_INACTIVE)))
			for (size_t j = 0; j < n; j++) {
				struct sock_entry bound = socks[j];

				memset(bound.remote_addr, 0, sizeof(bound.remote_addr));
				bound.remote_port = 0;
				bound.state = TCP_STATE_CLOSE;
				if (filter_match(f, &bound))
					fail_msg("'%s' selects a bound-only socket on port %u but "
						 "leaves them out of the request",
						 exprs[i], bound.local_port);
			}
		free(bc);
		filter_free(f);
	}
	free(socks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_conditions),
		cmocka_unit_test(test_port_comparisons),
		cmocka_unit_test(test_and_or_not_offsets),
		cmocka_unit_test(test_refused_and_empty),
		cmocka_unit_test(test_long_expressions),
		cmocka_unit_test(test_state_mask),
		cmocka_unit_test(test_bound_inactive_only_when_selectable),
		cmocka_unit_test(test_program_equals_kernel_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
