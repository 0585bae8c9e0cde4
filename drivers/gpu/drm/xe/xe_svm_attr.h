/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_ATTR_H_
#define _XE_SVM_ATTR_H_

#include <linux/bits.h>
#include <linux/rbtree.h>
#include <linux/types.h>

struct rw_semaphore;
struct xe_svm_devmem;

/**
 * enum xe_svm_pref - the preferred location of a memory range
 * @XE_SVM_PREF_DEVICE: the VRAM GPU faults of the VM migrate to by default
 *                      (&xe_svm.vram, as &xe_svm.preferred allows)
 * @XE_SVM_PREF_SYSTEM: system memory: GPU faults move nothing to VRAM
 * @XE_SVM_PREF_DEVMEM: the VRAM of &xe_svm_attr.dm, a tile a device file
 *                      and region instance named
 */
enum xe_svm_pref {
	XE_SVM_PREF_DEVICE,
	XE_SVM_PREF_SYSTEM,
	XE_SVM_PREF_DEVMEM,
};

/* Which fields of &struct xe_svm_attr a change assigns */
#define XE_SVM_ATTR_PREF	BIT(0)	/* the preferred location: @pref and the fields it uses */
#define XE_SVM_ATTR_ATOMIC	BIT(1)	/* @atomic */
#define XE_SVM_ATTR_PAT		BIT(2)	/* @pat_index */
#define XE_SVM_ATTR_BINDING	BIT(3)	/* @bind_pat, @autoreset: what a binding sets */
#define XE_SVM_ATTR_ALL		(XE_SVM_ATTR_PREF | XE_SVM_ATTR_ATOMIC | XE_SVM_ATTR_PAT | \
				 XE_SVM_ATTR_BINDING)

/**
 * struct xe_svm_attr - the memory-range attributes of an address range
 *
 * What DRM_IOCTL_XE_MADVISE sets; a value, compared field by field with
 * xe_svm_attr_equal().
 */
struct xe_svm_attr {
	/**
	 * @dm: for %XE_SVM_PREF_DEVMEM, the VRAM the range prefers (it lives
	 * as long as the device, which outlives its VMs); NULL otherwise
	 */
	struct xe_svm_devmem *dm;
	/** @devmem_fd: the devmem_fd MADVISE was given, reported back as is */
	u32 devmem_fd;
	/** @region_instance: the region instance for %XE_SVM_PREF_DEVMEM */
	u16 region_instance;
	/** @migration_policy: DRM_XE_MIGRATE_*, stored and reported */
	u16 migration_policy;
	/** @pat_index: the PAT index GPU mappings of the range use */
	u16 pat_index;
	/** @pref: an &enum xe_svm_pref */
	u8 pref;
	/** @atomic: a DRM_XE_ATOMIC_* mode */
	u8 atomic;
	/** @bind_pat: the PAT index of the mirror binding, which a reset restores */
	u16 bind_pat;
	/**
	 * @autoreset: the binding asked for
	 * %DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET: the other fields go back to
	 * the defaults where the CPU unmaps the memory
	 */
	bool autoreset;
};

/**
 * struct xe_svm_attr_region - a stretch of the window with one value
 *
 * The regions of an &xe_svm_attr_tree do not overlap and cover its
 * window without holes.
 */
struct xe_svm_attr_region {
	/** @rb: node in &xe_svm_attr_tree.root, ordered by @start */
	struct rb_node rb;
	/** @start: first byte */
	u64 start;
	/** @end: end, exclusive */
	u64 end;
	/** @attr: the attributes of every byte of [@start, @end) */
	struct xe_svm_attr attr;
};

/**
 * struct xe_svm_attr_tree - the memory-range attributes of a window
 *
 * Changed with @lock held for writing, read with it held in either mode.
 */
struct xe_svm_attr_tree {
	/** @root: the regions, ordered by address */
	struct rb_root root;
	/** @lock: the lock that protects @root (the VM lock), not owned */
	struct rw_semaphore *lock;
	/** @start: start of the window the regions cover */
	u64 start;
	/** @end: its end, exclusive */
	u64 end;
	/** @regions: number of regions in @root */
	unsigned long regions;
};

/**
 * struct xe_svm_attr_split - regions a change may need, allocated first
 *
 * A change of [start, end) cuts at most two regions in two; allocating
 * both before anything changes makes the change itself unable to fail.
 */
struct xe_svm_attr_split {
	/** @spare: regions not used yet */
	struct xe_svm_attr_region *spare[2];
};

bool xe_svm_attr_equal(const struct xe_svm_attr *a, const struct xe_svm_attr *b);
void xe_svm_attr_default(struct xe_svm_attr *attr, u16 pat_index);
void xe_svm_attr_assign(struct xe_svm_attr *dst, const struct xe_svm_attr *src,
			unsigned int mask);

int xe_svm_attr_tree_init(struct xe_svm_attr_tree *tree, struct rw_semaphore *lock,
			  u64 start, u64 end, u16 pat_index);
void xe_svm_attr_tree_fini(struct xe_svm_attr_tree *tree);

struct xe_svm_attr_region *xe_svm_attr_lookup(struct xe_svm_attr_tree *tree, u64 addr);
struct xe_svm_attr_region *xe_svm_attr_next(struct xe_svm_attr_tree *tree,
					    struct xe_svm_attr_region *region);

int xe_svm_attr_split_prepare(struct xe_svm_attr_split *split);
void xe_svm_attr_split_release(struct xe_svm_attr_split *split);
void xe_svm_attr_split_at(struct xe_svm_attr_tree *tree, struct xe_svm_attr_split *split,
			  u64 addr);
unsigned int xe_svm_attr_set(struct xe_svm_attr_tree *tree, struct xe_svm_attr_split *split,
			     u64 start, u64 end, unsigned int mask,
			     const struct xe_svm_attr *val,
			     void (*changed)(void *arg, u64 start, u64 end), void *arg);
void xe_svm_attr_merge(struct xe_svm_attr_tree *tree, u64 start, u64 end);

#endif
