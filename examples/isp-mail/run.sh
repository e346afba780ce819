#!/usr/bin/env bash
# Runs the isp-mail example on loopback: OpenLDAP slapd with the users, two lvs7 mail nodes
# over one shared Maildir, and one lvs7 in front (SMTP, IMAP, POP3, admin API + status page).
#
#   ./run.sh                 start, print what to try, run until Ctrl-C (then stop and clean up)
#   ./run.sh --check         start, run the scripted end-to-end pass (check.py), stop; exit 0/1
#   ./run.sh --free-ports    any free loopback ports instead of the fixed ones in the YAML files
# ISP_MAIL_CHECK=1 is --check, ISP_MAIL_FREE_PORTS=1 is --free-ports.
# Needs a build (npx tsc -b) and Debian's slapd, ldap-utils and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lvs7_js=$(cd "$here/../.." && pwd)/packages/cli/bin/lvs7.js
export PATH="$PATH:/usr/sbin:/sbin"

check=${ISP_MAIL_CHECK:-0}
free=${ISP_MAIL_FREE_PORTS:-0}
for arg in "$@"; do
  case $arg in
    --check) check=1 ;;
    --free-ports) free=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
for tool in node python3 slapd slapadd ldapsearch; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[[ -f "$here/../../packages/cli/dist/main.js" ]] || { echo "run.sh: build first: npx tsc -b" >&2; exit 1; }

# The ports written in the YAML files, in this order; --free-ports swaps each for a free one.
names=(ldap smtp imap pop3 admin mail1-lmtp mail1-imap mail1-pop3 mail2-lmtp mail2-imap mail2-pop3)
fixed=(3389 2525 1143 1110 9902 12024 12143 12110 22024 22143 22110)
free_ports() { # prints N ports the kernel hands out for 127.0.0.1:0 (all held until printed: distinct)
  python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])' "$1"
}
busy_ports() { # prints those of the given ports something already listens on
  python3 -c 'import socket, sys
for p in sys.argv[1:]:
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex(("127.0.0.1", int(p))) == 0: print(p)' "$@"
}
if [[ $free == 1 ]]; then
  read -r -a ports <<<"$(free_ports ${#fixed[@]})"
else
  ports=("${fixed[@]}")
  busy=$(busy_ports "${ports[@]}")
  if [[ -n $busy ]]; then
    echo "run.sh: in use on 127.0.0.1: $(echo $busy) (stop that, or run with --free-ports)" >&2
    exit 1
  fi
fi
declare -A port
for i in "${!names[@]}"; do port[${names[$i]}]=${ports[$i]}; done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lvs7-isp-mail.XXXXXX")
sleeper=''
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  set +e
  [[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null
  local pids=() f pid
  for f in "$tmp"/*.pid; do
    [[ -f $f ]] && pid=$(cat "$f") && [[ -n $pid ]] && kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 100); do # lvs7 drains first (up to 2 s); slapd is no child of ours: poll
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap '' PIPE # a closed stdout ends us through set -e, with the cleanup
fail() {
  echo "run.sh: $*" >&2
  for log in "$tmp"/*.log; do [[ -s $log ]] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

# Copies the example's files into the temp dir with the ports (and the dir) filled in.
subst=(-e "s|@DIR@|$tmp|g")
for i in "${!names[@]}"; do subst+=(-e "s/127\.0\.0\.1:${fixed[$i]}\b/127.0.0.1:${ports[$i]}/g"); done
for f in slapd.conf lvs7.yaml mail1.yaml mail2.yaml; do sed "${subst[@]}" "$here/$f" >"$tmp/$f"; done
chmod 600 "$tmp"/*
mkdir "$tmp/ldap-data" "$tmp/maildir"

ldap_url=ldap://127.0.0.1:${port[ldap]}
admin=http://127.0.0.1:${port[admin]}
slapd_cmd="slapd -f $tmp/slapd.conf -h $ldap_url/"
slapadd -q -f "$tmp/slapd.conf" -l "$here/users.ldif" || fail "slapadd could not load users.ldif"
# slapd forks and leaves slapd.pid in the temp dir.
$slapd_cmd || fail "slapd did not start"
for _ in $(seq 100); do
  ldapsearch -x -H "$ldap_url" -b dc=example,dc=org -s base >/dev/null 2>&1 && break
  sleep 0.1
done
ldapsearch -x -H "$ldap_url" -b dc=example,dc=org -s base >/dev/null 2>&1 || fail "slapd does not answer"

start_node() { # NAME ARGS…: an lvs7 process in the background, its pid in NAME.pid, output in NAME.log
  local name=$1
  shift
  node "$lvs7_js" "$@" >"$tmp/$name.log" 2>&1 &
  echo $! >"$tmp/$name.pid"
}
start_node mail1 mailstore -c "$tmp/mail1.yaml"
start_node mail2 mailstore -c "$tmp/mail2.yaml"
start_node lvs7 start -c "$tmp/lvs7.yaml" --drain-timeout 2000
python3 "$here/check.py" wait --admin "$admin" --timeout 60 --pid "$(cat "$tmp/mail1.pid")" \
  --pid "$(cat "$tmp/mail2.pid")" --pid "$(cat "$tmp/lvs7.pid")" || fail "the cluster did not come up"

if [[ $check == 1 ]]; then
  status=0
  python3 "$here/check.py" e2e --admin "$admin" --smtp "${port[smtp]}" --imap "${port[imap]}" \
    --pop3 "${port[pop3]}" || status=1
  echo "--- lvs7 status"
  node "$lvs7_js" status --admin "$admin"
  [[ $status == 0 ]] || fail "the end-to-end check failed"
  exit 0
fi

lvs7="node $lvs7_js"
imap_read() { # USER: the one-liner that lists a mailbox over IMAP and says which node served it
  echo "python3 -c \"import imaplib; m = imaplib.IMAP4('127.0.0.1', ${port[imap]}); m.login('$1@example.org', '$1-secret'); n = m.select()[1][0].decode(); print(n, 'messages; newest', m.fetch(n, '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1].decode().strip() if n != '0' else '-'); print(m.logout()[1][0].decode())\""
}
pop3_read() {
  echo "python3 -c \"import poplib; p = poplib.POP3('127.0.0.1', ${port[pop3]}); p.user('$1@example.org'); p.pass_('$1-secret'); print(p.stat()[0], 'messages'); print(p.quit().decode())\""
}
cat <<EOF
The isp-mail cluster is up (files, logs and the shared Maildir in $tmp):
  LDAP directory   $ldap_url  (slapd; users in $here/users.ldif)
  mail1.example.org  LMTP ${port[mail1-lmtp]}  IMAP ${port[mail1-imap]}  POP3 ${port[mail1-pop3]}
  mail2.example.org  LMTP ${port[mail2-lmtp]}  IMAP ${port[mail2-imap]}  POP3 ${port[mail2-pop3]}
  lvs7 (front)     SMTP 127.0.0.1:${port[smtp]}  IMAP 127.0.0.1:${port[imap]}  POP3 127.0.0.1:${port[pop3]}
  status page      $admin/

Users (password: <name>-secret): alice, carol on mail1; bob, dave on mail2; erin hashed.

Try this (copy and paste):
  # who lives where, straight from LDAP
  \$ ldapsearch -x -LLL -H $ldap_url -b ou=people,dc=example,dc=org '(mail=*)' mail mailHost
  # mail to alice (mail1) and bob (mail2): bob gets 452 4.5.3 (other node), a real MTA resends him alone
  \$ swaks --server 127.0.0.1:${port[smtp]} --from you@example.net --to alice@example.org,bob@example.org --header 'Subject: hello'
  \$ python3 -c "import smtplib; s = smtplib.SMTP('127.0.0.1', ${port[smtp]}); print(s.sendmail('you@example.net', ['bob@example.org'], 'Subject: hello bob\n\nHi Bob.\n')); s.quit()"
  # read it through the distributor: the last line names the mail node that served the login
  \$ $(imap_read alice)
  \$ $(pop3_read bob)
  # where alice's next login goes and why; move her to mail2 and log in again
  \$ curl -s $admin/api/mail/users/alice@example.org | python3 -m json.tool
  \$ curl -s -X POST -H 'content-type: application/json' -d '{"server":"mail2.example.org"}' -w '\\n' $admin/api/mail/users/alice@example.org/move
  \$ $(imap_read alice)
  # failover: stop mail2, wait until lvs7 status shows it down, bob's login goes to mail1
  \$ kill \$(cat $tmp/mail2.pid)
  \$ $lvs7 status --admin $admin
  \$ $(imap_read bob)
  \$ node $lvs7_js mailstore -c $tmp/mail2.yaml >>$tmp/mail2.log 2>&1 & echo \$! >$tmp/mail2.pid
  # directory outage: stop slapd; after the 5 s directory cache, SMTP answers 451 (try again later), never 5xx
  \$ kill \$(cat $tmp/slapd.pid)
  \$ swaks --server 127.0.0.1:${port[smtp]} --from you@example.net --to carol@example.org
  \$ $slapd_cmd

Running until Ctrl-C (or SIGTERM): then everything stops and $tmp is removed.
EOF
# Sleep in the background so the INT/TERM traps run at once.
while true; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper" || true
done
