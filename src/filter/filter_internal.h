/*
 * filter_internal.h - what filter_lex.c, filter_parse.c and filter_eval.c
 * share: tokens, the parsed tree and struct filter.  Not for other files;
 * use filter.h.
 */
#ifndef TCPDECK_FILTER_INTERNAL_H
#define TCPDECK_FILTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

/* ---- lexer ---- */

enum filter_tok_kind {
	FILTER_TOK_END,
	FILTER_TOK_WORD, /* anything that is not a keyword */
	FILTER_TOK_LPAREN,
	FILTER_TOK_RPAREN,
	FILTER_TOK_NOT,
	FILTER_TOK_AND,
	FILTER_TOK_OR,
	FILTER_TOK_SRC,
	FILTER_TOK_DST,
	FILTER_TOK_SPORT,
	FILTER_TOK_DPORT,
	FILTER_TOK_DEV,
	FILTER_TOK_FWMARK,
	FILTER_TOK_CGROUP,
	FILTER_TOK_AUTOBOUND,
	FILTER_TOK_NETNS,
	FILTER_TOK_EQ,
	FILTER_TOK_NEQ,
	FILTER_TOK_LT,
	FILTER_TOK_GT,
	FILTER_TOK_LE,
	FILTER_TOK_GE,
};

struct filter_token {
	enum filter_tok_kind kind;
	size_t offset;    /* byte offset of the word's first character in expr */
	const char *text; /* the word with quotes and escapes removed */
};

/* The words of an expression; the last token is always FILTER_TOK_END,
 * whose offset is strlen(expr). */
struct filter_tokens {
	struct filter_token *v;
	size_t n;
	char *text_buf; /* owns every token's text */
};

/* Splits expr into words the way ss splits its argv (plus quote removal,
 * see filter.h).  Returns 0, or -1 with a message (malloc'd, may be NULL on
 * ENOMEM) and its offset. */
int filter_lex(const char *expr, struct filter_tokens *out, char **error, size_t *error_pos);

void filter_tokens_free(struct filter_tokens *toks);

/* ---- parsed form ---- */

enum filter_node_kind {
	FILTER_N_LIST,     /* items folded left to right: ((c0 op1 c1) op2 c2)... */
	FILTER_N_NOT,      /* a: the child */
	FILTER_N_SRC,      /* host condition on the local end: port, addrs a..a+b */
	FILTER_N_DST,      /* the same on the remote end */
	FILTER_N_SPORT_GE, /* local port >= port */
	FILTER_N_SPORT_LE,
	FILTER_N_DPORT_GE,
	FILTER_N_DPORT_LE,
	FILTER_N_DEV,      /* a: interface index */
	FILTER_N_AUTOBOUND,
	FILTER_N_NETNS,     /* a: network namespace inode (tcpdeck's own) */
};

enum filter_op {
	FILTER_OP_AND,
	FILTER_OP_OR,
};

struct filter_node {
	uint8_t kind;  /* enum filter_node_kind */
	int32_t port;  /* host conditions and comparisons; -1: any */
	uint32_t a;    /* see enum filter_node_kind */
	uint32_t b;
};

/* One operand of a LIST node; op joins it to the result so far (ignored
 * for the first). */
struct filter_item {
	uint32_t node;
	uint8_t op; /* enum filter_op */
};

/* One address of a host condition, as ss's inet_prefix: family AF_INET,
 * AF_INET6 or 0 (no address given), the prefix length in bits, and the
 * address in network order (IPv4 in the first four bytes). */
struct filter_addr {
	uint8_t family;
	uint8_t bitlen;
	uint8_t bytes[16];
};

/* Bits of struct filter.families. */
enum {
	FILTER_FAMILY_V4 = 1u << 0,
	FILTER_FAMILY_V6 = 1u << 1,
};

struct filter {
	char *text;
	uint32_t states;       /* bit (1u << enum tcp_state) */
	uint8_t families;      /* FILTER_FAMILY_* */
	bool has_expr;
	bool kernel_half;      /* ss compiles the expression to bytecode */
	uint32_t root;         /* index in nodes when has_expr */
	uint16_t ephemeral_low;
	uint16_t ephemeral_high;
	struct filter_node *nodes;
	size_t n_nodes;
	struct filter_item *items;
	size_t n_items;
	struct filter_addr *addrs;
	size_t n_addrs;
	const char *hint;      /* NULL, a literal or hint_buf */
	char hint_buf[192];
};

/* Evaluates node idx for e with the kernel's (kernel = true) or ss's
 * user-space rules.  Defined in filter_eval.c. */
bool filter_eval_node(const struct filter *f, uint32_t idx, const struct sock_entry *e,
		      bool kernel);

#endif
