// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_migrate: the SVM core moves process memory into the emulated
 * VRAM of a tile on GPU faults and back to system memory on CPU faults.
 * Every VM here keeps the device's default placement (VRAM of tile 0)
 * unless a subtest changes it; xe_svm_system covers system memory only.
 *
 * The placement policy under test: a GPU fault migrates its range to VRAM
 * iff the VM's placement is VRAM, the CPU VMA is anonymous private memory
 * (not MAP_SHARED, not a file, not hugetlbfs), and the range is at least
 * 64 KiB or the access is an atomic. A CPU access to a page in VRAM brings
 * back the naturally aligned window of the range's size around it (2 MiB,
 * 64 KiB or 4 KiB, clipped to the VMA) and zaps its GPU mapping.
 *
 * Counting exactly: a range is the largest naturally aligned 2 MiB,
 * 64 KiB or 4 KiB chunk that fits in the CPU VMA; buffers from
 * emu_anon_2m() and emu_map_aligned() are VMAs of their own, so N MiB of
 * 2 MiB-aligned buffer take N/2 GPU faults and, when they migrate, one
 * CPU fault per 2 MiB window coming back. Pages count 4 KiB each in the
 * tile counters: a 2 MiB range is 512 VRAM pages. A single-threaded CPU
 * access calls migrate_to_ram once per fault (cpu_faults), and a GPU
 * fault on a range already in VRAM moves nothing (no vram_migrations).
 * The tile counters are the device's, so the tests assume nothing else
 * uses the device while they run (the guest runs one test program at a
 * time). Every subtest reads tile 0's vram_pages_in_use before it
 * allocates anything and ends by checking that it is back to that value
 * once its memory is freed: VRAM is never leaked.
 *
 * Covered: migration on GPU faults of CPU-initialised (base pages and
 * THP) and untouched memory; CPU faults bringing it back; ping-pong;
 * range sizes at the 64 KiB threshold; atomics on a 4 KiB range; fork
 * (child/parent reads, writes and exits in either order) with data in
 * VRAM; munmap and mremap of migrated ranges; memory that must stay in
 * system memory (shared anonymous, files, hugetlbfs); the SYSTEM and
 * tile-1 placements; injected VRAM allocation and copy failures both
 * ways (SIGBUS); concurrent CPU faults and mixed GPU/CPU threads; VM
 * destruction and module unload with data in VRAM; bad VM_PLACEMENT and
 * TILE_STATS arguments; several processes migrating at once (no data
 * crosses between them); CPU and GPU writers racing migrations both ways
 * (no lost write); munmap racing CPU faults on VRAM; many short-lived
 * device files and VMs; more GPU memory than VRAM (the module reloaded
 * with 4 MiB of it).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/emu.h"

#define PAGES(size)	((size) / SZ_4K)

/* What a snapshot entry says about where a page is. */
#define SNAP_SYS	XE_SVM_EMU_SNAP_MAPPED
#define SNAP_VRAM	(XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_VRAM)

#define HUGETLBFS_FREE	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static const char *const fail_knobs[] = {
	"fail_vram_alloc", "fail_copy_to_vram", "fail_copy_to_ram", "wedged",
	"vram_map_64k",
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Tile @tile's VRAM pages in use now, read before a subtest allocates
 * anything; skips the subtest when the tile has less than @bytes free.
 */
static uint64_t vram_start(int fd, uint32_t tile, size_t bytes)
{
	struct xe_svm_emu_tile_stats st = emu_tile_stats(fd, tile);

	svmt_assert(st.vram_pages_in_use <= st.vram_pages);
	if (st.vram_pages - st.vram_pages_in_use < PAGES(bytes))
		svmt_skip("tile %u has %" PRIu64 " free VRAM pages, %zu needed", tile,
			  (uint64_t)(st.vram_pages - st.vram_pages_in_use), PAGES(bytes));
	return st.vram_pages_in_use;
}

static uint32_t num_tiles(int fd)
{
	struct xe_svm_emu_info info = {};

	svmt_assert_ok(__emu_info(fd, &info));
	svmt_assert(info.num_tiles >= 1 && info.num_tiles <= XE_SVM_EMU_MAX_TILES);
	return info.num_tiles;
}

/* Tile 0's and a VM's counters at one point in time. */
struct counts {
	struct xe_svm_emu_tile_stats t;
	struct xe_svm_emu_stats s;
};

static struct counts counts(struct emu_vm *vm)
{
	struct counts c = { .t = emu_tile_stats(vm->fd, 0), .s = emu_stats(vm) };

	return c;
}

/* How much counter @f moved from @a to @b. */
#define DELTA(a, b, f)	((uint64_t)((b).f - (a).f))

/* Nothing went to VRAM, and nothing tried to, between @a and @b. */
#define assert_no_migration(a, b) do {					\
	svmt_assert_eq_u64(DELTA(a, b, t.vram_pages_in_use), 0);	\
	svmt_assert_eq_u64(DELTA(a, b, t.migrated_to_vram), 0);		\
	svmt_assert_eq_u64(DELTA(a, b, t.alloc_failures), 0);		\
	svmt_assert_eq_u64(DELTA(a, b, t.copy_failures), 0);		\
	svmt_assert_eq_u64(DELTA(a, b, s.vram_migrations), 0);		\
	svmt_assert_eq_u64(DELTA(a, b, s.vram_fallbacks), 0);		\
} while (0)

static const char *snap_what(uint32_t bits)
{
	switch (bits) {
	case 0: return "unmapped";
	case SNAP_SYS: return "mapped from system memory";
	case SNAP_VRAM: return "mapped from VRAM";
	default: return "?";
	}
}

/*
 * Every page of [p, p + size) is, in the GPU page table of @vm, unmapped
 * (@bits 0), mapped from system memory (SNAP_SYS) or mapped from VRAM
 * (SNAP_VRAM), with a GPU page shift of @shift (0: any).
 */
#define assert_snap(vm, p, size, bits, shift) \
	assert_snap_at(__FILE__, __LINE__, (vm), (p), (size), (bits), (shift))
static void assert_snap_at(const char *file, int line, struct emu_vm *vm,
			   const void *p, size_t size, uint32_t bits,
			   unsigned int shift)
{
	uint32_t *e = emu_snapshot_alloc(vm, p, size);
	size_t i;

	for (i = 0; i < PAGES(size); i++) {
		bool ok = bits ? (e[i] & SNAP_VRAM) == bits &&
				 (!shift || XE_SVM_EMU_SNAP_SHIFT(e[i]) == shift)
			       : e[i] == 0;

		if (!ok)
			svmt_fail(file, line, "page %zu of %zu at %p: snapshot entry 0x%x, "
				  "expected %s (shift %u)", i, PAGES(size),
				  (const char *)p + i * SZ_4K, e[i], snap_what(bits), shift);
	}
	free(e);
}

/* CPU and GPU see words [0, n) of @p as value + i * step. */
static void check_both(struct emu_vm *vm, uint64_t *p, size_t n, uint64_t value,
		       uint64_t step)
{
	emu_assert_gpu_linear(vm, p, n * 8, value, step);
	emu_assert_linear(p, n, value, step);
}

/* ------------------------------------------------------------------ */

/*
 * GPU faults migrate CPU-initialised memory to VRAM, one 2 MiB range per
 * fault, mapped with 2 MiB GPU pages; CPU reads bring it all back, one
 * CPU fault per 2 MiB window; the next GPU access migrates it again.
 * Half of the buffer is THP-backed (the migration splits the huge page),
 * half base pages.
 */
static void test_migrate_gpu_fault(void)
{
	size_t size = 4 * SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	struct counts c0 = counts(&vm), c1, c2;
	uint64_t *p = emu_anon_2m(size);

	/* Two VMAs now (different flags), each 2 MiB aligned: 4 ranges still. */
	svmt_assert_ok(madvise(p, size / 2, MADV_HUGEPAGE));
	svmt_assert_ok(madvise(&p[n / 2], size / 2, MADV_NOHUGEPAGE));
	emu_fill_linear(p, n, V1, S1);

	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 4);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	c1 = counts(&vm);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	/* Every page held data: all of it was copied, none cleared. */
	svmt_assert_eq_u64(DELTA(c0, c1, t.bytes_copied), size);
	svmt_assert_eq_u64(DELTA(c0, c1, t.cpu_faults), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), 4);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(c1.s.ranges_live, 4);
	/* Device pages are never DMA-mapped. */
	svmt_assert_eq_u64(c1.s.dma_mapped_pages, 0);

	/* Mapped now: no fault, nothing moves. */
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	svmt_assert_eq_u64(DELTA(c1, counts(&vm), t.migrated_to_vram), 0);

	/* The CPU reads it all back: one CPU fault per 2 MiB window. */
	emu_assert_linear(p, n, V1, S1);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c2 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c2, t.cpu_faults), 4);
	svmt_assert_eq_u64(DELTA(c1, c2, t.migrated_to_ram), PAGES(size));
	svmt_assert_eq_u64(DELTA(c1, c2, t.migrated_to_vram), 0);
	svmt_assert_eq_u64(DELTA(c1, c2, t.bytes_copied), size);
	assert_snap(&vm, p, size, 0, 0);
	emu_print_tile_stats("after the CPU reads", &c2.t);

	/* And the GPU takes it again. */
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 4);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	c1 = counts(&vm);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + PAGES(size));
	svmt_assert_eq_u64(DELTA(c2, c1, t.migrated_to_vram), PAGES(size));
	svmt_assert_eq_u64(DELTA(c2, c1, s.vram_migrations), 4);

	/* Freed in VRAM: munmap gives the pages back. */
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	svmt_assert_eq_u64(DELTA(c1, counts(&vm), t.migrated_to_ram), 0);
	emu_vm_close(&vm);
}

/*
 * Never-written memory migrates too: a GPU read sees zeros (cleared
 * VRAM), a GPU write's data reaches the CPU.
 */
static void test_migrate_untouched(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, 2 * size);
	struct counts c0 = counts(&vm), c1, c2;
	uint64_t *a = emu_anon_2m(size), *b = emu_anon_2m(size);

	emu_assert_gpu_linear(&vm, a, size, 0, 0);
	svmt_assert_eq_u64(vm.faults, 1);
	assert_snap(&vm, a, size, SNAP_VRAM, 21);
	emu_assert_result(emu_fill(&vm, b, size, V1, S1), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	assert_snap(&vm, b, size, SNAP_VRAM, 21);
	emu_assert_gpu_linear(&vm, b, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);

	c1 = counts(&vm);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + 2 * PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 2 * PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), 2);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);

	/* Both come back to the CPU, one CPU fault each. */
	emu_assert_linear(a, n, 0, 0);
	emu_assert_linear(b, n, V1, S1);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c2 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c2, t.cpu_faults), 2);
	svmt_assert_eq_u64(DELTA(c1, c2, t.migrated_to_ram), 2 * PAGES(size));
	assert_snap(&vm, a, size, 0, 0);
	assert_snap(&vm, b, size, 0, 0);

	svmt_assert_ok(munmap(a, size));
	svmt_assert_ok(munmap(b, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

#define PP_ROUNDS	50

/* Round-dependent values: who wrote them, and when. */
static uint64_t pp_cpu(unsigned int r)
{
	return 0xc0ULL << 56 | (uint64_t)r << 32 | 0x1111;
}

static uint64_t pp_gpu(unsigned int r)
{
	return 0x60ULL << 56 | (uint64_t)r << 32 | 0x2222;
}

/*
 * A 2 MiB buffer goes back and forth: each round the GPU checks what the
 * CPU wrote (migrating the range to VRAM) and overwrites it, then the
 * CPU checks that (bringing it back) and overwrites it. Exactly one
 * migration each way per round.
 */
static void test_ping_pong(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	struct counts c0, r0, r1;
	uint64_t *p = emu_anon_2m(size);
	unsigned int r;

	/* The machinery, every round: thrashing control would stop it. */
	emu_vm_no_thrash_control(&vm);
	c0 = counts(&vm);

	emu_fill_linear(p, n, pp_cpu(0), S1);
	for (r = 0; r < PP_ROUNDS; r++) {
		r0 = counts(&vm);
		emu_assert_gpu_linear(&vm, p, size, pp_cpu(r), S1);
		svmt_assert_eq_u64(vm.faults, 1);
		/* In VRAM and writable (the CPU wrote it): nothing moves. */
		emu_assert_result(emu_fill(&vm, p, size, pp_gpu(r), S2), 0);
		assert_snap(&vm, p, size, SNAP_VRAM, 21);
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0 + PAGES(size));

		emu_assert_linear(p, n, pp_gpu(r), S2);
		emu_fill_linear(p, n, pp_cpu(r + 1), S1);
		assert_snap(&vm, p, size, 0, 0);
		emu_assert_vram_in_use(vm.fd, 0, in_use0);

		r1 = counts(&vm);
		svmt_assert_eq_u64(DELTA(r0, r1, t.migrated_to_vram), PAGES(size));
		svmt_assert_eq_u64(DELTA(r0, r1, t.migrated_to_ram), PAGES(size));
		svmt_assert_eq_u64(DELTA(r0, r1, t.cpu_faults), 1);
		svmt_assert_eq_u64(DELTA(r0, r1, s.vram_migrations), 1);
	}
	emu_assert_gpu_linear(&vm, p, size, pp_cpu(PP_ROUNDS), S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	r1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, r1, t.migrated_to_vram), (PP_ROUNDS + 1) * PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, r1, t.migrated_to_ram), PP_ROUNDS * PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, r1, s.vram_fallbacks), 0);
	emu_print_tile_stats("after ping-pong", &r1.t);

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * Thrashing control, as the kernel sets it: a range that migrated to VRAM
 * TH_MIGRATIONS times within TH_WINDOW_S stays in system memory for
 * TH_HOLD_S.
 */
#define TH_MIGRATIONS	16
#define TH_WINDOW_S	2.0
#define TH_HOLD_S	1.0
#define TH_ROUNDS	10000

/*
 * The tests that count a hold exactly bounce a 64 KiB range: sixteen
 * round trips of it take a small part of the window even on a loaded
 * TCG guest, where sixteen of a 2 MiB range took 1.8 of its 2 s and a
 * busy host pushed the sixteenth out of the window.
 */
#define TH_SIZE		SZ_64K

/* A 64 KiB-aligned anonymous VMA of TH_SIZE: one range of that size. */
static uint64_t *th_map(void)
{
	return emu_map_aligned(TH_SIZE, SZ_64K, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static uint64_t th_cpu(unsigned int r)
{
	return 0xc1ULL << 56 | r;
}

static uint64_t th_gpu(unsigned int r)
{
	return 0x61ULL << 56 | r;
}

/*
 * One exchange through word 0 of @p: the GPU reads what the CPU wrote in
 * round @r and answers, the CPU checks the answer and writes the next
 * round's word. Returns the GPU faults the EXEC took.
 */
static uint64_t th_round(struct emu_vm *vm, uint64_t *p, unsigned int r)
{
	struct xe_svm_emu_op ops[2] = { emu_op_read(p), emu_op_write(p, th_gpu(r)) };
	uint64_t faults = emu_exec(vm, ops, 2);

	svmt_assert_eq_u64(ops[0].result, 0);
	svmt_assert_eq_u64(ops[1].result, 0);
	svmt_assert_eq_u64(ops[0].out, th_cpu(r));
	svmt_assert_eq_u64(p[0], th_gpu(r));
	p[0] = th_cpu(r + 1);
	return faults;
}

/*
 * A CPU/GPU shared flag in a 2 MiB buffer, passed back and forth
 * TH_ROUNDS times: without thrashing control every exchange would move
 * 2 MiB each way. Every exchange must see the other side's word, the
 * rest of the buffer must stay as it was word for word, and the range
 * must be held in system memory after at most a few windows' worth of
 * migrations, after which neither side faults.
 */
static void test_thrash_ping_pong(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size), gpu_faults = 0;
	struct counts c0, c1;
	double t0, t1;
	unsigned int r;

	emu_fill_linear(p, n, V1, S1);
	p[0] = th_cpu(0);
	c0 = counts(&vm);
	t0 = now_s();
	for (r = 0; r < TH_ROUNDS; r++)
		gpu_faults += th_round(&vm, p, r);
	t1 = now_s();
	c1 = counts(&vm);
	svmt_info("%u rounds in %.2f s: %" PRIu64 " GPU faults, %" PRIu64
		  " migrations to VRAM, %" PRIu64 " CPU faults, %" PRIu64 " holds",
		  TH_ROUNDS, t1 - t0, gpu_faults, DELTA(c0, c1, s.vram_migrations),
		  DELTA(c0, c1, t.cpu_faults), DELTA(c0, c1, s.thrash_holds));

	svmt_assert_eq_u64(p[0], th_cpu(TH_ROUNDS));
	emu_assert_linear(p + 1, n - 1, V1 + S1, S1);
	svmt_assert(DELTA(c0, c1, s.thrash_holds) >= 1);
	/* One window's migrations, and one more hold's worth at most. */
	svmt_assert(DELTA(c0, c1, s.vram_migrations) <= 2 * TH_MIGRATIONS);
	svmt_assert(DELTA(c0, c1, t.migrated_to_vram) <= 2 * TH_MIGRATIONS * PAGES(size));
	svmt_assert(DELTA(c0, c1, t.cpu_faults) <= 2 * TH_MIGRATIONS);
	svmt_assert(gpu_faults <= 2 * TH_MIGRATIONS + 2);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	/* Held: the range ends mapped from system memory. */
	assert_snap(&vm, p, size, SNAP_SYS, 0);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * Fill the TH_SIZE bytes at @p linearly from V2 by S2 and pass its first
 * word back and forth until thrashing control holds the range: one hold,
 * after exactly TH_MIGRATIONS migrations. @c1 gets the counts once held.
 * Return: the number of the next round.
 */
static unsigned int th_until_held(struct emu_vm *vm, uint64_t *p, struct counts *c1)
{
	struct counts c0;
	unsigned int r;

	emu_fill_linear(p, TH_SIZE / 8, V2, S2);
	p[0] = th_cpu(0);
	c0 = counts(vm);
	for (r = 0; r < 4 * TH_MIGRATIONS && !DELTA(c0, counts(vm), s.thrash_holds); r++)
		th_round(vm, p, r);
	*c1 = counts(vm);
	svmt_assert_eq_u64(DELTA(c0, *c1, s.thrash_holds), 1);
	svmt_assert_eq_u64(DELTA(c0, *c1, s.vram_migrations), TH_MIGRATIONS);
	return r;
}

/*
 * A hold never turns a device atomic into one on system memory: on a
 * discrete part that atomic would not be atomic against the CPU. With
 * the range held (reads and writes served from system memory), a GPU
 * atomic still migrates it to VRAM, and adds exactly once; so does each
 * GPU atomic of a counter the CPU bumps in turn.
 */
static void test_thrash_hold_spares_atomics(void)
{
	size_t size = TH_SIZE, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = th_map();
	struct xe_svm_emu_op op;
	struct counts c1, c2;
	unsigned int r = th_until_held(&vm, p, &c1), i;

	/* Held: a GPU read and write are served from system memory. */
	th_round(&vm, p, r++);
	assert_snap(&vm, p, size, SNAP_SYS, 0);

	op = emu_op_atomic_add(&p[1], 5);
	svmt_assert_eq_u64(emu_exec(&vm, &op, 1), 1);
	svmt_assert_eq_u64(op.result, 0);
	svmt_assert_eq_u64(op.out, V2 + S2);
	/* Before the CPU looks (which brings it back): in VRAM. */
	assert_snap(&vm, p, size, SNAP_VRAM, 16);
	c2 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_migrations), 1);
	svmt_assert_eq_u64(p[1], V2 + S2 + 5);
	svmt_assert_eq_u64(p[0], th_cpu(r));
	emu_assert_linear(p + 2, n - 2, V2 + 2 * S2, S2);

	/*
	 * A counter the CPU and the GPU both bump is a legitimate pattern:
	 * every GPU atomic migrates (none is held), none fails, and no
	 * increment of either side is lost.
	 */
	for (i = 0; i < 20; i++) {
		p[1] += 1;
		op = emu_op_atomic_add(&p[1], 2);
		svmt_assert_eq_u64(emu_exec(&vm, &op, 1), 1);
		svmt_assert_eq_u64(op.result, 0);
		svmt_assert_eq_u64(op.out, V2 + S2 + 5 + 3 * i + 1);
	}
	svmt_assert_eq_u64(p[1], V2 + S2 + 5 + 3 * 20);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c2, c1, s.vram_migrations), 20);
	svmt_assert_eq_u64(DELTA(c2, c1, s.vram_fallbacks), 0);
	emu_assert_linear(p + 2, n - 2, V2 + 2 * S2, S2);

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * A hold is for a while: once a bouncing range is held, GPU faults map
 * it from system memory; after TH_HOLD_S, the next GPU fault (after an
 * invalidation: mprotect() down and up) migrates it again.
 */
static void test_thrash_hold_expires(void)
{
	size_t size = TH_SIZE, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = th_map();
	struct counts c1, c2;
	unsigned int r = th_until_held(&vm, p, &c1);

	/* Held: the next fault maps system memory, and then nothing faults. */
	svmt_assert_eq_u64(th_round(&vm, p, r++), 1);
	assert_snap(&vm, p, size, SNAP_SYS, 0);
	svmt_assert_eq_u64(th_round(&vm, p, r++), 0);
	c2 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_migrations), 0);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	/* After the hold, an invalidation and a GPU fault: VRAM again. */
	usleep((useconds_t)((TH_HOLD_S + 0.2) * 1e6));
	svmt_assert_ok(mprotect(p, size, PROT_READ));
	svmt_assert_ok(mprotect(p, size, PROT_READ | PROT_WRITE));
	{
		struct xe_svm_emu_op ops[2] = { emu_op_read(p), emu_op_write(p, th_gpu(r)) };

		svmt_assert_eq_u64(emu_exec(&vm, ops, 2), 1);
		svmt_assert_eq_u64(ops[0].result, 0);
		svmt_assert_eq_u64(ops[1].result, 0);
		svmt_assert_eq_u64(ops[0].out, th_cpu(r));
	}
	/* Before the CPU looks (which brings it back): in VRAM. */
	assert_snap(&vm, p, size, SNAP_VRAM, 16);
	c2 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_migrations), 1);
	svmt_assert_eq_u64(DELTA(c1, c2, s.thrash_holds), 0);
	svmt_assert_eq_u64(p[0], th_gpu(r));
	emu_assert_linear(p + 1, n - 1, V2 + S2, S2);

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * A VMA of @size bytes, 64 KiB aligned, with PROT_NONE guards: ranges of
 * 64 KiB while they fit, then 4 KiB ones. The 64 KiB ranges migrate
 * (16 VRAM pages, GPU page shift 16 each), the 4 KiB ones stay in system
 * memory without counting as fallbacks (the policy never wanted VRAM).
 */
static void small_vma(size_t size)
{
	size_t n = size / 8, big = size / SZ_64K * SZ_64K, small = size - big;
	size_t nranges = big / SZ_64K + small / SZ_4K;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	struct counts c0 = counts(&vm), c1, c2;
	uint64_t *p = emu_map_aligned(size, SZ_64K, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, nranges);
	if (big)
		assert_snap(&vm, p, big, SNAP_VRAM, 16);
	if (small)
		assert_snap(&vm, (char *)p + big, small, SNAP_SYS, 12);
	c1 = counts(&vm);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + PAGES(big));
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), PAGES(big));
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), big / SZ_64K);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.ranges_created), nranges);

	/* GPU writes keep the layout. */
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	if (big)
		assert_snap(&vm, p, big, SNAP_VRAM, 16);
	if (small)
		assert_snap(&vm, (char *)p + big, small, SNAP_SYS, 12);

	/* The system-memory tail first: no CPU fault on VRAM. */
	if (small)
		emu_assert_linear(&p[big / 8], small / 8, V2 + big / 8 * S2, S2);
	svmt_assert_eq_u64(DELTA(c1, counts(&vm), t.cpu_faults), 0);
	/* Then the 64 KiB ranges: one CPU fault (64 KiB window) each. */
	emu_assert_linear(p, big / 8, V2, S2);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c2 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c2, t.cpu_faults), big / SZ_64K);
	svmt_assert_eq_u64(DELTA(c1, c2, t.migrated_to_ram), PAGES(big));

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

static void test_size_64k(void)
{
	small_vma(SZ_64K);
}

static void test_size_64k_minus_4k(void)
{
	small_vma(SZ_64K - SZ_4K);
}

static void test_size_64k_plus_4k(void)
{
	small_vma(SZ_64K + SZ_4K);
}

/*
 * A 4 KiB VMA is too small to migrate for a GPU write, but a GPU atomic
 * migrates it (atomics need VRAM): the page then is in VRAM with a 4 KiB
 * GPU page, and the atomics' results are right on the GPU and the CPU.
 */
static void test_atomic_4k(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, 2 * SZ_4K);
	struct counts c0 = counts(&vm), c1, c2;
	uint64_t *a = emu_map_aligned(SZ_4K, SZ_4K, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *b = emu_map_aligned(SZ_4K, SZ_4K, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t want[PAGE_WORDS], old;

	emu_fill_linear(a, PAGE_WORDS, V1, S1);
	emu_fill_linear(want, PAGE_WORDS, V1, S1);

	/* A write: one fault, served from system memory, no fallback. */
	emu_assert_result(emu_write(&vm, &a[3], 42), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	want[3] = 42;
	assert_snap(&vm, a, SZ_4K, SNAP_SYS, 12);
	c1 = counts(&vm);
	assert_no_migration(c0, c1);

	/*
	 * An atomic needs VRAM: it faults on the writable system-memory
	 * mapping, and the fault migrates the 4 KiB range.
	 */
	emu_assert_result(emu_atomic_add(&vm, &a[5], 1000, &old), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	svmt_assert_eq_u64(old, V1 + 5 * S1);
	want[5] += 1000;
	assert_snap(&vm, a, SZ_4K, SNAP_VRAM, 12);
	c2 = counts(&vm);
	svmt_assert_eq_u64(c2.t.vram_pages_in_use, in_use0 + 1);
	svmt_assert_eq_u64(DELTA(c1, c2, t.migrated_to_vram), 1);
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_migrations), 1);
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_fallbacks), 0);

	/* In VRAM and writable: more atomics take no fault. */
	emu_assert_result(emu_atomic_add(&vm, &a[5], 1, &old), 0);
	svmt_assert_eq_u64(vm.faults, 0);
	svmt_assert_eq_u64(old, V1 + 5 * S1 + 1000);
	want[5] += 1;
	emu_assert_result(emu_atomic_add(&vm, &a[3], ~0ULL, &old), 0);
	svmt_assert_eq_u64(old, 42);
	want[3] = 41;
	emu_assert_gpu_linear(&vm, a, 3 * 8, V1, S1);
	emu_assert_gpu_linear(&vm, &a[6], (PAGE_WORDS - 6) * 8, V1 + 6 * S1, S1);
	emu_assert_result(emu_read(&vm, &a[5], &old), 0);
	svmt_assert_eq_u64(old, want[5]);

	/* The CPU reads the sums: the page comes back (a 4 KiB window). */
	svmt_assert_eq_u64(a[5], V1 + 5 * S1 + 1001);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	svmt_assert_buf_eq(a, want, PAGE_WORDS);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c2, c1, t.cpu_faults), 1);
	svmt_assert_eq_u64(DELTA(c2, c1, t.migrated_to_ram), 1);

	/* An atomic as the first access to untouched memory migrates too. */
	emu_assert_result(emu_atomic_add(&vm, &b[9], 7, &old), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	svmt_assert_eq_u64(old, 0);
	assert_snap(&vm, b, SZ_4K, SNAP_VRAM, 12);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0 + 1);
	svmt_assert_eq_u64(b[9], 7);
	emu_assert_linear(b, 9, 0, 0);
	emu_assert_linear(&b[10], PAGE_WORDS - 10, 0, 0);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	svmt_assert_ok(munmap(a, SZ_4K));
	svmt_assert_ok(munmap(b, SZ_4K));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * fork with data in VRAM: private anonymous device pages are shared
 * copy-on-write like any other; whoever touches them from the CPU first
 * brings them back, and neither process's writes reach the other.
 */
struct fork_ctx {
	struct emu_vm vm;
	uint64_t in_use0;
	uint64_t *p;
	size_t n;
	struct emu_pipes pp;
};

/* 2 MiB filled by the GPU (V1, S1): in VRAM. */
static void fork_setup(struct fork_ctx *c)
{
	c->vm = emu_vm_open_mirror();
	c->in_use0 = vram_start(c->vm.fd, 0, 2 * SZ_2M);
	c->n = SZ_2M / 8;
	c->p = emu_anon_2m(SZ_2M);
	emu_assert_result(emu_fill(&c->vm, c->p, SZ_2M, V1, S1), 0);
	assert_snap(&c->vm, c->p, SZ_2M, SNAP_VRAM, 21);
	svmt_assert_eq_u64(emu_vram_in_use(c->vm.fd, 0), c->in_use0 + PAGES(SZ_2M));
	emu_pipes_init(&c->pp);
}

static void fork_finish(struct fork_ctx *c)
{
	svmt_assert_ok(munmap(c->p, SZ_2M));
	emu_assert_vram_in_use(c->vm.fd, 0, c->in_use0);
	emu_vm_close(&c->vm);
}

/* fork_setup(), then run @child in a child process and wait for it. */
static void fork_run(struct fork_ctx *c, void (*child)(void *))
{
	fork_setup(c);
	emu_wait_ok(emu_fork(child, c));
}

/*
 * After the child is gone: the parent's CPU reads (@v0, @s0) back, which
 * leaves nothing in VRAM, and writes (@v1, @s1); the parent's pages are
 * its own again, so its GPU migrates them back to VRAM, 2 MiB pages.
 */
static void parent_round_trip(struct fork_ctx *c, uint64_t v0, uint64_t s0,
			      uint64_t v1, uint64_t s1)
{
	emu_assert_linear(c->p, c->n, v0, s0);
	emu_assert_vram_in_use(c->vm.fd, 0, c->in_use0);
	emu_fill_linear(c->p, c->n, v1, s1);
	emu_assert_gpu_linear(&c->vm, c->p, SZ_2M, v1, s1);
	assert_snap(&c->vm, c->p, SZ_2M, SNAP_VRAM, 21);
	svmt_assert_eq_u64(emu_vram_in_use(c->vm.fd, 0), c->in_use0 + PAGES(SZ_2M));
	emu_assert_linear(c->p, c->n, v1, s1);
}

/* The child's GPU (its own device file and VM) sees @value, @step. */
static void child_gpu_check(uint64_t *p, size_t n, uint64_t value, uint64_t step)
{
	struct emu_vm vm = emu_vm_open_mirror();

	emu_assert_gpu_linear(&vm, p, n * 8, value, step);
	emu_vm_close(&vm);
}

static void child_reads(void *arg)
{
	struct fork_ctx *c = arg;

	emu_assert_linear(c->p, c->n, V1, S1);
}

static void test_fork_child_reads(void)
{
	struct fork_ctx c;

	fork_run(&c, child_reads);
	/* Every page was read since the fork: none can be left in VRAM. */
	parent_round_trip(&c, V1, S1, V2, S2);
	fork_finish(&c);
}

static void child_writes(void *arg)
{
	struct fork_ctx *c = arg;

	emu_fill_linear(c->p, c->n, V2, S2);
	emu_assert_linear(c->p, c->n, V2, S2);
	/* The child's own copy migrates for the child's own GPU. */
	child_gpu_check(c->p, c->n, V2, S2);
	emu_assert_linear(c->p, c->n, V2, S2);
}

static void test_fork_child_writes(void)
{
	struct fork_ctx c;

	fork_run(&c, child_writes);

	emu_assert_gpu_linear(&c.vm, c.p, SZ_2M, V1, S1);
	emu_assert_linear(c.p, c.n, V1, S1);
	emu_assert_gpu_linear(&c.vm, c.p, SZ_2M, V1, S1);
	emu_assert_vram_in_use(c.vm.fd, 0, c.in_use0 + PAGES(SZ_2M));
	emu_assert_linear(c.p, c.n, V1, S1);
	fork_finish(&c);
}

static void child_sees_old(void *arg)
{
	struct fork_ctx *c = arg;

	emu_recv_byte(c->pp.to_child[0]);
	emu_assert_linear(c->p, c->n, V1, S1);
	child_gpu_check(c->p, c->n, V1, S1);
	emu_assert_linear(c->p, c->n, V1, S1);
	emu_send_byte(c->pp.to_parent[1]);
}

static void test_fork_parent_writes(void)
{
	struct fork_ctx c;
	pid_t pid;

	fork_setup(&c);
	pid = emu_fork(child_sees_old, &c);

	emu_fill_linear(c.p, c.n, V2, S2);
	emu_assert_gpu_linear(&c.vm, c.p, SZ_2M, V2, S2);
	/* The parent wrote every page: its copies are its own, and migrate. */
	assert_snap(&c.vm, c.p, SZ_2M, SNAP_VRAM, 21);
	emu_send_byte(c.pp.to_child[1]);
	emu_recv_byte(c.pp.to_parent[0]);
	emu_wait_ok(pid);

	check_both(&c.vm, c.p, c.n, V2, S2);
	fork_finish(&c);
}

static void child_gpu_reads(void *arg)
{
	struct fork_ctx *c = arg;

	/* The child's GPU reads the shared device pages where they are. */
	child_gpu_check(c->p, c->n, V1, S1);
}

static void test_fork_child_exits_first(void)
{
	struct fork_ctx c;

	fork_run(&c, child_gpu_reads);

	/* No CPU touched the pages: still in VRAM, now the parent's alone. */
	emu_assert_vram_in_use(c.vm.fd, 0, c.in_use0 + PAGES(SZ_2M));
	emu_assert_gpu_linear(&c.vm, c.p, SZ_2M, V1, S1);
	assert_snap(&c.vm, c.p, SZ_2M, SNAP_VRAM, 0);
	parent_round_trip(&c, V1, S1, V3, S3);
	fork_finish(&c);
}

struct exits_ctx {
	uint64_t in_use0;
	int pid_pipe;		/* write end: the middle sends the grandchild's pid */
};

/*
 * The grandchild: waits until the middle process (which migrated the
 * data and forked it) is gone, then has the only mapping of the device
 * pages and reads them.
 */
static void grandchild(const struct exits_ctx *x, struct emu_vm *vm,
		       int gate, uint64_t *p, size_t n)
{
	struct emu_vm own;
	char ch;
	int fd;

	/* Not the middle's device file: let the middle's VM die with it. */
	close(vm->fd);
	while (read(gate, &ch, 1) > 0)
		;
	fd = emu_open();
	svmt_assert_eq_u64(emu_vram_in_use(fd, 0), x->in_use0 + PAGES(SZ_2M));
	emu_assert_linear(p, n, V1, S1);
	emu_assert_vram_in_use(fd, 0, x->in_use0);
	close(fd);

	own = emu_vm_open_mirror();
	emu_assert_gpu_linear(&own, p, n * 8, V1, S1);
	assert_snap(&own, p, n * 8, SNAP_VRAM, 21);
	emu_assert_linear(p, n, V1, S1);
	svmt_assert_ok(munmap(p, n * 8));
	emu_assert_vram_in_use(own.fd, 0, x->in_use0);
	emu_vm_close(&own);
}

static void middle_fn(void *arg)
{
	const struct exits_ctx *x = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	size_t n = SZ_2M / 8;
	uint64_t *p = emu_anon_2m(SZ_2M);
	int gate[2];
	pid_t g;

	emu_assert_result(emu_fill(&vm, p, SZ_2M, V1, S1), 0);
	assert_snap(&vm, p, SZ_2M, SNAP_VRAM, 21);
	svmt_assert_ok(pipe(gate));
	fflush(stdout);
	g = fork();
	svmt_assert(g >= 0);
	if (g == 0) {
		close(gate[1]);
		close(x->pid_pipe);
		grandchild(x, &vm, gate[0], p, n);
		fflush(stdout);
		_exit(0);
	}
	close(gate[0]);
	svmt_assert_eq_u64(write(x->pid_pipe, &g, sizeof(g)), sizeof(g));
	/* Exit with the VM, its file and the data in VRAM all live. */
}

/*
 * The process that migrated the data exits first; its child, which
 * shares the device pages copy-on-write, outlives it and reads them.
 * This process is a subreaper, so the grandchild is reparented to it.
 */
static void test_fork_parent_exits_first(void)
{
	int fd = emu_open(), pp[2];
	struct exits_ctx x = { .in_use0 = vram_start(fd, 0, SZ_2M) };
	pid_t m, g = 0;
	ssize_t got;

	svmt_assert_ok(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	svmt_assert_ok(pipe(pp));
	x.pid_pipe = pp[1];
	m = emu_fork(middle_fn, &x);
	close(pp[1]);
	got = read(pp[0], &g, sizeof(g));
	/* A middle that failed sent nothing: report its failure. */
	emu_wait_ok(m);
	svmt_assert_eq_u64(got, sizeof(g));
	emu_wait_ok(g);
	emu_assert_vram_in_use(fd, 0, x.in_use0);
	close(fd);
}

/* ------------------------------------------------------------------ */

/*
 * munmap of part of a migrated 2 MiB range, [off, off + len): the GPU
 * faults on the hole, the rest reads right on the GPU and the CPU, and
 * no VRAM is left once everything is unmapped. @touched: the CPU reads
 * one word outside the hole first, which brings the whole range back.
 */
static void munmap_case(size_t off, size_t len, bool touched)
{
	size_t size = SZ_2M, n = size / 8, end = off + len, w;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size);
	char *c = (char *)p;
	uint32_t *e;
	size_t i;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0 + PAGES(size));

	if (touched) {
		w = off ? 0 : n - 1;
		svmt_assert_eq_u64(p[w], V1 + w * S1);
		emu_assert_vram_in_use(vm.fd, 0, in_use0);
		assert_snap(&vm, p, size, 0, 0);
	}

	svmt_assert_ok(munmap(c + off, len));
	e = emu_snapshot_alloc(&vm, p, size);
	for (i = PAGES(off); i < PAGES(end); i++)
		svmt_assert_eq_u64(e[i], 0);
	free(e);
	emu_assert_result(emu_read(&vm, c + off, NULL), -EFAULT);
	emu_assert_result(emu_read(&vm, c + end - 8, NULL), -EFAULT);

	/* The rest: GPU, then CPU (what is still in VRAM comes back), GPU. */
	if (off) {
		emu_assert_gpu_linear(&vm, p, off, V1, S1);
		emu_assert_linear(p, off / 8, V1, S1);
		emu_assert_gpu_linear(&vm, p, off, V1, S1);
	}
	if (end < size) {
		emu_assert_gpu_linear(&vm, c + end, size - end, V1 + end / 8 * S1, S1);
		emu_assert_linear(&p[end / 8], (size - end) / 8, V1 + end / 8 * S1, S1);
		emu_assert_gpu_linear(&vm, c + end, size - end, V1 + end / 8 * S1, S1);
	}
	emu_assert_result(emu_read(&vm, c + off, NULL), -EFAULT);

	if (off)
		svmt_assert_ok(munmap(p, off));
	if (end < size)
		svmt_assert_ok(munmap(c + end, size - end));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* The hole: first page, last page, 8 pages across the middle, second half. */
#define MUNMAP_FIRST	0, SZ_4K
#define MUNMAP_LAST	SZ_2M - SZ_4K, SZ_4K
#define MUNMAP_MIDDLE	SZ_2M / 2 - 3 * SZ_4K, 8 * SZ_4K
#define MUNMAP_HALF	SZ_2M / 2, SZ_2M / 2

static void test_munmap_first_page(void) { munmap_case(MUNMAP_FIRST, false); }
static void test_munmap_first_page_touched(void) { munmap_case(MUNMAP_FIRST, true); }
static void test_munmap_last_page(void) { munmap_case(MUNMAP_LAST, false); }
static void test_munmap_last_page_touched(void) { munmap_case(MUNMAP_LAST, true); }
static void test_munmap_middle(void) { munmap_case(MUNMAP_MIDDLE, false); }
static void test_munmap_middle_touched(void) { munmap_case(MUNMAP_MIDDLE, true); }
static void test_munmap_half(void) { munmap_case(MUNMAP_HALF, false); }
static void test_munmap_half_touched(void) { munmap_case(MUNMAP_HALF, true); }

/*
 * mremap of a migrated range to a new 2 MiB-aligned address (@flags
 * beyond MREMAP_MAYMOVE | MREMAP_FIXED: MREMAP_DONTUNMAP or 0): the data
 * is right at the new address, in VRAM once the GPU has touched it, and
 * exactly one copy of it takes VRAM. Without DONTUNMAP the old address is
 * gone for the GPU; with it, the old address reads zeros (and migrates
 * like any untouched memory).
 */
static void mremap_case(int flags)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, 2 * size);
	uint64_t *p = emu_anon_2m(size), *q = emu_anon_2m(size), *r;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);

	r = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED | flags, q);
	if (r == MAP_FAILED)
		svmt_fail(__FILE__, __LINE__, "mremap flags 0x%x: %s", flags, strerror(errno));
	svmt_assert(r == q);
	assert_snap(&vm, p, size, 0, 0);

	emu_assert_gpu_linear(&vm, q, size, V1, S1);
	assert_snap(&vm, q, size, SNAP_VRAM, 0);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0 + PAGES(size));
	if (flags & MREMAP_DONTUNMAP) {
		/* The old VMA is still there, empty. */
		emu_assert_gpu_linear(&vm, p, size, 0, 0);
		assert_snap(&vm, p, size, SNAP_VRAM, 21);
		emu_assert_linear(p, n, 0, 0);
		svmt_assert_ok(munmap(p, size));
	} else {
		emu_assert_result(emu_read(&vm, p, NULL), -EFAULT);
		emu_assert_result(emu_read(&vm, &p[n - 1], NULL), -EFAULT);
	}
	emu_assert_linear(q, n, V1, S1);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	/* The new place works like any other. */
	emu_fill_linear(q, n, V2, S2);
	emu_assert_gpu_linear(&vm, q, size, V2, S2);
	assert_snap(&vm, q, size, SNAP_VRAM, 21);
	emu_assert_linear(q, n, V2, S2);
	svmt_assert_ok(munmap(q, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

static void test_mremap_maymove(void)
{
	mremap_case(0);
}

static void test_mremap_dontunmap(void)
{
	mremap_case(MREMAP_DONTUNMAP);
}

/* ------------------------------------------------------------------ */

/*
 * GPU fill and compare of @m (@size bytes, already holding V1, S1), CPU
 * checks in between: all served from system memory.
 */
static void stays_system(struct emu_vm *vm, uint64_t *m, size_t size)
{
	size_t n = size / 8;
	uint64_t old;

	emu_assert_gpu_linear(vm, m, size, V1, S1);
	assert_snap(vm, m, size, SNAP_SYS, 0);
	emu_assert_result(emu_fill(vm, m, size, V2, S2), 0);
	assert_snap(vm, m, size, SNAP_SYS, 0);
	emu_assert_linear(m, n, V2, S2);
	emu_fill_linear(m, n, V3, S3);
	emu_assert_gpu_linear(vm, m, size, V3, S3);
	assert_snap(vm, m, size, SNAP_SYS, 0);

	/*
	 * An atomic wants VRAM: it faults once on the system-memory mapping,
	 * the policy keeps the range where it is, and the emulated device
	 * does the atomic in system memory.
	 */
	emu_assert_result(emu_atomic_add(vm, &m[7], 5, &old), 0);
	svmt_assert_eq_u64(vm->faults, 1);
	svmt_assert_eq_u64(old, V3 + 7 * S3);
	svmt_assert_eq_u64(m[7], V3 + 7 * S3 + 5);
	assert_snap(vm, m, size, SNAP_SYS, 0);
	m[7] = V3 + 7 * S3;
}

/* MAP_SHARED anonymous memory never migrates. */
static void test_shared_stays_system(void)
{
	size_t size = SZ_2M;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	struct counts c0 = counts(&vm), c1;
	uint64_t *s = emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	emu_fill_linear(s, size / 8, V1, S1);
	stays_system(&vm, s, size);
	c1 = counts(&vm);
	assert_no_migration(c0, c1);
	svmt_assert(DELTA(c0, c1, s.faults) >= 1);
	svmt_assert_ok(munmap(s, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

static void check_file_linear(int fd, size_t nwords, uint64_t value, uint64_t step)
{
	uint64_t *buf = malloc(nwords * 8);

	svmt_assert(buf);
	svmt_assert_eq_u64(pread(fd, buf, nwords * 8, 0), nwords * 8);
	emu_assert_linear(buf, nwords, value, step);
	free(buf);
}

/*
 * File mappings never migrate: a private one (including the anonymous
 * copy-on-write pages GPU writes make in it) and a shared one.
 */
static void test_file_stays_system(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	struct counts c0 = counts(&vm);
	char path[128];
	int fd = emu_tmp_file(path, sizeof(path), size, V1, S1);
	uint64_t *m;

	m = emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	stays_system(&vm, m, size);
	check_file_linear(fd, n, V1, S1);
	svmt_assert_ok(munmap(m, size));
	assert_no_migration(c0, counts(&vm));

	m = emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	stays_system(&vm, m, size);
	svmt_assert_ok(msync(m, size, MS_SYNC));
	check_file_linear(fd, n, V3, S3);
	svmt_assert_ok(munmap(m, size));
	assert_no_migration(c0, counts(&vm));

	close(fd);
	unlink(path);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* hugetlbfs memory never migrates; the GPU maps it with 2 MiB pages. */
static void test_hugetlb_stays_system(void)
{
	size_t size = SZ_2M;
	long long nfree = svmt_read_ll(HUGETLBFS_FREE);
	struct emu_vm vm;
	uint64_t in_use0, *h;
	struct counts c0;

	if (nfree < 1)
		svmt_skip("%lld free 2 MiB huge pages, 1 needed (vm.nr_hugepages)", nfree);
	vm = emu_vm_open_mirror();
	in_use0 = vram_start(vm.fd, 0, size);
	c0 = counts(&vm);
	h = emu_map_huge(size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
	emu_fill_linear(h, size / 8, V1, S1);
	stays_system(&vm, h, size);
	assert_snap(&vm, h, size, SNAP_SYS, 21);
	assert_no_migration(c0, counts(&vm));
	svmt_assert_ok(munmap(h, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * XE_SVM_EMU_PLACE_SYSTEM: nothing migrates, and what is already in VRAM
 * stays there until the CPU touches it; back to VRAM of tile 0, a new
 * buffer migrates again; VRAM of tile 1 (when there is one) counts on
 * tile 1, not tile 0.
 */
static void test_placement_system(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint32_t tiles = num_tiles(vm.fd);
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t in_use1 = tiles > 1 ? vram_start(vm.fd, 1, size) : 0;
	struct counts c0, c1;
	uint64_t *r = emu_anon_2m(size), *p = emu_anon_2m(size), *q = emu_anon_2m(size), *s;

	/* r migrates under the default placement. */
	emu_fill_linear(r, n, V1, S1);
	emu_assert_gpu_linear(&vm, r, size, V1, S1);
	assert_snap(&vm, r, size, SNAP_VRAM, 21);

	emu_vm_placement(&vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	c0 = counts(&vm);
	emu_assert_gpu_linear(&vm, r, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	assert_snap(&vm, r, size, SNAP_VRAM, 21);
	emu_fill_linear(p, n, V2, S2);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	svmt_assert_eq_u64(vm.faults, 1);
	assert_snap(&vm, p, size, SNAP_SYS, 0);
	/* The CPU takes r back; the GPU then maps it from system memory. */
	emu_assert_linear(r, n, V1, S1);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_assert_gpu_linear(&vm, r, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);
	assert_snap(&vm, r, size, SNAP_SYS, 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);

	emu_vm_placement(&vm, XE_SVM_EMU_PLACE_VRAM, 0);
	emu_assert_result(emu_fill(&vm, q, size, V3, S3), 0);
	assert_snap(&vm, q, size, SNAP_VRAM, 21);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0 + PAGES(size));
	/* p is mapped already: no fault, it stays where it is. */
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	svmt_assert_eq_u64(vm.faults, 0);
	assert_snap(&vm, p, size, SNAP_SYS, 0);
	emu_assert_linear(q, n, V3, S3);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	if (tiles > 1) {
		struct xe_svm_emu_tile_stats t1a = emu_tile_stats(vm.fd, 1), t1b;

		emu_vm_placement(&vm, XE_SVM_EMU_PLACE_VRAM, 1);
		s = emu_anon_2m(size);
		emu_fill_linear(s, n, V1, S1);
		emu_assert_gpu_linear(&vm, s, size, V1, S1);
		assert_snap(&vm, s, size, SNAP_VRAM, 21);
		t1b = emu_tile_stats(vm.fd, 1);
		svmt_assert_eq_u64(t1b.vram_pages_in_use, in_use1 + PAGES(size));
		svmt_assert_eq_u64(DELTA(t1a, t1b, migrated_to_vram), PAGES(size));
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), in_use0);
		emu_assert_linear(s, n, V1, S1);
		emu_assert_vram_in_use(vm.fd, 1, in_use1);
		t1a = emu_tile_stats(vm.fd, 1);
		svmt_assert_eq_u64(DELTA(t1b, t1a, migrated_to_ram), PAGES(size));
		svmt_assert_eq_u64(DELTA(t1b, t1a, cpu_faults), 1);
		svmt_assert_ok(munmap(s, size));
	} else {
		svmt_info("one tile only: tile-1 placement not tested");
	}

	svmt_assert_ok(munmap(r, size));
	svmt_assert_ok(munmap(p, size));
	svmt_assert_ok(munmap(q, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	if (tiles > 1)
		emu_assert_vram_in_use(vm.fd, 1, in_use1);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

static void reset_fail_knobs(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fail_knobs); i++)
		emu_fail_next(fail_knobs[i], 0);
}

/*
 * Injected failures on the way to VRAM (@knob: "fail_vram_alloc" or
 * "fail_copy_to_vram", @nfail ranges): the GPU access still succeeds from
 * system memory, the VM counts a fallback per range, the tile a failure,
 * no VRAM is left allocated, and a failed allocation did not unmap the
 * pages first. Once the knob is exhausted, a new buffer
 * migrates again.
 */
static void fail_to_vram(const char *knob, unsigned int nfail)
{
	size_t size = nfail * SZ_2M, n = size / 8;
	bool alloc = !strcmp(knob, "fail_vram_alloc");
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size + SZ_2M);
	struct counts c0, c1, c2;
	uint64_t *p = emu_anon_2m(size), *q = emu_anon_2m(SZ_2M);

	reset_fail_knobs();
	/* CPU-initialised: a copy to VRAM is really needed. */
	emu_fill_linear(p, n, V1, S1);
	emu_fill_linear(q, SZ_2M / 8, V2, S2);
	c0 = counts(&vm);
	emu_fail_next(knob, nfail);

	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, nfail);
	assert_snap(&vm, p, size, SNAP_SYS, 0);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), nfail);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), alloc ? nfail : 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), alloc ? 0 : nfail);
	/*
	 * VRAM is allocated before the pages are collected: a failed
	 * allocation unmaps nothing (no notifier callback), a failed copy
	 * comes after the collection's one callback per range.
	 */
	if (alloc)
		svmt_assert_eq_u64(DELTA(c0, c1, s.invalidations), 0);
	else
		svmt_assert(DELTA(c0, c1, s.invalidations) >= nfail);
	emu_print_tile_stats("after the failures", &c1.t);

	/* Served from system memory: GPU writes reach the CPU. */
	emu_assert_result(emu_fill(&vm, p, size, V3, S3), 0);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_linear(p, n, V3, S3);

	/* Exhausted: the next range migrates. */
	emu_assert_gpu_linear(&vm, q, SZ_2M, V2, S2);
	assert_snap(&vm, q, SZ_2M, SNAP_VRAM, 21);
	c2 = counts(&vm);
	svmt_assert_eq_u64(c2.t.vram_pages_in_use, in_use0 + PAGES(SZ_2M));
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_migrations), 1);
	svmt_assert_eq_u64(DELTA(c1, c2, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(c1, c2, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(c1, c2, t.copy_failures), 0);
	emu_assert_linear(q, SZ_2M / 8, V2, S2);

	reset_fail_knobs();
	svmt_assert_ok(munmap(p, size));
	svmt_assert_ok(munmap(q, SZ_2M));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * A range whose pages are all in VRAM already, re-faulted after an
 * invalidation that moved nothing (mprotect read-only and back), asks
 * for no VRAM: with the next allocation made to fail, the re-fault counts
 * no fallback and no allocation failure, and its pages stay in VRAM.
 */
static void test_refault_in_vram_allocates_nothing(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size);
	struct counts c0, c1;

	reset_fail_knobs();
	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	svmt_assert_ok(mprotect(p, size, PROT_READ));
	svmt_assert_ok(mprotect(p, size, PROT_READ | PROT_WRITE));
	c0 = counts(&vm);
	emu_fail_next("fail_vram_alloc", 1);

	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert(vm.faults >= 1);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, s.invalidations), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + PAGES(size));
	assert_snap(&vm, p, size, SNAP_VRAM, 21);

	reset_fail_knobs();
	emu_assert_linear(p, n, V1, S1);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

static void test_fail_vram_alloc(void)
{
	fail_to_vram("fail_vram_alloc", 2);
}

static void test_fail_copy_to_vram(void)
{
	fail_to_vram("fail_copy_to_vram", 1);
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

/* Read *@addr; true if that raised SIGBUS (then *@out is not written). */
static bool read_sigbus(const volatile uint64_t *addr, uint64_t *out)
{
	static struct sigaction old;
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	svmt_assert_ok(sigaction(SIGBUS, &sa, &old));
	if (sigsetjmp(sigbus_jmp, 1)) {
		svmt_assert_ok(sigaction(SIGBUS, &old, NULL));
		return true;
	}
	*out = *addr;
	svmt_assert_ok(sigaction(SIGBUS, &old, NULL));
	return false;
}

static void read_expecting_sigbus(void *arg)
{
	const volatile uint64_t *p = arg;
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	(void)*p;
}

/*
 * A failed copy back to system memory on a CPU fault: the faulting thread
 * gets SIGBUS and the data stays in VRAM, in this process (caught with
 * sigsetjmp) and in a forked child (killed by it); once the knob is
 * exhausted, the CPU reads everything right.
 */
static void test_fail_copy_to_ram(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size), out = 0;
	struct counts c0, c1, c2;
	int status;
	pid_t pid;

	reset_fail_knobs();
	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);

	c0 = counts(&vm);
	emu_fail_next("fail_copy_to_ram", 1);
	svmt_assert(read_sigbus(&p[7], &out));
	c1 = counts(&vm);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 1);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.cpu_faults), 1);
	/* Still in VRAM, still right for the GPU. */
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 0);

	/* A forked child reading it dies of SIGBUS. */
	emu_fail_next("fail_copy_to_ram", 1);
	fflush(stdout);
	pid = fork();
	svmt_assert(pid >= 0);
	if (pid == 0) {
		read_expecting_sigbus(&p[n - 1]);
		_exit(0);
	}
	svmt_assert_eq_u64(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		svmt_fail(__FILE__, __LINE__, "child: status 0x%x, expected killed by SIGBUS",
			  status);
	c2 = counts(&vm);
	svmt_assert_eq_u64(c2.t.vram_pages_in_use, in_use0 + PAGES(size));
	svmt_assert_eq_u64(DELTA(c1, c2, t.copy_failures), 1);
	svmt_assert_eq_u64(DELTA(c1, c2, t.migrated_to_ram), 0);

	/* The knob is spent (and reset): every word reads right. */
	reset_fail_knobs();
	svmt_assert(!read_sigbus(&p[7], &out));
	svmt_assert_eq_u64(out, V1 + 7 * S1);
	emu_assert_linear(p, n, V1, S1);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c2, c1, t.migrated_to_ram), PAGES(size));
	svmt_assert_eq_u64(DELTA(c2, c1, t.copy_failures), 0);

	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * A VM of a device whose page tables map VRAM with 64 KiB pages only, as
 * Xe_HPC's do: the emulated device's "vram_map_64k" knob, read when a VM
 * is created (then put back at once). Such a VM's binds refuse any VRAM
 * chunk under 64 KiB, as that hardware's page walk would.
 */
static struct emu_vm vm_open_map64k(void)
{
	struct emu_vm vm;

	emu_fail_next("vram_map_64k", 1);
	vm = emu_vm_open_mirror();
	emu_fail_next("vram_map_64k", 0);
	return vm;
}

/* Anonymous, 2 MiB-aligned, never THP-backed: pages behave one by one. */
static uint64_t *anon_2m_no_thp(size_t size)
{
	uint64_t *p = emu_anon_2m(size);

	svmt_assert_ok(madvise(p, size, MADV_NOHUGEPAGE));
	return p;
}

/*
 * With 64 KiB VRAM pages, a 4 KiB range never migrates: a GPU atomic on
 * a 4 KiB VMA (which migrates it on other devices, see atomic-4k) runs
 * in system memory, and its result is right on the GPU and the CPU.
 */
static void test_map64k_atomic_4k(void)
{
	struct emu_vm vm = vm_open_map64k();
	uint64_t in_use0 = vram_start(vm.fd, 0, SZ_64K);
	uint64_t *a = emu_map_aligned(SZ_4K, SZ_4K, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct counts c0, c1;
	uint64_t old;

	emu_fill_linear(a, PAGE_WORDS, V1, S1);
	c0 = counts(&vm);
	emu_assert_result(emu_atomic_add(&vm, &a[5], 1000, &old), 0);
	svmt_assert_eq_u64(old, V1 + 5 * S1);
	emu_assert_result(emu_atomic_add(&vm, &a[5], 1, &old), 0);
	svmt_assert_eq_u64(old, V1 + 5 * S1 + 1000);
	assert_snap(&vm, a, SZ_4K, SNAP_SYS, 12);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 0);
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	svmt_assert_eq_u64(a[5], V1 + 5 * S1 + 1001);
	emu_assert_linear(a, 5, V1, S1);
	emu_assert_linear(&a[6], PAGE_WORDS - 6, V1 + 6 * S1, S1);
	svmt_assert_ok(munmap(a, SZ_4K));
	emu_vm_close(&vm);
}

/*
 * With 64 KiB VRAM pages, a migration moves whole 64 KiB groups: one page
 * of group 1 is held by a pipe (vmsplice() took a reference), so it
 * cannot migrate; the GPU write moves the other 31 groups only (group 1's
 * other 15 pages would be 4 KiB pieces of VRAM) and completes with every
 * word right.
 */
static void test_map64k_pinned_group(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = vm_open_map64k();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = anon_2m_no_thp(size);
	struct iovec iov = { (char *)p + 20 * SZ_4K, SZ_4K };
	struct counts c0, c1;
	int fds[2];

	emu_fill_linear(p, n, V1, S1);
	svmt_assert_ok(pipe(fds));
	svmt_assert_eq_u64(vmsplice(fds[1], &iov, 1, 0), SZ_4K);

	c0 = counts(&vm);
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 31 * 16);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	assert_snap(&vm, p, SZ_64K, SNAP_VRAM, 16);
	assert_snap(&vm, (char *)p + SZ_64K, SZ_64K, SNAP_SYS, 0);
	assert_snap(&vm, (char *)p + 2 * SZ_64K, size - 2 * SZ_64K, SNAP_VRAM, 0);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);

	close(fds[0]);
	close(fds[1]);
	emu_assert_linear(p, n, V2, S2);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * With 64 KiB VRAM pages, a range whose device pages do not form whole
 * groups is mapped from system memory. A 2 MiB buffer in VRAM; mprotect()
 * of one page in group 1 splits its VMA, and a CPU read brings back that
 * page only (the window is clipped to its VMA). The GPU then reads all of
 * it: the 4 KiB ranges now around that page hold VRAM pages the device
 * cannot map, and come back to system memory (one fallback each); the
 * 64 KiB ranges stay in VRAM; every word is right.
 */
static void test_map64k_split_group(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = vm_open_map64k();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = anon_2m_no_thp(size);
	char *ro = (char *)p + SZ_64K + 2 * SZ_4K;
	struct counts c0, c1;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);

	svmt_assert_ok(mprotect(ro, SZ_4K, PROT_READ));
	c0 = counts(&vm);
	svmt_assert_eq_u64(*(volatile uint64_t *)ro, V1 + (SZ_64K + 2 * SZ_4K) / 8 * S1);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 1);

	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	c0 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c0, t.migrated_to_ram), 15);
	svmt_assert_eq_u64(DELTA(c1, c0, s.vram_fallbacks), 15);
	svmt_assert_eq_u64(DELTA(c1, c0, t.migrated_to_vram), 0);
	assert_snap(&vm, p, SZ_64K, SNAP_VRAM, 16);
	assert_snap(&vm, (char *)p + SZ_64K, SZ_64K, SNAP_SYS, 12);
	assert_snap(&vm, (char *)p + 2 * SZ_64K, size - 2 * SZ_64K, SNAP_VRAM, 16);

	emu_assert_linear(p, n, V1, S1);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * A GPU fault on a device that says it is dead: no VRAM is taken and no
 * copy asked for (on hardware it would fail only after the job timeout);
 * the fault is served from system memory, counted as a fallback, and
 * every word is right.
 */
static void test_gpu_fault_wedged(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size);
	struct counts c0, c1;

	reset_fail_knobs();
	emu_fill_linear(p, n, V1, S1);
	c0 = counts(&vm);
	emu_fail_next("wedged", 1);
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	emu_fail_next("wedged", 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.bytes_copied), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 1);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0);
	assert_snap(&vm, p, size, SNAP_SYS, 0);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	emu_assert_linear(p, n, V2, S2);
	svmt_assert_ok(munmap(p, size));
	emu_vm_close(&vm);
}

/*
 * Pages that need a fault beside device pages, with VRAM allocation
 * failing so that they cannot join them: holes left by MADV_DONTNEED in
 * a 2 MiB buffer in VRAM. A GPU read (the holes read as zero) and then a
 * GPU write of the whole buffer map the holes from system memory and
 * leave every other page in VRAM: nothing is migrated back (the walk
 * that maps a range faults every page after the first that needs it,
 * and used to fault the device pages back with it).
 */
static void test_holes_beside_vram(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = anon_2m_no_thp(size);
	char *hole1 = (char *)p + 5 * SZ_4K, *hole2 = (char *)p + 300 * SZ_4K;
	struct counts c0, c1;

	reset_fail_knobs();
	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);

	/* A GPU read over a hole. */
	svmt_assert_ok(madvise(hole1, SZ_4K, MADV_DONTNEED));
	c0 = counts(&vm);
	emu_fail_next("fail_vram_alloc", 1);
	emu_assert_gpu_linear(&vm, p, 5 * SZ_4K, V1, S1);
	emu_assert_gpu_linear(&vm, (uint64_t *)hole1, SZ_4K, 0, 0);
	emu_assert_gpu_linear(&vm, (uint64_t *)(hole1 + SZ_4K), size - 6 * SZ_4K,
			      V1 + 6 * PAGE_WORDS * S1, S1);
	emu_fail_next("fail_vram_alloc", 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 0);
	assert_snap(&vm, p, 5 * SZ_4K, SNAP_VRAM, 0);
	assert_snap(&vm, hole1 + SZ_4K, size - 6 * SZ_4K, SNAP_VRAM, 0);

	/* A GPU write over another hole. */
	svmt_assert_ok(madvise(hole2, SZ_4K, MADV_DONTNEED));
	c0 = counts(&vm);
	emu_fail_next("fail_vram_alloc", 1);
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	emu_fail_next("fail_vram_alloc", 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), 0);
	assert_snap(&vm, p, 5 * SZ_4K, SNAP_VRAM, 0);
	assert_snap(&vm, hole1, SZ_4K, SNAP_SYS, 0);
	assert_snap(&vm, hole1 + SZ_4K, 294 * SZ_4K, SNAP_VRAM, 0);
	assert_snap(&vm, hole2, SZ_4K, SNAP_SYS, 0);
	assert_snap(&vm, hole2 + SZ_4K, size - 301 * SZ_4K, SNAP_VRAM, 0);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);

	emu_assert_linear(p, n, V2, S2);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/*
 * After fork(), the parent's CPU writes made some pages of a 2 MiB buffer
 * its own (writable) and left the others shared copy-on-write, which a
 * GPU write does not migrate: pages 0-15 and 24-31 are shared, the rest
 * written. The GPU write migrates the written pages (with @map64k, whole
 * 64 KiB groups only: group 1 is half shared and stays), then maps the
 * range; breaking the sharing of the other pages for it must not bring
 * the migrated pages back (hmm_range_fault() faults every page after the
 * first one that needs a fault, and used to fault the device pages back
 * with it). Every word is right in the parent and, untouched, in the
 * child.
 */
static void cow_partial_write(bool map64k)
{
	size_t size = SZ_2M, n = size / 8, i;
	struct emu_vm vm = map64k ? vm_open_map64k() : emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = anon_2m_no_thp(size);
	size_t stay = map64k ? 32 : 16;	/* pages from 0 that stay */
	struct counts c0, c1;
	int fds[2], status;
	char go = 'x';
	pid_t pid;

	emu_fill_linear(p, n, V1, S1);
	svmt_assert_ok(pipe(fds));
	fflush(stdout);
	pid = fork();
	svmt_assert(pid >= 0);
	if (pid == 0) {
		/* The child's copy keeps what the parent wrote before fork(). */
		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(2);
		for (i = 0; i < n; i++)
			if (p[i] != V1 + i * S1)
				_exit(1);
		_exit(0);
	}
	close(fds[0]);

	/* Same values: the writes only break the sharing of these pages. */
	for (i = 16; i < PAGES(size); i++)
		if (i < 24 || i >= 32)
			p[i * PAGE_WORDS] = V1 + i * PAGE_WORDS * S1;

	c0 = counts(&vm);
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram),
			   map64k ? 30 * 16 : PAGES(size) - 24);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	assert_snap(&vm, p, stay * SZ_4K, SNAP_SYS, 0);
	if (!map64k) {
		assert_snap(&vm, (char *)p + 16 * SZ_4K, 8 * SZ_4K, SNAP_VRAM, 0);
		assert_snap(&vm, (char *)p + 24 * SZ_4K, 8 * SZ_4K, SNAP_SYS, 0);
	}
	assert_snap(&vm, (char *)p + 32 * SZ_4K, size - 32 * SZ_4K, SNAP_VRAM, 0);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);

	svmt_assert_eq_u64(write(fds[1], &go, 1), 1);
	close(fds[1]);
	svmt_assert_eq_u64(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		svmt_fail(__FILE__, __LINE__, "child: status 0x%x, expected exit 0 (its copy intact)",
			  status);

	emu_assert_linear(p, n, V2, S2);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

static void test_cow_partial_write(void)
{
	cow_partial_write(false);
}

static void test_map64k_cow_group(void)
{
	cow_partial_write(true);
}

/*
 * A CPU fault on VRAM of a device that says it is dead (the "wedged"
 * knob; this device's copies would still work): no copy is asked for
 * (on hardware it would fail only after the job timeout), the faulting
 * thread gets SIGBUS at once, and the data stays in VRAM, whole: once
 * the device is alive again, every word reads right.
 */
static void test_cpu_fault_wedged(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size), out = 0;
	struct counts c0, c1;

	reset_fail_knobs();
	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);

	c0 = counts(&vm);
	emu_fail_next("wedged", 1);
	svmt_assert(read_sigbus(&p[7], &out));
	svmt_assert(read_sigbus(&p[n - 1], &out));
	emu_fail_next("wedged", 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(c1.t.vram_pages_in_use, in_use0 + PAGES(size));
	svmt_assert_eq_u64(DELTA(c0, c1, t.cpu_faults), 2);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 0);

	/* Alive again: the CPU fault copies, and nothing was lost. */
	svmt_assert(!read_sigbus(&p[7], &out));
	svmt_assert_eq_u64(out, V1 + 7 * S1);
	emu_assert_linear(p, n, V1, S1);
	c0 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c1, c0, t.migrated_to_ram), PAGES(size));
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

#define TCF_THREADS	8

struct tcf {
	uint64_t *p;
	size_t n, start;
	pthread_barrier_t *barrier;
};

static void *tcf_thread(void *arg)
{
	struct tcf *t = arg;

	pthread_barrier_wait(t->barrier);
	emu_assert_linear(&t->p[t->start], t->n - t->start, V1 + t->start * S1, S1);
	emu_assert_linear(t->p, t->start, V1, S1);
	return NULL;
}

/*
 * Eight threads read every word of 4 MiB in VRAM at the same time,
 * starting in pairs at each quarter: CPU faults on the same window race,
 * and every page comes back exactly once.
 */
static void test_threads_cpu_fault(void)
{
	size_t size = 2 * SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size);
	struct tcf t[TCF_THREADS];
	pthread_t tid[TCF_THREADS];
	pthread_barrier_t barrier;
	struct counts c0, c1;
	unsigned int i;

	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	svmt_assert_eq_u64(vm.faults, 2);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	c0 = counts(&vm);
	svmt_assert_eq_u64(c0.t.vram_pages_in_use, in_use0 + PAGES(size));

	pthread_barrier_init(&barrier, NULL, TCF_THREADS);
	for (i = 0; i < TCF_THREADS; i++) {
		t[i] = (struct tcf){ .p = p, .n = n, .start = i % 4 * (n / 4),
				     .barrier = &barrier };
		svmt_assert(!pthread_create(&tid[i], NULL, tcf_thread, &t[i]));
	}
	for (i = 0; i < TCF_THREADS; i++)
		svmt_assert(!pthread_join(tid[i], NULL));
	pthread_barrier_destroy(&barrier);

	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c1 = counts(&vm);
	emu_print_tile_stats("after the threads", &c1.t);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), PAGES(size));
	svmt_assert(DELTA(c0, c1, t.cpu_faults) >= 2);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);
	assert_snap(&vm, p, size, 0, 0);

	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

#define TGC_RANGES	4	/* ranges 0, 1: GPU threads; 2, 3: CPU threads */
#define TGC_SECONDS	3.0
#define TGC_MIN_ITERS	3

struct tgc {
	struct emu_vm vm;	/* the same VM; each thread its own fault count */
	uint64_t *p;		/* this thread's 2 MiB range */
	unsigned int id;
	unsigned int iters;
	pthread_barrier_t *barrier;
};

static uint64_t tgc_value(unsigned int id, unsigned int k)
{
	return (uint64_t)(id + 1) << 56 | (uint64_t)k << 24 | 0x77;
}

static void *tgc_thread(void *arg)
{
	struct tgc *t = arg;
	size_t n = SZ_2M / 8;
	bool gpu = t->id < TGC_RANGES / 2;
	double end;
	unsigned int k;

	pthread_barrier_wait(t->barrier);
	end = now_s() + TGC_SECONDS;
	for (k = 1; k <= TGC_MIN_ITERS || now_s() < end; k++) {
		if (gpu) {
			/* Never touched by the CPU: stays in VRAM throughout. */
			emu_assert_result(emu_fill(&t->vm, t->p, SZ_2M, tgc_value(t->id, k),
						   t->id + 1), 0);
			emu_assert_gpu_linear(&t->vm, t->p, SZ_2M, tgc_value(t->id, k), t->id + 1);
			assert_snap(&t->vm, t->p, SZ_2M, SNAP_VRAM, 21);
		} else {
			/* In RAM (k > 1) or VRAM (k == 1) -> RAM -> VRAM -> RAM. */
			emu_fill_linear(t->p, n, tgc_value(t->id, k), t->id + 1);
			emu_assert_gpu_linear(&t->vm, t->p, SZ_2M, tgc_value(t->id, k), t->id + 1);
			emu_assert_linear(t->p, n, tgc_value(t->id, k), t->id + 1);
		}
		t->iters = k;
	}
	return NULL;
}

/*
 * GPU threads fill and compare their own 2 MiB ranges in VRAM while CPU
 * threads bounce theirs between the CPU and the GPU, in one VMA, for a
 * few seconds. Each thread owns its range, so the final data and the
 * migration counts are exact.
 */
static void test_threads_gpu_cpu(void)
{
	size_t size = TGC_RANGES * SZ_2M;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size);
	struct tgc t[TGC_RANGES];
	pthread_t tid[TGC_RANGES];
	pthread_barrier_t barrier;
	struct counts c0, c1;
	uint64_t cpu_iters = 0;
	unsigned int i;

	/* Exact migration counts for as long as it runs: no thrashing control. */
	emu_vm_no_thrash_control(&vm);
	for (i = 0; i < TGC_RANGES; i++)
		emu_assert_result(emu_fill(&vm, &p[i * SZ_2M / 8], SZ_2M, tgc_value(i, 0),
					   i + 1), 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	c0 = counts(&vm);
	svmt_assert_eq_u64(c0.t.vram_pages_in_use, in_use0 + PAGES(size));

	pthread_barrier_init(&barrier, NULL, TGC_RANGES);
	for (i = 0; i < TGC_RANGES; i++) {
		t[i] = (struct tgc){ .vm = vm, .p = &p[i * SZ_2M / 8], .id = i,
				     .barrier = &barrier };
		svmt_assert(!pthread_create(&tid[i], NULL, tgc_thread, &t[i]));
	}
	for (i = 0; i < TGC_RANGES; i++) {
		svmt_assert(!pthread_join(tid[i], NULL));
		svmt_info("thread %u (%s): %u iterations", i,
			  i < TGC_RANGES / 2 ? "GPU" : "CPU", t[i].iters);
		if (i >= TGC_RANGES / 2)
			cpu_iters += t[i].iters;
	}
	pthread_barrier_destroy(&barrier);

	c1 = counts(&vm);
	emu_print_tile_stats("after the threads", &c1.t);
	/* CPU threads: one round trip per iteration, plus the first fault back. */
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), cpu_iters * PAGES(SZ_2M));
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram),
			   (cpu_iters + TGC_RANGES / 2) * PAGES(SZ_2M));
	svmt_assert_eq_u64(DELTA(c0, c1, t.cpu_faults), cpu_iters + TGC_RANGES / 2);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), cpu_iters);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	/* The GPU threads' ranges are still in VRAM, the CPU threads' are not. */
	emu_assert_vram_in_use(vm.fd, 0, in_use0 + PAGES(size) / 2);

	for (i = 0; i < TGC_RANGES; i++)
		check_both(&vm, &p[i * SZ_2M / 8], SZ_2M / 8, tgc_value(i, t[i].iters), i + 1);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * Destroying a VM (or closing its file) leaves the data it migrated in
 * VRAM, where the CPU still finds it.
 */
static void test_vm_destroy_in_vram(void)
{
	size_t size = SZ_2M, n = size / 8;
	int fd = emu_open(), fd2;
	uint64_t in_use0 = vram_start(fd, 0, size);
	struct emu_vm a = emu_vm_create(fd, EMU_VM_MIRROR), b;
	uint64_t *p = emu_anon_2m(size);
	struct xe_svm_emu_tile_stats t0, t1;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&a, p, size, V1, S1);
	assert_snap(&a, p, size, SNAP_VRAM, 21);

	emu_vm_destroy(&a);
	svmt_assert_ok(close(fd));
	fd2 = emu_open();
	t0 = emu_tile_stats(fd2, 0);
	svmt_assert_eq_u64(t0.vram_pages_in_use, in_use0 + PAGES(size));
	emu_assert_linear(p, n, V1, S1);
	emu_assert_vram_in_use(fd2, 0, in_use0);
	t1 = emu_tile_stats(fd2, 0);
	svmt_assert_eq_u64(DELTA(t0, t1, cpu_faults), 1);
	svmt_assert_eq_u64(DELTA(t0, t1, migrated_to_ram), PAGES(size));

	/* Closing the file without VM_DESTROY: the same. */
	b = emu_vm_open_mirror();
	emu_fill_linear(p, n, V2, S2);
	emu_assert_gpu_linear(&b, p, size, V2, S2);
	assert_snap(&b, p, size, SNAP_VRAM, 21);
	svmt_assert_ok(close(b.fd));
	svmt_assert_eq_u64(emu_vram_in_use(fd2, 0), in_use0 + PAGES(size));
	emu_assert_linear(p, n, V2, S2);
	emu_assert_vram_in_use(fd2, 0, in_use0);

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(fd2, 0, in_use0);
	close(fd2);
}

struct unload_ctx {
	uint64_t in_use0;
	struct emu_pipes pp;
};

/* A process with its own data in VRAM that keeps running across the unload. */
static void unload_child(void *arg)
{
	struct unload_ctx *u = arg;
	size_t n = SZ_2M / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *c = emu_anon_2m(SZ_2M);

	emu_assert_result(emu_fill(&vm, c, SZ_2M, V2, S2), 0);
	assert_snap(&vm, c, SZ_2M, SNAP_VRAM, 21);
	emu_vm_close(&vm);
	emu_send_byte(u->pp.to_parent[1]);
	emu_recv_byte(u->pp.to_child[0]);
	/* The module is gone: the data was moved back to system memory. */
	emu_assert_linear(c, n, V2, S2);
}

/*
 * The process that unloads the module (the subtest process reloads it,
 * whatever happens here).
 */
static void unload_worker(void *arg)
{
	size_t size = 2 * SZ_2M, n = size / 8, half = n / 2;
	struct unload_ctx u = {};
	struct emu_vm vm;
	uint64_t *p;
	struct stat st;
	pid_t child;
	int fd;

	(void)arg;
	/* No device file may be open across the fork: the child inherits it. */
	fd = emu_open();
	u.in_use0 = vram_start(fd, 0, size + SZ_2M);
	close(fd);
	emu_pipes_init(&u.pp);
	child = emu_fork(unload_child, &u);

	vm = emu_vm_open_mirror();
	p = emu_anon_2m(size);
	/* Half written by the CPU, half by the GPU; all of it in VRAM. */
	emu_fill_linear(p, half, V1, S1);
	emu_assert_gpu_linear(&vm, p, size / 2, V1, S1);
	emu_assert_result(emu_fill(&vm, &p[half], size / 2, V3, S3), 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	emu_recv_byte(u.pp.to_parent[0]);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), u.in_use0 + PAGES(size + SZ_2M));
	emu_vm_close(&vm);

	svmt_assert_ok(emu_module_unload());
	svmt_assert(stat(EMU_DEV, &st) != 0);
	emu_assert_linear(p, half, V1, S1);
	emu_assert_linear(&p[half], half, V3, S3);
	emu_send_byte(u.pp.to_child[1]);
	emu_wait_ok(child);
	svmt_assert_ok(munmap(p, size));
}

/*
 * A fresh module with @m's parameters: the original tiles, nothing in
 * use, counters at 0; and it migrates.
 */
static void check_fresh_module(const struct emu_module *m)
{
	struct xe_svm_emu_tile_stats ts;
	struct emu_vm vm;
	uint64_t *p;
	uint32_t i;
	int fd;

	fd = emu_open_reloaded();
	svmt_assert_eq_u64(num_tiles(fd), m->tiles);
	for (i = 0; i < m->tiles; i++) {
		ts = emu_tile_stats(fd, i);
		svmt_assert_eq_u64(ts.vram_pages, (uint64_t)m->vram_mb << 20 >> 12);
		svmt_assert_eq_u64(ts.vram_pages_in_use, 0);
		svmt_assert_eq_u64(ts.migrated_to_vram, 0);
		svmt_assert_eq_u64(ts.migrated_to_ram, 0);
	}
	close(fd);

	vm = emu_vm_open_mirror();
	p = emu_anon_2m(SZ_2M);
	emu_assert_result(emu_fill(&vm, p, SZ_2M, V1, S1), 0);
	assert_snap(&vm, p, SZ_2M, SNAP_VRAM, 21);
	emu_assert_linear(p, SZ_2M / 8, V1, S1);
	svmt_assert_ok(munmap(p, SZ_2M));
	emu_assert_vram_in_use(vm.fd, 0, 0);
	emu_vm_close(&vm);
}

/*
 * The process that unloads the module while the copy engine fails every
 * copy back to system memory, as a wedged GPU's does; or, with @arg, while
 * the device says it is dead (its copies would still work).
 */
static void unload_dead_worker(void *arg)
{
	size_t size = 2 * SZ_2M, n = size / 8;
	struct emu_vm vm;
	uint64_t *p, *q;
	struct stat st;
	int fd;

	fd = emu_open();
	vram_start(fd, 0, size + SZ_2M);
	close(fd);

	vm = emu_vm_open_mirror();
	p = emu_anon_2m(size);
	q = emu_anon_2m(SZ_2M);
	/* @p stays in VRAM; @q went there and came back on a CPU read */
	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	emu_assert_result(emu_fill(&vm, q, SZ_2M, V2, S2), 0);
	emu_assert_linear(q, SZ_2M / 8, V2, S2);
	assert_snap(&vm, q, SZ_2M, 0, 0);

	if (arg)
		emu_fail_next("wedged", 1);
	else
		emu_fail_next("fail_copy_to_ram", 1000000);
	emu_vm_close(&vm);
	svmt_assert_ok(emu_module_unload());
	svmt_assert(stat(EMU_DEV, &st) != 0);

	/* What could not be copied came back zeroed; the rest is intact. */
	emu_assert_linear(p, n, 0, 0);
	emu_assert_linear(q, SZ_2M / 8, V2, S2);
	svmt_assert_ok(munmap(p, size));
	svmt_assert_ok(munmap(q, SZ_2M));
}

/*
 * Run @worker, a process that unloads the module, and reload the module
 * with its original parameters afterwards (first, whatever the worker
 * did, so that the programs after this one find the device); then the
 * worker must have succeeded and the module must be a fresh one: the
 * original tiles, nothing in use, counters at 0.
 */
static void run_unload_worker(void (*worker)(void *), void *arg)
{
	struct emu_module m;
	bool reloaded = false;
	struct stat st;
	int status;
	pid_t w;

	emu_module_get(&m);
	w = emu_fork(worker, arg);
	svmt_assert_eq_u64(waitpid(w, &status, 0), w);
	if (stat(EMU_DEV, &st) != 0) {
		svmt_assert_ok(emu_module_load(m.kofd, m.params));
		reloaded = true;
	}
	close(m.kofd);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		svmt_fail(__FILE__, __LINE__, "the unloading process failed (status 0x%x)",
			  status);
	svmt_assert(reloaded);

	check_fresh_module(&m);
}

/*
 * Unloading the module with data in VRAM, in this process and in another
 * one that keeps running: once every device file is closed, the unload
 * moves every VRAM page back to system memory, and every byte is right
 * afterwards.
 */
static void test_teardown_unload(void)
{
	run_unload_worker(unload_worker, NULL);
}

/*
 * Unloading the module while its copy engine is dead: the unload ends
 * (it used to retry the copies for ever), the pages that could not be
 * copied are replaced by zeroed pages and counted in one logged line, and
 * nothing leaks.
 */
static void test_teardown_unload_copy_dead(void)
{
	run_unload_worker(unload_dead_worker, NULL);
}

/*
 * Unloading the module of a device that says it is dead (wedged, as a
 * wedged or unplugged GPU): no copy is even tried (they would each wait
 * for a timeout on hardware), so the pages in VRAM come back zeroed
 * although this device's copies still work, and the unload ends at once.
 */
static void test_teardown_unload_wedged(void)
{
	run_unload_worker(unload_dead_worker, "wedged");
}

/* ------------------------------------------------------------------ */

/* The VM's placement is still VRAM of tile 0: a new buffer migrates there. */
static void check_still_vram_tile0(struct emu_vm *vm, uint32_t tiles)
{
	uint64_t in_use0 = vram_start(vm->fd, 0, SZ_2M);
	uint64_t in_use1 = tiles > 1 ? emu_vram_in_use(vm->fd, 1) : 0;
	uint64_t *p = emu_anon_2m(SZ_2M);

	emu_assert_result(emu_fill(vm, p, SZ_2M, V1, S1), 0);
	assert_snap(vm, p, SZ_2M, SNAP_VRAM, 21);
	svmt_assert_eq_u64(emu_vram_in_use(vm->fd, 0), in_use0 + PAGES(SZ_2M));
	if (tiles > 1)
		svmt_assert_eq_u64(emu_vram_in_use(vm->fd, 1), in_use1);
	emu_assert_linear(p, SZ_2M / 8, V1, S1);
	svmt_assert_ok(munmap(p, SZ_2M));
	emu_assert_vram_in_use(vm->fd, 0, in_use0);
}

/*
 * Bad VM_PLACEMENT arguments: exact errno, and the VM's placement is left
 * as it was (every bad case asks for SYSTEM or another tile, which would
 * show).
 */
static void test_placement_bad_args(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint32_t tiles = num_tiles(vm.fd);
	struct {
		const char *what;
		struct xe_svm_emu_vm_placement arg;
		int err;
	} cases[] = {
		{ "flags 2 (the first unknown flag)", { .placement = XE_SVM_EMU_PLACE_SYSTEM,
							.flags = 2 }, EINVAL },
		{ "flags 1 << 31", { .placement = XE_SVM_EMU_PLACE_SYSTEM, .flags = 1u << 31 },
		  EINVAL },
		{ "flags NO_THRASH_CONTROL | 1 << 31", { .placement = XE_SVM_EMU_PLACE_SYSTEM,
			.flags = XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL | 1u << 31 }, EINVAL },
		{ "reserved[0]", { .placement = XE_SVM_EMU_PLACE_SYSTEM, .reserved = { 1, 0 } },
		  EINVAL },
		{ "reserved[1]", { .placement = XE_SVM_EMU_PLACE_SYSTEM,
				   .reserved = { 0, 1ULL << 63 } }, EINVAL },
		{ "placement 2", { .placement = 2 }, EINVAL },
		{ "placement ~0", { .placement = ~0u }, EINVAL },
		{ "tile num_tiles", { .placement = XE_SVM_EMU_PLACE_VRAM, .tile = tiles }, EINVAL },
		{ "tile MAX_TILES", { .placement = XE_SVM_EMU_PLACE_VRAM,
				      .tile = XE_SVM_EMU_MAX_TILES }, EINVAL },
		{ "tile ~0", { .placement = XE_SVM_EMU_PLACE_VRAM, .tile = ~0u }, EINVAL },
		{ "unknown VM", { .vm_id = vm.id + 1000,
				  .placement = XE_SVM_EMU_PLACE_SYSTEM }, ENOENT },
		{ "VM 0", { .vm_id = 0, .placement = XE_SVM_EMU_PLACE_SYSTEM }, ENOENT },
	};
	struct xe_svm_emu_stats st0 = emu_stats(&vm), st1;
	unsigned int i;

	svmt_assert(!emu_vm_exists(vm.fd, vm.id + 1000));
	svmt_assert(!emu_vm_exists(vm.fd, 0));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		svmt_info("case %s", cases[i].what);
		if (cases[i].err != ENOENT)
			cases[i].arg.vm_id = vm.id;
		svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, &cases[i].arg),
				  cases[i].err);
	}
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, NULL), EFAULT);
	st1 = emu_stats(&vm);
	emu_assert_stats_same(&st0, &st1);

	check_still_vram_tile0(&vm, tiles);
	/* And a good call still works. */
	svmt_assert_ok(__emu_vm_placement(vm.fd, vm.id, XE_SVM_EMU_PLACE_VRAM, tiles - 1));
	svmt_assert_ok(__emu_vm_placement(vm.fd, vm.id, XE_SVM_EMU_PLACE_VRAM, 0));
	emu_vm_close(&vm);
}

/*
 * Bad TILE_STATS arguments: -EINVAL and the argument left as it was;
 * good calls report each tile's VRAM as INFO does.
 */
static void test_tile_stats_bad_args(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_info info = {};
	struct xe_svm_emu_tile_stats bad[] = {
		{ .flags = 1 },
		{ .flags = 1u << 31 },
		{ .reserved = { 1 } },
		{ .reserved = { 1ULL << 32 } },
		{ .reserved = { 1ULL << 63 } },
		{ .tile = 0 },		/* num_tiles, set below */
		{ .tile = XE_SVM_EMU_MAX_TILES },
		{ .tile = ~0u },
	};
	struct xe_svm_emu_tile_stats st, before;
	unsigned int i;

	svmt_assert_ok(__emu_info(vm.fd, &info));
	bad[5].tile = info.num_tiles;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		svmt_info("case %u", i);
		st = bad[i];
		/* Out fields: a pattern the kernel must not overwrite. */
		st.vram_pages = st.vram_pages_in_use = st.migrated_to_vram = 0xa5a5a5a5a5a5a5a5ULL;
		st.migrated_to_ram = st.bytes_copied = st.cpu_faults = 0x5a5a5a5a5a5a5a5aULL;
		st.alloc_failures = st.copy_failures = 0x1234567812345678ULL;
		before = st;
		svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_TILE_STATS, &st), EINVAL);
		svmt_assert_buf_eq((uint64_t *)&st, (uint64_t *)&before,
				   sizeof(st) / sizeof(uint64_t));
	}
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_TILE_STATS, NULL), EFAULT);

	for (i = 0; i < info.num_tiles; i++) {
		st = emu_tile_stats(vm.fd, i);
		svmt_assert_eq_u64(st.tile, i);
		svmt_assert_eq_u64(st.vram_pages, info.tiles[i].vram_size / SZ_4K);
		svmt_assert(st.vram_pages_in_use <= st.vram_pages);
		svmt_assert_eq_u64(st.flags, 0);
		emu_print_tile_stats("now", &st);
	}
	check_still_vram_tile0(&vm, info.num_tiles);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/* EXEC of @n ops on @vm: every op succeeds and every COMPARE matches. */
#define exec_all_ok(vm, ops, n) exec_all_ok_at(__FILE__, __LINE__, (vm), (ops), (n))
static void exec_all_ok_at(const char *file, int line, struct emu_vm *vm,
			   struct xe_svm_emu_op *ops, size_t n)
{
	size_t i;

	emu_exec(vm, ops, n);
	for (i = 0; i < n; i++) {
		if (ops[i].result)
			svmt_fail(file, line, "op %zu of %zu (op %u at 0x%" PRIx64 "): %d %s",
				  i, n, ops[i].op, (uint64_t)ops[i].addr, ops[i].result,
				  emu_errname(ops[i].result));
		if (ops[i].op == XE_SVM_EMU_OP_COMPARE &&
		    ops[i].out != XE_SVM_EMU_COMPARE_EQUAL)
			svmt_fail(file, line, "op %zu of %zu: GPU COMPARE of [0x%" PRIx64
				  ", +0x%" PRIx64 "): first mismatch at byte offset 0x%" PRIx64,
				  i, n, (uint64_t)ops[i].addr, (uint64_t)ops[i].size,
				  (uint64_t)ops[i].out);
	}
}

#define PM_PROCS	4
#define PM_ROUNDS	3
#define PM_VMA		(2 * SZ_64K)		/* two 64 KiB ranges */
#define PM_SMALL_OFF	(SZ_64K + 4 * SZ_4K)	/* 16 KiB inside the second one */
#define PM_SMALL	(4 * SZ_4K)
#define PM_BIG		(2 * SZ_2M)		/* two 2 MiB ranges, half written each */

/* Linear pattern number @k of the process whose seed is @seed. */
static uint64_t pm_value(uint64_t seed, unsigned int k)
{
	return emu_pattern(seed, 2 * k);
}

static uint64_t pm_step(uint64_t seed, unsigned int k)
{
	return emu_pattern(seed, 2 * k + 1) | 1;
}

/* A pipe whose read end sees EOF once the parent forked every process. */
struct pm_gate {
	int fd[2];
};

/*
 * One of the processes: its own VM, its own buffers each round, its own
 * patterns (seeded by its pid). Every word it reads, on the GPU or the
 * CPU, is one it wrote or a zero of memory it never wrote: never a word
 * of another process, whose VRAM blocks it may be given once freed.
 */
static void pm_child(void *arg)
{
	const struct pm_gate *g = arg;
	size_t na = PM_VMA / 8, nb = PM_BIG / 8, nr = SZ_2M / 8;
	size_t so = PM_SMALL_OFF / 8, sn = PM_SMALL / 8;
	uint64_t seed = getpid(), *a, *b, *h;
	struct emu_vm vm;
	unsigned int r, j, k;
	char ch;

	close(g->fd[1]);
	while (read(g->fd[0], &ch, 1) > 0)
		;
	close(g->fd[0]);
	vm = emu_vm_open_mirror();
	for (r = 0; r < PM_ROUNDS; r++) {
		k = 8 * r;
		a = emu_map_aligned(PM_VMA, SZ_64K, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		b = emu_anon_2m(PM_BIG);
		/* Never-written pages stay holes: the migration clears their VRAM. */
		svmt_assert_ok(madvise(b, PM_BIG, MADV_NOHUGEPAGE));

		emu_fill_linear(&a[so], sn, pm_value(seed, k), pm_step(seed, k));
		for (j = 0; j < 2; j++)
			emu_fill_linear(&b[j * nr], nr / 2, pm_value(seed, k + 1 + j),
					pm_step(seed, k + 1 + j));

		/* The GPU migrates all four ranges: this process's words, zeros around. */
		emu_assert_gpu_linear(&vm, a, PM_SMALL_OFF, 0, 0);
		emu_assert_gpu_linear(&vm, &a[so], PM_SMALL, pm_value(seed, k), pm_step(seed, k));
		emu_assert_gpu_linear(&vm, &a[so + sn], PM_VMA - PM_SMALL_OFF - PM_SMALL, 0, 0);
		for (j = 0; j < 2; j++) {
			h = &b[j * nr];
			emu_assert_gpu_linear(&vm, h, SZ_2M / 2, pm_value(seed, k + 1 + j),
					      pm_step(seed, k + 1 + j));
			emu_assert_gpu_linear(&vm, &h[nr / 2], SZ_2M / 2, 0, 0);
		}
		assert_snap(&vm, a, PM_VMA, SNAP_VRAM, 16);
		assert_snap(&vm, b, PM_BIG, SNAP_VRAM, 21);

		/* The GPU overwrites it all in VRAM; the CPU reads it all back. */
		emu_assert_result(emu_fill(&vm, a, PM_VMA, pm_value(seed, k + 3),
					   pm_step(seed, k + 3)), 0);
		emu_assert_result(emu_fill(&vm, b, PM_BIG, pm_value(seed, k + 4),
					   pm_step(seed, k + 4)), 0);
		assert_snap(&vm, a, PM_VMA, SNAP_VRAM, 16);
		assert_snap(&vm, b, PM_BIG, SNAP_VRAM, 21);
		emu_assert_linear(a, na, pm_value(seed, k + 3), pm_step(seed, k + 3));
		emu_assert_linear(b, nb, pm_value(seed, k + 4), pm_step(seed, k + 4));
		assert_snap(&vm, a, PM_VMA, 0, 0);
		assert_snap(&vm, b, PM_BIG, 0, 0);

		/* b goes back to VRAM and is freed there: its blocks are the others' now. */
		emu_assert_gpu_linear(&vm, b, PM_BIG, pm_value(seed, k + 4), pm_step(seed, k + 4));
		assert_snap(&vm, b, PM_BIG, SNAP_VRAM, 21);
		svmt_assert_ok(munmap(a, PM_VMA));
		svmt_assert_ok(munmap(b, PM_BIG));
	}
	emu_vm_close(&vm);
}

/*
 * Four processes at once, each with its own VM, migrate small (64 KiB
 * ranges) and large (2 MiB) buffers both ways for a few rounds, freeing
 * some with their data in VRAM: no process ever sees another's data, in
 * VRAM or back in system memory, and the tile's counters add up exactly.
 */
static void test_processes_migrate(void)
{
	int fd = emu_open();
	uint64_t in_use0 = vram_start(fd, 0, PM_PROCS * (PM_VMA + PM_BIG));
	struct xe_svm_emu_tile_stats t0 = emu_tile_stats(fd, 0), t1;
	uint64_t rounds = PM_PROCS * PM_ROUNDS;
	pid_t pid[PM_PROCS];
	struct pm_gate g;
	unsigned int i;

	svmt_assert_ok(pipe(g.fd));
	for (i = 0; i < PM_PROCS; i++)
		pid[i] = emu_fork(pm_child, &g);
	/* All of them start now. */
	close(g.fd[1]);
	close(g.fd[0]);
	for (i = 0; i < PM_PROCS; i++)
		emu_wait_ok(pid[i]);

	emu_assert_vram_in_use(fd, 0, in_use0);
	t1 = emu_tile_stats(fd, 0);
	emu_print_tile_stats("after the processes", &t1);
	/* Per round: a (twice 16 pages) and b (twice 512) in, b in again; both out. */
	svmt_assert_eq_u64(DELTA(t0, t1, migrated_to_vram),
			   rounds * (PAGES(PM_VMA) + 2 * PAGES(PM_BIG)));
	svmt_assert_eq_u64(DELTA(t0, t1, migrated_to_ram),
			   rounds * (PAGES(PM_VMA) + PAGES(PM_BIG)));
	svmt_assert_eq_u64(DELTA(t0, t1, cpu_faults), rounds * 4);
	svmt_assert_eq_u64(DELTA(t0, t1, alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(t0, t1, copy_failures), 0);
	close(fd);
}

/* ------------------------------------------------------------------ */

#define RW_PAGES	PAGES(SZ_2M)	/* pages of the 2 MiB range */
#define RW_ROUNDS	32		/* GPU rounds (one EXEC each) */
#define RW_AHEAD	2		/* CPU passes per GPU round */
#define RW_PASSES	(RW_ROUNDS * RW_AHEAD)
#define RW_SLICES	32		/* a GPU round compares every 32nd page */

/*
 * How many rounds the GPU (main) thread has finished. The CPU thread runs
 * at most RW_AHEAD passes per round ahead of it, so that the two overlap
 * for the whole run whatever their speeds, and the GPU never waits.
 */
struct progress {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int done;
};

static void progress_init(struct progress *pr)
{
	svmt_assert(!pthread_mutex_init(&pr->lock, NULL));
	svmt_assert(!pthread_cond_init(&pr->cond, NULL));
	pr->done = 0;
}

static void progress_set(struct progress *pr, unsigned int done)
{
	pthread_mutex_lock(&pr->lock);
	pr->done = done;
	pthread_cond_broadcast(&pr->cond);
	pthread_mutex_unlock(&pr->lock);
}

static void progress_wait(struct progress *pr, unsigned int done)
{
	pthread_mutex_lock(&pr->lock);
	while (pr->done < done)
		pthread_cond_wait(&pr->cond, &pr->lock);
	pthread_mutex_unlock(&pr->lock);
}

static void progress_fini(struct progress *pr)
{
	pthread_cond_destroy(&pr->cond);
	pthread_mutex_destroy(&pr->lock);
}

struct rw_thread {
	volatile uint64_t *p;	/* the 2 MiB range */
	struct progress *gpu;
};

/* Word 0 of page @i once the CPU thread finished @q passes: its last store there. */
static uint64_t cw_value(unsigned int q, size_t i)
{
	return q ? (uint64_t)(q - 1) * RW_PAGES + i + 1 : 0;
}

/*
 * The CPU writer: n = 1, 2, 3... stored in word 0 of page 0, 1, ... 511,
 * 0, 1... Before each store it checks that its previous store to that
 * word is still there.
 */
static void *cw_thread(void *arg)
{
	struct rw_thread *t = arg;
	uint64_t n = 0, v;
	unsigned int q;
	size_t i;

	for (q = 0; q < RW_PASSES; q++) {
		progress_wait(t->gpu, q / RW_AHEAD);
		for (i = 0; i < RW_PAGES; i++) {
			v = t->p[i * PAGE_WORDS];
			if (v != cw_value(q, i))
				svmt_fail(__FILE__, __LINE__, "CPU pass %u, page %zu: word 0 is "
					  "0x%" PRIx64 ", the CPU last stored 0x%" PRIx64, q, i,
					  v, cw_value(q, i));
			t->p[i * PAGE_WORDS] = ++n;
		}
	}
	svmt_assert_eq_u64(n, cw_value(RW_PASSES, RW_PAGES - 1));
	return NULL;
}

/* Word 2 of page 0 and of page 256: CPU-writer ops 0 and CW_AT2, adding 0. */
#define CW_AT1		0
#define CW_AT2		(1 + RW_PAGES)
#define CW_READ(i)	(1 + (i))	/* the op that reads word 0 of page i */

/*
 * GPU ops of CPU-writer round @r: an atomic (adding 0 to a word nobody
 * changes), READ word 0 of every page, another atomic, then COMPARE
 * words 1..511 of every @slices-th page. A device atomic wants the range
 * in VRAM: wherever the last race left it (in system memory, or mapped
 * from there), each atomic migrates it again.
 */
static size_t cw_ops(struct xe_svm_emu_op *ops, uint64_t *p, unsigned int r,
		     unsigned int slices)
{
	size_t i, k = 0;

	ops[k++] = emu_op_atomic_add(&p[2], 0);
	for (i = 0; i < RW_PAGES; i++)
		ops[k++] = emu_op_read(&p[i * PAGE_WORDS]);
	ops[k++] = emu_op_atomic_add(&p[RW_PAGES / 2 * PAGE_WORDS + 2], 0);
	for (i = r % slices; i < RW_PAGES; i += slices)
		ops[k++] = emu_op_compare(&p[i * PAGE_WORDS + 1], SZ_4K - 8,
					  V1 + (i * PAGE_WORDS + 1) * S1, S1);
	return k;
}

/*
 * Print how much moved from @a to @b; nothing may have failed or fallen
 * back. @mid_exec: GPU rounds whose EXEC took more than one fault, i.e.
 * the CPU took the range back while the EXEC ran.
 */
static void rw_check_counts(const struct counts *a, const struct counts *b,
			    unsigned int mid_exec)
{
	svmt_info("migrated %" PRIu64 " pages to VRAM (%" PRIu64 " faults), %" PRIu64
		  " back (%" PRIu64 " CPU faults)", DELTA(*a, *b, t.migrated_to_vram),
		  DELTA(*a, *b, s.vram_migrations), DELTA(*a, *b, t.migrated_to_ram),
		  DELTA(*a, *b, t.cpu_faults));
	emu_print_stats("VM", &b->s);
	svmt_assert_eq_u64(DELTA(*a, *b, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(*a, *b, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(*a, *b, t.copy_failures), 0);
	/* In VRAM when the thread started: its first access faulted. */
	svmt_assert(DELTA(*a, *b, t.cpu_faults) >= 1);
	/*
	 * The two sides really overlapped: the CPU pulled the range back in
	 * the middle of an EXEC, a GPU fault saw an invalidation while it
	 * read the CPU page tables, or a CPU fault found the pages being
	 * migrated the other way. A test that stopped racing fails.
	 */
	svmt_info("overlaps: %u EXECs the CPU interrupted, %" PRIu64 " GPU fault retries, %"
		  PRIu64 " CPU fault races", mid_exec, DELTA(*a, *b, s.fault_retries),
		  DELTA(*a, *b, t.cpu_fault_races));
	svmt_assert(mid_exec + DELTA(*a, *b, s.fault_retries) +
		    DELTA(*a, *b, t.cpu_fault_races) >= 1);
}

/* The atomics of cw_ops() found the words they add 0 to unchanged. */
static void cw_check_atomics(const struct xe_svm_emu_op *ops)
{
	size_t w = RW_PAGES / 2 * PAGE_WORDS + 2;

	svmt_assert_eq_u64(ops[CW_AT1].out, V1 + 2 * S1);
	svmt_assert_eq_u64(ops[CW_AT2].out, V1 + w * S1);
}

/*
 * No lost CPU writes: a CPU thread stores a counter in word 0 of every
 * page of a 2 MiB range (a fixed number of passes), each store to a page
 * in VRAM bringing the range back, while the GPU reads word 0 of every
 * page and compares the other words, its atomics migrating the range to
 * VRAM again twice a round. The GPU sees each word 0 only grow, and only
 * take values the CPU stored there; the CPU finds its last store in place
 * before every store; at the end the CPU and the GPU read the last value
 * stored in every word, and the other words never changed.
 */
static void test_cpu_writer_during_migration(void)
{
	size_t size = SZ_2M, n = size / 8, i, k;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size), seen[RW_PAGES] = {}, v;
	struct xe_svm_emu_op *ops = calloc(2 * RW_PAGES + 2, sizeof(*ops));
	struct progress gpu;
	struct rw_thread t = { .p = p, .gpu = &gpu };
	struct counts c0, c1;
	pthread_t tid;
	unsigned int r, mid_exec = 0;

	svmt_assert(ops);
	/* Migrations must race the writer every round: no thrashing control. */
	emu_vm_no_thrash_control(&vm);
	emu_fill_linear(p, n, V1, S1);
	for (i = 0; i < RW_PAGES; i++)
		p[i * PAGE_WORDS] = 0;
	/* In VRAM to begin with. */
	k = cw_ops(ops, p, 0, 1);
	exec_all_ok(&vm, ops, k);
	svmt_assert_eq_u64(vm.faults, 1);
	cw_check_atomics(ops);
	for (i = 0; i < RW_PAGES; i++)
		svmt_assert_eq_u64(ops[CW_READ(i)].out, 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	c0 = counts(&vm);

	progress_init(&gpu);
	svmt_assert(!pthread_create(&tid, NULL, cw_thread, &t));
	for (r = 0; r < RW_ROUNDS; r++) {
		k = cw_ops(ops, p, r, RW_SLICES);
		exec_all_ok(&vm, ops, k);
		mid_exec += vm.faults >= 2;
		cw_check_atomics(ops);
		for (i = 0; i < RW_PAGES; i++) {
			v = ops[CW_READ(i)].out;
			if ((v && ((v - 1) % RW_PAGES != i || (v - 1) / RW_PAGES >= RW_PASSES)) ||
			    v < seen[i])
				svmt_fail(__FILE__, __LINE__, "GPU round %u, page %zu: word 0 is "
					  "0x%" PRIx64 " (before: 0x%" PRIx64 "), not a value the "
					  "CPU stored there since", r, i, v, seen[i]);
			seen[i] = v;
		}
		progress_set(&gpu, r + 1);
	}
	svmt_assert(!pthread_join(tid, NULL));
	progress_fini(&gpu);
	c1 = counts(&vm);
	rw_check_counts(&c0, &c1, mid_exec);

	/*
	 * Nothing lost: the GPU, then the CPU, read every last store. (Where
	 * the pages are now depends on how the last race went: a GPU fault
	 * that found the CPU migrating the range back maps it from system
	 * memory, partly or all of it.)
	 */
	k = cw_ops(ops, p, 0, 1);
	exec_all_ok(&vm, ops, k);
	cw_check_atomics(ops);
	for (i = 0; i < RW_PAGES; i++)
		svmt_assert_eq_u64(ops[CW_READ(i)].out, cw_value(RW_PASSES, i));
	for (i = 0; i < RW_PAGES; i++) {
		svmt_assert_eq_u64(p[i * PAGE_WORDS], cw_value(RW_PASSES, i));
		emu_assert_linear(&p[i * PAGE_WORDS + 1], PAGE_WORDS - 1,
				  V1 + (i * PAGE_WORDS + 1) * S1, S1);
	}
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	free(ops);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* Word 1 of every page after @r GPU rounds: 1 + 2 + ... + r. */
static uint64_t gw_sum(unsigned int r)
{
	return (uint64_t)r * (r + 1) / 2;
}

/* The GPU round whose sum @v is, or -1. */
static int gw_round(uint64_t v)
{
	unsigned int r;

	for (r = 0; r <= RW_ROUNDS; r++)
		if (gw_sum(r) == v)
			return r;
	return -1;
}

/*
 * The CPU reader: words 0, 1 and 2 of every page, a fixed number of
 * passes. Word 1 (the GPU's sum) only grows through the sums of the GPU
 * rounds; words 0 and 2 never change.
 */
static void *gw_thread(void *arg)
{
	struct rw_thread *t = arg;
	int last[RW_PAGES] = {}, s;
	unsigned int q;
	uint64_t v;
	size_t i, w;

	for (q = 0; q < RW_PASSES; q++) {
		progress_wait(t->gpu, q / RW_AHEAD);
		for (i = 0; i < RW_PAGES; i++) {
			w = i * PAGE_WORDS;
			v = t->p[w + 1];
			s = gw_round(v);
			if (s < last[i])
				svmt_fail(__FILE__, __LINE__, "CPU pass %u, page %zu: word 1 is "
					  "0x%" PRIx64 ", after the sum of %d GPU rounds", q, i,
					  v, last[i]);
			last[i] = s;
			svmt_assert_eq_u64(t->p[w], V1 + w * S1);
			svmt_assert_eq_u64(t->p[w + 2], V1 + (w + 2) * S1);
		}
	}
	return NULL;
}

/*
 * GPU ops of GPU-writer round @r: ATOMIC_ADD r + 1 to word 1 of every
 * page (ops [0, RW_PAGES)), then COMPARE words 0 and 2..511 of every
 * @slices-th page.
 */
static size_t gw_ops(struct xe_svm_emu_op *ops, uint64_t *p, unsigned int r,
		     unsigned int slices)
{
	size_t i, w, k = 0;

	for (i = 0; i < RW_PAGES; i++)
		ops[k++] = emu_op_atomic_add(&p[i * PAGE_WORDS + 1], r + 1);
	for (i = r % slices; i < RW_PAGES; i += slices) {
		w = i * PAGE_WORDS;
		ops[k++] = emu_op_compare(&p[w], 8, V1 + w * S1, S1);
		ops[k++] = emu_op_compare(&p[w + 2], SZ_4K - 16, V1 + (w + 2) * S1, S1);
	}
	return k;
}

/*
 * No lost GPU writes: the GPU adds r + 1 to word 1 of every page of a
 * 2 MiB range in round r (atomics: each GPU fault migrates the range to
 * VRAM) while a CPU thread reads words 0..2 of every page (each read of
 * a page in VRAM brings the range back). Each atomic finds the sum of
 * the rounds before; the CPU sees the sums only grow; at the end the CPU
 * and the GPU read the sum of all rounds, and nothing else changed.
 */
static void test_gpu_writer_during_migration(void)
{
	size_t size = SZ_2M, n = size / 8, i, k;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size);
	uint64_t *p = emu_anon_2m(size);
	struct xe_svm_emu_op *ops = calloc(3 * RW_PAGES, sizeof(*ops));
	struct progress gpu;
	struct rw_thread t = { .p = p, .gpu = &gpu };
	struct counts c0, c1;
	pthread_t tid;
	unsigned int r, mid_exec = 0;

	svmt_assert(ops);
	/* Migrations must race the writer every round: no thrashing control. */
	emu_vm_no_thrash_control(&vm);
	emu_fill_linear(p, n, V1, S1);
	for (i = 0; i < RW_PAGES; i++)
		p[i * PAGE_WORDS + 1] = 0;
	/* In VRAM to begin with (adding 0). */
	k = gw_ops(ops, p, ~0u, 1);
	exec_all_ok(&vm, ops, k);
	svmt_assert_eq_u64(vm.faults, 1);
	for (i = 0; i < RW_PAGES; i++)
		svmt_assert_eq_u64(ops[i].out, 0);
	assert_snap(&vm, p, size, SNAP_VRAM, 21);
	c0 = counts(&vm);

	progress_init(&gpu);
	svmt_assert(!pthread_create(&tid, NULL, gw_thread, &t));
	for (r = 0; r < RW_ROUNDS; r++) {
		k = gw_ops(ops, p, r, RW_SLICES);
		exec_all_ok(&vm, ops, k);
		mid_exec += vm.faults >= 2;
		for (i = 0; i < RW_PAGES; i++)
			if (ops[i].out != gw_sum(r))
				svmt_fail(__FILE__, __LINE__, "GPU round %u, page %zu: the atomic "
					  "found 0x%" PRIx64 ", expected 0x%" PRIx64, r, i,
					  (uint64_t)ops[i].out, gw_sum(r));
		progress_set(&gpu, r + 1);
	}
	svmt_assert(!pthread_join(tid, NULL));
	progress_fini(&gpu);
	c1 = counts(&vm);
	rw_check_counts(&c0, &c1, mid_exec);

	/* Every sum complete: the GPU (adding 0), then the CPU. */
	k = gw_ops(ops, p, ~0u, 1);
	exec_all_ok(&vm, ops, k);
	for (i = 0; i < RW_PAGES; i++)
		svmt_assert_eq_u64(ops[i].out, gw_sum(RW_ROUNDS));
	for (i = 0; i < RW_PAGES; i++) {
		k = i * PAGE_WORDS;
		svmt_assert_eq_u64(p[k + 1], gw_sum(RW_ROUNDS));
		svmt_assert_eq_u64(p[k], V1 + k * S1);
		emu_assert_linear(&p[k + 2], PAGE_WORDS - 2, V1 + (k + 2) * S1, S1);
	}
	emu_assert_vram_in_use(vm.fd, 0, in_use0);

	free(ops);
	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

#define RMC_RANGES	4
#define RMC_PASSES	3
#define RMC_PAUSE_US	5000

/* The page of each 2 MiB range thread B unmaps in round 0, then in round 1. */
static const size_t rmc_hole[] = { 0, RW_PAGES / 2 };

/* Kept piece @k (0, 1) of range @j: words [*start, *start + *len). */
static void rmc_piece(size_t j, unsigned int k, size_t *start, size_t *len)
{
	size_t first = rmc_hole[k] + 1;
	size_t end = k + 1 < ARRAY_SIZE(rmc_hole) ? rmc_hole[k + 1] : RW_PAGES;

	*start = j * (SZ_2M / 8) + first * PAGE_WORDS;
	*len = (end - first) * PAGE_WORDS;
}

struct rmc {
	uint64_t *p;
	struct emu_vm *vm;
	unsigned int round;
	pthread_barrier_t *barrier;
	/* 1 while thread A reads, 2 once it is done */
	int reader;
	/* munmaps of a page still in VRAM while A was reading: real races */
	unsigned int overlaps;
};

/* Thread A: reads and checks every word B never unmaps, a few times over. */
static void *rmc_reader(void *arg)
{
	struct rmc *t = arg;
	size_t j, start, len;
	unsigned int q, k;

	pthread_barrier_wait(t->barrier);
	__atomic_store_n(&t->reader, 1, __ATOMIC_SEQ_CST);
	for (q = 0; q < RMC_PASSES; q++)
		for (j = 0; j < RMC_RANGES; j++)
			for (k = 0; k < ARRAY_SIZE(rmc_hole); k++) {
				rmc_piece(j, k, &start, &len);
				emu_assert_linear(&t->p[start], len, V1 + start * S1, S1);
			}
	__atomic_store_n(&t->reader, 2, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Thread B: unmaps this round's page of every range, with pauses. */
static void *rmc_unmapper(void *arg)
{
	struct rmc *t = arg;
	size_t j;

	uint64_t *hole;
	uint32_t e;

	pthread_barrier_wait(t->barrier);
	for (j = 0; j < RMC_RANGES; j++) {
		hole = &t->p[j * (SZ_2M / 8) + rmc_hole[t->round] * PAGE_WORDS];
		/* Still in VRAM, with A reading its range: the race this is about. */
		emu_snapshot(t->vm, hole, &e, 1);
		if ((e & XE_SVM_EMU_SNAP_VRAM) && __atomic_load_n(&t->reader, __ATOMIC_SEQ_CST) == 1)
			t->overlaps++;
		svmt_assert_ok(munmap(hole, SZ_4K));
		usleep(RMC_PAUSE_US);
	}
	return NULL;
}

/* The GPU reads every kept word right (migrating what the policy wants). */
static void rmc_gpu_check(struct emu_vm *vm, uint64_t *p)
{
	size_t j, start, len;
	unsigned int k;

	for (j = 0; j < RMC_RANGES; j++)
		for (k = 0; k < ARRAY_SIZE(rmc_hole); k++) {
			rmc_piece(j, k, &start, &len);
			emu_assert_gpu_linear(vm, &p[start], len * 8, V1 + start * S1, S1);
		}
}

/*
 * munmap racing CPU faults on VRAM (and the windows they bring back): 8
 * MiB in VRAM; thread A reads the words B never unmaps while thread B
 * unmaps 4 KiB pieces: the first page of each 2 MiB range, then (once the
 * GPU migrated the rest again, in 64 KiB ranges now) a middle one. No
 * crash, every word read right on the CPU and the GPU, the holes are
 * gone for the GPU, and no VRAM is left behind.
 */
static void test_race_munmap_cpu_fault(void)
{
	size_t size = RMC_RANGES * SZ_2M, j, start, len;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t in_use0 = vram_start(vm.fd, 0, size), in_use;
	uint64_t *p = emu_anon_2m(size), *hole;
	pthread_barrier_t barrier;
	struct rmc t;
	pthread_t ta, tb;
	struct counts c0, c1;
	unsigned int round, k, overlaps = 0;
	uint32_t e;

	emu_fill_linear(p, size / 8, V1, S1);
	c0 = counts(&vm);
	for (round = 0; round < ARRAY_SIZE(rmc_hole); round++) {
		rmc_gpu_check(&vm, p);
		in_use = emu_vram_in_use(vm.fd, 0);
		if (!round)
			assert_snap(&vm, p, size, SNAP_VRAM, 21);
		svmt_assert(in_use > in_use0 && in_use <= in_use0 + PAGES(size));
		svmt_info("round %u: %" PRIu64 " pages in VRAM", round, in_use - in_use0);

		t = (struct rmc){ .p = p, .vm = &vm, .round = round, .barrier = &barrier };
		pthread_barrier_init(&barrier, NULL, 2);
		svmt_assert(!pthread_create(&ta, NULL, rmc_reader, &t));
		svmt_assert(!pthread_create(&tb, NULL, rmc_unmapper, &t));
		svmt_assert(!pthread_join(ta, NULL));
		svmt_assert(!pthread_join(tb, NULL));
		pthread_barrier_destroy(&barrier);
		overlaps += t.overlaps;

		/* A read every kept page back, and the holes freed theirs. */
		emu_assert_vram_in_use(vm.fd, 0, in_use0);
		for (j = 0; j < RMC_RANGES; j++) {
			hole = &p[j * (SZ_2M / 8) + rmc_hole[round] * PAGE_WORDS];
			emu_snapshot(&vm, hole, &e, 1);
			svmt_assert_eq_u64(e, 0);
			emu_assert_result(emu_read(&vm, hole, NULL), -EFAULT);
		}
	}

	/* What survived: right on the GPU (in VRAM again), then the CPU. */
	rmc_gpu_check(&vm, p);
	svmt_assert(emu_vram_in_use(vm.fd, 0) > in_use0);
	for (j = 0; j < RMC_RANGES; j++)
		for (k = 0; k < ARRAY_SIZE(rmc_hole); k++) {
			rmc_piece(j, k, &start, &len);
			emu_assert_linear(&p[start], len, V1 + start * S1, S1);
		}
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	c1 = counts(&vm);
	emu_print_tile_stats("after the races", &c1.t);
	/* A test that stopped racing proves nothing: it must fail. */
	svmt_info("%u of %u munmaps hit a page in VRAM while the reader ran",
		  overlaps, (unsigned int)(ARRAY_SIZE(rmc_hole) * RMC_RANGES));
	svmt_assert(overlaps >= 1);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);

	for (j = 0; j < RMC_RANGES; j++)
		for (k = 0; k < ARRAY_SIZE(rmc_hole); k++) {
			rmc_piece(j, k, &start, &len);
			svmt_assert_ok(munmap(&p[start], len * 8));
		}
	emu_assert_vram_in_use(vm.fd, 0, in_use0);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

#define VC_ITERS	30

/*
 * Device files and VMs come and go with data in VRAM: each iteration
 * opens the device, creates a VM, migrates two 64 KiB ranges (GPU fill),
 * brings the first back (CPU read), and destroys the VM and closes the
 * file (odd iterations: closes the file only) with the second still in
 * VRAM. Every third iteration the CPU then reads it (right, and back in
 * system memory); then the buffer is unmapped. Nothing leaks and nothing
 * fails.
 */
static void test_vm_cycle(void)
{
	size_t size = 2 * SZ_64K, half = SZ_64K, hn = half / 8;
	int ctl = emu_open(), fd;
	uint64_t in_use0 = vram_start(ctl, 0, size);
	struct xe_svm_emu_tile_stats t0 = emu_tile_stats(ctl, 0), t1;
	uint64_t value, step = S1, reads = 0;
	struct emu_vm vm;
	unsigned int i;
	uint64_t *p;

	for (i = 0; i < VC_ITERS; i++) {
		value = V1 + ((uint64_t)i << 40);
		fd = emu_open();
		vm = emu_vm_create(fd, EMU_VM_MIRROR);
		p = emu_map_aligned(size, SZ_64K, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		emu_assert_result(emu_fill(&vm, p, size, value, step), 0);
		svmt_assert_eq_u64(vm.faults, 2);
		assert_snap(&vm, p, size, SNAP_VRAM, 16);
		svmt_assert_eq_u64(emu_vram_in_use(ctl, 0), in_use0 + PAGES(size));

		/* The first 64 KiB range comes back, the second stays. */
		emu_assert_linear(p, hn, value, step);
		emu_assert_vram_in_use(ctl, 0, in_use0 + PAGES(half));
		assert_snap(&vm, p, half, 0, 0);
		assert_snap(&vm, &p[hn], half, SNAP_VRAM, 16);
		emu_assert_gpu_linear(&vm, &p[hn], half, value + hn * step, step);

		if (i % 2 == 0)
			emu_vm_destroy(&vm);
		svmt_assert_ok(close(fd));
		svmt_assert_eq_u64(emu_vram_in_use(ctl, 0), in_use0 + PAGES(half));
		if (i % 3 == 2) {
			emu_assert_linear(&p[hn], hn, value + hn * step, step);
			emu_assert_vram_in_use(ctl, 0, in_use0);
			reads++;
		}
		svmt_assert_ok(munmap(p, size));
		emu_assert_vram_in_use(ctl, 0, in_use0);
	}

	t1 = emu_tile_stats(ctl, 0);
	emu_print_tile_stats("after the cycles", &t1);
	svmt_assert_eq_u64(DELTA(t0, t1, migrated_to_vram), VC_ITERS * PAGES(size));
	svmt_assert_eq_u64(DELTA(t0, t1, migrated_to_ram), (VC_ITERS + reads) * PAGES(half));
	svmt_assert_eq_u64(DELTA(t0, t1, cpu_faults), VC_ITERS + reads);
	svmt_assert_eq_u64(DELTA(t0, t1, alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(t0, t1, copy_failures), 0);
	emu_assert_vram_in_use(ctl, 0, in_use0);
	close(ctl);
}

/* ------------------------------------------------------------------ */

#define OVS_PARAMS	"tiles=1 vram_mb=6"
#define OVS_VRAM_PAGES	PAGES(3 * SZ_2M)	/* 6 MiB */
#define OVS_FIT		2			/* 2 MiB ranges that fit beside the page tables */
#define OVS_RANGES	12			/* 24 MiB */
#define OVS_WORKER_S	200.0

/*
 * The GPU reads @p (OVS_RANGES 2 MiB ranges, value + i * step) one range
 * at a time, forwards or backwards, with VRAM empty to begin with: every
 * range migrates; once VRAM is full, TTM makes room by evicting the
 * least recently allocated range, OVS_FIT ranges back, to system memory,
 * where the GPU no longer maps it. No allocation fails, nothing falls
 * back.
 */
static void ovs_pass(struct emu_vm *vm, uint64_t *p, bool backwards, uint64_t value,
		     uint64_t step)
{
	size_t nr = SZ_2M / 8, k, j, old;
	struct counts c0 = counts(vm), c1;
	struct xe_svm_emu_tile_stats ts;
	uint64_t in_use;

	svmt_assert_eq_u64(c0.t.vram_pages_in_use, 0);
	svmt_assert_eq_u64(c0.t.vram_bytes_used, c0.t.vram_pt_bytes);
	for (k = 0; k < OVS_RANGES; k++) {
		j = backwards ? OVS_RANGES - 1 - k : k;
		emu_assert_gpu_linear(vm, &p[j * nr], SZ_2M, value + j * nr * step, step);
		svmt_assert_eq_u64(vm->faults, 1);
		in_use = emu_vram_in_use(vm->fd, 0);
		svmt_assert_eq_u64(in_use, (k < OVS_FIT ? k + 1 : OVS_FIT) * PAGES(SZ_2M));
		ts = emu_tile_stats(vm->fd, 0);
		svmt_assert_eq_u64(ts.vram_bytes_used - ts.vram_pt_bytes, in_use * SZ_4K);
		assert_snap(vm, &p[j * nr], SZ_2M, SNAP_VRAM, 21);
		if (k >= OVS_FIT) {
			old = backwards ? j + OVS_FIT : j - OVS_FIT;
			assert_snap(vm, &p[old * nr], SZ_2M, 0, 0);
		}
	}
	c1 = counts(vm);
	emu_print_tile_stats(backwards ? "after the backward pass" : "after the forward pass",
			     &c1.t);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_migrations), OVS_RANGES);
	svmt_assert_eq_u64(DELTA(c0, c1, s.vram_fallbacks), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.alloc_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.evictions), OVS_RANGES - OVS_FIT);
	svmt_assert_eq_u64(DELTA(c0, c1, t.evict_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_vram), OVS_RANGES * PAGES(SZ_2M));
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram),
			   (OVS_RANGES - OVS_FIT) * PAGES(SZ_2M));
}

/* The process that oversubscribes the 6 MiB of VRAM of the reloaded module. */
static void ovs_worker(void *arg)
{
	size_t size = OVS_RANGES * SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_tile_stats ts = emu_tile_stats(vm.fd, 0);
	struct counts c0, c1;
	uint64_t *p;

	(void)arg;
	svmt_assert_eq_u64(num_tiles(vm.fd), 1);
	svmt_assert_eq_u64(ts.vram_pages, OVS_VRAM_PAGES);
	svmt_assert_eq_u64(ts.vram_pages_in_use, 0);

	p = emu_anon_2m(size);
	emu_fill_linear(p, n, V1, S1);
	ovs_pass(&vm, p, false, V1, S1);

	/*
	 * The GPU writes it all, in order: the evicted ranges fault and
	 * come back, evicting the two in VRAM before their turn; every
	 * range faults once.
	 */
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	svmt_assert_eq_u64(vm.faults, OVS_RANGES);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	svmt_assert(emu_vram_in_use(vm.fd, 0) <= OVS_VRAM_PAGES);

	/* The CPU reads it all: the two ranges in VRAM come back. */
	c0 = counts(&vm);
	emu_assert_linear(p, n, V2, S2);
	emu_assert_vram_in_use(vm.fd, 0, 0);
	c1 = counts(&vm);
	svmt_assert_eq_u64(DELTA(c0, c1, t.cpu_faults), OVS_FIT);
	svmt_assert_eq_u64(DELTA(c0, c1, t.migrated_to_ram), OVS_FIT * PAGES(SZ_2M));
	svmt_assert_eq_u64(DELTA(c0, c1, t.copy_failures), 0);

	/*
	 * A new VM, which maps nothing yet, reads it backwards: now the last
	 * two ranges are the ones that migrate.
	 */
	emu_vm_close(&vm);
	vm = emu_vm_open_mirror();
	ovs_pass(&vm, p, true, V2, S2);
	emu_assert_result(emu_fill(&vm, p, size, V3, S3), 0);
	emu_assert_gpu_linear(&vm, p, size, V3, S3);
	svmt_assert(emu_vram_in_use(vm.fd, 0) <= OVS_VRAM_PAGES);
	emu_assert_linear(p, n, V3, S3);
	emu_assert_vram_in_use(vm.fd, 0, 0);

	svmt_assert_ok(munmap(p, size));
	emu_assert_vram_in_use(vm.fd, 0, 0);
	emu_vm_close(&vm);
}

/*
 * More GPU memory in use than there is VRAM: with the module reloaded
 * with 6 MiB of VRAM on one tile (two 2 MiB ranges and the page tables),
 * a process GPU-reads 24 MiB of 2 MiB ranges. Every range migrates; once
 * VRAM is full, TTM evicts the least recently allocated range to system
 * memory for each new one; VRAM in use never exceeds the tile's, and TTM
 * accounts exactly what SVM and the page tables hold;
 * every GPU op succeeds and every word is right. The CPU then brings the
 * rest back, and a new VM reading it backwards does the same from the
 * other end. The module is reloaded with its original parameters in the
 * end, whatever happened, and works.
 */
static void test_oversubscribe(void)
{
	struct emu_module m;

	emu_module_get(&m);
	emu_run_with_params(&m, OVS_PARAMS, ovs_worker, NULL, OVS_WORKER_S);
	check_fresh_module(&m);
}

/*
 * One CPU fault brings back a window with pages of two tiles: each
 * tile's counters count the pages it moved. A 64 KiB piece of a 2 MiB
 * buffer (its own VMA for a moment, so its own range) goes to tile 1
 * through one VM; the VMA is merged back and the 2 MiB range of a second
 * VM takes the other 496 pages to tile 0. A CPU fault then brings back
 * the aligned 2 MiB window of tile 0's allocation, tile 1's 16 pages in
 * it.
 */
static void test_tile_counters_mixed_window(void)
{
	int fd = emu_open();
	struct emu_vm v1, v0;
	struct xe_svm_emu_tile_stats a0, a1, b0, b1;
	uint64_t in_use0, in_use1, *p;
	const size_t off = 16 * SZ_64K, n = SZ_2M / 8;

	if (num_tiles(fd) < 2)
		svmt_fail(__FILE__, __LINE__, "the guest loads xe_svm_emu with 2 tiles");
	in_use0 = vram_start(fd, 0, SZ_2M);
	in_use1 = vram_start(fd, 1, SZ_64K);
	v1 = emu_vm_create(fd, EMU_VM_MIRROR);
	v0 = emu_vm_create(fd, EMU_VM_MIRROR);
	emu_vm_placement(&v1, XE_SVM_EMU_PLACE_VRAM, 1);
	emu_vm_placement(&v0, XE_SVM_EMU_PLACE_VRAM, 0);
	p = emu_anon_2m(SZ_2M);
	emu_fill_linear(p, n, V1, S1);

	/* The 64 KiB at offset 1 MiB: a VMA of its own, then merged back. */
	svmt_assert_ok(mprotect((char *)p + off, SZ_64K, PROT_READ | PROT_WRITE | PROT_EXEC));
	emu_assert_gpu_linear(&v1, (char *)p + off, SZ_64K, V1 + off / 8 * S1, S1);
	assert_snap(&v1, (char *)p + off, SZ_64K, SNAP_VRAM, 16);
	svmt_assert_ok(mprotect((char *)p + off, SZ_64K, PROT_READ | PROT_WRITE));
	emu_assert_vram_in_use(fd, 1, in_use1 + PAGES(SZ_64K));

	emu_assert_gpu_linear(&v0, p, SZ_2M, V1, S1);
	emu_assert_vram_in_use(fd, 0, in_use0 + PAGES(SZ_2M - SZ_64K));

	a0 = emu_tile_stats(fd, 0);
	a1 = emu_tile_stats(fd, 1);
	/* One CPU fault: the whole window comes back, both tiles' pages. */
	emu_assert_linear(p, n, V1, S1);
	b0 = emu_tile_stats(fd, 0);
	b1 = emu_tile_stats(fd, 1);
	emu_print_tile_stats("tile 0", &b0);
	emu_print_tile_stats("tile 1", &b1);
	svmt_assert_eq_u64(DELTA(a0, b0, cpu_faults) + DELTA(a1, b1, cpu_faults), 1);
	svmt_assert_eq_u64(DELTA(a0, b0, migrated_to_ram), PAGES(SZ_2M - SZ_64K));
	svmt_assert_eq_u64(DELTA(a1, b1, migrated_to_ram), PAGES(SZ_64K));
	svmt_assert_eq_u64(DELTA(a0, b0, bytes_copied), SZ_2M - SZ_64K);
	svmt_assert_eq_u64(DELTA(a1, b1, bytes_copied), SZ_64K);
	emu_assert_vram_in_use(fd, 0, in_use0);
	emu_assert_vram_in_use(fd, 1, in_use1);

	svmt_assert_ok(munmap(p, SZ_2M));
	emu_vm_destroy(&v1);
	emu_vm_destroy(&v0);
	close(fd);
}

/* ------------------------------------------------------------------ */

/*
 * Failure-catalogue (d), time: the GPUs of two tiles (two VMs of this
 * process on each, each placing in its tile's VRAM) and the CPU share
 * one 2 MiB range for seconds, as IGT's threads-shared-alloc subtests
 * do. Agent k (a CPU thread and VM k, on tile k % 2) owns the pages
 * i % 4 == k of the range; each round its CPU writes a new pattern there,
 * its VM prefetches the range to its tile's VRAM (as a runtime would
 * before a kernel; a GPU whose mapping stayed valid would not fault
 * again, and the contention would settle), its GPU checks the pattern
 * and writes the next one, and its CPU checks that. Every prefetch and
 * GPU fault migrates the whole range to its tile and every CPU touch
 * brings it back, so the agents keep moving the memory under each
 * other's faults, between their walk and their commit.
 * Thrashing control is off, which would otherwise calm things down for a
 * while: the fault path itself must complete every fault, never -EBUSY,
 * however long the contention lasts, with every word right.
 */
#define TC_AGENTS	4		/* CPU thread + VM k on tile k % 2 */
#define TC_PAGES	PAGES(SZ_2M)
#define TC_SECONDS	5.0

struct tc_agent {
	struct emu_vm *vm;
	uint64_t *p;
	unsigned int k;
	unsigned int rounds;	/* out: rounds done */
	double until;
};

/* The pattern of agent @k's page @i in step @s (two steps per round) */
static uint64_t tc_value(unsigned int k, unsigned int s, size_t i)
{
	return emu_pattern(0xc0de0000u + k, s) + i * (SZ_4K / 8);
}

static uint64_t *tc_page(uint64_t *p, size_t i)
{
	return p + i * (SZ_4K / 8);
}

static void tc_cpu_check(uint64_t *p, unsigned int k, unsigned int s)
{
	size_t i;

	for (i = k; i < TC_PAGES; i += TC_AGENTS)
		emu_assert_linear(tc_page(p, i), SZ_4K / 8, tc_value(k, s, i), 1);
}

static void *tc_thread(void *arg)
{
	struct tc_agent *a = arg;
	struct xe_svm_emu_op ops[2 * (TC_PAGES / TC_AGENTS)];
	unsigned int r;
	size_t i, n;
	int err;

	for (r = 1; now_s() < a->until; r++) {
		for (i = a->k; i < TC_PAGES; i += TC_AGENTS)
			emu_fill_linear(tc_page(a->p, i), SZ_4K / 8, tc_value(a->k, 2 * r, i), 1);
		/* Region 1 + t is the VRAM of tile t. */
		err = __emu_prefetch(a->vm->fd, a->vm->id, (uintptr_t)a->p, SZ_2M,
				     1 + a->k % 2);
		if (err)
			svmt_fail(__FILE__, __LINE__, "agent %u: PREFETCH: %s", a->k,
				  strerror(-err));
		n = 0;
		for (i = a->k; i < TC_PAGES; i += TC_AGENTS)
			ops[n++] = emu_op_compare(tc_page(a->p, i), SZ_4K,
						  tc_value(a->k, 2 * r, i), 1);
		for (i = a->k; i < TC_PAGES; i += TC_AGENTS)
			ops[n++] = emu_op_fill(tc_page(a->p, i), SZ_4K,
					       tc_value(a->k, 2 * r + 1, i), 1);
		exec_all_ok(a->vm, ops, n);
		tc_cpu_check(a->p, a->k, 2 * r + 1);
		a->rounds = r;
	}
	return NULL;
}

/*
 * The contention itself, on @p (one 2 MiB range), for @seconds; used by
 * the subtest and by the process the next one kills.
 */
static void tc_run(uint64_t *p, struct emu_vm *vms, double seconds, struct tc_agent *a)
{
	pthread_t tid[TC_AGENTS];
	unsigned int k;

	for (k = 0; k < TC_AGENTS; k++) {
		a[k] = (struct tc_agent){ .vm = &vms[k], .p = p, .k = k,
					  .until = now_s() + seconds };
		svmt_assert(!pthread_create(&tid[k], NULL, tc_thread, &a[k]));
	}
	for (k = 0; k < TC_AGENTS; k++)
		svmt_assert(!pthread_join(tid[k], NULL));
}

/* VMs of one device file, placing in the VRAM of tiles 0, 1, 0, 1. */
static void tc_vms(struct emu_vm *vms)
{
	unsigned int k;

	vms[0] = emu_vm_open_mirror();
	if (num_tiles(vms[0].fd) < 2)
		svmt_skip("the emulated device has one tile (the module's tiles=)");
	for (k = 0; k < TC_AGENTS; k++) {
		if (k)
			vms[k] = emu_vm_create(vms[0].fd, EMU_VM_MIRROR);
		emu_vm_placement(&vms[k], XE_SVM_EMU_PLACE_VRAM, k % 2);
		emu_vm_no_thrash_control(&vms[k]);
	}
}

static void test_tiles_cpu_contention(void)
{
	struct xe_svm_emu_stats s[TC_AGENTS], e[TC_AGENTS];
	struct tc_agent a[TC_AGENTS];
	struct emu_vm vms[TC_AGENTS];
	uint64_t in_use[2], migrations[2] = {};
	int fd = emu_open();
	unsigned int k;
	uint64_t *p;

	tc_vms(vms);
	for (k = 0; k < 2; k++)
		in_use[k] = vram_start(fd, k, SZ_2M);
	p = emu_anon_2m(SZ_2M);
	emu_fill_linear(p, SZ_2M / 8, 0, 0);
	for (k = 0; k < TC_AGENTS; k++)
		s[k] = emu_stats(&vms[k]);

	tc_run(p, vms, TC_SECONDS, a);

	for (k = 0; k < TC_AGENTS; k++) {
		char what[32];

		e[k] = emu_stats(&vms[k]);
		snprintf(what, sizeof(what), "VM %u on tile %u", k, k % 2);
		emu_print_stats(what, &e[k]);
		svmt_info("agent %u: %u rounds; %" PRIu64 " exclusive maps, %" PRIu64
			  " lost races", k, a[k].rounds,
			  (uint64_t)(e[k].exclusive_maps - s[k].exclusive_maps),
			  (uint64_t)(e[k].fault_retries - s[k].fault_retries));
		svmt_assert(a[k].rounds >= 1);
		tc_cpu_check(p, k, 2 * a[k].rounds + 1);
		/* It did contend: the others took its mapping away. */
		svmt_assert(e[k].invalidations > s[k].invalidations);
		migrations[k % 2] += e[k].vram_migrations - s[k].vram_migrations;
	}
	/* And the range kept moving to each tile's VRAM. */
	svmt_assert(migrations[0] > 0 && migrations[1] > 0);

	svmt_assert_ok(munmap(p, SZ_2M));
	for (k = TC_AGENTS - 1; k > 0; k--)
		emu_vm_destroy(&vms[k]);
	emu_vm_close(&vms[0]);
	for (k = 0; k < 2; k++)
		emu_assert_vram_in_use(fd, k, in_use[k]);
	close(fd);
}

/* The process tiles-cpu-contention-killed kills while it contends. */
static void tc_child(void *arg)
{
	struct tc_agent a[TC_AGENTS];
	struct emu_vm vms[TC_AGENTS];
	uint64_t *p;

	(void)arg;
	tc_vms(vms);
	p = emu_anon_2m(SZ_2M);
	emu_fill_linear(p, SZ_2M / 8, 0, 0);
	tc_run(p, vms, 600, a);
	/* Not reached: the parent kills this process long before. */
	_exit(1);
}

/*
 * A fatal signal ends a process whose GPU faults keep racing each other
 * and its CPU at once: its faults stop (-EINTR) instead of waiting for
 * the contention to end, and its VRAM comes back.
 */
static void test_tiles_cpu_contention_killed(void)
{
	uint64_t in_use0, in_use1;
	int fd = emu_open();
	pid_t pid;

	if (num_tiles(fd) < 2)
		svmt_skip("the emulated device has one tile (the module's tiles=)");
	in_use0 = vram_start(fd, 0, SZ_2M);
	in_use1 = vram_start(fd, 1, SZ_2M);
	pid = emu_fork(tc_child, NULL);
	sleep(2);
	/*
	 * The contention would last 600 s: a bound far below that shows
	 * the faults gave up at the signal (one pass, then the teardown).
	 */
	emu_kill_reap(pid, 10.0);
	emu_assert_vram_in_use(fd, 0, in_use0);
	emu_assert_vram_in_use(fd, 1, in_use1);
	close(fd);
}

static const struct svmt_subtest subtests[] = {
	{ "migrate-gpu-fault", test_migrate_gpu_fault },
	{ "migrate-untouched", test_migrate_untouched },
	{ "ping-pong", test_ping_pong, 300 },
	{ "thrash-ping-pong-10k", test_thrash_ping_pong, 300 },
	{ "thrash-hold-expires", test_thrash_hold_expires, 120 },
	{ "thrash-hold-spares-atomics", test_thrash_hold_spares_atomics, 120 },
	{ "size-64k", test_size_64k },
	{ "size-64k-minus-4k", test_size_64k_minus_4k },
	{ "size-64k-plus-4k", test_size_64k_plus_4k },
	{ "atomic-4k", test_atomic_4k },
	{ "fork-child-reads", test_fork_child_reads },
	{ "fork-child-writes", test_fork_child_writes },
	{ "fork-parent-writes", test_fork_parent_writes },
	{ "fork-parent-exits-first", test_fork_parent_exits_first },
	{ "fork-child-exits-first", test_fork_child_exits_first },
	{ "munmap-first-page", test_munmap_first_page },
	{ "munmap-first-page-touched", test_munmap_first_page_touched },
	{ "munmap-last-page", test_munmap_last_page },
	{ "munmap-last-page-touched", test_munmap_last_page_touched },
	{ "munmap-middle", test_munmap_middle },
	{ "munmap-middle-touched", test_munmap_middle_touched },
	{ "munmap-half", test_munmap_half },
	{ "munmap-half-touched", test_munmap_half_touched },
	{ "mremap-maymove", test_mremap_maymove },
	{ "mremap-dontunmap", test_mremap_dontunmap },
	{ "shared-stays-system", test_shared_stays_system },
	{ "file-stays-system", test_file_stays_system },
	{ "hugetlb-stays-system", test_hugetlb_stays_system },
	{ "placement-system", test_placement_system },
	{ "fail-vram-alloc", test_fail_vram_alloc },
	{ "refault-in-vram-allocates-nothing", test_refault_in_vram_allocates_nothing },
	{ "fail-copy-to-vram", test_fail_copy_to_vram },
	{ "fail-copy-to-ram", test_fail_copy_to_ram },
	{ "cpu-fault-wedged", test_cpu_fault_wedged },
	{ "gpu-fault-wedged", test_gpu_fault_wedged },
	{ "cow-partial-write", test_cow_partial_write },
	{ "holes-beside-vram", test_holes_beside_vram },
	{ "map64k-atomic-4k", test_map64k_atomic_4k },
	{ "map64k-pinned-group", test_map64k_pinned_group },
	{ "map64k-cow-group", test_map64k_cow_group },
	{ "map64k-split-group", test_map64k_split_group },
	{ "threads-cpu-fault", test_threads_cpu_fault },
	{ "threads-gpu-cpu", test_threads_gpu_cpu },
	{ "vm-destroy-in-vram", test_vm_destroy_in_vram },
	{ "teardown-unload", test_teardown_unload, 300 },
	{ "teardown-unload-copy-dead", test_teardown_unload_copy_dead, 300 },
	{ "teardown-unload-wedged", test_teardown_unload_wedged, 300 },
	{ "placement-bad-args", test_placement_bad_args },
	{ "tile-stats-bad-args", test_tile_stats_bad_args },
	{ "processes-migrate", test_processes_migrate, 180 },
	{ "cpu-writer-during-migration", test_cpu_writer_during_migration, 180 },
	{ "gpu-writer-during-migration", test_gpu_writer_during_migration, 180 },
	{ "race-munmap-cpu-fault", test_race_munmap_cpu_fault, 120 },
	{ "vm-cycle", test_vm_cycle, 120 },
	{ "oversubscribe", test_oversubscribe, 300 },
	{ "tile-counters-mixed-window", test_tile_counters_mixed_window },
	{ "tiles-cpu-contention", test_tiles_cpu_contention, 120 },
	{ "tiles-cpu-contention-killed", test_tiles_cpu_contention_killed, 120 },
};

SVMT_MAIN(subtests)
