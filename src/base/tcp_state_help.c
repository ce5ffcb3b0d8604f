/*
 * tcp_state_help.c - the text of the TCP state help page.
 * Pure data plus a text writer; any thread.  Never exits.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tcp_state_help.h"

static const struct tcp_state_help help[TCP_STATE_COUNT] = {
	[TCP_STATE_LISTEN] = {
		TCP_STATE_LISTEN,
		"A server socket waiting for connections.  Its Recv-Q is the accept queue (handshakes "
		"done, not yet accept()ed) and its Send-Q the backlog, the queue's limit.",
		"server",
		"Stays until the program closes it.",
		"Many listeners are normal.  A listener whose accept queue is at its backlog is the "
		"problem: the program does not accept() fast enough, and new connections are dropped "
		"(ListenOverflows).",
	},
	[TCP_STATE_SYN_SENT] = {
		TCP_STATE_SYN_SENT,
		"connect() sent a SYN and waits for the peer's SYN-ACK.",
		"client",
		"ESTABLISHED on the SYN-ACK; gone on a reset (port closed) or after the SYN retries "
		"(net.ipv4.tcp_syn_retries, about two minutes).",
		"The peers do not answer: they are down or unreachable, a firewall drops the SYNs, or "
		"their listen queue is full.  Many different destinations from one process look like "
		"a scan.",
	},
	[TCP_STATE_SYN_RECV] = {
		TCP_STATE_SYN_RECV,
		"A server received a SYN and answered SYN-ACK; it waits for the client's final ACK.  "
		"These are request sockets, not yet seen by the program.",
		"server",
		"ESTABLISHED (into the accept queue) on the final ACK; dropped after the SYN-ACK "
		"retries (net.ipv4.tcp_synack_retries).",
		"Many from many addresses: a SYN flood (SYN cookies then get sent).  Many while the "
		"accept queue is full: the backlog is too small.  Few addresses: the final ACKs get "
		"lost, or TCP_DEFER_ACCEPT waits for data.",
	},
	[TCP_STATE_ESTABLISHED] = {
		TCP_STATE_ESTABLISHED,
		"An open connection: data flows both ways.",
		"both",
		"FIN_WAIT1 when this side closes first, CLOSE_WAIT when the peer does.",
		"Normal in any number.  Watch the queues instead: a growing Recv-Q means the program "
		"reads too slowly, a growing Send-Q that the peer or the network is slow.",
	},
	[TCP_STATE_FIN_WAIT1] = {
		TCP_STATE_FIN_WAIT1,
		"This side closed and sent a FIN; it waits for the peer to acknowledge it.",
		"the side closing first",
		"FIN_WAIT2 on the ACK, CLOSING when the peer's FIN crosses ours, TIME_WAIT when both "
		"arrive at once.",
		"The peer does not acknowledge: it is gone (a killed load generator, a rebooted host) or "
		"its window is closed and queued data cannot leave.  Orphaned ones end after "
		"net.ipv4.tcp_orphan_retries.",
	},
	[TCP_STATE_FIN_WAIT2] = {
		TCP_STATE_FIN_WAIT2,
		"Our FIN was acknowledged; we wait for the peer to close its side.",
		"the side closing first",
		"TIME_WAIT on the peer's FIN; an orphaned socket (closed by the program) is dropped "
		"after net.ipv4.tcp_fin_timeout (60 s).",
		"The peers never close their side: they leak connections (CLOSE_WAIT on their host), "
		"or this program used shutdown() and keeps the socket.  Old ones are the sign.",
	},
	[TCP_STATE_CLOSE_WAIT] = {
		TCP_STATE_CLOSE_WAIT,
		"The peer closed its side (we received its FIN); the kernel waits for this program "
		"to close() the socket.",
		"the side closed first by its peer",
		"LAST_ACK when the program calls close() or shutdown(SHUT_WR).  Nothing else ends it.",
		"Almost always a bug in the program holding them: a path that never closes the "
		"socket (errors, timeouts, early returns), or stuck worker threads.  They stay until "
		"the process exits.",
	},
	[TCP_STATE_CLOSING] = {
		TCP_STATE_CLOSING,
		"Both sides closed at the same time: our FIN crossed the peer's, and we wait for the "
		"ACK of ours.",
		"both",
		"TIME_WAIT on the ACK.",
		"Rare and short.  Many point to lost ACKs, like FIN_WAIT1.",
	},
	[TCP_STATE_LAST_ACK] = {
		TCP_STATE_LAST_ACK,
		"The peer closed first, then this side closed; we wait for the ACK of our FIN.",
		"the side closed first by its peer",
		"Gone on the ACK (no TIME_WAIT on this side); dropped after retries.",
		"The peer vanished after closing (a killed client, a NAT that forgot the flow) or its "
		"window is closed.",
	},
	[TCP_STATE_TIME_WAIT] = {
		TCP_STATE_TIME_WAIT,
		"The connection is over; the side that closed first keeps its four-tuple for 60 s so "
		"late packets of it cannot end up in a new connection.",
		"the side closing first",
		"Gone after 60 s (TCP_TIMEWAIT_LEN, fixed).",
		"Normal after many short connections.  A problem when they are toward one "
		"destination from ephemeral ports: each holds one of the local port range, and "
		"connect() fails with EADDRNOTAVAIL when the range is used up.  Reuse connections "
		"(keep-alive, pooling) or enable net.ipv4.tcp_tw_reuse.",
	},
	[TCP_STATE_CLOSE] = {
		TCP_STATE_CLOSE,
		"A socket with no connection: created or bound but neither listening nor connected, "
		"or already closed and about to be freed.",
		"either",
		"LISTEN on listen(), SYN_SENT on connect(), gone on close().",
		"Many bound but idle sockets usually come from a program that bind()s before "
		"connect() and then leaks them; each holds its port.",
	},
};

static const struct tcp_state_path paths[] = {
	{"Opening, client", "(connect) SYN_SENT -> ESTABLISHED",
	 "The client sends SYN, gets SYN-ACK, answers ACK."},
	{"Opening, server", "LISTEN: (SYN) SYN_RECV -> ESTABLISHED (accept queue) -> accept()",
	 "The request socket becomes a full socket on the final ACK and waits in the listener's "
	 "accept queue until the program accepts it."},
	{"Closing, the side that closes first",
	 "ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT (60 s) -> gone",
	 "Usually the client; HTTP servers that close idle keep-alive connections are the "
	 "exception and collect the TIME_WAIT themselves."},
	{"Closing, the side closed by its peer", "ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> gone",
	 "CLOSE_WAIT lasts until the program calls close(): it should be brief."},
	{"Closing at the same time", "ESTABLISHED -> FIN_WAIT1 -> CLOSING -> TIME_WAIT -> gone",
	 "Both FINs cross on the wire."},
};

const struct tcp_state_help *
tcp_state_help_get(enum tcp_state state)
{
	return (unsigned int)state < TCP_STATE_COUNT ? &help[state] : NULL;
}

size_t
tcp_state_help_paths(const struct tcp_state_path **out)
{
	*out = paths;
	return sizeof(paths) / sizeof(paths[0]);
}

/* Writes "label text" wrapped at width; the first line is indented by
 * indent spaces, the following ones by two more. */
static void
wrap(FILE *out, const char *label, const char *text, int indent, int width)
{
	int col = indent + (int)strlen(label);
	bool line_start = label[0] == '\0';

	fprintf(out, "%*s%s", indent, "", label);
	while (*text != '\0') {
		int word = (int)strcspn(text, " ");

		if (!line_start && col + 1 + word > width) {
			fprintf(out, "\n%*s", indent + 2, "");
			col = indent + 2;
			line_start = true;
		}
		if (!line_start) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, (size_t)word, out);
		col += word;
		line_start = false;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
}

int
tcp_state_help_write(FILE *out, int width)
{
	if (width < 40)
		width = 40;
	fputs("TCP states\n\n", out);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		const struct tcp_state_help *h = &help[s];

		fprintf(out, "%s (%s)\n", tcp_state_name(h->state), h->side);
		wrap(out, "", h->meaning, 2, width);
		wrap(out, "Leaves:", h->next, 2, width);
		wrap(out, "Many of them:", h->pileup, 2, width);
		fputc('\n', out);
	}
	fputs("Normal paths\n\n", out);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fprintf(out, "%s\n  %s\n", paths[i].name, paths[i].steps);
		wrap(out, "", paths[i].note, 2, width);
		fputc('\n', out);
	}
	if (fflush(out) == EOF || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
