/*
 * source_live.c - the live source: one sock_diag dump per sample,
 * narrowed to what a filter can select when one is given.
 * Opened on the main thread, then used by the sampler thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_bytecode.h"
#include "log.h"
#include "nfcount.h"
#include "nl_dump.h"
#include "source.h"

struct live_source {
	struct nl_dumper *dumper;
	bool sized;   /* the first sample was given a size estimate */
	bool counters;/* read the kernel's TCP counters, and the connection-
		       * tracking table's fill, with each sample */
};

/* Reads "<prefix> inuse N" and, when present, "tw N" from a sockstat
 * file; adds them to *sum.  A missing file adds nothing. */
static void
add_sockstat(const char *path, const char *prefix, size_t *sum)
{
	char line[256];
	FILE *file = fopen(path, "re");
	size_t prefix_len = strlen(prefix);

	if (file == NULL)
		return;
	while (fgets(line, sizeof(line), file) != NULL) {
		unsigned long inuse = 0, orphan = 0, tw = 0;

		if (strncmp(line, prefix, prefix_len) != 0)
			continue;
		if (sscanf(line + prefix_len, " inuse %lu orphan %lu tw %lu", &inuse, &orphan,
			   &tw) >= 1)
			*sum += inuse + tw;
	}
	fclose(file);
}

/*
 * The kernel's own socket counts for this namespace: a close guess of the
 * dump's size, so the first sample's array is allocated once instead of
 * growing step by step.  Later samples are sized from the previous one.
 */
static size_t
estimate_sockets(void)
{
	size_t sum = 0;

	add_sockstat("/proc/net/sockstat", "TCP:", &sum);
	add_sockstat("/proc/net/sockstat6", "TCP6:", &sum);
	return sum + sum / 16;
}

static int
live_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	struct live_source *live = state;

	if (!live->sized) {
		live->sized = true;
		/* Only an optimisation: on failure the array grows as usual. */
		(void)snapshot_reserve(snap, estimate_sockets());
	}
	if (nl_dumper_dump(live->dumper, snap, cause, cause_len) < 0)
		return -1;
	/* Counters are an extra: without them (no /proc) the sample stands,
	 * with counters.present 0. */
	if (live->counters) {
		(void)kcounters_read(&snap->counters, "/proc");
		(void)nfcount_read(&snap->nfct, "/proc");
	}
	return 0;
}

static void
live_free(void *state)
{
	struct live_source *live = state;

	nl_dumper_free(live->dumper);
	free(live);
}

static const struct source_ops live_ops = {
	.name = "live",
	.sample = live_sample,
	.free = live_free,
};

uint32_t
source_live_states(const struct source_live_options *opts)
{
	uint32_t states = filter_bytecode_kernel_states(opts->filter);

	if (opts->states == 0)
		return states;
	/* None in common: the readers' filter drops what comes. */
	return (states & opts->states) != 0 ? states & opts->states : opts->states;
}

/* Asks the dumper for what opts allow leaving out.  Returns 0, or -1 with
 * errno and a cause. */
static int
live_configure(struct nl_dumper *dumper, const struct source_live_options *opts, char *cause,
	       size_t cause_len)
{
	struct nl_dump_options dump = {.no_tcp_info = opts->no_tcp_info};
	void *bytecode = NULL;
	size_t len = 0;
	int rc;

	if (opts->filter != NULL || opts->states != 0) {
		if (opts->filter != NULL &&
		    filter_bytecode_build(opts->filter, &bytecode, &len) < 0) {
			snprintf(cause, cause_len, "out of memory");
			return -1;
		}
		dump.bytecode = bytecode;
		dump.bytecode_len = len;
		dump.states = source_live_states(opts);
		log_msg("live source: filter sent to the kernel as %zu bytes of bytecode%s, "
			"states 0x%x", len, bytecode == NULL ? " (not compilable)" : "",
			(unsigned int)dump.states);
	}
	rc = nl_dumper_set_options(dumper, &dump);
	if (rc < 0)
		snprintf(cause, cause_len, "cannot set up the sock_diag request: %s",
			 strerror(errno));
	free(bytecode);
	return rc;
}

int
source_live_open_with(struct source *src, const struct source_live_options *opts, char *cause,
		      size_t cause_len)
{
	struct live_source *live = calloc(1, sizeof(*live));

	if (live == NULL) {
		snprintf(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	live->dumper = nl_dumper_new();
	if (live->dumper == NULL) {
		int saved = errno;

		free(live);
		snprintf(cause, cause_len, "cannot open a sock_diag netlink socket: %s%s",
			 strerror(saved),
			 saved == EPROTONOSUPPORT ? " (kernel built without sock_diag?)" : "");
		errno = saved;
		return -1;
	}
	if (opts != NULL && live_configure(live->dumper, opts, cause, cause_len) < 0) {
		int saved = errno;

		nl_dumper_free(live->dumper);
		free(live);
		errno = saved;
		return -1;
	}
	/* The kernel's socket counts say nothing of how many pass a filter,
	 * or are in the states asked for. */
	if (opts != NULL && (opts->filter != NULL || opts->states != 0))
		live->sized = true;
	live->counters = opts == NULL || !opts->no_counters;
	src->ops = &live_ops;
	src->state = live;
	return 0;
}

int
source_live_open(struct source *src, char *cause, size_t cause_len)
{
	return source_live_open_with(src, NULL, cause, cause_len);
}

void
source_close(struct source *src)
{
	if (src->ops != NULL && src->ops->free != NULL)
		src->ops->free(src->state);
	src->ops = NULL;
	src->state = NULL;
}
