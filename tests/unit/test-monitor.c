/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-monitor.c - the public API's contract (joulestat.h): argument
 * checks, sz-versioned structs, out-parameters untouched on error, forced
 * sources, host total, topology queries.
 */
#include "testutil.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "joulestat.h"

static struct joulestat_opts opts_for(const char *tree, char *sys, char *proc, size_t size)
{
	struct joulestat_opts o = { .sz = sizeof(o) };

	snprintf(sys, size, "%s/sys", tu_data(tree));
	snprintf(proc, size, "%s/proc", tu_data(tree));
	o.sysfs_root = sys;
	o.procfs_root = proc;
	o.dev_root = "/nonexistent";
	o.activity = "proc";
	return o;
}

static void test_new_rejects_bad_options(void **state)
{
	char sys[4096], proc[4096];
	struct joulestat_opts o = opts_for("model", sys, proc, sizeof(sys));
	struct joulestat *js = (struct joulestat *)0x1;

	assert_int_equal(joulestat_new(&o, NULL), -EINVAL);

	o.sz = offsetof(struct joulestat_opts, sysfs_root); /* too small to carry the roots */
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	o.sz = sizeof(o);

	o.sources = "powercap,rapl2";
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	o.sources = NULL;

	o.model_idle_mw = 9000;
	o.model_max_mw = 8000;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	assert_ptr_equal(js, (struct joulestat *)0x1); /* ret untouched on every error */
}

static void test_forced_sources_with_nothing_to_read(void **state)
{
	char sys[4096], proc[4096];
	struct joulestat_opts o = opts_for("model", sys, proc, sizeof(sys));
	struct joulestat *js = (struct joulestat *)0x1;

	/* The model tree has no battery and no RAPL: a forced list that yields no domain. */
	o.sources = "battery,powercap";
	assert_int_equal(joulestat_new(&o, &js), -ENODEV);
	assert_ptr_equal(js, (struct joulestat *)0x1);
}

static void test_free_and_queries_are_null_safe(void **state)
{
	struct joulestat_source_info si = { .sz = sizeof(si) };
	struct joulestat_domain_info di = { .sz = sizeof(di) };

	assert_null(joulestat_free(NULL));
	assert_int_equal(joulestat_source_count(NULL), 0);
	assert_int_equal(joulestat_domain_count(NULL), 0);
	assert_int_equal(joulestat_source_get(NULL, 0, &si), -EINVAL);
	assert_int_equal(joulestat_domain_get(NULL, 0, &di), -EINVAL);
	assert_int_equal(joulestat_read_energy(NULL), -EINVAL);
	assert_int_equal(joulestat_cpu_count(NULL), 0);
	assert_non_null(joulestat_version());
}

static void test_sz_versioned_info(void **state)
{
	char sys[4096], proc[4096];
	struct joulestat_opts o = opts_for("intel-2s", sys, proc, sizeof(sys));
	struct joulestat_domain_info di;
	struct joulestat_source_info si;
	struct joulestat *js;
	size_t n;

	assert_int_equal(joulestat_new(&o, &js), 0);
	n = joulestat_domain_count(js);
	assert_true(n > 0);

	/* Index past the end: -ERANGE, info untouched. */
	memset(&di, 0x5a, sizeof(di));
	di.sz = sizeof(di);
	assert_int_equal(joulestat_domain_get(js, n, &di), -ERANGE);
	assert_int_equal(di.kind, 0x5a5a5a5a);
	si.sz = sizeof(si);
	assert_int_equal(joulestat_source_get(js, joulestat_source_count(js), &si), -ERANGE);

	/* A caller's sz too small for the fields every version has: -EINVAL. */
	di.sz = offsetof(struct joulestat_domain_info, name);
	assert_int_equal(joulestat_domain_get(js, 0, &di), -EINVAL);

	/*
	 * A caller built against a larger struct (a newer header) is served the
	 * fields this library knows; the rest of its struct is left alone.
	 */
	{
		struct {
			struct joulestat_domain_info info;
			uint64_t future;
		} big;

		memset(&big, 0, sizeof(big));
		big.future = 77;
		big.info.sz = sizeof(big);
		assert_int_equal(joulestat_domain_get(js, 0, &big.info), 0);
		assert_int_equal(big.info.sz, sizeof(big));
		assert_int_equal(big.future, 77);
		assert_non_null(big.info.name);
	}
	joulestat_free(js);
}

static void test_host_total_and_topology(void **state)
{
	char sys[4096], proc[4096];
	struct joulestat_opts o = opts_for("intel-2s", sys, proc, sizeof(sys));
	struct joulestat *js;
	uint64_t e = 1;
	double w = 0;
	bool est = true;
	unsigned in_total = 0;

	assert_int_equal(joulestat_new(&o, &js), 0);
	/* intel-2s: 8 CPUs in two packages, psys present → psys alone is the host total. */
	assert_int_equal(joulestat_cpu_count(js), 8);
	assert_int_equal(joulestat_socket_count(js), 2);
	assert_int_equal(joulestat_cpu_socket(js, 0), 0);
	assert_int_equal(joulestat_cpu_socket(js, 7), 1);
	assert_int_equal(joulestat_cpu_socket(js, 8), -ENOENT);
	assert_non_null(strstr(joulestat_cpu_model(js), "Xeon"));
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		assert_int_equal(joulestat_domain_get(js, i, &di), 0);
		if (di.in_host_total) {
			in_total++;
			assert_string_equal(di.name, "psys");
		}
		assert_true(di.warming_up);
		assert_true(isnan(di.power_w));
	}
	assert_int_equal(in_total, 1);
	assert_int_equal(joulestat_host_energy(js, &e, &w, &est), 0);
	assert_int_equal(e, 0);
	assert_true(isnan(w)); /* one reading: no power yet */
	assert_false(est);
	joulestat_free(js);
}

static void test_model_parameters_from_options(void **state)
{
	char sys[4096], proc[4096];
	struct joulestat_opts o = opts_for("model", sys, proc, sizeof(sys));
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	struct joulestat *js;

	o.model_idle_mw = 4000;
	o.model_max_mw = 20000;
	assert_int_equal(joulestat_new(&o, &js), 0);
	assert_int_equal(joulestat_model_get(js, &mi), 0);
	assert_int_equal(mi.idle_mw, 4000);
	assert_int_equal(mi.max_mw, 20000);
	assert_string_equal(mi.origin, "options");
	joulestat_free(js);

	/* With a measured source, the model is not active. */
	opts_for("intel-2s", sys, proc, sizeof(sys));
	o = opts_for("intel-2s", sys, proc, sizeof(sys));
	assert_int_equal(joulestat_new(&o, &js), 0);
	assert_int_equal(joulestat_model_get(js, &mi), -ENOENT);
	joulestat_free(js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_options),
		cmocka_unit_test(test_forced_sources_with_nothing_to_read),
		cmocka_unit_test(test_free_and_queries_are_null_safe),
		cmocka_unit_test(test_sz_versioned_info),
		cmocka_unit_test(test_host_total_and_topology),
		cmocka_unit_test(test_model_parameters_from_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
