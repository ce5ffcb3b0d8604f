/*
 * filter.h - ss's filter language: "[state STATE-FILTER] [EXPRESSION]".
 *
 * An expression selects exactly the TCP sockets that `ss -tan EXPRESSION`
 * (iproute2 6.1) prints, including ss's less obvious rules:
 *
 *   - and, or and juxtaposition are folded strictly left to right, without
 *     precedence: "a or b and c" is "(a or b) and c".  "not" binds to the
 *     next condition only.  filter_hint() warns when and/or are mixed.
 *   - Leading "state NAME" / "exclude NAME" words build a state mask that is
 *     applied in addition to the expression.  The first "state" starts from
 *     no state, the first "exclude" from all states; later words add or
 *     remove.  A mask that ends up empty means ss's default set: every
 *     state but LISTEN, CLOSE, TIME_WAIT and SYN_RECV.  No state words: all
 *     states.  State words after the first condition are an error.
 *   - ss checks an expression twice, in the kernel (compiled to inet_diag
 *     bytecode) and again in user space, and prints a socket only when both
 *     accept it.  The two differ: the kernel compares address families (so
 *     "src 0.0.0.0/0" selects IPv4 and IPv4-mapped sockets only), truncates
 *     port comparisons to 16 bits, and judges "autobound" by the socket's
 *     bind lock.  An expression containing "dev" is not compiled at all, so
 *     only the user-space rules apply to it.  filter_match() evaluates both
 *     the same way.
 *   - A host name is resolved at parse time to a list of addresses; the
 *     kernel half sees only the first one, the user-space half all of them.
 *   - "inet:" / "inet6:" address prefixes restrict the whole filter to that
 *     family, and later plain addresses are then parsed in that family.
 *
 * An addition of tcpdeck's own: "netns [= | !=] INODE" selects the sockets
 * of one network namespace, by its nsfs inode (struct sock_entry.netns; 0:
 * unknown).  It combines with and, or and not like any condition; both
 * halves judge it the same way, and no kernel program is built for an
 * expression holding it (a dump sees one namespace).
 *
 * Deviations, each because tcpdeck lacks the data or ss's behaviour serves
 * no one:
 *   - autobound: inet_diag does not report the bind lock.  tcpdeck treats a
 *     listening or bound-only socket as autobound when its port lies in
 *     ip_local_port_range, and other full sockets (accepted or connected) as
 *     not bind-locked.  So a client socket that was bound to an explicit port
 *     is misjudged: ss shows it under "not autobound" when the port is
 *     outside the range and under neither when inside; tcpdeck shows it
 *     under "autobound" when inside and under neither when outside.
 *   - "fwmark" and "cgroup" conditions, and "unix:", "link:", "netlink:" and
 *     "vsock:" addresses, are parse errors (ss: fwmark/cgroup work on data
 *     tcpdeck does not collect; the address kinds select no TCP socket).
 *   - Quotes are removed as a shell would ("'sport = :22'" works when typed
 *     into the dashboard); ss never sees quotes.  Lines that start with '#'
 *     are comments, as in ss -F files.  Whitespace separates words, as in
 *     ss: "(sport" is one word and an error.
 *
 * Thread safety: filter_parse() may block (service, host and interface
 * lookups, reading ip_local_port_range) and is reentrant.  A parsed filter
 * is immutable: any thread may call filter_match(), filter_hint(),
 * filter_text() and filter_state_mask() on it concurrently.  Nothing here
 * prints or exits.
 */
#ifndef TCPDECK_FILTER_H
#define TCPDECK_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_entry;
struct filter;

/*
 * Parses expr, which may be NULL or blank (matches every socket).  Returns
 * a new filter, or NULL with *error set to a malloc'd one-line message that
 * names the offending word and its offset ("filter: unknown state
 * 'establised' at offset 6") and *error_pos to that byte offset in expr
 * (strlen(expr) when the expression ends too early).  error and error_pos
 * may be NULL.  On allocation failure the message is "filter: out of
 * memory" (or *error is NULL if even that fails) and errno is ENOMEM.
 */
struct filter *filter_parse(const char *expr, char **error, size_t *error_pos);

/* Flags of struct filter_parse_options. */
enum {
	FILTER_PARSE_NO_HOSTS = 1u << 0,    /* host names are errors, no NSS */
	FILTER_PARSE_NO_SERVICES = 1u << 1, /* ":ssh" is an error */
	FILTER_PARSE_NO_DEVICES = 1u << 2,  /* "dev NAME" needs a number */
};

/* Zero-initialised options give filter_parse()'s behaviour. */
struct filter_parse_options {
	unsigned int flags; /* FILTER_PARSE_* */
	/* ip_local_port_range for "autobound".  Both 0: read
	 * /proc/sys/net/ipv4/ip_local_port_range when the expression uses
	 * autobound, falling back to 1024-4999 as ss does. */
	uint16_t ephemeral_low;
	uint16_t ephemeral_high;
};

/* filter_parse() with options; opts may be NULL.  Tests and the fuzz target
 * use it to avoid lookups that reach outside the process. */
struct filter *filter_parse_with(const char *expr, const struct filter_parse_options *opts,
				 char **error, size_t *error_pos);

/* True when e passes both the state mask and the expression.  A NULL
 * filter matches everything. */
bool filter_match(const struct filter *f, const struct sock_entry *e);

/* filter_match() in the shape of a callback (snapshot_count(), batch
 * output): filter is a const struct filter *. */
bool filter_selects(const void *filter, const struct sock_entry *e);

/* The states the filter lets through: bit (1u << enum tcp_state).  All
 * states when the expression has no state words. */
uint32_t filter_state_mask(const struct filter *f);

/* A one-line note about how the expression will be read, or NULL.  The
 * first that applies of: and/or mixed without parentheses ("and/or are
 * applied left to right, as in ss; add parentheses to be sure"); state words
 * that leave no state; a port outside 0-65535; a host name with several
 * addresses.  Valid as long as f. */
const char *filter_hint(const struct filter *f);

/* Whether the filter keeps the sockets of one network namespace only: its
 * expression is "netns [=] INODE", alone or joined to what comes before it
 * at the top level with "and" (or juxtaposed), and only "and" follows it
 * there ("sport = :22 or dport = :22 netns 7" does: folded left to
 * right, it is "(... or ...) and netns 7").  Sets *inode then.  False for
 * NULL. */
bool filter_netns_only(const struct filter *f, uint32_t *inode);

/* The expression as given to filter_parse() ("" for NULL). */
const char *filter_text(const struct filter *f);

/* NULL is accepted. */
void filter_free(struct filter *f);

/*
 * Joins argv words into one expression for `tcpdeck [OPTIONS] FILTER...`,
 * so that filter_parse() reads it as ss reads the same argv: words are
 * separated by one space, quotes and line breaks inside a word are escaped
 * with a backslash.  Returns a malloc'd string ("" for argc 0), or NULL with
 * errno ENOMEM.
 */
char *filter_join_args(int argc, char **argv);

/* For shell completion: the i-th keyword of the language ("and", "sport",
 * ">=") and the i-th state word ("established", "connected"), or NULL
 * past the last. */
const char *filter_keyword(size_t i);
const char *filter_state_word(size_t i);

#endif
