#!/usr/bin/env bash
# Times one `bouncex explain` per input kind against `/bin/true`, interleaved: each round runs
# `/bin/true` and the explain a few times in one hyperfine call and keeps the ratio of their
# medians; the figure is the median ratio over the rounds. Quiet machines give steadier figures.
#   bench/explain.sh [ROUNDS] [BINARY]     (defaults: 25, target/release/bouncex, built here)
# Needs hyperfine (Debian: apt-get install hyperfine) and python3. The bounce email is read from
# ../shared/eval in place when it is there, else from a small message written here.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-25}
bin=${2:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/bouncex
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

email=../shared/eval/sisimai/emails/lhost-postfix-01.eml
if [ ! -f "$email" ]; then
  email=$work/bounce.eml
  printf '%s\r\n' 'From: MAILER-DAEMON@example.org' 'To: alice@example.com' \
    'Subject: Undelivered Mail Returned to Sender' 'Content-Type: text/plain' '' \
    '<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1' \
    '    <bob@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO' \
    '    command)' > "$email"
fi

reply='550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown'
dmarc="550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail. To learn about the DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection"
postfix='Jun 10 11:04:41 mail postfix/smtp[8850]: A1B2C3D4E5: to=<ops@example.com>, relay=mx.example.com[198.51.100.30]:25, delay=12, delays=0.1/0/11/0.9, dsn=4.3.2, status=deferred (host mx.example.com[198.51.100.30] said: 451 4.3.2 System not accepting network messages (in reply to MAIL FROM command))'
nocode='Sorry, no mailbox here by that name.'

# name|command
kinds=(
  "code|$bin explain --json 4.3.2"
  "reply|$bin explain --json '$reply'"
  "dmarc|$bin explain --json \"$dmarc\""
  "postfix|$bin explain --json '$postfix'"
  "no code|$bin explain --json '$nocode'"
  "email|$bin explain --json < $email"
  "text|$bin explain '$reply'"
)

printf '%-10s %12s %12s %8s\n' kind 'explain ms' 'true ms' ratio
for entry in "${kinds[@]}"; do
  name=${entry%%|*}
  cmd=${entry#*|}
  rm -f "$work"/*.json
  for ((r = 0; r < rounds; r++)); do
    if [ "$name" = email ]; then
      # Standard input needs a shell: hyperfine measures the shell's start and subtracts it.
      hyperfine -N --style none --warmup 1 --runs 3 --export-json "$work/t$r.json" \
        /bin/true > /dev/null 2>&1
      hyperfine --shell=sh --style none --warmup 1 --runs 3 --export-json "$work/e$r.json" \
        "$cmd" > /dev/null 2>&1
    else
      hyperfine -N --style none --warmup 1 --runs 3 --export-json "$work/$r.json" \
        /bin/true "$cmd" > /dev/null 2>&1
    fi
  done
  python3 - "$name" "$work" "$rounds" <<'PY'
import json, statistics, sys
name, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ratios, ex, tr = [], [], []
for r in range(rounds):
    try:
        t, e = json.load(open(f'{work}/{r}.json'))['results']
    except FileNotFoundError:
        t = json.load(open(f'{work}/t{r}.json'))['results'][0]
        e = json.load(open(f'{work}/e{r}.json'))['results'][0]
    tr.append(t['median']); ex.append(e['median'])
    ratios.append(e['median'] / t['median'])
print(f'{name:<10} {statistics.median(ex) * 1e3:12.2f} {statistics.median(tr) * 1e3:12.2f} '
      f'{statistics.median(ratios):7.1f}x')
PY
done
