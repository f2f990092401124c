#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-mep-priority.sh: the manual's priority-list figure end
# to end (issue 11, item 7), on the MEP lab (lib/mep-lab.sh): centers M1,
# M2, M3 (charon, zebra + ospfd, ripd-mep with the zebra backend), R1 with
# H1 (OSPF), satellites S1 (default rule M1, M2, M3) and S2 (exception M2,
# M3, never M1) with hosts HS1 and HS2. Every gateway's ripd-mep.conf is
# the one community text (priority-list, permanent-tunnels, tracking log,
# return-path rim, probes 100 ms x 3); the satellites steer (child-sa):
# their swanctl.conf is `show mep swanctl` plus the lab's secrets. The
# centers' DPD is 30 s: every move below happens without it.
#
# Pings every 10 ms HS1 -> H1 and H1 -> HS1 run through each change (the
# outage: lost pings x 10 ms, each direction, printed as FIGURE lines);
# after each move 16 flows (16 source addresses on HS1, each pinging H1
# once) must all get replies: R1 keeps no stale next hop.
#
# Steps:
#  (a) start: S1's CHILD_SA on M1 only, M1 injects S1's domain, R1 routes
#      it via M1 only; S2's CHILD_SA on M2 only.
#  (b) M1's internet link down: S1 moves to M2 by itself, M2 injects, M1
#      withdraws (S1's probes stopped: "satellite silent") within the probe
#      dead time + margin, R1 drops M1 as a next hop; M1 back: S1 returns.
#  (c) charon on M1 killed: M1's ripd-mep loses its engine, its probe
#      replies carry the drain flag at once: S1 moves to M2 (tens of ms);
#      M1 holds its routes for the grace period (10 s), then withdraws;
#      charon restarted: S1 returns.
#  (d) mep drain on M1: S1 moves to M2 with no outage (make-before-break;
#      at most one 10 ms ping when the old CHILD_SA goes, see no_outage);
#      no mep drain: back, likewise.
#  (e) M2 and M3 cut: S2's entry point is none and it says so; never a
#      CHILD_SA to M1.
# Tracking and steering lines asserted word for word (SA ids excepted).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/mep-lab.sh
. "$(dirname "$0")/lib/mep-lab.sh"

INTERVAL=100	# ms
DEAD=3
DEAD_MS=$((INTERVAL * DEAD))
# margins over the dead time: M1's withdrawal (one interval of the
# silence timer + zebra), R1's OSPF (LSA flood + SPF)
WITHDRAW_MS=$((DEAD_MS + INTERVAL + 400))
R1_MS=$((DEAD_MS + 1500))
FLOWS=16
MEP_LAB_CENTERS="M1 M2 M3"
MEP_LAB_SATS="S1 S2"
MEP_LAB_SAT_STEER=1
MEP_LAB_DPD_CENTER=30s
MEP_LAB_PROBE="probe interval $INTERVAL dead-count $DEAD key mep-lab-probe-key-0123"
MEP_LAB_COMMUNITY="mep entry-point priority-list
mep priority default primary M1 secondary M2 tertiary M3
mep priority satellite S2 primary M2 secondary M3
mep tracking log
return-path rim"
S1NET=$(mep_lab_domain S1)
HS1=$(mep_lab_host S1)
DEST=$MEP_DOMAIN
CHILD=net-10-1-0-0_16
MANUAL='Resolved peer for tunnel from'
ALL='to the MEP that contains M1, M2, and M3, is:'
FIGURES=

lab_init mep-priority

# ---- helpers (for lab_check and lab_wait_for)
# secs MS: MS as lab_wait_for's seconds (tenths, rounded up)
secs() { local t=$((($1 + 99) / 100)); echo "$((t / 10)).$((t % 10))"; }
logged() { grep -qF -- "$2" "$(mep_lab_log "$1")"; }
logged_re() { grep -Eq -- "$2" "$(mep_lab_log "$1")"; }
# logged_after NODE FROM TEXT: NODE logged TEXT after line FROM
logged_after() { tail -n +"$2" "$(mep_lab_log "$1")" | grep -qF -- "$3"; }
lines() { echo $(($(wc -l <"$(mep_lab_log "$1")") + 1)); }
why_r1() { mep_lab_r1_nexthops "$S1NET"; echo "   R1 route for $S1NET: $MEP_NH" >&2; }
figure() { echo "FIGURE: $*"; FIGURES+="
  $*"; }
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
# child_on SAT CENTER: SAT has an INSTALLED CHILD_SA CHILD to CENTER;
# no_child_on: none at all (any state)
child_on()
{
	lab_swanctl "$1" --list-sas --ike "${2,,}" 2>/dev/null |
		grep -Eq "^ +$CHILD: #[0-9]+, reqid [0-9]+, INSTALLED"
}
no_child_on()
{
	local out
	out=$(lab_swanctl "$1" --list-sas --ike "${2,,}" 2>/dev/null) || return 1
	! grep -Eq "^ +$CHILD: #" <<<"$out"
}
# only_on SAT CENTER: SAT's child to CENTER and to no other center
only_on()
{
	local c
	child_on "$1" "$2" || return 1
	for c in $MEP_LAB_CENTERS; do
		[ "$c" = "$2" ] || no_child_on "$1" "$c" || return 1
	done
}
# ep SAT JQ: JQ of SAT's entry point for the MEP domain (show mep
# entry-points json)
ep()
{
	mep_lab_show "$1" 'show mep entry-points json' | jq -r --arg d "$DEST" \
		"[.\"ripd-mep:mep-state\".\"entry-point\"[]? |
		  select(.destination == \$d)][0] | $2"
}
steer_up_via()
{
	[ "$(ep "$1" '."steering-state"')" = up ] &&
		ep "$1" '."steering-via"' |
		grep -Eq "^CHILD_SA ${2,,}/$CHILD #[0-9]+/#[0-9]+\$"
}
# flow K: one ping from HS1's K-th source address to H1
flow() { mep_lab_ping HS1 "$MEP_H1" "$(mep_lab_host S1 "$1")"; }
# all_flows: the FLOWS flows at once, each answered
all_flows()
{
	local k pids=() bad=0
	for ((k = 0; k < FLOWS; k++)); do
		flow "$k" &
		pids+=($!)
	done
	for k in "${pids[@]}"; do
		wait "$k" || bad=$((bad + 1))
	done
	[ "$bad" = 0 ] || echo "   $bad of $FLOWS flows got no reply" >&2
	[ "$bad" = 0 ]
}
answered_past() { [ "$(lab_ping_answered "$1")" -ge "$2" ]; }
# pings_start LABEL: a ping every 10 ms HS1 -> H1 (LABEL-out) and H1 ->
# HS1 (LABEL-in); both answered before anything changes
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
# gaps NAME: the requests of ping NAME before its last reply that got
# none (a request still in flight when the ping is stopped is no loss)
gaps()
{
	sed -nE 's/.*icmp_seq=([0-9]+) .*/\1/p' "${LAB_PING_LOGS[$1]}" |
		sort -un | awk '{ n++; m = $1 } END { print m - n }'
}
# pings_stop LABEL: once both got 30 more replies, stop them; the outage
# of each direction in OUT_MS/IN_MS, a FIGURE line
pings_stop()
{
	local d n
	for d in out in; do
		n=$(lab_ping_answered "$1-$d")
		lab_check "$1: the 10 ms ping ($d) is answered again" \
			lab_wait_for 5 answered_past "$1-$d" $((n + 30))
	done
	lab_ping_stop "$1-out" || lab_fail "no ping result"
	OUT_MS=$(($(gaps "$1-out") * 10))
	lab_ping_stop "$1-in" || lab_fail "no ping result"
	IN_MS=$(($(gaps "$1-in") * 10))
	figure "$1: outage HS1->H1 ${OUT_MS} ms, H1->HS1 ${IN_MS} ms (lost pings x 10 ms)"
}
# r1_has_no_m1: R1 routes S1's domain, and not via M1
r1_has_no_m1() { mep_lab_r1_nexthops "$S1NET" && [ "$MEP_NH" != none ] &&
	[[ $MEP_NH != *M1* ]]; }

# moved_to_m2 WHAT: S1 on M2, M2 injects; r1_on_m2 WHAT: R1 via M2 only,
# every flow answered
moved_to_m2()
{
	local what=$1
	lab_check "$what: S1's CHILD_SA on M2 only" lab_wait_for 10 only_on S1 M2
	lab_check "$what: steering-state up via m2 (json)" \
		lab_wait_for 5 steer_up_via S1 M2
	lab_check "$what: M2 injects $S1NET" lab_wait_for 5 injected M2
}
r1_on_m2()
{
	lab_check "$1: R1 routes $S1NET via M2 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M2" || why_r1
	lab_check "$1: all $FLOWS flows from HS1 answered" all_flows
}

back_to_m1()
{
	local what=$1
	lab_check "$what: S1's CHILD_SA on M1 only" lab_wait_for 15 only_on S1 M1
	lab_check "$what: steering-state up via m1 (json)" \
		lab_wait_for 5 steer_up_via S1 M1
	lab_check "$what: M1 injects $S1NET" lab_wait_for 5 injected M1
	lab_check "$what: M2 withdrew $S1NET" lab_wait_for 5 not_injected M2
	lab_check "$what: R1 routes $S1NET via M1 only" \
		lab_wait_for 10 mep_lab_r1_is "$S1NET" "ospf M1" || why_r1
	lab_check "$what: all $FLOWS flows from HS1 answered" all_flows
}

# ---- steps
step_setup()
{
	mep_lab_up_all
	mep_lab_sources S1 "$FLOWS" || lab_fail "HS1's source addresses"
	lab_check "S1's swanctl.conf is show mep swanctl: connection m1, child $CHILD" \
		eval "grep -q '^	m1 {' <<<\"\${MEP_LAB_SWANCTL[S1]}\" &&
			grep -q '^			$CHILD {' <<<\"\${MEP_LAB_SWANCTL[S1]}\""
}

# (a)
step_start()
{
	lab_check "tracking line: S1 on M1, word for word" \
		lab_wait_for 10 logged S1 "$MANUAL S1 $ALL M1 (Primary Security Gateway, responding)."
	lab_check "tracking line: S2 on M2, word for word" \
		lab_wait_for 10 logged S2 "$MANUAL S2 $ALL M2 (Primary Security Gateway, responding)."
	lab_check "start: S1's CHILD_SA on M1 only" lab_wait_for 15 only_on S1 M1
	lab_check "start: S2's CHILD_SA on M2 only" lab_wait_for 15 only_on S2 M2
	lab_check "start: S1 steering-state up via m1 (json)" \
		lab_wait_for 5 steer_up_via S1 M1
	lab_check "start: S2 steering-state up via m2 (json)" \
		lab_wait_for 5 steer_up_via S2 M2
	lab_check "steering line: S1 up via m1, word for word" \
		logged_re S1 "steering $DEST: up via CHILD_SA m1/$CHILD #[0-9]+/#[0-9]+ to M1\$"
	lab_check "start: M1 injects $S1NET" lab_wait_for 10 injected M1
	lab_check "start: M2 and M3 do not" eval "not_injected M2 && not_injected M3"
	lab_check "start: R1 routes $S1NET via M1 only" \
		lab_wait_for 15 mep_lab_r1_is "$S1NET" "ospf M1" || why_r1
	lab_check "start: all $FLOWS flows from HS1 answered" all_flows
	# the IKE_SAs to the other centers stay up (permanent-tunnels)
	lab_check "start: S1's IKE_SAs to M2 and M3 up (childless)" \
		lab_wait_for 10 eval "lab_swanctl S1 --list-sas --ike m2 | grep -q '^m2: #[0-9]*, ESTABLISHED' &&
			lab_swanctl S1 --list-sas --ike m3 | grep -q '^m3: #[0-9]*, ESTABLISHED'"
}

# (b)
step_link_down()
{
	local t0 f1 fs t
	f1=$(lines M1) fs=$(lines S1)
	pings_start link
	t0=$(lab_now_ms)
	mep_lab_inet_down M1 || lab_fail "cannot cut M1's internet link"
	lab_check "link down: M1 withdraws $S1NET within $WITHDRAW_MS ms" \
		lab_wait_for "$(secs "$WITHDRAW_MS")" not_injected M1
	t=$(lab_log_ms "$(mep_lab_log M1)" "$f1" "probe: satellite S1 silent") &&
		figure "link down: M1 withdrew S1's route $((t - t0)) ms after the cut (its log; dead time $DEAD_MS ms)"
	lab_check "link down: M1 says satellite S1 silent, word for word" \
		logged_after M1 "$f1" "probe: satellite S1 silent (no valid probe for $DEAD_MS ms): its RIM routes are withdrawn"
	lab_check "link down: R1 has no next hop via M1 within $R1_MS ms" \
		lab_wait_for "$(secs "$R1_MS")" r1_has_no_m1 ||
		why_r1
	t=$(($(lab_now_ms) - t0))
	figure "link down: R1 without M1 ${t} ms after the cut"
	moved_to_m2 "link down"
	r1_on_m2 "link down"
	lab_check "link down: tracking line, word for word" \
		logged_after S1 "$fs" "$MANUAL S1 $ALL M2 (Secondary Security Gateway, responding). Reason: gateway M1: down by probe (3 probes lost)."
	lab_check "link down: steering line: initiate on M2, word for word" \
		logged_after S1 "$fs" "steering $DEST: initiate m2/$CHILD on M2 (entry point M2)"
	lab_check "link down: no DPD: M1 still holds its IKE_SA with S1" \
		eval "lab_swanctl M1 --list-sas --ike s1 | grep -q '^s1: #[0-9]*, ESTABLISHED'"
	pings_stop link
	# M1 back: new tunnels return to M1 (priority-list)
	fs=$(lines S1)
	pings_start link-back
	mep_lab_inet_up M1 || lab_fail "cannot restore M1's internet link"
	back_to_m1 "M1 back"
	lab_check "M1 back: tracking line, word for word" \
		logged_after S1 "$fs" "$MANUAL S1 $ALL M1 (Primary Security Gateway, responding). Reason: gateway M1: up by probe."
	pings_stop link-back
}

# (c) M1's ripd-mep loses its engine: its probe replies carry the drain
# flag at once (S1 moves), its routes are held for the grace period
# (10 s), then withdrawn
step_charon_killed()
{
	local t0 fs f1 t
	fs=$(lines S1) f1=$(lines M1)
	pings_start charon
	t0=$(lab_now_ms)
	rim_lab_charon_kill M1 || lab_fail "cannot kill M1's charon"
	moved_to_m2 "charon killed"
	lab_check "charon killed: M1 says its replies carry the drain flag, word for word" \
		logged_after M1 "$f1" "ipsec: strongSwan lost: probe replies carry the drain flag until it is back"
	lab_check "charon killed: tracking line, word for word" \
		logged_after S1 "$fs" "$MANUAL S1 $ALL M2 (Secondary Security Gateway, responding). Reason: gateway M1: draining."
	t=$(lab_log_ms "$(mep_lab_log S1)" "$fs" "steering $DEST: up via CHILD_SA m2/") &&
		figure "charon killed: S1's CHILD_SA on M2 $((t - t0)) ms after the kill"
	lab_check "charon killed: M1's route for $S1NET withdrawn after the grace period" \
		lab_wait_for 15 not_injected M1
	t=$(lab_log_ms "$(mep_lab_log M1)" "$f1" "withdrawing the routes of its tunnels") &&
		figure "charon killed: M1 withdrew S1's route $((t - t0)) ms after the kill (grace 10 s)"
	r1_on_m2 "charon killed"
	pings_stop charon
	fs=$(lines S1)
	pings_start charon-back
	mep_lab_charon_start M1 || lab_fail "cannot restart M1's charon"
	back_to_m1 "charon restarted"
	lab_check "charon restarted: tracking line, word for word" \
		logged_after S1 "$fs" "$MANUAL S1 $ALL M1 (Primary Security Gateway, responding). Reason: gateway M1: drain ended."
	pings_stop charon-back
}

# no_outage WHAT: make-before-break: at most one 10 ms ping lost each
# way. The new CHILD_SA carries before the old one goes (overlap 2 s),
# but R1 has both centers as ECMP next hops meanwhile; when the old
# CHILD_SA goes, the old center drops what R1 still hashes to it until
# its ripd-mep has withdrawn the route there (zebra then falls back to
# OSPF's route via the new center): 10-30 ms, seen in about half the
# moves, never more than one ping.
no_outage()
{
	lab_check "$1: no outage (make-before-break; at most 1 ping), HS1 -> H1" \
		[ "$OUT_MS" -le 10 ]
	lab_check "$1: no outage (at most 1 ping), H1 -> HS1" [ "$IN_MS" -le 10 ]
}

# (d)
step_drain()
{
	local fs
	fs=$(lines S1)
	pings_start drain
	mep_lab_show M1 'mep drain' >/dev/null || lab_fail "mep drain on M1"
	moved_to_m2 "drain"
	r1_on_m2 "drain"
	lab_check "drain: tracking line, word for word" \
		logged_after S1 "$fs" "$MANUAL S1 $ALL M2 (Secondary Security Gateway, responding). Reason: gateway M1: draining."
	lab_check "drain: steering line: terminate on M1 after M2's is installed" \
		eval "tail -n +$fs '$(mep_lab_log S1)' | grep -Eq 'steering $DEST: terminate CHILD_SA m1/$CHILD #[0-9]+/#[0-9]+ to M1: moved to M2 \\(CHILD_SA #[0-9]+/#[0-9]+ installed\\)\$'"
	pings_stop drain
	no_outage drain
	fs=$(lines S1)
	pings_start undrain
	mep_lab_show M1 'no mep drain' >/dev/null || lab_fail "no mep drain on M1"
	back_to_m1 "no mep drain"
	lab_check "no mep drain: tracking line, word for word" \
		logged_after S1 "$fs" "$MANUAL S1 $ALL M1 (Primary Security Gateway, responding)."
	pings_stop undrain
	no_outage "no mep drain"
}

# (e)
step_s2_never_m1()
{
	local fs
	fs=$(lines S2)
	mep_lab_inet_down M2 && mep_lab_inet_down M3 ||
		lab_fail "cannot cut M2's and M3's links"
	lab_check "M2, M3 gone: S2's entry point is none (json)" \
		lab_wait_for 5 eval "[ \"\$(ep S2 '.gateway // \"none\"')\" = none ]"
	lab_check "M2, M3 gone: S2's tracking line says none, word for word" \
		lab_wait_for 3 logged_after S2 "$fs" "$MANUAL S2 $ALL none (no Security Gateway responding)."
	lab_check "M2, M3 gone: S2's steering-state says no center serves it" \
		lab_wait_for 5 eval "ep S2 '.\"steering-state\"' | grep -q '^failed: no center serves it'"
	lab_check "M2, M3 gone: S2 never brings a CHILD_SA up to M1 (5 s)" \
		lab_holds 5 no_child_on S2 M1
	lab_check "M2, M3 gone: S1 stays on M1" only_on S1 M1
	mep_lab_inet_up M2 && mep_lab_inet_up M3 ||
		lab_fail "cannot restore M2's and M3's links"
	lab_check "M2 back: S2's CHILD_SA on M2 only" lab_wait_for 15 only_on S2 M2
}

step_setup
step_start
step_link_down
step_charon_killed
step_drain
step_s2_never_m1
echo "figures:$FIGURES"
lab_checks_done
lab_pass "priority-list end to end: S1 follows its entry point (link down, charon killed, drain), RIM and R1 follow, S2 never on M1"
