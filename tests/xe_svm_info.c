// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_info: print what the emulated SVM device reports (the demo):
 * interface version, the xe config flags (CPU address mirroring), the
 * tiles; then show SVM at work: the "GPU" fills a malloc'd buffer through
 * a CPU-address-mirror VM, the CPU checks it, and the VM's counters are
 * printed. Exit status 0 when all of that worked.
 *
 * xe_svm_info --vram-in-use: print every tile's VRAM pages in use and
 * exit 1 unless all are 0 (guest/init runs it after each test program has
 * exited, when nothing may hold VRAM any more). A page is freed when the
 * last mapping of it goes, so it waits up to VRAM_WAIT_MS for a count that
 * is still going down. It also exits 1 when a fault-injection knob of the
 * device (debugfs xe_svm_emu/) is still armed, naming it, and disarms it:
 * a count a program left behind would fail the next program's tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/emu.h"

#define DEMO_SIZE	(8UL << 20)
#define DEMO_VALUE	0x53564d0000000000ULL
#define DEMO_STEP	1ULL

static int demo(int fd)
{
	struct xe_svm_emu_stats st;
	struct xe_svm_emu_op op;
	uint64_t faults, *buf, i;
	uint32_t vm;
	int err;

	err = __emu_vm_create(fd, EMU_VM_MIRROR, &vm);
	if (err) {
		fprintf(stderr, "xe_svm_info: VM_CREATE: %s\n", strerror(-err));
		return 1;
	}
	buf = malloc(DEMO_SIZE);
	if (!buf)
		return 1;

	op = emu_op_fill(buf, DEMO_SIZE, DEMO_VALUE, DEMO_STEP);
	err = __emu_exec(fd, vm, &op, 1, &faults);
	if (err || op.result) {
		fprintf(stderr, "xe_svm_info: GPU fill: %s\n",
			strerror(err ? -err : -op.result));
		return 1;
	}
	for (i = 0; i < DEMO_SIZE / 8; i++) {
		if (buf[i] != DEMO_VALUE + i * DEMO_STEP) {
			fprintf(stderr, "xe_svm_info: word %llu: CPU reads 0x%llx\n",
				(unsigned long long)i, (unsigned long long)buf[i]);
			return 1;
		}
	}
	err = __emu_stats(fd, vm, &st);
	if (err) {
		fprintf(stderr, "xe_svm_info: STATS: %s\n", strerror(-err));
		return 1;
	}
	printf("  SVM: the GPU filled %lu MiB of malloc'd memory, the CPU read it back\n",
	       DEMO_SIZE >> 20);
	printf("       %llu GPU faults, %llu ranges, %llu pages DMA-mapped\n",
	       (unsigned long long)faults, (unsigned long long)st.ranges_live,
	       (unsigned long long)st.dma_mapped_pages);
	free(buf);
	return __emu_vm_destroy(fd, vm) ? 1 : 0;
}

#define VRAM_WAIT_MS	5000
#define VRAM_POLL_MS	50

/* Sum of the tiles' VRAM pages in use, or -1 (with a message) on an error. */
static long long vram_pages_in_use(int fd, unsigned int num_tiles, bool print)
{
	struct xe_svm_emu_tile_stats st;
	long long sum = 0;
	unsigned int i;
	int err;

	for (i = 0; i < num_tiles; i++) {
		err = __emu_tile_stats(fd, i, &st);
		if (err) {
			fprintf(stderr, "xe_svm_info: TILE_STATS of tile %u: %s\n", i,
				strerror(-err));
			return -1;
		}
		if (print)
			printf("tile %u: %llu of %llu VRAM pages in use\n", i,
			       (unsigned long long)st.vram_pages_in_use,
			       (unsigned long long)st.vram_pages);
		sum += st.vram_pages_in_use;
	}
	return sum;
}

static int vram_in_use(int fd, unsigned int num_tiles)
{
	long long n = vram_pages_in_use(fd, num_tiles, false);
	unsigned int waited = 0;

	while (n > 0 && waited < VRAM_WAIT_MS) {
		usleep(VRAM_POLL_MS * 1000);
		waited += VRAM_POLL_MS;
		n = vram_pages_in_use(fd, num_tiles, false);
	}
	if (n < 0 || num_tiles == 0) {
		if (!num_tiles)
			fprintf(stderr, "xe_svm_info: the device reports no tile\n");
		return 1;
	}
	vram_pages_in_use(fd, num_tiles, true);
	if (n)
		printf("%lld VRAM pages still in use after every process exited (waited %u ms)\n",
		       n, waited);
	else if (waited)
		printf("VRAM free (after %u ms)\n", waited);
	return n ? 1 : 0;
}

/* The device's fault-injection knobs (see struct xe_svm_emu_tile_stats) */
static const char *const fail_knobs[] = {
	"fail_vram_alloc", "fail_copy_to_vram", "fail_copy_to_ram", "wedged",
	"vram_map_64k",
};

/*
 * 1 if a knob is still armed (each one named, then disarmed), 0 if none
 * is, or when debugfs is not there (nothing could have armed one).
 */
static int knobs_armed(void)
{
	unsigned int i;
	int armed = 0;

	for (i = 0; i < sizeof(fail_knobs) / sizeof(fail_knobs[0]); i++) {
		char path[128], val[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/xe_svm_emu/%s", fail_knobs[i]);
		f = fopen(path, "r+");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f) && strtoull(val, NULL, 0)) {
			printf("fault injection left armed: %s = %s", fail_knobs[i], val);
			rewind(f);
			fputs("0\n", f);
			armed = 1;
		}
		fclose(f);
	}
	return armed;
}

int main(int argc, char **argv)
{
	struct xe_svm_emu_info info;
	unsigned long long total = 0;
	bool vram_check = false;
	unsigned int i;
	int fd, err;

	if (argc == 2 && !strcmp(argv[1], "--vram-in-use")) {
		vram_check = true;
	} else if (argc > 1) {
		fprintf(stderr, "usage: xe_svm_info [--vram-in-use]\n");
		return 2;
	}
	fd = __emu_open();
	if (fd < 0) {
		fprintf(stderr, "xe_svm_info: cannot open " EMU_DEV ": %s\n", strerror(-fd));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	err = __emu_info(fd, &info);
	if (err) {
		fprintf(stderr, "xe_svm_info: INFO ioctl failed: %s\n", strerror(-err));
		return 1;
	}
	if (vram_check)
		return vram_in_use(fd, info.num_tiles) | knobs_armed();

	printf("Emulated xe SVM device " EMU_DEV " (interface version %u)\n",
	       info.abi_version);
	printf("  config flags: 0x%llx (CPU address mirroring: %s)\n",
	       (unsigned long long)info.config_flags,
	       info.config_flags & DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR ?
	       "yes" : "no");
	printf("  tiles: %u\n", info.num_tiles);
	for (i = 0; i < info.num_tiles; i++) {
		printf("  tile %u: %llu MiB of emulated VRAM\n", i,
		       (unsigned long long)info.tiles[i].vram_size >> 20);
		total += info.tiles[i].vram_size;
	}
	printf("  total emulated VRAM: %llu MiB\n", total >> 20);

	err = demo(fd);
	close(fd);
	return err;
}
