#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn a guest run (and the static checks) into one readable report.

    report.py --results R --console C [--static S] [--plan check|demo]
              [--expected P [--select-e2e E2E] [--select-kunit GLOB]]

R is the result stream guest/init writes to ttyS1, C the kernel console
(ttyS0), S the static checks' result file (lines "ok|fail|skip NAME
[reason]"). Every KUnit case (leaf of the KTAP tree), every e2e subtest,
every guest check and every static check is one counted item. A kernel
splat anywhere on the console, a KERN_ERR (or worse) line in the kernel
log that is not on the documented list of expected ones, kmemleak
disabled or reporting, a guest that did not finish, or a test program
that died before its plan was complete are failures too.

P is the expected plan (tests/expected-plan, scripts/plan.sh): every item
of it that the run should have reported (the static checks when S is
given; the KUnit cases and e2e subtests that the E2E= and KUNIT=
selection of "make run" ran, all of them by default; the guest checks
that go with them) and did not is counted as FAILED, and so is every
reported item the plan does not list. In a strict run (guest/init's
check plan: SVMT_STRICT=1) an e2e SKIP fails too, unless its reason
starts with "platform:" (svmt_skip_platform()).

The last line is "N passed, N failed, N skipped"; the exit status is 1
when anything failed.
"""

import argparse
import fnmatch
import os
import re
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')

# Console lines that start a splat (after the timestamp is stripped).
SPLAT = re.compile(
    r'^(WARNING:|BUG:|INFO: task .* blocked|INFO: rcu|rcu: INFO:|'
    r'INFO: possible|INFO: trying to register|UBSAN:|Oops|'
    r'general protection fault|Kernel panic|kernel BUG at|'
    r'watchdog: BUG:|Unable to handle|list_add corruption|'
    r'list_del corruption|kmemleak: \d+ new suspected|'
    r'DMA-API: .*(error|bug|leak))')

# Expected WARNs: the xe_rtp KUnit suite deliberately triggers drm_WARN_ON
# in xe_rtp.c (pipeline-notes trap 12). Allowed only at that file and only
# when the warning's own call trace shows it came from that suite's test
# function run by KUnit; nothing broader.
ALLOWED_WARNS = [
    ('xe_rtp KUnit suite',
     re.compile(r'^WARNING: CPU: \d+ PID: \d+ at (\S*/)?drivers/gpu/drm/xe/xe_rtp\.c:\d+ '),
     [re.compile(r'^\s*xe_rtp_process(_to_sr)?_tests\+'),
      re.compile(r'^\s*kunit_try_run_case\+')]),
]


class Item:
    def __init__(self, kind, suite, name, result, detail='', key=None):
        self.kind, self.suite, self.name = kind, suite, name
        self.result, self.detail = result, detail  # pass|fail|skip
        # What the expected plan calls it: (kind, suite, name) for most;
        # a KUnit leaf's key names its case (a parameter's parent case);
        # None: an item of the report's own (a missing result, an exit
        # status), never in the plan.
        self.key = key


def strip(line):
    return TS.sub('', line.rstrip('\r\n').replace('\r', ''))


def parse_ktap(lines, suite):
    """Leaf results of a KTAP document (KUnit debugfs results).

    Each leaf's key names the suite and its case: the leaf itself at the
    case level (the results one level below the suite's own result), or,
    for a parameter of a parameterised case, the case whose result
    follows its parameters' results."""
    items = []
    # (indent, description, result, directive); a result line is a leaf
    # when the line before it at a deeper indent is not a result of its
    # children, i.e. when no deeper-indented result preceded it since the
    # previous result at its own indent.
    stack_children = {}
    res = re.compile(r'^(\s*)(ok|not ok) (\d+)\s*-?\s*(.*?)(\s+#\s*(SKIP|TODO)\b\s*(.*))?$')
    prev_subtest = None
    diag = []
    results = []  # (indent, name, item or None for a parent)
    for line in lines:
        m = res.match(line)
        if not m:
            if not re.match(r'^\s*(KTAP version|# Subtest:|1\.\.\d+)', line):
                diag.append(line.strip())
            sm = re.match(r'^\s*# Subtest: (\S+)', line)
            if sm:
                prev_subtest = sm.group(1)
            elif line.strip() and not line.strip().startswith('KTAP'):
                prev_subtest = None
            continue
        indent = len(m.group(1))
        had_children = any(k > indent and v for k, v in stack_children.items())
        for k in list(stack_children):
            if k > indent:
                stack_children[k] = False
        stack_children[indent] = True
        subtest_header, prev_subtest = prev_subtest, None
        name = m.group(4).strip()
        if had_children:
            diag = []
            results.append((indent, name, None))
            continue
        if m.group(6) == 'SKIP':
            reason = (m.group(7) or '').strip()
            if not reason and subtest_header == name:
                reason = ('no reason given by KUnit: a parameterised case that got no '
                          'parameters (live tests need an xe device)')
            it = Item('kunit', suite, name, 'skip', reason or '(no reason given by KUnit)')
        elif m.group(2) == 'ok':
            it = Item('kunit', suite, name, 'pass')
        else:
            it = Item('kunit', suite, name, 'fail', '\n'.join(diag[-12:]))
        items.append(it)
        results.append((indent, name, it))
        diag = []
    # The suite's own result is the least indented; its cases one level in.
    indents = sorted(set(r[0] for r in results))
    case_level = indents[1] if len(indents) > 1 else None
    for i, (indent, name, it) in enumerate(results):
        if it is None:
            continue
        if case_level is None or indent < case_level:
            it.key = ('kunit', suite, None)  # a suite without cases
        elif indent == case_level:
            it.key = ('kunit', suite, name)
        else:
            parent = next((r[1] for r in results[i + 1:] if r[0] == case_level), None)
            it.key = ('kunit', suite, parent)
    return items, set(r[1] for r in results if r[0] == case_level)


def parse_tap(lines, suite, rc, strict=False):
    """Top-level results of one TAP stream (a test program)."""
    items, diag = [], []
    plan, running = None, None
    res = re.compile(r'^(ok|not ok) (\d+)\s*-?\s*(.*?)(\s+#\s*(SKIP|TODO|XFAIL)\b\s*(.*))?$')
    for line in lines:
        m = re.match(r'^1\.\.(\d+)', line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = res.match(line)
        if m:
            name = m.group(3).strip()
            key = ('e2e', suite, name)
            if m.group(5) == 'TODO':
                # A known failure (igt/known-failures): shown apart, never
                # counted as passed; one that passes must leave the list.
                reason = (m.group(6) or '').strip()
                if m.group(1) == 'not ok':
                    items.append(Item('e2e', suite, name, 'known', reason, key))
                else:
                    items.append(Item('e2e', suite, name, 'fail',
                                      'passes, but is listed as a known failure (%s): take it '
                                      'off the list' % reason, key))
            elif m.group(5) == 'SKIP':
                reason = (m.group(6) or '').strip()
                if strict and not reason.startswith('platform:'):
                    items.append(Item('e2e', suite, name, 'fail',
                                      'SKIP in the strict guest, which provides every '
                                      'prerequisite (only a "platform:" skip may skip): '
                                      + (reason or '(no reason)'), key))
                else:
                    items.append(Item('e2e', suite, name, 'skip', reason, key))
            elif m.group(1) == 'ok':
                items.append(Item('e2e', suite, name, 'pass', key=key))
            else:
                items.append(Item('e2e', suite, name, 'fail', '\n'.join(diag[-12:]), key))
            diag, running = [], None
        elif line.startswith('# running '):
            diag = [line]
            running = line[len('# running '):].strip()
        elif line.startswith('#'):
            diag.append(line)
    where = ('; it was in subtest %s' % running) if running else ''
    if rc is None:
        items.append(Item('e2e', suite, '(no end marker)', 'fail',
                          'the program\'s output ends without its @@END line: the guest '
                          'died or hung while it ran%s\n%s' % (where, '\n'.join(lines[-15:]))))
    if plan is None:
        items.append(Item('e2e', suite, '(no TAP plan)', 'fail',
                          'exit status %s\n%s' % (rc, '\n'.join(lines[-15:]))))
    elif len(items) < plan:
        for i in range(len(items), plan):
            items.append(Item('e2e', suite, '(result %d of %d missing)' % (i + 1, plan), 'fail',
                              'program ended early, exit status %s%s\n%s' %
                              (rc, where, '\n'.join(lines[-15:]))))
    elif rc != '0' and rc is not None and not any(i.result == 'fail' for i in items):
        items.append(Item('e2e', suite, '(exit status)', 'fail', 'exit status %s' % rc))
    return items


class Run:
    """What the result stream holds."""
    def __init__(self):
        self.items, self.sections, self.done, self.plan = [], {}, False, None
        self.strict = False
        self.kunit_cases = {}    # suite -> case names that reported
        self.dmesg = None        # the kernel log's lines ("<level>[time] text")
        self.dmesg_rc = None


def parse_results(path):
    run = Run()
    try:
        lines = [l.rstrip('\r\n').replace('\r', '') for l in open(path, errors='replace')]
    except OSError:
        lines = []
    cur, buf = None, []

    def finish(rc):
        """The section cur ends (rc None: its @@END line never came)."""
        kind, name = cur
        if kind == 'kunit':
            items, cases = parse_ktap(buf, name)
            run.items.extend(items)
            run.kunit_cases.setdefault(name, set()).update(cases)
            if rc is None:
                run.items.append(Item('kunit', name, '(no end marker)', 'fail',
                                      'the results of suite %s end without @@END' % name))
        elif kind == 'e2e':
            run.items.extend(parse_tap(buf, name, rc, run.strict))
        elif kind == 'kmemleak':
            leaks = [l for l in buf if l.startswith('unreferenced object')]
            bad = leaks or rc is None
            run.items.append(Item('guest', 'kmemleak', 'no leaks after the tests',
                                  'fail' if bad else 'pass',
                                  ('\n'.join(buf[:60]) if leaks else
                                   'the kmemleak report ends without @@END') if bad else '',
                                  ('guest', 'guest', 'kmemleak-no-leaks')))
        elif kind == 'dmesg':
            run.dmesg, run.dmesg_rc = list(buf), rc
        elif kind in ('demo', 'bench'):
            run.sections[name] = (rc, buf)

    for line in lines:
        if line.startswith('@@PLAN'):
            run.plan = line[7:]
            run.strict = ' strict' in line
        elif line.startswith('@@BEGIN '):
            if cur:
                finish(None)
            parts = line.split()
            cur, buf = (parts[1:3] if len(parts) >= 3 else [parts[-1], '?']), []
        elif line.startswith('@@END ') and cur:
            m = re.search(r'rc=(\S+)', line)
            finish(m.group(1) if m else '?')
            cur = None
        elif line.startswith('@@CHECK '):
            parts = line.split(None, 3)
            ok = len(parts) > 2 and parts[2] == 'ok'
            run.items.append(Item('guest', 'guest', parts[1], 'pass' if ok else 'fail',
                                  '' if ok else (parts[3] if len(parts) > 3 else ''),
                                  ('guest', 'guest', parts[1])))
        elif line == '@@DONE':
            run.done = True
        elif cur:
            buf.append(line)
    if cur:
        finish(None)
    return run


def scan_console(path):
    """Splats on the kernel console, minus the documented expected ones."""
    try:
        lines = [strip(l) for l in open(path, errors='replace')]
    except OSError:
        return [], []
    splats, allowed = [], []
    for i, line in enumerate(lines):
        if not SPLAT.match(line):
            continue
        end = i + 1
        while end < len(lines) and end < i + 60 and not lines[end].startswith('---[ end trace'):
            end += 1
        body = lines[i:end + 1]
        ok = None
        for what, head, trace in ALLOWED_WARNS:
            if head.match(line) and all(any(rx.match(l) for l in body) for rx in trace):
                ok = what
        if ok:
            allowed.append('%s  [%s]' % (line, ok))
        else:
            splats.append('\n'.join(body[:45]))
    return splats, allowed


def kmemleak_disabled(messages):
    """Why kmemleak did not watch the whole run ('' when it did), from the
    kernel log's messages: it must have started ("Kernel memory leak
    detector initialized") and never disabled itself (an allocation
    failure, kmemleak=off, "echo off")."""
    off = [m for m in messages if re.match(r'^kmemleak: .*\bdisabled\b', m, re.I)]
    if off:
        return 'kmemleak disabled itself: ' + ' / '.join(off[:3])
    if not any(m.startswith('kmemleak: Kernel memory leak detector initialized')
               for m in messages):
        return 'no "kmemleak: Kernel memory leak detector initialized" in the kernel log'
    return ''


def parse_static(path):
    items = []
    if not path:
        return items
    try:
        for line in open(path):
            parts = line.rstrip('\n').split(None, 2)
            if len(parts) < 2:
                continue
            res = {'ok': 'pass', 'fail': 'fail', 'skip': 'skip'}.get(parts[0], 'fail')
            items.append(Item('static', 'static', parts[1], res,
                              parts[2] if len(parts) > 2 else '',
                              ('static', 'static', parts[1])))
    except OSError:
        items.append(Item('static', 'static', 'static checks ran', 'fail',
                          'no result file %s' % path))
    return items


def read_plan(path):
    """The expected plan: a list of (kind, suite, name, when)."""
    plan = []
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        f = line.split()
        if f[0] == 'static' and len(f) == 2:
            plan.append(('static', 'static', f[1], None))
        elif f[0] in ('kunit', 'e2e') and len(f) == 3:
            plan.append((f[0], f[1], f[2], None))
        elif f[0] == 'guest' and len(f) == 3:
            plan.append(('guest', 'guest', f[1], f[2]))
        else:
            raise SystemExit('%s:%d: not a plan line: %s' % (path, n, line))
    return plan


class Selection:
    """What a run was asked to run: "make run"'s E2E= and KUNIT= (empty:
    the defaults of run-guest.sh and guest/init)."""
    def __init__(self, e2e, kunit):
        self.e2e = [x for x in (e2e or '').split(',') if x]
        self.kunit = kunit or ''

    def program(self, prog):
        if not self.e2e:
            return True
        return any(x.split(':', 1)[0] == prog for x in self.e2e if x != 'none')

    def subtest(self, prog, name):
        if not self.program(prog):
            return False
        subs = [x.split(':', 1)[1] for x in self.e2e if x.startswith(prog + ':')]
        if not subs:
            return True
        # hmm-tests -t selects a test name in every fixture and variant.
        last = name.rsplit('.', 1)[-1] if prog == 'hmm-tests' else name
        return last in subs

    def kunit_case(self, suite, case):
        if self.kunit:
            # kunit.filter_glob: "suite-glob" or "suite-glob.case-glob"
            sg, _, cg = self.kunit.partition('.')
            return fnmatch.fnmatchcase(suite, sg) and (not cg or fnmatch.fnmatchcase(case, cg))
        return not self.e2e  # with E2E= and no KUNIT=, KUnit does not run

    def guest_check(self, when, ours):
        if when == 'always':
            return True
        if when == 'hmm-tests':
            return self.program('hmm-tests')
        if when == 'ours':
            return any(self.program(p) for p in ours)
        if when.startswith('drm:'):
            return any(self.program(p) for p in when[4:].split(','))
        if when.startswith('e2e:'):
            return self.program(when[4:])
        raise SystemExit('unknown condition in the plan: %s' % when)


def apply_plan(items, plan, sel, static_expected, kunit_cases, plan_path):
    """Fail what the plan expects and the run did not report, and what the
    run reported that the plan lacks. Returns the new items."""
    # The programs that run against the DRM face (module xe_svm_emu_drm)
    # are named by the condition of its checks, "drm:P1,P2"; the rest of
    # ours use /dev/xe_svm_emu.
    drm = set(p for k, s, n, w in plan if w and w.startswith('drm:') for p in w[4:].split(','))
    ours = sorted(set(s for k, s, n, w in plan if k == 'e2e' and
                      s != 'hmm-tests' and s not in drm))
    expected = {}
    for kind, suite, name, when in plan:
        if kind == 'static':
            want = static_expected
        elif kind == 'kunit':
            want = sel.kunit_case(suite, name)
        elif kind == 'e2e':
            want = sel.subtest(suite, name)
        else:
            want = sel.guest_check(when, ours)
        if want:
            expected[(kind, suite, name)] = True
    planned = set((k, s, n) for k, s, n, w in plan)
    reported = set(it.key for it in items if it.key)
    for suite, cases in kunit_cases.items():
        reported |= set(('kunit', suite, c) for c in cases)
    new = []
    for key in expected:
        if key not in reported:
            kind, suite, name = key
            new.append(Item(kind, suite, name, 'fail',
                            'in the expected plan (%s) but not reported by this run' % plan_path))
    programs_in_plan = set(s for k, s, n, w in plan if k == 'e2e')
    for it in items:
        if it.key and it.key not in planned and it.result != 'fail':
            it.result = 'fail'
            it.detail = ('reported, but not in the expected plan (%s): run "make plan" '
                         'and commit it if this item is new' % plan_path)
    # The plan names the missing results of a program that ended early.
    items = [it for it in items if not (it.kind == 'e2e' and it.suite in programs_in_plan and
                                        it.name.startswith('(result '))]
    return items + new


# Kernel log records at KERN_ERR or worse (level 0-3) that a clean run
# has, each allowed by an exact pattern of the whole message and only
# while what provokes it on purpose runs: ('kunit', suite) while that
# KUnit suite runs at boot (from its "# Subtest:" line to its result),
# ('e2e', program) while guest/init runs that program (from its
# "xe-svm-guest: e2e NAME" line to "... done"). Anything else at those
# levels fails the run: an error our code (or the kernel on its behalf,
# e.g. debugfs on a name collision) prints is a defect even when no test
# notices it.
ALLOWED_ERRS = [
    # xe_rtp_process_to_sr_tests' cases with conflicting save-restore
    # entries on purpose: xe_reg_sr_add() refuses each with this drm_err
    # (the same cases' drm_WARN_ON is in ALLOWED_WARNS).
] + [
    ('xe_rtp KUnit suite: conflicting save-restore entries',
     re.compile(re.escape('drm-kunit-mock-device xe_rtp_process_to_sr_tests.drm-kunit-mock-device: '
                          '[drm] *ERROR* GT0: discarding save-restore reg 0001 (%s): ret=-22' % e)),
     ('kunit', 'xe_rtp'))
    for e in ('clear: 00000001, set: 00000001, masked: no, mcr: no',
              'clear: 00000003, set: 00000000, masked: no, mcr: no',
              'clear: 00000002, set: 00000002, masked: no, mcr: yes',
              'clear: 00000001, set: 00000001, masked: yes, mcr: no')
] + [
    # test_module_params loads xe_svm_emu with each of its out-of-range
    # parameters; the module refuses them with exactly these messages.
    ('xe_svm_emu_basic module-params: bad tiles=',
     re.compile(r'xe_svm_emu: tiles=(0|5|4294967295) is out of range 1-4'),
     ('e2e', 'xe_svm_emu_basic')),
    ('xe_svm_emu_basic module-params: bad vram_mb=',
     re.compile(r'xe_svm_emu: vram_mb=(0|4097) is out of range 1-4096'),
     ('e2e', 'xe_svm_emu_basic')),
    # xe_svm_migrate teardown-unload-copy-dead unloads the module with its
    # copy engine failing every copy: the 4 MiB it left in VRAM is lost.
    ('xe_svm_migrate teardown-unload-copy-dead: data lost on eviction',
     re.compile(re.escape('xe_svm: xe_svm_emu tile0 VRAM: copy engine failing, '
                          '1024 pages of data lost on eviction')),
     ('e2e', 'xe_svm_migrate')),
    # xe_svm_evict evict-fail-injected fails every copy out of VRAM while
    # an allocation needs room: TTM logs the eviction it had to give up.
    ('xe_svm_evict evict-fail-injected: TTM gives an eviction up',
     re.compile(re.escape('[TTM] Buffer eviction failed')),
     ('e2e', 'xe_svm_evict')),
    # xe_svm_migrate teardown-unload-wedged unloads the module of a device
    # that says it is dead: no copy is tried, the same 4 MiB is lost.
    ('xe_svm_migrate teardown-unload-wedged: data lost on eviction',
     re.compile(re.escape('xe_svm: xe_svm_emu tile0 VRAM: device dead, '
                          '1024 pages of data lost on eviction')),
     ('e2e', 'xe_svm_migrate')),
]

# dmesg -r: "<priority>[time] message"; the level is priority & 7.
KLOG = re.compile(r'^<(\d+)>(\[\s*\d+\.\d+\]\s?)?(.*)$')


def scan_kernel_log(run):
    """Items for the kernel log dump: it is complete, and it has no
    unexpected KERN_ERR (or worse) record."""
    items = []
    if run.dmesg is None:
        items.append(Item('guest', 'guest', 'kernel log dumped', 'fail',
                          'no dmesg section in the result stream'))
        return items, []
    recs = []
    for line in run.dmesg:
        m = KLOG.match(line)
        if m:
            recs.append([int(m.group(1)) & 7, m.group(3)])
        elif recs:
            recs[-1][1] += '\n' + line
    complete = (run.dmesg_rc == '0' and recs and recs[0][1].startswith('Linux version '))
    items.append(Item('guest', 'guest', 'kernel log dumped', 'pass' if complete else 'fail',
                      '' if complete else
                      'the kernel log dump (dmesg -r, rc=%s) does not start with the '
                      'kernel banner: the ring buffer wrapped or the dump failed' % run.dmesg_rc))
    scope, errs, allowed = None, [], []
    for level, text in recs:
        m = (re.match(r'^    # Subtest: (\S+)$', text) or
             re.match(r'^xe-svm-guest: e2e (\S+)$', text))
        if m:
            scope = ('kunit' if text.startswith(' ') else 'e2e', m.group(1))
        elif (re.match(r'^(not )?ok \d+ \S+', text) or
              re.match(r'^xe-svm-guest: e2e \S+ done', text)):
            scope = None
        if level > 3:
            continue
        why = next((w for w, rx, s in ALLOWED_ERRS if rx.fullmatch(text) and s == scope), None)
        where = '  (while %s %s ran)' % scope if scope else ''
        if why:
            allowed.append('<%d> %s%s  [%s]' % (level, text, where, why))
        else:
            errs.append('<%d> %s%s' % (level, text, where))
    items.append(Item('guest', 'guest', 'no unexpected KERN_ERR line in the kernel log',
                      'fail' if errs else 'pass', '\n'.join(errs[:30])))
    disabled = kmemleak_disabled([t for l, t in recs])
    items.append(Item('guest', 'guest', 'kmemleak watched the whole run',
                      'fail' if disabled else 'pass', disabled))
    return items, allowed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--results')
    ap.add_argument('--console')
    ap.add_argument('--static')
    ap.add_argument('--plan', default='check')
    ap.add_argument('--machine', default='')
    ap.add_argument('--expected', help='the expected plan (tests/expected-plan)')
    ap.add_argument('--select-e2e', default='', help='E2E= of make run')
    ap.add_argument('--select-kunit', default='', help='KUNIT= of make run')
    a = ap.parse_args()

    items = parse_static(a.static)
    sections, splats, allowed, guest_ran = {}, [], [], bool(a.results)
    allowed_errs = []
    if guest_ran:
        run = parse_results(a.results)
        sections = run.sections
        items += run.items
        splats, allowed = scan_console(a.console)
        hung = os.path.join(os.path.dirname(a.results), '%s-hung' % a.plan)
        hung = open(hung).read().strip() if os.path.exists(hung) else ''
        items.append(Item('guest', 'guest', 'guest ran its plan to the end',
                          'pass' if run.done else 'fail',
                          '' if run.done else 'no @@DONE: the guest panicked, hung or timed out'
                          + (' (%s)' % hung if hung else '') + '; see the console log'))
        items.append(Item('guest', 'guest', 'no kernel splat on the console',
                          'fail' if splats else 'pass', '\n\n'.join(splats[:5])))
        if a.plan == 'check':
            kitems, allowed_errs = scan_kernel_log(run)
            items += kitems
    if a.expected and not guest_ran:
        # No guest run (make quick without E2E=/KUNIT=, or a run that
        # stopped before the guest): only the static part is expected.
        items = apply_plan(items, [p for p in read_plan(a.expected) if p[0] == 'static'],
                           Selection('none', ''), True, {}, a.expected)
    elif a.expected and a.plan == 'check':
        items = apply_plan(items, read_plan(a.expected),
                           Selection(a.select_e2e, a.select_kunit), bool(a.static),
                           run.kunit_cases if guest_ran else {}, a.expected)

    out = []
    if a.plan in ('demo', 'bench'):
        out.append('=== xe SVM demo: the emulated device ===' if a.plan == 'demo' else
                   '=== benchmarks (not tests; ratios from one run) ===')
        for name, (rc, buf) in sections.items():
            out += ['  ' + l for l in buf]
            if rc != '0':
                out.append('  (%s exited with status %s)' % (name, rc))
        if a.plan == 'bench':
            out.append('  Note: the guest kernel runs KASAN, lockdep and kmemleak, which slow kernel')
            out.append('  paths and not the user-space memcpy; compare kernel paths with each other')
            out.append('  (ours vs test_hmm), and treat the ratios to memcpy as lower bounds.')
        out.append('')

    # Per-suite summary.
    suites = {}
    for it in items:
        key = (it.kind, it.suite)
        s = suites.setdefault(key, {'pass': 0, 'fail': 0, 'skip': 0, 'known': 0})
        s[it.result] += 1
    out.append('=== results by suite ===')
    for (kind, suite), s in suites.items():
        out.append('  %-7s %-40s %4d passed %4d failed %4d skipped%s' %
                   (kind, suite, s['pass'], s['fail'], s['skip'],
                    ' %4d known failures' % s['known'] if s['known'] else ''))
    reused = [it for it in items if it.kind == 'static' and 'cached:' in it.detail]
    if reused:
        out.append('=== reused results (deterministic, computed earlier with the same inputs) ===')
        for it in reused:
            out.append('  static %s %s' % (it.name, it.detail))
    skips = [it for it in items if it.result == 'skip']
    if skips:
        out.append('=== skipped, with reasons ===')
        for it in skips:
            out.append('  %s %s: %s: %s' % (it.kind, it.suite, it.name, it.detail or '(none)'))
    if allowed:
        out.append('=== expected warnings (allow-listed) ===')
        out += ['  ' + l for l in allowed]
    if allowed_errs:
        out.append('=== expected KERN_ERR lines (allow-listed) ===')
        out += ['  ' + l for l in allowed_errs]
    known = [it for it in items if it.result == 'known']
    if known:
        out.append('=== known failures (not passed; each waits for the issue named) ===')
        for it in known:
            out.append('  %s %s: %s: %s' % (it.kind, it.suite, it.name, it.detail or '(none)'))
    fails = [it for it in items if it.result == 'fail']
    if fails:
        out.append('=== FAILURES ===')
        for it in fails:
            out.append('--- %s %s: %s' % (it.kind, it.suite, it.name))
            if it.detail:
                out += ['    ' + l for l in it.detail.splitlines()]
    n = {r: sum(1 for it in items if it.result == r) for r in ('pass', 'fail', 'skip', 'known')}
    if a.machine:
        out.append(a.machine)
    if reused:
        out.append('%d of the passed static results were reused (XE_SVM_REUSE=0 recomputes all)'
                   % len(reused))
    out.append('%d passed, %d failed, %d skipped%s' % (n['pass'], n['fail'], n['skip'],
               ', %d known failures' % n['known'] if n['known'] else ''))
    print('\n'.join(out))
    return 1 if n['fail'] or not items else 0


if __name__ == '__main__':
    sys.exit(main())
