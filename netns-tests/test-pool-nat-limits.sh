#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2016 # steps and helpers are called by
# name; eval and jq programs expand later
# netns-tests/test-pool-nat-limits.sh: IP Pool NAT, exhaustion and restart
# (issue 12, item 5) on the MEP lab (lib/mep-lab.sh): centers M1 and M2
# with return-path ip-pool-nat, M2's pool a /30 (persistent snat over the
# prefix range; how many sources it admits at a time is what `show mep nat
# json` calls "size"), S1's tunnel to M2 only, R1's route for S1's domain
# via M1 (so only the NAT brings replies back through M2). HS1 holds
# SOURCES addresses, more than the pool admits; each pings H1 every 0.2 s.
#   exhaust: the first sources get pool addresses, the rest are refused
#            (no reply, refused counter > 0), nothing reaches H1 from
#            outside the pool, the 90 % warning is logged once;
#   release: two sources stop and their conntrack entries are deleted on
#            M2 (destroy events): their shares free, the refused sources
#            get in and are answered;
#   restart: kill -9 of M2's ripd-mep while the pings run: they keep being
#            answered (the table stays), the restarted daemon adopts the
#            table (log) and shows the same mappings.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/mep-lab.sh
. "$(dirname "$0")/lib/mep-lab.sh"

POOL2=172.16.2.0/30
MEP_LAB_CENTERS="M1 M2"
MEP_LAB_SATS=S1
MEP_LAB_CONNS[S1]=M2
MEP_LAB_COMMUNITY="return-path ip-pool-nat"
MEP_LAB_POOL[M1]=172.16.1.0/30
MEP_LAB_POOL[M2]=$POOL2
S1NET=$(mep_lab_domain S1)
SOURCES=6
# the daemon's log lines (ripd-mep/nat.c, nat_nft.c), word for word; the
# warning's counts are set once the pool's size is known
WARN_TEXT=
UNDER_TEXT=
ADOPT_TEXT="ip-pool-nat: adopted table inet ripd_mep_nat (left by an earlier run; its connections live on)"
SIZE=
declare -A SRC_PID=()

lab_init pool-nat-limits
LOG=$(mep_lab_log M2)

# ---- helpers (for lab_check and lab_wait_for)
nat_json() { mep_lab_show M2 'show mep nat json'; }
why_nat() { echo "   M2 show mep nat json: $(nat_json | jq -c . 2>&1)" >&2; }
# pool FIELD: print M2's pool's FIELD as a number
pool()
{
	nat_json | lab_jqe -r --arg p "$POOL2" --arg f "$1" \
		'."ripd-mep:mep-state"."nat-pool"[] | select(.prefix == $p) |
		 .[$f] | tonumber'
}
pool_is() { [ "$(pool "$1")" = "$2" ]; }
pool_past() { local v; v=$(pool "$1") && [ "$v" -ge "$2" ]; }
# mappings: "source pool-address satellite" lines, sorted
mappings()
{
	nat_json | jq -r '."ripd-mep:mep-state"."nat-mapping"[]? |
		"\(."original-source") \(."pool-address") \(.satellite)"' | sort
}
mapped() { mappings | grep -q "^$1 "; }
in_pool()
{
	# in_pool ADDR: ADDR lies in 172.16.2.0/30
	[[ $1 =~ ^172\.16\.2\.[0-3]$ ]]
}
# all_in_pool N: N mappings, each into the pool, satellite S1
all_in_pool()
{
	local s a sat n=0
	while read -r s a sat; do
		in_pool "$a" && [ "$sat" = S1 ] || return 1
		n=$((n + 1))
	done < <(mappings)
	[ "$n" = "$1" ]
}
src() { mep_lab_host S1 "$1"; }
src_start()
{
	lab_daemon HS1 "ping-$1" ping -n -i 0.2 -W 1 -I "$(src "$1")" \
		"$MEP_H1" || return 1
	SRC_PID[$1]=$LAB_PID
}
src_stop()
{
	kill -INT "${SRC_PID[$1]}" 2>/dev/null
	wait "${SRC_PID[$1]}" 2>/dev/null
}
src_answered() { grep -c 'bytes from' "$LAB_RUN/logs/HS1-ping-$1.log"; }
src_answered_past() { [ "$(src_answered "$1")" -ge "$2" ]; }
# src_grows K: source K's ping gets 3 more replies within 3 s
src_grows()
{
	local n
	n=$(src_answered "$1")
	lab_wait_for 3 src_answered_past "$1" $((n + 3))
}
warn_lines() { grep -cF -- "$WARN_TEXT" "$LOG"; }

step_setup()
{
	mep_lab_up_split S1 M2 M1
	mep_lab_sources S1 "$SOURCES" || lab_fail "cannot add HS1's sources"
	mep_lab_count_rule H1 input unpooled "ip saddr $S1NET" ||
		lab_fail "cannot install the lab's nft counter"
	lab_wait_for 10 mep_lab_r1_is "$POOL2" "ospf M2" ||
		lab_fail "R1 did not learn $POOL2 from M2"
	SIZE=$(pool size) || { why_nat; lab_fail "no pool $POOL2 in show mep nat json"; }
	WARN_TEXT="ip-pool-nat: pool $POOL2 is 90 % used ($SIZE of $SIZE sources; new sources are refused when it is full)"
	UNDER_TEXT="ip-pool-nat: pool $POOL2 is under 80 % used again ($((SIZE - 1)) of $SIZE sources)"
	lab_ok "lab up: $POOL2 on M2 admits $SIZE sources (size), $SOURCES sources behind S1"
	[ "$SIZE" -lt "$SOURCES" ] ||
		lab_fail "the pool admits $SIZE sources: the test needs fewer than $SOURCES"
}

step_exhaust()
{
	local k
	for ((k = 0; k < SIZE; k++)); do
		src_start "$k" || lab_fail "no ping from source $k"
	done
	lab_check "exhaust: the first $SIZE sources are mapped (used $SIZE)" \
		lab_wait_for 10 pool_is used "$SIZE" || why_nat
	for ((k = 0; k < SIZE; k++)); do
		lab_check "exhaust: source $(src "$k") answered and mapped" \
			eval "lab_wait_for 3 src_answered_past $k 1 &&
				mapped $(src "$k")"
	done
	lab_check "exhaust: $SIZE mappings, each into $POOL2, satellite S1" \
		all_in_pool "$SIZE" || why_nat
	for ((k = SIZE; k < SOURCES; k++)); do
		src_start "$k" || lab_fail "no ping from source $k"
	done
	lab_check "exhaust: refused counted" lab_wait_for 5 pool_past refused 2 ||
		why_nat
	lab_check "exhaust: still $SIZE used, free 0" \
		eval "pool_is used $SIZE && pool_is free 0" || why_nat
	for ((k = SIZE; k < SOURCES; k++)); do
		lab_check "exhaust: source $(src "$k") refused: not mapped, no reply" \
			eval "! mapped $(src "$k") && [ \$(src_answered $k) = 0 ]"
	done
	lab_check "exhaust: nothing reached H1 from outside the pool" \
		[ "$(mep_lab_count H1 unpooled)" = 0 ]
	lab_check "exhaust: the 90 % warning logged once: '$WARN_TEXT'" \
		[ "$(warn_lines)" = 1 ]
	lab_ok "exhaust: mappings (source pool-address satellite): $(mappings | paste -sd ';')"
	lab_ok "exhaust: M2's pool: $(nat_json | jq -c --arg p "$POOL2" \
		'."ripd-mep:mep-state"."nat-pool"[] | select(.prefix == $p)')"
}

step_release()
{
	local k
	src_stop 0
	src_stop 1
	lab_exec M2 conntrack -D -s "$(src 0)" >/dev/null 2>&1
	lab_exec M2 conntrack -D -s "$(src 1)" >/dev/null 2>&1
	for k in 0 1; do
		lab_check "release: $(src "$k") unmapped (destroy events)" \
			lab_wait_for 5 eval "! mapped $(src "$k")" || why_nat
	done
	for ((k = SIZE; k < SOURCES; k++)); do
		lab_check "release: the refused $(src "$k") gets in and is answered" \
			lab_wait_for 5 src_answered_past "$k" 1
		lab_check "release: $(src "$k") mapped" lab_wait_for 3 mapped "$(src "$k")"
	done
	lab_check "release: $SIZE mappings, each into $POOL2" all_in_pool "$SIZE" ||
		why_nat
	# re-armed under 80 %, full again: the warning comes once more
	lab_check "release: '$UNDER_TEXT' logged" grep -qF -- "$UNDER_TEXT" "$LOG"
	lab_check "release: full again, the 90 % warning logged again" \
		lab_wait_for 3 eval '[ "$(warn_lines)" -ge 2 ]'
}

step_restart()
{
	local before k from
	before=$(mappings)
	lab_check "kill -9: $SIZE mappings before" \
		[ "$(grep -c . <<<"$before")" = "$SIZE" ]
	from=$(($(wc -l <"$LOG") + 1))
	mep_lab_ripd_kill M2 || lab_fail "cannot kill M2's ripd-mep"
	for ((k = 2; k < SOURCES; k++)); do
		lab_check "kill -9: $(src "$k") still answered" src_grows "$k"
	done
	lab_check "kill -9: the NAT table stays" \
		lab_exec M2 nft list table inet ripd_mep_nat >/dev/null
	mep_lab_ripd_start M2 || lab_fail "M2's ripd-mep did not restart"
	lab_check "restart: '$ADOPT_TEXT' logged" \
		lab_wait_for 5 eval "tail -n +$from '$LOG' | grep -qF -- '$ADOPT_TEXT'"
	lab_check "restart: the same mappings" \
		lab_wait_for 5 eval '[ "$(mappings)" = "$before" ]' ||
		echo "   before: $before; after: $(mappings)" >&2
	for ((k = 2; k < SOURCES; k++)); do
		lab_check "restart: $(src "$k") answered" src_grows "$k"
	done
}

step_setup
step_exhaust
step_release
step_restart
lab_checks_done
lab_pass "pool of $SIZE: exhaustion refused and counted, release, restart"
