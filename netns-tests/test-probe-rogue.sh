#!/usr/bin/env bash
# shellcheck disable=SC2317 # step functions are called by name
# netns-tests/test-probe-rogue.sh: probing under attack, and
# first-to-respond over a near and a far center (lib/probe-lab.sh: S1
# satellite, M1 near center, M2 far center behind a 30 ms relay, RG the
# router where the rogue runs; ripd-mep on S1, M1, M2, no charon).
#
# 1. A rogue in RG sends M1 garbage, forged (right key id, random tag),
#    wrong-key, truncated, oversized, wrong-version and unknown-sender
#    probes, and replays of S1's own requests captured on their way to M1:
#    M1 counts each under exactly its cause in show mep probes json
#    (probe-totals.rejected) and answers none of them; a burst beyond the
#    per-source limit is counted as rate-limit. Meanwhile S1's verdict of
#    M1 never changes (up, same last-change, no loss) and M1 keeps
#    answering S1.
# 2. First-to-respond: S1 chose the near M1 and stays on it while the far
#    path's delay moves a little (30 -> 25 -> 35 -> 28 ms, each change
#    seen in M2's srtt-us): no tracking line is logged, the entry point
#    in show mep entry-points json stays M1.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/probe-lab.sh
. "$(dirname "$0")/lib/probe-lab.sh"
lab_init probe-rogue

for t in udp_delay probe_rogue; do
	[ -x "$(probe_lab_tool $t)" ] ||
		lab_fail "$(probe_lab_tool $t) not built (make in the build tree)"
done

PROBE_LAB_DELAY=30
probe_lab_up 100 3 || lab_fail "cannot build the probe lab"

M1_VERDICTS=0
TRACKING=0

# ---- helpers

# rejected_by NODE CAUSE BEFORE N: exactly N more rejections for CAUSE.
rejected_by()
{
	[ "$(probe_lab_rejected "$1" "$2")" -eq $(($3 + $4)) ]
}

# m1_verdicts: S1's verdict changes of M1 so far (its log lines "gateway
# M1: up|down by probe...", "draining"; last-change in show mep gateways
# also moves when the RTT handed to first-to-respond moves, so it is no
# measure of verdict changes).
m1_verdicts() { grep -c 'RIPD-MEP: gateway M1: ' "$(probe_lab_log s1)"; }

# s1_verdict_kept: S1 still judges M1 up, by probe, and has logged no
# verdict change of M1 since the start of the attack.
s1_verdict_kept()
{
	[ "$(probe_lab_gw s1 M1 liveness)" = up ] &&
		[ "$(probe_lab_gw s1 M1 verdict-source)" = probe ] &&
		[ "$(m1_verdicts)" -eq "$M1_VERDICTS" ]
}

tracking_count() { probe_lab_tracking s1 | wc -l; }

# srtt_between NODE GW LOW_MS HIGH_MS
srtt_between()
{
	local us
	us=$(probe_lab_gw "$1" "$2" srtt-us)
	[ -n "$us" ] && [ "$us" -ge $(($3 * 1000)) ] &&
		[ "$us" -le $(($4 * 1000)) ]
}

# ---- steps

step_converged()
{
	lab_wait_for 10 probe_lab_live s1 M1 up ||
		lab_fail "S1 never judged M1 up"
	lab_wait_for 10 probe_lab_live s1 M2 up ||
		lab_fail "S1 never judged M2 up"
	lab_check "S1 chose the near center M1" probe_lab_entry_is s1 M1
	lab_check "S1's tracking line names M1" grep -qF \
		"Resolved peer for tunnel from S1 to the MEP that contains M1 and M2, is: M1 (Equal Priority Security Gateway, responding)." \
		"$(probe_lab_log s1)"
	lab_wait_for 10 srtt_between s1 M2 56 70 ||
		lab_check "M2's srtt is the relay's 2 x 30 ms" false
	M1_VERDICTS=$(m1_verdicts)
	TRACKING=$(tracking_count)
	lab_ok "S1 judges M1 and M2 up, entry point M1, M2's srtt $(probe_lab_gw s1 M2 srtt-us) us"
}

# rogue_cause CAUSE COUNTER N [ARGS...]: N packets of CAUSE from RG at
# 40/s (below the per-source limit of 50/s): counted N times as COUNTER.
rogue_cause()
{
	local cause=$1 counter=$2 n=$3 before out
	shift 3
	before=$(probe_lab_rejected m1 "$counter")
	out=$(probe_lab_rogue --cause "$cause" --count "$n" --rate 40 "$@") ||
		lab_check "probe_rogue $cause ran" false
	lab_check "rogue sent $n $cause packets ($out)" \
		grep -q "sent=$n errors=0" <<<"$out"
	lab_check "M1 counts the $n $cause packets as $counter" \
		lab_wait_for 3 rejected_by m1 "$counter" "$before" "$n"
	lab_check "M1 answered none of them" grep -q "replies=0" <<<"$out"
}

step_rogue_causes()
{
	rogue_cause garbage version 20
	rogue_cause forged hmac 20
	rogue_cause wrong-key hmac 20
	rogue_cause truncated truncated 20 --len 100
	rogue_cause truncated truncated 5 --len 0
	rogue_cause oversized oversized 20 --len 189
	rogue_cause oversized oversized 5 --len 1400
	rogue_cause version version 20 --version 2
	rogue_cause unknown-sender unknown-sender 20 --sender ROGUE
	# a request for M1 claiming to come from M2 (not a satellite of M1)
	rogue_cause unknown-sender unknown-sender 5 --sender M2
}

# Replays: S1's requests to M1 captured in RG on their way (AF_PACKET on
# RG's veth to S1) and re-sent 300 ms later from RG: all refused as replay.
step_replay()
{
	local before out
	before=$(probe_lab_rejected m1 replay)
	out=$(probe_lab_rogue --cause replay --capture to-s1 \
		--capture-count 10 --replay-delay 300) ||
		lab_check "probe_rogue replay captured 10 requests" false
	lab_check "rogue replayed 10 captured requests ($out)" \
		grep -q "sent=10 errors=0 .* replies=0" <<<"$out"
	lab_check "M1 counts the 10 replays as replay" \
		lab_wait_for 3 rejected_by m1 replay "$before" 10
	# 10 more, re-sent 7 s later: 70 requests on at 100 ms, below the
	# 64-wide window by then ("too old")
	out=$(probe_lab_rogue --cause replay --capture to-s1 \
		--capture-count 10 --replay-delay 7000 --count 10)
	lab_check "M1 counts old replays (below the window) as replay" \
		lab_wait_for 3 rejected_by m1 replay "$before" 20
}

# A burst of 400 forged packets in 0.1 s (paced so that M1's socket
# buffer holds them all): the per-source bucket (burst 100, 50/s) refuses
# the rest as rate-limit before any HMAC is computed.
burst_counted()
{
	[ "$(($(probe_lab_rejected m1 rate-limit) - $1 +
		$(probe_lab_rejected m1 hmac) - $2))" -eq 400 ]
}

step_rate_limit()
{
	local rl hm out
	rl=$(probe_lab_rejected m1 rate-limit)
	hm=$(probe_lab_rejected m1 hmac)
	out=$(probe_lab_rogue --cause forged --count 400 --rate 4000)
	lab_check "burst: every packet counted once ($out)" \
		lab_wait_for 3 burst_counted "$rl" "$hm"
	# 100 + 50/s: even if the burst were spread over a whole second
	lab_check "a burst of 400 from one source: $(($(probe_lab_rejected m1 rate-limit) - rl)) rate-limited (>= 250)" \
		test "$(probe_lab_rejected m1 rate-limit)" -ge $((rl + 250))
	lab_check "at most the bucket's 100 (+ refill) reached the HMAC check" \
		test "$(probe_lab_rejected m1 hmac)" -le $((hm + 150))
}

step_verdict_kept()
{
	local heard
	lab_check "S1's verdict of M1 never changed ($(probe_lab_gw s1 M1 liveness) by $(probe_lab_gw s1 M1 verdict-source), $(m1_verdicts) verdict line(s); $(probe_lab_gw s1 M1 losses) probe(s) lost)" \
		s1_verdict_kept
	lab_check "S1 logged no tracking line during the attack" \
		test "$(tracking_count)" -eq "$TRACKING"
	heard=$(probe_lab_peer m1 S1 last-heard-ago-ms)
	lab_check "M1 still hears S1 (last ${heard} ms ago)" test "${heard:-99999}" -lt 1000
	lab_check "S1 refused no reply of M1 (never-sent)" \
		test "$(probe_lab_rejected s1 never-sent)" -eq 0
}

# set_delay MS: the far path's one-way delay; wait until S1's srtt of M2
# (2 x MS) shows it.
set_delay()
{
	probe_lab_delay "$1"
	lab_check "M2's srtt follows a $1 ms relay" \
		lab_wait_for 10 srtt_between s1 M2 $((2 * $1 - 4)) $((2 * $1 + 10))
	lab_check "entry point still M1 at $1 ms" probe_lab_entry_is s1 M1
}

step_first_to_respond_kept()
{
	local d
	TRACKING=$(tracking_count)
	for d in 25 35 28 30; do
		set_delay "$d"
	done
	lab_check "no tracking line for the small RTT changes" \
		test "$(tracking_count)" -eq "$TRACKING"
	lab_check "S1 judges M2 up throughout (no loss)" \
		test "$(probe_lab_gw s1 M2 losses)" -eq 0
	lab_check "entry point M1 in show mep entry-points json" \
		probe_lab_entry_is s1 M1
}

step_converged
step_rogue_causes
step_replay
step_rate_limit
step_verdict_kept
step_first_to_respond_kept
lab_checks_done
lab_pass "rogue probes counted per cause, S1's verdict unchanged, first-to-respond kept"
