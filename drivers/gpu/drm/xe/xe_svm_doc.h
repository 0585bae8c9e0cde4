/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_DOC_H_
#define _XE_SVM_DOC_H_

/**
 * DOC: Overview
 *
 * Shared Virtual Memory (SVM) lets a GPU program dereference the same
 * pointers as the CPU program that launched it: anything the process got
 * from malloc(), mmap() or its stack, with no registration, pinning or
 * copying by the application. This is the "system allocator" model that
 * Level Zero, OpenCL and SYCL expose as shared system USM.
 *
 * A VM in fault mode with SVM enabled *mirrors* a window of the process's
 * CPU address space (the whole of it when the VM is created with the SVM
 * flag, or the window of a CPU-address-mirror VM_BIND). GPU virtual
 * address X in the window means CPU virtual address X. Nothing is mapped
 * up front. A GPU access to an unmapped address raises a GPU page fault,
 * and the fault handler makes the GPU page tables agree with the CPU page
 * tables for a *range* around the address, moving the data into the
 * tile's VRAM first when that pays off. When the CPU address space
 * changes (munmap, mprotect, fork, migration, swap, ...), an MMU
 * interval notifier zaps the affected GPU mappings before the CPU
 * change completes; the next GPU access faults again.
 *
 * The SVM core is written against its own objects (the SVM context of a
 * VM, its ranges, a device-memory region per tile) and a narrow backend
 * interface for what only hardware can do: write and zap GPU PTEs,
 * invalidate the GPU TLB, and copy or clear memory between system memory
 * and VRAM. Two backends implement it:
 *
 * - the xe hardware backend (page tables through xe_pt, TLB invalidation
 *   through the GuC, copies and clears through xe_migrate), fed by the
 *   GuC page-fault path;
 * - an emulated device (CONFIG_DRM_XE_SVM_EMU, test only), whose "VRAM"
 *   is system memory behind real device-private struct pages and whose
 *   GPU page table is a software one, fed by an ioctl that runs GPU
 *   memory operations.
 *
 * Both backends reach the same fault handler, the same notifier code and
 * the same uAPI argument checks, so everything except the hardware
 * programming itself is exercised on machines with no Intel GPU.
 */

/**
 * DOC: Ranges and chunk sizing
 *
 * The unit of SVM state is a *range*: a naturally aligned piece of the
 * mirrored window, created on the first GPU fault inside it, of one of
 * the sizes the backend chose (&xe_svm_ops.chunk_sizes: the page sizes
 * its page tables map; both backends take 2 MiB, 64 KiB and 4 KiB). The
 * fault handler picks the largest of these sizes whose aligned chunk
 * around the faulting address
 *
 * - lies inside the CPU VMA that contains the address,
 * - lies inside the mirrored window, and
 * - overlaps no existing range.
 *
 * Large ranges mean few faults and large GPU pages (a 2 MiB range backed
 * by a transparent huge page is mapped with a single 2 MiB PTE); the
 * smaller sizes keep a range from spilling over VMA edges and existing
 * neighbours. Ranges are kept in an interval tree per VM. A range is never
 * resized: when the CPU unmaps part of it, the range is marked and handed
 * to a garbage collector, and the next fault builds new ranges that fit
 * the new layout.
 *
 * A backend that keeps state per range (the xe backend: which tiles'
 * page tables hold it) embeds &xe_svm_range in a structure of its own,
 * allocated and freed through &xe_svm_ops.range_alloc and range_free,
 * and finds it with container_of(); the core's range carries only what
 * the core uses.
 */

/**
 * DOC: Fault flow
 *
 * A GPU fault at address A in a mirrored window is served in this order:
 *
 * 1. Find the range containing A, or create one (see "Ranges and chunk
 *    sizing") and register its MMU interval notifier.
 * 2. Decide placement: VRAM of the faulting tile when the policy and the
 *    memory kind allow it, otherwise system memory. Migration to VRAM is
 *    best effort; on failure the fault is served from system memory.
 * 3. Sample the notifier sequence (mmu_interval_read_begin()), take the
 *    mmap lock for reading and call hmm_range_fault() on the range; on
 *    -EBUSY retry, bounded by a timeout. A fault that lost a few races
 *    (steps 3 to 5) does its further passes with the mmap lock held for
 *    writing from step 3 to the commit: CPU faults on device pages and
 *    migrations by other faults, which may otherwise keep moving the
 *    memory for as long as their users run (several GPUs or tiles and
 *    the CPU sharing pages), wait for it, so every fault completes.
 * 4. Build the device-address list: DMA-map the pages for the backend's
 *    device in *chunks*, one per CPU page-table entry clipped to the range
 *    (a THP is one 2 MiB chunk, which is what lets the backend write one
 *    2 MiB GPU PTE for it). This happens before the notifier lock is
 *    taken, as mapping may allocate. The shared zero page (untouched
 *    memory that was read) is not mapped: the backend maps it so that
 *    reads return zeros, instead of one DMA mapping per use of one page.
 *    Chunks mapped by an earlier populate of the range are zapped and
 *    unmapped first, since the DMA API does not allow a page to be mapped
 *    twice for a device that writes it.
 * 5. Take the notifier lock; if mmu_interval_read_retry() says the range
 *    changed, drop everything and go back to 3. Otherwise ask the backend
 *    to write the GPU PTEs, with the largest page size the backing
 *    allows, and mark the range valid while still holding the lock.
 *
 * A fault on a range that is already valid for the access (several GPU
 * threads faulted on it at once) returns at once. A range that cannot be
 * populated because the CPU address space changed under it is replaced by
 * one sized to the new layout: the VMA around the address no longer
 * covers it (mprotect() split the VMA), or another thread unmapped part
 * of it after step 1 (which first collects the ranges the CPU unmapped)
 * and may have mapped those addresses again. A fault never fails for a change beside its
 * address; it retries a bounded number of times (a thread that remaps
 * the range without pause), then fails with the populate's error.
 *
 * SVM needs a device that snoops the CPU caches: CPU and GPU use the same
 * pages at the same time, with no hand-over point where cache
 * maintenance could go, so the DMA mappings skip CPU syncs.
 *
 * Per-range metadata, x86-64 (measured with sizeof): &struct xe_svm_range
 * is 184 bytes (its MMU interval notifier is 88 of them) plus 16 bytes per
 * DMA chunk, so 200 bytes for a 2 MiB range backed by a THP and 8376
 * bytes for one backed by 512 base pages; the backend's page tables come
 * on top.
 *
 * GPU accesses follow the CPU's rules: a GPU access succeeds exactly when
 * the same CPU access would, and does what it would do. A GPU write (an
 * atomic is a write) asks the mm for write access, so it breaks
 * copy-on-write after fork() (the other process keeps the old data),
 * KSM merging, and the write protection mprotect() leaves on pages it
 * made writable again. hmm_range_fault() reports a device page of our
 * own owner without faulting even when write access is asked for, and
 * fork() and mprotect() leave such pages write-protected: a write fault
 * that finds one checks the VMA (no VM_WRITE: -EPERM), takes a CPU write
 * fault on it, which brings its allocation back to system memory, and
 * walks the range again, which write-faults the system pages
 * (&xe_svm_stats.wp_breaks counts it). For the same reason a migration
 * to VRAM for a GPU write leaves pages the CPU maps read-only where they
 * are. An access the CPU may not do fails after one fault, with nothing
 * written and nothing migrated or allocated for it: -EPERM for a write
 * to a mapping without write permission, -EFAULT for PROT_NONE or an
 * address with no VMA. Read-only CPU mappings are mapped read-only on the
 * GPU. A fault stops its retries when the faulting process has a fatal
 * signal pending (-EINTR).
 */

/**
 * DOC: Invalidation
 *
 * Each range is covered by an MMU interval notifier. Its callback runs
 * with the CPU page tables about to change and must leave no GPU mapping
 * of the affected addresses behind when it returns:
 *
 * 1. take the notifier lock for writing and bump the sequence
 *    (mmu_interval_set_seq()), so that a fault in flight cannot commit
 *    stale pages;
 * 2. ask the backend to zap the GPU PTEs of the affected part and to
 *    invalidate the GPU TLB, and wait for that;
 * 3. DMA-unmap the affected system pages;
 * 4. for MMU_NOTIFY_UNMAP, mark the range (partially) unmapped and queue
 *    it for the garbage collector, which unbinds and frees it later from
 *    process context.
 *
 * The callback never allocates memory and never waits on anything that
 * reclaim may wait on. Migrations, including the ones the driver starts
 * itself (MMU_NOTIFY_MIGRATE with our owner), are invalidations like any
 * other: the GPU may map the pages being moved, and the next fault maps
 * the pages where they landed.
 */

/**
 * DOC: Locking
 *
 * Locks, outermost first:
 *
 * 1. the VM lock (&xe_vm.lock, an rw_semaphore): held for writing while
 *    ranges are created, bound or collected, and while the mirror is
 *    bound or unbound;
 * 2. the process's mmap lock, taken for reading around hmm_range_fault()
 *    and migrate_vma_setup(), and for writing from the walk to the commit
 *    by a fault that lost races to other migrations (see "Fault flow");
 *    never held while the VM lock is taken;
 * 3. dma-resv locks of page-table buffer objects (hardware backend);
 * 4. the notifier lock of the SVM context: taken for writing in the
 *    notifier callback, for reading (or writing) around the
 *    mmu_interval_read_retry() check and the commit of GPU PTEs. It is
 *    reachable from reclaim, so nothing that allocates memory with
 *    reclaim or waits for reclaim may run under it; lockdep is primed
 *    with that rule when the context is created.
 *
 * The garbage-collector list has its own spinlock, innermost, taken
 * from the notifier callback.
 *
 * Device memory adds, below the mmap lock: the dma-resv of an SVM VRAM
 * object, which allocation takes (a trylock of the new object) and holds
 * until the object's pages are installed, and which TTM holds while it
 * evicts the object; eviction then takes page locks and, through the
 * processes' notifiers, notifier locks - so no notifier lock is ever held
 * while VRAM is allocated. The worker that puts objects whose last page
 * was freed takes none of these. The free-list spinlock of a region is
 * innermost, taken from page_free(), which may run with a page-table
 * spinlock held. migrate_to_ram() runs
 * with the mmap lock held by the CPU fault and takes neither the VM lock
 * nor the notifier lock: a GPU fault holds the VM lock while it takes the
 * mmap lock, so the other order would deadlock. Migrations wait for copy
 * fences uninterruptibly with the mmap lock held for reading and the
 * pages locked, so that migrate_vma_finalize() is always reached. On
 * hardware, a copy or clear into VRAM first waits the same way for the
 * TTM VRAM manager's move fence (a pipelined eviction may still read the
 * blocks), read under the manager's move spinlock, under which nothing
 * else is taken.
 *
 * Memory-range attributes (&xe_svm.attrs) are protected by the VM lock:
 * MADVISE, binds and the garbage collector change them with it held for
 * writing, after allocating what a change needs; faults and the query
 * read them with it held in either mode. The query flushes the garbage
 * collector's work before it takes the VM lock, never with it held. The
 * autoreset notifier (&xe_svm.unmap_watch) takes only the garbage
 * collector's spinlock and allocates nothing; it is inserted, like a
 * range's, with the VM lock held and removed before the worker is
 * cancelled. A prefetch holds the VM lock for writing and takes the mmap
 * lock for reading around each step, as a fault does; to system memory
 * its hmm_range_fault() runs our pagemap's migrate_to_ram(), which takes
 * neither the VM lock nor the notifier lock. On xe it runs from VM_BIND
 * before any dma-resv is locked. The residency view runs with the VM
 * lock held (for reading is enough; its callers take it) and takes the
 * notifier lock for reading, then the mirrored process's mmap lock for
 * reading, one at a time per range. xe's debugfs finds VMs under
 * usm.lock and takes a VM reference there, but takes the VM lock only
 * after dropping usm.lock: that device-wide lock is held only around
 * lookups (every GPU fault's VM lookup takes it), never across a walk
 * that sleeps on the VM lock and the mmap lock.
 *
 * The emulated device's xe DRM face adds two rules. Page-table entries
 * of a buffer object bound into a VM are added with the VM lock held
 * (for writing, as a fault holds it), and for an object with VRAM with
 * its dma-resv held too; they are removed with the notifier lock held
 * for writing, and either the VM lock (a bind over them, the VM's end)
 * or the object's dma-resv (TTM evicting it; the object's list of
 * bindings has its own mutex, taken under the dma-resv and outside the
 * notifier locks). So an eviction cannot slip between the fault that
 * validated an object and the entry it adds, and a GPU access that
 * found an entry under the notifier lock uses a page the binding still
 * pins.
 * A batch runs only on its queue's ordered workqueue; each access reads
 * the emulated page table under the notifier lock and, on a miss, takes
 * the VM lock as a GPU fault does. A queue's last reference destroys its
 * workqueue, which runs (or, for a killed queue, drops) the jobs still
 * queued, before it drops its VM reference, so no batch outlives its VM.
 *
 * Each function that relies on one of these rules asserts it on entry
 * (lockdep_assert_held(), mmap_assert_locked(), might_sleep()).
 */

/**
 * DOC: Lifetimes
 *
 * The SVM context of a VM holds a reference on the mm it mirrors
 * (mmgrab(), not mmget(): the VM must not keep the address space alive)
 * and takes a temporary mmget_not_zero() around every use of the address
 * space, so that a process that exits makes every later fault fail
 * cleanly. Ranges live until the garbage collector or VM destruction
 * removes them; removing a range first removes its notifier (so nothing
 * can queue it again), then zaps what is left of its GPU mapping, then
 * unmaps its DMA addresses. A device page in
 * VRAM keeps a reference to its allocation; the allocation goes back to
 * the buddy allocator when its last page is freed. Device teardown
 * migrates every live device page back to system memory first.
 */

/**
 * DOC: Device memory
 *
 * The VRAM of a tile is a MEMORY_DEVICE_PRIVATE &dev_pagemap
 * (&struct xe_svm_devmem): struct pages over an unused physical address
 * window the size of the VRAM, which the CPU cannot access; a CPU access
 * to one of them faults and migrates it back. Its owner cookie is shared
 * by everything that may map the pages directly, so that hmm_range_fault()
 * returns them as they are instead of migrating them.
 *
 * VRAM is owned by the device's memory manager, TTM: each allocation is
 * a buffer object (&xe_svm_devmem_ops.vram_alloc; on xe a kernel object
 * with XE_BO_FLAG_SVM, on the emulated device one of its own TTM device)
 * of one naturally aligned block the size of the range being migrated
 * (2 MiB, 64 KiB or 4 KiB), page i of the range to page i of the block,
 * so a migrated range is contiguous in VRAM and the GPU maps it with one
 * PTE of the range's size. TTM counts it like any object (usage, the
 * CPU-visible part, fdinfo's and D3cold's view of VRAM). The allocation
 * the core sees (&struct xe_svm_devmem_alloc) is embedded in the object,
 * which stays reserved while the migration that made it hands out its
 * pages and becomes evictable once they are installed. Each device page
 * handed out points at its allocation (&page.zone_device_data); the
 * allocation counts its live pages plus one reference held while pages
 * are handed out, and its object is put when the count reaches zero. A
 * partly unmapped migrated range therefore keeps its VRAM until the rest
 * of its pages is unmapped or migrated back. page_free() may run under a
 * page-table spinlock, so the object is put from a worker. (A backend
 * without the allocation ops gets blocks from a buddy allocator it names
 * instead; nothing evicts those. Only the core's KUnit cases still use
 * that.)
 *
 * Eviction: an allocation that finds VRAM full makes room the way every
 * object does, TTM evicting the least recently used objects of that
 * VRAM - SVM allocations and buffer objects alike; a buffer object that
 * needs VRAM evicts SVM allocations the same way, and suspend empties
 * VRAM through TTM (xe_bo_evict_all()). Evicting an SVM object runs
 * xe_svm_devmem_alloc_evict() from the move callback: its pages go back
 * to system memory in every process that maps them (which zaps their GPU
 * mappings through the processes' notifiers, so the next GPU access
 * faults and may migrate again), and the object moves without a copy,
 * since system memory holds nothing for it. Only when no page of the
 * allocation is left in use may TTM reuse its VRAM. To make room nothing
 * is lost: pages that stay locked for too long, or whose copies keep
 * failing, end the eviction with the data still in VRAM (the GPU mapping
 * of what it tried to move is gone, to be faulted back), and the
 * allocation or object that needed the room looks elsewhere or falls back
 * to system memory. Page tables, exec queues and other pinned objects
 * are never starved by SVM: SVM objects are never pinned, and a backend
 * allocates the page tables of a range in its &xe_svm_ops.prepare,
 * before the core maps the range, where the allocation may evict SVM
 * memory (this VM's too) and buffer objects; the emulated device does
 * so (its tables are pinned objects in VRAM, see "Emulated device").
 * There is no
 * per-process cap beyond VRAM itself: the least recently allocated go
 * first, whoever owns them; a process can keep its data in VRAM only by
 * using it, and only at the cost of someone else's next fault.
 *
 * Device memory is never handed to anyone with the data of a previous
 * owner: every page of a migration is either copied over or cleared
 * (holes and the zero page) before its PTE exists.
 *
 * CPU faults (migrate_to_ram) bring back the aligned window of the
 * allocation's size around the faulting address, clipped to the VMA:
 * one CPU fault per range rather than one per page. A CPU usually goes on
 * to read the rest of a buffer the GPU wrote, and one 2 MiB migration
 * costs a fraction of 512 single-page ones (measured with make bench, see
 * README.md). The page is not locked when migrate_to_ram() is called:
 * when another migration of the same page wins, nothing is collected and
 * the fault is retried. When the copy fails the pages stay in VRAM and
 * the faulting thread gets SIGBUS. A forked child that shares a migrated
 * page copy-on-write faults it back like its parent; the rmap walk of
 * the migration updates every process that maps it.
 *
 * Teardown (device removal, unloading the emulated device) stops
 * allocations, then migrates every live page back to system memory with
 * migrate_device_range() until none is left (pages whose lock was
 * contended are retried), then removes the pagemap. A copy engine that
 * fails every copy (a wedged or unplugged GPU) cannot hold teardown up
 * for ever: after three passes with failed copies, each page whose copy
 * still fails on its own is replaced by a zeroed page, counted and
 * logged; its data is lost, as the device's buffer objects' is. The
 * struct pages are allocated on the device's NUMA node.
 *
 * Not yet: an evicted SVM allocation goes back to system memory as a
 * whole; splitting it to evict part of a range is later work.
 */

/**
 * DOC: Migration
 *
 * A GPU fault on a range that is not mapped first asks the placement
 * policy, xe_svm_placement_wants_vram(), whether the range belongs in
 * VRAM:
 *
 * - memory that cannot become device-private pages stays in system
 *   memory: shared or file-backed mappings, hugetlbfs, VM_IO / VM_PFNMAP
 *   / VM_MIXEDMAP / DAX, and mlock()ed memory (promised to stay
 *   CPU-resident);
 * - a device atomic that needs VRAM migrates, at any size;
 * - otherwise the preferred placement decides (VRAM by default when the
 *   context has VRAM), for ranges of at least %XE_SVM_MIGRATE_MIN_SIZE
 *   (64 KiB; exactly 64 KiB qualifies): a 4 KiB range would pay a fault,
 *   a copy and a CPU fault back for one page.
 *
 * Migration is best effort. The VRAM comes first: a block of the range's
 * size is allocated before anything is collected, since collecting
 * unmaps the pages from the CPU and the GPU, work that is wasted when
 * VRAM is full. Then migrate_vma_setup() collects the system
 * pages, holes and zero-page entries of the range (device pages already
 * there are not collected and stay mapped as they are); each collected
 * entry gets a device page, the copy engine copies or clears them, the
 * fence is waited for, and only entries that kept MIGRATE_PFN_MIGRATE
 * after migrate_vma_pages() count as moved. Pages that cannot move
 * (pinned, racing another migration) stay in system memory: the range is
 * then mapped partly from VRAM, partly from system memory, each DMA
 * chunk of the range saying which. When no VRAM can be allocated or the
 * copy fails, nothing moves and the fault is served from system memory
 * (counted as a fallback). Either way the fault then populates the range
 * with hmm_range_fault(), which returns our device pages in place. That
 * walk faults every page from the first one that needs a fault to the
 * end of its page table, device pages included (which would migrate
 * them back): in a range that holds device pages, the other pages that
 * need a fault (copy-on-write after fork(), swapped out, not present)
 * are faulted one by one first.
 *
 * Devices whose page tables map VRAM with 64 KiB pages only (Xe_HPC; the
 * backend sets &xe_svm.devmem_map_min) cannot map a 4 KiB run of device
 * pages at all. There, ranges under 64 KiB never migrate, a migration
 * moves a page only with every page of its aligned 64 KiB group (a group
 * with a page that cannot move stays in system memory whole), and a range
 * whose device pages still do not form whole groups when it is populated
 * (a CPU fault clipped to a VMA split one, a range re-chunked smaller
 * around it) has exactly its device pages migrated back
 * (xe_svm_range_evict_devmem(), counted as a fallback) and is mapped from
 * system memory. The emulated device models such page tables with its
 * vram_map_64k knob.
 *
 * Thrashing control. Memory that the CPU and the GPU take turns writing
 * (a flag, a work queue) would migrate twice per exchange, each time a
 * CPU fault, a GPU fault, two copies and the invalidations that go with
 * them. A range that migrated to VRAM %XE_SVM_THRASH_MIGRATIONS times
 * within %XE_SVM_THRASH_WINDOW_MS is held in system memory for
 * %XE_SVM_THRASH_HOLD_MS (xe_svm_range_thrash_note()): its faults are
 * served from there (counted as thrash_holds), except a device atomic
 * that needs VRAM, which migrates the range anyway, since on a discrete
 * part an atomic on system memory is not atomic against the CPU. Mapped
 * from system memory, the range no longer faults on either side, so the
 * exchange then costs nothing but the bus; a fault after the hold may
 * migrate it again. The backend can turn this off per context
 * (&xe_svm.thrash_control).
 */

/**
 * DOC: Memory-range attributes
 *
 * User space steers SVM per address range with DRM_IOCTL_XE_MADVISE and
 * reads the result back with DRM_IOCTL_XE_VM_QUERY_MEM_RANGE_ATTRS
 * (upstream xe's numbers and layouts). Three attributes exist: the
 * preferred location (the device's VRAM, system memory, or the VRAM a
 * device file and region instance name, with a migration policy), the
 * atomic mode (UNDEFINED, DEVICE, GLOBAL, CPU) and the PAT index of GPU
 * mappings.
 *
 * **Where they live.** In the SVM core, as a dense tree of regions over
 * the context's window (&xe_svm.attrs, xe_svm_attr.c), not in VMAs: a VM
 * that mirrors the whole address space has no VMA to split, and both
 * backends read the same attributes on their fault paths. A new mirror
 * binding gives its span the defaults (DEFAULT_DEVICE, ALL_PAGES,
 * UNDEFINED, the binding's PAT index) and joins equal neighbours, as a
 * new xe VMA would have them; MADVISE splits regions at its bounds and
 * never joins them, so the query shows its splits as upstream shows VMA
 * splits. The query returns one entry per region within each mirrored
 * window it touches, with the region's bounds clipped to the window (not
 * to the query).
 *
 * **Changing them** (xe_svm_attr_change()) allocates the two regions a
 * split may need first, so a failure changes nothing. Where a region's
 * value really changed, ranges inside it lose their GPU mapping (they
 * keep their pages, and their thrashing history starts again) and ranges
 * that stick out of it are freed: a range never spans two values
 * (xe_svm_range_find_or_create() clips new ranges to the region of the
 * faulting address). Where the value did not change, nothing is touched.
 * Nothing migrates at the call: the next GPU fault (or prefetch) obeys
 * the new value, and memory already in VRAM is mapped where it is.
 *
 * **What the fault path does with them.** xe_svm_range_place() migrates
 * to the VRAM of the preferred location, or keeps the range in system
 * memory for DEFAULT_SYSTEM (unless the access is an atomic that needs
 * VRAM). xe_svm_atomic_policy() turns the atomic mode into what a GPU
 * atomic needs: -EACCES for CPU, VRAM for DEVICE and GLOBAL, and for
 * UNDEFINED VRAM only where the range prefers VRAM. The PAT index is
 * stored and reported; the emulated device ignores caching.
 *
 * **Locking.** The regions are protected by the VM lock: changed with it
 * held for writing (MADVISE, binds), read with it held in either mode
 * (faults, the query). Allocation happens before anything changes and
 * never under the notifier lock.
 *
 * **A runtime's call sequence**, for shared system USM with a hint that a
 * buffer is device-local and atomics that must stay device-scope::
 *
 *	struct drm_xe_vm_create create = {
 *		.flags = DRM_XE_VM_CREATE_FLAG_LR_MODE |
 *			 DRM_XE_VM_CREATE_FLAG_FAULT_MODE,
 *	};
 *	ioctl(fd, DRM_IOCTL_XE_VM_CREATE, &create);
 *
 *	// mirror the CPU address space (or a part of it)
 *	bind.bind = (struct drm_xe_vm_bind_op) {
 *		.op = DRM_XE_VM_BIND_OP_MAP,
 *		.flags = DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR,
 *		.addr = 0, .range = 1ull << 47, .pat_index = wb,
 *	};
 *	ioctl(fd, DRM_IOCTL_XE_VM_BIND, &bind);
 *
 *	buf = malloc(size);	// page-align start and size for MADVISE
 *	struct drm_xe_madvise m = {
 *		.vm_id = create.vm_id, .start = start, .range = len,
 *		.type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
 *		.preferred_mem_loc.devmem_fd = DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE,
 *	};
 *	ioctl(fd, DRM_IOCTL_XE_MADVISE, &m);
 *	m.type = DRM_XE_MEM_RANGE_ATTR_ATOMIC;
 *	m.atomic.val = DRM_XE_ATOMIC_DEVICE;
 *	ioctl(fd, DRM_IOCTL_XE_MADVISE, &m);
 *
 *	// ... submit work that uses buf; GPU faults follow the attributes
 *
 *	struct drm_xe_vm_query_mem_range_attr q = {
 *		.vm_id = create.vm_id, .start = start, .range = len,
 *	};
 *	ioctl(fd, DRM_IOCTL_XE_VM_QUERY_MEM_RANGE_ATTRS, &q);	// count
 *	q.vector_of_mem_attr = (uintptr_t)calloc(q.num_mem_ranges,
 *						 q.sizeof_mem_range_attr);
 *	ioctl(fd, DRM_IOCTL_XE_VM_QUERY_MEM_RANGE_ATTRS, &q);	// fill
 *
 * **Autoreset.** A mirror bound with %DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET
 * gives its advice back where the CPU unmaps memory (munmap(), mremap()
 * away, exit): one MMU interval notifier over the whole window, registered
 * with the first such binding, notes each unmapped interval without
 * allocating (a fixed array of %XE_SVM_UNMAPPED_MAX; when it is full the
 * last entry grows, which may reset more than was unmapped, counted in
 * &xe_svm_stats.autoreset_overflows) and wakes the garbage collector,
 * which resets those intervals' autoreset regions to their binding's
 * defaults under the VM lock. Faults, MADVISE and the query collect
 * first, so whatever follows a munmap() that returned sees the reset.
 * Unlike upstream, which resets when it frees an unmapped SVM range,
 * memory the GPU never touched is reset too. free(3) that keeps the
 * memory mapped, and MADV_DONTNEED, reset nothing (as upstream).
 */

/**
 * DOC: Prefetch
 *
 * %DRM_XE_VM_BIND_OP_PREFETCH over mirrored memory moves and maps it
 * before the GPU needs it (xe_svm_prefetch()): region instance 0 means
 * system memory, a VRAM region that VRAM, and
 * %DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC the preferred location of each
 * range's memory-range attribute. The range is cut into ranges as GPU
 * faults would cut it; each is moved, then mapped writable where the CPU
 * VMA is writable (untouched memory gets real pages, so later GPU writes
 * take no fault either) and read-only elsewhere. A prefetch is not a GPU
 * fault: &xe_svm_stats.faults does not count it,
 * &xe_svm_stats.prefetch_ranges does.
 *
 * To VRAM, the placement policy's memory-kind rules still apply (shared,
 * file-backed, hugetlbfs, special and mlock()ed memory is mapped where it
 * is), but not its size threshold, preferred placement or thrashing
 * hold: user space asked. When VRAM cannot be allocated or the copy
 * fails, the range is mapped from system memory and counted in
 * &xe_svm_stats.vram_fallbacks, as the fault path does; upstream returns
 * -ENODATA there, which leaves user space to guess what was done. To
 * system memory, hmm_range_fault() is called without claiming our device
 * pages, so it faults them like any foreign device page: their pagemap's
 * migrate_to_ram() brings them back, with the same locking as a CPU
 * fault (the VM lock is held, the mmap lock taken for reading, the
 * notifier lock not held).
 *
 * Addresses no CPU VMA covers are skipped to the next VMA, and ranges the
 * GPU may not access (PROT_NONE, a VMA that changed under the range) are
 * left for the GPU to fault on. On xe, xe_svm_xe_prefetch() runs it from
 * VM_BIND after the ops are parsed and before they execute, over the
 * mirror VMAs (and the gaps of a VM that mirrors everything), and binds
 * each range on the root tile as the core maps it (&xe_svm_prefetch_dest
 * commit); other tiles fault for themselves. The loop stops at a fatal signal
 * (-EINTR), when invalidations keep racing one range past the timeout
 * (-EBUSY), or on -ENOMEM.
 */

/**
 * DOC: Tracing and counters
 *
 * The tracepoints of trace system ``xe_svm`` follow a range through its
 * life: xe_svm_range_create, xe_svm_fault_begin and xe_svm_fault_end
 * (with the error and the number of hmm_range_fault() passes redone
 * because an invalidation won the race), xe_svm_invalidate_begin (the
 * zapped bounds and the notifier event) and xe_svm_invalidate_end,
 * xe_svm_prefetch (each range a prefetch moved and mapped), xe_svm_gc and
 * xe_svm_range_destroy. Each event names its SVM context, so one VM can
 * be followed among many. Each context also keeps counters (&struct
 * xe_svm_stats) that xe_svm_stats_print() prints for debugfs: the xe
 * device's ``svm`` file lists them per VM (by ASID), the emulated device
 * has one file per VM. Then xe_svm_residency_print() lists every range:
 * where its pages are now (system memory, which VRAM, absent), how the
 * GPU maps it, and its memory-range attributes; on xe in the device's
 * ``svm_residency`` file (per VM, by ASID), on the emulated device after
 * the counters of the VM's file::
 *
 *	range [0x7f3a00000000, 0x7f3a00200000) sys=0 vram=512 absent=0
 *	    in=xe_svm_emu_tile0_VRAM gpu=mapped,write,vram pref=device atomic=0 pat=0
 *
 * (one line in the file). A runtime asks the same at run time with
 * xe_svm_residency(), which the emulated device offers as
 * XE_SVM_EMU_IOCTL_RESIDENCY (per range: pages in system memory, in each
 * tile's VRAM, absent; GPU mapped, writable, from VRAM), the draft of an
 * xe query.
 *
 * Where the time goes is counted from the kernel's clock: per SVM context
 * the nanoseconds its faults spent placing ranges (migrations included),
 * walking the CPU page tables, DMA-mapping and committing, in the same
 * counters; per VRAM region, for migrations into it (GPU faults,
 * prefetches) and out of it (CPU faults), the nanoseconds spent
 * allocating the destination, collecting the sources, copying and
 * finalizing, with the migrations and pages counted
 * (xe_svm_devmem_timing_print(): in xe's ``svm`` file per tile, in the
 * emulated device's ``tile<N>_timing``). The counter exclusive_maps says
 * how often a fault lost so many races that it shut CPU faults and other
 * migrations out (see "Fault flow"). Tracing::
 *
 *	echo 1 > /sys/kernel/tracing/events/xe_svm/enable
 *	cat /sys/kernel/tracing/trace_pipe
 */

/**
 * DOC: Emulated device
 *
 * The emulated SVM device (CONFIG_DRM_XE_SVM_EMU, module xe_svm_emu) is a
 * test-only backend in the style of lib/test_hmm.c. It exposes
 * /dev/xe_svm_emu with one or more virtual tiles, each with an amount of
 * emulated VRAM, both set with module parameters:
 *
 * - ``tiles``: number of virtual tiles (1 to 4, default 2);
 * - ``vram_mb``: emulated VRAM per tile in MiB (1 to 4096, default 256).
 *
 * The information ioctl (XE_SVM_EMU_IOCTL_INFO) reports them, with the
 * config-query flags an xe device would report. VMs are made, bound and
 * destroyed with the xe structures (struct drm_xe_vm_create, struct
 * drm_xe_vm_bind, struct drm_xe_vm_destroy), checked by the same
 * functions as the xe ioctls (see "SVM uAPI checks"): a VM created with
 * %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR mirrors its creator's whole
 * address space, and a fault-mode VM mirrors the windows bound with
 * %DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR. A VM's GPU page table is a
 * software one (an xarray from GPU page to pfn, GPU page size and write
 * permission) that the core fills through the backend's bind operation
 * and empties through its invalidate operation. The exec ioctl
 * (XE_SVM_EMU_IOCTL_EXEC) runs a list of GPU memory operations (read,
 * write, atomic add, fill and compare, the last two over any number of
 * pages) on GPU virtual addresses; a miss or a write through a read-only
 * entry is a GPU fault, which the device hands to xe_svm_fault() inside
 * the mirror window that contains the address, as the hardware fault
 * handler does, and the access retries. XE_SVM_EMU_IOCTL_SNAPSHOT reports
 * per page what the GPU page table maps (page size, permission) and
 * XE_SVM_EMU_IOCTL_STATS the counters of a VM's SVM context, which are
 * also in debugfs (xe_svm_emu/pid<creator>-file<n>-vm<id>: VM ids are per
 * open file, n numbers the files). A fatal signal ends an EXEC between
 * two pages; every operation lies inside the 48-bit GPU VA space; and the
 * ioctl checks that it can write its results back before it runs any
 * operation, so that a failed EXEC never ran one.
 *
 * Each tile's VRAM is a device-memory region of the core (see "Device
 * memory") of ``vram_mb`` MiB, managed by a TTM device of the emulated
 * device (a memory type per tile, TTM's range manager over it) as a
 * discrete GPU's driver manages VRAM, so that SVM allocations are TTM
 * objects that TTM evicts like any other; it is backed by ordinary
 * pages that the "GPU" reaches through a device page's VRAM offset;
 * backing pages are allocated on first use and kept until unload, so
 * freed VRAM keeps stale data as real VRAM does. Its copy
 * engine is an ordered workqueue per tile that copies or clears page by
 * page and signals a dma_fence. A VM migrates to tile 0 by default;
 * XE_SVM_EMU_IOCTL_VM_PLACEMENT picks another tile or system memory (in
 * which case the device does its atomics in system memory too, as a
 * device with PCIe atomics would). The snapshot marks pages in VRAM;
 * XE_SVM_EMU_IOCTL_TILE_STATS reports VRAM in use, pages migrated each
 * way, bytes copied, CPU faults and failures. debugfs knobs
 * (xe_svm_emu/fail_vram_alloc, fail_copy_to_vram, fail_copy_to_ram) make
 * the next N allocations (on each tile) or copies fail; xe_svm_emu/suspend
 * (1, then 0) emulates system suspend and resume: every object leaves
 * VRAM through TTM and VRAM takes no SVM allocation until resume; and
 * xe_svm_emu/vram_balloon_mb pins an object of that many MiB (up to all
 * of it) at the bottom of each tile's VRAM, to make VRAM small without
 * reloading the module. The tile statistics also report evictions (SVM allocations and
 * buffer objects) and the bytes TTM has handed out.
 *
 * The page table takes VRAM as a discrete GPU's does: each 2 MiB block
 * of GPU VA that holds PTEs has a 4 KiB last-level table, a pinned
 * object in tile 0's VRAM (the VM has one page table for all tiles;
 * upper levels are not charged), made by &xe_svm_ops.prepare or a buffer
 * object's fault before the first PTE of the block goes in, making room
 * as TTM does, and freed when the block has no PTE left and the ranges
 * or bindings that used it are released (&xe_svm_ops.unbind, the unbind
 * of a buffer object), or with the VM. VRAM that holds only pinned
 * memory has no room for a table: the GPU fault fails with -ENOSPC. The
 * tables stay through a suspend (xe saves and restores its page tables;
 * these hold no data). The tile statistics report their bytes, part of
 * what TTM has handed out. Unloading the module
 * migrates every page still in VRAM back to its processes.
 *
 * A second module, xe_svm_emu_drm, presents the same device as a DRM
 * device whose driver is "xe", with xe's uAPI, so that user space written
 * for xe (IGT's xe_exec_system_allocator) runs on it unmodified: see
 * "Emulated xe DRM device".
 *
 * What runs on the emulated device is the real SVM core: real mm, HMM,
 * migration and MMU notifiers, inside a QEMU guest. What only real
 * hardware covers
 * is the hardware backend's programming of page tables, the GuC fault
 * and TLB-invalidation messages and the blitter; those are built and
 * checked against KUnit static stubs only.
 */

#endif
