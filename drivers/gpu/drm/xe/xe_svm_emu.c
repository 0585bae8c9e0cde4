// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#include <linux/bitfield.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "xe_svm.h"
#include "xe_svm_emu_uapi.h"
#include "xe_svm_types.h"

/*
 * The emulated SVM device: a test-only backend for the SVM core, see
 * "DOC: Emulated device" in xe_svm_doc.h. Each open file has a VM that
 * mirrors the opener's address space; its GPU page table is an xarray
 * from GPU page number to (pfn, writable), filled by the core's bind
 * operation and emptied by its invalidate operation. The "GPU" accesses
 * memory through that table only, under the notifier lock, so it can
 * never touch a page after the CPU took it away.
 */

/* GPU fault attempts per operation before it gives up with -EBUSY */
#define XE_SVM_EMU_FAULT_TRIES	16

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
 * Each open file owns one emulated VM, in fault mode, mirroring the whole
 * address space of the process that opened the file.
 */
struct xe_svm_emu_file {
	/** @emu: the device this file was opened on */
	struct xe_svm_emu_device *emu;
	/** @vm_lock: the VM lock of the emulated VM (see "DOC: Locking") */
	struct rw_semaphore vm_lock;
	/** @svm: the SVM context of the emulated VM */
	struct xe_svm svm;
	/**
	 * @pt: the emulated GPU page table: GPU page number -> value entry
	 * (pfn, PTE page shift, writable; see XE_SVM_EMU_PTE_*); changed
	 * under &xe_svm.notifier_lock (bind
	 * holds it for reading, invalidate for writing; the xarray's own lock
	 * orders concurrent binds), read under it
	 */
	struct xarray pt;
};

/*
 * An emulated GPU PTE, stored per 4 KiB page: the pfn, the log2 of the
 * size of the GPU page that maps it (as a hardware PTE would be 4 KiB,
 * 64 KiB or 2 MiB), and the write permission.
 */
#define XE_SVM_EMU_PTE_WRITE		BIT(0)
#define XE_SVM_EMU_PTE_SHIFT_MASK	GENMASK(7, 1)
#define XE_SVM_EMU_PTE_PFN_SHIFT	8

static unsigned long xe_svm_emu_pte_pfn(unsigned long pte)
{
	return pte >> XE_SVM_EMU_PTE_PFN_SHIFT;
}

static struct xe_svm_emu_file *to_emu_file(struct xe_svm *svm)
{
	return container_of(svm, struct xe_svm_emu_file, svm);
}

static void xe_svm_emu_invalidate(struct xe_svm *svm, struct xe_svm_range *range,
				  u64 start, u64 end)
{
	struct xe_svm_emu_file *ef = to_emu_file(svm);
	u64 addr;

	/* xa_erase() never allocates: safe in the notifier. */
	for (addr = start; addr < end; addr += PAGE_SIZE)
		xa_erase(&ef->pt, addr >> PAGE_SHIFT);
}

static int xe_svm_emu_bind(struct xe_svm *svm, struct xe_svm_range *range,
			   const unsigned long *pfns)
{
	struct xe_svm_emu_file *ef = to_emu_file(svm);
	unsigned long i, npages = xe_svm_range_size(range) >> PAGE_SHIFT;
	unsigned long first = range->start >> PAGE_SHIFT;
	void *old;

	for (i = 0; i < npages; i++) {
		unsigned long pte = page_to_pfn(hmm_pfn_to_page(pfns[i])) <<
				    XE_SVM_EMU_PTE_PFN_SHIFT;
		unsigned int shift = PAGE_SHIFT + hmm_pfn_to_map_order(pfns[i]);

		/*
		 * The GPU page is as large as the CPU mapping, but never larger
		 * than the range: a range never maps memory outside itself.
		 */
		shift = min_t(unsigned int, shift, ilog2(xe_svm_range_size(range)));
		if (shift >= 21)
			shift = 21;
		else if (shift >= 16)
			shift = 16;
		else
			shift = PAGE_SHIFT;
		pte |= FIELD_PREP(XE_SVM_EMU_PTE_SHIFT_MASK, shift);
		if (pfns[i] & HMM_PFN_WRITE)
			pte |= XE_SVM_EMU_PTE_WRITE;
		/* Under the notifier lock: no allocation that may reclaim. */
		old = xa_store(&ef->pt, first + i, xa_mk_value(pte), GFP_NOWAIT);
		if (xa_is_err(old)) {
			xe_svm_emu_invalidate(svm, range, range->start, range->last + 1);
			return xa_err(old);
		}
	}

	return 0;
}

static const struct xe_svm_ops xe_svm_emu_ops = {
	.invalidate = xe_svm_emu_invalidate,
	.bind = xe_svm_emu_bind,
};

static struct xe_svm_emu_device *xe_svm_emu;

static int xe_svm_emu_open(struct inode *inode, struct file *file)
{
	struct xe_svm_emu_file *ef;
	int err;

	/* The VM mirrors the opener's address space: kernel threads have none. */
	if (!current->mm)
		return -EINVAL;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;

	ef->emu = container_of(file->private_data, struct xe_svm_emu_device, misc);
	init_rwsem(&ef->vm_lock);
	xa_init(&ef->pt);
	err = xe_svm_init(&ef->svm, &xe_svm_emu_ops, current->mm, &ef->vm_lock,
			  0, TASK_SIZE);
	if (err)
		goto err_free;
	file->private_data = ef;

	return 0;

err_free:
	kfree(ef);
	return err;
}

static int xe_svm_emu_release(struct inode *inode, struct file *file)
{
	struct xe_svm_emu_file *ef = file->private_data;

	xe_svm_fini(&ef->svm);
	WARN_ON(!xa_empty(&ef->pt));
	xa_destroy(&ef->pt);
	kfree(ef);

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

/* Serve a GPU fault at @addr: the path the hardware's fault handler takes. */
static int xe_svm_emu_gpu_fault(struct xe_svm_emu_file *ef, u64 addr, bool write)
{
	struct xe_svm_range *range;
	int err;

	down_write(&ef->vm_lock);
	range = xe_svm_range_find_or_create(&ef->svm, addr);
	if (IS_ERR(range))
		err = PTR_ERR(range);
	else
		err = xe_svm_range_populate(&ef->svm, range, write);
	up_write(&ef->vm_lock);

	return err;
}

/*
 * One GPU access. The page table entry and the page it points to stay
 * valid while the notifier lock is held for reading: an invalidation must
 * take it for writing before the CPU may free or change the page. A write
 * goes only through a writable entry, which hmm_range_fault() made from a
 * writable, dirty CPU PTE, so the data reaches file-backed pages too.
 */
static int xe_svm_emu_access(struct xe_svm_emu_file *ef, struct xe_svm_emu_op *op,
			     u64 *faults)
{
	bool write = op->op == XE_SVM_EMU_OP_WRITE;
	unsigned int try;
	int err;

	for (try = 0; try < XE_SVM_EMU_FAULT_TRIES; try++) {
		unsigned long pte;
		void *entry;
		u64 *p;

		down_read(&ef->svm.notifier_lock);
		entry = xa_load(&ef->pt, op->addr >> PAGE_SHIFT);
		pte = xa_is_value(entry) ? xa_to_value(entry) : 0;
		if (entry && (!write || (pte & XE_SVM_EMU_PTE_WRITE))) {
			p = kmap_local_page(pfn_to_page(xe_svm_emu_pte_pfn(pte)));
			if (write)
				p[offset_in_page(op->addr) / sizeof(u64)] = op->value;
			else
				op->value = p[offset_in_page(op->addr) / sizeof(u64)];
			kunmap_local(p);
			up_read(&ef->svm.notifier_lock);
			return 0;
		}
		up_read(&ef->svm.notifier_lock);

		(*faults)++;
		err = xe_svm_emu_gpu_fault(ef, op->addr, write);
		if (err)
			return err;
	}

	return -EBUSY;
}

static int xe_svm_emu_ioctl_exec(struct xe_svm_emu_file *ef,
				 struct xe_svm_emu_exec __user *uarg)
{
	struct xe_svm_emu_exec exec;
	struct xe_svm_emu_op *ops;
	u64 faults = 0;
	size_t size;
	u32 i;
	int err;

	if (copy_from_user(&exec, uarg, sizeof(exec)))
		return -EFAULT;
	if (exec.flags || !xe_svm_emu_mbz(exec.reserved, sizeof(exec.reserved)) ||
	    !exec.num_ops || exec.num_ops > XE_SVM_EMU_MAX_OPS)
		return -EINVAL;
	/* Faults use the opener's mm: another process must not drive them. */
	if (current->mm != ef->svm.mm)
		return -EINVAL;

	size = array_size(exec.num_ops, sizeof(*ops));
	ops = kvmalloc(size, GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	if (copy_from_user(ops, u64_to_user_ptr(exec.ops), size)) {
		err = -EFAULT;
		goto out_free;
	}
	for (i = 0; i < exec.num_ops; i++) {
		if (ops[i].op > XE_SVM_EMU_OP_WRITE || !IS_ALIGNED(ops[i].addr, sizeof(u64))) {
			err = -EINVAL;
			goto out_free;
		}
	}

	for (i = 0; i < exec.num_ops; i++)
		ops[i].result = xe_svm_emu_access(ef, &ops[i], &faults);

	exec.faults = faults;
	if (copy_to_user(u64_to_user_ptr(exec.ops), ops, size) ||
	    copy_to_user(uarg, &exec, sizeof(exec)))
		err = -EFAULT;
	else
		err = 0;

out_free:
	kvfree(ops);
	return err;
}

static int xe_svm_emu_ioctl_snapshot(struct xe_svm_emu_file *ef,
				     struct xe_svm_emu_snapshot __user *uarg)
{
	struct xe_svm_emu_snapshot snap;
	u32 *entries;
	size_t size;
	u32 i;
	int err;

	if (copy_from_user(&snap, uarg, sizeof(snap)))
		return -EFAULT;
	if (snap.flags || !xe_svm_emu_mbz(snap.reserved, sizeof(snap.reserved)) ||
	    !PAGE_ALIGNED(snap.addr) || !snap.npages ||
	    snap.npages > XE_SVM_EMU_MAX_SNAPSHOT)
		return -EINVAL;

	size = array_size(snap.npages, sizeof(*entries));
	entries = kvzalloc(size, GFP_KERNEL);
	if (!entries)
		return -ENOMEM;

	down_read(&ef->svm.notifier_lock);
	for (i = 0; i < snap.npages; i++) {
		void *entry = xa_load(&ef->pt, (snap.addr >> PAGE_SHIFT) + i);
		unsigned long pte;

		if (!xa_is_value(entry))
			continue;
		pte = xa_to_value(entry);
		entries[i] = XE_SVM_EMU_SNAP_MAPPED |
			     (pte & XE_SVM_EMU_PTE_WRITE ? XE_SVM_EMU_SNAP_WRITE : 0) |
			     FIELD_GET(XE_SVM_EMU_PTE_SHIFT_MASK, pte) << 8;
	}
	up_read(&ef->svm.notifier_lock);

	err = copy_to_user(u64_to_user_ptr(snap.entries), entries, size) ? -EFAULT : 0;
	kvfree(entries);
	return err;
}

static long xe_svm_emu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct xe_svm_emu_file *ef = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XE_SVM_EMU_IOCTL_INFO:
		return xe_svm_emu_ioctl_info(ef, uarg);
	case XE_SVM_EMU_IOCTL_EXEC:
		return xe_svm_emu_ioctl_exec(ef, uarg);
	case XE_SVM_EMU_IOCTL_SNAPSHOT:
		return xe_svm_emu_ioctl_snapshot(ef, uarg);
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
MODULE_IMPORT_NS(DRM_XE_SVM);
