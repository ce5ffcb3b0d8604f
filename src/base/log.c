/*
 * log.c - the debug log file.
 * Any thread: the file is set before the sampler starts and closed after
 * it stops, and each line goes out in a single write.
 */
#include "config.h"

#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "safe_file.h"

static int log_fd = -1;

int
log_open(const char *path)
{
	/* Appended to only when it is root's own file: never through a link
	 * another user planted (safe_file.h). */
	log_fd = safe_file_open_append(path, 0644);
	return log_fd < 0 ? -1 : 0;
}

void
log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void
log_msg(const char *fmt, ...)
{
	char line[512];
	struct timespec now;
	va_list ap;
	int len;

	if (log_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	len = snprintf(line, sizeof(line), "%lld.%03ld ", (long long)now.tv_sec,
		       now.tv_nsec / 1000000l);
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len, fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(line) - 1)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	(void)!write(log_fd, line, (size_t)len);
}

int
log_enabled(void)
{
	return log_fd >= 0;
}

void
log_heap(const char *who)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi;

	if (log_fd < 0)
		return;
	mi = mallinfo2();
	log_msg("heap (%s): %.1f MB in use, %.1f MB free in the heaps, %.1f MB mapped apart",
		who, (double)mi.uordblks / 1048576.0, (double)mi.fordblks / 1048576.0,
		(double)mi.hblkhd / 1048576.0);
#else
	(void)who;
#endif
}
