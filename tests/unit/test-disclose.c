/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-disclose.c - who sees what: root and the administrators' group see
 * everything whatever the policy; anyone else sees their own rows in full
 * and, under "own", other users as one row per user, under "none" as one
 * row for all; rows of unknown owner are never shown in full; another
 * client's tree is hidden; only one's own processes may be followed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "disclose.h"

static void test_names(void **state)
{
	enum disclose_policy p;

	(void)state;
	for (int i = DISCLOSE_ALL; i <= DISCLOSE_NONE; i++) {
		assert_int_equal(disclose_policy_from_name(disclose_policy_name(
								   (enum disclose_policy)i), &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(disclose_policy_from_name("some", &p), -EINVAL);
	assert_int_equal(disclose_policy_from_name(NULL, &p), -EINVAL);
	assert_null(disclose_policy_name((enum disclose_policy)3));
	assert_int_equal(DISCLOSE_DEFAULT, DISCLOSE_OWN);
}

static void test_views(void **state)
{
	uint32_t groups[] = { 100, 4242 };
	struct disclose_peer root = { .uid = 0, .gid = 0 };
	struct disclose_peer user = { .uid = 1000, .gid = 1000 };
	struct disclose_peer member = { .uid = 1001, .gid = 1001, .groups = groups, .ngroups = 2 };
	struct disclose_peer primary = { .uid = 1002, .gid = 4242 };

	(void)state;
	for (int p = DISCLOSE_ALL; p <= DISCLOSE_NONE; p++) {
		enum disclose_policy pol = (enum disclose_policy)p;

		assert_int_equal(disclose_view(pol, &root, true, 4242), DISCLOSE_ALL);
		assert_int_equal(disclose_view(pol, &root, false, 0), DISCLOSE_ALL);
		assert_int_equal(disclose_view(pol, &user, true, 4242), pol);
		/* A supplementary or the primary group: the administrators'. */
		assert_int_equal(disclose_view(pol, &member, true, 4242), DISCLOSE_ALL);
		assert_int_equal(disclose_view(pol, &primary, true, 4242), DISCLOSE_ALL);
		/* No such group on the machine: nobody is a member of it. */
		assert_int_equal(disclose_view(pol, &member, false, 4242), pol);
	}
	/* No credentials: the least. */
	assert_int_equal(disclose_view(DISCLOSE_OWN, NULL, true, 4242), DISCLOSE_NONE);
	assert_int_equal(disclose_view(DISCLOSE_ALL, NULL, true, 4242), DISCLOSE_ALL);
	assert_int_equal(disclose_view((enum disclose_policy)7, &user, true, 4242), DISCLOSE_NONE);
}

static void test_rows(void **state)
{
	(void)state;
	/* Everything, under all. */
	for (int g = 0; g < JOULESTAT_GROUP_COUNT; g++)
		assert_int_equal(disclose_row(DISCLOSE_ALL, 1000, (enum joulestat_group)g, 2000, true),
				 DISCLOSE_ROW_FULL);
	/* One's own rows in full. */
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_PROCESS, 1000, true),
			 DISCLOSE_ROW_FULL);
	assert_int_equal(disclose_row(DISCLOSE_NONE, 1000, JOULESTAT_GROUP_THREAD, 1000, true),
			 DISCLOSE_ROW_FULL);
	/* Another user's processes: one row per user, or one for all. */
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_PROCESS, 2000, true),
			 DISCLOSE_ROW_USER);
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_THREAD, 0, true),
			 DISCLOSE_ROW_USER);
	assert_int_equal(disclose_row(DISCLOSE_NONE, 1000, JOULESTAT_GROUP_PROCESS, 2000, true),
			 DISCLOSE_ROW_OTHERS);
	/* A user row is already the aggregate: shown under own, not under none. */
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_USER, 2000, true),
			 DISCLOSE_ROW_FULL);
	assert_int_equal(disclose_row(DISCLOSE_NONE, 1000, JOULESTAT_GROUP_USER, 2000, true),
			 DISCLOSE_ROW_OTHERS);
	/* A row that may mix users is never shown in full to a restricted view. */
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_COMM, 1000, false),
			 DISCLOSE_ROW_OTHERS);
	/* Trees: one's own only. */
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_TREE, 1000, true),
			 DISCLOSE_ROW_FULL);
	assert_int_equal(disclose_row(DISCLOSE_OWN, 1000, JOULESTAT_GROUP_TREE, 2000, true),
			 DISCLOSE_ROW_HIDE);
	/* A peer without credentials owns nothing. */
	assert_int_equal(disclose_row(DISCLOSE_OWN, DISCLOSE_UID_NOBODY, JOULESTAT_GROUP_PROCESS,
				      DISCLOSE_UID_NOBODY, true),
			 DISCLOSE_ROW_USER);
	assert_true(disclose_group_mixes_users(JOULESTAT_GROUP_COMM));
	assert_true(disclose_group_mixes_users(JOULESTAT_GROUP_CGROUP));
	assert_true(disclose_group_mixes_users(JOULESTAT_GROUP_UNIT));
	assert_true(disclose_group_mixes_users(JOULESTAT_GROUP_CONTAINER));
	assert_false(disclose_group_mixes_users(JOULESTAT_GROUP_PROCESS));
	assert_false(disclose_group_mixes_users(JOULESTAT_GROUP_USER));
}

static void test_follow(void **state)
{
	uint32_t mine[4] = { 1000, 1000, 1000, 1000 };
	uint32_t setuid[4] = { 1000, 0, 0, 0 };
	uint32_t other[4] = { 2000, 2000, 2000, 2000 };
	uint32_t groups[] = { 4242 };
	struct disclose_peer user = { .uid = 1000, .gid = 1000 };
	struct disclose_peer admin = { .uid = 1001, .gid = 1001, .groups = groups, .ngroups = 1 };
	struct disclose_peer root = { .uid = 0 };

	(void)state;
	assert_true(disclose_may_follow(&user, true, 4242, mine));
	/* A set-uid program the user started runs as someone else. */
	assert_false(disclose_may_follow(&user, true, 4242, setuid));
	assert_false(disclose_may_follow(&user, true, 4242, other));
	assert_true(disclose_may_follow(&admin, true, 4242, other));
	assert_false(disclose_may_follow(&admin, false, 4242, other));
	assert_true(disclose_may_follow(&root, false, 0, other));
	assert_false(disclose_may_follow(NULL, true, 4242, mine));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
