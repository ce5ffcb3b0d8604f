/*
 * keylat.c - tcpdeck-keylat: how fast a full-screen program answers keys,
 * measured from a terminal of its own.
 *
 * Responsible for: running CMD on a pseudo-terminal of a chosen size with
 * TERM=vt100, keeping a model of that terminal's screen (a grid of
 * characters, each with its reverse-video flag) from everything CMD
 * writes, and timing each key press from the write to the moment the
 * screen shows the selection (the reverse-video row below a table header
 * with LOCAL and REMOTE) on another row.  No process is started per key
 * and no screen is captured by polling: the model is updated as the bytes
 * arrive, so a latency is CMD's answer plus one read of the pty.
 *
 * Procedure: wait for the first output, send the --open keys ("3", the
 * connection table), wait for the table and its selection, send the
 * --home keys ("g", tcpdeck's other key for Home: vt100 has no Home key),
 * then send Down and Up alternately, one every --gap ms, each timed up to
 * 5 s: Down while the selection is on the row it had after --home, Up
 * while it is below, so it stays on screen and a key that went unanswered
 * does not push it away.  With --hwm, CMD's VmHWM and VmRSS are read from
 * /proc just before it is asked to quit with "q"; with --rss-trace FILE,
 * its VmRSS every 10 ms all along, each line stamped with the wall clock.
 *
 * The screen model, a parser of the untrusted bytes CMD writes, is
 * vt_screen.c: it has its own unit test and fuzz target, and this file
 * only feeds it and asks it where the selection is.
 *
 * Must not: leave CMD running (it is asked to quit, then its process
 * group gets SIGTERM and SIGKILL; SIGINT, SIGTERM and SIGHUP end the
 * measurement the same way), stop reading the pty while CMD runs (CMD
 * must never block on writing), or wait without a bound.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vt_screen.h"

#define KEYLAT_MAX_COLS VT_SCREEN_MAX_COLS
#define KEYLAT_MAX_ROWS VT_SCREEN_MAX_ROWS
/* Bytes taken in before the screen is looked at even though more are
 * waiting: a program that never stops writing still gets an answer. */
#define KEYLAT_LOOK_BYTES (1u << 20)
#define KEYLAT_NS_PER_MS 1000000LL
#define KEYLAT_NS_PER_S 1000000000LL
#define KEYLAT_START_TIMEOUT_S 300
#define KEYLAT_TABLE_TIMEOUT_S 300
#define KEYLAT_ANSWER_TIMEOUT_S 5
#define KEYLAT_QUIT_TIMEOUT_S 10
#define KEYLAT_TERM_TIMEOUT_S 2
#define KEYLAT_WRITE_TIMEOUT_S 5

/* vt100 cursor keys in keypad transmit mode (smkx), as ncurses reads them. */
#define KEYLAT_KEY_DOWN "\033OB"
#define KEYLAT_KEY_UP "\033OA"

/* How often --rss-trace reads CMD's resident size. */
#define KEYLAT_RSS_EVERY_MS 10

struct keylat_term {
	int fd;
	pid_t pid;
	bool open;   /* the pty still gives bytes */
	bool exited; /* CMD was reaped */
	int status;
	FILE *rss_trace;  /* --rss-trace, or NULL */
	int64_t rss_next; /* when to read the resident size next (ns) */
	struct vt_screen *screen;
};

struct keylat_options {
	int cols, rows, keys, gap_ms;
	const char *open_keys;
	const char *home_keys;
	bool hwm;
	bool dump;
	const char *rss_trace; /* file for CMD's VmRSS every 10 ms, or NULL */
	char **cmd;
};

static volatile sig_atomic_t keylat_stop;

/* ---------------------------------------------------------- the screen */

/* keylat_dump: the screen on f, one row a line between bars, a '*'
 * marking the rows that are mostly in reverse video. */
static void
keylat_dump(const struct vt_screen *s, FILE *f)
{
	char text[KEYLAT_MAX_COLS + 1];

	for (int y = 0; y < vt_screen_rows(s); y++) {
		vt_screen_row_text(s, y, text, sizeof(text));
		fprintf(f, "%3d%c|%s|\n", y + 1, vt_screen_mostly_reverse(s, y) ? '*' : ' ', text);
	}
}

/* keylat_first_text: the first row with text on it, trimmed, for error
 * messages. */
static void
keylat_first_text(const struct vt_screen *s, char *out, size_t size)
{
	char text[KEYLAT_MAX_COLS + 1];

	for (int y = 0; y < vt_screen_rows(s); y++) {
		size_t start = 0, len;

		vt_screen_row_text(s, y, text, sizeof(text));
		len = strlen(text);
		while (len > 0 && text[len - 1] == ' ')
			len--;
		while (start < len && text[start] == ' ')
			start++;
		if (start < len) {
			snprintf(out, size, "%.*s", (int)(len - start), text + start);
			return;
		}
	}
	snprintf(out, size, "(blank)");
}

/* ---------------------------------------------------------- the terminal */

static int64_t
keylat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * KEYLAT_NS_PER_S + ts.tv_nsec;
}

static void
keylat_on_signal(int sig)
{
	keylat_stop = sig;
}

static void
keylat_reap(struct keylat_term *t)
{
	if (!t->exited && waitpid(t->pid, &t->status, WNOHANG) == t->pid)
		t->exited = true;
}

/* keylat_trace_rss: with --rss-trace, once every KEYLAT_RSS_EVERY_MS a
 * line "WALL_SECONDS VMRSS_KIB" (wall clock, as tcpdeck's debug log
 * stamps its lines, so the two can be read side by side).  Returns the
 * milliseconds until the next reading, or -1 without a trace. */
static int64_t
keylat_trace_rss(struct keylat_term *t, int64_t now)
{
	char path[64], line[256];
	struct timespec wall;
	FILE *f;
	long rss = -1;

	if (t->rss_trace == NULL)
		return -1;
	if (now < t->rss_next)
		return (t->rss_next - now + KEYLAT_NS_PER_MS - 1) / KEYLAT_NS_PER_MS;
	t->rss_next = now + KEYLAT_RSS_EVERY_MS * KEYLAT_NS_PER_MS;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid);
	f = t->exited ? NULL : fopen(path, "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "VmRSS: %ld", &rss) == 1)
				break;
		fclose(f);
	}
	clock_gettime(CLOCK_REALTIME, &wall);
	if (rss >= 0)
		fprintf(t->rss_trace, "%lld.%03ld %ld\n", (long long)wall.tv_sec,
		        wall.tv_nsec / 1000000, rss);
	return KEYLAT_RSS_EVERY_MS;
}

/* keylat_pump: reads the pty into the screen model until done() holds,
 * the deadline passes, a stop signal arrives or nothing can change any
 * more (the pty closed and CMD reaped).  done() is asked when the pty has
 * no more bytes waiting, so it sees whole updates, not half-drawn ones.
 * Returns whether done() held; with done NULL it reads until the deadline. */
static bool
keylat_pump(struct keylat_term *t, int64_t deadline, bool (*done)(struct keylat_term *, void *),
            void *arg)
{
	static unsigned char buf[65536];
	bool settled = true;
	size_t unlooked = 0;

	for (;;) {
		struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
		int64_t now, wait_ms;
		ssize_t n;
		int r;

		keylat_reap(t);
		if (done != NULL && (settled || unlooked >= KEYLAT_LOOK_BYTES)) {
			unlooked = 0;
			if (done(t, arg))
				return true;
		}
		if (keylat_stop)
			return false;
		now = keylat_now_ns();
		if (now >= deadline)
			return false;
		wait_ms = (deadline - now + KEYLAT_NS_PER_MS - 1) / KEYLAT_NS_PER_MS;
		if (wait_ms > 50) /* CMD's exit is noticed by waitpid, not by poll */
			wait_ms = 50;
		{
			int64_t trace_ms = keylat_trace_rss(t, now);

			if (trace_ms >= 0 && trace_ms < wait_ms)
				wait_ms = trace_ms;
		}
		if (!t->open) {
			if (t->exited)
				return false;
			poll(NULL, 0, (int)wait_ms);
			continue;
		}
		r = poll(&pfd, 1, settled ? (int)wait_ms : 0);
		if (r < 0) {
			if (errno != EINTR)
				t->open = false;
			continue;
		}
		if (r == 0) {
			settled = true;
			continue;
		}
		n = read(t->fd, buf, sizeof(buf));
		if (n > 0) {
			vt_screen_feed(t->screen, buf, (size_t)n);
			unlooked += (size_t)n;
			settled = false;
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			t->open = false; /* EIO: no process has the pty open */
			settled = true;
		}
	}
}

/* keylat_send: writes keys to CMD, reading its output while the pty's
 * input queue is full.  Returns -1 when they could not all be written. */
static int
keylat_send(struct keylat_term *t, const char *keys)
{
	size_t len = strlen(keys), off = 0;
	int64_t deadline = keylat_now_ns() + KEYLAT_WRITE_TIMEOUT_S * KEYLAT_NS_PER_S;

	while (off < len) {
		ssize_t n = write(t->fd, keys + off, len - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (keylat_stop || keylat_now_ns() >= deadline)
			return -1;
		keylat_pump(t, keylat_now_ns() + 10 * KEYLAT_NS_PER_MS, NULL, NULL);
	}
	return 0;
}

static bool
keylat_done_content(struct keylat_term *t, void *arg)
{
	(void)arg;
	return vt_screen_has_content(t->screen);
}

static bool
keylat_done_table(struct keylat_term *t, void *arg)
{
	(void)arg;
	return vt_screen_selected_row(t->screen) > 0;
}

static bool
keylat_done_moved(struct keylat_term *t, void *arg)
{
	int now = vt_screen_selected_row(t->screen);

	return now != 0 && now != *(const int *)arg;
}

static bool
keylat_done_exited(struct keylat_term *t, void *arg)
{
	(void)arg;
	return t->exited;
}

/* keylat_start: CMD on a new pty of the given size, with TERM=vt100.
 * Returns 0, or -1 with a message in cause. */
static int
keylat_start(struct keylat_term *t, const struct keylat_options *o, char *cause, size_t size)
{
	struct winsize ws = {.ws_row = (unsigned short)o->rows, .ws_col = (unsigned short)o->cols};
	int report[2], err = 0;
	ssize_t n;

	if (pipe2(report, O_CLOEXEC) < 0) {
		snprintf(cause, size, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	t->pid = forkpty(&t->fd, NULL, NULL, &ws);
	if (t->pid < 0) {
		snprintf(cause, size, "forkpty: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		return -1;
	}
	if (t->pid == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};

		sigemptyset(&dfl.sa_mask);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		close(report[0]);
		setenv("TERM", "vt100", 1);
		/* The window size comes from the pty, not from the caller's
		 * environment. */
		unsetenv("LINES");
		unsetenv("COLUMNS");
		execvp(o->cmd[0], o->cmd);
		err = errno;
		n = write(report[1], &err, sizeof(err));
		(void)n;
		_exit(127);
	}
	close(report[1]);
	do
		n = read(report[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	t->open = true;
	if (n == (ssize_t)sizeof(err)) {
		snprintf(cause, size, "cannot run %s: %s", o->cmd[0], strerror(err));
		return -1;
	}
	if (fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(cause, size, "fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* keylat_finish: asks CMD to quit with "q" (when ask), then its process
 * group gets SIGTERM and SIGKILL; always reaps it. */
static void
keylat_finish(struct keylat_term *t, bool ask)
{
	int64_t now = keylat_now_ns();

	if (t->pid <= 0)
		return;
	keylat_reap(t);
	if (ask && !t->exited && keylat_send(t, "q") == 0)
		keylat_pump(t, now + KEYLAT_QUIT_TIMEOUT_S * KEYLAT_NS_PER_S, keylat_done_exited,
		            NULL);
	if (!t->exited) {
		kill(-t->pid, SIGTERM);
		kill(t->pid, SIGTERM);
		/* The signal that ended the measurement must not cut this wait
		 * short; another one does. */
		keylat_stop = 0;
		keylat_pump(t, keylat_now_ns() + KEYLAT_TERM_TIMEOUT_S * KEYLAT_NS_PER_S,
		            keylat_done_exited, NULL);
	}
	if (!t->exited) {
		kill(-t->pid, SIGKILL);
		kill(t->pid, SIGKILL);
		while (waitpid(t->pid, &t->status, 0) < 0 && errno == EINTR)
			;
		t->exited = true;
	}
}

/* keylat_proc_status: VmHWM and VmRSS of pid in KiB.  Returns -1 when
 * they cannot be read. */
static int
keylat_proc_status(pid_t pid, long *hwm, long *rss)
{
	char path[64], line[256];
	FILE *f;

	*hwm = *rss = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "VmHWM: %ld", hwm);
		sscanf(line, "VmRSS: %ld", rss);
	}
	fclose(f);
	return *hwm >= 0 && *rss >= 0 ? 0 : -1;
}

/* ---------------------------------------------------------- figures, options */

static int
keylat_cmp_us(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* keylat_summary: the summary line; the median is the lower middle and
 * p90 the nearest rank, as in bench/run-million.sh's stats. */
static void
keylat_summary(int keys, int64_t *us, int answered)
{
	int rank90;

	printf("keys %d answered %d", keys, answered);
	if (answered == 0) {
		printf(" median_ms - p90_ms - max_ms -\n");
		return;
	}
	qsort(us, (size_t)answered, sizeof(*us), keylat_cmp_us);
	rank90 = (answered * 9 + 9) / 10; /* ceil(0.9 n) */
	printf(" median_ms %.3f p90_ms %.3f max_ms %.3f\n", (double)us[(answered - 1) / 2] / 1e3,
	       (double)us[rank90 - 1] / 1e3, (double)us[answered - 1] / 1e3);
}

static void
keylat_usage(FILE *f)
{
	fprintf(f,
	        "usage: tcpdeck-keylat [--cols N] [--rows N] [--keys N] [--gap MS] [--open KEYS]\n"
	        "                      [--home KEYS] [--hwm] [--dump] [--rss-trace FILE]\n"
	        "                      -- CMD [ARGS...]\n"
	        "Runs CMD in a terminal of its own (TERM=vt100) and times how fast it moves\n"
	        "the selection of its table after Down and Up (defaults: 80x24, 20 keys, one\n"
	        "every 700 ms, opened with \"3\", homed with \"g\").  --hwm prints CMD's\n"
	        "VmHWM and VmRSS before it quits; --dump prints its screen on stderr then.\n"
	        "--rss-trace writes CMD's VmRSS to FILE every 10 ms, a line \"WALL_S KIB\".\n");
}

static bool
keylat_number(const char *arg, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static int
keylat_options(int argc, char **argv, struct keylat_options *o)
{
	static const struct option longopts[] = {
	    {"cols", required_argument, NULL, 'c'}, {"rows", required_argument, NULL, 'r'},
	    {"keys", required_argument, NULL, 'k'}, {"gap", required_argument, NULL, 'g'},
	    {"open", required_argument, NULL, 'o'}, {"home", required_argument, NULL, 'H'},
	    {"hwm", no_argument, NULL, 'm'},        {"dump", no_argument, NULL, 'd'},
	    {"rss-trace", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	int c, index = 0;

	*o = (struct keylat_options){
	    .cols = 80, .rows = 24, .keys = 20, .gap_ms = 700, .open_keys = "3", .home_keys = "g"};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, &index)) != -1) {
		bool ok = true;

		switch (c) {
		case 'c':
			ok = keylat_number(optarg, 20, KEYLAT_MAX_COLS, &o->cols);
			break;
		case 'r':
			ok = keylat_number(optarg, 5, KEYLAT_MAX_ROWS, &o->rows);
			break;
		case 'k':
			ok = keylat_number(optarg, 1, 1000000, &o->keys);
			break;
		case 'g':
			ok = keylat_number(optarg, 0, 3600000, &o->gap_ms);
			break;
		case 'o':
			o->open_keys = optarg;
			break;
		case 'H':
			o->home_keys = optarg;
			break;
		case 'm':
			o->hwm = true;
			break;
		case 'd':
			o->dump = true;
			break;
		case 't':
			o->rss_trace = optarg;
			break;
		case 'h':
			keylat_usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "tcpdeck-keylat: unknown option or missing value: %s\n",
			        argv[optind - 1]);
			keylat_usage(stderr);
			return -1;
		}
		if (!ok) {
			fprintf(stderr, "tcpdeck-keylat: bad value '%s' for --%s\n", optarg,
			        longopts[index].name);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tcpdeck-keylat: no command given (put it after --)\n");
		return -1;
	}
	o->cmd = argv + optind;
	return 0;
}

/* ---------------------------------------------------------- the procedure */

/* keylat_measure: steps 2 to 5 of the header's procedure on a started
 * terminal.  Returns 0, or -1 with a message in cause. */
static int
keylat_measure(struct keylat_term *t, const struct keylat_options *o, char *cause, size_t size)
{
	char text[160];
	int64_t *us, deadline;
	int answered = 0, home;
	long hwm = -1, rss = -1;

	deadline = keylat_now_ns() + KEYLAT_START_TIMEOUT_S * KEYLAT_NS_PER_S;
	if (!keylat_pump(t, deadline, keylat_done_content, NULL)) {
		if (keylat_stop)
			snprintf(cause, size, "stopped by signal %d", (int)keylat_stop);
		else if (t->exited || !t->open)
			snprintf(cause, size, "%s ended without any output", o->cmd[0]);
		else
			snprintf(cause, size, "no output from %s within %d s", o->cmd[0],
			         KEYLAT_START_TIMEOUT_S);
		return -1;
	}
	if (keylat_send(t, o->open_keys) < 0) {
		snprintf(cause, size, "cannot send the --open keys to %s", o->cmd[0]);
		return -1;
	}
	deadline = keylat_now_ns() + KEYLAT_TABLE_TIMEOUT_S * KEYLAT_NS_PER_S;
	if (!keylat_pump(t, deadline, keylat_done_table, NULL)) {
		const char *what = vt_screen_header_row(t->screen) == 0
		                       ? "no table (a row with LOCAL and REMOTE)"
		                       : "a table header but no selected row";

		keylat_first_text(t->screen, text, sizeof(text));
		if (keylat_stop)
			snprintf(cause, size, "stopped by signal %d", (int)keylat_stop);
		else if (t->exited || !t->open)
			snprintf(cause, size, "%s ended with %s on screen; its first line: %s",
			         o->cmd[0], what, text);
		else
			snprintf(cause, size, "%s on screen within %d s; its first line: %s", what,
			         KEYLAT_TABLE_TIMEOUT_S, text);
		return -1;
	}
	if (keylat_send(t, o->home_keys) < 0) {
		snprintf(cause, size, "cannot send the --home keys to %s", o->cmd[0]);
		return -1;
	}
	keylat_pump(t, keylat_now_ns() + KEYLAT_NS_PER_S, NULL, NULL);
	home = vt_screen_selected_row(t->screen);

	us = calloc((size_t)o->keys, sizeof(*us));
	if (us == NULL) {
		snprintf(cause, size, "out of memory");
		return -1;
	}
	for (int k = 0; k < o->keys; k++) {
		int before = vt_screen_selected_row(t->screen);
		int64_t t0, t1;

		if (keylat_stop || t->exited || !t->open) {
			snprintf(cause, size,
			         keylat_stop ? "stopped by signal before key %d"
			                     : "the command ended before key %d",
			         k + 1);
			free(us);
			return -1;
		}
		if (before == 0) {
			snprintf(cause, size, "no selected row on screen before key %d", k + 1);
			free(us);
			return -1;
		}
		/* Down from the first row, Up back to it: alternating while
		 * every key is answered, and back in step after one that is not. */
		t0 = keylat_now_ns();
		if (keylat_send(t, before <= home ? KEYLAT_KEY_DOWN : KEYLAT_KEY_UP) < 0) {
			snprintf(cause, size, "cannot send key %d", k + 1);
			free(us);
			return -1;
		}
		if (keylat_pump(t, t0 + KEYLAT_ANSWER_TIMEOUT_S * KEYLAT_NS_PER_S,
		                keylat_done_moved, &before)) {
			t1 = keylat_now_ns();
			us[answered] = (t1 - t0) / 1000;
			printf("key %d %lld us\n", k + 1, (long long)us[answered]);
			answered++;
		} else {
			printf("key %d unanswered\n", k + 1);
		}
		fflush(stdout);
		keylat_pump(t, keylat_now_ns() + (int64_t)o->gap_ms * KEYLAT_NS_PER_MS, NULL, NULL);
	}
	if (o->hwm && keylat_proc_status(t->pid, &hwm, &rss) < 0) {
		keylat_summary(o->keys, us, answered);
		snprintf(cause, size, "cannot read VmHWM and VmRSS of pid %d", (int)t->pid);
		free(us);
		return -1;
	}
	keylat_summary(o->keys, us, answered);
	if (o->hwm)
		printf("vmhwm_kib %ld vmrss_kib %ld\n", hwm, rss);
	free(us);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction stop = {.sa_handler = keylat_on_signal};
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	struct keylat_term t = {.fd = -1, .pid = -1};
	struct keylat_options o;
	char cause[512];
	int rc = 0;

	if (keylat_options(argc, argv, &o) < 0)
		return 1;
	sigemptyset(&stop.sa_mask);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &stop, NULL);
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, NULL);

	if (o.rss_trace != NULL) {
		t.rss_trace = fopen(o.rss_trace, "w");
		if (t.rss_trace == NULL) {
			fprintf(stderr, "tcpdeck-keylat: cannot write %s: %s\n", o.rss_trace,
			        strerror(errno));
			return 1;
		}
	}
	t.screen = vt_screen_new(o.rows, o.cols);
	if (t.screen == NULL) {
		fprintf(stderr, "tcpdeck-keylat: out of memory\n");
		if (t.rss_trace != NULL)
			fclose(t.rss_trace);
		return 1;
	}
	if (keylat_start(&t, &o, cause, sizeof(cause)) < 0 ||
	    keylat_measure(&t, &o, cause, sizeof(cause)) < 0) {
		fprintf(stderr, "tcpdeck-keylat: %s\n", cause);
		rc = 1;
	}
	if (o.dump) /* the screen measured, before CMD's exit redraws it */
		keylat_dump(t.screen, stderr);
	keylat_finish(&t, rc == 0 && !keylat_stop);
	if (t.fd >= 0)
		close(t.fd);
	if (t.rss_trace != NULL && fclose(t.rss_trace) != 0) {
		fprintf(stderr, "tcpdeck-keylat: cannot write %s: %s\n", o.rss_trace,
		        strerror(errno));
		rc = 1;
	}
	vt_screen_free(t.screen);
	return rc;
}
