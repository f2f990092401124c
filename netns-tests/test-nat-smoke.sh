#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-nat-smoke.sh: the daemon side of IP Pool NAT without
# charon. SAT (the satellite's hosts 10.13.0.2-7) -- M (a center: ripd-mep,
# kernel RIM backend; the veth toward SAT stands in for ipsec0: `rim
# interface`) -- INT (an internal host, routing the pool back to M).
# Checks, through show mep nat json and the kernel: the table inet
# ripd_mep_nat with its comment and the pool route in table 201; a /30
# pool: four sources mapped, the next ones refused and counted, the 90 %
# warning logged once; a closed connection (conntrack delete) frees its
# share and a refused source then gets through; kill -9: the table stays,
# the restarted daemon adopts it and shows the same mappings; the table
# deleted from outside: re-created at the next release; the feature
# off: table and route removed, "not a NAT center"; a foreign table of
# that name: refused with the error in status, left untouched; `ipsec
# datapath xfrm`: meta ipsec exists, or (no XFRM in this kernel) the
# transaction's error in status and the daemon running on.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
POOL=172.16.2.0/30

lab_init nat-smoke
DIR=$LAB_RUN/M
CONF=$DIR/ripd-mep.conf
SOCK=$DIR/ripd-mep.vty
LOG=$LAB_RUN/logs/M-ripd-mep.log
mkdir -p "$DIR"

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }
nat_json() { mepsh -c 'show mep nat json'; }
# pool_leaf LEAF: the nat-pool entry's LEAF
pool_leaf() { nat_json | jq -r ".\"ripd-mep:mep-state\".\"nat-pool\"[0].\"$1\""; }
pool_is() { [ "$(pool_leaf "$1")" = "$2" ]; }
mappings() {
	nat_json | jq -c '[.["ripd-mep:mep-state"]["nat-mapping"][]? |
		[.["original-source"], .["pool-address"], .satellite, .connections]]'
}
nft_m() { lab_exec M nft "$@"; }
refused_counted() { [ "$(pool_leaf refused)" -ge 1 ]; }
four_mappings()
{
	[ "$(mappings | jq '[.[] | select(.[2] == "S1" and
		(.[1] | startswith("172.16.2.")))] | length')" = 4 ]
}
warned_once() { [ "$(grep -c 'is 90 % used' "$LOG")" = 1 ]; }
ping_from() { lab_exec SAT ping -c1 -W1 -I "10.13.0.$1" 10.1.0.2 >/dev/null; }

write_conf()
{
	local rp=$1 datapath=${2:-libipsec}
	cat >"$CONF" <<-EOF
	mep
	 local-gateway M
	 gateway M
	  address 192.0.2.1
	  vpn-domain 10.1.0.0/24
	  ip-pool $POOL
	 gateway S1
	  address 192.0.2.11
	  vpn-domain 10.13.0.0/16
	 community STAR
	  type star
	  center M
	  satellite S1
	  return-path $rp
	 rim
	  backend kernel
	  kernel-table 201
	  interface $SATIF
	 ipsec
	  vici-socket $DIR/no-charon.vici
	  grace-period 0
	  datapath $datapath
	EOF
}

DPID=
start_daemon()
{
	lab_daemon M ripd-mep "$BIN" -u root -f "$CONF" --vty_socket "$DIR" \
		--log stdout || return 1
	DPID=$LAB_PID
	lab_wait_for 5 test -S "$SOCK"
}

step_lab()
{
	lab_ns SAT
	lab_ns M
	lab_ns INT
	lab_link M SAT 10.13.255.254/16 10.13.0.1/16 || lab_fail "link M-SAT"
	SATIF=$LAB_IF1
	local i
	for i in 2 3 4 5 6 7; do
		lab_exec SAT ip addr add "10.13.0.$i/16" dev "$LAB_IF2"
	done
	lab_route SAT add default via 10.13.255.254
	lab_link M INT 10.1.0.1/24 10.1.0.2/24 || lab_fail "link M-INT"
	lab_route INT add 172.16.2.0/24 via 10.1.0.1
	lab_exec M sysctl -qw net.ipv4.ip_forward=1
	write_conf ip-pool-nat
	start_daemon || lab_fail "ripd-mep did not start"
}

step_table()
{
	lab_wait_for 5 pool_is status active || lab_fail "status not active"
	lab_check "table carries our comment" \
		sh -c "ip netns exec $(lab_nsname M) nft list table inet ripd_mep_nat | grep -q 'comment \"ripd-mep ip-pool-nat\"'"
	lab_check "snat into the pool, persistent" \
		sh -c "ip netns exec $(lab_nsname M) nft list table inet ripd_mep_nat | grep -q 'snat ip to $POOL persistent'"
	lab_check "log: table created" grep -q "created table inet ripd_mep_nat" "$LOG"
	lab_wait_for 5 sh -c "ip -n $(lab_nsname M) route show table 201 | grep -q '^$POOL '" ||
		lab_fail "no pool route in table 201"
	lab_check "size 4" pool_is size 4
	lab_check "table leaf" pool_is table "inet ripd_mep_nat"
}

step_exhaustion()
{
	local i
	for i in 2 3 4 5; do
		ping_from "$i" || lab_fail "10.13.0.$i: no reply through the NAT"
	done
	lab_check "10.13.0.6 refused" sh -c "! ip netns exec $(lab_nsname SAT) ping -c1 -W1 -I 10.13.0.6 10.1.0.2"
	lab_wait_for 3 pool_is used 4 || lab_fail "used is not 4: $(nat_json)"
	lab_check "free 0" pool_is free 0
	lab_check "refused counted" refused_counted || nat_json
	lab_check "4 mappings of S1 into the pool" four_mappings
	lab_check "90 % warning logged once" warned_once
}

step_release()
{
	lab_exec M conntrack -D -s 10.13.0.2 >/dev/null 2>&1
	lab_wait_for 3 pool_is used 3 || lab_fail "used not 3 after a close"
	lab_wait_for 3 sh -c "! ip netns exec $(lab_nsname M) nft list set inet ripd_mep_nat admit4_30 | grep -q '10.13.0.2[,} ]'" ||
		lab_fail "10.13.0.2 still admitted"
	ping_from 6 || lab_fail "10.13.0.6 refused after a share was freed"
	lab_wait_for 3 pool_is used 4 || lab_fail "used not 4 again"
}

step_restart()
{
	local before after
	before=$(mappings)
	kill -9 "$DPID"
	lab_check "table kept after kill -9" nft_m list table inet ripd_mep_nat
	start_daemon || lab_fail "restart"
	lab_wait_for 5 pool_is status active || lab_fail "not active after restart"
	lab_check "log: adopted" grep -q "adopted table inet ripd_mep_nat" "$LOG"
	after=$(mappings)
	[ "$before" = "$after" ] || lab_fail "mappings changed over the restart: $before -> $after"
	lab_ok "restart adopted the table and shows the same mappings"
}

# The table deleted from outside: the next release finds it gone, the
# daemon re-creates it and puts the sources with connections back.
created_twice() { [ "$(grep -c 'created table inet ripd_mep_nat' "$LOG")" = 2 ]; }
admitted4() { nft_m list set inet ripd_mep_nat admit4_30 | grep -q '10.13.0.4[,} ]'; }
step_recreate()
{
	nft_m delete table inet ripd_mep_nat || lab_fail "delete table"
	lab_exec M conntrack -D -s 10.13.0.3 >/dev/null 2>&1
	lab_wait_for 5 created_twice || lab_fail "table not re-created: $(pool_leaf status)"
	lab_wait_for 5 pool_is status active || lab_fail "not active again: $(pool_leaf status)"
	lab_wait_for 5 admitted4 || lab_fail "10.13.0.4 not admitted again"
	lab_check "log: found gone" grep -q "are gone (deleted from outside?)" "$LOG"
	lab_check "daemon still running" lab_alive "$DPID"
}

step_off()
{
	write_conf none
	kill -HUP "$DPID"
	lab_wait_for 5 sh -c "! ip netns exec $(lab_nsname M) nft list table inet ripd_mep_nat" ||
		lab_fail "table not removed"
	lab_wait_for 5 sh -c "! ip -n $(lab_nsname M) route show table 201 | grep -q '^$POOL '" ||
		lab_fail "pool route not withdrawn"
	lab_check "not a NAT center" sh -c "$RIPD_MEP_BUILD/mepsh -S '$SOCK' -c 'show mep nat' | grep -q 'not a NAT center'"
}

step_foreign()
{
	nft_m add table inet ripd_mep_nat
	nft_m add chain inet ripd_mep_nat theirs
	write_conf ip-pool-nat
	kill -HUP "$DPID"
	lab_wait_for 5 sh -c "$RIPD_MEP_BUILD/mepsh -S '$SOCK' -c 'show mep nat json' | grep -q 'exists and is not ours'" ||
		lab_fail "no error for the foreign table: $(nat_json)"
	lab_check "foreign table untouched" sh -c "ip netns exec $(lab_nsname M) nft list table inet ripd_mep_nat | grep -q 'chain theirs'"
	lab_check "no snat in it" sh -c "! ip netns exec $(lab_nsname M) nft list table inet ripd_mep_nat | grep -q snat"
	lab_check "daemon still running" lab_alive "$DPID"
}

# The xfrm datapath: `meta ipsec exists` in the table where the kernel
# has XFRM; without it (this lab's kernel) the transaction fails whole:
# the status says why, no table, the daemon runs on.
xfrm_table() { nft_m list table inet ripd_mep_nat | grep -q 'meta ipsec exists'; }
xfrm_refused()
{
	pool_leaf status | grep -q '^error: nftables transaction failed' &&
		! nft_m list table inet ripd_mep_nat >/dev/null 2>&1
}
xfrm_settled() { xfrm_table || xfrm_refused; }
step_xfrm()
{
	nft_m delete table inet ripd_mep_nat
	write_conf ip-pool-nat xfrm
	kill -HUP "$DPID"
	lab_wait_for 5 xfrm_settled ||
		lab_fail "xfrm: neither a table nor the error: $(pool_leaf status)"
	if xfrm_table; then
		lab_check "xfrm: active" pool_is status active
	else
		lab_ok "xfrm without kernel XFRM: $(pool_leaf status)"
	fi
	lab_check "daemon still running" lab_alive "$DPID"
}

step_lab
step_table
step_exhaustion
step_release
step_restart
step_recreate
step_off
step_foreign
step_xfrm
lab_checks_done
lab_pass "IP Pool NAT: table, exhaustion, release, adoption, re-creation, removal, foreign table, xfrm datapath"
