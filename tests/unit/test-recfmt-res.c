/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-recfmt-res.c - the resources object of a recording's interval line:
 * a line written by hand (docs/FORMAT.md) decodes to the numbers it holds,
 * writes back to the same bytes (replay depends on it), and every malformed
 * field is refused with a message naming it.
 */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"
#include "recfmt_res.h"

/* Two CPUs (cpu1 offline), a sensor below zero, one disk, one interface. */
static const char res_obj[] =
    "{\"cpu_pct\":37.25,\"iowait_pct\":0.50,\"ctxt_per_s\":5210,\"intr_per_s\":3120,"
    "\"procs_running\":2,\"procs_blocked\":1,\"load\":[1.91,3.08,3.25],"
    "\"mem_total_bytes\":25276502016,\"mem_available_bytes\":24869941248,"
    "\"swap_total_bytes\":1073741824,\"swap_used_bytes\":4096,"
    "\"psi\":{\"some_pct\":[1.20,0.00,0.05],\"full_pct\":[0.00,0.00,0.01]},"
    "\"cpus\":[[40.00,2400000],[null,0]],"
    "\"temps\":[[\"thermal_zone0 x86_pkg_temp\",45.000],[\"outdoor \\\"probe\\\"\",-5.125]],"
    "\"disks\":[[\"nvme0n1\",1655026688,2370748416,0,40960,0.80]],"
    "\"nets\":[[\"eth0\",55920361,111896,1200,300]]}";

static int decode(const char *text, struct recfmt_resources **ret, struct recfmt_error *err)
{
	struct jsonr_doc doc = {0};
	struct jsonr_error je;
	int r = jsonr_parse(text, strlen(text), &doc, &je);

	if (r < 0)
		fail_msg("not JSON at %zu: %s", je.offset, je.msg);
	r = recfmt_resources_decode(&doc, &doc.nodes[0], 4, ret, err);
	jsonr_free(&doc);
	return r;
}

static char *write_str(const struct recfmt_resources *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	recfmt_resources_write(f, res);
	fclose(f);
	return buf;
}

static void test_decodes_the_numbers(void **state)
{
	struct recfmt_resources *res = NULL;
	struct recfmt_error err;

	assert_int_equal(decode(res_obj, &res, &err), 0);
	assert_int_equal(res->cpu_centipct, 3725);
	assert_int_equal(res->iowait_centipct, 50);
	assert_int_equal(res->ctxt_per_s, 5210);
	assert_int_equal(res->intr_per_s, 3120);
	assert_int_equal(res->procs_running, 2);
	assert_int_equal(res->procs_blocked, 1);
	assert_int_equal(res->load_centi[0], 191);
	assert_int_equal(res->load_centi[2], 325);
	assert_int_equal(res->mem_total_bytes, 25276502016ULL);
	assert_int_equal(res->swap_used_bytes, 4096);
	assert_true(res->has_psi);
	assert_int_equal(res->psi_some_centipct[0], 120);
	assert_int_equal(res->psi_some_centipct[2], 5);
	assert_int_equal(res->psi_full_centipct[2], 1);
	assert_int_equal(res->ncpus, 2);
	assert_true(res->cpus[0].online);
	assert_int_equal(res->cpus[0].usage_centipct, 4000);
	assert_int_equal(res->cpus[0].freq_khz, 2400000);
	assert_false(res->cpus[1].online);
	assert_int_equal(res->ntemps, 2);
	assert_string_equal(res->temps[1].name, "outdoor \"probe\"");
	assert_int_equal(res->temps[0].mc, 45000);
	assert_int_equal(res->temps[1].mc, -5125);
	assert_int_equal(res->ndisks, 1);
	assert_string_equal(res->disks[0].name, "nvme0n1");
	assert_int_equal(res->disks[0].write_bytes, 2370748416ULL);
	assert_int_equal(res->disks[0].write_bytes_per_s, 40960);
	assert_int_equal(res->disks[0].busy_centipct, 80);
	assert_int_equal(res->nnets, 1);
	assert_int_equal(res->nets[0].rx_bytes, 55920361);
	assert_int_equal(res->nets[0].tx_bytes_per_s, 300);
	recfmt_resources_free(res);
}

static void test_writes_back_the_same_bytes(void **state)
{
	struct recfmt_resources *res = NULL, *again = NULL;
	struct recfmt_error err;
	char *out, *out2;

	assert_int_equal(decode(res_obj, &res, &err), 0);
	out = write_str(res);
	assert_string_equal(out, res_obj);
	/* And once more, from what was written. */
	assert_int_equal(decode(out, &again, &err), 0);
	out2 = write_str(again);
	assert_string_equal(out2, out);
	free(out);
	free(out2);
	recfmt_resources_free(res);
	recfmt_resources_free(again);
}

static void test_no_psi_is_null(void **state)
{
	struct recfmt_resources *res = NULL;
	struct recfmt_error err;
	char *text = strdup(res_obj), *p = strstr(text, "\"psi\":{"), *end = strstr(p, "]},") + 2;
	char *out;

	memcpy(p + 6, "null", 4);
	memmove(p + 10, end, strlen(end) + 1);
	assert_int_equal(decode(text, &res, &err), 0);
	assert_false(res->has_psi);
	out = write_str(res);
	assert_string_equal(out, text);
	free(out);
	free(text);
	recfmt_resources_free(res);
}

/* Replace the first `from` in res_obj by `to`, decode, and expect -EINVAL naming `want`. */
static void refused(const char *from, const char *to, const char *want)
{
	struct recfmt_resources *res = NULL;
	struct recfmt_error err = {""};
	const char *at = strstr(res_obj, from);
	char text[sizeof(res_obj) + 128];

	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - res_obj), res_obj, to,
		 at + strlen(from));
	assert_int_equal(decode(text, &res, &err), -EINVAL);
	assert_null(res);
	if (!strstr(err.msg, want))
		fail_msg("'%s' does not say '%s'", err.msg, want);
}

static void test_malformed_fields_are_named(void **state)
{
	refused("\"cpu_pct\":37.25", "\"cpu_pct\":\"high\"",
		"resources.cpu_pct: expected a number, got a string");
	refused("\"cpu_pct\":37.25", "\"cpu_pct\":-1", "resources.cpu_pct: -1 is out of range");
	refused("\"iowait_pct\":0.50,", "", "resources.iowait_pct: missing");
	refused("\"ctxt_per_s\":5210", "\"ctxt_per_s\":5.5",
		"resources.ctxt_per_s: expected an unsigned integer");
	refused("\"procs_blocked\":1", "\"procs_blocked\":4294967296",
		"resources.procs_blocked: 4294967296 is out of range");
	refused("[1.91,3.08,3.25]", "[1.91,3.08]", "resources.load: 2 elements, expected 3");
	refused("[1.91,", "[-1,", "resources.load[0]: -1 is out of range");
	refused("\"mem_available_bytes\":24869941248", "\"mem_available_bytes\":25276502017",
		"resources.mem_available_bytes: 25276502017 is more than mem_total_bytes");
	refused("\"swap_used_bytes\":4096", "\"swap_used_bytes\":1073741825",
		"resources.swap_used_bytes: 1073741825 is more than swap_total_bytes");
	refused("\"psi\":{", "\"psi\":7,\"x\":{",
		"resources.psi: expected an object or null, got a number");
	refused("\"some_pct\":[1.20,0.00,0.05]", "\"some_pct\":[1.20,0.00]",
		"resources.psi.some_pct: 2 elements, expected 3");
	refused("\"full_pct\":[0.00,", "\"full_pct\":[101,",
		"resources.psi.full_pct[0]: 101 is out of range");
	refused("[null,0]", "[null,0],[1,1],[1,1],[1,1]", "resources.cpus: 5 elements, at most 4");
	refused("[40.00,2400000]", "[40.00]", "resources.cpus[0]: 1 fields, expected 2");
	refused("[40.00,2400000]", "[40.00,-1]",
		"resources.cpus[0][1] (freq_khz): expected an unsigned integer");
	refused("-5.125", "-300", "resources.temps[1][1] (celsius): -300 is out of range");
	refused("\"thermal_zone0 x86_pkg_temp\"", "\"\"",
		"resources.temps[0][0] (name): a name of 0 bytes");
	refused("\"thermal_zone0 x86_pkg_temp\"", "17",
		"resources.temps[0][0] (name): expected a string");
	refused("\"nvme0n1\",1655026688,", "\"nvme0n1\",",
		"resources.disks[0]: 5 fields, expected 6");
	refused(",0.80]", ",100.01]", "resources.disks[0][5] (busy_pct): 100.01 is out of range");
	refused("\"eth0\",55920361", "\"eth0\",null",
		"resources.nets[0][1] (rx_bytes): expected an unsigned integer, got null");
	refused("\"nets\":[", "\"nets\":{},\"y\":[",
		"resources.nets: expected an array, got an object");
}

static void test_names_longer_than_the_bound_are_refused(void **state)
{
	char name[RECFMT_RES_NAME_MAX + 4];

	/* A quote, 64 bytes of name, a quote. */
	memset(name, 'a', RECFMT_RES_NAME_MAX + 2);
	name[0] = '"';
	name[RECFMT_RES_NAME_MAX + 2] = '"';
	name[RECFMT_RES_NAME_MAX + 3] = '\0';
	refused("\"eth0\"", name, "resources.nets[0][0] (name): a name of 64 bytes (1 to 63)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decodes_the_numbers),
	    cmocka_unit_test(test_writes_back_the_same_bytes),
	    cmocka_unit_test(test_no_psi_is_null),
	    cmocka_unit_test(test_malformed_fields_are_named),
	    cmocka_unit_test(test_names_longer_than_the_bound_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
