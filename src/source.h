/*
 * source.h - where samples come from.
 *
 * A source fills an empty snapshot with one sample.  The live source dumps
 * the kernel's sockets; replay sources read recorded dumps.  The sampler
 * and everything after it do not know which one they use.
 * A source is used by one thread at a time.
 */
#ifndef TCPDECK_SOURCE_H
#define TCPDECK_SOURCE_H

#include <stddef.h>

#include "snapshot.h"

struct source_ops {
	const char *name;
	/* Fills snap (empty, unsealed) with one sample.  Returns 0, 1 when
	 * the source has no more samples (snap untouched), or -1 with errno
	 * and a one-line cause. */
	int (*sample)(void *state, struct snapshot *snap, char *cause, size_t cause_len);
	void (*free)(void *state);
};

struct source {
	const struct source_ops *ops;
	void *state;
};

/* Opens the live sock_diag source.  Returns 0, or -1 with errno and a
 * one-line cause. */
int source_live_open(struct source *src, char *cause, size_t cause_len);

/* Opens a dump saved by `ss -D FILE` as a source of one sample.
 * Returns 0, or -1 with errno and a one-line cause. */
int source_ssdump_open(struct source *src, const char *path, char *cause, size_t cause_len);

/* Releases whatever the source holds; safe on a zeroed source. */
void source_close(struct source *src);

#endif
