// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * xe_svm_exec: the contract of the emulated device's EXEC ioctl and of
 * the per-VM debugfs files, as a new user would test them.
 *
 * - A fatal signal ends a long EXEC at once: the process is reaped
 *   within a second (not when the op list would have finished), and
 *   nothing it held stays allocated (VRAM back to where it was).
 * - Every op names a range of GPU addresses that must not wrap and must
 *   end inside the 48-bit GPU VA space: otherwise the ioctl fails with
 *   -EINVAL and no op of the list ran. The last word of the VA space is
 *   a valid address (with no CPU mapping there: -EFAULT).
 * - An op list (or an argument) the ioctl cannot write back fails with
 *   -EFAULT before any op runs, so that a caller may retry it: no
 *   atomic is applied twice.
 * - Two VMs of one process on two device files each get a debugfs file
 *   of counters of their own.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/emu.h"

#define VA_TOP		(1ULL << 48)
#define DEBUGFS_DIR	"/sys/kernel/debug/xe_svm_emu"

/* The child of exec-sigkill: an op list of about a minute of work. */
struct long_exec {
	struct emu_pipes pp;
};

#define LONG_OPS	200000
#define LONG_OP_SIZE	SZ_64K

static void long_exec_fn(void *arg)
{
	struct long_exec *le = arg;
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_op *ops = calloc(LONG_OPS, sizeof(*ops));
	uint64_t *buf = emu_anon_2m(SZ_2M);
	size_t i;

	svmt_assert(ops);
	for (i = 0; i < LONG_OPS; i++)
		ops[i] = emu_op_fill(buf + (i % (SZ_2M / LONG_OP_SIZE)) * (LONG_OP_SIZE / 8),
				     LONG_OP_SIZE, i, 1);
	/* In VRAM first, so that the kill also finds device pages to free. */
	emu_assert_result(emu_fill(&vm, buf, SZ_2M, 1, 1), 0);
	emu_send_byte(le->pp.to_parent[1]);
	emu_exec(&vm, ops, LONG_OPS);
	/* Not reached unless the op list ended before the signal. */
	emu_send_byte(le->pp.to_parent[1]);
}

static void t_exec_sigkill(void)
{
	int fd = emu_open();
	uint64_t vram0 = emu_vram_in_use(fd, 0);
	struct long_exec le;
	pid_t pid;
	char c;

	emu_pipes_init(&le.pp);
	pid = emu_fork(long_exec_fn, &le);
	emu_recv_byte(le.pp.to_parent[0]);
	/* Let it get deep into the op list. */
	usleep(500000);
	emu_kill_reap(pid, 1.0);
	/* The op list had not finished: the race really happened. */
	close(le.pp.to_parent[1]);
	svmt_assert_eq_u64(read(le.pp.to_parent[0], &c, 1), 0);
	emu_assert_vram_in_use(fd, 0, vram0);
	close(fd);
}

/*
 * An op list whose last op is bad: the ioctl fails with -EINVAL and the
 * WRITE before it did not run (the word and the results are unchanged).
 */
static void assert_list_rejected(struct emu_vm *vm, uint64_t *word,
				 struct xe_svm_emu_op bad)
{
	struct xe_svm_emu_op ops[2] = { emu_op_write(word, V2), bad };

	*word = V1;
	ops[0].result = 0x7777;
	ops[1].result = 0x7777;
	svmt_assert_eq_u64(__emu_exec(vm->fd, vm->id, ops, 2, NULL), -EINVAL);
	svmt_assert_eq_u64(*word, V1);
	svmt_assert_eq_u64(ops[0].result, 0x7777);
	svmt_assert_eq_u64(ops[1].result, 0x7777);
}

static struct xe_svm_emu_op op_at(uint32_t op, uint64_t addr, uint64_t size)
{
	struct xe_svm_emu_op o = { .addr = addr, .op = op, .size = size };

	return o;
}

static void t_op_wraps(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *word = emu_anon_2m(SZ_2M);
	static const uint32_t one_word[] = {
		XE_SVM_EMU_OP_READ, XE_SVM_EMU_OP_WRITE, XE_SVM_EMU_OP_ATOMIC_ADD,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(one_word); i++) {
		assert_list_rejected(&vm, word, op_at(one_word[i], 0xfffffffffffffff8ULL, 0));
		assert_list_rejected(&vm, word, op_at(one_word[i], VA_TOP, 0));
		assert_list_rejected(&vm, word, op_at(one_word[i], 1ULL << 63, 0));
	}
	assert_list_rejected(&vm, word, op_at(XE_SVM_EMU_OP_FILL, 0xfffffffffffffff8ULL, 8));
	assert_list_rejected(&vm, word, op_at(XE_SVM_EMU_OP_COMPARE, 0xfffffffffffffff8ULL, 8));
	assert_list_rejected(&vm, word, op_at(XE_SVM_EMU_OP_FILL, VA_TOP - 8, 16));
	assert_list_rejected(&vm, word, op_at(XE_SVM_EMU_OP_COMPARE, VA_TOP - SZ_4K, 2 * SZ_4K));
	svmt_assert_ok(munmap(word, SZ_2M));
	emu_vm_close(&vm);
}

/* The last word of the GPU VA space is an address: no CPU mapping there. */
static void t_op_last_va_word(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	struct xe_svm_emu_op ops[] = {
		op_at(XE_SVM_EMU_OP_READ, VA_TOP - 8, 0),
		op_at(XE_SVM_EMU_OP_WRITE, VA_TOP - 8, 0),
		op_at(XE_SVM_EMU_OP_ATOMIC_ADD, VA_TOP - 8, 0),
		op_at(XE_SVM_EMU_OP_FILL, VA_TOP - 8, 8),
		op_at(XE_SVM_EMU_OP_COMPARE, VA_TOP - SZ_4K, SZ_4K),
	};
	size_t i;

	emu_exec(&vm, ops, ARRAY_SIZE(ops));
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		emu_assert_result(ops[i].result, -EFAULT);
	emu_vm_close(&vm);
}

/*
 * The op list in read-only memory: -EFAULT and no op ran (the atomic
 * did not add); the same with the argument itself read-only. Retrying
 * from writable memory then adds exactly once.
 */
static void t_exec_readonly_ops(void)
{
	struct emu_vm vm = emu_vm_open_mirror();
	uint64_t *word = emu_anon_2m(SZ_2M);
	struct xe_svm_emu_op *ro = emu_mmap(SZ_4K, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xe_svm_emu_exec *arg = emu_mmap(SZ_4K, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xe_svm_emu_op op = emu_op_atomic_add(word, 5);

	*word = 100;
	ro[0] = op;
	svmt_assert_ok(mprotect(ro, SZ_4K, PROT_READ));
	svmt_assert_eq_u64(__emu_exec(vm.fd, vm.id, ro, 1, NULL), -EFAULT);
	svmt_assert_eq_u64(*word, 100);
	/* The op list is as it was: no result written. */
	svmt_assert(!memcmp(&ro[0], &op, sizeof(op)));

	arg->ops = (uintptr_t)&op;
	arg->num_ops = 1;
	arg->vm_id = vm.id;
	svmt_assert_ok(mprotect(arg, SZ_4K, PROT_READ));
	svmt_assert_errno(ioctl(vm.fd, XE_SVM_EMU_IOCTL_EXEC, arg), EFAULT);
	svmt_assert_eq_u64(*word, 100);

	emu_exec(&vm, &op, 1);
	emu_assert_result(op.result, 0);
	svmt_assert_eq_u64(op.out, 100);
	svmt_assert_eq_u64(*word, 105);
	svmt_assert_ok(munmap(ro, SZ_4K));
	svmt_assert_ok(munmap(arg, SZ_4K));
	svmt_assert_ok(munmap(word, SZ_2M));
	emu_vm_close(&vm);
}

/* The "faults: N" line of a VM's debugfs file. */
static long long debugfs_faults(const char *name)
{
	char path[320], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", name);
	f = fopen(path, "r");
	if (!f)
		svmt_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "faults: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The debugfs files of this process's VMs: their names into @names. */
static int own_debugfs_files(char names[][256], int max)
{
	char prefix[32];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(prefix, sizeof(prefix), "pid%d-", (int)getpid());
	dir = opendir(DEBUGFS_DIR);
	if (!dir)
		svmt_fail(__FILE__, __LINE__, "open " DEBUGFS_DIR ": %s", strerror(errno));
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, prefix, strlen(prefix)) && n < max)
			snprintf(names[n++], 256, "%s", d->d_name);
	closedir(dir);
	return n;
}

static void t_debugfs_two_files(void)
{
	struct emu_vm a = emu_vm_open_mirror(), b = emu_vm_open_mirror();
	uint64_t *buf = emu_anon_2m(2 * SZ_2M);
	char names[4][256];
	long long fa, fb;
	int n;

	/* Both VMs have id 1, each on its own file. */
	svmt_assert_eq_u64(a.id, b.id);
	emu_vm_placement(&a, XE_SVM_EMU_PLACE_SYSTEM, 0);
	emu_vm_placement(&b, XE_SVM_EMU_PLACE_SYSTEM, 0);
	emu_assert_result(emu_write(&a, buf, 1), 0);
	emu_assert_result(emu_write(&b, buf, 2), 0);
	emu_assert_result(emu_write(&b, buf + SZ_2M / 8, 3), 0);
	n = own_debugfs_files(names, 4);
	svmt_assert_eq_u64(n, 2);
	svmt_assert(strcmp(names[0], names[1]));
	fa = debugfs_faults(names[0]);
	fb = debugfs_faults(names[1]);
	svmt_info("%s: %lld faults, %s: %lld faults", names[0], fa, names[1], fb);
	/* One VM took 1 fault, the other 2, whichever file is which. */
	svmt_assert((fa == 1 && fb == 2) || (fa == 2 && fb == 1));
	svmt_assert_eq_u64(fa + fb, emu_stats(&a).faults + emu_stats(&b).faults);
	emu_vm_close(&a);
	svmt_assert_eq_u64(own_debugfs_files(names, 4), 1);
	emu_vm_close(&b);
	svmt_assert_eq_u64(own_debugfs_files(names, 4), 0);
	svmt_assert_ok(munmap(buf, 2 * SZ_2M));
}

static const struct svmt_subtest tests[] = {
	{ "exec-sigkill-reaped-at-once", t_exec_sigkill, 0 },
	{ "op-wraps-or-above-va-einval", t_op_wraps, 0 },
	{ "op-last-va-word-efault", t_op_last_va_word, 0 },
	{ "exec-readonly-ops-nothing-ran", t_exec_readonly_ops, 0 },
	{ "debugfs-two-files-one-process", t_debugfs_two_files, 0 },
};

SVMT_MAIN(tests)
