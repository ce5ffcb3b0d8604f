/*
 * filter_eval.c - decides whether a socket passes a parsed filter.
 *
 * Responsible for: ss's two evaluations of one expression.  ss 6.1 sends
 * the expression to the kernel as inet_diag bytecode (net/ipv4/inet_diag.c,
 * inet_diag_bc_run) and runs it again in user space (misc/ss.c,
 * run_ssfilter) on what comes back; a socket is printed only when both
 * accept it.  The rules differ at the leaves, so every leaf here has a
 * kernel and a user-space form; and, or and not are the same in both.
 * Pure; any thread, concurrently on one filter.  Must not: allocate, print,
 * look anything up.  Recursion follows parentheses and "not", bounded at
 * parse time.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "filter_internal.h"
#include "sock_entry.h"
#include "tcp_state.h"

/* The first bits of a and b are equal (both in network order). */
static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[bytes] ^ b[bytes]) & mask)
			return false;
	}
	return true;
}

/* ::ffff:a.b.c.d */
static bool
is_v4_mapped(const uint8_t *addr)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

/*
 * The kernel's S_COND/D_COND: the port, then the address family (an IPv4
 * condition also accepts IPv4-mapped IPv6 sockets, nothing else crosses
 * families), then the prefix.  ss compiles a host name's addresses as
 * copies of the first one, so only that one counts here.
 */
static bool
kernel_hostcond(const struct filter *f, const struct filter_node *n, const uint8_t *addr,
		uint16_t port, const struct sock_entry *e)
{
	static const struct filter_addr none;
	const struct filter_addr *a = n->b > 0 ? &f->addrs[n->a] : &none;

	if (n->port != -1 && n->port != (int32_t)port)
		return false;
	if (a->family != 0 && a->family != e->family) {
		return e->family == AF_INET6 && a->family == AF_INET && is_v4_mapped(addr) &&
		       prefix_equal(addr + 12, a->bytes, a->bitlen);
	}
	return a->bitlen == 0 || prefix_equal(addr, a->bytes, a->bitlen);
}

/*
 * ss's run_ssfilter() SCOND/DCOND: the port, then any of the addresses by
 * bits alone, without a family check (an IPv4 socket is its address
 * followed by zeros); an IPv4 condition that fails that way is tried again
 * on the IPv4 part of a mapped address.
 */
static bool
user_hostcond(const struct filter *f, const struct filter_node *n, const uint8_t *addr,
	      uint16_t port, const struct sock_entry *e)
{
	if (n->port != -1 && n->port != (int32_t)port)
		return false;
	if (n->b == 0 || f->addrs[n->a].bitlen == 0)
		return true;
	for (uint32_t i = 0; i < n->b; i++) {
		const struct filter_addr *a = &f->addrs[n->a + i];

		if (prefix_equal(addr, a->bytes, a->bitlen))
			return true;
		if (a->family == AF_INET && e->family == AF_INET6 && is_v4_mapped(addr) &&
		    prefix_equal(addr + 12, a->bytes, a->bitlen))
			return true;
	}
	return false;
}

static bool
ephemeral(const struct filter *f, uint16_t port)
{
	return port >= f->ephemeral_low && port <= f->ephemeral_high;
}

/*
 * The kernel's INET_DIAG_BC_AUTO is "no SOCK_BINDPORT_LOCK", which sock_diag
 * does not report.  Time-wait and request sockets carry no locks at all,
 * accepted sockets do not inherit their listener's, and connected sockets
 * rarely bind a port, so all of those count as unlocked.  Listening and
 * bound-only sockets hold the lock when the user chose the port: guessed
 * from the port lying outside the ephemeral range.
 */
static bool
kernel_autobound(const struct filter *f, const struct sock_entry *e)
{
	if (e->state == TCP_STATE_LISTEN || e->state == TCP_STATE_CLOSE)
		return ephemeral(f, e->local_port);
	return true;
}

bool
filter_eval_node(const struct filter *f, uint32_t idx, const struct sock_entry *e, bool kernel)
{
	const struct filter_node *n = &f->nodes[idx];
	bool r;

	switch (n->kind) {
	case FILTER_N_LIST:
		r = filter_eval_node(f, f->items[n->a].node, e, kernel);
		for (uint32_t i = 1; i < n->b; i++) {
			const struct filter_item *it = &f->items[n->a + i];

			if (it->op == FILTER_OP_AND)
				r = r && filter_eval_node(f, it->node, e, kernel);
			else
				r = r || filter_eval_node(f, it->node, e, kernel);
		}
		return r;
	case FILTER_N_NOT:
		return !filter_eval_node(f, n->a, e, kernel);
	case FILTER_N_SRC:
		return kernel ? kernel_hostcond(f, n, e->local_addr, e->local_port, e)
			      : user_hostcond(f, n, e->local_addr, e->local_port, e);
	case FILTER_N_DST:
		return kernel ? kernel_hostcond(f, n, e->remote_addr, e->remote_port, e)
			      : user_hostcond(f, n, e->remote_addr, e->remote_port, e);
	/* The kernel reads the bound from a 16-bit field; ss compares ints. */
	case FILTER_N_SPORT_GE:
		return kernel ? e->local_port >= (uint16_t)n->port : (int32_t)e->local_port >= n->port;
	case FILTER_N_SPORT_LE:
		return kernel ? e->local_port <= (uint16_t)n->port : (int32_t)e->local_port <= n->port;
	case FILTER_N_DPORT_GE:
		return kernel ? e->remote_port >= (uint16_t)n->port
			      : (int32_t)e->remote_port >= n->port;
	case FILTER_N_DPORT_LE:
		return kernel ? e->remote_port <= (uint16_t)n->port
			      : (int32_t)e->remote_port <= n->port;
	case FILTER_N_DEV:
		/* Never reached with kernel set: ss sends no bytecode then. */
		return kernel || e->ifindex == n->a;
	case FILTER_N_AUTOBOUND:
		return kernel ? kernel_autobound(f, e) : ephemeral(f, e->local_port);
	case FILTER_N_NETNS:
		/* No kernel program can say it (filter_bytecode.c sends none),
		 * so both halves judge it by the entry. */
		return e->netns == n->a;
	default:
		return false;
	}
}

bool
filter_match(const struct filter *f, const struct sock_entry *e)
{
	uint8_t family_bit;

	if (f == NULL)
		return true;
	if (e->state >= TCP_STATE_COUNT || !(f->states & (1u << e->state)))
		return false;
	family_bit = e->family == AF_INET    ? FILTER_FAMILY_V4
		     : e->family == AF_INET6 ? FILTER_FAMILY_V6
					     : 0;
	if (!(f->families & family_bit))
		return false;
	if (!f->has_expr)
		return true;
	if (f->kernel_half && !filter_eval_node(f, f->root, e, true))
		return false;
	return filter_eval_node(f, f->root, e, false);
}

bool
filter_selects(const void *filter, const struct sock_entry *e)
{
	return filter_match(filter, e);
}
