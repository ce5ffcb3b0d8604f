/*
 * source_ssdump.c - replays a sock_diag dump saved by `ss -D FILE`.
 *
 * Such a file is the raw bytes ss received: netlink messages back to
 * back, one NLMSG_DONE after each family's dump.  The whole file is one
 * sample, parsed by the same parser as live data.  A file cut short
 * yields every whole message before the cut, and the snapshot's note says
 * where it stopped, for the caller to show.
 * Used by the sampler thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nl_parse.h"
#include "source.h"

/* Larger files are refused: a dump of a million sockets is ~100 MB. */
#define SSDUMP_MAX_BYTES ((size_t)1 << 30)

struct ssdump {
	char *bytes;       /* 8-byte aligned, as netlink headers need */
	size_t len;
	bool served;
	char path[256];
};

static int
ssdump_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	struct ssdump *dump = state;
	size_t offset = 0;

	if (dump->served)
		return 1;
	dump->served = true;
	/* Each NLMSG_DONE ends one family's part; go on past it. */
	while (offset < dump->len) {
		struct nl_parse_result res;

		memset(&res, 0, sizeof(res));
		if (nl_parse_buffer(dump->bytes + offset, dump->len - offset, snap, &res) < 0) {
			if (errno != EBADMSG)
				snprintf(cause, cause_len, "%s: the dump records an error: %s",
					 dump->path, strerror(errno));
			else if (offset + res.consumed == 0)
				snprintf(cause, cause_len,
					 "%s: not a sock_diag dump written by ss -D "
					 "(no whole netlink message at its start)",
					 dump->path);
			else
				snprintf(cause, cause_len,
					 "%s: not a whole sock_diag message at byte %zu; "
					 "showing the %zu sockets before it",
					 dump->path, offset + res.consumed, snap->n_entries);
			if (errno == EBADMSG && snap->n_entries > 0) {
				/* What is whole is shown; the cut is noted. */
				snprintf(snap->note, sizeof(snap->note), "%s", cause);
				break;
			}
			return -1;
		}
		if (res.consumed == 0)
			break;
		offset += res.consumed;
	}
	return 0;
}

static void
ssdump_free(void *state)
{
	struct ssdump *dump = state;

	if (dump == NULL)
		return;
	free(dump->bytes);
	free(dump);
}

static const struct source_ops ssdump_ops = {
	.name = "ss dump",
	.sample = ssdump_sample,
	.free = ssdump_free,
};

/* Takes `dump` (its path set, its bytes loaded) as src's state, or frees
 * it and fails when it is too short to be a dump. */
static int
ssdump_attach(struct source *src, struct ssdump *dump, char *cause, size_t cause_len)
{
	if (dump->len < 16) {
		snprintf(cause, cause_len, "'%s' is too short to be a sock_diag dump (ss -D)",
			 dump->path);
		ssdump_free(dump);
		errno = EINVAL;
		return -1;
	}
	src->ops = &ssdump_ops;
	src->state = dump;
	return 0;
}

/* A new dump named `path` with room for `len` bytes: netlink headers are
 * read in place, so the bytes are 8-byte aligned.  NULL on ENOMEM. */
static struct ssdump *
ssdump_new(const char *path, size_t len)
{
	struct ssdump *dump = calloc(1, sizeof(*dump));

	if (dump == NULL)
		return NULL;
	snprintf(dump->path, sizeof(dump->path), "%s", path);
	dump->len = len;
	dump->bytes = aligned_alloc(8, (len + 8) & ~(size_t)7);
	if (dump->bytes == NULL) {
		free(dump);
		return NULL;
	}
	return dump;
}

int
source_ssdump_open_mem(struct source *src, const void *bytes, size_t len, const char *name,
		       char *cause, size_t cause_len)
{
	struct ssdump *dump;

	if (len > SSDUMP_MAX_BYTES) {
		snprintf(cause, cause_len, "'%s' is larger than 1 GiB", name);
		errno = EINVAL;
		return -1;
	}
	dump = ssdump_new(name, len);
	if (dump == NULL) {
		snprintf(cause, cause_len, "out of memory for '%s'", name);
		return -1;
	}
	memcpy(dump->bytes, bytes, len);
	return ssdump_attach(src, dump, cause, cause_len);
}

int
source_ssdump_open(struct source *src, const char *path, char *cause, size_t cause_len)
{
	struct ssdump *dump = NULL;
	FILE *file = NULL;
	struct stat st;

	file = fopen(path, "rbe");
	if (file == NULL || fstat(fileno(file), &st) < 0) {
		snprintf(cause, cause_len, "cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > SSDUMP_MAX_BYTES) {
		snprintf(cause, cause_len, "'%s' is not a regular file of at most 1 GiB", path);
		errno = EINVAL;
		goto fail;
	}
	dump = ssdump_new(path, (size_t)st.st_size);
	if (dump == NULL) {
		snprintf(cause, cause_len, "out of memory for '%s'", path);
		goto fail;
	}
	if (fread(dump->bytes, 1, dump->len, file) != dump->len) {
		snprintf(cause, cause_len, "cannot read '%s': short read", path);
		errno = EIO;
		goto fail;
	}
	fclose(file);
	return ssdump_attach(src, dump, cause, cause_len);
fail:
	if (file != NULL)
		fclose(file);
	ssdump_free(dump);
	return -1;
}
