// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_uapi.h"

#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include <drm/xe_drm.h>

#include "xe_svm.h"
#include "xe_svm_types.h"

/**
 * DOC: SVM uAPI checks
 *
 * The arguments of the SVM uAPI are checked here, by functions that know
 * nothing of &struct xe_device or &struct xe_vm: the xe ioctls and the
 * emulated test device both call them, so the bad-input tests of the
 * emulated device run the same code as the hardware path. Each function
 * checks only what SVM adds; the generic checks of the ioctl (its own
 * reserved fields, VM lookup) stay with the ioctl.
 *
 * The errors these checks return, and why:
 *
 * ============================== ========= ===================================
 * Path                           errno     Cause
 * ============================== ========= ===================================
 * VM_CREATE                      -EINVAL   %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR
 *                                          without %DRM_XE_VM_CREATE_FLAG_FAULT_MODE,
 *                                          or on a device or kernel that cannot
 *                                          mirror
 * VM_BIND, mirror MAP            -EINVAL   op is not %DRM_XE_VM_BIND_OP_MAP; any
 *                                          other flag; @obj, @obj_offset,
 *                                          @prefetch_mem_region_instance,
 *                                          @extensions, @pad, @pad2 or @reserved
 *                                          not zero; VM not in fault mode;
 *                                          @pat_index out of range; @addr or
 *                                          @range not page aligned; @range zero;
 *                                          @addr + @range wraps or passes the
 *                                          end of the VM
 * VM_BIND, UNMAP over a mirror   -EBUSY    the GPU still maps ranges there;
 *                                          they go away when the CPU unmaps
 *                                          the memory behind them
 * GPU fault in a mirror          -EFAULT   no CPU mapping, PROT_NONE, or the
 *                                          process is exiting
 * GPU fault in a mirror          -EPERM    write to a read-only CPU mapping
 * GPU fault in a mirror          -EBUSY    CPU invalidations kept racing the
 *                                          fault for longer than its timeout
 * GPU fault in a mirror          -ENOMEM   no memory for the range
 * ============================== ========= ===================================
 */

/**
 * xe_svm_query_config_flags() - the SVM bits of the config query
 * @can_mirror: the device has recoverable page faults, so SVM can work
 *
 * Context: any.
 * Return: the DRM_XE_QUERY_CONFIG_FLAG_* bits SVM contributes to
 * %DRM_XE_QUERY_CONFIG_FLAGS.
 */
u64 xe_svm_query_config_flags(bool can_mirror)
{
	return can_mirror ? DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR : 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_query_config_flags, DRM_XE_SVM);

/**
 * xe_svm_check_vm_create() - check the SVM flag of VM_CREATE
 * @flags: &drm_xe_vm_create.flags
 * @can_mirror: the device has recoverable page faults
 *
 * Context: any.
 * Return: 0, or -EINVAL when %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR is set
 * without %DRM_XE_VM_CREATE_FLAG_FAULT_MODE or on a device that cannot
 * mirror.
 */
int xe_svm_check_vm_create(u32 flags, bool can_mirror)
{
	if (!(flags & DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR))
		return 0;
	if (!can_mirror || !(flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return -EINVAL;

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_vm_create, DRM_XE_SVM);

/**
 * xe_svm_bind_op_is_mirror() - does a bind op ask for a CPU address mirror
 * @op: the bind op
 *
 * Context: any.
 * Return: true when @op carries %DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR; it
 * must then pass xe_svm_check_mirror_bind().
 */
bool xe_svm_bind_op_is_mirror(const struct drm_xe_vm_bind_op *op)
{
	return op->flags & DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_bind_op_is_mirror, DRM_XE_SVM);

/**
 * xe_svm_check_va_range() - check the GPU VA range of a bind op
 * @addr: start of the range
 * @range: its size in bytes
 * @va_size: size of the GPU VA space of the VM
 *
 * Context: any.
 * Return: 0, or -EINVAL when @addr or @range is not page aligned, @range
 * is zero, or [@addr, @addr + @range) wraps or does not fit in the VM.
 */
int xe_svm_check_va_range(u64 addr, u64 range, u64 va_size)
{
	u64 end;

	if (!PAGE_ALIGNED(addr) || !PAGE_ALIGNED(range) || !range)
		return -EINVAL;
	if (check_add_overflow(addr, range, &end) || end > va_size)
		return -EINVAL;

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_va_range, DRM_XE_SVM);

/**
 * xe_svm_check_mirror_bind() - check a CPU address mirror bind op
 * @op: a bind op for which xe_svm_bind_op_is_mirror() is true
 * @lim: what the VM allows
 *
 * A mirror is a %DRM_XE_VM_BIND_OP_MAP with no object, no other flag and
 * every field it does not use zero, on a fault-mode VM, over a page
 * aligned GPU VA range inside the VM.
 *
 * Context: any.
 * Return: 0, or -EINVAL (see "DOC: SVM uAPI checks").
 */
int xe_svm_check_mirror_bind(const struct drm_xe_vm_bind_op *op,
			     const struct xe_svm_vm_limits *lim)
{
	if (op->op != DRM_XE_VM_BIND_OP_MAP ||
	    op->flags != DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR)
		return -EINVAL;
	if (op->extensions || op->obj || op->obj_offset ||
	    op->prefetch_mem_region_instance || op->pad || op->pad2 ||
	    memchr_inv(op->reserved, 0, sizeof(op->reserved)))
		return -EINVAL;
	if (!lim->fault_mode || op->pat_index >= lim->pat_entries)
		return -EINVAL;

	return xe_svm_check_va_range(op->addr, op->range, lim->va_size);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_mirror_bind, DRM_XE_SVM);

/**
 * xe_svm_check_unbind() - may a mirrored GPU VA range be unbound
 * @svm: the SVM context of the VM
 * @start: start of the range to unbind
 * @end: its end (exclusive), greater than @start
 *
 * Collects the ranges the CPU already unmapped first, so that user space
 * that unmapped its memory can unbind right away.
 *
 * Context: process context, VM lock held for writing; may sleep.
 * Return: 0, or -EBUSY while ranges of @svm overlap [@start, @end).
 */
int xe_svm_check_unbind(struct xe_svm *svm, u64 start, u64 end)
{
	lockdep_assert_held_write(svm->ranges.lock);
	might_sleep();

	xe_svm_garbage_collect(svm);
	if (xe_svm_range_first(&svm->ranges, start, end))
		return -EBUSY;

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_unbind, DRM_XE_SVM);
