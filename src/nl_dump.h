/*
 * nl_dump.h - one sock_diag dump of every TCP socket, IPv4 and IPv6.
 *
 * Moves bytes between the kernel and nl_parse; knows nothing of the UI.
 * An interrupted dump (NLM_F_DUMP_INTR: the socket tables changed while
 * the kernel walked them) and a receive-buffer overrun (ENOBUFS) are not
 * errors: the dump is repeated, a bounded number of times.
 * One thread at a time per dumper (the sampler's).
 */
#ifndef TCPDECK_NL_DUMP_H
#define TCPDECK_NL_DUMP_H

#include <stddef.h>

#include "snapshot.h"

/* How often a dump is repeated before its last result is kept as it is. */
#define NL_DUMP_MAX_RESTARTS 8

struct nl_dumper;

/* Opens a NETLINK_SOCK_DIAG socket.  Returns NULL with errno set
 * (EPROTONOSUPPORT: the kernel has no sock_diag). */
struct nl_dumper *nl_dumper_new(void);

/*
 * Dumps every TCP socket of both families, with tcp_info, into snap (which
 * must be empty), and sets snap->dump_restarts.  Does not seal snap.
 * Returns 0, or -1 with errno set and a one-line explanation in
 * cause[0..cause_len).
 */
int nl_dumper_dump(struct nl_dumper *dumper, struct snapshot *snap, char *cause, size_t cause_len);

/* Total dumps repeated since creation. */
unsigned long nl_dumper_restarts(const struct nl_dumper *dumper);

void nl_dumper_free(struct nl_dumper *dumper);

#endif
