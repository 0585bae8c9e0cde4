// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include "xe_svm_attr.h"

#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/rwsem.h>
#include <linux/slab.h>

#include <drm/xe_drm.h>

/*
 * The memory-range attributes of a window: a dense tree of regions, see
 * "DOC: Memory-range attributes" in xe_svm_doc.h. Every change is made of
 * cuts (xe_svm_attr_split_at(), with regions allocated beforehand) and of
 * assignments to the regions between them, so it cannot fail half way.
 */

/**
 * xe_svm_attr_equal() - do two attribute values say the same
 * @a: one value
 * @b: the other
 *
 * Context: any.
 * Return: true when every field of @a equals that of @b.
 */
bool xe_svm_attr_equal(const struct xe_svm_attr *a, const struct xe_svm_attr *b)
{
	return a->dm == b->dm && a->devmem_fd == b->devmem_fd &&
	       a->region_instance == b->region_instance &&
	       a->migration_policy == b->migration_policy &&
	       a->pat_index == b->pat_index && a->pref == b->pref &&
	       a->atomic == b->atomic && a->bind_pat == b->bind_pat &&
	       a->autoreset == b->autoreset;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_equal, DRM_XE_SVM);

/**
 * xe_svm_attr_default() - the attributes of memory no one advised
 * @attr: set to the defaults
 * @pat_index: the PAT index of the mirror binding
 *
 * The defaults are those of upstream xe: the device's VRAM preferred,
 * every page may migrate, the driver decides about atomics, and the PAT
 * index of the binding (which a reset restores); no autoreset.
 *
 * Context: any.
 */
void xe_svm_attr_default(struct xe_svm_attr *attr, u16 pat_index)
{
	*attr = (struct xe_svm_attr) {
		.devmem_fd = DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE,
		.migration_policy = DRM_XE_MIGRATE_ALL_PAGES,
		.pat_index = pat_index,
		.pref = XE_SVM_PREF_DEVICE,
		.atomic = DRM_XE_ATOMIC_UNDEFINED,
		.bind_pat = pat_index,
	};
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_default, DRM_XE_SVM);

/**
 * xe_svm_attr_assign() - copy some fields of an attribute value
 * @dst: the value changed
 * @src: where the fields come from
 * @mask: XE_SVM_ATTR_* bits: which fields
 *
 * Context: any.
 */
void xe_svm_attr_assign(struct xe_svm_attr *dst, const struct xe_svm_attr *src,
			unsigned int mask)
{
	if (mask & XE_SVM_ATTR_PREF) {
		dst->dm = src->dm;
		dst->devmem_fd = src->devmem_fd;
		dst->region_instance = src->region_instance;
		dst->migration_policy = src->migration_policy;
		dst->pref = src->pref;
	}
	if (mask & XE_SVM_ATTR_ATOMIC)
		dst->atomic = src->atomic;
	if (mask & XE_SVM_ATTR_PAT)
		dst->pat_index = src->pat_index;
	if (mask & XE_SVM_ATTR_BINDING) {
		dst->bind_pat = src->bind_pat;
		dst->autoreset = src->autoreset;
	}
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_assign, DRM_XE_SVM);

static void xe_svm_attr_insert(struct xe_svm_attr_tree *tree,
			       struct xe_svm_attr_region *region)
{
	struct rb_node **link = &tree->root.rb_node, *parent = NULL;

	while (*link) {
		struct xe_svm_attr_region *r = rb_entry(*link, struct xe_svm_attr_region, rb);

		parent = *link;
		link = region->start < r->start ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&region->rb, parent, link);
	rb_insert_color(&region->rb, &tree->root);
	tree->regions++;
}

/**
 * xe_svm_attr_tree_init() - one region of default attributes over a window
 * @tree: the tree to initialise
 * @lock: the lock that will protect it (the VM lock)
 * @start: start of the window
 * @end: its end, exclusive, greater than @start
 * @pat_index: the default PAT index
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int xe_svm_attr_tree_init(struct xe_svm_attr_tree *tree, struct rw_semaphore *lock,
			  u64 start, u64 end, u16 pat_index)
{
	struct xe_svm_attr_region *region;

	might_sleep();

	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return -ENOMEM;

	tree->root = RB_ROOT;
	tree->lock = lock;
	tree->start = start;
	tree->end = end;
	tree->regions = 0;
	region->start = start;
	region->end = end;
	xe_svm_attr_default(&region->attr, pat_index);
	xe_svm_attr_insert(tree, region);

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_tree_init, DRM_XE_SVM);

/**
 * xe_svm_attr_tree_fini() - free every region of a tree
 * @tree: the tree
 *
 * Context: no other user of @tree is left.
 */
void xe_svm_attr_tree_fini(struct xe_svm_attr_tree *tree)
{
	struct xe_svm_attr_region *region, *next;

	rbtree_postorder_for_each_entry_safe(region, next, &tree->root, rb)
		kfree(region);
	tree->root = RB_ROOT;
	tree->regions = 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_tree_fini, DRM_XE_SVM);

/**
 * xe_svm_attr_lookup() - the region that holds an address
 * @tree: the tree
 * @addr: the address
 *
 * Context: &xe_svm_attr_tree.lock held in either mode.
 * Return: the region, or NULL when @addr is outside the window.
 */
struct xe_svm_attr_region *xe_svm_attr_lookup(struct xe_svm_attr_tree *tree, u64 addr)
{
	struct rb_node *node = tree->root.rb_node;

	lockdep_assert_held(tree->lock);

	while (node) {
		struct xe_svm_attr_region *r = rb_entry(node, struct xe_svm_attr_region, rb);

		if (addr < r->start)
			node = node->rb_left;
		else if (addr >= r->end)
			node = node->rb_right;
		else
			return r;
	}

	return NULL;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_lookup, DRM_XE_SVM);

/**
 * xe_svm_attr_next() - the region after a region
 * @tree: the tree
 * @region: a region of @tree
 *
 * Context: &xe_svm_attr_tree.lock held in either mode.
 * Return: the region that starts at @region's end, or NULL after the last.
 */
struct xe_svm_attr_region *xe_svm_attr_next(struct xe_svm_attr_tree *tree,
					    struct xe_svm_attr_region *region)
{
	struct rb_node *node;

	lockdep_assert_held(tree->lock);

	node = rb_next(&region->rb);
	return node ? rb_entry(node, struct xe_svm_attr_region, rb) : NULL;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_next, DRM_XE_SVM);

/**
 * xe_svm_attr_split_prepare() - allocate the regions a change may need
 * @split: filled with two spare regions
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOMEM (then nothing is allocated).
 */
int xe_svm_attr_split_prepare(struct xe_svm_attr_split *split)
{
	unsigned int i;

	might_sleep();

	for (i = 0; i < ARRAY_SIZE(split->spare); i++) {
		split->spare[i] = kzalloc(sizeof(*split->spare[i]), GFP_KERNEL);
		if (!split->spare[i]) {
			xe_svm_attr_split_release(split);
			return -ENOMEM;
		}
	}

	return 0;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_split_prepare, DRM_XE_SVM);

/**
 * xe_svm_attr_split_release() - free the spare regions a change left
 * @split: from xe_svm_attr_split_prepare(); its unused regions are freed
 *
 * Context: any context kfree() allows.
 */
void xe_svm_attr_split_release(struct xe_svm_attr_split *split)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(split->spare); i++) {
		kfree(split->spare[i]);
		split->spare[i] = NULL;
	}
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_split_release, DRM_XE_SVM);

/**
 * xe_svm_attr_split_at() - make a region boundary at an address
 * @tree: the tree
 * @split: spare regions from xe_svm_attr_split_prepare()
 * @addr: where a region must start; nothing happens when one already
 *        does, or when @addr is outside the window
 *
 * The region that holds @addr becomes two with the same attributes. At
 * most two calls per xe_svm_attr_split_prepare().
 *
 * Context: &xe_svm_attr_tree.lock held for writing; does not sleep.
 */
void xe_svm_attr_split_at(struct xe_svm_attr_tree *tree, struct xe_svm_attr_split *split,
			  u64 addr)
{
	struct xe_svm_attr_region *region, *tail = NULL;
	unsigned int i;

	lockdep_assert_held_write(tree->lock);

	region = xe_svm_attr_lookup(tree, addr);
	if (!region || region->start == addr)
		return;

	for (i = 0; i < ARRAY_SIZE(split->spare) && !tail; i++) {
		tail = split->spare[i];
		split->spare[i] = NULL;
	}
	if (WARN_ON_ONCE(!tail))
		return;

	tail->start = addr;
	tail->end = region->end;
	tail->attr = region->attr;
	/* The order of the tree does not change: @tail starts inside @region. */
	region->end = addr;
	xe_svm_attr_insert(tree, tail);
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_split_at, DRM_XE_SVM);

/**
 * xe_svm_attr_set() - assign attribute fields to an address range
 * @tree: the tree
 * @split: spare regions from xe_svm_attr_split_prepare(); what is left of
 *         them the caller releases
 * @start: start of the address range
 * @end: its end, exclusive; both inside the window
 * @mask: XE_SVM_ATTR_* bits: the fields of @val to assign
 * @val: the new value of those fields
 * @changed: called for every region whose value changed, after the
 *           change, with its bounds; may not change @tree
 * @arg: passed to @changed
 *
 * Cuts the regions at @start and @end, then assigns the fields to every
 * region in between. Cannot fail.
 *
 * Context: &xe_svm_attr_tree.lock held for writing; sleeps if @changed
 * does.
 * Return: the number of regions whose value changed.
 */
unsigned int xe_svm_attr_set(struct xe_svm_attr_tree *tree, struct xe_svm_attr_split *split,
			     u64 start, u64 end, unsigned int mask,
			     const struct xe_svm_attr *val,
			     void (*changed)(void *arg, u64 start, u64 end), void *arg)
{
	struct xe_svm_attr_region *region;
	unsigned int n = 0;

	lockdep_assert_held_write(tree->lock);

	xe_svm_attr_split_at(tree, split, start);
	xe_svm_attr_split_at(tree, split, end);
	for (region = xe_svm_attr_lookup(tree, start); region && region->start < end;
	     region = xe_svm_attr_next(tree, region)) {
		struct xe_svm_attr new = region->attr;

		xe_svm_attr_assign(&new, val, mask);
		if (xe_svm_attr_equal(&new, &region->attr))
			continue;
		region->attr = new;
		n++;
		if (changed)
			changed(arg, region->start, region->end);
	}

	return n;
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_set, DRM_XE_SVM);

/**
 * xe_svm_attr_merge() - join neighbouring regions of equal value
 * @tree: the tree
 * @start: start of the stretch to tidy
 * @end: its end, exclusive
 *
 * Every region that intersects [@start, @end] is joined with the next
 * one when both have the same attributes. Called when attributes go back
 * to the defaults (a new mirror binding), never by MADVISE, whose splits
 * user space sees in the query.
 *
 * Context: &xe_svm_attr_tree.lock held for writing; does not sleep.
 */
void xe_svm_attr_merge(struct xe_svm_attr_tree *tree, u64 start, u64 end)
{
	struct xe_svm_attr_region *region, *next;

	lockdep_assert_held_write(tree->lock);

	/* The region before @start may now equal the first one in it. */
	region = xe_svm_attr_lookup(tree, start > tree->start ? start - 1 : start);
	while (region && region->start <= end) {
		next = xe_svm_attr_next(tree, region);
		if (!next)
			break;
		if (xe_svm_attr_equal(&region->attr, &next->attr)) {
			region->end = next->end;
			rb_erase(&next->rb, &tree->root);
			tree->regions--;
			kfree(next);
			continue;
		}
		region = next;
	}
}
EXPORT_SYMBOL_NS_GPL(xe_svm_attr_merge, DRM_XE_SVM);

#if IS_BUILTIN(CONFIG_DRM_XE_KUNIT_TEST)
#include "tests/xe_svm_attr_test.c"
#endif
