// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "svmtest.h"

#define SVMT_EXIT_PASS 0
#define SVMT_EXIT_FAIL 1
#define SVMT_EXIT_SKIP 77

/* Shared with the subtest's child: the reason for a skip. */
static char *skip_reason;
#define SKIP_REASON_LEN 256

static void vprint_prefixed(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	char *line, *save = NULL;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("%s%s\n", prefix, line);
	fflush(stdout);
}

void svmt_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_prefixed("# ", fmt, ap);
	va_end(ap);
}

void svmt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL at %s:%d\n", file, line);
	va_start(ap, fmt);
	vprint_prefixed("#   ", fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(SVMT_EXIT_FAIL);
}

bool svmt_strict(void)
{
	const char *v = getenv("SVMT_STRICT");

	return v && !strcmp(v, "1");
}

void svmt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, SKIP_REASON_LEN, fmt, ap);
	va_end(ap);
	if (svmt_strict()) {
		printf("# FAIL: a prerequisite is missing, and SVMT_STRICT=1 says the\n"
		       "#   platform provides every prerequisite: %s\n", skip_reason);
		skip_reason[0] = '\0';
		fflush(stdout);
		_exit(SVMT_EXIT_FAIL);
	}
	fflush(stdout);
	_exit(SVMT_EXIT_SKIP);
}

void svmt_skip_platform(const char *fmt, ...)
{
	int n = snprintf(skip_reason, SKIP_REASON_LEN, "platform: ");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason + n, SKIP_REASON_LEN - n, fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(SVMT_EXIT_SKIP);
}

void svmt_assert_words_eq(const char *file, int line, const uint64_t *got,
			  const uint64_t *want, size_t nwords)
{
	size_t i, first = (size_t)-1, bad = 0;

	for (i = 0; i < nwords; i++) {
		if (got[i] != want[i]) {
			if (first == (size_t)-1)
				first = i;
			bad++;
		}
	}
	if (bad)
		svmt_fail(file, line,
			  "%zu of %zu words differ; first at word %zu: got 0x%016" PRIx64
			  ", expected 0x%016" PRIx64, bad, nwords, first,
			  got[first], want[first]);
}

long long svmt_read_ll(const char *path)
{
	long long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Seconds between @a and @b. */
static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Print what the kernel says a process is doing: its state and wait channel. */
static void report_stuck(pid_t pid)
{
	char path[64], buf[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	printf("# the subtest's process %d is stuck: wait channel '%s'\n",
	       (int)pid, buf[0] ? buf : "?");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, "State:", 6))
				printf("#   %s", buf);
		fclose(f);
	}
	/* Where in the kernel, when the kernel can say (root, STACKTRACE). */
	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	f = fopen(path, "r");
	if (f) {
		int n = 0;

		while (n++ < 12 && fgets(buf, sizeof(buf), f))
			printf("#   %s", buf);
		fclose(f);
	}
	fflush(stdout);
}

/*
 * Wait for the subtest's child @pid, at most @timeout seconds plus a grace
 * period for its own alarm to fire. The parent enforces the timeout: a
 * child stuck in the kernel ignores SIGALRM, so past the deadline its wait
 * channel is reported and its whole process group is killed. A child that
 * cannot even die (uninterruptible sleep) is left behind after a further
 * grace period, so the next subtests still run. Returns true when the
 * child was reaped, with its status in @status.
 */
static bool wait_bounded(pid_t pid, unsigned int timeout, int *status, bool *timed_out)
{
	const double grace = 5.0;
	struct timespec t0, now, nap = { 0, 20 * 1000 * 1000 };
	bool killed = false;
	pid_t w;

	*timed_out = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return true;
		if (w < 0 && errno != EINTR)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!killed && elapsed(&t0, &now) > timeout + grace) {
			printf("# timeout: the subtest ran %u s and did not end on its alarm\n",
			       timeout);
			report_stuck(pid);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
			*timed_out = true;
		}
		if (killed && elapsed(&t0, &now) > timeout + 4 * grace) {
			printf("# the subtest's process %d did not die on SIGKILL; left behind\n",
			       (int)pid);
			report_stuck(pid);
			return false;
		}
		nanosleep(&nap, NULL);
	}
}

static int run_one(const struct svmt_subtest *t, unsigned int num)
{
	unsigned int timeout = t->timeout ? t->timeout : SVMT_DEFAULT_TIMEOUT;
	struct timespec t0, t1;
	bool reaped, timed_out;
	int status = 0, ret;
	pid_t pid;
	double secs;

	skip_reason[0] = '\0';
	printf("# running %s\n", t->name);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	pid = fork();
	if (pid < 0) {
		printf("not ok %u - %s\n# fork failed: %s\n", num, t->name,
		       strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* Its own group, so the parent can kill what it forked too. */
		setpgid(0, 0);
		alarm(timeout);
		t->fn();
		fflush(stdout);
		_exit(SVMT_EXIT_PASS);
	}
	setpgid(pid, pid);

	reaped = wait_bounded(pid, timeout, &status, &timed_out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = elapsed(&t0, &t1);

	if (!reaped || timed_out) {
		printf("not ok %u - %s\n# %s: the harness ended it after %.0f s\n",
		       num, t->name, t->name, secs);
		ret = 1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SVMT_EXIT_PASS) {
		printf("ok %u - %s\n", num, t->name);
		ret = 0;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SVMT_EXIT_SKIP) {
		printf("ok %u - %s # SKIP %s\n", num, t->name,
		       skip_reason[0] ? skip_reason : "(no reason given)");
		ret = 0;
	} else {
		if (WIFSIGNALED(status))
			printf("# killed by signal %d%s\n", WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		printf("not ok %u - %s\n", num, t->name);
		ret = 1;
	}
	printf("# %s: %.3f s\n", t->name, secs);
	fflush(stdout);
	return ret;
}

int svmt_main(int argc, char **argv, const struct svmt_subtest *tests,
	      unsigned int count)
{
	unsigned int i, n = 0, failed = 0;
	bool *sel;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sel = calloc(count, sizeof(*sel));
	skip_reason = mmap(NULL, SKIP_REASON_LEN, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!sel || skip_reason == MAP_FAILED) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < count; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}

	for (a = 1; a < argc; a++) {
		bool found = false;

		for (i = 0; i < count; i++) {
			if (!strcmp(argv[a], tests[i].name)) {
				sel[i] = true;
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "%s: no subtest named '%s' (--list lists them)\n",
				argv[0], argv[a]);
			return 1;
		}
	}
	for (i = 0; i < count; i++) {
		if (argc == 1)
			sel[i] = true;
		n += sel[i];
	}

	printf("TAP version 13\n1..%u\n", n);
	n = 0;
	for (i = 0; i < count; i++)
		if (sel[i])
			failed += run_one(&tests[i], ++n);

	free(sel);
	return failed ? 1 : 0;
}
