#!/usr/bin/env python3
"""Write a large synthetic Postfix log for benchmarking `bouncex scan`.

  genlog.py --messages 150000 --out big.log [--seed 1]

Each message gets the noise a busy relay logs (smtpd connect, cleanup, qmgr) and one to
three delivery attempts: delivered at once, bounced, or deferred and retried until it is
delivered, bounces or expires. It only needs to look like a real log; correctness is
checked elsewhere (tests, and ../shared/tools/check-scan.py when present).
"""
import argparse, datetime as dt, heapq, random

REPLIES = [
    ('4.3.2', '451 4.3.2 System not accepting network messages', 'RCPT TO'),
    ('4.7.0', '421 4.7.0 Try again later, closing connection.', 'MAIL FROM'),
    ('4.2.2', '452 4.2.2 Mailbox full', 'RCPT TO'),
    ('4.7.1', '450 4.7.1 Greylisted, please retry in 5 minutes', 'RCPT TO'),
]
BOUNCES = [
    ('5.1.1', '550 5.1.1 User unknown', 'RCPT TO'),
    ('5.7.1', '554 5.7.1 Message rejected as spam', 'end of DATA'),
]
HOSTS = ['mx.example.org', 'mx1.example.net', 'mail.example.com', 'in.example.info']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--messages', type=int, default=150000)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    start = dt.datetime(2026, 3, 1)
    heap, seq = [], 0

    def emit(t, text):
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (t, seq, text))

    for m in range(a.messages):
        t = start + dt.timedelta(seconds=m * 4 + rnd.random() * 4)
        qid = '%010X' % rnd.getrandbits(40)
        pid = rnd.randint(1000, 60000)
        emit(t, f'postfix/smtpd[{pid}]: connect from client.example.com[192.0.2.{rnd.randint(1, 250)}]')
        emit(t, f'postfix/cleanup[{pid + 1}]: {qid}: message-id=<{rnd.getrandbits(48):x}@example.com>')
        emit(t, f'postfix/qmgr[900]: {qid}: from=<app@example.com>, size={rnd.randint(900, 90000)}, nrcpt=1 (queue active)')
        for _ in range(rnd.choice((1, 1, 1, 2, 3))):
            host = rnd.choice(HOSTS)
            rcpt = f'user{rnd.randint(1, 99999)}@{host.split(".", 1)[1]}'
            relay = f'{host}[198.51.100.{rnd.randint(1, 250)}]:25'
            when = t + dt.timedelta(seconds=1)
            fate = rnd.random()
            tries = [REPLIES[rnd.randrange(len(REPLIES))]] * rnd.randint(1, 4) if fate > 0.7 else []
            for dsn, reply, stage in tries:
                emit(when, f'postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, relay={relay}, delay=1.2, delays=0.1/0/0.5/0.6, dsn={dsn}, status=deferred (host {host} said: {reply} (in reply to {stage} command))')
                when += dt.timedelta(seconds=rnd.randint(300, 4000))
            if fate > 0.95:
                dsn, reply, stage = rnd.choice(BOUNCES)
                emit(when, f'postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, relay={relay}, delay=2.0, delays=0.1/0/0.5/1.4, dsn={dsn}, status=bounced (host {host} said: {reply} (in reply to {stage} command))')
            else:
                emit(when, f'postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, relay={relay}, delay=0.8, delays=0.1/0/0.3/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {rnd.getrandbits(32):X})')
        emit(t + dt.timedelta(seconds=2), f'postfix/smtpd[{pid}]: disconnect from client.example.com[192.0.2.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5')
    with open(a.out, 'w') as out:
        while heap:
            t, _, text = heapq.heappop(heap)
            out.write(f'{t.strftime("%b %d %H:%M:%S")} mail {text}\n')


if __name__ == '__main__':
    main()
