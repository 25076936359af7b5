#!/usr/bin/env python3
"""Writes the logs of several mail hosts that share queue ids, for check.py.

  gen-hosts.py --gen ../shared/tools/gen-maillog.py --out DIR [--hosts 3] [--messages 20000]

Each host's log comes from gen-maillog.py with its own seed (so its messages fare
differently), every other host's with RFC 3339 times. Its syslog host field is renamed to
mtaN, and its queue ids are replaced, in order of first appearance, by those of the first
host: the same queue id names different messages on different hosts, as it does on real
servers, so figures that pair attempts across hosts come out wrong.
"""
import argparse
import os
import re
import subprocess
import sys

QID = re.compile(r'(?<=: )([0-9A-F]{10})(?=: )')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--gen', required=True, help='path to gen-maillog.py')
    ap.add_argument('--out', required=True)
    ap.add_argument('--hosts', type=int, default=3)
    ap.add_argument('--messages', type=int, default=20000)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    first_ids = []
    for n in range(1, a.hosts + 1):
        raw = os.path.join(a.out, f'raw{n}.log')
        cmd = [sys.executable, a.gen, '--messages', str(a.messages), '--seed', str(100 + n),
               '--out', raw, '--truth', os.path.join(a.out, f'truth{n}.json')]
        if n % 2 == 0:
            cmd.append('--rfc3339')
        subprocess.run(cmd, check=True)
        mapping = {}
        path = os.path.join(a.out, f'mta{n}.log')
        with open(raw) as src, open(path, 'w') as dst:
            for line in src:
                line = line.replace(' mail postfix/', f' mta{n} postfix/', 1)

                def rename(m):
                    q = m.group(1)
                    if n == 1:
                        if q not in mapping:
                            mapping[q] = q
                            first_ids.append(q)
                        return q
                    if q not in mapping:
                        i = len(mapping)
                        mapping[q] = first_ids[i] if i < len(first_ids) else q
                    return mapping[q]

                dst.write(QID.sub(rename, line, count=1))
        os.remove(raw)
        os.remove(os.path.join(a.out, f'truth{n}.json'))
        print(path)


if __name__ == '__main__':
    main()
