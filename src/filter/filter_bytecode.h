/*
 * filter_bytecode.h - a parsed filter as a request to the kernel: inet_diag
 * bytecode and a state mask, so that a sock_diag dump returns only the
 * sockets the filter can select.
 *
 * The program selects exactly the sockets the kernel half of the filter
 * accepts (filter_eval_node() with kernel set; see filter.h): that is what
 * ss 6.1 sends for the same expression.  The user-space half, the family
 * restriction and the state mask still have to be checked with
 * filter_match() on every socket that comes back; the kernel only narrows
 * the dump.  Expressions whose kernel half cannot be written as bytecode
 * give no program: "dev" (ss sends none either), "autobound" (tcpdeck
 * judges it without the bind lock the kernel reads, see filter.h) and
 * "netns" (a dump runs inside one namespace and no op tests which one);
 * no program is a superset: the dump returns every socket.
 * Pure; any thread.  Nothing here prints or exits.
 */
#ifndef TCPDECK_FILTER_BYTECODE_H
#define TCPDECK_FILTER_BYTECODE_H

#include <stddef.h>
#include <stdint.h>

struct filter;

/* The longest program built: the kernel's jump offsets are 16-bit and the
 * netlink attribute that carries the program has a 16-bit length.  Longer
 * expressions are filtered in user space only. */
#define FILTER_BYTECODE_MAX_LEN 65280u

/*
 * Compiles f's expression.  Returns 0 and a malloc'd program in *bc
 * (*len bytes), or 0 with *bc NULL and *len 0 when there is nothing to
 * compile or it cannot be compiled (see above); -1 with errno ENOMEM.
 * f may be NULL (no program).
 */
int filter_bytecode_build(const struct filter *f, void **bc, size_t *len);

/* The kernel state bits (1u << KERNEL_TCP_*, for idiag_states) of the
 * states f lets through: SYN_RECV includes request sockets, CLOSE bound
 * but inactive ones, unless the expression cannot select a socket that
 * is not connected (its conditions on the remote end fail for address
 * zero and port 0).  Every state for a NULL filter. */
uint32_t filter_bytecode_kernel_states(const struct filter *f);

#endif
