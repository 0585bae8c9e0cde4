// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_xe.h"

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/lockdep.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include <drm/drm_drv.h>
#include <drm/drm_exec.h>
#include <drm/drm_gpuvm.h>
#include <drm/drm_print.h>
#include <kunit/static_stub.h>

#include "xe_device.h"
#include "xe_gt_tlb_invalidation.h"
#include "xe_pt.h"
#include "xe_sriov.h"
#include "xe_svm.h"
#include "xe_svm_types.h"
#include "xe_svm_uapi.h"
#include "xe_vm.h"

/**
 * DOC: xe hardware backend
 *
 * The xe backend of the SVM core writes GPU page tables through xe_pt,
 * invalidates GPU TLBs through the GuC and is fed by the GuC page-fault
 * handler. Its pieces, in the order a fault meets them:
 *
 * Where mirroring applies. A CPU address mirror binding
 * (%DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR) is a BO-less VMA flagged
 * XE_VMA_CPU_ADDR_MIRROR; it has no PTEs of its own, so splitting or
 * unbinding it never touches page tables. A VM created with
 * %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR gets no VMA at all: a fault at an
 * address no VMA covers is served by SVM, in the window between the
 * neighbouring VMAs. Buffer objects bound later thus take precedence where
 * they are bound, and their gaps are mirrored again once they go away.
 * Bind operations that would take addresses away from live ranges (MAP of
 * anything but a mirror, UNMAP) fail with -EBUSY before anything changes;
 * PREFETCH of a mirror is -EINVAL.
 *
 * Arm, then commit. Writing PTEs allocates (page tables, the job, fences)
 * and needs the VM's dma-resv, so it cannot happen in the core's bind
 * operation, which runs under the notifier lock. That operation only
 * records the range in &xe_vm.svm_armed. Once xe_svm_fault() returns, the
 * fault handler, still holding the VM lock for writing, builds a temporary
 * range VMA (XE_VMA_SVM_RANGE, never inserted in the VM) over exactly the
 * range, with a scatter-gather table made of the range's DMA chunks
 * (adjacent chunks merged where the DMA addresses follow each other and
 * the permission is the same), and hands it to xe_vma_rebind(). xe_pt
 * walks it like a userptr: a 2 MiB leaf where a 2 MiB aligned segment
 * covers a 2 MiB aligned entry, the 64 KiB hint where a 64 KiB aligned
 * segment piece allows it, 4 KiB PTEs otherwise; chunks the CPU maps
 * read-only get read-only PTEs. Just before the page-table update becomes
 * visible (the migrate pre_commit hook), xe_svm_xe_pt_pre_commit() takes
 * the notifier lock for reading and checks that every chunk is still
 * DMA-mapped and the range still mapped by the CPU, else -EAGAIN; the
 * lock is held until the job is pushed and its fence installed in the VM
 * dma-resv, exactly like the userptr notifier lock. The handler retries
 * the whole fault a bounded number of times on -EAGAIN.
 *
 * Invalidate. Under the notifier lock held for writing: nothing when the
 * range is mapped on no tile; otherwise wait for the fault-time binds
 * still in flight (the kernel fences of the VM dma-resv), zero the leaf
 * PTEs of the whole range on every tile where it is mapped (directory
 * entries stay: ranges are never unbound, so the page tables they leave
 * behind must keep matching the software tree, and later ranges reuse
 * them), then invalidate the TLB of the range with the VM's ASID on the
 * tile's primary and media GT and wait for the GuC.
 *
 * Page tables left by ranges are freed with the VM, or when a buffer
 * object binding later replaces them.
 */

/* Faults retried when an invalidation races the bind of the range. */
#define XE_SVM_XE_FAULT_TRIES	8

/* Largest range the core creates. */
#define XE_SVM_XE_MAX_RANGE	SZ_2M

/*
 * The temporary VMA that binds one range: a plain &xe_vma the page-table
 * code walks through @sgt, with the read-only pages marked in @read_only.
 */
struct svmxe_range_vma {
	struct xe_vma vma;
	struct xe_svm_range *range;
	struct sg_table sgt;
	DECLARE_BITMAP(read_only, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
};

static struct svmxe_range_vma *to_svmxe_range_vma(struct xe_vma *vma)
{
	return container_of(vma, struct svmxe_range_vma, vma);
}

static struct xe_vm *svm_to_vm(struct xe_svm *svm)
{
	return container_of(svm, struct xe_vm, svm);
}

/*
 * Seams: every call that reaches the core's fault path or the hardware
 * goes through one of these, so that KUnit can see what is asked.
 */

static int svmxe_core_fault(struct xe_vm *vm, u64 addr, u64 start, u64 end,
			    bool write, struct xe_svm_range **rangep)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_core_fault, vm, addr, start, end, write,
				   rangep);

	return xe_svm_fault(&vm->svm, addr, start, end,
			    write ? XE_SVM_ACCESS_WRITE : 0, rangep);
}

/*
 * The core found @range already mapped as the access needs and did not
 * bind it: is it mapped on @tile too? Otherwise it still has to be bound
 * there (another tile faulted first, or an earlier commit failed).
 */
static bool svmxe_range_mapped_on(struct xe_vm *vm, struct xe_svm_range *range,
				  struct xe_tile *tile)
{
	bool mapped;

	down_read(&vm->svm.notifier_lock);
	mapped = range->tiles_mapped & BIT(tile->id);
	up_read(&vm->svm.notifier_lock);

	return mapped;
}

/*
 * Write the PTEs of @vma on @tile_mask and wait until they are written.
 * The VM dma-resv is locked through drm_exec, so that page-table
 * allocations may evict with its acquire context, as on other faults.
 */
static int svmxe_run_bind(struct xe_vm *vm, struct xe_vma *vma, u8 tile_mask)
{
	struct dma_fence *fence;
	struct drm_exec exec;
	int err;

	KUNIT_STATIC_STUB_REDIRECT(svmxe_run_bind, vm, vma, tile_mask);

	drm_exec_init(&exec, 0, 0);
	drm_exec_until_all_locked(&exec) {
		err = xe_vm_lock_vma(&exec, vma);
		drm_exec_retry_on_contention(&exec);
	}
	if (err)
		goto out_fini;

	fence = xe_vma_rebind(vm, vma, tile_mask);
	if (IS_ERR(fence)) {
		err = PTR_ERR(fence);
		goto out_fini;
	}

	dma_fence_wait(fence, false);
	dma_fence_put(fence);

out_fini:
	drm_exec_fini(&exec);
	return err;
}

/*
 * Wait for the range binds pushed so far. xe_vma_rebind() installs its
 * fences with DMA_RESV_USAGE_KERNEL, so binds from VM_BIND that only have
 * BOOKKEEP fences (and may wait on user fences) are not waited for here.
 */
static void svmxe_wait_binds(struct xe_vm *vm)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_wait_binds, vm);

	dma_resv_wait_timeout(xe_vm_resv(vm), DMA_RESV_USAGE_KERNEL, false,
			      MAX_SCHEDULE_TIMEOUT);
}

/* Zero the leaf PTEs of [@start, @end) on @tile; true if any was written. */
static bool svmxe_zap(struct xe_tile *tile, struct xe_vm *vm, u64 start,
		      u64 end)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_zap, tile, vm, start, end);

	if (!xe_pt_zap_range_leaves(tile, vm, start, end))
		return false;

	xe_device_wmb(tile_to_xe(tile));
	return true;
}

static int svmxe_tlb_inval(struct xe_gt *gt,
			   struct xe_gt_tlb_invalidation_fence *fence,
			   u64 start, u64 end, u32 asid)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_tlb_inval, gt, fence, start, end, asid);

	xe_gt_tlb_invalidation_fence_init(gt, fence, true);
	return xe_gt_tlb_invalidation_range(gt, fence, start, end, asid);
}

static void svmxe_tlb_wait(struct xe_gt_tlb_invalidation_fence *fence)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_tlb_wait, fence);

	xe_gt_tlb_invalidation_fence_wait(fence);
}

/*
 * Page sizes. A segment is a piece of the range whose DMA addresses are
 * contiguous and whose pages share one permission.
 */

/*
 * Walk the DMA chunks of @range as segments: fill @sgl when given, mark
 * the pages of read-only chunks in @read_only when given, and return the
 * number of segments. Chunks merge when their DMA addresses follow each
 * other and they have the same permission.
 */
static unsigned int svmxe_segments(const struct xe_svm_range *range,
				   struct scatterlist *sgl,
				   unsigned long *read_only)
{
	struct scatterlist *sg = NULL;
	dma_addr_t next_dma = 0;
	unsigned int i, n = 0;
	bool write = false;
	u64 offset = 0;

	for (i = 0; i < range->dma_nr; i++) {
		const struct xe_svm_dma_chunk *c = &range->dma[i];
		u64 size = PAGE_SIZE << c->order;

		if (!n || c->addr != next_dma || c->write != write) {
			n++;
			if (sgl) {
				sg = sg ? sg_next(sg) : sgl;
				sg_dma_address(sg) = c->addr;
				sg_dma_len(sg) = 0;
			}
			write = c->write;
		}
		if (sg)
			sg_dma_len(sg) += size;
		if (read_only && !c->write)
			bitmap_set(read_only, offset >> PAGE_SHIFT, 1 << c->order);

		next_dma = c->addr + size;
		offset += size;
	}

	return n;
}

/*
 * The page size the xe page-table walk picks at @va, a leaf boundary of
 * the segment [@seg_va, @seg_va + @seg_len) mapped at @seg_dma: 2 MiB when
 * the aligned 2 MiB entry lies in the segment at a 2 MiB aligned DMA
 * address (xe_pt_hugepte_possible()), 64 KiB under the same rule for a
 * 64 KiB block (xe_pt_scan_64K(), the PS64 hint), 4 KiB otherwise.
 */
static u64 svmxe_page_size(u64 va, u64 seg_va, u64 seg_len, dma_addr_t seg_dma)
{
	static const u64 sizes[] = { SZ_2M, SZ_64K };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 size = sizes[i];

		if (IS_ALIGNED(va, size) && va + size <= seg_va + seg_len &&
		    IS_ALIGNED(seg_dma + (va - seg_va), size))
			return size;
	}

	return SZ_4K;
}

/* How a bound range is laid out in the GPU page tables. */
struct svmxe_layout {
	unsigned int segs;
	unsigned int pages_2m;
	unsigned int pages_64k;
	unsigned int pages_4k;
};

static void svmxe_layout(const struct sg_table *sgt, u64 start,
			 struct svmxe_layout *lay)
{
	struct scatterlist *sg;
	unsigned int i;
	u64 va = start;

	memset(lay, 0, sizeof(*lay));
	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 seg_va = va, seg_len = sg_dma_len(sg);

		lay->segs++;
		while (va < seg_va + seg_len) {
			u64 size = svmxe_page_size(va, seg_va, seg_len,
						   sg_dma_address(sg));

			if (size == SZ_2M)
				lay->pages_2m++;
			else if (size == SZ_64K)
				lay->pages_64k++;
			else
				lay->pages_4k++;
			va += size;
		}
	}
}

static bool svmxe_range_valid(const struct xe_svm_range *range)
{
	unsigned int i;

	if (test_bit(XE_SVM_RANGE_UNMAPPED, &range->flags) || !range->dma_nr)
		return false;

	for (i = 0; i < range->dma_nr; i++)
		if (!range->dma[i].mapped)
			return false;

	return true;
}

/*
 * Build the range VMA that binds @range with @pat_index. -EAGAIN when an
 * invalidation already hit the range since it was populated.
 */
static struct svmxe_range_vma *svmxe_range_vma_create(struct xe_vm *vm,
						      struct xe_svm_range *range,
						      u16 pat_index)
{
	struct xe_device *xe = vm->xe;
	struct svmxe_range_vma *rvma;
	struct xe_tile *tile;
	struct xe_vma *vma;
	unsigned int nsegs;
	int err;
	u8 id;

	lockdep_assert_held_write(&vm->lock);

	if (drm_WARN_ON(&xe->drm, !range->dma_nr ||
			xe_svm_range_size(range) > XE_SVM_XE_MAX_RANGE))
		return ERR_PTR(-EINVAL);

	rvma = kzalloc(sizeof(*rvma), GFP_KERNEL);
	if (!rvma)
		return ERR_PTR(-ENOMEM);

	/* The VM lock keeps the chunk array; only their state may change. */
	nsegs = svmxe_segments(range, NULL, NULL);
	err = sg_alloc_table(&rvma->sgt, nsegs, GFP_KERNEL);
	if (err)
		goto err_free;

	down_read(&vm->svm.notifier_lock);
	if (!svmxe_range_valid(range)) {
		up_read(&vm->svm.notifier_lock);
		err = -EAGAIN;
		goto err_free_sg;
	}
	svmxe_segments(range, rvma->sgt.sgl, rvma->read_only);
	up_read(&vm->svm.notifier_lock);

	rvma->range = range;
	vma = &rvma->vma;
	INIT_LIST_HEAD(&vma->combined_links.rebind);
	INIT_LIST_HEAD(&vma->gpuva.gem.entry);
	vma->gpuva.vm = &vm->gpuvm;
	vma->gpuva.va.addr = range->start;
	vma->gpuva.va.range = xe_svm_range_size(range);
	vma->gpuva.flags = XE_VMA_SVM_RANGE;
	if (xe->info.has_atomic_enable_pte_bit)
		vma->gpuva.flags |= XE_VMA_ATOMIC_PTE_BIT;
	vma->pat_index = pat_index;
	for_each_tile(tile, xe, id)
		vma->tile_mask |= BIT(id);
	/* Entries already accounted for in the page tables of these tiles */
	vma->tile_present = range->tiles_bound;

	return rvma;

err_free_sg:
	sg_free_table(&rvma->sgt);
err_free:
	kfree(rvma);
	return ERR_PTR(err);
}

static void svmxe_range_vma_destroy(struct svmxe_range_vma *rvma)
{
	sg_free_table(&rvma->sgt);
	kfree(rvma);
}

/* The core's bind: arm only; the fault handler commits (see the DOC). */
static int svmxe_bind(struct xe_svm *svm, struct xe_svm_range *range,
		      const unsigned long *pfns)
{
	struct xe_vm *vm = svm_to_vm(svm);

	lockdep_assert_held_read(&svm->notifier_lock);
	lockdep_assert_held_write(&vm->lock);

	vm->svm_armed = range;

	return 0;
}

/*
 * The core's invalidate. The zap always covers the whole range: a leaf may
 * be larger than [@start, @end), and the range is remapped whole on the
 * next fault anyway.
 */
static void svmxe_invalidate(struct xe_svm *svm, struct xe_svm_range *range,
			     u64 start, u64 end)
{
	struct xe_gt_tlb_invalidation_fence
		fence[XE_MAX_TILES_PER_DEVICE * XE_MAX_GT_PER_TILE];
	struct xe_vm *vm = svm_to_vm(svm);
	u64 zap_start = range->start, zap_end = range->last + 1;
	struct xe_device *xe = vm->xe;
	unsigned int i, nr = 0;
	struct xe_tile *tile;
	int idx, err;
	u8 id;

	lockdep_assert_held_write(&svm->notifier_lock);

	if (!range->tiles_mapped)
		return;

	/* A bind pushed before the lock was taken may still be writing. */
	svmxe_wait_binds(vm);

	/* With the device gone, nothing reaches the pages any more. */
	if (!drm_dev_enter(&xe->drm, &idx))
		goto out;

	for_each_tile(tile, xe, id) {
		if (!(range->tiles_mapped & BIT(id)) ||
		    !svmxe_zap(tile, vm, zap_start, zap_end))
			continue;

		err = svmxe_tlb_inval(tile->primary_gt, &fence[nr++],
				      zap_start, zap_end, vm->usm.asid);
		drm_WARN_ON(&xe->drm, err);
		if (!tile->media_gt)
			continue;

		err = svmxe_tlb_inval(tile->media_gt, &fence[nr++],
				      zap_start, zap_end, vm->usm.asid);
		drm_WARN_ON(&xe->drm, err);
	}

	for (i = 0; i < nr; i++)
		svmxe_tlb_wait(&fence[i]);

	drm_dev_exit(idx);
out:
	range->tiles_mapped = 0;
}

static const struct xe_svm_ops xe_svm_xe_ops = {
	.invalidate = svmxe_invalidate,
	.bind = svmxe_bind,
};

static struct xe_svm_range *svmxe_op_range(struct xe_vma_op *op)
{
	if (op->base.op != DRM_GPUVA_OP_MAP ||
	    !xe_vma_is_svm_range(op->map.vma))
		return NULL;

	return to_svmxe_range_vma(op->map.vma)->range;
}

/**
 * xe_svm_xe_pt_pre_commit() - check and lock the SVM ranges of a bind
 * @vm: the VM
 * @vops: the operations about to be committed
 * @tile_id: the tile whose page tables they update
 *
 * Called by the page-table code just before the update of @tile_id
 * becomes visible to the GPU. Takes the SVM notifier lock for reading and
 * checks that no invalidation hit any SVM range of @vops since its pages
 * were read: every DMA chunk still mapped and the range not unmapped by
 * the CPU. On success the ranges are marked bound and mapped on @tile_id
 * and the lock stays held until xe_svm_xe_pt_post_commit().
 *
 * Context: VM lock held for writing, VM dma-resv held; takes
 * &xe_svm.notifier_lock (for reading), which it keeps on success; no
 * allocation after that.
 * Return: 0 with the lock held, or -EAGAIN without it.
 */
int xe_svm_xe_pt_pre_commit(struct xe_vm *vm, struct xe_vma_ops *vops,
			    u8 tile_id)
{
	struct xe_svm_range *range;
	struct xe_vma_op *op;

	lockdep_assert_held_write(&vm->lock);

	down_read(&vm->svm.notifier_lock);

	list_for_each_entry(op, &vops->list, link) {
		range = svmxe_op_range(op);
		if (range && !svmxe_range_valid(range)) {
			up_read(&vm->svm.notifier_lock);
			return -EAGAIN;
		}
	}

	/* Only the VM lock holder writes these while holding the lock. */
	list_for_each_entry(op, &vops->list, link) {
		range = svmxe_op_range(op);
		if (range) {
			range->tiles_bound |= BIT(tile_id);
			range->tiles_mapped |= BIT(tile_id);
		}
	}

	return 0;
}

/**
 * xe_svm_xe_pt_post_commit() - release the lock of xe_svm_xe_pt_pre_commit()
 * @vm: the VM
 *
 * Context: &xe_svm.notifier_lock held for reading (released).
 */
void xe_svm_xe_pt_post_commit(struct xe_vm *vm)
{
	lockdep_assert_held_read(&vm->svm.notifier_lock);

	up_read(&vm->svm.notifier_lock);
}

/**
 * xe_svm_xe_assert_commit_locked() - assert that SVM PTEs may be committed
 * @vm: the VM
 *
 * Context: any; checks (with lockdep) that &xe_svm.notifier_lock of @vm
 * is held for reading.
 */
void xe_svm_xe_assert_commit_locked(struct xe_vm *vm)
{
	lockdep_assert_held_read(&vm->svm.notifier_lock);
}

/**
 * xe_svm_xe_range_vma_sg() - the DMA segments of a range VMA
 * @vma: a VMA for which xe_vma_is_svm_range() is true
 *
 * Context: any, while @vma lives (during its bind).
 * Return: the scatter-gather table the page-table walk maps @vma from.
 */
struct sg_table *xe_svm_xe_range_vma_sg(struct xe_vma *vma)
{
	return &to_svmxe_range_vma(vma)->sgt;
}

/**
 * xe_svm_xe_range_vma_writable() - may the GPU write a page of a range VMA
 * @vma: a VMA for which xe_vma_is_svm_range() is true
 * @addr: a GPU virtual address inside @vma
 *
 * Context: any, while @vma lives (during its bind).
 * Return: false when the CPU maps the page at @addr read-only.
 */
bool xe_svm_xe_range_vma_writable(struct xe_vma *vma, u64 addr)
{
	struct svmxe_range_vma *rvma = to_svmxe_range_vma(vma);

	return !test_bit((addr - xe_vma_start(vma)) >> PAGE_SHIFT,
			 rvma->read_only);
}

/* Bind @range, which the core just populated, on @tile (and where it was). */
static int svmxe_commit(struct xe_vm *vm, struct xe_tile *tile,
			struct xe_svm_range *range, u16 pat_index)
{
	struct svmxe_range_vma *rvma;
	struct svmxe_layout lay;
	int err;

	lockdep_assert_held_write(&vm->lock);

	rvma = svmxe_range_vma_create(vm, range, pat_index);
	if (IS_ERR(rvma))
		return PTR_ERR(rvma);

	/* Rebinding where it was bound saves those tiles a fault. */
	err = svmxe_run_bind(vm, &rvma->vma, BIT(tile->id) | range->tiles_bound);
	if (err)
		goto out_destroy;

	svmxe_layout(&rvma->sgt, range->start, &lay);
	vm_dbg(&vm->xe->drm,
	       "SVM bind [%llx, %llx) tile %u: %u segs, %u x 2M, %u x 64K, %u x 4K\n",
	       range->start, range->last + 1, tile->id, lay.segs, lay.pages_2m,
	       lay.pages_64k, lay.pages_4k);

out_destroy:
	svmxe_range_vma_destroy(rvma);
	return err;
}

/*
 * The gap around @addr, which no VMA covers: from the end of the VMA
 * below it (or 0) to the start of the VMA above it (or the end of the VM).
 */
static void svmxe_gap(struct xe_vm *vm, u64 addr, u64 *start, u64 *end)
{
	struct drm_gpuvm *gpuvm = &vm->gpuvm;
	struct drm_gpuva *next, *prev = NULL;

	lockdep_assert_held(&vm->lock);

	next = drm_gpuva_find_first(gpuvm, addr, vm->size - addr);
	if (next) {
		if (!list_is_first(&next->rb.entry, &gpuvm->rb.list))
			prev = list_prev_entry(next, rb.entry);
	} else if (!list_empty(&gpuvm->rb.list)) {
		prev = list_last_entry(&gpuvm->rb.list, struct drm_gpuva,
				       rb.entry);
	}

	*start = prev ? prev->va.addr + prev->va.range : 0;
	*end = next ? next->va.addr : vm->size;
}

/**
 * xe_svm_xe_fault_is_mirrored() - is a GPU fault for SVM to serve
 * @vm: the faulting VM
 * @vma: the VMA at the faulting address, or NULL if there is none
 *
 * Context: VM lock held.
 * Return: true when @vma is a CPU address mirror, or when there is no VMA
 * and @vm mirrors the whole CPU address space.
 */
bool xe_svm_xe_fault_is_mirrored(struct xe_vm *vm, struct xe_vma *vma)
{
	lockdep_assert_held(&vm->lock);

	if (vma)
		return xe_vma_is_cpu_addr_mirror(vma);

	return vm->flags & XE_VM_FLAG_CPU_ADDR_MIRROR;
}

/**
 * xe_svm_xe_handle_pagefault() - serve a GPU page fault from the CPU tables
 * @vm: the faulting VM
 * @tile: the tile that faulted
 * @vma: the CPU address mirror VMA at the address, or NULL in a VM that
 *	 mirrors the whole CPU address space and has no VMA there
 * @addr: the faulting GPU virtual address
 * @write: the access is not a read (writes and atomics)
 * @atomic: the access is atomic
 *
 * Populates the range around @addr with xe_svm_fault(), inside the mirror
 * VMA or the gap between VMAs, then binds it on @tile. When a CPU
 * invalidation hits the range before the bind commits, the whole fault is
 * redone, up to XE_SVM_XE_FAULT_TRIES times.
 *
 * Context: process context (the page-fault worker), VM lock held for
 * writing, mmap lock and VM dma-resv not held; may sleep.
 * Return: 0 when the GPU may retry the access; -EACCES for an atomic
 * access on a device without atomics on system memory; -ENOENT when SVM
 * of @vm is gone or the VM is banned; -EFAULT for an address outside the
 * VM; -EBUSY when invalidations kept racing the bind; otherwise the error
 * of xe_svm_fault() or of the bind.
 */
int xe_svm_xe_handle_pagefault(struct xe_vm *vm, struct xe_tile *tile,
			       struct xe_vma *vma, u64 addr, bool write,
			       bool atomic)
{
	struct xe_svm_range *range;
	unsigned int tries;
	u64 start, end;
	u16 pat_index;
	int err;

	lockdep_assert_held_write(&vm->lock);

	if (!(vm->flags & XE_VM_FLAG_SVM) || xe_vm_is_closed_or_banned(vm))
		return -ENOENT;
	if (atomic && !vm->xe->info.has_device_atomics_on_smem)
		return -EACCES;
	if (addr >= vm->size)
		return -EFAULT;

	if (vma) {
		if (drm_WARN_ON(&vm->xe->drm, !xe_vma_is_cpu_addr_mirror(vma)))
			return -EINVAL;
		start = xe_vma_start(vma);
		end = xe_vma_end(vma);
		pat_index = vma->pat_index;
	} else {
		svmxe_gap(vm, addr, &start, &end);
		pat_index = vm->xe->pat.idx[XE_CACHE_WB];
	}

	for (tries = 0; tries < XE_SVM_XE_FAULT_TRIES; tries++) {
		vm->svm_armed = NULL;
		range = NULL;
		err = svmxe_core_fault(vm, addr, start, end, write || atomic, &range);
		if (err)
			return err;

		if (vm->svm_armed) {
			/* The core populated the range and armed it. */
			range = vm->svm_armed;
			vm->svm_armed = NULL;
		} else if (drm_WARN_ON(&vm->xe->drm, !range)) {
			return -EINVAL;
		} else if (svmxe_range_mapped_on(vm, range, tile)) {
			/* Another fault mapped it here already. */
			return 0;
		}

		err = svmxe_commit(vm, tile, range, pat_index);
		if (err != -EAGAIN)
			return err;
	}

	return -EBUSY;
}

/**
 * xe_svm_xe_can_mirror() - can VMs of a device mirror CPU address space
 * @xe: the device
 *
 * SVM needs recoverable page faults (USM), the device's own page tables
 * (not a VF) and coherent streaming DMA mappings (no forced bouncing).
 *
 * Context: any.
 * Return: true when fault-mode VMs of @xe get SVM.
 */
bool xe_svm_xe_can_mirror(struct xe_device *xe)
{
	return xe->info.has_usm && !IS_SRIOV_VF(xe) &&
		!is_swiotlb_force_bounce(xe->drm.dev);
}

/**
 * xe_svm_xe_query_config_flags() - the SVM bits of the config query
 * @xe: the device
 *
 * Context: any.
 * Return: the DRM_XE_QUERY_CONFIG_FLAG_* bits to OR into
 * %DRM_XE_QUERY_CONFIG_FLAGS.
 */
u64 xe_svm_xe_query_config_flags(struct xe_device *xe)
{
	return xe_svm_query_config_flags(xe_svm_xe_can_mirror(xe));
}

/**
 * xe_svm_xe_check_vm_create() - check the SVM flag of VM_CREATE
 * @xe: the device
 * @flags: &drm_xe_vm_create.flags
 *
 * Context: any.
 * Return: 0, or -EINVAL for %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR without
 * %DRM_XE_VM_CREATE_FLAG_FAULT_MODE or on a device that cannot mirror.
 */
int xe_svm_xe_check_vm_create(struct xe_device *xe, u32 flags)
{
	return xe_svm_check_vm_create(flags, xe_svm_xe_can_mirror(xe));
}

/**
 * xe_svm_xe_vm_init() - set up SVM for a new user VM
 * @vm: the VM, not yet visible to anyone else
 * @flags: &drm_xe_vm_create.flags, checked by xe_svm_xe_check_vm_create()
 *
 * A fault-mode VM on a device that can mirror gets an SVM context over
 * its whole VA space for the calling process's address space, so that
 * mirror bindings are allowed; with %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR
 * the gaps between its VMAs are mirrored too.
 *
 * Context: process context (the VM_CREATE ioctl), before the VM is
 * published; may sleep.
 * Return: 0, -EINVAL for a mirror VM made without an address space, or the
 * error of xe_svm_init().
 */
int xe_svm_xe_vm_init(struct xe_vm *vm, u32 flags)
{
	int err;

	might_sleep();

	if (!xe_vm_in_fault_mode(vm) || !xe_svm_xe_can_mirror(vm->xe))
		return 0;
	if (!current->mm)
		return flags & DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR ? -EINVAL : 0;

	err = xe_svm_init(&vm->svm, &xe_svm_xe_ops, vm->xe->drm.dev,
			  current->mm, &vm->lock, 0, vm->size);
	if (err)
		return err;

	vm->svm_armed = NULL;
	vm->flags |= XE_VM_FLAG_SVM;
	if (flags & DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR)
		vm->flags |= XE_VM_FLAG_CPU_ADDR_MIRROR;

	return 0;
}

/**
 * xe_svm_xe_vm_fini() - tear down SVM of a VM
 * @vm: the VM
 *
 * Turns SVM off under the VM lock, so that no fault or bind uses it any
 * more, then frees every range (zapping its PTEs and invalidating the TLB
 * while the page tables and the ASID still exist). Nothing to do for a VM
 * without SVM.
 *
 * Context: process context, VM lock not held (taken for writing); may
 * sleep. Called once, first thing when the VM is closed.
 */
void xe_svm_xe_vm_fini(struct xe_vm *vm)
{
	bool svm;

	might_sleep();
	lockdep_assert_not_held(&vm->lock);

	down_write(&vm->lock);
	svm = vm->flags & XE_VM_FLAG_SVM;
	vm->flags &= ~(XE_VM_FLAG_SVM | XE_VM_FLAG_CPU_ADDR_MIRROR);
	up_write(&vm->lock);

	if (svm)
		xe_svm_fini(&vm->svm);
}

/* PREFETCH of mirrored memory comes later: reject it on a mirror VMA. */
static int svmxe_check_prefetch(struct xe_vm *vm, u64 start, u64 end)
{
	struct drm_gpuva *gpuva;

	drm_gpuvm_for_each_va_range(gpuva, &vm->gpuvm, start, end)
		if (xe_vma_is_cpu_addr_mirror(gpuva_to_vma(gpuva)))
			return -EINVAL;

	return 0;
}

/**
 * xe_svm_xe_check_bind_op() - the SVM rules for one VM_BIND operation
 * @vm: the VM
 * @op: the operation, whose generic fields the ioctl already checked
 *
 * A mirror MAP must pass xe_svm_check_mirror_bind() on a VM with SVM. On
 * a VM with SVM, an operation that takes addresses away from mirroring
 * (MAP of anything but a mirror, MAP_USERPTR, UNMAP) must not cover a live
 * range, and PREFETCH must not cover a mirror VMA. Runs before any state
 * of the VM changes (the ranges collected by xe_svm_check_unbind() aside),
 * and stays valid for the whole ioctl: ranges are only created under the
 * VM lock.
 *
 * Context: VM lock held for writing; may sleep.
 * Return: 0, -EINVAL for a bad mirror or PREFETCH operation, or -EBUSY
 * while ranges are mapped in the way.
 */
int xe_svm_xe_check_bind_op(struct xe_vm *vm,
			    const struct drm_xe_vm_bind_op *op)
{
	bool svm = vm->flags & XE_VM_FLAG_SVM;

	lockdep_assert_held_write(&vm->lock);

	if (xe_svm_bind_op_is_mirror(op)) {
		struct xe_svm_vm_limits lim = {
			.va_size = vm->size,
			.pat_entries = vm->xe->pat.n_entries,
			.fault_mode = xe_vm_in_fault_mode(vm),
		};

		if (!svm)
			return -EINVAL;

		return xe_svm_check_mirror_bind(op, &lim);
	}

	if (!svm)
		return 0;

	switch (op->op) {
	case DRM_XE_VM_BIND_OP_MAP:
	case DRM_XE_VM_BIND_OP_MAP_USERPTR:
	case DRM_XE_VM_BIND_OP_UNMAP:
		return xe_svm_check_unbind(&vm->svm, op->addr,
					   op->addr + op->range);
	case DRM_XE_VM_BIND_OP_PREFETCH:
		return svmxe_check_prefetch(vm, op->addr, op->addr + op->range);
	default:
		/* UNMAP_ALL only unbinds buffer objects */
		return 0;
	}
}

static int svmxe_debugfs_show(struct seq_file *m, void *data)
{
	struct xe_device *xe = m->private;
	struct drm_printer p = drm_seq_file_printer(m);
	unsigned long asid;
	struct xe_vm *vm;

	/* A VM leaves asid_to_vm under this lock before it is freed. */
	down_read(&xe->usm.lock);
	xa_for_each(&xe->usm.asid_to_vm, asid, vm) {
		if (!(READ_ONCE(vm->flags) & XE_VM_FLAG_SVM))
			continue;
		drm_printf(&p, "vm asid %lu:\n", asid);
		xe_svm_stats_print(&vm->svm, &p);
	}
	up_read(&xe->usm.lock);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(svmxe_debugfs);

/**
 * xe_svm_xe_debugfs_register() - add the SVM counters file to debugfs
 * @xe: the device
 * @root: its debugfs directory
 *
 * The file "svm" lists, for each VM with an SVM context (by ASID), the
 * counters xe_svm_stats_print() prints. Nothing on devices that cannot
 * mirror.
 *
 * Context: process context, at device registration.
 */
void xe_svm_xe_debugfs_register(struct xe_device *xe, struct dentry *root)
{
	if (xe_svm_xe_can_mirror(xe))
		debugfs_create_file("svm", 0400, root, xe, &svmxe_debugfs_fops);
}

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_xe_test.c"
#endif
