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

static int run_one(const struct svmt_subtest *t, unsigned int num)
{
	unsigned int timeout = t->timeout ? t->timeout : SVMT_DEFAULT_TIMEOUT;
	struct timespec t0, t1;
	int status, ret;
	pid_t pid, w;
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
		alarm(timeout);
		t->fn();
		fflush(stdout);
		_exit(SVMT_EXIT_PASS);
	}

	do {
		w = waitpid(pid, &status, 0);
	} while (w < 0 && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (WIFEXITED(status) && WEXITSTATUS(status) == SVMT_EXIT_PASS) {
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
