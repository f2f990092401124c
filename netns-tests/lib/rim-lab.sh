# shellcheck shell=bash disable=SC2034
# netns-tests/lib/rim-lab.sh: the RIM lab topology, sourced after
# lib/netns.sh by netns-tests/test-rim-*.sh. It owns the node layout and
# addresses below, the charon configurations of the center and the
# satellites, and the helpers that bring tunnels up and down, kill and
# restart charons, count packets on each path, watch a node's route
# events (ip monitor, subscribed before it returns, a barrier before it
# stops) and watch that a condition holds for a while.
#
#        H1 10.1.0.10                        HS1 10.11.0.10   HS2 10.12.0.10
#         |  10.1.0.0/24                      | 10.11.0.0/24   | 10.12.0.0/24
#        M1 (charon, ripd-mep)               S1 (charon)      S2 (charon)
#         | 192.0.2.1      "internet"         | 192.0.2.11     | 192.0.2.12
#   INET: bridge br0 joining M1, S1 and S2 (192.0.2.0/24)
#         |
#   M1 172.31.1.1/30 -- L1 -- 172.31.2.2/30 S1   (the leased line)
#
# M1 looks up table RIM_TABLE (ip rule pref 100) before main; the leased
# line route 10.11.0.0/16 via L1 sits in RIM_TABLE with priority
# RIM_LEASED_PRIO (worse than any RIM route). S1 returns 10.1.0.0/16 over
# the leased line (main table, metric 500) unless its own charon has put
# the tunnel route into table 220. The center's charon runs with
# routing_table = 0 and install_routes = no: routing on M1 belongs to
# ripd-mep (or to the test). Satellites keep charon's table 220 routes.
#
# Connections (IKEv2 PSK, UDP-encapsulated, kernel-libipsec on ipsec0):
#   on M1:  "s1" (remote S1, child "net": 10.1.0.0/16 <-> 10.11.0.0/16)
#           "s2" (remote S2, child "net": 10.1.0.0/16 <-> 0.0.0.0/0, so
#                 whatever S2 proposes is accepted: see child "wide")
#   on S1:  "m1" child "net"  10.11.0.0/16 <-> 10.1.0.0/16
#   on S2:  "m1" child "net"  10.12.0.0/16 <-> 10.1.0.0/16
#                child "wide" 0.0.0.0/0    <-> 10.1.0.0/16 (a peer that
#                 proposes a selector outside its VPN domain)
# DPD every RIM_DPD_DELAY on every gateway; IKE retransmissions are short
# (RIM_RETRANSMIT) so a dead peer is declared within a few seconds.
# RIM_REKEY (e.g. "5s") sets short CHILD_SA rekey times when non-empty.
#
# Functions return non-zero on failure with a message on stderr; values go
# to globals (RIM_UID), never to stdout of a subshell that would lose state.

RIM_TABLE=${RIM_TABLE:-201}
RIM_PROTO=250
RIM_LEASED_PRIO=$((250 << 24))
RIM_DPD_DELAY=${RIM_DPD_DELAY:-1s}
RIM_REKEY=${RIM_REKEY:-}
RIM_PSK="rim-lab-psk-0123456789abcdef"
RIM_M1_INET=192.0.2.1
declare -A RIM_INET=([S1]=192.0.2.11 [S2]=192.0.2.12)
declare -A RIM_DOMAIN=([M1]=10.1.0.0/16 [S1]=10.11.0.0/16 [S2]=10.12.0.0/16)
declare -A RIM_GWADDR=([M1]=10.1.0.1 [S1]=10.11.0.1 [S2]=10.12.0.1)
declare -A RIM_HOST=([H1]=10.1.0.10 [HS1]=10.11.0.10 [HS2]=10.12.0.10)
declare -A RIM_CHARON_PID=()
declare -A RIM_SWCONF=()
RIM_UID=
RIM_MON_PID=
RIM_MON_LOG=
RIM_MON_NODE=
# extra strongswan.conf charon { } lines for the center
RIM_M1_CHARON=${RIM_M1_CHARON-"	routing_table = 0
	install_routes = no"}

_rim_err()
{
	echo "rim-lab: $*" >&2
}

# Short IKE retransmissions (about 2.2 s until a silent peer is dead)
RIM_RETRANSMIT="	retransmit_timeout = 0.5
	retransmit_base = 1.4
	retransmit_tries = 2"

_rim_secret()
{
	# _rim_secret ID PEER...: one PSK per peer of ID
	local me=$1 p
	shift
	echo "secrets {"
	for p in "$@"; do
		cat <<EOF
	ike-$p {
		id-1 = $me
		id-2 = $p
		secret = $RIM_PSK
	}
EOF
	done
	echo "}"
}

_rim_child()
{
	# _rim_child NAME LOCAL_TS REMOTE_TS
	local rekey=
	if [ -n "$RIM_REKEY" ]; then
		rekey="				rekey_time = $RIM_REKEY
				rand_time = 1s
				life_time = $(( ${RIM_REKEY%s} * 3 ))s"
	fi
	cat <<EOF
			$1 {
				local_ts = $2
				remote_ts = $3
				start_action = none
				dpd_action = clear
				close_action = none
$rekey
			}
EOF
}

_rim_conn()
{
	# _rim_conn NAME MYID PEERID MYADDR PEERADDR CHILDREN_TEXT
	cat <<EOF
	$1 {
		version = 2
		local_addrs = $4
		remote_addrs = $5
		encap = yes
		dpd_delay = $RIM_DPD_DELAY
		local {
			auth = psk
			id = $2
		}
		remote {
			auth = psk
			id = $3
		}
		children {
$6
		}
	}
EOF
}

# rim_lab_swanctl_center: print M1's swanctl.conf.
rim_lab_swanctl_center()
{
	echo "connections {"
	_rim_conn s1 M1 S1 "$RIM_M1_INET" "${RIM_INET[S1]}" \
		"$(_rim_child net "${RIM_DOMAIN[M1]}" "${RIM_DOMAIN[S1]}")"
	_rim_conn s2 M1 S2 "$RIM_M1_INET" "${RIM_INET[S2]}" \
		"$(_rim_child net "${RIM_DOMAIN[M1]}" 0.0.0.0/0)"
	echo "}"
	_rim_secret M1 S1 S2
}

# rim_lab_swanctl_satellite SAT: print S1's or S2's swanctl.conf.
rim_lab_swanctl_satellite()
{
	local sat=$1 children
	children=$(_rim_child net "${RIM_DOMAIN[$sat]}" "${RIM_DOMAIN[M1]}")
	if [ "$sat" = S2 ]; then
		children+=$'\n'$(_rim_child wide 0.0.0.0/0 "${RIM_DOMAIN[M1]}")
	fi
	echo "connections {"
	_rim_conn m1 "$sat" M1 "${RIM_INET[$sat]}" "$RIM_M1_INET" "$children"
	echo "}"
	_rim_secret "$sat" M1
}

# rim_lab_build: create every node and link, addresses and static routes
# (no charon yet). Needs lab_init first.
rim_lab_build()
{
	local n
	for n in M1 S1 S2 H1 HS1 HS2 L1 INET; do
		lab_ns "$n" || return 1
	done
	local inet
	inet=$(lab_nsname INET)
	ip -n "$inet" link add br0 type bridge &&
		ip -n "$inet" link set br0 up || return 1
	lab_link INET M1 - "$RIM_M1_INET/24" || return 1
	ip -n "$inet" link set "$LAB_IF1" master br0 || return 1
	for n in S1 S2; do
		lab_link INET "$n" - "${RIM_INET[$n]}/24" || return 1
		ip -n "$inet" link set "$LAB_IF1" master br0 || return 1
	done
	# inside links: each gateway owns .1 of its domain (kernel-libipsec
	# needs an address inside its own local_ts)
	lab_link M1 H1 10.1.0.1/24 "${RIM_HOST[H1]}/24" || return 1
	lab_link S1 HS1 10.11.0.1/24 "${RIM_HOST[HS1]}/24" || return 1
	lab_link S2 HS2 10.12.0.1/24 "${RIM_HOST[HS2]}/24" || return 1
	lab_route H1 add default via 10.1.0.1 &&
		lab_route HS1 add default via 10.11.0.1 &&
		lab_route HS2 add default via 10.12.0.1 || return 1
	# the leased line M1 - L1 - S1
	lab_link M1 L1 172.31.1.1/30 172.31.1.2/30 || return 1
	lab_link L1 S1 172.31.2.1/30 172.31.2.2/30 || return 1
	lab_route L1 add 10.11.0.0/16 via 172.31.2.2 &&
		lab_route L1 add 10.1.0.0/16 via 172.31.1.1 || return 1
	lab_route S1 add 10.1.0.0/16 via 172.31.2.1 metric 500 || return 1
	# M1: table RIM_TABLE before main; leased line as the worse route
	lab_exec M1 ip rule add pref 100 lookup "$RIM_TABLE" || return 1
	lab_route M1 add 10.11.0.0/16 via 172.31.1.2 table "$RIM_TABLE" \
		metric "$RIM_LEASED_PRIO" || return 1
}

# rim_lab_charons: start the three charons (center: routing_table = 0,
# install_routes = no) and load their connections.
rim_lab_charons()
{
	rim_lab_charon_start M1 &&
		rim_lab_charon_start S1 &&
		rim_lab_charon_start S2
}

# rim_lab_charon_start NODE: (re)start NODE's charon with its lab config.
rim_lab_charon_start()
{
	local node=$1 sw set
	local dir
	dir=$(lab_rundir "$node")
	if [ "$node" = M1 ]; then
		sw=$(rim_lab_swanctl_center)
		set="$RIM_M1_CHARON
$RIM_RETRANSMIT"
	else
		sw=$(rim_lab_swanctl_satellite "$node")
		set=$RIM_RETRANSMIT
	fi
	RIM_SWCONF[$node]=$sw
	# a restart after kill -9 finds the old socket and pid file
	rm -f "$dir/charon.vici" "$dir/charon.pid" 2>/dev/null
	lab_charon "$node" "$sw" "$set" || return 1
	RIM_CHARON_PID[$node]=$(awk -v n="$node" \
		'$2 == n && $3 == "charon" { p = $1 } END { print p }' \
		"$LAB_RUN/daemons")
}

# rim_lab_charon_kill NODE: kill -9 NODE's charon (no IKE DELETE is sent:
# the peers find out by DPD).
rim_lab_charon_kill()
{
	local pid=${RIM_CHARON_PID[$1]:-}
	if [ -z "$pid" ] || ! lab_alive "$pid"; then
		_rim_err "no running charon in $1"
		return 1
	fi
	kill -KILL "$pid"
	# reap it here so bash reports no "Killed" job line
	wait "$pid" 2>/dev/null
	lab_wait_for 5 eval "! lab_alive $pid"
}

# rim_lab_up SAT [CHILD]: SAT initiates CHILD (default net) to M1.
rim_lab_up()
{
	local sat=$1 child=${2:-net}
	lab_swanctl "$sat" --initiate --child "$child" --timeout 20 \
		>>"$LAB_RUN/logs/$sat-initiate.log" 2>&1
}

# rim_lab_down SAT: SAT terminates its IKE_SA to M1 (IKE DELETE sent).
rim_lab_down()
{
	lab_swanctl "$1" --terminate --ike m1 --timeout 10 \
		>>"$LAB_RUN/logs/$1-terminate.log" 2>&1
}

# _rim_lab_sas_has NODE ERE: a line of NODE's `swanctl --list-sas` matches.
_rim_lab_sas_has()
{
	lab_swanctl "$1" --list-sas 2>/dev/null | grep -Eq "$2"
}

# _rim_lab_sas_lacks NODE ERE: NODE lists its SAs and no line matches.
_rim_lab_sas_lacks()
{
	local out
	out=$(lab_swanctl "$1" --list-sas 2>/dev/null) || return 1
	! grep -Eq "$2" <<<"$out"
}

# rim_lab_installed NODE CHILD: a CHILD_SA CHILD is INSTALLED in NODE.
rim_lab_installed()
{
	_rim_lab_sas_has "$1" "^ +$2: #[0-9]+, reqid [0-9]+, INSTALLED"
}

# rim_lab_no_child NODE CHILD: no CHILD_SA CHILD in NODE at all.
rim_lab_no_child()
{
	_rim_lab_sas_lacks "$1" "^ +$2: #"
}

# rim_lab_ike_up NODE CONN: NODE has an ESTABLISHED IKE_SA of CONN.
rim_lab_ike_up()
{
	_rim_lab_sas_has "$1" "^$2: #[0-9]+, ESTABLISHED"
}

# rim_lab_ike_gone NODE CONN: NODE lists no IKE_SA of CONN at all.
rim_lab_ike_gone()
{
	_rim_lab_sas_lacks "$1" "^$2: #"
}

# rim_lab_ike_count NODE: print how many IKE_SAs NODE lists.
rim_lab_ike_count()
{
	lab_swanctl "$1" --list-sas 2>/dev/null |
		grep -Ec '^[a-z0-9]+: #[0-9]+, [A-Z_]+, IKEv2'
}

# rim_lab_child_uid NODE CHILD: set RIM_UID to the unique id of NODE's
# INSTALLED CHILD_SA CHILD (empty when none).
rim_lab_child_uid()
{
	RIM_UID=$(lab_swanctl "$1" --list-sas 2>/dev/null |
		sed -nE "s/^ +$2: #([0-9]+), reqid [0-9]+, INSTALLED.*/\1/p" |
		tail -n 1)
	[ -n "$RIM_UID" ]
}

# rim_lab_uid_changed NODE CHILD OLD: the INSTALLED CHILD_SA has a unique
# id other than OLD (a rekey happened).
rim_lab_uid_changed()
{
	local RIM_UID
	rim_lab_child_uid "$1" "$2" && [ "$RIM_UID" != "$3" ]
}

# rim_lab_counter NODE IFNAME rx|tx: print the packet counter.
rim_lab_counter()
{
	lab_exec "$1" ip -j -s link show "$2" |
		jq ".[0].stats64.$3.packets"
}

# rim_lab_ping SRC DST_ADDR: one ping from host SRC (H1 ...) to DST_ADDR.
rim_lab_ping()
{
	lab_exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1
}

# rim_lab_path FROM DST: ping DST from FROM and print which path M1 used
# for the request: "tunnel" (ipsec0 tx grew), "leased" (M1's veth to L1 tx
# grew), "both", "none" (no answer) or "lost" (answer lost).
rim_lab_path()
{
	local t0 t1 l0 l1 ok=0
	t0=$(rim_lab_counter M1 ipsec0 tx 2>/dev/null || echo 0)
	l0=$(rim_lab_counter M1 to-L1 tx)
	rim_lab_ping "$1" "$2" && ok=1
	t1=$(rim_lab_counter M1 ipsec0 tx 2>/dev/null || echo 0)
	l1=$(rim_lab_counter M1 to-L1 tx)
	[ "$t0" = null ] && t0=0
	[ "$t1" = null ] && t1=0
	if [ "$ok" = 0 ]; then
		echo none
	elif [ "$t1" -gt "$t0" ] && [ "$l1" -gt "$l0" ]; then
		echo both
	elif [ "$t1" -gt "$t0" ]; then
		echo tunnel
	elif [ "$l1" -gt "$l0" ]; then
		echo leased
	else
		echo lost
	fi
}

# rim_lab_path_is FROM DST WANT: the ping succeeds over path WANT.
rim_lab_path_is()
{
	[ "$(rim_lab_path "$1" "$2")" = "$3" ]
}

# rim_lab_kernel_routes NODE TABLE PROTO: print "PREFIX DEV PRIORITY" lines
# of the routes of PROTO in TABLE (sorted).
rim_lab_kernel_routes()
{
	lab_exec "$1" ip -j route show table "$2" proto "$3" |
		jq -r '.[] | "\(.dst) \(.dev) \(.metric // 0)"' | sort
}

# rim_lab_monitor NODE NAME: start `ip monitor route` in NODE (log
# $LAB_RUN/logs/NODE-NAME.log) and return once it is subscribed: its
# netlink socket has multicast groups (/proc/PID/net/netlink), so no event
# after this call is missed. Sets RIM_MON_PID, RIM_MON_LOG, RIM_MON_NODE.
rim_lab_monitor()
{
	lab_daemon "$1" "$2" ip monitor route || return 1
	RIM_MON_PID=$LAB_PID
	RIM_MON_LOG=$LAB_RUN/logs/$1-$2.log
	RIM_MON_NODE=$1
	lab_wait_for 5 _rim_subscribed "$RIM_MON_PID" || {
		_rim_err "ip monitor in $1 did not subscribe"
		return 1
	}
}

_rim_subscribed()
{
	# a NETLINK_ROUTE socket (Eth 0) of port PID with groups set
	awk -v p="$1" '$2 == 0 && $3 == p && $4 != "00000000" { f = 1 }
		END { exit !f }' "/proc/$1/net/netlink"
}

# rim_lab_monitor_stop: a barrier, then stop the monitor: a marker route
# (blackhole RIM_MARKER in table 9999, which nothing of the lab reads, a
# new metric each time) is added and its line awaited in the log, so every
# route event before the call is in the log when it returns.
RIM_MARKER=203.0.113.254
RIM_MARKER_N=0
rim_lab_monitor_stop()
{
	local rc=0 ns
	ns=$(lab_nsname "$RIM_MON_NODE")
	RIM_MARKER_N=$((RIM_MARKER_N + 1))
	ip -n "$ns" route add blackhole "$RIM_MARKER/32" table 9999 \
		metric "$RIM_MARKER_N" &&
		lab_wait_for 5 grep -q "$RIM_MARKER table 9999 metric $RIM_MARKER_N\b" \
			"$RIM_MON_LOG" || rc=1
	kill "$RIM_MON_PID" 2>/dev/null
	wait "$RIM_MON_PID" 2>/dev/null
	[ $rc = 0 ] || _rim_err "ip monitor in $RIM_MON_NODE did not catch up"
	return $rc
}



# rim_lab_timed LABEL SECS CMD...: lab_wait_for; on success the elapsed ms
# is appended to TIMES as " LABEL=Nms".
rim_lab_timed()
{
	local label=$1 t0 rc
	shift
	t0=$(lab_now_ms)
	lab_wait_for "$@"
	rc=$?
	[ $rc -eq 0 ] && TIMES+=" $label=$(($(lab_now_ms) - t0))ms"
	return $rc
}

# rim_lab_ripd_conf "SATS" "RIM LINES" "IPSEC LINES": print ripd-mep.conf
# for the center M1: gateways M1 and SATS (e.g. "S1 S2") with their lab
# addresses and domains, star community STAR-1 (permanent tunnels), and
# the rim and ipsec blocks with the given statements (one per line).
rim_lab_ripd_conf()
{
	local sats=$1 rim=$2 ipsec=$3 s l
	printf 'mep\n local-gateway M1\n'
	printf ' gateway M1\n  address %s\n  vpn-domain %s\n exit\n !\n' \
		"$RIM_M1_INET" "${RIM_DOMAIN[M1]}"
	for s in $sats; do
		printf ' gateway %s\n  address %s\n  vpn-domain %s\n exit\n !\n' \
			"$s" "${RIM_INET[$s]}" "${RIM_DOMAIN[$s]}"
	done
	printf ' community STAR-1\n  type star\n  center M1\n'
	for s in $sats; do
		printf '  satellite %s\n' "$s"
	done
	printf '  permanent-tunnels\n exit\n !\n rim\n'
	while IFS= read -r l; do
		[ -n "$l" ] && printf '  %s\n' "$l"
	done <<<"$rim"
	printf ' exit\n !\n ipsec\n'
	while IFS= read -r l; do
		[ -n "$l" ] && printf '  %s\n' "$l"
	done <<<"$ipsec"
	printf ' exit\n !\nexit\n!\n'
}
