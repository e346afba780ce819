#!/usr/bin/env python3
"""The scripted part of the isp-mail example, with Python's own mail clients.

  check.py wait --admin URL [--timeout S] [--pid P]…
      until lvs7 is ready and every pool server has passed a health check (or a process P exits)
  check.py e2e --smtp P --imap P --pop3 P --admin URL
      SMTP in to two users on different mail nodes, each read back through the IMAP and
      POP3 distributors (showing which node served each login), then one user moved with
      the admin API. Prints what happens; exits 0 when everything went as expected, else 1.
"""

import argparse
import imaplib
import json
import os
import poplib
import re
import smtplib
import sys
import time
import urllib.request
import uuid

HOST = '127.0.0.1'
# Who we write to, and the node their mailHost names (see users.ldif).
USERS = {'alice@example.org': 'mail1.example.org', 'bob@example.org': 'mail2.example.org'}
PASSWORDS = {'alice@example.org': 'alice-secret', 'bob@example.org': 'bob-secret'}

problems = []


def expect(ok, what):
    if not ok:
        problems.append(what)
        print(f'  !! {what}')


def admin(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method='GET' if body is None else 'POST')
    req.add_header('content-type', 'application/json')
    with urllib.request.urlopen(req, timeout=5) as res:
        return json.load(res)


def wait(args):
    deadline = time.monotonic() + args.timeout
    last = 'no answer from the admin API'
    while time.monotonic() < deadline:
        for pid in args.pid:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print(f'process {pid} exited', file=sys.stderr)
                return 1
        try:
            admin(args.admin, '/api/health')  # 503 (an HTTPError) until the listeners serve
            pools = admin(args.admin, '/api/pools')['pools']
            down = [f"{p['name']}/{s['name']}" for p in pools for s in p['servers']
                    if not (s['healthy'] and s['lastCheck'] and s['lastCheck']['ok'])]
            if pools and not down:
                return 0
            last = 'not up yet: ' + ', '.join(down)
        except OSError as e:
            last = str(e)
        time.sleep(0.2)
    print(f'not ready after {args.timeout}s: {last}', file=sys.stderr)
    return 1


def received_by(raw):
    """The mail node that stored the message (its Received header: 'by NODE (lvs7)')."""
    m = re.search(rb'^Received:(?:.|\r?\n[ \t])*?\bby (\S+) \(lvs7\)', raw, re.M)
    return m.group(1).decode() if m else '?'


def send(args, subject):
    print('--- SMTP: one message to alice (mail1) and bob (mail2) through the distributor')
    msg = f'From: check@example.net\r\nSubject: {subject}\r\n\r\nHello from the isp-mail check.\r\n'
    deferred = []
    with smtplib.SMTP(HOST, args.smtp, timeout=10) as s:
        s.ehlo('check.example.net')
        s.mail('check@example.net')
        for rcpt in USERS:
            code, text = s.rcpt(rcpt)
            print(f'  RCPT TO:<{rcpt}> -> {code} {text.decode()}')
            if code == 452:
                deferred.append(rcpt)
            else:
                expect(code == 250, f'RCPT {rcpt}: {code}')
        code, text = s.data(msg)
        print(f'  DATA -> {code} {text.decode()}')
        expect(code == 250, f'DATA: {code}')
    # 452 4.5.3: that mailbox lives on another node; a sending MTA retries it in its own transaction.
    expect(len(deferred) == 1, f'expected one recipient deferred to a second transaction, got {deferred}')
    for rcpt in deferred:
        with smtplib.SMTP(HOST, args.smtp, timeout=10) as s:
            refused = s.sendmail('check@example.net', [rcpt], msg)
            print(f'  second transaction for {rcpt}: {"accepted" if not refused else refused}')
            expect(not refused, f'{rcpt} refused: {refused}')


def read_imap(args, user, subject):
    m = imaplib.IMAP4(HOST, args.imap, timeout=10)
    m.login(user, PASSWORDS[user])
    m.select('INBOX', readonly=True)
    found = m.search(None, 'SUBJECT', f'"{subject}"')[1][0].split()
    raw = m.fetch(found[-1], '(BODY.PEEK[HEADER])')[1][0][1] if found else b''
    bye = m.logout()[1][0].decode()  # "<node> logging out."
    return bye.split()[0], raw


def read_pop3(args, user, subject):
    p = poplib.POP3(HOST, args.pop3, timeout=10)
    p.user(user)
    p.pass_(PASSWORDS[user])
    count = p.stat()[0]
    raw = b''
    for i in range(count, 0, -1):
        head = b'\r\n'.join(p.top(i, 0)[1])
        if f'Subject: {subject}'.encode() in head:
            raw = head
            break
    bye = p.quit().decode()  # "+OK <node> closing connection."
    return bye.split()[1], raw


def e2e(args):
    subject = f'isp-mail check {uuid.uuid4().hex[:8]}'
    print('--- directory (LDAP): where each user lives')
    for user, node in USERS.items():
        view = admin(args.admin, f'/api/mail/users/{user}')
        print(f"  {user}: mailHost {view['directoryHost']}")
        expect(view['directoryHost'] == node, f'{user}: directory says {view["directoryHost"]}')
    send(args, subject)
    for proto, read in (('IMAP', read_imap), ('POP3', read_pop3)):
        print(f'--- {proto} through the distributor')
        for user, node in USERS.items():
            served, raw = read(args, user, subject)
            stored = received_by(raw) if raw else 'not found'
            print(f'  {user}: {proto} login served by {served}; the message is there (delivered by {stored})')
            expect(served == node, f'{proto} {user}: served by {served}, expected {node}')
            expect(stored == node, f'{proto} {user}: message delivered by {stored}, expected {node}')
    print('--- move alice to mail2.example.org with the admin API, log in again, move her back')
    moved = admin(args.admin, '/api/mail/users/alice@example.org/move', {'server': 'mail2.example.org'})
    print(f"  POST /api/mail/users/alice@example.org/move -> server {moved['server']}")
    served, raw = read_imap(args, 'alice@example.org', subject)
    print(f'  alice@example.org: IMAP login served by {served}; the message is there: {bool(raw)} (shared Maildir)')
    expect(served == 'mail2.example.org' and raw, f'after the move alice was served by {served}')
    admin(args.admin, '/api/mail/users/alice@example.org/move', {'server': 'mail1.example.org'})
    print('--- result: ' + ('OK' if not problems else f'FAILED ({len(problems)} problems)'))
    return 0 if not problems else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    w = sub.add_parser('wait')
    w.add_argument('--admin', required=True)
    w.add_argument('--timeout', type=float, default=30)
    w.add_argument('--pid', type=int, action='append', default=[], help='give up when this process exits')
    c = sub.add_parser('e2e')
    c.add_argument('--admin', required=True)
    for proto in ('smtp', 'imap', 'pop3'):
        c.add_argument(f'--{proto}', type=int, required=True)
    args = parser.parse_args()
    try:
        return wait(args) if args.command == 'wait' else e2e(args)
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error, poplib.error_proto) as e:
        print(f'  !! {type(e).__name__}: {e}')
        print('--- result: FAILED')
        return 1


if __name__ == '__main__':
    sys.exit(main())
