/*
 * test_page_release.c - page_release() gives back exactly the pages wholly
 * inside an array of at least PAGE_RELEASE_MIN_BYTES, which then read as
 * zeros and can be written again, and leaves smaller arrays alone.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "page_release.h"

static size_t
page_size(void)
{
	long size = sysconf(_SC_PAGESIZE);

	return size > 0 ? (size_t)size : 4096;
}

/* An array that starts one byte into a page and ends mid-page: its first
 * and last pages are shared with what lies around it and must keep their
 * bytes; every page in between reads zero after the release. */
static void
test_whole_pages_inside_released(void **state)
{
	size_t page = page_size(), bytes = PAGE_RELEASE_MIN_BYTES + 3 * page + 100;
	unsigned char *block = malloc(bytes + 2 * page), *p;
	uintptr_t first, end;

	(void)state;
	assert_non_null(block);
	p = (unsigned char *)((((uintptr_t)block + page - 1) & ~(uintptr_t)(page - 1)) + 1);
	memset(p, 0xab, bytes);
	page_release(p, bytes);
	first = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
	end = ((uintptr_t)p + bytes) & ~(uintptr_t)(page - 1);
	assert_true(first > (uintptr_t)p && end < (uintptr_t)p + bytes);
	/* Before the first whole page and after the last: kept. */
	assert_int_equal(p[0], 0xab);
	assert_int_equal(((unsigned char *)first)[-1], 0xab);
	assert_int_equal(((unsigned char *)end)[0], 0xab);
	assert_int_equal(p[bytes - 1], 0xab);
	/* Inside: zeros. */
	assert_int_equal(((unsigned char *)first)[0], 0);
	assert_int_equal(p[bytes / 2], 0);
	assert_int_equal(((unsigned char *)end)[-1], 0);
	/* Still the caller's memory. */
	memset(p, 0x5c, bytes);
	assert_int_equal(p[bytes / 2], 0x5c);
	free(block);
}

static void
test_small_arrays_kept(void **state)
{
	size_t bytes = PAGE_RELEASE_MIN_BYTES - 1;
	unsigned char *p = malloc(bytes);

	(void)state;
	assert_non_null(p);
	memset(p, 0xab, bytes);
	page_release(p, bytes);
	for (size_t i = 0; i < bytes; i += page_size() / 2)
		assert_int_equal(p[i], 0xab);
	page_release(NULL, (size_t)1 << 30); /* nothing to release */
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_pages_inside_released),
		cmocka_unit_test(test_small_arrays_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
