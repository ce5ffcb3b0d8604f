/*
 * cputime.c - run one command and report the CPU time and peak memory it
 * used, so bench/run.sh can compare tcpdeck with ss without needing GNU time
 * or any other package.
 *
 * Responsible for: fork/exec of CMD with stdin/stdout/stderr inherited,
 * wait4() for its resource usage, one summary line on stderr, and passing the
 * child's exit status on (128+N when it died of signal N, 127 when it could
 * not be started). Like time(1), it ignores SIGINT and SIGQUIT while the
 * child runs so that a ^C reaches only the child and the line still prints.
 *
 * The figures come from the kernel's accounting for the child and any
 * descendants it waited for; maxrss is the largest of those, in KiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static double
cputime_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
	struct rusage ru;
	pid_t pid, r;
	int status, code;
	double user, sys;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "cputime: usage: cputime CMD [ARGS...]\n");
		return 2;
	}
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cputime: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "cputime: cannot run %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}

	/* Bounded: EINTR is the only reason to go round again, and with
	 * SIGINT/SIGQUIT ignored it is rare. */
	for (int i = 0; i < 1000; i++) {
		r = wait4(pid, &status, 0, &ru);
		if (r == pid || errno != EINTR)
			break;
	}
	if (r != pid) {
		fprintf(stderr, "cputime: wait4: %s\n", strerror(errno));
		return 127;
	}

	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = 127;
	user = cputime_seconds(ru.ru_utime);
	sys = cputime_seconds(ru.ru_stime);
	fprintf(stderr, "cputime: user=%.6f sys=%.6f cpu=%.6f maxrss_kib=%ld status=%d\n", user,
	        sys, user + sys, ru.ru_maxrss, code);
	return code;
}
