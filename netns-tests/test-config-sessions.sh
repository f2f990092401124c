#!/usr/bin/env bash
# shellcheck disable=SC2317 # step functions are called by name
# netns-tests/test-config-sessions.sh: two operators at once. Concurrent
# vty configuration sessions commit their own edits onto the running
# configuration (three-way merge): a colleague's commit or a file reload
# made meanwhile is kept; an edit of a node someone else changed is a
# conflict (nothing applied, the node and who changed it named, the
# session stays in configuration mode); configure exclusive locks out the
# others and SIGHUP; sessions are told of a reload; show configuration
# changes lists the pending edits; commit errors use the file's words.
# Also the return path default (none without the rim block) in show mep.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
lab_init config-sessions

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
lab_ns s1
DIR=$LAB_RUN/s1
CONF=$DIR/ripd-mep.conf
LOG=$LAB_RUN/logs/s1-ripd-mep.log
SOCK=$DIR/ripd-mep.vty
OUT=$LAB_RUN/sessions.jsonl

write_conf()
{
	cat >"$CONF" <<CONF
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
 gateway S1
  address 198.51.100.1
  vpn-domain 10.11.0.0/16
 exit
 !
$1
 community C
  type star
  center M1
  center M2
  satellite S1
 exit
 !
exit
!
CONF
}

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }

# step NAME: the result of the scenario step NAME (one JSON object).
step() { jq -c --arg l "$1" 'select(.label == $l)' "$OUT"; }
out_of() { step "$1" | jq -r .out; }
status_of() { step "$1" | jq -r .status; }
out_has() { out_of "$1" | grep -qF -- "$2"; }
out_lacks() { ! out_of "$1" | grep -qF -- "$2"; }
# gw_address GATEWAY [STEP]: its address in show mep gateways json, now
# or as the scenario's STEP printed it.
gw_address() {
	if [ $# -gt 1 ]; then out_of "$2"; else mepsh -c 'show mep gateways json'; fi |
		jq -r --arg g "$1" '."ripd-mep:mep-state".gateway[] |
			select(.name == $g) | .address'
}
has_gateway() { [ -n "$(gw_address "$@")" ]; }

write_conf ""
lab_daemon s1 ripd-mep "$BIN" -u root -f "$CONF" --vty_socket "$DIR" --log stdout
PID=$LAB_PID
lab_wait_for 5 test -S "$SOCK" || lab_fail "no vty socket"

export CONF
# ---- the scenario: every command of both sessions, in this order
"$RIPD_MEP_TOP/netns-tests/lib/vty-sessions.py" "$SOCK" "$PID" "$LOG" \
	>"$OUT" <<'SCRIPT' || lab_fail "vty-sessions.py failed"
# 1. A adds M3, B changes M2's address and ends first; A's end keeps both
a1|A|configure terminal
a1m|A|mep
a2|A|gateway M3
a3|A|address 192.0.2.3
a4|A|exit
b1|B|configure terminal
b1m|B|mep
b2|B|gateway M2
b3|B|address 192.0.2.22
b4|B|end
a5|A|show configuration changes
a6|A|end
a6node|A|_node
a7|B|show mep gateways json
# 2. both change M1's address: B first, A's end conflicts
c1|A|configure terminal
c1m|A|mep
c2|A|gateway M1
c3|A|address 192.0.2.11
d1|B|configure terminal
d1m|B|mep
d2|B|gateway M1
d3|B|address 192.0.2.12
d4|B|end
c4|A|end
c4node|A|_node
c6|B|show mep gateways json
c5|A|abort
# 3. a file reload under an open session: A is told, both kept at end
e0|C|write memory
e1|A|configure terminal
e1m|A|mep
e2|A|gateway M3
e3|A|vpn-domain 10.3.0.0/16
e3f|$|sed -i 's/^ community C$/ gateway M4\n  address 192.0.2.4\n exit\n !\n community C/' "$CONF"
reload|!|hup
e4|A|exit
e5|A|end
# 4. configure exclusive: B cannot enter, SIGHUP is refused, until A ends
f1|A|configure exclusive
f1m|A|mep
f1g|A|gateway M1
f1a|A|address 192.0.2.13
f1s|A|show configuration changes
f2|B|configure terminal
hup2|!|hup
f3|A|end
f4|B|configure terminal
f5|B|end
# 5. a commit error in the file's words (no data path)
g1|A|configure terminal
g1m|A|mep
g2|A|no gateway S1
g3|A|end
g3node|A|_node
g4|A|abort
SCRIPT

step_disjoint_merge()
{
	lab_check "B's commit succeeded" [ "$(status_of b4)" = 0 ]
	lab_check "A's pending changes listed" out_has a5 "+ gateway M3: address 192.0.2.3"
	lab_check "A's end succeeded" [ "$(status_of a6)" = 0 ]
	lab_check "A left configuration mode" out_has a6node exec
	lab_check "A's gateway M3 is in the running configuration" has_gateway M3 a7
	lab_check "B's address of M2 was kept (not reverted by A)" \
		[ "$(gw_address M2 a7)" = 192.0.2.22 ]
}

step_conflict()
{
	lab_check "A's conflicting end failed" [ "$(status_of c4)" != 0 ]
	lab_check "the conflict names the node and the other session" \
		out_has c4 "% Configuration not applied: conflict: gateway M1: address was changed by vty session 2 at "
	lab_check "A stays in configuration mode" out_has c4node config
	lab_check "B's value is running, A's was not applied" \
		[ "$(gw_address M1 c6)" = 192.0.2.12 ]
}

step_reload_under_session()
{
	lab_check "the file was written and edited" \
		[ "$(status_of e0)$(status_of e3f)" = 00 ]
	lab_check "the reload succeeded" [ "$(status_of reload)" = 0 ]
	lab_check "A was told of the reload" \
		out_has e4 "% Note: the running configuration was changed by file reload at "
	lab_check "A's end after the reload succeeded" [ "$(status_of e5)" = 0 ]
	lab_check "the reload's gateway M4 was kept" has_gateway M4
	lab_check "A's edit of M3 was applied" \
		mepsh -c 'show running-config' | grep -qF 'vpn-domain 10.3.0.0/16'
}

step_exclusive()
{
	lab_check "configure exclusive entered" [ "$(status_of f1)" = 0 ]
	lab_check "show configuration changes in a gateway block" \
		out_has f1s "~ gateway M1: address 192.0.2.12 -> 192.0.2.13"
	lab_check "B is locked out while A holds the lock" \
		out_has f2 "% The configuration is locked by vty session 1 (configure exclusive)"
	lab_check "SIGHUP refused while locked" \
		grep -q "configuration not reloaded, keeping the running one: the configuration is locked by vty session 1" "$LOG"
	lab_check "A's exclusive commit applied" [ "$(gw_address M1)" = 192.0.2.13 ]
	lab_check "B enters after A ended" [ "$(status_of f4)" = 0 ]
}

step_error_words()
{
	lab_check "deleting a referenced gateway fails at end" [ "$(status_of g3)" != 0 ]
	lab_check "the error names the object and rule in the file's words" \
		out_has g3 "community C: satellite S1: rule 8: no gateway S1 is configured"
	lab_check "no raw data path in the error" out_lacks g3 "/ripd-mep:"
	lab_check "still in configuration mode after the error" out_has g3node config
}

step_return_path()
{
	local j
	j=$(mepsh -c 'show mep json')
	lab_check "return path none by default without the rim block" \
		[ "$(jq -r '."ripd-mep:mep-state".community[0]."return-path"' <<<"$j")" = none ]
	lab_check "return path source: default without the rim block" \
		[ "$(jq -r '."ripd-mep:mep-state".community[0]."return-path-source"' <<<"$j")" = default-no-rim-block ]
	lab_check "show mep names the default" \
		mepsh -c 'show mep' | grep -qF "return path none (default: no rim block"
}

step_disjoint_merge
step_conflict
step_reload_under_session
step_exclusive
step_error_words
step_return_path
lab_alive "$PID" || lab_fail "ripd-mep died"
lab_checks_done
lab_pass "concurrent configuration sessions"
