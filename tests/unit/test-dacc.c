/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-dacc.c - what the daemon keeps for one client, and what it sends:
 * samples merged (energies summed per row and per domain, the interval
 * from the first start to the last end), other users' rows summed as the
 * view says (one per user under "own", one for all under "none", nothing
 * summed under "all"), no other user's command name anywhere in the
 * reply, groupings that mix users rebuilt from threads, trees of this
 * client only, the daemon's lasting counters in cumulative energies.
 *
 * The daemon's snapshots are made here from replies the library's parser
 * reads (remote_parse_snapshot), and the replies are read back the same
 * way, as a client would.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dacc.h"
#include "remote.h"

struct trow {
	const char *group;
	int pid, tid;
	uint64_t start;
	const char *comm;
	uint32_t uid;
	uint64_t energy, d0, d1;
	uint64_t cum;
	const char *vm;		/* NULL: "" */
};

/* A daemon snapshot over [start, end] with two domains (and a process meter when `meter`). */
static struct joulestat_snapshot *snap_of(uint64_t start_s, uint64_t end_s, const struct trow *rows,
					  size_t n, bool meter)
{
	static const char *const groups[] = { "process", "thread", "comm", "cgroup", "user",
					      "unit", "container", "tree", "vm" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct joulestat_snapshot *s = NULL;
	uint64_t dseq, ns;
	char err[256];
	uint64_t tasks = 0;

	for (size_t i = 0; i < n; i++)
		tasks += rows[i].energy;
	fprintf(f, "{\"daemon_seq\":1,\"samples\":1,\"info\":{\"start_ns\":%llu,\"end_ns\":%llu,"
		   "\"idle_policy\":\"separate\",\"collector\":\"ebpf\",\"delta_uj\":%llu,"
		   "\"tasks_uj\":%llu,\"idle_uj\":0,\"unattributed_uj\":0,\"estimated\":false,"
		   "\"warming_up\":false,\"refused\":false,\"coverage\":1,\"captured\":1,"
		   "\"dropped\":1,\"busy_ns\":1,\"idle_ns\":1,\"lost_ns\":0,\"irq_ns\":0,"
		   "\"cpu_idle_ns\":[1],\"cpu_lost_ns\":[0],\"cpu_irq_ns\":[0],"
		   "\"syscalls_counted\":false,\"syscalls\":0,\"static_mw\":0,\"static_from\":\"\"},",
		(unsigned long long)(start_s * 1000000000ULL), (unsigned long long)(end_s * 1000000000ULL),
		(unsigned long long)tasks, (unsigned long long)tasks);
	fprintf(f, "\"domains\":[");
	for (int d = 0; d < (meter ? 3 : 2); d++)
		fprintf(f, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"source\":\"x\",\"socket\":0,"
			   "\"estimated\":false,\"in_host_total\":%s,\"warming_up\":false,"
			   "\"status\":\"split\",\"energy_uj\":%llu,\"raw_uj\":0,\"delta_uj\":10,"
			   "\"tasks_uj\":10,\"idle_uj\":0,\"unattributed_uj\":0,\"static_uj\":0,"
			   "\"busy_ns\":0,\"idle_ns\":0,\"lost_ns\":0,\"irq_ns\":0,\"sampled\":false,"
			   "\"static_mw\":0,\"static_origin\":\"none\",\"static_from\":\"none\","
			   "\"refused\":false,\"readings_refused\":0}",
			d ? "," : "", d == 0 ? "package-0" : d == 1 ? "dram-0" : "pid-4242",
			d == 0 ? "package" : d == 1 ? "dram" : "process", d < 2 ? "true" : "false",
			(unsigned long long)(end_s * 100));
	fprintf(f, "],\"groups\":{");
	for (size_t g = 0, first = 1; g < 9; g++) {
		bool any = false;

		for (size_t i = 0; i < n; i++)
			any |= strcmp(rows[i].group, groups[g]) == 0;
		if (!any)
			continue;
		fprintf(f, "%s\"%s\":[", first ? "" : ",", groups[g]);
		first = 0;
		for (size_t i = 0, k = 0; i < n; i++) {
			if (strcmp(rows[i].group, groups[g]) != 0)
				continue;
			fprintf(f, "%s[%d,%d,%llu,\"%s\",%u,\"user%u\",0,\"/x\",\"u.service\",\"\","
				   "\"%s\",%llu,1000,0,1,false,%llu,1000,0,1,false,[%llu,%llu%s]]",
				k++ ? "," : "", rows[i].pid, rows[i].tid,
				(unsigned long long)rows[i].start, rows[i].comm, rows[i].uid,
				rows[i].uid, rows[i].vm ? rows[i].vm : "", (unsigned long long)rows[i].energy,
				(unsigned long long)rows[i].cum, (unsigned long long)rows[i].d0,
				(unsigned long long)rows[i].d1, meter ? ",0" : "");
		}
		fprintf(f, "]");
	}
	fprintf(f, "}}");
	fclose(f);
	if (remote_parse_snapshot(text, len, 1, &s, &dseq, &ns, err, sizeof(err)) < 0)
		fail_msg("test snapshot: %s", err);
	free(text);
	return s;
}

/* Write a's reply, and read it back as a client. */
static struct joulestat_snapshot *reply(struct dacc *a, char **ret_text)
{
	struct joulestat_snapshot *s = NULL;
	struct wjson w;
	uint64_t dseq, n;
	char err[256];

	wjson_init(&w, 0);
	wjson_begin_object(&w);
	dacc_write(a, &w, 0);
	wjson_end_object(&w);
	assert_false(w.failed);
	if (remote_parse_snapshot(w.buf, w.len, 1, &s, &dseq, &n, err, sizeof(err)) < 0)
		fail_msg("reply: %s: %.*s", err, (int)w.len, w.buf);
	if (ret_text) {
		*ret_text = strndup(w.buf, w.len);
	}
	wjson_done(&w);
	return s;
}

static bool find(struct joulestat_snapshot *s, enum joulestat_group g, int pid, uint32_t uid,
		 bool agg, struct joulestat_row *ret)
{
	int n = joulestat_snapshot_row_count(s, g);

	for (int i = 0; i < n; i++) {
		struct joulestat_row r = { .sz = sizeof(r) };

		assert_int_equal(joulestat_snapshot_row_get(s, g, (size_t)i, &r), 0);
		if (r.pid == pid && r.uid == uid && r.aggregated == agg) {
			*ret = r;
			return true;
		}
	}
	return false;
}

static const struct trow mix1[] = {
	{ "process", 42, 0, 7, "make", 1000, 300, 200, 100, 0 },
	{ "process", 50, 0, 8, "secret", 2000, 100, 60, 40, 0 },
	{ "process", 51, 0, 9, "hidden", 2000, 20, 10, 10, 0 },
	{ "process", 1, 0, 1, "init", 0, 5, 5, 0, 0 },
	{ "user", 0, 0, 0, "", 1000, 300, 200, 100, 0 },
	{ "user", 0, 0, 0, "", 2000, 120, 70, 50, 0 },
	{ "user", 0, 0, 0, "", 0, 5, 5, 0, 0 },
};
static const struct trow mix2[] = {
	{ "process", 42, 0, 7, "make", 1000, 50, 25, 25, 0 },
	{ "process", 51, 0, 9, "hidden", 2000, 30, 20, 10, 0 },
	{ "user", 0, 0, 0, "", 1000, 50, 25, 25, 0 },
	{ "user", 0, 0, 0, "", 2000, 30, 20, 10, 0 },
};

static struct dacc *fed(enum disclose_policy view, uint32_t groups, const struct dstate *st)
{
	struct dacc_opts o = { .view = view, .uid = 1000, .groups = groups };
	struct dacc *a = NULL;
	struct joulestat_snapshot *s1 = snap_of(10, 11, mix1, 7, true);
	struct joulestat_snapshot *s2 = snap_of(11, 13, mix2, 4, true);

	assert_int_equal(dacc_new(&o, &a), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = s1, .seq = 4, .state = st }), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = s2, .seq = 5, .state = st }), 0);
	joulestat_snapshot_free(s1);
	joulestat_snapshot_free(s2);
	assert_int_equal(dacc_samples(a), 2);
	assert_int_equal(dacc_last_seq(a), 5);
	assert_true(dacc_span_ns(a) == 3000000000ULL);
	return a;
}

static void test_own(void **state)
{
	struct dstate st = { 0 };
	struct dacc *a;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
	struct joulestat_row r = { .sz = sizeof(r) };
	char *text;

	(void)state;
	dstate_user_get(&st, 2000)->energy_uj = 777;
	dstate_user_get(&st, 0)->energy_uj = 111;
	dstate_proc_get(&st, 42, 7)->energy_uj = 9999;
	a = fed(DISCLOSE_OWN, 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_USER, &st);
	s = reply(a, &text);
	/* Nothing of another user's processes but the user. */
	assert_null(strstr(text, "secret"));
	assert_null(strstr(text, "hidden"));
	assert_null(strstr(text, "init"));
	assert_null(strstr(text, "pid-4242"));
	assert_int_equal(joulestat_snapshot_get(s, &si), 0);
	assert_true(si.start_ns == 10000000000ULL && si.end_ns == 13000000000ULL);
	assert_int_equal(si.ndomains, 2);
	assert_int_equal(joulestat_snapshot_domain_get(s, 0, &d), 0);
	assert_int_equal(d.delta_uj, 20);
	assert_int_equal(d.energy_uj, 1300);
	/* One's own process, summed over both samples, lasting counter from the state. */
	assert_true(find(s, JOULESTAT_GROUP_PROCESS, 42, 1000, false, &r));
	assert_int_equal(r.energy_uj, 350);
	assert_int_equal(r.domain_energy_uj[0], 225);
	assert_int_equal(r.domain_energy_uj[1], 125);
	assert_string_equal(r.comm, "make");
	assert_int_equal(r.cumulative_uj, 9999);
	/* Every other user as one row: no PID, no command. */
	assert_true(find(s, JOULESTAT_GROUP_PROCESS, 0, 2000, true, &r));
	assert_int_equal(r.energy_uj, 150);
	assert_int_equal(r.ntasks, 2);
	assert_string_equal(r.comm, "");
	assert_string_equal(r.user, "user2000");
	assert_int_equal(r.cumulative_uj, 777);
	assert_true(find(s, JOULESTAT_GROUP_PROCESS, 0, 0, true, &r));
	assert_int_equal(r.energy_uj, 5);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS), 3);
	/* User rows are the aggregate already. */
	assert_true(find(s, JOULESTAT_GROUP_USER, 0, 2000, false, &r));
	assert_int_equal(r.energy_uj, 150);
	/* Largest first. */
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_PROCESS, 0, &r), 0);
	assert_int_equal(r.pid, 42);
	joulestat_snapshot_free(s);
	free(text);
	/* Started over: the next reply has nothing. */
	assert_int_equal(dacc_samples(a), 0);
	dacc_free(a);
	dstate_done(&st);
}

static void test_none(void **state)
{
	struct dstate st = { 0 };
	struct dacc *a;
	struct joulestat_snapshot *s;
	struct joulestat_row r = { .sz = sizeof(r) };
	char *text;

	(void)state;
	dstate_user_get(&st, 2000)->energy_uj = 700;
	dstate_user_get(&st, 0)->energy_uj = 11;
	dstate_user_get(&st, 1000)->energy_uj = 5;
	a = fed(DISCLOSE_NONE, 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_USER, &st);
	s = reply(a, &text);
	assert_null(strstr(text, "user2000"));
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS), 2);
	assert_true(find(s, JOULESTAT_GROUP_PROCESS, 0, JOULESTAT_UID_OTHERS, true, &r));
	assert_int_equal(r.energy_uj, 155);
	assert_string_equal(r.user, "");
	/* Every other user's lasting energy, the viewer's left out. */
	assert_int_equal(r.cumulative_uj, 711);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_USER), 2);
	assert_true(find(s, JOULESTAT_GROUP_USER, 0, 1000, false, &r));
	joulestat_snapshot_free(s);
	free(text);
	dacc_free(a);
	dstate_done(&st);
}

static void test_all(void **state)
{
	struct dacc *a;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct joulestat_row r = { .sz = sizeof(r) };
	char *text;

	(void)state;
	a = fed(DISCLOSE_ALL, 1u << JOULESTAT_GROUP_PROCESS, NULL);
	s = reply(a, &text);
	assert_non_null(strstr(text, "secret"));
	assert_int_equal(joulestat_snapshot_get(s, &si), 0);
	/* The process meter is shown to whoever sees everything. */
	assert_int_equal(si.ndomains, 3);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS), 4);
	assert_true(find(s, JOULESTAT_GROUP_PROCESS, 51, 2000, false, &r));
	assert_int_equal(r.energy_uj, 50);
	/* Without lasting counters, the library's cumulative. */
	assert_true(find(s, JOULESTAT_GROUP_PROCESS, 50, 2000, false, &r));
	assert_int_equal(r.cumulative_uj, 0);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_USER), -ENOENT);
	joulestat_snapshot_free(s);
	free(text);
	dacc_free(a);
}

static void test_rebuilt_from_threads(void **state)
{
	static const struct trow threads[] = {
		{ "thread", 42, 42, 7, "make", 1000, 10, 10, 0, 0 },
		{ "thread", 42, 43, 8, "worker", 1000, 20, 20, 0, 0 },
		{ "thread", 44, 44, 9, "worker", 1000, 5, 5, 0, 0 },
		{ "thread", 50, 50, 9, "secret", 2000, 7, 7, 0, 0 },
		{ "comm", 0, 0, 0, "secret", 0, 7, 7, 0, 0 },
	};
	struct dacc_opts o = { .view = DISCLOSE_OWN, .uid = 1000,
			       .groups = 1u << JOULESTAT_GROUP_COMM };
	struct dacc *a = NULL;
	struct joulestat_snapshot *in = snap_of(1, 2, threads, 5, false), *s;
	struct joulestat_row r = { .sz = sizeof(r) };
	char *text;
	int n;

	(void)state;
	assert_int_equal(dacc_needs(&o), 1u << JOULESTAT_GROUP_COMM | 1u << JOULESTAT_GROUP_THREAD);
	o.view = DISCLOSE_ALL;
	assert_int_equal(dacc_needs(&o), 1u << JOULESTAT_GROUP_COMM);
	o.view = DISCLOSE_OWN;
	assert_int_equal(dacc_new(&o, &a), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = in, .seq = 1 }), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = in, .seq = 2 }), 0);
	s = reply(a, &text);
	assert_null(strstr(text, "secret"));
	n = joulestat_snapshot_row_count(s, JOULESTAT_GROUP_COMM);
	assert_int_equal(n, 3);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_COMM, 0, &r), 0);
	assert_string_equal(r.comm, "worker");
	assert_int_equal(r.energy_uj, 50);
	/* Since this client subscribed: both samples. */
	assert_int_equal(r.cumulative_uj, 50);
	assert_true(find(s, JOULESTAT_GROUP_COMM, 0, 2000, true, &r));
	assert_int_equal(r.energy_uj, 14);
	joulestat_snapshot_free(s);
	free(text);
	/* The rebuilt rows' totals go on in the next reply. */
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = in, .seq = 3 }), 0);
	s = reply(a, NULL);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_COMM, 0, &r), 0);
	assert_int_equal(r.energy_uj, 25);
	assert_int_equal(r.cumulative_uj, 75);
	joulestat_snapshot_free(s);
	joulestat_snapshot_free(in);
	dacc_free(a);
}

/*
 * A comm and a VM of one name, both rebuilt from threads: two rows, each
 * with its own total since the client subscribed.
 */
static void test_rebuilt_comm_and_vm(void **state)
{
	static const struct trow threads[] = {
		{ "thread", 42, 42, 7, "web", 1000, 10, 10, 0, 0, "web" },
		{ "thread", 44, 44, 9, "web", 1000, 5, 5, 0, 0, "" },
		{ "thread", 46, 46, 9, "qemu", 1000, 3, 3, 0, 0, "web" },
	};
	struct dacc_opts o = { .view = DISCLOSE_OWN, .uid = 1000,
			       .groups = 1u << JOULESTAT_GROUP_COMM | 1u << JOULESTAT_GROUP_VM };
	struct dacc *a = NULL;
	struct joulestat_snapshot *in = snap_of(1, 2, threads, 3, false), *s;
	struct joulestat_row r = { .sz = sizeof(r) };

	(void)state;
	assert_int_equal(dacc_needs(&o), o.groups | 1u << JOULESTAT_GROUP_THREAD);
	assert_int_equal(dacc_new(&o, &a), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = in, .seq = 1 }), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = in, .seq = 2 }), 0);
	s = reply(a, NULL);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_COMM), 2);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_COMM, 0, &r), 0);
	assert_string_equal(r.comm, "web");
	assert_int_equal(r.energy_uj, 30);
	assert_int_equal(r.cumulative_uj, 30);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_VM), 2);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_VM, 0, &r), 0);
	assert_string_equal(r.vm, "web");
	assert_int_equal(r.energy_uj, 26);
	assert_int_equal(r.cumulative_uj, 26);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_VM, 1, &r), 0);
	assert_string_equal(r.vm, "");
	assert_int_equal(r.cumulative_uj, 10);
	joulestat_snapshot_free(s);
	joulestat_snapshot_free(in);
	dacc_free(a);
}

static void test_trees_and_tasks(void **state)
{
	static const struct trow trees[] = {
		{ "tree", 42, 0, 7, "make", 0, 10, 10, 0, 0 },
		{ "tree", 77, 0, 3, "other", 0, 20, 20, 0, 0 },
	};
	struct dacc_root mine = { .pid = 42, .start_ns = 7 };
	struct dacc_opts o = { .view = DISCLOSE_ALL, .uid = 0, .groups = 1u << JOULESTAT_GROUP_TREE };
	struct dacc *a = NULL;
	struct joulestat_snapshot *in = snap_of(1, 2, trees, 2, false), *s;
	struct joulestat_row r = { .sz = sizeof(r) };

	(void)state;
	assert_int_equal(dacc_new(&o, &a), 0);
	assert_int_equal(dacc_add(a, &(struct dacc_sample){ .snap = in, .seq = 1, .roots = &mine,
							     .nroots = 1 }), 0);
	s = reply(a, NULL);
	/* Another client's tree is not this one's, even for root. */
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_TREE), 1);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_TREE, 0, &r), 0);
	assert_int_equal(r.pid, 42);
	joulestat_snapshot_free(s);
	joulestat_snapshot_free(in);
	dacc_free(a);
	/* Tasks name every process: only for a view of everything. */
	o.view = DISCLOSE_OWN;
	o.tasks = true;
	a = (void *)1;
	assert_int_equal(dacc_new(&o, &a), -EACCES);
	assert_true(a == (void *)1);
}

static void test_nothing_merged(void **state)
{
	struct dacc_opts o = { .view = DISCLOSE_ALL };
	struct dacc *a = NULL;
	struct wjson w;

	(void)state;
	assert_int_equal(dacc_new(&o, &a), 0);
	wjson_init(&w, 0);
	wjson_begin_object(&w);
	dacc_write(a, &w, 9);
	wjson_end_object(&w);
	assert_false(w.failed);
	assert_int_equal(w.len, strlen("{\"daemon_seq\":9,\"samples\":0}"));
	assert_memory_equal(w.buf, "{\"daemon_seq\":9,\"samples\":0}", w.len);
	wjson_done(&w);
	dacc_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_rebuilt_from_threads),
		cmocka_unit_test(test_rebuilt_comm_and_vm),
		cmocka_unit_test(test_trees_and_tasks),
		cmocka_unit_test(test_nothing_merged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
