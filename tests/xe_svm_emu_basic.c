// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_emu_basic: the emulated SVM device opens, describes its tiles
 * as its module parameters say (interface version 3, with the xe config
 * flags it reports), and rejects bad INFO arguments and unknown ioctls
 * with the documented errno, leaving the caller's memory untouched; bad
 * module parameters fail the load. The VM, bind, exec, snapshot, stats,
 * placement and tile-stats ioctls are covered by xe_svm_uapi and
 * xe_svm_system.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/emu.h"


/* The config-query flags the emulated device reports. */
#define EMU_CONFIG_FLAGS DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR
/* Every config-query flag xe_drm.h defines. */
#define KNOWN_CONFIG_FLAGS (DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM | \
			    DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR)

static void test_open_close(void)
{
	int a = emu_open();
	int b = emu_open();

	svmt_assert(a != b);
	svmt_assert_ok(close(a));
	svmt_assert_ok(close(b));
	/* The device must still open after every file was released. */
	svmt_assert_ok(close(emu_open()));
}

static void check_info_matches_params(int fd)
{
	long long tiles = svmt_read_ll(EMU_PARAMS "tiles");
	long long vram_mb = svmt_read_ll(EMU_PARAMS "vram_mb");
	struct xe_svm_emu_info info;
	unsigned int i;

	svmt_assert(tiles > 0 && vram_mb > 0);
	/* Fill with a pattern: every out field must be written. */
	memset(&info, 0xa5, sizeof(info));
	info.flags = 0;
	info.pad = 0;
	memset(info.reserved, 0, sizeof(info.reserved));

	svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_INFO, &info));
	svmt_assert_eq_u64(info.abi_version, XE_SVM_EMU_ABI_VERSION);
	svmt_assert_eq_u64(info.num_tiles, tiles);
	for (i = 0; i < XE_SVM_EMU_MAX_TILES; i++) {
		uint64_t want = i < info.num_tiles ? (uint64_t)vram_mb << 20 : 0;

		svmt_assert_eq_u64(info.tiles[i].vram_size, want);
		svmt_assert_eq_u64(info.tiles[i].reserved[0], 0);
		svmt_assert_eq_u64(info.tiles[i].reserved[1], 0);
		svmt_assert_eq_u64(info.tiles[i].reserved[2], 0);
	}
	svmt_assert_eq_u64(info.flags, 0);
	svmt_assert_eq_u64(info.pad, 0);
	/* Written (the 0xa5 pattern has unknown bits), and CPU mirroring on. */
	svmt_assert_eq_u64(info.config_flags & ~(uint64_t)KNOWN_CONFIG_FLAGS, 0);
	svmt_assert_eq_u64(info.config_flags & EMU_CONFIG_FLAGS, EMU_CONFIG_FLAGS);
	svmt_assert_eq_u64(info.reserved[0], 0);
	svmt_assert_eq_u64(info.reserved[3], 0);
	svmt_info("%u tiles, %llu MiB of VRAM each, config flags 0x%llx", info.num_tiles,
		  vram_mb, (unsigned long long)info.config_flags);
}

static void test_info(void)
{
	int fd = emu_open();

	check_info_matches_params(fd);
	close(fd);
}

/* Every MBZ field, set non-zero, must give -EINVAL and write nothing back. */
static void test_info_mbz(void)
{
	static const struct {
		const char *what;
		size_t offset;
		size_t size;
		uint64_t value;
	} cases[] = {
		{ "flags=1", offsetof(struct xe_svm_emu_info, flags), 4, 1 },
		{ "flags=1<<31", offsetof(struct xe_svm_emu_info, flags), 4, 1u << 31 },
		{ "pad=1", offsetof(struct xe_svm_emu_info, pad), 4, 1 },
		{ "reserved[0]=1", offsetof(struct xe_svm_emu_info, reserved[0]), 8, 1 },
		{ "reserved[1]=1<<63", offsetof(struct xe_svm_emu_info, reserved[1]), 8, 1ull << 63 },
		{ "reserved[2]=1", offsetof(struct xe_svm_emu_info, reserved[2]), 8, 1 },
		{ "reserved[3]=1", offsetof(struct xe_svm_emu_info, reserved[3]), 8, 1 },
	};
	int fd = emu_open();
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xe_svm_emu_info info, before;
		uint32_t v32 = (uint32_t)cases[i].value;

		memset(&info, 0, sizeof(info));
		info.num_tiles = 0xdeadbeef;
		info.abi_version = 0xdeadbeef;
		info.config_flags = 0x5a5a5a5a5a5a5a5aULL;
		if (cases[i].size == 4)
			memcpy((char *)&info + cases[i].offset, &v32, 4);
		else
			memcpy((char *)&info + cases[i].offset, &cases[i].value, 8);
		before = info;

		svmt_info("case %s", cases[i].what);
		svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_INFO, &info), EINVAL);
		svmt_assert_buf_eq((uint64_t *)&info, (uint64_t *)&before,
				   sizeof(info) / sizeof(uint64_t));
	}
	/* The device still answers correctly after the rejected calls. */
	check_info_matches_params(fd);
	close(fd);
}

static void test_info_efault(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = emu_open();
	void *ro;

	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_INFO, NULL), EFAULT);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_INFO, (void *)-4096L), EFAULT);

	/* Readable but not writable: the copy back must fail cleanly. */
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	svmt_assert(ro != MAP_FAILED);
	svmt_assert_errno(ioctl(fd, XE_SVM_EMU_IOCTL_INFO, ro), EFAULT);
	munmap(ro, page);

	check_info_matches_params(fd);
	close(fd);
}

static void test_bad_ioctl(void)
{
	/* Large enough for every struct the wrong-size numbers name. */
	union {
		struct xe_svm_emu_info info;
		struct drm_xe_vm_bind bind;
		struct xe_svm_emu_stats stats;
		struct xe_svm_emu_vm_placement placement;
		struct xe_svm_emu_tile_stats tile_stats;
	} info;
	int fd = emu_open();

	memset(&info, 0, sizeof(info));
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x7f, struct xe_svm_emu_info), &info), ENOTTY);
	/* INFO's number with the wrong size or direction is another ioctl. */
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x00, uint64_t), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOR('x', 0x00, struct xe_svm_emu_info), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IO('x', 0x00), 0), ENOTTY);
	/* The first number after the last ioctl (TILE_STATS, 0x08). */
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x09, struct xe_svm_emu_tile_stats), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOW('x', 0x09, struct xe_svm_emu_vm_placement), &info),
			  ENOTTY);
	/* The VM ioctls' numbers with another size or direction. */
	svmt_assert_errno(ioctl(fd, _IOW('x', 0x03, struct drm_xe_vm_create), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x03, uint64_t), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x04, struct drm_xe_vm_destroy), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x05, struct drm_xe_vm_bind), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOW('x', 0x06, struct xe_svm_emu_stats), &info), ENOTTY);
	/* VM_PLACEMENT is _IOW, TILE_STATS _IOWR: other sizes and directions. */
	_Static_assert(sizeof(struct xe_svm_emu_stats) != sizeof(struct xe_svm_emu_vm_placement) &&
		       sizeof(struct xe_svm_emu_stats) != sizeof(struct xe_svm_emu_tile_stats),
		       "the wrong-size numbers below must differ in size");
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x07, struct xe_svm_emu_vm_placement), &info),
			  ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOR('x', 0x07, struct xe_svm_emu_vm_placement), &info),
			  ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x07, struct xe_svm_emu_stats), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOW('x', 0x07, uint64_t), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IO('x', 0x07), 0), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOW('x', 0x08, struct xe_svm_emu_tile_stats), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOR('x', 0x08, struct xe_svm_emu_tile_stats), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x08, struct xe_svm_emu_stats), &info), ENOTTY);
	svmt_assert_errno(ioctl(fd, _IOWR('x', 0x08, uint64_t), &info), ENOTTY);
	/* The DRM ioctl numbers of xe are not this device's. */
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_VM_CREATE, &info), ENOTTY);
	close(fd);
}

static int load(int kofd, const char *params)
{
	return syscall(SYS_finit_module, kofd, params, 0);
}

static int unload(void)
{
	return syscall(SYS_delete_module, "xe_svm_emu", O_NONBLOCK);
}

/*
 * Out-of-range module parameters must make the load fail with -EINVAL and
 * leave no device behind; good ones must be reported by INFO. The module
 * is reloaded with its original parameters at the end.
 */
static void test_module_params(void)
{
	static const char *const bad[] = {
		"tiles=0", "tiles=5", "tiles=4294967295",
		"vram_mb=0", "vram_mb=4097", "tiles=2 vram_mb=0",
	};
	const char *ko = getenv("XE_SVM_EMU_KO");
	long long tiles, vram_mb;
	char orig[64];
	unsigned int i;
	struct stat st;
	int kofd, fd;

	if (!ko)
		svmt_skip("XE_SVM_EMU_KO (path of xe_svm_emu.ko) is not set");
	if (geteuid() != 0)
		svmt_skip("needs root to load and unload xe_svm_emu");
	tiles = svmt_read_ll(EMU_PARAMS "tiles");
	vram_mb = svmt_read_ll(EMU_PARAMS "vram_mb");
	if (tiles < 0)
		svmt_skip("xe_svm_emu is not loaded");
	snprintf(orig, sizeof(orig), "tiles=%lld vram_mb=%lld", tiles, vram_mb);

	kofd = open(ko, O_RDONLY | O_CLOEXEC);
	svmt_assert(kofd >= 0);
	svmt_assert_ok(unload());
	svmt_assert(stat(EMU_DEV, &st) != 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		svmt_info("params \"%s\"", bad[i]);
		svmt_assert_errno(load(kofd, bad[i]), EINVAL);
		svmt_assert(stat(EMU_DEV, &st) != 0);
	}

	svmt_assert_ok(load(kofd, "tiles=3 vram_mb=64"));
	fd = emu_open_reloaded();
	check_info_matches_params(fd);
	svmt_assert_eq_u64(svmt_read_ll(EMU_PARAMS "tiles"), 3);
	close(fd);
	svmt_assert_ok(unload());

	svmt_assert_ok(load(kofd, orig));
	close(kofd);
	fd = emu_open_reloaded();
	check_info_matches_params(fd);
	close(fd);
}

static const struct svmt_subtest subtests[] = {
	{ "open-close", test_open_close },
	{ "info", test_info },
	{ "info-mbz", test_info_mbz },
	{ "info-efault", test_info_efault },
	{ "bad-ioctl", test_bad_ioctl },
	{ "module-params", test_module_params },
};

SVMT_MAIN(subtests)
