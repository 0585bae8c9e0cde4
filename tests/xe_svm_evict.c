// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_evict: SVM VRAM owned by the memory manager, on the emulated
 * device, whose VRAM TTM manages as a discrete GPU's driver does.
 *
 * The model under test: each SVM allocation in VRAM is a TTM buffer
 * object. An allocation that finds VRAM full makes room by evicting the
 * least recently allocated objects; evicting an SVM object moves its
 * pages back to system memory in the processes that own them, which
 * zaps their GPU mappings, so the next GPU access faults and migrates
 * again. Nothing is lost to make room: an eviction whose copies fail
 * gives up with the data still in VRAM, and the allocation that needed
 * the room falls back to system memory. A suspend empties VRAM through
 * TTM and keeps it closed until resume. TTM's count of bytes in use is
 * exactly what SVM holds.
 *
 * Every subtest runs in a process of its own with the module reloaded
 * with 6 MiB of VRAM on one tile: two 2 MiB ranges fit, the third 2 MiB
 * holds the page tables (charged to VRAM as on a discrete GPU), and the
 * page tables are never what is evicted. The module is reloaded
 * with its original parameters afterwards. Data is checked word by word,
 * by the GPU and the CPU; VRAM in use, by pages and by TTM's bytes, is
 * back to 0 at the end of each.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/emu.h"

#define PAGES(size)	((size) / SZ_4K)
#define WORDS(size)	((size) / 8)

#define EV_PARAMS_MB	6
#define EV_PARAMS	"tiles=1 vram_mb=6"
#define EV_VRAM		(2 * SZ_2M)	/* what SVM fits in beside the page tables */
#define EV_WORKER_S	240.0

/* Where the GPU maps [p, p + size): 'V' VRAM, 'S' system, '-' nowhere, '?' mixed */
static char where(struct emu_vm *vm, const void *p, size_t size)
{
	uint32_t *e = emu_snapshot_alloc(vm, p, size);
	char w = 0, c;
	size_t i;

	for (i = 0; i < PAGES(size); i++) {
		c = !e[i] ? '-' : (e[i] & XE_SVM_EMU_SNAP_VRAM) ? 'V' : 'S';
		w = !w || w == c ? c : '?';
	}
	free(e);
	return w;
}

#define assert_where(vm, p, size, w)						\
	do {									\
		char got_ = where(vm, p, size);					\
		if (got_ != (w))						\
			svmt_fail(__FILE__, __LINE__, "%p +0x%zx is mapped '%c', "	\
				  "expected '%c' (V VRAM, S system, - nowhere)",	\
				  (void *)(p), (size_t)(size), got_, (w));		\
	} while (0)

/*
 * VRAM of tile 0 holds no data: no device page, no byte TTM handed out
 * but the page tables of the VMs still open.
 */
static void assert_vram_empty(int fd)
{
	/* TILE_STATS waits for TTM's deferred releases: no polling. */
	struct xe_svm_emu_tile_stats t = emu_tile_stats(fd, 0);

	svmt_assert_eq_u64(t.vram_pages_in_use, 0);
	svmt_assert_eq_u64(t.vram_bytes_used, t.vram_pt_bytes);
}

/* TTM's count is SVM's: bytes handed out == device pages in use + page tables. */
static void assert_ttm_counts_svm(int fd)
{
	struct xe_svm_emu_tile_stats t = emu_tile_stats(fd, 0);

	svmt_assert(t.vram_pt_bytes > 0);
	svmt_assert_eq_u64(t.vram_bytes_used - t.vram_pt_bytes, t.vram_pages_in_use * SZ_4K);
}

/*
 * Run @worker with the module reloaded with EV_PARAMS, then check that
 * the module came back with its original parameters and empty VRAM.
 */
static void run_small_vram(void (*worker)(void *), void *arg)
{
	struct emu_module m;
	int fd;

	emu_module_get(&m);
	emu_run_with_params(&m, EV_PARAMS, worker, arg, EV_WORKER_S);
	fd = emu_open_reloaded();
	svmt_assert_eq_u64(emu_tile_stats(fd, 0).vram_pages, (uint64_t)m.vram_mb << 20 >> 12);
	assert_vram_empty(fd);
	close(fd);
}

/* ------------------------------------------------------------------ */

/*
 * Four 2 MiB buffers, A to D, go to VRAM in that order through one VM:
 * C finds VRAM full and evicts A, the least recently allocated; D evicts
 * B. An evicted buffer is in system memory, unmapped on the GPU, its
 * data intact: the CPU reads it without a CPU fault. Touching A again
 * evicts C.
 */
static void lru_worker(void *arg)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_tile_stats t0, t1;
	uint64_t *b[4];
	int i;

	(void)arg;
	assert_vram_empty(vm.fd);
	for (i = 0; i < 4; i++) {
		b[i] = emu_anon_2m(SZ_2M);
		emu_fill_linear(b[i], WORDS(SZ_2M), V1 + i, S1);
	}

	t0 = emu_tile_stats(vm.fd, 0);
	for (i = 0; i < 4; i++) {
		emu_assert_gpu_linear(&vm, b[i], SZ_2M, V1 + i, S1);
		assert_where(&vm, b[i], SZ_2M, 'V');
		assert_ttm_counts_svm(vm.fd);
		svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), PAGES(i < 2 ? (i + 1) * SZ_2M : EV_VRAM));
		if (i >= 2)
			assert_where(&vm, b[i - 2], SZ_2M, '-');
	}
	t1 = emu_tile_stats(vm.fd, 0);
	svmt_assert_eq_u64(t1.evictions - t0.evictions, 2);
	svmt_assert_eq_u64(t1.evict_failures - t0.evict_failures, 0);
	svmt_assert_eq_u64(t1.alloc_failures - t0.alloc_failures, 0);
	svmt_assert_eq_u64(t1.migrated_to_ram - t0.migrated_to_ram, PAGES(2 * SZ_2M));

	/* A and B came back with their data: no CPU fault to read them. */
	emu_assert_linear(b[0], WORDS(SZ_2M), V1, S1);
	emu_assert_linear(b[1], WORDS(SZ_2M), V1 + 1, S1);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).cpu_faults - t1.cpu_faults, 0);

	/* A again: C is now the least recently allocated. */
	emu_assert_result(emu_fill(&vm, b[0], SZ_2M, V2, S2), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	assert_where(&vm, b[0], SZ_2M, 'V');
	assert_where(&vm, b[2], SZ_2M, '-');
	assert_where(&vm, b[3], SZ_2M, 'V');
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).evictions - t0.evictions, 3);
	emu_assert_linear(b[2], WORDS(SZ_2M), V1 + 2, S1);
	emu_assert_linear(b[0], WORDS(SZ_2M), V2, S2);
	emu_assert_linear(b[3], WORDS(SZ_2M), V1 + 3, S1);

	for (i = 0; i < 4; i++)
		svmt_assert_ok(munmap(b[i], SZ_2M));
	assert_vram_empty(vm.fd);
	emu_vm_close(&vm);
}

static void test_svm_evicts_svm_lru(void)
{
	run_small_vram(lru_worker, NULL);
}

/* ------------------------------------------------------------------ */

/*
 * Twice VRAM through SVM alone: 10 MiB of 2 MiB ranges and 4 MiB of
 * 64 KiB ranges (a VMA no 2 MiB window fits in), written by the GPU
 * three times over in alternating order, each pass checked by the GPU
 * and the CPU. 2 MiB ranges need contiguous aligned VRAM, which TTM
 * frees by evicting the small ones around it.
 */
#define OV2_BIG		(5 * SZ_2M)
#define OV2_SMALL	(SZ_2M - SZ_64K)	/* 31 ranges of 64 KiB */

static void ov2_worker(void *arg)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_tile_stats t0, t1;
	uint64_t *big, *small;
	char *area;
	int pass;

	(void)arg;
	big = emu_anon_2m(OV2_BIG);
	/* Two 2 MiB windows, each holding a VMA that cannot take a 2 MiB range */
	area = (char *)emu_anon_2m(2 * SZ_2M);
	svmt_assert_ok(munmap(area, SZ_64K));
	svmt_assert_ok(munmap(area + SZ_2M, SZ_64K));
	/* [64 KiB, 2 MiB) of the first window, [2 MiB + 64 KiB, 4 MiB) of the second */
	small = (uint64_t *)(area + SZ_64K);

	t0 = emu_tile_stats(vm.fd, 0);
	for (pass = 0; pass < 3; pass++) {
		uint64_t v = V1 + pass, *second = (uint64_t *)(area + SZ_2M + SZ_64K);

		if (pass % 2) {
			emu_assert_result(emu_fill(&vm, second, OV2_SMALL, v + 3, S3), 0);
			emu_assert_result(emu_fill(&vm, small, OV2_SMALL, v + 2, S3), 0);
			emu_assert_result(emu_fill(&vm, big, OV2_BIG, v, S1), 0);
		} else {
			emu_assert_result(emu_fill(&vm, big, OV2_BIG, v, S1), 0);
			emu_assert_result(emu_fill(&vm, small, OV2_SMALL, v + 2, S3), 0);
			emu_assert_result(emu_fill(&vm, second, OV2_SMALL, v + 3, S3), 0);
		}
		t1 = emu_tile_stats(vm.fd, 0);
		svmt_assert(t1.vram_pages_in_use * SZ_4K + t1.vram_pt_bytes <=
			    t1.vram_pages * SZ_4K);
		assert_ttm_counts_svm(vm.fd);
		emu_assert_gpu_linear(&vm, big, OV2_BIG, v, S1);
		emu_assert_gpu_linear(&vm, small, OV2_SMALL, v + 2, S3);
		emu_assert_gpu_linear(&vm, second, OV2_SMALL, v + 3, S3);
		emu_assert_linear(big, WORDS(OV2_BIG), v, S1);
		emu_assert_linear(small, WORDS(OV2_SMALL), v + 2, S3);
		emu_assert_linear(second, WORDS(OV2_SMALL), v + 3, S3);
	}
	t1 = emu_tile_stats(vm.fd, 0);
	emu_print_tile_stats("after three passes over twice VRAM", &t1);
	svmt_assert(t1.evictions - t0.evictions > 0);
	svmt_assert_eq_u64(t1.evict_failures - t0.evict_failures, 0);
	svmt_assert_eq_u64(t1.copy_failures - t0.copy_failures, 0);

	svmt_assert_ok(munmap(big, OV2_BIG));
	svmt_assert_ok(munmap(small, OV2_SMALL));
	svmt_assert_ok(munmap(area + SZ_2M + SZ_64K, OV2_SMALL));
	assert_vram_empty(vm.fd);
	emu_vm_close(&vm);
}

static void test_oversubscribe_2x(void)
{
	run_small_vram(ov2_worker, NULL);
}

/* ------------------------------------------------------------------ */

/*
 * Two processes, each with 4 MiB (all of VRAM) of its own, write and
 * check it in turns for a while, each one's allocations evicting the
 * other's. Every word right in both; both saw their data evicted.
 */
#define TPC_ROUNDS	6

struct tpc_ctx {
	unsigned int seed;
};

static void tpc_child(void *arg)
{
	struct tpc_ctx *c = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(EV_VRAM);
	uint64_t migrated0 = emu_tile_stats(vm.fd, 0).migrated_to_vram;
	int r;

	/* Every round migrates, however often: that is the point here. */
	emu_vm_no_thrash_control(&vm);

	for (r = 0; r < TPC_ROUNDS; r++) {
		uint64_t v = V1 * c->seed + r;

		emu_assert_result(emu_fill(&vm, p, EV_VRAM, v, S1), 0);
		emu_assert_gpu_linear(&vm, p, EV_VRAM, v, S1);
		emu_assert_linear(p, WORDS(EV_VRAM), v, S1);
	}
	/* Every round's CPU check took it all back: each round migrated anew. */
	svmt_assert(emu_tile_stats(vm.fd, 0).migrated_to_vram - migrated0 >=
		    TPC_ROUNDS * PAGES(EV_VRAM));
	svmt_assert_ok(munmap(p, EV_VRAM));
	emu_vm_close(&vm);
}

static void tpc_worker(void *arg)
{
	struct tpc_ctx c1 = { 1 }, c2 = { 2 };
	struct xe_svm_emu_tile_stats t0, t1;
	int fd = emu_open();
	pid_t a, b;

	(void)arg;
	t0 = emu_tile_stats(fd, 0);
	close(fd);
	a = emu_fork(tpc_child, &c1);
	b = emu_fork(tpc_child, &c2);
	emu_wait_ok(a);
	emu_wait_ok(b);
	fd = emu_open();
	t1 = emu_tile_stats(fd, 0);
	emu_print_tile_stats("after two processes contended", &t1);
	svmt_assert_eq_u64(t1.evict_failures - t0.evict_failures, 0);
	svmt_assert_eq_u64(t1.copy_failures - t0.copy_failures, 0);
	assert_vram_empty(fd);
	close(fd);
}

static void test_two_process_contention(void)
{
	run_small_vram(tpc_worker, NULL);
}

/* ------------------------------------------------------------------ */

/*
 * Evictions racing faults. A thread moves its own 2 MiB buffers into
 * VRAM round after round while the main thread works on another buffer:
 * GPU writes (each a GPU fault that migrates, while the thread's
 * allocations evict it) or CPU reads of it in VRAM (each a CPU fault
 * that migrates it back, while evictions try to take the same pages).
 */
#define EDF_ROUNDS	12

struct edf_ctx {
	volatile int stop;
	unsigned long rounds;
};

static void *edf_thread(void *arg)
{
	struct edf_ctx *c = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(EV_VRAM);

	emu_vm_no_thrash_control(&vm);
	emu_fill_linear(p, WORDS(EV_VRAM), V3, S3);
	while (!c->stop) {
		emu_assert_gpu_linear(&vm, p, EV_VRAM, V3, S3);
		/* Back to system memory, to come again next round. */
		emu_assert_linear(p, WORDS(EV_VRAM), V3, S3);
		c->rounds++;
	}
	svmt_assert_ok(munmap(p, EV_VRAM));
	emu_vm_close(&vm);
	return NULL;
}

static void edf_worker(void *arg)
{
	bool cpu = arg != NULL;
	struct edf_ctx c = {};
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(SZ_2M);
	struct xe_svm_emu_tile_stats t0, t1;
	pthread_t th;
	int r;

	emu_vm_no_thrash_control(&vm);
	t0 = emu_tile_stats(vm.fd, 0);
	svmt_assert_ok(pthread_create(&th, NULL, edf_thread, &c));
	for (r = 0; r < EDF_ROUNDS; r++) {
		uint64_t v = V1 + r;

		emu_assert_result(emu_fill(&vm, p, SZ_2M, v, S1), 0);
		emu_assert_gpu_linear(&vm, p, SZ_2M, v, S1);
		if (cpu) {
			/* Wherever it is now, the CPU sees the GPU's words. */
			emu_assert_linear(p, WORDS(SZ_2M), v, S1);
		}
	}
	c.stop = 1;
	svmt_assert_ok(pthread_join(th, NULL));
	t1 = emu_tile_stats(vm.fd, 0);
	svmt_info("%d rounds here, %lu of the evicting thread", EDF_ROUNDS, c.rounds);
	emu_print_tile_stats("after evictions raced faults", &t1);
	svmt_assert(c.rounds > 0);
	svmt_assert(t1.evictions - t0.evictions > 0);
	svmt_assert_eq_u64(t1.evict_failures - t0.evict_failures, 0);
	svmt_assert_eq_u64(t1.copy_failures - t0.copy_failures, 0);
	emu_assert_linear(p, WORDS(SZ_2M), V1 + EDF_ROUNDS - 1, S1);
	svmt_assert_ok(munmap(p, SZ_2M));
	assert_vram_empty(vm.fd);
	emu_vm_close(&vm);
}

static void test_evict_during_gpu_fault(void)
{
	run_small_vram(edf_worker, NULL);
}

static void test_evict_during_cpu_fault(void)
{
	run_small_vram(edf_worker, (void *)1);
}

/* ------------------------------------------------------------------ */

/*
 * Copies out of VRAM fail (injected) while VRAM is full: the eviction
 * gives up with the data still in VRAM (an evict failure, nothing
 * lost; only the GPU mapping of what it tried to move is gone, to be
 * faulted back from VRAM), and the allocation that needed the room
 * falls back to system memory. Once copies work again, everything
 * reads back right and VRAM empties.
 */
static void eff_worker(void *arg)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_stats s0, s1;
	struct xe_svm_emu_tile_stats t0, t1;
	uint64_t *a = emu_anon_2m(SZ_2M), *b = emu_anon_2m(SZ_2M), *c = emu_anon_2m(SZ_2M);

	(void)arg;
	emu_assert_result(emu_fill(&vm, a, SZ_2M, V1, S1), 0);
	emu_assert_result(emu_fill(&vm, b, SZ_2M, V2, S2), 0);
	assert_where(&vm, a, SZ_2M, 'V');
	assert_where(&vm, b, SZ_2M, 'V');

	s0 = emu_stats(&vm);
	t0 = emu_tile_stats(vm.fd, 0);
	emu_fail_next("fail_copy_to_ram", 1000000);
	emu_assert_result(emu_fill(&vm, c, SZ_2M, V3, S3), 0);
	emu_fail_next("fail_copy_to_ram", 0);
	s1 = emu_stats(&vm);
	t1 = emu_tile_stats(vm.fd, 0);
	emu_print_tile_stats("after evictions whose copies failed", &t1);
	svmt_assert(t1.evict_failures - t0.evict_failures >= 1);
	svmt_assert_eq_u64(t1.evictions - t0.evictions, 0);
	svmt_assert(t1.copy_failures - t0.copy_failures >= 1);
	svmt_assert_eq_u64(s1.vram_fallbacks - s0.vram_fallbacks, 1);
	svmt_assert_eq_u64(t1.migrated_to_ram - t0.migrated_to_ram, 0);

	/*
	 * A, the least recently allocated, was tried: the attempt unmapped
	 * it from the GPU, and its pages stayed in VRAM. B was not touched;
	 * C is in system memory. The next GPU access maps A from VRAM again,
	 * migrating nothing.
	 */
	assert_where(&vm, a, SZ_2M, '-');
	assert_where(&vm, b, SZ_2M, 'V');
	assert_where(&vm, c, SZ_2M, 'S');
	assert_ttm_counts_svm(vm.fd);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), PAGES(EV_VRAM));
	emu_assert_gpu_linear(&vm, a, SZ_2M, V1, S1);
	assert_where(&vm, a, SZ_2M, 'V');
	emu_assert_gpu_linear(&vm, b, SZ_2M, V2, S2);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).migrated_to_vram, t1.migrated_to_vram);
	emu_assert_linear(a, WORDS(SZ_2M), V1, S1);
	emu_assert_linear(b, WORDS(SZ_2M), V2, S2);
	emu_assert_linear(c, WORDS(SZ_2M), V3, S3);

	svmt_assert_ok(munmap(a, SZ_2M));
	svmt_assert_ok(munmap(b, SZ_2M));
	svmt_assert_ok(munmap(c, SZ_2M));
	assert_vram_empty(vm.fd);
	emu_vm_close(&vm);
}

static void test_evict_fail_injected(void)
{
	run_small_vram(eff_worker, NULL);
}

/* ------------------------------------------------------------------ */

/*
 * Suspend with data of two processes in VRAM: every object leaves VRAM
 * through TTM, each process finds its data in system memory (no CPU
 * fault to read it). While suspended, the GPU is served from system
 * memory, and one process rewrites and unmaps part of its buffer: the
 * GPU sees exactly that after resume, where the next fault may use
 * VRAM again.
 */
struct srv_ctx {
	struct emu_pipes pp;
	uint64_t v;
};

static void srv_child(void *arg)
{
	struct srv_ctx *c = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(SZ_2M);
	uint64_t faults0;

	emu_assert_result(emu_fill(&vm, p, SZ_2M, c->v, S1), 0);
	assert_where(&vm, p, SZ_2M, 'V');
	emu_send_byte(c->pp.to_parent[1]);
	/* suspended */
	emu_recv_byte(c->pp.to_child[0]);
	faults0 = emu_tile_stats(vm.fd, 0).cpu_faults;
	assert_where(&vm, p, SZ_2M, '-');
	emu_assert_linear(p, WORDS(SZ_2M), c->v, S1);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).cpu_faults, faults0);
	emu_send_byte(c->pp.to_parent[1]);
	/* resumed */
	emu_recv_byte(c->pp.to_child[0]);
	emu_assert_gpu_linear(&vm, p, SZ_2M, c->v, S1);
	assert_where(&vm, p, SZ_2M, 'V');
	emu_assert_linear(p, WORDS(SZ_2M), c->v, S1);
	svmt_assert_ok(munmap(p, SZ_2M));
	emu_vm_close(&vm);
}

static void srv_worker(void *arg)
{
	struct srv_ctx c = { .v = V2 };
	struct emu_vm vm;
	uint64_t *p, r;
	pid_t child;
	int fd;

	(void)arg;
	emu_pipes_init(&c.pp);
	child = emu_fork(srv_child, &c);
	vm = emu_vm_open_mirror();
	p = emu_anon_2m(SZ_2M);
	emu_assert_result(emu_fill(&vm, p, SZ_2M, V1, S1), 0);
	assert_where(&vm, p, SZ_2M, 'V');
	emu_recv_byte(c.pp.to_parent[0]);
	svmt_assert_eq_u64(emu_vram_in_use(vm.fd, 0), PAGES(EV_VRAM));

	emu_fail_next("suspend", 1);
	assert_vram_empty(vm.fd);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).evictions, 2);
	assert_where(&vm, p, SZ_2M, '-');
	emu_send_byte(c.pp.to_child[1]);
	emu_recv_byte(c.pp.to_parent[0]);

	/* Suspended: the GPU is served from system memory. */
	emu_assert_gpu_linear(&vm, p, SZ_2M, V1, S1);
	assert_where(&vm, p, SZ_2M, 'S');
	assert_vram_empty(vm.fd);
	/* The CPU changes what the GPU maps: the GPU must not keep the old. */
	emu_fill_linear(p, WORDS(SZ_64K), V3, S3);
	svmt_assert_ok(munmap((char *)p + SZ_2M - SZ_64K, SZ_64K));

	/* Resumed: the other process first (its data back in VRAM), then this one. */
	emu_fail_next("suspend", 0);
	emu_send_byte(c.pp.to_child[1]);
	emu_wait_ok(child);
	emu_assert_gpu_linear(&vm, p, SZ_64K, V3, S3);
	emu_assert_result(emu_read(&vm, (char *)p + SZ_2M - SZ_64K, &r), -EFAULT);
	emu_assert_gpu_linear(&vm, &p[WORDS(SZ_64K)], SZ_2M - 2 * SZ_64K,
			      V1 + WORDS(SZ_64K) * S1, S1);
	svmt_assert(emu_vram_in_use(vm.fd, 0) > 0);
	svmt_assert_ok(munmap(p, SZ_2M - SZ_64K));
	emu_vm_close(&vm);
	fd = emu_open();
	assert_vram_empty(fd);
	close(fd);
}

static void test_suspend_resume_vram(void)
{
	run_small_vram(srv_worker, NULL);
}

/* ------------------------------------------------------------------ */

/*
 * Page tables never starve. A first VM fills VRAM with SVM data: two
 * 2 MiB ranges and 64 KiB ranges in what is left beside its page tables,
 * leaving less room than PTS_BLOCKS tables need. A second VM, whose
 * memory stays in system memory, then writes one word in each of
 * PTS_BLOCKS 2 MiB blocks of VA: each block needs a new page table in
 * VRAM, and making room for them evicts SVM allocations (least recently
 * used first) rather than failing a fault. Every access succeeds and
 * reads back right; the evicted data is intact, for the GPU and the CPU;
 * TTM counts exactly data plus tables; the second VM's tables go with it.
 */
#define PTS_BLOCKS	32

static void pts_worker(void *arg)
{
	struct emu_vm a = emu_vm_open_mirror(), b = emu_vm_open_mirror();
	struct xe_svm_emu_tile_stats t0, t1, t2;
	uint64_t *big, *small, *blocks, room, r;
	char *area;
	int i;

	(void)arg;
	emu_vm_placement(&b, XE_SVM_EMU_PLACE_SYSTEM, 0);
	big = emu_anon_2m(EV_VRAM);
	area = (char *)emu_anon_2m(SZ_2M);
	svmt_assert_ok(munmap(area, SZ_64K));
	small = (uint64_t *)(area + SZ_64K);
	emu_assert_result(emu_fill(&a, big, EV_VRAM, V1, S1), 0);
	emu_assert_result(emu_fill(&a, small, OV2_SMALL, V2, S2), 0);
	assert_where(&a, big, EV_VRAM, 'V');
	assert_where(&a, small, OV2_SMALL, 'V');
	assert_ttm_counts_svm(a.fd);
	t0 = emu_tile_stats(a.fd, 0);
	room = t0.vram_pages * SZ_4K - t0.vram_bytes_used;
	svmt_info("VRAM left beside the data: %llu KiB, page tables %llu KiB",
		  (unsigned long long)room >> 10, (unsigned long long)t0.vram_pt_bytes >> 10);
	svmt_assert(room < PTS_BLOCKS * SZ_4K);

	blocks = emu_anon_2m(PTS_BLOCKS * SZ_2M);
	for (i = 0; i < PTS_BLOCKS; i++)
		emu_assert_result(emu_write(&b, &blocks[i * WORDS(SZ_2M)], V3 + i), 0);
	t1 = emu_tile_stats(a.fd, 0);
	emu_print_tile_stats("after the second VM's tables", &t1);
	svmt_assert_eq_u64(t1.vram_pt_bytes - t0.vram_pt_bytes, PTS_BLOCKS * SZ_4K);
	svmt_assert(t1.evictions > t0.evictions);
	svmt_assert_eq_u64(t1.evict_failures, t0.evict_failures);
	svmt_assert_eq_u64(t1.alloc_failures, t0.alloc_failures);
	svmt_assert(t1.vram_bytes_used <= t1.vram_pages * SZ_4K);
	assert_ttm_counts_svm(a.fd);
	for (i = 0; i < PTS_BLOCKS; i++) {
		emu_assert_result(emu_read(&b, &blocks[i * WORDS(SZ_2M)], &r), 0);
		svmt_assert_eq_u64(r, V3 + i);
		svmt_assert_eq_u64(blocks[i * WORDS(SZ_2M)], V3 + i);
	}

	emu_assert_gpu_linear(&a, big, EV_VRAM, V1, S1);
	emu_assert_gpu_linear(&a, small, OV2_SMALL, V2, S2);
	emu_assert_linear(big, WORDS(EV_VRAM), V1, S1);
	emu_assert_linear(small, WORDS(OV2_SMALL), V2, S2);

	emu_vm_close(&b);
	t2 = emu_tile_stats(a.fd, 0);
	svmt_assert(t2.vram_pt_bytes <= t0.vram_pt_bytes);
	svmt_assert_ok(munmap(blocks, PTS_BLOCKS * SZ_2M));
	svmt_assert_ok(munmap(big, EV_VRAM));
	svmt_assert_ok(munmap(small, OV2_SMALL));
	assert_vram_empty(a.fd);
	emu_vm_close(&a);
}

static void test_pt_never_starves(void)
{
	run_small_vram(pts_worker, NULL);
}

/*
 * VRAM that holds only pinned memory (the balloon takes all of it) has
 * no room for a page table: the GPU access fails with -ENOSPC, the
 * documented result, and nothing is taken; once VRAM is free again the
 * same access succeeds.
 */
static void ptf_worker(void *arg)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(SZ_2M), r;
	struct xe_svm_emu_tile_stats t;

	(void)arg;
	emu_vm_placement(&vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	p[0] = V1;
	emu_fail_next("vram_balloon_mb", EV_PARAMS_MB);
	t = emu_tile_stats(vm.fd, 0);
	svmt_assert_eq_u64(t.vram_bytes_used, t.vram_pages * SZ_4K);
	emu_assert_result(emu_read(&vm, p, &r), -ENOSPC);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).vram_pt_bytes, 0);
	emu_fail_next("vram_balloon_mb", 0);
	emu_assert_result(emu_read(&vm, p, &r), 0);
	svmt_assert_eq_u64(r, V1);
	svmt_assert_eq_u64(emu_tile_stats(vm.fd, 0).vram_pt_bytes, SZ_4K);
	svmt_assert_ok(munmap(p, SZ_2M));
	emu_vm_close(&vm);
}

static void test_pt_no_room(void)
{
	run_small_vram(ptf_worker, NULL);
}

static const struct svmt_subtest subtests[] = {
	{ "pt-never-starves", test_pt_never_starves, 300 },
	{ "pt-no-room", test_pt_no_room, 300 },
	{ "svm-evicts-svm-lru", test_svm_evicts_svm_lru, 300 },
	{ "oversubscribe-2x", test_oversubscribe_2x, 300 },
	{ "two-process-contention", test_two_process_contention, 300 },
	{ "evict-during-gpu-fault", test_evict_during_gpu_fault, 300 },
	{ "evict-during-cpu-fault", test_evict_during_cpu_fault, 300 },
	{ "evict-fail-injected", test_evict_fail_injected, 300 },
	{ "suspend-resume-vram", test_suspend_resume_vram, 300 },
};

SVMT_MAIN(subtests)
