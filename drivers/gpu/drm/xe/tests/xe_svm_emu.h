/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_EMU_H_
#define _XE_SVM_EMU_H_

#include <linux/dma-fence.h>
#include <linux/kref.h>
#include <linux/maple_tree.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_device.h>

#include "xe_svm_devmem.h"
#include "xe_svm_emu_uapi.h"
#include "xe_svm_types.h"

struct dentry;
struct file;
struct ttm_buffer_object;
struct xe_svm_emu_bo_vram;
struct drm_xe_madvise;
struct drm_xe_vm_bind_op;
struct drm_xe_vm_create;
struct drm_xe_vm_query_mem_range_attr;

/*
 * The emulated device's core (xe_svm_emu.c: tiles, VRAM, copy engines,
 * VMs and their GPU) and its two faces: the private test interface,
 * /dev/xe_svm_emu, in the same module, and the xe DRM device
 * (xe_svm_emu_drm.c, module xe_svm_emu_drm), which reaches the core
 * through the functions below. See "DOC: Emulated device" in
 * xe_svm_doc.h.
 */

/**
 * struct xe_svm_emu_tile - one virtual tile of the emulated device
 */
struct xe_svm_emu_tile {
	/** @id: index of the tile in &xe_svm_emu_device.tiles */
	unsigned int id;
	/** @vram_size: bytes of emulated VRAM; constant after init */
	u64 vram_size;
	/**
	 * @mem_type: the TTM memory type of the tile's VRAM, managed by
	 * TTM's range manager; constant
	 */
	u32 mem_type;
	/** @devmem: the VRAM as device-private pages */
	struct xe_svm_devmem devmem;
	/**
	 * @name: name of the VRAM's physical window in /proc/iomem; the
	 * resource points at it, so it lives as long as @devmem
	 */
	char name[32];
	/**
	 * @backing: the page that holds the data of each VRAM page, by VRAM
	 * page number; allocated on first use and kept until unload (like
	 * real VRAM, it keeps stale data when freed); set with cmpxchg()
	 */
	struct page **backing;
	/** @copy_wq: the copy engine, one request at a time, in order */
	struct workqueue_struct *copy_wq;
	/** @fence_context: the copy engine's fence timeline */
	u64 fence_context;
	/** @fence_seqno: the last seqno handed out on @fence_context */
	atomic64_t fence_seqno;
	/** @fence_lock: the lock of the copy engine's fences */
	spinlock_t fence_lock;
	/** @bo_evictions: buffer objects TTM evicted from this VRAM */
	atomic64_t bo_evictions;
	/** @pt_bytes: bytes of this VRAM the VMs' page tables hold */
	atomic64_t pt_bytes;
	/**
	 * @balloon: test hook, a pinned object that takes the bottom of
	 * VRAM (&xe_svm_emu_device.balloon_mb), or NULL
	 */
	struct ttm_buffer_object *balloon;
};

/**
 * struct xe_svm_emu_device - the emulated SVM device
 *
 * There is one instance per loaded module. Every field is written once
 * at module init and only read afterwards, except the tiles' VRAM and
 * the fault-injection counters, which have their own locking.
 */
struct xe_svm_emu_device {
	/** @misc: the /dev/xe_svm_emu character device */
	struct miscdevice misc;
	/** @num_tiles: number of valid entries in @tiles */
	unsigned int num_tiles;
	/** @tiles: the virtual tiles */
	struct xe_svm_emu_tile tiles[XE_SVM_EMU_MAX_TILES];
	/**
	 * @ttm: the memory manager of every tile's VRAM, which SVM
	 * allocations and buffer objects share
	 */
	struct ttm_device ttm;
	/** @vma_manager: what TTM insists on; no object has an mmap offset */
	struct drm_vma_offset_manager vma_manager;
	/** @balloon_lock: serialises changes of the tiles' balloons */
	struct mutex balloon_lock;
	/**
	 * @balloon_mb: test hook, MiB at the bottom of each tile's VRAM a
	 * pinned object takes (&xe_svm_emu_tile.balloon); under @balloon_lock
	 */
	u64 balloon_mb;
	/** @fail_copy_to_vram: test hook, fail the next this many copies to VRAM */
	atomic_t fail_copy_to_vram;
	/** @fail_copy_to_ram: test hook, fail the next this many copies from VRAM */
	atomic_t fail_copy_to_ram;
	/**
	 * @wedged: test hook, non-zero: the device says it is dead
	 * (&xe_svm_devmem_ops.dead), though its copies still work
	 */
	atomic_t wedged;
	/**
	 * @vram_map_64k: test hook, non-zero: VMs created from now on map
	 * VRAM with 64 KiB pages only, as Xe_HPC's page tables do
	 * (&xe_svm.devmem_map_min); their binds refuse anything smaller
	 */
	atomic_t vram_map_64k;
	/**
	 * @suspended: test hook, non-zero while the device is suspended:
	 * VRAM was emptied through TTM and takes no SVM allocation
	 */
	atomic_t suspended;
	/** @files_opened: numbers the open files, for unique debugfs names */
	atomic_t files_opened;
	/**
	 * @drm_file_of: set by the xe DRM face while it is loaded: the
	 * device state of a file if it is one of the DRM device's, else NULL
	 * (a MADVISE names its preferred device by file descriptor)
	 */
	struct xe_svm_emu_file *(*drm_file_of)(struct file *file);
};

/* GPU VA space of an emulated VM: 48 bits, as on current xe hardware */
#define XE_SVM_EMU_VA_SIZE	BIT_ULL(48)
/* PAT indices the emulated device accepts (it ignores caching) */
#define XE_SVM_EMU_PAT_ENTRIES	32
/* ... of which these pretend not to be CPU-coherent, for the tests */
#define XE_SVM_EMU_PAT_NO_COHERENCY	(BIT(2) | BIT(3))
/* The most bind ops one XE_SVM_EMU_IOCTL_VM_BIND takes */
#define XE_SVM_EMU_MAX_BINDS	4096

#define XE_SVM_EMU_VM_CREATE_FLAGS	(DRM_XE_VM_CREATE_FLAG_LR_MODE | \
					 DRM_XE_VM_CREATE_FLAG_FAULT_MODE | \
					 DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR)

/**
 * struct xe_svm_emu_vm - an emulated VM
 *
 * Mirrors the address space of the process that created it (&xe_svm.mm)
 * in the windows bound with CPU address mirror binds. Freed when the
 * last reference goes: the file's (dropped by VM_DESTROY or close) and
 * one per ioctl running on it.
 */
struct xe_svm_emu_vm {
	/** @ref: references, see above */
	struct kref ref;
	/** @emu: the device the VM was created on; constant */
	struct xe_svm_emu_device *emu;
	/** @flags: DRM_XE_VM_CREATE_FLAG_* it was created with; constant */
	u32 flags;
	/**
	 * @pat_no_coherency: PAT indices (bit i for index i) the face that
	 * created the VM says are not CPU-coherent; constant
	 */
	u32 pat_no_coherency;
	/** @vm_lock: the VM lock of the emulated VM (see "DOC: Locking") */
	struct rw_semaphore vm_lock;
	/** @svm: the SVM context of the VM */
	struct xe_svm svm;
	/**
	 * @windows: the bound windows, GPU VA -> a CPU address mirror or a
	 * buffer object (see xe_svm_emu.c); changed with @vm_lock held for
	 * writing, read with it held (plus the maple tree's own lock)
	 */
	struct maple_tree windows;
	/**
	 * @pt: the emulated GPU page table: GPU page number -> value entry
	 * (pfn, PTE page shift, writable; see XE_SVM_EMU_PTE_*); changed
	 * under &xe_svm.notifier_lock (bind holds it for reading, invalidate
	 * for writing; the xarray's own lock orders concurrent binds), read
	 * under it; entries of buffer objects are added under @vm_lock
	 * (and the object's dma-resv if it has VRAM) and removed under the
	 * notifier lock plus @vm_lock or that dma-resv ("DOC: Locking")
	 */
	struct xarray pt;
	/**
	 * @pt_tables: the VRAM of the page table: 2 MiB block of GPU VA ->
	 * the pinned 4 KiB object that stands for its last-level table
	 * (see xe_svm_emu_pt_prepare()); changed with @vm_lock held for
	 * writing
	 */
	struct xarray pt_tables;
	/**
	 * @debugfs: its file of counters in debugfs,
	 * xe_svm_emu/pid<creator>-file<file number>-vm<id>: VM ids are per
	 * file, and a process may open the device more than once
	 */
	struct dentry *debugfs;
};

/**
 * struct xe_svm_emu_file - state of one open file of the device
 */
struct xe_svm_emu_file {
	/** @emu: the device this file was opened on */
	struct xe_svm_emu_device *emu;
	/** @vms: the VMs of the file by id, each holding a reference */
	struct xarray vms;
	/** @seq: the file's number, unique while the module is loaded */
	u32 seq;
};

struct xe_svm_emu_device *xe_svm_emu_device_get(void);
void xe_svm_emu_file_init(struct xe_svm_emu_file *ef, struct xe_svm_emu_device *emu);
void xe_svm_emu_file_fini(struct xe_svm_emu_file *ef);
int xe_svm_emu_vm_create(struct xe_svm_emu_file *ef, struct drm_xe_vm_create *args,
			 u32 pat_no_coherency);
int xe_svm_emu_vm_destroy(struct xe_svm_emu_file *ef, u32 id);
struct xe_svm_emu_vm *xe_svm_emu_vm_lookup(struct xe_svm_emu_file *ef, u32 id);
void xe_svm_emu_vm_put(struct xe_svm_emu_vm *vm);
/**
 * struct xe_svm_emu_bind_obj - the buffer object a VM_BIND op maps
 */
struct xe_svm_emu_bind_obj {
	/** @shmem: the shmem file that holds its data, referenced by the caller */
	struct file *shmem;
	/** @vram: its VRAM (xe_svm_emu_bo_vram_create()), or NULL */
	struct xe_svm_emu_bo_vram *vram;
};

struct xe_svm_emu_bo_vram *xe_svm_emu_bo_vram_create(struct xe_svm_emu_device *emu,
						     unsigned int tile, u64 size,
						     bool sys_ok, bool defer);
void xe_svm_emu_bo_vram_put(struct xe_svm_emu_bo_vram *bv);
int xe_svm_emu_vm_bind(struct xe_svm_emu_vm *vm, const struct drm_xe_vm_bind_op *ops,
		       u32 num_ops, const struct xe_svm_emu_bind_obj *objs);
int xe_svm_emu_madvise(struct xe_svm_emu_file *ef, const struct drm_xe_madvise *args);
int xe_svm_emu_query_attrs(struct xe_svm_emu_file *ef,
			   struct drm_xe_vm_query_mem_range_attr *args);
int xe_svm_emu_atomic_access(struct xe_svm_emu_vm *vm, u64 addr);
int xe_svm_emu_gpu_access(struct xe_svm_emu_vm *vm, u64 addr, unsigned int access,
			  void (*fn)(void *p, void *arg), void *arg, u64 *faults);

#endif
