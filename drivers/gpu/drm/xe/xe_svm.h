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
void xe_svm_residency_print(struct xe_svm *svm, struct drm_printer *p);

#endif
