"""A POP3 session through lvs7 with Python's poplib; prints one JSON line.

usage: pop3_session.py HOST PORT USER PASSWORD user|plain
"""
import base64
import json
import poplib
import sys

host, port, user, password, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
out = {}
p = poplib.POP3(host, port, timeout=20)
out["greeting"] = p.getwelcome().decode()
if mode == "plain":
    token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
    out["login"] = p._shortcmd("AUTH PLAIN " + token).decode()
else:
    p.user(user)
    out["login"] = p.pass_(password).decode()
out["capa"] = sorted(p.capa().keys())
count, size = p.stat()
out["stat"] = [count, size]
resp, listing, _ = p.list()
out["list"] = len(listing)
if count > 0:
    resp, lines, _ = p.retr(1)
    out["retr_subject"] = next((l.decode() for l in lines if l.lower().startswith(b"subject:")), None)
    out["dele"] = p.dele(1).decode()
out["quit"] = p.quit().decode()
print(json.dumps(out))
