/*
 * source_live.c - the live source: one sock_diag dump per sample.
 * Used by the sampler thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nl_dump.h"
#include "source.h"

static int
live_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	return nl_dumper_dump(state, snap, cause, cause_len);
}

static void
live_free(void *state)
{
	nl_dumper_free(state);
}

static const struct source_ops live_ops = {
	.name = "live",
	.sample = live_sample,
	.free = live_free,
};

int
source_live_open(struct source *src, char *cause, size_t cause_len)
{
	struct nl_dumper *dumper = nl_dumper_new();

	if (dumper == NULL) {
		int saved = errno;

		snprintf(cause, cause_len, "cannot open a sock_diag netlink socket: %s%s",
			 strerror(saved),
			 saved == EPROTONOSUPPORT ? " (kernel built without sock_diag?)" : "");
		errno = saved;
		return -1;
	}
	src->ops = &live_ops;
	src->state = dumper;
	return 0;
}

void
source_close(struct source *src)
{
	if (src->ops != NULL && src->ops->free != NULL)
		src->ops->free(src->state);
	src->ops = NULL;
	src->state = NULL;
}
