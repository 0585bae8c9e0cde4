// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <kunit/test.h>

#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/slab.h>

/*
 * Included at the end of xe_svm_range.c: the tests see its static helpers.
 * Addresses below are offsets from a 1 GiB-aligned base, so that every
 * case is also a case at a high address.
 */

#define T_BASE		(SZ_1G * 3ULL)
#define T_MAX_EXISTING	4

struct chunk_case {
	const char *name;
	/* VMA and window, as offsets from T_BASE, [start, end) */
	u64 vma_start, vma_end, win_start, win_end;
	/* existing ranges, [start, end) offsets; end == 0 ends the list */
	u64 existing[T_MAX_EXISTING][2];
	u64 addr;
	int err;
	/* expected chunk when err == 0, [start, end) offsets */
	u64 start, end;
};

/* The sizes both backends choose: 2 MiB, 64 KiB and 4 KiB pages */
static const u64 hw_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

static const struct chunk_case chunk_cases[] = {
	{ "2M in a large VMA", 0, SZ_16M, 0, SZ_1G, {}, SZ_4M + 12345, 0, SZ_4M, SZ_4M + SZ_2M },
	{ "2M at the first byte of the VMA", SZ_2M, SZ_8M, 0, SZ_1G, {}, SZ_2M, 0, SZ_2M, SZ_4M },
	{ "2M at the last byte of the VMA", SZ_2M, SZ_8M, 0, SZ_1G, {}, SZ_8M - 1, 0,
	  SZ_8M - SZ_2M, SZ_8M },
	{ "2M VMA exactly", SZ_2M, SZ_4M, 0, SZ_1G, {}, SZ_2M + SZ_1M, 0, SZ_2M, SZ_4M },
	{ "VMA starts inside the 2M block: 64K", SZ_2M + SZ_64K, SZ_8M, 0, SZ_1G, {},
	  SZ_2M + SZ_64K + 100, 0, SZ_2M + SZ_64K, SZ_2M + SZ_128K },
	{ "VMA starts 4K into a 64K block: 4K", SZ_2M + SZ_4K, SZ_8M, 0, SZ_1G, {},
	  SZ_2M + SZ_4K, 0, SZ_2M + SZ_4K, SZ_2M + SZ_8K },
	{ "same VMA, next 64K block is whole: 64K", SZ_2M + SZ_4K, SZ_8M, 0, SZ_1G, {},
	  SZ_2M + SZ_64K, 0, SZ_2M + SZ_64K, SZ_2M + SZ_128K },
	{ "VMA ends inside the 2M block: 64K", 0, SZ_2M + SZ_128K, 0, SZ_1G, {},
	  SZ_2M + SZ_64K, 0, SZ_2M + SZ_64K, SZ_2M + SZ_128K },
	{ "VMA ends 4K into a 64K block: 4K", 0, SZ_2M + SZ_4K, 0, SZ_1G, {},
	  SZ_2M, 0, SZ_2M, SZ_2M + SZ_4K },
	{ "one-page VMA", SZ_1M, SZ_1M + SZ_4K, 0, SZ_1G, {}, SZ_1M + 7, 0, SZ_1M, SZ_1M + SZ_4K },
	{ "64K VMA exactly", SZ_1M, SZ_1M + SZ_64K, 0, SZ_1G, {}, SZ_1M + SZ_32K, 0,
	  SZ_1M, SZ_1M + SZ_64K },
	{ "64K + 4K VMA, tail page", SZ_1M, SZ_1M + SZ_64K + SZ_4K, 0, SZ_1G, {},
	  SZ_1M + SZ_64K, 0, SZ_1M + SZ_64K, SZ_1M + SZ_64K + SZ_4K },
	{ "64K - 4K VMA: 4K", SZ_1M, SZ_1M + SZ_64K - SZ_4K, 0, SZ_1G, {}, SZ_1M + SZ_8K, 0,
	  SZ_1M + SZ_8K, SZ_1M + SZ_8K + SZ_4K },
	{ "window starts inside the 2M block: 64K", 0, SZ_16M, SZ_2M + SZ_64K, SZ_1G, {},
	  SZ_2M + SZ_64K, 0, SZ_2M + SZ_64K, SZ_2M + SZ_128K },
	{ "window ends inside the 2M block: 64K", 0, SZ_16M, 0, SZ_2M + SZ_64K, {},
	  SZ_2M, 0, SZ_2M, SZ_2M + SZ_64K },
	{ "window ends 4K into a 64K block: 4K", 0, SZ_16M, 0, SZ_2M + SZ_4K, {},
	  SZ_2M, 0, SZ_2M, SZ_2M + SZ_4K },
	{ "neighbour in the 2M block: 64K", 0, SZ_16M, 0, SZ_1G, { { SZ_2M, SZ_2M + SZ_64K } },
	  SZ_2M + SZ_1M, 0, SZ_2M + SZ_1M, SZ_2M + SZ_1M + SZ_64K },
	{ "neighbour in the 64K block: 4K", 0, SZ_16M, 0, SZ_1G,
	  { { SZ_2M + SZ_4K, SZ_2M + SZ_8K } }, SZ_2M, 0, SZ_2M, SZ_2M + SZ_4K },
	{ "neighbours on both sides: 4K between them", 0, SZ_16M, 0, SZ_1G,
	  { { SZ_2M, SZ_2M + SZ_4K }, { SZ_2M + SZ_8K, SZ_2M + SZ_64K } },
	  SZ_2M + SZ_4K + 1, 0, SZ_2M + SZ_4K, SZ_2M + SZ_8K },
	{ "neighbour in the previous 2M block: 2M", 0, SZ_16M, 0, SZ_1G,
	  { { SZ_2M - SZ_4K, SZ_2M } }, SZ_2M, 0, SZ_2M, SZ_4M },
	{ "inside an existing range", 0, SZ_16M, 0, SZ_1G, { { SZ_2M, SZ_4M } },
	  SZ_2M + SZ_1M, -EEXIST },
	{ "inside an existing 4K range", 0, SZ_16M, 0, SZ_1G, { { SZ_2M, SZ_2M + SZ_4K } },
	  SZ_2M + SZ_4K - 1, -EEXIST },
	{ "below the VMA", SZ_2M, SZ_4M, 0, SZ_1G, {}, SZ_2M - 1, -EFAULT },
	{ "at the VMA end", SZ_2M, SZ_4M, 0, SZ_1G, {}, SZ_4M, -EFAULT },
	{ "below the window", 0, SZ_16M, SZ_2M, SZ_1G, {}, SZ_1M, -EFAULT },
	{ "at the window end", 0, SZ_16M, 0, SZ_4M, {}, SZ_4M, -EFAULT },
	{ "VMA and window disjoint", 0, SZ_2M, SZ_4M, SZ_8M, {}, SZ_1M, -EFAULT },
	{ "unaligned VMA", 100, SZ_2M, 0, SZ_1G, {}, SZ_1M, -EINVAL },
	{ "empty window", 0, SZ_2M, SZ_4M, SZ_4M, {}, SZ_1M, -EINVAL },
};

static void chunk_case_desc(const struct chunk_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(chunk, chunk_cases, chunk_case_desc);

struct range_test_ctx {
	struct rw_semaphore lock;
	struct xe_svm_range_tree tree;
};

static int range_test_init(struct kunit *test)
{
	struct range_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	init_rwsem(&ctx->lock);
	xe_svm_range_tree_init(&ctx->tree, &ctx->lock);
	test->priv = ctx;

	return 0;
}

static struct xe_svm_range *new_range(struct kunit *test, u64 start, u64 end)
{
	struct xe_svm_range *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->start = start;
	r->last = end - 1;
	return r;
}

static void xe_svm_range_chunk_test(struct kunit *test)
{
	const struct chunk_case *c = test->param_value;
	struct range_test_ctx *ctx = test->priv;
	struct xe_svm_chunk_limits lim = {
		.sizes = hw_sizes,
		.nr_sizes = ARRAY_SIZE(hw_sizes),
		.vma_start = T_BASE + c->vma_start,
		.vma_end = T_BASE + c->vma_end,
		.win_start = T_BASE + c->win_start,
		.win_end = T_BASE + c->win_end,
	};
	u64 start = 0xdead, end = 0xbeef;
	int i, err;

	down_write(&ctx->lock);
	for (i = 0; i < T_MAX_EXISTING && c->existing[i][1]; i++)
		xe_svm_range_insert(&ctx->tree, new_range(test, T_BASE + c->existing[i][0],
							  T_BASE + c->existing[i][1]));
	downgrade_write(&ctx->lock);

	err = xe_svm_range_chunk(&ctx->tree, &lim, T_BASE + c->addr, &start, &end);
	up_read(&ctx->lock);

	KUNIT_EXPECT_EQ(test, err, c->err);
	if (c->err) {
		/* A failed call leaves the outputs alone. */
		KUNIT_EXPECT_EQ(test, start, 0xdead);
		KUNIT_EXPECT_EQ(test, end, 0xbeef);
		return;
	}
	KUNIT_EXPECT_EQ(test, start, T_BASE + c->start);
	KUNIT_EXPECT_EQ(test, end, T_BASE + c->end);
	/* Whatever was chosen is aligned to its size and contains addr. */
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(start, end - start));
	KUNIT_EXPECT_LE(test, start, T_BASE + c->addr);
	KUNIT_EXPECT_GT(test, end, T_BASE + c->addr);
}

/* The top of the 64-bit space must not wrap when a chunk end is computed. */
static void xe_svm_range_chunk_top_test(struct kunit *test)
{
	struct range_test_ctx *ctx = test->priv;
	struct xe_svm_chunk_limits lim = {
		.sizes = hw_sizes,
		.nr_sizes = ARRAY_SIZE(hw_sizes),
		.vma_start = 0ULL - SZ_4M,
		.vma_end = 0ULL - SZ_4K,
		.win_start = 0ULL - SZ_8M,
		.win_end = 0ULL - SZ_4K,
	};
	u64 start, end;

	down_read(&ctx->lock);
	KUNIT_EXPECT_EQ(test, xe_svm_range_chunk(&ctx->tree, &lim, 0ULL - SZ_8K,
						 &start, &end), 0);
	KUNIT_EXPECT_EQ(test, start, 0ULL - SZ_8K);
	KUNIT_EXPECT_EQ(test, end, 0ULL - SZ_4K);
	KUNIT_EXPECT_EQ(test, xe_svm_range_chunk(&ctx->tree, &lim, 0ULL - SZ_4M,
						 &start, &end), 0);
	KUNIT_EXPECT_EQ(test, start, 0ULL - SZ_4M);
	KUNIT_EXPECT_EQ(test, end, 0ULL - SZ_2M);
	up_read(&ctx->lock);
}

static void xe_svm_range_tree_basic_test(struct kunit *test)
{
	struct range_test_ctx *ctx = test->priv;
	struct xe_svm_range *a = new_range(test, SZ_2M, SZ_4M);
	struct xe_svm_range *b = new_range(test, SZ_4M + SZ_64K, SZ_4M + SZ_128K);
	struct xe_svm_range *c = new_range(test, SZ_8M, SZ_8M + SZ_4K);
	struct xe_svm_range *r;

	down_write(&ctx->lock);
	KUNIT_EXPECT_TRUE(test, xe_svm_range_tree_empty(&ctx->tree));
	KUNIT_EXPECT_NULL(test, xe_svm_range_lookup(&ctx->tree, SZ_2M));

	xe_svm_range_insert(&ctx->tree, c);
	xe_svm_range_insert(&ctx->tree, a);
	xe_svm_range_insert(&ctx->tree, b);
	KUNIT_EXPECT_FALSE(test, xe_svm_range_tree_empty(&ctx->tree));
	KUNIT_EXPECT_EQ(test, xe_svm_range_size(a), SZ_2M);
	KUNIT_EXPECT_EQ(test, xe_svm_range_size(b), SZ_64K);
	KUNIT_EXPECT_EQ(test, xe_svm_range_size(c), SZ_4K);

	/* Lookup at the first byte, the last byte, and just outside. */
	KUNIT_EXPECT_PTR_EQ(test, xe_svm_range_lookup(&ctx->tree, SZ_2M), a);
	KUNIT_EXPECT_PTR_EQ(test, xe_svm_range_lookup(&ctx->tree, SZ_4M - 1), a);
	KUNIT_EXPECT_NULL(test, xe_svm_range_lookup(&ctx->tree, SZ_2M - 1));
	KUNIT_EXPECT_NULL(test, xe_svm_range_lookup(&ctx->tree, SZ_4M));
	KUNIT_EXPECT_PTR_EQ(test, xe_svm_range_lookup(&ctx->tree, SZ_4M + SZ_64K), b);
	KUNIT_EXPECT_PTR_EQ(test, xe_svm_range_lookup(&ctx->tree, SZ_8M + 4095), c);
	KUNIT_EXPECT_NULL(test, xe_svm_range_lookup(&ctx->tree, SZ_8M + SZ_4K));

	/* Iteration over an interval comes in address order. */
	r = xe_svm_range_first(&ctx->tree, SZ_4M - 1, SZ_8M + 1);
	KUNIT_EXPECT_PTR_EQ(test, r, a);
	r = xe_svm_range_next(&ctx->tree, r, SZ_4M - 1, SZ_8M + 1);
	KUNIT_EXPECT_PTR_EQ(test, r, b);
	r = xe_svm_range_next(&ctx->tree, r, SZ_4M - 1, SZ_8M + 1);
	KUNIT_EXPECT_PTR_EQ(test, r, c);
	r = xe_svm_range_next(&ctx->tree, r, SZ_4M - 1, SZ_8M + 1);
	KUNIT_EXPECT_NULL(test, r);
	/* The end of the interval is exclusive. */
	KUNIT_EXPECT_NULL(test, xe_svm_range_first(&ctx->tree, SZ_4M, SZ_4M + SZ_64K));

	xe_svm_range_remove(&ctx->tree, b);
	KUNIT_EXPECT_NULL(test, xe_svm_range_lookup(&ctx->tree, SZ_4M + SZ_64K));
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_NODE(&b->rb));
	xe_svm_range_remove(&ctx->tree, a);
	xe_svm_range_remove(&ctx->tree, c);
	KUNIT_EXPECT_TRUE(test, xe_svm_range_tree_empty(&ctx->tree));
	up_write(&ctx->lock);
}

/*
 * Fill a window with ranges the way faults would (random addresses, each
 * new range sized by xe_svm_range_chunk()), then check every page against
 * a brute-force map of which range owns it.
 */
#define RAND_PAGES	2048	/* an 8 MiB window */

static void xe_svm_range_tree_random_test(struct kunit *test)
{
	struct range_test_ctx *ctx = test->priv;
	struct xe_svm_chunk_limits lim = {
		.sizes = hw_sizes,
		.nr_sizes = ARRAY_SIZE(hw_sizes),
		.vma_start = T_BASE + SZ_64K + SZ_4K,	/* odd edges on purpose */
		.vma_end = T_BASE + RAND_PAGES * SZ_4K - SZ_4K,
		.win_start = T_BASE,
		.win_end = T_BASE + RAND_PAGES * SZ_4K,
	};
	struct xe_svm_range **owner;
	struct rnd_state rnd;
	unsigned int i, p, inserted = 0;
	u32 seed = get_random_u32();

	kunit_info(test, "seed %u\n", seed);
	prandom_seed_state(&rnd, seed);
	owner = kunit_kcalloc(test, RAND_PAGES, sizeof(*owner), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, owner);

	down_write(&ctx->lock);
	for (i = 0; i < 4 * RAND_PAGES; i++) {
		u64 addr = T_BASE + prandom_u32_state(&rnd) % (RAND_PAGES * SZ_4K);
		struct xe_svm_range *r;
		u64 start, end;
		int err;

		err = xe_svm_range_chunk(&ctx->tree, &lim, addr, &start, &end);
		if (addr < lim.vma_start || addr >= lim.vma_end) {
			KUNIT_ASSERT_EQ(test, err, -EFAULT);
			continue;
		}
		if (owner[(addr - T_BASE) / SZ_4K]) {
			KUNIT_ASSERT_EQ(test, err, -EEXIST);
			continue;
		}
		KUNIT_ASSERT_EQ(test, err, 0);
		r = new_range(test, start, end);
		xe_svm_range_insert(&ctx->tree, r);
		inserted++;
		for (p = (start - T_BASE) / SZ_4K; p < (end - T_BASE) / SZ_4K; p++) {
			/* The new range must not cover a page someone owns. */
			KUNIT_ASSERT_NULL(test, owner[p]);
			owner[p] = r;
		}
	}
	for (p = 0; p < RAND_PAGES; p++)
		KUNIT_ASSERT_PTR_EQ(test, xe_svm_range_lookup(&ctx->tree, T_BASE + p * SZ_4K),
				    owner[p]);
	kunit_info(test, "%u ranges\n", inserted);

	for (p = 0; p < RAND_PAGES; p++) {
		if (owner[p] && !RB_EMPTY_NODE(&owner[p]->rb) &&
		    owner[p]->start == T_BASE + p * SZ_4K)
			xe_svm_range_remove(&ctx->tree, owner[p]);
	}
	KUNIT_EXPECT_TRUE(test, xe_svm_range_tree_empty(&ctx->tree));
	up_write(&ctx->lock);
}

/* A backend with other page sizes gets ranges of those sizes. */
static void xe_svm_range_chunk_sizes_test(struct kunit *test)
{
	static const u64 sizes[] = { SZ_1M, SZ_16K, SZ_4K };
	struct range_test_ctx *ctx = test->priv;
	struct xe_svm_chunk_limits lim = {
		.sizes = sizes,
		.nr_sizes = ARRAY_SIZE(sizes),
		.vma_start = T_BASE,
		.vma_end = T_BASE + SZ_4M,
		.win_start = T_BASE,
		.win_end = T_BASE + SZ_4M,
	};
	u64 start, end;

	down_write(&ctx->lock);
	KUNIT_EXPECT_EQ(test, xe_svm_range_chunk(&ctx->tree, &lim, T_BASE + SZ_1M + 5,
						 &start, &end), 0);
	KUNIT_EXPECT_EQ(test, start, T_BASE + SZ_1M);
	KUNIT_EXPECT_EQ(test, end, T_BASE + SZ_2M);

	/* a 4K range in the way: the 16K around the address, not 64K */
	xe_svm_range_insert(&ctx->tree, new_range(test, T_BASE + SZ_64K,
						  T_BASE + SZ_64K + SZ_4K));
	KUNIT_EXPECT_EQ(test, xe_svm_range_chunk(&ctx->tree, &lim, T_BASE + SZ_32K,
						 &start, &end), 0);
	KUNIT_EXPECT_EQ(test, start, T_BASE + SZ_32K);
	KUNIT_EXPECT_EQ(test, end, T_BASE + SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, xe_svm_range_chunk(&ctx->tree, &lim, T_BASE + SZ_64K + SZ_8K,
						 &start, &end), 0);
	KUNIT_EXPECT_EQ(test, start, T_BASE + SZ_64K + SZ_8K);
	KUNIT_EXPECT_EQ(test, end, T_BASE + SZ_64K + SZ_8K + SZ_4K);

	/* no sizes at all */
	lim.nr_sizes = 0;
	KUNIT_EXPECT_EQ(test, xe_svm_range_chunk(&ctx->tree, &lim, T_BASE, &start, &end),
			-EINVAL);
	up_write(&ctx->lock);
}

static struct kunit_case xe_svm_range_tests[] = {
	KUNIT_CASE_PARAM(xe_svm_range_chunk_test, chunk_gen_params),
	KUNIT_CASE(xe_svm_range_chunk_top_test),
	KUNIT_CASE(xe_svm_range_chunk_sizes_test),
	KUNIT_CASE(xe_svm_range_tree_basic_test),
	KUNIT_CASE(xe_svm_range_tree_random_test),
	{}
};

static struct kunit_suite xe_svm_range_test_suite = {
	.name = "xe_svm_range",
	.init = range_test_init,
	.test_cases = xe_svm_range_tests,
};

kunit_test_suite(xe_svm_range_test_suite);
