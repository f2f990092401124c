#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2016 # steps and helpers are called by
# name; jq programs (through mep_lab_jq) hold jq variables
# netns-tests/test-pool-nat.sh: IP Pool NAT, symmetric return (issue 12,
# item 4) on the MEP lab (lib/mep-lab.sh): centers M1 and M2 (charon,
# zebra + ospfd, ripd-mep), R1 with H1, satellite S1 with HS1. S1's only
# tunnel goes to M2, while R1's own route for S1's domain points to M1 (a
# static route, as the network would have without RIM).
#   A: return-path none, no pools: HS1 -> H1 gets no reply (H1's replies
#      reach M1, counted there, and die).
#   B: return-path ip-pool-nat, pools M1 172.16.1.0/24, M2 172.16.2.0/24,
#      applied by a configuration reload (SIGHUP): H1 sees sources in M2's
#      pool, R1 learns M2's pool over OSPF, replies return through M2, ping
#      and a TCP transfer work, `show mep nat json` on M2 shows the mapping
#      HS1 -> pool address, satellite S1.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/mep-lab.sh
. "$(dirname "$0")/lib/mep-lab.sh"

MEP_LAB_CENTERS="M1 M2"
MEP_LAB_SATS=S1
MEP_LAB_CONNS[S1]=M2
MEP_LAB_COMMUNITY="return-path none"
S1NET=$(mep_lab_domain S1)
HS1=$(mep_lab_host S1)
POOL1=172.16.1.0/24
POOL2=172.16.2.0/24
NAT_TABLE=ripd_mep_nat

lab_init pool-nat

# ---- helpers (for lab_check and lab_wait_for)
nat_json() { mep_lab_show M2 'show mep nat json'; }
why_nat() { echo "   M2 show mep nat json: $(nat_json | jq -c . 2>&1)" >&2; }
why_r1() { mep_lab_r1_nexthops "$1"; echo "   R1 route for $1: $MEP_NH" >&2; }
ping_hs1() { mep_lab_ping HS1 "$MEP_H1"; }
no_ping_hs1() { ! ping_hs1; }
# pool_active CENTER PREFIX: show mep nat json lists PREFIX as active
pool_active()
{
	mep_lab_jq "$1" 'show mep nat json' --arg p "$2" \
		'[."ripd-mep:mep-state"."nat-pool"[]? |
		  select(.prefix == $p and .status == "active")] | length == 1'
}
# mapped_hs1: M2 maps HS1 to an address of its pool, for satellite S1
MAPPED=
mapped_hs1()
{
	MAPPED=$(nat_json | lab_jqe -r --arg s "$HS1" \
		'."ripd-mep:mep-state"."nat-mapping"[]? |
		 select(."original-source" == $s and .satellite == "S1") |
		 ."pool-address"') || return 1
	[[ $MAPPED == 172.16.2.* ]]
}
nat_table_on() { lab_exec "$1" nft list table inet "$NAT_TABLE" >/dev/null 2>&1; }
nat_table_comment()
{
	# nft 1.0.6's JSON listing leaves table comments out: the text one
	lab_exec M2 nft list table inet "$NAT_TABLE" 2>/dev/null |
		grep -qxF $'\tcomment "ripd-mep ip-pool-nat"'
}

# ---- the lab, S1's tunnel to M2, R1's static route to M1
step_setup()
{
	mep_lab_up_split S1 M2 M1
	lab_check "R1 routes $S1NET to M1 (as without RIM)" \
		lab_wait_for 5 mep_lab_r1_is "$S1NET" "kernel M1" ||
		why_r1 "$S1NET"
	if ! mep_lab_count_rule M1 prerouting replies \
		"ip daddr $S1NET icmp type echo-reply" ||
		! mep_lab_count_rule H1 input pool2 "ip saddr $POOL2" ||
		! mep_lab_count_rule H1 input from_hs1 "ip saddr $HS1"; then
		lab_fail "cannot install the lab's nft counters"
	fi
	lab_ok "lab up: OSPF Full, S1 -> M2 tunnel INSTALLED"
}

# ---- A: no NAT: the replies go to M1 and the connection fails
step_no_nat()
{
	local r0 h0
	r0=$(mep_lab_count M1 replies)
	h0=$(mep_lab_count H1 from_hs1)
	lab_check "A: HS1 -> H1 gets no reply (3 pings)" \
		eval "no_ping_hs1 && no_ping_hs1 && no_ping_hs1"
	lab_check "A: H1 sees HS1's own address as the source" \
		mep_lab_count_past H1 from_hs1 $((h0 + 3))
	lab_check "A: H1's replies arrive at M1 (counted on M1)" \
		mep_lab_count_past M1 replies $((r0 + 3))
	lab_check "A: no NAT table on M2" eval "! nat_table_on M2"
	lab_check "A: show mep nat json on M2 lists no pool" \
		mep_lab_jq M2 'show mep nat json' \
		'(."ripd-mep:mep-state"."nat-pool" // []) | length == 0'
}

# ---- B: ip-pool-nat by a configuration reload
step_nat()
{
	local r0 p0
	MEP_LAB_COMMUNITY="return-path ip-pool-nat"
	MEP_LAB_POOL[M1]=$POOL1
	MEP_LAB_POOL[M2]=$POOL2
	mep_lab_reload || lab_fail "cannot reload the configurations"
	lab_check "B: M2's pool $POOL2 active" \
		lab_wait_for 10 pool_active M2 "$POOL2" || why_nat
	lab_check "B: M2 owns nft table inet $NAT_TABLE (comment \"ripd-mep ip-pool-nat\")" \
		lab_wait_for 5 nat_table_comment
	lab_check "B: R1 learns M2's pool $POOL2 over OSPF from M2" \
		lab_wait_for 10 mep_lab_r1_is "$POOL2" "ospf M2" || why_r1 "$POOL2"
	lab_check "B: R1 learns M1's pool $POOL1 over OSPF from M1" \
		lab_wait_for 10 mep_lab_r1_is "$POOL1" "ospf M1" || why_r1 "$POOL1"
	lab_check "B: R1 still routes $S1NET to M1" \
		mep_lab_r1_is "$S1NET" "kernel M1" || why_r1 "$S1NET"
	r0=$(mep_lab_count M1 replies)
	p0=$(mep_lab_count H1 pool2)
	lab_check "B: HS1 -> H1 ping answered" lab_wait_for 5 ping_hs1
	lab_check "B: H1 sees a source in M2's pool" \
		mep_lab_count_past H1 pool2 $((p0 + 1))
	lab_check "B: no reply went to M1" \
		[ "$(mep_lab_count M1 replies)" = "$r0" ]
	lab_check "B: show mep nat json on M2 maps $HS1 -> a $POOL2 address, satellite S1" \
		lab_wait_for 3 mapped_hs1 || why_nat
	[ -n "$MAPPED" ] && lab_ok "B: $HS1 -> $MAPPED"
	lab_check "B: show mep nat json on M2 counts S1's sources (nat-satellite)" \
		mep_lab_jq M2 'show mep nat json' \
		'[."ripd-mep:mep-state"."nat-satellite"[]? |
		  select(.name == "S1" and (.sources | tonumber) >= 1 and
			 (.connections | tonumber) >= 1)] | length == 1'
	lab_check "B: TCP HS1 -> H1: 64 KiB arrive intact" \
		mep_lab_tcp HS1 H1 "$MEP_H1" 64 || echo "   $MEP_TCP_WHY" >&2
	lab_check "B: M2's pool counts HS1's connections" \
		mep_lab_jq M2 'show mep nat json' --arg p "$POOL2" \
		'."ripd-mep:mep-state"."nat-pool"[] | select(.prefix == $p) |
		 (.used | tonumber) >= 1 and (.connections | tonumber) >= 1' ||
		why_nat
}

step_setup
step_no_nat
step_nat
lab_checks_done
lab_pass "symmetric return through M2's pool"
