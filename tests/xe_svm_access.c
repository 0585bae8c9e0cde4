// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_access: every GPU access type against every CPU protection
 * state of the memory it touches, with the data in system memory or in
 * VRAM. The rule under test is the CPU's: a GPU access succeeds exactly
 * when the same CPU access would, and then does what the CPU access
 * would do (a write to copy-on-write memory breaks the sharing and the
 * other process keeps the old data; a write to a page mprotect() made
 * writable again just writes). An access the CPU may not do fails after
 * one GPU fault, with nothing written and no VRAM taken for it:
 *
 *   read of PROT_NONE memory           -EFAULT
 *   write or atomic, PROT_NONE         -EFAULT
 *   write or atomic, read-only mapping -EPERM
 *
 * Subtests are named <state>-<residency>-<access>:
 *
 *   state      cow-child   after fork(), the child alive (it checks that
 *                          it kept its data after the GPU access)
 *              cow-exited  after fork(), the child gone (pages still
 *                          write-protected in the parent)
 *              ro-rw       mprotect(PROT_READ), then PROT_READ|PROT_WRITE
 *              add-exec    mprotect() adding PROT_EXEC to a RW mapping
 *              ro          mprotect(PROT_READ)
 *              none        mprotect(PROT_NONE)
 *              zero        untouched memory the GPU read (the zero page)
 *              ksm         pages KSM merged (MADV_MERGEABLE)
 *              file-ro     a read-only shared mapping of a file
 *   residency  sys         the VM keeps everything in system memory
 *              sysvm       data in system memory, the VM prefers VRAM
 *                          (the fault may try to migrate it)
 *              vram        data in VRAM when the protection changed
 *   access     read, write, atomic (ATOMIC_ADD), fill (a FILL of the
 *              whole 2 MiB buffer)
 *
 * The buffer is 2 MiB of its own VMA (one range). Before the protection
 * change the GPU reads it, so that it is GPU-mapped (and, for "vram",
 * migrated to VRAM). Every case checks the op's result, the number of
 * GPU faults it took (a livelock shows as -EBUSY after 16), the data
 * word by word in the parent (and the child), that a failed access took
 * no VRAM, and that the VRAM in use is back where it was at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/emu.h"

#define BUF_SIZE	SZ_2M
#define BUF_WORDS	(BUF_SIZE / 8)
/* The word single-word accesses touch: page 5, word 7 */
#define TARGET		(5 * PAGE_WORDS + 7)
#define ADDEND		0x1111ULL
#define KSM		"/sys/kernel/mm/ksm/"

enum state { COW_CHILD, COW_EXITED, RO_RW, ADD_EXEC, RO, NONE, ZERO, KSM_MERGED, FILE_RO };
enum residency { SYS, SYSVM, VRAM };
enum access { READ, WRITE, ATOMIC, FILL };

struct access_case {
	enum state state;
	enum residency res;
	enum access acc;
};

static void write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t len = strlen(val);

	if (fd < 0)
		svmt_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
	if (write(fd, val, len) != len)
		svmt_fail(__FILE__, __LINE__, "write %s to %s: %s", val, path,
			  strerror(errno));
	close(fd);
}

/* Wait until KSM merged every page of @p but one per distinct content. */
static void ksm_merge(void *p, size_t size)
{
	time_t end = time(NULL) + 60;
	long long merging;

	if (access(KSM "run", W_OK))
		svmt_fail(__FILE__, __LINE__, "no " KSM " (CONFIG_KSM) or not root");
	svmt_assert_ok(madvise(p, size, MADV_MERGEABLE));
	write_sysfs(KSM "sleep_millisecs", "1");
	write_sysfs(KSM "pages_to_scan", "4096");
	write_sysfs(KSM "run", "1");
	do {
		usleep(20000);
		merging = svmt_read_ll("/proc/self/ksm_merging_pages");
	} while (merging < (long long)(size / SZ_4K) && time(NULL) < end);
	write_sysfs(KSM "run", "0");
	if (merging < (long long)(size / SZ_4K))
		svmt_fail(__FILE__, __LINE__, "KSM merged %lld of %zu pages in 60 s",
			  merging, size / SZ_4K);
}

/* The child of a cow-child case: keeps its copy until told to check it. */
struct cow_child {
	struct emu_pipes pp;
	const uint64_t *buf;
	const uint64_t *want;
};

static void cow_child_fn(void *arg)
{
	struct cow_child *c = arg;

	emu_send_byte(c->pp.to_parent[1]);
	emu_recv_byte(c->pp.to_child[0]);
	svmt_assert_buf_eq(c->buf, c->want, BUF_WORDS);
}

static void child_exit_fn(void *arg)
{
	(void)arg;
}

/*
 * A GPU READ of the first word of every page: GPU-maps the whole buffer
 * (and migrates it when the VM prefers VRAM); checks what it read.
 */
static void gpu_read_pages(struct emu_vm *vm, const uint64_t *buf, const uint64_t *want)
{
	struct xe_svm_emu_op ops[BUF_SIZE / SZ_4K];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i] = emu_op_read(&buf[i * PAGE_WORDS]);
	emu_exec(vm, ops, ARRAY_SIZE(ops));
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		emu_assert_result(ops[i].result, 0);
		svmt_assert_eq_u64(ops[i].out, want[i * PAGE_WORDS]);
	}
}

static bool write_access(enum access acc)
{
	return acc != READ;
}

static void run_case(const struct access_case *c)
{
	int fd = emu_open();
	struct emu_vm vm = emu_vm_create(fd, EMU_VM_MIRROR);
	uint64_t *want = malloc(BUF_SIZE), *orig = malloc(BUF_SIZE);
	bool allowed, wp_expected = false;
	struct xe_svm_emu_stats st0, st1;
	struct xe_svm_emu_op op;
	struct cow_child child;
	uint64_t vram0, vram_op, migrated_op, i;
	char path[128];
	uint64_t *buf;
	pid_t pid = 0;
	uint32_t *snap;
	int file = -1;

	svmt_assert(want && orig);
	vram0 = emu_vram_in_use(fd, 0);

	/* The memory, and what it holds. */
	if (c->state == FILE_RO) {
		int rw = emu_tmp_file(path, sizeof(path), BUF_SIZE, V3, S3);

		close(rw);
		file = open(path, O_RDONLY | O_CLOEXEC);
		svmt_assert(file >= 0);
		buf = emu_map_aligned(BUF_SIZE, SZ_2M, PROT_READ, MAP_SHARED, file, 0);
		emu_fill_linear(want, BUF_WORDS, V3, S3);
	} else {
		buf = emu_anon_2m(BUF_SIZE);
		if (c->state == ZERO) {
			memset(want, 0, BUF_SIZE);
		} else if (c->state == KSM_MERGED) {
			/* Every page alike, so that they all merge into one. */
			for (i = 0; i < BUF_WORDS; i++)
				want[i] = V1 + (i % PAGE_WORDS) * S1;
			memcpy(buf, want, BUF_SIZE);
		} else {
			emu_fill_pattern(want, BUF_WORDS, 7);
			memcpy(buf, want, BUF_SIZE);
		}
	}
	memcpy(orig, want, BUF_SIZE);

	/* GPU-map it (and migrate it for VRAM) before the protection change. */
	emu_vm_placement(&vm, c->res == VRAM ? XE_SVM_EMU_PLACE_VRAM : XE_SVM_EMU_PLACE_SYSTEM, 0);
	gpu_read_pages(&vm, buf, want);
	snap = emu_snapshot_alloc(&vm, buf, BUF_SIZE);
	for (i = 0; i < BUF_SIZE / SZ_4K; i++) {
		uint32_t where = snap[i] & (XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_VRAM);

		svmt_assert_eq_u64(where, c->res == VRAM ?
				   XE_SVM_EMU_SNAP_MAPPED | XE_SVM_EMU_SNAP_VRAM :
				   XE_SVM_EMU_SNAP_MAPPED);
	}
	free(snap);
	if (c->res == SYSVM)
		emu_vm_placement(&vm, XE_SVM_EMU_PLACE_VRAM, 0);

	/* The protection state. */
	switch (c->state) {
	case COW_CHILD:
		emu_pipes_init(&child.pp);
		child.buf = buf;
		child.want = orig;
		pid = emu_fork(cow_child_fn, &child);
		emu_recv_byte(child.pp.to_parent[0]);
		break;
	case COW_EXITED:
		pid = emu_fork(child_exit_fn, NULL);
		emu_wait_ok(pid);
		pid = 0;
		break;
	case RO_RW:
		svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_READ));
		svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_READ | PROT_WRITE));
		break;
	case ADD_EXEC:
		svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC));
		break;
	case RO:
		svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_READ));
		break;
	case NONE:
		svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_NONE));
		break;
	case KSM_MERGED:
		ksm_merge(buf, BUF_SIZE);
		break;
	case ZERO:
	case FILE_RO:
		break;
	}

	allowed = c->state != NONE &&
		  (!write_access(c->acc) || (c->state != RO && c->state != FILE_RO));
	/* Write-protected device pages come back to be written. */
	wp_expected = c->res == VRAM && allowed && write_access(c->acc) &&
		      (c->state == COW_CHILD || c->state == COW_EXITED ||
		       c->state == RO_RW || c->state == ADD_EXEC);

	switch (c->acc) {
	case READ:
		op = emu_op_read(&buf[TARGET]);
		break;
	case WRITE:
		op = emu_op_write(&buf[TARGET], V2);
		break;
	case ATOMIC:
		op = emu_op_atomic_add(&buf[TARGET], ADDEND);
		break;
	case FILL:
		op = emu_op_fill(buf, BUF_SIZE, V2, S2);
		break;
	}

	st0 = emu_stats(&vm);
	vram_op = emu_vram_in_use(fd, 0);
	migrated_op = emu_tile_stats(fd, 0).migrated_to_vram;
	emu_exec(&vm, &op, 1);
	st1 = emu_stats(&vm);
	svmt_info("result %s, %" PRIu64 " GPU faults, %" PRIu64 " write-protect breaks",
		  emu_errname(op.result), vm.faults,
		  (uint64_t)(st1.wp_breaks - st0.wp_breaks));

	if (allowed) {
		emu_assert_result(op.result, 0);
		/*
		 * One fault for the zapped (or read-only) mapping, one more
		 * for an atomic; a read of memory whose mapping nothing
		 * changed takes none.
		 */
		svmt_assert(vm.faults <= 2);
		if (c->acc != READ || (c->state != ZERO && c->state != FILE_RO))
			svmt_assert(vm.faults >= 1);
		switch (c->acc) {
		case READ:
			svmt_assert_eq_u64(op.out, want[TARGET]);
			break;
		case WRITE:
			want[TARGET] = V2;
			break;
		case ATOMIC:
			svmt_assert_eq_u64(op.out, want[TARGET]);
			want[TARGET] += ADDEND;
			break;
		case FILL:
			emu_fill_linear(want, BUF_WORDS, V2, S2);
			break;
		}
	} else {
		emu_assert_result(op.result, c->state == NONE ? -EFAULT : -EPERM);
		svmt_assert_eq_u64(vm.faults, 1);
		/* Nothing was allocated or moved for an access that failed. */
		svmt_assert(emu_vram_in_use(fd, 0) <= vram_op);
		svmt_assert_eq_u64(emu_tile_stats(fd, 0).migrated_to_vram, migrated_op);
	}
	if (wp_expected)
		svmt_assert(st1.wp_breaks > st0.wp_breaks);
	else
		svmt_assert_eq_u64(st1.wp_breaks, st0.wp_breaks);

	/* The data, word by word, as the CPU sees it (and the child). */
	if (c->state == NONE)
		svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_READ));
	svmt_assert_buf_eq(buf, want, BUF_WORDS);
	if (pid) {
		emu_send_byte(child.pp.to_child[1]);
		emu_wait_ok(pid);
	}

	/* The GPU sees what the CPU sees. */
	if (allowed && c->acc == FILL)
		emu_assert_gpu_linear(&vm, buf, BUF_SIZE, V2, S2);

	svmt_assert_ok(munmap(buf, BUF_SIZE));
	emu_vm_destroy(&vm);
	emu_assert_vram_in_use(fd, 0, vram0);
	close(fd);
	if (file >= 0) {
		close(file);
		unlink(path);
	}
	free(want);
	free(orig);
}

#define CASE(st, r, a, name) \
	static void t_##name(void) \
	{ \
		const struct access_case c = { st, r, a }; \
		run_case(&c); \
	}
#define CASES4(st, r, name) \
	CASE(st, r, READ, name##_read) CASE(st, r, WRITE, name##_write) \
	CASE(st, r, ATOMIC, name##_atomic) CASE(st, r, FILL, name##_fill)
#define CASES3(st, name) \
	CASES4(st, SYS, name##_sys) CASES4(st, SYSVM, name##_sysvm) \
	CASES4(st, VRAM, name##_vram)

CASES3(COW_CHILD, cow_child)
CASES3(COW_EXITED, cow_exited)
CASES3(RO_RW, ro_rw)
CASES3(ADD_EXEC, add_exec)
CASES3(RO, ro)
CASES3(NONE, none)
CASES4(ZERO, SYS, zero_sys)
CASES4(ZERO, SYSVM, zero_sysvm)
CASES4(KSM_MERGED, SYS, ksm_sys)
CASES4(KSM_MERGED, SYSVM, ksm_sysvm)
CASES4(FILE_RO, SYS, file_ro_sys)

#define ENTRY(name, fn)	{ name, fn, 0 }
#define ENTRIES4(prefix, fn) \
	ENTRY(prefix "-read", t_##fn##_read), ENTRY(prefix "-write", t_##fn##_write), \
	ENTRY(prefix "-atomic", t_##fn##_atomic), ENTRY(prefix "-fill", t_##fn##_fill)
#define ENTRIES3(prefix, fn) \
	ENTRIES4(prefix "-sys", fn##_sys), ENTRIES4(prefix "-sysvm", fn##_sysvm), \
	ENTRIES4(prefix "-vram", fn##_vram)

/*
 * A FILL that runs from a buffer into a PROT_NONE guard stops there with
 * -EFAULT, and no VRAM is taken inside the guard: only the buffer's own
 * 2 MiB range migrates.
 */
static void t_fill_into_guard(void)
{
	int fd = emu_open();
	struct emu_vm vm = emu_vm_create(fd, EMU_VM_MIRROR);
	uint64_t vram0 = emu_vram_in_use(fd, 0);
	uint64_t *buf = emu_anon_2m(BUF_SIZE), *want = malloc(BUF_SIZE);
	struct xe_svm_emu_op op = emu_op_fill(buf, BUF_SIZE + 32 * SZ_4K, V1, S1);

	svmt_assert(want);
	emu_fill_pattern(buf, BUF_WORDS, 3);
	emu_exec(&vm, &op, 1);
	emu_assert_result(op.result, -EFAULT);
	/* The buffer's range is in VRAM; nothing of the guard is. */
	emu_assert_vram_in_use(fd, 0, vram0 + BUF_SIZE / SZ_4K);
	/* (A CPU read brings it back.) */
	emu_fill_linear(want, BUF_WORDS, V1, S1);
	svmt_assert_buf_eq(buf, want, BUF_WORDS);
	svmt_assert_ok(munmap(buf, BUF_SIZE));
	emu_vm_destroy(&vm);
	emu_assert_vram_in_use(fd, 0, vram0);
	close(fd);
	free(want);
}

/*
 * A read-only mapping the CPU wrote before, with the data in VRAM and a
 * VM that prefers VRAM: every write-type op fails with -EPERM after one
 * fault, nothing moves, and a read still works (from VRAM).
 */
static void t_ro_vram_ops_after_eperm(void)
{
	int fd = emu_open();
	struct emu_vm vm = emu_vm_create(fd, EMU_VM_MIRROR);
	uint64_t vram0 = emu_vram_in_use(fd, 0);
	uint64_t *buf = emu_anon_2m(BUF_SIZE), *want = malloc(BUF_SIZE), out = 0;
	struct xe_svm_emu_op ops[3];

	svmt_assert(want);
	emu_fill_pattern(want, BUF_WORDS, 11);
	memcpy(buf, want, BUF_SIZE);
	gpu_read_pages(&vm, buf, want);
	emu_assert_vram_in_use(fd, 0, vram0 + BUF_SIZE / SZ_4K);
	svmt_assert_ok(mprotect(buf, BUF_SIZE, PROT_READ));
	ops[0] = emu_op_write(&buf[1], V2);
	ops[1] = emu_op_atomic_add(&buf[2], ADDEND);
	ops[2] = emu_op_fill(buf, SZ_64K, V3, S3);
	emu_exec(&vm, ops, 3);
	emu_assert_result(ops[0].result, -EPERM);
	emu_assert_result(ops[1].result, -EPERM);
	emu_assert_result(ops[2].result, -EPERM);
	svmt_assert_eq_u64(vm.faults, 3);
	svmt_assert_ok(emu_read(&vm, &buf[2], &out));
	svmt_assert_eq_u64(out, want[2]);
	emu_assert_vram_in_use(fd, 0, vram0 + BUF_SIZE / SZ_4K);
	svmt_assert_buf_eq(buf, want, BUF_WORDS);
	svmt_assert_ok(munmap(buf, BUF_SIZE));
	emu_vm_destroy(&vm);
	emu_assert_vram_in_use(fd, 0, vram0);
	close(fd);
	free(want);
}

static const struct svmt_subtest tests[] = {
	ENTRIES3("cow-child", cow_child),
	ENTRIES3("cow-exited", cow_exited),
	ENTRIES3("ro-rw", ro_rw),
	ENTRIES3("add-exec", add_exec),
	ENTRIES3("ro", ro),
	ENTRIES3("none", none),
	ENTRIES4("zero-sys", zero_sys),
	ENTRIES4("zero-sysvm", zero_sysvm),
	ENTRIES4("ksm-sys", ksm_sys),
	ENTRIES4("ksm-sysvm", ksm_sysvm),
	ENTRIES4("file-ro-sys", file_ro_sys),
	{ "fill-into-guard-no-vram", t_fill_into_guard, 0 },
	{ "ro-vram-write-ops-eperm", t_ro_vram_ops_after_eperm, 0 },
};

SVMT_MAIN(tests)
