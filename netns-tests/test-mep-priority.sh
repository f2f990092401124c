#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-mep-priority.sh: the manual's priority-list figure end
# to end (issue 11, item 7), on the MEP lab (lib/mep-lab.sh): centers M1,
# M2, M3, R1 with H1, satellites S1 (default rule M1, M2, M3; swanctl
# connections to every center) and S2 (exception M2, M3; connections to
# M2 and M3 only), ripd-mep on every gateway from one community text
# (priority-list, tracking log, return-path rim).
#
# SKELETON: this covers what works without the satellite steering code
# (issue 11, items 1-5): the satellites resolve their entry points (the
# tracking lines), the tunnel S1 -> M1 is brought up BY HAND, M1 injects
# S1's domain (RIM), R1 follows over OSPF and a ping every 10 ms between
# HS1 and H1 is answered; then the tunnel is moved to M2 by hand (down to
# M1, up to M2) and R1 follows; back on M1, M1's internet link is cut and
# S1 moved to M2 by hand: R1 follows once M1's DPD withdraws (timed). The
# failover steps of the issue (M1's link
# down, charon killed, mep drain: S1 moves by itself, within the probe
# dead time, DPD at 30 s) come with the steering code.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"
# shellcheck source-path=SCRIPTDIR source=lib/frr-lab.sh
. "$(dirname "$0")/lib/frr-lab.sh"
# shellcheck source-path=SCRIPTDIR source=lib/mep-lab.sh
. "$(dirname "$0")/lib/mep-lab.sh"

: "${RIPD_MEP_BUILD:?}"
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang

MEP_LAB_CENTERS="M1 M2 M3"
MEP_LAB_SATS="S1 S2"
MEP_LAB_CONNS[S2]="M2 M3"
MEP_LAB_SAT_RIPD=1
MEP_LAB_COMMUNITY="mep entry-point priority-list
mep priority default primary M1 secondary M2 tertiary M3
mep priority satellite S2 primary M2 secondary M3
mep tracking log
return-path rim"
S1NET=$(mep_lab_domain S1)
HS1=$(mep_lab_host S1)
MANUAL='Resolved peer for tunnel from'
LOSSES=
TIMES=

lab_init mep-priority

# ---- helpers (for lab_check and lab_wait_for)
logged() { grep -qF -- "$2" "$(mep_lab_log "$1")"; }
why_r1() { mep_lab_r1_nexthops "$S1NET"; echo "   R1 route for $S1NET: $MEP_NH" >&2; }
# injected CENTER: CENTER's zebra holds S1's domain as ripd-mep's nhrp
# route with the rim block's tag
injected()
{
	lab_vtysh "$1" -c "show ip route $S1NET json" |
		jq -e -n --arg p "$S1NET" --argjson t "$FRR_TAG" \
		'[input | .[$p][]? | select(.protocol == "nhrp" and .tag == $t)] |
		 length > 0' >/dev/null
}
not_injected() { ! injected "$1"; }
answered_past() { [ "$(lab_ping_answered)" -ge "$1" ]; }
# ping_runs LABEL: the 10 ms ping HS1 -> H1 gets 50 more replies
ping_runs()
{
	local n
	n=$(lab_ping_answered)
	lab_check "$1: the 10 ms ping HS1 -> H1 is answered" \
		lab_wait_for 5 answered_past $((n + 50))
}

step_setup()
{
	mep_lab_up_all
	lab_check "tracking line: S1 on M1, word for word" \
		lab_wait_for 10 logged S1 "$MANUAL S1 to the MEP that contains M1, M2, and M3, is: M1 (Primary Security Gateway, responding)."
	lab_check "tracking line: S2 on M2, word for word" \
		lab_wait_for 10 logged S2 "$MANUAL S2 to the MEP that contains M1, M2, and M3, is: M2 (Primary Security Gateway, responding)."
}

# ---- the tunnel to M1 by hand: RIM on M1, R1 follows, pings flow
step_m1()
{
	mep_lab_up S1 M1 || lab_fail "S1 cannot bring its tunnel to M1 up"
	lab_check "M1 has S1's CHILD_SA" lab_wait_for 10 mep_lab_child_up M1 S1
	lab_check "M1 injects $S1NET (nhrp, tag $FRR_TAG)" \
		lab_wait_for 5 injected M1
	lab_check "R1 routes $S1NET over OSPF to M1 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M1" || why_r1
	lab_ping_start ping-m1 HS1 "$MEP_H1" 10 || lab_fail "no ping"
	ping_runs "M1"
	lab_ping_stop || lab_fail "no ping result"
	LOSSES+=" m1=$LAB_PING_LOSS/$LAB_PING_SENT"
	lab_check "M1: no ping lost ($LAB_PING_LOSS/$LAB_PING_SENT)" \
		[ "$LAB_PING_LOSS" -le 1 ]
}

# ---- moved to M2 by hand (what steering will do): R1 follows
step_move_m2()
{
	lab_ping_start ping-move HS1 "$MEP_H1" 10 || lab_fail "no ping"
	lab_wait_for 3 answered_past 10 || lab_fail "no reply before the move"
	mep_lab_down S1 M1 || lab_fail "S1 cannot terminate its tunnel to M1"
	mep_lab_up S1 M2 || lab_fail "S1 cannot bring its tunnel to M2 up"
	lab_check "move: M2 injects $S1NET" lab_wait_for 5 injected M2
	lab_check "move: M1 withdrew $S1NET" lab_wait_for 5 not_injected M1
	lab_check "move: R1 routes $S1NET over OSPF to M2 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M2" || why_r1
	ping_runs "move"
	lab_ping_stop || lab_fail "no ping result"
	LOSSES+=" move=$LAB_PING_LOSS/$LAB_PING_SENT(${LAB_PING_LOSS_MS}ms)"
	lab_ok "move by hand: $LAB_PING_LOSS of $LAB_PING_SENT pings lost (${LAB_PING_LOSS_MS} ms)"
	lab_check "H1 -> HS1 answered through M2" mep_lab_ping H1 "$HS1"
}

# ---- back on M1, then M1 loses its internet link: S1 moves to M2 by
# hand at once (what steering will do on the probe verdict); without
# probe-driven withdrawal (issue 11 item 5) M1 keeps injecting until its
# DPD fires, so R1 may keep M1 as a second next hop meanwhile: measured
step_m1_link_down()
{
	local t0
	if ! mep_lab_down S1 M2 || ! mep_lab_up S1 M1; then
		lab_fail "S1 cannot move back to M1"
	fi
	lab_check "back: R1 routes $S1NET to M1 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M1" || why_r1
	lab_ping_start ping-link HS1 "$MEP_H1" 10 || lab_fail "no ping"
	lab_wait_for 3 answered_past 10 || lab_fail "no reply before the cut"
	mep_lab_inet_down M1 || lab_fail "cannot cut M1's internet link"
	t0=$(lab_now_ms)
	lab_swanctl S1 --terminate --ike m1 --force \
		>>"$LAB_RUN/logs/S1-terminate.log" 2>&1
	mep_lab_up S1 M2 || lab_fail "S1 cannot bring its tunnel to M2 up"
	lab_check "link down: M2 injects $S1NET" lab_wait_for 5 injected M2
	lab_check "link down: M1 withdraws $S1NET after its DPD" \
		lab_wait_for 15 not_injected M1
	lab_check "link down: R1 routes $S1NET to M2 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M2" || why_r1
	TIMES+=" r1-on-m2-only=$(($(lab_now_ms) - t0))ms"
	ping_runs "link down"
	lab_ping_stop || lab_fail "no ping result"
	LOSSES+=" link-down=$LAB_PING_LOSS/$LAB_PING_SENT(${LAB_PING_LOSS_MS}ms)"
	mep_lab_inet_up M1 || lab_fail "cannot restore M1's internet link"
}

step_setup
step_m1
step_move_m2
step_m1_link_down
echo "timings:$TIMES"
echo "ping losses (lost/sent, 10 ms interval):$LOSSES"
lab_checks_done
lab_pass "priority-list skeleton: tracking, RIM on the entry point by hand, R1 follows"
