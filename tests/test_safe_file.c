/*
 * test_safe_file.c - the files tcpdeck writes: a whole file replaces a
 * regular file through a rename and leaves nothing behind on failure; a
 * symbolic link (dangling or not), a directory or a FIFO at the path is
 * refused and left as it was; a hard link to the old file keeps the old
 * contents; new files refuse anything at the path; a log appends only to
 * its own, singly linked, regular file.  Works in a scratch directory
 * under the build directory (or $TMPDIR).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"

static char dir[2048];

static const char *
at(const char *name)
{
	static char paths[4][4096];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

/* The contents of a file, NUL-terminated (up to 255 bytes). */
static const char *
contents(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Entries in the scratch directory, . and .. left out. */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_safe_file.XXXXXX", base != NULL ? base : ".");
	if (mkdtemp(dir) == NULL) {
		snprintf(dir, sizeof(dir), "/tmp/test_safe_file.XXXXXX");
		if (mkdtemp(dir) == NULL)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	(void)state;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	return rmdir(dir);
}

static void
test_whole_file_new_and_replaced(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(safe_file_write(at("out"), "first\n", 6, 0640), 0);
	assert_string_equal(contents(at("out")), "first\n");
	assert_int_equal(stat(at("out"), &st), 0);
	assert_int_equal(st.st_mode & 0077 & ~0640, 0); /* no more than asked */
	/* A hard link to the old file keeps the old contents: the path gets a
	 * new inode, the old one is not written through. */
	assert_int_equal(link(at("out"), at("old")), 0);
	assert_int_equal(safe_file_write(at("out"), "second\n", 7, 0644), 0);
	assert_string_equal(contents(at("out")), "second\n");
	assert_string_equal(contents(at("old")), "first\n");
	assert_int_equal(entries(), 2); /* no temporary file left */
}

static void
test_symlink_refused(void **state)
{
	char target[256];

	(void)state;
	put(at("victim"), "precious\n");
	assert_int_equal(symlink(at("victim"), at("link")), 0);
	errno = 0;
	assert_int_equal(safe_file_write(at("link"), "evil\n", 5, 0644), -1);
	assert_int_equal(errno, ELOOP);
	assert_string_equal(contents(at("victim")), "precious\n");
	assert_true(readlink(at("link"), target, sizeof(target)) > 0); /* still a link */
	/* Dangling: the file it points to is not created. */
	assert_int_equal(symlink(at("nowhere"), at("dangling")), 0);
	assert_int_equal(safe_file_write(at("dangling"), "evil\n", 5, 0644), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(access(at("nowhere"), F_OK), -1);
	assert_int_equal(entries(), 3);
	assert_string_equal(safe_file_strerror(ELOOP), "it is a symbolic link (not followed)");
}

static void
test_link_planted_before_commit(void **state)
{
	struct safe_file sf;
	FILE *f;

	(void)state;
	put(at("victim"), "precious\n");
	assert_int_equal(safe_file_begin(&sf, at("out"), 0644), 0);
	f = safe_file_stream(&sf);
	assert_non_null(f);
	fputs("evil\n", f);
	assert_int_equal(symlink(at("victim"), at("out")), 0);
	assert_int_equal(safe_file_commit(&sf), -1);
	assert_int_equal(errno, ELOOP);
	assert_string_equal(contents(at("victim")), "precious\n");
	assert_int_equal(entries(), 2); /* victim and the link; no temporary */
}

static void
test_other_kinds_refused(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("d"), 0755), 0);
	assert_int_equal(safe_file_write(at("d"), "x", 1, 0644), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(mkfifo(at("fifo"), 0644), 0);
	assert_int_equal(safe_file_write(at("fifo"), "x", 1, 0644), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(safe_file_write(at("d/"), "x", 1, 0644), -1);
	assert_int_equal(safe_file_write("", "x", 1, 0644), -1);
	assert_int_equal(safe_file_write(at("absent/x"), "x", 1, 0644), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(entries(), 2);
}

static void
test_abort_leaves_nothing(void **state)
{
	struct safe_file sf;

	(void)state;
	put(at("out"), "old\n");
	assert_int_equal(safe_file_begin(&sf, at("out"), 0644), 0);
	assert_int_equal(write(sf.fd, "half", 4), 4);
	assert_int_equal(entries(), 2);
	errno = ENOSPC;
	safe_file_abort(&sf);
	assert_int_equal(errno, ENOSPC);
	safe_file_abort(&sf); /* twice is harmless */
	assert_string_equal(contents(at("out")), "old\n");
	assert_int_equal(entries(), 1);
}

static void
test_create_refuses_anything(void **state)
{
	int fd;

	(void)state;
	fd = safe_file_create(at("new"), 0, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(safe_file_create(at("new"), 0, 0644), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(symlink(at("nowhere"), at("dangling")), 0);
	assert_int_equal(safe_file_create(at("dangling"), 0, 0644), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(access(at("nowhere"), F_OK), -1);
	assert_int_equal(safe_file_open_existing(at("dangling"), O_RDWR), -1);
	assert_int_equal(errno, ELOOP);
	fd = safe_file_open_existing(at("new"), O_RDWR);
	assert_true(fd >= 0);
	close(fd);
}

static void
test_append(void **state)
{
	int fd;

	(void)state;
	fd = safe_file_open_append(at("log"), 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "one\n", 4), 4);
	close(fd);
	fd = safe_file_open_append(at("log"), 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "two\n", 4), 4);
	close(fd);
	assert_string_equal(contents(at("log")), "one\ntwo\n");
	/* A symbolic link, a hard-linked file, a FIFO: refused, untouched. */
	put(at("victim"), "precious\n");
	assert_int_equal(symlink(at("victim"), at("symlog")), 0);
	assert_int_equal(safe_file_open_append(at("symlog"), 0644), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(link(at("victim"), at("hardlog")), 0);
	assert_int_equal(safe_file_open_append(at("hardlog"), 0644), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(mkfifo(at("fifolog"), 0644), 0);
	assert_int_equal(safe_file_open_append(at("fifolog"), 0644), -1);
	assert_true(errno == EPERM || errno == ENXIO); /* ENXIO: no reader */
	assert_string_equal(contents(at("victim")), "precious\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_whole_file_new_and_replaced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_planted_before_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_kinds_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_refuses_anything, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
