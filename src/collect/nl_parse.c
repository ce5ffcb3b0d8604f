/*
 * nl_parse.c - decoding of inet_diag messages.
 *
 * Layout facts come from linux/inet_diag.h and linux/tcp.h.  tcp_info grows
 * with every kernel: a field is used only when the attribute is long enough
 * to hold it, so both older and newer kernels parse correctly.
 * No I/O; any thread.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "nl_parse.h"

/* True when an attribute payload of len bytes holds tcp_info's field. */
#define TCP_INFO_HAS(len, field)                                              \
	((len) >= offsetof(struct tcp_info, field) +                          \
			  sizeof(((struct tcp_info *)0)->field))

/*
 * tcp_info's field, read in place from the attribute's payload p of len
 * bytes into out (of the field's size, zero before): as much of it as
 * the payload holds, as a copy of the payload over a zeroed tcp_info
 * would give.  Reading the few fields used in place spares that copy of
 * the whole structure per socket.  The payload is only 4-byte aligned.
 */
#define TCP_INFO_GET(p, len, field, out)                                                           \
	do {                                                                                       \
		_Static_assert(sizeof(out) == sizeof(((struct tcp_info *)0)->field),               \
			       "tcp_info field size");                                             \
		info_field((p), (len), offsetof(struct tcp_info, field), sizeof(out), &(out));     \
	} while (0)

static void
info_field(const void *p, size_t len, size_t offset, size_t size, void *out)
{
	if (len <= offset)
		return;
	memcpy(out, (const char *)p + offset, len - offset < size ? len - offset : size);
}

static void
copy_tcp_info(const struct nlattr *attr, struct sock_entry *entry)
{
	const void *p = (const char *)attr + MNL_ATTR_HDRLEN;
	size_t len = attr->nla_len - MNL_ATTR_HDRLEN; /* attr_ok() checked */
	uint64_t rwnd_limited = 0;
	uint32_t u32 = 0;

	/* The oldest layout any supported kernel sends reaches tcpi_rttvar. */
	if (!TCP_INFO_HAS(len, tcpi_rttvar))
		return;
	entry->flags |= SOCK_ENTRY_HAS_INFO;
	/* Fields the attribute may be too short for are zero then. */
	entry->rtt_us = 0;
	entry->rttvar_us = 0;
	entry->snd_cwnd = 0;
	entry->last_data_sent_ms = 0;
	entry->last_data_recv_ms = 0;
	TCP_INFO_GET(p, len, tcpi_rtt, entry->rtt_us);
	TCP_INFO_GET(p, len, tcpi_rttvar, entry->rttvar_us);
	TCP_INFO_GET(p, len, tcpi_snd_cwnd, entry->snd_cwnd);
	TCP_INFO_GET(p, len, tcpi_last_data_sent, entry->last_data_sent_ms);
	TCP_INFO_GET(p, len, tcpi_last_data_recv, entry->last_data_recv_ms);
	if (TCP_INFO_HAS(len, tcpi_total_retrans))
		TCP_INFO_GET(p, len, tcpi_total_retrans, entry->total_retrans);
	if (TCP_INFO_HAS(len, tcpi_bytes_acked))
		TCP_INFO_GET(p, len, tcpi_bytes_acked, entry->bytes_acked);
	if (TCP_INFO_HAS(len, tcpi_bytes_received))
		TCP_INFO_GET(p, len, tcpi_bytes_received, entry->bytes_received);
	if (TCP_INFO_HAS(len, tcpi_segs_in)) {
		TCP_INFO_GET(p, len, tcpi_segs_out, entry->segs_out);
		TCP_INFO_GET(p, len, tcpi_segs_in, entry->segs_in);
	}
	/* Microseconds, kept as wrapping milliseconds: only differences
	 * between samples are read. */
	if (TCP_INFO_HAS(len, tcpi_rwnd_limited)) {
		TCP_INFO_GET(p, len, tcpi_rwnd_limited, rwnd_limited);
		entry->rwnd_limited_ms = (uint32_t)(rwnd_limited / 1000);
	}
	/* Without the field a window of 0 would read as a closed one. */
	if (TCP_INFO_HAS(len, tcpi_snd_wnd)) {
		TCP_INFO_GET(p, len, tcpi_snd_wnd, u32);
		entry->snd_wnd = u32;
		entry->flags |= SOCK_ENTRY_HAS_SND_WND;
	}
}

/* mnl_attr_ok(attr, remaining) as the library has it, inlined: it runs
 * for every attribute of every socket. */
static bool
attr_ok(const struct nlattr *attr, size_t remaining)
{
	return remaining <= INT_MAX && remaining >= sizeof(*attr) &&
	       attr->nla_len >= sizeof(*attr) && attr->nla_len <= remaining;
}

/* nl_parse_diag_msg() into an entry already zeroed when `zeroed` (as
 * snapshot_add() gives them: zeroing it twice was a tenth of the parse). */
static int
parse_diag_msg(const struct nlmsghdr *nlh, struct sock_entry *entry, bool zeroed)
{
	const struct inet_diag_msg *msg;
	const struct nlattr *attr;
	size_t hdrlen = MNL_ALIGN(sizeof(*msg));
	size_t remaining;
	int state;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*msg)) {
		errno = EBADMSG;
		return -1;
	}
	msg = mnl_nlmsg_get_payload(nlh);
	if (msg->idiag_family != AF_INET && msg->idiag_family != AF_INET6)
		return 0;
	state = tcp_state_from_kernel(msg->idiag_state);
	if (state < 0)
		return 0;

	if (!zeroed)
		memset(entry, 0, sizeof(*entry));
	entry->family = msg->idiag_family;
	entry->state = (uint8_t)state;
	entry->timer = msg->idiag_timer;
	entry->retrans = msg->idiag_retrans;
	entry->local_port = ntohs(msg->id.idiag_sport);
	entry->remote_port = ntohs(msg->id.idiag_dport);
	memcpy(entry->local_addr, msg->id.idiag_src, sizeof(entry->local_addr));
	memcpy(entry->remote_addr, msg->id.idiag_dst, sizeof(entry->remote_addr));
	if (entry->family == AF_INET) {
		/* Only the first word is the address; the rest is not
		 * guaranteed to be zero on every kernel. */
		memset(entry->local_addr + 4, 0, 12);
		memset(entry->remote_addr + 4, 0, 12);
	}
	entry->ifindex = msg->id.idiag_if;
	/* sock_diag stores the 64-bit cookie low word first. */
	entry->cookie = (uint64_t)msg->id.idiag_cookie[0] |
			((uint64_t)msg->id.idiag_cookie[1] << 32);
	entry->timer_expires_ms = msg->idiag_expires;
	entry->recv_q = msg->idiag_rqueue;
	entry->send_q = msg->idiag_wqueue;
	entry->uid = msg->idiag_uid;
	entry->inode = msg->idiag_inode;

	/* Walk the attributes ourselves: mnl_attr_parse() stops quietly at
	 * a truncated attribute, and a truncated record must be an error. */
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
		return 1;
	remaining = nlh->nlmsg_len - MNL_NLMSG_HDRLEN - hdrlen;
	attr = (const struct nlattr *)((const char *)msg + hdrlen);
	while (remaining > 0) {
		if (!attr_ok(attr, remaining)) {
			errno = EBADMSG;
			return -1;
		}
		if ((attr->nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO)
			copy_tcp_info(attr, entry);
		if ((size_t)MNL_ALIGN(attr->nla_len) >= remaining)
			break;
		remaining -= (size_t)MNL_ALIGN(attr->nla_len);
		attr = (const struct nlattr *)((const char *)attr + MNL_ALIGN(attr->nla_len));
	}
	return 1;
}

int
nl_parse_diag_msg(const struct nlmsghdr *nlh, struct sock_entry *entry)
{
	return parse_diag_msg(nlh, entry, false);
}

/* The payload of NLMSG_ERROR is struct nlmsgerr; error 0 is an ACK. */
static int
error_from_message(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*err))
		return EBADMSG;
	err = mnl_nlmsg_get_payload(nlh);
	/* INT_MIN has no positive counterpart: not an errno, and negating it
	 * would overflow. */
	if (err->error == INT_MIN)
		return EBADMSG;
	return err->error < 0 ? -err->error : 0;
}

int
nl_parse_buffer(const void *buf, size_t len, struct snapshot *snap, struct nl_parse_result *res)
{
	const struct nlmsghdr *nlh = buf;
	int remaining = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	while (remaining > 0 && !res->done) {
		struct sock_entry *entry;
		int kept;

		/* mnl_nlmsg_ok() compares nlmsg_len as an int, so a length of
		 * 2^31 or more would pass it: check it as unsigned first. */
		if ((size_t)remaining < sizeof(*nlh) || nlh->nlmsg_len > (uint32_t)remaining ||
		    !mnl_nlmsg_ok(nlh, remaining)) {
			errno = EBADMSG;
			return -1;
		}
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			res->interrupted = true;

		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			/* A dump that failed midway reports its error here. */
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(int)) {
				int status;

				memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
				if (status < 0) {
					/* See error_from_message() on INT_MIN. */
					errno = status == INT_MIN ? EBADMSG : -status;
					return -1;
				}
			}
			res->done = true;
			break;
		case NLMSG_ERROR: {
			int error = error_from_message(nlh);

			if (error != 0) {
				errno = error;
				return -1;
			}
			res->skipped++;
			break;
		}
		case SOCK_DIAG_BY_FAMILY:
		case TCPDIAG_GETSOCK:
			entry = snapshot_add(snap);
			if (entry == NULL)
				return -1;
			kept = parse_diag_msg(nlh, entry, true);
			if (kept < 0) {
				snap->n_entries--;
				return -1;
			}
			if (kept == 0) {
				snap->n_entries--;
				res->skipped++;
			} else {
				res->messages++;
			}
			break;
		default:
			res->skipped++;
			break;
		}
		res->consumed += MNL_ALIGN(nlh->nlmsg_len) < (size_t)remaining
				       ? MNL_ALIGN(nlh->nlmsg_len)
				       : (size_t)remaining;
		nlh = mnl_nlmsg_next(nlh, &remaining);
	}
	return 0;
}
