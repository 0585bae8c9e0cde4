/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_EMU_UAPI_H_
#define _XE_SVM_EMU_UAPI_H_

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#include <drm/xe_drm.h>

/**
 * DOC: Emulated SVM device interface
 *
 * The emulated SVM device is a test interface, not part of the xe uAPI:
 * it exists so that the SVM core can be driven from user space on
 * machines with no Intel GPU. It is a misc character device,
 * /dev/xe_svm_emu. Every ioctl argument carries the same conventions as
 * xe's: fields marked "in, MBZ" must be zero or the ioctl fails with
 * -EINVAL, and fields marked "out" are written by the kernel.
 *
 * Errors common to every ioctl:
 *
 * - -EFAULT: the argument could not be copied from or to user space;
 * - -ENOTTY: unknown ioctl number;
 * - -EINVAL: a reserved field, a pad field or an unknown flag is not zero.
 */

/* Version of this interface, reported by XE_SVM_EMU_IOCTL_INFO */
#define XE_SVM_EMU_ABI_VERSION		8

/* The most virtual tiles one device can have */
#define XE_SVM_EMU_MAX_TILES		4

/**
 * struct xe_svm_emu_tile_info - description of one virtual tile
 *
 * Written by XE_SVM_EMU_IOCTL_INFO.
 */
struct xe_svm_emu_tile_info {
	/** @vram_size: out, bytes of emulated VRAM on this tile */
	__u64 vram_size;

	/** @reserved: out, zero */
	__u64 reserved[3];
};

/**
 * struct xe_svm_emu_info - argument of XE_SVM_EMU_IOCTL_INFO
 *
 * Reports the interface version, the xe config-query flags the device
 * would report (so that %DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR can
 * be tested) and the virtual tiles of the device.
 *
 * Example::
 *
 *	struct xe_svm_emu_info info = {};
 *	int fd = open("/dev/xe_svm_emu", O_RDWR);
 *
 *	if (fd >= 0 && !ioctl(fd, XE_SVM_EMU_IOCTL_INFO, &info))
 *		printf("%u tiles, %llu bytes of VRAM on tile 0\n",
 *		       info.num_tiles, info.tiles[0].vram_size);
 */
struct xe_svm_emu_info {
	/** @abi_version: out, XE_SVM_EMU_ABI_VERSION */
	__u32 abi_version;

	/** @num_tiles: out, number of valid entries in @tiles */
	__u32 num_tiles;

	/** @flags: in, MBZ (no flags are defined yet) */
	__u32 flags;

	/** @pad: in, MBZ */
	__u32 pad;

	/**
	 * @config_flags: out, the DRM_XE_QUERY_CONFIG_FLAG_* bits the xe
	 * config query reports for this device
	 */
	__u64 config_flags;

	/** @tiles: out, the first @num_tiles entries describe the tiles */
	struct xe_svm_emu_tile_info tiles[XE_SVM_EMU_MAX_TILES];

	/** @reserved: in, MBZ */
	__u64 reserved[4];
};

/*
 * VMs. XE_SVM_EMU_IOCTL_VM_CREATE, XE_SVM_EMU_IOCTL_VM_DESTROY and
 * XE_SVM_EMU_IOCTL_VM_BIND take the xe structures (struct drm_xe_vm_create,
 * struct drm_xe_vm_destroy and struct drm_xe_vm_bind from drm/xe_drm.h)
 * and validate them with the same SVM code as the xe ioctls, so that
 * bad-input tests exercise that code. The emulated device has no buffer
 * objects, exec queues or syncs; what it supports:
 *
 * - VM_CREATE: flags %DRM_XE_VM_CREATE_FLAG_LR_MODE,
 *   %DRM_XE_VM_CREATE_FLAG_FAULT_MODE and
 *   %DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR (the VM mirrors the whole CPU
 *   address space of the calling process from creation). A VM mirrors the
 *   address space of the process that created it; only that process may
 *   run operations on it. -EINVAL for bad flags or MBZ fields.
 * - VM_DESTROY: -ENOENT for an unknown @vm_id, -EINVAL for MBZ fields.
 * - VM_BIND: @num_binds 1 (the op in @bind) or more (@vector_of_binds),
 *   @num_syncs 0, @exec_queue_id 0; each op is a
 *   %DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR map (adds a mirrored window), an
 *   unmap (removes mirrored windows; -EBUSY while ranges are live in
 *   them) or a %DRM_XE_VM_BIND_OP_PREFETCH (moves and maps the mirrored
 *   memory of the range: region instance 0 for system memory, 1 + tile
 *   for that tile's VRAM, %DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC for each
 *   range's preferred location; see "DOC: Prefetch"). The ops are all
 *   checked before any runs; a failed op leaves the ones before it done.
 *   -ENOENT for an unknown @vm_id.
 */

/* Operations of struct xe_svm_emu_op */
#define XE_SVM_EMU_OP_READ	0	/* @out = the 64-bit word at @addr */
#define XE_SVM_EMU_OP_WRITE	1	/* the 64-bit word at @addr = @value */
#define XE_SVM_EMU_OP_ATOMIC_ADD 2	/* @out = word at @addr; word += @value */
#define XE_SVM_EMU_OP_FILL	3	/* word i of [@addr, +@size) = @value + i * @step */
#define XE_SVM_EMU_OP_COMPARE	4	/* @out = offset of first word != @value + i * @step */
#define XE_SVM_EMU_OP_MAX	XE_SVM_EMU_OP_COMPARE

/* @out of XE_SVM_EMU_OP_COMPARE when every word matched */
#define XE_SVM_EMU_COMPARE_EQUAL	(~0ull)

/**
 * struct xe_svm_emu_op - one GPU memory operation
 *
 * @addr is a GPU virtual address of the VM; inside a mirrored window GPU
 * address X is CPU address X of the process that created the VM. A miss
 * or a permission mismatch in the emulated GPU page table raises a GPU
 * fault, served by the SVM core; then the operation retries. An
 * operation that spans pages faults page by page.
 */
struct xe_svm_emu_op {
	/** @addr: in, GPU virtual address, 8-byte aligned */
	__u64 addr;
	/**
	 * @size: in, bytes for XE_SVM_EMU_OP_FILL and XE_SVM_EMU_OP_COMPARE
	 * (a non-zero multiple of 8, at most XE_SVM_EMU_MAX_OP_SIZE); MBZ
	 * for the other operations
	 */
	__u64 size;
	/** @value: in, the value written, added, or of the first word */
	__u64 value;
	/** @step: in, increment per word of FILL and COMPARE; MBZ otherwise */
	__u64 step;
	/**
	 * @out: out, the word read (READ), the word before the add
	 * (ATOMIC_ADD), the byte offset of the first mismatch or
	 * XE_SVM_EMU_COMPARE_EQUAL (COMPARE); zero otherwise
	 */
	__u64 out;
	/** @op: in, XE_SVM_EMU_OP_* */
	__u32 op;
	/**
	 * @result: out, 0 or the error of the GPU fault that stopped it:
	 * -EFAULT (not mirrored, no CPU mapping, PROT_NONE, or the VM is not
	 * in fault mode), -EPERM (a write, or an atomic, to a mapping the CPU
	 * may not write: after one fault, with nothing written), -EACCES
	 * (an atomic where the memory-range attribute's atomic mode is
	 * %DRM_XE_ATOMIC_CPU: nothing written), -EBUSY (invalidations kept
	 * winning), -ENOMEM. A write the CPU could do
	 * (copy-on-write after fork(), a page write-protected by mprotect()
	 * and made writable again) succeeds, as the CPU write would. A FILL
	 * that failed part way wrote the words before the failing page.
	 */
	__s32 result;
};

/* The most operations one XE_SVM_EMU_IOCTL_EXEC runs (1 Mi) */
#define XE_SVM_EMU_MAX_OPS	0x100000u
/* The most bytes one FILL or COMPARE covers (4 GiB) */
#define XE_SVM_EMU_MAX_OP_SIZE	_BITULL(32)

/**
 * struct xe_svm_emu_exec - argument of XE_SVM_EMU_IOCTL_EXEC
 *
 * Runs @num_ops operations in order on VM @vm_id, as the GPU would. A
 * failed operation sets its @result and the next one runs. The ioctl
 * fails only for bad arguments, in which case no operation ran: -EINVAL
 * (MBZ fields, @num_ops 0 or above XE_SVM_EMU_MAX_OPS, an unknown @op, an
 * unaligned @addr, a bad @size or @step, an operation whose words wrap
 * or end above the 48-bit GPU VA space, or a caller other than the
 * process that created the VM), -ENOENT (unknown @vm_id), -EFAULT
 * (unreadable or unwritable @ops or argument: both are checked before
 * any operation runs). A fatal signal stops the operations between two
 * pages: the ioctl returns -EINTR and the results are not written.
 */
struct xe_svm_emu_exec {
	/** @ops: in, user pointer to an array of struct xe_svm_emu_op */
	__u64 ops;
	/** @num_ops: in, number of entries of @ops */
	__u32 num_ops;
	/** @vm_id: in, the VM */
	__u32 vm_id;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @pad: in, MBZ */
	__u32 pad;
	/** @faults: out, GPU faults taken while running the operations */
	__u64 faults;
	/** @reserved: in, MBZ */
	__u64 reserved[2];
};

/* Bits of each entry of struct xe_svm_emu_snapshot's @entries */
#define XE_SVM_EMU_SNAP_MAPPED		0x1u	/* the GPU maps the page */
#define XE_SVM_EMU_SNAP_WRITE		0x2u	/* ... writable */
#define XE_SVM_EMU_SNAP_VRAM		0x4u	/* ... in a tile's VRAM (else system memory) */
#define XE_SVM_EMU_SNAP_SHIFT(e)	(((e) >> 8) & 0xff)	/* log2 of the GPU page size */

/* The most pages one XE_SVM_EMU_IOCTL_SNAPSHOT describes */
#define XE_SVM_EMU_MAX_SNAPSHOT		0x10000u

/**
 * struct xe_svm_emu_snapshot - argument of XE_SVM_EMU_IOCTL_SNAPSHOT
 *
 * Describes, without faulting anything in, how the emulated GPU page
 * table of VM @vm_id maps @npages pages from @addr: one __u32 per page in
 * @entries, XE_SVM_EMU_SNAP_* bits, zero for an unmapped page. The GPU
 * page size is the size of the GPU PTE that maps the page: 4 KiB, 64 KiB
 * or 2 MiB. A mapped page is in system memory unless XE_SVM_EMU_SNAP_VRAM
 * says it is in a tile's emulated VRAM (a device-private page).
 * Errors: -EINVAL for MBZ fields, an unaligned @addr, @npages 0
 * or above XE_SVM_EMU_MAX_SNAPSHOT; -ENOENT for an unknown @vm_id;
 * -EFAULT for an unwritable @entries.
 */
struct xe_svm_emu_snapshot {
	/** @addr: in, GPU virtual address of the first page, page aligned */
	__u64 addr;
	/** @entries: in, user pointer to @npages __u32 entries (out) */
	__u64 entries;
	/** @npages: in, number of pages */
	__u32 npages;
	/** @vm_id: in, the VM */
	__u32 vm_id;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @pad: in, MBZ */
	__u32 pad;
	/** @reserved: in, MBZ */
	__u64 reserved[2];
};

/**
 * struct xe_svm_emu_stats - argument of XE_SVM_EMU_IOCTL_STATS
 *
 * The SVM counters of VM @vm_id, counted since it was created (except
 * @ranges_live, the ranges that exist now). Errors: -EINVAL for MBZ
 * fields, -ENOENT for an unknown @vm_id.
 */
struct xe_svm_emu_stats {
	/** @vm_id: in, the VM */
	__u32 vm_id;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @faults: out, GPU faults served (successfully or not) */
	__u64 faults;
	/** @fault_retries: out, hmm_range_fault() passes redone after a race */
	__u64 fault_retries;
	/** @invalidations: out, notifier callbacks that zapped a range */
	__u64 invalidations;
	/** @ranges_created: out, ranges created */
	__u64 ranges_created;
	/** @ranges_destroyed: out, ranges freed */
	__u64 ranges_destroyed;
	/** @ranges_live: out, ranges that exist now */
	__u64 ranges_live;
	/** @gc_runs: out, garbage-collector passes that freed a range */
	__u64 gc_runs;
	/** @dma_mapped_pages: out, pages DMA-mapped for the GPU now */
	__u64 dma_mapped_pages;
	/**
	 * @vram_migrations: out, GPU faults that moved pages of their range
	 * to VRAM
	 */
	__u64 vram_migrations;
	/**
	 * @vram_fallbacks: out, GPU faults whose range the placement policy
	 * wanted in VRAM but that were served from system memory (no VRAM
	 * could be allocated, or the copy failed)
	 */
	__u64 vram_fallbacks;
	/**
	 * @wp_breaks: out, GPU writes to device pages the CPU had
	 * write-protected (copy-on-write after fork(), mprotect()), which
	 * moved back to system memory to be write-faulted as a CPU write
	 * would
	 */
	__u64 wp_breaks;
	/**
	 * @thrash_holds: out, times a range migrated to VRAM so often that
	 * thrashing control kept it in system memory for a while (ABI 4)
	 */
	__u64 thrash_holds;
	/**
	 * @exclusive_maps: out, faults and prefetches that lost so many races
	 * to other migrations (the CPU's, other VMs') that they mapped their
	 * range with the process's mmap lock held for writing, shutting those
	 * out (ABI 7)
	 */
	__u64 exclusive_maps;
	/** @reserved: in, MBZ */
	__u64 reserved[1];
};

/* Placements of struct xe_svm_emu_vm_placement */
#define XE_SVM_EMU_PLACE_VRAM		0	/* the default: VRAM of @tile when policy allows */
#define XE_SVM_EMU_PLACE_SYSTEM		1	/* never migrate: system memory only */

/* Flags of struct xe_svm_emu_vm_placement (ABI 4) */
#define XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL	0x1u

/**
 * struct xe_svm_emu_vm_placement - argument of XE_SVM_EMU_IOCTL_VM_PLACEMENT
 *
 * Sets where the GPU faults of VM @vm_id place memory from now on. With
 * XE_SVM_EMU_PLACE_VRAM (the default of a new VM, on tile 0) a GPU fault
 * migrates the pages of its range to the VRAM of @tile when the placement
 * policy allows it (see "DOC: Migration" in xe_svm_doc.h: anonymous
 * private memory, ranges of at least 64 KiB, or a device atomic); with
 * XE_SVM_EMU_PLACE_SYSTEM nothing migrates (pages already in VRAM stay
 * there until the CPU touches them). Thrashing control (a range that
 * bounced between VRAM and system memory too often stays in system memory
 * for a while, see "DOC: Migration") is on unless @flags has
 * XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL, for tests that measure the
 * migration machinery itself. Errors: -EINVAL for unknown @flags, MBZ
 * fields, an unknown @placement or a @tile the device does not have;
 * -ENOENT for an unknown @vm_id.
 */
struct xe_svm_emu_vm_placement {
	/** @vm_id: in, the VM */
	__u32 vm_id;
	/** @placement: in, XE_SVM_EMU_PLACE_* */
	__u32 placement;
	/** @tile: in, the tile whose VRAM XE_SVM_EMU_PLACE_VRAM uses */
	__u32 tile;
	/** @flags: in, XE_SVM_EMU_PLACE_FLAG_* */
	__u32 flags;
	/** @reserved: in, MBZ */
	__u64 reserved[2];
};

/**
 * struct xe_svm_emu_tile_stats - argument of XE_SVM_EMU_IOCTL_TILE_STATS
 *
 * The device-memory counters of tile @tile, counted since the module was
 * loaded (except @vram_pages_in_use, the pages in use now). Pages count
 * 4 KiB each. Errors: -EINVAL for MBZ fields or a @tile the device does
 * not have.
 *
 * Fault injection (debugfs, for tests): writing N to
 * xe_svm_emu/fail_vram_alloc, xe_svm_emu/fail_copy_to_vram or
 * xe_svm_emu/fail_copy_to_ram makes the next N VRAM allocations (on
 * each tile), copies to VRAM or copies to system memory (of any tile)
 * fail; reading a knob gives what is left of it (of fail_vram_alloc, the
 * sum over the tiles). A failed
 * allocation or copy to VRAM leaves the data in system memory and the GPU
 * access is served from there; a failed copy to system memory on a CPU
 * fault leaves the data in VRAM and the faulting thread gets SIGBUS.
 * Writing a non-zero value to xe_svm_emu/wedged makes the device say it
 * is dead, as a wedged or unplugged GPU does (its copies still work): the
 * module's unload then asks it for no copy and replaces every page still
 * in VRAM by a zeroed one.
 */
struct xe_svm_emu_tile_stats {
	/** @tile: in, the tile */
	__u32 tile;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @vram_pages: out, pages of VRAM the tile has */
	__u64 vram_pages;
	/** @vram_pages_in_use: out, device pages holding data now */
	__u64 vram_pages_in_use;
	/** @migrated_to_vram: out, pages moved from system memory to VRAM */
	__u64 migrated_to_vram;
	/** @migrated_to_ram: out, pages moved from VRAM to system memory */
	__u64 migrated_to_ram;
	/** @bytes_copied: out, bytes the copy engine copied, both ways */
	__u64 bytes_copied;
	/** @cpu_faults: out, CPU faults on VRAM pages (migrate_to_ram calls) */
	__u64 cpu_faults;
	/** @alloc_failures: out, VRAM allocations that failed */
	__u64 alloc_failures;
	/** @copy_failures: out, copies that failed */
	__u64 copy_failures;
	/**
	 * @cpu_fault_races: out, CPU faults that found their pages being
	 * migrated by someone else at the same time (and were retried)
	 */
	__u64 cpu_fault_races;
	/**
	 * @evictions: out, SVM allocations TTM evicted from the tile's VRAM
	 * (to make room, or to suspend)
	 */
	__u64 evictions;
	/**
	 * @evict_failures: out, evictions of SVM allocations that gave up,
	 * leaving the data in VRAM
	 */
	__u64 evict_failures;
	/**
	 * @vram_bytes_used: out, bytes of the tile's VRAM TTM has handed out:
	 * SVM allocations and buffer objects; what was freed before the call
	 * (TTM's deferred releases too) is no longer counted
	 */
	__u64 vram_bytes_used;
	/**
	 * @bo_evictions: out, buffer objects of the xe DRM face TTM evicted
	 * from the tile's VRAM
	 */
	__u64 bo_evictions;
	/**
	 * @vram_pt_bytes: out, bytes of the tile's VRAM the VMs' GPU page
	 * tables hold, part of @vram_bytes_used (tile 0 only; ABI 8)
	 */
	__u64 vram_pt_bytes;
	/** @reserved: in, MBZ */
	__u64 reserved[1];
};

/**
 * DOC: Emulated memory-range attributes
 *
 * XE_SVM_EMU_IOCTL_MADVISE and XE_SVM_EMU_IOCTL_VM_QUERY_MEM_RANGE_ATTRS
 * take xe's &struct drm_xe_madvise and &struct
 * drm_xe_vm_query_mem_range_attr and run the same checks and the same SVM
 * core code as DRM_IOCTL_XE_MADVISE and
 * DRM_IOCTL_XE_VM_QUERY_MEM_RANGE_ATTRS, with these differences:
 *
 * - a VM id that does not exist is -ENOENT (as in every ioctl of the
 *   device), not -EINVAL;
 * - the VRAM region instances are those of xe: 1 + the tile number; a
 *   preferred location names one with a file of this device as
 *   devmem_fd; a file of anything else is -EINVAL;
 * - the device has 32 PAT indices, of which 2 and 3 pretend not to be
 *   coherent with the CPU's caches (so that the rejection can be tested):
 *   neither mirror binds nor MADVISE accept them; the device stores the
 *   PAT index and reports it, and ignores it otherwise;
 * - a GPU atomic under %DRM_XE_ATOMIC_CPU ends its operation with
 *   -EACCES; %DRM_XE_ATOMIC_DEVICE and %DRM_XE_ATOMIC_GLOBAL move the
 *   memory to VRAM for atomics; %DRM_XE_ATOMIC_UNDEFINED does so only
 *   where the range prefers VRAM; atomics on memory that stays in system
 *   memory run there, atomic against the CPU as well.
 *
 * The query returns one entry per stretch of a mirrored window with one
 * value: a window cut at the bounds of every MADVISE inside it.
 */

/* Bits of &xe_svm_emu_range_residency.flags */
#define XE_SVM_EMU_RES_GPU_MAPPED	0x1u	/* the GPU maps the range */
#define XE_SVM_EMU_RES_GPU_WRITE	0x2u	/* ... for writing too */
#define XE_SVM_EMU_RES_GPU_VRAM		0x4u	/* ... and all of it from VRAM */
#define XE_SVM_EMU_RES_VRAM_MIXED	0x8u	/* VRAM pages of two tiles or more */
#define XE_SVM_EMU_RES_INCOMPLETE	0x10u	/* not read (process exiting...): no counts */

/**
 * struct xe_svm_emu_range_residency - where one range's memory is now
 *
 * An entry of the vector XE_SVM_EMU_IOCTL_RESIDENCY fills. A range is
 * the unit the GPU faults, maps and migrates (4 KiB, 64 KiB or 2 MiB).
 * Unless %XE_SVM_EMU_RES_INCOMPLETE is set, @sys_pages, @absent_pages
 * and @vram_pages add up to the range's pages (4 KiB each).
 */
struct xe_svm_emu_range_residency {
	/** @start: out, the range's first address */
	__u64 start;
	/** @end: out, the address after its last */
	__u64 end;
	/** @flags: out, XE_SVM_EMU_RES_* */
	__u32 flags;
	/** @pad: out, zero */
	__u32 pad;
	/** @sys_pages: out, pages in system memory */
	__u64 sys_pages;
	/**
	 * @absent_pages: out, pages with nothing behind them in the CPU
	 * page tables (never touched, discarded, swapped out) or that the
	 * CPU cannot read
	 */
	__u64 absent_pages;
	/**
	 * @vram_pages: out, pages in the VRAM of each tile: index i is
	 * region instance i + 1, tile i
	 */
	__u64 vram_pages[XE_SVM_EMU_MAX_TILES];
	/** @reserved: out, zero */
	__u64 reserved[2];
};

/**
 * struct xe_svm_emu_residency - argument of XE_SVM_EMU_IOCTL_RESIDENCY
 *
 * Where the memory of every range of VM @vm_id that intersects [@start,
 * @start + @range) is now, read from the CPU page tables without faulting
 * anything in, and how the GPU maps it: one &struct
 * xe_svm_emu_range_residency per range, in address order, each with the
 * range's whole bounds. Upstream xe has only counters; this is the draft
 * of an xe query (there it would need an ioctl number of its own).
 *
 * The two-call protocol of DRM_IOCTL_XE_VM_QUERY_MEM_RANGE_ATTRS: with
 * @num_ranges, @sizeof_entry and @vector 0 it counts the ranges into
 * @num_ranges and sets @sizeof_entry; then, with @vector pointing at
 * @num_ranges entries of @sizeof_entry bytes, it fills them and sets
 * @num_ranges to the number filled. A range the GPU faulted in between
 * makes the second call -ENOSPC (nothing written; count again). Unmapped
 * memory is collected first: a range whose memory the CPU unmapped before
 * the call is not listed.
 *
 * Errors: -EINVAL for MBZ fields, an unaligned or empty interval, one
 * outside the VM's address space, a @sizeof_entry other than the entry's
 * size, or only some of @num_ranges, @sizeof_entry and @vector set;
 * -ENOENT for an unknown @vm_id; -ENOSPC as above; -ENOMEM; -EFAULT for
 * an unwritable @vector.
 */
struct xe_svm_emu_residency {
	/** @start: in, the interval's first address, page aligned */
	__u64 start;
	/** @range: in, its length, page aligned, not 0 */
	__u64 range;
	/** @vector: in, user pointer to @num_ranges entries (out), or 0 */
	__u64 vector;
	/** @vm_id: in, the VM */
	__u32 vm_id;
	/** @num_ranges: in/out, entries in @vector; out, ranges there are */
	__u32 num_ranges;
	/** @sizeof_entry: in/out, sizeof(struct xe_svm_emu_range_residency) */
	__u32 sizeof_entry;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @reserved: in, MBZ */
	__u64 reserved[2];
};

/*
 * ioctl type 'x' is not assigned in ioctl-number.rst; a test device does
 * not claim it there.
 */
#define XE_SVM_EMU_IOCTL_INFO	_IOWR('x', 0x00, struct xe_svm_emu_info)
#define XE_SVM_EMU_IOCTL_EXEC	_IOWR('x', 0x01, struct xe_svm_emu_exec)
#define XE_SVM_EMU_IOCTL_SNAPSHOT	_IOWR('x', 0x02, struct xe_svm_emu_snapshot)
#define XE_SVM_EMU_IOCTL_VM_CREATE	_IOWR('x', 0x03, struct drm_xe_vm_create)
#define XE_SVM_EMU_IOCTL_VM_DESTROY	_IOW('x', 0x04, struct drm_xe_vm_destroy)
#define XE_SVM_EMU_IOCTL_VM_BIND	_IOW('x', 0x05, struct drm_xe_vm_bind)
#define XE_SVM_EMU_IOCTL_STATS		_IOWR('x', 0x06, struct xe_svm_emu_stats)
#define XE_SVM_EMU_IOCTL_VM_PLACEMENT	_IOW('x', 0x07, struct xe_svm_emu_vm_placement)
#define XE_SVM_EMU_IOCTL_TILE_STATS	_IOWR('x', 0x08, struct xe_svm_emu_tile_stats)
#define XE_SVM_EMU_IOCTL_MADVISE	_IOW('x', 0x09, struct drm_xe_madvise)
#define XE_SVM_EMU_IOCTL_VM_QUERY_MEM_RANGE_ATTRS \
	_IOWR('x', 0x0a, struct drm_xe_vm_query_mem_range_attr)
#define XE_SVM_EMU_IOCTL_RESIDENCY	_IOWR('x', 0x0b, struct xe_svm_emu_residency)

#endif
