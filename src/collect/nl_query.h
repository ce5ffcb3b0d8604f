/*
 * nl_query.h - every tcp_info field of one socket, and its congestion
 * control algorithm, asked of the kernel for that socket alone (the
 * drill-down view; a dump keeps only the fields the table needs).
 * Any thread; opens its own netlink socket per call (about as cheap as
 * one sample of a single socket).
 */
#ifndef TCPDECK_NL_QUERY_H
#define TCPDECK_NL_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <linux/tcp.h>

#include "sock_entry.h"

struct tcp_info_full {
	struct tcp_info info;   /* zero beyond `len` */
	size_t len;             /* bytes the kernel gave (0: none) */
	char congestion[32];    /* "cubic", "" when not given */
};

/* Returns 0, or -1 with errno and a one-line cause (ENOENT: gone). */
int nl_query_info(const struct sock_entry *e, struct tcp_info_full *out, char *cause,
		  size_t cause_len);

/* The same over fd, a NETLINK_SOCK_DIAG socket opened in the socket's
 * network namespace (netns_socket_diag()); fd is closed in every case. */
int nl_query_info_fd(int fd, const struct sock_entry *e, struct tcp_info_full *out, char *cause,
		     size_t cause_len);

/* A named field of struct tcp_info, for display. */
struct tcp_info_field {
	const char *name;
	size_t offset, size;  /* size 1, 4 or 8 */
	const char *unit;     /* "us", "ms", "bytes", "" */
};

/* The fields, in struct order; *n receives their number. */
const struct tcp_info_field *tcp_info_fields(size_t *n);

/* A field's value, or -1 when the kernel's tcp_info was too short. */
long long tcp_info_value(const struct tcp_info_full *full, const struct tcp_info_field *field);

/*
 * A field as "name value unit" in at most `width` cells (out holds
 * width + 1 bytes): "pacing_rate unlimited" for an unlimited pacing
 * rate; a value too long to fit scaled by powers of 1000 ("bytes_acked
 * 12.3G bytes"), then without its unit.  Returns the length, or 0 (out
 * "") when the kernel's tcp_info was too short for the field.
 */
size_t tcp_info_format(const struct tcp_info_full *full, const struct tcp_info_field *field,
		       char *out, size_t width);

#endif
