/*
 * nl_query.c - one socket's full tcp_info, by its id and cookie.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "nl_query.h"
#include "nl_request.h"
#include "tcp_state.h"

/* Field names and offsets of linux/tcp.h (the bit fields for window
 * scales are left out). */
static const struct tcp_info_field fields[] = {
	{"state", offsetof(struct tcp_info, tcpi_state), 1, ""},
	{"ca_state", offsetof(struct tcp_info, tcpi_ca_state), 1, ""},
	{"retransmits", offsetof(struct tcp_info, tcpi_retransmits), 1, ""},
	{"probes", offsetof(struct tcp_info, tcpi_probes), 1, ""},
	{"backoff", offsetof(struct tcp_info, tcpi_backoff), 1, ""},
	{"options", offsetof(struct tcp_info, tcpi_options), 1, ""},
	{"rto", offsetof(struct tcp_info, tcpi_rto), 4, "us"},
	{"ato", offsetof(struct tcp_info, tcpi_ato), 4, "us"},
	{"snd_mss", offsetof(struct tcp_info, tcpi_snd_mss), 4, "bytes"},
	{"rcv_mss", offsetof(struct tcp_info, tcpi_rcv_mss), 4, "bytes"},
	{"unacked", offsetof(struct tcp_info, tcpi_unacked), 4, ""},
	{"sacked", offsetof(struct tcp_info, tcpi_sacked), 4, ""},
	{"lost", offsetof(struct tcp_info, tcpi_lost), 4, ""},
	{"retrans", offsetof(struct tcp_info, tcpi_retrans), 4, ""},
	{"fackets", offsetof(struct tcp_info, tcpi_fackets), 4, ""},
	{"last_data_sent", offsetof(struct tcp_info, tcpi_last_data_sent), 4, "ms"},
	{"last_ack_sent", offsetof(struct tcp_info, tcpi_last_ack_sent), 4, "ms"},
	{"last_data_recv", offsetof(struct tcp_info, tcpi_last_data_recv), 4, "ms"},
	{"last_ack_recv", offsetof(struct tcp_info, tcpi_last_ack_recv), 4, "ms"},
	{"pmtu", offsetof(struct tcp_info, tcpi_pmtu), 4, "bytes"},
	{"rcv_ssthresh", offsetof(struct tcp_info, tcpi_rcv_ssthresh), 4, "bytes"},
	{"rtt", offsetof(struct tcp_info, tcpi_rtt), 4, "us"},
	{"rttvar", offsetof(struct tcp_info, tcpi_rttvar), 4, "us"},
	{"snd_ssthresh", offsetof(struct tcp_info, tcpi_snd_ssthresh), 4, ""},
	{"snd_cwnd", offsetof(struct tcp_info, tcpi_snd_cwnd), 4, ""},
	{"advmss", offsetof(struct tcp_info, tcpi_advmss), 4, "bytes"},
	{"reordering", offsetof(struct tcp_info, tcpi_reordering), 4, ""},
	{"rcv_rtt", offsetof(struct tcp_info, tcpi_rcv_rtt), 4, "us"},
	{"rcv_space", offsetof(struct tcp_info, tcpi_rcv_space), 4, "bytes"},
	{"total_retrans", offsetof(struct tcp_info, tcpi_total_retrans), 4, ""},
	{"pacing_rate", offsetof(struct tcp_info, tcpi_pacing_rate), 8, "bytes/s"},
	{"max_pacing_rate", offsetof(struct tcp_info, tcpi_max_pacing_rate), 8, "bytes/s"},
	{"bytes_acked", offsetof(struct tcp_info, tcpi_bytes_acked), 8, "bytes"},
	{"bytes_received", offsetof(struct tcp_info, tcpi_bytes_received), 8, "bytes"},
	{"segs_out", offsetof(struct tcp_info, tcpi_segs_out), 4, ""},
	{"segs_in", offsetof(struct tcp_info, tcpi_segs_in), 4, ""},
	{"notsent_bytes", offsetof(struct tcp_info, tcpi_notsent_bytes), 4, "bytes"},
	{"min_rtt", offsetof(struct tcp_info, tcpi_min_rtt), 4, "us"},
	{"data_segs_in", offsetof(struct tcp_info, tcpi_data_segs_in), 4, ""},
	{"data_segs_out", offsetof(struct tcp_info, tcpi_data_segs_out), 4, ""},
	{"delivery_rate", offsetof(struct tcp_info, tcpi_delivery_rate), 8, "bytes/s"},
	{"busy_time", offsetof(struct tcp_info, tcpi_busy_time), 8, "us"},
	{"rwnd_limited", offsetof(struct tcp_info, tcpi_rwnd_limited), 8, "us"},
	{"sndbuf_limited", offsetof(struct tcp_info, tcpi_sndbuf_limited), 8, "us"},
	{"delivered", offsetof(struct tcp_info, tcpi_delivered), 4, ""},
	{"delivered_ce", offsetof(struct tcp_info, tcpi_delivered_ce), 4, ""},
	{"bytes_sent", offsetof(struct tcp_info, tcpi_bytes_sent), 8, "bytes"},
	{"bytes_retrans", offsetof(struct tcp_info, tcpi_bytes_retrans), 8, "bytes"},
	{"dsack_dups", offsetof(struct tcp_info, tcpi_dsack_dups), 4, ""},
	{"reord_seen", offsetof(struct tcp_info, tcpi_reord_seen), 4, ""},
	{"rcv_ooopack", offsetof(struct tcp_info, tcpi_rcv_ooopack), 4, ""},
	{"snd_wnd", offsetof(struct tcp_info, tcpi_snd_wnd), 4, "bytes"},
};

const struct tcp_info_field *
tcp_info_fields(size_t *n)
{
	*n = sizeof(fields) / sizeof(fields[0]);
	return fields;
}

long long
tcp_info_value(const struct tcp_info_full *full, const struct tcp_info_field *field)
{
	const unsigned char *base = (const unsigned char *)&full->info + field->offset;
	uint64_t v64;
	uint32_t v32;

	if (field->offset + field->size > full->len)
		return -1;
	switch (field->size) {
	case 1:
		return *base;
	case 4:
		memcpy(&v32, base, 4);
		return v32;
	default:
		memcpy(&v64, base, 8);
		return (long long)(v64 > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v64);
	}
}

size_t
tcp_info_format(const struct tcp_info_full *full, const struct tcp_info_field *field, char *out,
		size_t width)
{
	static const char prefixes[] = "kMGTPE";
	long long v = tcp_info_value(full, field);
	const char *space = field->unit[0] != '\0' ? " " : "";
	char number[32];
	int len;

	out[0] = '\0';
	if (v < 0)
		return 0;
	/* The kernel's "no pacing limit" is ~0 (sk_pacing_rate and
	 * sk_max_pacing_rate start so), clamped by tcp_info_value() to
	 * 2^63-1 as 2^63-1 itself is. */
	if (v == LLONG_MAX && strstr(field->name, "pacing_rate") != NULL)
		len = snprintf(out, width + 1, "%s unlimited", field->name);
	else
		len = snprintf(out, width + 1, "%s %lld%s%s", field->name, v, space, field->unit);
	if (len >= 0 && (size_t)len <= width)
		return (size_t)len;
	/* Too long: scaled, one decimal, as in 12.3G. */
	{
		double scaled = (double)v / 1000;
		size_t k = 0;

		while (scaled >= 999.95 && k + 1 < sizeof(prefixes) - 1) {
			scaled /= 1000;
			k++;
		}
		snprintf(number, sizeof(number), "%.1f%c", scaled, prefixes[k]);
	}
	len = snprintf(out, width + 1, "%s %s%s%s", field->name, number, space, field->unit);
	if (len >= 0 && (size_t)len <= width)
		return (size_t)len;
	len = snprintf(out, width + 1, "%s %s", field->name, number);
	return len < 0 ? 0 : (size_t)len <= width ? (size_t)len : width;
}

struct query_state {
	struct tcp_info_full *out;
	int found;
};

static int
on_message(const struct nlmsghdr *nlh, void *data)
{
	struct query_state *qs = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct inet_diag_msg))
		return MNL_CB_ERROR;
	mnl_attr_for_each(attr, nlh, sizeof(struct inet_diag_msg)) {
		size_t len = mnl_attr_get_payload_len(attr);

		if (mnl_attr_get_type(attr) == INET_DIAG_INFO) {
			if (len > sizeof(qs->out->info))
				len = sizeof(qs->out->info);
			memcpy(&qs->out->info, mnl_attr_get_payload(attr), len);
			qs->out->len = len;
		} else if (mnl_attr_get_type(attr) == INET_DIAG_CONG) {
			snprintf(qs->out->congestion, sizeof(qs->out->congestion), "%.*s",
				 (int)len, (const char *)mnl_attr_get_payload(attr));
		}
	}
	qs->found = 1;
	return MNL_CB_OK;
}

int
nl_query_info(const struct sock_entry *e, struct tcp_info_full *out, char *cause,
	      size_t cause_len)
{
	return nl_query_info_fd(-1, e, out, cause, cause_len);
}

int
nl_query_info_fd(int fd, const struct sock_entry *e, struct tcp_info_full *out, char *cause,
		 size_t cause_len)
{
	struct query_state qs = {out, 0};
	int opening, err = 0;

	memset(out, 0, sizeof(*out));
	if (nl_request_socket_fd(fd, e, SOCK_DIAG_BY_FAMILY, 0, ~0u,
			      (1u << (INET_DIAG_INFO - 1)) | (1u << (INET_DIAG_CONG - 1)), on_message,
			      &qs, &opening) < 0)
		err = errno;
	if (err == 0 && qs.found)
		return 0;
	if (err == 0)
		err = ENOENT;
	if (opening)
		snprintf(cause, cause_len, "cannot open a sock_diag socket: %s", strerror(err));
	else
		snprintf(cause, cause_len, "%s",
			 err == ENOENT ? "the connection is gone" : strerror(err));
	errno = err;
	return -1;
}
