# shellcheck shell=bash disable=SC2034
# netns-tests/lib/frr-lab.sh: the "leased line" lab with FRR, sourced after
# lib/netns.sh and lib/rim-lab.sh (whose charon configurations, tunnel
# helpers and addresses of M1 and S1 it reuses) by
# netns-tests/test-frr-leased-line.sh. It owns the node layout below, the
# FRR configurations of M1, R1 and L1, the switch between the OSPF and the
# iBGP variant, the kernel-route stand-in for ripd-mep, and the helpers that
# tell which path R1 uses, restart zebra and measure ping losses.
#
#   H1 10.1.1.10 -- R1 (zebra ospfd bgpd) ------------ M1 (charon zebra ospfd
#      10.1.1.0/24    |  10.1.0.2/24        10.1.0.1/24  bgpd ripd-mep)
#                     | 10.1.254.1/30                     | 192.0.2.1/24
#                     |                                   |  "internet"
#                     | 10.1.254.2/30                     | 192.0.2.11/24
#                    L1 (zebra staticd ospfd) ---------- S1 (charon) -- HS1
#                       172.31.2.1/30      172.31.2.2/30   10.11.0.1/24
#                                                          HS1 10.11.0.10
#
# M1's FRR configuration is frr-plugin/frr-center.conf (the example for a
# center: R1 at 10.1.0.2, route-map RIM on tag 2600, redistribute nhrp into
# OSPF and BGP) plus the lab's timers; without that file, an equivalent.
# OSPF area 0 on M1-R1, R1-L1 and R1's H1 network (hello 1 s, dead 3 s,
# point-to-point, SPF and LSA throttling near zero). L1 has a static route
# 10.11.0.0/16 -> S1 (the leased line) redistributed into OSPF as E2 with
# metric FRR_LEASED_METRIC. M1 redistributes the injected routes (route
# type FRR_SRC: nhrp from ripd-mep, or kernel for the stand-in) through
# route-map RIM (match tag FRR_TAG for nhrp) as E2 with metric
# FRR_RIM_METRIC into OSPF ("ospf" variant) or into iBGP M1-R1
# ("bgp" variant, AS of frr-center.conf; R1 has "distance bgp 20 100 200"
# so iBGP beats OSPF's
# 110 for the leased line). S1 sends 10.1.0.0/16 back through the tunnel
# while its CHILD_SA is up (charon's table 220), else over L1 (main table,
# metric 500).
#
# Functions return non-zero on failure with a message on stderr; values go
# to globals (FRR_PATH, FRR_LOSS ...), never through a lost subshell.

FRR_TAG=${FRR_TAG:-2600}
FRR_RIM_METRIC=10
FRR_LEASED_METRIC=1000
FRR_AS=65001
FRR_CENTER_CONF=${FRR_CENTER_CONF:-${RIPD_MEP_TOP:-.}/frr-plugin/frr-center.conf}
FRR_S1NET=10.11.0.0/16
FRR_H1=10.1.1.10
FRR_HS1=10.11.0.10
FRR_M1_R1=10.1.0.1
FRR_R1_M1=10.1.0.2
FRR_R1_L1=10.1.254.1
FRR_L1_R1=10.1.254.2
FRR_SRC=${FRR_SRC:-nhrp}
FRR_VARIANT=ospf
FRR_PATH=
FRR_LOSS=
FRR_SENT=
FRR_PING_PID=
declare -A FRR_CONF=()
# M1's charon: kernel-libipsec installs a route "dev ipsec0 proto static"
# for every CHILD_SA whatever install_routes says; in the main table zebra
# would learn it as a kernel route of distance 0 that beats ripd-mep's.
# Keep it in table 220, looked up after main (routing there is FRR's).
RIM_M1_CHARON="	routing_table = 220
	routing_table_prio = 32767
	install_routes = no"

_frr_err()
{
	echo "frr-lab: $*" >&2
}

_frr_ospf_if()
{
	# _frr_ospf_if IFNAME [NETWORK]: fast OSPF timers on a link of OSPF
	# network type NETWORK (default point-to-point; broadcast for a LAN)
	cat <<EOF
interface $1
 ip ospf network ${2:-point-to-point}
 ip ospf hello-interval 1
 ip ospf dead-interval 3
 ip ospf retransmit-interval 1
exit
EOF
}

_frr_ospf_router()
{
	# _frr_ospf_router ROUTER_ID: router ospf with fast SPF and LSAs
	# (left open: the caller adds networks and "exit")
	cat <<EOF
router ospf
 ospf router-id $1
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
EOF
}

_frr_bgp()
{
	# _frr_bgp ROUTER_ID NEIGHBOUR [AF_LINES]: iBGP with fast timers
	cat <<EOF
router bgp $FRR_AS
 bgp router-id $1
 no bgp ebgp-requires-policy
 neighbor $2 remote-as $FRR_AS
 neighbor $2 timers 1 3
 neighbor $2 timers connect 1
 address-family ipv4 unicast
$3
 exit-address-family
exit
EOF
}

# frr_lab_conf_m1: print M1's frr.conf: frr-plugin/frr-center.conf (or an
# equivalent) and the lab's additions. frr_lab_variant then picks OSPF or
# BGP for the redistribution.
frr_lab_conf_m1()
{
	if [ -r "$FRR_CENTER_CONF" ]; then
		grep -v '^log syslog' "$FRR_CENTER_CONF"
	else
		cat <<EOF
route-map RIM permit 10
 match tag $FRR_TAG
exit
router ospf
 redistribute nhrp metric $FRR_RIM_METRIC route-map RIM
 network 10.1.0.0/16 area 0
exit
router bgp $FRR_AS
 neighbor $FRR_R1_M1 remote-as internal
 address-family ipv4 unicast
  redistribute nhrp route-map RIM
 exit-address-family
exit
EOF
	fi
	echo "hostname M1"
	echo "log stdout informational"
	_frr_ospf_if to-R1
	cat <<EOF
route-map RIM-KERNEL permit 10
 match ip address prefix-list RIM-STANDIN
exit
ip prefix-list RIM-STANDIN seq 5 permit $FRR_S1NET
EOF
	_frr_ospf_router 192.0.2.1
	cat <<EOF
exit
router bgp $FRR_AS
 neighbor $FRR_R1_M1 timers 1 3
 neighbor $FRR_R1_M1 timers connect 1
exit
EOF
}

# frr_lab_conf_r1: print R1's frr.conf.
frr_lab_conf_r1()
{
	echo "hostname R1"
	echo "log stdout informational"
	_frr_ospf_if to-M1
	_frr_ospf_if to-L1
	_frr_ospf_router 10.255.0.2
	cat <<EOF
 network 10.1.0.0/24 area 0
 network 10.1.254.0/30 area 0
 network 10.1.1.0/24 area 0
 passive-interface to-H1
exit
EOF
	_frr_bgp 10.255.0.2 "$FRR_M1_R1" "  distance bgp 20 100 200"
}

# frr_lab_conf_l1: print L1's frr.conf (the leased line's router).
frr_lab_conf_l1()
{
	echo "hostname L1"
	echo "log stdout informational"
	echo "ip route $FRR_S1NET 172.31.2.2"
	_frr_ospf_if to-R1
	_frr_ospf_router 10.255.0.3
	cat <<EOF
 network 10.1.254.0/30 area 0
 redistribute static metric $FRR_LEASED_METRIC metric-type 2
exit
EOF
}

# frr_lab_build: every node and link, addresses, host and S1 routes (no
# daemon yet). Needs lab_init first.
frr_lab_build()
{
	local n
	for n in M1 R1 L1 S1 H1 HS1; do
		lab_ns "$n" || return 1
	done
	lab_link M1 S1 "$RIM_M1_INET/24" "${RIM_INET[S1]}/24" || return 1
	lab_link M1 R1 "$FRR_M1_R1/24" "$FRR_R1_M1/24" || return 1
	lab_link R1 L1 "$FRR_R1_L1/30" "$FRR_L1_R1/30" || return 1
	lab_link R1 H1 10.1.1.1/24 "$FRR_H1/24" || return 1
	lab_link L1 S1 172.31.2.1/30 172.31.2.2/30 || return 1
	lab_link S1 HS1 10.11.0.1/24 "$FRR_HS1/24" || return 1
	lab_route H1 add default via 10.1.1.1 &&
		lab_route HS1 add default via 10.11.0.1 &&
		lab_route S1 add 10.1.0.0/16 via 172.31.2.1 metric 500 ||
		return 1
}

# frr_lab_frr: start FRR on M1 (zebra ospfd bgpd), R1 (zebra ospfd bgpd)
# and L1 (zebra staticd ospfd).
frr_lab_frr()
{
	local as
	if [ -r "$FRR_CENTER_CONF" ]; then
		as=$(awk '$1 == "router" && $2 == "bgp" { print $3; exit }' \
			"$FRR_CENTER_CONF")
		[[ $as =~ ^[0-9]+$ ]] && FRR_AS=$as
	fi
	FRR_CONF[M1]=$(frr_lab_conf_m1)
	FRR_CONF[R1]=$(frr_lab_conf_r1)
	FRR_CONF[L1]=$(frr_lab_conf_l1)
	lab_frr M1 "${FRR_CONF[M1]}" ospfd bgpd &&
		lab_frr R1 "${FRR_CONF[R1]}" ospfd bgpd &&
		lab_frr L1 "${FRR_CONF[L1]}" staticd ospfd
}

# frr_lab_full NODE: NODE's OSPF neighbours are all Full (NODE has N).
frr_lab_full()
{
	local node=$1 want=$2
	# -n and input: an empty answer fails (jq -e alone passes on it)
	lab_vtysh "$node" -c 'show ip ospf neighbor json' |
		jq -e -n --argjson n "$want" '[input | .neighbors[][]? |
		 select((.state // .nbrState // "") | test("^Full"))] |
		 length == $n' >/dev/null
}

# frr_lab_bgp_up: R1's iBGP session to M1 is Established.
frr_lab_bgp_up()
{
	lab_vtysh R1 -c 'show bgp summary json' | lab_jqe --arg p "$FRR_M1_R1" \
		'.ipv4Unicast.peers[$p].state == "Established"' >/dev/null
}

# frr_lab_variant ospf|bgp: M1 redistributes route type FRR_SRC into OSPF
# or into iBGP (and not into the other).
frr_lab_variant()
{
	local v=$1 rm=RIM on off pre=
	if [ "$FRR_SRC" = kernel ]; then
		# the stand-in: no nhrp redistribution from frr-center.conf
		rm=RIM-KERNEL
		pre="router ospf
 no redistribute nhrp
exit
router bgp $FRR_AS
 address-family ipv4 unicast
  no redistribute nhrp
 exit-address-family
exit"
	fi
	case $v in
	ospf)
		on="router ospf
 redistribute $FRR_SRC metric $FRR_RIM_METRIC route-map $rm
exit"
		off="router bgp $FRR_AS
 address-family ipv4 unicast
  no redistribute $FRR_SRC
 exit-address-family
exit" ;;
	bgp)
		on="router bgp $FRR_AS
 address-family ipv4 unicast
  redistribute $FRR_SRC route-map $rm
 exit-address-family
exit"
		off="router ospf
 no redistribute $FRR_SRC
exit" ;;
	*)
		_frr_err "frr_lab_variant ospf|bgp"
		return 1 ;;
	esac
	local f
	f=$(lab_rundir M1)/frr/variant.conf
	printf '%s\n%s\n%s\n' "$pre" "$off" "$on" >"$f"
	chmod 0644 "$f"
	lab_vtysh M1 -f /run/frr/variant.conf \
		>>"$LAB_RUN/logs/M1-vtysh.log" 2>&1 || {
		_frr_err "M1 rejected the $v variant"
		return 1
	}
	FRR_VARIANT=$v
}

# frr_lab_r1_route: set FRR_PATH to how R1 reaches S1's domain: "PROTO
# M1|L1|other" of the selected route, or "none".
frr_lab_r1_route()
{
	local j sel
	FRR_PATH=none
	j=$(lab_vtysh R1 -c "show ip route $FRR_S1NET json") || return 1
	sel=$(jq -r --arg p "$FRR_S1NET" '.[$p][]? | select(.selected) |
		"\(.protocol) \([.nexthops[]? | select(.fib) | .ip] | join(","))"' \
		<<<"$j" | head -n 1)
	[ -z "$sel" ] && return 0
	case ${sel#* } in
	"$FRR_M1_R1") FRR_PATH="${sel%% *} M1" ;;
	"$FRR_L1_R1") FRR_PATH="${sel%% *} L1" ;;
	*) FRR_PATH="${sel%% *} other(${sel#* })" ;;
	esac
}

# frr_lab_r1_is WANT: R1's selected route is WANT ("ospf M1", "bgp M1",
# "ospf L1").
frr_lab_r1_is()
{
	frr_lab_r1_route && [ "$FRR_PATH" = "$1" ]
}

# frr_lab_m1_rib PROTO: M1's zebra has PROTO's route for S1's domain
# selected and in the FIB; prints its uptime in seconds.
frr_lab_m1_rib()
{
	lab_vtysh M1 -c "show ip route $FRR_S1NET json" |
		lab_jqe -r --arg p "$FRR_S1NET" --arg t "$1" '.[$p][]? |
		 select(.protocol == $t and .selected and
			(.installed // false)) |
		 .uptime | split(":") | map(tonumber) |
		 .[0] * 3600 + .[1] * 60 + .[2]'
}

_frr_counter()
{
	lab_exec "$1" ip -j -s link show "$2" |
		jq ".[0].stats64.$3.packets // 0"
}

# frr_lab_path: one ping H1 -> HS1; set FRR_PATH to the path R1 sent the
# request on: "tunnel" (R1 -> M1 and M1's ipsec0 tx grew), "leased" (R1
# -> L1), "other" or "none" (no answer).
frr_lab_path()
{
	local m0 m1 l0 l1 t0 t1
	m0=$(_frr_counter R1 to-M1 tx)
	l0=$(_frr_counter R1 to-L1 tx)
	t0=$(_frr_counter M1 ipsec0 tx 2>/dev/null || echo 0)
	if ! lab_exec H1 ping -c1 -W1 "$FRR_HS1" >/dev/null 2>&1; then
		FRR_PATH=none
		return 0
	fi
	m1=$(_frr_counter R1 to-M1 tx)
	l1=$(_frr_counter R1 to-L1 tx)
	t1=$(_frr_counter M1 ipsec0 tx 2>/dev/null || echo 0)
	if [ "$m1" -gt "$m0" ] && [ "$t1" -gt "$t0" ] && [ "$l1" = "$l0" ]; then
		FRR_PATH=tunnel
	elif [ "$l1" -gt "$l0" ] && [ "$m1" = "$m0" ]; then
		FRR_PATH=leased
	else
		FRR_PATH=other
	fi
}

# frr_lab_path_is WANT: a ping H1 -> HS1 goes over WANT.
frr_lab_path_is()
{
	frr_lab_path && [ "$FRR_PATH" = "$1" ]
}

# frr_lab_ping_start NAME: a continuous ping H1 -> HS1 every 20 ms in the
# background (lab_ping_start; log $LAB_RUN/logs/H1-NAME.log).
frr_lab_ping_start()
{
	lab_ping_start "$1" H1 "$FRR_HS1" 20 || return 1
	FRR_PING_PID=$LAB_PING_PID
	FRR_PING_LOG=$LAB_PING_LOG
}

# frr_lab_ping_stop: stop the ping (lab_ping_stop); set FRR_SENT, FRR_LOSS
# (lost replies) and FRR_LOSS_MS (lost * 20 ms).
frr_lab_ping_stop()
{
	lab_ping_stop || return 1
	FRR_SENT=$LAB_PING_SENT
	FRR_LOSS=$LAB_PING_LOSS
	FRR_LOSS_MS=$LAB_PING_LOSS_MS
}

# frr_lab_pid NODE NAME: print the pid of NODE's last daemon NAME.
frr_lab_pid()
{
	awk -v n="$1" -v d="$2" '$2 == n && $3 == d { p = $1 } END { print p }' \
		"$LAB_RUN/daemons"
}

# frr_lab_zebra_restart NODE: stop NODE's zebra (TERM: it removes its
# kernel routes), start it again (its own config is empty; ospfd and bgpd
# keep theirs and reconnect on their 10 s timer).
frr_lab_zebra_restart()
{
	local node=$1 pid dir
	dir=$(lab_rundir "$node")
	pid=$(frr_lab_pid "$node" zebra)
	if [ -z "$pid" ] || ! lab_alive "$pid"; then
		_frr_err "no zebra running in $node"
		return 1
	fi
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	lab_wait_for 5 eval "! lab_alive $pid" || return 1
	rm -f "$dir/frr/zebra.vty" "$dir/frr/zserv.api" "$dir/frr/zebra.pid"
	lab_daemon "$node" zebra "$LAB_FRR_DIR/zebra" --log stdout -P 0 \
		-f /dev/null -i /run/frr/zebra.pid --vty_socket /run/frr ||
		return 1
	lab_wait_for 10 test -S "$dir/frr/zebra.vty" || return 1
}
