/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-recfmt.c - the recording format: lines as docs/FORMAT.md shows them
 * decode to the values they hold, every inconsistency a reader would trip on
 * is refused with a message naming the field, and what the writer writes
 * reads back to the same structs (so replay's output is a recording too).
 */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recfmt.h"

/* Two sockets of two CPUs, RAPL packages and psys; written out by hand. */
static const char header_line[] =
	"{\"format\":\"joulestat-record\",\"version\":1,\"joulestat\":\"0.1.0\",\"host\":\"lab\\\"1\","
	"\"start_unix_ns\":1763800000000000000,\"cpus\":4,\"sockets\":2,\"cpu_model\":\"Xeon\","
	"\"domains\":["
	"{\"name\":\"package-0\",\"kind\":\"package\",\"source\":\"powercap\",\"socket\":0,"
	"\"cpus\":\"0-1\",\"estimated\":false,\"in_total\":false,\"static_mw\":3000,"
	"\"max_energy_range_uj\":262143328850},"
	"{\"name\":\"package-1\",\"kind\":\"package\",\"source\":\"powercap\",\"socket\":1,"
	"\"cpus\":\"2,3\",\"estimated\":false,\"in_total\":false,\"static_mw\":0,"
	"\"max_energy_range_uj\":262143328850},"
	"{\"name\":\"psys\",\"kind\":\"psys\",\"source\":\"powercap\",\"socket\":null,"
	"\"cpus\":\"0-3\",\"estimated\":false,\"in_total\":true,\"static_mw\":0,"
	"\"max_energy_range_uj\":0}],"
	"\"options\":{\"interval_ns\":1000000000,\"duration_ns\":0,\"idle\":\"separate\","
	"\"raw\":true,\"source\":\"auto\",\"collector\":\"ebpf\"}}";

/*
 * One second. Task 100/100 ran 500 ms on cpu0 and 250 ms on cpu2; task
 * 200/201 ran 250 ms on cpu3. package-0: 10 J; package-1: 4 J; psys 20 J.
 */
static const char interval_line[] =
	"{\"seq\":1,\"start_ns\":5000000000,\"end_ns\":6000000000,"
	"\"host\":{\"delta_uj\":20000000,\"tasks_uj\":5000000,\"idle_uj\":15000000,"
	"\"unattributed_uj\":0,\"power_w\":20.000},"
	"\"domains\":["
	"{\"status\":\"split\",\"delta_uj\":10000000,\"tasks_uj\":2500000,\"idle_uj\":7500000,"
	"\"unattributed_uj\":0,\"energy_uj\":10000000,\"raw_uj\":123456,\"power_w\":10.000},"
	"{\"status\":\"split\",\"delta_uj\":4000000,\"tasks_uj\":1000000,\"idle_uj\":3000000,"
	"\"unattributed_uj\":0,\"energy_uj\":4000000,\"raw_uj\":654321,\"power_w\":4.000},"
	"{\"status\":\"split\",\"delta_uj\":20000000,\"tasks_uj\":5000000,\"idle_uj\":15000000,"
	"\"unattributed_uj\":0,\"energy_uj\":20000000,\"raw_uj\":20000000,\"power_w\":20.000}],"
	"\"activity\":{\"tasks\":2,\"dropped\":0,\"lost_ns\":0,\"captured\":1.0000},"
	"\"rows\":[[100,4200,1000,\"make\",750000000,[2500000,500000,3750000]],"
	"[200,4300,0,\"kworker/3:1\",250000000,[0,500000,1250000]]],"
	"\"raw\":{\"idle_ns\":[500000000,1000000000,750000000,750000000],\"lost_ns\":[0,0,0,0],"
	"\"irq_ns\":[0,0,0,0],"
	"\"tasks\":[[100,100,4200,1000,77,\"make\",0,4200,[0,500000000,2,250000000]],"
	"[200,201,4310,0,1,\"kworker/3:1\",4,4300,[3,250000000]]]}}";

static struct recfmt_header header(void)
{
	struct recfmt_header h;
	struct recfmt_error err;

	if (recfmt_parse_header(header_line, strlen(header_line), &h, &err) < 0)
		fail_msg("header: %s", err.msg);
	return h;
}

static void test_header_decodes(void **state)
{
	struct recfmt_header h = header();

	assert_int_equal(h.version, 1);
	assert_string_equal(h.host, "lab\"1");
	assert_int_equal(h.ncpus, 4);
	assert_int_equal(h.nsockets, 2);
	assert_int_equal(h.ndomains, 3);
	assert_string_equal(h.domains[1].name, "package-1");
	assert_int_equal(h.domains[1].kind, JOULESTAT_DOMAIN_PACKAGE);
	assert_int_equal(h.domains[1].socket, 1);
	assert_int_equal(h.domains[2].socket, -1);
	assert_false(cpuset_test(&h.domains[1].cpus, 1));
	assert_true(cpuset_test(&h.domains[1].cpus, 2) && cpuset_test(&h.domains[1].cpus, 3));
	assert_int_equal(cpuset_count(&h.domains[2].cpus), 4);
	assert_int_equal(h.domains[0].static_mw, 3000);
	assert_true(h.domains[0].max_energy_range_uj == 262143328850ULL);
	assert_true(h.start_unix_ns == 1763800000000000000ULL);
	assert_int_equal(h.interval_ns, 1000000000);
	assert_int_equal(h.idle, ATTRIB_IDLE_SEPARATE);
	assert_true(h.raw);
	assert_string_equal(h.collector, "ebpf");
	recfmt_header_free(&h);
}

static void test_interval_decodes(void **state)
{
	struct recfmt_header h = header();
	struct recfmt_interval *iv = NULL;
	struct recfmt_error err;

	if (recfmt_parse_interval(interval_line, strlen(interval_line), &h, &iv, &err) < 0)
		fail_msg("interval: %s", err.msg);
	assert_int_equal(iv->seq, 1);
	assert_int_equal(iv->ndomains, 3);
	assert_int_equal(iv->ledgers[1].delta_uj, 4000000);
	assert_int_equal(iv->ledgers[1].raw_uj, 654321);
	assert_int_equal(iv->host_idle_uj, 15000000);
	assert_int_equal(iv->nrows, 2);
	assert_string_equal(iv->rows[1].comm, "kworker/3:1");
	assert_int_equal(iv->rows[0].energy_uj[1], 500000);
	/* the total counts only in_total domains: psys, not the packages inside it */
	assert_int_equal(iv->rows[0].total_uj, 3750000);
	assert_true(iv->has_raw);
	assert_int_equal(iv->sample.ncpus, 4);
	assert_int_equal(iv->sample.ntasks, 2);
	assert_int_equal(iv->sample.nrows, 3);
	assert_int_equal(iv->sample.rows[1].cpu, 2);
	assert_int_equal(iv->sample.rows[2].task, 1);
	assert_int_equal(iv->tasks[0].oncpu_ns, 750000000);
	assert_int_equal(iv->tasks[1].key.tid, 201);
	assert_int_equal(iv->tasks[1].flags, ACTIVITY_TASK_KERNEL);
	assert_int_equal(iv->tasks[0].cgroup_id, 77);
	assert_int_equal(iv->proc_start_ns[1], 4300);
	assert_int_equal(iv->sample.idle_ns[0], 500000000);
	assert_non_null(iv->sample.irq_ns);
	assert_int_equal(iv->sample.irq_ns[3], 0);
	recfmt_interval_free(iv);
	recfmt_header_free(&h);
}

/* Replace the first `from` in `line` by `to` and parse the result as an interval. */
static int interval_with(const char *from, const char *to, struct recfmt_error *err)
{
	struct recfmt_header h = header();
	struct recfmt_interval *iv = NULL;
	char buf[4096];
	const char *at = strstr(interval_line, from);
	int r;

	if (!at)
		fail_msg("'%s' is not in the test line", from);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - interval_line), interval_line, to,
		 at + strlen(from));
	r = recfmt_parse_interval(buf, strlen(buf), &h, &iv, err);
	recfmt_interval_free(iv);
	recfmt_header_free(&h);
	return r;
}

struct bad {
	const char *from, *to, *msg;
};

static void test_inconsistent_intervals_are_refused(void **state)
{
	static const struct bad cases[] = {
		/* a ledger that does not balance */
		{ "\"idle_uj\":3000000", "\"idle_uj\":3000001", "domains[1] (package-1): ledger does not balance" },
		/* rows that give a domain more or less than its tasks got */
		{ "[2500000,500000,3750000]", "[2500000,400000,3750000]", "domain package-1: the rows add up to 900000" },
		{ "[0,500000,1250000]", "[1,500000,1250000]", "rows[1]: rows give domain package-0 more" },
		{ "[0,500000,1250000]", "[0,500000]", "rows[1]: 2 energies for 3 domains" },
		{ "\"host\":{\"delta_uj\":20000000", "\"host\":{\"delta_uj\":20000001", "host: ledger does not balance" },
		{ "\"unattributed_uj\":0,\"power_w\":20.000}", "\"unattributed_uj\":0,\"tasks_uj\":1}", "host: member \"tasks_uj\" appears twice" },
		{ "\"status\":\"split\"", "\"status\":\"halved\"", "domains[0] (package-0).status: unknown status \"halved\"" },
		{ "\"seq\":1", "\"seq\":-1", "interval.seq: expected an unsigned integer, got a negative number" },
		{ "\"end_ns\":6000000000", "\"end_ns\":4999999999", "end_ns 4999999999 is before start_ns" },
		{ "[100,4200,1000,\"make\"", "[100,4200,1000,\"make-it-longer-than-15\"", "longer than 15 bytes" },
		{ "[3,250000000]", "[4,250000000]", "raw.tasks[1]: CPU 4, but the header has 4 CPUs" },
		{ "[3,250000000]", "[3]", "raw.tasks[1]: the CPU times are not (cpu, ns) pairs" },
		{ "\"lost_ns\":[0,0,0,0]", "\"lost_ns\":[0,0,0]", "raw: idle_ns has 4, lost_ns 3 and irq_ns 4 values for 4 CPUs" },
		{ ",\"irq_ns\":[0,0,0,0]", "", "raw.irq_ns: missing" },
		{ ",\"raw\":{", ",\"raw_\":{", "raw: missing, though the header says the recording is raw" },
		{ "{\"seq\":1", "{\"format\":\"joulestat-record\",\"seq\":1", "a second header" },
		{ "\"captured\":1.0000", "\"captured\":1.5", "activity.captured" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct recfmt_error err;
		int r = interval_with(cases[i].from, cases[i].to, &err);

		if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d \"%s\", wanted \"%s\"", i, r, err.msg, cases[i].msg);
	}
}

static void test_truncated_line_names_the_column(void **state)
{
	struct recfmt_header h = header();
	struct recfmt_interval *iv = NULL;
	struct recfmt_error err;

	assert_int_equal(recfmt_parse_interval(interval_line, 100, &h, &iv, &err), -EINVAL);
	assert_null(iv);
	assert_non_null(strstr(err.msg, "column 101: not valid JSON"));
	assert_non_null(strstr(err.msg, "truncated"));
	recfmt_header_free(&h);
}

static int header_with(const char *from, const char *to, struct recfmt_error *err)
{
	struct recfmt_header h = { .version = 99 };
	char buf[4096];
	const char *at = strstr(header_line, from);
	int r;

	if (!at)
		fail_msg("'%s' is not in the test header", from);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - header_line), header_line, to,
		 at + strlen(from));
	r = recfmt_parse_header(buf, strlen(buf), &h, err);
	if (r == 0)
		recfmt_header_free(&h);
	else
		assert_int_equal(h.version, 99); /* untouched */
	return r;
}

static void test_bad_headers_are_refused(void **state)
{
	static const struct bad cases[] = {
		{ "\"format\":\"joulestat-record\"", "\"format\":\"joulestat-probe\"", "not a joulestat recording" },
		{ "\"cpus\":\"2,3\"", "\"cpus\":\"2-x\"", "domains[1].cpus: \"2-x\" is not a CPU list" },
		{ "\"kind\":\"psys\"", "\"kind\":\"fan\"", "domains[2].kind: unknown domain kind \"fan\"" },
		{ "\"name\":\"package-1\"", "\"name\":\"package-0\"", "domains[1].name: \"package-0\" appears twice" },
		{ "\"idle\":\"separate\"", "\"idle\":\"none\"", "options.idle: unknown idle policy \"none\"" },
		{ "\"interval_ns\":1000000000", "\"interval_ns\":0", "options.interval_ns: 0" },
		{ "\"cpus\":4", "\"cpus\":99999", "header.cpus: 99999 is out of range" },
		{ "\"estimated\":false", "\"estimated\":0", "domains[0].estimated: expected true or false" },
	};
	struct recfmt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = header_with(cases[i].from, cases[i].to, &err);

		if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d \"%s\", wanted \"%s\"", i, r, err.msg, cases[i].msg);
	}
	/* A newer version is its own error, so the caller can say "upgrade". */
	assert_int_equal(header_with("\"version\":1", "\"version\":2", &err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, "format version 2 is newer than this joulestat reads (1)"));
}

/* What the writer writes, the parser reads back to the same values (and the same text). */
static void test_write_then_parse_round_trips(void **state)
{
	struct recfmt_header h = header(), h2;
	struct recfmt_interval *iv = NULL, *iv2 = NULL;
	struct recfmt_error err;
	char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f;
	char *nl;

	assert_int_equal(recfmt_parse_interval(interval_line, strlen(interval_line), &h, &iv, &err), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_header(f, &h), 0);
	assert_int_equal(recfmt_write_interval(f, &h, iv), 0);
	fclose(f);
	nl = strchr(buf, '\n');
	assert_non_null(nl);
	assert_int_equal(recfmt_parse_header(buf, (size_t)(nl - buf), &h2, &err), 0);
	assert_int_equal(h2.ndomains, 3);
	assert_string_equal(h2.domains[1].name, "package-1");
	assert_true(memcmp(&h2.domains[1].cpus, &h.domains[1].cpus, sizeof(struct cpuset)) == 0);
	assert_int_equal(recfmt_parse_interval(nl + 1, strlen(nl + 1) - 1, &h2, &iv2, &err), 0);
	assert_int_equal(iv2->nrows, iv->nrows);
	for (size_t i = 0; i < iv->nrows; i++) {
		assert_int_equal(iv2->rows[i].tgid, iv->rows[i].tgid);
		assert_string_equal(iv2->rows[i].comm, iv->rows[i].comm);
		assert_memory_equal(iv2->rows[i].energy_uj, iv->rows[i].energy_uj, 3 * sizeof(uint64_t));
	}
	assert_int_equal(iv2->sample.nrows, iv->sample.nrows);
	assert_memory_equal(iv2->task_rows, iv->task_rows, iv->sample.nrows * sizeof(struct activity_row));
	assert_memory_equal(iv2->tasks, iv->tasks, iv->sample.ntasks * sizeof(struct activity_task));
	/* and writing it again gives the very same text */
	f = open_memstream(&buf2, &len2);
	recfmt_write_header(f, &h2);
	recfmt_write_interval(f, &h2, iv2);
	fclose(f);
	assert_string_equal(buf, buf2);
	free(buf);
	free(buf2);
	recfmt_interval_free(iv);
	recfmt_interval_free(iv2);
	recfmt_header_free(&h);
	recfmt_header_free(&h2);
}

static void test_cpulist_formats_ranges(void **state)
{
	struct cpuset s;
	char buf[32];

	cpuset_zero(&s);
	assert_int_equal(recfmt_cpulist(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	cpuset_set(&s, 0);
	cpuset_set(&s, 1);
	cpuset_set(&s, 2);
	cpuset_set(&s, 5);
	cpuset_set(&s, 7);
	cpuset_set(&s, 8);
	cpuset_set(&s, 8191);
	assert_int_equal(recfmt_cpulist(&s, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "0-2,5,7-8,8191");
	assert_int_equal(recfmt_cpulist(&s, buf, 8), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_decodes),
		cmocka_unit_test(test_interval_decodes),
		cmocka_unit_test(test_inconsistent_intervals_are_refused),
		cmocka_unit_test(test_truncated_line_names_the_column),
		cmocka_unit_test(test_bad_headers_are_refused),
		cmocka_unit_test(test_write_then_parse_round_trips),
		cmocka_unit_test(test_cpulist_formats_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
