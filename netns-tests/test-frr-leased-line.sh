#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-frr-leased-line.sh: the "leased line" test of issue 4
# with real FRR (lib/frr-lab.sh): ripd-mep on the center M1 injects S1's
# VPN domain into zebra over ZAPI (route type nhrp, distance 20, metric 10,
# tag 2600); M1 redistributes it into OSPF, then into iBGP; the internal
# router R1 must prefer M1 while the tunnel is up and fall back to the
# leased-line router L1 while it is down, with a continuous ping H1 -> HS1
# whose losses are reported. Then kill -9 of ripd-mep: R1 sees no
# withdrawal (graceful restart), the restarted daemon refreshes the route;
# zebra restarted on M1: the route is back within 2 s. Routes are asserted
# through vtysh's and ripd-mep's JSON (show ip route ... json, show mep
# routes json); zebra's client list and swanctl have no JSON form.
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
PRIO=$(((DISTANCE << 24) | FRR_RIM_METRIC))

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

# ---- helpers (for lab_check and lab_wait_for)
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
	mepsh -c 'show mep routes json' | lab_jqe -c --arg p "$S1NET" \
		'."ripd-mep:mep-state".route[]? | select(.prefix == $p)'
}
jinstalled()
{
	jroute | lab_jqe '.state == "installed"' >/dev/null
}
m1_nhrp()
{
	# M1's zebra has a route of type nhrp for S1's domain
	lab_vtysh M1 -c "show ip route $S1NET json" |
		lab_jqe --arg p "$S1NET" '[.[$p][]? | select(.protocol == "nhrp")] |
		 length > 0' >/dev/null
}
# no_m1_nhrp: M1's zebra answers and has no nhrp route for S1's domain
# (not "! m1_nhrp": a zebra that answers nothing is no proof)
no_m1_nhrp()
{
	lab_vtysh M1 -c "show ip route $S1NET json" |
		lab_jqe --arg p "$S1NET" '[.[$p][]? | select(.protocol == "nhrp")] |
		 length == 0' >/dev/null
}
zebra_client_of()
{
	# zebra_client_of TYPE: M1's zebra has a client of route type TYPE
	# (show zebra client summary has no JSON form in FRR 8.4)
	lab_vtysh M1 -c 'show zebra client summary' | grep -q "^$1 "
}
# zebra_client: zebra on M1 has a client of route type nhrp (ripd-mep)
zebra_client() { zebra_client_of nhrp; }
no_zebra_client() { ! zebra_client; }
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
	lab_jqe --argjson d "$DISTANCE" --argjson m "$FRR_RIM_METRIC" \
		--argjson t "$FRR_TAG" '.selected and .distance == $d and
		 .metric == $m and .tag == $t' >/dev/null <<<"$r"
}
r1_is() { frr_lab_r1_is "$1"; }
# no_line ERE FILE: no line of FILE matches ERE
no_line() { ! grep -Eq -- "$1" "$2"; }
mep_json_ok() { mepsh -c 'show mep json' | lab_jqe '."ripd-mep:mep-state"' >/dev/null; }
path_is() { frr_lab_path_is "$1"; }
why_r1() { frr_lab_r1_route; echo "   R1 uses $FRR_PATH" >&2; }
why_path() { frr_lab_path; echo "   H1 -> HS1 over $FRR_PATH" >&2; }
why_m1() { echo "   M1's zebra: $(lab_vtysh M1 -c "show ip route $S1NET json" | jq -c .)" >&2; }
why_jroute() { echo "   show mep routes json: $(jroute)" >&2; }
# answered: how many replies the running ping (frr_lab_ping_start) logged
answered() { grep -c 'bytes from' "$FRR_PING_LOG"; }
answered_past() { [ "$(answered)" -ge "$1" ]; }
# m1_rib_age_max SECS: M1's zebra has the nhrp route, its uptime at most
# SECS (the route was sent anew); the age is left in AGE
AGE=
m1_rib_age_max()
{
	AGE=$(frr_lab_m1_rib nhrp) && [ "$AGE" -le "$1" ]
}
# held_ok: what a held ripd-mep (garbage file) must leave alone: no zebra
# session of its own, M1's zebra keeps the route, R1 stays on M1; the
# first that does not hold is left in HELD_WHY
HELD_WHY=
held_ok()
{
	HELD_WHY="a held ripd-mep opened a zebra session"
	no_zebra_client || return 1
	HELD_WHY="M1's zebra lost the route while ripd-mep was held"
	frr_lab_m1_rib nhrp >/dev/null || return 1
	HELD_WHY="R1 changed while held"
	r1_is "bgp M1" || { why_r1; return 1; }
	HELD_WHY=
}

# ---- topology, charons, FRR: adjacencies and the leased line alone
step_setup()
{
	local t0
	frr_lab_build || lab_fail "cannot build the topology"
	if ! rim_lab_charon_start M1 || ! rim_lab_charon_start S1; then
		lab_fail "cannot start the charons"
	fi
	t0=$(lab_now_ms)
	frr_lab_frr || lab_fail "cannot start FRR"
	lab_wait_for 20 frr_lab_full R1 2 || lab_fail "R1's OSPF adjacencies: \
$(lab_vtysh R1 -c 'show ip ospf neighbor')"
	TIMES+=" ospf-full=$(($(lab_now_ms) - t0))ms"
	lab_wait_for 10 r1_is "ospf L1" || {
		frr_lab_r1_route
		lab_fail "R1 did not learn $S1NET from L1: $FRR_PATH"
	}
	lab_wait_for 10 frr_lab_bgp_up || lab_fail "iBGP M1-R1 not Established"
	TIMES+=" frr-ready=$(($(lab_now_ms) - t0))ms"
	lab_ok "OSPF M1-R1, R1-L1 Full; iBGP up; R1 reaches $S1NET via L1 (E2 $FRR_LEASED_METRIC)"
	lab_check "H1 -> HS1 over the leased line before any tunnel" \
		lab_wait_for 5 path_is leased || why_path
}

# ---- does ripd-mep talk to zebra?
step_daemon()
{
	start_daemon || lab_fail "ripd-mep did not start"
	if ! rim_lab_up S1 || ! lab_wait_for 10 rim_lab_installed M1 net
	then
		lab_fail "S1-M1 tunnel not INSTALLED"
	fi
	lab_check "$S1NET in show mep routes json" lab_wait_for 3 jroute
	lab_check "ripd-mep registers with zebra as nhrp" \
		lab_wait_for 3 zebra_client || why_jroute
	rim_lab_down S1 || lab_fail "cannot terminate S1"
	lab_wait_for 5 rim_lab_ike_gone M1 s1 || lab_fail "M1 keeps the IKE_SA"
}

# switch LABEL up|down: change the tunnel with a continuous ping running;
# R1 must move to M1 (up) or to L1 (down); losses go to LOSSES.
switch()
{
	local label=$1 dir=$2 want path how n0
	frr_lab_ping_start "ping-$label" || lab_fail "no ping"
	lab_check "$label: ping answered before the switch" \
		lab_wait_for 3 grep -q icmp_seq "$FRR_PING_LOG"
	if [ "$dir" = up ]; then
		want="$FRR_VARIANT M1"
		path=tunnel
		how="through the tunnel"
		inject_up || lab_fail "$label: cannot bring the tunnel up"
	else
		want="ospf L1"
		path=leased
		how="over the leased line"
		inject_down || lab_fail "$label: cannot bring the tunnel down"
	fi
	lab_check "$label: R1 -> $want" \
		rim_lab_timed "$label" 10 r1_is "$want" || why_r1
	# let the ping run on the new path a moment (25 replies: 0.5 s),
	# then count
	n0=$(answered)
	lab_check "$label: the ping is answered on the new path" \
		lab_wait_for 5 answered_past $((n0 + 25))
	frr_lab_ping_stop || lab_fail "$label: no ping result"
	LOSSES+=" $label=$FRR_LOSS/$FRR_SENT(${FRR_LOSS_MS}ms)"
	lab_check "$label: H1 -> HS1 $how" \
		lab_wait_for 3 path_is "$path" || why_path
	if [ "$dir" = up ] && [ "$MODE" = ripd-mep ]; then
		lab_check "$label: M1's zebra has the route with ripd-mep's attributes" \
			lab_wait_for 2 m1_route_ok || why_m1
		lab_check "$label: show mep routes json: installed" \
			lab_wait_for 2 jinstalled || why_jroute
	fi
	# the ping must keep going: no more than 3 s lost in one switch
	lab_check "$label: $FRR_LOSS/$FRR_SENT pings lost (at most 150)" \
		[ "$FRR_LOSS" -le 150 ]
}

step_switches()
{
	local v
	for v in ospf bgp; do
		frr_lab_variant "$v" || lab_fail "cannot configure the $v variant"
		switch "$v-up" up
		switch "$v-down" down
		switch "$v-back" up
		if [ "$v" = ospf ]; then
			inject_down || lab_fail "cannot bring the tunnel down"
			lab_check "R1 back on L1 between the variants" \
				lab_wait_for 10 r1_is "ospf L1" || why_r1
		fi
	done
}

# ---- kill -9 ripd-mep with the tunnel up (iBGP variant): no withdrawal
step_kill9()
{
	local up0 trestart
	rim_lab_monitor R1 monitor || lab_fail "no ip monitor in R1"
	frr_lab_ping_start ping-kill9 || lab_fail "no ping"
	up0=$(frr_lab_m1_rib nhrp) || lab_fail "no nhrp route on M1 before kill -9"
	stop_daemon
	# watch R1 for 5 s without ripd-mep: still via M1 over BGP
	lab_check "kill -9: R1 stays on bgp M1 for 5 s" \
		lab_holds 5 r1_is "bgp M1" || why_r1
	lab_check "kill -9: M1's zebra keeps the route" \
		frr_lab_m1_rib nhrp >/dev/null || why_m1
	start_daemon || lab_fail "ripd-mep did not restart"
	trestart=$(lab_now_ms)
	lab_check "restart: route installed again" \
		rim_lab_timed refresh 5 jinstalled || why_jroute
	# the route was sent again: zebra's uptime started anew
	lab_check "restart: route refreshed in zebra (uptime ${up0}s before kill -9)" \
		m1_rib_age_max $((($(lab_now_ms) - trestart) / 1000 + 1)) ||
		echo "   uptime now: ${AGE:-no route}" >&2
	lab_check "restart: route attributes in M1's zebra" m1_route_ok || why_m1
	frr_lab_ping_stop || lab_fail "no ping result"
	lab_check "restart: R1 on bgp M1" r1_is "bgp M1" || why_r1
	rim_lab_monitor_stop || lab_fail "ip monitor in R1 lost"
	lab_check "kill -9 + restart: R1's kernel route never changed" \
		no_line "^Deleted $S1NET|^$S1NET.*to-L1" "$RIM_MON_LOG"
	lab_check "kill -9: $FRR_LOSS/$FRR_SENT pings lost (at most 1)" \
		[ "$FRR_LOSS" -le 1 ]
	LOSSES+=" kill9=$FRR_LOSS/$FRR_SENT"
}

# ---- restart with a garbage file: the daemon runs and serves the vty,
# opens no zebra session (zebra's graceful restart keeps the route, R1
# stays on M1), and takes over when the file is fixed (SIGHUP)
step_garbage_file()
{
	stop_daemon
	cp "$CONF" "$CONF.good"
	printf 'mep\n gateway\n \377 garbage\n' >"$CONF"
	start_daemon ||
		lab_fail "ripd-mep with a garbage file did not serve its vty"
	lab_check "ripd-mep runs on a garbage file" lab_alive "$DPID"
	lab_check "show mep json while held" \
		mep_json_ok
	# the error message is the behaviour under test
	lab_check "the log names the file and line of the error" \
		grep -q "ripd-mep.conf:2: " "$LAB_RUN/logs/M1-ripd-mep.log"
	lab_check "held for 3 s: no zebra session, route kept by zebra, R1 on M1" \
		lab_holds 3 held_ok || echo "   $HELD_WHY" >&2
	mv "$CONF.good" "$CONF"
	kill -HUP "$DPID"
	lab_check "file fixed (SIGHUP): route installed" \
		rim_lab_timed held-fixed 5 jinstalled || why_jroute
	lab_check "file fixed: zebra session" lab_wait_for 3 zebra_client
	lab_check "file fixed: R1 on bgp M1" r1_is "bgp M1" || why_r1
}

# ---- zebra restarted on M1: ripd-mep replays within 2 s
step_zebra_restart()
{
	frr_lab_zebra_restart M1 || lab_fail "cannot restart M1's zebra"
	lab_check "zebra restart: route back in M1's zebra within 2 s" \
		rim_lab_timed zebra-replay 2 frr_lab_m1_rib nhrp
	lab_check "zebra restart: route attributes" m1_route_ok || why_m1
	lab_check "zebra restart: show mep routes json: installed" \
		lab_wait_for 2 jinstalled || why_jroute
	# ospfd and bgpd reconnect to the new zebra on their own timer (10 s)
	lab_check "bgpd reconnects to M1's zebra" \
		rim_lab_timed zebra-clients 25 zebra_client_of bgp
	lab_check "zebra restart: R1 back on bgp M1" \
		rim_lab_timed zebra-r1 10 r1_is "bgp M1" || why_r1
	# M1's way back to H1 is an OSPF route. ospfd 8.4 does not re-install
	# its routes into a restarted zebra until its next SPF run (FRR's
	# behaviour, not ripd-mep's; watchfrr restarts every daemon instead),
	# so the test asks for one after ospfd is back.
	lab_check "ospfd reconnects to M1's zebra" \
		lab_wait_for 25 zebra_client_of ospf
	lab_vtysh M1 -c 'clear ip ospf process' >/dev/null
	lab_check "zebra restart: H1 -> HS1 through the tunnel" \
		lab_wait_for 15 path_is tunnel || why_path
}

# ---- RIM switched off: withdrawn from zebra at once, not after the
# graceful-restart stale time
step_no_rim()
{
	mepsh -c 'configure terminal' -c mep -c 'no rim' -c end ||
		lab_fail "cannot remove the rim block"
	lab_check "no rim: route withdrawn from zebra at once" \
		rim_lab_timed no-rim 3 no_m1_nhrp
	lab_check "ripd-mep alive" lab_alive "$DPID"
}

step_setup
[ "$MODE" = ripd-mep ] && step_daemon
step_switches
if [ "$MODE" = standin ]; then
	echo "timings:$TIMES"
	echo "ping losses (lost/sent, 20 ms interval):$LOSSES"
	lab_checks_done
	lab_pass "FRR side with a kernel stand-in;$TIMES;$LOSSES"
fi
step_kill9
step_garbage_file
step_zebra_restart
step_no_rim
echo "ping losses (lost/sent, 20 ms interval):$LOSSES"
lab_checks_done
lab_pass "leased line with ripd-mep over ZAPI;$TIMES"
