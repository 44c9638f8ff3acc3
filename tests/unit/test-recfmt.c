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
#include "utf8.h"

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
		/* a refused reading claims no energy */
		{ "\"status\":\"split\",\"delta_uj\":10000000", "\"status\":\"refused\",\"delta_uj\":10000000",
		  "domains[0] (package-0): a refused reading has no energy, but delta_uj is 10000000" },
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
	assert_int_equal(header_with("\"version\":1", "\"version\":3", &err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, "format version 3 is newer than this joulestat reads (2)"));
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

/* Recorded through the daemon: the header names its socket, and reads back; without, no member. */
static void test_header_daemon_option(void **state)
{
	struct recfmt_header h = header(), h2;
	struct recfmt_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_header(f, &h), 0);
	fclose(f);
	assert_null(strstr(buf, "\"daemon\""));
	assert_int_equal(recfmt_parse_header(buf, len - 1, &h2, &err), 0);
	assert_null(h2.daemon);
	recfmt_header_free(&h2);
	free(buf);
	buf = NULL;
	h.daemon = strdup("/run/joulestat/joulestat.sock");
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_header(f, &h), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"daemon\":\"/run/joulestat/joulestat.sock\"}}"));
	assert_int_equal(recfmt_parse_header(buf, len - 1, &h2, &err), 0);
	assert_string_equal(h2.daemon, "/run/joulestat/joulestat.sock");
	recfmt_header_free(&h2);
	free(buf);
	assert_int_equal(header_with("\"raw\":", "\"daemon\":7,\"raw\":", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "options.daemon"));
	recfmt_header_free(&h);
}

/* Replace each from[i] (which must occur) by to[i] in `line`, into buf. */
static void replace_all(const char *line, const char *const *from, const char *const *to, size_t n,
			char *buf, size_t size)
{
	char tmp[4096];

	snprintf(buf, size, "%s", line);
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(buf, from[i]);

		if (!at)
			fail_msg("'%s' is not in the line", from[i]);
		snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(at - buf), buf, to[i], at + strlen(from[i]));
		snprintf(buf, size, "%s", tmp);
	}
}

/*
 * psys's reading refused: status "refused", nothing claimed for it (the
 * host ledger, its in_total domain, is 0 and its power null, not 0 W), the
 * packages split as usual; written back to the very same text. Files
 * without the status read as before (the other tests).
 */
static void test_refused_ledger_round_trips(void **state)
{
	static const char *const from[] = {
		"\"host\":{\"delta_uj\":20000000,\"tasks_uj\":5000000,\"idle_uj\":15000000,"
		"\"unattributed_uj\":0,\"power_w\":20.000}",
		"{\"status\":\"split\",\"delta_uj\":20000000,\"tasks_uj\":5000000,\"idle_uj\":15000000,"
		"\"unattributed_uj\":0,\"energy_uj\":20000000,\"raw_uj\":20000000,\"power_w\":20.000}",
		"[2500000,500000,3750000]",
		"[0,500000,1250000]",
	};
	static const char *const to[] = {
		"\"host\":{\"delta_uj\":0,\"tasks_uj\":0,\"idle_uj\":0,\"unattributed_uj\":0,"
		"\"power_w\":null}",
		"{\"status\":\"refused\",\"delta_uj\":0,\"tasks_uj\":0,\"idle_uj\":0,"
		"\"unattributed_uj\":0,\"energy_uj\":20000000,\"raw_uj\":20000000,\"power_w\":null}",
		"[2500000,500000,0]",
		"[0,500000,0]",
	};
	struct recfmt_header h = header();
	struct recfmt_interval *iv = NULL;
	struct recfmt_error err;
	char line[4096], *buf = NULL;
	size_t len = 0;
	FILE *f;

	replace_all(interval_line, from, to, sizeof(from) / sizeof(from[0]), line, sizeof(line));
	if (recfmt_parse_interval(line, strlen(line), &h, &iv, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(iv->ledgers[2].status, ATTRIB_LEDGER_REFUSED);
	assert_int_equal(iv->ledgers[2].delta_uj, 0);
	assert_int_equal(iv->ledgers[0].status, ATTRIB_LEDGER_SPLIT);
	assert_int_equal(iv->host_delta_uj, 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_interval(f, &h, iv), 0);
	fclose(f);
	assert_int_equal(buf[len - 1], '\n');
	buf[len - 1] = '\0';
	assert_string_equal(buf, line);
	free(buf);
	recfmt_interval_free(iv);
	recfmt_header_free(&h);
}

/* Where the static power came from: optional, read back and written as it was. */
static void test_static_from_round_trips(void **state)
{
	struct recfmt_header h = header(), h2;
	struct recfmt_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_null(h.domains[0].static_from); /* files before it have none */
	h.domains[0].static_from = strdup("/var/lib/joulestat/quiet \"base\"");
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_header(f, &h), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"static_mw\":3000,\"static_from\":"
				    "\"/var/lib/joulestat/quiet \\\"base\\\"\",\"max_energy_range_uj\""));
	assert_int_equal(recfmt_parse_header(buf, len - 1, &h2, &err), 0);
	assert_string_equal(h2.domains[0].static_from, "/var/lib/joulestat/quiet \"base\"");
	assert_null(h2.domains[1].static_from);
	free(buf);
	recfmt_header_free(&h);
	recfmt_header_free(&h2);
}

/*
 * Version 2: the interval_line machine, recorded with --syscalls. Each row
 * names its process's cgroup in the interval's table; rows and raw tasks
 * carry syscalls (on the process's main thread).
 */
static const char *v2_header(void)
{
	static char buf[4096];
	const char *at = strstr(header_line, "\"collector\":\"ebpf\"");

	snprintf(buf, sizeof(buf), "%.*s%s", (int)(at - header_line), header_line,
		 "\"collector\":\"ebpf\",\"syscalls\":true}}");
	memcpy(strstr(buf, "\"version\":1"), "\"version\":2", 11);
	return buf;
}

static const char v2_interval_line[] =
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
	"\"cgroups\":[[77,\"/user.slice/user-1000.slice/session-2.scope\"],[1,\"/\"]],"
	"\"rows\":[[100,4200,1000,\"make\",750000000,[2500000,500000,3750000],0,51234],"
	"[200,4300,0,\"kworker/3:1\",250000000,[0,500000,1250000],1,0]],"
	"\"raw\":{\"idle_ns\":[500000000,1000000000,750000000,750000000],\"lost_ns\":[0,0,0,0],"
	"\"irq_ns\":[0,0,0,0],"
	"\"tasks\":[[100,100,4200,1000,77,\"make\",0,4200,[0,500000000,2,250000000],51234],"
	"[200,201,4310,0,1,\"kworker/3:1\",4,4300,[3,250000000],0]]}}";

static int v2_interval_with(const char *from, const char *to, struct recfmt_interval **ret,
			    struct recfmt_error *err)
{
	struct recfmt_header h;
	struct recfmt_interval *iv = NULL;
	char buf[4096];
	const char *at = strstr(v2_interval_line, from);
	int r;

	if (!at)
		fail_msg("'%s' is not in the v2 line", from);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - v2_interval_line), v2_interval_line, to,
		 at + strlen(from));
	if (recfmt_parse_header(v2_header(), strlen(v2_header()), &h, err) < 0)
		fail_msg("v2 header: %s", err->msg);
	r = recfmt_parse_interval(buf, strlen(buf), &h, &iv, err);
	if (r == 0 && ret)
		*ret = iv;
	else
		recfmt_interval_free(iv);
	recfmt_header_free(&h);
	return r;
}

static void test_v2_cgroups_and_syscalls(void **state)
{
	static const struct bad cases[] = {
		{ ",0,51234],", ",2,51234],", "rows[0].cgroup: 2, but the interval lists 2 cgroups" },
		{ ",0,51234],", ",0],", "rows[0]: 7 elements, expected 8 (tgid, start_ns, uid, comm, cpu_ns, energies, cgroup, syscalls)" },
		{ "[1,\"/\"]", "[77,\"/\"]", "cgroups[1]: cgroup id 77 appears twice" },
		{ "[1,\"/\"]", "[1,2]", "cgroups[1]: the path: expected a string, got a number" },
		{ "[1,\"/\"]", "[1]", "cgroups[1]: 1 elements, expected 2 (cgroup_id, path)" },
		{ "\"cgroups\":[", "\"groups\":[", "cgroups: missing" },
		{ "[3,250000000],0]", "[3,250000000]]", "raw.tasks[1]: 9 elements, expected 10" },
		{ "[3,250000000],0]", "[3,250000000],-1]", "raw.tasks[1].syscalls: expected an unsigned integer" },
	};
	struct recfmt_header h, h2;
	struct recfmt_interval *iv = NULL, *iv2 = NULL;
	struct recfmt_error err;
	char *buf = NULL, *nl;
	size_t len = 0;
	FILE *f;

	assert_int_equal(recfmt_parse_header(v2_header(), strlen(v2_header()), &h, &err), 0);
	assert_int_equal(h.version, 2);
	assert_true(h.syscalls);
	assert_int_equal(v2_interval_with("", "", &iv, &err), 0);
	assert_int_equal(iv->ncgroups, 2);
	assert_int_equal(iv->cgroups[0].id, 77);
	assert_string_equal(iv->cgroups[0].path, "/user.slice/user-1000.slice/session-2.scope");
	assert_int_equal(iv->rows[0].cgroup, 0);
	assert_int_equal(iv->rows[1].cgroup, 1);
	assert_int_equal(iv->rows[0].syscalls, 51234);
	assert_int_equal(iv->tasks[0].syscalls, 51234);
	assert_int_equal(iv->tasks[1].syscalls, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = v2_interval_with(cases[i].from, cases[i].to, NULL, &err);

		if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d \"%s\", wanted \"%s\"", i, r, err.msg, cases[i].msg);
	}
	/* Written back, the same text; read again, the same values. */
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_header(f, &h), 0);
	assert_int_equal(recfmt_write_interval(f, &h, iv), 0);
	fclose(f);
	nl = strchr(buf, '\n');
	/* (the header's CPU list "2,3" comes back as "2-3") */
	assert_non_null(strstr(buf, "\"version\":2,"));
	assert_true(strstr(buf, "\"syscalls\":true}}\n") == nl - strlen("\"syscalls\":true}}"));
	assert_string_equal(nl + 1 + strlen(v2_interval_line), "\n");
	assert_memory_equal(nl + 1, v2_interval_line, strlen(v2_interval_line));
	assert_int_equal(recfmt_parse_header(buf, (size_t)(nl - buf), &h2, &err), 0);
	assert_int_equal(recfmt_parse_interval(nl + 1, strlen(nl + 1) - 1, &h2, &iv2, &err), 0);
	assert_int_equal(iv2->rows[0].syscalls, 51234);
	free(buf);
	recfmt_interval_free(iv);
	recfmt_interval_free(iv2);
	recfmt_header_free(&h2);
	/* Without syscalls: rows of 7 elements, raw tasks of 9, and no count anywhere. */
	h.syscalls = false;
	{
		static const char *const from[] = { ",0,51234],", ",1,0]]", "],51234]", "],0]]}" };
		static const char *const to[] = { ",0],", ",1]]", "]]", "]]]}" };
		char line[4096];

		snprintf(line, sizeof(line), "%s", v2_interval_line);
		for (size_t i = 0; i < 4; i++) {
			char *at = strstr(line, from[i]), tmp[4096];

			assert_non_null(at);
			snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(at - line), line, to[i],
				 at + strlen(from[i]));
			snprintf(line, sizeof(line), "%s", tmp);
		}
		assert_int_equal(recfmt_parse_interval(line, strlen(line), &h, &iv, &err), 0);
		assert_int_equal(iv->rows[0].syscalls, 0);
		assert_int_equal(iv->rows[1].cgroup, 1);
		recfmt_interval_free(iv);
	}
	/* A path of stray bytes as long as a reader takes is still read back once written. */
	{
		size_t plen = RECFMT_CGROUP_PATH_MAX, head, olen = 0;
		char *line = malloc(strlen(v2_interval_line) + plen + 1), *at, *out = NULL;

		assert_non_null(line);
		at = strstr(v2_interval_line, "\"/\"]]");
		head = (size_t)(at - v2_interval_line) + 1;
		memcpy(line, v2_interval_line, head);
		memset(line + head, 0xff, plen);
		strcpy(line + head + plen, at + 2);
		h.syscalls = true;
		assert_int_equal(recfmt_parse_interval(line, strlen(line), &h, &iv, &err), 0);
		assert_int_equal(strlen(iv->cgroups[1].path), plen);
		f = open_memstream(&out, &olen);
		assert_int_equal(recfmt_write_interval(f, &h, iv), 0);
		fclose(f);
		recfmt_interval_free(iv);
		assert_int_equal(recfmt_parse_interval(out, olen - 1, &h, &iv, &err), 0);
		assert_int_equal(strlen(iv->cgroups[1].path), plen);
		recfmt_interval_free(iv);
		free(out);
		free(line);
	}
	recfmt_header_free(&h);
	/* Version 1 headers say nothing about syscalls, and are written back as version 1. */
	h = header();
	assert_false(h.syscalls);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_header(f, &h), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"version\":1,"));
	assert_null(strstr(buf, "syscalls"));
	free(buf);
	recfmt_header_free(&h);
}

/* interval_line with every "make" replaced by `comm` (raw bytes), parsed; the caller frees. */
static struct recfmt_interval *with_comm(const struct recfmt_header *h, const char *comm)
{
	struct recfmt_interval *iv = NULL;
	struct recfmt_error err;
	char buf[4096];
	size_t len = 0;

	for (const char *p = interval_line; *p;) {
		if (strncmp(p, "\"make\"", 6) == 0) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\"%s\"", comm);
			p += 6;
		} else {
			buf[len++] = *p++;
		}
	}
	buf[len] = '\0';
	if (recfmt_parse_interval(buf, len, h, &iv, &err) < 0)
		fail_msg("interval with comm: %s", err.msg);
	return iv;
}

/* The interval written as one line; the caller frees. */
static char *written(const struct recfmt_header *h, const struct recfmt_interval *iv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(recfmt_write_interval(f, h, iv), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static bool valid_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

/*
 * Names are any bytes: an older file's raw bytes that are not UTF-8 are
 * read, and written back as U+FFFD, so every line is valid UTF-8 that reads
 * back to the same text; a command name stays within its 15 bytes.
 */
static void test_names_are_written_as_utf8(void **state)
{
	struct recfmt_header h = header();
	struct recfmt_interval *iv = with_comm(&h, "b\xffy\\u001b]0;t\\u0007\\\"q"), *again;
	struct recfmt_error err;
	char *a, *b;

	assert_string_equal(iv->rows[0].comm, "b\xffy\x1b]0;t\x07\"q");
	a = written(&h, iv);
	assert_true(valid_utf8(a));
	assert_non_null(strstr(a, "[100,4200,1000,\"b\xef\xbf\xbdy\\u001b]0;t\\u0007\\\"q\","));
	assert_non_null(strstr(a, "4200,1000,77,\"b\xef\xbf\xbdy\\u001b]0;t\\u0007\\\"q\",0,"));
	assert_int_equal(recfmt_parse_interval(a, strlen(a) - 1, &h, &again, &err), 0);
	assert_string_equal(again->rows[0].comm, "b\xef\xbf\xbdy\x1b]0;t\x07\"q");
	b = written(&h, again);
	assert_string_equal(a, b);
	free(a);
	free(b);
	recfmt_interval_free(iv);
	recfmt_interval_free(again);

	/* Fifteen stray bytes: five replacements fill the 15 bytes, the rest is left out. */
	iv = with_comm(&h, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
	a = written(&h, iv);
	assert_true(valid_utf8(a));
	assert_int_equal(recfmt_parse_interval(a, strlen(a) - 1, &h, &again, &err), 0);
	assert_string_equal(again->rows[0].comm, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
						 "\xef\xbf\xbd\xef\xbf\xbd");
	b = written(&h, again);
	assert_string_equal(a, b);
	free(a);
	free(b);
	recfmt_interval_free(iv);
	recfmt_interval_free(again);
	/* Valid UTF-8 of 15 bytes passes whole; so do other strings, at any length. */
	iv = with_comm(&h, "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-12");
	a = written(&h, iv);
	assert_non_null(strstr(a, "\"caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-12\""));
	free(a);
	recfmt_interval_free(iv);
	recfmt_header_free(&h);
}

/*
 * GPU recordings: psys over two CPUs and an H100 (gpu0, not in the host
 * total). Over one second, pid 300 (SM weight 75) and pid 400 (25) share
 * gpu0's 4 J: 3 J and 1 J, split from sampled utilisation.
 */
static const char gpu_header_line[] =
	"{\"format\":\"joulestat-record\",\"version\":1,\"joulestat\":\"0.1.0\",\"host\":\"gpu\","
	"\"start_unix_ns\":1,\"cpus\":2,\"sockets\":1,\"cpu_model\":\"EPYC\",\"domains\":["
	"{\"name\":\"psys\",\"kind\":\"psys\",\"source\":\"powercap\",\"socket\":null,"
	"\"cpus\":\"0-1\",\"estimated\":false,\"in_total\":true,\"static_mw\":0,"
	"\"max_energy_range_uj\":0},"
	"{\"name\":\"gpu0\",\"kind\":\"gpu\",\"source\":\"nvml\",\"socket\":null,"
	"\"cpus\":\"\",\"estimated\":false,\"in_total\":false,\"static_mw\":0,"
	"\"max_energy_range_uj\":0}],"
	"\"options\":{\"interval_ns\":1000000000,\"duration_ns\":0,\"idle\":\"separate\","
	"\"raw\":true,\"source\":\"auto\",\"collector\":\"ebpf\"}}";

static const char gpu_interval_line[] =
	"{\"seq\":1,\"start_ns\":1000000000,\"end_ns\":2000000000,\"host\":{\"delta_uj\":2000000,"
	"\"tasks_uj\":2000000,\"idle_uj\":0,\"unattributed_uj\":0,\"power_w\":2.000},\"domains\":["
	"{\"status\":\"split\",\"delta_uj\":2000000,\"tasks_uj\":2000000,\"idle_uj\":0,"
	"\"unattributed_uj\":0,\"energy_uj\":2000000,\"raw_uj\":2000000,\"power_w\":2.000},"
	"{\"status\":\"gpu-busy\",\"sampled\":true,\"delta_uj\":4000000,\"tasks_uj\":4000000,"
	"\"idle_uj\":0,\"unattributed_uj\":0,\"energy_uj\":4000000,\"raw_uj\":9000000,"
	"\"power_w\":4.000}],"
	"\"activity\":{\"tasks\":2,\"dropped\":0,\"lost_ns\":0,\"captured\":1.0000},"
	"\"rows\":[[300,10,0,\"python3\",1000000000,[1000000,3000000]],"
	"[400,20,0,\"Xorg\",1000000000,[1000000,1000000]]],"
	"\"raw\":{\"idle_ns\":[0,0],\"lost_ns\":[0,0],\"irq_ns\":[0,0],"
	"\"tasks\":[[300,300,10,0,1,\"python3\",0,10,[0,1000000000]],"
	"[400,400,20,0,1,\"Xorg\",0,20,[1,1000000000]]],"
	"\"gpu\":[{\"domain\":1,\"idle_mw\":0,\"idle_known\":false,\"procs_unknown\":false,"
	"\"procs\":[300,75,400,25]}]}}";

static int gpu_interval_with(const char *from, const char *to, struct recfmt_interval **ret,
			     struct recfmt_error *err)
{
	struct recfmt_header h;
	struct recfmt_interval *iv = NULL;
	char buf[4096];
	const char *at = strstr(gpu_interval_line, from);
	int r;

	if (!at)
		fail_msg("'%s' is not in the GPU test line", from);
	if (recfmt_parse_header(gpu_header_line, strlen(gpu_header_line), &h, err) < 0)
		fail_msg("GPU header: %s", err->msg);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - gpu_interval_line), gpu_interval_line, to,
		 at + strlen(from));
	r = recfmt_parse_interval(buf, strlen(buf), &h, &iv, err);
	if (ret)
		*ret = iv;
	else
		recfmt_interval_free(iv);
	recfmt_header_free(&h);
	return r;
}

static void test_gpu_interval_decodes_and_round_trips(void **state)
{
	struct recfmt_header h;
	struct recfmt_interval *iv = NULL;
	struct recfmt_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(recfmt_parse_header(gpu_header_line, strlen(gpu_header_line), &h, &err), 0);
	assert_int_equal(h.domains[1].kind, JOULESTAT_DOMAIN_GPU);
	assert_int_equal(recfmt_parse_interval(gpu_interval_line, strlen(gpu_interval_line), &h,
					       &iv, &err), 0);
	assert_false(iv->ledgers[0].gpu);
	assert_false(iv->ledgers[0].sampled);
	assert_int_equal(iv->ledgers[0].status, ATTRIB_LEDGER_SPLIT);
	assert_true(iv->ledgers[1].gpu);
	assert_int_equal(iv->ledgers[1].gpu_status, GPU_SPLIT_BUSY);
	assert_int_equal(iv->ledgers[1].status, ATTRIB_LEDGER_SKIPPED);
	assert_true(iv->ledgers[1].sampled);
	assert_int_equal(iv->ngpus, 1);
	assert_int_equal(iv->gpus[0].domain, 1);
	assert_false(iv->gpus[0].idle_known);
	assert_false(iv->gpus[0].procs_unknown);
	assert_int_equal(iv->gpus[0].nprocs, 2);
	assert_int_equal(iv->gpus[0].procs[0].pid, 300);
	assert_int_equal(iv->gpus[0].procs[0].busy, 75);
	assert_int_equal(iv->gpus[0].procs[1].pid, 400);
	assert_int_equal(iv->gpus[0].procs[1].busy, 25);
	/* Written back, it is the same line. */
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_interval(f, &h, iv), 0);
	fclose(f);
	assert_int_equal(len, strlen(gpu_interval_line) + 1);
	assert_memory_equal(buf, gpu_interval_line, len - 1);
	free(buf);
	recfmt_interval_free(iv);
	/* Every GPU status reads back; a file without sampled or raw.gpu (older) reads too. */
	assert_int_equal(gpu_interval_with("gpu-busy", "gpu-no-activity", &iv, &err), 0);
	assert_int_equal(iv->ledgers[1].gpu_status, GPU_SPLIT_NO_ACTIVITY);
	iv = recfmt_interval_free(iv);
	assert_int_equal(gpu_interval_with("gpu-busy", "gpu-single", &iv, &err), 0);
	assert_int_equal(iv->ledgers[1].gpu_status, GPU_SPLIT_SINGLE);
	iv = recfmt_interval_free(iv);
	assert_int_equal(gpu_interval_with("\"status\":\"gpu-busy\",\"sampled\":true",
					   "\"status\":\"gpu-idle\"", &iv, &err), 0);
	assert_int_equal(iv->ledgers[1].gpu_status, GPU_SPLIT_IDLE);
	assert_false(iv->ledgers[1].sampled);
	iv = recfmt_interval_free(iv);
	assert_int_equal(gpu_interval_with(",\"gpu\":[{\"domain\":1,\"idle_mw\":0,\"idle_known\":false,"
					   "\"procs_unknown\":false,\"procs\":[300,75,400,25]}]", "",
					   &iv, &err), 0);
	assert_int_equal(iv->ngpus, 0);
	assert_true(iv->has_raw);
	recfmt_interval_free(iv);
	recfmt_header_free(&h);
}

static void test_bad_gpu_parts_are_refused(void **state)
{
	static const struct bad cases[] = {
		{ "gpu-busy", "gpu-halved", "domains[1] (gpu0).status: unknown status \"gpu-halved\"" },
		{ "gpu-busy", "busy", "domains[1] (gpu0).status: unknown status \"busy\"" },
		{ "\"sampled\":true", "\"sampled\":1", "domains[1] (gpu0).sampled: expected true or false" },
		{ "\"domain\":1", "\"domain\":0", "raw.gpu[0].domain: 0 is not a GPU domain of the header" },
		{ "\"domain\":1", "\"domain\":2", "raw.gpu[0].domain: 2 is not a GPU domain of the header" },
		{ "[300,75,400,25]}]", "[300,75]},{\"domain\":1,\"idle_mw\":0,\"idle_known\":false,"
					"\"procs_unknown\":false,\"procs\":[]}]",
		  "raw.gpu[1].domain: domain gpu0 twice" },
		{ "[300,75,400,25]", "[300,75,400]", "raw.gpu[0].procs: not (pid, busy) pairs" },
		{ "[300,75,400,25]", "[300,75,4294967296,25]", "raw.gpu[0].procs: pid above 2^32" },
		{ "[300,75,400,25]", "[300,-75,400,25]", "raw.gpu[0].busy: expected an unsigned integer" },
		{ "\"idle_known\":false", "\"idle_known\":0", "raw.gpu[0].idle_known: expected true or false" },
		{ ",\"procs_unknown\":false", "", "raw.gpu[0].procs_unknown: missing" },
		{ "\"gpu\":[{", "\"gpu\":7,\"x\":[{", "raw.gpu: expected an array, got a number" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct recfmt_error err;
		int r = gpu_interval_with(cases[i].from, cases[i].to, NULL, &err);

		if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d \"%s\", wanted \"%s\"", i, r, err.msg, cases[i].msg);
	}
}

/* The VMs of an interval: "make" (100) is VM web, the kworker (200) VM db. */
#define VMS ",\"vms\":[[\"web\",3750000,750000000,[100,4200]],[\"db\",1250000,250000000,[200,4300]]]"

static void test_vms_decode_check_and_round_trip(void **state)
{
	struct recfmt_header h = header();
	struct recfmt_interval *iv = NULL, *iv2 = NULL;
	struct recfmt_error err;
	char line[4096], *buf = NULL;
	size_t len = 0;
	const char *at = strstr(interval_line, ",\"raw\":");
	FILE *f;

	snprintf(line, sizeof(line), "%.*s%s%s", (int)(at - interval_line), interval_line, VMS, at);
	assert_int_equal(recfmt_parse_interval(line, strlen(line), &h, &iv, &err), 0);
	assert_int_equal(iv->nvms, 2);
	assert_string_equal(iv->vms[0].name, "web");
	assert_int_equal(iv->vms[0].energy_uj, 3750000);
	assert_int_equal(iv->vms[0].cpu_ns, 750000000);
	assert_int_equal(iv->vms[0].nprocs, 1);
	assert_int_equal(iv->vm_procs[iv->vms[0].first].tgid, 100);
	assert_int_equal(iv->vm_procs[iv->vms[1].first].start_ns, 4300);
	/* Written back as read, in the same place of the line. */
	f = open_memstream(&buf, &len);
	assert_int_equal(recfmt_write_interval(f, &h, iv), 0);
	fclose(f);
	assert_non_null(strstr(buf, VMS ",\"raw\":"));
	assert_int_equal(recfmt_parse_interval(buf, len - 1, &h, &iv2, &err), 0);
	assert_int_equal(iv2->nvms, 2);
	/* Sums follow the rows: what replay relies on after re-attributing. */
	iv->rows[0].total_uj = 1;
	iv->rows[1].total_uj = 2;
	assert_int_equal(recfmt_vms_sum(iv, &err), 0);
	assert_string_equal(iv->vms[0].name, "db");
	assert_int_equal(iv->vms[0].energy_uj, 2);
	free(buf);
	recfmt_interval_free(iv);
	recfmt_interval_free(iv2);
	recfmt_header_free(&h);
}

static void test_bad_vms_are_refused(void **state)
{
	static const struct bad cases[] = {
		{ ",\"raw\":", ",\"vms\":[[\"web\",3750001,750000000,[100,4200]]],\"raw\":",
		  "vms: web: energy_uj 3750001 and cpu_ns 750000000, its processes' rows add up to 3750000 and 750000000" },
		{ ",\"raw\":", ",\"vms\":[[\"web\",0,0,[101,4200]]],\"raw\":",
		  "vms: web: process 101 (start 4200) is no row of the interval" },
		{ ",\"raw\":", ",\"vms\":[[\"web\",3750000,750000000,[100,4200]],[\"db\",3750000,750000000,[100,4200]]],\"raw\":",
		  "listed twice" },
		{ ",\"raw\":", ",\"vms\":[[\"a/b\",0,0,[]]],\"raw\":", "vms[0]: the name" },
		{ ",\"raw\":", ",\"vms\":[[\"web\",0,0,[]],[\"web\",0,0,[]]],\"raw\":", "vms[1]: VM \"web\" listed twice" },
		{ ",\"raw\":", ",\"vms\":[[\"web\",0,0,[100]]],\"raw\":", "vms[0]: expected [name, energy_uj" },
		{ ",\"raw\":", ",\"vms\":{},\"raw\":", "vms: expected an array" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct recfmt_error err;
		int r = interval_with(cases[i].from, cases[i].to, &err);

		if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d \"%s\", wanted \"%s\"", i, r, err.msg, cases[i].msg);
	}
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
		cmocka_unit_test(test_header_daemon_option),
		cmocka_unit_test(test_interval_decodes),
		cmocka_unit_test(test_inconsistent_intervals_are_refused),
		cmocka_unit_test(test_truncated_line_names_the_column),
		cmocka_unit_test(test_bad_headers_are_refused),
		cmocka_unit_test(test_write_then_parse_round_trips),
		cmocka_unit_test(test_names_are_written_as_utf8),
		cmocka_unit_test(test_v2_cgroups_and_syscalls),
		cmocka_unit_test(test_refused_ledger_round_trips),
		cmocka_unit_test(test_static_from_round_trips),
		cmocka_unit_test(test_cpulist_formats_ranges),
		cmocka_unit_test(test_gpu_interval_decodes_and_round_trips),
		cmocka_unit_test(test_bad_gpu_parts_are_refused),
		cmocka_unit_test(test_vms_decode_check_and_round_trip),
		cmocka_unit_test(test_bad_vms_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
