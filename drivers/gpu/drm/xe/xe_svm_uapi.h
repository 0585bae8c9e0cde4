/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_UAPI_H_
#define _XE_SVM_UAPI_H_

#include <linux/types.h>

struct drm_xe_vm_bind_op;
struct xe_svm;

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

#endif
