/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_UAPI_H_
#define _XE_SVM_UAPI_H_

#include <linux/types.h>

struct drm_xe_madvise;
struct drm_xe_mem_range_attr;
struct drm_xe_vm_bind_op;
struct drm_xe_vm_query_mem_range_attr;
struct xe_svm;
struct xe_svm_attr;

/**
 * struct xe_svm_vm_limits - what a VM allows, for checking SVM arguments
 *
 * Filled by the caller (the xe ioctl or the emulated device) from its VM
 * and device, so that the checks do not depend on either.
 */
struct xe_svm_vm_limits {
	/** @va_size: size of the GPU VA space of the VM, in bytes */
	u64 va_size;
	/** @pat_entries: number of valid PAT indices of the device */
	u16 pat_entries;
	/**
	 * @pat_no_coherency: PAT indices (bits) that are not coherent with
	 * the CPU's caches: CPU memory must not be mapped with them
	 */
	u32 pat_no_coherency;
	/**
	 * @vram_regions: the memory region instances (bits) that are VRAM a
	 * prefetch may name; instance 0 is system memory
	 */
	u32 vram_regions;
	/** @fault_mode: the VM was created in fault mode */
	bool fault_mode;
};

u64 xe_svm_query_config_flags(bool can_mirror);
int xe_svm_check_vm_create(u32 flags, bool can_mirror);
bool xe_svm_bind_op_is_mirror(const struct drm_xe_vm_bind_op *op);
int xe_svm_check_va_range(u64 addr, u64 range, u64 va_size);
int xe_svm_check_mirror_bind(const struct drm_xe_vm_bind_op *op,
			     const struct xe_svm_vm_limits *lim);
int xe_svm_check_unbind(struct xe_svm *svm, u64 start, u64 end);
int xe_svm_check_prefetch(const struct drm_xe_vm_bind_op *op,
			  const struct xe_svm_vm_limits *lim);
int xe_svm_check_madvise(const struct drm_xe_madvise *args,
			 const struct xe_svm_vm_limits *lim);
int xe_svm_madvise_value(const struct drm_xe_madvise *args, struct xe_svm_attr *val,
			 unsigned int *mask);
int xe_svm_check_query_attrs(const struct drm_xe_vm_query_mem_range_attr *args,
			     const struct xe_svm_vm_limits *lim, bool *count_only);
void xe_svm_mem_range_attr_fill(struct drm_xe_mem_range_attr *out, u64 start, u64 end,
				const struct xe_svm_attr *attr);

#endif
