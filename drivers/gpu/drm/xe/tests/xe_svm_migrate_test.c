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
	{ "2M anon private, thrashing", { .size = SZ_2M, .has_vram = true,
					  .anon_private = true, .thrashing = true },
	  false },
	/* a device atomic that needs VRAM is never held in system memory */
	{ "4K atomic, thrashing", { .size = SZ_4K, .has_vram = true,
				    .anon_private = true, .atomic = true,
				    .thrashing = true }, true },
	{ "2M atomic, thrashing, prefers system", { .size = SZ_2M, .has_vram = true,
						    .anon_private = true, .atomic = true,
						    .thrashing = true,
						    .preferred = XE_SVM_PLACE_SYSTEM }, true },
	{ "2M atomic, thrashing, hugetlbfs", { .size = SZ_2M, .has_vram = true,
					       .anon_private = true, .atomic = true,
					       .thrashing = true, .hugetlb = true }, false },
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

/*
 * Thrashing control's bookkeeping, with the clock in the test's hands:
 * the XE_SVM_THRASH_MIGRATIONS th migration of a window starts a hold,
 * a window that ran out starts the count again, a hold ends on time.
 */
static void xe_svm_thrash_test(struct kunit *test)
{
	const unsigned long window = msecs_to_jiffies(XE_SVM_THRASH_WINDOW_MS);
	const unsigned long hold = msecs_to_jiffies(XE_SVM_THRASH_HOLD_MS);
	const unsigned long step = window / (2 * XE_SVM_THRASH_MIGRATIONS);
	unsigned long now = jiffies;
	struct xe_svm_range *range;
	struct rw_semaphore lock;
	struct xe_svm *svm;
	unsigned int i;

	svm = kunit_kzalloc(test, sizeof(*svm), GFP_KERNEL);
	range = kunit_kzalloc(test, sizeof(*range), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, svm);
	KUNIT_ASSERT_NOT_NULL(test, range);
	init_rwsem(&lock);
	xe_svm_range_tree_init(&svm->ranges, &lock);
	range->svm = svm;
	KUNIT_ASSERT_GT(test, step, 0);

	down_write(&lock);
	/* bouncing fast: held after the last migration of the window */
	for (i = 1; i < XE_SVM_THRASH_MIGRATIONS; i++) {
		KUNIT_EXPECT_FALSE(test, xe_svm_range_thrash_note(range, now));
		KUNIT_EXPECT_FALSE(test, xe_svm_range_thrash_held(range, now));
		now += step;
	}
	KUNIT_EXPECT_TRUE(test, xe_svm_range_thrash_note(range, now));
	KUNIT_EXPECT_TRUE(test, xe_svm_range_thrash_held(range, now));
	KUNIT_EXPECT_TRUE(test, xe_svm_range_thrash_held(range, now + hold - 1));
	/* the hold ends, and the count started again */
	now += hold;
	KUNIT_EXPECT_FALSE(test, xe_svm_range_thrash_held(range, now));
	KUNIT_EXPECT_FALSE(test, xe_svm_range_thrash_note(range, now));

	/* slower than the window: the count starts again, never held */
	for (i = 0; i < 3 * XE_SVM_THRASH_MIGRATIONS; i++) {
		now += window / (XE_SVM_THRASH_MIGRATIONS - 2);
		KUNIT_EXPECT_FALSE(test, xe_svm_range_thrash_note(range, now));
		KUNIT_EXPECT_FALSE(test, xe_svm_range_thrash_held(range, now));
	}
	up_write(&lock);
}

/* The atomic modes of the memory-range attributes, every mode both ways. */
static void xe_svm_atomic_policy_test(struct kunit *test)
{
	static const struct {
		u32 mode;
		bool vram_preferred;
		int access;
	} cases[] = {
		{ DRM_XE_ATOMIC_UNDEFINED, true, XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC },
		{ DRM_XE_ATOMIC_UNDEFINED, false, XE_SVM_ACCESS_WRITE },
		{ DRM_XE_ATOMIC_DEVICE, true, XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC },
		{ DRM_XE_ATOMIC_DEVICE, false, XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC },
		{ DRM_XE_ATOMIC_GLOBAL, true, XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC },
		{ DRM_XE_ATOMIC_GLOBAL, false, XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC },
		{ DRM_XE_ATOMIC_CPU, true, -EACCES },
		{ DRM_XE_ATOMIC_CPU, false, -EACCES },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, xe_svm_atomic_policy(cases[i].mode,
							       cases[i].vram_preferred),
				    cases[i].access, "mode %u, VRAM preferred %d", cases[i].mode,
				    cases[i].vram_preferred);
}

static struct kunit_case xe_svm_migrate_tests[] = {
	KUNIT_CASE_PARAM(xe_svm_placement_policy_test, placement_gen_params),
	KUNIT_CASE(xe_svm_thrash_test),
	KUNIT_CASE(xe_svm_atomic_policy_test),
	{}
};

static struct kunit_suite xe_svm_migrate_test_suite = {
	.name = "xe_svm_migrate",
	.test_cases = xe_svm_migrate_tests,
};

kunit_test_suite(xe_svm_migrate_test_suite);
