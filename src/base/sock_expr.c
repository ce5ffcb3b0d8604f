/*
 * sock_expr.c - tcpdump and ss command lines for one socket
 * (sock_expr.h).  Pure; any thread.  Addresses come from inet_ntop(), so
 * nothing in a command line needs quoting beyond its single quotes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sock_expr.h"
#include "tcp_state.h"

/* One end of the socket as the expressions need it. */
struct end {
	char addr[INET6_ADDRSTRLEN]; /* as inet_ntop() writes it */
	bool v6;                     /* IPv6 (not a mapped IPv4 address) */
	bool wildcard;               /* 0.0.0.0 or :: */
	unsigned int port;
};

static void
end_of(const struct sock_entry *e, int remote, struct end *end)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[16];
	const uint8_t *addr = remote ? e->remote_addr : e->local_addr;
	int family = e->family == AF_INET ? AF_INET : AF_INET6;

	end->port = remote ? e->remote_port : e->local_port;
	end->wildcard = memcmp(addr, zero, family == AF_INET ? 4 : 16) == 0;
	end->v6 = family == AF_INET6;
	if (end->v6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
		/* Mapped: IPv4 on the wire. */
		end->v6 = false;
		addr += sizeof(mapped);
		family = AF_INET;
	}
	if (inet_ntop(family, addr, end->addr, sizeof(end->addr)) == NULL)
		snprintf(end->addr, sizeof(end->addr), "?");
}

/* A socket without a peer: listening, or bound and not connected. */
static bool
has_peer(const struct sock_entry *e, const struct end *remote)
{
	return e->state != TCP_STATE_LISTEN && (remote->port != 0 || !remote->wildcard);
}

/* Appends to out at *used, cut to fit. */
static void
put(char *out, size_t size, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
put(char *out, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*used >= size)
		return;
	va_start(ap, fmt);
	w = vsnprintf(out + *used, size - *used, fmt, ap);
	va_end(ap);
	if (w > 0)
		*used = (size_t)w < size - *used ? *used + (size_t)w : size - 1;
}

size_t
sock_expr_tcpdump(const struct sock_entry *e, char *out, size_t size)
{
	struct end local, remote;
	size_t used = 0;

	if (size == 0)
		return 0;
	out[0] = '\0';
	end_of(e, 0, &local);
	end_of(e, 1, &remote);
	if (!has_peer(e, &remote)) {
		if (local.port == 0)
			return 0;
		/* A wildcard listener on :: takes IPv4 too: no ip6. */
		put(out, size, &used, "tcpdump -ni any '%stcp", local.v6 && !local.wildcard ? "ip6 and " : "");
		if (!local.wildcard)
			put(out, size, &used, " and host %s", local.addr);
		put(out, size, &used, " and port %u'", local.port);
		return used;
	}
	put(out, size, &used, "tcpdump -ni any '%stcp and host %s and port %u and host %s and port %u'",
	    local.v6 ? "ip6 and " : "", local.addr, local.port, remote.addr, remote.port);
	return used;
}

/* "A:P" as ss's filter takes it: brackets around IPv6. */
static void
put_endpoint(char *out, size_t size, size_t *used, const struct sock_entry *e, int remote)
{
	char addr[INET6_ADDRSTRLEN];
	const uint8_t *bytes = remote ? e->remote_addr : e->local_addr;

	/* ss matches the socket's own address: no unmapping here. */
	if (inet_ntop(e->family == AF_INET ? AF_INET : AF_INET6, bytes, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	if (e->family == AF_INET6)
		put(out, size, used, "[%s]:%u", addr, remote ? e->remote_port : e->local_port);
	else
		put(out, size, used, "%s:%u", addr, remote ? e->remote_port : e->local_port);
}

size_t
sock_expr_ss(const struct sock_entry *e, char *out, size_t size)
{
	struct end local, remote;
	size_t used = 0;

	if (size == 0)
		return 0;
	out[0] = '\0';
	end_of(e, 0, &local);
	end_of(e, 1, &remote);
	if (!has_peer(e, &remote)) {
		if (local.port == 0)
			return 0;
		put(out, size, &used, "ss -t%sni '", e->state == TCP_STATE_LISTEN ? "l" : "a");
		if (local.wildcard) {
			put(out, size, &used, "sport = :%u'", local.port);
		} else {
			put(out, size, &used, "src ");
			put_endpoint(out, size, &used, e, 0);
			put(out, size, &used, "'");
		}
		return used;
	}
	put(out, size, &used, "ss -tani 'src ");
	put_endpoint(out, size, &used, e, 0);
	put(out, size, &used, " and dst ");
	put_endpoint(out, size, &used, e, 1);
	put(out, size, &used, "'");
	return used;
}
