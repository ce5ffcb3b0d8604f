/*
 * test_kcounters.c - the parser of /proc/net/snmp and /proc/net/netstat
 * over files captured from a 6.18 kernel and hand-made edge cases
 * (tests/data/kcounters), reading a /proc root, and rates.
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

#include "kcounters.h"

/* Fixtures live in the source tree: make check sets TESTS_SRCDIR. */
static void
data_path(const char *name, char *out, size_t out_size)
{
	const char *dir = getenv("TESTS_SRCDIR");

	snprintf(out, out_size, "%s/data/kcounters/%s", dir != NULL ? dir : "tests", name);
}

/* A fixture's bytes (malloc'd, not NUL-terminated for the parser). */
static char *
load(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = malloc(1 << 16);

	data_path(name, path, sizeof(path));
	f = fopen(path, "re");
	if (f == NULL)
		fail_msg("cannot open fixture %s", path);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	assert_true(feof(f));
	fclose(f);
	return buf;
}

static int
parse_file(struct kcounters *kc, const char *name)
{
	size_t len;
	char *text = load(name, &len);
	int rc = kcounters_parse(kc, text, len);

	free(text);
	return rc;
}

/* The value of `name` in a group of a fixture, read with plain string
 * functions rather than the parser under test. */
static bool
fixture_value(const char *file, const char *group, const char *name, uint64_t *value)
{
	size_t len;
	char *text = load(file, &len), *save = NULL, *line, *prev = NULL;
	char prefix[32];
	bool found = false;

	text = realloc(text, len + 1);
	assert_non_null(text);
	text[len] = '\0';
	snprintf(prefix, sizeof(prefix), "%s: ", group);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (prev != NULL && strncmp(line, prefix, strlen(prefix)) == 0 &&
		    strncmp(prev, prefix, strlen(prefix)) == 0) {
			char *ns = NULL, *vs = NULL;
			char *n = strtok_r(prev + strlen(prefix), " ", &ns);
			char *v = strtok_r(line + strlen(prefix), " ", &vs);

			for (; n != NULL && v != NULL;
			     n = strtok_r(NULL, " ", &ns), v = strtok_r(NULL, " ", &vs))
				if (strcmp(n, name) == 0) {
					*value = strtoull(v, NULL, 10);
					found = true;
				}
			prev = NULL;
			continue;
		}
		prev = line;
	}
	free(text);
	return found;
}

static void
test_names(void **state)
{
	(void)state;
	for (int c = 0; c < KC_COUNT; c++) {
		assert_non_null(kcounter_name(c));
		assert_non_null(kcounter_label(c));
		assert_true(strcmp(kcounter_group(c), "Tcp") == 0 ||
		            strcmp(kcounter_group(c), "TcpExt") == 0);
		assert_int_equal(kcounter_find(kcounter_name(c)), c);
		assert_int_equal(kcounter_is_gauge(c), c == KC_CURR_ESTAB);
	}
	assert_string_equal(kcounter_name(KC_LISTEN_OVERFLOWS), "ListenOverflows");
	assert_string_equal(kcounter_group(KC_ACTIVE_OPENS), "Tcp");
	assert_null(kcounter_name(KC_COUNT));
	assert_null(kcounter_group(-1));
	assert_null(kcounter_label(KC_COUNT + 5));
	assert_false(kcounter_is_gauge(KC_COUNT));
	assert_int_equal(kcounter_find("NoSuchCounter"), -1);
	assert_int_equal(kcounter_find("activeopens"), -1);
}

/* The captured files: every counter the header names is found, with the
 * value in its column, and both files fill one struct. */
static void
test_real_files(void **state)
{
	struct kcounters kc;

	(void)state;
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(parse_file(&kc, "snmp-6.18.txt"), 0);
	for (int c = 0; c < KC_COUNT; c++)
		assert_int_equal(kcounters_has(&kc, c), strcmp(kcounter_group(c), "Tcp") == 0);
	assert_int_equal(parse_file(&kc, "netstat-6.18.txt"), 0);
	for (int c = 0; c < KC_COUNT; c++) {
		const char *file =
		    strcmp(kcounter_group(c), "Tcp") == 0 ? "snmp-6.18.txt" : "netstat-6.18.txt";
		uint64_t expected;

		/* A 6.18 kernel has every counter tcpdeck follows. */
		assert_true(fixture_value(file, kcounter_group(c), kcounter_name(c), &expected));
		assert_true(kcounters_has(&kc, c));
		assert_true(kc.value[c] == expected);
	}
	assert_int_equal(kc.present, (1u << KC_COUNT) - 1);
}

/* "MPTcpExt:" and "IpExt:" share a suffix or a prefix with ours: they must
 * not be read as TcpExt. */
static void
test_other_groups_ignored(void **state)
{
	static const char text[] = "MPTcpExt: ListenOverflows TW\n"
	                           "MPTcpExt: 5 6\n"
	                           "TcpExtra: TW\n"
	                           "TcpExtra: 9\n"
	                           "Ip: Forwarding ActiveOpens\n"
	                           "Ip: 1 2\n";
	struct kcounters kc;

	(void)state;
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(kcounters_parse(&kc, text, sizeof(text) - 1), 0);
	assert_int_equal(kc.present, 0);
}

/* An older kernel: the counters it lacks are missing, not zero, and the
 * others are still read by name. */
static void
test_missing_counters(void **state)
{
	struct kcounters kc;
	uint64_t v;

	(void)state;
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(parse_file(&kc, "snmp-old.txt"), 0);
	assert_int_equal(parse_file(&kc, "netstat-old.txt"), 0);
	assert_false(kcounters_has(&kc, KC_SYN_RETRANS));
	assert_false(kcounters_has(&kc, KC_REQ_Q_FULL_DROP));
	assert_false(kcounters_has(&kc, KC_REQ_Q_FULL_COOKIE));
	assert_false(kcounters_has(&kc, KC_TW_RECYCLED));
	assert_false(kcounters_has(&kc, KC_SYNCOOKIES_FAILED));
	assert_true(kcounters_has(&kc, KC_LISTEN_OVERFLOWS));
	assert_true(fixture_value("netstat-old.txt", "TcpExt", "TCPTimeouts", &v));
	assert_true(kc.value[KC_TIMEOUTS] == v);
	assert_true(fixture_value("snmp-old.txt", "Tcp", "OutRsts", &v));
	assert_true(kc.value[KC_OUT_RSTS] == v);
	assert_int_equal(__builtin_popcount(kc.present), KC_COUNT - 5);
}

/* Columns in another order: values follow their names. */
static void
test_reordered_columns(void **state)
{
	struct kcounters kc;

	(void)state;
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(parse_file(&kc, "netstat-reordered.txt"), 0);
	for (int c = 0; c < KC_COUNT; c++) {
		uint64_t v;

		if (strcmp(kcounter_group(c), "TcpExt") != 0) {
			assert_false(kcounters_has(&kc, c));
			continue;
		}
		assert_true(fixture_value("netstat-reordered.txt", "TcpExt", kcounter_name(c), &v));
		assert_true(v >= 1000); /* the fixture's values are all distinct */
		assert_true(kcounters_has(&kc, c));
		assert_true(kc.value[c] == v);
	}
}

/* Broken pairs fail with EINVAL and leave the struct as it was. */
static void
check_invalid(const char *name)
{
	struct kcounters kc, before;

	memset(&kc, 0, sizeof(kc));
	kc.value[KC_TW] = 77;
	kc.present = 1u << KC_TW;
	before = kc;
	errno = 0;
	if (parse_file(&kc, name) != -1)
		fail_msg("%s was accepted", name);
	assert_int_equal(errno, EINVAL);
	assert_memory_equal(&kc, &before, sizeof(kc));
}

static void
test_invalid_files(void **state)
{
	(void)state;
	check_invalid("snmp-mismatch.txt");    /* one value fewer than names */
	check_invalid("snmp-truncated.txt");   /* cut inside the values */
	check_invalid("snmp-header-only.txt"); /* cut after the header */
	check_invalid("snmp-overflow.txt");    /* 2^64 */
}

static void
check_invalid_text(const char *text)
{
	struct kcounters kc;

	memset(&kc, 0, sizeof(kc));
	errno = 0;
	if (kcounters_parse(&kc, text, strlen(text)) != -1)
		fail_msg("accepted: %s", text);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(kc.present, 0);
}

static void
test_invalid_text(void **state)
{
	(void)state;
	check_invalid_text("Tcp: ActiveOpens PassiveOpens\nTcp: 1 2 3\n"); /* more values */
	check_invalid_text("Tcp: ActiveOpens PassiveOpens\nTcp: 1 x2\n");  /* not a number */
	check_invalid_text("Tcp: ActiveOpens\nTcp: -\n");
	check_invalid_text("Tcp: ActiveOpens\nTcp: -4\n");   /* ours negative */
	check_invalid_text("Tcp: ActiveOpens\nTcpExt: 4\n"); /* other group */
	check_invalid_text("Tcp: ActiveOpens\nstray line\nTcp: 4\n");
	check_invalid_text("TcpExt: TW\n");
}

/* Values up to UINT64_MAX, a negative value in a column we do not follow
 * (MaxConn), no final newline, CRLF line ends, several blanks. */
static void
test_edge_values(void **state)
{
	static const char text[] = "Tcp:  MaxConn\tActiveOpens  CurrEstab\r\n"
	                           "Tcp: -1 42\t7\r\n"
	                           "TcpExt: TW ListenDrops\n"
	                           "TcpExt: 0 18446744073709551615";
	struct kcounters kc;

	(void)state;
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(parse_file(&kc, "snmp-huge.txt"), 0);
	assert_true(kc.value[KC_ACTIVE_OPENS] == UINT64_MAX);
	assert_true(kc.value[KC_PASSIVE_OPENS] == UINT64_MAX - 1);
	assert_true(kc.value[KC_IN_SEGS] == 9223372036854775808ull);
	assert_true(kc.value[KC_OUT_SEGS] == 18446744073709551600ull);

	memset(&kc, 0, sizeof(kc));
	assert_int_equal(kcounters_parse(&kc, text, sizeof(text) - 1), 0);
	assert_int_equal(kc.present, (1u << KC_ACTIVE_OPENS) | (1u << KC_CURR_ESTAB) |
	                                 (1u << KC_TW) | (1u << KC_LISTEN_DROPS));
	assert_true(kc.value[KC_ACTIVE_OPENS] == 42);
	assert_true(kc.value[KC_CURR_ESTAB] == 7);
	assert_true(kc.value[KC_TW] == 0);
	assert_true(kc.value[KC_LISTEN_DROPS] == UINT64_MAX);
	/* The length bounds the parse: the bytes after it are not read. */
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(kcounters_parse(&kc, text,
	                                 strlen("Tcp:  MaxConn\tActiveOpens  CurrEstab\r\n"
	                                        "Tcp: -1 42\t7\r\n")),
	                 0);
	assert_false(kcounters_has(&kc, KC_TW));
	assert_int_equal(kcounters_parse(&kc, "", 0), 0);
}

static void
test_read_root(void **state)
{
	char root[4096];
	struct kcounters kc, parsed;

	(void)state;
	memset(&parsed, 0, sizeof(parsed));
	assert_int_equal(parse_file(&parsed, "snmp-6.18.txt"), 0);
	assert_int_equal(parse_file(&parsed, "netstat-6.18.txt"), 0);
	memset(&kc, 0xff, sizeof(kc)); /* zeroed first */
	data_path("root-6.18", root, sizeof(root));
	assert_int_equal(kcounters_read(&kc, root), 0);
	assert_memory_equal(&kc, &parsed, sizeof(kc));

	/* No netstat file: the TcpExt counters are missing, not an error. */
	data_path("root-snmp-only", root, sizeof(root));
	memset(&kc, 0xff, sizeof(kc));
	assert_int_equal(kcounters_read(&kc, root), 0);
	for (int c = 0; c < KC_COUNT; c++)
		assert_int_equal(kcounters_has(&kc, c), strcmp(kcounter_group(c), "Tcp") == 0);

	data_path("root-bad", root, sizeof(root));
	errno = 0;
	assert_int_equal(kcounters_read(&kc, root), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(kc.present, 0);

	data_path("no-such-root", root, sizeof(root));
	errno = 0;
	assert_int_equal(kcounters_read(&kc, root), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(kc.present, 0);
}

/* The same files read through fds opened once, read twice (pread from 0
 * each time, as the sampler does every sample). */
static void
test_read_fds(void **state)
{
	char root[4096], path[4200];
	struct kcounters kc, parsed;
	int snmp, netstat;

	(void)state;
	memset(&parsed, 0, sizeof(parsed));
	assert_int_equal(parse_file(&parsed, "snmp-6.18.txt"), 0);
	assert_int_equal(parse_file(&parsed, "netstat-6.18.txt"), 0);
	data_path("root-6.18", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/net/snmp", root);
	snmp = open(path, O_RDONLY);
	assert_true(snmp >= 0);
	snprintf(path, sizeof(path), "%s/net/netstat", root);
	netstat = open(path, O_RDONLY);
	assert_true(netstat >= 0);
	for (int round = 0; round < 2; round++) {
		memset(&kc, 0xff, sizeof(kc));
		assert_int_equal(kcounters_read_fds(&kc, snmp, netstat), 0);
		assert_memory_equal(&kc, &parsed, sizeof(kc));
	}
	/* No netstat: the TcpExt counters are missing. */
	assert_int_equal(kcounters_read_fds(&kc, snmp, -1), 0);
	for (int c = 0; c < KC_COUNT; c++)
		assert_int_equal(kcounters_has(&kc, c), strcmp(kcounter_group(c), "Tcp") == 0);
	errno = 0;
	assert_int_equal(kcounters_read_fds(&kc, -1, netstat), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(kc.present, 0);
	close(snmp);
	close(netstat);

	data_path("root-bad", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/net/snmp", root);
	snmp = open(path, O_RDONLY);
	assert_true(snmp >= 0);
	errno = 0;
	assert_int_equal(kcounters_read_fds(&kc, snmp, -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(kc.present, 0);
	close(snmp);
}

/* This machine's own files parse (whatever its kernel has, Tcp: is in
 * every kernel tcpdeck runs on). */
static void
test_read_live(void **state)
{
	struct kcounters kc;

	(void)state;
	assert_int_equal(kcounters_read(&kc, "/proc"), 0);
	for (int c = KC_ACTIVE_OPENS; c <= KC_OUT_RSTS; c++)
		assert_true(kcounters_has(&kc, c));
}

static void
test_rates(void **state)
{
	struct kcounters a, b;
	double rate = -1;
	uint64_t delta = 0;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(parse_file(&a, "snmp-gauge-a.txt"), 0);
	assert_int_equal(parse_file(&b, "snmp-gauge-b.txt"), 0);

	assert_true(kcounters_delta(&a, &b, KC_ACTIVE_OPENS, &delta));
	assert_int_equal(delta, 4);
	assert_true(kcounters_rate(&a, &b, KC_ACTIVE_OPENS, 2.0, &rate));
	assert_true(rate == 2.0);

	/* CurrEstab fell from 5 to 3: a gauge, so no delta, and its "rate"
	 * is the newer value. */
	assert_false(kcounters_delta(&a, &b, KC_CURR_ESTAB, &delta));
	assert_true(kcounters_rate(&a, &b, KC_CURR_ESTAB, 2.0, &rate));
	assert_true(rate == 3.0);
	assert_true(kcounters_rate(&a, &b, KC_CURR_ESTAB, 0, &rate));
	assert_true(rate == 3.0);

	/* OutRsts went backwards (7 to 6): a reset, no rate. */
	rate = -1;
	assert_false(kcounters_rate(&a, &b, KC_OUT_RSTS, 2.0, &rate));
	assert_false(kcounters_delta(&a, &b, KC_OUT_RSTS, &delta));
	assert_true(rate == -1);

	/* No time passed, or time ran backwards. */
	assert_false(kcounters_rate(&a, &b, KC_ACTIVE_OPENS, 0, &rate));
	assert_false(kcounters_rate(&a, &b, KC_ACTIVE_OPENS, -1, &rate));
	assert_true(rate == -1);

	/* Missing in one reading (snmp files have no TcpExt). */
	assert_false(kcounters_rate(&a, &b, KC_LISTEN_DROPS, 1.0, &rate));
	b.present &= ~(1u << KC_CURR_ESTAB);
	assert_false(kcounters_rate(&a, &b, KC_CURR_ESTAB, 1.0, &rate));
	a.present &= ~(1u << KC_ACTIVE_OPENS);
	assert_false(kcounters_rate(&a, &b, KC_ACTIVE_OPENS, 1.0, &rate));
	assert_false(kcounters_has(&a, KC_COUNT));
	assert_false(kcounters_rate(&a, &b, KC_COUNT, 1.0, &rate));

	/* The full 64-bit range: from 0 to UINT64_MAX is one delta. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.present = b.present = 1u << KC_IN_SEGS;
	b.value[KC_IN_SEGS] = UINT64_MAX;
	assert_true(kcounters_delta(&a, &b, KC_IN_SEGS, &delta));
	assert_true(delta == UINT64_MAX);
	assert_true(kcounters_rate(&a, &b, KC_IN_SEGS, 1.0, &rate));
	assert_true(rate > 1.8e19);
}

/* Mutated files (bytes flipped, lines cut, columns dropped): the parser
 * never reads past len, and either accepts or refuses with EINVAL leaving
 * the struct as it was.  Under ASan this is the parser's fuzz run. */
static void
test_mutations(void **state)
{
	size_t len_snmp, len_net;
	char *snmp = load("snmp-6.18.txt", &len_snmp);
	char *net = load("netstat-6.18.txt", &len_net);
	static const char alphabet[] = "0123456789 :\n-TcpExAO\t\r";
	uint64_t seed = 12345;
	int accepted = 0, refused = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		const char *src = round % 2 == 0 ? snmp : net;
		size_t len = round % 2 == 0 ? len_snmp : len_net;
		char *buf;
		struct kcounters kc, before;
		int edits;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		/* An exact-size copy: reading past the end shows under ASan. */
		buf = malloc(len);
		assert_non_null(buf);
		memcpy(buf, src, len);
		edits = 1 + (int)((seed >> 60) & 3);
		for (int i = 0; i < edits; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[(seed >> 20) % len] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		if (round % 3 == 0)
			len = (size_t)((seed >> 33) % (len + 1)); /* cut short */
		memset(&kc, 0, sizeof(kc));
		kc.value[KC_TW] = 5;
		before = kc;
		errno = 0;
		if (kcounters_parse(&kc, buf, len) == 0) {
			accepted++;
		} else {
			assert_int_equal(errno, EINVAL);
			assert_memory_equal(&kc, &before, sizeof(kc));
			refused++;
		}
		free(buf);
	}
	/* Both outcomes happen, or the mutations test nothing. */
	assert_true(accepted > 100);
	assert_true(refused > 100);
	free(snmp);
	free(net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_other_groups_ignored),
		cmocka_unit_test(test_missing_counters),
		cmocka_unit_test(test_reordered_columns),
		cmocka_unit_test(test_invalid_files),
		cmocka_unit_test(test_invalid_text),
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_read_root),
		cmocka_unit_test(test_read_fds),
		cmocka_unit_test(test_read_live),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
