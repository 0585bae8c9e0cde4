// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/dma-fence.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/xe_drm.h>

#include "xe_svm.h"
#include "xe_svm_emu.h"
#include "xe_svm_uapi.h"

/**
 * DOC: Emulated xe DRM device
 *
 * Module xe_svm_emu_drm gives the emulated device (module xe_svm_emu) a
 * second face: a DRM device whose driver is called "xe", with xe's uAPI
 * (the ioctl numbers and structures of drm/xe_drm.h), so that user space
 * written for xe - IGT's xe_exec_system_allocator - runs on it
 * unmodified. Its VMs are the emulated device's VMs: the same argument
 * checks (xe_svm_uapi.c) and the same SVM core serve VM_CREATE, VM_BIND,
 * MADVISE and VM_QUERY_MEM_RANGE_ATTRS on both faces. The private test
 * interface (/dev/xe_svm_emu: operation lists, snapshots, statistics,
 * placement, fault injection) stays on its own node: it is not xe uAPI,
 * and keeping it off the DRM device keeps the DRM device's ioctl table
 * exactly xe's.
 *
 * What the DRM device is:
 *
 * - one GT per tile of the emulated device, each with one copy engine
 *   (class %DRM_XE_ENGINE_CLASS_COPY): the device runs command streams
 *   but has no EUs, so it has no render or compute engine;
 * - memory regions: system memory (instance 0) and each tile's emulated
 *   VRAM (instance 1 + tile), as a discrete part reports them;
 * - the config of a discrete Xe2 part (Battlemage, PCI id
 *   %XE_SVM_EMU_DRM_DEVID), 48 VA bits, with VRAM and CPU address
 *   mirroring;
 * - buffer objects whose data is in shmem wherever TTM places them,
 *   mapped by GEM_MMAP_OFFSET as shared file mappings, bound to a VM by
 *   VM_BIND MAP (their pages pinned while bound, mapped on the GPU's
 *   first access); one with a VRAM placement holds a TTM object in that
 *   VRAM (see struct xe_svm_emu_bo_vram), so that buffer objects and SVM
 *   evict each other: an evicted object leaves the GPU page tables and
 *   comes back into VRAM on the GPU's next access to it. A VRAM-only
 *   object that cannot get VRAM is -ENOMEM, as TTM reports it to xe;
 * - exec queues whose jobs a command streamer runs in order, fetching
 *   the batch through the VM: every access goes through the emulated
 *   GPU page table and its misses are GPU faults served by the SVM core;
 * - user fences written when a job or a bind completes, and
 *   WAIT_USER_FENCE with xe's semantics (-ETIME, -EIO once the queue is
 *   banned).
 *
 * A job that meets an unknown command, a GPU fault the core cannot serve
 * or more than %XE_SVM_EMU_CS_MAX_COMMANDS commands (a batch that jumps
 * to itself) bans its queue, as a hung context is banned on xe: its user
 * fence is never written, later EXECs fail with -ECANCELED,
 * WAIT_USER_FENCE on it with -EIO, and the queue's BAN property reads 1.
 */

/* A discrete Xe2 part: Battlemage G21 */
#define XE_SVM_EMU_DRM_DEVID		0xe20b
#define XE_SVM_EMU_DRM_REVID		0
#define XE_SVM_EMU_DRM_IP_MAJOR		20
#define XE_SVM_EMU_DRM_IP_MINOR		1
#define XE_SVM_EMU_DRM_REF_CLOCK	19200000
/* The most placements one exec queue names */
#define XE_SVM_EMU_DRM_MAX_PLACEMENTS	8
/* The most bind ops one VM_BIND takes, as the private interface */
#define XE_SVM_EMU_DRM_MAX_BINDS	4096
/* Commands one job may run before it counts as hung */
#define XE_SVM_EMU_CS_MAX_COMMANDS	BIT(16)
/* Nesting of MI_BATCH_BUFFER_START second-level batches */
#define XE_SVM_EMU_CS_MAX_DEPTH		2

/**
 * struct xe_svm_emu_drm - the emulated xe DRM device
 */
struct xe_svm_emu_drm {
	/** @drm: the DRM device; first, for devm_drm_dev_alloc() */
	struct drm_device drm;
	/** @emu: the emulated device; constant */
	struct xe_svm_emu_device *emu;
	/** @ufence_wq: woken whenever a user fence is written */
	wait_queue_head_t ufence_wq;
	/** @svm_pagefaults: GPU faults raised by each GT's engine */
	atomic64_t svm_pagefaults[XE_SVM_EMU_MAX_TILES];
};

/**
 * struct xe_svm_emu_drm_file - the state of an open DRM file
 */
struct xe_svm_emu_drm_file {
	/** @ef: the emulated device's per-file state (its VMs) */
	struct xe_svm_emu_file ef;
	/** @queues: the file's exec queues by id, each holding a reference */
	struct xarray queues;
};

/**
 * struct xe_svm_emu_queue - an exec queue
 *
 * Jobs run in submission order on @wq. The queue is freed when the last
 * reference goes: the file's (EXEC_QUEUE_DESTROY or close) and one per
 * ioctl using it; never from a job, which runs only while the queue
 * holds @wq.
 */
struct xe_svm_emu_queue {
	/** @ref: references, see above */
	struct kref ref;
	/** @edrm: the device; constant */
	struct xe_svm_emu_drm *edrm;
	/** @vm: the VM, referenced; constant */
	struct xe_svm_emu_vm *vm;
	/** @gt: the GT of the engine; constant */
	unsigned int gt;
	/** @wq: runs the jobs, one at a time, in order */
	struct workqueue_struct *wq;
	/** @banned: a job hung or faulted; no job runs any more */
	atomic_t banned;
	/** @killed: the queue was destroyed; pending jobs are dropped */
	atomic_t killed;
};

/**
 * struct xe_svm_emu_job - one EXEC of a queue
 */
struct xe_svm_emu_job {
	/** @work: the queue's work item */
	struct work_struct work;
	/** @q: the queue, which outlives the job (see its @wq) */
	struct xe_svm_emu_queue *q;
	/** @batch: GPU virtual address of the batch; 0: no batch */
	u64 batch;
	/** @ufence_addr: user fence to write when done, 0 for none */
	u64 ufence_addr;
	/** @ufence_value: the value it gets */
	u64 ufence_value;
	/** @num_fences: entries of @fences */
	unsigned int num_fences;
	/** @fences: fences the job waits for before it runs, referenced */
	struct dma_fence *fences[];
};

static struct xe_svm_emu_drm *to_emu_drm(struct drm_device *drm)
{
	return container_of(drm, struct xe_svm_emu_drm, drm);
}

static struct xe_svm_emu_drm_file *to_emu_drm_file(struct drm_file *file)
{
	return file->driver_priv;
}

static bool xe_svm_emu_drm_mbz(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

/* Region bits: system memory is instance 0, tile t's VRAM instance 1 + t. */
static u64 xe_svm_emu_drm_regions(struct xe_svm_emu_drm *edrm)
{
	return GENMASK_ULL(edrm->emu->num_tiles, 0);
}

/* --- DEVICE_QUERY --- */

/*
 * Each query answers with its size when asked with size 0, fails with
 * -EINVAL when the buffer is smaller, else fills it.
 */
static int xe_svm_emu_drm_query_copy(struct drm_xe_device_query *query,
				     const void *data, u32 size)
{
	if (!query->size) {
		query->size = size;
		return 0;
	}
	if (query->size < size)
		return -EINVAL;
	if (copy_to_user(u64_to_user_ptr(query->data), data, size))
		return -EFAULT;

	return 0;
}

static int xe_svm_emu_drm_query_config(struct xe_svm_emu_drm *edrm,
				       struct drm_xe_device_query *query)
{
	u32 size = struct_size_t(struct drm_xe_query_config, info,
				 DRM_XE_QUERY_CONFIG_MAX_EXEC_QUEUE_PRIORITY + 1);
	struct drm_xe_query_config *config;
	int err;

	config = kzalloc(size, GFP_KERNEL);
	if (!config)
		return -ENOMEM;
	config->num_params = DRM_XE_QUERY_CONFIG_MAX_EXEC_QUEUE_PRIORITY + 1;
	config->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] =
		XE_SVM_EMU_DRM_DEVID | (XE_SVM_EMU_DRM_REVID << 16);
	config->info[DRM_XE_QUERY_CONFIG_FLAGS] = DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM |
						  xe_svm_query_config_flags(true);
	config->info[DRM_XE_QUERY_CONFIG_MIN_ALIGNMENT] = SZ_4K;
	config->info[DRM_XE_QUERY_CONFIG_VA_BITS] = ilog2(XE_SVM_EMU_VA_SIZE);
	/* As xe: high priority for those who may raise theirs. */
	config->info[DRM_XE_QUERY_CONFIG_MAX_EXEC_QUEUE_PRIORITY] =
		capable(CAP_SYS_NICE) ? 2 : 1;
	err = xe_svm_emu_drm_query_copy(query, config, size);
	kfree(config);

	return err;
}

static int xe_svm_emu_drm_query_gt_list(struct xe_svm_emu_drm *edrm,
					struct drm_xe_device_query *query)
{
	unsigned int i, n = edrm->emu->num_tiles;
	u32 size = struct_size_t(struct drm_xe_query_gt_list, gt_list, n);
	struct drm_xe_query_gt_list *list;
	int err;

	list = kzalloc(size, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	list->num_gt = n;
	for (i = 0; i < n; i++) {
		struct drm_xe_gt *gt = &list->gt_list[i];

		gt->type = DRM_XE_QUERY_GT_TYPE_MAIN;
		gt->tile_id = i;
		gt->gt_id = i;
		gt->reference_clock = XE_SVM_EMU_DRM_REF_CLOCK;
		/* Near: the tile's VRAM; far: every other region. */
		gt->near_mem_regions = BIT_ULL(1 + i);
		gt->far_mem_regions = xe_svm_emu_drm_regions(edrm) & ~BIT_ULL(1 + i);
		gt->ip_ver_major = XE_SVM_EMU_DRM_IP_MAJOR;
		gt->ip_ver_minor = XE_SVM_EMU_DRM_IP_MINOR;
	}
	err = xe_svm_emu_drm_query_copy(query, list, size);
	kfree(list);

	return err;
}

static int xe_svm_emu_drm_query_engines(struct xe_svm_emu_drm *edrm,
					struct drm_xe_device_query *query)
{
	unsigned int i, n = edrm->emu->num_tiles;
	u32 size = struct_size_t(struct drm_xe_query_engines, engines, n);
	struct drm_xe_query_engines *engines;
	int err;

	engines = kzalloc(size, GFP_KERNEL);
	if (!engines)
		return -ENOMEM;
	engines->num_engines = n;
	for (i = 0; i < n; i++) {
		engines->engines[i].instance.engine_class = DRM_XE_ENGINE_CLASS_COPY;
		engines->engines[i].instance.engine_instance = 0;
		engines->engines[i].instance.gt_id = i;
	}
	err = xe_svm_emu_drm_query_copy(query, engines, size);
	kfree(engines);

	return err;
}

static int xe_svm_emu_drm_query_mem_regions(struct xe_svm_emu_drm *edrm,
					    struct drm_xe_device_query *query)
{
	unsigned int i, n = edrm->emu->num_tiles;
	u32 size = struct_size_t(struct drm_xe_query_mem_regions, mem_regions, n + 1);
	struct drm_xe_query_mem_regions *regions;
	struct sysinfo si;
	int err;

	regions = kzalloc(size, GFP_KERNEL);
	if (!regions)
		return -ENOMEM;
	regions->num_mem_regions = n + 1;
	si_meminfo(&si);
	regions->mem_regions[0].mem_class = DRM_XE_MEM_REGION_CLASS_SYSMEM;
	regions->mem_regions[0].instance = 0;
	regions->mem_regions[0].min_page_size = PAGE_SIZE;
	regions->mem_regions[0].total_size = (u64)si.totalram * si.mem_unit;
	for (i = 0; i < n; i++) {
		struct drm_xe_mem_region *r = &regions->mem_regions[1 + i];
		struct xe_svm_emu_tile *tile = &edrm->emu->tiles[i];

		r->mem_class = DRM_XE_MEM_REGION_CLASS_VRAM;
		r->instance = 1 + i;
		r->min_page_size = PAGE_SIZE;
		r->total_size = tile->vram_size;
		/* All of it behind the BAR. */
		r->cpu_visible_size = tile->vram_size;
		/* As xe, usage is for those allowed to watch performance. */
		if (perfmon_capable()) {
			r->used = atomic64_read(&tile->devmem.stats.pages_in_use) << PAGE_SHIFT;
			r->cpu_visible_used = r->used;
		}
	}
	err = xe_svm_emu_drm_query_copy(query, regions, size);
	kfree(regions);

	return err;
}

static int xe_svm_emu_drm_device_query(struct drm_device *drm, void *data,
				       struct drm_file *file)
{
	struct xe_svm_emu_drm *edrm = to_emu_drm(drm);
	struct drm_xe_device_query *query = data;

	if (query->extensions || query->reserved[0] || query->reserved[1])
		return -EINVAL;

	switch (query->query) {
	case DRM_XE_DEVICE_QUERY_ENGINES:
		return xe_svm_emu_drm_query_engines(edrm, query);
	case DRM_XE_DEVICE_QUERY_MEM_REGIONS:
		return xe_svm_emu_drm_query_mem_regions(edrm, query);
	case DRM_XE_DEVICE_QUERY_CONFIG:
		return xe_svm_emu_drm_query_config(edrm, query);
	case DRM_XE_DEVICE_QUERY_GT_LIST:
		return xe_svm_emu_drm_query_gt_list(edrm, query);
	case DRM_XE_DEVICE_QUERY_HWCONFIG:
		/* As xe on a part without a hardware config table: empty. */
		return xe_svm_emu_drm_query_copy(query, NULL, 0);
	default:
		/*
		 * Topology, engine cycles, firmware versions and OA units
		 * describe hardware the emulated device does not have.
		 */
		return -EINVAL;
	}
}

/* --- Buffer objects --- */

/**
 * struct xe_svm_emu_bo - a buffer object of the emulated device
 */
struct xe_svm_emu_bo {
	/** @base: the GEM object (a private one: the data is in @shmem) */
	struct drm_gem_object base;
	/**
	 * @shmem: the shmem file that holds the data; CPU mappings and VM
	 * bindings hold references to it, so the memory outlives the handle
	 */
	struct file *shmem;
	/** @placement: the region bits it was created with */
	u32 placement;
	/**
	 * @vram: with a VRAM placement, the TTM object that holds its place
	 * in that VRAM (xe_svm_emu_bo_vram_create()), else NULL
	 */
	struct xe_svm_emu_bo_vram *vram;
	/** @vm_id: the VM it is private to, 0 for none */
	u32 vm_id;
};

static struct xe_svm_emu_bo *to_emu_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct xe_svm_emu_bo, base);
}

static void xe_svm_emu_bo_free(struct drm_gem_object *obj)
{
	struct xe_svm_emu_bo *bo = to_emu_bo(obj);

	fput(bo->shmem);
	if (bo->vram)
		xe_svm_emu_bo_vram_put(bo->vram);
	drm_gem_object_release(obj);
	kfree(bo);
}

/*
 * A CPU mapping of a BO maps its shmem file itself: an ordinary shared
 * file mapping, which the SVM core mirrors like any other and which keeps
 * the memory (not the object) alive after the handle is closed.
 */
static int xe_svm_emu_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct file *shmem = to_emu_bo(obj)->shmem;
	int err;

	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	vma_set_file(vma, shmem);
	err = call_mmap(shmem, vma);
	if (err)
		return err;
	vm_flags_set(vma, VM_DONTEXPAND);
	/* The GEM reference drm_gem_mmap_obj() took is not the mapping's. */
	vma->vm_private_data = NULL;
	drm_gem_object_put(obj);

	return 0;
}

static const struct drm_gem_object_funcs xe_svm_emu_bo_funcs = {
	.free = xe_svm_emu_bo_free,
	.mmap = xe_svm_emu_bo_mmap,
};

#define XE_SVM_EMU_GEM_CREATE_FLAGS	(DRM_XE_GEM_CREATE_FLAG_DEFER_BACKING | \
					 DRM_XE_GEM_CREATE_FLAG_SCANOUT | \
					 DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM)

static int xe_svm_emu_drm_gem_create(struct drm_device *drm, void *data,
				     struct drm_file *file)
{
	struct xe_svm_emu_drm *edrm = to_emu_drm(drm);
	struct drm_xe_gem_create *args = data;
	bool vram = args->placement & ~BIT(0);
	struct xe_svm_emu_bo *bo;
	u32 handle;
	int err;

	if (args->extensions || args->pad[0] || args->pad[1] || args->pad[2] ||
	    !xe_svm_emu_drm_mbz(args->reserved, sizeof(args->reserved)) ||
	    args->handle || args->flags & ~XE_SVM_EMU_GEM_CREATE_FLAGS)
		return -EINVAL;
	if (!args->size || !PAGE_ALIGNED(args->size) || args->size > SZ_1G * 64ull)
		return -EINVAL;
	if (!args->placement || args->placement & ~xe_svm_emu_drm_regions(edrm))
		return -EINVAL;
	/* As xe: visible VRAM needs VRAM, and VRAM is not CPU-cached. */
	if ((args->flags & DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM) && !vram)
		return -EINVAL;
	if (!args->cpu_caching || args->cpu_caching > DRM_XE_GEM_CPU_CACHING_WC)
		return -EINVAL;
	if (args->cpu_caching == DRM_XE_GEM_CPU_CACHING_WB &&
	    (vram || (args->flags & DRM_XE_GEM_CREATE_FLAG_SCANOUT)))
		return -EINVAL;
	if (args->vm_id) {
		struct xe_svm_emu_vm *vm;

		vm = xe_svm_emu_vm_lookup(&to_emu_drm_file(file)->ef, args->vm_id);
		if (!vm)
			return -ENOENT;
		xe_svm_emu_vm_put(vm);
	}

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	bo->base.funcs = &xe_svm_emu_bo_funcs;
	bo->placement = args->placement;
	bo->vm_id = args->vm_id;
	bo->shmem = shmem_file_setup("xe_svm_emu bo", args->size, VM_NORESERVE);
	if (IS_ERR(bo->shmem)) {
		err = PTR_ERR(bo->shmem);
		kfree(bo);
		return err;
	}
	/* VRAM: the first tile it names; TTM makes room, evicting SVM too. */
	if (vram) {
		bo->vram = xe_svm_emu_bo_vram_create(edrm->emu, __ffs(args->placement >> 1),
						     args->size, args->placement & BIT(0),
						     args->flags &
						     DRM_XE_GEM_CREATE_FLAG_DEFER_BACKING);
		if (IS_ERR(bo->vram)) {
			err = PTR_ERR(bo->vram);
			fput(bo->shmem);
			kfree(bo);
			return err;
		}
	}
	drm_gem_private_object_init(drm, &bo->base, args->size);
	err = drm_gem_handle_create(file, &bo->base, &handle);
	/* The handle holds the object now (or nothing does). */
	drm_gem_object_put(&bo->base);
	if (err)
		return err;
	args->handle = handle;

	return 0;
}

static int xe_svm_emu_drm_gem_mmap_offset(struct drm_device *drm, void *data,
					  struct drm_file *file)
{
	struct drm_xe_gem_mmap_offset *args = data;
	struct drm_gem_object *obj;
	int err;

	if (args->extensions || args->flags ||
	    !xe_svm_emu_drm_mbz(args->reserved, sizeof(args->reserved)))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	err = drm_gem_create_mmap_offset(obj);
	if (!err)
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);

	return err;
}

/* --- User fences --- */

/* Write a user fence into @mm and wake its waiters; false if @mm is gone. */
static bool xe_svm_emu_ufence_write(struct xe_svm_emu_drm *edrm, struct mm_struct *mm,
				    u64 addr, u64 value)
{
	bool written = false;

	if (current->mm == mm) {
		written = !put_user(value, (u64 __user *)u64_to_user_ptr(addr));
	} else if (mmget_not_zero(mm)) {
		kthread_use_mm(mm);
		written = !put_user(value, (u64 __user *)u64_to_user_ptr(addr));
		kthread_unuse_mm(mm);
		mmput_async(mm);
	}
	wake_up_all(&edrm->ufence_wq);

	return written;
}

/**
 * struct xe_svm_emu_syncs - the syncs of an EXEC or a VM_BIND, parsed
 */
struct xe_svm_emu_syncs {
	/** @ufence_addr: the user fence to write (at most one), 0 for none */
	u64 ufence_addr;
	/** @ufence_value: the value it gets */
	u64 ufence_value;
	/** @num_fences: entries of @fences */
	unsigned int num_fences;
	/** @fences: the syncobj fences to wait for, referenced */
	struct dma_fence **fences;
};

static void xe_svm_emu_syncs_fini(struct xe_svm_emu_syncs *syncs)
{
	while (syncs->num_fences)
		dma_fence_put(syncs->fences[--syncs->num_fences]);
	kfree(syncs->fences);
	syncs->fences = NULL;
}

/*
 * Parse @num syncs at @user for an LR VM: a user fence must signal and be
 * 8-byte aligned, at most one per call; syncobjs may only be waited for
 * (an LR job has no dma-fence to signal them with).
 */
static int xe_svm_emu_syncs_parse(struct drm_file *file, u64 user, u32 num,
				  struct xe_svm_emu_syncs *syncs)
{
	struct drm_xe_sync __user *usyncs = u64_to_user_ptr(user);
	bool have_ufence = false;
	u32 i;
	int err;

	memset(syncs, 0, sizeof(*syncs));
	if (!num)
		return 0;
	syncs->fences = kcalloc(num, sizeof(*syncs->fences), GFP_KERNEL);
	if (!syncs->fences)
		return -ENOMEM;

	for (i = 0; i < num; i++) {
		bool signal;
		struct drm_xe_sync s;
		struct dma_fence *fence;

		if (copy_from_user(&s, &usyncs[i], sizeof(s))) {
			err = -EFAULT;
			goto err_fini;
		}
		if (s.extensions || s.flags & ~DRM_XE_SYNC_FLAG_SIGNAL ||
		    s.reserved[0] || s.reserved[1]) {
			err = -EINVAL;
			goto err_fini;
		}
		signal = s.flags & DRM_XE_SYNC_FLAG_SIGNAL;

		switch (s.type) {
		case DRM_XE_SYNC_TYPE_SYNCOBJ:
		case DRM_XE_SYNC_TYPE_TIMELINE_SYNCOBJ:
			if (signal) {
				err = -EOPNOTSUPP;
				goto err_fini;
			}
			if (upper_32_bits(s.addr) ||
			    (s.type == DRM_XE_SYNC_TYPE_TIMELINE_SYNCOBJ && !s.timeline_value)) {
				err = -EINVAL;
				goto err_fini;
			}
			err = drm_syncobj_find_fence(file, s.handle,
						     s.type == DRM_XE_SYNC_TYPE_SYNCOBJ ?
						     0 : s.timeline_value, 0, &fence);
			if (err)
				goto err_fini;
			syncs->fences[syncs->num_fences++] = fence;
			break;
		case DRM_XE_SYNC_TYPE_USER_FENCE:
			if (!signal) {
				err = -EOPNOTSUPP;
				goto err_fini;
			}
			if (s.addr & 0x7 || have_ufence) {
				err = -EINVAL;
				goto err_fini;
			}
			have_ufence = true;
			syncs->ufence_addr = s.addr;
			syncs->ufence_value = s.timeline_value;
			break;
		default:
			err = -EINVAL;
			goto err_fini;
		}
	}

	return 0;

err_fini:
	xe_svm_emu_syncs_fini(syncs);
	return err;
}

/* --- VMs --- */

static int xe_svm_emu_drm_vm_create(struct drm_device *drm, void *data,
				    struct drm_file *file)
{
	/* A discrete device snoops every access: no PAT index is refused. */
	return xe_svm_emu_vm_create(&to_emu_drm_file(file)->ef, data, 0);
}

static int xe_svm_emu_drm_vm_destroy(struct drm_device *drm, void *data,
				     struct drm_file *file)
{
	struct drm_xe_vm_destroy *args = data;

	if (args->pad || !xe_svm_emu_drm_mbz(args->reserved, sizeof(args->reserved)))
		return -EINVAL;

	return xe_svm_emu_vm_destroy(&to_emu_drm_file(file)->ef, args->vm_id);
}

/*
 * VM_BIND: the emulated device binds synchronously, so the user fence of
 * a bind is written before the ioctl returns, once every op ran.
 */
static int xe_svm_emu_drm_vm_bind(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	struct xe_svm_emu_drm *edrm = to_emu_drm(drm);
	struct drm_xe_vm_bind *args = data;
	struct drm_xe_vm_bind_op *ops;
	struct xe_svm_emu_bind_obj *objs;
	struct drm_gem_object **gems;
	struct xe_svm_emu_syncs syncs;
	struct xe_svm_emu_vm *vm;
	u32 i;
	int err;

	if (args->extensions || args->pad || args->pad2 ||
	    !xe_svm_emu_drm_mbz(args->reserved, sizeof(args->reserved)) ||
	    !args->num_binds || args->num_binds > XE_SVM_EMU_DRM_MAX_BINDS ||
	    args->num_syncs > DRM_XE_MAX_SYNCS)
		return -EINVAL;
	/* Binds run on the VM's own queue: no bind exec queue is emulated. */
	if (args->exec_queue_id)
		return -ENOENT;

	vm = xe_svm_emu_vm_lookup(&to_emu_drm_file(file)->ef, args->vm_id);
	if (!vm)
		return -EINVAL;

	if (args->num_binds == 1) {
		ops = &args->bind;
	} else {
		ops = kvmalloc_array(args->num_binds, sizeof(*ops), GFP_KERNEL);
		if (!ops) {
			err = -ENOMEM;
			goto out_put;
		}
		if (copy_from_user(ops, u64_to_user_ptr(args->vector_of_binds),
				   array_size(args->num_binds, sizeof(*ops)))) {
			err = -EFAULT;
			goto out_free;
		}
	}

	/* The buffer objects of the maps: as xe, a VM's private BOs only. */
	objs = kcalloc(args->num_binds, sizeof(*objs), GFP_KERNEL);
	gems = kcalloc(args->num_binds, sizeof(*gems), GFP_KERNEL);
	if (!objs || !gems) {
		kfree(objs);
		kfree(gems);
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < args->num_binds; i++) {
		struct drm_gem_object *obj;
		struct xe_svm_emu_bo *bo;

		if (ops[i].op != DRM_XE_VM_BIND_OP_MAP || !ops[i].obj)
			continue;
		obj = drm_gem_object_lookup(file, ops[i].obj);
		if (!obj) {
			err = -ENOENT;
			goto out_objs;
		}
		gems[i] = obj;
		bo = to_emu_bo(obj);
		if (bo->vm_id && bo->vm_id != args->vm_id) {
			err = -EINVAL;
			goto out_objs;
		}
		/* Held until the binds ran; a binding keeps what it needs. */
		objs[i].shmem = bo->shmem;
		objs[i].vram = bo->vram;
	}

	err = xe_svm_emu_syncs_parse(file, args->syncs, args->num_syncs, &syncs);
	if (err)
		goto out_objs;
	for (i = 0; i < syncs.num_fences; i++) {
		long ret = dma_fence_wait(syncs.fences[i], true);

		if (ret < 0) {
			err = ret;
			goto out_syncs;
		}
	}

	err = xe_svm_emu_vm_bind(vm, ops, args->num_binds, objs);
	if (!err && syncs.ufence_addr &&
	    !xe_svm_emu_ufence_write(edrm, current->mm, syncs.ufence_addr,
				     syncs.ufence_value))
		err = -EFAULT;

out_syncs:
	xe_svm_emu_syncs_fini(&syncs);
out_objs:
	for (i = 0; i < args->num_binds; i++)
		if (gems[i])
			drm_gem_object_put(gems[i]);
	kfree(gems);
	kfree(objs);
out_free:
	if (ops != &args->bind)
		kvfree(ops);
out_put:
	xe_svm_emu_vm_put(vm);
	return err;
}

static int xe_svm_emu_drm_madvise(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	return xe_svm_emu_madvise(&to_emu_drm_file(file)->ef, data);
}

static int xe_svm_emu_drm_query_attrs(struct drm_device *drm, void *data,
				      struct drm_file *file)
{
	return xe_svm_emu_query_attrs(&to_emu_drm_file(file)->ef, data);
}

/* --- Exec queues --- */

static void xe_svm_emu_queue_release(struct kref *ref)
{
	struct xe_svm_emu_queue *q = container_of(ref, struct xe_svm_emu_queue, ref);

	/* Runs the jobs still queued; a killed queue drops them at once. */
	destroy_workqueue(q->wq);
	xe_svm_emu_vm_put(q->vm);
	kfree(q);
}

static void xe_svm_emu_queue_put(struct xe_svm_emu_queue *q)
{
	kref_put(&q->ref, xe_svm_emu_queue_release);
}

static struct xe_svm_emu_queue *xe_svm_emu_queue_lookup(struct drm_file *file, u32 id)
{
	struct xe_svm_emu_drm_file *f = to_emu_drm_file(file);
	struct xe_svm_emu_queue *q;

	xa_lock(&f->queues);
	q = xa_load(&f->queues, id);
	if (q)
		kref_get(&q->ref);
	xa_unlock(&f->queues);

	return q;
}

static int xe_svm_emu_drm_queue_create(struct drm_device *drm, void *data,
				       struct drm_file *file)
{
	struct drm_xe_engine_class_instance inst[XE_SVM_EMU_DRM_MAX_PLACEMENTS];
	struct xe_svm_emu_drm *edrm = to_emu_drm(drm);
	struct drm_xe_exec_queue_create *args = data;
	struct xe_svm_emu_queue *q;
	struct xe_svm_emu_vm *vm;
	u32 i, n, id;
	int err;

	if (args->extensions || args->flags ||
	    !xe_svm_emu_drm_mbz(args->reserved, sizeof(args->reserved)))
		return -EINVAL;
	/* One engine per GT: no parallel submission; placements all alike. */
	n = args->width * args->num_placements;
	if (args->width != 1 || !args->num_placements ||
	    args->num_placements > XE_SVM_EMU_DRM_MAX_PLACEMENTS)
		return -EINVAL;
	if (copy_from_user(inst, u64_to_user_ptr(args->instances), n * sizeof(inst[0])))
		return -EFAULT;
	for (i = 0; i < n; i++)
		if (inst[i].engine_class != DRM_XE_ENGINE_CLASS_COPY ||
		    inst[i].engine_instance || inst[i].gt_id >= edrm->emu->num_tiles ||
		    inst[i].gt_id != inst[0].gt_id || inst[i].pad)
			return -EINVAL;

	vm = xe_svm_emu_vm_lookup(&to_emu_drm_file(file)->ef, args->vm_id);
	if (!vm)
		return -ENOENT;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q) {
		err = -ENOMEM;
		goto err_vm;
	}
	kref_init(&q->ref);
	q->edrm = edrm;
	q->vm = vm;
	q->gt = inst[0].gt_id;
	q->wq = alloc_ordered_workqueue("xe_svm_emu_cs%u", 0, q->gt);
	if (!q->wq) {
		err = -ENOMEM;
		goto err_free;
	}

	err = xa_alloc(&to_emu_drm_file(file)->queues, &id, q, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto err_wq;
	args->exec_queue_id = id;

	return 0;

err_wq:
	destroy_workqueue(q->wq);
err_free:
	kfree(q);
err_vm:
	xe_svm_emu_vm_put(vm);
	return err;
}

static void xe_svm_emu_queue_kill(struct xe_svm_emu_queue *q)
{
	atomic_set(&q->killed, 1);
	xe_svm_emu_queue_put(q);
}

static int xe_svm_emu_drm_queue_destroy(struct drm_device *drm, void *data,
					struct drm_file *file)
{
	struct drm_xe_exec_queue_destroy *args = data;
	struct xe_svm_emu_queue *q;

	if (args->pad || !xe_svm_emu_drm_mbz(args->reserved, sizeof(args->reserved)))
		return -EINVAL;

	q = xa_erase(&to_emu_drm_file(file)->queues, args->exec_queue_id);
	if (!q)
		return -ENOENT;
	xe_svm_emu_queue_kill(q);

	return 0;
}

static int xe_svm_emu_drm_queue_get_property(struct drm_device *drm, void *data,
					     struct drm_file *file)
{
	struct drm_xe_exec_queue_get_property *args = data;
	struct xe_svm_emu_queue *q;
	int err = 0;

	if (args->extensions || args->reserved[0] || args->reserved[1])
		return -EINVAL;

	q = xe_svm_emu_queue_lookup(file, args->exec_queue_id);
	if (!q)
		return -ENOENT;
	if (args->property == DRM_XE_EXEC_QUEUE_GET_PROPERTY_BAN)
		args->value = atomic_read(&q->banned);
	else
		err = -EINVAL;
	xe_svm_emu_queue_put(q);

	return err;
}

/* --- The command streamer --- */

/**
 * struct xe_svm_emu_cs - the state of one job's command stream
 */
struct xe_svm_emu_cs {
	/** @q: the queue that runs it */
	struct xe_svm_emu_queue *q;
	/** @faults: GPU faults it raised */
	u64 faults;
};

/**
 * struct xe_svm_emu_cs_rw - one read or write of the command streamer
 */
struct xe_svm_emu_cs_rw {
	/** @value: the value read or to write */
	u64 value;
	/** @size: 4 or 8 bytes */
	unsigned int size;
};

static void xe_svm_emu_cs_read_fn(void *p, void *data)
{
	struct xe_svm_emu_cs_rw *rw = data;

	rw->value = rw->size == 8 ? READ_ONCE(*(u64 *)p) : READ_ONCE(*(u32 *)p);
}

static void xe_svm_emu_cs_write_fn(void *p, void *data)
{
	struct xe_svm_emu_cs_rw *rw = data;

	if (rw->size == 8)
		WRITE_ONCE(*(u64 *)p, rw->value);
	else
		WRITE_ONCE(*(u32 *)p, rw->value);
}

static int xe_svm_emu_cs_read(struct xe_svm_emu_cs *cs, u64 addr, u32 *dw)
{
	struct xe_svm_emu_cs_rw rw = { .size = 4 };
	int err;

	if (!IS_ALIGNED(addr, 4) || addr >= XE_SVM_EMU_VA_SIZE)
		return -EFAULT;
	err = xe_svm_emu_gpu_access(cs->q->vm, addr, 0, xe_svm_emu_cs_read_fn, &rw,
				    &cs->faults);
	*dw = rw.value;

	return err;
}

static int xe_svm_emu_cs_write(struct xe_svm_emu_cs *cs, u64 addr, u64 value,
			       unsigned int size)
{
	struct xe_svm_emu_cs_rw rw = { .value = value, .size = size };

	if (!IS_ALIGNED(addr, size) || addr >= XE_SVM_EMU_VA_SIZE)
		return -EFAULT;

	return xe_svm_emu_gpu_access(cs->q->vm, addr, XE_SVM_ACCESS_WRITE,
				     xe_svm_emu_cs_write_fn, &rw, &cs->faults);
}

/* MI_ATOMIC operations: bits 11:8 of the header; bits 15:12 the size */
#define MI_ATOMIC_OP_AND	0x1
#define MI_ATOMIC_OP_OR		0x2
#define MI_ATOMIC_OP_XOR	0x3
#define MI_ATOMIC_OP_MOVE	0x4
#define MI_ATOMIC_OP_INC	0x5
#define MI_ATOMIC_OP_DEC	0x6
#define MI_ATOMIC_OP_ADD	0x7
#define MI_ATOMIC_OP_SUB	0x8
#define MI_ATOMIC_SIZE_QWORD	0x2
#define MI_ATOMIC_INLINE_DATA	BIT(18)

/**
 * struct xe_svm_emu_cs_atomic - one MI_ATOMIC
 */
struct xe_svm_emu_cs_atomic {
	/** @op: MI_ATOMIC_OP_* */
	unsigned int op;
	/** @size: 4 or 8 bytes */
	unsigned int size;
	/** @operand: the inline operand (none for INC and DEC) */
	u64 operand;
};

/* Atomic against the CPU's atomics too, as a device atomic is. */
static void xe_svm_emu_cs_atomic32(atomic_t *v, unsigned int op, u32 operand)
{
	switch (op) {
	case MI_ATOMIC_OP_AND:
		atomic_and(operand, v);
		break;
	case MI_ATOMIC_OP_OR:
		atomic_or(operand, v);
		break;
	case MI_ATOMIC_OP_XOR:
		atomic_xor(operand, v);
		break;
	case MI_ATOMIC_OP_MOVE:
		atomic_set(v, operand);
		break;
	case MI_ATOMIC_OP_INC:
		atomic_inc(v);
		break;
	case MI_ATOMIC_OP_DEC:
		atomic_dec(v);
		break;
	case MI_ATOMIC_OP_ADD:
		atomic_add(operand, v);
		break;
	case MI_ATOMIC_OP_SUB:
		atomic_sub(operand, v);
		break;
	}
}

static void xe_svm_emu_cs_atomic64(atomic64_t *v, unsigned int op, u64 operand)
{
	switch (op) {
	case MI_ATOMIC_OP_AND:
		atomic64_and(operand, v);
		break;
	case MI_ATOMIC_OP_OR:
		atomic64_or(operand, v);
		break;
	case MI_ATOMIC_OP_XOR:
		atomic64_xor(operand, v);
		break;
	case MI_ATOMIC_OP_MOVE:
		atomic64_set(v, operand);
		break;
	case MI_ATOMIC_OP_INC:
		atomic64_inc(v);
		break;
	case MI_ATOMIC_OP_DEC:
		atomic64_dec(v);
		break;
	case MI_ATOMIC_OP_ADD:
		atomic64_add(operand, v);
		break;
	case MI_ATOMIC_OP_SUB:
		atomic64_sub(operand, v);
		break;
	}
}

static void xe_svm_emu_cs_atomic_fn(void *p, void *data)
{
	struct xe_svm_emu_cs_atomic *a = data;

	if (a->size == 8)
		xe_svm_emu_cs_atomic64(p, a->op, a->operand);
	else
		xe_svm_emu_cs_atomic32(p, a->op, a->operand);
}

static int xe_svm_emu_cs_atomic(struct xe_svm_emu_cs *cs, const u32 *dw, unsigned int len)
{
	struct xe_svm_emu_cs_atomic a = {
		.op = (dw[0] >> 8) & 0xf,
		.size = ((dw[0] >> 12) & 0xf) == MI_ATOMIC_SIZE_QWORD ? 8 : 4,
	};
	u64 addr = ((u64)dw[2] << 32) | dw[1];
	int access;

	/* Dword and qword operations; no GPRs: operands come inline. */
	if ((((dw[0] >> 12) & 0xf) & ~MI_ATOMIC_SIZE_QWORD) || !a.op ||
	    a.op > MI_ATOMIC_OP_SUB || !IS_ALIGNED(addr, a.size) ||
	    addr >= XE_SVM_EMU_VA_SIZE)
		return -EINVAL;
	if (a.op != MI_ATOMIC_OP_INC && a.op != MI_ATOMIC_OP_DEC) {
		if (!(dw[0] & MI_ATOMIC_INLINE_DATA) || len < (a.size == 8 ? 5 : 4))
			return -EINVAL;
		a.operand = dw[3] | (a.size == 8 ? (u64)dw[4] << 32 : 0);
	}

	access = xe_svm_emu_atomic_access(cs->q->vm, addr);
	if (access < 0)
		return access;

	return xe_svm_emu_gpu_access(cs->q->vm, addr, access, xe_svm_emu_cs_atomic_fn, &a,
				     &cs->faults);
}

/* MI commands: client 0 (bits 31:29), opcode in bits 28:23 */
#define MI_OPCODE(dw)		(((dw) >> 23) & 0x3f)
#define MI_NOOP_OP		0x00
#define MI_ARB_CHECK_OP		0x05
#define MI_BATCH_BUFFER_END_OP	0x0a
#define MI_STORE_DATA_IMM_OP	0x20
#define MI_FLUSH_DW_OP		0x26
#define MI_ATOMIC_OP		0x2f
#define MI_BATCH_BUFFER_START_OP 0x31
#define MI_STORE_QWORD		BIT(21)
#define MI_BB_SECOND_LEVEL	BIT(22)
#define MI_FLUSH_DW_POST_SYNC(dw)	(((dw) >> 14) & 0x3)
/* The longest command decoded (MI_ATOMIC with inline data: 11 dwords) */
#define XE_SVM_EMU_CS_MAX_LEN	16

/*
 * Run the batch at @batch. Returns 0 at its end, or the error that
 * hangs the engine: -EINVAL for a command it does not know, a GPU fault
 * error, -ETIME after XE_SVM_EMU_CS_MAX_COMMANDS commands.
 */
static int xe_svm_emu_cs_run(struct xe_svm_emu_cs *cs, u64 batch)
{
	u64 ret_addr[XE_SVM_EMU_CS_MAX_DEPTH];
	u32 dw[XE_SVM_EMU_CS_MAX_LEN];
	unsigned int depth = 0, executed = 0, len, i;
	u64 pc = batch, addr;
	int err;

	for (;;) {
		if (atomic_read(&cs->q->killed))
			return -ECANCELED;
		if (++executed > XE_SVM_EMU_CS_MAX_COMMANDS)
			return -ETIME;
		err = xe_svm_emu_cs_read(cs, pc, &dw[0]);
		if (err)
			return err;
		if (dw[0] >> 29)
			return -EINVAL;

		switch (MI_OPCODE(dw[0])) {
		case MI_NOOP_OP:
		case MI_ARB_CHECK_OP:
			len = 1;
			break;
		case MI_BATCH_BUFFER_END_OP:
			if (!depth)
				return 0;
			pc = ret_addr[--depth];
			continue;
		case MI_STORE_DATA_IMM_OP:
		case MI_FLUSH_DW_OP:
		case MI_ATOMIC_OP:
		case MI_BATCH_BUFFER_START_OP:
			len = (dw[0] & 0xff) + 2;
			break;
		default:
			return -EINVAL;
		}
		if (len > XE_SVM_EMU_CS_MAX_LEN)
			return -EINVAL;
		for (i = 1; i < len; i++) {
			err = xe_svm_emu_cs_read(cs, pc + 4 * i, &dw[i]);
			if (err)
				return err;
		}
		addr = len >= 3 ? ((u64)dw[2] << 32) | dw[1] : 0;

		switch (MI_OPCODE(dw[0])) {
		case MI_STORE_DATA_IMM_OP:
			/* Address, then one dword, one qword, or more dwords. */
			if (len < 4 || ((dw[0] & MI_STORE_QWORD) && (len - 3) % 2))
				return -EINVAL;
			for (i = 3; i < len && !err; i += (dw[0] & MI_STORE_QWORD) ? 2 : 1) {
				u64 to = addr + 4 * (i - 3);

				if (dw[0] & MI_STORE_QWORD)
					err = xe_svm_emu_cs_write(cs, to, ((u64)dw[i + 1] << 32) |
								  dw[i], 8);
				else
					err = xe_svm_emu_cs_write(cs, to, dw[i], 4);
			}
			if (err)
				return err;
			break;
		case MI_FLUSH_DW_OP:
			/* Everything is coherent; only the post-sync write matters. */
			if (len < 3)
				return -EINVAL;
			if (MI_FLUSH_DW_POST_SYNC(dw[0]) == 1) {
				if (len < 4)
					return -EINVAL;
				err = xe_svm_emu_cs_write(cs, addr & ~7ull,
							  len >= 5 ? ((u64)dw[4] << 32) | dw[3] :
							  dw[3], len >= 5 ? 8 : 4);
				if (err)
					return err;
			} else if (MI_FLUSH_DW_POST_SYNC(dw[0])) {
				return -EINVAL;
			}
			break;
		case MI_ATOMIC_OP:
			if (len < 3)
				return -EINVAL;
			err = xe_svm_emu_cs_atomic(cs, dw, len);
			if (err)
				return err;
			break;
		case MI_BATCH_BUFFER_START_OP:
			if (len != 3)
				return -EINVAL;
			if (dw[0] & MI_BB_SECOND_LEVEL) {
				if (depth == XE_SVM_EMU_CS_MAX_DEPTH)
					return -EINVAL;
				ret_addr[depth++] = pc + 4 * len;
			}
			pc = addr & ~3ull;
			continue;
		}
		pc += 4 * len;
		cond_resched();
	}
}

static void xe_svm_emu_job_free(struct xe_svm_emu_job *job)
{
	while (job->num_fences)
		dma_fence_put(job->fences[--job->num_fences]);
	kfree(job);
}

static void xe_svm_emu_job_run(struct work_struct *work)
{
	struct xe_svm_emu_job *job = container_of(work, struct xe_svm_emu_job, work);
	struct xe_svm_emu_queue *q = job->q;
	struct xe_svm_emu_cs cs = { .q = q };
	struct mm_struct *mm = q->vm->svm.mm;
	unsigned int i;
	int err = 0;

	/* In-fences; a destroyed queue stops waiting (its file may be closing). */
	for (i = 0; i < job->num_fences && !err; i++) {
		while (!dma_fence_wait_timeout(job->fences[i], false, HZ / 10))
			if (atomic_read(&q->killed))
				goto out;
		if (job->fences[i]->error < 0)
			err = -ECANCELED;
	}
	if (atomic_read(&q->killed) || atomic_read(&q->banned))
		goto out;
	if (!err && job->batch) {
		/* The SVM core faults in the VM's mm, which must still live. */
		if (mmget_not_zero(mm)) {
			err = xe_svm_emu_cs_run(&cs, job->batch);
			mmput_async(mm);
		} else {
			err = -ESRCH;
		}
		atomic64_add(cs.faults, &q->edrm->svm_pagefaults[q->gt]);
	}
	if (err) {
		/* A hung or faulting context is banned; its fence never signals. */
		if (err != -ECANCELED)
			drm_info(&q->edrm->drm, "exec queue on gt%u banned: batch 0x%llx: %d\n",
				 q->gt, job->batch, err);
		atomic_set(&q->banned, 1);
		wake_up_all(&q->edrm->ufence_wq);
		goto out;
	}
	if (job->ufence_addr)
		xe_svm_emu_ufence_write(q->edrm, mm, job->ufence_addr, job->ufence_value);

out:
	xe_svm_emu_job_free(job);
}

static int xe_svm_emu_drm_exec(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_xe_exec *args = data;
	struct xe_svm_emu_syncs syncs;
	struct xe_svm_emu_queue *q;
	struct xe_svm_emu_job *job;
	int err;

	if (args->extensions || args->pad[0] || args->pad[1] || args->pad[2] ||
	    args->reserved[0] || args->reserved[1] || args->num_syncs > DRM_XE_MAX_SYNCS)
		return -EINVAL;

	q = xe_svm_emu_queue_lookup(file, args->exec_queue_id);
	if (!q)
		return -ENOENT;
	if (args->num_batch_buffer > 1) {
		err = -EINVAL;
		goto out_put;
	}
	if (atomic_read(&q->banned)) {
		err = -ECANCELED;
		goto out_put;
	}
	/* The jobs fault in the VM's mm: only its process may submit. */
	if (current->mm != q->vm->svm.mm) {
		err = -EINVAL;
		goto out_put;
	}

	err = xe_svm_emu_syncs_parse(file, args->syncs, args->num_syncs, &syncs);
	if (err)
		goto out_put;

	job = kzalloc(struct_size(job, fences, syncs.num_fences), GFP_KERNEL);
	if (!job) {
		err = -ENOMEM;
		goto out_syncs;
	}
	INIT_WORK(&job->work, xe_svm_emu_job_run);
	job->q = q;
	job->batch = args->num_batch_buffer ? args->address : 0;
	job->ufence_addr = syncs.ufence_addr;
	job->ufence_value = syncs.ufence_value;
	/* The job takes the fences over. */
	for (; syncs.num_fences; job->num_fences++)
		job->fences[job->num_fences] = syncs.fences[--syncs.num_fences];
	queue_work(q->wq, &job->work);

out_syncs:
	xe_svm_emu_syncs_fini(&syncs);
out_put:
	xe_svm_emu_queue_put(q);
	return err;
}

/* --- WAIT_USER_FENCE --- */

#define XE_SVM_EMU_UFENCE_MAX_OP	DRM_XE_UFENCE_WAIT_OP_LTE

/* 0 when the fence passed, 1 when not yet, -EFAULT */
static int xe_svm_emu_ufence_check(const struct drm_xe_wait_user_fence *args)
{
	u64 v, want = args->value & args->mask;

	if (get_user(v, (u64 __user *)u64_to_user_ptr(args->addr)))
		return -EFAULT;
	v &= args->mask;

	switch (args->op) {
	case DRM_XE_UFENCE_WAIT_OP_EQ:
		return v == want ? 0 : 1;
	case DRM_XE_UFENCE_WAIT_OP_NEQ:
		return v != want ? 0 : 1;
	case DRM_XE_UFENCE_WAIT_OP_GT:
		return v > want ? 0 : 1;
	case DRM_XE_UFENCE_WAIT_OP_GTE:
		return v >= want ? 0 : 1;
	case DRM_XE_UFENCE_WAIT_OP_LT:
		return v < want ? 0 : 1;
	default:
		return v <= want ? 0 : 1;
	}
}

/* Jiffies left to wait for: 0 once the deadline passed, rounded up else */
static long xe_svm_emu_ufence_timeout(const struct drm_xe_wait_user_fence *args,
				      ktime_t start)
{
	s64 left;

	if (args->timeout < 0)
		return MAX_SCHEDULE_TIMEOUT;
	if (args->flags & DRM_XE_UFENCE_WAIT_FLAG_ABSTIME)
		left = args->timeout - ktime_get_ns();
	else
		left = args->timeout - ktime_to_ns(ktime_sub(ktime_get(), start));

	return left > 0 ? nsecs_to_jiffies(left) + 1 : 0;
}

static int xe_svm_emu_drm_wait_ufence(struct drm_device *drm, void *data,
				      struct drm_file *file)
{
	struct xe_svm_emu_drm *edrm = to_emu_drm(drm);
	struct drm_xe_wait_user_fence *args = data;
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct xe_svm_emu_queue *q = NULL;
	ktime_t start = ktime_get();
	long timeout;
	int err;

	if (args->extensions || args->pad || args->pad2 ||
	    args->reserved[0] || args->reserved[1] ||
	    args->flags & ~DRM_XE_UFENCE_WAIT_FLAG_ABSTIME ||
	    args->op > XE_SVM_EMU_UFENCE_MAX_OP || args->addr & 0x7)
		return -EINVAL;
	if (args->exec_queue_id) {
		q = xe_svm_emu_queue_lookup(file, args->exec_queue_id);
		if (!q)
			return -ENOENT;
	}

	add_wait_queue(&edrm->ufence_wq, &wait);
	for (;;) {
		err = xe_svm_emu_ufence_check(args);
		if (err <= 0)
			break;
		if (signal_pending(current)) {
			err = -ERESTARTSYS;
			break;
		}
		if (q && atomic_read(&q->banned)) {
			err = -EIO;
			break;
		}
		/* -ETIME only once the whole time-out has passed. */
		timeout = xe_svm_emu_ufence_timeout(args, start);
		if (!timeout) {
			err = -ETIME;
			break;
		}
		wait_woken(&wait, TASK_INTERRUPTIBLE, timeout);
	}
	remove_wait_queue(&edrm->ufence_wq, &wait);

	if (!(args->flags & DRM_XE_UFENCE_WAIT_FLAG_ABSTIME) && args->timeout >= 0)
		args->timeout = max_t(s64, 0, args->timeout -
				      ktime_to_ns(ktime_sub(ktime_get(), start)));
	if (q)
		xe_svm_emu_queue_put(q);

	return err;
}

/* --- The DRM driver --- */

static int xe_svm_emu_drm_open(struct drm_device *drm, struct drm_file *file)
{
	struct xe_svm_emu_drm_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	xe_svm_emu_file_init(&f->ef, to_emu_drm(drm)->emu);
	xa_init_flags(&f->queues, XA_FLAGS_ALLOC1);
	file->driver_priv = f;

	return 0;
}

static void xe_svm_emu_drm_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct xe_svm_emu_drm_file *f = to_emu_drm_file(file);
	struct xe_svm_emu_queue *q;
	unsigned long id;

	/* Queues first: their jobs use the VMs. */
	xa_for_each(&f->queues, id, q) {
		xa_erase(&f->queues, id);
		xe_svm_emu_queue_kill(q);
	}
	xa_destroy(&f->queues);
	xe_svm_emu_file_fini(&f->ef);
	kfree(f);
}

static const struct drm_ioctl_desc xe_svm_emu_drm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(XE_DEVICE_QUERY, xe_svm_emu_drm_device_query, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_GEM_CREATE, xe_svm_emu_drm_gem_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_GEM_MMAP_OFFSET, xe_svm_emu_drm_gem_mmap_offset,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_CREATE, xe_svm_emu_drm_vm_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_DESTROY, xe_svm_emu_drm_vm_destroy, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_BIND, xe_svm_emu_drm_vm_bind, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC_QUEUE_CREATE, xe_svm_emu_drm_queue_create,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC_QUEUE_DESTROY, xe_svm_emu_drm_queue_destroy,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC_QUEUE_GET_PROPERTY, xe_svm_emu_drm_queue_get_property,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC, xe_svm_emu_drm_exec, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_WAIT_USER_FENCE, xe_svm_emu_drm_wait_ufence, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_MADVISE, xe_svm_emu_drm_madvise, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_QUERY_MEM_RANGE_ATTRS, xe_svm_emu_drm_query_attrs,
			  DRM_RENDER_ALLOW),
};

DEFINE_DRM_GEM_FOPS(xe_svm_emu_drm_fops);

static const struct drm_driver xe_svm_emu_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = xe_svm_emu_drm_open,
	.postclose = xe_svm_emu_drm_postclose,
	.ioctls = xe_svm_emu_drm_ioctls,
	.num_ioctls = ARRAY_SIZE(xe_svm_emu_drm_ioctls),
	.fops = &xe_svm_emu_drm_fops,
	/* What user space matches an xe device by */
	.name = "xe",
	.desc = "Emulated Intel Xe2 graphics (SVM test device)",
	.major = 1,
	.minor = 0,
};

/* The emulated device's state of a DRM file, for MADVISE's devmem_fd */
static struct xe_svm_emu_file *xe_svm_emu_drm_file_of(struct file *file)
{
	struct drm_file *df = file->private_data;

	if (file->f_op != &xe_svm_emu_drm_fops || !df->minor ||
	    df->minor->dev->driver != &xe_svm_emu_drm_driver)
		return NULL;

	return &to_emu_drm_file(df)->ef;
}

/* debugfs: gt<N>/stats under upstream's names, counting what the GT did */
static int xe_svm_emu_drm_gt_stats_show(struct seq_file *m, void *data)
{
	atomic64_t *faults = m->private;

	seq_printf(m, "svm_pagefault_count: %lld\n", atomic64_read(faults));

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xe_svm_emu_drm_gt_stats);

static void xe_svm_emu_drm_debugfs_init(struct xe_svm_emu_drm *edrm)
{
	struct dentry *root = edrm->drm.debugfs_root;
	unsigned int i;
	char name[16];

	for (i = 0; i < edrm->emu->num_tiles; i++) {
		struct dentry *gt;

		snprintf(name, sizeof(name), "gt%u", i);
		gt = debugfs_create_dir(name, root);
		debugfs_create_file("stats", 0444, gt, &edrm->svm_pagefaults[i],
				    &xe_svm_emu_drm_gt_stats_fops);
	}
}

static int xe_svm_emu_drm_probe(struct platform_device *pdev)
{
	struct xe_svm_emu_drm *edrm;
	int err;

	edrm = devm_drm_dev_alloc(&pdev->dev, &xe_svm_emu_drm_driver,
				  struct xe_svm_emu_drm, drm);
	if (IS_ERR(edrm))
		return PTR_ERR(edrm);
	edrm->emu = xe_svm_emu_device_get();
	init_waitqueue_head(&edrm->ufence_wq);
	platform_set_drvdata(pdev, edrm);

	err = drm_dev_register(&edrm->drm, 0);
	if (err)
		return err;
	xe_svm_emu_drm_debugfs_init(edrm);
	WRITE_ONCE(edrm->emu->drm_file_of, xe_svm_emu_drm_file_of);

	return 0;
}

static void xe_svm_emu_drm_remove(struct platform_device *pdev)
{
	struct xe_svm_emu_drm *edrm = platform_get_drvdata(pdev);

	WRITE_ONCE(edrm->emu->drm_file_of, NULL);
	drm_dev_unregister(&edrm->drm);
}

static struct platform_driver xe_svm_emu_drm_platform_driver = {
	.probe = xe_svm_emu_drm_probe,
	.remove = xe_svm_emu_drm_remove,
	.driver = {
		.name = "xe_svm_emu_drm",
	},
};

static struct platform_device *xe_svm_emu_drm_pdev;

static int __init xe_svm_emu_drm_init(void)
{
	struct platform_device *pdev;
	int err;

	err = platform_driver_register(&xe_svm_emu_drm_platform_driver);
	if (err)
		return err;
	pdev = platform_device_register_simple("xe_svm_emu_drm", PLATFORM_DEVID_NONE,
					       NULL, 0);
	if (IS_ERR(pdev)) {
		err = PTR_ERR(pdev);
		goto err_driver;
	}
	if (!platform_get_drvdata(pdev)) {
		err = -ENODEV;
		goto err_device;
	}
	xe_svm_emu_drm_pdev = pdev;

	return 0;

err_device:
	platform_device_unregister(pdev);
err_driver:
	platform_driver_unregister(&xe_svm_emu_drm_platform_driver);
	return err;
}

static void __exit xe_svm_emu_drm_exit(void)
{
	platform_device_unregister(xe_svm_emu_drm_pdev);
	platform_driver_unregister(&xe_svm_emu_drm_platform_driver);
}

module_init(xe_svm_emu_drm_init);
module_exit(xe_svm_emu_drm_exit);

MODULE_DESCRIPTION("The emulated SVM device as an xe DRM device, for IGT");
MODULE_LICENSE("Dual MIT/GPL");
MODULE_IMPORT_NS(DRM_XE_SVM);
MODULE_IMPORT_NS(DRM_XE_SVM_EMU);
