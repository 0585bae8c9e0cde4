// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_uapi: the SVM uAPI as the emulated device implements it.
 *
 * Bad input, table-driven, one subtest per ioctl path: VM_CREATE,
 * VM_DESTROY, VM_BIND (CPU address mirror map and unmap), EXEC, SNAPSHOT,
 * STATS, VM_PLACEMENT, TILE_STATS. Every row checks the exact errno, and
 * that nothing changed: the argument was not written back, no VM appeared
 * or vanished, the counters and the GPU page table of a live VM are
 * identical, memory is untouched, the VM still works (its mapped buffer
 * reads back with no fault), and (VM_PLACEMENT) the VM still places new
 * memory where it did.
 *
 * Placement: the fixtures' VMs, and the mirror-window VM, are set to
 * XE_SVM_EMU_PLACE_SYSTEM, because their checks need the memory to stay
 * in system memory (see fx_init()); every other VM keeps the default
 * (VRAM of tile 0).
 *
 * Semantics: the config flag that announces CPU address mirroring;
 * mirrored windows of a fault-mode VM created without the mirror flag
 * (nothing mirrored until bound, ranges never cross a window's edge);
 * unbinding a window while the GPU maps ranges in it (-EBUSY until the CPU
 * unmaps the memory); a VM not in fault mode (every access fails).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/emu.h"

/* An id no VM of the file has (checked where used). */
#define NO_VM	0xfffffff0u
/* In a table: stands for the id of a VM that was destroyed. */
#define DEAD_VM	0xfffffff1u

/* Every config-query flag xe_drm.h defines. */
#define KNOWN_CONFIG_FLAGS (DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM | \
			    DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR)

/* A page that is readable but not writable, holding a copy of @src. */
static void *ro_copy(const void *src, size_t size)
{
	void *p = emu_mmap(SZ_4K, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	svmt_assert(size <= SZ_4K);
	memcpy(p, src, size);
	svmt_assert_ok(mprotect(p, SZ_4K, PROT_READ));
	return p;
}

static void *prot_none_page(void)
{
	return emu_mmap(SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* ------------------------------------------------------------------ */

/*
 * The fixture every bad-input table checks against: a VM whose GPU maps
 * a 2 MiB buffer the CPU filled, with its counters and snapshot recorded.
 */
struct fx {
	struct emu_vm vm;
	uint64_t *buf;
	struct xe_svm_emu_stats st;
	uint32_t *snap;
};

#define FX_SIZE SZ_2M

static void fx_baseline(struct fx *f)
{
	free(f->snap);
	f->st = emu_stats(&f->vm);
	f->snap = emu_snapshot_alloc(&f->vm, f->buf, FX_SIZE);
}

/*
 * A mirror VM on @fd (or a window over the buffer on a fault-mode VM).
 *
 * The VM keeps its memory in system memory (XE_SVM_EMU_PLACE_SYSTEM): the
 * checks read the buffer on the CPU between GPU accesses and expect the
 * GPU to take no fault afterwards, and stats-bad counts the DMA-mapped
 * pages. With the default placement the first GPU fault would move the
 * buffer to VRAM, and each CPU read would move it back.
 */
static void fx_init(struct fx *f, int fd, uint32_t flags)
{
	memset(f, 0, sizeof(*f));
	f->vm = emu_vm_create(fd, flags);
	emu_vm_placement(&f->vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	f->buf = emu_anon_2m(FX_SIZE);
	emu_fill_linear(f->buf, FX_SIZE / 8, V1, S1);
	if (!(flags & DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR))
		emu_mirror(&f->vm, f->buf, FX_SIZE);
	emu_assert_gpu_linear(&f->vm, f->buf, FX_SIZE, V1, S1);
	svmt_assert_eq_u64(f->vm.faults, 1);
	fx_baseline(f);
}

/* Two STATS results are identical, the migration counters included. */
static void stats_same_at(const char *file, int line,
			  const struct xe_svm_emu_stats *a,
			  const struct xe_svm_emu_stats *b)
{
	emu_assert_stats_same_at(file, line, a, b);
	if (a->vram_migrations != b->vram_migrations ||
	    a->vram_fallbacks != b->vram_fallbacks)
		svmt_fail(file, line, "stats.vram_migrations/vram_fallbacks changed: %"
			  PRIu64 "/%" PRIu64 " -> %" PRIu64 "/%" PRIu64,
			  (uint64_t)a->vram_migrations, (uint64_t)a->vram_fallbacks,
			  (uint64_t)b->vram_migrations, (uint64_t)b->vram_fallbacks);
}

/* Nothing changed since the baseline, and the VM still works. */
#define fx_check(f) fx_check_at(__FILE__, __LINE__, (f))
static void fx_check_at(const char *file, int line, struct fx *f)
{
	struct xe_svm_emu_stats st = emu_stats(&f->vm);
	uint32_t *snap = emu_snapshot_alloc(&f->vm, f->buf, FX_SIZE);
	size_t i;

	stats_same_at(file, line, &f->st, &st);
	for (i = 0; i < FX_SIZE / SZ_4K; i++)
		if (snap[i] != f->snap[i])
			svmt_fail(file, line, "snapshot of page %zu changed: 0x%x -> 0x%x",
				  i, f->snap[i], snap[i]);
	emu_assert_linear_at(file, line, f->buf, FX_SIZE / 8, V1, S1);
	emu_assert_gpu_linear_at(file, line, &f->vm, f->buf, FX_SIZE, V1, S1);
	if (f->vm.faults)
		svmt_fail(file, line, "the mapped buffer took %" PRIu64 " faults",
			  f->vm.faults);
	st = emu_stats(&f->vm);
	stats_same_at(file, line, &f->st, &st);
	free(snap);
}

/* Which of the ids 1..MAX_PROBE_ID name a VM of @fd. */
#define MAX_PROBE_ID 64
static uint64_t vm_ids(int fd)
{
	uint64_t ids = 0;
	uint32_t id;

	for (id = 1; id <= MAX_PROBE_ID; id++)
		if (emu_vm_exists(fd, id))
			ids |= 1ULL << (id - 1);
	return ids;
}

/* An id that names no VM of @fd: one that was destroyed. */
static uint32_t dead_vm_id(int fd)
{
	uint32_t id;

	svmt_assert_ok(__emu_vm_create(fd, EMU_VM_MIRROR, &id));
	svmt_assert_ok(__emu_vm_destroy(fd, id));
	svmt_assert(!emu_vm_exists(fd, id));
	return id;
}

/* ------------------------------------------------------------------ */

static void test_vm_create_bad(void)
{
	static const struct {
		const char *what;
		uint32_t flags;
		uint64_t extensions;
		uint64_t reserved[2];
	} cases[] = {
		{ "SCRATCH_PAGE", DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE },
		{ "SCRATCH_PAGE on a mirror VM",
		  EMU_VM_MIRROR | DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE },
		{ "SCRATCH_PAGE on a fault VM",
		  EMU_VM_FAULT | DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE },
		{ "FAULT_MODE without LR_MODE", DRM_XE_VM_CREATE_FLAG_FAULT_MODE },
		{ "CPU_ADDR_MIRROR alone", DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR },
		{ "CPU_ADDR_MIRROR without FAULT_MODE",
		  DRM_XE_VM_CREATE_FLAG_LR_MODE | DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR },
		{ "CPU_ADDR_MIRROR | FAULT_MODE without LR_MODE",
		  DRM_XE_VM_CREATE_FLAG_FAULT_MODE | DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR },
		{ "unknown flag 1 << 3", EMU_VM_MIRROR | 1u << 3 },
		{ "unknown flag 1 << 15", EMU_VM_MIRROR | 1u << 15 },
		{ "unknown flag 1 << 17", EMU_VM_MIRROR | 1u << 17 },
		{ "unknown flag 1 << 31", EMU_VM_FAULT | 1u << 31 },
		{ "unknown flag 1 << 3 on a plain VM", 1u << 3 },
		{ "extensions", EMU_VM_MIRROR, .extensions = 1 },
		{ "extensions (a pointer)", EMU_VM_FAULT, .extensions = 0x10000 },
		{ "reserved[0]", EMU_VM_MIRROR, .reserved = { 1, 0 } },
		{ "reserved[1]", EMU_VM_MIRROR, .reserved = { 0, 1ULL << 63 } },
		{ "reserved[0] on a plain VM", 0, .reserved = { 1, 0 } },
	};
	static const uint32_t good[] = {
		0,
		DRM_XE_VM_CREATE_FLAG_LR_MODE,
		EMU_VM_FAULT,
		EMU_VM_MIRROR,
	};
	int fd = emu_open();
	struct drm_xe_vm_create c, before, *ro;
	uint32_t ids_good[ARRAY_SIZE(good)];
	struct fx f;
	uint64_t ids;
	unsigned int i, j;

	fx_init(&f, fd, EMU_VM_MIRROR);
	ids = vm_ids(fd);
	svmt_assert(ids);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		svmt_info("case %s", cases[i].what);
		memset(&c, 0, sizeof(c));
		c.flags = cases[i].flags;
		c.extensions = cases[i].extensions;
		c.reserved[0] = cases[i].reserved[0];
		c.reserved[1] = cases[i].reserved[1];
		c.vm_id = 0xdeadbeef;
		before = c;
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_CREATE, &c), EINVAL);
		svmt_assert(!memcmp(&c, &before, sizeof(c)));
		svmt_assert_eq_u64(vm_ids(fd), ids);
		fx_check(&f);
	}

	/* Unreadable argument; readable but not writable (the VM is undone). */
	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_CREATE, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_CREATE, prot_none_page()), EFAULT);
	svmt_info("case read-only argument");
	memset(&c, 0, sizeof(c));
	c.flags = EMU_VM_MIRROR;
	ro = ro_copy(&c, sizeof(c));
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_CREATE, ro), EFAULT);
	svmt_assert_eq_u64(vm_ids(fd), ids);
	fx_check(&f);

	/* Every good combination works, with distinct ids, and goes away. */
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		memset(&c, 0, sizeof(c));
		c.flags = good[i];
		svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_VM_CREATE, &c));
		svmt_assert(c.vm_id >= 1 && c.vm_id != f.vm.id);
		svmt_assert_eq_u64(c.flags, good[i]);
		ids_good[i] = c.vm_id;
		for (j = 0; j < i; j++)
			svmt_assert(ids_good[j] != c.vm_id);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++)
		svmt_assert_ok(__emu_vm_destroy(fd, ids_good[i]));
	svmt_assert_eq_u64(vm_ids(fd), ids);
	fx_check(&f);
	close(fd);
}

static void test_vm_destroy_bad(void)
{
	int fd = emu_open(), fd2;
	struct fx f;
	uint32_t dead, other = 0, id;
	struct {
		const char *what;
		struct drm_xe_vm_destroy d;
		int err;
	} cases[] = {
		{ "pad", { .pad = 1 }, EINVAL },
		{ "pad 1 << 31", { .pad = 1u << 31 }, EINVAL },
		{ "reserved[0]", { .reserved = { 1, 0 } }, EINVAL },
		{ "reserved[1]", { .reserved = { 0, 1 } }, EINVAL },
		{ "vm_id 0", { .vm_id = 0 }, ENOENT },
		{ "vm_id of a destroyed VM", { .vm_id = DEAD_VM }, ENOENT },
		{ "vm_id never created", { .vm_id = NO_VM }, ENOENT },
		{ "vm_id ~0", { .vm_id = ~0u }, ENOENT },
	};
	struct drm_xe_vm_destroy d, *ro;
	struct xe_svm_emu_op op;
	uint64_t ids;
	unsigned int i;

	svmt_assert(!emu_vm_exists(fd, NO_VM));
	/* The fixture's VM first: a destroyed id must stay unused. */
	fx_init(&f, fd, EMU_VM_MIRROR);
	dead = dead_vm_id(fd);
	ids = vm_ids(fd);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		svmt_info("case %s", cases[i].what);
		d = cases[i].d;
		/* The MBZ cases name the live VM: it must survive them. */
		if (cases[i].err == EINVAL)
			d.vm_id = f.vm.id;
		if (d.vm_id == DEAD_VM)
			d.vm_id = dead;
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_DESTROY, &d), cases[i].err);
		svmt_assert_eq_u64(vm_ids(fd), ids);
		fx_check(&f);
	}

	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_DESTROY, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_DESTROY, prot_none_page()), EFAULT);
	/* Read-only is fine: VM_DESTROY writes nothing back (but not this VM). */
	d = (struct drm_xe_vm_destroy){ .vm_id = dead };
	ro = ro_copy(&d, sizeof(d));
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_DESTROY, ro), ENOENT);
	fx_check(&f);

	/* Another file's VM is not this file's. */
	svmt_info("case another file's VM");
	fd2 = emu_open();
	for (i = 0; i < 8 && !other; i++) {
		svmt_assert_ok(__emu_vm_create(fd2, EMU_VM_FAULT, &id));
		if (!emu_vm_exists(fd, id))
			other = id;
	}
	svmt_assert(other);
	svmt_assert_eq_u64(__emu_vm_destroy(fd, other), (uint64_t)-ENOENT);
	svmt_assert(emu_vm_exists(fd2, other));
	svmt_assert_ok(close(fd2));
	fx_check(&f);

	/* Destroyed twice: the second time it is gone. */
	svmt_info("case destroyed twice");
	svmt_assert_ok(__emu_vm_create(fd, EMU_VM_MIRROR, &id));
	svmt_assert_ok(__emu_vm_destroy(fd, id));
	svmt_assert_eq_u64(__emu_vm_destroy(fd, id), (uint64_t)-ENOENT);
	fx_check(&f);

	/* The good call works on the fixture's VM, which is then gone. */
	id = f.vm.id;
	emu_vm_destroy(&f.vm);
	op = emu_op_read(f.buf);
	svmt_assert_eq_u64(__emu_exec(fd, id, &op, 1, NULL), (uint64_t)-ENOENT);
	svmt_assert(!emu_vm_exists(fd, id));
	emu_assert_linear(f.buf, FX_SIZE / 8, V1, S1);
	close(fd);
}

/* ------------------------------------------------------------------ */

/*
 * VM_BIND. The VM is in fault mode without the mirror flag; a window is
 * bound over A (4 MiB): its first half A1 is mapped by the GPU, its second
 * half A2 is mirrored but untouched. B (2 MiB) is not mirrored. Each row
 * is a good bind (mirror B, or unmap A2) with one thing wrong; had it run,
 * B would read on the GPU, or A2 would not.
 */
enum bind_base { MAP_B, UNMAP_A2 };
enum bind_vm { BVM_FAULT, BVM_PLAIN, BVM_LR, BVM_DEAD, BVM_ZERO, BVM_NONE };

struct field_patch {
	uint16_t off, size;
	uint64_t val;
	bool add;
};

#define FIELD(f)	offsetof(struct drm_xe_vm_bind, f), \
			sizeof(((struct drm_xe_vm_bind *)0)->f)
#define SET(f, v)	{ FIELD(f), (v), false }
#define ADD(f, v)	{ FIELD(f), (v), true }

struct bind_case {
	const char *what;
	enum bind_base base;
	enum bind_vm vm;
	struct field_patch p[2];
	int err;
};

#define MIRROR		DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR
#define TOP_VA		(1ULL << 48)

static const struct bind_case bind_cases[] = {
	/* struct drm_xe_vm_bind */
	{ "extensions", MAP_B, BVM_FAULT, { SET(extensions, 1) }, EINVAL },
	{ "pad", MAP_B, BVM_FAULT, { SET(pad, 1) }, EINVAL },
	{ "pad2", MAP_B, BVM_FAULT, { SET(pad2, 1) }, EINVAL },
	{ "reserved[0]", MAP_B, BVM_FAULT, { SET(reserved[0], 1) }, EINVAL },
	{ "reserved[1]", MAP_B, BVM_FAULT, { SET(reserved[1], 1ULL << 63) }, EINVAL },
	{ "num_syncs", MAP_B, BVM_FAULT, { SET(num_syncs, 1) }, EINVAL },
	{ "syncs", MAP_B, BVM_FAULT, { SET(syncs, 0x10000) }, EINVAL },
	{ "num_syncs and syncs", MAP_B, BVM_FAULT,
	  { SET(num_syncs, 1), SET(syncs, 0x10000) }, EINVAL },
	{ "exec_queue_id", MAP_B, BVM_FAULT, { SET(exec_queue_id, 1) }, EINVAL },
	{ "num_binds 0", MAP_B, BVM_FAULT, { SET(num_binds, 0) }, EINVAL },
	{ "vm_id of a destroyed VM", MAP_B, BVM_DEAD, {}, ENOENT },
	{ "vm_id 0", MAP_B, BVM_ZERO, {}, ENOENT },
	{ "vm_id never created", MAP_B, BVM_NONE, {}, ENOENT },

	/* A CPU address mirror MAP */
	{ "map: op extensions", MAP_B, BVM_FAULT, { SET(bind.extensions, 1) }, EINVAL },
	{ "map: op beyond PREFETCH", MAP_B, BVM_FAULT, { SET(bind.op, 5) }, EINVAL },
	{ "map: op ~0", MAP_B, BVM_FAULT, { SET(bind.op, ~0u) }, EINVAL },
	{ "map: mirror flag on UNMAP", MAP_B, BVM_FAULT,
	  { SET(bind.op, DRM_XE_VM_BIND_OP_UNMAP) }, EINVAL },
	{ "map: mirror flag on MAP_USERPTR", MAP_B, BVM_FAULT,
	  { SET(bind.op, DRM_XE_VM_BIND_OP_MAP_USERPTR) }, EINVAL },
	{ "map: mirror flag on PREFETCH", MAP_B, BVM_FAULT,
	  { SET(bind.op, DRM_XE_VM_BIND_OP_PREFETCH) }, EINVAL },
	{ "map: obj", MAP_B, BVM_FAULT, { SET(bind.obj, 1) }, EINVAL },
	{ "map: obj_offset", MAP_B, BVM_FAULT, { SET(bind.obj_offset, 0x1000) }, EINVAL },
	{ "map: prefetch_mem_region_instance", MAP_B, BVM_FAULT,
	  { SET(bind.prefetch_mem_region_instance, 1) }, EINVAL },
	{ "map: op pad", MAP_B, BVM_FAULT, { SET(bind.pad, 1) }, EINVAL },
	{ "map: op pad2", MAP_B, BVM_FAULT, { SET(bind.pad2, 1) }, EINVAL },
	{ "map: op reserved[0]", MAP_B, BVM_FAULT, { SET(bind.reserved[0], 1) }, EINVAL },
	{ "map: op reserved[2]", MAP_B, BVM_FAULT, { SET(bind.reserved[2], 1) }, EINVAL },
	{ "map: + READONLY", MAP_B, BVM_FAULT,
	  { SET(bind.flags, MIRROR | DRM_XE_VM_BIND_FLAG_READONLY) }, EINVAL },
	{ "map: + IMMEDIATE", MAP_B, BVM_FAULT,
	  { SET(bind.flags, MIRROR | DRM_XE_VM_BIND_FLAG_IMMEDIATE) }, EINVAL },
	{ "map: + NULL", MAP_B, BVM_FAULT,
	  { SET(bind.flags, MIRROR | DRM_XE_VM_BIND_FLAG_NULL) }, EINVAL },
	{ "map: + DUMPABLE", MAP_B, BVM_FAULT,
	  { SET(bind.flags, MIRROR | DRM_XE_VM_BIND_FLAG_DUMPABLE) }, EINVAL },
	{ "map: + flag 1 << 4", MAP_B, BVM_FAULT, { SET(bind.flags, MIRROR | 1u << 4) }, EINVAL },
	{ "map: + flag 1 << 7", MAP_B, BVM_FAULT, { SET(bind.flags, MIRROR | 1u << 7) }, EINVAL },
	{ "map: + flag 1 << 31", MAP_B, BVM_FAULT, { SET(bind.flags, MIRROR | 1u << 31) }, EINVAL },
	{ "map: pat_index 32", MAP_B, BVM_FAULT, { SET(bind.pat_index, 32) }, EINVAL },
	{ "map: pat_index 0xffff", MAP_B, BVM_FAULT, { SET(bind.pat_index, 0xffff) }, EINVAL },
	{ "map: addr + 8", MAP_B, BVM_FAULT, { ADD(bind.addr, 8) }, EINVAL },
	{ "map: addr + 0x800", MAP_B, BVM_FAULT, { ADD(bind.addr, 0x800) }, EINVAL },
	{ "map: range 0", MAP_B, BVM_FAULT, { SET(bind.range, 0) }, EINVAL },
	{ "map: range 8", MAP_B, BVM_FAULT, { SET(bind.range, 8) }, EINVAL },
	{ "map: range + 0x800", MAP_B, BVM_FAULT, { ADD(bind.range, 0x800) }, EINVAL },
	{ "map: range - 1", MAP_B, BVM_FAULT, { ADD(bind.range, ~0ULL) }, EINVAL },
	{ "map: addr + range wraps", MAP_B, BVM_FAULT,
	  { SET(bind.addr, 0xfffffffffffff000ULL), SET(bind.range, 0x2000) }, EINVAL },
	{ "map: range wraps from B", MAP_B, BVM_FAULT,
	  { SET(bind.range, 0xfffffffffffff000ULL) }, EINVAL },
	{ "map: crosses the 48-bit end", MAP_B, BVM_FAULT,
	  { SET(bind.addr, TOP_VA - 0x1000), SET(bind.range, 0x2000) }, EINVAL },
	{ "map: starts at the 48-bit end", MAP_B, BVM_FAULT,
	  { SET(bind.addr, TOP_VA), SET(bind.range, 0x1000) }, EINVAL },
	{ "map: on a plain VM", MAP_B, BVM_PLAIN, {}, EINVAL },
	{ "map: on an LR VM not in fault mode", MAP_B, BVM_LR, {}, EINVAL },

	/* What the emulated device has no objects for */
	{ "MAP without the mirror flag", MAP_B, BVM_FAULT, { SET(bind.flags, 0) }, EOPNOTSUPP },
	{ "MAP_USERPTR", MAP_B, BVM_FAULT,
	  { SET(bind.op, DRM_XE_VM_BIND_OP_MAP_USERPTR), SET(bind.flags, 0) }, EOPNOTSUPP },
	{ "UNMAP_ALL", MAP_B, BVM_FAULT,
	  { SET(bind.op, DRM_XE_VM_BIND_OP_UNMAP_ALL), SET(bind.flags, 0) }, EOPNOTSUPP },
	/* PREFETCH itself is tested in xe_svm_prefetch; a flag on it here. */
	{ "PREFETCH with READONLY", MAP_B, BVM_FAULT,
	  { SET(bind.op, DRM_XE_VM_BIND_OP_PREFETCH),
	    SET(bind.flags, DRM_XE_VM_BIND_FLAG_READONLY) }, EINVAL },
	{ "op beyond PREFETCH, no flag", MAP_B, BVM_FAULT,
	  { SET(bind.op, 5), SET(bind.flags, 0) }, EINVAL },

	/* UNMAP */
	{ "unmap: READONLY", UNMAP_A2, BVM_FAULT,
	  { SET(bind.flags, DRM_XE_VM_BIND_FLAG_READONLY) }, EINVAL },
	{ "unmap: flag 1 << 31", UNMAP_A2, BVM_FAULT, { SET(bind.flags, 1u << 31) }, EINVAL },
	{ "unmap: op extensions", UNMAP_A2, BVM_FAULT, { SET(bind.extensions, 1) }, EINVAL },
	{ "unmap: obj", UNMAP_A2, BVM_FAULT, { SET(bind.obj, 1) }, EINVAL },
	{ "unmap: obj_offset", UNMAP_A2, BVM_FAULT, { SET(bind.obj_offset, 0x1000) }, EINVAL },
	{ "unmap: prefetch_mem_region_instance", UNMAP_A2, BVM_FAULT,
	  { SET(bind.prefetch_mem_region_instance, 1) }, EINVAL },
	{ "unmap: op pad", UNMAP_A2, BVM_FAULT, { SET(bind.pad, 1) }, EINVAL },
	{ "unmap: op pad2", UNMAP_A2, BVM_FAULT, { SET(bind.pad2, 1) }, EINVAL },
	{ "unmap: op reserved[1]", UNMAP_A2, BVM_FAULT, { SET(bind.reserved[1], 1) }, EINVAL },
	{ "unmap: addr + 8", UNMAP_A2, BVM_FAULT, { ADD(bind.addr, 8) }, EINVAL },
	{ "unmap: range 0", UNMAP_A2, BVM_FAULT, { SET(bind.range, 0) }, EINVAL },
	{ "unmap: range + 0x800", UNMAP_A2, BVM_FAULT, { ADD(bind.range, 0x800) }, EINVAL },
	{ "unmap: addr + range wraps", UNMAP_A2, BVM_FAULT,
	  { SET(bind.addr, 0xfffffffffffff000ULL), SET(bind.range, 0x2000) }, EINVAL },
	{ "unmap: crosses the 48-bit end", UNMAP_A2, BVM_FAULT,
	  { SET(bind.addr, TOP_VA - 0x1000), SET(bind.range, 0x2000) }, EINVAL },
	{ "unmap: vm_id of a destroyed VM", UNMAP_A2, BVM_DEAD, {}, ENOENT },
	{ "unmap: num_syncs", UNMAP_A2, BVM_FAULT, { SET(num_syncs, 1) }, EINVAL },
};

struct bind_fx {
	int fd;
	struct emu_vm vm;
	uint32_t plain, lr, dead;
	uint64_t *a, *b;
	struct xe_svm_emu_stats st;
	uint32_t *snap_a, *snap_b;
};

#define A_SIZE (2 * SZ_2M)
#define B_SIZE SZ_2M

static void patch(void *base, const struct field_patch *p)
{
	uint64_t v = 0;

	if (!p->size)
		return;
	memcpy(&v, (char *)base + p->off, p->size);	/* little endian */
	v = p->add ? v + p->val : p->val;
	memcpy((char *)base + p->off, &v, p->size);
}

static struct drm_xe_vm_bind bind_base(struct bind_fx *f, enum bind_base base)
{
	struct drm_xe_vm_bind b = { .vm_id = f->vm.id, .num_binds = 1 };

	if (base == MAP_B)
		b.bind = emu_bind_op(DRM_XE_VM_BIND_OP_MAP, MIRROR,
				     (uintptr_t)f->b, B_SIZE);
	else
		b.bind = emu_bind_op(DRM_XE_VM_BIND_OP_UNMAP, 0,
				     (uintptr_t)f->a + A_SIZE / 2, A_SIZE / 2);
	return b;
}

static void bind_fx_baseline(struct bind_fx *f)
{
	free(f->snap_a);
	free(f->snap_b);
	f->st = emu_stats(&f->vm);
	f->snap_a = emu_snapshot_alloc(&f->vm, f->a, A_SIZE);
	f->snap_b = emu_snapshot_alloc(&f->vm, f->b, B_SIZE);
}

/* Nothing changed: counters, GPU page table, memory; A1 mapped, B not. */
#define bind_fx_check(f) bind_fx_check_at(__FILE__, __LINE__, (f))
static void bind_fx_check_at(const char *file, int line, struct bind_fx *f)
{
	struct xe_svm_emu_stats st = emu_stats(&f->vm);
	uint32_t *sa = emu_snapshot_alloc(&f->vm, f->a, A_SIZE);
	uint32_t *sb = emu_snapshot_alloc(&f->vm, f->b, B_SIZE);
	int r;

	stats_same_at(file, line, &f->st, &st);
	if (memcmp(sa, f->snap_a, A_SIZE / SZ_4K * 4) ||
	    memcmp(sb, f->snap_b, B_SIZE / SZ_4K * 4))
		svmt_fail(file, line, "the GPU page table changed");
	emu_assert_linear_at(file, line, f->a, A_SIZE / 8, V1, S1);
	emu_assert_linear_at(file, line, f->b, B_SIZE / 8, V2, S2);
	emu_assert_gpu_linear_at(file, line, &f->vm, f->a, A_SIZE / 2, V1, S1);
	if (f->vm.faults)
		svmt_fail(file, line, "A1 took %" PRIu64 " faults", f->vm.faults);
	r = emu_read(&f->vm, f->b, NULL);
	if (r != -EFAULT)
		svmt_fail(file, line, "GPU read of B: %d %s, expected -EFAULT (B got mirrored?)",
			  r, emu_errname(r));
	st = emu_stats(&f->vm);
	stats_same_at(file, line, &f->st, &st);
	free(sa);
	free(sb);
}

static void bind_fx_init(struct bind_fx *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = emu_open();
	f->vm = emu_vm_create(f->fd, EMU_VM_FAULT);
	/* System memory, as the fixture's (fx_init()): the checks read A on the CPU. */
	emu_vm_placement(&f->vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	svmt_assert_ok(__emu_vm_create(f->fd, 0, &f->plain));
	svmt_assert_ok(__emu_vm_create(f->fd, DRM_XE_VM_CREATE_FLAG_LR_MODE, &f->lr));
	f->dead = dead_vm_id(f->fd);
	svmt_assert(!emu_vm_exists(f->fd, NO_VM));
	f->a = emu_anon_2m(A_SIZE);
	f->b = emu_anon_2m(B_SIZE);
	emu_fill_linear(f->a, A_SIZE / 8, V1, S1);
	emu_fill_linear(f->b, B_SIZE / 8, V2, S2);
	emu_mirror(&f->vm, f->a, A_SIZE);
	emu_assert_gpu_linear(&f->vm, f->a, A_SIZE / 2, V1, S1);
	svmt_assert_eq_u64(f->vm.faults, 1);
	bind_fx_baseline(f);
}

static uint32_t bind_vm_id(struct bind_fx *f, enum bind_vm vm)
{
	switch (vm) {
	case BVM_PLAIN: return f->plain;
	case BVM_LR: return f->lr;
	case BVM_DEAD: return f->dead;
	case BVM_ZERO: return 0;
	case BVM_NONE: return NO_VM;
	default: return f->vm.id;
	}
}

static void test_vm_bind_bad(void)
{
	struct bind_fx f;
	struct drm_xe_vm_bind b, before;
	struct drm_xe_vm_bind_op ops[2], *ro;
	uint64_t *c, out;
	unsigned int i;

	bind_fx_init(&f);

	for (i = 0; i < ARRAY_SIZE(bind_cases); i++) {
		const struct bind_case *bc = &bind_cases[i];

		svmt_info("case %s", bc->what);
		b = bind_base(&f, bc->base);
		b.vm_id = bind_vm_id(&f, bc->vm);
		patch(&b, &bc->p[0]);
		patch(&b, &bc->p[1]);
		before = b;
		svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b), bc->err);
		svmt_assert(!memcmp(&b, &before, sizeof(b)));
		bind_fx_check(&f);
	}

	/* Vectors of binds: bad pointers, and a bad op after a good one. */
	svmt_info("case vector: NULL");
	b = bind_base(&f, MAP_B);
	b.num_binds = 2;
	b.vector_of_binds = 0;
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b), EFAULT);
	b.vector_of_binds = (uintptr_t)-4096L;
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b), EFAULT);
	b.vector_of_binds = (uintptr_t)prot_none_page();
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b), EFAULT);
	bind_fx_check(&f);

	svmt_info("case vector: second op not readable");
	ro = emu_map_aligned(2 * SZ_4K, SZ_4K, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	svmt_assert_ok(munmap((char *)ro + SZ_4K, SZ_4K));
	ro = (struct drm_xe_vm_bind_op *)((char *)ro + SZ_4K) - 1;
	*ro = bind_base(&f, MAP_B).bind;
	b.vector_of_binds = (uintptr_t)ro;
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b), EFAULT);
	bind_fx_check(&f);

	{
		static const struct {
			const char *what;
			enum bind_base first;
			struct field_patch second;
			int err;
		} vcases[] = {
			{ "vector: mirror B, then a flag too many", MAP_B,
			  SET(bind.flags, MIRROR | DRM_XE_VM_BIND_FLAG_READONLY), EINVAL },
			{ "vector: mirror B, then pat_index 32", MAP_B,
			  SET(bind.pat_index, 32), EINVAL },
			{ "vector: mirror B, then PREFETCH", MAP_B,
			  SET(bind.op, DRM_XE_VM_BIND_OP_PREFETCH), EINVAL },
			{ "vector: unmap A2, then op 7", UNMAP_A2, SET(bind.op, 7), EINVAL },
			{ "vector: unmap A2, then range 0", UNMAP_A2, SET(bind.range, 0), EINVAL },
		};

		for (i = 0; i < ARRAY_SIZE(vcases); i++) {
			svmt_info("case %s", vcases[i].what);
			b = bind_base(&f, vcases[i].first);
			ops[0] = b.bind;
			/* patch() works on struct drm_xe_vm_bind: patch b, copy. */
			patch(&b, &vcases[i].second);
			ops[1] = b.bind;
			memset(&b.bind, 0, sizeof(b.bind));
			b.num_binds = 2;
			b.vector_of_binds = (uintptr_t)ops;
			svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b),
					  vcases[i].err);
			bind_fx_check(&f);
		}
	}
	svmt_info("case vector: mirror B, then UNMAP_ALL");
	b = bind_base(&f, MAP_B);
	ops[0] = b.bind;
	ops[1] = emu_bind_op(DRM_XE_VM_BIND_OP_UNMAP_ALL, 0, 0x100000, 0x1000);
	memset(&b.bind, 0, sizeof(b.bind));
	b.num_binds = 2;
	b.vector_of_binds = (uintptr_t)ops;
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b), EOPNOTSUPP);
	bind_fx_check(&f);

	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, NULL), EFAULT);
	svmt_assert_errno(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, prot_none_page()), EFAULT);
	bind_fx_check(&f);

	/* No row unmapped A2: it is still mirrored. */
	emu_assert_gpu_linear(&f.vm, &f.a[A_SIZE / 16], A_SIZE / 2,
			      V1 + A_SIZE / 16 * S1, S1);
	svmt_assert_eq_u64(f.vm.faults, 1);

	/* Good binds. Unmapping where nothing is mirrored succeeds. */
	svmt_assert_ok(__emu_unmirror(f.fd, f.vm.id, 1ULL << 40, SZ_2M));
	svmt_assert_ok(__emu_unmirror(f.fd, f.vm.id, TOP_VA - SZ_4K, SZ_4K));
	/* The very top page of the VA space can be mirrored. */
	svmt_assert_ok(__emu_mirror(f.fd, f.vm.id, TOP_VA - SZ_4K, SZ_4K));
	svmt_assert_ok(__emu_unmirror(f.fd, f.vm.id, TOP_VA - SZ_4K, SZ_4K));
	/* Mirroring A again, over itself, leaves its ranges alone. */
	emu_mirror(&f.vm, f.a, A_SIZE);
	emu_assert_gpu_linear(&f.vm, f.a, A_SIZE, V1, S1);
	svmt_assert_eq_u64(f.vm.faults, 0);
	/* pat_index 31 is valid. */
	b = bind_base(&f, MAP_B);
	b.bind.pat_index = 31;
	svmt_assert_ok(ioctl(f.fd, XE_SVM_EMU_IOCTL_VM_BIND, &b));
	emu_assert_gpu_linear(&f.vm, f.b, B_SIZE, V2, S2);
	svmt_assert_eq_u64(f.vm.faults, 1);

	/* A vector of two good binds: both run. */
	c = emu_anon_2m(2 * SZ_2M);
	emu_fill_linear(c, 2 * SZ_2M / 8, V2, S1);
	ops[0] = emu_bind_op(DRM_XE_VM_BIND_OP_MAP, MIRROR, (uintptr_t)c, SZ_2M);
	ops[1] = emu_bind_op(DRM_XE_VM_BIND_OP_MAP, MIRROR, (uintptr_t)c + SZ_2M, SZ_2M);
	svmt_assert_ok(__emu_bind_ops(f.fd, f.vm.id, ops, 2));
	emu_assert_gpu_linear(&f.vm, c, 2 * SZ_2M, V2, S1);
	svmt_assert_eq_u64(f.vm.faults, 2);

	/*
	 * A vector whose second op fails when it runs: the first stays done.
	 * B's memory goes away (so B may be unbound) and comes back fresh;
	 * A is still mapped by the GPU (so unbinding it is -EBUSY).
	 */
	svmt_assert_ok(munmap(f.b, B_SIZE));
	svmt_assert(mmap(f.b, B_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == f.b);
	emu_fill_linear(f.b, B_SIZE / 8, V2, S2);
	ops[0] = emu_bind_op(DRM_XE_VM_BIND_OP_UNMAP, 0, (uintptr_t)f.b, B_SIZE);
	ops[1] = emu_bind_op(DRM_XE_VM_BIND_OP_UNMAP, 0, (uintptr_t)f.a, A_SIZE);
	svmt_assert_eq_u64(__emu_bind_ops(f.fd, f.vm.id, ops, 2), (uint64_t)-EBUSY);
	emu_assert_result(emu_read(&f.vm, f.b, NULL), -EFAULT);
	emu_assert_result(emu_read(&f.vm, f.a, &out), 0);
	svmt_assert_eq_u64(out, V1);
	svmt_assert_eq_u64(f.vm.faults, 0);
	emu_assert_gpu_linear(&f.vm, c, 2 * SZ_2M, V2, S1);
	svmt_assert_eq_u64(f.vm.faults, 0);
	close(f.fd);
}

/* ------------------------------------------------------------------ */

enum exec_vm { EVM_OK, EVM_ZERO, EVM_DEAD, EVM_NONE };

struct exec_case {
	const char *what;
	struct xe_svm_emu_exec exec;	/* ops and (for EVM_OK) vm_id filled in */
	enum exec_vm vm;
	unsigned int nops;
	struct xe_svm_emu_op op[2];
	int err;
};

static void test_exec_bad(void)
{
	int fd = emu_open();
	struct fx f;
	uint64_t *t, wrap = 0ULL - 8;
	uint32_t dead;
	struct xe_svm_emu_op good, *page_end, *ro;
	struct exec_case *cases;
	struct xe_svm_emu_exec e;
	unsigned int i, n = 0;
	uint64_t faults;
	pid_t pid;

	fx_init(&f, fd, EMU_VM_MIRROR);
	dead = dead_vm_id(fd);
	t = f.buf;
	good = emu_op_write(&t[0], 9);
	cases = calloc(128, sizeof(*cases));
	svmt_assert(cases);

#define EXEC_CASE(w, err_, nops_, vm_, ...) do {				\
	struct exec_case c_ = { .what = (w), .err = (err_), .nops = (nops_),	\
				.vm = (vm_), __VA_ARGS__ };			\
	svmt_assert(n < 128);							\
	cases[n++] = c_;							\
} while (0)
#define OP(kind, a, sz, v, st) { .addr = (uintptr_t)(a), .size = (sz), .value = (v), \
				 .step = (st), .op = (kind), .out = 0x5a5a5a5a5a5a5a5aULL, \
				 .result = 1 }
#define W	XE_SVM_EMU_OP_WRITE
#define R	XE_SVM_EMU_OP_READ
#define A	XE_SVM_EMU_OP_ATOMIC_ADD
#define F	XE_SVM_EMU_OP_FILL
#define C	XE_SVM_EMU_OP_COMPARE

	/* struct xe_svm_emu_exec */
	EXEC_CASE("flags 1", EINVAL, 1, EVM_OK, .exec.flags = 1, .op = { good });
	EXEC_CASE("flags 1 << 31", EINVAL, 1, EVM_OK, .exec.flags = 1u << 31, .op = { good });
	EXEC_CASE("pad", EINVAL, 1, EVM_OK, .exec.pad = 1, .op = { good });
	EXEC_CASE("reserved[0]", EINVAL, 1, EVM_OK, .exec.reserved = { 1, 0 }, .op = { good });
	EXEC_CASE("reserved[1]", EINVAL, 1, EVM_OK, .exec.reserved = { 0, 1 }, .op = { good });
	EXEC_CASE("num_ops 0", EINVAL, 0, EVM_OK, .op = { good });
	EXEC_CASE("num_ops MAX + 1", EINVAL, XE_SVM_EMU_MAX_OPS + 1, EVM_OK, .op = { good });
	EXEC_CASE("num_ops ~0", EINVAL, ~0u, EVM_OK, .op = { good });
	EXEC_CASE("vm_id 0", ENOENT, 1, EVM_ZERO, .op = { good });
	EXEC_CASE("vm_id of a destroyed VM", ENOENT, 1, EVM_DEAD, .op = { good });
	EXEC_CASE("vm_id never created", ENOENT, 1, EVM_NONE, .op = { good });

	/* struct xe_svm_emu_op */
	EXEC_CASE("op MAX + 1", EINVAL, 1, EVM_OK, .op = { OP(XE_SVM_EMU_OP_MAX + 1, t, 0, 0, 0) });
	EXEC_CASE("op ~0", EINVAL, 1, EVM_OK, .op = { OP(~0u, t, 0, 0, 0) });
	EXEC_CASE("READ addr + 4", EINVAL, 1, EVM_OK, .op = { OP(R, (char *)t + 4, 0, 0, 0) });
	EXEC_CASE("WRITE addr + 1", EINVAL, 1, EVM_OK, .op = { OP(W, (char *)t + 1, 0, 9, 0) });
	EXEC_CASE("ATOMIC_ADD addr + 2", EINVAL, 1, EVM_OK,
		  .op = { OP(A, (char *)t + 2, 0, 9, 0) });
	EXEC_CASE("FILL addr + 4", EINVAL, 1, EVM_OK, .op = { OP(F, (char *)t + 4, 8, 9, 0) });
	EXEC_CASE("COMPARE addr + 7", EINVAL, 1, EVM_OK,
		  .op = { OP(C, (char *)t + 7, 8, 9, 0) });
	EXEC_CASE("READ size 8", EINVAL, 1, EVM_OK, .op = { OP(R, t, 8, 0, 0) });
	EXEC_CASE("WRITE size 8", EINVAL, 1, EVM_OK, .op = { OP(W, t, 8, 9, 0) });
	EXEC_CASE("ATOMIC_ADD size 8", EINVAL, 1, EVM_OK, .op = { OP(A, t, 8, 9, 0) });
	EXEC_CASE("READ step 1", EINVAL, 1, EVM_OK, .op = { OP(R, t, 0, 0, 1) });
	EXEC_CASE("WRITE step 1", EINVAL, 1, EVM_OK, .op = { OP(W, t, 0, 9, 1) });
	EXEC_CASE("ATOMIC_ADD step 1", EINVAL, 1, EVM_OK, .op = { OP(A, t, 0, 9, 1) });
	EXEC_CASE("FILL size 0", EINVAL, 1, EVM_OK, .op = { OP(F, t, 0, 9, 1) });
	EXEC_CASE("FILL size 4", EINVAL, 1, EVM_OK, .op = { OP(F, t, 4, 9, 1) });
	EXEC_CASE("FILL size 12", EINVAL, 1, EVM_OK, .op = { OP(F, t, 12, 9, 1) });
	EXEC_CASE("FILL size MAX + 8", EINVAL, 1, EVM_OK,
		  .op = { OP(F, t, XE_SVM_EMU_MAX_OP_SIZE + 8, 9, 1) });
	EXEC_CASE("FILL size 1 << 63", EINVAL, 1, EVM_OK, .op = { OP(F, t, 1ULL << 63, 9, 1) });
	EXEC_CASE("FILL wraps", EINVAL, 1, EVM_OK, .op = { OP(F, wrap, 16, 9, 1) });
	EXEC_CASE("COMPARE size 0", EINVAL, 1, EVM_OK, .op = { OP(C, t, 0, V1, S1) });
	EXEC_CASE("COMPARE size 4", EINVAL, 1, EVM_OK, .op = { OP(C, t, 4, V1, S1) });
	EXEC_CASE("COMPARE size 12", EINVAL, 1, EVM_OK, .op = { OP(C, t, 12, V1, S1) });
	EXEC_CASE("COMPARE size MAX + 8", EINVAL, 1, EVM_OK,
		  .op = { OP(C, t, XE_SVM_EMU_MAX_OP_SIZE + 8, V1, S1) });
	EXEC_CASE("COMPARE wraps", EINVAL, 1, EVM_OK, .op = { OP(C, wrap, 16, V1, S1) });
	/* A bad op after a good one: the good one did not run either. */
	EXEC_CASE("good WRITE, then op MAX + 1", EINVAL, 2, EVM_OK,
		  .op = { good, OP(XE_SVM_EMU_OP_MAX + 1, t, 0, 0, 0) });
	EXEC_CASE("good FILL, then COMPARE size 0", EINVAL, 2, EVM_OK,
		  .op = { OP(F, t, FX_SIZE, 7, 7), OP(C, t, 0, 7, 7) });
	EXEC_CASE("good ATOMIC_ADD, then unaligned READ", EINVAL, 2, EVM_OK,
		  .op = { OP(A, t, 0, 1, 0), OP(R, (char *)t + 3, 0, 0, 0) });

	for (i = 0; i < n; i++) {
		struct exec_case *c = &cases[i];
		struct xe_svm_emu_op saved[2];

		svmt_info("case %s", c->what);
		c->exec.ops = (uintptr_t)c->op;
		c->exec.num_ops = c->nops;
		c->exec.vm_id = c->vm == EVM_OK ? f.vm.id : c->vm == EVM_DEAD ? dead :
				c->vm == EVM_NONE ? NO_VM : 0;
		c->exec.faults = 0x5a5a;
		memcpy(saved, c->op, sizeof(saved));
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &c->exec), c->err);
		/* Nothing written back: not the ops, not the fault count. */
		svmt_assert(!memcmp(saved, c->op, sizeof(saved)));
		svmt_assert_eq_u64(c->exec.faults, 0x5a5a);
		fx_check(&f);
	}

	/* Unreadable ops: nothing ran. */
	svmt_info("case ops NULL");
	e = (struct xe_svm_emu_exec){ .ops = 0, .num_ops = 1, .vm_id = f.vm.id };
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &e), EFAULT);
	e.ops = (uintptr_t)-4096L;
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &e), EFAULT);
	e.ops = (uintptr_t)prot_none_page();
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &e), EFAULT);
	fx_check(&f);
	svmt_info("case ops array runs into unmapped memory");
	page_end = emu_map_aligned(2 * SZ_4K, SZ_4K, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	svmt_assert_ok(munmap((char *)page_end + SZ_4K, SZ_4K));
	page_end = (struct xe_svm_emu_op *)((char *)page_end + SZ_4K) - 1;
	*page_end = good;
	e.ops = (uintptr_t)page_end;
	e.num_ops = 2;
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &e), EFAULT);
	fx_check(&f);
	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, prot_none_page()), EFAULT);
	fx_check(&f);

	/* Another process (a forked child) may not drive this VM. */
	svmt_info("case EXEC from another process");
	pid = fork();
	svmt_assert(pid >= 0);
	if (pid == 0) {
		struct xe_svm_emu_op w = emu_op_write(&t[1], 9);
		int err = __emu_exec(fd, f.vm.id, &w, 1, NULL);

		_exit(err == -EINVAL && w.result == 1 && t[1] == V1 + S1 ? 0 : 1);
	}
	emu_wait_ok(pid);
	/* fork write-protected the buffer: new baseline, then nothing more. */
	emu_assert_gpu_linear(&f.vm, f.buf, FX_SIZE, V1, S1);
	fx_baseline(&f);
	fx_check(&f);

	/*
	 * Ops readable but not writable: they ran (a READ here), the results
	 * could not be written back.
	 */
	svmt_info("case read-only ops");
	good = emu_op_read(&t[2]);
	ro = ro_copy(&good, sizeof(good));
	e = (struct xe_svm_emu_exec){ .ops = (uintptr_t)ro, .num_ops = 1, .vm_id = f.vm.id };
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &e), EFAULT);
	fx_check(&f);

	/* And the good call works (one fault: fork left the mapping read-only). */
	good = emu_op_write(&t[0], 9);
	faults = emu_exec(&f.vm, &good, 1);
	emu_assert_result(good.result, 0);
	svmt_assert_eq_u64(faults, 1);
	svmt_assert_eq_u64(t[0], 9);
	free(cases);
	close(fd);
#undef EXEC_CASE
#undef OP
#undef W
#undef R
#undef A
#undef F
#undef C
}

/* ------------------------------------------------------------------ */

static void test_snapshot_bad(void)
{
	enum { NP = FX_SIZE / SZ_4K };
	int fd = emu_open();
	struct fx f;
	uint32_t dead;
	uint32_t *e = calloc(NP, sizeof(*e)), *big;
	struct xe_svm_emu_snapshot base, s;
	struct {
		const char *what;
		struct xe_svm_emu_snapshot patch;	/* the fields set */
		unsigned int which;			/* which fields to take */
		int err;
	} cases[] = {
#define SNAP_FLAGS	1
#define SNAP_PAD	2
#define SNAP_RES0	4
#define SNAP_RES1	8
#define SNAP_ADDR	16
#define SNAP_NPAGES	32
#define SNAP_VM		64
		{ "flags 1", { .flags = 1 }, SNAP_FLAGS, EINVAL },
		{ "flags 1 << 31", { .flags = 1u << 31 }, SNAP_FLAGS, EINVAL },
		{ "pad", { .pad = 1 }, SNAP_PAD, EINVAL },
		{ "reserved[0]", { .reserved = { 1, 0 } }, SNAP_RES0, EINVAL },
		{ "reserved[1]", { .reserved = { 0, 1 } }, SNAP_RES1, EINVAL },
		{ "addr + 8", { .addr = 8 }, SNAP_ADDR, EINVAL },
		{ "addr + 0x800", { .addr = 0x800 }, SNAP_ADDR, EINVAL },
		{ "npages 0", { .npages = 0 }, SNAP_NPAGES, EINVAL },
		{ "npages MAX + 1", { .npages = XE_SVM_EMU_MAX_SNAPSHOT + 1 }, SNAP_NPAGES, EINVAL },
		{ "npages ~0", { .npages = ~0u }, SNAP_NPAGES, EINVAL },
		{ "vm_id 0", { .vm_id = 0 }, SNAP_VM, ENOENT },
		{ "vm_id of a destroyed VM", { .vm_id = DEAD_VM }, SNAP_VM, ENOENT },
		{ "vm_id never created", { .vm_id = NO_VM }, SNAP_VM, ENOENT },
	};
	unsigned int i;

	svmt_assert(e);
	fx_init(&f, fd, EMU_VM_MIRROR);
	dead = dead_vm_id(fd);
	base = (struct xe_svm_emu_snapshot){ .addr = (uintptr_t)f.buf,
		.entries = (uintptr_t)e, .npages = NP, .vm_id = f.vm.id };

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int w = cases[i].which;

		svmt_info("case %s", cases[i].what);
		s = base;
		if (w & SNAP_FLAGS)
			s.flags = cases[i].patch.flags;
		if (w & SNAP_PAD)
			s.pad = cases[i].patch.pad;
		if (w & SNAP_RES0)
			s.reserved[0] = cases[i].patch.reserved[0];
		if (w & SNAP_RES1)
			s.reserved[1] = cases[i].patch.reserved[1];
		if (w & SNAP_ADDR)
			s.addr += cases[i].patch.addr;
		if (w & SNAP_NPAGES)
			s.npages = cases[i].patch.npages;
		if (w & SNAP_VM)
			s.vm_id = cases[i].patch.vm_id == DEAD_VM ? dead : cases[i].patch.vm_id;
		memset(e, 0xa5, NP * sizeof(*e));
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &s), cases[i].err);
		/* Nothing written. */
		for (unsigned int k = 0; k < NP; k++)
			svmt_assert_eq_u64(e[k], 0xa5a5a5a5);
		fx_check(&f);
	}

	svmt_info("case entries not writable");
	s = base;
	s.entries = 0;
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &s), EFAULT);
	s.entries = (uintptr_t)-4096L;
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &s), EFAULT);
	s.npages = 1;
	s.entries = (uintptr_t)ro_copy(e, 4);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &s), EFAULT);
	s.entries = (uintptr_t)prot_none_page();
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &s), EFAULT);
	fx_check(&f);
	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, prot_none_page()), EFAULT);
	fx_check(&f);

	/* The largest snapshot works, and faults nothing in. */
	big = calloc(XE_SVM_EMU_MAX_SNAPSHOT, sizeof(*big));
	svmt_assert(big);
	memset(big, 0xa5, XE_SVM_EMU_MAX_SNAPSHOT * sizeof(*big));
	emu_snapshot(&f.vm, f.buf, big, XE_SVM_EMU_MAX_SNAPSHOT);
	svmt_assert(!memcmp(big, f.snap, NP * sizeof(*big)));
	for (i = NP; i < XE_SVM_EMU_MAX_SNAPSHOT; i++)
		svmt_assert_eq_u64(big[i], 0);
	/* Anywhere in the VA space: unmapped pages are zero. */
	emu_snapshot(&f.vm, (void *)(1UL << 47), big, 16);
	emu_snapshot(&f.vm, (void *)((1UL << 48) - 16 * SZ_4K), big + 16, 16);
	for (i = 0; i < 32; i++)
		svmt_assert_eq_u64(big[i], 0);
	fx_check(&f);
	free(big);
	free(e);
	close(fd);
}

static void test_stats_bad(void)
{
	int fd = emu_open();
	struct fx f;
	uint32_t dead;
	struct xe_svm_emu_stats s, before, good, *ro;
	unsigned int i;

	fx_init(&f, fd, EMU_VM_MIRROR);
	dead = dead_vm_id(fd);
	good = emu_stats(&f.vm);

#define STATS_TRY(what, err, ...) do {					\
	svmt_info("case %s", what);					\
	memset(&s, 0x5a, sizeof(s));					\
	s.vm_id = f.vm.id;						\
	s.flags = 0;							\
	memset(s.reserved, 0, sizeof(s.reserved));			\
	__VA_ARGS__;							\
	before = s;							\
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_STATS, &s), err);	\
	svmt_assert(!memcmp(&s, &before, sizeof(s)));			\
	fx_check(&f);							\
} while (0)

	STATS_TRY("flags 1", EINVAL, s.flags = 1);
	STATS_TRY("flags 1 << 31", EINVAL, s.flags = 1u << 31);
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++) {
		char what[32];

		snprintf(what, sizeof(what), "reserved[%u]", i);
		STATS_TRY(what, EINVAL, s.reserved[i] = 1ULL << (i * 20));
		snprintf(what, sizeof(what), "reserved[%u] 1 << 63", i);
		STATS_TRY(what, EINVAL, s.reserved[i] = 1ULL << 63);
	}
	STATS_TRY("vm_id 0", ENOENT, s.vm_id = 0);
	STATS_TRY("vm_id of a destroyed VM", ENOENT, s.vm_id = dead);
	STATS_TRY("vm_id never created", ENOENT, s.vm_id = NO_VM);
#undef STATS_TRY

	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_STATS, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_STATS, (void *)-4096L), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_STATS, prot_none_page()), EFAULT);
	svmt_info("case read-only argument");
	memset(&s, 0, sizeof(s));
	s.vm_id = f.vm.id;
	ro = ro_copy(&s, sizeof(s));
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_STATS, ro), EFAULT);
	fx_check(&f);

	/* The out fields are outputs only: garbage in them is fine. */
	memset(&s, 0x5a, sizeof(s));
	s.vm_id = f.vm.id;
	s.flags = 0;
	memset(s.reserved, 0, sizeof(s.reserved));
	svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_STATS, &s));
	emu_assert_stats_same(&good, &s);
	svmt_assert_eq_u64(s.vm_id, f.vm.id);
	svmt_assert_eq_u64(s.ranges_live, s.ranges_created - s.ranges_destroyed);
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++)
		svmt_assert_eq_u64(s.reserved[i], 0);
	/*
	 * What the fixture did: one fault, one 2 MiB range, 512 pages mapped,
	 * all in system memory (its placement).
	 */
	svmt_assert_eq_u64(s.faults, 1);
	svmt_assert_eq_u64(s.ranges_created, 1);
	svmt_assert_eq_u64(s.ranges_live, 1);
	svmt_assert_eq_u64(s.dma_mapped_pages, FX_SIZE / SZ_4K);
	svmt_assert_eq_u64(s.vram_migrations, 0);
	svmt_assert_eq_u64(s.vram_fallbacks, 0);
	close(fd);
}

/* ------------------------------------------------------------------ */

/*
 * GPU-read a fresh 2 MiB buffer the CPU filled (one fault: one 2 MiB
 * range of anonymous private memory, which the default placement moves to
 * VRAM) and return how many of its pages the GPU maps from VRAM. The
 * buffer stays mapped: unmapping it would make the fixture's counters
 * change behind its back (invalidation, garbage collection).
 */
static unsigned int fresh_vram_pages(struct emu_vm *vm)
{
	uint64_t *p = emu_anon_2m(SZ_2M);
	unsigned int i, n = 0;
	uint32_t *e;

	emu_fill_linear(p, SZ_2M / 8, V2, S2);
	emu_assert_gpu_linear(vm, p, SZ_2M, V2, S2);
	svmt_assert_eq_u64(vm->faults, 1);
	e = emu_snapshot_alloc(vm, p, SZ_2M);
	for (i = 0; i < SZ_2M / SZ_4K; i++) {
		if (!(e[i] & XE_SVM_EMU_SNAP_MAPPED))
			svmt_fail(__FILE__, __LINE__,
				  "page %u of the fresh buffer is not mapped: 0x%x", i, e[i]);
		if (e[i] & XE_SVM_EMU_SNAP_VRAM)
			n++;
	}
	free(e);
	return n;
}

/*
 * The fixture's VM still places new memory in system memory: a fresh
 * buffer the GPU touches stays there. Then a new baseline (the touch
 * added a fault and a range).
 */
#define fx_check_system(f) fx_check_system_at(__FILE__, __LINE__, (f))
static void fx_check_system_at(const char *file, int line, struct fx *f)
{
	unsigned int n = fresh_vram_pages(&f->vm);
	struct xe_svm_emu_stats st;

	if (n)
		svmt_fail(file, line, "%u pages of a fresh 2 MiB buffer went to VRAM: "
			  "the VM's placement is no longer system memory", n);
	st = emu_stats(&f->vm);
	if (st.vram_migrations || st.vram_fallbacks)
		svmt_fail(file, line, "a VM placed in system memory counts %" PRIu64
			  " migrations, %" PRIu64 " fallbacks",
			  (uint64_t)st.vram_migrations, (uint64_t)st.vram_fallbacks);
	fx_baseline(f);
}

/* Stands for the number of tiles of the device, in a table. */
#define TILE_COUNT	0xfffffff2u

/*
 * VM_PLACEMENT. The fixture's VM is set to system memory; each row asks
 * for VRAM of tile 0 (the change a fresh buffer would show) with one thing
 * wrong. Had a row run, the next GPU fault would move memory to VRAM.
 */
static void test_vm_placement_bad(void)
{
	int fd = emu_open(), fd2;
	struct xe_svm_emu_info info = {};
	struct xe_svm_emu_vm_placement base, p, before, *ro;
	struct xe_svm_emu_tile_stats ts0, ts1;
	uint32_t dead, other = 0, id, t;
	struct fx f;
	unsigned int i, n;
	struct {
		const char *what;
		struct xe_svm_emu_vm_placement patch;	/* the fields set */
		unsigned int which;			/* which fields to take */
		int err;
	} cases[] = {
#define PL_FLAGS	1
#define PL_RES0		2
#define PL_RES1		4
#define PL_PLACEMENT	8
#define PL_TILE		16
#define PL_VM		32
		{ "flags 2 (the first unknown flag)", { .flags = 2 }, PL_FLAGS, EINVAL },
		{ "flags NO_THRASH_CONTROL | 2",
		  { .flags = XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL | 2 }, PL_FLAGS, EINVAL },
		{ "flags 1 << 31", { .flags = 1u << 31 }, PL_FLAGS, EINVAL },
		{ "reserved[0]", { .reserved = { 1, 0 } }, PL_RES0, EINVAL },
		{ "reserved[0] 1 << 63", { .reserved = { 1ULL << 63, 0 } }, PL_RES0, EINVAL },
		{ "reserved[1]", { .reserved = { 0, 1 } }, PL_RES1, EINVAL },
		{ "reserved[1] 1 << 63", { .reserved = { 0, 1ULL << 63 } }, PL_RES1, EINVAL },
		{ "placement 2", { .placement = 2 }, PL_PLACEMENT, EINVAL },
		{ "placement 0xffffffff", { .placement = 0xffffffffu }, PL_PLACEMENT, EINVAL },
		{ "tile = number of tiles", { .tile = TILE_COUNT }, PL_TILE, EINVAL },
		{ "tile XE_SVM_EMU_MAX_TILES", { .tile = XE_SVM_EMU_MAX_TILES }, PL_TILE, EINVAL },
		{ "tile 0xffffffff", { .tile = 0xffffffffu }, PL_TILE, EINVAL },
		{ "vm_id 0", { .vm_id = 0 }, PL_VM, ENOENT },
		{ "vm_id of a destroyed VM", { .vm_id = DEAD_VM }, PL_VM, ENOENT },
		{ "vm_id never created", { .vm_id = NO_VM }, PL_VM, ENOENT },
		{ "vm_id ~0", { .vm_id = ~0u }, PL_VM, ENOENT },
	};

	svmt_assert_ok(__emu_info(fd, &info));
	svmt_assert(info.num_tiles >= 1 && info.num_tiles <= XE_SVM_EMU_MAX_TILES);
	svmt_assert(!emu_vm_exists(fd, NO_VM));
	fx_init(&f, fd, EMU_VM_MIRROR);		/* placement: system memory */
	dead = dead_vm_id(fd);
	base = (struct xe_svm_emu_vm_placement){ .vm_id = f.vm.id,
		.placement = XE_SVM_EMU_PLACE_VRAM, .tile = 0 };
	fx_check_system(&f);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int w = cases[i].which;

		svmt_info("case %s", cases[i].what);
		p = base;
		if (w & PL_FLAGS)
			p.flags = cases[i].patch.flags;
		if (w & PL_RES0)
			p.reserved[0] = cases[i].patch.reserved[0];
		if (w & PL_RES1)
			p.reserved[1] = cases[i].patch.reserved[1];
		if (w & PL_PLACEMENT)
			p.placement = cases[i].patch.placement;
		if (w & PL_TILE)
			p.tile = cases[i].patch.tile == TILE_COUNT ? info.num_tiles :
				 cases[i].patch.tile;
		if (w & PL_VM)
			p.vm_id = cases[i].patch.vm_id == DEAD_VM ? dead : cases[i].patch.vm_id;
		before = p;
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, &p), cases[i].err);
		svmt_assert(!memcmp(&p, &before, sizeof(p)));
		fx_check(&f);
		fx_check_system(&f);
	}
#undef PL_FLAGS
#undef PL_RES0
#undef PL_RES1
#undef PL_PLACEMENT
#undef PL_TILE
#undef PL_VM

	/*
	 * Every tile the device does not have, with either placement (the
	 * documented errors do not depend on the placement).
	 */
	for (t = info.num_tiles; t <= XE_SVM_EMU_MAX_TILES; t++) {
		svmt_info("case tile %u of %u", t, info.num_tiles);
		svmt_assert_eq_u64(__emu_vm_placement(fd, f.vm.id, XE_SVM_EMU_PLACE_VRAM, t),
				   (uint64_t)-EINVAL);
		svmt_assert_eq_u64(__emu_vm_placement(fd, f.vm.id, XE_SVM_EMU_PLACE_SYSTEM, t),
				   (uint64_t)-EINVAL);
	}
	fx_check(&f);
	fx_check_system(&f);

	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, (void *)-4096L), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, prot_none_page()), EFAULT);
	fx_check(&f);
	fx_check_system(&f);

	/* Another file's VM is not this file's. */
	svmt_info("case another file's VM");
	fd2 = emu_open();
	for (i = 0; i < 8 && !other; i++) {
		svmt_assert_ok(__emu_vm_create(fd2, EMU_VM_MIRROR, &id));
		if (!emu_vm_exists(fd, id))
			other = id;
	}
	svmt_assert(other);
	svmt_assert_eq_u64(__emu_vm_placement(fd, other, XE_SVM_EMU_PLACE_VRAM, 0),
			   (uint64_t)-ENOENT);
	svmt_assert_ok(close(fd2));
	fx_check(&f);
	fx_check_system(&f);

	/* Read-only is fine: VM_PLACEMENT writes nothing back. */
	svmt_info("case read-only argument");
	p = base;
	p.placement = XE_SVM_EMU_PLACE_SYSTEM;
	ro = ro_copy(&p, sizeof(p));
	svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, ro));
	fx_check(&f);
	fx_check_system(&f);

	/* Every tile the device has is accepted, with either placement. */
	for (t = 0; t < info.num_tiles; t++) {
		svmt_assert_ok(__emu_vm_placement(fd, f.vm.id, XE_SVM_EMU_PLACE_VRAM, t));
		svmt_assert_ok(__emu_vm_placement(fd, f.vm.id, XE_SVM_EMU_PLACE_SYSTEM, t));
	}
	fx_check(&f);
	fx_check_system(&f);

	/*
	 * The good call takes effect: with VRAM of the last tile, a fresh
	 * buffer moves there; memory the GPU already maps stays put.
	 */
	t = info.num_tiles - 1;
	svmt_info("good call: VRAM of tile %u", t);
	ts0 = emu_tile_stats(fd, t);
	emu_vm_placement(&f.vm, XE_SVM_EMU_PLACE_VRAM, t);
	n = fresh_vram_pages(&f.vm);
	svmt_assert_eq_u64(n, SZ_2M / SZ_4K);
	ts1 = emu_tile_stats(fd, t);
	svmt_assert(ts1.migrated_to_vram - ts0.migrated_to_vram >= SZ_2M / SZ_4K);
	svmt_assert_eq_u64(emu_stats(&f.vm).vram_migrations, 1);
	fx_baseline(&f);
	fx_check(&f);

	/* And back to system memory. */
	emu_vm_placement(&f.vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	svmt_assert_eq_u64(fresh_vram_pages(&f.vm), 0);
	svmt_assert_eq_u64(emu_stats(&f.vm).vram_migrations, 1);
	fx_baseline(&f);
	fx_check(&f);
	close(fd);
}

/* The counters of two TILE_STATS calls are the same (not the pages in use). */
static void tile_stats_same_at(const char *file, int line,
			       const struct xe_svm_emu_tile_stats *a,
			       const struct xe_svm_emu_tile_stats *b)
{
#define CMP(fld) do {							\
	if (a->fld != b->fld)						\
		svmt_fail(file, line, "tile stats." #fld " changed: %" PRIu64 \
			  " -> %" PRIu64, (uint64_t)a->fld, (uint64_t)b->fld); \
} while (0)
	CMP(tile);
	CMP(vram_pages);
	CMP(migrated_to_vram);
	CMP(migrated_to_ram);
	CMP(bytes_copied);
	CMP(cpu_faults);
	CMP(alloc_failures);
	CMP(copy_failures);
#undef CMP
	/*
	 * vram_pages_in_use is left out: device pages of the subtests before
	 * this one may still be on their way back to the allocator.
	 */
}

/*
 * TILE_STATS. Each row reads tile 0's counters with one thing wrong:
 * -EINVAL, nothing written back, the counters and the fixture unchanged.
 */
static void test_tile_stats_bad(void)
{
	int fd = emu_open();
	struct xe_svm_emu_info info = {};
	struct xe_svm_emu_tile_stats s, before, good[XE_SVM_EMU_MAX_TILES], now, *ro;
	struct fx f;
	unsigned int i, t;

	svmt_assert_ok(__emu_info(fd, &info));
	svmt_assert(info.num_tiles >= 1 && info.num_tiles <= XE_SVM_EMU_MAX_TILES);
	fx_init(&f, fd, EMU_VM_MIRROR);
	for (t = 0; t < info.num_tiles; t++)
		good[t] = emu_tile_stats(fd, t);

#define TS_TRY(what, err, ...) do {					\
	svmt_info("case %s", what);					\
	memset(&s, 0x5a, sizeof(s));					\
	s.tile = 0;							\
	s.flags = 0;							\
	memset(s.reserved, 0, sizeof(s.reserved));			\
	__VA_ARGS__;							\
	before = s;							\
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, &s), err); \
	svmt_assert(!memcmp(&s, &before, sizeof(s)));			\
	now = emu_tile_stats(fd, 0);					\
	tile_stats_same_at(__FILE__, __LINE__, &good[0], &now);	\
	fx_check(&f);							\
} while (0)

	TS_TRY("flags 1", EINVAL, s.flags = 1);
	TS_TRY("flags 1 << 31", EINVAL, s.flags = 1u << 31);
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++) {
		char what[32];

		snprintf(what, sizeof(what), "reserved[%u]", i);
		TS_TRY(what, EINVAL, s.reserved[i] = 1);
		snprintf(what, sizeof(what), "reserved[%u] 1 << 63", i);
		TS_TRY(what, EINVAL, s.reserved[i] = 1ULL << 63);
	}
	TS_TRY("tile = number of tiles", EINVAL, s.tile = info.num_tiles);
	TS_TRY("tile XE_SVM_EMU_MAX_TILES", EINVAL, s.tile = XE_SVM_EMU_MAX_TILES);
	TS_TRY("tile 0xffffffff", EINVAL, s.tile = 0xffffffffu);
	for (t = info.num_tiles + 1; t < XE_SVM_EMU_MAX_TILES; t++) {
		char what[32];

		snprintf(what, sizeof(what), "tile %u", t);
		TS_TRY(what, EINVAL, s.tile = t);
	}
#undef TS_TRY

	svmt_info("case NULL argument");
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, (void *)-4096L), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, prot_none_page()), EFAULT);
	svmt_info("case read-only argument");
	memset(&s, 0, sizeof(s));
	ro = ro_copy(&s, sizeof(s));
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, ro), EFAULT);
	now = emu_tile_stats(fd, 0);
	tile_stats_same_at(__FILE__, __LINE__, &good[0], &now);
	fx_check(&f);

	/*
	 * The good call, for every tile: the out fields are outputs only
	 * (garbage in them is fine), the in fields come back as they were.
	 */
	for (t = 0; t < info.num_tiles; t++) {
		svmt_info("good call: tile %u", t);
		memset(&s, 0x5a, sizeof(s));
		s.tile = t;
		s.flags = 0;
		memset(s.reserved, 0, sizeof(s.reserved));
		svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, &s));
		svmt_assert_eq_u64(s.tile, t);
		svmt_assert_eq_u64(s.flags, 0);
		for (i = 0; i < ARRAY_SIZE(s.reserved); i++)
			svmt_assert_eq_u64(s.reserved[i], 0);
		svmt_assert_eq_u64(s.vram_pages, info.tiles[t].vram_size / SZ_4K);
		svmt_assert(s.vram_pages_in_use <= s.vram_pages);
		tile_stats_same_at(__FILE__, __LINE__, &good[t], &s);
		svmt_info("tile %u: %" PRIu64 " VRAM pages, %" PRIu64 " in use, %" PRIu64
			  " migrated to VRAM, %" PRIu64 " to RAM", t, (uint64_t)s.vram_pages,
			  (uint64_t)s.vram_pages_in_use, (uint64_t)s.migrated_to_vram,
			  (uint64_t)s.migrated_to_ram);
	}
	fx_check(&f);
	close(fd);
}

/* INFO reports DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR, and it holds. */
static void test_info_config_flag(void)
{
	int fd = emu_open();
	struct xe_svm_emu_info info = {}, again = {};
	struct emu_vm vm;
	uint64_t *p;

	svmt_assert_ok(__emu_info(fd, &info));
	svmt_info("config flags 0x%llx", (unsigned long long)info.config_flags);
	svmt_assert(info.config_flags & DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR);
	svmt_assert_eq_u64(info.config_flags & ~(uint64_t)KNOWN_CONFIG_FLAGS, 0);
	close(fd);

	/* The same for every open file. */
	fd = emu_open();
	svmt_assert_ok(__emu_info(fd, &again));
	svmt_assert_eq_u64(again.config_flags, info.config_flags);

	/* The flag is honest: a mirror VM can be created and mirrors. */
	vm = emu_vm_create(fd, EMU_VM_MIRROR);
	p = emu_anon_2m(SZ_2M);
	emu_assert_result(emu_fill(&vm, p, SZ_2M, V1, S1), 0);
	emu_assert_linear(p, SZ_2M / 8, V1, S1);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * A fault-mode VM created without the mirror flag mirrors only what is
 * bound; ranges stay inside the window they were faulted in.
 */
static void test_mirror_window(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, npages = size / SZ_4K, i;
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);
	uint64_t *p = emu_anon_2m(size), out;
	/* The window ends 68 KiB into the second 2 MiB block. */
	char *win_end = (char *)p + SZ_2M + SZ_64K + SZ_4K;
	size_t win_words = (win_end - (char *)p) / 8;
	struct xe_svm_emu_stats st0, st1, st2;
	struct xe_svm_emu_op op[2];
	uint32_t *e;

	/*
	 * System memory: the checks count DMA-mapped pages, which pages moved
	 * to VRAM would not be, and read the buffer on the CPU between GPU
	 * accesses that must take no fault.
	 */
	emu_vm_placement(&vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	emu_fill_linear(p, n, V1, S1);
	st0 = emu_stats(&vm);
	svmt_assert_eq_u64(st0.faults, 0);

	/* Nothing is mirrored yet: a GPU miss, but no SVM fault. */
	emu_assert_result(emu_read(&vm, p, NULL), -EFAULT);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_result(emu_write(&vm, &p[7], 1), -EFAULT);
	st1 = emu_stats(&vm);
	emu_assert_stats_same(&st0, &st1);
	e = emu_snapshot_alloc(&vm, p, size);
	for (i = 0; i < npages; i++)
		svmt_assert_eq_u64(e[i], 0);
	free(e);
	emu_assert_linear(p, n, V1, S1);

	/* Bind the window: binding faults nothing in. */
	emu_mirror(&vm, p, win_end - (char *)p);
	st1 = emu_stats(&vm);
	emu_assert_stats_same(&st0, &st1);

	/* The first 2 MiB: one range. Then a 64 KiB and a 4 KiB range. */
	emu_assert_gpu_linear(&vm, p, SZ_2M, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_gpu_linear(&vm, &p[SZ_2M / 8], win_end - (char *)p - SZ_2M,
			      V1 + SZ_2M / 8 * S1, S1);
	svmt_assert_eq_u64(vm.faults, 2);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.faults, 3);
	svmt_assert_eq_u64(st1.ranges_created, 3);
	svmt_assert_eq_u64(st1.ranges_live, 3);
	svmt_assert_eq_u64(st1.dma_mapped_pages, win_words * 8 / SZ_4K);

	/* Outside the window, on either side: GPU misses, no SVM faults. */
	emu_assert_result(emu_read(&vm, win_end, NULL), -EFAULT);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_result(emu_read(&vm, (char *)p - 8, NULL), -EFAULT);
	emu_assert_result(emu_read(&vm, &p[n - 1], NULL), -EFAULT);
	op[0] = emu_op_compare(win_end - 8, 16, V1 + (win_words - 1) * S1, S1);
	op[1] = emu_op_fill(win_end - 8, 16, 0, 0);
	svmt_assert_eq_u64(emu_exec(&vm, op, 2), 2);
	emu_assert_result(op[0].result, -EFAULT);
	emu_assert_result(op[1].result, -EFAULT);
	/* The FILL wrote its first word, inside the window, then stopped. */
	svmt_assert_eq_u64(p[win_words - 1], 0);
	p[win_words - 1] = V1 + (win_words - 1) * S1;
	st2 = emu_stats(&vm);
	emu_assert_stats_same(&st1, &st2);

	/* The GPU maps exactly the window, in pages no larger than the ranges. */
	e = emu_snapshot_alloc(&vm, p, size);
	for (i = 0; i < npages; i++) {
		unsigned int shift = XE_SVM_EMU_SNAP_SHIFT(e[i]);
		unsigned int max = i < 512 ? 21 : i < 528 ? 16 : 12;

		if (i >= win_words * 8 / SZ_4K) {
			svmt_assert_eq_u64(e[i], 0);
			continue;
		}
		svmt_assert(e[i] & XE_SVM_EMU_SNAP_MAPPED);
		if (shift > max)
			svmt_fail(__FILE__, __LINE__, "page %zu: GPU page shift %u > %u",
				  i, shift, max);
	}
	free(e);

	/* Bind the rest: 15 4 KiB ranges up to the next 64 KiB, then 30 of 64 KiB. */
	emu_mirror(&vm, win_end, (char *)p + size - win_end);
	emu_assert_gpu_linear(&vm, win_end, (char *)p + size - win_end,
			      V1 + win_words * S1, S1);
	svmt_assert_eq_u64(vm.faults, 45);
	st2 = emu_stats(&vm);
	svmt_assert_eq_u64(st2.ranges_created, 48);
	svmt_assert_eq_u64(st2.dma_mapped_pages, npages);

	/* Mirroring over mirrored windows is fine and leaves the ranges alone. */
	emu_mirror(&vm, p, size);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_result(emu_read(&vm, &p[3], &out), 0);
	svmt_assert_eq_u64(out, V1 + 3 * S1);
	emu_vm_close(&vm);
}

/* Unbinding a window the GPU still maps: -EBUSY until the CPU unmaps. */
static void test_unbind_busy(void)
{
	size_t size = 2 * SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);
	uint64_t *p = emu_anon_2m(size), *hi = &p[n / 2], *q, out;
	struct xe_svm_emu_stats st0, st1;
	uint32_t *s0, *s1;

	emu_fill_linear(p, n, V1, S1);
	emu_mirror(&vm, p, size);
	emu_assert_gpu_linear(&vm, p, SZ_2M, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);

	/* Busy: nothing changes. */
	st0 = emu_stats(&vm);
	s0 = emu_snapshot_alloc(&vm, p, size);
	svmt_assert_eq_u64(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p, size), (uint64_t)-EBUSY);
	svmt_assert_eq_u64(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p, SZ_4K), (uint64_t)-EBUSY);
	svmt_assert_eq_u64(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p + SZ_2M - SZ_4K, 2 * SZ_4K),
			   (uint64_t)-EBUSY);
	st1 = emu_stats(&vm);
	emu_assert_stats_same(&st0, &st1);
	s1 = emu_snapshot_alloc(&vm, p, size);
	svmt_assert(!memcmp(s0, s1, size / SZ_4K * sizeof(*s0)));
	emu_assert_gpu_linear(&vm, p, SZ_2M, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);

	/* The whole window is still mirrored: the second half faults in. */
	emu_assert_result(emu_read(&vm, &hi[7], &out), 0);
	svmt_assert_eq_u64(out, V1 + (n / 2 + 7) * S1);
	svmt_assert_eq_u64(vm.faults, 1);
	svmt_assert_eq_u64(__emu_unmirror(vm.fd, vm.id, (uintptr_t)hi, SZ_2M), (uint64_t)-EBUSY);
	svmt_assert_eq_u64(__emu_unmirror(vm.fd, vm.id, (uintptr_t)hi + SZ_64K, SZ_4K),
			   (uint64_t)-EBUSY);

	/* Unbinding where nothing is mirrored, or next to the window: fine. */
	svmt_assert_ok(__emu_unmirror(vm.fd, vm.id, 1ULL << 40, SZ_2M));
	svmt_assert_ok(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p + size, SZ_2M));
	svmt_assert_ok(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p - SZ_2M, SZ_2M));

	/* The CPU unmaps the second half: it can be unbound right away. */
	st0 = emu_stats(&vm);
	svmt_assert_ok(munmap(hi, SZ_2M));
	svmt_assert_ok(__emu_unmirror(vm.fd, vm.id, (uintptr_t)hi, SZ_2M));
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.ranges_destroyed - st0.ranges_destroyed, 1);
	svmt_assert_eq_u64(st1.ranges_live, 1);
	svmt_assert(st1.invalidations > st0.invalidations);

	/* New memory there is not mirrored any more. */
	q = mmap(hi, SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	svmt_assert(q == hi);
	emu_fill_linear(q, SZ_2M / 8, V2, S2);
	st0 = emu_stats(&vm);
	emu_assert_result(emu_read(&vm, q, NULL), -EFAULT);
	st1 = emu_stats(&vm);
	emu_assert_stats_same(&st0, &st1);

	/* The first half is still busy, until the CPU unmaps it too. */
	svmt_assert_eq_u64(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p, size), (uint64_t)-EBUSY);
	emu_assert_gpu_linear(&vm, p, SZ_2M, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	svmt_assert_ok(munmap(p, SZ_2M));
	svmt_assert_ok(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p, size));
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.ranges_live, 0);
	svmt_assert_eq_u64(st1.dma_mapped_pages, 0);
	/* Again: nothing is mirrored, which is fine. */
	svmt_assert_ok(__emu_unmirror(vm.fd, vm.id, (uintptr_t)p, size));

	/* Mirrored again, the new memory reads on the GPU. */
	emu_mirror(&vm, p, size);
	emu_assert_gpu_linear(&vm, q, SZ_2M, V2, S2);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_result(emu_read(&vm, p, NULL), -EFAULT);
	free(s0);
	free(s1);
	emu_vm_close(&vm);
}

/* A VM not in fault mode cannot serve GPU faults: every access fails. */
static void test_nonfault_vm(void)
{
	static const uint32_t flags[] = { 0, DRM_XE_VM_CREATE_FLAG_LR_MODE };
	int fd = emu_open();
	uint64_t *p = emu_anon_2m(SZ_2M);
	unsigned int i, k;

	emu_fill_linear(p, SZ_2M / 8, V1, S1);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		struct emu_vm vm = emu_vm_create(fd, flags[i]);
		struct xe_svm_emu_op op[5] = {
			emu_op_read(&p[1]),
			emu_op_write(&p[2], 5),
			emu_op_atomic_add(&p[3], 5),
			emu_op_fill(p, SZ_4K, 0, 0),
			emu_op_compare(p, SZ_2M, V1, S1),
		};
		struct xe_svm_emu_stats st;
		uint32_t *e;

		svmt_info("VM flags 0x%x", flags[i]);
		/* One GPU miss per op, none served. */
		svmt_assert_eq_u64(emu_exec(&vm, op, 5), 5);
		for (k = 0; k < 5; k++)
			emu_assert_result(op[k].result, -EFAULT);
		emu_assert_linear(p, SZ_2M / 8, V1, S1);
		st = emu_stats(&vm);
		svmt_assert_eq_u64(st.faults, 0);
		svmt_assert_eq_u64(st.ranges_created, 0);
		svmt_assert_eq_u64(st.dma_mapped_pages, 0);
		e = emu_snapshot_alloc(&vm, p, SZ_2M);
		for (k = 0; k < SZ_2M / SZ_4K; k++)
			svmt_assert_eq_u64(e[k], 0);
		free(e);
		/* And no window can be bound on it. */
		svmt_assert_eq_u64(__emu_mirror(fd, vm.id, (uintptr_t)p, SZ_2M),
				   (uint64_t)-EINVAL);
		emu_assert_result(emu_read(&vm, &p[1], NULL), -EFAULT);
		emu_vm_destroy(&vm);
	}
	close(fd);
}

static const struct svmt_subtest subtests[] = {
	{ "vm-create-bad", test_vm_create_bad },
	{ "vm-destroy-bad", test_vm_destroy_bad },
	{ "vm-bind-bad", test_vm_bind_bad },
	{ "exec-bad", test_exec_bad },
	{ "snapshot-bad", test_snapshot_bad },
	{ "stats-bad", test_stats_bad },
	{ "vm-placement-bad", test_vm_placement_bad },
	{ "tile-stats-bad", test_tile_stats_bad },
	{ "info-config-flag", test_info_config_flag },
	{ "mirror-window", test_mirror_window },
	{ "unbind-busy", test_unbind_busy },
	{ "nonfault-vm", test_nonfault_vm },
};

SVMT_MAIN(subtests)
