// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_drm: the emulated device's xe DRM face (module xe_svm_emu_drm),
 * as a new user of xe's uAPI would test it. IGT's
 * xe_exec_system_allocator exercises the path it takes (MI_STORE_DWORD,
 * MI_ATOMIC INC, user fences, mirror binds); this program holds the rest
 * of the face to its documentation ("DOC: Emulated xe DRM device"):
 *
 * - the device is found as IGT finds it (a card node whose driver is
 *   "xe") and its queries follow xe's size protocol;
 * - every ioctl refuses bad input with xe's errno and does nothing;
 * - the command streamer runs every command it documents, with the
 *   values checked word by word: stores of a dword, a qword and several
 *   dwords, MI_FLUSH_DW's post-sync write, each MI_ATOMIC operation in
 *   both sizes, chained and second-level batches;
 * - a job that meets an unknown command, faults where nothing is
 *   mapped, or never ends bans its queue: its fence is never written,
 *   WAIT_USER_FENCE on the queue fails with -EIO, the BAN property reads
 *   1, the next EXEC fails with -ECANCELED; other queues run on;
 * - buffer objects map as shared memory that outlives the handle, and
 *   bound into a VM they are what the GPU reaches there, piece by piece
 *   as later binds cut them, never over mirrored memory the GPU mapped;
 * - the per-GT statistic svm_pagefault_count counts the GPU faults;
 * - buffer objects placed in VRAM and SVM compete for it through TTM,
 *   with VRAM made small by the emulated device's balloon: a new object
 *   evicts SVM ranges, SVM ranges evict objects (least recently used
 *   first), an evicted object the GPU touches comes back, evicting in
 *   turn; every word stays right, and VRAM empties at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/xe_drm.h>

#include "lib/svmtest.h"
#include "xe_svm_emu_uapi.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define VA_BITS		48
#define UFENCE_VALUE	0xdeadbeefdeadbeefULL
#define TIMEOUT_NS	(5 * 1000000000LL)

/* MI commands, as IGT's headers encode them */
#define MI_INSTR(op, flags)	(((op) << 23) | (flags))
#define MI_NOOP			MI_INSTR(0x00, 0)
#define MI_ARB_CHECK		MI_INSTR(0x05, 0)
#define MI_BATCH_BUFFER_END	MI_INSTR(0x0a, 0)
#define MI_STORE_DWORD_IMM	MI_INSTR(0x20, 2)
#define MI_STORE_QWORD_IMM	(MI_INSTR(0x20, 3) | (1 << 21))
#define MI_FLUSH_DW		MI_INSTR(0x26, 1)
#define MI_FLUSH_DW_OP_STOREDW	(1 << 14)
#define MI_ATOMIC		MI_INSTR(0x2f, 1)
#define MI_ATOMIC_INLINE	(MI_INSTR(0x2f, 9) | (1 << 18))
#define MI_ATOMIC_OP(op, qword)	(((op) | ((qword) ? 0x20 : 0)) << 8)
#define MI_BATCH_BUFFER_START	MI_INSTR(0x31, 1)
#define MI_BB_SECOND_LEVEL	(1 << 22)

enum { AT_AND = 1, AT_OR, AT_XOR, AT_MOVE, AT_INC, AT_DEC, AT_ADD, AT_SUB };

/* The card node of the emulated xe device, found as IGT finds one. */
static int drm_open_xe(void)
{
	char path[32], name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "xe"))
			return fd;
		close(fd);
	}
	svmt_skip("no DRM card whose driver is \"xe\" (module xe_svm_emu_drm not loaded?)");
}

static uint32_t vm_create(int fd)
{
	struct drm_xe_vm_create c = {
		.flags = DRM_XE_VM_CREATE_FLAG_LR_MODE | DRM_XE_VM_CREATE_FLAG_FAULT_MODE,
	};

	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_VM_CREATE, &c));
	return c.vm_id;
}

static int vm_bind(int fd, uint32_t vm, uint64_t addr, uint64_t range, uint32_t op,
		   uint32_t flags, uint64_t *ufence)
{
	struct drm_xe_sync sync = {
		.type = DRM_XE_SYNC_TYPE_USER_FENCE,
		.flags = DRM_XE_SYNC_FLAG_SIGNAL,
		.addr = (uintptr_t)ufence,
		.timeline_value = UFENCE_VALUE,
	};
	struct drm_xe_vm_bind b = {
		.vm_id = vm,
		.num_binds = 1,
		.bind = { .addr = addr, .range = range, .op = op, .flags = flags },
		.num_syncs = ufence ? 1 : 0,
		.syncs = (uintptr_t)&sync,
	};

	return ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b);
}

/* A fault-mode VM that mirrors the whole address space. */
static uint32_t vm_create_mirror(int fd)
{
	uint32_t vm = vm_create(fd);
	uint64_t fence = 0;

	svmt_assert_ok(vm_bind(fd, vm, 0, 1ULL << VA_BITS, DRM_XE_VM_BIND_OP_MAP,
			       DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR, &fence));
	/* The bind is done when the ioctl returns: its fence is written. */
	svmt_assert_eq_u64(fence, UFENCE_VALUE);
	return vm;
}

static uint32_t queue_create(int fd, uint32_t vm, uint16_t gt)
{
	struct drm_xe_engine_class_instance inst = {
		.engine_class = DRM_XE_ENGINE_CLASS_COPY, .gt_id = gt,
	};
	struct drm_xe_exec_queue_create c = {
		.vm_id = vm, .width = 1, .num_placements = 1,
		.instances = (uintptr_t)&inst,
	};

	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c));
	return c.exec_queue_id;
}

static int exec_batch(int fd, uint32_t q, const void *batch, uint64_t *ufence)
{
	struct drm_xe_sync sync = {
		.type = DRM_XE_SYNC_TYPE_USER_FENCE,
		.flags = DRM_XE_SYNC_FLAG_SIGNAL,
		.addr = (uintptr_t)ufence,
		.timeline_value = UFENCE_VALUE,
	};
	struct drm_xe_exec e = {
		.exec_queue_id = q,
		.num_syncs = ufence ? 1 : 0,
		.syncs = (uintptr_t)&sync,
		.address = (uintptr_t)batch,
		.num_batch_buffer = 1,
	};

	return ioctl(fd, DRM_IOCTL_XE_EXEC, &e);
}

static int wait_ufence(int fd, uint64_t *addr, uint64_t value, uint32_t q, int64_t timeout)
{
	struct drm_xe_wait_user_fence w = {
		.addr = (uintptr_t)addr, .op = DRM_XE_UFENCE_WAIT_OP_EQ,
		.value = value, .mask = ~0ULL, .timeout = timeout, .exec_queue_id = q,
	};

	return ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w);
}

/* Run @batch on a new queue of a new mirror VM; wait for its fence. */
static void run_batch(int fd, const void *batch)
{
	uint64_t *fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t vm = vm_create_mirror(fd);
	uint32_t q = queue_create(fd, vm, 0);

	svmt_assert(fence != MAP_FAILED);
	svmt_assert_ok(exec_batch(fd, q, batch, fence));
	svmt_assert_ok(wait_ufence(fd, fence, UFENCE_VALUE, q, TIMEOUT_NS));
	munmap(fence, SZ_4K);
}

static void *alloc_2m(void)
{
	void *p = aligned_alloc(SZ_2M, SZ_2M);

	svmt_assert(p);
	memset(p, 0, SZ_2M);
	return p;
}

static int query(int fd, uint32_t type, void *data, uint32_t *size)
{
	struct drm_xe_device_query q = {
		.query = type, .size = *size, .data = (uintptr_t)data,
	};
	int r = ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);

	*size = q.size;
	return r;
}

/* The driver name IGT matches on, on both the card and the render node. */
static void test_drm_version(void)
{
	int fd = drm_open_xe();
	char name[16] = { 0 };
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	struct stat st;

	svmt_assert_ok(ioctl(fd, DRM_IOCTL_VERSION, &v));
	svmt_assert(!strcmp(name, "xe"));
	svmt_assert_ok(fstat(fd, &st));
	svmt_info("card node minor %u", minor(st.st_rdev));
	close(fd);
}

static void test_query(void)
{
	int fd = drm_open_xe();
	struct drm_xe_query_config *config;
	struct drm_xe_query_gt_list *gts;
	struct drm_xe_query_engines *engines;
	struct drm_xe_query_mem_regions *regions;
	struct drm_xe_device_query bad = { .query = DRM_XE_DEVICE_QUERY_CONFIG };
	uint32_t size = 0, i;
	char small[8];

	/* Size first, then the data; a short buffer is -EINVAL. */
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_CONFIG, NULL, &size));
	svmt_assert(size >= sizeof(*config) + 5 * sizeof(uint64_t));
	config = calloc(1, size);
	i = size - 1;
	svmt_assert_errno(query(fd, DRM_XE_DEVICE_QUERY_CONFIG, config, &i), EINVAL);
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_CONFIG, config, &size));
	svmt_assert_eq_u64(config->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] & 0xffff, 0xe20b);
	svmt_assert_eq_u64(config->info[DRM_XE_QUERY_CONFIG_VA_BITS], VA_BITS);
	svmt_assert_eq_u64(config->info[DRM_XE_QUERY_CONFIG_FLAGS] &
			   (DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM |
			    DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR),
			   DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM |
			   DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR);

	size = 0;
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_GT_LIST, NULL, &size));
	gts = calloc(1, size);
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_GT_LIST, gts, &size));
	svmt_assert(gts->num_gt >= 1);
	for (i = 0; i < gts->num_gt; i++) {
		svmt_assert_eq_u64(gts->gt_list[i].gt_id, i);
		/* Each GT's near memory is its tile's VRAM, instance 1 + tile. */
		svmt_assert_eq_u64(gts->gt_list[i].near_mem_regions, 1ULL << (1 + i));
		svmt_assert(gts->gt_list[i].far_mem_regions & 1);
	}

	size = 0;
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_ENGINES, NULL, &size));
	engines = calloc(1, size);
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_ENGINES, engines, &size));
	svmt_assert_eq_u64(engines->num_engines, gts->num_gt);
	for (i = 0; i < engines->num_engines; i++) {
		svmt_assert_eq_u64(engines->engines[i].instance.engine_class,
				   DRM_XE_ENGINE_CLASS_COPY);
		svmt_assert_eq_u64(engines->engines[i].instance.gt_id, i);
	}

	size = 0;
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_MEM_REGIONS, NULL, &size));
	regions = calloc(1, size);
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_MEM_REGIONS, regions, &size));
	svmt_assert_eq_u64(regions->num_mem_regions, gts->num_gt + 1);
	svmt_assert_eq_u64(regions->mem_regions[0].mem_class, DRM_XE_MEM_REGION_CLASS_SYSMEM);
	for (i = 1; i < regions->num_mem_regions; i++) {
		svmt_assert_eq_u64(regions->mem_regions[i].mem_class, DRM_XE_MEM_REGION_CLASS_VRAM);
		svmt_assert_eq_u64(regions->mem_regions[i].instance, i);
		svmt_assert(regions->mem_regions[i].total_size > 0);
	}

	/* HWCONFIG: empty, as xe without a table; unknown: -EINVAL. */
	size = 0;
	svmt_assert_ok(query(fd, DRM_XE_DEVICE_QUERY_HWCONFIG, NULL, &size));
	svmt_assert_eq_u64(size, 0);
	size = 0;
	svmt_assert_errno(query(fd, 0x7fff, NULL, &size), EINVAL);
	size = sizeof(small);
	svmt_assert_errno(query(fd, DRM_XE_DEVICE_QUERY_GT_TOPOLOGY, small, &size), EINVAL);
	bad.reserved[1] = 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &bad), EINVAL);
	bad.reserved[1] = 0;
	bad.extensions = 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &bad), EINVAL);
	free(config);
	free(gts);
	free(engines);
	free(regions);
	close(fd);
}

static int gem_create(int fd, uint64_t size, uint32_t placement, uint32_t flags,
		      uint16_t caching, uint32_t vm, uint32_t *handle)
{
	struct drm_xe_gem_create c = {
		.size = size, .placement = placement, .flags = flags,
		.cpu_caching = caching, .vm_id = vm,
	};
	int r = ioctl(fd, DRM_IOCTL_XE_GEM_CREATE, &c);

	*handle = c.handle;
	return r;
}

static void test_gem_bad(void)
{
	int fd = drm_open_xe();
	struct drm_xe_gem_mmap_offset mo = { .handle = 0x7777 };
	uint32_t h;

	svmt_assert_errno(gem_create(fd, 0, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, 100, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 0, 0, DRM_XE_GEM_CPU_CACHING_WB, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 1u << 20, 0, DRM_XE_GEM_CPU_CACHING_WB, 0, &h),
			  EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 1, 0, 0, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 1, 0, 3, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 1, 1u << 5, DRM_XE_GEM_CPU_CACHING_WB, 0, &h),
			  EINVAL);
	/* VRAM is not CPU-cached; visible VRAM needs VRAM. */
	svmt_assert_errno(gem_create(fd, SZ_4K, 2, 0, DRM_XE_GEM_CPU_CACHING_WB, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 1, DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM,
				     DRM_XE_GEM_CPU_CACHING_WB, 0, &h), EINVAL);
	svmt_assert_errno(gem_create(fd, SZ_4K, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, 0x7777, &h),
			  ENOENT);
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mo), ENOENT);
	svmt_assert_ok(gem_create(fd, SZ_4K, 2, DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM,
				  DRM_XE_GEM_CPU_CACHING_WC, 0, &h));
	mo.handle = h;
	mo.flags = 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mo), EINVAL);
	close(fd);
}

/* A BO maps as shared memory that outlives its handle. */
static void test_gem_mmap(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create(fd), h, i;
	struct drm_xe_gem_mmap_offset mo = { 0 };
	struct drm_gem_close cl = { 0 };
	uint64_t *a, *b, want[512];

	svmt_assert_ok(gem_create(fd, 2 * SZ_4K, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, vm, &h));
	mo.handle = h;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mo));
	a = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, mo.offset);
	b = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, mo.offset);
	svmt_assert(a != MAP_FAILED && b != MAP_FAILED);
	for (i = 0; i < 512; i++)
		a[i] = want[i] = 0x1234000000000000ULL + i;
	cl.handle = h;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl));
	/* Both mappings see the same pages, after the handle is gone too. */
	svmt_assert_buf_eq(b, want, 512);
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mo), ENOENT);
	munmap(a, 2 * SZ_4K);
	munmap(b, 2 * SZ_4K);
	close(fd);
}

/* Every store command, values checked word by word. */
static void test_exec_stores(void)
{
	int fd = drm_open_xe();
	uint32_t *mem = alloc_2m(), *batch = mem, *data = mem + 4096, b = 0, i;
	uint64_t base = (uintptr_t)data;
	uint32_t want[32] = { 0 };

	/* A dword, a qword, three dwords, a flush with a post-sync dword. */
	batch[b++] = MI_STORE_DWORD_IMM;
	batch[b++] = base;
	batch[b++] = base >> 32;
	batch[b++] = 0x11111111;
	want[0] = 0x11111111;
	batch[b++] = MI_STORE_QWORD_IMM;
	batch[b++] = base + 8;
	batch[b++] = (base + 8) >> 32;
	batch[b++] = 0x22222222;
	batch[b++] = 0x33333333;
	want[2] = 0x22222222;
	want[3] = 0x33333333;
	batch[b++] = MI_INSTR(0x20, 4);
	batch[b++] = base + 16;
	batch[b++] = (base + 16) >> 32;
	for (i = 0; i < 3; i++)
		batch[b++] = want[4 + i] = 0x44440000 + i;
	batch[b++] = MI_NOOP;
	batch[b++] = MI_ARB_CHECK;
	/* One more dword than the bare flush: the post-sync data. */
	batch[b++] = (MI_FLUSH_DW + 1) | MI_FLUSH_DW_OP_STOREDW;
	batch[b++] = base + 32;
	batch[b++] = (base + 32) >> 32;
	batch[b++] = 0x55555555;
	want[8] = 0x55555555;
	batch[b++] = MI_BATCH_BUFFER_END;

	run_batch(fd, batch);
	for (i = 0; i < 32; i++)
		if (data[i] != want[i])
			svmt_fail(__FILE__, __LINE__, "dword %u: 0x%08x, expected 0x%08x",
				  i, data[i], want[i]);
	close(fd);
}

static void emit_atomic(uint32_t *batch, uint32_t *b, uint64_t addr, int op, int qword,
			uint64_t operand)
{
	bool inline_data = op != AT_INC && op != AT_DEC;
	int i;

	batch[(*b)++] = (inline_data ? MI_ATOMIC_INLINE : MI_ATOMIC) | MI_ATOMIC_OP(op, qword);
	batch[(*b)++] = addr;
	batch[(*b)++] = addr >> 32;
	if (inline_data) {
		batch[(*b)++] = operand;
		batch[(*b)++] = operand >> 32;
		for (i = 0; i < 6; i++)
			batch[(*b)++] = 0;
	}
}

/* Each MI_ATOMIC operation, dword and qword. */
static void test_exec_atomics(void)
{
	static const struct { int op; uint64_t start, operand, dword, qword; } t[] = {
		{ AT_AND, 0xff00ff00ff00ff00ULL, 0x0ff00ff00ff00ff0ULL, 0x0f000f00, 0x0f000f000f000f00ULL },
		{ AT_OR,  0xff00ff00ff00ff00ULL, 0x0ff00ff00ff00ff0ULL, 0xfff0fff0, 0xfff0fff0fff0fff0ULL },
		{ AT_XOR, 0xff00ff00ff00ff00ULL, 0x0ff00ff00ff00ff0ULL, 0xf0f0f0f0, 0xf0f0f0f0f0f0f0f0ULL },
		{ AT_MOVE, 1, 0x123456789abcdef0ULL, 0x9abcdef0, 0x123456789abcdef0ULL },
		{ AT_INC, 0xffffffffULL, 0, 0, 0x100000000ULL },
		{ AT_DEC, 0x100000000ULL, 0, 0xffffffff, 0xffffffffULL },
		{ AT_ADD, 0xfffffff0ULL, 0x20, 0x10, 0x100000010ULL },
		{ AT_SUB, 5, 7, 0xfffffffe, 0xfffffffffffffffeULL },
	};
	int fd = drm_open_xe();
	uint32_t *mem = alloc_2m(), *batch = mem, b = 0, i;
	uint64_t *data = (uint64_t *)(mem + 4096);
	unsigned int n = sizeof(t) / sizeof(t[0]);

	/* Slot 2i: a dword atomic on the low half; slot 2i + 1: a qword one. */
	for (i = 0; i < n; i++) {
		data[2 * i] = t[i].start;
		data[2 * i + 1] = t[i].start;
		emit_atomic(batch, &b, (uintptr_t)&data[2 * i], t[i].op, 0, t[i].operand);
		emit_atomic(batch, &b, (uintptr_t)&data[2 * i + 1], t[i].op, 1, t[i].operand);
	}
	batch[b++] = MI_BATCH_BUFFER_END;

	run_batch(fd, batch);
	for (i = 0; i < n; i++) {
		/* The dword atomic leaves the high half alone. */
		uint64_t dword = (t[i].start & 0xffffffff00000000ULL) | t[i].dword;

		if (data[2 * i] != dword || data[2 * i + 1] != t[i].qword)
			svmt_fail(__FILE__, __LINE__, "op %d: dword 0x%016llx (want 0x%016llx), "
				  "qword 0x%016llx (want 0x%016llx)", t[i].op,
				  (unsigned long long)data[2 * i], (unsigned long long)dword,
				  (unsigned long long)data[2 * i + 1],
				  (unsigned long long)t[i].qword);
	}
	close(fd);
}

static void emit_store(uint32_t *batch, uint32_t *b, uint32_t *where, uint32_t value)
{
	uint64_t a = (uintptr_t)where;

	batch[(*b)++] = MI_STORE_DWORD_IMM;
	batch[(*b)++] = a;
	batch[(*b)++] = a >> 32;
	batch[(*b)++] = value;
}

static void emit_bb_start(uint32_t *batch, uint32_t *b, const uint32_t *to, uint32_t flags)
{
	uint64_t a = (uintptr_t)to;

	batch[(*b)++] = MI_BATCH_BUFFER_START | flags;
	batch[(*b)++] = a;
	batch[(*b)++] = a >> 32;
}

/*
 * A second-level batch returns to its caller at its end; a chained one
 * does not (its end ends the job), so nothing after the jump runs.
 */
static void test_exec_chained(void)
{
	int fd = drm_open_xe();
	uint32_t *mem = alloc_2m(), *first = mem, *second = mem + 1024, *third = mem + 2048;
	uint32_t *data = mem + 4096, b = 0, b2 = 0, b3 = 0;

	emit_store(first, &b, &data[0], 1);
	emit_bb_start(first, &b, second, MI_BB_SECOND_LEVEL);
	emit_store(first, &b, &data[2], 3);
	emit_bb_start(first, &b, third, 0);
	emit_store(first, &b, &data[5], 0xbad);
	first[b++] = MI_BATCH_BUFFER_END;

	emit_store(second, &b2, &data[1], 2);
	second[b2++] = MI_BATCH_BUFFER_END;
	emit_store(third, &b3, &data[3], 4);
	third[b3++] = MI_BATCH_BUFFER_END;
	emit_store(third, &b3, &data[4], 0xbad);

	run_batch(fd, first);
	svmt_assert_eq_u64(data[0], 1);
	svmt_assert_eq_u64(data[1], 2);
	svmt_assert_eq_u64(data[2], 3);
	svmt_assert_eq_u64(data[3], 4);
	svmt_assert_eq_u64(data[4], 0);
	svmt_assert_eq_u64(data[5], 0);
	close(fd);
}

static uint64_t queue_banned(int fd, uint32_t q)
{
	struct drm_xe_exec_queue_get_property p = {
		.exec_queue_id = q, .property = DRM_XE_EXEC_QUEUE_GET_PROPERTY_BAN,
	};

	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY, &p));
	return p.value;
}

/*
 * Run @batch, which must hang its queue; check the ban and that another
 * queue of the same VM still runs.
 */
static void expect_ban(const uint32_t *batch, uint32_t *data)
{
	int fd = drm_open_xe();
	uint64_t *fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t vm = vm_create_mirror(fd), q = queue_create(fd, vm, 0), other;
	uint32_t ok_batch[8], b = 0;

	svmt_assert(fence != MAP_FAILED);
	svmt_assert_eq_u64(queue_banned(fd, q), 0);
	svmt_assert_ok(exec_batch(fd, q, batch, fence));
	svmt_assert_errno(wait_ufence(fd, fence, UFENCE_VALUE, q, 60 * 1000000000LL), EIO);
	svmt_assert_eq_u64(*fence, 0);
	svmt_assert_eq_u64(queue_banned(fd, q), 1);
	svmt_assert_errno(exec_batch(fd, q, batch, fence), ECANCELED);

	other = queue_create(fd, vm, 0);
	emit_store(ok_batch, &b, &data[100], 0x600d);
	ok_batch[b++] = MI_BATCH_BUFFER_END;
	svmt_assert_ok(exec_batch(fd, other, ok_batch, fence));
	svmt_assert_ok(wait_ufence(fd, fence, UFENCE_VALUE, other, TIMEOUT_NS));
	svmt_assert_eq_u64(data[100], 0x600d);
	munmap(fence, SZ_4K);
	close(fd);
}

static void test_ban_unknown_command(void)
{
	uint32_t *mem = alloc_2m(), *data = mem + 4096, b = 0;

	emit_store(mem, &b, &data[0], 1);
	mem[b++] = MI_INSTR(0x3f, 0);
	emit_store(mem, &b, &data[1], 2);
	mem[b++] = MI_BATCH_BUFFER_END;
	expect_ban(mem, data);
	/* The commands before it ran, none after. */
	svmt_assert_eq_u64(data[0], 1);
	svmt_assert_eq_u64(data[1], 0);
}

static void test_ban_fault(void)
{
	uint32_t *mem = alloc_2m(), *data = mem + 4096, b = 0;
	/* Mirrored, but nothing is mapped there: the GPU fault fails. */
	void *hole = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	svmt_assert(hole != MAP_FAILED);
	emit_store(mem, &b, hole, 1);
	mem[b++] = MI_BATCH_BUFFER_END;
	expect_ban(mem, data);
}

static void test_ban_runaway(void)
{
	uint32_t *mem = alloc_2m(), *data = mem + 4096, b = 0;

	/* A batch that jumps to itself never ends. */
	emit_bb_start(mem, &b, mem, 0);
	expect_ban(mem, data);
}

static void test_exec_bad(void)
{
	int fd = drm_open_xe();
	uint64_t *fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t vm = vm_create_mirror(fd), q = queue_create(fd, vm, 0);
	uint32_t *batch = alloc_2m();
	struct drm_xe_sync syncs[2] = {
		{ .type = DRM_XE_SYNC_TYPE_USER_FENCE, .flags = DRM_XE_SYNC_FLAG_SIGNAL,
		  .addr = (uintptr_t)fence, .timeline_value = 1 },
		{ .type = DRM_XE_SYNC_TYPE_USER_FENCE, .flags = DRM_XE_SYNC_FLAG_SIGNAL,
		  .addr = (uintptr_t)fence, .timeline_value = 1 },
	};
	struct drm_xe_exec e = {
		.exec_queue_id = q, .address = (uintptr_t)batch, .num_batch_buffer = 1,
		.syncs = (uintptr_t)syncs,
	};

	batch[0] = MI_BATCH_BUFFER_END;
	e.exec_queue_id = 0x7777;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), ENOENT);
	e.exec_queue_id = q;
	e.num_batch_buffer = 2;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EINVAL);
	e.num_batch_buffer = 1;
	e.pad[1] = 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EINVAL);
	e.pad[1] = 0;
	/* Two user fences; one not signalling; unaligned; signalled syncobj. */
	e.num_syncs = 2;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EINVAL);
	e.num_syncs = 1;
	syncs[0].flags = 0;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EOPNOTSUPP);
	syncs[0].flags = DRM_XE_SYNC_FLAG_SIGNAL;
	syncs[0].addr += 4;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EINVAL);
	syncs[0].addr -= 4;
	syncs[0].type = DRM_XE_SYNC_TYPE_SYNCOBJ;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EOPNOTSUPP);
	syncs[0].flags = 0;
	syncs[0].addr = 0x7777;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), ENOENT);
	syncs[0].type = 77;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EINVAL);
	/* Nothing ran: the fence page is untouched. */
	svmt_assert_eq_u64(*fence, 0);

	/* No batch: only the fence, once the job's turn comes. */
	syncs[0].type = DRM_XE_SYNC_TYPE_USER_FENCE;
	syncs[0].flags = DRM_XE_SYNC_FLAG_SIGNAL;
	syncs[0].addr = (uintptr_t)fence;
	syncs[0].timeline_value = UFENCE_VALUE;
	e.num_batch_buffer = 0;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_EXEC, &e));
	svmt_assert_ok(wait_ufence(fd, fence, UFENCE_VALUE, q, TIMEOUT_NS));
	munmap(fence, SZ_4K);
	close(fd);
}

/* A job waits for its syncobj in-fences; a syncobj with none is -EINVAL. */
static void test_syncobj_wait(void)
{
	int fd = drm_open_xe();
	uint64_t *fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t vm = vm_create_mirror(fd), q = queue_create(fd, vm, 0);
	uint32_t *batch = alloc_2m(), *data = batch + 4096, b = 0;
	struct drm_syncobj_create signaled = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	struct drm_syncobj_create empty = { 0 };
	struct drm_xe_sync syncs[2] = {
		{ .type = DRM_XE_SYNC_TYPE_SYNCOBJ },
		{ .type = DRM_XE_SYNC_TYPE_USER_FENCE, .flags = DRM_XE_SYNC_FLAG_SIGNAL,
		  .addr = (uintptr_t)fence, .timeline_value = UFENCE_VALUE },
	};
	struct drm_xe_exec e = {
		.exec_queue_id = q, .address = (uintptr_t)batch, .num_batch_buffer = 1,
		.num_syncs = 2, .syncs = (uintptr_t)syncs,
	};

	svmt_assert(fence != MAP_FAILED);
	emit_store(batch, &b, &data[0], 0x5eed);
	batch[b++] = MI_BATCH_BUFFER_END;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &signaled));
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &empty));
	syncs[0].handle = empty.handle;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC, &e), EINVAL);
	svmt_assert_eq_u64(*fence, 0);
	syncs[0].handle = signaled.handle;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_EXEC, &e));
	svmt_assert_ok(wait_ufence(fd, fence, UFENCE_VALUE, q, TIMEOUT_NS));
	svmt_assert_eq_u64(data[0], 0x5eed);
	munmap(fence, SZ_4K);
	close(fd);
}

static void test_queue_bad(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create(fd);
	struct drm_xe_engine_class_instance inst = { .engine_class = DRM_XE_ENGINE_CLASS_COPY };
	struct drm_xe_exec_queue_create c = {
		.vm_id = vm, .width = 1, .num_placements = 1, .instances = (uintptr_t)&inst,
	};
	struct drm_xe_exec_queue_destroy d = { .exec_queue_id = 0x7777 };
	struct drm_xe_exec_queue_get_property p = { .exec_queue_id = 0x7777 };

	c.width = 2;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), EINVAL);
	c.width = 1;
	c.num_placements = 0;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), EINVAL);
	c.num_placements = 1;
	inst.engine_class = DRM_XE_ENGINE_CLASS_RENDER;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), EINVAL);
	inst.engine_class = DRM_XE_ENGINE_CLASS_COPY;
	inst.gt_id = 99;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), EINVAL);
	inst.gt_id = 0;
	c.flags = 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), EINVAL);
	c.flags = 0;
	c.vm_id = 0x7777;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), ENOENT);
	c.vm_id = vm;
	c.instances = 8;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c), EFAULT);
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &d), ENOENT);
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY, &p), ENOENT);

	c.instances = (uintptr_t)&inst;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &c));
	p.exec_queue_id = c.exec_queue_id;
	p.property = 99;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY, &p), EINVAL);
	d.exec_queue_id = c.exec_queue_id;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &d));
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &d), ENOENT);
	close(fd);
}

/* WAIT_USER_FENCE: each comparison, the mask, time-outs and bad input. */
static void test_wait_ufence(void)
{
	int fd = drm_open_xe();
	uint64_t *v = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct drm_xe_wait_user_fence w = {
		.addr = (uintptr_t)v, .mask = ~0ULL, .timeout = 0,
	};
	static const struct { uint16_t op; uint64_t value; bool passes; } t[] = {
		{ DRM_XE_UFENCE_WAIT_OP_EQ, 10, true }, { DRM_XE_UFENCE_WAIT_OP_EQ, 11, false },
		{ DRM_XE_UFENCE_WAIT_OP_NEQ, 11, true }, { DRM_XE_UFENCE_WAIT_OP_NEQ, 10, false },
		{ DRM_XE_UFENCE_WAIT_OP_GT, 9, true }, { DRM_XE_UFENCE_WAIT_OP_GT, 10, false },
		{ DRM_XE_UFENCE_WAIT_OP_GTE, 10, true }, { DRM_XE_UFENCE_WAIT_OP_GTE, 11, false },
		{ DRM_XE_UFENCE_WAIT_OP_LT, 11, true }, { DRM_XE_UFENCE_WAIT_OP_LT, 10, false },
		{ DRM_XE_UFENCE_WAIT_OP_LTE, 10, true }, { DRM_XE_UFENCE_WAIT_OP_LTE, 9, false },
	};
	unsigned int i;

	svmt_assert(v != MAP_FAILED);
	*v = 10;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		w.op = t[i].op;
		w.value = t[i].value;
		w.timeout = 0;
		if (t[i].passes)
			svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w));
		else
			svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), ETIME);
	}
	/* Only the masked bits count. */
	*v = 0xff0a;
	w.op = DRM_XE_UFENCE_WAIT_OP_EQ;
	w.value = 0x0a;
	w.mask = 0xff;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w));
	/* A relative time-out is waited for and written back as what is left. */
	w.value = 0x0b;
	w.timeout = 50 * 1000000LL;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), ETIME);
	svmt_assert_eq_u64(w.timeout, 0);

	w.timeout = 0;
	w.op = DRM_XE_UFENCE_WAIT_OP_LTE + 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), EINVAL);
	w.op = DRM_XE_UFENCE_WAIT_OP_EQ;
	w.addr += 4;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), EINVAL);
	w.addr -= 4;
	w.flags = 2;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), EINVAL);
	w.flags = 0;
	w.exec_queue_id = 0x7777;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), ENOENT);
	w.exec_queue_id = 0;
	w.addr = 8;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &w), EFAULT);
	munmap(v, SZ_4K);
	close(fd);
}

/* VM_BIND of the DRM face: its own checks, then the shared ones. */
static void test_vm_bind_bad(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create(fd);
	uint64_t fence = 0;
	struct drm_xe_vm_bind b = {
		.vm_id = vm, .num_binds = 1,
		.bind = { .range = 1ULL << VA_BITS, .op = DRM_XE_VM_BIND_OP_MAP,
			  .flags = DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR },
	};

	b.vm_id = 0x7777;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b), EINVAL);
	b.vm_id = vm;
	b.exec_queue_id = 0x7777;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b), ENOENT);
	b.exec_queue_id = 0;
	b.reserved[0] = 1;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b), EINVAL);
	b.reserved[0] = 0;
	/* A BO map of no BO; a NULL bind is valid xe, not emulated. */
	b.bind.flags = 0;
	b.bind.obj = 0x7777;
	b.bind.range = SZ_4K;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b), ENOENT);
	b.bind.obj = 0;
	b.bind.flags = DRM_XE_VM_BIND_FLAG_NULL;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b), EOPNOTSUPP);
	/* A failed bind writes no fence. */
	svmt_assert_errno(vm_bind(fd, vm, 0, 1ULL << VA_BITS, DRM_XE_VM_BIND_OP_MAP,
				  DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR | (1u << 15), &fence),
			  EINVAL);
	svmt_assert_eq_u64(fence, 0);
	close(fd);
}

/* MADVISE names its preferred device by a file of the DRM device. */
static void test_madvise_devmem_fd(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create_mirror(fd);
	int other = open("/proc/self/status", O_RDONLY);
	struct drm_xe_madvise m = {
		.vm_id = vm, .start = SZ_2M, .range = SZ_2M,
		.type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		.preferred_mem_loc = { .devmem_fd = fd, .region_instance = 1 },
	};

	svmt_assert(other >= 0);
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_MADVISE, &m));
	m.preferred_mem_loc.devmem_fd = other;
	svmt_assert_errno(ioctl(fd, DRM_IOCTL_XE_MADVISE, &m), EINVAL);
	close(other);
	close(fd);
}

static uint32_t bo_create_map(int fd, uint32_t vm, uint64_t size, uint64_t **cpu)
{
	struct drm_xe_gem_mmap_offset mo = { 0 };
	uint32_t h;

	svmt_assert_ok(gem_create(fd, size, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, vm, &h));
	mo.handle = h;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mo));
	*cpu = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, mo.offset);
	svmt_assert(*cpu != MAP_FAILED);
	memset(*cpu, 0, size);
	return h;
}

static int bo_bind(int fd, uint32_t vm, uint32_t bo, uint64_t offset, uint64_t addr,
		   uint64_t range, uint32_t flags)
{
	struct drm_xe_vm_bind b = {
		.vm_id = vm, .num_binds = 1,
		.bind = { .obj = bo, .obj_offset = offset, .addr = addr, .range = range,
			  .op = DRM_XE_VM_BIND_OP_MAP, .flags = flags },
	};

	return ioctl(fd, DRM_IOCTL_XE_VM_BIND, &b);
}

/* Run a one-store batch on queue @q; returns WAIT_USER_FENCE's result. */
static int store_on(int fd, uint32_t q, uint32_t *batch, uint64_t addr, uint32_t value)
{
	uint64_t *fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t b = 0;
	int r;

	svmt_assert(fence != MAP_FAILED);
	emit_store(batch, &b, (uint32_t *)(uintptr_t)addr, value);
	batch[b++] = MI_BATCH_BUFFER_END;
	svmt_assert_ok(exec_batch(fd, q, batch, fence));
	r = wait_ufence(fd, fence, UFENCE_VALUE, q, 60 * 1000000000LL);
	munmap(fence, SZ_4K);
	return r;
}

/*
 * A BO bound at GPU addresses the CPU has not mapped: the GPU reaches the
 * BO's pages there (at the bind's offset into the BO), not the mirror;
 * binding the mirror back over part of it leaves the rest bound; after
 * an unmap nothing is bound there.
 */
static void test_bo_bind(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create_mirror(fd), q = queue_create(fd, vm, 0), bo;
	uint32_t *batch = alloc_2m();
	uint64_t *cpu, x;
	/* Two pages of GPU VA with no CPU mapping behind them */
	void *hole = mmap(NULL, 2 * SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t fence = 0;

	svmt_assert(hole != MAP_FAILED);
	x = (uintptr_t)hole;
	bo = bo_create_map(fd, vm, 3 * SZ_4K, &cpu);
	/* BO pages 1 and 2 at x and x + 4K */
	svmt_assert_ok(bo_bind(fd, vm, bo, SZ_4K, x, 2 * SZ_4K, 0));
	svmt_assert_ok(store_on(fd, q, batch, x + 8, 0x1111));
	svmt_assert_ok(store_on(fd, q, batch, x + SZ_4K + 16, 0x2222));
	svmt_assert_eq_u64(cpu[512 + 1], 0x1111);
	svmt_assert_eq_u64(cpu[1024 + 2], 0x2222);
	svmt_assert_eq_u64(cpu[1], 0);

	/* The mirror back over the first page: the second stays the BO's. */
	svmt_assert_ok(vm_bind(fd, vm, x, SZ_4K, DRM_XE_VM_BIND_OP_MAP,
			       DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR, &fence));
	svmt_assert_ok(store_on(fd, q, batch, x + SZ_4K + 24, 0x3333));
	svmt_assert_eq_u64(cpu[1024 + 3], 0x3333);

	/* Unmapped: a store there faults and hangs the queue. */
	svmt_assert_ok(vm_bind(fd, vm, x + SZ_4K, SZ_4K, DRM_XE_VM_BIND_OP_UNMAP, 0, NULL));
	svmt_assert_errno(store_on(fd, q, batch, x + SZ_4K + 32, 0x4444), EIO);
	svmt_assert_eq_u64(cpu[1024 + 4], 0);
	munmap(cpu, 3 * SZ_4K);
	close(fd);
}

/* A read-only BO binding refuses GPU writes; bad BO binds are -EINVAL. */
static void test_bo_bind_bad(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create_mirror(fd), other = vm_create(fd), q, bo, h;
	uint32_t *batch = alloc_2m();
	uint64_t *cpu, x;
	void *hole = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	svmt_assert(hole != MAP_FAILED);
	x = (uintptr_t)hole;
	bo = bo_create_map(fd, vm, 2 * SZ_4K, &cpu);
	svmt_assert_errno(bo_bind(fd, vm, bo, 100, x, SZ_4K, 0), EINVAL);
	svmt_assert_errno(bo_bind(fd, vm, bo, SZ_4K, x, 2 * SZ_4K, 0), EINVAL);
	svmt_assert_errno(bo_bind(fd, vm, bo, 0, x + 8, SZ_4K, 0), EINVAL);
	svmt_assert_errno(bo_bind(fd, vm, bo, 0, x, SZ_4K, DRM_XE_VM_BIND_FLAG_NULL), EINVAL);
	/* A BO private to one VM binds to no other. */
	svmt_assert_errno(bo_bind(fd, other, bo, 0, x, SZ_4K, 0), EINVAL);
	svmt_assert_ok(gem_create(fd, SZ_4K, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, 0, &h));
	svmt_assert_ok(bo_bind(fd, other, h, 0, x, SZ_4K, 0));

	svmt_assert_ok(bo_bind(fd, vm, bo, 0, x, SZ_4K, DRM_XE_VM_BIND_FLAG_READONLY));
	q = queue_create(fd, vm, 0);
	svmt_assert_errno(store_on(fd, q, batch, x + 8, 0x5555), EIO);
	svmt_assert_eq_u64(cpu[1], 0);
	munmap(cpu, 2 * SZ_4K);
	close(fd);
}

/* As on xe: no BO binds over mirrored memory the GPU has mapped. */
static void test_bo_bind_busy(void)
{
	int fd = drm_open_xe();
	uint32_t vm = vm_create_mirror(fd), q = queue_create(fd, vm, 0), bo;
	uint32_t *batch = alloc_2m();
	uint32_t *data = batch + 4096;
	uint64_t *cpu;

	bo = bo_create_map(fd, vm, SZ_4K, &cpu);
	svmt_assert_ok(store_on(fd, q, batch, (uintptr_t)data, 0x6666));
	svmt_assert_eq_u64(data[0], 0x6666);
	svmt_assert_errno(bo_bind(fd, vm, bo, 0, (uintptr_t)data, SZ_4K, 0), EBUSY);
	munmap(cpu, SZ_4K);
	close(fd);
}

static long long gt0_pagefaults(int fd)
{
	struct stat st;
	char path[96], line[128];
	long long n = -1;
	FILE *f;

	svmt_assert_ok(fstat(fd, &st));
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%u/gt0/stats", minor(st.st_rdev));
	f = fopen(path, "r");
	if (!f)
		svmt_skip("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "svm_pagefault_count: %lld", &n) == 1)
			break;
	fclose(f);
	svmt_assert(n >= 0);
	return n;
}

/* The GT's statistics count the GPU faults its engine raised. */
static void test_gt_stats(void)
{
	int fd = drm_open_xe();
	uint32_t *mem = alloc_2m(), *data = mem + 4096, b = 0;
	long long before = gt0_pagefaults(fd), after;

	emit_store(mem, &b, &data[0], 7);
	mem[b++] = MI_BATCH_BUFFER_END;
	run_batch(fd, mem);
	after = gt0_pagefaults(fd);
	svmt_assert_eq_u64(data[0], 7);
	/* A fresh VM faults at least on the batch's page. */
	svmt_assert(after > before);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Buffer objects and SVM sharing VRAM */

#define EMU_DEV		"/dev/xe_svm_emu"
#define EMU_DEBUGFS	"/sys/kernel/debug/xe_svm_emu/"
#define BALLOON_LEAVES	(6 * 1024 * 1024ULL)	/* what the balloon leaves */
/* What data may fill of it: the page tables take VRAM too, never evicted */
#define SMALL_VRAM	(4 * 1024 * 1024ULL)
#define PLACE_SYS	(1u << 0)
#define PLACE_VRAM0	(1u << 1)

static uint64_t vram_mb(void)
{
	long long mb = svmt_read_ll("/sys/module/xe_svm_emu/parameters/vram_mb");

	svmt_assert(mb > (long long)(BALLOON_LEAVES >> 20));
	return mb;
}

/* Write @val to the emulated device's debugfs knob @knob. */
static void emu_knob(const char *knob, uint64_t val)
{
	char path[128], buf[32];
	int fd, len;

	snprintf(path, sizeof(path), EMU_DEBUGFS "%s", knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		svmt_skip("no %s: debugfs not mounted", path);
	len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)val);
	if (write(fd, buf, len) != len)
		svmt_fail(__FILE__, __LINE__, "write %s: %m", path);
	close(fd);
}

/* Tile 0's statistics, from the emulated device's own interface. */
static struct xe_svm_emu_tile_stats tile0(void)
{
	struct xe_svm_emu_tile_stats t = { .tile = 0 };
	int fd = open(EMU_DEV, O_RDWR | O_CLOEXEC);

	svmt_assert(fd >= 0);
	svmt_assert_ok(ioctl(fd, XE_SVM_EMU_IOCTL_TILE_STATS, &t));
	close(fd);
	return t;
}

/* Bytes of tile 0's VRAM TTM handed out, the balloon and page tables not counted. */
static uint64_t vram_used(void)
{
	struct xe_svm_emu_tile_stats t = tile0();

	return t.vram_bytes_used - t.vram_pt_bytes - (vram_mb() << 20) + BALLOON_LEAVES;
}

/* Leave BALLOON_LEAVES of each tile's VRAM free, or give it all back. */
static void small_vram(bool on)
{
	emu_knob("vram_balloon_mb", on ? vram_mb() - BALLOON_LEAVES / (1 << 20) : 0);
}

/* Keep [p, p + size) in system memory: batches must not take VRAM. */
static void prefer_system(int fd, uint32_t vm, void *p, uint64_t size)
{
	struct drm_xe_madvise m = {
		.vm_id = vm, .start = (uintptr_t)p, .range = size,
		.type = DRM_XE_MEM_RANGE_ATTR_PREFERRED_LOC,
		.preferred_mem_loc = { .devmem_fd = DRM_XE_PREFERRED_LOC_DEFAULT_SYSTEM },
	};

	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_MADVISE, &m));
}

static uint64_t pat(uint64_t i)
{
	return 0x5a5a000000000000ULL + i;
}

static uint64_t *svm_buffer(uint64_t size)
{
	uint64_t *p = aligned_alloc(SZ_2M, size), i;

	svmt_assert(p);
	for (i = 0; i < size / 8; i++)
		p[i] = pat(i);
	return p;
}

static uint32_t bo_vram(int fd, uint32_t vm, uint64_t size, uint32_t placement, uint64_t **cpu)
{
	struct drm_xe_gem_mmap_offset mo = { 0 };
	uint32_t h;

	svmt_assert_ok(gem_create(fd, size, placement, 0, DRM_XE_GEM_CPU_CACHING_WC, vm, &h));
	mo.handle = h;
	svmt_assert_ok(ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mo));
	*cpu = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, mo.offset);
	svmt_assert(*cpu != MAP_FAILED);
	return h;
}

static void gem_close(int fd, uint32_t h)
{
	struct drm_gem_close c = { .handle = h };

	svmt_assert_ok(ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c));
}

/* GPU VA with no CPU mapping behind it, for binding objects */
static uint64_t va_hole(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	svmt_assert(p != MAP_FAILED);
	return (uintptr_t)p;
}

/* Run a batch of stores: dword @vals[i] at @where[i] */
static void stores(int fd, uint32_t q, uint32_t *batch, uint64_t *const *where,
		   const uint32_t *vals, unsigned int n)
{
	uint64_t *fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t b = 0;
	unsigned int i;

	svmt_assert(fence != MAP_FAILED);
	for (i = 0; i < n; i++)
		emit_store(batch, &b, (uint32_t *)where[i], vals[i]);
	batch[b++] = MI_BATCH_BUFFER_END;
	svmt_assert_ok(exec_batch(fd, q, batch, fence));
	svmt_assert_ok(wait_ufence(fd, fence, UFENCE_VALUE, q, 120 * 1000000000LL));
	munmap(fence, SZ_4K);
}

/* Word @i of an SVM buffer whose first dword of some words was stored */
static uint64_t stored(uint64_t old, uint32_t val)
{
	return (old & ~0xffffffffULL) | val;
}

struct vram_ctx {
	int fd;
	uint32_t vm, q;
	uint32_t *batch;
};

static struct vram_ctx vram_setup(void)
{
	struct vram_ctx c;

	c.fd = drm_open_xe();
	c.vm = vm_create_mirror(c.fd);
	c.q = queue_create(c.fd, c.vm, 0);
	c.batch = alloc_2m();
	prefer_system(c.fd, c.vm, c.batch, SZ_2M);
	small_vram(true);
	svmt_assert_eq_u64(vram_used(), 0);
	return c;
}

static void vram_teardown(struct vram_ctx *c)
{
	close(c->fd);
	svmt_assert_eq_u64(vram_used(), 0);
	svmt_assert_eq_u64(tile0().vram_pages_in_use, 0);
	/* The VM's page tables went with it. */
	svmt_assert_eq_u64(tile0().vram_pt_bytes, 0);
	small_vram(false);
}

/*
 * A buffer object created in VRAM that SVM filled evicts the SVM ranges:
 * their data is back in system memory (no CPU fault to read it), and the
 * object has the room.
 */
static void test_bo_evicts_svm(void)
{
	struct vram_ctx c = vram_setup();
	uint64_t *p = svm_buffer(SMALL_VRAM), *cpu, *where[2] = { &p[0], &p[SZ_2M / 8] };
	uint32_t vals[2] = { 0xa1, 0xa2 }, bo;
	struct xe_svm_emu_tile_stats t0, t1, t2;
	uint64_t i;

	t0 = tile0();
	stores(c.fd, c.q, c.batch, where, vals, 2);
	t1 = tile0();
	svmt_assert_eq_u64(t1.vram_pages_in_use - t0.vram_pages_in_use, SMALL_VRAM / SZ_4K);
	svmt_assert_eq_u64(vram_used(), SMALL_VRAM);

	bo = bo_vram(c.fd, c.vm, SMALL_VRAM, PLACE_VRAM0, &cpu);
	t2 = tile0();
	svmt_assert_eq_u64(t2.evictions - t1.evictions, 2);
	svmt_assert_eq_u64(t2.vram_pages_in_use, t0.vram_pages_in_use);
	svmt_assert_eq_u64(vram_used(), SMALL_VRAM);
	for (i = 0; i < SMALL_VRAM / 8; i++) {
		uint64_t want = i == 0 ? stored(pat(i), 0xa1) :
				i == SZ_2M / 8 ? stored(pat(i), 0xa2) : pat(i);

		if (p[i] != want)
			svmt_fail(__FILE__, __LINE__, "word %llu: 0x%llx, expected 0x%llx",
				  (unsigned long long)i, (unsigned long long)p[i],
				  (unsigned long long)want);
	}
	svmt_assert_eq_u64(tile0().cpu_faults, t2.cpu_faults);
	munmap(cpu, SMALL_VRAM);
	gem_close(c.fd, bo);
	svmt_assert_eq_u64(vram_used(), 0);
	free(p);
	vram_teardown(&c);
}

/*
 * SVM evicts a buffer object, the least recently used, to make room;
 * the GPU touching the object again brings it back, evicting the least
 * recently used SVM range in turn. Every word right on both sides.
 */
static void test_svm_evicts_bo(void)
{
	struct vram_ctx c = vram_setup();
	uint64_t *p = svm_buffer(SMALL_VRAM), *cpu, x = va_hole(SZ_2M), i;
	uint64_t *where[2] = { &p[0], &p[SZ_2M / 8] }, *at[1];
	uint32_t vals[2] = { 0xc1, 0xc2 }, val, bo;
	struct xe_svm_emu_tile_stats t0, t1, t2;

	bo = bo_vram(c.fd, c.vm, SZ_2M, PLACE_VRAM0 | PLACE_SYS, &cpu);
	svmt_assert_eq_u64(vram_used(), SZ_2M);
	svmt_assert_ok(bo_bind(c.fd, c.vm, bo, 0, x, SZ_2M, 0));
	at[0] = (uint64_t *)(x + 8);
	val = 0xb1;
	stores(c.fd, c.q, c.batch, at, &val, 1);
	svmt_assert_eq_u64(cpu[1], 0xb1);

	t0 = tile0();
	stores(c.fd, c.q, c.batch, where, vals, 2);
	t1 = tile0();
	svmt_assert_eq_u64(t1.bo_evictions - t0.bo_evictions, 1);
	svmt_assert_eq_u64(t1.evictions - t0.evictions, 0);
	svmt_assert_eq_u64(t1.vram_pages_in_use - t0.vram_pages_in_use, SMALL_VRAM / SZ_4K);
	svmt_assert_eq_u64(vram_used(), SMALL_VRAM);

	/* The GPU again on the object: back in VRAM, the first range out */
	at[0] = (uint64_t *)(x + 16);
	val = 0xb2;
	stores(c.fd, c.q, c.batch, at, &val, 1);
	t2 = tile0();
	svmt_assert_eq_u64(t2.bo_evictions, t1.bo_evictions);
	svmt_assert_eq_u64(t2.evictions - t1.evictions, 1);
	svmt_assert_eq_u64(t2.vram_pages_in_use - t0.vram_pages_in_use, SZ_2M / SZ_4K);
	svmt_assert_eq_u64(vram_used(), SMALL_VRAM);

	svmt_assert_eq_u64(cpu[1], 0xb1);
	svmt_assert_eq_u64(cpu[2], 0xb2);
	for (i = 0; i < SZ_2M / 8; i++)
		if (i != 1 && i != 2)
			svmt_assert_eq_u64(cpu[i], 0);
	for (i = 0; i < SMALL_VRAM / 8; i++)
		svmt_assert_eq_u64(p[i], i == 0 ? stored(pat(i), 0xc1) :
				   i == SZ_2M / 8 ? stored(pat(i), 0xc2) : pat(i));
	munmap(cpu, SZ_2M);
	free(p);
	vram_teardown(&c);
}

/*
 * Twice the VRAM between a buffer object and SVM, written page by page
 * by the GPU three times over in alternating order: objects and ranges
 * evict each other over and over; every word is checked after each pass.
 */
static void test_oversubscribe_mixed(void)
{
	struct vram_ctx c = vram_setup();
	uint64_t npg = SMALL_VRAM / SZ_4K, bpg = SZ_2M / SZ_4K, n = npg + bpg;
	uint64_t *p = svm_buffer(SMALL_VRAM), *cpu, x = va_hole(SZ_2M), i, k;
	uint64_t **where = calloc(n, sizeof(*where));
	uint32_t *vals = calloc(n, sizeof(*vals)), bo;
	struct xe_svm_emu_tile_stats t0, t1;
	int pass;

	svmt_assert(where && vals);
	bo = bo_vram(c.fd, c.vm, SZ_2M, PLACE_VRAM0 | PLACE_SYS, &cpu);
	svmt_assert_ok(bo_bind(c.fd, c.vm, bo, 0, x, SZ_2M, 0));
	t0 = tile0();
	for (pass = 0; pass < 3; pass++) {
		for (k = 0; k < n; k++) {
			/* forwards: SVM then the object; backwards the other way */
			i = pass % 2 ? n - 1 - k : k;
			where[k] = i < npg ? &p[i * 512] : (uint64_t *)(x + (i - npg) * SZ_4K);
			vals[k] = (pass << 24) | i;
		}
		stores(c.fd, c.q, c.batch, where, vals, n);
		for (i = 0; i < npg; i++)
			for (k = 0; k < 512; k++)
				svmt_assert_eq_u64(p[i * 512 + k],
						   k ? pat(i * 512 + k) :
						   stored(pat(i * 512), (pass << 24) | i));
		for (i = 0; i < bpg; i++)
			for (k = 0; k < 512; k++)
				svmt_assert_eq_u64(cpu[i * 512 + k],
						   k ? 0 : (uint32_t)((pass << 24) | (npg + i)));
		svmt_assert(vram_used() <= SMALL_VRAM);
	}
	t1 = tile0();
	svmt_info("SVM evictions %llu, object evictions %llu",
		  (unsigned long long)(t1.evictions - t0.evictions),
		  (unsigned long long)(t1.bo_evictions - t0.bo_evictions));
	svmt_assert(t1.evictions > t0.evictions);
	svmt_assert(t1.bo_evictions > t0.bo_evictions);
	svmt_assert_eq_u64(t1.evict_failures, t0.evict_failures);
	munmap(cpu, SZ_2M);
	free(p);
	free(where);
	free(vals);
	vram_teardown(&c);
}

/*
 * A VRAM-only object larger than the VRAM left, or than the tile's VRAM,
 * is -ENOMEM (TTM's error for no room, which xe's GEM_CREATE returns)
 * and takes nothing; one that may live in system memory too is created
 * there.
 */
static void test_bo_vram_too_large(void)
{
	struct vram_ctx c = vram_setup();
	uint64_t *cpu;
	uint32_t h;

	svmt_assert_errno(gem_create(c.fd, 2 * SMALL_VRAM, PLACE_VRAM0, 0,
				     DRM_XE_GEM_CPU_CACHING_WC, 0, &h), ENOMEM);
	svmt_assert_errno(gem_create(c.fd, (vram_mb() << 20) + SZ_2M, PLACE_VRAM0, 0,
				     DRM_XE_GEM_CPU_CACHING_WC, 0, &h), ENOMEM);
	svmt_assert_eq_u64(vram_used(), 0);
	h = bo_vram(c.fd, 0, 2 * SMALL_VRAM, PLACE_VRAM0 | PLACE_SYS, &cpu);
	svmt_assert_eq_u64(vram_used(), 0);
	cpu[0] = 1;
	munmap(cpu, 2 * SMALL_VRAM);
	gem_close(c.fd, h);
	vram_teardown(&c);
}

struct destroy_race {
	int fd;
	uint32_t vm, bo;
	int err;
};

static void *destroy_vm_thread(void *arg)
{
	struct destroy_race *r = arg;
	struct drm_xe_vm_destroy d = { .vm_id = r->vm };

	r->err = ioctl(r->fd, DRM_IOCTL_XE_VM_DESTROY, &d) ? errno : 0;
	return NULL;
}

/*
 * An object bound into a VM is evicted (by a new object that needs all
 * of VRAM) while the VM is destroyed: both succeed, in either order,
 * round after round, and everything goes back.
 */
static void test_evict_while_vm_destroyed(void)
{
	struct vram_ctx c = vram_setup();
	uint64_t x = va_hole(SZ_2M), *cpu, *at[1];
	struct destroy_race r = { .fd = c.fd };
	uint32_t val = 0xd1, big;
	pthread_t th;
	int round;

	for (round = 0; round < 8; round++) {
		r.vm = vm_create_mirror(c.fd);
		r.bo = bo_vram(c.fd, 0, SZ_2M, PLACE_VRAM0 | PLACE_SYS, &cpu);
		svmt_assert_ok(bo_bind(c.fd, r.vm, r.bo, 0, x, SZ_2M, 0));
		{
			uint32_t q = queue_create(c.fd, r.vm, 0);
			struct drm_xe_exec_queue_destroy qd = { .exec_queue_id = q };

			prefer_system(c.fd, r.vm, c.batch, SZ_2M);
			at[0] = (uint64_t *)x;
			stores(c.fd, q, c.batch, at, &val, 1);
			svmt_assert_ok(ioctl(c.fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &qd));
		}
		svmt_assert_eq_u64(cpu[0], val);
		svmt_assert_ok(pthread_create(&th, NULL, destroy_vm_thread, &r));
		svmt_assert_ok(gem_create(c.fd, SMALL_VRAM, PLACE_VRAM0, 0,
					  DRM_XE_GEM_CPU_CACHING_WC, 0, &big));
		svmt_assert_ok(pthread_join(th, NULL));
		svmt_assert_eq_u64(r.err, 0);
		svmt_assert_eq_u64(vram_used(), SMALL_VRAM);
		gem_close(c.fd, big);
		munmap(cpu, SZ_2M);
		gem_close(c.fd, r.bo);
		svmt_assert_eq_u64(vram_used(), 0);
	}
	vram_teardown(&c);
}

static const struct svmt_subtest tests[] = {
	{ "drm-version", test_drm_version },
	{ "query", test_query },
	{ "gem-bad", test_gem_bad },
	{ "gem-mmap", test_gem_mmap },
	{ "exec-stores", test_exec_stores },
	{ "exec-atomics", test_exec_atomics },
	{ "exec-chained", test_exec_chained },
	{ "ban-unknown-command", test_ban_unknown_command },
	{ "ban-fault", test_ban_fault },
	{ "ban-runaway", test_ban_runaway },
	{ "exec-bad", test_exec_bad },
	{ "syncobj-wait", test_syncobj_wait },
	{ "queue-bad", test_queue_bad },
	{ "wait-ufence", test_wait_ufence },
	{ "vm-bind-bad", test_vm_bind_bad },
	{ "madvise-devmem-fd", test_madvise_devmem_fd },
	{ "gt-stats", test_gt_stats },
	{ "bo-bind", test_bo_bind },
	{ "bo-bind-bad", test_bo_bind_bad },
	{ "bo-bind-busy", test_bo_bind_busy },
	{ "bo-evicts-svm", test_bo_evicts_svm, 300 },
	{ "svm-evicts-bo", test_svm_evicts_bo, 300 },
	{ "oversubscribe-mixed", test_oversubscribe_mixed, 600 },
	{ "bo-vram-too-large", test_bo_vram_too_large },
	{ "evict-while-vm-destroyed", test_evict_while_vm_destroyed, 300 },
};

SVMT_MAIN(tests)
