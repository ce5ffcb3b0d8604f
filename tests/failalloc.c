/*
 * failalloc.c - the wrappers behind failalloc.h: malloc, calloc, realloc
 * and strdup count each call and fail the armed one; every block they
 * hand out is kept in a set of live pointers until free() or realloc()
 * gives it back.  A pointer free() does not know (allocated inside the C
 * library) is passed on untouched.
 *
 * Any thread may allocate (a mutex guards the counters and the set).
 * Must not allocate itself: the set is a fixed table.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
char *__wrap_strdup(const char *s);
void __wrap_free(void *ptr);

/* Open addressing; a tombstone keeps probe chains whole after a free. */
enum { SET_SLOTS = 1 << 20 };
#define TOMBSTONE ((void *)1)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *set[SET_SLOTS];
static size_t live;
static unsigned long armed, seen;
static bool fired;

static size_t
slot_of(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 44) & (SET_SLOTS - 1);
}

/* Called with the lock held. */
static void
set_add(void *p)
{
	size_t i = slot_of(p);

	while (set[i] != NULL && set[i] != TOMBSTONE)
		i = (i + 1) & (SET_SLOTS - 1);
	set[i] = p;
	live++;
}

/* Called with the lock held.  Returns whether p was in the set. */
static bool
set_remove(const void *p)
{
	size_t i = slot_of(p);

	while (set[i] != NULL) {
		if (set[i] == p) {
			set[i] = TOMBSTONE;
			live--;
			return true;
		}
		i = (i + 1) & (SET_SLOTS - 1);
	}
	return false;
}

/* Counts one allocation; true when it is the one to fail. */
static bool
should_fail(void)
{
	bool fail;

	pthread_mutex_lock(&lock);
	seen++;
	fail = armed != 0 && seen == armed;
	if (fail)
		fired = true;
	pthread_mutex_unlock(&lock);
	return fail;
}

static void *
track(void *p)
{
	if (p != NULL) {
		pthread_mutex_lock(&lock);
		set_add(p);
		pthread_mutex_unlock(&lock);
	}
	return p;
}

void
failalloc_arm(unsigned long nth)
{
	pthread_mutex_lock(&lock);
	armed = nth;
	seen = 0;
	fired = false;
	pthread_mutex_unlock(&lock);
}

bool
failalloc_fired(void)
{
	bool f;

	pthread_mutex_lock(&lock);
	f = fired;
	pthread_mutex_unlock(&lock);
	return f;
}

unsigned long
failalloc_seen(void)
{
	unsigned long n;

	pthread_mutex_lock(&lock);
	n = seen;
	pthread_mutex_unlock(&lock);
	return n;
}

size_t
failalloc_live(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = live;
	pthread_mutex_unlock(&lock);
	return n;
}

void *
__wrap_malloc(size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return track(__real_malloc(size));
}

void *
__wrap_calloc(size_t n, size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return track(__real_calloc(n, size));
}

void *
__wrap_realloc(void *ptr, size_t size)
{
	void *p;

	if (should_fail()) {
		/* The old block stays valid, as with a real failure. */
		errno = ENOMEM;
		return NULL;
	}
	p = __real_realloc(ptr, size);
	if (p == NULL && size != 0)
		return NULL;
	pthread_mutex_lock(&lock);
	if (ptr != NULL)
		(void)set_remove(ptr);
	if (p != NULL)
		set_add(p);
	pthread_mutex_unlock(&lock);
	return p;
}

char *
__wrap_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy;

	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	copy = __real_malloc(len);
	if (copy != NULL)
		memcpy(copy, s, len);
	return track(copy);
}

void
__wrap_free(void *ptr)
{
	if (ptr == NULL)
		return;
	pthread_mutex_lock(&lock);
	(void)set_remove(ptr);
	pthread_mutex_unlock(&lock);
	__real_free(ptr);
}
