// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <kunit/test.h>

/*
 * KUnit tests of device-memory bookkeeping: a real MEMORY_DEVICE_PRIVATE
 * region over a small buddy allocator; pages are handed out and freed as
 * migration does, without migrating anything.
 */

#define DEVMEM_TEST_SIZE	SZ_4M

struct devmem_test_ctx {
	struct gpu_buddy buddy;
	/* serialises @buddy, as the VRAM manager's lock does on hardware */
	struct mutex lock;
	struct xe_svm_devmem dm;
};

static struct dma_fence *devmem_test_copy(struct xe_svm_devmem *dm, struct page **sys,
					  struct page **dev, unsigned long npages,
					  bool to_vram)
{
	return ERR_PTR(-EIO);
}

static const struct xe_svm_devmem_ops devmem_test_ops = {
	.copy = devmem_test_copy,
};

static int devmem_test_init(struct kunit *test)
{
	struct devmem_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	mutex_init(&ctx->lock);
	KUNIT_ASSERT_EQ(test, gpu_buddy_init(&ctx->buddy, DEVMEM_TEST_SIZE, PAGE_SIZE), 0);
	err = xe_svm_devmem_init(&ctx->dm, &devmem_test_ops, &ctx->buddy, &ctx->lock,
				 DEVMEM_TEST_SIZE, SZ_1G, ctx, "xe_svm devmem KUnit",
				 NUMA_NO_NODE);
	if (err) {
		gpu_buddy_fini(&ctx->buddy);
		KUNIT_FAIL(test, "xe_svm_devmem_init: %d", err);
		return err;
	}
	test->priv = ctx;

	return 0;
}

static void devmem_test_exit(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;

	if (!ctx)
		return;
	xe_svm_devmem_fini(&ctx->dm);
	KUNIT_EXPECT_EQ(test, ctx->buddy.avail, DEVMEM_TEST_SIZE);
	gpu_buddy_fini(&ctx->buddy);
}

/* What migration does with a destination page it no longer needs. */
static void devmem_test_free_page(struct page *page)
{
	unlock_page(page);
	put_page(page);
}

/* Blocks go back from a worker: wait for it before looking. */
static u64 devmem_test_avail(struct devmem_test_ctx *ctx)
{
	flush_work(&ctx->dm.free_work);
	return ctx->buddy.avail;
}

static void devmem_alloc_free_by_page_test(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct page *pages[SZ_64K / PAGE_SIZE];
	struct xe_svm_devmem_alloc *alloc;
	unsigned long i;

	alloc = xe_svm_devmem_alloc_create(&ctx->dm, SZ_64K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	KUNIT_EXPECT_EQ(test, alloc->npages, SZ_64K / PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(gpu_buddy_block_offset(alloc->block), SZ_64K));
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE - SZ_64K);

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = xe_svm_devmem_alloc_page(alloc, i);
		KUNIT_EXPECT_TRUE(test, is_device_private_page(pages[i]));
		KUNIT_EXPECT_PTR_EQ(test, pages[i]->zone_device_data, (void *)alloc);
		KUNIT_EXPECT_PTR_EQ(test, xe_svm_page_to_devmem(pages[i]), &ctx->dm);
		KUNIT_EXPECT_EQ(test, page_to_pfn(pages[i]), alloc->pfn_first + i);
		KUNIT_EXPECT_EQ(test, xe_svm_devmem_page_offset(pages[i]),
				gpu_buddy_block_offset(alloc->block) + i * PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.pages_in_use), ARRAY_SIZE(pages));

	/* The allocator lets go: the pages still hold the block. */
	xe_svm_devmem_alloc_put(alloc);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE - SZ_64K);

	for (i = 0; i < ARRAY_SIZE(pages) - 1; i++) {
		devmem_test_free_page(pages[i]);
		KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE - SZ_64K);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.pages_in_use), 1);

	/* The last page returns the block. */
	devmem_test_free_page(pages[i]);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.pages_in_use), 0);
}

/* Pages freed before the allocator lets go: the put returns the block. */
static void devmem_alloc_put_last_test(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct xe_svm_devmem_alloc *alloc;
	struct page *page;

	alloc = xe_svm_devmem_alloc_create(&ctx->dm, SZ_2M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	page = xe_svm_devmem_alloc_page(alloc, 511);
	devmem_test_free_page(page);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE - SZ_2M);
	xe_svm_devmem_alloc_put(alloc);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE);

	/* And an allocation no page was taken from. */
	alloc = xe_svm_devmem_alloc_create(&ctx->dm, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE - SZ_4K);
	xe_svm_devmem_alloc_put(alloc);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE);
}

static void devmem_alloc_errors_test(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct xe_svm_devmem_alloc *a, *b;

	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, SZ_64K + SZ_4K)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, SZ_8M)), -EINVAL);

	/* Full: -ENOSPC, counted, nothing taken. */
	a = xe_svm_devmem_alloc_create(&ctx->dm, SZ_2M);
	b = xe_svm_devmem_alloc_create(&ctx->dm, SZ_2M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, SZ_4K)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.alloc_failures), 1);
	xe_svm_devmem_alloc_put(b);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), SZ_2M);

	/* Injected failures: exactly as many as asked for. */
	atomic_set(&ctx->dm.fail_alloc, 2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, SZ_4K)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, SZ_4K)), -ENOSPC);
	b = xe_svm_devmem_alloc_create(&ctx->dm, SZ_64K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.alloc_failures), 3);
	xe_svm_devmem_alloc_put(b);

	/* A region going away hands out nothing. */
	WRITE_ONCE(ctx->dm.removing, true);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&ctx->dm, SZ_4K)), -ENODEV);
	xe_svm_devmem_alloc_put(a);
	KUNIT_EXPECT_EQ(test, devmem_test_avail(ctx), DEVMEM_TEST_SIZE);
}

/* A failed copy is counted and reported; nothing else changes. */
static void devmem_copy_error_test(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct xe_svm_devmem_alloc *alloc;
	struct page *dev, *sys = NULL;

	alloc = xe_svm_devmem_alloc_create(&ctx->dm, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	dev = xe_svm_devmem_alloc_page(alloc, 0);
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_copy(&ctx->dm, &sys, &dev, 1, true), -EIO);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.copy_failures), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ctx->dm.stats.bytes_copied), 0);
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_copy(&ctx->dm, &sys, &dev, 0, true), 0);
	devmem_test_free_page(dev);
	xe_svm_devmem_alloc_put(alloc);
}

/*
 * A backend that allocates VRAM itself (&xe_svm_devmem_ops.vram_alloc),
 * as TTM-backed ones do: four 1 MiB slots of a 4 MiB region of its own.
 */
struct devmem_test_backend {
	struct xe_svm_devmem dm;
	struct xe_svm_devmem_alloc slots[4];
	bool used[4];
	unsigned int allocs, readies, frees;
	int fail;			/* what the next vram_alloc returns, 0: works */
};

static struct devmem_test_backend *to_test_backend(struct xe_svm_devmem *dm)
{
	return container_of(dm, struct devmem_test_backend, dm);
}

static struct xe_svm_devmem_alloc *devmem_test_vram_alloc(struct xe_svm_devmem *dm, u64 size)
{
	struct devmem_test_backend *b = to_test_backend(dm);
	unsigned int i;

	b->allocs++;
	if (b->fail)
		return ERR_PTR(b->fail);
	for (i = 0; i < ARRAY_SIZE(b->slots); i++) {
		if (b->used[i])
			continue;
		b->used[i] = true;
		memset(&b->slots[i], 0, sizeof(b->slots[i]));
		b->slots[i].offset = (u64)i * SZ_1M;
		return &b->slots[i];
	}
	return ERR_PTR(-ENOSPC);
}

static void devmem_test_vram_ready(struct xe_svm_devmem_alloc *alloc)
{
	to_test_backend(alloc->dm)->readies++;
}

static void devmem_test_vram_free(struct xe_svm_devmem_alloc *alloc)
{
	struct devmem_test_backend *b = to_test_backend(alloc->dm);

	b->frees++;
	b->used[alloc - b->slots] = false;
}

static const struct xe_svm_devmem_ops devmem_test_backend_ops = {
	.copy = devmem_test_copy,
	.vram_alloc = devmem_test_vram_alloc,
	.vram_ready = devmem_test_vram_ready,
	.vram_free = devmem_test_vram_free,
};

/*
 * With a backend that allocates, the core takes no buddy allocator; an
 * allocation is the backend's, its pages at its offset; it becomes the
 * backend's to evict when the allocator's reference goes
 * (vram_ready), and is given back (vram_free) once its last page is
 * freed. The backend's failures are counted. Evicting an allocation
 * with no page in use is done at once; one whose page cannot be copied
 * gives up with -EIO, the page still in use.
 */
static void devmem_backend_alloc_test(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_backend *b;
	struct xe_svm_devmem_alloc *alloc;
	struct page *page;

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	/* Either the backend allocates or a buddy allocator is given: not both */
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_init(&b->dm, &devmem_test_backend_ops,
						 &ctx->buddy, &ctx->lock, SZ_4M, 0, b,
						 "xe_svm devmem KUnit backend", NUMA_NO_NODE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_init(&b->dm, &devmem_test_ops, NULL, NULL,
						 SZ_4M, 0, b, "xe_svm devmem KUnit backend",
						 NUMA_NO_NODE),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, xe_svm_devmem_init(&b->dm, &devmem_test_backend_ops, NULL, NULL,
						 SZ_4M, 0, b, "xe_svm devmem KUnit backend",
						 NUMA_NO_NODE), 0);

	alloc = xe_svm_devmem_alloc_create(&b->dm, SZ_64K);
	KUNIT_ASSERT_PTR_EQ(test, alloc, &b->slots[0]);
	KUNIT_EXPECT_EQ(test, b->allocs, 1);
	KUNIT_EXPECT_PTR_EQ(test, alloc->dm, &b->dm);
	KUNIT_EXPECT_EQ(test, alloc->npages, SZ_64K >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, alloc->pfn_first, PHYS_PFN(b->dm.pagemap.range.start));
	page = xe_svm_devmem_alloc_page(alloc, 3);
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_page_offset(page), 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, b->readies, 0);
	xe_svm_devmem_alloc_put(alloc);
	KUNIT_EXPECT_EQ(test, b->readies, 1);
	flush_work(&b->dm.free_work);
	KUNIT_EXPECT_EQ(test, b->frees, 0);

	/*
	 * The copy engine fails every copy: the eviction gives up after
	 * its passes, the page still in VRAM and in use.
	 */
	unlock_page(page);
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_alloc_evict(alloc), -EIO);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->dm.stats.evict_failures), 1);
	KUNIT_EXPECT_GE(test, atomic64_read(&b->dm.stats.copy_failures), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->dm.stats.evictions), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->dm.stats.pages_in_use), 1);
	put_page(page);
	flush_work(&b->dm.free_work);
	KUNIT_EXPECT_EQ(test, b->frees, 1);
	KUNIT_EXPECT_FALSE(test, b->used[0]);

	/*
	 * Nothing in use: evicted at once (the backend's object, which the
	 * eviction holds, outlives the allocation's last reference).
	 */
	alloc = xe_svm_devmem_alloc_create(&b->dm, SZ_1M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	KUNIT_EXPECT_EQ(test, alloc->pfn_first, PHYS_PFN(b->dm.pagemap.range.start));
	xe_svm_devmem_alloc_put(alloc);
	KUNIT_EXPECT_EQ(test, xe_svm_devmem_alloc_evict(alloc), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->dm.stats.evictions), 1);
	flush_work(&b->dm.free_work);
	KUNIT_EXPECT_EQ(test, b->frees, 2);

	/* The backend's failure is the caller's, counted */
	b->fail = -ENOSPC;
	KUNIT_EXPECT_EQ(test, PTR_ERR(xe_svm_devmem_alloc_create(&b->dm, SZ_4K)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->dm.stats.alloc_failures), 1);
	b->fail = 0;

	xe_svm_devmem_fini(&b->dm);
	KUNIT_EXPECT_EQ(test, b->readies, 2);
	KUNIT_EXPECT_EQ(test, b->frees, 2);
}

static struct kunit_case xe_svm_devmem_tests[] = {
	KUNIT_CASE(devmem_alloc_free_by_page_test),
	KUNIT_CASE(devmem_alloc_put_last_test),
	KUNIT_CASE(devmem_alloc_errors_test),
	KUNIT_CASE(devmem_copy_error_test),
	KUNIT_CASE(devmem_backend_alloc_test),
	{}
};

static struct kunit_suite xe_svm_devmem_test_suite = {
	.name = "xe_svm_devmem",
	.init = devmem_test_init,
	.exit = devmem_test_exit,
	.test_cases = xe_svm_devmem_tests,
};

kunit_test_suite(xe_svm_devmem_test_suite);
