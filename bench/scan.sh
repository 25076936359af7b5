#!/usr/bin/env bash
# Times `bouncex scan` against `grep -c status=` and (where installed) pflogsumm on the same
# generated log, and reports bouncex's peak memory.
#   bench/scan.sh [MESSAGES]      (default 150000, about 190 MB)
# Needs hyperfine (Debian: apt-get install hyperfine); pflogsumm is optional.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-150000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/mail.log

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/bouncex
if [ -f ../shared/tools/gen-maillog.py ]; then
  python3 ../shared/tools/gen-maillog.py --messages "$messages" --out "$log" --truth "$work/truth.json"
else
  python3 bench/genlog.py --messages "$messages" --out "$log"
fi
size=$(stat -c %s "$log")
echo "log: $messages messages, $((size / 1000000)) MB"

# grep stops at the first match when its output is /dev/null: pipe every command's output.
commands=("grep -c status= $log" "$bin scan --format json $log")
if command -v pflogsumm >/dev/null; then
  commands+=("pflogsumm $log")
fi
if command -v hyperfine >/dev/null; then
  hyperfine --output=pipe --warmup 1 --runs 5 --export-json "$work/times.json" "${commands[@]}"
  python3 - "$work/times.json" "$size" <<'PY'
import json, sys
results = {r['command'].split()[0].rsplit('/', 1)[-1]: r['median'] for r in json.load(open(sys.argv[1]))['results']}
size = int(sys.argv[2])
scan = results['bouncex']
print(f"bouncex scan: {scan:.3f} s median, {size / scan / 1e6:.0f} MB/s")
print(f"ratio to grep -c: {scan / results['grep']:.2f}x")
if 'pflogsumm' in results:
    print(f"pflogsumm is {results['pflogsumm'] / scan:.1f}x slower than bouncex scan")
PY
else
  for c in "${commands[@]}"; do echo "== $c"; /usr/bin/time -f "%e s" sh -c "$c > /dev/null"; done
fi
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "bouncex scan peak memory: %M KB" "$bin" scan --format json "$log" > /dev/null
fi
