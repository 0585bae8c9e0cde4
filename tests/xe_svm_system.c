// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_system: the emulated GPU reads and writes ordinary process
 * memory through the SVM core (system memory only: no migration yet).
 * Every subtest checks the data word by word and the fault counter.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xe_svm_emu_uapi.h"
#include "lib/svmtest.h"

#define SZ_2M (2UL << 20)

static long page_size;

static int emu_open(void)
{
	int fd = open("/dev/xe_svm_emu", O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		svmt_skip("/dev/xe_svm_emu does not exist (xe_svm_emu not loaded)");
	svmt_assert(fd >= 0);
	page_size = sysconf(_SC_PAGESIZE);
	return fd;
}

/* Run one op per word of [p, p + n words); returns the fault count. */
static uint64_t gpu_run(int fd, struct xe_svm_emu_op *ops, size_t n)
{
	struct xe_svm_emu_exec exec = {
		.ops = (uintptr_t)ops,
		.num_ops = n,
	};

	svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &exec));
	return exec.faults;
}

static struct xe_svm_emu_op *ops_for(void *p, size_t nwords, uint32_t op,
				     const uint64_t *values)
{
	struct xe_svm_emu_op *ops = calloc(nwords, sizeof(*ops));
	size_t i;

	svmt_assert(ops);
	for (i = 0; i < nwords; i++) {
		ops[i].addr = (uintptr_t)((uint64_t *)p + i);
		ops[i].op = op;
		ops[i].value = values ? values[i] : 0;
		ops[i].result = 1;	/* must be overwritten */
	}
	return ops;
}

static uint64_t pattern(size_t i)
{
	return 0x9e3779b97f4a7c15ULL * (i + 1);
}

static void *map(size_t size, int prot, int flags)
{
	void *p = mmap(NULL, size, prot, flags | MAP_ANONYMOUS, -1, 0);

	svmt_assert(p != MAP_FAILED);
	return p;
}

static void check_reads(struct xe_svm_emu_op *ops, const uint64_t *want, size_t n)
{
	uint64_t *got = calloc(n, sizeof(*got));
	size_t i;

	svmt_assert(got);
	for (i = 0; i < n; i++) {
		if (ops[i].result)
			svmt_fail(__FILE__, __LINE__, "op %zu failed with %d", i, ops[i].result);
		got[i] = ops[i].value;
	}
	svmt_assert_buf_eq(got, want, n);
	free(got);
}

/* The GPU reads what the CPU wrote into malloc'd memory. */
static void test_malloc_read(void)
{
	size_t size = 4 * SZ_2M, n = size / 8, i;
	uint64_t *buf = malloc(size);
	struct xe_svm_emu_op *ops;
	uint64_t faults;
	int fd = emu_open();

	svmt_assert(buf);
	for (i = 0; i < n; i++)
		buf[i] = pattern(i);
	ops = ops_for(buf, n, XE_SVM_EMU_OP_READ, NULL);
	faults = gpu_run(fd, ops, n);
	check_reads(ops, buf, n);
	/* At least one fault, at most one per page. */
	svmt_assert(faults >= 1 && faults <= size / page_size);
	svmt_info("%zu words read with %llu GPU faults", n, (unsigned long long)faults);

	/* Mapped now: a second pass takes no fault. */
	faults = gpu_run(fd, ops, n);
	check_reads(ops, buf, n);
	svmt_assert_eq_u64(faults, 0);
	close(fd);
}

/* The GPU writes untouched malloc'd memory; the CPU reads it back. */
static void test_malloc_write(void)
{
	size_t size = 2 * SZ_2M + 3 * 4096, n = size / 8, i;
	uint64_t *want = malloc(size), *buf = malloc(size);
	struct xe_svm_emu_op *ops;
	int fd = emu_open();

	svmt_assert(want && buf);
	for (i = 0; i < n; i++)
		want[i] = pattern(i) ^ 0xff;
	ops = ops_for(buf, n, XE_SVM_EMU_OP_WRITE, want);
	gpu_run(fd, ops, n);
	for (i = 0; i < n; i++)
		if (ops[i].result)
			svmt_fail(__FILE__, __LINE__, "write %zu failed with %d", i, ops[i].result);
	svmt_assert_buf_eq(buf, want, n);
	close(fd);
}

/* Read-only memory: GPU reads work, writes fail; mprotect changes that. */
static void test_read_only(void)
{
	size_t size = 16 * 4096, n = size / 8, i;
	uint64_t *p = map(size, PROT_READ, MAP_PRIVATE);
	uint64_t *zero = calloc(n, 8), one = 1;
	struct xe_svm_emu_op *ops, w = { .op = XE_SVM_EMU_OP_WRITE, .value = 42 };
	int fd = emu_open();

	ops = ops_for(p, n, XE_SVM_EMU_OP_READ, NULL);
	gpu_run(fd, ops, n);
	check_reads(ops, zero, n);

	w.addr = (uintptr_t)&p[5];
	gpu_run(fd, &w, 1);
	svmt_assert_eq_u64((int64_t)w.result, (int64_t)-EPERM);
	svmt_assert_eq_u64(p[5], 0);

	svmt_assert_ok(mprotect(p, size, PROT_READ | PROT_WRITE));
	w.result = 1;
	gpu_run(fd, &w, 1);
	svmt_assert_eq_u64(w.result, 0);
	svmt_assert_eq_u64(p[5], 42);
	for (i = 0; i < n; i++)
		if (i != 5)
			svmt_assert_eq_u64(p[i], 0);
	(void)one;
	close(fd);
}

/* PROT_NONE and unmapped addresses fault cleanly. */
static void test_prot_none_unmapped(void)
{
	uint64_t *p = map(4 * 4096, PROT_NONE, MAP_PRIVATE);
	uint64_t *q = map(4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct xe_svm_emu_op op[2] = {
		{ .addr = (uintptr_t)&p[3], .op = XE_SVM_EMU_OP_READ },
		{ .addr = (uintptr_t)&q[3], .op = XE_SVM_EMU_OP_WRITE, .value = 7 },
	};
	int fd = emu_open();

	svmt_assert_ok(munmap(q, 4 * 4096));
	gpu_run(fd, op, 2);
	svmt_assert_eq_u64((int64_t)op[0].result, (int64_t)-EFAULT);
	svmt_assert_eq_u64((int64_t)op[1].result, (int64_t)-EFAULT);
	close(fd);
}

/* munmap of the middle of a mapped range: the rest still reads right. */
static void test_munmap_middle(void)
{
	size_t size = 2 * SZ_2M, n = size / 8, i, hole = SZ_2M / 8, hole_n = 65536 / 8;
	uint64_t *p = map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct xe_svm_emu_op *ops;
	int fd = emu_open();

	for (i = 0; i < n; i++)
		p[i] = pattern(i);
	ops = ops_for(p, n, XE_SVM_EMU_OP_READ, NULL);
	gpu_run(fd, ops, n);
	for (i = 0; i < n; i++)
		svmt_assert_eq_u64(ops[i].value, pattern(i));

	svmt_assert_ok(munmap(&p[hole], 65536));
	for (i = 0; i < n; i++)
		ops[i].result = 1;
	gpu_run(fd, ops, n);
	for (i = 0; i < n; i++) {
		if (i >= hole && i < hole + hole_n) {
			svmt_assert_eq_u64((int64_t)ops[i].result, (int64_t)-EFAULT);
		} else {
			svmt_assert_eq_u64(ops[i].result, 0);
			svmt_assert_eq_u64(ops[i].value, pattern(i));
		}
	}
	close(fd);
}

/* Bad EXEC arguments: exact errno, and no operation ran. */
static void test_exec_bad_args(void)
{
	uint64_t word = 5;
	struct xe_svm_emu_op op = { .addr = (uintptr_t)&word, .op = XE_SVM_EMU_OP_WRITE,
				    .value = 9, .result = 1 };
	struct {
		const char *what;
		struct xe_svm_emu_exec exec;
		struct xe_svm_emu_op op;
		int err;
	} cases[] = {
		{ "flags", { .num_ops = 1, .flags = 1 }, op, EINVAL },
		{ "reserved[0]", { .num_ops = 1, .reserved = { 1, 0 } }, op, EINVAL },
		{ "reserved[1]", { .num_ops = 1, .reserved = { 0, 1 } }, op, EINVAL },
		{ "num_ops 0", { .num_ops = 0 }, op, EINVAL },
		{ "num_ops too large", { .num_ops = XE_SVM_EMU_MAX_OPS + 1 }, op, EINVAL },
		{ "unknown op", { .num_ops = 1 }, { .addr = op.addr, .op = 2 }, EINVAL },
		{ "unaligned addr", { .num_ops = 1 }, { .addr = op.addr + 1, .op = 1 }, EINVAL },
	};
	struct xe_svm_emu_exec null_ops = { .ops = 0, .num_ops = 1 };
	unsigned int i;
	int fd = emu_open();

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		svmt_info("case %s", cases[i].what);
		cases[i].exec.ops = (uintptr_t)&cases[i].op;
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &cases[i].exec),
				  cases[i].err);
		svmt_assert_eq_u64(word, 5);
		svmt_assert_eq_u64(cases[i].exec.faults, 0);
	}
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, &null_ops), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_EXEC, NULL), EFAULT);

	/* And a good one still works. */
	gpu_run(fd, &op, 1);
	svmt_assert_eq_u64(op.result, 0);
	svmt_assert_eq_u64(word, 9);
	close(fd);
}

static void snapshot(int fd, void *addr, uint32_t *entries, uint32_t npages)
{
	struct xe_svm_emu_snapshot snap = {
		.addr = (uintptr_t)addr,
		.entries = (uintptr_t)entries,
		.npages = npages,
	};

	svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &snap));
}

static void *map_2m_aligned(size_t size, int advice)
{
	char *p = map(size + SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	svmt_assert_ok(madvise(p, size, advice));
	return p;
}

/* Base pages are mapped with 4 KiB GPU pages, read-only until written. */
static void test_snapshot_4k(void)
{
	size_t n = SZ_2M / 8, npages = SZ_2M / 4096, i;
	uint64_t *p = map_2m_aligned(SZ_2M, MADV_NOHUGEPAGE);
	uint32_t *e = calloc(npages + 1, sizeof(*e));
	struct xe_svm_emu_op *ops;
	int fd = emu_open();

	snapshot(fd, p, e, npages);
	for (i = 0; i < npages; i++)
		svmt_assert_eq_u64(e[i], 0);

	p[0] = 1;	/* one page written by the CPU, the rest untouched */
	ops = ops_for(p, n, XE_SVM_EMU_OP_READ, NULL);
	svmt_assert_eq_u64(gpu_run(fd, ops, n), 1);
	snapshot(fd, p, e, npages + 1);
	for (i = 0; i < npages; i++) {
		svmt_assert(e[i] & XE_SVM_EMU_SNAP_MAPPED);
		svmt_assert_eq_u64(XE_SVM_EMU_SNAP_SHIFT(e[i]), 12);
		svmt_assert_eq_u64(!!(e[i] & XE_SVM_EMU_SNAP_WRITE), i == 0);
	}
	/* The page after the 2 MiB range was never touched by the GPU. */
	svmt_assert_eq_u64(e[npages], 0);

	/* munmap zaps the GPU mapping of what went away. */
	svmt_assert_ok(munmap(p, SZ_2M));
	snapshot(fd, p, e, npages);
	for (i = 0; i < npages; i++)
		svmt_assert_eq_u64(e[i], 0);
	close(fd);
}

/* A 2 MiB-aligned, THP-backed range is mapped with one 2 MiB GPU page. */
static void test_thp_2m(void)
{
	size_t n = SZ_2M / 8, npages = SZ_2M / 4096, i;
	uint64_t *p = map_2m_aligned(SZ_2M, MADV_HUGEPAGE);
	uint32_t *e = calloc(npages, sizeof(*e));
	struct xe_svm_emu_op *ops;
	uint64_t faults;
	int fd = emu_open();

	for (i = 0; i < n; i++)
		p[i] = pattern(i);
	ops = ops_for(p, n, XE_SVM_EMU_OP_READ, NULL);
	faults = gpu_run(fd, ops, n);
	check_reads(ops, p, n);
	svmt_assert_eq_u64(faults, 1);
	snapshot(fd, p, e, npages);
	if (XE_SVM_EMU_SNAP_SHIFT(e[0]) == 12)
		svmt_skip("the kernel backed the range with base pages, not a THP");
	for (i = 0; i < npages; i++) {
		svmt_assert_eq_u64(e[i] & (XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_WRITE),
				   XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_WRITE);
		svmt_assert_eq_u64(XE_SVM_EMU_SNAP_SHIFT(e[i]), 21);
	}
	close(fd);
}

static void test_snapshot_bad_args(void)
{
	uint32_t e[4];
	struct xe_svm_emu_snapshot bad[] = {
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .flags = 1 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .reserved = { 1, 0 } },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 1, .reserved = { 0, 1 } },
		{ .addr = 0x100008, .entries = (uintptr_t)e, .npages = 1 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = 0 },
		{ .addr = 0x100000, .entries = (uintptr_t)e, .npages = XE_SVM_EMU_MAX_SNAPSHOT + 1 },
	};
	struct xe_svm_emu_snapshot nowhere = { .addr = 0x100000, .entries = 0, .npages = 1 };
	unsigned int i;
	int fd = emu_open();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		svmt_info("case %u", i);
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &bad[i]), EINVAL);
	}
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &nowhere), EFAULT);
	close(fd);
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
};

SVMT_MAIN(subtests)
