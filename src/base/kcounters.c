/*
 * kcounters.c - the kernel's TCP counters: names, the parser of
 * /proc/net/snmp and /proc/net/netstat, reading them, and rates.
 *
 * The parser works on bytes only; kcounters_read() is the one place that
 * touches files.  Any thread (the sampler reads, batch output and the UI
 * compute rates).  Nothing here prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kcounters.h"

struct kcounter_def {
	const char *name;
	const char *group;
	const char *label;
	bool gauge;
};

static const struct kcounter_def defs[KC_COUNT] = {
    [KC_ACTIVE_OPENS] = {"ActiveOpens", "Tcp", "active opens", false},
    [KC_PASSIVE_OPENS] = {"PassiveOpens", "Tcp", "passive opens", false},
    [KC_ATTEMPT_FAILS] = {"AttemptFails", "Tcp", "failed attempts", false},
    [KC_ESTAB_RESETS] = {"EstabResets", "Tcp", "established resets", false},
    [KC_CURR_ESTAB] = {"CurrEstab", "Tcp", "established now", true},
    [KC_IN_SEGS] = {"InSegs", "Tcp", "segments in", false},
    [KC_OUT_SEGS] = {"OutSegs", "Tcp", "segments out", false},
    [KC_RETRANS_SEGS] = {"RetransSegs", "Tcp", "retransmitted segments", false},
    [KC_IN_ERRS] = {"InErrs", "Tcp", "bad segments in", false},
    [KC_OUT_RSTS] = {"OutRsts", "Tcp", "resets sent", false},
    [KC_LISTEN_OVERFLOWS] = {"ListenOverflows", "TcpExt", "accept queue overflows", false},
    [KC_LISTEN_DROPS] = {"ListenDrops", "TcpExt", "listen drops", false},
    [KC_SYNCOOKIES_SENT] = {"SyncookiesSent", "TcpExt", "syncookies sent", false},
    [KC_SYNCOOKIES_RECV] = {"SyncookiesRecv", "TcpExt", "syncookies received", false},
    [KC_SYNCOOKIES_FAILED] = {"SyncookiesFailed", "TcpExt", "syncookies failed", false},
    [KC_TIMEOUTS] = {"TCPTimeouts", "TcpExt", "retransmit timeouts", false},
    [KC_SYN_RETRANS] = {"TCPSynRetrans", "TcpExt", "SYN retransmits", false},
    [KC_ABORT_ON_DATA] = {"TCPAbortOnData", "TcpExt", "aborts on data", false},
    [KC_ABORT_ON_CLOSE] = {"TCPAbortOnClose", "TcpExt", "aborts on close", false},
    [KC_ABORT_ON_TIMEOUT] = {"TCPAbortOnTimeout", "TcpExt", "aborts on timeout", false},
    [KC_ABORT_ON_MEMORY] = {"TCPAbortOnMemory", "TcpExt", "aborts on memory", false},
    [KC_TW] = {"TW", "TcpExt", "TIME_WAIT ended", false},
    [KC_TW_RECYCLED] = {"TWRecycled", "TcpExt", "TIME_WAIT recycled", false},
    [KC_TW_KILLED] = {"TWKilled", "TcpExt", "TIME_WAIT killed", false},
    [KC_REQ_Q_FULL_DROP] = {"TCPReqQFullDrop", "TcpExt", "request queue full drops", false},
    [KC_REQ_Q_FULL_COOKIE] = {"TCPReqQFullDoCookies", "TcpExt", "request queue full cookies",
                              false},
};

/* present is a 32-bit mask. */
_Static_assert(KC_COUNT <= 32, "struct kcounters.present has room for 32 counters");

static const struct kcounter_def *
def_of(enum kcounter c)
{
	return (unsigned int)c < KC_COUNT ? &defs[c] : NULL;
}

const char *
kcounter_name(enum kcounter c)
{
	return def_of(c) != NULL ? def_of(c)->name : NULL;
}

const char *
kcounter_group(enum kcounter c)
{
	return def_of(c) != NULL ? def_of(c)->group : NULL;
}

const char *
kcounter_label(enum kcounter c)
{
	return def_of(c) != NULL ? def_of(c)->label : NULL;
}

bool
kcounter_is_gauge(enum kcounter c)
{
	return def_of(c) != NULL && def_of(c)->gauge;
}

int
kcounter_find(const char *name)
{
	for (int i = 0; i < KC_COUNT; i++)
		if (strcmp(defs[i].name, name) == 0)
			return i;
	return -1;
}

/* The counter named by [name, name + len) in `group`, or -1. */
static int
find_in_group(const char *group, const char *name, size_t len)
{
	for (int i = 0; i < KC_COUNT; i++)
		if (strcmp(defs[i].group, group) == 0 && strlen(defs[i].name) == len &&
		    memcmp(defs[i].name, name, len) == 0)
			return i;
	return -1;
}

/* One line of the text, without its '\n'. */
struct line {
	const char *p;
	const char *end;
};

/* Next line of [*pos, end), or false at the end. */
static bool
next_line(const char **pos, const char *end, struct line *line)
{
	const char *nl;

	if (*pos >= end)
		return false;
	nl = memchr(*pos, '\n', (size_t)(end - *pos));
	line->p = *pos;
	line->end = nl != NULL ? nl : end;
	*pos = nl != NULL ? nl + 1 : end;
	return true;
}

/* The group of a line ("Tcp" for "Tcp: ..."), which ends at the colon;
 * false when the line has no colon before its first blank. */
static bool
line_group(const struct line *line, const char **group, size_t *len)
{
	const char *p;

	for (p = line->p; p < line->end && *p != ':'; p++)
		if (*p == ' ' || *p == '\t')
			return false;
	if (p == line->end || p == line->p)
		return false;
	*group = line->p;
	*len = (size_t)(p - line->p);
	return true;
}

/* Next blank-separated word after the group's colon; false at the end. */
static bool
next_word(const char **pos, const char *end, const char **word, size_t *len)
{
	const char *p = *pos;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p == end)
		return false;
	*word = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	*len = (size_t)(p - *word);
	*pos = p;
	return true;
}

/* A decimal value: unsigned, or negative (Tcp: MaxConn is -1).  Returns
 * false when the word is not a number or does not fit in 64 bits. */
static bool
parse_value(const char *word, size_t len, bool *negative, uint64_t *value)
{
	uint64_t v = 0;
	size_t i = 0;

	*negative = len > 0 && word[0] == '-';
	if (*negative)
		i = 1;
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned int digit = (unsigned char)word[i] - '0';

		if (digit > 9 || v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*value = v;
	return true;
}

/* Pairs a header line with its value line, both of group `group`. */
static int
parse_pair(struct kcounters *kc, const char *group, const struct line *names,
           const struct line *values, size_t group_len)
{
	const char *np = names->p + group_len + 1, *vp = values->p + group_len + 1;

	for (;;) {
		/* Set only when found; zero for compilers that cannot see
		 * that a word is read only when it was found. */
		const char *name = NULL, *word = NULL;
		size_t name_len = 0, word_len = 0;
		bool have_name = next_word(&np, names->end, &name, &name_len);
		bool have_value = next_word(&vp, values->end, &word, &word_len);
		bool negative;
		uint64_t value;
		int c;

		if (!have_name && !have_value)
			return 0;
		if (have_name != have_value || !parse_value(word, word_len, &negative, &value))
			return -1;
		c = find_in_group(group, name, name_len);
		if (c < 0)
			continue;
		/* None of the counters we follow can be negative. */
		if (negative)
			return -1;
		kc->value[c] = value;
		kc->present |= 1u << c;
	}
}

int
kcounters_parse(struct kcounters *kc, const char *text, size_t len)
{
	struct kcounters work = *kc;
	const char *pos = text, *end = text + len;
	struct line line, header = {NULL, NULL};
	const char *group = NULL; /* of the pending header: "Tcp" or "TcpExt" */
	size_t group_len = 0;

	while (next_line(&pos, end, &line)) {
		const char *g;
		size_t g_len;

		if (!line_group(&line, &g, &g_len)) {
			/* A line of no group between a header and its
			 * values breaks the pair; elsewhere it is skipped. */
			if (group != NULL)
				goto invalid;
			continue;
		}
		if (group != NULL) {
			if (g_len != group_len || memcmp(g, header.p, g_len) != 0)
				goto invalid;
			if (parse_pair(&work, group, &header, &line, group_len) < 0)
				goto invalid;
			group = NULL;
			continue;
		}
		if (g_len == 3 && memcmp(g, "Tcp", 3) == 0)
			group = "Tcp";
		else if (g_len == 6 && memcmp(g, "TcpExt", 6) == 0)
			group = "TcpExt";
		else
			continue; /* Ip:, Udp:, MPTcpExt: ... lines: not ours */
		header = line;
		group_len = g_len;
	}
	/* A header without its values: the file was cut short. */
	if (group != NULL)
		goto invalid;
	*kc = work;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

/* Reads a whole /proc file from an open fd into a malloc'd buffer, from
 * offset 0 with pread() so the fd can be read again next time.  Returns
 * its length, or -1 with errno. */
static ssize_t
read_fd(int fd, char **out)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return -1;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *bigger;

			/* The files are a few KiB; a bound keeps a broken
			 * /proc from eating memory. */
			if (cap >= 1u << 20) {
				errno = EFBIG;
				goto fail;
			}
			bigger = realloc(buf, cap * 2);
			if (bigger == NULL)
				goto fail;
			buf = bigger;
			cap *= 2;
		}
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	return (ssize_t)len;
fail : {
	int saved = errno;

	free(buf);
	errno = saved;
	return -1;
}
}

/* Reads a whole /proc file into a malloc'd buffer.  Returns its length, or
 * -1 with errno. */
static ssize_t
read_file(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;
	int saved;

	if (fd < 0)
		return -1;
	len = read_fd(fd, out);
	saved = errno;
	close(fd);
	errno = saved;
	return len;
}

/* Parses <proc_root>/net/<name> into kc.  missing_ok: a file that does
 * not exist is not an error. */
static int
read_one(struct kcounters *kc, const char *proc_root, const char *name, bool missing_ok)
{
	char path[4096];
	char *text;
	ssize_t len;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/net/%s", proc_root, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	len = read_file(path, &text);
	if (len < 0)
		return missing_ok && errno == ENOENT ? 0 : -1;
	rc = kcounters_parse(kc, text, (size_t)len);
	free(text);
	return rc;
}

int
kcounters_read(struct kcounters *kc, const char *proc_root)
{
	memset(kc, 0, sizeof(*kc));
	if (read_one(kc, proc_root, "snmp", false) < 0 ||
	    read_one(kc, proc_root, "netstat", true) < 0) {
		int saved = errno;

		memset(kc, 0, sizeof(*kc));
		errno = saved;
		return -1;
	}
	return 0;
}

/* Parses what fd holds into kc; fd < 0 adds nothing. */
static int
read_one_fd(struct kcounters *kc, int fd)
{
	char *text;
	ssize_t len;
	int rc;

	if (fd < 0)
		return 0;
	len = read_fd(fd, &text);
	if (len < 0)
		return -1;
	rc = kcounters_parse(kc, text, (size_t)len);
	free(text);
	return rc;
}

int
kcounters_read_fds(struct kcounters *kc, int snmp_fd, int netstat_fd)
{
	memset(kc, 0, sizeof(*kc));
	if (snmp_fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (read_one_fd(kc, snmp_fd) < 0 || read_one_fd(kc, netstat_fd) < 0) {
		int saved = errno;

		memset(kc, 0, sizeof(*kc));
		errno = saved;
		return -1;
	}
	return 0;
}

bool
kcounters_has(const struct kcounters *kc, enum kcounter c)
{
	return (unsigned int)c < KC_COUNT && (kc->present & (1u << c)) != 0;
}

bool
kcounters_delta(const struct kcounters *older, const struct kcounters *newer, enum kcounter c,
                uint64_t *delta)
{
	if (kcounter_is_gauge(c) || !kcounters_has(older, c) || !kcounters_has(newer, c) ||
	    newer->value[c] < older->value[c])
		return false;
	*delta = newer->value[c] - older->value[c];
	return true;
}

bool
kcounters_rate(const struct kcounters *older, const struct kcounters *newer, enum kcounter c,
               double dt_s, double *rate)
{
	uint64_t delta;

	if (kcounter_is_gauge(c)) {
		if (!kcounters_has(newer, c))
			return false;
		*rate = (double)newer->value[c];
		return true;
	}
	if (!(dt_s > 0) || !kcounters_delta(older, newer, c, &delta))
		return false;
	*rate = (double)delta / dt_s;
	return true;
}
