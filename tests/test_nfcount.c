/*
 * test_nfcount.c - the connection-tracking collector: the parser of the
 * nf_conntrack sysctl files on hand-made bytes, reading the fixture /proc
 * roots of tests/data/nfcount (near full, full, quiet, without buckets,
 * malformed, without conntrack), and this kernel's own files when it has
 * them.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfcount.h"

static void
root_of(const char *name, char *out, size_t out_size)
{
	const char *dir = getenv("TESTS_SRCDIR");

	snprintf(out, out_size, "%s/data/nfcount/%s", dir != NULL ? dir : "tests", name);
}

static int
parse(const char *text, uint32_t *value)
{
	return nfcount_parse(text, strlen(text), value);
}

static void
test_parse(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(parse("262144\n", &v), 0);
	assert_int_equal(v, 262144);
	assert_int_equal(parse("0\n", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse("  42 \t\n", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse("4294967295", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(nfcount_parse("1234567", 3, &v), 0);
	assert_int_equal(v, 123);

	v = 7;
	assert_int_equal(parse("4294967296\n", &v), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(parse("99999999999999999999999\n", &v), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(parse("", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(parse("\n", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(parse("-1\n", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(parse("12x\n", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(parse("12 13\n", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(nfcount_parse("12\0", 3, &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void
test_read_fixtures(void **state)
{
	struct snapshot_nfct ct;
	char root[4096];

	(void)state;
	root_of("proc-near", root, sizeof(root));
	assert_int_equal(nfcount_read(&ct, root), 1);
	assert_true(ct.present);
	assert_int_equal(ct.count, 243712);
	assert_int_equal(ct.max, 262144);
	assert_int_equal(ct.buckets, 65536);

	root_of("proc-full", root, sizeof(root));
	assert_int_equal(nfcount_read(&ct, root), 1);
	assert_int_equal(ct.count, ct.max);

	root_of("proc-quiet", root, sizeof(root));
	assert_int_equal(nfcount_read(&ct, root), 1);
	assert_int_equal(ct.count, 31);

	/* The buckets only round out the advice. */
	root_of("proc-no-buckets", root, sizeof(root));
	assert_int_equal(nfcount_read(&ct, root), 1);
	assert_true(ct.present);
	assert_int_equal(ct.count, 4000);
	assert_int_equal(ct.max, 4096);
	assert_int_equal(ct.buckets, 0);
}

static int
open_in(const char *name, const char *file)
{
	char root[4096], path[4200];

	root_of(name, root, sizeof(root));
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/%s", root, file);
	return open(path, O_RDONLY);
}

/* The files opened once and read through their fds, twice. */
static void
test_read_fds(void **state)
{
	struct snapshot_nfct ct;
	int count = open_in("proc-near", "nf_conntrack_count");
	int max = open_in("proc-near", "nf_conntrack_max");
	int buckets = open_in("proc-near", "nf_conntrack_buckets");

	(void)state;
	assert_true(count >= 0 && max >= 0 && buckets >= 0);
	for (int round = 0; round < 2; round++) {
		memset(&ct, 0xa5, sizeof(ct));
		assert_int_equal(nfcount_read_fds(&ct, count, max, buckets), 1);
		assert_true(ct.present);
		assert_int_equal(ct.count, 243712);
		assert_int_equal(ct.max, 262144);
		assert_int_equal(ct.buckets, 65536);
	}
	assert_int_equal(nfcount_read_fds(&ct, count, max, -1), 1);
	assert_int_equal(ct.buckets, 0);
	/* No count file: no conntrack. */
	memset(&ct, 0xa5, sizeof(ct));
	assert_int_equal(nfcount_read_fds(&ct, -1, max, buckets), 0);
	assert_false(ct.present);
	/* A count without its limit is broken. */
	assert_int_equal(nfcount_read_fds(&ct, count, -1, buckets), -1);
	assert_false(ct.present);
	close(count);
	close(max);
	close(buckets);

	count = open_in("proc-bad", "nf_conntrack_count");
	max = open_in("proc-bad", "nf_conntrack_max");
	assert_true(count >= 0 && max >= 0);
	errno = 0;
	assert_int_equal(nfcount_read_fds(&ct, count, max, -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_false(ct.present);
	close(count);
	close(max);
}

/* No conntrack: 0 and nothing present; a file that is there but wrong:
 * -1, and nothing present either, whatever was in the struct before. */
static void
test_read_absent_and_bad(void **state)
{
	struct snapshot_nfct ct;
	char root[4096];

	(void)state;
	memset(&ct, 0xa5, sizeof(ct));
	root_of("proc-absent", root, sizeof(root));
	assert_int_equal(nfcount_read(&ct, root), 0);
	assert_false(ct.present);
	assert_int_equal(ct.count, 0);
	assert_int_equal(ct.max, 0);

	memset(&ct, 0xa5, sizeof(ct));
	assert_int_equal(nfcount_read(&ct, "/nonexistent/tcpdeck-test"), 0);
	assert_false(ct.present);

	memset(&ct, 0xa5, sizeof(ct));
	root_of("proc-bad", root, sizeof(root));
	assert_int_equal(nfcount_read(&ct, root), -1);
	assert_int_equal(errno, EINVAL);
	assert_false(ct.present);
	assert_int_equal(ct.count, 0);
	assert_int_equal(ct.max, 0);
}

/* This kernel's own files, when it tracks connections: the limit is a
 * positive number and the count parses. */
static void
test_read_real(void **state)
{
	struct snapshot_nfct ct;

	(void)state;
	if (access("/proc/sys/net/netfilter/nf_conntrack_count", R_OK) < 0)
		skip(); /* a kernel without conntrack: test_read_absent_and_bad */
	assert_int_equal(nfcount_read(&ct, "/proc"), 1);
	assert_true(ct.present);
	assert_true(ct.max > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_read_fixtures),
	    cmocka_unit_test(test_read_fds),
	    cmocka_unit_test(test_read_absent_and_bad),
	    cmocka_unit_test(test_read_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
