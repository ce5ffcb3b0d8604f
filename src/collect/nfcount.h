/*
 * nfcount.h - how full the connection-tracking table is: the
 * net.netfilter sysctls nf_conntrack_count, nf_conntrack_max and
 * nf_conntrack_buckets (/proc/sys/net/netfilter/).
 *
 * When the table is full the kernel drops the first packet of every new
 * flow ("nf_conntrack: table full, dropping packet") before TCP sees it;
 * the count is what shows it coming.  The count is per network namespace
 * (the namespace of the reader), the limit is the host's.  Parsing works
 * on bytes; reading takes the /proc root as a parameter, so tests read
 * fixture trees.
 * Plain functions: any thread.  Nothing here prints or exits.
 */
#ifndef TCPDECK_NFCOUNT_H
#define TCPDECK_NFCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/*
 * Parses the contents of one of those files (len bytes, not necessarily
 * NUL-terminated): a decimal number, optionally surrounded by blanks and
 * ended by a newline.  Returns 0 with *value set, or -1 with errno EINVAL
 * (empty, not a number, trailing text) or ERANGE (above 2^32 - 1).
 */
int nfcount_parse(const char *text, size_t len, uint32_t *value);

/*
 * Reads <proc_root>/sys/net/netfilter/nf_conntrack_{count,max,buckets}
 * (proc_root usually "/proc") into *nfct, which is zeroed first.  Returns
 * 1 with nfct->present set when the count and the limit were read; 0 when
 * the kernel has no connection tracking (no count file: nfct stays
 * zeroed, not present); -1 with errno when a file is there but cannot be
 * read or parsed (nfct zeroed).  A missing or unreadable buckets file
 * leaves buckets 0.
 */
int nfcount_read(struct snapshot_nfct *nfct, const char *proc_root);

/*
 * nfcount_read() from the three files opened earlier (-1: not opened),
 * read from offset 0 with pread().  A net sysctl file stays bound to the
 * network namespace of whoever opened it, so these fds give another
 * namespace's count.  count_fd < 0: no conntrack (returns 0).
 */
int nfcount_read_fds(struct snapshot_nfct *nfct, int count_fd, int max_fd, int buckets_fd);

#endif
