// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_residency: XE_SVM_EMU_IOCTL_RESIDENCY, where each range's memory
 * is now (beyond upstream xe, which has counters only).
 *
 * The model under test: for every range of the VM that intersects the
 * interval asked, in address order and with its whole bounds, the query
 * counts the range's pages in system memory, in each tile's VRAM and
 * absent, as the CPU page tables have them (nothing is faulted in), and
 * says whether the GPU maps the range (for writing, from VRAM). It takes
 * the two calls of QUERY_MEM_RANGE_ATTRS: count, then fill, -ENOSPC when
 * ranges appeared in between. emu_residency() checks on every call what
 * holds for any answer (order, bounds, counts adding up, zero pads); the
 * subtests check what each situation must give. Data is checked word by
 * word where the GPU or the CPU touched it.
 *
 * VRAM: every subtest that moves memory to VRAM checks at its end, after
 * freeing its memory, that the pages in use are back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/emu.h"

#define SZ_1M		0x100000UL
#define PAGES(size)	((size) / SZ_4K)
#define R_MAPPED	XE_SVM_EMU_RES_GPU_MAPPED
#define R_WRITE		XE_SVM_EMU_RES_GPU_WRITE
#define R_VRAM		XE_SVM_EMU_RES_GPU_VRAM

static struct emu_vm vm_mirroring(void *p, size_t size, uint32_t placement)
{
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);

	emu_vm_placement(&vm, placement, 0);
	emu_mirror(&vm, p, size);
	return vm;
}

static void prefetch(struct emu_vm *vm, const void *p, size_t size, uint32_t region)
{
	int err = __emu_prefetch(vm->fd, vm->id, (uintptr_t)p, size, region);

	if (err)
		svmt_fail(__FILE__, __LINE__, "PREFETCH [%p, +0x%zx) to %u: %s", p, size, region,
			  strerror(-err));
}

static uint64_t vram_of(const struct xe_svm_emu_range_residency *e)
{
	uint64_t n = 0;
	unsigned int t;

	for (t = 0; t < XE_SVM_EMU_MAX_TILES; t++)
		n += e->vram_pages[t];
	return n;
}

/*
 * Each entry of [p, p + size) is one 2 MiB range, in order, covering it
 * exactly, with @sys system pages, @vram pages in tile @tile's VRAM and
 * the GPU flags @flags (mapped, write, VRAM).
 */
static void assert_2m_ranges(struct emu_vm *vm, const char *p, size_t size, uint64_t sys,
			     uint64_t vram, unsigned int tile, uint32_t flags)
{
	struct xe_svm_emu_range_residency *e;
	uint32_t i, n;

	e = emu_residency(vm, p, size, &n);
	svmt_assert_eq_u64(n, size / SZ_2M);
	for (i = 0; i < n; i++) {
		svmt_info("range %u: [0x%llx, 0x%llx) flags 0x%x sys %llu absent %llu vram %llu,%llu",
			  i, (unsigned long long)e[i].start, (unsigned long long)e[i].end,
			  e[i].flags, (unsigned long long)e[i].sys_pages,
			  (unsigned long long)e[i].absent_pages,
			  (unsigned long long)e[i].vram_pages[0],
			  (unsigned long long)e[i].vram_pages[1]);
		svmt_assert_eq_u64(e[i].start, (uintptr_t)p + i * SZ_2M);
		svmt_assert_eq_u64(e[i].end, e[i].start + SZ_2M);
		svmt_assert_eq_u64(e[i].flags & (R_MAPPED | R_WRITE | R_VRAM |
						 XE_SVM_EMU_RES_INCOMPLETE |
						 XE_SVM_EMU_RES_VRAM_MIXED), flags);
		svmt_assert_eq_u64(e[i].sys_pages, sys);
		svmt_assert_eq_u64(e[i].vram_pages[tile], vram);
		svmt_assert_eq_u64(vram_of(&e[i]), vram);
		svmt_assert_eq_u64(e[i].absent_pages, 0);
	}
	free(e);
}

/* GPU-written memory kept in system memory: system pages, mapped writable. */
static void test_residency_system(void)
{
	size_t size = 2 * SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	assert_2m_ranges(&vm, (char *)p, size, PAGES(SZ_2M), 0, 0, R_MAPPED | R_WRITE);
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* Prefetched to a tile's VRAM: every page there, mapped from VRAM. */
static void vram_case(uint32_t tile)
{
	size_t size = 2 * SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	struct xe_svm_emu_info info = {};
	uint64_t in_use;

	svmt_assert_ok(__emu_info(vm.fd, &info));
	if (tile >= info.num_tiles)
		svmt_skip("the device has %u tile(s)", info.num_tiles);
	in_use = emu_vram_in_use(vm.fd, tile);
	emu_fill_linear(p, n, V1, S1);
	prefetch(&vm, p, size, 1 + tile);
	assert_2m_ranges(&vm, (char *)p, size, 0, PAGES(SZ_2M), tile,
			 R_MAPPED | R_WRITE | R_VRAM);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, tile, in_use);
}

static void test_residency_vram(void)
{
	vram_case(0);
}

static void test_residency_vram_tile1(void)
{
	vram_case(1);
}

/*
 * Then prefetched back to system memory: system pages again, and the
 * device pages given back.
 */
static void test_residency_back_to_system(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);

	emu_fill_linear(p, n, V1, S1);
	prefetch(&vm, p, size, 1);
	assert_2m_ranges(&vm, (char *)p, size, 0, PAGES(size), 0, R_MAPPED | R_WRITE | R_VRAM);
	prefetch(&vm, p, size, 0);
	assert_2m_ranges(&vm, (char *)p, size, PAGES(size), 0, 0, R_MAPPED | R_WRITE);
	emu_assert_vram_in_use(vm.fd, 0, in_use);
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/*
 * A CPU access to one word of a range in VRAM brings (at least) that page
 * back: the pages that came back count as system memory, the others as
 * VRAM, the GPU mapping is gone, and a GPU pass maps it again with every
 * word right.
 */
static void test_residency_after_cpu_fault(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct xe_svm_emu_range_residency *e;
	uint64_t sys = 0, vram = 0, absent = 0;
	uint32_t i, m;

	emu_fill_linear(p, n, V1, S1);
	prefetch(&vm, p, size, 1);
	svmt_assert_eq_u64(p[n / 2], V1 + (n / 2) * S1);
	e = emu_residency(&vm, p, size, &m);
	svmt_assert(m >= 1);
	for (i = 0; i < m; i++) {
		sys += e[i].sys_pages;
		vram += e[i].vram_pages[0];
		absent += e[i].absent_pages;
		svmt_assert(!(e[i].flags & XE_SVM_EMU_RES_INCOMPLETE));
		/* The range that lost a page to the CPU is not GPU-mapped. */
		if ((uintptr_t)&p[n / 2] >= e[i].start && (uintptr_t)&p[n / 2] < e[i].end)
			svmt_assert_eq_u64(e[i].flags & R_MAPPED, 0);
	}
	free(e);
	svmt_info("after one CPU read: %llu system, %llu VRAM pages",
		  (unsigned long long)sys, (unsigned long long)vram);
	svmt_assert(sys >= 1);
	svmt_assert_eq_u64(absent, 0);
	svmt_assert_eq_u64(sys + vram, PAGES(size));
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/*
 * MADV_DONTNEED of 64 KiB inside a GPU-mapped range: those pages are
 * absent (nothing faulted them back), the rest stay in system memory, the
 * range is no longer fully mapped, and the GPU then reads zeroes there.
 */
static void test_residency_absent(void)
{
	size_t size = SZ_2M, n = size / 8, hole = 0x10000, at = SZ_1M;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	struct xe_svm_emu_range_residency *e;
	uint32_t m;
	size_t i;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	svmt_assert_ok(madvise((char *)p + at, hole, MADV_DONTNEED));
	e = emu_residency(&vm, p, size, &m);
	svmt_assert_eq_u64(m, 1);
	svmt_assert_eq_u64(e[0].absent_pages, PAGES(hole));
	svmt_assert_eq_u64(e[0].sys_pages, PAGES(size - hole));
	svmt_assert_eq_u64(vram_of(&e[0]), 0);
	svmt_assert_eq_u64(e[0].flags & R_MAPPED, 0);
	free(e);
	for (i = 0; i < hole / 8; i++)
		p[at / 8 + i] = V2 + i * S2;
	emu_assert_gpu_linear(&vm, (char *)p + at, hole, V2, S2);
	emu_assert_gpu_linear(&vm, p, at, V1, S1);
	emu_assert_linear(p + (at + hole) / 8, n - (at + hole) / 8,
			  V1 + ((at + hole) / 8) * S1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/*
 * The interval selects the ranges that intersect it, each reported with
 * its whole bounds; an interval with no range gives none.
 */
static void test_residency_interval(void)
{
	size_t size = 3 * SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	struct xe_svm_emu_range_residency *e;
	uint32_t m;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	e = emu_residency(&vm, p + SZ_2M + SZ_4K, SZ_4K, &m);
	svmt_assert_eq_u64(m, 1);
	svmt_assert_eq_u64(e[0].start, (uintptr_t)p + SZ_2M);
	svmt_assert_eq_u64(e[0].end, (uintptr_t)p + 2 * SZ_2M);
	free(e);
	e = emu_residency(&vm, p + SZ_2M - SZ_4K, 2 * SZ_4K, &m);
	svmt_assert_eq_u64(m, 2);
	svmt_assert_eq_u64(e[0].start, (uintptr_t)p);
	svmt_assert_eq_u64(e[1].start, (uintptr_t)p + SZ_2M);
	free(e);
	e = emu_residency(&vm, p + size, SZ_2M, &m);
	svmt_assert_eq_u64(m, 0);
	free(e);
	e = emu_residency(&vm, (void *)0, 1ULL << 47, &m);
	svmt_assert_eq_u64(m, 3);
	free(e);
	emu_assert_linear((uint64_t *)p, size / 8, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* Memory the CPU unmapped is not listed once munmap() has returned. */
static void test_residency_munmap_gone(void)
{
	size_t size = 2 * SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_VRAM);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct xe_svm_emu_range_residency *e;
	uint32_t m;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	e = emu_residency(&vm, p, size, &m);
	svmt_assert_eq_u64(m, 2);
	free(e);
	svmt_assert_ok(munmap(p + SZ_2M, SZ_2M));
	e = emu_residency(&vm, p, size, &m);
	svmt_assert_eq_u64(m, 1);
	svmt_assert_eq_u64(e[0].start, (uintptr_t)p);
	free(e);
	svmt_assert_ok(munmap(p, SZ_2M));
	e = emu_residency(&vm, p, size, &m);
	svmt_assert_eq_u64(m, 0);
	free(e);
	emu_vm_destroy(&vm);
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/*
 * A range that appears between the count and the fill makes the fill
 * -ENOSPC, with nothing written to the vector or the argument.
 */
static void test_residency_enospc(void)
{
	size_t size = 2 * SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	struct xe_svm_emu_residency q = { .vm_id = vm.id, .start = (uintptr_t)p, .range = size };
	struct xe_svm_emu_range_residency v[2];
	struct xe_svm_emu_residency before;
	uint64_t word;
	size_t i;

	emu_assert_result(emu_read(&vm, p, &word), 0);
	svmt_assert_ok(__emu_residency(vm.fd, &q));
	svmt_assert_eq_u64(q.num_ranges, 1);
	emu_assert_result(emu_read(&vm, p + SZ_2M, &word), 0);
	memset(v, 0xa5, sizeof(v));
	q.vector = (uintptr_t)v;
	before = q;
	svmt_assert_eq_u64(__emu_residency(vm.fd, &q), -ENOSPC);
	svmt_assert(!memcmp(&q, &before, sizeof(q)));
	for (i = 0; i < sizeof(v); i++)
		svmt_assert_eq_u64(((unsigned char *)v)[i], 0xa5);
	q.num_ranges = 2;
	svmt_assert_ok(__emu_residency(vm.fd, &q));
	svmt_assert_eq_u64(q.num_ranges, 2);
	svmt_assert_eq_u64(v[1].start, (uintptr_t)p + SZ_2M);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* Bad arguments: each its documented errno, nothing written. */
static void test_residency_bad(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	struct xe_svm_emu_range_residency v[2];
	void *ro = emu_mmap(SZ_4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct {
		const char *what;
		unsigned int field;
		uint64_t value;
		int err;
	} rows[] = {
		{ "flags", 0, 1, -EINVAL },
		{ "reserved[0]", 1, 1, -EINVAL },
		{ "reserved[1]", 2, 1, -EINVAL },
		{ "start not page aligned", 3, 8, -EINVAL },
		{ "range zero", 4, 0, -EINVAL },
		{ "range not page aligned", 4, SZ_4K + 8, -EINVAL },
		{ "start + range wraps", 5, 0, -EINVAL },
		{ "range past the VA space", 6, 0, -EINVAL },
		{ "sizeof_entry too small", 7, sizeof(v[0]) - 8, -EINVAL },
		{ "sizeof_entry too big", 7, sizeof(v[0]) + 8, -EINVAL },
		{ "vector without num_ranges", 8, 0, -EINVAL },
		{ "num_ranges without vector", 9, 0, -EINVAL },
		{ "sizeof_entry alone", 10, 0, -EINVAL },
		{ "unknown vm", 11, 0, -ENOENT },
		{ "read-only vector", 12, 0, -EFAULT },
	};
	uint64_t word;
	unsigned int i;

	emu_assert_result(emu_read(&vm, p, &word), 0);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct xe_svm_emu_residency q = {
			.vm_id = vm.id, .start = (uintptr_t)p, .range = size,
			.num_ranges = 2, .sizeof_entry = sizeof(v[0]), .vector = (uintptr_t)v,
		};
		struct xe_svm_emu_residency before;
		size_t b;
		int err;

		switch (rows[i].field) {
		case 0: q.flags = rows[i].value; break;
		case 1: q.reserved[0] = rows[i].value; break;
		case 2: q.reserved[1] = rows[i].value; break;
		case 3: q.start += rows[i].value; break;
		case 4: q.range = rows[i].value; break;
		case 5: q.range = -q.start; q.range += SZ_4K; break;
		case 6: q.start = (1ULL << 48) - SZ_4K; q.range = 2 * SZ_4K; break;
		case 7: q.sizeof_entry = rows[i].value; break;
		case 8: q.num_ranges = 0; break;
		case 9: q.vector = 0; break;
		case 10: q.num_ranges = 0; q.vector = 0; break;
		case 11: q.vm_id = vm.id + 1000; break;
		case 12: q.vector = (uintptr_t)ro; break;
		}
		memset(v, 0xa5, sizeof(v));
		before = q;
		err = __emu_residency(vm.fd, &q);
		if (err != rows[i].err)
			svmt_fail(__FILE__, __LINE__, "%s: got %d, want %d", rows[i].what, err,
				  rows[i].err);
		svmt_assert(!memcmp(&q, &before, sizeof(q)));
		for (b = 0; b < sizeof(v); b++)
			svmt_assert_eq_u64(((unsigned char *)v)[b], 0xa5);
	}
	svmt_assert_eq_u64(ioctl(vm.fd, XE_SVM_EMU_IOCTL_RESIDENCY, NULL) ? errno : 0, EFAULT);
	svmt_assert_ok(munmap(ro, SZ_4K));
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/*
 * Queries race munmap/mmap of the last 2 MiB and GPU faults on it: each
 * answer holds together (emu_residency() checks order and counts) or is
 * -ENOSPC, the ranges that stay are reported in VRAM, and their data
 * keeps every word.
 */
static void test_residency_racing_munmap(void)
{
	size_t size = 4 * SZ_2M, stay = 3 * SZ_2M, n = stay / 8;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size, XE_SVM_EMU_PLACE_SYSTEM);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct emu_remap_loop r;
	unsigned int i, enospc = 0;
	unsigned long rounds;

	emu_fill_linear((uint64_t *)p, n, V1, S1);
	prefetch(&vm, p, stay, 1);
	assert_2m_ranges(&vm, p, stay, 0, PAGES(SZ_2M), 0, R_MAPPED | R_WRITE | R_VRAM);
	emu_remap_loop_start(&r, p + stay, 200);
	for (i = 0; i < 200; i++) {
		struct xe_svm_emu_residency q = {
			.vm_id = vm.id, .start = (uintptr_t)p, .range = size,
		};
		struct xe_svm_emu_range_residency v[8];
		uint64_t word;
		uint32_t j;
		int err;

		/* The GPU faults the tail in (or finds it unmapped). */
		(void)emu_read(&vm, p + stay + SZ_4K, &word);
		svmt_assert_ok(__emu_residency(vm.fd, &q));
		q.num_ranges = ARRAY_SIZE(v);
		q.vector = (uintptr_t)v;
		err = __emu_residency(vm.fd, &q);
		if (err == -ENOSPC) {
			enospc++;
			continue;
		}
		svmt_assert_ok(err);
		svmt_assert(q.num_ranges >= 3);
		for (j = 0; j < 3; j++) {
			svmt_assert_eq_u64(v[j].start, (uintptr_t)p + j * SZ_2M);
			if (v[j].vram_pages[0] != PAGES(SZ_2M))
				svmt_fail(__FILE__, __LINE__,
					  "query %u, range %u: flags 0x%x sys %llu absent %llu vram %llu,%llu",
					  i, j, v[j].flags, (unsigned long long)v[j].sys_pages,
					  (unsigned long long)v[j].absent_pages,
					  (unsigned long long)v[j].vram_pages[0],
					  (unsigned long long)v[j].vram_pages[1]);
		}
		for (j = 3; j < q.num_ranges; j++) {
			svmt_assert(v[j].start >= (uintptr_t)p + stay);
			svmt_assert(v[j].end <= (uintptr_t)p + size);
		}
	}
	rounds = emu_remap_loop_stop(&r);
	svmt_info("200 queries (%u -ENOSPC), %lu remaps", enospc, rounds);
	emu_assert_gpu_linear(&vm, p, stay, V1, S1);
	emu_assert_linear((uint64_t *)p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

static const struct svmt_subtest subtests[] = {
	{ "residency-system", test_residency_system },
	{ "residency-vram", test_residency_vram },
	{ "residency-vram-tile1", test_residency_vram_tile1 },
	{ "residency-back-to-system", test_residency_back_to_system },
	{ "residency-after-cpu-fault", test_residency_after_cpu_fault },
	{ "residency-absent", test_residency_absent },
	{ "residency-interval", test_residency_interval },
	{ "residency-munmap-gone", test_residency_munmap_gone },
	{ "residency-enospc", test_residency_enospc },
	{ "residency-bad", test_residency_bad },
	{ "residency-racing-munmap", test_residency_racing_munmap, 120 },
};

SVMT_MAIN(subtests)
