// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_info: print what the emulated SVM device reports (the demo).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xe_svm_emu_uapi.h"

int main(void)
{
	struct xe_svm_emu_info info;
	unsigned long long total = 0;
	unsigned int i;
	int fd;

	fd = open("/dev/xe_svm_emu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "xe_svm_info: cannot open /dev/xe_svm_emu: %s\n",
			strerror(errno));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, XE_SVM_EMU_IOCTL_INFO, &info)) {
		fprintf(stderr, "xe_svm_info: INFO ioctl failed: %s\n", strerror(errno));
		return 1;
	}

	printf("Emulated xe SVM device /dev/xe_svm_emu (interface version %u)\n",
	       info.abi_version);
	printf("  tiles: %u\n", info.num_tiles);
	for (i = 0; i < info.num_tiles; i++) {
		printf("  tile %u: %llu MiB of emulated VRAM\n", i,
		       (unsigned long long)info.tiles[i].vram_size >> 20);
		total += info.tiles[i].vram_size;
	}
	printf("  total emulated VRAM: %llu MiB\n", total >> 20);
	close(fd);
	return 0;
}
