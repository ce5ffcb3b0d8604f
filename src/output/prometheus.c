/*
 * prometheus.c - the exposition of one sample, in the classic text
 * format and in OpenMetrics, and the immutable buffers it is published
 * in.
 *
 * Responsible for metric names, HELP and TYPE lines, label escaping and
 * the bounds on cardinality (top N processes and ports plus "other").
 * Any thread: it only reads a sealed snapshot and the findings it is
 * given.  It does no I/O; what it renders goes to a stream, a file or an
 * HTTP response elsewhere.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "listen.h"
#include "prometheus.h"
#include "sanitize.h"

const char *
prom_content_type(enum prom_format format)
{
	return format == PROM_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
					  : "text/plain; version=0.0.4; charset=utf-8";
}

/* ------------------------------------------------------------ buffer */

void
prom_buf_free(struct prom_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static bool
buf_reserve(struct prom_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

static void
buf_mem(struct prom_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void
buf_str(struct prom_buf *b, const char *s)
{
	buf_mem(b, s, strlen(s));
}

static void
buf_u64(struct prom_buf *b, uint64_t v)
{
	char num[24];

	buf_mem(b, num, format_u64(v, num));
}

static void
buf_double(struct prom_buf *b, double v)
{
	char num[40];
	/* The shortest of 15 or 17 digits that reads back as v. */
	int n = snprintf(num, sizeof(num), "%.15g", v);

	if (strtod(num, NULL) != v)
		n = snprintf(num, sizeof(num), "%.17g", v);

	if (n > 0)
		buf_mem(b, num, (size_t)n);
}

/* ------------------------------------------------------------ labels */

size_t
prom_label_escape(const char *s, char *out, size_t out_size)
{
	/* The shown form first (one place decides what is safe to show),
	 * then the exposition's escapes on it. */
	char shown[SANITIZE_TEXT_MAX(255) + 1];
	size_t in_len = strnlen(s, 255), used = 0;

	if (out_size == 0)
		return 0;
	sanitize_text(s, in_len, shown, sizeof(shown), NULL);
	for (const char *p = shown; *p != '\0'; p++) {
		const char *rep = NULL;
		char one[2] = {*p, '\0'};
		size_t n, cut;

		if (*p == '\\')
			rep = "\\\\";
		else if (*p == '"')
			rep = "\\\"";
		else if (*p == '\n')
			rep = "\\n";
		else
			rep = one;
		n = strlen(rep);
		/* A whole UTF-8 character or escape, or nothing. */
		cut = n;
		if (rep == one && ((unsigned char)*p & 0xc0) == 0xc0) {
			unsigned char lead = (unsigned char)*p;

			cut = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		}
		if (used + cut + 1 > out_size)
			break;
		memcpy(out + used, rep, n);
		used += n;
	}
	out[used] = '\0';
	return used;
}

/* A label from a value of our own (ASCII without quotes or backslashes). */
static void
label(struct prom_buf *b, bool *first, const char *key, const char *value)
{
	buf_str(b, *first ? "{" : ",");
	*first = false;
	buf_str(b, key);
	buf_str(b, "=\"");
	buf_str(b, value);
	buf_str(b, "\"");
}

/* A label from other people's text. */
static void
label_untrusted(struct prom_buf *b, bool *first, const char *key, const char *value)
{
	char esc[1024];

	prom_label_escape(value, esc, sizeof(esc));
	label(b, first, key, esc);
}

static void
label_u64(struct prom_buf *b, bool *first, const char *key, uint64_t v)
{
	char num[24];

	num[format_u64(v, num)] = '\0';
	label(b, first, key, num);
}

/* ------------------------------------------------------------ families */

enum prom_type { PT_GAUGE, PT_COUNTER };

/*
 * HELP and TYPE of a family.  `base` is the name without "_total"; a
 * counter's samples carry "_total" in both formats, its HELP and TYPE
 * lines too in the classic format but not in OpenMetrics.
 */
static void
family(struct prom_buf *b, enum prom_format f, const char *base, enum prom_type type,
       const char *help)
{
	const char *suffix = type == PT_COUNTER && f == PROM_TEXT ? "_total" : "";

	buf_str(b, "# HELP ");
	buf_str(b, base);
	buf_str(b, suffix);
	buf_str(b, " ");
	buf_str(b, help);
	buf_str(b, "\n# TYPE ");
	buf_str(b, base);
	buf_str(b, suffix);
	buf_str(b, type == PT_COUNTER ? " counter\n" : " gauge\n");
}

/* The start of a sample line: its name; labels follow. */
static void
sample_name(struct prom_buf *b, const char *base, enum prom_type type)
{
	buf_str(b, base);
	if (type == PT_COUNTER)
		buf_str(b, "_total");
}

/* The end of a sample line: closes the labels, when any, and the value. */
static void
sample_end_u64(struct prom_buf *b, bool first, uint64_t v)
{
	buf_str(b, first ? " " : "} ");
	buf_u64(b, v);
	buf_str(b, "\n");
}

static void
sample_end_double(struct prom_buf *b, bool first, double v)
{
	buf_str(b, first ? " " : "} ");
	buf_double(b, v);
	buf_str(b, "\n");
}

/* One unlabelled sample of its own family. */
static void
single_u64(struct prom_buf *b, enum prom_format f, const char *base, enum prom_type type,
	   const char *help, uint64_t v)
{
	family(b, f, base, type, help);
	sample_name(b, base, type);
	sample_end_u64(b, true, v);
}

static void
single_double(struct prom_buf *b, enum prom_format f, const char *base, enum prom_type type,
	      const char *help, double v)
{
	family(b, f, base, type, help);
	sample_name(b, base, type);
	sample_end_double(b, true, v);
}

/* A state's label value: node_exporter's ("fin_wait1", "close"). */
static const char *
state_label(int state)
{
	static const char *const names[TCP_STATE_COUNT] = {
		[TCP_STATE_LISTEN] = "listen",
		[TCP_STATE_SYN_SENT] = "syn_sent",
		[TCP_STATE_SYN_RECV] = "syn_recv",
		[TCP_STATE_ESTABLISHED] = "established",
		[TCP_STATE_FIN_WAIT1] = "fin_wait1",
		[TCP_STATE_FIN_WAIT2] = "fin_wait2",
		[TCP_STATE_CLOSE_WAIT] = "close_wait",
		[TCP_STATE_CLOSING] = "closing",
		[TCP_STATE_LAST_ACK] = "last_ack",
		[TCP_STATE_TIME_WAIT] = "time_wait",
		[TCP_STATE_CLOSE] = "close",
	};

	return state >= 0 && state < TCP_STATE_COUNT ? names[state] : "unknown";
}

/* A namespace's netns label, raw (escaped when written). */
enum { NS_NAME_MAX = 160 };
typedef char ns_name[NS_NAME_MAX];

/*
 * The netns label of every namespace of the sample, by index in
 * snap->netns: its short name, or when two namespaces have the same one,
 * that name with the inode, so no two series collide.  NULL with errno
 * (ENOMEM); an empty table gives a (free-able) NULL too, errno 0.
 */
static ns_name *
ns_names_make(const struct snapshot *snap)
{
	ns_name *names, *shorts;
	size_t n = snap->n_netns;

	errno = 0;
	if (n == 0 || snap->netns == NULL)
		return NULL;
	names = calloc(n, sizeof(*names));
	shorts = calloc(n, sizeof(*shorts));
	if (names == NULL || shorts == NULL) {
		free(names);
		free(shorts);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		netns_info_short(&snap->netns[i].info, shorts[i], sizeof(shorts[i]));
	/* All pairs: the table is sorted by inode, not by name, and holds
	 * a few namespaces, or a few hundred on a busy node. */
	for (size_t i = 0; i < n; i++) {
		bool same = false;

		for (size_t j = 0; j < n && !same; j++)
			same = j != i && strcmp(shorts[i], shorts[j]) == 0;
		if (same)
			snprintf(names[i], sizeof(names[i]), "%.120s [%u]", shorts[i],
				 snap->netns[i].info.inode);
		else
			memcpy(names[i], shorts[i], sizeof(names[i]));
	}
	free(shorts);
	return names;
}

/* The label of the namespace with this inode. */
static void
netns_name(const struct snapshot *snap, const ns_name *names, uint32_t inode, char *out,
	   size_t size)
{
	const struct snapshot_netns *ns = snapshot_find_netns(snap, inode);

	if (ns != NULL && names != NULL)
		snprintf(out, size, "%s", names[ns - snap->netns]);
	else
		snprintf(out, size, "netns:[%u]", inode);
}

static bool
many_netns(const struct snapshot *snap)
{
	return snap->n_netns > 1 && snap->netns != NULL;
}

/* ------------------------------------------------------------ sockets */

static void
render_states(struct prom_buf *b, enum prom_format f, const struct snapshot *snap,
	      const ns_name *nsn)
{
	static const char base[] = "tcpdeck_sockets";

	family(b, f, base, PT_GAUGE, "TCP sockets in each state.");
	if (many_netns(snap)) {
		for (size_t n = 0; n < snap->n_netns; n++) {
			const struct snapshot_netns *ns = &snap->netns[n];

			for (int s = 0; s < TCP_STATE_COUNT; s++) {
				bool first = true;

				sample_name(b, base, PT_GAUGE);
				label_untrusted(b, &first, "netns", nsn[n]);
				label(b, &first, "state", state_label(s));
				sample_end_u64(b, first, ns->counts[s]);
			}
		}
		return;
	}
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		bool first = true;

		sample_name(b, base, PT_GAUGE);
		label(b, &first, "state", state_label(s));
		sample_end_u64(b, first, snap->counts[s]);
	}
}

/* ------------------------------------------------------------ listeners */

/* Listeners with the same labels, summed. */
struct listen_group {
	uint32_t netns;
	uint16_t port;
	char addr[FORMAT_IP_MAX];
	char process[16];
	uint64_t queue, backlog, established, syn_recv;
};

static int
listen_group_cmp(const void *pa, const void *pb)
{
	const struct listen_group *a = pa, *b = pb;
	int c;

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	c = strcmp(a->addr, b->addr);
	if (c != 0)
		return c;
	return strcmp(a->process, b->process);
}

/* The groups of the snapshot's listeners into *out (malloc'd); their
 * count, or -1 with errno. */
static ssize_t
listen_groups(const struct snapshot *snap, struct listen_group **out)
{
	struct listen_row *rows = NULL;
	ssize_t n = listen_rows_build(snap, &rows);
	struct listen_group *g;
	size_t kept = 0;

	*out = NULL;
	if (n < 0)
		return -1;
	g = calloc((size_t)n + 1, sizeof(*g));
	if (g == NULL) {
		free(rows);
		errno = ENOMEM;
		return -1;
	}
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		const struct owner_proc *proc =
			snap->owners != NULL && e->owner_status == OWNER_FOUND
				? owner_table_proc(snap->owners, e->owner)
				: NULL;
		struct listen_group *x = &g[i];

		x->netns = many_netns(snap) ? e->netns : 0;
		x->port = e->local_port;
		x->addr[format_ip(e->family, e->local_addr, x->addr)] = '\0';
		if (proc != NULL)
			snprintf(x->process, sizeof(x->process), "%.15s", proc->comm);
		x->queue = e->recv_q;
		x->backlog = e->send_q;
		x->established = rows[i].established;
		x->syn_recv = rows[i].syn_recv;
	}
	free(rows);
	qsort(g, (size_t)n, sizeof(*g), listen_group_cmp);
	for (ssize_t i = 0; i < n; i++) {
		if (kept > 0 && listen_group_cmp(&g[kept - 1], &g[i]) == 0) {
			struct listen_group *k = &g[kept - 1];

			/* SO_REUSEPORT or forked listeners: one line, their sum. */
			k->queue += g[i].queue;
			k->backlog += g[i].backlog;
			k->established += g[i].established;
			k->syn_recv += g[i].syn_recv;
			continue;
		}
		if ((size_t)i != kept)
			g[kept] = g[i];
		kept++;
	}
	*out = g;
	return (ssize_t)kept;
}

static void
render_listen_family(struct prom_buf *b, enum prom_format f, const struct snapshot *snap,
		     const ns_name *nsn, const struct listen_group *g, size_t n, const char *base, const char *help,
		     size_t field)
{
	if (n == 0)
		return;
	family(b, f, base, PT_GAUGE, help);
	for (size_t i = 0; i < n; i++) {
		const uint64_t *values[] = {&g[i].queue, &g[i].backlog, &g[i].established,
					    &g[i].syn_recv};
		bool first = true;

		sample_name(b, base, PT_GAUGE);
		label(b, &first, "addr", g[i].addr);
		label_u64(b, &first, "port", g[i].port);
		label_untrusted(b, &first, "process", g[i].process);
		if (many_netns(snap)) {
			char name[160];

			netns_name(snap, nsn, g[i].netns, name, sizeof(name));
			label_untrusted(b, &first, "netns", name);
		}
		sample_end_u64(b, first, *values[field]);
	}
}

static void
render_listen(struct prom_buf *b, enum prom_format f, const struct snapshot *snap,
	      const ns_name *nsn, const struct listen_group *g, size_t n)
{
	render_listen_family(b, f, snap, nsn, g, n, "tcpdeck_listen_accept_queue",
			     "Connections waiting in the accept queue of listening sockets "
			     "(Recv-Q of LISTEN).",
			     0);
	render_listen_family(b, f, snap, nsn, g, n, "tcpdeck_listen_backlog",
			     "Accept queue limit of listening sockets (Send-Q of LISTEN).", 1);
	render_listen_family(b, f, snap, nsn, g, n, "tcpdeck_listen_established",
			     "ESTABLISHED sockets on the port of listening sockets.", 2);
	render_listen_family(b, f, snap, nsn, g, n, "tcpdeck_listen_syn_recv",
			     "SYN_RECV sockets on the port of listening sockets.", 3);
}

/* ------------------------------------------------------------ top N */

/* One ranked row: what it stands for and its per-state counts. */
struct ranked {
	uint32_t key;   /* owner index or port */
	uint64_t total;
	uint32_t counts[TCP_STATE_COUNT];
};

static int
ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* Restores the heap under rows[i]: every row ranks after (ranked_cmp) or
 * with its children, so the root is the one ranked last. */
static void
heap_sift_down(struct ranked *rows, size_t n, size_t i)
{
	for (;;) {
		size_t last = i, l = 2 * i + 1, r = l + 1;
		struct ranked tmp;

		if (l < n && ranked_cmp(&rows[l], &rows[last]) > 0)
			last = l;
		if (r < n && ranked_cmp(&rows[r], &rows[last]) > 0)
			last = r;
		if (last == i)
			return;
		tmp = rows[i];
		rows[i] = rows[last];
		rows[last] = tmp;
		i = last;
	}
}

/*
 * Ranks rows[0..n) by total and keeps `top` of them (0: all), in order,
 * at the front; the counts of the rest go to other[].  Returns how many
 * are kept.  ranked_cmp() is a total order (keys differ), so the kept
 * rows are those a sort of all of them would put first: they are picked
 * through a heap of `top` rows (tens of thousands of ports, of which
 * twenty are shown) and only they are sorted.
 */
static size_t
rank_rows(struct ranked *rows, size_t n, unsigned int top, uint32_t other[TCP_STATE_COUNT])
{
	size_t kept = n;

	memset(other, 0, sizeof(uint32_t) * TCP_STATE_COUNT);
	if (top != 0 && n > top) {
		kept = top;
		for (size_t i = kept / 2; i-- > 0;)
			heap_sift_down(rows, kept, i);
		for (size_t i = kept; i < n; i++) {
			struct ranked tmp;

			if (ranked_cmp(&rows[i], &rows[0]) >= 0)
				continue;
			tmp = rows[0];
			rows[0] = rows[i];
			rows[i] = tmp;
			heap_sift_down(rows, kept, 0);
		}
	}
	if (kept > 1)
		qsort(rows, kept, sizeof(*rows), ranked_cmp);
	for (size_t i = kept; i < n; i++)
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			other[s] += rows[i].counts[s];
	return kept;
}

static bool
any_count(const uint32_t counts[TCP_STATE_COUNT])
{
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (counts[s] != 0)
			return true;
	return false;
}

/* Rows of processes or ports: those with a count, the kept ones first. */
struct ranking {
	struct ranked *rows;
	size_t n, cap;
	size_t kept;
	uint32_t other[TCP_STATE_COUNT];
};

static int
ranking_reserve(struct ranking *r, size_t n)
{
	struct ranked *more;

	if (n <= r->cap)
		return 0;
	more = realloc(r->rows, n * sizeof(*more));
	if (more == NULL) {
		errno = ENOMEM;
		return -1;
	}
	r->rows = more;
	r->cap = n;
	return 0;
}

/* The listeners, the processes and the ports of one sample. */
struct prom_tally {
	bool counted;           /* false: nothing to render */
	ns_name *nsn;           /* the netns labels (many_netns()) */
	struct listen_group *groups;
	size_t n_groups;
	struct ranking procs;   /* key: index in the owner table */
	struct ranking ports;   /* key: the local port */
	uint32_t *port_row;     /* per port: 1 + its row in ports, 0 none;
				 * all 0 between counts */
};

struct prom_tally *
prom_tally_new(void)
{
	struct prom_tally *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->port_row = calloc(65536, sizeof(*t->port_row));
	if (t->port_row == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
prom_tally_free(struct prom_tally *t)
{
	if (t == NULL)
		return;
	free(t->nsn);
	free(t->groups);
	free(t->procs.rows);
	free(t->ports.rows);
	free(t->port_row);
	free(t);
}

/*
 * Every socket's state counted per process and per port, in one walk
 * over the sockets (at 100,000 sockets each walk costs about a
 * millisecond, the counting little beside it).
 */
static int
tally_sockets(struct prom_tally *t, const struct snapshot *snap)
{
	size_t nproc = snap->owners != NULL ? owner_table_procs(snap->owners) : 0;
	size_t most_ports = snap->n_entries < 65536 ? snap->n_entries : 65536;
	struct ranked *procs, *ports;
	size_t n_ports = 0, n_procs = 0;

	if (ranking_reserve(&t->procs, nproc) < 0 || ranking_reserve(&t->ports, most_ports) < 0)
		return -1;
	procs = t->procs.rows;
	ports = t->ports.rows;
	if (nproc > 0)
		memset(procs, 0, nproc * sizeof(*procs));
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		uint32_t *at = &t->port_row[e->local_port];
		struct ranked *r;

		if (*at == 0) {
			r = &ports[n_ports];
			memset(r, 0, sizeof(*r));
			r->key = e->local_port;
			*at = (uint32_t)++n_ports;
		} else {
			r = &ports[*at - 1];
		}
		r->total++;
		if (e->state >= TCP_STATE_COUNT)
			continue;
		r->counts[e->state]++;
		if (e->owner_status == OWNER_FOUND && e->owner < nproc) {
			procs[e->owner].counts[e->state]++;
			procs[e->owner].total++;
		}
	}
	for (size_t i = 0; i < n_ports; i++)
		t->port_row[ports[i].key] = 0;
	/* Processes without a socket counted here drop out of the ranking. */
	for (size_t i = 0; i < nproc; i++) {
		if (procs[i].total == 0)
			continue;
		procs[n_procs] = procs[i];
		procs[n_procs++].key = (uint32_t)i;
	}
	t->procs.n = n_procs;
	t->ports.n = n_ports;
	return 0;
}

int
prom_tally_count(struct prom_tally *t, const struct prom_sample *s)
{
	const struct snapshot *snap = s->snap;
	ssize_t n;

	t->counted = false;
	free(t->nsn);
	t->nsn = NULL;
	free(t->groups);
	t->groups = NULL;
	t->n_groups = 0;
	/* Without the table of names no netns label is written. */
	if (many_netns(snap)) {
		t->nsn = ns_names_make(snap);
		if (t->nsn == NULL)
			return -1;
	}
	n = listen_groups(snap, &t->groups);
	if (n < 0 || tally_sockets(t, snap) < 0) {
		errno = ENOMEM;
		return -1;
	}
	t->n_groups = (size_t)n;
	t->procs.kept = rank_rows(t->procs.rows, t->procs.n, s->top, t->procs.other);
	t->ports.kept = rank_rows(t->ports.rows, t->ports.n, s->top, t->ports.other);
	t->counted = true;
	return 0;
}

static void
render_processes(struct prom_buf *b, enum prom_format f, const struct snapshot *snap,
		 const struct ranking *procs)
{
	static const char base[] = "tcpdeck_process_sockets";

	if (procs->n > 0)
		family(b, f, base, PT_GAUGE,
		       "TCP sockets held by a process, per state: the top processes by socket "
		       "count, the rest under process other.");
	for (size_t i = 0; i < procs->kept; i++) {
		const struct ranked *row = &procs->rows[i];
		const struct owner_proc *proc = owner_table_proc(snap->owners, row->key);

		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			bool first = true;

			if (row->counts[s] == 0 || proc == NULL)
				continue;
			sample_name(b, base, PT_GAUGE);
			label_untrusted(b, &first, "process", proc->comm);
			label_u64(b, &first, "pid", (uint64_t)(uint32_t)proc->pid);
			label(b, &first, "state", state_label(s));
			sample_end_u64(b, first, row->counts[s]);
		}
	}
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		bool first = true;

		if (procs->other[s] == 0)
			continue;
		sample_name(b, base, PT_GAUGE);
		label(b, &first, "process", "other");
		label(b, &first, "state", state_label(s));
		sample_end_u64(b, first, procs->other[s]);
	}
}

static void
render_ports(struct prom_buf *b, enum prom_format f, const struct ranking *ports)
{
	static const char base[] = "tcpdeck_port_sockets";

	if (ports->n > 0)
		family(b, f, base, PT_GAUGE,
		       "TCP sockets on a local port, per state: the top ports by socket count, "
		       "the rest under port other.");
	for (size_t i = 0; i < ports->kept; i++) {
		const struct ranked *row = &ports->rows[i];

		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			bool first = true;

			if (row->counts[s] == 0)
				continue;
			sample_name(b, base, PT_GAUGE);
			label_u64(b, &first, "port", row->key);
			label(b, &first, "state", state_label(s));
			sample_end_u64(b, first, row->counts[s]);
		}
	}
	if (any_count(ports->other)) {
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			bool first = true;

			if (ports->other[s] == 0)
				continue;
			sample_name(b, base, PT_GAUGE);
			label(b, &first, "port", "other");
			label(b, &first, "state", state_label(s));
			sample_end_u64(b, first, ports->other[s]);
		}
	}
}

/* ------------------------------------------------------------ counters */

/* The metric name of each kernel counter, after "tcpdeck_tcp_". */
static const char *const counter_names[KC_COUNT] = {
	[KC_ACTIVE_OPENS] = "active_opens",
	[KC_PASSIVE_OPENS] = "passive_opens",
	[KC_ATTEMPT_FAILS] = "attempt_fails",
	[KC_ESTAB_RESETS] = "estab_resets",
	[KC_CURR_ESTAB] = "curr_estab",
	[KC_IN_SEGS] = "in_segs",
	[KC_OUT_SEGS] = "out_segs",
	[KC_RETRANS_SEGS] = "retrans_segs",
	[KC_IN_ERRS] = "in_errs",
	[KC_OUT_RSTS] = "out_rsts",
	[KC_LISTEN_OVERFLOWS] = "listen_overflows",
	[KC_LISTEN_DROPS] = "listen_drops",
	[KC_SYNCOOKIES_SENT] = "syncookies_sent",
	[KC_SYNCOOKIES_RECV] = "syncookies_recv",
	[KC_SYNCOOKIES_FAILED] = "syncookies_failed",
	[KC_TIMEOUTS] = "timeouts",
	[KC_SYN_RETRANS] = "syn_retrans",
	[KC_ABORT_ON_DATA] = "abort_on_data",
	[KC_ABORT_ON_CLOSE] = "abort_on_close",
	[KC_ABORT_ON_TIMEOUT] = "abort_on_timeout",
	[KC_ABORT_ON_MEMORY] = "abort_on_memory",
	[KC_TW] = "tw",
	[KC_TW_RECYCLED] = "tw_recycled",
	[KC_TW_KILLED] = "tw_killed",
	[KC_REQ_Q_FULL_DROP] = "req_q_full_drop",
	[KC_REQ_Q_FULL_COOKIE] = "req_q_full_do_cookies",
};

static void
render_counters(struct prom_buf *b, enum prom_format f, const struct snapshot *snap,
		const ns_name *nsn)
{
	bool per_ns = many_netns(snap);

	for (int c = 0; c < KC_COUNT; c++) {
		enum prom_type type = kcounter_is_gauge((enum kcounter)c) ? PT_GAUGE : PT_COUNTER;
		char base[64], help[160];
		bool any = false;

		if (counter_names[c] == NULL)
			continue;
		snprintf(base, sizeof(base), "tcpdeck_tcp_%s", counter_names[c]);
		snprintf(help, sizeof(help), "The kernel's TCP counter %s %s (/proc/net/%s).",
			 kcounter_group((enum kcounter)c), kcounter_name((enum kcounter)c),
			 strcmp(kcounter_group((enum kcounter)c), "Tcp") == 0 ? "snmp" : "netstat");
		if (per_ns) {
			for (size_t n = 0; n < snap->n_netns; n++) {
				const struct snapshot_netns *ns = &snap->netns[n];
				bool first = true;

				if (!kcounters_has(&ns->counters, (enum kcounter)c))
					continue;
				if (!any)
					family(b, f, base, type, help);
				any = true;
				sample_name(b, base, type);
				label_untrusted(b, &first, "netns", nsn[n]);
				sample_end_u64(b, first, ns->counters.value[c]);
			}
			continue;
		}
		if (!kcounters_has(&snap->counters, (enum kcounter)c))
			continue;
		single_u64(b, f, base, type, help, snap->counters.value[c]);
	}
}

/* ------------------------------------------------------------ findings */

static void
render_findings(struct prom_buf *b, enum prom_format f, const struct diagnose *d,
		const struct snapshot *snap, const ns_name *nsn)
{
	static const char base[] = "tcpdeck_finding";
	size_t n = diagnose_count(d);

	family(b, f, base, PT_GAUGE,
	       "1 for each finding of the diagnosis rules that fires (see tcpdeck --view "
	       "diagnoses).");
	for (size_t i = 0; i < n; i++) {
		const struct diag_finding *x = diagnose_get(d, i);
		bool first = true, seen = false;

		/* Two findings with one rule and subject (in one namespace)
		 * would be one series twice, which Prometheus rejects: the
		 * first (worst) stands. */
		for (size_t j = 0; j < i && !seen; j++) {
			const struct diag_finding *y = diagnose_get(d, j);

			seen = y->rule == x->rule && y->netns == x->netns &&
			       strcmp(y->subject, x->subject) == 0;
		}
		if (seen)
			continue;
		sample_name(b, base, PT_GAUGE);
		label(b, &first, "rule", diag_rule_id(x->rule));
		label(b, &first, "severity", diag_severity_name(x->severity));
		label_untrusted(b, &first, "subject", x->subject);
		if (many_netns(snap)) {
			char name[160];

			netns_name(snap, nsn, x->netns, name, sizeof(name));
			label_untrusted(b, &first, "netns", name);
		}
		sample_end_u64(b, first, 1);
	}
}

/* ------------------------------------------------------------ self */

static void
render_self(struct prom_buf *b, enum prom_format f, const struct prom_sample *s)
{
	const struct procself *ps = s->self;

	single_double(b, f, "tcpdeck_sample_duration_seconds", PT_GAUGE,
		      "Time the latest sample's socket dump and parse took.",
		      (double)s->snap->sample_ns / 1e9);
	single_u64(b, f, "tcpdeck_samples", PT_COUNTER, "Samples taken.", s->samples_total);
	single_u64(b, f, "tcpdeck_dump_retries", PT_COUNTER,
		   "Socket dumps repeated because the kernel interrupted them.",
		   s->dump_retries_total);
	if (s->closes != NULL) {
		single_u64(b, f, "tcpdeck_connections_closed", PT_COUNTER,
			   "Connections the kernel announced closed (sock_diag destroy events).",
			   s->closes->closed);
		single_u64(b, f, "tcpdeck_connections_short_lived", PT_COUNTER,
			   "Closed connections that no sample ever saw open.",
			   s->closes->short_lived);
		single_u64(b, f, "tcpdeck_close_events_lost", PT_COUNTER,
			   "Close announcements the kernel dropped (receive buffer overrun).",
			   s->closes->lost);
	}
	if (s->has_scrapes)
		single_u64(b, f, "tcpdeck_scrapes", PT_COUNTER,
			   "HTTP scrapes of /metrics answered before this exposition was made.",
			   s->scrapes_total);
	if (ps == NULL)
		return;
	single_double(b, f, "process_cpu_seconds", PT_COUNTER,
		      "Total user and system CPU time spent in seconds.", ps->cpu_seconds);
	single_u64(b, f, "process_resident_memory_bytes", PT_GAUGE,
		   "Resident memory size in bytes.", ps->resident_bytes);
	single_u64(b, f, "process_virtual_memory_bytes", PT_GAUGE, "Virtual memory size in bytes.",
		   ps->virtual_bytes);
	single_u64(b, f, "process_open_fds", PT_GAUGE, "Number of open file descriptors.",
		   ps->open_fds);
	if (ps->has_max_fds)
		single_u64(b, f, "process_max_fds", PT_GAUGE,
			   "Maximum number of open file descriptors.", ps->max_fds);
	single_double(b, f, "process_start_time_seconds", PT_GAUGE,
		      "Start time of the process since unix epoch in seconds.",
		      ps->start_time_seconds);
}

/* ------------------------------------------------------------ whole */

static int
render_tally(struct prom_buf *b, const struct prom_sample *s, const struct prom_tally *t,
	     enum prom_format f)
{
	const struct snapshot *snap = s->snap;

	if (!t->counted) {
		b->failed = true;
		errno = ENOMEM;
		return -1;
	}
	render_states(b, f, snap, t->nsn);
	render_listen(b, f, snap, t->nsn, t->groups, t->n_groups);
	render_processes(b, f, snap, &t->procs);
	render_ports(b, f, &t->ports);
	render_counters(b, f, snap, t->nsn);
	if (s->diag != NULL) {
		unsigned int low, high;

		diagnose_port_range(s->diag, &low, &high);
		single_u64(b, f, "tcpdeck_ephemeral_ports", PT_GAUGE,
			   "Size of the ephemeral port range (net.ipv4.ip_local_port_range).",
			   high >= low ? (uint64_t)(high - low + 1) : 0);
		render_findings(b, f, s->diag, snap, t->nsn);
	}
	render_self(b, f, s);
	if (f == PROM_OPENMETRICS)
		buf_str(b, "# EOF\n");
	if (b->failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
prometheus_render(struct prom_buf *b, const struct prom_sample *s, enum prom_format f)
{
	struct prom_tally *own = NULL;
	int rc;

	if (s->tally != NULL)
		return render_tally(b, s, s->tally, f);
	own = prom_tally_new();
	if (own == NULL || prom_tally_count(own, s) < 0) {
		prom_tally_free(own);
		b->failed = true;
		errno = ENOMEM;
		return -1;
	}
	rc = render_tally(b, s, own, f);
	prom_tally_free(own);
	return rc;
}

/* ------------------------------------------------------------ blobs */

struct prom_blob *
prom_blob_new(const char *data, size_t len)
{
	struct prom_blob *blob = malloc(sizeof(*blob) + len + 1);

	if (blob == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	blob->refs = 1;
	blob->len = len;
	if (len > 0)
		memcpy(blob->data, data, len);
	blob->data[len] = '\0';
	return blob;
}

struct prom_blob *
prom_blob_ref(struct prom_blob *blob)
{
	__atomic_add_fetch(&blob->refs, 1, __ATOMIC_RELAXED);
	return blob;
}

void
prom_blob_unref(struct prom_blob *blob)
{
	if (blob != NULL && __atomic_sub_fetch(&blob->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(blob);
}
