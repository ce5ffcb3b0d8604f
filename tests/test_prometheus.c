/*
 * test_prometheus.c - expositions of synthetic samples: every state
 * listed, other people's names escaped, top N plus "other", OpenMetrics'
 * counters and EOF, findings, namespaces, grouped listeners; and the
 * /proc/self parsers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "diag_fixtures.h"
#include "prometheus.h"
#include "procself.h"

/* ------------------------------------------------------------ helpers */

static struct sock_entry *
add(struct snapshot *snap, uint64_t cookie, enum tcp_state state, const char *laddr,
    uint16_t lport, const char *raddr, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->family = AF_INET;
	e->state = (uint8_t)state;
	inet_pton(AF_INET, laddr, e->local_addr);
	inet_pton(AF_INET, raddr, e->remote_addr);
	e->local_port = lport;
	e->remote_port = rport;
	return e;
}

/* An owner table of n processes named by names[i] (or "procI"), pids
 * 100 + i. */
static void
give_procs(struct snapshot *snap, size_t n, const char *const *names)
{
	struct owner_table *t = owner_table_new();

	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		struct owner_proc p = {.pid = (int32_t)(100 + i), .cmdline = "", .user = "root"};

		if (names != NULL)
			snprintf(p.comm, sizeof(p.comm), "%s", names[i]);
		else
			snprintf(p.comm, sizeof(p.comm), "proc%u", (unsigned)(i % 100000));
		assert_int_equal(owner_table_add_proc(t, &p), (int)i);
	}
	assert_int_equal(owner_table_seal(t), 0);
	snap->owners = t;
}

static struct sock_entry *
own(struct sock_entry *e, uint32_t proc)
{
	e->owner_status = OWNER_FOUND;
	e->n_owners = 1;
	e->owner = proc;
	return e;
}

/* The exposition of snap (sealed here) in format f, NUL-terminated;
 * the caller frees it. */
static char *
render(struct snapshot *snap, const struct diagnose *d, unsigned int top, enum prom_format f)
{
	struct prom_buf b = {0};
	struct procself self = {.cpu_seconds = 1.5, .resident_bytes = 4096, .virtual_bytes = 8192,
				.open_fds = 5, .max_fds = 1024, .has_max_fds = true,
				.start_time_seconds = 1700000000.25};
	struct prom_sample s = {.snap = snap, .diag = d, .top = top, .samples_total = 7,
				.dump_retries_total = 2, .has_scrapes = true, .scrapes_total = 3,
				.self = &self};
	char *text;

	assert_int_equal(prometheus_render(&b, &s, f), 0);
	text = malloc(b.len + 1);
	assert_non_null(text);
	memcpy(text, b.data, b.len);
	text[b.len] = '\0';
	prom_buf_free(&b);
	return text;
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("exposition lacks '%s':\n%s", part, text);
}

static void
assert_lacks(const char *text, const char *part)
{
	if (strstr(text, part) != NULL)
		fail_msg("exposition holds '%s':\n%s", part, text);
}

static size_t
count_of(const char *text, const char *part)
{
	size_t n = 0;

	for (const char *p = strstr(text, part); p != NULL; p = strstr(p + 1, part))
		n++;
	return n;
}

/* Lines starting with prefix. */
static size_t
lines_starting(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (const char *line = text; *line != '\0';) {
		const char *nl = strchr(line, '\n');

		n += strncmp(line, prefix, len) == 0;
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return n;
}

/*
 * The shape of every line: a comment, or NAME[{labels}] VALUE where a
 * label value holds only the format's escapes.  A raw newline or quote
 * in a label would break this.
 */
static void
assert_well_formed(const char *text)
{
	for (const char *line = text; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		const char *p = line;

		assert_non_null(nl);
		if (*p == '#') {
			line = nl + 1;
			continue;
		}
		while (p < nl && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			p++;
		assert_true(p > line);
		if (*p == '{') {
			p++;
			for (;;) {
				while (p < nl && *p != '=')
					p++;
				assert_true(p + 1 < nl && p[1] == '"');
				p += 2;
				while (p < nl && *p != '"') {
					if (*p == '\\') {
						assert_true(p[1] == '\\' || p[1] == '"' || p[1] == 'n');
						p++;
					}
					p++;
				}
				assert_true(p < nl);
				p++;
				if (*p == '}')
					break;
				assert_int_equal(*p, ',');
				p++;
			}
			p++;
		}
		assert_int_equal(*p, ' ');
		for (p++; p < nl; p++)
			assert_true(strchr("0123456789.e+-", *p) != NULL);
		line = nl + 1;
	}
}

/* ------------------------------------------------------------ tests */

static void
test_every_state(void **state)
{
	struct snapshot *snap = snapshot_new(4);
	static const char *const names[TCP_STATE_COUNT] = {
		"listen", "syn_sent", "syn_recv", "established", "fin_wait1", "fin_wait2",
		"close_wait", "closing", "last_ack", "time_wait", "close"};
	char *text;

	(void)state;
	add(snap, 1, TCP_STATE_ESTABLISHED, "10.0.0.1", 80, "10.0.0.2", 5000);
	add(snap, 2, TCP_STATE_ESTABLISHED, "10.0.0.1", 80, "10.0.0.2", 5001);
	add(snap, 3, TCP_STATE_TIME_WAIT, "10.0.0.1", 80, "10.0.0.2", 5002);
	snapshot_seal(snap);
	for (int f = 0; f < PROM_FORMAT_COUNT; f++) {
		text = render(snap, NULL, 20, (enum prom_format)f);
		assert_well_formed(text);
		assert_int_equal(lines_starting(text, "tcpdeck_sockets{"), TCP_STATE_COUNT);
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			char line[80];
			unsigned int want = s == 3 ? 2 : s == 9 ? 1 : 0;

			snprintf(line, sizeof(line), "tcpdeck_sockets{state=\"%s\"} %u\n", names[s],
				 want);
			assert_contains(text, line);
		}
		assert_int_equal(count_of(text, "# TYPE tcpdeck_sockets gauge\n"), 1);
		assert_int_equal(count_of(text, "# HELP tcpdeck_sockets "), 1);
		/* No namespace table: no netns label. */
		assert_lacks(text, "netns=");
		free(text);
	}
	snapshot_unref(snap);
}

static void
test_hostile_names(void **state)
{
	static const char *const names[] = {
		"q\"uote",       /* a quote would end the label */
		"back\\slash",   /* a backslash would start an escape */
		"new\nline",     /* a newline would end the line */
		"esc\033[2J",    /* a terminal escape */
		"bad\xff\xfeutf", /* not UTF-8 */
		"} 1\nx{a=\"",   /* an injection attempt */
	};
	size_t n = sizeof(names) / sizeof(names[0]);
	struct snapshot *snap = snapshot_new(16);
	char *text;

	(void)state;
	give_procs(snap, n, names);
	for (size_t i = 0; i < n; i++)
		own(add(snap, 10 + i, TCP_STATE_LISTEN, "0.0.0.0", (uint16_t)(1000 + i), "0.0.0.0",
			0),
		    (uint32_t)i);
	snapshot_seal(snap);
	for (int f = 0; f < PROM_FORMAT_COUNT; f++) {
		text = render(snap, NULL, 20, (enum prom_format)f);
		assert_well_formed(text);
		assert_contains(text, "process=\"q\\\"uote\"");
		assert_contains(text, "process=\"back\\\\slash\"");
		/* Control bytes in their shown form (sanitize.h), its
		 * backslash escaped. */
		assert_contains(text, "process=\"new\\\\x0aline\"");
		assert_contains(text, "process=\"esc\\\\x1b[2J\"");
		assert_contains(text, "process=\"bad\\\\xff\\\\xfeutf\"");
		assert_contains(text, "process=\"} 1\\\\x0ax{a=\\\"\"");
		assert_lacks(text, "\033");
		assert_lacks(text, "\xff");
		/* Per listener and per process. */
		assert_int_equal(lines_starting(text, "tcpdeck_listen_backlog{"), n);
		assert_int_equal(lines_starting(text, "tcpdeck_process_sockets{"), n);
		free(text);
	}
	snapshot_unref(snap);
}

static void
test_label_escape(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(prom_label_escape("a\"b\\c", out, sizeof(out)), 7);
	assert_string_equal(out, "a\\\"b\\\\c");
	/* Cut at a whole character: "é" (2 bytes) does not fit in 2 bytes
	 * with the NUL after "a". */
	assert_int_equal(prom_label_escape("a\xc3\xa9", out, 3), 1);
	assert_string_equal(out, "a");
	/* Cut before half an escape. */
	assert_int_equal(prom_label_escape("ab\"", out, 4), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(prom_label_escape("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void
test_top_and_other(void **state)
{
	/* Process i holds i + 1 ESTABLISHED sockets on port 2000 + i: the
	 * largest are the last. */
	enum { N = 25, TOP = 3 };
	struct snapshot *snap = snapshot_new(400);
	uint64_t cookie = 1, other = 0;
	char *text, line[120];

	(void)state;
	give_procs(snap, N, NULL);
	for (int i = 0; i < N; i++)
		for (int k = 0; k <= i; k++)
			own(add(snap, cookie++, TCP_STATE_ESTABLISHED, "10.0.0.1",
				(uint16_t)(2000 + i), "10.0.0.2", (uint16_t)(30000 + k)),
			    (uint32_t)i);
	for (int i = 0; i < N - TOP; i++)
		other += (uint64_t)i + 1;
	snapshot_seal(snap);
	text = render(snap, NULL, TOP, PROM_TEXT);
	assert_well_formed(text);
	assert_int_equal(lines_starting(text, "tcpdeck_process_sockets{"), TOP + 1);
	assert_int_equal(lines_starting(text, "tcpdeck_port_sockets{"), TOP + 1);
	for (int i = N - TOP; i < N; i++) {
		snprintf(line, sizeof(line),
			 "tcpdeck_process_sockets{process=\"proc%d\",pid=\"%d\",state=\"established\"} "
			 "%d\n",
			 i, 100 + i, i + 1);
		assert_contains(text, line);
		snprintf(line, sizeof(line),
			 "tcpdeck_port_sockets{port=\"%d\",state=\"established\"} %d\n", 2000 + i,
			 i + 1);
		assert_contains(text, line);
	}
	snprintf(line, sizeof(line),
		 "tcpdeck_process_sockets{process=\"other\",state=\"established\"} %llu\n",
		 (unsigned long long)other);
	assert_contains(text, line);
	snprintf(line, sizeof(line), "tcpdeck_port_sockets{port=\"other\",state=\"established\"} %llu\n",
		 (unsigned long long)other);
	assert_contains(text, line);
	free(text);
	/* 0: every one, no "other". */
	text = render(snap, NULL, 0, PROM_TEXT);
	assert_int_equal(lines_starting(text, "tcpdeck_process_sockets{"), N);
	assert_lacks(text, "\"other\"");
	free(text);
	snapshot_unref(snap);
}

/* The lines of text starting with prefix, in order, into one string
 * (malloc'd); without those of "other" when ranked_only. */
static char *
select_lines(const char *text, const char *prefix, bool ranked_only)
{
	char *out = malloc(strlen(text) + 1);
	size_t used = 0, len = strlen(prefix);

	assert_non_null(out);
	for (const char *line = text; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t n = nl != NULL ? (size_t)(nl - line) + 1 : strlen(line);

		if (strncmp(line, prefix, len) == 0 &&
		    (!ranked_only || strstr(line, "=\"other\"") == NULL || strstr(line, "=\"other\"") > nl)) {
			memcpy(out + used, line, n);
			used += n;
		}
		line += n;
	}
	out[used] = '\0';
	return out;
}

static char *
lines_of(const char *text, const char *prefix)
{
	return select_lines(text, prefix, false);
}

/* The first `count` lines of text (malloc'd). */
static char *
first_lines(const char *text, size_t count)
{
	const char *end = text;
	char *out;

	for (size_t i = 0; i < count && *end != '\0'; i++) {
		const char *nl = strchr(end, '\n');

		end = nl != NULL ? nl + 1 : end + strlen(end);
	}
	out = strndup(text, (size_t)(end - text));
	assert_non_null(out);
	return out;
}

static void
test_top_ties(void **state)
{
	/* Ports and processes of equal counts: the lower port, the lower
	 * index in the owner table, ranks first, whatever the order the
	 * sockets come in.  Ports 1000..1099 hold two sockets each, ports
	 * 1050 and 1020 five; process i % 7 holds each. */
	struct snapshot *snap = snapshot_new(300);
	uint64_t cookie = 1;
	char *text, *ports, *procs;

	(void)state;
	give_procs(snap, 7, NULL);
	for (int round = 0; round < 5; round++)
		for (int i = 99; i >= 0; i--) {
			int port = 1000 + (i * 37) % 100;

			if (round >= 2 && port != 1050 && port != 1020)
				continue;
			own(add(snap, cookie, TCP_STATE_ESTABLISHED, "10.0.0.1", (uint16_t)port,
				"10.0.0.2", (uint16_t)(40000 + cookie)),
			    (uint32_t)(cookie % 7));
			cookie++;
		}
	snapshot_seal(snap);
	text = render(snap, NULL, 3, PROM_TEXT);
	ports = lines_of(text, "tcpdeck_port_sockets{");
	assert_string_equal(ports, "tcpdeck_port_sockets{port=\"1020\",state=\"established\"} 5\n"
				   "tcpdeck_port_sockets{port=\"1050\",state=\"established\"} 5\n"
				   "tcpdeck_port_sockets{port=\"1000\",state=\"established\"} 2\n"
				   "tcpdeck_port_sockets{port=\"other\",state=\"established\"} 194\n");
	/* Cookies 1..206 over 7 processes: 1, 2 and 3 hold 30 each, the
	 * others 29. */
	procs = lines_of(text, "tcpdeck_process_sockets{");
	assert_string_equal(
	    procs,
	    "tcpdeck_process_sockets{process=\"proc1\",pid=\"101\",state=\"established\"} 30\n"
	    "tcpdeck_process_sockets{process=\"proc2\",pid=\"102\",state=\"established\"} 30\n"
	    "tcpdeck_process_sockets{process=\"proc3\",pid=\"103\",state=\"established\"} 30\n"
	    "tcpdeck_process_sockets{process=\"other\",state=\"established\"} 116\n");
	free(ports);
	free(procs);
	free(text);
	snapshot_unref(snap);
}

/* A snapshot of n sockets on ports and processes drawn from seed, with
 * every state and ties in the counts. */
static struct snapshot *
random_snapshot(uint32_t seed, size_t n)
{
	struct snapshot *snap = snapshot_new(n);
	uint32_t x = seed;

	give_procs(snap, 40, NULL);
	for (size_t i = 0; i < n; i++) {
		struct sock_entry *e;
		uint16_t port;

		x = x * 1103515245u + 12345u;
		/* Few ports hold many sockets, many hold one or two. */
		port = (x >> 16) % 4 == 0 ? (uint16_t)(80 + (x >> 8) % 5)
					  : (uint16_t)(20000 + (x >> 4) % 3000);
		e = add(snap, i + 1, (enum tcp_state)((x >> 20) % TCP_STATE_COUNT), "10.0.0.1", port,
			"10.0.0.2", (uint16_t)(1024 + i % 60000));
		if ((x >> 24) % 5 != 0)
			own(e, (x >> 12) % 40);
	}
	snapshot_seal(snap);
	return snap;
}

static void
test_top_is_prefix_of_all(void **state)
{
	/* The top N picked are the first N of the whole ranking, in its
	 * order, and "other" holds exactly the rest. */
	static const char *const prefixes[] = {"tcpdeck_port_sockets{port=\"",
					       "tcpdeck_process_sockets{process=\"proc"};

	(void)state;
	for (uint32_t seed = 1; seed <= 4; seed++) {
		struct snapshot *snap = random_snapshot(seed, 5000);
		char *all = render(snap, NULL, 0, PROM_TEXT);

		for (unsigned int top = 1; top <= 41; top += 8) {
			char *text = render(snap, NULL, top, PROM_TEXT);

			for (size_t k = 0; k < 2; k++) {
				char *kept = select_lines(text, prefixes[k], true);
				char *whole = select_lines(all, prefixes[k], true);
				size_t n = lines_starting(kept, "tcpdeck_");
				char *head = first_lines(whole, n);

				assert_true(n > 0);
				assert_string_equal(kept, head);
				free(head);
				free(kept);
				free(whole);
			}
			free(text);
		}
		free(all);
		snapshot_unref(snap);
	}
}

static void
test_tally_reused(void **state)
{
	/* One tally counted over one sample after another renders what each
	 * sample renders alone, in both formats. */
	struct prom_tally *t = prom_tally_new();

	(void)state;
	assert_non_null(t);
	for (uint32_t seed = 7; seed <= 10; seed++) {
		struct snapshot *snap = random_snapshot(seed, seed == 9 ? 10 : 3000);
		struct prom_sample s = {.snap = snap, .top = 5, .samples_total = 1};

		assert_int_equal(prom_tally_count(t, &s), 0);
		for (int f = 0; f < PROM_FORMAT_COUNT; f++) {
			struct prom_buf alone = {0}, counted = {0};

			assert_int_equal(prometheus_render(&alone, &s, (enum prom_format)f), 0);
			s.tally = t;
			assert_int_equal(prometheus_render(&counted, &s, (enum prom_format)f), 0);
			s.tally = NULL;
			assert_int_equal(alone.len, counted.len);
			assert_memory_equal(alone.data, counted.data, alone.len);
			prom_buf_free(&alone);
			prom_buf_free(&counted);
		}
		snapshot_unref(snap);
	}
	prom_tally_free(t);
}

static void
test_openmetrics(void **state)
{
	struct snapshot *snap = snapshot_new(1);
	char *om, *classic;

	(void)state;
	snap->counters.value[KC_ACTIVE_OPENS] = 5;
	snap->counters.value[KC_CURR_ESTAB] = 3;
	snap->counters.present = (1u << KC_ACTIVE_OPENS) | (1u << KC_CURR_ESTAB);
	snapshot_seal(snap);
	om = render(snap, NULL, 20, PROM_OPENMETRICS);
	classic = render(snap, NULL, 20, PROM_TEXT);
	assert_well_formed(om);
	assert_well_formed(classic);
	/* OpenMetrics: counter families without _total, samples with it,
	 * and # EOF last. */
	assert_contains(om, "# TYPE tcpdeck_tcp_active_opens counter\n");
	assert_contains(om, "\ntcpdeck_tcp_active_opens_total 5\n");
	assert_contains(om, "# TYPE tcpdeck_samples counter\n");
	assert_contains(om, "# TYPE process_cpu_seconds counter\n");
	assert_contains(om, "\nprocess_cpu_seconds_total 1.5\n");
	assert_int_equal(strcmp(om + strlen(om) - 6, "# EOF\n"), 0);
	assert_int_equal(count_of(om, "# EOF"), 1);
	/* Classic: _total everywhere, no EOF. */
	assert_contains(classic, "# TYPE tcpdeck_tcp_active_opens_total counter\n");
	assert_contains(classic, "\ntcpdeck_tcp_active_opens_total 5\n");
	assert_lacks(classic, "# EOF");
	/* The gauge among the counters; missing counters are left out. */
	assert_contains(classic, "# TYPE tcpdeck_tcp_curr_estab gauge\ntcpdeck_tcp_curr_estab 3\n");
	assert_lacks(classic, "tcpdeck_tcp_retrans_segs");
	/* Self metrics. */
	assert_contains(classic, "\ntcpdeck_samples_total 7\n");
	assert_contains(classic, "\ntcpdeck_dump_retries_total 2\n");
	assert_contains(classic, "\ntcpdeck_scrapes_total 3\n");
	assert_contains(classic, "\nprocess_max_fds 1024\n");
	assert_contains(classic, "\nprocess_start_time_seconds 1700000000.25\n");
	free(om);
	free(classic);
	snapshot_unref(snap);
}

static void
test_findings(void **state)
{
	static const char *const names[] = {"ok", "evil\"\n\\"};
	struct diag_config cfg;
	struct statetrack *st;
	struct diagnose *d;
	struct snapshot *snap = diag_snap_at(1);
	char *text;

	(void)state;
	diag_fixture_open(&cfg, NULL, NULL, &st, &d);
	give_procs(snap, 2, names);
	for (int i = 0; i < 60; i++)
		own(add(snap, (uint64_t)(1 + i), TCP_STATE_CLOSE_WAIT, "10.0.0.1", 8080, "10.0.2.1",
			(uint16_t)(20000 + i)),
		    1);
	snapshot_seal(snap);
	assert_int_equal(statetrack_update(st, snap), 0);
	assert_int_equal(diagnose_update(d, snap, st), 0);
	assert_true(diagnose_count(d) >= 1);
	for (int f = 0; f < PROM_FORMAT_COUNT; f++) {
		text = render(snap, d, 20, (enum prom_format)f);
		assert_well_formed(text);
		assert_contains(text, "# TYPE tcpdeck_finding gauge\n");
		assert_contains(text, "tcpdeck_finding{rule=\"close_wait\",severity=\"warning\","
				      "subject=\"evil\\\"\\\\x0a\\\\ (pid 101)\"} 1\n");
		/* The default range of tests/data/diag/proc-default. */
		assert_contains(text, "\ntcpdeck_ephemeral_ports ");
		free(text);
	}
	diagnose_free(d);
	statetrack_free(st);
	snapshot_unref(snap);
}

/* One pile-up in each of two namespaces, with one subject: two series,
 * told apart by their netns label (one series twice would be refused). */
static void
test_findings_netns(void **state)
{
	static const char *const names[] = {"web"};
	struct diag_config cfg;
	struct statetrack *st;
	struct diagnose *d;
	struct snapshot *snap = diag_snap_at(1);
	struct snapshot_netns *ns;
	char *text;

	(void)state;
	diag_fixture_open(&cfg, NULL, NULL, &st, &d);
	give_procs(snap, 1, names);
	ns = snapshot_add_netns(snap, 1000);
	assert_non_null(ns);
	ns->info.kind = NETNS_KIND_NAMED;
	snprintf(ns->info.name, sizeof(ns->info.name), "red");
	ns = snapshot_add_netns(snap, 2000);
	assert_non_null(ns);
	ns->info.kind = NETNS_KIND_NAMED;
	snprintf(ns->info.name, sizeof(ns->info.name), "blue");
	for (int i = 0; i < 120; i++)
		own(add(snap, (uint64_t)(1 + i), TCP_STATE_CLOSE_WAIT, "10.0.0.1", 8080, "10.0.2.1",
			(uint16_t)(20000 + i)),
		    0)
		    ->netns = i < 60 ? 1000 : 2000;
	snapshot_seal(snap);
	assert_int_equal(statetrack_update(st, snap), 0);
	assert_int_equal(diagnose_update(d, snap, st), 0);
	text = render(snap, d, 20, PROM_TEXT);
	assert_well_formed(text);
	assert_int_equal(count_of(text, "tcpdeck_finding{rule=\"close_wait\""), 2);
	assert_contains(text, "subject=\"web (pid 100)\",netns=\"red\"} 1\n");
	assert_contains(text, "subject=\"web (pid 100)\",netns=\"blue\"} 1\n");
	free(text);
	diagnose_free(d);
	statetrack_free(st);
	snapshot_unref(snap);
}

static void
test_netns(void **state)
{
	struct snapshot *snap = snapshot_new(4);
	struct snapshot_netns *a, *b;
	char *text;

	(void)state;
	a = snapshot_add_netns(snap, 1000);
	assert_non_null(a);
	a->info.kind = NETNS_KIND_HOST;
	a->counters.value[KC_OUT_RSTS] = 4;
	a->counters.present = 1u << KC_OUT_RSTS;
	b = snapshot_add_netns(snap, 2000);
	assert_non_null(b);
	b->info.kind = NETNS_KIND_NAMED;
	snprintf(b->info.name, sizeof(b->info.name), "blue\"x");
	add(snap, 1, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0)->netns = 1000;
	add(snap, 2, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0)->netns = 2000;
	add(snap, 3, TCP_STATE_ESTABLISHED, "10.0.0.1", 80, "10.0.0.2", 4000)->netns = 2000;
	snapshot_seal(snap);
	text = render(snap, NULL, 20, PROM_TEXT);
	assert_well_formed(text);
	assert_int_equal(lines_starting(text, "tcpdeck_sockets{"), 2 * TCP_STATE_COUNT);
	assert_contains(text, "tcpdeck_sockets{netns=\"host\",state=\"listen\"} 1\n");
	assert_contains(text, "tcpdeck_sockets{netns=\"blue\\\"x\",state=\"established\"} 1\n");
	assert_contains(text, "tcpdeck_sockets{netns=\"host\",state=\"established\"} 0\n");
	/* One listener per namespace: two series, not one summed. */
	assert_int_equal(lines_starting(text, "tcpdeck_listen_backlog{"), 2);
	assert_contains(text, "netns=\"blue\\\"x\"} ");
	assert_contains(text, "tcpdeck_tcp_out_rsts_total{netns=\"host\"} 4\n");
	free(text);
	snapshot_unref(snap);
}

/* Two namespaces with one short name: the inode tells their series
 * apart, or Prometheus would reject the exposition. */
static void
test_netns_same_names(void **state)
{
	struct snapshot *snap = snapshot_new(2);
	char *text;

	(void)state;
	for (uint32_t inode = 3000; inode <= 3002; inode++) {
		struct snapshot_netns *ns = snapshot_add_netns(snap, inode);

		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_NAMED;
		snprintf(ns->info.name, sizeof(ns->info.name), inode == 3002 ? "other" : "web");
	}
	add(snap, 1, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0)->netns = 3000;
	add(snap, 2, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0)->netns = 3001;
	snapshot_seal(snap);
	text = render(snap, NULL, 20, PROM_TEXT);
	assert_well_formed(text);
	assert_contains(text, "tcpdeck_sockets{netns=\"web [3000]\",state=\"listen\"} 1\n");
	assert_contains(text, "tcpdeck_sockets{netns=\"web [3001]\",state=\"listen\"} 1\n");
	assert_contains(text, "tcpdeck_sockets{netns=\"other\",state=\"listen\"} 0\n");
	assert_contains(text, "process=\"\",netns=\"web [3000]\"} ");
	assert_contains(text, "process=\"\",netns=\"web [3001]\"} ");
	free(text);
	snapshot_unref(snap);
}

static void
test_listen_groups(void **state)
{
	static const char *const names[] = {"web"};
	struct snapshot *snap = snapshot_new(8);
	char *text;

	(void)state;
	give_procs(snap, 1, names);
	/* Two SO_REUSEPORT listeners of one process on one address and port:
	 * one series, their sum. */
	for (int i = 0; i < 2; i++) {
		struct sock_entry *e =
			own(add(snap, (uint64_t)(1 + i), TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0),
			    0);

		e->recv_q = 3;
		e->send_q = 128;
	}
	own(add(snap, 3, TCP_STATE_LISTEN, "127.0.0.1", 81, "0.0.0.0", 0), 0)->send_q = 16;
	add(snap, 4, TCP_STATE_ESTABLISHED, "10.0.0.1", 80, "10.0.0.2", 4000);
	add(snap, 5, TCP_STATE_SYN_RECV, "10.0.0.1", 80, "10.0.0.2", 4001);
	snapshot_seal(snap);
	text = render(snap, NULL, 20, PROM_TEXT);
	assert_well_formed(text);
	assert_int_equal(lines_starting(text, "tcpdeck_listen_accept_queue{"), 2);
	assert_contains(text,
			"tcpdeck_listen_accept_queue{addr=\"0.0.0.0\",port=\"80\",process=\"web\"} 6\n");
	assert_contains(text, "tcpdeck_listen_backlog{addr=\"0.0.0.0\",port=\"80\",process=\"web\"} 256\n");
	assert_contains(text, "tcpdeck_listen_backlog{addr=\"127.0.0.1\",port=\"81\",process=\"web\"} 16\n");
	assert_contains(text,
			"tcpdeck_listen_established{addr=\"0.0.0.0\",port=\"80\",process=\"web\"} 1\n");
	assert_contains(text, "tcpdeck_listen_syn_recv{addr=\"0.0.0.0\",port=\"80\",process=\"web\"} 1\n");
	free(text);
	snapshot_unref(snap);
}

static void
test_procself_parse(void **state)
{
	/* A command with spaces and a parenthesis. */
	static const char stat[] =
		"4242 (tcp deck) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 2 0 "
		"1000 123456789 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	static const char limits[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n"
		"Max open files            1024                 524288               files     \n";
	static const char pstat[] = "cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n";
	struct procself ps = {0};
	uint64_t btime = 0;

	(void)state;
	assert_int_equal(procself_parse_btime(pstat, strlen(pstat), &btime), 0);
	assert_int_equal(btime, 1700000000);
	assert_int_equal(procself_parse_stat(&ps, stat, strlen(stat), 100, 4096, btime), 0);
	assert_true(ps.cpu_seconds > 2.99 && ps.cpu_seconds < 3.01);
	assert_true(ps.start_time_seconds > 1700000009.99 && ps.start_time_seconds < 1700000010.01);
	assert_int_equal(ps.virtual_bytes, 123456789);
	assert_int_equal(ps.resident_bytes, 300 * 4096);
	assert_int_equal(procself_parse_limits(&ps, limits, strlen(limits)), 0);
	assert_true(ps.has_max_fds);
	assert_int_equal(ps.max_fds, 1024);
	/* Broken input: an error, not a guess. */
	assert_int_equal(procself_parse_stat(&ps, "1 (x S 1", 8, 100, 4096, 0), -1);
	assert_int_equal(procself_parse_stat(&ps, "1 (x) S 1 2", 11, 100, 4096, 0), -1);
	assert_int_equal(procself_parse_btime("cpu 1\n", 6, &btime), -1);
	assert_int_equal(procself_parse_limits(&ps, "Max open files  lots\n", 21), -1);
	/* The real one. */
	assert_int_equal(procself_read(&ps, "/proc"), 0);
	assert_true(ps.open_fds >= 3);
	assert_true(ps.resident_bytes > 0);
}

static void
test_blob(void **state)
{
	struct prom_blob *b = prom_blob_new("abc", 3);

	(void)state;
	assert_non_null(b);
	assert_int_equal(b->len, 3);
	assert_string_equal(b->data, "abc");
	assert_ptr_equal(prom_blob_ref(b), b);
	prom_blob_unref(b);
	prom_blob_unref(b); /* the last: freed (valgrind and ASan check) */
	prom_blob_unref(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state),   cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_label_escape),  cmocka_unit_test(test_top_and_other),
		cmocka_unit_test(test_top_ties),      cmocka_unit_test(test_top_is_prefix_of_all),
		cmocka_unit_test(test_tally_reused),
		cmocka_unit_test(test_openmetrics),   cmocka_unit_test(test_findings),
		cmocka_unit_test(test_findings_netns),
		cmocka_unit_test(test_netns),         cmocka_unit_test(test_listen_groups),
		cmocka_unit_test(test_netns_same_names),
		cmocka_unit_test(test_procself_parse), cmocka_unit_test(test_blob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
