/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_MIGRATE_H_
#define _XE_SVM_MIGRATE_H_

#include <linux/mm_types.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct page;
struct vm_fault;
struct xe_svm;
struct xe_svm_devmem;
struct xe_svm_devmem_alloc;
struct xe_svm_range;

/* The smallest range a GPU fault migrates to VRAM (unless for an atomic) */
#define XE_SVM_MIGRATE_MIN_SIZE		SZ_64K

/*
 * Thrashing control: a range that migrated to VRAM this many times
 * within the window stays in system memory for the hold time (its GPU
 * mapping then reads system memory, and CPU accesses no longer fault).
 */
#define XE_SVM_THRASH_MIGRATIONS	16
#define XE_SVM_THRASH_WINDOW_MS		2000
#define XE_SVM_THRASH_HOLD_MS		1000

/**
 * enum xe_svm_placement - where a GPU fault should place memory
 * @XE_SVM_PLACE_VRAM: in the VRAM of &xe_svm.vram when the policy allows
 *                     (the default)
 * @XE_SVM_PLACE_SYSTEM: in system memory: nothing migrates, and device
 *                       atomics run on system memory
 */
enum xe_svm_placement {
	XE_SVM_PLACE_VRAM,
	XE_SVM_PLACE_SYSTEM,
};

/**
 * struct xe_svm_placement_query - what the placement policy decides on
 *
 * Everything xe_svm_placement_wants_vram() looks at, gathered by the
 * fault path, so that the policy is a pure function of it (and a table
 * of KUnit cases).
 */
struct xe_svm_placement_query {
	/** @size: bytes of the range that faulted */
	u64 size;
	/** @has_vram: the context has VRAM to migrate to */
	bool has_vram;
	/**
	 * @anon_private: the CPU VMA is anonymous and private (the only
	 * memory migrate_vma_pages() moves to device-private pages)
	 */
	bool anon_private;
	/** @hugetlb: the CPU VMA is hugetlbfs */
	bool hugetlb;
	/** @special: the CPU VMA is VM_IO, VM_PFNMAP, VM_MIXEDMAP or DAX */
	bool special;
	/** @locked: the CPU VMA is mlock()ed (VM_LOCKED) */
	bool locked;
	/**
	 * @no_access: the CPU VMA does not allow the access (PROT_NONE, or
	 * a write to a mapping without VM_WRITE): the fault will fail, and
	 * nothing must be allocated or moved for it
	 */
	bool no_access;
	/**
	 * @thrashing: the range bounced between VRAM and system memory so
	 * often that thrashing control holds it in system memory
	 */
	bool thrashing;
	/**
	 * @atomic: the access is a device atomic that needs the memory in
	 * VRAM (the backend decides which atomics do)
	 */
	bool atomic;
	/** @preferred: the placement asked for */
	enum xe_svm_placement preferred;
};

bool xe_svm_placement_wants_vram(const struct xe_svm_placement_query *q);
int xe_svm_atomic_policy(u32 mode, bool vram_preferred);
bool xe_svm_range_thrash_held(struct xe_svm_range *range, unsigned long now);
bool xe_svm_range_thrash_note(struct xe_svm_range *range, unsigned long now);
long xe_svm_range_place(struct xe_svm *svm, struct xe_svm_range *range,
			unsigned int access);
long xe_svm_range_prefetch_place(struct xe_svm *svm, struct xe_svm_range *range,
				 struct xe_svm_devmem *dm, bool *write);

/**
 * struct xe_svm_migrate_arrays - the per-page arrays of one migration
 *
 * One allocation holds all four; xe_svm_migrate_arrays_free() frees it.
 */
struct xe_svm_migrate_arrays {
	/** @src: migrate_vma source entries */
	unsigned long *src;
	/** @dst: migrate_vma destination entries */
	unsigned long *dst;
	/** @sys: the system pages of the copy */
	struct page **sys;
	/** @dev: the device pages of the copy */
	struct page **dev;
};

int xe_svm_migrate_arrays_alloc(struct xe_svm_migrate_arrays *a, unsigned long npages);
void xe_svm_migrate_arrays_free(struct xe_svm_migrate_arrays *a);
void xe_svm_devmem_release_dst(unsigned long *dst, unsigned long npages);
unsigned long xe_svm_devmem_count_migrated(const unsigned long *src,
					   const unsigned long *dst,
					   unsigned long npages);
unsigned long *xe_svm_range_peek(struct xe_svm *svm, struct xe_svm_range *range,
				 unsigned long npages);
int xe_svm_range_evict_devmem(struct xe_svm *svm, struct xe_svm_range *range);
vm_fault_t xe_svm_devmem_migrate_to_ram(struct vm_fault *vmf);
int xe_svm_devmem_evict_all(struct xe_svm_devmem *dm);
int xe_svm_devmem_alloc_evict(struct xe_svm_devmem_alloc *alloc);

#endif
