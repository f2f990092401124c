#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
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
# while down; the interface changed and back: routes moved in place; no
# rim: everything withdrawn. The daemon's view is asserted through show mep
# routes/tunnels json, the kernel's through ip -j route.
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

# ---- helpers (for lab_check and lab_wait_for)
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
# kroute_on PREFIX DEV: the daemon's route of PREFIX is on DEV
kroute_on()
{
	kroutes | grep -qx "$1 $2 $PRIO"
}
# no_line ERE FILE: no line of FILE matches ERE
no_line() { ! grep -Eq -- "$1" "$2"; }
no_kroute()
{
	local r
	r=$(kroutes) || return 1
	! grep -q "^$1 " <<<"$r"
}
kset_is()
{
	# kset_is PREFIX...: the kernel has exactly these routes of the daemon
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
# jlisted PREFIX: show mep routes json lists PREFIX
jlisted() { [[ " $(jprefixes)" == *" $1 "* ]]; }
jset_is()
{
	# jset_is PREFIX...: show mep routes json lists exactly these prefixes
	local want
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$(jprefixes)" = "$want" ]
}
jtunnel_of()
{
	# jtunnel_of GATEWAY: show mep tunnels json has a tunnel of GATEWAY
	mepsh -c 'show mep tunnels json' | lab_jqe --arg g "$1" \
		'[."ripd-mep:mep-state".tunnel[]? | select(.gateway == $g)] |
		 length > 0' >/dev/null
}
s1_up()
{
	rim_lab_up S1 || return 1
	lab_wait_for 10 rim_lab_installed M1 net
}
# jroute_is PREFIX "GATEWAY DISTANCE METRIC": the daemon's route state
jroute_is()
{
	[ "$(routes_json | jq -r --arg p "$1" '."ripd-mep:mep-state".route[] |
		select(.prefix == $p) | "\(.gateway) \(.distance) \(.metric)"')" = "$2" ]
}
# engine_is STATE: show mep json's ipsec-engine is STATE
engine_is()
{
	[ "$(mepsh -c 'show mep json' |
		jq -r '."ripd-mep:mep-state"."ipsec-engine"')" = "$1" ]
}
is_json_object() { mepsh -c "$1" | lab_jqe 'type == "object"' >/dev/null; }
vici_client()
{
	# an established connection on charon's VICI socket: swanctl is not
	# running, so it is ripd-mep's
	lab_exec M1 ss -xH state established | grep -qF "$(lab_vici M1)"
}
logged() { grep -q -- "$1" "$LOG"; }
path_is() { lab_wait_for 5 rim_lab_path_is H1 "$HS1" "$1"; }
why_path() { echo "   H1 -> HS1: $(rim_lab_path H1 "$HS1")" >&2; }
why_k() { echo "   kernel: $(kroutes | tr '\n' ';')" >&2; }
why_j() { echo "   show mep routes json: $(jprefixes)" >&2; }
# rim_interface IFNAME: set the rim block's interface through the vty
rim_interface()
{
	mepsh -c 'configure terminal' -c mep -c rim -c "interface $1" -c end
}


step_start()
{
	local out c
	# does this ripd-mep have the ipsec block and the kernel backend?
	out=$("$BIN" -C -f "$CONF" 2>&1) ||
		lab_fail "ripd-mep -C rejects the RIM configuration: $out"
	rim_lab_build || lab_fail "cannot build the topology"
	rim_lab_charons || lab_fail "cannot start the charons"
	# a stale route of the daemon's protocol: must be gone after start-up
	lab_route M1 add 10.99.0.0/16 dev to-H1 table "$RIM_TABLE" \
		proto "$RIM_PROTO" metric "$PRIO" || lab_fail "cannot add stale route"
	start_daemon || lab_fail "ripd-mep did not start"
	for c in 'show mep routes json' 'show mep tunnels json'; do
		lab_check "$c is a JSON object" is_json_object "$c"
	done
	lab_check "ripd-mep connects to charon's VICI socket" \
		lab_wait_for 3 vici_client
	lab_check "show mep json: ipsec-engine synced" \
		lab_wait_for 3 engine_is synced
	lab_check "start-up: stale 10.99.0.0/16 removed, no route" \
		lab_wait_for 5 kset_is || why_k
	lab_check "start-up: show mep routes json lists no route" jset_is ||
		why_j
}

step_s1_up()
{
	# tunnel up -> route within 1 s, configured distance and metric
	s1_up || lab_fail "S1-M1 not INSTALLED"
	lab_check "S1 up: route within 1 s" \
		rim_lab_timed route-up 1 has_kroute "$S1NET" || why_k
	lab_check "S1 up: $S1NET dev ipsec0 table $RIM_TABLE proto $RIM_PROTO metric $PRIO, nothing else" \
		kset_is "$S1NET" || why_k
	lab_check "show mep tunnels json has S1's tunnel" \
		lab_wait_for 2 jtunnel_of S1 ||
		echo "   $(mepsh -c 'show mep tunnels json')" >&2
	lab_check "show mep routes json lists $S1NET" jset_is "$S1NET" || why_j
	lab_check "show mep routes json: $S1NET from S1, distance $DISTANCE, metric $METRIC" \
		jroute_is "$S1NET" "S1 $DISTANCE $METRIC" ||
		echo "   $(routes_json | jq -c '."ripd-mep:mep-state".route')" >&2
	lab_check "H1 -> HS1 through the tunnel" path_is tunnel || why_path
}

step_rekeys()
{
	# rekeys: ip monitor must never see the route deleted
	local uid
	rim_lab_monitor M1 monitor || lab_fail "no ip monitor"
	rim_lab_child_uid S1 net || lab_fail "no S1 child"
	uid=$RIM_UID
	lab_check "first rekey of S1 within 15 s" \
		rim_lab_timed rekey1 15 rim_lab_uid_changed S1 net "$uid"
	rim_lab_child_uid S1 net
	lab_check "second rekey of S1 within 15 s (ids $uid -> $RIM_UID -> next)" \
		rim_lab_timed rekey2 15 rim_lab_uid_changed S1 net "$RIM_UID"
	lab_check "child INSTALLED on M1 after the rekeys" \
		lab_wait_for 3 rim_lab_installed M1 net
	lab_check "route present after the rekeys" has_kroute "$S1NET" || why_k
	rim_lab_monitor_stop || lab_fail "ip monitor lost"
	lab_check "rekeys: no deletion of $S1NET in ip monitor" \
		no_line "^Deleted $S1NET .*table $RIM_TABLE" "$RIM_MON_LOG"
}

step_terminate()
{
	# terminate -> withdrawn, traffic over the leased line
	lab_check "S1 terminates" rim_lab_down S1
	lab_check "terminate: $S1NET withdrawn within 2 s" \
		rim_lab_timed terminate 2 no_kroute "$S1NET" || why_k
	lab_check "terminate: show mep routes json empty" \
		lab_wait_for 2 jset_is || why_j
	lab_check "terminate: H1 -> HS1 over the leased line" \
		path_is leased || why_path
}

step_dpd()
{
	# killed peer -> DPD -> withdrawn
	s1_up || lab_fail "S1 not back up"
	lab_check "S1 up again: route within 1 s" \
		lab_wait_for 1 has_kroute "$S1NET" || why_k
	rim_lab_charon_kill S1 || lab_fail "cannot kill S1's charon"
	lab_check "killed peer: withdrawn after DPD (within 15 s)" \
		rim_lab_timed dpd 15 no_kroute "$S1NET" || why_k
	lab_check "after DPD: H1 -> HS1 over the leased line" \
		path_is leased || why_path
	rim_lab_charon_start S1 || lab_fail "cannot restart S1's charon"
}

step_wide_selector()
{
	# a peer proposing 0.0.0.0/0: nothing injected, a warning logged (the
	# log line is the behaviour under test)
	rim_lab_up S2 || lab_fail "S2 net not up"
	lab_check "S2 up: $S2NET within 1 s" \
		lab_wait_for 1 has_kroute "$S2NET" || why_k
	rim_lab_up S2 wide || lab_fail "S2 wide not up"
	lab_wait_for 10 rim_lab_installed S2 wide || lab_fail "wide not INSTALLED"
	lab_check "0.0.0.0/0 from S2 logged" \
		lab_wait_for 3 logged '0\.0\.0\.0/0'
	lab_check "0.0.0.0/0 from S2: kernel routes unchanged ($S2NET)" \
		kset_is "$S2NET" || why_k
	lab_check "0.0.0.0/0 from S2: show mep routes json unchanged" \
		jset_is "$S2NET" || why_j
	lab_swanctl S2 --terminate --child wide --timeout 10 >/dev/null 2>&1 ||
		lab_fail "cannot terminate wide"
}

step_kill9()
{
	# kill -9 ripd-mep while tunnels change, restart -> exact set
	s1_up || lab_fail "S1 not up"
	lab_check "S1 and S2 routes before kill -9" \
		lab_wait_for 1 kset_is "$S1NET" "$S2NET" || why_k
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	rm -f "$SOCK"
	rim_lab_down S2 || lab_fail "S2 terminate failed"
	rim_lab_down S1 || lab_fail "S1 terminate failed"
	rim_lab_up S2 || lab_fail "S2 not back"
	lab_check "no route changed without a daemon" \
		kset_is "$S1NET" "$S2NET" || why_k
	start_daemon || lab_fail "ripd-mep did not restart"
	lab_check "kill -9 + restart: exactly $S2NET (stale $S1NET removed)" \
		rim_lab_timed restart 5 kset_is "$S2NET" || why_k
	lab_check "after restart: show mep routes json lists $S2NET" \
		lab_wait_for 2 jset_is "$S2NET" || why_j
}

step_charon_restart()
{
	# charon restarted on M1: kept within grace if the tunnel returns
	local t0 back
	s1_up || lab_fail "S1 not up"
	lab_check "S1 and S2 routes before charon's restart" \
		lab_wait_for 1 kset_is "$S1NET" "$S2NET" || why_k
	t0=$(lab_now_ms)
	rim_lab_charon_kill M1 || lab_fail "cannot kill M1's charon"
	rim_lab_charon_start M1 || lab_fail "cannot restart M1's charon"
	# ipsec0 died with charon: the kernel dropped its routes silently (no
	# RTM_DELROUTE); the daemon must put them back when the tunnel
	# returns. The satellites drop their half of the dead IKE_SAs; only
	# S2 returns.
	lab_swanctl S2 --terminate --ike m1 --force --timeout 1 >/dev/null 2>&1
	rim_lab_up S2 || lab_fail "S2 not back after M1's charon restart"
	back=$(($(lab_now_ms) - t0))
	lab_swanctl S1 --terminate --ike m1 --force --timeout 1 >/dev/null 2>&1
	lab_check "S2 back within the ${GRACE} s grace (${back} ms)" \
		[ "$back" -lt $((GRACE * 1000)) ]
	lab_check "$S2NET still listed within grace" \
		jlisted "$S2NET" || why_j
	lab_check "$S2NET back in the kernel after the tunnel returned" \
		lab_wait_for 2 has_kroute "$S2NET" || why_k
	lab_check "$S1NET withdrawn after the grace period" \
		rim_lab_timed grace-withdraw $((GRACE + 5)) kset_is "$S2NET" ||
		why_k
	lab_check "after grace: show mep routes json lists $S2NET" \
		lab_wait_for 2 jset_is "$S2NET" || why_j
	lab_check "show mep json: ipsec-engine synced again" \
		lab_wait_for 2 engine_is synced
}

step_interface()
{
	# the interface changes: routes move in place, never withdrawn
	rim_lab_monitor M1 monitor-if || lab_fail "no ip monitor"
	rim_interface to-H1 || lab_fail "cannot change the rim interface"
	lab_check "interface to-H1: $S2NET moved to to-H1" \
		lab_wait_for 3 kroute_on "$S2NET" to-H1 ||
		why_k
	rim_interface ipsec0 || lab_fail "cannot change the rim interface back"
	lab_check "interface ipsec0: $S2NET back on ipsec0" \
		lab_wait_for 3 has_kroute "$S2NET" || why_k
	rim_lab_monitor_stop || lab_fail "ip monitor lost"
	lab_check "interface change: $S2NET never deleted (ip monitor)" \
		no_line "^Deleted $S2NET" "$RIM_MON_LOG"
}

step_no_rim()
{
	# RIM switched off: everything withdrawn, nothing listed
	mepsh -c 'configure terminal' -c mep -c 'no rim' -c end ||
		lab_fail "cannot remove the rim block"
	lab_check "no rim: routes withdrawn" lab_wait_for 3 kset_is || why_k
	lab_check "no rim: no route listed" jset_is || why_j
	lab_check "ripd-mep alive" lab_alive "$DPID"
}

step_start
step_s1_up
step_rekeys
step_terminate
step_dpd
step_wide_selector
step_kill9
step_charon_restart
step_interface
step_no_rim
lab_checks_done
lab_pass "RIM with real charons;$TIMES"
