/*
 * format.c - number, time and duration formatting and parsing.
 * Pure; any thread.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "format.h"

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

size_t
format_duration(double seconds, char *out, size_t out_size)
{
	int n;

	if (seconds < 0)
		seconds = 0;
	if (seconds < 0.001)
		n = snprintf(out, out_size, "%.0fus", seconds * 1e6);
	else if (seconds < 1.0)
		n = snprintf(out, out_size, "%.1fms", seconds * 1e3);
	else if (seconds < 60.0)
		n = snprintf(out, out_size, "%.1fs", seconds);
	else if (seconds < 3600.0)
		n = snprintf(out, out_size, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
	else
		n = snprintf(out, out_size, "%dh%02dm", (int)(seconds / 3600),
			     (int)fmod(seconds / 60, 60));
	return n < 0 ? 0 : (size_t)n;
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
