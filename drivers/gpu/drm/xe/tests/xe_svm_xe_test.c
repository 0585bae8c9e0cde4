// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>

#include <drm/drm_gem.h>

#include "regs/xe_gtt_defs.h"
#include "tests/xe_kunit_helpers.h"
#include "tests/xe_pci_test.h"
#include "xe_bo.h"
#include "xe_exec_queue.h"
#include "xe_gt_tlb_invalidation.h"
#include "xe_migrate.h"
#include "xe_pt.h"
#include "xe_range_fence.h"
#include "xe_svm_range.h"
#include "xe_tile.h"

/*
 * Included at the end of xe_svm_xe.c. The device is a fake Lunar Lake
 * (xe_pci_fake_data: one tile with a primary and a media GT, atomics on
 * system memory), edited per test where another shape is needed (a
 * second tile, no atomics on system memory). VMs and ranges are built by
 * hand; the calls that reach the core's fault path, the page-table code
 * or the GuC are replaced with static stubs that record what the backend
 * asks. The real pre-commit check runs inside the fake bind, the way the
 * page-table code calls it.
 */

#define SVMXE_TEST_ASID		0x2a
#define SVMXE_TEST_MAX_SEGS	32
#define SVMXE_TEST_MAX_INVALS	8
#define SVMXE_TEST_MAX_PAGES	16
#define SVMXE_TEST_MAX_REQS	8
#define SVMXE_TEST_SYS_DMA	0x40000000ull
#define SVMXE_TEST_DMA_STRIDE	0x3000ull
#define SVMXE_TEST_PTE_ADDR	GENMASK_ULL(51, 12)

/* A leaf entry the page-table walk wrote */
struct svmxe_test_pte {
	u64 va;
	unsigned int level;
	u64 pte;
};

/* One request of the copy engine to xe_migrate */
struct svmxe_test_req {
	struct xe_tile *tile;
	struct xe_migrate *m;
	bool clear;
	bool to_vram;
	bool after_move;	/* requested once the eviction fence signalled */
	u64 vram_offset;
	u64 size;
	unsigned long npages;
	dma_addr_t sram[SVMXE_TEST_MAX_PAGES];
};

struct svmxe_pt_harness;

struct svmxe_test {
	struct xe_device *xe;
	struct xe_vm *vm;
	/* the range the fake core fault populates and arms */
	struct xe_svm_range *range;

	/* svmxe_core_fault() */
	unsigned int faults;
	int fault_ret;
	bool fault_valid;	/* the core finds the range valid: no bind */
	u64 fault_addr, fault_start, fault_end;
	bool fault_write;
	unsigned int fault_access;
	/* svmxe_fault_timed_out(): true from the timeout_after'th check */
	unsigned int deadline_checks, timeout_after;

	/* svmxe_run_bind() */
	unsigned int binds;
	unsigned int races;	/* binds that an invalidation hits first */
	int bind_ret;		/* returned instead of running the pre-commit */
	u64 bind_start, bind_size;
	struct xe_svm_range *bind_range;	/* whose masks the commit sets */
	bool bind_atomic;
	u16 bind_pat;
	u8 bind_tile_mask, bind_tile_present;
	bool bind_smem_atomic;
	unsigned int bind_segs;
	dma_addr_t bind_seg_dma[SVMXE_TEST_MAX_SEGS];
	u32 bind_seg_len[SVMXE_TEST_MAX_SEGS];
	DECLARE_BITMAP(bind_ro, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	struct svmxe_layout bind_layout;

	/* svmxe_core_prefetch(): the windows the walk handed the core */
	unsigned int prefetches;
	u64 pf_start[4], pf_end[4], pf_ws[4], pf_we[4];
	struct xe_svm_prefetch_dest pf_dest;

	/* svmxe_run_unbind(): updates, the ranges of the last, its first */
	unsigned int unbinds, unbind_count;
	int unbind_ret;
	u8 unbind_mask, unbind_tile_present;
	u64 unbind_start, unbind_size;
	unsigned int unbind_bad_addr;	/* unmaps whose addresses are not their range's */
	struct xe_svm_range *unbind_range;

	/* svmxe_invalidate() */
	unsigned int wait_binds, zaps, invals, tlb_waits;
	int inval_ret;		/* what sending an invalidation returns */
	bool zap_ret;
	u8 zapped_tiles;
	u64 zap_start, zap_end;
	struct {
		struct xe_gt *gt;
		u64 start, end;
		u32 asid;
	} inval[SVMXE_TEST_MAX_INVALS];

	/*
	 * svmxe_run_bind(): what xe_pt_stage_bind() wrote on a fake tree of
	 * page tables: its leaves, the pages it maps from VRAM and those it
	 * gives device atomics (bind_ro above: those it maps read-only)
	 */
	DECLARE_BITMAP(bind_dm, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	DECLARE_BITMAP(bind_ae, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	unsigned int bind_ptes;
	struct svmxe_test_pte bind_pte[XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT];
	struct xe_pt_ops pt_ops;
	unsigned int pt_tables;		/* tables xe_pt_create() was asked for */
	/* the xe_pt harness, when a case sets it up (svmxe_pth_init()) */
	struct svmxe_pt_harness *pth;

	/* the copy engine: fake system and device pages */
	struct page *sys_pages;		/* array of SVMXE_TEST_MAX_PAGES */
	struct page *dev_pages;		/* array of SVMXE_TEST_MAX_PAGES */
	u64 dev_offset[SVMXE_TEST_MAX_PAGES];
	unsigned int maps, unmaps;
	int map_fail_at;		/* 1-based; 0: never */
	DECLARE_BITMAP(mapped, SVMXE_TEST_MAX_PAGES);

	/* svmxe_migrate_copy() and svmxe_migrate_clear() */
	unsigned int reqs;
	int req_fail_at;		/* 1-based; 0: never */
	int fence_error;
	int fence_error_at;		/* 1-based request; 0: all of them */
	struct svmxe_test_req req[SVMXE_TEST_MAX_REQS];
	struct dma_fence *fences[SVMXE_TEST_MAX_REQS];
	spinlock_t fence_lock;		/* the lock of the fake fences */
	u64 fence_context;
	/* svmxe_vram_move_fence(): a pipelined eviction still running */
	struct dma_fence *move_fence;
	unsigned int move_asks;
	struct delayed_work move_signal;

	/* svmxe_devmem_init() and svmxe_devmem_fini() */
	unsigned int devmem_inits, devmem_finis;
	/* svmxe_migrate_create(): SVM's own migrate contexts (fakes) */
	unsigned int migrate_creates;
	int migrate_create_ret;
	struct xe_migrate *svm_migrate;
	int devmem_init_ret;
	struct svmxe_devmem *devmem_init_sdm, *devmem_fini_sdm;
	u64 devmem_size, devmem_dpa;
	void *devmem_owner;

	/* SVM VRAM objects: svmxe_vram_bo_*(), svmxe_alloc_evict(), move_null */
	struct xe_bo *bo_create_ret;	/* what svmxe_vram_bo_create() returns */
	struct xe_tile *bo_create_tile;
	u64 bo_create_size;
	unsigned int bo_creates, bo_unlocks, bo_puts, evicts, move_nulls;
	u64 bo_offset;			/* what svmxe_vram_bo_offset() returns */
	struct xe_bo *bo_last;		/* the object of the last unlock or put */
	struct xe_svm_devmem_alloc *evict_alloc;
	int evict_ret;
	struct ttm_resource *move_null_mem;
};

static struct svmxe_test *svmxe_test_ctx(void)
{
	return kunit_get_current_test()->priv;
}

/* Fakes of the seams */

static int svmxe_test_core_fault(struct xe_vm *vm, u64 addr, u64 start,
				 u64 end, unsigned int access,
				 struct xe_svm_range **rangep)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	struct xe_svm_range *range = ctx->range;
	unsigned int i;
	int err;

	ctx->faults++;
	ctx->fault_addr = addr;
	ctx->fault_start = start;
	ctx->fault_end = end;
	ctx->fault_write = access & XE_SVM_ACCESS_WRITE;
	ctx->fault_access = access;
	if (ctx->fault_ret)
		return ctx->fault_ret;
	if (ctx->fault_valid) {
		*rangep = range;
		return 0;
	}

	/* populate: the chunks are (re)mapped, then the backend is armed */
	down_read(&vm->svm.notifier_lock);
	for (i = 0; i < range->dma_nr; i++)
		range->dma[i].mapped = true;
	err = vm->svm.ops->bind(&vm->svm, range, NULL);
	up_read(&vm->svm.notifier_lock);
	if (!err)
		*rangep = range;

	return err;
}

/*
 * The real page-table walk. xe_pt_stage_bind() runs on a tree of fake
 * tables in system memory: a root made here and the tables it asks
 * xe_pt_create() for, with the PTE encoders xe_vm_create() gives a VM and
 * a directory encoder that needs no buffer object. The leaves it wrote
 * (into new tables, or staged for the root) are read back and checked
 * against the range: one leaf per page size step, each pointing at the
 * DMA address the range has at its virtual address.
 */

static struct xe_pt *svmxe_test_pt_create(struct xe_vm *vm,
					  struct xe_tile *tile,
					  unsigned int level)
{
	struct kunit *test = kunit_get_current_test();
	struct svmxe_test *ctx = test->priv;
	struct xe_pt *pt;
	struct xe_bo *bo;
	void *table;

	/* laid out as xe_pt_create() does, so that commit and abort run on it */
	pt = xe_pt_alloc_test(test, level);
	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	table = kunit_kzalloc(test, XE_PAGE_SIZE, GFP_KERNEL);
	if (!pt || !bo || !table)
		return ERR_PTR(-ENOMEM);

	iosys_map_set_vaddr(&bo->vmap, table);
	pt->bo = bo;
	ctx->pt_tables++;

	return pt;
}

static u64 svmxe_test_pde_encode_bo(struct xe_bo *bo, u64 bo_offset,
				    u16 pat_index)
{
	return XE_PAGE_PRESENT | XE_PAGE_RW;
}

static u64 svmxe_test_pt_step(unsigned int level)
{
	return 1ull << (XE_PTE_SHIFT + level * XE_PDE_SHIFT);
}

static void svmxe_test_pt_table(struct kunit *test, struct xe_pt *pt, u64 va);

/* An entry at @level for @va: a directory (@child) or a leaf (@pte). */
static void svmxe_test_pt_entry(struct kunit *test, struct xe_pt *child,
				u64 pte, unsigned int level, u64 va)
{
	struct svmxe_test *ctx = test->priv;
	struct svmxe_test_pte *leaf;

	if (child) {
		KUNIT_EXPECT_EQ(test, child->level + 1, level);
		KUNIT_EXPECT_TRUE(test, pte & XE_PAGE_PRESENT);
		svmxe_test_pt_table(test, child, va);
		return;
	}

	if (ctx->bind_ptes == ARRAY_SIZE(ctx->bind_pte)) {
		KUNIT_FAIL(test, "more leaves than pages at %llx", va);
		return;
	}
	leaf = &ctx->bind_pte[ctx->bind_ptes++];
	leaf->va = va;
	leaf->level = level;
	leaf->pte = pte;
}

static void svmxe_test_pt_table(struct kunit *test, struct xe_pt *pt, u64 va)
{
	u64 *table = pt->bo->vmap.vaddr;
	unsigned int i;

	for (i = 0; i < XE_PDES; i++) {
		struct xe_ptw *child = pt->level ? pt->base.children[i] : NULL;

		if (!child && !table[i])
			continue;
		svmxe_test_pt_entry(test, child ?
				    container_of(child, struct xe_pt, base) :
				    NULL, table[i], pt->level,
				    va + i * svmxe_test_pt_step(pt->level));
	}
}

/* The DMA address @range maps @va from, per its chunks. */
static dma_addr_t svmxe_test_range_dma(const struct xe_svm_range *range,
				       u64 va)
{
	u64 chunk_va = range->start;
	unsigned int i;

	for (i = 0; i < range->dma_nr; i++) {
		u64 size = PAGE_SIZE << range->dma[i].order;

		if (va < chunk_va + size)
			return range->dma[i].addr + (va - chunk_va);
		chunk_va += size;
	}

	return DMA_MAPPING_ERROR;
}

/*
 * Run xe_pt_stage_bind_range() for @pt on @tile over an empty tree, record its
 * leaves in ctx->bind_pte and check them against @range; fill @lay with
 * the page sizes it chose, and the read-only, device-memory and atomics
 * bitmaps with the bits of the PTEs of each page.
 */
static void svmxe_test_stage_bind(struct kunit *test, struct xe_tile *tile,
				  struct xe_vm *vm, const struct xe_svm_pt_range *pt,
				  const struct xe_svm_range *range,
				  struct svmxe_layout *lay)
{
	struct xe_vm_pgtable_update entries[XE_VM_MAX_LEVEL * 2 + 1] = {};
	struct svmxe_test *ctx = test->priv;
	const struct xe_pt_ops *saved_ops = vm->pt_ops;
	unsigned int i, j, ps64 = 0;
	struct xe_pt *root;
	u32 num = 0;
	u64 va;
	int err;

	ctx->pt_ops = *xe_vm_pt_ops_test();
	ctx->pt_ops.pde_encode_bo = svmxe_test_pde_encode_bo;
	vm->pt_ops = &ctx->pt_ops;
	kunit_activate_static_stub(test, xe_pt_create, svmxe_test_pt_create);
	root = svmxe_test_pt_create(vm, tile, ctx->xe->info.vm_max_level);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, root);
	vm->pt_root[tile->id] = root;

	ctx->bind_ptes = 0;
	err = xe_pt_stage_bind_range_test(tile, vm, pt, entries, &num);
	KUNIT_EXPECT_EQ(test, err, 0);
	for (i = 0; i < num; i++) {
		struct xe_vm_pgtable_update *e = &entries[i];

		/* only the root existed before: nothing else is staged */
		KUNIT_EXPECT_PTR_EQ(test, e->pt, root);
		for (j = 0; j < e->qwords && e->pt == root; j++)
			svmxe_test_pt_entry(test, e->pt_entries[j].pt,
					    e->pt_entries[j].pte, root->level,
					    (e->ofs + j) *
					    svmxe_test_pt_step(root->level));
		kfree(e->pt_entries);
	}
	vm->pt_root[tile->id] = NULL;
	vm->pt_ops = saved_ops;
	kunit_deactivate_static_stub(test, xe_pt_create);

	memset(lay, 0, sizeof(*lay));
	lay->segs = pt->sgt.nents;
	bitmap_zero(ctx->bind_ro, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	bitmap_zero(ctx->bind_dm, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	bitmap_zero(ctx->bind_ae, XE_SVM_XE_MAX_RANGE >> PAGE_SHIFT);
	va = range->start;
	for (i = 0; i < ctx->bind_ptes; i++) {
		const struct svmxe_test_pte *leaf = &ctx->bind_pte[i];
		u64 size = svmxe_test_pt_step(leaf->level);
		unsigned long first = (leaf->va - range->start) >> PAGE_SHIFT;

		KUNIT_EXPECT_EQ_MSG(test, leaf->va, va, "leaf %u", i);
		KUNIT_EXPECT_LE_MSG(test, leaf->level, 1, "leaf at %llx", leaf->va);
		KUNIT_EXPECT_TRUE(test, leaf->pte & XE_PAGE_PRESENT);
		/* a huge PTE has PAT bits below its address bits */
		KUNIT_EXPECT_EQ_MSG(test, leaf->pte & SVMXE_TEST_PTE_ADDR &
				    ~(size - 1),
				    svmxe_test_range_dma(range, leaf->va),
				    "leaf at %llx", leaf->va);
		if (leaf->level == 1) {
			KUNIT_EXPECT_TRUE(test, leaf->pte & XE_PDE_PS_2M);
			lay->pages_2m++;
		} else if (leaf->pte & XE_PTE_PS64) {
			/* the hint covers an aligned, DMA-contiguous 64K */
			u64 block = round_down(leaf->va, SZ_64K);
			dma_addr_t block_dma = svmxe_test_range_dma(range, block);

			KUNIT_EXPECT_TRUE(test, IS_ALIGNED(block_dma, SZ_64K));
			KUNIT_EXPECT_EQ(test, svmxe_test_range_dma(range, leaf->va) -
					block_dma, leaf->va - block);
			ps64++;
		} else {
			lay->pages_4k++;
		}
		if (leaf->level > 1)
			break;
		if (!(leaf->pte & XE_PAGE_RW))
			bitmap_set(ctx->bind_ro, first, size >> PAGE_SHIFT);
		if (leaf->pte & XE_PPGTT_PTE_DM)
			bitmap_set(ctx->bind_dm, first, size >> PAGE_SHIFT);
		if (leaf->pte & XE_USM_PPGTT_PTE_AE)
			bitmap_set(ctx->bind_ae, first, size >> PAGE_SHIFT);
		va += size;
	}
	KUNIT_EXPECT_EQ(test, va, range->last + 1);
	KUNIT_EXPECT_EQ(test, ps64 % 16, 0);
	lay->pages_64k = ps64 / 16;
}

static int svmxe_test_run_unbind(struct xe_vm *vm,
				 const struct xe_svm_pt_unmap *const *unmaps,
				 unsigned int count, u8 tile_mask)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	struct xe_svm_range *range = to_svmxe_range_unbind(unmaps[0])->range;
	unsigned int i;
	u8 id;

	lockdep_assert_held_write(&vm->lock);
	ctx->unbinds++;
	ctx->unbind_count = count;
	ctx->unbind_mask = tile_mask;
	ctx->unbind_tile_present = to_svmxe_range(range)->tiles_bound;
	ctx->unbind_start = unmaps[0]->start;
	ctx->unbind_size = unmaps[0]->end - unmaps[0]->start;
	ctx->unbind_range = range;
	for (i = 0; i < count; i++)
		if (unmaps[i]->start != to_svmxe_range_unbind(unmaps[i])->range->start ||
		    unmaps[i]->end != to_svmxe_range_unbind(unmaps[i])->range->last + 1)
			ctx->unbind_bad_addr++;
	if (ctx->unbind_ret)
		return ctx->unbind_ret;

	/* What the commit of each operation does, per tile */
	down_read(&vm->svm.notifier_lock);
	for (id = 0; id < XE_MAX_TILES_PER_DEVICE; id++)
		if (tile_mask & BIT(id))
			for (i = 0; i < count; i++)
				xe_svm_xe_range_unmap_commit(vm, unmaps[i], id);
	up_read(&vm->svm.notifier_lock);

	return 0;
}

static int svmxe_test_run_bind(struct xe_vm *vm, const struct xe_svm_pt_range *pt,
			       u8 tile_mask)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	struct xe_svm_range *range = to_svmxe_range_bind(pt)->range;
	struct xe_vma_op op = {};
	struct xe_vma_ops vops = {};
	struct scatterlist *sg;
	unsigned int i;
	int err = 0;
	u8 id;

	ctx->binds++;
	ctx->bind_start = pt->start;
	ctx->bind_size = pt->end - pt->start;
	ctx->bind_range = range;
	ctx->bind_atomic = pt->atomic;
	ctx->bind_pat = pt->pat_index;
	ctx->bind_tile_mask = tile_mask;
	ctx->bind_tile_present = pt->tiles_bound;
	ctx->bind_smem_atomic = pt->smem_atomic;
	ctx->bind_segs = 0;
	for_each_sgtable_dma_sg(&pt->sgt, sg, i) {
		if (i < SVMXE_TEST_MAX_SEGS) {
			ctx->bind_seg_dma[i] = sg_dma_address(sg);
			ctx->bind_seg_len[i] = sg_dma_len(sg);
		}
		ctx->bind_segs++;
	}
	/* What the real walk writes, on each tile bound */
	for (id = 0; id < XE_MAX_TILES_PER_DEVICE; id++)
		if (tile_mask & BIT(id))
			svmxe_test_stage_bind(kunit_get_current_test(),
					      &ctx->xe->tiles[id], vm, pt, range,
					      &ctx->bind_layout);

	if (ctx->bind_ret)
		return ctx->bind_ret;

	/* An invalidation wins the race: it unmaps a chunk. */
	if (ctx->races) {
		ctx->races--;
		down_write(&vm->svm.notifier_lock);
		range->dma[0].mapped = false;
		up_write(&vm->svm.notifier_lock);
	}

	/* What the page-table code does around the commit, per tile */
	INIT_LIST_HEAD(&vops.list);
	op.base.op = DRM_GPUVA_OP_DRIVER;
	op.subop = XE_VMA_SUBOP_MAP_RANGE;
	op.map_range.pt = pt;
	list_add(&op.link, &vops.list);
	for (id = 0; id < XE_MAX_TILES_PER_DEVICE && !err; id++) {
		if (!(tile_mask & BIT(id)))
			continue;
		err = xe_svm_xe_pt_pre_commit(vm, &vops, id);
		if (!err) {
			xe_svm_xe_assert_commit_locked(vm);
			xe_svm_xe_range_op_commit(vm, pt, id);
			xe_svm_xe_pt_post_commit(vm);
		}
	}

	return err;
}

static bool svmxe_test_fault_timed_out(unsigned long deadline)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	return ++ctx->deadline_checks >= ctx->timeout_after;
}

static void svmxe_test_wait_binds(struct xe_vm *vm)
{
	svmxe_test_ctx()->wait_binds++;
}

static bool svmxe_test_zap(struct xe_tile *tile, struct xe_vm *vm, u64 start,
			   u64 end)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	lockdep_assert_held_write(&vm->svm.notifier_lock);
	ctx->zaps++;
	ctx->zapped_tiles |= BIT(tile->id);
	ctx->zap_start = start;
	ctx->zap_end = end;

	return ctx->zap_ret;
}

static int svmxe_test_tlb_inval(struct xe_gt *gt,
				struct xe_gt_tlb_invalidation_fence *fence,
				u64 start, u64 end, u32 asid)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	if (ctx->invals < SVMXE_TEST_MAX_INVALS) {
		ctx->inval[ctx->invals].gt = gt;
		ctx->inval[ctx->invals].start = start;
		ctx->inval[ctx->invals].end = end;
		ctx->inval[ctx->invals].asid = asid;
	}
	ctx->invals++;

	return ctx->inval_ret;
}

static void svmxe_test_tlb_wait(struct xe_gt_tlb_invalidation_fence *fence)
{
	svmxe_test_ctx()->tlb_waits++;
}

static u64 svmxe_test_page_vram_offset(struct page *page)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	return ctx->dev_offset[page - ctx->dev_pages];
}

/* System page i is at a DMA address of its own, never next to another. */
static dma_addr_t svmxe_test_sys_dma(unsigned int i)
{
	return SVMXE_TEST_SYS_DMA + i * SVMXE_TEST_DMA_STRIDE;
}

static int svmxe_test_dma_map(struct device *dev, struct page *page,
			      dma_addr_t *addr)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	unsigned int i = page - ctx->sys_pages;

	if (++ctx->maps == ctx->map_fail_at)
		return -EFAULT;

	__set_bit(i, ctx->mapped);
	*addr = svmxe_test_sys_dma(i);

	return 0;
}

static void svmxe_test_dma_unmap(struct device *dev, dma_addr_t addr)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	unsigned int i = (addr - SVMXE_TEST_SYS_DMA) / SVMXE_TEST_DMA_STRIDE;

	ctx->unmaps++;
	if (i < SVMXE_TEST_MAX_PAGES)
		__clear_bit(i, ctx->mapped);
}

static const char *svmxe_test_fence_name(struct dma_fence *fence)
{
	return "svmxe-test";
}

static const struct dma_fence_ops svmxe_test_fence_ops = {
	.get_driver_name = svmxe_test_fence_name,
	.get_timeline_name = svmxe_test_fence_name,
};

/* Record a request; its fence is signalled already (with ctx->fence_error). */
static struct dma_fence *svmxe_test_request(struct svmxe_test_req *r)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	struct dma_fence *fence;
	unsigned int n = ctx->reqs++;

	if (n >= SVMXE_TEST_MAX_REQS)
		return ERR_PTR(-E2BIG);
	if (ctx->reqs == ctx->req_fail_at)
		return ERR_PTR(-ENOMEM);

	fence = kzalloc(sizeof(*fence), GFP_KERNEL);
	if (!fence)
		return ERR_PTR(-ENOMEM);
	dma_fence_init(fence, &svmxe_test_fence_ops, &ctx->fence_lock,
		       ctx->fence_context, n + 1);
	if (ctx->fence_error &&
	    (!ctx->fence_error_at || ctx->reqs == ctx->fence_error_at))
		dma_fence_set_error(fence, ctx->fence_error);
	dma_fence_signal(fence);

	ctx->req[n] = *r;
	ctx->req[n].after_move = !ctx->move_fence ||
				 dma_fence_is_signaled(ctx->move_fence);
	ctx->fences[n] = fence;		/* the test's reference */

	return dma_fence_get(fence);
}

static struct dma_fence *svmxe_test_vram_move_fence(struct xe_tile *tile)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->move_asks++;

	return ctx->move_fence ? dma_fence_get(ctx->move_fence) : NULL;
}

static struct dma_fence *svmxe_test_migrate_copy(struct xe_tile *tile,
						 struct xe_migrate *m,
						 const dma_addr_t *sram,
						 u64 vram_offset,
						 unsigned long npages,
						 bool to_vram)
{
	struct svmxe_test_req r = {
		.tile = tile,
		.m = m,
		.to_vram = to_vram,
		.vram_offset = vram_offset,
		.size = (u64)npages << PAGE_SHIFT,
		.npages = npages,
	};

	memcpy(r.sram, sram,
	       min_t(unsigned long, npages, SVMXE_TEST_MAX_PAGES) * sizeof(*sram));

	return svmxe_test_request(&r);
}

static struct dma_fence *svmxe_test_migrate_clear(struct xe_tile *tile,
						  struct xe_migrate *m,
						  u64 vram_offset, u64 size)
{
	struct svmxe_test_req r = {
		.tile = tile,
		.m = m,
		.clear = true,
		.to_vram = true,
		.vram_offset = vram_offset,
		.size = size,
		.npages = size >> PAGE_SHIFT,
	};

	return svmxe_test_request(&r);
}

static int svmxe_test_devmem_init(struct svmxe_devmem *sdm, u64 size,
				  u64 dpa_base, void *owner)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->devmem_inits++;
	ctx->devmem_init_sdm = sdm;
	ctx->devmem_size = size;
	ctx->devmem_dpa = dpa_base;
	ctx->devmem_owner = owner;

	return ctx->devmem_init_ret;
}

static void svmxe_test_devmem_fini(struct svmxe_devmem *sdm)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->devmem_finis++;
	ctx->devmem_fini_sdm = sdm;
}

static struct xe_bo *svmxe_test_vram_bo_create(struct xe_tile *tile, u64 size)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->bo_creates++;
	ctx->bo_create_tile = tile;
	ctx->bo_create_size = size;
	return ctx->bo_create_ret;
}

static u64 svmxe_test_vram_bo_offset(struct xe_bo *bo)
{
	return svmxe_test_ctx()->bo_offset;
}

static void svmxe_test_vram_bo_unlock(struct xe_bo *bo)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->bo_unlocks++;
	ctx->bo_last = bo;
}

static void svmxe_test_vram_bo_put(struct xe_bo *bo)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->bo_puts++;
	ctx->bo_last = bo;
}

static int svmxe_test_alloc_evict(struct xe_svm_devmem_alloc *alloc)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->evicts++;
	ctx->evict_alloc = alloc;
	return ctx->evict_ret;
}

static void svmxe_test_bo_move_null(struct xe_bo *bo, struct ttm_resource *new_mem)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->move_nulls++;
	ctx->move_null_mem = new_mem;
}

static struct xe_migrate *svmxe_test_migrate_create(struct xe_tile *tile)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	ctx->migrate_creates++;
	if (ctx->migrate_create_ret)
		return ERR_PTR(ctx->migrate_create_ret);

	return ctx->svm_migrate;
}

/* Fixtures */

static void svmxe_test_put_fences(void *arg)
{
	struct svmxe_test *ctx = arg;
	unsigned int i;

	for (i = 0; i < SVMXE_TEST_MAX_REQS; i++)
		dma_fence_put(ctx->fences[i]);
}

static void svmxe_test_attrs_fini(void *arg)
{
	xe_svm_attr_tree_fini(arg);
}

/* Give [@start, @end) the fields @mask of @val, as MADVISE would. */
static void svmxe_test_attr_set(struct kunit *test, struct xe_vm *vm, u64 start, u64 end,
				unsigned int mask, const struct xe_svm_attr *val)
{
	struct xe_svm_attr_split split;

	KUNIT_ASSERT_EQ(test, xe_svm_attr_split_prepare(&split), 0);
	xe_svm_attr_set(&vm->svm.attrs, &split, start, end, mask, val, NULL, NULL);
	xe_svm_attr_split_release(&split);
}

static int svmxe_test_init(struct kunit *test)
{
	struct xe_pci_fake_data fake = {
		.platform = XE_LUNARLAKE,
		.subplatform = XE_SUBPLATFORM_NONE,
		.graphics_verx100 = 2004,
		.media_verx100 = 2000,
		.graphics_step = STEP_A0,
		.media_step = STEP_A0,
	};
	struct svmxe_test *ctx;
	struct xe_vm *vm;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);

	test->priv = &fake;
	xe_kunit_helper_xe_device_test_init(test);
	ctx->xe = test->priv;
	ctx->xe->pat.n_entries = 8;
	ctx->xe->pat.idx[XE_CACHE_WB] = 2;

	vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	vm->xe = ctx->xe;
	vm->size = 1ull << 48;
	vm->flags = XE_VM_FLAG_LR_MODE | XE_VM_FLAG_FAULT_MODE | XE_VM_FLAG_SVM;
	vm->usm.asid = SVMXE_TEST_ASID;
	init_rwsem(&vm->lock);
	vm->svm.ops = &xe_svm_xe_ops;
	vm->svm.win_end = vm->size;
	vm->svm.devmem_map_min = PAGE_SIZE;
	xe_svm_range_tree_init(&vm->svm.ranges, &vm->lock);
	/* As xe_svm_xe_vm_init() leaves them: write-back everywhere */
	KUNIT_ASSERT_EQ(test, xe_svm_attr_tree_init(&vm->svm.attrs, &vm->lock, 0, vm->size,
						    ctx->xe->pat.idx[XE_CACHE_WB]), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svmxe_test_attrs_fini,
							&vm->svm.attrs), 0);
	init_rwsem(&vm->svm.notifier_lock);
	spin_lock_init(&vm->svm.gc_lock);
	INIT_LIST_HEAD(&vm->svm.gc_list);
	ctx->vm = vm;

	ctx->zap_ret = true;
	/* a fault that never ends would hang the test: time out late */
	ctx->timeout_after = 1000;
	ctx->sys_pages = kunit_kcalloc(test, SVMXE_TEST_MAX_PAGES,
				       sizeof(*ctx->sys_pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->sys_pages);
	ctx->dev_pages = kunit_kcalloc(test, SVMXE_TEST_MAX_PAGES,
				       sizeof(*ctx->dev_pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->dev_pages);
	spin_lock_init(&ctx->fence_lock);
	ctx->fence_context = dma_fence_context_alloc(1);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svmxe_test_put_fences,
							ctx), 0);
	test->priv = ctx;

	kunit_activate_static_stub(test, svmxe_core_fault, svmxe_test_core_fault);
	kunit_activate_static_stub(test, svmxe_run_bind, svmxe_test_run_bind);
	kunit_activate_static_stub(test, svmxe_run_unbind, svmxe_test_run_unbind);
	kunit_activate_static_stub(test, svmxe_fault_timed_out,
				   svmxe_test_fault_timed_out);
	kunit_activate_static_stub(test, svmxe_wait_binds, svmxe_test_wait_binds);
	kunit_activate_static_stub(test, svmxe_zap, svmxe_test_zap);
	kunit_activate_static_stub(test, svmxe_tlb_inval, svmxe_test_tlb_inval);
	kunit_activate_static_stub(test, svmxe_tlb_wait, svmxe_test_tlb_wait);
	kunit_activate_static_stub(test, svmxe_page_vram_offset,
				   svmxe_test_page_vram_offset);
	kunit_activate_static_stub(test, svmxe_dma_map, svmxe_test_dma_map);
	kunit_activate_static_stub(test, svmxe_dma_unmap, svmxe_test_dma_unmap);
	kunit_activate_static_stub(test, svmxe_migrate_copy, svmxe_test_migrate_copy);
	kunit_activate_static_stub(test, svmxe_migrate_clear, svmxe_test_migrate_clear);
	kunit_activate_static_stub(test, svmxe_vram_move_fence,
				   svmxe_test_vram_move_fence);
	kunit_activate_static_stub(test, svmxe_devmem_init, svmxe_test_devmem_init);
	kunit_activate_static_stub(test, svmxe_devmem_fini, svmxe_test_devmem_fini);
	kunit_activate_static_stub(test, svmxe_migrate_create, svmxe_test_migrate_create);
	kunit_activate_static_stub(test, svmxe_vram_bo_create, svmxe_test_vram_bo_create);
	kunit_activate_static_stub(test, svmxe_vram_bo_offset, svmxe_test_vram_bo_offset);
	kunit_activate_static_stub(test, svmxe_vram_bo_unlock, svmxe_test_vram_bo_unlock);
	kunit_activate_static_stub(test, svmxe_vram_bo_put, svmxe_test_vram_bo_put);
	kunit_activate_static_stub(test, svmxe_alloc_evict, svmxe_test_alloc_evict);
	kunit_activate_static_stub(test, svmxe_bo_move_null, svmxe_test_bo_move_null);
	/* a migrate context is only compared, never used: any distinct address */
	ctx->svm_migrate = kunit_kzalloc(test, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->svm_migrate);

	return 0;
}

/* Make the device a two-tile one (tile 1 has no media GT). */
static void svmxe_test_add_tile(struct kunit *test, struct svmxe_test *ctx)
{
	struct xe_device *xe = ctx->xe;

	KUNIT_ASSERT_EQ(test, xe->info.tile_count, 1);
	KUNIT_ASSERT_EQ(test, xe_tile_init_early(&xe->tiles[1], xe, 1), 0);
	xe->info.tile_count = 2;
}

/*
 * A range at @start made of @nr chunks of order @order, at DMA addresses
 * from @dma, @gap bytes apart, writable except chunks [@ro, @ro + @ro_nr).
 */
static struct xe_svm_range *svmxe_test_range(struct kunit *test,
					     struct xe_vm *vm, u64 start,
					     unsigned int nr, u8 order,
					     dma_addr_t dma, u64 gap,
					     unsigned int ro, unsigned int ro_nr)
{
	struct svmxe_range *sr;
	struct xe_svm_range *range;
	unsigned int i;

	/* what the backend's range_alloc makes */
	sr = kunit_kzalloc(test, sizeof(*sr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sr);
	range = &sr->base;
	range->dma = kunit_kcalloc(test, nr, sizeof(*range->dma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, range->dma);

	for (i = 0; i < nr; i++) {
		range->dma[i].addr = dma;
		range->dma[i].order = order;
		range->dma[i].mapped = true;
		range->dma[i].write = i < ro || i >= ro + ro_nr;
		dma += (PAGE_SIZE << order) + gap;
	}
	range->dma_nr = nr;
	range->svm = &vm->svm;
	range->start = start;
	range->last = start + ((u64)nr * PAGE_SIZE << order) - 1;
	INIT_LIST_HEAD(&range->gc_link);
	RB_CLEAR_NODE(&range->rb);

	return range;
}

/* A 2 MiB range at @start mapped by one THP chunk at DMA 0x40000000 */
static struct xe_svm_range *svmxe_test_range_2m(struct kunit *test,
						struct xe_vm *vm, u64 start)
{
	return svmxe_test_range(test, vm, start, 1, 9, 0x40000000, 0, 0, 0);
}

/* A 64 KiB range at @start of 16 base pages from DMA 0x50000000 */
static struct xe_svm_range *svmxe_test_range_64k(struct kunit *test,
						 struct xe_vm *vm, u64 start)
{
	return svmxe_test_range(test, vm, start, 16, 0, 0x50000000, 0, 0, 0);
}

/* A VMA that is only a node of the test gpuvm (or of nothing) */
static struct xe_vma *svmxe_test_vma(struct kunit *test, struct xe_vm *vm,
				     u64 start, u64 size, u32 flags, u16 pat)
{
	struct xe_vma *vma;

	vma = kunit_kzalloc(test, sizeof(*vma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vma->gpuva.vm = &vm->gpuvm;
	vma->gpuva.va.addr = start;
	vma->gpuva.va.range = size;
	vma->gpuva.flags = flags;
	INIT_LIST_HEAD(&vma->gpuva.gem.entry);
	vma->pat_index = pat;

	return vma;
}

static void svmxe_test_gpuvm_free(struct drm_gpuvm *gpuvm)
{
}

static const struct drm_gpuvm_ops svmxe_test_gpuvm_ops = {
	.vm_free = svmxe_test_gpuvm_free,
};

/*
 * KUnit runs cleanups in reverse order: each VMA is removed from the
 * gpuvm (svmxe_test_remove_vma()) before its memory is freed, and all of
 * them before the gpuvm itself goes.
 */
static void svmxe_test_gpuvm_fini(void *arg)
{
	struct xe_vm *vm = arg;

	drm_gpuvm_put(&vm->gpuvm);
}

static void svmxe_test_remove_vma(void *arg)
{
	drm_gpuva_remove(arg);
}

static void svmxe_test_gpuvm_init(struct kunit *test, struct xe_vm *vm)
{
	struct drm_gem_object *r_obj;

	r_obj = drm_gpuvm_resv_object_alloc(&vm->xe->drm);
	KUNIT_ASSERT_NOT_NULL(test, r_obj);
	drm_gpuvm_init(&vm->gpuvm, "svmxe-test", 0, &vm->xe->drm, r_obj, 0,
		       vm->size, 0, 0, &svmxe_test_gpuvm_ops);
	drm_gem_object_put(r_obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svmxe_test_gpuvm_fini, vm), 0);
}

static struct xe_vma *svmxe_test_insert_vma(struct kunit *test,
					    struct xe_vm *vm, u64 start,
					    u64 size, u32 flags)
{
	struct xe_vma *vma = svmxe_test_vma(test, vm, start, size, flags, 0);

	KUNIT_ASSERT_EQ(test, drm_gpuva_insert(&vm->gpuvm, &vma->gpuva), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svmxe_test_remove_vma,
							&vma->gpuva), 0);

	return vma;
}

/* Page sizes chosen per chunk layout */

struct svmxe_size_case {
	const char *name;
	u64 start;
	unsigned int nr;
	u8 order;
	dma_addr_t dma;
	u64 gap;
	unsigned int ro, ro_nr;
	unsigned int segs, pages_2m, pages_64k, pages_4k;
};

static const struct svmxe_size_case svmxe_size_cases[] = {
	{ "THP at 2M-aligned DMA", SZ_2M, 1, 9, 0x40000000, 0, 0, 0,
	  1, 1, 0, 0 },
	{ "THP at 64K-aligned DMA", SZ_2M, 1, 9, 0x40010000, 0, 0, 0,
	  1, 0, 32, 0 },
	{ "THP at 4K-aligned DMA", SZ_2M, 1, 9, 0x40001000, 0, 0, 0,
	  1, 0, 0, 512 },
	{ "split THP, contiguous 4K chunks", 2 * SZ_2M, 512, 0, 0x40000000, 0,
	  0, 0, 1, 1, 0, 0 },
	{ "2M of contiguous 4K at 64K-aligned DMA", 2 * SZ_2M, 512, 0,
	  0x40010000, 0, 0, 0, 1, 0, 32, 0 },
	{ "16 contiguous 4K at 64K-aligned DMA", SZ_64K, 16, 0, 0x50000000, 0,
	  0, 0, 1, 0, 1, 0 },
	{ "16 contiguous 4K at 4K-aligned DMA", SZ_64K, 16, 0, 0x50001000, 0,
	  0, 0, 1, 0, 0, 16 },
	{ "16 scattered 4K", SZ_64K, 16, 0, 0x50000000, SZ_4K, 0, 0,
	  16, 0, 0, 16 },
	{ "16 contiguous 4K, one read-only", SZ_64K, 16, 0, 0x50000000, 0, 3, 1,
	  3, 0, 0, 16 },
	{ "32 contiguous 4K, second 64K read-only", 2 * SZ_64K, 32, 0,
	  0x50000000, 0, 16, 16, 2, 0, 2, 0 },
	{ "64K piece of a THP", 3 * SZ_64K, 1, 4, 0x60030000, 0, 0, 0,
	  1, 0, 1, 0 },
	{ "4K chunk", 0x7000, 1, 0, 0x70000000, 0, 0, 1, 1, 0, 0, 1 },
};

static void svmxe_size_case_desc(const struct svmxe_size_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(svmxe_size, svmxe_size_cases, svmxe_size_case_desc);

static void svmxe_page_size_test(struct kunit *test)
{
	const struct svmxe_size_case *c = test->param_value;
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct svmxe_range_bind *rb;
	struct xe_svm_range *range;
	struct svmxe_layout lay, model;
	u64 addr;

	range = svmxe_test_range(test, vm, c->start, c->nr, c->order, c->dma,
				 c->gap, c->ro, c->ro_nr);

	down_write(&vm->lock);
	rb = svmxe_range_bind_create(vm, range, 0, false, false);
	up_write(&vm->lock);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rb);

	/* what the page-table walk writes, leaf by leaf */
	svmxe_test_stage_bind(test, xe_device_get_root_tile(ctx->xe), vm,
			      &rb->pt, range, &lay);
	KUNIT_EXPECT_EQ(test, lay.segs, c->segs);
	KUNIT_EXPECT_EQ(test, lay.pages_2m, c->pages_2m);
	KUNIT_EXPECT_EQ(test, lay.pages_64k, c->pages_64k);
	KUNIT_EXPECT_EQ(test, lay.pages_4k, c->pages_4k);
	/* the pages cover the range exactly */
	KUNIT_EXPECT_EQ(test, (u64)lay.pages_2m * SZ_2M +
			(u64)lay.pages_64k * SZ_64K + (u64)lay.pages_4k * SZ_4K,
			xe_svm_range_size(range));

	for (addr = range->start; addr <= range->last; addr += PAGE_SIZE) {
		unsigned int page = (addr - range->start) >> PAGE_SHIFT;
		unsigned int chunk = page >> c->order;
		bool writable = chunk < c->ro || chunk >= c->ro + c->ro_nr;

		KUNIT_EXPECT_EQ_MSG(test, !test_bit(page, rb->pt.read_only),
				    writable, "page %llx", addr);
		KUNIT_EXPECT_EQ_MSG(test, !test_bit(page, ctx->bind_ro),
				    writable, "PTE of page %llx", addr);
	}
	/* system memory, no atomics asked for */
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->bind_dm, c->nr << c->order));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->bind_ae, c->nr << c->order));

	/* the backend's own account of the layout (its debug message) agrees */
	svmxe_layout(&rb->pt.sgt, range->start, &model);
	KUNIT_EXPECT_EQ(test, model.segs, lay.segs);
	KUNIT_EXPECT_EQ(test, model.pages_2m, lay.pages_2m);
	KUNIT_EXPECT_EQ(test, model.pages_64k, lay.pages_64k);
	KUNIT_EXPECT_EQ(test, model.pages_4k, lay.pages_4k);

	svmxe_range_bind_destroy(rb);
}

/* What the commit asks the page-table code to do */

/* svmxe_commit() of a plain bind, with the VM lock held as on a fault */
static int svmxe_test_commit(struct xe_vm *vm, struct xe_tile *tile,
			     struct xe_svm_range *range, u16 pat_index)
{
	int err;

	down_write(&vm->lock);
	err = svmxe_commit(vm, tile, range, pat_index, false, false);
	up_write(&vm->lock);

	return err;
}

static void svmxe_bind_request_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 start = 0x7f0000010000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	unsigned int i;
	int err;

	/* 16 pages, DMA-contiguous, chunk 5 read-only: 3 segments */
	range = svmxe_test_range(test, vm, start, 16, 0, 0x80000000, 0, 5, 1);

	err = svmxe_test_commit(vm, tile, range, 3);

	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bind_start, start);
	KUNIT_EXPECT_EQ(test, ctx->bind_size, SZ_64K);
	KUNIT_EXPECT_PTR_EQ(test, ctx->bind_range, range);
	KUNIT_EXPECT_EQ(test, ctx->bind_atomic,
			!!ctx->xe->info.has_atomic_enable_pte_bit);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 3);
	KUNIT_EXPECT_EQ(test, ctx->bind_tile_mask, BIT(0));
	KUNIT_EXPECT_EQ(test, ctx->bind_tile_present, 0);

	KUNIT_ASSERT_EQ(test, ctx->bind_segs, 3);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_dma[0], 0x80000000);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_len[0], 5 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_dma[1], 0x80005000);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_len[1], SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_dma[2], 0x80006000);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_len[2], 10 * SZ_4K);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, ctx->bind_ro), i == 5,
				    "page %u", i);
	/* the read-only page breaks the only 64K block */
	KUNIT_EXPECT_EQ(test, ctx->bind_layout.pages_64k, 0);
	KUNIT_EXPECT_EQ(test, ctx->bind_layout.pages_4k, 16);
	/* PAT index 3 in every PTE */
	KUNIT_ASSERT_EQ(test, ctx->bind_ptes, 16);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ_MSG(test, ctx->bind_pte[i].pte &
				    (XE_PPGTT_PTE_PAT0 | XE_PPGTT_PTE_PAT1),
				    XE_PPGTT_PTE_PAT0 | XE_PPGTT_PTE_PAT1,
				    "page %u", i);

	/* the pre-commit marked the range bound and mapped on tile 0 */
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(0));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(0));
}

static void svmxe_bind_second_tile_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	int err;

	svmxe_test_add_tile(test, ctx);
	range = svmxe_test_range_2m(test, vm, SZ_2M);
	/* bound on tile 0 before, zapped since */
	to_svmxe_range(range)->tiles_bound = BIT(0);

	err = svmxe_test_commit(vm, &ctx->xe->tiles[1], range, 2);

	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, ctx->binds, 1);
	/*
	 * Only the faulting tile: tile 0's GPU may be walking its tables,
	 * which a bind there would replace without an invalidation. Its
	 * entries are accounted for already.
	 */
	KUNIT_EXPECT_EQ(test, ctx->bind_tile_mask, BIT(1));
	KUNIT_EXPECT_EQ(test, ctx->bind_tile_present, BIT(0));
	KUNIT_EXPECT_EQ(test, ctx->bind_layout.pages_2m, 1);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(0) | BIT(1));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(1));
}

/*
 * A rebind after a zap may replace page tables the GPU cached the
 * directory entries of: xe_pt must invalidate. A first bind need not.
 */
static void svmxe_bind_stale_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	int err;

	range = svmxe_test_range_64k(test, vm, SZ_64K);

	/* a chunk was unmapped since populate: no bind at all */
	range->dma[7].mapped = false;
	err = svmxe_test_commit(vm, tile, range, 0);
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);

	/* the CPU unmapped the range */
	range->dma[7].mapped = true;
	set_bit(XE_SVM_RANGE_UNMAPPED, &range->flags);
	err = svmxe_test_commit(vm, tile, range, 0);
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);

	/* the bind itself fails: the error comes back, nothing is marked */
	clear_bit(XE_SVM_RANGE_UNMAPPED, &range->flags);
	ctx->bind_ret = -ENOMEM;
	err = svmxe_test_commit(vm, tile, range, 0);
	KUNIT_EXPECT_EQ(test, err, -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
}

/* The check made under the notifier lock before the PTEs become visible */

static void svmxe_pre_commit_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct svmxe_range_bind *rb;
	struct xe_svm_range *range;
	struct xe_vma_op op = {}, other = {};
	struct xe_vma_ops vops = {};
	struct xe_vma *bo_vma;
	int err;

	range = svmxe_test_range_64k(test, vm, SZ_64K);
	bo_vma = svmxe_test_vma(test, vm, SZ_1G, SZ_2M, 0, 0);

	down_write(&vm->lock);
	rb = svmxe_range_bind_create(vm, range, 0, true, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rb);

	INIT_LIST_HEAD(&vops.list);
	other.base.op = DRM_GPUVA_OP_MAP;
	other.map.vma = bo_vma;
	list_add_tail(&other.link, &vops.list);
	op.base.op = DRM_GPUVA_OP_DRIVER;
	op.subop = XE_VMA_SUBOP_MAP_RANGE;
	op.map_range.pt = &rb->pt;
	list_add_tail(&op.link, &vops.list);

	/* an invalidation unmapped a chunk: -EAGAIN, lock dropped */
	range->dma[15].mapped = false;
	err = xe_svm_xe_pt_pre_commit(vm, &vops, 0);
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
	KUNIT_EXPECT_TRUE(test, down_write_trylock(&vm->svm.notifier_lock));
	up_write(&vm->svm.notifier_lock);

	/* the CPU unmapped the range: -EAGAIN */
	range->dma[15].mapped = true;
	set_bit(XE_SVM_RANGE_UNMAPPED, &range->flags);
	err = xe_svm_xe_pt_pre_commit(vm, &vops, 0);
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);

	/*
	 * valid: 0, lock held for reading, and no mask changed yet; the
	 * operation's commit marks the range on that tile only
	 */
	clear_bit(XE_SVM_RANGE_UNMAPPED, &range->flags);
	err = xe_svm_xe_pt_pre_commit(vm, &vops, 1);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (!err) {
		KUNIT_EXPECT_FALSE(test, down_write_trylock(&vm->svm.notifier_lock));
		KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);
		KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
		KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, 0);
		xe_svm_xe_range_op_commit(vm, &rb->pt, 1);
		xe_svm_xe_pt_post_commit(vm);
	}
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(1));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(1));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, BIT(1));
	KUNIT_EXPECT_TRUE(test, down_write_trylock(&vm->svm.notifier_lock));
	up_write(&vm->svm.notifier_lock);

	svmxe_range_bind_destroy(rb);
	up_write(&vm->lock);
}

/* Invalidation: what is zapped and which TLBs are invalidated */

static void svmxe_invalidate_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 start = 0x7f0000200000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, tile->media_gt);
	range = svmxe_test_range_2m(test, vm, start);
	to_svmxe_range(range)->tiles_bound = BIT(0);
	to_svmxe_range(range)->tiles_mapped = BIT(0);

	/* the CPU changes 4K in the middle: the whole range goes */
	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, start + SZ_64K,
				start + SZ_64K + SZ_4K);
	up_write(&vm->svm.notifier_lock);

	KUNIT_EXPECT_EQ(test, ctx->wait_binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->zapped_tiles, BIT(0));
	KUNIT_EXPECT_EQ(test, ctx->zap_start, start);
	KUNIT_EXPECT_EQ(test, ctx->zap_end, start + SZ_2M);

	KUNIT_ASSERT_EQ(test, ctx->invals, 2);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[0].gt, tile->primary_gt);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[1].gt, tile->media_gt);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, ctx->inval[i].start, start);
		KUNIT_EXPECT_EQ(test, ctx->inval[i].end, start + SZ_2M);
		KUNIT_EXPECT_EQ(test, ctx->inval[i].asid, SVMXE_TEST_ASID);
	}
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 2);

	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(0));
}

/*
 * A TLB invalidation that cannot be sent (the GuC is being reset, the
 * device is wedged) stops nothing: the media GT is still asked, every
 * fence is waited for (one that failed is signalled already), and the
 * range counts as unmapped (its PTEs are zeroed; a reset flushes TLBs).
 */
static void svmxe_invalidate_send_failed_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 start = 0x7f0000200000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;

	KUNIT_ASSERT_NOT_NULL(test, tile->media_gt);
	range = svmxe_test_range_2m(test, vm, start);
	to_svmxe_range(range)->tiles_bound = BIT(0);
	to_svmxe_range(range)->tiles_mapped = BIT(0);
	ctx->inval_ret = -ECANCELED;

	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, start, start + SZ_2M);
	up_write(&vm->svm.notifier_lock);

	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_ASSERT_EQ(test, ctx->invals, 2);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[0].gt, tile->primary_gt);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[1].gt, tile->media_gt);
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 2);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
}

static void svmxe_invalidate_second_tile_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;

	svmxe_test_add_tile(test, ctx);
	range = svmxe_test_range_64k(test, vm, SZ_64K);
	to_svmxe_range(range)->tiles_bound = BIT(0) | BIT(1);
	to_svmxe_range(range)->tiles_mapped = BIT(1);

	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, SZ_64K, 2 * SZ_64K);
	up_write(&vm->svm.notifier_lock);

	/* only tile 1, which has no media GT */
	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->zapped_tiles, BIT(1));
	KUNIT_ASSERT_EQ(test, ctx->invals, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[0].gt, ctx->xe->tiles[1].primary_gt);
	KUNIT_EXPECT_EQ(test, ctx->inval[0].start, SZ_64K);
	KUNIT_EXPECT_EQ(test, ctx->inval[0].end, 2 * SZ_64K);
	KUNIT_EXPECT_EQ(test, ctx->inval[0].asid, SVMXE_TEST_ASID);
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 1);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);

	/*
	 * The GuC cannot take the invalidation (a GT reset): the fence is
	 * still waited for, the range forgotten, and no warning splats.
	 */
	to_svmxe_range(range)->tiles_mapped = BIT(1);
	ctx->inval_ret = -ECANCELED;
	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, SZ_64K, 2 * SZ_64K);
	up_write(&vm->svm.notifier_lock);
	KUNIT_EXPECT_EQ(test, ctx->invals, 2);
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 2);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
	ctx->inval_ret = 0;
}

static void svmxe_invalidate_unmapped_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;

	range = svmxe_test_range_64k(test, vm, SZ_64K);

	/* never bound, or bound and zapped already: nothing at all */
	to_svmxe_range(range)->tiles_bound = BIT(0);
	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, SZ_64K, 2 * SZ_64K);
	up_write(&vm->svm.notifier_lock);

	KUNIT_EXPECT_EQ(test, ctx->wait_binds, 0);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 0);
	KUNIT_EXPECT_EQ(test, ctx->invals, 0);
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 0);

	/* mapped, but the zap found nothing to clear: no TLB invalidation */
	to_svmxe_range(range)->tiles_mapped = BIT(0);
	ctx->zap_ret = false;
	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, SZ_64K, 2 * SZ_64K);
	up_write(&vm->svm.notifier_lock);

	KUNIT_EXPECT_EQ(test, ctx->zaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->invals, 0);
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
}

/*
 * The leaf zap on a fake page-table tree. Each table's entries live in
 * plain memory behind its fake BO's vmap, every entry nonzero at first.
 */

struct svmxe_test_pt {
	struct xe_pt pt;
	struct xe_bo bo;
	struct xe_ptw *children[XE_PDES];
	u64 entries[XE_PDES];
};

static struct svmxe_test_pt *svmxe_test_pt(struct kunit *test,
					   unsigned int level)
{
	struct svmxe_test_pt *t;
	unsigned int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pt.level = level;
	t->pt.bo = &t->bo;
	iosys_map_set_vaddr(&t->bo.vmap, t->entries);
	if (level)
		t->pt.base.children = t->children;
	for (i = 0; i < XE_PDES; i++)
		t->entries[i] = ((u64)(level + 1) << 52) | (i << 12) | 1;

	return t;
}

static void svmxe_test_pt_link(struct svmxe_test_pt *parent,
			       unsigned int idx, struct svmxe_test_pt *child)
{
	parent->children[idx] = &child->pt.base;
}

/* Nonzero entries of [first, first + n) */
static unsigned int svmxe_test_pt_live(const struct svmxe_test_pt *t,
				       unsigned int first, unsigned int n)
{
	unsigned int i, live = 0;

	for (i = first; i < first + n; i++)
		live += !!t->entries[i];

	return live;
}

static void svmxe_zap_leaves_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct svmxe_test_pt *root, *l2, *l1, *l0;
	const u64 base = SZ_1G;	/* root entry 0, level-2 entry 1 */
	struct xe_vm *vm = ctx->vm;

	/*
	 * Level 1 entry 3 points to a 4K table, entry 5 is a 2M leaf,
	 * level 2 entry 2 is empty.
	 */
	root = svmxe_test_pt(test, 3);
	l2 = svmxe_test_pt(test, 2);
	l1 = svmxe_test_pt(test, 1);
	l0 = svmxe_test_pt(test, 0);
	svmxe_test_pt_link(root, 0, l2);
	svmxe_test_pt_link(l2, 1, l1);
	svmxe_test_pt_link(l1, 3, l0);
	vm->pt_root[tile->id] = &root->pt;

	/* 64K inside the 4K table: 16 PTEs, nothing above */
	KUNIT_EXPECT_TRUE(test, xe_pt_zap_range_leaves(tile, vm,
						       base + 3 * SZ_2M + SZ_64K,
						       base + 3 * SZ_2M + 2 * SZ_64K));
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l0, 16, 16), 0);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l0, 0, 16), 16);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l0, 32, XE_PDES - 32),
			XE_PDES - 32);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l1, 0, XE_PDES), XE_PDES);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l2, 0, XE_PDES), XE_PDES);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(root, 0, XE_PDES), XE_PDES);

	/* the 2M leaf goes, its neighbours stay */
	KUNIT_EXPECT_TRUE(test, xe_pt_zap_range_leaves(tile, vm,
						       base + 5 * SZ_2M,
						       base + 6 * SZ_2M));
	KUNIT_EXPECT_EQ(test, l1->entries[5], 0);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l1, 0, 5), 5);
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l1, 6, XE_PDES - 6),
			XE_PDES - 6);

	/*
	 * A whole 2M over a 4K table: all its PTEs go, but the directory
	 * entry stays, so that a later smaller range can reuse the table.
	 */
	KUNIT_EXPECT_TRUE(test, xe_pt_zap_range_leaves(tile, vm,
						       base + 3 * SZ_2M,
						       base + 4 * SZ_2M));
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l0, 0, XE_PDES), 0);
	KUNIT_EXPECT_NE(test, l1->entries[3], 0);
	KUNIT_EXPECT_PTR_EQ(test, l1->children[3], &l0->pt.base);

	/* an empty level-2 entry wider than the range is left alone */
	KUNIT_EXPECT_FALSE(test, xe_pt_zap_range_leaves(tile, vm, SZ_2G,
							SZ_2G + SZ_2M));
	KUNIT_EXPECT_EQ(test, svmxe_test_pt_live(l2, 0, XE_PDES), XE_PDES);

	vm->pt_root[tile->id] = NULL;
	KUNIT_EXPECT_FALSE(test, xe_pt_zap_range_leaves(tile, vm, base,
							base + SZ_2M));
}

/* The fault handler */

/*
 * The fault tests' setting: a mirror VMA of 1 GiB at @base with PAT
 * @pat, and the range the stubbed core hands back, 2 MiB (one THP chunk)
 * at @base + 2 MiB or 64 KiB (base pages) at @base + 64 KiB.
 */
static struct xe_vma *svmxe_fault_setup(struct kunit *test, u64 base, u16 pat,
					bool huge)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vma *mirror;

	struct xe_svm_attr def;

	mirror = svmxe_test_vma(test, ctx->vm, base, SZ_1G, XE_VMA_CPU_ADDR_MIRROR, pat);
	ctx->range = huge ? svmxe_test_range_2m(test, ctx->vm, base + SZ_2M) :
			    svmxe_test_range_64k(test, ctx->vm, base + SZ_64K);
	/* What xe_svm_xe_binds_done() does for the mirror bind */
	xe_svm_attr_default(&def, pat);
	down_write(&ctx->vm->lock);
	svmxe_test_attr_set(test, ctx->vm, base, base + SZ_1G, XE_SVM_ATTR_ALL, &def);
	up_write(&ctx->vm->lock);

	return mirror;
}

static void svmxe_fault_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 base = 0x100000000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_vma *mirror;
	int err;

	mirror = svmxe_fault_setup(test, base, 5, true);

	down_write(&vm->lock);
	KUNIT_EXPECT_TRUE(test, xe_svm_xe_fault_is_mirrored(vm, mirror));

	/* a read: populated read-only, bound with the mirror's PAT */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M + SZ_4K,
					 false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->faults, 1);
	KUNIT_EXPECT_EQ(test, ctx->fault_addr, base + SZ_2M + SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->fault_start, base);
	KUNIT_EXPECT_EQ(test, ctx->fault_end, base + SZ_1G);
	KUNIT_EXPECT_FALSE(test, ctx->fault_write);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bind_start, base + SZ_2M);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 5);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(ctx->range)->tiles_mapped, BIT(0));
	KUNIT_EXPECT_NULL(test, vm->svm_armed);

	/* a write, then an atomic: both populate for writing */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true,
					 false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_TRUE(test, ctx->fault_write);
	ctx->fault_write = false;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true,
					 true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_TRUE(test, ctx->fault_write);
	KUNIT_EXPECT_EQ(test, ctx->faults, 3);
	up_write(&vm->lock);
}

/*
 * A range the core already had mapped as needed is not bound again; the
 * backend still binds it on a tile where it is not mapped yet.
 */
static void svmxe_fault_valid_range_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 base = 0x100000000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_vma *mirror;
	int err;

	mirror = svmxe_fault_setup(test, base, 5, true);
	ctx->fault_valid = true;

	down_write(&vm->lock);
	/* mapped on this tile: a spurious fault, nothing to do */
	to_svmxe_range(ctx->range)->tiles_mapped = BIT(tile->id);
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, false,
					 false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->faults, 1);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);

	/* valid for the core but mapped on no tile (a commit failed): bind */
	to_svmxe_range(ctx->range)->tiles_mapped = 0;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, false,
					 false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->faults, 2);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bind_start, base + SZ_2M);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(ctx->range)->tiles_mapped, BIT(tile->id));
	KUNIT_EXPECT_NULL(test, vm->svm_armed);
	up_write(&vm->lock);
}

static void svmxe_fault_retry_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_vm *vm = ctx->vm;
	struct xe_vma *mirror;
	int err;

	mirror = svmxe_fault_setup(test, 0, 0, false);

	down_write(&vm->lock);

	/* one invalidation races the bind: the second try succeeds */
	ctx->races = 1;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->faults, 2);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(ctx->range)->tiles_mapped, BIT(0));

	/*
	 * A CPU that keeps writing: many lost races within the time bound
	 * still end in a mapping (a count of tries would give up, and the
	 * context would die, after a few microseconds of CPU activity).
	 */
	ctx->faults = 0;
	ctx->binds = 0;
	ctx->races = 20;
	ctx->deadline_checks = 0;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->faults, 21);
	KUNIT_EXPECT_EQ(test, ctx->binds, 21);
	KUNIT_EXPECT_EQ(test, ctx->deadline_checks, 20);

	/* invalidations keep winning: -EBUSY once the time is up */
	ctx->faults = 0;
	ctx->binds = 0;
	ctx->races = UINT_MAX;
	ctx->deadline_checks = 0;
	ctx->timeout_after = 50;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, -EBUSY);
	KUNIT_EXPECT_EQ(test, ctx->faults, 50);
	KUNIT_EXPECT_EQ(test, ctx->binds, 50);

	/* the range stays unmapped by the CPU: no bind is even tried */
	ctx->faults = 0;
	ctx->binds = 0;
	ctx->races = 0;
	ctx->deadline_checks = 0;
	set_bit(XE_SVM_RANGE_UNMAPPED, &ctx->range->flags);
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, -EBUSY);
	KUNIT_EXPECT_EQ(test, ctx->faults, 50);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);

	up_write(&vm->lock);
}

static void svmxe_fault_errors_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_vm *vm = ctx->vm;
	struct xe_vma *mirror;
	int err;

	mirror = svmxe_fault_setup(test, 0, 0, false);

	down_write(&vm->lock);

	/* the core's error comes back, nothing is bound */
	ctx->fault_ret = -EFAULT;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, true, false);
	KUNIT_EXPECT_EQ(test, err, -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->faults, 1);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);
	ctx->fault_ret = 0;

	/*
	 * Atomics on a discrete part without device atomics on system
	 * memory (Xe_HPC): the core is asked for VRAM first; a range left in
	 * system memory fails with -EACCES, unbound.
	 */
	ctx->xe->info.is_dgfx = true;
	ctx->xe->info.has_device_atomics_on_smem = 0;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, true, true);
	KUNIT_EXPECT_EQ(test, err, -EACCES);
	KUNIT_EXPECT_EQ(test, ctx->faults, 2);
	KUNIT_EXPECT_EQ(test, ctx->fault_access,
			XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);
	/* ... plain writes are fine there */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, true, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->faults, 3);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_FALSE(test, ctx->bind_smem_atomic);
	/* ... and so is an atomic on a range the core put in VRAM */
	set_bit(XE_SVM_RANGE_GPU_DEVMEM, &ctx->range->flags);
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, true, true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	KUNIT_EXPECT_FALSE(test, ctx->bind_smem_atomic);
	clear_bit(XE_SVM_RANGE_GPU_DEVMEM, &ctx->range->flags);
	ctx->xe->info.has_device_atomics_on_smem = 1;
	ctx->xe->info.is_dgfx = false;

	/* banned VM */
	vm->flags |= XE_VM_FLAG_BANNED;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, -ENOENT);
	vm->flags &= ~XE_VM_FLAG_BANNED;

	/* SVM torn down */
	vm->flags &= ~XE_VM_FLAG_SVM;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, -ENOENT);
	vm->flags |= XE_VM_FLAG_SVM;

	/* outside the VM */
	vm->flags |= XE_VM_FLAG_CPU_ADDR_MIRROR;
	err = xe_svm_xe_handle_pagefault(vm, tile, NULL, vm->size, false, false);
	KUNIT_EXPECT_EQ(test, err, -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->faults, 4);

	up_write(&vm->lock);
}

/*
 * Where device atomics run: in VRAM, which a discrete part's atomic asks
 * the core for; on system memory for every bind of an integrated part,
 * and on a discrete part only for an atomic whose range stayed there.
 */
static void svmxe_fault_atomic_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 base = 0x100000000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct xe_vma *mirror;
	unsigned long pages;
	int err;

	mirror = svmxe_fault_setup(test, base, 5, true);
	range = ctx->range;
	pages = xe_svm_range_size(range) >> PAGE_SHIFT;
	down_write(&vm->lock);

	/* integrated: an atomic is a write for the core, AE on system pages */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true,
					 true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_access, XE_SVM_ACCESS_WRITE);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_TRUE(test, ctx->bind_smem_atomic);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, BIT(0));
	KUNIT_EXPECT_TRUE(test, bitmap_full(ctx->bind_ae, pages));

	/* discrete: a read maps system pages without atomics */
	ctx->xe->info.is_dgfx = true;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, false,
					 false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_access, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	KUNIT_EXPECT_FALSE(test, ctx->bind_smem_atomic);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(0));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->bind_ae, pages));

	/*
	 * An atomic then asks the core for VRAM. The core found nothing to
	 * move and the mapping valid (no bind): the backend still rebinds
	 * with atomics on the system pages, or the GPU would fault forever.
	 */
	ctx->fault_valid = true;
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true,
					 true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_access,
			XE_SVM_ACCESS_WRITE | XE_SVM_ACCESS_ATOMIC);
	KUNIT_EXPECT_EQ(test, ctx->binds, 3);
	KUNIT_EXPECT_TRUE(test, ctx->bind_smem_atomic);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, BIT(0));
	KUNIT_EXPECT_TRUE(test, bitmap_full(ctx->bind_ae, pages));
	/* ... and the next atomic fault of another GPU thread binds nothing */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true,
					 true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 3);

	/* an invalidation forgets the atomic mapping with the mapping */
	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate(&vm->svm, range, range->start, range->last + 1);
	up_write(&vm->svm.notifier_lock);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, 0);

	/* the range came to VRAM: the atomic maps it without smem atomics */
	ctx->fault_valid = false;
	set_bit(XE_SVM_RANGE_GPU_DEVMEM, &range->flags);
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true,
					 true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 4);
	KUNIT_EXPECT_FALSE(test, ctx->bind_smem_atomic);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(0));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_atomic, 0);

	ctx->xe->info.is_dgfx = false;
	up_write(&vm->lock);
}

/* A VM that mirrors everything no VMA covers */

static void svmxe_fault_gap_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_vm *vm = ctx->vm;
	struct xe_vma *bo, *mirror;
	int err;

	svmxe_test_gpuvm_init(test, vm);
	bo = svmxe_test_insert_vma(test, vm, SZ_1M, SZ_1M, 0);
	mirror = svmxe_test_insert_vma(test, vm, 16 * SZ_1M, SZ_1M,
				       XE_VMA_CPU_ADDR_MIRROR);
	svmxe_test_insert_vma(test, vm, 8 * SZ_1M, SZ_1M, 0);

	down_write(&vm->lock);

	/* plain fault-mode VM: no VMA means no mirror */
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_fault_is_mirrored(vm, NULL));
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_fault_is_mirrored(vm, bo));
	KUNIT_EXPECT_TRUE(test, xe_svm_xe_fault_is_mirrored(vm, mirror));

	vm->flags |= XE_VM_FLAG_CPU_ADDR_MIRROR;
	KUNIT_EXPECT_TRUE(test, xe_svm_xe_fault_is_mirrored(vm, NULL));
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_fault_is_mirrored(vm, bo));

	/* between two VMAs */
	ctx->range = svmxe_test_range_2m(test, vm, 4 * SZ_1M);
	err = xe_svm_xe_handle_pagefault(vm, tile, NULL, 4 * SZ_1M + SZ_4K,
					 false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_start, 2 * SZ_1M);
	KUNIT_EXPECT_EQ(test, ctx->fault_end, 8 * SZ_1M);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, ctx->xe->pat.idx[XE_CACHE_WB]);

	/* below the first VMA */
	ctx->range = svmxe_test_range_64k(test, vm, SZ_64K);
	err = xe_svm_xe_handle_pagefault(vm, tile, NULL, SZ_64K, false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_start, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_end, SZ_1M);

	/* between a VMA and a mirror VMA */
	ctx->range = svmxe_test_range_64k(test, vm, 10 * SZ_1M);
	err = xe_svm_xe_handle_pagefault(vm, tile, NULL, 10 * SZ_1M, false,
					 false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_start, 9 * SZ_1M);
	KUNIT_EXPECT_EQ(test, ctx->fault_end, 16 * SZ_1M);

	/* above the last VMA */
	ctx->range = svmxe_test_range_64k(test, vm, SZ_1G);
	err = xe_svm_xe_handle_pagefault(vm, tile, NULL, SZ_1G, false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->fault_start, 17 * SZ_1M);
	KUNIT_EXPECT_EQ(test, ctx->fault_end, vm->size);
	KUNIT_EXPECT_EQ(test, ctx->faults, 4);

	up_write(&vm->lock);
}

/* VM_BIND and VM_CREATE checks */

static void svmxe_bind_op_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct drm_xe_vm_bind_op op;
	const struct drm_xe_vm_bind_op mirror = {
		.op = DRM_XE_VM_BIND_OP_MAP,
		.flags = DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR,
		.addr = 0,
		.range = SZ_1G,
		.pat_index = 2,
	};

	svmxe_test_gpuvm_init(test, vm);
	svmxe_test_insert_vma(test, vm, SZ_4G, SZ_1G, XE_VMA_CPU_ADDR_MIRROR);
	svmxe_test_insert_vma(test, vm, SZ_8G, SZ_1G, 0);
	range = svmxe_test_range_2m(test, vm, SZ_4G + SZ_2M);

	down_write(&vm->lock);
	xe_svm_range_insert(&vm->svm.ranges, range);

	/* mirror MAP */
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &mirror), 0);
	op = mirror;
	op.obj = 1;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op = mirror;
	op.flags |= DRM_XE_VM_BIND_FLAG_READONLY;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op = mirror;
	op.op = DRM_XE_VM_BIND_OP_UNMAP;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op = mirror;
	op.pat_index = 8;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op = mirror;
	op.addr = vm->size - SZ_1G + SZ_4K;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	/* over a live range: allowed, the range stays mirrored */
	op = mirror;
	op.addr = SZ_4G;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);

	/* UNMAP over a live range, or beside it */
	op = (struct drm_xe_vm_bind_op){ .op = DRM_XE_VM_BIND_OP_UNMAP,
		.addr = SZ_4G, .range = SZ_1G };
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EBUSY);
	op.addr = SZ_4G + SZ_2M + SZ_1M;
	op.range = SZ_4K;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EBUSY);
	op.addr = SZ_4G + 2 * SZ_2M;
	op.range = SZ_2M;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);

	/* a buffer object MAP over a live range */
	op = (struct drm_xe_vm_bind_op){ .op = DRM_XE_VM_BIND_OP_MAP,
		.obj = 1, .addr = SZ_4G, .range = 4 * SZ_2M };
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EBUSY);
	op.addr = SZ_4G + SZ_1G;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	op = (struct drm_xe_vm_bind_op){ .op = DRM_XE_VM_BIND_OP_MAP_USERPTR,
		.addr = SZ_4G + SZ_2M, .range = SZ_4K };
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EBUSY);

	/*
	 * PREFETCH over a mirror (SVM prefetches it): to a region, or to the
	 * preferred location; over a BO only to a region
	 */
	op = (struct drm_xe_vm_bind_op){ .op = DRM_XE_VM_BIND_OP_PREFETCH,
		.addr = SZ_4G + SZ_1G - SZ_4K, .range = SZ_8K };
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	op.prefetch_mem_region_instance = (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	op.addr = SZ_8G;
	op.range = SZ_1G;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op.prefetch_mem_region_instance = 0;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);

	/* a VM without SVM: no mirror, no -EBUSY */
	vm->flags &= ~XE_VM_FLAG_SVM;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &mirror), -EINVAL);
	op = (struct drm_xe_vm_bind_op){ .op = DRM_XE_VM_BIND_OP_UNMAP,
		.addr = SZ_4G, .range = SZ_1G };
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	vm->flags |= XE_VM_FLAG_SVM;

	/* not in fault mode */
	vm->flags &= ~XE_VM_FLAG_FAULT_MODE;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &mirror), -EINVAL);
	vm->flags |= XE_VM_FLAG_FAULT_MODE;

	/* once the CPU unmapped it and it was collected, UNMAP goes through */
	xe_svm_range_remove(&vm->svm.ranges, range);
	op = (struct drm_xe_vm_bind_op){ .op = DRM_XE_VM_BIND_OP_UNMAP,
		.addr = SZ_4G, .range = SZ_1G };
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);

	up_write(&vm->lock);
}

static void svmxe_vm_create_query_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_device *xe = ctx->xe;
	const u32 fault = DRM_XE_VM_CREATE_FLAG_LR_MODE |
		DRM_XE_VM_CREATE_FLAG_FAULT_MODE;
	const u32 mirror = DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR;

	KUNIT_EXPECT_TRUE(test, xe_svm_xe_can_mirror(xe));
	KUNIT_EXPECT_EQ(test, xe_svm_xe_query_config_flags(xe),
			DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR);
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_vm_create(xe, fault | mirror), 0);
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_vm_create(xe, fault), 0);
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_vm_create(xe, mirror), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			xe_svm_xe_check_vm_create(xe, DRM_XE_VM_CREATE_FLAG_LR_MODE |
						  mirror), -EINVAL);

	/* no recoverable faults: nothing to offer */
	xe->info.has_usm = 0;
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_can_mirror(xe));
	KUNIT_EXPECT_EQ(test, xe_svm_xe_query_config_flags(xe), 0);
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_vm_create(xe, fault | mirror),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_vm_create(xe, fault), 0);
	xe->info.has_usm = 1;

	/* a VF does not own its page tables */
	xe->sriov.__mode = XE_SRIOV_MODE_VF;
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_can_mirror(xe));
	KUNIT_EXPECT_EQ(test, xe_svm_xe_query_config_flags(xe), 0);
	xe->sriov.__mode = XE_SRIOV_MODE_NONE;
}

/* Binding ranges in VRAM */

static void svmxe_bind_devmem_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const dma_addr_t dpa = 0x800000000ull + 3 * SZ_2M;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	unsigned int i;
	int err;

	/* a 2M range migrated whole: one VRAM segment, one 2M PTE */
	range = svmxe_test_range(test, vm, 4 * SZ_2M, 1, 9, dpa, 0, 0, 0);
	range->dma[0].devmem = true;

	err = svmxe_test_commit(vm, tile, range, 2);

	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, ctx->binds, 1);
	KUNIT_ASSERT_EQ(test, ctx->bind_segs, 1);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_dma[0], dpa);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_len[0], SZ_2M);
	KUNIT_EXPECT_EQ(test, ctx->bind_layout.pages_2m, 1);
	KUNIT_EXPECT_TRUE(test, bitmap_full(ctx->bind_dm, SZ_2M >> PAGE_SHIFT));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->bind_ro, SZ_2M >> PAGE_SHIFT));
	/* device atomics always work on VRAM */
	KUNIT_EXPECT_TRUE(test, bitmap_full(ctx->bind_ae, SZ_2M >> PAGE_SHIFT));

	/*
	 * Migrated in part: pages 0-7 in system memory, 8-15 in VRAM at the
	 * very next addresses. Two segments all the same, and only the VRAM
	 * pages are device memory.
	 */
	range = svmxe_test_range(test, vm, SZ_64K, 16, 0, 0x80000000, 0, 0, 0);
	for (i = 8; i < 16; i++)
		range->dma[i].devmem = true;

	err = svmxe_test_commit(vm, tile, range, 2);

	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, ctx->binds, 2);
	KUNIT_ASSERT_EQ(test, ctx->bind_segs, 2);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_dma[0], 0x80000000);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_len[0], 8 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_dma[1], 0x80008000);
	KUNIT_EXPECT_EQ(test, ctx->bind_seg_len[1], 8 * SZ_4K);
	for (i = 0; i < 16; i++) {
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, ctx->bind_dm), i >= 8,
				    "page %u", i);
		/* and only there: no atomic asked for system memory */
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, ctx->bind_ae), i >= 8,
				    "page %u", i);
	}
	/* no 64K PTE spans both kinds */
	KUNIT_EXPECT_EQ(test, ctx->bind_layout.pages_64k, 0);
	KUNIT_EXPECT_EQ(test, ctx->bind_layout.pages_4k, 16);
}

/*
 * The page-table walk of a range takes everything from the range's
 * description, and there is no VMA to take anything from: with the
 * backend's part of the bind poisoned (the range it points to), it writes
 * the same PTEs (a range mixing VRAM and system pages, with read-only
 * pages and atomics), and the description is byte for byte what it was:
 * the walk reads nothing of the backend's and writes nothing it is given.
 */
static void svmxe_walk_reads_no_vma_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct svmxe_layout clean, poisoned;
	DECLARE_BITMAP(ro, 16);
	DECLARE_BITMAP(dm, 16);
	DECLARE_BITMAP(ae, 16);
	struct xe_svm_pt_range *saved;
	struct svmxe_range_bind *rb;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	unsigned int i;

	/* pages 0-7 system memory (2 and 3 read-only), 8-15 VRAM */
	range = svmxe_test_range(test, vm, SZ_64K, 16, 0, 0x80000000, 0, 2, 2);
	for (i = 8; i < 16; i++)
		range->dma[i].devmem = true;

	down_write(&vm->lock);
	rb = svmxe_range_bind_create(vm, range, 3, true, false);
	up_write(&vm->lock);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rb);
	saved = kunit_kmalloc(test, sizeof(*saved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, saved);

	svmxe_test_stage_bind(test, tile, vm, &rb->pt, range, &clean);
	bitmap_copy(ro, ctx->bind_ro, 16);
	bitmap_copy(dm, ctx->bind_dm, 16);
	bitmap_copy(ae, ctx->bind_ae, 16);
	for (i = 0; i < 16; i++) {
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, ro), i == 2 || i == 3, "page %u", i);
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, dm), i >= 8, "page %u", i);
	}
	/* VRAM always has atomics; system pages here too, if the device may */
	KUNIT_EXPECT_EQ(test, bitmap_weight(ae, 16),
			ctx->xe->info.has_atomic_enable_pte_bit ?
			(ctx->xe->info.has_device_atomics_on_smem ? 16 : 8) : 0);

	*saved = rb->pt;
	rb->range = (struct xe_svm_range *)LIST_POISON1;	/* faults if followed */
	svmxe_test_stage_bind(test, tile, vm, &rb->pt, range, &poisoned);
	rb->range = range;
	KUNIT_EXPECT_EQ(test, memcmp(saved, &rb->pt, sizeof(*saved)), 0);

	KUNIT_EXPECT_EQ(test, memcmp(&clean, &poisoned, sizeof(clean)), 0);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(ro, ctx->bind_ro, 16));
	KUNIT_EXPECT_TRUE(test, bitmap_equal(dm, ctx->bind_dm, 16));
	KUNIT_EXPECT_TRUE(test, bitmap_equal(ae, ctx->bind_ae, 16));

	svmxe_range_bind_destroy(rb);
}

/* The copy engine of a tile's region */

static struct svmxe_devmem *svmxe_test_devmem(struct kunit *test,
					      struct svmxe_test *ctx)
{
	struct svmxe_devmem *sdm;

	sdm = kunit_kzalloc(test, sizeof(*sdm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sdm);
	sdm->tile = xe_device_get_root_tile(ctx->xe);
	sdm->migrate = ctx->svm_migrate;

	return sdm;
}

/*
 * Fill @sys and @dev with @n fake pages: device page i at VRAM offset
 * @offs[i], system page i, or NULL where @clear[i].
 */
static void svmxe_test_pages(struct svmxe_test *ctx, struct page **sys,
			     struct page **dev, const u64 *offs,
			     const bool *clear, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		dev[i] = &ctx->dev_pages[i];
		ctx->dev_offset[i] = offs[i];
		sys[i] = clear && clear[i] ? NULL : &ctx->sys_pages[i];
	}
}

static void svmxe_test_expect_copy(struct kunit *test,
				   const struct svmxe_test_req *r,
				   bool to_vram, u64 vram_offset,
				   unsigned int first, unsigned long npages)
{
	unsigned int i;

	KUNIT_EXPECT_FALSE(test, r->clear);
	KUNIT_EXPECT_EQ(test, r->to_vram, to_vram);
	KUNIT_EXPECT_EQ(test, r->vram_offset, vram_offset);
	KUNIT_ASSERT_EQ(test, r->npages, npages);
	KUNIT_EXPECT_EQ(test, r->size, npages << PAGE_SHIFT);
	for (i = 0; i < npages; i++)
		KUNIT_EXPECT_EQ_MSG(test, r->sram[i], svmxe_test_sys_dma(first + i),
				    "page %u", first + i);
}

static void svmxe_test_expect_clear(struct kunit *test,
				    const struct svmxe_test_req *r,
				    u64 vram_offset, u64 size)
{
	KUNIT_EXPECT_TRUE(test, r->clear);
	KUNIT_EXPECT_EQ(test, r->vram_offset, vram_offset);
	KUNIT_EXPECT_EQ(test, r->size, size);
}

static void svmxe_devmem_copy_to_vram_test(struct kunit *test)
{
	static const u64 offs[] = {
		0x100000, 0x101000, 0x102000, 0x103000,
		0x200000, 0x201000, 0x105000, 0x106000,
	};
	static const bool clear[] = { 0, 0, 1, 1, 0, 0, 0, 1 };
	struct svmxe_test *ctx = test->priv;
	struct svmxe_devmem *sdm = svmxe_test_devmem(test, ctx);
	struct page *sys[ARRAY_SIZE(offs)], *dev[ARRAY_SIZE(offs)];
	struct dma_fence *fence;
	unsigned int i;

	svmxe_test_pages(ctx, sys, dev, offs, clear, ARRAY_SIZE(offs));
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fence);

	/* one request per run of one kind, contiguous in VRAM */
	KUNIT_ASSERT_EQ(test, ctx->reqs, 5);
	svmxe_test_expect_copy(test, &ctx->req[0], true, 0x100000, 0, 2);
	svmxe_test_expect_clear(test, &ctx->req[1], 0x102000, 2 * SZ_4K);
	svmxe_test_expect_copy(test, &ctx->req[2], true, 0x200000, 4, 2);
	svmxe_test_expect_copy(test, &ctx->req[3], true, 0x105000, 6, 1);
	svmxe_test_expect_clear(test, &ctx->req[4], 0x106000, SZ_4K);
	for (i = 0; i < ctx->reqs; i++) {
		KUNIT_EXPECT_PTR_EQ(test, ctx->req[i].tile, sdm->tile);
		/* SVM's own queue, never behind the binds of tile->migrate */
		KUNIT_EXPECT_PTR_EQ(test, ctx->req[i].m, ctx->svm_migrate);
		KUNIT_EXPECT_PTR_NE(test, ctx->req[i].m, sdm->tile->migrate);
	}

	/* the last fence comes back, the others were dropped */
	KUNIT_EXPECT_PTR_EQ(test, fence, ctx->fences[4]);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, kref_read(&ctx->fences[i]->refcount), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&fence->refcount), 2);
	KUNIT_EXPECT_EQ(test, fence->error, 0);
	dma_fence_put(fence);

	/* system pages only, mapped for the copy and unmapped after it */
	KUNIT_EXPECT_EQ(test, ctx->maps, 5);
	KUNIT_EXPECT_EQ(test, ctx->unmaps, 5);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));
}

static void svmxe_test_signal_move(struct work_struct *work)
{
	struct svmxe_test *ctx = container_of(to_delayed_work(work),
					      struct svmxe_test, move_signal);

	dma_fence_signal(ctx->move_fence);
}

static void svmxe_test_put_move(void *arg)
{
	struct svmxe_test *ctx = arg;

	cancel_delayed_work_sync(&ctx->move_signal);
	dma_fence_signal(ctx->move_fence);
	dma_fence_put(ctx->move_fence);
}

/*
 * VRAM that TTM just took from an evicted buffer object may still be read
 * by the eviction's copy: nothing is written into VRAM before the
 * manager's move fence signalled, and reading VRAM back does not wait.
 */
static void svmxe_devmem_copy_after_eviction_test(struct kunit *test)
{
	static const u64 offs[] = { 0x100000, 0x101000, 0x102000, 0x103000 };
	static const bool clear[] = { 0, 0, 1, 1 };
	struct svmxe_test *ctx = test->priv;
	struct svmxe_devmem *sdm = svmxe_test_devmem(test, ctx);
	struct page *sys[ARRAY_SIZE(offs)], *dev[ARRAY_SIZE(offs)];
	struct dma_fence *fence;
	unsigned int i;

	ctx->move_fence = kzalloc(sizeof(*ctx->move_fence), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->move_fence);
	dma_fence_init(ctx->move_fence, &svmxe_test_fence_ops, &ctx->fence_lock,
		       ctx->fence_context, SVMXE_TEST_MAX_REQS + 1);
	INIT_DELAYED_WORK(&ctx->move_signal, svmxe_test_signal_move);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svmxe_test_put_move,
							ctx), 0);
	/* the eviction's copy ends 100 ms from now */
	schedule_delayed_work(&ctx->move_signal, msecs_to_jiffies(100));

	svmxe_test_pages(ctx, sys, dev, offs, clear, ARRAY_SIZE(offs));
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fence);
	dma_fence_put(fence);

	KUNIT_EXPECT_EQ(test, ctx->move_asks, 1);
	KUNIT_ASSERT_EQ(test, ctx->reqs, 2);
	for (i = 0; i < ctx->reqs; i++)
		KUNIT_EXPECT_TRUE_MSG(test, ctx->req[i].after_move,
				      "request %u (%s) made while the eviction still reads the VRAM",
				      i, ctx->req[i].clear ? "clear" : "copy");
	/* the copy dropped the reference it took */
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->move_fence->refcount), 1);

	/* a copy back to system memory reads SVM's own blocks: no wait */
	ctx->move_asks = 0;
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, 2, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fence);
	dma_fence_put(fence);
	KUNIT_EXPECT_EQ(test, ctx->move_asks, 0);
}

static void svmxe_devmem_copy_to_ram_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct svmxe_devmem *sdm = svmxe_test_devmem(test, ctx);
	struct page *sys[SVMXE_TEST_MAX_PAGES], *dev[SVMXE_TEST_MAX_PAGES];
	u64 offs[SVMXE_TEST_MAX_PAGES];
	struct dma_fence *fence;
	unsigned int i;

	/* a 64K allocation whole, except that its last 4 pages were freed */
	for (i = 0; i < 12; i++)
		offs[i] = 0x7f0000 + i * SZ_4K;
	for (; i < SVMXE_TEST_MAX_PAGES; i++)
		offs[i] = 0x900000 + (i - 12) * SZ_4K;

	svmxe_test_pages(ctx, sys, dev, offs, NULL, SVMXE_TEST_MAX_PAGES);
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, SVMXE_TEST_MAX_PAGES, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fence);

	KUNIT_ASSERT_EQ(test, ctx->reqs, 2);
	svmxe_test_expect_copy(test, &ctx->req[0], false, 0x7f0000, 0, 12);
	svmxe_test_expect_copy(test, &ctx->req[1], false, 0x900000, 12, 4);
	KUNIT_EXPECT_PTR_EQ(test, fence, ctx->fences[1]);
	dma_fence_put(fence);

	KUNIT_EXPECT_EQ(test, ctx->maps, SVMXE_TEST_MAX_PAGES);
	KUNIT_EXPECT_EQ(test, ctx->unmaps, SVMXE_TEST_MAX_PAGES);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));
}

static void svmxe_devmem_copy_errors_test(struct kunit *test)
{
	static const u64 offs[] = { 0x10000, 0x11000, 0x40000, 0x41000 };
	struct svmxe_test *ctx = test->priv;
	struct svmxe_devmem *sdm = svmxe_test_devmem(test, ctx);
	struct page *sys[ARRAY_SIZE(offs)], *dev[ARRAY_SIZE(offs)];
	struct dma_fence *fence;

	svmxe_test_pages(ctx, sys, dev, offs, NULL, ARRAY_SIZE(offs));

	/* nothing to copy: a signalled fence, nothing asked */
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, 0, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fence);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(fence));
	dma_fence_put(fence);
	KUNIT_EXPECT_EQ(test, ctx->maps, 0);
	KUNIT_EXPECT_EQ(test, ctx->reqs, 0);

	/* the third page cannot be mapped: no copy, the others unmapped */
	ctx->map_fail_at = 3;
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), true);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fence), -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->reqs, 0);
	KUNIT_EXPECT_EQ(test, ctx->maps, 3);
	KUNIT_EXPECT_EQ(test, ctx->unmaps, 2);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));
	ctx->map_fail_at = 0;
	ctx->maps = 0;
	ctx->unmaps = 0;

	/* the second run cannot be pushed: the first one is waited for */
	ctx->req_fail_at = 2;
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), true);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fence), -ENOMEM);
	KUNIT_ASSERT_EQ(test, ctx->reqs, 2);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fences[0]);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->fences[0]->refcount), 1);
	KUNIT_EXPECT_EQ(test, ctx->maps, 4);
	KUNIT_EXPECT_EQ(test, ctx->unmaps, 4);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));
	ctx->req_fail_at = 0;

	/* the copy itself fails: the first run's error comes back */
	ctx->fence_error = -EIO;
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), false);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fence), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->reqs, 4);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->fences[3]->refcount), 1);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));

	/* only the last run fails: its fence comes back with the error */
	ctx->fence_error_at = ctx->reqs + 2;
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fence);
	KUNIT_EXPECT_EQ(test, ctx->reqs, 6);
	KUNIT_EXPECT_PTR_EQ(test, fence, ctx->fences[5]);
	KUNIT_EXPECT_EQ(test, fence->error, -EIO);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));
	dma_fence_put(fence);

	/*
	 * Only the first of the two runs fails: the last fence signals
	 * without an error, yet the copy as a whole failed.
	 */
	ctx->fence_error_at = ctx->reqs + 1;
	fence = svmxe_devmem_copy(&sdm->dm, sys, dev, ARRAY_SIZE(offs), true);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fence), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->reqs, 8);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fences[7]);
	KUNIT_EXPECT_EQ(test, ctx->fences[6]->error, -EIO);
	KUNIT_EXPECT_EQ(test, ctx->fences[7]->error, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->fences[6]->refcount), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->fences[7]->refcount), 1);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->mapped, SVMXE_TEST_MAX_PAGES));
	ctx->fence_error = 0;
	ctx->fence_error_at = 0;
}

/* Device memory of the tiles, and of new VMs */

static void svmxe_device_devmem_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_device *xe = ctx->xe;
	struct xe_tile *t0, *t1;
	struct xe_ttm_vram_mgr *mgr;
	char name[48];

	svmxe_test_add_tile(test, ctx);
	t0 = &xe->tiles[0];
	t1 = &xe->tiles[1];
	mgr = t0->mem.vram_mgr;
	KUNIT_ASSERT_NOT_NULL(test, mgr);
	KUNIT_ASSERT_TRUE(test, xe_svm_xe_can_mirror(xe));

	/* a discrete device whose tile 0 only has VRAM */
	xe->info.is_dgfx = true;
	t0->mem.vram.usable_size = SZ_1G;
	t0->mem.vram.dpa_base = SZ_4G;
	mgr->mm.size = SZ_1G;

	xe_svm_xe_device_init(xe);
	KUNIT_ASSERT_EQ(test, ctx->devmem_inits, 1);
	KUNIT_ASSERT_NOT_NULL(test, t0->svm_devmem);
	KUNIT_EXPECT_NULL(test, t1->svm_devmem);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->devmem_init_sdm->dm, t0->svm_devmem);
	KUNIT_EXPECT_PTR_EQ(test, ctx->devmem_init_sdm->tile, t0);
	/* as large as the VRAM manager, which hands out its allocations */
	KUNIT_EXPECT_EQ(test, ctx->devmem_size, SZ_1G);
	KUNIT_EXPECT_EQ(test, ctx->devmem_dpa, SZ_4G);
	KUNIT_EXPECT_PTR_EQ(test, ctx->devmem_owner, (void *)xe);
	snprintf(name, sizeof(name), "xe-svm %s tile0", dev_name(xe->drm.dev));
	KUNIT_EXPECT_STREQ(test, ctx->devmem_init_sdm->name, name);
	/* with a migrate context of its own */
	KUNIT_EXPECT_EQ(test, ctx->migrate_creates, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->devmem_init_sdm->migrate, ctx->svm_migrate);

	/* removal tears it down once */
	xe_svm_xe_device_fini(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_finis, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->devmem_fini_sdm, ctx->devmem_init_sdm);
	KUNIT_EXPECT_NULL(test, t0->svm_devmem);
	xe_svm_xe_device_fini(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_finis, 1);

	/* a region that cannot be set up: none, and nothing to tear down */
	ctx->devmem_init_ret = -ENOSPC;
	xe_svm_xe_device_init(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_inits, 2);
	KUNIT_EXPECT_NULL(test, t0->svm_devmem);
	xe_svm_xe_device_fini(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_finis, 1);
	ctx->devmem_init_ret = 0;
	KUNIT_EXPECT_EQ(test, ctx->migrate_creates, 1);

	/* no migrate context: the region is torn down again, none is left */
	ctx->migrate_create_ret = -ENOMEM;
	xe_svm_xe_device_init(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_inits, 3);
	KUNIT_EXPECT_EQ(test, ctx->migrate_creates, 2);
	KUNIT_EXPECT_EQ(test, ctx->devmem_finis, 2);
	KUNIT_EXPECT_NULL(test, t0->svm_devmem);
	xe_svm_xe_device_fini(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_finis, 2);
	ctx->migrate_create_ret = 0;

	/* VRAM that needs 64K pages gets one too (its VMs map it in 64K groups) */
	xe->info.vram_flags |= XE_VRAM_FLAGS_NEED64K;
	xe_svm_xe_device_init(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_inits, 4);
	KUNIT_EXPECT_NOT_NULL(test, t0->svm_devmem);
	xe_svm_xe_device_fini(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_finis, 3);
	KUNIT_EXPECT_NULL(test, t0->svm_devmem);
	xe->info.vram_flags &= ~XE_VRAM_FLAGS_NEED64K;

	/* a device that cannot mirror gets none */
	xe->info.has_usm = 0;
	xe_svm_xe_device_init(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_inits, 4);
	xe->info.has_usm = 1;

	/* nor an integrated one */
	xe->info.is_dgfx = false;
	xe_svm_xe_device_init(xe);
	KUNIT_EXPECT_EQ(test, ctx->devmem_inits, 4);
	KUNIT_EXPECT_NULL(test, t0->svm_devmem);
}

static void svmxe_vm_devmem_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_devmem *dm;

	dm = kunit_kzalloc(test, sizeof(*dm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dm);

	/* the device's pages, migrating to the root tile */
	tile->svm_devmem = dm;
	svmxe_vm_init_devmem(vm);
	KUNIT_EXPECT_PTR_EQ(test, vm->svm.pgmap_owner, (void *)ctx->xe);
	KUNIT_EXPECT_PTR_EQ(test, vm->svm.vram, dm);
	KUNIT_EXPECT_EQ(test, vm->svm.devmem_map_min, PAGE_SIZE);

	/* a VM that maps VRAM with 64K pages only (Xe_HPC) says so */
	vm->flags |= XE_VM_FLAG_64K;
	svmxe_vm_init_devmem(vm);
	KUNIT_EXPECT_EQ(test, vm->svm.devmem_map_min, SZ_64K);
	vm->flags &= ~XE_VM_FLAG_64K;
	vm->svm.devmem_map_min = PAGE_SIZE;

	/* D3cold only while no SVM data is in VRAM */
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_vram_in_use(ctx->xe));
	atomic64_set(&dm->stats.pages_in_use, 3);
	KUNIT_EXPECT_TRUE(test, xe_svm_xe_vram_in_use(ctx->xe));

	/* no VRAM: system memory only */
	tile->svm_devmem = NULL;
	svmxe_vm_init_devmem(vm);
	KUNIT_EXPECT_PTR_EQ(test, vm->svm.pgmap_owner, (void *)ctx->xe);
	KUNIT_EXPECT_NULL(test, vm->svm.vram);
	KUNIT_EXPECT_FALSE(test, xe_svm_xe_vram_in_use(ctx->xe));
}

/*
 * VM teardown: every mapped range zapped, then one TLB invalidation per GT
 * over their span, where invalidating range by range cost two GuC round
 * trips per range and tile.
 */
static void svmxe_invalidate_all_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 base = SZ_1M;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *r[4];
	unsigned int i;

	svmxe_test_add_tile(test, ctx);
	down_write(&vm->lock);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		r[i] = svmxe_test_range_64k(test, vm, base + i * SZ_64K);
		to_svmxe_range(r[i])->tiles_bound = BIT(0);
		to_svmxe_range(r[i])->tiles_mapped = BIT(0);
		xe_svm_range_insert(&vm->svm.ranges, r[i]);
	}
	to_svmxe_range(r[1])->tiles_atomic = BIT(0);
	to_svmxe_range(r[2])->tiles_mapped = 0;			/* zapped already */
	to_svmxe_range(r[3])->tiles_bound = BIT(0) | BIT(1);
	to_svmxe_range(r[3])->tiles_mapped = BIT(0) | BIT(1);

	down_write(&vm->svm.notifier_lock);
	vm->svm.ops->invalidate_all(&vm->svm);
	KUNIT_EXPECT_EQ(test, ctx->wait_binds, 1);
	/* r0, r1 and r3 on tile 0, r3 on tile 1 */
	KUNIT_EXPECT_EQ(test, ctx->zaps, 4);
	KUNIT_EXPECT_EQ(test, ctx->zapped_tiles, BIT(0) | BIT(1));
	/* tile 0: primary and media GT; tile 1: primary GT */
	KUNIT_ASSERT_EQ(test, ctx->invals, 3);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[0].gt, tile->primary_gt);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[1].gt, tile->media_gt);
	KUNIT_EXPECT_PTR_EQ(test, ctx->inval[2].gt, ctx->xe->tiles[1].primary_gt);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, ctx->inval[i].start, base);
		KUNIT_EXPECT_EQ(test, ctx->inval[i].end, base + 4 * SZ_64K);
		KUNIT_EXPECT_EQ(test, ctx->inval[i].asid, SVMXE_TEST_ASID);
	}
	KUNIT_EXPECT_EQ(test, ctx->tlb_waits, 3);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		KUNIT_EXPECT_EQ(test, to_svmxe_range(r[i])->tiles_mapped, 0);
		KUNIT_EXPECT_EQ(test, to_svmxe_range(r[i])->tiles_atomic, 0);
	}
	KUNIT_EXPECT_EQ(test, to_svmxe_range(r[3])->tiles_bound, BIT(0) | BIT(1));

	/* what the core does next, range by range, finds nothing to do */
	for (i = 0; i < ARRAY_SIZE(r); i++)
		vm->svm.ops->invalidate(&vm->svm, r[i], r[i]->start, r[i]->last + 1);
	/* and nothing is mapped any more: nothing at all */
	vm->svm.ops->invalidate_all(&vm->svm);
	up_write(&vm->svm.notifier_lock);
	KUNIT_EXPECT_EQ(test, ctx->wait_binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->zaps, 4);
	KUNIT_EXPECT_EQ(test, ctx->invals, 3);

	for (i = 0; i < ARRAY_SIZE(r); i++)
		xe_svm_range_remove(&vm->svm.ranges, r[i]);
	up_write(&vm->lock);
}

/*
 * A range the garbage collector frees leaves the page tables it was bound
 * in through an unmap operation, not only with its leaves zapped.
 */
static void svmxe_unbind_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	const u64 start = 0x7f0000200000ull;
	struct xe_svm_range *range, *batch[2];
	struct xe_vm *vm = ctx->vm;
	struct mm_struct *mm;

	/* the mirrored process, alive */
	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	atomic_set(&mm->mm_users, 1);
	vm->svm.mm = mm;

	svmxe_test_add_tile(test, ctx);
	range = svmxe_test_range_2m(test, vm, start);
	down_write(&vm->lock);

	/* never bound: nothing to unbind */
	vm->svm.ops->unbind(&vm->svm, &range, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 0);

	/*
	 * bound on both tiles, zapped since: one unbind per tile, tile 1
	 * last, when tile 0's unbind has committed (its bit is gone)
	 */
	to_svmxe_range(range)->tiles_bound = BIT(0) | BIT(1);
	vm->svm.ops->unbind(&vm->svm, &range, 1);
	KUNIT_ASSERT_EQ(test, ctx->unbinds, 2);
	KUNIT_EXPECT_EQ(test, ctx->unbind_mask, BIT(1));
	KUNIT_EXPECT_EQ(test, ctx->unbind_tile_present, BIT(1));
	KUNIT_EXPECT_EQ(test, ctx->unbind_start, start);
	KUNIT_EXPECT_EQ(test, ctx->unbind_size, SZ_2M);
	KUNIT_EXPECT_PTR_EQ(test, ctx->unbind_range, range);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);

	/* an unbind that fails keeps them until the VM is closed */
	to_svmxe_range(range)->tiles_bound = BIT(1);
	ctx->unbind_ret = -ENOMEM;
	vm->svm.ops->unbind(&vm->svm, &range, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 3);
	KUNIT_EXPECT_EQ(test, ctx->unbind_mask, BIT(1));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(1));

	/*
	 * A batch: one update per tile with the ranges bound there; a
	 * failed tile keeps its bit in every range of its update only.
	 */
	ctx->unbind_ret = 0;
	batch[0] = range;
	batch[1] = svmxe_test_range_2m(test, vm, start + SZ_2M);
	to_svmxe_range(batch[0])->tiles_bound = BIT(0) | BIT(1);
	to_svmxe_range(batch[1])->tiles_bound = BIT(1);
	vm->svm.ops->unbind(&vm->svm, batch, 2);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 5);
	KUNIT_EXPECT_EQ(test, ctx->unbind_mask, BIT(1));
	KUNIT_EXPECT_EQ(test, ctx->unbind_count, 2);
	KUNIT_EXPECT_PTR_EQ(test, ctx->unbind_range, batch[0]);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(batch[0])->tiles_bound, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(batch[1])->tiles_bound, 0);

	to_svmxe_range(batch[0])->tiles_bound = BIT(0) | BIT(1);
	to_svmxe_range(batch[1])->tiles_bound = BIT(0);
	ctx->unbind_ret = -ENOMEM;
	vm->svm.ops->unbind(&vm->svm, batch, 2);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 7);
	KUNIT_EXPECT_EQ(test, ctx->unbind_count, 1);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(batch[0])->tiles_bound, BIT(0) | BIT(1));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(batch[1])->tiles_bound, BIT(0));
	/* every unbind carried its own range's addresses */
	KUNIT_EXPECT_EQ(test, ctx->unbind_bad_addr, 0);

	up_write(&vm->lock);
	KUNIT_EXPECT_EQ(test, ctx->invals, 0);
	vm->svm.mm = NULL;
}

/*
 * The collector frees the ranges of a process that is exiting (every
 * range zapped by exit_mmap()) without a page-table job each: the tables
 * go with the VM, closed next.
 */
static void svmxe_unbind_exiting_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	const u64 start = 0x7f0000200000ull;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct mm_struct *mm;

	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	vm->svm.mm = mm;
	range = svmxe_test_range_2m(test, vm, start);
	to_svmxe_range(range)->tiles_bound = BIT(0);

	down_write(&vm->lock);
	vm->svm.ops->unbind(&vm->svm, &range, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 0);

	/* the same range of a live process is unbound */
	atomic_set(&mm->mm_users, 1);
	vm->svm.ops->unbind(&vm->svm, &range, 1);
	KUNIT_EXPECT_EQ(test, ctx->unbinds, 1);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);
	up_write(&vm->lock);
	vm->svm.mm = NULL;
}

/* Memory-range attributes on xe */

/* ATOMIC CPU refuses GPU atomics and binds without AE; PAT comes from MADVISE. */
static void svmxe_fault_attr_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 base = 0x100000000ull;
	struct xe_svm_attr v = { .atomic = DRM_XE_ATOMIC_CPU, .pat_index = 6 };
	struct xe_vm *vm = ctx->vm;
	struct xe_vma *mirror;
	unsigned long pages;
	int err;

	mirror = svmxe_fault_setup(test, base, 5, true);
	pages = xe_svm_range_size(ctx->range) >> PAGE_SHIFT;
	down_write(&vm->lock);
	svmxe_test_attr_set(test, vm, base + SZ_2M, base + SZ_4M,
			    XE_SVM_ATTR_ATOMIC | XE_SVM_ATTR_PAT, &v);

	/* a GPU atomic is refused before the core runs */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true, true);
	KUNIT_EXPECT_EQ(test, err, -EACCES);
	KUNIT_EXPECT_EQ(test, ctx->faults, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 0);

	/* a write binds with the advised PAT and no atomics at all */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 6);
	KUNIT_EXPECT_FALSE(test, ctx->bind_atomic);
	KUNIT_EXPECT_FALSE(test, ctx->bind_smem_atomic);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->bind_ae, pages));

	/* back to UNDEFINED: atomics bind with the atomic-enable bit again */
	v.atomic = DRM_XE_ATOMIC_UNDEFINED;
	svmxe_test_attr_set(test, vm, base + SZ_2M, base + SZ_4M, XE_SVM_ATTR_ATOMIC, &v);
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true, true);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 6);
	KUNIT_EXPECT_EQ(test, ctx->bind_atomic,
			!!ctx->xe->info.has_atomic_enable_pte_bit);
	KUNIT_EXPECT_TRUE(test, ctx->bind_smem_atomic);

	/* outside the advised span the mirror's own PAT stays */
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, false, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	v.pat_index = 5;
	svmxe_test_attr_set(test, vm, base + SZ_2M, base + SZ_4M, XE_SVM_ATTR_PAT, &v);
	err = xe_svm_xe_handle_pagefault(vm, tile, mirror, base + SZ_2M, true, false);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 5);
	up_write(&vm->lock);
}

/* The query walks BO VMAs, mirror VMAs and (whole-mirror VMs) gaps in order. */
static void svmxe_query_walk_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	const struct xe_svm_attr global = { .atomic = DRM_XE_ATOMIC_GLOBAL };
	struct xe_vm *vm = ctx->vm;
	struct drm_xe_mem_range_attr out[8];
	struct xe_vma *bo;
	u32 n;

	svmxe_test_gpuvm_init(test, vm);
	bo = svmxe_test_insert_vma(test, vm, SZ_1G, SZ_1G, 0);
	bo->pat_index = 3;
	svmxe_test_insert_vma(test, vm, SZ_4G, SZ_1G, XE_VMA_CPU_ADDR_MIRROR);

	down_write(&vm->lock);
	svmxe_test_attr_set(test, vm, SZ_4G + SZ_2M, SZ_4G + SZ_4M, XE_SVM_ATTR_ATOMIC, &global);

	/* a VM that mirrors only its mirror VMA: no gap entries */
	memset(out, 0xa5, sizeof(out));
	n = svmxe_mem_range_attrs(vm, 0, SZ_8G, out, ARRAY_SIZE(out));
	KUNIT_ASSERT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, out[0].start, SZ_1G);
	KUNIT_EXPECT_EQ(test, out[0].end, SZ_2G);
	KUNIT_EXPECT_EQ(test, out[0].pat_index.val, 3);
	KUNIT_EXPECT_EQ(test, out[0].atomic.val, DRM_XE_ATOMIC_UNDEFINED);
	KUNIT_EXPECT_EQ(test, out[1].start, SZ_4G);
	KUNIT_EXPECT_EQ(test, out[1].end, SZ_4G + SZ_2M);
	KUNIT_EXPECT_EQ(test, out[1].pat_index.val, 2);
	KUNIT_EXPECT_EQ(test, out[2].start, SZ_4G + SZ_2M);
	KUNIT_EXPECT_EQ(test, out[2].end, SZ_4G + SZ_4M);
	KUNIT_EXPECT_EQ(test, out[2].atomic.val, DRM_XE_ATOMIC_GLOBAL);
	KUNIT_EXPECT_EQ(test, out[3].start, SZ_4G + SZ_4M);
	KUNIT_EXPECT_EQ(test, out[3].end, SZ_4G + SZ_1G);
	KUNIT_EXPECT_EQ(test, out[3].reserved[0], 0);
	/* counting only, and a query inside one region: whole entries */
	KUNIT_EXPECT_EQ(test, svmxe_mem_range_attrs(vm, 0, SZ_8G, NULL, 0), 4);
	n = svmxe_mem_range_attrs(vm, SZ_4G + SZ_2M + SZ_4K, SZ_4G + SZ_2M + SZ_8K, out, 1);
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, out[0].start, SZ_4G + SZ_2M);
	KUNIT_EXPECT_EQ(test, out[0].end, SZ_4G + SZ_4M);

	/* a whole-mirror VM: the gaps around the VMAs are entries too */
	vm->flags |= XE_VM_FLAG_CPU_ADDR_MIRROR;
	n = svmxe_mem_range_attrs(vm, 0, SZ_8G, out, ARRAY_SIZE(out));
	KUNIT_ASSERT_EQ(test, n, 7);
	KUNIT_EXPECT_EQ(test, out[0].start, 0);
	KUNIT_EXPECT_EQ(test, out[0].end, SZ_1G);
	KUNIT_EXPECT_EQ(test, out[1].pat_index.val, 3);
	KUNIT_EXPECT_EQ(test, out[2].start, SZ_2G);
	KUNIT_EXPECT_EQ(test, out[2].end, SZ_4G);
	KUNIT_EXPECT_EQ(test, out[4].atomic.val, DRM_XE_ATOMIC_GLOBAL);
	KUNIT_EXPECT_EQ(test, out[6].start, SZ_4G + SZ_1G);
	KUNIT_EXPECT_EQ(test, out[6].end, vm->size);
	vm->flags &= ~XE_VM_FLAG_CPU_ADDR_MIRROR;
	up_write(&vm->lock);
}

/* PAT indices not coherent with the CPU's caches are refused for SVM. */
static void svmxe_limits_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_pat_table_entry table[8] = {};
	const struct xe_pat_table_entry *old = ctx->xe->pat.table;
	struct xe_vm *vm = ctx->vm;
	struct drm_xe_vm_bind_op op = {
		.op = DRM_XE_VM_BIND_OP_MAP,
		.flags = DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR,
		.range = SZ_1G,
	};
	struct xe_svm_vm_limits lim;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		table[i].coh_mode = i == 3 || i == 5 ? XE_COH_NONE : XE_COH_AT_LEAST_1WAY;
	ctx->xe->pat.table = table;

	lim = svmxe_limits(vm);
	KUNIT_EXPECT_EQ(test, lim.pat_no_coherency, BIT(3) | BIT(5));
	KUNIT_EXPECT_EQ(test, lim.pat_entries, 8);
	KUNIT_EXPECT_EQ(test, lim.va_size, vm->size);
	KUNIT_EXPECT_EQ(test, lim.vram_regions, ctx->xe->info.mem_region_mask & ~BIT(0));
	KUNIT_EXPECT_TRUE(test, lim.fault_mode);

	down_write(&vm->lock);
	op.pat_index = 3;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op.pat_index = 4;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	up_write(&vm->lock);

	ctx->xe->pat.table = old;
}

/* What MADVISE's arguments become; a device file that is not open is -EBADF. */
static void svmxe_madvise_value_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct drm_xe_madvise a = {
		.type = DRM_XE_MEM_RANGE_ATTR_ATOMIC,
		.atomic.val = DRM_XE_ATOMIC_DEVICE,
	};
	struct xe_svm_attr val;
	unsigned int mask;

	KUNIT_EXPECT_EQ(test, svmxe_madvise_value(ctx->xe, &a, &val, &mask), 0);
	KUNIT_EXPECT_EQ(test, mask, XE_SVM_ATTR_ATOMIC);
	KUNIT_EXPECT_EQ(test, val.atomic, DRM_XE_ATOMIC_DEVICE);

	a = (struct drm_xe_madvise) { .type = DRM_XE_MEM_RANGE_ATTR_PAT, .pat_index.val = 4 };
	KUNIT_EXPECT_EQ(test, svmxe_madvise_value(ctx->xe, &a, &val, &mask), 0);
	KUNIT_EXPECT_EQ(test, mask, XE_SVM_ATTR_PAT);
	KUNIT_EXPECT_EQ(test, val.pat_index, 4);

	a = (struct drm_xe_madvise) {
		.type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		.preferred_mem_loc.devmem_fd = (u32)DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM,
		.preferred_mem_loc.migration_policy = DRM_XE_MIGRATE_ONLY_SYSTEM_PAGES,
	};
	KUNIT_EXPECT_EQ(test, svmxe_madvise_value(ctx->xe, &a, &val, &mask), 0);
	KUNIT_EXPECT_EQ(test, mask, XE_SVM_ATTR_PREF);
	KUNIT_EXPECT_EQ(test, val.pref, XE_SVM_PREF_SYSTEM);
	KUNIT_EXPECT_EQ(test, val.devmem_fd, (u32)DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM);
	KUNIT_EXPECT_EQ(test, val.migration_policy, DRM_XE_MIGRATE_ONLY_SYSTEM_PAGES);

	a.preferred_mem_loc.devmem_fd = DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE;
	KUNIT_EXPECT_EQ(test, svmxe_madvise_value(ctx->xe, &a, &val, &mask), 0);
	KUNIT_EXPECT_EQ(test, val.pref, XE_SVM_PREF_DEVICE);
	KUNIT_EXPECT_NULL(test, val.dm);

	/* the test thread has no file 1000 */
	a.preferred_mem_loc.devmem_fd = 1000;
	a.preferred_mem_loc.region_instance = 1;
	KUNIT_EXPECT_EQ(test, svmxe_madvise_value(ctx->xe, &a, &val, &mask), -EBADF);
}

static int svmxe_test_core_prefetch(struct xe_vm *vm, u64 start, u64 end, u64 ws, u64 we,
				    const struct xe_svm_prefetch_dest *dest)
{
	struct svmxe_test *ctx = svmxe_test_ctx();
	unsigned int i = ctx->prefetches++;

	if (i < ARRAY_SIZE(ctx->pf_start)) {
		ctx->pf_start[i] = start;
		ctx->pf_end[i] = end;
		ctx->pf_ws[i] = ws;
		ctx->pf_we[i] = we;
	}
	ctx->pf_dest = *dest;
	return 0;
}

/*
 * PREFETCH on xe: the mirrored parts of the range go to the core (mirror
 * VMAs; gaps too in a whole-mirror VM), each op with its destination;
 * -1 only over mirrored memory, and never without SVM.
 */
static void svmxe_prefetch_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct drm_xe_vm_bind_op op = {
		.op = DRM_XE_VM_BIND_OP_PREFETCH,
		.addr = 0,
		.range = SZ_8G,
		.prefetch_mem_region_instance = 1,
	};

	kunit_activate_static_stub(test, svmxe_core_prefetch, svmxe_test_core_prefetch);
	svmxe_test_gpuvm_init(test, vm);
	svmxe_test_insert_vma(test, vm, SZ_1G, SZ_1G, 0);
	svmxe_test_insert_vma(test, vm, SZ_4G, SZ_1G, XE_VMA_CPU_ADDR_MIRROR);

	down_write(&vm->lock);
	/* a VRAM region or system memory over a BO and a mirror: allowed */
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	op.prefetch_mem_region_instance = 0;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	/* -1 over a BO VMA: refused; over the mirror only: allowed */
	op.prefetch_mem_region_instance = (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	op.addr = SZ_4G;
	op.range = SZ_1G;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), 0);
	vm->flags &= ~XE_VM_FLAG_SVM;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_check_bind_op(vm, &op), -EINVAL);
	vm->flags |= XE_VM_FLAG_SVM;

	/* the walk: only the mirror VMA, clipped to the op */
	op.addr = 0;
	op.range = SZ_4G + SZ_2M;
	op.prefetch_mem_region_instance = 0;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_prefetch(vm, &op, 1), 0);
	KUNIT_ASSERT_EQ(test, ctx->prefetches, 1);
	KUNIT_EXPECT_EQ(test, ctx->pf_start[0], SZ_4G);
	KUNIT_EXPECT_EQ(test, ctx->pf_end[0], SZ_4G + SZ_2M);
	KUNIT_EXPECT_EQ(test, ctx->pf_ws[0], SZ_4G);
	KUNIT_EXPECT_EQ(test, ctx->pf_we[0], SZ_4G + SZ_1G);
	KUNIT_EXPECT_NULL(test, ctx->pf_dest.dm);
	KUNIT_EXPECT_FALSE(test, ctx->pf_dest.to_pref_loc);
	KUNIT_EXPECT_TRUE(test, ctx->pf_dest.commit == svmxe_prefetch_commit);

	/* a whole-mirror VM: the gaps around the VMAs too, the BO skipped */
	ctx->prefetches = 0;
	vm->flags |= XE_VM_FLAG_CPU_ADDR_MIRROR;
	op.range = SZ_8G;
	op.prefetch_mem_region_instance = (u32)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_prefetch(vm, &op, 1), 0);
	KUNIT_ASSERT_EQ(test, ctx->prefetches, 4);
	KUNIT_EXPECT_EQ(test, ctx->pf_start[0], 0);
	KUNIT_EXPECT_EQ(test, ctx->pf_end[0], SZ_1G);
	KUNIT_EXPECT_EQ(test, ctx->pf_start[1], SZ_2G);
	KUNIT_EXPECT_EQ(test, ctx->pf_end[1], SZ_4G);
	KUNIT_EXPECT_EQ(test, ctx->pf_ws[1], SZ_2G);
	KUNIT_EXPECT_EQ(test, ctx->pf_we[1], SZ_4G);
	KUNIT_EXPECT_EQ(test, ctx->pf_start[2], SZ_4G);
	KUNIT_EXPECT_EQ(test, ctx->pf_start[3], SZ_4G + SZ_1G);
	KUNIT_EXPECT_EQ(test, ctx->pf_end[3], SZ_8G);
	KUNIT_EXPECT_EQ(test, ctx->pf_we[3], vm->size);
	KUNIT_EXPECT_TRUE(test, ctx->pf_dest.to_pref_loc);
	vm->flags &= ~XE_VM_FLAG_CPU_ADDR_MIRROR;

	/* not a PREFETCH, or no SVM: nothing to do */
	ctx->prefetches = 0;
	op.op = DRM_XE_VM_BIND_OP_UNMAP;
	KUNIT_EXPECT_EQ(test, xe_svm_xe_prefetch(vm, &op, 1), 0);
	KUNIT_EXPECT_EQ(test, ctx->prefetches, 0);
	up_write(&vm->lock);
}

/* A prefetched range is bound on the root tile with its attribute's PAT. */
static void svmxe_prefetch_commit_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	const u64 base = 0x100000000ull;
	struct xe_svm_attr v = { .atomic = DRM_XE_ATOMIC_CPU, .pat_index = 6 };
	struct xe_vm *vm = ctx->vm;

	svmxe_fault_setup(test, base, 5, true);
	down_write(&vm->lock);
	KUNIT_EXPECT_EQ(test, svmxe_prefetch_commit(&vm->svm, ctx->range, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 1);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 5);
	KUNIT_EXPECT_EQ(test, ctx->bind_tile_mask, BIT(0));
	KUNIT_EXPECT_EQ(test, ctx->bind_start, base + SZ_2M);

	svmxe_test_attr_set(test, vm, base, base + SZ_1G, XE_SVM_ATTR_ATOMIC | XE_SVM_ATTR_PAT, &v);
	KUNIT_EXPECT_EQ(test, svmxe_prefetch_commit(&vm->svm, ctx->range, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->binds, 2);
	KUNIT_EXPECT_EQ(test, ctx->bind_pat, 6);
	KUNIT_EXPECT_FALSE(test, ctx->bind_atomic);
	up_write(&vm->lock);
}

/*
 * The residency file lists the VMs with SVM only, each under its VM lock
 * with a reference held only while it is printed: every reference it
 * took is given back.
 */
static void svmxe_residency_debugfs_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_device *xe = ctx->xe;
	struct seq_file m = {};
	struct xe_vm *plain;
	char want[32];

	init_rwsem(&xe->usm.lock);
	xa_init_flags(&xe->usm.asid_to_vm, XA_FLAGS_ALLOC);
	plain = kunit_kzalloc(test, sizeof(*plain), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	init_rwsem(&plain->lock);
	kref_init(&plain->gpuvm.kref);
	plain->flags = XE_VM_FLAG_LR_MODE | XE_VM_FLAG_FAULT_MODE;
	kref_init(&ctx->vm->gpuvm.kref);
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&xe->usm.asid_to_vm, 7, plain, GFP_KERNEL)), 0);
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&xe->usm.asid_to_vm, SVMXE_TEST_ASID, ctx->vm,
					      GFP_KERNEL)), 0);

	m.size = PAGE_SIZE;
	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	m.private = xe;
	KUNIT_EXPECT_EQ(test, svmxe_residency_show(&m, NULL), 0);
	snprintf(want, sizeof(want), "vm asid %u:\n", SVMXE_TEST_ASID);
	KUNIT_EXPECT_EQ(test, m.count, strlen(want));
	KUNIT_EXPECT_STREQ(test, m.buf, want);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->vm->gpuvm.kref), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&plain->gpuvm.kref), 1);
	KUNIT_EXPECT_FALSE(test, rwsem_is_locked(&xe->usm.lock));
	KUNIT_EXPECT_FALSE(test, rwsem_is_locked(&ctx->vm->lock));

	/* Turned off under the VM lock (the first step of closing): not listed. */
	ctx->vm->flags &= ~XE_VM_FLAG_SVM;
	m.count = 0;
	memset(m.buf, 0, m.size);
	KUNIT_EXPECT_EQ(test, svmxe_residency_show(&m, NULL), 0);
	KUNIT_EXPECT_EQ(test, m.count, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->vm->gpuvm.kref), 1);
	xa_destroy(&xe->usm.asid_to_vm);
}

/*
 * A wedged or unplugged device says it is dead, so that the eviction of
 * its regions asks it for no copy (each would wait for a job timeout).
 */
static void svmxe_devmem_dead_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct svmxe_devmem sdm = { .tile = xe_device_get_root_tile(ctx->xe) };

	KUNIT_EXPECT_FALSE(test, svmxe_devmem_ops.dead(&sdm.dm));
	atomic_set(&ctx->xe->wedged.flag, 1);
	KUNIT_EXPECT_TRUE(test, svmxe_devmem_ops.dead(&sdm.dm));
	atomic_set(&ctx->xe->wedged.flag, 0);
	ctx->xe->drm.unplugged = true;
	KUNIT_EXPECT_TRUE(test, svmxe_devmem_ops.dead(&sdm.dm));
	ctx->xe->drm.unplugged = false;
	KUNIT_EXPECT_FALSE(test, svmxe_devmem_ops.dead(&sdm.dm));
}

/*
 * SVM VRAM is a buffer object of the tile's VRAM manager: an allocation
 * is one object of the range's size on the region's tile, its offset the
 * object's; what the manager cannot place (or places in pieces) is
 * -ENOSPC, which the core turns into a fall back to system memory, and
 * a piecewise object goes back at once. The object stays locked until
 * the core says its pages are installed; the core's last reference puts
 * it.
 */
static void svmxe_vram_alloc_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct svmxe_devmem sdm = { .tile = xe_device_get_root_tile(ctx->xe) };
	struct xe_svm_devmem_alloc *alloc;
	struct xe_bo *bo;

	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);

	ctx->bo_create_ret = bo;
	ctx->bo_offset = 3 * SZ_2M;
	alloc = svmxe_devmem_ops.vram_alloc(&sdm.dm, SZ_2M);
	KUNIT_ASSERT_PTR_EQ(test, alloc, &bo->svm_alloc);
	KUNIT_EXPECT_EQ(test, ctx->bo_creates, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->bo_create_tile, sdm.tile);
	KUNIT_EXPECT_EQ(test, ctx->bo_create_size, SZ_2M);
	KUNIT_EXPECT_EQ(test, alloc->offset, 3 * SZ_2M);
	KUNIT_EXPECT_EQ(test, ctx->bo_unlocks, 0);
	KUNIT_EXPECT_EQ(test, ctx->bo_puts, 0);

	svmxe_devmem_ops.vram_ready(alloc);
	KUNIT_EXPECT_EQ(test, ctx->bo_unlocks, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->bo_last, bo);
	KUNIT_EXPECT_EQ(test, ctx->bo_puts, 0);
	svmxe_devmem_ops.vram_free(alloc);
	KUNIT_EXPECT_EQ(test, ctx->bo_puts, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->bo_last, bo);

	/* placed in pieces: unlocked, put, refused */
	ctx->bo_offset = U64_MAX;
	KUNIT_EXPECT_EQ(test, PTR_ERR(svmxe_devmem_ops.vram_alloc(&sdm.dm, SZ_64K)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->bo_unlocks, 2);
	KUNIT_EXPECT_EQ(test, ctx->bo_puts, 2);

	/* every error of the manager is no room (TTM says -ENOMEM for it) */
	ctx->bo_create_ret = ERR_PTR(-ENOMEM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(svmxe_devmem_ops.vram_alloc(&sdm.dm, SZ_4K)), -ENOSPC);
	ctx->bo_create_ret = ERR_PTR(-ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(svmxe_devmem_ops.vram_alloc(&sdm.dm, SZ_4K)), -ENOSPC);
	ctx->bo_create_ret = ERR_PTR(-EINTR);
	KUNIT_EXPECT_EQ(test, PTR_ERR(svmxe_devmem_ops.vram_alloc(&sdm.dm, SZ_4K)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->bo_creates, 5);
	KUNIT_EXPECT_EQ(test, ctx->bo_unlocks, 2);
	KUNIT_EXPECT_EQ(test, ctx->bo_puts, 2);
}

/*
 * TTM moving an SVM object: xe_bo_move(), the device's move callback,
 * hands it to xe_svm_xe_bo_move(), as TTM's eviction under pressure and
 * xe_bo_evict_all() on suspend reach it. Creation places it without a
 * copy; leaving VRAM evicts its allocation first, and an eviction that
 * fails leaves the object where it is; no other move evicts.
 */
static void svmxe_vram_bo_move_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct ttm_operation_ctx op = { .interruptible = false };
	struct ttm_resource vram = { .mem_type = XE_PL_VRAM0 };
	struct ttm_resource vram1 = { .mem_type = XE_PL_VRAM1 };
	struct ttm_resource sys = { .mem_type = XE_PL_SYSTEM };
	struct ttm_resource tt = { .mem_type = XE_PL_TT };
	struct ttm_place hop = {};
	struct xe_bo *bo;

	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	ctx->xe->info.is_dgfx = true;
	bo->ttm.bdev = &ctx->xe->ttm;
	bo->ttm.base.resv = &bo->ttm.base._resv;
	dma_resv_init(bo->ttm.base.resv);
	bo->flags = XE_BO_FLAG_VRAM0 | XE_BO_FLAG_SVM;
	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);

	/* creation: into VRAM, nothing to evict */
	KUNIT_EXPECT_EQ(test, xe_ttm_funcs.move(&bo->ttm, false, &op, &vram, &hop), 0);
	KUNIT_EXPECT_EQ(test, ctx->evicts, 0);
	KUNIT_EXPECT_EQ(test, ctx->move_nulls, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->move_null_mem, &vram);

	/* evicted to system memory: the allocation leaves first */
	bo->ttm.resource = &vram;
	KUNIT_EXPECT_EQ(test, xe_ttm_funcs.move(&bo->ttm, true, &op, &sys, &hop), 0);
	KUNIT_EXPECT_EQ(test, ctx->evicts, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->evict_alloc, &bo->svm_alloc);
	KUNIT_EXPECT_EQ(test, ctx->move_nulls, 2);
	KUNIT_EXPECT_PTR_EQ(test, ctx->move_null_mem, &sys);
	/* ... or to TT, the same */
	bo->ttm.resource = &vram1;
	KUNIT_EXPECT_EQ(test, xe_ttm_funcs.move(&bo->ttm, true, &op, &tt, &hop), 0);
	KUNIT_EXPECT_EQ(test, ctx->evicts, 2);
	KUNIT_EXPECT_EQ(test, ctx->move_nulls, 3);

	/* an eviction that gives up: the object stays, the error goes to TTM */
	ctx->evict_ret = -EBUSY;
	bo->ttm.resource = &vram;
	KUNIT_EXPECT_EQ(test, xe_ttm_funcs.move(&bo->ttm, true, &op, &sys, &hop), -EBUSY);
	KUNIT_EXPECT_EQ(test, ctx->evicts, 3);
	KUNIT_EXPECT_EQ(test, ctx->move_nulls, 3);
	ctx->evict_ret = -EIO;
	KUNIT_EXPECT_EQ(test, xe_ttm_funcs.move(&bo->ttm, true, &op, &sys, &hop), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->move_nulls, 3);
	ctx->evict_ret = 0;

	/* between system placements: nothing in VRAM to evict */
	bo->ttm.resource = &tt;
	KUNIT_EXPECT_EQ(test, xe_ttm_funcs.move(&bo->ttm, true, &op, &sys, &hop), 0);
	KUNIT_EXPECT_EQ(test, ctx->evicts, 4);
	KUNIT_EXPECT_EQ(test, ctx->move_nulls, 4);

	bo->ttm.resource = NULL;
	dma_resv_unlock(bo->ttm.base.resv);
	dma_resv_fini(bo->ttm.base.resv);
}

/*
 * The xe_pt harness. SVM binds and unbinds run xe's real page-table
 * update: ops_execute(), xe_pt_update_ops_prepare/run/fini/abort, the
 * walk, the commit of the software tree and the TLB-invalidation fences,
 * on a tree of fake tables (svmxe_test_pt_create()). Stubbed is only what
 * needs hardware: the page-table job (the CPU path's steps, with a fence
 * that has signalled), the tile's migrate queue and whether it is idle,
 * the invalidation fences' set-up and sending, and the destruction of
 * tables (recorded, with whether it was deferred: a deferred table is
 * freed only once the VM's dma-resv, which page-table BOs share and which
 * holds the invalidation fences, is idle).
 */
#define SVMXE_PTH_MAX	16

struct svmxe_pt_harness {
	struct xe_exec_queue *q;
	unsigned int jobs;
	int job_ret;			/* what the next page-table job returns */
	u8 job_ret_tiles;		/* ... on these tiles only (0: all) */
	struct xe_svm_range *race_range; /* the next job finds it stale */
	struct xe_svm_range *watch_range; /* its masks when a job passed pre-commit */
	unsigned int watched;
	u8 job_bound, job_mapped;
	bool inval_hold;		/* invalidations wait for svmxe_pth_release() */
	unsigned int seq;		/* order of the events below */
	unsigned int invals;
	struct {
		struct xe_gt *gt;
		u64 start, end;
		u32 asid;
		unsigned int seq;
	} inval[SVMXE_PTH_MAX];
	unsigned int nheld;
	struct xe_gt_tlb_invalidation_fence *held[SVMXE_PTH_MAX];
	unsigned int destroys;
	struct {
		struct xe_pt *pt;
		bool deferred;
		unsigned int seq;
	} destroyed[SVMXE_PTH_MAX];
};

static struct svmxe_pt_harness *svmxe_pth(void)
{
	return svmxe_test_ctx()->pth;
}

static struct dma_fence *svmxe_pth_update_pgtables(struct xe_migrate *m,
						   struct xe_migrate_pt_update *pt_update)
{
	const struct xe_migrate_pt_update_ops *ops = pt_update->ops;
	struct xe_vm *vm = pt_update->vops->vm;
	struct xe_vm_pgtable_update_ops *pt_update_ops =
		&pt_update->vops->pt_update_ops[pt_update->tile_id];
	struct xe_tile *tile = &vm->xe->tiles[pt_update->tile_id];
	struct svmxe_pt_harness *h = svmxe_pth();
	u32 i, j;
	int err;

	h->jobs++;
	if (h->job_ret && (!h->job_ret_tiles || h->job_ret_tiles & BIT(pt_update->tile_id)))
		return ERR_PTR(h->job_ret);
	if (h->race_range) {
		/* the CPU unmapped a page since the populate */
		down_write(&vm->svm.notifier_lock);
		h->race_range->dma[0].mapped = false;
		up_write(&vm->svm.notifier_lock);
	}
	if (ops->pre_commit) {
		pt_update->job = NULL;
		err = ops->pre_commit(pt_update);
		/* -ETIME asks for a GPU job: the harness never leaves work pending */
		KUNIT_EXPECT_NE(kunit_get_current_test(), err, -ETIME);
		if (err)
			return ERR_PTR(err);
	}
	if (h->watch_range) {
		h->watched++;
		h->job_bound = to_svmxe_range(h->watch_range)->tiles_bound;
		h->job_mapped = to_svmxe_range(h->watch_range)->tiles_mapped;
	}

	for (i = 0; i < pt_update_ops->num_ops; i++) {
		const struct xe_vm_pgtable_update_op *pt_op = &pt_update_ops->ops[i];

		for (j = 0; j < pt_op->num_entries; j++) {
			const struct xe_vm_pgtable_update *update = &pt_op->entries[j];

			if (pt_op->bind)
				ops->populate(pt_update, tile, &update->pt_bo->vmap, NULL,
					      update->ofs, update->qwords, update);
			else
				ops->clear(pt_update, tile, &update->pt_bo->vmap, NULL,
					   update->ofs, update->qwords, update);
		}
	}

	return dma_fence_get_stub();
}

static bool svmxe_pth_queue_idle(struct xe_exec_queue *q)
{
	return true;
}

static struct xe_exec_queue *svmxe_pth_migrate_queue(struct xe_tile *tile)
{
	return svmxe_pth()->q;
}

static void svmxe_pth_inval_fence_init(struct xe_gt *gt,
				       struct xe_gt_tlb_invalidation_fence *fence,
				       bool stack)
{
	struct svmxe_test *ctx = svmxe_test_ctx();

	/* a context of its own, as the real one: the VM's dma-resv keeps each */
	dma_fence_init(&fence->base, &svmxe_test_fence_ops, &ctx->fence_lock,
		       dma_fence_context_alloc(1), 1);
	INIT_LIST_HEAD(&fence->link);
	KUNIT_EXPECT_FALSE(kunit_get_current_test(), stack);
	/* the reference its signalling drops */
	dma_fence_get(&fence->base);
	fence->gt = gt;
}

static void svmxe_pth_inval_signal(struct xe_gt_tlb_invalidation_fence *fence)
{
	dma_fence_signal(&fence->base);
	dma_fence_put(&fence->base);
}

static int svmxe_pth_inval_range(struct xe_gt *gt,
				 struct xe_gt_tlb_invalidation_fence *fence,
				 u64 start, u64 end, u32 asid)
{
	struct svmxe_pt_harness *h = svmxe_pth();
	unsigned int n = h->invals++;

	if (n < SVMXE_PTH_MAX) {
		h->inval[n].gt = gt;
		h->inval[n].start = start;
		h->inval[n].end = end;
		h->inval[n].asid = asid;
		h->inval[n].seq = ++h->seq;
	}
	if (h->inval_hold && h->nheld < SVMXE_PTH_MAX)
		h->held[h->nheld++] = fence;
	else
		svmxe_pth_inval_signal(fence);

	return 0;
}

/* Let the held invalidations finish. */
static void svmxe_pth_release(struct svmxe_pt_harness *h)
{
	h->inval_hold = false;
	while (h->nheld)
		svmxe_pth_inval_signal(h->held[--h->nheld]);
}

static void svmxe_pth_pt_destroy(struct xe_pt *pt, u32 flags, struct llist_head *deferred)
{
	struct svmxe_pt_harness *h = svmxe_pth();
	unsigned int i;

	if (!pt)
		return;
	if (h->destroys < SVMXE_PTH_MAX) {
		h->destroyed[h->destroys].pt = pt;
		h->destroyed[h->destroys].deferred = deferred;
		h->destroyed[h->destroys].seq = ++h->seq;
	}
	h->destroys++;
	/* as the real one: the tables under it go too (the memory is the test's) */
	if (pt->level && pt->num_live)
		for (i = 0; i < XE_PDES; i++)
			if (pt->base.staging[i])
				svmxe_pth_pt_destroy(container_of(pt->base.staging[i],
								  struct xe_pt, base),
						     flags, deferred);
}

static void svmxe_pth_fini(void *arg)
{
	struct svmxe_test *ctx = arg;
	struct xe_tile *tile;
	u8 id;

	svmxe_pth_release(ctx->pth);
	for_each_tile(tile, ctx->xe, id)
		xe_range_fence_tree_fini(&ctx->vm->rftree[id]);
}

/*
 * Give the fixture's VM what xe_vm_create() would for page-table updates
 * (a dma-resv, range-fence trees, a root table per tile, the PTE encoders)
 * and let svmxe_commit() and the unbind run the real update path.
 */
static struct svmxe_pt_harness *svmxe_pth_init(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_vm *vm = ctx->vm;
	struct svmxe_pt_harness *h;
	struct xe_tile *tile;
	u8 id;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->q = kunit_kzalloc(test, sizeof(*h->q), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h->q);
	h->q->flags = EXEC_QUEUE_FLAG_KERNEL;
	ctx->pth = h;

	svmxe_test_gpuvm_init(test, vm);
	vm->composite_fence_ctx = dma_fence_context_alloc(1);
	INIT_LIST_HEAD(&vm->preempt.exec_queues);
	ctx->pt_ops = *xe_vm_pt_ops_test();
	ctx->pt_ops.pde_encode_bo = svmxe_test_pde_encode_bo;
	vm->pt_ops = &ctx->pt_ops;
	for_each_tile(tile, ctx->xe, id) {
		xe_range_fence_tree_init(&vm->rftree[id]);
		vm->pt_root[id] = svmxe_test_pt_create(vm, tile, ctx->xe->info.vm_max_level);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm->pt_root[id]);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svmxe_pth_fini, ctx), 0);

	kunit_activate_static_stub(test, xe_pt_create, svmxe_test_pt_create);
	kunit_activate_static_stub(test, xe_pt_destroy, svmxe_pth_pt_destroy);
	kunit_activate_static_stub(test, xe_migrate_update_pgtables, svmxe_pth_update_pgtables);
	kunit_activate_static_stub(test, xe_exec_queue_is_idle, svmxe_pth_queue_idle);
	kunit_activate_static_stub(test, xe_tile_migrate_exec_queue, svmxe_pth_migrate_queue);
	kunit_activate_static_stub(test, xe_gt_tlb_invalidation_fence_init,
				   svmxe_pth_inval_fence_init);
	kunit_activate_static_stub(test, xe_gt_tlb_invalidation_range, svmxe_pth_inval_range);
	kunit_deactivate_static_stub(test, svmxe_run_bind);
	kunit_deactivate_static_stub(test, svmxe_run_unbind);

	return h;
}

/* The table at @level whose entries cover @va on @tile, or NULL. */
static struct xe_pt *svmxe_pth_table(struct xe_vm *vm, struct xe_tile *tile, u64 va,
				     unsigned int level)
{
	struct xe_pt *pt = vm->pt_root[tile->id];

	while (pt && pt->level > level) {
		unsigned int i = (va >> (XE_PTE_SHIFT + pt->level * XE_PDE_SHIFT)) &
				 (XE_PDES - 1);
		struct xe_ptw *child = pt->base.children[i];

		pt = child ? container_of(child, struct xe_pt, base) : NULL;
	}

	return pt;
}

/* The entry of @pt's table that covers @va. */
static u64 svmxe_pth_entry(struct xe_pt *pt, u64 va)
{
	u64 *table = pt->bo->vmap.vaddr;

	return table[(va >> (XE_PTE_SHIFT + pt->level * XE_PDE_SHIFT)) & (XE_PDES - 1)];
}

/*
 * A 2 MiB range of 4 KiB pages is bound with a level-0 table of its own
 * under a level-1 entry. Bound again after a zap, it gets a new table in
 * that entry: the entry changes hands while the GPU may still have the
 * old one cached, so the bind invalidates the TLB over the 2 MiB on each
 * GT, and the old table goes to the deferred free, which waits for the
 * VM's dma-resv, which holds the invalidation's fence until it is done.
 * A first bind replaces nothing and invalidates nothing.
 */
static void svmxe_pt_rebind_inval_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 start = SZ_2M;
	struct svmxe_range_bind *rb;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct xe_pt *l1, *old, *cur;
	struct dma_fence *fence;
	unsigned int i, live;

	KUNIT_ASSERT_NOT_NULL(test, tile->media_gt);
	h = svmxe_pth_init(test);
	range = svmxe_test_range(test, vm, start, 512, 0, 0x40000000,
				 SVMXE_TEST_DMA_STRIDE, 0, 0);

	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, range, 2), 0);
	KUNIT_EXPECT_EQ(test, h->jobs, 1);
	KUNIT_EXPECT_EQ(test, h->invals, 0);
	KUNIT_EXPECT_EQ(test, h->destroys, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(tile->id));
	l1 = svmxe_pth_table(vm, tile, start, 1);
	KUNIT_ASSERT_NOT_NULL(test, l1);
	old = svmxe_pth_table(vm, tile, start, 0);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_EXPECT_EQ(test, old->level, 0);
	KUNIT_EXPECT_EQ(test, old->num_live, 512);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(old, start + SZ_4K) & XE_PAGE_PRESENT);
	live = l1->num_live;

	/* zapped (leaves only), faulted again */
	to_svmxe_range(range)->tiles_mapped = 0;
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, range, 2), 0);
	KUNIT_EXPECT_EQ(test, h->jobs, 2);
	cur = svmxe_pth_table(vm, tile, start, 0);
	KUNIT_ASSERT_NOT_NULL(test, cur);
	KUNIT_EXPECT_PTR_NE(test, cur, old);
	KUNIT_EXPECT_EQ(test, l1->num_live, live);
	KUNIT_ASSERT_EQ(test, h->invals, 2);
	KUNIT_EXPECT_PTR_EQ(test, h->inval[0].gt, tile->primary_gt);
	KUNIT_EXPECT_PTR_EQ(test, h->inval[1].gt, tile->media_gt);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, h->inval[i].start, start);
		KUNIT_EXPECT_EQ(test, h->inval[i].end, start + SZ_2M - 1);
		KUNIT_EXPECT_EQ(test, h->inval[i].asid, SVMXE_TEST_ASID);
	}
	KUNIT_ASSERT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_PTR_EQ(test, h->destroyed[0].pt, old);
	KUNIT_EXPECT_TRUE(test, h->destroyed[0].deferred);

	/* with the invalidation held: the VM's dma-resv is not idle until it is done */
	to_svmxe_range(range)->tiles_mapped = 0;
	h->inval_hold = true;
	down_write(&vm->lock);
	rb = svmxe_range_bind_create(vm, range, 2, false, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rb);
	KUNIT_ASSERT_EQ(test, dma_resv_lock(xe_vm_resv(vm), NULL), 0);
	fence = xe_vm_range_rebind(vm, &rb->pt, BIT(tile->id));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, fence);
	KUNIT_EXPECT_EQ(test, h->nheld, 2);
	KUNIT_EXPECT_EQ(test, h->destroys, 2);
	KUNIT_EXPECT_TRUE(test, h->destroyed[1].deferred);
	KUNIT_EXPECT_FALSE(test, dma_resv_test_signaled(xe_vm_resv(vm), DMA_RESV_USAGE_KERNEL));
	svmxe_pth_release(h);
	KUNIT_EXPECT_TRUE(test, dma_resv_test_signaled(xe_vm_resv(vm), DMA_RESV_USAGE_KERNEL));
	if (!IS_ERR_OR_NULL(fence)) {
		KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(fence));
		dma_fence_put(fence);
	}
	dma_resv_unlock(xe_vm_resv(vm));
	svmxe_range_bind_destroy(rb);
	up_write(&vm->lock);
}

/* Make the next page-table job's pre-commit find @range stale (a CPU unmap). */
static void svmxe_pth_race(struct svmxe_pt_harness *h, struct xe_svm_range *range)
{
	h->race_range = range;
}

/*
 * An invalidation that lands between a rebind's walk and its commit
 * (pre-commit: the range went stale) undoes the update: the level-1
 * entry and the live counts stay as they were, the table the walk made
 * is freed at once (no GPU ever saw it), nothing is invalidated, the
 * range's masks do not change and the notifier lock is free again. The
 * next fault binds it.
 */
static void svmxe_pt_precommit_retry_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 start = SZ_2M;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct xe_pt *l1, *old;
	unsigned int live;

	h = svmxe_pth_init(test);
	range = svmxe_test_range(test, vm, start, 512, 0, 0x40000000,
				 SVMXE_TEST_DMA_STRIDE, 0, 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, range, 2), 0);
	l1 = svmxe_pth_table(vm, tile, start, 1);
	old = svmxe_pth_table(vm, tile, start, 0);
	KUNIT_ASSERT_NOT_NULL(test, l1);
	KUNIT_ASSERT_NOT_NULL(test, old);
	live = l1->num_live;

	to_svmxe_range(range)->tiles_mapped = 0;
	svmxe_pth_race(h, range);
	KUNIT_EXPECT_EQ(test, svmxe_test_commit(vm, tile, range, 2), -EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, svmxe_pth_table(vm, tile, start, 0), old);
	KUNIT_EXPECT_PTR_EQ(test, l1->base.staging[(start >> 21) & (XE_PDES - 1)],
			    &old->base);
	KUNIT_EXPECT_EQ(test, l1->num_live, live);
	KUNIT_EXPECT_EQ(test, old->num_live, 512);
	KUNIT_ASSERT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_PTR_NE(test, h->destroyed[0].pt, old);
	KUNIT_EXPECT_EQ(test, h->destroyed[0].pt->level, 0);
	KUNIT_EXPECT_FALSE(test, h->destroyed[0].deferred);
	KUNIT_EXPECT_EQ(test, h->invals, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(tile->id));
	KUNIT_ASSERT_TRUE(test, down_write_trylock(&vm->svm.notifier_lock));
	up_write(&vm->svm.notifier_lock);

	/* the pages are mapped again: the next fault binds */
	h->race_range = NULL;
	range->dma[0].mapped = true;
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, range, 2), 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(tile->id));
	KUNIT_EXPECT_PTR_NE(test, svmxe_pth_table(vm, tile, start, 0), old);
	KUNIT_EXPECT_EQ(test, h->invals, 2);
}

/* Three 64 KiB ranges: A and B share a level-0 table, C has its own. */
static void svmxe_pth_three(struct kunit *test, struct xe_svm_range **a,
			    struct xe_svm_range **b, struct xe_svm_range **c)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_vm *vm = ctx->vm;
	struct mm_struct *mm;

	/* the mirrored process, alive: the collector's unbinds run */
	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	atomic_set(&mm->mm_users, 1);
	vm->svm.mm = mm;

	*a = svmxe_test_range(test, vm, SZ_2M, 16, 0, 0x50000000, 0, 0, 0);
	*b = svmxe_test_range(test, vm, SZ_2M + SZ_64K, 16, 0, 0x50010000, 0, 0, 0);
	*c = svmxe_test_range(test, vm, 2 * SZ_2M, 16, 0, 0x50020000, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, *a, 2), 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, *b, 2), 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, *c, 2), 0);
}

static void svmxe_pth_unbind(struct xe_vm *vm, struct xe_svm_range *range)
{
	down_write(&vm->lock);
	vm->svm.ops->unbind(&vm->svm, &range, 1);
	up_write(&vm->lock);
}

/*
 * A range bind is an xe VM operation whose commit marks the range: when
 * the page-table job runs (the pre-commit passed and holds the notifier
 * lock), the range's masks are still what they were, on a first bind and
 * on a rebind after a zap; once the update returns, the tile is set and
 * the entries are present. The collector's unbind is an operation too:
 * the range is still bound while its job runs, not after.
 */
static void svmxe_pt_masks_at_commit_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	const u64 start = SZ_2M;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct mm_struct *mm;
	struct xe_pt *l0;

	h = svmxe_pth_init(test);
	/* the mirrored process, alive: the collector's unbind runs */
	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	atomic_set(&mm->mm_users, 1);
	vm->svm.mm = mm;
	/* 16 pages, DMA addresses 12 KiB apart: 4 KiB PTEs */
	range = svmxe_test_range(test, vm, start, 16, 0, 0x60000000,
				 SVMXE_TEST_DMA_STRIDE, 0, 0);
	h->watch_range = range;

	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, range, 2), 0);
	KUNIT_EXPECT_EQ(test, h->watched, 1);
	KUNIT_EXPECT_EQ(test, h->job_bound, 0);
	KUNIT_EXPECT_EQ(test, h->job_mapped, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(tile->id));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(tile->id));
	l0 = svmxe_pth_table(vm, tile, start, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(l0, start) & XE_PAGE_PRESENT);

	/* zapped, faulted again: bound before, mapped only at the commit */
	to_svmxe_range(range)->tiles_mapped = 0;
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, range, 2), 0);
	KUNIT_EXPECT_EQ(test, h->watched, 2);
	KUNIT_EXPECT_EQ(test, h->job_bound, BIT(tile->id));
	KUNIT_EXPECT_EQ(test, h->job_mapped, 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_mapped, BIT(tile->id));
	l0 = svmxe_pth_table(vm, tile, start, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(l0, start + 15 * SZ_4K) & XE_PAGE_PRESENT);

	/* unmapped by the CPU, zapped, collected: bound until the commit */
	to_svmxe_range(range)->tiles_mapped = 0;
	svmxe_pth_unbind(vm, range);
	KUNIT_EXPECT_EQ(test, h->watched, 3);
	KUNIT_EXPECT_EQ(test, h->job_bound, BIT(tile->id));
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, tile, start, 0));
	vm->svm.mm = NULL;
}

/*
 * Two ranges sharing a table: the second one's bind writes its entries
 * into the first one's table (no new table, nothing replaced, nothing
 * invalidated). The collector's unbind of the first clears its entries
 * only; the unbind of the second, the table's last user, frees the table
 * (deferred) and clears its level-1 entry; each unbind invalidates its
 * range on both GTs.
 */
static void svmxe_pt_unbind_shared_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *a, *b, *c;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_pt *l1, *l0;
	unsigned int tables;

	h = svmxe_pth_init(test);
	svmxe_pth_three(test, &a, &b, &c);
	l1 = svmxe_pth_table(vm, tile, SZ_2M, 1);
	l0 = svmxe_pth_table(vm, tile, SZ_2M, 0);
	KUNIT_ASSERT_NOT_NULL(test, l1);
	KUNIT_ASSERT_NOT_NULL(test, l0);
	KUNIT_EXPECT_PTR_EQ(test, svmxe_pth_table(vm, tile, SZ_2M + SZ_64K, 0), l0);
	KUNIT_EXPECT_EQ(test, l0->num_live, 32);
	KUNIT_EXPECT_EQ(test, h->invals, 0);
	KUNIT_EXPECT_EQ(test, h->destroys, 0);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(l0, SZ_2M + SZ_64K) & XE_PAGE_PRESENT);
	tables = ctx->pt_tables;

	svmxe_pth_unbind(vm, a);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(a)->tiles_bound, 0);
	KUNIT_EXPECT_EQ(test, h->destroys, 0);
	KUNIT_EXPECT_PTR_EQ(test, svmxe_pth_table(vm, tile, SZ_2M, 0), l0);
	KUNIT_EXPECT_EQ(test, l0->num_live, 16);
	KUNIT_EXPECT_EQ(test, svmxe_pth_entry(l0, SZ_2M), 0);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(l0, SZ_2M + SZ_64K) & XE_PAGE_PRESENT);
	KUNIT_ASSERT_EQ(test, h->invals, 2);
	KUNIT_EXPECT_EQ(test, h->inval[0].start, SZ_2M);

	svmxe_pth_unbind(vm, b);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(b)->tiles_bound, 0);
	KUNIT_ASSERT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_PTR_EQ(test, h->destroyed[0].pt, l0);
	KUNIT_EXPECT_TRUE(test, h->destroyed[0].deferred);
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, tile, SZ_2M, 0));
	KUNIT_EXPECT_EQ(test, svmxe_pth_entry(l1, SZ_2M), 0);
	KUNIT_EXPECT_PTR_EQ(test, svmxe_pth_table(vm, tile, SZ_2M, 1), l1);
	KUNIT_EXPECT_NOT_NULL(test, svmxe_pth_table(vm, tile, 2 * SZ_2M, 0));
	KUNIT_EXPECT_EQ(test, h->invals, 4);
	KUNIT_EXPECT_EQ(test, ctx->pt_tables, tables);
	vm->svm.mm = NULL;
}

/* Was @pt destroyed, deferred behind the update's fences? */
static bool svmxe_pth_destroyed(struct svmxe_pt_harness *h, struct xe_pt *pt)
{
	unsigned int i;

	for (i = 0; i < h->destroys; i++)
		if (h->destroyed[i].pt == pt)
			return h->destroyed[i].deferred;
	return false;
}

/*
 * A collector batch: three ranges, two of them sharing a table, unbound
 * in one call. One page-table job and one invalidation per GT for the
 * three (a range at a time took three of each); both level-0 tables are
 * freed, the shared one although its two users go in the same update,
 * deferred behind the update's fences, and nothing is left bound.
 */
static void svmxe_pt_unbind_batch_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *r[3];
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_pt *l0a, *l0c;
	unsigned int jobs, i;

	h = svmxe_pth_init(test);
	svmxe_pth_three(test, &r[0], &r[1], &r[2]);
	l0a = svmxe_pth_table(vm, tile, SZ_2M, 0);
	l0c = svmxe_pth_table(vm, tile, 2 * SZ_2M, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0a);
	KUNIT_ASSERT_NOT_NULL(test, l0c);
	KUNIT_ASSERT_PTR_NE(test, l0a, l0c);
	KUNIT_ASSERT_EQ(test, h->invals, 0);
	jobs = h->jobs;

	down_write(&vm->lock);
	vm->svm.ops->unbind(&vm->svm, r, ARRAY_SIZE(r));
	up_write(&vm->lock);

	KUNIT_EXPECT_EQ(test, h->jobs - jobs, 1);
	KUNIT_ASSERT_EQ(test, h->invals, 2);
	for (i = 0; i < h->invals; i++) {
		KUNIT_EXPECT_LE(test, h->inval[i].start, SZ_2M);
		KUNIT_EXPECT_GE(test, h->inval[i].end, 2 * SZ_2M + SZ_64K);
	}
	KUNIT_EXPECT_PTR_NE(test, h->inval[0].gt, h->inval[1].gt);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_destroyed(h, l0a));
	KUNIT_EXPECT_TRUE(test, svmxe_pth_destroyed(h, l0c));
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, tile, SZ_2M, 0));
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, tile, 2 * SZ_2M, 0));
	for (i = 0; i < ARRAY_SIZE(r); i++)
		KUNIT_EXPECT_EQ(test, to_svmxe_range(r[i])->tiles_bound, 0);
	vm->svm.mm = NULL;
}

/*
 * An unbind whose page-table update fails changes nothing: the entries,
 * the live counts and the tables stay, the range keeps its tile mask (so
 * that the tables are known to be there), nothing is invalidated and
 * the notifier lock is free. A later unbind does the work.
 */
static void svmxe_pt_unbind_failed_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *a, *b, *c;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_pt *l0;

	h = svmxe_pth_init(test);
	svmxe_pth_three(test, &a, &b, &c);
	svmxe_pth_unbind(vm, a);
	l0 = svmxe_pth_table(vm, tile, SZ_2M, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0);
	KUNIT_ASSERT_EQ(test, l0->num_live, 16);

	h->job_ret = -ENOMEM;
	svmxe_pth_unbind(vm, b);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(b)->tiles_bound, BIT(tile->id));
	KUNIT_EXPECT_EQ(test, h->destroys, 0);
	KUNIT_EXPECT_PTR_EQ(test, svmxe_pth_table(vm, tile, SZ_2M, 0), l0);
	KUNIT_EXPECT_EQ(test, l0->num_live, 16);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(l0, SZ_2M + SZ_64K) & XE_PAGE_PRESENT);
	KUNIT_EXPECT_EQ(test, h->invals, 2);
	KUNIT_ASSERT_TRUE(test, down_write_trylock(&vm->svm.notifier_lock));
	up_write(&vm->svm.notifier_lock);

	h->job_ret = 0;
	svmxe_pth_unbind(vm, b);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(b)->tiles_bound, 0);
	KUNIT_ASSERT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_PTR_EQ(test, h->destroyed[0].pt, l0);
	vm->svm.mm = NULL;
}

/*
 * On two tiles, through the real update: the first bind on tile 0
 * replaces nothing and invalidates nothing; bound again after a zap, the
 * range's level-1 entry gets a new table and tile 0 is invalidated; the
 * first bind on tile 1 replaces nothing tile 1 walked.
 */
static void svmxe_bind_rebind_inval_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;

	svmxe_test_add_tile(test, ctx);
	h = svmxe_pth_init(test);
	/* 2 MiB of base pages: bound with a new 4 KiB-level table each time */
	range = svmxe_test_range(test, vm, SZ_2M, 512, 0, 0x40000000,
				 SVMXE_TEST_DMA_STRIDE, 0, 0);

	KUNIT_EXPECT_EQ(test, svmxe_test_commit(vm, &ctx->xe->tiles[0], range, 2), 0);
	KUNIT_EXPECT_EQ(test, h->invals, 0);

	/* zapped (leaves only), then faulted again on tile 0 */
	to_svmxe_range(range)->tiles_mapped = 0;
	KUNIT_EXPECT_EQ(test, svmxe_test_commit(vm, &ctx->xe->tiles[0], range, 2), 0);
	KUNIT_ASSERT_GE(test, h->invals, 1);
	KUNIT_EXPECT_PTR_EQ(test, h->inval[0].gt, ctx->xe->tiles[0].primary_gt);
	KUNIT_EXPECT_EQ(test, h->destroys, 1);

	/* the first bind on tile 1 replaces nothing tile 1 walked */
	h->invals = 0;
	KUNIT_EXPECT_EQ(test, svmxe_test_commit(vm, &ctx->xe->tiles[1], range, 2), 0);
	KUNIT_EXPECT_EQ(test, h->invals, 0);
	KUNIT_EXPECT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(0) | BIT(1));
}

/*
 * A 64 KiB range bound again after a zap writes its leaves into the
 * table it shares with another range: no directory entry changes hands,
 * so nothing is invalidated (each zap invalidated already) and no table
 * is freed.
 */
static void svmxe_pt_rebind_leaves_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *a, *b, *c;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_pt *l0;

	h = svmxe_pth_init(test);
	svmxe_pth_three(test, &a, &b, &c);
	l0 = svmxe_pth_table(vm, tile, SZ_2M, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0);

	to_svmxe_range(a)->tiles_mapped = 0;
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, a, 2), 0);
	KUNIT_EXPECT_EQ(test, h->jobs, 4);
	KUNIT_EXPECT_EQ(test, h->invals, 0);
	KUNIT_EXPECT_EQ(test, h->destroys, 0);
	KUNIT_EXPECT_PTR_EQ(test, svmxe_pth_table(vm, tile, SZ_2M, 0), l0);
	KUNIT_EXPECT_EQ(test, l0->num_live, 32);
	KUNIT_EXPECT_TRUE(test, svmxe_pth_entry(l0, SZ_2M) & XE_PAGE_PRESENT);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(a)->tiles_mapped, BIT(tile->id));
	vm->svm.mm = NULL;
}

/*
 * A VM that maps VRAM with 64 KiB pages only (Xe_HPC): a 64 KiB range
 * whose VRAM is one 64 KiB chunk binds with the 64 KiB hint and the
 * device-memory bit on each of its 16 PTEs, next to a range of scattered
 * system pages bound with plain 4 KiB PTEs in the same table. A range whose
 * VRAM comes in 4 KiB chunks (which the SVM core never hands over on
 * such a VM) is refused, and nothing is written; a VM without the flag
 * binds it.
 */
static void svmxe_pt_vram_64k_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *vram, *sys, *split;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	unsigned int i, jobs;
	struct xe_pt *l0;
	u64 pte;

	h = svmxe_pth_init(test);
	vm->flags |= XE_VM_FLAG_64K;

	vram = svmxe_test_range(test, vm, SZ_2M, 1, 4, 0x80010000, 0, 0, 0);
	vram->dma[0].devmem = true;
	sys = svmxe_test_range(test, vm, SZ_2M + SZ_64K, 16, 0, 0x50000000,
			       SVMXE_TEST_DMA_STRIDE, 0, 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, vram, 2), 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, sys, 2), 0);
	l0 = svmxe_pth_table(vm, tile, SZ_2M, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0);
	KUNIT_EXPECT_FALSE(test, l0->is_compact);
	for (i = 0; i < 16; i++) {
		pte = svmxe_pth_entry(l0, SZ_2M + i * SZ_4K);
		KUNIT_EXPECT_TRUE_MSG(test, pte & XE_PAGE_PRESENT, "page %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, pte & XE_PTE_PS64, "page %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, pte & XE_PPGTT_PTE_DM, "page %u", i);
		pte = svmxe_pth_entry(l0, SZ_2M + SZ_64K + i * SZ_4K);
		KUNIT_EXPECT_TRUE_MSG(test, pte & XE_PAGE_PRESENT, "page %u", i);
		KUNIT_EXPECT_FALSE_MSG(test, pte & XE_PTE_PS64, "page %u", i);
		KUNIT_EXPECT_FALSE_MSG(test, pte & XE_PPGTT_PTE_DM, "page %u", i);
	}

	/* 16 VRAM pages scattered in VRAM: 4 KiB chunks */
	split = svmxe_test_range(test, vm, SZ_2M + 2 * SZ_64K, 16, 0, 0x80020000,
				 SVMXE_TEST_DMA_STRIDE, 0, 0);
	for (i = 0; i < 16; i++)
		split->dma[i].devmem = true;
	jobs = h->jobs;
	KUNIT_EXPECT_EQ(test, svmxe_test_commit(vm, tile, split, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, h->jobs, jobs);
	KUNIT_EXPECT_EQ(test, svmxe_pth_entry(l0, SZ_2M + 2 * SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(split)->tiles_bound, 0);

	/* The same range on a VM that maps VRAM with 4 KiB pages binds. */
	vm->flags &= ~XE_VM_FLAG_64K;
	KUNIT_EXPECT_EQ(test, svmxe_test_commit(vm, tile, split, 2), 0);
	pte = svmxe_pth_entry(l0, SZ_2M + 2 * SZ_64K);
	KUNIT_EXPECT_TRUE(test, pte & XE_PPGTT_PTE_DM);
}

/*
 * The tables an unbind that failed left behind belong to no range any
 * more. A range bound there later for the first time replaces them: its
 * bind invalidates (the GPU may have cached the old table) and frees the
 * left-over table through the deferred path.
 */
static void svmxe_pt_bind_over_leftover_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *a, *b, *c, *d;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_pt *l0;

	h = svmxe_pth_init(test);
	svmxe_pth_three(test, &a, &b, &c);
	svmxe_pth_unbind(vm, a);
	h->job_ret = -ENOMEM;
	svmxe_pth_unbind(vm, b);
	h->job_ret = 0;
	l0 = svmxe_pth_table(vm, tile, SZ_2M, 0);
	KUNIT_ASSERT_NOT_NULL(test, l0);
	KUNIT_ASSERT_EQ(test, h->invals, 2);

	/* the collector freed B anyway; a 2 MiB range of base pages comes */
	d = svmxe_test_range(test, vm, SZ_2M, 512, 0, 0x40000000,
			     SVMXE_TEST_DMA_STRIDE, 0, 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, tile, d, 2), 0);
	KUNIT_EXPECT_PTR_NE(test, svmxe_pth_table(vm, tile, SZ_2M, 0), l0);
	KUNIT_ASSERT_EQ(test, h->invals, 4);
	KUNIT_EXPECT_EQ(test, h->inval[2].start, SZ_2M);
	KUNIT_EXPECT_EQ(test, h->inval[2].end, 2 * SZ_2M - 1);
	KUNIT_ASSERT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_PTR_EQ(test, h->destroyed[0].pt, l0);
	KUNIT_EXPECT_TRUE(test, h->destroyed[0].deferred);
	vm->svm.mm = NULL;
}

/*
 * The collector's unbind does not wait for its update: it returns with
 * the TLB invalidation still in flight, its fences in the VM's dma-resv
 * (which the freed table's deferred free waits for), and the next update
 * waits for them there.
 */
static void svmxe_pt_unbind_nowait_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct xe_tile *tile = xe_device_get_root_tile(ctx->xe);
	struct xe_svm_range *a, *b, *c;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;

	h = svmxe_pth_init(test);
	svmxe_pth_three(test, &a, &b, &c);
	svmxe_pth_unbind(vm, a);

	h->inval_hold = true;
	svmxe_pth_unbind(vm, b);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(b)->tiles_bound, 0);
	KUNIT_EXPECT_EQ(test, h->nheld, 2);
	KUNIT_ASSERT_EQ(test, h->destroys, 1);
	KUNIT_EXPECT_TRUE(test, h->destroyed[0].deferred);
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, tile, SZ_2M, 0));
	KUNIT_EXPECT_FALSE(test, dma_resv_test_signaled(xe_vm_resv(vm),
							DMA_RESV_USAGE_KERNEL));
	svmxe_pth_release(h);
	KUNIT_EXPECT_TRUE(test, dma_resv_test_signaled(xe_vm_resv(vm),
						       DMA_RESV_USAGE_KERNEL));
	vm->svm.mm = NULL;
}

/*
 * An unbind that fails on the second tile leaves the first tile's done
 * and the VM alive: each tile is its own update, and a failure on the
 * first tile an update runs commits nothing, so nothing needs the VM
 * killed. The range keeps the failed tile in its mask.
 */
static void svmxe_pt_unbind_tile1_failed_test(struct kunit *test)
{
	struct svmxe_test *ctx = test->priv;
	struct svmxe_pt_harness *h;
	struct xe_vm *vm = ctx->vm;
	struct xe_svm_range *range;
	struct mm_struct *mm;

	svmxe_test_add_tile(test, ctx);
	h = svmxe_pth_init(test);
	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	atomic_set(&mm->mm_users, 1);
	vm->svm.mm = mm;
	range = svmxe_test_range(test, vm, SZ_2M, 16, 0, 0x50000000, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, &ctx->xe->tiles[0], range, 2), 0);
	KUNIT_ASSERT_EQ(test, svmxe_test_commit(vm, &ctx->xe->tiles[1], range, 2), 0);
	KUNIT_ASSERT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(0) | BIT(1));

	h->job_ret = -ENOMEM;
	h->job_ret_tiles = BIT(1);
	svmxe_pth_unbind(vm, range);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, BIT(1));
	KUNIT_EXPECT_FALSE(test, xe_vm_is_banned(vm));
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, &ctx->xe->tiles[0], SZ_2M, 0));
	KUNIT_EXPECT_NOT_NULL(test, svmxe_pth_table(vm, &ctx->xe->tiles[1], SZ_2M, 0));

	h->job_ret = 0;
	svmxe_pth_unbind(vm, range);
	KUNIT_EXPECT_EQ(test, to_svmxe_range(range)->tiles_bound, 0);
	KUNIT_EXPECT_NULL(test, svmxe_pth_table(vm, &ctx->xe->tiles[1], SZ_2M, 0));
	vm->svm.mm = NULL;
}

static struct kunit_case xe_svm_xe_tests[] = {
	KUNIT_CASE_PARAM(svmxe_page_size_test, svmxe_size_gen_params),
	KUNIT_CASE(svmxe_bind_request_test),
	KUNIT_CASE(svmxe_bind_second_tile_test),
	KUNIT_CASE(svmxe_bind_rebind_inval_test),
	KUNIT_CASE(svmxe_pt_rebind_inval_test),
	KUNIT_CASE(svmxe_pt_precommit_retry_test),
	KUNIT_CASE(svmxe_pt_masks_at_commit_test),
	KUNIT_CASE(svmxe_pt_unbind_shared_test),
	KUNIT_CASE(svmxe_pt_unbind_batch_test),
	KUNIT_CASE(svmxe_pt_vram_64k_test),
	KUNIT_CASE(svmxe_pt_unbind_failed_test),
	KUNIT_CASE(svmxe_pt_rebind_leaves_test),
	KUNIT_CASE(svmxe_pt_bind_over_leftover_test),
	KUNIT_CASE(svmxe_pt_unbind_nowait_test),
	KUNIT_CASE(svmxe_pt_unbind_tile1_failed_test),
	KUNIT_CASE(svmxe_bind_stale_test),
	KUNIT_CASE(svmxe_pre_commit_test),
	KUNIT_CASE(svmxe_invalidate_test),
	KUNIT_CASE(svmxe_invalidate_send_failed_test),
	KUNIT_CASE(svmxe_invalidate_second_tile_test),
	KUNIT_CASE(svmxe_invalidate_unmapped_test),
	KUNIT_CASE(svmxe_invalidate_all_test),
	KUNIT_CASE(svmxe_unbind_test),
	KUNIT_CASE(svmxe_unbind_exiting_test),
	KUNIT_CASE(svmxe_zap_leaves_test),
	KUNIT_CASE(svmxe_fault_test),
	KUNIT_CASE(svmxe_fault_retry_test),
	KUNIT_CASE(svmxe_fault_errors_test),
	KUNIT_CASE(svmxe_fault_valid_range_test),
	KUNIT_CASE(svmxe_fault_atomic_test),
	KUNIT_CASE(svmxe_fault_gap_test),
	KUNIT_CASE(svmxe_bind_op_test),
	KUNIT_CASE(svmxe_vm_create_query_test),
	KUNIT_CASE(svmxe_bind_devmem_test),
	KUNIT_CASE(svmxe_walk_reads_no_vma_test),
	KUNIT_CASE(svmxe_devmem_copy_to_vram_test),
	KUNIT_CASE(svmxe_devmem_copy_to_ram_test),
	KUNIT_CASE(svmxe_devmem_copy_errors_test),
	KUNIT_CASE(svmxe_devmem_copy_after_eviction_test),
	KUNIT_CASE(svmxe_devmem_dead_test),
	KUNIT_CASE(svmxe_vram_alloc_test),
	KUNIT_CASE(svmxe_vram_bo_move_test),
	KUNIT_CASE(svmxe_device_devmem_test),
	KUNIT_CASE(svmxe_vm_devmem_test),
	KUNIT_CASE(svmxe_fault_attr_test),
	KUNIT_CASE(svmxe_query_walk_test),
	KUNIT_CASE(svmxe_limits_test),
	KUNIT_CASE(svmxe_madvise_value_test),
	KUNIT_CASE(svmxe_prefetch_test),
	KUNIT_CASE(svmxe_prefetch_commit_test),
	KUNIT_CASE(svmxe_residency_debugfs_test),
	{}
};

static struct kunit_suite xe_svm_xe_test_suite = {
	.name = "xe_svm_xe",
	.init = svmxe_test_init,
	.test_cases = xe_svm_xe_tests,
};

kunit_test_suite(xe_svm_xe_test_suite);
