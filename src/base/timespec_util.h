/*
 * timespec_util.h - struct timespec as seconds, for rates, ages and
 * intervals.  Pure; any thread.
 */
#ifndef TCPDECK_TIMESPEC_UTIL_H
#define TCPDECK_TIMESPEC_UTIL_H

#include <time.h>

/* t as seconds (since its clock's epoch). */
static inline double
timespec_seconds(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

/* Seconds from a to b (negative when b is earlier). */
static inline double
timespec_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

#endif
