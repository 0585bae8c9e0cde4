// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_prefetch: DRM_XE_VM_BIND_OP_PREFETCH of mirrored memory on the
 * emulated device (its VM_BIND takes xe's struct drm_xe_vm_bind_op).
 *
 * The model under test: a prefetch of [addr, addr + range) creates the
 * ranges GPU faults would, moves each to the destination its region
 * instance names (0: system memory, 1 + t: tile t's VRAM,
 * DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC: the preferred location of its
 * memory-range attribute) and maps it on the GPU, writable where the CPU
 * may write, so that the GPU accesses that follow take no fault
 * (exec.faults == 0) and the SVM fault counter does not move. Addresses
 * no window or no CPU VMA covers are skipped; VRAM that cannot be had
 * leaves the memory mapped from system memory, as the fault path does.
 * Data is checked word by word, by the GPU and the CPU.
 *
 * VRAM: every subtest reads the pages in use first and checks at its end,
 * after freeing its memory, that they are back.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/emu.h"

#define SZ_1M		0x100000UL
#define SZ_4M		0x400000UL
#define PAGES(size)	((size) / SZ_4K)
#define PREF_LOC	((uint32_t)DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC)

static struct emu_vm vm_mirroring(void *p, size_t size)
{
	struct emu_vm vm = emu_vm_create(emu_open(), EMU_VM_FAULT);

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

/* Pages of [p, p + size) whose snapshot entry has all of @bits (non-zero). */
static size_t pages_with(struct emu_vm *vm, const void *p, size_t size, uint32_t bits)
{
	uint32_t *e = emu_snapshot_alloc(vm, p, size);
	size_t i, n = 0;

	for (i = 0; i < PAGES(size); i++)
		n += e[i] && (e[i] & bits) == bits;
	free(e);
	return n;
}

#define MAPPED		XE_SVM_EMU_SNAP_MAPPED
#define MAPPED_W	(XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_WRITE)
#define IN_VRAM		(XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_VRAM)

/* After a prefetch: GPU reads and writes take no fault, SVM faults unmoved. */
static void gpu_no_faults(struct emu_vm *vm, uint64_t *p, size_t size, uint64_t v, uint64_t s,
			  uint64_t v2, uint64_t s2)
{
	uint64_t faults = emu_stats(vm).faults;

	emu_assert_gpu_linear(vm, p, size, v, s);
	svmt_assert_eq_u64(vm->faults, 0);
	emu_assert_result(emu_fill(vm, p, size, v2, s2), 0);
	svmt_assert_eq_u64(vm->faults, 0);
	svmt_assert_eq_u64(emu_stats(vm).faults, faults);
}

static void vram_case(uint32_t tile)
{
	size_t size = SZ_4M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use0 = emu_vram_in_use(vm.fd, 0), in_use1 = 0;
	struct xe_svm_emu_info info = {};
	uint64_t faults = emu_stats(&vm).faults;

	svmt_assert_ok(__emu_info(vm.fd, &info));
	if (tile >= info.num_tiles)
		svmt_skip("the device has %u tile(s)", info.num_tiles);
	if (tile)
		in_use1 = emu_vram_in_use(vm.fd, tile);
	emu_fill_linear(p, n, V1, S1);
	prefetch(&vm, p, size, 1 + tile);
	svmt_assert_eq_u64(emu_stats(&vm).faults, faults);
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM | XE_SVM_EMU_SNAP_WRITE), PAGES(size));
	if (tile) {
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, tile), in_use1 + PAGES(size));
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0);
	} else {
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0 + PAGES(size));
	}
	gpu_no_faults(&vm, p, size, V1, S1, V2, S2);
	emu_assert_linear(p, n, V2, S2);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	if (tile)
		emu_assert_vram_in_use(vm.fd, tile, in_use1);
}

static void test_prefetch_vram_no_faults(void)
{
	vram_case(0);
}

static void test_prefetch_vram_tile1(void)
{
	vram_case(1);
}

/* Untouched memory: VRAM pages that read zero, writable at once. */
static void test_prefetch_untouched(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);

	prefetch(&vm, p, size, 1);
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM | XE_SVM_EMU_SNAP_WRITE), PAGES(size));
	gpu_no_faults(&vm, p, size, 0, 0, V3, S3);
	emu_assert_linear(p, n, V3, S3);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* To system memory: VRAM pages come back before the GPU maps them. */
static void test_prefetch_system_from_vram(void)
{
	size_t size = SZ_4M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct xe_svm_emu_tile_stats t0, t1;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM), PAGES(size));
	t0 = emu_tile_stats(vm.fd, 0);
	prefetch(&vm, p, size, 0);
	t1 = emu_tile_stats(vm.fd, 0);
	svmt_assert_eq_u64(t1.migrated_to_ram - t0.migrated_to_ram, PAGES(size));
	svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED_W), PAGES(size));
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM), 0);
	emu_assert_vram_in_use(vm.fd, 0, in_use);
	gpu_no_faults(&vm, p, size, V1, S1, V2, S2);
	/* The CPU finds its memory at home: no CPU fault on a device page. */
	t0 = emu_tile_stats(vm.fd, 0);
	emu_assert_linear(p, n, V2, S2);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).cpu_faults, t0.cpu_faults);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/*
 * DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC: each part goes where its attribute
 * says: system memory, the default VRAM (tile 0), tile 1's VRAM.
 */
static void test_prefetch_pref_loc(void)
{
	size_t size = 3 * SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	char *b = (char *)p;
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use0 = emu_vram_in_use(vm.fd, 0), in_use1 = 0;
	struct xe_svm_emu_info info = {};
	bool two = false;

	svmt_assert_ok(__emu_info(vm.fd, &info));
	two = info.num_tiles > 1;
	if (two)
		in_use1 = emu_vram_in_use(vm.fd, 1);
	emu_fill_linear(p, n, V3, S3);
	emu_madvise_pref(&vm, b, SZ_2M, DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM, 0);
	if (two)
		emu_madvise_pref(&vm, b + 2 * SZ_2M, SZ_2M, vm.fd, 2);
	prefetch(&vm, p, size, PREF_LOC);

	svmt_assert_eq_u64(pages_with(&vm, b, SZ_2M, MAPPED_W), PAGES(SZ_2M));
	svmt_assert_eq_u64(pages_with(&vm, b, SZ_2M, IN_VRAM), 0);
	svmt_assert_eq_u64(pages_with(&vm, b + SZ_2M, SZ_2M, IN_VRAM), PAGES(SZ_2M));
	svmt_assert_eq_u64(pages_with(&vm, b + 2 * SZ_2M, SZ_2M, IN_VRAM), PAGES(SZ_2M));
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0),
			   in_use0 + PAGES(SZ_2M) * (two ? 1 : 2));
	if (two)
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 1), in_use1 + PAGES(SZ_2M));
	gpu_no_faults(&vm, p, size, V3, S3, V1, S1);
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	if (two)
		emu_assert_vram_in_use(vm.fd, 1, in_use1);
}

/* VRAM full: mapped from system memory, counted as a fallback. */
static void test_prefetch_vram_full_fallback(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct xe_svm_emu_stats s0 = emu_stats(&vm);

	emu_fill_linear(p, n, V2, S2);
	emu_fail_next("fail_vram_alloc", 1);
	prefetch(&vm, p, size, 1);
	/* Armed on every tile, used on tile 0 only. */
	emu_fail_next("fail_vram_alloc", 0);
	svmt_assert_eq_u64(emu_stats(&vm).vram_fallbacks - s0.vram_fallbacks, 1);
	svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED_W), PAGES(size));
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM), 0);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use);
	gpu_no_faults(&vm, p, size, V2, S2, V3, S3);
	emu_assert_linear(p, n, V3, S3);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* A hole in the CPU address space is skipped; both sides are mapped. */
static void test_prefetch_holes_skipped(void)
{
	size_t size = 3 * SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);

	emu_fill_linear((uint64_t *)p, SZ_2M / 8, V1, S1);
	emu_fill_linear((uint64_t *)(p + 2 * SZ_2M), SZ_2M / 8, V2, S2);
	svmt_assert_ok(munmap(p + SZ_2M, SZ_2M));
	prefetch(&vm, p, size, 1);
	svmt_assert_eq_u64(pages_with(&vm, p, SZ_2M, IN_VRAM), PAGES(SZ_2M));
	svmt_assert_eq_u64(pages_with(&vm, p + SZ_2M, SZ_2M, MAPPED), 0);
	svmt_assert_eq_u64(pages_with(&vm, p + 2 * SZ_2M, SZ_2M, IN_VRAM), PAGES(SZ_2M));
	emu_assert_gpu_linear(&vm, p, SZ_2M, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_gpu_linear(&vm, p + 2 * SZ_2M, SZ_2M, V2, S2);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_result(emu_read(&vm, p + SZ_2M, NULL), -EFAULT);
	emu_assert_linear((uint64_t *)p, SZ_2M / 8, V1, S1);
	emu_assert_linear((uint64_t *)(p + 2 * SZ_2M), SZ_2M / 8, V2, S2);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, SZ_2M));
	svmt_assert_ok(munmap(p + 2 * SZ_2M, SZ_2M));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* Read-only memory is mapped read-only: reads free, writes refused. */
static void test_prefetch_readonly(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);

	emu_fill_linear(p, n, V1, S1);
	svmt_assert_ok(mprotect(p, size, PROT_READ));
	prefetch(&vm, p, size, 1);
	svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED), PAGES(size));
	svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED_W), 0);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_result(emu_write(&vm, &p[9], 1), -EPERM);
	emu_assert_linear(p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* Shared memory cannot become device pages: mapped where it is. */
static void test_prefetch_shared_stays(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);

	emu_fill_linear(p, n, V2, S2);
	prefetch(&vm, p, size, 1);
	svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED_W), PAGES(size));
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM), 0);
	gpu_no_faults(&vm, p, size, V2, S2, V1, S1);
	emu_assert_linear(p, n, V1, S1);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
}

/* Where nothing is mirrored, a prefetch does nothing, successfully. */
static void test_prefetch_unmirrored_noop(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(2 * size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct emu_vm plain = emu_vm_create(vm.fd, DRM_XE_VM_CREATE_FLAG_LR_MODE);

	memset(p, 1, 2 * size);
	/* Half mirrored: only that half is mapped. */
	prefetch(&vm, p, 2 * size, 1);
	svmt_assert_eq_u64(pages_with(&vm, p, size, IN_VRAM), PAGES(size));
	svmt_assert_eq_u64(pages_with(&vm, p + size, size, MAPPED), 0);
	/* A VM not in fault mode has nothing to prefetch. */
	svmt_assert_ok(__emu_prefetch(vm.fd, plain.id, (uintptr_t)p, size, 1));
	emu_vm_destroy(&plain);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, 2 * size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/* Bad PREFETCH arguments: -EINVAL, and nothing mapped. */
static void test_prefetch_bad(void)
{
	size_t size = SZ_2M;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	struct xe_svm_emu_info info = {};
	struct {
		const char *what;
		uint32_t field, value;
	} rows[] = {
		{ "mirror flag", 0, DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR },
		{ "READONLY flag", 0, DRM_XE_VM_BIND_FLAG_READONLY },
		{ "region past the tiles", 1, 0 },
		{ "region 31", 1, 31 },
		{ "region -2", 1, (uint32_t)-2 },
		{ "obj", 2, 1 },
		{ "pat_index 32", 3, 32 },
		{ "pad", 4, 1 },
		{ "pad2", 5, 1 },
		{ "reserved[2]", 6, 1 },
		{ "extensions", 7, 1 },
		{ "addr not page aligned", 8, 8 },
		{ "range zero", 9, 0 },
		{ "addr + range wraps", 10, 0 },
		{ "range past the VA space", 11, 0 },
	};
	unsigned int i;

	svmt_assert_ok(__emu_info(vm.fd, &info));
	rows[2].value = info.num_tiles + 1;
	memset(p, 7, size);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct drm_xe_vm_bind_op op = emu_bind_op(DRM_XE_VM_BIND_OP_PREFETCH, 0,
							  (uintptr_t)p, size);
		int err;

		op.prefetch_mem_region_instance = 1;
		switch (rows[i].field) {
		case 0: op.flags = rows[i].value; break;
		case 1: op.prefetch_mem_region_instance = rows[i].value; break;
		case 2: op.obj = rows[i].value; break;
		case 3: op.pat_index = rows[i].value; break;
		case 4: op.pad = rows[i].value; break;
		case 5: op.pad2 = rows[i].value; break;
		case 6: op.reserved[2] = rows[i].value; break;
		case 7: op.extensions = rows[i].value; break;
		case 8: op.addr += rows[i].value; break;
		case 9: op.range = rows[i].value; break;
		case 10: op.addr = ~0ULL - SZ_4K + 1; op.range = 2 * SZ_4K; break;
		case 11: op.addr = EMU_VA_END - SZ_4K; op.range = 2 * SZ_4K; break;
		}
		err = __emu_bind_ops(vm.fd, vm.id, &op, 1);
		if (err != -EINVAL)
			svmt_fail(__FILE__, __LINE__, "%s: got %s, expected EINVAL", rows[i].what,
				  emu_errname(err));
	}
	svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED), 0);
	svmt_assert_eq_u64(emu_stats(&vm).ranges_created, 0);
	emu_vm_destroy(&vm);
}

/*
 * A prefetch maps writable; an mprotect() down afterwards must take the
 * GPU's write access away (the GPU write fails, nothing written), and
 * back up must give it back.
 */
static void test_prefetch_then_mprotect(void)
{
	size_t size = SZ_2M, n = size / 8;
	uint64_t *p = emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	unsigned int round;

	emu_fill_linear(p, n, V1, S1);
	for (round = 0; round < 2; round++) {
		/* round 0 from VRAM, round 1 from system memory */
		prefetch(&vm, p, size, round ? 0 : 1);
		svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED_W), PAGES(size));
		svmt_assert_ok(mprotect(p, size, PROT_READ));
		svmt_assert_eq_u64(pages_with(&vm, p, size, MAPPED_W), 0);
		emu_assert_result(emu_write(&vm, &p[17], 1), -EPERM);
		emu_assert_result(emu_atomic_add(&vm, &p[18], 1, NULL), -EPERM);
		emu_assert_gpu_linear(&vm, p, size, V1, S1);
		svmt_assert_ok(mprotect(p, size, PROT_READ | PROT_WRITE));
		emu_assert_result(emu_write(&vm, &p[17], V1 + 17 * S1), 0);
		emu_assert_linear(p, n, V1, S1);
	}
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/*
 * Prefetches to VRAM and back race munmap/mmap of the last 2 MiB: each
 * succeeds (or reports the race as -EBUSY), and the memory that stays
 * keeps every word.
 */
static void test_prefetch_racing_munmap(void)
{
	size_t size = 4 * SZ_2M, stay = 3 * SZ_2M, n = stay / 8;
	char *p = (char *)emu_anon_2m(size);
	struct emu_vm vm = vm_mirroring(p, size);
	uint64_t in_use = emu_vram_in_use(vm.fd, 0);
	struct emu_remap_loop r;
	unsigned long rounds;
	unsigned int i;

	emu_fill_linear((uint64_t *)p, n, V1, S1);
	emu_remap_loop_start(&r, p + stay, 300);
	for (i = 0; i < 12; i++) {
		int err = __emu_prefetch(vm.fd, vm.id, (uintptr_t)p, size, i % 2 ? 0 : 1);

		if (err && err != -EBUSY)
			svmt_fail(__FILE__, __LINE__, "PREFETCH %u: %s", i, strerror(-err));
	}
	rounds = emu_remap_loop_stop(&r);
	svmt_info("12 prefetches, %lu munmaps", rounds);
	emu_assert_gpu_linear(&vm, p, stay, V1, S1);
	emu_assert_linear((uint64_t *)p, n, V1, S1);
	emu_vm_destroy(&vm);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use);
}

/*
 * (d) Time: a fatal signal ends a long PREFETCH at once. The child
 * prefetches 192 MiB of CPU-initialised memory to tile 0's VRAM, about
 * 4 s of migration on the test guest; it is killed half a second in. It
 * must be reaped within 1.5 s (the prefetch stops between ranges; one
 * range's migration is tens of milliseconds; the rest is the process's
 * teardown), the PREFETCH must not have finished (the race happened), and
 * every VRAM page it had taken must be back once its address space is
 * gone.
 */
#define PFK_SIZE	(192UL << 20)

struct pfk {
	struct emu_pipes pp;
};

static void pfk_child(void *arg)
{
	struct pfk *k = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(PFK_SIZE);

	emu_fill_linear(p, PFK_SIZE / 8, V1, S1);
	emu_send_byte(k->pp.to_parent[1]);
	svmt_assert_ok(__emu_prefetch(vm.fd, vm.id, (uintptr_t)p, PFK_SIZE, 1));
	/* Not reached unless the prefetch ended before the signal. */
	emu_send_byte(k->pp.to_parent[1]);
}

static void test_prefetch_sigkill(void)
{
	int fd = emu_open();
	uint64_t in_use0;
	struct pfk k;
	pid_t pid;
	char c;

	in_use0 = emu_vram_in_use(fd, 0);
	if (emu_tile_stats(fd, 0).vram_pages - in_use0 < PAGES(PFK_SIZE))
		svmt_skip("tile 0 has less than %lu MiB of VRAM free", PFK_SIZE >> 20);
	emu_pipes_init(&k.pp);
	pid = emu_fork(pfk_child, &k);
	emu_recv_byte(k.pp.to_parent[0]);
	usleep(500000);
	emu_kill_reap(pid, 1.5);
	/* The prefetch had not finished: the race really happened. */
	close(k.pp.to_parent[1]);
	svmt_assert_eq_u64(read(k.pp.to_parent[0], &c, 1), 0);
	emu_assert_vram_in_use(fd, 0, in_use0);
	close(fd);
}

static const struct svmt_subtest subtests[] = {
	{ "prefetch-vram-no-faults", test_prefetch_vram_no_faults },
	{ "prefetch-vram-tile1", test_prefetch_vram_tile1 },
	{ "prefetch-untouched", test_prefetch_untouched },
	{ "prefetch-system-from-vram", test_prefetch_system_from_vram },
	{ "prefetch-pref-loc", test_prefetch_pref_loc },
	{ "prefetch-vram-full-fallback", test_prefetch_vram_full_fallback },
	{ "prefetch-holes-skipped", test_prefetch_holes_skipped },
	{ "prefetch-readonly", test_prefetch_readonly },
	{ "prefetch-shared-stays", test_prefetch_shared_stays },
	{ "prefetch-unmirrored-noop", test_prefetch_unmirrored_noop },
	{ "prefetch-bad", test_prefetch_bad },
	{ "prefetch-then-mprotect", test_prefetch_then_mprotect },
	{ "prefetch-racing-munmap", test_prefetch_racing_munmap, 120 },
	{ "prefetch-sigkill", test_prefetch_sigkill, 120 },
};

SVMT_MAIN(subtests)
