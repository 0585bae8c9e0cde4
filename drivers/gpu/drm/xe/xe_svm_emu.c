// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xe_svm_emu_uapi.h"

/*
 * The emulated SVM device: a test-only backend for the SVM core, see
 * "DOC: Emulated device" in xe_svm_doc.h. This first version only
 * describes its virtual tiles.
 */

static unsigned int tiles = 2;
module_param(tiles, uint, 0444);
MODULE_PARM_DESC(tiles,
		 "Number of virtual tiles (1-" __stringify(XE_SVM_EMU_MAX_TILES) ", default 2)");

static unsigned int vram_mb = 256;
module_param(vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb, "Emulated VRAM per tile in MiB (1-4096, default 256)");

#define XE_SVM_EMU_MAX_VRAM_MB	4096

/**
 * struct xe_svm_emu_tile - one virtual tile of the emulated device
 */
struct xe_svm_emu_tile {
	/** @id: index of the tile in &xe_svm_emu_device.tiles */
	unsigned int id;
	/** @vram_size: bytes of emulated VRAM; constant after init */
	u64 vram_size;
};

/**
 * struct xe_svm_emu_device - the emulated SVM device
 *
 * There is one instance per loaded module. Every field is written once
 * at module init and only read afterwards, so nothing here needs a lock.
 */
struct xe_svm_emu_device {
	/** @misc: the /dev/xe_svm_emu character device */
	struct miscdevice misc;
	/** @num_tiles: number of valid entries in @tiles */
	unsigned int num_tiles;
	/** @tiles: the virtual tiles */
	struct xe_svm_emu_tile tiles[XE_SVM_EMU_MAX_TILES];
};

/**
 * struct xe_svm_emu_file - state of one open file of the device
 *
 * Each open file will own the emulated VMs it creates; for now it only
 * leads back to the device.
 */
struct xe_svm_emu_file {
	/** @emu: the device this file was opened on */
	struct xe_svm_emu_device *emu;
};

static struct xe_svm_emu_device *xe_svm_emu;

static int xe_svm_emu_open(struct inode *inode, struct file *file)
{
	struct xe_svm_emu_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;

	ef->emu = container_of(file->private_data, struct xe_svm_emu_device, misc);
	file->private_data = ef;

	return 0;
}

static int xe_svm_emu_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);

	return 0;
}

static bool xe_svm_emu_mbz(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

static int xe_svm_emu_ioctl_info(struct xe_svm_emu_file *ef,
				 struct xe_svm_emu_info __user *uarg)
{
	struct xe_svm_emu_device *emu = ef->emu;
	struct xe_svm_emu_info info;
	unsigned int i;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;

	if (info.flags || info.pad ||
	    !xe_svm_emu_mbz(info.reserved, sizeof(info.reserved)))
		return -EINVAL;

	info.abi_version = XE_SVM_EMU_ABI_VERSION;
	info.num_tiles = emu->num_tiles;
	memset(info.tiles, 0, sizeof(info.tiles));
	for (i = 0; i < emu->num_tiles; i++)
		info.tiles[i].vram_size = emu->tiles[i].vram_size;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;

	return 0;
}

static long xe_svm_emu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct xe_svm_emu_file *ef = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XE_SVM_EMU_IOCTL_INFO:
		return xe_svm_emu_ioctl_info(ef, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations xe_svm_emu_fops = {
	.owner = THIS_MODULE,
	.open = xe_svm_emu_open,
	.release = xe_svm_emu_release,
	.unlocked_ioctl = xe_svm_emu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static int xe_svm_emu_check_params(void)
{
	if (tiles < 1 || tiles > XE_SVM_EMU_MAX_TILES) {
		pr_err("xe_svm_emu: tiles=%u is out of range 1-%u\n",
		       tiles, XE_SVM_EMU_MAX_TILES);
		return -EINVAL;
	}
	if (vram_mb < 1 || vram_mb > XE_SVM_EMU_MAX_VRAM_MB) {
		pr_err("xe_svm_emu: vram_mb=%u is out of range 1-%u\n",
		       vram_mb, XE_SVM_EMU_MAX_VRAM_MB);
		return -EINVAL;
	}

	return 0;
}

static int __init xe_svm_emu_init(void)
{
	struct xe_svm_emu_device *emu;
	unsigned int i;
	int err;

	err = xe_svm_emu_check_params();
	if (err)
		return err;

	emu = kzalloc(sizeof(*emu), GFP_KERNEL);
	if (!emu)
		return -ENOMEM;

	emu->num_tiles = tiles;
	for (i = 0; i < emu->num_tiles; i++) {
		emu->tiles[i].id = i;
		emu->tiles[i].vram_size = (u64)vram_mb << 20;
	}

	emu->misc.minor = MISC_DYNAMIC_MINOR;
	emu->misc.name = "xe_svm_emu";
	emu->misc.fops = &xe_svm_emu_fops;
	err = misc_register(&emu->misc);
	if (err)
		goto err_free;

	xe_svm_emu = emu;
	pr_info("xe_svm_emu: %u tiles, %u MiB of emulated VRAM each\n",
		emu->num_tiles, vram_mb);

	return 0;

err_free:
	kfree(emu);
	return err;
}

static void __exit xe_svm_emu_exit(void)
{
	misc_deregister(&xe_svm_emu->misc);
	kfree(xe_svm_emu);
}

module_init(xe_svm_emu_init);
module_exit(xe_svm_emu_exit);

MODULE_DESCRIPTION("Emulated xe SVM device for testing without a GPU");
MODULE_LICENSE("Dual MIT/GPL");
