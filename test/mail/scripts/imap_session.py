"""A full IMAP session through lvs7 with Python's imaplib; prints one JSON line.

usage: imap_session.py HOST PORT USER PASSWORD login|authenticate
"""
import base64
import imaplib
import json
import re
import sys
import time

host, port, user, password, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
out = {}

m = imaplib.IMAP4(host, port, timeout=20)
out["greeting"] = m.welcome.decode()
if mode == "authenticate":
    typ, data = m.authenticate("PLAIN", lambda _: ("\0%s\0%s" % (user, password)).encode())
else:
    typ, data = m.login(user, password)
out["login"] = data[0].decode()

typ, _ = m.xatom("ID", '("name" "imaplib")')
ident = m.response("ID")[1][0].decode()
out["backend"] = re.search(r'"name" "([^"]+)"', ident).group(1)

subject = "lvs7 test %s %f" % (user, time.time())
msg = ("From: test@example.org\r\nTo: %s\r\nSubject: %s\r\n\r\nHello through lvs7.\r\n" % (user, subject)).encode()
typ, _ = m.append("INBOX", None, None, msg)
out["append"] = typ
typ, data = m.select("INBOX")
count = int(data[0])
out["exists"] = count
typ, data = m.search(None, "SUBJECT", '"%s"' % subject)
num = data[0].split()[-1].decode()
typ, data = m.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
out["fetched_subject"] = data[0][1].decode().strip()

# IDLE: a second session appends; this one must hear EXISTS.
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
out["idle_continuation"] = m.readline().decode().strip()
other = imaplib.IMAP4(host, port, timeout=20)
other.login(user, password)
other.append("INBOX", None, None, msg.replace(b"Hello", b"Second"))
other.logout()
line = m.readline().decode().strip()
while not line.endswith("EXISTS"):
    line = m.readline().decode().strip()
out["idle_event"] = line
m.send(b"DONE\r\n")
line = m.readline().decode().strip()
while not line.startswith(tag.decode()):
    line = m.readline().decode().strip()
out["idle_done"] = line.split(" ", 1)[1]

typ, _ = m.store(num, "+FLAGS", "\\Deleted")
out["store"] = typ
typ, data = m.expunge()
out["expunged"] = [d.decode() for d in data if d]
typ, data = m.select("INBOX")
out["exists_after"] = int(data[0])
m.logout()
print(json.dumps(out))
