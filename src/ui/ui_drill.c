/*
 * ui_drill.c - one connection in detail: every field the sample holds,
 * its owner (with command line and cgroup), when tcpdeck first saw it and
 * the states it was seen in, sparklines of its rtt, congestion window and
 * throughput while the page is open, and ready-to-copy tcpdump and ss
 * expressions for exactly this connection.  The connection table opens,
 * feeds and frees it; the tracker it reads is the table's.  A connection
 * of another network namespace is asked about through a sock_diag socket
 * made in that namespace (netns_socket.h).  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "netns_find.h"
#include "netns_socket.h"
#include "sock_expr.h"
#include "sock_format.h"
#include "sparkline.h"
#include "ui_internal.h"

/* Samples kept for the sparklines. */
enum { POINTS = 240 };

struct ui_drill {
	uint64_t cookie; /* the socket: this cookie in this namespace */
	uint32_t netns;
	uint32_t rtt[POINTS], cwnd[POINTS], send[POINTS], recv[POINTS];
	size_t len;
	struct tcp_info_full info; /* asked of the kernel each sample */
	bool info_ok;
	char info_cause[128];
	/* The connection's namespace when it is not tcpdeck's own: the
	 * kernel finds a socket only through a sock_diag socket of its
	 * namespace, so one is made there for each query. */
	uint32_t self_netns;       /* tcpdeck's own; 0: unknown */
	struct netns_socket *ns;   /* opened on the first query; NULL */
	bool ns_tried;
};

struct ui_drill *
ui_drill_new(uint64_t cookie, uint32_t netns)
{
	struct ui_drill *d = calloc(1, sizeof(*d));

	if (d != NULL) {
		d->cookie = cookie;
		d->netns = netns;
		if (netns_self_inode(&netns_roots_system, &d->self_netns) < 0)
			d->self_netns = 0;
	}
	return d;
}

void
ui_drill_free(struct ui_drill *d)
{
	if (d != NULL)
		netns_socket_free(d->ns);
	free(d);
}

static bool
is_it(const struct ui_drill *d, const struct sock_entry *e)
{
	return e->cookie == d->cookie && e->netns == d->netns;
}

static const struct sock_entry *
find_entry(const struct snapshot *snap, const struct ui_drill *d)
{
	for (size_t i = 0; snap != NULL && i < snap->n_entries; i++)
		if (is_it(d, &snap->entries[i]))
			return &snap->entries[i];
	return NULL;
}

static void
push(uint32_t *ring, size_t len, uint32_t value)
{
	if (len == POINTS)
		memmove(ring, ring + 1, (POINTS - 1) * sizeof(*ring));
	ring[len == POINTS ? len - 1 : len] = value;
}

/* Opens the connection's namespace once, found by its inode among the
 * host's (the path may name another namespace by now: checked). */
static void
open_netns(struct ui_drill *d)
{
	struct netns_list list = {0};
	char cause[300];

	d->ns_tried = true;
	if (netns_find_all(&netns_roots_system, &list) < 0)
		return;
	for (size_t i = 0; i < list.n && d->ns == NULL; i++) {
		if (list.items[i].inode != d->netns || list.items[i].path[0] == '\0')
			continue;
		d->ns = netns_socket_open(list.items[i].path, false, false, cause, sizeof(cause));
		if (d->ns != NULL && netns_socket_inode(d->ns) != d->netns) {
			netns_socket_free(d->ns);
			d->ns = NULL;
		}
	}
	netns_list_free(&list);
}

/* Asks the kernel for the whole tcp_info of e, in e's namespace. */
static void
query_info(struct ui_drill *d, const struct sock_entry *e)
{
	int fd;

	if (e->netns == 0 || e->netns == d->self_netns) {
		d->info_ok = nl_query_info(e, &d->info, d->info_cause, sizeof(d->info_cause)) == 0;
		return;
	}
	if (d->ns == NULL && !d->ns_tried)
		open_netns(d);
	fd = d->ns != NULL ? netns_socket_diag(d->ns) : -1;
	if (fd < 0) {
		d->info_ok = false;
		snprintf(d->info_cause, sizeof(d->info_cause), "%s",
			 d->ns == NULL ? "cannot enter the connection's network namespace"
				       : "cannot open a sock_diag socket in its namespace");
		return;
	}
	d->info_ok = nl_query_info_fd(fd, e, &d->info, d->info_cause, sizeof(d->info_cause)) == 0;
}

void
ui_drill_sample(struct ui_drill *d, const struct snapshot *snap, const struct conntrack *ct)
{
	const struct sock_entry *e;
	const struct conn_info *info;

	if ((e = find_entry(snap, d)) == NULL)
		return;
	info = ct != NULL ? conntrack_get(ct, e->netns, e->cookie) : NULL;
	push(d->rtt, d->len, e->rtt_us);
	push(d->cwnd, d->len, e->snd_cwnd);
	push(d->send, d->len,
	     info != NULL && info->send_rate > 0 ? (uint32_t)(info->send_rate > 4e9 ? 4e9 : info->send_rate) : 0);
	push(d->recv, d->len,
	     info != NULL && info->recv_rate > 0 ? (uint32_t)(info->recv_rate > 4e9 ? 4e9 : info->recv_rate) : 0);
	if (d->len < POINTS)
		d->len++;
	/* The whole tcp_info and the congestion algorithm come from a query
	 * for this one socket: a dump keeps only what the table needs. */
	query_info(d, e);
}

/* Every tcp_info field the kernel gave, in columns; returns the next row. */
static int
draw_full_info(const struct ui_drill *d, int y, int rows, int cols)
{
	size_t n;
	const struct tcp_info_field *fields = tcp_info_fields(&n);
	int col_width = 30, per_row = cols > col_width ? (cols - 2) / col_width : 1, k = 0;

	if (!d->info_ok) {
		ui_putf(y++, 2, cols - 2, "tcp_info  (%s)", d->info_cause);
		return y;
	}
	if (d->info.len == 0) {
		mvprintw(y++, 2, "tcp_info  none given for this socket");
		return y;
	}
	ui_putf(y++, 2, cols - 2, "all of tcp_info (%zu bytes), congestion control %s",
		d->info.len, d->info.congestion[0] != '\0' ? d->info.congestion : "-");
	for (size_t i = 0; i < n && y < rows; i++) {
		char cell[64];

		/* Fitted to its column (a space left before the next). */
		if (tcp_info_format(&d->info, &fields[i], cell, (size_t)col_width - 1) == 0)
			continue; /* the kernel's struct is shorter */
		mvaddnstr(y, 2 + (k % per_row) * col_width, cell, col_width - 1);
		if (++k % per_row == 0)
			y++;
	}
	return k % per_row != 0 ? y + 1 : y;
}

/* Reads the first line of /proc/PID/cgroup ("0::/system.slice/x"). */
static void
read_cgroup(int pid, char *out, size_t size)
{
	char path[64], line[512];
	FILE *file;

	snprintf(out, size, "-");
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	file = fopen(path, "re");
	if (file == NULL)
		return;
	if (fgets(line, sizeof(line), file) != NULL) {
		char *colon = strrchr(line, ':');

		line[strcspn(line, "\n")] = '\0';
		const char *group = colon != NULL ? colon + 1 : line;
		size_t len = strlen(group);

		if (len >= size)
			len = size - 1;
		memcpy(out, group, len);
		out[len] = '\0';
	}
	fclose(file);
}

static void
spark_row(struct ui *ui, int row, int cols, const char *label, const uint32_t *values, size_t n,
	  const char *now)
{
	char spark[POINTS * 3 + 1];
	int width = cols - 30;
	size_t skip;

	if (width < 4)
		return;
	if ((size_t)width > n)
		width = (int)n;
	skip = n - (size_t)width;
	mvprintw(row, 2, "%-8s %-14s", label, now);
	if (n > 0 && sparkline_render(values + skip, (size_t)width, ui->charset, spark,
				      sizeof(spark)) > 0)
		mvaddstr(row, 27, spark);
}

/* A closed connection's tombstone while it lingers, or NULL. */
static const struct sock_entry *
tombstone(const struct ui_drill *d, const struct conntrack *ct, const struct conn_info **info)
{
	const struct sock_entry *e = NULL;

	for (size_t i = 0; ct != NULL && i < conntrack_gone_count(ct); i++) {
		const struct conn_info *gi;
		const struct sock_entry *g = conntrack_gone_entry(ct, i, &gi, NULL);

		if (is_it(d, g)) {
			e = g;
			*info = gi;
		}
	}
	return e;
}

void
ui_drill_copy(struct ui *ui, const struct ui_drill *d, const struct conntrack *ct)
{
	const struct sock_entry *e = find_entry(ui->shown, d);
	const struct conn_info *info = NULL;
	char text[2 * SOCK_EXPR_MAX + 2];
	size_t len;

	if (e == NULL)
		e = tombstone(d, ct, &info);
	if (e == NULL) {
		snprintf(ui->status, sizeof(ui->status), "not copied: the connection is gone");
		return;
	}
	/* One line each, as on the page, ready to paste into a shell. */
	if (sock_expr_tcpdump(e, text, SOCK_EXPR_MAX) == 0)
		text[0] = '\0';
	len = strlen(text);
	if (len > 0)
		text[len++] = '\n';
	if (sock_expr_ss(e, text + len, SOCK_EXPR_MAX) == 0)
		text[len] = '\0';
	if (text[0] == '\0') {
		snprintf(ui->status, sizeof(ui->status), "not copied: no expression for this socket");
		return;
	}
	ui_clip_copy(ui, text, "the tcpdump and ss lines");
}

void
ui_drill_draw(struct ui *ui, const struct ui_drill *d, const struct conntrack *ct)
{
	const struct sock_entry *e = find_entry(ui->shown, d);
	const struct conn_info *info = NULL;
	const struct owner_proc *owner;
	char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX], a[64], b[64], c[64];
	char expr[SOCK_EXPR_MAX];
	int rows, cols, y = 2;

	ui_page_begin(ui, " connection details: Esc or Enter returns, y copies the tcpdump and ss "
		      "lines", &rows, &cols);
	if (ui->status[0] != '\0') {
		attrset(A_BOLD);
		ui_put(rows - 1, 0, ui->status, cols);
		attrset(A_NORMAL);
		rows--;
	}
	if (e == NULL)
		e = tombstone(d, ct, &info);
	if (e == NULL) {
		mvaddnstr(2, 2, "the connection is gone", cols - 2);
		return;
	}
	if (info == NULL && ct != NULL)
		info = conntrack_get(ct, e->netns, e->cookie);
	sock_format_endpoint(e, 0, local, sizeof(local));
	sock_format_endpoint(e, 1, remote, sizeof(remote));
	attrset(A_BOLD);
	mvprintw(y++, 2, "%s  %s -> %s  %s%s", e->family == AF_INET ? "tcp" : "tcp6", local, remote,
		 tcp_state_name(e->state), info != NULL && info->mark == CONN_GONE ? "  (closed)" : "");
	attrset(A_NORMAL);
	owner = sock_format_owner(ui->shown, e);
	if (owner != NULL) {
		char cgroup[256];

		read_cgroup(owner->pid, cgroup, sizeof(cgroup));
		ui_putf(y++, 2, cols - 2, "owner     pid %d%s  user %s  cgroup %s", owner->pid,
			e->n_owners > 1 ? " (shared)" : "", owner->user, cgroup);
		ui_put(y++, 12, owner->cmdline[0] != '\0' ? owner->cmdline : owner->comm,
		       cols - 12);
	} else {
		mvprintw(y++, 2, "owner     %s",
			 e->owner_status == OWNER_HIDDEN  ? "another user's process (run as root)"
			 : e->owner_status == OWNER_NONE ? "none (no process holds this socket)"
							  : "not found");
	}
	mvprintw(y++, 2, "socket    inode %u  cookie %llu  uid %u  interface %u", e->inode,
		 (unsigned long long)e->cookie, e->uid, e->ifindex);
	if (ui->shown->n_netns > 0) {
		const struct snapshot_netns *ns = snapshot_find_netns(ui->shown, e->netns);
		char label[256];

		/* The label is raw (a container's name): drawn as such. */
		if (ns != NULL)
			netns_info_label(&ns->info, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "gone from the sample");
		ui_putf(y++, 2, cols - 2, "netns     %s  (inode %u; N or view 8 show it alone)",
			label, e->netns);
	}
	format_duration(e->timer_expires_ms / 1000.0, a, sizeof(a));
	mvprintw(y++, 2, "queues    recv %u  send %u   timer %s %s  retransmits %u", e->recv_q,
		 e->send_q,
		 e->timer == 1 ? "retransmit" : e->timer == 2 ? "keepalive" : e->timer == 3 ? "time-wait"
		 : e->timer == 4 ? "zero-window probe" : "none",
		 e->timer != 0 ? a : "", e->retrans);
	if (info != NULL) {
		int x;

		format_duration(conntrack_now(ct) - info->first_seen, a, sizeof(a));
		mvprintw(y, 2, "seen      first %s ago; states:", a);
		x = 35 + (int)strlen(a);
		for (int i = 0; i < info->n_states && x < cols - 20; i++) {
			format_duration(conntrack_now(ct) - conntrack_state_time(info, i), b, sizeof(b));
			mvprintw(y, x, "%s%s (%s ago)", i > 0 ? " -> " : "",
				 tcp_state_name(info->states[i]), b);
			x += (int)strlen(tcp_state_name(info->states[i])) + (int)strlen(b) + 10;
		}
		y++;
	}
	if (e->flags & SOCK_ENTRY_HAS_INFO) {
		format_duration(e->last_data_sent_ms / 1000.0, a, sizeof(a));
		format_duration(e->last_data_recv_ms / 1000.0, b, sizeof(b));
		mvprintw(y++, 2, "tcp_info  rtt %.3f ms  rttvar %.3f ms  cwnd %u  retransmitted %u",
			 e->rtt_us / 1000.0, e->rttvar_us / 1000.0, e->snd_cwnd, e->total_retrans);
		mvprintw(y++, 12, "bytes sent (acked) %llu  received %llu  segments in %u out %u",
			 (unsigned long long)e->bytes_acked, (unsigned long long)e->bytes_received,
			 e->segs_in, e->segs_out);
		mvprintw(y++, 12, "last send %s ago  last receive %s ago", a, b);
	} else {
		mvprintw(y++, 2, "tcp_info  none (the kernel keeps none for %s sockets)",
			 tcp_state_name(e->state));
	}
	y++;
	snprintf(a, sizeof(a), "%.2f ms", d->len ? d->rtt[d->len - 1] / 1000.0 : 0);
	spark_row(ui, y++, cols, "rtt", d->rtt, d->len, a);
	snprintf(b, sizeof(b), "%u", d->len ? d->cwnd[d->len - 1] : 0);
	spark_row(ui, y++, cols, "cwnd", d->cwnd, d->len, b);
	snprintf(c, sizeof(c), "%u B/s", d->len ? d->send[d->len - 1] : 0);
	spark_row(ui, y++, cols, "send", d->send, d->len, c);
	snprintf(c, sizeof(c), "%u B/s", d->len ? d->recv[d->len - 1] : 0);
	spark_row(ui, y++, cols, "receive", d->recv, d->len, c);
	y++;

	/* A listener's are its port (and address), not a peer's. */
	if (y < rows - 1 && sock_expr_tcpdump(e, expr, sizeof(expr)) > 0)
		mvaddnstr(y++, 2, expr, cols - 2);
	if (y < rows - 1 && sock_expr_ss(e, expr, sizeof(expr)) > 0)
		mvaddnstr(y++, 2, expr, cols - 2);
	/* Last, as much of the full tcp_info as the screen holds. */
	if ((e->flags & SOCK_ENTRY_HAS_INFO) && (info == NULL || info->mark != CONN_GONE) &&
	    y + 2 < rows)
		draw_full_info(d, y + 1, rows, cols);
}
