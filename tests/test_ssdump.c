/*
 * test_ssdump.c - the `ss -D` replay source, on the dump recorded for
 * iproute2's own test suite (../shared/ss-testdata/ss1.dump): the seven
 * sockets it holds, the per-state counts, a copy cut at every byte,
 * files that are not dumps, and the conns view written from it.
 *
 * The fixture lives beside the project, not in it.  It is found through
 * $SHARED_DIR (set by make check), then $TESTS_SRCDIR/../../shared, then
 * relative to this source file; when none has it the test fails, naming
 * every path it tried - it never skips.  Temporary files go to the
 * current directory (the build directory under make check) and are
 * removed by the teardown.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "snapshot.h"
#include "source.h"

enum { CAUSE_LEN = 512, MAX_MSGS = 32 };

/* The fixture, read once by the group setup. */
static char dump_path[4096];
static uint8_t *dump_bytes;
static size_t dump_len;
/* Message boundaries found by walking the bytes: message i spans
 * [msg_start[i], msg_end[i]); is_sock[i] for SOCK_DIAG_BY_FAMILY. */
static size_t msg_start[MAX_MSGS], msg_end[MAX_MSGS], n_msgs;
static bool is_sock[MAX_MSGS];

/* Scratch files of the current test, removed by its teardown. */
static char tmp_file[64], tmp_dir[64];

/* ------------------------------------------------------------ fixture */

static bool
try_path(const char *dir, const char *rel, char *tried, size_t tried_size)
{
	if (dir == NULL || dir[0] == '\0')
		return false;
	snprintf(dump_path, sizeof(dump_path), "%s%s/ss-testdata/ss1.dump", dir, rel);
	snprintf(tried + strlen(tried), tried_size - strlen(tried), "%s%s", tried[0] ? ", " : "",
	         dump_path);
	return access(dump_path, R_OK) == 0;
}

/* The directory of this source file, as the compiler was given it. */
static void
source_dir(char *out, size_t size)
{
	const char *slash = strrchr(__FILE__, '/');

	if (slash == NULL)
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%.*s", (int)(slash - __FILE__), __FILE__);
}

static int
group_setup(void **state)
{
	char tried[8192] = "", here[4096];
	FILE *f;
	struct stat st;
	size_t at = 0;

	(void)state;
	source_dir(here, sizeof(here));
	if (!try_path(getenv("SHARED_DIR"), "", tried, sizeof(tried)) &&
	    !try_path(getenv("TESTS_SRCDIR"), "/../../shared", tried, sizeof(tried)) &&
	    !try_path(here, "/../../shared", tried, sizeof(tried))) {
		fprintf(stderr,
		        "FAIL: cannot find the recorded dump ss-testdata/ss1.dump; tried: %s "
		        "(set SHARED_DIR to the directory holding ss-testdata)\n",
		        tried);
		return -1;
	}
	f = fopen(dump_path, "rb");
	if (f == NULL || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "FAIL: cannot read %s: %s\n", dump_path, strerror(errno));
		return -1;
	}
	dump_len = (size_t)st.st_size;
	dump_bytes = malloc(dump_len + 1);
	if (dump_bytes == NULL || fread(dump_bytes, 1, dump_len, f) != dump_len) {
		fprintf(stderr, "FAIL: cannot read %s\n", dump_path);
		fclose(f);
		return -1;
	}
	fclose(f);

	/* Walk the messages by their own length fields. */
	while (at + sizeof(struct nlmsghdr) <= dump_len && n_msgs < MAX_MSGS) {
		struct nlmsghdr h;

		memcpy(&h, dump_bytes + at, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || at + NLMSG_ALIGN(h.nlmsg_len) > dump_len)
			break;
		msg_start[n_msgs] = at;
		msg_end[n_msgs] = at + NLMSG_ALIGN(h.nlmsg_len);
		is_sock[n_msgs] = h.nlmsg_type == SOCK_DIAG_BY_FAMILY;
		n_msgs++;
		at += NLMSG_ALIGN(h.nlmsg_len);
	}
	if (at != dump_len) {
		fprintf(stderr, "FAIL: %s does not split into whole netlink messages\n", dump_path);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(dump_bytes);
	return 0;
}

static int
test_teardown(void **state)
{
	(void)state;
	if (tmp_file[0] != '\0')
		unlink(tmp_file);
	if (tmp_dir[0] != '\0')
		rmdir(tmp_dir);
	tmp_file[0] = tmp_dir[0] = '\0';
	return 0;
}

/* A fresh scratch file in the current directory (relative, so its name
 * stays short in causes and notes). */
static void
scratch_file(void)
{
	int fd;

	snprintf(tmp_file, sizeof(tmp_file), "test_ssdump.tmp.XXXXXX");
	fd = mkstemp(tmp_file);
	if (fd < 0) {
		tmp_file[0] = '\0';
		fail_msg("cannot create a scratch file in the current directory: %s",
		         strerror(errno));
	}
	close(fd);
}

static void
write_scratch(const void *bytes, size_t len)
{
	int fd = open(tmp_file, O_WRONLY | O_TRUNC | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Opens path and takes one sample into a fresh snapshot; returns what
 * sample returned, or -2 when the open failed (cause holds why). */
static int
replay(const char *path, struct snapshot **snap_out, char *cause)
{
	struct source src = {NULL, NULL};
	struct snapshot *snap;
	int rc;

	cause[0] = '\0';
	*snap_out = NULL;
	if (source_ssdump_open(&src, path, cause, CAUSE_LEN) < 0) {
		assert_null(src.ops);
		return -2;
	}
	assert_non_null(src.ops);
	assert_non_null(src.ops->sample);
	snap = snapshot_new(0);
	assert_non_null(snap);
	rc = src.ops->sample(src.state, snap, cause, CAUSE_LEN);
	source_close(&src);
	assert_null(src.ops);
	if (rc != 0) {
		snapshot_unref(snap);
		return rc;
	}
	*snap_out = snap;
	return 0;
}

/* A user-facing cause: present, one line, naming the file. */
static void
assert_one_line_cause(const char *cause, const char *path)
{
	if (cause[0] == '\0')
		fail_msg("no cause given for %s", path);
	if (strchr(cause, '\n') != NULL)
		fail_msg("cause is more than one line: '%s'", cause);
	if (strstr(cause, path) == NULL)
		fail_msg("cause does not name '%s': '%s'", path, cause);
}

/* ------------------------------------------------------------ tests */

/* The fixture is what its README says: four IPv4 sockets, DONE, three
 * IPv6 sockets, DONE.  Socket messages are 96 bytes, except the IPv6
 * listener's (104: it carries INET_DIAG_SKV6ONLY too); DONE is 20. */
static void
test_fixture_layout(void **state)
{
	static const size_t sizes[] = {96, 96, 96, 96, 20, 104, 96, 96, 20};
	static const bool socks[] = {true, true, true, true, false, true, true, true, false};

	(void)state;
	assert_int_equal(dump_len, 720);
	assert_int_equal(n_msgs, sizeof(sizes) / sizeof(sizes[0]));
	for (size_t i = 0; i < n_msgs; i++) {
		struct nlmsghdr h;

		memcpy(&h, dump_bytes + msg_start[i], sizeof(h));
		assert_int_equal(msg_end[i] - msg_start[i], sizes[i]);
		assert_int_equal(h.nlmsg_len, sizes[i]);
		assert_int_equal(is_sock[i], socks[i]);
		if (!socks[i])
			assert_int_equal(h.nlmsg_type, NLMSG_DONE);
	}
}

struct expected_sock {
	int family;
	enum tcp_state state;
	const char *local;
	uint16_t lport;
	const char *remote;
	uint16_t rport;
	uint64_t cookie;
	uint32_t send_q;
	uint32_t inode;
};

/* In dump order, read off the bytes (and ss -Htna for the IPv4 part). */
static const struct expected_sock expected[7] = {
    {AF_INET, TCP_STATE_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0, 3, 128, 411},
    {AF_INET, TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.1", 36266, 6, 0, 15840},
    {AF_INET, TCP_STATE_ESTABLISHED, "10.0.0.1", 36266, "10.0.0.1", 22, 7, 0, 15057},
    {AF_INET, TCP_STATE_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 50312, 5, 0, 15834},
    {AF_INET6, TCP_STATE_LISTEN, "::", 22, "::", 0, 4, 128, 413},
    {AF_INET6, TCP_STATE_ESTABLISHED, "fec0:42::24", 40520, "fec0:42::1", 22, 1, 0, 1647},
    {AF_INET6, TCP_STATE_ESTABLISHED, "fec0:42::24", 22, "fec0:42::1", 44248, 2, 0, 14185},
};

static void
assert_entry(const struct sock_entry *e, const struct expected_sock *x)
{
	uint8_t local[16] = {0}, remote[16] = {0};

	assert_int_equal(inet_pton(x->family, x->local, local), 1);
	assert_int_equal(inet_pton(x->family, x->remote, remote), 1);
	assert_int_equal(e->family, x->family);
	assert_int_equal(e->state, x->state);
	assert_memory_equal(e->local_addr, local, 16);
	assert_memory_equal(e->remote_addr, remote, 16);
	assert_int_equal(e->local_port, x->lport);
	assert_int_equal(e->remote_port, x->rport);
	assert_int_equal(e->cookie, x->cookie);
	assert_int_equal(e->send_q, x->send_q);
	assert_int_equal(e->recv_q, 0);
	assert_int_equal(e->inode, x->inode);
	/* An old kernel's dump: no tcp_info. */
	assert_int_equal(e->flags & SOCK_ENTRY_HAS_INFO, 0);
}

static void
test_sample(void **state)
{
	struct source src = {NULL, NULL};
	struct snapshot *snap = snapshot_new(0), *again = snapshot_new(0);
	char cause[CAUSE_LEN] = "";

	(void)state;
	assert_non_null(snap);
	assert_non_null(again);
	assert_int_equal(source_ssdump_open(&src, dump_path, cause, sizeof(cause)), 0);
	assert_non_null(src.ops);
	assert_non_null(src.ops->name);
	assert_int_equal(src.ops->sample(src.state, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 7);
	for (size_t i = 0; i < 7; i++)
		assert_entry(&snap->entries[i], &expected[i]);
	assert_string_equal(snap->note, "");
	/* Recordings know no owners. */
	assert_null(snap->owners);

	/* One sample only: then the end, and the snapshot is not touched. */
	assert_int_equal(src.ops->sample(src.state, again, cause, sizeof(cause)), 1);
	assert_int_equal(again->n_entries, 0);
	assert_string_equal(again->note, "");
	assert_int_equal(src.ops->sample(src.state, again, cause, sizeof(cause)), 1);
	source_close(&src);
	source_close(&src); /* closing twice (a zeroed source) is safe */
	snapshot_unref(again);
	snapshot_unref(snap);
}

static void
test_counts(void **state)
{
	struct snapshot *snap;
	char cause[CAUSE_LEN];

	(void)state;
	assert_int_equal(replay(dump_path, &snap, cause), 0);
	snapshot_seal(snap);
	assert_int_equal(snap->total, 7);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		uint32_t want = s == TCP_STATE_LISTEN ? 2 : s == TCP_STATE_ESTABLISHED ? 5 : 0;

		if (snap->counts[s] != want)
			fail_msg("%s: %u sockets, expected %u", tcp_state_name(s), snap->counts[s],
			         want);
	}
	snapshot_unref(snap);
}

/*
 * The dump cut after every byte: never a crash; exactly the sockets of
 * the whole messages before the cut; a cut inside a message after at
 * least one socket noted with the offset where that message began; a
 * cut inside the first message refused.
 */
static void
test_truncated_every_offset(void **state)
{
	struct snapshot *whole;
	char cause[CAUSE_LEN];
	size_t noted = 0, refused = 0;

	(void)state;
	assert_int_equal(replay(dump_path, &whole, cause), 0);
	scratch_file();
	for (size_t cut = 0; cut <= dump_len; cut++) {
		struct snapshot *snap;
		size_t want = 0, inside = SIZE_MAX; /* start of the cut message */
		int rc;

		for (size_t i = 0; i < n_msgs; i++) {
			if (msg_end[i] <= cut)
				want += is_sock[i];
			else if (msg_start[i] < cut)
				inside = msg_start[i];
		}
		write_scratch(dump_bytes, cut);
		rc = replay(tmp_file, &snap, cause);

		if (cut < 16) {
			/* Not even a netlink header. */
			if (rc != -2)
				fail_msg("cut at %zu: opened", cut);
			assert_one_line_cause(cause, tmp_file);
			assert_non_null(strstr(cause, "too short"));
			refused++;
			continue;
		}
		if (want == 0) {
			/* Inside the first message: nothing whole to show. */
			if (rc != -1)
				fail_msg("cut at %zu: sample returned %d, expected -1", cut, rc);
			assert_one_line_cause(cause, tmp_file);
			assert_non_null(strstr(cause, "not a sock_diag dump"));
			refused++;
			continue;
		}
		if (rc != 0)
			fail_msg("cut at %zu: returned %d (%s), expected %zu sockets", cut, rc,
			         cause, want);
		if (snap->n_entries != want)
			fail_msg("cut at %zu: %zu sockets, expected %zu", cut, snap->n_entries,
			         want);
		/* The very sockets of the whole file, in order. */
		assert_memory_equal(snap->entries, whole->entries, want * sizeof(*snap->entries));
		if (inside != SIZE_MAX) {
			char at[64], showing[64];

			snprintf(at, sizeof(at), "at byte %zu;", inside);
			snprintf(showing, sizeof(showing), "showing the %zu sockets", want);
			if (strstr(snap->note, at) == NULL || strstr(snap->note, showing) == NULL)
				fail_msg("cut at %zu (inside the message at %zu): note '%s'", cut,
				         inside, snap->note);
			assert_null(strchr(snap->note, '\n'));
			noted++;
		}
		/* A cut exactly between messages leaves nothing to notice in
		 * the bytes themselves; the note is not checked there. */
		snapshot_unref(snap);
	}
	/* 16 too short, 80 inside the first message; every other cut but
	 * the 8 boundaries (and the end) inside a later message. */
	assert_int_equal(refused, 96);
	assert_int_equal(noted, dump_len + 1 - 96 - (n_msgs - 1) - 1);
	snapshot_unref(whole);
}

/* Bytes that are not a dump at all: refused with a one-line cause. */
static void
test_garbage(void **state)
{
	static const char text[] = "this is a text file, not a recording of any netlink dump\n";
	uint8_t zeros[200] = {0};
	char cause[CAUSE_LEN];
	struct snapshot *snap;

	(void)state;
	scratch_file();
	write_scratch(text, sizeof(text) - 1);
	errno = 0;
	assert_int_equal(replay(tmp_file, &snap, cause), -1);
	assert_int_equal(errno, EBADMSG);
	assert_one_line_cause(cause, tmp_file);
	assert_non_null(strstr(cause, "not a sock_diag dump"));

	write_scratch(zeros, sizeof(zeros));
	assert_int_equal(replay(tmp_file, &snap, cause), -1);
	assert_one_line_cause(cause, tmp_file);
	assert_non_null(strstr(cause, "not a sock_diag dump"));

	/* Whole sockets, then garbage where the next header should be:
	 * the sockets, and a note of where it went wrong. */
	{
		uint8_t *mixed = malloc(msg_end[1] + sizeof(text));

		assert_non_null(mixed);
		memcpy(mixed, dump_bytes, msg_end[1]);
		memcpy(mixed + msg_end[1], text, sizeof(text));
		write_scratch(mixed, msg_end[1] + sizeof(text));
		free(mixed);
		assert_int_equal(replay(tmp_file, &snap, cause), 0);
		assert_int_equal(snap->n_entries, 2);
		assert_non_null(strstr(snap->note, "at byte 192;"));
		snapshot_unref(snap);
	}
}

/* A dump that recorded the kernel's refusal says so. */
static void
test_recorded_error(void **state)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr err;
	} msg;
	char cause[CAUSE_LEN];
	struct snapshot *snap;

	(void)state;
	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_len = sizeof(msg);
	msg.h.nlmsg_type = NLMSG_ERROR;
	msg.err.error = -EPERM;
	msg.err.msg.nlmsg_len = sizeof(struct nlmsghdr);
	msg.err.msg.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	scratch_file();
	write_scratch(&msg, sizeof(msg));
	errno = 0;
	assert_int_equal(replay(tmp_file, &snap, cause), -1);
	assert_int_equal(errno, EPERM);
	assert_one_line_cause(cause, tmp_file);
	assert_non_null(strstr(cause, "records an error"));
	assert_non_null(strstr(cause, strerror(EPERM)));
}

static void
test_not_files(void **state)
{
	char cause[CAUSE_LEN], missing[128];
	struct snapshot *snap;

	(void)state;
	/* Empty. */
	scratch_file();
	errno = 0;
	assert_int_equal(replay(tmp_file, &snap, cause), -2);
	assert_int_equal(errno, EINVAL);
	assert_one_line_cause(cause, tmp_file);
	assert_non_null(strstr(cause, "too short"));

	/* Missing. */
	snprintf(missing, sizeof(missing), "%s.does-not-exist", tmp_file);
	errno = 0;
	assert_int_equal(replay(missing, &snap, cause), -2);
	assert_int_equal(errno, ENOENT);
	assert_one_line_cause(cause, missing);
	assert_non_null(strstr(cause, strerror(ENOENT)));

	/* A directory. */
	snprintf(tmp_dir, sizeof(tmp_dir), "test_ssdump.dir.XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		tmp_dir[0] = '\0';
		fail_msg("cannot create a scratch directory: %s", strerror(errno));
	}
	errno = 0;
	assert_int_equal(replay(tmp_dir, &snap, cause), -2);
	assert_int_equal(errno, EINVAL);
	assert_one_line_cause(cause, tmp_dir);
	assert_non_null(strstr(cause, "not a regular file"));
}

/* Runs one batch format's conns view over snap; returns the text. */
static char *
conns_text(const struct output_format *format, const struct snapshot *snap)
{
	struct output_context ctx;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	memset(&ctx, 0, sizeof(ctx));
	ctx.snap = snap;
	ctx.interval_s = 1;
	ctx.ct = NULL;
	ctx.match = NULL;
	ctx.sort_column = -1;
	assert_int_equal(output_print(format, OUTPUT_VIEW_CONNS, out, &ctx), 0);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);
	return text;
}

static void
test_json_conns(void **state)
{
	struct snapshot *snap;
	char cause[CAUSE_LEN], *text, *line, *save = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(replay(dump_path, &snap, cause), 0);
	snapshot_seal(snap);
	text = conns_text(&output_json, snap);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const struct expected_sock *x;
		char want[256];

		if (n >= 7)
			fail_msg("more than 7 lines; line %zu: %s", n + 1, line);
		x = &expected[n++];
		snprintf(want, sizeof(want),
		         "\"state\": \"%s\", \"family\": \"%s\", \"local_addr\": \"%s\", "
		         "\"local_port\": %u, \"remote_addr\": \"%s\", \"remote_port\": %u, ",
		         tcp_state_name(x->state), x->family == AF_INET ? "ipv4" : "ipv6", x->local,
		         x->lport, x->remote, x->rport);
		if (strstr(line, want) == NULL)
			fail_msg("line %zu lacks %s: %s", n, want, line);
		if (line[0] != '{' || line[strlen(line) - 1] != '}')
			fail_msg("line %zu is not one object: %s", n, line);
		snprintf(want, sizeof(want), "\"send_q\": %u, \"inode\": %u, \"cookie\": %llu, ",
		         x->send_q, x->inode, (unsigned long long)x->cookie);
		if (strstr(line, want) == NULL)
			fail_msg("line %zu lacks %s: %s", n, want, line);
		/* No owners, no tcp_info and no tracker: nulls. */
		assert_non_null(strstr(line, "\"pid\": null, \"process\": null, \"user\": null"));
		assert_non_null(strstr(line, "\"rtt_us\": null"));
		assert_non_null(strstr(line, "\"age_s\": null, \"send_rate\": null, "
		                             "\"recv_rate\": null}"));
	}
	assert_int_equal(n, 7);
	free(text);
	snapshot_unref(snap);
}

/* The text table shows the endpoints as ss does. */
static void
test_text_conns(void **state)
{
	static const char *const local[7] = {
	    "0.0.0.0:22", "10.0.0.1:22",         "10.0.0.1:36266",  "10.0.0.1:22",
	    "[::]:22",    "[fec0:42::24]:40520", "[fec0:42::24]:22"};
	static const char *const remote[7] = {
	    "0.0.0.0:*", "10.0.0.1:36266",  "10.0.0.1:22",       "10.0.0.2:50312",
	    "[::]:*",    "[fec0:42::1]:22", "[fec0:42::1]:44248"};
	struct snapshot *snap;
	char cause[CAUSE_LEN], *text, *line, *save = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(replay(dump_path, &snap, cause), 0);
	snapshot_seal(snap);
	text = conns_text(&output_text, snap);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char proto[16], st[16], l[64], r[64];

		n++;
		if (n == 1) {
			assert_non_null(strstr(line, ", 7 sockets"));
			continue;
		}
		if (n == 2) {
			assert_int_equal(strncmp(line, "PROTO", 5), 0);
			continue;
		}
		assert_true(n - 3 < 7);
		assert_int_equal(sscanf(line, "%15s %15s %63s %63s", proto, st, l, r), 4);
		assert_string_equal(proto, expected[n - 3].family == AF_INET ? "tcp" : "tcp6");
		assert_string_equal(st, tcp_state_name(expected[n - 3].state));
		assert_string_equal(l, local[n - 3]);
		assert_string_equal(r, remote[n - 3]);
	}
	assert_int_equal(n, 9);
	free(text);
	snapshot_unref(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_layout),
	    cmocka_unit_test(test_sample),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test_teardown(test_truncated_every_offset, test_teardown),
	    cmocka_unit_test_teardown(test_garbage, test_teardown),
	    cmocka_unit_test_teardown(test_recorded_error, test_teardown),
	    cmocka_unit_test_teardown(test_not_files, test_teardown),
	    cmocka_unit_test(test_json_conns),
	    cmocka_unit_test(test_text_conns),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
