/*
 * nfcount.c - the connection-tracking table's fill: the parser of the
 * nf_conntrack sysctl files, and reading them below a /proc root.
 *
 * nfcount_parse() works on bytes only; nfcount_read() is the one place
 * that touches files.  Any thread (the sampler thread reads it with each
 * sample).  Nothing here prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nfcount.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int
nfcount_parse(const char *text, size_t len, uint32_t *value)
{
	size_t i = 0;
	uint64_t v = 0;
	bool digits = false;

	while (i < len && blank(text[i]))
		i++;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(text[i] - '0');
		digits = true;
		if (v > UINT32_MAX) {
			errno = ERANGE;
			return -1;
		}
	}
	while (i < len && blank(text[i]))
		i++;
	if (!digits || i != len) {
		errno = EINVAL;
		return -1;
	}
	*value = (uint32_t)v;
	return 0;
}

/* Reads and parses an open sysctl file from offset 0.  0, or -1 with
 * errno. */
static int
read_value_fd(int fd, uint32_t *value)
{
	char buf[64];
	ssize_t got, len = 0;

	while ((size_t)len < sizeof(buf) &&
	       (got = pread(fd, buf + len, sizeof(buf) - (size_t)len, (off_t)len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		len += got;
	}
	if ((size_t)len == sizeof(buf)) {
		errno = EINVAL; /* far longer than any number */
		return -1;
	}
	return nfcount_parse(buf, (size_t)len, value);
}

/* Reads and parses <proc_root>/sys/net/netfilter/<name>.  0, or -1 with
 * errno (ENOENT when the file is not there). */
static int
read_value(const char *proc_root, const char *name, uint32_t *value)
{
	char path[4096];
	int fd, rc, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/sys/net/netfilter/%s", proc_root, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = read_value_fd(fd, value);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
nfcount_read_fds(struct snapshot_nfct *nfct, int count_fd, int max_fd, int buckets_fd)
{
	struct snapshot_nfct got = {.present = true};
	uint32_t buckets = 0;

	memset(nfct, 0, sizeof(*nfct));
	if (count_fd < 0)
		return 0;
	if (read_value_fd(count_fd, &got.count) < 0)
		return -1;
	if (max_fd < 0 || read_value_fd(max_fd, &got.max) < 0) {
		if (max_fd < 0)
			errno = ENOENT;
		return -1;
	}
	if (buckets_fd >= 0 && read_value_fd(buckets_fd, &buckets) == 0)
		got.buckets = buckets;
	*nfct = got;
	return 1;
}

int
nfcount_read(struct snapshot_nfct *nfct, const char *proc_root)
{
	struct snapshot_nfct got = {.present = true};
	uint32_t buckets = 0;

	memset(nfct, 0, sizeof(*nfct));
	if (read_value(proc_root, "nf_conntrack_count", &got.count) < 0)
		return errno == ENOENT ? 0 : -1;
	if (read_value(proc_root, "nf_conntrack_max", &got.max) < 0)
		return -1;
	/* The buckets only round out the advice: without them the reading
	 * stands. */
	if (read_value(proc_root, "nf_conntrack_buckets", &buckets) == 0)
		got.buckets = buckets;
	*nfct = got;
	return 1;
}
