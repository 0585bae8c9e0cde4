// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * Helpers for the emulated SVM device, see emu.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"

/* --- device ------------------------------------------------------- */

int __emu_open(void)
{
	int fd = open(EMU_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int emu_open(void)
{
	int fd = __emu_open();

	if (fd == -ENOENT)
		svmt_skip(EMU_DEV " does not exist (xe_svm_emu not loaded)");
	if (fd < 0)
		svmt_fail(__FILE__, __LINE__, "open " EMU_DEV ": %s", strerror(-fd));
	/* The tests count pages and ranges in 4 KiB pages. */
	svmt_assert_eq_u64(sysconf(_SC_PAGESIZE), SZ_4K);
	return fd;
}

int emu_open_reloaded(void)
{
	int fd = __emu_open();

	if (fd < 0)
		svmt_fail(__FILE__, __LINE__, "open " EMU_DEV " after loading xe_svm_emu: %s",
			  strerror(-fd));
	svmt_assert_eq_u64(sysconf(_SC_PAGESIZE), SZ_4K);
	return fd;
}

static int ioctl_err(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int __emu_info(int fd, struct xe_svm_emu_info *info)
{
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_INFO, info);
}

/* --- VMs ---------------------------------------------------------- */

int __emu_vm_create(int fd, uint32_t flags, uint32_t *id)
{
	struct drm_xe_vm_create create = { .flags = flags };
	int err = ioctl_err(fd, XE_SVM_EMU_IOCTL_VM_CREATE, &create);

	if (!err)
		*id = create.vm_id;
	return err;
}

int __emu_vm_destroy(int fd, uint32_t id)
{
	struct drm_xe_vm_destroy destroy = { .vm_id = id };

	return ioctl_err(fd, XE_SVM_EMU_IOCTL_VM_DESTROY, &destroy);
}

int emu_vm_default_placement = -1;

struct emu_vm emu_vm_create(int fd, uint32_t flags)
{
	struct emu_vm vm = { .fd = fd };
	int err = __emu_vm_create(fd, flags, &vm.id);

	if (err)
		svmt_fail(__FILE__, __LINE__, "VM_CREATE flags 0x%x: %s", flags,
			  strerror(-err));
	svmt_assert(vm.id >= 1);
	if (emu_vm_default_placement >= 0)
		emu_vm_placement(&vm, emu_vm_default_placement, 0);
	return vm;
}

struct emu_vm emu_vm_open_mirror(void)
{
	return emu_vm_create(emu_open(), EMU_VM_MIRROR);
}

void emu_vm_destroy(struct emu_vm *vm)
{
	int err = __emu_vm_destroy(vm->fd, vm->id);

	if (err)
		svmt_fail(__FILE__, __LINE__, "VM_DESTROY %u: %s", vm->id,
			  strerror(-err));
	vm->id = 0;
}

void emu_vm_close(struct emu_vm *vm)
{
	emu_vm_destroy(vm);
	svmt_assert_ok(close(vm->fd));
	vm->fd = -1;
}

bool emu_vm_exists(int fd, uint32_t id)
{
	struct xe_svm_emu_stats st;
	int err = __emu_stats(fd, id, &st);

	if (err && err != -ENOENT)
		svmt_fail(__FILE__, __LINE__, "STATS of VM %u: %s", id, strerror(-err));
	return !err;
}

struct drm_xe_vm_bind_op emu_bind_op(uint32_t op, uint32_t flags,
				     uint64_t addr, uint64_t range)
{
	struct drm_xe_vm_bind_op b = {
		.op = op,
		.flags = flags,
		.addr = addr,
		.range = range,
	};

	return b;
}

int __emu_vm_bind(int fd, struct drm_xe_vm_bind *bind)
{
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_VM_BIND, bind);
}

int __emu_bind_ops(int fd, uint32_t vm, struct drm_xe_vm_bind_op *ops,
		   uint32_t n)
{
	struct drm_xe_vm_bind bind = { .vm_id = vm, .num_binds = n };

	if (n == 1)
		bind.bind = ops[0];
	else
		bind.vector_of_binds = (uintptr_t)ops;
	return __emu_vm_bind(fd, &bind);
}

int __emu_mirror(int fd, uint32_t vm, uint64_t addr, uint64_t range)
{
	struct drm_xe_vm_bind_op op =
		emu_bind_op(DRM_XE_VM_BIND_OP_MAP,
			    DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR, addr, range);

	return __emu_bind_ops(fd, vm, &op, 1);
}

int __emu_unmirror(int fd, uint32_t vm, uint64_t addr, uint64_t range)
{
	struct drm_xe_vm_bind_op op =
		emu_bind_op(DRM_XE_VM_BIND_OP_UNMAP, 0, addr, range);

	return __emu_bind_ops(fd, vm, &op, 1);
}

void emu_mirror(struct emu_vm *vm, const void *addr, size_t size)
{
	int err = __emu_mirror(vm->fd, vm->id, (uintptr_t)addr, size);

	if (err)
		svmt_fail(__FILE__, __LINE__, "mirror [%p, +0x%zx): %s", addr, size,
			  strerror(-err));
}

void emu_unmirror(struct emu_vm *vm, const void *addr, size_t size)
{
	int err = __emu_unmirror(vm->fd, vm->id, (uintptr_t)addr, size);

	if (err)
		svmt_fail(__FILE__, __LINE__, "unmirror [%p, +0x%zx): %s", addr, size,
			  strerror(-err));
}

/* --- GPU operations ----------------------------------------------- */

/* result 1 and out ~0: the kernel must overwrite both. */
static struct xe_svm_emu_op op_init(uint32_t op, const void *addr)
{
	struct xe_svm_emu_op o = {
		.addr = (uintptr_t)addr,
		.op = op,
		.out = 0xbad0bad0bad0bad0ULL,
		.result = 1,
	};

	return o;
}

struct xe_svm_emu_op emu_op_read(const void *addr)
{
	return op_init(XE_SVM_EMU_OP_READ, addr);
}

struct xe_svm_emu_op emu_op_write(void *addr, uint64_t value)
{
	struct xe_svm_emu_op o = op_init(XE_SVM_EMU_OP_WRITE, addr);

	o.value = value;
	return o;
}

struct xe_svm_emu_op emu_op_atomic_add(void *addr, uint64_t value)
{
	struct xe_svm_emu_op o = op_init(XE_SVM_EMU_OP_ATOMIC_ADD, addr);

	o.value = value;
	return o;
}

struct xe_svm_emu_op emu_op_fill(void *addr, size_t size, uint64_t value,
				 uint64_t step)
{
	struct xe_svm_emu_op o = op_init(XE_SVM_EMU_OP_FILL, addr);

	o.size = size;
	o.value = value;
	o.step = step;
	return o;
}

struct xe_svm_emu_op emu_op_compare(const void *addr, size_t size,
				    uint64_t value, uint64_t step)
{
	struct xe_svm_emu_op o = op_init(XE_SVM_EMU_OP_COMPARE, addr);

	o.size = size;
	o.value = value;
	o.step = step;
	return o;
}

struct xe_svm_emu_op *emu_ops_words(const void *p, size_t nwords, uint32_t op,
				    const uint64_t *values)
{
	struct xe_svm_emu_op *ops = calloc(nwords, sizeof(*ops));
	size_t i;

	svmt_assert(ops);
	for (i = 0; i < nwords; i++) {
		ops[i] = op_init(op, (const uint64_t *)p + i);
		ops[i].value = values ? values[i] : 0;
	}
	return ops;
}

int __emu_exec(int fd, uint32_t vm, struct xe_svm_emu_op *ops, uint32_t n,
	       uint64_t *faults)
{
	struct xe_svm_emu_exec exec = {
		.ops = (uintptr_t)ops,
		.num_ops = n,
		.vm_id = vm,
	};
	int err = ioctl_err(fd, XE_SVM_EMU_IOCTL_EXEC, &exec);

	if (!err && faults)
		*faults = exec.faults;
	return err;
}

uint64_t emu_exec(struct emu_vm *vm, struct xe_svm_emu_op *ops, size_t n)
{
	int err;

	svmt_assert(n >= 1 && n <= XE_SVM_EMU_MAX_OPS);
	err = __emu_exec(vm->fd, vm->id, ops, n, &vm->faults);
	if (err)
		svmt_fail(__FILE__, __LINE__, "EXEC of %zu ops on VM %u: %s", n,
			  vm->id, strerror(-err));
	return vm->faults;
}

static int exec1(struct emu_vm *vm, struct xe_svm_emu_op *op)
{
	emu_exec(vm, op, 1);
	return op->result;
}

int emu_read(struct emu_vm *vm, const void *addr, uint64_t *out)
{
	struct xe_svm_emu_op op = emu_op_read(addr);
	int r = exec1(vm, &op);

	if (out)
		*out = op.out;
	return r;
}

int emu_write(struct emu_vm *vm, void *addr, uint64_t value)
{
	struct xe_svm_emu_op op = emu_op_write(addr, value);

	return exec1(vm, &op);
}

int emu_atomic_add(struct emu_vm *vm, void *addr, uint64_t value,
		   uint64_t *old)
{
	struct xe_svm_emu_op op = emu_op_atomic_add(addr, value);
	int r = exec1(vm, &op);

	if (old)
		*old = op.out;
	return r;
}

int emu_fill(struct emu_vm *vm, void *addr, size_t size, uint64_t value,
	     uint64_t step)
{
	struct xe_svm_emu_op op = emu_op_fill(addr, size, value, step);

	return exec1(vm, &op);
}

int emu_compare(struct emu_vm *vm, const void *addr, size_t size,
		uint64_t value, uint64_t step, uint64_t *out)
{
	struct xe_svm_emu_op op = emu_op_compare(addr, size, value, step);
	int r = exec1(vm, &op);

	if (out)
		*out = op.out;
	return r;
}

/* --- snapshots and counters --------------------------------------- */

int __emu_snapshot(int fd, uint32_t vm, uint64_t addr, uint32_t *entries,
		   uint32_t npages)
{
	struct xe_svm_emu_snapshot snap = {
		.addr = addr,
		.entries = (uintptr_t)entries,
		.npages = npages,
		.vm_id = vm,
	};

	return ioctl_err(fd, XE_SVM_EMU_IOCTL_SNAPSHOT, &snap);
}

void emu_snapshot(struct emu_vm *vm, const void *addr, uint32_t *entries,
		  uint32_t npages)
{
	int err = __emu_snapshot(vm->fd, vm->id, (uintptr_t)addr, entries, npages);

	if (err)
		svmt_fail(__FILE__, __LINE__, "SNAPSHOT of %u pages at %p: %s",
			  npages, addr, strerror(-err));
}

uint32_t *emu_snapshot_alloc(struct emu_vm *vm, const void *addr, size_t size)
{
	size_t npages = size / SZ_4K;
	uint32_t *e = calloc(npages, sizeof(*e));

	svmt_assert(e && npages >= 1 && npages <= XE_SVM_EMU_MAX_SNAPSHOT);
	emu_snapshot(vm, addr, e, npages);
	return e;
}

int __emu_stats(int fd, uint32_t vm, struct xe_svm_emu_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->vm_id = vm;
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_STATS, st);
}

struct xe_svm_emu_stats emu_stats(struct emu_vm *vm)
{
	struct xe_svm_emu_stats st;
	int err = __emu_stats(vm->fd, vm->id, &st);

	if (err)
		svmt_fail(__FILE__, __LINE__, "STATS of VM %u: %s", vm->id,
			  strerror(-err));
	return st;
}

/* --- device memory (VRAM) and migration ---------------------------- */

int __emu_vm_placement_flags(int fd, uint32_t vm, uint32_t placement,
			     uint32_t tile, uint32_t flags)
{
	struct xe_svm_emu_vm_placement arg = {
		.vm_id = vm,
		.placement = placement,
		.tile = tile,
		.flags = flags,
	};

	return ioctl_err(fd, XE_SVM_EMU_IOCTL_VM_PLACEMENT, &arg);
}

int __emu_vm_placement(int fd, uint32_t vm, uint32_t placement, uint32_t tile)
{
	return __emu_vm_placement_flags(fd, vm, placement, tile, 0);
}

void emu_vm_no_thrash_control(struct emu_vm *vm)
{
	int err = __emu_vm_placement_flags(vm->fd, vm->id, XE_SVM_EMU_PLACE_VRAM, 0,
					   XE_SVM_EMU_PLACE_FLAG_NO_THRASH_CONTROL);

	if (err)
		svmt_fail(__FILE__, __LINE__, "VM_PLACEMENT NO_THRASH_CONTROL of VM %u: %s",
			  vm->id, strerror(-err));
}

void emu_vm_placement(struct emu_vm *vm, uint32_t placement, uint32_t tile)
{
	int err = __emu_vm_placement(vm->fd, vm->id, placement, tile);

	if (err)
		svmt_fail(__FILE__, __LINE__, "VM_PLACEMENT %u of VM %u (tile %u): %s",
			  placement, vm->id, tile, strerror(-err));
}

int __emu_tile_stats(int fd, uint32_t tile, struct xe_svm_emu_tile_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->tile = tile;
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_TILE_STATS, st);
}

struct xe_svm_emu_tile_stats emu_tile_stats(int fd, uint32_t tile)
{
	struct xe_svm_emu_tile_stats st;
	int err = __emu_tile_stats(fd, tile, &st);

	if (err)
		svmt_fail(__FILE__, __LINE__, "TILE_STATS of tile %u: %s", tile,
			  strerror(-err));
	return st;
}

void emu_fail_next(const char *knob, unsigned int n)
{
	char path[128], val[16];
	int fd, len;

	snprintf(path, sizeof(path), "/sys/kernel/debug/xe_svm_emu/%s", knob);
	fd = open(path, O_WRONLY);
	if (fd < 0 && access("/sys/kernel/debug/xe_svm_emu", F_OK))
		svmt_skip("no %s: debugfs not mounted or no emulated device", path);
	if (fd < 0)
		svmt_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
	len = snprintf(val, sizeof(val), "%u\n", n);
	if (write(fd, val, len) != len)
		svmt_fail(__FILE__, __LINE__, "write %s: %s", path, strerror(errno));
	close(fd);
}

/* --- CPU memory ----------------------------------------------------- */

static void *emu_remap_loop_thread(void *arg)
{
	struct emu_remap_loop *r = arg;

	while (!r->stop) {
		svmt_assert_ok(munmap(r->tail, SZ_2M));
		svmt_assert(mmap(r->tail, SZ_2M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == r->tail);
		memset(r->tail, 3, SZ_4K);
		r->rounds++;
		usleep(r->pause_us);
	}
	return NULL;
}

void emu_remap_loop_start(struct emu_remap_loop *r, void *tail, unsigned int pause_us)
{
	r->tail = tail;
	r->stop = 0;
	r->rounds = 0;
	r->pause_us = pause_us;
	svmt_assert_ok(pthread_create(&r->thread, NULL, emu_remap_loop_thread, r));
}

unsigned long emu_remap_loop_stop(struct emu_remap_loop *r)
{
	r->stop = 1;
	svmt_assert_ok(pthread_join(r->thread, NULL));
	return r->rounds;
}


void *emu_mmap(size_t size, int prot, int flags, int fd, off_t off)
{
	void *p = mmap(NULL, size, prot, flags, fd, off);

	if (p == MAP_FAILED)
		svmt_fail(__FILE__, __LINE__, "mmap of 0x%zx bytes, prot 0x%x, flags 0x%x: %s",
			  size, prot, flags, strerror(errno));
	return p;
}

void *emu_map_aligned(size_t size, size_t align, int prot, int flags,
		      int fd, off_t off)
{
	/* Room for the buffer, the alignment and a guard page each side. */
	size_t res_size = size + 2 * align;
	char *res = emu_mmap(res_size, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p = (char *)(((uintptr_t)res + align) & ~(uintptr_t)(align - 1));
	void *q;

	/* p > res: there is a PROT_NONE guard below and above the buffer. */
	svmt_assert(p > res && p + size < res + res_size);
	q = mmap(p, size, prot, flags | MAP_FIXED, fd, off);
	if (q == MAP_FAILED)
		svmt_fail(__FILE__, __LINE__, "mmap at %p of 0x%zx bytes, flags 0x%x: %s",
			  (void *)p, size, flags, strerror(errno));
	svmt_assert(q == p);
	return p;
}

void *emu_anon_2m(size_t size)
{
	return emu_map_aligned(size, SZ_2M, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

uint64_t emu_pattern(uint64_t seed, uint64_t i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return x;
}

void emu_fill_pattern(uint64_t *p, size_t nwords, uint64_t seed)
{
	size_t i;

	for (i = 0; i < nwords; i++)
		p[i] = emu_pattern(seed, i);
}

void emu_fill_linear(uint64_t *p, size_t nwords, uint64_t value, uint64_t step)
{
	size_t i;

	for (i = 0; i < nwords; i++)
		p[i] = value + i * step;
}

/* --- assertions ------------------------------------------------------ */

const char *emu_errname(int err)
{
	switch (err) {
	case 0: return "0";
	case -EFAULT: return "-EFAULT";
	case -EPERM: return "-EPERM";
	case -EBUSY: return "-EBUSY";
	case -ENOMEM: return "-ENOMEM";
	case -EINVAL: return "-EINVAL";
	case -ENOENT: return "-ENOENT";
	case -EOPNOTSUPP: return "-EOPNOTSUPP";
	case 1: return "1 (never written)";
	default: return "(other)";
	}
}

void emu_assert_result_at(const char *file, int line, const char *what,
			  int64_t got, int64_t want)
{
	if (got != want)
		svmt_fail(file, line, "%s: got %" PRId64 " %s, expected %" PRId64 " %s",
			  what, got, emu_errname(got), want, emu_errname(want));
}

/* The expected value of word @i: linear (value + i * step) or a pattern. */
struct emu_expect {
	bool pattern;
	uint64_t value, step, seed;
};

static uint64_t emu_expected(const struct emu_expect *e, size_t i)
{
	return e->pattern ? emu_pattern(e->seed, i) : e->value + i * e->step;
}

/* Fail with the first bad word and how many differ. */
static void emu_assert_words_at(const char *file, int line, const uint64_t *p,
				size_t nwords, const struct emu_expect *e)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < nwords; i++) {
		if (p[i] != emu_expected(e, i)) {
			if (!bad)
				first = i;
			bad++;
		}
	}
	if (bad)
		svmt_fail(file, line, "%zu of %zu words differ; first at word %zu (%p): "
			  "got 0x%016" PRIx64 ", expected 0x%016" PRIx64, bad, nwords,
			  first, (void *)&p[first], p[first], emu_expected(e, first));
}

void emu_assert_linear_at(const char *file, int line, const uint64_t *p,
			  size_t nwords, uint64_t value, uint64_t step)
{
	const struct emu_expect e = { .value = value, .step = step };

	emu_assert_words_at(file, line, p, nwords, &e);
}

void emu_assert_pattern_at(const char *file, int line, const uint64_t *p,
			   size_t nwords, uint64_t seed)
{
	const struct emu_expect e = { .pattern = true, .seed = seed };

	emu_assert_words_at(file, line, p, nwords, &e);
}

void emu_assert_gpu_linear_at(const char *file, int line, struct emu_vm *vm,
			      const void *addr, size_t size, uint64_t value,
			      uint64_t step)
{
	uint64_t out;
	int r = emu_compare(vm, addr, size, value, step, &out);

	if (r)
		svmt_fail(file, line, "GPU COMPARE of [%p, +0x%zx) failed: %d %s",
			  addr, size, r, emu_errname(r));
	if (out != XE_SVM_EMU_COMPARE_EQUAL)
		svmt_fail(file, line, "GPU COMPARE of [%p, +0x%zx): first mismatch at "
			  "byte offset 0x%" PRIx64 " (CPU sees 0x%016" PRIx64
			  ", expected 0x%016" PRIx64 ")", addr, size, out,
			  out < size ? *(const uint64_t *)((const char *)addr + out) : 0,
			  value + out / 8 * step);
}

void emu_print_stats(const char *what, const struct xe_svm_emu_stats *st)
{
	svmt_info("%s: faults %" PRIu64 ", retries %" PRIu64 ", invalidations %"
		  PRIu64 ", ranges created %" PRIu64 " destroyed %" PRIu64
		  " live %" PRIu64 ", gc runs %" PRIu64 ", DMA-mapped pages %" PRIu64
		  ", write-protect breaks %" PRIu64 ", VRAM migrations %" PRIu64
		  " fallbacks %" PRIu64 ", thrash holds %" PRIu64
		  ", exclusive maps %" PRIu64,
		  what, (uint64_t)st->faults, (uint64_t)st->fault_retries,
		  (uint64_t)st->invalidations, (uint64_t)st->ranges_created,
		  (uint64_t)st->ranges_destroyed, (uint64_t)st->ranges_live,
		  (uint64_t)st->gc_runs, (uint64_t)st->dma_mapped_pages,
		  (uint64_t)st->wp_breaks, (uint64_t)st->vram_migrations,
		  (uint64_t)st->vram_fallbacks, (uint64_t)st->thrash_holds,
		  (uint64_t)st->exclusive_maps);
}

void emu_assert_stats_same_at(const char *file, int line,
			      const struct xe_svm_emu_stats *a,
			      const struct xe_svm_emu_stats *b)
{
#define CMP(f) do {							\
	if (a->f != b->f)						\
		svmt_fail(file, line, "stats." #f " changed: %" PRIu64	\
			  " -> %" PRIu64, (uint64_t)a->f, (uint64_t)b->f);			\
} while (0)
	CMP(faults);
	CMP(fault_retries);
	CMP(invalidations);
	CMP(ranges_created);
	CMP(ranges_destroyed);
	CMP(ranges_live);
	CMP(gc_runs);
	CMP(dma_mapped_pages);
	CMP(exclusive_maps);
#undef CMP
}

/* --- child processes --------------------------------------------------- */

pid_t emu_fork(void (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	svmt_assert(pid >= 0);
	if (pid == 0) {
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

void emu_wait_ok_at(const char *file, int line, pid_t pid)
{
	int status;
	pid_t w;

	do {
		w = waitpid(pid, &status, 0);
	} while (w < 0 && errno == EINTR);
	if (w != pid)
		svmt_fail(file, line, "waitpid(%d): %s", (int)pid, strerror(errno));
	if (WIFSIGNALED(status))
		svmt_fail(file, line, "child %d killed by signal %d", (int)pid,
			  WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		svmt_fail(file, line, "child %d failed (exit status %d)", (int)pid,
			  WEXITSTATUS(status));
}

static double emu_clock_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double emu_kill_reap_at(const char *file, int line, pid_t pid, double limit_s)
{
	double t0, dt;
	int status;
	pid_t w;

	if (kill(pid, SIGKILL))
		svmt_fail(file, line, "kill(%d): %s", (int)pid, strerror(errno));
	t0 = emu_clock_s();
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && emu_clock_s() - t0 < limit_s)
		usleep(1000);
	dt = emu_clock_s() - t0;
	if (w != pid)
		svmt_fail(file, line, "child %d not reaped %.1f s after SIGKILL", (int)pid, dt);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		svmt_fail(file, line, "child %d ended before the signal (status 0x%x)",
			  (int)pid, status);
	svmt_info("reaped %.3f s after SIGKILL", dt);
	return dt;
}

/* --- migration tests ----------------------------------------------------- */

uint64_t emu_vram_in_use(int fd, uint32_t tile)
{
	return emu_tile_stats(fd, tile).vram_pages_in_use;
}

void emu_assert_vram_in_use_at(const char *file, int line, int fd,
			       uint32_t tile, uint64_t want)
{
	uint64_t got = emu_vram_in_use(fd, tile);
	unsigned int i;

	/* 100 polls of 50 ms. */
	for (i = 0; got != want && i < 100; i++) {
		usleep(50 * 1000);
		got = emu_vram_in_use(fd, tile);
	}
	if (got != want)
		svmt_fail(file, line, "tile %u: %" PRIu64 " VRAM pages in use, expected %"
			  PRIu64 " (waited 5 s)", tile, got, want);
}

void emu_print_tile_stats(const char *what,
			  const struct xe_svm_emu_tile_stats *st)
{
	svmt_info("%s: tile %u: VRAM pages %" PRIu64 ", in use %" PRIu64
		  ", migrated to VRAM %" PRIu64 ", to RAM %" PRIu64 ", bytes copied %"
		  PRIu64 ", CPU faults %" PRIu64 ", alloc failures %" PRIu64
		  ", copy failures %" PRIu64 ", CPU fault races %" PRIu64 ", evictions %" PRIu64
		  ", evict failures %" PRIu64 ", TTM bytes used %" PRIu64
		  " (page tables %" PRIu64 ")", what, st->tile,
		  (uint64_t)st->vram_pages, (uint64_t)st->vram_pages_in_use,
		  (uint64_t)st->migrated_to_vram, (uint64_t)st->migrated_to_ram,
		  (uint64_t)st->bytes_copied, (uint64_t)st->cpu_faults,
		  (uint64_t)st->alloc_failures, (uint64_t)st->copy_failures,
		  (uint64_t)st->cpu_fault_races, (uint64_t)st->evictions,
		  (uint64_t)st->evict_failures, (uint64_t)st->vram_bytes_used,
		  (uint64_t)st->vram_pt_bytes);
}

int emu_tmp_file(char *path, size_t len, size_t size, uint64_t value,
		 uint64_t step)
{
	static unsigned int seq;
	uint64_t *buf = malloc(size);
	int fd;

	svmt_assert(buf);
	if (mkdir("/tmp/xe_svm_test", 0700) && errno != EEXIST)
		svmt_fail(__FILE__, __LINE__, "mkdir /tmp/xe_svm_test: %s", strerror(errno));
	snprintf(path, len, "/tmp/xe_svm_test/emu.%d.%u", (int)getpid(), seq++);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		svmt_fail(__FILE__, __LINE__, "create %s: %s", path, strerror(errno));
	emu_fill_linear(buf, size / 8, value, step);
	svmt_assert_eq_u64(pwrite(fd, buf, size, 0), size);
	free(buf);
	return fd;
}

void *emu_map_huge(size_t size, int flags, int fd)
{
	size_t res_size = size + 2 * SZ_2M;
	char *res = emu_mmap(res_size, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p = (char *)(((uintptr_t)res + SZ_2M) & ~(uintptr_t)(SZ_2M - 1));
	void *q = mmap(p, size, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);

	if (q == MAP_FAILED && (errno == ENOMEM || errno == EINVAL))
		svmt_skip("no 2 MiB huge pages to map (%s)", strerror(errno));
	if (q == MAP_FAILED)
		svmt_fail(__FILE__, __LINE__, "mmap of 0x%zx bytes of huge pages: %s",
			  size, strerror(errno));
	svmt_assert(q == p);
	return p;
}

void emu_pipes_init(struct emu_pipes *pp)
{
	svmt_assert_ok(pipe(pp->to_child));
	svmt_assert_ok(pipe(pp->to_parent));
}

void emu_send_byte(int fd)
{
	char c = 'x';

	svmt_assert_eq_u64(write(fd, &c, 1), 1);
}

void emu_recv_byte(int fd)
{
	char c;

	svmt_assert_eq_u64(read(fd, &c, 1), 1);
}

int __emu_madvise(int fd, struct drm_xe_madvise *args)
{
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_MADVISE, args);
}

static void emu_madvise_must(struct emu_vm *vm, struct drm_xe_madvise *args,
			     const char *what)
{
	int err;

	args->vm_id = vm->id;
	err = __emu_madvise(vm->fd, args);
	if (err)
		svmt_fail(__FILE__, __LINE__, "MADVISE %s [0x%llx, +0x%llx): %s", what,
			  (unsigned long long)args->start, (unsigned long long)args->range,
			  strerror(-err));
}

void emu_madvise_atomic(struct emu_vm *vm, const void *addr, size_t size, uint32_t mode)
{
	struct drm_xe_madvise args = {
		.start = (uintptr_t)addr, .range = size,
		.type = DRM_XE_MEM_RANGE_ATTR_ATOMIC, .atomic.val = mode,
	};

	emu_madvise_must(vm, &args, "ATOMIC");
}

void emu_madvise_pref(struct emu_vm *vm, const void *addr, size_t size, int32_t devmem_fd,
		      uint16_t region_instance)
{
	struct drm_xe_madvise args = {
		.start = (uintptr_t)addr, .range = size,
		.type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		.preferred_mem_loc.devmem_fd = (uint32_t)devmem_fd,
		.preferred_mem_loc.region_instance = region_instance,
	};

	emu_madvise_must(vm, &args, "PREFERRED_LOC");
}

void emu_madvise_pat(struct emu_vm *vm, const void *addr, size_t size, uint32_t pat)
{
	struct drm_xe_madvise args = {
		.start = (uintptr_t)addr, .range = size,
		.type = DRM_XE_MEM_RANGE_ATTR_PAT, .pat_index.val = pat,
	};

	emu_madvise_must(vm, &args, "PAT");
}

int __emu_query_attrs(int fd, struct drm_xe_vm_query_mem_range_attr *args)
{
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_VM_QUERY_MEM_RANGE_ATTRS, args);
}

struct drm_xe_mem_range_attr *emu_query_attrs(struct emu_vm *vm, uint64_t start,
					      uint64_t range, uint32_t *n)
{
	struct drm_xe_vm_query_mem_range_attr q = {
		.vm_id = vm->id, .start = start, .range = range,
	};
	struct drm_xe_mem_range_attr *v;
	int err;

	err = __emu_query_attrs(vm->fd, &q);
	if (err)
		svmt_fail(__FILE__, __LINE__, "QUERY_MEM_RANGE_ATTRS count: %s", strerror(-err));
	svmt_assert_eq_u64(q.sizeof_mem_range_attr, sizeof(*v));
	/* One more than counted, so that the kernel's rewrite of the count shows. */
	v = calloc(q.num_mem_ranges + 1, sizeof(*v));
	svmt_assert(v);
	*n = q.num_mem_ranges;
	if (!q.num_mem_ranges)
		return v;
	q.num_mem_ranges++;
	q.vector_of_mem_attr = (uintptr_t)v;
	err = __emu_query_attrs(vm->fd, &q);
	if (err)
		svmt_fail(__FILE__, __LINE__, "QUERY_MEM_RANGE_ATTRS fill: %s", strerror(-err));
	svmt_assert_eq_u64(q.num_mem_ranges, *n);
	return v;
}

int __emu_residency(int fd, struct xe_svm_emu_residency *args)
{
	return ioctl_err(fd, XE_SVM_EMU_IOCTL_RESIDENCY, args);
}

static void emu_residency_entry_check(const struct xe_svm_emu_range_residency *e,
				      uint64_t start, uint64_t end, uint64_t prev_end)
{
	uint64_t sum = e->sys_pages + e->absent_pages;
	unsigned int t;

	for (t = 0; t < XE_SVM_EMU_MAX_TILES; t++)
		sum += e->vram_pages[t];
	if (e->start >= e->end || e->start % SZ_4K || e->end % SZ_4K ||
	    e->end <= start || e->start >= end || e->start < prev_end)
		svmt_fail(__FILE__, __LINE__,
			  "residency entry [0x%llx, 0x%llx) outside [0x%llx, 0x%llx) or out of order",
			  (unsigned long long)e->start, (unsigned long long)e->end,
			  (unsigned long long)start, (unsigned long long)end);
	svmt_assert_eq_u64(e->pad, 0);
	svmt_assert_eq_u64(e->reserved[0], 0);
	svmt_assert_eq_u64(e->reserved[1], 0);
	if (e->flags & XE_SVM_EMU_RES_INCOMPLETE)
		svmt_assert_eq_u64(sum, 0);
	else
		svmt_assert_eq_u64(sum, (e->end - e->start) / SZ_4K);
}

struct xe_svm_emu_range_residency *emu_residency(struct emu_vm *vm, const void *addr,
						 size_t size, uint32_t *n)
{
	struct xe_svm_emu_residency q = {
		.vm_id = vm->id, .start = (uintptr_t)addr, .range = size,
	};
	struct xe_svm_emu_range_residency *v;
	uint64_t prev_end = 0;
	uint32_t i;
	int err;

	err = __emu_residency(vm->fd, &q);
	if (err)
		svmt_fail(__FILE__, __LINE__, "RESIDENCY count: %s", strerror(-err));
	svmt_assert_eq_u64(q.sizeof_entry, sizeof(*v));
	/* One more than counted, so that the kernel's rewrite of the count shows. */
	v = calloc(q.num_ranges + 1, sizeof(*v));
	svmt_assert(v);
	*n = q.num_ranges;
	if (!q.num_ranges)
		return v;
	q.num_ranges++;
	q.vector = (uintptr_t)v;
	err = __emu_residency(vm->fd, &q);
	if (err)
		svmt_fail(__FILE__, __LINE__, "RESIDENCY fill: %s", strerror(-err));
	svmt_assert_eq_u64(q.num_ranges, *n);
	for (i = 0; i < *n; i++) {
		emu_residency_entry_check(&v[i], q.start, q.start + q.range, prev_end);
		prev_end = v[i].end;
	}
	return v;
}

int __emu_prefetch(int fd, uint32_t vm, uint64_t addr, uint64_t range, uint32_t region)
{
	struct drm_xe_vm_bind_op op = emu_bind_op(DRM_XE_VM_BIND_OP_PREFETCH, 0, addr, range);

	op.prefetch_mem_region_instance = region;
	return __emu_bind_ops(fd, vm, &op, 1);
}

/* ------------------------------------------------------------------ */
/* Reloading the module with other parameters */

int emu_module_load(int kofd, const char *params)
{
	return syscall(SYS_finit_module, kofd, params, 0);
}

int emu_module_unload(void)
{
	unsigned int i;
	int r;

	/* Retried while a released file may still hold the module. */
	for (i = 0;; i++) {
		r = syscall(SYS_delete_module, "xe_svm_emu", O_NONBLOCK);
		if (!r || (errno != EAGAIN && errno != EBUSY) || i == 100)
			return r;
		usleep(100 * 1000);
	}
}

void emu_module_get(struct emu_module *m)
{
	const char *ko = getenv("XE_SVM_EMU_KO");

	if (!ko)
		svmt_skip("XE_SVM_EMU_KO (path of xe_svm_emu.ko) is not set");
	if (geteuid() != 0)
		svmt_skip("needs root to unload and reload xe_svm_emu");
	m->tiles = svmt_read_ll(EMU_PARAMS "tiles");
	m->vram_mb = svmt_read_ll(EMU_PARAMS "vram_mb");
	if (m->tiles < 1 || m->vram_mb < 1)
		svmt_skip("xe_svm_emu is not loaded as a module");
	snprintf(m->params, sizeof(m->params), "tiles=%lld vram_mb=%lld", m->tiles,
		 m->vram_mb);
	m->kofd = open(ko, O_RDONLY | O_CLOEXEC);
	if (m->kofd < 0)
		svmt_fail(__FILE__, __LINE__, "open %s: %s", ko, strerror(errno));
}

int emu_wait_or_kill(pid_t pid, double secs)
{
	double end = emu_clock_s() + secs;
	int status;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return status;
		if (w < 0 && errno != EINTR)
			return -1;
		if (emu_clock_s() > end) {
			svmt_info("process %d still runs after %.0f s: killed", (int)pid, secs);
			kill(pid, SIGKILL);
			return waitpid(pid, &status, 0) == pid ? status : -1;
		}
		usleep(50 * 1000);
	}
}

void emu_run_with_params(struct emu_module *m, const char *params,
			 void (*worker)(void *), void *arg, double secs)
{
	int status, err = 0;
	struct stat st;
	pid_t w;

	/* No device file is open here: only the unload can fail. */
	svmt_assert_ok(emu_module_unload());
	if (emu_module_load(m->kofd, params)) {
		err = errno;
		svmt_assert_ok(emu_module_load(m->kofd, m->params));
		svmt_fail(__FILE__, __LINE__, "load xe_svm_emu with %s: %s", params,
			  strerror(err));
	}

	w = emu_fork(worker, arg);
	status = emu_wait_or_kill(w, secs);

	/* Back to the original parameters, so that the programs after this one find them. */
	if (emu_module_unload())
		err = errno;
	else if (emu_module_load(m->kofd, m->params))
		err = errno;
	close(m->kofd);
	if (err)
		svmt_fail(__FILE__, __LINE__, "reload xe_svm_emu with %s: %s%s", m->params,
			  strerror(err), stat(EMU_DEV, &st) ? " (no device now)" : "");
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		svmt_fail(__FILE__, __LINE__, "the process run with %s failed (status 0x%x)",
			  params, status);
}
