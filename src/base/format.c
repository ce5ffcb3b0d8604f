/*
 * format.c - number, address, time and duration formatting and parsing.
 * The number and address writers are hand-written (no printf): batch
 * output calls them for every field of every row.
 * Pure; any thread.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"

/* Two digits at a time. */
static const char digit_pairs[] = "0001020304050607080910111213141516171819"
				  "2021222324252627282930313233343536373839"
				  "4041424344454647484950515253545556575859"
				  "6061626364656667686970717273747576777879"
				  "8081828384858687888990919293949596979899";

/* The digits of v, right-aligned ending at end; returns the first. */
static char *
u64_digits(uint64_t v, char *end)
{
	char *p = end;

	while (v >= 100) {
		unsigned int pair = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--p = digit_pairs[pair + 1];
		*--p = digit_pairs[pair];
	}
	if (v >= 10) {
		*--p = digit_pairs[v * 2 + 1];
		*--p = digit_pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

size_t
format_copy(char *out, size_t out_size, const char *text, size_t len)
{
	if (out_size == 0)
		return 0;
	if (len >= out_size)
		len = out_size - 1;
	memcpy(out, text, len);
	out[len] = '\0';
	return len;
}

size_t
format_u64(uint64_t v, char *out)
{
	size_t len = 1;

	/* The length first, then the digits in place. */
	for (uint64_t t = v; t >= 10; t /= 10)
		len++;
	out[len] = '\0';
	u64_digits(v, out + len);
	return len;
}

size_t
format_fixed(double v, int decimals, char *out, size_t out_size)
{
	static const double scales[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
	double y, whole, frac;
	uint64_t r, scale;
	char digits[40], *end = digits + sizeof(digits), *p;
	int n;

	if (out_size == 0)
		return 0;
	/* printf rounds the exact binary value, ties to even.  Scaling is
	 * exact without decimals; with decimals it errs by less than 1e-7
	 * below 1e9, so only a value that near a tie is left to printf, with
	 * negative, huge and non-finite ones. */
	if (decimals < 0 || decimals > 6 || signbit(v) || !(v < 1e9))
		goto slow;
	if (decimals == 0 && v == (double)(uint64_t)v) {
		/* A whole number, such as a byte count. */
		if (out_size >= FORMAT_U64_MAX)
			return format_u64((uint64_t)v, out);
		return format_copy(out, out_size, digits, format_u64((uint64_t)v, digits));
	}
	y = v * scales[decimals];
	whole = floor(y);
	frac = y - whole;
	r = (uint64_t)whole;
	if (decimals == 0) {
		if (frac > 0.5 || (frac == 0.5 && (r & 1)))
			r++;
	} else {
		if (fabs(frac - 0.5) < 1e-6)
			goto slow;
		r += frac > 0.5;
	}
	scale = (uint64_t)scales[decimals];
	p = end;
	if (decimals > 0) {
		uint64_t f = r % scale;

		for (int i = 0; i < decimals; i++) {
			*--p = (char)('0' + f % 10);
			f /= 10;
		}
		*--p = '.';
	}
	p = u64_digits(r / scale, p);
	return format_copy(out, out_size, p, (size_t)(end - p));
slow:
	n = snprintf(out, out_size, "%.*f", decimals, v);
	if (n < 0)
		return 0;
	return (size_t)n < out_size ? (size_t)n : out_size - 1;
}

static size_t
format_ipv4(const uint8_t *a, char *out)
{
	char *p = out;

	for (int i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		if (a[i] >= 100) {
			*p++ = (char)('0' + a[i] / 100);
			*p++ = digit_pairs[(a[i] % 100) * 2];
			*p++ = digit_pairs[(a[i] % 100) * 2 + 1];
		} else if (a[i] >= 10) {
			*p++ = digit_pairs[a[i] * 2];
			*p++ = digit_pairs[a[i] * 2 + 1];
		} else {
			*p++ = (char)('0' + a[i]);
		}
	}
	*p = '\0';
	return (size_t)(p - out);
}

size_t
format_ip(int family, const uint8_t *addr, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int words[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	char *p = out;

	if (family == AF_INET)
		return format_ipv4(addr, out);
	/* As inet_ntop() writes it: the longest run of two or more zero
	 * words (the first of equals) becomes "::", and an IPv4-compatible
	 * or -mapped address ends in dotted decimal. */
	for (int i = 0; i < 8; i++) {
		words[i] = (unsigned int)addr[2 * i] << 8 | addr[2 * i + 1];
		if (words[i] == 0) {
			if (cur < 0) {
				cur = i;
				cur_len = 0;
			}
			cur_len++;
			if (cur_len > best_len) {
				best = cur;
				best_len = cur_len;
			}
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		unsigned int w = words[i];
		bool lead = false;

		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)))
			return (size_t)(p - out) + format_ipv4(addr + 12, p);
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned int digit = (w >> shift) & 0xf;

			if (digit != 0 || lead || shift == 0) {
				*p++ = hex[digit];
				lead = true;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
	return (size_t)(p - out);
}

size_t
format_rfc3339(const struct timespec *wall, char *out, size_t out_size)
{
	struct tm tm;
	char date[32];
	int n;

	gmtime_r(&wall->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(out, out_size, "%s.%03ldZ", date, wall->tv_nsec / 1000000l);
	return n < 0 ? 0 : (size_t)n;
}

bool
format_cut(char *out, size_t out_size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, out_size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < out_size;
}

size_t
format_count(uint64_t value, char *out, size_t out_size)
{
	char digits[32];
	char grouped[48];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)value);
	size_t pos = 0;
	int n;

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[pos++] = ',';
		grouped[pos++] = digits[i];
	}
	grouped[pos] = '\0';
	n = snprintf(out, out_size, "%s", grouped);
	return n < 0 ? 0 : (size_t)n;
}

size_t
format_delta(int64_t delta, char *out, size_t out_size)
{
	char magnitude[48];
	uint64_t abs_value = delta < 0 ? (uint64_t)0 - (uint64_t)delta : (uint64_t)delta;
	int n;

	format_count(abs_value, magnitude, sizeof(magnitude));
	n = snprintf(out, out_size, "%s%s", delta > 0 ? "+" : delta < 0 ? "-" : "", magnitude);
	return n < 0 ? 0 : (size_t)n;
}

/* "<whole><suffix>" of n into out: n below 100, two digits. */
static size_t
two_digits(unsigned int n, char *out)
{
	out[0] = digit_pairs[(n % 100) * 2];
	out[1] = digit_pairs[(n % 100) * 2 + 1];
	return 2;
}

size_t
format_duration(double seconds, char *out, size_t out_size)
{
	char text[64];
	size_t len;

	if (seconds < 0)
		seconds = 0;
	if (seconds < 0.001) {
		len = format_fixed(seconds * 1e6, 0, text, sizeof(text) - 4);
		memcpy(text + len, "us", 3);
		len += 2;
	} else if (seconds < 1.0) {
		len = format_fixed(seconds * 1e3, 1, text, sizeof(text) - 4);
		memcpy(text + len, "ms", 3);
		len += 2;
	} else if (seconds < 60.0) {
		len = format_fixed(seconds, 1, text, sizeof(text) - 4);
		memcpy(text + len, "s", 2);
		len += 1;
	} else if (seconds < 3600.0) {
		len = format_u64((uint64_t)(seconds / 60), text);
		text[len++] = 'm';
		len += two_digits((unsigned int)fmod(seconds, 60), text + len);
		text[len++] = 's';
		text[len] = '\0';
	} else {
		int n = snprintf(text, sizeof(text), "%dh%02dm", (int)(seconds / 3600),
				 (int)fmod(seconds / 60, 60));

		len = n < 0 ? 0 : (size_t)n;
	}
	return format_copy(out, out_size, text, len);
}

int
format_parse_seconds(const char *text, double *seconds)
{
	char *end;
	double value;

	/* strtod() would skip leading blanks and take a sign; a number of
	 * seconds has neither (format_parse_count() rejects them too). */
	if ((*text < '0' || *text > '9') && *text != '.')
		return -1;
	errno = 0;
	value = strtod(text, &end);
	if (end == text || *end != '\0' || errno != 0 || !isfinite(value))
		return -1;
	*seconds = value;
	return 0;
}

int
format_parse_when(const char *text, const struct timespec *first, struct timespec *when)
{
	struct tm tm;
	time_t day_time;
	unsigned int h, m, sec = 0;
	int used = 0;
	double offset;

	if (text[0] == '+') {
		if (format_parse_seconds(text + 1, &offset) < 0 || offset > 1e9)
			return -1;
		when->tv_sec = first->tv_sec + (time_t)offset;
		when->tv_nsec = first->tv_nsec + (long)((offset - (double)(time_t)offset) * 1e9);
		if (when->tv_nsec >= 1000000000l) {
			when->tv_sec++;
			when->tv_nsec -= 1000000000l;
		}
		return 0;
	}
	if ((sscanf(text, "%2u:%2u:%2u%n", &h, &m, &sec, &used) != 3 || text[used] != '\0') &&
	    (sec = 0, used = 0, sscanf(text, "%2u:%2u%n", &h, &m, &used) != 2 || text[used] != '\0'))
		return -1;
	if (text[0] < '0' || text[0] > '9' || h > 23 || m > 59 || sec > 59)
		return -1;
	if (localtime_r(&first->tv_sec, &tm) == NULL)
		return -1;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)m;
	tm.tm_sec = (int)sec;
	tm.tm_isdst = -1;
	day_time = mktime(&tm);
	if (day_time == (time_t)-1)
		return -1;
	if (day_time < first->tv_sec)
		day_time += 24 * 3600;
	when->tv_sec = day_time;
	when->tv_nsec = 0;
	return 0;
}

int
format_parse_count(const char *text, unsigned long *value)
{
	char *end;
	unsigned long parsed;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	parsed = strtoul(text, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*value = parsed;
	return 0;
}
