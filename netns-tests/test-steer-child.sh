#!/usr/bin/env bash
# shellcheck disable=SC2317 # step functions and helpers are called by name
# netns-tests/test-steer-child.sh: satellite steering with `steering
# child-sa` (issue 11) against real charon (kernel-libipsec).
#
# Satellite S1 (charon + ripd-mep) with host HS1 behind it; centers M1 and
# M2 (charon as responders + ripd-mep as probe responders, no FRR) on one
# LAN with host H1; all three gateways on one bridge in HUB ("the
# internet"). One explicit MEP community, priority-list (M1 primary, M2
# secondary), permanent-tunnels, tracking log, probes 100 ms x 3. S1's
# swanctl.conf is `mepsh -c 'show mep swanctl'` plus the lab's PSK
# secrets (so the two cannot drift). The return path H1 -> HS1 is a plain
# link H1 - S1 (centers' RIM is not what is tested here): the pings
# measure the forward path, the one steering moves.
#
# Steps: start -> S1's child to M1 only, IKE_SA to M2 up without a child
# (childless, permanent-tunnels; an IKE-only initiate adds no second
# IKE_SA), steering-state up; M1's internet link down -> S1 moves to M2
# (child to M2 INSTALLED, none to M1; outage of a 10 ms ping HS1 -> H1
# measured); M1 back -> back to M1 (priority-list, 0 lost); `mep drain`
# on M1 -> moves to M2 (make-before-break, 0 lost); M1 drops S1's IKE so
# that the move back hangs, S1's charon is killed and restarted during
# it -> converges to M1 only once IKE passes again; a swanctl.conf lacking
# the child -> a clear error naming the connection, the child and what
# `show mep swanctl` prints, M2 given up after three failures, no center
# serves the destination (M1 draining) -> no child anywhere, recovery;
# two CHILD_SAs with the same selectors to M1 and M2 by hand (S1's
# ripd-mep stopped): both INSTALLED, which carries, the cost of
# terminating it; vpn-domain (M1 10.1.0.0/16, M2 10.2.0.0/16): one child
# per domain on its own center, M2's failure moves only its child.
# Tracking and steering lines asserted word for word (ids excepted).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"
lab_init steer-child

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
declare -A INET=([M1]=192.0.2.1 [M2]=192.0.2.2 [S1]=192.0.2.11)
declare -A HUBIF RIPD_PID
CHILD=net-10-1-0-0_16
H1=10.1.0.10
H2=10.2.0.10	# H1's address in 10.2.0.0/16
CHILD2=net-10-2-0-0_16
MANUAL="Resolved peer for tunnel from S1 to the MEP that contains M1 and M2, is:"
PING_LOG=$LAB_RUN/ping.log

# ---- helpers (for lab_check and lab_wait_for)
mepsh() { local g=$1; shift; "$RIPD_MEP_BUILD/mepsh" -S "$LAB_RUN/$g/ripd-mep.vty" "$@"; }
# ep JQ: jq JQ of S1's first entry point (show mep entry-points json).
ep() { mepsh S1 -c 'show mep entry-points json' |
	jq -r ".\"ripd-mep:mep-state\".\"entry-point\"[0]$1"; }
steer_up_via() { [ "$(ep '."steering-state"')" = up ] &&
	ep '."steering-via"' | grep -Eq "^CHILD_SA $1/$CHILD #[0-9]+/#[0-9]+\$"; }
# child_on CONN [NAME]: S1 has an INSTALLED CHILD_SA NAME (default
# CHILD) under IKE_SA CONN; no_child_on: none at all.
child_on() { lab_swanctl S1 --list-sas --ike "$1" 2>/dev/null |
	grep -Eq "^ +${2:-$CHILD}: #[0-9]+, reqid [0-9]+, INSTALLED"; }
no_child_on() { local out
	out=$(lab_swanctl S1 --list-sas --ike "$1" 2>/dev/null) || return 1
	! grep -Eq "^ +${2:-$CHILD}: #" <<<"$out"; }
# child_uid CONN NAME: the unique id of that INSTALLED CHILD_SA.
child_uid() { lab_swanctl S1 --list-sas --ike "$1" 2>/dev/null |
	sed -nE "s/^ +$2: #([0-9]+), reqid [0-9]+, INSTALLED.*/\1/p" | tail -n 1; }
only_on() { child_on "$1" && no_child_on "$2"; }
ike_up() { lab_swanctl S1 --list-sas --ike "$1" 2>/dev/null |
	grep -Eq "^$1: #[0-9]+, ESTABLISHED"; }
logged() { grep -qF -- "$2" "$LAB_RUN/logs/$1-ripd-mep.log"; }
logged_re() { grep -Eq -- "$2" "$LAB_RUN/logs/$1-ripd-mep.log"; }
reaches() { lab_exec HS1 ping -c 1 -W 1 "${1:-$H1}" >/dev/null 2>&1; }

# conf GW: GW's ripd-mep.conf; METHOD priority-list (M1 and M2 share
# 10.1.0.0/16) or vpn-domain (M1 10.1.0.0/16, M2 10.2.0.0/16).
METHOD=priority-list
conf()
{
	local d2=10.1.0.0/16
	[ "$METHOD" = vpn-domain ] && d2=10.2.0.0/16
	cat <<CONF
mep
 local-gateway $1
 gateway M1
  address ${INET[M1]}
  vpn-domain 10.1.0.0/16
  ike-connection m1
 exit
 gateway M2
  address ${INET[M2]}
  vpn-domain $d2
  ike-connection m2
 exit
 gateway S1
  address ${INET[S1]}
  vpn-domain 10.11.0.0/16
 exit
 community STAR-1
  type star
  center M1
  center M2
  satellite S1
  permanent-tunnels
  mep enable
  mep entry-point $METHOD
$([ "$METHOD" = priority-list ] && echo "  mep priority default primary M1 secondary M2")
  mep tracking log
 exit
 probe interval 100 dead-count 3 key lab-probe-key-0123
 ipsec
  vici-socket $(lab_vici "$1")
 exit
exit
CONF
}

start_ripd()
{
	mkdir -p "$LAB_RUN/$1"
	rm -f "$LAB_RUN/$1/ripd-mep.vty"
	conf "$1" >"$LAB_RUN/$1/ripd-mep.conf"
	lab_daemon "$1" ripd-mep "$BIN" -u root -f "$LAB_RUN/$1/ripd-mep.conf" \
		--vty_socket "$LAB_RUN/$1" --log stdout || lab_fail "ripd-mep $1"
	RIPD_PID[$1]=$LAB_PID
	lab_wait_for 5 test -S "$LAB_RUN/$1/ripd-mep.vty" ||
		lab_fail "no vty socket for $1"
}

# S1's swanctl.conf: what show mep swanctl prints, plus the secrets.
s1_swanctl() { mepsh S1 -c 'show mep swanctl' && _rim_secret S1 M1 M2; }

start_s1_charon()
{
	rm -f "$(lab_rundir S1)/charon.vici" "$(lab_rundir S1)/charon.pid"
	lab_charon S1 "$(s1_swanctl)" "$RIM_RETRANSMIT" || lab_fail "charon S1"
	S1_CHARON=$LAB_PID
	S1_CHARON=$(awk '$2 == "S1" && $3 == "charon" { p = $1 } END { print p }' \
		"$LAB_RUN/daemons")
}

# ping_start / ping_stop: a ping every 10 ms HS1 -> H1; ping_stop prints
# the lost pings.
ping_start()
{
	: >"$PING_LOG"
	rm -f "$LAB_RUN/ping.pid"
	lab_exec HS1 sh -c 'echo $$ >"$1"; exec ping -D -i 0.01 -W 1 "$2"' \
		sh "$LAB_RUN/ping.pid" "$H1" >"$PING_LOG" 2>&1 &
	lab_wait_for 3 grep -q "bytes from" "$PING_LOG"
}
ping_stop()
{
	local pid
	pid=$(cat "$LAB_RUN/ping.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -INT "$pid" 2>/dev/null
	wait 2>/dev/null
	# the last reply's sequence number less the replies (each once)
	sed -nE 's/.*icmp_seq=([0-9]+) .*/\1/p' "$PING_LOG" | sort -un |
		awk '{ n++; m = $1 } END { print m - n }'
}

# ---- steps
build()
{
	local n hub lan
	for n in HUB LAN M1 M2 S1 H1 HS1; do
		lab_ns "$n" || lab_fail "namespace $n"
	done
	hub=$(lab_nsname HUB)
	lan=$(lab_nsname LAN)
	ip -n "$hub" link add br0 type bridge && ip -n "$hub" link set br0 up &&
		ip -n "$lan" link add br0 type bridge &&
		ip -n "$lan" link set br0 up || lab_fail "bridges"
	for n in M1 M2 S1; do
		lab_link HUB "$n" - "${INET[$n]}/24" || lab_fail "link $n"
		HUBIF[$n]=$LAB_IF2
		ip -n "$hub" link set "$LAB_IF1" master br0 || lab_fail "port $n"
	done
	# the LAN holds both domains (10.2.0.0/16 is M2's own in the
	# vpn-domain phase; each center has an address in each, as
	# kernel-libipsec needs one inside its local_ts)
	lab_link LAN M1 - 10.1.0.1/24 && ip -n "$lan" link set "$LAB_IF1" master br0 &&
		lab_exec M1 ip addr add 10.2.0.1/24 dev "$LAB_IF2" &&
		lab_link LAN M2 - 10.1.0.2/24 && ip -n "$lan" link set "$LAB_IF1" master br0 &&
		lab_exec M2 ip addr add 10.2.0.2/24 dev "$LAB_IF2" &&
		lab_link LAN H1 - "$H1/24" && ip -n "$lan" link set "$LAB_IF1" master br0 &&
		lab_exec H1 ip addr add "$H2/24" dev "$LAB_IF2" ||
		lab_fail "LAN"
	lab_link S1 HS1 10.11.0.1/24 10.11.0.10/24 &&
		lab_route HS1 add default via 10.11.0.1 || lab_fail "HS1"
	# the plain return path H1 -> S1
	lab_link H1 S1 172.31.9.1/30 172.31.9.2/30 &&
		lab_route H1 add 10.11.0.0/16 via 172.31.9.2 || lab_fail "return line"
	for n in M1 M2; do
		lab_charon "$n" "connections {
$(_rim_conn s1 "$n" S1 "${INET[$n]}" "${INET[S1]}" \
	"$(_rim_child net 10.1.0.0/16,10.2.0.0/16 10.11.0.0/16)")
}
$(_rim_secret "$n" S1)" "$RIM_M1_CHARON
$RIM_RETRANSMIT" || lab_fail "charon $n"
		start_ripd "$n"
	done
	start_ripd S1
	lab_check "show mep swanctl names connection m1 and child $CHILD" \
		eval "mepsh S1 -c 'show mep swanctl' | grep -q '^	m1 {' &&
			mepsh S1 -c 'show mep swanctl' | grep -q '^			$CHILD {'"
	start_s1_charon
}

step_start()
{
	lab_check "S1's child to M1 INSTALLED" lab_wait_for 10 child_on m1
	lab_check "no child to M2" no_child_on m2
	lab_check "IKE_SA to M2 up without a child (permanent-tunnels)" \
		lab_wait_for 10 ike_up m2
	# what the daemon repeats every 60 s: no second IKE_SA
	lab_swanctl S1 --initiate --ike m2 --timeout 5 >/dev/null 2>&1
	lab_check "one IKE_SA to M1 (the child's)" \
		[ "$(lab_swanctl S1 --list-sas --ike m1 2>/dev/null | grep -c '^m1: #')" = 1 ]
	lab_check "an IKE-only initiate of an established connection adds no IKE_SA" \
		[ "$(lab_swanctl S1 --list-sas --ike m2 2>/dev/null | grep -c '^m2: #')" = 1 ]
	lab_check "steering-state up via m1 (show mep entry-points json)" \
		lab_wait_for 5 steer_up_via m1
	lab_check "show mep entry-points (text): the steering line" \
		eval "mepsh S1 -c 'show mep entry-points' | grep -Eq '^ +steering: up via CHILD_SA m1/$CHILD #[0-9]+/#[0-9]+, since [0-9T:+-]+\$'"
	lab_check "tracking line: M1, word for word" \
		logged S1 "$MANUAL M1 (Primary Security Gateway, responding)."
	lab_check "steering line: initiate on M1" \
		logged S1 "steering 10.1.0.0/16: initiate m1/$CHILD on M1 (entry point M1)"
	lab_check "steering line: up via m1" \
		logged_re S1 "steering 10.1.0.0/16: up via CHILD_SA m1/$CHILD #[0-9]+/#[0-9]+ to M1\$"
	lab_check "HS1 reaches H1 through the tunnel" lab_wait_for 5 reaches
}

# move WHAT CONN OTHER CMD...: run CMD, wait until the child is on CONN
# only, print the outage.
move()
{
	local what=$1 to=$2 from=$3 lost
	shift 3
	ping_start || lab_fail "ping does not start"
	"$@"
	lab_check "$what: child to $to INSTALLED, none to $from" \
		lab_wait_for 20 only_on "$to" "$from"
	lab_check "$what: steering-state up via $to" lab_wait_for 5 steer_up_via "$to"
	lab_wait_for 5 reaches
	sleep 0.5	# the ping's last replies
	lost=$(ping_stop)
	echo "FIGURE: $what: $lost pings lost = $((lost * 10)) ms outage"
	LOST=$lost
}

m1_link() { ip -n "$(lab_nsname M1)" link set "${HUBIF[M1]}" "$1"; }
m2_link() { ip -n "$(lab_nsname M2)" link set "${HUBIF[M2]}" "$1"; }

step_m1_down()
{
	move "M1's internet link down" m2 m1 m1_link down
	lab_check "tracking line: M2, word for word" \
		logged S1 "$MANUAL M2 (Secondary Security Gateway, responding). Reason: gateway M1: down by probe (3 probes lost)."
	lab_check "steering line: terminate the child to M1 after M2's is up" \
		logged_re S1 "steering 10.1.0.0/16: terminate CHILD_SA m1/$CHILD #[0-9]+/#[0-9]+ to M1: moved to M2 \(CHILD_SA #[0-9]+/#[0-9]+ installed\)\$"
}

step_m1_back()
{
	move "M1 back (priority-list)" m1 m2 m1_link up
	lab_check "tracking line: M1 again" \
		logged S1 "$MANUAL M1 (Primary Security Gateway, responding). Reason: gateway M1: up by probe."
}

step_drain()
{
	move "mep drain on M1" m2 m1 mepsh M1 -c 'mep drain'
	DRAIN_LOST=$LOST
	lab_check "drain: at most 5 pings lost (make-before-break)" \
		[ "$DRAIN_LOST" -le 5 ]
}

kill_s1_charon()
{
	kill -KILL "$S1_CHARON"
	wait "$S1_CHARON" 2>/dev/null
	lab_wait_for 5 eval "! lab_alive $S1_CHARON"
}

# m1_ike drop|pass: M1 drops S1's IKE (UDP 500/4500; probes pass), so
# that a move to M1 hangs half-way.
m1_ike()
{
	if [ "$1" = drop ]; then
		lab_exec M1 nft -f - <<NFT
table inet steer {
	chain in {
		type filter hook input priority 0;
		ip saddr ${INET[S1]} udp dport { 500, 4500 } drop
	}
}
NFT
	else
		lab_exec M1 nft delete table inet steer
	fi
}
state_is() { [ "$(ep '."steering-state"')" = "$1" ]; }

step_restart_during_move()
{
	m1_ike drop || lab_fail "nft on M1"
	mepsh M1 -c 'no mep drain' >/dev/null
	# the move back to M1 starts and hangs: charon goes in the middle
	lab_check "move to M1 under way (steering-state moving)" \
		lab_wait_for 3 state_is moving
	lab_check "meanwhile the child to M2 stays (make-before-break)" child_on m2
	kill_s1_charon
	start_s1_charon
	lab_check "charon restarted during the move: still moving, no child to M1" \
		lab_wait_for 5 eval "state_is moving && no_child_on m1"
	m1_ike pass || lab_fail "nft on M1"
	lab_check "after charon's restart: child to M1 only" \
		lab_wait_for 25 only_on m1 m2
	lab_check "steering-state up via m1 again" lab_wait_for 5 steer_up_via m1
	lab_check "HS1 reaches H1" lab_wait_for 5 reaches
}

step_missing_child()
{
	local file
	file=$LAB_RUN/S1/swanctl/swanctl.conf
	# m2 without its child: the move to M2 cannot happen, and says why
	s1_swanctl | awk -v c="$CHILD" '
		/^\tm2 \{/ { in_m2 = 1 }
		in_m2 && $1 == c { skip = 1; depth = 0 }
		skip { depth += gsub(/\{/, "{"); depth -= gsub(/\}/, "}");
		       if (depth == 0) skip = 0; next }
		{ print }' >"$file"
	lab_swanctl S1 --load-conns --file "$file" >/dev/null 2>&1 ||
		lab_fail "cannot load the swanctl.conf lacking the child"
	mepsh M1 -c 'mep drain' >/dev/null
	lab_check "missing child: error names the connection, the child and show mep swanctl's text" \
		lab_wait_for 5 logged_re S1 "steering 10.1.0.0/16: strongSwan has no child $CHILD in connection m2 \(.*\); show mep swanctl prints for it: connections \{ m2 \{ children \{ $CHILD \{ local_ts = 10.11.0.0/16 remote_ts = 10.1.0.0/16 start_action = none \} \} \} \}\$"
	lab_check "missing child: the child to M1 stays meanwhile (make-before-break)" child_on m1
	lab_check "missing child: steering-state failed with the reason" \
		lab_wait_for 3 eval "ep '.\"steering-state\"' | grep -q '^failed: initiate on M2 failed: '"
	# three failures: M2 is given up for this destination; with M1
	# draining no center serves it: no child anywhere
	lab_check "missing child: M2 given up, word for word" \
		lab_wait_for 10 logged S1 "steering 10.1.0.0/16: M2 treated as not responding for it: M2 did not install $CHILD: initiate failed: CHILD_SA config '$CHILD' not found"
	lab_check "no center serves it: no child to M1 nor M2" \
		lab_wait_for 15 eval "no_child_on m1 && no_child_on m2"
	lab_check "no center serves it: steering-state says so" \
		eval "ep '.\"steering-state\"' | grep -q '^failed: no center serves it: '"
	mepsh M1 -c 'no mep drain' >/dev/null
	lab_check "drain over: the child to M1 again" lab_wait_for 10 child_on m1
	lab_check "drain over: steering-state up via m1" lab_wait_for 5 steer_up_via m1
}

# Two CHILD_SAs with the same selectors to two peers, by hand (S1's
# ripd-mep stopped): both INSTALLED at once? Which carries the traffic,
# and what does terminating that one cost?
step_overlap()
{
	local m1a m2a m1b m2b carrier other lost
	s1_swanctl >"$LAB_RUN/S1/swanctl/swanctl.conf"
	kill "${RIPD_PID[S1]}" && wait "${RIPD_PID[S1]}" 2>/dev/null
	lab_swanctl S1 --load-conns --file "$LAB_RUN/S1/swanctl/swanctl.conf" \
		>/dev/null 2>&1 || lab_fail "reload S1's connections"
	lab_wait_for 10 child_on m1 ||
		lab_swanctl S1 --initiate --child "$CHILD" --ike m1 --timeout 10 >/dev/null 2>&1
	lab_swanctl S1 --initiate --child "$CHILD" --ike m2 --timeout 10 >/dev/null 2>&1
	lab_check "overlap: the same selectors INSTALLED to M1 and M2 at once" \
		eval "child_on m1 && child_on m2"
	ping_start
	m1a=$(rim_lab_counter M1 ipsec0 rx) m2a=$(rim_lab_counter M2 ipsec0 rx)
	sleep 0.5
	m1b=$(rim_lab_counter M1 ipsec0 rx) m2b=$(rim_lab_counter M2 ipsec0 rx)
	echo "FIGURE: overlap: ESP packets in 0.5 s: M1 $((m1b - m1a)), M2 $((m2b - m2a))"
	if [ $((m1b - m1a)) -gt $((m2b - m2a)) ]; then
		carrier=m1 other=m2
	else
		carrier=m2 other=m1
	fi
	lab_swanctl S1 --terminate --child "$CHILD" --ike "$carrier" --timeout 10 \
		>/dev/null 2>&1
	lab_check "overlap: the child to the other center stays" child_on "$other"
	sleep 0.5
	lost=$(ping_stop)
	echo "FIGURE: overlap: terminating the carrying CHILD_SA ($carrier) lost $lost pings = $((lost * 10)) ms"
	# (ripd-mep terminates the older one, which carries nothing; this
	# one carries: a packet in flight may be lost)
	lab_check "overlap: at most 2 pings lost when the carrying CHILD_SA goes" \
		[ "$lost" -le 2 ]
}

# vpn-domain: each destination domain its own child and entry point; a
# center's failure moves only the child it carried.
step_vpn_domain()
{
	local uid1 uid2
	METHOD=vpn-domain
	conf M1 >"$LAB_RUN/M1/ripd-mep.conf" && kill -HUP "${RIPD_PID[M1]}"
	conf M2 >"$LAB_RUN/M2/ripd-mep.conf" && kill -HUP "${RIPD_PID[M2]}"
	start_ripd S1
	s1_swanctl >"$LAB_RUN/S1/swanctl/swanctl.conf"
	lab_swanctl S1 --load-conns --file "$LAB_RUN/S1/swanctl/swanctl.conf" \
		>/dev/null 2>&1 || lab_fail "load S1's vpn-domain connections"
	lab_check "vpn-domain: show mep swanctl has a child per destination" \
		eval "mepsh S1 -c 'show mep swanctl' | grep -c '^			net-10-[12]-0-0_16 {' | grep -qx 4"
	lab_check "vpn-domain: $CHILD on M1 only" \
		lab_wait_for 15 eval "child_on m1 $CHILD && no_child_on m2 $CHILD"
	lab_check "vpn-domain: $CHILD2 on M2 only" \
		lab_wait_for 15 eval "child_on m2 $CHILD2 && no_child_on m1 $CHILD2"
	lab_check "vpn-domain: HS1 reaches H1 in both domains at once" \
		eval "reaches $H1 && reaches $H2"
	uid1=$(child_uid m1 "$CHILD")
	m2_link down
	# within the probe dead time and a CREATE_CHILD_SA (bound: 3 s);
	# the old one goes once its DELETE to the silent M2 times out
	lab_check "vpn-domain: M2 down -> $CHILD2 INSTALLED on M1 within 3 s" \
		lab_wait_for 3 child_on m1 "$CHILD2"
	lab_check "vpn-domain: and gone from M2" \
		lab_wait_for 15 no_child_on m2 "$CHILD2"
	lab_check "vpn-domain: $CHILD stays as it was (same CHILD_SA)" \
		[ "$(child_uid m1 "$CHILD")" = "$uid1" ]
	lab_check "vpn-domain: both domains reachable" \
		lab_wait_for 5 eval "reaches $H1 && reaches $H2"
	m2_link up
	lab_check "vpn-domain: M2 back -> $CHILD2 back on M2" \
		lab_wait_for 15 eval "child_on m2 $CHILD2 && no_child_on m1 $CHILD2"
	lab_check "vpn-domain: $CHILD still the same CHILD_SA" \
		[ "$(child_uid m1 "$CHILD")" = "$uid1" ]
	# a reload of the same configuration moves nothing
	uid2=$(child_uid m2 "$CHILD2")
	kill -HUP "${RIPD_PID[S1]}"
	lab_check "reload: both CHILD_SAs stay as they are for 2 s" \
		lab_holds 2 eval "[ \"\$(child_uid m1 $CHILD)\" = $uid1 ] &&
			[ \"\$(child_uid m2 $CHILD2)\" = $uid2 ]"
	lab_check "reload: steering-state still up" state_is up
}

build
step_start
step_m1_down
step_m1_back
step_drain
step_restart_during_move
step_missing_child
step_overlap
step_vpn_domain
lab_checks_done
lab_pass "steering child-sa: start, failover, failback, drain, charon restart, missing child, overlap, vpn-domain"
