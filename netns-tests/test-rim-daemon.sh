#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers are called through lab_wait_for
# netns-tests/test-rim-daemon.sh: ripd-mep's RIM on the center M1 of the
# RIM lab (lib/rim-lab.sh) with real charons: tunnels from VICI, kernel
# routes in table RIM_TABLE with protocol 250 and priority
# distance << 24 | metric. Checks: stale routes removed at start; route
# within 1 s of a tunnel coming up; withdrawn on terminate and on DPD;
# rekeys never delete the route (ip monitor); a peer's 0.0.0.0/0 selector
# injects nothing and is logged; kill -9 of ripd-mep while tunnels change,
# then restart -> exactly the right set; charon restarted -> routes kept
# within the grace period when tunnels return, withdrawn otherwise; H1's
# traffic to S1's host through the tunnel while up and over the leased line
# while down.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
DISTANCE=30
METRIC=7
GRACE=5
PRIO=$(((DISTANCE << 24) | METRIC))
RIM_REKEY=5s
S1NET=${RIM_DOMAIN[S1]}
S2NET=${RIM_DOMAIN[S2]}
HS1=${RIM_HOST[HS1]}

lab_init rim-daemon
DIR=$LAB_RUN/M1
CONF=$DIR/ripd-mep.conf
SOCK=$DIR/ripd-mep.vty
LOG=$LAB_RUN/logs/M1-ripd-mep.log
TIMES=

mkdir -p "$DIR"
rim_lab_ripd_conf "S1 S2" "distance $DISTANCE
metric $METRIC
backend kernel
kernel-table $RIM_TABLE
interface ipsec0" "vici-socket $(lab_vici M1)
grace-period $GRACE" >"$CONF"

# ---- does this ripd-mep have the ipsec block and the kernel backend?
out=$("$BIN" -C -f "$CONF" 2>&1) ||
	lab_fail "ripd-mep -C rejects the RIM configuration: $out"

rim_lab_build || lab_fail "cannot build the topology"
rim_lab_charons || lab_fail "cannot start the charons"

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }
DPID=
start_daemon()
{
	lab_daemon M1 ripd-mep "$BIN" -u root -f "$CONF" --vty_socket "$DIR" \
		--log stdout || return 1
	DPID=$LAB_PID
	lab_wait_for 5 test -S "$SOCK"
}

kroutes()
{
	# the daemon's routes in M1's kernel: "PREFIX DEV PRIORITY" lines
	rim_lab_kernel_routes M1 "$RIM_TABLE" "$RIM_PROTO"
}
has_kroute()
{
	kroutes | grep -qx "$1 ipsec0 $PRIO"
}
no_kroute()
{
	local r
	r=$(kroutes) || return 1
	! grep -q "^$1 " <<<"$r"
}
kset()
{
	# kset PREFIX...: the kernel has exactly these routes of the daemon
	local want got
	want=$(for p in "$@"; do echo "$p ipsec0 $PRIO"; done | sort)
	got=$(kroutes) || return 1
	[ "$got" = "$want" ]
}
routes_json()
{
	mepsh -c 'show mep routes json'
}
jprefixes()
{
	routes_json | jq -r '."ripd-mep:mep-state".route[]?.prefix' | sort |
		tr '\n' ' '
}
jset()
{
	# jset PREFIX...: show mep routes json lists exactly these prefixes
	local want
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$(jprefixes)" = "$want" ]
}
jtunnel()
{
	# jtunnel GATEWAY: show mep tunnels json has a tunnel of GATEWAY
	mepsh -c 'show mep tunnels json' | jq -e --arg g "$1" \
		'[."ripd-mep:mep-state".tunnel[]? | select(.gateway == $g)] |
		 length > 0' >/dev/null
}
s1_up()
{
	rim_lab_up S1 || return 1
	lab_wait_for 10 rim_lab_installed M1 net
}

# a stale route of the daemon's protocol: must be gone after start-up
lab_route M1 add 10.99.0.0/16 dev to-H1 table "$RIM_TABLE" \
	proto "$RIM_PROTO" metric "$PRIO" || lab_fail "cannot add stale route"

vici_client()
{
	# an established connection on charon's VICI socket: swanctl is not
	# running, so it is ripd-mep's
	lab_exec M1 ss -xH state established | grep -qF "$(lab_vici M1)"
}
start_daemon || lab_fail "ripd-mep did not start"
for c in 'show mep routes json' 'show mep tunnels json'; do
	if ! j=$(mepsh -c "$c" 2>&1) || ! jq -e 'type == "object"' \
		>/dev/null 2>&1 <<<"$j"; then
		lab_fail "$c: $j"
	fi
done
lab_wait_for 3 vici_client ||
	lab_fail "ripd-mep does not connect to charon's VICI socket"
lab_wait_for 5 kset || lab_fail "start-up: stale routes left: $(kroutes)"
jset || lab_fail "routes without tunnels: $(jprefixes)"
lab_ok "start-up: no tunnel, no route; stale 10.99.0.0/16 removed"

# ---- tunnel up -> route within 1 s, configured distance and metric
s1_up || lab_fail "S1-M1 not INSTALLED"
rim_lab_timed route-up 1 has_kroute "$S1NET" ||
	lab_fail "no route within 1 s of S1 up: $(kroutes)"
kset "$S1NET" || lab_fail "unexpected routes: $(kroutes)"
lab_wait_for 2 jtunnel S1 ||
	lab_fail "no S1 tunnel: $(mepsh -c 'show mep tunnels json')"
jset "$S1NET" || lab_fail "routes json: $(jprefixes)"
r=$(routes_json | jq -c --arg p "$S1NET" \
	'."ripd-mep:mep-state".route[] | select(.prefix == $p)')
[ "$(jq -r '"\(.gateway) \(.distance) \(.metric)"' <<<"$r")" = \
	"S1 $DISTANCE $METRIC" ] || lab_fail "route state: $r"
lab_ok "S1 up: $S1NET dev ipsec0 table $RIM_TABLE proto $RIM_PROTO metric $PRIO"
lab_wait_for 5 rim_lab_path_is H1 "$HS1" tunnel ||
	lab_fail "H1 -> HS1 not through the tunnel: $(rim_lab_path H1 "$HS1")"
lab_ok "H1 -> HS1 through the tunnel"

# ---- rekeys: ip monitor must never see the route deleted
lab_daemon M1 monitor ip monitor route || lab_fail "no ip monitor"
MON=$LAB_PID
MONLOG=$LAB_RUN/logs/M1-monitor.log
rim_lab_child_uid S1 net || lab_fail "no S1 child"
uid=$RIM_UID
rim_lab_timed rekey1 15 rim_lab_uid_changed S1 net "$uid" || lab_fail "no rekey"
rim_lab_child_uid S1 net
rim_lab_timed rekey2 15 rim_lab_uid_changed S1 net "$RIM_UID" ||
	lab_fail "no second rekey"
lab_wait_for 3 rim_lab_installed M1 net || lab_fail "child lost on rekey"
has_kroute "$S1NET" || lab_fail "route absent after rekeys: $(kroutes)"
kill "$MON"
wait "$MON" 2>/dev/null
grep -E "^Deleted $S1NET .*table $RIM_TABLE" "$MONLOG" &&
	lab_fail "route deleted during a rekey"
lab_ok "two rekeys of S1 (ids $uid -> $RIM_UID): no deletion in ip monitor"

# ---- terminate -> withdrawn, traffic over the leased line
rim_lab_down S1 || lab_fail "terminate failed"
rim_lab_timed terminate 2 no_kroute "$S1NET" || lab_fail "not withdrawn: $(kroutes)"
lab_wait_for 2 jset || lab_fail "routes json after terminate: $(jprefixes)"
lab_wait_for 5 rim_lab_path_is H1 "$HS1" leased ||
	lab_fail "H1 -> HS1 not leased: $(rim_lab_path H1 "$HS1")"
lab_ok "terminate: withdrawn, H1 -> HS1 over the leased line"

# ---- killed peer -> DPD -> withdrawn
s1_up || lab_fail "S1 not back up"
lab_wait_for 1 has_kroute "$S1NET" || lab_fail "no route after re-up"
rim_lab_charon_kill S1 || lab_fail "cannot kill S1's charon"
rim_lab_timed dpd 15 no_kroute "$S1NET" || lab_fail "not withdrawn after DPD"
lab_wait_for 5 rim_lab_path_is H1 "$HS1" leased ||
	lab_fail "H1 -> HS1 not leased after DPD: $(rim_lab_path H1 "$HS1")"
rim_lab_charon_start S1 || lab_fail "cannot restart S1's charon"
lab_ok "killed peer: withdrawn after DPD"

# ---- a peer proposing 0.0.0.0/0: nothing injected, a log line
rim_lab_up S2 || lab_fail "S2 net not up"
lab_wait_for 1 has_kroute "$S2NET" || lab_fail "no $S2NET: $(kroutes)"
rim_lab_up S2 wide || lab_fail "S2 wide not up"
lab_wait_for 10 rim_lab_installed S2 wide || lab_fail "wide not INSTALLED"
lab_wait_for 3 grep -q '0\.0\.0\.0/0' "$LOG" ||
	lab_fail "no log line for the 0.0.0.0/0 selector"
kset "$S2NET" || lab_fail "0.0.0.0/0 peer changed routes: $(kroutes)"
jset "$S2NET" || lab_fail "routes json: $(jprefixes)"
lab_swanctl S2 --terminate --child wide --timeout 10 >/dev/null 2>&1 ||
	lab_fail "cannot terminate wide"
lab_ok "0.0.0.0/0 from S2: ignored and logged, $S2NET kept"

# ---- kill -9 ripd-mep while tunnels change, restart -> exact set
s1_up || lab_fail "S1 not up"
lab_wait_for 1 kset "$S1NET" "$S2NET" || lab_fail "set: $(kroutes)"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
rm -f "$SOCK"
rim_lab_down S2 || lab_fail "S2 terminate failed"
rim_lab_down S1 || lab_fail "S1 terminate failed"
rim_lab_up S2 || lab_fail "S2 not back"
kset "$S1NET" "$S2NET" || lab_fail "routes changed without a daemon: $(kroutes)"
start_daemon || lab_fail "ripd-mep did not restart"
rim_lab_timed restart 5 kset "$S2NET" || lab_fail "after restart: $(kroutes)"
lab_wait_for 2 jset "$S2NET" || lab_fail "routes json after restart: $(jprefixes)"
lab_ok "kill -9 + restart: exactly $S2NET (stale $S1NET removed)"

# ---- charon restarted on M1: kept within grace if the tunnel returns
s1_up || lab_fail "S1 not up"
lab_wait_for 1 kset "$S1NET" "$S2NET" || lab_fail "set: $(kroutes)"
t0=$(rim_lab_now_ms)
rim_lab_charon_kill M1 || lab_fail "cannot kill M1's charon"
rim_lab_charon_start M1 || lab_fail "cannot restart M1's charon"
# ipsec0 died with charon: the kernel dropped its routes silently (no
# RTM_DELROUTE); the daemon must put them back when the tunnel returns.
# The satellites drop their half of the dead IKE_SAs; only S2 returns.
lab_swanctl S2 --terminate --ike m1 --force --timeout 1 >/dev/null 2>&1
rim_lab_up S2 || lab_fail "S2 not back after M1's charon restart"
back=$(($(rim_lab_now_ms) - t0))
lab_swanctl S1 --terminate --ike m1 --force --timeout 1 >/dev/null 2>&1
[ "$back" -lt $((GRACE * 1000)) ] ||
	lab_fail "S2 took ${back} ms, more than the ${GRACE} s grace"
jprefixes | grep -q "$S2NET" || lab_fail "$S2NET dropped within grace"
lab_wait_for 2 has_kroute "$S2NET" ||
	lab_fail "$S2NET not in the kernel after the tunnel returned: $(kroutes)"
rim_lab_timed grace-withdraw $((GRACE + 5)) kset "$S2NET" ||
	lab_fail "$S1NET not withdrawn after grace: $(kroutes)"
lab_wait_for 2 jset "$S2NET" || lab_fail "routes json: $(jprefixes)"
lab_ok "charon restart: $S2NET kept (back after ${back} ms), $S1NET withdrawn"

# ---- the interface changes: routes move in place, never withdrawn
lab_exec M1 ip monitor route >"$LAB_RUN/M1/monitor-if.txt" 2>&1 &
MONPID=$!
sleep 0.3
mepsh -c 'configure terminal' -c mep -c rim -c 'interface to-H1' -c end ||
	lab_fail "cannot change the rim interface"
lab_wait_for 3 sh -c "ip -n $(lab_nsname M1) route show table $RIM_TABLE proto $RIM_PROTO | grep -q '^$S2NET dev to-H1 '" ||
	lab_fail "route not moved to to-H1: $(kroutes)"
mepsh -c 'configure terminal' -c mep -c rim -c 'interface ipsec0' -c end ||
	lab_fail "cannot change the rim interface back"
lab_wait_for 3 has_kroute "$S2NET" || lab_fail "route not back on ipsec0: $(kroutes)"
kill "$MONPID" 2>/dev/null
wait "$MONPID" 2>/dev/null
grep -q "^Deleted $S2NET" "$LAB_RUN/M1/monitor-if.txt" &&
	lab_fail "route withdrawn while moving: $(cat "$LAB_RUN/M1/monitor-if.txt")"
lab_ok "interface change: $S2NET moved to to-H1 and back in place, never deleted"

# ---- RIM switched off: everything withdrawn, nothing listed
mepsh -c 'configure terminal' -c mep -c 'no rim' -c end ||
	lab_fail "cannot remove the rim block"
lab_wait_for 3 kset || lab_fail "routes left after 'no rim': $(kroutes)"
[ -z "$(jprefixes | tr -d ' ')" ] || lab_fail "routes still listed: $(jprefixes)"
lab_ok "no rim: routes withdrawn and no longer listed"

lab_alive "$DPID" || lab_fail "ripd-mep died"
lab_pass "RIM with real charons;$TIMES"
