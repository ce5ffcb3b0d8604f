/*
 * nl_destroy.c - SOCK_DESTROY requests.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/sock_diag.h>

#include "nl_destroy.h"
#include "nl_request.h"
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
	int opening, err;

	if (nl_request_socket(e, SOCK_DESTROY, NLM_F_ACK, kernel_states(e->state), 0, NULL, NULL,
			      &opening) == 0)
		return 0;
	err = errno;
	if (opening) {
		snprintf(cause, cause_len, "cannot open a sock_diag socket: %s", strerror(err));
		errno = err;
		return -1;
	}
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
