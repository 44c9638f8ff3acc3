/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-outfile.c - the rule of every file the command writes (outfile.h):
 * links never followed, other users' files and hard-linked streams refused,
 * pipes never waited on, devices written in place, an output that is an
 * input refused as a usage error, temporary files exclusive and gone after
 * every outcome, and a stream cut back to its last complete record when a
 * write fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "outfile.h"

static char dir[] = "/tmp/joulestat-outfile-XXXXXX";

static const struct outfile_opts replace = { .kind = OUTFILE_REPLACE };
static const struct outfile_opts stream = { .kind = OUTFILE_STREAM };

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	/* A pipe test that waited would hang the suite: fail it instead. */
	alarm(50);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of the directory: a temporary file left behind shows here. */
static int count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void clean(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* '%s'/.[!.]*", dir, dir);
	assert_int_equal(system(cmd), 0);
}

static void write_whole(const char *p, const struct outfile_opts *o, const char *text)
{
	struct outfile of;

	assert_int_equal(outfile_open(p, o, &of), 0);
	fputs(text, of.f);
	assert_int_equal(outfile_commit(&of), 0);
}

static void test_replace(void **state)
{
	struct outfile a, b;
	struct stat st;
	mode_t old = umask(022);

	clean();
	write_whole(path("r"), &replace, "one\n");
	assert_string_equal(slurp(path("r")), "one\n");
	/* While being written, the old file stays whole; the temporary names differ each time. */
	assert_int_equal(outfile_open(path("r"), &replace, &a), 0);
	assert_int_equal(outfile_open(path("r"), &replace, &b), 0);
	assert_non_null(a.tmp);
	assert_non_null(b.tmp);
	assert_string_not_equal(a.tmp, b.tmp);
	assert_int_equal(strncmp(a.tmp, "r.", 2), 0);
	assert_true(strlen(a.tmp) >= 8);
	fputs("two\n", a.f);
	assert_string_equal(slurp(path("r")), "one\n");
	assert_int_equal(count_entries(), 3);
	assert_int_equal(outfile_commit(&a), 0);
	outfile_abort(&b);
	assert_string_equal(slurp(path("r")), "two\n");
	assert_int_equal(count_entries(), 1);
	assert_int_equal(stat(path("r"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_dev, a.dev);
	assert_int_equal(st.st_ino, a.ino);
	umask(old);
}

static void test_exact_mode(void **state)
{
	const struct outfile_opts o = { .kind = OUTFILE_REPLACE, .mode = 0644, .exact_mode = true };
	struct stat st;
	mode_t old = umask(077);

	clean();
	write_whole(path("m"), &o, "x");
	assert_int_equal(stat(path("m"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	write_whole(path("u"), &replace, "x");
	assert_int_equal(stat(path("u"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* the umask applies by default */
	umask(old);
}

static void test_symlink_refused(void **state)
{
	const struct outfile_opts *kinds[] = { &replace, &stream };
	struct outfile of;
	struct stat st;

	for (int k = 0; k < 2; k++) {
		clean();
		put(path("victim"), "precious\n");
		assert_int_equal(symlink(path("victim"), path("link")), 0);
		assert_int_equal(outfile_open(path("link"), kinds[k], &of), -ELOOP);
		assert_non_null(strstr(of.err, path("link")));
		assert_non_null(strstr(of.err, "symbolic link"));
		assert_false(of.usage);
		assert_string_equal(slurp(path("victim")), "precious\n");
		assert_int_equal(lstat(path("link"), &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		/* A dangling link would create its target: refused the same way. */
		assert_int_equal(symlink(path("new"), path("dangling")), 0);
		assert_int_equal(outfile_open(path("dangling"), kinds[k], &of), -ELOOP);
		assert_int_equal(access(path("new"), F_OK), -1);
		assert_int_equal(count_entries(), 3);
	}
}

static void test_other_users_file_refused(void **state)
{
	const struct outfile_opts *kinds[] = { &replace, &stream };
	struct outfile of;

	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	for (int k = 0; k < 2; k++) {
		clean();
		put(path("theirs"), "theirs\n");
		assert_int_equal(chown(path("theirs"), 65534, 65534), 0);
		assert_int_equal(outfile_open(path("theirs"), kinds[k], &of), -EPERM);
		assert_non_null(strstr(of.err, "belongs to user"));
		assert_non_null(strstr(of.err, "65534"));
		assert_string_equal(slurp(path("theirs")), "theirs\n");
		assert_int_equal(count_entries(), 1);
		/* root's own file is fine */
		put(path("mine"), "old\n");
		write_whole(path("mine"), kinds[k], "new\n");
		assert_string_equal(slurp(path("mine")), "new\n");
	}
}

static void test_hard_link(void **state)
{
	struct outfile of;

	clean();
	put(path("a"), "a\n");
	assert_int_equal(link(path("a"), path("b")), 0);
	/* In place, writing b would write a: refused. */
	assert_int_equal(outfile_open(path("b"), &stream, &of), -EPERM);
	assert_non_null(strstr(of.err, "2 hard links"));
	assert_string_equal(slurp(path("a")), "a\n");
	/* Replaced whole, b becomes a new file and a keeps its text. */
	write_whole(path("b"), &replace, "b\n");
	assert_string_equal(slurp(path("a")), "a\n");
	assert_string_equal(slurp(path("b")), "b\n");
}

static void test_fifo(void **state)
{
	const struct outfile_opts *kinds[] = { &replace, &stream };
	struct outfile of;
	char buf[16];
	struct stat st;
	int rd;

	for (int k = 0; k < 2; k++) {
		clean();
		assert_int_equal(mkfifo(path("p"), 0600), 0);
		/* No reader: refused at once, nothing waits. */
		assert_int_equal(outfile_open(path("p"), kinds[k], &of), -ENXIO);
		assert_non_null(strstr(of.err, "named pipe with no reader"));
		assert_int_equal(outfile_check(path("p"), kinds[k], buf, sizeof(buf), NULL), 0);
		/* A reader: written in place, the pipe stays a pipe. */
		rd = open(path("p"), O_RDONLY | O_NONBLOCK);
		assert_true(rd >= 0);
		assert_int_equal(outfile_open(path("p"), kinds[k], &of), 0);
		assert_null(of.tmp);
		assert_int_equal(outfile_append(&of, "hello\n", 6), 0);
		assert_int_equal(outfile_commit(&of), 0);
		assert_int_equal(read(rd, buf, sizeof(buf)), 6);
		close(rd);
		assert_int_equal(lstat(path("p"), &st), 0);
		assert_true(S_ISFIFO(st.st_mode));
		assert_int_equal(count_entries(), 1);
	}
}

static void test_device_in_place(void **state)
{
	struct outfile of;
	struct stat st;

	/* Replacing /dev/null by rename would be a disaster: a device is written in place. */
	assert_int_equal(outfile_open("/dev/null", &replace, &of), 0);
	assert_null(of.tmp);
	fputs("nothing\n", of.f);
	assert_int_equal(outfile_commit(&of), 0);
	assert_int_equal(lstat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void test_directory_refused(void **state)
{
	struct outfile of;

	clean();
	assert_int_equal(mkdir(path("d"), 0755), 0);
	assert_int_equal(outfile_open(path("d"), &replace, &of), -EISDIR);
	assert_non_null(strstr(of.err, "directory"));
	assert_int_equal(outfile_open(path("d"), &stream, &of), -EISDIR);
	assert_int_equal(outfile_open(path("d/"), &stream, &of), -EISDIR);
	assert_int_equal(count_entries(), 1);
	assert_int_equal(outfile_open(path("nodir/x"), &replace, &of), -ENOENT);
	assert_non_null(strstr(of.err, path("nodir/x")));
}

static void test_same_file_as_input(void **state)
{
	struct outfile_input in;
	struct outfile_opts o = { .kind = OUTFILE_REPLACE, .inputs = &in, .ninputs = 1 };
	struct outfile of;
	int fd;

	clean();
	put(path("in"), "input\n");
	assert_int_equal(link(path("in"), path("alias")), 0);
	fd = open(path("in"), O_RDONLY);
	assert_int_equal(outfile_input_of("in.jsonl", fd, &in), 0);
	for (int k = 0; k < 2; k++) {
		o.kind = k ? OUTFILE_STREAM : OUTFILE_REPLACE;
		assert_int_equal(outfile_open(path("in"), &o, &of), -EINVAL);
		assert_true(of.usage);
		assert_non_null(strstr(of.err, "same file as the input in.jsonl"));
		/* through a hard link too */
		assert_int_equal(outfile_open(path("alias"), &o, &of), -EINVAL);
		assert_true(of.usage);
		assert_string_equal(slurp(path("in")), "input\n");
	}
	/* through standard output, as `replay x >> x` would give it */
	{
		int saved = dup(STDOUT_FILENO), w = open(path("in"), O_WRONLY | O_APPEND);

		fflush(stdout);
		dup2(w, STDOUT_FILENO);
		assert_int_equal(outfile_open("-", &o, &of), -EINVAL);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(w);
		assert_true(of.usage);
		assert_non_null(strstr(of.err, "standard output is the same file"));
	}
	close(fd);
	assert_int_equal(count_entries(), 2);
	assert_int_equal(outfile_input_of(path("missing"), -1, &in), -ENOENT);
}

static void test_stream_cut_back(void **state)
{
	struct rlimit old, lim = { 100, 100 };
	struct outfile of;
	char big[80];
	struct stat st;

	clean();
	put(path("s"), "an older and longer recording that is replaced\n");
	/* A file size limit stands in for a full disk: the write stops part way. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(outfile_open(path("s"), &stream, &of), 0);
	assert_int_equal(stat(path("s"), &st), 0);
	assert_int_equal(st.st_size, 0); /* truncated once it was found to be ours */
	assert_int_equal(outfile_append(&of, "a header line of forty-eight bytes.............\n", 48),
			 0);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(outfile_append(&of, big, sizeof(big)), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_non_null(strstr(of.err, "last complete record"));
	assert_int_equal(stat(path("s"), &st), 0);
	assert_int_equal(st.st_size, 48);
	/* The stream goes on from there. */
	assert_int_equal(outfile_append(&of, "more\n", 5), 0);
	assert_int_equal(outfile_commit(&of), 0);
	assert_string_equal(slurp(path("s")),
			    "a header line of forty-eight bytes.............\nmore\n");
	signal(SIGXFSZ, SIG_DFL);
}

static void test_check_leaves_nothing(void **state)
{
	char err[512];
	bool usage = true;

	clean();
	put(path("keep"), "keep\n");
	assert_int_equal(outfile_check(path("keep"), &replace, err, sizeof(err), &usage), 0);
	assert_int_equal(outfile_check(path("new"), &replace, err, sizeof(err), &usage), 0);
	assert_int_equal(outfile_check(path("keep"), &stream, err, sizeof(err), &usage), 0);
	assert_string_equal(slurp(path("keep")), "keep\n");
	assert_int_equal(count_entries(), 1);
	assert_int_equal(symlink(path("keep"), path("l")), 0);
	assert_int_equal(outfile_check(path("l"), &replace, err, sizeof(err), &usage), -ELOOP);
	assert_false(usage);
	assert_non_null(strstr(err, "symbolic link"));
}

static void test_remove_only_ours(void **state)
{
	struct outfile of;

	clean();
	assert_int_equal(outfile_open(path("om"), &replace, &of), 0);
	assert_int_equal(outfile_commit(&of), 0);
	assert_int_equal(outfile_remove(path("om"), of.dev, of.ino), 1);
	assert_int_equal(access(path("om"), F_OK), -1);
	assert_int_equal(outfile_remove(path("om"), of.dev, of.ino), 0);
	/* Something else at the path since: left alone. */
	assert_int_equal(outfile_open(path("om"), &replace, &of), 0);
	assert_int_equal(outfile_commit(&of), 0);
	put(path("other"), "other\n");
	assert_int_equal(rename(path("other"), path("om")), 0);
	assert_int_equal(outfile_remove(path("om"), of.dev, of.ino), 0);
	assert_string_equal(slurp(path("om")), "other\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_exact_mode),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_other_users_file_refused),
		cmocka_unit_test(test_hard_link),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_device_in_place),
		cmocka_unit_test(test_directory_refused),
		cmocka_unit_test(test_same_file_as_input),
		cmocka_unit_test(test_stream_cut_back),
		cmocka_unit_test(test_check_leaves_nothing),
		cmocka_unit_test(test_remove_only_ours),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
