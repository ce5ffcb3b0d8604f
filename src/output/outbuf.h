/*
 * outbuf.h - the output buffer batch writers format into: numbers,
 * addresses and strings are appended by hand-written code (no printf per
 * field), and the buffer goes to the stream in large blocks, cut at line
 * ends, so a reader of a pipe never sees half a line.
 *
 * Every string from outside goes in through outbuf_text() (text),
 * outbuf_csv() (CSV) or outbuf_json() (JSON), which apply sanitize.h.
 *
 * One buffer per writer call; one thread.  Write errors are kept and
 * reported by outbuf_end_line() and outbuf_close().
 */
#ifndef TCPDECK_OUTBUF_H
#define TCPDECK_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct outbuf {
	FILE *out;
	char *buf;
	size_t len, cap;
	bool failed; /* a write failed or memory ran out: errno kept */
	int saved_errno;
};

/* Starts a buffer for out.  Returns 0, or -1 with errno (ENOMEM). */
int outbuf_open(struct outbuf *b, FILE *out);

/* Writes what is left and flushes the stream; frees the buffer.  Returns
 * 0, or -1 with errno when any write failed. */
int outbuf_close(struct outbuf *b);

/* outbuf_close() after a failure: returns -1 with the errno of the
 * failure, not of the close. */
int outbuf_abort(struct outbuf *b);

/* Makes room for n more bytes; false (and the buffer marked failed) when
 * memory runs out. */
bool outbuf_reserve(struct outbuf *b, size_t n);

/* Ends a line; writes the buffer out when it is large.  0, or -1 with
 * errno once a write has failed. */
int outbuf_end_line(struct outbuf *b);

static inline void
outbuf_mem(struct outbuf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap && !outbuf_reserve(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

static inline void
outbuf_str(struct outbuf *b, const char *s)
{
	outbuf_mem(b, s, strlen(s));
}

static inline void
outbuf_char(struct outbuf *b, char c)
{
	if (b->len + 1 > b->cap && !outbuf_reserve(b, 1))
		return;
	b->buf[b->len++] = c;
}

/* n spaces. */
void outbuf_spaces(struct outbuf *b, int n);

/* Decimal numbers. */
void outbuf_u64(struct outbuf *b, uint64_t v);
void outbuf_i64(struct outbuf *b, int64_t v);

/* v with `decimals` (0-6) digits after the point, exactly as printf's
 * "%.*f" writes it. */
void outbuf_fixed(struct outbuf *b, double v, int decimals);

/* printf's "%g" (rare fields: a plain snprintf). */
void outbuf_g(struct outbuf *b, double v);

/* An untrusted string as text: sanitized (sanitize.h). */
void outbuf_text(struct outbuf *b, const char *s);

/* An untrusted string as one CSV field (sanitize_csv()). */
void outbuf_csv(struct outbuf *b, const char *s);

/* A string as a JSON string literal (sanitize_json()). */
void outbuf_json(struct outbuf *b, const char *s);

/*
 * A field's value, as a field table's getter gives it, for the CSV and
 * JSON writers: CSV writes nothing for NULL, JSON writes null; a name is
 * trusted text (a state, a family), text is untrusted and sanitized.
 */
enum outbuf_value_kind {
	OUTBUF_NULL,
	OUTBUF_NAME,  /* .s: printable ASCII of our own */
	OUTBUF_TEXT,  /* .s: from outside */
	OUTBUF_IP,    /* .addr of .family */
	OUTBUF_UINT,  /* .u */
	OUTBUF_INT,   /* .i */
	OUTBUF_FIXED, /* .d with .decimals digits */
};

struct outbuf_value {
	enum outbuf_value_kind kind;
	int decimals;
	int family;
	union {
		const char *s;
		const uint8_t *addr;
		uint64_t u;
		int64_t i;
		double d;
	};
};

/* The most bytes either writer below takes for v. */
size_t outbuf_value_max(const struct outbuf_value *v);

/* The value as one CSV field, or as a JSON value, at out, which holds
 * outbuf_value_max(v) bytes; the length written (no NUL).  For writers
 * that reserve room for a whole line at once. */
size_t outbuf_value_csv_at(char *out, const struct outbuf_value *v);
size_t outbuf_value_json_at(char *out, const struct outbuf_value *v);

/* The value as one CSV field. */
void outbuf_value_csv(struct outbuf *b, const struct outbuf_value *v);

/* The value as a JSON value. */
void outbuf_value_json(struct outbuf *b, const struct outbuf_value *v);

#endif
