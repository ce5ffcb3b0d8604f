/*
 * history.c - fixed-capacity ring of rows of series values.
 * Single-threaded (its owner's).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

struct history {
	size_t capacity;
	size_t n_series;
	size_t len;
	size_t head;     /* index of the next row to write */
	uint32_t *rows;  /* capacity rows of n_series values */
};

struct history *
history_new_series(size_t capacity, size_t n_series)
{
	struct history *hist;

	if (capacity == 0 || n_series == 0) {
		errno = EINVAL;
		return NULL;
	}
	hist = calloc(1, sizeof(*hist));
	if (hist == NULL)
		return NULL;
	hist->rows = calloc(capacity, n_series * sizeof(*hist->rows));
	if (hist->rows == NULL) {
		free(hist);
		errno = ENOMEM;
		return NULL;
	}
	hist->capacity = capacity;
	hist->n_series = n_series;
	return hist;
}

struct history *
history_new(size_t capacity)
{
	return history_new_series(capacity, TCP_STATE_COUNT);
}

void
history_free(struct history *hist)
{
	if (hist == NULL)
		return;
	free(hist->rows);
	free(hist);
}

/* The next row to write, taking it into the ring. */
static uint32_t *
history_append(struct history *hist)
{
	uint32_t *row = hist->rows + hist->head * hist->n_series;

	hist->head = (hist->head + 1) % hist->capacity;
	if (hist->len < hist->capacity)
		hist->len++;
	return row;
}

void
history_push(struct history *hist, const uint32_t *values)
{
	memcpy(history_append(hist), values, hist->n_series * sizeof(*values));
}

void
history_push_gaps(struct history *hist, uint64_t n)
{
	if (n > hist->capacity)
		n = hist->capacity;
	while (n-- > 0) {
		uint32_t *row = history_append(hist);

		for (size_t i = 0; i < hist->n_series; i++)
			row[i] = HISTORY_GAP;
	}
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
history_series(const struct history *hist)
{
	return hist->n_series;
}

size_t
history_read(const struct history *hist, size_t series, size_t skip_newest, size_t n,
	     uint32_t *out)
{
	size_t first;

	if (series >= hist->n_series || skip_newest >= hist->len)
		return 0;
	if (n > hist->len - skip_newest)
		n = hist->len - skip_newest;
	/* The newest row sits just before head. */
	first = (hist->head + 2 * hist->capacity - skip_newest - n) % hist->capacity;
	for (size_t i = 0; i < n; i++)
		out[i] = hist->rows[(first + i) % hist->capacity * hist->n_series + series];
	return n;
}
