#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn a guest run (and the static checks) into one readable report.

    report.py --results R --console C [--static S] [--plan check|demo]

R is the result stream guest/init writes to ttyS1, C the kernel console
(ttyS0), S the static checks' result file (lines "ok|fail|skip NAME
[reason]"). Every KUnit case (leaf of the KTAP tree), every e2e subtest,
every guest check and every static check is one counted item. A kernel
splat anywhere on the console, a kmemleak report, a guest that did not
finish, or a test program that died before its plan was complete are
failures too. The last line is "N passed, N failed, N skipped"; the exit
status is 1 when anything failed.
"""

import argparse
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
    def __init__(self, kind, suite, name, result, detail=''):
        self.kind, self.suite, self.name = kind, suite, name
        self.result, self.detail = result, detail  # pass|fail|skip


def strip(line):
    return TS.sub('', line.rstrip('\r\n').replace('\r', ''))


def parse_ktap(lines, suite):
    """Leaf results of a KTAP document (KUnit debugfs results)."""
    items = []
    # (indent, description, result, directive); a result line is a leaf
    # when the line before it at a deeper indent is not a result of its
    # children, i.e. when no deeper-indented result preceded it since the
    # previous result at its own indent.
    stack_children = {}
    res = re.compile(r'^(\s*)(ok|not ok) (\d+)\s*-?\s*(.*?)(\s+#\s*(SKIP|TODO)\b\s*(.*))?$')
    prev_subtest = None
    diag = []
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
        if had_children:
            diag = []
            continue
        name = m.group(4).strip()
        if m.group(6) == 'SKIP':
            reason = (m.group(7) or '').strip()
            if not reason and subtest_header == name:
                reason = ('no reason given by KUnit: a parameterised case that got no '
                          'parameters (live tests need an xe device)')
            items.append(Item('kunit', suite, name, 'skip', reason or '(no reason given by KUnit)'))
        elif m.group(2) == 'ok':
            items.append(Item('kunit', suite, name, 'pass'))
        else:
            items.append(Item('kunit', suite, name, 'fail', '\n'.join(diag[-12:])))
        diag = []
    return items


def parse_tap(lines, suite, rc):
    """Top-level results of one TAP stream (a test program)."""
    items, diag = [], []
    plan = None
    res = re.compile(r'^(ok|not ok) (\d+)\s*-?\s*(.*?)(\s+#\s*(SKIP|TODO|XFAIL)\b\s*(.*))?$')
    for line in lines:
        m = re.match(r'^1\.\.(\d+)', line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = res.match(line)
        if m:
            name = m.group(3).strip()
            if m.group(5) == 'SKIP':
                items.append(Item('e2e', suite, name, 'skip', m.group(6) or ''))
            elif m.group(1) == 'ok':
                items.append(Item('e2e', suite, name, 'pass'))
            else:
                items.append(Item('e2e', suite, name, 'fail', '\n'.join(diag[-12:])))
            diag = []
        elif line.startswith('# running '):
            diag = [line]
        elif line.startswith('#'):
            diag.append(line)
    if plan is None:
        items.append(Item('e2e', suite, '(no TAP plan)', 'fail',
                          'exit status %s\n%s' % (rc, '\n'.join(lines[-15:]))))
    elif len(items) < plan:
        for i in range(len(items), plan):
            items.append(Item('e2e', suite, '(result %d of %d missing)' % (i + 1, plan), 'fail',
                              'program ended early, exit status %s\n%s' %
                              (rc, '\n'.join(lines[-15:]))))
    elif rc not in ('0', None) and not any(i.result == 'fail' for i in items):
        items.append(Item('e2e', suite, '(exit status)', 'fail', 'exit status %s' % rc))
    return items


def parse_results(path):
    items, sections, done, plan = [], {}, False, None
    try:
        lines = [l.rstrip('\r\n').replace('\r', '') for l in open(path, errors='replace')]
    except OSError:
        lines = []
    cur, buf = None, []
    for line in lines:
        if line.startswith('@@PLAN'):
            plan = line[7:]
        elif line.startswith('@@BEGIN '):
            cur, buf = line.split()[1:3], []
        elif line.startswith('@@END ') and cur:
            m = re.search(r'rc=(\S+)', line)
            rc = m.group(1) if m else None
            kind, name = cur
            if kind == 'kunit':
                items += parse_ktap(buf, name)
            elif kind == 'e2e':
                items += parse_tap(buf, name, rc)
            elif kind == 'kmemleak':
                leaks = [l for l in buf if l.startswith('unreferenced object')]
                items.append(Item('guest', 'kmemleak', 'no leaks after the tests',
                                  'fail' if leaks else 'pass',
                                  '\n'.join(buf[:60]) if leaks else ''))
            elif kind in ('demo', 'bench'):
                sections[name] = (rc, buf)
            cur = None
        elif line.startswith('@@CHECK '):
            parts = line.split(None, 3)
            ok = parts[2] == 'ok'
            items.append(Item('guest', 'guest', parts[1], 'pass' if ok else 'fail',
                              '' if ok else (parts[3] if len(parts) > 3 else '')))
        elif line == '@@DONE':
            done = True
        elif cur:
            buf.append(line)
    return items, sections, done, plan


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
                              parts[2] if len(parts) > 2 else ''))
    except OSError:
        items.append(Item('static', 'static', 'static checks ran', 'fail',
                          'no result file %s' % path))
    return items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--results')
    ap.add_argument('--console')
    ap.add_argument('--static')
    ap.add_argument('--plan', default='check')
    ap.add_argument('--machine', default='')
    a = ap.parse_args()

    items = parse_static(a.static)
    sections, splats, allowed, guest_ran = {}, [], [], bool(a.results)
    if guest_ran:
        gitems, sections, done, plan = parse_results(a.results)
        items += gitems
        splats, allowed = scan_console(a.console)
        items.append(Item('guest', 'guest', 'guest ran its plan to the end',
                          'pass' if done else 'fail',
                          '' if done else 'no @@DONE: the guest panicked, hung or timed out; '
                          'see the console log'))
        items.append(Item('guest', 'guest', 'no kernel splat on the console',
                          'fail' if splats else 'pass', '\n\n'.join(splats[:5])))

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
        s = suites.setdefault(key, {'pass': 0, 'fail': 0, 'skip': 0})
        s[it.result] += 1
    out.append('=== results by suite ===')
    for (kind, suite), s in suites.items():
        out.append('  %-7s %-40s %4d passed %4d failed %4d skipped' %
                   (kind, suite, s['pass'], s['fail'], s['skip']))
    skips = [it for it in items if it.result == 'skip']
    if skips:
        out.append('=== skipped, with reasons ===')
        for it in skips:
            out.append('  %s %s: %s: %s' % (it.kind, it.suite, it.name, it.detail or '(none)'))
    if allowed:
        out.append('=== expected warnings (allow-listed) ===')
        out += ['  ' + l for l in allowed]
    fails = [it for it in items if it.result == 'fail']
    if fails:
        out.append('=== FAILURES ===')
        for it in fails:
            out.append('--- %s %s: %s' % (it.kind, it.suite, it.name))
            if it.detail:
                out += ['    ' + l for l in it.detail.splitlines()]
    n = {r: sum(1 for it in items if it.result == r) for r in ('pass', 'fail', 'skip')}
    if a.machine:
        out.append(a.machine)
    out.append('%d passed, %d failed, %d skipped' % (n['pass'], n['fail'], n['skip']))
    print('\n'.join(out))
    return 1 if n['fail'] or not items else 0


if __name__ == '__main__':
    sys.exit(main())
