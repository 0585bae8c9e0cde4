// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_madvise: memory-range attributes on the emulated device, through
 * xe's own structures (struct drm_xe_madvise, struct
 * drm_xe_vm_query_mem_range_attr) and the SVM core code the xe ioctls
 * run.
 *
 * The model under test: a mirrored window starts with the default
 * attributes (preferred location DEFAULT_DEVICE, migration policy
 * ALL_PAGES, atomic UNDEFINED, the PAT index of the mirror binding).
 * MADVISE sets one attribute over a page-aligned range and splits the
 * window there; the query returns one entry per stretch of one value,
 * bounded by the window, not by the query. Nothing migrates at the call;
 * a GPU mapping is invalidated only where the value changed, and a range
 * (a 2 MiB, 64 KiB or 4 KiB GPU page run) never spans two values, so a
 * range cut by a new boundary is dropped and the next fault makes ranges
 * that fit. Preferred location system memory keeps GPU faults out of
 * VRAM; a device file and region instance 1 + t name tile t's VRAM. The
 * atomic modes: CPU refuses GPU atomics (-EACCES, nothing written),
 * DEVICE and GLOBAL move the memory to VRAM for them, UNDEFINED does so
 * only where the memory prefers VRAM. Bad arguments fail with the
 * documented errno and change nothing the query can see.
 *
 * VRAM: every subtest that may use it reads tile 0's pages in use first
 * and checks at its end, after freeing its memory, that they are back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/emu.h"

#define SZ_1M		0x100000UL
#define SZ_4M		0x400000UL
#define PAGES(size)	((size) / SZ_4K)
#define DEFAULT_SYSTEM	((uint32_t)DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM)

/* A fault-mode VM that mirrors exactly [p, p + size). */
static struct emu_vm vm_mirroring(void *p, size_t size)
{
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);

	emu_mirror(&vm, p, size);
	return vm;
}

static uint32_t tiles_of(int fd)
{
	struct xe_svm_emu_info info = {};

	svmt_assert_ok(__emu_info(fd, &info));
	return info.num_tiles;
}

/* Entry @e is [start, start + len) with these values. */
#define expect_entry(e, start, len, fd_, atomic_, pat_) \
	expect_entry_at(__FILE__, __LINE__, (e), (start), (len), (fd_), (atomic_), (pat_))
static void expect_entry_at(const char *file, int line, const struct drm_xe_mem_range_attr *e,
			    const void *start, uint64_t len, uint32_t fd, uint32_t atomic,
			    uint32_t pat)
{
	uint64_t s = (uintptr_t)start;

	if (e->start != s || e->end != s + len || e->preferred_mem_loc.devmem_fd != fd ||
	    e->preferred_mem_loc.migration_policy != DRM_XE_MIGRATE_ALL_PAGES ||
	    e->atomic.val != atomic || e->pat_index.val != pat || e->extensions ||
	    e->atomic.reserved || e->pat_index.reserved || e->reserved[0] || e->reserved[1])
		svmt_fail(file, line, "entry [0x%llx, 0x%llx) fd %u atomic %u pat %u, expected "
			  "[0x%llx, 0x%llx) fd %u atomic %u pat %u",
			  (unsigned long long)e->start, (unsigned long long)e->end,
			  e->preferred_mem_loc.devmem_fd, e->atomic.val, e->pat_index.val,
			  (unsigned long long)s, (unsigned long long)(s + len), fd, atomic, pat);
}

/* The query over [p, p + size) finds exactly @n entries; returns them. */
static struct drm_xe_mem_range_attr *query_n(struct emu_vm *vm, const void *p, size_t size,
					     uint32_t n)
{
	uint32_t got;
	struct drm_xe_mem_range_attr *v = emu_query_attrs(vm, (uintptr_t)p, size, &got);

	svmt_assert_eq_u64(got, n);
	return v;
}

/* Pages of [p, p + size) whose snapshot entry has all of @bits. */
static size_t snap_pages(struct emu_vm *vm, const void *p, size_t size, uint32_t bits)
{
	uint32_t *e = emu_snapshot_alloc(vm, p, size);
	size_t i, n = 0;

	for (i = 0; i < PAGES(size); i++)
		n += (e[i] & bits) == bits && e[i];
	free(e);
	return n;
}

/*
 * No GPU page mapped in [p, p + size) crosses one of the @nb boundaries
 * @bounds (a range never spans two attribute values).
 */
static void expect_pages_within(struct emu_vm *vm, const void *p, size_t size,
				const uintptr_t *bounds, unsigned int nb)
{
	uint32_t *e = emu_snapshot_alloc(vm, p, size);
	size_t i;

	for (i = 0; i < PAGES(size); i++) {
		uintptr_t a = (uintptr_t)p + i * SZ_4K, lo, hi;
		unsigned int b;

		if (!e[i])
			continue;
		lo = a & ~((1UL << XE_SVM_EMU_SNAP_SHIFT(e[i])) - 1);
		hi = lo + (1UL << XE_SVM_EMU_SNAP_SHIFT(e[i]));
		for (b = 0; b < nb; b++)
			if (lo < bounds[b] && bounds[b] < hi)
				svmt_fail(__FILE__, __LINE__, "page 0x%lx: GPU page [0x%lx, 0x%lx) "
					  "crosses the attribute boundary 0x%lx", (unsigned long)a,
					  (unsigned long)lo, (unsigned long)hi,
					  (unsigned long)bounds[b]);
	}
	free(e);
}

static void test_query_default(void)
{
	size_t size = SZ_2M;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_mem_range_attr *v;

	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE,
		     DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);
	/* A query of one page inside reports the whole window. */
	v = query_n(&vm, (char *)p + SZ_64K, SZ_4K, 1);
	expect_entry(&v[0], p, size, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);
	emu_vm_destroy(&vm);
}

/*
 * MADVISE ATOMIC DEVICE over [off, off + len) of a 4 MiB window: three
 * entries read back; a GPU fill of the whole window then maps no GPU page
 * across the two boundaries, and every word is right.
 */
static void split_case(size_t off, size_t len)
{
	size_t size = SZ_4M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	char *b = (char *)p;
	uintptr_t bounds[2] = { (uintptr_t)b + off, (uintptr_t)b + off + len };
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, b + off, len, DRM_XE_ATOMIC_DEVICE);
	v = query_n(&vm, p, size, 3);
	expect_entry(&v[0], b, off, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	expect_entry(&v[1], b + off, len, 0, DRM_XE_ATOMIC_DEVICE, 0);
	expect_entry(&v[2], b + off + len, size - off - len, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), PAGES(size));
	expect_pages_within(&vm, p, size, bounds, 2);
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

static void test_split_4k(void)
{
	split_case(SZ_4K, SZ_4K);
}

static void test_split_64k(void)
{
	split_case(SZ_64K, 2 * SZ_64K);
}

static void test_split_2m_unaligned(void)
{
	/* Across the 2 MiB boundary, neither end 64 KiB aligned. */
	split_case(SZ_1M + SZ_4K, SZ_2M + 3 * SZ_4K);
}

/* The query names the window's bounds, and a second window separately. */
static void test_query_windows(void)
{
	size_t size = SZ_2M;
	char *p = emu_map_aligned(3 * size, SZ_2M, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_mem_range_attr *v;

	emu_mirror(&vm, p + 2 * size, size);
	emu_madvise_atomic(&vm, p + size - SZ_4K, 2 * SZ_4K, DRM_XE_ATOMIC_GLOBAL);
	/*
	 * Across the hole between the windows: the hole has no entry, and
	 * the advice that reached into it shows only where it is mirrored.
	 */
	v = query_n(&vm, p, 3 * size, 3);
	expect_entry(&v[0], p, size - SZ_4K, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	expect_entry(&v[1], p + size - SZ_4K, SZ_4K, 0, DRM_XE_ATOMIC_GLOBAL, 0);
	expect_entry(&v[2], p + 2 * size, size, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);
	free(query_n(&vm, p + size, size, 0));
	/* A query inside the second window reports all of it. */
	v = query_n(&vm, p + 2 * size + SZ_64K, SZ_4K, 1);
	expect_entry(&v[0], p + 2 * size, size, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);
	emu_vm_destroy(&vm);
}

static void test_query_two_call(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_vm_query_mem_range_attr q = {
		.vm_id = vm.id, .start = (uintptr_t)p, .range = size,
	};
	struct drm_xe_mem_range_attr v[8];

	emu_madvise_atomic(&vm, p + SZ_64K, SZ_64K, DRM_XE_ATOMIC_DEVICE);
	svmt_assert_ok(__emu_query_attrs(vm.fd, &q));
	svmt_assert_eq_u64(q.num_mem_ranges, 3);
	svmt_assert_eq_u64(q.sizeof_mem_range_attr, sizeof(v[0]));
	svmt_assert_eq_u64(q.vector_of_mem_attr, 0);

	/* Ranges changed in between: the old count no longer fits. */
	emu_madvise_atomic(&vm, p + SZ_1M, SZ_4K, DRM_XE_ATOMIC_GLOBAL);
	memset(v, 0xa5, sizeof(v));
	q.vector_of_mem_attr = (uintptr_t)v;
	svmt_assert_eq_u64(__emu_query_attrs(vm.fd, &q), -ENOSPC);
	/* Nothing written on -ENOSPC. */
	svmt_assert_eq_u64(v[0].start, 0xa5a5a5a5a5a5a5a5ULL);

	/* A larger vector: the count is rewritten to what was filled. */
	q.num_mem_ranges = 8;
	svmt_assert_ok(__emu_query_attrs(vm.fd, &q));
	svmt_assert_eq_u64(q.num_mem_ranges, 5);
	expect_entry(&v[0], p, SZ_64K, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	expect_entry(&v[1], p + SZ_64K, SZ_64K, 0, DRM_XE_ATOMIC_DEVICE, 0);
	expect_entry(&v[2], p + 2 * SZ_64K, SZ_1M - 2 * SZ_64K, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	expect_entry(&v[3], p + SZ_1M, SZ_4K, 0, DRM_XE_ATOMIC_GLOBAL, 0);
	expect_entry(&v[4], p + SZ_1M + SZ_4K, SZ_1M - SZ_4K, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	/* The entry after the last written is untouched. */
	svmt_assert_eq_u64(v[5].start, 0xa5a5a5a5a5a5a5a5ULL);
	emu_vm_destroy(&vm);
}

/* A new mirror binding over the window starts again from the defaults. */
static void test_rebind_resets(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_vm_bind_op op = emu_bind_op(DRM_XE_VM_BIND_OP_MAP,
						  DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR,
						  (uintptr_t)p, size);
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, p, SZ_4K, DRM_XE_ATOMIC_CPU);
	emu_madvise_pat(&vm, p + SZ_64K, SZ_64K, 31);
	emu_madvise_pref(&vm, p + SZ_1M, SZ_64K, DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM, 0);
	free(query_n(&vm, p, size, 6));

	op.pat_index = 5;
	svmt_assert_ok(__emu_bind_ops(vm.fd, vm.id, &op, 1));
	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, 0, DRM_XE_ATOMIC_UNDEFINED, 5);
	free(v);
	emu_vm_destroy(&vm);
}

/* MADVISE where nothing is mirrored succeeds and shows nowhere. */
static void test_unmirrored_noop(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_CPU);
	free(query_n(&vm, p, size, 0));
	/* Binding it afterwards gives the defaults, not the advice. */
	emu_mirror(&vm, p, size);
	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);
	emu_assert_result(emu_atomic_add(&vm, p, 1, NULL), 0);
	emu_vm_destroy(&vm);
}

/* A VM that mirrors the whole address space has one window: [0, 2^48). */
static void test_whole_vm_mirror(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = emu_vm_open_mirror();
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, p + SZ_64K, SZ_64K, DRM_XE_ATOMIC_GLOBAL);
	v = query_n(&vm, p, size, 3);
	svmt_assert_eq_u64(v[0].start, 0);
	svmt_assert_eq_u64(v[0].end, (uintptr_t)p + SZ_64K);
	expect_entry(&v[1], p + SZ_64K, SZ_64K, 0, DRM_XE_ATOMIC_GLOBAL, 0);
	svmt_assert_eq_u64(v[2].start, (uintptr_t)p + 2 * SZ_64K);
	svmt_assert_eq_u64(v[2].end, EMU_VA_END);
	free(v);
	emu_vm_destroy(&vm);
}

/* Preferred location system memory: GPU faults leave the memory there. */
static void test_pref_system_keeps_system(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct drm_xe_mem_range_attr *v;

	emu_madvise_pref(&vm, p, size, DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM, 0);
	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, DEFAULT_SYSTEM, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), PAGES(size));
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), 0);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use);
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), 0);
	emu_assert_linear(p, n, V2, S2);

	/* Back to the device: the next fault migrates. */
	emu_madvise_pref(&vm, p, size, DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE, 0);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), 0);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), PAGES(size));
	emu_assert_linear(p, n, V2, S2);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* A device file and region instance 2 name tile 1's VRAM. */
static void test_pref_devmem_tile1(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use0 = emu_vram_in_use(vm.fd, 0), in_use1;
	int other = emu_open();
	struct drm_xe_mem_range_attr *v;

	if (tiles_of(vm.fd) < 2)
		svmt_skip("the device has one tile");
	in_use1 = emu_vram_in_use(vm.fd, 1);

	/* Any file of the device names it: here another one. */
	emu_madvise_pref(&vm, p, size, other, 2);
	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, (uint32_t)other, DRM_XE_ATOMIC_UNDEFINED, 0);
	free(v);
	emu_fill_linear(p, n, V3, S3);
	emu_assert_gpu_linear(&vm, p, size, V3, S3);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), PAGES(size));
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 1), in_use1 + PAGES(size));
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0);
	/* The fd stays reported after it is closed, as upstream does. */
	close(other);
	free(query_n(&vm, p, size, 1));
	emu_assert_linear(p, n, V3, S3);
	emu_assert_vram_in_use(vm.fd, 1, in_use1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
}

/* Nothing migrates at the call; the mapping goes, the data stays put. */
static void test_no_migrate_at_call(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct xe_svm_emu_tile_stats t0, t1;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), PAGES(size));
	t0 = emu_tile_stats(vm.fd, 0);
	emu_madvise_pref(&vm, p, size, DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM, 0);
	t1 = emu_tile_stats(vm.fd, 0);
	svmt_assert_eq_u64(t1.migrated_to_ram, t0.migrated_to_ram);
	svmt_assert_eq_u64(t1.vram_pages_in_use, in_use + PAGES(size));
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), 0);
	/* The GPU maps the pages where they are. */
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), PAGES(size));
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* Setting a value a range already has invalidates nothing. */
static void test_same_value_no_invalidate(void)
{
	size_t size = SZ_2M;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct xe_svm_emu_stats s0, s1;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	s0 = emu_stats(&vm);
	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_UNDEFINED);
	emu_madvise_pat(&vm, p, size, 0);
	emu_madvise_pref(&vm, p, size, DRM_XE_PREFERRED_LOC_DEFAULT_DEVICE, 0);
	s1 = emu_stats(&vm);
	emu_assert_stats_same(&s0, &s1);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), PAGES(size));

	/* A real change of the whole range: zapped once, not dropped. */
	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_DEVICE);
	s1 = emu_stats(&vm);
	svmt_assert_eq_u64(s1.invalidations - s0.invalidations, 1);
	svmt_assert_eq_u64(s1.ranges_destroyed - s0.ranges_destroyed, 0);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), 0);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(emu_stats(&vm).ranges_created - s0.ranges_created, 0);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* A 2 MiB range cut by a new boundary is dropped, and refaults in pieces. */
static void test_split_drops_straddler(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	char *b = (char *)p;
	uintptr_t bounds[2] = { (uintptr_t)b + SZ_1M, (uintptr_t)b + SZ_1M + SZ_4K };
	struct xe_svm_emu_stats s0, s1;

	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	s0 = emu_stats(&vm);
	emu_madvise_pat(&vm, b + SZ_1M, SZ_4K, 31);
	s1 = emu_stats(&vm);
	svmt_assert_eq_u64(s1.ranges_destroyed - s0.ranges_destroyed, 1);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), 0);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_MAPPED), PAGES(size));
	expect_pages_within(&vm, p, size, bounds, 2);
	emu_assert_linear(p, n, V2, S2);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/*
 * ATOMIC CPU: a GPU atomic fails with -EACCES and writes nothing, on
 * unmapped memory, on memory the GPU mapped for reading and writing, and
 * on memory in VRAM; other GPU accesses work. Back to UNDEFINED, the
 * atomic works again.
 */
static void test_atomic_cpu_eacces(void)
{
	size_t size = SZ_64K, n = size / 8;
	uint64_t *p = emu_map_aligned(size, SZ_64K, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0), old = 0, got;

	emu_fill_linear(p, n, V1, S1);
	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_CPU);
	emu_assert_result(emu_atomic_add(&vm, &p[3], 1, &old), -EACCES);
	emu_assert_linear(p, n, V1, S1);
	/* Reads and writes are fine; atomics still are not. */
	emu_assert_result(emu_read(&vm, &p[3], &got), 0);
	svmt_assert_eq_u64(got, V1 + 3 * S1);
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM), PAGES(size));
	emu_assert_result(emu_atomic_add(&vm, &p[5], 1, &old), -EACCES);
	emu_assert_result(emu_atomic_add(&vm, &p[n - 1], 1, &old), -EACCES);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	emu_assert_linear(p, n, V2, S2);

	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_UNDEFINED);
	emu_assert_result(emu_atomic_add(&vm, &p[5], 1, &old), 0);
	svmt_assert_eq_u64(old, V2 + 5 * S2);
	svmt_assert_eq_u64(p[5], V2 + 5 * S2 + 1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/*
 * One atomic mode in a VM that keeps memory in system memory: with
 * @wants_vram the atomic moves its range to VRAM; the value is right
 * either way, and the CPU takes the memory back.
 */
static void atomic_mode_case(uint32_t mode, bool wants_vram)
{
	size_t size = SZ_64K, n = size / 8;
	uint64_t *p = emu_map_aligned(size, SZ_64K, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0), old = 0;
	struct xe_svm_emu_tile_stats t0;
	unsigned int i;

	emu_vm_placement(&vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	emu_fill_linear(p, n, V3, S3);
	if (mode != DRM_XE_ATOMIC_UNDEFINED)
		emu_madvise_atomic(&vm, p, size, mode);
	for (i = 0; i < 4; i++) {
		emu_assert_result(emu_atomic_add(&vm, &p[7], 2, &old), 0);
		svmt_assert_eq_u64(old, V3 + 7 * S3 + 2 * i);
	}
	svmt_assert_eq_u64(snap_pages(&vm, p, size, XE_SVM_EMU_SNAP_VRAM),
			   wants_vram ? PAGES(size) : 0);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use + (wants_vram ? PAGES(size) : 0));
	t0 = emu_tile_stats(vm.fd, 0);
	svmt_assert_eq_u64(p[7], V3 + 7 * S3 + 8);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).cpu_faults - t0.cpu_faults, wants_vram);
	p[7] -= 8;
	emu_assert_linear(p, n, V3, S3);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

static void test_atomic_undefined(void)
{
	/* Where the memory prefers system memory, atomics run there. */
	atomic_mode_case(DRM_XE_ATOMIC_UNDEFINED, false);
}

static void test_atomic_device(void)
{
	atomic_mode_case(DRM_XE_ATOMIC_DEVICE, true);
}

static void test_atomic_global(void)
{
	atomic_mode_case(DRM_XE_ATOMIC_GLOBAL, true);
}

/* PAT indices: valid and CPU-coherent ones only, for MADVISE and binds. */
static void test_pat_accept_reject(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_madvise a = {
		.vm_id = vm.id, .start = (uintptr_t)p, .range = size,
		.type = DRM_XE_MEM_RANGE_ATTR_PAT,
	};
	struct drm_xe_vm_bind_op op = emu_bind_op(DRM_XE_VM_BIND_OP_MAP,
						  DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR,
						  (uintptr_t)p, size);
	static const uint32_t bad[] = { 2, 3, 32, 0xffff, 0xffffffff };
	struct drm_xe_mem_range_attr *v;
	unsigned int i;

	emu_madvise_pat(&vm, p, size, 31);
	emu_madvise_pat(&vm, p, SZ_4K, 1);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		a.pat_index.val = bad[i];
		svmt_assert_eq_u64(__emu_madvise(vm.fd, &a), -EINVAL);
	}
	v = query_n(&vm, p, size, 2);
	expect_entry(&v[0], p, SZ_4K, 0, DRM_XE_ATOMIC_UNDEFINED, 1);
	expect_entry(&v[1], p + SZ_4K, size - SZ_4K, 0, DRM_XE_ATOMIC_UNDEFINED, 31);
	free(v);
	op.pat_index = 2;
	svmt_assert_eq_u64(__emu_bind_ops(vm.fd, vm.id, &op, 1), -EINVAL);
	op.pat_index = 3;
	svmt_assert_eq_u64(__emu_bind_ops(vm.fd, vm.id, &op, 1), -EINVAL);
	free(query_n(&vm, p, size, 2));
	emu_vm_destroy(&vm);
}

/* --- autoreset ----------------------------------------------------------- */

/* A fault-mode VM that mirrors [p, p + size) with MADVISE_AUTORESET. */
static struct emu_vm vm_mirroring_autoreset(void *p, size_t size)
{
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);
	struct drm_xe_vm_bind_op op = emu_bind_op(DRM_XE_VM_BIND_OP_MAP,
						  DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR |
						  DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET,
						  (uintptr_t)p, size);

	op.pat_index = 1;
	svmt_assert_ok(__emu_bind_ops(vm.fd, vm.id, &op, 1));
	return vm;
}

/*
 * munmap() of advised memory, then a new mapping at the same address:
 * the new memory has the defaults (the PAT index of the binding), with
 * (@touched) or without a GPU access to the old memory first.
 */
static void autoreset_case(bool touched)
{
	size_t size = SZ_4M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring_autoreset(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, p + SZ_2M, SZ_2M, DRM_XE_ATOMIC_CPU);
	emu_madvise_pref(&vm, p + SZ_2M, SZ_1M, DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM, 0);
	emu_madvise_pat(&vm, p + SZ_2M, SZ_4K, 31);
	free(query_n(&vm, p, size, 4));
	if (touched) {
		emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
		emu_assert_result(emu_atomic_add(&vm, p + SZ_2M, 1, NULL), -EACCES);
	}

	svmt_assert_ok(munmap(p + SZ_2M, SZ_2M));
	svmt_assert(mmap(p + SZ_2M, SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p + SZ_2M);
	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, 0, DRM_XE_ATOMIC_UNDEFINED, 1);
	free(v);
	/* The new memory takes GPU atomics again. */
	emu_assert_result(emu_atomic_add(&vm, p + SZ_2M, 5, NULL), 0);
	svmt_assert_eq_u64(*(uint64_t *)(p + SZ_2M), 5);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

static void test_autoreset_munmap_remap(void)
{
	autoreset_case(true);
}

static void test_autoreset_never_touched(void)
{
	/* Upstream resets from the GPU's ranges: memory never touched kept its advice. */
	autoreset_case(false);
}

/* Only what was unmapped goes back to the defaults. */
static void test_autoreset_partial(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring_autoreset(p, size);
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_GLOBAL);
	svmt_assert_ok(munmap(p + SZ_64K, SZ_64K));
	v = query_n(&vm, p, size, 3);
	expect_entry(&v[0], p, SZ_64K, 0, DRM_XE_ATOMIC_GLOBAL, 1);
	expect_entry(&v[1], p + SZ_64K, SZ_64K, 0, DRM_XE_ATOMIC_UNDEFINED, 1);
	expect_entry(&v[2], p + 2 * SZ_64K, size - 2 * SZ_64K, 0, DRM_XE_ATOMIC_GLOBAL, 1);
	free(v);
	/* mremap() away unmaps the old place too. */
	svmt_assert(mremap(p + SZ_1M, SZ_64K, SZ_64K, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p + SZ_64K) == p + SZ_64K);
	v = query_n(&vm, p, size, 5);
	expect_entry(&v[3], p + SZ_1M, SZ_64K, 0, DRM_XE_ATOMIC_UNDEFINED, 1);
	free(v);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* Without the flag, advice outlives the memory, as upstream's does. */
static void test_no_autoreset_keeps(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_mem_range_attr *v;

	emu_madvise_atomic(&vm, p, size, DRM_XE_ATOMIC_DEVICE);
	svmt_assert_ok(munmap(p, size));
	svmt_assert(mmap(p, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p);
	v = query_n(&vm, p, size, 1);
	expect_entry(&v[0], p, size, 0, DRM_XE_ATOMIC_DEVICE, 0);
	free(v);
	svmt_assert_eq_u64(emu_stats(&vm).ranges_live, 0);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* The flag on anything but a mirror MAP is -EINVAL, and binds nothing. */
static void test_autoreset_bad(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);
	static const uint32_t ops[] = {
		DRM_XE_VM_BIND_OP_MAP, DRM_XE_VM_BIND_OP_UNMAP, DRM_XE_VM_BIND_OP_PREFETCH,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		struct drm_xe_vm_bind_op op = emu_bind_op(ops[i],
							  DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET,
							  (uintptr_t)p, size);

		svmt_assert_eq_u64(__emu_bind_ops(vm.fd, vm.id, &op, 1), -EINVAL);
	}
	/* with the mirror flag on UNMAP: still -EINVAL */
	{
		struct drm_xe_vm_bind_op op = emu_bind_op(DRM_XE_VM_BIND_OP_UNMAP,
							  DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR |
							  DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET,
							  (uintptr_t)p, size);

		svmt_assert_eq_u64(__emu_bind_ops(vm.fd, vm.id, &op, 1), -EINVAL);
	}
	free(query_n(&vm, p, size, 0));
	emu_vm_destroy(&vm);
}

/* --- residency ---------------------------------------------------------- */

struct residency {
	unsigned long sys, vram, absent;
	char in[64], gpu[64], pref[16];
	bool found;
};

/*
 * The residency line of the range [p, p + size) in the VM's debugfs file
 * (xe_svm_emu/pid<pid>-file<n>-vm<id>, after the counters).
 */
static struct residency residency_of(struct emu_vm *vm, const void *p, size_t size)
{
	struct residency r = {};
	char suffix[32], line[512], path[512];
	struct dirent *d;
	char prefix[32];
	FILE *f = NULL;
	DIR *dir;

	snprintf(prefix, sizeof(prefix), "pid%d-", getpid());
	snprintf(suffix, sizeof(suffix), "-vm%u", vm->id);
	dir = opendir("/sys/kernel/debug/xe_svm_emu");
	if (!dir)
		svmt_skip("no debugfs: /sys/kernel/debug/xe_svm_emu: %s", strerror(errno));
	while ((d = readdir(dir)) && !f) {
		size_t n = strlen(d->d_name), m = strlen(suffix);

		if (strncmp(d->d_name, prefix, strlen(prefix)) || n < m ||
		    strcmp(d->d_name + n - m, suffix))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/xe_svm_emu/%s", d->d_name);
		f = fopen(path, "r");
	}
	closedir(dir);
	svmt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "range [0x%lx, 0x%lx) sys=%lu vram=%lu absent=%lu in=%63s gpu=%63s",
			   &s, &e, &r.sys, &r.vram, &r.absent, r.in, r.gpu) == 7 &&
		    s == (uintptr_t)p && e == (uintptr_t)p + size) {
			char *pref = strstr(line, " pref=");

			if (pref)
				sscanf(pref, " pref=%15s", r.pref);
			r.found = true;
			break;
		}
	}
	fclose(f);
	if (!r.found)
		svmt_fail(__FILE__, __LINE__, "no residency line for [%p, +0x%zx)", p, size);
	return r;
}

/* The debugfs view says where each range's pages are, and why. */
static void test_residency_debugfs(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *a = emu_anon_2m(size), *b = emu_anon_2m(size);
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct residency r;

	emu_assert_result(emu_fill(&vm, a, size, V1, S1), 0);
	r = residency_of(&vm, a, size);
	svmt_assert_eq_u64(r.vram, PAGES(size));
	svmt_assert_eq_u64(r.sys + r.absent, 0);
	svmt_assert(strstr(r.in, "tile0"));
	svmt_assert(!strcmp(r.gpu, "mapped,write,vram"));
	svmt_assert(!strcmp(r.pref, "device"));

	emu_madvise_pref(&vm, b, size, DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM, 0);
	emu_assert_result(emu_fill(&vm, b, size, V2, S2), 0);
	r = residency_of(&vm, b, size);
	svmt_assert_eq_u64(r.sys, PAGES(size));
	svmt_assert_eq_u64(r.vram, 0);
	svmt_assert(!strcmp(r.in, "-"));
	svmt_assert(!strcmp(r.gpu, "mapped,write"));
	svmt_assert(!strcmp(r.pref, "system"));

	/* The CPU takes A back: in system memory, no longer GPU-mapped. */
	emu_assert_linear(a, n, V1, S1);
	r = residency_of(&vm, a, size);
	svmt_assert_eq_u64(r.sys, PAGES(size));
	svmt_assert_eq_u64(r.vram, 0);
	svmt_assert(!strcmp(r.gpu, "-"));
	emu_assert_linear(b, n, V2, S2);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(a, size));
	svmt_assert_ok(munmap(b, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* --- bad input: documented errno, nothing changed ------------------- */

enum bad_vm { BAD_FAULT_VM, BAD_NON_FAULT_VM, BAD_NO_VM };

struct madvise_bad {
	const char *name;
	enum bad_vm vm;
	/* applied to a valid ATOMIC DEVICE over the 2 MiB window */
	void (*edit)(struct drm_xe_madvise *a, uintptr_t base, int fd);
	int err;
};

#define EDIT(fn, stmt) \
	static void fn(struct drm_xe_madvise *a, uintptr_t base, int fd) \
	{ (void)base; (void)fd; stmt; }

EDIT(e_none, (void)a)
EDIT(e_start_unaligned, a->start += 8)
EDIT(e_range_unaligned, a->range -= 8)
EDIT(e_range_zero, a->range = 0)
EDIT(e_overflow, (a->start = ~0ULL - SZ_4K + 1, a->range = 2 * SZ_4K))
EDIT(e_above_va, (a->start = EMU_VA_END - SZ_4K, a->range = 2 * SZ_4K))
EDIT(e_type3, a->type = 3)
EDIT(e_type99, a->type = 99)
EDIT(e_ext, a->extensions = 1)
EDIT(e_res0, a->reserved[0] = 1)
EDIT(e_res1, a->reserved[1] = 1)
EDIT(e_atomic4, a->atomic.val = 4)
EDIT(e_atomic_pad, a->atomic.pad = 1)
EDIT(e_atomic_res, a->atomic.reserved = 1)
EDIT(e_pat_pad, (a->type = DRM_XE_MEM_RANGE_ATTR_PAT, a->pat_index.val = 1,
		 a->pat_index.pad = 1))
EDIT(e_pat_res, (a->type = DRM_XE_MEM_RANGE_ATTR_PAT, a->pat_index.val = 1,
		 a->pat_index.reserved = 1))
EDIT(e_pref_fd_m2, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		    a->preferred_mem_loc.devmem_fd = (uint32_t)-2))
EDIT(e_pref_fd_closed, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
			a->preferred_mem_loc.devmem_fd = 1000,
			a->preferred_mem_loc.region_instance = 1))
EDIT(e_pref_fd_not_device, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
			    a->preferred_mem_loc.devmem_fd = 0 /* stdin: fixed below */,
			    a->preferred_mem_loc.region_instance = 1))
EDIT(e_pref_region5, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		      a->preferred_mem_loc.devmem_fd = fd,
		      a->preferred_mem_loc.region_instance = 5))
EDIT(e_pref_region0, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		      a->preferred_mem_loc.devmem_fd = fd,
		      a->preferred_mem_loc.region_instance = 0))
EDIT(e_pref_default_region, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
			     a->preferred_mem_loc.devmem_fd = 0,
			     a->preferred_mem_loc.region_instance = 1))
EDIT(e_pref_system_region, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
			    a->preferred_mem_loc.devmem_fd = (uint32_t)-1,
			    a->preferred_mem_loc.region_instance = 1))
EDIT(e_pref_policy2, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		      a->preferred_mem_loc.migration_policy = 2))
EDIT(e_pref_res, (a->type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		  a->preferred_mem_loc.reserved = 1))

static const struct madvise_bad madvise_bad[] = {
	{ "valid (control)", BAD_FAULT_VM, e_none, 0 },
	{ "start not page aligned", BAD_FAULT_VM, e_start_unaligned, -EINVAL },
	{ "range not page aligned", BAD_FAULT_VM, e_range_unaligned, -EINVAL },
	{ "range zero", BAD_FAULT_VM, e_range_zero, -EINVAL },
	{ "range wraps", BAD_FAULT_VM, e_overflow, -EINVAL },
	{ "range past the VA space", BAD_FAULT_VM, e_above_va, -EINVAL },
	{ "type 3 (upstream's BO purgeable state)", BAD_FAULT_VM, e_type3, -EINVAL },
	{ "type 99", BAD_FAULT_VM, e_type99, -EINVAL },
	{ "extensions", BAD_FAULT_VM, e_ext, -EINVAL },
	{ "reserved[0]", BAD_FAULT_VM, e_res0, -EINVAL },
	{ "reserved[1]", BAD_FAULT_VM, e_res1, -EINVAL },
	{ "atomic 4", BAD_FAULT_VM, e_atomic4, -EINVAL },
	{ "atomic pad", BAD_FAULT_VM, e_atomic_pad, -EINVAL },
	{ "atomic reserved", BAD_FAULT_VM, e_atomic_res, -EINVAL },
	{ "pat pad", BAD_FAULT_VM, e_pat_pad, -EINVAL },
	{ "pat reserved", BAD_FAULT_VM, e_pat_res, -EINVAL },
	{ "devmem_fd -2", BAD_FAULT_VM, e_pref_fd_m2, -EINVAL },
	{ "devmem_fd not open", BAD_FAULT_VM, e_pref_fd_closed, -EBADF },
	{ "devmem_fd not a device file", BAD_FAULT_VM, e_pref_fd_not_device, -EINVAL },
	{ "region instance 5", BAD_FAULT_VM, e_pref_region5, -EINVAL },
	{ "region instance 0 (system) with a device file", BAD_FAULT_VM, e_pref_region0, -EINVAL },
	{ "DEFAULT_DEVICE with a region", BAD_FAULT_VM, e_pref_default_region, -EINVAL },
	{ "DEFAULT_SYSTEM with a region", BAD_FAULT_VM, e_pref_system_region, -EINVAL },
	{ "migration policy 2", BAD_FAULT_VM, e_pref_policy2, -EINVAL },
	{ "preferred location reserved", BAD_FAULT_VM, e_pref_res, -EINVAL },
	{ "VM not in fault mode", BAD_NON_FAULT_VM, e_none, -EINVAL },
	{ "no such VM", BAD_NO_VM, e_none, -ENOENT },
};

static void test_madvise_bad(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct emu_vm lr = emu_vm_create(vm.fd, DRM_XE_VM_CREATE_FLAG_LR_MODE);
	int notdev = open("/dev/null", O_RDONLY);
	struct drm_xe_mem_range_attr *v;
	unsigned int i;

	svmt_assert(notdev >= 0);
	/* A tell-tale value the query must keep showing. */
	emu_madvise_atomic(&vm, p, SZ_4K, DRM_XE_ATOMIC_GLOBAL);
	for (i = 0; i < ARRAY_SIZE(madvise_bad); i++) {
		const struct madvise_bad *t = &madvise_bad[i];
		struct drm_xe_madvise a = {
			.start = (uintptr_t)p + SZ_64K, .range = SZ_64K,
			.type = DRM_XE_MEM_RANGE_ATTR_ATOMIC,
			.atomic.val = DRM_XE_ATOMIC_DEVICE,
		};
		struct xe_svm_emu_stats s0 = emu_stats(&vm), s1;
		int err;

		a.vm_id = t->vm == BAD_FAULT_VM ? vm.id : t->vm == BAD_NON_FAULT_VM ? lr.id : 999;
		t->edit(&a, (uintptr_t)p, vm.fd);
		if (t->edit == e_pref_fd_not_device)
			a.preferred_mem_loc.devmem_fd = notdev;
		err = __emu_madvise(vm.fd, &a);
		if (err != t->err)
			svmt_fail(__FILE__, __LINE__, "%s: got %s, expected %s", t->name,
				  emu_errname(err), emu_errname(t->err));
		s1 = emu_stats(&vm);
		emu_assert_stats_same(&s0, &s1);
		if (t->err) {
			v = query_n(&vm, p, size, 2);
			expect_entry(&v[0], p, SZ_4K, 0, DRM_XE_ATOMIC_GLOBAL, 0);
			expect_entry(&v[1], p + SZ_4K, size - SZ_4K, 0, DRM_XE_ATOMIC_UNDEFINED, 0);
			free(v);
		} else {
			free(query_n(&vm, p, size, 4));
			emu_madvise_atomic(&vm, p + SZ_64K, SZ_64K, DRM_XE_ATOMIC_UNDEFINED);
			/* The control's split stays: start over with a fresh window. */
			emu_mirror(&vm, p, size);
			emu_madvise_atomic(&vm, p, SZ_4K, DRM_XE_ATOMIC_GLOBAL);
		}
	}
	close(notdev);
	emu_vm_destroy(&lr);
	emu_vm_destroy(&vm);
}

struct query_bad {
	const char *name;
	bool no_vm;
	void (*edit)(struct drm_xe_vm_query_mem_range_attr *q, void *vec);
	int err;
};

#define QEDIT(fn, stmt) \
	static void fn(struct drm_xe_vm_query_mem_range_attr *q, void *vec) \
	{ (void)vec; stmt; }

QEDIT(q_none, (void)q)
QEDIT(q_fill_ok, (q->num_mem_ranges = 4, q->sizeof_mem_range_attr = 64,
		  q->vector_of_mem_attr = (uintptr_t)vec))
QEDIT(q_count_sizeof, q->sizeof_mem_range_attr = 64)
QEDIT(q_count_vector, q->vector_of_mem_attr = (uintptr_t)vec)
QEDIT(q_fill_size32, (q->num_mem_ranges = 4, q->sizeof_mem_range_attr = 32,
		      q->vector_of_mem_attr = (uintptr_t)vec))
QEDIT(q_fill_no_vector, (q->num_mem_ranges = 4, q->sizeof_mem_range_attr = 64))
QEDIT(q_fill_too_small, (q->num_mem_ranges = 1, q->sizeof_mem_range_attr = 64,
			 q->vector_of_mem_attr = (uintptr_t)vec))
QEDIT(q_fill_bad_pointer, (q->num_mem_ranges = 4, q->sizeof_mem_range_attr = 64,
			   q->vector_of_mem_attr = 8))
QEDIT(q_ext, q->extensions = 1)
QEDIT(q_res, q->reserved[1] = 1)
QEDIT(q_unaligned, q->start += 8)
QEDIT(q_range0, q->range = 0)
QEDIT(q_past_va, (q->start = EMU_VA_END - SZ_4K, q->range = 2 * SZ_4K))

static const struct query_bad query_bad[] = {
	{ "count (control)", false, q_none, 0 },
	{ "fill (control)", false, q_fill_ok, 0 },
	{ "count call with a size", false, q_count_sizeof, -EINVAL },
	{ "count call with a vector", false, q_count_vector, -EINVAL },
	{ "entry size 32", false, q_fill_size32, -EINVAL },
	{ "fill call without a vector", false, q_fill_no_vector, -EINVAL },
	{ "vector too small", false, q_fill_too_small, -ENOSPC },
	{ "vector not writable", false, q_fill_bad_pointer, -EFAULT },
	{ "extensions", false, q_ext, -EINVAL },
	{ "reserved", false, q_res, -EINVAL },
	{ "start not page aligned", false, q_unaligned, -EINVAL },
	{ "range zero", false, q_range0, -EINVAL },
	{ "range past the VA space", false, q_past_va, -EINVAL },
	{ "no such VM", true, q_none, -ENOENT },
};

static void test_query_bad(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct drm_xe_mem_range_attr vec[4];
	unsigned int i;

	emu_madvise_atomic(&vm, p + SZ_4K, SZ_4K, DRM_XE_ATOMIC_DEVICE);
	for (i = 0; i < ARRAY_SIZE(query_bad); i++) {
		const struct query_bad *t = &query_bad[i];
		struct drm_xe_vm_query_mem_range_attr q = {
			.vm_id = t->no_vm ? 999 : vm.id, .start = (uintptr_t)p, .range = size,
		};
		int err;

		t->edit(&q, vec);
		err = __emu_query_attrs(vm.fd, &q);
		if (err != t->err)
			svmt_fail(__FILE__, __LINE__, "%s: got %s, expected %s", t->name,
				  emu_errname(err), emu_errname(t->err));
		if (!err)
			svmt_assert_eq_u64(q.num_mem_ranges, 3);
	}
	emu_vm_destroy(&vm);
}

/*
 * Address edges and the argument pointers: the first and the last page of
 * the VA space can be advised and read back; a NULL or unreadable
 * argument, or an unwritable one for the query, is -EFAULT with nothing
 * changed.
 */
static void test_madvise_edges(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	const uint64_t top = EMU_VA_END - SZ_4K;
	struct drm_xe_madvise a = {
		.vm_id = vm.id, .start = top, .range = SZ_4K,
		.type = DRM_XE_MEM_RANGE_ATTR_ATOMIC, .atomic.val = DRM_XE_ATOMIC_GLOBAL,
	};
	struct drm_xe_vm_query_mem_range_attr q = {
		.vm_id = vm.id, .start = top, .range = SZ_4K,
	};
	struct drm_xe_mem_range_attr *v;
	uint32_t n;
	void *ro;

	svmt_assert_ok(__emu_madvise(vm.fd, &a));
	a.start = 0;
	svmt_assert_ok(__emu_madvise(vm.fd, &a));
	v = emu_query_attrs(&vm, top, SZ_4K, &n);
	svmt_assert_eq_u64(n, 1);
	svmt_assert_eq_u64(v[0].start, top);
	svmt_assert_eq_u64(v[0].end, EMU_VA_END);
	svmt_assert_eq_u64(v[0].atomic.val, DRM_XE_ATOMIC_GLOBAL);
	free(v);
	v = emu_query_attrs(&vm, 0, SZ_4K, &n);
	svmt_assert_eq_u64(n, 1);
	svmt_assert_eq_u64(v[0].start, 0);
	svmt_assert_eq_u64(v[0].end, SZ_4K);
	free(v);

	/* bad argument pointers */
	svmt_assert_eq_u64(__emu_madvise(vm.fd, NULL), -EFAULT);
	svmt_assert_eq_u64(__emu_query_attrs(vm.fd, NULL), -EFAULT);
	ro = emu_mmap(SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(ro, &q, sizeof(q));
	svmt_assert_ok(mprotect(ro, SZ_4K, PROT_READ));
	/* the count call must write the count back: a read-only argument fails */
	svmt_assert_eq_u64(__emu_query_attrs(vm.fd, ro), -EFAULT);
	svmt_assert_ok(munmap(ro, SZ_4K));
	/* nothing changed: the two advised pages and the default between */
	v = emu_query_attrs(&vm, 0, EMU_VA_END, &n);
	svmt_assert_eq_u64(n, 3);
	free(v);
	emu_vm_destroy(&vm);
}

/* --- races ------------------------------------------------------------- */

#define RACE_SIZE	(4 * SZ_2M)
#define RACE_SECONDS	8

struct race {
	struct emu_vm *vm;
	char *p;
	volatile int stop;
	unsigned long madvises, munmaps;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *race_madvise(void *arg)
{
	struct race *r = arg;
	unsigned int i;

	for (i = 0; !r->stop; i++) {
		size_t off = (size_t)(i * 37 % 512) * SZ_4K * 4;
		struct drm_xe_madvise a = {
			.vm_id = r->vm->id, .start = (uintptr_t)r->p + off % RACE_SIZE,
			.range = SZ_64K, .type = i % 3,
		};

		if (a.type == DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC)
			a.preferred_mem_loc.devmem_fd = i & 4 ? (uint32_t)-1 : 0;
		else if (a.type == DRM_XE_MEM_RANGE_ATTR_ATOMIC)
			a.atomic.val = i % 2 ? DRM_XE_ATOMIC_GLOBAL : DRM_XE_ATOMIC_DEVICE;
		else
			a.pat_index.val = i % 2 ? 31 : 0;
		if (a.start + a.range > (uintptr_t)r->p + RACE_SIZE)
			continue;
		svmt_assert_ok(__emu_madvise(r->vm->fd, &a));
		r->madvises++;
		/* Two vCPUs, three threads: let the GPU thread run too. */
		usleep(200);
	}
	return NULL;
}

static void *race_munmap(void *arg)
{
	struct race *r = arg;
	/* The last 2 MiB comes and goes; the first 6 MiB stays. */
	char *tail = r->p + RACE_SIZE - SZ_2M;
	unsigned int i;

	for (i = 0; !r->stop; i++) {
		svmt_assert_ok(munmap(tail, SZ_2M));
		svmt_assert(mmap(tail, SZ_2M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == tail);
		memset(tail, i, SZ_4K);
		r->munmaps++;
		usleep(500);
	}
	return NULL;
}

/*
 * MADVISE of all three kinds, GPU faults with atomics and munmap/mmap race
 * in threads for a few seconds; the part of the memory that stays must
 * keep every word, and the query must still tile the window.
 */
static void test_race_madvise_munmap_faults(void)
{
	size_t stay = RACE_SIZE - SZ_2M, n = stay / 8;
	char *p = (char *)emu_anon_2m(RACE_SIZE);
	struct emu_vm vm = vm_mirroring(p, RACE_SIZE);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct race r = { .vm = &vm, .p = p };
	struct drm_xe_mem_range_attr *v;
	double end = now_s() + RACE_SECONDS;
	pthread_t t1, t2;
	uint32_t nr, i;
	uint64_t at;

	emu_fill_linear((uint64_t *)p, n, V1, S1);
	svmt_assert_ok(pthread_create(&t1, NULL, race_madvise, &r));
	svmt_assert_ok(pthread_create(&t2, NULL, race_munmap, &r));
	for (i = 0; now_s() < end; i++) {
		size_t page = i * 131 % (stay / SZ_4K);
		uint64_t *w = (uint64_t *)(p + page * SZ_4K);
		uint64_t old;

		emu_assert_result(emu_atomic_add(&vm, w, 1, &old), 0);
		svmt_assert_eq_u64(old, V1 + page * PAGE_WORDS * S1);
		emu_assert_result(emu_atomic_add(&vm, w, -1ULL, &old), 0);
		emu_assert_gpu_linear(&vm, p + page * SZ_4K, SZ_64K - page % 16 * SZ_4K,
				      V1 + page * PAGE_WORDS * S1, S1);
	}
	r.stop = 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	svmt_info("%u GPU rounds, %lu madvises, %lu munmaps in %d s", i, r.madvises,
		  r.munmaps, RACE_SECONDS);
	svmt_assert(i > 0 && r.madvises > 0 && r.munmaps > 0);

	emu_assert_linear((uint64_t *)p, n, V1, S1);
	v = emu_query_attrs(&vm, (uintptr_t)p, RACE_SIZE, &nr);
	svmt_assert(nr >= 1);
	for (i = 0, at = (uintptr_t)p; i < nr; i++) {
		svmt_assert_eq_u64(v[i].start, at);
		svmt_assert(v[i].end > v[i].start);
		at = v[i].end;
	}
	svmt_assert_eq_u64(at, (uintptr_t)p + RACE_SIZE);
	free(v);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, RACE_SIZE));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

static const struct svmt_subtest subtests[] = {
	{ "query-default", test_query_default },
	{ "split-4k", test_split_4k },
	{ "split-64k", test_split_64k },
	{ "split-2m-unaligned", test_split_2m_unaligned },
	{ "query-windows", test_query_windows },
	{ "query-two-call", test_query_two_call },
	{ "rebind-resets", test_rebind_resets },
	{ "unmirrored-noop", test_unmirrored_noop },
	{ "whole-vm-mirror", test_whole_vm_mirror },
	{ "pref-system-keeps-system", test_pref_system_keeps_system },
	{ "pref-devmem-tile1", test_pref_devmem_tile1 },
	{ "no-migrate-at-call", test_no_migrate_at_call },
	{ "same-value-no-invalidate", test_same_value_no_invalidate },
	{ "split-drops-straddler", test_split_drops_straddler },
	{ "atomic-cpu-eacces", test_atomic_cpu_eacces },
	{ "atomic-undefined", test_atomic_undefined },
	{ "atomic-device", test_atomic_device },
	{ "atomic-global", test_atomic_global },
	{ "pat-accept-reject", test_pat_accept_reject },
	{ "autoreset-munmap-remap", test_autoreset_munmap_remap },
	{ "autoreset-never-touched", test_autoreset_never_touched },
	{ "autoreset-partial", test_autoreset_partial },
	{ "no-autoreset-keeps", test_no_autoreset_keeps },
	{ "autoreset-bad", test_autoreset_bad },
	{ "residency-debugfs", test_residency_debugfs },
	{ "madvise-bad", test_madvise_bad },
	{ "query-bad", test_query_bad },
	{ "madvise-edges", test_madvise_edges },
	{ "race-madvise-munmap-faults", test_race_madvise_munmap_faults, 60 },
};

SVMT_MAIN(subtests)
