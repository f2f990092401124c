#!/usr/bin/env bash
# shellcheck disable=SC2317 # step functions and helpers are called by name
# netns-tests/test-probe.sh: probing live (issue 10). Three centers M1 M2
# M3 and two satellites S1 S2, each running ripd-mep (no charon), on one
# bridge in a hub namespace ("the internet"). One explicit MEP community,
# priority-list (S1: M1, M2, M3; S2: M2, M3), tracking log, probe
# interval 100 dead-count 3. Steps: every center up by probe on both
# satellites; M1's link down -> S1's verdict of M1 down within interval x
# dead-count + 1 interval (measured from the daemon's log, printed; a
# generous bound asserted) and S1 moves to M2 with the tracking line; M1
# back -> up again, S1 back on M1; a new probe key (centers first) and
# interval while probing -> no false down; `mep drain` on M2 -> S2 moves to M3
# with the reason, drain shown on both sides; `no mep drain` -> back.
# Tracking lines are asserted word for word.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/center-lab.sh
. "$(dirname "$0")/lib/center-lab.sh"
lab_init probe

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
INTERVAL=100
DEAD=3
BOUND_MS=1500	# generous: the spec's figure is (DEAD + 1) x INTERVAL

# ---- helpers (for lab_check and lab_wait_for)
# mepsh GW ARGS...: the shell of gateway GW.
mepsh() { local g=$1; shift; "$RIPD_MEP_BUILD/mepsh" -S "$LAB_RUN/${g,,}/ripd-mep.vty" "$@"; }
# state GW WHAT JQ: jq JQ of GW's show mep WHAT json state.
state() { mepsh "$1" -c "show mep $2 json" | jq -r ".\"ripd-mep:mep-state\"$3"; }
# verdict GW OF: GW's liveness of gateway OF.
verdict() { state "$1" gateways ".gateway[] | select(.name == \"$2\") | .liveness"; }
gw_leaf() { state "$1" gateways ".gateway[] | select(.name == \"$2\") | .\"$3\""; }
verdict_is() { [ "$(verdict "$1" "$2")" = "$3" ]; }
# choice GW: the entry point of GW's first destination (one choice per
# community for priority-list).
choice() { state "$1" entry-points '."entry-point"[0].gateway'; }
choice_is() { [ "$(choice "$1")" = "$2" ]; }
log_of() { echo "$LAB_RUN/logs/${1,,}-ripd-mep.log"; }
# logged GW LINE: the daemon of GW logged LINE (fixed string, whole text
# after the log prefix).
logged() { grep -qF -- "RIPD-MEP: $2" "$(log_of "$1")"; }
logged_after() { tail -n +"$2" "$(log_of "$1")" | grep -qF -- "RIPD-MEP: $3"; }
lines_of() { wc -l <"$(log_of "$1")"; }

all_up_on() { verdict_is "$1" M1 up && verdict_is "$1" M2 up && verdict_is "$1" M3 up; }
both_all_up() { all_up_on S1 && all_up_on S2; }
# reconf GW INTERVAL KEY: a vty commit of the probe line on GW.
reconf()
{
	mepsh "$1" -c 'configure terminal' -c 'mep' \
		-c "probe interval $2 dead-count $DEAD key $3" -c 'end' >/dev/null &&
		[ "$(state "$1" '' '."config-loaded"')" != never ]
}

MANUAL='Resolved peer for tunnel from'

step_all_up()
{
	local g s
	for s in S1 S2; do
		for g in M1 M2 M3; do
			lab_check "$s: $g up by probe" lab_wait_for 5 verdict_is "$s" "$g" up
			lab_check "$s: $g's verdict source is the probe" \
				[ "$(gw_leaf "$s" "$g" verdict-source)" = probe ]
		done
	done
	lab_check "S1 chose M1 (its primary)" lab_wait_for 3 choice_is S1 M1
	lab_check "S2 chose M2 (its primary)" lab_wait_for 3 choice_is S2 M2
	lab_check "tracking line: S1 on M1, word for word" \
		logged S1 "$MANUAL S1 to the MEP that contains M1, M2, and M3, is: M1 (Primary Security Gateway, responding)."
	lab_check "tracking line: S2 on M2, word for word" \
		logged S2 "$MANUAL S2 to the MEP that contains M1, M2, and M3, is: M2 (Primary Security Gateway, responding)."
	lab_check "S1 has a smoothed RTT for M1" \
		[ -n "$(gw_leaf S1 M1 srtt-us | grep -E '^[0-9]+$')" ]
	lab_check "show mep probes json on S1: M1 sent and answered" \
		[ "$(state S1 probes '."probe-peer"[] | select(.name == "M1") | (.sent | tonumber) > 0 and (.answered | tonumber) > 0')" = true ]
	lab_check "show mep probes json on M1: S1 and S2 heard" \
		[ "$(state M1 probes '."probe-peer" | map(select(.role == "satellite" and ."last-heard" != "never")) | length')" = 2 ]
	lab_check "show mep probes (text) on M1 names S2" \
		sh -c "'$RIPD_MEP_BUILD/mepsh' -S '$LAB_RUN/m1/ripd-mep.vty' -c 'show mep probes' | grep -q '^S2 .*satellite'"
}

step_m1_down()
{
	local from t0 t1 dt
	from=$(($(lines_of S1) + 1))
	t0=$(lab_now_ms)
	ip -n "$(lab_nsname m1)" link set "${CENTER_LAB_IF[M1]}" down
	lab_check "S1: M1 down after its link went down" lab_wait_for 5 verdict_is S1 M1 down
	t1=$(lab_log_ms "$(log_of S1)" "$from" "gateway M1: down by probe") || t1=
	if [ -n "$t1" ]; then
		dt=$((t1 - t0))
		echo "   detection: ${dt} ms (interval ${INTERVAL} ms x dead-count ${DEAD} + 1 interval = $(((DEAD + 1) * INTERVAL)) ms)"
		lab_check "detected within ${BOUND_MS} ms (${dt} ms)" [ "$dt" -le "$BOUND_MS" ]
	else
		lab_check "S1 logged M1 down by probe" false
	fi
	lab_check "S1 moved to M2" lab_wait_for 3 choice_is S1 M2
	lab_check "tracking line: S1 on M2 with the reason, word for word" \
		logged_after S1 "$from" "$MANUAL S1 to the MEP that contains M1, M2, and M3, is: M2 (Secondary Security Gateway, responding). Reason: gateway M1: down by probe ($DEAD probes lost)."
	lab_check "S2: M1 down too" lab_wait_for 3 verdict_is S2 M1 down
	lab_check "S2 stays on M2 (M1 is in no rule of S2)" choice_is S2 M2
	lab_check "S1 counts the losses of M1" \
		[ "$(gw_leaf S1 M1 losses)" -ge "$DEAD" ]
}

step_m1_back()
{
	local from
	from=$(($(lines_of S1) + 1))
	ip -n "$(lab_nsname m1)" link set "${CENTER_LAB_IF[M1]}" up
	lab_check "S1: M1 up again" lab_wait_for 5 verdict_is S1 M1 up
	# S2 probes M1 on its own schedule: its "up" may come a little later,
	# and must not fall into the next step's quiet window
	lab_check "S2: M1 up again" lab_wait_for 5 verdict_is S2 M1 up
	lab_check "S1 back on M1" lab_wait_for 3 choice_is S1 M1
	lab_check "tracking line: S1 back on M1, word for word" \
		logged_after S1 "$from" "$MANUAL S1 to the MEP that contains M1, M2, and M3, is: M1 (Primary Security Gateway, responding). Reason: gateway M1: up by probe."
}

# A new key (centers first, as the README says) and a new interval on
# the satellites while probing: no false down.
step_reconfigure()
{
	local g from1 from2
	from1=$(($(lines_of S1) + 1))
	from2=$(($(lines_of S2) + 1))
	for g in M1 M2 M3; do
		lab_check "$g: new probe key committed" reconf "$g" "$INTERVAL" lab-probe-key-4567
	done
	for g in S1 S2; do
		lab_check "$g: new probe key and interval 150 committed" reconf "$g" 150 lab-probe-key-4567
	done
	lab_check "S1 runs the new key and interval" \
		sh -c "'$RIPD_MEP_BUILD/mepsh' -S '$LAB_RUN/s1/ripd-mep.vty' -c 'show running-config' | grep -q 'probe interval 150 .*key lab-probe-key-4567'"
	lab_check "every center stays up on both satellites for 2 s" lab_holds 2 both_all_up
	lab_check "S1 logged no verdict change" \
		sh -c "! tail -n +$from1 '$(log_of S1)' | grep -q 'by probe'"
	lab_check "S2 logged no verdict change" \
		sh -c "! tail -n +$from2 '$(log_of S2)' | grep -q 'by probe'"
	lab_check "S1 still on M1, S2 on M2" [ "$(choice S1) $(choice S2)" = "M1 M2" ]
	for g in S1 S2; do
		lab_check "$g: interval back to $INTERVAL" reconf "$g" "$INTERVAL" lab-probe-key-4567
	done
}

step_drain()
{
	local from
	from=$(($(lines_of S2) + 1))
	lab_check "mep drain on M2" mepsh M2 -c 'mep drain'
	lab_check "M2: show mep json says draining" \
		[ "$(state M2 '' .draining)" = true ]
	lab_check "M2: show mep gateways json: M2 (local) draining" \
		[ "$(gw_leaf M2 M2 draining)" = true ]
	lab_check "S2 sees M2 draining" lab_wait_for 3 sh -c \
		"[ \"\$('$RIPD_MEP_BUILD/mepsh' -S '$LAB_RUN/s2/ripd-mep.vty' -c 'show mep gateways json' | jq -r '.\"ripd-mep:mep-state\".gateway[] | select(.name == \"M2\") | .draining')\" = true ]"
	lab_check "S2 moved to M3" lab_wait_for 3 choice_is S2 M3
	lab_check "M2 still up on S2 (drain is not down)" verdict_is S2 M2 up
	lab_check "tracking line: S2 on M3 with the drain reason, word for word" \
		logged_after S2 "$from" "$MANUAL S2 to the MEP that contains M1, M2, and M3, is: M3 (Secondary Security Gateway, responding). Reason: gateway M2: draining."
	lab_check "show mep (text) on M2 says draining" \
		sh -c "'$RIPD_MEP_BUILD/mepsh' -S '$LAB_RUN/m2/ripd-mep.vty' -c 'show mep' | grep -q '^Draining: yes'"
	from=$(($(lines_of S2) + 1))
	lab_check "no mep drain on M2" mepsh M2 -c 'no mep drain'
	lab_check "S2 back on M2" lab_wait_for 3 choice_is S2 M2
	lab_check "tracking line: S2 back on M2, word for word" \
		logged_after S2 "$from" "$MANUAL S2 to the MEP that contains M1, M2, and M3, is: M2 (Primary Security Gateway, responding). Reason: gateway M2: drain ended."
}

step_no_false_down()
{
	# the whole run: nobody but M1 was ever down on S2's side by probe
	lab_check "S1 never saw M2 or M3 down" \
		sh -c "! grep -qE 'gateway M[23]: down by probe' '$(log_of S1)'"
	lab_check "every daemon alive" \
		sh -c "kill -0 ${CENTER_LAB_PID[*]}"
}

center_lab_build "$INTERVAL" "$DEAD"
step_all_up
step_m1_down
step_m1_back
step_reconfigure
step_drain
step_no_false_down
lab_checks_done
lab_pass "probing: verdicts, failover, drain"
