/*
 * sock_expr.h - ready-to-copy tcpdump and ss command lines for one
 * socket, as the drill-down page offers them.
 *
 * A connection is its two endpoints.  A listener (or a socket bound but
 * not connected) has no peer: it is its local port, and its address when
 * that is not a wildcard (0.0.0.0, ::).  An IPv4 address mapped into an
 * IPv6 socket (::ffff:a.b.c.d) is IPv4 on the wire, so tcpdump gets it in
 * its IPv4 form.
 * Pure; any thread.
 */
#ifndef TCPDECK_SOCK_EXPR_H
#define TCPDECK_SOCK_EXPR_H

#include <stddef.h>

#include "sock_entry.h"

/* Enough for either command line of any socket. */
#define SOCK_EXPR_MAX 256

/*
 * The tcpdump command line that captures e's packets:
 *   tcpdump -ni any 'tcp and host 10.0.0.1 and port 443 and host 10.0.0.2 and port 51000'
 *   tcpdump -ni any 'tcp and port 22'   (a listener on a wildcard address)
 * into out (size bytes, NUL-terminated, cut to fit).  Returns its length,
 * or 0 (out "") for a socket with neither a local port nor a peer.
 */
size_t sock_expr_tcpdump(const struct sock_entry *e, char *out, size_t size);

/*
 * The ss command line that shows e alone, as sock_expr_tcpdump():
 *   ss -tani 'src 10.0.0.1:443 and dst 10.0.0.2:51000'
 *   ss -tlni 'sport = :22'   (-l for a listener, -a otherwise)
 */
size_t sock_expr_ss(const struct sock_entry *e, char *out, size_t size);

#endif
