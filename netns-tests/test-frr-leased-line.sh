#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers are called through lab_wait_for
# netns-tests/test-frr-leased-line.sh: the "leased line" test of issue 4
# with real FRR (lib/frr-lab.sh): ripd-mep on the center M1 injects S1's
# VPN domain into zebra over ZAPI (route type nhrp, distance 20, metric 10,
# tag 2600); M1 redistributes it into OSPF, then into iBGP; the internal
# router R1 must prefer M1 while the tunnel is up and fall back to the
# leased-line router L1 while it is down, with a continuous ping H1 -> HS1
# whose losses are reported. Then kill -9 of ripd-mep: R1 sees no
# withdrawal (graceful restart), the restarted daemon refreshes the route;
# zebra restarted on M1: the route is back within 2 s.
#
# FRR_LAB_MODE=standin proves the FRR side alone, with a kernel route
# standing in for ripd-mep (redistribute kernel), and prints the timings.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"
# shellcheck source-path=SCRIPTDIR source=lib/frr-lab.sh
. "$(dirname "$0")/lib/frr-lab.sh"

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
MODE=${FRR_LAB_MODE:-ripd-mep}
DISTANCE=20
STALE=120
S1NET=$FRR_S1NET
TIMES=
LOSSES=

lab_init frr-leased-line
DIR=$LAB_RUN/M1
CONF=$DIR/ripd-mep.conf
SOCK=$DIR/ripd-mep.vty
DPID=

mkdir -p "$DIR"
rim_lab_ripd_conf S1 "backend zebra
distance $DISTANCE
metric $FRR_RIM_METRIC
tag $FRR_TAG
route-type nhrp
stale-time $STALE" "vici-socket $(lab_vici M1)" >"$CONF"

case $MODE in
ripd-mep)
	out=$("$BIN" -C -f "$CONF" 2>&1) ||
		lab_fail "ripd-mep -C rejects the configuration: $out" ;;
standin) ;;
*) lab_fail "FRR_LAB_MODE must be ripd-mep or standin" ;;
esac
[ "$MODE" = standin ] && FRR_SRC=kernel

# ---- topology, charons, FRR: adjacencies and the leased line alone
frr_lab_build || lab_fail "cannot build the topology"
if ! rim_lab_charon_start M1 || ! rim_lab_charon_start S1; then
	lab_fail "cannot start the charons"
fi
t0=$(rim_lab_now_ms)
frr_lab_frr || lab_fail "cannot start FRR"
lab_wait_for 20 frr_lab_full R1 2 || lab_fail "R1's OSPF adjacencies: \
$(lab_vtysh R1 -c 'show ip ospf neighbor')"
TIMES+=" ospf-full=$(($(rim_lab_now_ms) - t0))ms"
lab_wait_for 10 frr_lab_r1_is "ospf L1" || {
	frr_lab_r1_route
	lab_fail "R1 did not learn $S1NET from L1: $FRR_PATH"
}
lab_wait_for 10 frr_lab_bgp_up || lab_fail "iBGP M1-R1 not Established"
TIMES+=" frr-ready=$(($(rim_lab_now_ms) - t0))ms"
lab_wait_for 5 frr_lab_path_is leased || {
	frr_lab_path
	lab_fail "H1 -> HS1 not over the leased line: $FRR_PATH"
}
lab_ok "OSPF M1-R1, R1-L1 Full; iBGP up; R1 reaches $S1NET via L1 (E2 $FRR_LEASED_METRIC)"

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }
start_daemon()
{
	lab_daemon M1 ripd-mep "$BIN" -u root -f "$CONF" --vty_socket "$DIR" \
		--log stdout || return 1
	DPID=$LAB_PID
	lab_wait_for 5 test -S "$SOCK"
}
stop_daemon()
{
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	rm -f "$SOCK"
}
jroute()
{
	# jroute: ripd-mep's state of S1's route as compact JSON
	mepsh -c 'show mep routes json' | jq -ec --arg p "$S1NET" \
		'."ripd-mep:mep-state".route[]? | select(.prefix == $p)'
}
jinstalled()
{
	jroute | jq -e '.state == "installed"' >/dev/null
}
lab_vtysh_m1_nhrp()
{
	# M1's zebra has a route of type nhrp for S1's domain
	lab_vtysh M1 -c "show ip route $S1NET json" |
		jq -e --arg p "$S1NET" '[.[$p][]? | select(.protocol == "nhrp")] |
		 length > 0' >/dev/null
}
no_m1_nhrp()
{
	! lab_vtysh_m1_nhrp
}
zebra_client_of()
{
	# zebra_client_of TYPE: M1's zebra has a client of route type TYPE
	lab_vtysh M1 -c 'show zebra client summary' | grep -q "^$1 "
}
zebra_client()
{
	# zebra on M1 has a client of route type nhrp (ripd-mep)
	zebra_client_of nhrp
}

# ---- does ripd-mep talk to zebra?
if [ "$MODE" = ripd-mep ]; then
	start_daemon || lab_fail "ripd-mep did not start"
	if ! rim_lab_up S1 || ! lab_wait_for 10 rim_lab_installed M1 net
	then
		lab_fail "S1-M1 tunnel not INSTALLED"
	fi
	lab_wait_for 3 jroute || lab_fail "no $S1NET in show mep routes json"
	lab_wait_for 3 zebra_client ||
		lab_fail "ripd-mep does not register with zebra as nhrp: $(jroute)"
	rim_lab_down S1 || lab_fail "cannot terminate S1"
	lab_wait_for 5 rim_lab_ike_gone M1 s1 || lab_fail "M1 keeps the IKE_SA"
fi

PRIO=$(((DISTANCE << 24) | FRR_RIM_METRIC))
inject_up()
{
	rim_lab_up S1 && lab_wait_for 10 rim_lab_installed M1 net || return 1
	if [ "$MODE" = standin ]; then
		lab_route M1 replace "$S1NET" dev ipsec0 proto 250 \
			metric "$PRIO" || return 1
	fi
}
inject_down()
{
	rim_lab_down S1 || return 1
	if [ "$MODE" = standin ]; then
		lab_route M1 del "$S1NET" dev ipsec0 proto 250 metric "$PRIO" ||
			return 1
	fi
}
m1_route_ok()
{
	# M1's zebra holds the injected route with ripd-mep's attributes
	local r
	r=$(lab_vtysh M1 -c "show ip route $S1NET json" |
		jq -c --arg p "$S1NET" '.[$p][]? | select(.protocol == "nhrp")')
	jq -e --argjson d "$DISTANCE" --argjson m "$FRR_RIM_METRIC" \
		--argjson t "$FRR_TAG" '.selected and .distance == $d and
		 .metric == $m and .tag == $t' >/dev/null <<<"$r"
}

# switch LABEL UP|DOWN: change the tunnel with a continuous ping running;
# R1 must move to M1 (UP) or to L1 (DOWN); losses go to LOSSES.
switch()
{
	local label=$1 dir=$2 want
	frr_lab_ping_start "ping-$label" || lab_fail "no ping"
	lab_wait_for 3 grep -q icmp_seq "$FRR_PING_LOG" ||
		lab_fail "$label: ping not answered before the switch"
	if [ "$dir" = up ]; then
		want="$FRR_VARIANT M1"
		inject_up || lab_fail "$label: cannot bring the tunnel up"
	else
		want="ospf L1"
		inject_down || lab_fail "$label: cannot bring the tunnel down"
	fi
	rim_lab_timed "$label" 10 frr_lab_r1_is "$want" || {
		frr_lab_r1_route
		lab_fail "$label: R1 uses $FRR_PATH, not $want"
	}
	# let the ping run on the new path a moment, then count
	sleep 0.5
	frr_lab_ping_stop || lab_fail "$label: no ping result"
	LOSSES+=" $label=$FRR_LOSS/$FRR_SENT(${FRR_LOSS_MS}ms)"
	if [ "$dir" = up ]; then
		lab_wait_for 3 frr_lab_path_is tunnel || {
			frr_lab_path
			lab_fail "$label: H1 -> HS1 over $FRR_PATH, not the tunnel"
		}
		if [ "$MODE" = ripd-mep ]; then
			lab_wait_for 2 m1_route_ok || lab_fail "$label: M1's \
zebra route: $(lab_vtysh M1 -c "show ip route $S1NET json")"
			lab_wait_for 2 jinstalled ||
				lab_fail "$label: route state $(jroute)"
		fi
	else
		lab_wait_for 3 frr_lab_path_is leased || {
			frr_lab_path
			lab_fail "$label: H1 -> HS1 over $FRR_PATH, not leased"
		}
	fi
	# the ping must keep going: no more than 3 s lost in one switch
	[ "$FRR_LOSS" -le 150 ] ||
		lab_fail "$label: $FRR_LOSS of $FRR_SENT pings lost"
	lab_ok "$label: R1 -> $want, H1 -> HS1 $([ "$dir" = up ] &&
		echo through the tunnel || echo over the leased line), \
$FRR_LOSS/$FRR_SENT pings lost"
}

for v in ospf bgp; do
	frr_lab_variant "$v" || lab_fail "cannot configure the $v variant"
	switch "$v-up" up
	switch "$v-down" down
	switch "$v-back" up
	if [ "$v" = ospf ]; then
		inject_down || lab_fail "cannot bring the tunnel down"
		lab_wait_for 10 frr_lab_r1_is "ospf L1" ||
			lab_fail "R1 not back on L1 between the variants"
	fi
done

if [ "$MODE" = standin ]; then
	echo "timings:$TIMES"
	echo "ping losses (lost/sent, 20 ms interval):$LOSSES"
	lab_pass "FRR side with a kernel stand-in;$TIMES;$LOSSES"
fi

# ---- kill -9 ripd-mep with the tunnel up (iBGP variant): no withdrawal
lab_daemon R1 monitor ip monitor route || lab_fail "no ip monitor in R1"
MON=$LAB_PID
MONLOG=$LAB_RUN/logs/R1-monitor.log
frr_lab_ping_start ping-kill9 || lab_fail "no ping"
up0=$(frr_lab_m1_rib nhrp) || lab_fail "no nhrp route on M1 before kill -9"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
rm -f "$SOCK"
t0=$(rim_lab_now_ms)
# watch R1 for 5 s without ripd-mep: still via M1 over BGP
while [ $(($(rim_lab_now_ms) - t0)) -lt 5000 ]; do
	frr_lab_r1_is "bgp M1" || lab_fail "R1 changed after kill -9: $FRR_PATH"
	sleep 0.2
done
frr_lab_m1_rib nhrp >/dev/null || lab_fail "M1's zebra dropped the route \
after kill -9: $(lab_vtysh M1 -c "show ip route $S1NET json")"
start_daemon || lab_fail "ripd-mep did not restart"
trestart=$(rim_lab_now_ms)
rim_lab_timed refresh 5 jinstalled || lab_fail "not installed after restart: $(jroute)"
# the route was sent again: zebra's uptime started anew
age=$(frr_lab_m1_rib nhrp) || lab_fail "no nhrp route on M1 after restart"
[ "$age" -le $((($(rim_lab_now_ms) - trestart) / 1000 + 1)) ] ||
	lab_fail "route not refreshed (uptime ${age}s, ${up0}s before kill -9)"
m1_route_ok || lab_fail "route attributes after restart"
frr_lab_ping_stop || lab_fail "no ping result"
frr_lab_r1_is "bgp M1" || lab_fail "R1 after restart: $FRR_PATH"
kill "$MON"
wait "$MON" 2>/dev/null
grep -E "^Deleted $S1NET|^$S1NET.*to-L1" "$MONLOG" &&
	lab_fail "R1's kernel route changed during kill -9 / restart"
[ "$FRR_LOSS" -le 1 ] || lab_fail "kill -9: $FRR_LOSS of $FRR_SENT pings lost"
LOSSES+=" kill9=$FRR_LOSS/$FRR_SENT"
lab_ok "kill -9 + restart: R1 kept bgp M1, route refreshed (zebra uptime ${age}s), $FRR_LOSS/$FRR_SENT pings lost"

# ---- restart with a garbage file: the daemon runs and serves the vty,
# opens no zebra session (zebra's graceful restart keeps the route, R1
# stays on M1), and takes over when the file is fixed (SIGHUP)
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
rm -f "$SOCK"
cp "$CONF" "$CONF.good"
printf 'mep\n gateway\n \377 garbage\n' >"$CONF"
start_daemon || lab_fail "ripd-mep with a garbage file did not serve its vty"
lab_alive "$DPID" || lab_fail "ripd-mep exited on a garbage file"
mepsh -c 'show mep json' | jq -e '."ripd-mep:mep-state"' >/dev/null ||
	lab_fail "no show mep json while held"
grep -q "ripd-mep.conf:2: " "$LAB_RUN/logs/M1-ripd-mep.log" ||
	lab_fail "the log does not name the file and line of the error"
t0=$(rim_lab_now_ms)
while [ $(($(rim_lab_now_ms) - t0)) -lt 3000 ]; do
	zebra_client && lab_fail "a held ripd-mep opened a zebra session"
	frr_lab_m1_rib nhrp >/dev/null ||
		lab_fail "M1's zebra lost the route while ripd-mep was held"
	frr_lab_r1_is "bgp M1" || lab_fail "R1 changed while held: $FRR_PATH"
	sleep 0.2
done
mv "$CONF.good" "$CONF"
kill -HUP "$DPID"
rim_lab_timed held-fixed 5 jinstalled ||
	lab_fail "not installed after the file was fixed: $(jroute)"
lab_wait_for 3 zebra_client || lab_fail "no zebra session after the fix"
frr_lab_r1_is "bgp M1" || lab_fail "R1 after the fix: $FRR_PATH"
lab_ok "garbage file at start: vty served, no zebra session, route kept by zebra, taken over after SIGHUP"

# ---- zebra restarted on M1: ripd-mep replays within 2 s
frr_lab_zebra_restart M1 || lab_fail "cannot restart M1's zebra"
rim_lab_timed zebra-replay 2 frr_lab_m1_rib nhrp ||
	lab_fail "route not back in M1's zebra within 2 s"
m1_route_ok || lab_fail "route attributes after zebra restart"
lab_wait_for 2 jinstalled || lab_fail "state after zebra restart: $(jroute)"
# ospfd and bgpd reconnect to the new zebra on their own timer (10 s)
rim_lab_timed zebra-clients 25 zebra_client_of bgp ||
	lab_fail "bgpd did not reconnect to M1's zebra"
rim_lab_timed zebra-r1 10 frr_lab_r1_is "bgp M1" ||
	lab_fail "R1 after zebra restart: $FRR_PATH"
# M1's way back to H1 is an OSPF route. ospfd 8.4 does not re-install
# its routes into a restarted zebra until its next SPF run (FRR's
# behaviour, not ripd-mep's; watchfrr restarts every daemon instead), so
# the test asks for one after ospfd is back.
lab_wait_for 25 zebra_client_of ospf ||
	lab_fail "ospfd did not reconnect to M1's zebra"
lab_vtysh M1 -c 'clear ip ospf process' >/dev/null
lab_wait_for 15 frr_lab_path_is tunnel ||
	lab_fail "H1 -> HS1 after zebra restart: $FRR_PATH"
lab_ok "zebra restart: route replayed, R1 back on M1"

# ---- RIM switched off: withdrawn from zebra at once, not after the
# graceful-restart stale time
mepsh -c 'configure terminal' -c mep -c 'no rim' -c end ||
	lab_fail "cannot remove the rim block"
rim_lab_timed no-rim 3 no_m1_nhrp ||
	lab_fail "nhrp route still in M1's zebra after 'no rim'"
lab_ok "no rim: route withdrawn from zebra at once"

lab_alive "$DPID" || lab_fail "ripd-mep died"
echo "ping losses (lost/sent, 20 ms interval):$LOSSES"
lab_pass "leased line with ripd-mep over ZAPI;$TIMES"
