/*
 * history.c - fixed-capacity ring of per-state count rows.
 * Single-threaded (its owner's).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

struct history {
	size_t capacity;
	size_t len;
	size_t head;                      /* index of the next row to write */
	uint32_t (*rows)[TCP_STATE_COUNT];/* capacity rows */
};

struct history *
history_new(size_t capacity)
{
	struct history *hist;

	if (capacity == 0) {
		errno = EINVAL;
		return NULL;
	}
	hist = calloc(1, sizeof(*hist));
	if (hist == NULL)
		return NULL;
	hist->rows = calloc(capacity, sizeof(*hist->rows));
	if (hist->rows == NULL) {
		free(hist);
		errno = ENOMEM;
		return NULL;
	}
	hist->capacity = capacity;
	return hist;
}

void
history_free(struct history *hist)
{
	if (hist == NULL)
		return;
	free(hist->rows);
	free(hist);
}

static void
history_append(struct history *hist, const uint32_t counts[TCP_STATE_COUNT])
{
	memcpy(hist->rows[hist->head], counts, sizeof(hist->rows[0]));
	hist->head = (hist->head + 1) % hist->capacity;
	if (hist->len < hist->capacity)
		hist->len++;
}

void
history_push(struct history *hist, const uint32_t counts[TCP_STATE_COUNT])
{
	history_append(hist, counts);
}

void
history_push_gaps(struct history *hist, uint64_t n)
{
	uint32_t gap[TCP_STATE_COUNT];

	for (int i = 0; i < TCP_STATE_COUNT; i++)
		gap[i] = HISTORY_GAP;
	if (n > hist->capacity)
		n = hist->capacity;
	while (n-- > 0)
		history_append(hist, gap);
}

void
history_clear(struct history *hist)
{
	hist->len = 0;
	hist->head = 0;
}

size_t
history_len(const struct history *hist)
{
	return hist->len;
}

size_t
history_capacity(const struct history *hist)
{
	return hist->capacity;
}

size_t
history_read(const struct history *hist, enum tcp_state state, size_t skip_newest, size_t n,
	     uint32_t *out)
{
	size_t first;

	if ((unsigned int)state >= TCP_STATE_COUNT || skip_newest >= hist->len)
		return 0;
	if (n > hist->len - skip_newest)
		n = hist->len - skip_newest;
	/* The newest row sits just before head. */
	first = (hist->head + 2 * hist->capacity - skip_newest - n) % hist->capacity;
	for (size_t i = 0; i < n; i++)
		out[i] = hist->rows[(first + i) % hist->capacity][state];
	return n;
}
