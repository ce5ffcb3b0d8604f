/*
 * sock_format.c - text forms of socket fields.
 * Pure apart from if_indextoname(); any thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sanitize.h"
#include "sock_format.h"

void
sock_format_addr(const struct sock_entry *e, int remote, char *out, size_t out_size)
{
	const uint8_t *addr = remote ? e->remote_addr : e->local_addr;
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(e->family == AF_INET ? AF_INET : AF_INET6, addr, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "?");
	snprintf(out, out_size, "%s", text);
}

void
sock_format_endpoint(const struct sock_entry *e, int remote, char *out, size_t out_size)
{
	char addr[INET6_ADDRSTRLEN], port[8], ifpart[SANITIZE_TEXT_MAX(IF_NAMESIZE) + 2] = "";
	uint16_t num = remote ? e->remote_port : e->local_port;

	sock_format_addr(e, remote, addr, sizeof(addr));
	if (num == 0)
		snprintf(port, sizeof(port), "*");
	else
		snprintf(port, sizeof(port), "%u", num);
	if (!remote && e->ifindex != 0) {
		char name[IF_NAMESIZE], safe[SANITIZE_TEXT_MAX(IF_NAMESIZE) + 1];

		/* An interface name may hold any byte but '/', ':' and blanks:
		 * ESC included. */
		if (if_indextoname(e->ifindex, name) != NULL) {
			sanitize_str(name, safe, sizeof(safe), NULL);
			snprintf(ifpart, sizeof(ifpart), "%%%s", safe);
		}
		else
			snprintf(ifpart, sizeof(ifpart), "%%%u", e->ifindex);
	}
	if (e->family == AF_INET6)
		snprintf(out, out_size, "[%s]%s:%s", addr, ifpart, port);
	else
		snprintf(out, out_size, "%s%s:%s", addr, ifpart, port);
}

const char *
sock_format_family(const struct sock_entry *e)
{
	return e->family == AF_INET ? "ipv4" : "ipv6";
}

const struct owner_proc *
sock_format_owner(const struct snapshot *snap, const struct sock_entry *e)
{
	if (snap->owners == NULL || e->owner_status != OWNER_FOUND)
		return NULL;
	return owner_table_proc(snap->owners, e->owner);
}

void
sock_format_json_string(FILE *f, const char *s)
{
	if (sanitize_write(f, s, SANITIZE_JSON) < 0)
		fputs("null", f); /* out of memory: still JSON */
}
