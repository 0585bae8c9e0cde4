/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * emu: helpers for driving the emulated SVM device (/dev/xe_svm_emu,
 * interface version 5) from the end-to-end tests.
 *
 * Naming: a function whose name starts with "__" does the raw ioctl and
 * returns 0 or -errno, never ends the subtest (the bad-argument tests and
 * the tools use those); the others assert success and end the subtest
 * with a failure otherwise.
 *
 * A VM is handled as a struct emu_vm: the device file it lives on, its
 * id, and the GPU-fault count (struct xe_svm_emu_exec.faults) of the
 * last EXEC run through it.
 */
#ifndef EMU_H
#define EMU_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xe_svm_emu_uapi.h"
#include "svmtest.h"

#define EMU_DEV		"/dev/xe_svm_emu"
/* The module parameters of xe_svm_emu */
#define EMU_PARAMS	"/sys/module/xe_svm_emu/parameters/"

#define SZ_4K		0x1000UL
#define SZ_64K		0x10000UL
#define SZ_2M		0x200000UL

/* GPU virtual addresses are 48 bits wide. */
#define EMU_VA_END	(1ULL << 48)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* 64-bit words in a 4 KiB page */
#define PAGE_WORDS	(SZ_4K / 8)

/*
 * Values and steps of the linear patterns the tests write and compare
 * (word i = V + i * S): three that differ in every word, so that a page
 * left from an earlier pattern never passes for a later one.
 */
#define V1	0x0123456789abcdefULL
#define S1	0x9e3779b97f4a7c15ULL
#define V2	0xfedcba9876543210ULL
#define S2	0x0000000100000001ULL
#define V3	0x5555aaaa5555aaaaULL
#define S3	0x3ULL

/* A VM in fault mode that mirrors the whole CPU address space. */
#define EMU_VM_MIRROR	(DRM_XE_VM_CREATE_FLAG_LR_MODE |		\
			 DRM_XE_VM_CREATE_FLAG_FAULT_MODE |		\
			 DRM_XE_VM_CREATE_FLAG_CPU_ADDR_MIRROR)
/* A VM in fault mode that mirrors nothing until a window is bound. */
#define EMU_VM_FAULT	(DRM_XE_VM_CREATE_FLAG_LR_MODE |		\
			 DRM_XE_VM_CREATE_FLAG_FAULT_MODE)

struct emu_vm {
	int fd;
	uint32_t id;
	/* exec.faults of the last EXEC run with emu_exec() & co. */
	uint64_t faults;
};

/* --- device ------------------------------------------------------- */

/*
 * Open the device; skips the subtest when it does not exist (a failure
 * with SVMT_STRICT=1, see svmt_skip()).
 */
int emu_open(void);
/*
 * Open the device after the subtest itself loaded the module: a missing
 * device file is a failure, never a skip.
 */
int emu_open_reloaded(void);
/* Open the device: the fd or -errno. Never ends the subtest. */
int __emu_open(void);
int __emu_info(int fd, struct xe_svm_emu_info *info);

/* --- VMs ---------------------------------------------------------- */

int __emu_vm_create(int fd, uint32_t flags, uint32_t *id);
int __emu_vm_destroy(int fd, uint32_t id);
struct emu_vm emu_vm_create(int fd, uint32_t flags);
/* Open the device and create a mirror VM (EMU_VM_MIRROR) on it. */
struct emu_vm emu_vm_open_mirror(void);
void emu_vm_destroy(struct emu_vm *vm);
/* Destroy the VM and close its file. */
void emu_vm_close(struct emu_vm *vm);
/* Whether @id names a VM of @fd (probed with STATS: ENOENT = no). */
bool emu_vm_exists(int fd, uint32_t id);

/*
 * One bind op: DRM_XE_VM_BIND_OP_MAP with DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR
 * adds a mirrored window, DRM_XE_VM_BIND_OP_UNMAP removes one.
 */
struct drm_xe_vm_bind_op emu_bind_op(uint32_t op, uint32_t flags,
				     uint64_t addr, uint64_t range);
int __emu_vm_bind(int fd, struct drm_xe_vm_bind *bind);
int __emu_bind_ops(int fd, uint32_t vm, struct drm_xe_vm_bind_op *ops,
		   uint32_t n);
int __emu_mirror(int fd, uint32_t vm, uint64_t addr, uint64_t range);
int __emu_unmirror(int fd, uint32_t vm, uint64_t addr, uint64_t range);
void emu_mirror(struct emu_vm *vm, const void *addr, size_t size);
void emu_unmirror(struct emu_vm *vm, const void *addr, size_t size);

/* --- GPU operations ----------------------------------------------- */

struct xe_svm_emu_op emu_op_read(const void *addr);
struct xe_svm_emu_op emu_op_write(void *addr, uint64_t value);
struct xe_svm_emu_op emu_op_atomic_add(void *addr, uint64_t value);
struct xe_svm_emu_op emu_op_fill(void *addr, size_t size, uint64_t value,
				 uint64_t step);
struct xe_svm_emu_op emu_op_compare(const void *addr, size_t size,
				    uint64_t value, uint64_t step);
/* One op per word of [p, p + nwords words); values may be NULL (all 0). */
struct xe_svm_emu_op *emu_ops_words(const void *p, size_t nwords, uint32_t op,
				    const uint64_t *values);

/* EXEC: 0 or -errno; *faults (may be NULL) gets exec.faults on success. */
int __emu_exec(int fd, uint32_t vm, struct xe_svm_emu_op *ops, uint32_t n,
	       uint64_t *faults);
/* EXEC that must succeed; returns exec.faults (also left in vm->faults). */
uint64_t emu_exec(struct emu_vm *vm, struct xe_svm_emu_op *ops, size_t n);

/* Single operations: each returns the op's result (0 or -errno). */
int emu_read(struct emu_vm *vm, const void *addr, uint64_t *out);
int emu_write(struct emu_vm *vm, void *addr, uint64_t value);
int emu_atomic_add(struct emu_vm *vm, void *addr, uint64_t value,
		   uint64_t *old);
int emu_fill(struct emu_vm *vm, void *addr, size_t size, uint64_t value,
	     uint64_t step);
/* *out: byte offset of the first mismatch or XE_SVM_EMU_COMPARE_EQUAL. */
int emu_compare(struct emu_vm *vm, const void *addr, size_t size,
		uint64_t value, uint64_t step, uint64_t *out);

/* --- snapshots and counters --------------------------------------- */

int __emu_snapshot(int fd, uint32_t vm, uint64_t addr, uint32_t *entries,
		   uint32_t npages);
void emu_snapshot(struct emu_vm *vm, const void *addr, uint32_t *entries,
		  uint32_t npages);
/* A malloc'd snapshot of the pages of [addr, addr + size). */
uint32_t *emu_snapshot_alloc(struct emu_vm *vm, const void *addr, size_t size);

int __emu_stats(int fd, uint32_t vm, struct xe_svm_emu_stats *st);
struct xe_svm_emu_stats emu_stats(struct emu_vm *vm);

/* --- memory-range attributes (MADVISE, QUERY_MEM_RANGE_ATTRS) ------ */

/* MADVISE with @args as given (vm_id included): 0 or -errno. */
int __emu_madvise(int fd, struct drm_xe_madvise *args);
/* MADVISE that must succeed, one attribute over [addr, addr + size). */
void emu_madvise_atomic(struct emu_vm *vm, const void *addr, size_t size, uint32_t mode);
void emu_madvise_pref(struct emu_vm *vm, const void *addr, size_t size, int32_t devmem_fd,
		      uint16_t region_instance);
void emu_madvise_pat(struct emu_vm *vm, const void *addr, size_t size, uint32_t pat);
/*
 * PREFETCH of [addr, addr + range) to region instance @region (0 system,
 * 1 + tile VRAM, DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC): 0 or -errno.
 */
int __emu_prefetch(int fd, uint32_t vm, uint64_t addr, uint64_t range, uint32_t region);
/* QUERY_MEM_RANGE_ATTRS with @args as given: 0 or -errno. */
int __emu_query_attrs(int fd, struct drm_xe_vm_query_mem_range_attr *args);
/*
 * Both calls of the query over [start, start + range): returns a malloc'd
 * vector, its length in *n.
 */
struct drm_xe_mem_range_attr *emu_query_attrs(struct emu_vm *vm, uint64_t start,
					      uint64_t range, uint32_t *n);

/* XE_SVM_EMU_IOCTL_RESIDENCY with @args as given: 0 or -errno. */
int __emu_residency(int fd, struct xe_svm_emu_residency *args);
/*
 * Both calls of the residency query over [addr, addr + size): returns a
 * malloc'd vector, its length in *n. Checks what holds for every entry:
 * ascending, intersecting the interval, page counts adding up to the
 * range's size (unless XE_SVM_EMU_RES_INCOMPLETE), pad and reserved 0.
 */
struct xe_svm_emu_range_residency *emu_residency(struct emu_vm *vm, const void *addr,
						 size_t size, uint32_t *n);

/* --- device memory (VRAM) and migration ---------------------------- */

/*
 * Placement every VM made by emu_vm_create() gets (XE_SVM_EMU_PLACE_*),
 * or -1 for the device's default (VRAM of tile 0). A program that tests
 * system memory only sets it to XE_SVM_EMU_PLACE_SYSTEM before its
 * subtests run.
 */
extern int emu_vm_default_placement;

int __emu_vm_placement(int fd, uint32_t vm, uint32_t placement, uint32_t tile);
int __emu_vm_placement_flags(int fd, uint32_t vm, uint32_t placement,
			     uint32_t tile, uint32_t flags);
void emu_vm_placement(struct emu_vm *vm, uint32_t placement, uint32_t tile);
/*
 * VRAM of tile 0 without thrashing control: every fault the policy
 * allows migrates, however often the range bounced (for tests of the
 * migration machinery).
 */
void emu_vm_no_thrash_control(struct emu_vm *vm);
int __emu_tile_stats(int fd, uint32_t tile, struct xe_svm_emu_tile_stats *st);
struct xe_svm_emu_tile_stats emu_tile_stats(int fd, uint32_t tile);
/*
 * Make the next @n operations of a fault-injection knob fail: @knob is
 * "fail_vram_alloc", "fail_copy_to_vram" or "fail_copy_to_ram" (files in
 * /sys/kernel/debug/xe_svm_emu). Skips the subtest when debugfs is not
 * mounted.
 */
void emu_fail_next(const char *knob, unsigned int n);

/* --- CPU memory ----------------------------------------------------- */

/* mmap() that must succeed. */
void *emu_mmap(size_t size, int prot, int flags, int fd, off_t off);
/*
 * A mapping of exactly [p, p + size) with p aligned to @align, with a
 * PROT_NONE guard mapping on each side so that it never merges with a
 * neighbour: the CPU VMA is exactly the buffer. @flags as for mmap()
 * (MAP_FIXED is added); @fd and @off for file mappings (fd -1: anonymous).
 */
void *emu_map_aligned(size_t size, size_t align, int prot, int flags,
		      int fd, off_t off);
/* Anonymous private read-write memory, 2 MiB aligned. */
void *emu_anon_2m(size_t size);

/* A well-mixed pattern word: different for each (seed, i). */
uint64_t emu_pattern(uint64_t seed, uint64_t i);
void emu_fill_pattern(uint64_t *p, size_t nwords, uint64_t seed);
/* p[i] = value + i * step: what XE_SVM_EMU_OP_FILL writes. */
void emu_fill_linear(uint64_t *p, size_t nwords, uint64_t value, uint64_t step);

/* --- assertions ------------------------------------------------------ */

const char *emu_errname(int err);

/* The result of an op (0 or -errno) is exactly @want. */
#define emu_assert_result(got, want) \
	emu_assert_result_at(__FILE__, __LINE__, #got, (got), (want))
void emu_assert_result_at(const char *file, int line, const char *what,
			  int64_t got, int64_t want);

/* Every word i of p[0..nwords) is value + i * step. */
#define emu_assert_linear(p, nwords, value, step) \
	emu_assert_linear_at(__FILE__, __LINE__, (p), (nwords), (value), (step))
void emu_assert_linear_at(const char *file, int line, const uint64_t *p,
			  size_t nwords, uint64_t value, uint64_t step);

/* Every word i of p[0..nwords) is emu_pattern(seed, i). */
#define emu_assert_pattern(p, nwords, seed) \
	emu_assert_pattern_at(__FILE__, __LINE__, (p), (nwords), (seed))
void emu_assert_pattern_at(const char *file, int line, const uint64_t *p,
			   size_t nwords, uint64_t seed);

/* GPU COMPARE of [addr, +size) against value + i * step matches. */
#define emu_assert_gpu_linear(vm, addr, size, value, step) \
	emu_assert_gpu_linear_at(__FILE__, __LINE__, (vm), (addr), (size), \
				 (value), (step))
void emu_assert_gpu_linear_at(const char *file, int line, struct emu_vm *vm,
			      const void *addr, size_t size, uint64_t value,
			      uint64_t step);

/* Two STATS results are identical, field by field. */
#define emu_assert_stats_same(a, b) \
	emu_assert_stats_same_at(__FILE__, __LINE__, (a), (b))
void emu_assert_stats_same_at(const char *file, int line,
			      const struct xe_svm_emu_stats *a,
			      const struct xe_svm_emu_stats *b);
void emu_print_stats(const char *what, const struct xe_svm_emu_stats *st);

/* --- child processes --------------------------------------------------- */

/*
 * Run fn(arg) in a child process, which exits 0 when fn returns (a failed
 * assertion in it exits non-zero). Returns the child's pid.
 */
pid_t emu_fork(void (*fn)(void *), void *arg);
/* Wait for a child of emu_fork(); it must have exited 0. */
#define emu_wait_ok(pid) emu_wait_ok_at(__FILE__, __LINE__, (pid))
void emu_wait_ok_at(const char *file, int line, pid_t pid);
/*
 * SIGKILL a child of emu_fork() and reap it, polling for up to @limit_s
 * seconds: it must go within that bound (a kernel that ignores the
 * signal fails here, not by the subtest's timeout) and die of the signal
 * (not of a failure of its own first). Returns the seconds it took.
 */
#define emu_kill_reap(pid, limit_s) emu_kill_reap_at(__FILE__, __LINE__, (pid), (limit_s))
double emu_kill_reap_at(const char *file, int line, pid_t pid, double limit_s);

/* --- migration tests ----------------------------------------------------- */

/* TILE_STATS.vram_pages_in_use of @tile now. */
uint64_t emu_vram_in_use(int fd, uint32_t tile);
/*
 * TILE_STATS.vram_pages_in_use of @tile is exactly @want, or becomes it
 * within a few seconds: a device page freed by a munmap, an exit or a
 * migration may be given back by a worker. Fails the subtest otherwise.
 */
#define emu_assert_vram_in_use(fd, tile, want) \
	emu_assert_vram_in_use_at(__FILE__, __LINE__, (fd), (tile), (want))
void emu_assert_vram_in_use_at(const char *file, int line, int fd,
			       uint32_t tile, uint64_t want);
void emu_print_tile_stats(const char *what,
			  const struct xe_svm_emu_tile_stats *st);

/*
 * A new file of @size bytes under /tmp/xe_svm_test holding the words
 * value + i * step; its name is written to @path (@len bytes). Returns
 * the file, open read-write.
 */
int emu_tmp_file(char *path, size_t len, size_t size, uint64_t value,
		 uint64_t step);
/*
 * @size bytes of 2 MiB hugetlbfs pages at a 2 MiB-aligned address, with
 * PROT_NONE guards: @flags MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, or
 * MAP_SHARED with a hugetlbfs file @fd. Skips the subtest when there are
 * no huge pages to map.
 */
void *emu_map_huge(size_t size, int flags, int fd);

/*
 * A thread that munmaps 2 MiB at @tail and maps fresh anonymous memory
 * there again (its first page written by the CPU), in a loop, until
 * emu_remap_loop_stop(), which returns how many rounds it made.
 */
struct emu_remap_loop {
	char *tail;
	volatile int stop;
	unsigned long rounds;
	unsigned int pause_us;
	pthread_t thread;
};

void emu_remap_loop_start(struct emu_remap_loop *r, void *tail, unsigned int pause_us);
unsigned long emu_remap_loop_stop(struct emu_remap_loop *r);

/* Two pipes between a test process and its child, one byte per message. */
struct emu_pipes {
	int to_child[2];
	int to_parent[2];
};

void emu_pipes_init(struct emu_pipes *pp);
void emu_send_byte(int fd);
void emu_recv_byte(int fd);

/*
 * Reloading xe_svm_emu with other parameters (root, XE_SVM_EMU_KO the
 * path of its .ko, and the module loaded as a module).
 */
struct emu_module {
	int kofd;		/* the .ko, open */
	long long tiles, vram_mb;
	char params[64];	/* the parameters it is loaded with now */
};

/* finit_module / delete_module of xe_svm_emu: 0 or -1 with errno. */
int emu_module_load(int kofd, const char *params);
int emu_module_unload(void);
/* The module as loaded now, and its .ko; skips if it cannot be reloaded. */
void emu_module_get(struct emu_module *m);
/*
 * The wait status of child @pid, killed if it runs for more than @secs
 * seconds; -1 if it cannot be waited for.
 */
int emu_wait_or_kill(pid_t pid, double secs);
/*
 * Reload the module with @params, run @worker(@arg) in a child process
 * (killed after @secs seconds), then reload it with @m's parameters
 * whatever happened (closing @m's .ko), so that the programs after this
 * one find the device; fails if the worker or a reload failed.
 */
void emu_run_with_params(struct emu_module *m, const char *params,
			 void (*worker)(void *), void *arg, double secs);

#endif
