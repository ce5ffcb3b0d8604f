/*
 * record_format.c - the helpers both sides of the recording format share:
 * CRC-32, varints, the bounds-checked cursor and the field table of a
 * socket entry (which fields exist, their width, how each is predicted).
 * Pure functions on bytes: any thread may call them; nothing here does I/O.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "record_format.h"

/* A field added to struct sock_entry must be added to record_fields (and
 * the format's version bumped), or replays would silently lose it.  The
 * struct's fields end at byte 140 (netns, the last, is field 25); the 4
 * bytes after it are padding to the 8-byte alignment: a 4-byte field
 * appended there would not change the size, so the second assertion
 * pins the end of the last field, and test_record checks that the
 * fields of the table and the identity fields cover bytes 0-139 once. */
_Static_assert(sizeof(struct sock_entry) == 144,
               "struct sock_entry changed: update record_fields and RECORD_VERSION");
_Static_assert(offsetof(struct sock_entry, netns) + sizeof(uint32_t) == 140,
               "struct sock_entry changed: update record_fields and RECORD_VERSION");

#define FIELD(name, how)                                                                           \
	{                                                                                          \
		.offset = offsetof(struct sock_entry, name),                                       \
		.size = sizeof(((struct sock_entry *)0)->name), .predict = (how)                   \
	}

/* Most often changing first: the CHANGE mask of an idle socket then fits
 * in one varint byte. */
const struct record_field record_fields[RECORD_FIELD_COUNT] = {
    FIELD(last_data_sent_ms, RECORD_PREDICT_ELAPSED),
    FIELD(last_data_recv_ms, RECORD_PREDICT_ELAPSED),
    FIELD(timer_expires_ms, RECORD_PREDICT_TIMER),
    FIELD(rtt_us, RECORD_PREDICT_SAME),
    FIELD(rttvar_us, RECORD_PREDICT_SAME),
    FIELD(segs_in, RECORD_PREDICT_SAME),
    FIELD(segs_out, RECORD_PREDICT_SAME),
    FIELD(bytes_acked, RECORD_PREDICT_SAME),
    FIELD(bytes_received, RECORD_PREDICT_SAME),
    FIELD(snd_cwnd, RECORD_PREDICT_SAME),
    FIELD(recv_q, RECORD_PREDICT_SAME),
    FIELD(send_q, RECORD_PREDICT_SAME),
    FIELD(total_retrans, RECORD_PREDICT_SAME),
    FIELD(state, RECORD_PREDICT_SAME),
    FIELD(timer, RECORD_PREDICT_SAME),
    FIELD(retrans, RECORD_PREDICT_SAME),
    FIELD(flags, RECORD_PREDICT_SAME),
    FIELD(owner_status, RECORD_PREDICT_SAME),
    FIELD(n_owners, RECORD_PREDICT_SAME),
    FIELD(owner, RECORD_PREDICT_SAME),
    FIELD(inode, RECORD_PREDICT_SAME),
    FIELD(uid, RECORD_PREDICT_SAME),
    FIELD(ifindex, RECORD_PREDICT_SAME),
    /* Version 3. */
    FIELD(snd_wnd, RECORD_PREDICT_SAME),
    FIELD(rwnd_limited_ms, RECORD_PREDICT_SAME),
    /* Version 4.  A socket never changes namespace: a CHANGE predicts
     * the same; a NEW writes it against the socket before (see
     * RECORD_FIELD_NETNS). */
    FIELD(netns, RECORD_PREDICT_SAME),
};

unsigned int
record_field_count(unsigned int version)
{
	return version >= 4 ? RECORD_FIELD_COUNT : version >= 3 ? 25 : 23;
}

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

uint32_t
record_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* The recorder (sampler thread) and a replay may both be first. */
	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

bool
record_format_is_recording(const void *head, size_t n)
{
	return n >= RECORD_MAGIC_LEN && memcmp(head, RECORD_MAGIC, RECORD_MAGIC_LEN) == 0;
}

uint64_t
record_field_get(const struct sock_entry *e, unsigned int i)
{
	const uint8_t *p = (const uint8_t *)e + record_fields[i].offset;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (record_fields[i].size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

void
record_field_set(struct sock_entry *e, unsigned int i, uint64_t v)
{
	uint8_t *p = (uint8_t *)e + record_fields[i].offset;
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (record_fields[i].size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

static uint64_t
field_mask(unsigned int i)
{
	return record_fields[i].size == 8 ? UINT64_MAX
	                                  : ((uint64_t)1 << (8 * record_fields[i].size)) - 1;
}

uint64_t
record_field_predict(const struct sock_entry *prev, unsigned int i, uint32_t elapsed_ms)
{
	uint64_t v = record_field_get(prev, i);

	switch (record_fields[i].predict) {
	case RECORD_PREDICT_ELAPSED:
		/* Time since the last send or receive grows with the clock
		 * while the socket is idle. */
		if (prev->flags & SOCK_ENTRY_HAS_INFO)
			v = (v + elapsed_ms) & field_mask(i);
		return v;
	case RECORD_PREDICT_TIMER:
		/* A running timer counts down to zero. */
		if (prev->timer != SOCK_TIMER_NONE)
			v = v > elapsed_ms ? v - elapsed_ms : 0;
		return v;
	default:
		return v;
	}
}

void
record_predict_clocks(const struct sock_entry *prev, struct sock_entry *e, uint32_t elapsed_ms)
{
	/* Must agree with record_field_predict(); test_record checks the
	 * two through every unchanged run it decodes. */
	if (prev->flags & SOCK_ENTRY_HAS_INFO) {
		e->last_data_sent_ms = prev->last_data_sent_ms + elapsed_ms;
		e->last_data_recv_ms = prev->last_data_recv_ms + elapsed_ms;
	}
	if (prev->timer != SOCK_TIMER_NONE)
		e->timer_expires_ms =
		    prev->timer_expires_ms > elapsed_ms ? prev->timer_expires_ms - elapsed_ms : 0;
}

int64_t
record_field_diff(unsigned int i, uint64_t value, uint64_t predicted)
{
	uint64_t d = (value - predicted) & field_mask(i);
	unsigned int bits = 8 * record_fields[i].size;

	/* Sign-extend from the field's width. */
	if (bits < 64 && (d >> (bits - 1)) & 1)
		d |= ~field_mask(i);
	return (int64_t)d;
}

uint64_t
record_field_apply(unsigned int i, uint64_t predicted, int64_t diff)
{
	return (predicted + (uint64_t)diff) & field_mask(i);
}

static void
buf_grow(struct record_buf *b, size_t n)
{
	size_t cap;
	uint8_t *bytes;

	if (b->failed || b->len + n <= b->cap)
		return;
	cap = b->cap != 0 ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	bytes = realloc(b->bytes, cap);
	if (bytes == NULL) {
		b->failed = true;
		return;
	}
	b->bytes = bytes;
	b->cap = cap;
}

void
record_buf_bytes(struct record_buf *b, const void *data, size_t n)
{
	buf_grow(b, n);
	if (b->failed || n == 0)
		return;
	memcpy(b->bytes + b->len, data, n);
	b->len += n;
}

void
record_buf_u8(struct record_buf *b, uint8_t v)
{
	record_buf_bytes(b, &v, 1);
}

void
record_buf_le16(struct record_buf *b, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	record_buf_bytes(b, p, 2);
}

void
record_buf_le32(struct record_buf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	record_buf_bytes(b, p, 4);
}

void
record_buf_le64(struct record_buf *b, uint64_t v)
{
	record_buf_le32(b, (uint32_t)v);
	record_buf_le32(b, (uint32_t)(v >> 32));
}

void
record_buf_varint(struct record_buf *b, uint64_t v)
{
	uint8_t p[10];
	size_t n = 0;

	buf_grow(b, 10);
	if (b->failed)
		return;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	memcpy(b->bytes + b->len, p, n);
	b->len += n;
}

void
record_buf_free(struct record_buf *b)
{
	free(b->bytes);
	memset(b, 0, sizeof(*b));
}

uint8_t
record_cur_u8(struct record_cur *c)
{
	if (c->left < 1) {
		c->bad = true;
		return 0;
	}
	c->left--;
	return *c->p++;
}

uint16_t
record_cur_le16(struct record_cur *c)
{
	uint16_t lo = record_cur_u8(c);

	return (uint16_t)(lo | (uint16_t)record_cur_u8(c) << 8);
}

uint32_t
record_cur_le32(struct record_cur *c)
{
	uint32_t v;

	if (c->left < 4) {
		c->bad = true;
		c->left = 0;
		return 0;
	}
	v = record_le32(c->p);
	c->p += 4;
	c->left -= 4;
	return v;
}

uint64_t
record_cur_le64(struct record_cur *c)
{
	uint64_t lo = record_cur_le32(c);

	return lo | (uint64_t)record_cur_le32(c) << 32;
}

uint64_t
record_cur_varint(struct record_cur *c)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (c->left < 1)
			break;
		byte = *c->p++;
		c->left--;
		/* The tenth byte may only carry the top bit. */
		if (shift == 63 && byte > 1)
			break;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

void
record_cur_bytes(struct record_cur *c, void *out, size_t n)
{
	if (c->left < n) {
		c->bad = true;
		c->left = 0;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
}
