#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers are called through lab_wait_for
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
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"

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

lab_ns Z || lab_fail "namespace"
NS=$(lab_nsname Z)
if ! ip -n "$NS" link add ipsec0 type veth peer name ipsec0-peer ||
	! ip -n "$NS" link set ipsec0-peer up ||
	! ip -n "$NS" link set ipsec0 up; then
	lab_fail "ipsec0"
fi
lab_frr Z 'frr defaults traditional
log stdout informational
!' || lab_fail "zebra"

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
# prefix K of tunnel I (K = 0..3)
pfx()
{
	local a=$((DOM_BASE_N + 1024 * $1 + 256 * $2))
	echo "$((a >> 24 & 255)).$((a >> 16 & 255)).$((a >> 8 & 255)).0/24"
}
zhas() { ip -n "$NS" route show "$1" | grep -q .; }

# ---- 1. a listing of T tunnels, streamed
conf "$DIR/all.conf" "$DIR/list.vici" "$T"
feed list
start "$DIR/all.conf" 1
lab_wait_for 60 logged 1 "rim: all $((4 * T)) route(s) installed" ||
	lab_fail "not all $((4 * T)) routes installed"
lab_wait_for 10 znhrp_is $((4 * T)) ||
	lab_fail "zebra has $(znhrp) nhrp routes, not $((4 * T))"
logged 1 "this session: $((4 * T)) add(s), 0 delete(s)" ||
	lab_fail "routes sent more than once: $(grep 'update-complete' "$LAB_RUN/logs/Z-ripd-1.log")"
[ "$(states)" = "installed=$((4 * T)) other=0" ] ||
	lab_fail "show mep routes: $(states)"
lab_ok "listing of $T tunnels: $((4 * T)) routes in zebra, each sent once, all shown installed"

# ---- 2. kill -9, restart without the last quarter (graceful restart)
ip -n "$NS" monitor route >"$DIR/monitor.txt" 2>&1 &
MON=$!
# at once: zebra's own sweep spares the routes installed in the second the
# old session ended; ripd-mep withdraws what an earlier run left itself
sleep 0.2
kill -9 "$DPID"
conf "$DIR/some.conf" "$DIR/list.vici" "$KEEP"
start "$DIR/some.conf" 2
lab_wait_for 60 logged 2 "rim: all $((4 * KEEP)) route(s) installed" ||
	lab_fail "restart: not all $((4 * KEEP)) routes installed"
lab_wait_for 20 znhrp_is $((4 * KEEP)) ||
	lab_fail "zebra kept $(znhrp) nhrp routes, not $((4 * KEEP)) (sweep)"
# ripd-mep's own count (one line, or two when zebra's list of them
# straddles the first set)
withdrawn()
{
	sed -n 's/.*zebra: withdrew \([0-9]*\) route(s) an earlier run left.*/\1/p' \
		"$LAB_RUN/logs/Z-ripd-2.log" | awk '{ n += $1 } END { print n + 0 }'
}
withdrawn_is() { [ "$(withdrawn)" = "$1" ]; }
lab_wait_for 5 withdrawn_is $((4 * (T - KEEP))) ||
	lab_fail "ripd-mep withdrew $(withdrawn) routes of the earlier run, not $((4 * (T - KEEP)))"
# zebra confirms each delete with a "removed" note: not a route lost, no
# resend of the whole set
logged 2 "this session: $((4 * KEEP)) add(s)" ||
	lab_fail "restart: routes sent more than once: $(grep 'update-complete' "$LAB_RUN/logs/Z-ripd-2.log")"
! logged 2 "removed by zebra" ||
	lab_fail "zebra's confirmations of our deletes taken for removals: $(grep -m2 'removed by zebra' "$LAB_RUN/logs/Z-ripd-2.log")"
sleep 0.5
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
gone=$(grep -c '^Deleted' "$DIR/monitor.txt")
lost=0
for ((i = 0; i < KEEP; i += 97)); do
	for k in 0 3; do
		grep -q "^Deleted $(pfx "$i" "$k") " "$DIR/monitor.txt" &&
			lost=$((lost + 1))
	done
done
[ "$lost" = 0 ] || lab_fail "restart withdrew $lost kept prefixes from the kernel"
[ "$gone" = $((4 * (T - KEEP))) ] ||
	lab_fail "kernel deletions: $gone, not $((4 * (T - KEEP)))"
if ! zhas "$(pfx $((KEEP - 1)) 3)" || zhas "$(pfx "$KEEP" 0)"; then
	lab_fail "wrong routes after the restart"
fi
lab_ok "restart (graceful): $((4 * KEEP)) routes kept without a withdrawal, the $((4 * (T - KEEP))) unlinked ones swept"

# ---- 3. tunnels up one by one, then every other one down
kill "$DPID"
lab_wait_for 5 sh -c "! kill -0 $DPID" || lab_fail "ripd-mep did not stop"
conf "$DIR/updown.conf" "$DIR/updown.vici" "$T"
feed updown --mode updown --down-every 2
start "$DIR/updown.conf" 3
lab_wait_for 60 znhrp_is $((2 * T)) ||
	lab_fail "zebra has $(znhrp) nhrp routes, not $((2 * T))"
lab_wait_for 10 logged 3 "rim: all $((2 * T)) route(s) installed" ||
	lab_fail "not all $((2 * T)) routes reported installed"
sleep 1
znhrp_is $((2 * T)) || lab_fail "zebra moved on to $(znhrp) nhrp routes"
[ "$(states)" = "installed=$((2 * T)) other=0" ] ||
	lab_fail "show mep routes: $(states)"
! logged 3 "removed by zebra" ||
	lab_fail "zebra's confirmations of our deletes taken for removals: $(grep -m2 'removed by zebra' "$LAB_RUN/logs/Z-ripd-3.log")"
if ! zhas "$(pfx 1 0)" || ! zhas "$(pfx $((T - 1)) 3)" ||
	zhas "$(pfx 0 0)" || zhas "$(pfx $((T - 2)) 3)"; then
	lab_fail "wrong routes after the downs"
fi
lab_ok "$T tunnels up one by one, every other one down: exactly the $((2 * T)) routes of those up"

# ---- 4. a slow listing after charon restarted, all tunnels up again
ip -n "$NS" monitor route >"$DIR/monitor4.txt" 2>&1 &
MON=$!
sleep 0.3
kill "$FEEDPID"
lab_wait_for 5 logged 3 "lost strongSwan" || lab_fail "VICI loss not seen"
feed updown --pace-ms 40
lab_wait_for 30 logged 3 "strongSwan listed $T tunnel(s)" ||
	lab_fail "no listing of $T tunnels after charon's restart"
lab_wait_for 20 znhrp_is $((4 * T)) ||
	lab_fail "zebra has $(znhrp) nhrp routes, not $((4 * T))"
lab_wait_for 10 logged 3 "rim: all $((4 * T)) route(s) installed" ||
	lab_fail "not all $((4 * T)) routes reported installed: $(states)"
sleep 0.5
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
gone=$(grep -c '^Deleted' "$DIR/monitor4.txt")
[ "$gone" = 0 ] || lab_fail "$gone route(s) withdrawn during the slow listing: $(grep -m3 '^Deleted' "$DIR/monitor4.txt")"
[ "$(states)" = "installed=$((4 * T)) other=0" ] ||
	lab_fail "show mep routes: $(states)"
lab_ok "slow listing after charon's restart: $((2 * T)) routes streamed back, no withdrawal, $((4 * T)) in all"
lab_pass "streamed routes reconciled exactly"
