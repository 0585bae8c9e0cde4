// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_devmem.h"
#include "xe_svm_migrate.h"

#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/gpu_buddy.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sizes.h>
#include <linux/slab.h>

/*
 * Device memory: the VRAM of a tile as device-private pages, allocated
 * from the tile's buddy allocator, and its copy engine. The ways in and
 * out of it (GPU faults, CPU faults, the teardown of the region) are in
 * xe_svm_migrate.c. See "DOC: Device memory" in xe_svm_doc.h.
 */

/*
 * The last page of an allocation is freed from page_free(), which may run
 * under a page-table spinlock (zap_pte_range() puts device-private pages
 * with the PTL held); the buddy allocator's lock is a mutex, so the block
 * goes back from a worker.
 */
static void xe_svm_devmem_free_work(struct work_struct *work)
{
	struct xe_svm_devmem *dm = container_of(work, struct xe_svm_devmem, free_work);
	struct xe_svm_devmem_alloc *alloc, *next;
	LIST_HEAD(list);

	spin_lock_irq(&dm->free_lock);
	list_splice_init(&dm->free_list, &list);
	spin_unlock_irq(&dm->free_lock);

	if (dm->ops->vram_alloc) {
		list_for_each_entry_safe(alloc, next, &list, free_link)
			dm->ops->vram_free(alloc);
		return;
	}

	mutex_lock(dm->buddy_lock);
	list_for_each_entry(alloc, &list, free_link)
		gpu_buddy_free_block(dm->buddy, alloc->block);
	mutex_unlock(dm->buddy_lock);

	list_for_each_entry_safe(alloc, next, &list, free_link)
		kfree(alloc);
}

/*
 * Every allocation's VRAM goes back from the worker: page_free() cannot
 * sleep, and a backend's buffer object is put where it may.
 */
static void xe_svm_devmem_alloc_release(struct xe_svm_devmem_alloc *alloc)
{
	struct xe_svm_devmem *dm = alloc->dm;
	unsigned long flags;

	spin_lock_irqsave(&dm->free_lock, flags);
	list_add_tail(&alloc->free_link, &dm->free_list);
	spin_unlock_irqrestore(&dm->free_lock, flags);
	queue_work(system_unbound_wq, &dm->free_work);
	atomic_dec(&dm->allocs);
}

/*
 * An allocation from the backend's memory manager, which may evict other
 * allocations and buffer objects to make room. Allocations whose last
 * page just went may still hold VRAM until the worker returns it: flush
 * it and try once more before giving up.
 */
static struct xe_svm_devmem_alloc *xe_svm_devmem_backend_alloc(struct xe_svm_devmem *dm,
							       u64 size)
{
	struct xe_svm_devmem_alloc *alloc;

	alloc = dm->ops->vram_alloc(dm, size);
	if (IS_ERR(alloc) && PTR_ERR(alloc) == -ENOSPC && !list_empty_careful(&dm->free_list)) {
		flush_work(&dm->free_work);
		alloc = dm->ops->vram_alloc(dm, size);
	}
	if (IS_ERR(alloc)) {
		atomic64_inc(&dm->stats.alloc_failures);
		return alloc;
	}
	if (WARN_ON(!IS_ALIGNED(alloc->offset, size) || alloc->offset + size > dm->size)) {
		dm->ops->vram_free(alloc);
		return ERR_PTR(-EINVAL);
	}
	INIT_LIST_HEAD(&alloc->free_link);

	return alloc;
}

/**
 * xe_svm_devmem_alloc_create() - allocate device memory for a range
 * @dm: the region
 * @size: bytes, a power of two of at least PAGE_SIZE (the range size)
 *
 * Allocates one naturally aligned piece of @size bytes: from the
 * backend's memory manager (&xe_svm_devmem_ops.vram_alloc), which may
 * evict others to make room, or else from the tile's buddy allocator
 * under its lock. No page of it is handed out yet (see
 * xe_svm_devmem_alloc_page()); the caller owns one reference, dropped
 * with xe_svm_devmem_alloc_put() once it handed out what it needs.
 *
 * Context: process context, buddy lock not held; may sleep.
 * Return: the allocation, or an ERR_PTR(): -ENOSPC when no block of
 * @size is free, -ENODEV when the region is going away, -EINVAL for a bad
 * @size, -ENOMEM.
 */
struct xe_svm_devmem_alloc *xe_svm_devmem_alloc_create(struct xe_svm_devmem *dm,
						       u64 size)
{
	struct xe_svm_devmem_alloc *alloc;
	LIST_HEAD(blocks);
	int err;

	might_sleep();

	if (!is_power_of_2(size) || size < PAGE_SIZE || size > dm->size)
		return ERR_PTR(-EINVAL);
	if (READ_ONCE(dm->removing))
		return ERR_PTR(-ENODEV);
	if (atomic_add_unless(&dm->fail_alloc, -1, 0)) {
		atomic64_inc(&dm->stats.alloc_failures);
		return ERR_PTR(-ENOSPC);
	}

	if (dm->ops->vram_alloc) {
		alloc = xe_svm_devmem_backend_alloc(dm, size);
		if (IS_ERR(alloc))
			return alloc;
		goto init;
	}

	alloc = kzalloc(sizeof(*alloc), GFP_KERNEL);
	if (!alloc)
		return ERR_PTR(-ENOMEM);

	/*
	 * size == min_block_size: one block of that order, aligned to it.
	 * Top-down keeps SVM away from the CPU-visible start of VRAM, which
	 * small-BAR devices need for buffer objects the CPU maps.
	 */
	mutex_lock(dm->buddy_lock);
	err = gpu_buddy_alloc_blocks(dm->buddy, 0, dm->size, size, size, &blocks,
				     GPU_BUDDY_TOPDOWN_ALLOCATION);
	mutex_unlock(dm->buddy_lock);
	/* Blocks whose last page just went may still be on their way back. */
	if (err && !list_empty_careful(&dm->free_list)) {
		flush_work(&dm->free_work);
		mutex_lock(dm->buddy_lock);
		err = gpu_buddy_alloc_blocks(dm->buddy, 0, dm->size, size, size, &blocks,
					     GPU_BUDDY_TOPDOWN_ALLOCATION);
		mutex_unlock(dm->buddy_lock);
	}
	if (err) {
		atomic64_inc(&dm->stats.alloc_failures);
		kfree(alloc);
		return ERR_PTR(err == -ENOMEM ? -ENOSPC : err);
	}

	alloc->block = list_first_entry(&blocks, struct gpu_buddy_block, link);
	alloc->offset = gpu_buddy_block_offset(alloc->block);
init:
	alloc->dm = dm;
	alloc->npages = size >> PAGE_SHIFT;
	alloc->pfn_first = PHYS_PFN(dm->pagemap.range.start) + PHYS_PFN(alloc->offset);
	atomic_set(&alloc->live, 1);
	INIT_LIST_HEAD(&alloc->free_link);
	atomic_inc(&dm->allocs);

	return alloc;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_alloc_create, DRM_XE_SVM);

/**
 * xe_svm_devmem_alloc_page() - hand out one page of an allocation
 * @alloc: the allocation, with the caller's reference
 * @i: index of the page in the block
 *
 * Context: process context (locks the new page).
 * Return: the device page, locked and with one reference, as
 * migrate_vma_pages() wants a destination page. Its data is whatever the
 * VRAM held: the caller must overwrite or clear it before anyone can see
 * it.
 */
struct page *xe_svm_devmem_alloc_page(struct xe_svm_devmem_alloc *alloc,
				      unsigned long i)
{
	struct page *page = pfn_to_page(alloc->pfn_first + i);

	atomic_inc(&alloc->live);
	atomic64_inc(&alloc->dm->stats.pages_in_use);
	page->zone_device_data = alloc;
	zone_device_page_init(page);

	return page;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_alloc_page, DRM_XE_SVM);

/* Context: any, even with a page-table spinlock held: must not sleep. */
static void xe_svm_devmem_alloc_unref(struct xe_svm_devmem_alloc *alloc)
{
	if (atomic_dec_and_test(&alloc->live))
		xe_svm_devmem_alloc_release(alloc);
}

/**
 * xe_svm_devmem_alloc_put() - drop the allocator's reference
 * @alloc: the allocation
 *
 * After this, the VRAM goes back when the last handed-out page is freed,
 * or now if no page is in use; and the backend may evict the allocation
 * (&xe_svm_devmem_ops.vram_ready). Call it once the pages handed out are
 * installed (after migrate_vma_finalize()).
 *
 * Context: process context; may sleep.
 */
void xe_svm_devmem_alloc_put(struct xe_svm_devmem_alloc *alloc)
{
	might_sleep();

	/* Evictable from now on; an eviction waits for the put below. */
	if (alloc->dm->ops->vram_ready)
		alloc->dm->ops->vram_ready(alloc);
	xe_svm_devmem_alloc_unref(alloc);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_alloc_put, DRM_XE_SVM);

/* Context: any, even with a page-table spinlock held: must not sleep. */
static void xe_svm_devmem_page_free(struct page *page)
{
	struct xe_svm_devmem_alloc *alloc = page->zone_device_data;

	page->zone_device_data = NULL;
	atomic64_dec(&alloc->dm->stats.pages_in_use);
	xe_svm_devmem_alloc_unref(alloc);
}

/*
 * Copy @n pages with the backend's engine and wait for it. The wait is
 * uninterruptible: the callers have locked, unmapped pages in hand and
 * must reach migrate_vma_finalize() whatever happens.
 */
static int xe_svm_devmem_copy_wait(struct xe_svm_devmem *dm, struct page **sys,
				   struct page **dev, unsigned long n, bool to_vram)
{
	struct dma_fence *fence;
	int err;

	if (!n)
		return 0;

	fence = dm->ops->copy(dm, sys, dev, n, to_vram);
	if (IS_ERR(fence)) {
		err = PTR_ERR(fence);
	} else {
		dma_fence_wait(fence, false);
		err = fence->error;
		dma_fence_put(fence);
	}
	if (err)
		atomic64_inc(&dm->stats.copy_failures);
	else
		atomic64_add((u64)n << PAGE_SHIFT, &dm->stats.bytes_copied);

	return err;
}

/**
 * xe_svm_devmem_copy() - copy pages between system and device memory, and wait
 * @dm: the region of the device pages
 * @sys: the system pages (NULL entries with @to_vram: clear)
 * @dev: the device pages
 * @n: number of pages
 * @to_vram: direction
 *
 * Context: process context; may sleep.
 * Return: 0 or the copy's error.
 */
int xe_svm_devmem_copy(struct xe_svm_devmem *dm, struct page **sys,
		       struct page **dev, unsigned long n, bool to_vram)
{
	might_sleep();

	return xe_svm_devmem_copy_wait(dm, sys, dev, n, to_vram);
}

static const struct dev_pagemap_ops xe_svm_devmem_pagemap_ops = {
	.page_free = xe_svm_devmem_page_free,
	.migrate_to_ram = xe_svm_devmem_migrate_to_ram,
};

/**
 * xe_svm_devmem_init() - make the VRAM of a tile available as device pages
 * @dm: the region to initialise
 * @ops: the backend's copy engine
 * @buddy: the tile's VRAM buddy allocator (shared with TTM), initialised;
 *         NULL when the backend allocates (&xe_svm_devmem_ops.vram_alloc)
 * @buddy_lock: the lock every user of @buddy takes around it, or NULL
 * @size: bytes of VRAM @buddy manages
 * @dpa_base: device physical address of VRAM offset 0
 * @owner: the &dev_pagemap owner cookie: the same for every device that
 *         may map these pages directly, so that HMM hands them over
 *         instead of migrating them
 * @name: name of the physical address window in /proc/iomem; the window
 *        keeps pointing at it: it must live until xe_svm_devmem_fini()
 * @nid: NUMA node of the device (dev_to_node()), where the struct pages
 *       are allocated; %NUMA_NO_NODE for the node of the caller
 *
 * Reserves an unused physical address window of @size (rounded up to a
 * memory subsection) and creates struct pages for it.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL (@ops allocate and @buddy is given, or neither),
 * -ENOMEM or -ENOSPC (no free physical window), or the error of
 * memremap_pages().
 */
int xe_svm_devmem_init(struct xe_svm_devmem *dm, const struct xe_svm_devmem_ops *ops,
		       struct gpu_buddy *buddy, struct mutex *buddy_lock,
		       u64 size, u64 dpa_base, void *owner, const char *name,
		       int nid)
{
	void *addr;
	int err;

	might_sleep();

	/* Either the backend allocates, or the core from @buddy. */
	if (!ops->vram_alloc != !ops->vram_free || !ops->vram_alloc != !!buddy)
		return -EINVAL;
	memset(dm, 0, sizeof(*dm));
	dm->ops = ops;
	dm->buddy = buddy;
	dm->buddy_lock = buddy_lock;
	dm->size = size;
	dm->dpa_base = dpa_base;
	spin_lock_init(&dm->free_lock);
	INIT_LIST_HEAD(&dm->free_list);
	INIT_WORK(&dm->free_work, xe_svm_devmem_free_work);

	/* memremap_pages() works in whole subsections (2 MiB on x86). */
	dm->res = request_free_mem_region(&iomem_resource, ALIGN(size, SZ_2M), name);
	if (IS_ERR(dm->res))
		return PTR_ERR(dm->res);

	dm->pagemap.type = MEMORY_DEVICE_PRIVATE;
	dm->pagemap.range.start = dm->res->start;
	dm->pagemap.range.end = dm->res->end;
	dm->pagemap.nr_range = 1;
	dm->pagemap.ops = &xe_svm_devmem_pagemap_ops;
	dm->pagemap.owner = owner;
	addr = memremap_pages(&dm->pagemap, nid);
	if (IS_ERR(addr)) {
		err = PTR_ERR(addr);
		goto err_release;
	}

	return 0;

err_release:
	release_mem_region(dm->res->start, resource_size(dm->res));
	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_init, DRM_XE_SVM);

/**
 * xe_svm_devmem_fini() - tear down a device-memory region
 * @dm: the region
 *
 * Stops allocations, moves every page still in use back to system memory
 * (nothing is lost: the processes that had data in VRAM find it in system
 * memory), returns every block to the buddy allocator, then removes the
 * struct pages and the physical window.
 *
 * Context: process context, no SVM or mmap lock held; may sleep.
 */
void xe_svm_devmem_fini(struct xe_svm_devmem *dm)
{
	might_sleep();

	WRITE_ONCE(dm->removing, true);
	/* Without its arrays eviction cannot run; memunmap_pages() would hang. */
	while (xe_svm_devmem_evict_all(dm))
		msleep(100);
	flush_work(&dm->free_work);

	memunmap_pages(&dm->pagemap);
	release_mem_region(dm->res->start, resource_size(dm->res));
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_fini, DRM_XE_SVM);

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_devmem_test.c"
#endif
