/*
 * test_output.c - batch output: the view table (names, needs, writers,
 * formats a view lacks), the conns fields against the columns, the output
 * buffer's number, address and CSV writers against printf and inet_ntop,
 * and every view in every format of a snapshot whose owners have hostile
 * names: no control byte gets out.  Network namespaces: a snapshot of
 * three (the host, a container, an `ip netns` with a hostile name) in the
 * namespaces view, the states view's JSON, the conns, listen and peers
 * views, every format; without a table nothing of them shows.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "batch.h"
#include "format.h"
#include "outbuf.h"
#include "output.h"
#include "sanitize.h"
#include "source.h"
#include "tcp_state.h"

/* ------------------------------------------------------------ the table */

static void
test_view_table(void **state)
{
	const char *names = output_view_names();
	char msg[256];

	(void)state;
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++) {
		const struct output_view_def *def = output_view((enum output_view)v);
		int writers = 0;

		assert_non_null(def);
		assert_non_null(def->name);
		assert_int_equal(output_view_find(def->name), v);
		assert_non_null(strstr(names, def->name));
		for (int f = 0; f < OUTPUT_FORMAT_COUNT; f++)
			writers += def->write[f] != NULL;
		assert_true(writers > 0);
		/* Every view but the summary writes every format but
		 * prometheus, which has a view of its own. */
		assert_int_equal(writers, v == OUTPUT_VIEW_SUMMARY      ? 2
					  : v == OUTPUT_VIEW_PROMETHEUS ? 1
									: OUTPUT_FORMAT_COUNT - 1);
	}
	assert_null(output_view(OUTPUT_VIEW_COUNT));
	assert_int_equal(output_view_find("nosuch"), -1);
	assert_string_equal(names, "states, listen, conns, counters, peers, diagnoses, summary, "
	                           "namespaces, prometheus, closed");
	assert_string_equal(output_format_names(), "text, json, csv, prometheus");
	assert_ptr_equal(output_format_find("csv"), &output_csv);
	assert_null(output_format_find("xml"));

	assert_true(output_view_has_format(OUTPUT_VIEW_CONNS, &output_csv, msg, sizeof(msg)));
	assert_true(output_view_has_format(OUTPUT_VIEW_SUMMARY, &output_json, msg, sizeof(msg)));
	assert_false(output_view_has_format(OUTPUT_VIEW_SUMMARY, &output_csv, msg, sizeof(msg)));
	assert_string_equal(msg, "the summary view has no csv output: use -o text, json");
}

/* What the live source dumps follows the table. */
static void
test_needs_decide_the_dump(void **state)
{
	struct source_live_options opts;
	const struct filter *filter = (const struct filter *)&opts; /* only compared */

	(void)state;
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++) {
		unsigned int needs = output_view_needs((enum output_view)v);

		batch_live_options((enum output_view)v, filter, &opts);
		assert_int_equal(opts.filter == filter, (needs & OUTPUT_NEED_SELECTED) != 0);
		assert_int_equal(!opts.no_tcp_info, (needs & OUTPUT_NEED_TCP_INFO) != 0);
		assert_int_equal(!opts.no_counters, (needs & OUTPUT_NEED_COUNTERS) != 0);
	}
	/* As each view has always been dumped. */
	batch_live_options(OUTPUT_VIEW_CONNS, filter, &opts);
	assert_true(opts.filter == filter && !opts.no_tcp_info && opts.no_counters);
	batch_live_options(OUTPUT_VIEW_LISTEN, filter, &opts);
	assert_true(opts.filter == NULL && opts.no_tcp_info && opts.no_counters);
	/* The listen view reads listeners and what they accepted: its dumps
	 * leave out bound-only sockets (no walk of the bind hash) and the
	 * closing states; every other view reads every state. */
	assert_int_equal(opts.states, 1u << KERNEL_TCP_LISTEN | 1u << KERNEL_TCP_ESTABLISHED |
					      1u << KERNEL_TCP_SYN_RECV |
					      1u << KERNEL_TCP_NEW_SYN_RECV);
	assert_int_equal(source_live_states(&opts), opts.states);
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++)
		if (v != OUTPUT_VIEW_LISTEN)
			assert_int_equal(output_view_kernel_states((enum output_view)v), 0);
	batch_live_options(OUTPUT_VIEW_STATES, NULL, &opts);
	assert_int_equal(opts.states, 0);
	assert_true(source_live_states(&opts) & 1u << KERNEL_TCP_BOUND_INACTIVE);
	/* The findings read tcp_info (whether queued data moves), as the
	 * dashboard's do. */
	batch_live_options(OUTPUT_VIEW_DIAGNOSES, filter, &opts);
	assert_true(opts.filter == NULL && !opts.no_tcp_info && !opts.no_counters);
	assert_false(output_view_needs(OUTPUT_VIEW_STATES) & OUTPUT_NEED_OWNERS);
	assert_false(output_view_needs(OUTPUT_VIEW_COUNTERS) & OUTPUT_NEED_OWNERS);
	assert_true(output_view_needs(OUTPUT_VIEW_LISTEN) & OUTPUT_NEED_OWNERS);
}

/* Every column of the table has a CSV and JSON field, but the timer. */
static void
test_fields_cover_columns(void **state)
{
	(void)state;
	for (int c = 0; c < COL_COUNT; c++) {
		bool csv = false, json = false;

		for (size_t i = 0; i < conn_field_count(); i++) {
			if (conn_field(i)->column != c)
				continue;
			csv |= (conn_field(i)->formats & CONN_FIELD_CSV) != 0;
			json |= (conn_field(i)->formats & CONN_FIELD_JSON) != 0;
		}
		if (c == COL_TIMER)
			continue;
		assert_true(csv);
		assert_true(json);
	}
	for (size_t i = 0; i < conn_field_count(); i++) {
		assert_non_null(conn_field(i)->get);
		assert_true(conn_field(i)->formats != 0);
		for (size_t k = i + 1; k < conn_field_count(); k++)
			assert_string_not_equal(conn_field(i)->name, conn_field(k)->name);
	}
	assert_null(conn_field(conn_field_count()));
}

/* ----------------------------------------------------- numbers, addresses */

static void
test_fixed_matches_printf(void **state)
{
	char ours[64], theirs[64];
	unsigned int seed = 12345;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		double v;
		int decimals = i % 4;

		seed = seed * 1103515245u + 12345u;
		switch (i % 5) {
		case 0:
			v = (double)(seed % 2000000) / 1000.0; /* rtt in ms */
			break;
		case 1:
			v = (double)(seed % 100000) / 8.0; /* exact ties */
			break;
		case 2:
			v = (double)seed / 7.0;
			break;
		case 3:
			v = (double)(seed % 1000) * 0.0005; /* near ties */
			break;
		default:
			v = (double)seed * 1e3 / 3.0; /* large: printf's */
			break;
		}
		format_fixed(v, decimals, ours, sizeof(ours));
		snprintf(theirs, sizeof(theirs), "%.*f", decimals, v);
		assert_string_equal(ours, theirs);
	}
	format_fixed(-0.0, 3, ours, sizeof(ours));
	assert_string_equal(ours, "-0.000");
	format_fixed(2.5, 0, ours, sizeof(ours));
	assert_string_equal(ours, "2");
	format_fixed(3.5, 0, ours, sizeof(ours));
	assert_string_equal(ours, "4");
	assert_int_equal(format_fixed(123.456, 2, ours, 4), 3);
	assert_string_equal(ours, "123");
}

static void
test_duration_matches_printf(void **state)
{
	(void)state;
	for (int i = 0; i < 100000; i++) {
		double s = (double)i * (i % 3 == 0 ? 0.0000137 : i % 3 == 1 ? 0.00731 : 0.0913);
		char ours[32], theirs[32];

		format_duration(s, ours, sizeof(ours));
		if (s < 0.001)
			snprintf(theirs, sizeof(theirs), "%.0fus", s * 1e6);
		else if (s < 1.0)
			snprintf(theirs, sizeof(theirs), "%.1fms", s * 1e3);
		else if (s < 60.0)
			snprintf(theirs, sizeof(theirs), "%.1fs", s);
		else if (s < 3600.0)
			snprintf(theirs, sizeof(theirs), "%dm%02ds", (int)(s / 60),
			         (int)fmod(s, 60));
		else
			snprintf(theirs, sizeof(theirs), "%dh%02dm", (int)(s / 3600),
			         (int)fmod(s / 60, 60));
		assert_string_equal(ours, theirs);
	}
}

static void
test_u64(void **state)
{
	static const uint64_t values[] = {
	    0, 9, 10, 99, 100, 65535, 4294967295u, 10000000000000000000u, UINT64_MAX};
	char ours[FORMAT_U64_MAX], theirs[32];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		size_t n = format_u64(values[i], ours);

		snprintf(theirs, sizeof(theirs), "%llu", (unsigned long long)values[i]);
		assert_string_equal(ours, theirs);
		assert_int_equal(n, strlen(theirs));
	}
}

static void
check_ip6(const uint8_t addr[16])
{
	char ours[FORMAT_IP_MAX], theirs[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET6, addr, theirs, sizeof(theirs)));
	assert_int_equal(format_ip(AF_INET6, addr, ours), strlen(theirs));
	assert_string_equal(ours, theirs);
}

static void
test_ip_matches_inet_ntop(void **state)
{
	static const char *const fixed[] = {
	    "::",
	    "::1",
	    "1::",
	    "::ffff:1.2.3.4",
	    "::1.2.3.4",
	    "::ffff:0:1.2.3.4",
	    "1:0:0:1:0:0:0:1",
	    "1:0:0:2:0:0:3:4",
	    "fe80::1:2",
	    "2001:db8::ff00:42:8329",
	    "0:0:1::",
	    "1:2:3:4:5:6:7:8",
	    "::2:3:4:5:6:7:8",
	    "1:2:3:4:5:6:7::",
	    "1:0:2:0:3:0:4:0",
	    "::ffff:0.0.0.0",
	    "64:ff9b::192.0.2.33",
	};
	unsigned int seed = 7;
	uint8_t addr[16];
	char ours[FORMAT_IP_MAX], theirs[INET6_ADDRSTRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		assert_int_equal(inet_pton(AF_INET6, fixed[i], addr), 1);
		check_ip6(addr);
	}
	for (int i = 0; i < 100000; i++) {
		/* Random words, most of them zero, so that runs of every length
		 * and position occur. */
		for (int w = 0; w < 8; w++) {
			seed = seed * 1103515245u + 12345u;
			addr[2 * w] = (seed >> 8) % 4 == 0 ? (uint8_t)(seed >> 16) : 0;
			addr[2 * w + 1] = (seed >> 10) % 3 == 0 ? (uint8_t)(seed >> 20) : 0;
		}
		if (i % 10 == 0) { /* IPv4-mapped and -compatible */
			memset(addr, 0, 10);
			addr[10] = addr[11] = i % 20 == 0 ? 0xff : 0;
		}
		check_ip6(addr);
		assert_non_null(inet_ntop(AF_INET, addr + 12, theirs, sizeof(theirs)));
		assert_int_equal(format_ip(AF_INET, addr + 12, ours), strlen(theirs));
		assert_string_equal(ours, theirs);
	}
}

/* The number columns' text, made without printf, is printf's. */
static void
test_number_columns_match_printf(void **state)
{
	struct sock_entry e;
	struct conn_info info;
	struct conn_row row = {&e, NULL, NULL};
	struct conn_context ctx = {.now = 100};
	char ours[128], theirs[128];

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&info, 0, sizeof(info));
	e.flags = SOCK_ENTRY_HAS_INFO;
	for (uint32_t rtt = 0; rtt < 400000; rtt += (rtt < 5000 ? 1 : 37)) {
		e.rtt_us = rtt;
		conn_column(COL_RTT)->format(&row, &ctx, ours, sizeof(ours));
		snprintf(theirs, sizeof(theirs), "%.1f", rtt / 1000.0);
		assert_string_equal(ours, theirs);
	}
	e.rtt_us = UINT32_MAX;
	conn_column(COL_RTT)->format(&row, &ctx, ours, sizeof(ours));
	snprintf(theirs, sizeof(theirs), "%.1f", UINT32_MAX / 1000.0);
	assert_string_equal(ours, theirs);
	for (uint64_t bytes = 0; bytes < (1ull << 40); bytes = bytes * 3 + 1) {
		double v = (double)bytes;
		int u = -1;

		e.bytes_acked = bytes;
		conn_column(COL_SENT)->format(&row, &ctx, ours, sizeof(ours));
		while (v >= 1024 && u < 4) {
			v /= 1024;
			u++;
		}
		if (u < 0)
			snprintf(theirs, sizeof(theirs), "%.0f", v);
		else
			snprintf(theirs, sizeof(theirs), "%.1f%c", v, "KMGTP"[u]);
		assert_string_equal(ours, theirs);
	}
	row.info = &info;
	for (int i = 0; i < 5000; i++) {
		info.first_seen = 100 - i * 0.0137;
		info.send_rate = i * 3.3;
		conn_column(COL_SEND_RATE)->format(&row, &ctx, ours, sizeof(ours));
		assert_non_null(strstr(ours, "/s"));
		conn_column(COL_AGE)->format(&row, &ctx, ours, sizeof(ours));
		format_duration(ctx.now - info.first_seen, theirs, sizeof(theirs));
		assert_string_equal(ours, theirs);
	}
}

/* ------------------------------------------------------------ CSV quoting */

static const char *
csv_of(const char *s)
{
	static char out[256];
	size_t n = sanitize_csv(s, strlen(s), out);

	assert_true(n <= SANITIZE_CSV_MAX(strlen(s)));
	out[n] = '\0';
	return out;
}

static void
test_csv_quoting(void **state)
{
	(void)state;
	/* RFC 4180: quoted when holding a comma, a quote, CR or LF; quotes
	 * doubled; otherwise as it is. */
	assert_string_equal(csv_of("nginx"), "nginx");
	assert_string_equal(csv_of("a,b"), "\"a,b\"");
	assert_string_equal(csv_of("say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(csv_of("a,b\"c"), "\"a,b\"\"c\"");
	assert_string_equal(csv_of(""), "");
	assert_string_equal(csv_of(" space "), " space ");
	/* CR and LF never get through: they are shown as escapes. */
	assert_string_equal(csv_of("two\nlines"), "two\\x0alines");
	assert_string_equal(csv_of("cr\r,x"), "\"cr\\x0d,x\"");
	assert_string_equal(csv_of("evil\x1b[31mname"), "evil\\x1b[31mname");
	{
		char out[16];

		assert_int_equal(sanitize_csv_quote("a\nb", 3, out), 5);
		assert_memory_equal(out, "\"a\nb\"", 5);
		assert_int_equal(sanitize_csv_quote("a\rb", 3, out), 5);
	}
}

/* A buffer written in blocks gives the same bytes as the lines; a write
 * error is reported. */
static void
test_outbuf_blocks(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct outbuf b;
	char tiny[64];

	(void)state;
	assert_non_null(f);
	assert_int_equal(outbuf_open(&b, f), 0);
	for (int i = 0; i < 200000; i++) {
		outbuf_u64(&b, (uint64_t)i);
		outbuf_char(&b, ',');
		outbuf_i64(&b, -i);
		outbuf_char(&b, ',');
		outbuf_fixed(&b, i / 8.0, 3);
		assert_int_equal(outbuf_end_line(&b), 0);
	}
	assert_int_equal(outbuf_close(&b), 0);
	fclose(f);
	{
		char *line = text;

		for (int i = 0; i < 200000; i++) {
			char expected[64];
			char *end = strchr(line, '\n');

			assert_non_null(end);
			snprintf(expected, sizeof(expected), "%d,%d,%.3f", i, -i, i / 8.0);
			assert_int_equal((size_t)(end - line), strlen(expected));
			assert_memory_equal(line, expected, strlen(expected));
			line = end + 1;
		}
		assert_int_equal(*line, '\0');
	}
	free(text);

	f = fmemopen(tiny, sizeof(tiny), "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(outbuf_open(&b, f), 0);
	for (int i = 0; i < 100000; i++) {
		outbuf_str(&b, "0123456789");
		(void)outbuf_end_line(&b);
	}
	assert_int_equal(outbuf_close(&b), -1);
	fclose(f);
}

/* ---------------------------------------------- hostile names, every view */

static const char evil_comm[] = "ev\x1b]0;x\x07\x9b";
static const char evil_user[] = "u\x1b[2J,\"q\"";

static struct snapshot *
owned_snapshot(const char *comm, const char *user)
{
	struct owner_table *owners = owner_table_new();
	struct owner_proc proc;
	struct snapshot *snap = snapshot_new(4);
	int index;

	assert_non_null(owners);
	assert_non_null(snap);
	memset(&proc, 0, sizeof(proc));
	proc.pid = 4242;
	snprintf(proc.comm, sizeof(proc.comm), "%s", comm);
	proc.cmdline = "evil\x1b[31m --flag";
	proc.user = user;
	index = owner_table_add_proc(owners, &proc);
	assert_true(index >= 0);
	assert_int_equal(owner_table_add_link(owners, 77, (uint32_t)index), 0);
	assert_int_equal(owner_table_add_link(owners, 78, (uint32_t)index), 0);
	assert_int_equal(owner_table_seal(owners), 0);
	snap->owners = owners;
	for (int i = 0; i < 2; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->family = AF_INET;
		e->local_addr[0] = 127;
		e->local_addr[3] = 1;
		e->local_port = 9000;
		e->inode = 77 + (uint32_t)i;
		e->owner_status = OWNER_FOUND;
		e->owner = (uint32_t)index;
		e->n_owners = 1;
		e->cookie = 10 + (uint64_t)i;
		if (i == 0) {
			e->state = TCP_STATE_LISTEN;
		} else {
			e->state = TCP_STATE_ESTABLISHED;
			e->remote_addr[0] = 127;
			e->remote_addr[3] = 1;
			e->remote_port = 40000;
			e->flags = SOCK_ENTRY_HAS_INFO;
		}
	}
	snapshot_seal(snap);
	return snap;
}

static struct snapshot *
hostile_snapshot(void)
{
	return owned_snapshot(evil_comm, evil_user);
}

static char *
render(const struct output_format *format, enum output_view view, struct snapshot *snap,
       struct snapshot *prev)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct output_context ctx = {.snap = snap,
	                             .prev = prev,
	                             .interval_s = 1,
	                             .sort_column = -1,
	                             .peers_by = PEERS_BY_TOTAL};

	assert_non_null(f);
	assert_int_equal(output_print(format, view, f, &ctx), 0);
	fclose(f);
	return text;
}

static void
test_hostile_names_every_view(void **state)
{
	static const struct output_format *const formats[] = {&output_text, &output_json,
	                                                      &output_csv};
	struct snapshot *snap = hostile_snapshot(), *prev = hostile_snapshot();

	(void)state;
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++)
		for (size_t f = 0; f < 3; f++) {
			char *text;

			if (!output_view_has_format((enum output_view)v, formats[f], NULL, 0) ||
			    v == OUTPUT_VIEW_DIAGNOSES || v == OUTPUT_VIEW_SUMMARY)
				continue; /* findings and the summary need their models */
			text = render(formats[f], (enum output_view)v, snap, prev);
			for (const char *p = text; *p != '\0'; p++) {
				unsigned char c = (unsigned char)*p;

				assert_true(c == '\n' || (c >= 0x20 && c != 0x7f && c < 0x80));
			}
			if (v == OUTPUT_VIEW_LISTEN || v == OUTPUT_VIEW_CONNS) {
				const char *comm = f == 1 ? "ev\\u001b]0;x\\u0007\\\\x9b"
				                          : "ev\\x1b]0;x\\x07\\x9b";

				assert_non_null(strstr(text, comm));
			}
			if ((v == OUTPUT_VIEW_LISTEN || v == OUTPUT_VIEW_CONNS) && f == 2)
				assert_non_null(strstr(text, ",\"u\\x1b[2J,\"\"q\"\"\""));
			free(text);
		}
	snapshot_unref(snap);
	snapshot_unref(prev);
}

/* Text columns are aligned on display width: a wide name pads less. */
static void
test_text_aligned_on_width(void **state)
{
	/* Two CJK characters: 6 bytes, 4 cells. */
	struct snapshot *snap = owned_snapshot("\xe4\xb8\xad\xe6\x96\x87", "\xc3\xa9t\xc3\xa9");
	char *text = render(&output_text, OUTPUT_VIEW_LISTEN, snap, NULL);

	(void)state;
	/* USER is as wide as its title (4 cells; the name takes 3), PROCESS
	 * 15 cells, then " " and the accept queue in 8. */
	assert_non_null(strstr(text, "USER PROCESS "));
	assert_non_null(strstr(text, " \xc3\xa9t\xc3\xa9  \xe4\xb8\xad\xe6\x96\x87"
	                             "                   0"));
	free(text);
	text = render(&output_text, OUTPUT_VIEW_CONNS, snap, NULL);
	/* PROCESS is as wide as its title (7 cells), so the name pads by 3. */
	assert_non_null(strstr(text, " \xe4\xb8\xad\xe6\x96\x87    \xc3\xa9t\xc3\xa9 "));
	free(text);
	snapshot_unref(snap);
}

/* The summary view writes nothing per sample, and the summary at the end:
 * JSON with -o json, text otherwise (a marked CSV run). */
static void
test_summary_view(void **state)
{
	struct snapshot *snap = hostile_snapshot();
	struct session *session = session_new();
	struct output_context ctx = {.snap = snap, .sort_column = -1};
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	(void)state;
	assert_non_null(session);
	assert_int_equal(session_start(session, snap), 0);
	session_end(session, snap);
	ctx.summary = session_summary(session);
	assert_true(output_view_needs(OUTPUT_VIEW_SUMMARY) & OUTPUT_NEED_AT_END);
	text = render(&output_text, OUTPUT_VIEW_SUMMARY, snap, NULL);
	assert_string_equal(text, "");
	free(text);

	f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(output_print_summary(&output_json, f, &ctx), 0);
	fclose(f);
	assert_int_equal(text[0], '{');
	free(text);
	f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(output_print_summary(&output_csv, f, &ctx), 0);
	fclose(f);
	{
		char *expected = NULL;
		size_t expected_size = 0;
		FILE *g = open_memstream(&expected, &expected_size);

		assert_non_null(g);
		assert_int_equal(session_write_text(ctx.summary, g), 0);
		fclose(g);
		assert_string_equal(text, expected);
		free(expected);
	}
	free(text);
	session_free(session);
	snapshot_unref(snap);
}

/* ------------------------------------------------- network namespaces */

enum { NS_HOST = 4026531840u, NS_WEB = 4026532290u, NS_BLUE = 4026532777u };
static const char evil_netns[] = "bl\x1b[2Jue,\"x\"\x07";

static struct sock_entry *
ns_entry(struct snapshot *snap, uint32_t netns, enum tcp_state state, uint16_t lport,
         uint8_t remote_last, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->family = AF_INET;
	e->netns = netns;
	e->state = (uint8_t)state;
	e->cookie = 100 + snap->n_entries;
	e->local_addr[0] = 10;
	e->local_addr[3] = 1;
	e->local_port = lport;
	if (rport != 0) {
		e->remote_addr[0] = 10;
		e->remote_addr[3] = remote_last;
		e->remote_port = rport;
	}
	return e;
}

/*
 * Three namespaces: the host (2 sockets: a listener on 22, one
 * connection to 10.0.0.5), web-1 (3: a listener on 80, two connections to
 * 10.0.0.9:443), and a named namespace with a hostile name (2 TIME_WAIT
 * to 10.0.0.9:443 as well), listed out of order before sealing.
 */
static struct snapshot *
ns_snapshot(bool table)
{
	struct snapshot *snap = snapshot_new(8);
	struct snapshot_netns *ns;

	assert_non_null(snap);
	snap->taken_wall.tv_sec = 1700000000;
	ns_entry(snap, NS_HOST, TCP_STATE_LISTEN, 22, 0, 0);
	ns_entry(snap, NS_HOST, TCP_STATE_ESTABLISHED, 22, 5, 51000);
	ns_entry(snap, NS_WEB, TCP_STATE_LISTEN, 80, 0, 0);
	ns_entry(snap, NS_WEB, TCP_STATE_ESTABLISHED, 41000, 9, 443);
	ns_entry(snap, NS_WEB, TCP_STATE_ESTABLISHED, 41001, 9, 443);
	ns_entry(snap, NS_BLUE, TCP_STATE_TIME_WAIT, 42000, 9, 443);
	ns_entry(snap, NS_BLUE, TCP_STATE_TIME_WAIT, 42001, 9, 443);
	if (table) {
		ns = snapshot_add_netns(snap, NS_WEB);
		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_CONTAINER;
		snprintf(ns->info.runtime, sizeof(ns->info.runtime), "docker");
		snprintf(ns->info.name, sizeof(ns->info.name), "web-1");
		snprintf(ns->info.id, sizeof(ns->info.id), "3f2a9c0e1b7d");
		ns = snapshot_add_netns(snap, NS_BLUE);
		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_NAMED;
		snprintf(ns->info.name, sizeof(ns->info.name), "%s", evil_netns);
		ns = snapshot_add_netns(snap, NS_HOST);
		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_HOST;
		ns->info.pid = 1;
	}
	snapshot_seal(snap);
	return snap;
}

static char *
render_ctx(const struct output_format *format, enum output_view view, struct output_context *ctx)
{
	/* Static: the stream keeps their addresses until fclose(), which
	 * gcc 12 at -O3 takes for the result pointing into this frame. */
	static char *text;
	static size_t size;
	FILE *f;

	text = NULL;
	size = 0;
	f = open_memstream(&text, &size);

	assert_non_null(f);
	assert_int_equal(output_print(format, view, f, ctx), 0);
	fclose(f);
	return text;
}

/* No byte of text outside printable ASCII and newlines. */
static void
assert_clean(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		assert_true(c == '\n' || (c >= 0x20 && c != 0x7f && c < 0x80));
	}
}

/* THE RULE: without a namespace table every view in every format is
 * byte for byte what it is for sockets without a namespace, and names no
 * namespace. */
static void
test_netns_without_table(void **state)
{
	static const struct output_format *const formats[] = {&output_text, &output_json,
	                                                      &output_csv};
	struct snapshot *snap = ns_snapshot(false), *plain = ns_snapshot(false);

	(void)state;
	for (size_t i = 0; i < plain->n_entries; i++)
		plain->entries[i].netns = 0;
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++)
		for (size_t f = 0; f < 3; f++) {
			char *a, *b;

			if (!output_view_has_format((enum output_view)v, formats[f], NULL, 0) ||
			    v == OUTPUT_VIEW_DIAGNOSES || v == OUTPUT_VIEW_SUMMARY)
				continue;
			a = render(formats[f], (enum output_view)v, snap, NULL);
			b = render(formats[f], (enum output_view)v, plain, NULL);
			assert_string_equal(a, b);
			if (v != OUTPUT_VIEW_NAMESPACES)
				assert_null(strstr(a, "netns"));
			assert_null(strstr(a, "NETNS"));
			assert_null(strstr(a, "web-1"));
			free(a);
			free(b);
		}
	/* The namespaces view has no rows then: text says why. */
	{
		char *text = render(&output_text, OUTPUT_VIEW_NAMESPACES, snap, NULL);

		assert_string_equal(text, "# 2023-11-14T22:13:20.000Z, no namespace table (choose "
		                          "namespaces with --netns or -N)\n");
		free(text);
		text = render(&output_json, OUTPUT_VIEW_NAMESPACES, snap, NULL);
		assert_string_equal(text, "");
		free(text);
	}
	snapshot_unref(snap);
	snapshot_unref(plain);
}

static bool
only_established(const void *filter, const struct sock_entry *e)
{
	(void)filter;
	return e->state == TCP_STATE_ESTABLISHED;
}

static void
test_namespaces_view(void **state)
{
	struct snapshot *snap = ns_snapshot(true);
	struct output_context ctx = {.snap = snap, .interval_s = 1, .sort_column = -1};
	char *text;
	const char *web, *blue, *host;

	(void)state;
	assert_true(output_view_needs(OUTPUT_VIEW_NAMESPACES) & OUTPUT_NEED_SELECTED);
	text = render_ctx(&output_text, OUTPUT_VIEW_NAMESPACES, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, "# 2023-11-14T22:13:20.000Z, 3 namespaces, 7 sockets\n"));
	/* The name column is as wide as the widest shown name (the hostile
	 * one: 19 cells), then inode, kind, total, the 11 states. */
	assert_non_null(strstr(text, "\nNETNS                    INODE KIND        TOTAL LISTEN "
	                             "SYN_SENT SYN_RECV ESTABLISHED"));
	/* The busiest first, ties by name: web-1 (3), then the hostile
	 * name and the host (2 each; "b" before "h"). */
	web = strstr(text, "\nweb-1               4026532290 container       3      1 ");
	blue = strstr(text, "\nbl\\x1b[2Jue,\"x\"\\x07 4026532777 named           2      0 ");
	host = strstr(text, "\nhost                4026531840 host            2      1 ");
	assert_non_null(web);
	assert_non_null(blue);
	assert_non_null(host);
	assert_true(web < blue && blue < host);
	free(text);

	text = render_ctx(&output_json, OUTPUT_VIEW_NAMESPACES, &ctx);
	assert_clean(text);
	assert_non_null(strstr(
	    text, "{\"time\": \"2023-11-14T22:13:20.000Z\", \"netns\": \"web-1\", \"inode\": "
	          "4026532290, \"kind\": \"container\", \"total\": 3, \"states\": {\"LISTEN\": 1, "
	          "\"SYN_SENT\": 0, \"SYN_RECV\": 0, \"ESTABLISHED\": 2, "));
	assert_non_null(strstr(text, "\"netns\": \"bl\\u001b[2Jue,\\\"x\\\"\\u0007\", "
	                             "\"inode\": 4026532777, \"kind\": \"named\", \"total\": 2, "));
	free(text);

	ctx.header_written = false;
	text = render_ctx(&output_csv, OUTPUT_VIEW_NAMESPACES, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, "time,netns,inode,kind,total,LISTEN,SYN_SENT,SYN_RECV,"
	                             "ESTABLISHED,FIN_WAIT1,FIN_WAIT2,CLOSE_WAIT,CLOSING,LAST_ACK,"
	                             "TIME_WAIT,CLOSE\n"));
	assert_non_null(strstr(text, "\n2023-11-14T22:13:20.000Z,web-1,4026532290,container,3,1,0,"
	                             "0,2,0,0,0,0,0,0,0\n"));
	assert_non_null(strstr(text, ",\"bl\\x1b[2Jue,\"\"x\"\"\\x07\",4026532777,named,2,0,"));
	free(text);

	/* The filter counts what it selects, per namespace. */
	ctx.match = only_established;
	ctx.header_written = true;
	text = render_ctx(&output_csv, OUTPUT_VIEW_NAMESPACES, &ctx);
	assert_non_null(strstr(text, "Z,web-1,4026532290,container,2,0,0,0,2,"));
	assert_non_null(strstr(text, "Z,host,4026531840,host,1,0,0,0,1,"));
	assert_non_null(strstr(text, "\",4026532777,named,0,0,0,0,0,"));
	free(text);
	snapshot_unref(snap);
}

static void
test_states_json_namespaces(void **state)
{
	struct snapshot *snap = ns_snapshot(true), *plain = ns_snapshot(false);
	char *text, *before;

	(void)state;
	text = render(&output_json, OUTPUT_VIEW_STATES, snap, NULL);
	assert_clean(text);
	/* Today's keys, the sums, first; then each namespace. */
	assert_non_null(strstr(text, "{\"time\": \"2023-11-14T22:13:20.000Z\", \"interval\": 1, "
	                             "\"total\": 7, \"states\": {\"LISTEN\": 2, "));
	assert_non_null(strstr(text, "\"CLOSE\": 0}, \"namespaces\": [{\"netns\": \"web-1\", "
	                             "\"inode\": 4026532290, \"total\": 3, \"states\": {\"LISTEN\": 1, "
	                             "\"SYN_SENT\": 0, \"SYN_RECV\": 0, \"ESTABLISHED\": 2, "));
	assert_non_null(strstr(text, "}}, {\"netns\": \"bl\\u001b[2Jue,\\\"x\\\"\\u0007\", "
	                             "\"inode\": 4026532777, \"total\": 2, "));
	assert_non_null(strstr(text, "\"TIME_WAIT\": 0, \"CLOSE\": 0}}]}\n"));
	free(text);
	/* Text: the sums as without namespaces, then one line per namespace
	 * in the same order, its name last and sanitized. */
	text = render(&output_text, OUTPUT_VIEW_STATES, snap, NULL);
	before = render(&output_text, OUTPUT_VIEW_STATES, plain, NULL);
	assert_clean(text);
	assert_int_equal(strncmp(text, before, strlen(before)), 0);
	assert_non_null(strstr(text, "\n2023-11-14T22:13:20.000Z   inode=4026532290 total=3 LISTEN=1 "));
	assert_non_null(strstr(text, " CLOSE=0 netns=web-1\n"));
	assert_non_null(strstr(text, "   inode=4026532777 total=2 "));
	assert_true(strstr(text, "netns=web-1") < strstr(text, "inode=4026532777"));
	assert_null(strchr(text, '\033'));
	free(text);
	free(before);
	snapshot_unref(snap);
	snapshot_unref(plain);
}

static void
test_conns_netns(void **state)
{
	struct snapshot *snap = ns_snapshot(true);
	struct output_context ctx = {.snap = snap, .interval_s = 1, .sort_column = COL_NETNS};
	char *text;
	const char *blue, *host, *web;

	(void)state;
	text = render_ctx(&output_text, OUTPUT_VIEW_CONNS, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, "\nNETNS               PROTO STATE "));
	/* Sorted by name: the hostile name, host, web-1. */
	blue = strstr(text, "\nbl\\x1b[2Jue,\"x\"\\x07 tcp   TIME_WAIT ");
	host = strstr(text, "\nhost                tcp   LISTEN ");
	web = strstr(text, "\nweb-1               tcp   ESTABLISHED ");
	assert_non_null(blue);
	assert_non_null(host);
	assert_non_null(web);
	assert_true(blue < host && host < web);
	free(text);
	ctx.sort_descending = true;
	text = render_ctx(&output_text, OUTPUT_VIEW_CONNS, &ctx);
	assert_true(strstr(text, "\nweb-1 ") < strstr(text, "\nhost "));
	free(text);

	ctx.sort_column = -1;
	text = render_ctx(&output_json, OUTPUT_VIEW_CONNS, &ctx);
	assert_clean(text);
	/* Last, after today's fields. */
	assert_non_null(strstr(text, "\"recv_rate\": null, \"netns\": \"host\"}\n"));
	assert_non_null(strstr(text, "\"netns\": \"bl\\u001b[2Jue,\\\"x\\\"\\u0007\"}\n"));
	free(text);
	text = render_ctx(&output_csv, OUTPUT_VIEW_CONNS, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, ",send_rate,recv_rate,netns\n"));
	assert_non_null(strstr(text, ",,,web-1\n"));
	assert_non_null(strstr(text, ",,,\"bl\\x1b[2Jue,\"\"x\"\"\\x07\"\n"));
	free(text);
	snapshot_unref(snap);
}

static void
test_listen_netns(void **state)
{
	struct snapshot *snap = ns_snapshot(true);
	char *text;

	(void)state;
	text = render(&output_text, OUTPUT_VIEW_LISTEN, snap, NULL);
	assert_clean(text);
	assert_non_null(strstr(text, "\nNETNS LOCAL       FAM "));
	assert_non_null(strstr(text, "\nhost  10.0.0.1:22 4 "));
	assert_non_null(strstr(text, "\nweb-1 10.0.0.1:80 4 "));
	free(text);
	text = render(&output_json, OUTPUT_VIEW_LISTEN, snap, NULL);
	assert_non_null(strstr(text, "\"syn_recv\": 0, \"netns\": \"web-1\"}\n"));
	free(text);
	text = render(&output_csv, OUTPUT_VIEW_LISTEN, snap, NULL);
	assert_non_null(strstr(text, ",established,syn_recv,netns\n"));
	assert_non_null(strstr(text, ",0,0,1,0,host\n"));
	free(text);
	snapshot_unref(snap);
}

/* 10.0.0.9 is seen from web-1 and from the hostile namespace: two rows,
 * ranked together. */
static void
test_peers_netns(void **state)
{
	struct snapshot *snap = ns_snapshot(true);
	struct output_context ctx = {
	    .snap = snap, .interval_s = 1, .sort_column = -1, .peers_by = PEERS_BY_TOTAL};
	char *text;
	const char *a, *b, *c;

	(void)state;
	text = render_ctx(&output_text, OUTPUT_VIEW_PEERS, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, ", 5 connections, ranked by total\n"));
	assert_non_null(strstr(text, "\nNETNS               REMOTE-ADDR   TOTAL "));
	/* 2, 2 (ties by namespace name), 1. */
	a = strstr(text, "\nbl\\x1b[2Jue,\"x\"\\x07 10.0.0.9          2 ");
	b = strstr(text, "\nweb-1               10.0.0.9          2 ");
	c = strstr(text, "\nhost                10.0.0.5          1 ");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	free(text);

	ctx.peers_top = 1;
	ctx.peers_by = TCP_STATE_ESTABLISHED;
	text = render_ctx(&output_json, OUTPUT_VIEW_PEERS, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, "\"remote_addrs\": [{\"addr\": \"10.0.0.9\", \"family\": "
	                             "\"ipv4\", \"total\": 2, \"states\": {\"ESTABLISHED\": 2}, "
	                             "\"netns\": \"web-1\"}]"));
	free(text);

	ctx.peers_top = 0;
	ctx.peers_by = PEERS_BY_TOTAL;
	text = render_ctx(&output_csv, OUTPUT_VIEW_PEERS, &ctx);
	assert_clean(text);
	assert_non_null(strstr(text, ",pid,process,user,netns\n"));
	assert_non_null(strstr(text, ",remote-addr,1,10.0.0.9,ipv4,2,0,0,0,0,0,0,0,0,0,2,0,,,,"
	                             "\"bl\\x1b[2Jue,\"\"x\"\"\\x07\"\n"));
	assert_non_null(strstr(text, ",remote-addr,2,10.0.0.9,ipv4,2,0,0,0,2,0,0,0,0,0,0,0,,,,web-1\n"));
	free(text);
	snapshot_unref(snap);
}

/* Every view in every format with the hostile namespace name: no control
 * byte gets out, and the name is there, shown or escaped. */
static void
test_hostile_netns_every_view(void **state)
{
	static const struct output_format *const formats[] = {&output_text, &output_json,
	                                                      &output_csv};
	struct snapshot *snap = ns_snapshot(true), *prev = ns_snapshot(true);

	(void)state;
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++)
		for (size_t f = 0; f < 3; f++) {
			char *text;

			if (!output_view_has_format((enum output_view)v, formats[f], NULL, 0) ||
			    v == OUTPUT_VIEW_DIAGNOSES || v == OUTPUT_VIEW_SUMMARY)
				continue;
			text = render(formats[f], (enum output_view)v, snap, prev);
			assert_clean(text);
			if (v == OUTPUT_VIEW_NAMESPACES || v == OUTPUT_VIEW_CONNS ||
			    v == OUTPUT_VIEW_PEERS || (v == OUTPUT_VIEW_STATES && f == 1))
				assert_non_null(strstr(text, f == 1 ? "bl\\u001b[2Jue"
				                                    : "bl\\x1b[2Jue"));
			free(text);
		}
	snapshot_unref(snap);
	snapshot_unref(prev);
}

/* The NETNS column of the connection table: a row's namespace from the
 * snapshot's table; sorted by name, none last. */
static void
test_netns_column(void **state)
{
	struct snapshot *snap = ns_snapshot(true);
	struct sock_entry orphan;
	struct conn_context cc = {.snap = snap};
	struct conn_row rows[3];
	char cell[64];

	(void)state;
	assert_int_equal(conn_column_find("netns"), COL_NETNS);
	assert_non_null(strstr(conn_column_names(), "netns"));
	memset(rows, 0, sizeof(rows));
	memset(&orphan, 0, sizeof(orphan));
	orphan.netns = 12345; /* in no table: a tombstone's that left */
	rows[0].entry = &snap->entries[2]; /* web-1 */
	rows[1].entry = &orphan;           /* unknown */
	rows[2].entry = &snap->entries[0]; /* host */
	conn_column(COL_NETNS)->format(&rows[1], &cc, cell, sizeof(cell));
	assert_string_equal(cell, "-");
	conn_column(COL_NETNS)->format(&rows[0], &cc, cell, sizeof(cell));
	assert_string_equal(cell, "web-1");
	conn_rows_sort(rows, 3, COL_NETNS, false, &cc);
	assert_ptr_equal(rows[0].entry, &snap->entries[0]); /* host */
	assert_ptr_equal(rows[1].entry, &snap->entries[2]); /* web-1 */
	assert_ptr_equal(rows[2].entry, &orphan);           /* none */
	conn_rows_sort(rows, 3, COL_NETNS, true, &cc);
	assert_ptr_equal(rows[0].entry, &orphan);
	assert_ptr_equal(rows[2].entry, &snap->entries[0]);
	/* Only asked for: the field. */
	{
		const struct conn_field_def *f[64];
		size_t n = conn_fields_of(CONN_FIELD_CSV, f, 64), m;

		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(f[i]->name, "netns");
		m = conn_fields_of(CONN_FIELD_CSV | CONN_FIELD_NETNS, f, 64);
		assert_int_equal(m, n + 1);
		assert_string_equal(f[n]->name, "netns");
	}
	snapshot_unref(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_view_table),
	    cmocka_unit_test(test_needs_decide_the_dump),
	    cmocka_unit_test(test_fields_cover_columns),
	    cmocka_unit_test(test_fixed_matches_printf),
	    cmocka_unit_test(test_duration_matches_printf),
	    cmocka_unit_test(test_u64),
	    cmocka_unit_test(test_ip_matches_inet_ntop),
	    cmocka_unit_test(test_number_columns_match_printf),
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_outbuf_blocks),
	    cmocka_unit_test(test_hostile_names_every_view),
	    cmocka_unit_test(test_text_aligned_on_width),
	    cmocka_unit_test(test_summary_view),
	    cmocka_unit_test(test_netns_without_table),
	    cmocka_unit_test(test_namespaces_view),
	    cmocka_unit_test(test_states_json_namespaces),
	    cmocka_unit_test(test_conns_netns),
	    cmocka_unit_test(test_listen_netns),
	    cmocka_unit_test(test_peers_netns),
	    cmocka_unit_test(test_hostile_netns_every_view),
	    cmocka_unit_test(test_netns_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
