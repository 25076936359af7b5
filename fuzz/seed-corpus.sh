#!/usr/bin/env bash
# Builds fuzz/corpus/recognise/ for `cargo fuzz run recognise`: every example of the
# knowledge base (the `examples` arrays of codes.toml) plus a few synthetic bounce
# messages, log lines and hostile replies, one file each. Safe to run again: files are
# named by content hash, so existing ones are kept and nothing is duplicated.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/corpus/recognise"
mkdir -p "$out"

python3 - "$root/codes.toml" "$out" <<'PY'
import hashlib, pathlib, sys, tomllib

kb_path, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])

def save(data: bytes) -> None:
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)

def examples(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "examples" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from examples(value)
    elif isinstance(node, list):
        for item in node:
            yield from examples(item)

count = 0
for example in examples(tomllib.loads(kb_path.read_text())):
    save(example.encode())
    count += 1

SYNTHETIC = [
    # A multi-line reply and a reply whose basic and enhanced codes disagree.
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to\n"
    "550-5.7.26 domain's DMARC policy. Please contact the administrator of\n"
    "550 5.7.26 example.com domain. x12si34 - gsmtp\n",
    "550 4.2.2 Mailbox full\n",
    # Log lines of each MTA.
    "Jun 10 11:02:18 mail postfix/smtp[4242]: 4B7C21F3A9: to=<a@example.org>, "
    "relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.3.2, "
    "status=deferred (host mx.example.org[192.0.2.10] said: 451 4.3.2 System not "
    "accepting network messages (in reply to RCPT TO command))\n",
    "2026-06-10 12:00:01 1abcDE-000123-AB ** a@example.org R=dnslookup T=remote_smtp "
    "H=mx.example.org [192.0.2.10]: SMTP error from remote mail server after RCPT "
    "TO:<a@example.org>: 550 5.1.1 User unknown\n",
    "Jun 10 11:02:18 mail sendmail[42]: x5AB2C3D4012345: to=<a@example.org>, "
    "delay=00:00:01, mailer=esmtp, relay=mx.example.org. [192.0.2.10], dsn=4.3.2, "
    "stat=Deferred: 451 4.3.2 Please try again later\n",
    "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient "
    "a@example.org not found by SMTP address lookup'\n",
    # Dotted numbers that are not codes, and hostile bytes in a reply.
    "421 4.7.0 [TSS04] Messages from 198.51.100.77 temporarily deferred - 4.16.55.1\n",
    "Connection refused by 4.2.2.2 running Postfix 3.5.6\n",
    "550 5.1.1 \x1b]0;pwned\x07\x1b[31m\u202eevil\u009b2J\r\n",
    # An RFC 3464 delivery status notification.
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
    "To: sender@example.com\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not be delivered.\r\n"
    "<a@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1 User unknown\r\n"
    "--B1\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.com\r\n"
    "\r\n"
    "Final-Recipient: rfc822; a@example.org\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mx.example.org\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>: Recipient address rejected:\r\n"
    " User unknown in virtual mailbox table\r\n"
    "--B1\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "From: sender@example.com\r\n"
    "To: a@example.org\r\n"
    "--B1--\r\n",
    # A base64 delivery status part, and a quoted-printable plain bounce.
    "From: postmaster@example.net\r\n"
    "Subject: Delivery Status Notification (Failure)\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: message/delivery-status\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFAZXhhbXBsZS5vcmcNCkFjdGlvbjogZGVsYXllZA0K"
    "U3RhdHVzOiA0LjQuNw0K\r\n"
    "--b--\r\n",
    "From: MAILER-DAEMON@example.net\r\n"
    "Subject: failure notice\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hi. This is the qmail-send program at example.net.=0AI'm afraid I wasn't able =\r\n"
    "to deliver your message to the following addresses.=0A=0A<a@example.org>:=0A=\r\n"
    "192.0.2.10 does not like recipient.=0ARemote host said: 552 5.2.2 Mailbox full=0A\r\n",
    # An mbox of two messages, and free text without a code.
    "From MAILER-DAEMON Thu Jun 10 11:02:18 2026\n"
    "From: MAILER-DAEMON@example.net\nSubject: Returned mail\n\n"
    "----- Transcript of session follows -----\n"
    ">>> RCPT To:<a@example.org>\n<<< 550 5.1.1 <a@example.org>... User unknown\n"
    "\nFrom MAILER-DAEMON Thu Jun 10 11:05:00 2026\n"
    "From: MAILER-DAEMON@example.net\nSubject: Warning: could not send message\n\n"
    "Deferred: 421 4.7.0 Try again later\n",
    "The recipient's mailbox is full and can't accept messages now.\n",
]
for text in SYNTHETIC:
    save(text.encode())

print(f"{count} examples from {kb_path.name} and {len(SYNTHETIC)} synthetic inputs in {out}")
PY

# explain_bytes starts from the same inputs; kb_load from small overlays of each table.
mkdir -p "$here/corpus/explain_bytes" "$here/corpus/kb_load"
cp -n "$out"/* "$here/corpus/explain_bytes/"
kb="$here/corpus/kb_load"
code='[[code]]
code = "4.3.2"
title = "Paused"
summary = "Local."
bounce = "soft"
severity = "low"
reason = "notaccept"
action = "retry"
patterns = ["relay (is )?paused"]'
printf '%s\n' "$code" > "$kb/code"
printf '[meta]\nversion = "x"\n%s\n' "$code" > "$kb/meta"
printf '[[blocklist]]\nid = "xbl"\nname = "X"\nabout = "A list."\ntokens = ["xbl\\\\.example"]\n' > "$kb/blocklist"
printf '[[code]]\ncode = "5.1.1\\nx"\n' > "$kb/bad"
# scan_bytes starts from the same inputs, plus a gzip log, a gzip with zero padding, a
# truncated gzip, a long line, a log line with a Latin-1 byte and out-of-order times.
scan="$here/corpus/scan_bytes"
mkdir -p "$scan"
cp -n "$out"/* "$scan/"
line='Jun 10 11:02:18 mail postfix/smtp[4242]: 4B7C21F3A9: to=<a@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.10] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))'
sent='Jun 10 11:00:00 mail postfix/smtp[4242]: 4B7C21F3A9: to=<a@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)'
printf '%s\n%s\n' "$line" "$sent" > "$scan/backwards.log"
printf '%s\n%s\n' "$line" "$sent" | gzip -9 > "$scan/log.gz"
{ cat "$scan/log.gz"; head -c 512 /dev/zero; } > "$scan/padded.gz"
head -c 60 "$scan/log.gz" > "$scan/truncated.gz"
printf '%s\n' "$line" | sed 's/ mail / m\xe9il /' > "$scan/latin1.log"
{ printf '%s ' "$line"; head -c 70000 /dev/zero | tr '\0' x; printf '\n%s\n' "$sent"; } > "$scan/long-line.log"
echo "seeds for explain_bytes, kb_load and scan_bytes in $here/corpus"
