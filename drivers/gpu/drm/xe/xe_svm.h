/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_H_
#define _XE_SVM_H_

#include <linux/bits.h>
#include <linux/types.h>

/* Access bits of xe_svm_fault() */
#define XE_SVM_ACCESS_WRITE	BIT(0)	/* the GPU writes */
#define XE_SVM_ACCESS_ATOMIC	BIT(1)	/* a device atomic that needs VRAM (writes too) */

struct device;
struct drm_printer;
struct mm_struct;
struct rw_semaphore;
struct xe_svm;
struct xe_svm_attr;
struct xe_svm_devmem;
struct xe_svm_ops;
struct xe_svm_range;

/**
 * struct xe_svm_prefetch_dest - where xe_svm_prefetch() moves memory
 *
 * System memory when @to_pref_loc is false and @dm is NULL.
 */
struct xe_svm_prefetch_dest {
	/** @dm: the VRAM to move to, or NULL */
	struct xe_svm_devmem *dm;
	/**
	 * @to_pref_loc: each range goes to the preferred location of its
	 * memory-range attribute (%DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC); @dm
	 * is ignored
	 */
	bool to_pref_loc;
	/**
	 * @commit: optional; a backend whose &xe_svm_ops.bind only records
	 * the range writes its PTEs here, right after the range is mapped
	 * (VM lock held for writing; may sleep). -EAGAIN: an invalidation
	 * hit the range first; it is mapped again.
	 */
	int (*commit)(struct xe_svm *svm, struct xe_svm_range *range, void *arg);
	/** @arg: passed to @commit */
	void *arg;
};

/* The most VRAM regions xe_svm_residency() counts apart */
#define XE_SVM_RESIDENCY_REGIONS	4

/* Bits of &xe_svm_residency.flags */
#define XE_SVM_RESIDENCY_GPU_MAPPED	BIT(0)	/* the GPU maps the range */
#define XE_SVM_RESIDENCY_GPU_WRITE	BIT(1)	/* ... for writing too */
#define XE_SVM_RESIDENCY_GPU_VRAM	BIT(2)	/* ... and all of it from VRAM */
#define XE_SVM_RESIDENCY_VRAM_MIXED	BIT(3)	/* VRAM pages of two regions or more */
#define XE_SVM_RESIDENCY_INCOMPLETE	BIT(4)	/* page tables not read: no counts */

/**
 * struct xe_svm_residency - where the memory of one range is now
 *
 * Filled by xe_svm_residency(). The page counts add up to the range's
 * size unless %XE_SVM_RESIDENCY_INCOMPLETE is set, when they are all 0.
 */
struct xe_svm_residency {
	/** @start: the range's first address */
	u64 start;
	/** @end: the address after the range's last */
	u64 end;
	/** @sys: pages in system memory */
	unsigned long sys;
	/**
	 * @absent: pages with nothing behind them in the CPU page tables
	 * (never touched, discarded, swapped out) or that cannot be read
	 */
	unsigned long absent;
	/** @vram: pages in the VRAM of each region the caller named */
	unsigned long vram[XE_SVM_RESIDENCY_REGIONS];
	/** @vram_other: pages in the VRAM of a region the caller did not name */
	unsigned long vram_other;
	/** @dm: the region of the first VRAM page, or NULL */
	struct xe_svm_devmem *dm;
	/** @flags: XE_SVM_RESIDENCY_* */
	u32 flags;
	/** @err: why the page tables were not read, with INCOMPLETE */
	int err;
};

int xe_svm_init(struct xe_svm *svm, const struct xe_svm_ops *ops,
		struct device *dma_dev, struct mm_struct *mm,
		struct rw_semaphore *vm_lock, u64 win_start, u64 win_end);
void xe_svm_fini(struct xe_svm *svm);

struct xe_svm_range *xe_svm_range_find_or_create(struct xe_svm *svm, u64 addr,
						 u64 win_start, u64 win_end);
int xe_svm_range_populate(struct xe_svm *svm, struct xe_svm_range *range,
			  bool write);
void xe_svm_garbage_collect(struct xe_svm *svm);
int xe_svm_fault(struct xe_svm *svm, u64 addr, u64 win_start, u64 win_end,
		 unsigned int access, struct xe_svm_range **rangep);
void xe_svm_stats_print(struct xe_svm *svm, struct drm_printer *p);
int xe_svm_attr_change(struct xe_svm *svm, u64 start, u64 end, unsigned int mask,
		       const struct xe_svm_attr *val, bool merge);
int xe_svm_atomic_access(struct xe_svm *svm, u64 addr);
int xe_svm_prefetch(struct xe_svm *svm, u64 start, u64 end, u64 win_start, u64 win_end,
		    const struct xe_svm_prefetch_dest *dest);
u32 xe_svm_residency(struct xe_svm *svm, u64 start, u64 end,
		     struct xe_svm_devmem *const *regions, unsigned int nregions,
		     struct xe_svm_residency *out, u32 max);
void xe_svm_residency_print(struct xe_svm *svm, struct drm_printer *p);

#endif
