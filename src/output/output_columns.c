/*
 * output_columns.c - the listen view's column table, --columns lists of
 * either view, and what the chosen columns cost (output_columns.h).
 * Pure; any thread, but output_columns_names() writes a static buffer
 * (main thread).  Prints nothing: errors go back as a message.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conn_columns.h"
#include "output_columns.h"

static const struct listen_column_def listen_columns[LISTEN_COL_COUNT] = {
	[LISTEN_COL_NETNS] = {"netns", "NETNS", 0, false, false},
	[LISTEN_COL_LOCAL] = {"local", "LOCAL", 0, false, false},
	[LISTEN_COL_FAM] = {"fam", "FAM", 4, false, false},
	[LISTEN_COL_PID] = {"pid", "PID", 9, true, true},
	[LISTEN_COL_USER] = {"user", "USER", 0, false, true},
	[LISTEN_COL_PROCESS] = {"process", "PROCESS", 15, false, true},
	[LISTEN_COL_ACCEPTQ] = {"acceptq", "ACCEPTQ", 8, true, false},
	[LISTEN_COL_BACKLOG] = {"backlog", "BACKLOG", 8, true, false},
	[LISTEN_COL_ESTAB] = {"estab", "ESTAB", 8, true, false},
	[LISTEN_COL_SYN_RECV] = {"syn_recv", "SYN_RECV", 8, true, false},
};

const struct listen_column_def *
listen_column(enum listen_column column)
{
	return (unsigned int)column < LISTEN_COL_COUNT ? &listen_columns[column] : NULL;
}

bool
output_columns_apply(enum output_view view)
{
	return view == OUTPUT_VIEW_LISTEN || view == OUTPUT_VIEW_CONNS;
}

/* The column of `view` called `name` (len bytes), or -1. */
static int
find_column(enum output_view view, const char *name, size_t len)
{
	if (view == OUTPUT_VIEW_CONNS) {
		for (int c = 0; c < COL_COUNT; c++) {
			const struct conn_column_def *def = conn_column((enum conn_column)c);

			if ((strlen(def->name) == len && strncasecmp(def->name, name, len) == 0) ||
			    (strlen(def->title) == len && strncasecmp(def->title, name, len) == 0))
				return c;
		}
		return -1;
	}
	for (int c = 0; c < LISTEN_COL_COUNT; c++)
		if (strlen(listen_columns[c].name) == len &&
		    strncasecmp(listen_columns[c].name, name, len) == 0)
			return c;
	return -1;
}

const char *
output_columns_names(enum output_view view)
{
	static char names[2][256];
	char *buf = names[view == OUTPUT_VIEW_LISTEN];
	size_t used = 0;

	if (view == OUTPUT_VIEW_CONNS)
		return conn_column_names();
	if (view != OUTPUT_VIEW_LISTEN)
		return "";
	buf[0] = '\0';
	for (int c = 0; c < LISTEN_COL_COUNT; c++) {
		int w = snprintf(buf + used, sizeof(names[0]) - used, "%s%s", c > 0 ? ", " : "",
				 listen_columns[c].name);

		if (w < 0 || (size_t)w >= sizeof(names[0]) - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

int
output_columns_parse(enum output_view view, const char *list, struct output_columns *out,
		     char *msg, size_t msg_len)
{
	const char *p = list;
	const struct output_view_def *def = output_view(view);

	memset(out, 0, sizeof(*out));
	if (!output_columns_apply(view)) {
		snprintf(msg, msg_len, "--columns applies to --view conns and --view listen, not %s",
			 def != NULL ? def->name : "this view");
		return -1;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		int column = find_column(view, p, len);

		if (len == 0) {
			snprintf(msg, msg_len, "--columns: empty column name in '%s': expected "
				 "names separated by commas from %s", list,
				 output_columns_names(view));
			return -1;
		}
		if (column < 0) {
			snprintf(msg, msg_len, "unknown column '%.*s' for --view %s: expected one of %s",
				 (int)(len > 64 ? 64 : len), p, def->name, output_columns_names(view));
			return -1;
		}
		for (size_t i = 0; i < out->n; i++) {
			if (out->ids[i] == column) {
				snprintf(msg, msg_len, "--columns: column '%.*s' is given twice",
					 (int)(len > 64 ? 64 : len), p);
				return -1;
			}
		}
		/* Every column at most once: the list cannot overflow. */
		out->ids[out->n++] = column;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* What one conns column needs beyond the socket's base message. */
static unsigned int
conn_column_needs(int column)
{
	switch (column) {
	case COL_PID:
	case COL_PROCESS:
	case COL_USER:
		return OUTPUT_NEED_OWNERS;
	case COL_RTT:
	case COL_RETRANS:
	case COL_SENT:
	case COL_RECEIVED:
		return OUTPUT_NEED_TCP_INFO;
	case COL_SEND_RATE:
	case COL_RECV_RATE:
		/* Rates are bytes (tcp_info) over time (tracked sockets). */
		return OUTPUT_NEED_TCP_INFO | OUTPUT_NEED_CONNTRACK;
	case COL_AGE:
		return OUTPUT_NEED_CONNTRACK;
	default:
		return 0;
	}
}

unsigned int
output_needs(enum output_view view, const struct output_columns *cols)
{
	unsigned int needs = output_view_needs(view);
	unsigned int optional = OUTPUT_NEED_OWNERS | OUTPUT_NEED_TCP_INFO | OUTPUT_NEED_CONNTRACK;
	unsigned int wanted = 0;

	if (cols == NULL || cols->n == 0 || !output_columns_apply(view))
		return needs;
	for (size_t i = 0; i < cols->n; i++) {
		if (view == OUTPUT_VIEW_CONNS)
			wanted |= conn_column_needs(cols->ids[i]);
		else if (listen_column((enum listen_column)cols->ids[i])->owner)
			wanted |= OUTPUT_NEED_OWNERS;
	}
	return (needs & ~optional) | (needs & optional & wanted);
}
