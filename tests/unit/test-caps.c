/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-caps.c - naming the capabilities a feature needs that a process lacks. */
#include "testutil.h"

#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

#define BPF_PERFMON (CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON))

static void test_format_missing(void **state)
{
	char buf[64];

	assert_int_equal(caps_format_missing(BPF_PERFMON, BPF_PERFMON, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(caps_format_missing(CAP_BIT(CAP_BPF), BPF_PERFMON, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "CAP_PERFMON");
	assert_int_equal(caps_format_missing(0, BPF_PERFMON, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "CAP_PERFMON and CAP_BPF");
	assert_int_equal(caps_format_missing(~UINT64_C(0) & ~CAP_BIT(CAP_DAC_READ_SEARCH),
					     CAP_BIT(CAP_DAC_READ_SEARCH), buf, sizeof(buf)), 1);
	assert_string_equal(buf, "CAP_DAC_READ_SEARCH");
	/* Truncated, still terminated, still counted. */
	assert_int_equal(caps_format_missing(0, BPF_PERFMON, buf, 8), 2);
	assert_string_equal(buf, "CAP_PER");
	/* A capability without a name here is not claimed. */
	assert_int_equal(caps_format_missing(0, CAP_BIT(CAP_CHOWN), buf, sizeof(buf)), 0);
}

/* The process's own set: root holds them all; after setresuid to nobody, none. */
static void test_this_process(void **state)
{
	char buf[64];
	int status;
	pid_t pid;

	if (!tu_is_root())
		skip();
	assert_int_equal(caps_missing(BPF_PERFMON, buf, sizeof(buf)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(100);
		_exit(caps_missing(BPF_PERFMON, buf, sizeof(buf)) == 2 &&
			      strcmp(buf, "CAP_PERFMON and CAP_BPF") == 0
		      ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_missing),
		cmocka_unit_test(test_this_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
