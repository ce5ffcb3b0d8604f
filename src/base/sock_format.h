/*
 * sock_format.h - socket addresses and owners as text, for batch output,
 * the UI and --who alike.  Pure; any thread.
 */
#ifndef TCPDECK_SOCK_FORMAT_H
#define TCPDECK_SOCK_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"

/* Longest text of an address with interface: "[ffff:...]%ifname". */
#define SOCK_FORMAT_ADDR_MAX 80

/* The local or remote address alone: "127.0.0.1", "::1", "0.0.0.0". */
void sock_format_addr(const struct sock_entry *e, int remote, char *out, size_t out_size);

/* "addr:port" as ss prints it: brackets for IPv6 ("[::]:80"), "*" for
 * port 0, and "%ifname" when bound to an interface (local only). */
void sock_format_endpoint(const struct sock_entry *e, int remote, char *out, size_t out_size);

/* "ipv4" or "ipv6". */
const char *sock_format_family(const struct sock_entry *e);

/* The first holder of e, or NULL (no owner table, or not OWNER_FOUND). */
const struct owner_proc *sock_format_owner(const struct snapshot *snap, const struct sock_entry *e);

/* Writes s as a JSON string literal (with quotes) into f, escaped by
 * sanitize_json(). */
void sock_format_json_string(FILE *f, const char *s);

#endif
