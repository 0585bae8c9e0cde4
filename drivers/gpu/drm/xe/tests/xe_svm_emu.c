// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/kref.h>
#include <linux/maple_tree.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/seq_file.h>
#include <linux/shmem_fs.h>
#include <linux/xarray.h>

#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_range_manager.h>
#include <drm/ttm/ttm_tt.h>

#include "xe_svm.h"
#include "xe_svm_attr.h"
#include "xe_svm_devmem.h"
#include "xe_svm_emu.h"
#include "xe_svm_emu_uapi.h"
#include "xe_svm_types.h"
#include "xe_svm_uapi.h"

/*
 * The emulated SVM device: a test-only backend for the SVM core, see
 * "DOC: Emulated device" in xe_svm_doc.h. Each open file has VMs that
 * mirror their creator's address space in the windows bound as CPU
 * address mirrors; a VM's GPU page table is an xarray from GPU page number
 * to (pfn, page size, writable), filled by the core's bind operation and
 * emptied by its invalidate operation. The "GPU" accesses
 * memory through that table only, under the notifier lock, so it can
 * never touch a page after the CPU took it away.
 *
 * Each tile has emulated VRAM: a device-private region of the SVM core
 * (xe_svm_devmem.c) of vram_mb MiB, managed by TTM as a discrete GPU's
 * VRAM is (a TTM memory type per tile, TTM's range manager over it), so
 * that each SVM allocation is a TTM buffer object that TTM evicts under
 * pressure; backed by ordinary pages the "GPU" reaches through the device
 * page's VRAM offset; and a copy engine that moves pages between system
 * memory and that backing from a worker, signalling a fence when done.
 */

/*
 * A GPU access gives up with -EBUSY only after this many faults and this
 * long: other VMs (another tile's GPU migrating the same memory) and the
 * CPU may keep taking the page away between a fault and the access, for
 * as long as they run, as they would on hardware, whose GPU replays a
 * faulting access until it succeeds or its job times out. Past the count
 * each retry first lets the others run.
 */
#define XE_SVM_EMU_FAULT_TRIES		16
#define XE_SVM_EMU_FAULT_TIMEOUT_MS	10000

static unsigned int tiles = 2;
module_param(tiles, uint, 0444);
MODULE_PARM_DESC(tiles,
		 "Number of virtual tiles (1-" __stringify(XE_SVM_EMU_MAX_TILES) ", default 2)");

static unsigned int vram_mb = 256;
module_param(vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb, "Emulated VRAM per tile in MiB (1-4096, default 256)");

#define XE_SVM_EMU_MAX_VRAM_MB	4096

/*
 * An emulated GPU PTE, stored per 4 KiB page: the pfn, the log2 of the
 * size of the GPU page that maps it (as a hardware PTE would be 4 KiB,
 * 64 KiB or 2 MiB), and the write permission.
 */
#define XE_SVM_EMU_PTE_WRITE		BIT(0)
#define XE_SVM_EMU_PTE_SHIFT_MASK	GENMASK(7, 1)
#define XE_SVM_EMU_PTE_PFN_SHIFT	8

static unsigned long xe_svm_emu_pte_pfn(unsigned long pte)
{
	return pte >> XE_SVM_EMU_PTE_PFN_SHIFT;
}

static struct xe_svm_emu_device *xe_svm_emu;

/**
 * xe_svm_emu_device_get() - the emulated device
 *
 * For the xe DRM face, which depends on this module: the device exists
 * while the module is loaded.
 *
 * Context: any context.
 * Return: the device.
 */
struct xe_svm_emu_device *xe_svm_emu_device_get(void)
{
	return xe_svm_emu;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_device_get, DRM_XE_SVM_EMU);

static struct xe_svm_emu_tile *to_emu_tile(struct xe_svm_devmem *dm)
{
	return container_of(dm, struct xe_svm_emu_tile, devmem);
}

/* The page that holds the data of a device page, or NULL if none yet. */
static struct page *xe_svm_emu_backing(struct page *dev)
{
	struct xe_svm_emu_tile *tile = to_emu_tile(xe_svm_page_to_devmem(dev));

	return READ_ONCE(tile->backing[xe_svm_devmem_page_offset(dev) >> PAGE_SHIFT]);
}

/* The backing page of page @idx of @tile's VRAM, allocated on first use. */
static struct page *xe_svm_emu_backing_get(struct xe_svm_emu_tile *tile, unsigned long idx)
{
	struct page **slot = &tile->backing[idx];
	struct page *page = READ_ONCE(*slot), *old;

	if (page)
		return page;
	/* Not zeroed: like VRAM, it holds whatever was there. */
	page = alloc_page(GFP_HIGHUSER);
	if (!page)
		return NULL;
	old = cmpxchg(slot, NULL, page);
	if (old) {
		__free_page(page);
		return old;
	}

	return page;
}

/**
 * struct xe_svm_emu_copy - one request to the copy engine of a tile
 *
 * The page arrays belong to the submitter, which waits for @fence before
 * it touches them again.
 */
struct xe_svm_emu_copy {
	/** @fence: signals completion; first, so dma_fence_free() frees the request */
	struct dma_fence fence;
	/** @work: the engine's work item */
	struct work_struct work;
	/** @tile: the tile whose engine runs it */
	struct xe_svm_emu_tile *tile;
	/** @sys: system pages (NULL with @to_vram: clear) */
	struct page **sys;
	/** @dev: device pages of @tile */
	struct page **dev;
	/** @npages: entries of @sys and @dev */
	unsigned long npages;
	/** @to_vram: direction */
	bool to_vram;
	/** @fail: injected failure: copy half, then fail with -EIO */
	bool fail;
};

static const char *xe_svm_emu_fence_driver_name(struct dma_fence *fence)
{
	return "xe_svm_emu";
}

static const char *xe_svm_emu_fence_timeline_name(struct dma_fence *fence)
{
	return "copy";
}

static const struct dma_fence_ops xe_svm_emu_fence_ops = {
	.get_driver_name = xe_svm_emu_fence_driver_name,
	.get_timeline_name = xe_svm_emu_fence_timeline_name,
};

static void xe_svm_emu_copy_work(struct work_struct *work)
{
	struct xe_svm_emu_copy *req = container_of(work, struct xe_svm_emu_copy, work);
	unsigned long i, n = req->fail ? req->npages / 2 : req->npages;

	for (i = 0; i < n; i++) {
		struct page *vram = xe_svm_emu_backing(req->dev[i]);

		if (!req->to_vram)
			copy_highpage(req->sys[i], vram);
		else if (req->sys[i])
			copy_highpage(vram, req->sys[i]);
		else
			clear_highpage(vram);
		cond_resched();
	}
	if (req->fail)
		dma_fence_set_error(&req->fence, -EIO);
	dma_fence_signal(&req->fence);
	dma_fence_put(&req->fence);
}

/* The copy engine: see &xe_svm_devmem_ops.copy. */
static struct dma_fence *xe_svm_emu_copy(struct xe_svm_devmem *dm, struct page **sys,
					 struct page **dev, unsigned long npages,
					 bool to_vram)
{
	struct xe_svm_emu_tile *tile = to_emu_tile(dm);
	struct xe_svm_emu_copy *req;
	unsigned long i;

	might_sleep();

	/* Backing the allocation could not get is allocated here. */
	for (i = 0; i < npages; i++)
		if (!xe_svm_emu_backing_get(tile, xe_svm_devmem_page_offset(dev[i]) >> PAGE_SHIFT))
			return ERR_PTR(-ENOMEM);

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return ERR_PTR(-ENOMEM);

	req->tile = tile;
	req->sys = sys;
	req->dev = dev;
	req->npages = npages;
	req->to_vram = to_vram;
	req->fail = atomic_add_unless(to_vram ? &xe_svm_emu->fail_copy_to_vram :
				      &xe_svm_emu->fail_copy_to_ram, -1, 0);
	INIT_WORK(&req->work, xe_svm_emu_copy_work);
	dma_fence_init(&req->fence, &xe_svm_emu_fence_ops, &tile->fence_lock,
		       tile->fence_context, atomic64_inc_return(&tile->fence_seqno));
	/* One reference for the caller, one for the engine. */
	dma_fence_get(&req->fence);
	queue_work(tile->copy_wq, &req->work);

	return &req->fence;
}

/* The test hook "wedged": a device that says no copy can work. */
static bool xe_svm_emu_dead(struct xe_svm_devmem *dm)
{
	return atomic_read(&xe_svm_emu->wedged);
}

/**
 * struct xe_svm_emu_vram - SVM VRAM of the emulated device
 *
 * A TTM buffer object in its tile's VRAM, made for one SVM allocation:
 * TTM accounts it and may evict it like any buffer object; evicting it
 * moves its pages back to system memory. It is freed when the last of
 * its device pages is.
 */
struct xe_svm_emu_vram {
	/** @tbo: the buffer object; its GEM part holds only size and lock */
	struct ttm_buffer_object tbo;
	/** @alloc: the SVM core's view of the allocation */
	struct xe_svm_devmem_alloc alloc;
};

static struct xe_svm_emu_vram *to_emu_vram(struct ttm_buffer_object *tbo)
{
	return container_of(tbo, struct xe_svm_emu_vram, tbo);
}

static void xe_svm_emu_vram_destroy(struct ttm_buffer_object *tbo)
{
	struct xe_svm_emu_vram *vram = to_emu_vram(tbo);

	dma_resv_fini(&tbo->base._resv);
	kfree(vram);
}

/*
 * &xe_svm_devmem_ops.vram_alloc: a kernel buffer object, contiguous and
 * aligned to its size, taken from the top of the tile's VRAM. TTM evicts
 * others (least recently used first) to make room. The object stays
 * reserved until xe_svm_emu_vram_ready(): nothing evicts it while its
 * pages are being handed out.
 */
static struct xe_svm_devmem_alloc *xe_svm_emu_vram_alloc(struct xe_svm_devmem *dm, u64 size)
{
	struct xe_svm_emu_tile *tile = to_emu_tile(dm);
	struct ttm_operation_ctx ctx = { .interruptible = false };
	struct ttm_place place = {
		.mem_type = tile->mem_type,
		.flags = TTM_PL_FLAG_CONTIGUOUS | TTM_PL_FLAG_TOPDOWN,
	};
	struct ttm_placement placement = { .num_placement = 1, .placement = &place };
	struct xe_svm_emu_vram *vram;
	unsigned long i;
	int err;

	if (atomic_read(&xe_svm_emu->suspended))
		return ERR_PTR(-ENOSPC);
	vram = kzalloc(sizeof(*vram), GFP_KERNEL);
	if (!vram)
		return ERR_PTR(-ENOMEM);
	vram->tbo.base.size = size;
	dma_resv_init(&vram->tbo.base._resv);
	drm_vma_node_reset(&vram->tbo.base.vma_node);

	/* On failure the object was put, which freed it. */
	err = ttm_bo_init_reserved(&xe_svm_emu->ttm, &vram->tbo, ttm_bo_type_kernel,
				   &placement, size >> PAGE_SHIFT, &ctx, NULL, NULL,
				   xe_svm_emu_vram_destroy);
	/* No room, whatever TTM calls it (-ENOMEM for no space, or an eviction's error) */
	if (err)
		return ERR_PTR(-ENOSPC);
	/*
	 * A suspend that began meanwhile may have emptied VRAM before this
	 * object reached TTM's LRU: give the VRAM back. (One that began
	 * later finds the object and waits for it.)
	 */
	smp_mb();
	if (atomic_read(&xe_svm_emu->suspended)) {
		ttm_bo_unreserve(&vram->tbo);
		ttm_bo_put(&vram->tbo);
		return ERR_PTR(-ENOSPC);
	}
	vram->alloc.offset = (u64)vram->tbo.resource->start << PAGE_SHIFT;
	/*
	 * Emulated VRAM gets its backing pages on first use: here, so that
	 * a migration pays for them in its allocation phase, not in its
	 * copy, which on hardware only copies. A page that cannot be had
	 * now is tried again by the copy.
	 */
	for (i = 0; i < size >> PAGE_SHIFT; i++)
		if (!xe_svm_emu_backing_get(tile, vram->tbo.resource->start + i))
			break;

	return &vram->alloc;
}

/* &xe_svm_devmem_ops.vram_ready: evictable from now on */
static void xe_svm_emu_vram_ready(struct xe_svm_devmem_alloc *alloc)
{
	ttm_bo_unreserve(&container_of(alloc, struct xe_svm_emu_vram, alloc)->tbo);
}

/* &xe_svm_devmem_ops.vram_free: the allocation's reference on the object */
static void xe_svm_emu_vram_free(struct xe_svm_devmem_alloc *alloc)
{
	ttm_bo_put(&container_of(alloc, struct xe_svm_emu_vram, alloc)->tbo);
}

static const struct xe_svm_devmem_ops xe_svm_emu_devmem_ops = {
	.copy = xe_svm_emu_copy,
	.dead = xe_svm_emu_dead,
	.vram_alloc = xe_svm_emu_vram_alloc,
	.vram_ready = xe_svm_emu_vram_ready,
	.vram_free = xe_svm_emu_vram_free,
};

/**
 * struct xe_svm_emu_bo_map - a buffer object bound into a VM
 *
 * What the VM keeps of the object is the shmem file that holds its data,
 * referenced, and the pages of the bound part, pinned while it is bound so
 * that the emulated page table may point at them; the GPU maps them on
 * its first access, as a fault. A later bind that covers part of it
 * splits it: each piece left in the tree holds a reference.
 */
struct xe_svm_emu_bo_map {
	/** @ref: one per entry of &xe_svm_emu_vm.windows */
	struct kref ref;
	/** @shmem: the object's data, referenced */
	struct file *shmem;
	/** @pages: the bound pages, pinned */
	struct page **pages;
	/** @npages: entries of @pages */
	unsigned long npages;
	/** @addr: GPU VA of @pages[0] */
	u64 addr;
	/** @readonly: bound with %DRM_XE_VM_BIND_FLAG_READONLY */
	bool readonly;
	/**
	 * @vram: the object's VRAM, referenced, or NULL for a system-memory
	 * object; the GPU maps the binding only while the object is in VRAM
	 */
	struct xe_svm_emu_bo_vram *vram;
	/** @vm: the VM whose page table maps it; the VM drops it first */
	struct xe_svm_emu_vm *vm;
	/** @vram_link: entry in &xe_svm_emu_bo_vram.maps, under its lock */
	struct list_head vram_link;
};

/*
 * Take [@start, @last] out of the emulated page table: the buffer-object
 * pages a GPU access may be using stay valid until the notifier lock is
 * taken for writing, as for an invalidation.
 */
static void xe_svm_emu_pt_zap(struct xe_svm_emu_vm *vm, u64 start, u64 last)
{
	unsigned long index;
	void *entry;

	down_write(&vm->svm.notifier_lock);
	xa_for_each_range(&vm->pt, index, entry, start >> PAGE_SHIFT, last >> PAGE_SHIFT)
		xa_erase(&vm->pt, index);
	up_write(&vm->svm.notifier_lock);
}

/**
 * struct xe_svm_emu_bo_vram - the VRAM of a buffer object of the xe DRM face
 *
 * A TTM buffer object in a tile's VRAM that a buffer object of the xe
 * DRM face (xe_svm_emu_drm.c) with a VRAM placement holds, so that
 * buffer objects and SVM compete for the same VRAM through TTM: creating
 * one evicts SVM allocations, and SVM allocations evict it. The emulated
 * device keeps the object's data in its shmem file wherever TTM places
 * it: what an eviction changes is where the GPU may map it from, so
 * evicting it takes every binding of it out of the GPU page tables, and
 * the GPU's next access to it brings it back into VRAM first.
 */
struct xe_svm_emu_bo_vram {
	/** @tbo: the buffer object; its GEM part holds only size and lock */
	struct ttm_buffer_object tbo;
	/** @tile: the tile whose VRAM it wants */
	struct xe_svm_emu_tile *tile;
	/** @sys_ok: system memory is among its placements: it may stay there */
	bool sys_ok;
	/** @maps_lock: protects @maps; taken under the object's reservation */
	struct mutex maps_lock;
	/** @maps: its bindings (&xe_svm_emu_bo_map.vram_link) */
	struct list_head maps;
};

static struct xe_svm_emu_bo_vram *to_emu_bo_vram(struct ttm_buffer_object *tbo)
{
	return container_of(tbo, struct xe_svm_emu_bo_vram, tbo);
}

static void xe_svm_emu_bo_vram_destroy(struct ttm_buffer_object *tbo)
{
	struct xe_svm_emu_bo_vram *bv = to_emu_bo_vram(tbo);

	WARN_ON(!list_empty(&bv->maps));
	mutex_destroy(&bv->maps_lock);
	dma_resv_fini(&tbo->base._resv);
	kfree(bv);
}

/*
 * TTM evicts @bv (reserved): take each binding out of its VM's page
 * table, under that VM's notifier lock as an invalidation does. The
 * bound pages stay pinned by their bindings; the GPU's next access
 * faults and brings the object back (xe_svm_emu_bo_fault()).
 */
static void xe_svm_emu_bo_vram_evict(struct xe_svm_emu_bo_vram *bv)
{
	struct xe_svm_emu_bo_map *map;

	dma_resv_assert_held(bv->tbo.base.resv);

	mutex_lock(&bv->maps_lock);
	list_for_each_entry(map, &bv->maps, vram_link)
		xe_svm_emu_pt_zap(map->vm, map->addr,
				  map->addr + ((u64)map->npages << PAGE_SHIFT) - 1);
	mutex_unlock(&bv->maps_lock);
	atomic64_inc(&bv->tile->bo_evictions);
}

/*
 * Bring @bv (reserved) into its VRAM if it is not there, making room as
 * TTM does. VRAM is asked for alone (a placement list with system memory
 * in it is satisfied by system memory already); an object that may live
 * in system memory stays there if no room can be made.
 * Return: 0, or TTM's error: -ENOMEM when no room can be made.
 */
static int xe_svm_emu_bo_vram_validate(struct xe_svm_emu_bo_vram *bv)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };
	struct ttm_place vram = { .mem_type = bv->tile->mem_type };
	struct ttm_placement placement = { .num_placement = 1, .placement = &vram };
	int err;

	dma_resv_assert_held(bv->tbo.base.resv);

	err = ttm_bo_validate(&bv->tbo, &placement, &ctx);

	return err && bv->sys_ok ? 0 : err;
}

/*
 * A new object of @size bytes for @tile, placed by @placement and left
 * reserved, or an ERR_PTR() (the object was then put, which freed it).
 */
static struct xe_svm_emu_bo_vram *xe_svm_emu_bo_vram_new(struct xe_svm_emu_device *emu,
							 struct xe_svm_emu_tile *tile, u64 size,
							 struct ttm_placement *placement,
							 struct ttm_operation_ctx *ctx)
{
	struct xe_svm_emu_bo_vram *bv;
	int err;

	bv = kzalloc(sizeof(*bv), GFP_KERNEL);
	if (!bv)
		return ERR_PTR(-ENOMEM);
	bv->tile = tile;
	mutex_init(&bv->maps_lock);
	INIT_LIST_HEAD(&bv->maps);
	bv->tbo.base.size = size;
	dma_resv_init(&bv->tbo.base._resv);
	drm_vma_node_reset(&bv->tbo.base.vma_node);
	err = ttm_bo_init_reserved(&emu->ttm, &bv->tbo, ttm_bo_type_kernel, placement, 1,
				   ctx, NULL, NULL, xe_svm_emu_bo_vram_destroy);

	return err ? ERR_PTR(err) : bv;
}

/**
 * xe_svm_emu_bo_vram_create() - VRAM for a buffer object of the DRM face
 * @emu: the device
 * @tile: the tile whose VRAM the object wants
 * @size: bytes, page aligned
 * @sys_ok: the object may live in system memory too
 * @defer: do not take VRAM before the GPU first uses the object
 *
 * Unless @defer, takes the VRAM now, evicting SVM allocations and other
 * objects (least recently used first) to make room; an object that may
 * live in system memory starts there if no room can be made.
 *
 * Context: process context, may sleep; no VM lock or SVM notifier lock
 * held.
 * Return: the object, or an ERR_PTR(): -ENOMEM when it must be in VRAM
 * and no room can be made (TTM's error, as xe's GEM_CREATE returns it)
 * or it is larger than the tile's VRAM, or out of memory; -EINVAL for a
 * bad @tile.
 */
struct xe_svm_emu_bo_vram *xe_svm_emu_bo_vram_create(struct xe_svm_emu_device *emu,
						     unsigned int tile, u64 size,
						     bool sys_ok, bool defer)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };
	struct ttm_place sys = { .mem_type = TTM_PL_SYSTEM };
	struct ttm_placement placement = { .num_placement = 1, .placement = &sys };
	struct xe_svm_emu_bo_vram *bv;
	int err;

	might_sleep();

	if (tile >= emu->num_tiles)
		return ERR_PTR(-EINVAL);
	/* Evicting everything would not make room: do not try. */
	if (!sys_ok && size > emu->tiles[tile].vram_size)
		return ERR_PTR(-ENOMEM);

	/* Born in system memory, then validated: one way in for both cases. */
	bv = xe_svm_emu_bo_vram_new(emu, &emu->tiles[tile], size, &placement, &ctx);
	if (IS_ERR(bv))
		return bv;
	bv->sys_ok = sys_ok;
	if (!defer) {
		err = xe_svm_emu_bo_vram_validate(bv);
		if (err) {
			ttm_bo_unreserve(&bv->tbo);
			ttm_bo_put(&bv->tbo);
			return ERR_PTR(err);
		}
	}
	ttm_bo_unreserve(&bv->tbo);

	return bv;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_bo_vram_create, DRM_XE_SVM_EMU);

/**
 * xe_svm_emu_bo_vram_put() - drop the creator's reference
 * @bv: the object; its bindings hold references of their own
 *
 * Context: process context, may sleep.
 */
void xe_svm_emu_bo_vram_put(struct xe_svm_emu_bo_vram *bv)
{
	might_sleep();
	ttm_bo_put(&bv->tbo);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_bo_vram_put, DRM_XE_SVM_EMU);

/* The balloons of the tiles: see xe_svm_emu_balloon_set() */
static void xe_svm_emu_balloon_free(struct xe_svm_emu_tile *tile)
{
	struct ttm_buffer_object *tbo = tile->balloon;

	if (!tbo)
		return;
	tile->balloon = NULL;
	WARN_ON(ttm_bo_reserve(tbo, false, false, NULL));
	ttm_bo_unpin(tbo);
	ttm_bo_unreserve(tbo);
	ttm_bo_put(tbo);
}

static int xe_svm_emu_balloon_alloc(struct xe_svm_emu_device *emu,
				    struct xe_svm_emu_tile *tile, u64 size)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct ttm_place place = {
		.mem_type = tile->mem_type,
		.lpfn = size >> PAGE_SHIFT,
	};
	struct ttm_placement placement = { .num_placement = 1, .placement = &place };
	struct xe_svm_emu_bo_vram *bv;

	bv = xe_svm_emu_bo_vram_new(emu, tile, size, &placement, &ctx);
	if (IS_ERR(bv))
		return PTR_ERR(bv);
	ttm_bo_pin(&bv->tbo);
	ttm_bo_unreserve(&bv->tbo);
	tile->balloon = &bv->tbo;

	return 0;
}

/*
 * The page tables of the emulated GPU take VRAM as a discrete GPU's do:
 * each 2 MiB of GPU VA that has PTEs has a last-level table of 4 KiB,
 * here a pinned buffer object in tile 0's VRAM (the emulated VM has one
 * page table for all tiles; its entries stay in &xe_svm_emu_vm.pt, so the
 * object holds only the VRAM). Upper levels are not charged. A table is
 * made before the first PTE of its block goes in, evicting SVM
 * allocations and buffer objects as TTM does if VRAM is full, so that
 * neither can starve the page tables; it goes when no PTE of its block is
 * left and the ranges or bindings that used it are released, or with the
 * VM. Pinned, it stays in VRAM through a suspend, as xe's page tables do
 * (xe saves and restores them; these hold no data to save).
 */
#define XE_SVM_EMU_PT_BLOCK_SHIFT	21

static void xe_svm_emu_pt_table_free(struct xe_svm_emu_bo_vram *bv)
{
	atomic64_sub(bv->tbo.base.size, &bv->tile->pt_bytes);
	WARN_ON(ttm_bo_reserve(&bv->tbo, false, false, NULL));
	ttm_bo_unpin(&bv->tbo);
	ttm_bo_unreserve(&bv->tbo);
	ttm_bo_put(&bv->tbo);
}

/*
 * Make the page table that holds the PTEs of GPU VA [@start, @end)
 * exist. Return: 0, -ENOSPC when no VRAM can be made free for a table
 * (the rest of VRAM is pinned), or -ENOMEM.
 */
static int xe_svm_emu_pt_prepare(struct xe_svm_emu_vm *vm, u64 start, u64 end)
{
	struct xe_svm_emu_tile *tile = &vm->emu->tiles[0];
	struct ttm_operation_ctx ctx = { .interruptible = false };
	/*
	 * From the top, where SVM allocations go too, away from buffer
	 * objects, which go from the bottom: a pinned table amid them would
	 * leave no room for a large object (TTM's range manager here makes
	 * every object contiguous).
	 */
	struct ttm_place place = { .mem_type = tile->mem_type, .flags = TTM_PL_FLAG_TOPDOWN };
	struct ttm_placement placement = { .num_placement = 1, .placement = &place };
	unsigned long block = start >> XE_SVM_EMU_PT_BLOCK_SHIFT;
	struct xe_svm_emu_bo_vram *bv;
	int err;

	lockdep_assert_held_write(&vm->vm_lock);

	for (; block <= (end - 1) >> XE_SVM_EMU_PT_BLOCK_SHIFT; block++) {
		if (xa_load(&vm->pt_tables, block))
			continue;
		bv = xe_svm_emu_bo_vram_new(vm->emu, tile, SZ_4K, &placement, &ctx);
		/* No room, whatever TTM calls it (-ENOMEM for no space) */
		if (IS_ERR(bv))
			return -ENOSPC;
		ttm_bo_pin(&bv->tbo);
		ttm_bo_unreserve(&bv->tbo);
		atomic64_add(SZ_4K, &tile->pt_bytes);
		err = xa_err(xa_store(&vm->pt_tables, block, bv, GFP_KERNEL));
		if (err) {
			xe_svm_emu_pt_table_free(bv);
			return err;
		}
	}

	return 0;
}

/*
 * Free the tables of the blocks that [@start, @last] touches and that no
 * PTE uses any more. Page-table entries only go in with @vm_lock held
 * (after xe_svm_emu_pt_prepare()), so none can appear meanwhile.
 */
static void xe_svm_emu_pt_trim(struct xe_svm_emu_vm *vm, u64 start, u64 last)
{
	unsigned long block = start >> XE_SVM_EMU_PT_BLOCK_SHIFT;
	unsigned long shift = XE_SVM_EMU_PT_BLOCK_SHIFT - PAGE_SHIFT;
	struct xe_svm_emu_bo_vram *bv;

	lockdep_assert_held_write(&vm->vm_lock);

	for (; block <= last >> XE_SVM_EMU_PT_BLOCK_SHIFT; block++) {
		unsigned long index = block << shift;

		bv = xa_load(&vm->pt_tables, block);
		if (!bv || xa_find(&vm->pt, &index, ((block + 1) << shift) - 1, XA_PRESENT))
			continue;
		xa_erase(&vm->pt_tables, block);
		xe_svm_emu_pt_table_free(bv);
		cond_resched();
	}
}

/* Every table of a VM whose page table is empty: the VM is going. */
static void xe_svm_emu_pt_free_all(struct xe_svm_emu_vm *vm)
{
	struct xe_svm_emu_bo_vram *bv;
	unsigned long block;

	xa_for_each(&vm->pt_tables, block, bv) {
		xa_erase(&vm->pt_tables, block);
		xe_svm_emu_pt_table_free(bv);
	}
	xa_destroy(&vm->pt_tables);
}

/* --- TTM: the emulated device's memory manager --- */

static struct ttm_tt *xe_svm_emu_ttm_tt_create(struct ttm_buffer_object *tbo, u32 page_flags)
{
	struct ttm_tt *tt;

	tt = kzalloc(sizeof(*tt), GFP_KERNEL);
	if (!tt)
		return NULL;
	if (ttm_tt_init(tt, tbo, page_flags, ttm_cached, 0)) {
		kfree(tt);
		return NULL;
	}

	return tt;
}

static void xe_svm_emu_ttm_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(tt);
}

/* Everything evicted from VRAM goes to system memory. */
static void xe_svm_emu_evict_flags(struct ttm_buffer_object *tbo,
				   struct ttm_placement *placement)
{
	static const struct ttm_place sys = { .mem_type = TTM_PL_SYSTEM };

	placement->num_placement = 1;
	placement->placement = &sys;
}

/*
 * A new object gets its VRAM with nothing to copy (the migration that
 * made it fills it). An SVM object leaving VRAM hands its pages back to
 * the processes that own them; its system placement holds nothing.
 */
static int xe_svm_emu_ttm_move(struct ttm_buffer_object *tbo, bool evict,
			       struct ttm_operation_ctx *ctx, struct ttm_resource *new_mem,
			       struct ttm_place *hop)
{
	int err;

	if (tbo->resource && tbo->resource->mem_type != TTM_PL_SYSTEM &&
	    new_mem->mem_type == TTM_PL_SYSTEM) {
		if (tbo->destroy == xe_svm_emu_vram_destroy) {
			err = xe_svm_devmem_alloc_evict(&to_emu_vram(tbo)->alloc);
			if (err)
				return err;
		} else {
			xe_svm_emu_bo_vram_evict(to_emu_bo_vram(tbo));
		}
	}
	ttm_bo_move_null(tbo, new_mem);

	return 0;
}

static const struct ttm_device_funcs xe_svm_emu_ttm_funcs = {
	.ttm_tt_create = xe_svm_emu_ttm_tt_create,
	.ttm_tt_destroy = xe_svm_emu_ttm_tt_destroy,
	.eviction_valuable = ttm_bo_eviction_valuable,
	.evict_flags = xe_svm_emu_evict_flags,
	.move = xe_svm_emu_ttm_move,
};

static struct xe_svm_emu_vm *to_emu_vm(struct xe_svm *svm)
{
	return container_of(svm, struct xe_svm_emu_vm, svm);
}

static void xe_svm_emu_invalidate(struct xe_svm *svm, struct xe_svm_range *range,
				  u64 start, u64 end)
{
	struct xe_svm_emu_vm *vm = to_emu_vm(svm);
	u64 addr;

	/* xa_erase() never allocates: safe in the notifier. */
	for (addr = start; addr < end; addr += PAGE_SIZE)
		xa_erase(&vm->pt, addr >> PAGE_SHIFT);
}

/* &xe_svm_ops.prepare: the page table of the range's block */
static int xe_svm_emu_prepare(struct xe_svm *svm, struct xe_svm_range *range)
{
	return xe_svm_emu_pt_prepare(to_emu_vm(svm), range->start, range->last + 1);
}

/* &xe_svm_ops.unbind: the tables the ranges alone used */
static void xe_svm_emu_unbind(struct xe_svm *svm, struct xe_svm_range **ranges,
			      unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		xe_svm_emu_pt_trim(to_emu_vm(svm), ranges[i]->start, ranges[i]->last);
}

static int xe_svm_emu_bind(struct xe_svm *svm, struct xe_svm_range *range,
			   const unsigned long *pfns)
{
	struct xe_svm_emu_vm *vm = to_emu_vm(svm);
	unsigned long first = range->start >> PAGE_SHIFT;
	unsigned long i = 0, j, chunk_pages;
	unsigned int c, shift;
	void *old;

	/*
	 * One GPU page per chunk: a chunk is what one CPU page-table entry
	 * maps (a THP), or a run of device pages contiguous in VRAM, already
	 * clipped to the range; as hardware would, use the largest of 4 KiB,
	 * 64 KiB and 2 MiB that fits.
	 */
	for (c = 0; c < range->dma_nr; c++, i += chunk_pages) {
		chunk_pages = 1ul << range->dma[c].order;
		shift = PAGE_SHIFT + range->dma[c].order;
		/* A page table with no VRAM PTE smaller than devmem_map_min */
		if (range->dma[c].devmem && (PAGE_SIZE << range->dma[c].order) <
		    svm->devmem_map_min) {
			xe_svm_emu_invalidate(svm, range, range->start, range->last + 1);
			return -EINVAL;
		}
		if (shift >= 21)
			shift = 21;
		else if (shift >= 16)
			shift = 16;
		else
			shift = PAGE_SHIFT;

		for (j = i; j < i + chunk_pages; j++) {
			unsigned long pte = page_to_pfn(hmm_pfn_to_page(pfns[j])) <<
					    XE_SVM_EMU_PTE_PFN_SHIFT;

			pte |= FIELD_PREP(XE_SVM_EMU_PTE_SHIFT_MASK, shift);
			if (pfns[j] & HMM_PFN_WRITE)
				pte |= XE_SVM_EMU_PTE_WRITE;
			/* Under the notifier lock: no allocation that may reclaim. */
			old = xa_store(&vm->pt, first + j, xa_mk_value(pte), GFP_NOWAIT);
			if (xa_is_err(old)) {
				xe_svm_emu_invalidate(svm, range, range->start,
						      range->last + 1);
				return xa_err(old);
			}
		}
	}

	return 0;
}

/*
 * Range sizes: the page sizes of the emulated page table, which are the
 * hardware's (2 MiB, 64 KiB, 4 KiB).
 */
static const u64 xe_svm_emu_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

static const struct xe_svm_ops xe_svm_emu_ops = {
	.chunk_sizes = xe_svm_emu_chunk_sizes,
	.nr_chunk_sizes = ARRAY_SIZE(xe_svm_emu_chunk_sizes),
	.prepare = xe_svm_emu_prepare,
	.invalidate = xe_svm_emu_invalidate,
	.unbind = xe_svm_emu_unbind,
	.bind = xe_svm_emu_bind,
};

static struct dentry *xe_svm_emu_debugfs_root;

static int xe_svm_emu_vm_stats_show(struct seq_file *m, void *data)
{
	struct xe_svm_emu_vm *vm = m->private;
	struct drm_printer p = drm_seq_file_printer(m);
	int err;

	xe_svm_stats_print(&vm->svm, &p);
	/* Then where each range's memory is: see xe_svm_residency_print(). */
	err = down_read_killable(&vm->vm_lock);
	if (err)
		return err;
	xe_svm_residency_print(&vm->svm, &p);
	up_read(&vm->vm_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xe_svm_emu_vm_stats);

/*
 * The windows of a VM: each entry of &xe_svm_emu_vm.windows is either
 * XE_SVM_EMU_WINDOW_MIRROR (a CPU address mirror) or a struct
 * xe_svm_emu_bo_map (a buffer object bound there).
 */
#define XE_SVM_EMU_WINDOW_MIRROR	xa_mk_value(1)

static bool xe_svm_emu_window_is_bo(const void *window)
{
	return window && !xa_is_value(window);
}


static void xe_svm_emu_bo_map_release(struct kref *ref)
{
	struct xe_svm_emu_bo_map *map = container_of(ref, struct xe_svm_emu_bo_map, ref);
	unsigned long i;

	for (i = 0; i < map->npages; i++) {
		if (!map->readonly)
			set_page_dirty_lock(map->pages[i]);
		put_page(map->pages[i]);
	}
	kvfree(map->pages);
	fput(map->shmem);
	if (map->vram) {
		mutex_lock(&map->vram->maps_lock);
		list_del(&map->vram_link);
		mutex_unlock(&map->vram->maps_lock);
		ttm_bo_put(&map->vram->tbo);
	}
	kfree(map);
}

static void xe_svm_emu_bo_map_put(struct xe_svm_emu_bo_map *map)
{
	kref_put(&map->ref, xe_svm_emu_bo_map_release);
}

static struct xe_svm_emu_bo_map *xe_svm_emu_bo_map_create(struct xe_svm_emu_vm *vm,
							  const struct xe_svm_emu_bind_obj *obj,
							  const struct drm_xe_vm_bind_op *op)
{
	struct file *shmem = obj->shmem;
	struct xe_svm_emu_bo_map *map;
	int err;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->pages = kvcalloc(op->range >> PAGE_SHIFT, sizeof(*map->pages), GFP_KERNEL);
	if (!map->pages) {
		err = -ENOMEM;
		goto err_free;
	}
	for (; map->npages < op->range >> PAGE_SHIFT; map->npages++) {
		struct page *page;

		page = shmem_read_mapping_page(shmem->f_mapping,
					       (op->obj_offset >> PAGE_SHIFT) + map->npages);
		if (IS_ERR(page)) {
			err = PTR_ERR(page);
			goto err_put;
		}
		map->pages[map->npages] = page;
		cond_resched();
	}
	kref_init(&map->ref);
	map->shmem = get_file(shmem);
	map->addr = op->addr;
	map->readonly = op->flags & DRM_XE_VM_BIND_FLAG_READONLY;
	map->vm = vm;
	INIT_LIST_HEAD(&map->vram_link);
	if (obj->vram) {
		map->vram = obj->vram;
		ttm_bo_get(&map->vram->tbo);
		mutex_lock(&map->vram->maps_lock);
		list_add_tail(&map->vram_link, &map->vram->maps);
		mutex_unlock(&map->vram->maps_lock);
	}

	return map;

err_put:
	while (map->npages)
		put_page(map->pages[--map->npages]);
	kvfree(map->pages);
err_free:
	kfree(map);
	return ERR_PTR(err);
}


/**
 * struct xe_svm_emu_bo_piece - a buffer-object entry of a VM's windows
 */
struct xe_svm_emu_bo_piece {
	/** @map: the binding it belongs to */
	struct xe_svm_emu_bo_map *map;
	/** @start: its first GPU VA */
	u64 start;
	/** @last: its last GPU VA (inclusive) */
	u64 last;
};

/*
 * The buffer-object pieces of the windows that overlap [@start, @last]:
 * with @pieces NULL, counts them; else fills at most @max. The tree only
 * changes under the VM lock, held for writing by the caller.
 */
static unsigned int xe_svm_emu_bo_pieces(struct xe_svm_emu_vm *vm, u64 start, u64 last,
					 struct xe_svm_emu_bo_piece *pieces,
					 unsigned int max)
{
	MA_STATE(mas, &vm->windows, start, start);
	unsigned int n = 0;
	void *window;

	mtree_lock(&vm->windows);
	mas_for_each(&mas, window, last) {
		if (!xe_svm_emu_window_is_bo(window))
			continue;
		if (pieces && n < max)
			pieces[n] = (struct xe_svm_emu_bo_piece) {
				.map = window, .start = mas.index, .last = mas.last,
			};
		n++;
	}
	mtree_unlock(&vm->windows);

	return n;
}

/*
 * Make [@start, @last] of the windows @window (NULL: nothing). The
 * buffer-object pieces it covers leave the GPU page table; a piece cut
 * in two takes a reference for its second half, a piece covered whole
 * drops its own. Nothing changes if it fails.
 */
static int xe_svm_emu_windows_store(struct xe_svm_emu_vm *vm, u64 start, u64 last,
				    void *window)
{
	struct xe_svm_emu_bo_piece *pieces = NULL;
	unsigned int i, n;
	int err;

	lockdep_assert_held_write(&vm->vm_lock);

	n = xe_svm_emu_bo_pieces(vm, start, last, NULL, 0);
	if (n) {
		pieces = kcalloc(n, sizeof(*pieces), GFP_KERNEL);
		if (!pieces)
			return -ENOMEM;
		xe_svm_emu_bo_pieces(vm, start, last, pieces, n);
	}

	err = mtree_store_range(&vm->windows, start, last, window, GFP_KERNEL);
	if (err)
		goto out;

	for (i = 0; i < n; i++) {
		unsigned int left = (pieces[i].start < start) + (pieces[i].last > last);

		xe_svm_emu_pt_zap(vm, max(start, pieces[i].start), min(last, pieces[i].last));
		xe_svm_emu_pt_trim(vm, max(start, pieces[i].start), min(last, pieces[i].last));
		if (left == 2)
			kref_get(&pieces[i].map->ref);
		else if (!left)
			xe_svm_emu_bo_map_put(pieces[i].map);
	}
out:
	kfree(pieces);
	return err;
}

/* Enter the page of @map at @addr in the emulated page table. */
static int xe_svm_emu_bo_map_page(struct xe_svm_emu_vm *vm, struct xe_svm_emu_bo_map *map,
				  u64 addr)
{
	struct page *page = map->pages[(addr - map->addr) >> PAGE_SHIFT];
	unsigned long pte;
	void *old;

	lockdep_assert_held_write(&vm->vm_lock);
	if (map->vram)
		dma_resv_assert_held(map->vram->tbo.base.resv);
	pte = page_to_pfn(page) << XE_SVM_EMU_PTE_PFN_SHIFT |
	      FIELD_PREP(XE_SVM_EMU_PTE_SHIFT_MASK, PAGE_SHIFT);
	if (!map->readonly)
		pte |= XE_SVM_EMU_PTE_WRITE;
	/*
	 * Outside the notifier lock (this may allocate): the entry only goes
	 * under the VM lock, held here, and readers take it under the
	 * notifier lock with the page pinned by the map.
	 */
	old = xa_store(&vm->pt, addr >> PAGE_SHIFT, xa_mk_value(pte), GFP_KERNEL);

	return xa_err(old);
}

/*
 * Serve a GPU fault in a buffer object's window: map its page. An object
 * with VRAM is first brought back into VRAM if TTM evicted it (as xe
 * validates the objects of a job), making room as TTM does; the entry
 * goes in while the object is reserved, so no eviction can slip between
 * the two and leave an entry behind (see xe_svm_emu_ttm_move()).
 */
static int xe_svm_emu_bo_fault(struct xe_svm_emu_vm *vm, struct xe_svm_emu_bo_map *map,
			       u64 addr, unsigned int access)
{
	struct ttm_buffer_object *tbo = map->vram ? &map->vram->tbo : NULL;
	int err;

	lockdep_assert_held_write(&vm->vm_lock);

	if (map->readonly && (access & (XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC)))
		return -EPERM;
	/* The table first: making room for it may evict this very object. */
	err = xe_svm_emu_pt_prepare(vm, addr, addr + PAGE_SIZE);
	if (err)
		return err;
	if (!tbo)
		return xe_svm_emu_bo_map_page(vm, map, addr);

	err = ttm_bo_reserve(tbo, false, false, NULL);
	if (err)
		return err;
	err = xe_svm_emu_bo_vram_validate(map->vram);
	if (!err)
		err = xe_svm_emu_bo_map_page(vm, map, addr);
	ttm_bo_unreserve(tbo);

	return err;
}

/*
 * Drop the reference of every buffer-object piece of a VM nothing can
 * reach any more. Unlike xe_svm_emu_windows_store() this allocates
 * nothing, so the pinned pages always go. The reference is dropped
 * outside the tree's spinlock (releasing a map may sleep); nothing else
 * looks at the tree by now.
 */
static void xe_svm_emu_windows_drop_all(struct xe_svm_emu_vm *vm)
{
	u64 index = 0;

	xe_svm_emu_pt_zap(vm, 0, XE_SVM_EMU_VA_SIZE - 1);
	for (;;) {
		MA_STATE(mas, &vm->windows, index, index);
		struct xe_svm_emu_bo_map *map = NULL;
		void *window;

		mtree_lock(&vm->windows);
		mas_for_each(&mas, window, XE_SVM_EMU_VA_SIZE - 1) {
			if (xe_svm_emu_window_is_bo(window)) {
				map = window;
				break;
			}
		}
		index = mas.last + 1;
		mtree_unlock(&vm->windows);
		if (!map)
			break;
		xe_svm_emu_bo_map_put(map);
		if (!index)
			break;
	}
}

static void xe_svm_emu_vm_release(struct kref *ref)
{
	struct xe_svm_emu_vm *vm = container_of(ref, struct xe_svm_emu_vm, ref);

	/* Waits for readers of the file. */
	debugfs_remove(vm->debugfs);
	xe_svm_emu_windows_drop_all(vm);
	xe_svm_fini(&vm->svm);
	WARN_ON(!xa_empty(&vm->pt));
	xa_destroy(&vm->pt);
	xe_svm_emu_pt_free_all(vm);
	mtree_destroy(&vm->windows);
	kfree(vm);
}

/**
 * xe_svm_emu_vm_put() - drop a reference to a VM
 * @vm: the VM
 *
 * The last reference frees the VM: its SVM context is torn down, which
 * waits for the core's workers.
 *
 * Context: process context, may sleep.
 */
void xe_svm_emu_vm_put(struct xe_svm_emu_vm *vm)
{
	might_sleep();
	kref_put(&vm->ref, xe_svm_emu_vm_release);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_vm_put, DRM_XE_SVM_EMU);

/**
 * xe_svm_emu_vm_lookup() - find a file's VM by id
 * @ef: the file
 * @id: the VM's id in @ef
 *
 * Context: any context that may take the xarray lock.
 * Return: the VM with a reference the caller drops with
 * xe_svm_emu_vm_put(), or NULL if @ef has no VM @id.
 */
struct xe_svm_emu_vm *xe_svm_emu_vm_lookup(struct xe_svm_emu_file *ef, u32 id)
{
	struct xe_svm_emu_vm *vm;

	xa_lock(&ef->vms);
	vm = xa_load(&ef->vms, id);
	if (vm)
		kref_get(&vm->ref);
	xa_unlock(&ef->vms);

	return vm;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_vm_lookup, DRM_XE_SVM_EMU);

/**
 * xe_svm_emu_file_init() - set up the state of an open file of the device
 * @ef: the state, zeroed
 * @emu: the device
 *
 * Context: any context.
 */
void xe_svm_emu_file_init(struct xe_svm_emu_file *ef, struct xe_svm_emu_device *emu)
{
	ef->emu = emu;
	ef->seq = atomic_inc_return(&emu->files_opened);
	xa_init_flags(&ef->vms, XA_FLAGS_ALLOC1);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_file_init, DRM_XE_SVM_EMU);

/**
 * xe_svm_emu_file_fini() - drop every VM of a file that is closing
 * @ef: the state
 *
 * Context: process context, may sleep.
 */
void xe_svm_emu_file_fini(struct xe_svm_emu_file *ef)
{
	struct xe_svm_emu_vm *vm;
	unsigned long id;

	xa_for_each(&ef->vms, id, vm) {
		xa_erase(&ef->vms, id);
		xe_svm_emu_vm_put(vm);
	}
	xa_destroy(&ef->vms);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_file_fini, DRM_XE_SVM_EMU);

static int xe_svm_emu_open(struct inode *inode, struct file *file)
{
	struct xe_svm_emu_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;

	xe_svm_emu_file_init(ef, container_of(file->private_data,
					      struct xe_svm_emu_device, misc));
	file->private_data = ef;

	return 0;
}

static int xe_svm_emu_release(struct inode *inode, struct file *file)
{
	struct xe_svm_emu_file *ef = file->private_data;

	xe_svm_emu_file_fini(ef);
	kfree(ef);

	return 0;
}

static bool xe_svm_emu_mbz(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

static int xe_svm_emu_ioctl_info(struct xe_svm_emu_file *ef,
				 struct xe_svm_emu_info __user *uarg)
{
	struct xe_svm_emu_device *emu = ef->emu;
	struct xe_svm_emu_info info;
	unsigned int i;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;

	if (info.flags || info.pad ||
	    !xe_svm_emu_mbz(info.reserved, sizeof(info.reserved)))
		return -EINVAL;

	info.abi_version = XE_SVM_EMU_ABI_VERSION;
	info.num_tiles = emu->num_tiles;
	/* The emulated device always has recoverable faults. */
	info.config_flags = xe_svm_query_config_flags(true);
	memset(info.tiles, 0, sizeof(info.tiles));
	for (i = 0; i < emu->num_tiles; i++)
		info.tiles[i].vram_size = emu->tiles[i].vram_size;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;

	return 0;
}

/**
 * xe_svm_emu_vm_create() - create a VM that mirrors the caller's process
 * @ef: the file the VM belongs to
 * @args: the arguments of the VM_CREATE ioctl, already copied in; @vm_id
 *	is set on success
 * @pat_no_coherency: the PAT indices the VM's device says are not
 *	coherent with the CPU (bit i for index i), which mirror binds and
 *	MADVISE refuse
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for bad flags or MBZ fields (or a caller with no
 * mm), -ENOMEM.
 */
int xe_svm_emu_vm_create(struct xe_svm_emu_file *ef, struct drm_xe_vm_create *args,
			 u32 pat_no_coherency)
{
	struct xe_svm_emu_vm *vm;
	char name[48];
	u32 id;
	int err;

	might_sleep();

	if (args->extensions || !xe_svm_emu_mbz(args->reserved, sizeof(args->reserved)) ||
	    args->flags & ~XE_SVM_EMU_VM_CREATE_FLAGS)
		return -EINVAL;
	if ((args->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE) &&
	    !(args->flags & DRM_XE_VM_CREATE_FLAG_LR_MODE))
		return -EINVAL;
	err = xe_svm_check_vm_create(args->flags, true);
	if (err)
		return err;
	/* The VM mirrors the caller's address space: kernel threads have none. */
	if (!current->mm)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	vm->emu = ef->emu;
	vm->flags = args->flags;
	vm->pat_no_coherency = pat_no_coherency;
	init_rwsem(&vm->vm_lock);
	mt_init(&vm->windows);
	xa_init(&vm->pt);
	xa_init(&vm->pt_tables);
	err = xe_svm_init(&vm->svm, &xe_svm_emu_ops, ef->emu->misc.this_device,
			  current->mm, &vm->vm_lock, 0, XE_SVM_EMU_VA_SIZE);
	if (err)
		goto err_free;
	/* Every tile's VRAM is CPU memory: any VM may map any tile's pages. */
	vm->svm.pgmap_owner = ef->emu;
	vm->svm.vram = &ef->emu->tiles[0].devmem;
	vm->svm.preferred = XE_SVM_PLACE_VRAM;
	if (atomic_read(&ef->emu->vram_map_64k))
		vm->svm.devmem_map_min = SZ_64K;

	if (args->flags & DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR) {
		err = mtree_store_range(&vm->windows, 0, XE_SVM_EMU_VA_SIZE - 1,
					XE_SVM_EMU_WINDOW_MIRROR, GFP_KERNEL);
		if (err)
			goto err_put;
	}

	err = xa_alloc(&ef->vms, &id, vm, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto err_put;

	/* Debugfs errors are not fatal: the counters are also in STATS. */
	snprintf(name, sizeof(name), "pid%d-file%u-vm%u", task_tgid_nr(current),
		 ef->seq, id);
	vm->debugfs = debugfs_create_file(name, 0444, xe_svm_emu_debugfs_root, vm,
					  &xe_svm_emu_vm_stats_fops);
	args->vm_id = id;

	return 0;

err_put:
	xe_svm_emu_vm_put(vm);
	return err;

err_free:
	mtree_destroy(&vm->windows);
	kfree(vm);
	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_vm_create, DRM_XE_SVM_EMU);

/**
 * xe_svm_emu_vm_destroy() - drop a file's VM
 * @ef: the file
 * @id: the VM's id in @ef
 *
 * The VM goes when the operations running on it end.
 *
 * Context: any context that may take the xarray lock.
 * Return: 0, or -ENOENT for an unknown @id.
 */
int xe_svm_emu_vm_destroy(struct xe_svm_emu_file *ef, u32 id)
{
	struct xe_svm_emu_vm *vm = xa_erase(&ef->vms, id);

	if (!vm)
		return -ENOENT;
	xe_svm_emu_vm_put(vm);

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_vm_destroy, DRM_XE_SVM_EMU);

static int xe_svm_emu_ioctl_vm_create(struct xe_svm_emu_file *ef,
				      struct drm_xe_vm_create __user *uarg)
{
	struct drm_xe_vm_create args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	err = xe_svm_emu_vm_create(ef, &args, XE_SVM_EMU_PAT_NO_COHERENCY);
	if (err)
		return err;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		xe_svm_emu_vm_destroy(ef, args.vm_id);
		return -EFAULT;
	}

	return 0;
}

static int xe_svm_emu_ioctl_vm_destroy(struct xe_svm_emu_file *ef,
				       struct drm_xe_vm_destroy __user *uarg)
{
	struct drm_xe_vm_destroy args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.pad || !xe_svm_emu_mbz(args.reserved, sizeof(args.reserved)))
		return -EINVAL;

	return xe_svm_emu_vm_destroy(ef, args.vm_id);
}

static struct xe_svm_vm_limits xe_svm_emu_limits(struct xe_svm_emu_vm *vm)
{
	return (struct xe_svm_vm_limits) {
		.va_size = XE_SVM_EMU_VA_SIZE,
		.pat_entries = XE_SVM_EMU_PAT_ENTRIES,
		.pat_no_coherency = vm->pat_no_coherency,
		/* VRAM region instances are 1 + tile, as xe numbers them. */
		.vram_regions = GENMASK(vm->emu->num_tiles, 1),
		.fault_mode = vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE,
	};
}

/* The flags a buffer-object MAP may have */
#define XE_SVM_EMU_BO_MAP_FLAGS	(DRM_XE_VM_BIND_FLAG_READONLY | \
				 DRM_XE_VM_BIND_FLAG_IMMEDIATE | \
				 DRM_XE_VM_BIND_FLAG_DUMPABLE)

/*
 * A bind op is a CPU address mirror map, a map of a buffer object whose
 * data is @shmem (which the face resolved from the op's handle; NULL on a
 * face with no buffer objects), an unmap, or a prefetch; every other op
 * (NULL binds, userptr maps) is valid xe but not emulated.
 */
static int xe_svm_emu_check_bind_op(struct xe_svm_emu_vm *vm,
				    const struct drm_xe_vm_bind_op *op,
				    struct file *shmem)
{
	const struct xe_svm_vm_limits lim = xe_svm_emu_limits(vm);

	if (xe_svm_bind_op_is_mirror(op))
		return xe_svm_check_mirror_bind(op, &lim);
	/* As upstream: autoreset belongs to mirror binds only. */
	if (op->flags & DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET)
		return -EINVAL;
	if (op->op > DRM_XE_VM_BIND_OP_PREFETCH)
		return -EINVAL;
	if (op->op == DRM_XE_VM_BIND_OP_PREFETCH)
		return xe_svm_check_prefetch(op, &lim);
	if (op->op == DRM_XE_VM_BIND_OP_MAP && shmem) {
		u64 end;

		if (op->flags & ~XE_SVM_EMU_BO_MAP_FLAGS || op->extensions ||
		    op->prefetch_mem_region_instance || op->pad || op->pad2 ||
		    !xe_svm_emu_mbz(op->reserved, sizeof(op->reserved)) ||
		    op->pat_index >= XE_SVM_EMU_PAT_ENTRIES ||
		    !PAGE_ALIGNED(op->obj_offset) ||
		    check_add_overflow(op->obj_offset, op->range, &end) ||
		    end > i_size_read(file_inode(shmem)))
			return -EINVAL;
		return xe_svm_check_va_range(op->addr, op->range, XE_SVM_EMU_VA_SIZE);
	}
	if (op->op != DRM_XE_VM_BIND_OP_UNMAP)
		return -EOPNOTSUPP;
	if (op->flags || op->extensions || op->obj || op->obj_offset ||
	    op->prefetch_mem_region_instance || op->pad || op->pad2 ||
	    !xe_svm_emu_mbz(op->reserved, sizeof(op->reserved)) ||
	    op->pat_index >= XE_SVM_EMU_PAT_ENTRIES)
		return -EINVAL;

	return xe_svm_check_va_range(op->addr, op->range, XE_SVM_EMU_VA_SIZE);
}

/*
 * PREFETCH: every mirrored window in the range, as xe walks the mirror
 * VMAs; addresses no window covers are left alone (an xe prefetch there
 * finds no VMA). A VM not in fault mode has nothing to prefetch.
 */
static int xe_svm_emu_prefetch(struct xe_svm_emu_vm *vm,
			       const struct drm_xe_vm_bind_op *op)
{
	u32 region = op->prefetch_mem_region_instance;
	struct xe_svm_prefetch_dest dest = {
		.to_pref_loc = region == (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC,
	};
	u64 addr = op->addr, end = op->addr + op->range;
	int err = 0;

	lockdep_assert_held_write(&vm->vm_lock);

	if (!(vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return 0;
	if (!dest.to_pref_loc && region)
		dest.dm = &vm->emu->tiles[region - 1].devmem;

	while (addr < end && !err) {
		MA_STATE(mas, &vm->windows, addr, addr);
		u64 win_start, win_end;
		void *window;

		/* The tree only changes under the VM lock, held here. */
		mtree_lock(&vm->windows);
		window = mas_find(&mas, end - 1);
		win_start = mas.index;
		win_end = (u64)mas.last + 1;
		mtree_unlock(&vm->windows);
		if (!window)
			break;

		/* A buffer object is where it is: nothing to move. */
		if (!xe_svm_emu_window_is_bo(window))
			err = xe_svm_prefetch(&vm->svm, max(addr, win_start),
					      min(end, win_end), win_start, win_end, &dest);
		addr = win_end;
	}

	return err;
}

static int xe_svm_emu_bind_op(struct xe_svm_emu_vm *vm,
			      const struct drm_xe_vm_bind_op *op,
			      const struct xe_svm_emu_bind_obj *obj)
{
	u64 last = op->addr + op->range - 1;
	struct xe_svm_emu_bo_map *map = NULL;
	struct xe_svm_attr def;
	int err;

	lockdep_assert_held_write(&vm->vm_lock);

	if (op->op == DRM_XE_VM_BIND_OP_PREFETCH)
		return xe_svm_emu_prefetch(vm, op);

	/* Taking addresses from mirroring: as xe, not over live ranges. */
	if (!xe_svm_bind_op_is_mirror(op)) {
		err = xe_svm_check_unbind(&vm->svm, op->addr, op->addr + op->range);
		if (err)
			return err;
	}
	if (op->op == DRM_XE_VM_BIND_OP_UNMAP)
		return xe_svm_emu_windows_store(vm, op->addr, last, NULL);

	if (obj && obj->shmem) {
		map = xe_svm_emu_bo_map_create(vm, obj, op);
		if (IS_ERR(map))
			return PTR_ERR(map);
	}
	/* A new binding has the default attributes, as a new xe VMA. */
	xe_svm_attr_default(&def, op->pat_index);
	def.autoreset = op->flags & DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET;
	err = xe_svm_attr_change(&vm->svm, op->addr, op->addr + op->range,
				 XE_SVM_ATTR_ALL, &def, true);
	if (!err)
		err = xe_svm_emu_windows_store(vm, op->addr, last,
					       map ?: XE_SVM_EMU_WINDOW_MIRROR);
	if (err && map)
		xe_svm_emu_bo_map_put(map);

	return err;
}

/**
 * xe_svm_emu_vm_bind() - run the operations of a VM_BIND
 * @vm: the VM
 * @ops: the operations, copied in
 * @num_ops: entries of @ops
 * @objs: the buffer object each op maps (its shmem file and VRAM,
 *	referenced by the caller; a binding takes references of its own),
 *	zeroed for the other ops; NULL if the face has no buffer objects (a
 *	buffer-object map is then -EOPNOTSUPP)
 *
 * All operations are checked before the first runs; a failed operation
 * leaves the ones before it done.
 *
 * Context: process context, may sleep; takes the VM lock for writing.
 * Return: 0, -EINVAL for a bad operation, -EOPNOTSUPP for an xe
 * operation the device does not emulate, -EBUSY for an unmap over live
 * ranges, or the error of the operation that failed.
 */
int xe_svm_emu_vm_bind(struct xe_svm_emu_vm *vm, const struct drm_xe_vm_bind_op *ops,
		       u32 num_ops, const struct xe_svm_emu_bind_obj *objs)
{
	u32 i;
	int err;

	might_sleep();

	for (i = 0; i < num_ops; i++) {
		err = xe_svm_emu_check_bind_op(vm, &ops[i], objs ? objs[i].shmem : NULL);
		if (err)
			return err;
	}

	down_write(&vm->vm_lock);
	for (i = 0; i < num_ops; i++) {
		err = xe_svm_emu_bind_op(vm, &ops[i], objs ? &objs[i] : NULL);
		if (err)
			break;
	}
	up_write(&vm->vm_lock);

	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_vm_bind, DRM_XE_SVM_EMU);

static int xe_svm_emu_ioctl_vm_bind(struct xe_svm_emu_file *ef,
				    struct drm_xe_vm_bind __user *uarg)
{
	struct drm_xe_vm_bind_op *ops;
	struct drm_xe_vm_bind args;
	struct xe_svm_emu_vm *vm;
	int err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.extensions || args.pad || args.pad2 ||
	    !xe_svm_emu_mbz(args.reserved, sizeof(args.reserved)) ||
	    args.exec_queue_id || args.num_syncs || args.syncs ||
	    !args.num_binds || args.num_binds > XE_SVM_EMU_MAX_BINDS)
		return -EINVAL;

	vm = xe_svm_emu_vm_lookup(ef, args.vm_id);
	if (!vm)
		return -ENOENT;

	if (args.num_binds == 1) {
		ops = &args.bind;
	} else {
		ops = kvmalloc_array(args.num_binds, sizeof(*ops), GFP_KERNEL);
		if (!ops) {
			err = -ENOMEM;
			goto out_put;
		}
		if (copy_from_user(ops, u64_to_user_ptr(args.vector_of_binds),
				   array_size(args.num_binds, sizeof(*ops)))) {
			err = -EFAULT;
			goto out_free;
		}
	}

	err = xe_svm_emu_vm_bind(vm, ops, args.num_binds, NULL);

out_free:
	if (ops != &args.bind)
		kvfree(ops);
out_put:
	xe_svm_emu_vm_put(vm);
	return err;
}

/*
 * Serve a GPU fault at @addr: the path the hardware's fault handler
 * takes. Like xe's handler looking up the VMA of the fault, it finds the
 * window that contains @addr, then hands a mirrored one to the SVM core
 * and maps the page of a buffer object's.
 */
static int xe_svm_emu_gpu_fault(struct xe_svm_emu_vm *vm, u64 addr,
				unsigned int access)
{
	MA_STATE(mas, &vm->windows, addr, addr);
	u64 win_start, win_end;
	void *window;
	int err;

	if (!(vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return -EFAULT;

	down_write(&vm->vm_lock);
	mtree_lock(&vm->windows);
	window = mas_walk(&mas);
	win_start = mas.index;
	win_end = (u64)mas.last + 1;
	mtree_unlock(&vm->windows);

	if (!window) {
		err = -EFAULT;
		goto out_unlock;
	}

	if (xe_svm_emu_window_is_bo(window))
		err = xe_svm_emu_bo_fault(vm, window, addr, access);
	else
		err = xe_svm_fault(&vm->svm, addr, win_start, win_end, access, NULL);

out_unlock:
	up_write(&vm->vm_lock);
	return err;
}

static bool xe_svm_emu_op_writes(const struct xe_svm_emu_op *op)
{
	return op->op == XE_SVM_EMU_OP_WRITE || op->op == XE_SVM_EMU_OP_ATOMIC_ADD ||
	       op->op == XE_SVM_EMU_OP_FILL;
}

/**
 * xe_svm_emu_atomic_access() - how the "GPU" does an atomic at an address
 * @vm: the VM
 * @addr: the GPU virtual address
 *
 * Like a discrete GPU, the emulated device wants its atomics in VRAM
 * where the memory prefers VRAM, and does them in system memory
 * elsewhere (as a device with PCIe atomics would); the atomic mode of the
 * memory-range attribute may ask for VRAM or forbid GPU atomics
 * (xe_svm_atomic_access()). The attribute is read when the access
 * starts; a MADVISE that changes it invalidates the mapping, so an access
 * that starts later sees the new value.
 *
 * Context: process context, may sleep; takes the VM lock for reading.
 * Return: the XE_SVM_ACCESS_* bits of the GPU fault an atomic raises,
 * or -EACCES where GPU atomics are not allowed.
 */
int xe_svm_emu_atomic_access(struct xe_svm_emu_vm *vm, u64 addr)
{
	int access;

	down_read(&vm->vm_lock);
	access = xe_svm_atomic_access(&vm->svm, addr);
	up_read(&vm->vm_lock);

	return access;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_atomic_access, DRM_XE_SVM_EMU);

/*
 * The XE_SVM_ACCESS_* of a GPU fault for @op, or -EACCES: see
 * xe_svm_emu_atomic_access() for atomics.
 */
static int xe_svm_emu_op_access(struct xe_svm_emu_vm *vm,
				const struct xe_svm_emu_op *op)
{
	if (op->op == XE_SVM_EMU_OP_ATOMIC_ADD)
		return xe_svm_emu_atomic_access(vm, op->addr);

	return xe_svm_emu_op_writes(op) ? XE_SVM_ACCESS_WRITE : 0;
}

/*
 * The page the "GPU" reads and writes for an emulated PTE: a system
 * page, or the backing of a VRAM page. The copy that migrated a page to
 * VRAM gave it its backing before the page could be mapped.
 */
static struct page *xe_svm_emu_pte_page(unsigned long pte)
{
	struct page *page = pfn_to_page(xe_svm_emu_pte_pfn(pte));

	if (is_device_private_page(page))
		return xe_svm_emu_backing(page);

	return page;
}

/*
 * Run @op on the words [@addr, @end) of one page, mapped at @p; @index is
 * the index of the word at @addr within the whole op. Returns false once
 * a COMPARE found its mismatch (the op is done).
 */
static bool xe_svm_emu_op_page(struct xe_svm_emu_op *op, u64 *p, u64 addr,
			       u64 end, u64 index)
{
	for (; addr < end; addr += sizeof(u64), index++) {
		u64 *w = &p[offset_in_page(addr) / sizeof(u64)];

		switch (op->op) {
		case XE_SVM_EMU_OP_READ:
			op->out = READ_ONCE(*w);
			break;
		case XE_SVM_EMU_OP_WRITE:
			WRITE_ONCE(*w, op->value);
			break;
		case XE_SVM_EMU_OP_ATOMIC_ADD:
			/* A device atomic: atomic against CPU atomics too. */
			op->out = atomic64_fetch_add(op->value, (atomic64_t *)w);
			break;
		case XE_SVM_EMU_OP_FILL:
			WRITE_ONCE(*w, op->value + index * op->step);
			break;
		case XE_SVM_EMU_OP_COMPARE:
			if (READ_ONCE(*w) != op->value + index * op->step) {
				op->out = index * sizeof(u64);
				return false;
			}
			break;
		}
	}

	return true;
}

/**
 * xe_svm_emu_gpu_access() - let the "GPU" access one page of a VM
 * @vm: the VM
 * @addr: the GPU virtual address of the first byte accessed
 * @access: XE_SVM_ACCESS_* bits of the GPU fault the access raises on a
 *	miss (from xe_svm_emu_atomic_access() for an atomic)
 * @fn: the access: called with the kernel address of @addr, under the
 *	notifier lock held for reading; it must not sleep nor cross the
 *	page of @addr
 * @arg: passed to @fn
 * @faults: incremented for each GPU fault raised
 *
 * Looks @addr up in the emulated GPU page table and raises GPU faults,
 * served by the SVM core, until the entry allows the access, then runs
 * @fn on the page. A page table entry and the page it points to stay
 * valid while the notifier lock is held for reading: an invalidation
 * must take it for writing before the CPU may free or change the page. A
 * write goes only through a writable entry, which hmm_range_fault() made
 * from a writable, dirty CPU PTE, so the data reaches file-backed pages
 * too. An atomic that wants VRAM faults once on a page mapped from
 * system memory, so that the core can migrate it; if it stays there, the
 * emulated device does the atomic in system memory.
 *
 * Context: process context or a worker, may sleep; takes the VM lock
 * (for the fault) and the notifier lock.
 * Return: 0 once @fn ran, or the error of the GPU fault that stopped
 * the access: -EFAULT (not mirrored, no CPU mapping, or the VM is not in
 * fault mode), -EPERM (write to a mapping the CPU may not write), -EBUSY
 * (invalidations kept winning, %XE_SVM_EMU_FAULT_TRIES faults and
 * %XE_SVM_EMU_FAULT_TIMEOUT_MS long), -EINTR (fatal signal), -ENOMEM.
 */
int xe_svm_emu_gpu_access(struct xe_svm_emu_vm *vm, u64 addr, unsigned int access,
			  void (*fn)(void *p, void *arg), void *arg, u64 *faults)
{
	bool write = access & (XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC);
	unsigned long deadline = jiffies + msecs_to_jiffies(XE_SVM_EMU_FAULT_TIMEOUT_MS);
	bool atomic_faulted = false;
	unsigned int tries = 0;
	int err;

	for (;;) {
		unsigned long pte;
		void *entry;
		u8 *p;

		down_read(&vm->svm.notifier_lock);
		entry = xa_load(&vm->pt, addr >> PAGE_SHIFT);
		pte = xa_is_value(entry) ? xa_to_value(entry) : 0;
		if (entry && (!write || (pte & XE_SVM_EMU_PTE_WRITE)) &&
		    (!(access & XE_SVM_ACCESS_ATOMIC) || atomic_faulted ||
		     is_device_private_page(pfn_to_page(xe_svm_emu_pte_pfn(pte)))) &&
		    !WARN_ON_ONCE(!xe_svm_emu_pte_page(pte))) {
			p = kmap_local_page(xe_svm_emu_pte_page(pte));
			fn(p + offset_in_page(addr), arg);
			kunmap_local(p);
			up_read(&vm->svm.notifier_lock);
			return 0;
		}
		up_read(&vm->svm.notifier_lock);

		if (fatal_signal_pending(current))
			return -EINTR;
		if (++tries > XE_SVM_EMU_FAULT_TRIES) {
			if (time_after(jiffies, deadline))
				return -EBUSY;
			usleep_range(100, 1000);
		}
		(*faults)++;
		err = xe_svm_emu_gpu_fault(vm, addr, access);
		atomic_faulted = access & XE_SVM_ACCESS_ATOMIC;
		if (err)
			return err;
	}
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_gpu_access, DRM_XE_SVM_EMU);

/**
 * struct xe_svm_emu_op_page_arg - one page of an operation, for
 * xe_svm_emu_gpu_access()
 */
struct xe_svm_emu_op_page_arg {
	/** @op: the operation */
	struct xe_svm_emu_op *op;
	/** @addr: the GPU VA of its first word in the page */
	u64 addr;
	/** @end: the end of its words in the page */
	u64 end;
	/** @more: out, false once a COMPARE found its mismatch */
	bool more;
};

static void xe_svm_emu_op_page_fn(void *p, void *data)
{
	struct xe_svm_emu_op_page_arg *arg = data;

	arg->more = xe_svm_emu_op_page(arg->op, p - offset_in_page(arg->addr), arg->addr,
				       arg->end, (arg->addr - arg->op->addr) / sizeof(u64));
}

/* Run one operation, page by page (see xe_svm_emu_gpu_access()). */
static int xe_svm_emu_run_op(struct xe_svm_emu_vm *vm, struct xe_svm_emu_op *op,
			     u64 *faults)
{
	int access = xe_svm_emu_op_access(vm, op);
	struct xe_svm_emu_op_page_arg arg = { .op = op, .addr = op->addr };
	u64 end = op->addr + (op->size ?: sizeof(u64));
	int err;

	op->out = op->op == XE_SVM_EMU_OP_COMPARE ? XE_SVM_EMU_COMPARE_EQUAL : 0;
	if (access < 0)
		return access;
	while (arg.addr < end) {
		arg.end = min_t(u64, end, PAGE_ALIGN(arg.addr + 1));
		err = xe_svm_emu_gpu_access(vm, arg.addr, access, xe_svm_emu_op_page_fn,
					    &arg, faults);
		if (err)
			return err;
		if (!arg.more)
			return 0;
		arg.addr = arg.end;
		/* A FILL of 4 GiB is a million pages: stay killable. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}

	return 0;
}

/*
 * Every operation covers [@addr, @addr + size), size 8 for the one-word
 * operations: it must lie inside the GPU VA space, so that it can
 * neither wrap nor name an address no VM can map.
 */
static int xe_svm_emu_check_op(const struct xe_svm_emu_op *op)
{
	bool sized = op->op == XE_SVM_EMU_OP_FILL || op->op == XE_SVM_EMU_OP_COMPARE;
	u64 end;

	if (op->op > XE_SVM_EMU_OP_MAX || !IS_ALIGNED(op->addr, sizeof(u64)))
		return -EINVAL;
	if (!sized && (op->size || op->step))
		return -EINVAL;
	if (sized && (!op->size || !IS_ALIGNED(op->size, sizeof(u64)) ||
		      op->size > XE_SVM_EMU_MAX_OP_SIZE))
		return -EINVAL;
	if (check_add_overflow(op->addr, sized ? op->size : sizeof(u64), &end) ||
	    end > XE_SVM_EMU_VA_SIZE)
		return -EINVAL;

	return 0;
}

static int xe_svm_emu_ioctl_exec(struct xe_svm_emu_file *ef,
				 struct xe_svm_emu_exec __user *uarg)
{
	struct xe_svm_emu_exec exec;
	struct xe_svm_emu_op *ops;
	struct xe_svm_emu_vm *vm;
	u64 faults = 0;
	size_t size;
	u32 i;
	int err;

	if (copy_from_user(&exec, uarg, sizeof(exec)))
		return -EFAULT;
	if (exec.flags || exec.pad || !xe_svm_emu_mbz(exec.reserved, sizeof(exec.reserved)) ||
	    !exec.num_ops || exec.num_ops > XE_SVM_EMU_MAX_OPS)
		return -EINVAL;

	vm = xe_svm_emu_vm_lookup(ef, exec.vm_id);
	if (!vm)
		return -ENOENT;
	/* Faults use the creator's mm: another process must not drive them. */
	if (current->mm != vm->svm.mm) {
		err = -EINVAL;
		goto out_put;
	}

	size = array_size(exec.num_ops, sizeof(*ops));
	ops = kvmalloc(size, GFP_KERNEL);
	if (!ops) {
		err = -ENOMEM;
		goto out_put;
	}
	if (copy_from_user(ops, u64_to_user_ptr(exec.ops), size)) {
		err = -EFAULT;
		goto out_free;
	}
	for (i = 0; i < exec.num_ops; i++) {
		err = xe_svm_emu_check_op(&ops[i]);
		if (err)
			goto out_free;
	}
	/*
	 * The results are written back after the ops ran: check first that
	 * they can be, so that -EFAULT still means that no operation ran
	 * (a caller that retries must not apply its atomics twice). Writing
	 * the unchanged arguments back also breaks copy-on-write up front.
	 */
	if (copy_to_user(u64_to_user_ptr(exec.ops), ops, size) ||
	    copy_to_user(uarg, &exec, sizeof(exec))) {
		err = -EFAULT;
		goto out_free;
	}

	for (i = 0; i < exec.num_ops; i++) {
		/* A killed process is not waited for; nothing is held here. */
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto out_free;
		}
		ops[i].result = xe_svm_emu_run_op(vm, &ops[i], &faults);
		cond_resched();
	}

	exec.faults = faults;
	if (copy_to_user(u64_to_user_ptr(exec.ops), ops, size) ||
	    copy_to_user(uarg, &exec, sizeof(exec)))
		err = -EFAULT;
	else
		err = 0;

out_free:
	kvfree(ops);
out_put:
	xe_svm_emu_vm_put(vm);
	return err;
}

static int xe_svm_emu_ioctl_snapshot(struct xe_svm_emu_file *ef,
				     struct xe_svm_emu_snapshot __user *uarg)
{
	struct xe_svm_emu_snapshot snap;
	struct xe_svm_emu_vm *vm;
	u32 *entries;
	size_t size;
	u32 i;
	int err;

	if (copy_from_user(&snap, uarg, sizeof(snap)))
		return -EFAULT;
	if (snap.flags || snap.pad || !xe_svm_emu_mbz(snap.reserved, sizeof(snap.reserved)) ||
	    !PAGE_ALIGNED(snap.addr) || !snap.npages ||
	    snap.npages > XE_SVM_EMU_MAX_SNAPSHOT)
		return -EINVAL;

	vm = xe_svm_emu_vm_lookup(ef, snap.vm_id);
	if (!vm)
		return -ENOENT;

	size = array_size(snap.npages, sizeof(*entries));
	entries = kvzalloc(size, GFP_KERNEL);
	if (!entries) {
		err = -ENOMEM;
		goto out_put;
	}

	down_read(&vm->svm.notifier_lock);
	for (i = 0; i < snap.npages; i++) {
		void *entry = xa_load(&vm->pt, (snap.addr >> PAGE_SHIFT) + i);
		unsigned long pte;

		if (!xa_is_value(entry))
			continue;
		pte = xa_to_value(entry);
		if (is_device_private_page(pfn_to_page(xe_svm_emu_pte_pfn(pte))))
			entries[i] |= XE_SVM_EMU_SNAP_VRAM;
		entries[i] |= XE_SVM_EMU_SNAP_MAPPED |
			     (pte & XE_SVM_EMU_PTE_WRITE ? XE_SVM_EMU_SNAP_WRITE : 0) |
			     FIELD_GET(XE_SVM_EMU_PTE_SHIFT_MASK, pte) << 8;
	}
	up_read(&vm->svm.notifier_lock);

	err = copy_to_user(u64_to_user_ptr(snap.entries), entries, size) ? -EFAULT : 0;
	kvfree(entries);
out_put:
	xe_svm_emu_vm_put(vm);
	return err;
}

static int xe_svm_emu_ioctl_stats(struct xe_svm_emu_file *ef,
				  struct xe_svm_emu_stats __user *uarg)
{
	struct xe_svm_emu_stats st;
	struct xe_svm_stats *s;
	struct xe_svm_emu_vm *vm;
	int err = 0;

	if (copy_from_user(&st, uarg, sizeof(st)))
		return -EFAULT;
	if (st.flags || !xe_svm_emu_mbz(st.reserved, sizeof(st.reserved)))
		return -EINVAL;

	vm = xe_svm_emu_vm_lookup(ef, st.vm_id);
	if (!vm)
		return -ENOENT;

	s = &vm->svm.stats;
	st.faults = atomic64_read(&s->faults);
	st.fault_retries = atomic64_read(&s->fault_retries);
	st.wp_breaks = atomic64_read(&s->wp_breaks);
	st.exclusive_maps = atomic64_read(&s->exclusive_maps);
	st.thrash_holds = atomic64_read(&s->thrash_holds);
	st.invalidations = atomic64_read(&s->invalidations);
	st.ranges_destroyed = atomic64_read(&s->ranges_destroyed);
	st.ranges_created = atomic64_read(&s->ranges_created);
	st.ranges_live = st.ranges_created - st.ranges_destroyed;
	st.gc_runs = atomic64_read(&s->gc_runs);
	st.dma_mapped_pages = atomic64_read(&s->dma_mapped_pages);
	st.vram_migrations = atomic64_read(&s->vram_migrations);
	st.vram_fallbacks = atomic64_read(&s->vram_fallbacks);

	if (copy_to_user(uarg, &st, sizeof(st)))
		err = -EFAULT;
	xe_svm_emu_vm_put(vm);
	return err;
}

static int xe_svm_emu_ioctl_vm_placement(struct xe_svm_emu_file *ef,
					 struct xe_svm_emu_vm_placement __user *uarg)
{
	struct xe_svm_emu_vm_placement args;
	struct xe_svm_emu_vm *vm;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL) ||
	    !xe_svm_emu_mbz(args.reserved, sizeof(args.reserved)) ||
	    (args.placement != XE_SVM_EMU_PLACE_VRAM &&
	     args.placement != XE_SVM_EMU_PLACE_SYSTEM) ||
	    args.tile >= ef->emu->num_tiles)
		return -EINVAL;

	vm = xe_svm_emu_vm_lookup(ef, args.vm_id);
	if (!vm)
		return -ENOENT;

	/* Faults read both under the VM lock. */
	down_write(&vm->vm_lock);
	vm->svm.vram = &ef->emu->tiles[args.tile].devmem;
	WRITE_ONCE(vm->svm.preferred, args.placement == XE_SVM_EMU_PLACE_VRAM ?
		   XE_SVM_PLACE_VRAM : XE_SVM_PLACE_SYSTEM);
	vm->svm.thrash_control =
		!(args.flags & XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL);
	up_write(&vm->vm_lock);

	xe_svm_emu_vm_put(vm);
	return 0;
}

static int xe_svm_emu_ioctl_tile_stats(struct xe_svm_emu_file *ef,
				       struct xe_svm_emu_tile_stats __user *uarg)
{
	struct xe_svm_emu_tile_stats st;
	struct xe_svm_devmem_stats *s;

	if (copy_from_user(&st, uarg, sizeof(st)))
		return -EFAULT;
	if (st.flags || !xe_svm_emu_mbz(st.reserved, sizeof(st.reserved)) ||
	    st.tile >= ef->emu->num_tiles)
		return -EINVAL;

	/*
	 * Settled figures: VRAM whose last page went is given back first,
	 * then the objects TTM could not free at once (busy or contended
	 * reservation: ttm_bo_release() defers them to its workqueue) go,
	 * so that what a test freed is no longer counted as used.
	 */
	flush_work(&ef->emu->tiles[st.tile].devmem.free_work);
	flush_workqueue(ef->emu->ttm.wq);
	s = &ef->emu->tiles[st.tile].devmem.stats;
	st.vram_pages = ef->emu->tiles[st.tile].vram_size >> PAGE_SHIFT;
	st.vram_pages_in_use = atomic64_read(&s->pages_in_use);
	st.migrated_to_vram = atomic64_read(&s->migrated_to_vram);
	st.migrated_to_ram = atomic64_read(&s->migrated_to_ram);
	st.bytes_copied = atomic64_read(&s->bytes_copied);
	st.cpu_faults = atomic64_read(&s->cpu_faults);
	st.alloc_failures = atomic64_read(&s->alloc_failures);
	st.copy_failures = atomic64_read(&s->copy_failures);
	st.cpu_fault_races = atomic64_read(&s->cpu_fault_races);
	st.evictions = atomic64_read(&s->evictions);
	st.evict_failures = atomic64_read(&s->evict_failures);
	st.vram_bytes_used =
		ttm_resource_manager_usage(ttm_manager_type(&ef->emu->ttm,
							    ef->emu->tiles[st.tile].mem_type));
	st.bo_evictions = atomic64_read(&ef->emu->tiles[st.tile].bo_evictions);
	st.vram_pt_bytes = atomic64_read(&ef->emu->tiles[st.tile].pt_bytes);

	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static const struct file_operations xe_svm_emu_fops;

/* The device state of @file if it is an open file of either face, or NULL */
static struct xe_svm_emu_file *xe_svm_emu_file_of(struct xe_svm_emu_device *emu,
						  struct file *file)
{
	struct xe_svm_emu_file *(*drm_file_of)(struct file *file);

	if (file->f_op == &xe_svm_emu_fops)
		return file->private_data;
	drm_file_of = READ_ONCE(emu->drm_file_of);

	return drm_file_of ? drm_file_of(file) : NULL;
}

/*
 * The value MADVISE gives: for a preferred location in a device file,
 * the file must be one of this device's, through either face (a file of
 * another device would be -ENOLINK, but there is only one emulated
 * device), and the region instance one of its VRAM regions, 1 + tile.
 */
static int xe_svm_emu_madvise_value(struct xe_svm_emu_file *ef,
				    const struct drm_xe_madvise *args,
				    struct xe_svm_attr *val, unsigned int *mask)
{
	struct xe_svm_emu_file *other;
	struct file *file;
	int err;

	err = xe_svm_madvise_value(args, val, mask);
	if (err <= 0)
		return err;

	file = fget((s32)args->preferred_mem_loc.devmem_fd);
	if (!file)
		return -EBADF;
	other = xe_svm_emu_file_of(ef->emu, file);
	if (!other)
		err = -EINVAL;
	else if (other->emu != ef->emu)
		err = -ENOLINK;
	else if (!val->region_instance || val->region_instance > ef->emu->num_tiles)
		err = -EINVAL;
	else
		err = 0;
	fput(file);
	if (!err)
		val->dm = &ef->emu->tiles[val->region_instance - 1].devmem;

	return err;
}

/**
 * xe_svm_emu_madvise() - set a memory-range attribute (xe's MADVISE)
 * @ef: the caller's file
 * @args: the arguments, copied in
 *
 * Everything is checked before anything changes.
 *
 * Context: process context, may sleep; takes the VM lock for writing.
 * Return: 0, -ENOENT for an unknown VM, -EINVAL / -EBADF / -ENOLINK for
 * bad arguments (xe_svm_check_madvise()), -EINTR, -ENOMEM.
 */
int xe_svm_emu_madvise(struct xe_svm_emu_file *ef, const struct drm_xe_madvise *args)
{
	struct xe_svm_vm_limits lim;
	struct xe_svm_emu_vm *vm;
	struct xe_svm_attr val;
	unsigned int mask;
	int err;

	might_sleep();

	vm = xe_svm_emu_vm_lookup(ef, args->vm_id);
	if (!vm)
		return -ENOENT;

	lim = xe_svm_emu_limits(vm);
	err = xe_svm_check_madvise(args, &lim);
	if (!err)
		err = xe_svm_emu_madvise_value(ef, args, &val, &mask);
	if (err)
		goto out_put;

	err = down_write_killable(&vm->vm_lock);
	if (err)
		goto out_put;
	err = xe_svm_attr_change(&vm->svm, args->start, args->start + args->range, mask,
				 &val, false);
	up_write(&vm->vm_lock);

out_put:
	xe_svm_emu_vm_put(vm);
	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_madvise, DRM_XE_SVM_EMU);

static int xe_svm_emu_ioctl_madvise(struct xe_svm_emu_file *ef,
				    struct drm_xe_madvise __user *uarg)
{
	struct drm_xe_madvise args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	return xe_svm_emu_madvise(ef, &args);
}

/*
 * Walk the query's entries: every stretch of one value of a mirrored
 * window that intersects [@start, @end), with the bounds of the stretch
 * (not clipped to the query, as upstream reports whole VMAs). Fills
 * @out when it is not NULL, at most @max entries; returns the number of
 * entries there are.
 */
static u32 xe_svm_emu_mem_range_attrs(struct xe_svm_emu_vm *vm, u64 start, u64 end,
				      struct drm_xe_mem_range_attr *out, u32 max)
{
	MA_STATE(mas, &vm->windows, start, start);
	struct xe_svm_attr_region *region;
	void *window;
	u32 n = 0;

	lockdep_assert_held(&vm->vm_lock);

	mtree_lock(&vm->windows);
	mas_for_each(&mas, window, end - 1) {
		u64 w_start = mas.index, w_end = (u64)mas.last + 1;
		u64 s = max(w_start, start), e = min(w_end, end);

		for (region = xe_svm_attr_lookup(&vm->svm.attrs, s); region && region->start < e;
		     region = xe_svm_attr_next(&vm->svm.attrs, region)) {
			if (out && n < max)
				xe_svm_mem_range_attr_fill(&out[n], max(region->start, w_start),
							   min(region->end, w_end),
							   &region->attr);
			n++;
		}
	}
	mtree_unlock(&vm->windows);

	return n;
}

/**
 * xe_svm_emu_query_attrs() - the memory-range attributes of a VA range
 * (xe's VM_QUERY_MEM_RANGE_ATTRS)
 * @ef: the caller's file
 * @args: the arguments, copied in; the counts are set for copying out
 *
 * The two-call protocol: with @num_mem_ranges 0 and no vector, only
 * counts; else fills the vector, -ENOSPC if it is too small.
 *
 * Context: process context, may sleep; takes the VM lock for reading.
 * Return: 0, -ENOENT for an unknown VM, -EINVAL for bad arguments,
 * -ENOSPC, -EFAULT (the vector), -EINTR, -ENOMEM.
 */
int xe_svm_emu_query_attrs(struct xe_svm_emu_file *ef,
			   struct drm_xe_vm_query_mem_range_attr *args)
{
	struct drm_xe_mem_range_attr *entries = NULL;
	struct xe_svm_vm_limits lim;
	struct xe_svm_emu_vm *vm;
	bool count_only;
	u32 n;
	int err;

	might_sleep();

	vm = xe_svm_emu_vm_lookup(ef, args->vm_id);
	if (!vm)
		return -ENOENT;
	lim = xe_svm_emu_limits(vm);
	err = xe_svm_check_query_attrs(args, &lim, &count_only);
	if (err)
		goto out_put;

	/* A munmap() that returned has its autoreset applied first. */
	flush_work(&vm->svm.gc_work);
	err = down_read_killable(&vm->vm_lock);
	if (err)
		goto out_put;
	n = xe_svm_emu_mem_range_attrs(vm, args->start, args->start + args->range, NULL, 0);
	if (!count_only) {
		if (n > args->num_mem_ranges) {
			err = -ENOSPC;
		} else {
			entries = kvcalloc(n, sizeof(*entries), GFP_KERNEL);
			if (n && !entries)
				err = -ENOMEM;
			else
				xe_svm_emu_mem_range_attrs(vm, args->start,
							   args->start + args->range, entries, n);
		}
	}
	up_read(&vm->vm_lock);
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
	xe_svm_emu_vm_put(vm);
	return err;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_emu_query_attrs, DRM_XE_SVM_EMU);

static int xe_svm_emu_ioctl_query_attrs(struct xe_svm_emu_file *ef,
					struct drm_xe_vm_query_mem_range_attr __user *uarg)
{
	struct drm_xe_vm_query_mem_range_attr args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	err = xe_svm_emu_query_attrs(ef, &args);
	if (!err && copy_to_user(uarg, &args, sizeof(args)))
		err = -EFAULT;

	return err;
}

static int xe_svm_emu_check_residency(const struct xe_svm_emu_residency *args,
				      const struct xe_svm_vm_limits *lim, bool *count_only)
{
	if (args->flags || memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	if (xe_svm_check_va_range(args->start, args->range, lim->va_size))
		return -EINVAL;

	if (!args->num_ranges && !args->sizeof_entry && !args->vector) {
		*count_only = true;
		return 0;
	}
	if (args->num_ranges && args->vector &&
	    args->sizeof_entry == sizeof(struct xe_svm_emu_range_residency)) {
		*count_only = false;
		return 0;
	}

	return -EINVAL;
}

static void xe_svm_emu_residency_entry(struct xe_svm_emu_range_residency *out,
				       const struct xe_svm_residency *res)
{
	static const struct { u32 core, uapi; } bits[] = {
		{ XE_SVM_RESIDENCY_GPU_MAPPED, XE_SVM_EMU_RES_GPU_MAPPED },
		{ XE_SVM_RESIDENCY_GPU_WRITE, XE_SVM_EMU_RES_GPU_WRITE },
		{ XE_SVM_RESIDENCY_GPU_VRAM, XE_SVM_EMU_RES_GPU_VRAM },
		{ XE_SVM_RESIDENCY_VRAM_MIXED, XE_SVM_EMU_RES_VRAM_MIXED },
		{ XE_SVM_RESIDENCY_INCOMPLETE, XE_SVM_EMU_RES_INCOMPLETE },
	};
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->start = res->start;
	out->end = res->end;
	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (res->flags & bits[i].core)
			out->flags |= bits[i].uapi;
	out->sys_pages = res->sys;
	/* Every VRAM page of this device is on one of its tiles. */
	out->absent_pages = res->absent + res->vram_other;
	for (i = 0; i < XE_SVM_EMU_MAX_TILES; i++)
		out->vram_pages[i] = res->vram[i];
}

static int xe_svm_emu_ioctl_residency(struct xe_svm_emu_file *ef,
				      struct xe_svm_emu_residency __user *uarg)
{
	struct xe_svm_devmem *regions[XE_SVM_EMU_MAX_TILES];
	struct xe_svm_emu_range_residency *entries = NULL;
	struct xe_svm_residency *res = NULL;
	struct xe_svm_emu_residency args;
	struct xe_svm_vm_limits lim;
	struct xe_svm_emu_vm *vm;
	bool count_only;
	unsigned int t;
	u32 i, n;
	int err;

	static_assert(XE_SVM_EMU_MAX_TILES <= XE_SVM_RESIDENCY_REGIONS);

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	vm = xe_svm_emu_vm_lookup(ef, args.vm_id);
	if (!vm)
		return -ENOENT;
	lim = xe_svm_emu_limits(vm);
	err = xe_svm_emu_check_residency(&args, &lim, &count_only);
	if (err)
		goto out_put;
	for (t = 0; t < ef->emu->num_tiles; t++)
		regions[t] = &ef->emu->tiles[t].devmem;

	/* Ranges of memory a returned munmap() unmapped are gone first. */
	flush_work(&vm->svm.gc_work);
	err = down_read_killable(&vm->vm_lock);
	if (err)
		goto out_put;
	n = xe_svm_residency(&vm->svm, args.start, args.start + args.range, NULL, 0,
			     NULL, 0);
	if (!count_only) {
		if (n > args.num_ranges) {
			err = -ENOSPC;
		} else if (n) {
			res = kvcalloc(n, sizeof(*res), GFP_KERNEL);
			if (!res)
				err = -ENOMEM;
			else
				xe_svm_residency(&vm->svm, args.start, args.start + args.range,
						 regions, ef->emu->num_tiles, res, n);
		}
	}
	up_read(&vm->vm_lock);
	if (err)
		goto out_free;

	if (n && !count_only) {
		entries = kvcalloc(n, sizeof(*entries), GFP_KERNEL);
		if (!entries) {
			err = -ENOMEM;
			goto out_free;
		}
		for (i = 0; i < n; i++)
			xe_svm_emu_residency_entry(&entries[i], &res[i]);
		if (copy_to_user(u64_to_user_ptr(args.vector), entries,
				 array_size(n, sizeof(*entries)))) {
			err = -EFAULT;
			goto out_free;
		}
	}
	args.num_ranges = n;
	args.sizeof_entry = sizeof(struct xe_svm_emu_range_residency);
	if (copy_to_user(uarg, &args, sizeof(args)))
		err = -EFAULT;

out_free:
	kvfree(entries);
	kvfree(res);
out_put:
	xe_svm_emu_vm_put(vm);
	return err;
}

static long xe_svm_emu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct xe_svm_emu_file *ef = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XE_SVM_EMU_IOCTL_INFO:
		return xe_svm_emu_ioctl_info(ef, uarg);
	case XE_SVM_EMU_IOCTL_EXEC:
		return xe_svm_emu_ioctl_exec(ef, uarg);
	case XE_SVM_EMU_IOCTL_SNAPSHOT:
		return xe_svm_emu_ioctl_snapshot(ef, uarg);
	case XE_SVM_EMU_IOCTL_VM_CREATE:
		return xe_svm_emu_ioctl_vm_create(ef, uarg);
	case XE_SVM_EMU_IOCTL_VM_DESTROY:
		return xe_svm_emu_ioctl_vm_destroy(ef, uarg);
	case XE_SVM_EMU_IOCTL_VM_BIND:
		return xe_svm_emu_ioctl_vm_bind(ef, uarg);
	case XE_SVM_EMU_IOCTL_STATS:
		return xe_svm_emu_ioctl_stats(ef, uarg);
	case XE_SVM_EMU_IOCTL_VM_PLACEMENT:
		return xe_svm_emu_ioctl_vm_placement(ef, uarg);
	case XE_SVM_EMU_IOCTL_TILE_STATS:
		return xe_svm_emu_ioctl_tile_stats(ef, uarg);
	case XE_SVM_EMU_IOCTL_MADVISE:
		return xe_svm_emu_ioctl_madvise(ef, uarg);
	case XE_SVM_EMU_IOCTL_VM_QUERY_MEM_RANGE_ATTRS:
		return xe_svm_emu_ioctl_query_attrs(ef, uarg);
	case XE_SVM_EMU_IOCTL_RESIDENCY:
		return xe_svm_emu_ioctl_residency(ef, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations xe_svm_emu_fops = {
	.owner = THIS_MODULE,
	.open = xe_svm_emu_open,
	.release = xe_svm_emu_release,
	.unlocked_ioctl = xe_svm_emu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static int xe_svm_emu_check_params(void)
{
	if (tiles < 1 || tiles > XE_SVM_EMU_MAX_TILES) {
		pr_err("xe_svm_emu: tiles=%u is out of range 1-%u\n",
		       tiles, XE_SVM_EMU_MAX_TILES);
		return -EINVAL;
	}
	if (vram_mb < 1 || vram_mb > XE_SVM_EMU_MAX_VRAM_MB) {
		pr_err("xe_svm_emu: vram_mb=%u is out of range 1-%u\n",
		       vram_mb, XE_SVM_EMU_MAX_VRAM_MB);
		return -EINVAL;
	}

	return 0;
}

/*
 * Tear down the VRAM of a tile: the core moves every page still in VRAM
 * back to system memory first, in whatever process maps it.
 */
static void xe_svm_emu_tile_fini(struct xe_svm_emu_device *emu,
				 struct xe_svm_emu_tile *tile)
{
	unsigned long i;

	/* Every SVM object is put by now, every VM with its page tables. */
	WARN_ON(atomic64_read(&tile->pt_bytes));
	xe_svm_devmem_fini(&tile->devmem);
	xe_svm_emu_balloon_free(tile);
	destroy_workqueue(tile->copy_wq);
	ttm_range_man_fini(&emu->ttm, tile->mem_type);
	for (i = 0; i < tile->vram_size >> PAGE_SHIFT; i++)
		if (tile->backing[i])
			__free_page(tile->backing[i]);
	kvfree(tile->backing);
}

static int xe_svm_emu_tile_init(struct xe_svm_emu_device *emu,
				struct xe_svm_emu_tile *tile, unsigned int id)
{
	int err;

	tile->id = id;
	tile->vram_size = (u64)vram_mb << 20;
	tile->mem_type = TTM_PL_VRAM + id;
	spin_lock_init(&tile->fence_lock);
	tile->fence_context = dma_fence_context_alloc(1);

	tile->backing = kvcalloc(tile->vram_size >> PAGE_SHIFT, sizeof(*tile->backing),
				 GFP_KERNEL);
	if (!tile->backing)
		return -ENOMEM;
	err = ttm_range_man_init(&emu->ttm, tile->mem_type, false,
				 tile->vram_size >> PAGE_SHIFT);
	if (err)
		goto err_backing;
	tile->copy_wq = alloc_ordered_workqueue("xe_svm_emu_copy%u", 0, id);
	if (!tile->copy_wq) {
		err = -ENOMEM;
		goto err_man;
	}
	snprintf(tile->name, sizeof(tile->name), "xe_svm_emu tile%u VRAM", id);
	err = xe_svm_devmem_init(&tile->devmem, &xe_svm_emu_devmem_ops, NULL, NULL,
				 tile->vram_size, 0, emu, tile->name, NUMA_NO_NODE);
	if (err)
		goto err_wq;

	return 0;

err_wq:
	destroy_workqueue(tile->copy_wq);
err_man:
	ttm_range_man_fini(&emu->ttm, tile->mem_type);
err_backing:
	kvfree(tile->backing);
	return err;
}

/*
 * Fault injection: "fail the next N" knobs, see struct xe_svm_emu_tile_stats.
 * Writing arms every tile; reading sums what is left on all of them, so
 * that a count one tile never used up still shows.
 */
static int xe_svm_emu_fail_vram_alloc_get(void *data, u64 *val)
{
	struct xe_svm_emu_device *emu = data;
	unsigned int i;

	*val = 0;
	for (i = 0; i < emu->num_tiles; i++)
		*val += atomic_read(&emu->tiles[i].devmem.fail_alloc);
	return 0;
}

static int xe_svm_emu_fail_vram_alloc_set(void *data, u64 val)
{
	struct xe_svm_emu_device *emu = data;
	unsigned int i;

	if (val > INT_MAX)
		return -EINVAL;
	for (i = 0; i < emu->num_tiles; i++)
		atomic_set(&emu->tiles[i].devmem.fail_alloc, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(xe_svm_emu_fail_vram_alloc_fops, xe_svm_emu_fail_vram_alloc_get,
			 xe_svm_emu_fail_vram_alloc_set, "%llu\n");

/*
 * The balloon: a pinned object at the bottom of each tile's VRAM, so
 * that tests can make VRAM small without reloading the module (the xe
 * DRM face depends on it). Writing N MiB replaces the balloons with ones
 * of N MiB (0: none; at most all of VRAM, which leaves room for nothing,
 * not even a page table), evicting whatever is there; reading tells N.
 */
static int xe_svm_emu_balloon_get(void *data, u64 *val)
{
	struct xe_svm_emu_device *emu = data;

	mutex_lock(&emu->balloon_lock);
	*val = emu->balloon_mb;
	mutex_unlock(&emu->balloon_lock);
	return 0;
}

static int xe_svm_emu_balloon_set(void *data, u64 val)
{
	struct xe_svm_emu_device *emu = data;
	unsigned int i;
	int err = 0;

	if (val > vram_mb)
		return -EINVAL;
	mutex_lock(&emu->balloon_lock);
	for (i = 0; i < emu->num_tiles; i++)
		xe_svm_emu_balloon_free(&emu->tiles[i]);
	emu->balloon_mb = 0;
	for (i = 0; val && i < emu->num_tiles && !err; i++)
		err = xe_svm_emu_balloon_alloc(emu, &emu->tiles[i], val << 20);
	if (err)
		for (i = 0; i < emu->num_tiles; i++)
			xe_svm_emu_balloon_free(&emu->tiles[i]);
	else
		emu->balloon_mb = val;
	mutex_unlock(&emu->balloon_lock);

	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(xe_svm_emu_balloon_fops, xe_svm_emu_balloon_get,
			 xe_svm_emu_balloon_set, "%llu\n");

/*
 * System suspend, as a discrete GPU's driver does it: writing 1 evicts
 * every object in VRAM through TTM (SVM allocations go back to the
 * processes' system memory) and keeps VRAM closed to SVM until 0 is
 * written (resume). Fails, still suspended, if something would not leave.
 */
static int xe_svm_emu_suspend_get(void *data, u64 *val)
{
	struct xe_svm_emu_device *emu = data;

	*val = atomic_read(&emu->suspended);
	return 0;
}

static int xe_svm_emu_suspend_set(void *data, u64 val)
{
	struct xe_svm_emu_device *emu = data;
	unsigned int i;
	int err;

	if (val > 1)
		return -EINVAL;
	atomic_set(&emu->suspended, val);
	if (!val)
		return 0;
	/* Pairs with the check after an allocation reached the LRU. */
	smp_mb();
	for (i = 0; i < emu->num_tiles; i++) {
		err = ttm_resource_manager_evict_all(&emu->ttm,
						     ttm_manager_type(&emu->ttm,
								      emu->tiles[i].mem_type));
		if (err)
			return err;
	}

	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(xe_svm_emu_suspend_fops, xe_svm_emu_suspend_get,
			 xe_svm_emu_suspend_set, "%llu\n");

/* tile<N>_timing: where the tile's migrations spent their time. */
static int xe_svm_emu_tile_timing_show(struct seq_file *m, void *data)
{
	struct xe_svm_emu_tile *tile = m->private;
	struct drm_printer p = drm_seq_file_printer(m);

	xe_svm_devmem_timing_print(&tile->devmem, &p);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xe_svm_emu_tile_timing);

static void xe_svm_emu_debugfs_init(struct xe_svm_emu_device *emu)
{
	unsigned int i;
	char name[24];

	xe_svm_emu_debugfs_root = debugfs_create_dir("xe_svm_emu", NULL);
	debugfs_create_file_unsafe("fail_vram_alloc", 0600, xe_svm_emu_debugfs_root, emu,
				   &xe_svm_emu_fail_vram_alloc_fops);
	debugfs_create_atomic_t("fail_copy_to_vram", 0600, xe_svm_emu_debugfs_root,
				&emu->fail_copy_to_vram);
	debugfs_create_atomic_t("fail_copy_to_ram", 0600, xe_svm_emu_debugfs_root,
				&emu->fail_copy_to_ram);
	debugfs_create_atomic_t("wedged", 0600, xe_svm_emu_debugfs_root, &emu->wedged);
	debugfs_create_atomic_t("vram_map_64k", 0600, xe_svm_emu_debugfs_root,
				&emu->vram_map_64k);
	debugfs_create_file_unsafe("suspend", 0600, xe_svm_emu_debugfs_root, emu,
				   &xe_svm_emu_suspend_fops);
	debugfs_create_file_unsafe("vram_balloon_mb", 0600, xe_svm_emu_debugfs_root, emu,
				   &xe_svm_emu_balloon_fops);
	for (i = 0; i < emu->num_tiles; i++) {
		snprintf(name, sizeof(name), "tile%u_timing", i);
		debugfs_create_file(name, 0444, xe_svm_emu_debugfs_root, &emu->tiles[i],
				    &xe_svm_emu_tile_timing_fops);
	}
}

static int __init xe_svm_emu_init(void)
{
	struct xe_svm_emu_device *emu;
	unsigned int i;
	int err;

	err = xe_svm_emu_check_params();
	if (err)
		return err;

	emu = kzalloc(sizeof(*emu), GFP_KERNEL);
	if (!emu)
		return -ENOMEM;
	/* The copy engine reads the fault-injection counters from here. */
	xe_svm_emu = emu;

	mutex_init(&emu->balloon_lock);
	/* No CPU mapping of its objects: no address space, no offsets. */
	drm_vma_offset_manager_init(&emu->vma_manager, 0, 1);
	err = ttm_device_init(&emu->ttm, &xe_svm_emu_ttm_funcs, NULL, NULL,
			      &emu->vma_manager, false, false);
	if (err)
		goto err_vma;

	for (i = 0; i < tiles; i++) {
		err = xe_svm_emu_tile_init(emu, &emu->tiles[i], i);
		if (err)
			goto err_tiles;
		emu->num_tiles++;
	}

	emu->misc.minor = MISC_DYNAMIC_MINOR;
	emu->misc.name = "xe_svm_emu";
	emu->misc.fops = &xe_svm_emu_fops;
	xe_svm_emu_debugfs_init(emu);
	err = misc_register(&emu->misc);
	if (err)
		goto err_debugfs;
	/*
	 * The "GPU" DMA-maps the pages it maps, like a real device: with
	 * CONFIG_DMA_API_DEBUG every mapping is checked and accounted.
	 */
	err = dma_coerce_mask_and_coherent(emu->misc.this_device, DMA_BIT_MASK(64));
	if (err)
		goto err_deregister;

	pr_info("xe_svm_emu: %u tiles, %u MiB of emulated VRAM each\n",
		emu->num_tiles, vram_mb);

	return 0;

err_deregister:
	misc_deregister(&emu->misc);
err_debugfs:
	debugfs_remove_recursive(xe_svm_emu_debugfs_root);
err_tiles:
	while (emu->num_tiles)
		xe_svm_emu_tile_fini(emu, &emu->tiles[--emu->num_tiles]);
	ttm_device_fini(&emu->ttm);
err_vma:
	drm_vma_offset_manager_destroy(&emu->vma_manager);
	xe_svm_emu = NULL;
	kfree(emu);
	return err;
}

static void __exit xe_svm_emu_exit(void)
{
	unsigned int i;

	misc_deregister(&xe_svm_emu->misc);
	/* No file is open; processes may still have data in VRAM. */
	for (i = 0; i < xe_svm_emu->num_tiles; i++)
		xe_svm_emu_tile_fini(xe_svm_emu, &xe_svm_emu->tiles[i]);
	ttm_device_fini(&xe_svm_emu->ttm);
	drm_vma_offset_manager_destroy(&xe_svm_emu->vma_manager);
	debugfs_remove_recursive(xe_svm_emu_debugfs_root);
	kfree(xe_svm_emu);
}

module_init(xe_svm_emu_init);
module_exit(xe_svm_emu_exit);

MODULE_DESCRIPTION("Emulated xe SVM device for testing without a GPU");
MODULE_LICENSE("Dual MIT/GPL");
MODULE_IMPORT_NS(DRM_XE_SVM);
