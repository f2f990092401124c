#!/usr/bin/env bash
# shellcheck disable=SC2317 # step functions and helpers are called by name
# netns-tests/test-steer-route.sh: route steering on a satellite (issue 11
# item 3). The three-center lab of lib/center-lab.sh (M1 M2 M3, S1 S2 on
# the "internet" bridge, ripd-mep everywhere, probes interval 100 ms x 3)
# with `steering route` and if-ids 1, 2, 3. THIS KERNEL HAS NO XFRM
# INTERFACES: plain veth links S1 -- M1/M2/M3 stand in for the centers'
# XFRM interfaces; on S1 they are named xfrm-1..3 (the names ripd-mep
# derives from the if-ids), on the centers they answer ARP for what lies
# behind them (proxy_arp) as a point-to-point tunnel would need none.
# Behind the centers one host H1 (10.1.0.100) on a shared "core" bridge;
# the centers masquerade toward it, so replies go back through the center
# that carried the request. Behind S1 the host HS1 with 24 source
# addresses. A center "fails" by losing its internet link and, with it,
# its tunnel (both veth ends on its side down).
#   (a) priority-list: the route to each MEP domain via xfrm-1 in table
#       210; M1 fails -> via xfrm-2 within the probe dead time; the outage
#       of a 10 ms ping is measured (lost pings x 10 ms, printed); M1 back
#       -> xfrm-1 again; a new steering protocol moves routes and rules
#       to it; S2 (no stand-in links) says why it cannot steer.
#   (b) random (256 buckets): every center holds buckets and carries some
#       of 24 flows; M2 fails -> exactly M2's buckets move (the nft map
#       read with `nft -j list map`), every flow gets replies; M2 back ->
#       the map is exactly the first one again.
#   (c) restart of S1's ripd-mep (random written to its file): the map
#       stays as it is, the daemon adopts it, and a later failure (M3)
#       moves only that center's buckets; priority-list again removes the
#       table and the mark rules. A foreign table of the same name is
#       refused and left untouched.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/center-lab.sh
. "$(dirname "$0")/lib/center-lab.sh"
lab_init steer-route

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
INTERVAL=100
DEAD=3
BOUND_MS=1500	# generous on a loaded machine: dead time 300 ms + 1 interval
H1=10.1.0.100
NSRC=24

declare -A TUN_C CORE_IF MARK=([M1]=211 [M2]=212 [M3]=213)
for g in 1 2 3; do
	CENTER_LAB_GW_EXTRA[M$g]=$(printf '  ip-pool 172.16.%s.0/24\n  if-id %s' "$g" "$g")
done
CENTER_LAB_COMM_EXTRA=$'  return-path ip-pool-nat\n  steering route'

# ---- helpers
mepsh() { local g=$1; shift; "$RIPD_MEP_BUILD/mepsh" -S "$LAB_RUN/${g,,}/ripd-mep.vty" "$@"; }
state() { mepsh "$1" -c "show mep $2 json" | jq -r ".\"ripd-mep:mep-state\"$3"; }
# entry DST LEAF: S1's entry point for destination DST, leaf LEAF.
entry() { state S1 entry-points ".\"entry-point\"[] | select(.destination == \"$1\") | .\"$2\""; }
via_is() { [ "$(entry "$1" steering-via)" = "$2" ] && [ "$(entry "$1" steering-state)" = up ]; }
all_via() { via_is 10.1.0.0/16 "route 10.1.0.0/16 dev $1 table 210" &&
	via_is 10.2.0.0/16 "route 10.2.0.0/16 dev $1 table 210" &&
	via_is 10.3.0.0/16 "route 10.3.0.0/16 dev $1 table 210"; }
kernel_route_is() { ip -n "$(lab_nsname s1)" route show table 210 proto 251 |
	grep -q "^10.1.0.0/16 dev $1 "; }
buckets_of() { state S1 steering ".steering.center[] | select(.name == \"$1\") | .buckets"; }
# map: S1's nft map as "bucket mark" lines, sorted by bucket.
map() { ip netns exec "$(lab_nsname s1)" nft -j list map inet ripd_mep_steer buckets |
	jq -r '.nftables[] | select(.map) | .map.elem[] | "\(.[0]) \(.[1])"' | sort -n; }
map_count() { map | wc -l; }
map_count_is() { [ "$(map_count)" = "$1" ]; }
map_is() { map | cmp -s - "$1"; }
buckets_are() { [ "$(buckets_of "$1")" = "$2" ]; }
replies() { grep -c 'bytes from' "$1"; }
replies_at_least() { [ "$(replies "$1")" -ge "$2" ]; }
steering_via_buckets() { [ "$(entry 10.1.0.0/16 steering-state)" = up ] &&
	entry 10.1.0.0/16 steering-via | grep -q '^256 buckets: M1 '; }
nft_table_is() { [ "$(state S1 steering '.steering."nft-table"')" = "$1" ]; }
no_nft_table() { ! ip netns exec "$(lab_nsname s1)" nft list table inet ripd_mep_steer >/dev/null 2>&1; }
no_mark_rule() { ! ip -n "$(lab_nsname s1)" rule show | grep -q 'fwmark.*proto 251'; }
rule_shown() { ip -n "$(lab_nsname s1)" rule show | grep -q "$1"; }
# only_moved BEFORE AFTER MARK N: exactly the N buckets of MARK changed,
# none to MARK.
only_moved()
{
	join "$1" "$2" | awk -v m="$3" -v n="$4" '
		$2 != $3 { if ($2 != m || $3 == m) bad++; moved++ }
		END { exit !(bad == 0 && moved == n) }'
}
foreign_untouched() { [ "$(ip netns exec "$(lab_nsname s1)" nft -j list table inet ripd_mep_steer |
	jq '[.nftables[] | select(.map or .set or .chain)] | length')" = 0 ]; }
src() { echo "10.11.0.$((10 + $1))"; }
ping_from() { ip netns exec "$(lab_nsname hs1)" ping -n -q -c 1 -W 1 -I "$1" "$H1" >/dev/null 2>&1; }
all_flows_ok()
{
	local i
	for i in $(seq 0 $((NSRC - 1))); do
		ping_from "$(src "$i")" || return 1
	done
}
# flows_of GW: connections GW has masqueraded toward H1 (the nat chain
# sees the first packet of each; every ping is a new ICMP id).
flows_of() { ip netns exec "$(lab_nsname "${1,,}")" nft -j list chain ip lab_nat post |
	jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add'; }
center_down()
{
	ip -n "$(lab_nsname "${1,,}")" link set "${CENTER_LAB_IF[$1]}" down &&
		ip -n "$(lab_nsname "${1,,}")" link set "${TUN_C[$1]}" down
}
center_up()
{
	ip -n "$(lab_nsname "${1,,}")" link set "${TUN_C[$1]}" up &&
		ip -n "$(lab_nsname "${1,,}")" link set "${CENTER_LAB_IF[$1]}" up &&
		ip -n "$(lab_nsname "${1,,}")" route replace 10.11.0.0/16 via "172.31.${1#M}.1"
}
verdict_is() { [ "$(state S1 gateways ".gateway[] | select(.name == \"$1\") | .liveness")" = "$2" ]; }

# ---- the lab around the centers
build_tunnels_and_hosts()
{
	local g n ns
	lab_ns core
	lab_ns h1
	lab_ns hs1
	if ! { ip -n "$(lab_nsname core)" link add br1 type bridge &&
		ip -n "$(lab_nsname core)" link set br1 up; }; then
		lab_fail "core bridge"
	fi
	lab_link core h1 - "$H1/24" || lab_fail "link H1"
	ip -n "$(lab_nsname core)" link set "$LAB_IF1" master br1 || lab_fail "H1 port"
	for n in 1 2 3; do
		g=M$n
		ns=$(lab_nsname "m$n")
		# the stand-in XFRM interface: S1's end named as ripd-mep derives
		lab_link s1 "m$n" "172.31.$n.1/30" "172.31.$n.2/30" || lab_fail "tunnel $g"
		TUN_C[$g]=$LAB_IF2
		if ! { ip -n "$(lab_nsname s1)" link set "$LAB_IF1" down &&
			ip -n "$(lab_nsname s1)" link set "$LAB_IF1" name "xfrm-$n" &&
			ip -n "$(lab_nsname s1)" link set "xfrm-$n" up; }; then
			lab_fail "rename xfrm-$n"
		fi
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.${TUN_C[$g]}.proxy_arp=1" >/dev/null ||
			lab_fail "proxy_arp on $g"
		ip -n "$ns" route add 10.11.0.0/16 via "172.31.$n.1" || lab_fail "return route on $g"
		lab_link core "m$n" - "10.1.0.$n/24" || lab_fail "core link $g"
		CORE_IF[$g]=$LAB_IF2
		ip -n "$(lab_nsname core)" link set "$LAB_IF1" master br1 || lab_fail "core port $g"
		ip netns exec "$ns" nft "add table ip lab_nat; add chain ip lab_nat post { type nat hook postrouting priority srcnat; }; add rule ip lab_nat post oifname ${CORE_IF[$g]} counter masquerade" ||
			lab_fail "masquerade on $g"
	done
	lab_link s1 hs1 10.11.0.1/24 "$(src 0)/24" || lab_fail "link HS1"
	for n in $(seq 1 $((NSRC - 1))); do
		ip -n "$(lab_nsname hs1)" addr add "$(src "$n")/24" dev "$LAB_IF2" ||
			lab_fail "address $(src "$n")"
	done
	lab_route hs1 add default via 10.11.0.1 || lab_fail "HS1 default route"
}

# ---- (a) one entry point per destination
step_priority_list()
{
	lab_check "S1: every destination via xfrm-1 in table 210, state up" \
		lab_wait_for 10 all_via xfrm-1
	lab_check "kernel: 10.1.0.0/16 dev xfrm-1 proto 251 in table 210" kernel_route_is xfrm-1
	lab_check "kernel: ip rule lookup 210 of protocol 251" rule_shown '^1001:.*lookup 210 proto 251' 
	lab_check "HS1 reaches H1 through M1" lab_wait_for 5 ping_from "$(src 0)"
	lab_check "show mep steering lists the route" \
		[ "$(state S1 steering '.steering.route[] | select(.destination == "10.1.0.0/16") | .interface')" = xfrm-1 ]
}

measure_failover()
{
	local out=$LAB_RUN/ping-a.txt pid r0 sent recv lost
	ip netns exec "$(lab_nsname hs1)" ping -n -i 0.01 -I "$(src 0)" "$H1" >"$out" 2>&1 &
	pid=$!
	lab_wait_for 3 replies_at_least "$out" 20 ||
		lab_fail "the 10 ms ping does not run"
	center_down M1 || lab_fail "M1 down"
	lab_check "M1 down on S1 by probe" lab_wait_for 5 verdict_is M1 down
	lab_check "S1: every destination via xfrm-2 (M2)" lab_wait_for 5 all_via xfrm-2
	lab_check "kernel: 10.1.0.0/16 dev xfrm-2" kernel_route_is xfrm-2
	r0=$(replies "$out")
	lab_check "pings resume through M2" lab_wait_for 5 replies_at_least "$out" $((r0 + 50))
	kill -INT "$pid"
	wait "$pid"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")
	lost=$((sent - recv))
	echo "route steering failover (probe ${INTERVAL} ms x $DEAD): $lost of $sent pings lost x 10 ms = $((lost * 10)) ms outage"
	lab_check "outage below ${BOUND_MS} ms" [ $((lost * 10)) -lt "$BOUND_MS" ]
}

step_m1_back()
{
	center_up M1 || lab_fail "M1 up"
	lab_check "M1 up again on S1" lab_wait_for 5 verdict_is M1 up
	lab_check "S1: every destination back via xfrm-1" lab_wait_for 5 all_via xfrm-1
	lab_check "HS1 reaches H1 again" lab_wait_for 5 ping_from "$(src 0)"
}

# a new steering protocol moves the routes and rules to it
proto_is()
{
	ip -n "$(lab_nsname s1)" route show table 210 proto "$1" | grep -q '^10.1.0.0/16 dev xfrm-1 ' &&
		rule_shown "lookup 210 proto $1" &&
		[ -z "$(ip -n "$(lab_nsname s1)" route show table 210 proto "$2")" ] &&
		! rule_shown "proto $2\$"
}
step_protocol()
{
	lab_check "steering protocol 252 on S1" \
		mepsh S1 -c 'configure terminal' -c mep -c steering -c 'protocol 252' -c end
	lab_check "routes and rules now of protocol 252, none of 251" lab_wait_for 5 proto_is 252 251
	lab_check "no steering protocol: back to 251" \
		mepsh S1 -c 'configure terminal' -c mep -c steering -c 'no protocol' -c end
	lab_check "routes and rules of protocol 251 again, none of 252" lab_wait_for 5 proto_is 251 252
	lab_check "S2 (no tunnel interfaces) says why it cannot steer" \
		[ "$(state S2 entry-points '."entry-point"[0]."steering-state"')" = "failed: interface xfrm-2 of M2 does not exist" ]
}

# ---- (b) random: buckets
step_random()
{
	local g total=0 before
	declare -A flows0
	lab_check "S1 switched to mep entry-point random" \
		mepsh S1 -c 'configure terminal' -c mep -c 'community STAR-1' \
		-c 'mep entry-point random' -c end
	lab_check "the nft map holds 256 buckets" lab_wait_for 5 map_count_is 256
	for g in M1 M2 M3; do
		lab_check "$g holds buckets (show mep steering json)" [ "$(buckets_of "$g")" -gt 0 ]
		lab_check "$g's buckets in the map carry mark ${MARK[$g]}" \
			[ "$(map | awk -v m="${MARK[$g]}" '$2 == m' | wc -l)" = "$(buckets_of "$g")" ]
		lab_check "ip rule fwmark ${MARK[$g]} lookup ${MARK[$g]}" \
			rule_shown "fwmark $(printf 0x%x "${MARK[$g]}") lookup ${MARK[$g]} proto 251"
		total=$((total + $(buckets_of "$g")))
		flows0[$g]=$(flows_of "$g")
	done
	lab_check "the buckets add up to 256" [ "$total" = 256 ]
	lab_check "entry point 10.1.0.0/16: steering state up, via the buckets" \
		steering_via_buckets
	lab_check "all $NSRC flows get replies" lab_wait_for 5 all_flows_ok
	for g in M1 M2 M3; do
		lab_check "$g carried some of the flows ($(($(flows_of "$g") - flows0[$g])))" \
			[ "$(flows_of "$g")" -gt "${flows0[$g]}" ]
	done
	map >"$LAB_RUN/map-before"
	mepsh S1 -c 'show mep steering' -c 'show mep entry-points'

	center_down M2 || lab_fail "M2 down"
	lab_check "M2 down on S1 by probe" lab_wait_for 5 verdict_is M2 down
	lab_check "M2 holds no bucket" lab_wait_for 5 buckets_are M2 0
	map >"$LAB_RUN/map-down"
	before=$(awk '$2 == 212' "$LAB_RUN/map-before" | wc -l)
	lab_check "only M2's buckets moved ($before of 256), to M1 or M3" \
		only_moved "$LAB_RUN/map-before" "$LAB_RUN/map-down" 212 "$before"
	lab_check "no bucket lost its mark" [ "$(wc -l <"$LAB_RUN/map-down")" = 256 ]
	lab_check "all $NSRC flows get replies without M2" lab_wait_for 5 all_flows_ok

	center_up M2 || lab_fail "M2 up"
	lab_check "M2 up again on S1" lab_wait_for 5 verdict_is M2 up
	lab_check "M2's buckets return: the map is the first one again" \
		lab_wait_for 5 map_is "$LAB_RUN/map-before"
	lab_check "all $NSRC flows get replies" lab_wait_for 5 all_flows_ok
}

# ---- (c) a restart adopts the state
step_restart()
{
	local pid=${CENTER_LAB_PID[S1]} moved3
	lab_check "S1 writes its configuration (random)" mepsh S1 -c 'write memory'
	kill "$pid" && wait "$pid" 2>/dev/null
	lab_check "S1's map survives the daemon's exit" map_is "$LAB_RUN/map-before"
	lab_daemon s1 ripd-mep "$BIN" -u root -f "$LAB_RUN/s1/ripd-mep.conf" \
		--vty_socket "$LAB_RUN/s1" --log stdout
	CENTER_LAB_PID[S1]=$LAB_PID
	lab_wait_for 5 test -S "$(center_lab_sock S1)" || lab_fail "S1 restarted"
	lab_check "restarted S1: steering up again" lab_wait_for 5 steering_via_buckets
	lab_check "adopted: S1's log says so" \
		grep -q "adopted nftables table inet ripd_mep_steer (256 buckets)" "$(center_lab_log S1)"
	lab_check "the restart moved no bucket" map_is "$LAB_RUN/map-before"
	lab_check "all $NSRC flows get replies" lab_wait_for 5 all_flows_ok
	# the adopted map is updated element by element
	center_down M3 || lab_fail "M3 down"
	lab_check "M3 holds no bucket" lab_wait_for 5 buckets_are M3 0
	map >"$LAB_RUN/map-m3-down"
	moved3=$(awk '$2 == 213' "$LAB_RUN/map-before" | wc -l)
	lab_check "after the restart, only M3's buckets moved ($moved3)" \
		only_moved "$LAB_RUN/map-before" "$LAB_RUN/map-m3-down" 213 "$moved3"
	lab_check "S1's kernel state stayed consistent (no error shown)" \
		[ -z "$(state S1 steering '.steering.error // empty')" ]
	center_up M3 || lab_fail "M3 up"
	lab_check "M3's buckets return" lab_wait_for 5 map_is "$LAB_RUN/map-before"
	# priority-list again: the table, the marks and their rules go
	lab_check "S1 back to priority-list" \
		mepsh S1 -c 'configure terminal' -c mep -c 'community STAR-1' \
		-c 'mep entry-point priority-list' -c end
	lab_check "every destination via xfrm-1 again" lab_wait_for 10 all_via xfrm-1
	lab_check "the nft table is gone with the random entry point" lab_wait_for 5 no_nft_table
	lab_check "no fwmark rule left" no_mark_rule
}

step_foreign_table()
{
	ip netns exec "$(lab_nsname s1)" nft 'add table inet ripd_mep_steer' || lab_fail "foreign table"
	lab_check "S1 switched to random again" \
		mepsh S1 -c 'configure terminal' -c mep -c 'community STAR-1' \
		-c 'mep entry-point random' -c end
	lab_check "a foreign table is refused: show mep steering says foreign" \
		lab_wait_for 5 nft_table_is foreign
	lab_check "the state says why" \
		[ "$(entry 10.1.0.0/16 steering-state)" = "failed: nftables table inet ripd_mep_steer is not ripd-mep's" ]
	lab_check "the foreign table is untouched (still empty)" foreign_untouched
	lab_check "the error is logged" grep -q "is not ripd-mep's" "$(center_lab_log S1)"
}

center_lab_build "$INTERVAL" "$DEAD"
build_tunnels_and_hosts
step_priority_list
measure_failover
step_m1_back
step_protocol
step_random
step_restart
step_foreign_table
lab_checks_done
lab_pass "route steering: routes, buckets, failover, restart"
