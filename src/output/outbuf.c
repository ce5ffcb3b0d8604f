/*
 * outbuf.c - the batch writers' output buffer (see outbuf.h).
 * One thread per buffer.  Never prints anything but what it is given.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "format.h"
#include "outbuf.h"
#include "sanitize.h"

/* Written out once a line ends past this much. */
enum { OUTBUF_FLUSH_AT = 256 * 1024, OUTBUF_START = OUTBUF_FLUSH_AT + 4096 };

static void
fail(struct outbuf *b, int err)
{
	if (!b->failed) {
		b->failed = true;
		b->saved_errno = err;
	}
}

int
outbuf_open(struct outbuf *b, FILE *out)
{
	*b = (struct outbuf){.out = out, .buf = malloc(OUTBUF_START), .cap = OUTBUF_START};
	if (b->buf != NULL)
		return 0;
	errno = ENOMEM;
	return -1;
}

int
outbuf_abort(struct outbuf *b)
{
	int err = errno;

	outbuf_close(b);
	errno = err;
	return -1;
}

bool
outbuf_reserve(struct outbuf *b, size_t n)
{
	size_t cap = b->cap;
	char *grown;

	if (b->len + n <= b->cap)
		return true;
	if (b->failed)
		return false;
	while (cap < b->len + n)
		cap *= 2;
	grown = realloc(b->buf, cap);
	if (grown == NULL) {
		fail(b, ENOMEM);
		return false;
	}
	b->buf = grown;
	b->cap = cap;
	return true;
}

static void
write_out(struct outbuf *b)
{
	if (b->len > 0 && !b->failed && fwrite(b->buf, 1, b->len, b->out) != b->len)
		fail(b, errno != 0 ? errno : EIO);
	b->len = 0;
}

int
outbuf_end_line(struct outbuf *b)
{
	outbuf_char(b, '\n');
	if (b->len >= OUTBUF_FLUSH_AT)
		write_out(b);
	if (b->failed) {
		errno = b->saved_errno;
		return -1;
	}
	return 0;
}

int
outbuf_close(struct outbuf *b)
{
	write_out(b);
	if (!b->failed && (fflush(b->out) == EOF || ferror(b->out)))
		fail(b, errno != 0 ? errno : EIO);
	free(b->buf);
	b->buf = NULL;
	b->cap = 0;
	if (b->failed) {
		errno = b->saved_errno;
		return -1;
	}
	return 0;
}

void
outbuf_spaces(struct outbuf *b, int n)
{
	if (n <= 0 || !outbuf_reserve(b, (size_t)n))
		return;
	memset(b->buf + b->len, ' ', (size_t)n);
	b->len += (size_t)n;
}

void
outbuf_u64(struct outbuf *b, uint64_t v)
{
	if (outbuf_reserve(b, FORMAT_U64_MAX))
		b->len += format_u64(v, b->buf + b->len);
}

void
outbuf_i64(struct outbuf *b, int64_t v)
{
	if (v < 0) {
		outbuf_char(b, '-');
		outbuf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		outbuf_u64(b, (uint64_t)v);
	}
}

void
outbuf_fixed(struct outbuf *b, double v, int decimals)
{
	char text[352];

	outbuf_mem(b, text, format_fixed(v, decimals, text, sizeof(text)));
}

void
outbuf_g(struct outbuf *b, double v)
{
	char text[64];
	int n = snprintf(text, sizeof(text), "%g", v);

	if (n > 0)
		outbuf_mem(b, text, (size_t)n);
}

void
outbuf_text(struct outbuf *b, const char *s)
{
	size_t len = strlen(s);

	if (sanitize_is_plain(s, len)) {
		outbuf_mem(b, s, len);
		return;
	}
	if (!outbuf_reserve(b, SANITIZE_TEXT_MAX(len) + 1))
		return;
	b->len += sanitize_text(s, len, b->buf + b->len, SANITIZE_TEXT_MAX(len) + 1, NULL);
}

void
outbuf_csv(struct outbuf *b, const char *s)
{
	size_t len = strlen(s);

	/* Most fields need neither escapes nor quotes. */
	if (sanitize_is_plain(s, len) && strcspn(s, ",\"") == len) {
		outbuf_mem(b, s, len);
		return;
	}
	if (outbuf_reserve(b, SANITIZE_CSV_MAX(len)))
		b->len += sanitize_csv(s, len, b->buf + b->len);
}

void
outbuf_json(struct outbuf *b, const char *s)
{
	size_t len = strlen(s);

	if (!outbuf_reserve(b, SANITIZE_JSON_MAX(len)))
		return;
	b->len += sanitize_json(s, len, b->buf + b->len);
}

/* The most bytes a fixed-point value takes (printf's for huge ones). */
enum { FIXED_MAX = 352 };

size_t
outbuf_value_max(const struct outbuf_value *v)
{
	switch (v->kind) {
	case OUTBUF_NAME:
		return strlen(v->s) + 2;
	case OUTBUF_TEXT: {
		size_t len = strlen(v->s);

		return SANITIZE_CSV_MAX(len) > SANITIZE_JSON_MAX(len) ? SANITIZE_CSV_MAX(len)
		                                                      : SANITIZE_JSON_MAX(len);
	}
	case OUTBUF_FIXED:
		return FIXED_MAX;
	default:
		return FORMAT_IP_MAX + 2; /* null, numbers, addresses */
	}
}

/* A value every format writes alike, at out; its length, or 0 for
 * strings and null. */
static size_t
value_common(char *out, const struct outbuf_value *v)
{
	switch (v->kind) {
	case OUTBUF_UINT:
		return format_u64(v->u, out);
	case OUTBUF_INT:
		if (v->i < 0) {
			out[0] = '-';
			return 1 + format_u64((uint64_t)0 - (uint64_t)v->i, out + 1);
		}
		return format_u64((uint64_t)v->i, out);
	case OUTBUF_FIXED:
		return format_fixed(v->d, v->decimals, out, FIXED_MAX);
	case OUTBUF_IP:
		return format_ip(v->family, v->addr, out);
	default:
		return 0;
	}
}

size_t
outbuf_value_csv_at(char *out, const struct outbuf_value *v)
{
	size_t len;

	switch (v->kind) {
	case OUTBUF_NULL:
		return 0;
	case OUTBUF_NAME:
		len = strlen(v->s);
		memcpy(out, v->s, len);
		return len;
	case OUTBUF_TEXT:
		return sanitize_csv(v->s, strlen(v->s), out);
	default:
		return value_common(out, v);
	}
}

size_t
outbuf_value_json_at(char *out, const struct outbuf_value *v)
{
	size_t len;

	switch (v->kind) {
	case OUTBUF_NULL:
		memcpy(out, "null", 4);
		return 4;
	case OUTBUF_NAME:
		len = strlen(v->s);
		out[0] = '"';
		memcpy(out + 1, v->s, len);
		out[len + 1] = '"';
		return len + 2;
	case OUTBUF_TEXT:
		return sanitize_json(v->s, strlen(v->s), out);
	case OUTBUF_IP:
		out[0] = '"';
		len = 1 + value_common(out + 1, v);
		out[len] = '"';
		return len + 1;
	default:
		return value_common(out, v);
	}
}

void
outbuf_value_csv(struct outbuf *b, const struct outbuf_value *v)
{
	if (outbuf_reserve(b, outbuf_value_max(v)))
		b->len += outbuf_value_csv_at(b->buf + b->len, v);
}

void
outbuf_value_json(struct outbuf *b, const struct outbuf_value *v)
{
	if (outbuf_reserve(b, outbuf_value_max(v)))
		b->len += outbuf_value_json_at(b->buf + b->len, v);
}
