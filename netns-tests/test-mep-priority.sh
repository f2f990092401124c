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
# S1's domain (RIM), R1 follows over OSPF and pings every 10 ms from HS1
# to H1 and from H1 to HS1 are answered; then the tunnel is moved to M2 by hand (down to
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
# answered_past NAME N: ping NAME has N replies
answered_past() { [ "$(lab_ping_answered "$1")" -ge "$2" ]; }
# pings_start LABEL: a ping every 10 ms HS1 -> H1 (LABEL-out) and H1 ->
# HS1 (LABEL-in); both must be answered before anything changes
pings_start()
{
	if ! lab_ping_start "$1-out" HS1 "$MEP_H1" 10 ||
		! lab_ping_start "$1-in" H1 "$HS1" 10; then
		lab_fail "no ping"
	fi
	if ! lab_wait_for 3 answered_past "$1-out" 10 ||
		! lab_wait_for 3 answered_past "$1-in" 10; then
		lab_fail "$1: no reply before the change"
	fi
}
# pings_run LABEL: both pings get 50 more replies
pings_run()
{
	local d n
	for d in out in; do
		n=$(lab_ping_answered "$1-$d")
		lab_check "$1: the 10 ms ping ($d) is answered" \
			lab_wait_for 5 answered_past "$1-$d" $((n + 50))
	done
}
# pings_stop LABEL: stop both, losses to LOSSES; LOST: the larger loss
LOST=
pings_stop()
{
	local d
	LOST=0
	for d in out in; do
		lab_ping_stop "$1-$d" || lab_fail "no ping result"
		LOSSES+=" $1-$d=$LAB_PING_LOSS/$LAB_PING_SENT(${LAB_PING_LOSS_MS}ms)"
		[ "$LAB_PING_LOSS" -gt "$LOST" ] && LOST=$LAB_PING_LOSS
	done
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
	pings_start m1
	pings_run m1
	pings_stop m1
	lab_check "M1: no ping lost (at most 1 each way)" [ "$LOST" -le 1 ]
}

# ---- moved to M2 by hand (what steering will do): R1 follows
step_move_m2()
{
	pings_start move
	mep_lab_down S1 M1 || lab_fail "S1 cannot terminate its tunnel to M1"
	mep_lab_up S1 M2 || lab_fail "S1 cannot bring its tunnel to M2 up"
	lab_check "move: M2 injects $S1NET" lab_wait_for 5 injected M2
	lab_check "move: M1 withdrew $S1NET" lab_wait_for 5 not_injected M1
	lab_check "move: R1 routes $S1NET over OSPF to M2 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M2" || why_r1
	pings_run move
	pings_stop move
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
	pings_start link
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
	pings_run link
	pings_stop link
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
