/*
 * diagnose.c - the diagnosis rules, their aggregation and hysteresis.
 *
 * One pass over the snapshot files the sockets of interest into groups
 * (per process, port, peer or destination) kept in a dense array indexed
 * by an open-addressing hash whose slots carry the update's generation,
 * so nothing is cleared between samples.  Each rule then turns its groups
 * into candidates with a level (measure / threshold); the worst few per
 * rule get their text, and the hysteresis records decide which fire.
 * Single-threaded; never prints.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "format.h"
#include "kcounters.h"
#include "sock_format.h"

/* Used when ip_local_port_range cannot be read: the kernel's default. */
#define PORT_RANGE_LOW 32768
#define PORT_RANGE_HIGH 60999

static const char *const rule_ids[DIAG_RULE_COUNT] = {
	[DIAG_RULE_CLOSE_WAIT] = "close_wait",
	[DIAG_RULE_SYN_RECV] = "syn_recv",
	[DIAG_RULE_SYNCOOKIES] = "syncookies",
	[DIAG_RULE_ACCEPT_QUEUE] = "accept_queue",
	[DIAG_RULE_LISTEN_DROPS] = "listen_drops",
	[DIAG_RULE_TIME_WAIT_PORTS] = "time_wait_ports",
	[DIAG_RULE_SYN_SENT] = "syn_sent",
	[DIAG_RULE_FIN_WAIT1] = "fin_wait1",
	[DIAG_RULE_LAST_ACK] = "last_ack",
	[DIAG_RULE_FIN_WAIT2] = "fin_wait2",
	[DIAG_RULE_RETRANS] = "retrans",
};

/* What a group gathers. */
enum group_kind {
	G_CLOSE_WAIT = 1, /* by process, or by local port when unowned */
	G_SYN_RECV,       /* by local port */
	G_SYN_RECV_SRC,   /* (local port, remote address): distinct sources */
	G_SYN_SENT,       /* by process (pid 0: unknown) */
	G_SYN_SENT_DEST,  /* (process, remote address:port) */
	G_FIN_WAIT1,      /* by remote address */
	G_LAST_ACK,       /* by remote address */
	G_FIN_WAIT2,      /* by process, or by remote address when unowned */
	G_PORTS,          /* (local address, remote address:port) of sockets
			   * on an ephemeral local port */
	G_RETRANS_PEER,   /* by remote address: sockets retransmitting */
	G_LISTEN_PORT,    /* by local port: the fullest listener */
};

/* How a group's subject is identified (gkey.by). */
enum { BY_PID = 1, BY_PORT, BY_ADDR };

/* 48 bytes, hashed as six words; unused bytes stay zero. */
struct gkey {
	uint8_t kind;
	uint8_t by;
	uint8_t family;
	uint8_t pad;
	uint16_t port;   /* local port */
	uint16_t port2;  /* remote port */
	uint32_t pid;
	uint32_t pad2;
	uint8_t a[16];   /* remote address (local, for G_PORTS) */
	uint8_t b[16];   /* G_PORTS: remote address */
};

struct group {
	struct gkey key;
	uint32_t count;    /* sockets */
	uint32_t count2;   /* distinct sources/destinations; TIME_WAIT
			    * among G_PORTS; old ones for FIN_WAIT2 */
	uint32_t recent;   /* entered the state in this sample */
	uint32_t example;  /* an entry index: addresses, port, owner */
	int32_t owned;     /* entry index of an owned socket, or -1 */
	double oldest;     /* seconds in the state, -1 unknown */
	bool oldest_lower_bound;
	double fill;       /* G_LISTEN_PORT: accept queue / backlog */
};

struct hslot {
	uint32_t gen;
	uint32_t index;  /* into groups */
};

/* A group that a rule found worth a look. */
struct candidate {
	enum diag_rule rule;
	double level;
	int32_t group;   /* -1 for host-wide rules */
};

/* Hysteresis memory of one finding. */
struct record {
	struct diag_finding f;
	uint32_t above_run, below_run;
	bool active, seen;
};

struct diagnose {
	struct diag_config cfg;
	char *proc_root;
	unsigned int port_low, port_high;

	struct hslot *slots;
	size_t mask;
	uint32_t gen;
	struct group *groups;
	size_t n_groups, groups_cap;

	struct candidate *cands;
	size_t n_cands, cands_cap;

	struct record *records;
	size_t n_records, records_cap;

	struct diag_finding *shown;
	size_t n_shown, shown_cap;

	/* Counters of the previous sample, for rates. */
	struct kcounters prev_counters;
	double prev_now;
	bool have_prev;
	/* Rates of this update; < 0 when unknown. */
	double rate[KC_COUNT];

	/* Fullest listener of this sample, for host-wide findings. */
	int64_t fullest_listener;
	double fullest_fill;
};

const char *
diag_rule_id(enum diag_rule rule)
{
	return (unsigned int)rule < DIAG_RULE_COUNT ? rule_ids[rule] : "?";
}

const char *
diag_severity_name(enum diag_severity severity)
{
	switch (severity) {
	case DIAG_INFO:
		return "info";
	case DIAG_WARNING:
		return "warning";
	case DIAG_CRITICAL:
		return "critical";
	}
	return "?";
}

struct diagnose *
diagnose_new(const struct diag_config *cfg, const char *proc_root)
{
	struct diagnose *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (cfg != NULL)
		d->cfg = *cfg;
	else
		diag_config_defaults(&d->cfg);
	d->proc_root = strdup(proc_root != NULL ? proc_root : "/proc");
	if (d->proc_root == NULL) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	d->port_low = PORT_RANGE_LOW;
	d->port_high = PORT_RANGE_HIGH;
	return d;
}

void
diagnose_free(struct diagnose *d)
{
	if (d == NULL)
		return;
	free(d->proc_root);
	free(d->slots);
	free(d->groups);
	free(d->cands);
	free(d->records);
	free(d->shown);
	free(d);
}

size_t
diagnose_count(const struct diagnose *d)
{
	return d->n_shown;
}

const struct diag_finding *
diagnose_get(const struct diagnose *d, size_t i)
{
	return i < d->n_shown ? &d->shown[i] : NULL;
}

void
diagnose_port_range(const struct diagnose *d, unsigned int *low, unsigned int *high)
{
	*low = d->port_low;
	*high = d->port_high;
}

static double
cfg(const struct diagnose *d, enum diag_key key)
{
	return d->cfg.value[key];
}

/* ------------------------------------------------------------ inputs */

/* <proc_root>/sys/net/ipv4/ip_local_port_range: "32768\t60999". */
static void
read_port_range(struct diagnose *d)
{
	char path[PATH_MAX], buf[64];
	unsigned int low, high;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range", d->proc_root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* keep what was known */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "%u %u", &low, &high) == 2 && low > 0 && low <= high && high <= 65535) {
		d->port_low = low;
		d->port_high = high;
	}
}

static double
timespec_s(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void
compute_rates(struct diagnose *d, const struct snapshot *snap)
{
	double now = timespec_s(&snap->taken_mono);

	for (int c = 0; c < KC_COUNT; c++) {
		double r;

		d->rate[c] = -1;
		if (d->have_prev &&
		    kcounters_rate(&d->prev_counters, &snap->counters, (enum kcounter)c,
				   now - d->prev_now, &r))
			d->rate[c] = r;
	}
	d->prev_counters = snap->counters;
	d->prev_now = now;
	d->have_prev = true;
}

/* ------------------------------------------------------------ groups */

static size_t
hash_key(const struct gkey *k)
{
	uint64_t w[6], h = 0x9e3779b97f4a7c15ull;

	_Static_assert(sizeof(*k) == sizeof(w), "gkey is hashed as whole words");
	memcpy(w, k, sizeof(w));
	for (int i = 0; i < 6; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return (size_t)h;
}

/* Room for `max_groups` groups this update. */
static int
groups_prepare(struct diagnose *d, size_t max_groups)
{
	size_t want = 64;

	while (want * 3 < max_groups * 4)
		want *= 2;
	if (d->slots == NULL || d->mask + 1 < want || d->mask + 1 > want * 8) {
		free(d->slots);
		d->slots = calloc(want, sizeof(*d->slots));
		if (d->slots == NULL)
			return -1;
		d->mask = want - 1;
		d->gen = 0;
	}
	if (++d->gen == 0) {
		/* Wrapped: old generations could come back as current. */
		memset(d->slots, 0, (d->mask + 1) * sizeof(*d->slots));
		d->gen = 1;
	}
	d->n_groups = 0;
	return 0;
}

/* The group of key k, or NULL. */
static struct group *
group_find(struct diagnose *d, const struct gkey *k)
{
	for (size_t i = hash_key(k) & d->mask;; i = (i + 1) & d->mask) {
		struct hslot *s = &d->slots[i];

		if (s->gen != d->gen)
			return NULL;
		if (memcmp(&d->groups[s->index].key, k, sizeof(*k)) == 0)
			return &d->groups[s->index];
	}
}

/* The group of key k, created empty when new (*created set); NULL when
 * out of memory. */
static struct group *
group_get(struct diagnose *d, const struct gkey *k, uint32_t example, bool *created)
{
	size_t i = hash_key(k) & d->mask;
	struct group *g;

	*created = false;
	for (;; i = (i + 1) & d->mask) {
		struct hslot *s = &d->slots[i];

		if (s->gen != d->gen)
			break;
		if (memcmp(&d->groups[s->index].key, k, sizeof(*k)) == 0)
			return &d->groups[s->index];
	}
	/* The table is sized for every socket of interest: it cannot fill,
	 * but a group array that cannot grow ends the pass. */
	if (d->n_groups == d->groups_cap) {
		size_t cap = d->groups_cap ? d->groups_cap * 2 : 256;
		struct group *more = realloc(d->groups, cap * sizeof(*more));

		if (more == NULL)
			return NULL;
		d->groups = more;
		d->groups_cap = cap;
	}
	d->slots[i].gen = d->gen;
	d->slots[i].index = (uint32_t)d->n_groups;
	g = &d->groups[d->n_groups++];
	memset(g, 0, sizeof(*g));
	g->key = *k;
	g->example = example;
	g->owned = -1;
	g->oldest = -1;
	*created = true;
	return g;
}

static void
key_init(struct gkey *k, enum group_kind kind)
{
	memset(k, 0, sizeof(*k));
	k->kind = (uint8_t)kind;
}

/* The port-use key of e: (local address, remote address and port). */
static void
ports_key(struct gkey *k, const struct sock_entry *e)
{
	key_init(k, G_PORTS);
	k->by = BY_ADDR;
	k->family = e->family;
	k->port2 = e->remote_port;
	memcpy(k->a, e->local_addr, sizeof(k->a));
	memcpy(k->b, e->remote_addr, sizeof(k->b));
}

/* Keys by the owning process when known, else by `fallback`. */
static void
key_by_owner(struct gkey *k, const struct snapshot *snap, const struct sock_entry *e,
	     int fallback)
{
	const struct owner_proc *p = sock_format_owner(snap, e);

	if (p != NULL) {
		k->by = BY_PID;
		k->pid = (uint32_t)p->pid;
	} else if (fallback == BY_PORT) {
		k->by = BY_PORT;
		k->port = e->local_port;
	} else {
		k->by = BY_ADDR;
		k->family = e->family;
		memcpy(k->a, e->remote_addr, sizeof(k->a));
	}
}

static void
note_age(struct group *g, const struct statetrack *st, size_t i, double *age_out)
{
	bool lower = false;
	double age = st != NULL ? statetrack_age_at(st, i, &lower) : -1;

	*age_out = age;
	if (age < 0)
		return;
	if (age > g->oldest) {
		g->oldest = age;
		g->oldest_lower_bound = lower;
	}
	/* Came into the state at this very sample (not in the first one). */
	if (age == 0 && !lower)
		g->recent++;
}

/* Files entry i into the groups its state calls for.  0 or -1 (ENOMEM). */
static int
file_entry(struct diagnose *d, const struct snapshot *snap, const struct statetrack *st,
	   size_t i)
{
	const struct sock_entry *e = &snap->entries[i];
	struct gkey k;
	struct group *g, *sub;
	bool created;
	double age;

	switch (e->state) {
	case TCP_STATE_CLOSE_WAIT:
		key_init(&k, G_CLOSE_WAIT);
		key_by_owner(&k, snap, e, BY_PORT);
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		note_age(g, st, i, &age);
		break;
	case TCP_STATE_SYN_RECV: {
		uint32_t parent;

		key_init(&k, G_SYN_RECV);
		k.by = BY_PORT;
		k.port = e->local_port;
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		parent = (uint32_t)(g - d->groups);
		k.kind = G_SYN_RECV_SRC;
		k.family = e->family;
		memcpy(k.a, e->remote_addr, sizeof(k.a));
		if ((sub = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		sub->count++;
		/* Indexes, not pointers: the array may have moved. */
		if (created)
			d->groups[parent].count2++;
		break;
	}
	case TCP_STATE_SYN_SENT: {
		uint32_t parent;

		key_init(&k, G_SYN_SENT);
		key_by_owner(&k, snap, e, BY_PORT);
		k.port = 0; /* unowned attempts share one group */
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		parent = (uint32_t)(g - d->groups);
		k.kind = G_SYN_SENT_DEST;
		k.family = e->family;
		memcpy(k.a, e->remote_addr, sizeof(k.a));
		k.port2 = e->remote_port;
		if ((sub = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		sub->count++;
		if (created)
			d->groups[parent].count2++;
		break;
	}
	case TCP_STATE_FIN_WAIT1:
	case TCP_STATE_LAST_ACK:
		key_init(&k, e->state == TCP_STATE_FIN_WAIT1 ? G_FIN_WAIT1 : G_LAST_ACK);
		k.by = BY_ADDR;
		k.family = e->family;
		memcpy(k.a, e->remote_addr, sizeof(k.a));
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		if (g->owned < 0 && e->owner_status == OWNER_FOUND)
			g->owned = (int32_t)i;
		break;
	case TCP_STATE_FIN_WAIT2: {
		bool lower = false;
		double a = st != NULL ? statetrack_age_at(st, i, &lower) : -1;

		if (a < cfg(d, DIAG_FIN_WAIT2_AGE_S))
			break;
		key_init(&k, G_FIN_WAIT2);
		key_by_owner(&k, snap, e, BY_ADDR);
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		note_age(g, st, i, &age);
		break;
	}
	case TCP_STATE_LISTEN: {
		double fill = (double)e->recv_q / (e->send_q > 0 ? e->send_q : 1);

		key_init(&k, G_LISTEN_PORT);
		k.port = e->local_port;
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		if (created || fill > g->fill) {
			g->fill = fill;
			g->example = (uint32_t)i;
		}
		if (e->recv_q > 0 && fill > d->fullest_fill) {
			d->fullest_fill = fill;
			d->fullest_listener = (int64_t)i;
		}
		return 0; /* a listener uses no ephemeral port */
	}
	default:
		break;
	}

	if (e->retrans > 0 || e->timer == SOCK_TIMER_RETRANSMIT) {
		key_init(&k, G_RETRANS_PEER);
		k.by = BY_ADDR;
		k.family = e->family;
		memcpy(k.a, e->remote_addr, sizeof(k.a));
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
	}
	/* TIME_WAIT on an ephemeral local port holds one of the range's
	 * ports toward its destination.  The other connections on such
	 * ports hold one too; they are counted by count_port_users() only
	 * when a destination's TIME_WAIT alone comes near the threshold,
	 * since on a client host they are most sockets. */
	if (e->state == TCP_STATE_TIME_WAIT && e->local_port >= d->port_low &&
	    e->local_port <= d->port_high) {
		ports_key(&k, e);
		if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
			return -1;
		g->count++;
		g->count2++;
	}
	return 0;
}

/* Whether any destination's TIME_WAIT reaches a quarter of the port
 * threshold: only then are the other users of its ports worth counting. */
static bool
ports_worth_counting(const struct diagnose *d)
{
	double range = d->port_high - d->port_low + 1;
	double near = range * cfg(d, DIAG_TIME_WAIT_PORT_USE_PCT) / 100 / 4;

	for (size_t i = 0; i < d->n_groups; i++)
		if (d->groups[i].key.kind == G_PORTS && d->groups[i].count >= near)
			return true;
	return false;
}

/* Adds the connections other than TIME_WAIT on ephemeral ports to the
 * destinations that have a port-use group, and finds their owners. */
static void
count_port_users(struct diagnose *d, const struct snapshot *snap)
{
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct group *g;
		struct gkey k;

		if (e->state == TCP_STATE_TIME_WAIT || e->state == TCP_STATE_LISTEN ||
		    e->state == TCP_STATE_SYN_RECV || e->state == TCP_STATE_CLOSE ||
		    e->local_port < d->port_low || e->local_port > d->port_high)
			continue;
		ports_key(&k, e);
		g = group_find(d, &k);
		if (g == NULL)
			continue;
		g->count++;
		if (g->owned < 0 && e->owner_status == OWNER_FOUND)
			g->owned = (int32_t)i;
	}
}

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
	const struct owner_proc *p =
		i >= 0 && (size_t)i < snap->n_entries ? sock_format_owner(snap, &snap->entries[i])
						      : NULL;

	if (p == NULL)
		return false;
	f->pid = p->pid;
	snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
	snprintf(f->subject, sizeof(f->subject), "%s (pid %d)", p->comm, p->pid);
	return true;
}

/* " ; NAME 12/s" when the rate is known, else nothing. */
static void
append_rate(char *out, size_t len, const struct diagnose *d, enum kcounter c, const char *what)
{
	size_t used = strlen(out);

	if (d->rate[c] >= 0 && used < len)
		snprintf(out + used, len - used, "; %s %.0f/s", what, d->rate[c]);
}

static const struct group *
listen_group(const struct diagnose *d, uint16_t port)
{
	for (size_t i = 0; i < d->n_groups; i++)
		if (d->groups[i].key.kind == G_LISTEN_PORT && d->groups[i].key.port == port)
			return &d->groups[i];
	return NULL;
}

static void
describe_close_wait(const struct diagnose *d, const struct snapshot *snap,
		    const struct statetrack *st, const struct group *g, struct diag_finding *f)
{
	const struct sock_entry *e = &snap->entries[g->example];
	const struct statetrack_summary *sum = st != NULL ? statetrack_summary(st) : NULL;
	char n[32], age[48], who[192];

	f->port = e->local_port;
	if (g->key.by == BY_PID && set_process(f, snap, g->example)) {
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
		 g->count, cfg(d, DIAG_CLOSE_WAIT_MIN), cfg(d, DIAG_CLOSE_WAIT_OLD_MIN),
		 cfg(d, DIAG_CLOSE_WAIT_AGE_S), cfg(d, DIAG_CLOSE_WAIT_GROWTH), age, g->recent);
	if (sum != NULL && sum->has_rates && g->recent > 0) {
		size_t used = strlen(f->evidence);

		snprintf(f->evidence + used, sizeof(f->evidence) - used, " (%.1f/s)",
			 g->recent / sum->interval_s);
	}
	snprintf(f->next, sizeof(f->next),
		 "it does not close() connections its peers closed; check that the handler "
		 "closes sockets on every path (errors, timeouts, early returns) and that its "
		 "workers are not stuck");
}

static void
describe_syn_recv(const struct diagnose *d, const struct snapshot *snap, const struct group *g,
		  struct diag_finding *f)
{
	const struct group *lg = listen_group(d, g->key.port);
	const struct sock_entry *l = lg != NULL ? &snap->entries[lg->example] : NULL;
	/* The overflow counter is host-wide: it speaks for this port only
	 * when the port's own listener is not in the snapshot. */
	bool full = l != NULL ? lg->fill * 100 >= cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT)
			      : d->rate[KC_LISTEN_OVERFLOWS] >= cfg(d, DIAG_LISTEN_DROPS_MIN_PER_S);
	char n[32], m[32], who[192];

	f->port = g->key.port;
	snprintf(f->key, sizeof(f->key), "syn_recv/port:%u", g->key.port);
	if (!set_process(f, snap, l != NULL ? (int64_t)lg->example : -1))
		snprintf(who, sizeof(who), "the listening process");
	else
		snprintf(who, sizeof(who), "%s", f->subject);
	snprintf(f->subject, sizeof(f->subject), "port %u", g->key.port);
	num(n, sizeof(n), g->count);
	num(m, sizeof(m), g->count2);
	if (g->count2 >= cfg(d, DIAG_SYN_RECV_FLOOD_SOURCES)) {
		f->severity = DIAG_CRITICAL;
		snprintf(f->title, sizeof(f->title),
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
		snprintf(f->next, sizeof(f->next),
			 "%s does not accept() fast enough for this connection rate, or its backlog "
			 "is too small: check the accept loop, then raise the listen() backlog and "
			 "net.core.somaxconn",
			 who);
	} else {
		snprintf(f->title, sizeof(f->title),
			 "%s half-open connections pile up on port %u (from %s address%s): "
			 "handshakes do not complete",
			 n, g->key.port, m, g->count2 == 1 ? "" : "es");
		snprintf(f->next, sizeof(f->next),
			 "the clients' final ACKs do not arrive or are not taken: a lossy path, a "
			 "firewall dropping ACKs, or TCP_DEFER_ACCEPT waiting for data clients never "
			 "send");
	}
	snprintf(f->evidence, sizeof(f->evidence), "%u in SYN_RECV (threshold %g) from %u address%s",
		 g->count, cfg(d, DIAG_SYN_RECV_MIN), g->count2, g->count2 == 1 ? "" : "es");
	if (l != NULL) {
		size_t used = strlen(f->evidence);

		snprintf(f->evidence + used, sizeof(f->evidence) - used,
			 "; accept queue %u of backlog %u", l->recv_q, l->send_q);
	}
	append_rate(f->evidence, sizeof(f->evidence), d, KC_SYNCOOKIES_SENT, "SYN cookies sent");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "listen overflows");
}

static void
describe_accept_queue(const struct diagnose *d, const struct snapshot *snap,
		      const struct group *g, struct diag_finding *f)
{
	const struct sock_entry *l = &snap->entries[g->example];
	char who[192];

	f->port = l->local_port;
	snprintf(f->key, sizeof(f->key), "accept_queue/port:%u", l->local_port);
	if (set_process(f, snap, g->example))
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
	snprintf(f->evidence, sizeof(f->evidence),
		 "accept queue %u, backlog %u (full at %g%%)", l->recv_q, l->send_q,
		 cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "listen overflows");
	snprintf(f->next, sizeof(f->next),
		 "new connections beyond the backlog are dropped or answered with SYN cookies; "
		 "check whether the accept loop is blocked or starved, then raise the listen() "
		 "backlog and net.core.somaxconn");
}

/* The port of the fullest listener, or of the most SYN_RECV sockets. */
static void
host_subject(const struct diagnose *d, const struct snapshot *snap, struct diag_finding *f,
	     bool prefer_syn_recv)
{
	const struct group *best = NULL;

	snprintf(f->subject, sizeof(f->subject), "host");
	if (prefer_syn_recv)
		for (size_t i = 0; i < d->n_groups; i++)
			if (d->groups[i].key.kind == G_SYN_RECV &&
			    (best == NULL || d->groups[i].count > best->count))
				best = &d->groups[i];
	if (best != NULL) {
		const struct group *lg = listen_group(d, best->key.port);

		if (lg != NULL)
			set_process(f, snap, lg->example);
		f->port = best->key.port;
	} else if (d->fullest_listener >= 0) {
		set_process(f, snap, d->fullest_listener);
		f->port = snap->entries[d->fullest_listener].local_port;
	}
	if (f->port != 0)
		snprintf(f->subject, sizeof(f->subject), "port %u", f->port);
}

static void
describe_syncookies(const struct diagnose *d, const struct snapshot *snap,
		    struct diag_finding *f)
{
	bool overflowing = d->rate[KC_LISTEN_OVERFLOWS] > 0 ||
			   d->fullest_fill * 100 >= cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT);

	snprintf(f->key, sizeof(f->key), "syncookies/host");
	host_subject(d, snap, f, !overflowing);
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
		snprintf(f->next, sizeof(f->next),
			 "a SYN flood, or more new connections than net.ipv4.tcp_max_syn_backlog and "
			 "the listen backlog allow; look at the sources of the SYN_RECV sockets%s%s",
			 f->port != 0 ? " on " : "", f->port != 0 ? f->subject : "");
	}
	snprintf(f->evidence, sizeof(f->evidence), "SYN cookies sent %.0f/s (threshold %g/s)",
		 d->rate[KC_SYNCOOKIES_SENT], cfg(d, DIAG_SYNCOOKIES_MIN_PER_S));
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

static void
describe_listen_drops(const struct diagnose *d, const struct snapshot *snap,
		      struct diag_finding *f)
{
	snprintf(f->key, sizeof(f->key), "listen_drops/host");
	host_subject(d, snap, f, false);
	snprintf(f->title, sizeof(f->title),
		 "The kernel drops incoming connections: %.0f/s find the accept queue full%s%s",
		 listen_drop_rate(d), f->port != 0 ? " (fullest: " : "",
		 f->port != 0 ? f->subject : "");
	if (f->port != 0) {
		size_t used = strlen(f->title);

		snprintf(f->title + used, sizeof(f->title) - used, ")");
	}
	snprintf(f->evidence, sizeof(f->evidence), "threshold %g/s",
		 cfg(d, DIAG_LISTEN_DROPS_MIN_PER_S));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_OVERFLOWS, "ListenOverflows");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_LISTEN_DROPS, "ListenDrops");
	snprintf(f->next, sizeof(f->next),
		 "a listening process accepts too slowly or its backlog is too small: compare "
		 "Recv-Q with Send-Q in `ss -ltn`, check the accept loop, raise the listen() "
		 "backlog and net.core.somaxconn");
}

static void
describe_ports(const struct diagnose *d, const struct snapshot *snap, const struct group *g,
	       struct diag_finding *f)
{
	const struct sock_entry *e = &snap->entries[g->example];
	unsigned int range = d->port_high - d->port_low + 1;
	char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX], n[32], r[32], tw[32];
	double pct = 100.0 * g->count / range;

	sock_format_addr(e, 0, local, sizeof(local));
	sock_format_endpoint(e, 1, remote, sizeof(remote));
	snprintf(f->key, sizeof(f->key), "time_wait_ports/%s>%s", local, remote);
	set_process(f, snap, g->owned);
	snprintf(f->subject, sizeof(f->subject), "%s -> %s", local, remote);
	if (pct >= 90)
		f->severity = DIAG_CRITICAL;
	snprintf(f->title, sizeof(f->title),
		 "Connections to %s use %.0f%% of the local port range (%s of %s ports, %s in "
		 "TIME_WAIT)",
		 remote, pct, num(n, sizeof(n), g->count), num(r, sizeof(r), range),
		 num(tw, sizeof(tw), g->count2));
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u sockets from %s on ports %u-%u toward %s, %u in TIME_WAIT (threshold %g%%)",
		 g->count, local, d->port_low, d->port_high, remote, g->count2,
		 cfg(d, DIAG_TIME_WAIT_PORT_USE_PCT));
	snprintf(f->next, sizeof(f->next),
		 "new connections to it fail with EADDRNOTAVAIL once the range is used up: reuse "
		 "connections (keep-alive, pooling), widen net.ipv4.ip_local_port_range, or let "
		 "net.ipv4.tcp_tw_reuse take TIME_WAIT ports for new outgoing connections");
}

static void
describe_syn_sent(const struct diagnose *d, const struct snapshot *snap, const struct group *g,
		  struct diag_finding *f)
{
	const struct sock_entry *e = &snap->entries[g->example];
	char who[192], dest[SOCK_FORMAT_ADDR_MAX], n[32], m[32];

	sock_format_endpoint(e, 1, dest, sizeof(dest));
	if (g->key.by == BY_PID && set_process(f, snap, g->example)) {
		snprintf(f->key, sizeof(f->key), "syn_sent/pid:%d", f->pid);
		snprintf(who, sizeof(who), "%s", f->subject);
	} else {
		snprintf(f->key, sizeof(f->key), "syn_sent/unowned");
		snprintf(f->subject, sizeof(f->subject), "unknown process");
		snprintf(who, sizeof(who), "A process not visible here");
	}
	num(n, sizeof(n), g->count);
	num(m, sizeof(m), g->count2);
	if (g->count2 >= cfg(d, DIAG_SYN_SENT_SCAN_DESTS)) {
		snprintf(f->title, sizeof(f->title),
			 "%s has %s connection attempts pending to %s different destinations", who,
			 n, m);
		snprintf(f->next, sizeof(f->next),
			 "a port scan or a fan-out to hosts that do not answer; if unexpected, see "
			 "what the process connects to (ss -tnp state syn-sent)");
	} else {
		if (g->count2 == 1)
			snprintf(f->title, sizeof(f->title),
				 "%s waits on %s connection attempts to %s that get no answer", who,
				 n, dest);
		else
			snprintf(f->title, sizeof(f->title),
				 "%s waits on %s connection attempts to %s destinations that get no "
				 "answer, such as %s",
				 who, n, m, dest);
		snprintf(f->next, sizeof(f->next),
			 "the peer is down or unreachable, or a firewall drops the SYNs (a closed "
			 "port would answer with a reset); if it is a local listener, check its "
			 "accept queue");
	}
	snprintf(f->evidence, sizeof(f->evidence), "%u in SYN_SENT (threshold %g) to %u destination%s",
		 g->count, cfg(d, DIAG_SYN_SENT_MIN), g->count2, g->count2 == 1 ? "" : "s");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_SYN_RETRANS, "SYN retransmits");
	append_rate(f->evidence, sizeof(f->evidence), d, KC_ATTEMPT_FAILS, "failed attempts");
}

static void
describe_closing_pile(const struct diagnose *d, const struct snapshot *snap,
		      const struct group *g, struct diag_finding *f)
{
	const struct sock_entry *e = &snap->entries[g->example];
	bool fw1 = g->key.kind == G_FIN_WAIT1;
	const char *state = fw1 ? "FIN_WAIT1" : "LAST_ACK";
	char peer[SOCK_FORMAT_ADDR_MAX], n[32];

	sock_format_addr(e, 1, peer, sizeof(peer));
	snprintf(f->key, sizeof(f->key), "%s/%s", fw1 ? "fin_wait1" : "last_ack", peer);
	set_process(f, snap, g->owned);
	f->port = e->local_port;
	snprintf(f->subject, sizeof(f->subject), "peer %s", peer);
	snprintf(f->title, sizeof(f->title),
		 "%s connections to %s are stuck in %s: the peer does not acknowledge our FIN%s",
		 num(n, sizeof(n), g->count), peer, state, fw1 ? "" : " after closing its side");
	snprintf(f->evidence, sizeof(f->evidence),
		 "%u in %s toward %s (threshold %g), e.g. local port %u to port %u", g->count, state,
		 peer, cfg(d, fw1 ? DIAG_FIN_WAIT1_MIN : DIAG_LAST_ACK_MIN), e->local_port,
		 e->remote_port);
	append_rate(f->evidence, sizeof(f->evidence), d, KC_TIMEOUTS, "retransmission timeouts");
	snprintf(f->next, sizeof(f->next),
		 "the peer is gone (a killed load generator, a rebooted host) or stopped reading "
		 "with its window closed; check that it is alive and reachable. Orphaned sockets "
		 "give up after net.ipv4.tcp_orphan_retries");
}

static void
describe_fin_wait2(const struct diagnose *d, const struct snapshot *snap, const struct group *g,
		   struct diag_finding *f)
{
	const struct sock_entry *e = &snap->entries[g->example];
	char n[32], age[48], limit[32], peer[SOCK_FORMAT_ADDR_MAX];

	age_text(g->oldest, g->oldest_lower_bound, age, sizeof(age));
	age_text(cfg(d, DIAG_FIN_WAIT2_AGE_S), false, limit, sizeof(limit));
	num(n, sizeof(n), g->count);
	f->port = e->local_port;
	if (g->key.by == BY_PID && set_process(f, snap, g->example)) {
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
		 cfg(d, DIAG_FIN_WAIT2_AGE_S), cfg(d, DIAG_FIN_WAIT2_MIN), age);
	snprintf(f->next, sizeof(f->next),
		 "our side shut down writing but the peer never closed its side: the peer leaks "
		 "connections (look for CLOSE_WAIT there), or this process keeps sockets after "
		 "shutdown() instead of close()-ing them");
}

static void
describe_retrans(const struct diagnose *d, const struct snapshot *snap, struct diag_finding *f)
{
	const struct group *worst = NULL;
	double out = d->rate[KC_OUT_SEGS], re = d->rate[KC_RETRANS_SEGS];
	char peer[SOCK_FORMAT_ADDR_MAX];

	for (size_t i = 0; i < d->n_groups; i++)
		if (d->groups[i].key.kind == G_RETRANS_PEER &&
		    (worst == NULL || d->groups[i].count > worst->count))
			worst = &d->groups[i];
	snprintf(f->key, sizeof(f->key), "retrans/host");
	snprintf(f->subject, sizeof(f->subject), "host");
	snprintf(f->title, sizeof(f->title),
		 "Retransmissions are high: %.1f%% of segments sent (%.0f/s of %.0f/s)",
		 100 * re / out, re, out);
	snprintf(f->evidence, sizeof(f->evidence),
		 "RetransSegs %.0f/s, OutSegs %.0f/s (threshold %g%% above %g segments/s)", re, out,
		 cfg(d, DIAG_RETRANS_PCT), cfg(d, DIAG_RETRANS_MIN_OUT_PER_S));
	append_rate(f->evidence, sizeof(f->evidence), d, KC_TIMEOUTS, "timeouts");
	if (worst != NULL) {
		size_t used = strlen(f->evidence);

		sock_format_addr(&snap->entries[worst->example], 1, peer, sizeof(peer));
		snprintf(f->evidence + used, sizeof(f->evidence) - used,
			 "; most sockets retransmitting: %u toward %s", worst->count, peer);
		snprintf(f->subject, sizeof(f->subject), "peer %s", peer);
	}
	snprintf(f->next, sizeof(f->next),
		 "packet loss or congestion on the path: check the links toward the busiest "
		 "peers (`ip -s link` for errors and drops) and `ss -ti` for the sockets with "
		 "retransmits");
}

/* ------------------------------------------------------------ rules */

static int
cand_add(struct diagnose *d, enum diag_rule rule, double level, int32_t group)
{
	double clear = cfg(d, DIAG_CLEAR_PCT) / 100;

	if (!(level > 0) || level < clear)
		return 0;
	if (d->n_cands == d->cands_cap) {
		size_t cap = d->cands_cap ? d->cands_cap * 2 : 64;
		struct candidate *more = realloc(d->cands, cap * sizeof(*more));

		if (more == NULL)
			return -1;
		d->cands = more;
		d->cands_cap = cap;
	}
	d->cands[d->n_cands++] = (struct candidate){rule, level, group};
	return 0;
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

/* Level of a CLOSE_WAIT group: a pile by count alone, or fewer that are
 * old or entering fast. */
static double
close_wait_level(const struct diagnose *d, const struct statetrack *st, const struct group *g)
{
	const struct statetrack_summary *sum = st != NULL ? statetrack_summary(st) : NULL;
	double few = g->count / cfg(d, DIAG_CLOSE_WAIT_OLD_MIN);
	double level = g->count / cfg(d, DIAG_CLOSE_WAIT_MIN);
	double age_s = cfg(d, DIAG_CLOSE_WAIT_AGE_S);

	if (g->oldest >= 0 && !(g->oldest_lower_bound && g->oldest < 1))
		level = max2(level, min2(few, age_s > 0 ? g->oldest / age_s : 1e9));
	if (sum != NULL && sum->has_rates)
		level = max2(level, min2(few, g->recent / sum->interval_s /
						       cfg(d, DIAG_CLOSE_WAIT_GROWTH)));
	return level;
}

static int
collect_candidates(struct diagnose *d, const struct statetrack *st)
{
	double range = d->port_high - d->port_low + 1;
	int rc = 0;

	d->n_cands = 0;
	for (size_t i = 0; i < d->n_groups && rc == 0; i++) {
		const struct group *g = &d->groups[i];
		int32_t gi = (int32_t)i;

		switch ((enum group_kind)g->key.kind) {
		case G_CLOSE_WAIT:
			rc = cand_add(d, DIAG_RULE_CLOSE_WAIT, close_wait_level(d, st, g), gi);
			break;
		case G_SYN_RECV:
			rc = cand_add(d, DIAG_RULE_SYN_RECV, g->count / cfg(d, DIAG_SYN_RECV_MIN), gi);
			break;
		case G_SYN_SENT:
			rc = cand_add(d, DIAG_RULE_SYN_SENT, g->count / cfg(d, DIAG_SYN_SENT_MIN), gi);
			break;
		case G_FIN_WAIT1:
			rc = cand_add(d, DIAG_RULE_FIN_WAIT1, g->count / cfg(d, DIAG_FIN_WAIT1_MIN),
				      gi);
			break;
		case G_LAST_ACK:
			rc = cand_add(d, DIAG_RULE_LAST_ACK, g->count / cfg(d, DIAG_LAST_ACK_MIN), gi);
			break;
		case G_FIN_WAIT2:
			rc = cand_add(d, DIAG_RULE_FIN_WAIT2, g->count / cfg(d, DIAG_FIN_WAIT2_MIN),
				      gi);
			break;
		case G_PORTS:
			rc = cand_add(d, DIAG_RULE_TIME_WAIT_PORTS,
				      g->count /
					      (range * cfg(d, DIAG_TIME_WAIT_PORT_USE_PCT) / 100),
				      gi);
			break;
		case G_LISTEN_PORT:
			if (g->fill > 0)
				rc = cand_add(d, DIAG_RULE_ACCEPT_QUEUE,
					      g->fill * 100 / cfg(d, DIAG_ACCEPT_QUEUE_FULL_PCT), gi);
			break;
		default:
			break;
		}
	}
	if (rc == 0 && d->rate[KC_SYNCOOKIES_SENT] >= 0)
		rc = cand_add(d, DIAG_RULE_SYNCOOKIES,
			      d->rate[KC_SYNCOOKIES_SENT] / cfg(d, DIAG_SYNCOOKIES_MIN_PER_S), -1);
	if (rc == 0 && listen_drop_rate(d) >= 0)
		rc = cand_add(d, DIAG_RULE_LISTEN_DROPS,
			      listen_drop_rate(d) / cfg(d, DIAG_LISTEN_DROPS_MIN_PER_S), -1);
	if (rc == 0 && d->rate[KC_OUT_SEGS] > 0 && d->rate[KC_RETRANS_SEGS] >= 0 &&
	    d->rate[KC_OUT_SEGS] >= cfg(d, DIAG_RETRANS_MIN_OUT_PER_S))
		rc = cand_add(d, DIAG_RULE_RETRANS,
			      100 * d->rate[KC_RETRANS_SEGS] / d->rate[KC_OUT_SEGS] /
				      cfg(d, DIAG_RETRANS_PCT),
			      -1);
	return rc;
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

static void
describe(const struct diagnose *d, const struct snapshot *snap, const struct statetrack *st,
	 const struct candidate *c, struct diag_finding *f)
{
	const struct group *g = c->group >= 0 ? &d->groups[c->group] : NULL;

	memset(f, 0, sizeof(*f));
	f->rule = c->rule;
	f->id = diag_rule_id(c->rule);
	f->level = c->level;
	f->severity = c->level >= 4 ? DIAG_CRITICAL : DIAG_WARNING;
	switch (c->rule) {
	case DIAG_RULE_CLOSE_WAIT:
		describe_close_wait(d, snap, st, g, f);
		break;
	case DIAG_RULE_SYN_RECV:
		describe_syn_recv(d, snap, g, f);
		break;
	case DIAG_RULE_SYNCOOKIES:
		describe_syncookies(d, snap, f);
		break;
	case DIAG_RULE_ACCEPT_QUEUE:
		describe_accept_queue(d, snap, g, f);
		break;
	case DIAG_RULE_LISTEN_DROPS:
		describe_listen_drops(d, snap, f);
		break;
	case DIAG_RULE_TIME_WAIT_PORTS:
		describe_ports(d, snap, g, f);
		break;
	case DIAG_RULE_SYN_SENT:
		describe_syn_sent(d, snap, g, f);
		break;
	case DIAG_RULE_FIN_WAIT1:
	case DIAG_RULE_LAST_ACK:
		describe_closing_pile(d, snap, g, f);
		break;
	case DIAG_RULE_FIN_WAIT2:
		describe_fin_wait2(d, snap, g, f);
		break;
	case DIAG_RULE_RETRANS:
		describe_retrans(d, snap, f);
		break;
	case DIAG_RULE_COUNT:
		break;
	}
}

/* ------------------------------------------------------------ hysteresis */

static struct record *
record_find(struct diagnose *d, const char *key)
{
	for (size_t i = 0; i < d->n_records; i++)
		if (strcmp(d->records[i].f.key, key) == 0)
			return &d->records[i];
	return NULL;
}

static struct record *
record_add(struct diagnose *d, const struct diag_finding *f)
{
	struct record *r;

	if (d->n_records == d->records_cap) {
		size_t cap = d->records_cap ? d->records_cap * 2 : 16;
		struct record *more = realloc(d->records, cap * sizeof(*more));

		if (more == NULL)
			return NULL;
		d->records = more;
		d->records_cap = cap;
	}
	r = &d->records[d->n_records++];
	memset(r, 0, sizeof(*r));
	r->f = *f;
	return r;
}

static int
finding_cmp(const void *a, const void *b)
{
	const struct diag_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Matches this sample's candidates with the records, moves each record
 * along its fire / clear counts, and lists the firing ones. */
static int
apply_hysteresis(struct diagnose *d, const struct snapshot *snap, const struct statetrack *st,
		 double now)
{
	uint32_t fire = (uint32_t)cfg(d, DIAG_FIRE_SAMPLES);
	uint32_t quiet = (uint32_t)cfg(d, DIAG_QUIET_SAMPLES);
	double clear = cfg(d, DIAG_CLEAR_PCT) / 100;
	size_t per_rule = (size_t)cfg(d, DIAG_MAX_PER_RULE), w = 0;

	for (size_t i = 0; i < d->n_records; i++)
		d->records[i].seen = false;
	if (d->n_cands > 1) /* qsort() wants a non-NULL base even for none */
		qsort(d->cands, d->n_cands, sizeof(*d->cands), cand_cmp);
	for (size_t i = 0, in_rule = 0; i < d->n_cands; i++) {
		const struct candidate *c = &d->cands[i];
		struct diag_finding f;
		struct record *r;

		in_rule = i > 0 && d->cands[i - 1].rule == c->rule ? in_rule + 1 : 0;
		if (in_rule >= per_rule)
			continue;
		describe(d, snap, st, c, &f);
		r = record_find(d, f.key);
		if (r == NULL) {
			if (c->level < 1)
				continue; /* between the thresholds, never fired */
			r = record_add(d, &f);
			if (r == NULL)
				return -1;
		} else {
			double since = r->f.since;

			r->f = f;
			r->f.since = since;
		}
		r->seen = true;
	}

	for (size_t i = 0; i < d->n_records; i++) {
		struct record *r = &d->records[i];
		double level = r->seen ? r->f.level : 0;

		if (level >= 1) {
			r->above_run++;
			r->below_run = 0;
		} else if (level < clear || !r->seen) {
			r->below_run++;
			r->above_run = 0;
		} else {
			r->above_run = 0;
			r->below_run = 0;
		}
		if (!r->active && r->above_run >= fire) {
			r->active = true;
			r->f.since = now;
		}
		if (r->active && r->below_run >= quiet)
			r->active = false;
		r->f.clearing = r->active && r->below_run > 0;
		if (r->active || r->above_run > 0)
			d->records[w++] = *r;
	}
	d->n_records = w;

	d->n_shown = 0;
	if (d->shown_cap < d->n_records) {
		struct diag_finding *more = realloc(d->shown, d->n_records * sizeof(*more));

		if (more == NULL)
			return -1;
		d->shown = more;
		d->shown_cap = d->n_records;
	}
	for (size_t i = 0; i < d->n_records; i++)
		if (d->records[i].active)
			d->shown[d->n_shown++] = d->records[i].f;
	if (d->n_shown > 1)
		qsort(d->shown, d->n_shown, sizeof(*d->shown), finding_cmp);
	return 0;
}

int
diagnose_update(struct diagnose *d, const struct snapshot *snap, const struct statetrack *st)
{
	size_t established = snap->counts[TCP_STATE_ESTABLISHED] <= snap->n_entries
				     ? snap->counts[TCP_STATE_ESTABLISHED]
				     : snap->n_entries;

	read_port_range(d);
	compute_rates(d, snap);
	/* A socket makes at most three groups (its own, a distinct source
	 * or destination, a retransmitting peer); an ESTABLISHED one at most
	 * the last. */
	if (groups_prepare(d, 3 * snap->n_entries - 2 * established + 16) < 0) {
		errno = ENOMEM;
		return -1;
	}
	d->fullest_listener = -1;
	d->fullest_fill = 0;
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		/* The common case first: a healthy connection touches no
		 * group at all. */
		if (e->state == TCP_STATE_ESTABLISHED && e->retrans == 0 &&
		    e->timer != SOCK_TIMER_RETRANSMIT)
			continue;
		if (file_entry(d, snap, st, i) < 0) {
			errno = ENOMEM;
			return -1;
		}
	}
	if (ports_worth_counting(d))
		count_port_users(d, snap);
	if (collect_candidates(d, st) < 0 ||
	    apply_hysteresis(d, snap, st, timespec_s(&snap->taken_mono)) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
