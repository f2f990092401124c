#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-rim-stream.sh: routes streamed to a real zebra while
# thousands of tunnels are listed or come up, then reconciled exactly.
# A fake charon (tools/bench/vici_feed, the benchmark's VICI server) serves
# T tunnels of 4 /24s each; ripd-mep (backend zebra) runs next to zebra in
# one namespace with a carrier-up veth "ipsec0".
#  1. listing of T tunnels: zebra ends with exactly 4T routes of type nhrp,
#     every one sent once (ripd-mep's ROUTE_ADD count), all shown
#     installed in `show mep routes`;
#  2. kill -9 right after, restart with the last quarter of the satellites
#     left out of the community (graceful restart): the routes of the
#     others are streamed again and never leave the kernel (ip monitor),
#     the left-out ones are withdrawn (ripd-mep asks zebra what an earlier
#     run left: zebra's own sweep would spare those installed in the
#     second the old session ended);
#  3. restart against a charon whose tunnels come up one by one
#     (child-updown) and then every other one goes down: zebra ends with
#     exactly the routes of the tunnels still up;
#  4. charon restarted and listing all T tunnels slowly (longer than the
#     2 s repair period): the routes of the tunnels back are streamed and
#     never withdrawn, the others never leave (ip monitor), exact set.
# Route states and the strongSwan link are asserted through show mep
# routes/tunnels json and show mep json; zebra's routes through vtysh's
# JSON; the log only for what has no JSON form (ROUTE_ADD counts, the
# routes withdrawn for an earlier run, misread zebra notes).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
MEPSH=$RIPD_MEP_BUILD/mepsh
FEED=${RIPD_MEP_BUILDDIR:?}/tools/bench/vici_feed
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
T=2000			# tunnels
KEEP=$((T * 3 / 4))	# phase 2: satellites S0..S(KEEP-1) stay linked
SAT_BASE_N=$(((100 << 24) | (64 << 16) | 1))	# tunnel i: 100.64.0.1 + i
DOM_BASE_N=$((10 << 24))	# tunnel i: 10.0.0.0 + 1024 i /22, 4 /24s

[ -x "$FEED" ] || { echo "SKIP: no $FEED (make first)"; exit 77; }
lab_init rim-stream
DIR=$LAB_RUN/Z
SOCK=$DIR/ripd-mep.vty
DPID=
mkdir -p "$DIR"

NS=$(lab_nsname Z)

# conf FILE VICI LINKED: T satellites, S0..S(LINKED-1) in star
# communities with the local center M1
conf()
{
	awk -v n="$T" -v linked="$3" -v vici="$2" -v sat="$SAT_BASE_N" \
		-v dom="$DOM_BASE_N" '
	function ip(a) { return int(a / 16777216) "." int(a / 65536) % 256 "." \
		int(a / 256) % 256 "." a % 256 }
	BEGIN {
		print "mep\n local-gateway M1\n gateway M1\n  address 192.0.2.1"
		print "  vpn-domain 172.16.0.0/16\n exit\n !"
		for (i = 0; i < n; i++)
			printf " gateway S%d\n  address %s\n  vpn-domain %s/22\n" \
				" exit\n !\n", i, ip(sat + i), ip(dom + 1024 * i)
		for (c = 0; c * 1000 < linked; c++) {
			printf " community STAR-%d\n  type star\n  center M1\n", c
			for (i = c * 1000; i < linked && i < (c + 1) * 1000; i++)
				printf "  satellite S%d\n", i
			print " exit\n !"
		}
		print " rim\n  distance 20\n  metric 10\n  tag 2600"
		print "  backend zebra\n  stale-time 60\n  interface ipsec0"
		print " exit\n !"
		print " ipsec\n  vici-socket " vici "\n  grace-period 30"
		print " exit\n !\nexit"
	}' >"$1"
	"$BIN" -C -f "$1" >/dev/null || lab_fail "ripd-mep -C rejects $1"
}

# feed NAME ARGS...: a fake charon on $DIR/NAME.vici
feed()
{
	local name=$1
	shift
	rm -f "$DIR/$name.vici"
	lab_daemon Z "feed-$name" "$FEED" -s "$DIR/$name.vici" -n "$T" \
		--sat-base 100.64.0.1 --dom-base 10.0.0.0 "$@" ||
		lab_fail "vici_feed"
	FEEDPID=$LAB_PID
	lab_wait_for 5 test -S "$DIR/$name.vici" || lab_fail "vici_feed $name"
}

start()
{
	# start CONF RUN: ripd-mep with CONF, log $LAB_RUN/logs/Z-ripd-RUN.log
	lab_daemon Z "ripd-$2" "$BIN" -u root -f "$1" --vty_socket "$DIR" \
		--log stdout || lab_fail "ripd-mep"
	DPID=$LAB_PID
}

# zebra's FIB routes of type nhrp
znhrp()
{
	lab_vtysh Z -c 'show ip route summary json' 2>/dev/null |
		jq -r '[.routes[]? | select(.type == "nhrp") | .fib] | add // 0'
}
znhrp_is() { [ "$(znhrp)" = "$1" ]; }
logged() { grep -q "$2" "$LAB_RUN/logs/Z-ripd-$1.log"; }
# route states shown by ripd-mep: "installed=N other=M"
states()
{
	"$MEPSH" -S "$SOCK" -c 'show mep routes json' |
		jq -r '[.["ripd-mep:mep-state"].route[]?.state] |
			"installed=\(map(select(. == "installed")) | length)" +
			" other=\(map(select(. != "installed")) | length)"'
}
# all_installed N: show mep routes json lists N routes, all installed
all_installed() { [ "$(states)" = "installed=$1 other=0" ]; }
# converged LABEL N ZEBRA_SECS SHOW_SECS: zebra ends with exactly N nhrp
# routes (within ZEBRA_SECS), then ripd-mep shows all N installed
converged()
{
	lab_check "$1: $2 nhrp routes in zebra" \
		lab_wait_for "$3" znhrp_is "$2" || why_zebra
	lab_check "$1: all $2 shown installed in show mep routes json" \
		lab_wait_for "$4" all_installed "$2" || why_states
}
# engine STATE: show mep json's ipsec-engine (the strongSwan link) starts
# with STATE (synced, lost, ...)
engine()
{
	[[ $("$MEPSH" -S "$SOCK" -c 'show mep json' |
		jq -r '."ripd-mep:mep-state"."ipsec-engine"') == "$1"* ]]
}
# ntunnels: how many tunnels show mep tunnels json lists
ntunnels()
{
	"$MEPSH" -S "$SOCK" -c 'show mep tunnels json' |
		jq '[.["ripd-mep:mep-state"].tunnel[]?] | length'
}
# ndeleted: route deletions in the monitor's log
ndeleted() { grep -c '^Deleted' "$RIM_MON_LOG"; }
ndeleted_is() { [ "$(ndeleted)" = "$1" ]; }
not_logged() { ! logged "$@"; }
why_states() { echo "   show mep routes json: $(states)" >&2; }
why_zebra() { echo "   zebra has $(znhrp) nhrp routes" >&2; }
why_sent() { echo "   $(grep 'update-complete' "$LAB_RUN/logs/Z-ripd-$1.log")" >&2; }
why_removed() { echo "   $(grep -m2 'removed by zebra' "$LAB_RUN/logs/Z-ripd-$1.log")" >&2; }
# ripd-mep's own count of the routes of an earlier run it withdrew (one
# line, or two when zebra's list of them straddles the first set): the
# log line is the behaviour under test, it has no JSON form
withdrawn()
{
	sed -n 's/.*zebra: withdrew \([0-9]*\) route(s) an earlier run left.*/\1/p' \
		"$LAB_RUN/logs/Z-ripd-2.log" | awk '{ n += $1 } END { print n + 0 }'
}
withdrawn_is() { [ "$(withdrawn)" = "$1" ]; }
# prefix K of tunnel I (K = 0..3)
pfx()
{
	local a=$((DOM_BASE_N + 1024 * $1 + 256 * $2))
	echo "$((a >> 24 & 255)).$((a >> 16 & 255)).$((a >> 8 & 255)).0/24"
}
zhas() { ip -n "$NS" -j route show "$1" | lab_jqe 'length > 0' >/dev/null; }
# zlacks PREFIX: the kernel answers and has no route for PREFIX
zlacks() { ip -n "$NS" -j route show "$1" | lab_jqe 'length == 0' >/dev/null; }
# zpresence PREFIX... - PREFIX...: the kernel has the prefixes before "-"
# and not those after it
zpresence()
{
	local p want=1
	for p in "$@"; do
		if [ "$p" = - ]; then
			want=0
		elif [ "$want" = 1 ]; then
			zhas "$p" || return 1
		else
			zlacks "$p" || return 1
		fi
	done
}

step_setup()
{
	lab_ns Z || lab_fail "namespace"
	if ! ip -n "$NS" link add ipsec0 type veth peer name ipsec0-peer ||
		! ip -n "$NS" link set ipsec0-peer up ||
		! ip -n "$NS" link set ipsec0 up; then
		lab_fail "ipsec0"
	fi
	lab_frr Z 'frr defaults traditional
log stdout informational
!' || lab_fail "zebra"
}

# ---- 1. a listing of T tunnels, streamed
step_listing()
{
	conf "$DIR/all.conf" "$DIR/list.vici" "$T"
	feed list
	start "$DIR/all.conf" 1
	converged "listing of $T tunnels" $((4 * T)) 60 10
	lab_check "listing: each route sent once ($((4 * T)) add(s), 0 delete(s))" \
		lab_wait_for 5 logged 1 "this session: $((4 * T)) add(s), 0 delete(s)" ||
		why_sent 1
}

# ---- 2. kill -9, restart without the last quarter (graceful restart)
step_graceful_restart()
{
	local lost=0 i k
	rim_lab_monitor Z monitor || lab_fail "no ip monitor"
	# at once: zebra's own sweep spares the routes installed in the
	# second the old session ended; ripd-mep withdraws what an earlier
	# run left itself
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	conf "$DIR/some.conf" "$DIR/list.vici" "$KEEP"
	start "$DIR/some.conf" 2
	converged "restart (the unlinked ones swept)" $((4 * KEEP)) 60 20
	lab_check "restart: ripd-mep withdrew the $((4 * (T - KEEP))) routes of the earlier run" \
		lab_wait_for 5 withdrawn_is $((4 * (T - KEEP))) ||
		echo "   withdrew $(withdrawn)" >&2
	# zebra confirms each delete with a "removed" note: not a route lost,
	# no resend of the whole set
	lab_check "restart: each route sent once ($((4 * KEEP)) add(s))" \
		logged 2 "this session: $((4 * KEEP)) add(s)" || why_sent 2
	lab_check "restart: zebra's confirmations of our deletes not taken for removals" \
		not_logged 2 "removed by zebra" || why_removed 2
	lab_check "restart: $((4 * (T - KEEP))) kernel deletions (ip monitor)" \
		lab_wait_for 5 ndeleted_is $((4 * (T - KEEP))) ||
		echo "   $(ndeleted) deletions" >&2
	rim_lab_monitor_stop || lab_fail "ip monitor lost"
	lab_check "restart: no further kernel deletion ($(ndeleted))" \
		ndeleted_is $((4 * (T - KEEP)))
	for ((i = 0; i < KEEP; i += 97)); do
		for k in 0 3; do
			grep -q "^Deleted $(pfx "$i" "$k") " "$RIM_MON_LOG" &&
				lost=$((lost + 1))
		done
	done
	lab_check "restart: no kept prefix withdrawn from the kernel ($lost)" \
		[ "$lost" = 0 ]
	lab_check "restart: the last kept route there, the first unlinked one gone" \
		zpresence "$(pfx $((KEEP - 1)) 3)" - "$(pfx "$KEEP" 0)"
}

# ---- 3. tunnels up one by one, then every other one down
step_updown()
{
	kill "$DPID"
	lab_wait_for 5 sh -c "! kill -0 $DPID" || lab_fail "ripd-mep did not stop"
	conf "$DIR/updown.conf" "$DIR/updown.vici" "$T"
	feed updown --mode updown --down-every 2
	start "$DIR/updown.conf" 3
	converged "up one by one, every other one down" $((2 * T)) 60 10
	lab_check "up/down: zebra stays at $((2 * T)) routes for 1 s" \
		lab_holds 1 znhrp_is $((2 * T)) || why_zebra
	lab_check "up/down: zebra's confirmations of our deletes not taken for removals" \
		not_logged 3 "removed by zebra" || why_removed 3
	lab_check "up/down: the routes of tunnels 1 and T-1 there, of 0 and T-2 gone" \
		zpresence "$(pfx 1 0)" "$(pfx $((T - 1)) 3)" - \
		"$(pfx 0 0)" "$(pfx $((T - 2)) 3)"
}

# ---- 4. a slow listing after charon restarted, all tunnels up again
step_slow_listing()
{
	rim_lab_monitor Z monitor4 || lab_fail "no ip monitor"
	kill "$FEEDPID"
	lab_check "charon gone: show mep json's ipsec-engine lost" \
		lab_wait_for 5 engine lost
	feed updown --pace-ms 40
	lab_check "charon back: ipsec-engine synced after its listing" \
		lab_wait_for 30 engine synced
	lab_check "show mep tunnels json lists the $T tunnels" \
		[ "$(ntunnels)" = "$T" ]
	converged "slow listing" $((4 * T)) 20 10
	rim_lab_monitor_stop || lab_fail "ip monitor lost"
	lab_check "slow listing: no route withdrawn ($(ndeleted) deletions)" \
		ndeleted_is 0 ||
		echo "   $(grep -m3 '^Deleted' "$RIM_MON_LOG")" >&2
}

step_setup
step_listing
step_graceful_restart
step_updown
step_slow_listing
lab_checks_done
lab_pass "streamed routes reconciled exactly"
