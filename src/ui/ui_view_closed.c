/*
 * ui_view_closed.c - connections the kernel closed, tcplife style: the
 * newest first, each with its time, endpoints, owner, lifetime, bytes
 * each way, rtt, retransmits and the state a sample last saw it in, under
 * a line of exact rates (closes, short-lived, opens per second, events
 * lost).  The filter applies, as to the connection table, to a closed
 * connection in the state a sample last saw it in (CLOSE when none did).
 * Main thread only; reads the pipeline's closed-connection model.
 */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "filter.h"
#include "format.h"
#include "sock_format.h"
#include "ui_internal.h"

struct closed_view {
	struct ui_scroll scroll;
};

static bool
selected(const struct ui *ui, const struct closed_conn *c)
{
	struct sock_entry e = c->ev.entry;

	if (ui->filter == NULL)
		return true;
	e.state = c->seen ? c->last_state : TCP_STATE_CLOSE;
	return filter_match(ui->filter, &e);
}

static void
closed_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct closed_view *v = state;
	const struct closed_model *m = pipeline_closed(ui->pipe);
	const struct snapshot *snap = pipeline_latest(ui->pipe);
	const struct closed_interval *iv;
	const struct closed_totals *tot;
	size_t n, shown = 0;
	int row = top + 2;
	char opens[32];

	if (m == NULL || snap == NULL || !snap->has_closes) {
		mvaddnstr(top + 1, 2,
			  snap == NULL ? "waiting for the first sample..."
				       : "this source does not hear closed connections "
					 "(a replay of an older recording, or an ss dump)",
			  cols - 2);
		return;
	}
	iv = closed_model_interval(m);
	tot = closed_model_totals(m);
	attrset(iv->lost > 0 ? ui_term_attr(ui, UI_COLOR_WATCH) : (int)A_BOLD);
	if (iv->has_opens)
		snprintf(opens, sizeof(opens), "%.1f", iv->opened_per_s);
	else
		snprintf(opens, sizeof(opens), "-");
	ui_putf(top, 0, cols,
		"closes/s %.1f  short-lived/s %.1f  opens/s %s  events lost: %" PRIu64
		"  (in all %" PRIu64 " closed, %" PRIu64 " short-lived)",
		iv->closed_per_s, iv->short_lived_per_s, opens, tot->lost, tot->closed,
		tot->short_lived);
	attrset(A_BOLD);
	mvprintw(top + 1, 0, "%-12s %-24s %-24s %-20s %9s %9s %9s %7s %4s %s", "TIME", "LOCAL",
		 "REMOTE", "OWNER", "LIFETIME", "SENT", "RECEIVED", "RTT", "RETR", "LAST");
	attrset(A_NORMAL);
	n = closed_model_count(m);
	ui_scroll_fit(&v->scroll, n, height - 2);
	for (size_t k = n; k-- > 0 && row < top + height;) {
		const struct closed_conn *c = closed_model_get(m, k);
		char when[16], local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX];
		char owner[40], life[16], sent[16], recv[16], rtt[16];
		time_t t = (time_t)(c->ev.time_ns / 1000000000ull);
		struct tm tm;

		if (!selected(ui, c) || (int)shown++ < v->scroll.top)
			continue;
		localtime_r(&t, &tm);
		snprintf(when, sizeof(when), "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned int)(c->ev.time_ns / 1000000ull % 1000));
		sock_format_endpoint(&c->ev.entry, 0, local, sizeof(local));
		sock_format_endpoint(&c->ev.entry, 1, remote, sizeof(remote));
		if (c->pid != 0)
			snprintf(owner, sizeof(owner), "%d/%s", (int)c->pid, c->process);
		else
			snprintf(owner, sizeof(owner), "-");
		if (c->seen)
			format_duration(c->lifetime_s, life, sizeof(life));
		else
			snprintf(life, sizeof(life), "<interval");
		format_count(c->ev.entry.bytes_acked, sent, sizeof(sent));
		format_count(c->ev.entry.bytes_received, recv, sizeof(recv));
		format_duration((double)c->ev.entry.rtt_us / 1e6, rtt, sizeof(rtt));
		/* Never sampled: the connections polling alone would miss. */
		attrset(c->seen ? (int)A_NORMAL : ui_term_attr(ui, UI_COLOR_WATCH));
		mvprintw(row, 0, "%-12s %-24.24s %-24.24s ", when, local, remote);
		/* The process name is someone else's string. */
		ui_put(row, 63, owner, 20);
		mvprintw(row, 84, "%9s %9s %9s %7s %4u %s", life, sent, recv, rtt,
			 c->ev.entry.total_retrans,
			 c->seen ? tcp_state_name(c->last_state) : "-");
		attrset(A_NORMAL);
		row++;
	}
}

static struct ui_scroll *
closed_scroll(void *state)
{
	return &((struct closed_view *)state)->scroll;
}

static const struct ui_key closed_keys[] = {
	UI_SCROLL_KEYS_LINE,
};

const struct ui_view ui_view_closed = {
	.key = '9',
	.title = "closed",
	.help = "connections closed, newest first, even those shorter than an interval",
	.state_size = sizeof(struct closed_view),
	.draw = closed_draw,
	.scroll = closed_scroll,
	.keys = closed_keys,
	.n_keys = sizeof(closed_keys) / sizeof(closed_keys[0]),
};
