/*
 * nl_request.c - a request about one socket over sock_diag.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "nl_request.h"

int
nl_request_socket(const struct sock_entry *e, uint16_t type, uint16_t flags, uint32_t states,
		  uint8_t ext, mnl_cb_t cb, void *data, int *opening)
{
	return nl_request_socket_fd(-1, e, type, flags, states, ext, cb, data, opening);
}

int
nl_request_socket_fd(int fd, const struct sock_entry *e, uint16_t type, uint16_t flags,
		     uint32_t states, uint8_t ext, mnl_cb_t cb, void *data, int *opening)
{
	char buf[16384] __attribute__((aligned(8)));
	struct mnl_socket *nl = fd >= 0 ? mnl_socket_fdopen(fd) : mnl_socket_open(NETLINK_SOCK_DIAG);
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int err = 0;

	*opening = 0;
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		if (nl != NULL)
			mnl_socket_close(nl);
		else if (fd >= 0)
			close(fd);
		*opening = 1;
		errno = err;
		return -1;
	}
	memset(buf, 0, 256);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = 1;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = e->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = states;
	req->idiag_ext = ext;
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
		ssize_t got = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (got < 0)
			err = errno;
		else if (mnl_cb_run(buf, (size_t)got, 1, mnl_socket_get_portid(nl), cb, data) < 0)
			err = errno;
	}
	mnl_socket_close(nl);
	errno = err;
	return err == 0 ? 0 : -1;
}
