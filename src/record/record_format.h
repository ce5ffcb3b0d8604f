/*
 * record_format.h - the layout of a tcpdeck recording (tcpdeck -w), shared
 * by the writer (record_write.c) and the reader (record_read.c).
 *
 * doc/record-format.md describes the format byte by byte; the constants
 * here are that description in C.  Changing a value or the meaning of a
 * field changes the file format: bump RECORD_VERSION.
 * The helpers (CRC-32, varints, zigzag, the field table of a socket entry)
 * are pure functions on bytes: any thread may call them.
 */
#ifndef TCPDECK_RECORD_FORMAT_H
#define TCPDECK_RECORD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock_entry.h"

/* First 8 bytes of every recording.  The high first byte keeps it from
 * ever being read as text or as a netlink header (an ss -D dump starts
 * with a little-endian message length); CR LF catch a text-mode copy. */
#define RECORD_MAGIC "\x89TDREC\r\n"
#define RECORD_MAGIC_LEN 8
/* The version written, and the oldest one still read: version 1 lacks
 * the sampling interval of each sample, versions 1 and 2 the descriptor
 * counts and limits of processes, the conntrack table's fill and the
 * socket fields of the peer's window (snd_wnd, rwnd_limited_ms), versions
 * 1 to 3 the network namespaces (the sample's table, each socket's
 * netns), versions 1 to 4 the connections closed in each interval (the
 * kernel's destroy events). */
#define RECORD_VERSION 5
#define RECORD_VERSION_OLDEST 1

/* Header flags no reader may ignore live in the low byte: a reader that
 * finds one it does not know refuses the file.  None is defined yet. */
#define RECORD_FLAGS_REQUIRED 0x00ffu

/* Fixed part of the file header, after the magic: version (2), flags (2),
 * header length (4).  The header length covers everything after these
 * 16 bytes up to and including the header's CRC. */
#define RECORD_HEADER_FIXED 16
#define RECORD_HEADER_MAX 4096
#define RECORD_HOST_MAX 255

/* A process of an owner table that holds none of the sample's sockets is
 * written as this many zero bytes (pid, uid, start time, three empty
 * strings, three descriptor numbers); 6 in versions 1 and 2, which lack
 * the descriptor numbers. */
#define RECORD_PROC_PLACEHOLDER 9
#define RECORD_PROC_PLACEHOLDER_V2 6

/* Every record: type (1), payload length (4, LE), CRC-32 (4, LE) of the
 * type, the length and the payload, then the payload. */
#define RECORD_FRAME_LEN 9
/* A length above this is taken for corruption, not allocated. */
#define RECORD_PAYLOAD_MAX ((uint32_t)1 << 30)

enum record_type {
	RECORD_KEYFRAME = 'K', /* a whole sample: decodes on its own */
	RECORD_DELTA = 'D',    /* a sample as changes to the one before */
	RECORD_END = 'E',      /* written when recording ends cleanly */
};

/* Flags byte of a sample record. */
enum {
	RECORD_SAMPLE_OWNERS = 1u << 0,         /* the sample has an owner table */
	RECORD_SAMPLE_OWNERS_NEW = 1u << 1,     /* ... and it is written here */
	RECORD_SAMPLE_OWNERS_PARTIAL = 1u << 2, /* snapshot.owners_partial */
	RECORD_SAMPLE_COUNTERS = 1u << 3,       /* kernel counters follow */
	RECORD_SAMPLE_NFCT = 1u << 4,           /* conntrack fill follows
	                                         * (version 3) */
	RECORD_SAMPLE_NETNS = 1u << 5,          /* the namespace table follows
	                                         * (version 4) */
	RECORD_SAMPLE_KNOWN_V2 = 0x0f,          /* the flags of versions 1, 2 */
	RECORD_SAMPLE_CLOSES = 1u << 6,         /* the interval's closes follow
	                                         * (version 5) */
	RECORD_SAMPLE_KNOWN_V3 = 0x1f,          /* ... of version 3 */
	RECORD_SAMPLE_KNOWN_V4 = 0x3f,          /* ... of version 4 */
	RECORD_SAMPLE_KNOWN = 0x7f,
};

/* Flags of one namespace in a sample's namespace table (version 4). */
enum {
	RECORD_NETNS_INFO = 1u << 0,     /* its names follow; without it they
	                                  * are the previous sample's */
	RECORD_NETNS_COUNTERS = 1u << 1, /* its kernel counters follow */
	RECORD_NETNS_NFCT = 1u << 2,     /* its conntrack fill follows */
	RECORD_NETNS_KNOWN = 0x07,
};

/* The longest strings of a namespace's names (struct netns_info, less
 * the NUL): a longer one in a file is corruption. */
#define RECORD_NETNS_RUNTIME_MAX 15
#define RECORD_NETNS_NAME_MAX 95
#define RECORD_NETNS_ID_MAX 71
#define RECORD_NETNS_NOTE_MAX 159

/* Entry operations inside a sample record. */
enum record_op {
	RECORD_OP_COPY = 1,   /* a run of entries unchanged but for the
	                       * predicted clocks */
	RECORD_OP_CHANGE = 2, /* one entry: the changed fields */
	RECORD_OP_NEW = 3,    /* one entry written whole */
};

/* How a field's value is predicted from the previous sample of the same
 * socket, so that a clock that only ran on costs one small number. */
enum record_predict {
	RECORD_PREDICT_SAME,    /* the previous value */
	RECORD_PREDICT_ELAPSED, /* previous + elapsed ms, with tcp_info */
	RECORD_PREDICT_TIMER,   /* previous - elapsed ms while a timer runs */
};

/* The numeric fields of struct sock_entry, in the order of the bit masks
 * of CHANGE and NEW operations.  Identity fields (cookie, family,
 * addresses, ports) are not here: a socket whose identity changed is
 * written as NEW. */
struct record_field {
	uint16_t offset;
	uint8_t size; /* 1, 2, 4 or 8 bytes */
	uint8_t predict;
};

#define RECORD_FIELD_COUNT 26
/* The field holding the socket's network namespace (version 4).  A NEW
 * operation writes it when it differs from the socket written just before
 * in the same sample (0 before the first), not from 0: the sockets of one
 * namespace are dumped together, so it costs nothing but at each change
 * of namespace. */
#define RECORD_FIELD_NETNS 25
extern const struct record_field record_fields[RECORD_FIELD_COUNT];

/* How many of record_fields a file of format `version` has (fields are
 * only ever appended); a mask bit beyond them is corruption. */
unsigned int record_field_count(unsigned int version);

/* CRC-32 (IEEE 802.3, reflected, as zlib and gzip compute it).  Start
 * with crc 0; feed successive pieces with the previous result. */
uint32_t record_crc32(uint32_t crc, const void *data, size_t len);

/* True when the n bytes at head start like a recording (the magic). */
bool record_format_is_recording(const void *head, size_t n);

/* Field i of e, widened to 64 bits; and stored back (truncated). */
uint64_t record_field_get(const struct sock_entry *e, unsigned int i);
void record_field_set(struct sock_entry *e, unsigned int i, uint64_t v);

/* The value field i of the next sample is predicted to have, given the
 * previous entry and the elapsed milliseconds between the two samples. */
uint64_t record_field_predict(const struct sock_entry *prev, unsigned int i, uint32_t elapsed_ms);

/* Sets the predicted fields of e (the clocks) to what record_field_predict
 * gives from prev; the others stay.  The fast path of an unchanged run. */
void record_predict_clocks(const struct sock_entry *prev, struct sock_entry *e,
                           uint32_t elapsed_ms);

/* Difference of two values of field i as a signed number of that width
 * (so a counter going from 5 to 3 is -2, not 2^32 - 2), and the inverse. */
int64_t record_field_diff(unsigned int i, uint64_t value, uint64_t predicted);
uint64_t record_field_apply(unsigned int i, uint64_t predicted, int64_t diff);

static inline uint64_t
record_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
record_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* A growable output buffer: appends never fail individually; the first
 * allocation failure sets failed and later appends do nothing. */
struct record_buf {
	uint8_t *bytes;
	size_t len;
	size_t cap;
	bool failed;
};

void record_buf_bytes(struct record_buf *b, const void *data, size_t n);
void record_buf_u8(struct record_buf *b, uint8_t v);
void record_buf_le16(struct record_buf *b, uint16_t v);
void record_buf_le32(struct record_buf *b, uint32_t v);
void record_buf_le64(struct record_buf *b, uint64_t v);
void record_buf_varint(struct record_buf *b, uint64_t v);
void record_buf_free(struct record_buf *b);

/* A bounds-checked input cursor: a read past the end or a malformed
 * varint sets bad and yields 0, so a decoder checks once at the end. */
struct record_cur {
	const uint8_t *p;
	size_t left;
	bool bad;
};

uint8_t record_cur_u8(struct record_cur *c);
uint16_t record_cur_le16(struct record_cur *c);
uint32_t record_cur_le32(struct record_cur *c);
uint64_t record_cur_le64(struct record_cur *c);
uint64_t record_cur_varint(struct record_cur *c);
/* Copies n bytes into out (zeroes it when they are not there). */
void record_cur_bytes(struct record_cur *c, void *out, size_t n);

static inline uint32_t
record_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
