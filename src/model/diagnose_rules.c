/*
 * diagnose_rules.c - the table of diagnosis rules and their evaluation.
 *
 * One const entry per rule: its id, its config keys (with defaults, ranges
 * and help), the sockets it groups and how (diagnose_group.c files them),
 * its severity, its description for the man page, and two small
 * functions: the level of a group (measure / threshold; most rules need
 * none, a count over the grouping's threshold) and the text of a
 * finding.  The config parser (diag_config.c), the man page's list of keys
 * (checked by test_diagnose) and the findings' output all come from here.
 * A new rule: its value in enum diag_rule and its keys' in enum diag_key,
 * one entry below with its functions, then `make update-conf-man`.
 *
 * Single-threaded (the diagnoser's owner); never prints.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose_internal.h"
#include "format.h"
#include "hash.h"
#include "sock_format.h"
#include "timespec_util.h"

/* gkey.subj of a distinct-ends sub-group (diagnose_group.c). */
#define SUBJ_DISTINCT (DIAG_BY_COUNT + 1)

/* ------------------------------------------------------------ text */

/* "412" or "18,204". */
static const char *
num(char *buf, size_t len, uint64_t n)
{
	format_count(n, buf, len);
	return buf;
}

/* "95 s", "12 min", "at least 95 s"; "unknown" when not measured. */
static void
age_text(double age, bool lower_bound, char *out, size_t len)
{
	char d[32];

	if (age < 0 || (lower_bound && age < 1)) {
		snprintf(out, len, "unknown yet");
		return;
	}
	if (age < 600)
		snprintf(d, sizeof(d), "%.0f s", age);
	else if (age < 7200)
		snprintf(d, sizeof(d), "%.0f min", age / 60);
	else
		snprintf(d, sizeof(d), "%.1f h", age / 3600);
	snprintf(out, len, "%s%s", lower_bound ? "at least " : "", d);
}

/* Fills pid, comm and subject from the owner of entry i; false when the
 * owner is not known. */
static bool
set_process(struct diag_finding *f, const struct snapshot *snap, int64_t i)
{
	const struct owner_proc *p = i >= 0 && (size_t)i < snap->n_entries
					 ? sock_format_owner(snap, &snap->entries[i])
					 : NULL;

	if (p == NULL)
		return false;
	f->pid = p->pid;
	snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
	snprintf(f->subject, sizeof(f->subject), "%s (pid %d)", p->comm, p->pid);
	return true;
}

/* Appends printf-style text to out. */
static void __attribute__((format(printf, 3, 4)))
append(char *out, size_t len, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
}

/* " ; NAME 12/s" when the rate is known, else nothing. */
static void
append_rate(char *out, size_t len, const struct diagnose *d, enum kcounter c, const char *what)
{
	if (d->rate[c] >= 0)
		append(out, len, "; %s %.0f/s", what, d->rate[c]);
}

static const struct sock_entry *
example(const struct diagnose *d, const struct diag_group *g)
{
	return &d->snap->entries[g->example];
}

static double
min2(double a, double b)
{
	return a < b ? a : b;
}

static double
max2(double a, double b)
{
	return a > b ? a : b;
}

/* ------------------------------------------------------------ close_wait */

/* A pile by count alone, or fewer that are old or entering fast. */
static double
close_wait_level(const struct diagnose *d, const struct diag_group *g,
		 const struct diag_rule_grouping *how)
{
	const struct statetrack_summary *sum = d->st != NULL ? statetrack_summary(d->st) : NULL;
	double few = g->count / diag_cfg(d, DIAG_CLOSE_WAIT_OLD_MIN);
	double level = g->count / diag_cfg(d, how->min);
	double age_s = diag_cfg(d, DIAG_CLOSE_WAIT_AGE_S);

	if (g->oldest >= 0 && !(g->oldest_lower_bound && g->oldest < 1))
		level = max2(level, min2(few, age_s > 0 ? g->oldest / age_s : 1e9));
	if (sum != NULL && sum->has_rates)
		level = max2(level, min2(few, g->recent / sum->interval_s /
						  diag_cfg(d, DIAG_CLOSE_WAIT_GROWTH)));
	return level;
}

static void
close_wait_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = example(d, g);
	const struct statetrack_summary *sum = d->st != NULL ? statetrack_summary(d->st) : NULL;
	char n[32], age[48], who[192];

	f->port = e->local_port;
	if (g->key.subj == DIAG_BY_PROCESS && set_process(f, d->snap, g->example)) {
		snprintf(f->key, sizeof(f->key), "close_wait/pid:%d", f->pid);
		snprintf(who, sizeof(who), "%s", f->subject);
	} else {
		snprintf(f->key, sizeof(f->key), "close_wait/port:%u", e->local_port);
		snprintf(f->subject, sizeof(f->subject), "port %u", e->local_port);
		snprintf(who, sizeof(who), "The process on port %u (not visible)", e->local_port);
	}
	age_text(g->oldest, g->oldest_lower_bound, age, sizeof(age));
	snprintf(f->title, sizeof(f->title), "%s holds %s sockets in CLOSE_WAIT, oldest %s", who,
		 num(n, sizeof(n), g->count), age);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in CLOSE_WAIT (a pile at %g, or %g when older than %g s or entering at "
		 "%g/s); oldest %s; %u entered since the previous sample",
		 g->count, diag_cfg(d, DIAG_CLOSE_WAIT_MIN), diag_cfg(d, DIAG_CLOSE_WAIT_OLD_MIN),
		 diag_cfg(d, DIAG_CLOSE_WAIT_AGE_S), diag_cfg(d, DIAG_CLOSE_WAIT_GROWTH), age,
		 g->recent);
	if (sum != NULL && sum->has_rates && g->recent > 0)
		append(f->evidence, sizeof(f->evidence), " (%.1f/s)", g->recent / sum->interval_s);
	snprintf(f->next, sizeof(f->next),
		 "it does not close() connections its peers closed; check that the handler "
		 "closes sockets on every path (errors, timeouts, early returns) and that its "
		 "workers are not stuck");
}

/* ------------------------------------------------------------ syn_recv */

static void
syn_recv_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct diag_group *lg = diag_group_listener(d, g->key.netns, g->key.port);
	const struct sock_entry *l = lg != NULL ? example(d, lg) : NULL;
	/* The overflow counter is host-wide: it speaks for this port only
	 * when the port's own listener is not in the snapshot. */
	bool full = l != NULL
			? lg->fill * 100 >= diag_cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT)
			: d->rate[KC_LISTEN_OVERFLOWS] >= diag_cfg(d, DIAG_LISTEN_DROPS_MIN_PER_S);
	char n[32], m[32], who[192];

	f->port = g->key.port;
	snprintf(f->key, sizeof(f->key), "syn_recv/port:%u", g->key.port);
	if (!set_process(f, d->snap, l != NULL ? (int64_t)lg->example : -1))
		snprintf(who, sizeof(who), "the listening process");
	else
		snprintf(who, sizeof(who), "%s", f->subject);
	snprintf(f->subject, sizeof(f->subject), "port %u", g->key.port);
	num(n, sizeof(n), g->count);
	num(m, sizeof(m), g->distinct);
	if (g->distinct >= diag_cfg(d, DIAG_SYN_RECV_FLOOD_SOURCES)) {
		f->severity = DIAG_CRITICAL;
		snprintf(
		    f->title, sizeof(f->title),
		    "Possible SYN flood on port %u: %s half-open connections from %s addresses",
		    g->key.port, n, m);
		snprintf(f->next, sizeof(f->next),
			 "many sources with few half-open connections each point to a flood (often "
			 "from spoofed addresses): keep net.ipv4.tcp_syncookies on and filter or "
			 "rate-limit upstream; if they are real clients, %s completes handshakes "
			 "too slowly",
			 who);
	} else if (full) {
		snprintf(f->title, sizeof(f->title),
			 "Port %u's accept backlog is too small: %s connections wait in SYN_RECV "
			 "while the accept queue overflows",
			 g->key.port, n);
		snprintf(
		    f->next, sizeof(f->next),
		    "%s does not accept() fast enough for this connection rate, or its backlog "
		    "is too small: check the accept loop, then raise the listen() backlog and "
		    "net.core.somaxconn",
		    who);
	} else {
		snprintf(f->title, sizeof(f->title),
			 "%s half-open connections pile up on port %u (from %s address%s): "
			 "handshakes do not complete",
			 n, g->key.port, m, g->distinct == 1 ? "" : "es");
		snprintf(
		    f->next, sizeof(f->next),
		    "the clients' final ACKs do not arrive or are not taken: a lossy path, a "
		    "firewall dropping ACKs, or TCP_DEFER_ACCEPT waiting for data clients never "
		    "send");
	}
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in SYN_RECV (threshold %g) from %u address%s", g->count,
		 diag_cfg(d, DIAG_SYN_RECV_MIN), g->distinct, g->distinct == 1 ? "" : "es");
	if (l != NULL)
		append(f->evidence, sizeof(f->evidence), "; accept queue %u of backlog %u",
		       l->recv_q, l->send_q);
	append_rate(f->evidence, sizeof(f->evidence), d, KC_SYNCOOKIES_SENT, "SYN cookies sent");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "listen overflows");
}

/* ------------------------------------------------------------ host-wide */

/* The port of the fullest listener, or of the most SYN_RECV sockets. */
static void
host_subject(const struct diagnose *d, struct diag_finding *f, bool prefer_syn_recv)
{
	const struct diag_group *best = NULL;

	snprintf(f->subject, sizeof(f->subject), "host");
	for (size_t i = 0; prefer_syn_recv && i < d->n_groups; i++) {
		const struct diag_group *g = &d->groups[i];

		if (g->key.set == TCP_STATE_SYN_RECV && g->key.subj == DIAG_BY_PORT &&
		    g->key.netns == d->cur_netns && (best == NULL || g->count > best->count))
			best = g;
	}
	if (best != NULL) {
		const struct diag_group *lg = diag_group_listener(d, d->cur_netns, best->key.port);

		if (lg != NULL)
			set_process(f, d->snap, lg->example);
		f->port = best->key.port;
	} else if (d->fullest_listener >= 0) {
		set_process(f, d->snap, d->fullest_listener);
		f->port = d->snap->entries[d->fullest_listener].local_port;
	}
	if (f->port != 0)
		snprintf(f->subject, sizeof(f->subject), "port %u", f->port);
}

static double
syncookies_level(const struct diagnose *d, const struct diag_group *g,
		 const struct diag_rule_grouping *how)
{
	(void)g;
	(void)how;
	if (d->rate[KC_SYNCOOKIES_SENT] < 0)
		return -1;
	return d->rate[KC_SYNCOOKIES_SENT] / diag_cfg(d, DIAG_SYNCOOKIES_MIN_PER_S);
}

static void
syncookies_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	bool overflowing = d->rate[KC_LISTEN_OVERFLOWS] > 0 ||
			   d->fullest_fill * 100 >= diag_cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT);

	(void)g;
	snprintf(f->key, sizeof(f->key), "syncookies/host");
	host_subject(d, f, !overflowing);
	if (overflowing) {
		char see[208] = "";

		if (f->port != 0)
			snprintf(see, sizeof(see), " (see %s)", f->subject);
		snprintf(f->title, sizeof(f->title),
			 "The kernel answers SYNs with SYN cookies (%.0f/s): a listen queue "
			 "overflows",
			 d->rate[KC_SYNCOOKIES_SENT]);
		snprintf(f->next, sizeof(f->next),
			 "a listener's backlog is too small for the connection rate or its process "
			 "accepts too slowly%s: raise the listen() backlog and net.core.somaxconn",
			 see);
	} else {
		snprintf(f->title, sizeof(f->title),
			 "The kernel answers SYNs with SYN cookies (%.0f/s): the SYN queue is full",
			 d->rate[KC_SYNCOOKIES_SENT]);
		snprintf(
		    f->next, sizeof(f->next),
		    "a SYN flood, or more new connections than net.ipv4.tcp_max_syn_backlog and "
		    "the listen backlog allow; look at the sources of the SYN_RECV sockets%s%s",
		    f->port != 0 ? " on " : "", f->port != 0 ? f->subject : "");
	}
	snprintf(f->evidence, sizeof(f->evidence), "SYN cookies sent %.0f/s (threshold %g/s)",
		 d->rate[KC_SYNCOOKIES_SENT], diag_cfg(d, DIAG_SYNCOOKIES_MIN_PER_S));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_REQ_Q_FULL_COOKIE,
		    "SYN queue full (cookies)");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "listen overflows");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_PASSIVE_OPENS, "accepted handshakes");
}

static double
listen_drop_rate(const struct diagnose *d)
{
	double a = d->rate[KC_LISTEN_OVERFLOWS], b = d->rate[KC_LISTEN_DROPS];

	return a > b ? a : b;
}

static double
listen_drops_level(const struct diagnose *d, const struct diag_group *g,
		   const struct diag_rule_grouping *how)
{
	(void)g;
	(void)how;
	if (listen_drop_rate(d) < 0)
		return -1;
	return listen_drop_rate(d) / diag_cfg(d, DIAG_LISTEN_DROPS_MIN_PER_S);
}

static void
listen_drops_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	(void)g;
	snprintf(f->key, sizeof(f->key), "listen_drops/host");
	host_subject(d, f, false);
	snprintf(f->title, sizeof(f->title),
		 "The kernel drops incoming connections: %.0f/s find the accept queue full%s%s",
		 listen_drop_rate(d), f->port != 0 ? " (fullest: " : "",
		 f->port != 0 ? f->subject : "");
	if (f->port != 0)
		append(f->title, sizeof(f->title), ")");
	snprintf(f->evidence, sizeof(f->evidence), "threshold %g/s",
		 diag_cfg(d, DIAG_LISTEN_DROPS_MIN_PER_S));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "ListenOverflows");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_DROPS, "ListenDrops");
	snprintf(f->next, sizeof(f->next),
		 "a listening process accepts too slowly or its backlog is too small: compare "
		 "Recv-Q with Send-Q in `ss -ltn`, check the accept loop, raise the listen() "
		 "backlog and net.core.somaxconn");
}

static double
retrans_level(const struct diagnose *d, const struct diag_group *g,
	      const struct diag_rule_grouping *how)
{
	double out = d->rate[KC_OUT_SEGS], re = d->rate[KC_RETRANS_SEGS];

	(void)g;
	(void)how;
	if (!(out > 0) || re < 0 || out < diag_cfg(d, DIAG_RETRANS_MIN_OUT_PER_S))
		return -1;
	return 100 * re / out / diag_cfg(d, DIAG_RETRANS_PCT);
}

static void
retrans_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct diag_group *worst = NULL;
	double out = d->rate[KC_OUT_SEGS], re = d->rate[KC_RETRANS_SEGS];
	char peer[SOCK_FORMAT_ADDR_MAX];

	(void)g;
	for (size_t i = 0; i < d->n_groups; i++)
		if (d->groups[i].key.set == DIAG_SET_RETRANS &&
		    d->groups[i].key.subj == DIAG_BY_PEER &&
		    d->groups[i].key.netns == d->cur_netns &&
		    (worst == NULL || d->groups[i].count > worst->count))
			worst = &d->groups[i];
	snprintf(f->key, sizeof(f->key), "retrans/host");
	snprintf(f->subject, sizeof(f->subject), "host");
	snprintf(f->title, sizeof(f->title),
		 "Retransmissions are high: %.1f%% of segments sent (%.0f/s of %.0f/s)",
		 100 * re / out, re, out);
	snprintf(f->evidence, sizeof(f->evidence),
		 "RetransSegs %.0f/s, OutSegs %.0f/s (threshold %g%% above %g segments/s)", re, out,
		 diag_cfg(d, DIAG_RETRANS_PCT), diag_cfg(d, DIAG_RETRANS_MIN_OUT_PER_S));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_TIMEOUTS, "timeouts");
	if (worst != NULL) {
		sock_format_addr(example(d, worst), 1, peer, sizeof(peer));
		append(f->evidence, sizeof(f->evidence),
		       "; most sockets retransmitting: %u toward %s", worst->count, peer);
		snprintf(f->subject, sizeof(f->subject), "peer %s", peer);
	}
	snprintf(f->next, sizeof(f->next),
		 "packet loss or congestion on the path: check the links toward the busiest "
		 "peers (`ip -s link` for errors and drops) and `ss -ti` for the sockets with "
		 "retransmits");
}

/* ------------------------------------------------------------ accept_queue */

static double
accept_queue_level(const struct diagnose *d, const struct diag_group *g,
		   const struct diag_rule_grouping *how)
{
	(void)how;
	return g->fill * 100 / diag_cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT);
}

static void
accept_queue_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *l = example(d, g);
	char who[192];

	f->port = l->local_port;
	snprintf(f->key, sizeof(f->key), "accept_queue/port:%u", l->local_port);
	if (set_process(f, d->snap, g->example))
		snprintf(who, sizeof(who), "%s", f->subject);
	else
		snprintf(who, sizeof(who), "the listening process");
	snprintf(f->subject, sizeof(f->subject), "port %u", l->local_port);
	if (d->rate[KC_LISTEN_OVERFLOWS] > 0 || l->recv_q > l->send_q)
		f->severity = DIAG_CRITICAL;
	snprintf(f->title, sizeof(f->title),
		 "Port %u's accept queue is full (%u of %u): %s does not accept() connections "
		 "fast enough",
		 l->local_port, l->recv_q, l->send_q, who);
	snprintf(f->evidence, sizeof(f->evidence), "accept queue %u, backlog %u (full at %g%%)",
		 l->recv_q, l->send_q, diag_cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "listen overflows");
	snprintf(f->next, sizeof(f->next),
		 "new connections beyond the backlog are dropped or answered with SYN cookies; "
		 "check whether the accept loop is blocked or starved, then raise the listen() "
		 "backlog and net.core.somaxconn");
}

/* ------------------------------------------------------------ time_wait_ports */

static double
port_range(const struct diagnose *d)
{
	return d->port_high - d->port_low + 1;
}

/* TIME_WAIT on an ephemeral local port holds one of the range's ports
 * toward its destination.  The other connections on such ports hold one
 * too; they are counted only when a destination's TIME_WAIT alone comes
 * to a quarter of the threshold, since on a client host they are most
 * sockets. */
static int
ports_count_users(struct diagnose *d)
{
	double near = port_range(d) * diag_cfg(d, DIAG_TIME_WAIT_PORT_USE_PCT) / 100 / 4;
	const struct snapshot *snap = d->snap;
	bool worth = false;

	for (size_t i = 0; i < d->n_groups && !worth; i++)
		worth = d->groups[i].key.set == TCP_STATE_TIME_WAIT &&
			d->groups[i].key.subj == DIAG_BY_DEST && d->groups[i].count >= near;
	for (size_t i = 0; worth && i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct diag_group *g;
		struct diag_gkey k;

		if (e->state == TCP_STATE_TIME_WAIT || e->state == TCP_STATE_LISTEN ||
		    e->state == TCP_STATE_SYN_RECV || e->state == TCP_STATE_CLOSE ||
		    e->local_port < d->port_low || e->local_port > d->port_high)
			continue;
		diag_group_dest_key(&k, TCP_STATE_TIME_WAIT, e);
		k.netns = diag_netns_key(d, e);
		g = diag_group_find(d, &k);
		if (g == NULL)
			continue;
		g->count++;
		if (g->owned < 0 && e->owner_status == OWNER_FOUND)
			g->owned = (int32_t)i;
	}
	return 0;
}

static double
ports_level(const struct diagnose *d, const struct diag_group *g,
	    const struct diag_rule_grouping *how)
{
	return g->count / (port_range(d) * diag_cfg(d, how->min) / 100);
}

static void
ports_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = example(d, g);
	unsigned int range = d->port_high - d->port_low + 1;
	char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX], n[32], r[32], tw[32];
	double pct = 100.0 * g->count / range;

	sock_format_addr(e, 0, local, sizeof(local));
	sock_format_endpoint(e, 1, remote, sizeof(remote));
	snprintf(f->key, sizeof(f->key), "time_wait_ports/%s>%s", local, remote);
	set_process(f, d->snap, g->owned);
	snprintf(f->subject, sizeof(f->subject), "%s -> %s", local, remote);
	if (pct >= 90)
		f->severity = DIAG_CRITICAL;
	snprintf(f->title, sizeof(f->title),
		 "Connections to %s use %.0f%% of the local port range (%s of %s ports, %s in "
		 "TIME_WAIT)",
		 remote, pct, num(n, sizeof(n), g->count), num(r, sizeof(r), range),
		 num(tw, sizeof(tw), g->time_wait));
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u sockets from %s on ports %u-%u toward %s, %u in TIME_WAIT (threshold %g%%)",
		 g->count, local, d->port_low, d->port_high, remote, g->time_wait,
		 diag_cfg(d, DIAG_TIME_WAIT_PORT_USE_PCT));
	snprintf(f->next, sizeof(f->next),
		 "new connections to it fail with EADDRNOTAVAIL once the range is used up: reuse "
		 "connections (keep-alive, pooling), widen net.ipv4.ip_local_port_range, or let "
		 "net.ipv4.tcp_tw_reuse take TIME_WAIT ports for new outgoing connections");
}

/* ------------------------------------------------------------ syn_sent */

static void
syn_sent_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = example(d, g);
	char who[192], dest[SOCK_FORMAT_ADDR_MAX], n[32], m[32];

	sock_format_endpoint(e, 1, dest, sizeof(dest));
	num(n, sizeof(n), g->count);
	if (g->key.by == DIAG_BY_DEST) {
		snprintf(f->key, sizeof(f->key), "syn_sent/%s", dest);
		snprintf(f->subject, sizeof(f->subject), "%s", dest);
		snprintf(f->title, sizeof(f->title),
			 "%s connection attempts from several processes to %s get no answer", n,
			 dest);
		snprintf(f->evidence, sizeof(f->evidence),
			 "%u in SYN_SENT toward %s (threshold %g), from more than one process",
			 g->count, dest, diag_cfg(d, DIAG_SYN_SENT_DEST_MIN));
		snprintf(f->next, sizeof(f->next),
			 "the destination is down or unreachable, or a firewall drops the SYNs (a "
			 "closed port would answer with a reset); if it is a local listener, check "
			 "its accept queue");
		append_rate(f->evidence, sizeof(f->evidence), d, KC_SYN_RETRANS, "SYN retransmits");
		append_rate(f->evidence, sizeof(f->evidence), d, KC_ATTEMPT_FAILS,
			    "failed attempts");
		return;
	}
	if (g->key.subj == DIAG_BY_PROCESS && set_process(f, d->snap, g->example)) {
		snprintf(f->key, sizeof(f->key), "syn_sent/pid:%d", f->pid);
		snprintf(who, sizeof(who), "%s", f->subject);
	} else {
		snprintf(f->key, sizeof(f->key), "syn_sent/unowned");
		snprintf(f->subject, sizeof(f->subject), "unknown process");
		snprintf(who, sizeof(who), "A process not visible here");
	}
	num(m, sizeof(m), g->distinct);
	if (g->distinct >= diag_cfg(d, DIAG_SYN_SENT_SCAN_DESTS)) {
		snprintf(f->title, sizeof(f->title),
			 "%s has %s connection attempts pending to %s different destinations", who,
			 n, m);
		snprintf(f->next, sizeof(f->next),
			 "a port scan or a fan-out to hosts that do not answer; if unexpected, see "
			 "what the process connects to (ss -tnp state syn-sent)");
	} else {
		if (g->distinct == 1)
			snprintf(f->title, sizeof(f->title),
				 "%s waits on %s connection attempts to %s that get no answer", who,
				 n, dest);
		else
			snprintf(
			    f->title, sizeof(f->title),
			    "%s waits on %s connection attempts to %s destinations that get no "
			    "answer, such as %s",
			    who, n, m, dest);
		snprintf(f->next, sizeof(f->next),
			 "the peer is down or unreachable, or a firewall drops the SYNs (a closed "
			 "port would answer with a reset); if it is a local listener, check its "
			 "accept queue");
	}
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in SYN_SENT (threshold %g) to %u destination%s", g->count,
		 diag_cfg(d, DIAG_SYN_SENT_MIN), g->distinct, g->distinct == 1 ? "" : "s");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_SYN_RETRANS, "SYN retransmits");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_ATTEMPT_FAILS, "failed attempts");
}

/* ------------------------------------------------------------ fin_wait1, last_ack */

/* Toward one peer; or spread over many peers, on one local port (a
 * server) or from one process's ephemeral ports (a client). */
static void
closing_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = example(d, g);
	bool fw1 = g->key.set == TCP_STATE_FIN_WAIT1;
	const char *state = fw1 ? "FIN_WAIT1" : "LAST_ACK", *id = fw1 ? "fin_wait1" : "last_ack";
	char peer[SOCK_FORMAT_ADDR_MAX], n[32], m[32], age[48], who[200] = "";

	num(n, sizeof(n), g->count);
	if (g->key.by == DIAG_BY_PEER) {
		sock_format_addr(e, 1, peer, sizeof(peer));
		snprintf(f->key, sizeof(f->key), "%s/%s", id, peer);
		set_process(f, d->snap, g->owned);
		f->port = e->local_port;
		snprintf(f->subject, sizeof(f->subject), "peer %s", peer);
		snprintf(f->title, sizeof(f->title),
			 "%s connections to %s are stuck in %s: the peer does not acknowledge our "
			 "FIN%s",
			 n, peer, state, fw1 ? "" : " after closing its side");
		snprintf(f->evidence, sizeof(f->evidence),
			 "%u in %s toward %s (threshold %g), e.g. local port %u to port %u",
			 g->count, state, peer,
			 diag_cfg(d, fw1 ? DIAG_FIN_WAIT1_MIN : DIAG_LAST_ACK_MIN), e->local_port,
			 e->remote_port);
		append_rate(f->evidence, sizeof(f->evidence), d, KC_TIMEOUTS,
			    "retransmission timeouts");
		snprintf(f->next, sizeof(f->next),
			 "the peer is gone (a killed load generator, a rebooted host) or stopped "
			 "reading with its window closed; check that it is alive and reachable. "
			 "Orphaned sockets give up after net.ipv4.tcp_orphan_retries");
		return;
	}
	num(m, sizeof(m), g->distinct);
	age_text(g->oldest, g->oldest_lower_bound, age, sizeof(age));
	if (g->key.by == DIAG_BY_PORT) {
		const struct diag_group *lg = diag_group_listener(d, g->key.netns, g->key.port);

		f->port = g->key.port;
		snprintf(f->key, sizeof(f->key), "%s/port:%u", id, g->key.port);
		/* Closed sockets have no owner left: the listener's names the
		 * server. */
		if (set_process(f, d->snap, g->owned) ||
		    (lg != NULL && set_process(f, d->snap, lg->example)))
			snprintf(who, sizeof(who), " of %s", f->subject);
		snprintf(f->subject, sizeof(f->subject), "port %u", g->key.port);
		snprintf(f->title, sizeof(f->title),
			 "%s connections%s on port %u are stuck in %s toward %s peers: they do not "
			 "acknowledge our FIN%s",
			 n, who, g->key.port, state, m, fw1 ? "" : " after closing their side");
		snprintf(
		    f->next, sizeof(f->next),
		    "many clients stopped acknowledging at once: the server closed connections "
		    "under load (a shutdown, a restart, a timeout sweep) whose clients were gone "
		    "or had stopped reading, or it queued replies that slow clients never read; "
		    "see `ss -tno state %s sport = :%u`. Orphaned sockets give up after "
		    "net.ipv4.tcp_orphan_retries",
		    fw1 ? "fin-wait-1" : "last-ack", g->key.port);
	} else {
		set_process(f, d->snap, g->example);
		f->port = e->local_port;
		snprintf(f->key, sizeof(f->key), "%s/pid:%d", id, f->pid);
		snprintf(
		    f->title, sizeof(f->title),
		    "%s has %s connections stuck in %s toward %s peers: they do not acknowledge "
		    "its FIN%s",
		    f->subject, n, state, m, fw1 ? "" : " after closing their side");
		snprintf(
		    f->next, sizeof(f->next),
		    "the process closed many outgoing connections whose peers are gone or "
		    "stopped reading with their windows closed; check what these peers have in "
		    "common (ss -tnop state %s)",
		    fw1 ? "fin-wait-1" : "last-ack");
	}
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in %s for %g s or more (threshold %g) toward %u peer address%s, oldest %s",
		 g->count, state, diag_cfg(d, fw1 ? DIAG_FIN_WAIT1_AGE_S : DIAG_LAST_ACK_AGE_S),
		 diag_cfg(d, fw1 ? DIAG_FIN_WAIT1_PORT_MIN : DIAG_LAST_ACK_PORT_MIN), g->distinct,
		 g->distinct == 1 ? "" : "es", age);
	append_rate(f->evidence, sizeof(f->evidence), d, KC_TIMEOUTS, "retransmission timeouts");
}

/* ------------------------------------------------------------ fin_wait2 */

static void
fin_wait2_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = example(d, g);
	char n[32], age[48], limit[32], peer[SOCK_FORMAT_ADDR_MAX];

	age_text(g->oldest, g->oldest_lower_bound, age, sizeof(age));
	age_text(diag_cfg(d, DIAG_FIN_WAIT2_AGE_S), false, limit, sizeof(limit));
	num(n, sizeof(n), g->count);
	f->port = e->local_port;
	if (g->key.subj == DIAG_BY_PROCESS && set_process(f, d->snap, g->example)) {
		snprintf(f->key, sizeof(f->key), "fin_wait2/pid:%d", f->pid);
		snprintf(f->title, sizeof(f->title),
			 "%s has %s connections half-closed for over %s (FIN_WAIT2, oldest %s)",
			 f->subject, n, limit, age);
	} else {
		sock_format_addr(e, 1, peer, sizeof(peer));
		snprintf(f->key, sizeof(f->key), "fin_wait2/%s", peer);
		snprintf(f->subject, sizeof(f->subject), "peer %s", peer);
		snprintf(f->title, sizeof(f->title),
			 "%s connections to %s have been in FIN_WAIT2 for over %s (oldest %s)", n,
			 peer, limit, age);
	}
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in FIN_WAIT2 for %g s or more (threshold %g sockets), oldest %s", g->count,
		 diag_cfg(d, DIAG_FIN_WAIT2_AGE_S), diag_cfg(d, DIAG_FIN_WAIT2_MIN), age);
	snprintf(f->next, sizeof(f->next),
		 "our side shut down writing but the peer never closed its side: the peer leaks "
		 "connections (look for CLOSE_WAIT there), or this process keeps sockets after "
		 "shutdown() instead of close()-ing them");
}

/* ------------------------------------------------------------ fd_limit */

/* The process of the owner table with that pid, or NULL. */
static const struct owner_proc *
proc_of_pid(const struct snapshot *snap, int32_t pid)
{
	size_t n = snap->owners != NULL ? owner_table_procs(snap->owners) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct owner_proc *p = owner_table_proc(snap->owners, (uint32_t)i);

		if (p->pid == pid)
			return p;
	}
	return NULL;
}

/* Open descriptors as a share of the soft limit, in percent; -1 when
 * either is not known. */
static double
fd_use_pct(const struct owner_proc *p)
{
	if (p == NULL || p->pid <= 0 || p->fd_limit == 0 || p->fds == 0)
		return -1;
	return 100.0 * p->fds / p->fd_limit;
}

/* Files one socket into the group of each of its holders that is close
 * to its limit (group[] by owner-table index: its group's index, or
 * NEAR_NEW before it has one; UINT32_MAX when not near): the sockets it
 * holds in this sample, and its fullest listener. */
#define NEAR_NEW (UINT32_MAX - 1)

static int
fd_limit_file(struct diagnose *d, size_t i, uint32_t *group, uint32_t *holders, size_t max)
{
	const struct sock_entry *e = &d->snap->entries[i];
	size_t n = e->n_owners <= 1 ? 1 : owner_table_lookup(d->snap->owners, e->inode, NULL,
							      holders, max);

	if (e->n_owners <= 1)
		holders[0] = e->owner;
	for (size_t k = 0; k < n && k < max; k++) {
		const struct owner_proc *p = owner_table_proc(d->snap->owners, holders[k]);
		struct diag_group *g;

		if (p == NULL || group[holders[k]] == UINT32_MAX)
			continue;
		if (group[holders[k]] == NEAR_NEW) {
			struct diag_gkey key;

			memset(&key, 0, sizeof(key));
			key.set = DIAG_SET_PROCS;
			key.by = key.subj = DIAG_BY_PROCESS;
			key.pid = (uint32_t)p->pid;
			if ((g = diag_group_add(d, &key, (uint32_t)i)) == NULL)
				return -1;
			g->pid = p->pid;
			group[holders[k]] = (uint32_t)(g - d->groups);
		}
		g = &d->groups[group[holders[k]]];
		g->count++;
		if (e->state == TCP_STATE_LISTEN) {
			double fill = (double)e->recv_q / (e->send_q > 0 ? e->send_q : 1);

			if (g->owned < 0 || fill > g->fill) {
				g->owned = (int32_t)i;
				g->fill = fill;
			}
		}
	}
	return 0;
}

/*
 * One group per process whose descriptors come near its limit (from the
 * clearing threshold on, so a finding can hold and clear) and that holds
 * sockets of this sample: other processes of the table hold sockets in
 * other namespaces, or of other protocols, and a recording does not keep
 * them.  The group counts its sockets; `owned` is its fullest listener
 * (entry index, -1 without one) and `fill` that listener's accept queue
 * over its backlog.  Costs a look at each process; the sockets are
 * walked only when some process is near its limit.
 */
static int
fd_limit_group(struct diagnose *d)
{
	const struct snapshot *snap = d->snap;
	size_t n_procs = snap->owners != NULL ? owner_table_procs(snap->owners) : 0;
	double from = diag_cfg(d, DIAG_FD_LIMIT_PCT) * diag_cfg(d, DIAG_CLEAR_PCT) / 100;
	uint32_t holders[64], *group;
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < n_procs && !any; i++)
		any = fd_use_pct(owner_table_proc(snap->owners, (uint32_t)i)) >= from;
	if (!any)
		return 0;
	group = malloc(n_procs * sizeof(*group));
	if (group == NULL)
		return -1;
	for (size_t i = 0; i < n_procs; i++)
		group[i] = fd_use_pct(owner_table_proc(snap->owners, (uint32_t)i)) >= from
			       ? NEAR_NEW
			       : UINT32_MAX;
	for (size_t i = 0; i < snap->n_entries && rc == 0; i++)
		if (snap->entries[i].owner_status == OWNER_FOUND)
			rc = fd_limit_file(d, i, group, holders, sizeof(holders) / sizeof(holders[0]));
	free(group);
	return rc;
}

static double
fd_limit_level(const struct diagnose *d, const struct diag_group *g,
	       const struct diag_rule_grouping *how)
{
	double pct = fd_use_pct(proc_of_pid(d->snap, g->pid));

	(void)how;
	return pct < 0 ? -1 : pct / diag_cfg(d, DIAG_FD_LIMIT_PCT);
}

static void
fd_limit_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct owner_proc *p = proc_of_pid(d->snap, g->pid);
	const struct sock_entry *l = g->owned >= 0 ? &d->snap->entries[g->owned] : NULL;
	bool full = p->fds >= p->fd_limit;
	char fds[32], soft[32], hard[32], queue[160] = "";

	f->pid = p->pid;
	snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
	snprintf(f->subject, sizeof(f->subject), "%s (pid %d)", p->comm, p->pid);
	snprintf(f->key, sizeof(f->key), "fd_limit/pid:%d", p->pid);
	num(fds, sizeof(fds), p->fds);
	num(soft, sizeof(soft), p->fd_limit);
	if (p->fd_limit_hard != 0)
		snprintf(hard, sizeof(hard), "%u", p->fd_limit_hard);
	else
		snprintf(hard, sizeof(hard), "unlimited");
	if (l != NULL) {
		f->port = l->local_port;
		/* A process that cannot accept() leaves connections in the
		 * queue: waiting ones already are the symptom. */
		if (l->recv_q > 0)
			snprintf(queue, sizeof(queue),
				 "; port %u's accept queue is already filling (%u of %u)",
				 l->local_port, l->recv_q, l->send_q);
	}
	if (full) {
		f->severity = DIAG_CRITICAL;
		format_cut(f->title, sizeof(f->title),
			   "%s has used all %s of its file descriptors: accept() and connect() fail "
			   "with EMFILE (\"Too many open files\")%s",
			   f->subject, soft, queue);
	} else {
		format_cut(f->title, sizeof(f->title),
			   "%s uses %s of its %s file descriptors (%.0f%%): accept() and connect() "
			   "will fail with EMFILE (\"Too many open files\")%s",
			   f->subject, fds, soft, fd_use_pct(p), queue);
	}
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u descriptors open, soft limit %u, hard limit %s (RLIMIT_NOFILE, threshold "
		 "%g%%); %u of its sockets in this sample",
		 p->fds, p->fd_limit, hard, diag_cfg(d, DIAG_FD_LIMIT_PCT), g->count);
	if (l != NULL)
		append(f->evidence, sizeof(f->evidence),
		       "; fullest listener port %u: accept queue %u of backlog %u", l->local_port,
		       l->recv_q, l->send_q);
	else
		append(f->evidence, sizeof(f->evidence), "; no listening socket");
	snprintf(f->next, sizeof(f->next),
		 "every new socket, accepted or connected, needs a descriptor%s; look for a "
		 "descriptor leak (ls /proc/%d/fd | wc -l, lsof -p %d), then raise the limit: ",
		 l != NULL ? ", so new connections wait in the accept queue until it overflows" : "",
		 p->pid, p->pid);
	if (p->fd_limit_hard == 0 || p->fd_limit_hard > p->fd_limit)
		append(f->next, sizeof(f->next),
		       "the process may raise its soft limit up to the hard limit itself "
		       "(setrlimit), or start it with a higher ulimit -n or LimitNOFILE=");
	else
		append(f->next, sizeof(f->next),
		       "its soft limit is its hard limit, so raise both where it is started "
		       "(LimitNOFILE= in a systemd unit, limits.conf, ulimit -Hn)");
}

/* ------------------------------------------------------------ conntrack */

static double
conntrack_level(const struct diagnose *d, const struct diag_group *g,
		const struct diag_rule_grouping *how)
{
	const struct snapshot_nfct *ct = d->nfct;

	(void)g;
	(void)how;
	if (!ct->present || ct->max == 0)
		return -1;
	return 100.0 * ct->count / ct->max / diag_cfg(d, DIAG_CONNTRACK_FULL_PCT);
}

static void
conntrack_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct snapshot_nfct *ct = d->nfct;
	uint32_t syn_sent = d->counts[TCP_STATE_SYN_SENT];
	char count[32], max[32];

	(void)g;
	snprintf(f->key, sizeof(f->key), "conntrack/table");
	snprintf(f->subject, sizeof(f->subject), "connection tracking");
	num(count, sizeof(count), ct->count);
	num(max, sizeof(max), ct->max);
	if (ct->count >= ct->max) {
		f->severity = DIAG_CRITICAL;
		snprintf(f->title, sizeof(f->title),
			 "The connection-tracking table is full (%s of %s entries): the kernel "
			 "drops new connections before TCP sees them",
			 count, max);
	} else {
		snprintf(f->title, sizeof(f->title),
			 "The connection-tracking table is %.0f%% full (%s of %s entries): new "
			 "connections will be dropped before TCP sees them",
			 100.0 * ct->count / ct->max, count, max);
	}
	snprintf(f->evidence, sizeof(f->evidence),
		 "nf_conntrack_count %u, nf_conntrack_max %u (threshold %g%%)", ct->count,
		 ct->max, diag_cfg(d, DIAG_CONNTRACK_FULL_PCT));
	if (ct->buckets != 0)
		append(f->evidence, sizeof(f->evidence), ", nf_conntrack_buckets %u", ct->buckets);
	append(f->evidence, sizeof(f->evidence), "; %u connection%s in SYN_SENT", syn_sent,
	       syn_sent == 1 ? "" : "s");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_SYN_RETRANS, "SYN retransmits");
	snprintf(f->next, sizeof(f->next),
		 "a full table drops the first packet of every new flow (dmesg: \"nf_conntrack: "
		 "table full, dropping packet\"), so clients wait in SYN_SENT and retry: raise "
		 "net.netfilter.nf_conntrack_max (one limit for the whole host, set in its "
		 "initial namespace; this namespace's count is its own) and "
		 "net.netfilter.nf_conntrack_buckets with it (about max / 4), or stop tracking "
		 "this traffic (notrack) or shorten the conntrack timeouts");
}

/* ------------------------------------------------------------ stalled_reader, zero_window */

/* " on port 8080" (a server's connections) or " to 10.0.0.5:5432" (a
 * client's; " to its port 5432" when the peer is named already), "and
 * others" when the group spans more services. */
static void
stall_where(const struct diagnose *d, const struct diag_group *g, const struct sock_entry *e,
	    bool peer_named, char *out, size_t len)
{
	char peer[SOCK_FORMAT_ADDR_MAX];

	if (diag_service_port(d, e) == e->local_port) {
		snprintf(out, len, " on port %u%s", e->local_port,
			 g->other_ports ? " and other ports" : "");
	} else if (peer_named) {
		snprintf(out, len, " to its port %u%s", e->remote_port,
			 g->other_ports ? " and others" : "");
	} else {
		sock_format_endpoint(e, 1, peer, sizeof(peer));
		snprintf(out, len, " to %s%s", peer, g->other_ports ? " and others" : "");
	}
}

/* "10.0.0.2:41234 -> 10.0.0.1:8080" */
static void
stall_conn(const struct sock_entry *e, char *out, size_t len)
{
	char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX];

	sock_format_endpoint(e, 0, local, sizeof(local));
	sock_format_endpoint(e, 1, remote, sizeof(remote));
	snprintf(out, len, "%s -> %s", local, remote);
}

static void
stalled_reader_describe(const struct diagnose *d, const struct diag_group *g,
			struct diag_finding *f)
{
	const struct sock_entry *e = &d->snap->entries[g->eldest];
	char n[32], q[32], eq[32], age[48], where[112], conn[2 * SOCK_FORMAT_ADDR_MAX + 8],
	    who[192], pid[32] = "PID";

	f->port = diag_service_port(d, e);
	if (g->key.subj == DIAG_BY_PROCESS && set_process(f, d->snap, g->eldest)) {
		snprintf(f->key, sizeof(f->key), "stalled_reader/pid:%d", f->pid);
		snprintf(who, sizeof(who), "%s", f->subject);
		snprintf(pid, sizeof(pid), "%d", f->pid);
	} else {
		snprintf(f->key, sizeof(f->key), "stalled_reader/port:%u", e->local_port);
		snprintf(f->subject, sizeof(f->subject), "port %u", e->local_port);
		snprintf(who, sizeof(who), "The process on port %u (not visible)", e->local_port);
	}
	stall_where(d, g, e, false, where, sizeof(where));
	age_text(g->oldest, g->oldest_lower_bound, age, sizeof(age));
	stall_conn(e, conn, sizeof(conn));
	snprintf(f->title, sizeof(f->title),
		 "%s stopped reading: %s connections%s hold data it does not read, oldest "
		 "waiting %s",
		 who, num(n, sizeof(n), g->count), where, age);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u established with data in Recv-Q of which nothing was read for %g s or more "
		 "(threshold %g connections); %s bytes unread in all",
		 g->count, diag_cfg(d, DIAG_STALLED_READER_AGE_S),
		 diag_cfg(d, DIAG_STALLED_READER_MIN), num(q, sizeof(q), g->queued));
	append(f->evidence, sizeof(f->evidence), "; oldest %s: %s, Recv-Q %s", age, conn,
	       num(eq, sizeof(eq), e->recv_q));
	snprintf(f->next, sizeof(f->next),
		 "its readers are stuck: a blocked or deadlocked worker, or a full thread pool. "
		 "Look at its threads (`top -H -p %s`, `gdb -p %s -batch -ex 'thread apply all "
		 "bt'`), at what they wait in (`strace -f -p %s`) and at its logs; `ss -tnpi "
		 "state established` shows the Recv-Q",
		 pid, pid, pid);
}

static void
zero_window_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = &d->snap->entries[g->eldest];
	bool closed = e->timer == SOCK_TIMER_ZERO_WINDOW_PROBE ||
		      ((e->flags & SOCK_ENTRY_HAS_SND_WND) && e->snd_wnd == 0);
	char n[32], q[32], eq[32], age[48], where[112], conn[2 * SOCK_FORMAT_ADDR_MAX + 8],
	    peer[SOCK_FORMAT_ADDR_MAX], sender[208] = "";

	sock_format_addr(e, 1, peer, sizeof(peer));
	f->port = diag_service_port(d, e);
	snprintf(f->key, sizeof(f->key), "zero_window/%s", peer);
	if (set_process(f, d->snap, g->eldest))
		snprintf(sender, sizeof(sender), "; sending: %s", f->subject);
	snprintf(f->subject, sizeof(f->subject), "peer %s", peer);
	stall_where(d, g, e, true, where, sizeof(where));
	age_text(g->oldest, g->oldest_lower_bound, age, sizeof(age));
	stall_conn(e, conn, sizeof(conn));
	snprintf(f->title, sizeof(f->title),
		 "Peer %s stopped reading: %s connections%s cannot send, held by its %s, oldest "
		 "%s",
		 peer, num(n, sizeof(n), g->count), where,
		 closed ? "zero window" : "receive window", age);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u with data in Send-Q held by the peer's window for %g s or more (threshold %g "
		 "connections); %s bytes unsent in all",
		 g->count, diag_cfg(d, DIAG_ZERO_WINDOW_AGE_S), diag_cfg(d, DIAG_ZERO_WINDOW_MIN),
		 num(q, sizeof(q), g->queued));
	append(f->evidence, sizeof(f->evidence), "; oldest %s: %s, Send-Q %s, ", age, conn,
	       num(eq, sizeof(eq), e->send_q));
	if (e->timer == SOCK_TIMER_ZERO_WINDOW_PROBE)
		append(f->evidence, sizeof(f->evidence), "zero-window probes");
	else if (closed)
		append(f->evidence, sizeof(f->evidence), "window 0");
	else
		append(f->evidence, sizeof(f->evidence), "limited by the window most of the time");
	append(f->evidence, sizeof(f->evidence), "%s", sender);
	snprintf(f->next, sizeof(f->next),
		 "the program at %s does not read these connections (hung, blocked, or slower "
		 "than the data): its receive buffers are full. Check it there; here, bound "
		 "writes with a timeout (SO_SNDTIMEO, TCP_USER_TIMEOUT, the server's write "
		 "timeout) so a peer that stops reading cannot hold a worker. `ss -tnoi dst %s` "
		 "shows the persist timer and snd_wnd",
		 peer, peer);
}

/* ------------------------------------------------------------ dead_peer, time_wait_restart, resets */

/* Retransmissions of one segment, unanswered, that make a silent
 * connection one that sends into the void rather than a lossy one. */
#define DEAD_PEER_RETRANSMITS 3

bool
diag_rules_dead_peer(const struct diagnose *d, const struct sock_entry *e)
{
	double recv_s = e->last_data_recv_ms / 1000.0, sent_s = e->last_data_sent_ms / 1000.0;

	if (e->state != TCP_STATE_ESTABLISHED || !(e->flags & SOCK_ENTRY_HAS_INFO))
		return false;
	if (e->timer == SOCK_TIMER_RETRANSMIT)
		return e->retrans >= DEAD_PEER_RETRANSMITS &&
		       recv_s >= diag_cfg(d, DIAG_DEAD_PEER_RETRANS_S);
	/* Unread data is a reader's problem, not a peer's. */
	return e->timer == SOCK_TIMER_NONE && e->recv_q == 0 &&
	       recv_s >= diag_cfg(d, DIAG_DEAD_PEER_IDLE_S) &&
	       sent_s >= diag_cfg(d, DIAG_DEAD_PEER_IDLE_S);
}

static void
dead_peer_file(struct diag_group *g, const struct sock_entry *e)
{
	if (e->timer == SOCK_TIMER_RETRANSMIT)
		g->sub++;
	if (e->last_data_recv_ms > g->peak_ms)
		g->peak_ms = e->last_data_recv_ms;
}

static bool
ephemeral_port(const struct diagnose *d, uint16_t port)
{
	return port >= d->port_low && port <= d->port_high;
}

/* A server's connections by local port; a client's (ephemeral ports, no
 * listener) by destination: each connection judged once. */
static double
dead_peer_level(const struct diagnose *d, const struct diag_group *g,
		const struct diag_rule_grouping *how)
{
	const struct sock_entry *e = example(d, g);
	bool served = diag_group_listener(d, g->key.netns, e->local_port) != NULL;

	if (g->key.by == DIAG_BY_PORT ? !served && ephemeral_port(d, e->local_port) : served)
		return -1;
	return g->count / diag_cfg(d, how->min);
}

static void
dead_peer_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct sock_entry *e = example(d, g);
	const struct diag_group *lg = diag_group_listener(d, g->key.netns, e->local_port);
	uint32_t sending = g->sub, silent = g->count - g->sub;
	char n[32], longest[48], retrans[48], idle[48], where[160], dest[SOCK_FORMAT_ADDR_MAX];
	char local[SOCK_FORMAT_ADDR_MAX];

	num(n, sizeof(n), g->count);
	age_text(g->peak_ms / 1000.0, false, longest, sizeof(longest));
	age_text(diag_cfg(d, DIAG_DEAD_PEER_RETRANS_S), false, retrans, sizeof(retrans));
	age_text(diag_cfg(d, DIAG_DEAD_PEER_IDLE_S), false, idle, sizeof(idle));
	f->port = e->local_port;
	if (g->key.by == DIAG_BY_PORT) {
		/* The listener names the server; else the sockets' owner. */
		if (!(lg != NULL && set_process(f, d->snap, lg->example)))
			set_process(f, d->snap, g->owned);
		snprintf(f->key, sizeof(f->key), "dead_peer/port:%u", e->local_port);
		if (f->pid != 0)
			snprintf(where, sizeof(where), "on port %u of %s (pid %d)", e->local_port,
				 f->comm, f->pid);
		else
			snprintf(where, sizeof(where), "on port %u", e->local_port);
		snprintf(f->subject, sizeof(f->subject), "port %u", e->local_port);
	} else {
		sock_format_addr(e, 0, local, sizeof(local));
		sock_format_endpoint(e, 1, dest, sizeof(dest));
		set_process(f, d->snap, g->owned);
		snprintf(f->key, sizeof(f->key), "dead_peer/%s>%s", local, dest);
		if (f->pid != 0)
			snprintf(where, sizeof(where), "of %s (pid %d) to %s", f->comm, f->pid,
				 dest);
		else
			snprintf(where, sizeof(where), "to %s", dest);
		snprintf(f->subject, sizeof(f->subject), "%s -> %s", local, dest);
	}
	if (silent == 0)
		snprintf(f->title, sizeof(f->title),
			 "%s connections %s send into the void: nothing received for %s or more "
			 "while retransmissions go unanswered (longest %s)",
			 n, where, retrans, longest);
	else if (sending == 0)
		snprintf(f->title, sizeof(f->title),
			 "%s connections %s have been silent for %s or more with no keepalive: "
			 "peers that vanished would stay ESTABLISHED for good (longest %s)",
			 n, where, idle, longest);
	else
		snprintf(f->title, sizeof(f->title),
			 "%s connections %s look dead: %u send into the void, %u are silent with "
			 "no keepalive (longest without data %s)",
			 n, where, sending, silent, longest);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u ESTABLISHED (threshold %g): %u retransmitting unanswered (%d or more times) "
		 "with nothing received for %g s, %u with nothing sent or received for %g s and "
		 "no timer armed; longest without data received %s",
		 g->count, diag_cfg(d, DIAG_DEAD_PEER_MIN), sending, DEAD_PEER_RETRANSMITS,
		 diag_cfg(d, DIAG_DEAD_PEER_RETRANS_S), silent, diag_cfg(d, DIAG_DEAD_PEER_IDLE_S),
		 longest);
	append_rate(f->evidence, sizeof(f->evidence), d, KC_TIMEOUTS, "retransmission timeouts");
	if (silent == 0)
		snprintf(f->next, sizeof(f->next),
			 "the peers went away without a FIN or a reset (power loss, a NAT or "
			 "firewall that forgot the connection, a cable pulled); the kernel keeps "
			 "retransmitting for up to about 15 min (net.ipv4.tcp_retries2): set "
			 "TCP_USER_TIMEOUT on these sockets to give up sooner, and check NAT and "
			 "firewall idle timeouts on the path");
	else
		snprintf(f->next, sizeof(f->next),
			 "nothing notices a peer that vanished (power loss, a NAT timeout, a "
			 "cable pulled) on a connection where neither side sends: enable "
			 "SO_KEEPALIVE (TCP_KEEPIDLE below the NAT's idle timeout), close "
			 "connections idle longer than the protocol allows (the server's idle "
			 "timeout), and TCP_USER_TIMEOUT for unanswered data; `ss -tnoi state "
			 "established` shows lastrcv and the timers");
}

static void
time_wait_restart_file(struct diag_group *g, const struct sock_entry *e)
{
	if (e->timer == SOCK_TIMER_TIME_WAIT && e->timer_expires_ms > g->peak_ms)
		g->peak_ms = e->timer_expires_ms;
}

/* The remembered port (netns, port) whose listener went, or NULL. */
static const struct diag_listened *
listened_find(const struct diagnose *d, uint32_t netns, uint16_t port)
{
	for (size_t i = 0; i < d->n_listened; i++)
		if (d->listened[i].port == port && d->listened[i].netns == netns)
			return &d->listened[i];
	return NULL;
}

/* Remembers x, whose listener went; the port that listened longest ago
 * makes room when the memory is full. */
static void
listened_add(struct diagnose *d, const struct diag_listened *x)
{
	struct diag_listened *slot = (struct diag_listened *)listened_find(d, x->netns, x->port);

	if (slot == NULL && d->n_listened < DIAG_LISTENED_MAX &&
	    diag_grow(&d->listened, &d->listened_cap, d->n_listened, sizeof(*d->listened), 16) ==
		0)
		slot = &d->listened[d->n_listened++];
	if (slot == NULL) {
		/* Full (or out of memory): the oldest makes room. */
		for (size_t i = 0; i < d->n_listened; i++)
			if (slot == NULL || d->listened[i].seen < slot->seen)
				slot = &d->listened[i];
		if (slot == NULL)
			return;
	}
	*slot = *x;
}

/*
 * The fixed-port listeners of this update, for the next one.  A process
 * on its way out may have lost its descriptors from /proc while its
 * listener is still dumped: the owner seen before is kept then.  0 or -1
 * (ENOMEM).
 */
static int
listeners_save(struct diagnose *d, double now)
{
	struct diag_listened *old = d->was_listening, *x;
	size_t n_old = d->n_was_listening, cap = 0, n = 0;
	struct diag_listened *next = NULL;

	for (size_t i = 0; i < d->n_groups; i++) {
		const struct diag_group *g = &d->groups[i];
		const struct owner_proc *p;

		if (g->key.set != TCP_STATE_LISTEN || g->key.by != DIAG_BY_PORT ||
		    ephemeral_port(d, g->key.port))
			continue;
		if (diag_grow(&next, &cap, n, sizeof(*next), 16) < 0) {
			free(next);
			return -1;
		}
		x = &next[n++];
		memset(x, 0, sizeof(*x));
		x->netns = g->key.netns;
		x->port = g->key.port;
		x->seen = now;
		p = sock_format_owner(d->snap, example(d, g));
		if (p == NULL && g->owned >= 0)
			p = sock_format_owner(d->snap, &d->snap->entries[g->owned]);
		if (p != NULL) {
			x->pid = p->pid;
			memcpy(x->comm, p->comm, sizeof(x->comm));
			x->comm[sizeof(x->comm) - 1] = '\0';
			continue;
		}
		for (size_t j = 0; j < n_old; j++)
			if (old[j].port == x->port && old[j].netns == x->netns) {
				x->pid = old[j].pid;
				memcpy(x->comm, old[j].comm, sizeof(x->comm));
				break;
			}
	}
	free(old);
	d->was_listening = next;
	d->n_was_listening = n;
	d->was_listening_cap = cap;
	return 0;
}

/*
 * The memory of listeners (time_wait_restart): a fixed-port listener of
 * the update before that is gone now is remembered, with the time of the
 * last sample it listened in and its process, for
 * time_wait_restart.memory_s seconds.  A port listening again, one whose
 * namespace is gone, or one remembered from the future (time went back)
 * is forgotten.  Costs a look per listener group.  0 or -1 (ENOMEM).
 */
static int
time_wait_restart_remember(struct diagnose *d)
{
	double now = timespec_seconds(&d->snap->taken_mono);
	double memory = diag_cfg(d, DIAG_TIME_WAIT_RESTART_MEMORY_S);
	size_t w = 0;

	for (size_t i = 0; i < d->n_was_listening; i++)
		if (diag_group_listener(d, d->was_listening[i].netns, d->was_listening[i].port) ==
		    NULL)
			listened_add(d, &d->was_listening[i]);
	for (size_t i = 0; i < d->n_listened; i++) {
		const struct diag_listened *x = &d->listened[i];

		if (diag_group_listener(d, x->netns, x->port) != NULL || x->seen > now ||
		    now - x->seen > memory ||
		    (d->by_netns && snapshot_find_netns(d->snap, x->netns) == NULL))
			continue;
		d->listened[w++] = *x;
	}
	d->n_listened = w;
	return listeners_save(d, now);
}

/* TIME_WAIT on a port something listens on, or listened on within
 * time_wait_restart.memory_s seconds: the server closed first. */
static double
time_wait_restart_level(const struct diagnose *d, const struct diag_group *g,
			const struct diag_rule_grouping *how)
{
	if (diag_group_listener(d, g->key.netns, g->key.port) == NULL &&
	    listened_find(d, g->key.netns, g->key.port) == NULL)
		return -1;
	return g->count / diag_cfg(d, how->min);
}

static void
time_wait_restart_describe(const struct diagnose *d, const struct diag_group *g,
			   struct diag_finding *f)
{
	const struct diag_group *lg = diag_group_listener(d, g->key.netns, g->key.port);
	const struct diag_listened *gone = lg == NULL ? listened_find(d, g->key.netns, g->key.port)
						      : NULL;
	char n[32], who[200] = "", until[48], ago[48], last[80];

	f->port = g->key.port;
	snprintf(f->key, sizeof(f->key), "time_wait_restart/port:%u", g->key.port);
	if (lg != NULL && set_process(f, d->snap, lg->example))
		snprintf(who, sizeof(who), " (%s)", f->subject);
	if (gone != NULL && gone->pid != 0) {
		f->pid = gone->pid;
		memcpy(f->comm, gone->comm, sizeof(f->comm));
		snprintf(who, sizeof(who), " (%s (pid %d))", gone->comm, gone->pid);
	}
	snprintf(f->subject, sizeof(f->subject), "port %u", g->key.port);
	num(n, sizeof(n), g->count);
	age_text(g->peak_ms / 1000.0, false, until, sizeof(until));
	/* The timers come with the dump; a source without them (an ss
	 * dump) leaves only TIME_WAIT's length. */
	if (g->peak_ms > 0)
		snprintf(last, sizeof(last), "the last expires in %s", until);
	else
		snprintf(last, sizeof(last), "the last expires within 60 s");
	if (gone != NULL) {
		age_text(timespec_seconds(&d->snap->taken_mono) - gone->seen, false, ago,
			 sizeof(ago));
		if (g->peak_ms > 0)
			snprintf(f->title, sizeof(f->title),
				 "The server on port %u%s is gone, and a restart without "
				 "SO_REUSEADDR fails to bind for %s: %s connections it closed "
				 "first are in TIME_WAIT",
				 g->key.port, who, until, n);
		else
			snprintf(f->title, sizeof(f->title),
				 "The server on port %u%s is gone, and a restart without "
				 "SO_REUSEADDR fails to bind until its %s connections in TIME_WAIT "
				 "expire (within 60 s)",
				 g->key.port, who, n);
		snprintf(f->evidence, sizeof(f->evidence),
			 "%u in TIME_WAIT on local port %u (threshold %g); nothing has listened "
			 "there for %s (a port is remembered for %g s); %s (TIME_WAIT lasts 60 s)",
			 g->count, g->key.port, diag_cfg(d, DIAG_TIME_WAIT_RESTART_MIN), ago,
			 diag_cfg(d, DIAG_TIME_WAIT_RESTART_MEMORY_S), last);
		snprintf(f->next, sizeof(f->next),
			 "bind() of port %u without SO_REUSEADDR fails with EADDRINUSE until the "
			 "last one expires: start the server with SO_REUSEADDR set before bind() "
			 "(most servers do), or wait; `ss -tan state time-wait sport = :%u` lists "
			 "them with their timers (-o)",
			 g->key.port, g->key.port);
		return;
	}
	snprintf(f->title, sizeof(f->title),
		 "A restart of the server on port %u%s without SO_REUSEADDR would fail to bind "
		 "for %s: %s connections it closed first are in TIME_WAIT",
		 g->key.port, who, until, n);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in TIME_WAIT on local port %u (threshold %g) while it listens; %s "
		 "(TIME_WAIT lasts 60 s)",
		 g->count, g->key.port, diag_cfg(d, DIAG_TIME_WAIT_RESTART_MIN), last);
	snprintf(f->next, sizeof(f->next),
		 "nothing is wrong while it runs; bind() of port %u without SO_REUSEADDR fails "
		 "with EADDRINUSE until they expire: make sure the server sets SO_REUSEADDR "
		 "before bind() (most do), or let clients close first so TIME_WAIT lands on "
		 "their side",
		 g->key.port);
}

/* Resets per second as the counters tell them: sent (OutRsts), of
 * established connections (EstabResets), and connection attempts refused
 * (AttemptFails less those that timed out, which TCPAbortOnTimeout also
 * counts).  < 0 when unknown. */
struct resets {
	double sent, aborted, refused, worst, opened;
};

static struct resets
resets_rates(const struct diagnose *d)
{
	struct resets r = {d->rate[KC_OUT_RSTS], d->rate[KC_ESTAB_RESETS], d->rate[KC_ATTEMPT_FAILS],
			   -1, -1};

	if (r.refused > 0 && d->rate[KC_ABORT_ON_TIMEOUT] > 0)
		r.refused = max2(0, r.refused - d->rate[KC_ABORT_ON_TIMEOUT]);
	r.worst = max2(r.sent, max2(r.aborted, r.refused));
	if (d->rate[KC_ACTIVE_OPENS] >= 0 && d->rate[KC_PASSIVE_OPENS] >= 0)
		r.opened = d->rate[KC_ACTIVE_OPENS] + d->rate[KC_PASSIVE_OPENS];
	return r;
}

static double
resets_level(const struct diagnose *d, const struct diag_group *g,
	     const struct diag_rule_grouping *how)
{
	struct resets r = resets_rates(d);
	double level;

	(void)g;
	(void)how;
	if (r.worst < 0)
		return -1;
	/* Over an interval shorter than a second, a burst is min_per_s
	 * resets within it: a few at 0.2 s make no burst. */
	level = r.worst * min2(1, d->rate_dt) / diag_cfg(d, DIAG_RESETS_MIN_PER_S);
	/* A busy host resets a few of many connections all the time. */
	if (r.opened > 0)
		level = min2(level, 100 * r.worst / r.opened / diag_cfg(d, DIAG_RESETS_PCT));
	return level;
}

/* The states a reset takes a socket out of, where a normal close would
 * not at once (SYN_RECV leaves when accepted, LAST_ACK and TIME_WAIT
 * when done). */
static bool
resettable(uint8_t state)
{
	switch (state) {
	case TCP_STATE_SYN_SENT:
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_CLOSE_WAIT:
	case TCP_STATE_FIN_WAIT1:
	case TCP_STATE_FIN_WAIT2:
	case TCP_STATE_CLOSING:
		return true;
	default:
		return false;
	}
}

/* Whether vanished socket e was a server's: its local port listens (or
 * listened, when the server went with it: a fixed port toward a client's
 * ephemeral one). */
static bool
served(const struct diagnose *d, const struct sock_entry *e)
{
	return diag_group_listener(d, diag_netns_key(d, e), e->local_port) != NULL ||
	       (!ephemeral_port(d, e->local_port) && ephemeral_port(d, e->remote_port));
}

/* Whether resets come near a burst: on the host, or in any namespace
 * (each judged on its own counters). */
static bool
resets_worth(struct diagnose *d)
{
	double clear = diag_cfg(d, DIAG_CLEAR_PCT) / 100;
	bool worth = false;

	if (!d->by_netns)
		return resets_level(d, NULL, NULL) >= clear;
	for (size_t k = 0; k < d->snap->n_netns && !worth; k++) {
		diag_scope(d, d->snap->netns[k].info.inode);
		worth = resets_level(d, NULL, NULL) >= clear;
	}
	return worth;
}

/* While resets burst: files the sockets that vanished since the sample
 * before by what they served (a local port with a listener, else the
 * destination) and by peer address. */
static int
resets_tally(struct diagnose *d)
{
	const uint32_t *gone;
	size_t n;
	double taken;

	d->vanished = -1;
	d->vanished_syn_sent = 0;
	if (d->st == NULL || !d->has_prev || !resets_worth(d))
		return 0;
	n = statetrack_vanished(d->st, &gone, &taken);
	if (taken != d->prev_taken)
		return 0; /* not the sample the tracker compared with */
	d->vanished = 0;
	for (size_t k = 0; d->by_netns && k < d->snap->n_netns; k++)
		d->ns[k].vanished = 0;
	for (size_t j = 0; j < n; j++) {
		struct sock_entry prev_e, *e = &prev_e;
		struct diag_group *g;
		struct diag_gkey k;
		ssize_t ns;

		if (!diag_prev_entry(d, gone[j], &prev_e) || !resettable(e->state))
			continue;
		d->vanished++;
		d->vanished_syn_sent += e->state == TCP_STATE_SYN_SENT;
		if ((ns = diag_ns_index(d, e->netns)) >= 0) {
			d->ns[ns].vanished++;
			d->ns[ns].vanished_syn_sent += e->state == TCP_STATE_SYN_SENT;
		}
		memset(&k, 0, sizeof(k));
		k.set = DIAG_SET_VANISHED;
		k.netns = diag_netns_key(d, e);
		k.family = e->family;
		if (e->state != TCP_STATE_SYN_SENT && served(d, e)) {
			k.by = k.subj = DIAG_BY_PORT;
			k.port = e->local_port;
		} else {
			k.by = k.subj = DIAG_BY_DEST;
			k.port2 = e->remote_port;
			memcpy(k.b, e->remote_addr, sizeof(k.b));
		}
		if ((g = diag_group_add(d, &k, gone[j])) == NULL)
			return -1;
		g->count++;
		/* A socket whose owner was known names the process. */
		if (g->owned < 0 && e->owner_status == OWNER_FOUND)
			g->owned = (int32_t)gone[j];
		memset(&k, 0, sizeof(k));
		k.set = DIAG_SET_VANISHED;
		k.netns = diag_netns_key(d, e);
		k.by = k.subj = DIAG_BY_PEER;
		k.family = e->family;
		memcpy(k.a, e->remote_addr, sizeof(k.a));
		if ((g = diag_group_add(d, &k, gone[j])) == NULL)
			return -1;
		g->count++;
	}
	return 0;
}

/* The vanished group of `by` with the most sockets (ties: the first). */
static const struct diag_group *
vanished_top(const struct diagnose *d, enum diag_grouping by)
{
	const struct diag_group *best = NULL;

	for (size_t i = 0; i < d->n_groups; i++) {
		const struct diag_group *g = &d->groups[i];

		if (g->key.set == DIAG_SET_VANISHED && g->key.by == by &&
		    g->key.netns == d->cur_netns && (best == NULL || g->count > best->count))
			best = g;
	}
	return best;
}

static void
resets_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	struct resets r = resets_rates(d);
	const struct diag_group *port = vanished_top(d, DIAG_BY_PORT);
	const struct diag_group *dest = vanished_top(d, DIAG_BY_DEST);
	const struct diag_group *peer = vanished_top(d, DIAG_BY_PEER);
	const struct diag_group *top = port;
	bool refused = r.refused > 0 && r.refused >= r.aborted;
	char what[224] = "", who[200] = "", addr[SOCK_FORMAT_ADDR_MAX];

	(void)g;
	snprintf(f->key, sizeof(f->key), "resets/host");
	snprintf(f->subject, sizeof(f->subject), "host");
	if (top == NULL || (dest != NULL && dest->count > top->count))
		top = dest;
	if (top != NULL) {
		struct sock_entry prev_e, held_e, *e = &prev_e;
		const struct diag_group *lg =
		    top->key.by == DIAG_BY_PORT
			? diag_group_listener(d, top->key.netns, top->key.port)
			: NULL;
		uint32_t held = top->owned >= 0 ? (uint32_t)top->owned : top->example;
		const struct owner_proc *p;

		(void)diag_prev_entry(d, top->example, &prev_e);
		(void)diag_prev_entry(d, held, &held_e);
		p = lg != NULL ? sock_format_owner(d->snap, example(d, lg))
			       : diag_prev_owner(d, &held_e);

		if (p != NULL) {
			f->pid = p->pid;
			snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
			snprintf(who, sizeof(who), " (%s (pid %d))", p->comm, p->pid);
		}
		if (top->key.by == DIAG_BY_PORT) {
			f->port = top->key.port;
			snprintf(f->subject, sizeof(f->subject), "port %u", top->key.port);
			snprintf(what, sizeof(what), ", most on port %u%s", top->key.port, who);
		} else {
			sock_format_endpoint(e, 1, addr, sizeof(addr));
			snprintf(f->subject, sizeof(f->subject), "%s", addr);
			format_cut(what, sizeof(what), ", most %s %s%s",
				   e->state == TCP_STATE_SYN_SENT ? "to" : "toward", addr, who);
		}
	}
	if (refused)
		snprintf(f->title, sizeof(f->title),
			 "Connection attempts are refused with resets: %.0f/s%s", r.refused,
			 top != NULL ? what : " (none seen long enough to name the port)");
	else if (r.aborted > 0)
		snprintf(f->title, sizeof(f->title), "Established connections are reset: %.0f/s%s",
			 r.aborted, what);
	else
		snprintf(f->title, sizeof(f->title),
			 "This host sends resets: %.0f/s, to ports nothing listens on or to end "
			 "connections%s",
			 r.sent, what);
	snprintf(f->evidence, sizeof(f->evidence),
		 "threshold %g/s (and as many within an interval under 1 s) and %g%% of "
		 "connections opened; %.0f in %.1f s",
		 diag_cfg(d, DIAG_RESETS_MIN_PER_S), diag_cfg(d, DIAG_RESETS_PCT),
		 r.worst * d->rate_dt, d->rate_dt);
	append_rate(f->evidence, sizeof(f->evidence), d, KC_OUT_RSTS, "OutRsts");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_ESTAB_RESETS, "EstabResets");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_ATTEMPT_FAILS, "AttemptFails");
	if (d->rate[KC_ABORT_ON_TIMEOUT] > 0)
		append_rate(f->evidence, sizeof(f->evidence), d, KC_ABORT_ON_TIMEOUT,
			    "of them timed out");
	if (r.opened >= 0)
		append(f->evidence, sizeof(f->evidence), "; opened %.0f/s", r.opened);
	if (d->vanished > 0) {
		append(f->evidence, sizeof(f->evidence),
		       "; %" PRId64 " sockets vanished since the previous sample (%u connecting)",
		       d->vanished, d->vanished_syn_sent);
		if (top != NULL)
			append(f->evidence, sizeof(f->evidence), ", %u of them %s %s", top->count,
			       top->key.by == DIAG_BY_PORT ? "on" : "to", f->subject);
		if (peer != NULL) {
			struct sock_entry peer_e;

			(void)diag_prev_entry(d, peer->example, &peer_e);
			sock_format_addr(&peer_e, 1, addr, sizeof(addr));
			append(f->evidence, sizeof(f->evidence), ", %u with peer %s", peer->count,
			       addr);
		}
	}
	if (refused)
		snprintf(f->next, sizeof(f->next),
			 "nothing listens on the port the clients connect to (a server down or "
			 "restarting, a wrong port), or a firewall rejects them with resets: check "
			 "`ss -ltn` on the server and the clients' target address and port");
	else
		snprintf(f->next, sizeof(f->next),
			 "connections are aborted: a process closes them with unread data or with "
			 "SO_LINGER 0, a peer or a middlebox resets them, or a process holding them "
			 "died; `tcpdump -n 'tcp[tcpflags] & tcp-rst != 0'` shows which side sends "
			 "them");
}

/* ------------------------------------------------------------ conn_per_request, early_close, closes_lost */

/* "200 ms", "1.5 s", "12 s". */
static void
duration_text(double s, char *out, size_t len)
{
	if (s < 1)
		snprintf(out, len, "%.0f ms", s * 1000 < 1 ? 1 : s * 1000);
	else if (s < 10 && s - (double)(long)s >= 0.05)
		snprintf(out, len, "%.1f s", s);
	else
		snprintf(out, len, "%.0f s", s);
}

/* The seconds the closes of this sample span (since the sample before,
 * as the closed model measured it); 0 when not known (the first one). */
static double
closes_interval(const struct diagnose *d)
{
	const struct closed_interval *iv = d->closed != NULL ? closed_model_interval(d->closed) : NULL;

	return iv != NULL && iv->known && iv->interval_s > 0 ? iv->interval_s : 0;
}

/* Whether closed socket e was a server's end: its local port listens,
 * listened lately (the listener memory), or is fixed toward a client's
 * ephemeral port. */
static bool
server_end(const struct diagnose *d, const struct sock_entry *e)
{
	return served(d, e) || listened_find(d, diag_netns_key(d, e), e->local_port) != NULL;
}

/*
 * connections per request: the closes of this sample by client address
 * and server port.  A group counts the server ends (count) and the
 * client ends (sub) apart, so a connection whose two ends are both here
 * counts once.  Only the short-lived count: those that lived at most
 * conn_per_request.max_lifetime_s for sure (no sample saw it open and the
 * interval is that short, or the time the samples saw it open plus one
 * interval is).  peak_ms: the longest such bound.  owned: a server end
 * whose owner is known; pid: a client end's owner.
 */
static int
conn_per_request_group(struct diagnose *d)
{
	double iv = closes_interval(d), max_s = diag_cfg(d, DIAG_CONN_PER_REQUEST_MAX_LIFETIME_S);

	if (iv <= 0 || iv > max_s)
		return 0; /* no rate, or no close can be told short */
	for (size_t i = 0; i < d->n_closes; i++) {
		const struct closed_conn *c = &d->closes[i];
		const struct sock_entry *e = &c->ev.entry;
		double bound = c->seen ? c->lifetime_s + iv : iv;
		bool server = server_end(d, e);
		struct diag_group *g;
		struct diag_gkey k;

		if (bound > max_s || e->family == 0)
			continue;
		memset(&k, 0, sizeof(k));
		k.set = DIAG_SET_CLOSES;
		k.by = k.subj = DIAG_BY_PEER;
		k.family = e->family;
		k.netns = diag_netns_key(d, e);
		k.port = server ? e->local_port : e->remote_port;
		memcpy(k.a, server ? e->remote_addr : e->local_addr, sizeof(k.a));
		if ((g = diag_group_add(d, &k, (uint32_t)i)) == NULL)
			return -1;
		if (server) {
			g->count++;
			if (g->owned < 0 && c->pid != 0)
				g->owned = (int32_t)i;
		} else {
			g->sub++;
			if (g->pid == 0 && c->pid != 0)
				g->pid = c->pid;
		}
		if (bound * 1000 > g->peak_ms)
			g->peak_ms = (uint32_t)(bound * 1000);
	}
	return 0;
}

static double
conn_per_request_level(const struct diagnose *d, const struct diag_group *g,
		       const struct diag_rule_grouping *how)
{
	double iv = closes_interval(d);

	(void)how;
	if (iv <= 0)
		return -1;
	return max2(g->count, g->sub) / iv / diag_cfg(d, DIAG_CONN_PER_REQUEST_MIN_PER_S);
}

/* The client's address of a group of closes (key a). */
static void
closes_client(const struct diag_group *g, char *out, size_t len)
{
	struct sock_entry e;

	memset(&e, 0, sizeof(e));
	e.family = g->key.family;
	memcpy(e.remote_addr, g->key.a, sizeof(e.remote_addr));
	sock_format_addr(&e, 1, out, len);
}

static void
conn_per_request_describe(const struct diagnose *d, const struct diag_group *g,
			  struct diag_finding *f)
{
	const struct closed_conn *ex = &d->closes[g->example];
	const struct closed_conn *srv = g->owned >= 0 ? &d->closes[g->owned] : NULL;
	const struct diag_group *tw;
	struct diag_gkey k;
	double iv = closes_interval(d), rate = max2(g->count, g->sub) / iv;
	char client[SOCK_FORMAT_ADDR_MAX], to[SOCK_FORMAT_ADDR_MAX + 16], who[200] = "",
	    life[32], n[32], twn[96] = "";

	closes_client(g, client, sizeof(client));
	if (g->count > 0) {
		snprintf(to, sizeof(to), "port %u", g->key.port);
	} else {
		/* Only the client's ends are here: the server is elsewhere. */
		sock_format_endpoint(&ex->ev.entry, 1, to, sizeof(to));
	}
	/* A warning at most: costly, not broken. */
	f->severity = DIAG_WARNING;
	f->port = g->key.port;
	if (srv != NULL) {
		f->pid = srv->pid;
		snprintf(f->comm, sizeof(f->comm), "%s", srv->process);
		snprintf(who, sizeof(who), " (%s (pid %d))", f->comm, f->pid);
	} else if (g->pid != 0) {
		f->pid = g->pid;
		snprintf(f->comm, sizeof(f->comm), "%s", ex->process);
	}
	snprintf(f->key, sizeof(f->key), "conn_per_request/%s>:%u", client, g->key.port);
	snprintf(f->subject, sizeof(f->subject), "%s -> %s", client, to);
	duration_text(g->peak_ms / 1000.0, life, sizeof(life));
	format_cut(f->title, sizeof(f->title),
		   "%s connections/s last under %s from %s to %s%s: the client opens a "
		   "connection per request (no keep-alive); this is what fills TIME_WAIT",
		   num(n, sizeof(n), (uint64_t)(rate + 0.5)), life, client, to, who);
	memset(&k, 0, sizeof(k));
	k.set = TCP_STATE_TIME_WAIT;
	k.by = k.subj = DIAG_BY_PORT;
	k.port = g->key.port;
	k.netns = g->key.netns;
	tw = g->count > 0 ? diag_group_find((struct diagnose *)d, &k) : NULL;
	if (tw != NULL)
		snprintf(twn, sizeof(twn), "; %u in TIME_WAIT on port %u now", tw->count,
			 g->key.port);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%.0f short-lived closes in %.2f s (threshold %g/s): %u server ends, %u client "
		 "ends; short-lived: no sample saw it open, or for so short a time that it lived "
		 "at most %g s%s",
		 max2(g->count, g->sub), iv, diag_cfg(d, DIAG_CONN_PER_REQUEST_MIN_PER_S), g->count,
		 g->sub, diag_cfg(d, DIAG_CONN_PER_REQUEST_MAX_LIFETIME_S), twn);
	snprintf(f->next, sizeof(f->next),
		 "make the client at %s reuse its connections (HTTP keep-alive, a connection "
		 "pool); every connection closed leaves a TIME_WAIT socket for 60 s on the side "
		 "that closed first (`ss -tan state time-wait`); net.ipv4.tcp_tw_reuse helps "
		 "only on the client's side, for its outgoing connections, never on the server",
		 client);
}

/* A 4-tuple in a namespace, hashed: a TIME_WAIT socket, or a close. */
static uint64_t
tuple_hash(uint32_t netns, const struct sock_entry *e)
{
	uint64_t w[6];

	w[0] = (uint64_t)netns << 32 | (uint64_t)e->family << 16;
	w[1] = (uint64_t)e->local_port << 16 | e->remote_port;
	memcpy(&w[2], e->local_addr, 16);
	memcpy(&w[4], e->remote_addr, 16);
	return hash_words(w, 6, 0);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* An upper bound of how long closed server end e lived after the accept,
 * in ms, from its tcp_info at the close: the time since the last data
 * sent counts from the accept when it sent none (bytes acknowledged: the
 * FIN at most), as the time since the last data received does when it
 * received none.  -1 when neither applies. */
static int64_t
accept_to_close_ms(const struct sock_entry *e)
{
	if (!(e->flags & SOCK_ENTRY_HAS_INFO))
		return -1;
	if (e->bytes_acked <= 1)
		return e->last_data_sent_ms;
	if (e->bytes_received <= 1)
		return e->last_data_recv_ms;
	return -1;
}

/* A group of early closes on port (netns, port): found or made, with
 * `example` when new.  NULL when out of memory. */
static struct diag_group *
early_group(struct diagnose *d, uint32_t netns, uint16_t port, uint32_t example)
{
	struct diag_gkey k;

	memset(&k, 0, sizeof(k));
	k.set = DIAG_SET_CLOSES;
	k.by = k.subj = DIAG_BY_PORT;
	k.netns = netns;
	k.port = port;
	return diag_group_add(d, &k, example);
}

/* Counts an early close in its port's group. */
static void
early_count(struct diag_group *g, const struct diag_early *x)
{
	if (g->count++ == 0 || x->ms > g->peak_ms)
		g->peak_ms = x->ms;
	if (g->pid == 0)
		g->pid = x->pid;
	g->queued += x->received;
	g->distinct += x->sent_nothing;
}

/*
 * Early closes: per server port, the server ends closed this sample
 * (sub), and those the server closed first (its end is in TIME_WAIT)
 * within early_close.max_ms of the accept (count; peak_ms the longest;
 * pid an owner; queued the bytes received; distinct those that sent
 * nothing).  The TIME_WAIT sockets are hashed only when some close is
 * early enough.  A close heard after the dump of its sample began may
 * have its TIME_WAIT only in the next one: an early close not matched
 * waits one sample (d->early), then counts there or is dropped (the
 * client closed first).
 */
static int
early_close_group(struct diagnose *d)
{
	double iv = closes_interval(d), max_ms = diag_cfg(d, DIAG_EARLY_CLOSE_MAX_MS);
	const struct snapshot *snap = d->snap;
	struct diag_early *waiting = d->early, *next = NULL;
	size_t n_waiting = d->n_early, n_next = 0, early = 0, n_tw = 0;
	uint64_t *tw = NULL, ports[65536 / 64]; /* the ports of early closes */
	int rc = -1;

	d->early = NULL;
	d->n_early = 0;
	if (iv <= 0)
		n_waiting = 0;
	memset(ports, 0, sizeof(ports));
	for (size_t i = 0; i < n_waiting; i++)
		ports[waiting[i].port / 64] |= UINT64_C(1) << (waiting[i].port % 64);
	early = n_waiting;
	for (size_t i = 0; iv > 0 && i < d->n_closes; i++) {
		const struct sock_entry *e = &d->closes[i].ev.entry;
		int64_t ms = accept_to_close_ms(e);

		if (ms < 0 || ms > max_ms || !server_end(d, e))
			continue;
		early++;
		ports[e->local_port / 64] |= UINT64_C(1) << (e->local_port % 64);
	}
	if (early == 0) {
		free(waiting);
		return 0;
	}
	/* Only the TIME_WAIT on those ports: a busy host has many more. */
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		n_tw += e->state == TCP_STATE_TIME_WAIT &&
			(ports[e->local_port / 64] >> (e->local_port % 64) & 1);
	}
	if ((n_tw > 0 && (tw = malloc(n_tw * sizeof(*tw))) == NULL) ||
	    (next = malloc(early * sizeof(*next))) == NULL)
		goto out;
	n_tw = 0;
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (e->state == TCP_STATE_TIME_WAIT &&
		    (ports[e->local_port / 64] >> (e->local_port % 64) & 1))
			tw[n_tw++] = tuple_hash(diag_netns_key(d, e), e);
	}
	if (n_tw > 1)
		qsort(tw, n_tw, sizeof(*tw), u64_cmp);
	for (size_t i = 0; i < n_waiting; i++) {
		struct diag_group *g;

		if (n_tw == 0 || bsearch(&waiting[i].hash, tw, n_tw, sizeof(*tw), u64_cmp) == NULL)
			continue;
		if ((g = early_group(d, waiting[i].netns, waiting[i].port, 0)) == NULL)
			goto out;
		early_count(g, &waiting[i]);
	}
	for (size_t i = 0; i < d->n_closes; i++) {
		const struct closed_conn *c = &d->closes[i];
		const struct sock_entry *e = &c->ev.entry;
		int64_t ms = accept_to_close_ms(e);
		struct diag_early x;
		struct diag_group *g;

		if (e->family == 0 || !server_end(d, e))
			continue;
		memset(&x, 0, sizeof(x));
		x.netns = diag_netns_key(d, e);
		x.port = e->local_port;
		if ((g = early_group(d, x.netns, x.port, (uint32_t)i)) == NULL)
			goto out;
		g->sub++;
		if (ms < 0 || ms > max_ms)
			continue;
		x.hash = tuple_hash(x.netns, e);
		x.ms = (uint32_t)ms;
		x.pid = c->pid;
		x.received = e->bytes_received > 0 ? e->bytes_received - 1 : 0;
		x.sent_nothing = e->bytes_acked <= 1;
		if (n_tw > 0 && bsearch(&x.hash, tw, n_tw, sizeof(*tw), u64_cmp) != NULL)
			early_count(g, &x);
		else
			next[n_next++] = x;
	}
	d->early = next;
	d->n_early = n_next;
	next = NULL;
	rc = 0;
out:
	free(next);
	free(tw);
	free(waiting);
	return rc;
}

static double
early_close_level(const struct diagnose *d, const struct diag_group *g,
		  const struct diag_rule_grouping *how)
{
	double iv = closes_interval(d);

	(void)how;
	if (iv <= 0 || g->count == 0)
		return -1;
	return g->count / iv / diag_cfg(d, DIAG_EARLY_CLOSE_MIN_PER_S);
}

static void
early_close_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct diag_group *lg = diag_group_listener(d, g->key.netns, g->key.port);
	double iv = closes_interval(d);
	char who[200] = "", within[32], n[32], how[96];

	f->port = g->key.port;
	/* The listener names the server; else the closes' owner. */
	const struct diag_listened *gone = listened_find(d, g->key.netns, g->key.port);

	if (lg != NULL && set_process(f, d->snap, lg->example)) {
		snprintf(who, sizeof(who), " (%s)", f->subject);
	} else if (gone != NULL && gone->pid != 0) {
		f->pid = gone->pid;
		memcpy(f->comm, gone->comm, sizeof(f->comm));
		snprintf(who, sizeof(who), " (%s (pid %d))", f->comm, f->pid);
	} else if (g->pid != 0) {
		f->pid = g->pid;
		snprintf(who, sizeof(who), " (pid %d)", f->pid);
	}
	snprintf(f->key, sizeof(f->key), "early_close/port:%u", g->key.port);
	snprintf(f->subject, sizeof(f->subject), "port %u", g->key.port);
	/* Jiffies make 0 of what took a fraction of a tick. */
	snprintf(within, sizeof(within), "%u ms", g->peak_ms > 0 ? g->peak_ms : 1);
	if (g->distinct == g->count)
		snprintf(how, sizeof(how), "without sending anything");
	else if (g->distinct == 0)
		snprintf(how, sizeof(how), "each after sending some data");
	else
		snprintf(how, sizeof(how), "%u of them without sending anything", g->distinct);
	snprintf(f->title, sizeof(f->title),
		 "Port %u%s closes connections within %s of accepting them: %s/s, %s", g->key.port,
		 who, within, num(n, sizeof(n), (uint64_t)(g->count / iv + 0.5)), how);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u connections on port %u closed by the server first (its end is in TIME_WAIT) "
		 "within %s of the accept in %.2f s, of %u closes heard on the port (threshold "
		 "%g/s within %g ms; the time is from tcp_info at the close: since its last send, "
		 "or receive, in a direction that carried no data); %" PRIu64 " bytes received "
		 "from their clients",
		 g->count, g->key.port, within, iv, g->sub, diag_cfg(d, DIAG_EARLY_CLOSE_MIN_PER_S),
		 diag_cfg(d, DIAG_EARLY_CLOSE_MAX_MS), g->queued);
	snprintf(f->next, sizeof(f->next),
		 "the server accepts connections and drops them at once: look in its logs for "
		 "refused or failed connections (a connection limit reached, an access rule, a "
		 "TLS handshake failing, a handler that fails before answering); `ss -tan state "
		 "time-wait sport = :%u` lists the connections it closed",
		 g->key.port);
}

/* Lost close announcements: one group for the whole listener. */
static int
closes_lost_group(struct diagnose *d)
{
	const struct closed_interval *iv = d->closed != NULL ? closed_model_interval(d->closed) : NULL;
	struct diag_group *g;
	struct diag_gkey k;

	if (iv == NULL || !iv->known || !d->snap->has_closes || d->snap->closes_lost == 0)
		return 0;
	memset(&k, 0, sizeof(k));
	k.set = DIAG_SET_CLOSES;
	k.by = k.subj = DIAG_BY_HOST;
	if ((g = diag_group_add(d, &k, 0)) == NULL)
		return -1;
	g->queued = d->snap->closes_lost;
	g->count = d->snap->closes_lost > UINT32_MAX ? UINT32_MAX : (uint32_t)d->snap->closes_lost;
	return 0;
}

static double
closes_lost_level(const struct diagnose *d, const struct diag_group *g,
		  const struct diag_rule_grouping *how)
{
	(void)how;
	return (double)g->queued / diag_cfg(d, DIAG_CLOSES_LOST_MIN);
}

static void
closes_lost_describe(const struct diagnose *d, const struct diag_group *g, struct diag_finding *f)
{
	const struct closed_interval *iv = closed_model_interval(d->closed);
	const struct closed_totals *all = closed_model_totals(d->closed);
	char n[32], span[48] = "";

	/* A warning at most: what is lost is a view, not a connection. */
	f->severity = DIAG_WARNING;
	snprintf(f->key, sizeof(f->key), "closes_lost/listener");
	snprintf(f->subject, sizeof(f->subject), "close listener");
	if (iv->interval_s > 0)
		snprintf(span, sizeof(span), " in the last %.1f s", iv->interval_s);
	snprintf(f->title, sizeof(f->title),
		 "%s close announcements were lost%s: the closed connections and the findings "
		 "on them miss some",
		 num(n, sizeof(n), g->queued), span);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%" PRIu64 " lost (threshold %g), %u heard", g->queued,
		 diag_cfg(d, DIAG_CLOSES_LOST_MIN), iv->closed);
	if (iv->interval_s > 0)
		append(f->evidence, sizeof(f->evidence), " (%.0f closes/s)", iv->closed_per_s);
	append(f->evidence, sizeof(f->evidence), "; %" PRIu64 " lost, %" PRIu64 " heard in all",
	       all->lost, all->closed);
	snprintf(f->next, sizeof(f->next),
		 "the kernel drops announcements when tcpdeck's receive buffer is full: a burst "
		 "of closes, or tcpdeck not scheduled in time.  Give it a larger buffer "
		 "(TCPDECK_EVENTS_RCVBUF=bytes in its environment; default 8 MiB): past "
		 "net.core.rmem_max it needs CAP_NET_ADMIN (SO_RCVBUFFORCE), or raise "
		 "net.core.rmem_max; and see what closes so many connections so fast");
}

/* ------------------------------------------------------------ the table */

/* clang-format off */
#define WHOLE 1
#define REAL 0
#define ADDR DIAG_DISTINCT_ADDR
#define DEST DIAG_DISTINCT_DEST

/* FIN_WAIT1 and LAST_ACK are the same piles, of a FIN sent before or
 * after the peer's: toward one peer, or stuck toward many on one local
 * port (a server) or from one process's ephemeral ports (a client). */
#define CLOSING_PILE(STATE, ID, NAME)                                                      \
	.set = TCP_STATE_##STATE,                                                          \
	.groups = {                                                                        \
	    {DIAG_BY_PEER, DIAG_##STATE##_MIN},                                            \
	    {DIAG_BY_PORT, DIAG_##STATE##_PORT_MIN, .aged = true, .distinct = ADDR,        \
	     .beyond_peers = true},                                                        \
	    {DIAG_BY_PROCESS, DIAG_##STATE##_PORT_MIN, DIAG_UNOWNED_SKIP, .aged = true,    \
	     .distinct = ADDR, .ephemeral = true, .beyond_peers = true},                   \
	},                                                                                 \
	.age_key = DIAG_##STATE##_AGE_S,                                                   \
	.keys = {                                                                          \
	    {DIAG_##STATE##_MIN, ID ".min", 50, 1, 1e7, WHOLE,                             \
	     NAME " sockets toward one peer address"},                                     \
	    {DIAG_##STATE##_PORT_MIN, ID ".port_min", 100, 1, 1e7, WHOLE,                  \
	     "stuck " NAME " sockets on one local port, or of one process on ephemeral "   \
	     "ports, toward any peers"},                                                   \
	    {DIAG_##STATE##_AGE_S, ID ".age_s", 1, 0, 1e6, REAL,                           \
	     "seconds in " NAME " that make a socket stuck"},                              \
	},                                                                                 \
	.describe = closing_describe

const struct diag_rule_def diag_rules[DIAG_RULE_COUNT] = {
    [DIAG_RULE_CLOSE_WAIT] = {
	.id = "close_wait", .title = "CLOSE_WAIT", .severity = DIAG_WARNING,
	.description = "A process holds sockets its peers closed and it did not: "
		       "close_wait.min of them, or at least close_wait.old_min when "
		       "the oldest has been in CLOSE_WAIT for close_wait.age_s seconds "
		       "or they enter CLOSE_WAIT at close_wait.growth_per_s per second. "
		       "Counted per process (per local port when the process is not "
		       "visible).",
	.set = TCP_STATE_CLOSE_WAIT,
	.groups = {{DIAG_BY_PROCESS, DIAG_CLOSE_WAIT_MIN, DIAG_UNOWNED_BY_PORT, .ages = true}},
	.keys = {
	    {DIAG_CLOSE_WAIT_MIN, "close_wait.min", 50, 1, 1e7, WHOLE,
	     "CLOSE_WAIT sockets of one process that make a pile by themselves"},
	    {DIAG_CLOSE_WAIT_OLD_MIN, "close_wait.old_min", 5, 1, 1e7, WHOLE,
	     "CLOSE_WAIT sockets of one process enough when they are old or growing"},
	    {DIAG_CLOSE_WAIT_AGE_S, "close_wait.age_s", 30, 0, 1e6, REAL,
	     "seconds in CLOSE_WAIT that make a socket old"},
	    {DIAG_CLOSE_WAIT_GROWTH, "close_wait.growth_per_s", 10, 0.01, 1e7, REAL,
	     "sockets per second entering CLOSE_WAIT in one process that count as growing"},
	},
	.level = close_wait_level,
	.describe = close_wait_describe,
    },
    [DIAG_RULE_SYN_RECV] = {
	.id = "syn_recv", .title = "SYN_RECV", .severity = DIAG_WARNING,
	.description = "Half-open connections pile up on a local port.  With "
		       "syn_recv.flood_sources distinct remote addresses among them "
		       "the finding says possible SYN flood; with fewer, that the "
		       "accept backlog is too small (the port's accept queue is full) "
		       "or that handshakes do not complete.",
	.set = TCP_STATE_SYN_RECV,
	.groups = {{DIAG_BY_PORT, DIAG_SYN_RECV_MIN, .distinct = ADDR}},
	.keys = {
	    {DIAG_SYN_RECV_MIN, "syn_recv.min", 100, 1, 1e7, WHOLE,
	     "half-open (SYN_RECV) connections on one port"},
	    {DIAG_SYN_RECV_FLOOD_SOURCES, "syn_recv.flood_sources", 50, 1, 1e7, WHOLE,
	     "distinct remote addresses among them that suggest a SYN flood"},
	},
	.describe = syn_recv_describe,
    },
    [DIAG_RULE_SYNCOOKIES] = {
	.id = "syncookies", .title = "SYN cookies", .severity = DIAG_WARNING,
	.description = "The kernel answers SYNs with SYN cookies "
		       "(TcpExtSyncookiesSent): a SYN queue or a listen queue is "
		       "full.",
	.set = DIAG_SET_NONE,
	.host = true,
	.keys = {
	    {DIAG_SYNCOOKIES_MIN_PER_S, "syncookies.min_per_s", 1, 0.01, 1e9, REAL,
	     "SYN cookies sent per second"},
	},
	.level = syncookies_level,
	.describe = syncookies_describe,
    },
    [DIAG_RULE_ACCEPT_QUEUE] = {
	.id = "accept_queue", .title = "Accept queues", .severity = DIAG_WARNING,
	.description = "A listener's accept queue (its Recv-Q) is full: its process "
		       "does not accept() connections fast enough.",
	.set = TCP_STATE_LISTEN,
	.groups = {{DIAG_BY_PORT, DIAG_ACCEPT_QUEUE_FULL_PCT}},
	.keys = {
	    {DIAG_ACCEPT_QUEUE_FULL_PCT, "accept_queue.full_pct", 90, 1, 100, REAL,
	     "accept queue length, percent of the backlog (Send-Q), that counts as full"},
	},
	.level = accept_queue_level,
	.describe = accept_queue_describe,
    },
    [DIAG_RULE_LISTEN_DROPS] = {
	.id = "listen_drops", .title = "Listen drops", .severity = DIAG_WARNING,
	.description = "The kernel drops incoming connections that find an accept "
		       "queue full (TcpExtListenOverflows, TcpExtListenDrops).",
	.set = DIAG_SET_NONE,
	.host = true,
	.keys = {
	    {DIAG_LISTEN_DROPS_MIN_PER_S, "listen_drops.min_per_s", 1, 0.01, 1e9, REAL,
	     "ListenOverflows or ListenDrops per second"},
	},
	.level = listen_drops_level,
	.describe = listen_drops_describe,
    },
    [DIAG_RULE_TIME_WAIT_PORTS] = {
	.id = "time_wait_ports", .title = "Local ports", .severity = DIAG_WARNING,
	.description = "Connections from ephemeral local ports toward one destination "
		       "(remote address and port, from one local address) hold most "
		       "of net.ipv4.ip_local_port_range (read from "
		       "/proc/sys/net/ipv4/ip_local_port_range).  TIME_WAIT sockets "
		       "are counted always; the other connections on those ports are "
		       "added once a destination's TIME_WAIT alone reaches a quarter "
		       "of the threshold.  TIME_WAIT spread over many destinations, or "
		       "on a server's own port, runs no connect() out of ports: a local "
		       "port can be used again toward another destination.",
	.set = TCP_STATE_TIME_WAIT,
	.groups = {{DIAG_BY_DEST, DIAG_TIME_WAIT_PORT_USE_PCT, .ephemeral = true}},
	.keys = {
	    {DIAG_TIME_WAIT_PORT_USE_PCT, "time_wait.port_use_pct", 70, 1, 100, REAL,
	     "local ports in use toward one destination, percent of the ephemeral port range"},
	},
	.after_grouping = ports_count_users,
	.level = ports_level,
	.describe = ports_describe,
    },
    [DIAG_RULE_SYN_SENT] = {
	.id = "syn_sent", .title = "SYN_SENT", .severity = DIAG_WARNING,
	.description = "Connection attempts get no answer: syn_sent.min of one "
		       "process (toward one destination or many), or syn_sent.dest_min "
		       "toward one destination from several processes (a pool of "
		       "workers whose backend is down).",
	.set = TCP_STATE_SYN_SENT,
	.groups = {
	    {DIAG_BY_PROCESS, DIAG_SYN_SENT_MIN, DIAG_UNOWNED_ONE, .distinct = DEST},
	    {DIAG_BY_DEST, DIAG_SYN_SENT_DEST_MIN, .mixed = true},
	},
	.keys = {
	    {DIAG_SYN_SENT_MIN, "syn_sent.min", 50, 1, 1e7, WHOLE,
	     "pending connection attempts (SYN_SENT) of one process"},
	    {DIAG_SYN_SENT_SCAN_DESTS, "syn_sent.scan_dests", 20, 2, 1e7, WHOLE,
	     "distinct destinations among them that read as a scan or a fan-out rather than "
	     "one peer not answering"},
	    {DIAG_SYN_SENT_DEST_MIN, "syn_sent.dest_min", 50, 1, 1e7, WHOLE,
	     "pending connection attempts toward one destination (address and port) from "
	     "more than one process"},
	},
	.describe = syn_sent_describe,
    },
    [DIAG_RULE_FIN_WAIT1] = {
	.id = "fin_wait1", .title = "FIN_WAIT1", .severity = DIAG_WARNING,
	.description = "Our FINs are not acknowledged: fin_wait1.min sockets toward one peer "
		       "address (the peer is gone, or its window is closed), or "
		       "fin_wait1.port_min stuck for fin_wait1.age_s seconds toward any peers on "
		       "one local port (a server that closed connections under load whose "
		       "clients are gone or no longer read) or from one process's ephemeral "
		       "ports (a client).",
	CLOSING_PILE(FIN_WAIT1, "fin_wait1", "FIN_WAIT1"),
    },
    [DIAG_RULE_LAST_ACK] = {
	.id = "last_ack", .title = "LAST_ACK", .severity = DIAG_WARNING,
	.description = "Our FINs, sent after the peer closed its side, are not acknowledged: "
		       "last_ack.min sockets toward one peer address, or last_ack.port_min "
		       "stuck for last_ack.age_s seconds on one local port or from one "
		       "process's ephemeral ports.",
	CLOSING_PILE(LAST_ACK, "last_ack", "LAST_ACK"),
    },
    [DIAG_RULE_FIN_WAIT2] = {
	.id = "fin_wait2", .title = "FIN_WAIT2", .severity = DIAG_WARNING,
	.description = "Connections half-closed for long: fin_wait2.min sockets of "
		       "one process (or toward one peer, when the process is not "
		       "known) in FIN_WAIT2 for fin_wait2.age_s seconds.",
	.set = TCP_STATE_FIN_WAIT2,
	.groups = {{DIAG_BY_PROCESS, DIAG_FIN_WAIT2_MIN, DIAG_UNOWNED_BY_PEER, .aged = true}},
	.age_key = DIAG_FIN_WAIT2_AGE_S,
	.keys = {
	    {DIAG_FIN_WAIT2_MIN, "fin_wait2.min", 10, 1, 1e7, WHOLE,
	     "long-lived FIN_WAIT2 sockets of one process or peer"},
	    {DIAG_FIN_WAIT2_AGE_S, "fin_wait2.age_s", 120, 0, 1e6, REAL,
	     "seconds in FIN_WAIT2 that make a socket long-lived"},
	},
	.describe = fin_wait2_describe,
    },
    [DIAG_RULE_RETRANS] = {
	.id = "retrans", .title = "Retransmissions", .severity = DIAG_WARNING,
	.description = "TcpRetransSegs per second is a high share of TcpOutSegs per "
		       "second; the finding names the peer with the most sockets "
		       "retransmitting.",
	.set = DIAG_SET_RETRANS,
	.host = true,
	.groups = {{DIAG_BY_PEER, DIAG_RETRANS_PCT}},
	.keys = {
	    {DIAG_RETRANS_PCT, "retrans.pct", 2, 0.01, 100, REAL,
	     "retransmitted segments, percent of segments sent"},
	    {DIAG_RETRANS_MIN_OUT_PER_S, "retrans.min_out_per_s", 100, 0, 1e12, REAL,
	     "segments sent per second below which retransmissions are not judged"},
	},
	.level = retrans_level,
	.describe = retrans_describe,
    },
    [DIAG_RULE_FD_LIMIT] = {
	.id = "fd_limit", .title = "Descriptor limits", .severity = DIAG_WARNING,
	.description = "A process that holds sockets has fd_limit.pct percent of its "
		       "soft descriptor limit (RLIMIT_NOFILE, the \"Max open files\" of "
		       "/proc/PID/limits) open: accept() and connect() fail with EMFILE "
		       "once none is left, and connections wait in its listeners' accept "
		       "queues.  Critical when every descriptor is in use.  Descriptors "
		       "are counted when tcpdeck reads the process's /proc/PID/fd (when it "
		       "opens sockets, at least every 10 seconds, and every sample once it "
		       "uses half of its limit).",
	.set = DIAG_SET_PROCS,
	.groups = {{DIAG_BY_PROCESS, DIAG_FD_LIMIT_PCT}},
	.keys = {
	    {DIAG_FD_LIMIT_PCT, "fd_limit.pct", 90, 1, 100, REAL,
	     "open descriptors of one process, percent of its soft RLIMIT_NOFILE"},
	},
	.after_grouping = fd_limit_group,
	.level = fd_limit_level,
	.describe = fd_limit_describe,
    },
    [DIAG_RULE_CONNTRACK] = {
	.id = "conntrack", .title = "Connection tracking", .severity = DIAG_WARNING,
	.description = "The connection-tracking table (nf_conntrack) of the namespace "
		       "tcpdeck watches holds conntrack.full_pct percent of "
		       "net.netfilter.nf_conntrack_max entries: once it is full the "
		       "kernel drops new connections before TCP sees them.  Critical "
		       "when full.  Silent when the kernel has no connection tracking.",
	.set = DIAG_SET_NONE,
	.host = true,
	.keys = {
	    {DIAG_CONNTRACK_FULL_PCT, "conntrack.full_pct", 90, 0.0001, 100, REAL,
	     "tracked connections, percent of net.netfilter.nf_conntrack_max"},
	},
	.level = conntrack_level,
	.describe = conntrack_describe,
    },
    [DIAG_RULE_STALLED_READER] = {
	.id = "stalled_reader", .title = "Stalled readers", .severity = DIAG_WARNING,
	.description = "A process stopped reading: stalled_reader.min of its established "
		       "connections (per local port when the process is not visible) hold "
		       "data in Recv-Q of which it has read nothing for "
		       "stalled_reader.age_s seconds (bytes received minus Recv-Q, what "
		       "it has read, does not move; without tcp_info, Recv-Q does not "
		       "change).  A blocked or deadlocked worker, a full thread pool.  At "
		       "the first sample the wait is dated from the last data received.",
	.set = DIAG_SET_UNREAD,
	.groups = {{DIAG_BY_PROCESS, DIAG_STALLED_READER_MIN, DIAG_UNOWNED_BY_PORT, .aged = true}},
	.age_key = DIAG_STALLED_READER_AGE_S,
	.keys = {
	    {DIAG_STALLED_READER_MIN, "stalled_reader.min", 3, 1, 1e7, WHOLE,
	     "established connections of one process whose data waits unread"},
	    {DIAG_STALLED_READER_AGE_S, "stalled_reader.age_s", 5, 0.1, 1e6, REAL,
	     "seconds data waits in Recv-Q, none of it read, before a connection counts"},
	},
	.describe = stalled_reader_describe,
    },
    [DIAG_RULE_ZERO_WINDOW] = {
	.id = "zero_window", .title = "Zero windows", .severity = DIAG_WARNING,
	.description = "A peer stopped reading: zero_window.min established or CLOSE_WAIT "
		       "connections toward one peer address have had data in Send-Q held "
		       "by its receive window for zero_window.age_s seconds: it "
		       "advertises a zero window (the zero-window probe timer runs, or "
		       "tcp_info's snd_wnd is 0) or kept them limited by its window "
		       "(tcp_info's rwnd_limited) for most of each interval.  The "
		       "finding names the peer and the port.",
	.set = DIAG_SET_BLOCKED,
	.groups = {{DIAG_BY_PEER, DIAG_ZERO_WINDOW_MIN, .aged = true}},
	.age_key = DIAG_ZERO_WINDOW_AGE_S,
	.keys = {
	    {DIAG_ZERO_WINDOW_MIN, "zero_window.min", 3, 1, 1e7, WHOLE,
	     "connections toward one peer address whose sends its window holds"},
	    {DIAG_ZERO_WINDOW_AGE_S, "zero_window.age_s", 5, 0.1, 1e6, REAL,
	     "seconds the peer's window holds a connection's data before it counts"},
	},
	.describe = zero_window_describe,
    },
    [DIAG_RULE_DEAD_PEER] = {
	.id = "dead_peer", .title = "Dead peers", .severity = DIAG_WARNING,
	.description = "ESTABLISHED connections whose peers look gone without a FIN "
		       "(power loss, a NAT timeout, a cable pulled): dead_peer.min of "
		       "them on one local port (a server; for a client, toward one "
		       "destination), each either sending into the void (nothing "
		       "received for dead_peer.retrans_s seconds while its "
		       "retransmission timer runs, 3 or more retransmissions "
		       "unanswered) or silent (nothing sent or received for "
		       "dead_peer.idle_s seconds, no keepalive timer armed, nothing "
		       "unread), which nothing would ever notice.  Reads tcp_info "
		       "(lastrcv, lastsnd).",
	.set = DIAG_SET_DEAD_PEER,
	.groups = {
	    {DIAG_BY_PORT, DIAG_DEAD_PEER_MIN},
	    {DIAG_BY_DEST, DIAG_DEAD_PEER_MIN, .ephemeral = true},
	},
	.keys = {
	    {DIAG_DEAD_PEER_MIN, "dead_peer.min", 5, 1, 1e7, WHOLE,
	     "dead-looking connections on one local port, or toward one destination"},
	    {DIAG_DEAD_PEER_RETRANS_S, "dead_peer.retrans_s", 60, 0.1, 1e6, REAL,
	     "seconds with nothing received while retransmissions go unanswered"},
	    {DIAG_DEAD_PEER_IDLE_S, "dead_peer.idle_s", 600, 0.1, 1e7, REAL,
	     "seconds with nothing sent or received and no keepalive timer: well above "
	     "the service's own idle time"},
	},
	.file = dead_peer_file,
	.level = dead_peer_level,
	.describe = dead_peer_describe,
    },
    [DIAG_RULE_TIME_WAIT_RESTART] = {
	.id = "time_wait_restart", .title = "TIME_WAIT on a listening port",
	.severity = DIAG_INFO,
	.description = "A note, not a warning: a port something listens on has "
		       "time_wait_restart.min connections in TIME_WAIT (the server "
		       "closed first), so a server restarted on it without "
		       "SO_REUSEADDR fails to bind() with EADDRINUSE until the last "
		       "one expires (up to 60 s).  The note stays once the server is "
		       "gone, which is when a restart would fail: a port is remembered "
		       "for time_wait_restart.memory_s seconds after its listener went "
		       "(at most 1,024 ports, the most recent), and the note says until "
		       "when its TIME_WAIT blocks a bind().  Ports in the ephemeral "
		       "range are left out: TIME_WAIT there is a client's.",
	.set = TCP_STATE_TIME_WAIT,
	.groups = {{DIAG_BY_PORT, DIAG_TIME_WAIT_RESTART_MIN, .fixed = true}},
	.keys = {
	    {DIAG_TIME_WAIT_RESTART_MIN, "time_wait_restart.min", 1, 1, 1e7, WHOLE,
	     "TIME_WAIT sockets on a listening port"},
	    {DIAG_TIME_WAIT_RESTART_MEMORY_S, "time_wait_restart.memory_s", 120, 1, 86400, REAL,
	     "seconds a port is remembered after its listener went"},
	},
	.after_grouping = time_wait_restart_remember,
	.file = time_wait_restart_file,
	.level = time_wait_restart_level,
	.describe = time_wait_restart_describe,
    },
    [DIAG_RULE_RESETS] = {
	.id = "resets", .title = "Resets", .severity = DIAG_WARNING,
	.description = "Resets burst: resets sent (TcpOutRsts), established "
		       "connections reset (TcpEstabResets) or connection attempts "
		       "refused (TcpAttemptFails, less the attempts that timed out) "
		       "reach resets.min_per_s per second and resets.pct percent of "
		       "the connections opened.  The finding names the local port "
		       "(or the destination) and the peer of most of the sockets "
		       "that vanished since the sample before.",
	.set = DIAG_SET_NONE,
	.host = true,
	.keys = {
	    {DIAG_RESETS_MIN_PER_S, "resets.min_per_s", 10, 0.01, 1e9, REAL,
	     "resets sent, established connections reset, or attempts refused, per second"},
	    {DIAG_RESETS_PCT, "resets.pct", 10, 0.01, 1e6, REAL,
	     "the same, percent of the connections opened (active and passive)"},
	},
	.after_grouping = resets_tally,
	.level = resets_level,
	.describe = resets_describe,
    },
    [DIAG_RULE_CONN_PER_REQUEST] = {
	.id = "conn_per_request", .title = "A connection per request",
	.severity = DIAG_WARNING,
	.description = "One client address opens and closes "
		       "conn_per_request.min_per_s short-lived connections per second "
		       "to one server port: it opens a connection per request (no "
		       "keep-alive), and each leaves a TIME_WAIT socket for 60 s.  "
		       "Read from the closes the kernel announces (the closed "
		       "connections); short-lived: it lived at most "
		       "conn_per_request.max_lifetime_s for sure (no sample saw it "
		       "open and the samples are that close, or they saw it for so "
		       "short a time); with a longer interval nothing is judged.  A "
		       "connection whose two ends are both on this host counts once.  "
		       "A warning, never critical.",
	.set = DIAG_SET_CLOSES,
	.groups = {{DIAG_BY_PEER, DIAG_CONN_PER_REQUEST_MIN_PER_S}},
	.keys = {
	    {DIAG_CONN_PER_REQUEST_MIN_PER_S, "conn_per_request.min_per_s", 200, 0.01, 1e9,
	     REAL, "short-lived connections per second from one client address to one server "
	     "port"},
	    {DIAG_CONN_PER_REQUEST_MAX_LIFETIME_S, "conn_per_request.max_lifetime_s", 5, 0.001,
	     3600, REAL, "seconds a connection lived at most to count as short-lived"},
	},
	.after_grouping = conn_per_request_group,
	.level = conn_per_request_level,
	.describe = conn_per_request_describe,
    },
    [DIAG_RULE_EARLY_CLOSE] = {
	.id = "early_close", .title = "Connections closed at once",
	.severity = DIAG_WARNING,
	.description = "A server closes connections as soon as it accepts them: "
		       "early_close.min_per_s per second on one listening port closed "
		       "by the server first (its end is in TIME_WAIT) within "
		       "early_close.max_ms milliseconds of the accept.  The time comes "
		       "from tcp_info in the kernel's close announcement: the time "
		       "since the last data sent counts from the accept when the "
		       "server sent nothing, as the time since the last data received "
		       "does when it received nothing; connections with data both ways "
		       "are not judged.  Clients that close first (health checks, port "
		       "scans) are not counted.",
	.set = DIAG_SET_CLOSES,
	.groups = {{DIAG_BY_PORT, DIAG_EARLY_CLOSE_MIN_PER_S}},
	.keys = {
	    {DIAG_EARLY_CLOSE_MIN_PER_S, "early_close.min_per_s", 10, 0.01, 1e9, REAL,
	     "connections per second a server closes first, soon after accepting them"},
	    {DIAG_EARLY_CLOSE_MAX_MS, "early_close.max_ms", 10, 0, 1e6, REAL,
	     "milliseconds from the accept to the close that count as at once (the "
	     "kernel's clock ticks every 1 to 10 ms)"},
	},
	.after_grouping = early_close_group,
	.level = early_close_level,
	.describe = early_close_describe,
    },
    [DIAG_RULE_CLOSES_LOST] = {
	.id = "closes_lost", .title = "Close announcements lost",
	.severity = DIAG_WARNING,
	.description = "The kernel dropped closes_lost.min announcements of closed "
		       "connections in one interval because tcpdeck's receive buffer "
		       "was full: the closed connections, and the findings read from "
		       "them, miss some.  The finding says how many and how to make "
		       "room (TCPDECK_EVENTS_RCVBUF, CAP_NET_ADMIN).  A warning, never "
		       "critical.",
	.set = DIAG_SET_CLOSES,
	.groups = {{DIAG_BY_HOST, DIAG_CLOSES_LOST_MIN}},
	.keys = {
	    {DIAG_CLOSES_LOST_MIN, "closes_lost.min", 1, 1, 1e12, WHOLE,
	     "close announcements lost in one interval"},
	},
	.after_grouping = closes_lost_group,
	.level = closes_lost_level,
	.describe = closes_lost_describe,
    },
};

/* clang-format on */

/* ------------------------------------------------------------ evaluation */

static const char *const grouping_names[DIAG_BY_COUNT] = {
    [DIAG_BY_NONE] = "none",       [DIAG_BY_PEER] = "peer",        [DIAG_BY_PORT] = "port",
    [DIAG_BY_PROCESS] = "process", [DIAG_BY_DEST] = "destination", [DIAG_BY_HOST] = "host",
};

const char *
diag_grouping_name(enum diag_grouping by)
{
	return (unsigned int)by < DIAG_BY_COUNT ? grouping_names[by] : "?";
}

int
diag_rule_info(enum diag_rule rule, struct diag_rule_info *out)
{
	const struct diag_rule_def *def;

	if ((unsigned int)rule >= DIAG_RULE_COUNT)
		return -1;
	def = &diag_rules[rule];
	memset(out, 0, sizeof(*out));
	out->id = def->id;
	out->title = def->title;
	out->description = def->description;
	out->level = def->severity;
	out->keys = def->keys;
	for (size_t j = 0; j < DIAG_RULE_GROUPINGS && def->groups[j].by != DIAG_BY_NONE; j++)
		out->groupings |= 1u << def->groups[j].by;
	if (def->host)
		out->groupings |= 1u << DIAG_BY_HOST;
	return 0;
}

const char *
diag_rule_id(enum diag_rule rule)
{
	return (unsigned int)rule < DIAG_RULE_COUNT ? diag_rules[rule].id : "?";
}

const struct diag_key_def *
diag_rules_key_def(enum diag_key key)
{
	for (int r = 0; r < DIAG_RULE_COUNT; r++)
		for (const struct diag_key_def *k = diag_rules[r].keys; k->name != NULL; k++)
			if (k->key == key)
				return k;
	return NULL;
}

void
diag_rules_plan(struct diagnose *d)
{
	memset(d->plan, 0, sizeof(d->plan));
	for (int r = 0; r < DIAG_RULE_COUNT; r++) {
		const struct diag_rule_def *def = &diag_rules[r];
		struct diag_plan *p;

		if (def->set >= DIAG_SET_COUNT)
			continue;
		p = &d->plan[def->set];
		for (size_t j = 0; j < DIAG_RULE_GROUPINGS && def->groups[j].by != DIAG_BY_NONE;
		     j++) {
			const struct diag_rule_grouping *how = &def->groups[j];

			p->by[how->by] = how;
			p->rule[how->by] = def->host ? DIAG_RULE_COUNT : (enum diag_rule)r;
			p->min_age[how->by] = how->aged ? diag_cfg(d, def->age_key) : -1;
			p->list[p->n++] = (uint8_t)how->by;
			p->any = true;
		}
	}
	d->dead_peer_idle_ms = UINT32_MAX;
	if (d->plan[DIAG_SET_DEAD_PEER].any)
		d->dead_peer_idle_ms =
		    (uint32_t)min2(1000 * diag_cfg(d, DIAG_DEAD_PEER_IDLE_S), UINT32_MAX);
}

static int
cand_add(struct diagnose *d, enum diag_rule rule, double level, int32_t group, uint32_t netns)
{
	double clear = diag_cfg(d, DIAG_CLEAR_PCT) / 100;

	if (!(level > 0) || level < clear)
		return 0;
	if (diag_grow(&d->cands, &d->cands_cap, d->n_cands, sizeof(*d->cands), 64) < 0)
		return -1;
	d->cands[d->n_cands++] = (struct diag_candidate){rule, level, group, netns};
	return 0;
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct diag_candidate *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->netns < y->netns ? -1 : x->netns > y->netns;
}

/* Takes the sockets toward peers that are piles of their own out of the
 * groupings that ask for it, so one pile makes one finding. */
static void
leave_peer_piles(struct diagnose *d)
{
	for (size_t i = 0; i < d->n_groups; i++) {
		const struct diag_group *sub = &d->groups[i];
		const struct diag_rule_grouping *how, *peers;
		struct diag_group *parent, *peer;
		struct diag_gkey k;

		if (sub->parent < 0)
			continue;
		parent = &d->groups[sub->parent];
		how = d->plan[parent->key.set].by[parent->key.by];
		peers = d->plan[parent->key.set].by[DIAG_BY_PEER];
		if (how == NULL || !how->beyond_peers || peers == NULL)
			continue;
		memset(&k, 0, sizeof(k));
		k.set = parent->key.set;
		k.netns = parent->key.netns;
		k.by = k.subj = DIAG_BY_PEER;
		k.family = sub->key.family;
		memcpy(k.a, sub->key.a, sizeof(k.a));
		peer = diag_group_find(d, &k);
		if (peer != NULL && peer->count >= diag_cfg(d, peers->min)) {
			parent->count -= sub->count;
			parent->distinct--;
		}
	}
}

/* Every group's level, and every host-wide rule's. */
static int
collect_candidates(struct diagnose *d)
{
	d->n_cands = 0;
	for (size_t i = 0; i < d->n_groups; i++) {
		const struct diag_group *g = &d->groups[i];
		const struct diag_plan *p;
		const struct diag_rule_def *def;
		const struct diag_rule_grouping *how;
		double level;

		if (g->key.subj == SUBJ_DISTINCT || g->key.set >= DIAG_SET_COUNT)
			continue;
		p = &d->plan[g->key.set];
		if (p->rule[g->key.by] >= DIAG_RULE_COUNT || (how = p->by[g->key.by]) == NULL)
			continue;
		def = &diag_rules[p->rule[g->key.by]];
		if (how->mixed && !g->mixed)
			continue;
		level =
		    def->level != NULL ? def->level(d, g, how) : g->count / diag_cfg(d, how->min);
		if (cand_add(d, p->rule[g->key.by], level, (int32_t)i, 0) < 0)
			return -1;
	}
	if (!d->by_netns) {
		for (int r = 0; r < DIAG_RULE_COUNT; r++)
			if (diag_rules[r].host &&
			    cand_add(d, (enum diag_rule)r, diag_rules[r].level(d, NULL, NULL), -1,
				     0) < 0)
				return -1;
		return 0;
	}
	/* Host-wide rules: once per namespace, on its own numbers. */
	for (size_t k = 0; k < d->snap->n_netns; k++) {
		uint32_t inode = d->snap->netns[k].info.inode;

		diag_scope(d, inode);
		for (int r = 0; r < DIAG_RULE_COUNT; r++)
			if (diag_rules[r].host &&
			    cand_add(d, (enum diag_rule)r, diag_rules[r].level(d, NULL, NULL), -1,
				     inode) < 0)
				return -1;
	}
	return 0;
}

/*
 * With namespaces: f names its namespace.  Its title starts with the
 * namespace's label and its key carries the inode after the rule's id,
 * so the same subject in two namespaces is two findings to the
 * hysteresis too.
 */
static void
name_netns(const struct diagnose *d, uint32_t netns, struct diag_finding *f)
{
	const struct snapshot_netns *ns = snapshot_find_netns(d->snap, netns);
	struct netns_info unknown = {.inode = netns};
	char label[256], text[sizeof(f->title)];
	size_t id_len = strlen(f->id);

	f->netns = netns;
	netns_info_label(ns != NULL ? &ns->info : &unknown, label, sizeof(label));
	memcpy(text, f->title, sizeof(text));
	f->title[0] = '\0';
	append(f->title, sizeof(f->title), "%s: %s", label, text);
	/* "close_wait/pid:812" -> "close_wait/netns:4026532290/pid:812" */
	memcpy(text, f->key, sizeof(f->key));
	f->key[0] = '\0';
	if (strncmp(text, f->id, id_len) == 0 && text[id_len] == '/')
		append(f->key, sizeof(f->key), "%s/netns:%" PRIu32 "%s", f->id, netns,
		       text + id_len);
	else
		append(f->key, sizeof(f->key), "%s/netns:%" PRIu32, text, netns);
}

static void
describe(struct diagnose *d, const struct diag_candidate *c, struct diag_finding *f)
{
	const struct diag_rule_def *def = &diag_rules[c->rule];
	/* A group's namespace is its sockets' (fd_limit's process groups:
	 * its first socket's; the groups of closes: their key's). */
	const struct diag_group *g = c->group >= 0 ? &d->groups[c->group] : NULL;
	uint32_t netns = g != NULL && d->by_netns ? diag_group_netns(d, g) : c->netns;
	/* The close listener's losses are the whole listener's. */
	bool named = d->by_netns && !(g != NULL && g->key.set == DIAG_SET_CLOSES &&
				      g->key.by == DIAG_BY_HOST);

	diag_scope(d, netns);
	memset(f, 0, sizeof(*f));
	f->rule = c->rule;
	f->id = def->id;
	f->level = c->level;
	/* A warning far past its threshold is critical; a note stays one. */
	f->severity = c->level >= 4 && def->severity == DIAG_WARNING ? DIAG_CRITICAL : def->severity;
	def->describe(d, g, f);
	if (named)
		name_netns(d, netns, f);
}

int
diag_rules_evaluate(struct diagnose *d)
{
	size_t per_rule = (size_t)diag_cfg(d, DIAG_MAX_PER_RULE);

	diag_scope_prepare(d);
	for (int r = 0; r < DIAG_RULE_COUNT; r++)
		if (diag_rules[r].after_grouping != NULL && diag_rules[r].after_grouping(d) < 0)
			return -1;
	leave_peer_piles(d);
	if (collect_candidates(d) < 0)
		return -1;
	if (d->n_cands > 1) /* qsort() wants a non-NULL base even for none */
		qsort(d->cands, d->n_cands, sizeof(*d->cands), cand_cmp);
	d->n_found = 0;
	for (size_t i = 0, in_rule = 0; i < d->n_cands; i++) {
		const struct diag_candidate *c = &d->cands[i];

		in_rule = i > 0 && d->cands[i - 1].rule == c->rule ? in_rule + 1 : 0;
		if (in_rule >= per_rule)
			continue;
		if (diag_grow(&d->found, &d->found_cap, d->n_found, sizeof(*d->found), 16) < 0)
			return -1;
		describe(d, c, &d->found[d->n_found++]);
	}
	return 0;
}
