#!/usr/bin/env bash
# Operations: ripd-mep started with an invalid file keeps running with its
# vty and opens no backend session until a valid configuration is applied;
# -f relative with -d; --log file:PATH; sd_notify READY/STATUS/WATCHDOG on
# an abstract NOTIFY_SOCKET; the vty session limit and exec-timeout (idle
# clients never lock the operator out); -u/-g with CAP_NET_ADMIN only and
# the VICI socket reached through its group, or a clear EACCES line.
# zebra and charon are stand-ins here (unix listeners that count
# connections): what is checked is whether ripd-mep connects at all.
set -u
. "$(dirname "$0")/lib/netns.sh"
lab_init ops-daemon

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
lab_ns s1
DIR=$LAB_RUN/s1
mkdir -p "$DIR"
SOCK=$DIR/ripd-mep.vty
PY=/usr/bin/python3

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }

# listen.py PATH COUNTFILE [MODE GROUP]: a unix listener that appends one
# line per accepted connection and keeps the connections open.
cat >"$LAB_RUN/listen.py" <<'PY'
import grp, os, socket, sys
path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
if len(sys.argv) > 4:
    os.chmod(path, int(sys.argv[3], 8))
    os.chown(path, 0, grp.getgrnam(sys.argv[4]).gr_gid)
s.listen(64)
open(log, "a").close()
keep = []
while True:
    c, _ = s.accept()
    keep.append(c)
    with open(log, "a") as f:
        f.write("accept\n")
PY

# notify.py NAME OUT: a datagram listener on the abstract name NAME that
# appends every message (one "KEY=VALUE" per line) to OUT.
cat >"$LAB_RUN/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1])
open(sys.argv[2], "a").close()
while True:
    d = s.recv(4096)
    with open(sys.argv[2], "a") as f:
        f.write(d.decode())
PY

# vty.py SOCKET CMD...: send each CMD as FRR's vty does, print the replies
# (text, then "status N"), then wait until the daemon closes the connection
# and print "closed after S s" (idle time after the last reply).
cat >"$LAB_RUN/vty.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
buf = b""
def reply():
    global buf
    while b"\0\0\0" not in buf:
        d = s.recv(4096)
        if not d:
            return None
        buf += d
    i = buf.index(b"\0\0\0")
    text, st, buf = buf[:i], buf[i + 3], buf[i + 4:]
    return text.decode() + "status %d" % st
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b"\0")
    print(reply())
t0 = time.monotonic()
s.settimeout(30)
r = reply()
if r:
    print(r)
print("closed after %.1f s" % (time.monotonic() - t0))
PY

# flood.py SOCKET N OUT: open N connections that never send anything,
# give the daemon 2 s to answer, write "full=F evicted=E open=O" to OUT,
# and keep the open ones until killed.
cat >"$LAB_RUN/flood.py" <<'PY'
import resource, select, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    socks.append(c)
got = {c: b"" for c in socks}
closed = set()
end = time.monotonic() + 2
while time.monotonic() < end:
    live = [c for c in socks if c not in closed]
    r, _, _ = select.select(live, [], [], 0.1)
    for c in r:
        d = c.recv(4096)
        if d:
            got[c] += d
        else:
            closed.add(c)
full = sum(1 for c in socks if b"Too many vty sessions (limit 32)" in got[c])
evicted = sum(1 for c in socks if b"idle longest" in got[c])
with open(out + ".tmp", "w") as f:
    f.write("full=%d evicted=%d open=%d\n" % (full, evicted, n - len(closed)))
import os
os.rename(out + ".tmp", out)
time.sleep(3600)
PY

VALID_MEP='mep
 local-gateway S1
 gateway M1
  address 192.0.2.1
  vpn-domain 10.1.0.0/16
 exit
 !
 gateway S1
  address 198.51.100.1
  vpn-domain 10.11.0.0/16
 exit
 !
 community STAR-1
  type star
  center M1
  satellite S1
 exit
 !
 rim
  tag 2600
 exit
 !
 ipsec
  vici-socket VICI
 exit
 !
exit
!'

count() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# count_ge FILE N: FILE has at least N lines (for lab_wait_for).
count_ge() { [ "$(count "$1")" -ge "$2" ]; }
# lines_ge FILE PATTERN N: at least N lines of FILE match PATTERN.
lines_ge() { [ "$(grep -c "$2" "$1")" -ge "$3" ]; }

# --- 1. invalid file at start, -d with a relative -f, --log file:PATH,
#        sd_notify with a watchdog ------------------------------------
step_held_start()
{
	ZSOCK=$DIR/zserv.api ZCOUNT=$LAB_RUN/zebra.count
	VSOCK=$DIR/charon.vici VCOUNT=$LAB_RUN/vici.count
	NOTES=$LAB_RUN/notify.out FLOG=$LAB_RUN/held.log
	lab_daemon s1 zebra-standin "$PY" "$LAB_RUN/listen.py" "$ZSOCK" "$ZCOUNT"
	lab_daemon s1 vici-standin "$PY" "$LAB_RUN/listen.py" "$VSOCK" "$VCOUNT"
	lab_daemon s1 notify "$PY" "$LAB_RUN/notify.py" "ripd-mep-$LAB_ID" "$NOTES"
	lab_wait_for 5 test -S "$ZSOCK" -a -S "$VSOCK" -a -f "$NOTES" ||
		lab_fail "stand-ins did not start"
	# line 2 breaks rule 8: the local gateway must be configured
	sed "s|VICI|$VSOCK|; s|local-gateway S1|local-gateway S9|" \
		<<<"$VALID_MEP" >"$DIR/ripd-mep.conf"
	(cd "$DIR" && lab_exec s1 env NOTIFY_SOCKET="@ripd-mep-$LAB_ID" \
		WATCHDOG_USEC=400000 "$BIN" -u root -f ripd-mep.conf -d \
		--vty_socket "$DIR" -z "$ZSOCK" -i "$DIR/held.pid" \
		--log "file:$FLOG" --log-level informational) ||
		lab_fail "ripd-mep -d exited with $?"
	lab_wait_for 5 test -s "$DIR/held.pid" || lab_fail "no pid file"
	HELD_PID=$(cat "$DIR/held.pid")
	echo "$HELD_PID s1 ripd-mep-held" >>"$LAB_RUN/daemons"
	lab_wait_for 5 mepsh -c 'echo hi' || lab_fail "vty does not answer"
	lab_alive "$HELD_PID" || lab_fail "daemon with a bad file exited"
	lab_ok "invalid file at start: the daemon runs (-d) and its vty answers"

	grep -q "$DIR/ripd-mep.conf:2: mep: local-gateway S9: rule 8: no gateway S9 is configured" "$FLOG" ||
		lab_fail "no file:line + rule in $FLOG: $(cat "$FLOG")"
	grep -q 'no IPsec link and no routing backend until a valid configuration' "$FLOG" ||
		lab_fail "hold not logged"
	lab_ok "-f relative found after -d; --log file: has FILE:LINE and the rule"

	lab_wait_for 5 grep -q '^READY=1' "$NOTES" || lab_fail "no READY=1: $(cat "$NOTES")"
	grep -q '^STATUS=invalid configuration' "$NOTES" || lab_fail "no held STATUS: $(cat "$NOTES")"
	# 0.4 s watchdog: a ping every 0.2 s
	lab_wait_for 5 lines_ge "$NOTES" '^WATCHDOG=1' 5 ||
		lab_fail "watchdog pings: $(grep -c WATCHDOG "$NOTES")"
	lab_ok "sd_notify: READY=1, STATUS=invalid configuration..., WATCHDOG=1 every WATCHDOG_USEC/2"

	[ "$(count "$ZCOUNT")" -eq 0 ] && [ "$(count "$VCOUNT")" -eq 0 ] ||
		lab_fail "held daemon connected: zebra $(count "$ZCOUNT"), vici $(count "$VCOUNT")"
	mepsh -c 'write memory' >"$LAB_RUN/out" 2>&1 && lab_fail "write memory while held accepted"
	grep -q 'invalid at start' "$LAB_RUN/out" || lab_fail "write refusal: $(cat "$LAB_RUN/out")"
	lab_ok "held: no zebra and no VICI session; write memory refused (the file stays for the operator)"
}

step_fix_through_vty()
{
	local cmds=() l
	while IFS= read -r l; do
		case $l in exit | '!') continue ;; esac	# top level: would commit
		cmds+=(-c "$l")
	done < <(sed "s|VICI|$VSOCK|" <<<"$VALID_MEP")
	mepsh -c 'configure terminal' "${cmds[@]}" -c 'end' >"$LAB_RUN/out" 2>&1 ||
		lab_fail "configure terminal failed: $(cat "$LAB_RUN/out")"
	lab_wait_for 5 count_ge "$ZCOUNT" 1 || lab_fail "no zebra session after the fix"
	lab_wait_for 5 count_ge "$VCOUNT" 1 || lab_fail "no VICI session after the fix"
	grep -q 'valid configuration applied: starting' "$FLOG" || lab_fail "start not logged"
	lab_wait_for 5 grep -q '^STATUS=running' "$NOTES" || lab_fail "STATUS not updated"
	lab_ok "configure terminal ... end applied it: zebra and VICI sessions opened, STATUS=running"
	kill "$HELD_PID"
	lab_wait_for 5 test ! -e "/proc/$HELD_PID" || lab_fail "daemon did not stop"
}

# --- 2. 1000 idle clients, the limit, exec-timeout -----------------------
step_vty_limits()
{
	local flood=$LAB_RUN/flood.out f e o t
	printf 'mep\nexit\n!\n' >"$DIR/empty.conf"
	lab_daemon s1 ripd-mep "$BIN" -u root -f "$DIR/empty.conf" --vty_socket "$DIR" \
		-z "$DIR/none.api" --log stdout
	lab_wait_for 5 test -S "$SOCK" || lab_fail "no vty socket"
	lab_daemon s1 flood "$PY" "$LAB_RUN/flood.py" "$SOCK" 1000 "$flood"
	lab_wait_for 20 test -s "$flood" || lab_fail "flood did not finish"
	read -r f e o < <(tr '=' ' ' <"$flood" | awk '{ print $2, $4, $6 }')
	echo "# 1000 idle clients: refused with the % line $f, evicted $e, still open $o"
	[ "$f" -gt 0 ] || lab_fail "no client got the % Too many line ($(cat "$flood"))"
	[ "$o" -le 32 ] || lab_fail "$o sessions open over the limit of 32"
	t=$(mepsh -c 'echo operator') || lab_fail "operator locked out by idle clients"
	[ "$t" = operator ] || lab_fail "operator got '$t'"
	lab_ok "1000 idle clients: over-limit ones got '% Too many vty sessions (limit 32)', the operator's mepsh still works"

	t=$("$PY" "$LAB_RUN/vty.py" "$SOCK" 'exec-timeout 0 1' 'echo set')
	grep -q '% Vty connection is timed out (idle for 1 s' <<<"$t" ||
		lab_fail "session exec-timeout: $t"
	grep -Eq 'closed after (0\.9|1\.[0-9]) s' <<<"$t" || lab_fail "timeout timing: $t"
	lab_ok "exec-timeout 0 1 in a session closes it after 1 s idle with a % line"
}

# --- 3. -u/-g, capabilities, VICI through its group, EACCES hint ---------
step_privs()
{
	local udir=$DIR/u pid st t
	mkdir -p "$udir" && chown frr:frr "$udir"
	VSOCK=$udir/charon.vici VCOUNT=$LAB_RUN/vici-frr.count
	lab_daemon s1 vici-frr "$PY" "$LAB_RUN/listen.py" "$VSOCK" "$VCOUNT" 0770 frr
	lab_wait_for 5 test -f "$VCOUNT" || lab_fail "vici stand-in"
	sed "s|VICI|$VSOCK|" <<<"$VALID_MEP" >"$udir/ripd-mep.conf"
	chown frr:frr "$udir/ripd-mep.conf"
	lab_daemon s1 ripd-mep-frr "$BIN" -u frr -g frr -f "$udir/ripd-mep.conf" \
		--vty_socket "$udir" -z "$udir/none.api" --log stdout --exec-timeout 0:1
	pid=$LAB_PID
	lab_wait_for 5 test -S "$udir/ripd-mep.vty" || lab_fail "no vty socket"
	lab_wait_for 5 "$RIPD_MEP_BUILD/mepsh" -S "$udir/ripd-mep.vty" -c 'echo up' ||
		lab_fail "vty of the frr daemon"
	st=/proc/$pid/status
	[ "$(awk '/^Uid:/ { print $2 }' "$st")" = "$(id -u frr)" ] || lab_fail "uid: $(grep Uid "$st")"
	[ "$(awk '/^Gid:/ { print $2 }' "$st")" = "$(getent group frr | cut -d: -f3)" ] ||
		lab_fail "gid: $(grep Gid "$st")"
	# CAP_NET_ADMIN is bit 12
	[ "$(awk '/^CapEff:/ { print $2 }' "$st")" = 0000000000001000 ] || lab_fail "CapEff: $(grep Cap "$st")"
	[ "$(awk '/^CapPrm:/ { print $2 }' "$st")" = 0000000000001000 ] || lab_fail "CapPrm: $(grep Cap "$st")"
	lab_ok "-u frr -g frr: uid/gid frr, CapEff = CapPrm = CAP_NET_ADMIN only"
	lab_wait_for 5 count_ge "$VCOUNT" 1 || lab_fail "no VICI session as frr"
	lab_ok "VICI socket root:frr 0770 (charon.group = frr) reached as frr"

	t=$("$PY" "$LAB_RUN/vty.py" "$udir/ripd-mep.vty" 'echo x')
	grep -q 'timed out (idle for 60 s' <<<"$t" && lab_fail "minutes taken as seconds"
	grep -Eq 'closed after (0\.9|1\.[0-9]) s' <<<"$t" || lab_fail "--exec-timeout 0:1: $t"
	lab_ok "--exec-timeout 0:1 closes an idle session after 1 s"

	# charon's default: root:root 0770 -> a clear line naming the fix
	lab_daemon s1 vici-root "$PY" "$LAB_RUN/listen.py" "$udir/root.vici" "$LAB_RUN/vici-root.count" 0770 root
	lab_wait_for 5 test -f "$LAB_RUN/vici-root.count" || lab_fail "root vici stand-in"
	"$RIPD_MEP_BUILD/mepsh" -S "$udir/ripd-mep.vty" -c 'configure terminal' -c 'mep' \
		-c 'ipsec' -c "vici-socket $udir/root.vici" -c 'end' ||
		lab_fail "cannot switch the VICI socket"
	local log=$LAB_RUN/logs/s1-ripd-mep-frr.log
	lab_wait_for 5 grep -q "vici: $udir/root.vici: connect: permission denied: the socket is root:root mode 0770 and ripd-mep runs as frr:frr; fix: .*charon.group = frr" "$log" ||
		lab_fail "no EACCES hint: $(grep vici: "$log" | tail -3)"
	[ "$(count "$LAB_RUN/vici-root.count")" -eq 0 ] || lab_fail "connected to a root-only socket"
	lab_ok "EACCES on VICI: one line with the socket, its owner and mode, and the fix"
}

step_held_start
step_fix_through_vty
step_vty_limits
step_privs
lab_pass "held start, notify, vty limits, privileges"
