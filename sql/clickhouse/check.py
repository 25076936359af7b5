#!/usr/bin/env python3
"""Checks the ClickHouse recipes against a real engine (chDB, ClickHouse embedded in Python).

  check.py --bin target/release/bouncex LOG...

1. Loads `bouncex scan --format ndjson LOG...` into the `bounce_events` table of schema.sql
   (with `INSERT ... FORMAT JSONEachRow`, as the README shows), and the knowledge base's codes
   (`bouncex list --format ndjson --no-basic`) into `bounce_codes`.
2. Runs every figure of report.sql and compares it with `bouncex scan --format json` over the
   same logs, field by field; prints each difference.
3. Calls `bouncex classify` inside the engine, through bouncex_classify_function.xml (an
   executable_pool UDF) and through the executable() table function, over the raw lines,
   and checks that each gives exactly one row per line, in order.

Exits 0 only when every figure is equal and every row count right; 1 otherwise; 3 when chDB
is not installed (`pip install --no-deps chdb chdb-core`).
"""
import argparse
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def statements(path):
    """The SQL statements of a file, each with the `-- figure:` name before it, if any."""
    out = []
    name, buf = None, []
    for line in open(path, encoding='utf-8'):
        m = re.match(r'--\s*figure:\s*(\w+)', line)
        if m:
            name = m.group(1)
        buf.append(line)
        if line.rstrip().endswith(';') and not line.lstrip().startswith('--'):
            sql = ''.join(buf).strip()
            out.append((name, sql.rstrip(';')))
            name, buf = None, []
    return out


def rows(sess, sql):
    res = sess.query(sql, 'JSONCompact')
    data = json.loads(res.bytes() or b'{"data": []}')
    cols = [c['name'] for c in data.get('meta', [])]
    return [dict(zip(cols, r)) for r in data['data']]


def num(x):
    """ClickHouse's JSON writes 64-bit integers as strings."""
    if isinstance(x, str) and re.fullmatch(r'-?\d+', x):
        return int(x)
    return x


def figures(sess):
    """scan --format json's figures, from report.sql."""
    got = {}
    for name, sql in statements(os.path.join(HERE, 'report.sql')):
        r = [{k: num(v) for k, v in row.items()} for row in rows(sess, sql)]
        if name == 'totals':
            t = r[0]
            got['events'] = t['events']
            got['by_status'] = {k: t[k] for k in ('sent', 'deferred', 'bounced', 'expired')}
            for k in ('soft', 'hard', 'greylisted'):
                got[k] = t[k]
        elif name == 'codes':
            got['codes'] = [{k: x[k] for k in ('code', 'title', 'bounce', 'count', 'advice')} for x in r]
        elif name in ('reasons', 'domains', 'remote_hosts'):
            got[name] = r
        elif name == 'by_hour':
            got['by_hour'] = [num(x) for x in r[0]['by_hour']] if r[0]['by_hour'] is not None else None
        elif name == 'deferrals':
            d = r[0]
            got['deferrals'] = {
                **{k: d[k] for k in ('messages', 'delivered_later', 'bounced_later', 'expired', 'pending',
                                     'retry_success_rate')},
                'time_to_delivery_s': {k: d[k] for k in ('median', 'p90', 'max')},
            }
        elif name == 'hosts':
            got['hosts'] = [{
                'host': x['host'] or None,
                'events': x['events'],
                'by_status': {'sent': x['sent'], 'deferred': x['deferred'], 'bounced': x['bounced'],
                              'expired': x['expired_events']},
                'deferrals': {k: x[k] for k in ('messages', 'delivered_later', 'bounced_later', 'expired',
                                                'pending', 'retry_success_rate')},
            } for x in r]
    return got


def differences(want, got, path=''):
    if isinstance(want, dict) and isinstance(got, dict):
        for k in want:
            if k not in got:
                yield f'{path}.{k}: missing from the SQL figures'
            else:
                yield from differences(want[k], got[k], f'{path}.{k}')
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            yield f'{path}: {len(want)} rows from scan, {len(got)} from SQL'
        for i, (w, g) in enumerate(zip(want, got)):
            yield from differences(w, g, f'{path}[{i}]')
    elif want != got and not (isinstance(want, (int, float)) and isinstance(got, (int, float))
                              and not isinstance(want, bool) and float(want) == float(got)):
        yield f'{path}: scan {want!r}, SQL {got!r}'


def run(cmd):
    return subprocess.run(cmd, check=False, capture_output=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin', required=True, help='the bouncex binary')
    ap.add_argument('--year', help='passed to scan (for year-less logs)')
    ap.add_argument('logs', nargs='+')
    a = ap.parse_args()
    try:
        from chdb import session
    except ImportError:
        print('check.py: chDB is not installed (pip install --no-deps chdb chdb-core): skipped')
        return 3
    bin_ = os.path.abspath(a.bin)
    year = ['--year', a.year] if a.year else []

    want = json.loads(run([bin_, 'scan', '--format', 'json', *year, *a.logs]))
    work = tempfile.mkdtemp(prefix='bouncex-ch-')
    # The events file and the chDB database take tens of MB: gone when the check ends.
    atexit.register(shutil.rmtree, work, True)
    events = os.path.join(work, 'events.ndjson')
    with open(events, 'wb') as f:
        f.write(run([bin_, 'scan', '--format', 'ndjson', *year, *a.logs]))
    codes = run([bin_, 'list', '--format', 'ndjson', '--no-basic'])

    # The UDF definition reads `bouncex` from user_scripts_path: link the binary there.
    scripts = os.path.join(work, 'scripts')
    os.mkdir(scripts)
    os.symlink(bin_, os.path.join(scripts, 'bouncex'))
    udf = os.path.join(HERE, 'bouncex_classify_function.xml')
    sess = session.Session(os.path.join(work, 'db') + f'?user_scripts_path={scripts}'
                           f'&user_defined_executable_functions_config={udf}')
    for _, sql in statements(os.path.join(HERE, 'schema.sql')):
        sess.query(sql)
    t0 = time.time()
    sess.query(f"INSERT INTO bounce_events FROM INFILE '{events}' FORMAT JSONEachRow")
    load = time.time() - t0
    sess.query('INSERT INTO bounce_codes FORMAT JSONEachRow ' + codes.decode())
    sess.query('SYSTEM RELOAD DICTIONARY bounce_code_dict')
    loaded = num(rows(sess, 'SELECT count() AS n FROM bounce_events')[0]['n'])
    t0 = time.time()
    got = figures(sess)
    query = time.time() - t0

    failures = list(differences({k: want[k] for k in got}, got))
    if loaded != want['events']:
        failures.append(f'loaded {loaded} events, scan counted {want["events"]}')
    hosts = sorted({h['host'] or '' for h in want['hosts']})
    print(f'{loaded} events from {len(hosts)} host(s) ({", ".join(hosts)}): loaded in {load:.2f} s, '
          f'report.sql in {query:.2f} s')
    print(f'figures compared: {", ".join(sorted(got))}')

    # classify, row by row, inside the engine.
    lines = 0
    for path in a.logs:
        with open(path, 'rb') as f:
            lines += sum(1 for _ in f)
    src = ' UNION ALL '.join(f"SELECT line FROM file('{os.path.abspath(p)}', LineAsString)" for p in a.logs)
    t0 = time.time()
    udf_rows = rows(sess, f"""
        SELECT count() AS n,
               countIf(JSONExtract(r, 'code', 'Nullable(String)') IS NOT NULL) AS coded,
               countIf(isValidJSON(r)) AS valid
        FROM (SELECT bouncex_classify(line) AS r FROM ({src}))""")[0]
    udf_time = time.time() - t0
    n, coded = num(udf_rows['n']), num(udf_rows['coded'])
    print(f'UDF bouncex_classify (executable_pool): {n} rows for {lines} lines, {coded} with a code, '
          f'in {udf_time:.2f} s')
    if n != lines or num(udf_rows['valid']) != lines:
        failures.append(f'UDF: {n} rows ({num(udf_rows["valid"])} valid JSON) for {lines} lines')
    exe = rows(sess, f"""
        SELECT count() AS n, countIf(JSONExtractUInt(r, 'line') = rn) AS in_order
        FROM (SELECT r, rowNumberInAllBlocks() + 1 AS rn
              FROM executable('bouncex classify', LineAsString, 'r String', ({src})))""")[0]
    print(f'executable(): {num(exe["n"])} rows for {lines} lines, {num(exe["in_order"])} numbered in order')
    if num(exe['n']) != lines or num(exe['in_order']) != lines:
        failures.append(f'executable(): {num(exe["n"])} rows, {num(exe["in_order"])} in order, for {lines} lines')

    if failures:
        print(f'{len(failures)} difference(s):')
        for f in failures:
            print('  ' + f)
        return 1
    print('every figure equal; one classify row per line')
    return 0


if __name__ == '__main__':
    sys.exit(main())
