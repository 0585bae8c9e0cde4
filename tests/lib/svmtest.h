/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 *
 * svmtest: a small IGT-style harness for the SVM end-to-end tests.
 *
 * A test program is a list of named subtests. Each subtest runs in its own
 * child process (a crash or a hang fails that subtest only), under a
 * timeout, and reports one TAP line:
 *
 *	ok 3 - info-mbz
 *	not ok 4 - bad-ioctl
 *	ok 5 - vram # SKIP emulated device has no VRAM
 *
 * SVMT_STRICT=1 in the environment turns svmt_skip() into a failure (see
 * there); only svmt_skip_platform() skips then.
 *
 * Usage: prog [--list] [subtest...]   (no names: run them all)
 * A program ends with SVMT_MAIN(its array of struct svmt_subtest).
 *
 * The exit status is 0 when no subtest failed, 1 otherwise.
 */
#ifndef SVMTEST_H
#define SVMTEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct svmt_subtest {
	const char *name;
	void (*fn)(void);
	/* seconds before the subtest is killed and failed; 0 = default */
	unsigned int timeout;
};

#define SVMT_DEFAULT_TIMEOUT 120

int svmt_main(int argc, char **argv, const struct svmt_subtest *tests,
	      unsigned int count);

/* The main() of a test program whose subtests are the array @tests. */
#define SVMT_MAIN(tests)						\
int main(int argc, char **argv)						\
{									\
	return svmt_main(argc, argv, (tests), sizeof(tests) / sizeof((tests)[0])); \
}

/* End the running subtest. */
void svmt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/*
 * A prerequisite of the subtest is missing (a module not loaded, no huge
 * pages reserved, not root...): SKIP with the reason. With SVMT_STRICT=1
 * in the environment (the guest of "make check", which provides every
 * prerequisite) the subtest FAILS instead, with the same reason.
 */
void svmt_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/*
 * The platform truly lacks what the subtest needs (hardware, a kernel
 * feature the guest cannot have): SKIP even with SVMT_STRICT=1. The TAP
 * line reads "# SKIP platform: <reason>", which the report accepts in a
 * strict run; use it only where that is true.
 */
void svmt_skip_platform(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* Is SVMT_STRICT=1 set (every prerequisite must be there)? */
bool svmt_strict(void);
/* A diagnostic line ("# ...") in the TAP stream. */
void svmt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define svmt_assert(cond) do {						\
	if (!(cond))							\
		svmt_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
} while (0)

#define svmt_assert_eq_u64(a, b) do {					\
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);		\
	if (a_ != b_)							\
		svmt_fail(__FILE__, __LINE__, "%s == %s: got %" PRIu64	\
			  " (0x%" PRIx64 "), expected %" PRIu64 " (0x%" PRIx64 ")", \
			  #a, #b, a_, a_, b_, b_);			\
} while (0)

/* Assert that a call returning -1/errno failed with exactly err. */
#define svmt_assert_errno(call, err) do {				\
	int r_ = (call);						\
	int e_ = errno;							\
	if (r_ != -1 || e_ != (err))					\
		svmt_fail(__FILE__, __LINE__, "%s: got %d (errno %d %s), expected -1 (errno %d %s)", \
			  #call, r_, r_ == -1 ? e_ : 0,			\
			  r_ == -1 ? strerror(e_) : "-", (err), strerror(err)); \
} while (0)

/* Assert that a call returning 0/-1 succeeded. */
#define svmt_assert_ok(call) do {					\
	int r_ = (call);						\
	if (r_ != 0)							\
		svmt_fail(__FILE__, __LINE__, "%s: got %d (errno %d %s), expected 0", \
			  #call, r_, errno, strerror(errno));		\
} while (0)

/*
 * Compare two buffers word by word; on a mismatch report the first bad
 * word's index, value and expected value, and how many words differ.
 */
void svmt_assert_words_eq(const char *file, int line, const uint64_t *got,
			  const uint64_t *want, size_t nwords);
#define svmt_assert_buf_eq(got, want, nwords) \
	svmt_assert_words_eq(__FILE__, __LINE__, (got), (want), (nwords))

/* Read a small integer from a sysfs/procfs file; -1 if unreadable. */
long long svmt_read_ll(const char *path);

#endif
