#!/usr/bin/env bash
# The daemon in a namespace, driven through its vty socket: FRR's vty
# protocol (watchfrr's echo PING), mepsh, show commands and their JSON,
# liveness overrides and entry-point resolution with tracking lines,
# configuration transactions (vty commit, SIGHUP reload, write memory) and
# bad input (bad file, rule violations, unknown commands, oversized lines).
set -u
. "$(dirname "$0")/lib/netns.sh"
lab_init daemon

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
lab_ns s1
DIR=$LAB_RUN/s1
CONF=$DIR/ripd-mep.conf
LOG=$LAB_RUN/logs/s1-ripd-mep.log
SOCK=$DIR/ripd-mep.vty

cat >"$CONF" <<'CONF'
mep
 local-gateway S1
 gateway M1
  address 192.0.2.1
  vpn-domain 10.1.0.0/16
 exit
 !
 gateway M2
  address 192.0.2.2
  vpn-domain 10.2.0.0/16
 exit
 !
 gateway M3
  address 192.0.2.3
  vpn-domain 10.3.0.0/16
 exit
 !
 gateway S1
  address 198.51.100.1
  vpn-domain 10.11.0.0/16
 exit
 !
 gateway S2
  address 198.51.100.2
  vpn-domain 10.12.0.0/16
 exit
 !
 community STAR-1
  type star
  center M1
  center M2
  center M3
  satellite S1
  satellite S2
  permanent-tunnels
  mep enable
  mep entry-point priority-list
  mep priority default primary M1 secondary M2 tertiary M3
  mep priority satellite S2 primary M2 secondary M3
  mep tracking log
 exit
 !
 rim
  tag 2600
 exit
 !
exit
!
CONF

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }

lab_daemon s1 ripd-mep "$BIN" -u root -f "$CONF" --vty_socket "$DIR" --log stdout
PID=$LAB_PID
lab_wait_for 5 test -S "$SOCK" || lab_fail "no vty socket"

# FRR's vty protocol as watchfrr speaks it: "echo PING\0" -> "PING\n" + 00 00 00 00.
raw=$(/usr/bin/python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"echo PING\0")
buf = b""
while not buf.endswith(b"\0\0\0\0") or len(buf) < 9:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.hex())
PY
)
[ "$raw" = "$(printf 'PING\n' | od -An -tx1 | tr -d ' \n')00000000" ] ||
	lab_fail "echo PING answered $raw"
lab_ok "watchfrr health check (echo PING) answered PING + status 0"
stat -c %a "$SOCK" | grep -qx 770 || lab_fail "socket mode $(stat -c %a "$SOCK")"
lab_ok "vty socket mode 0770"

# show running-config renders the file back exactly (the round trip).
mepsh -c 'show running-config' | sed '1,3d;$d' >"$DIR/run.txt"
diff -u "$CONF" "$DIR/run.txt" || lab_fail "show running-config differs from the file"
lab_ok "show running-config equals the configuration file"

j=$(mepsh -c 'show mep json') || lab_fail "show mep json failed"
[ "$(jq -r '."ripd-mep:mep-state"."local-gateway"' <<<"$j")" = S1 ] ||
	lab_fail "local gateway: $j"
[ "$(jq -r '."ripd-mep:mep-state".community[0].mep' <<<"$j")" = explicit ] ||
	lab_fail "community MEP kind: $j"
lab_ok "show mep json"

res() { mepsh -c "show mep resolve 10.11.0.5 10.1.2.3 ${1:-} json" | jq -r '."ripd-mep:resolve"."entry-point" // "none"'; }
[ "$(res)" = none ] || lab_fail "entry point without any liveness: $(res)"
mepsh -c 'debug mep gateway M1 state up rtt 5' -c 'debug mep gateway M2 state up rtt 2' \
	-c 'debug mep gateway M3 state up rtt 1' || lab_fail "overrides"
[ "$(res)" = M1 ] || lab_fail "S1 should use M1, got $(res)"
[ "$(res 'from S2')" = M2 ] || lab_fail "S2 should use M2, got $(res 'from S2')"
mepsh -c 'debug mep gateway M1 state down'
[ "$(res)" = M2 ] || lab_fail "S1 after M1 down: $(res)"
mepsh -c 'debug mep gateway M2 state down'
[ "$(res)" = M3 ] || lab_fail "S1 after M2 down: $(res)"
[ "$(res 'from S2')" = M3 ] || lab_fail "S2 after M2 down: $(res 'from S2')"
mepsh -c 'debug mep gateway M3 state down' -c 'debug mep gateway M1 state up'
[ "$(res 'from S2')" = none ] || lab_fail "S2 must never use M1: $(res 'from S2')"
lab_ok "priority list: S1 M1 -> M2 -> M3, S2 M2 -> M3 and never M1"

grep -q 'Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and M3, is: M1 (Primary Security Gateway, responding)\.' "$LOG" ||
	lab_fail "tracking line for M1 missing"
grep -q 'is: M2 (Secondary Security Gateway, responding)\.' "$LOG" ||
	lab_fail "tracking line for M2 missing"
grep -q 'is: M3 (Tertiary Security Gateway, responding)\.' "$LOG" ||
	lab_fail "tracking line for M3 missing"
lab_ok "tracking lines in the seed's wording"

g=$(mepsh -c 'show mep gateways json')
[ "$(jq -r '."ripd-mep:mep-state".gateway[] | select(.name=="M1") | ."verdict-source"' <<<"$g")" = override ] ||
	lab_fail "override not shown: $g"
mepsh -c 'show mep gateways' | grep -q 'override' || lab_fail "text gateways"
lab_ok "show mep gateways shows the override"

# Bad vty input: unknown, ambiguous, incomplete, oversized; daemon survives.
mepsh -c 'show foo' >"$DIR/out" 2>&1 && lab_fail "unknown command accepted"
grep -q 'Unknown command' "$DIR/out" || lab_fail "unknown: $(cat "$DIR/out")"
mepsh -c 'debug mep gateway NOPE state up' >"$DIR/out" 2>&1 && lab_fail "unknown gateway accepted"
mepsh -c 'show mep resolve 10.0.0.1 banana' >"$DIR/out" 2>&1 && lab_fail "bad address accepted"
mepsh -c "echo $(head -c 70000 /dev/zero | tr '\0' x)" >"$DIR/out" 2>&1 && lab_fail "oversized line accepted"
out=$(mepsh -c 'show mep resolve 10.11.0.5 10.1.2.3 from j' 2>&1)
grep -q 'Unknown gateway: j' <<<"$out" || lab_fail "'from j' taken as json: $out"
out=$(mepsh -c 'configure terminal' -c 'do configure terminal' -c 'abort' 2>&1)
grep -q 'Already in configuration mode' <<<"$out" || lab_fail "nested configure: $out"
mepsh -c 'echo still here' | grep -qx 'still here' || lab_fail "daemon gone after bad input"
lab_ok "bad vty input rejected, daemon alive"

# A commit that breaks a rule changes nothing and stays in config mode.
out=$(mepsh -c 'configure terminal' -c 'mep' -c 'community STAR-1' -c 'no center M2' -c 'no center M3' -c 'end' 2>&1) &&
	lab_fail "rule 1 violation committed: $out"
grep -q 'rule 1' <<<"$out" || lab_fail "no rule 1 in: $out"
mepsh -c 'show running-config' | grep -q '^  center M3$' || lab_fail "half-applied change"
lab_ok "rule violation from the vty rejected, nothing applied"

# A good commit, then write memory (atomic) and -C on the written file.
mepsh -c 'configure terminal' -c 'mep' -c 'gateway M3' -c 'vpn-domain 10.33.0.0/16' -c 'end' ||
	lab_fail "good commit failed"
mepsh -c 'show running-config' | grep -q 'vpn-domain 10.33.0.0/16' || lab_fail "commit not applied"
mepsh -c 'write memory' | grep -q '\[OK\]' || lab_fail "write memory"
grep -q 'vpn-domain 10.33.0.0/16' "$CONF" || lab_fail "file not written"
"$BIN" -C -f "$CONF" >/dev/null || lab_fail "written file invalid"
lab_ok "configure terminal commit and write memory"

# SIGHUP with a bad file keeps the running configuration.
cp "$CONF" "$DIR/good.conf"
sed -i 's/^  center M3$/  center M9/' "$CONF"
kill -HUP "$PID"
lab_wait_for 5 grep -q 'not reloaded' "$LOG" || lab_fail "bad reload not reported"
lab_alive "$PID" || lab_fail "daemon died on a bad reload"
mepsh -c 'show running-config' | grep -q '^  center M3$' || lab_fail "bad reload applied"
lab_ok "SIGHUP with a bad file: rejected, running configuration kept"
sed 's/tag 2600/tag 2700/' "$DIR/good.conf" >"$CONF"
kill -HUP "$PID"
lab_wait_for 5 sh -c "'$RIPD_MEP_BUILD/mepsh' -S '$SOCK' -c 'show running-config' | grep -q 'tag 2700'" ||
	lab_fail "good reload not applied"
lab_ok "SIGHUP with a good file applied"

kill -TERM "$PID"
lab_wait_for 5 sh -c "! kill -0 $PID 2>/dev/null" || lab_fail "no exit on SIGTERM"
[ -e "$SOCK" ] && lab_fail "socket left behind"
lab_pass "daemon, vty, transactions"
