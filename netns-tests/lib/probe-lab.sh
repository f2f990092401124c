# shellcheck shell=bash disable=SC2034
# netns-tests/lib/probe-lab.sh: the probing lab, sourced after lib/netns.sh
# by netns-tests/test-probe-rogue.sh and the probe benchmarks
# (tools/bench/probe-detect, tools/bench/probe-flood). It owns the node
# layout and addresses below, the ripd-mep configurations (no charon: the
# probes are ripd-mep's own UDP), the delaying relay on the far path and
# helpers that read `show mep ... json`.
#
#   S1 10.0.1.2 --- RG (router, the rogue) --- 10.0.2.2 M1  (near center)
#                        |
#                   10.0.3.2 FAR: udp_delay 10.0.3.2:PORT -> 10.0.4.2:PORT
#                        |
#                   10.0.4.2 M2  (far center)
#
# S1 is a satellite of community C (centers M1 and M2, mep enable,
# first-to-respond, tracking log); both centers hold the same VPN domain
# 10.1.0.0/16. S1 knows M2 by the relay's address (10.0.3.2), so its
# probes to M2 and their answers take PROBE_LAB_DELAY ms more each way;
# M1 and M2 know S1 by its own address. RG forwards between all of them
# and is where the rogue runs: it sees S1's requests to M1 on "to-s1"
# (captured for replays) and sends its own packets from 10.0.2.1.
#
# Environment: RIPD_MEP_BUILD (ripd-mep, mepsh), RIPD_MEP_BUILDDIR (the
# build tree: tools/bench/udp_delay and probe_rogue), RIPD_MEP_TOP.

export RIPD_MEP_YANG_DIR=${RIPD_MEP_YANG_DIR:-${RIPD_MEP_TOP:?}/yang}
PROBE_LAB_KEY=s3cr3t-probe-key
PROBE_LAB_PORT=18259
PROBE_LAB_DELAY=0		# ms, each way, on the far path
PROBE_LAB_RELAY_PID=
declare -A PROBE_LAB_PID=()
declare -A PROBE_LAB_ADDR=([s1]=10.0.1.2 [m1]=10.0.2.2 [m2]=10.0.4.2)
PROBE_LAB_RELAY_ADDR=10.0.3.2
PROBE_LAB_ROGUE_ADDR=10.0.2.1

probe_lab_tool() { echo "${RIPD_MEP_BUILDDIR:?}/tools/bench/$1"; }

# probe_lab_build: namespaces, links, routes (no daemons).
probe_lab_build()
{
	local n
	for n in s1 rg m1 far m2; do
		lab_ns "$n" || return 1
	done
	lab_link s1 rg 10.0.1.2/24 10.0.1.1/24 &&
		lab_link m1 rg 10.0.2.2/24 10.0.2.1/24 &&
		lab_link far rg 10.0.3.2/24 10.0.3.1/24 &&
		lab_link m2 far 10.0.4.2/24 10.0.4.1/24 || return 1
	lab_route s1 add default via 10.0.1.1 &&
		lab_route m1 add default via 10.0.2.1 &&
		lab_route far add default via 10.0.3.1 &&
		lab_route m2 add default via 10.0.4.1 &&
		lab_route rg add 10.0.4.0/24 via 10.0.3.2
}

# probe_lab_conf NODE INTERVAL_MS DEAD_COUNT: write NODE's configuration
# (NODE is s1, m1 or m2; the gateway names are upper case).
probe_lab_conf()
{
	local node=$1 interval=$2 dead=$3 m2addr=${PROBE_LAB_ADDR[m2]}
	[ "$node" = s1 ] && m2addr=$PROBE_LAB_RELAY_ADDR
	mkdir -p "$LAB_RUN/$node"
	cat >"$LAB_RUN/$node/ripd-mep.conf" <<CONF
mep
 local-gateway ${node^^}
 gateway M1
  address ${PROBE_LAB_ADDR[m1]}
  vpn-domain 10.1.0.0/16
 exit
 !
 gateway M2
  address $m2addr
  vpn-domain 10.1.0.0/16
 exit
 !
 gateway S1
  address ${PROBE_LAB_ADDR[s1]}
  vpn-domain 10.11.0.0/16
 exit
 !
 community C
  type star
  center M1
  center M2
  satellite S1
  mep enable
  mep entry-point first-to-respond
  mep tracking log
 exit
 !
 probe interval $interval dead-count $dead port $PROBE_LAB_PORT key $PROBE_LAB_KEY
exit
!
CONF
}

# probe_lab_start NODE: ripd-mep in NODE on its configuration; its pid in
# PROBE_LAB_PID[NODE], its log $LAB_RUN/logs/NODE-ripd-mep.log.
probe_lab_start()
{
	local node=$1
	lab_daemon "$node" ripd-mep "${RIPD_MEP_BUILD:?}/ripd-mep" -u root \
		-f "$LAB_RUN/$node/ripd-mep.conf" \
		--vty_socket "$LAB_RUN/$node" --log stdout || return 1
	PROBE_LAB_PID[$node]=$LAB_PID
	lab_wait_for 5 test -S "$LAB_RUN/$node/ripd-mep.vty" || {
		_lab_err "no vty socket for ripd-mep in $node"
		return 1
	}
}

probe_lab_log() { echo "$LAB_RUN/logs/$1-ripd-mep.log"; }

# probe_lab_relay: udp_delay in FAR (its delay from PROBE_LAB_DELAY and
# the control file, changed by probe_lab_delay).
probe_lab_relay()
{
	echo "$PROBE_LAB_DELAY" >"$LAB_RUN/relay.ctl"
	lab_daemon far udp_delay "$(probe_lab_tool udp_delay)" \
		--listen "$PROBE_LAB_RELAY_ADDR:$PROBE_LAB_PORT" \
		--to "${PROBE_LAB_ADDR[m2]}:$PROBE_LAB_PORT" \
		--control "$LAB_RUN/relay.ctl" || return 1
	PROBE_LAB_RELAY_PID=$LAB_PID
}

# probe_lab_delay MS [JITTER]: the relay's one-way delay from now on.
probe_lab_delay()
{
	echo "$1 ${2:-0}" >"$LAB_RUN/relay.ctl"
	PROBE_LAB_DELAY=$1
	kill -HUP "$PROBE_LAB_RELAY_PID"
}

# probe_lab_up INTERVAL DEAD: the whole lab with daemons on s1, m1, m2.
probe_lab_up()
{
	local n
	probe_lab_build || return 1
	probe_lab_relay || return 1
	for n in m1 m2 s1; do
		probe_lab_conf "$n" "$1" "$2" && probe_lab_start "$n" ||
			return 1
	done
}

# probe_lab_sh NODE ARGS...: mepsh against NODE's ripd-mep.
probe_lab_sh()
{
	local node=$1
	shift
	"${RIPD_MEP_BUILD:?}/mepsh" -S "$LAB_RUN/$node/ripd-mep.vty" "$@"
}

# probe_lab_json NODE WHAT: `show mep WHAT json` of NODE ("" for show mep).
probe_lab_json()
{
	probe_lab_sh "$1" -c "show mep${2:+ $2} json"
}

# probe_lab_gw NODE GATEWAY FIELD: a leaf of GATEWAY in NODE's show mep
# gateways json (liveness, verdict-source, srtt-us, losses, draining...).
probe_lab_gw()
{
	probe_lab_json "$1" gateways | jq -r --arg g "$2" --arg f "$3" \
		'."ripd-mep:mep-state".gateway[]? | select(.name == $g) |
		 .[$f] // empty'
}

probe_lab_live() { [ "$(probe_lab_gw "$1" "$2" liveness)" = "$3" ]; }

# probe_lab_entry NODE: the gateway of NODE's (first) entry point.
probe_lab_entry()
{
	probe_lab_json "$1" entry-points | jq -r \
		'[."ripd-mep:mep-state"."entry-point"[]?.gateway][0] // empty'
}

probe_lab_entry_is() { [ "$(probe_lab_entry "$1")" = "$2" ]; }

# probe_lab_rejected NODE CAUSE: NODE's count of probe datagrams rejected
# for CAUSE (show mep probes json, probe-totals), 0 when absent.
probe_lab_rejected()
{
	probe_lab_json "$1" probes | jq -r --arg c "$2" \
		'."ripd-mep:mep-state"."probe-totals".rejected[$c] // 0'
}

# probe_lab_peer NODE PEER LEAF: a leaf of PEER in NODE's probe-peer list.
probe_lab_peer()
{
	probe_lab_json "$1" probes | jq -r --arg p "$2" --arg l "$3" \
		'."ripd-mep:mep-state"."probe-peer"[]? | select(.name == $p) |
		 .[$l] // empty'
}

# probe_lab_tracking NODE: the tracking lines NODE logged so far.
probe_lab_tracking()
{
	grep -F 'Resolved peer for tunnel' "$(probe_lab_log "$1")"
}

# probe_lab_rogue ARGS...: probe_rogue in RG against M1 (--to, --port,
# --key and --target given; more options in ARGS).
probe_lab_rogue()
{
	lab_exec rg "$(probe_lab_tool probe_rogue)" --to "${PROBE_LAB_ADDR[m1]}" \
		--port "$PROBE_LAB_PORT" --key "$PROBE_LAB_KEY" --target M1 \
		--quiet "$@"
}

# probe_lab_rss PID: VmRSS in kB; probe_lab_cpu_ticks PID: utime+stime.
probe_lab_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
probe_lab_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# probe_lab_cut NODE / probe_lab_mend NODE: a center's own veth (m1: to
# RG, m2: to FAR) down / up again, its default route put back (an
# interface going down takes its routes along).
declare -A PROBE_LAB_UPLINK=([m1]=to-rg [m2]=to-far)
declare -A PROBE_LAB_GW=([m1]=10.0.2.1 [m2]=10.0.4.1)
probe_lab_cut()
{
	ip -n "$(lab_nsname "$1")" link set "${PROBE_LAB_UPLINK[$1]}" down
}
probe_lab_mend()
{
	local ns
	ns=$(lab_nsname "$1")
	ip -n "$ns" link set "${PROBE_LAB_UPLINK[$1]}" up &&
		ip -n "$ns" route replace default via "${PROBE_LAB_GW[$1]}"
}
