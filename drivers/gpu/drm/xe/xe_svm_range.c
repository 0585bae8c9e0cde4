// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_range.h"

#include <linux/align.h>
#include <linux/bug.h>
#include <linux/interval_tree_generic.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>

/*
 * Ranges live in an interval tree keyed by [start, last]. The generated
 * helpers are file-local; the rest of the SVM code goes through the
 * functions below, which check the locking rule.
 */
#define XE_SVM_RANGE_START(r)	((r)->start)
#define XE_SVM_RANGE_LAST(r)	((r)->last)

INTERVAL_TREE_DEFINE(struct xe_svm_range, rb, u64, __subtree_last,
		     XE_SVM_RANGE_START, XE_SVM_RANGE_LAST, static,
		     __xe_svm_range_it);

static void xe_svm_range_tree_assert_held(struct xe_svm_range_tree *tree)
{
	lockdep_assert_held(tree->lock);
}

static void xe_svm_range_tree_assert_held_write(struct xe_svm_range_tree *tree)
{
	lockdep_assert_held_write(tree->lock);
}

/**
 * xe_svm_range_tree_init() - initialise an empty range tree
 * @tree: the tree
 * @lock: the lock that will protect it (the VM lock)
 *
 * Context: any context; does not take @lock.
 */
void xe_svm_range_tree_init(struct xe_svm_range_tree *tree,
			    struct rw_semaphore *lock)
{
	tree->root = RB_ROOT_CACHED;
	tree->lock = lock;
}

/**
 * xe_svm_range_tree_empty() - whether a range tree holds no range
 * @tree: the tree
 *
 * Context: @tree->lock held, in either mode.
 * Return: true when @tree is empty.
 */
bool xe_svm_range_tree_empty(struct xe_svm_range_tree *tree)
{
	xe_svm_range_tree_assert_held(tree);

	return RB_EMPTY_ROOT(&tree->root.rb_root);
}

/**
 * xe_svm_range_chunk() - choose the bounds of a new range around an address
 * @tree: the existing ranges
 * @lim: the CPU VMA and the mirrored window around @addr
 * @addr: the faulting address
 * @start: out, first byte of the chosen range
 * @end: out, end of the chosen range (exclusive)
 *
 * Picks the largest of the sizes of @lim whose naturally aligned chunk
 * containing @addr lies inside both the VMA and the window of @lim and
 * overlaps no range of @tree. The smallest size, one page, always fits
 * when @addr is inside both intervals and inside no existing range.
 *
 * Context: @tree->lock held, in either mode.
 * Return: 0 with @start and @end set; -EFAULT when @addr lies outside the
 * VMA or the window; -EEXIST when @addr lies inside an existing range
 * (the caller should have found it); -EINVAL when @lim is empty or not
 * page aligned, or has no sizes.
 */
int xe_svm_range_chunk(struct xe_svm_range_tree *tree,
		       const struct xe_svm_chunk_limits *lim, u64 addr,
		       u64 *start, u64 *end)
{
	unsigned int i;
	u64 lo, hi;

	xe_svm_range_tree_assert_held(tree);

	if (!PAGE_ALIGNED(lim->vma_start) || !PAGE_ALIGNED(lim->vma_end) ||
	    !PAGE_ALIGNED(lim->win_start) || !PAGE_ALIGNED(lim->win_end) ||
	    lim->vma_start >= lim->vma_end || lim->win_start >= lim->win_end ||
	    !lim->sizes || !lim->nr_sizes)
		return -EINVAL;

	/* The chunk must lie in [lo, hi): the VMA intersected with the window. */
	lo = max(lim->vma_start, lim->win_start);
	hi = min(lim->vma_end, lim->win_end);
	if (addr < lo || addr >= hi)
		return -EFAULT;

	for (i = 0; i < lim->nr_sizes; i++) {
		u64 size = lim->sizes[i];
		u64 s = ALIGN_DOWN(addr, size);

		/* Compare last bytes: s + size may wrap at the top of u64. */
		if (s < lo || s + (size - 1) > hi - 1)
			continue;
		if (__xe_svm_range_it_iter_first(&tree->root, s, s + (size - 1)))
			continue;

		*start = s;
		*end = s + size;
		return 0;
	}

	/* Even the page around @addr is taken: @addr is in a range. */
	return -EEXIST;
}

/**
 * xe_svm_range_insert() - add a range to a tree
 * @tree: the tree
 * @range: the range, with @range->start and @range->last set
 *
 * The caller guarantees that @range overlaps no range already in @tree
 * (xe_svm_range_chunk() chose its bounds under the same lock).
 *
 * Context: @tree->lock held for writing.
 */
void xe_svm_range_insert(struct xe_svm_range_tree *tree,
			 struct xe_svm_range *range)
{
	xe_svm_range_tree_assert_held_write(tree);
	WARN_ON_ONCE(__xe_svm_range_it_iter_first(&tree->root, range->start,
						  range->last));

	__xe_svm_range_it_insert(range, &tree->root);
}

/**
 * xe_svm_range_remove() - take a range out of its tree
 * @tree: the tree that holds @range
 * @range: the range
 *
 * Context: @tree->lock held for writing.
 */
void xe_svm_range_remove(struct xe_svm_range_tree *tree,
			 struct xe_svm_range *range)
{
	xe_svm_range_tree_assert_held_write(tree);

	__xe_svm_range_it_remove(range, &tree->root);
	RB_CLEAR_NODE(&range->rb);
}

/**
 * xe_svm_range_lookup() - find the range that contains an address
 * @tree: the tree
 * @addr: the address
 *
 * Context: @tree->lock held, in either mode.
 * Return: the range containing @addr, or NULL if there is none.
 */
struct xe_svm_range *xe_svm_range_lookup(struct xe_svm_range_tree *tree,
					 u64 addr)
{
	xe_svm_range_tree_assert_held(tree);

	return __xe_svm_range_it_iter_first(&tree->root, addr, addr);
}

/**
 * xe_svm_range_first() - first range overlapping an interval
 * @tree: the tree
 * @start: start of the interval
 * @end: end of the interval (exclusive), greater than @start
 *
 * Ranges come in address order; continue with xe_svm_range_next().
 *
 * Context: @tree->lock held, in either mode.
 * Return: the lowest range that overlaps [@start, @end), or NULL.
 */
struct xe_svm_range *xe_svm_range_first(struct xe_svm_range_tree *tree,
					u64 start, u64 end)
{
	xe_svm_range_tree_assert_held(tree);

	if (WARN_ON_ONCE(end <= start))
		return NULL;

	return __xe_svm_range_it_iter_first(&tree->root, start, end - 1);
}

/**
 * xe_svm_range_next() - next range overlapping an interval
 * @tree: the tree that holds @range
 * @range: a range returned by xe_svm_range_first() or _next() for the
 *	   same interval
 * @start: start of the interval
 * @end: end of the interval (exclusive)
 *
 * Context: @tree->lock held, in either mode, since the first call.
 * Return: the next range in address order that overlaps [@start, @end),
 * or NULL.
 */
struct xe_svm_range *xe_svm_range_next(struct xe_svm_range_tree *tree,
				       struct xe_svm_range *range,
				       u64 start, u64 end)
{
	xe_svm_range_tree_assert_held(tree);

	return __xe_svm_range_it_iter_next(range, start, end - 1);
}

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_range_test.c"
#endif
