// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_uapi.h"

#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include <drm/xe_drm.h>

#include "xe_svm.h"
#include "xe_svm_attr.h"
#include "xe_svm_types.h"

/*
 * The layouts upstream xe gave these structures: user space built against
 * upstream's header must run unchanged, so every build proves them.
 */
static_assert(sizeof(struct drm_xe_madvise) == 64);
static_assert(offsetof(struct drm_xe_madvise, start) == 8);
static_assert(offsetof(struct drm_xe_madvise, range) == 16);
static_assert(offsetof(struct drm_xe_madvise, vm_id) == 24);
static_assert(offsetof(struct drm_xe_madvise, type) == 28);
static_assert(offsetof(struct drm_xe_madvise, preferred_mem_loc.devmem_fd) == 32);
static_assert(offsetof(struct drm_xe_madvise, preferred_mem_loc.migration_policy) == 36);
static_assert(offsetof(struct drm_xe_madvise, preferred_mem_loc.region_instance) == 38);
static_assert(offsetof(struct drm_xe_madvise, preferred_mem_loc.reserved) == 40);
static_assert(offsetof(struct drm_xe_madvise, atomic.pad) == 36);
static_assert(offsetof(struct drm_xe_madvise, pat_index.val) == 32);
static_assert(offsetof(struct drm_xe_madvise, reserved) == 48);
static_assert(sizeof(struct drm_xe_mem_range_attr) == 64);
static_assert(offsetof(struct drm_xe_mem_range_attr, start) == 8);
static_assert(offsetof(struct drm_xe_mem_range_attr, end) == 16);
static_assert(offsetof(struct drm_xe_mem_range_attr, preferred_mem_loc.devmem_fd) == 24);
static_assert(offsetof(struct drm_xe_mem_range_attr, preferred_mem_loc.migration_policy) == 28);
static_assert(offsetof(struct drm_xe_mem_range_attr, atomic.val) == 32);
static_assert(offsetof(struct drm_xe_mem_range_attr, pat_index.val) == 40);
static_assert(offsetof(struct drm_xe_mem_range_attr, reserved) == 48);
static_assert(sizeof(struct drm_xe_vm_query_mem_range_attr) == 64);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, vm_id) == 8);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, num_mem_ranges) == 12);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, start) == 16);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, range) == 24);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, sizeof_mem_range_attr) == 32);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, vector_of_mem_attr) == 40);
static_assert(offsetof(struct drm_xe_vm_query_mem_range_attr, reserved) == 48);

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
 *                                          other flag than
 *                                          %DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET;
 *                                          @obj, @obj_offset,
 *                                          @prefetch_mem_region_instance,
 *                                          @extensions, @pad, @pad2 or @reserved
 *                                          not zero; VM not in fault mode;
 *                                          @pat_index out of range; @addr or
 *                                          @range not page aligned; @range zero;
 *                                          @addr + @range wraps or passes the
 *                                          end of the VM; @pat_index not
 *                                          coherent with the CPU's caches
 * MADVISE                        -EINVAL   @start or @range not page aligned,
 *                                          @range zero, or the range wraps or
 *                                          passes the end of the VM; unknown
 *                                          @type; @extensions, a pad or a
 *                                          reserved field not zero; VM not in
 *                                          fault mode; devmem_fd below -1;
 *                                          region_instance with a default
 *                                          location or not a VRAM region of
 *                                          the device; migration_policy,
 *                                          atomic mode or PAT index out of
 *                                          range, or a PAT index not coherent
 *                                          with the CPU's caches; devmem_fd
 *                                          not a file of this driver
 * MADVISE                        -EBADF    devmem_fd is not an open file
 * MADVISE                        -ENOLINK  devmem_fd is another device, which
 *                                          the VM's device cannot reach
 * QUERY_MEM_RANGE_ATTRS          -EINVAL   range as for MADVISE; @extensions
 *                                          or reserved not zero; neither the
 *                                          count call (@num_mem_ranges,
 *                                          @sizeof_mem_range_attr and
 *                                          @vector_of_mem_attr zero) nor the
 *                                          fill call (all three set, the size
 *                                          that of &struct
 *                                          drm_xe_mem_range_attr)
 * QUERY_MEM_RANGE_ATTRS          -ENOSPC   more ranges than @num_mem_ranges
 *                                          (they changed since the count)
 * GPU atomic in a mirror         -EACCES   the range's atomic mode is
 *                                          %DRM_XE_ATOMIC_CPU
 * VM_BIND, PREFETCH              -EINVAL   a flag (the mirror flag too); @obj,
 *                                          @obj_offset, @extensions, a pad or
 *                                          reserved field not zero;
 *                                          @pat_index out of range; the
 *                                          region neither 0 (system), a VRAM
 *                                          region of the device, nor
 *                                          %DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC;
 *                                          range as for MAP
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

/* A PAT index CPU memory may be mapped with: valid, and CPU-coherent. */
static bool xe_svm_pat_usable(const struct xe_svm_vm_limits *lim, u32 pat_index)
{
	return pat_index < lim->pat_entries &&
	       !(pat_index < 32 && (lim->pat_no_coherency & BIT(pat_index)));
}

/**
 * xe_svm_check_mirror_bind() - check a CPU address mirror bind op
 * @op: a bind op for which xe_svm_bind_op_is_mirror() is true
 * @lim: what the VM allows
 *
 * A mirror is a %DRM_XE_VM_BIND_OP_MAP with no object, no other flag than
 * %DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET and
 * every field it does not use zero, on a fault-mode VM, over a page
 * aligned GPU VA range inside the VM, with a PAT index coherent with the
 * CPU's caches.
 *
 * Context: any.
 * Return: 0, or -EINVAL (see "DOC: SVM uAPI checks").
 */
int xe_svm_check_mirror_bind(const struct drm_xe_vm_bind_op *op,
			     const struct xe_svm_vm_limits *lim)
{
	if (op->op != DRM_XE_VM_BIND_OP_MAP ||
	    (op->flags & ~DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET) !=
	    DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR)
		return -EINVAL;
	if (op->extensions || op->obj || op->obj_offset ||
	    op->prefetch_mem_region_instance || op->pad || op->pad2 ||
	    memchr_inv(op->reserved, 0, sizeof(op->reserved)))
		return -EINVAL;
	if (!lim->fault_mode || !xe_svm_pat_usable(lim, op->pat_index))
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

/**
 * xe_svm_check_prefetch() - check a PREFETCH bind op of mirrored memory
 * @op: a %DRM_XE_VM_BIND_OP_PREFETCH op
 * @lim: what the VM allows
 *
 * A prefetch names its destination with @op->prefetch_mem_region_instance:
 * 0 for system memory, a VRAM region instance, or
 * %DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC for the preferred location of each
 * range. It takes no flag: the mirror flag belongs to the MAP that made
 * the mirror.
 *
 * Context: any.
 * Return: 0, or -EINVAL (see "DOC: SVM uAPI checks").
 */
int xe_svm_check_prefetch(const struct drm_xe_vm_bind_op *op,
			  const struct xe_svm_vm_limits *lim)
{
	u32 region = op->prefetch_mem_region_instance;

	if (op->op != DRM_XE_VM_BIND_OP_PREFETCH || op->flags || op->extensions ||
	    op->obj || op->obj_offset || op->pad || op->pad2 ||
	    memchr_inv(op->reserved, 0, sizeof(op->reserved)) ||
	    op->pat_index >= lim->pat_entries)
		return -EINVAL;
	if (region && region != (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC &&
	    (region >= 32 || !(lim->vram_regions & BIT(region))))
		return -EINVAL;

	return xe_svm_check_va_range(op->addr, op->range, lim->va_size);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_prefetch, DRM_XE_SVM);

/**
 * xe_svm_check_madvise() - check the arguments of MADVISE
 * @args: the arguments, as user space gave them
 * @lim: what the VM allows
 *
 * Everything but the device file of a preferred location, which the
 * caller resolves (-EBADF, -EINVAL, -ENOLINK; see "DOC: SVM uAPI
 * checks").
 *
 * Context: any.
 * Return: 0, or -EINVAL.
 */
int xe_svm_check_madvise(const struct drm_xe_madvise *args,
			 const struct xe_svm_vm_limits *lim)
{
	if (args->extensions || memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	if (!lim->fault_mode || xe_svm_check_va_range(args->start, args->range, lim->va_size))
		return -EINVAL;

	switch (args->type) {
	case DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC: {
		s32 fd = (s32)args->preferred_mem_loc.devmem_fd;

		if (fd < DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM ||
		    (fd <= DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE &&
		     args->preferred_mem_loc.region_instance) ||
		    args->preferred_mem_loc.migration_policy > DRM_XE_MIGRATE_ONLY_SYSTEM_PAGES ||
		    args->preferred_mem_loc.reserved)
			return -EINVAL;
		return 0;
	}
	case DRM_XE_MEM_RANGE_ATTR_ATOMIC:
		if (args->atomic.val > DRM_XE_ATOMIC_CPU || args->atomic.pad ||
		    args->atomic.reserved)
			return -EINVAL;
		return 0;
	case DRM_XE_MEM_RANGE_ATTR_PAT:
		if (!xe_svm_pat_usable(lim, args->pat_index.val) || args->pat_index.pad ||
		    args->pat_index.reserved)
			return -EINVAL;
		return 0;
	default:
		/* 3 is upstream's purgeable state of buffer objects: not ours. */
		return -EINVAL;
	}
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_madvise, DRM_XE_SVM);

/**
 * xe_svm_madvise_value() - the attribute value a MADVISE asks for
 * @args: arguments xe_svm_check_madvise() accepted
 * @val: set to the value (the fields of *@mask; the others zero)
 * @mask: set to the XE_SVM_ATTR_* bits of the attribute
 *
 * Context: any.
 * Return: 0 when @val is complete; 1 when it names a device file:
 * @val->pref is %XE_SVM_PREF_DEVMEM, and the caller resolves the file and
 * @val->region_instance to &xe_svm_attr.dm.
 */
int xe_svm_madvise_value(const struct drm_xe_madvise *args, struct xe_svm_attr *val,
			 unsigned int *mask)
{
	s32 fd = (s32)args->preferred_mem_loc.devmem_fd;

	memset(val, 0, sizeof(*val));
	switch (args->type) {
	case DRM_XE_MEM_RANGE_ATTR_ATOMIC:
		*mask = XE_SVM_ATTR_ATOMIC;
		val->atomic = args->atomic.val;
		return 0;
	case DRM_XE_MEM_RANGE_ATTR_PAT:
		*mask = XE_SVM_ATTR_PAT;
		val->pat_index = args->pat_index.val;
		return 0;
	}

	*mask = XE_SVM_ATTR_PREF;
	val->devmem_fd = args->preferred_mem_loc.devmem_fd;
	val->migration_policy = args->preferred_mem_loc.migration_policy;
	if (fd == DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE) {
		val->pref = XE_SVM_PREF_DEVICE;
		return 0;
	}
	if (fd == DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM) {
		val->pref = XE_SVM_PREF_SYSTEM;
		return 0;
	}
	val->pref = XE_SVM_PREF_DEVMEM;
	val->region_instance = args->preferred_mem_loc.region_instance;
	return 1;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_madvise_value, DRM_XE_SVM);

/**
 * xe_svm_check_query_attrs() - check the arguments of QUERY_MEM_RANGE_ATTRS
 * @args: the arguments, as user space gave them
 * @lim: what the VM allows
 * @count_only: set to true for the first call of the protocol (count the
 *              ranges), false for the second (fill the vector)
 *
 * Stricter than upstream, which ignores @args->extensions, the reserved
 * fields and the alignment: a caller that sets them expects something
 * this kernel does not do.
 *
 * Context: any.
 * Return: 0, or -EINVAL.
 */
int xe_svm_check_query_attrs(const struct drm_xe_vm_query_mem_range_attr *args,
			     const struct xe_svm_vm_limits *lim, bool *count_only)
{
	if (args->extensions || memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	if (xe_svm_check_va_range(args->start, args->range, lim->va_size))
		return -EINVAL;

	if (!args->num_mem_ranges && !args->sizeof_mem_range_attr &&
	    !args->vector_of_mem_attr) {
		*count_only = true;
		return 0;
	}
	if (args->num_mem_ranges && args->vector_of_mem_attr &&
	    args->sizeof_mem_range_attr == sizeof(struct drm_xe_mem_range_attr)) {
		*count_only = false;
		return 0;
	}

	return -EINVAL;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_check_query_attrs, DRM_XE_SVM);

/**
 * xe_svm_mem_range_attr_fill() - one entry of QUERY_MEM_RANGE_ATTRS
 * @out: the entry, every field written
 * @start: start of the memory range
 * @end: its end, exclusive
 * @attr: its attributes
 *
 * Context: any.
 */
void xe_svm_mem_range_attr_fill(struct drm_xe_mem_range_attr *out, u64 start, u64 end,
				const struct xe_svm_attr *attr)
{
	memset(out, 0, sizeof(*out));
	out->start = start;
	out->end = end;
	out->preferred_mem_loc.devmem_fd = attr->devmem_fd;
	out->preferred_mem_loc.migration_policy = attr->migration_policy;
	out->atomic.val = attr->atomic;
	out->pat_index.val = attr->pat_index;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_mem_range_attr_fill, DRM_XE_SVM);
