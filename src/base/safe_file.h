/*
 * safe_file.h - files tcpdeck writes, safe to write as root in a
 * directory other users can write to (/tmp).
 *
 * Another user may plant a symbolic link (or a hard link) where tcpdeck
 * is about to write, hoping root writes through it into a file of his
 * choosing; a crash or a full disk may leave half a file behind.  Every
 * file tcpdeck writes is opened here, with one of three promises:
 *
 *   - a whole file (safe_file_write(), safe_file_begin()/commit()): the
 *     contents go to a new temporary file in the same directory, made
 *     with O_CREAT|O_EXCL|O_NOFOLLOW, which is flushed to the disk
 *     (fsync) and renamed over the path; a reader sees the old file or
 *     the new one, never a part.  An existing regular file is replaced
 *     (its inode is left alone: a hard link to it keeps the old
 *     contents); a symbolic link at the path is refused (ELOOP), as is
 *     anything that is not a regular file (EISDIR for a directory, EPERM
 *     otherwise).  The summary (--summary, the dashboard's w) and the
 *     --textfile exposition are written so.
 *   - a new file (safe_file_create()): O_CREAT|O_EXCL|O_NOFOLLOW, so an
 *     existing path of any kind, a dangling symbolic link included, fails
 *     with EEXIST.  A recording (-w) starts so; a recording is streamed
 *     for as long as tcpdeck runs and cannot be renamed into place at the
 *     end, so what it promises instead is that a recording cut by a
 *     crash replays every whole sample (record_read.c).
 *   - a log to append to (safe_file_open_append()): created as new, or an
 *     existing regular file owned by the caller's effective user with one
 *     link; a symbolic link (ELOOP), another user's file or a hard-linked
 *     one (EPERM), or anything else (EPERM) is refused.
 *
 * safe_file_open_existing() opens an existing path without following a
 * symbolic link in its last component (for a caller that decides itself
 * what to do with the file it finds, as the recorder does).
 *
 * Only the last component is protected: the directories above it are the
 * caller's choice.  Functions return -1 with errno; nothing prints.
 * Any thread; a struct safe_file belongs to one thread at a time.
 */
#ifndef TCPDECK_SAFE_FILE_H
#define TCPDECK_SAFE_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* A whole file being written: the temporary file and where it goes. */
struct safe_file {
	int fd;          /* the temporary file, -1 when none */
	FILE *stream;    /* safe_file_stream()'s stream over fd, or NULL */
	char *path;      /* where it goes (malloc'd) */
	char *tmp;       /* the temporary file's path (malloc'd) */
};

/*
 * Starts a whole file for path: checks that path is absent or a regular
 * file (see above) and creates the temporary file beside it, with mode
 * (less the umask).  Returns 0, or -1 with errno (sf is then empty and
 * needs no safe_file_abort()).
 */
int safe_file_begin(struct safe_file *sf, const char *path, mode_t mode);

/* A stdio stream writing the temporary file (made on first call, closed
 * by commit or abort); NULL with errno. */
FILE *safe_file_stream(struct safe_file *sf);

/*
 * Flushes the temporary file to the disk and renames it over the path,
 * after checking again that the path is not a symbolic link nor another
 * kind of file.  Returns 0, or -1 with errno and the temporary file
 * removed.  Either way sf is released.
 */
int safe_file_commit(struct safe_file *sf);

/* Removes the temporary file and releases sf; keeps errno.  Safe on an
 * sf that safe_file_begin() refused or that is already released. */
void safe_file_abort(struct safe_file *sf);

/* The whole of len bytes at data as the file at path: begin, write,
 * commit.  Returns 0, or -1 with errno (the path untouched). */
int safe_file_write(const char *path, const void *data, size_t len, mode_t mode);

/* Creates a new file for writing: O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|
 * O_CLOEXEC plus `flags`, with mode (less the umask).  An fd, or -1 with
 * errno (EEXIST when anything is at path). */
int safe_file_create(const char *path, int flags, mode_t mode);

/* Opens an existing path with `flags` (O_NOFOLLOW|O_CLOEXEC|O_NOCTTY
 * added): an fd, or -1 with errno, ELOOP for a symbolic link. */
int safe_file_open_existing(const char *path, int flags);

/* Opens path for appending, creating it (mode, less the umask) when
 * absent; refuses what is described above.  An fd, or -1 with errno. */
int safe_file_open_append(const char *path, mode_t mode);

/* A message for errno values safe_file returns, in words a user reads:
 * ELOOP is "it is a symbolic link (not followed)"; others strerror(). */
const char *safe_file_strerror(int err);

#endif
