#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-rim-topology.sh: the RIM lab (lib/rim-lab.sh) with
# charon alone, no ripd-mep: tunnels S1-M1 and S2-M1 come up; H1 reaches
# S1's host through ipsec0 while table RIM_TABLE has a route via ipsec0 and
# over the leased line otherwise; what kernel-libipsec does with routes on
# a center with routing_table = 0; rekeys with short lifetimes change the
# CHILD_SA's unique id; DPD declares a killed peer dead. Prints the
# measured times (tunnel up, rekey, terminate, DPD).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"

RIM_REKEY=5s
HS1=${RIM_HOST[HS1]}
PRIO=$(((20 << 24) | 10))
T_UP=- T_REKEY=- T_TERM=- T_DPD=-
lab_init rim-topology

# ---- helpers (for lab_check and lab_wait_for)
# nroutes NODE ARGS...: how many routes `ip -j route show ARGS` lists in
# NODE (0 for a table that does not exist)
nroutes()
{
	local n
	n=$(lab_exec "$1" ip -j route show "${@:2}" 2>/dev/null |
		jq 'length' 2>/dev/null)
	echo "${n:-0}"
}
no_routes() { [ "$(nroutes "$@")" = 0 ]; }
# no_rule_to NODE TABLE: no ip rule of NODE looks up TABLE
no_rule_to()
{
	lab_exec "$1" ip -j rule | lab_jqe --arg t "$2" \
		'all(.[]; (.table | tostring) != $t)' >/dev/null
}
# m1_children: how many INSTALLED CHILD_SAs "net" M1 lists (swanctl has
# no JSON form)
m1_children()
{
	lab_swanctl M1 --list-sas |
		grep -Ec '^ +net: #[0-9]+, reqid [0-9]+, INSTALLED'
}
no_ipsec0() { ! lab_exec M1 ip link show ipsec0 >/dev/null 2>&1; }
path_is() { lab_wait_for 5 rim_lab_path_is H1 "$HS1" "$1"; }
why_path() { echo "   H1 -> HS1: $(rim_lab_path H1 "$HS1")" >&2; }
# since T0: milliseconds since T0 (lab_now_ms)
since() { echo $(($(lab_now_ms) - $1)); }

step_topology()
{
	rim_lab_build || lab_fail "cannot build the topology"
	lab_wait_for 5 rim_lab_ping H1 10.1.0.1 || lab_fail "H1 cannot reach M1"
	lab_wait_for 5 rim_lab_ping HS1 10.11.0.1 || lab_fail "HS1 cannot reach S1"
	lab_wait_for 5 lab_exec M1 ping -c1 -W1 "${RIM_INET[S2]}" ||
		lab_fail "no internet path M1-S2"
	lab_ok "topology: 8 namespaces, internet bridge, leased line"
	# without any tunnel: the leased line carries H1 -> HS1
	lab_check "H1 -> HS1 over the leased line before any tunnel" \
		path_is leased || why_path
}

step_tunnels()
{
	local t0
	rim_lab_charons || lab_fail "cannot start the charons"
	t0=$(lab_now_ms)
	rim_lab_up S1 || lab_fail "S1 cannot initiate"
	lab_wait_for 10 rim_lab_installed M1 net ||
		lab_fail "S1-M1 not INSTALLED on M1"
	T_UP=$(since "$t0")
	rim_lab_up S2 || lab_fail "S2 cannot initiate"
	lab_wait_for 10 rim_lab_ike_up M1 s2 || lab_fail "S2-M1 IKE not up"
	lab_wait_for 10 rim_lab_installed S2 net || lab_fail "S2 net not INSTALLED"
	lab_check "tunnels S1-M1 and S2-M1 INSTALLED on M1 (S1 initiate -> INSTALLED on M1: ${T_UP} ms)" \
		[ "$(m1_children)" -ge 2 ] ||
		echo "   $(lab_swanctl M1 --list-sas)" >&2
}

step_center_routes()
{
	# what kernel-libipsec does with routes on the center: with
	# routing_table = 0 no rule 220, no table 220; the remote selector
	# still gets a route via ipsec0, in the main table (install_routes is
	# ignored)
	lab_check "no rule to table 220 on M1 (routing_table = 0)" \
		no_rule_to M1 220
	lab_check "no table 220 on M1" no_routes M1 table 220
	lab_check "charon wrote nothing into table $RIM_TABLE" \
		no_routes M1 table "$RIM_TABLE" dev ipsec0
	echo "   kernel-libipsec routes in M1's main table: $(lab_exec M1 \
		ip -j route show dev ipsec0 | jq -r '[.[].dst] | join(";")')"
}

step_rim_route()
{
	# a route via ipsec0 in RIM_TABLE moves H1 -> HS1 into the tunnel
	lab_route M1 add 10.11.0.0/16 dev ipsec0 table "$RIM_TABLE" \
		proto "$RIM_PROTO" metric "$PRIO" || lab_fail "cannot add the RIM route"
	lab_check "H1 -> HS1 through ipsec0 while table $RIM_TABLE routes it there" \
		path_is tunnel || why_path
	lab_route M1 del 10.11.0.0/16 dev ipsec0 table "$RIM_TABLE" \
		proto "$RIM_PROTO" metric "$PRIO" || lab_fail "cannot delete the route"
	lab_check "H1 -> HS1 over the leased line again once the route is gone" \
		path_is leased || why_path
}

step_rekey()
{
	# rekey_time = 5s: the CHILD_SA's unique id changes
	local uid t0
	rim_lab_child_uid S1 net || lab_fail "no INSTALLED child on S1"
	uid=$RIM_UID
	t0=$(lab_now_ms)
	if lab_check "CHILD_SA of S1 rekeyed within 15 s (unique id $uid changes)" \
		lab_wait_for 15 rim_lab_uid_changed S1 net "$uid"; then
		T_REKEY=$(since "$t0")
		rim_lab_child_uid S1 net
		echo "   unique id $uid -> $RIM_UID after ${T_REKEY} ms"
	fi
	lab_check "IKE_SA s1 kept over the rekey" rim_lab_ike_up M1 s1
}

step_terminate()
{
	# terminate: IKE DELETE, M1 drops the SA at once
	local t0
	t0=$(lab_now_ms)
	lab_check "S1 terminates its IKE_SA" rim_lab_down S1
	lab_check "terminate by S1: gone on M1 within 5 s" \
		lab_wait_for 5 rim_lab_ike_gone M1 s1 && T_TERM=$(since "$t0")
	echo "   terminate -> gone on M1: ${T_TERM} ms"
}

step_dpd()
{
	# DPD: kill -9 S2's charon, M1 declares it dead
	local t0
	lab_check "s2 up on M1 before the kill" rim_lab_ike_up M1 s2
	t0=$(lab_now_ms)
	rim_lab_charon_kill S2 || lab_fail "cannot kill S2's charon"
	lab_check "DPD: M1 drops the killed S2 within 20 s" \
		lab_wait_for 20 rim_lab_ike_gone M1 s2 && T_DPD=$(since "$t0")
	echo "   kill -9 of S2's charon -> gone on M1: ${T_DPD} ms"
	# a restarted charon brings the tunnel back
	rim_lab_charon_start S2 || lab_fail "cannot restart S2's charon"
	lab_check "restarted S2 initiates" rim_lab_up S2
	lab_check "restarted charon re-establishes the tunnel" \
		lab_wait_for 10 rim_lab_ike_up M1 s2
}

step_center_killed()
{
	# the center's charon dies: ipsec0 goes, and with it every route via
	# ipsec0 in every table, without an RTM_DELROUTE (ip monitor is
	# silent): what is seen is printed, both are the kernel's business
	local note
	lab_route M1 add 10.12.0.0/16 dev ipsec0 table "$RIM_TABLE" \
		proto "$RIM_PROTO" metric "$PRIO" || lab_fail "cannot add the S2 route"
	rim_lab_monitor M1 monitor || lab_fail "no ip monitor"
	rim_lab_charon_kill M1 || lab_fail "cannot kill M1's charon"
	lab_check "ipsec0 goes with M1's charon" lab_wait_for 5 no_ipsec0
	lab_check "the route via ipsec0 in table $RIM_TABLE goes with it" \
		no_routes M1 table "$RIM_TABLE" proto "$RIM_PROTO"
	rim_lab_monitor_stop || lab_fail "ip monitor lost"
	if grep -q "^Deleted 10.12.0.0/16" "$RIM_MON_LOG"; then
		note="with an RTM_DELROUTE"
	else
		note="silently (no RTM_DELROUTE)"
	fi
	echo "   M1's charon killed: ipsec0 and the routes via it vanish $note"
	rim_lab_charon_start M1 || lab_fail "cannot restart M1's charon"
	lab_check "the restarted charon brings a new ipsec0" \
		lab_wait_for 5 lab_exec M1 ip link show ipsec0
}

step_topology
step_tunnels
step_center_routes
step_rim_route
step_rekey
step_terminate
step_dpd
step_center_killed
lab_checks_done
lab_pass "up ${T_UP} ms, rekey ${T_REKEY} ms, terminate ${T_TERM} ms, DPD ${T_DPD} ms"
