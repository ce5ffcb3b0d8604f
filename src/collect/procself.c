/*
 * procself.c - the exporter's own process metrics from /proc/self.
 * Any thread.  Parsers take bytes; only procself_read() touches files.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procself.h"

/* Copies at most out_size - 1 bytes of text into out, NUL-terminated. */
static void
copy_text(char *out, size_t out_size, const char *text, size_t len)
{
	if (len >= out_size)
		len = out_size - 1;
	memcpy(out, text, len);
	out[len] = '\0';
}

int
procself_parse_stat(struct procself *ps, const char *text, size_t len, long hz, long page,
		    uint64_t btime)
{
	char buf[1024];
	char *p, *save = NULL, *tok;
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0;
	int field;

	if (hz <= 0 || page <= 0) {
		errno = EINVAL;
		return -1;
	}
	copy_text(buf, sizeof(buf), text, len);
	p = strrchr(buf, ')');
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Field 3 (state) is the first after the command. */
	field = 3;
	for (tok = strtok_r(p + 1, " \n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \n", &save), field++) {
		switch (field) {
		case 14: utime = strtoull(tok, NULL, 10); break;
		case 15: stime = strtoull(tok, NULL, 10); break;
		case 22: start = strtoull(tok, NULL, 10); break;
		case 23: vsize = strtoull(tok, NULL, 10); break;
		case 24: rss = strtoll(tok, NULL, 10); break;
		default: break;
		}
	}
	if (field <= 24) {
		errno = EINVAL;
		return -1;
	}
	ps->cpu_seconds = (double)(utime + stime) / (double)hz;
	ps->start_time_seconds = (double)btime + (double)start / (double)hz;
	ps->virtual_bytes = vsize;
	ps->resident_bytes = rss > 0 ? (uint64_t)rss * (uint64_t)page : 0;
	return 0;
}

int
procself_parse_btime(const char *text, size_t len, uint64_t *btime)
{
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);

		if (n > 6 && memcmp(line, "btime ", 6) == 0) {
			char num[32];

			copy_text(num, sizeof(num), line + 6, n - 6);
			*btime = strtoull(num, NULL, 10);
			return 0;
		}
		line += n + 1;
	}
	errno = EINVAL;
	return -1;
}

int
procself_parse_limits(struct procself *ps, const char *text, size_t len)
{
	static const char key[] = "Max open files";
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);

		if (n > sizeof(key) && memcmp(line, key, sizeof(key) - 1) == 0) {
			char rest[128], *p;

			copy_text(rest, sizeof(rest), line + sizeof(key) - 1, n - (sizeof(key) - 1));
			p = rest + strspn(rest, " \t");
			if (strncmp(p, "unlimited", 9) == 0) {
				ps->has_max_fds = false;
				return 0;
			}
			if (*p < '0' || *p > '9')
				break;
			ps->max_fds = strtoull(p, NULL, 10);
			ps->has_max_fds = true;
			return 0;
		}
		line += n + 1;
	}
	errno = EINVAL;
	return -1;
}

enum { PROCSELF_STAT_MAX = 1 << 20 };

/* The whole of a small file into buf; its length, or -1 with errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;

	if (fd < 0)
		return -1;
	while (used < size) {
		ssize_t n = read(fd, buf + used, size - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	return (ssize_t)used;
}

int
procself_read(struct procself *ps, const char *proc_root)
{
	char path[512], buf[8192];
	uint64_t btime = 0;
	ssize_t n;
	DIR *dir;
	struct dirent *de;
	char *big;

	memset(ps, 0, sizeof(*ps));
	/* /proc/stat grows with the CPUs (one line each) before btime. */
	big = malloc(PROCSELF_STAT_MAX);
	if (big == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/stat", proc_root);
	n = read_small(path, big, PROCSELF_STAT_MAX);
	if (n >= 0)
		(void)procself_parse_btime(big, (size_t)n, &btime);
	free(big);
	snprintf(path, sizeof(path), "%s/self/stat", proc_root);
	n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (procself_parse_stat(ps, buf, (size_t)n, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
				btime) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/self/limits", proc_root);
	n = read_small(path, buf, sizeof(buf));
	if (n >= 0)
		(void)procself_parse_limits(ps, buf, (size_t)n);
	snprintf(path, sizeof(path), "%s/self/fd", proc_root);
	dir = opendir(path);
	if (dir != NULL) {
		while ((de = readdir(dir)) != NULL)
			if (de->d_name[0] != '.')
				ps->open_fds++;
		/* The directory's own descriptor is not one of ours a moment
		 * from now. */
		if (ps->open_fds > 0)
			ps->open_fds--;
		closedir(dir);
	}
	return 0;
}
