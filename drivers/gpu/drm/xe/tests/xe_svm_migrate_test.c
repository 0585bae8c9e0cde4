// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <kunit/test.h>

/* KUnit: the placement policy of a GPU fault, as a table. */

struct placement_case {
	const char *name;
	struct xe_svm_placement_query q;
	bool vram;
};

#define ANON(sz, pref)	{ .size = (sz), .has_vram = true, .anon_private = true, \
			  .preferred = (pref) }

static const struct placement_case placement_cases[] = {
	{ "2M anon private", ANON(SZ_2M, XE_SVM_PLACE_VRAM), true },
	{ "64K anon private (the threshold)", ANON(SZ_64K, XE_SVM_PLACE_VRAM), true },
	{ "60K anon private", ANON(SZ_64K - SZ_4K, XE_SVM_PLACE_VRAM), false },
	{ "68K anon private", ANON(SZ_64K + SZ_4K, XE_SVM_PLACE_VRAM), true },
	{ "4K anon private", ANON(SZ_4K, XE_SVM_PLACE_VRAM), false },
	{ "2M anon private, prefers system", ANON(SZ_2M, XE_SVM_PLACE_SYSTEM), false },
	{ "4K atomic", { .size = SZ_4K, .has_vram = true, .anon_private = true,
			 .atomic = true }, true },
	{ "4K atomic, prefers system", { .size = SZ_4K, .has_vram = true,
					 .anon_private = true, .atomic = true,
					 .preferred = XE_SVM_PLACE_SYSTEM }, true },
	{ "2M, no VRAM", { .size = SZ_2M, .anon_private = true }, false },
	{ "4K atomic, no VRAM", { .size = SZ_4K, .anon_private = true, .atomic = true },
	  false },
	{ "2M shared or file-backed", { .size = SZ_2M, .has_vram = true }, false },
	{ "2M shared, atomic", { .size = SZ_2M, .has_vram = true, .atomic = true }, false },
	{ "2M hugetlbfs", { .size = SZ_2M, .has_vram = true, .anon_private = true,
			    .hugetlb = true }, false },
	{ "2M hugetlbfs, atomic", { .size = SZ_2M, .has_vram = true, .anon_private = true,
				    .hugetlb = true, .atomic = true }, false },
	{ "2M VM_PFNMAP/VM_IO", { .size = SZ_2M, .has_vram = true, .anon_private = true,
				  .special = true }, false },
	{ "2M mlocked", { .size = SZ_2M, .has_vram = true, .anon_private = true,
			  .locked = true }, false },
	{ "2M mlocked, atomic", { .size = SZ_2M, .has_vram = true, .anon_private = true,
				  .locked = true, .atomic = true }, false },
	{ "2M access the VMA forbids", { .size = SZ_2M, .has_vram = true,
					 .anon_private = true, .no_access = true }, false },
	{ "4K atomic the VMA forbids", { .size = SZ_4K, .has_vram = true,
					 .anon_private = true, .atomic = true,
					 .no_access = true }, false },
};

static void placement_case_desc(const struct placement_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(placement, placement_cases, placement_case_desc);

static void xe_svm_placement_policy_test(struct kunit *test)
{
	const struct placement_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, xe_svm_placement_wants_vram(&c->q), c->vram);
}

static struct kunit_case xe_svm_migrate_tests[] = {
	KUNIT_CASE_PARAM(xe_svm_placement_policy_test, placement_gen_params),
	{}
};

static struct kunit_suite xe_svm_migrate_test_suite = {
	.name = "xe_svm_migrate",
	.test_cases = xe_svm_migrate_tests,
};

kunit_test_suite(xe_svm_migrate_test_suite);
