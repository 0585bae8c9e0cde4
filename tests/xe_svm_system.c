// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_system: the emulated GPU reads and writes ordinary process
 * memory through the SVM core, in system memory only: every VM it makes
 * is set to XE_SVM_EMU_PLACE_SYSTEM, so nothing migrates to the emulated
 * VRAM (xe_svm_migrate tests that).
 *
 * Unless a subtest says otherwise it uses a VM created with
 * DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR (GPU address X = CPU address X
 * everywhere). Every subtest checks the data word by word and that the
 * GPU-fault counters (exec.faults and the VM's STATS) moved as expected.
 *
 * Counting faults exactly: a GPU fault populates a whole range, and a
 * range is the largest naturally aligned 2 MiB, 64 KiB or 4 KiB chunk
 * that fits in the CPU VMA. Buffers from emu_anon_2m() & co. are 2 MiB
 * aligned VMAs of their own, so N MiB of them take N/2 faults.
 *
 * Covered: malloc'd memory read and written; read-only, PROT_NONE and
 * unmapped memory; munmap of the middle or the ends of a mapped range;
 * snapshots (4 KiB pages, a THP as one 2 MiB GPU page); atomics, fill and
 * compare; untouched (zero page) versus CPU-initialised memory; shared
 * anonymous memory across fork; private and shared file mappings;
 * hugetlbfs; mprotect; mremap; fork (copy-on-write both ways);
 * MADV_DONTNEED; concurrent threads and processes; a CPU thread changing
 * the mappings under a GPU stream; VM destruction and process exit with
 * live ranges; bad EXEC and SNAPSHOT arguments; KSM merging pages the GPU
 * keeps faulting in (the notifier called under a page lock).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/emu.h"


static void check_reads(struct xe_svm_emu_op *ops, const uint64_t *want, size_t n)
{
	uint64_t *got = calloc(n, sizeof(*got));
	size_t i;

	svmt_assert(got);
	for (i = 0; i < n; i++) {
		if (ops[i].result)
			svmt_fail(__FILE__, __LINE__, "op %zu failed with %d", i, ops[i].result);
		got[i] = ops[i].out;
	}
	svmt_assert_buf_eq(got, want, n);
	free(got);
}

/* Stats moved by exactly the faults the EXECs reported since @before. */
static void check_faults_counted(struct emu_vm *vm,
				 const struct xe_svm_emu_stats *before,
				 uint64_t exec_faults)
{
	struct xe_svm_emu_stats now = emu_stats(vm);

	svmt_assert_eq_u64(now.faults - before->faults, exec_faults);
}

/* Every entry of a snapshot is mapped and has exactly the WRITE bit @w. */
static void check_snap_all(const uint32_t *e, size_t npages, bool w)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		if (!(e[i] & XE_SVM_EMU_SNAP_MAPPED) ||
		    !!(e[i] & XE_SVM_EMU_SNAP_WRITE) != w)
			svmt_fail(__FILE__, __LINE__, "page %zu: entry 0x%x, expected mapped%s",
				  i, e[i], w ? " writable" : " read-only");
	}
}

static void check_snap_none(const uint32_t *e, size_t npages)
{
	size_t i;

	for (i = 0; i < npages; i++)
		if (e[i])
			svmt_fail(__FILE__, __LINE__, "page %zu: entry 0x%x, expected unmapped",
				  i, e[i]);
}

static void check_snap_no_write(const uint32_t *e, size_t npages)
{
	size_t i;

	for (i = 0; i < npages; i++)
		if (e[i] & XE_SVM_EMU_SNAP_WRITE)
			svmt_fail(__FILE__, __LINE__, "page %zu: entry 0x%x is writable", i, e[i]);
}

static void snap_check_all(struct emu_vm *vm, const void *p, size_t size, bool w)
{
	uint32_t *e = emu_snapshot_alloc(vm, p, size);

	check_snap_all(e, size / SZ_4K, w);
	free(e);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A file of @size bytes under /tmp holding p[i] = value + i * step. */
/* The file's bytes [off, off + nwords words) are value + i * step. */
static void check_file_linear(int fd, off_t off, size_t nwords, uint64_t value,
			      uint64_t step)
{
	uint64_t *buf = malloc(nwords * 8);

	svmt_assert(buf);
	svmt_assert_eq_u64(pread(fd, buf, nwords * 8, off), nwords * 8);
	emu_assert_linear(buf, nwords, value, step);
	free(buf);
}

/* ------------------------------------------------------------------ */

/* The GPU reads what the CPU wrote into malloc'd memory. */
static void test_malloc_read(void)
{
	size_t size = 4 * SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_stats st0 = emu_stats(&vm), st1;
	uint64_t *buf = malloc(size);
	struct xe_svm_emu_op *ops;
	uint64_t faults;

	svmt_assert(buf);
	emu_fill_pattern(buf, n, 1);
	ops = emu_ops_words(buf, n, XE_SVM_EMU_OP_READ, NULL);
	faults = emu_exec(&vm, ops, n);
	check_reads(ops, buf, n);
	/* At least one fault, at most one per page. */
	svmt_assert(faults >= 1 && faults <= size / SZ_4K);
	svmt_info("%zu words read with %" PRIu64 " GPU faults", n, faults);
	check_faults_counted(&vm, &st0, faults);
	st1 = emu_stats(&vm);
	svmt_assert(st1.ranges_created >= 1 && st1.ranges_created <= faults);
	svmt_assert_eq_u64(st1.ranges_destroyed, 0);
	svmt_assert_eq_u64(st1.ranges_live, st1.ranges_created);

	/* Mapped now: a second pass takes no fault and changes no counter. */
	faults = emu_exec(&vm, ops, n);
	check_reads(ops, buf, n);
	svmt_assert_eq_u64(faults, 0);
	st0 = emu_stats(&vm);
	emu_assert_stats_same(&st1, &st0);
	emu_vm_close(&vm);
}

/* The GPU writes untouched malloc'd memory; the CPU reads it back. */
static void test_malloc_write(void)
{
	size_t size = 2 * SZ_2M + 3 * 4096, n = size / 8, i;
	uint64_t *want = malloc(size), *buf = malloc(size);
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_stats st0 = emu_stats(&vm);
	struct xe_svm_emu_op *ops;
	uint64_t faults;

	svmt_assert(want && buf);
	for (i = 0; i < n; i++)
		want[i] = emu_pattern(2, i) ^ 0xff;
	ops = emu_ops_words(buf, n, XE_SVM_EMU_OP_WRITE, want);
	faults = emu_exec(&vm, ops, n);
	for (i = 0; i < n; i++)
		if (ops[i].result)
			svmt_fail(__FILE__, __LINE__, "write %zu failed with %d", i, ops[i].result);
	svmt_assert_buf_eq(buf, want, n);
	svmt_assert(faults >= 1);
	check_faults_counted(&vm, &st0, faults);
	emu_vm_close(&vm);
}

/* Read-only memory: GPU reads work, writes fail; mprotect changes that. */
static void test_read_only(void)
{
	size_t size = 16 * 4096, n = size / 8, i;
	uint64_t *p = emu_mmap(size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *zero = calloc(n, 8);
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_stats st0;
	struct xe_svm_emu_op *ops;

	svmt_assert(zero);
	ops = emu_ops_words(p, n, XE_SVM_EMU_OP_READ, NULL);
	emu_exec(&vm, ops, n);
	check_reads(ops, zero, n);

	/* The write takes one fault, served with -EPERM. */
	st0 = emu_stats(&vm);
	emu_assert_result(emu_write(&vm, &p[5], 42), -EPERM);
	svmt_assert_eq_u64(vm.faults, 1);
	check_faults_counted(&vm, &st0, 1);
	svmt_assert_eq_u64(p[5], 0);

	svmt_assert_ok(mprotect(p, size, PROT_READ | PROT_WRITE));
	emu_assert_result(emu_write(&vm, &p[5], 42), 0);
	svmt_assert_eq_u64(p[5], 42);
	for (i = 0; i < n; i++)
		if (i != 5)
			svmt_assert_eq_u64(p[i], 0);
	emu_vm_close(&vm);
}

/* PROT_NONE and unmapped addresses fault cleanly. */
static void test_prot_none_unmapped(void)
{
	uint64_t *p = emu_mmap(4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *q = emu_mmap(4 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_op op[2];

	svmt_assert_ok(munmap(q, 4 * 4096));
	op[0] = emu_op_read(&p[3]);
	op[1] = emu_op_write(&q[3], 7);
	/* One GPU fault per op, each failing. */
	svmt_assert_eq_u64(emu_exec(&vm, op, 2), 2);
	emu_assert_result(op[0].result, -EFAULT);
	emu_assert_result(op[1].result, -EFAULT);
	emu_vm_close(&vm);
}

/* munmap of the middle of a mapped range: the rest still reads right. */
static void test_munmap_middle(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, i, hole = SZ_2M / 8, hole_n = 65536 / 8;
	uint64_t *p = emu_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_op *ops;

	emu_fill_pattern(p, n, 3);
	ops = emu_ops_words(p, n, XE_SVM_EMU_OP_READ, NULL);
	emu_exec(&vm, ops, n);
	for (i = 0; i < n; i++) {
		emu_assert_result(ops[i].result, 0);
		svmt_assert_eq_u64(ops[i].out, emu_pattern(3, i));
	}

	svmt_assert_ok(munmap(&p[hole], 65536));
	for (i = 0; i < n; i++)
		ops[i].result = 1;
	emu_exec(&vm, ops, n);
	for (i = 0; i < n; i++) {
		if (i >= hole && i < hole + hole_n) {
			emu_assert_result(ops[i].result, -EFAULT);
		} else {
			emu_assert_result(ops[i].result, 0);
			svmt_assert_eq_u64(ops[i].out, emu_pattern(3, i));
		}
	}
	emu_vm_close(&vm);
}

/* Bad EXEC arguments: exact errno, and no operation ran. */
static void test_exec_bad_args(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t word = 5;
	struct xe_svm_emu_op op = emu_op_write(&word, 9);
	struct {
		const char *what;
		struct xe_svm_emu_exec exec;
		struct xe_svm_emu_op op;
		int err;
	} cases[] = {
		{ "flags", { .num_ops = 1, .flags = 1 }, op, EINVAL },
		{ "pad", { .num_ops = 1, .pad = 1 }, op, EINVAL },
		{ "reserved[0]", { .num_ops = 1, .reserved = { 1, 0 } }, op, EINVAL },
		{ "reserved[1]", { .num_ops = 1, .reserved = { 0, 1 } }, op, EINVAL },
		{ "num_ops 0", { .num_ops = 0 }, op, EINVAL },
		{ "num_ops too large", { .num_ops = XE_SVM_EMU_MAX_OPS + 1 }, op, EINVAL },
		{ "unknown op", { .num_ops = 1 },
		  { .addr = op.addr, .op = XE_SVM_EMU_OP_MAX + 1 }, EINVAL },
		{ "unaligned addr", { .num_ops = 1 },
		  { .addr = op.addr + 1, .op = XE_SVM_EMU_OP_WRITE }, EINVAL },
	};
	struct xe_svm_emu_exec null_ops = { .ops = 0, .num_ops = 1, .vm_id = vm.id };
	struct xe_svm_emu_stats st0 = emu_stats(&vm), st1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		svmt_info("case %s", cases[i].what);
		cases[i].exec.ops = (uintptr_t)&cases[i].op;
		cases[i].exec.vm_id = vm.id;
		svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_EXEC, &cases[i].exec),
				  cases[i].err);
		svmt_assert_eq_u64(word, 5);
		svmt_assert_eq_u64(cases[i].exec.faults, 0);
		st1 = emu_stats(&vm);
		emu_assert_stats_same(&st0, &st1);
	}
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_EXEC, &null_ops), EFAULT);
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_EXEC, NULL), EFAULT);
	svmt_assert_eq_u64(word, 5);

	/* And a good one still works. */
	emu_exec(&vm, &op, 1);
	emu_assert_result(op.result, 0);
	svmt_assert_eq_u64(word, 9);
	emu_vm_close(&vm);
}

/* Base pages are mapped with 4 KiB GPU pages, read-only until written. */
static void test_snapshot_4k(void)
{
	size_t n = SZ_2M / 8, npages = SZ_2M / 4096, i;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(SZ_2M);
	uint32_t *e = calloc(npages + 1, sizeof(*e));
	struct xe_svm_emu_op *ops;

	svmt_assert(e);
	svmt_assert_ok(madvise(p, SZ_2M, MADV_NOHUGEPAGE));
	emu_snapshot(&vm, p, e, npages);
	for (i = 0; i < npages; i++)
		svmt_assert_eq_u64(e[i], 0);

	p[0] = 1;	/* one page written by the CPU, the rest untouched */
	ops = emu_ops_words(p, n, XE_SVM_EMU_OP_READ, NULL);
	svmt_assert_eq_u64(emu_exec(&vm, ops, n), 1);
	emu_snapshot(&vm, p, e, npages + 1);
	for (i = 0; i < npages; i++) {
		svmt_assert(e[i] & XE_SVM_EMU_SNAP_MAPPED);
		svmt_assert_eq_u64(XE_SVM_EMU_SNAP_SHIFT(e[i]), 12);
		svmt_assert_eq_u64(!!(e[i] & XE_SVM_EMU_SNAP_WRITE), i == 0);
	}
	/* The page after the 2 MiB range was never touched by the GPU. */
	svmt_assert_eq_u64(e[npages], 0);
	/*
	 * Only the written page has a DMA mapping of its own: the untouched
	 * ones read the zero page, which the VM maps once for all.
	 */
	svmt_assert_eq_u64(emu_stats(&vm).dma_mapped_pages, 1);

	/* munmap zaps the GPU mapping of what went away, and its DMA mapping. */
	svmt_assert_ok(munmap(p, SZ_2M));
	emu_snapshot(&vm, p, e, npages);
	for (i = 0; i < npages; i++)
		svmt_assert_eq_u64(e[i], 0);
	svmt_assert_eq_u64(emu_stats(&vm).dma_mapped_pages, 0);
	emu_vm_close(&vm);
}

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/*
 * A 2 MiB-aligned, THP-backed range is mapped with one 2 MiB GPU page.
 * Skips only when the kernel has no THP at all (or has it turned off);
 * base pages in the GPU snapshot of a MADV_HUGEPAGE range are the very
 * regression this catches, so they fail.
 */
static void test_thp_2m(void)
{
	size_t n = SZ_2M / 8, npages = SZ_2M / 4096, i;
	struct xe_svm_emu_op *ops;
	struct emu_vm vm;
	char mode[128] = "";
	uint64_t faults, *p;
	uint32_t *e;
	FILE *f;

	f = fopen(THP_ENABLED, "r");
	if (!f)
		svmt_skip("no THP in this kernel (%s: %s)", THP_ENABLED, strerror(errno));
	if (!fgets(mode, sizeof(mode), f))
		mode[0] = '\0';
	fclose(f);
	mode[strcspn(mode, "\n")] = '\0';
	if (strstr(mode, "[never]"))
		svmt_skip("THP is turned off (%s: %s)", THP_ENABLED, mode);
	vm = emu_vm_open_mirror();
	p = emu_anon_2m(SZ_2M);
	e = calloc(npages, sizeof(*e));
	svmt_assert(e);
	svmt_assert_ok(madvise(p, SZ_2M, MADV_HUGEPAGE));
	emu_fill_pattern(p, n, 4);
	ops = emu_ops_words(p, n, XE_SVM_EMU_OP_READ, NULL);
	faults = emu_exec(&vm, ops, n);
	check_reads(ops, p, n);
	svmt_assert_eq_u64(faults, 1);
	emu_snapshot(&vm, p, e, npages);
	if (XE_SVM_EMU_SNAP_SHIFT(e[0]) != 21)
		svmt_fail(__FILE__, __LINE__, "the GPU maps the MADV_HUGEPAGE range with "
			  "%u-bit pages, not one 2 MiB page (THP mode: %s)",
			  XE_SVM_EMU_SNAP_SHIFT(e[0]), mode);
	for (i = 0; i < npages; i++) {
		svmt_assert_eq_u64(e[i] & (XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_WRITE),
				   XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_WRITE);
		svmt_assert_eq_u64(XE_SVM_EMU_SNAP_SHIFT(e[i]), 21);
	}
	emu_vm_close(&vm);
}

static void test_snapshot_bad_args(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint32_t e[4];
	struct xe_svm_emu_snapshot bad[] = {
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .flags = 1 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .pad = 1 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .reserved = { 1, 0 } },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .reserved = { 0, 1 } },
		{ .addr = 0x100008, .entries = (uintptr_t)e, .npages = 1 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 0 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = XE_SVM_EMU_MAX_SNAPSHOT + 1 },
	};
	struct xe_svm_emu_snapshot nowhere = { .addr = 0x100000, .entries = 0, .npages = 1,
					       .vm_id = vm.id };
	struct xe_svm_emu_snapshot novm = { .addr = 0x100000, .entries = (uintptr_t)e,
					    .npages = 1, .vm_id = vm.id + 1000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		svmt_info("case %u", i);
		bad[i].vm_id = vm.id;
		svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &bad[i]), EINVAL);
	}
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &nowhere), EFAULT);
	svmt_assert(!emu_vm_exists(vm.fd, novm.vm_id));
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &novm), ENOENT);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

struct atomic_cpu {
	uint64_t *word;
	int *stop;
	uint64_t adds;
};

static void *atomic_cpu_thread(void *arg)
{
	struct atomic_cpu *c = arg;

	while (!__atomic_load_n(c->stop, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(c->word, 1, __ATOMIC_SEQ_CST);
		c->adds++;
	}
	return NULL;
}

/*
 * ATOMIC_ADD returns the old word and adds, on untouched and initialised
 * memory, wraps around, needs write access, and loses no update when CPU
 * threads add to the same word at the same time.
 */
static void test_atomic_add(void)
{
	enum { NSEQ = 1000, NCPU = 2, NEXEC = 20, PER_EXEC = 1000 };
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(SZ_2M), *ro;
	struct xe_svm_emu_stats st0 = emu_stats(&vm);
	struct xe_svm_emu_op *ops = calloc(NSEQ > PER_EXEC ? NSEQ : PER_EXEC, sizeof(*ops));
	struct atomic_cpu cpu[NCPU];
	pthread_t tid[NCPU];
	uint64_t old, v, cpu_adds = 0;
	int stop = 0;
	unsigned int i, k;

	svmt_assert(ops);
	/*
	 * Base pages only: khugepaged must not collapse the pages under the
	 * exact fault counts below.
	 */
	svmt_assert_ok(madvise(p, SZ_2M, MADV_NOHUGEPAGE));
	/* Untouched memory: the read maps the zero page, the add upgrades. */
	emu_assert_result(emu_read(&vm, &p[0], &old), 0);
	svmt_assert_eq_u64(old, 0);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_result(emu_atomic_add(&vm, &p[0], 5, &old), 0);
	svmt_assert_eq_u64(old, 0);
	svmt_assert_eq_u64(vm.faults, 1);
	svmt_assert_eq_u64(p[0], 5);
	emu_assert_result(emu_atomic_add(&vm, &p[0], 7, &old), 0);
	svmt_assert_eq_u64(old, 5);
	svmt_assert_eq_u64(vm.faults, 0);
	svmt_assert_eq_u64(p[0], 12);
	check_faults_counted(&vm, &st0, 2);

	/* Wrap-around. */
	p[1] = ~0ULL;
	emu_assert_result(emu_atomic_add(&vm, &p[1], 2, &old), 0);
	svmt_assert_eq_u64(old, ~0ULL);
	svmt_assert_eq_u64(p[1], 1);

	/* A sequence of adds to one word in one EXEC: each sees the last. */
	for (i = 0; i < NSEQ; i++)
		ops[i] = emu_op_atomic_add(&p[8], i + 1);
	svmt_assert_eq_u64(emu_exec(&vm, ops, NSEQ), 0);
	for (i = 0; i < NSEQ; i++) {
		emu_assert_result(ops[i].result, 0);
		svmt_assert_eq_u64(ops[i].out, (uint64_t)i * (i + 1) / 2);
	}
	svmt_assert_eq_u64(p[8], (uint64_t)NSEQ * (NSEQ + 1) / 2);

	/* One add per page, to CPU-initialised words. */
	for (k = 0; k < SZ_2M / SZ_4K; k++)
		p[k * PAGE_WORDS + 3] = k * 1000ULL;
	for (k = 0; k < SZ_2M / SZ_4K; k++)
		ops[k] = emu_op_atomic_add(&p[k * PAGE_WORDS + 3], k);
	svmt_assert_eq_u64(emu_exec(&vm, ops, SZ_2M / SZ_4K), 0);
	for (k = 0; k < SZ_2M / SZ_4K; k++) {
		emu_assert_result(ops[k].result, 0);
		svmt_assert_eq_u64(ops[k].out, k * 1000ULL);
		svmt_assert_eq_u64(p[k * PAGE_WORDS + 3], k * 1001ULL);
	}

	/*
	 * CPU threads add 1 while the GPU adds 1 << 32 to the same word:
	 * nothing is lost, and the GPU's old values only ever grow by its own
	 * increment in the high half.
	 */
	p[16] = 0;
	for (i = 0; i < NCPU; i++) {
		cpu[i] = (struct atomic_cpu){ .word = &p[16], .stop = &stop };
		svmt_assert(!pthread_create(&tid[i], NULL, atomic_cpu_thread, &cpu[i]));
	}
	for (k = 0; k < NEXEC; k++) {
		for (i = 0; i < PER_EXEC; i++)
			ops[i] = emu_op_atomic_add(&p[16], 1ULL << 32);
		emu_exec(&vm, ops, PER_EXEC);
		for (i = 0; i < PER_EXEC; i++) {
			emu_assert_result(ops[i].result, 0);
			svmt_assert_eq_u64(ops[i].out >> 32, (uint64_t)k * PER_EXEC + i);
			if (i)
				svmt_assert((uint32_t)ops[i].out >= (uint32_t)ops[i - 1].out);
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NCPU; i++) {
		svmt_assert(!pthread_join(tid[i], NULL));
		cpu_adds += cpu[i].adds;
	}
	svmt_info("%" PRIu64 " CPU adds raced %u GPU adds", cpu_adds, NEXEC * PER_EXEC);
	v = ((uint64_t)NEXEC * PER_EXEC << 32) + cpu_adds;
	svmt_assert_eq_u64(__atomic_load_n(&p[16], __ATOMIC_SEQ_CST), v);
	emu_assert_result(emu_read(&vm, &p[16], &old), 0);
	svmt_assert_eq_u64(old, v);

	/* A read-only mapping: the add fails and changes nothing. */
	ro = emu_anon_2m(SZ_4K);
	ro[0] = 77;
	svmt_assert_ok(mprotect(ro, SZ_4K, PROT_READ));
	emu_assert_result(emu_atomic_add(&vm, &ro[0], 1, NULL), -EPERM);
	svmt_assert_eq_u64(ro[0], 77);
	emu_vm_close(&vm);
}

/* FILL writes value + i * step; COMPARE finds the first differing word. */
static void test_fill_compare(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, k = 300001;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(size), *q, *z, out;
	struct xe_svm_emu_stats st0 = emu_stats(&vm), st1;

	/* Untouched memory, written: one fault per 2 MiB range. */
	emu_assert_result(emu_fill(&vm, p, size, V1, S1), 0);
	svmt_assert_eq_u64(vm.faults, 2);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.faults - st0.faults, 2);
	svmt_assert_eq_u64(st1.ranges_created - st0.ranges_created, 2);
	svmt_assert_eq_u64(st1.ranges_live, 2);
	svmt_assert_eq_u64(st1.dma_mapped_pages, size / SZ_4K);
	emu_assert_linear(p, n, V1, S1);

	emu_assert_result(emu_compare(&vm, p, size, V1, S1, &out), 0);
	svmt_assert_eq_u64(out, XE_SVM_EMU_COMPARE_EQUAL);
	svmt_assert_eq_u64(vm.faults, 0);

	/* A word changed by the CPU is found at its byte offset. */
	p[k] ^= 1;
	emu_assert_result(emu_compare(&vm, p, size, V1, S1, &out), 0);
	svmt_assert_eq_u64(out, k * 8);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_result(emu_compare(&vm, &p[k - 2], 64, V1 + (k - 2) * S1, S1, &out), 0);
	svmt_assert_eq_u64(out, 16);
	emu_assert_result(emu_compare(&vm, &p[k + 1], size - (k + 1) * 8,
				      V1 + (k + 1) * S1, S1, &out), 0);
	svmt_assert_eq_u64(out, XE_SVM_EMU_COMPARE_EQUAL);
	emu_assert_result(emu_compare(&vm, p, size, V1 + 1, S1, &out), 0);
	svmt_assert_eq_u64(out, 0);
	p[k] ^= 1;
	emu_assert_result(emu_compare(&vm, p, size, V1, S1, &out), 0);
	svmt_assert_eq_u64(out, XE_SVM_EMU_COMPARE_EQUAL);

	/* A FILL across a page boundary touches exactly its words. */
	emu_assert_result(emu_fill(&vm, &p[PAGE_WORDS - 3], 6 * 8, V2, 1), 0);
	emu_assert_linear(&p[PAGE_WORDS - 3], 6, V2, 1);
	svmt_assert_eq_u64(p[PAGE_WORDS - 4], V1 + (PAGE_WORDS - 4) * S1);
	svmt_assert_eq_u64(p[PAGE_WORDS + 3], V1 + (PAGE_WORDS + 3) * S1);
	/* Step 0, one word. */
	emu_assert_result(emu_fill(&vm, &p[n - 1], 8, V3, 0), 0);
	svmt_assert_eq_u64(p[n - 1], V3);
	svmt_assert_eq_u64(p[n - 2], V1 + (n - 2) * S1);

	/* A FILL that runs into unmapped memory writes up to it, then fails. */
	q = emu_anon_2m(2 * SZ_4K);
	svmt_assert_ok(munmap(&q[PAGE_WORDS], SZ_4K));
	emu_assert_result(emu_fill(&vm, &q[PAGE_WORDS - 4], 8 * 8, V2, S2), -EFAULT);
	emu_assert_linear(&q[PAGE_WORDS - 4], 4, V2, S2);
	emu_assert_linear(q, PAGE_WORDS - 4, 0, 0);
	emu_assert_result(emu_compare(&vm, &q[PAGE_WORDS - 4], 8 * 8, V2, S2, NULL), -EFAULT);

	/* COMPARE of untouched memory: zeros, then FILL upgrades it. */
	z = emu_anon_2m(SZ_2M);
	st0 = emu_stats(&vm);
	emu_assert_result(emu_compare(&vm, z, SZ_2M, 0, 0, &out), 0);
	svmt_assert_eq_u64(out, XE_SVM_EMU_COMPARE_EQUAL);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_result(emu_fill(&vm, z, SZ_2M, V3, S3), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_linear(z, SZ_2M / 8, V3, S3);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.faults - st0.faults, 2);
	svmt_assert_eq_u64(st1.ranges_created - st0.ranges_created, 1);
	emu_vm_close(&vm);
}

/*
 * Untouched memory is mapped read-only (the zero page) by a GPU read and
 * takes a second fault when the GPU writes it; memory the CPU initialised
 * is mapped writable at once.
 */
static void test_untouched_vs_initialised(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, msize = 3 * SZ_2M / 2;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *a = emu_anon_2m(size), *b = emu_anon_2m(size), *m;
	struct xe_svm_emu_stats st0 = emu_stats(&vm), st1;

	/*
	 * Base pages for a: reads map the 4 KiB zero page, and khugepaged
	 * does not collapse the pages under the fault counts.
	 */
	svmt_assert_ok(madvise(a, size, MADV_NOHUGEPAGE));
	emu_fill_linear(b, n, V1, S1);

	emu_assert_gpu_linear(&vm, a, size, 0, 0);
	svmt_assert_eq_u64(vm.faults, 2);
	snap_check_all(&vm, a, size, false);
	emu_assert_gpu_linear(&vm, b, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 2);
	snap_check_all(&vm, b, size, true);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.faults - st0.faults, 4);
	svmt_assert_eq_u64(st1.ranges_created - st0.ranges_created, 4);

	/* Writes: the untouched buffer faults again (same ranges), b doesn't. */
	emu_assert_result(emu_fill(&vm, a, size, V2, S2), 0);
	svmt_assert_eq_u64(vm.faults, 2);
	snap_check_all(&vm, a, size, true);
	emu_assert_linear(a, n, V2, S2);
	emu_assert_result(emu_fill(&vm, b, size, V3, S3), 0);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_linear(b, n, V3, S3);
	st0 = emu_stats(&vm);
	svmt_assert_eq_u64(st0.ranges_created, st1.ranges_created);

	/* The same with plain malloc'd memory (fault counts depend on glibc). */
	m = malloc(msize);
	svmt_assert(m);
	emu_assert_gpu_linear(&vm, m, msize, 0, 0);
	svmt_assert(vm.faults >= 1);
	emu_assert_result(emu_fill(&vm, m, msize, V1, S1), 0);
	emu_assert_linear(m, msize / 8, V1, S1);
	free(m);
	m = malloc(msize);
	svmt_assert(m);
	emu_fill_linear(m, msize / 8, V2, S2);
	emu_assert_gpu_linear(&vm, m, msize, V2, S2);
	emu_vm_close(&vm);
}

struct shared_child {
	struct emu_pipes pp;
	uint64_t *s;
	size_t n;
};

static void anon_shared_child(void *arg)
{
	struct shared_child *c = arg;

	emu_recv_byte(c->pp.to_child[0]);
	/* The parent's GPU wrote the whole buffer. */
	emu_assert_linear(c->s, c->n, V1, S1);
	/* The child's CPU rewrites the second half. */
	emu_fill_linear(&c->s[c->n / 2], c->n / 2, V2, S2);
	emu_send_byte(c->pp.to_parent[1]);
}

/*
 * MAP_SHARED | MAP_ANONYMOUS memory: what the GPU writes, a forked child
 * that shares the memory sees, and what the child's CPU writes the GPU
 * reads through the mapping it already has.
 */
static void test_anon_shared(void)
{
	struct shared_child c = { .n = SZ_2M / 8 };
	struct emu_vm vm = emu_vm_open_mirror();
	pid_t pid;

	c.s = emu_map_aligned(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	emu_pipes_init(&c.pp);
	pid = emu_fork(anon_shared_child, &c);

	emu_assert_result(emu_fill(&vm, c.s, SZ_2M, V1, S1), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_send_byte(c.pp.to_child[1]);
	emu_recv_byte(c.pp.to_parent[0]);

	/* Same pages: no fault, the child's data. */
	emu_assert_gpu_linear(&vm, c.s, SZ_2M / 2, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_gpu_linear(&vm, &c.s[c.n / 2], SZ_2M / 2, V2, S2);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_linear(&c.s[c.n / 2], c.n / 2, V2, S2);
	emu_wait_ok(pid);
	emu_vm_close(&vm);
}

/* MAP_PRIVATE file mapping: GPU writes go to private copies, not the file. */
static void test_file_private(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	char path[128];
	int fd = emu_tmp_file(path, sizeof(path), size, V1, S1);
	uint64_t *m = emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE, fd, 0);
	uint64_t out;

	/* Read: page cache pages, mapped read-only until written. */
	emu_assert_gpu_linear(&vm, m, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);
	snap_check_all(&vm, m, size, false);

	/* Write: copy-on-write of the whole range, another fault. */
	emu_assert_result(emu_fill(&vm, m, size / 2, V2, S2), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	snap_check_all(&vm, m, size, true);
	emu_assert_linear(m, n / 2, V2, S2);
	emu_assert_linear(&m[n / 2], n / 2, V1 + n / 2 * S1, S1);
	check_file_linear(fd, 0, n, V1, S1);

	/* The CPU's private copy is the GPU's too; the file stays as it was. */
	m[n - 1] = 7;
	emu_assert_result(emu_read(&vm, &m[n - 1], &out), 0);
	svmt_assert_eq_u64(out, 7);
	svmt_assert_eq_u64(vm.faults, 0);
	svmt_assert_ok(msync(m, size, MS_SYNC));
	check_file_linear(fd, 0, n, V1, S1);

	svmt_assert_ok(munmap(m, size));
	close(fd);
	unlink(path);
	emu_vm_close(&vm);
}

/* MAP_SHARED file mapping: GPU writes reach the file, file writes the GPU. */
static void test_file_shared(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	char path[128];
	int fd = emu_tmp_file(path, sizeof(path), size, V1, S1);
	uint64_t *m = emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
	uint64_t *buf = malloc(size / 2);
	struct xe_svm_emu_stats st0 = emu_stats(&vm);
	uint64_t faults;

	svmt_assert(buf);
	emu_assert_gpu_linear(&vm, m, size, V1, S1);
	faults = vm.faults;
	svmt_assert_eq_u64(faults, 1);

	/* Whether the read mapped the pages writable is the file system's call. */
	emu_assert_result(emu_fill(&vm, m, size, V2, S2), 0);
	svmt_assert(vm.faults <= 1);
	faults += vm.faults;
	check_faults_counted(&vm, &st0, faults);
	emu_assert_linear(m, n, V2, S2);
	svmt_assert_ok(msync(m, size, MS_SYNC));
	check_file_linear(fd, 0, n, V2, S2);

	/* write() to the file: the GPU sees it through the same pages. */
	emu_fill_linear(buf, n / 2, V3, S3);
	svmt_assert_eq_u64(pwrite(fd, buf, size / 2, size / 2), size / 2);
	emu_assert_gpu_linear(&vm, &m[n / 2], size / 2, V3, S3);
	svmt_assert_eq_u64(vm.faults, 0);
	emu_assert_gpu_linear(&vm, m, size / 2, V2, S2);

	svmt_assert_ok(munmap(m, size));
	close(fd);
	unlink(path);
	free(buf);
	emu_vm_close(&vm);
}

#define HUGETLBFS_MAGIC		0x958458f6
#define HUGE_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/* Map 2 MiB huge pages at a 2 MiB-aligned address; skip if there are none. */
/* hugetlbfs memory: anonymous MAP_HUGETLB and a /dev/hugepages file. */
static void test_hugetlbfs(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, i;
	long long nfree = svmt_read_ll(HUGE_FREE);
	struct emu_vm vm;
	struct statfs sfs;
	uint64_t *h, *m, *m2, out;
	uint32_t *e;
	char path[128];
	int fd;

	if (statfs("/dev/hugepages", &sfs) || sfs.f_type != HUGETLBFS_MAGIC)
		svmt_skip("hugetlbfs is not mounted at /dev/hugepages");
	if (nfree < 2)
		svmt_skip("%lld free 2 MiB huge pages, 2 needed (vm.nr_hugepages)", nfree);
	vm = emu_vm_open_mirror();

	h = emu_map_huge(size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
	emu_assert_result(emu_fill(&vm, h, size, V1, S1), 0);
	svmt_assert_eq_u64(vm.faults, 2);
	emu_assert_linear(h, n, V1, S1);
	e = emu_snapshot_alloc(&vm, h, size);
	check_snap_all(e, size / SZ_4K, true);
	for (i = 0; i < size / SZ_4K; i++)
		svmt_assert_eq_u64(XE_SVM_EMU_SNAP_SHIFT(e[i]), 21);
	free(e);
	emu_assert_gpu_linear(&vm, h, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 0);
	h[n - 1] = 99;
	emu_assert_result(emu_read(&vm, &h[n - 1], &out), 0);
	svmt_assert_eq_u64(out, 99);
	svmt_assert_ok(munmap(h, size));

	/* A hugetlbfs file: GPU writes seen through a second mapping. */
	snprintf(path, sizeof(path), "/dev/hugepages/xe_svm_test.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	svmt_assert(fd >= 0);
	unlink(path);
	svmt_assert_ok(ftruncate(fd, SZ_2M));
	m = emu_map_huge(SZ_2M, MAP_SHARED, fd);
	emu_assert_result(emu_fill(&vm, m, SZ_2M, V2, S2), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	m2 = emu_mmap(SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	emu_assert_linear(m2, SZ_2M / 8, V2, S2);
	emu_assert_gpu_linear(&vm, m2, SZ_2M, V2, S2);
	svmt_assert_ok(munmap(m2, SZ_2M));
	svmt_assert_ok(munmap(m, SZ_2M));
	close(fd);
	emu_vm_close(&vm);
}

/*
 * mprotect: RO -> GPU writes fail with -EPERM, RW again -> they work;
 * PROT_NONE -> GPU reads fail with -EFAULT. A GPU mapping never stays
 * writable (or at all, for PROT_NONE) after the CPU took the right away.
 */
static void test_mprotect_change(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(size), out;
	struct xe_svm_emu_stats st0, st1;
	uint32_t *e = calloc(size / SZ_4K, sizeof(*e));

	svmt_assert(e);
	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);
	snap_check_all(&vm, p, size, true);

	st0 = emu_stats(&vm);
	svmt_assert_ok(mprotect(p, size, PROT_READ));
	st1 = emu_stats(&vm);
	svmt_assert(st1.invalidations > st0.invalidations);
	emu_snapshot(&vm, p, e, size / SZ_4K);
	check_snap_no_write(e, size / SZ_4K);

	emu_assert_result(emu_read(&vm, &p[10], &out), 0);
	svmt_assert_eq_u64(out, V1 + 10 * S1);
	emu_assert_result(emu_write(&vm, &p[10], 42), -EPERM);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_result(emu_fill(&vm, &p[20], 64, V2, S2), -EPERM);
	emu_assert_result(emu_atomic_add(&vm, &p[30], 1, NULL), -EPERM);
	emu_assert_linear(p, n, V1, S1);

	svmt_assert_ok(mprotect(p, size, PROT_READ | PROT_WRITE));
	emu_assert_result(emu_write(&vm, &p[10], 42), 0);
	svmt_assert_eq_u64(p[10], 42);
	snap_check_all(&vm, p, size, true);

	st0 = emu_stats(&vm);
	svmt_assert_ok(mprotect(p, size, PROT_NONE));
	st1 = emu_stats(&vm);
	svmt_assert(st1.invalidations > st0.invalidations);
	emu_snapshot(&vm, p, e, size / SZ_4K);
	check_snap_none(e, size / SZ_4K);
	svmt_assert_eq_u64(st1.dma_mapped_pages, 0);
	emu_assert_result(emu_read(&vm, &p[10], NULL), -EFAULT);
	emu_assert_result(emu_write(&vm, &p[11], 43), -EFAULT);
	emu_assert_result(emu_compare(&vm, p, size, V1, S1, NULL), -EFAULT);

	/* Readable again: the data survived, and the GPU reads it again. */
	svmt_assert_ok(mprotect(p, size, PROT_READ));
	svmt_assert_eq_u64(p[10], 42);
	emu_assert_linear(p, 10, V1, S1);
	emu_assert_linear(&p[11], n - 11, V1 + 11 * S1, S1);
	emu_assert_result(emu_read(&vm, &p[10], &out), 0);
	svmt_assert_eq_u64(out, 42);
	free(e);
	emu_vm_close(&vm);
}

/* munmap of the first and the last page of a mapped 2 MiB range. */
static void test_munmap_partial(void)
{
	size_t size = SZ_2M, n = size / 8, npages = size / SZ_4K, i;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(size), out;
	struct xe_svm_emu_stats st0, st1;
	uint32_t *e;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);

	st0 = emu_stats(&vm);
	svmt_assert_eq_u64(st0.ranges_live, 1);
	svmt_assert_ok(munmap(p, SZ_4K));
	svmt_assert_ok(munmap(&p[n - PAGE_WORDS], SZ_4K));
	e = emu_snapshot_alloc(&vm, p, size);
	svmt_assert_eq_u64(e[0], 0);
	svmt_assert_eq_u64(e[npages - 1], 0);
	free(e);

	/*
	 * The range died. The VMA is now [p + 4K, p + 2M - 4K): 15 4 KiB
	 * ranges up to p + 64K, 30 64 KiB ranges, 15 4 KiB ranges.
	 */
	emu_assert_gpu_linear(&vm, &p[PAGE_WORDS], size - 2 * SZ_4K,
			      V1 + PAGE_WORDS * S1, S1);
	svmt_assert_eq_u64(vm.faults, 60);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.faults - st0.faults, 60);
	svmt_assert_eq_u64(st1.ranges_created - st0.ranges_created, 60);
	svmt_assert_eq_u64(st1.ranges_destroyed - st0.ranges_destroyed, 1);
	svmt_assert_eq_u64(st1.ranges_live, 60);
	svmt_assert_eq_u64(st1.dma_mapped_pages, npages - 2);
	svmt_assert(st1.invalidations > st0.invalidations);
	svmt_assert(st1.gc_runs > st0.gc_runs);

	e = emu_snapshot_alloc(&vm, p, size);
	svmt_assert_eq_u64(e[0], 0);
	svmt_assert_eq_u64(e[npages - 1], 0);
	for (i = 1; i < npages - 1; i++) {
		unsigned int max = (i < 16 || i >= npages - 16) ? 12 : 16;

		svmt_assert(e[i] & XE_SVM_EMU_SNAP_MAPPED);
		if (XE_SVM_EMU_SNAP_SHIFT(e[i]) > max)
			svmt_fail(__FILE__, __LINE__, "page %zu: GPU page shift %u > %u",
				  i, XE_SVM_EMU_SNAP_SHIFT(e[i]), max);
	}
	free(e);

	emu_assert_result(emu_read(&vm, p, NULL), -EFAULT);
	emu_assert_result(emu_read(&vm, &p[n - 1], NULL), -EFAULT);
	emu_assert_result(emu_write(&vm, &p[n / 2], 5), 0);
	svmt_assert_eq_u64(p[n / 2], 5);
	emu_assert_result(emu_read(&vm, &p[PAGE_WORDS], &out), 0);
	svmt_assert_eq_u64(out, V1 + PAGE_WORDS * S1);
	emu_vm_close(&vm);
}

/* mremap to a new address: the old one faults, the new one has the data. */
static void test_mremap(void)
{
	size_t size = SZ_2M, n = size / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(size), *q = emu_anon_2m(size), *r;
	struct xe_svm_emu_stats st0, st1;
	uint32_t *e;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);

	st0 = emu_stats(&vm);
	r = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	svmt_assert(r == q);
	e = emu_snapshot_alloc(&vm, p, size);
	check_snap_none(e, size / SZ_4K);
	free(e);

	emu_assert_result(emu_read(&vm, p, NULL), -EFAULT);
	emu_assert_result(emu_read(&vm, &p[n - 1], NULL), -EFAULT);
	emu_assert_gpu_linear(&vm, q, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.ranges_destroyed - st0.ranges_destroyed, 1);
	svmt_assert_eq_u64(st1.ranges_created - st0.ranges_created, 1);
	svmt_assert_eq_u64(st1.ranges_live, 1);
	svmt_assert(st1.invalidations > st0.invalidations);

	emu_assert_result(emu_write(&vm, &q[7], 7), 0);
	svmt_assert_eq_u64(q[7], 7);
	emu_vm_close(&vm);
}

struct fork_child {
	struct emu_pipes pp;
	struct emu_vm parent_vm;
	uint64_t *p;
	size_t n;
};

static void fork_child_fn(void *arg)
{
	struct fork_child *c = arg;
	size_t n = c->n, half = n / 2;
	uint64_t word = 5;
	struct xe_svm_emu_op op = emu_op_write(&word, 6);
	struct emu_vm vm;

	/* The parent's VM is not this process's: EXEC refuses. */
	svmt_assert_eq_u64(__emu_exec(c->parent_vm.fd, c->parent_vm.id, &op, 1, NULL),
			   (uint64_t)-EINVAL);
	svmt_assert_eq_u64(word, 5);

	vm = emu_vm_open_mirror();
	/* The child's GPU sees the data it inherited. */
	emu_assert_gpu_linear(&vm, c->p, n * 8, V1, S1);
	/* Its writes (GPU and CPU) go to its own copies. */
	emu_assert_result(emu_fill(&vm, c->p, half * 8, V2, S2), 0);
	emu_assert_linear(c->p, half, V2, S2);
	emu_assert_linear(&c->p[half], half, V1 + half * S1, S1);
	c->p[n - 1] = 7;

	emu_send_byte(c->pp.to_parent[1]);
	emu_recv_byte(c->pp.to_child[0]);

	/* The parent wrote its second half meanwhile: not seen here. */
	emu_assert_linear(c->p, half, V2, S2);
	emu_assert_linear(&c->p[half], half - 1, V1 + half * S1, S1);
	svmt_assert_eq_u64(c->p[n - 1], 7);
	emu_assert_gpu_linear(&vm, c->p, half * 8, V2, S2);
	emu_assert_gpu_linear(&vm, &c->p[half], (half - 1) * 8, V1 + half * S1, S1);
	emu_vm_close(&vm);
}

/*
 * fork: the child has its own device file and VM; neither process's CPU
 * or GPU writes reach the other (copy-on-write), and the parent's GPU
 * mapping loses write access when fork write-protects its pages.
 */
static void test_fork(void)
{
	size_t size = SZ_2M, n = size / 8, half = n / 2;
	struct fork_child c = { .n = n };
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_stats st0, st1;
	uint32_t *e = calloc(size / SZ_4K, sizeof(*e));
	pid_t pid;

	svmt_assert(e);
	c.p = emu_anon_2m(size);
	c.parent_vm = vm;
	emu_fill_linear(c.p, n, V1, S1);
	emu_assert_gpu_linear(&vm, c.p, size, V1, S1);
	snap_check_all(&vm, c.p, size, true);
	emu_pipes_init(&c.pp);

	st0 = emu_stats(&vm);
	pid = emu_fork(fork_child_fn, &c);
	st1 = emu_stats(&vm);
	svmt_assert(st1.invalidations > st0.invalidations);
	emu_snapshot(&vm, c.p, e, size / SZ_4K);
	check_snap_no_write(e, size / SZ_4K);

	emu_recv_byte(c.pp.to_parent[0]);
	/* The child's writes did not reach the parent. */
	emu_assert_linear(c.p, n, V1, S1);
	emu_assert_gpu_linear(&vm, c.p, size, V1, S1);
	svmt_assert(vm.faults <= 1);

	/* The parent's GPU writes break copy-on-write: one fault. */
	emu_assert_result(emu_fill(&vm, &c.p[half], size / 2, V3, S3), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	emu_assert_linear(c.p, half, V1, S1);
	emu_assert_linear(&c.p[half], half, V3, S3);
	emu_send_byte(c.pp.to_child[1]);
	emu_wait_ok(pid);

	emu_assert_gpu_linear(&vm, c.p, size / 2, V1, S1);
	emu_assert_gpu_linear(&vm, &c.p[half], size / 2, V3, S3);
	free(e);
	emu_vm_close(&vm);
}

/* MADV_DONTNEED: the GPU then reads zeros; rewritten data reads back. */
static void test_madv_dontneed(void)
{
	size_t size = SZ_2M, n = size / 8, w64 = SZ_64K / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *p = emu_anon_2m(size);
	struct xe_svm_emu_stats st0, st1;
	uint32_t *e;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&vm, p, size, V1, S1);
	svmt_assert_eq_u64(vm.faults, 1);

	st0 = emu_stats(&vm);
	svmt_assert_ok(madvise(p, size, MADV_DONTNEED));
	e = emu_snapshot_alloc(&vm, p, size);
	check_snap_none(e, size / SZ_4K);
	free(e);
	svmt_assert_eq_u64(emu_stats(&vm).dma_mapped_pages, 0);
	/* Same range (not an unmap), refaulted: zeros. */
	emu_assert_gpu_linear(&vm, p, size, 0, 0);
	svmt_assert_eq_u64(vm.faults, 1);
	st1 = emu_stats(&vm);
	svmt_assert(st1.invalidations > st0.invalidations);
	svmt_assert_eq_u64(st1.faults - st0.faults, 1);
	svmt_assert_eq_u64(st1.ranges_created, st0.ranges_created);
	svmt_assert_eq_u64(st1.ranges_destroyed, st0.ranges_destroyed);
	/* Read after DONTNEED: the shared zero page, no mapping per page. */
	svmt_assert_eq_u64(st1.dma_mapped_pages, 0);
	emu_assert_linear(p, n, 0, 0);

	/* Rewrite and re-read. */
	emu_assert_result(emu_fill(&vm, p, size, V2, S2), 0);
	svmt_assert(vm.faults <= 1);
	emu_assert_linear(p, n, V2, S2);
	emu_assert_gpu_linear(&vm, p, size, V2, S2);
	svmt_assert_eq_u64(vm.faults, 0);

	/* Part of the range: only that part reads zeros. */
	svmt_assert_ok(madvise(&p[w64], SZ_64K, MADV_DONTNEED));
	emu_assert_gpu_linear(&vm, p, SZ_64K, V2, S2);
	emu_assert_gpu_linear(&vm, &p[w64], SZ_64K, 0, 0);
	emu_assert_gpu_linear(&vm, &p[2 * w64], size - 2 * SZ_64K, V2 + 2 * w64 * S2, S2);
	st1 = emu_stats(&vm);
	svmt_assert_eq_u64(st1.ranges_created, st0.ranges_created);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

#define THR_N		8
#define THR_ITERS	10
#define THR_SLICE	(SZ_2M * 2 / THR_N)	/* [0, 4M): one slice per thread */
#define THR_PATTERN	(2 * SZ_2M)		/* [4M, 6M): CPU-written pattern */
#define THR_COUNTERS	(3 * SZ_2M)		/* [6M, 8M): a counter per page */
#define THR_SIZE	(4 * SZ_2M)

struct thr {
	struct emu_vm *vm;
	char *base;
	pthread_barrier_t *barrier;
	unsigned int id;
	uint64_t faults;
	struct xe_svm_emu_op ops[SZ_2M / SZ_4K];
};

static uint64_t thr_value(unsigned int t, unsigned int iter)
{
	return (uint64_t)t << 56 | (uint64_t)iter << 40 | 0x1234;
}

static void *thr_fn(void *arg)
{
	struct thr *t = arg;
	char *slice = t->base + t->id * THR_SLICE;
	unsigned int it, k, seed = t->id * 7919 + 1;

	pthread_barrier_wait(t->barrier);
	for (it = 0; it < THR_ITERS; it++) {
		size_t off;

		/* Disjoint: this thread's slice. */
		emu_assert_result(emu_fill(t->vm, slice, THR_SLICE,
					   thr_value(t->id, it), t->id + 1), 0);
		t->faults += t->vm->faults;
		emu_assert_gpu_linear(t->vm, slice, THR_SLICE, thr_value(t->id, it), t->id + 1);
		t->faults += t->vm->faults;

		/* Shared, read-only: a random 256 KiB of the pattern. */
		off = (rand_r(&seed) % (SZ_2M / SZ_64K - 4)) * SZ_64K;
		emu_assert_gpu_linear(t->vm, t->base + THR_PATTERN + off, 4 * SZ_64K,
				      V1 + off / 8 * S1, S1);
		t->faults += t->vm->faults;

		/* Shared, written: every counter + 1. */
		for (k = 0; k < SZ_2M / SZ_4K; k++)
			t->ops[k] = emu_op_atomic_add(t->base + THR_COUNTERS + k * SZ_4K, 1);
		t->faults += emu_exec(t->vm, t->ops, SZ_2M / SZ_4K);
		for (k = 0; k < SZ_2M / SZ_4K; k++)
			emu_assert_result(t->ops[k].result, 0);
	}
	return NULL;
}

/*
 * Threads of one process fault disjoint and overlapping parts of one VM
 * at the same time; ranges are created once, data is right.
 */
static void test_threads(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	char *base = emu_anon_2m(THR_SIZE);
	struct xe_svm_emu_stats st0 = emu_stats(&vm), st1;
	struct emu_vm tvm[THR_N];
	pthread_t tid[THR_N];
	pthread_barrier_t barrier;
	struct thr *t = calloc(THR_N, sizeof(*t));
	uint64_t faults = 0, *c = (uint64_t *)(base + THR_COUNTERS);
	unsigned int i, k;

	svmt_assert(t);
	emu_fill_linear((uint64_t *)(base + THR_PATTERN), SZ_2M / 8, V1, S1);
	pthread_barrier_init(&barrier, NULL, THR_N);
	for (i = 0; i < THR_N; i++) {
		tvm[i] = vm;	/* same VM; each thread its own fault count */
		t[i].vm = &tvm[i];
		t[i].base = base;
		t[i].barrier = &barrier;
		t[i].id = i;
		svmt_assert(!pthread_create(&tid[i], NULL, thr_fn, &t[i]));
	}
	for (i = 0; i < THR_N; i++) {
		svmt_assert(!pthread_join(tid[i], NULL));
		faults += t[i].faults;
	}

	for (i = 0; i < THR_N; i++)
		emu_assert_linear((uint64_t *)(base + i * THR_SLICE), THR_SLICE / 8,
				  thr_value(i, THR_ITERS - 1), i + 1);
	emu_assert_linear((uint64_t *)(base + THR_PATTERN), SZ_2M / 8, V1, S1);
	for (k = 0; k < SZ_2M / 8; k++)
		svmt_assert_eq_u64(c[k], k % PAGE_WORDS ? 0 : THR_N * THR_ITERS);

	/* Four 2 MiB ranges, each created once, whoever faulted first. */
	st1 = emu_stats(&vm);
	emu_print_stats("after the threads", &st1);
	svmt_assert_eq_u64(st1.ranges_created - st0.ranges_created, 4);
	svmt_assert_eq_u64(st1.ranges_live, 4);
	svmt_assert_eq_u64(st1.ranges_destroyed, 0);
	svmt_assert_eq_u64(st1.dma_mapped_pages, THR_SIZE / SZ_4K);
	svmt_assert(st1.faults - st0.faults >= 4);
	svmt_assert(st1.faults - st0.faults <= faults);
	emu_vm_close(&vm);
}

#define PROC_N		4
#define PROC_ITERS	20

struct proc_arg {
	uint64_t *shared;	/* counters: one per page, and one word per process */
	unsigned int id;
};

static void proc_child(void *arg)
{
	struct proc_arg *a = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *own = emu_anon_2m(SZ_2M);
	struct xe_svm_emu_op *ops = calloc(SZ_2M / SZ_4K, sizeof(*ops));
	struct xe_svm_emu_stats st;
	unsigned int it, k;

	svmt_assert(ops);
	for (it = 0; it < PROC_ITERS; it++) {
		emu_assert_result(emu_fill(&vm, own, SZ_2M, thr_value(a->id, it), S1), 0);
		emu_assert_gpu_linear(&vm, own, SZ_2M, thr_value(a->id, it), S1);
		for (k = 0; k < SZ_2M / SZ_4K; k++)
			ops[k] = emu_op_atomic_add(&a->shared[k * PAGE_WORDS], 1);
		emu_exec(&vm, ops, SZ_2M / SZ_4K);
		for (k = 0; k < SZ_2M / SZ_4K; k++)
			emu_assert_result(ops[k].result, 0);
	}
	emu_assert_linear(own, SZ_2M / 8, thr_value(a->id, PROC_ITERS - 1), S1);
	emu_assert_result(emu_write(&vm, &a->shared[1 + a->id], 0xc0de0000 + a->id), 0);
	st = emu_stats(&vm);
	svmt_assert(st.faults >= 2);
	svmt_assert_eq_u64(st.ranges_created, 2);
	emu_vm_close(&vm);
}

/*
 * Processes, each with its own device file and VM, work at the same time
 * on their own memory and atomically on memory they all share.
 */
static void test_processes(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *shared = emu_map_aligned(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct proc_arg a[PROC_N];
	pid_t pid[PROC_N];
	struct xe_svm_emu_op *ops = calloc(SZ_2M / SZ_4K, sizeof(*ops));
	unsigned int i, k;

	svmt_assert(ops);
	/* The parent's GPU maps the shared pages before the children start. */
	emu_assert_result(emu_fill(&vm, shared, SZ_2M, 0, 0), 0);
	svmt_assert_eq_u64(vm.faults, 1);
	for (i = 0; i < PROC_N; i++) {
		a[i] = (struct proc_arg){ .shared = shared, .id = i };
		pid[i] = emu_fork(proc_child, &a[i]);
	}
	for (i = 0; i < PROC_N; i++)
		emu_wait_ok(pid[i]);

	for (k = 0; k < SZ_2M / SZ_4K; k++)
		svmt_assert_eq_u64(shared[k * PAGE_WORDS], PROC_N * PROC_ITERS);
	for (i = 0; i < PROC_N; i++)
		svmt_assert_eq_u64(shared[1 + i], 0xc0de0000 + i);
	/* The parent's GPU sees the children's writes through its mapping. */
	for (k = 0; k < SZ_2M / SZ_4K; k++)
		ops[k] = emu_op_read(&shared[k * PAGE_WORDS]);
	svmt_assert_eq_u64(emu_exec(&vm, ops, SZ_2M / SZ_4K), 0);
	for (k = 0; k < SZ_2M / SZ_4K; k++) {
		emu_assert_result(ops[k].result, 0);
		svmt_assert_eq_u64(ops[k].out, PROC_N * PROC_ITERS);
	}
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * race-munmap: a GPU stream thread reads and writes pages while a CPU
 * thread replaces (mremap of a freshly filled page over it), unmaps and
 * mprotects random ones. Every word a page ever holds says which slot,
 * which generation of the slot's page and which word it is, so a stale
 * GPU mapping (of a page the CPU already replaced or freed) shows.
 *
 * Per slot, the CPU thread publishes a seqlock (odd while changing), the
 * state, the current generation and the oldest/newest generation that may
 * be visible. A slot whose seqlock did not move during an EXEC was stable:
 * its ops must give exactly the right data or a clean error, and never
 * succeed on an unmapped or PROT_NONE page or write a read-only one. Ops
 * on a slot that changed meanwhile may succeed or fail, but data they
 * return must still be a generation that was mapped during the EXEC.
 *
 * A stable, accessible slot must succeed: a range may span neighbouring
 * slots that change during the EXEC, and the core has to make a new range
 * around the faulting address rather than fail the access for a change
 * beside it (the class of IGT's threads-many-stride-free-race failure).
 */
#define RACE_SLOTS	16
#define RACE_CHANGES	2000
#define RACE_SECONDS	4.0
#define RACE_OPS	4

enum { SLOT_RW, SLOT_RO, SLOT_NONE, SLOT_UNMAPPED };

struct race {
	char *slots;		/* RACE_SLOTS pages */
	char *stage;		/* where the CPU thread prepares a new page */
	uint64_t seq[RACE_SLOTS];
	uint64_t state[RACE_SLOTS];
	uint64_t gen[RACE_SLOTS];
	uint64_t gen_lo[RACE_SLOTS];
	uint64_t gen_hi[RACE_SLOTS];
	uint64_t stop;
	unsigned long changes;
};

static uint64_t race_word(unsigned int s, uint64_t g, unsigned int i)
{
	return 0xa5ULL << 56 | (uint64_t)s << 48 | (g & 0xffffff) << 16 | i;
}

static uint64_t race_gpu_word(unsigned int s, uint64_t it)
{
	return 0x5aULL << 56 | (uint64_t)s << 48 | (it & 0xffffffffffffULL);
}

static uint64_t *slot_addr(struct race *r, unsigned int s)
{
	return (uint64_t *)(r->slots + s * SZ_4K);
}

static uint64_t ld(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Replace slot s with a new page of the next generation, atomically. */
static void race_replace(struct race *r, unsigned int s)
{
	uint64_t g = ld(&r->gen[s]) + 1;
	uint64_t *page = mmap(r->stage, SZ_4K, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	unsigned int i;
	void *m;

	svmt_assert(page == (void *)r->stage);
	for (i = 0; i < PAGE_WORDS; i++)
		page[i] = race_word(s, g, i);

	st(&r->seq[s], ld(&r->seq[s]) + 1);
	st(&r->gen_hi[s], g);
	m = mremap(page, SZ_4K, SZ_4K, MREMAP_MAYMOVE | MREMAP_FIXED, slot_addr(r, s));
	svmt_assert(m == (void *)slot_addr(r, s));
	st(&r->gen[s], g);
	st(&r->gen_lo[s], g);
	st(&r->state[s], SLOT_RW);
	st(&r->seq[s], ld(&r->seq[s]) + 1);
}

static void race_change(struct race *r, unsigned int s, int state)
{
	static const int prot[] = {
		[SLOT_RW] = PROT_READ | PROT_WRITE,
		[SLOT_RO] = PROT_READ,
		[SLOT_NONE] = PROT_NONE,
	};

	st(&r->seq[s], ld(&r->seq[s]) + 1);
	if (state == SLOT_UNMAPPED)
		svmt_assert_ok(munmap(slot_addr(r, s), SZ_4K));
	else
		svmt_assert_ok(mprotect(slot_addr(r, s), SZ_4K, prot[state]));
	st(&r->state[s], state);
	st(&r->seq[s], ld(&r->seq[s]) + 1);
}

static void *race_cpu_thread(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 12345, s, x;
	double end = now_s() + RACE_SECONDS;

	while (r->changes < RACE_CHANGES && now_s() < end) {
		s = rand_r(&seed) % RACE_SLOTS;
		x = rand_r(&seed) % 10;
		if (ld(&r->state[s]) == SLOT_UNMAPPED || x < 3)
			race_replace(r, s);
		else if (x < 4)
			race_change(r, s, SLOT_UNMAPPED);
		else if (x < 6)
			race_change(r, s, SLOT_RO);
		else if (x < 7)
			race_change(r, s, SLOT_NONE);
		else
			race_change(r, s, SLOT_RW);
		r->changes++;
		usleep(20 + rand_r(&seed) % 200);
	}
	/* Leave every slot a fresh read-write page for the final pass. */
	for (s = 0; s < RACE_SLOTS; s++)
		race_replace(r, s);
	st(&r->stop, 1);
	return NULL;
}

struct race_count {
	unsigned long execs, stable_ok, stable_err, unstable_ok, unstable_err;
};

static bool is_gpu_word(uint64_t v, unsigned int s, uint64_t it)
{
	return v >> 56 == 0x5a && (v >> 48 & 0xff) == s && (v & 0xffffffffffffULL) <= it;
}

static bool is_race_word(uint64_t v, unsigned int s, unsigned int i, uint64_t lo,
			 uint64_t hi)
{
	uint64_t g = v >> 16 & 0xffffff;

	return v >> 56 == 0xa5 && (v >> 48 & 0xff) == s && (v & 0xffff) == i &&
	       g >= (lo & 0xffffff) && g <= (hi & 0xffffff);
}

#define race_fail(fmt, ...) \
	svmt_fail(__FILE__, __LINE__, "slot %u, exec %" PRIu64 ", %s: " fmt, \
		  s, it, stable ? "stable" : "changing", ##__VA_ARGS__)

static void race_check(struct race_count *cnt, unsigned int s, uint64_t it,
		       bool stable, uint64_t state, uint64_t g, uint64_t lo,
		       uint64_t hi, unsigned int i1, const struct xe_svm_emu_op *o)
{
	int r0 = o[0].result, r1 = o[1].result, r2 = o[2].result, r3 = o[3].result;
	uint64_t w0 = o[2].out;

	if (!stable) {
		if ((r0 && r0 != -EFAULT && r0 != -EBUSY) ||
		    (r1 && r1 != -EFAULT && r1 != -EPERM && r1 != -EBUSY) ||
		    (r2 && r2 != -EFAULT && r2 != -EBUSY) ||
		    (r3 && r3 != -EFAULT && r3 != -EBUSY))
			race_fail("results %d %d %d %d", r0, r1, r2, r3);
		if (!r0 && !is_race_word(o[0].out, s, i1, lo, hi))
			race_fail("word %u read 0x%016" PRIx64 ", generations %" PRIu64
				  "-%" PRIu64 " possible", i1, (uint64_t)o[0].out, lo, hi);
		if (!r2 && !is_gpu_word(w0, s, it) && !is_race_word(w0, s, 0, lo, hi))
			race_fail("word 0 read 0x%016" PRIx64, w0);
		if (!r3 && o[3].out != XE_SVM_EMU_COMPARE_EQUAL &&
		    (o[3].out % 8 || o[3].out >= SZ_4K - 8))
			race_fail("compare out 0x%" PRIx64, (uint64_t)o[3].out);
		if (!r0 || !r2 || !r3)
			cnt->unstable_ok++;
		else
			cnt->unstable_err++;
		return;
	}

	switch (state) {
	case SLOT_RW:
	case SLOT_RO:
		if (r0)
			race_fail("read: %d", r0);
		if (!r0 && o[0].out != race_word(s, g, i1))
			race_fail("word %u read 0x%016" PRIx64 ", expected 0x%016" PRIx64,
				  i1, (uint64_t)o[0].out, race_word(s, g, i1));
		if (state == SLOT_RO && !r1)
			race_fail("write to a read-only page succeeded");
		if (state == SLOT_RO && r1 != -EFAULT && r1 != -EPERM)
			race_fail("write to a read-only page: %d", r1);
		if (state == SLOT_RW && r1)
			race_fail("write: %d", r1);
		if (r2)
			race_fail("read word 0: %d", r2);
		if (!r2 && !r1 && w0 != race_gpu_word(s, it))
			race_fail("word 0 read 0x%016" PRIx64 " after writing 0x%016" PRIx64,
				  w0, race_gpu_word(s, it));
		if (!r2 && r1 && !is_gpu_word(w0, s, it) && w0 != race_word(s, g, 0))
			race_fail("word 0 read 0x%016" PRIx64, w0);
		if (r3)
			race_fail("compare: %d", r3);
		if (o[3].out != XE_SVM_EMU_COMPARE_EQUAL)
			race_fail("compare: mismatch at byte 0x%" PRIx64 " of generation %" PRIu64,
				  (uint64_t)o[3].out, g);
		if (!r0 && !r2 && !r3)
			cnt->stable_ok++;
		else
			cnt->stable_err++;
		break;
	default:
		/* Unmapped or PROT_NONE: nothing may succeed. */
		if (r0 != -EFAULT || r2 != -EFAULT || r3 != -EFAULT ||
		    (r1 != -EFAULT && r1 != -EPERM))
			race_fail("state %" PRIu64 ": results %d %d %d %d", state,
				  r0, r1, r2, r3);
		cnt->stable_err++;
		break;
	}
}

static void test_race_munmap(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct race *r = calloc(1, sizeof(*r));
	struct xe_svm_emu_op ops[RACE_SLOTS * RACE_OPS];
	uint64_t v1[RACE_SLOTS], state[RACE_SLOTS], g[RACE_SLOTS], lo[RACE_SLOTS];
	unsigned int i1[RACE_SLOTS], s, seed = 777;
	struct race_count cnt = {};
	struct xe_svm_emu_stats st0, st1;
	pthread_t cpu;
	uint64_t it;
	bool last = false;
	int err;

	svmt_assert(r);
	r->slots = emu_anon_2m(RACE_SLOTS * SZ_4K);
	/* The staging page lives away from the slots, in a reserved hole. */
	r->stage = emu_anon_2m(SZ_4K);
	svmt_assert_ok(munmap(r->stage, SZ_4K));
	for (s = 0; s < RACE_SLOTS; s++) {
		unsigned int i;

		for (i = 0; i < PAGE_WORDS; i++)
			slot_addr(r, s)[i] = race_word(s, 0, i);
	}
	st0 = emu_stats(&vm);
	svmt_assert(!pthread_create(&cpu, NULL, race_cpu_thread, r));

	for (it = 1; !last; it++) {
		last = ld(&r->stop);	/* one last pass once the CPU is done */
		for (s = 0; s < RACE_SLOTS; s++) {
			uint64_t *a = slot_addr(r, s);
			struct xe_svm_emu_op *o = &ops[s * RACE_OPS];

			v1[s] = ld(&r->seq[s]);
			state[s] = ld(&r->state[s]);
			g[s] = ld(&r->gen[s]);
			lo[s] = ld(&r->gen_lo[s]);
			i1[s] = 1 + rand_r(&seed) % (PAGE_WORDS - 1);
			o[0] = emu_op_read(&a[i1[s]]);
			o[1] = emu_op_write(&a[0], race_gpu_word(s, it));
			o[2] = emu_op_read(&a[0]);
			o[3] = emu_op_compare(&a[1], SZ_4K - 8, race_word(s, g[s], 1), 1);
		}
		err = __emu_exec(vm.fd, vm.id, ops, RACE_SLOTS * RACE_OPS, NULL);
		if (err)
			svmt_fail(__FILE__, __LINE__, "EXEC: %s", strerror(-err));
		cnt.execs++;
		for (s = 0; s < RACE_SLOTS; s++) {
			uint64_t hi = ld(&r->gen_hi[s]);
			uint64_t v2 = ld(&r->seq[s]);
			bool stable = v1[s] == v2 && !(v1[s] & 1);

			race_check(&cnt, s, it, stable, state[s], g[s], lo[s], hi, i1[s],
				   &ops[s * RACE_OPS]);
			/* Once everything is read-write and quiet, all must succeed. */
			if (last) {
				svmt_assert(stable && state[s] == SLOT_RW);
				emu_assert_result(ops[s * RACE_OPS].result, 0);
				emu_assert_result(ops[s * RACE_OPS + 1].result, 0);
				emu_assert_result(ops[s * RACE_OPS + 2].result, 0);
				emu_assert_result(ops[s * RACE_OPS + 3].result, 0);
			}
		}
	}
	svmt_assert(!pthread_join(cpu, NULL));

	st1 = emu_stats(&vm);
	svmt_info("%lu CPU changes, %lu GPU execs; stable slots: %lu ok, %lu clean errors;"
		  " changing slots: %lu ok, %lu errors", r->changes, cnt.execs,
		  cnt.stable_ok, cnt.stable_err, cnt.unstable_ok, cnt.unstable_err);
	emu_print_stats("after the race", &st1);
	svmt_assert(cnt.execs >= 2);
	svmt_assert(cnt.stable_ok >= RACE_SLOTS);
	/* The CPU changed slots while EXECs ran on them: the race happened. */
	svmt_assert(cnt.unstable_ok + cnt.unstable_err >= 1);
	svmt_assert(st1.invalidations > st0.invalidations);
	svmt_assert(st1.ranges_destroyed > st0.ranges_destroyed);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * remap-beside: the class of IGT's threads-many-stride-free-race failure.
 * One 2 MiB buffer, one VMA, one 2 MiB GPU range. A CPU thread frees and
 * maps again pages inside it without pause (munmap(), then a fresh
 * anonymous mmap() at the same address, which merges back into the one
 * VMA: what free() and malloc() of large blocks do), while the GPU reads
 * and writes the pages the CPU thread never touches. Every such access
 * must succeed with the right data: a fault whose range was unmapped in
 * part after the collector ran, or whose populate met a hole that is
 * mapped again by now, has to make a new range, not fail.
 */
#define RB_CHURN	8		/* pages the CPU thread frees and maps again */
#define RB_STRIDE	(SZ_2M / SZ_4K / RB_CHURN)
#define RB_SECONDS	4.0
#define RB_READS	8
#define RB_WRITES	8

struct remap_beside {
	char *buf;
	uint64_t stop;
	unsigned long cycles;
};

static bool rb_is_churn(unsigned int pg)
{
	return pg % RB_STRIDE == 3;
}

static void *rb_cpu_thread(void *arg)
{
	struct remap_beside *rb = arg;
	unsigned int seed = 4242;

	while (!ld(&rb->stop)) {
		char *p = rb->buf + (size_t)(3 + rand_r(&seed) % RB_CHURN * RB_STRIDE) * SZ_4K;
		uint64_t *q;

		svmt_assert_ok(munmap(p, SZ_4K));
		q = mmap(p, SZ_4K, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		svmt_assert(q == (void *)p);
		q[0] = rb->cycles++;
	}
	return NULL;
}

/* A random word of a page the CPU thread leaves alone. */
static size_t rb_stable_word(unsigned int *seed)
{
	unsigned int pg;

	do
		pg = rand_r(seed) % (SZ_2M / SZ_4K);
	while (rb_is_churn(pg));
	return (size_t)pg * PAGE_WORDS + rand_r(seed) % PAGE_WORDS;
}

static void test_remap_beside(void)
{
	const size_t nwords = SZ_2M / 8;
	struct emu_vm vm = emu_vm_open_mirror();
	struct remap_beside rb = { .buf = emu_anon_2m(SZ_2M) };
	uint64_t *shadow = malloc(SZ_2M), *w = (uint64_t *)rb.buf;
	struct xe_svm_emu_op ops[RB_READS + RB_WRITES];
	size_t idx[RB_READS + RB_WRITES], i;
	struct xe_svm_emu_stats st0, st1;
	unsigned int seed = 99, j;
	unsigned long execs = 0;
	uint64_t faults = 0, f;
	double end;
	pthread_t cpu;
	int err;

	svmt_assert(shadow);
	emu_fill_pattern(w, nwords, 11);
	memcpy(shadow, w, SZ_2M);
	st0 = emu_stats(&vm);
	svmt_assert(!pthread_create(&cpu, NULL, rb_cpu_thread, &rb));

	end = now_s() + RB_SECONDS;
	while (now_s() < end) {
		/* Reads of what the shadow says, then writes of new words. */
		for (j = 0; j < RB_READS + RB_WRITES; j++) {
			idx[j] = rb_stable_word(&seed);
			ops[j] = j < RB_READS ? emu_op_read(&w[idx[j]]) :
				emu_op_write(&w[idx[j]], emu_pattern(execs + 1000, j));
		}
		err = __emu_exec(vm.fd, vm.id, ops, RB_READS + RB_WRITES, &f);
		if (err)
			svmt_fail(__FILE__, __LINE__, "EXEC %lu: %s", execs, strerror(-err));
		for (j = 0; j < RB_READS + RB_WRITES; j++) {
			if (ops[j].result)
				svmt_fail(__FILE__, __LINE__,
					  "EXEC %lu, op %u (%s of page %zu): %s", execs, j,
					  j < RB_READS ? "read" : "write", idx[j] / PAGE_WORDS,
					  emu_errname(ops[j].result));
			if (j < RB_READS && ops[j].out != shadow[idx[j]])
				svmt_fail(__FILE__, __LINE__,
					  "EXEC %lu: word %zu read 0x%016" PRIx64
					  ", expected 0x%016" PRIx64, execs, idx[j],
					  (uint64_t)ops[j].out, shadow[idx[j]]);
		}
		for (j = RB_READS; j < RB_READS + RB_WRITES; j++)
			shadow[idx[j]] = emu_pattern(execs + 1000, j);
		faults += f;
		execs++;
	}
	st(&rb.stop, 1);
	svmt_assert(!pthread_join(cpu, NULL));
	st1 = emu_stats(&vm);

	/* The CPU sees every word the GPU wrote, and the rest untouched. */
	for (i = 0; i < SZ_2M / SZ_4K; i++)
		if (!rb_is_churn(i))
			svmt_assert_buf_eq(&w[i * PAGE_WORDS], &shadow[i * PAGE_WORDS],
					   PAGE_WORDS);
	svmt_info("%lu CPU free/map cycles beside %lu EXECs (%" PRIu64 " faults)",
		  rb.cycles, execs, faults);
	emu_print_stats("after the race", &st1);
	svmt_assert(execs >= 2);
	/* It happened: the CPU changed the range while the GPU faulted on it. */
	svmt_assert(rb.cycles >= 1);
	svmt_assert(faults > 1);
	svmt_assert(st1.invalidations > st0.invalidations);
	svmt_assert(st1.ranges_destroyed > st0.ranges_destroyed);
	svmt_assert_ok(munmap(rb.buf, SZ_2M));
	free(shadow);
	emu_vm_close(&vm);
}

/* ------------------------------------------------------------------ */

/*
 * Destroying a VM with live ranges leaves the memory intact for the CPU,
 * does not disturb another VM mapping the same memory, and a new VM works.
 */
static void test_vm_destroy_live(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, w64 = SZ_64K / 8;
	int fd = emu_open();
	struct emu_vm a = emu_vm_create(fd, EMU_VM_MIRROR);
	struct emu_vm b = emu_vm_create(fd, EMU_VM_MIRROR);
	struct emu_vm c;
	uint64_t *p = emu_anon_2m(size);
	struct xe_svm_emu_stats stb0, stb1, st;
	struct xe_svm_emu_op op;
	uint32_t *snap0, *snap1, dead = a.id;

	emu_fill_linear(p, n, V1, S1);
	emu_assert_gpu_linear(&a, p, size, V1, S1);
	svmt_assert_eq_u64(a.faults, 2);
	emu_assert_result(emu_fill(&a, p, SZ_64K, V2, S2), 0);
	emu_assert_gpu_linear(&b, &p[n / 2], size / 2, V1 + n / 2 * S1, S1);
	svmt_assert_eq_u64(b.faults, 1);
	svmt_assert_eq_u64(emu_stats(&a).ranges_live, 2);
	stb0 = emu_stats(&b);
	snap0 = emu_snapshot_alloc(&b, p, size);

	emu_vm_destroy(&a);
	/* Gone. */
	op = emu_op_read(p);
	svmt_assert_eq_u64(__emu_exec(fd, dead, &op, 1, NULL), (uint64_t)-ENOENT);
	svmt_assert_eq_u64(__emu_stats(fd, dead, &st), (uint64_t)-ENOENT);
	svmt_assert_eq_u64(__emu_snapshot(fd, dead, (uintptr_t)p, snap0, 1),
			   (uint64_t)-ENOENT);
	svmt_assert_eq_u64(__emu_vm_destroy(fd, dead), (uint64_t)-ENOENT);

	/* The memory is intact. */
	emu_assert_linear(p, w64, V2, S2);
	emu_assert_linear(&p[w64], n - w64, V1 + w64 * S1, S1);

	/* VM b is untouched: same counters, same mappings, no fault. */
	snap1 = emu_snapshot_alloc(&b, p, size);
	svmt_assert_buf_eq((uint64_t *)snap1, (uint64_t *)snap0, size / SZ_4K / 2);
	stb1 = emu_stats(&b);
	emu_assert_stats_same(&stb0, &stb1);
	emu_assert_gpu_linear(&b, &p[n / 2], size / 2, V1 + n / 2 * S1, S1);
	svmt_assert_eq_u64(b.faults, 0);

	/* The CPU unmaps what only the destroyed VM had mapped: b sees nothing. */
	svmt_assert_ok(munmap(p, size / 2));
	stb1 = emu_stats(&b);
	emu_assert_stats_same(&stb0, &stb1);

	/* A new VM starts from zero and works. */
	c = emu_vm_create(fd, EMU_VM_MIRROR);
	st = emu_stats(&c);
	svmt_assert_eq_u64(st.faults, 0);
	svmt_assert_eq_u64(st.ranges_created, 0);
	emu_assert_gpu_linear(&c, &p[n / 2], size / 2, V1 + n / 2 * S1, S1);
	svmt_assert_eq_u64(c.faults, 1);
	st = emu_stats(&c);
	svmt_assert_eq_u64(st.faults, 1);
	svmt_assert_eq_u64(st.ranges_created, 1);
	svmt_assert_eq_u64(st.ranges_live, 1);
	svmt_assert_eq_u64(st.dma_mapped_pages, SZ_2M / SZ_4K);

	/* Destroying b with live ranges, then closing with c still there. */
	emu_vm_destroy(&b);
	svmt_assert_ok(close(fd));
	emu_assert_linear(&p[n / 2], n / 2, V1 + n / 2 * S1, S1);
	free(snap0);
	free(snap1);
}

static void exit_child_idle(void *arg)
{
	struct emu_vm vm = emu_vm_open_mirror(), w;
	uint64_t *p = emu_anon_2m(2 * SZ_2M);

	(void)arg;
	emu_fill_linear(p, 2 * SZ_2M / 8, V1, S1);
	emu_assert_gpu_linear(&vm, p, 2 * SZ_2M, V1, S1);
	emu_assert_result(emu_fill(&vm, p, SZ_64K, V2, S2), 0);
	/* A dead range waiting for the collector. */
	svmt_assert_ok(munmap(p, SZ_4K));
	/* A second VM, with a window, on the same file. */
	w = emu_vm_create(vm.fd, EMU_VM_FAULT);
	emu_mirror(&w, &p[SZ_2M / 8], SZ_2M);
	emu_assert_gpu_linear(&w, &p[SZ_2M / 8], SZ_2M, V1 + SZ_2M / 8 * S1, S1);
	svmt_assert(emu_stats(&vm).ranges_created >= 1);
	/* Exit with all of it live: no destroy, no close. */
}

struct busy_arg {
	struct emu_vm vm;
	uint64_t *p;
};

static void *exit_busy_thread(void *arg)
{
	struct busy_arg *b = arg;
	uint64_t i;

	for (i = 0;; i++) {
		emu_fill(&b->vm, b->p, SZ_2M, i, 1);
		madvise(b->p, SZ_2M, MADV_DONTNEED);
	}
	return NULL;
}

static void exit_child_busy(void *arg)
{
	struct busy_arg b = { .vm = emu_vm_open_mirror() };
	pthread_t tid;

	(void)arg;
	b.p = emu_anon_2m(SZ_2M);
	svmt_assert(!pthread_create(&tid, NULL, exit_busy_thread, &b));
	usleep(50 * 1000);
	/* Exit while the other thread is faulting. */
	_exit(0);
}

/*
 * A process that exits with live ranges, without destroying its VMs or
 * closing the device, leaves the device working for everyone else.
 */
static void test_exit_live(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_info info = {};
	uint64_t *p = emu_anon_2m(SZ_2M);
	unsigned int i;

	emu_wait_ok(emu_fork(exit_child_idle, NULL));
	for (i = 0; i < 3; i++)
		emu_wait_ok(emu_fork(exit_child_busy, NULL));

	svmt_assert_ok(__emu_info(vm.fd, &info));
	emu_assert_result(emu_fill(&vm, p, SZ_2M, V3, S3), 0);
	emu_assert_linear(p, SZ_2M / 8, V3, S3);
	emu_assert_gpu_linear(&vm, p, SZ_2M, V3, S3);
	svmt_assert_eq_u64(emu_stats(&vm).ranges_live, 1);
	emu_vm_close(&vm);

	/* And a fresh open works too. */
	vm = emu_vm_open_mirror();
	emu_assert_gpu_linear(&vm, p, SZ_2M, V3, S3);
	emu_vm_close(&vm);
}

/* Every VM of this program keeps its memory in system memory. */
__attribute__((constructor)) static void system_memory_only(void)
{
	emu_vm_default_placement = XE_SVM_EMU_PLACE_SYSTEM;
}

/*
 * Failure-catalogue A2: core mm calls the MMU notifiers with a page
 * locked (KSM write-protects and replaces a page under its folio lock), so
 * a fault path that took a page lock under its notifier lock, or waited
 * under it for such a page, deadlocks against it. KSM merges the pages of
 * a buffer the GPU keeps faulting in, reading and rewriting with the
 * same contents (each GPU write breaks the merge, which KSM then makes
 * again), for a few seconds; the hung-task detector and lockdep watch
 * the kernel. Every GPU read and the CPU's final check must find the
 * data, KSM must really have merged pages while the GPU worked, and the
 * GPU must really have lost mappings to it (invalidations).
 */
#define KSM_DIR		"/sys/kernel/mm/ksm/"
#define KSM_PAGES	256
#define KSM_SECONDS	5.0

static void ksm_write(const char *name, const char *val)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	fd = open(path, O_WRONLY);
	svmt_assert(fd >= 0);
	svmt_assert_eq_u64(write(fd, val, strlen(val)), strlen(val));
	close(fd);
}

/* Word @i of every page: the pages are identical, so KSM merges them. */
static uint64_t ksm_word(size_t i)
{
	return emu_pattern(0x6b736d, i);
}

static void test_ksm_during_faults(void)
{
	size_t words = SZ_4K / 8, size = KSM_PAGES * SZ_4K, i;
	struct xe_svm_emu_op *ops = calloc(2 * KSM_PAGES, sizeof(*ops));
	long long merged, merged_max = 0;
	struct xe_svm_emu_stats s0, s1;
	unsigned int rounds = 0;
	struct emu_vm vm;
	uint64_t *p;
	double end;

	if (access(KSM_DIR "run", W_OK))
		svmt_skip("no " KSM_DIR " (CONFIG_KSM) or not root");
	svmt_assert(ops);
	vm = emu_vm_open_mirror();
	p = emu_anon_2m(SZ_2M);
	svmt_assert_ok(madvise(p, size, MADV_NOHUGEPAGE));
	for (i = 0; i < KSM_PAGES; i++)
		emu_fill_linear(p + i * words, words, ksm_word(0), ksm_word(1) - ksm_word(0));
	for (i = 0; i < KSM_PAGES; i++) {
		uint64_t *page = p + i * words;

		ops[2 * i] = emu_op_compare(page, SZ_4K, ksm_word(0), ksm_word(1) - ksm_word(0));
		/* The same value again: breaks the merge, changes nothing. */
		ops[2 * i + 1] = emu_op_write(&page[i % words], page[i % words]);
	}
	svmt_assert_ok(madvise(p, size, MADV_MERGEABLE));
	ksm_write("sleep_millisecs", "1");
	ksm_write("pages_to_scan", "4096");
	s0 = emu_stats(&vm);
	ksm_write("run", "1");
	end = now_s() + KSM_SECONDS;
	while (now_s() < end) {
		/* Reads only, then reads and the rewrites. */
		emu_exec(&vm, ops, 1);
		svmt_assert_eq_u64(ops[0].result, 0);
		emu_exec(&vm, ops, 2 * KSM_PAGES);
		for (i = 0; i < 2 * KSM_PAGES; i++) {
			if (ops[i].result)
				svmt_fail(__FILE__, __LINE__, "round %u op %zu: %s", rounds, i,
					  emu_errname(ops[i].result));
			if (!(i & 1) && ops[i].out != XE_SVM_EMU_COMPARE_EQUAL)
				svmt_fail(__FILE__, __LINE__, "round %u page %zu: mismatch at byte 0x%"
					  PRIx64, rounds, i / 2, (uint64_t)ops[i].out);
		}
		merged = svmt_read_ll("/proc/self/ksm_merging_pages");
		if (merged > merged_max)
			merged_max = merged;
		rounds++;
		usleep(10000);
	}
	ksm_write("run", "0");
	s1 = emu_stats(&vm);
	svmt_info("%u rounds; at most %lld pages merged at once; %" PRIu64
		  " invalidations, %" PRIu64 " GPU faults", rounds, merged_max,
		  (uint64_t)(s1.invalidations - s0.invalidations),
		  (uint64_t)(s1.faults - s0.faults));
	for (i = 0; i < KSM_PAGES; i++)
		emu_assert_linear(p + i * words, words, ksm_word(0), ksm_word(1) - ksm_word(0));
	/* It happened: KSM merged while the GPU worked, and took its mappings. */
	svmt_assert(merged_max > 0);
	svmt_assert(s1.invalidations > s0.invalidations);
	svmt_assert(s1.faults > s0.faults);

	svmt_assert_ok(madvise(p, size, MADV_UNMERGEABLE));
	svmt_assert_ok(munmap(p, SZ_2M));
	emu_vm_close(&vm);
	free(ops);
}

static const struct svmt_subtest subtests[] = {
	{ "malloc-read", test_malloc_read },
	{ "malloc-write", test_malloc_write },
	{ "read-only", test_read_only },
	{ "prot-none-unmapped", test_prot_none_unmapped },
	{ "munmap-middle", test_munmap_middle },
	{ "exec-bad-args", test_exec_bad_args },
	{ "snapshot-4k", test_snapshot_4k },
	{ "thp-2m", test_thp_2m },
	{ "snapshot-bad-args", test_snapshot_bad_args },
	{ "atomic-add", test_atomic_add },
	{ "fill-compare", test_fill_compare },
	{ "untouched-vs-initialised", test_untouched_vs_initialised },
	{ "anon-shared", test_anon_shared },
	{ "file-private", test_file_private },
	{ "file-shared", test_file_shared },
	{ "hugetlbfs", test_hugetlbfs },
	{ "mprotect-change", test_mprotect_change },
	{ "munmap-partial", test_munmap_partial },
	{ "mremap", test_mremap },
	{ "fork", test_fork },
	{ "madv-dontneed", test_madv_dontneed },
	{ "threads", test_threads, 300 },
	{ "processes", test_processes, 300 },
	{ "race-munmap", test_race_munmap, 180 },
	{ "remap-beside", test_remap_beside, 120 },
	{ "vm-destroy-live", test_vm_destroy_live },
	{ "exit-live", test_exit_live },
	{ "ksm-during-faults", test_ksm_during_faults, 120 },
};

SVMT_MAIN(subtests)
