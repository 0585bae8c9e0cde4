/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_DEVMEM_H_
#define _XE_SVM_DEVMEM_H_

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct drm_printer;

struct device;
struct dma_fence;
struct gpu_buddy;
struct gpu_buddy_block;
struct page;
struct resource;
struct xe_svm_devmem;

/**
 * struct xe_svm_devmem_ops - what device memory asks of its backend
 *
 * The copy engine of the device that owns the memory: the hardware
 * backend uses xe_migrate (the blitter), the emulated device a worker.
 */
struct xe_svm_devmem_ops {
	/**
	 * @copy: start copying @npages pages between system memory and
	 * device memory of @dm: page @i goes from @sys[@i] to @dev[@i]
	 * when @to_vram, from @dev[@i] to @sys[@i] otherwise. A NULL
	 * @sys[@i] with @to_vram asks for @dev[@i] to be cleared (memory
	 * the CPU never wrote). The pages stay locked by the caller until
	 * the fence signals; nothing reads or frees them before that.
	 *
	 * Context: process context, may sleep; the mmap lock of the
	 * address space being migrated may be held. Return: a fence that
	 * signals when the copy is done (with an error set if it failed),
	 * or an ERR_PTR() if it could not be started.
	 */
	struct dma_fence *(*copy)(struct xe_svm_devmem *dm, struct page **sys,
				  struct page **dev, unsigned long npages,
				  bool to_vram);
	/**
	 * @dead: optional; true when the device can copy nothing any more
	 * (wedged, unplugged). The eviction of the whole region then gives
	 * the data up at once instead of waiting for every copy to fail.
	 *
	 * Context: any; must not sleep. Return: true if no copy can work.
	 */
	bool (*dead)(struct xe_svm_devmem *dm);
	/**
	 * @vram_alloc: optional; reserve @size bytes of VRAM, naturally
	 * aligned, as an object the backend's memory manager owns (a TTM
	 * buffer object), which it may evict to make room for others with
	 * xe_svm_devmem_alloc_evict(). Returns an &xe_svm_devmem_alloc
	 * embedded in that object with &xe_svm_devmem_alloc.offset set; the
	 * core fills in the rest. The object must not be evicted before
	 * @vram_ready is called for it. Without @vram_alloc, the core
	 * allocates from &xe_svm_devmem.buddy, and nothing evicts.
	 *
	 * Context: process context, may sleep; the mmap lock of the address
	 * space being migrated may be held; no SVM notifier lock held.
	 * Return: the allocation, or an ERR_PTR(): -ENOSPC when no room
	 * could be made (TTM's -ENOMEM for no space, or an eviction's
	 * error, included).
	 */
	struct xe_svm_devmem_alloc *(*vram_alloc)(struct xe_svm_devmem *dm, u64 size);
	/**
	 * @vram_ready: with @vram_alloc; the migration that made @alloc has
	 * handed out its pages and installed them: from now on the backend
	 * may evict it.
	 *
	 * Context: process context, may sleep.
	 */
	void (*vram_ready)(struct xe_svm_devmem_alloc *alloc);
	/**
	 * @vram_free: with @vram_alloc; the last page of @alloc was freed
	 * and the allocator's reference dropped: give its VRAM back and
	 * free @alloc with the object it is embedded in.
	 *
	 * Context: process context (a worker), may sleep.
	 */
	void (*vram_free)(struct xe_svm_devmem_alloc *alloc);
};

/**
 * enum xe_svm_migrate_phase - the timed phases of a migration
 * @XE_SVM_PHASE_ALLOC: allocating the destination: VRAM from the
 *	backend's memory manager (evictions included), or system pages
 * @XE_SVM_PHASE_COLLECT: migrate_vma_setup() (unmapping and locking the
 *	source pages, with the MMU notifiers it calls) and choosing what
 *	moves
 * @XE_SVM_PHASE_COPY: the copy engine, from submission to its fence
 * @XE_SVM_PHASE_FINALIZE: migrate_vma_pages() and migrate_vma_finalize()
 *	(installing the new pages, freeing or unlocking the old ones)
 * @XE_SVM_PHASES: the number of phases
 */
enum xe_svm_migrate_phase {
	XE_SVM_PHASE_ALLOC,
	XE_SVM_PHASE_COLLECT,
	XE_SVM_PHASE_COPY,
	XE_SVM_PHASE_FINALIZE,
	XE_SVM_PHASES
};

/**
 * struct xe_svm_migrate_timing - where the time of migrations one way went
 *
 * Summed over the migrations that moved at least a page; the average of
 * a phase is @ns divided by @migrations. Updated without locks.
 */
struct xe_svm_migrate_timing {
	/** @ns: nanoseconds spent in each &enum xe_svm_migrate_phase */
	atomic64_t ns[XE_SVM_PHASES];
	/** @migrations: migrations counted */
	atomic64_t migrations;
	/** @pages: pages they moved */
	atomic64_t pages;
};

/**
 * struct xe_svm_devmem_stats - counters of one device-memory region
 *
 * Updated without locks; readers see a consistent value per counter only.
 */
struct xe_svm_devmem_stats {
	/** @pages_in_use: device pages handed out and not yet freed */
	atomic64_t pages_in_use;
	/** @migrated_to_vram: pages moved from system memory into @dm */
	atomic64_t migrated_to_vram;
	/** @migrated_to_ram: pages moved from @dm to system memory */
	atomic64_t migrated_to_ram;
	/** @bytes_copied: bytes the copy engine moved, both ways */
	atomic64_t bytes_copied;
	/** @cpu_faults: CPU faults on device pages (migrate_to_ram calls) */
	atomic64_t cpu_faults;
	/** @alloc_failures: allocations that found no VRAM */
	atomic64_t alloc_failures;
	/** @copy_failures: copies whose fence signalled an error */
	atomic64_t copy_failures;
	/**
	 * @pages_lost: pages the copy engine could not move back to system
	 * memory when the region was emptied, replaced by zeroed pages
	 * (see xe_svm_devmem_evict_all())
	 */
	atomic64_t pages_lost;
	/**
	 * @cpu_fault_races: CPU faults that found the pages of their window
	 * already being migrated by someone else (another CPU fault, a GPU
	 * fault, an eviction), collected nothing and were retried
	 */
	atomic64_t cpu_fault_races;
	/**
	 * @evictions: allocations the backend's memory manager evicted to
	 * system memory (xe_svm_devmem_alloc_evict() that succeeded)
	 */
	atomic64_t evictions;
	/**
	 * @evict_failures: evictions that gave up, leaving the allocation
	 * in VRAM with its data (the memory manager looks elsewhere)
	 */
	atomic64_t evict_failures;
	/**
	 * @to_vram: timing of GPU faults' and prefetches' migrations into
	 * the region
	 */
	struct xe_svm_migrate_timing to_vram;
	/** @to_ram: timing of CPU faults' migrations out of the region */
	struct xe_svm_migrate_timing to_ram;
};

/**
 * struct xe_svm_devmem - the VRAM of one tile as device-private pages
 *
 * A MEMORY_DEVICE_PRIVATE &dev_pagemap with a struct page for every page
 * of the tile's VRAM. Allocations come from the backend's memory manager
 * (&xe_svm_devmem_ops.vram_alloc: TTM objects, which it may evict), or,
 * without those ops, from a buddy allocator the core is given, under that
 * allocator's lock. See "DOC: Device memory" in xe_svm_doc.h.
 */
struct xe_svm_devmem {
	/**
	 * @pagemap: the device-private pages; &dev_pagemap.owner is the
	 * cookie shared by every device that may map these pages directly
	 */
	struct dev_pagemap pagemap;
	/** @res: the physical address window the pages pretend to be at */
	struct resource *res;
	/** @ops: the backend's copy engine; constant */
	const struct xe_svm_devmem_ops *ops;
	/**
	 * @buddy: the tile's VRAM allocator, not owned; NULL when the
	 * backend allocates (&xe_svm_devmem_ops.vram_alloc)
	 */
	struct gpu_buddy *buddy;
	/** @buddy_lock: the lock that serialises @buddy, not owned */
	struct mutex *buddy_lock;
	/** @size: bytes of VRAM @buddy hands out; constant */
	u64 size;
	/**
	 * @dpa_base: device physical address of VRAM offset 0, what GPU
	 * page-table entries of device pages point at; constant
	 */
	u64 dpa_base;
	/** @free_lock: protects @free_list; taken from page_free() */
	spinlock_t free_lock;
	/** @free_list: allocations whose last page was freed */
	struct list_head free_list;
	/** @free_work: returns the allocations on @free_list to @buddy */
	struct work_struct free_work;
	/**
	 * @removing: set by xe_svm_devmem_fini(): no new allocation may
	 * start
	 */
	bool removing;
	/**
	 * @allocs: allocations made and not yet released; teardown waits
	 * for it to reach zero, which covers a migration that allocated just
	 * before @removing was set and hands pages out after an eviction
	 * pass
	 */
	atomic_t allocs;
	/**
	 * @fail_alloc: test hook, the next this many allocations fail as
	 * if VRAM were full
	 */
	atomic_t fail_alloc;
	/** @stats: counters */
	struct xe_svm_devmem_stats stats;
};

/**
 * struct xe_svm_devmem_alloc - one allocation of device memory
 *
 * One naturally aligned piece of VRAM, the size of the range it was
 * made for: a buffer object of the backend's memory manager
 * (&xe_svm_devmem_ops.vram_alloc), or a block of &xe_svm_devmem.buddy.
 * Each device page handed out from it points back at it through
 * &page.zone_device_data; the VRAM goes back when the last of those pages
 * is freed and the allocator's own reference is gone.
 */
struct xe_svm_devmem_alloc {
	/** @dm: the region it belongs to */
	struct xe_svm_devmem *dm;
	/** @block: the buddy block, without &xe_svm_devmem_ops.vram_alloc */
	struct gpu_buddy_block *block;
	/** @offset: byte offset of the allocation in the region's VRAM */
	u64 offset;
	/** @pfn_first: pfn of the device page at offset 0 of the block */
	unsigned long pfn_first;
	/** @npages: pages in the block */
	unsigned long npages;
	/**
	 * @live: pages handed out and not yet freed, plus one while the
	 * allocator still hands pages out
	 */
	atomic_t live;
	/** @free_link: entry in &xe_svm_devmem.free_list */
	struct list_head free_link;
};

int xe_svm_devmem_init(struct xe_svm_devmem *dm, const struct xe_svm_devmem_ops *ops,
		       struct gpu_buddy *buddy, struct mutex *buddy_lock,
		       u64 size, u64 dpa_base, void *owner, const char *name,
		       int nid);
void xe_svm_devmem_fini(struct xe_svm_devmem *dm);

struct xe_svm_devmem_alloc *xe_svm_devmem_alloc_create(struct xe_svm_devmem *dm,
						       u64 size);
struct page *xe_svm_devmem_alloc_page(struct xe_svm_devmem_alloc *alloc,
				      unsigned long i);
void xe_svm_devmem_alloc_put(struct xe_svm_devmem_alloc *alloc);
int xe_svm_devmem_copy(struct xe_svm_devmem *dm, struct page **sys,
		       struct page **dev, unsigned long n, bool to_vram);
void xe_svm_devmem_timing_print(struct xe_svm_devmem *dm, struct drm_printer *p);

/**
 * xe_svm_page_to_devmem() - the region of a device page
 * @page: a device-private page of an &xe_svm_devmem
 *
 * Return: the region @page belongs to.
 */
static inline struct xe_svm_devmem *xe_svm_page_to_devmem(struct page *page)
{
	return container_of(page->pgmap, struct xe_svm_devmem, pagemap);
}

/**
 * xe_svm_devmem_page_offset() - the VRAM offset of a device page
 * @page: a device-private page of an &xe_svm_devmem
 *
 * Return: the byte offset of @page in the VRAM of its region.
 */
static inline u64 xe_svm_devmem_page_offset(struct page *page)
{
	struct xe_svm_devmem *dm = xe_svm_page_to_devmem(page);

	return (u64)(page_to_pfn(page) - PHYS_PFN(dm->pagemap.range.start)) << PAGE_SHIFT;
}

#endif
