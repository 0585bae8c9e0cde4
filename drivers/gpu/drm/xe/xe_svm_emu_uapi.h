/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef _XE_SVM_EMU_UAPI_H_
#define _XE_SVM_EMU_UAPI_H_

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: Emulated SVM device interface
 *
 * The emulated SVM device is a test interface, not part of the xe uAPI:
 * it exists so that the SVM core can be driven from user space on
 * machines with no Intel GPU. It is a misc character device,
 * /dev/xe_svm_emu. Every ioctl argument carries the same conventions as
 * xe's: fields marked "in, MBZ" must be zero or the ioctl fails with
 * -EINVAL, and fields marked "out" are written by the kernel.
 *
 * Errors common to every ioctl:
 *
 * - -EFAULT: the argument could not be copied from or to user space;
 * - -ENOTTY: unknown ioctl number;
 * - -EINVAL: a reserved field, a pad field or an unknown flag is not zero.
 */

/* Version of this interface, reported by XE_SVM_EMU_IOCTL_INFO */
#define XE_SVM_EMU_ABI_VERSION		1

/* The most virtual tiles one device can have */
#define XE_SVM_EMU_MAX_TILES		4

/**
 * struct xe_svm_emu_tile_info - description of one virtual tile
 *
 * Written by XE_SVM_EMU_IOCTL_INFO.
 */
struct xe_svm_emu_tile_info {
	/** @vram_size: out, bytes of emulated VRAM on this tile */
	__u64 vram_size;

	/** @reserved: out, zero */
	__u64 reserved[3];
};

/**
 * struct xe_svm_emu_info - argument of XE_SVM_EMU_IOCTL_INFO
 *
 * Reports the interface version and the virtual tiles of the device.
 *
 * Example::
 *
 *	struct xe_svm_emu_info info = {};
 *	int fd = open("/dev/xe_svm_emu", O_RDWR);
 *
 *	if (fd >= 0 && !ioctl(fd, XE_SVM_EMU_IOCTL_INFO, &info))
 *		printf("%u tiles, %llu bytes of VRAM on tile 0\n",
 *		       info.num_tiles, info.tiles[0].vram_size);
 */
struct xe_svm_emu_info {
	/** @abi_version: out, XE_SVM_EMU_ABI_VERSION */
	__u32 abi_version;

	/** @num_tiles: out, number of valid entries in @tiles */
	__u32 num_tiles;

	/** @flags: in, MBZ (no flags are defined yet) */
	__u32 flags;

	/** @pad: in, MBZ */
	__u32 pad;

	/** @tiles: out, the first @num_tiles entries describe the tiles */
	struct xe_svm_emu_tile_info tiles[XE_SVM_EMU_MAX_TILES];

	/** @reserved: in, MBZ */
	__u64 reserved[4];
};

/* Operations of struct xe_svm_emu_op */
#define XE_SVM_EMU_OP_READ	0	/* @value = the 64-bit word at @addr */
#define XE_SVM_EMU_OP_WRITE	1	/* the 64-bit word at @addr = @value */

/**
 * struct xe_svm_emu_op - one GPU memory operation
 *
 * @addr is a GPU virtual address of the file's VM, which mirrors the CPU
 * address space of the process that opened the device: GPU address X is
 * CPU address X. A miss or a permission mismatch in the emulated GPU page
 * table raises a GPU fault, served by the SVM core; then the operation
 * retries.
 */
struct xe_svm_emu_op {
	/** @addr: in, GPU virtual address, 8-byte aligned */
	__u64 addr;
	/** @value: in for XE_SVM_EMU_OP_WRITE, out for XE_SVM_EMU_OP_READ */
	__u64 value;
	/** @op: in, XE_SVM_EMU_OP_* */
	__u32 op;
	/**
	 * @result: out, 0 or the error of the GPU fault that failed it:
	 * -EFAULT (no mapping, PROT_NONE), -EPERM (write to a read-only
	 * mapping), -EBUSY (invalidations kept winning), -ENOMEM
	 */
	__s32 result;
};

/* The most operations one XE_SVM_EMU_IOCTL_EXEC runs (1 Mi) */
#define XE_SVM_EMU_MAX_OPS	0x100000u

/**
 * struct xe_svm_emu_exec - argument of XE_SVM_EMU_IOCTL_EXEC
 *
 * Runs @num_ops operations in order, as the GPU of the file's VM would.
 * A failed operation sets its @result and the next one runs. The ioctl
 * fails only for bad arguments (-EINVAL: MBZ fields, @num_ops 0 or above
 * XE_SVM_EMU_MAX_OPS, an unknown @op or an unaligned @addr, in which case
 * no operation ran) or an unreadable or unwritable @ops array (-EFAULT).
 */
struct xe_svm_emu_exec {
	/** @ops: in, user pointer to an array of struct xe_svm_emu_op */
	__u64 ops;
	/** @num_ops: in, number of entries of @ops */
	__u32 num_ops;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @faults: out, GPU faults taken while running the operations */
	__u64 faults;
	/** @reserved: in, MBZ */
	__u64 reserved[2];
};

/* Bits of each entry of struct xe_svm_emu_snapshot's @entries */
#define XE_SVM_EMU_SNAP_MAPPED		0x1u	/* the GPU maps the page */
#define XE_SVM_EMU_SNAP_WRITE		0x2u	/* ... writable */
#define XE_SVM_EMU_SNAP_SHIFT(e)	(((e) >> 8) & 0xff)	/* log2 of the GPU page size */

/* The most pages one XE_SVM_EMU_IOCTL_SNAPSHOT describes */
#define XE_SVM_EMU_MAX_SNAPSHOT		0x10000u

/**
 * struct xe_svm_emu_snapshot - argument of XE_SVM_EMU_IOCTL_SNAPSHOT
 *
 * Describes, without faulting anything in, how the file's emulated GPU
 * page table maps @npages pages from @addr: one __u32 per page in
 * @entries, XE_SVM_EMU_SNAP_* bits, zero for an unmapped page. The GPU
 * page size is the size of the GPU PTE that maps the page: 4 KiB, 64 KiB
 * or 2 MiB. Errors: -EINVAL for MBZ fields, an unaligned @addr, @npages 0
 * or above XE_SVM_EMU_MAX_SNAPSHOT; -EFAULT for an unwritable @entries.
 */
struct xe_svm_emu_snapshot {
	/** @addr: in, GPU virtual address of the first page, page aligned */
	__u64 addr;
	/** @entries: in, user pointer to @npages __u32 entries (out) */
	__u64 entries;
	/** @npages: in, number of pages */
	__u32 npages;
	/** @flags: in, MBZ */
	__u32 flags;
	/** @reserved: in, MBZ */
	__u64 reserved[2];
};

/*
 * ioctl type 'x' is not assigned in ioctl-number.rst; a test device does
 * not claim it there.
 */
#define XE_SVM_EMU_IOCTL_INFO	_IOWR('x', 0x00, struct xe_svm_emu_info)
#define XE_SVM_EMU_IOCTL_EXEC	_IOWR('x', 0x01, struct xe_svm_emu_exec)
#define XE_SVM_EMU_IOCTL_SNAPSHOT	_IOWR('x', 0x02, struct xe_svm_emu_snapshot)

#endif
