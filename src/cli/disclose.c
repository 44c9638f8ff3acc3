/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* disclose.c - who may see what of other users' activity (disclose.h). Pure. */
#include <errno.h>
#include <string.h>

#include "disclose.h"

static const char *const policy_names[] = {
	[DISCLOSE_ALL] = "all",
	[DISCLOSE_OWN] = "own",
	[DISCLOSE_NONE] = "none",
};

const char *disclose_policy_name(enum disclose_policy p)
{
	return (unsigned)p < sizeof(policy_names) / sizeof(policy_names[0]) ? policy_names[p]
									    : NULL;
}

int disclose_policy_from_name(const char *name, enum disclose_policy *ret)
{
	if (!name || !ret)
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++)
		if (strcmp(name, policy_names[i]) == 0) {
			*ret = (enum disclose_policy)i;
			return 0;
		}
	return -EINVAL;
}

static bool is_admin(const struct disclose_peer *peer, bool has_admin_gid, uint32_t admin_gid)
{
	if (peer->uid == 0)
		return true;
	if (!has_admin_gid)
		return false;
	if (peer->gid == admin_gid)
		return true;
	for (size_t i = 0; i < peer->ngroups; i++)
		if (peer->groups && peer->groups[i] == admin_gid)
			return true;
	return false;
}

enum disclose_policy disclose_view(enum disclose_policy policy, const struct disclose_peer *peer,
				   bool has_admin_gid, uint32_t admin_gid)
{
	if (!peer)
		return policy == DISCLOSE_ALL ? DISCLOSE_ALL : DISCLOSE_NONE;
	if (is_admin(peer, has_admin_gid, admin_gid))
		return DISCLOSE_ALL;
	if (!disclose_policy_name(policy))
		return DISCLOSE_NONE;
	return policy;
}

bool disclose_group_mixes_users(enum joulestat_group g)
{
	return g == JOULESTAT_GROUP_COMM || g == JOULESTAT_GROUP_CGROUP ||
	       g == JOULESTAT_GROUP_UNIT || g == JOULESTAT_GROUP_CONTAINER || g == JOULESTAT_GROUP_VM;
}

enum disclose_row disclose_row(enum disclose_policy view, uint32_t viewer_uid,
			       enum joulestat_group g, uint32_t row_uid, bool uid_known)
{
	if (view == DISCLOSE_ALL)
		return DISCLOSE_ROW_FULL;
	if (g == JOULESTAT_GROUP_TREE)
		return uid_known && row_uid == viewer_uid ? DISCLOSE_ROW_FULL : DISCLOSE_ROW_HIDE;
	if (uid_known && row_uid == viewer_uid && viewer_uid != DISCLOSE_UID_NOBODY)
		return DISCLOSE_ROW_FULL;
	if (g == JOULESTAT_GROUP_USER && view == DISCLOSE_OWN && uid_known)
		return DISCLOSE_ROW_FULL;
	if (view == DISCLOSE_OWN && uid_known)
		return DISCLOSE_ROW_USER;
	return DISCLOSE_ROW_OTHERS;
}

bool disclose_may_follow(const struct disclose_peer *peer, bool has_admin_gid, uint32_t admin_gid,
			 const uint32_t proc_uids[4])
{
	if (!peer || !proc_uids)
		return false;
	if (is_admin(peer, has_admin_gid, admin_gid))
		return true;
	for (int i = 0; i < 4; i++)
		if (proc_uids[i] != peer->uid)
			return false;
	return true;
}
