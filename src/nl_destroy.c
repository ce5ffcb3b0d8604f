/*
 * nl_destroy.c - SOCK_DESTROY requests.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "nl_destroy.h"
#include "tcp_state.h"

#ifndef SOCK_DESTROY
#define SOCK_DESTROY 21 /* linux/sock_diag.h, kernel 4.5 */
#endif

/* Kernel state numbers of a display state, as a mask for the request. */
static unsigned int
kernel_states(unsigned int state)
{
	unsigned int mask = 0;

	for (unsigned int k = 1; k < KERNEL_TCP_MAX_STATES; k++)
		if (tcp_state_from_kernel(k) == (int)state)
			mask |= 1u << k;
	return mask;
}

int
nl_destroy(const struct sock_entry *e, char *cause, size_t cause_len)
{
	char buf[8192] __attribute__((aligned(8)));
	struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	ssize_t got;
	int err = 0;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(cause, cause_len, "cannot open a sock_diag socket: %s", strerror(errno));
		if (nl != NULL)
			mnl_socket_close(nl);
		return -1;
	}
	memset(buf, 0, 256);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DESTROY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = e->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = kernel_states(e->state);
	req->id.idiag_sport = htons(e->local_port);
	req->id.idiag_dport = htons(e->remote_port);
	memcpy(req->id.idiag_src, e->local_addr, sizeof(req->id.idiag_src));
	memcpy(req->id.idiag_dst, e->remote_addr, sizeof(req->id.idiag_dst));
	req->id.idiag_if = e->ifindex;
	req->id.idiag_cookie[0] = (uint32_t)e->cookie;
	req->id.idiag_cookie[1] = (uint32_t)(e->cookie >> 32);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = errno;
	} else {
		got = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (got < 0)
			err = errno;
		else if (mnl_cb_run(buf, (size_t)got, 1, mnl_socket_get_portid(nl), NULL, NULL) < 0)
			err = errno;
	}
	mnl_socket_close(nl);
	if (err == 0)
		return 0;
	switch (err) {
	case EPERM:
	case EACCES:
		snprintf(cause, cause_len, "closing a connection needs CAP_NET_ADMIN (run as root)");
		break;
	case EOPNOTSUPP:
		snprintf(cause, cause_len,
			 "this kernel cannot close sockets from outside "
			 "(built without CONFIG_INET_DIAG_DESTROY)");
		break;
	case ENOENT:
		snprintf(cause, cause_len, "the connection is already gone");
		break;
	default:
		snprintf(cause, cause_len, "SOCK_DESTROY failed: %s", strerror(err));
		break;
	}
	errno = err;
	return -1;
}
