/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-dstate.c - the daemon's lasting counters: the state file written and
 * read back to the same tables (names with spaces and bytes that are not
 * ASCII included), every malformed file refused with its line (a file cut
 * short, a number that overflows, an entry given twice), and the process
 * table's lookups and pruning.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dstate.h"

static char *write_text(const struct dstate *st, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(dstate_write(st, 1234, f), 0);
	fclose(f);
	return buf;
}

static void test_round_trip(void **state)
{
	struct dstate st = { 0 }, back = { 0 };
	struct dstate_proc *p;
	struct dstate_user *u;
	struct dstate_dom *d;
	unsigned line;
	size_t len;
	char *text;

	(void)state;
	snprintf(st.boot_id, sizeof(st.boot_id), "1ac291e5-e489-4e86-9f76-fe8d38d81c56");
	st.since_realtime_ns = 1796686497228499068ULL;
	st.restarts = 3;
	d = dstate_dom_get(&st, "package-0");
	d->energy_uj = UINT64_MAX;
	d->tasks_uj = 1;
	d->idle_uj = 2;
	d->unattributed_uj = 3;
	assert_non_null(dstate_dom_get(&st, "odd name %\xc3\xa9"));
	u = dstate_user_get(&st, 1000);
	u->energy_uj = 55;
	u->cpu_ns = 66;
	u->syscalls = 77;
	u->first_seen_ns = 88;
	for (uint32_t pid = 1; pid <= 1000; pid++) {
		p = dstate_proc_get(&st, pid, 1000000ULL * pid);
		assert_non_null(p);
		p->uid = pid % 3;
		p->energy_uj = pid * 10;
	}
	text = write_text(&st, &len);
	assert_int_equal(dstate_parse(text, len, &back, &line), 0);
	assert_string_equal(back.boot_id, st.boot_id);
	assert_true(back.since_realtime_ns == st.since_realtime_ns);
	assert_int_equal(back.restarts, 3);
	assert_int_equal(back.ndoms, 2);
	assert_string_equal(back.doms[1].name, "odd name %\xc3\xa9");
	assert_true(back.doms[0].energy_uj == UINT64_MAX);
	/* What was counted before is the base this daemon adds to. */
	assert_true(back.doms[0].base_uj == UINT64_MAX);
	assert_int_equal(back.doms[0].unattributed_uj, 3);
	assert_int_equal(back.nusers, 1);
	assert_int_equal(dstate_user_find(&back, 1000)->syscalls, 77);
	assert_int_equal(back.nprocs, 1000);
	p = dstate_proc_find(&back, 777, 777000000ULL);
	assert_non_null(p);
	assert_int_equal(p->energy_uj, 7770);
	assert_int_equal(p->uid, 0);
	assert_null(dstate_proc_find(&back, 777, 1));
	free(text);
	dstate_done(&st);
	dstate_done(&back);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *text;
		int err;
		unsigned line;
	} bad[] = {
		{ "", -EINVAL, 0 },
		{ "hello\n", -EINVAL, 0 },
		{ "joulestat-state 2\nboot x\n", -EPROTONOSUPPORT, 1 },
		{ "joulestat-state 1\n", -EINVAL, 1 },				/* no boot */
		{ "joulestat-state 1\nboot x", -EINVAL, 2 },			/* cut short */
		{ "joulestat-state 1\nboot x\nsince 12a\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nsince 18446744073709551616\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nsince 012\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nrestarts 4294967296\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nuser 1 2 3 4\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nuser 1 2 3 4 5\nuser 1 2 3 4 5\n", -EINVAL, 4 },
		{ "joulestat-state 1\nboot x\nprocess 0 1 0 1 1 1 1\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nprocess 5 1 0 1 1 1 1\nprocess 5 1 0 1 1 1 1\n",
		  -EINVAL, 4 },
		{ "joulestat-state 1\nboot x\ndomain a%zz 1 2 3 4\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\ndomain a%00 1 2 3 4\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\ndomain a 1 2 3 4\ndomain a 1 2 3 4\n", -EINVAL, 4 },
		{ "joulestat-state 1\nboot x\ndomain  1 2 3 4\n", -EINVAL, 3 },	/* empty word */
		{ "joulestat-state 1\nboot x\nvolts 3\n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\nsince 1 \n", -EINVAL, 3 },
		{ "joulestat-state 1\nboot x\n\n", -EINVAL, 3 },
	};
	struct dstate st = { .restarts = 42 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned line = 99;
		int r = dstate_parse(bad[i].text, strlen(bad[i].text), &st, &line);

		if (r != bad[i].err || line != bad[i].line)
			fail_msg("'%s': %d at line %u, wanted %d at line %u", bad[i].text, r, line,
				 bad[i].err, bad[i].line);
		assert_int_equal(st.restarts, 42);
	}
	/* A NUL inside is not a text file. */
	assert_int_equal(dstate_parse("joulestat-state 1\nboot \0x\n", 26, &st, &(unsigned){ 0 }),
			 -EINVAL);
}

static bool odd(const struct dstate_proc *p, void *ctx)
{
	(void)ctx;
	return p->pid % 2;
}

static void test_procs(void **state)
{
	struct dstate st = { 0 };

	(void)state;
	for (uint32_t i = 1; i <= 5000; i++)
		assert_non_null(dstate_proc_get(&st, i, i));
	/* A reused PID: the newest process of it. */
	assert_non_null(dstate_proc_get(&st, 10, 99999));
	assert_int_equal(dstate_proc_newest(&st, 10)->start_ns, 99999);
	assert_null(dstate_proc_newest(&st, 6000));
	assert_int_equal(dstate_proc_prune(&st, odd, NULL), 2500);
	assert_int_equal(st.nprocs, 2501);
	assert_null(dstate_proc_find(&st, 11, 11));
	assert_non_null(dstate_proc_find(&st, 12, 12));
	assert_non_null(dstate_proc_find(&st, 10, 99999));
	/* Names a domain may not have. */
	assert_null(dstate_dom_get(&st, ""));
	assert_null(dstate_dom_get(&st, "0123456789012345678901234567890123456789012345678"));
	dstate_done(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_procs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
