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
 * Two comparisons the SVM work is judged by come first, each with its
 * ratio on a "RATIO" line:
 *
 * - first GPU touch of a malloc()'d buffer (untouched, and initialised by
 *   the CPU) through the xe SVM fault path, against test_hmm's device read
 *   of a buffer in the same state and of the same size;
 * - the cost of one GPU fault that creates a range, with 10 live ranges
 *   and with 100 000 live ranges in the VM (4 KiB ranges, one per CPU
 *   mapping, so that every range has its own notifier).
 *
 * Usage: xe_svm_bench [MiB [first-touch MiB [live ranges]]]
 *        (defaults 256, 1024, 100000)
 */
#include <errno.h>
#include <malloc.h>
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

/* 2 MiB aligned (ranges are whole 2 MiB blocks), base pages only. */
static void *map_anon(size_t size)
{
	void *p = map_anon_thp(size);

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

static char *page_up(char *p)
{
	return (char *)(((uintptr_t)p + 4095) & ~(uintptr_t)4095);
}

/* test_hmm reads through a kernel bounce buffer of this many bytes per call. */
#define HMM_READ_CHUNK	(256UL << 20)

/* test_hmm's device read of [a, a + size), in HMM_READ_CHUNK calls. */
static double test_hmm_read(int fd, char *a, char *buf, size_t size)
{
	size_t off;
	double t = now();

	for (off = 0; off < size; off += HMM_READ_CHUNK) {
		size_t len = size - off < HMM_READ_CHUNK ? size - off : HMM_READ_CHUNK;

		if (dmirror(fd, HMM_DMIRROR_READ, a + off, buf, len)) {
			printf("  test_hmm read failed: %s\n", strerror(errno));
			return -1;
		}
	}
	return now() - t;
}

/*
 * First device touch of a malloc()'d buffer: test_hmm's read against the
 * xe SVM fault path (one COMPARE over the buffer: every word is read and
 * checked). Each side gets its own fresh buffer in the same state.
 */
static void bench_first_touch(size_t size)
{
	static const char *const state[] = { "untouched", "CPU-initialised" };
	int hmm_fd = open("/dev/hmm_dmirror0", O_RDWR);
	int emu_fd = __emu_open();
	uint64_t faults;
	unsigned int init;
	char *buf, *a;
	uint32_t vm;

	printf("first device touch of a %zu MiB malloc()'d buffer:\n", size >> 20);
	if (hmm_fd < 0 || emu_fd < 0 || __emu_vm_create(emu_fd, EMU_VM_MIRROR, &vm)) {
		printf("  (needs test_hmm and xe_svm_emu loaded)\n");
		goto out;
	}
	buf = map_anon(HMM_READ_CHUNK);

	/*
	 * test_hmm wants page-aligned addresses: both sides use the whole
	 * pages of a buffer malloc()'d one page larger.
	 */
	for (init = 0; init < 2; init++) {
		double t_hmm, t_svm;

		a = malloc(size + 4096);
		if (!a)
			break;
		if (init)
			memset(a, 3, size + 4096);
		t_hmm = test_hmm_read(hmm_fd, page_up(a), buf, size);
		free(a);

		a = malloc(size + 4096);
		if (!a)
			break;
		if (init)
			memset(a, 3, size + 4096);
		t_svm = svm_pass(emu_fd, vm, page_up(a), size, false,
				 init ? 0x0303030303030303ULL : 0, &faults);
		free(a);
		if (t_hmm < 0 || t_svm < 0)
			continue;

		printf("  %-16s test_hmm %8.1f ms, xe SVM %8.1f ms (%llu faults)\n",
		       state[init], t_hmm * 1e3, t_svm * 1e3,
		       (unsigned long long)faults);
		printf("RATIO first-touch-%s test_hmm/xe_svm %.2f\n",
		       init ? "initialised" : "untouched", t_hmm / t_svm);
	}
	munmap(buf, HMM_READ_CHUNK);
out:
	if (emu_fd >= 0)
		close(emu_fd);
	if (hmm_fd >= 0)
		close(hmm_fd);
}

/* Where the one-page mappings of the range benchmark go (8 KiB apart). */
#define RANGES_BASE	0x200000000000UL

/*
 * Map @n one-page anonymous mappings from page slot @first on, each its
 * own VMA (a hole between two), so that each GPU fault makes a 4 KiB range.
 */
static int map_pages(unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++) {
		void *want = (void *)(RANGES_BASE + i * 8192);

		if (mmap(want, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != want)
			return -errno;
	}
	return 0;
}

/*
 * Unmap what map_pages() mapped, 1024 mappings per call: one munmap() of
 * 200 000 VMAs runs long enough without a reschedule to trip the soft
 * lockup detector under TCG with KASAN.
 */
static void unmap_pages(unsigned long first, unsigned long n)
{
	unsigned long i, len;

	for (i = 0; i < n; i += len) {
		len = n - i < 1024 ? n - i : 1024;
		munmap((void *)(RANGES_BASE + (first + i) * 8192), len * 8192);
	}
}

/* GPU-read one word of each page slot [first, first + n): n faults. */
static double fault_pages(int fd, uint32_t vm, unsigned long first, unsigned long n,
			  uint64_t *faults)
{
	struct xe_svm_emu_op *ops = calloc(n, sizeof(*ops));
	unsigned long i;
	double t;
	int err;

	if (!ops)
		return -1;
	for (i = 0; i < n; i++)
		ops[i] = emu_op_read((void *)(RANGES_BASE + (first + i) * 8192));
	t = now();
	err = __emu_exec(fd, vm, ops, n, faults);
	t = now() - t;
	for (i = 0; !err && i < n; i++)
		if (ops[i].result || ops[i].out)
			err = ops[i].result ?: -EIO;
	free(ops);
	if (err) {
		printf("  range benchmark: exec failed: %s\n", strerror(-err));
		return -1;
	}
	return t;
}

/*
 * The cost of a GPU fault that creates a range, with few and with many
 * ranges live: the range tree, the interval notifiers and the GPU page
 * table all grow with the number of ranges.
 */
static void bench_live_ranges(unsigned long many)
{
	const unsigned long few = 10, probe = 2000;
	unsigned long live[2] = { few, many };
	int fd = __emu_open();
	double cost[2] = { -1, -1 };
	unsigned long slot = 0;
	unsigned int k;
	uint64_t faults;
	FILE *f;

	printf("GPU fault cost with live ranges (4 KiB ranges, %lu new ranges timed):\n",
	       probe);
	if (fd < 0) {
		printf("  (needs xe_svm_emu loaded)\n");
		return;
	}
	/* Two VMAs per page: the default limit of 65530 is too low. */
	f = fopen("/proc/sys/vm/max_map_count", "w");
	if (f) {
		fprintf(f, "%lu\n", 2 * (many + 2 * probe) + 65536);
		fclose(f);
	}

	for (k = 0; k < 2; k++) {
		struct xe_svm_emu_stats st;
		uint32_t vm;
		double t;

		if (__emu_vm_create(fd, EMU_VM_MIRROR, &vm))
			break;
		if (map_pages(slot, live[k] + probe)) {
			printf("  mmap of %lu pages failed\n", live[k] + probe);
			break;
		}
		t = fault_pages(fd, vm, slot, live[k], &faults);
		if (t >= 0)
			t = fault_pages(fd, vm, slot + live[k], probe, &faults);
		if (t >= 0 && !__emu_stats(fd, vm, &st)) {
			cost[k] = t / probe;
			printf("  %6lu live ranges: %8.1f us per fault (%llu faults timed, %llu ranges live)\n",
			       live[k], cost[k] * 1e6, (unsigned long long)faults,
			       (unsigned long long)st.ranges_live);
		}
		__emu_vm_destroy(fd, vm);
		unmap_pages(slot, live[k] + probe);
		slot += live[k] + probe;
	}
	if (cost[0] > 0 && cost[1] > 0)
		printf("RATIO fault-cost %lu/%lu-live-ranges %.2f\n", many, few,
		       cost[1] / cost[0]);
	close(fd);
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	size_t touch_mb = argc > 2 ? strtoul(argv[2], NULL, 0) : 1024;
	unsigned long ranges = argc > 3 ? strtoul(argv[3], NULL, 0) : 100000;
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

	/* malloc() of large blocks goes to mmap(), as in any application. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	bench_first_touch(touch_mb << 20);
	bench_live_ranges(ranges);

	bench_test_hmm(size, memcpy_gbs);
	bench_svm(size, memcpy_gbs);
	return 0;
}
