/*
 * netns_info.c - the words for a network namespace.
 * Pure functions; any thread.
 */
#include "config.h"

#include <stdio.h>

#include "netns_info.h"

int
netns_info_short(const struct netns_info *ns, char *buf, size_t len)
{
	switch (ns->kind) {
	case NETNS_KIND_HOST:
		return snprintf(buf, len, "host");
	case NETNS_KIND_NAMED:
		return snprintf(buf, len, "%s", ns->name);
	case NETNS_KIND_CONTAINER:
		return snprintf(buf, len, "%s", ns->name[0] != '\0' ? ns->name : ns->id);
	case NETNS_KIND_POD:
		if (ns->name[0] != '\0')
			return snprintf(buf, len, "%s", ns->name);
		return snprintf(buf, len, "pod %s", ns->id);
	case NETNS_KIND_PROCESS:
		return snprintf(buf, len, "pid %ld (%s)", (long)ns->pid, ns->name);
	default:
		return snprintf(buf, len, "netns:[%lu]", (unsigned long)ns->inode);
	}
}

int
netns_info_label(const struct netns_info *ns, char *buf, size_t len)
{
	switch (ns->kind) {
	case NETNS_KIND_NAMED:
		return snprintf(buf, len, "netns %s", ns->name);
	case NETNS_KIND_CONTAINER:
		if (ns->name[0] != '\0')
			return snprintf(buf, len, "container %s (%s)", ns->name, ns->id);
		return snprintf(buf, len, "container %s", ns->id);
	case NETNS_KIND_POD:
		if (ns->name[0] != '\0')
			return snprintf(buf, len, "pod %s", ns->name);
		return snprintf(buf, len, "pod %s", ns->id);
	default:
		return netns_info_short(ns, buf, len);
	}
}
