/*
 * filter_bytecode.c - compiles a parsed filter to inet_diag bytecode.
 *
 * Responsible for: the program the kernel runs on every socket of a dump
 * (net/ipv4/inet_diag.c, inet_diag_bc_run), written to accept exactly what
 * filter_eval_node(kernel = true) accepts, and the request's state mask.
 * Pure; any thread.  Must not: print, look anything up, decide anything
 * the user-space check does not check again.
 *
 * How the kernel runs a program of len bytes: each op is tested, then
 * execution moves forward by op->yes bytes when the test holds and by
 * op->no bytes when it does not; JMP's test never holds.  The socket is
 * accepted when execution stops exactly at len, rejected when it stops
 * beyond.  The kernel's audit (inet_diag_bc_audit) follows the yes offsets
 * only, so every yes offset here is the op's own length, and every no
 * offset lands on an op boundary, at len (accept) or at len + 4 (reject).
 *
 * Every program built here keeps to one shape, as ss's compiler does: it
 * accepts by running off its end and rejects by jumping 4 bytes past its
 * end.  Pieces then combine without knowing each other's insides:
 *   a and b:  A B            A's rejects are moved on by len(B)
 *   a or b:   A JMP(L) B     A's rejects land on B; JMP skips B to accept
 *   not a:    A JMP(8)       A's accept reaches JMP, which rejects; A's
 *                            reject lands just past JMP, the end: accept
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>

#include "filter_bytecode.h"
#include "filter_internal.h"
#include "sock_entry.h"
#include "tcp_state.h"

struct program {
	uint8_t *code;
	size_t len;
	size_t cap;
	bool refused; /* something the kernel cannot judge as tcpdeck does */
	bool nomem;
};

/* Reserves n bytes at the end; NULL when the program is already too long
 * (refused) or memory ran out. */
static uint8_t *
program_grow(struct program *p, size_t n)
{
	uint8_t *at;

	if (p->refused || p->nomem)
		return NULL;
	if (p->len + n > FILTER_BYTECODE_MAX_LEN) {
		p->refused = true;
		return NULL;
	}
	if (p->len + n > p->cap) {
		size_t cap = p->cap == 0 ? 256 : p->cap * 2;
		uint8_t *code;

		while (cap < p->len + n)
			cap *= 2;
		code = realloc(p->code, cap);
		if (code == NULL) {
			p->nomem = true;
			return NULL;
		}
		p->code = code;
		p->cap = cap;
	}
	at = p->code + p->len;
	memset(at, 0, n);
	p->len += n;
	return at;
}

/* Appends one op; its yes offset is its own length (header plus payload). */
static uint8_t *
program_op(struct program *p, uint8_t code, size_t payload, size_t no)
{
	struct inet_diag_bc_op op = {
		.code = code,
		.yes = (uint8_t)(sizeof(op) + payload),
		.no = (uint16_t)no,
	};
	uint8_t *at = program_grow(p, sizeof(op) + payload);

	if (at == NULL)
		return NULL;
	memcpy(at, &op, sizeof(op));
	return at + sizeof(op);
}

/*
 * S_COND / D_COND: the port (-1: any), then the family (0: any), then the
 * first prefix bits of the address.  Only the first address of a host
 * name counts, as in the kernel half of filter_eval.c.  An op of its own,
 * so reject is op length + 4.
 */
static void
emit_hostcond(struct program *p, const struct filter *f, const struct filter_node *n,
	      uint8_t code)
{
	static const struct filter_addr none;
	const struct filter_addr *a = n->b > 0 ? &f->addrs[n->a] : &none;
	size_t alen = a->family == AF_INET6 ? 16 : a->family == AF_INET ? 4 : 0;
	struct inet_diag_hostcond cond;
	size_t payload = sizeof(cond) + alen;
	uint8_t *at = program_op(p, code, payload, sizeof(struct inet_diag_bc_op) + payload + 4);

	if (at == NULL)
		return;
	/* memset: the padding after prefix_len goes out as zeros, so equal
	 * filters give equal programs. */
	memset(&cond, 0, sizeof(cond));
	cond.family = a->family;
	cond.prefix_len = a->bitlen;
	cond.port = n->port;
	memcpy(at, &cond, sizeof(cond));
	memcpy(at + sizeof(cond), a->bytes, alen);
}

/*
 * S_GE and the others: the bound sits in the next op's no field, 16 bits
 * wide, so the kernel compares the port with the bound's low 16 bits.
 */
static void
emit_port_compare(struct program *p, uint8_t code, int32_t port)
{
	struct inet_diag_bc_op bound = {.no = (uint16_t)port};
	uint8_t *at = program_op(p, code, sizeof(bound), 2 * sizeof(bound) + 4);

	if (at != NULL)
		memcpy(at, &bound, sizeof(bound));
}

/* Moves every reject of the program at [start, start + len) - a no offset
 * that lands 4 bytes past its end - on by reloc bytes.  Walks the ops by
 * their yes offsets, which are their lengths. */
static void
patch_rejects(struct program *p, size_t start, size_t len, size_t reloc)
{
	size_t off = start, end = start + len;

	while (off < end) {
		struct inet_diag_bc_op op;

		memcpy(&op, p->code + off, sizeof(op));
		if ((size_t)op.no == end - off + 4) {
			op.no = (uint16_t)(op.no + reloc);
			memcpy(p->code + off, &op, sizeof(op));
		}
		off += op.yes;
	}
}

static void compile_node(struct program *p, const struct filter *f, uint32_t idx);

/* ((c0 op1 c1) op2 c2)...: each step combines the program so far, which
 * starts at start, with the next item. */
static void
compile_list(struct program *p, const struct filter *f, const struct filter_node *n)
{
	size_t start = p->len;

	compile_node(p, f, f->items[n->a].node);
	for (uint32_t i = 1; i < n->b && !p->refused && !p->nomem; i++) {
		const struct filter_item *it = &f->items[n->a + i];
		size_t left = p->len - start, jmp = p->len, right;

		if (it->op == FILTER_OP_AND) {
			compile_node(p, f, it->node);
			if (p->refused || p->nomem)
				return;
			patch_rejects(p, start, left, p->len - start - left);
			continue;
		}
		if (program_op(p, INET_DIAG_BC_JMP, 0, 0) == NULL)
			return;
		compile_node(p, f, it->node);
		if (p->refused || p->nomem)
			return;
		right = p->len - jmp - sizeof(struct inet_diag_bc_op);
		/* Taken always: over the right side, to the end (accept). */
		{
			struct inet_diag_bc_op op = {
				.code = INET_DIAG_BC_JMP,
				.yes = sizeof(op),
				.no = (uint16_t)(right + sizeof(op)),
			};

			memcpy(p->code + jmp, &op, sizeof(op));
		}
	}
}

static void
compile_node(struct program *p, const struct filter *f, uint32_t idx)
{
	const struct filter_node *n = &f->nodes[idx];

	if (p->refused || p->nomem)
		return;
	switch (n->kind) {
	case FILTER_N_LIST:
		compile_list(p, f, n);
		return;
	case FILTER_N_NOT:
		compile_node(p, f, n->a);
		/* Reached on accept: jump to reject (its end + 4). */
		(void)program_op(p, INET_DIAG_BC_JMP, 0, 2 * sizeof(struct inet_diag_bc_op));
		return;
	case FILTER_N_SRC:
		emit_hostcond(p, f, n, INET_DIAG_BC_S_COND);
		return;
	case FILTER_N_DST:
		emit_hostcond(p, f, n, INET_DIAG_BC_D_COND);
		return;
	case FILTER_N_SPORT_GE:
		emit_port_compare(p, INET_DIAG_BC_S_GE, n->port);
		return;
	case FILTER_N_SPORT_LE:
		emit_port_compare(p, INET_DIAG_BC_S_LE, n->port);
		return;
	case FILTER_N_DPORT_GE:
		emit_port_compare(p, INET_DIAG_BC_D_GE, n->port);
		return;
	case FILTER_N_DPORT_LE:
		emit_port_compare(p, INET_DIAG_BC_D_LE, n->port);
		return;
	case FILTER_N_DEV:       /* ss sends no program with "dev" */
	case FILTER_N_AUTOBOUND: /* the kernel reads a lock tcpdeck cannot see */
	case FILTER_N_NETNS:     /* a dump sees one namespace and cannot test it:
				  * no program, the dump is a superset */
	default:
		p->refused = true;
		return;
	}
}

int
filter_bytecode_build(const struct filter *f, void **bc, size_t *len)
{
	struct program p = {0};

	*bc = NULL;
	*len = 0;
	if (f == NULL || !f->has_expr || !f->kernel_half)
		return 0;
	compile_node(&p, f, f->root);
	if (p.nomem) {
		free(p.code);
		errno = ENOMEM;
		return -1;
	}
	if (p.refused || p.len == 0) {
		free(p.code);
		return 0;
	}
	*bc = p.code;
	*len = p.len;
	return 0;
}

/* Three-valued truth, for what holds whatever the unknown fields are. */
enum tri {
	TRI_NO,
	TRI_YES,
	TRI_MAYBE,
};

static enum tri
tri_of(bool b)
{
	return b ? TRI_YES : TRI_NO;
}

/*
 * Whether node idx accepts an unconnected socket of the family of
 * `unconnected` (remote address all zero, remote port 0) with the
 * kernel's or user space's rules, whatever its local end: conditions on
 * the remote end are decided on that entry, those on the local end (src,
 * sport, dev, autobound) are unknown.
 */
static enum tri
accepts_unconnected(const struct filter *f, uint32_t idx, const struct sock_entry *unconnected,
		    bool kernel)
{
	const struct filter_node *n = &f->nodes[idx];
	enum tri r, v;

	switch (n->kind) {
	case FILTER_N_LIST:
		r = accepts_unconnected(f, f->items[n->a].node, unconnected, kernel);
		for (uint32_t i = 1; i < n->b; i++) {
			const struct filter_item *it = &f->items[n->a + i];

			v = accepts_unconnected(f, it->node, unconnected, kernel);
			if (it->op == FILTER_OP_AND)
				r = r == TRI_NO || v == TRI_NO	    ? TRI_NO
				    : r == TRI_YES && v == TRI_YES ? TRI_YES
								   : TRI_MAYBE;
			else
				r = r == TRI_YES || v == TRI_YES  ? TRI_YES
				    : r == TRI_NO && v == TRI_NO ? TRI_NO
								 : TRI_MAYBE;
		}
		return r;
	case FILTER_N_NOT:
		v = accepts_unconnected(f, n->a, unconnected, kernel);
		return v == TRI_MAYBE ? TRI_MAYBE : tri_of(v == TRI_NO);
	case FILTER_N_DST:
	case FILTER_N_DPORT_GE:
	case FILTER_N_DPORT_LE:
		return tri_of(filter_eval_node(f, idx, unconnected, kernel));
	default:
		return TRI_MAYBE;
	}
}

/* Whether the filter can select a socket that is bound but not connected
 * (the kernel's BOUND_INACTIVE sockets, shown as CLOSE). */
static bool
can_select_unconnected(const struct filter *f)
{
	static const uint8_t families[2] = {AF_INET, AF_INET6};

	if (f == NULL || !f->has_expr)
		return true;
	for (int i = 0; i < 2; i++) {
		struct sock_entry e;

		memset(&e, 0, sizeof(e));
		e.family = families[i];
		e.state = TCP_STATE_CLOSE;
		if (f->kernel_half && accepts_unconnected(f, f->root, &e, true) == TRI_NO)
			continue;
		if (accepts_unconnected(f, f->root, &e, false) != TRI_NO)
			return true;
	}
	return false;
}

uint32_t
filter_bytecode_kernel_states(const struct filter *f)
{
	uint32_t mask = filter_state_mask(f), bits = 0;

	for (unsigned int k = 0; k < KERNEL_TCP_MAX_STATES; k++) {
		int s = tcp_state_from_kernel(k);

		if (s >= 0 && (mask & (1u << s)))
			bits |= 1u << k;
	}
	/* Bound-only sockets cost the kernel a walk of its bind table, the
	 * largest part of a narrow filter's dump: ask for them only when the
	 * expression could select one ("dport = :80" cannot). */
	if (!can_select_unconnected(f))
		bits &= ~(1u << KERNEL_TCP_BOUND_INACTIVE);
	return bits;
}
