/*
 * nl_parse.h - sock_diag reply bytes to socket entries.
 *
 * Works on a byte buffer, never on a socket, so live dumps, recorded dumps
 * (ss -D files) and test fixtures all go through this one parser.  The input
 * is untrusted: every length is checked before it is read.
 * No I/O, no printing; reentrant; any thread.
 */
#ifndef TCPDECK_NL_PARSE_H
#define TCPDECK_NL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

struct nlmsghdr;

/* What a buffer said beyond its sockets. */
struct nl_parse_result {
	bool done;             /* NLMSG_DONE seen: the dump is complete */
	bool interrupted;      /* a message carried NLM_F_DUMP_INTR */
	size_t messages;       /* socket messages parsed into entries */
	size_t skipped;        /* well-formed messages of no interest */
	size_t consumed;       /* bytes of whole messages walked */
};

/*
 * Parses every netlink message in buf[0..len) and appends one entry to snap
 * per TCP socket message.  Stops after NLMSG_DONE.  res is updated, not
 * reset, so it can accumulate across the buffers of one dump.
 *
 * Returns 0 on success.  Returns -1 with errno set to EBADMSG when a
 * message or attribute is truncated or malformed (res->consumed then tells
 * how many bytes of whole messages came before it), to the kernel's error
 * when the buffer holds an NLMSG_ERROR, or to ENOMEM.
 */
int nl_parse_buffer(const void *buf, size_t len, struct snapshot *snap,
		    struct nl_parse_result *res);

/*
 * Decodes one SOCK_DIAG_BY_FAMILY message into entry.  Returns 1 when it is
 * a TCP socket to keep, 0 when it is well-formed but of no interest
 * (unknown family or state), -1 with errno EBADMSG when malformed.
 */
int nl_parse_diag_msg(const struct nlmsghdr *nlh, struct sock_entry *entry);

#endif
