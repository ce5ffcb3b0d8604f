/*
 * netns_socket.c - a sock_diag socket and the /proc files of one network
 * namespace, opened from inside it on a helper thread.
 *
 * setns(CLONE_NEWNET) changes the namespace of the calling thread only,
 * so a thread made for the purpose enters the namespace, opens
 * everything and ends; the fds keep their namespace.  The sampler thread
 * never switches namespaces: whatever it opens itself stays in the
 * process's own.  A helper thread is made again only when the dumper
 * needs a fresh socket (after an overrun).
 * Holding these fds keeps the namespace alive, so whoever holds a handle
 * must free it as soon as the namespace is no longer wanted.
 * One thread at a time per handle.  Never prints, never exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/netlink.h>

#include "netns_socket.h"
#include "nfcount.h"

/* The files read from inside the namespace, by index. */
enum ns_file {
	NS_SOCKSTAT,
	NS_SOCKSTAT6,
	NS_SNMP,
	NS_NETSTAT,
	NS_CT_COUNT,
	NS_CT_MAX,
	NS_CT_BUCKETS,
	NS_FILES
};

static const char *const ns_file_paths[NS_FILES] = {
	[NS_SOCKSTAT] = "/proc/thread-self/net/sockstat",
	[NS_SOCKSTAT6] = "/proc/thread-self/net/sockstat6",
	[NS_SNMP] = "/proc/thread-self/net/snmp",
	[NS_NETSTAT] = "/proc/thread-self/net/netstat",
	/* Net sysctls resolve to the opener's namespace. */
	[NS_CT_COUNT] = "/proc/sys/net/netfilter/nf_conntrack_count",
	[NS_CT_MAX] = "/proc/sys/net/netfilter/nf_conntrack_max",
	[NS_CT_BUCKETS] = "/proc/sys/net/netfilter/nf_conntrack_buckets",
};

struct netns_socket {
	int ns_fd;         /* the nsfs file; -1 for the caller's own */
	uint32_t inode;
	int spare_diag;    /* the socket made with the files, until the
			    * dumper takes it; -1 after */
	int fds[NS_FILES]; /* -1: not opened (absent, or not asked for) */
	bool no_ipv6;      /* sockstat6 does not exist there */
	struct nl_dumper *dumper;
};

/* What a helper thread runs once inside the namespace. */
struct helper {
	int ns_fd;
	int (*fn)(void *arg);
	void *arg;
	int rc;
	int err;
};

static void *
helper_main(void *arg)
{
	struct helper *h = arg;

	if (setns(h->ns_fd, CLONE_NEWNET) < 0) {
		h->rc = -1;
		h->err = errno;
		return NULL;
	}
	errno = 0;
	h->rc = h->fn(h->arg);
	h->err = errno;
	return NULL;
}

/* Runs fn(arg) inside the namespace of ns_fd (ns_fd < 0: here, on the
 * caller's thread, which is in the process's own namespace).  Returns
 * fn's result with its errno, or -1 with errno (EPERM: setns refused). */
static int
run_inside(int ns_fd, int (*fn)(void *arg), void *arg)
{
	struct helper h = {.ns_fd = ns_fd, .fn = fn, .arg = arg, .rc = -1};
	sigset_t all, old;
	pthread_t thread;
	int err;

	if (ns_fd < 0)
		return fn(arg);
	/* No signal may land on a thread that lives a few microseconds. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&thread, NULL, helper_main, &h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		errno = err;
		return -1;
	}
	pthread_join(thread, NULL);
	errno = h.err;
	return h.rc;
}

static int
make_diag(void *arg)
{
	(void)arg;
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

/* What open_inside() fills. */
struct opening {
	struct netns_socket *ns;
	bool counters;
};

static int
open_inside(void *arg)
{
	struct opening *o = arg;
	struct netns_socket *ns = o->ns;

	ns->spare_diag = make_diag(NULL);
	if (ns->spare_diag < 0)
		return -1;
	for (int i = 0; i < NS_FILES; i++) {
		if (!o->counters && i != NS_SOCKSTAT && i != NS_SOCKSTAT6)
			continue;
		/* A missing file (no IPv6, no conntrack) is normal. */
		ns->fds[i] = open(ns_file_paths[i], O_RDONLY | O_CLOEXEC);
		if (i == NS_SOCKSTAT6 && ns->fds[i] < 0 && errno == ENOENT)
			ns->no_ipv6 = true;
	}
	return 0;
}

/* The dumper's socket maker: the one opened with the files first, then a
 * fresh one from inside the namespace. */
static int
dumper_socket(void *arg)
{
	struct netns_socket *ns = arg;

	if (ns->spare_diag >= 0) {
		int fd = ns->spare_diag;

		ns->spare_diag = -1;
		return fd;
	}
	return run_inside(ns->ns_fd, make_diag, NULL);
}

struct netns_socket *
netns_socket_open(const char *path, bool own, bool counters, char *cause, size_t cause_len)
{
	struct netns_socket *ns = calloc(1, sizeof(*ns));
	struct opening o = {.ns = ns, .counters = counters};
	struct stat st;
	int fd, saved = 0;

	if (ns == NULL) {
		snprintf(cause, cause_len, "out of memory");
		return NULL;
	}
	ns->ns_fd = -1;
	ns->spare_diag = -1;
	for (int i = 0; i < NS_FILES; i++)
		ns->fds[i] = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		snprintf(cause, cause_len, "cannot open network namespace %s: %s", path,
			 strerror(saved));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		snprintf(cause, cause_len, "%s: %s", path, strerror(saved));
		goto fail;
	}
	ns->inode = (uint32_t)st.st_ino;
	if (own)
		close(fd);
	else
		ns->ns_fd = fd;
	if (run_inside(ns->ns_fd, open_inside, &o) < 0) {
		saved = errno;
		if (saved == EPERM)
			snprintf(cause, cause_len,
				 "entering network namespace %s needs CAP_SYS_ADMIN (run as root)",
				 path);
		else if (saved == EINVAL)
			snprintf(cause, cause_len, "%s: not a network namespace", path);
		else
			snprintf(cause, cause_len, "cannot open a sock_diag socket in %s: %s", path,
				 strerror(saved));
		goto fail;
	}
	ns->dumper = nl_dumper_new_from(dumper_socket, ns);
	if (ns->dumper == NULL) {
		saved = errno;
		snprintf(cause, cause_len, "cannot open a sock_diag socket in %s: %s", path,
			 strerror(saved));
		goto fail;
	}
	return ns;
fail:
	netns_socket_free(ns);
	errno = saved;
	return NULL;
}

uint32_t
netns_socket_inode(const struct netns_socket *ns)
{
	return ns->inode;
}

struct nl_dumper *
netns_socket_dumper(struct netns_socket *ns)
{
	return ns->dumper;
}

int
netns_socket_counters(struct netns_socket *ns, struct kcounters *kc)
{
	return kcounters_read_fds(kc, ns->fds[NS_SNMP], ns->fds[NS_NETSTAT]);
}

int
netns_socket_nfct(struct netns_socket *ns, struct snapshot_nfct *nfct)
{
	return nfcount_read_fds(nfct, ns->fds[NS_CT_COUNT], ns->fds[NS_CT_MAX],
				ns->fds[NS_CT_BUCKETS]);
}

/* Reads "NAME N" at *p (after blanks): true with *value when the next
 * word is name followed by a number. */
static bool
field_at(const char **p, const char *end, const char *name, unsigned long *value)
{
	size_t name_len = strlen(name);
	const char *q = *p;
	unsigned long v = 0;
	bool digits = false;

	while (q < end && *q == ' ')
		q++;
	if ((size_t)(end - q) < name_len + 1 || memcmp(q, name, name_len) != 0 ||
	    q[name_len] != ' ')
		return false;
	q += name_len + 1;
	while (q < end && *q >= '0' && *q <= '9') {
		unsigned long d = (unsigned long)(*q - '0');

		if (v > (ULONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		digits = true;
		q++;
	}
	if (!digits)
		return false;
	*value = v;
	*p = q;
	return true;
}

int
netns_sockstat_parse(const char *text, size_t len, const char *prefix, unsigned long *inuse,
		     unsigned long *tw)
{
	size_t prefix_len = strlen(prefix);
	const char *end = text + len, *line = text;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *line_end = nl != NULL ? nl : end;

		if ((size_t)(line_end - line) >= prefix_len &&
		    memcmp(line, prefix, prefix_len) == 0) {
			const char *p = line + prefix_len;
			unsigned long orphan = 0, w = 0;

			if (!field_at(&p, line_end, "inuse", inuse))
				break;
			/* "orphan" is the host's; "tw" follows it on TCP: only. */
			if (field_at(&p, line_end, "orphan", &orphan))
				(void)field_at(&p, line_end, "tw", &w);
			if (tw != NULL)
				*tw = w;
			return 0;
		}
		line = line_end + 1;
	}
	errno = EINVAL;
	return -1;
}

/* One sockstat file's line: 0, or -1 with errno. */
static int
sockstat_read(int fd, const char *prefix, unsigned long *inuse, unsigned long *tw)
{
	char buf[1024];
	ssize_t len;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	len = pread(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -1;
	return netns_sockstat_parse(buf, (size_t)len, prefix, inuse, tw);
}

int
netns_socket_tcp_usage(struct netns_socket *ns, struct netns_tcp_usage *use)
{
	memset(use, 0, sizeof(*use));
	if (sockstat_read(ns->fds[NS_SOCKSTAT], "TCP:", &use->inuse, &use->tw) < 0)
		return -1;
	if (ns->no_ipv6)
		return 0;
	return sockstat_read(ns->fds[NS_SOCKSTAT6], "TCP6:", &use->inuse6, NULL);
}

size_t
netns_socket_sockets(struct netns_socket *ns)
{
	struct netns_tcp_usage use;

	/* Each file alone: a sizing hint wants whatever is known. */
	(void)netns_socket_tcp_usage(ns, &use);
	return use.inuse + use.inuse6 + use.tw;
}

int
netns_socket_diag(struct netns_socket *ns)
{
	return run_inside(ns->ns_fd, make_diag, NULL);
}

struct file_opening {
	const char *file;
	int flags;
};

static int
open_file_inside(void *arg)
{
	const struct file_opening *f = arg;

	return open(f->file, f->flags | O_CLOEXEC);
}

int
netns_socket_open_file(struct netns_socket *ns, const char *file, int flags)
{
	struct file_opening f = {.file = file, .flags = flags};

	return run_inside(ns->ns_fd, open_file_inside, &f);
}

void
netns_socket_free(struct netns_socket *ns)
{
	if (ns == NULL)
		return;
	nl_dumper_free(ns->dumper);
	if (ns->spare_diag >= 0)
		close(ns->spare_diag);
	for (int i = 0; i < NS_FILES; i++)
		if (ns->fds[i] >= 0)
			close(ns->fds[i]);
	if (ns->ns_fd >= 0)
		close(ns->ns_fd);
	free(ns);
}

bool
netns_socket_can_enter(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) != 0;
}
