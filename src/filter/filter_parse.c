/*
 * filter_parse.c - builds a filter from ss's expression language.
 *
 * Responsible for: the state words, the grammar (ss's misc/ssfilter.y:
 * and/or/juxtaposition folded left to right, "not" on the next condition),
 * reading addresses, prefixes and ports exactly as ss 6.1 does (including
 * its odd corners, see filter.h), service, interface and host name lookups,
 * and the lifetime of a filter.  Evaluation lives in filter_eval.c.
 *
 * Reentrant; may block in lookups.  Must not: print, exit, keep state
 * between calls.  Recursion is bounded by FILTER_MAX_DEPTH.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter_internal.h"
#include "tcp_state.h"

/* Parentheses and "not" nest at most this deep. */
#define FILTER_MAX_DEPTH 200
/* Host names resolve to at most this many addresses. */
#define FILTER_MAX_HOST_ADDRS 64

#define STATE_BIT(s) (1u << (s))
#define ALL_TCP_STATES ((1u << TCP_STATE_COUNT) - 1)
/* ss's SS_UNKNOWN: "state unknown" selects no socket, but it makes the
 * mask non-empty, which matters for ss's empty-mask fallback. */
#define STATE_PSEUDO_UNKNOWN (1u << 31)
#define SS_ALL (ALL_TCP_STATES | STATE_PSEUDO_UNKNOWN)
/* ss's default for TCP when no state is left (SS_CONN). */
#define SS_CONN                                                               \
	(SS_ALL & ~(STATE_BIT(TCP_STATE_LISTEN) | STATE_BIT(TCP_STATE_CLOSE) |  \
		    STATE_BIT(TCP_STATE_TIME_WAIT) | STATE_BIT(TCP_STATE_SYN_RECV)))

static const char hint_mixed[] = "and/or are applied left to right, as in ss; add parentheses to be sure";
static const char hint_no_state[] =
	"the state words leave no state, so ss's default applies: every state but "
	"LISTEN, CLOSE, TIME_WAIT and SYN_RECV";

/* ss's state names (misc/ss.c scan_state), compared case-insensitively. */
static const struct {
	const char *name;
	uint32_t mask;
} state_names[] = {
	{"close", STATE_BIT(TCP_STATE_CLOSE)},
	{"closed", STATE_BIT(TCP_STATE_CLOSE)},
	{"syn-rcv", STATE_BIT(TCP_STATE_SYN_RECV)},
	{"established", STATE_BIT(TCP_STATE_ESTABLISHED)},
	{"all", SS_ALL},
	{"connected", SS_ALL & ~(STATE_BIT(TCP_STATE_CLOSE) | STATE_BIT(TCP_STATE_LISTEN))},
	{"synchronized", SS_ALL & ~(STATE_BIT(TCP_STATE_CLOSE) | STATE_BIT(TCP_STATE_LISTEN) |
				    STATE_BIT(TCP_STATE_SYN_SENT))},
	{"bucket", STATE_BIT(TCP_STATE_SYN_RECV) | STATE_BIT(TCP_STATE_TIME_WAIT)},
	{"big", SS_ALL & ~(STATE_BIT(TCP_STATE_SYN_RECV) | STATE_BIT(TCP_STATE_TIME_WAIT))},
	{"unknown", STATE_PSEUDO_UNKNOWN},
	{"syn-sent", STATE_BIT(TCP_STATE_SYN_SENT)},
	{"syn-recv", STATE_BIT(TCP_STATE_SYN_RECV)},
	{"fin-wait-1", STATE_BIT(TCP_STATE_FIN_WAIT1)},
	{"fin-wait-2", STATE_BIT(TCP_STATE_FIN_WAIT2)},
	{"time-wait", STATE_BIT(TCP_STATE_TIME_WAIT)},
	{"unconnected", STATE_BIT(TCP_STATE_CLOSE)},
	{"close-wait", STATE_BIT(TCP_STATE_CLOSE_WAIT)},
	{"last-ack", STATE_BIT(TCP_STATE_LAST_ACK)},
	{"listening", STATE_BIT(TCP_STATE_LISTEN)},
	{"closing", STATE_BIT(TCP_STATE_CLOSING)},
};

struct parser {
	const struct filter_parse_options *opts;
	struct filter_tokens toks;
	size_t pos;
	struct filter *f;
	size_t cap_nodes, cap_items, cap_addrs;
	/* Operands of the LIST nodes being parsed; an inner list pops its
	 * own before the outer one continues, so each list's operands are
	 * contiguous at its end. */
	struct filter_item *stack;
	size_t n_stack, cap_stack;
	unsigned int depth;
	int family;          /* set by inet: / inet6:, then sticky, as in ss */
	bool has_dev;
	bool has_autobound;
	bool mixed_and_or;
	bool no_state_left;
	bool host_many;
	bool odd_port_seen;
	int odd_port;        /* the first port outside 0-65535 */
	char *error;
	size_t error_pos;
	bool failed;
};

static void fail(struct parser *p, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct parser *p, size_t offset, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (p->failed)
		return;
	p->failed = true;
	p->error_pos = offset;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || asprintf(&p->error, "filter: %s at offset %zu", msg, offset) < 0)
		p->error = NULL;
	free(msg);
	/* Words may hold escaped line breaks and other controls; the message
	 * is one printable line. */
	for (char *c = p->error; c != NULL && *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

static void
fail_nomem(struct parser *p)
{
	fail(p, 0, "out of memory");
	errno = ENOMEM;
}

/* Grows *v (elements of size) to hold one more than n; 0 or -1. */
static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t new_cap;
	void *nv;

	if (n < *cap)
		return 0;
	new_cap = *cap == 0 ? 8 : *cap * 2;
	nv = realloc(*v, new_cap * size);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = new_cap;
	return 0;
}

/* Appends a node; returns its index, or UINT32_MAX on ENOMEM. */
static uint32_t
add_node(struct parser *p, enum filter_node_kind kind, int32_t port, uint32_t a, uint32_t b)
{
	struct filter *f = p->f;

	if (grow((void **)&f->nodes, &p->cap_nodes, f->n_nodes, sizeof(*f->nodes)) < 0) {
		fail_nomem(p);
		return UINT32_MAX;
	}
	f->nodes[f->n_nodes] = (struct filter_node){.kind = (uint8_t)kind, .port = port, .a = a, .b = b};
	return (uint32_t)f->n_nodes++;
}

static uint32_t
add_not(struct parser *p, uint32_t child)
{
	if (child == UINT32_MAX)
		return UINT32_MAX;
	return add_node(p, FILTER_N_NOT, -1, child, 0);
}

static const struct filter_token *
peek(struct parser *p)
{
	return &p->toks.v[p->pos];
}

static const struct filter_token *
next(struct parser *p)
{
	const struct filter_token *t = &p->toks.v[p->pos];

	if (t->kind != FILTER_TOK_END)
		p->pos++;
	return t;
}

/* ASCII-only, so no locale can change what a state name means. */
static bool
equal_nocase(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* ss's state names, then tcpdeck's own display names ("LISTEN",
 * "SYN_RECV", "ESTAB"...), which ss rejects but users see on screen. */
static bool
state_mask_of(const char *name, uint32_t *mask)
{
	int st;

	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (equal_nocase(name, state_names[i].name)) {
			*mask = state_names[i].mask;
			return true;
		}
	}
	st = tcp_state_from_name(name);
	if (st < 0)
		return false;
	*mask = STATE_BIT(st);
	return true;
}

static bool
is_state_word(const struct filter_token *t)
{
	return t->kind == FILTER_TOK_WORD &&
	       (strcmp(t->text, "state") == 0 || strcmp(t->text, "exclude") == 0 ||
		strcmp(t->text, "excl") == 0);
}

/* The leading "state X" / "exclude X" words, combined as ss's main() does. */
static void
parse_states(struct parser *p)
{
	uint32_t mask = 0;
	bool seen = false;

	while (is_state_word(peek(p))) {
		const struct filter_token *kw = next(p);
		const struct filter_token *name = next(p);
		bool exclude = kw->text[0] == 'e';
		uint32_t m;

		if (name->kind == FILTER_TOK_END) {
			fail(p, name->offset, "expected a state name after '%s'", kw->text);
			return;
		}
		if (!state_mask_of(name->text, &m)) {
			fail(p, name->offset, "unknown state '%s'", name->text);
			return;
		}
		if (!seen)
			mask = exclude ? SS_ALL : 0;
		seen = true;
		if (exclude)
			mask &= ~m;
		else
			mask |= m;
	}
	if (!seen) {
		p->f->states = ALL_TCP_STATES;
		return;
	}
	/* ss keeps its default mask when the words leave none. */
	if (mask == 0) {
		mask = SS_CONN;
		p->no_state_left = true;
	}
	p->f->states = mask & ALL_TCP_STATES;
}

/* ---- numbers, addresses and ports, read as iproute2 reads them ---- */

/* iproute2's get_integer(): strtol, base 0, all of it, within int. */
static bool
parse_int(const char *s, int *out)
{
	char *end;
	long v;

	if (*s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE || v < INT_MIN || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* iproute2's get_unsigned(): strtoul, base 0, all of it, within unsigned. */
static bool
parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s == '\0')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE || v > UINT_MAX)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* iproute2's get_addr_ipv4(): up to four parts, each strtoul base 0 and at
 * most 255; missing parts are zero ("10" is 10.0.0.0, "127.1" 127.1.0.0). */
static bool
parse_ipv4(const char *s, uint8_t out[4])
{
	memset(out, 0, 4);
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long n = strtoul(s, &end, 0);

		if (end == s || n > 255)
			return false;
		out[i] = (uint8_t)n;
		if (*end == '\0')
			return true;
		if (i == 3 || *end != '.')
			return false;
		s = end + 1;
	}
	return true;
}

/* iproute2's get_addr_1() for the inet families.  bitlen is set to -1 for a
 * full address and -2 for "default", "any" and "all". */
static bool
parse_addr(const char *s, int family, struct filter_addr *a, int *bitlen)
{
	memset(a, 0, sizeof(*a));
	if (strcmp(s, "default") == 0 || strcmp(s, "all") == 0 || strcmp(s, "any") == 0) {
		a->family = (uint8_t)family;
		*bitlen = -2;
		return true;
	}
	if (strchr(s, ':') != NULL) {
		a->family = AF_INET6;
		if (family != AF_UNSPEC && family != AF_INET6)
			return false;
		if (inet_pton(AF_INET6, s, a->bytes) != 1)
			return false;
		*bitlen = -1;
		return true;
	}
	a->family = AF_INET;
	if (family != AF_UNSPEC && family != AF_INET)
		return false;
	if (!parse_ipv4(s, a->bytes))
		return false;
	*bitlen = -1;
	return true;
}

/* iproute2's mask2bits(): the length of a contiguous dotted netmask. */
static int
mask_bits(const uint8_t m[4])
{
	uint32_t mask = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	uint32_t host = ~mask;
	int bits = 0;

	if ((host & (host + 1)) != 0)
		return -1;
	for (; mask != 0; mask <<= 1)
		bits++;
	return bits;
}

/* iproute2's get_prefix_1(): "ADDR[/LEN]", LEN a number or a dotted
 * netmask.  s is modified temporarily. */
static bool
parse_prefix(char *s, int family, struct filter_addr *a)
{
	char *slash = strchr(s, '/');
	int bitlen, max;
	bool ok;

	if (slash != NULL)
		*slash = '\0';
	ok = parse_addr(s, family, a, &bitlen);
	if (slash != NULL)
		*slash = '/';
	if (!ok)
		return false;
	max = a->family == AF_INET ? 32 : a->family == AF_INET6 ? 128 : 0;
	if (slash != NULL) {
		unsigned int plen;
		struct filter_addr m;
		int mlen;

		if (bitlen == -2)
			return false;
		if (!parse_uint(slash + 1, &plen)) {
			if (!parse_addr(slash + 1, AF_INET, &m, &mlen) || m.family != AF_INET)
				return false;
			mlen = mask_bits(m.bytes);
			if (mlen < 0)
				return false;
			plen = (unsigned int)mlen;
		}
		if (plen > (unsigned int)max)
			return false;
		a->bitlen = (uint8_t)plen;
	} else {
		a->bitlen = bitlen == -2 ? 0 : (uint8_t)max;
	}
	return true;
}

static int
add_addr(struct parser *p, const struct filter_addr *a)
{
	struct filter *f = p->f;

	if (grow((void **)&f->addrs, &p->cap_addrs, f->n_addrs, sizeof(*f->addrs)) < 0) {
		fail_nomem(p);
		return -1;
	}
	f->addrs[f->n_addrs++] = *a;
	return 0;
}

/* Adds the addresses of one gethostbyname2_r() answer; returns how many. */
static int
add_host_family(struct parser *p, const char *name, int family, size_t *count)
{
	struct hostent he, *res = NULL;
	size_t buflen = 1024;
	char *buf = NULL;
	int herr = 0, rc;

	for (;;) {
		char *nb = realloc(buf, buflen);

		if (nb == NULL) {
			free(buf);
			fail_nomem(p);
			return -1;
		}
		buf = nb;
		rc = gethostbyname2_r(name, family, &he, buf, buflen, &res, &herr);
		if (rc != ERANGE || buflen >= 1u << 20)
			break;
		buflen *= 2;
	}
	if (rc == 0 && res != NULL && (res->h_addrtype == AF_INET || res->h_addrtype == AF_INET6)) {
		size_t len = res->h_addrtype == AF_INET ? 4 : 16;

		for (char **ap = res->h_addr_list; *ap != NULL && *count < FILTER_MAX_HOST_ADDRS;
		     ap++) {
			struct filter_addr a = {.family = (uint8_t)res->h_addrtype,
						.bitlen = (uint8_t)(len * 8)};

			memcpy(a.bytes, *ap, len);
			if (add_addr(p, &a) < 0) {
				free(buf);
				return -1;
			}
			(*count)++;
		}
	}
	free(buf);
	return 0;
}

/* ss's get_dns_host(): the IPv4 addresses, then the IPv6 ones (only those
 * of the family when one is in force).  Returns the count, 0 when unknown,
 * -1 on ENOMEM. */
static int
add_host(struct parser *p, const char *name, int family)
{
	size_t count = 0;

	if (family != AF_INET6 && add_host_family(p, name, AF_INET, &count) < 0)
		return -1;
	if (family != AF_INET && add_host_family(p, name, AF_INET6, &count) < 0)
		return -1;
	return (int)count;
}

/* A port as ss reads it: a number (any int, base 0) or a TCP service. */
static bool
parse_port(struct parser *p, const char *s, int *port)
{
	struct servent se, *res = NULL;
	char buf[1024];

	if (parse_int(s, port))
		return true;
	if (p->opts->flags & FILTER_PARSE_NO_SERVICES)
		return false;
	if (getservbyname_r(s, "tcp", &se, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	*port = ntohs((uint16_t)res->s_port);
	return true;
}

static void
note_port(struct parser *p, int port)
{
	if (port != -1 && (port < 0 || port > 65535) && !p->odd_port_seen) {
		p->odd_port_seen = true;
		p->odd_port = port;
	}
}

/* Counts ':' in s. */
static size_t
colons(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == ':';
	return n;
}

/* Explains an address that did not parse: a bare IPv6 address, which ss
 * cannot read (it takes the text after the last ':' as the port, so "::1"
 * is ":" port 1), or an address of the other family after "inet:" or
 * "inet6:" (which stay in force for later addresses, as in ss). */
static void
fail_address(struct parser *p, const struct filter_token *t, char *addr, int family)
{
	struct filter_addr a;

	if (strchr(t->text, '[') == NULL && strchr(t->text, '/') == NULL && colons(t->text) >= 2)
		fail(p, t->offset,
		     "'%s' is not an address: write IPv6 addresses in brackets, like '[::1]' "
		     "or '[::1]:22'",
		     t->text);
	else if (family != AF_UNSPEC && parse_prefix(addr, AF_UNSPEC, &a) && a.family != family)
		fail(p, t->offset,
		     "'%s' is an IPv%c address, but an 'inet%s:' prefix limits the filter to "
		     "IPv%c, as in ss",
		     addr, family == AF_INET ? '6' : '4', family == AF_INET ? "" : "6",
		     family == AF_INET ? '4' : '6');
	else if (p->opts->flags & FILTER_PARSE_NO_HOSTS)
		fail(p, t->offset, "'%s' is not an address or prefix", addr);
	else
		fail(p, t->offset, "'%s' is not an address, prefix or known host", addr);
}

/*
 * ss's parse_hostcond() for the inet families: "[inet:|inet6:]ADDR[:PORT]"
 * with ADDR a prefix, "[IPV6]", "*" or a host name; for ports (is_port) the
 * whole word is the port.  Appends the addresses (*first, *count) and sets
 * *port (-1: any).  Returns false after fail().
 */
static bool
read_hostcond(struct parser *p, const struct filter_token *t, bool is_port, int *port,
	      uint32_t *first, uint32_t *count)
{
	static const char *const foreign[] = {"unix:", "link:", "netlink:", "vsock:"};
	char *word = strdup(t->text);
	char *addr, *port_text = NULL;
	int family = p->family;
	bool ok = false;

	*port = -1;
	*first = (uint32_t)p->f->n_addrs;
	*count = 0;
	if (word == NULL) {
		fail_nomem(p);
		return false;
	}
	addr = word;
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		if (strncmp(addr, foreign[i], strlen(foreign[i])) == 0) {
			fail(p, t->offset, "'%s' is not a TCP address", t->text);
			goto out;
		}
	}
	if (strncmp(addr, "inet:", 5) == 0) {
		family = AF_INET;
		addr += 5;
	} else if (strncmp(addr, "inet6:", 6) == 0) {
		family = AF_INET6;
		addr += 6;
	}

	if (addr[0] == '[') {
		addr++;
		port_text = strchr(addr, ']');
		if (port_text == NULL) {
			fail(p, t->offset, "missing ']' in '%s'", t->text);
			goto out;
		}
		*port_text++ = '\0';
	} else if (addr[0] == '*') {
		port_text = addr + 1;
	} else {
		char *slash = strchr(addr, '/');

		port_text = strrchr(slash != NULL ? slash : addr, ':');
	}
	if (is_port)
		port_text = addr;
	if (port_text != NULL && *port_text != '\0') {
		if (*port_text == ':')
			*port_text++ = '\0';
		if (*port_text != '\0' && *port_text != '*' && !parse_port(p, port_text, port)) {
			if (is_port)
				fail(p, t->offset, "'%s' is not a port number or TCP service", t->text);
			else if (strchr(t->text, '[') == NULL && colons(t->text) >= 2)
				fail_address(p, t, addr, family);
			else
				fail(p, t->offset, "'%s' does not end in a port number or TCP service",
				     t->text);
			goto out;
		}
		note_port(p, *port);
	}
	if (!is_port && *addr != '\0' && *addr != '*') {
		struct filter_addr a;

		if (parse_prefix(addr, family, &a)) {
			if (add_addr(p, &a) < 0)
				goto out;
			*count = 1;
		} else if (p->opts->flags & FILTER_PARSE_NO_HOSTS) {
			fail_address(p, t, addr, family);
			goto out;
		} else {
			int n = add_host(p, addr, family);

			if (n < 0)
				goto out;
			if (n == 0) {
				fail_address(p, t, addr, family);
				goto out;
			}
			*count = (uint32_t)n;
			if (n > 1)
				p->host_many = true;
		}
	}
	/* ss narrows the families whenever one is in force, and keeps it for
	 * the addresses that follow. */
	p->family = family;
	ok = true;
out:
	free(word);
	return ok;
}

/* ss's parse_devcond(): an interface name, "ifN", or a number (base 0). */
static bool
parse_device(struct parser *p, const char *name, uint32_t *index)
{
	unsigned int n;

	if (!(p->opts->flags & FILTER_PARSE_NO_DEVICES)) {
		n = if_nametoindex(name);
		if (n != 0) {
			*index = n;
			return true;
		}
	}
	if (sscanf(name, "if%u", &n) == 1 && n != 0) {
		*index = n;
		return true;
	}
	if (!parse_uint(name, &n))
		return false;
	*index = n;
	return true;
}

static bool
starts_condition(enum filter_tok_kind k)
{
	switch (k) {
	case FILTER_TOK_LPAREN:
	case FILTER_TOK_NOT:
	case FILTER_TOK_SRC:
	case FILTER_TOK_DST:
	case FILTER_TOK_SPORT:
	case FILTER_TOK_DPORT:
	case FILTER_TOK_DEV:
	case FILTER_TOK_FWMARK:
	case FILTER_TOK_CGROUP:
	case FILTER_TOK_AUTOBOUND:
	case FILTER_TOK_NETNS:
		return true;
	default:
		return false;
	}
}

static bool
is_comparison(enum filter_tok_kind k)
{
	return k == FILTER_TOK_EQ || k == FILTER_TOK_NEQ || k == FILTER_TOK_LT ||
	       k == FILTER_TOK_GT || k == FILTER_TOK_LE || k == FILTER_TOK_GE;
}

/* Explains a word that cannot start a condition. */
static void
fail_unexpected(struct parser *p, const struct filter_token *t)
{
	size_t len = strlen(t->text);

	if (t->kind == FILTER_TOK_END)
		fail(p, t->offset, "expected a condition at the end");
	else if (is_state_word(t))
		fail(p, t->offset, "'%s' must come before the conditions, as in ss", t->text);
	else if (t->kind == FILTER_TOK_WORD && len > 1 &&
		 (t->text[0] == '(' || t->text[len - 1] == ')'))
		fail(p, t->offset, "unexpected '%s': put spaces around parentheses", t->text);
	else if (t->kind == FILTER_TOK_WORD && len > 1 && t->text[0] == '!')
		fail(p, t->offset, "unexpected '%s': put a space after '!'", t->text);
	else if (t->kind == FILTER_TOK_WORD)
		fail(p, t->offset, "unexpected '%s' (expected src, dst, sport, dport, dev, "
			"autobound, netns, not or '(')", t->text);
	else
		fail(p, t->offset, "unexpected '%s'", t->text);
}

static uint32_t parse_list(struct parser *p);

/* One condition: ss's "expr" rule. */
static uint32_t
parse_condition(struct parser *p)
{
	const struct filter_token *t = next(p);
	const struct filter_token *op, *arg;
	uint32_t node, first, count;
	int port = -1;

	switch (t->kind) {
	case FILTER_TOK_LPAREN:
		if (++p->depth > FILTER_MAX_DEPTH) {
			fail(p, t->offset, "parentheses and 'not' nest too deeply");
			return UINT32_MAX;
		}
		if (peek(p)->kind == FILTER_TOK_RPAREN) {
			fail(p, peek(p)->offset, "expected a condition after '('");
			return UINT32_MAX;
		}
		node = parse_list(p);
		if (node == UINT32_MAX)
			return UINT32_MAX;
		if (peek(p)->kind != FILTER_TOK_RPAREN) {
			if (peek(p)->kind == FILTER_TOK_END)
				fail(p, t->offset, "missing ')' for this '('");
			else
				fail_unexpected(p, peek(p));
			return UINT32_MAX;
		}
		next(p);
		p->depth--;
		return node;

	case FILTER_TOK_NOT:
		if (++p->depth > FILTER_MAX_DEPTH) {
			fail(p, t->offset, "parentheses and 'not' nest too deeply");
			return UINT32_MAX;
		}
		if (!starts_condition(peek(p)->kind)) {
			if (peek(p)->kind == FILTER_TOK_END)
				fail(p, peek(p)->offset, "expected a condition after '%s'", t->text);
			else
				fail_unexpected(p, peek(p));
			return UINT32_MAX;
		}
		node = add_not(p, parse_condition(p));
		p->depth--;
		return node;

	case FILTER_TOK_SRC:
	case FILTER_TOK_DST:
		op = peek(p);
		if (op->kind == FILTER_TOK_EQ)
			next(p);
		else if (is_comparison(op->kind)) {
			fail(p, op->offset, "'%s' takes only '=' (ss has no '%s' for addresses); "
				"write 'not %s ...' or compare sport/dport", t->text, op->text, t->text);
			return UINT32_MAX;
		}
		arg = next(p);
		if (arg->kind != FILTER_TOK_WORD) {
			fail(p, arg->offset, "expected an address after '%s'", t->text);
			return UINT32_MAX;
		}
		if (!read_hostcond(p, arg, false, &port, &first, &count))
			return UINT32_MAX;
		return add_node(p, t->kind == FILTER_TOK_SRC ? FILTER_N_SRC : FILTER_N_DST, port,
				first, count);

	case FILTER_TOK_SPORT:
	case FILTER_TOK_DPORT: {
		bool local = t->kind == FILTER_TOK_SPORT;
		enum filter_tok_kind cmp = FILTER_TOK_EQ;

		op = peek(p);
		if (is_comparison(op->kind)) {
			cmp = op->kind;
			next(p);
		} else {
			op = NULL;
		}
		arg = next(p);
		if (arg->kind != FILTER_TOK_WORD) {
			if (op != NULL)
				fail(p, arg->offset, "expected a port after '%s %s'", t->text, op->text);
			else
				fail(p, arg->offset, "expected a port after '%s'", t->text);
			return UINT32_MAX;
		}
		if (!read_hostcond(p, arg, true, &port, &first, &count))
			return UINT32_MAX;
		switch (cmp) {
		case FILTER_TOK_EQ:
			return add_node(p, local ? FILTER_N_SRC : FILTER_N_DST, port, first, 0);
		case FILTER_TOK_NEQ:
			return add_not(p, add_node(p, local ? FILTER_N_SRC : FILTER_N_DST, port, first, 0));
		case FILTER_TOK_GE:
			return add_node(p, local ? FILTER_N_SPORT_GE : FILTER_N_DPORT_GE, port, 0, 0);
		case FILTER_TOK_LE:
			return add_node(p, local ? FILTER_N_SPORT_LE : FILTER_N_DPORT_LE, port, 0, 0);
		case FILTER_TOK_GT: /* ss: not (port <= N) */
			return add_not(p, add_node(p, local ? FILTER_N_SPORT_LE : FILTER_N_DPORT_LE,
						  port, 0, 0));
		case FILTER_TOK_LT: /* ss: not (port >= N) */
			return add_not(p, add_node(p, local ? FILTER_N_SPORT_GE : FILTER_N_DPORT_GE,
						  port, 0, 0));
		default:
			return UINT32_MAX;
		}
	}

	case FILTER_TOK_DEV: {
		bool negate = false;
		uint32_t index;

		op = peek(p);
		if (op->kind == FILTER_TOK_EQ) {
			next(p);
		} else if (op->kind == FILTER_TOK_NEQ) {
			negate = true;
			next(p);
		} else if (is_comparison(op->kind)) {
			fail(p, op->offset, "'dev' takes only '=' or '!='");
			return UINT32_MAX;
		}
		arg = next(p);
		if (arg->kind != FILTER_TOK_WORD) {
			fail(p, arg->offset, "expected an interface after 'dev'");
			return UINT32_MAX;
		}
		if (!parse_device(p, arg->text, &index)) {
			fail(p, arg->offset, "unknown interface '%s'", arg->text);
			return UINT32_MAX;
		}
		p->has_dev = true;
		node = add_node(p, FILTER_N_DEV, -1, index, 0);
		return negate ? add_not(p, node) : node;
	}

	case FILTER_TOK_AUTOBOUND:
		p->has_autobound = true;
		return add_node(p, FILTER_N_AUTOBOUND, -1, 0, 0);

	case FILTER_TOK_NETNS: {
		/* tcpdeck's own: ss sees one namespace and has no such word. */
		bool negate = false;
		unsigned int inode;

		op = peek(p);
		if (op->kind == FILTER_TOK_EQ) {
			next(p);
		} else if (op->kind == FILTER_TOK_NEQ) {
			negate = true;
			next(p);
		} else if (is_comparison(op->kind)) {
			fail(p, op->offset, "'netns' takes only '=' or '!='");
			return UINT32_MAX;
		}
		arg = next(p);
		if (arg->kind != FILTER_TOK_WORD) {
			fail(p, arg->offset, "expected a namespace inode after 'netns'");
			return UINT32_MAX;
		}
		if (!parse_uint(arg->text, &inode)) {
			fail(p, arg->offset,
			     "'%s' is not a network namespace inode (a number, as the namespaces "
			     "view and 'ls -L -i /proc/PID/ns/net' show)",
			     arg->text);
			return UINT32_MAX;
		}
		node = add_node(p, FILTER_N_NETNS, -1, inode, 0);
		return negate ? add_not(p, node) : node;
	}

	case FILTER_TOK_FWMARK:
		fail(p, t->offset, "'fwmark' is not supported: tcpdeck does not collect socket marks");
		return UINT32_MAX;
	case FILTER_TOK_CGROUP:
		fail(p, t->offset, "'cgroup' is not supported: tcpdeck does not collect cgroups");
		return UINT32_MAX;

	default:
		fail_unexpected(p, t);
		return UINT32_MAX;
	}
}

static int
push_item(struct parser *p, uint32_t node, enum filter_op op)
{
	if (grow((void **)&p->stack, &p->cap_stack, p->n_stack, sizeof(*p->stack)) < 0) {
		fail_nomem(p);
		return -1;
	}
	p->stack[p->n_stack++] = (struct filter_item){.node = node, .op = (uint8_t)op};
	return 0;
}

/* ss's "exprlist": conditions joined by and, or or nothing (and), folded
 * left to right.  Stops before ')' and the end. */
static uint32_t
parse_list(struct parser *p)
{
	size_t base = p->n_stack, count;
	bool seen_and = false, seen_or = false;
	struct filter *f = p->f;
	uint32_t node;

	node = parse_condition(p);
	if (node == UINT32_MAX || push_item(p, node, FILTER_OP_AND) < 0)
		return UINT32_MAX;
	for (;;) {
		const struct filter_token *t = peek(p);
		enum filter_op op;

		if (t->kind == FILTER_TOK_AND || t->kind == FILTER_TOK_OR) {
			op = t->kind == FILTER_TOK_AND ? FILTER_OP_AND : FILTER_OP_OR;
			next(p);
			if (!starts_condition(peek(p)->kind)) {
				if (peek(p)->kind == FILTER_TOK_END)
					fail(p, peek(p)->offset, "expected a condition after '%s'",
					     t->text);
				else
					fail_unexpected(p, peek(p));
				return UINT32_MAX;
			}
		} else if (starts_condition(t->kind)) {
			op = FILTER_OP_AND;
		} else {
			break;
		}
		if (op == FILTER_OP_AND)
			seen_and = true;
		else
			seen_or = true;
		node = parse_condition(p);
		if (node == UINT32_MAX || push_item(p, node, op) < 0)
			return UINT32_MAX;
	}
	if (seen_and && seen_or)
		p->mixed_and_or = true;

	count = p->n_stack - base;
	if (count == 1) {
		p->n_stack = base;
		return node;
	}
	if (f->n_items + count < f->n_items) {
		fail_nomem(p);
		return UINT32_MAX;
	}
	while (p->cap_items < f->n_items + count) {
		if (grow((void **)&f->items, &p->cap_items, p->cap_items, sizeof(*f->items)) < 0) {
			fail_nomem(p);
			return UINT32_MAX;
		}
	}
	memcpy(f->items + f->n_items, p->stack + base, count * sizeof(*p->stack));
	node = add_node(p, FILTER_N_LIST, -1, (uint32_t)f->n_items, (uint32_t)count);
	f->n_items += count;
	p->n_stack = base;
	return node;
}

/* ss's fallback is 1024-4999 when the sysctl cannot be read. */
static void
read_ephemeral_range(uint16_t *low, uint16_t *high)
{
	FILE *file = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	unsigned int lo = 0, hi = 0;

	*low = 1024;
	*high = 4999;
	if (file == NULL)
		return;
	if (fscanf(file, "%u %u", &lo, &hi) == 2 && lo > 0 && lo <= 65535 && hi <= 65535) {
		*low = (uint16_t)lo;
		*high = (uint16_t)hi;
	}
	fclose(file);
}

static void
choose_hint(struct parser *p)
{
	struct filter *f = p->f;

	if (p->mixed_and_or)
		f->hint = hint_mixed;
	else if (p->no_state_left)
		f->hint = hint_no_state;
	else if (p->odd_port_seen) {
		snprintf(f->hint_buf, sizeof(f->hint_buf),
			 "port %d is outside 0-65535; ss matches it oddly (the kernel keeps only "
			 "its low 16 bits), and so does tcpdeck",
			 p->odd_port);
		f->hint = f->hint_buf;
	} else if (p->host_many) {
		snprintf(f->hint_buf, sizeof(f->hint_buf),
			 "a host name with several addresses matches only its first one, but "
			 "'not' excludes all of them, as in ss");
		f->hint = f->hint_buf;
	}
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	free(f->text);
	free(f->nodes);
	free(f->items);
	free(f->addrs);
	free(f);
}

struct filter *
filter_parse_with(const char *expr, const struct filter_parse_options *opts, char **error,
		  size_t *error_pos)
{
	static const struct filter_parse_options defaults;
	struct parser p = {.opts = opts != NULL ? opts : &defaults, .family = AF_UNSPEC};
	struct filter *f;

	if (error != NULL)
		*error = NULL;
	if (error_pos != NULL)
		*error_pos = 0;
	if (expr == NULL)
		expr = "";
	f = calloc(1, sizeof(*f));
	if (f == NULL || (f->text = strdup(expr)) == NULL) {
		free(f);
		if (error != NULL)
			*error = strdup("filter: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	p.f = f;
	if (filter_lex(expr, &p.toks, error, error_pos) < 0) {
		filter_free(f);
		return NULL;
	}

	parse_states(&p);
	if (!p.failed && peek(&p)->kind != FILTER_TOK_END) {
		uint32_t root = parse_list(&p);

		if (!p.failed && peek(&p)->kind != FILTER_TOK_END)
			fail_unexpected(&p, peek(&p));
		f->root = root;
		f->has_expr = true;
	}
	filter_tokens_free(&p.toks);
	free(p.stack);
	if (p.failed) {
		if (error != NULL)
			*error = p.error;
		else
			free(p.error);
		if (error_pos != NULL)
			*error_pos = p.error_pos;
		filter_free(f);
		return NULL;
	}

	f->families = p.family == AF_INET    ? FILTER_FAMILY_V4
		      : p.family == AF_INET6 ? FILTER_FAMILY_V6
					     : FILTER_FAMILY_V4 | FILTER_FAMILY_V6;
	/* ss 6.1 cannot compile "dev" to bytecode and then sends none. */
	f->kernel_half = f->has_expr && !p.has_dev;
	if (p.opts->ephemeral_low != 0 || p.opts->ephemeral_high != 0) {
		f->ephemeral_low = p.opts->ephemeral_low;
		f->ephemeral_high = p.opts->ephemeral_high;
	} else if (p.has_autobound) {
		read_ephemeral_range(&f->ephemeral_low, &f->ephemeral_high);
	}
	choose_hint(&p);
	return f;
}

struct filter *
filter_parse(const char *expr, char **error, size_t *error_pos)
{
	return filter_parse_with(expr, NULL, error, error_pos);
}

uint32_t
filter_state_mask(const struct filter *f)
{
	return f == NULL ? ALL_TCP_STATES : f->states;
}

const char *
filter_hint(const struct filter *f)
{
	return f == NULL ? NULL : f->hint;
}

bool
filter_netns_only(const struct filter *f, uint32_t *inode)
{
	const struct filter_node *root;

	if (f == NULL || !f->has_expr)
		return false;
	root = &f->nodes[f->root];
	if (root->kind == FILTER_N_NETNS) {
		*inode = root->a;
		return true;
	}
	if (root->kind != FILTER_N_LIST)
		return false;
	/* ((c0 op1 c1) op2 c2)...: the result needs its last condition when
	 * that is joined with "and", and then the fold before it too; an
	 * "or" lets anything before it through. */
	for (uint32_t k = root->b; k-- > 0;) {
		const struct filter_item *it = &f->items[root->a + k];
		const struct filter_node *n = &f->nodes[it->node];

		if (k > 0 && it->op != FILTER_OP_AND)
			return false;
		if (n->kind == FILTER_N_NETNS) {
			*inode = n->a;
			return true;
		}
	}
	return false;
}

const char *
filter_text(const struct filter *f)
{
	return f == NULL ? "" : f->text;
}

char *
filter_join_args(int argc, char **argv)
{
	size_t len = 1;
	char *out, *o;

	for (int i = 0; i < argc; i++)
		len += 2 * strlen(argv[i]) + 1;
	out = malloc(len);
	if (out == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	o = out;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			*o++ = ' ';
		for (const char *s = argv[i]; *s != '\0'; s++) {
			/* ss sees quotes and line breaks in an argv word as
			 * ordinary characters; filter_lex() would not. */
			if (*s == '\'' || *s == '"' || *s == '\n' || *s == '\r' ||
			    (*s == '#' && o == out))
				*o++ = '\\';
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

const char *
filter_state_word(size_t i)
{
	return i < sizeof(state_names) / sizeof(state_names[0]) ? state_names[i].name : NULL;
}
