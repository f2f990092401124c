# shellcheck shell=bash disable=SC2034
# netns-tests/lib/mep-lab.sh: the MEP lab with real components, sourced
# (alone: it sources lib/netns.sh, lib/rim-lab.sh and lib/frr-lab.sh,
# whose charon connection/child/secret writers, retransmission settings,
# "table 220" charon settings, OSPF snippets, tunnel and ping helpers it
# reuses, and checks RIPD_MEP_BUILD and RIPD_MEP_TOP, exporting
# RIPD_MEP_YANG_DIR) by netns-tests/test-pool-nat*.sh,
# test-mep-priority.sh and the demo. It owns the
# parameterised layout below, the one community description every
# gateway's ripd-mep.conf is generated from, the centers' and R1's FRR
# configurations, and the helpers that start/stop/kill daemons on a node,
# cut a node's internet link, ask ripd-mep through mepsh, read R1's next
# hops, count packets with nft counters and move a file over TCP.
#
#   H1 10.1.1.10 -- R1 (zebra ospfd; bridge "lan" 10.1.0.254/24, OSPF DR)
#    10.1.1.0/24      |  internal LAN 10.1.0.0/24, OSPF area 0 (broadcast,
#                     |  hello 1 s, dead 3 s; centers at priority 0)
#        +------------+-------------+
#      M1 10.1.0.1  M2 10.1.0.2 ... Mi 10.1.0.i     centers: charon
#        |            |               |             (kernel-libipsec,
#      192.0.2.1    192.0.2.2 ...  192.0.2.i        table 220), zebra,
#   INET: bridge br0 ("the internet", 192.0.2.0/24)  ospfd, ripd-mep
#        |            |
#      S1 192.0.2.11  S2 192.0.2.12 ...  satellites: charon (ripd-mep
#        |            |                  with MEP_LAB_SAT_RIPD=1)
#      HS1 10.11.0.10 HS2 10.12.0.10     host HSn in Sn's domain
#                                        10.(10+n).0.0/16, Sn 10.(10+n).0.1
#
# Parameters (set before mep_lab_up_all; mep_lab_reload applies changes):
#   MEP_LAB_CENTERS        "M1 M2" (names M<digit>)
#   MEP_LAB_SATS           "S1" (names S<digit>)
#   MEP_LAB_CONNS[SAT]     centers SAT has swanctl connections to (default
#                          every center); connection "m<i>" child "net"
#                          (Sn's domain <-> 10.1.0.0/16), start_action none
#   MEP_LAB_POOL[CENTER]   the center's ip-pool (none when unset)
#   MEP_LAB_COMMUNITY      extra lines of community STAR-1 (entry point,
#                          return path, priorities), one per line
#   MEP_LAB_SAT_RIPD       1: satellites run ripd-mep too (default 0)
#   MEP_LAB_SAT_STEER      1: satellites steer (child-sa): their ripd-mep
#                          starts first and their connections block is
#                          its `show mep swanctl` (implies SAT_RIPD=1)
#   MEP_LAB_PROBE          the probe line (interval 500 dead-count 3)
#   MEP_LAB_DPD_CENTER     the centers' and the satellites' swanctl
#   MEP_LAB_DPD_SAT        dpd_delay (default RIM_DPD_DELAY, 1s)
#   MEP_LAB_SWANCTL[SAT]   a satellite's `connections { }` block instead of
#                          the generated one (e.g. `show mep swanctl`
#                          output; the lab adds the PSKs of every center;
#                          mep_lab_swanctl_reload loads it into a running
#                          charon)
# Every center's domain is the MEP domain 10.1.0.0/16; all gateways get
# the same ripd-mep.conf text except for the `local-gateway` line
# (mep_lab_conf GW); rim block: backend zebra, route-type nhrp, distance
# 20, metric FRR_RIM_METRIC, tag FRR_TAG; the centers redistribute nhrp
# into OSPF through route-map RIM (match tag) as E2 metric FRR_RIM_METRIC.
#
# Functions return non-zero on failure with a message on stderr; values go
# to globals (MEP_NH, MEP_TCP_WHY ...), never through a lost subshell.

# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
# shellcheck source-path=SCRIPTDIR source=rim-lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/rim-lab.sh"
# shellcheck source-path=SCRIPTDIR source=frr-lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/frr-lab.sh"

: "${RIPD_MEP_BUILD:?}"
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang

MEP_LAB_CENTERS=${MEP_LAB_CENTERS:-"M1 M2"}
MEP_LAB_SATS=${MEP_LAB_SATS:-S1}
declare -A MEP_LAB_CONNS=()
declare -A MEP_LAB_POOL=()
declare -A MEP_LAB_SWANCTL=()
MEP_LAB_DPD_CENTER=${MEP_LAB_DPD_CENTER:-$RIM_DPD_DELAY}
MEP_LAB_DPD_SAT=${MEP_LAB_DPD_SAT:-$RIM_DPD_DELAY}
MEP_LAB_COMMUNITY=${MEP_LAB_COMMUNITY:-}
MEP_LAB_SAT_RIPD=${MEP_LAB_SAT_RIPD:-0}
MEP_LAB_SAT_STEER=${MEP_LAB_SAT_STEER:-0}
MEP_LAB_PROBE=${MEP_LAB_PROBE:-"probe interval 500 dead-count 3 key mep-lab-probe-key-0123"}
MEP_DOMAIN=10.1.0.0/16
MEP_H1=10.1.1.10
MEP_R1_LAN=10.1.0.254
MEP_BIN=${RIPD_MEP_BUILD:-.}/ripd-mep
MEP_SH=${RIPD_MEP_BUILD:-.}/mepsh
MEP_NH=
MEP_TCP_WHY=
MEP_TCP_PORT=5001
declare -A MEP_RIPD_PID=()

_mep_err()
{
	echo "mep-lab: $*" >&2
}

# mep_lab_inet GW: GW's internet address (M<i>: 192.0.2.i, S<n>:
# 192.0.2.(10+n)).
mep_lab_inet()
{
	case $1 in
	M*) echo "192.0.2.${1#M}" ;;
	S*) echo "192.0.2.$((10 + ${1#S}))" ;;
	esac
}

# mep_lab_lan CENTER: the center's address on the internal LAN.
mep_lab_lan() { echo "10.1.0.${1#M}"; }

# mep_lab_domain SAT: the satellite's VPN domain (10.(10+n).0.0/16).
mep_lab_domain() { echo "10.$((10 + ${1#S})).0.0/16"; }

# mep_lab_host SAT [K]: the address of host HSn behind SAT (K: the K-th
# extra address, 10.(10+n).0.(10+K); default 0).
mep_lab_host() { echo "10.$((10 + ${1#S})).0.$((10 + ${2:-0}))"; }

# mep_lab_sources SAT N: give host HSn N source addresses in all (the
# extra ones: mep_lab_host SAT 1 .. N-1), for tests of many flows.
mep_lab_sources()
{
	local k
	for ((k = 1; k < $2; k++)); do
		lab_exec "H$1" ip addr add "$(mep_lab_host "$1" "$k")/24" \
			dev "to-$1" || return 1
	done
}

# mep_lab_center_of ADDR: the center whose LAN address is ADDR (else ADDR).
mep_lab_center_of()
{
	local c
	for c in $MEP_LAB_CENTERS; do
		[ "$(mep_lab_lan "$c")" = "$1" ] && { echo "$c"; return; }
	done
	echo "$1"
}

# mep_lab_conf GW: print GW's ripd-mep.conf: the one community
# description; only the local-gateway line depends on GW.
mep_lab_conf()
{
	local g s l
	printf 'mep\n local-gateway %s\n' "$1"
	for g in $MEP_LAB_CENTERS; do
		printf ' gateway %s\n  address %s\n  vpn-domain %s\n' \
			"$g" "$(mep_lab_inet "$g")" "$MEP_DOMAIN"
		[ -n "${MEP_LAB_POOL[$g]:-}" ] &&
			printf '  ip-pool %s\n' "${MEP_LAB_POOL[$g]}"
		printf '  ike-connection %s\n exit\n !\n' "${g,,}"
	done
	for s in $MEP_LAB_SATS; do
		printf ' gateway %s\n  address %s\n  vpn-domain %s\n' \
			"$s" "$(mep_lab_inet "$s")" "$(mep_lab_domain "$s")"
		printf '  ike-connection %s\n exit\n !\n' "${s,,}"
	done
	printf ' community STAR-1\n  type star\n'
	for g in $MEP_LAB_CENTERS; do
		printf '  center %s\n' "$g"
	done
	for s in $MEP_LAB_SATS; do
		printf '  satellite %s\n' "$s"
	done
	printf '  permanent-tunnels\n  mep enable\n'
	while IFS= read -r l; do
		[ -n "$l" ] && printf '  %s\n' "$l"
	done <<<"$MEP_LAB_COMMUNITY"
	printf ' exit\n !\n %s\n' "$MEP_LAB_PROBE"
	printf ' rim\n  backend zebra\n  route-type nhrp\n  distance 20\n'
	printf '  metric %s\n  tag %s\n exit\n !\n' "$FRR_RIM_METRIC" "$FRR_TAG"
	printf ' ipsec\n  vici-socket /run/charon.vici\n exit\n !\nexit\n!\n'
}

# mep_lab_conf_write: (re)write every gateway's ripd-mep.conf from the
# current parameters; fails with ripd-mep -C's message when it rejects one.
mep_lab_conf_write()
{
	local g out
	for g in $MEP_LAB_CENTERS $MEP_LAB_SATS; do
		mep_lab_conf "$g" >"$LAB_RUN/$g/ripd-mep.conf"
		if ! out=$("$MEP_BIN" -C -f "$LAB_RUN/$g/ripd-mep.conf" 2>&1); then
			_mep_err "ripd-mep -C rejects $g's configuration: $out"
			return 1
		fi
	done
}

# mep_lab_swanctl NODE: print NODE's swanctl.conf (a center: one
# connection "s<n>" per satellite; a satellite: MEP_LAB_SWANCTL[NODE], else
# one "m<i>" per center of MEP_LAB_CONNS[NODE]; the PSKs).
mep_lab_swanctl()
{
	local node=$1 p peers=() my
	if [ -n "${MEP_LAB_SWANCTL[$node]:-}" ]; then
		# shellcheck disable=SC2086 # one center per word
		printf '%s\n' "${MEP_LAB_SWANCTL[$node]}" &&
			_rim_secret "$node" $MEP_LAB_CENTERS
		return
	fi
	my=$(mep_lab_inet "$node")
	# _rim_conn reads RIM_DPD_DELAY: this node's role's setting
	local RIM_DPD_DELAY=$MEP_LAB_DPD_SAT
	echo "connections {"
	case $node in
	M*)
		RIM_DPD_DELAY=$MEP_LAB_DPD_CENTER
		for p in $MEP_LAB_SATS; do
			_rim_conn "${p,,}" "$node" "$p" "$my" "$(mep_lab_inet "$p")" \
				"$(_rim_child net "$MEP_DOMAIN" "$(mep_lab_domain "$p")")"
			peers+=("$p")
		done ;;
	S*)
		for p in ${MEP_LAB_CONNS[$node]:-$MEP_LAB_CENTERS}; do
			_rim_conn "${p,,}" "$node" "$p" "$my" "$(mep_lab_inet "$p")" \
				"$(_rim_child net "$(mep_lab_domain "$node")" "$MEP_DOMAIN")"
			peers+=("$p")
		done ;;
	esac
	echo "}"
	_rim_secret "$node" "${peers[@]}"
}

# mep_lab_charon_start NODE: (re)start NODE's charon with its lab config
# (centers: FRR owns the routing, charon's routes go to table 220 after
# main; satellites: charon's table 220). Sets RIM_CHARON_PID[NODE], so
# rim_lab_charon_kill NODE works.
mep_lab_charon_start()
{
	local node=$1 set=$RIM_RETRANSMIT dir
	dir=$(lab_rundir "$node")
	[[ $node == M* ]] && set="$RIM_M1_CHARON
$RIM_RETRANSMIT"
	rm -f "$dir/charon.vici" "$dir/charon.pid" 2>/dev/null
	lab_charon "$node" "$(mep_lab_swanctl "$node")" "$set" || return 1
	# shellcheck disable=SC2004 # an associative array (rim-lab.sh)
	RIM_CHARON_PID[$node]=$(frr_lab_pid "$node" charon)
}

# mep_lab_swanctl_reload NODE: load NODE's swanctl.conf (mep_lab_swanctl,
# after a parameter change) into its running charon (swanctl --load-all:
# connections no longer listed are unloaded).
mep_lab_swanctl_reload()
{
	local f=$LAB_RUN/$1/swanctl/swanctl.conf
	mep_lab_swanctl "$1" >"$f" || return 1
	lab_swanctl "$1" --load-all --file "$f" \
		>>"$LAB_RUN/logs/$1-swanctl.log" 2>&1
}

# mep_lab_up SAT CENTER: SAT initiates its child "net" to CENTER.
mep_lab_up()
{
	lab_swanctl "$1" --initiate --ike "${2,,}" --child net --timeout 20 \
		>>"$LAB_RUN/logs/$1-initiate.log" 2>&1
}

# mep_lab_child_up CENTER SAT: CENTER's connection to SAT has its child
# "net" INSTALLED.
mep_lab_child_up()
{
	lab_swanctl "$1" --list-sas --ike "${2,,}" 2>/dev/null |
		grep -Eq '^ +net: #[0-9]+, reqid [0-9]+, INSTALLED'
}

# mep_lab_frr_center CENTER: print the center's frr.conf.
mep_lab_frr_center()
{
	local c=$1
	printf 'hostname %s\nlog stdout informational\n' "$c"
	printf 'route-map RIM permit 10\n match tag %s\nexit\n' "$FRR_TAG"
	_frr_ospf_if to-R1 broadcast
	printf 'interface to-R1\n ip ospf priority 0\nexit\n'
	_frr_ospf_router "$(mep_lab_inet "$c")"
	printf ' redistribute nhrp metric %s route-map RIM\n' "$FRR_RIM_METRIC"
	printf ' network 10.1.0.0/24 area 0\nexit\n'
}

# mep_lab_frr_r1: print R1's frr.conf (the LAN's DR, H1's network).
mep_lab_frr_r1()
{
	printf 'hostname R1\nlog stdout informational\n'
	_frr_ospf_if lan broadcast
	printf 'interface lan\n ip ospf priority 255\nexit\n'
	_frr_ospf_router 10.255.0.1
	printf ' network 10.1.0.0/24 area 0\n network 10.1.1.0/24 area 0\n'
	printf ' passive-interface to-H1\nexit\n'
}

# mep_lab_build: every node, link, address and host route (no daemon).
mep_lab_build()
{
	local inet r1 n s c
	lab_ns INET && lab_ns R1 && lab_ns H1 || return 1
	inet=$(lab_nsname INET)
	r1=$(lab_nsname R1)
	ip -n "$inet" link add br0 type bridge &&
		ip -n "$inet" link set br0 up &&
		ip -n "$r1" link add lan type bridge &&
		ip -n "$r1" addr add "$MEP_R1_LAN/24" dev lan &&
		ip -n "$r1" link set lan up || return 1
	lab_link R1 H1 10.1.1.1/24 "$MEP_H1/24" &&
		lab_route H1 add default via 10.1.1.1 || return 1
	for c in $MEP_LAB_CENTERS; do
		lab_ns "$c" || return 1
		lab_link INET "$c" - "$(mep_lab_inet "$c")/24" &&
			ip -n "$inet" link set "$LAB_IF1" master br0 || return 1
		lab_link R1 "$c" - "$(mep_lab_lan "$c")/24" &&
			ip -n "$r1" link set "$LAB_IF1" master lan || return 1
	done
	for s in $MEP_LAB_SATS; do
		n=${s#S}
		lab_ns "$s" && lab_ns "H$s" || return 1
		lab_link INET "$s" - "$(mep_lab_inet "$s")/24" &&
			ip -n "$inet" link set "$LAB_IF1" master br0 || return 1
		lab_link "$s" "H$s" "10.$((10 + n)).0.1/24" \
			"$(mep_lab_host "$s")/24" &&
			lab_route "H$s" add default via "10.$((10 + n)).0.1" ||
			return 1
	done
}

# mep_lab_ospf_ready: R1 is Full with every center.
mep_lab_ospf_ready()
{
	local n
	n=$(wc -w <<<"$MEP_LAB_CENTERS")
	frr_lab_full R1 "$n"
}

# mep_lab_up_all: build, charons, FRR (waits for OSPF Full), ripd-mep on
# the centers (and satellites with MEP_LAB_SAT_RIPD=1; with
# MEP_LAB_SAT_STEER=1 before the charons). Fails the test
# (lab_fail) on a set-up error.
mep_lab_up_all()
{
	local g
	mep_lab_build || lab_fail "cannot build the MEP lab"
	mep_lab_conf_write || lab_fail "bad lab configuration"
	if [ "$MEP_LAB_SAT_STEER" = 1 ]; then
		# the steering satellites' connections are what their
		# ripd-mep prints (it waits for its charon meanwhile)
		for g in $MEP_LAB_SATS; do
			# (in the private /run charon will use)
			lab_private_run "$g" && mep_lab_ripd_start "$g" ||
				lab_fail "ripd-mep did not start on $g"
			MEP_LAB_SWANCTL[$g]=$(mep_lab_show "$g" 'show mep swanctl') &&
				[ -n "${MEP_LAB_SWANCTL[$g]}" ] ||
				lab_fail "no show mep swanctl on $g"
		done
	fi
	for g in $MEP_LAB_CENTERS $MEP_LAB_SATS; do
		mep_lab_charon_start "$g" || lab_fail "cannot start $g's charon"
	done
	for g in $MEP_LAB_CENTERS; do
		lab_frr "$g" "$(mep_lab_frr_center "$g")" ospfd ||
			lab_fail "cannot start FRR on $g"
	done
	lab_frr R1 "$(mep_lab_frr_r1)" ospfd || lab_fail "cannot start FRR on R1"
	for g in $MEP_LAB_CENTERS; do
		mep_lab_ripd_start "$g" || lab_fail "ripd-mep did not start on $g"
	done
	if [ "$MEP_LAB_SAT_RIPD" = 1 ] && [ "$MEP_LAB_SAT_STEER" != 1 ]; then
		for g in $MEP_LAB_SATS; do
			# (in the private /run charon will use)
			lab_private_run "$g" && mep_lab_ripd_start "$g" ||
				lab_fail "ripd-mep did not start on $g"
		done
	fi
	lab_wait_for 20 mep_lab_ospf_ready || lab_fail "R1's OSPF adjacencies: \
$(lab_vtysh R1 -c 'show ip ospf neighbor')"
}

# mep_lab_up_split SAT CENTER OTHER: mep_lab_up_all, SAT's tunnel to
# CENTER up (its CHILD_SA installed there), and R1's static route for
# SAT's domain via OTHER (the route the network would have without RIM):
# the set-up of the IP Pool NAT tests. Fails the test (lab_fail) on a
# set-up error.
mep_lab_up_split()
{
	local sat=$1 center=$2 other=$3 net

	net=$(mep_lab_domain "$sat")
	mep_lab_up_all
	mep_lab_up "$sat" "$center" ||
		lab_fail "$sat cannot bring its tunnel to $center up"
	lab_wait_for 10 mep_lab_child_up "$center" "$sat" ||
		lab_fail "$center has no CHILD_SA of $sat"
	lab_route R1 add "$net" via "$(mep_lab_lan "$other")" ||
		lab_fail "cannot add R1's static route for $net"
}

# ---- ripd-mep on a node

mep_lab_sock() { echo "$LAB_RUN/$1/ripd-mep.vty"; }
mep_lab_log() { echo "$LAB_RUN/logs/$1-ripd-mep.log"; }

# mep_lab_ripd_start NODE: start ripd-mep on NODE with its ripd-mep.conf
# and wait for its vty socket; MEP_RIPD_PID[NODE].
mep_lab_ripd_start()
{
	local node=$1
	rm -f "$(mep_lab_sock "$node")"
	lab_daemon "$node" ripd-mep "$MEP_BIN" -u root \
		-f "$LAB_RUN/$node/ripd-mep.conf" --vty_socket "$LAB_RUN/$node" \
		--log stdout || return 1
	MEP_RIPD_PID[$node]=$LAB_PID
	lab_wait_for 5 test -S "$(mep_lab_sock "$node")"
}

# mep_lab_ripd_stop NODE [SIGNAL]: stop NODE's ripd-mep (default TERM;
# KILL for a crash) and wait until it is gone.
mep_lab_ripd_stop()
{
	local pid=${MEP_RIPD_PID[$1]:-} sig=${2:-TERM}
	if [ -z "$pid" ] || ! lab_alive "$pid"; then
		_mep_err "no ripd-mep in $1"
		return 1
	fi
	kill "-$sig" "$pid"
	wait "$pid" 2>/dev/null
	lab_wait_for 5 eval "! lab_alive $pid"
}

# mep_lab_ripd_kill NODE: kill -9 NODE's ripd-mep.
mep_lab_ripd_kill() { mep_lab_ripd_stop "$1" KILL; }

# mep_lab_reload: rewrite every ripd-mep.conf and send SIGHUP to each
# running ripd-mep (the daemon's configuration reload).
mep_lab_reload()
{
	local g pid
	mep_lab_conf_write || return 1
	for g in "${!MEP_RIPD_PID[@]}"; do
		pid=${MEP_RIPD_PID[$g]}
		lab_alive "$pid" && kill -HUP "$pid"
	done
	return 0
}

# mep_lab_show NODE CMD: CMD through mepsh against NODE's ripd-mep.
mep_lab_show()
{
	"$MEP_SH" -S "$(mep_lab_sock "$1")" -c "$2"
}

# mep_lab_jq NODE CMD JQ_ARGS...: jq -e JQ_ARGS on CMD's JSON (quiet).
mep_lab_jq()
{
	local node=$1 cmd=$2 out
	shift 2
	out=$(mep_lab_show "$node" "$cmd") &&
		lab_jqe "$@" <<<"$out" >/dev/null
}

# ---- links, routes, traffic

# mep_lab_inet_down NODE / mep_lab_inet_up NODE: NODE's internet link cut
# and mended at the bridge's port: NODE sees NO-CARRIER and keeps its
# address and routes (an upstream failure; charon's DPD times out). An
# interface set down on NODE's side would remove its connected route, and
# charon's sends would fail at once instead of going unanswered.
mep_lab_inet_down() { ip -n "$(lab_nsname INET)" link set "to-$1" down; }
mep_lab_inet_up() { ip -n "$(lab_nsname INET)" link set "to-$1" up; }

# mep_lab_r1_nexthops PREFIX: set MEP_NH to R1's selected route for
# PREFIX as "PROTO NH[,NH...]" (next hops in the FIB, named by center:
# "ospf M2", "kernel M1", "ospf M1,M2"), or "none".
mep_lab_r1_nexthops()
{
	local sel ips ip names=()
	MEP_NH=none
	sel=$(lab_vtysh R1 -c "show ip route $1 json" | jq -r --arg p "$1" \
		'.[$p][]? | select(.selected) | "\(.protocol) \([.nexthops[]? |
		 select(.fib) | .ip // .interfaceName] | sort | join(" "))"' |
		head -n 1) || return 1
	[ -z "$sel" ] && return 0
	ips=${sel#* }
	for ip in $ips; do
		names+=("$(mep_lab_center_of "$ip")")
	done
	MEP_NH="${sel%% *} $(IFS=,; echo "${names[*]}")"
}

# mep_lab_r1_is PREFIX WANT: R1's route for PREFIX is WANT ("ospf M2").
mep_lab_r1_is()
{
	mep_lab_r1_nexthops "$1" && [ "$MEP_NH" = "$2" ]
}

# mep_lab_count_rule NODE HOOK NAME MATCH...: a named nft counter NAME in
# NODE's table "inet meplab" (the lab's, not ripd-mep's) that counts the
# packets matching MATCH at HOOK (prerouting, input, forward, output,
# postrouting; chain priority -300: before NAT).
mep_lab_count_rule()
{
	local node=$1 hook=$2 name=$3
	shift 3
	lab_exec "$node" nft -f - <<EOF
table inet meplab {
	counter $name { }
	chain $hook {
		type filter hook $hook priority -300; policy accept;
		$* counter name "$name"
	}
}
EOF
}

# mep_lab_count NODE NAME: print the packets counted by NAME.
mep_lab_count()
{
	lab_exec "$1" nft -j list counter inet meplab "$2" |
		jq '[.nftables[] | .counter? | select(.) | .packets][0] // 0'
}

# mep_lab_count_past NODE NAME N: counter NAME has counted at least N.
mep_lab_count_past()
{
	[ "$(mep_lab_count "$1" "$2")" -ge "$3" ]
}

# mep_lab_ping FROM DST [SRC]: one ping (1 s timeout), optionally from
# source address SRC.
mep_lab_ping()
{
	if [ -n "${3:-}" ]; then
		lab_exec "$1" ping -c1 -W1 -I "$3" "$2" >/dev/null 2>&1
	else
		lab_exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1
	fi
}

_mep_listening()
{
	lab_exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# mep_lab_tcp FROM TO TO_ADDR [KBYTES]: send a file of KBYTES (default 64)
# random bytes from FROM to a socat listener on TO (port MEP_TCP_PORT)
# and compare the SHA-256 of both ends; on failure MEP_TCP_WHY says why.
mep_lab_tcp()
{
	local from=$1 to=$2 addr=$3 kb=${4:-64} src dst pid a b
	src=$LAB_RUN/$from/tcp-out.bin
	dst=$LAB_RUN/$to/tcp-in.bin
	MEP_TCP_WHY=
	rm -f "$dst"
	head -c $((kb * 1024)) /dev/urandom >"$src"
	lab_daemon "$to" socat socat -u \
		"TCP-LISTEN:$MEP_TCP_PORT,reuseaddr" "CREATE:$dst" || return 1
	pid=$LAB_PID
	if ! lab_wait_for 5 _mep_listening "$to" "$MEP_TCP_PORT"; then
		MEP_TCP_WHY="no listener on $to"
		kill "$pid" 2>/dev/null
		return 1
	fi
	if ! timeout 15 ip netns exec "$(lab_nsname "$from")" socat -u \
		"OPEN:$src" "TCP:$addr:$MEP_TCP_PORT,connect-timeout=5" \
		>>"$LAB_RUN/logs/$from-socat.log" 2>&1; then
		MEP_TCP_WHY="the transfer $from -> $addr failed"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	lab_wait_for 10 eval "! lab_alive $pid" ||
		{ MEP_TCP_WHY="the listener did not finish"; kill "$pid"; }
	wait "$pid" 2>/dev/null
	a=$(sha256sum <"$src")
	b=$(sha256sum <"$dst" 2>/dev/null)
	if [ "$a" != "$b" ]; then
		MEP_TCP_WHY="checksums differ ($(stat -c %s "$dst" 2>/dev/null || echo 0) of $((kb * 1024)) bytes arrived)"
		return 1
	fi
}
