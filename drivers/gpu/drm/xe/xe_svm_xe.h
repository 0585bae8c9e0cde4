/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_XE_H_
#define _XE_SVM_XE_H_

#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include <drm/xe_drm.h>

struct dentry;
struct drm_device;
struct drm_file;
struct drm_xe_vm_bind_op;
struct sg_table;
struct ttm_resource;
struct xe_bo;
struct xe_device;
struct xe_tile;
struct xe_vm;
struct xe_vma;
struct xe_vma_ops;

/* The largest SVM range the xe backend binds: one 2 MiB GPU page */
#define XE_SVM_XE_MAX_RANGE	SZ_2M

/**
 * struct xe_svm_pt_range - what the page-table walk maps for an SVM range
 *
 * The description of one bind of an SVM range, which the SVM backend
 * builds under &xe_svm.notifier_lock from the range's DMA chunks and
 * which does not change until the bind is committed or aborted. The
 * page-table walk (xe_pt_stage_bind_range()) takes every PTE bit from
 * it: it reads no VMA and calls nothing of the backend's. Ranges may mix
 * VRAM and system pages page by page (some pages could not migrate), so
 * the kind of memory and the write permission are per page.
 */
struct xe_svm_pt_range {
	/** @start: the first GPU virtual address */
	u64 start;
	/** @end: the end (exclusive); at most %XE_SVM_XE_MAX_RANGE past @start */
	u64 end;
	/**
	 * @sgt: the DMA segments, in address order; a segment never mixes
	 * VRAM and system pages, and a VRAM segment's address is the
	 * device physical address to map
	 */
	struct sg_table sgt;
	/** @read_only: a bit per page from @start: the CPU maps it read-only */
	DECLARE_BITMAP(read_only, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	/** @devmem: a bit per page from @start: a device page in VRAM */
	DECLARE_BITMAP(devmem, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	/** @pat_index: the PAT index of every PTE */
	u16 pat_index;
	/**
	 * @tiles_bound: a mask of tile ids whose page tables already hold
	 * entries for the range: a bind there rewrites entries already
	 * accounted for (a rebind)
	 */
	u8 tiles_bound;
	/**
	 * @atomic: device atomics may be enabled at all (the device has
	 * the atomic-enable bit and the range's atomic attribute is not
	 * CPU-only): the PTEs of VRAM pages get it
	 */
	bool atomic;
	/**
	 * @smem_atomic: the system pages want device atomics (integrated
	 * parts, or an atomic that could not have VRAM); their PTEs get the
	 * atomic-enable bit with @atomic, where the device allows atomics
	 * on system memory
	 */
	bool smem_atomic;
};

/**
 * struct xe_svm_pt_unmap - an SVM range to take out of the page tables
 *
 * What the page-table code needs to unbind a range the CPU unmapped:
 * its addresses; the SVM backend keeps it next to its range, which the
 * unbind's commit hands back (xe_svm_xe_range_unmap_commit()).
 */
struct xe_svm_pt_unmap {
	/** @start: the first GPU virtual address */
	u64 start;
	/** @end: the end (exclusive) */
	u64 end;
};

#if IS_ENABLED(CONFIG_DRM_XE_SVM)

/* uAPI flags SVM adds to VM_CREATE and VM_BIND */
#define XE_SVM_XE_VM_CREATE_FLAGS	DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR
#define XE_SVM_XE_VM_BIND_FLAGS		(DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR | \
					 DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET)
/* The PREFETCH region that follows each range's preferred location */
#define XE_SVM_XE_PREFETCH_PREF_LOC	((u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC)

bool xe_svm_xe_can_mirror(struct xe_device *xe);
void xe_svm_xe_device_init(struct xe_device *xe);
void xe_svm_xe_device_fini(struct xe_device *xe);
bool xe_svm_xe_vram_in_use(struct xe_device *xe);
int xe_svm_xe_bo_move(struct xe_bo *bo, struct ttm_resource *new_mem);
u64 xe_svm_xe_query_config_flags(struct xe_device *xe);
int xe_svm_xe_check_vm_create(struct xe_device *xe, u32 flags);
int xe_svm_xe_vm_init(struct xe_vm *vm, u32 flags);
void xe_svm_xe_vm_fini(struct xe_vm *vm);
int xe_svm_xe_check_bind_op(struct xe_vm *vm,
			    const struct drm_xe_vm_bind_op *op);
bool xe_svm_xe_fault_is_mirrored(struct xe_vm *vm, struct xe_vma *vma);
int xe_svm_xe_handle_pagefault(struct xe_vm *vm, struct xe_tile *tile,
			       struct xe_vma *vma, u64 addr, bool write,
			       bool atomic);

int xe_svm_xe_pt_pre_commit(struct xe_vm *vm, struct xe_vma_ops *vops,
			    u8 tile_id);
void xe_svm_xe_pt_post_commit(struct xe_vm *vm);
void xe_svm_xe_assert_commit_locked(struct xe_vm *vm);
void xe_svm_xe_range_op_commit(struct xe_vm *vm, const struct xe_svm_pt_range *pt,
			       u8 tile_id);
void xe_svm_xe_range_unmap_commit(struct xe_vm *vm, const struct xe_svm_pt_unmap *pt,
				  u8 tile_id);
void xe_svm_xe_debugfs_register(struct xe_device *xe, struct dentry *root);
int xe_svm_xe_madvise_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int xe_svm_xe_query_mem_range_attrs_ioctl(struct drm_device *dev, void *data,
					  struct drm_file *file);
void xe_svm_xe_binds_done(struct xe_vm *vm, const struct drm_xe_vm_bind_op *ops, u32 n);
int xe_svm_xe_prefetch(struct xe_vm *vm, const struct drm_xe_vm_bind_op *ops, u32 n);

#else

#define XE_SVM_XE_VM_CREATE_FLAGS	0
#define XE_SVM_XE_VM_BIND_FLAGS		0
/* Without SVM there is no preferred location: region 0 is checked as any */
#define XE_SVM_XE_PREFETCH_PREF_LOC	0

static inline bool xe_svm_xe_can_mirror(struct xe_device *xe)
{
	return false;
}

static inline void xe_svm_xe_device_init(struct xe_device *xe)
{
}

static inline void xe_svm_xe_device_fini(struct xe_device *xe)
{
}

static inline bool xe_svm_xe_vram_in_use(struct xe_device *xe)
{
	return false;
}

static inline int xe_svm_xe_bo_move(struct xe_bo *bo, struct ttm_resource *new_mem)
{
	return -ENODEV;
}

static inline u64 xe_svm_xe_query_config_flags(struct xe_device *xe)
{
	return 0;
}

static inline int xe_svm_xe_check_vm_create(struct xe_device *xe, u32 flags)
{
	return 0;
}

static inline int xe_svm_xe_vm_init(struct xe_vm *vm, u32 flags)
{
	return 0;
}

static inline void xe_svm_xe_vm_fini(struct xe_vm *vm)
{
}

static inline int xe_svm_xe_check_bind_op(struct xe_vm *vm,
					  const struct drm_xe_vm_bind_op *op)
{
	return 0;
}

static inline bool xe_svm_xe_fault_is_mirrored(struct xe_vm *vm,
					       struct xe_vma *vma)
{
	return false;
}

static inline int xe_svm_xe_handle_pagefault(struct xe_vm *vm,
					     struct xe_tile *tile,
					     struct xe_vma *vma, u64 addr,
					     bool write, bool atomic)
{
	return -EINVAL;
}

static inline int xe_svm_xe_pt_pre_commit(struct xe_vm *vm,
					  struct xe_vma_ops *vops, u8 tile_id)
{
	return 0;
}

static inline void xe_svm_xe_pt_post_commit(struct xe_vm *vm)
{
}

static inline void xe_svm_xe_assert_commit_locked(struct xe_vm *vm)
{
}

static inline void xe_svm_xe_range_op_commit(struct xe_vm *vm,
					     const struct xe_svm_pt_range *pt,
					     u8 tile_id)
{
}

static inline void xe_svm_xe_range_unmap_commit(struct xe_vm *vm,
						const struct xe_svm_pt_unmap *pt,
						u8 tile_id)
{
}

static inline void xe_svm_xe_debugfs_register(struct xe_device *xe,
					      struct dentry *root)
{
}

static inline int xe_svm_xe_madvise_ioctl(struct drm_device *dev, void *data,
					  struct drm_file *file)
{
	return -EOPNOTSUPP;
}

static inline int xe_svm_xe_query_mem_range_attrs_ioctl(struct drm_device *dev,
							void *data,
							struct drm_file *file)
{
	return -EOPNOTSUPP;
}

static inline void xe_svm_xe_binds_done(struct xe_vm *vm,
					const struct drm_xe_vm_bind_op *ops, u32 n)
{
}

static inline int xe_svm_xe_prefetch(struct xe_vm *vm,
				     const struct drm_xe_vm_bind_op *ops, u32 n)
{
	return 0;
}

#endif

#endif
