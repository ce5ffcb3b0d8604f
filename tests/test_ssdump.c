/*
 * test_ssdump.c - the `ss -D` replay source, on the dumps under
 * tests/data/ssdump/ that tools/make-ssdumps recorded from real sockets
 * in every state ss can dump, in IPv4 and IPv6: tcp.dump (`ss -tan -D`,
 * no tcp_info) and tcp-info.dump (`ss -tani -D`).  Beside each lies the
 * text ss printed reading the very bytes (tcp.txt, tcp-info.txt); that
 * text is the expected result: every socket, in order, with its state,
 * endpoints, queues, inode, cookie, timer and tcp_info fields, and so the
 * per-state counts.  Then: a copy cut at every byte, files that are not
 * dumps, and the conns view written from each dump.
 *
 * The fixtures are found through $TESTS_SRCDIR (set by make check), else
 * relative to this source file; when neither has them the test fails,
 * naming the paths it tried - it never skips.  Temporary files go to the
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
#include <inttypes.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "snapshot.h"
#include "source.h"

enum { CAUSE_LEN = 512, MAX_MSGS = 512, ADDR_LEN = 64 };

/* One socket line of ss's text (and the tcp_info line under it). */
struct expected_sock {
	int family;
	int state;                              /* enum tcp_state */
	char local[ADDR_LEN], remote[ADDR_LEN]; /* as ss shows them */
	char local_addr[ADDR_LEN], remote_addr[ADDR_LEN];
	uint16_t lport, rport;
	uint32_t recv_q, send_q, inode, uid;
	uint64_t cookie;
	int timer; /* idiag_timer from ss's name; 0 when ss shows none */
	unsigned timer_retrans;
	bool has_info;
	double rtt_ms, rttvar_ms;
	uint64_t cwnd, total_retrans, segs_in, segs_out, lastsnd, lastrcv;
	uint64_t bytes_acked, bytes_received;
};

/* A dump and its text, read once by the group setup. */
struct fixture {
	const char *name; /* tcp or tcp-info */
	bool with_info;   /* recorded with ss -i */
	char dump_path[4096], text_path[4096];
	uint8_t *bytes;
	size_t len;
	/* Message boundaries found by walking the bytes: message i spans
	 * [msg_start[i], msg_end[i]); is_sock[i] for SOCK_DIAG_BY_FAMILY. */
	size_t msg_start[MAX_MSGS], msg_end[MAX_MSGS], n_msgs;
	bool is_sock[MAX_MSGS];
	struct expected_sock *socks;
	size_t n_socks;
};

static struct fixture plain = {.name = "tcp", .with_info = false};
static struct fixture info = {.name = "tcp-info", .with_info = true};

/* Scratch files of the current test, removed by its teardown. */
static char tmp_file[64], tmp_dir[64];

/* ------------------------------------------------------------ fixture */

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

/* Reads a whole file; NULL (with a message) when it cannot. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *bytes;

	if (f == NULL || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "FAIL: cannot read %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	*len = (size_t)st.st_size;
	bytes = malloc(*len + 1);
	if (bytes == NULL || fread(bytes, 1, *len, f) != *len) {
		fprintf(stderr, "FAIL: cannot read %s\n", path);
		free(bytes);
		fclose(f);
		return NULL;
	}
	bytes[*len] = '\0';
	fclose(f);
	return bytes;
}

/* "127.0.0.1:8080", "[::1]:8080" or "0.0.0.0:*": the address without
 * brackets and the port (0 for *). */
static bool
split_endpoint(const char *shown, char *addr, uint16_t *port, int *family)
{
	const char *colon = strrchr(shown, ':');
	size_t n;

	if (colon == NULL)
		return false;
	*port = strcmp(colon + 1, "*") == 0 ? 0 : (uint16_t)strtoul(colon + 1, NULL, 10);
	n = (size_t)(colon - shown);
	*family = shown[0] == '[' ? AF_INET6 : AF_INET;
	if (*family == AF_INET6) {
		if (n < 2 || shown[n - 1] != ']')
			return false;
		snprintf(addr, ADDR_LEN, "%.*s", (int)(n - 2), shown + 1);
	} else {
		snprintf(addr, ADDR_LEN, "%.*s", (int)n, shown);
	}
	return true;
}

/* The number after " key" in line (key includes its ':'); 0 when ss left
 * it out, as it does for zero counters. */
static uint64_t
field_u64(const char *line, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), " %s", key);
	at = strstr(line, pat);
	return at == NULL ? 0 : strtoull(at + strlen(pat), NULL, 10);
}

static bool
parse_info_line(const char *line, struct expected_sock *x)
{
	const char *at;

	x->has_info = true;
	x->cwnd = field_u64(line, "cwnd:");
	x->segs_in = field_u64(line, "segs_in:");
	x->segs_out = field_u64(line, "segs_out:");
	x->bytes_acked = field_u64(line, "bytes_acked:");
	x->bytes_received = field_u64(line, "bytes_received:");
	x->lastsnd = field_u64(line, "lastsnd:");
	x->lastrcv = field_u64(line, "lastrcv:");
	at = strstr(line, " rtt:");
	if (at != NULL && sscanf(at, " rtt:%lf/%lf", &x->rtt_ms, &x->rttvar_ms) != 2)
		return false;
	at = strstr(line, " retrans:");
	if (at != NULL) {
		unsigned now, total;

		if (sscanf(at, " retrans:%u/%u", &now, &total) != 2)
			return false;
		x->total_retrans = total;
	}
	return true;
}

/* ss's timer names, indexed by idiag_timer. */
static const char *const timer_names[] = {"off", "on", "keepalive", "timewait", "persist"};

static bool
parse_sock_line(const char *line, struct expected_sock *x)
{
	char st[32], timer[32];
	const char *at;
	int fam_remote;

	memset(x, 0, sizeof(*x));
	if (sscanf(line, "%31s %" SCNu32 " %" SCNu32 " %63s %63s", st, &x->recv_q, &x->send_q,
	           x->local, x->remote) != 5)
		return false;
	x->state = tcp_state_from_name(st);
	if (x->state < 0 || !split_endpoint(x->local, x->local_addr, &x->lport, &x->family) ||
	    !split_endpoint(x->remote, x->remote_addr, &x->rport, &fam_remote) ||
	    fam_remote != x->family)
		return false;
	x->inode = (uint32_t)field_u64(line, "ino:");
	x->uid = (uint32_t)field_u64(line, "uid:");
	at = strstr(line, " sk:");
	if (at == NULL || sscanf(at, " sk:%" SCNx64, &x->cookie) != 1)
		return false;
	at = strstr(line, " timer:(");
	if (at != NULL) {
		size_t n = strcspn(at + 8, ",");
		bool known = false;

		snprintf(timer, sizeof(timer), "%.*s", (int)n, at + 8);
		for (size_t i = 0; i < sizeof(timer_names) / sizeof(timer_names[0]); i++)
			if (strcmp(timer, timer_names[i]) == 0) {
				x->timer = (int)i;
				known = true;
			}
		at = strrchr(at, ',');
		if (!known || at == NULL || sscanf(at, ",%u)", &x->timer_retrans) != 1)
			return false;
	}
	return true;
}

/* ss's text: a header, then one line per socket; with -i each is
 * followed by a line holding its tcp_info (empty when it has none). */
static int
read_text(struct fixture *f)
{
	size_t len, cap = 0;
	char *text = (char *)slurp(f->text_path, &len), *line, *save = NULL;
	unsigned lineno = 0;

	if (text == NULL)
		return -1;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (lineno == 1) {
			if (strncmp(line, "State", 5) != 0)
				goto bad;
			continue;
		}
		if (line[0] == '\t') {
			if (f->n_socks == 0 || !parse_info_line(line, &f->socks[f->n_socks - 1]))
				goto bad;
			continue;
		}
		if (f->n_socks == cap) {
			struct expected_sock *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(f->socks, cap * sizeof(*grown));
			if (grown == NULL)
				goto bad;
			f->socks = grown;
		}
		if (!parse_sock_line(line, &f->socks[f->n_socks]))
			goto bad;
		f->n_socks++;
	}
	free(text);
	return 0;
bad:
	fprintf(stderr, "FAIL: %s: line %u is not what ss prints: %s\n", f->text_path, lineno,
	        line != NULL ? line : "");
	free(text);
	return -1;
}

static int
load_fixture(struct fixture *f, const char *dir)
{
	size_t at = 0;

	snprintf(f->dump_path, sizeof(f->dump_path), "%s/%s.dump", dir, f->name);
	snprintf(f->text_path, sizeof(f->text_path), "%s/%s.txt", dir, f->name);
	f->bytes = slurp(f->dump_path, &f->len);
	if (f->bytes == NULL || read_text(f) < 0)
		return -1;

	/* Walk the messages by their own length fields. */
	while (at + sizeof(struct nlmsghdr) <= f->len && f->n_msgs < MAX_MSGS) {
		struct nlmsghdr h;

		memcpy(&h, f->bytes + at, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || at + NLMSG_ALIGN(h.nlmsg_len) > f->len)
			break;
		f->msg_start[f->n_msgs] = at;
		f->msg_end[f->n_msgs] = at + NLMSG_ALIGN(h.nlmsg_len);
		f->is_sock[f->n_msgs] = h.nlmsg_type == SOCK_DIAG_BY_FAMILY;
		f->n_msgs++;
		at += NLMSG_ALIGN(h.nlmsg_len);
	}
	if (at != f->len) {
		fprintf(stderr, "FAIL: %s does not split into whole netlink messages\n",
		        f->dump_path);
		return -1;
	}
	return 0;
}

static int
group_setup(void **state)
{
	const char *srcdir = getenv("TESTS_SRCDIR");
	char here[2048], dir[3072];

	(void)state;
	if (srcdir != NULL && srcdir[0] != '\0') {
		snprintf(dir, sizeof(dir), "%s/data/ssdump", srcdir);
	} else {
		source_dir(here, sizeof(here));
		snprintf(dir, sizeof(dir), "%s/data/ssdump", here);
	}
	if (access(dir, R_OK) != 0) {
		fprintf(stderr,
		        "FAIL: cannot find the recorded dumps in %s: %s (set TESTS_SRCDIR to "
		        "the tests directory of the source tree)\n",
		        dir, strerror(errno));
		return -1;
	}
	if (load_fixture(&plain, dir) < 0 || load_fixture(&info, dir) < 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(plain.bytes);
	free(plain.socks);
	free(info.bytes);
	free(info.socks);
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

/*
 * The dump is what ss -D writes: the IPv4 sockets, NLMSG_DONE, the IPv6
 * sockets, NLMSG_DONE; one socket message per line of ss's text.  Both
 * families are there, and every state ss can dump (all but CLOSE: ss
 * before iproute2 6.9 never asks for bound-only sockets).
 */
static void
test_fixture_layout(void **state)
{
	const struct fixture *f = *state;
	size_t dones = 0, socks = 0, v4 = 0, v6 = 0;
	uint32_t per_state[TCP_STATE_COUNT] = {0};

	for (size_t i = 0; i < f->n_msgs; i++) {
		struct nlmsghdr h;
		struct inet_diag_msg m;

		memcpy(&h, f->bytes + f->msg_start[i], sizeof(h));
		if (!f->is_sock[i]) {
			assert_int_equal(h.nlmsg_type, NLMSG_DONE);
			dones++;
			continue;
		}
		assert_true(h.nlmsg_len >= NLMSG_LENGTH(sizeof(m)));
		memcpy(&m, f->bytes + f->msg_start[i] + NLMSG_HDRLEN, sizeof(m));
		if (m.idiag_family != (dones == 0 ? AF_INET : AF_INET6))
			fail_msg("%s: message %zu (family %u) after %zu NLMSG_DONE", f->name, i,
			         m.idiag_family, dones);
		socks++;
	}
	assert_int_equal(dones, 2);
	assert_false(f->is_sock[f->n_msgs - 1]);
	assert_int_equal(socks, f->n_socks);
	for (size_t i = 0; i < f->n_socks; i++) {
		per_state[f->socks[i].state]++;
		v4 += f->socks[i].family == AF_INET;
		v6 += f->socks[i].family == AF_INET6;
	}
	assert_true(v4 > 0);
	assert_true(v6 > 0);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (s != TCP_STATE_CLOSE && per_state[s] == 0)
			fail_msg("%s holds no socket in %s", f->name, tcp_state_name(s));
}

static void
assert_entry(const struct fixture *f, size_t i, const struct sock_entry *e)
{
	const struct expected_sock *x = &f->socks[i];
	uint8_t local[16] = {0}, remote[16] = {0};

	assert_int_equal(inet_pton(x->family, x->local_addr, local), 1);
	assert_int_equal(inet_pton(x->family, x->remote_addr, remote), 1);
	if (e->family != x->family || e->state != x->state || e->local_port != x->lport ||
	    e->remote_port != x->rport)
		fail_msg("%s socket %zu: %s %u -> %u, ss shows %s %s -> %s", f->name, i,
		         tcp_state_name(e->state), e->local_port, e->remote_port,
		         tcp_state_name(x->state), x->local, x->remote);
	assert_memory_equal(e->local_addr, local, 16);
	assert_memory_equal(e->remote_addr, remote, 16);
	assert_int_equal(e->recv_q, x->recv_q);
	assert_int_equal(e->send_q, x->send_q);
	assert_int_equal(e->inode, x->inode);
	assert_int_equal(e->uid, x->uid);
	assert_int_equal(e->cookie, x->cookie);
	assert_int_equal(e->timer, x->timer);
	if (x->timer != 0)
		assert_int_equal(e->retrans, x->timer_retrans);

	/* tcp_info: only in the dump made with -i, and there exactly for
	 * the sockets ss showed it for (not TIME_WAIT nor request sockets). */
	assert_int_equal(x->has_info && !f->with_info, false);
	if (!x->has_info) {
		if (e->flags & SOCK_ENTRY_HAS_INFO)
			fail_msg("%s socket %zu (%s): tcp_info that ss did not show", f->name, i,
			         x->local);
		return;
	}
	if (!(e->flags & SOCK_ENTRY_HAS_INFO))
		fail_msg("%s socket %zu (%s): no tcp_info", f->name, i, x->local);
	/* ss shows milliseconds with %g (six significant digits), and
	 * leaves rtt out when it is 0 (no sample yet: SYN_SENT). */
	if (fabs(x->rtt_ms * 1000 - e->rtt_us) > 0.5 ||
	    (x->rtt_ms > 0 && fabs(x->rttvar_ms * 1000 - e->rttvar_us) > 0.5))
		fail_msg("%s socket %zu: rtt %u/%u us, ss shows %g/%g ms", f->name, i, e->rtt_us,
		         e->rttvar_us, x->rtt_ms, x->rttvar_ms);
	assert_int_equal(e->snd_cwnd, x->cwnd);
	assert_int_equal(e->total_retrans, x->total_retrans);
	assert_int_equal(e->segs_in, x->segs_in);
	assert_int_equal(e->segs_out, x->segs_out);
	assert_int_equal(e->bytes_acked, x->bytes_acked);
	assert_int_equal(e->bytes_received, x->bytes_received);
	assert_int_equal(e->last_data_sent_ms, x->lastsnd);
	assert_int_equal(e->last_data_recv_ms, x->lastrcv);
}

/* Every socket, in dump order, as ss read it from the same bytes. */
static void
test_sample(void **state)
{
	const struct fixture *f = *state;
	struct source src = {NULL, NULL};
	struct snapshot *snap = snapshot_new(0), *again = snapshot_new(0);
	char cause[CAUSE_LEN] = "";
	size_t with_info = 0;

	assert_non_null(snap);
	assert_non_null(again);
	assert_int_equal(source_ssdump_open(&src, f->dump_path, cause, sizeof(cause)), 0);
	assert_non_null(src.ops);
	assert_non_null(src.ops->name);
	assert_int_equal(src.ops->sample(src.state, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, f->n_socks);
	for (size_t i = 0; i < f->n_socks; i++) {
		assert_entry(f, i, &snap->entries[i]);
		with_info += (snap->entries[i].flags & SOCK_ENTRY_HAS_INFO) != 0;
	}
	/* The -i dump has tcp_info for most sockets, the other for none. */
	if (f->with_info)
		assert_true(with_info > f->n_socks / 2);
	else
		assert_int_equal(with_info, 0);
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

/* The per-state counts are those of ss's text. */
static void
test_counts(void **state)
{
	const struct fixture *f = *state;
	uint32_t want[TCP_STATE_COUNT] = {0};
	struct snapshot *snap;
	char cause[CAUSE_LEN];

	for (size_t i = 0; i < f->n_socks; i++)
		want[f->socks[i].state]++;
	assert_int_equal(replay(f->dump_path, &snap, cause), 0);
	snapshot_seal(snap);
	assert_int_equal(snap->total, f->n_socks);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (snap->counts[s] != want[s])
			fail_msg("%s: %s: %u sockets, ss shows %u", f->name, tcp_state_name(s),
			         snap->counts[s], want[s]);
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
	const struct fixture *f = *state;
	struct snapshot *whole;
	char cause[CAUSE_LEN];
	size_t noted = 0, refused = 0;

	assert_int_equal(replay(f->dump_path, &whole, cause), 0);
	scratch_file();
	for (size_t cut = 0; cut <= f->len; cut++) {
		struct snapshot *snap;
		size_t want = 0, inside = SIZE_MAX; /* start of the cut message */
		int rc;

		for (size_t i = 0; i < f->n_msgs; i++) {
			if (f->msg_end[i] <= cut)
				want += f->is_sock[i];
			else if (f->msg_start[i] < cut)
				inside = f->msg_start[i];
		}
		write_scratch(f->bytes, cut);
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
	/* Every cut inside the first message is refused (16 of them too
	 * short); every other cut but the boundaries between messages (and
	 * the end) is inside a later message. */
	assert_int_equal(refused, f->msg_end[0]);
	assert_int_equal(noted, f->len + 1 - f->msg_end[0] - (f->n_msgs - 1) - 1);
	snapshot_unref(whole);
}

/* Bytes that are not a dump at all: refused with a one-line cause. */
static void
test_garbage(void **state)
{
	static const char text[] = "this is a text file, not a recording of any netlink dump\n";
	const struct fixture *f = &plain;
	uint8_t zeros[200] = {0};
	char cause[CAUSE_LEN], at[64];
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
		uint8_t *mixed = malloc(f->msg_end[1] + sizeof(text));

		assert_true(f->is_sock[0] && f->is_sock[1]);
		assert_non_null(mixed);
		memcpy(mixed, f->bytes, f->msg_end[1]);
		memcpy(mixed + f->msg_end[1], text, sizeof(text));
		write_scratch(mixed, f->msg_end[1] + sizeof(text));
		free(mixed);
		assert_int_equal(replay(tmp_file, &snap, cause), 0);
		assert_int_equal(snap->n_entries, 2);
		snprintf(at, sizeof(at), "at byte %zu;", f->msg_end[1]);
		assert_non_null(strstr(snap->note, at));
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
	const struct fixture *f = *state;
	struct snapshot *snap;
	char cause[CAUSE_LEN], *text, *line, *save = NULL;
	size_t n = 0;

	assert_int_equal(replay(f->dump_path, &snap, cause), 0);
	snapshot_seal(snap);
	text = conns_text(&output_json, snap);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const struct expected_sock *x;
		char want[256], inode[16];

		if (n >= f->n_socks)
			fail_msg("more than %zu lines; line %zu: %s", f->n_socks, n + 1, line);
		x = &f->socks[n++];
		snprintf(want, sizeof(want),
		         "\"state\": \"%s\", \"family\": \"%s\", \"local_addr\": \"%s\", "
		         "\"local_port\": %u, \"remote_addr\": \"%s\", \"remote_port\": %u, ",
		         tcp_state_name(x->state), x->family == AF_INET ? "ipv4" : "ipv6",
		         x->local_addr, x->lport, x->remote_addr, x->rport);
		if (strstr(line, want) == NULL)
			fail_msg("line %zu lacks %s: %s", n, want, line);
		if (line[0] != '{' || line[strlen(line) - 1] != '}')
			fail_msg("line %zu is not one object: %s", n, line);
		/* Inode 0 (TIME_WAIT, request sockets, a child not yet
		 * accepted) is unknown: null. */
		if (x->inode != 0)
			snprintf(inode, sizeof(inode), "%u", x->inode);
		else
			snprintf(inode, sizeof(inode), "null");
		snprintf(want, sizeof(want),
		         "\"recv_q\": %u, \"send_q\": %u, \"inode\": %s, \"cookie\": %" PRIu64 ", ",
		         x->recv_q, x->send_q, inode, x->cookie);
		if (strstr(line, want) == NULL)
			fail_msg("line %zu lacks %s: %s", n, want, line);
		/* tcp_info where ss showed it, null elsewhere. */
		if (x->has_info)
			snprintf(want, sizeof(want), "\"rtt_us\": %.0f, ", x->rtt_ms * 1000);
		else
			snprintf(want, sizeof(want), "\"rtt_us\": null, ");
		if (strstr(line, want) == NULL)
			fail_msg("line %zu lacks %s: %s", n, want, line);
		/* No owners and no tracker: nulls. */
		assert_non_null(strstr(line, "\"pid\": null, \"process\": null, \"user\": null"));
		assert_non_null(strstr(line, "\"age_s\": null, \"send_rate\": null, "
		                             "\"recv_rate\": null}"));
	}
	assert_int_equal(n, f->n_socks);
	free(text);
	snapshot_unref(snap);
}

/* The text table shows the endpoints as ss does. */
static void
test_text_conns(void **state)
{
	const struct fixture *f = *state;
	struct snapshot *snap;
	char cause[CAUSE_LEN], *text, *line, *save = NULL, count[64];
	size_t n = 0;

	assert_int_equal(replay(f->dump_path, &snap, cause), 0);
	snapshot_seal(snap);
	text = conns_text(&output_text, snap);
	snprintf(count, sizeof(count), ", %zu sockets", f->n_socks);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const struct expected_sock *x;
		char proto[16], st[16], l[64], r[64];

		n++;
		if (n == 1) {
			assert_non_null(strstr(line, count));
			continue;
		}
		if (n == 2) {
			assert_int_equal(strncmp(line, "PROTO", 5), 0);
			continue;
		}
		assert_true(n - 3 < f->n_socks);
		x = &f->socks[n - 3];
		assert_int_equal(sscanf(line, "%15s %15s %63s %63s", proto, st, l, r), 4);
		assert_string_equal(proto, x->family == AF_INET ? "tcp" : "tcp6");
		assert_string_equal(st, tcp_state_name(x->state));
		assert_string_equal(l, x->local);
		assert_string_equal(r, x->remote);
	}
	assert_int_equal(n, f->n_socks + 2);
	free(text);
	snapshot_unref(snap);
}

/* Each test that reads a dump runs on both. */
#define BOTH(test) cmocka_unit_test_prestate(test, &plain), cmocka_unit_test_prestate(test, &info)
#define BOTH_TEARDOWN(test)                                                                        \
	cmocka_unit_test_prestate_setup_teardown(test, NULL, test_teardown, &plain),               \
	    cmocka_unit_test_prestate_setup_teardown(test, NULL, test_teardown, &info)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_fixture_layout),
	    BOTH(test_sample),
	    BOTH(test_counts),
	    BOTH_TEARDOWN(test_truncated_every_offset),
	    cmocka_unit_test_teardown(test_garbage, test_teardown),
	    cmocka_unit_test_teardown(test_recorded_error, test_teardown),
	    cmocka_unit_test_teardown(test_not_files, test_teardown),
	    BOTH(test_json_conns),
	    BOTH(test_text_conns),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
