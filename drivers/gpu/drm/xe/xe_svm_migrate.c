// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_migrate.h"

#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "xe_svm.h"
#include "xe_svm_devmem.h"
#include "xe_svm_types.h"

/*
 * Migration to VRAM on a GPU fault, by policy. The way back (a CPU
 * fault, the teardown of a region) is in xe_svm_devmem.c. See "DOC:
 * Migration" in xe_svm_doc.h.
 */

/**
 * xe_svm_placement_wants_vram() - the placement policy of a GPU fault
 * @q: what the fault path knows about the range and the access
 *
 * In order: nothing moves for an access the CPU VMA does not allow
 * (the fault fails; VRAM taken for it would be held by memory no one may
 * use); memory that cannot become device-private pages stays in system
 * memory (not anonymous and private, hugetlbfs, special mappings,
 * mlock()ed memory, which must stay CPU-resident); so does everything
 * when there is no VRAM, and a range thrashing control holds (atomics
 * included: the backend runs them where the range is, or refuses them).
 * A device atomic that needs VRAM migrates, at any size. Otherwise the
 * preferred placement decides, and ranges smaller than
 * %XE_SVM_MIGRATE_MIN_SIZE stay in system memory: a 4 KiB range costs a
 * fault, a copy and a later CPU fault back for one page.
 *
 * Context: any context.
 * Return: true when the range should be migrated
 * to VRAM before it is mapped.
 */
bool xe_svm_placement_wants_vram(const struct xe_svm_placement_query *q)
{
	if (q->no_access || !q->has_vram || !q->anon_private || q->hugetlb ||
	    q->special || q->locked || q->thrashing)
		return false;
	if (q->atomic)
		return true;
	if (q->preferred != XE_SVM_PLACE_VRAM)
		return false;

	return q->size >= XE_SVM_MIGRATE_MIN_SIZE;
}

/**
 * xe_svm_range_thrash_held() - does thrashing control hold a range
 * @range: the range
 * @now: the time, in jiffies
 *
 * Context: VM lock held for writing.
 * Return: true while @range must stay in system memory; a hold that
 * expired is forgotten.
 */
bool xe_svm_range_thrash_held(struct xe_svm_range *range, unsigned long now)
{
	lockdep_assert_held_write(range->svm->ranges.lock);

	if (range->thrash.held && time_after_eq(now, range->thrash.hold_until))
		range->thrash.held = false;

	return range->thrash.held;
}

/**
 * xe_svm_range_thrash_note() - count a migration of a range to VRAM
 * @range: the range that just migrated
 * @now: the time, in jiffies
 *
 * Counts the migration in the current window of %XE_SVM_THRASH_WINDOW_MS
 * (a new window begins with the first migration after the last one
 * ended); the %XE_SVM_THRASH_MIGRATIONS th of a window holds @range in
 * system memory for %XE_SVM_THRASH_HOLD_MS and begins a new count. The
 * data the CPU and the GPU pass to each other through such a range then
 * crosses the bus instead of migrating twice per exchange.
 *
 * Context: VM lock held for writing.
 * Return: true when this migration started a hold.
 */
bool xe_svm_range_thrash_note(struct xe_svm_range *range, unsigned long now)
{
	lockdep_assert_held_write(range->svm->ranges.lock);

	if (!range->thrash.migrations ||
	    time_after(now, range->thrash.window_start +
			    msecs_to_jiffies(XE_SVM_THRASH_WINDOW_MS))) {
		range->thrash.window_start = now;
		range->thrash.migrations = 0;
	}
	if (++range->thrash.migrations < XE_SVM_THRASH_MIGRATIONS)
		return false;

	range->thrash.migrations = 0;
	range->thrash.held = true;
	range->thrash.hold_until = now + msecs_to_jiffies(XE_SVM_THRASH_HOLD_MS);
	return true;
}

/* Does source entry @src of a migration to VRAM for a GPU access move? */
static bool xe_svm_src_may_move(unsigned long src, bool write)
{
	struct page *page = migrate_pfn_to_page(src);

	if (!(src & MIGRATE_PFN_MIGRATE))
		return false;
	/* Holes and the zero page have no page, and nothing to protect. */
	if (!page)
		return true;
	/* A KSM page is shared with unrelated processes: it stays put. */
	if (PageKsm(page))
		return false;

	return !write || (src & MIGRATE_PFN_WRITE);
}

/*
 * Move the system pages of @range into one allocation of @dm. Pages that
 * cannot move (pinned, under writeback, raced by another migration) stay
 * where they are: the range is then mapped partly from VRAM, partly from
 * system memory. For a GPU @write, so do pages the CPU maps read-only
 * (copy-on-write after fork(), KSM, write-protected by mprotect()): in
 * VRAM they would stay write-protected, and the write would have to
 * bring them straight back; the write fault breaks the protection in
 * system memory, and a later fault may migrate them. KSM pages never
 * move: other processes share them. The VRAM is allocated before any
 * page is collected: collecting unmaps the pages from the CPU and the GPU
 * (TLB shootdowns, GPU zaps, CPU faults afterwards), which is all wasted
 * when VRAM is full. Returns the number of pages moved or a negative
 * error; on error nothing moved and nothing is held.
 */
static long xe_svm_range_migrate_to_vram(struct xe_svm *svm,
					 struct xe_svm_range *range,
					 struct vm_area_struct *vma, bool write)
{
	struct xe_svm_devmem *dm = svm->vram;
	unsigned long i, n = 0, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	struct migrate_vma mig = {
		.vma = vma,
		.start = range->start,
		.end = range->last + 1,
		.pgmap_owner = svm->pgmap_owner,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	struct xe_svm_migrate_arrays a;
	struct xe_svm_devmem_alloc *alloc;
	long moved = 0;
	int err;

	mmap_assert_locked(vma->vm_mm);

	alloc = xe_svm_devmem_alloc_create(dm, xe_svm_range_size(range));
	if (IS_ERR(alloc))
		return PTR_ERR(alloc);

	err = xe_svm_migrate_arrays_alloc(&a, npages);
	if (err)
		goto out_put;
	mig.src = a.src;
	mig.dst = a.dst;

	err = migrate_vma_setup(&mig);
	if (err)
		goto out_free;
	/* Nothing to move: already in VRAM, or nothing may migrate. */
	for (i = 0; i < npages; i++)
		n += xe_svm_src_may_move(mig.src[i], write);
	if (!n)
		goto out_finalize;
	n = 0;

	/*
	 * Page i of the range goes to page i of the block: a fully migrated
	 * range is contiguous and aligned in VRAM, and maps with the GPU page
	 * size of the range. Holes and the zero page have no source: cleared.
	 */
	for (i = 0; i < npages; i++) {
		struct page *dpage;

		if (!xe_svm_src_may_move(mig.src[i], write))
			continue;
		dpage = xe_svm_devmem_alloc_page(alloc, i);
		mig.dst[i] = migrate_pfn(page_to_pfn(dpage));
		a.sys[n] = migrate_pfn_to_page(mig.src[i]);
		a.dev[n] = dpage;
		n++;
	}

	err = xe_svm_devmem_copy(dm, a.sys, a.dev, n, true);
	if (err)
		xe_svm_devmem_release_dst(mig.dst, npages);

	migrate_vma_pages(&mig);
	if (!err) {
		moved = xe_svm_devmem_count_migrated(mig.src, mig.dst, npages);
		atomic64_add(moved, &dm->stats.migrated_to_vram);
	}
	migrate_vma_finalize(&mig);
	goto out_free;

out_finalize:
	/* No destination anywhere: every source is restored. */
	migrate_vma_pages(&mig);
	migrate_vma_finalize(&mig);
out_free:
	xe_svm_migrate_arrays_free(&a);
out_put:
	/* The pages that moved hold the allocation; the rest returns now. */
	xe_svm_devmem_alloc_put(alloc);
	return err ? err : moved;
}

/**
 * xe_svm_range_place() - migrate a range to VRAM if the policy says so
 * @svm: the SVM context
 * @range: the range that faulted
 * @access: XE_SVM_ACCESS_* bits of the GPU access
 *
 * Best effort: when no VRAM can be allocated, or the copy fails, the
 * range stays in system memory and the fault is served from there
 * (counted in &xe_svm_stats.vram_fallbacks). Pages that moved are
 * invalidated on the GPU by the migration's notifier.
 *
 * Context: process context, VM lock held for writing, mmap lock not held
 * (taken for reading); may sleep.
 * Return: the number of pages moved to VRAM (0 when the policy kept the
 * range in system memory or nothing was left to move), or a negative
 * error when the policy wanted VRAM and the migration failed.
 */
long xe_svm_range_place(struct xe_svm *svm, struct xe_svm_range *range,
			unsigned int access)
{
	bool write = access & (XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC);
	struct xe_svm_placement_query q = {
		.size = xe_svm_range_size(range),
		.has_vram = svm->vram,
		.atomic = access & XE_SVM_ACCESS_ATOMIC,
		.preferred = svm->preferred,
	};
	struct vm_area_struct *vma;
	long moved = 0;

	lockdep_assert_held_write(svm->ranges.lock);
	might_sleep();

	if (!svm->vram || !mmget_not_zero(svm->mm))
		return 0;

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, range->start);
	/* A VMA split under the range: populate re-chunks it first. */
	if (!vma || vma->vm_end <= range->last)
		goto out_unlock;

	q.anon_private = vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED);
	q.hugetlb = is_vm_hugetlb_page(vma);
	q.special = (vma->vm_flags & VM_SPECIAL) || vma_is_dax(vma);
	q.locked = vma->vm_flags & VM_LOCKED;
	q.no_access = !(vma->vm_flags & VM_READ) ||
		      (write && !(vma->vm_flags & VM_WRITE));
	q.thrashing = svm->thrash_control &&
		      xe_svm_range_thrash_held(range, jiffies);
	if (!xe_svm_placement_wants_vram(&q))
		goto out_unlock;

	moved = xe_svm_range_migrate_to_vram(svm, range, vma, write);
	if (moved < 0) {
		atomic64_inc(&svm->stats.vram_fallbacks);
	} else if (moved) {
		atomic64_inc(&svm->stats.vram_migrations);
		if (svm->thrash_control && xe_svm_range_thrash_note(range, jiffies))
			atomic64_inc(&svm->stats.thrash_holds);
	}

out_unlock:
	mmap_read_unlock(svm->mm);
	mmput(svm->mm);
	return moved;
}

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_migrate_test.c"
#endif
