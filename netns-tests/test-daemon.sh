#!/usr/bin/env bash
# shellcheck disable=SC2317 # step functions and helpers are called by name
# The daemon in a namespace, driven through its vty socket: FRR's vty
# protocol (watchfrr's echo PING), mepsh, show commands and their JSON,
# liveness overrides and entry-point resolution with tracking lines,
# configuration transactions (vty commit, SIGHUP reload, write memory) and
# bad input (bad file, rule violations, unknown commands, oversized lines).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
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

# ---- helpers (for lab_check and lab_wait_for)
# mep_json PATH [WHAT]: jq PATH of show mep [WHAT] json's state.
mep_json() { mepsh -c "show mep ${2:-} json" | jq -r ".\"ripd-mep:mep-state\"$1"; }
# res [from S]: the entry point of 10.11.0.5 -> 10.1.2.3 ("none").
res() { mepsh -c "show mep resolve 10.11.0.5 10.1.2.3 ${1:-} json" | jq -r '."ripd-mep:resolve"."entry-point" // "none"'; }
res_is() { [ "$(res "${2:-}")" = "$1" ]; }
# fails CMD...: CMD fails; its output (both streams) in $DIR/out.
fails() { ! "$@" >"$DIR/out" 2>&1; }
out_has() { grep -q -- "$1" "$DIR/out"; }
running_has() { mepsh -c 'show running-config' | grep -q -- "$1"; }
logged() { grep -q -- "$1" "$LOG"; }
gw_field() { mep_json ".gateway[] | select(.name == \"$1\") | .\"$2\"" gateways; }

step_vty_protocol()
{
	# FRR's vty protocol as watchfrr speaks it: "echo PING\0" -> "PING\n"
	# + 00 00 00 00.
	local raw
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
	lab_check "watchfrr health check (echo PING) answered PING + status 0 ($raw)" \
		[ "$raw" = "$(printf 'PING\n' | od -An -tx1 | tr -d ' \n')00000000" ]
	lab_check "vty socket mode 0770 ($(stat -c %a "$SOCK"))" \
		[ "$(stat -c %a "$SOCK")" = 770 ]
}

step_running_config()
{
	# show running-config (no JSON form) renders the file back exactly
	mepsh -c 'show running-config' | sed '1,3d;$d' >"$DIR/run.txt"
	lab_check "show running-config equals the configuration file" \
		diff -u "$CONF" "$DIR/run.txt"
}

step_show_mep_json()
{
	lab_check "show mep json: local gateway S1" \
		[ "$(mep_json '."local-gateway"')" = S1 ]
	lab_check "show mep json: community STAR-1 MEP explicit" \
		[ "$(mep_json '.community[] | select(.name == "STAR-1") | .mep')" = explicit ]
}

step_priority_list()
{
	lab_check "no entry point without any liveness" res_is none
	mepsh -c 'debug mep gateway M1 state up rtt 5' -c 'debug mep gateway M2 state up rtt 2' \
		-c 'debug mep gateway M3 state up rtt 1' || lab_fail "overrides"
	lab_check "S1 uses M1 (primary)" res_is M1
	lab_check "S2 uses M2 (its own primary)" res_is M2 'from S2'
	mepsh -c 'debug mep gateway M1 state down'
	lab_check "S1 after M1 down: M2" res_is M2
	mepsh -c 'debug mep gateway M2 state down'
	lab_check "S1 after M2 down: M3" res_is M3
	lab_check "S2 after M2 down: M3" res_is M3 'from S2'
	mepsh -c 'debug mep gateway M3 state down' -c 'debug mep gateway M1 state up'
	lab_check "S2 never uses M1 (not in its list)" res_is none 'from S2'
}

step_tracking_lines()
{
	# the manual's tracking line, word for word (the behaviour under test)
	lab_check "tracking line for M1 in the seed's wording" \
		logged 'Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and M3, is: M1 (Primary Security Gateway, responding)\.'
	lab_check "tracking line for M2" \
		logged 'is: M2 (Secondary Security Gateway, responding)\.'
	lab_check "tracking line for M3" \
		logged 'is: M3 (Tertiary Security Gateway, responding)\.'
}

step_gateways_override()
{
	lab_check "show mep gateways json: M1's verdict from the override" \
		[ "$(gw_field M1 verdict-source)" = override ]
	lab_check "show mep gateways json: M1 up, M2 and M3 down" \
		[ "$(gw_field M1 liveness) $(gw_field M2 liveness) $(gw_field M3 liveness)" = "up down down" ]
	# the text view (what an operator reads) names it too
	lab_check "show mep gateways (text) names the override" \
		sh -c "'$RIPD_MEP_BUILD/mepsh' -S '$SOCK' -c 'show mep gateways' | grep -q override"
}

step_bad_input()
{
	# unknown, ambiguous, incomplete, oversized; the daemon survives
	lab_check "unknown command refused" fails mepsh -c 'show foo'
	lab_check "unknown command: 'Unknown command'" out_has 'Unknown command'
	lab_check "unknown gateway refused" \
		fails mepsh -c 'debug mep gateway NOPE state up'
	lab_check "bad address refused" \
		fails mepsh -c 'show mep resolve 10.0.0.1 banana'
	lab_check "oversized line refused" \
		fails mepsh -c "echo $(head -c 70000 /dev/zero | tr '\0' x)"
	mepsh -c 'show mep resolve 10.11.0.5 10.1.2.3 from j' >"$DIR/out" 2>&1
	lab_check "'from j' is a gateway, not json" out_has 'Unknown gateway: j'
	mepsh -c 'configure terminal' -c 'do configure terminal' -c 'abort' >"$DIR/out" 2>&1
	lab_check "nested configure refused" out_has 'Already in configuration mode'
	lab_check "daemon alive after bad input" \
		sh -c "'$RIPD_MEP_BUILD/mepsh' -S '$SOCK' -c 'echo still here' | grep -qx 'still here'"
}

step_rule_violation()
{
	# a commit that breaks a rule changes nothing, stays in config mode
	lab_check "rule 1 violation not committed" \
		fails mepsh -c 'configure terminal' -c 'mep' -c 'community STAR-1' \
		-c 'no center M2' -c 'no center M3' -c 'end'
	lab_check "the refusal names rule 1" out_has 'rule 1'
	lab_check "nothing applied: STAR-1 still has centers M1 M2 M3" \
		[ "$(mep_json '.community[] | select(.name == "STAR-1") | .center | join(" ")' communities)" = "M1 M2 M3" ]
	lab_check "nothing applied: center M3 in the running configuration" \
		running_has '^  center M3$'
}

step_commit_write()
{
	# a good commit, then write memory (atomic) and -C on the written file
	lab_check "configure terminal commit" \
		mepsh -c 'configure terminal' -c 'mep' -c 'gateway M3' -c 'vpn-domain 10.33.0.0/16' -c 'end'
	lab_check "commit applied" running_has 'vpn-domain 10.33.0.0/16'
	mepsh -c 'write memory' >"$DIR/out" 2>&1
	lab_check "write memory [OK]" out_has '\[OK\]'
	lab_check "file written" grep -q 'vpn-domain 10.33.0.0/16' "$CONF"
	lab_check "written file valid (ripd-mep -C)" "$BIN" -C -f "$CONF"
}

step_sighup()
{
	local loaded
	# a bad file keeps the running configuration
	cp "$CONF" "$DIR/good.conf"
	sed -i 's/^  center M3$/  center M9/' "$CONF"
	loaded=$(mep_json '."config-loaded"')
	kill -HUP "$PID"
	lab_check "SIGHUP with a bad file: refusal logged" \
		lab_wait_for 5 logged 'not reloaded'
	lab_alive "$PID" || lab_fail "daemon died on a bad reload"
	lab_check "bad reload not applied (config-loaded unchanged)" \
		[ "$(mep_json '."config-loaded"')" = "$loaded" ]
	lab_check "bad reload not applied (STAR-1 centers)" \
		[ "$(mep_json '.community[] | select(.name == "STAR-1") | .center | join(" ")' communities)" = "M1 M2 M3" ]
	sed 's/tag 2600/tag 2700/' "$DIR/good.conf" >"$CONF"
	kill -HUP "$PID"
	lab_check "SIGHUP with a good file applied" \
		lab_wait_for 5 running_has 'tag 2700'
}

step_sigterm()
{
	kill -TERM "$PID"
	lab_check "exit on SIGTERM" lab_wait_for 5 sh -c "! kill -0 $PID 2>/dev/null"
	lab_check "socket removed" [ ! -e "$SOCK" ]
}

step_vty_protocol
step_running_config
step_show_mep_json
step_priority_list
step_tracking_lines
step_gateways_override
step_bad_input
step_rule_violation
step_commit_write
step_sighup
step_sigterm
lab_checks_done
lab_pass "daemon, vty, transactions"
