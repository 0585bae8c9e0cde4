// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <kunit/device.h>
#include <kunit/test.h>

#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/hmm.h>
#include <linux/mman.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

/*
 * Included at the end of xe_svm.c. The tests run against the real mm of
 * the KUnit thread (kunit_vm_mmap()), with a fake backend that records
 * what the core asks it to zap. Everything that needs the mm (munmap,
 * madvise, xe_svm_fini()) runs in the test body, never in exit handlers,
 * which run without the mm.
 */

struct svm_test_ctx {
	struct rw_semaphore vm_lock;
	struct xe_svm svm;
	/* what the fake backend was asked */
	unsigned int zaps;
	u64 zap_start, zap_end;
	unsigned int invalidate_alls, unbinds;
	unsigned int range_allocs, range_frees;
	u64 unbind_start;
	/* unbind calls, and the most ranges one call got */
	unsigned int unbind_calls, unbind_max;
	unsigned int binds;
	/* prepare calls, the binds done before the last, and its result */
	unsigned int prepares, binds_at_prepare;
	int prepare_err;
	unsigned long bound_pages, bound_valid, bound_writable;
	unsigned int bound_max_order;
	u64 first_word;
};

static void svm_test_invalidate(struct xe_svm *svm, struct xe_svm_range *range,
				u64 start, u64 end)
{
	struct svm_test_ctx *ctx = container_of(svm, struct svm_test_ctx, svm);

	xe_svm_assert_in_notifier(svm);
	ctx->zaps++;
	ctx->zap_start = start;
	ctx->zap_end = end;
}

/* The fake backend's ranges: the core's, with a tag of the backend's own */
struct svm_test_range {
	struct xe_svm_range base;
	u32 magic;
};

#define SVM_TEST_RANGE_MAGIC	0x5356524d

static struct xe_svm_range *svm_test_range_alloc(struct xe_svm *svm)
{
	struct svm_test_ctx *ctx = container_of(svm, struct svm_test_ctx, svm);
	struct svm_test_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	xe_svm_assert_vm_locked_write(svm);
	if (!r)
		return NULL;
	r->magic = SVM_TEST_RANGE_MAGIC;
	ctx->range_allocs++;
	return &r->base;
}

static void svm_test_range_free(struct xe_svm_range *range)
{
	struct svm_test_range *r = container_of(range, struct svm_test_range, base);
	struct svm_test_ctx *ctx = container_of(range->svm, struct svm_test_ctx, svm);

	WARN_ON(r->magic != SVM_TEST_RANGE_MAGIC);
	ctx->range_frees++;
	kfree(r);
}

static void svm_test_invalidate_all(struct xe_svm *svm)
{
	struct svm_test_ctx *ctx = container_of(svm, struct svm_test_ctx, svm);

	xe_svm_assert_vm_locked_write(svm);
	lockdep_assert_held_write(&svm->notifier_lock);
	ctx->invalidate_alls++;
}

static void svm_test_unbind(struct xe_svm *svm, struct xe_svm_range **ranges,
			    unsigned int count)
{
	struct svm_test_ctx *ctx = container_of(svm, struct svm_test_ctx, svm);

	xe_svm_assert_vm_locked_write(svm);
	lockdep_assert_not_held(&svm->notifier_lock);
	ctx->unbind_calls++;
	ctx->unbinds += count;
	ctx->unbind_max = max(ctx->unbind_max, count);
	ctx->unbind_start = ranges[0]->start;
}

static int svm_test_prepare(struct xe_svm *svm, struct xe_svm_range *range)
{
	struct svm_test_ctx *ctx = container_of(svm, struct svm_test_ctx, svm);

	xe_svm_assert_vm_locked_write(svm);
	lockdep_assert_not_held(&svm->notifier_lock);
	might_sleep();
	ctx->prepares++;
	ctx->binds_at_prepare = ctx->binds;
	return ctx->prepare_err;
}

static int svm_test_bind(struct xe_svm *svm, struct xe_svm_range *range,
			 const unsigned long *pfns)
{
	struct svm_test_ctx *ctx = container_of(svm, struct svm_test_ctx, svm);
	unsigned long i, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	u64 *p;

	lockdep_assert_held_read(&svm->notifier_lock);
	ctx->binds++;
	ctx->bound_pages = npages;
	ctx->bound_valid = 0;
	ctx->bound_writable = 0;
	ctx->bound_max_order = 0;
	for (i = 0; i < npages; i++) {
		ctx->bound_max_order = max(ctx->bound_max_order,
					   hmm_pfn_to_map_order(pfns[i]));
		ctx->bound_valid += !!(pfns[i] & HMM_PFN_VALID);
		ctx->bound_writable += !!(pfns[i] & HMM_PFN_WRITE);
	}
	/* What the "GPU" would read at the start of the range. */
	if (pfns[0] & HMM_PFN_VALID) {
		p = kmap_local_page(hmm_pfn_to_page(pfns[0]));
		ctx->first_word = p[0];
		kunmap_local(p);
	}
	return 0;
}

static const u64 svm_test_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

static const struct xe_svm_ops svm_test_ops = {
	.chunk_sizes = svm_test_chunk_sizes,
	.nr_chunk_sizes = ARRAY_SIZE(svm_test_chunk_sizes),
	.range_alloc = svm_test_range_alloc,
	.range_free = svm_test_range_free,
	.prepare = svm_test_prepare,
	.invalidate = svm_test_invalidate,
	.invalidate_all = svm_test_invalidate_all,
	.unbind = svm_test_unbind,
	.bind = svm_test_bind,
};

/* An 8 MiB private anonymous mapping and an SVM context mirroring all. */
static unsigned long svm_test_setup(struct kunit *test, struct svm_test_ctx **pctx)
{
	struct svm_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct device *dev = kunit_device_register(test, "xe_svm_test");
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	addr = kunit_vm_mmap(test, NULL, 0, SZ_8M, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_NE(test, addr, 0);

	init_rwsem(&ctx->vm_lock);
	KUNIT_ASSERT_EQ(test, xe_svm_init(&ctx->svm, &svm_test_ops, dev, current->mm,
					  &ctx->vm_lock, 0, TASK_SIZE), 0);
	*pctx = ctx;
	return addr;
}

/* A GPU fault at @addr in a mirror binding that covers all of the window. */
static struct xe_svm_range *svm_test_find_or_create(struct svm_test_ctx *ctx, u64 addr)
{
	return xe_svm_range_find_or_create(&ctx->svm, addr, 0, U64_MAX);
}

static void xe_svm_init_bad_window_test(struct kunit *test)
{
	struct rw_semaphore lock;
	struct xe_svm svm;

	init_rwsem(&lock);
	KUNIT_EXPECT_EQ(test, xe_svm_init(&svm, &svm_test_ops, NULL, current->mm, &lock,
					  SZ_2M, SZ_2M), -EINVAL);
	KUNIT_EXPECT_EQ(test, xe_svm_init(&svm, &svm_test_ops, NULL, current->mm, &lock,
					  SZ_4M, SZ_2M), -EINVAL);
	KUNIT_EXPECT_EQ(test, xe_svm_init(&svm, &svm_test_ops, NULL, current->mm, &lock,
					  100, SZ_2M), -EINVAL);
}

/* Chunk sizes a backend may not choose: nothing is set up for them. */
static void xe_svm_init_bad_chunk_sizes_test(struct kunit *test)
{
	static const u64 no_page[] = { SZ_2M, SZ_64K };
	static const u64 ascending[] = { SZ_64K, SZ_2M, SZ_4K };
	static const u64 twice[] = { SZ_64K, SZ_64K, SZ_4K };
	static const u64 odd[] = { SZ_64K + SZ_4K, SZ_4K };
	static const u64 huge[] = { SZ_4M, SZ_4K };
	static const u64 page[] = { SZ_4K };
	static const struct {
		const u64 *sizes;
		unsigned int nr;
	} bad[] = {
		{ NULL, 0 }, { page, 0 }, { NULL, 1 },
		{ no_page, ARRAY_SIZE(no_page) }, { ascending, ARRAY_SIZE(ascending) },
		{ twice, ARRAY_SIZE(twice) }, { odd, ARRAY_SIZE(odd) },
		{ huge, ARRAY_SIZE(huge) },
		/* the last case: valid sizes, range_alloc without range_free */
		{ page, ARRAY_SIZE(page) },
	};
	struct xe_svm_ops ops = svm_test_ops;
	struct rw_semaphore lock;
	struct xe_svm svm;
	unsigned int i;

	init_rwsem(&lock);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ops.chunk_sizes = bad[i].sizes;
		ops.nr_chunk_sizes = bad[i].nr;
		if (i == ARRAY_SIZE(bad) - 1)
			ops.range_free = NULL;
		memset(&svm, 0, sizeof(svm));
		KUNIT_EXPECT_EQ_MSG(test, xe_svm_init(&svm, &ops, NULL, current->mm, &lock,
						      0, SZ_1G), -EINVAL, "case %u", i);
		KUNIT_EXPECT_NULL_MSG(test, svm.mm, "case %u", i);
	}
}

static void xe_svm_create_lookup_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	u64 x = addr + SZ_2M + SZ_1M + 5;
	struct xe_svm_range *r, *again;

	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, x);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	/* The 2 MiB block around x lies inside the 8 MiB mapping. */
	KUNIT_EXPECT_EQ(test, r->start, ALIGN_DOWN(x, SZ_2M));
	KUNIT_EXPECT_EQ(test, xe_svm_range_size(r), SZ_2M);
	KUNIT_EXPECT_PTR_EQ(test, r->svm, &ctx->svm);

	again = svm_test_find_or_create(ctx, r->last);
	KUNIT_EXPECT_PTR_EQ(test, again, r);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_created), 1);

	/* No VMA below the mapping's start page, nothing outside the window. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(svm_test_find_or_create(ctx, addr - 1)),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(svm_test_find_or_create(ctx, TASK_SIZE)),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 0);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
	/* Teardown zapped and freed the range, without unbinding it. */
	KUNIT_EXPECT_EQ(test, ctx->invalidate_alls, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 0);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->zap_start, ALIGN_DOWN(x, SZ_2M));
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_destroyed), 1);
}

static void xe_svm_munmap_collects_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	u64 x = ALIGN(addr, SZ_2M) + SZ_2M;
	u64 hole = x + SZ_64K;
	struct xe_svm_range *r;
	unsigned long flags;

	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, x);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, r->start, x);
	KUNIT_ASSERT_EQ(test, xe_svm_range_size(r), SZ_2M);

	/*
	 * Unmap one page in the middle of the range. The VM lock (taken
	 * before the mmap lock, as documented) keeps the collector from
	 * freeing the range while it is inspected.
	 */
	KUNIT_ASSERT_EQ(test, vm_munmap(hole, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->zap_start, hole);
	KUNIT_EXPECT_EQ(test, ctx->zap_end, hole + SZ_4K);
	down_read(&ctx->svm.notifier_lock);
	flags = r->flags;
	up_read(&ctx->svm.notifier_lock);
	KUNIT_EXPECT_TRUE(test, test_bit(XE_SVM_RANGE_UNMAPPED, &flags));
	KUNIT_EXPECT_TRUE(test, test_bit(XE_SVM_RANGE_PARTIAL_UNMAP, &flags));
	KUNIT_EXPECT_PTR_EQ(test, xe_svm_range_lookup(&ctx->svm.ranges, x), r);
	up_write(&ctx->vm_lock);

	/* The collector frees it from process context, zapping what is left. */
	flush_work(&ctx->svm.gc_work);
	down_write(&ctx->vm_lock);
	KUNIT_EXPECT_TRUE(test, xe_svm_range_tree_empty(&ctx->svm.ranges));
	KUNIT_EXPECT_EQ(test, ctx->zaps, 2);
	KUNIT_EXPECT_EQ(test, ctx->zap_start, x);
	KUNIT_EXPECT_EQ(test, ctx->zap_end, x + SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_destroyed), 1);
	/* and the backend released its page tables for it */
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbind_start, x);

	/* The hole faults cleanly; its neighbours get ranges that avoid it. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(svm_test_find_or_create(ctx, hole)),
			-EFAULT);
	r = svm_test_find_or_create(ctx, hole - 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->start, x);
	KUNIT_EXPECT_EQ(test, xe_svm_range_size(r), SZ_64K);
	r = svm_test_find_or_create(ctx, hole + SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->start, hole + SZ_4K);
	KUNIT_EXPECT_EQ(test, xe_svm_range_size(r), SZ_4K);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_destroyed), 3);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 1);
	KUNIT_EXPECT_EQ(test, ctx->invalidate_alls, 1);
}

/*
 * The collector hands the backend the ranges it frees in batches: 130
 * ranges the CPU unmapped at once go in three unbind calls (64, 64, 2),
 * each range once, every range freed, in one collector run.
 */
static void xe_svm_gc_batches_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	struct xe_svm_range *r;
	unsigned int i;
	u64 a;

	down_write(&ctx->vm_lock);
	for (i = 0; i < 130; i++) {
		/* a one-page mirror window: a one-page range */
		a = addr + i * SZ_4K;
		r = xe_svm_range_find_or_create(&ctx->svm, a, a, a + SZ_4K);
		KUNIT_ASSERT_FALSE(test, IS_ERR(r));
		KUNIT_ASSERT_EQ(test, xe_svm_range_size(r), SZ_4K);
	}
	KUNIT_ASSERT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_created), 130);

	/* With the VM lock held, the collector runs only once all are queued. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, SZ_8M), 0);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 130);
	KUNIT_EXPECT_EQ(test, ctx->unbind_calls, 0);
	up_write(&ctx->vm_lock);
	flush_work(&ctx->svm.gc_work);

	down_write(&ctx->vm_lock);
	KUNIT_EXPECT_TRUE(test, xe_svm_range_tree_empty(&ctx->svm.ranges));
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_destroyed), 130);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.gc_runs), 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 130);
	KUNIT_EXPECT_EQ(test, ctx->unbind_calls, 3);
	KUNIT_EXPECT_EQ(test, ctx->unbind_max, 64);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 130);
}

static void xe_svm_dontneed_invalidates_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	u64 x = ALIGN(addr, SZ_2M);
	struct xe_svm_range *r;
	unsigned long seq;

	if (!IS_ENABLED(CONFIG_ADVISE_SYSCALLS)) {
		xe_svm_fini(&ctx->svm);
		kunit_skip(test, "needs CONFIG_ADVISE_SYSCALLS for madvise(MADV_DONTNEED)");
	}
	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, x);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	up_write(&ctx->vm_lock);

	seq = mmu_interval_read_begin(&r->notifier);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, x + SZ_8K, SZ_4K, MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->zap_start, x + SZ_8K);
	KUNIT_EXPECT_EQ(test, ctx->zap_end, x + SZ_8K + SZ_4K);

	/* The invalidation is visible to a fault that began before it ... */
	down_read(&ctx->svm.notifier_lock);
	KUNIT_EXPECT_TRUE(test, mmu_interval_read_retry(&r->notifier, seq));
	/* ... and it is not an unmap: the range stays. */
	KUNIT_EXPECT_FALSE(test, test_bit(XE_SVM_RANGE_UNMAPPED, &r->flags));
	up_read(&ctx->svm.notifier_lock);
	flush_work(&ctx->svm.gc_work);
	down_write(&ctx->vm_lock);
	KUNIT_EXPECT_PTR_EQ(test, xe_svm_range_lookup(&ctx->svm.ranges, x), r);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_destroyed), 1);
}

static void xe_svm_fini_live_ranges_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	struct xe_svm_range *r;
	unsigned int i;

	down_write(&ctx->vm_lock);
	for (i = 0; i < 3; i++) {
		r = svm_test_find_or_create(ctx, addr + i * SZ_2M);
		KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_created), 3);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.ranges_destroyed), 3);
	KUNIT_EXPECT_EQ(test, ctx->invalidate_alls, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 0);
	/* every range was the backend's, and went back to it */
	KUNIT_EXPECT_EQ(test, ctx->range_allocs, 3);
	KUNIT_EXPECT_EQ(test, ctx->range_frees, 3);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 3);
	KUNIT_EXPECT_NULL(test, ctx->svm.mm);
}

static void xe_svm_populate_test(struct kunit *test)
{
	const u64 pattern = 0x5eed5eed12345678ULL;
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	u64 x = ALIGN(addr, SZ_2M);
	struct xe_svm_range *r;

	/* The CPU writes the first word of the range. */
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)x, &pattern, sizeof(pattern)), 0);

	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, x);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));

	/* A read maps every page, none writable except those already so. */
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, false), 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bound_pages, SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->bound_valid, SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_LT(test, ctx->bound_writable, SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->first_word, pattern);

	/* A write faults everything in writable. */
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	KUNIT_EXPECT_EQ(test, ctx->bound_writable, SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->first_word, pattern);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
}

/* Read-only and PROT_NONE mappings, and a range whose middle went away. */
static void xe_svm_populate_errors_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	unsigned long ro, none;
	struct xe_svm_range *r;

	ro = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	none = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ro));
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(none));

	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, ro);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), -EPERM);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, false), 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bound_writable, 0);

	r = svm_test_find_or_create(ctx, none);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, false), -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);

	r = svm_test_find_or_create(ctx, ALIGN(addr, SZ_2M));
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	up_write(&ctx->vm_lock);

	/* The middle of the range goes; until collected, populating fails. */
	down_write(&ctx->vm_lock);
	KUNIT_ASSERT_EQ(test, vm_munmap(r->start + SZ_1M, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, false), -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
}

/*
 * The backend prepares each mapping of a range before its bind (where it
 * allocates page tables), and a failed prepare ends the mapping with
 * its error, before anything is bound or DMA-mapped.
 */
static void xe_svm_prepare_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	struct xe_svm_range *r;

	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, ALIGN(addr, SZ_2M));
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, ctx->prepares, 0);

	ctx->prepare_err = -ENOSPC;
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->prepares, 1);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->svm.stats.dma_mapped_pages), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(XE_SVM_RANGE_GPU_VALID, &r->flags));

	ctx->prepare_err = 0;
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), 0);
	KUNIT_EXPECT_EQ(test, ctx->prepares, 2);
	KUNIT_EXPECT_EQ(test, ctx->binds_at_prepare, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);

	/* Every mapping again, not once per range. */
	KUNIT_EXPECT_EQ(test, xe_svm_range_populate(&ctx->svm, r, false), 0);
	KUNIT_EXPECT_EQ(test, ctx->prepares, 3);
	KUNIT_EXPECT_EQ(test, ctx->binds_at_prepare, 1);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	up_write(&ctx->vm_lock);

	xe_svm_fini(&ctx->svm);
}

/* Base pages are DMA-mapped per page, and unmapped with what the CPU drops. */
static void xe_svm_dma_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	unsigned long addr = svm_test_setup(test, &ctx);
	atomic64_t *mapped = &ctx->svm.stats.dma_mapped_pages;
	u64 x = ALIGN(addr, SZ_2M);
	struct xe_svm_range *r;

	if (!IS_ENABLED(CONFIG_ADVISE_SYSCALLS))
		kunit_skip(test, "needs CONFIG_ADVISE_SYSCALLS for madvise()");
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, x, SZ_2M, MADV_NOHUGEPAGE), 0);

	/* Base pages: one chunk per page, all unmapped with the range. */
	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, x);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), 0);
	KUNIT_EXPECT_EQ(test, ctx->bound_max_order, 0);
	KUNIT_EXPECT_EQ(test, r->dma_nr, SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(mapped), SZ_2M / PAGE_SIZE);
	/* Populating again replaces the chunks, it does not add to them. */
	KUNIT_ASSERT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(mapped), SZ_2M / PAGE_SIZE);
	up_write(&ctx->vm_lock);

	/* DONTNEED of one page: exactly that page is zapped and unmapped. */
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, x + SZ_64K, SZ_4K, MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, ctx->zap_start, x + SZ_64K);
	KUNIT_EXPECT_EQ(test, ctx->zap_end, x + SZ_64K + SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic64_read(mapped), SZ_2M / PAGE_SIZE - 1);

	xe_svm_fini(&ctx->svm);
	KUNIT_EXPECT_EQ(test, atomic64_read(mapped), 0);
}

/*
 * A THP is one DMA chunk: dropping a page of it zaps and unmaps all of it.
 * Skipped only when the kernel or the CPU has no THP at all; a
 * MADV_HUGEPAGE range that gets base pages fails, since the huge chunk
 * would go unchecked.
 */
static void xe_svm_dma_thp_test(struct kunit *test)
{
	struct svm_test_ctx *ctx;
	atomic64_t *mapped;
	struct xe_svm_range *r;
	unsigned long addr;
	u64 y;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) || !has_transparent_hugepage())
		kunit_skip(test, "no transparent huge pages in this kernel or on this CPU");
	if (!IS_ENABLED(CONFIG_ADVISE_SYSCALLS))
		kunit_skip(test, "needs CONFIG_ADVISE_SYSCALLS for madvise()");
	addr = svm_test_setup(test, &ctx);
	mapped = &ctx->svm.stats.dma_mapped_pages;
	y = ALIGN(addr, SZ_2M) + SZ_2M;
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, y, SZ_2M, MADV_HUGEPAGE), 0);

	down_write(&ctx->vm_lock);
	r = svm_test_find_or_create(ctx, y);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, xe_svm_range_populate(&ctx->svm, r, true), 0);
	up_write(&ctx->vm_lock);
	/*
	 * Not an assertion: aborting here would leave the range DMA-mapped
	 * until the test's mm goes, after KUnit released the device.
	 */
	if (ctx->bound_max_order != PMD_SHIFT - PAGE_SHIFT) {
		KUNIT_FAIL(test, "no THP: the MADV_HUGEPAGE range is mapped as order %u",
			   ctx->bound_max_order);
	} else {
		KUNIT_EXPECT_EQ(test, r->dma_nr, 1);
		KUNIT_EXPECT_EQ(test, atomic64_read(mapped), SZ_2M / PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, do_madvise(current->mm, y + SZ_4K, SZ_4K, MADV_DONTNEED), 0);
		KUNIT_EXPECT_EQ(test, ctx->zap_start, y);
		KUNIT_EXPECT_EQ(test, ctx->zap_end, y + SZ_2M);
		KUNIT_EXPECT_EQ(test, atomic64_read(mapped), 0);
	}

	xe_svm_fini(&ctx->svm);
	KUNIT_EXPECT_EQ(test, atomic64_read(mapped), 0);
}

static struct kunit_case xe_svm_tests[] = {
	KUNIT_CASE(xe_svm_init_bad_window_test),
	KUNIT_CASE(xe_svm_init_bad_chunk_sizes_test),
	KUNIT_CASE(xe_svm_create_lookup_test),
	KUNIT_CASE(xe_svm_munmap_collects_test),
	KUNIT_CASE(xe_svm_gc_batches_test),
	KUNIT_CASE(xe_svm_dontneed_invalidates_test),
	KUNIT_CASE(xe_svm_fini_live_ranges_test),
	KUNIT_CASE(xe_svm_populate_test),
	KUNIT_CASE(xe_svm_populate_errors_test),
	KUNIT_CASE(xe_svm_prepare_test),
	KUNIT_CASE(xe_svm_dma_test),
	KUNIT_CASE(xe_svm_dma_thp_test),
	{}
};

static struct kunit_suite xe_svm_test_suite = {
	.name = "xe_svm",
	.test_cases = xe_svm_tests,
};

kunit_test_suite(xe_svm_test_suite);
