/*
 * who.c - the --who report.  Process names, command lines and user names
 * are sanitized (sanitize.h) before they reach the terminal.
 * Main thread; only reads the snapshot.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "sanitize.h"
#include "sock_format.h"
#include "who.h"

static int
parse_port(const char *text, uint16_t *port, char *msg, size_t msg_len)
{
	unsigned long value;

	if (format_parse_count(text, &value) == 0) {
		if (value == 0 || value > 65535) {
			snprintf(msg, msg_len, "port '%s' is out of range (1-65535)", text);
			return -1;
		}
		*port = (uint16_t)value;
		return 0;
	}
	{
		struct servent result, *found = NULL;
		char buf[1024];

		if (text[0] != '\0' &&
		    getservbyname_r(text, "tcp", &result, buf, sizeof(buf), &found) == 0 &&
		    found != NULL) {
			*port = ntohs((uint16_t)found->s_port);
			return 0;
		}
	}
	snprintf(msg, msg_len, "'%s' is neither a port number nor a known TCP service name", text);
	return -1;
}

int
who_parse(const char *arg, struct who_target *target, char *msg, size_t msg_len)
{
	char host[64];
	const char *port_text;
	const char *colon;

	memset(target, 0, sizeof(*target));
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		size_t len;

		if (close == NULL || close[1] != ':') {
			snprintf(msg, msg_len, "'%s': expected [IPV6]:PORT", arg);
			return -1;
		}
		len = (size_t)(close - arg - 1);
		if (len >= sizeof(host)) {
			snprintf(msg, msg_len, "'%s': address too long", arg);
			return -1;
		}
		memcpy(host, arg + 1, len);
		host[len] = '\0';
		if (inet_pton(AF_INET6, host, target->addr) != 1) {
			snprintf(msg, msg_len, "'%s' is not an IPv6 address", host);
			return -1;
		}
		target->has_addr = true;
		target->family = AF_INET6;
		return parse_port(close + 2, &target->port, msg, msg_len);
	}
	colon = strrchr(arg, ':');
	if (colon == NULL)
		return parse_port(arg, &target->port, msg, msg_len);
	port_text = colon + 1;
	if (colon != arg) {
		size_t len = (size_t)(colon - arg);

		if (len >= sizeof(host) || memchr(arg, ':', len) != NULL) {
			snprintf(msg, msg_len, "'%s': write an IPv6 address as [ADDR]:PORT", arg);
			return -1;
		}
		memcpy(host, arg, len);
		host[len] = '\0';
		if (inet_pton(AF_INET, host, target->addr) != 1) {
			snprintf(msg, msg_len, "'%s' is not an IPv4 address", host);
			return -1;
		}
		target->has_addr = true;
		target->family = AF_INET;
	}
	return parse_port(port_text, &target->port, msg, msg_len);
}

static bool
matches(const struct sock_entry *e, const struct who_target *target)
{
	if (e->local_port != target->port)
		return false;
	if (!target->has_addr)
		return true;
	return e->family == target->family &&
	       memcmp(e->local_addr, target->addr, target->family == AF_INET ? 4 : 16) == 0;
}

/* The namespace's label, sanitized, padded to 24 cells. */
static void
print_netns(FILE *out, const struct snapshot *snap, uint32_t inode)
{
	const struct snapshot_netns *ns = snapshot_find_netns(snap, inode);
	struct netns_info unknown = {.inode = inode};
	char label[256], shown[SANITIZE_TEXT_MAX(256) + 1];
	int cells;

	netns_info_label(ns != NULL ? &ns->info : &unknown, label, sizeof(label));
	sanitize_str(label, shown, sizeof(shown), &cells);
	fprintf(out, "%s%*s ", shown, cells < 24 ? 24 - cells : 0, "");
}

size_t
who_print(FILE *out, const struct snapshot *snap, const struct who_target *target,
	  size_t *sockets, size_t *hidden)
{
	size_t owned = 0;
	bool header = false;

	*sockets = 0;
	*hidden = 0;
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		uint32_t procs[64];
		size_t n;

		if (!matches(e, target))
			continue;
		(*sockets)++;
		if (e->owner_status == OWNER_HIDDEN)
			(*hidden)++;
		if (e->owner_status != OWNER_FOUND || snap->owners == NULL)
			continue;
		owned++;
		n = owner_table_lookup(snap->owners, e->inode, NULL, procs, 64);
		if (n > 64)
			n = 64;
		for (size_t k = 0; k < n; k++) {
			const struct owner_proc *p = owner_table_proc(snap->owners, procs[k]);
			char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX];
			char user[SANITIZE_TEXT_MAX(64) + 1], command[SANITIZE_TEXT_MAX(4096) + 1];
			int user_cells;

			if (p == NULL)
				continue;
			if (!header) {
				/* With namespaces chosen, each line names its own. */
				if (snap->n_netns > 0)
					fprintf(out, "%-24s ", "NETNS");
				fprintf(out, "%-8s %-10s %-12s %-28s %-28s %s\n", "PID", "USER",
					"STATE", "LOCAL", "REMOTE", "COMMAND");
				header = true;
			}
			if (snap->n_netns > 0)
				print_netns(out, snap, e->netns);
			sock_format_endpoint(e, 0, local, sizeof(local));
			sock_format_endpoint(e, 1, remote, sizeof(remote));
			/* Names from /proc are sanitized, the user column padded
			 * to 10 cells as shown. */
			sanitize_str(p->user, user, sizeof(user), &user_cells);
			sanitize_str(p->cmdline[0] != '\0' ? p->cmdline : p->comm, command,
				     sizeof(command), NULL);
			fprintf(out, "%-8d %s%*s %-12s %-28s %-28s %s\n", p->pid, user,
				user_cells < 10 ? 10 - user_cells : 0, "", tcp_state_name(e->state),
				local, remote, command);
		}
	}
	return owned;
}
