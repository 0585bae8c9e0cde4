// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_bench: benchmarks, not tests. Measures, in one run on the same
 * bytes, the guest's memcpy bandwidth (the ceiling of any copy), the
 * kernel's reference HMM device (lib/test_hmm.c) on the paths SVM will be
 * compared against: first device touch of untouched malloc'd memory,
 * migration of 2 MiB ranges to device memory, CPU faults that bring them
 * back, and explicit migration back; and the xe SVM paths that exist so
 * far, through the emulated device (/dev/xe_svm_emu, a CPU address mirror
 * VM): first GPU read and write of untouched memory, GPU read of
 * CPU-populated memory, and GPU access to memory already mapped (no
 * faults). Each device is measured when its module is loaded. Prints
 * absolute figures and ratios; nothing here passes or fails.
 *
 * Usage: xe_svm_bench [MiB]   (default 256)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <lib/test_hmm_uapi.h>

#include "lib/emu.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 2 MiB aligned; THP as the system has it (SVM maps a THP as one chunk). */
static void *map_anon_thp(size_t size)
{
	void *p = mmap(NULL, size + SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return (void *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size + SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	/* 2 MiB-align so that ranges are whole 2 MiB blocks. */
	p = (void *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	/* THP off: test_hmm migrates base pages only in 6.12. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

static int dmirror(int fd, unsigned long req, void *addr, void *buf, size_t size)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)addr,
		.ptr = (uintptr_t)buf,
		.npages = size / 4096,
	};

	return ioctl(fd, req, &cmd) ? -errno : 0;
}

static void row(const char *what, size_t bytes, double secs, double ref)
{
	double gbs = bytes / secs / 1e9;

	printf("  %-48s %8.3f GB/s  %8.1f us/2MiB  %6.3f x memcpy\n", what, gbs,
	       secs / (bytes / (double)SZ_2M) * 1e6, gbs / ref);
}

/* The most bytes one FILL or COMPARE op of the bench covers. */
#define SVM_OP_BYTES	(1UL << 30)

/*
 * One EXEC of FILL (@fill) or COMPARE ops over [p, p + size): the time,
 * or a negative value on failure. *faults gets the GPU faults taken.
 */
static double svm_pass(int fd, uint32_t vm, void *p, size_t size, bool fill,
		       uint64_t value, uint64_t *faults)
{
	struct xe_svm_emu_op ops[64];
	unsigned int n = 0, i;
	size_t off;
	double t;
	int err;

	for (off = 0; off < size && n < 64; off += SVM_OP_BYTES, n++) {
		size_t len = size - off < SVM_OP_BYTES ? size - off : SVM_OP_BYTES;

		ops[n] = fill ? emu_op_fill((char *)p + off, len, value, 0) :
				emu_op_compare((char *)p + off, len, value, 0);
	}
	t = now();
	err = __emu_exec(fd, vm, ops, n, faults);
	t = now() - t;
	if (err) {
		printf("  xe SVM exec failed: %s\n", strerror(-err));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ops[i].result ||
		    (!fill && ops[i].out != XE_SVM_EMU_COMPARE_EQUAL)) {
			printf("  xe SVM op %u: result %d, out 0x%llx: DATA MISMATCH\n", i,
			       ops[i].result, (unsigned long long)ops[i].out);
			return -1;
		}
	}
	return t;
}

static void svm_row(const char *what, size_t size, double t, uint64_t faults,
		    double memcpy_gbs)
{
	char label[96];

	if (t < 0)
		return;
	snprintf(label, sizeof(label), "%s (%llu faults)", what,
		 (unsigned long long)faults);
	row(label, size, t, memcpy_gbs);
}

/* The xe SVM paths, through the emulated device. */
static void bench_svm(size_t size, double memcpy_gbs)
{
	uint64_t faults, pat = 0x0303030303030303ULL;
	int fd = __emu_open();
	uint32_t vm;
	double t;
	char *p;

	if (fd < 0) {
		printf("  (xe SVM: " EMU_DEV ": %s; xe_svm_emu not loaded?)\n",
		       strerror(-fd));
		return;
	}
	if (__emu_vm_create(fd, EMU_VM_MIRROR, &vm)) {
		printf("  xe SVM: VM_CREATE failed\n");
		close(fd);
		return;
	}

	/* First GPU read of untouched memory: zero pages, read-only. */
	p = map_anon_thp(size);
	t = svm_pass(fd, vm, p, size, false, 0, &faults);
	svm_row("xe SVM: first GPU read, untouched memory", size, t, faults, memcpy_gbs);
	/* Then the first GPU write of it: faults again, for write. */
	t = svm_pass(fd, vm, p, size, true, pat, &faults);
	svm_row("xe SVM: first GPU write after a read", size, t, faults, memcpy_gbs);
	munmap(p, size);

	/* First GPU write of untouched memory. */
	p = map_anon_thp(size);
	t = svm_pass(fd, vm, p, size, true, pat, &faults);
	svm_row("xe SVM: first GPU write, untouched memory", size, t, faults, memcpy_gbs);
	munmap(p, size);

	/* First GPU read of memory the CPU populated. */
	p = map_anon_thp(size);
	memset(p, 3, size);
	t = svm_pass(fd, vm, p, size, false, pat, &faults);
	svm_row("xe SVM: first GPU read, CPU-populated memory", size, t, faults, memcpy_gbs);

	/* Mapped already: the emulated GPU's own speed, no faults. */
	t = svm_pass(fd, vm, p, size, false, pat, &faults);
	svm_row("xe SVM: GPU read, already mapped", size, t, faults, memcpy_gbs);
	t = svm_pass(fd, vm, p, size, true, pat, &faults);
	svm_row("xe SVM: GPU write, already mapped", size, t, faults, memcpy_gbs);
	munmap(p, size);

	__emu_vm_destroy(fd, vm);
	close(fd);
}

/* The reference: lib/test_hmm.c. */
static void bench_test_hmm(size_t size, double memcpy_gbs)
{
	size_t off;
	double t;
	char *a, *buf;
	int fd, err;

	fd = open("/dev/hmm_dmirror0", O_RDWR);
	if (fd < 0) {
		printf("  (test_hmm: /dev/hmm_dmirror0: %s; test_hmm not loaded?)\n",
		       strerror(errno));
		return;
	}
	buf = map_anon(size);

	/* First device touch of untouched malloc'd memory (read faults). */
	a = map_anon(size);
	t = now();
	err = dmirror(fd, HMM_DMIRROR_READ, a, buf, size);
	t = now() - t;
	if (err)
		printf("  test_hmm first-touch read failed: %s\n", strerror(-err));
	else
		row("test_hmm: first device read, untouched memory", size, t, memcpy_gbs);

	/* Same, memory populated by the CPU first. */
	memset(a, 3, size);
	t = now();
	err = dmirror(fd, HMM_DMIRROR_READ, a, buf, size);
	t = now() - t;
	if (!err)
		row("test_hmm: device read, CPU-populated memory", size, t, memcpy_gbs);

	/* Migration to device memory, one 2 MiB range per call. */
	t = now();
	for (off = 0; off < size && !err; off += SZ_2M)
		err = dmirror(fd, HMM_DMIRROR_MIGRATE_TO_DEV, a + off, buf, SZ_2M);
	t = now() - t;
	if (err)
		printf("  test_hmm migrate to device failed: %s\n", strerror(-err));
	else
		row("test_hmm: migrate to device, 2 MiB ranges", size, t, memcpy_gbs);

	/* CPU faults bring the pages back (test_hmm: one page per fault). */
	if (!err) {
		volatile char *p = a;
		unsigned long sum = 0;

		t = now();
		for (off = 0; off < size; off += 4096)
			sum += p[off];
		t = now() - t;
		row("test_hmm: CPU fault back to system memory", size, t, memcpy_gbs);
		if (sum != 3 * (size / 4096))
			printf("  DATA MISMATCH after fault back: sum %lu\n", sum);
	}

	/* Explicit migration back, 2 MiB per call. */
	for (off = 0; off < size && !err; off += SZ_2M)
		err = dmirror(fd, HMM_DMIRROR_MIGRATE_TO_DEV, a + off, buf, SZ_2M);
	t = now();
	for (off = 0; off < size && !err; off += SZ_2M)
		err = dmirror(fd, HMM_DMIRROR_MIGRATE_TO_SYS, a + off, buf, SZ_2M);
	t = now() - t;
	if (!err)
		row("test_hmm: migrate to system, 2 MiB ranges", size, t, memcpy_gbs);

	munmap(a, size);
	munmap(buf, size);
	close(fd);
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	size_t size = mb << 20;
	double t, memcpy_gbs;
	char *a, *b;

	a = map_anon(size);
	b = map_anon(size);

	printf("xe_svm_bench: %zu MiB per measurement, %ld CPUs\n", mb,
	       sysconf(_SC_NPROCESSORS_ONLN));

	/* The copy ceiling: memcpy between two populated buffers. */
	memset(a, 1, size);
	memset(b, 2, size);
	memcpy(b, a, size);
	t = now();
	memcpy(b, a, size);
	t = now() - t;
	memcpy_gbs = size / t / 1e9;
	row("memcpy (populated to populated)", size, t, memcpy_gbs);
	munmap(a, size);
	munmap(b, size);

	bench_test_hmm(size, memcpy_gbs);
	bench_svm(size, memcpy_gbs);
	return 0;
}
