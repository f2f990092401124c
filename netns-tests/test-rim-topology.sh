#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers are called through lab_wait_for
# netns-tests/test-rim-topology.sh: the RIM lab (lib/rim-lab.sh) with
# charon alone, no ripd-mep: tunnels S1-M1 and S2-M1 come up; H1 reaches
# S1's host through ipsec0 while table RIM_TABLE has a route via ipsec0 and
# over the leased line otherwise; what kernel-libipsec does with routes on
# a center with routing_table = 0; rekeys with short lifetimes change the
# CHILD_SA's unique id; DPD declares a killed peer dead. Prints the
# measured times (tunnel up, rekey, DPD).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"

RIM_REKEY=5s
lab_init rim-topology
rim_lab_build || lab_fail "cannot build the topology"
lab_wait_for 5 rim_lab_ping H1 10.1.0.1 || lab_fail "H1 cannot reach M1"
lab_wait_for 5 rim_lab_ping HS1 10.11.0.1 || lab_fail "HS1 cannot reach S1"
lab_wait_for 5 lab_exec M1 ping -c1 -W1 "${RIM_INET[S2]}" ||
	lab_fail "no internet path M1-S2"
lab_ok "topology: 8 namespaces, internet bridge, leased line"

# ---- without any tunnel: the leased line carries H1 -> HS1
lab_wait_for 5 rim_lab_path_is H1 "${RIM_HOST[HS1]}" leased ||
	lab_fail "no leased-line path: $(rim_lab_path H1 "${RIM_HOST[HS1]}")"
lab_ok "H1 -> HS1 over the leased line before any tunnel"

rim_lab_charons || lab_fail "cannot start the charons"
t0=$(rim_lab_now_ms)
rim_lab_up S1 || lab_fail "S1 cannot initiate"
lab_wait_for 10 rim_lab_installed M1 net || lab_fail "S1-M1 not INSTALLED on M1"
t_up=$(($(rim_lab_now_ms) - t0))
rim_lab_up S2 || lab_fail "S2 cannot initiate"
lab_wait_for 10 rim_lab_ike_up M1 s2 || lab_fail "S2-M1 IKE not up"
lab_wait_for 10 rim_lab_installed S2 net || lab_fail "S2 net not INSTALLED"
[ "$(lab_swanctl M1 --list-sas | grep -Ec '^ +net: #[0-9]+, reqid [0-9]+, INSTALLED')" -ge 2 ] ||
	lab_fail "M1 lacks two INSTALLED children: $(lab_swanctl M1 --list-sas)"
lab_ok "tunnels S1-M1 and S2-M1 INSTALLED (S1 initiate -> INSTALLED on M1: ${t_up} ms)"

# ---- what kernel-libipsec does with routes on the center
# routing_table = 0: no rule 220, no table 220; the remote selector still
# gets a route via ipsec0, in the main table (install_routes is ignored)
lab_exec M1 ip rule | grep -q 'lookup 220' &&
	lab_fail "rule 220 on M1 despite routing_table = 0"
[ -z "$(lab_route M1 show table 220 2>/dev/null)" ] ||
	lab_fail "table 220 on M1: $(lab_route M1 show table 220)"
[ -z "$(lab_route M1 show table "$RIM_TABLE" dev ipsec0)" ] ||
	lab_fail "charon wrote into table $RIM_TABLE"
main_routes=$(lab_route M1 show dev ipsec0 | grep -v fe80 | tr '\n' ';')
echo "   kernel-libipsec routes in M1's main table: $main_routes"
lab_ok "center with routing_table = 0: nothing in table 220 or $RIM_TABLE"

# ---- a route via ipsec0 in RIM_TABLE moves H1 -> HS1 into the tunnel
prio=$(((20 << 24) | 10))
lab_route M1 add 10.11.0.0/16 dev ipsec0 table "$RIM_TABLE" \
	proto "$RIM_PROTO" metric "$prio" || lab_fail "cannot add the RIM route"
lab_wait_for 5 rim_lab_path_is H1 "${RIM_HOST[HS1]}" tunnel ||
	lab_fail "not through the tunnel: $(rim_lab_path H1 "${RIM_HOST[HS1]}")"
lab_ok "H1 -> HS1 through ipsec0 while table $RIM_TABLE routes it there"
lab_route M1 del 10.11.0.0/16 dev ipsec0 table "$RIM_TABLE" \
	proto "$RIM_PROTO" metric "$prio" || lab_fail "cannot delete the route"
lab_wait_for 5 rim_lab_path_is H1 "${RIM_HOST[HS1]}" leased ||
	lab_fail "not over the leased line: $(rim_lab_path H1 "${RIM_HOST[HS1]}")"
lab_ok "H1 -> HS1 over the leased line again once the route is gone"

# ---- rekey: rekey_time = 5s, the CHILD_SA's unique id changes
rim_lab_child_uid S1 net || lab_fail "no INSTALLED child on S1"
uid=$RIM_UID
t0=$(rim_lab_now_ms)
lab_wait_for 15 rim_lab_uid_changed S1 net "$uid" ||
	lab_fail "no rekey within 15 s: $(lab_swanctl S1 --list-sas)"
t_rekey=$(($(rim_lab_now_ms) - t0))
rim_lab_child_uid S1 net
uid2=$RIM_UID
rim_lab_ike_up M1 s1 || lab_fail "IKE_SA lost over the rekey"
lab_ok "CHILD_SA rekeyed: unique id $uid -> $uid2 after ${t_rekey} ms"

# ---- terminate: IKE DELETE, M1 drops the SA at once
t0=$(rim_lab_now_ms)
rim_lab_down S1 || lab_fail "terminate failed"
lab_wait_for 5 rim_lab_ike_gone M1 s1 || lab_fail "M1 still has s1"
t_term=$(($(rim_lab_now_ms) - t0))
lab_ok "terminate by S1: gone on M1 after ${t_term} ms"

# ---- DPD: kill -9 S2's charon, M1 declares it dead
rim_lab_ike_up M1 s2 || lab_fail "s2 not up before the kill"
t0=$(rim_lab_now_ms)
rim_lab_charon_kill S2 || lab_fail "cannot kill S2's charon"
lab_wait_for 20 rim_lab_ike_gone M1 s2 ||
	lab_fail "DPD did not remove s2 within 20 s"
t_dpd=$(($(rim_lab_now_ms) - t0))
lab_ok "DPD: killed S2 detected by M1 after ${t_dpd} ms"

# ---- a restarted charon brings the tunnel back
rim_lab_charon_start S2 || lab_fail "cannot restart S2's charon"
rim_lab_up S2 || lab_fail "S2 cannot initiate after restart"
lab_wait_for 10 rim_lab_ike_up M1 s2 || lab_fail "s2 not back"
lab_ok "restarted charon re-establishes the tunnel"

# ---- the center's charon dies: ipsec0 goes, and with it every route via
# ipsec0 in every table, without an RTM_DELROUTE (ip monitor is silent)
lab_route M1 add 10.12.0.0/16 dev ipsec0 table "$RIM_TABLE" \
	proto "$RIM_PROTO" metric "$prio" || lab_fail "cannot add the S2 route"
lab_daemon M1 monitor ip monitor route || lab_fail "no ip monitor"
mon=$LAB_PID
sleep 0.3 # let ip monitor subscribe before the kill
rim_lab_charon_kill M1 || lab_fail "cannot kill M1's charon"
lab_wait_for 5 eval '! lab_exec M1 ip link show ipsec0' ||
	lab_fail "ipsec0 survived charon"
[ -z "$(lab_route M1 show table "$RIM_TABLE" proto "$RIM_PROTO")" ] ||
	lab_fail "route via ipsec0 survived: $(lab_route M1 show table "$RIM_TABLE")"
kill "$mon"
wait "$mon" 2>/dev/null
if grep -q "^Deleted 10.12.0.0/16" "$LAB_RUN/logs/M1-monitor.log"; then
	note="with an RTM_DELROUTE"
else
	note="silently (no RTM_DELROUTE)"
fi
rim_lab_charon_start M1 || lab_fail "cannot restart M1's charon"
lab_wait_for 5 lab_exec M1 ip link show ipsec0 || lab_fail "no new ipsec0"
lab_ok "M1's charon killed: ipsec0 and the routes via it vanish $note"

lab_pass "up ${t_up} ms, rekey ${t_rekey} ms, terminate ${t_term} ms, DPD ${t_dpd} ms"
