/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_TYPES_H_
#define _XE_SVM_TYPES_H_

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "xe_svm_attr.h"
#include "xe_svm_migrate.h"
#include "xe_svm_range.h"

struct mm_struct;
struct xe_svm;
struct xe_svm_devmem;

/**
 * struct xe_svm_ops - what the SVM core asks of a backend
 *
 * The narrow interface between the SVM core and whatever programs the GPU
 * (the xe hardware backend or the emulated device). It grows with the
 * core: binding ranges and copying memory come with the fault path and
 * migration.
 */
struct xe_svm_ops {
	/**
	 * @chunk_sizes: the sizes a range may have, largest first: powers
	 * of two from at most 2 MiB down to PAGE_SIZE (see "DOC: Ranges and
	 * chunk sizing"). A backend picks the page sizes its GPU page
	 * tables map; device memory is mapped in runs of these sizes too.
	 */
	const u64 *chunk_sizes;
	/** @nr_chunk_sizes: number of entries of @chunk_sizes */
	unsigned int nr_chunk_sizes;

	/**
	 * @range_alloc: optional; allocate a zeroed range in which the
	 * backend keeps its own state (its structure embeds &xe_svm_range;
	 * container_of() finds it). Without it the core allocates the bare
	 * &xe_svm_range.
	 *
	 * Context: VM lock held for writing; may sleep. Return: the range,
	 * or NULL.
	 */
	struct xe_svm_range *(*range_alloc)(struct xe_svm *svm);

	/**
	 * @range_free: free a range from @range_alloc (with it, required)
	 *
	 * Context: VM lock held for writing; the range is in no tree.
	 */
	void (*range_free)(struct xe_svm_range *range);

	/**
	 * @prepare: optional; make sure the page tables that will hold the
	 * PTEs of @range exist, before the core maps it, so that @bind
	 * finds them (@bind may not allocate). Page tables live in VRAM on
	 * a discrete GPU: allocating one may evict VRAM, which may migrate
	 * SVM memory, this VM's included, back to system memory. Called for
	 * each mapping of a range, by faults and prefetches; a range whose
	 * tables exist costs a lookup. What it allocates is the backend's
	 * to free, at @unbind or with the VM.
	 *
	 * Context: VM lock held for writing; neither the mmap lock nor
	 * &xe_svm.notifier_lock held; may sleep and allocate. Return: 0,
	 * or a negative error code the fault or prefetch fails with
	 * (-ENOSPC: no VRAM can be made free for a page table).
	 */
	int (*prepare)(struct xe_svm *svm, struct xe_svm_range *range);

	/**
	 * @invalidate: zap the GPU mappings of [@start, @end) inside @range
	 * and invalidate the GPU TLB for it; return when no GPU access can
	 * reach those addresses any more.
	 *
	 * Context: called from the MMU notifier with &xe_svm.notifier_lock
	 * held for writing, possibly from reclaim: must not allocate memory
	 * that may reclaim nor wait on anything reclaim may wait on.
	 */
	void (*invalidate)(struct xe_svm *svm, struct xe_svm_range *range,
			   u64 start, u64 end);

	/**
	 * @invalidate_all: optional; zap the GPU mappings of every range of
	 * @svm and invalidate the GPU TLB once for all of them. Called by
	 * xe_svm_fini() before it frees the ranges one by one; @invalidate
	 * of a range afterwards must find nothing left to zap and return
	 * at once. Without it, teardown invalidates range by range.
	 *
	 * Context: called with the VM lock and &xe_svm.notifier_lock held
	 * for writing; may sleep.
	 */
	void (*invalidate_all)(struct xe_svm *svm);

	/**
	 * @unbind: optional; free what the backend's page tables hold for
	 * the @count ranges of @ranges (tables that only they used), which
	 * are about to be freed by the garbage collector or the fault path:
	 * their GPU mappings are zapped and their TLB entries invalidated
	 * already. The collector hands over many ranges at once, so that a
	 * backend can unbind them with one page-table update and one TLB
	 * invalidation. Not called when the context is torn down (the page
	 * tables go with the VM). A failure only delays the release to VM
	 * teardown.
	 *
	 * Context: called with the VM lock held for writing, not
	 * &xe_svm.notifier_lock; may sleep and allocate.
	 */
	void (*unbind)(struct xe_svm *svm, struct xe_svm_range **ranges,
		       unsigned int count);

	/**
	 * @bind: map all of @range on the GPU from @pfns, one HMM pfn per
	 * page of the range (HMM_PFN_VALID set on each; HMM_PFN_WRITE where
	 * the GPU may write), at the device addresses of
	 * &xe_svm_range.dma, using the largest page size the backing allows
	 * (at most the size of each DMA chunk). Replaces every GPU PTE of
	 * the range. @pfns is only valid during the call. A backend whose
	 * page-table writes allocate may instead record @range here and
	 * write the PTEs after xe_svm_fault() returns, still under the VM
	 * lock, if it checks under &xe_svm.notifier_lock, before the PTEs
	 * become visible, that every chunk of &xe_svm_range.dma is still
	 * mapped and the range is not unmapped (the xe backend does so).
	 *
	 * Context: called with &xe_svm.notifier_lock held for reading,
	 * after the notifier sequence was checked: must not allocate memory
	 * that may reclaim. Return: 0 or a negative error code.
	 */
	int (*bind)(struct xe_svm *svm, struct xe_svm_range *range,
		    const unsigned long *pfns);
};

/**
 * struct xe_svm_stats - counters of an SVM context
 *
 * Updated without locks; readers see a consistent value per counter only.
 */
struct xe_svm_stats {
	/** @faults: GPU faults served (xe_svm_range_populate() calls) */
	atomic64_t faults;
	/** @fault_retries: hmm_range_fault() passes redone after a race */
	atomic64_t fault_retries;
	/**
	 * @wp_breaks: GPU writes to device pages the CPU had write-protected
	 * (copy-on-write, mprotect()), moved back and write-faulted
	 */
	atomic64_t wp_breaks;
	/**
	 * @exclusive_maps: faults and prefetches that lost so many races
	 * to other migrations that they mapped with the mmap lock held for
	 * writing
	 */
	atomic64_t exclusive_maps;
	/**
	 * @place_ns: nanoseconds GPU faults spent deciding placement and
	 * migrating to VRAM (xe_svm_range_place())
	 */
	atomic64_t place_ns;
	/**
	 * @walk_ns: nanoseconds faults and prefetches spent reading the CPU
	 * page tables (hmm_range_fault(), faulting pages in), every pass
	 */
	atomic64_t walk_ns;
	/** @dma_map_ns: nanoseconds spent DMA-mapping the pages, every pass */
	atomic64_t dma_map_ns;
	/**
	 * @bind_ns: nanoseconds spent under the notifier lock committing
	 * (the backend's bind), every pass that got there
	 */
	atomic64_t bind_ns;
	/** @ranges_created: ranges created since the context was made */
	atomic64_t ranges_created;
	/** @ranges_destroyed: ranges freed since the context was made */
	atomic64_t ranges_destroyed;
	/** @invalidations: notifier callbacks that zapped a range */
	atomic64_t invalidations;
	/** @gc_runs: garbage-collector passes that freed at least a range */
	atomic64_t gc_runs;
	/** @dma_mapped_pages: pages DMA-mapped for the GPU now */
	atomic64_t dma_mapped_pages;
	/** @vram_migrations: GPU faults that moved pages to VRAM */
	atomic64_t vram_migrations;
	/**
	 * @vram_fallbacks: GPU faults the policy wanted in VRAM but served
	 * from system memory (no VRAM, or the copy failed), and maps of a
	 * range whose device pages the device could not map as they were
	 * (see &xe_svm.devmem_map_min), brought back to system memory
	 */
	atomic64_t vram_fallbacks;
	/**
	 * @thrash_holds: ranges that migrated to VRAM so often that
	 * thrashing control kept them in system memory for a while
	 */
	atomic64_t thrash_holds;
	/** @prefetch_ranges: ranges xe_svm_prefetch() mapped */
	atomic64_t prefetch_ranges;
	/** @autoresets: intervals whose autoreset attributes went back to the defaults */
	atomic64_t autoresets;
	/** @autoreset_overflows: unmapped intervals merged for lack of room */
	atomic64_t autoreset_overflows;
};

/* Unmapped intervals the notifier keeps for autoreset between GC runs */
#define XE_SVM_UNMAPPED_MAX	32

/**
 * struct xe_svm - the SVM context of one VM
 *
 * Mirrors a window of one process's address space. See "DOC: Locking" for
 * the order of the locks named here and "DOC: Lifetimes" for the
 * references.
 */
struct xe_svm {
	/**
	 * @mm: the address space mirrored; the context holds an mmgrab()
	 * reference (not mmget(): it must not keep the address space alive)
	 */
	struct mm_struct *mm;
	/** @ops: the backend; constant */
	const struct xe_svm_ops *ops;
	/** @dma_dev: the device system pages are DMA-mapped for; constant */
	struct device *dma_dev;
	/**
	 * @zero_dma: the zero page mapped for @dma_dev, read-only, shared by
	 * every chunk that maps it; constant
	 */
	dma_addr_t zero_dma;
	/**
	 * @win_start: start of the part of the GPU VA space that may be
	 * mirrored (mirror bindings lie inside it); constant
	 */
	u64 win_start;
	/** @win_end: end of that part (exclusive); constant */
	u64 win_end;
	/**
	 * @pgmap_owner: the &dev_pagemap owner of the device pages the GPU
	 * may map directly (NULL: none); set by the backend before the
	 * first fault, constant afterwards
	 */
	void *pgmap_owner;
	/**
	 * @devmem_map_min: the smallest page size with which the device's
	 * page tables map device pages: %PAGE_SIZE (the default), or
	 * %SZ_64K on devices whose VRAM PTEs must be 64 KiB pages (Xe_HPC).
	 * Ranges smaller than it never migrate, a migration moves whole
	 * aligned groups of it, and a range whose device pages still do not
	 * form such groups is mapped from system memory (see "DOC: Device
	 * memory"). Set by the backend before the first fault, constant
	 * afterwards.
	 */
	u32 devmem_map_min;
	/**
	 * @vram: where GPU faults migrate memory to (NULL: nowhere); set by
	 * the backend with the VM lock held for writing
	 */
	struct xe_svm_devmem *vram;
	/**
	 * @preferred: the placement GPU faults aim for; set by the backend
	 * with the VM lock held for writing
	 */
	enum xe_svm_placement preferred;
	/**
	 * @thrash_control: ranges that bounce between VRAM and system
	 * memory are kept in system memory for a while (the default); set
	 * by the backend with the VM lock held for writing
	 */
	bool thrash_control;
	/** @ranges: the ranges, protected by the VM lock (&xe_svm_range_tree.lock) */
	struct xe_svm_range_tree ranges;
	/**
	 * @attrs: the memory-range attributes of the window, protected by
	 * the VM lock (&xe_svm_attr_tree.lock); a range never spans regions
	 * of different value
	 */
	struct xe_svm_attr_tree attrs;
	/**
	 * @notifier_lock: taken for writing by the notifier callback, for
	 * reading around the commit of GPU mappings; protects
	 * &xe_svm_range.flags and the notifier sequences. Reachable from
	 * reclaim.
	 */
	struct rw_semaphore notifier_lock;
	/** @gc_lock: protects @gc_list; innermost, taken in the notifier */
	spinlock_t gc_lock;
	/** @gc_list: unmapped ranges waiting for @gc_work */
	struct list_head gc_list;
	/** @gc_work: frees the ranges on @gc_list from process context */
	struct work_struct gc_work;
	/**
	 * @unmap_watch: notifier over the whole window, registered with the
	 * first %DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET binding (VM lock held
	 * for writing): it records what the CPU unmaps in @unmapped
	 */
	struct mmu_interval_notifier unmap_watch;
	/** @unmap_watched: @unmap_watch is registered */
	bool unmap_watched;
	/**
	 * @unmapped: intervals the CPU unmapped, whose autoreset attributes
	 * the garbage collector resets; protected by @gc_lock. When full, the
	 * last one grows to cover the next (a reset then covers more than was
	 * unmapped: counted in &xe_svm_stats.autoreset_overflows)
	 */
	struct {
		/** @unmapped.start: first byte */
		u64 start;
		/** @unmapped.end: end, exclusive */
		u64 end;
	} unmapped[XE_SVM_UNMAPPED_MAX];
	/** @nr_unmapped: entries of @unmapped in use; @gc_lock */
	unsigned int nr_unmapped;
	/** @stats: counters */
	struct xe_svm_stats stats;
};

#endif
