/*
 * failalloc.h - a test-only allocator that fails on request.
 *
 * A test program linked with failalloc.c and
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=free
 * sends every allocation that tcpdeck's own code makes through it (calls
 * inside the C library, such as fdopendir's, are not wrapped).  Armed
 * with N, the Nth allocation from then on returns NULL with ENOMEM; the
 * blocks handed out and not yet freed are counted, so a test can check
 * that a failed operation gave back everything it took.
 *
 * Any thread may allocate; arming and reading are meant for the test's
 * main thread.  Nothing here is part of tcpdeck.
 */
#ifndef TCPDECK_TEST_FAILALLOC_H
#define TCPDECK_TEST_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Fails the nth allocation (1 = the next one) from now; 0 disarms.
 * Resets the count of allocations seen. */
void failalloc_arm(unsigned long nth);

/* Whether the armed failure has happened since failalloc_arm(). */
bool failalloc_fired(void);

/* Allocations attempted since failalloc_arm(). */
unsigned long failalloc_seen(void);

/* Blocks allocated through the wrappers and not freed yet. */
size_t failalloc_live(void);

#endif
