/*
 * stress.c - tcpdeck-stress: a one-minute demo scenario that makes every
 * tcpdeck panel move, in a network namespace of its own.
 *
 * Responsible for: options, the namespace (unshare(CLONE_NEWNET), "lo" up,
 * per-namespace sysctls only), the server's listeners, forking the server
 * (stress_server.c), the load generator (stress_load.c) and the optional
 * --run command, the phase timeline (announced on stderr), killing the
 * load generator in the kill phase, and ending and reaping every child it
 * started, by pid, at the end, on SIGINT and on SIGTERM.
 *
 * Process model: this process is the supervisor.  Signals (SIGINT, SIGTERM,
 * SIGCHLD, and SIGUSR1/SIGUSR2 to pause and resume) arrive on a signalfd;
 * children get their own masks back before they run.  The timeline is one
 * poll() loop with a deadline, shifted by the time spent paused.
 *
 * Must not: touch the host's sockets or sysctls (with --no-netns the
 * scenario runs in the current namespace but still only on loopback and
 * changes no sysctl), leave children behind, or wait without a bound for
 * anything but the user's own --run command.
 */
#define _GNU_SOURCE
#include "stress.h"
#include "bench_net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STRESS_PROG "tcpdeck-stress"

#define STRESS_DEFAULT_DURATION 70.0
#define STRESS_MIN_DURATION 4.0
#define STRESS_MAX_DURATION 3600.0
#define STRESS_DEFAULT_PORT 8080
#define STRESS_DEFAULT_RATE 200
#define STRESS_MAX_RATE 1000
#define STRESS_DEFAULT_LEAK_EVERY 10
#define STRESS_LONG_LIVED 32
#define STRESS_STALL 16
#define STRESS_BURST 64
/* Small on purpose, so that the server's end of a stalled connection
 * closes its window after a few KiB (inherited by accepted sockets). */
#define STRESS_SERVER_RCVBUF 1024
/* Workers give up on their own this long after the scenario should end. */
#define STRESS_WORKER_GRACE_S 30.0
/* How long a child gets after SIGTERM before SIGKILL. */
#define STRESS_TERM_WAIT_S 3.0
/* A pause (SIGUSR1) ends by itself after this long. */
#define STRESS_PAUSE_MAX_S 120.0

/* Where each phase starts, as a fraction of the duration.  The ramp is
 * short and early because Linux keeps TIME_WAIT for a fixed 60 s: with the
 * default 70 s the ramp's TIME_WAIT sockets expire during the drain. */
static const double stress_phase_at[STRESS_PHASE_COUNT + 1] = {
    [STRESS_RAMP] = 0.0,  [STRESS_PLATEAU] = 0.15, [STRESS_SYNFLOOD] = 0.45,
    [STRESS_KILL] = 0.58, [STRESS_DRAIN] = 0.65,   [STRESS_PHASE_COUNT] = 1.0,
};

struct stress_opts {
	double duration;
	int port;
	long rate;
	long leak_every;
	bool netns;
	char **cmd; /* NULL-terminated, or NULL */
};

/* A child of ours: its pid while it is unreaped, 0 after. */
struct stress_child {
	const char *what;
	pid_t pid;
	pid_t was; /* the pid it had, for messages */
	int status;
	bool exited;
};

enum { STRESS_SERVER, STRESS_LOAD, STRESS_CMD, STRESS_CHILD_COUNT };

static struct stress_child stress_children[STRESS_CHILD_COUNT] = {
    [STRESS_SERVER] = {.what = "server"},
    [STRESS_LOAD] = {.what = "load generator"},
    [STRESS_CMD] = {.what = "command"},
};

/* ------------------------------------------------------------ messages */

static void stress_end_children(void);
static void stress_flush_deferred(void);

__attribute__((format(printf, 1, 2), noreturn)) static void
stress_die(const char *fmt, ...)
{
	va_list ap;

	stress_end_children();
	stress_flush_deferred();
	fprintf(stderr, "%s: ", STRESS_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

__attribute__((format(printf, 1, 2), noreturn)) static void
stress_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", STRESS_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see --help)\n");
	exit(2);
}

static void
stress_help(void)
{
	printf("Usage: %s [--duration S] [--port P] [--rate N] [--leak-every K]\n"
	       "                      [--no-netns] [--run CMD [ARG...]]\n"
	       "A load-test scenario for watching tcpdeck: ramp, plateau, SYN burst,\n"
	       "a killed client and drain, on loopback in a network namespace of its own.\n"
	       "\n"
	       "  --duration S    length of the scenario, %.0f to %.0f s (default %.0f)\n"
	       "  --port P        server port on 127.0.0.1 and [::1] (default %d)\n"
	       "  --rate N        peak new connections per second, 1 to %d (default %d)\n"
	       "  --leak-every K  the server leaks (never closes) every K-th connection,\n"
	       "                  0 never (default %d)\n"
	       "  --no-netns      run in the current network namespace (loopback only)\n"
	       "  --run CMD...    run CMD in the namespace during the scenario, e.g.\n"
	       "                  --run tcpdeck; everything after --run is CMD\n"
	       "  -h, --help      show this help and exit\n"
	       "\n"
	       "SIGUSR1 pauses the scenario, SIGUSR2 resumes it.  Creating the namespace\n"
	       "needs CAP_SYS_ADMIN (run as root).  See %s(1).\n",
	       STRESS_PROG, STRESS_MIN_DURATION, STRESS_MAX_DURATION, STRESS_DEFAULT_DURATION,
	       STRESS_DEFAULT_PORT, STRESS_MAX_RATE, STRESS_DEFAULT_RATE, STRESS_DEFAULT_LEAK_EVERY,
	       STRESS_PROG);
}

/* "2026-01-02T03:04:05.678Z", like tcpdeck's batch output. */
static void
stress_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* With --run on a terminal the command (tcpdeck) owns the screen, and a
 * line written under it would scroll the dashboard away: phase lines are
 * then kept here and printed once the command has given the terminal back. */
#define STRESS_DEFERRED_MAX 16
static bool stress_defer;
static char stress_deferred[STRESS_DEFERRED_MAX][512];
static int stress_n_deferred;

static void
stress_flush_deferred(void)
{
	for (int i = 0; i < stress_n_deferred; i++)
		fprintf(stderr, "%s\n", stress_deferred[i]);
	stress_n_deferred = 0;
	fflush(stderr);
}

__attribute__((format(printf, 2, 3))) static void
stress_say(double since, const char *fmt, ...)
{
	char line[512], ts[40];
	va_list ap;
	int n;

	stress_timestamp(ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "%s +%.1fs ", ts, since);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (stress_defer && stress_n_deferred < STRESS_DEFERRED_MAX) {
		memcpy(stress_deferred[stress_n_deferred++], line, sizeof(line));
		return;
	}
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/* ------------------------------------------------------------- options */

static double
stress_parse_number(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || !(v >= lo && v <= hi))
		stress_usage_error("%s needs a number from %g to %g, not '%s'", opt, lo, hi, s);
	return v;
}

static long
stress_parse_int(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		stress_usage_error("%s needs a whole number from %ld to %ld, not '%s'", opt, lo, hi,
		                   s);
	return v;
}

static void
stress_parse(int argc, char **argv, struct stress_opts *o)
{
	static const char *const with_value[] = {"--duration", "--port", "--rate", "--leak-every"};

	*o = (struct stress_opts){
	    .duration = STRESS_DEFAULT_DURATION,
	    .port = STRESS_DEFAULT_PORT,
	    .rate = STRESS_DEFAULT_RATE,
	    .leak_every = STRESS_DEFAULT_LEAK_EVERY,
	    .netns = true,
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL;
		int which = -1;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			stress_help();
			exit(0);
		}
		if (strcmp(arg, "--no-netns") == 0) {
			o->netns = false;
			continue;
		}
		if (strcmp(arg, "--run") == 0) {
			if (i + 1 >= argc)
				stress_usage_error("%s needs a command to run", "--run");
			o->cmd = &argv[i + 1];
			return;
		}
		for (int k = 0; k < 4; k++) {
			size_t len = strlen(with_value[k]);

			if (strncmp(arg, with_value[k], len) == 0 &&
			    (arg[len] == '\0' || arg[len] == '=')) {
				which = k;
				if (arg[len] == '=')
					value = arg + len + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					stress_usage_error("%s needs a value", with_value[k]);
			}
		}
		switch (which) {
		case 0:
			o->duration = stress_parse_number("--duration", value, STRESS_MIN_DURATION,
			                                  STRESS_MAX_DURATION);
			break;
		case 1:
			o->port = (int)stress_parse_int("--port", value, 1, 65535);
			break;
		case 2:
			o->rate = stress_parse_int("--rate", value, 1, STRESS_MAX_RATE);
			break;
		case 3:
			o->leak_every = stress_parse_int("--leak-every", value, 0, 1000000);
			break;
		default:
			stress_usage_error("unknown option '%s'", arg);
		}
	}
}

/* ---------------------------------------------------------- namespace */

static void
stress_enter_netns(void)
{
	const char *step;

	if (unshare(CLONE_NEWNET) < 0) {
		if (errno == EPERM)
			stress_die("creating a network namespace needs CAP_SYS_ADMIN: run as root "
			           "(sudo), or pass --no-netns to use the current namespace");
		stress_die("cannot create a network namespace: %s", strerror(errno));
	}
	if (bench_net_loopback_up(&step) < 0)
		stress_die("cannot %s in the new namespace: %s", step, strerror(errno));
	/* tcp_tw_reuse=2 (the default) lets connect() on loopback take over a
	 * TIME_WAIT older than a second, which would hide the TIME_WAIT pile-up.
	 * The namespace is ours, so this changes nothing on the host. */
	if (bench_net_in_child_netns() &&
	    bench_net_write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "0") < 0)
		stress_die("cannot set tcp_tw_reuse in the namespace: %s", strerror(errno));
}

static void
stress_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* TcpExt ListenOverflows of this namespace, or -1 when unreadable. */
static long long
stress_listen_overflows(void)
{
	char head[4096], vals[4096];
	long long result = -1;
	FILE *f = fopen("/proc/net/netstat", "re");

	if (f == NULL)
		return -1;
	/* Lines come in pairs: "TcpExt: Name Name ..." then "TcpExt: 1 2 ...". */
	for (int pair = 0; pair < 64 && result < 0; pair++) {
		char *hs, *vs, *h, *v;

		if (fgets(head, sizeof(head), f) == NULL || fgets(vals, sizeof(vals), f) == NULL)
			break;
		if (strncmp(head, "TcpExt:", 7) != 0)
			continue;
		h = strtok_r(head + 7, " \n", &hs);
		v = strtok_r(vals + 7, " \n", &vs);
		for (; h != NULL && v != NULL;
		     h = strtok_r(NULL, " \n", &hs), v = strtok_r(NULL, " \n", &vs))
			if (strcmp(h, "ListenOverflows") == 0) {
				result = strtoll(v, NULL, 10);
				break;
			}
	}
	fclose(f);
	return result;
}

/* A listener on the loopback address of af; -1 (errno) on failure. */
static int
stress_listen(int af, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = bench_net_loopback(af, port, &ss);
	int one = 1, rcvbuf = STRESS_SERVER_RCVBUF;
	int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int saved;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0 ||
	    (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, STRESS_BACKLOG) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* ----------------------------------------------------------- children */

static bool
stress_alive(int which)
{
	return stress_children[which].pid > 0;
}

/* Reaps the child if it has ended; true when it has. */
static bool
stress_reap(int which, bool block)
{
	struct stress_child *c = &stress_children[which];
	pid_t r;

	if (c->pid <= 0)
		return c->exited;
	do
		r = waitpid(c->pid, &c->status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->pid = 0;
		c->exited = true;
	}
	return c->exited;
}

/* Sends sig, then waits up to `seconds` for the child; SIGKILL after. */
static void
stress_end_child(int which, int sig, double seconds)
{
	struct stress_child *c = &stress_children[which];
	double give_up = bench_net_now() + seconds;

	if (c->pid <= 0)
		return;
	kill(c->pid, sig);
	for (int i = 0; i < 100000 && !stress_reap(which, false); i++) {
		if (bench_net_now() > give_up) {
			kill(c->pid, SIGKILL);
			stress_reap(which, true);
			break;
		}
		bench_net_nap(10000000);
	}
}

static void
stress_end_children(void)
{
	stress_end_child(STRESS_LOAD, SIGKILL, STRESS_TERM_WAIT_S);
	stress_end_child(STRESS_SERVER, SIGTERM, STRESS_TERM_WAIT_S);
	stress_end_child(STRESS_CMD, SIGTERM, STRESS_TERM_WAIT_S);
}

/* Blocked signals and ignored SIGPIPE are inherited; a child puts back
 * what it needs. */
static void
stress_child_signals(bool ignore_int)
{
	sigset_t none;

	signal(SIGPIPE, SIG_DFL);
	/* Ctrl-C reaches the whole process group; the workers leave it to the
	 * supervisor, which ends them in order. */
	signal(SIGINT, ignore_int ? SIG_IGN : SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Forks a worker that dies with us; returns the write end of its control
 * pipe in the parent. */
static int
stress_fork_worker(int which, int sfd, int *ctl_out)
{
	pid_t parent = getpid();
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		stress_die("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		stress_die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(p[1]);
		close(sfd);
		stress_child_signals(true);
		*ctl_out = p[0];
		return 0;
	}
	close(p[0]);
	stress_children[which].pid = pid;
	stress_children[which].was = pid;
	*ctl_out = p[1];
	return 1;
}

static void
stress_setenv_long(const char *name, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	setenv(name, buf, 1);
}

/* Starts CMD with the terminal and environment we have, plus the pids and
 * port of the scenario.  Reports an exec failure as an error. */
static void
stress_run_cmd(char **cmd, int sfd, int port)
{
	int p[2];
	int err = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		stress_die("pipe: %s", strerror(errno));
	stress_setenv_long("TCPDECK_STRESS_SERVER_PID", stress_children[STRESS_SERVER].pid);
	stress_setenv_long("TCPDECK_STRESS_LOAD_PID", stress_children[STRESS_LOAD].pid);
	stress_setenv_long("TCPDECK_STRESS_PORT", port);
	stress_setenv_long("TCPDECK_STRESS_PID", getpid());
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		stress_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		close(sfd);
		stress_child_signals(false);
		execvp(cmd[0], cmd);
		err = errno;
		if (write(p[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[1]);
	stress_children[STRESS_CMD].pid = pid;
	stress_children[STRESS_CMD].was = pid;
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(err)) {
		stress_reap(STRESS_CMD, true);
		stress_die("cannot run '%s': %s", cmd[0], strerror(err));
	}
}

/* ----------------------------------------------------------- timeline */

static int
stress_signalfd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		stress_die("signalfd: %s", strerror(errno));
	return fd;
}

enum stress_wake {
	STRESS_WAKE_TIME,
	STRESS_WAKE_SIGNAL, /* SIGINT or SIGTERM */
	STRESS_WAKE_CHILD,
	STRESS_WAKE_PAUSE,  /* SIGUSR1 */
	STRESS_WAKE_RESUME, /* SIGUSR2 */
};

/* Waits until `until` (monotonic) or an event: SIGINT/SIGTERM (*sig set),
 * SIGUSR1/SIGUSR2, or a child of ours ending (reaped).  Returns why it
 * woke. */
static enum stress_wake
stress_wait(int sfd, double until, int *sig)
{
	for (int iter = 0; iter < 1000000; iter++) {
		struct pollfd pf = {.fd = sfd, .events = POLLIN};
		double left = until - bench_net_now();
		struct signalfd_siginfo si;
		bool child = false;
		int r;

		if (left <= 0)
			return STRESS_WAKE_TIME;
		r = poll(&pf, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			stress_die("poll: %s", strerror(errno));
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
				*sig = (int)si.ssi_signo;
				return STRESS_WAKE_SIGNAL;
			}
			if (si.ssi_signo == SIGUSR1)
				return STRESS_WAKE_PAUSE;
			if (si.ssi_signo == SIGUSR2)
				return STRESS_WAKE_RESUME;
			child = true;
		}
		if (child) {
			/* SIGCHLDs coalesce: look at every child, not just one. */
			bool ended = false;

			for (int c = 0; c < STRESS_CHILD_COUNT; c++)
				if (stress_alive(c) && stress_reap(c, false))
					ended = true;
			if (ended)
				return STRESS_WAKE_CHILD;
		}
	}
	return STRESS_WAKE_TIME;
}

static void
stress_send(int fd, enum stress_phase phase, double seconds)
{
	struct stress_ctl ctl = {.phase = phase, .seconds = seconds};

	/* A worker that is gone shows up as a reaped child, not here. */
	if (fd >= 0 && write(fd, &ctl, sizeof(ctl)) < 0)
		return;
}

static void
stress_announce(const struct stress_opts *o, enum stress_phase p, double since,
                const struct stress_stats *st, long long overflows0)
{
	long long ov = stress_listen_overflows();
	long long ov_delta = ov >= 0 && overflows0 >= 0 ? ov - overflows0 : 0;

	switch (p) {
	case STRESS_RAMP:
		stress_say(since,
		           "ramp: short connections at %ld/s rising to %ld/s; each leaves a "
		           "TIME_WAIT on the client side, every %ld%s leaks a CLOSE_WAIT",
		           o->rate / 10 > 0 ? o->rate / 10 : 1, o->rate, o->leak_every,
		           o->leak_every == 0 ? " (none)" : "th");
		break;
	case STRESS_PLATEAU:
		stress_say(since,
		           "plateau: %ld/s short connections, %d long-lived ESTABLISHED, then "
		           "%d stalled with unsent data (so far %llu done, %llu leaked)",
		           o->rate / 5 > 0 ? o->rate / 5 : 1, STRESS_LONG_LIVED, STRESS_STALL,
		           (unsigned long long)st->short_done, (unsigned long long)st->leaked);
		break;
	case STRESS_SYNFLOOD:
		stress_say(since,
		           "synflood: the server stops accepting; %d connects hit a backlog of "
		           "%d: accept queue full, SYNs dropped, ListenOverflows rises",
		           STRESS_BURST, STRESS_BACKLOG);
		break;
	case STRESS_KILL:
		stress_say(since,
		           "kill: the server accepts again; load generator (pid %d) killed with "
		           "SIGKILL holding %llu long-lived and %llu stalled connections "
		           "(ListenOverflows +%lld so far)",
		           (int)stress_children[STRESS_LOAD].was, (unsigned long long)st->long_held,
		           (unsigned long long)st->stalled, ov_delta);
		break;
	case STRESS_DRAIN:
		stress_say(since,
		           "drain: no new connections; orphans time out, TIME_WAIT ends 60 s "
		           "after each close");
		break;
	default:
		break;
	}
}

/* SIGUSR1 freezes the scenario so that a script can look at it at leisure:
 * the load generator is stopped and the timeline's clock held until
 * SIGUSR2 or STRESS_PAUSE_MAX_S.  Kernel timers (TIME_WAIT, retries) go on.
 * Returns how long the pause lasted, or -1 with *sig set on SIGINT/SIGTERM. */
static double
stress_pause(int sfd, double t0, int *sig)
{
	double from = bench_net_now();

	if (stress_alive(STRESS_LOAD))
		kill(stress_children[STRESS_LOAD].pid, SIGSTOP);
	stress_say(from - t0, "paused (SIGUSR2 resumes)");
	for (int i = 0; i < 1000; i++) {
		enum stress_wake w = stress_wait(sfd, from + STRESS_PAUSE_MAX_S, sig);

		if (w == STRESS_WAKE_SIGNAL)
			return -1;
		if (w == STRESS_WAKE_TIME || w == STRESS_WAKE_RESUME)
			break;
		if (w == STRESS_WAKE_CHILD && !stress_alive(STRESS_CMD) &&
		    stress_children[STRESS_CMD].exited)
			break;
	}
	if (stress_alive(STRESS_LOAD))
		kill(stress_children[STRESS_LOAD].pid, SIGCONT);
	stress_say(bench_net_now() - t0, "resumed after %.1f s", bench_net_now() - from);
	return bench_net_now() - from;
}

/* Runs the phases; returns 0 when they all ran, else the reason it
 * stopped early: a signal number, or -1 when the command ended. */
static int
stress_timeline(const struct stress_opts *o, int sfd, int ctl_server, int *ctl_load, double t0,
                const struct stress_stats *st, long long overflows0)
{
	double shift = 0; /* time spent paused */

	for (int p = 0; p < STRESS_PHASE_COUNT; p++) {
		double start = t0 + shift + o->duration * stress_phase_at[p];
		double end = t0 + shift + o->duration * stress_phase_at[p + 1];
		int sig = 0;

		stress_announce(o, (enum stress_phase)p, bench_net_now() - t0, st, overflows0);
		stress_send(ctl_server, (enum stress_phase)p, end - start);
		if (p == STRESS_KILL) {
			/* Unlike SIGTERM this gives it no chance to close anything
			 * tidily: the kernel closes its sockets as a crash would. */
			stress_end_child(STRESS_LOAD, SIGKILL, STRESS_TERM_WAIT_S);
			close(*ctl_load);
			*ctl_load = -1;
		} else {
			stress_send(*ctl_load, (enum stress_phase)p, end - start);
		}
		for (int i = 0; i < 1000; i++) {
			enum stress_wake w = stress_wait(sfd, end, &sig);

			if (w == STRESS_WAKE_TIME)
				break;
			if (w == STRESS_WAKE_SIGNAL)
				return sig;
			if (w == STRESS_WAKE_PAUSE) {
				double paused = stress_pause(sfd, t0, &sig);

				if (paused < 0)
					return sig;
				shift += paused;
				end += paused;
			}
			if (!stress_alive(STRESS_CMD) && stress_children[STRESS_CMD].exited)
				return -1;
			if (!stress_alive(STRESS_SERVER))
				stress_die("the server (pid %d) died",
				           (int)stress_children[STRESS_SERVER].was);
			if (!stress_alive(STRESS_LOAD) && p < STRESS_KILL)
				stress_die("the load generator died before the kill phase");
		}
	}
	return 0;
}

static int
stress_exit_status(const struct stress_child *c)
{
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 1;
}

int
main(int argc, char **argv)
{
	static struct stress_load_conf conf;
	struct stress_opts o;
	struct stress_stats *st;
	int lfd4, lfd6 = -1;
	int ctl_server, ctl_load, sfd, why, status = 0;
	long long overflows0;
	double t0;

	stress_parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (o.netns)
		stress_enter_netns();
	stress_raise_nofile();

	lfd4 = stress_listen(AF_INET, o.port);
	if (lfd4 < 0)
		stress_die("cannot listen on 127.0.0.1:%d: %s%s", o.port, strerror(errno),
		           errno == EADDRINUSE ? " (choose another with --port)" : "");
	/* IPv6 is a bonus: without ::1 the scenario runs on IPv4 alone. */
	if (bench_net_wait_address(AF_INET6, o.netns ? 2.0 : 0.0) == 0)
		lfd6 = stress_listen(AF_INET6, o.port);

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		stress_die("mmap: %s", strerror(errno));
	sfd = stress_signalfd();
	t0 = bench_net_now();
	overflows0 = stress_listen_overflows();

	if (stress_fork_worker(STRESS_SERVER, sfd, &ctl_server) == 0)
		stress_server_main(lfd4, lfd6, ctl_server, o.leak_every,
		                   t0 + o.duration + STRESS_WORKER_GRACE_S, st);
	close(lfd4);
	if (lfd6 >= 0)
		close(lfd6);
	conf = (struct stress_load_conf){
	    .port = o.port,
	    .ipv6 = lfd6 >= 0,
	    .rate = o.rate,
	    .long_lived = STRESS_LONG_LIVED,
	    .stall = STRESS_STALL,
	    .burst = STRESS_BURST,
	    .deadline = t0 + o.duration + STRESS_WORKER_GRACE_S,
	};
	if (stress_fork_worker(STRESS_LOAD, sfd, &ctl_load) == 0) {
		close(ctl_server);
		stress_load_main(&conf, ctl_load, st);
	}

	if (o.cmd != NULL) {
		stress_defer = isatty(STDERR_FILENO);
		stress_run_cmd(o.cmd, sfd, o.port);
	} else if (o.netns) {
		printf("%s: the scenario runs in the network namespace of pid %d; watch it "
		       "from another terminal with: sudo nsenter --net=/proc/%d/ns/net tcpdeck\n",
		       STRESS_PROG, (int)getpid(), (int)getpid());
		fflush(stdout);
	}

	t0 = bench_net_now();
	why = stress_timeline(&o, sfd, ctl_server, &ctl_load, t0, st, overflows0);

	/* The workers exit when their pipes close; SIGTERM/SIGKILL in case. */
	close(ctl_server);
	if (ctl_load >= 0)
		close(ctl_load);
	stress_end_child(STRESS_LOAD, SIGKILL, STRESS_TERM_WAIT_S);
	stress_end_child(STRESS_SERVER, SIGTERM, STRESS_TERM_WAIT_S);
	stress_say(bench_net_now() - t0,
	           "end: %llu short connections (%llu failed), %llu accepted by the server, "
	           "%llu leaked%s",
	           (unsigned long long)st->short_done, (unsigned long long)st->short_failed,
	           (unsigned long long)st->accepted, (unsigned long long)st->leaked,
	           why > 0   ? " (interrupted)"
	           : why < 0 ? " (the command exited)"
	                     : "");

	if (why > 0) {
		stress_end_child(STRESS_CMD, SIGTERM, STRESS_TERM_WAIT_S);
		stress_flush_deferred();
		return 128 + why;
	}
	if (o.cmd != NULL) {
		/* The command outlives the scenario: it is the user's to end. */
		for (int i = 0; i < 1000000 && stress_alive(STRESS_CMD); i++) {
			int sig = 0;

			if (stress_wait(sfd, bench_net_now() + 1e9, &sig) == STRESS_WAKE_SIGNAL) {
				stress_end_child(STRESS_CMD, SIGTERM, STRESS_TERM_WAIT_S);
				stress_flush_deferred();
				return 128 + sig;
			}
		}
		status = stress_exit_status(&stress_children[STRESS_CMD]);
		stress_flush_deferred();
	}
	return status;
}
