// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <kunit/test.h>

#include <linux/prandom.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/slab.h>

/*
 * Included at the end of xe_svm_attr.c. The window starts at a 1 GiB
 * aligned base, so that every case is also a case at a high address.
 */

#define A_BASE		(SZ_1G * 5ULL)
#define A_SIZE		((u64)SZ_1G)
#define A_PAT		7

struct attr_ctx {
	struct rw_semaphore lock;
	struct xe_svm_attr_tree tree;
	/* what the changed callback saw */
	u64 changed[8][2];
	unsigned int nr_changed;
};

static int attr_test_init(struct kunit *test)
{
	struct attr_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	init_rwsem(&ctx->lock);
	KUNIT_ASSERT_EQ(test, xe_svm_attr_tree_init(&ctx->tree, &ctx->lock, A_BASE,
						    A_BASE + A_SIZE, A_PAT), 0);
	test->priv = ctx;

	return 0;
}

static void attr_test_exit(struct kunit *test)
{
	struct attr_ctx *ctx = test->priv;

	xe_svm_attr_tree_fini(&ctx->tree);
}

static void attr_record(void *arg, u64 start, u64 end)
{
	struct attr_ctx *ctx = arg;

	if (ctx->nr_changed < ARRAY_SIZE(ctx->changed)) {
		ctx->changed[ctx->nr_changed][0] = start - A_BASE;
		ctx->changed[ctx->nr_changed][1] = end - A_BASE;
	}
	ctx->nr_changed++;
}

/* Set [start, end) (offsets) and return the number of changed regions. */
static unsigned int attr_set(struct kunit *test, u64 start, u64 end, unsigned int mask,
			     const struct xe_svm_attr *val)
{
	struct attr_ctx *ctx = test->priv;
	struct xe_svm_attr_split split;
	unsigned int n;

	KUNIT_ASSERT_EQ(test, xe_svm_attr_split_prepare(&split), 0);
	ctx->nr_changed = 0;
	n = xe_svm_attr_set(&ctx->tree, &split, A_BASE + start, A_BASE + end, mask, val,
			    attr_record, ctx);
	xe_svm_attr_split_release(&split);

	return n;
}

/*
 * The regions, as offsets: they must cover the window in order without a
 * hole, each as listed in @want ([start, end) pairs, atomic mode).
 */
static void attr_expect_regions(struct kunit *test, const u64 (*want)[3], unsigned int n)
{
	struct attr_ctx *ctx = test->priv;
	struct xe_svm_attr_region *r;
	unsigned int i = 0;
	u64 at = A_BASE;

	for (r = xe_svm_attr_lookup(&ctx->tree, A_BASE); r && r->start < A_BASE + A_SIZE;
	     r = xe_svm_attr_next(&ctx->tree, r)) {
		KUNIT_EXPECT_EQ(test, r->start, at);
		KUNIT_EXPECT_LT(test, r->start, r->end);
		if (i < n) {
			KUNIT_EXPECT_EQ(test, r->start - A_BASE, want[i][0]);
			KUNIT_EXPECT_EQ(test, r->end - A_BASE, want[i][1]);
			KUNIT_EXPECT_EQ(test, r->attr.atomic, want[i][2]);
		}
		at = r->end;
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
	KUNIT_EXPECT_EQ(test, ctx->tree.regions, n);
	KUNIT_EXPECT_EQ(test, at, A_BASE + A_SIZE);
}

static const struct xe_svm_attr atomic_device = { .atomic = DRM_XE_ATOMIC_DEVICE };
static const struct xe_svm_attr atomic_global = { .atomic = DRM_XE_ATOMIC_GLOBAL };

static void __xe_svm_attr_default_test(struct kunit *test)
{
	struct attr_ctx *ctx = test->priv;
	static const u64 want[][3] = { { 0, A_SIZE, DRM_XE_ATOMIC_UNDEFINED } };
	struct xe_svm_attr_region *r;

	attr_expect_regions(test, want, 1);
	r = xe_svm_attr_lookup(&ctx->tree, A_BASE + 12345);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->attr.pat_index, A_PAT);
	KUNIT_EXPECT_EQ(test, r->attr.pref, XE_SVM_PREF_DEVICE);
	KUNIT_EXPECT_EQ(test, r->attr.devmem_fd, DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE);
	KUNIT_EXPECT_EQ(test, r->attr.migration_policy, DRM_XE_MIGRATE_ALL_PAGES);
	KUNIT_EXPECT_NULL(test, r->attr.dm);
	/* Outside the window there is nothing. */
	KUNIT_EXPECT_NULL(test, xe_svm_attr_lookup(&ctx->tree, A_BASE - 1));
	KUNIT_EXPECT_NULL(test, xe_svm_attr_lookup(&ctx->tree, A_BASE + A_SIZE));
}

static void __xe_svm_attr_split_inside_test(struct kunit *test)
{
	struct attr_ctx *ctx = test->priv;
	static const u64 want[][3] = {
		{ 0, SZ_4K, DRM_XE_ATOMIC_UNDEFINED },
		{ SZ_4K, SZ_8K, DRM_XE_ATOMIC_DEVICE },
		{ SZ_8K, A_SIZE, DRM_XE_ATOMIC_UNDEFINED },
	};

	KUNIT_EXPECT_EQ(test, attr_set(test, SZ_4K, SZ_8K, XE_SVM_ATTR_ATOMIC, &atomic_device), 1);
	KUNIT_EXPECT_EQ(test, ctx->changed[0][0], SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->changed[0][1], SZ_8K);
	attr_expect_regions(test, want, 3);

	/* The same value again changes nothing, and nothing merges. */
	KUNIT_EXPECT_EQ(test, attr_set(test, SZ_4K, SZ_8K, XE_SVM_ATTR_ATOMIC, &atomic_device), 0);
	attr_expect_regions(test, want, 3);
	/* Only the field of the mask is assigned: the PAT stays. */
	KUNIT_EXPECT_EQ(test, xe_svm_attr_lookup(&ctx->tree, A_BASE + SZ_4K)->attr.pat_index,
			A_PAT);
}

static void __xe_svm_attr_split_across_test(struct kunit *test)
{
	static const u64 want[][3] = {
		{ 0, SZ_4K, DRM_XE_ATOMIC_UNDEFINED },
		{ SZ_4K, SZ_8K, DRM_XE_ATOMIC_DEVICE },
		{ SZ_8K, SZ_16K, DRM_XE_ATOMIC_UNDEFINED },
		{ SZ_16K, SZ_32K, DRM_XE_ATOMIC_GLOBAL },
		{ SZ_32K, A_SIZE, DRM_XE_ATOMIC_UNDEFINED },
	};
	static const u64 want2[][3] = {
		{ 0, SZ_4K, DRM_XE_ATOMIC_UNDEFINED },
		{ SZ_4K, SZ_8K, DRM_XE_ATOMIC_GLOBAL },
		{ SZ_8K, SZ_16K, DRM_XE_ATOMIC_GLOBAL },
		{ SZ_16K, SZ_32K, DRM_XE_ATOMIC_GLOBAL },
		{ SZ_32K, SZ_64K, DRM_XE_ATOMIC_GLOBAL },
		{ SZ_64K, A_SIZE, DRM_XE_ATOMIC_UNDEFINED },
	};
	struct attr_ctx *ctx = test->priv;

	attr_set(test, SZ_4K, SZ_8K, XE_SVM_ATTR_ATOMIC, &atomic_device);
	attr_set(test, SZ_16K, SZ_32K, XE_SVM_ATTR_ATOMIC, &atomic_global);
	attr_expect_regions(test, want, 5);

	/* Across four regions, one of which already has the value. */
	KUNIT_EXPECT_EQ(test, attr_set(test, SZ_4K, SZ_64K, XE_SVM_ATTR_ATOMIC, &atomic_global),
			3);
	KUNIT_EXPECT_EQ(test, ctx->changed[0][0], SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->changed[1][0], SZ_8K);
	KUNIT_EXPECT_EQ(test, ctx->changed[2][0], SZ_32K);
	KUNIT_EXPECT_EQ(test, ctx->changed[2][1], SZ_64K);
	attr_expect_regions(test, want2, 6);

	/* Back to the defaults with a merge: one region again. */
	{
		struct xe_svm_attr def;
		static const u64 want3[][3] = { { 0, A_SIZE, DRM_XE_ATOMIC_UNDEFINED } };

		xe_svm_attr_default(&def, A_PAT);
		KUNIT_EXPECT_EQ(test, attr_set(test, SZ_4K, SZ_64K, XE_SVM_ATTR_ALL, &def), 4);
		xe_svm_attr_merge(&ctx->tree, A_BASE + SZ_4K, A_BASE + SZ_64K);
		attr_expect_regions(test, want3, 1);
	}
}

static void __xe_svm_attr_unaligned_test(struct kunit *test)
{
	/* A 2 MiB-unaligned stretch over a 64 KiB and a 4 KiB boundary. */
	static const u64 want[][3] = {
		{ 0, SZ_2M + SZ_64K, DRM_XE_ATOMIC_UNDEFINED },
		{ SZ_2M + SZ_64K, SZ_4M + SZ_4K, DRM_XE_ATOMIC_DEVICE },
		{ SZ_4M + SZ_4K, A_SIZE, DRM_XE_ATOMIC_UNDEFINED },
	};
	/* At the very ends of the window: no empty region. */
	static const u64 want2[][3] = {
		{ 0, SZ_4K, DRM_XE_ATOMIC_GLOBAL },
		{ SZ_4K, SZ_2M + SZ_64K, DRM_XE_ATOMIC_UNDEFINED },
		{ SZ_2M + SZ_64K, SZ_4M + SZ_4K, DRM_XE_ATOMIC_DEVICE },
		{ SZ_4M + SZ_4K, A_SIZE - SZ_4K, DRM_XE_ATOMIC_UNDEFINED },
		{ A_SIZE - SZ_4K, A_SIZE, DRM_XE_ATOMIC_GLOBAL },
	};

	attr_set(test, SZ_2M + SZ_64K, SZ_4M + SZ_4K, XE_SVM_ATTR_ATOMIC, &atomic_device);
	attr_expect_regions(test, want, 3);
	attr_set(test, 0, SZ_4K, XE_SVM_ATTR_ATOMIC, &atomic_global);
	attr_set(test, A_SIZE - SZ_4K, A_SIZE, XE_SVM_ATTR_ATOMIC, &atomic_global);
	attr_expect_regions(test, want2, 5);
}

/*
 * Random changes against a model that keeps one value per page: after
 * each, every page must read back its model value and the regions must
 * tile the window.
 */
#define A_PAGES	96

static void __xe_svm_attr_random_test(struct kunit *test)
{
	struct attr_ctx *ctx = test->priv;
	u8 model[A_PAGES] = {};
	struct rnd_state rnd;
	unsigned int iter, i;

	prandom_seed_state(&rnd, 0x5eed);
	for (iter = 0; iter < 400; iter++) {
		u32 a = prandom_u32_state(&rnd) % A_PAGES;
		u32 b = prandom_u32_state(&rnd) % A_PAGES;
		struct xe_svm_attr val = { .atomic = prandom_u32_state(&rnd) % 4 };
		unsigned int changed = 0;

		if (a > b)
			swap(a, b);
		b++;
		for (i = a; i < b; i++)
			changed += model[i] != val.atomic;
		for (i = a; i < b; i++)
			model[i] = val.atomic;
		attr_set(test, (u64)a * SZ_4K, (u64)b * SZ_4K, XE_SVM_ATTR_ATOMIC, &val);
		/* Every changed page lies in a region the callback named. */
		KUNIT_EXPECT_EQ(test, !!changed, !!ctx->nr_changed);
		if (iter % 50 == 49)
			xe_svm_attr_merge(&ctx->tree, A_BASE, A_BASE + A_SIZE);

		for (i = 0; i < A_PAGES; i++) {
			struct xe_svm_attr_region *r =
				xe_svm_attr_lookup(&ctx->tree, A_BASE + (u64)i * SZ_4K);

			KUNIT_ASSERT_NOT_NULL(test, r);
			KUNIT_ASSERT_EQ_MSG(test, r->attr.atomic, model[i], "iter %u page %u",
					    iter, i);
		}
	}
	/* After a full merge no two neighbours are equal. */
	xe_svm_attr_merge(&ctx->tree, A_BASE, A_BASE + A_SIZE);
	{
		struct xe_svm_attr_region *r, *prev = NULL;
		unsigned int runs = 1;

		for (i = 1; i < A_PAGES; i++)
			runs += model[i] != model[i - 1];
		/* The last model page and the rest of the window may differ. */
		runs += model[A_PAGES - 1] != DRM_XE_ATOMIC_UNDEFINED;
		for (r = xe_svm_attr_lookup(&ctx->tree, A_BASE); r && r->start < A_BASE + A_SIZE;
		     r = xe_svm_attr_next(&ctx->tree, r)) {
			if (prev)
				KUNIT_EXPECT_FALSE(test, xe_svm_attr_equal(&prev->attr, &r->attr));
			prev = r;
		}
		KUNIT_EXPECT_EQ(test, ctx->tree.regions, runs);
	}
}

/* The tree is read and changed under its lock, as the VM lock guards it. */
#define ATTR_LOCKED_TEST(name)						\
static void name(struct kunit *test)					\
{									\
	struct attr_ctx *ctx = test->priv;				\
									\
	down_write(&ctx->lock);						\
	__##name(test);							\
	up_write(&ctx->lock);						\
}

ATTR_LOCKED_TEST(xe_svm_attr_default_test)
ATTR_LOCKED_TEST(xe_svm_attr_split_inside_test)
ATTR_LOCKED_TEST(xe_svm_attr_split_across_test)
ATTR_LOCKED_TEST(xe_svm_attr_unaligned_test)
ATTR_LOCKED_TEST(xe_svm_attr_random_test)

static struct kunit_case xe_svm_attr_tests[] = {
	KUNIT_CASE(xe_svm_attr_default_test),
	KUNIT_CASE(xe_svm_attr_split_inside_test),
	KUNIT_CASE(xe_svm_attr_split_across_test),
	KUNIT_CASE(xe_svm_attr_unaligned_test),
	KUNIT_CASE(xe_svm_attr_random_test),
	{}
};

static struct kunit_suite xe_svm_attr_test_suite = {
	.name = "xe_svm_attr",
	.init = attr_test_init,
	.exit = attr_test_exit,
	.test_cases = xe_svm_attr_tests,
};

kunit_test_suite(xe_svm_attr_test_suite);
