// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_devmem.h"

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
 * from the tile's buddy allocator, and the ways out of it (a CPU fault,
 * the teardown of the region). See "DOC: Device memory" in xe_svm_doc.h.
 */

/* Pages one eviction pass of xe_svm_devmem_evict_all() handles at once */
#define XE_SVM_EVICT_BATCH	512

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

	mutex_lock(dm->buddy_lock);
	list_for_each_entry(alloc, &list, free_link)
		gpu_buddy_free_block(dm->buddy, alloc->block);
	mutex_unlock(dm->buddy_lock);

	list_for_each_entry_safe(alloc, next, &list, free_link)
		kfree(alloc);
}

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

/**
 * xe_svm_devmem_alloc_create() - allocate device memory for a range
 * @dm: the region
 * @size: bytes, a power of two of at least PAGE_SIZE (the range size)
 *
 * Allocates one naturally aligned block of @size bytes from the tile's
 * buddy allocator under its lock. No page of it is handed out yet (see
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

	alloc->dm = dm;
	alloc->block = list_first_entry(&blocks, struct gpu_buddy_block, link);
	alloc->npages = size >> PAGE_SHIFT;
	alloc->pfn_first = PHYS_PFN(dm->pagemap.range.start) +
			   PHYS_PFN(gpu_buddy_block_offset(alloc->block));
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

/**
 * xe_svm_devmem_alloc_put() - drop the allocator's reference
 * @alloc: the allocation
 *
 * After this, the block goes back to the buddy allocator when its last
 * handed-out page is freed, or now if no page is in use.
 *
 * Context: any context.
 */
void xe_svm_devmem_alloc_put(struct xe_svm_devmem_alloc *alloc)
{
	if (atomic_dec_and_test(&alloc->live))
		xe_svm_devmem_alloc_release(alloc);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_alloc_put, DRM_XE_SVM);

/* Context: any, even with a page-table spinlock held: must not sleep. */
static void xe_svm_devmem_page_free(struct page *page)
{
	struct xe_svm_devmem_alloc *alloc = page->zone_device_data;

	page->zone_device_data = NULL;
	atomic64_dec(&alloc->dm->stats.pages_in_use);
	xe_svm_devmem_alloc_put(alloc);
}

/**
 * xe_svm_migrate_arrays_alloc() - allocate the arrays of a migration
 * @a: filled with the four arrays, zeroed
 * @npages: entries of each
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int xe_svm_migrate_arrays_alloc(struct xe_svm_migrate_arrays *a, unsigned long npages)
{
	size_t pfns = array_size(npages, sizeof(unsigned long));
	size_t pages = array_size(npages, sizeof(struct page *));
	void *p = kvzalloc(size_add(size_mul(2, pfns), size_mul(2, pages)), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	a->src = p;
	a->dst = p + pfns;
	a->sys = p + 2 * pfns;
	a->dev = p + 2 * pfns + pages;

	return 0;
}

/**
 * xe_svm_migrate_arrays_free() - free the arrays of a migration
 * @a: arrays from xe_svm_migrate_arrays_alloc()
 *
 * Context: process context.
 */
void xe_svm_migrate_arrays_free(struct xe_svm_migrate_arrays *a)
{
	kvfree(a->src);
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

/**
 * xe_svm_devmem_release_dst() - give back the destinations of a failed migration
 * @dst: the migrate_vma destination array
 * @npages: its entries
 *
 * Unlocks and frees every destination page and clears its entry, so that
 * migrate_vma_pages() moves nothing and migrate_vma_finalize() restores
 * every source: used when a copy failed, so that no page with stale
 * contents is ever mapped.
 *
 * Context: process context.
 */
void xe_svm_devmem_release_dst(unsigned long *dst, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *page = migrate_pfn_to_page(dst[i]);

		if (!page)
			continue;
		dst[i] = 0;
		unlock_page(page);
		put_page(page);
	}
}

/*
 * Allocate and lock a system page for every entry of @src that may
 * migrate, and gather the copy. @vma is NULL for the eviction of a whole
 * region (no address space: any node will do).
 */
static unsigned long xe_svm_prepare_to_ram(struct vm_area_struct *vma,
					   unsigned long start,
					   const unsigned long *src,
					   unsigned long *dst,
					   unsigned long npages,
					   struct page **sys, struct page **dev)
{
	unsigned long i, n = 0;

	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage;

		dst[i] = 0;
		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;

		if (vma)
			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma,
					       start + i * PAGE_SIZE);
		else
			dpage = alloc_page(GFP_HIGHUSER_MOVABLE);
		/* That page stays in device memory: no data is lost. */
		if (!dpage)
			continue;

		lock_page(dpage);
		dst[i] = migrate_pfn(page_to_pfn(dpage));
		sys[n] = dpage;
		dev[n] = spage;
		n++;
	}

	return n;
}

/**
 * xe_svm_devmem_count_migrated() - pages a migration really moved
 * @src: the migrate_vma source array, after migrate_vma_pages()
 * @dst: the destination array
 * @npages: their entries
 *
 * migrate_vma_pages() and migrate_device_pages() may still drop entries
 * (extra references, a destination left empty): only entries that kept
 * MIGRATE_PFN_MIGRATE and have a destination moved.
 *
 * Context: any context.
 * Return: the number of pages moved.
 */
unsigned long xe_svm_devmem_count_migrated(const unsigned long *src,
					   const unsigned long *dst,
					   unsigned long npages)
{
	unsigned long i, n = 0;

	for (i = 0; i < npages; i++)
		if ((src[i] & MIGRATE_PFN_MIGRATE) && dst[i])
			n++;

	return n;
}

/*
 * Copy back the pages of a CPU fault's window. The window may hold pages
 * of several regions (a range placed partly on each tile, a VMA mapping
 * ranges of several tiles): each region's engine copies its own pages,
 * and its counters count them. Reorders @sys and @dev, in pairs.
 */
static int xe_svm_devmem_copy_to_ram_by_region(struct page **sys, struct page **dev,
					       unsigned long n)
{
	unsigned long i, j, done = 0;
	int err = 0, ret;

	while (done < n) {
		struct xe_svm_devmem *dm = xe_svm_page_to_devmem(dev[done]);

		for (i = j = done; i < n; i++) {
			if (xe_svm_page_to_devmem(dev[i]) != dm)
				continue;
			swap(dev[i], dev[j]);
			swap(sys[i], sys[j]);
			j++;
		}
		ret = xe_svm_devmem_copy_wait(dm, sys + done, dev + done, j - done, false);
		if (ret)
			err = ret;
		done = j;
	}

	return err;
}

/* Count the pages a migration to system memory moved, to their regions. */
static void xe_svm_devmem_count_to_ram(const unsigned long *src,
				       const unsigned long *dst,
				       unsigned long npages)
{
	struct xe_svm_devmem *dm;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		if (!(src[i] & MIGRATE_PFN_MIGRATE) || !dst[i])
			continue;
		dm = xe_svm_page_to_devmem(migrate_pfn_to_page(src[i]));
		atomic64_inc(&dm->stats.migrated_to_ram);
	}
}

/*
 * The CPU faulted on a device page. What comes back is the window of the
 * allocation's size (the range size: 2 MiB, 64 KiB or 4 KiB), aligned,
 * around the faulting address and clipped to the VMA: a CPU that touches
 * one page of a buffer the GPU worked on usually goes on to read the
 * rest, and one migration of 2 MiB costs much less than 512 faults of
 * one page each (see "DOC: Device memory" for the figures). Pages of the
 * window that are not device pages of this owner are left alone.
 *
 * Context: mmap lock held for reading (or the per-VMA lock dropped:
 * do_swap_page() retries); the page is referenced but not locked, so two
 * CPU faults, or a fault and an eviction, can race here: the loser
 * collects nothing and the fault is retried.
 */
static vm_fault_t xe_svm_devmem_migrate_to_ram(struct vm_fault *vmf)
{
	struct xe_svm_devmem_alloc *alloc = vmf->page->zone_device_data;
	struct xe_svm_devmem *dm = alloc->dm;
	unsigned long size = alloc->npages << PAGE_SHIFT;
	struct vm_area_struct *vma = vmf->vma;
	struct migrate_vma mig = {
		.vma = vma,
		.start = max(ALIGN_DOWN(vmf->address, size), vma->vm_start),
		.end = min(ALIGN_DOWN(vmf->address, size) + size, vma->vm_end),
		.pgmap_owner = dm->pagemap.owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	unsigned long npages = (mig.end - mig.start) >> PAGE_SHIFT;
	unsigned long fault_idx = (vmf->address - mig.start) >> PAGE_SHIFT;
	struct xe_svm_migrate_arrays a;
	vm_fault_t ret = 0;
	unsigned long n;
	int err;

	mmap_assert_locked(vma->vm_mm);
	atomic64_inc(&dm->stats.cpu_faults);

	if (xe_svm_migrate_arrays_alloc(&a, npages))
		return VM_FAULT_OOM;
	mig.src = a.src;
	mig.dst = a.dst;

	err = migrate_vma_setup(&mig);
	if (err) {
		ret = VM_FAULT_SIGBUS;
		goto out_free;
	}
	/* Someone else is migrating the page: retry the fault. */
	if (!mig.cpages) {
		atomic64_inc(&dm->stats.cpu_fault_races);
		goto out_free;
	}

	n = xe_svm_prepare_to_ram(vma, mig.start, mig.src, mig.dst, npages, a.sys, a.dev);
	if ((mig.src[fault_idx] & MIGRATE_PFN_MIGRATE) && !mig.dst[fault_idx])
		ret = VM_FAULT_OOM;

	if (xe_svm_devmem_copy_to_ram_by_region(a.sys, a.dev, n)) {
		/* The data stays in VRAM; never map a half-copied page. */
		xe_svm_devmem_release_dst(mig.dst, npages);
		ret = VM_FAULT_SIGBUS;
	}

	migrate_vma_pages(&mig);
	xe_svm_devmem_count_to_ram(mig.src, mig.dst, npages);
	migrate_vma_finalize(&mig);

out_free:
	xe_svm_migrate_arrays_free(&a);
	return ret;
}

static const struct dev_pagemap_ops xe_svm_devmem_pagemap_ops = {
	.page_free = xe_svm_devmem_page_free,
	.migrate_to_ram = xe_svm_devmem_migrate_to_ram,
};

/*
 * Passes of xe_svm_devmem_evict_all() in which a copy failed before it
 * stops waiting for the copy engine to recover (a wedged or removed GPU
 * fails every copy, for ever).
 */
#define XE_SVM_EVICT_COPY_PASSES	3

/*
 * A copy engine that fails every copy must not keep the region alive for
 * ever: copy the pages of a failed batch one by one, and give each page
 * whose copy still fails a zeroed page instead. Pages whose copy works
 * keep their data.
 */
static void xe_svm_devmem_copy_or_zero(struct xe_svm_devmem *dm, struct page **sys,
				       struct page **dev, unsigned long n)
{
	unsigned long i, lost = 0;

	for (i = 0; i < n; i++) {
		if (!xe_svm_devmem_copy_wait(dm, &sys[i], &dev[i], 1, false))
			continue;
		clear_highpage(sys[i]);
		lost++;
	}
	atomic64_add(lost, &dm->stats.pages_lost);
}

/*
 * Move the live pages among @npages pfns from @pfn to system memory, in
 * every address space that maps them. Pages whose lock was contended, or
 * whose copy failed, stay where they are for the next pass, unless
 * @lossy: then a page whose copy fails is replaced by a zeroed page.
 * Return: true if a copy failed.
 */
static bool xe_svm_devmem_evict_batch(struct xe_svm_devmem *dm, unsigned long pfn,
				      unsigned long npages,
				      struct xe_svm_migrate_arrays *a, bool lossy)
{
	bool failed = false;
	unsigned long n;

	migrate_device_range(a->src, pfn, npages);
	n = xe_svm_prepare_to_ram(NULL, 0, a->src, a->dst, npages, a->sys, a->dev);
	if (xe_svm_devmem_copy_wait(dm, a->sys, a->dev, n, false)) {
		failed = true;
		if (lossy)
			xe_svm_devmem_copy_or_zero(dm, a->sys, a->dev, n);
		else
			xe_svm_devmem_release_dst(a->dst, npages);
	}

	migrate_device_pages(a->src, a->dst, npages);
	atomic64_add(xe_svm_devmem_count_migrated(a->src, a->dst, npages),
		     &dm->stats.migrated_to_ram);
	migrate_device_finalize(a->src, a->dst, npages);

	return failed;
}

/**
 * xe_svm_devmem_evict_all() - move every device page of a region to system memory
 * @dm: the region
 *
 * Migrates every page in use back to system memory, in every process
 * that maps it, until none is left: a page whose lock is contended or
 * whose copy fails is retried on the next pass. Allocations must already
 * be stopped (&xe_svm_devmem.removing), or this may never end.
 *
 * A copy engine that is dead (a wedged or unplugged GPU fails every copy)
 * would keep the pages in VRAM for ever, and the region with them. After
 * %XE_SVM_EVICT_COPY_PASSES passes with failed copies, each page whose
 * copy still fails on its own is replaced by a zeroed page: its data is
 * lost (counted in &xe_svm_devmem_stats.pages_lost and logged), as the
 * data of the device's buffer objects is; every page whose copy works
 * keeps its data.
 *
 * Context: process context, no SVM or mmap lock held; may sleep.
 * Return: 0, or -ENOMEM when the bookkeeping arrays cannot be allocated.
 */
int xe_svm_devmem_evict_all(struct xe_svm_devmem *dm)
{
	unsigned long first = PHYS_PFN(dm->pagemap.range.start);
	unsigned long total = PHYS_PFN(dm->size), pfn, pass;
	u64 lost = atomic64_read(&dm->stats.pages_lost);
	struct xe_svm_migrate_arrays a;
	unsigned int failed_passes = 0;
	bool failed;

	might_sleep();

	if (xe_svm_migrate_arrays_alloc(&a, XE_SVM_EVICT_BATCH))
		return -ENOMEM;

	for (pass = 0; atomic_read(&dm->allocs); pass++) {
		failed = false;
		for (pfn = first; pfn < first + total; pfn += XE_SVM_EVICT_BATCH) {
			failed |= xe_svm_devmem_evict_batch(dm, pfn,
							    min(XE_SVM_EVICT_BATCH,
								first + total - pfn),
							    &a, failed_passes >=
							    XE_SVM_EVICT_COPY_PASSES);
			cond_resched();
		}
		failed_passes += failed;
		/*
		 * Someone holds a page lock (a racing CPU fault), or a
		 * migration is still handing pages out: let it finish.
		 */
		if (atomic_read(&dm->allocs))
			msleep(pass < 10 ? 1 : 100);
		WARN_ONCE(pass == 1000, "xe_svm: %lld device pages will not leave VRAM\n",
			  atomic64_read(&dm->stats.pages_in_use));
	}

	lost = atomic64_read(&dm->stats.pages_lost) - lost;
	if (lost)
		pr_err("xe_svm: %s: copy engine failing, %llu pages of data lost on eviction\n",
		       dm->res->name, lost);

	xe_svm_migrate_arrays_free(&a);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_evict_all, DRM_XE_SVM);

/**
 * xe_svm_devmem_init() - make the VRAM of a tile available as device pages
 * @dm: the region to initialise
 * @ops: the backend's copy engine
 * @buddy: the tile's VRAM buddy allocator (shared with TTM), initialised
 * @buddy_lock: the lock every user of @buddy takes around it
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
 * Return: 0, -ENOMEM or -ENOSPC (no free physical window), or the error
 * of memremap_pages().
 */
int xe_svm_devmem_init(struct xe_svm_devmem *dm, const struct xe_svm_devmem_ops *ops,
		       struct gpu_buddy *buddy, struct mutex *buddy_lock,
		       u64 size, u64 dpa_base, void *owner, const char *name,
		       int nid)
{
	void *addr;
	int err;

	might_sleep();

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
