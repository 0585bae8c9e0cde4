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
 * Those xe SVM measurements are of the system-memory paths: their VMs are
 * set to XE_SVM_EMU_PLACE_SYSTEM, so that no GPU fault migrates anything
 * and the figures mean what they meant before device memory existed.
 * Only the migration benchmark keeps a VM's default placement (VRAM of
 * tile 0).
 *
 * The comparisons the SVM work is judged by each have their ratio on a
 * "RATIO" line:
 *
 * - first GPU touch of a malloc()'d buffer (untouched, and initialised by
 *   the CPU) through the xe SVM fault path, against test_hmm's device read
 *   of a buffer in the same state and of the same size;
 * - the cost of one GPU fault that creates a range, with 10 live ranges
 *   and with 100 000 live ranges in the VM (4 KiB ranges, one per CPU
 *   mapping, so that every range has its own notifier);
 * - migration of a CPU-initialised buffer, 2 MiB at a time, to device
 *   memory (xe SVM: one GPU read per 2 MiB, each a fault that migrates
 *   its 2 MiB range to VRAM; test_hmm: HMM_DMIRROR_MIGRATE_TO_DEV of
 *   2 MiB) and back to system memory on CPU faults (xe SVM: one CPU read
 *   per 2 MiB, each fault brings its 2 MiB back; test_hmm: one read per
 *   4 KiB page, as it migrates one page per fault), each as a fraction of
 *   memcpy and as test_hmm's time over ours;
 * - VM_BIND PREFETCH of a CPU-initialised buffer to VRAM followed by one
 *   fault-free GPU pass, against the fault-driven first pass over another
 *   buffer of the same size and contents (the fault-driven time over the
 *   prefetch-and-pass time);
 * - eviction under VRAM pressure: a first GPU pass over buffer A fills
 *   the free VRAM of tile 0 but 2 MiB left for the page tables (each
 *   2 MiB range migrated in), a pass over
 *   buffer B of the same size then migrates each range in after TTM
 *   evicted one of A's to make room; the extra time of B's pass is the
 *   cost of evicting A, whose bytes as a fraction of memcpy is the
 *   eviction throughput.
 *
 * The migration benchmark also breaks each 2 MiB migration down by phase
 * (allocate the destination, collect the sources with
 * migrate_vma_setup(), copy, migrate_vma_pages() + finalize) and each
 * GPU fault by step (placement, which contains the migration; the walk
 * of the CPU page tables; DMA mapping; the commit), from the kernel's own
 * timestamps (debugfs xe_svm_emu/tile0_timing and the VM's counters file):
 * what the timed operation spent outside them is the ioctl, the emulated
 * GPU's access and, for CPU faults, the kernel's fault entry and exit.
 *
 * Usage: xe_svm_bench [MiB [first-touch MiB [live ranges]]]
 *        (defaults 256, 1024, 100000)
 */
#include <errno.h>
#include <glob.h>
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

/*
 * A mirror VM for the system-memory paths: XE_SVM_EMU_PLACE_SYSTEM, so
 * that no GPU fault migrates anything to VRAM. 0 or -errno (printed).
 */
static int svm_vm_system(int fd, uint32_t *vm)
{
	int err = __emu_vm_create(fd, EMU_VM_MIRROR, vm);

	if (err) {
		printf("  xe SVM: VM_CREATE failed: %s\n", strerror(-err));
		return err;
	}
	err = __emu_vm_placement(fd, *vm, XE_SVM_EMU_PLACE_SYSTEM, 0);
	if (err) {
		printf("  xe SVM: VM_PLACEMENT (system memory) failed: %s\n",
		       strerror(-err));
		__emu_vm_destroy(fd, *vm);
	}
	return err;
}

/* The xe SVM paths, through the emulated device (system memory only). */
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
	if (svm_vm_system(fd, &vm)) {
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

/*
 * test_hmm's explicit migration of [a, a + size), one 2 MiB request per
 * call (@req: HMM_DMIRROR_MIGRATE_TO_DEV or _TO_SYS; @buf gets the 2 MiB
 * test_hmm reads back after a migration to the device). The time, or -1
 * on failure (printed).
 */
static double hmm_migrate(int fd, unsigned long req, char *a, char *buf, size_t size)
{
	size_t off;
	double t;
	int err = 0;

	t = now();
	for (off = 0; off < size && !err; off += SZ_2M)
		err = dmirror(fd, req, a + off, buf, SZ_2M);
	t = now() - t;
	if (err) {
		printf("  test_hmm migrate to %s failed: %s\n",
		       req == HMM_DMIRROR_MIGRATE_TO_DEV ? "device" : "system",
		       strerror(-err));
		return -1;
	}
	return t;
}

/*
 * The CPU reads one word every @stride bytes of [p, p + size): where the
 * data is in device memory, each read is a CPU fault that migrates it
 * back. The time; *sum gets the sum of the words read.
 */
static double cpu_read_words(const uint64_t *p, size_t size, size_t stride,
			     uint64_t *sum)
{
	const volatile uint64_t *v = p;
	uint64_t acc = 0;
	size_t off;
	double t;

	t = now();
	for (off = 0; off < size; off += stride)
		acc += v[off / 8];
	t = now() - t;
	*sum = acc;
	return t;
}

/* The reference: lib/test_hmm.c. */
static void bench_test_hmm(size_t size, double memcpy_gbs)
{
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
	if (!err) {
		t = hmm_migrate(fd, HMM_DMIRROR_MIGRATE_TO_DEV, a, buf, size);
		err = t < 0;
		if (!err)
			row("test_hmm: migrate to device, 2 MiB ranges", size, t, memcpy_gbs);
	}

	/* CPU faults bring the pages back (test_hmm: one page per fault). */
	if (!err) {
		uint64_t sum;

		t = cpu_read_words((uint64_t *)a, size, 4096, &sum);
		row("test_hmm: CPU fault back to system memory", size, t, memcpy_gbs);
		if (sum != 0x0303030303030303ULL * (size / 4096))
			printf("  DATA MISMATCH after fault back: sum 0x%llx\n",
			       (unsigned long long)sum);
	}

	/* Explicit migration back, 2 MiB per call. */
	if (!err && hmm_migrate(fd, HMM_DMIRROR_MIGRATE_TO_DEV, a, buf, size) >= 0) {
		t = hmm_migrate(fd, HMM_DMIRROR_MIGRATE_TO_SYS, a, buf, size);
		if (t >= 0)
			row("test_hmm: migrate to system, 2 MiB ranges", size, t, memcpy_gbs);
	}

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
	if (hmm_fd < 0 || emu_fd < 0) {
		printf("  (needs test_hmm and xe_svm_emu loaded)\n");
		goto out;
	}
	if (svm_vm_system(emu_fd, &vm))
		goto out;
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

		if (svm_vm_system(fd, &vm))
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

/* The pattern of the migration buffers: word i is MIG_V + i * MIG_S. */
#define MIG_V	0x0123456789abcdefULL
#define MIG_S	0x9e3779b97f4a7c15ULL

/* The migration figures of one run: times, or -1 where invalid or failed. */
struct mig_times {
	double to_dev;		/* system memory -> device memory, 2 MiB at a time */
	double to_ram;		/* back on CPU faults (test_hmm: one word per page) */
	double to_ram_2m;	/* test_hmm: one word per 2 MiB (ours: = to_ram) */
};

/*
 * Words of p[0..nwords) that are not MIG_V + i * MIG_S; the first one is
 * printed, with @what.
 */
static size_t mig_check(const uint64_t *p, size_t nwords, const char *what)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < nwords; i++) {
		if (p[i] != MIG_V + i * MIG_S) {
			if (!bad)
				first = i;
			bad++;
		}
	}
	if (bad)
		printf("  DATA MISMATCH %s: %zu of %zu words differ, first at word %zu: "
		       "0x%016llx, expected 0x%016llx\n", what, bad, nwords, first,
		       (unsigned long long)p[first],
		       (unsigned long long)(MIG_V + first * MIG_S));
	return bad;
}

/* Pages of [p, p + size) the GPU of @vm maps from VRAM, or -1. */
static long svm_vram_pages(int fd, uint32_t vm, const char *p, size_t size)
{
	size_t npages = size / SZ_4K, done, n, i;
	uint32_t *e = calloc(XE_SVM_EMU_MAX_SNAPSHOT, sizeof(*e));
	long vram = 0;
	int err = 0;

	if (!e)
		return -1;
	for (done = 0; done < npages && !err; done += n) {
		n = npages - done < XE_SVM_EMU_MAX_SNAPSHOT ?
		    npages - done : XE_SVM_EMU_MAX_SNAPSHOT;
		err = __emu_snapshot(fd, vm, (uintptr_t)(p + done * SZ_4K), e, n);
		for (i = 0; !err && i < n; i++)
			vram += !!(e[i] & XE_SVM_EMU_SNAP_VRAM);
	}
	free(e);
	if (err) {
		printf("  xe SVM: SNAPSHOT failed: %s\n", strerror(-err));
		return -1;
	}
	return vram;
}

/*
 * The GPU COMPAREs [p, p + size) against the pattern (no fault expected:
 * everything is mapped). 0 if it all matched.
 */
static int svm_compare_pattern(int fd, uint32_t vm, const char *p, size_t size)
{
	struct xe_svm_emu_op ops[64];
	unsigned int n = 0, i;
	uint64_t faults;
	size_t off;
	int err;

	for (off = 0; off < size && n < 64; off += SVM_OP_BYTES, n++) {
		size_t len = size - off < SVM_OP_BYTES ? size - off : SVM_OP_BYTES;

		ops[n] = emu_op_compare(p + off, len, MIG_V + off / 8 * MIG_S, MIG_S);
	}
	err = __emu_exec(fd, vm, ops, n, &faults);
	if (err) {
		printf("  xe SVM: COMPARE exec failed: %s\n", strerror(-err));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ops[i].result || ops[i].out != XE_SVM_EMU_COMPARE_EQUAL) {
			printf("  DATA MISMATCH xe SVM: GPU COMPARE op %u: result %d, out 0x%llx\n",
			       i, ops[i].result, (unsigned long long)ops[i].out);
			return -1;
		}
	}
	if (faults)
		printf("  note: the GPU COMPARE after the migration took %llu faults\n",
		       (unsigned long long)faults);
	return 0;
}

static void print_tile_stats(const char *what, const struct xe_svm_emu_tile_stats *a,
			     const struct xe_svm_emu_tile_stats *b)
{
#define D(f) (unsigned long long)b->f, (unsigned long long)(b->f - a->f)
	printf("  %s: bytes_copied %llu (+%llu), migrated_to_vram %llu (+%llu) pages, "
	       "migrated_to_ram %llu (+%llu) pages,\n"
	       "    cpu_faults %llu (+%llu), alloc_failures %llu (+%llu), "
	       "copy_failures %llu (+%llu), VRAM pages in use %llu of %llu\n",
	       what, D(bytes_copied), D(migrated_to_vram), D(migrated_to_ram),
	       D(cpu_faults), D(alloc_failures), D(copy_failures),
	       (unsigned long long)b->vram_pages_in_use,
	       (unsigned long long)b->vram_pages);
#undef D
}

/* --- where the time of a migration went ------------------------------ */

#define TILE0_TIMING	"/sys/kernel/debug/xe_svm_emu/tile0_timing"
#define PHASES		4

static const char *const phase_names[PHASES] = { "alloc", "collect", "copy", "finalize" };
static const char *const fault_steps[] = { "place_ns", "walk_ns", "dma_map_ns", "bind_ns" };
#define FAULT_STEPS	(sizeof(fault_steps) / sizeof(fault_steps[0]))

/* The value of "@key: value" in the file at @path; false if missing. */
static bool read_key(const char *path, const char *key, unsigned long long *v)
{
	size_t klen = strlen(key);
	char line[160];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, key, klen) && line[klen] == ':' &&
			sscanf(line + klen + 1, "%llu", v) == 1;
	fclose(f);
	return found;
}

/* The kernel's migration and fault timing counters at one point in time. */
struct timing {
	bool ok;
	unsigned long long dir[2][PHASES + 2];	/* to_vram, to_ram: phases, migrations, pages */
	unsigned long long fault[FAULT_STEPS];
	bool fault_ok;
};

/* The debugfs counters file of VM @vm of this process (the last match). */
static bool vm_debugfs_path(uint32_t vm, char *path, size_t len)
{
	char pattern[96];
	glob_t g;
	bool ok;

	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/xe_svm_emu/pid%d-file*-vm%u",
		 (int)getpid(), vm);
	if (glob(pattern, 0, NULL, &g))
		return false;
	ok = g.gl_pathc >= 1;
	if (ok)
		snprintf(path, len, "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return ok;
}

static struct timing timing_read(uint32_t vm)
{
	static const char *const dirs[2] = { "to_vram", "to_ram" };
	struct timing t = { .ok = true, .fault_ok = true };
	char key[48], path[128];
	unsigned int d, i;

	for (d = 0; d < 2; d++) {
		for (i = 0; i < PHASES; i++) {
			snprintf(key, sizeof(key), "%s_%s_ns", dirs[d], phase_names[i]);
			t.ok = t.ok && read_key(TILE0_TIMING, key, &t.dir[d][i]);
		}
		snprintf(key, sizeof(key), "%s_migrations", dirs[d]);
		t.ok = t.ok && read_key(TILE0_TIMING, key, &t.dir[d][PHASES]);
		snprintf(key, sizeof(key), "%s_pages", dirs[d]);
		t.ok = t.ok && read_key(TILE0_TIMING, key, &t.dir[d][PHASES + 1]);
	}
	t.fault_ok = vm_debugfs_path(vm, path, sizeof(path));
	for (i = 0; t.fault_ok && i < FAULT_STEPS; i++)
		t.fault_ok = read_key(path, fault_steps[i], &t.fault[i]);
	return t;
}

/*
 * Print where the migrations of direction @d (0 to VRAM, 1 back) between
 * @a and @b spent their time, per 2 MiB, against the @secs the benchmark
 * measured for @size bytes; to VRAM also the steps of the faults (or, with
 * @prefetch, of the prefetch's maps, whose placement is not timed).
 */
static void timing_print(const struct timing *a, const struct timing *b, unsigned int d,
			 double secs, size_t size, bool prefetch)
{
	unsigned long long n = b->dir[d][PHASES] - a->dir[d][PHASES], sum = 0, ns;
	double per = size / (double)SZ_2M, total_us = secs * 1e6 / per;
	unsigned int i;

	if (!a->ok || !b->ok || !n) {
		printf("    (no phase breakdown: %s)\n", !a->ok || !b->ok ?
		       "cannot read " TILE0_TIMING : "no migration counted");
		return;
	}
	printf("    breakdown per 2 MiB, kernel timestamps (%llu migrations, %llu pages):\n",
	       n, b->dir[d][PHASES + 1] - a->dir[d][PHASES + 1]);
	for (i = 0; i < PHASES; i++) {
		ns = b->dir[d][i] - a->dir[d][i];
		sum += ns;
		printf("      %-10s %10.1f us  %5.1f%%\n", phase_names[i], ns / 1e3 / per,
		       100.0 * ns / 1e3 / per / total_us);
	}
	printf("      %-10s %10.1f us  %5.1f%%   (the migration itself)\n", "sum",
	       sum / 1e3 / per, 100.0 * sum / 1e3 / per / total_us);
	if (d == 0 && a->fault_ok && b->fault_ok) {
		for (i = prefetch ? 1 : 0; i < FAULT_STEPS; i++) {
			ns = b->fault[i] - a->fault[i];
			printf("      %s %-14s %10.1f us  %5.1f%%%s\n",
			       prefetch ? "map" : "fault", fault_steps[i],
			       ns / 1e3 / per, 100.0 * ns / 1e3 / per / total_us,
			       i ? "" : "  (contains the migration)");
		}
	}
	printf("      %-10s %10.1f us  (what the benchmark timed)\n", "measured", total_us);
}

/*
 * xe SVM: a CPU-initialised buffer in a VM with the default placement
 * (VRAM of tile 0). One GPU READ per 2 MiB: each is a GPU fault that
 * migrates its 2 MiB range to VRAM (copy engine, fence waited) and maps
 * it. Then one CPU read per 2 MiB: each is a CPU fault that migrates its
 * 2 MiB window back. Checks, outside the timing: the GPU sees the data
 * (COMPARE) and maps every page from VRAM (SNAPSHOT); the tile moved
 * every page back, and the CPU sees the data. A figure that fails its
 * check is printed as INVALID and not returned.
 */
static void mig_svm(int fd, size_t size, double memcpy_gbs, struct mig_times *r)
{
	size_t nblk = size / SZ_2M, npages = size / SZ_4K, i, bad = 0;
	struct xe_svm_emu_tile_stats ts0, ts1, ts2;
	struct timing tm0, tm1;
	bool valid, have_ts;
	struct xe_svm_emu_stats st;
	struct xe_svm_emu_op *ops;
	uint64_t faults = 0, sum;
	char label[96];
	uint64_t *a;
	uint32_t vm;
	long vram;
	double t;
	int err;

	err = __emu_vm_create(fd, EMU_VM_MIRROR, &vm);
	if (err) {
		printf("  xe SVM: VM_CREATE failed: %s\n", strerror(-err));
		return;
	}
	ops = calloc(nblk, sizeof(*ops));
	a = map_anon(size);
	if (!ops) {
		printf("  xe SVM: out of memory\n");
		goto out;
	}
	emu_fill_linear(a, size / 8, MIG_V, MIG_S);
	for (i = 0; i < nblk; i++)
		ops[i] = emu_op_read(&a[i * (SZ_2M / 8)]);
	have_ts = !__emu_tile_stats(fd, 0, &ts0);
	tm0 = timing_read(vm);

	t = now();
	err = __emu_exec(fd, vm, ops, nblk, &faults);
	t = now() - t;
	tm1 = timing_read(vm);
	if (err) {
		printf("  xe SVM: exec of %zu GPU reads failed: %s\n", nblk, strerror(-err));
		goto out;
	}
	for (i = 0; i < nblk; i++)
		bad += ops[i].result || ops[i].out != MIG_V + i * (SZ_2M / 8) * MIG_S;
	if (bad)
		printf("  DATA MISMATCH xe SVM: %zu of %zu GPU reads failed or read a wrong word\n",
		       bad, nblk);
	valid = !bad && !svm_compare_pattern(fd, vm, (char *)a, size);
	vram = svm_vram_pages(fd, vm, (char *)a, size);
	if (vram >= 0 && (size_t)vram != npages) {
		printf("  WARNING: after the GPU reads %ld of %zu pages are in VRAM: "
		       "the figure is not one of migration, INVALID\n", vram, npages);
		valid = false;
	}
	snprintf(label, sizeof(label), "xe SVM: migrate to VRAM on GPU fault (%llu faults)%s",
		 (unsigned long long)faults, valid ? "" : " INVALID");
	row(label, size, t, memcpy_gbs);
	timing_print(&tm0, &tm1, 0, t, size, false);
	if (valid)
		r->to_dev = t;

	/* Back to system memory: one CPU fault per 2 MiB. */
	have_ts = have_ts && !__emu_tile_stats(fd, 0, &ts1);
	tm0 = timing_read(vm);
	t = cpu_read_words(a, size, SZ_2M, &sum);
	tm1 = timing_read(vm);
	have_ts = have_ts && !__emu_tile_stats(fd, 0, &ts2);
	if (have_ts && ts2.migrated_to_ram - ts1.migrated_to_ram < npages) {
		printf("  WARNING: the CPU reads moved %llu of %zu pages back to system "
		       "memory: the figure is not one of migration, INVALID\n",
		       (unsigned long long)(ts2.migrated_to_ram - ts1.migrated_to_ram),
		       npages);
		valid = false;
	}
	if (mig_check(a, size / 8, "xe SVM: after the CPU faults"))
		valid = false;
	snprintf(label, sizeof(label), "xe SVM: migrate to RAM on CPU fault, 1 word/2 MiB%s",
		 valid ? "" : " INVALID");
	row(label, size, t, memcpy_gbs);
	timing_print(&tm0, &tm1, 1, t, size, false);
	if (have_ts)
		printf("    (%llu CPU faults on VRAM pages, %llu pages moved back)\n",
		       (unsigned long long)(ts2.cpu_faults - ts1.cpu_faults),
		       (unsigned long long)(ts2.migrated_to_ram - ts1.migrated_to_ram));
	if (valid)
		r->to_ram = r->to_ram_2m = t;

	if (!__emu_stats(fd, vm, &st))
		printf("  xe SVM VM: %llu GPU faults, %llu migrated to VRAM, %llu fell back to "
		       "system memory\n", (unsigned long long)st.faults,
		       (unsigned long long)st.vram_migrations,
		       (unsigned long long)st.vram_fallbacks);
	if (have_ts && !__emu_tile_stats(fd, 0, &ts2))
		print_tile_stats("tile 0 after the runs (+ change during them)", &ts0, &ts2);
out:
	free(ops);
	munmap(a, size);
	__emu_vm_destroy(fd, vm);
}

/* Pages of [a, a + size) test_hmm has in its device memory, or -1. */
static long hmm_dev_pages(int fd, char *a, size_t size)
{
	size_t npages = size / 4096, i;
	unsigned char *perm = malloc(npages);
	long n = 0;

	if (!perm)
		return -1;
	if (dmirror(fd, HMM_DMIRROR_SNAPSHOT, a, perm, size)) {
		free(perm);
		return -1;
	}
	for (i = 0; i < npages; i++)
		n += (perm[i] & 0xf0) == HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL;
	free(perm);
	return n;
}

/*
 * test_hmm on the same buffer: HMM_DMIRROR_MIGRATE_TO_DEV of 2 MiB per
 * call, then CPU faults back: one word per 4 KiB page (test_hmm migrates
 * one page per CPU fault, so this is what brings the whole buffer back),
 * and, after migrating again, one word per 2 MiB (our access pattern;
 * moves one page per fault).
 */
static void mig_test_hmm(size_t size, double memcpy_gbs, struct mig_times *r)
{
	size_t nblk = size / SZ_2M, npages = size / SZ_4K;
	char label[96], *buf = NULL;
	uint64_t *a = NULL, sum;
	bool valid;
	long dev;
	double t;
	int fd;

	fd = open("/dev/hmm_dmirror0", O_RDWR);
	if (fd < 0) {
		printf("  (test_hmm: /dev/hmm_dmirror0: %s; test_hmm not loaded?)\n",
		       strerror(errno));
		return;
	}
	buf = map_anon(SZ_2M);
	a = map_anon(size);
	emu_fill_linear(a, size / 8, MIG_V, MIG_S);

	t = hmm_migrate(fd, HMM_DMIRROR_MIGRATE_TO_DEV, (char *)a, buf, size);
	if (t < 0)
		goto out;
	dev = hmm_dev_pages(fd, (char *)a, size);
	valid = dev < 0 || (size_t)dev == npages;
	if (!valid)
		printf("  WARNING: after the migration %ld of %zu pages are in test_hmm's "
		       "device memory: the figure is not one of migration, INVALID\n",
		       dev, npages);
	snprintf(label, sizeof(label), "test_hmm: migrate to device, 2 MiB requests%s",
		 valid ? "" : " INVALID");
	row(label, size, t, memcpy_gbs);
	if (valid)
		r->to_dev = t;

	/* One CPU fault per page. */
	t = cpu_read_words(a, size, SZ_4K, &sum);
	if (mig_check(a, size / 8, "test_hmm: after the CPU faults"))
		valid = false;
	snprintf(label, sizeof(label), "test_hmm: migrate to RAM on CPU fault, 1 word/4 KiB%s",
		 valid ? "" : " INVALID");
	row(label, size, t, memcpy_gbs);
	if (valid)
		r->to_ram = t;

	/* Our access pattern: one CPU fault per 2 MiB, one page each. */
	if (hmm_migrate(fd, HMM_DMIRROR_MIGRATE_TO_DEV, (char *)a, buf, size) < 0)
		goto out;
	dev = hmm_dev_pages(fd, (char *)a, size);
	valid = dev < 0 || (size_t)dev == npages;
	t = cpu_read_words(a, size, SZ_2M, &sum);
	/* Outside the timing: reading every word faults the rest back. */
	if (mig_check(a, size / 8, "test_hmm: after the CPU faults (2 MiB stride)"))
		valid = false;
	printf("  %-48s %8.1f us per fault (%zu faults, 4 KiB moved by each)%s\n",
	       "test_hmm: CPU fault, 1 word/2 MiB", t / nblk * 1e6, nblk,
	       valid ? "" : " INVALID");
	if (valid)
		r->to_ram_2m = t;
out:
	munmap(a, size);
	munmap(buf, SZ_2M);
	close(fd);
}

/*
 * Migration to device memory and back on CPU faults, 2 MiB at a time, of
 * a CPU-initialised buffer (base pages, as test_hmm migrates only those):
 * xe SVM against test_hmm, same size, same data. The buffer is at most
 * what tile 0 has free of VRAM. test_hmm's device memory was already
 * grown to this size by bench_test_hmm(), so neither side pays for
 * setting device memory up here.
 */
static void bench_migration(size_t size, double memcpy_gbs)
{
	struct mig_times ours = { -1, -1, -1 }, hmm = { -1, -1, -1 };
	struct xe_svm_emu_tile_stats ts;
	size_t want = size & ~(SZ_2M - 1);
	int fd = __emu_open();

	size = want;
	if (fd >= 0 && !__emu_tile_stats(fd, 0, &ts)) {
		size_t vram_free = (ts.vram_pages - ts.vram_pages_in_use) * SZ_4K;

		if (size > (vram_free & ~(SZ_2M - 1)))
			size = vram_free & ~(SZ_2M - 1);
	}
	printf("migration of a CPU-initialised %zu MiB buffer, 2 MiB at a time:\n",
	       size >> 20);
	if (size < want)
		printf("  (not %zu MiB: tile 0 has only %zu MiB of VRAM free)\n",
		       want >> 20, size >> 20);
	if (!size) {
		printf("  (no room: the buffer must be at least 2 MiB)\n");
		goto out;
	}
	if (fd < 0)
		printf("  (xe SVM: " EMU_DEV ": %s; xe_svm_emu not loaded?)\n",
		       strerror(-fd));
	else
		mig_svm(fd, size, memcpy_gbs, &ours);
	mig_test_hmm(size, memcpy_gbs, &hmm);

	/* Fractions of memcpy (higher is better), then test_hmm's time / ours. */
	if (ours.to_dev > 0)
		printf("RATIO migrate-to-vram-2m xe_svm/memcpy %.3f\n",
		       size / ours.to_dev / 1e9 / memcpy_gbs);
	if (ours.to_ram > 0)
		printf("RATIO migrate-to-ram-2m xe_svm/memcpy %.3f\n",
		       size / ours.to_ram / 1e9 / memcpy_gbs);
	if (ours.to_dev > 0 && hmm.to_dev > 0)
		printf("RATIO migrate-to-vram-2m test_hmm/xe_svm %.2f\n",
		       hmm.to_dev / ours.to_dev);
	if (ours.to_ram > 0 && hmm.to_ram > 0)
		printf("RATIO migrate-to-ram-2m test_hmm/xe_svm %.2f\n",
		       hmm.to_ram / ours.to_ram);
	if (ours.to_ram_2m > 0 && hmm.to_ram_2m > 0)
		printf("  (CPU faults at a 2 MiB stride, same access pattern: "
		       "test_hmm/xe_svm time %.2f, for 1/512 of the data)\n",
		       hmm.to_ram_2m / ours.to_ram_2m);
out:
	if (fd >= 0)
		close(fd);
}

/*
 * Prefetch against fault-driven first touch, on the emulated device (a
 * VM with the default placement, VRAM of tile 0): buffer A's first GPU
 * pass takes one GPU fault per 2 MiB, each migrating its range to VRAM;
 * buffer B, the same size and contents, is prefetched to VRAM with one
 * VM_BIND PREFETCH and then passed over once, fault-free. Both are timed
 * from the first call to the end of the pass; the data is checked by the
 * GPU COMPARE of the pass itself and the faults counted.
 */
/* Wait (5 s at most) until tile 0 has no more VRAM in use than @in_use. */
static void vram_settle(int fd, uint64_t in_use)
{
	struct xe_svm_emu_tile_stats ts;
	unsigned int i;

	for (i = 0; i < 500; i++) {
		if (__emu_tile_stats(fd, 0, &ts) || ts.vram_pages_in_use <= in_use)
			return;
		usleep(10000);
	}
	printf("  (VRAM in use still %llu pages above the start after 5 s)\n",
	       (unsigned long long)(ts.vram_pages_in_use - in_use));
}

static void bench_prefetch(size_t size, double memcpy_gbs)
{
	struct xe_svm_emu_tile_stats ts;
	uint64_t faults_a = 0, faults_b = 0, in_use;
	struct timing tf0, tf1, tp0, tp1;
	double t_fault, t_pre, t_pass;
	uint64_t *a, *b;
	uint32_t vm;
	int fd, err;

	printf("prefetch to VRAM, then one GPU pass, against the fault-driven first pass:\n");
	fd = __emu_open();
	if (fd < 0) {
		printf("  (xe SVM: " EMU_DEV ": %s; xe_svm_emu not loaded?)\n", strerror(-fd));
		return;
	}
	if (!__emu_tile_stats(fd, 0, &ts) &&
	    (ts.vram_pages - ts.vram_pages_in_use) * SZ_4K < size)
		size = (ts.vram_pages - ts.vram_pages_in_use) * SZ_4K / SZ_2M * SZ_2M;
	if (size < SZ_2M) {
		printf("  (no room: tile 0 has less than 2 MiB of VRAM free)\n");
		goto out_close;
	}
	err = __emu_vm_create(fd, EMU_VM_MIRROR, &vm);
	if (err) {
		printf("  xe SVM: VM_CREATE failed: %s\n", strerror(-err));
		goto out_close;
	}
	in_use = __emu_tile_stats(fd, 0, &ts) ? 0 : ts.vram_pages_in_use;

	a = map_anon(size);
	memset(a, 0x5a, size);
	tf0 = timing_read(vm);
	t_fault = svm_pass(fd, vm, a, size, false, 0x5a5a5a5a5a5a5a5aULL, &faults_a);
	tf1 = timing_read(vm);
	munmap(a, size);	/* gives its VRAM back for B */
	/*
	 * Device pages are given back to the allocator by a worker: let it
	 * finish, or B's measurement pays for A's teardown.
	 */
	vram_settle(fd, in_use);

	b = map_anon(size);
	memset(b, 0x5a, size);
	tp0 = timing_read(vm);
	t_pre = now();
	err = __emu_prefetch(fd, vm, (uintptr_t)b, size, 1);
	t_pre = now() - t_pre;
	tp1 = timing_read(vm);
	if (err) {
		printf("  xe SVM: PREFETCH failed: %s\n", strerror(-err));
		goto out_unmap;
	}
	t_pass = svm_pass(fd, vm, b, size, false, 0x5a5a5a5a5a5a5a5aULL, &faults_b);
	if (t_fault < 0 || t_pass < 0)
		goto out_unmap;
	svm_row("xe SVM: first GPU pass, fault-driven", size, t_fault, faults_a, memcpy_gbs);
	timing_print(&tf0, &tf1, 0, t_fault, size, false);
	svm_row("xe SVM: PREFETCH to VRAM", size, t_pre, 0, memcpy_gbs);
	timing_print(&tp0, &tp1, 0, t_pre, size, true);
	svm_row("xe SVM: GPU pass after the prefetch", size, t_pass, faults_b, memcpy_gbs);
	if (faults_b)
		printf("  WARNING: the pass after the prefetch took %llu faults: INVALID\n",
		       (unsigned long long)faults_b);
	else
		printf("RATIO prefetch-then-pass fault-driven/prefetched %.2f\n",
		       t_fault / (t_pre + t_pass));
out_unmap:
	munmap(b, size);
	__emu_vm_destroy(fd, vm);
out_close:
	close(fd);
}

/*
 * The emulated device's balloon (debugfs vram_balloon_mb): a pinned
 * object of @mb MiB at the bottom of each tile's VRAM. 0 if it was set.
 */
static int set_balloon(unsigned long mb)
{
	FILE *f = fopen("/sys/kernel/debug/xe_svm_emu/vram_balloon_mb", "w");
	int err;

	if (!f)
		return -errno;
	err = fprintf(f, "%lu\n", mb) < 0;
	return fclose(f) || err ? -EIO : 0;
}

/* Eviction under pressure, on the emulated device: see the top comment. */
static void bench_eviction(size_t size, double memcpy_gbs)
{
	struct xe_svm_emu_tile_stats t0, t1;
	uint64_t faults_a = 0, faults_b = 0, vram, free_vram;
	double t_fill, t_evict;
	uint64_t *a, *b;
	uint32_t vm;
	int fd, err;

	printf("eviction under VRAM pressure (2 MiB ranges, TTM evicting the oldest):\n");
	fd = __emu_open();
	if (fd < 0) {
		printf("  (xe SVM: " EMU_DEV ": %s; xe_svm_emu not loaded?)\n", strerror(-fd));
		return;
	}
	size &= ~(SZ_2M - 1);
	if (__emu_tile_stats(fd, 0, &t0)) {
		printf("  (no tile statistics)\n");
		goto out_close;
	}
	/*
	 * VRAM made as small as the buffer plus 2 MiB for the page tables
	 * (which take VRAM, one 4 KiB table per 2 MiB of GPU VA), so that B
	 * must evict A
	 */
	vram = t0.vram_pages * SZ_4K;
	if (vram > size + SZ_2M && set_balloon((vram - size - SZ_2M) >> 20))
		printf("  (no balloon: VRAM stays %llu MiB)\n", (unsigned long long)(vram >> 20));
	if (__emu_tile_stats(fd, 0, &t0))
		goto out_balloon;
	free_vram = vram - t0.vram_bytes_used;
	if (free_vram < size + SZ_2M)
		size = free_vram > SZ_2M ? (free_vram - SZ_2M) / SZ_2M * SZ_2M : 0;
	if (size < SZ_2M) {
		printf("  (no room: tile 0 has less than 2 MiB of VRAM free)\n");
		goto out_balloon;
	}
	err = __emu_vm_create(fd, EMU_VM_MIRROR, &vm);
	if (err) {
		printf("  xe SVM: VM_CREATE failed: %s\n", strerror(-err));
		goto out_balloon;
	}
	printf("  %zu MiB buffers, %llu MiB of VRAM free (2 MiB of it for page tables)\n",
	       size >> 20, (unsigned long long)(free_vram >> 20));
	a = map_anon(size);
	b = map_anon(size);
	memset(a, 0x5a, size);
	memset(b, 0xa5, size);
	t_fill = svm_pass(fd, vm, a, size, false, 0x5a5a5a5a5a5a5a5aULL, &faults_a);
	if (__emu_tile_stats(fd, 0, &t0))
		goto out_unmap;
	t_evict = svm_pass(fd, vm, b, size, false, 0xa5a5a5a5a5a5a5a5ULL, &faults_b);
	if (t_fill < 0 || t_evict < 0 || __emu_tile_stats(fd, 0, &t1))
		goto out_unmap;
	svm_row("xe SVM: GPU pass into free VRAM", size, t_fill, faults_a, memcpy_gbs);
	svm_row("xe SVM: GPU pass into full VRAM (evicting)", size, t_evict, faults_b,
		memcpy_gbs);
	printf("  %llu evictions, %llu MiB back to system memory\n",
	       (unsigned long long)(t1.evictions - t0.evictions),
	       (unsigned long long)((t1.migrated_to_ram - t0.migrated_to_ram) * SZ_4K >> 20));
	if (t1.evictions - t0.evictions != size / SZ_2M)
		printf("  WARNING: %zu evictions expected: INVALID\n", size / SZ_2M);
	else if (t_evict > t_fill)
		printf("RATIO evict-under-pressure-2m xe_svm/memcpy %.3f\n",
		       size / (t_evict - t_fill) / 1e9 / memcpy_gbs);
out_unmap:
	munmap(a, size);
	munmap(b, size);
	__emu_vm_destroy(fd, vm);
out_balloon:
	set_balloon(0);
out_close:
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
	bench_migration(size, memcpy_gbs);
	bench_prefetch(size, memcpy_gbs);
	bench_eviction(size, memcpy_gbs);
	return 0;
}
