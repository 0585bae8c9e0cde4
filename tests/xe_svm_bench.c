// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_bench: benchmarks, not tests. Measures, in one run on the same
 * bytes, the guest's memcpy bandwidth (the ceiling of any copy) and the
 * kernel's reference HMM device (lib/test_hmm.c) on the paths SVM will be
 * compared against: first device touch of untouched malloc'd memory,
 * migration of 2 MiB ranges to device memory, CPU faults that bring them
 * back, and explicit migration back. Prints absolute figures and ratios;
 * nothing here passes or fails.
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

#define SZ_2M (2UL << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	size_t size = mb << 20, off;
	double t, memcpy_gbs;
	char *a, *b, *buf;
	int fd, err;

	fd = open("/dev/hmm_dmirror0", O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "xe_svm_bench: /dev/hmm_dmirror0: %s (test_hmm loaded?)\n",
			strerror(errno));
		return 1;
	}
	a = map_anon(size);
	b = map_anon(size);
	buf = map_anon(size);

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

	/* First device touch of untouched malloc'd memory (read faults). */
	munmap(a, size);
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

	printf("  (xe SVM paths: not implemented yet; they will be measured here)\n");
	close(fd);
	return 0;
}
