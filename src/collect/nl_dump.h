/*
 * nl_dump.h - one sock_diag dump of the TCP sockets, IPv4 and IPv6.
 *
 * Moves bytes between the kernel and nl_parse; knows nothing of the UI.
 * An interrupted dump (NLM_F_DUMP_INTR: the socket tables changed while
 * the kernel walked them) and a receive-buffer overrun (ENOBUFS) are not
 * errors: the dump is repeated, a bounded number of times.
 * A request may carry inet_diag bytecode and a state mask, so the kernel
 * sends only the sockets a filter can select, and may leave out tcp_info.
 * One thread at a time per dumper (the sampler's).
 */
#ifndef TCPDECK_NL_DUMP_H
#define TCPDECK_NL_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* How often a dump is repeated before its last result is kept as it is. */
#define NL_DUMP_MAX_RESTARTS 8

struct nl_dumper;

/* Opens a NETLINK_SOCK_DIAG socket.  Returns NULL with errno set
 * (EPROTONOSUPPORT: the kernel has no sock_diag). */
struct nl_dumper *nl_dumper_new(void);

/* Makes a new NETLINK_SOCK_DIAG socket and returns its fd, or -1 with
 * errno.  A netlink socket belongs to the network namespace it was
 * created in, so a dumper of another namespace needs every socket it
 * opens (the first, and a fresh one after an overrun) made there. */
typedef int (*nl_dumper_socket_fn)(void *arg);

/* nl_dumper_new() whose sockets come from make(arg), called now and
 * whenever the dumper needs a fresh socket; arg must outlive the dumper.
 * Returns NULL with errno. */
struct nl_dumper *nl_dumper_new_from(nl_dumper_socket_fn make, void *arg);

/* What a dump asks the kernel for.  Zero-initialised: every socket in
 * every state, with tcp_info. */
struct nl_dump_options {
	/* inet_diag bytecode (filter_bytecode.h) the kernel runs on each
	 * socket, sending only those it accepts; NULL for none.  Copied. */
	const void *bytecode;
	size_t bytecode_len;
	uint32_t states;   /* kernel state bits (1u << KERNEL_TCP_*); 0: all */
	bool no_tcp_info;  /* leave tcp_info out: the kernel skips building it */
};

/*
 * Sets what the following dumps ask for.  Returns 0, or -1 with errno
 * EINVAL (bytecode empty, longer than FILTER_BYTECODE_MAX_LEN or not a
 * multiple of 4) or ENOMEM; the options are then unchanged.  The kernel
 * checks the program itself: one it refuses makes the dump fail with
 * EINVAL.
 */
int nl_dumper_set_options(struct nl_dumper *dumper, const struct nl_dump_options *opts);

/*
 * Dumps the TCP sockets of both families, with tcp_info unless the options
 * say otherwise, into snap (which must be empty), and sets
 * snap->dump_restarts.  Does not seal snap.
 * Returns 0, or -1 with errno set and a one-line explanation in
 * cause[0..cause_len).
 */
int nl_dumper_dump(struct nl_dumper *dumper, struct snapshot *snap, char *cause, size_t cause_len);

/* nl_dumper_dump() that keeps the entries snap already holds and appends
 * this dump's after them (a repeated dump drops only its own); adds its
 * restarts to snap->dump_restarts.  Same returns; on failure snap keeps
 * exactly the entries it had. */
int nl_dumper_dump_append(struct nl_dumper *dumper, struct snapshot *snap, char *cause,
			  size_t cause_len);

/* Total dumps repeated since creation. */
unsigned long nl_dumper_restarts(const struct nl_dumper *dumper);

/* Sockets the kernel sent twice across two buffers of one dump (see
 * nl_dump.c), dropped, since the dumper was opened. */
unsigned long nl_dumper_relisted(const struct nl_dumper *dumper);

void nl_dumper_free(struct nl_dumper *dumper);

#endif
