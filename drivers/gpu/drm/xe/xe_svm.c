// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm.h"

#include <linux/dma-mapping.h>
#include <linux/hmm.h>
#include <linux/hugetlb.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/drm_print.h>

#include "xe_svm_devmem.h"
#include "xe_svm_migrate.h"
#include "xe_svm_trace.h"
#include "xe_svm_types.h"

/*
 * The SVM context: ranges, their MMU interval notifiers and the garbage
 * collector that frees ranges the CPU unmapped. See "DOC: Invalidation",
 * "DOC: Locking" and "DOC: Lifetimes" in xe_svm_doc.h.
 */

/*
 * The emulated test device, a separate module, drives the core through
 * the functions exported below, in their own namespace (DRM_XE_SVM) so
 * that nothing imports them by accident.
 */

static void xe_svm_assert_vm_locked_write(struct xe_svm *svm)
{
	lockdep_assert_held_write(svm->ranges.lock);
}

static void xe_svm_assert_in_notifier(struct xe_svm *svm)
{
	lockdep_assert_held_write(&svm->notifier_lock);
}

/*
 * DMA mappings of a range: one chunk per physically contiguous piece the
 * CPU maps as one (a THP is one 2 MiB chunk), see "DOC: Fault flow".
 *
 * SVM needs a device that snoops the CPU caches: the CPU and the GPU use
 * the same pages at the same time, with no hand-over point where cache
 * maintenance could go. The mappings therefore skip CPU syncs
 * (DMA_ATTR_SKIP_CPU_SYNC), which is also what lets several VMs of one
 * device map the same shared page at once.
 */

static void xe_svm_dma_unmap_chunk(struct xe_svm *svm, struct xe_svm_dma_chunk *c)
{
	c->mapped = false;
	/*
	 * The zero page's one mapping belongs to the context; device pages
	 * are never DMA-mapped.
	 */
	if (c->zero || c->devmem)
		return;

	dma_unmap_page_attrs(svm->dma_dev, c->addr, PAGE_SIZE << c->order,
			     c->write ? DMA_BIDIRECTIONAL : DMA_TO_DEVICE,
			     DMA_ATTR_SKIP_CPU_SYNC);
	atomic64_sub(1 << c->order, &svm->stats.dma_mapped_pages);
}

/* Unmap every chunk of @dma and free it. */
static void xe_svm_dma_free(struct xe_svm *svm, struct xe_svm_dma_chunk *dma,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (dma[i].mapped)
			xe_svm_dma_unmap_chunk(svm, &dma[i]);
	kvfree(dma);
}

/*
 * The order of the chunk that starts at page @i of @npages: the largest
 * naturally aligned piece inside the one CPU page-table entry that maps
 * page @i (hmm_pfn_to_map_order()), never past the end of the range.
 */
static unsigned int xe_svm_dma_chunk_order(const unsigned long *pfns,
					   unsigned long i, unsigned long npages)
{
	unsigned int order = hmm_pfn_to_map_order(pfns[i]);

	while (order && (!IS_ALIGNED(i, 1ul << order) || i + (1ul << order) > npages))
		order--;

	return order;
}

/*
 * A device page of our own owner at page @i: the GPU maps it from VRAM,
 * where it needs no DMA mapping. HMM returns device pages of another
 * owner only after migrating them back, so every device page is ours.
 */
static bool xe_svm_pfn_is_devmem(const unsigned long *pfns, unsigned long i)
{
	return is_device_private_page(hmm_pfn_to_page(pfns[i]));
}

/*
 * The order of a chunk of device pages that starts at page @i: the
 * largest of the backend's chunk sizes whose pages are all device
 * pages that follow each other in one region's VRAM, aligned in VRAM as
 * in the range, never past the end of the range. Consecutive pfns are not
 * enough: two regions (two tiles, or two devices of one owner) may have
 * adjacent physical windows, and no PTE maps across VRAMs.
 */
static unsigned int xe_svm_devmem_chunk_order(const struct xe_svm *svm,
					      const unsigned long *pfns,
					      unsigned long i, unsigned long npages)
{
	struct page *first = hmm_pfn_to_page(pfns[i]);
	unsigned long pfn = page_to_pfn(first), j;
	unsigned int k;

	/* The last size is one page: the answer when nothing larger fits. */
	for (k = 0; k + 1 < svm->ops->nr_chunk_sizes; k++) {
		unsigned long n = svm->ops->chunk_sizes[k] >> PAGE_SHIFT;

		if (!IS_ALIGNED(i, n) || i + n > npages ||
		    !IS_ALIGNED(xe_svm_devmem_page_offset(first) >> PAGE_SHIFT, n))
			continue;
		for (j = 1; j < n; j++)
			if (!xe_svm_pfn_is_devmem(pfns, i + j) ||
			    page_to_pfn(hmm_pfn_to_page(pfns[i + j])) != pfn + j ||
			    hmm_pfn_to_page(pfns[i + j])->pgmap != first->pgmap ||
			    (pfns[i + j] & HMM_PFN_WRITE) != (pfns[i] & HMM_PFN_WRITE))
				break;
		if (j == n)
			return ilog2(n);
	}

	return 0;
}

static unsigned int xe_svm_chunk_order(const struct xe_svm *svm,
				       const unsigned long *pfns,
				       unsigned long i, unsigned long npages)
{
	if (xe_svm_pfn_is_devmem(pfns, i))
		return xe_svm_devmem_chunk_order(svm, pfns, i, npages);

	return xe_svm_dma_chunk_order(pfns, i, npages);
}

/* DMA-map the pages @pfns of @range, in chunks (exactly as many as needed). */
static struct xe_svm_dma_chunk *xe_svm_dma_map(struct xe_svm *svm,
					       struct xe_svm_range *range,
					       const unsigned long *pfns,
					       unsigned int *nr)
{
	unsigned long i, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	struct xe_svm_dma_chunk *dma;
	unsigned int n = 0, order;

	for (i = 0; i < npages; i += 1ul << order) {
		order = xe_svm_chunk_order(svm, pfns, i, npages);
		n++;
	}
	dma = kvmalloc_array(n, sizeof(*dma), GFP_KERNEL);
	if (!dma)
		return ERR_PTR(-ENOMEM);

	n = 0;
	for (i = 0; i < npages; i += 1ul << order) {
		struct xe_svm_dma_chunk *c = &dma[n];

		order = xe_svm_chunk_order(svm, pfns, i, npages);
		c->order = order;
		/* One CPU PTE, one permission: read-only pages are only read. */
		c->write = pfns[i] & HMM_PFN_WRITE;
		c->devmem = xe_svm_pfn_is_devmem(pfns, i);
		if (c->devmem) {
			struct page *page = hmm_pfn_to_page(pfns[i]);

			c->zero = false;
			c->mapped = true;
			c->addr = xe_svm_page_to_devmem(page)->dpa_base +
				  xe_svm_devmem_page_offset(page);
			n++;
			continue;
		}
		/*
		 * Untouched memory that was read maps the zero page, possibly
		 * thousands of times: every use shares the context's mapping.
		 */
		c->zero = is_zero_pfn(page_to_pfn(hmm_pfn_to_page(pfns[i])));
		c->mapped = c->zero;
		c->addr = svm->zero_dma;
		n++;
		if (c->zero)
			continue;

		c->addr = dma_map_page_attrs(svm->dma_dev, hmm_pfn_to_page(pfns[i]), 0,
					     PAGE_SIZE << order,
					     c->write ? DMA_BIDIRECTIONAL : DMA_TO_DEVICE,
					     DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(svm->dma_dev, c->addr)) {
			xe_svm_dma_free(svm, dma, n - 1);
			return ERR_PTR(-EFAULT);
		}
		c->mapped = true;
		atomic64_add(1ul << order, &svm->stats.dma_mapped_pages);
		cond_resched();
	}

	*nr = n;
	return dma;
}

static bool xe_svm_dma_all_writable(const struct xe_svm_range *range)
{
	unsigned int i;

	for (i = 0; i < range->dma_nr; i++)
		if (!range->dma[i].write)
			return false;

	return true;
}

/*
 * Can the device map the device pages among @dma? Each chunk is one PTE,
 * so every chunk of device pages must be at least &xe_svm.devmem_map_min
 * (chunks are aligned to their size, in the range and in VRAM).
 */
static bool xe_svm_dma_devmem_mappable(const struct xe_svm *svm,
				       const struct xe_svm_dma_chunk *dma,
				       unsigned int dma_nr)
{
	unsigned int i;

	for (i = 0; i < dma_nr; i++)
		if (dma[i].devmem && (PAGE_SIZE << dma[i].order) < svm->devmem_map_min)
			return false;

	return true;
}

static bool xe_svm_dma_all_devmem(const struct xe_svm_range *range)
{
	unsigned int i;

	for (i = 0; i < range->dma_nr; i++)
		if (!range->dma[i].devmem)
			return false;

	return true;
}

/*
 * Zap the GPU mapping of [@start, @end) in @range, then unmap the DMA
 * chunks under it. A chunk is mapped and unmapped whole, so the zap grows
 * to the chunks the interval touches: the GPU must never keep a mapping
 * of a page whose DMA mapping is gone.
 */
static void xe_svm_range_zap_locked(struct xe_svm *svm,
				    struct xe_svm_range *range,
				    u64 start, u64 end)
{
	u64 zap_start = start, zap_end = end, addr = range->start;
	unsigned int i;

	xe_svm_assert_in_notifier(svm);

	for (i = 0; i < range->dma_nr; i++) {
		u64 size = PAGE_SIZE << range->dma[i].order;

		if (range->dma[i].mapped && addr < end && addr + size > start) {
			zap_start = min(zap_start, addr);
			zap_end = max(zap_end, addr + size);
		}
		addr += size;
	}

	svm->ops->invalidate(svm, range, zap_start, zap_end);
	clear_bit(XE_SVM_RANGE_GPU_VALID, &range->flags);
	clear_bit(XE_SVM_RANGE_GPU_WRITE, &range->flags);
	clear_bit(XE_SVM_RANGE_GPU_DEVMEM, &range->flags);

	addr = range->start;
	for (i = 0; i < range->dma_nr; i++) {
		u64 size = PAGE_SIZE << range->dma[i].order;

		if (range->dma[i].mapped && addr < end && addr + size > start) {
			xe_svm_dma_unmap_chunk(svm, &range->dma[i]);
			/* Notifiers here are blockable; a 1 GiB munmap is long. */
			cond_resched();
		}
		addr += size;
	}
}

static bool xe_svm_range_invalidate(struct mmu_interval_notifier *mni,
				    const struct mmu_notifier_range *mmu_range,
				    unsigned long cur_seq)
{
	struct xe_svm_range *range = container_of(mni, struct xe_svm_range, notifier);
	struct xe_svm *svm = range->svm;
	u64 start, end;

	/*
	 * Zapping GPU mappings waits for the GPU TLB; a caller that cannot
	 * block (the OOM reaper) has to skip this address space.
	 */
	if (!mmu_notifier_range_blockable(mmu_range))
		return false;

	start = max_t(u64, mmu_range->start, range->start);
	end = min_t(u64, mmu_range->end, range->last + 1);
	trace_xe_svm_invalidate_begin(range, start, end, mmu_range->event);

	down_write(&svm->notifier_lock);
	/* First, so that a fault in flight cannot commit stale pages. */
	mmu_interval_set_seq(mni, cur_seq);

	xe_svm_range_zap_locked(svm, range, start, end);
	atomic64_inc(&svm->stats.invalidations);

	if (mmu_range->event == MMU_NOTIFY_UNMAP) {
		set_bit(XE_SVM_RANGE_UNMAPPED, &range->flags);
		if (start != range->start || end != range->last + 1)
			set_bit(XE_SVM_RANGE_PARTIAL_UNMAP, &range->flags);

		spin_lock(&svm->gc_lock);
		if (list_empty(&range->gc_link))
			list_add_tail(&range->gc_link, &svm->gc_list);
		spin_unlock(&svm->gc_lock);
		/* queue_work() does not allocate: safe under reclaim. */
		queue_work(system_unbound_wq, &svm->gc_work);
	}
	up_write(&svm->notifier_lock);
	trace_xe_svm_invalidate_end(range);

	return true;
}

static const struct mmu_interval_notifier_ops xe_svm_range_notifier_ops = {
	.invalidate = xe_svm_range_invalidate,
};

/* Free the memory of a range, as it was allocated. */
static void xe_svm_range_free(struct xe_svm *svm, struct xe_svm_range *range)
{
	if (svm->ops->range_alloc)
		svm->ops->range_free(range);
	else
		kfree(range);
}

/*
 * The first half of freeing a range: stop its notifier, so that nothing
 * can queue it again, then zap what is left of its GPU mapping. The
 * backend may then unbind it; xe_svm_range_release() frees it.
 */
static void xe_svm_range_detach(struct xe_svm *svm, struct xe_svm_range *range)
{
	xe_svm_assert_vm_locked_write(svm);
	trace_xe_svm_range_destroy(range);

	mmu_interval_notifier_remove(&range->notifier);

	down_write(&svm->notifier_lock);
	xe_svm_range_zap_locked(svm, range, range->start, range->last + 1);
	up_write(&svm->notifier_lock);
}

/* The second half: unlink a detached range and free it. */
static void xe_svm_range_release(struct xe_svm *svm, struct xe_svm_range *range)
{
	spin_lock(&svm->gc_lock);
	list_del_init(&range->gc_link);
	spin_unlock(&svm->gc_lock);

	xe_svm_range_remove(&svm->ranges, range);
	/* The zap of xe_svm_range_detach() unmapped every chunk. */
	kvfree(range->dma);
	xe_svm_range_free(svm, range);
	atomic64_inc(&svm->stats.ranges_destroyed);
}

/*
 * Free a range: detach it, then (if @unbind) let the backend free the
 * page tables it holds for the range, then release it. Teardown does not
 * unbind: the page tables go with the VM.
 */
static void xe_svm_range_destroy(struct xe_svm *svm, struct xe_svm_range *range,
				 bool unbind)
{
	xe_svm_range_detach(svm, range);
	if (unbind && svm->ops->unbind)
		svm->ops->unbind(svm, &range, 1);
	xe_svm_range_release(svm, range);
}

static void xe_svm_autoreset(struct xe_svm *svm);

/*
 * Ranges the garbage collector frees with one backend unbind: one
 * page-table update and one TLB invalidation per tile instead of one per
 * range, for a bounded amount of work per update.
 */
#define XE_SVM_GC_BATCH		64

/**
 * xe_svm_garbage_collect() - free the ranges the CPU unmapped
 * @svm: the SVM context
 *
 * Frees every range on the garbage-collector list, then resets the
 * memory-range attributes of autoreset bindings where the CPU unmapped
 * memory. The GC worker calls this, and so should a fault handler before
 * it looks up a range, so that a fault never finds a range that is on its
 * way out, nor advice given for memory that is gone. Ranges are detached
 * and unbound (&xe_svm_ops.unbind) in batches of up to %XE_SVM_GC_BATCH.
 *
 * Context: process context, VM lock held for writing; may sleep.
 */
void xe_svm_garbage_collect(struct xe_svm *svm)
{
	struct xe_svm_range *batch[XE_SVM_GC_BATCH];
	unsigned int freed = 0, n, i;

	xe_svm_assert_vm_locked_write(svm);
	might_sleep();

	do {
		spin_lock(&svm->gc_lock);
		for (n = 0; n < XE_SVM_GC_BATCH; n++) {
			batch[n] = list_first_entry_or_null(&svm->gc_list,
							    struct xe_svm_range,
							    gc_link);
			if (!batch[n])
				break;
			list_del_init(&batch[n]->gc_link);
		}
		spin_unlock(&svm->gc_lock);

		for (i = 0; i < n; i++)
			xe_svm_range_detach(svm, batch[i]);
		if (n && svm->ops->unbind)
			svm->ops->unbind(svm, batch, n);
		for (i = 0; i < n; i++)
			xe_svm_range_release(svm, batch[i]);
		freed += n;
		cond_resched();
	} while (n == XE_SVM_GC_BATCH);

	if (freed) {
		atomic64_inc(&svm->stats.gc_runs);
		trace_xe_svm_gc(svm, freed);
	}
	xe_svm_autoreset(svm);
}

static void xe_svm_gc_work_func(struct work_struct *work)
{
	struct xe_svm *svm = container_of(work, struct xe_svm, gc_work);

	down_write(svm->ranges.lock);
	xe_svm_garbage_collect(svm);
	up_write(svm->ranges.lock);
}

/**
 * xe_svm_range_find_or_create() - the range containing an address
 * @svm: the SVM context
 * @addr: the faulting address
 * @win_start: start of the mirrored window (the mirror binding) that
 *             contains @addr
 * @win_end: end of that window (exclusive)
 *
 * Returns the range that contains @addr, creating it if needed: sized by
 * xe_svm_range_chunk() against the CPU VMA that contains @addr and the
 * window [@win_start, @win_end) clipped to the window of the context,
 * with an MMU interval notifier registered over exactly its bounds.
 * Ranges the CPU unmapped are collected first.
 *
 * Context: process context, VM lock held for writing, mmap lock not held
 * (taken for reading); may sleep.
 * Return: the range, or an ERR_PTR(): -EFAULT when @addr is outside the
 * window, not inside a CPU VMA, or the process is exiting; -ENOMEM.
 */
struct xe_svm_range *xe_svm_range_find_or_create(struct xe_svm *svm, u64 addr,
						 u64 win_start, u64 win_end)
{
	struct xe_svm_attr_region *region;
	struct xe_svm_chunk_limits lim;
	struct vm_area_struct *vma;
	struct xe_svm_range *range;
	u64 start, end;
	int err;

	xe_svm_assert_vm_locked_write(svm);
	might_sleep();

	xe_svm_garbage_collect(svm);
	range = xe_svm_range_lookup(&svm->ranges, addr);
	if (range)
		return range;

	win_start = max(win_start, svm->win_start);
	win_end = min(win_end, svm->win_end);
	if (addr < win_start || addr >= win_end)
		return ERR_PTR(-EFAULT);
	/* One range, one value of the memory-range attributes. */
	region = xe_svm_attr_lookup(&svm->attrs, addr);
	if (region) {
		win_start = max(win_start, region->start);
		win_end = min(win_end, region->end);
	}
	/* A process that is exiting has nothing left to mirror. */
	if (!mmget_not_zero(svm->mm))
		return ERR_PTR(-EFAULT);

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, addr);
	if (vma) {
		lim.sizes = svm->ops->chunk_sizes;
		lim.nr_sizes = svm->ops->nr_chunk_sizes;
		lim.vma_start = vma->vm_start;
		lim.vma_end = vma->vm_end;
		lim.win_start = win_start;
		lim.win_end = win_end;
		err = xe_svm_range_chunk(&svm->ranges, &lim, addr, &start, &end);
	} else {
		err = -EFAULT;
	}
	mmap_read_unlock(svm->mm);
	if (err)
		goto err_mmput;

	range = svm->ops->range_alloc ? svm->ops->range_alloc(svm) :
		kzalloc(sizeof(*range), GFP_KERNEL);
	if (!range) {
		err = -ENOMEM;
		goto err_mmput;
	}
	range->svm = svm;
	range->start = start;
	range->last = end - 1;
	INIT_LIST_HEAD(&range->gc_link);

	err = mmu_interval_notifier_insert(&range->notifier, svm->mm, start,
					   end - start, &xe_svm_range_notifier_ops);
	if (err)
		goto err_free;

	xe_svm_range_insert(&svm->ranges, range);
	atomic64_inc(&svm->stats.ranges_created);
	trace_xe_svm_range_create(range);
	mmput(svm->mm);

	return range;

err_free:
	xe_svm_range_free(svm, range);
err_mmput:
	mmput(svm->mm);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_range_find_or_create, DRM_XE_SVM);

/*
 * In 6.12, hmm_range_fault() faults a hugetlb page whose page table does
 * not exist yet (the walk's pte_hole case) with the hugetlb VMA lock held
 * for reading, and the fault takes that lock again: a recursive read of an
 * rwsem, which lockdep reports and which deadlocks if a writer queues in
 * between. Fault hugetlb ranges in through the ordinary fault path first,
 * so that the walk finds page-table entries; its entry handler drops the
 * lock before faulting. Errors are left for hmm_range_fault() to report.
 */
static void xe_svm_prefault_hugetlb(struct mm_struct *mm,
				    struct xe_svm_range *range, bool write)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	mmap_assert_locked(mm);

	vma = vma_lookup(mm, range->start);
	if (!vma || !is_vm_hugetlb_page(vma))
		return;

	for (addr = range->start; addr <= range->last;
	     addr += huge_page_size(hstate_vma(vma)))
		if (fixup_user_fault(mm, addr, write ? FAULT_FLAG_WRITE : 0, NULL))
			return;
}

/*
 * hmm_range_fault() reports a device page of our own owner as it is,
 * without faulting, even when write access was asked for and the CPU
 * PTE is write-protected: fork() made it copy-on-write, or mprotect()
 * took the write permission away (and did not give it back with it).
 * Mapping it read-only would make a GPU write fault forever; the GPU
 * write must do what a CPU write does instead. If the VMA forbids writes
 * that is -EPERM; otherwise the first such page takes a CPU write fault,
 * which migrates its allocation back to system memory, and the caller
 * walks the range again, so that hmm_range_fault() write-faults the
 * system pages: that breaks copy-on-write, or makes the PTEs writable.
 *
 * Return: 0 when every page of @pfns is writable, -EAGAIN after a
 * page moved back, -EPERM, or -EFAULT when the CPU fault failed.
 */
static int xe_svm_break_devmem_wp(struct mm_struct *mm, struct xe_svm_range *range,
				  const unsigned long *pfns)
{
	unsigned long i, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	struct vm_area_struct *vma;
	u64 addr;

	mmap_assert_locked(mm);

	for (i = 0; i < npages; i++)
		if (!(pfns[i] & HMM_PFN_WRITE))
			break;
	if (i == npages)
		return 0;

	addr = range->start + i * PAGE_SIZE;
	vma = vma_lookup(mm, addr);
	if (!vma || !(vma->vm_flags & VM_WRITE))
		return -EPERM;
	/* Only device pages can be left write-protected here. */
	if (WARN_ON_ONCE(!xe_svm_pfn_is_devmem(pfns, i)))
		return -EFAULT;
	if (fixup_user_fault(mm, addr, FAULT_FLAG_WRITE, NULL))
		return -EFAULT;

	return -EAGAIN;
}

/*
 * hmm_range_fault() faults every page from the first one that needs a
 * fault to the end of the walk of its page table (hmm_vma_fault()), and a
 * fault on one of our device pages migrates it back to system memory,
 * with the rest of its allocation's window: a write to a range that holds
 * device pages beside a copy-on-write page (after fork()), a swapped-out
 * or a not yet present one brought the whole range back just after it
 * was migrated to VRAM. Fault those other pages first, one by one, so
 * that the walk that maps the range finds nothing to fault. The common
 * case, a range without device pages, costs one walk that faults
 * nothing. Errors (and pages that still need a fault later, after a race)
 * are left for hmm_range_fault() to handle.
 */
static void xe_svm_prefault_beside_devmem(struct xe_svm *svm,
					  struct xe_svm_range *range, bool write)
{
	unsigned long i, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	unsigned long *pfns;

	mmap_assert_locked(svm->mm);

	pfns = xe_svm_range_peek(svm, range, npages);
	if (IS_ERR(pfns))
		return;
	for (i = 0; i < npages; i++)
		if ((pfns[i] & HMM_PFN_VALID) && xe_svm_pfn_is_devmem(pfns, i))
			break;
	for (i = i < npages ? 0 : npages; i < npages; i++) {
		if ((pfns[i] & HMM_PFN_VALID) &&
		    (xe_svm_pfn_is_devmem(pfns, i) || !write || (pfns[i] & HMM_PFN_WRITE)))
			continue;
		if (fixup_user_fault(svm->mm, range->start + (i << PAGE_SHIFT),
				     write ? FAULT_FLAG_WRITE : 0, NULL))
			break;
	}
	kvfree(pfns);
}

/* How xe_svm_range_map() maps a range */
#define XE_SVM_MAP_WRITE	BIT(0)	/* writable */
#define XE_SVM_MAP_PREFETCH	BIT(1)	/* for a prefetch, not a GPU fault */
#define XE_SVM_MAP_SYSTEM	BIT(2)	/* from system memory only */

static int xe_svm_range_map(struct xe_svm *svm, struct xe_svm_range *range,
			    unsigned int how);

/**
 * xe_svm_range_populate() - map a range on the GPU from the CPU page tables
 * @svm: the SVM context
 * @range: a range of @svm
 * @write: the GPU needs to write: fault the pages in writable
 *
 * Reads the CPU page tables of @range with hmm_range_fault(), faulting
 * pages in as needed, and hands them to the backend's bind operation
 * under the notifier lock once mmu_interval_read_retry() confirms that
 * no invalidation ran since they were read. Retries until then; after
 * %XE_SVM_MAP_SHARED_TRIES lost races it shuts CPU faults and other
 * migrations out for its passes, each phase bounded by
 * HMM_RANGE_DEFAULT_TIMEOUT. For @write, device pages the CPU has
 * write-protected are first brought back and write-faulted, as a CPU
 * write would (xe_svm_break_devmem_wp()).
 *
 * Context: process context, VM lock held for writing, mmap lock not held
 * (taken for reading, or for writing after lost races); may sleep.
 * Return: 0 when @range is mapped; -EFAULT when part of it has no VMA or
 * no access (PROT_NONE), or the process is exiting; -EPERM for @write on
 * a mapping without write permission; -EINTR when a fatal signal is
 * pending; -EBUSY when invalidations kept racing even the exclusive
 * passes for longer than the timeout; -ENOMEM; -EIO when device pages the device cannot map as they
 * are (&xe_svm.devmem_map_min) could not be copied back; or the backend's
 * error.
 */
int xe_svm_range_populate(struct xe_svm *svm, struct xe_svm_range *range,
			  bool write)
{
	return xe_svm_range_map(svm, range, write ? XE_SVM_MAP_WRITE : 0);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_range_populate, DRM_XE_SVM);

/*
 * Races a fault may lose before it shuts the others out. CPU faults on
 * device pages and other GPUs' (or tiles') faults on the same memory keep
 * migrating it for as long as they run, and each move that lands between
 * the walk and the commit of a range sends the walk round again: under
 * such contention an optimistic walk may never win. Past this count the
 * fault walks, maps and commits with the mmap lock held for writing.
 * That stops every CPU fault on a device page (6.12 falls back from the
 * per-VMA lock to the mmap lock for those) and every migration our driver
 * starts, as both take the mmap lock; what is left to race it (reclaim,
 * compaction, eviction of VRAM) moves a page once, not again and again,
 * so the walk completes. Exclusive passes are counted
 * (&xe_svm_stats.exclusive_maps).
 */
#define XE_SVM_MAP_SHARED_TRIES	4

/* Add the time since @since to @counter; return the time now. */
static u64 xe_svm_time_add(atomic64_t *counter, u64 since)
{
	u64 now = ktime_get_ns();

	atomic64_add(now - since, counter);
	return now;
}

/*
 * One pass of xe_svm_range_map(): walk the CPU page tables, DMA-map the
 * pages and commit them to the backend. With @exclusive, the mmap lock
 * is held for writing from the walk to the commit (see
 * XE_SVM_MAP_SHARED_TRIES), otherwise for reading around the walk only.
 *
 * Return: 0 when committed; -EBUSY when an invalidation raced the pass;
 * -EAGAIN when the pass must be redone for another reason (write-protected
 * device pages moved back; device pages the device cannot map as they are
 * were brought back, and @hmm no longer takes our device pages as they
 * are); otherwise the error that ends the fault.
 */
static int xe_svm_range_map_pass(struct xe_svm *svm, struct xe_svm_range *range,
				 struct hmm_range *hmm, bool write, bool exclusive)
{
	struct xe_svm_dma_chunk *dma;
	unsigned int dma_nr;
	u64 t = ktime_get_ns();
	int err;

	if (exclusive) {
		if (mmap_write_lock_killable(svm->mm))
			return -EINTR;
		if (hmm->dev_private_owner)
			xe_svm_prefault_beside_devmem(svm, range, write);
	} else if (hmm->dev_private_owner) {
		mmap_read_lock(svm->mm);
		xe_svm_prefault_beside_devmem(svm, range, write);
		mmap_read_unlock(svm->mm);
	}

	hmm->notifier_seq = mmu_interval_read_begin(&range->notifier);
	if (!exclusive)
		mmap_read_lock(svm->mm);
	xe_svm_prefault_hugetlb(svm->mm, range, write);
	err = hmm_range_fault(hmm);
	if (!err && write)
		err = xe_svm_break_devmem_wp(svm->mm, range, hmm->hmm_pfns);
	if (!exclusive)
		mmap_read_unlock(svm->mm);
	t = xe_svm_time_add(&svm->stats.walk_ns, t);
	if (err == -EAGAIN)
		/* Write-protected device pages moved back: fault them for write. */
		atomic64_inc(&svm->stats.wp_breaks);
	if (err)
		goto out_unlock;

	/*
	 * A range mapped before (a read fault, now a write fault) is
	 * zapped and unmapped first: the DMA API does not allow a page
	 * to be mapped twice for a device that writes it.
	 */
	if (range->dma_nr) {
		down_write(&svm->notifier_lock);
		xe_svm_range_zap_locked(svm, range, range->start, range->last + 1);
		dma = range->dma;
		range->dma = NULL;
		range->dma_nr = 0;
		up_write(&svm->notifier_lock);
		kvfree(dma);
	}

	/* Mapping may allocate (IOMMU, bounce buffers): not under the lock. */
	dma = xe_svm_dma_map(svm, range, hmm->hmm_pfns, &dma_nr);
	t = xe_svm_time_add(&svm->stats.dma_map_ns, t);
	if (IS_ERR(dma)) {
		err = PTR_ERR(dma);
		goto out_unlock;
	}

	/*
	 * Device pages in pieces smaller than the device maps them
	 * (a range under that size, a group a CPU fault split): map
	 * the range from system memory, its device pages brought back
	 * first (which takes the mmap lock for reading). hmm_range_fault()
	 * without our owner then faults any that could not be collected
	 * back through migrate_to_ram().
	 */
	if (!xe_svm_dma_devmem_mappable(svm, dma, dma_nr)) {
		xe_svm_dma_free(svm, dma, dma_nr);
		if (exclusive)
			mmap_write_unlock(svm->mm);
		err = xe_svm_range_evict_devmem(svm, range);
		if (err)
			return err;
		atomic64_inc(&svm->stats.vram_fallbacks);
		hmm->dev_private_owner = NULL;
		return -EAGAIN;
	}

	down_read(&svm->notifier_lock);
	if (mmu_interval_read_retry(&range->notifier, hmm->notifier_seq)) {
		up_read(&svm->notifier_lock);
		xe_svm_dma_free(svm, dma, dma_nr);
		err = -EBUSY;
		goto out_unlock;
	}
	/*
	 * The pages stay valid until the next invalidation takes the
	 * lock. The chunks of an earlier populate were unmapped above.
	 */
	range->dma = dma;
	range->dma_nr = dma_nr;
	err = svm->ops->bind(svm, range, hmm->hmm_pfns);
	if (!err) {
		set_bit(XE_SVM_RANGE_GPU_VALID, &range->flags);
		if (xe_svm_dma_all_writable(range))
			set_bit(XE_SVM_RANGE_GPU_WRITE, &range->flags);
		if (xe_svm_dma_all_devmem(range))
			set_bit(XE_SVM_RANGE_GPU_DEVMEM, &range->flags);
	}
	up_read(&svm->notifier_lock);
	xe_svm_time_add(&svm->stats.bind_ns, t);

out_unlock:
	if (exclusive)
		mmap_write_unlock(svm->mm);
	return err;
}

/*
 * xe_svm_range_populate(), with XE_SVM_MAP_* bits: a prefetch does not
 * count as a GPU fault, and one to system memory lets hmm_range_fault()
 * treat our device pages as any other device's: it faults them, which
 * migrates them back through their pagemap's migrate_to_ram().
 */
static int xe_svm_range_map(struct xe_svm *svm, struct xe_svm_range *range,
			    unsigned int how)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	unsigned long npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	bool write = how & XE_SVM_MAP_WRITE;
	struct hmm_range hmm = {
		.notifier = &range->notifier,
		.start = range->start,
		.end = range->last + 1,
		.default_flags = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0),
		/* Our device pages are mapped where they are, in VRAM. */
		.dev_private_owner = how & XE_SVM_MAP_SYSTEM ? NULL : svm->pgmap_owner,
	};
	bool exclusive = false;
	unsigned int races = 0;
	int err;

	xe_svm_assert_vm_locked_write(svm);
	might_sleep();

	if (!(how & XE_SVM_MAP_PREFETCH))
		atomic64_inc(&svm->stats.faults);
	if (svm->ops->prepare) {
		err = svm->ops->prepare(svm, range);
		if (err)
			return err;
	}
	if (!mmget_not_zero(svm->mm))
		return -EFAULT;

	/* Allocated here: nothing may allocate under the notifier lock. */
	hmm.hmm_pfns = kvmalloc_array(npages, sizeof(*hmm.hmm_pfns), GFP_KERNEL);
	if (!hmm.hmm_pfns) {
		err = -ENOMEM;
		goto out_mmput;
	}

	for (;;) {
		if (time_after(jiffies, timeout)) {
			err = -EBUSY;
			break;
		}

		/* A process being killed must not wait for its GPU faults. */
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}

		/* The timeout starts again: the exclusive passes must win. */
		if (!exclusive && races == XE_SVM_MAP_SHARED_TRIES) {
			exclusive = true;
			timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
			atomic64_inc(&svm->stats.exclusive_maps);
		}

		err = xe_svm_range_map_pass(svm, range, &hmm, write, exclusive);
		if (err == -EBUSY) {
			races++;
			atomic64_inc(&svm->stats.fault_retries);
			continue;
		}
		if (err != -EAGAIN)
			break;
	}

	kvfree(hmm.hmm_pfns);
out_mmput:
	mmput(svm->mm);
	return err;
}

/*
 * Is the range already mapped as the access needs (another fault did it)?
 * An atomic that needs VRAM also needs all of the range in VRAM.
 */
static bool xe_svm_range_gpu_valid(struct xe_svm *svm, struct xe_svm_range *range,
				   unsigned int access)
{
	bool write = access & (XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC);
	bool atomic = access & XE_SVM_ACCESS_ATOMIC;
	bool valid;

	down_read(&svm->notifier_lock);
	valid = test_bit(XE_SVM_RANGE_GPU_VALID, &range->flags) &&
		(!write || test_bit(XE_SVM_RANGE_GPU_WRITE, &range->flags)) &&
		(!atomic || test_bit(XE_SVM_RANGE_GPU_DEVMEM, &range->flags));
	up_read(&svm->notifier_lock);

	return valid;
}

/*
 * Does the range stick out of the CPU VMA that now contains @addr? A
 * range is sized against one VMA when it is made; mprotect() or a new
 * mapping may split that VMA later without unmapping anything, and a
 * range that spans VMAs with different rights can then never be
 * populated as a whole.
 */
static bool xe_svm_range_outgrew_vma(struct xe_svm *svm, struct xe_svm_range *range,
				     u64 addr)
{
	struct vm_area_struct *vma;
	bool outgrew;

	if (!mmget_not_zero(svm->mm))
		return false;
	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, addr);
	outgrew = vma && (vma->vm_start > range->start || vma->vm_end <= range->last);
	mmap_read_unlock(svm->mm);
	mmput(svm->mm);

	return outgrew;
}

/* xe_svm_range_place() for a GPU fault, timed (&xe_svm_stats.place_ns). */
static long xe_svm_fault_place(struct xe_svm *svm, struct xe_svm_range *range,
			       unsigned int access)
{
	u64 t = ktime_get_ns();
	long moved = xe_svm_range_place(svm, range, access);

	xe_svm_time_add(&svm->stats.place_ns, t);
	return moved;
}

/*
 * Times a GPU fault makes its range anew when the CPU address space
 * changed under it (see xe_svm_fault()) before it gives up with the
 * populate's error.
 */
#define XE_SVM_FAULT_REMAKES	16

/**
 * xe_svm_fault() - serve a GPU page fault in a mirrored window
 * @svm: the SVM context
 * @addr: the faulting GPU virtual address (= CPU virtual address)
 * @win_start: start of the mirror binding that contains @addr
 * @win_end: its end (exclusive)
 * @access: XE_SVM_ACCESS_* bits of the GPU access
 * @rangep: if not NULL, set to the range on success: when the range was
 *          already mapped as needed, the backend's bind did not run, and a
 *          backend that binds per tile may still have to map it
 *
 * The fault handler of both backends: finds or creates the range around
 * @addr (xe_svm_range_find_or_create()), migrates it to VRAM if the
 * placement policy says so (xe_svm_range_place(), best effort) and maps
 * it on the GPU (xe_svm_range_populate()). A range another fault
 * already mapped as needed is left alone (faults of several GPU threads
 * on one range); for an atomic that needs VRAM that means mapped from
 * VRAM: a range mapped from system memory is placed again. When it stays
 * in system memory (the policy or VRAM said no) the backend decides what
 * the atomic does. A range that failed to populate because the CPU
 * address space changed under it (the CPU unmapped part of it and the
 * collector has not run yet, or the VMA around @addr no longer covers it)
 * is replaced by one sized to the new layout, up to XE_SVM_FAULT_REMAKES
 * times in a row: the addresses may have been mapped again since, and
 * the access must not fail for a change beside it.
 *
 * Context: process context, VM lock held for writing, mmap lock not held;
 * may sleep.
 * Return: 0 when the GPU may retry the access; otherwise the error of
 * xe_svm_range_find_or_create() or xe_svm_range_populate().
 */
int xe_svm_fault(struct xe_svm *svm, u64 addr, u64 win_start, u64 win_end,
		 unsigned int access, struct xe_svm_range **rangep)
{
	bool write = access & (XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC);
	u64 retries = atomic64_read(&svm->stats.fault_retries);
	struct xe_svm_range *range;
	unsigned int remakes = 0;
	int err;

	xe_svm_assert_vm_locked_write(svm);
	might_sleep();

	trace_xe_svm_fault_begin(svm, addr, write);
	range = xe_svm_range_find_or_create(svm, addr, win_start, win_end);
	if (IS_ERR(range)) {
		err = PTR_ERR(range);
	} else if (xe_svm_range_gpu_valid(svm, range, access)) {
		err = 0;
	} else if (xe_svm_fault_place(svm, range, access) <= 0 &&
		   xe_svm_range_gpu_valid(svm, range, write ? XE_SVM_ACCESS_WRITE : 0)) {
		/* An atomic found nothing (more) to move: the mapping stands. */
		err = 0;
	} else {
		err = xe_svm_range_populate(svm, range, write);
		/*
		 * A range that no longer mirrors the address space is made
		 * anew around @addr, as often as other threads keep
		 * unmapping beside it (bounded): one the CPU unmapped in
		 * part, waiting for the collector, whose addresses may be
		 * mapped again since, or one that sticks out of the VMA that
		 * now holds @addr.
		 */
		while ((err == -EFAULT || err == -EPERM) && remakes++ < XE_SVM_FAULT_REMAKES &&
		       (test_bit(XE_SVM_RANGE_UNMAPPED, &range->flags) ||
			xe_svm_range_outgrew_vma(svm, range, addr))) {
			xe_svm_range_destroy(svm, range, true);
			range = xe_svm_range_find_or_create(svm, addr, win_start, win_end);
			if (IS_ERR(range)) {
				err = PTR_ERR(range);
				break;
			}
			xe_svm_fault_place(svm, range, access);
			err = xe_svm_range_populate(svm, range, write);
		}
	}
	/* Exact: faults of one context are serialised by the VM lock. */
	trace_xe_svm_fault_end(svm, addr, err,
			       atomic64_read(&svm->stats.fault_retries) - retries);
	if (!err && rangep)
		*rangep = range;

	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_fault, DRM_XE_SVM);

/*
 * The first address at or after @addr that a CPU VMA covers, or 0 when
 * none does below @end (or the process is exiting).
 */
static u64 xe_svm_next_mapped(struct xe_svm *svm, u64 addr, u64 end)
{
	struct vm_area_struct *vma;
	u64 next = 0;

	if (!mmget_not_zero(svm->mm))
		return 0;
	mmap_read_lock(svm->mm);
	vma = find_vma(svm->mm, addr);
	if (vma && vma->vm_start < end)
		next = max_t(u64, vma->vm_start, addr);
	mmap_read_unlock(svm->mm);
	mmput(svm->mm);

	return next;
}

/* The VRAM a prefetch moves @range to, NULL for system memory. */
static struct xe_svm_devmem *xe_svm_prefetch_target(struct xe_svm *svm,
						    struct xe_svm_range *range,
						    const struct xe_svm_prefetch_dest *dest)
{
	struct xe_svm_attr_region *region;

	if (!dest->to_pref_loc)
		return dest->dm;

	region = xe_svm_attr_lookup(&svm->attrs, range->start);
	if (region && region->attr.pref == XE_SVM_PREF_SYSTEM)
		return NULL;
	if (region && region->attr.pref == XE_SVM_PREF_DEVMEM)
		return region->attr.dm;
	return svm->vram;
}

/* Tries of a range an invalidation keeps hitting between map and commit */
#define XE_SVM_PREFETCH_COMMIT_TRIES	3

/*
 * Map @range for a prefetch, and commit it if the backend asks. A range
 * an invalidation keeps hitting before the commit is left to the GPU's
 * own fault.
 */
static int xe_svm_prefetch_map(struct xe_svm *svm, struct xe_svm_range *range,
			       const struct xe_svm_prefetch_dest *dest, bool write,
			       bool to_system)
{
	unsigned int tries = XE_SVM_PREFETCH_COMMIT_TRIES;
	int err;

	do {
		err = xe_svm_range_map(svm, range, XE_SVM_MAP_PREFETCH |
				       (write ? XE_SVM_MAP_WRITE : 0) |
				       (to_system ? XE_SVM_MAP_SYSTEM : 0));
		if (err || !dest->commit)
			return err;
		err = dest->commit(svm, range, dest->arg);
	} while (err == -EAGAIN && --tries);

	return err == -EAGAIN ? 0 : err;
}

/**
 * xe_svm_prefetch() - migrate and map mirrored memory ahead of the GPU
 * @svm: the SVM context
 * @start: start of the address range, page aligned
 * @end: its end (exclusive), page aligned
 * @win_start: start of the mirror binding that contains [@start, @end)
 *             (the part outside it is ignored)
 * @win_end: its end (exclusive)
 * @dest: where the memory goes
 *
 * Creates the ranges of [@start, @end) as GPU faults would, moves each to
 * the destination (VRAM, or system memory: device pages come back) and
 * maps it on the GPU, so that the GPU accesses that follow take no fault.
 * A range is mapped writable when its CPU VMA is (untouched anonymous
 * memory then gets real pages, not the zero page). Addresses no CPU VMA
 * covers, and VMAs the GPU may not access (PROT_NONE), are skipped.
 * When VRAM cannot be had, or the copy fails, the range is mapped from
 * system memory, as the fault path does (&xe_svm_stats.vram_fallbacks);
 * memory that cannot move (shared, file-backed, hugetlbfs, mlock()ed) is
 * mapped where it is. The placement policy's size threshold, preferred
 * placement and thrashing control do not apply: the caller asked.
 *
 * Context: process context, VM lock held for writing, mmap lock not held;
 * may sleep.
 * Return: 0; -EINTR when a fatal signal is pending; -EBUSY when
 * invalidations kept racing a range for longer than the timeout;
 * -ENOMEM; or the backend's error (of its @dest->commit too).
 */
int xe_svm_prefetch(struct xe_svm *svm, u64 start, u64 end, u64 win_start, u64 win_end,
		    const struct xe_svm_prefetch_dest *dest)
{
	u64 addr = max(start, win_start);
	int err = 0;

	xe_svm_assert_vm_locked_write(svm);
	might_sleep();

	end = min(end, win_end);
	while (addr < end) {
		struct xe_svm_devmem *dm;
		struct xe_svm_range *range;
		bool write = false;
		long moved;

		if (fatal_signal_pending(current))
			return -EINTR;

		range = xe_svm_range_find_or_create(svm, addr, win_start, win_end);
		if (IS_ERR(range)) {
			if (PTR_ERR(range) != -EFAULT)
				return PTR_ERR(range);
			/* A hole in the CPU address space: on to the next VMA. */
			addr = xe_svm_next_mapped(svm, addr + PAGE_SIZE, end);
			if (!addr)
				break;
			continue;
		}

		dm = xe_svm_prefetch_target(svm, range, dest);
		moved = xe_svm_range_prefetch_place(svm, range, dm, &write);
		err = xe_svm_prefetch_map(svm, range, dest, write, !dm);
		if (!err)
			atomic64_inc(&svm->stats.prefetch_ranges);
		trace_xe_svm_prefetch(range, !!dm, moved, err);
		/* No access (PROT_NONE, a VMA split since): the GPU will fault. */
		if (err == -EFAULT || err == -EPERM)
			err = 0;
		if (err)
			return err;
		addr = range->last + 1;
		cond_resched();
	}

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_prefetch, DRM_XE_SVM);

/*
 * The attributes of [@start, @end) changed: a range that lies inside it
 * keeps its pages but loses its GPU mapping (the next fault maps it as
 * the new value says); a range that sticks out of it would now span two
 * values, and is freed (the next fault makes ranges that fit). Pages stay
 * where they are either way.
 */
static void xe_svm_attr_changed(void *arg, u64 start, u64 end)
{
	struct xe_svm *svm = arg;
	struct xe_svm_range *range, *next;

	range = xe_svm_range_first(&svm->ranges, start, end);
	while (range) {
		next = xe_svm_range_next(&svm->ranges, range, start, end);
		if (range->start < start || range->last >= end) {
			xe_svm_range_destroy(svm, range, true);
		} else {
			down_write(&svm->notifier_lock);
			xe_svm_range_zap_locked(svm, range, range->start, range->last + 1);
			up_write(&svm->notifier_lock);
			/* A new preferred location starts a new history. */
			memset(&range->thrash, 0, sizeof(range->thrash));
			atomic64_inc(&svm->stats.invalidations);
		}
		range = next;
		cond_resched();
	}
}

/* xe_svm_attr_change() without the garbage collection. */
static int __xe_svm_attr_change(struct xe_svm *svm, u64 start, u64 end, unsigned int mask,
				const struct xe_svm_attr *val, bool merge)
{
	struct xe_svm_attr_split split;
	int err;

	start = max(start, svm->win_start);
	end = min(end, svm->win_end);
	if (start >= end)
		return 0;

	err = xe_svm_attr_split_prepare(&split);
	if (err)
		return err;

	xe_svm_attr_set(&svm->attrs, &split, start, end, mask, val, xe_svm_attr_changed, svm);
	if (merge)
		xe_svm_attr_merge(&svm->attrs, start, end);
	xe_svm_attr_split_release(&split);

	return 0;
}

/*
 * Autoreset: a notifier over the whole window hears of every munmap(),
 * mremap() and exit; its callback only notes the interval (it may run in
 * reclaim: no allocation, no sleeping lock) and wakes the garbage
 * collector, which resets the attributes under the VM lock.
 */
/*
 * Note [@start, @end) for the autoreset; when the array is full, the last
 * entry grows to cover it (more may be reset than was unmapped, counted).
 */
static void xe_svm_note_unmapped_locked(struct xe_svm *svm, u64 start, u64 end)
{
	unsigned int n = svm->nr_unmapped;

	lockdep_assert_held(&svm->gc_lock);

	if (n < XE_SVM_UNMAPPED_MAX) {
		svm->unmapped[n].start = start;
		svm->unmapped[n].end = end;
		svm->nr_unmapped++;
		return;
	}
	svm->unmapped[n - 1].start = min(svm->unmapped[n - 1].start, start);
	svm->unmapped[n - 1].end = max(svm->unmapped[n - 1].end, end);
	atomic64_inc(&svm->stats.autoreset_overflows);
}

static bool xe_svm_unmap_watch(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *r,
			       unsigned long cur_seq)
{
	struct xe_svm *svm = container_of(mni, struct xe_svm, unmap_watch);

	/* Nothing reads this notifier's sequence: no lock to set it under. */
	mmu_interval_set_seq(mni, cur_seq);
	if (r->event != MMU_NOTIFY_UNMAP)
		return true;

	spin_lock(&svm->gc_lock);
	xe_svm_note_unmapped_locked(svm, r->start, r->end);
	spin_unlock(&svm->gc_lock);
	queue_work(system_unbound_wq, &svm->gc_work);

	return true;
}

static const struct mmu_interval_notifier_ops xe_svm_unmap_watch_ops = {
	.invalidate = xe_svm_unmap_watch,
};

/* Register the autoreset notifier, once. */
static int xe_svm_watch_unmaps(struct xe_svm *svm)
{
	u64 end;
	int err;

	if (svm->unmap_watched)
		return 0;
	if (!mmget_not_zero(svm->mm))
		return -EFAULT;

	end = min_t(u64, svm->win_end, svm->mm->task_size);
	err = end > svm->win_start ?
	      mmu_interval_notifier_insert(&svm->unmap_watch, svm->mm, svm->win_start,
					   end - svm->win_start, &xe_svm_unmap_watch_ops) : 0;
	mmput(svm->mm);
	if (!err)
		svm->unmap_watched = true;

	return err;
}

/*
 * Give the autoreset regions of [@start, @end) their defaults back: the
 * PAT index of their binding, the device preferred, atomics undefined.
 */
static int xe_svm_autoreset_interval(struct xe_svm *svm, u64 start, u64 end)
{
	struct xe_svm_attr_region *r;
	u64 at = max(start, svm->win_start);
	int err;

	end = min(end, svm->win_end);
	while (at < end && (r = xe_svm_attr_lookup(&svm->attrs, at))) {
		u64 next = min(end, r->end);
		struct xe_svm_attr def;

		xe_svm_attr_default(&def, r->attr.bind_pat);
		def.autoreset = true;
		if (r->attr.autoreset && !xe_svm_attr_equal(&r->attr, &def)) {
			err = __xe_svm_attr_change(svm, at, next, XE_SVM_ATTR_ALL, &def, false);
			if (err)
				return err;
		}
		at = next;
	}
	xe_svm_attr_merge(&svm->attrs, max(start, svm->win_start), end);

	return 0;
}

/* Apply the resets the notifier noted; what cannot be done waits. */
static void xe_svm_autoreset(struct xe_svm *svm)
{
	unsigned int n;

	for (;;) {
		u64 start, end;

		spin_lock(&svm->gc_lock);
		n = svm->nr_unmapped;
		if (n) {
			start = svm->unmapped[n - 1].start;
			end = svm->unmapped[n - 1].end;
			svm->nr_unmapped--;
		}
		spin_unlock(&svm->gc_lock);
		if (!n)
			break;

		if (xe_svm_autoreset_interval(svm, start, end)) {
			/* No memory: keep it for the next collection. */
			spin_lock(&svm->gc_lock);
			xe_svm_note_unmapped_locked(svm, start, end);
			spin_unlock(&svm->gc_lock);
			break;
		}
		atomic64_inc(&svm->stats.autoresets);
	}
}

/**
 * xe_svm_attr_change() - give an address range new memory-range attributes
 * @svm: the SVM context
 * @start: start of the address range, page aligned
 * @end: its end (exclusive), page aligned; clipped to the window
 * @mask: XE_SVM_ATTR_* bits: the fields of @val to assign
 * @val: the new value of those fields
 * @merge: join neighbouring regions that end up equal (a new binding
 *         going back to the defaults); MADVISE does not, its splits stay
 *         visible to the query as upstream's VMA splits do
 *
 * The regions that hold @start and @end are split there, and the fields
 * of @mask are assigned to every region in between. Only where a region's
 * value really changed are ranges invalidated (see "DOC: Memory-range
 * attributes"); nothing migrates: the next GPU fault or prefetch follows
 * the new value. The regions a split needs are allocated first, so a
 * failure changes nothing.
 *
 * Context: process context, VM lock held for writing, mmap lock not held;
 * may sleep.
 * Return: 0 or -ENOMEM.
 */
int xe_svm_attr_change(struct xe_svm *svm, u64 start, u64 end, unsigned int mask,
		       const struct xe_svm_attr *val, bool merge)
{
	int err;

	xe_svm_assert_vm_locked_write(svm);
	might_sleep();

	/* An autoreset binding needs to hear of every unmap in its span. */
	if ((mask & XE_SVM_ATTR_BINDING) && val->autoreset) {
		err = xe_svm_watch_unmaps(svm);
		if (err)
			return err;
	}
	/* Ranges the CPU unmapped go first: they are not worth a zap. */
	xe_svm_garbage_collect(svm);

	return __xe_svm_attr_change(svm, start, end, mask, val, merge);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_change, DRM_XE_SVM);

/**
 * xe_svm_atomic_access() - what a GPU atomic at an address needs
 * @svm: the SVM context
 * @addr: the address of the atomic
 *
 * Applies the atomic mode of the memory-range attribute at @addr
 * (xe_svm_atomic_policy()) for a device whose atomics on system memory
 * are atomic against the CPU too: the emulated device. Outside the
 * window the defaults apply.
 *
 * Context: VM lock held in either mode.
 * Return: the XE_SVM_ACCESS_* bits of the fault an atomic takes
 * (%XE_SVM_ACCESS_ATOMIC when it wants VRAM), or -EACCES when the range
 * does not allow GPU atomics.
 */
int xe_svm_atomic_access(struct xe_svm *svm, u64 addr)
{
	struct xe_svm_attr_region *region;
	struct xe_svm_attr def;
	const struct xe_svm_attr *attr;
	bool vram;

	lockdep_assert_held(svm->ranges.lock);

	region = xe_svm_attr_lookup(&svm->attrs, addr);
	if (region) {
		attr = &region->attr;
	} else {
		xe_svm_attr_default(&def, 0);
		attr = &def;
	}
	vram = attr->pref == XE_SVM_PREF_DEVMEM ||
	       (attr->pref == XE_SVM_PREF_DEVICE && svm->vram &&
		READ_ONCE(svm->preferred) == XE_SVM_PLACE_VRAM);

	return xe_svm_atomic_policy(attr->atomic, vram);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_atomic_access, DRM_XE_SVM);

/**
 * xe_svm_stats_print() - print the counters of an SVM context
 * @svm: the SVM context
 * @p: where to print them (a debugfs file, the kernel log...)
 *
 * One "name: value" line per counter, for debugfs.
 *
 * Context: any context the printer allows; takes no lock.
 */
void xe_svm_stats_print(struct xe_svm *svm, struct drm_printer *p)
{
	const struct xe_svm_stats *st = &svm->stats;
	s64 created = atomic64_read(&st->ranges_created);
	s64 destroyed = atomic64_read(&st->ranges_destroyed);

	drm_printf(p, "faults: %lld\n", atomic64_read(&st->faults));
	drm_printf(p, "fault_retries: %lld\n", atomic64_read(&st->fault_retries));
	drm_printf(p, "wp_breaks: %lld\n", atomic64_read(&st->wp_breaks));
	drm_printf(p, "exclusive_maps: %lld\n", atomic64_read(&st->exclusive_maps));
	drm_printf(p, "place_ns: %lld\n", atomic64_read(&st->place_ns));
	drm_printf(p, "walk_ns: %lld\n", atomic64_read(&st->walk_ns));
	drm_printf(p, "dma_map_ns: %lld\n", atomic64_read(&st->dma_map_ns));
	drm_printf(p, "bind_ns: %lld\n", atomic64_read(&st->bind_ns));
	drm_printf(p, "invalidations: %lld\n", atomic64_read(&st->invalidations));
	drm_printf(p, "ranges_created: %lld\n", created);
	drm_printf(p, "ranges_destroyed: %lld\n", destroyed);
	drm_printf(p, "ranges_live: %lld\n", created - destroyed);
	drm_printf(p, "gc_runs: %lld\n", atomic64_read(&st->gc_runs));
	drm_printf(p, "dma_mapped_pages: %lld\n", atomic64_read(&st->dma_mapped_pages));
	drm_printf(p, "vram_migrations: %lld\n", atomic64_read(&st->vram_migrations));
	drm_printf(p, "vram_fallbacks: %lld\n", atomic64_read(&st->vram_fallbacks));
	drm_printf(p, "thrash_holds: %lld\n", atomic64_read(&st->thrash_holds));
	drm_printf(p, "prefetch_ranges: %lld\n", atomic64_read(&st->prefetch_ranges));
	drm_printf(p, "autoresets: %lld\n", atomic64_read(&st->autoresets));
	drm_printf(p, "autoreset_overflows: %lld\n", atomic64_read(&st->autoreset_overflows));
}
EXPORT_SYMBOL_NS_GPL(xe_svm_stats_print, DRM_XE_SVM);

/*
 * Walk the CPU page tables of @range without faulting anything in: our
 * device pages show as they are (the pgmap owner), system pages as
 * present, the rest as absent. Retried while invalidations race it, a
 * few times; a walk that did not succeed leaves the counts at zero and
 * says so in @res. VRAM pages of @regions[i] count in @res->vram[i].
 */
static void xe_svm_range_residency(struct xe_svm *svm, struct xe_svm_range *range,
				   struct xe_svm_devmem *const *regions,
				   unsigned int nregions, struct xe_svm_residency *res)
{
	unsigned long i, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	unsigned long *pfns;
	unsigned int r, tries = 8;
	int err;

	memset(res, 0, sizeof(*res));
	res->start = range->start;
	res->end = range->last + 1;

	down_read(&svm->notifier_lock);
	if (test_bit(XE_SVM_RANGE_GPU_VALID, &range->flags)) {
		res->flags |= XE_SVM_RESIDENCY_GPU_MAPPED;
		if (test_bit(XE_SVM_RANGE_GPU_WRITE, &range->flags))
			res->flags |= XE_SVM_RESIDENCY_GPU_WRITE;
		if (test_bit(XE_SVM_RANGE_GPU_DEVMEM, &range->flags))
			res->flags |= XE_SVM_RESIDENCY_GPU_VRAM;
	}
	up_read(&svm->notifier_lock);

	if (!mmget_not_zero(svm->mm)) {
		err = -EFAULT;
		goto out_incomplete;
	}
	do {
		mmap_read_lock(svm->mm);
		pfns = xe_svm_range_peek(svm, range, npages);
		mmap_read_unlock(svm->mm);
	} while (PTR_ERR_OR_ZERO(pfns) == -EBUSY && --tries);
	mmput(svm->mm);
	if (IS_ERR(pfns)) {
		err = PTR_ERR(pfns);
		goto out_incomplete;
	}

	for (i = 0; i < npages; i++) {
		struct xe_svm_devmem *dm;
		struct page *page;

		if (!(pfns[i] & HMM_PFN_VALID)) {
			res->absent++;
			continue;
		}
		page = hmm_pfn_to_page(pfns[i]);
		if (!is_device_private_page(page)) {
			res->sys++;
			continue;
		}
		dm = xe_svm_page_to_devmem(page);
		for (r = 0; r < nregions && regions[r] != dm; r++)
			;
		if (r < nregions)
			res->vram[r]++;
		else
			res->vram_other++;
		if (!res->dm)
			res->dm = dm;
		else if (res->dm != dm)
			res->flags |= XE_SVM_RESIDENCY_VRAM_MIXED;
	}
	kvfree(pfns);
	return;

out_incomplete:
	res->flags |= XE_SVM_RESIDENCY_INCOMPLETE;
	res->err = err;
}

/**
 * xe_svm_residency() - where the memory of the ranges in an interval is now
 * @svm: the SVM context
 * @start: the interval's first address
 * @end: the address after its last
 * @regions: the VRAM regions to count apart, in the order of
 *           &xe_svm_residency.vram; may be NULL when @nregions is 0
 * @nregions: how many, at most %XE_SVM_RESIDENCY_REGIONS
 * @out: filled with one entry per range that intersects [@start, @end),
 *       in address order, with the range's whole bounds; NULL to count
 * @max: the most entries @out takes
 *
 * Each entry says how many of the range's pages are in system memory, in
 * the VRAM of each of @regions (and of any other region), and absent,
 * read from the CPU page tables without faulting anything in, and how the
 * GPU maps the range. A range whose page tables could not be read (the
 * process is exiting, invalidations kept winning, no memory) has
 * %XE_SVM_RESIDENCY_INCOMPLETE and no counts: one range is no reason to
 * fail the whole answer.
 *
 * Context: process context; the VM lock held (for reading is enough, so
 * that no range is destroyed meanwhile); takes the mmap lock of the
 * mirrored process for reading and the notifier lock for reading; may
 * sleep.
 * Return: the number of ranges that intersect [@start, @end), which may
 * be more than @max (then only @max are filled).
 */
u32 xe_svm_residency(struct xe_svm *svm, u64 start, u64 end,
		     struct xe_svm_devmem *const *regions, unsigned int nregions,
		     struct xe_svm_residency *out, u32 max)
{
	struct xe_svm_range *range;
	u32 n = 0;

	lockdep_assert_held(svm->ranges.lock);
	might_sleep();
	if (WARN_ON_ONCE(nregions > XE_SVM_RESIDENCY_REGIONS))
		nregions = XE_SVM_RESIDENCY_REGIONS;

	for (range = xe_svm_range_first(&svm->ranges, start, end - 1); range;
	     range = xe_svm_range_next(&svm->ranges, range, start, end - 1)) {
		if (out && n < max) {
			xe_svm_range_residency(svm, range, regions, nregions, &out[n]);
			cond_resched();
		}
		n++;
	}

	return n;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_residency, DRM_XE_SVM);

/**
 * xe_svm_residency_print() - where the memory of each range is now
 * @svm: the SVM context
 * @p: where to print (a debugfs file)
 *
 * One line per range: its bounds; where its pages are now (system
 * memory, VRAM and which, absent), as xe_svm_residency() reads them; how
 * the GPU maps it (valid, writable, all from VRAM); and its memory-range
 * attributes. Upstream has only counters; this is what a runtime or a
 * person needs to see why memory is where it is.
 *
 * Context: process context; the VM lock held (for reading is enough);
 * takes the mmap lock of the mirrored process for reading; may sleep.
 */
void xe_svm_residency_print(struct xe_svm *svm, struct drm_printer *p)
{
	static const char * const prefs[] = { "device", "system", "devmem" };
	struct xe_svm_range *range;

	lockdep_assert_held(svm->ranges.lock);
	might_sleep();

	for (range = xe_svm_range_first(&svm->ranges, 0, U64_MAX); range;
	     range = xe_svm_range_next(&svm->ranges, range, 0, U64_MAX)) {
		struct xe_svm_attr_region *region = xe_svm_attr_lookup(&svm->attrs, range->start);
		struct xe_svm_residency res;
		char in[48];

		xe_svm_range_residency(svm, range, NULL, 0, &res);

		/* The region's name, in one word: "-" when nothing is in VRAM. */
		strscpy(in, res.dm && res.dm->res ? res.dm->res->name : "-", sizeof(in));
		strreplace(in, ' ', '_');
		drm_printf(p, "range [0x%llx, 0x%llx) sys=%lu vram=%lu absent=%lu in=%s%s",
			   res.start, res.end, res.sys, res.vram_other, res.absent, in,
			   res.flags & XE_SVM_RESIDENCY_VRAM_MIXED ? "+mixed" : "");
		if (res.flags & XE_SVM_RESIDENCY_INCOMPLETE)
			drm_printf(p, " err=%d", res.err);
		drm_printf(p, " gpu=%s%s%s",
			   res.flags & XE_SVM_RESIDENCY_GPU_MAPPED ? "mapped" : "-",
			   res.flags & XE_SVM_RESIDENCY_GPU_WRITE ? ",write" : "",
			   res.flags & XE_SVM_RESIDENCY_GPU_VRAM ? ",vram" : "");
		if (region)
			drm_printf(p, " pref=%s atomic=%u pat=%u",
				   region->attr.pref < ARRAY_SIZE(prefs) ?
				   prefs[region->attr.pref] : "?",
				   region->attr.atomic, region->attr.pat_index);
		drm_printf(p, "\n");
		cond_resched();
	}
}
EXPORT_SYMBOL_NS_GPL(xe_svm_residency_print, DRM_XE_SVM);

/*
 * The backend's chunk sizes are what &xe_svm_ops.chunk_sizes says, and
 * ranges it allocates it also frees.
 */
static bool xe_svm_ops_valid(const struct xe_svm_ops *ops)
{
	const u64 *sizes = ops->chunk_sizes;
	unsigned int i, n = ops->nr_chunk_sizes;

	if (!ops->range_alloc != !ops->range_free)
		return false;
	if (!sizes || !n || sizes[0] > SZ_2M || sizes[n - 1] != PAGE_SIZE)
		return false;
	for (i = 0; i < n; i++)
		if (!is_power_of_2(sizes[i]) || (i && sizes[i] >= sizes[i - 1]))
			return false;

	return true;
}

/**
 * xe_svm_init() - set up the SVM context of a VM
 * @svm: the context to initialise
 * @ops: the backend
 * @dma_dev: the device that DMA-maps system pages for the GPU
 * @mm: the address space to mirror
 * @vm_lock: the VM lock, which protects the ranges
 * @win_start: start of the mirrored window
 * @win_end: end of the mirrored window (exclusive)
 *
 * Takes an mmgrab() reference on @mm, maps the zero page for @dma_dev
 * (every range that reads untouched memory shares that mapping) and gives
 * the window default memory-range attributes (PAT index 0 until the
 * backend binds it with another, xe_svm_attr_change()), all released by
 * xe_svm_fini().
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL when the window is empty or not page aligned or the
 * backend's chunk sizes are not as &xe_svm_ops.chunk_sizes says or it
 * has &xe_svm_ops.range_alloc without &xe_svm_ops.range_free, or
 * -ENOMEM when the zero page cannot be mapped or the attributes cannot be
 * allocated.
 */
int xe_svm_init(struct xe_svm *svm, const struct xe_svm_ops *ops,
		struct device *dma_dev, struct mm_struct *mm,
		struct rw_semaphore *vm_lock, u64 win_start, u64 win_end)
{
	int err;

	might_sleep();

	if (!PAGE_ALIGNED(win_start) || !PAGE_ALIGNED(win_end) ||
	    win_start >= win_end || !xe_svm_ops_valid(ops))
		return -EINVAL;

	memset(svm, 0, sizeof(*svm));
	svm->ops = ops;
	svm->dma_dev = dma_dev;
	svm->win_start = win_start;
	svm->win_end = win_end;
	svm->thrash_control = true;
	svm->devmem_map_min = PAGE_SIZE;
	xe_svm_range_tree_init(&svm->ranges, vm_lock);
	init_rwsem(&svm->notifier_lock);
	spin_lock_init(&svm->gc_lock);
	INIT_LIST_HEAD(&svm->gc_list);
	INIT_WORK(&svm->gc_work, xe_svm_gc_work_func);

	/*
	 * The notifier lock is taken by MMU notifiers that reclaim can run:
	 * tell lockdep now, so that an allocation under the lock is reported
	 * the first time it happens, not only when reclaim hits it.
	 */
	if (IS_ENABLED(CONFIG_LOCKDEP)) {
		fs_reclaim_acquire(GFP_KERNEL);
		might_lock(&svm->notifier_lock);
		fs_reclaim_release(GFP_KERNEL);
	}

	err = xe_svm_attr_tree_init(&svm->attrs, vm_lock, win_start, win_end, 0);
	if (err)
		return err;

	svm->zero_dma = dma_map_page_attrs(dma_dev, ZERO_PAGE(0), 0, PAGE_SIZE,
					   DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(dma_dev, svm->zero_dma)) {
		xe_svm_attr_tree_fini(&svm->attrs);
		return -ENOMEM;
	}

	mmgrab(mm);
	svm->mm = mm;

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_init, DRM_XE_SVM);

/**
 * xe_svm_fini() - tear down the SVM context of a VM
 * @svm: the context
 *
 * Frees every range (each notifier is removed and the GPU mapping zapped
 * first: all at once if the backend can, &xe_svm_ops.invalidate_all),
 * waits for the garbage collector and drops the mm reference.
 *
 * Context: process context, VM lock not held (taken for writing); may
 * sleep.
 */
void xe_svm_fini(struct xe_svm *svm)
{
	struct xe_svm_range *range;

	might_sleep();

	down_write(svm->ranges.lock);
	if (svm->ops->invalidate_all && !xe_svm_range_tree_empty(&svm->ranges)) {
		down_write(&svm->notifier_lock);
		svm->ops->invalidate_all(svm);
		up_write(&svm->notifier_lock);
	}
	while ((range = xe_svm_range_first(&svm->ranges, 0, U64_MAX))) {
		xe_svm_range_destroy(svm, range, false);
		/* A VM may have a hundred thousand ranges. */
		cond_resched();
	}
	up_write(svm->ranges.lock);

	if (svm->unmap_watched)
		mmu_interval_notifier_remove(&svm->unmap_watch);
	/* No notifier is left to queue the worker again. */
	cancel_work_sync(&svm->gc_work);
	WARN_ON(!list_empty(&svm->gc_list));
	WARN_ON(atomic64_read(&svm->stats.dma_mapped_pages));

	xe_svm_attr_tree_fini(&svm->attrs);
	dma_unmap_page_attrs(svm->dma_dev, svm->zero_dma, PAGE_SIZE, DMA_TO_DEVICE,
			     DMA_ATTR_SKIP_CPU_SYNC);
	mmdrop(svm->mm);
	svm->mm = NULL;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_fini, DRM_XE_SVM);

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_test.c"
#endif
