/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_RANGE_H_
#define _XE_SVM_RANGE_H_

#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/rbtree.h>
#include <linux/types.h>

struct rw_semaphore;
struct xe_svm;

/* Bits of &xe_svm_range.flags */
#define XE_SVM_RANGE_UNMAPPED		0	/* the CPU unmapped part or all of it */
#define XE_SVM_RANGE_PARTIAL_UNMAP	1	/* ... only part of it */
#define XE_SVM_RANGE_GPU_VALID		2	/* the GPU maps all of it */
#define XE_SVM_RANGE_GPU_WRITE		3	/* ... all of it writable */
#define XE_SVM_RANGE_GPU_DEVMEM		4	/* ... all of it from VRAM */

/**
 * struct xe_svm_dma_chunk - a DMA-mapped piece of a range
 *
 * The pages the CPU maps with one page-table entry (a THP, or one page),
 * mapped for the device as one piece of 2^@order pages, or a naturally
 * aligned run of device pages contiguous in VRAM (never DMA-mapped); the
 * chunks of a range follow each other in address order from its start.
 */
struct xe_svm_dma_chunk {
	/**
	 * @addr: device address of the first page: a DMA address, or for
	 * @devmem the device physical address in VRAM
	 */
	dma_addr_t addr;
	/** @order: log2 of the number of pages */
	u8 order;
	/** @mapped: the DMA mapping exists (cleared when it is unmapped) */
	bool mapped;
	/**
	 * @write: the device may write the pages (DMA_BIDIRECTIONAL);
	 * otherwise it only reads them (DMA_TO_DEVICE)
	 */
	bool write;
	/**
	 * @zero: the page is the shared zero page (untouched memory read):
	 * @addr is &xe_svm.zero_dma, the one mapping every use shares, so
	 * the chunk is not unmapped itself and not counted as mapped pages
	 */
	bool zero;
	/**
	 * @devmem: device-private pages (in VRAM): nothing to DMA-map, not
	 * counted as mapped pages
	 */
	bool devmem;
};

/**
 * struct xe_svm_range - a piece of a mirrored window with GPU state
 *
 * A range is naturally aligned and one of the backend's chunk sizes long
 * (see "DOC: Ranges and chunk sizing"); a backend may embed it in a
 * range of its own (&xe_svm_ops.range_alloc). Its bounds never change while it is in a
 * tree; @rb, @start, @last and @__subtree_last are protected by the lock
 * of the tree it is in.
 */
struct xe_svm_range {
	/** @rb: node in &xe_svm_range_tree.root */
	struct rb_node rb;
	/** @start: first byte of the range (GPU VA = CPU VA) */
	u64 start;
	/** @last: last byte of the range, inclusive */
	u64 last;
	/** @__subtree_last: interval-tree bookkeeping, internal */
	u64 __subtree_last;
	/** @svm: the SVM context the range belongs to; constant */
	struct xe_svm *svm;
	/**
	 * @notifier: MMU interval notifier covering exactly the range; its
	 * sequence is set under &xe_svm.notifier_lock held for writing
	 */
	struct mmu_interval_notifier notifier;
	/**
	 * @gc_link: entry in &xe_svm.gc_list, protected by &xe_svm.gc_lock;
	 * empty when the range is not queued for collection
	 */
	struct list_head gc_link;
	/**
	 * @flags: XE_SVM_RANGE_* bits, read under &xe_svm.notifier_lock in
	 * either mode. The UNMAPPED bits are set with it held for writing;
	 * the GPU_* bits are set with it held for reading by the one populate
	 * the VM lock lets run, and cleared with it held for writing.
	 */
	unsigned long flags;
	/**
	 * @dma: the DMA chunks the GPU mapping uses, @dma_nr of them; set
	 * under &xe_svm.notifier_lock (for reading, by the one populate the
	 * VM lock allows) and unmapped under it held for writing
	 */
	struct xe_svm_dma_chunk *dma;
	/** @dma_nr: number of entries of @dma */
	unsigned int dma_nr;
	/**
	 * @thrash: migration history for thrashing control (see "DOC:
	 * Migration"), protected by the VM lock
	 */
	struct {
		/** @thrash.window_start: jiffies when the window began */
		unsigned long window_start;
		/** @thrash.hold_until: jiffies until which it stays put */
		unsigned long hold_until;
		/** @thrash.migrations: to VRAM in the current window */
		unsigned int migrations;
		/** @thrash.held: it tripped; valid until @thrash.hold_until */
		bool held;
	} thrash;
};

/**
 * struct xe_svm_range_tree - the ranges of one SVM context
 *
 * An interval tree of non-overlapping &xe_svm_range. Modifying it needs
 * @lock held for writing, looking things up needs @lock held in either
 * mode; every function asserts that.
 */
struct xe_svm_range_tree {
	/** @root: the interval tree */
	struct rb_root_cached root;
	/** @lock: the lock that protects @root (the VM lock), not owned */
	struct rw_semaphore *lock;
};

/**
 * struct xe_svm_chunk_limits - where a new range may lie, and its sizes
 *
 * Both intervals are half-open, [start, end), and page aligned.
 */
struct xe_svm_chunk_limits {
	/**
	 * @sizes: the sizes a range may have, the backend's choice
	 * (&xe_svm_ops.chunk_sizes): powers of two, largest first, the
	 * last one PAGE_SIZE
	 */
	const u64 *sizes;
	/** @nr_sizes: number of entries of @sizes */
	unsigned int nr_sizes;
	/** @vma_start: start of the CPU VMA containing the faulting address */
	u64 vma_start;
	/** @vma_end: end of that CPU VMA */
	u64 vma_end;
	/** @win_start: start of the mirrored window */
	u64 win_start;
	/** @win_end: end of the mirrored window */
	u64 win_end;
};

void xe_svm_range_tree_init(struct xe_svm_range_tree *tree,
			    struct rw_semaphore *lock);
bool xe_svm_range_tree_empty(struct xe_svm_range_tree *tree);

int xe_svm_range_chunk(struct xe_svm_range_tree *tree,
		       const struct xe_svm_chunk_limits *lim, u64 addr,
		       u64 *start, u64 *end);

void xe_svm_range_insert(struct xe_svm_range_tree *tree,
			 struct xe_svm_range *range);
void xe_svm_range_remove(struct xe_svm_range_tree *tree,
			 struct xe_svm_range *range);
struct xe_svm_range *xe_svm_range_lookup(struct xe_svm_range_tree *tree,
					 u64 addr);
struct xe_svm_range *xe_svm_range_first(struct xe_svm_range_tree *tree,
					u64 start, u64 end);
struct xe_svm_range *xe_svm_range_next(struct xe_svm_range_tree *tree,
				       struct xe_svm_range *range,
				       u64 start, u64 end);

/**
 * xe_svm_range_size() - size of a range in bytes
 * @range: the range
 *
 * Return: the number of bytes @range covers.
 */
static inline u64 xe_svm_range_size(const struct xe_svm_range *range)
{
	return range->last - range->start + 1;
}

#endif
