// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_migrate.h"

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/printk.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_print.h>
#include <drm/xe_drm.h>

#include "xe_svm.h"
#include "xe_svm_attr.h"
#include "xe_svm_devmem.h"
#include "xe_svm_types.h"

/*
 * Migration, both ways: to VRAM on a GPU fault, by policy; back to system
 * memory on a CPU fault and when a region is emptied. See "DOC:
 * Migration" and "DOC: Device memory" in xe_svm_doc.h.
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
 * when there is no VRAM. A device atomic that needs VRAM migrates, at
 * any size, even while thrashing control holds the range: on a discrete
 * part an atomic on system memory is not atomic against the CPU. A range
 * thrashing control holds stays in system memory for every other access.
 * Otherwise the preferred placement decides, and ranges smaller than
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
	    q->special || q->locked)
		return false;
	if (q->atomic)
		return true;
	if (q->thrashing || q->preferred != XE_SVM_PLACE_VRAM)
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

/* Add the time since @since to phase @phase of @ns; return the time now. */
static u64 xe_svm_phase_end(u64 *ns, enum xe_svm_migrate_phase phase, u64 since)
{
	u64 now = ktime_get_ns();

	ns[phase] += now - since;
	return now;
}

/* Count a migration that moved @pages pages, with the times of @ns. */
static void xe_svm_migrate_timing_add(struct xe_svm_migrate_timing *t, const u64 *ns,
				      unsigned long pages)
{
	unsigned int i;

	for (i = 0; i < XE_SVM_PHASES; i++)
		atomic64_add(ns[i], &t->ns[i]);
	atomic64_inc(&t->migrations);
	atomic64_add(pages, &t->pages);
}

static const char *const xe_svm_phase_names[XE_SVM_PHASES] = {
	[XE_SVM_PHASE_ALLOC] = "alloc",
	[XE_SVM_PHASE_COLLECT] = "collect",
	[XE_SVM_PHASE_COPY] = "copy",
	[XE_SVM_PHASE_FINALIZE] = "finalize",
};

static void xe_svm_migrate_timing_print(const char *dir,
					const struct xe_svm_migrate_timing *t,
					struct drm_printer *p)
{
	unsigned int i;

	drm_printf(p, "%s_migrations: %lld\n", dir, atomic64_read(&t->migrations));
	drm_printf(p, "%s_pages: %lld\n", dir, atomic64_read(&t->pages));
	for (i = 0; i < XE_SVM_PHASES; i++)
		drm_printf(p, "%s_%s_ns: %lld\n", dir, xe_svm_phase_names[i],
			   atomic64_read(&t->ns[i]));
}

/**
 * xe_svm_devmem_timing_print() - print where a region's migrations spent their time
 * @dm: the region
 * @p: where to print (a debugfs file)
 *
 * For each direction (to_vram: GPU faults and prefetches; to_ram: CPU
 * faults), the migrations that moved something, their pages, and the
 * nanoseconds summed per &enum xe_svm_migrate_phase, one "name: value"
 * line each, for a benchmark to take differences of.
 *
 * Context: any context the printer allows; takes no lock.
 */
void xe_svm_devmem_timing_print(struct xe_svm_devmem *dm, struct drm_printer *p)
{
	xe_svm_migrate_timing_print("to_vram", &dm->stats.to_vram, p);
	xe_svm_migrate_timing_print("to_ram", &dm->stats.to_ram, p);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_timing_print, DRM_XE_SVM);

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
 * Does source entry @i of a migration to VRAM move, when the device maps
 * device pages in groups of @group pages: only with every page of its
 * aligned group (a group split between VRAM and system memory could not
 * be mapped at all).
 */
static bool xe_svm_src_group_may_move(const unsigned long *src, unsigned long i,
				      unsigned long group, bool write)
{
	unsigned long j, first = ALIGN_DOWN(i, group);

	for (j = first; j < first + group; j++)
		if (!xe_svm_src_may_move(src[j], write))
			return false;

	return true;
}

/* The device says no copy can work any more (&xe_svm_devmem_ops.dead). */
static bool xe_svm_devmem_dead(struct xe_svm_devmem *dm)
{
	return dm->ops->dead && dm->ops->dead(dm);
}

/**
 * xe_svm_range_peek() - read the CPU page tables of a range, faulting nothing
 * @svm: the SVM context
 * @range: the range
 * @npages: how many of its pages to read, from its start
 *
 * One hmm_range_fault() pass without HMM_PFN_REQ_FAULT: our device pages
 * show as they are (the pgmap owner), system pages as present, the rest
 * (holes, swapped out, unreadable) without %HMM_PFN_VALID.
 *
 * Context: process context, the mmap lock of @svm's mm held for reading;
 * may sleep.
 * Return: the pfns, one per page, to be freed with kvfree(); or an
 * ERR_PTR(): -ENOMEM, or -EBUSY when an invalidation raced the walk.
 */
unsigned long *xe_svm_range_peek(struct xe_svm *svm, struct xe_svm_range *range,
				 unsigned long npages)
{
	struct hmm_range hmm = {
		.notifier = &range->notifier,
		.start = range->start,
		.end = range->start + (npages << PAGE_SHIFT),
		.dev_private_owner = svm->pgmap_owner,
	};
	int err;

	mmap_assert_locked(svm->mm);

	hmm.hmm_pfns = kvcalloc(npages, sizeof(*hmm.hmm_pfns), GFP_KERNEL);
	if (!hmm.hmm_pfns)
		return ERR_PTR(-ENOMEM);
	hmm.notifier_seq = mmu_interval_read_begin(&range->notifier);
	err = hmm_range_fault(&hmm);
	if (err) {
		kvfree(hmm.hmm_pfns);
		return ERR_PTR(err);
	}

	return hmm.hmm_pfns;
}

/* Are all @n pages of @pfns (from xe_svm_range_peek()) device pages of @dm? */
static bool xe_svm_pfns_all_in(const unsigned long *pfns, unsigned long n,
			       struct xe_svm_devmem *dm)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page *page;

		if (!(pfns[i] & HMM_PFN_VALID))
			return false;
		page = hmm_pfn_to_page(pfns[i]);
		if (!is_device_private_page(page) || xe_svm_page_to_devmem(page) != dm)
			return false;
	}

	return true;
}

/*
 * Would any page of @range move to @dm? Not when every page is one of
 * @dm's device pages already (a re-fault after an invalidation that
 * moved nothing: mprotect(), a GPU-only zap): then no VRAM is allocated
 * at all, which would only churn the allocator and, with VRAM full,
 * count a fallback for memory that is where it should be. When the walk
 * cannot tell (an invalidation raced it, no memory), the migration goes
 * ahead and finds out itself. The first page is read alone first: on a
 * first touch of system memory, the common case, that answers at once,
 * and only a range that starts in @dm is read whole.
 */
static bool xe_svm_range_needs_move(struct xe_svm *svm, struct xe_svm_range *range,
				    struct xe_svm_devmem *dm)
{
	unsigned long npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	unsigned long *pfns;
	bool in;

	pfns = xe_svm_range_peek(svm, range, 1);
	if (IS_ERR(pfns))
		return true;
	in = xe_svm_pfns_all_in(pfns, 1, dm);
	kvfree(pfns);
	if (!in || npages == 1)
		return !in;

	pfns = xe_svm_range_peek(svm, range, npages);
	if (IS_ERR(pfns))
		return true;
	in = xe_svm_pfns_all_in(pfns, npages, dm);
	kvfree(pfns);

	return !in;
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
 * when VRAM is full; and only when some page would move at all. Returns
 * the number of pages moved or a negative error; on error nothing moved
 * and nothing is held.
 */
static long xe_svm_range_migrate_to_vram(struct xe_svm *svm,
					 struct xe_svm_range *range,
					 struct xe_svm_devmem *dm,
					 struct vm_area_struct *vma, bool write)
{
	unsigned long i, n = 0, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	unsigned long group = svm->devmem_map_min >> PAGE_SHIFT;
	struct migrate_vma mig = {
		.vma = vma,
		.start = range->start,
		.end = range->last + 1,
		.pgmap_owner = svm->pgmap_owner,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	u64 ns[XE_SVM_PHASES] = {}, t;
	struct xe_svm_migrate_arrays a;
	struct xe_svm_devmem_alloc *alloc;
	long moved = 0;
	int err;

	mmap_assert_locked(vma->vm_mm);

	/* The device could not map it from VRAM (&xe_svm.devmem_map_min). */
	if (npages < group)
		return 0;
	if (!xe_svm_range_needs_move(svm, range, dm))
		return 0;
	/* A dead device copies nothing (a copy on hardware fails late). */
	if (xe_svm_devmem_dead(dm))
		return -ENODEV;
	t = ktime_get_ns();
	alloc = xe_svm_devmem_alloc_create(dm, xe_svm_range_size(range));
	if (IS_ERR(alloc))
		return PTR_ERR(alloc);
	t = xe_svm_phase_end(ns, XE_SVM_PHASE_ALLOC, t);

	err = xe_svm_migrate_arrays_alloc(&a, npages);
	if (err)
		goto out_put;
	mig.src = a.src;
	mig.dst = a.dst;

	err = migrate_vma_setup(&mig);
	if (err)
		goto out_free;
	/*
	 * Nothing to move: already in VRAM, or nothing may migrate. Where
	 * the device maps device pages in groups, a page moves only with its
	 * whole group.
	 */
	for (i = 0; i < npages; i++) {
		if (group > 1 && !xe_svm_src_group_may_move(mig.src, i, group, write))
			mig.src[i] &= ~MIGRATE_PFN_MIGRATE;
		n += xe_svm_src_may_move(mig.src[i], write);
	}
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
	t = xe_svm_phase_end(ns, XE_SVM_PHASE_COLLECT, t);

	err = xe_svm_devmem_copy(dm, a.sys, a.dev, n, true);
	if (err)
		xe_svm_devmem_release_dst(mig.dst, npages);
	t = xe_svm_phase_end(ns, XE_SVM_PHASE_COPY, t);

	migrate_vma_pages(&mig);
	if (!err) {
		moved = xe_svm_devmem_count_migrated(mig.src, mig.dst, npages);
		atomic64_add(moved, &dm->stats.migrated_to_vram);
	}
	migrate_vma_finalize(&mig);
	xe_svm_phase_end(ns, XE_SVM_PHASE_FINALIZE, t);
	if (moved)
		xe_svm_migrate_timing_add(&dm->stats.to_vram, ns, moved);
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
 * xe_svm_atomic_policy() - what a GPU atomic needs under an atomic mode
 * @mode: the DRM_XE_ATOMIC_* mode of the range
 * @vram_preferred: the range prefers VRAM (its preferred location is a
 *                  VRAM, and the VM places memory there)
 *
 * For a device whose atomics on system memory are atomic against the CPU
 * as well (the emulated device): %DRM_XE_ATOMIC_CPU forbids GPU atomics;
 * %DRM_XE_ATOMIC_DEVICE and %DRM_XE_ATOMIC_GLOBAL move the memory to VRAM
 * for them, and run them in system memory when it cannot move;
 * %DRM_XE_ATOMIC_UNDEFINED does the same only when the range prefers
 * VRAM, and otherwise runs them where the memory is.
 *
 * Context: any.
 * Return: the XE_SVM_ACCESS_* bits of the fault of the atomic, or
 * -EACCES.
 */
int xe_svm_atomic_policy(u32 mode, bool vram_preferred)
{
	switch (mode) {
	case DRM_XE_ATOMIC_CPU:
		return -EACCES;
	case DRM_XE_ATOMIC_DEVICE:
	case DRM_XE_ATOMIC_GLOBAL:
		return XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC;
	default:
		return XE_SVM_ACCESS_WRITE | (vram_preferred ? XE_SVM_ACCESS_ATOMIC : 0);
	}
}

/* What the CPU VMA of a range tells the placement policy. */
static void xe_svm_placement_query_vma(struct xe_svm_placement_query *q,
				       struct vm_area_struct *vma, bool write)
{
	q->anon_private = vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED);
	q->hugetlb = is_vm_hugetlb_page(vma);
	q->special = (vma->vm_flags & VM_SPECIAL) || vma_is_dax(vma);
	q->locked = vma->vm_flags & VM_LOCKED;
	q->no_access = !(vma->vm_flags & VM_READ) || (write && !(vma->vm_flags & VM_WRITE));
}

/**
 * xe_svm_range_place() - migrate a range to VRAM if the policy says so
 * @svm: the SVM context
 * @range: the range that faulted
 * @access: XE_SVM_ACCESS_* bits of the GPU access
 *
 * The VRAM is the one the range's preferred location names (&xe_svm.vram
 * by default), and a preferred location of system memory keeps the
 * range there, unless the access is an atomic that needs VRAM.
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
		.atomic = access & XE_SVM_ACCESS_ATOMIC,
		.preferred = svm->preferred,
	};
	struct xe_svm_devmem *dm = svm->vram;
	struct xe_svm_attr_region *region;
	struct vm_area_struct *vma;
	long moved = 0;

	lockdep_assert_held_write(svm->ranges.lock);
	might_sleep();

	/* A range lies in one region of the memory-range attributes. */
	region = xe_svm_attr_lookup(&svm->attrs, range->start);
	if (region && region->attr.pref == XE_SVM_PREF_SYSTEM) {
		q.preferred = XE_SVM_PLACE_SYSTEM;
	} else if (region && region->attr.pref == XE_SVM_PREF_DEVMEM) {
		dm = region->attr.dm;
		q.preferred = XE_SVM_PLACE_VRAM;
	}
	q.has_vram = dm;
	if (!dm || !mmget_not_zero(svm->mm))
		return 0;

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, range->start);
	/* A VMA split under the range: populate re-chunks it first. */
	if (!vma || vma->vm_end <= range->last)
		goto out_unlock;

	xe_svm_placement_query_vma(&q, vma, write);
	q.thrashing = svm->thrash_control &&
		      xe_svm_range_thrash_held(range, jiffies);
	if (!xe_svm_placement_wants_vram(&q))
		goto out_unlock;

	moved = xe_svm_range_migrate_to_vram(svm, range, dm, vma, write);
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

/**
 * xe_svm_range_prefetch_place() - migrate a range to VRAM for a prefetch
 * @svm: the SVM context
 * @range: the range
 * @dm: the VRAM to move it to, or NULL (nothing to do here: mapping it
 *      from system memory brings device pages back)
 * @write: set to whether the CPU VMA of @range is writable, which is how
 *         the prefetch maps it
 *
 * Unlike xe_svm_range_place(), asks no size, preference or thrashing
 * question: the caller asked for VRAM. Memory that cannot become device
 * pages, and VMAs the GPU may not read, stay where they are.
 *
 * Context: process context, VM lock held for writing, mmap lock not held
 * (taken for reading); may sleep.
 * Return: the number of pages moved, or a negative error when the
 * migration failed (counted in &xe_svm_stats.vram_fallbacks).
 */
long xe_svm_range_prefetch_place(struct xe_svm *svm, struct xe_svm_range *range,
				 struct xe_svm_devmem *dm, bool *write)
{
	/* Size and thrashing are the fault path's business, not a prefetch's. */
	struct xe_svm_placement_query q = {
		.size = XE_SVM_MIGRATE_MIN_SIZE,
		.has_vram = dm,
		.preferred = XE_SVM_PLACE_VRAM,
	};
	struct vm_area_struct *vma;
	long moved = 0;

	lockdep_assert_held_write(svm->ranges.lock);
	might_sleep();

	*write = false;
	if (!mmget_not_zero(svm->mm))
		return 0;

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, range->start);
	if (!vma || vma->vm_end <= range->last)
		goto out_unlock;
	*write = vma->vm_flags & VM_WRITE;
	xe_svm_placement_query_vma(&q, vma, *write);
	if (!dm || !xe_svm_placement_wants_vram(&q))
		goto out_unlock;

	moved = xe_svm_range_migrate_to_vram(svm, range, dm, vma, *write);
	if (moved < 0)
		atomic64_inc(&svm->stats.vram_fallbacks);
	else if (moved)
		atomic64_inc(&svm->stats.vram_migrations);

out_unlock:
	mmap_read_unlock(svm->mm);
	mmput(svm->mm);
	return moved;
}

/*
 * Out of device memory: CPU faults on device pages and the eviction of a
 * whole region, with the helpers both directions share.
 */

/* Pages one eviction pass of xe_svm_devmem_evict_all() handles at once */
#define XE_SVM_EVICT_BATCH	512

/**
 * xe_svm_migrate_arrays_alloc() - allocate the arrays of a migration
 * @a: filled with the four arrays, zeroed
 * @npages: entries of each
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int xe_svm_migrate_arrays_alloc(struct xe_svm_migrate_arrays *a, unsigned long npages)
{
	size_t pfns = array_size(npages, sizeof(unsigned long));
	size_t pages = array_size(npages, sizeof(struct page *));
	void *p = kvzalloc(size_add(size_mul(2, pfns), size_mul(2, pages)), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	a->src = p;
	a->dst = p + pfns;
	a->sys = p + 2 * pfns;
	a->dev = p + 2 * pfns + pages;

	return 0;
}

/**
 * xe_svm_migrate_arrays_free() - free the arrays of a migration
 * @a: arrays from xe_svm_migrate_arrays_alloc()
 *
 * Context: process context.
 */
void xe_svm_migrate_arrays_free(struct xe_svm_migrate_arrays *a)
{
	kvfree(a->src);
}

/**
 * xe_svm_devmem_release_dst() - give back the destinations of a failed migration
 * @dst: the migrate_vma destination array
 * @npages: its entries
 *
 * Unlocks and frees every destination page and clears its entry, so that
 * migrate_vma_pages() moves nothing and migrate_vma_finalize() restores
 * every source: used when a copy failed, so that no page with stale
 * contents is ever mapped.
 *
 * Context: process context.
 */
void xe_svm_devmem_release_dst(unsigned long *dst, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *page = migrate_pfn_to_page(dst[i]);

		if (!page)
			continue;
		dst[i] = 0;
		unlock_page(page);
		put_page(page);
	}
}

/*
 * Allocate and lock a system page for every entry of @src that may
 * migrate, and gather the copy. @vma is NULL for the eviction of a whole
 * region (no address space: any node will do).
 */
static unsigned long xe_svm_prepare_to_ram(struct vm_area_struct *vma,
					   unsigned long start,
					   const unsigned long *src,
					   unsigned long *dst,
					   unsigned long npages,
					   struct page **sys, struct page **dev)
{
	unsigned long i, n = 0;

	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage;

		dst[i] = 0;
		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;

		if (vma)
			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma,
					       start + i * PAGE_SIZE);
		else
			dpage = alloc_page(GFP_HIGHUSER_MOVABLE);
		/* That page stays in device memory: no data is lost. */
		if (!dpage)
			continue;

		lock_page(dpage);
		dst[i] = migrate_pfn(page_to_pfn(dpage));
		sys[n] = dpage;
		dev[n] = spage;
		n++;
	}

	return n;
}

/**
 * xe_svm_devmem_count_migrated() - pages a migration really moved
 * @src: the migrate_vma source array, after migrate_vma_pages()
 * @dst: the destination array
 * @npages: their entries
 *
 * migrate_vma_pages() and migrate_device_pages() may still drop entries
 * (extra references, a destination left empty): only entries that kept
 * MIGRATE_PFN_MIGRATE and have a destination moved.
 *
 * Context: any context.
 * Return: the number of pages moved.
 */
unsigned long xe_svm_devmem_count_migrated(const unsigned long *src,
					   const unsigned long *dst,
					   unsigned long npages)
{
	unsigned long i, n = 0;

	for (i = 0; i < npages; i++)
		if ((src[i] & MIGRATE_PFN_MIGRATE) && dst[i])
			n++;

	return n;
}

/*
 * Copy back the pages of a CPU fault's window. The window may hold pages
 * of several regions (a range placed partly on each tile, a VMA mapping
 * ranges of several tiles): each region's engine copies its own pages,
 * and its counters count them. Reorders @sys and @dev, in pairs.
 */
static int xe_svm_devmem_copy_to_ram_by_region(struct page **sys, struct page **dev,
					       unsigned long n)
{
	unsigned long i, j, done = 0;
	int err = 0, ret;

	while (done < n) {
		struct xe_svm_devmem *dm = xe_svm_page_to_devmem(dev[done]);

		for (i = j = done; i < n; i++) {
			if (xe_svm_page_to_devmem(dev[i]) != dm)
				continue;
			swap(dev[i], dev[j]);
			swap(sys[i], sys[j]);
			j++;
		}
		/* A dead device is not asked (see xe_svm_devmem_migrate_to_ram()). */
		if (xe_svm_devmem_dead(dm))
			ret = -EIO;
		else
			ret = xe_svm_devmem_copy(dm, sys + done, dev + done, j - done, false);
		if (ret)
			err = ret;
		done = j;
	}

	return err;
}

/*
 * Count the pages a migration to system memory moved, to their regions;
 * return how many moved.
 */
static unsigned long xe_svm_devmem_count_to_ram(const unsigned long *src,
						const unsigned long *dst,
						unsigned long npages)
{
	struct xe_svm_devmem *dm;
	unsigned long i, n = 0;

	for (i = 0; i < npages; i++) {
		if (!(src[i] & MIGRATE_PFN_MIGRATE) || !dst[i])
			continue;
		dm = xe_svm_page_to_devmem(migrate_pfn_to_page(src[i]));
		atomic64_inc(&dm->stats.migrated_to_ram);
		n++;
	}
	return n;
}

/**
 * xe_svm_range_evict_devmem() - bring a range's device pages back to system memory
 * @svm: the SVM context
 * @range: the range
 *
 * Migrates the device pages of @svm's owner in @range, and only those (a
 * CPU fault brings back its allocation's whole window instead), to system
 * memory: what the fault path does with a range the device cannot map
 * from VRAM as it is (see &xe_svm.devmem_map_min). Pages that could not
 * be collected (someone else migrating them) stay where they are.
 *
 * Context: process context, VM lock held for writing, mmap lock not held
 * (taken for reading); may sleep.
 * Return: 0; -EFAULT when the range no longer lies in one VMA or the
 * process is exiting; -ENOMEM; -EIO when a copy failed (the data stays in
 * VRAM).
 */
int xe_svm_range_evict_devmem(struct xe_svm *svm, struct xe_svm_range *range)
{
	unsigned long n, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	struct migrate_vma mig = {
		.start = range->start,
		.end = range->last + 1,
		.pgmap_owner = svm->pgmap_owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	struct xe_svm_migrate_arrays a;
	int err;

	lockdep_assert_held_write(svm->ranges.lock);
	might_sleep();

	if (!mmget_not_zero(svm->mm))
		return -EFAULT;
	err = xe_svm_migrate_arrays_alloc(&a, npages);
	if (err)
		goto out_mmput;
	mig.src = a.src;
	mig.dst = a.dst;

	mmap_read_lock(svm->mm);
	mig.vma = vma_lookup(svm->mm, range->start);
	if (!mig.vma || mig.vma->vm_end <= range->last) {
		err = -EFAULT;
		goto out_unlock;
	}
	err = migrate_vma_setup(&mig);
	if (err || !mig.cpages)
		goto out_unlock;

	n = xe_svm_prepare_to_ram(mig.vma, mig.start, mig.src, mig.dst, npages,
				  a.sys, a.dev);
	if (xe_svm_devmem_copy_to_ram_by_region(a.sys, a.dev, n)) {
		/* The data stays in VRAM; never map a half-copied page. */
		xe_svm_devmem_release_dst(mig.dst, npages);
		err = -EIO;
	}
	migrate_vma_pages(&mig);
	xe_svm_devmem_count_to_ram(mig.src, mig.dst, npages);
	migrate_vma_finalize(&mig);

out_unlock:
	mmap_read_unlock(svm->mm);
	xe_svm_migrate_arrays_free(&a);
out_mmput:
	mmput(svm->mm);
	return err;
}

/**
 * xe_svm_devmem_migrate_to_ram() - the CPU faulted on a device page
 * @vmf: the fault (&dev_pagemap_ops.migrate_to_ram)
 *
 * What comes back is the window of the
 * allocation's size (the range size: 2 MiB, 64 KiB or 4 KiB), aligned,
 * around the faulting address and clipped to the VMA: a CPU that touches
 * one page of a buffer the GPU worked on usually goes on to read the
 * rest, and one migration of 2 MiB costs much less than 512 faults of
 * one page each (see "DOC: Device memory" for the figures). Pages of the
 * window that are not device pages of this owner are left alone.
 *
 * A device that says it is dead (&xe_svm_devmem_ops.dead) is not asked
 * to copy: on hardware a copy that cannot run fails only after the job
 * timeout, seconds per fault. The fault gets SIGBUS at once and the data
 * stays where it is (lost only when the device is removed, see
 * xe_svm_devmem_evict_all()).
 *
 * Context: mmap lock held for reading (or the per-VMA lock dropped:
 * do_swap_page() retries); the page is referenced but not locked, so two
 * CPU faults, or a fault and an eviction, can race here: the loser
 * collects nothing and the fault is retried.
 * Return: 0 (the fault is retried or the page is back), VM_FAULT_OOM or
 * VM_FAULT_SIGBUS (the copy failed, or the device is dead: the data
 * stays in VRAM).
 */
vm_fault_t xe_svm_devmem_migrate_to_ram(struct vm_fault *vmf)
{
	struct xe_svm_devmem_alloc *alloc = vmf->page->zone_device_data;
	struct xe_svm_devmem *dm = alloc->dm;
	unsigned long size = alloc->npages << PAGE_SHIFT;
	struct vm_area_struct *vma = vmf->vma;
	struct migrate_vma mig = {
		.vma = vma,
		.start = max(ALIGN_DOWN(vmf->address, size), vma->vm_start),
		.end = min(ALIGN_DOWN(vmf->address, size) + size, vma->vm_end),
		.pgmap_owner = dm->pagemap.owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	unsigned long npages = (mig.end - mig.start) >> PAGE_SHIFT;
	unsigned long fault_idx = (vmf->address - mig.start) >> PAGE_SHIFT;
	u64 ns[XE_SVM_PHASES] = {}, t;
	struct xe_svm_migrate_arrays a;
	vm_fault_t ret = 0;
	unsigned long n;
	int err;

	mmap_assert_locked(vma->vm_mm);
	atomic64_inc(&dm->stats.cpu_faults);

	if (xe_svm_devmem_dead(dm)) {
		pr_warn_ratelimited("xe_svm: %s: device dead, a CPU access to its memory gets SIGBUS\n",
				    dm->res->name);
		return VM_FAULT_SIGBUS;
	}

	if (xe_svm_migrate_arrays_alloc(&a, npages))
		return VM_FAULT_OOM;
	mig.src = a.src;
	mig.dst = a.dst;

	t = ktime_get_ns();
	err = migrate_vma_setup(&mig);
	if (err) {
		ret = VM_FAULT_SIGBUS;
		goto out_free;
	}
	/* Someone else is migrating the page: retry the fault. */
	if (!mig.cpages) {
		atomic64_inc(&dm->stats.cpu_fault_races);
		goto out_free;
	}
	t = xe_svm_phase_end(ns, XE_SVM_PHASE_COLLECT, t);

	n = xe_svm_prepare_to_ram(vma, mig.start, mig.src, mig.dst, npages, a.sys, a.dev);
	if ((mig.src[fault_idx] & MIGRATE_PFN_MIGRATE) && !mig.dst[fault_idx])
		ret = VM_FAULT_OOM;
	t = xe_svm_phase_end(ns, XE_SVM_PHASE_ALLOC, t);

	if (xe_svm_devmem_copy_to_ram_by_region(a.sys, a.dev, n)) {
		/* The data stays in VRAM; never map a half-copied page. */
		xe_svm_devmem_release_dst(mig.dst, npages);
		ret = VM_FAULT_SIGBUS;
	}
	t = xe_svm_phase_end(ns, XE_SVM_PHASE_COPY, t);

	migrate_vma_pages(&mig);
	n = xe_svm_devmem_count_to_ram(mig.src, mig.dst, npages);
	migrate_vma_finalize(&mig);
	xe_svm_phase_end(ns, XE_SVM_PHASE_FINALIZE, t);
	if (n)
		xe_svm_migrate_timing_add(&dm->stats.to_ram, ns, n);

out_free:
	xe_svm_migrate_arrays_free(&a);
	return ret;
}

/*
 * Passes of xe_svm_devmem_evict_all() in which a copy failed before it
 * stops waiting for the copy engine to recover (a wedged or removed GPU
 * fails every copy, for ever).
 */
#define XE_SVM_EVICT_COPY_PASSES	3

/*
 * A copy engine that fails every copy must not keep the region alive for
 * ever: copy the pages of a failed batch one by one, and give each page
 * whose copy still fails a zeroed page instead. Pages whose copy works
 * keep their data.
 */
static void xe_svm_devmem_copy_or_zero(struct xe_svm_devmem *dm, struct page **sys,
				       struct page **dev, unsigned long n)
{
	unsigned long i, lost = 0;

	for (i = 0; i < n; i++) {
		if (!xe_svm_devmem_copy(dm, &sys[i], &dev[i], 1, false))
			continue;
		clear_highpage(sys[i]);
		lost++;
	}
	atomic64_add(lost, &dm->stats.pages_lost);
}

/*
 * Move the live pages among @npages pfns from @pfn to system memory, in
 * every address space that maps them. Pages whose lock was contended, or
 * whose copy failed, stay where they are for the next pass, unless
 * @lossy: then a page whose copy fails is replaced by a zeroed page. On a
 * dead device nothing is copied: every page is replaced by a zeroed one.
 * Return: true if a copy failed (or none was tried).
 */
static bool xe_svm_devmem_evict_batch(struct xe_svm_devmem *dm, unsigned long pfn,
				      unsigned long npages,
				      struct xe_svm_migrate_arrays *a, bool lossy)
{
	bool failed = false;
	unsigned long i, n;

	migrate_device_range(a->src, pfn, npages);
	n = xe_svm_prepare_to_ram(NULL, 0, a->src, a->dst, npages, a->sys, a->dev);
	if (n && xe_svm_devmem_dead(dm)) {
		failed = true;
		for (i = 0; i < n; i++)
			clear_highpage(a->sys[i]);
		atomic64_add(n, &dm->stats.pages_lost);
	} else if (xe_svm_devmem_copy(dm, a->sys, a->dev, n, false)) {
		failed = true;
		if (lossy)
			xe_svm_devmem_copy_or_zero(dm, a->sys, a->dev, n);
		else
			xe_svm_devmem_release_dst(a->dst, npages);
	}

	migrate_device_pages(a->src, a->dst, npages);
	atomic64_add(xe_svm_devmem_count_migrated(a->src, a->dst, npages),
		     &dm->stats.migrated_to_ram);
	migrate_device_finalize(a->src, a->dst, npages);

	return failed;
}

/**
 * xe_svm_devmem_evict_all() - move every device page of a region to system memory
 * @dm: the region
 *
 * Migrates every page in use back to system memory, in every process
 * that maps it, until none is left: a page whose lock is contended or
 * whose copy fails is retried on the next pass. Allocations must already
 * be stopped (&xe_svm_devmem.removing), or this may never end.
 *
 * A copy engine that is dead (a wedged or unplugged GPU fails every copy)
 * would keep the pages in VRAM for ever, and the region with them. After
 * %XE_SVM_EVICT_COPY_PASSES passes with failed copies, each page whose
 * copy still fails on its own is replaced by a zeroed page: its data is
 * lost (counted in &xe_svm_devmem_stats.pages_lost and logged once), as
 * the data of the device's buffer objects is; every page whose copy works
 * keeps its data. A device that says it is dead (&xe_svm_devmem_ops.dead)
 * is not asked to copy at all: a failed copy on hardware costs a job
 * timeout, seconds per page in the lossy pass, hours for a VRAM full of
 * data; its pages are replaced by zeroed ones in the first pass.
 *
 * Context: process context, no SVM or mmap lock held; may sleep.
 * Return: 0, or -ENOMEM when the bookkeeping arrays cannot be allocated.
 */
int xe_svm_devmem_evict_all(struct xe_svm_devmem *dm)
{
	unsigned long first = PHYS_PFN(dm->pagemap.range.start);
	unsigned long total = PHYS_PFN(dm->size), pfn, pass;
	u64 lost = atomic64_read(&dm->stats.pages_lost);
	struct xe_svm_migrate_arrays a;
	unsigned int failed_passes = 0;
	bool failed;

	might_sleep();

	if (xe_svm_migrate_arrays_alloc(&a, XE_SVM_EVICT_BATCH))
		return -ENOMEM;

	for (pass = 0; atomic_read(&dm->allocs); pass++) {
		failed = false;
		for (pfn = first; pfn < first + total; pfn += XE_SVM_EVICT_BATCH) {
			failed |= xe_svm_devmem_evict_batch(dm, pfn,
							    min(XE_SVM_EVICT_BATCH,
								first + total - pfn),
							    &a, failed_passes >=
							    XE_SVM_EVICT_COPY_PASSES);
			cond_resched();
		}
		failed_passes += failed;
		/*
		 * Someone holds a page lock (a racing CPU fault), or a
		 * migration is still handing pages out: let it finish.
		 */
		if (atomic_read(&dm->allocs))
			msleep(pass < 10 ? 1 : 100);
		WARN_ONCE(pass == 1000, "xe_svm: %lld device pages will not leave VRAM\n",
			  atomic64_read(&dm->stats.pages_in_use));
	}

	lost = atomic64_read(&dm->stats.pages_lost) - lost;
	if (lost)
		pr_err("xe_svm: %s: %s, %llu pages of data lost on eviction\n",
		       dm->res->name,
		       xe_svm_devmem_dead(dm) ? "device dead" : "copy engine failing", lost);

	xe_svm_migrate_arrays_free(&a);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_evict_all, DRM_XE_SVM);

/*
 * Passes of xe_svm_devmem_alloc_evict() before it gives up on pages it
 * cannot move (locked by a migration that takes this long, or whose copy
 * keeps failing): 100 passes of at most 10 ms of sleep each.
 */
#define XE_SVM_EVICT_ALLOC_PASSES	100

/**
 * xe_svm_devmem_alloc_evict() - move the pages of one allocation to system memory
 * @alloc: the allocation; its backend keeps it alive (the buffer object
 *         it is embedded in is referenced and locked by the eviction)
 *
 * The backend's memory manager evicting @alloc (to make room for another
 * allocation or a buffer object, or to suspend) moves its pages back to
 * system memory in every process that maps them, which zaps their GPU
 * mappings through the processes' notifiers. It ends when no page of
 * @alloc is in use and the allocator's reference is gone: only then may
 * its VRAM be handed to someone else. A page whose lock is contended (a
 * racing CPU or GPU fault, the migration that made @alloc still
 * finishing) or whose copy failed is retried on the next pass.
 *
 * Nothing is lost to make room: after %XE_SVM_EVICT_ALLOC_PASSES passes,
 * or %XE_SVM_EVICT_COPY_PASSES passes whose copies failed, it gives up
 * with the remaining pages still in VRAM, their data intact, and the
 * memory manager looks elsewhere. Only a device that says it is dead
 * (&xe_svm_devmem_ops.dead) has its pages replaced by zeroed ones, as
 * xe_svm_devmem_evict_all() does.
 *
 * Context: process context, may sleep; no SVM notifier lock held; the
 * mmap lock of a process may be held (the eviction may come from a GPU
 * fault of that process needing room), as migrate_device_range() takes
 * none.
 * Return: 0 when the VRAM of @alloc is free to reuse; -EBUSY when pages
 * stayed; -EIO when their copies kept failing; -ENOMEM.
 */
int xe_svm_devmem_alloc_evict(struct xe_svm_devmem_alloc *alloc)
{
	unsigned long batch = min(alloc->npages, XE_SVM_EVICT_BATCH);
	struct xe_svm_devmem *dm = alloc->dm;
	struct xe_svm_migrate_arrays a;
	unsigned int pass, failed_passes = 0;
	unsigned long i;
	int err = 0;

	might_sleep();

	if (xe_svm_migrate_arrays_alloc(&a, batch))
		return -ENOMEM;

	for (pass = 0; atomic_read(&alloc->live); pass++) {
		bool failed = false;

		if (pass == XE_SVM_EVICT_ALLOC_PASSES ||
		    failed_passes == XE_SVM_EVICT_COPY_PASSES) {
			err = failed_passes == XE_SVM_EVICT_COPY_PASSES ? -EIO : -EBUSY;
			break;
		}
		for (i = 0; i < alloc->npages; i += batch)
			failed |= xe_svm_devmem_evict_batch(dm, alloc->pfn_first + i,
							    min(batch, alloc->npages - i),
							    &a, false);
		failed_passes += failed;
		if (atomic_read(&alloc->live))
			msleep(pass < 10 ? 1 : 10);
	}

	xe_svm_migrate_arrays_free(&a);
	atomic64_inc(err ? &dm->stats.evict_failures : &dm->stats.evictions);
	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_devmem_alloc_evict, DRM_XE_SVM);

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_migrate_test.c"
#endif
