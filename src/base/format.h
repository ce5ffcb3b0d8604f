/*
 * format.h - small text formatting helpers shared by batch output and UI.
 * Pure functions writing into caller buffers; any thread.
 */
#ifndef TCPDECK_FORMAT_H
#define TCPDECK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Room for the digits of any uint64_t and a NUL. */
#define FORMAT_U64_MAX 24

/* Room for format_ip(): the longest IPv6 text and a NUL. */
#define FORMAT_IP_MAX 48

/* len bytes of text into out (out_size bytes), cut to fit,
 * NUL-terminated; returns the length copied. */
size_t format_copy(char *out, size_t out_size, const char *text, size_t len);

/* v in decimal into out (FORMAT_U64_MAX bytes), NUL-terminated; returns
 * the length. */
size_t format_u64(uint64_t v, char *out);

/* v with `decimals` (0-6) digits after the point, byte for byte as
 * printf's "%.*f" writes it (which it calls near a rounding tie).
 * NUL-terminated, cut to out_size; returns the length. */
size_t format_fixed(double v, int decimals, char *out, size_t out_size);

/* An IPv4 (AF_INET, 4 bytes) or IPv6 address (16 bytes) as inet_ntop()
 * writes it, into out (FORMAT_IP_MAX bytes); returns the length. */
size_t format_ip(int family, const uint8_t *addr, char *out);

/* RFC 3339 UTC time with milliseconds: "2026-11-25T08:30:00.123Z". */
size_t format_rfc3339(const struct timespec *wall, char *out, size_t out_size);

/* printf into out (out_size bytes), cut to fit where the text is longer
 * (a finding's title names what may be long: what fits is shown);
 * returns whether all of it fit. */
bool format_cut(char *out, size_t out_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Count with thousands separators: "100,000". */
size_t format_count(uint64_t value, char *out, size_t out_size);

/* Signed change with separators and an explicit sign: "+12", "-3", "0". */
size_t format_delta(int64_t delta, char *out, size_t out_size);

/* A duration in seconds, short: "850us", "12.3ms", "1.5s", "2m05s", "3h07m". */
size_t format_duration(double seconds, char *out, size_t out_size);

/* Parses a non-negative number of seconds ("0.5", "2", "1e-1"); returns 0
 * or -1 when the text is not a finite number, starts with a blank or a
 * sign, or has trailing characters. */
int format_parse_seconds(const char *text, double *seconds);

/*
 * Parses where to go in a recording that starts at wall time `first`:
 * "+SECONDS" after the start (fractions allowed), or a local time of day
 * "HH:MM" or "HH:MM:SS" on the start's day (the next day when that is
 * before the start).  Returns 0 with *when set, or -1 for anything else.
 */
int format_parse_when(const char *text, const struct timespec *first, struct timespec *when);

/* Parses a non-negative decimal integer that fits unsigned long; 0 or -1. */
int format_parse_count(const char *text, unsigned long *value);

#endif
