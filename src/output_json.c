/*
 * output_json.c - batch output as JSON lines: one object per line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "format.h"
#include "listen.h"
#include "output.h"
#include "sock_format.h"

static int
json_states(FILE *out, const struct snapshot *snap, double interval_s)
{
	char when[40];

	format_rfc3339(&snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"interval\": %g, \"total\": %u, \"states\": {", when,
		interval_s, snap->total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, "%s\"%s\": %u", i > 0 ? ", " : "", tcp_state_name(i), snap->counts[i]);
	fputs("}}", out);
	return output_end_line(out);
}

/* A string field, or null. */
static void
json_string_or_null(FILE *out, const char *key, const char *value)
{
	fprintf(out, ", \"%s\": ", key);
	if (value == NULL)
		fputs("null", out);
	else
		sock_format_json_string(out, value);
}

static int
json_listen(FILE *out, const struct snapshot *snap, double interval_s)
{
	struct listen_row *rows;
	ssize_t n = listen_rows_build(snap, &rows);
	char when[40];

	(void)interval_s;
	if (n < 0)
		return -1;
	format_rfc3339(&snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		const struct owner_proc *owner = sock_format_owner(snap, e);
		char addr[SOCK_FORMAT_ADDR_MAX];

		sock_format_addr(e, 0, addr, sizeof(addr));
		/* "time" ties the lines of one sample together. */
		fprintf(out, "{\"time\": \"%s\", \"local_addr\": \"%s\", \"local_port\": %u, "
			     "\"family\": \"%s\"",
			when, addr, e->local_port, sock_format_family(e));
		if (owner != NULL)
			fprintf(out, ", \"pid\": %d", owner->pid);
		else
			fputs(", \"pid\": null", out);
		json_string_or_null(out, "process", owner != NULL ? owner->comm : NULL);
		json_string_or_null(out, "user", owner != NULL ? owner->user : NULL);
		fprintf(out,
			", \"accept_queue\": %u, \"backlog\": %u, \"established\": %u, "
			"\"syn_recv\": %u}",
			e->recv_q, e->send_q, rows[i].established, rows[i].syn_recv);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

const struct output_format output_json = {
	.name = "json",
	.states = json_states,
	.listen = json_listen,
};
