/*
 * safe_file.c - opening the files tcpdeck writes without following a
 * planted link, and writing whole files through a temporary file and a
 * rename (the promises are in safe_file.h).
 * Any thread.  Nothing prints; nothing here decides a file's contents.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safe_file.h"

/* Temporary names tried before giving up: each collision is another
 * user's file (or a leftover), and a new random name is drawn. */
#define SAFE_FILE_TRIES 64

/* Refuses what a whole file may not replace: 0 when path is absent or a
 * regular file, -1 with errno otherwise. */
static int
check_replaceable(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
safe_file_create(const char *path, int flags, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | flags,
		    mode);
}

int
safe_file_open_existing(const char *path, int flags)
{
	return open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
}

int
safe_file_open_append(const char *path, mode_t mode)
{
	struct stat st;
	int fd;

	for (int tries = 0; tries < SAFE_FILE_TRIES; tries++) {
		fd = safe_file_create(path, O_APPEND, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		/* O_NONBLOCK: a FIFO planted here must not hold us. */
		fd = safe_file_open_existing(path, O_WRONLY | O_APPEND | O_NONBLOCK);
		if (fd < 0 && errno == ENOENT)
			continue; /* removed between the two opens */
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0) {
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
		/* Someone else's file, or a hard link to one, would have our
		 * lines appended where its owner reads them. */
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
			close(fd);
			errno = S_ISDIR(st.st_mode) ? EISDIR : EPERM;
			return -1;
		}
		if (fcntl(fd, F_SETFL, O_APPEND) < 0) { /* blocking again */
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
		return fd;
	}
	errno = EEXIST;
	return -1;
}

/* A fresh random-looking number for a temporary name. */
static uint64_t
tmp_nonce(void)
{
	static uint64_t counter;
	struct timespec now;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &now);
	x = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9e3779b97f4a7c15ull;
	x ^= (uint64_t)now.tv_nsec * 0xbf58476d1ce4e5b9ull ^ (uint64_t)getpid() << 32;
	x ^= x >> 31;
	return x;
}

int
safe_file_begin(struct safe_file *sf, const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash == NULL ? 0 : (size_t)(slash - path) + 1;
	size_t tmp_size = strlen(path) + 40;

	memset(sf, 0, sizeof(*sf));
	sf->fd = -1;
	if (path[0] == '\0' || path[dir_len] == '\0') {
		errno = EISDIR; /* "" or "dir/": no file name */
		return -1;
	}
	if (check_replaceable(path) < 0)
		return -1;
	sf->path = strdup(path);
	sf->tmp = malloc(tmp_size);
	if (sf->path == NULL || sf->tmp == NULL) {
		safe_file_abort(sf);
		errno = ENOMEM;
		return -1;
	}
	/* Beside the path, so the rename stays on one file system; hidden,
	 * so a directory watcher (node_exporter) skips it. */
	for (int tries = 0; tries < SAFE_FILE_TRIES; tries++) {
		snprintf(sf->tmp, tmp_size, "%.*s.%s.tmp-%016llx", (int)dir_len, path,
			 path + dir_len, (unsigned long long)tmp_nonce());
		sf->fd = safe_file_create(sf->tmp, 0, mode);
		if (sf->fd >= 0 || errno != EEXIST)
			break;
	}
	if (sf->fd < 0) {
		int err = errno;

		free(sf->tmp);
		sf->tmp = NULL; /* nothing of ours to remove */
		safe_file_abort(sf);
		errno = err;
		return -1;
	}
	return 0;
}

FILE *
safe_file_stream(struct safe_file *sf)
{
	if (sf->stream == NULL && sf->fd >= 0) {
		sf->stream = fdopen(sf->fd, "w");
		if (sf->stream == NULL)
			return NULL;
	}
	return sf->stream;
}

/* fsync on the directory holding path, so the rename is on the disk
 * too; a file system that cannot is not an error. */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL) {
		dir = strdup(".");
	} else {
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	}
	if (dir == NULL)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
safe_file_commit(struct safe_file *sf)
{
	int err = 0;

	if (sf->fd < 0 || sf->tmp == NULL) {
		safe_file_abort(sf);
		errno = EBADF;
		return -1;
	}
	if (sf->stream != NULL && fflush(sf->stream) != 0)
		err = errno;
	/* The rename must not reach the disk before the contents. */
	if (err == 0 && fsync(sf->fd) < 0)
		err = errno;
	if (sf->stream != NULL ? fclose(sf->stream) != 0 : close(sf->fd) < 0)
		err = err != 0 ? err : errno;
	sf->stream = NULL;
	sf->fd = -1;
	/* Checked again: a link planted since begin is refused too.  One
	 * planted between this check and the rename is replaced, never
	 * followed: rename() does not follow a link at its target. */
	if (err == 0 && check_replaceable(sf->path) < 0)
		err = errno;
	if (err == 0 && rename(sf->tmp, sf->path) < 0)
		err = errno;
	if (err != 0) {
		errno = err;
		safe_file_abort(sf);
		return -1;
	}
	sync_dir(sf->path);
	free(sf->tmp);
	free(sf->path);
	sf->tmp = sf->path = NULL;
	return 0;
}

void
safe_file_abort(struct safe_file *sf)
{
	int err = errno;

	if (sf->stream != NULL)
		fclose(sf->stream);
	else if (sf->fd >= 0)
		close(sf->fd);
	if (sf->tmp != NULL)
		unlink(sf->tmp);
	free(sf->tmp);
	free(sf->path);
	sf->stream = NULL;
	sf->fd = -1;
	sf->tmp = sf->path = NULL;
	errno = err;
}

int
safe_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
	struct safe_file sf;
	const char *at = data;

	if (safe_file_begin(&sf, path, mode) < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(sf.fd, at, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			safe_file_abort(&sf);
			return -1;
		}
		at += n;
		len -= (size_t)n;
	}
	return safe_file_commit(&sf);
}

const char *
safe_file_strerror(int err)
{
	switch (err) {
	case ELOOP:
		return "it is a symbolic link (not followed)";
	case EEXIST:
		return "it exists";
	case EPERM:
		return "it is not a regular file this user may replace";
	default:
		return strerror(err);
	}
}
