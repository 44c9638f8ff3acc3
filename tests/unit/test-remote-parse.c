/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-remote-parse.c - the daemon's replies as the library reads them: a
 * machine description and a snapshot become what the public calls hand out
 * (rows with their per-domain energies, powers from the interval, the pid
 * index, tasks with their CPU times), and a reply that is not one - a
 * missing member, a row with the wrong number of values, energies that do
 * not match the domains, CPU times that do not pair - is refused whole.
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

#include "joulestat.h"
#include "remote.h"

static const char monitor[] =
	"{\"ok\":true,\"topology\":{\"cpus\":2,\"sockets\":1,\"model\":\"Test CPU\","
	"\"cpu_socket\":[0,-1,0]},"
	"\"sources\":[{\"name\":\"powercap\",\"state\":\"active\",\"error\":\"\",\"reason\":\"\","
	"\"domains\":1,\"estimated\":false},{\"name\":\"perf\",\"state\":\"unavailable\","
	"\"error\":\"ENODEV\",\"reason\":\"no PMU\",\"domains\":0,\"estimated\":false}],"
	"\"collectors\":[{\"name\":\"ebpf\",\"state\":\"active\",\"error\":\"\",\"reason\":\"\"}],"
	"\"activity\":{\"collector\":\"ebpf\",\"detail\":\"tp_btf\",\"samples\":9,"
	"\"interval_ns\":1000000000,\"coverage\":[1,0.999],\"tasks\":12,\"dropped\":0,"
	"\"lost_ns\":5,\"captured\":1,\"syscalls_counted\":false,\"syscalls\":0,\"irq_ns\":7},"
	"\"domains\":[{\"name\":\"package-0\",\"kind\":\"package\",\"source\":\"powercap\","
	"\"path\":\"/sys/x\",\"socket\":0,\"pid\":0,\"cpu_mask\":[5],\"energy_uj\":123456789012,"
	"\"timestamp_ns\":77,\"max_energy_range_uj\":262143328850,\"raw_uj\":1,\"wraps\":2,"
	"\"errors\":3,\"power_w\":null,\"estimated\":false,\"in_host_total\":true,"
	"\"warming_up\":true,\"refused\":0,\"static_mw\":2500,\"static_origin\":\"file\","
	"\"static_from\":\"/var/lib/joulestat/baseline\"}],"
	"\"model\":null}";

static void test_monitor(void **state)
{
	struct remote_desc d;
	char err[256];

	(void)state;
	assert_int_equal(remote_parse_monitor(monitor, strlen(monitor), &d, err, sizeof(err)), 0);
	assert_int_equal(d.ncpus, 2);
	assert_int_equal(d.ncpu_socket, 3);
	assert_int_equal(d.cpu_socket[1], -1);
	assert_string_equal(d.cpu_model, "Test CPU");
	assert_int_equal(d.nsources, 2);
	assert_int_equal(d.sources[1].state, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_int_equal(d.sources[1].error, -ENODEV);
	assert_string_equal(d.sources[1].reason, "no PMU");
	assert_true(d.have_activity);
	assert_int_equal(d.activity.ncpus, 2);
	assert_true(d.activity.coverage[1] == 0.999);
	assert_int_equal(d.ndomains, 1);
	assert_true(d.domains[0].energy_uj == 123456789012ULL);
	assert_true(isnan(d.domains[0].power_w));
	assert_int_equal(d.domains[0].cpu_mask_words, 1);
	assert_int_equal(d.domains[0].cpu_mask[0], 5);
	assert_int_equal(d.statics[0].origin, JOULESTAT_STATIC_FILE);
	assert_string_equal(d.statics[0].from, "/var/lib/joulestat/baseline");
	assert_string_equal(d.statics[0].domain, "package-0");
	assert_false(d.have_model);
	remote_desc_free(&d);
}

static void test_monitor_refusals(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"topology\":{}}",
		"{\"topology\":{\"cpus\":-1,\"sockets\":1,\"model\":\"\",\"cpu_socket\":[]}}",
		"not json",
	};
	struct remote_desc d = { .ncpus = 42 };
	char err[256], *broken;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(remote_parse_monitor(bad[i], strlen(bad[i]), &d, err, sizeof(err)),
				 -EPROTO);
		assert_true(err[0]);
		assert_int_equal(d.ncpus, 42);
	}
	/* Each member matters: take one out. */
	broken = strdup(monitor);
	memcpy(strstr(broken, "\"wraps\""), "\"wrapz\"", 7);
	assert_int_equal(remote_parse_monitor(broken, strlen(broken), &d, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "wraps"));
	strcpy(broken, monitor);
	memcpy(strstr(broken, "\"package\""), "\"pockage\"", 9);
	assert_int_equal(remote_parse_monitor(broken, strlen(broken), &d, err, sizeof(err)), -EPROTO);
	free(broken);
}

#define INFO                                                                                       \
	"\"info\":{\"start_ns\":1000000000,\"end_ns\":3000000000,\"idle_policy\":\"separate\","    \
	"\"collector\":\"ebpf\",\"delta_uj\":4000000,\"tasks_uj\":3000000,\"idle_uj\":900000,"     \
	"\"unattributed_uj\":100000,\"estimated\":false,\"warming_up\":false,\"refused\":false,"   \
	"\"coverage\":1,\"captured\":1,\"dropped\":0,\"busy_ns\":2,\"idle_ns\":3,\"lost_ns\":0,"   \
	"\"irq_ns\":0,\"cpu_idle_ns\":[1,2],\"cpu_lost_ns\":[0,0],\"cpu_irq_ns\":[0,0],"           \
	"\"syscalls_counted\":false,\"syscalls\":0,\"static_mw\":0,\"static_from\":\"\"}"
#define DOMAINS                                                                                    \
	"\"domains\":[{\"name\":\"package-0\",\"kind\":\"package\",\"source\":\"powercap\","       \
	"\"socket\":0,\"estimated\":false,\"in_host_total\":true,\"warming_up\":false,"            \
	"\"status\":\"split\",\"energy_uj\":9,\"raw_uj\":9,\"delta_uj\":3000000,"                  \
	"\"tasks_uj\":2000000,\"idle_uj\":900000,\"unattributed_uj\":100000,\"static_uj\":0,"      \
	"\"busy_ns\":1,\"idle_ns\":1,\"lost_ns\":0,\"irq_ns\":0,\"sampled\":false,\"static_mw\":0," \
	"\"static_origin\":\"none\",\"static_from\":\"none\",\"refused\":false,"                   \
	"\"readings_refused\":0},{\"name\":\"dram-0\",\"kind\":\"dram\",\"source\":\"powercap\","  \
	"\"socket\":0,\"estimated\":false,\"in_host_total\":true,\"warming_up\":false,"            \
	"\"status\":\"split\",\"energy_uj\":9,\"raw_uj\":9,\"delta_uj\":1000000,"                  \
	"\"tasks_uj\":1000000,\"idle_uj\":0,\"unattributed_uj\":0,\"static_uj\":0,"                \
	"\"busy_ns\":1,\"idle_ns\":1,\"lost_ns\":0,\"irq_ns\":0,\"sampled\":false,\"static_mw\":0," \
	"\"static_origin\":\"none\",\"static_from\":\"none\",\"refused\":false,"                   \
	"\"readings_refused\":0}]"
#define ROW(pid, start, comm, uid, energy, agg, d0, d1)                                            \
	"[" #pid ",0," #start ",\"" comm "\"," #uid ",\"u" #uid "\",0,\"\",\"\",\"\",\"\"," #energy \
	",500000000,0,1,false,99000000,1,0,5," agg ",[" #d0 "," #d1 "]]"

static const char snapshot[] =
	"{\"ok\":true,\"daemon_seq\":17,\"samples\":2," INFO "," DOMAINS ","
	"\"groups\":{\"process\":[" ROW(42, 7, "make", 1000, 2000000, "false", 1500000, 500000) ","
	ROW(0, 0, "", 0, 1000000, "true", 500000, 500000) ","
	ROW(7, 3, "cc1", 1000, 0, "false", 0, 0) "],"
	"\"user\":[[0,0,0,\"\",1000,\"alice\",0,\"\",\"\",\"\",\"\",2000000,1,0,2,false,5,1,0,5,"
	"false,[1500000,500000]]],"
	"\"vm\":[[0,0,0,\"\",0,\"\",0,\"\",\"\",\"\",\"web\",1000000,1,0,1,false,5,1,0,5,false,"
	"[500000,500000]]]},"
	"\"tasks\":[[42,42,7,7,1,\"make\",1000,0,false,false,500000000,2000000,false,0,[0,400,1,"
	"100]],[42,43,8,7,1,\"make\",1000,0,true,false,1,0,false,0,[]]]}";

static void test_snapshot(void **state)
{
	struct joulestat_snapshot *s = NULL;
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct joulestat_row row = { .sz = sizeof(row) };
	struct joulestat_task t = { .sz = sizeof(t) };
	struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };
	uint64_t dseq = 0, n = 0;
	char err[256];

	(void)state;
	assert_int_equal(remote_parse_snapshot(snapshot, strlen(snapshot), 5, &s, &dseq, &n, err,
					       sizeof(err)),
			 0);
	assert_int_equal(dseq, 17);
	assert_int_equal(n, 2);
	assert_int_equal(joulestat_snapshot_get(s, &si), 0);
	assert_int_equal(si.seq, 5);
	assert_int_equal(si.ndomains, 2);
	assert_int_equal(si.ntasks, 2);
	assert_int_equal(si.ncpus, 2);
	assert_int_equal(si.cpu_idle_ns[1], 2);
	assert_true(fabs(si.power_w - 2.0) < 1e-9); /* 4 J over 2 s */
	assert_int_equal(si.groups, 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_USER |
					    1u << JOULESTAT_GROUP_VM);
	assert_int_equal(joulestat_snapshot_domain_get(s, 1, &sd), 0);
	assert_string_equal(sd.name, "dram-0");
	assert_true(fabs(sd.power_w - 0.5) < 1e-9);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS), 3);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_COMM), -ENOENT);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_PROCESS, 0, &row), 0);
	assert_int_equal(row.pid, 42);
	assert_string_equal(row.comm, "make");
	assert_string_equal(row.user, "u1000");
	assert_int_equal(row.group, JOULESTAT_GROUP_PROCESS);
	assert_int_equal(row.ndomains, 2);
	assert_int_equal(row.domain_energy_uj[0], 1500000);
	assert_true(fabs(row.power_w - 1.0) < 1e-9);
	assert_true(fabs(row.cpu_pct - 25.0) < 1e-9);
	assert_true(fabs(row.share - 2.0 / 3.0) < 1e-9);
	assert_int_equal(row.cumulative_uj, 99000000);
	assert_false(row.aggregated);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_PROCESS, 1, &row), 0);
	assert_true(row.aggregated);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_USER, 0, &row), 0);
	assert_string_equal(row.user, "alice");
	assert_string_equal(row.vm, "");
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_VM, 0, &row), 0);
	assert_string_equal(row.vm, "web");
	assert_int_equal(row.energy_uj, 1000000);
	assert_int_equal(joulestat_snapshot_task_get(s, 0, &t), 0);
	assert_int_equal(t.ncpus, 2);
	assert_int_equal(t.cpus[1].cpu, 1);
	assert_int_equal(t.cpus[1].ns, 100);
	assert_int_equal(joulestat_snapshot_task_get(s, 1, &t), 0);
	assert_true(t.exited);
	assert_int_equal(t.ncpus, 0);
	joulestat_snapshot_free(s);
}

static void test_snapshot_empty(void **state)
{
	static const char none[] = "{\"ok\":true,\"daemon_seq\":3,\"samples\":0}";
	struct joulestat_snapshot *s = (void *)1;
	uint64_t dseq = 0, n = 9;
	char err[64];

	(void)state;
	assert_int_equal(remote_parse_snapshot(none, strlen(none), 1, &s, &dseq, &n, err,
					       sizeof(err)), 0);
	assert_null(s);
	assert_int_equal(n, 0);
	assert_int_equal(dseq, 3);
}

/* Replace the first `from` in the snapshot by `to`: the reply must be refused. */
static void refused(const char *from, const char *to, const char *says)
{
	char *text = malloc(strlen(snapshot) + strlen(to) + 1), *at;
	struct joulestat_snapshot *s = (void *)1;
	uint64_t dseq = 0, n = 0;
	char err[256];

	strcpy(text, snapshot);
	at = strstr(text, from);
	if (!at)
		fail_msg("'%s' is not in the reply", from);
	memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	memcpy(at, to, strlen(to));
	assert_int_equal(remote_parse_snapshot(text, strlen(text), 1, &s, &dseq, &n, err,
					       sizeof(err)), -EPROTO);
	if (!strstr(err, says))
		fail_msg("'%s' -> '%s': '%s' does not say '%s'", from, to, err, says);
	assert_true(s == (void *)1);
	free(text);
}

static void test_snapshot_refusals(void **state)
{
	(void)state;
	refused("\"daemon_seq\":17", "\"daemon_seq\":-17", "daemon_seq");
	refused("\"end_ns\":3000000000", "\"end_ns\":3", "end_ns");
	refused("[1500000,500000]]", "[1500000]]", "one energy per domain");
	refused("\"make\",1000,\"u1000\",0,", "\"make\",1000,0,", "row");
	refused("\"cpu_lost_ns\":[0,0]", "\"cpu_lost_ns\":[0]", "one value per CPU");
	refused("[0,400,1,100]", "[0,400,1]", "pairs");
	refused("\"kind\":\"dram\"", "\"kind\":\"ram\"", "kind");
	refused("\"process\":[", "\"process\":7,\"x\":[", "not an array");
	refused("[42,0,7,", "[-42,0,7,", "row pid");
	refused("\"tasks\":[", "\"tasks\":7,\"x\":[", "not an array");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monitor),
		cmocka_unit_test(test_monitor_refusals),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_snapshot_empty),
		cmocka_unit_test(test_snapshot_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
