// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_xe.h"

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_exec.h>
#include <drm/drm_gpuvm.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <kunit/static_stub.h>

#include "xe_bo.h"
#include "xe_device.h"
#include "xe_gt_tlb_invalidation.h"
#include "xe_migrate.h"
#include "xe_pat.h"
#include "xe_pm.h"
#include "xe_pt.h"
#include "xe_res_cursor.h"
#include "xe_sriov.h"
#include "xe_svm.h"
#include "xe_svm_attr.h"
#include "xe_svm_devmem.h"
#include "xe_svm_types.h"
#include "xe_svm_uapi.h"
#include "xe_ttm_vram_mgr_types.h"
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
 * fault handler, still holding the VM lock for writing, describes the
 * bind (&struct xe_svm_pt_range: the range's DMA chunks as a
 * scatter-gather table, adjacent chunks merged where the DMA addresses
 * follow each other and the permission is the same; a bit per page for
 * read-only and for VRAM; PAT index, atomics, the tiles already bound)
 * and hands it to xe_vm_range_rebind(): one xe VM operation of its own
 * (%DRM_GPUVA_OP_DRIVER, %XE_VMA_SUBOP_MAP_RANGE) through ops_execute()
 * and xe_pt's prepare, run, commit and abort, with no VMA.
 * xe_pt's walk of a range (xe_pt_stage_bind_range()) reads the
 * description alone and calls nothing of ours: a 2 MiB
 * leaf where a 2 MiB aligned segment covers a 2 MiB aligned entry, the
 * 64 KiB hint where a 64 KiB aligned segment piece allows it, 4 KiB PTEs
 * otherwise; read-only pages get read-only PTEs, VRAM pages the
 * device-memory bit. Just before the page-table update becomes
 * visible (the migrate pre_commit hook), xe_svm_xe_pt_pre_commit() takes
 * the notifier lock for reading and checks that every chunk is still
 * DMA-mapped and the range still mapped by the CPU, else -EAGAIN (the
 * abort then undoes the prepared tables); the lock is held until the job
 * is pushed and its fence installed in the VM dma-resv, exactly like the
 * userptr notifier lock, and the operation's commit marks the range bound
 * and mapped on the tile under it (xe_svm_xe_range_op_commit()): the
 * masks change where xe commits, never before. The handler retries
 * the whole fault on -EAGAIN for up to XE_SVM_XE_FAULT_TIMEOUT_MS. The
 * bind writes the page tables of the faulting tile only: another tile's
 * GPU may be walking its own tables for the range at that moment, and
 * it faults (and binds) for itself.
 *
 * Atomics. A device atomic asks the core for VRAM on discrete parts; the
 * PTEs of VRAM pages always allow atomics. System pages get the
 * atomics-enable bit on integrated parts, and on discrete parts only when
 * an atomic faulted on a range that could not have VRAM (device-scope
 * atomics over PCIe, not atomic against the CPU); on devices without
 * atomics on system memory (Xe_HPC) such an atomic (memory that cannot
 * migrate, a range under 64 KiB, full VRAM) fails with -EACCES.
 * A later plain bind of the range drops the bit again.
 *
 * Invalidate. Under the notifier lock held for writing: nothing when the
 * range is mapped on no tile; otherwise wait for the fault-time binds
 * still in flight (the kernel fences of the VM dma-resv), zero the leaf
 * PTEs of the whole range on every tile where it is mapped (directory
 * entries stay: the page tables keep matching the software tree, and a
 * later fault of the range reuses them), then invalidate the TLB of the
 * range with the VM's ASID on the tile's primary and media GT and wait
 * for the GuC.
 *
 * Unbind. When the garbage collector frees ranges the CPU unmapped, an
 * unmap operation per range through xe_pt frees the page tables only
 * they used (svmxe_unbind()): the ranges of a collector batch (up to 64)
 * in one update per tile, so one page-table job and one TLB invalidation
 * per tile, not waited for (the ranges' TLB was invalidated when they
 * were zapped; the tables' free waits for the VM's dma-resv); not for a
 * process that is exiting, whose VM frees them all when it is closed
 * next, and not when the VM itself is closed.
 * Tables an unbind that failed left behind are freed with the VM.
 *
 * VRAM. Each tile with VRAM has a device-memory region (&xe_tile.svm_devmem)
 * over the buddy allocator of its TTM VRAM manager, set up before the
 * device is registered and torn down first thing on removal, while the
 * copy engines still run to bring the data back. Its pages belong to the
 * device: every VM of the device maps them where they are, and GPU faults
 * of a VM migrate to the root tile. On devices that must map VRAM with
 * 64 KiB pages (Xe_HPC, %XE_VM_FLAG_64K) the VM tells the core
 * (&xe_svm.devmem_map_min): ranges under 64 KiB stay in system memory,
 * migrations move whole 64 KiB groups, and a range whose device pages do
 * not form whole groups is mapped from system memory; the page-table walk
 * refuses a VRAM PTE without the 64 KiB hint there. Copies and clears go
 * through SVM's own xe_migrate context of the tile (so that they never
 * queue behind buffer-object moves), each into VRAM first waiting for the
 * VRAM manager's move fence (an eviction may still read the blocks): the
 * system pages are DMA-mapped for the copy, runs of pages contiguous in
 * VRAM take one request each (a blit per pass, the VRAM side through the
 * identity map), and the copy is waited for before the pages are
 * unmapped. A range binds VRAM and system pages alike: a
 * VRAM chunk's device address is its device physical address, segments
 * never mix the two kinds, and the page-table walk sets the device-memory
 * bit (and the atomic-enable bit) on the PTEs of VRAM pages only, so a
 * range that migrated only in part maps as it is. Data in VRAM has no copy
 * elsewhere. It lives in SVM buffer objects (see "DOC: Device memory" in
 * xe_svm_doc.h), so system suspend evicts it with every other object
 * (xe_bo_evict_all() moves each through xe_svm_xe_bo_move(), back to the
 * processes' system memory); runtime suspend keeps VRAM powered (no
 * D3cold) while any is there rather than move it all back from the
 * runtime-PM callback, a path not proven on hardware. The removal of a
 * wedged or unplugged device asks it for no copy: the data in VRAM is
 * lost at once, counted and logged once, as a buffer object's is.
 */

/**
 * DOC: What only hardware can prove
 *
 * No Intel GPU runs this backend here: it is built, statically checked
 * and unit-tested with static stubs (KUnit suite ``xe_svm_xe``), which
 * prove what the backend asks of xe_pt, the GuC and xe_migrate, not what
 * the hardware does with it. A review of the backend against the 6.12
 * code found these hazards; for each, what covers it today and the first
 * test to run on a GPU:
 *
 * - Bind on the faulting tile only (multi-tile parts): KUnit
 *   svmxe_bind_second_tile_test. Hardware: two tiles read and write the
 *   same 2 MiB ranges while the CPU munmaps and rewrites them; no wrong
 *   data, no GPU page-walk error.
 * - Atomics by placement: KUnit svmxe_fault_atomic_test and the Xe_HPC
 *   part of svmxe_fault_errors_test. Hardware: a GPU atomic add and a CPU
 *   atomic add on one counter, 10^6 times each, on a discrete part; the
 *   sum is exact. Then the same on shared (unmigratable) memory, where the
 *   GPU's adds alone must be exact.
 * - Time-bounded fault retry: KUnit svmxe_fault_retry_test. Hardware: a
 *   CPU thread rewriting a page the GPU keeps faulting on for a minute;
 *   the context survives.
 * - Rebinding a range invalidates the TLB (its zap left the directory
 *   entries valid, and the rebind may replace the tables under them):
 *   KUnit svmxe_bind_rebind_inval_test for the decision; xe_pt's use of
 *   it is only built. Hardware: repopulate a 2 MiB range mapped with
 *   4 KiB PTEs 10^5 times under a GPU read loop, with freed page tables
 *   poisoned; no stale translation, no endless refault.
 * - Copies of several runs fail on any run's error: KUnit
 *   svmxe_devmem_copy_errors_test. Hardware: inject a blitter error in
 *   the first of two runs of a migration (a GT reset mid-copy); the
 *   range stays in system memory with its data.
 * - Invalidations the GuC cannot take during a GT reset: KUnit
 *   svmxe_invalidate_second_tile_test (no warning splat). Hardware:
 *   munmap in a loop while GT resets are forced through debugfs.
 * - SVM copies on a migrate context of their own, never queued behind
 *   the binds of the tile's (which wait for every bookkeep fence of
 *   their VM): KUnit svmxe_devmem_copy_to_vram_test (which context each
 *   request goes to) and svmxe_device_devmem_test (created with the
 *   region, the region undone if it cannot be). Hardware: one process's
 *   bind blocked on a user fence that is never signalled while another
 *   process CPU-faults on its VRAM data; the CPU faults complete.
 * - VM teardown invalidates once: KUnit svmxe_invalidate_all_test (one
 *   TLB invalidation per GT for all ranges). Hardware: close a VM with
 *   10^5 mapped ranges; one GuC round trip per GT, and a following VM
 *   that reuses the ASID sees no stale translation.
 * - Device teardown on a wedged GPU ends: the core's eviction stops
 *   waiting for a copy engine that fails every copy (e2e
 *   teardown-unload-copy-dead on the emulated device). Hardware: wedge
 *   the GPU through debugfs with SVM data in VRAM, then unbind the
 *   driver; the unbind completes, the data reads as zeros, one line says
 *   how many pages were lost.
 * - Ranges the CPU unmapped leave their page tables: the garbage
 *   collector's unbind runs an unmap operation through xe_pt for the
 *   tiles the range was bound on (KUnit svmxe_unbind_test for the
 *   request, xe_svm_munmap_collects_test for the core calling it,
 *   svmxe_pt_unbind_* for xe_pt's unmap of the range). Hardware: map,
 *   munmap and re-fault 10^5 distinct 2 MiB ranges mapped with 4 KiB
 *   PTEs; the VRAM the page tables use comes back to where it started,
 *   and no GPU page-walk error is logged. A collector pass unbinds up to
 *   64 ranges in one update per tile (KUnit svmxe_pt_unbind_batch_test
 *   through xe_pt's real prepare and run). Hardware: munmap 10^5 4 KiB ranges at
 *   once; the next fault is served within a second, with one TLB
 *   invalidation per GT per 64 ranges in the GuC log.
 * - VRAM on devices that map it with 64 KiB pages only (Xe_HPC): the
 *   core never hands the bind a VRAM chunk under 64 KiB (e2e
 *   xe_svm_migrate map64k-* on the emulated device with its
 *   vram_map_64k knob, whose page table refuses smaller VRAM PTEs), and
 *   xe_pt refuses one (KUnit svmxe_pt_vram_64k_test). Hardware: on
 *   Xe_HPC, GPU atomics on a malloc'd 2 MiB buffer migrate it and
 *   succeed; after fork() and CPU writes to half of one 64 KiB group, a
 *   GPU write of the buffer completes with no CAT error and every word
 *   right.
 * - Memory-range attributes on the GPU: the fault binds with the
 *   attribute's PAT index and, under %DRM_XE_ATOMIC_CPU, without the
 *   atomic-enable bit (KUnit svmxe_fault_attr_test for the request; the
 *   PTE bits are xe_pt's). Hardware: an atomic on VRAM pages advised
 *   ATOMIC CPU faults and the fault fails with -EACCES; a PAT index
 *   changed by MADVISE shows in the PTEs after the next fault.
 * - PREFETCH of mirrored memory binds each range on the root tile before
 *   the bind's syncs signal (KUnit svmxe_prefetch_test for the walk,
 *   svmxe_prefetch_commit_test for the bind). Hardware: prefetch 1 GiB
 *   to VRAM, then a GPU kernel reading all of it takes no page fault
 *   (the GT's svm_pagefault_count does not move) on a single-tile part;
 *   on a multi-tile part the other tiles fault once per range.
 */

/*
 * How long a fault goes on retrying when invalidations keep beating the
 * bind of its range (a CPU writing the same pages all the time): as long
 * as hmm_range_fault() waits for them, rather than a number of tries that
 * a busy CPU can exhaust in microseconds and kill the context with.
 */
#define XE_SVM_XE_FAULT_TIMEOUT_MS	HMM_RANGE_DEFAULT_TIMEOUT

/*
 * One bind of a range: @pt, what the page-table walk maps
 * (xe_pt_stage_bind_range() reads nothing else), carried by an
 * XE_VMA_SUBOP_MAP_RANGE operation (xe_vm_range_rebind()); @range, whose
 * masks the operation's commit sets (xe_svm_xe_range_op_commit()).
 */
struct svmxe_range_bind {
	struct xe_svm_pt_range pt;
	struct xe_svm_range *range;
};

static struct svmxe_range_bind *to_svmxe_range_bind(const struct xe_svm_pt_range *pt)
{
	return container_of(pt, struct svmxe_range_bind, pt);
}

/*
 * One unbind of a range: @pt, its addresses, carried by an
 * XE_VMA_SUBOP_UNMAP_RANGE operation (xe_vm_range_unbind()); @range,
 * whose mask the operation's commit clears (xe_svm_xe_range_unmap_commit()).
 */
struct svmxe_range_unbind {
	struct xe_svm_pt_unmap pt;
	struct xe_svm_range *range;
};

static struct svmxe_range_unbind *to_svmxe_range_unbind(const struct xe_svm_pt_unmap *pt)
{
	return container_of(pt, struct svmxe_range_unbind, pt);
}

/**
 * struct svmxe_range - an SVM range as the xe backend keeps it
 *
 * The core's range and, per tile, what the page tables hold of it. All
 * of it is protected by the VM lock and &xe_svm.notifier_lock as said
 * per field.
 */
struct svmxe_range {
	/** @base: the core's range */
	struct xe_svm_range base;
	/**
	 * @tiles_bound: a mask of tile ids: the page tables
	 * of these tiles hold (possibly zapped) entries for the range, so a
	 * new bind there rewrites entries already accounted for. Set when a
	 * bind commits and cleared when an unbind commits (the backend's
	 * &xe_svm_ops.unbind, for a range on its way out), both under
	 * &xe_svm.notifier_lock held for reading and the VM lock held for
	 * writing.
	 */
	u8 tiles_bound;
	/**
	 * @tiles_mapped: a mask of tile ids: the GPU may
	 * translate addresses of the range through these tiles' page
	 * tables. Set with @tiles_bound; cleared by the backend's invalidate
	 * operation under &xe_svm.notifier_lock held for writing.
	 */
	u8 tiles_mapped;
	/**
	 * @tiles_atomic: a mask of tile ids: the subset of
	 * @tiles_mapped where the system pages of the range are mapped with
	 * device atomics enabled (an atomic that could not have VRAM).
	 * Set and cleared with @tiles_mapped.
	 */
	u8 tiles_atomic;
};

static struct svmxe_range *to_svmxe_range(struct xe_svm_range *range)
{
	return container_of(range, struct svmxe_range, base);
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
			    unsigned int access, struct xe_svm_range **rangep)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_core_fault, vm, addr, start, end, access,
				   rangep);

	return xe_svm_fault(&vm->svm, addr, start, end, access, rangep);
}

static bool svmxe_fault_timed_out(unsigned long deadline)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_fault_timed_out, deadline);

	return time_after(jiffies, deadline);
}

/*
 * The core found @range already mapped as the access needs and did not
 * bind it: is it mapped on @tile too, with device atomics on its system
 * pages if an atomic needs them there (@smem_atomic)? Otherwise it still
 * has to be bound there
 * (another tile faulted first, an earlier commit failed, or an atomic
 * found it mapped for plain accesses).
 */
static bool svmxe_range_mapped_on(struct xe_vm *vm, struct xe_svm_range *range,
				  struct xe_tile *tile, bool smem_atomic)
{
	struct svmxe_range *sr = to_svmxe_range(range);
	bool mapped;

	down_read(&vm->svm.notifier_lock);
	mapped = sr->tiles_mapped & BIT(tile->id);
	if (smem_atomic)
		mapped &= !!(sr->tiles_atomic & BIT(tile->id));
	up_read(&vm->svm.notifier_lock);

	return mapped;
}

/*
 * Where device atomics run. In VRAM always: a CPU access to a page there
 * brings it back to system memory first, so GPU and CPU atomics never run
 * on two copies. On system memory: on integrated parts, whose memory it
 * is, for every bind; on discrete parts only for an atomic on a range
 * that could not have VRAM (policy, full VRAM, memory that cannot
 * migrate), where the atomic is then atomic among GPU accesses but not
 * against the CPU's over PCIe; never on devices that have no atomics
 * on system memory (Xe_HPC).
 *
 * Returns whether the bind of @range for this access enables device
 * atomics on its system pages, or -EACCES for an atomic that cannot run
 * where the range is.
 */
static int svmxe_smem_atomic(struct xe_vm *vm, struct xe_svm_range *range,
			     bool atomic)
{
	struct xe_device *xe = vm->xe;
	bool devmem;

	if (!atomic)
		return !IS_DGFX(xe) && xe->info.has_device_atomics_on_smem;

	down_read(&vm->svm.notifier_lock);
	devmem = test_bit(XE_SVM_RANGE_GPU_DEVMEM, &range->flags);
	up_read(&vm->svm.notifier_lock);
	if (devmem)
		return !IS_DGFX(xe) && xe->info.has_device_atomics_on_smem;

	return xe->info.has_device_atomics_on_smem ? 1 : -EACCES;
}

/*
 * The access the core serves: an atomic asks for VRAM on discrete parts
 * (see svmxe_smem_atomic()); on integrated parts it is a write.
 */
static unsigned int svmxe_core_access(struct xe_device *xe, bool write,
				      bool atomic)
{
	if (atomic && IS_DGFX(xe))
		return XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC;

	return write || atomic ? XE_SVM_ACCESS_WRITE : 0;
}

/*
 * Run an update of @tile_mask: the bind described by @pt, or, when @pt is
 * NULL, the unbind of the @count ranges of @unmaps in one update. A bind
 * is waited for until the page tables are written and the TLB
 * invalidated; an unbind is not (see svmxe_run_unbind()). The VM dma-resv
 * is locked through drm_exec, so that page-table allocations may evict
 * with its acquire context, as on other faults.
 */
static int svmxe_run_update(struct xe_vm *vm, const struct xe_svm_pt_range *pt,
			    const struct xe_svm_pt_unmap *const *unmaps,
			    unsigned int count, u8 tile_mask)
{
	struct dma_fence *fence;
	struct drm_exec exec;
	int err;

	drm_exec_init(&exec, 0, 0);
	drm_exec_until_all_locked(&exec) {
		/* SVM ranges have no BO: the VM's dma-resv is all there is. */
		err = drm_exec_lock_obj(&exec, vm->gpuvm.r_obj);
		drm_exec_retry_on_contention(&exec);
	}
	if (err)
		goto out_fini;

	if (pt)
		fence = xe_vm_range_rebind(vm, pt, tile_mask);
	else
		fence = xe_vm_range_unbind(vm, unmaps, count, tile_mask);
	if (IS_ERR(fence)) {
		err = PTR_ERR(fence);
		goto out_fini;
	}

	if (pt)
		dma_fence_wait(fence, false);
	dma_fence_put(fence);

out_fini:
	drm_exec_fini(&exec);
	return err;
}

/* Write the PTEs @pt describes on @tile_mask; wait until they are written. */
static int svmxe_run_bind(struct xe_vm *vm, const struct xe_svm_pt_range *pt,
			  u8 tile_mask)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_run_bind, vm, pt, tile_mask);

	return svmxe_run_update(vm, pt, NULL, 0, tile_mask);
}

/*
 * Unbind the @count ranges of @unmaps from the page tables of @tile_mask,
 * in one update (one page-table job and one TLB invalidation per tile):
 * their entries are cleared, the tables only they used freed (see
 * svmxe_unbind()). Not waited for: the ranges were zapped and their TLB
 * invalidated before (see xe_svm_range_detach()), so nothing the GPU may
 * still reach depends on it; the tables it frees wait for the update's
 * fences in the VM's dma-resv (the deferred free of page-table BOs), and
 * every later update orders after it through the same dma-resv. A
 * collector pass over many ranges then waits for no TLB invalidation.
 */
static int svmxe_run_unbind(struct xe_vm *vm,
			    const struct xe_svm_pt_unmap *const *unmaps,
			    unsigned int count, u8 tile_mask)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_run_unbind, vm, unmaps, count, tile_mask);

	return svmxe_run_update(vm, NULL, unmaps, count, tile_mask);
}

/*
 * Wait for the range binds pushed so far. xe_vm_range_rebind() installs its
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

/*
 * A TLB invalidation that could not be sent (the GuC is being reset, or
 * the device is wedged) has its fence signalled already. A reset flushes
 * the TLBs anyway; every munmap would hit this while it runs, so say it
 * at a rate a log can take rather than warn each time.
 */
static void svmxe_tlb_inval_failed(struct xe_device *xe, int err, u64 start,
				   u64 end)
{
	if (err)
		dev_warn_ratelimited(xe->drm.dev,
				     "SVM TLB invalidation of [%llx, %llx) not sent: %d\n",
				     start, end, err);
}

static void svmxe_tlb_wait(struct xe_gt_tlb_invalidation_fence *fence)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_tlb_wait, fence);

	xe_gt_tlb_invalidation_fence_wait(fence);
}

/*
 * Page sizes. A segment is a piece of the range whose device addresses are
 * contiguous and whose pages share one permission and one kind of memory.
 */

/*
 * Walk the DMA chunks of @range as segments: fill @sgl when given, mark
 * the pages of read-only chunks in @read_only and those of VRAM chunks in
 * @devmem when given, and return the number of segments. Chunks merge
 * when their device addresses follow each other and they have the same
 * permission and kind: a VRAM address and a DMA address may well follow
 * each other, but no PTE can map both.
 */
static unsigned int svmxe_segments(const struct xe_svm_range *range,
				   struct scatterlist *sgl,
				   unsigned long *read_only,
				   unsigned long *devmem)
{
	struct scatterlist *sg = NULL;
	bool write = false, vram = false;
	dma_addr_t next_dma = 0;
	unsigned int i, n = 0;
	u64 offset = 0;

	for (i = 0; i < range->dma_nr; i++) {
		const struct xe_svm_dma_chunk *c = &range->dma[i];
		u64 size = PAGE_SIZE << c->order;

		if (!n || c->addr != next_dma || c->write != write ||
		    c->devmem != vram) {
			n++;
			if (sgl) {
				sg = sg ? sg_next(sg) : sgl;
				sg_dma_address(sg) = c->addr;
				sg_dma_len(sg) = 0;
			}
			write = c->write;
			vram = c->devmem;
		}
		if (sg)
			sg_dma_len(sg) += size;
		if (read_only && !c->write)
			bitmap_set(read_only, offset >> PAGE_SHIFT, 1 << c->order);
		if (devmem && c->devmem)
			bitmap_set(devmem, offset >> PAGE_SHIFT, 1 << c->order);

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
 * Describe the bind of @range with @pat_index (@smem_atomic: device
 * atomics on its system pages; @no_atomics: none at all). -EAGAIN when an
 * invalidation already hit the range since it was populated.
 */
static struct svmxe_range_bind *svmxe_range_bind_create(struct xe_vm *vm,
							struct xe_svm_range *range,
							u16 pat_index,
							bool smem_atomic,
							bool no_atomics)
{
	struct xe_device *xe = vm->xe;
	struct svmxe_range_bind *rb;
	unsigned int nsegs;
	int err;

	lockdep_assert_held_write(&vm->lock);

	if (drm_WARN_ON(&xe->drm, !range->dma_nr ||
			xe_svm_range_size(range) > XE_SVM_XE_MAX_RANGE))
		return ERR_PTR(-EINVAL);

	rb = kzalloc(sizeof(*rb), GFP_KERNEL);
	if (!rb)
		return ERR_PTR(-ENOMEM);

	/* The VM lock keeps the chunk array; only their state may change. */
	nsegs = svmxe_segments(range, NULL, NULL, NULL);
	err = sg_alloc_table(&rb->pt.sgt, nsegs, GFP_KERNEL);
	if (err)
		goto err_free;

	down_read(&vm->svm.notifier_lock);
	if (!svmxe_range_valid(range)) {
		up_read(&vm->svm.notifier_lock);
		err = -EAGAIN;
		goto err_free_sg;
	}
	svmxe_segments(range, rb->pt.sgt.sgl, rb->pt.read_only, rb->pt.devmem);
	up_read(&vm->svm.notifier_lock);

	rb->range = range;
	rb->pt.start = range->start;
	rb->pt.end = range->last + 1;
	rb->pt.pat_index = pat_index;
	/* DRM_XE_ATOMIC_CPU: no atomic-enable bit, so GPU atomics fault. */
	rb->pt.atomic = xe->info.has_atomic_enable_pte_bit && !no_atomics;
	rb->pt.smem_atomic = smem_atomic && !no_atomics;
	/* Written under the VM lock only, which is held: a stable copy. */
	rb->pt.tiles_bound = to_svmxe_range(range)->tiles_bound;

	return rb;

err_free_sg:
	sg_free_table(&rb->pt.sgt);
err_free:
	kfree(rb);
	return ERR_PTR(err);
}

static void svmxe_range_bind_destroy(struct svmxe_range_bind *rb)
{
	sg_free_table(&rb->pt.sgt);
	kfree(rb);
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
 * Invalidate [@start, @end) in the TLBs of every GT of the tiles in
 * @tiles, and wait for all of them: one round trip to each GuC.
 */
static void svmxe_tlb_flush(struct xe_vm *vm, u8 tiles, u64 start, u64 end)
{
	struct xe_gt_tlb_invalidation_fence
		fence[XE_MAX_TILES_PER_DEVICE * XE_MAX_GT_PER_TILE];
	struct xe_device *xe = vm->xe;
	unsigned int i, nr = 0;
	struct xe_tile *tile;
	int err;
	u8 id;

	for_each_tile(tile, xe, id) {
		if (!(tiles & BIT(id)))
			continue;

		err = svmxe_tlb_inval(tile->primary_gt, &fence[nr++], start, end,
				      vm->usm.asid);
		svmxe_tlb_inval_failed(xe, err, start, end);
		if (!tile->media_gt)
			continue;

		err = svmxe_tlb_inval(tile->media_gt, &fence[nr++], start, end,
				      vm->usm.asid);
		svmxe_tlb_inval_failed(xe, err, start, end);
	}

	for (i = 0; i < nr; i++)
		svmxe_tlb_wait(&fence[i]);
}

/*
 * The core's invalidate. The zap always covers the whole range: a leaf may
 * be larger than [@start, @end), and the range is remapped whole on the
 * next fault anyway.
 */
static void svmxe_invalidate(struct xe_svm *svm, struct xe_svm_range *range,
			     u64 start, u64 end)
{
	u64 zap_start = range->start, zap_end = range->last + 1;
	struct svmxe_range *sr = to_svmxe_range(range);
	struct xe_vm *vm = svm_to_vm(svm);
	struct xe_device *xe = vm->xe;
	struct xe_tile *tile;
	u8 id, zapped = 0;
	int idx;

	lockdep_assert_held_write(&svm->notifier_lock);

	if (!sr->tiles_mapped)
		return;

	/* A bind pushed before the lock was taken may still be writing. */
	svmxe_wait_binds(vm);

	/* With the device gone, nothing reaches the pages any more. */
	if (!drm_dev_enter(&xe->drm, &idx))
		goto out;

	for_each_tile(tile, xe, id)
		if ((sr->tiles_mapped & BIT(id)) &&
		    svmxe_zap(tile, vm, zap_start, zap_end))
			zapped |= BIT(id);
	svmxe_tlb_flush(vm, zapped, zap_start, zap_end);

	drm_dev_exit(idx);
out:
	sr->tiles_mapped = 0;
	sr->tiles_atomic = 0;
}

/*
 * The core's invalidate_all, when the VM goes: zap every range, then one
 * TLB invalidation per GT over the span of what was zapped, instead of
 * two GuC round trips per range (a VM may have a hundred thousand).
 */
static void svmxe_invalidate_all(struct xe_svm *svm)
{
	struct xe_vm *vm = svm_to_vm(svm);
	u64 span_start = U64_MAX, span_end = 0;
	struct xe_device *xe = vm->xe;
	struct xe_svm_range *range;
	u8 id, mapped = 0, zapped = 0;
	struct xe_tile *tile;
	int idx;

	lockdep_assert_held_write(&vm->lock);
	lockdep_assert_held_write(&svm->notifier_lock);

	for (range = xe_svm_range_first(&svm->ranges, 0, U64_MAX); range;
	     range = xe_svm_range_next(&svm->ranges, range, 0, U64_MAX))
		mapped |= to_svmxe_range(range)->tiles_mapped;
	if (!mapped)
		return;

	svmxe_wait_binds(vm);

	if (drm_dev_enter(&xe->drm, &idx)) {
		for (range = xe_svm_range_first(&svm->ranges, 0, U64_MAX); range;
		     range = xe_svm_range_next(&svm->ranges, range, 0, U64_MAX)) {
			for_each_tile(tile, xe, id) {
				if (!(to_svmxe_range(range)->tiles_mapped & BIT(id)) ||
				    !svmxe_zap(tile, vm, range->start, range->last + 1))
					continue;
				zapped |= BIT(id);
				span_start = min(span_start, range->start);
				span_end = max(span_end, range->last + 1);
			}
			cond_resched();
		}
		svmxe_tlb_flush(vm, zapped, span_start, span_end);
		drm_dev_exit(idx);
	}

	for (range = xe_svm_range_first(&svm->ranges, 0, U64_MAX); range;
	     range = xe_svm_range_next(&svm->ranges, range, 0, U64_MAX)) {
		to_svmxe_range(range)->tiles_mapped = 0;
		to_svmxe_range(range)->tiles_atomic = 0;
	}
}

/*
 * The core's unbind: ranges the GPU may no longer reach (zapped, TLB
 * invalidated) are going away. The zap cleared their leaf entries only;
 * the page tables under them, pinned VRAM on discrete parts, would stay
 * until the VM is closed. Unbind them through the page-table code, which
 * frees the tables no other mapping uses once the update is done: all of
 * them in one update per tile.
 */
static void svmxe_unbind(struct xe_svm *svm, struct xe_svm_range **ranges,
			 unsigned int count)
{
	const struct xe_svm_pt_unmap **unmaps;
	struct xe_vm *vm = svm_to_vm(svm);
	struct svmxe_range_unbind *ru;
	struct xe_tile *tile;
	unsigned int i, n;
	u8 id, bound = 0;
	int err = 0, ret;

	lockdep_assert_held_write(&vm->lock);
	lockdep_assert_not_held(&svm->notifier_lock);

	for (i = 0; i < count; i++)
		bound |= to_svmxe_range(ranges[i])->tiles_bound;
	if (!bound)
		return;
	/*
	 * Not for a process that is exiting: exit_mmap() zapped every range,
	 * the collector then frees them all, and the VM, closed next, frees
	 * its page tables in one go: nothing to gain from clearing entries
	 * of tables that are all about to go.
	 */
	if (!atomic_read(&svm->mm->mm_users))
		return;

	ru = kvcalloc(count, sizeof(*ru), GFP_KERNEL);
	unmaps = kvcalloc(count, sizeof(*unmaps), GFP_KERNEL);
	if (!ru || !unmaps) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < count; i++) {
		ru[i].pt.start = ranges[i]->start;
		ru[i].pt.end = ranges[i]->last + 1;
		ru[i].range = ranges[i];
	}
	/*
	 * One update per tile: a failure on a second tile of one update
	 * would leave the first one committed, which xe resolves by killing
	 * the VM; alone, a tile's failure leaves its tables (freed with the
	 * VM, and replaced with an invalidation by any later bind over them).
	 */
	for_each_tile(tile, vm->xe, id) {
		if (!(bound & BIT(id)))
			continue;
		for (i = n = 0; i < count; i++)
			if (to_svmxe_range(ranges[i])->tiles_bound & BIT(id))
				unmaps[n++] = &ru[i].pt;
		/* The commit of each range's operation clears its bit. */
		ret = svmxe_run_unbind(vm, unmaps, n, BIT(id));
		if (ret)
			err = err ?: ret;
	}

out_free:
	kvfree(unmaps);
	kvfree(ru);
	if (err)
		vm_dbg(&vm->xe->drm,
		       "SVM unbind of %u ranges from [%llx, ...): %d, page tables kept until VM close\n",
		       count, ranges[0]->start, err);
}

/* The core's range_alloc and range_free: ranges with the backend's state */
static struct xe_svm_range *svmxe_range_alloc(struct xe_svm *svm)
{
	struct svmxe_range *range = kzalloc(sizeof(*range), GFP_KERNEL);

	return range ? &range->base : NULL;
}

static void svmxe_range_free(struct xe_svm_range *range)
{
	kfree(to_svmxe_range(range));
}

/*
 * Range sizes: a 2 MiB PTE (a THP, or a VRAM block), the 64 KiB page
 * (one PS64 group), the base page.
 */
static const u64 svmxe_chunk_sizes[] = { XE_SVM_XE_MAX_RANGE, SZ_64K, SZ_4K };

static const struct xe_svm_ops xe_svm_xe_ops = {
	.chunk_sizes = svmxe_chunk_sizes,
	.nr_chunk_sizes = ARRAY_SIZE(svmxe_chunk_sizes),
	.range_alloc = svmxe_range_alloc,
	.range_free = svmxe_range_free,
	.invalidate = svmxe_invalidate,
	.invalidate_all = svmxe_invalidate_all,
	.unbind = svmxe_unbind,
	.bind = svmxe_bind,
};

/* The range bind that @op carries, or NULL when it is no range bind. */
static struct svmxe_range_bind *svmxe_op_range_bind(struct xe_vma_op *op)
{
	if (op->base.op != DRM_GPUVA_OP_DRIVER ||
	    op->subop != XE_VMA_SUBOP_MAP_RANGE)
		return NULL;

	return to_svmxe_range_bind(op->map_range.pt);
}

/**
 * xe_svm_xe_pt_pre_commit() - check and lock the SVM ranges of a bind
 * @vm: the VM
 * @vops: the operations about to be committed
 * @tile_id: the tile whose page tables they update
 *
 * Called by the page-table code just before the update of @tile_id
 * becomes visible to the GPU. Takes the SVM notifier lock for reading and
 * checks that no invalidation hit any SVM range that @vops binds since
 * its pages were read: every DMA chunk still mapped and the range not
 * unmapped by the CPU. Changes nothing: the commit of each operation
 * marks its range (xe_svm_xe_range_op_commit()). On success the lock
 * stays held until xe_svm_xe_pt_post_commit().
 *
 * Context: VM lock held for writing, VM dma-resv held; takes
 * &xe_svm.notifier_lock (for reading), which it keeps on success; no
 * allocation after that.
 * Return: 0 with the lock held, or -EAGAIN without it.
 */
int xe_svm_xe_pt_pre_commit(struct xe_vm *vm, struct xe_vma_ops *vops,
			    u8 tile_id)
{
	struct svmxe_range_bind *rb;
	struct xe_vma_op *op;

	lockdep_assert_held_write(&vm->lock);

	down_read(&vm->svm.notifier_lock);

	list_for_each_entry(op, &vops->list, link) {
		rb = svmxe_op_range_bind(op);
		if (rb && !svmxe_range_valid(rb->range)) {
			up_read(&vm->svm.notifier_lock);
			return -EAGAIN;
		}
	}

	return 0;
}

/**
 * xe_svm_xe_range_op_commit() - mark a range bound where its bind committed
 * @vm: the VM
 * @pt: the description the bind mapped, made by the SVM backend
 * @tile_id: the tile whose page tables now hold it
 *
 * The commit of an %XE_VMA_SUBOP_MAP_RANGE operation: the range is bound
 * and mapped on @tile_id, with device atomics on its system pages or not
 * as @pt says. Only the VM lock holder writes the masks while holding the
 * notifier lock, which the invalidation takes for writing before it reads
 * them: it sees the bind either whole or not at all.
 *
 * Context: VM lock held for writing, VM dma-resv held and
 * &xe_svm.notifier_lock held for reading (xe_svm_xe_pt_pre_commit() took
 * it); does not sleep.
 */
void xe_svm_xe_range_op_commit(struct xe_vm *vm, const struct xe_svm_pt_range *pt,
			       u8 tile_id)
{
	struct svmxe_range *sr = to_svmxe_range(to_svmxe_range_bind(pt)->range);

	lockdep_assert_held_write(&vm->lock);
	lockdep_assert_held_read(&vm->svm.notifier_lock);

	sr->tiles_bound |= BIT(tile_id);
	sr->tiles_mapped |= BIT(tile_id);
	if (pt->smem_atomic)
		sr->tiles_atomic |= BIT(tile_id);
	else
		sr->tiles_atomic &= ~BIT(tile_id);
}

/**
 * xe_svm_xe_range_unmap_commit() - mark a range unbound where its unbind committed
 * @vm: the VM
 * @pt: the addresses the unbind cleared, made by the SVM backend
 * @tile_id: the tile whose page tables no longer hold the range
 *
 * The commit of an %XE_VMA_SUBOP_UNMAP_RANGE operation: the range has no
 * entries left in @tile_id's page tables (it was zapped and invalidated
 * before, so it was not mapped there either).
 *
 * Context: VM lock held for writing, VM dma-resv held and
 * &xe_svm.notifier_lock held for reading (xe_svm_xe_pt_pre_commit() took
 * it); does not sleep.
 */
void xe_svm_xe_range_unmap_commit(struct xe_vm *vm, const struct xe_svm_pt_unmap *pt,
				  u8 tile_id)
{
	struct svmxe_range *sr = to_svmxe_range(to_svmxe_range_unbind(pt)->range);

	lockdep_assert_held_write(&vm->lock);
	lockdep_assert_held_read(&vm->svm.notifier_lock);

	sr->tiles_bound &= ~BIT(tile_id);
	sr->tiles_mapped &= ~BIT(tile_id);
	sr->tiles_atomic &= ~BIT(tile_id);
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

/*
 * Bind @range, which the core just populated, on @tile only. Other tiles
 * fault for themselves: their GPU may be walking their page tables at
 * this moment, and a bind there would replace tables under it without
 * the invalidation that only their own fault path does.
 */
static int svmxe_commit(struct xe_vm *vm, struct xe_tile *tile,
			struct xe_svm_range *range, u16 pat_index,
			bool smem_atomic, bool no_atomics)
{
	struct svmxe_range_bind *rb;
	struct svmxe_layout lay;
	int err;

	lockdep_assert_held_write(&vm->lock);

	rb = svmxe_range_bind_create(vm, range, pat_index, smem_atomic, no_atomics);
	if (IS_ERR(rb))
		return PTR_ERR(rb);

	err = svmxe_run_bind(vm, &rb->pt, BIT(tile->id));
	if (err)
		goto out_destroy;

	svmxe_layout(&rb->pt.sgt, range->start, &lay);
	vm_dbg(&vm->xe->drm,
	       "SVM bind [%llx, %llx) tile %u: %u segs, %u x 2M, %u x 64K, %u x 4K\n",
	       range->start, range->last + 1, tile->id, lay.segs, lay.pages_2m,
	       lay.pages_64k, lay.pages_4k);

out_destroy:
	svmxe_range_bind_destroy(rb);
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
 * VMA or the gap between VMAs, then binds it on @tile. An atomic asks the
 * core for VRAM on discrete parts; where the range stays in system memory
 * it is bound with device atomics there, or fails with -EACCES on devices
 * that have none (svmxe_smem_atomic()). When a CPU invalidation hits the
 * range before the bind commits, the whole fault is redone, for up to
 * XE_SVM_XE_FAULT_TIMEOUT_MS.
 *
 * Context: process context (the page-fault worker), VM lock held for
 * writing, mmap lock and VM dma-resv not held; may sleep.
 * Return: 0 when the GPU may retry the access; -EACCES for an atomic
 * access to a range in system memory on a device without atomics there,
 * or where the memory-range attribute's atomic mode is
 * %DRM_XE_ATOMIC_CPU;
 * -ENOENT when SVM
 * of @vm is gone or the VM is banned; -EFAULT for an address outside the
 * VM; -EBUSY when invalidations kept racing the bind; otherwise the error
 * of xe_svm_fault() or of the bind.
 */
int xe_svm_xe_handle_pagefault(struct xe_vm *vm, struct xe_tile *tile,
			       struct xe_vma *vma, u64 addr, bool write,
			       bool atomic)
{
	unsigned int access = svmxe_core_access(vm->xe, write, atomic);
	struct xe_svm_attr_region *region;
	struct xe_svm_range *range;
	bool armed, no_atomics;
	unsigned long deadline;
	int smem_atomic;
	u64 start, end;
	u16 pat_index;
	int err;

	lockdep_assert_held_write(&vm->lock);

	if (!(vm->flags & XE_VM_FLAG_SVM) || xe_vm_is_closed_or_banned(vm))
		return -ENOENT;
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
	/*
	 * The memory-range attribute decides the PAT index (a mirror bind
	 * gives its span the bind's, MADVISE may change it) and whether GPU
	 * atomics are allowed at all.
	 */
	region = xe_svm_attr_lookup(&vm->svm.attrs, addr);
	no_atomics = region && region->attr.atomic == DRM_XE_ATOMIC_CPU;
	if (region)
		pat_index = region->attr.pat_index;
	if (atomic && no_atomics)
		return -EACCES;

	deadline = jiffies + msecs_to_jiffies(XE_SVM_XE_FAULT_TIMEOUT_MS);
	do {
		vm->svm_armed = NULL;
		range = NULL;
		err = svmxe_core_fault(vm, addr, start, end, access, &range);
		if (err)
			return err;

		/* Armed: the core populated the range for this fault. */
		armed = !!vm->svm_armed;
		if (armed)
			range = vm->svm_armed;
		vm->svm_armed = NULL;
		if (drm_WARN_ON(&vm->xe->drm, !range))
			return -EINVAL;

		smem_atomic = svmxe_smem_atomic(vm, range, atomic);
		if (smem_atomic < 0)
			return smem_atomic;
		/* Another fault mapped it here as needed already. */
		if (!armed && svmxe_range_mapped_on(vm, range, tile,
						    atomic && smem_atomic))
			return 0;

		err = svmxe_commit(vm, tile, range, pat_index, smem_atomic, no_atomics);
		if (err != -EAGAIN)
			return err;
		cond_resched();
	} while (!svmxe_fault_timed_out(deadline));

	return -EBUSY;
}

/*
 * Device memory: the VRAM of each tile as device-private pages (see "DOC:
 * Device memory" in xe_svm_doc.h), with xe_migrate as the copy engine.
 */

/*
 * A tile's region, with what the copy engine needs: the tile, and a
 * migrate context of SVM's own on the tile's copy engine. Binds on the
 * tile's migrate context (tile->migrate) wait for every bookkeep fence of
 * their VM before they run, and a queue runs its jobs in order: sharing
 * it, one process's stalled bind would stall the CPU faults on device
 * memory of every process. Its own queue costs a migrate VM (about 200
 * KiB of pinned page tables) per tile.
 */
struct svmxe_devmem {
	struct xe_svm_devmem dm;
	struct xe_tile *tile;
	struct xe_migrate *migrate;
	/* the physical address window's name in /proc/iomem */
	char name[48];
};

static struct svmxe_devmem *to_svmxe_devmem(struct xe_svm_devmem *dm)
{
	return container_of(dm, struct svmxe_devmem, dm);
}

/*
 * Seams of the copy engine: what reaches the device pages, the DMA API
 * and xe_migrate goes through these, so that KUnit sees the requests.
 */

/* The offset of device page @page in the VRAM of its tile */
static u64 svmxe_page_vram_offset(struct page *page)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_page_vram_offset, page);

	return xe_svm_devmem_page_offset(page);
}

/* Map the system page @page for a copy; 0 or -EFAULT */
static int svmxe_dma_map(struct device *dev, struct page *page,
			 dma_addr_t *addr)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_dma_map, dev, page, addr);

	*addr = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);

	return dma_mapping_error(dev, *addr) ? -EFAULT : 0;
}

/* Unmap what svmxe_dma_map() mapped, once the copy is done */
static void svmxe_dma_unmap(struct device *dev, dma_addr_t addr)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_dma_unmap, dev, addr);

	dma_unmap_page(dev, addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
}

/*
 * Copy between system pages and a run of the VRAM of @tile, on the
 * migrate context @m. A CPU fault may need a copy while the device is
 * runtime suspended: wake it for the submission (each job then holds its
 * own reference).
 */
static struct dma_fence *svmxe_migrate_copy(struct xe_tile *tile,
					    struct xe_migrate *m,
					    const dma_addr_t *sram,
					    u64 vram_offset,
					    unsigned long npages, bool to_vram)
{
	struct xe_device *xe = tile_to_xe(tile);
	struct dma_fence *fence;

	KUNIT_STATIC_STUB_REDIRECT(svmxe_migrate_copy, tile, m, sram, vram_offset,
				   npages, to_vram);

	xe_pm_runtime_get(xe);
	fence = xe_migrate_svm_copy(m, sram, vram_offset, npages, to_vram);
	xe_pm_runtime_put(xe);

	return fence;
}

/* Clear a run of the VRAM of @tile on @m; see svmxe_migrate_copy() */
static struct dma_fence *svmxe_migrate_clear(struct xe_tile *tile,
					     struct xe_migrate *m,
					     u64 vram_offset, u64 size)
{
	struct xe_device *xe = tile_to_xe(tile);
	struct dma_fence *fence;

	KUNIT_STATIC_STUB_REDIRECT(svmxe_migrate_clear, tile, m, vram_offset, size);

	xe_pm_runtime_get(xe);
	fence = xe_migrate_svm_clear(m, vram_offset, size);
	xe_pm_runtime_put(xe);

	return fence;
}

/*
 * The fence of the last pipelined eviction out of the VRAM of @tile, or
 * NULL. TTM frees an evicted buffer object's VRAM as soon as the copy
 * that empties it is queued, and records that copy's fence in the
 * manager's move fence; its own allocations depend on it. SVM takes
 * blocks from the same buddy allocator directly, so it must wait for it
 * too before anything writes them.
 */
static struct dma_fence *svmxe_vram_move_fence(struct xe_tile *tile)
{
	struct ttm_resource_manager *man = &tile->mem.vram_mgr->manager;
	struct dma_fence *fence;

	KUNIT_STATIC_STUB_REDIRECT(svmxe_vram_move_fence, tile);

	spin_lock(&man->move_lock);
	fence = dma_fence_get(man->move);
	spin_unlock(&man->move_lock);

	return fence;
}

/*
 * The number of pages from @i on that one request can move: the same
 * operation (copy or clear) on device pages that follow each other in
 * VRAM from @offset, the VRAM offset of @dev[@i].
 */
static unsigned long svmxe_run_length(struct page **sys, struct page **dev,
				      unsigned long i, unsigned long npages,
				      u64 offset)
{
	unsigned long j;

	for (j = i + 1; j < npages; j++)
		if (!sys[j] != !sys[i] ||
		    svmxe_page_vram_offset(dev[j]) !=
		    offset + ((u64)(j - i) << PAGE_SHIFT))
			break;

	return j - i;
}

/*
 * Push one copy or clear per run of @sys/@dev (see svmxe_run_length()),
 * @dma holding the DMA addresses of the system pages. The migrate queue
 * runs them in order, so the last fence signals after all of them, but
 * it does not carry an earlier one's error: each earlier fence is waited
 * for once the next run is queued (costing the engine nothing), and the
 * first error fails the whole copy. On error, what was pushed has
 * completed and nothing is held.
 */
static struct dma_fence *svmxe_copy_runs(struct svmxe_devmem *sdm,
					 struct page **sys, struct page **dev,
					 const dma_addr_t *dma,
					 unsigned long npages, bool to_vram)
{
	struct dma_fence *fence = NULL, *next;
	unsigned long i, n;
	int err = 0;

	for (i = 0; i < npages; i += n) {
		u64 offset = svmxe_page_vram_offset(dev[i]);

		n = svmxe_run_length(sys, dev, i, npages, offset);
		if (sys[i])
			next = svmxe_migrate_copy(sdm->tile, sdm->migrate, &dma[i],
						  offset, n, to_vram);
		else
			next = svmxe_migrate_clear(sdm->tile, sdm->migrate, offset,
						   (u64)n << PAGE_SHIFT);
		if (IS_ERR(next))
			goto err_sync;

		if (fence) {
			dma_fence_wait(fence, false);
			err = err ?: fence->error;
			dma_fence_put(fence);
		}
		fence = next;
	}

	if (!err)
		return fence;
	next = ERR_PTR(err);

err_sync:
	if (fence) {
		dma_fence_wait(fence, false);
		dma_fence_put(fence);
	}
	return next;
}

/*
 * The copy engine of a tile's region (&xe_svm_devmem_ops.copy). The system
 * pages are DMA-mapped for the copy only, and the op waits for the copy
 * and unmaps them before it returns: unmapping is what puts the data of a
 * bounced mapping into the page, which the caller hands over as soon as
 * the fence has signalled. The caller waits for the fence right away
 * anyway, so nothing is lost by waiting here.
 */
static struct dma_fence *svmxe_devmem_copy(struct xe_svm_devmem *dm,
					   struct page **sys, struct page **dev,
					   unsigned long npages, bool to_vram)
{
	struct xe_tile *tile = to_svmxe_devmem(dm)->tile;
	struct xe_device *xe = tile_to_xe(tile);
	struct dma_fence *fence;
	unsigned long mapped;
	dma_addr_t *dma;
	int err = 0;

	might_sleep();

	if (!npages)
		return dma_fence_get_stub();

	dma = kvcalloc(npages, sizeof(*dma), GFP_KERNEL);
	if (!dma)
		return ERR_PTR(-ENOMEM);

	for (mapped = 0; mapped < npages; mapped++) {
		if (!sys[mapped]) {
			/* Only a destination in VRAM can be cleared. */
			if (drm_WARN_ON(&xe->drm, !to_vram)) {
				err = -EINVAL;
				goto out_unmap;
			}
			continue;
		}
		err = svmxe_dma_map(xe->drm.dev, sys[mapped], &dma[mapped]);
		if (err)
			goto out_unmap;
	}

	/*
	 * The blocks may have been freed by an eviction whose copy still
	 * reads them (see svmxe_vram_move_fence()). Reading VRAM back needs
	 * no wait: those blocks are SVM's.
	 */
	if (to_vram) {
		struct dma_fence *move = svmxe_vram_move_fence(tile);

		if (move) {
			dma_fence_wait(move, false);
			dma_fence_put(move);
		}
	}

	fence = svmxe_copy_runs(to_svmxe_devmem(dm), sys, dev, dma, npages, to_vram);
	if (IS_ERR(fence))
		err = PTR_ERR(fence);
	else
		dma_fence_wait(fence, false);

out_unmap:
	while (mapped--)
		if (sys[mapped])
			svmxe_dma_unmap(xe->drm.dev, dma[mapped]);
	kvfree(dma);

	return err ? ERR_PTR(err) : fence;
}

/*
 * A wedged device runs no job and an unplugged one has no engines: each
 * copy would only wait for its job's timeout (&xe_svm_devmem_ops.dead).
 */
static bool svmxe_devmem_dead(struct xe_svm_devmem *dm)
{
	struct xe_device *xe = tile_to_xe(to_svmxe_devmem(dm)->tile);

	return xe_device_wedged(xe) || drm_dev_is_unplugged(&xe->drm);
}

/*
 * SVM VRAM as buffer objects: each allocation is a kernel object in the
 * tile's VRAM (XE_BO_FLAG_SVM), one naturally aligned block of the TTM
 * VRAM manager, so that TTM counts it like any other (usage, the
 * CPU-visible part, the D3cold threshold) and evicts it, under pressure
 * and on suspend, through xe_svm_xe_bo_move(). The allocation the SVM
 * core sees is embedded in the object (&xe_bo.svm_alloc) and lives as
 * long as it. The object stays locked until its pages are installed
 * (svmxe_vram_ready()); its last device page freed, the core drops the
 * reference it was created with (svmxe_vram_free()).
 */

/* Seams around the buffer objects, which KUnit replaces */
static struct xe_bo *svmxe_vram_bo_create(struct xe_tile *tile, u64 size)
{
	u32 flags = XE_BO_FLAG_VRAM_IF_DGFX(tile) | XE_BO_FLAG_SVM;

	KUNIT_STATIC_STUB_REDIRECT(svmxe_vram_bo_create, tile, size);

	/* The size is the manager's minimum block: one aligned block. */
	if (size >= SZ_2M)
		flags |= XE_BO_FLAG_NEEDS_2M;
	else if (size >= SZ_64K)
		flags |= XE_BO_FLAG_NEEDS_64K;

	return xe_bo_create_locked(tile_to_xe(tile), tile, NULL, size,
				   ttm_bo_type_kernel, flags);
}

/* The VRAM offset of @bo, or U64_MAX if it is not one contiguous block */
static u64 svmxe_vram_bo_offset(struct xe_bo *bo)
{
	struct xe_res_cursor cur;

	KUNIT_STATIC_STUB_REDIRECT(svmxe_vram_bo_offset, bo);

	xe_res_first(bo->ttm.resource, 0, bo->size, &cur);
	return cur.size == bo->size ? cur.start : U64_MAX;
}

static void svmxe_vram_bo_unlock(struct xe_bo *bo)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_vram_bo_unlock, bo);

	xe_bo_unlock(bo);
}

static void svmxe_vram_bo_put(struct xe_bo *bo)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_vram_bo_put, bo);

	xe_bo_put(bo);
}

static int svmxe_alloc_evict(struct xe_svm_devmem_alloc *alloc)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_alloc_evict, alloc);

	return xe_svm_devmem_alloc_evict(alloc);
}

static void svmxe_bo_move_null(struct xe_bo *bo, struct ttm_resource *new_mem)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_bo_move_null, bo, new_mem);

	ttm_bo_move_null(&bo->ttm, new_mem);
}

/* &xe_svm_devmem_ops.vram_alloc */
static struct xe_svm_devmem_alloc *svmxe_vram_alloc(struct xe_svm_devmem *dm, u64 size)
{
	struct xe_bo *bo;
	u64 offset;

	/* No room, whatever TTM calls it (-ENOMEM for no space, or an eviction's error) */
	bo = svmxe_vram_bo_create(to_svmxe_devmem(dm)->tile, size);
	if (IS_ERR(bo))
		return ERR_PTR(-ENOSPC);

	offset = svmxe_vram_bo_offset(bo);
	if (offset == U64_MAX) {
		svmxe_vram_bo_unlock(bo);
		svmxe_vram_bo_put(bo);
		return ERR_PTR(-ENOSPC);
	}
	bo->svm_alloc.offset = offset;

	return &bo->svm_alloc;
}

/* &xe_svm_devmem_ops.vram_ready: evictable from now on */
static void svmxe_vram_ready(struct xe_svm_devmem_alloc *alloc)
{
	svmxe_vram_bo_unlock(container_of(alloc, struct xe_bo, svm_alloc));
}

/* &xe_svm_devmem_ops.vram_free: the reference the object was created with */
static void svmxe_vram_free(struct xe_svm_devmem_alloc *alloc)
{
	svmxe_vram_bo_put(container_of(alloc, struct xe_bo, svm_alloc));
}

/**
 * xe_svm_xe_bo_move() - move an SVM VRAM object
 * @bo: the object, with XE_BO_FLAG_SVM
 * @new_mem: where TTM moves it
 *
 * xe_bo_move() hands SVM's objects here. Creation places one in VRAM
 * with nothing to copy: the migration that made it fills it. Leaving
 * VRAM (TTM making room for another object or allocation, or emptying
 * VRAM for suspend) moves its pages back to system memory in the
 * processes that own them (xe_svm_devmem_alloc_evict(), which zaps
 * their GPU mappings through the processes' notifiers); its new
 * placement holds nothing, and the object is freed when the core drops
 * its reference.
 *
 * Context: process context, the object's dma-resv held; may sleep. The
 * caller may hold the mmap lock of a process whose GPU fault needs the
 * room, never an SVM notifier lock.
 * Return: 0, or the error of the eviction, the object then left where
 * it is with its data.
 */
int xe_svm_xe_bo_move(struct xe_bo *bo, struct ttm_resource *new_mem)
{
	struct ttm_resource *old_mem = bo->ttm.resource;
	int err;

	dma_resv_assert_held(bo->ttm.base.resv);
	might_sleep();

	if (old_mem && mem_type_is_vram(old_mem->mem_type) &&
	    !mem_type_is_vram(new_mem->mem_type)) {
		err = svmxe_alloc_evict(&bo->svm_alloc);
		if (err)
			return err;
	}
	svmxe_bo_move_null(bo, new_mem);

	return 0;
}

static const struct xe_svm_devmem_ops svmxe_devmem_ops = {
	.copy = svmxe_devmem_copy,
	.dead = svmxe_devmem_dead,
	.vram_alloc = svmxe_vram_alloc,
	.vram_ready = svmxe_vram_ready,
	.vram_free = svmxe_vram_free,
};

/* Seams of the regions' setup and teardown, which need real pages */
static int svmxe_devmem_init(struct svmxe_devmem *sdm, u64 size, u64 dpa_base,
			     void *owner)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_devmem_init, sdm, size, dpa_base, owner);

	return xe_svm_devmem_init(&sdm->dm, &svmxe_devmem_ops, NULL, NULL,
				  size, dpa_base, owner, sdm->name,
				  dev_to_node(tile_to_xe(sdm->tile)->drm.dev));
}

static void svmxe_devmem_fini(struct svmxe_devmem *sdm)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_devmem_fini, sdm);

	xe_svm_devmem_fini(&sdm->dm);
}

/*
 * SVM's migrate context of @tile: released with the device (drmm), like
 * the tile's own.
 */
static struct xe_migrate *svmxe_migrate_create(struct xe_tile *tile)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_migrate_create, tile);

	return xe_migrate_init(tile);
}

/*
 * Can SVM migrate to the VRAM of @tile? On discrete parts that mirror.
 * Devices that must map VRAM with 64 KiB pages (Xe_HPC) too: their VMs
 * say so to the core (&xe_svm.devmem_map_min, see svmxe_vm_init_devmem()),
 * which then never leaves a range with device pages the page tables
 * cannot map.
 */
static bool svmxe_tile_has_devmem(struct xe_tile *tile)
{
	struct xe_device *xe = tile_to_xe(tile);

	return IS_DGFX(xe) && xe_svm_xe_can_mirror(xe) &&
		tile->mem.vram.usable_size && tile->mem.vram_mgr;
}

/* Set up the region of @tile; see xe_svm_xe_device_init(). */
static int svmxe_tile_devmem_init(struct xe_tile *tile)
{
	struct xe_ttm_vram_mgr *mgr = tile->mem.vram_mgr;
	struct xe_device *xe = tile_to_xe(tile);
	struct svmxe_devmem *sdm;
	int err;

	sdm = drmm_kzalloc(&xe->drm, sizeof(*sdm), GFP_KERNEL);
	if (!sdm)
		return -ENOMEM;

	sdm->tile = tile;
	snprintf(sdm->name, sizeof(sdm->name), "xe-svm %s tile%u",
		 dev_name(xe->drm.dev), tile->id);

	err = svmxe_devmem_init(sdm, mgr->mm.size, tile->mem.vram.dpa_base, xe);
	if (err)
		goto err_free;

	sdm->migrate = svmxe_migrate_create(tile);
	if (IS_ERR(sdm->migrate)) {
		err = PTR_ERR(sdm->migrate);
		goto err_devmem;
	}

	tile->svm_devmem = &sdm->dm;
	return 0;

err_devmem:
	svmxe_devmem_fini(sdm);
err_free:
	drmm_kfree(&xe->drm, sdm);
	return err;
}

static void svmxe_device_fini_action(void *arg)
{
	xe_svm_xe_device_fini(arg);
}

/**
 * xe_svm_xe_device_init() - make the VRAM of each tile available to SVM
 * @xe: the device, probed up to its copy engines and not yet registered
 *
 * Each tile with VRAM gets a device-memory region as large as its TTM
 * VRAM manager, whose allocations are buffer objects of that manager
 * (see xe_svm_xe_bo_move()), with @xe as the
 * owner of its pages (every VM of @xe maps them directly) and xe_migrate
 * as its copy engine; see &xe_tile.svm_devmem. SVM is optional: a tile
 * whose region cannot be set up is logged and left without one, and GPU
 * faults of its VMs are served from system memory.
 *
 * The regions are torn down by xe_svm_xe_device_fini() when the device is
 * removed, or by a devres action if the probe fails later.
 *
 * Context: process context (the probe), before any VM exists; may sleep.
 */
void xe_svm_xe_device_init(struct xe_device *xe)
{
	struct xe_tile *tile;
	bool any = false;
	int err;
	u8 id;

	might_sleep();

	for_each_tile(tile, xe, id) {
		if (!svmxe_tile_has_devmem(tile))
			continue;

		err = svmxe_tile_devmem_init(tile);
		if (err)
			drm_info(&xe->drm, "SVM: no migration to VRAM of tile %u: %pe\n",
				 id, ERR_PTR(err));
		else
			any = true;
	}

	/* On failure the action ran: the regions are gone again. */
	if (any && devm_add_action_or_reset(xe->drm.dev, svmxe_device_fini_action, xe))
		drm_info(&xe->drm, "SVM: no migration to VRAM\n");
}

/**
 * xe_svm_xe_device_fini() - give SVM's VRAM back
 * @xe: the device
 *
 * Moves every SVM page still in the VRAM of a tile back to system memory,
 * in the processes that own it, then tears the tile's region down. The
 * copy engines must still run: called first thing when the device is
 * removed. Later calls find nothing to do. VMs that still point at a
 * region (&xe_svm.vram) find it closed and fall back to system memory;
 * its memory lives as long as the device.
 *
 * Context: process context, no VM or mmap lock held; may sleep.
 */
void xe_svm_xe_device_fini(struct xe_device *xe)
{
	struct xe_svm_devmem *dm;
	struct xe_tile *tile;
	u8 id;

	might_sleep();

	for_each_tile(tile, xe, id) {
		dm = tile->svm_devmem;
		if (!dm)
			continue;

		/* New VMs get no VRAM from here on. */
		WRITE_ONCE(tile->svm_devmem, NULL);
		svmxe_devmem_fini(to_svmxe_devmem(dm));
	}
}

/**
 * xe_svm_xe_vram_in_use() - does SVM keep data in VRAM
 * @xe: the device
 *
 * Data migrated to VRAM exists nowhere else: entering D3cold would have
 * to evict it all back to system memory from the runtime-PM callback.
 * While any is there, runtime suspend keeps VRAM powered (no D3cold);
 * system suspend evicts it like every buffer object.
 *
 * Context: any; takes no lock, so the answer may be stale unless nothing
 * can migrate meanwhile (the device is idle: no GPU fault can come).
 * Return: true while a device page of a tile's region is in use.
 */
bool xe_svm_xe_vram_in_use(struct xe_device *xe)
{
	struct xe_svm_devmem *dm;
	struct xe_tile *tile;
	u8 id;

	for_each_tile(tile, xe, id) {
		dm = READ_ONCE(tile->svm_devmem);
		if (dm && atomic64_read(&dm->stats.pages_in_use))
			return true;
	}

	return false;
}

/*
 * Where the GPU faults of a new SVM VM migrate to: the VRAM of the root
 * tile, if SVM can use it. Device pages of @vm's device are mapped where
 * they are, whichever of its VMs put them there.
 */
static void svmxe_vm_init_devmem(struct xe_vm *vm)
{
	vm->svm.pgmap_owner = vm->xe;
	vm->svm.vram = READ_ONCE(xe_device_get_root_tile(vm->xe)->svm_devmem);
	/* The page tables of these VMs map VRAM with 64 KiB pages only. */
	if (vm->flags & XE_VM_FLAG_64K)
		vm->svm.devmem_map_min = SZ_64K;
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
	struct xe_svm_attr def;
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

	/* Memory no bind covers is mapped write-back, as before attributes. */
	xe_svm_attr_default(&def, vm->xe->pat.idx[XE_CACHE_WB]);
	down_write(&vm->lock);
	err = xe_svm_attr_change(&vm->svm, 0, vm->size, XE_SVM_ATTR_ALL, &def, true);
	up_write(&vm->lock);
	if (err) {
		xe_svm_fini(&vm->svm);
		return err;
	}

	svmxe_vm_init_devmem(vm);
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
static int svmxe_check_prefetch(struct xe_vm *vm, const struct drm_xe_vm_bind_op *op)
{
	u64 start = op->addr, end = op->addr + op->range;
	struct drm_gpuva *gpuva;

	/* The preferred location is an attribute of mirrored memory only. */
	if (op->prefetch_mem_region_instance != (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC)
		return 0;
	drm_gpuvm_for_each_va_range(gpuva, &vm->gpuvm, start, end)
		if (!xe_vma_is_cpu_addr_mirror(gpuva_to_vma(gpuva)))
			return -EINVAL;

	return 0;
}

/*
 * What the VM allows, for the shared checks of xe_svm_uapi.c: its size,
 * the PAT table (indices that are not coherent with the CPU's caches may
 * not map CPU memory) and the VRAM regions of the device.
 */
static struct xe_svm_vm_limits svmxe_limits(struct xe_vm *vm)
{
	struct xe_device *xe = vm->xe;
	struct xe_svm_vm_limits lim = {
		.va_size = vm->size,
		.pat_entries = xe->pat.n_entries,
		.vram_regions = xe->info.mem_region_mask & ~BIT(0),
		.fault_mode = xe_vm_in_fault_mode(vm),
	};
	u16 i;

	/* A device without a PAT table (KUnit's) has no rule to apply. */
	for (i = 0; xe->pat.table && i < min_t(u16, xe->pat.n_entries, 32); i++)
		if (xe_pat_index_get_coh_mode(xe, i) == XE_COH_NONE)
			lim.pat_no_coherency |= BIT(i);

	return lim;
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

	/* As upstream: autoreset belongs to mirror binds only. */
	if ((op->flags & DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET) &&
	    !xe_svm_bind_op_is_mirror(op))
		return -EINVAL;
	if (xe_svm_bind_op_is_mirror(op)) {
		struct xe_svm_vm_limits lim = svmxe_limits(vm);

		if (!svm)
			return -EINVAL;

		return xe_svm_check_mirror_bind(op, &lim);
	}

	/* No SVM, no preferred location: -1 would index nothing. */
	if (!svm)
		return op->op == DRM_XE_VM_BIND_OP_PREFETCH &&
		       op->prefetch_mem_region_instance == XE_SVM_XE_PREFETCH_PREF_LOC ?
		       -EINVAL : 0;

	switch (op->op) {
	case DRM_XE_VM_BIND_OP_MAP:
	case DRM_XE_VM_BIND_OP_MAP_USERPTR:
	case DRM_XE_VM_BIND_OP_UNMAP:
		return xe_svm_check_unbind(&vm->svm, op->addr,
					   op->addr + op->range);
	case DRM_XE_VM_BIND_OP_PREFETCH:
		return svmxe_check_prefetch(vm, op);
	default:
		/* UNMAP_ALL only unbinds buffer objects */
		return 0;
	}
}

/*
 * The value MADVISE gives (the fields of *@mask). A preferred location in
 * a device file must name a VRAM region of this device: another xe device
 * cannot be reached without a fast interconnect (-ENOLINK), and a file of
 * anything else is -EINVAL.
 */
static int svmxe_madvise_value(struct xe_device *xe, const struct drm_xe_madvise *args,
			       struct xe_svm_attr *val, unsigned int *mask)
{
	u16 region = args->preferred_mem_loc.region_instance;
	struct drm_file *df;
	struct file *file;
	int err;

	err = xe_svm_madvise_value(args, val, mask);
	if (err <= 0)
		return err;

	file = fget((s32)args->preferred_mem_loc.devmem_fd);
	if (!file)
		return -EBADF;
	df = file->f_op->open == drm_open ? file->private_data : NULL;
	if (!df || df->minor->dev->driver != xe->drm.driver)
		err = -EINVAL;
	else if (df->minor->dev != &xe->drm)
		err = -ENOLINK;
	else if (!region || region > XE_MAX_TILES_PER_DEVICE ||
		 !(xe->info.mem_region_mask & BIT(region)) ||
		 !xe->tiles[region - 1].svm_devmem)
		err = -EINVAL;
	else
		err = 0;
	fput(file);
	if (!err)
		val->dm = xe->tiles[region - 1].svm_devmem;

	return err;
}

/**
 * xe_svm_xe_madvise_ioctl() - DRM_IOCTL_XE_MADVISE
 * @dev: the DRM device
 * @data: &struct drm_xe_madvise
 * @file: the DRM file
 *
 * Sets one memory-range attribute of the mirrored memory of a fault-mode
 * VM (see "DOC: Memory-range attributes"). Every argument is checked
 * before anything changes. Attributes apply to mirrored memory only: a
 * buffer object's VMA in the range keeps its own PAT index and atomics.
 *
 * Context: process context; takes the VM lock for writing; may sleep.
 * Return: 0; -EINVAL for a VM that does not exist and for the arguments
 * xe_svm_check_madvise() rejects; -EBADF, -EINVAL or -ENOLINK for a bad
 * device file of a preferred location; -ENOENT for a closed or banned VM;
 * -EINTR; -ENOMEM.
 */
int xe_svm_xe_madvise_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct xe_device *xe = to_xe_device(dev);
	struct drm_xe_madvise *args = data;
	struct xe_svm_vm_limits lim;
	struct xe_svm_attr val;
	unsigned int mask;
	struct xe_vm *vm;
	int err;

	vm = xe_vm_lookup(to_xe_file(file), args->vm_id);
	if (XE_IOCTL_DBG(xe, !vm))
		return -EINVAL;

	lim = svmxe_limits(vm);
	lim.fault_mode = lim.fault_mode && (vm->flags & XE_VM_FLAG_SVM);
	err = xe_svm_check_madvise(args, &lim);
	if (!err)
		err = svmxe_madvise_value(xe, args, &val, &mask);
	if (XE_IOCTL_DBG(xe, err))
		goto out_put;

	err = down_write_killable(&vm->lock);
	if (err)
		goto out_put;
	if (xe_vm_is_closed_or_banned(vm) || !(vm->flags & XE_VM_FLAG_SVM))
		err = -ENOENT;
	else
		err = xe_svm_attr_change(&vm->svm, args->start, args->start + args->range,
					 mask, &val, false);
	up_write(&vm->lock);

out_put:
	xe_vm_put(vm);
	return err;
}

/*
 * Entries of the regions of attributes in [@s, @e), with their bounds
 * clipped to the mirror [@w_start, @w_end) (a mirror VMA, or a gap of a VM
 * that mirrors everything), appended at @n. Returns the new count.
 */
static u32 svmxe_window_attrs(struct xe_vm *vm, u64 w_start, u64 w_end, u64 s, u64 e,
			      struct drm_xe_mem_range_attr *out, u32 max, u32 n)
{
	struct xe_svm_attr_region *r;

	for (r = xe_svm_attr_lookup(&vm->svm.attrs, s); r && r->start < e;
	     r = xe_svm_attr_next(&vm->svm.attrs, r), n++)
		if (out && n < max)
			xe_svm_mem_range_attr_fill(&out[n], max(r->start, w_start),
						   min(r->end, w_end), &r->attr);

	return n;
}

/* Entries of the unbound [@s, @e): mirrored only in a whole-mirror VM. */
static u32 svmxe_gap_attrs(struct xe_vm *vm, u64 s, u64 e,
			   struct drm_xe_mem_range_attr *out, u32 max, u32 n)
{
	u64 gap_start, gap_end;

	if (!(vm->flags & XE_VM_FLAG_CPU_ADDR_MIRROR))
		return n;
	svmxe_gap(vm, s, &gap_start, &gap_end);
	return svmxe_window_attrs(vm, gap_start, gap_end, s, min(e, gap_end), out, max, n);
}

/*
 * The entries of QUERY_MEM_RANGE_ATTRS over [@start, @end), in address
 * order: one per VMA of a buffer object or userptr (its PAT index, the
 * other attributes at their defaults), one per region of attributes
 * within a mirror VMA or a mirrored gap. Fills @out when it is not NULL,
 * at most @max entries; returns how many there are.
 */
static u32 svmxe_mem_range_attrs(struct xe_vm *vm, u64 start, u64 end,
				 struct drm_xe_mem_range_attr *out, u32 max)
{
	struct drm_gpuva *gpuva;
	u64 at = start;
	u32 n = 0;

	lockdep_assert_held(&vm->lock);

	drm_gpuvm_for_each_va_range(gpuva, &vm->gpuvm, start, end) {
		struct xe_vma *vma = gpuva_to_vma(gpuva);
		u64 vs = xe_vma_start(vma), ve = xe_vma_end(vma);

		if (at < vs)
			n = svmxe_gap_attrs(vm, at, vs, out, max, n);
		if (xe_vma_is_cpu_addr_mirror(vma)) {
			n = svmxe_window_attrs(vm, vs, ve, max(start, vs), min(end, ve),
					       out, max, n);
		} else {
			if (out && n < max) {
				struct xe_svm_attr def;

				xe_svm_attr_default(&def, vma->pat_index);
				xe_svm_mem_range_attr_fill(&out[n], vs, ve, &def);
			}
			n++;
		}
		at = ve;
	}
	if (at < end)
		n = svmxe_gap_attrs(vm, at, end, out, max, n);

	return n;
}

/**
 * xe_svm_xe_query_mem_range_attrs_ioctl() - DRM_IOCTL_XE_VM_QUERY_MEM_RANGE_ATTRS
 * @dev: the DRM device
 * @data: &struct drm_xe_vm_query_mem_range_attr
 * @file: the DRM file
 *
 * The two-call protocol of &struct drm_xe_vm_query_mem_range_attr over
 * the VMAs of the VM and the regions of memory-range attributes of its
 * mirrored memory.
 *
 * Context: process context; takes the VM lock for reading; may sleep.
 * Return: 0; -EINVAL for a VM that does not exist and for the arguments
 * xe_svm_check_query_attrs() rejects; -ENOSPC when there are more entries
 * than the vector holds; -EFAULT; -ENOMEM; -EINTR.
 */
int xe_svm_xe_query_mem_range_attrs_ioctl(struct drm_device *dev, void *data,
					  struct drm_file *file)
{
	struct drm_xe_vm_query_mem_range_attr *args = data;
	struct xe_device *xe = to_xe_device(dev);
	struct drm_xe_mem_range_attr *entries = NULL;
	u64 start = args->start, end = args->start + args->range;
	struct xe_svm_vm_limits lim;
	struct xe_vm *vm;
	bool count_only;
	u32 n;
	int err;

	vm = xe_vm_lookup(to_xe_file(file), args->vm_id);
	if (XE_IOCTL_DBG(xe, !vm))
		return -EINVAL;
	lim = svmxe_limits(vm);
	err = xe_svm_check_query_attrs(args, &lim, &count_only);
	if (XE_IOCTL_DBG(xe, err))
		goto out_put;

	/* A munmap() that returned has its autoreset applied first. */
	if (vm->flags & XE_VM_FLAG_SVM)
		flush_work(&vm->svm.gc_work);
	err = down_read_interruptible(&vm->lock);
	if (err)
		goto out_put;
	n = svmxe_mem_range_attrs(vm, start, end, NULL, 0);
	if (!count_only) {
		if (n > args->num_mem_ranges) {
			err = -ENOSPC;
		} else {
			entries = kvcalloc(n, sizeof(*entries), GFP_KERNEL);
			if (n && !entries)
				err = -ENOMEM;
			else
				svmxe_mem_range_attrs(vm, start, end, entries, n);
		}
	}
	up_read(&vm->lock);
	if (err)
		goto out_free;

	args->num_mem_ranges = n;
	args->sizeof_mem_range_attr = sizeof(struct drm_xe_mem_range_attr);
	if (!count_only &&
	    copy_to_user(u64_to_user_ptr(args->vector_of_mem_attr), entries,
			 array_size(n, sizeof(*entries))))
		err = -EFAULT;

out_free:
	kvfree(entries);
out_put:
	xe_vm_put(vm);
	return err;
}

/*
 * The core mapped @range for a prefetch: bind it on the root tile, with
 * the PAT index and atomic mode of its attribute, as a fault there would.
 */
static int svmxe_prefetch_commit(struct xe_svm *svm, struct xe_svm_range *range, void *arg)
{
	struct xe_vm *vm = svm_to_vm(svm);
	struct xe_svm_attr_region *region = xe_svm_attr_lookup(&svm->attrs, range->start);
	u16 pat_index = region ? region->attr.pat_index : vm->xe->pat.idx[XE_CACHE_WB];
	bool no_atomics = region && region->attr.atomic == DRM_XE_ATOMIC_CPU;

	/* The core's bind only armed the range; this commits it. */
	vm->svm_armed = NULL;
	return svmxe_commit(vm, xe_device_get_root_tile(vm->xe), range, pat_index, false,
			    no_atomics);
}

/* The core's prefetch of [@start, @end) within the mirror [@ws, @we). */
static int svmxe_core_prefetch(struct xe_vm *vm, u64 start, u64 end, u64 ws, u64 we,
			       const struct xe_svm_prefetch_dest *dest)
{
	KUNIT_STATIC_STUB_REDIRECT(svmxe_core_prefetch, vm, start, end, ws, we, dest);
	return xe_svm_prefetch(&vm->svm, start, end, ws, we, dest);
}

/* Prefetch the mirrored parts of [@start, @end): mirror VMAs and gaps. */
static int svmxe_prefetch_range(struct xe_vm *vm, u64 start, u64 end,
				const struct xe_svm_prefetch_dest *dest)
{
	bool whole = vm->flags & XE_VM_FLAG_CPU_ADDR_MIRROR;
	struct drm_gpuva *gpuva, *next;
	u64 at = start, gs, ge;
	int err;

	/* A prefetch may free ranges, never VMAs: the walk stays valid. */
	drm_gpuvm_for_each_va_range_safe(gpuva, next, &vm->gpuvm, start, end) {
		struct xe_vma *vma = gpuva_to_vma(gpuva);
		u64 vs = xe_vma_start(vma), ve = xe_vma_end(vma);

		if (whole && at < vs) {
			svmxe_gap(vm, at, &gs, &ge);
			err = svmxe_core_prefetch(vm, at, vs, gs, ge, dest);
			if (err)
				return err;
		}
		if (xe_vma_is_cpu_addr_mirror(vma)) {
			err = svmxe_core_prefetch(vm, max(start, vs), min(end, ve), vs, ve, dest);
			if (err)
				return err;
		}
		at = ve;
	}
	if (whole && at < end) {
		svmxe_gap(vm, at, &gs, &ge);
		return svmxe_core_prefetch(vm, at, min(end, ge), gs, ge, dest);
	}

	return 0;
}

/**
 * xe_svm_xe_prefetch() - prefetch the mirrored memory PREFETCH ops name
 * @vm: the VM
 * @ops: the operations of a VM_BIND, all checked
 * @n: how many
 *
 * For each %DRM_XE_VM_BIND_OP_PREFETCH, the mirror VMAs in its range (and
 * the gaps, in a VM that mirrors everything) are prefetched with
 * xe_svm_prefetch() and each range bound on the root tile as the core
 * maps it. Region instance 0 means system memory, a VRAM instance that
 * tile's VRAM, %DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC each range's preferred
 * location. Called after the ops are parsed and before they run, so that
 * the syncs of the bind signal once the memory is in place.
 *
 * Context: process context, VM lock held for writing, no dma-resv and no
 * mmap lock held; may sleep.
 * Return: 0, or the error of xe_svm_prefetch() (-EINTR, -EBUSY, -ENOMEM,
 * a bind's error).
 */
int xe_svm_xe_prefetch(struct xe_vm *vm, const struct drm_xe_vm_bind_op *ops, u32 n)
{
	struct xe_device *xe = vm->xe;
	u32 i;
	int err;

	lockdep_assert_held_write(&vm->lock);

	if (!(vm->flags & XE_VM_FLAG_SVM))
		return 0;
	for (i = 0; i < n; i++) {
		u32 region = ops[i].prefetch_mem_region_instance;
		struct xe_svm_prefetch_dest dest = {
			.to_pref_loc = region == (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC,
			.commit = svmxe_prefetch_commit,
		};

		if (ops[i].op != DRM_XE_VM_BIND_OP_PREFETCH)
			continue;
		/* A VRAM region with no SVM device memory: mapped where it is. */
		if (!dest.to_pref_loc && region && region <= XE_MAX_TILES_PER_DEVICE)
			dest.dm = xe->tiles[region - 1].svm_devmem;
		err = svmxe_prefetch_range(vm, ops[i].addr, ops[i].addr + ops[i].range, &dest);
		if (err)
			return err;
	}

	return 0;
}

/**
 * xe_svm_xe_binds_done() - what SVM does once VM_BIND operations ran
 * @vm: the VM
 * @ops: the operations of the ioctl, all of which succeeded
 * @n: how many
 *
 * A CPU address mirror MAP gives its span the default memory-range
 * attributes with the PAT index of the bind, as a new upstream VMA has
 * them, and %DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET if it asked for it.
 * The regions this needs are two small allocations; should they fail,
 * the span keeps its old attributes (and a warning says so).
 *
 * Context: VM lock held for writing; may sleep.
 */
void xe_svm_xe_binds_done(struct xe_vm *vm, const struct drm_xe_vm_bind_op *ops, u32 n)
{
	struct xe_svm_attr def;
	u32 i;

	lockdep_assert_held_write(&vm->lock);

	if (!(vm->flags & XE_VM_FLAG_SVM))
		return;
	for (i = 0; i < n; i++) {
		if (!xe_svm_bind_op_is_mirror(&ops[i]))
			continue;
		xe_svm_attr_default(&def, ops[i].pat_index);
		def.autoreset = ops[i].flags & DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET;
		if (xe_svm_attr_change(&vm->svm, ops[i].addr, ops[i].addr + ops[i].range,
				       XE_SVM_ATTR_ALL, &def, true))
			drm_warn(&vm->xe->drm, "SVM: no memory to reset the attributes of a mirror\n");
	}
}

static int svmxe_debugfs_show(struct seq_file *m, void *data)
{
	struct xe_device *xe = m->private;
	struct drm_printer p = drm_seq_file_printer(m);
	struct xe_tile *tile;
	unsigned long asid;
	struct xe_vm *vm;
	u8 id;

	/* A VM leaves asid_to_vm under this lock before it is freed. */
	down_read(&xe->usm.lock);
	xa_for_each(&xe->usm.asid_to_vm, asid, vm) {
		if (!(READ_ONCE(vm->flags) & XE_VM_FLAG_SVM))
			continue;
		drm_printf(&p, "vm asid %lu:\n", asid);
		xe_svm_stats_print(&vm->svm, &p);
	}
	up_read(&xe->usm.lock);

	for_each_tile(tile, xe, id) {
		if (!tile->svm_devmem)
			continue;
		drm_printf(&p, "tile %u VRAM migrations:\n", id);
		xe_svm_devmem_timing_print(tile->svm_devmem, &p);
	}

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(svmxe_debugfs);

static int svmxe_residency_show(struct seq_file *m, void *data)
{
	struct xe_device *xe = m->private;
	struct drm_printer p = drm_seq_file_printer(m);
	unsigned long asid = 0;
	struct xe_vm *vm;
	int err = 0;

	/*
	 * usm.lock is held only to find the next VM and take a reference:
	 * every GPU fault's VM lookup takes it, so it is never held across
	 * a walk that sleeps on the VM lock and the mmap lock.
	 */
	for (;;) {
		down_read(&xe->usm.lock);
		vm = xa_find(&xe->usm.asid_to_vm, &asid, ULONG_MAX, XA_PRESENT);
		if (vm)
			xe_vm_get(vm);
		up_read(&xe->usm.lock);
		if (!vm)
			break;

		err = down_read_killable(&vm->lock);
		if (!err) {
			/* SVM is turned off under this lock before it is torn down. */
			if (vm->flags & XE_VM_FLAG_SVM) {
				drm_printf(&p, "vm asid %lu:\n", asid);
				xe_svm_residency_print(&vm->svm, &p);
			}
			up_read(&vm->lock);
		}
		xe_vm_put(vm);
		if (err || asid == ULONG_MAX)
			break;
		asid++;
	}

	return err;
}
DEFINE_SHOW_ATTRIBUTE(svmxe_residency);

/**
 * xe_svm_xe_debugfs_register() - add the SVM files to debugfs
 * @xe: the device
 * @root: its debugfs directory
 *
 * The file "svm" lists, for each VM with an SVM context (by ASID), the
 * counters xe_svm_stats_print() prints; "svm_residency" lists each VM's
 * ranges as xe_svm_residency_print() prints them: where their pages are
 * now, how the GPU maps them and their attributes. Nothing on devices
 * that cannot mirror.
 *
 * Context: process context, at device registration.
 */
void xe_svm_xe_debugfs_register(struct xe_device *xe, struct dentry *root)
{
	if (!xe_svm_xe_can_mirror(xe))
		return;
	debugfs_create_file("svm", 0400, root, xe, &svmxe_debugfs_fops);
	debugfs_create_file("svm_residency", 0400, root, xe, &svmxe_residency_fops);
}

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_xe_test.c"
#endif
