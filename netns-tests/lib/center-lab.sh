# shellcheck shell=bash disable=SC2034
# netns-tests/lib/center-lab.sh: the three-center lab, sourced after lib/netns.sh
# by netns-tests/test-probe.sh and the demo. Three centers M1 M2 M3 and
# two satellites S1 S2, each running ripd-mep (no charon), on one bridge
# br0 in a hub namespace ("the internet"), addresses CENTER_LAB_ADDR[GW]
# on 192.0.2.0/24; one explicit MEP community STAR-1, priority-list (S1:
# M1, M2, M3; S2: M2, M3), tracking log.
#
#   center_lab_build INTERVAL DEAD   build it, start the five daemons, wait
#                                   for their vty sockets; sets
#                                   CENTER_LAB_IF[GW] (the node's veth) and
#                                   CENTER_LAB_PID[GW]
#   center_lab_conf GW INTERVAL DEAD the configuration of gateway GW
#   center_lab_sock GW               GW's vty socket
#   center_lab_log GW                GW's ripd-mep log
#
# Optional, set before center_lab_build: CENTER_LAB_GW_EXTRA[GW] (lines
# added to gateway GW's block, e.g. "  if-id 1") and CENTER_LAB_COMM_EXTRA
# (lines added to the community, e.g. "  steering route"), the same in
# every node's configuration.
#
# Needs BIN (the ripd-mep binary). Functions fail the test (lab_fail) on
# a set-up error.

declare -A CENTER_LAB_ADDR=([M1]=192.0.2.1 [M2]=192.0.2.2 [M3]=192.0.2.3
	[S1]=192.0.2.11 [S2]=192.0.2.12)
declare -A CENTER_LAB_IF CENTER_LAB_PID CENTER_LAB_GW_EXTRA
CENTER_LAB_COMM_EXTRA=${CENTER_LAB_COMM_EXTRA:-}

# center_lab_gw GW DOMAIN: one gateway block.
center_lab_gw()
{
	printf ' gateway %s\n  address %s\n  vpn-domain %s\n' "$1" \
		"${CENTER_LAB_ADDR[$1]}" "$2"
	[ -z "${CENTER_LAB_GW_EXTRA[$1]:-}" ] ||
		printf '%s\n' "${CENTER_LAB_GW_EXTRA[$1]}"
	printf ' exit\n'
}

center_lab_conf()
{
	local local_gw=$1 interval=$2 dead=$3
	cat <<CONF
mep
 local-gateway $local_gw
$(center_lab_gw M1 10.1.0.0/16)
$(center_lab_gw M2 10.2.0.0/16)
$(center_lab_gw M3 10.3.0.0/16)
$(center_lab_gw S1 10.11.0.0/16)
$(center_lab_gw S2 10.12.0.0/16)
 community STAR-1
  type star
  center M1
  center M2
  center M3
  satellite S1
  satellite S2
  mep enable
  mep entry-point priority-list
  mep priority default primary M1 secondary M2 tertiary M3
  mep priority satellite S2 primary M2 secondary M3
  mep tracking log
${CENTER_LAB_COMM_EXTRA}
 exit
 probe interval $interval dead-count $dead key lab-probe-key-0123
exit
CONF
}

center_lab_sock() { echo "$LAB_RUN/${1,,}/ripd-mep.vty"; }
center_lab_log() { echo "$LAB_RUN/logs/${1,,}-ripd-mep.log"; }

center_lab_build()
{
	local interval=$1 dead=$2 g node
	lab_ns hub
	if ! { ip -n "$(lab_nsname hub)" link add br0 type bridge &&
		ip -n "$(lab_nsname hub)" link set br0 up; }; then
		lab_fail "cannot create the bridge"
	fi
	for g in M1 M2 M3 S1 S2; do
		node=${g,,}
		lab_ns "$node"
		lab_link hub "$node" - "${CENTER_LAB_ADDR[$g]}/24" ||
			lab_fail "link $g"
		CENTER_LAB_IF[$g]=$LAB_IF2
		ip -n "$(lab_nsname hub)" link set "$LAB_IF1" master br0 ||
			lab_fail "bridge port for $g"
		center_lab_conf "$g" "$interval" "$dead" \
			>"$LAB_RUN/$node/ripd-mep.conf"
		lab_daemon "$node" ripd-mep "$BIN" -u root \
			-f "$LAB_RUN/$node/ripd-mep.conf" \
			--vty_socket "$LAB_RUN/$node" --log stdout
		CENTER_LAB_PID[$g]=$LAB_PID
	done
	for g in M1 M2 M3 S1 S2; do
		lab_wait_for 5 test -S "$(center_lab_sock "$g")" ||
			lab_fail "no vty socket for $g"
	done
}
