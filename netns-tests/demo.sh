#!/usr/bin/env bash
# The ripd-mep demo, in three labs of network namespaces (each part runs
# in a subshell with a lab of its own, cleaned up when it ends).
# Part A: RIM with real strongSwan (a center, two satellites, a leased
# line): tunnels come up, their domains are injected as kernel routes, a
# tunnel goes down and traffic falls back to the leased line, then returns.
# Part B: RIM into FRR over ZAPI: the center's zebra redistributes the
# injected route into OSPF, and the internal router R1 switches between the
# tunnel (via the center) and the leased line as the tunnel comes and goes.
# Part C: probing: three centers and two satellites probe each other; a
# center loses its link and the satellite moves by itself (with a
# timeline), a center is drained and its satellite moves away first.
# Part D: MEP end to end on the MEP lab (real charon, FRR, ripd-mep
# everywhere): satellite S1 follows its entry point with its CHILD_SA
# (child-sa steering) when M1 loses its link, comes back and drains; the
# centers' RIM and the internal router R1 follow; pings every 10 ms both
# ways give the outage, and a timeline of each failover is printed; then
# the return path by IP Pool NAT (H1 sees the pool of the center S1
# entered by; show mep nat on M2).
# Part E: for each MEP scenario of the vendor manual (the
# examples in yang/examples/), ripd-mep runs in its own network namespace
# on that configuration; the demo marks centers up or down (the operator
# override, so that each method's answer is shown on demand), asks which
# entry point the satellite would use and why, and shows the tracking
# lines the daemon logged.
set -u
# shellcheck source=lib/mep-lab.sh
. "$(dirname "$0")/lib/mep-lab.sh"
# shellcheck source=lib/center-lab.sh
. "$(dirname "$0")/lib/center-lab.sh"

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
MEPSH=$RIPD_MEP_BUILD/mepsh
EX=${RIPD_MEP_TOP:?}/yang/examples
export RIPD_MEP_YANG_DIR=$RIPD_MEP_TOP/yang

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
note() { printf '\033[2m-- %s\033[0m\n' "$*"; }

# run CMD...: show a mepsh command and its output.
run() {
	local c
	for c in "$@"; do
		printf '\033[36m%s# %s\033[0m\n' "$SAT" "$c"
		"$MEPSH" -S "$SOCK" -c "$c" | sed 's/^/  /'
	done
}

# quiet CMD...: run mepsh commands without showing them.
quiet() {
	local args=() c
	for c in "$@"; do args+=(-c "$c"); done
	"$MEPSH" -S "$SOCK" "${args[@]}" >/dev/null
}

# resolve SRC DST [from SAT]: one line "SRC -> DST: GW (rank, why)".
resolve() {
	"$MEPSH" -S "$SOCK" -c "show mep resolve $1 $2 ${3:-} json" |
		jq -r '."ripd-mep:resolve" | "\(.source) -> \(.destination) from \(.satellite): \(."entry-point" // "none") (\(.rank // "-")) — \(.reason)"' |
		sed 's/^/  /'
}

# host N PREFIX: the N-th address of an IPv4 prefix.
host() {
	local p=${2%/*} a b c d
	IFS=. read -r a b c d <<<"$p"
	echo "$a.$b.$c.$((d + $1))"
}

N=0
# start FILE: run ripd-mep on an example in a new namespace.
start() {
	N=$((N + 1))
	local node=demo$N
	lab_ns "$node"
	CONF=$EX/$1
	SOCK=$LAB_RUN/$node/ripd-mep.vty
	LOG=$LAB_RUN/logs/$node-ripd-mep.log
	JSON=${CONF%.conf}.json
	lab_daemon "$node" ripd-mep "$BIN" -u root -f "$CONF" --vty_socket "$LAB_RUN/$node" --log stdout
	lab_wait_for 5 test -S "$SOCK" || lab_fail "ripd-mep did not start on $1"
	SAT=$(jq -r '."ripd-mep:mep"."local-gateway"' "$JSON")
	note "ripd-mep running in namespace $(lab_nsname "$node") on yang/examples/$1 (this node: $SAT)"
}

# centers: the entry points of the first community of the example.
centers() {
	jq -r '."ripd-mep:mep".community[0] | (.center // .member)[]' "$JSON"
}

domain() {
	jq -r --arg g "$1" '."ripd-mep:mep".gateway[] | select(.name==$g) | ."vpn-domain"[0] // empty' "$JSON"
}

tracking() {
	note "tracking lines logged by ripd-mep:"
	grep -o 'Resolved peer for tunnel.*' "$LOG" | sed 's/^/  /' || echo "  (none)"
}

# ---- Part A: Route Injection with real strongSwan ----------------------
rim_demo() {
	local conf=$LAB_RUN/M1/ripd-mep.conf
	SOCK=$LAB_RUN/M1/ripd-mep.vty
	SAT=M1
	mkdir -p "$LAB_RUN/M1"
	rim_lab_ripd_conf "S1 S2" "distance 20
metric 10
backend kernel
kernel-table $RIM_TABLE
interface ipsec0" "vici-socket $(lab_vici M1)
grace-period 5" >"$conf"
	note "center M1 (charon + ripd-mep), satellites S1 and S2 (charon), host H1 behind M1,"
	note "a leased line M1 - L1 - S1 with a worse route (table $RIM_TABLE, metric $((250 << 24)))"
	rim_lab_build || lab_fail "cannot build the RIM lab"
	rim_lab_charons || lab_fail "cannot start the charons"
	lab_daemon M1 ripd-mep "$BIN" -u root -f "$conf" --vty_socket "$LAB_RUN/M1" --log stdout
	LOG=$LAB_RUN/logs/M1-ripd-mep.log
	lab_wait_for 5 test -S "$SOCK" || lab_fail "ripd-mep did not start"
	lab_wait_for 5 grep -q 'strongSwan listed' "$LOG" || lab_fail "ripd-mep did not reach charon"
	# path WANT: wait (3 s at most) until H1's ping to S1's host takes
	# WANT, then show which path it took.
	path() {
		local p=$1

		# (counted on the links: a stray IPv6 packet can blur one
		# sample, so a sample that shows WANT within 3 s counts)
		lab_wait_for 3 rim_lab_path_is H1 "${RIM_HOST[HS1]}" "$1" ||
			p=$(rim_lab_path H1 "${RIM_HOST[HS1]}")
		echo "  H1 -> ${RIM_HOST[HS1]} (host behind S1): $p"
	}
	note "no tunnel yet: traffic takes the leased line"
	path leased
	note "S1 and S2 bring their tunnels up"
	rim_lab_up S1 >/dev/null && rim_lab_up S2 >/dev/null
	lab_wait_for 5 sh -c "ip -n $(lab_nsname M1) route show table $RIM_TABLE proto 250 | grep -q ${RIM_DOMAIN[S2]%/*}" ||
		lab_fail "routes not injected"
	run 'show mep tunnels' 'show mep routes'
	printf '\033[36mM1$ ip route show table %s\033[0m\n' "$RIM_TABLE"
	ip -n "$(lab_nsname M1)" route show table "$RIM_TABLE" | sed 's/^/  /'
	path tunnel
	note "S1 takes its tunnel down: the route is withdrawn and traffic falls back to the leased line"
	rim_lab_down S1 >/dev/null
	lab_wait_for 5 sh -c "! ip -n $(lab_nsname M1) route show table $RIM_TABLE proto 250 | grep -q ${RIM_DOMAIN[S1]%/*}" ||
		lab_fail "route not withdrawn"
	run 'show mep routes'
	path leased
	note "S1 comes back: the route is injected again"
	rim_lab_up S1 >/dev/null
	lab_wait_for 5 sh -c "ip -n $(lab_nsname M1) route show table $RIM_TABLE proto 250 | grep -q ${RIM_DOMAIN[S1]%/*}" ||
		lab_fail "route not re-injected"
	path tunnel
	note "what ripd-mep logged:"
	grep -E 'rim: (injected|withdrew)|ipsec: ' "$LOG" | sed 's/^/  /'
}

frr_demo() {
	local conf=$LAB_RUN/M1/ripd-mep.conf
	SOCK=$LAB_RUN/M1/ripd-mep.vty
	SAT=M1
	note "center M1 (charon, zebra, ospfd, bgpd, ripd-mep), satellite S1 (charon),"
	note "internal router R1 with host H1, leased-line router L1 announcing S1's domain (OSPF E2 $FRR_LEASED_METRIC)"
	frr_lab_build || lab_fail "cannot build the FRR lab"
	rim_lab_charon_start M1 && rim_lab_charon_start S1 || lab_fail "cannot start the charons"
	frr_lab_frr || lab_fail "cannot start FRR"
	lab_wait_for 20 frr_lab_full R1 2 || lab_fail "OSPF adjacencies did not come up"
	frr_lab_variant ospf || lab_fail "cannot configure redistribution"
	mkdir -p "$LAB_RUN/M1"
	rim_lab_ripd_conf S1 "distance 20
metric 10
tag $FRR_TAG
backend zebra
route-type nhrp" "vici-socket $(lab_vici M1)" >"$conf"
	lab_daemon M1 ripd-mep "$BIN" -u root -f "$conf" --vty_socket "$LAB_RUN/M1" --log stdout
	LOG=$LAB_RUN/logs/M1-ripd-mep.log
	lab_wait_for 5 test -S "$SOCK" || lab_fail "ripd-mep did not start"
	# r1 ROUTE PATH: wait until R1 selects ROUTE ("ospf M1") and H1's
	# pings to S1's host take PATH (tunnel, leased), then show both.
	r1() {
		local route
		lab_wait_for 5 frr_lab_r1_is "$1"
		route=$FRR_PATH
		printf '\033[36mR1# show ip route %s\033[0m\n' "$FRR_S1NET"
		lab_vtysh R1 -c "show ip route $FRR_S1NET" | grep -E '^ *(Known|\*)' | sed 's/^/  /'
		# (a ping counted on the links; OSPF hellos can blur one sample)
		if lab_wait_for 5 frr_lab_path_is "$2"; then
			FRR_PATH=$2
		else
			frr_lab_path
		fi
		echo "  -> R1 reaches S1's domain by: $route; H1's ping to S1's host went over: $FRR_PATH"
	}
	note "no tunnel: R1 uses the leased line"
	r1 "ospf L1" leased
	note "S1 brings its tunnel up: ripd-mep injects S1's domain into zebra (type nhrp), ospfd redistributes it"
	rim_lab_up S1 >/dev/null
	lab_wait_for 5 sh -c "'$MEPSH' -S '$SOCK' -c 'show mep routes json' | grep -q '\"installed\"'"
	run 'show mep routes'
	printf '\033[36mM1# show ip route %s\033[0m\n' "$FRR_S1NET"
	lab_vtysh M1 -c "show ip route $FRR_S1NET" | grep -E 'Known|Last|ipsec|Tag|directly' | sed 's/^/  /'
	r1 "ospf M1" tunnel
	note "S1 takes the tunnel down: the route is withdrawn, R1 falls back to the leased line"
	rim_lab_down S1 >/dev/null
	r1 "ospf L1" leased
	note "the tunnel is back: R1 returns to M1"
	rim_lab_up S1 >/dev/null
	r1 "ospf M1" tunnel
}

# ---- Part C: probing: satellites judge the centers by themselves -------
# psh GW CMD...: show a command of gateway GW and its output.
psh() {
	local g=$1 c
	shift
	for c in "$@"; do
		printf '\033[36m%s# %s\033[0m\n' "$g" "$c"
		"$MEPSH" -S "$(center_lab_sock "$g")" -c "$c" | sed 's/^/  /'
	done
}
pjson() { "$MEPSH" -S "$(center_lab_sock "$1")" -c "show mep $2 json" | jq -r ".\"ripd-mep:mep-state\"$3"; }
pverdict_is() { [ "$(pjson "$1" gateways ".gateway[] | select(.name == \"$2\") | .liveness")" = "$3" ]; }
pchoice_is() { [ "$(pjson "$1" entry-points '."entry-point"[0].gateway')" = "$2" ]; }
# ptrack GW FROM: the tracking lines GW logged after line FROM.
ptrack() {
	tail -n +"$2" "$(center_lab_log "$1")" | grep -o 'Resolved peer for tunnel.*' |
		sed "s/^/  $1: /" || true
}

probe_demo() {
	local from1 from2 t0 tv tt g
	center_lab_build 100 3
	note "three centers M1 M2 M3, satellites S1 (M1, then M2, then M3) and S2 (M2, then M3); probes every 100 ms, 3 misses = down"
	for g in M1 M2 M3; do
		lab_wait_for 5 pverdict_is S1 "$g" up || lab_fail "S1: $g not up"
	done
	psh S1 'show mep gateways'
	lab_wait_for 3 pchoice_is S1 M1 || lab_fail "S1 did not choose M1"
	lab_wait_for 3 pchoice_is S2 M2 || lab_fail "S2 did not choose M2"
	psh S1 'show mep entry-points'
	note "M1 loses its internet link"
	from1=$(($(wc -l <"$(center_lab_log S1)") + 1))
	t0=$(lab_now_ms)
	ip -n "$(lab_nsname m1)" link set "${CENTER_LAB_IF[M1]}" down
	lab_wait_for 5 pchoice_is S1 M2 || lab_fail "S1 did not move to M2"
	psh S1 'show mep gateways'
	ptrack S1 "$from1"
	tv=$(lab_log_ms "$(center_lab_log S1)" "$from1" "gateway M1: down by probe") || tv=
	tt=$(lab_log_ms "$(center_lab_log S1)" "$from1" "Resolved peer for tunnel") || tt=
	note "timeline: link down at 0 ms; S1's verdict 'M1 down' at +$((tv - t0)) ms; entry point moved (tracking line) at +$((tt - t0)) ms"
	note "M1 is back"
	from1=$(($(wc -l <"$(center_lab_log S1)") + 1))
	ip -n "$(lab_nsname m1)" link set "${CENTER_LAB_IF[M1]}" up
	lab_wait_for 5 pchoice_is S1 M1 || lab_fail "S1 did not return to M1"
	ptrack S1 "$from1"
	note "maintenance on M2: mep drain (its probe replies carry the drain flag)"
	from2=$(($(wc -l <"$(center_lab_log S2)") + 1))
	psh M2 'mep drain'
	lab_wait_for 5 pchoice_is S2 M3 || lab_fail "S2 did not leave M2"
	psh S2 'show mep gateways'
	ptrack S2 "$from2"
	note "maintenance over: no mep drain"
	from2=$(($(wc -l <"$(center_lab_log S2)") + 1))
	psh M2 'no mep drain'
	lab_wait_for 5 pchoice_is S2 M2 || lab_fail "S2 did not return to M2"
	ptrack S2 "$from2"
}

# ---- Part D: MEP end to end: the satellite's CHILD_SA follows its entry
# point, RIM and R1 follow the tunnel ------------------------------------
MEP_CHILD=net-10-1-0-0_16
msh() {
	local g=$1 c
	shift
	for c in "$@"; do
		printf '\033[36m%s# %s\033[0m\n' "$g" "$c"
		mep_lab_show "$g" "$c" | sed 's/^/  /'
	done
}
m_child_on() { lab_swanctl S1 --list-sas --ike "${1,,}" 2>/dev/null |
	grep -Eq "^ +$MEP_CHILD: #[0-9]+, reqid [0-9]+, INSTALLED"; }
m_no_child_on() { local out
	out=$(lab_swanctl S1 --list-sas --ike "${1,,}" 2>/dev/null) || return 1
	! grep -Eq "^ +$MEP_CHILD: #" <<<"$out"; }
m_only_on() { m_child_on "$1" && m_no_child_on "$2"; }
m_answered_past() { [ "$(lab_ping_answered "$1")" -ge "$2" ]; }
m_r1() {
	printf '\033[36mR1# show ip route %s\033[0m\n' "$(mep_lab_domain S1)"
	lab_vtysh R1 -c "show ip route $(mep_lab_domain S1)" |
		grep -E '^ *(Known|\*|Routing entry)|via' | sed 's/^/  /'
}
# m_seq_gap NAME: "LAST FIRST LOST" of ping NAME (-D): the time (ms) of
# the last reply before its first gap and of the first reply after it
# (0 0 without a gap), and how many requests before its last reply got
# none
m_seq_gap() {
	sed -nE 's/^\[([0-9]+)\.([0-9]{3}).*icmp_seq=([0-9]+) .*/\3 \1\2/p' \
		"${LAB_PING_LOGS[$1]}" | sort -n -u -k1,1 |
		awk '{ if (p && $1 != p + 1 && !l) { l = t; f = $2 } n++; p = $1; t = $2 }
		     END { print (l ? l : 0), (f ? f : 0), p - n }'
}
# m_move WHAT TO FROM CMD...: pings every 10 ms both ways, CMD, wait
# until S1's CHILD_SA is on TO only and R1 routes via TO only; print
# the outage and the timeline (ms after CMD) from the daemons' logs.
m_move() {
	local what=$1 to=$2 from=$3 t0 fs f1 fto tr t g out_last out_first out_lost in_last in_first in_lost
	shift 3
	fs=$(($(wc -l <"$(mep_lab_log S1)") + 1))
	f1=$(($(wc -l <"$(mep_lab_log "$from")") + 1))
	fto=$(($(wc -l <"$(mep_lab_log "$to")") + 1))
	lab_ping_start d-out HS1 "$MEP_H1" 10 && lab_ping_start d-in H1 "$(mep_lab_host S1)" 10 ||
		lab_fail "no ping"
	lab_wait_for 3 m_answered_past d-out 20 && lab_wait_for 3 m_answered_past d-in 20 ||
		lab_fail "no reply before: $what"
	t0=$(lab_now_ms)
	"$@"
	lab_wait_for 15 mep_lab_r1_is "$(mep_lab_domain S1)" "ospf $to" ||
		lab_fail "$what: R1 did not move to $to"
	tr=$(($(lab_now_ms) - t0))
	lab_wait_for 15 m_only_on "$to" "$from" || lab_fail "$what: S1's CHILD_SA not on $to only"
	for g in d-out d-in; do
		t=$(lab_ping_answered "$g")
		lab_wait_for 5 m_answered_past "$g" $((t + 30)) || lab_fail "$what: pings do not resume"
	done
	lab_ping_stop d-out; lab_ping_stop d-in
	read -r out_last out_first out_lost <<<"$(m_seq_gap d-out)"
	read -r in_last in_first in_lost <<<"$(m_seq_gap d-in)"
	printf '  \033[1m%s: outage HS1 -> H1 %d ms, H1 -> HS1 %d ms\033[0m (a ping every 10 ms; lost x 10 ms)\n' \
		"$what" $((out_lost * 10)) $((in_lost * 10))
	note "timeline (ms after: $what):"
	at() {	# at LABEL NODE FROM TEXT
		local x
		x=$(lab_log_ms "$(mep_lab_log "$2")" "$3" "$4") &&
			printf '  %+6d ms  %s\n' $((x - t0)) "$1"
	}
	{
		at "S1: verdict on M1 ($(tail -n +"$fs" "$(mep_lab_log S1)" |
			grep -oE 'gateway M1: [a-z ]*[a-z]' | head -n 1 | sed 's/gateway M1: //'))" \
			S1 "$fs" "gateway M1: "
		at "S1: entry point $to (tracking line)" S1 "$fs" "Resolved peer for tunnel"
		at "S1: CHILD_SA to $to installed, carries" S1 "$fs" "up via CHILD_SA ${to,,}/"
		at "$to injects S1's domain (RIM)" "$to" "$fto" "rim: all"
		at "$from withdraws it (S1 silent)" "$from" "$f1" "satellite S1 silent"
		at "S1: old CHILD_SA to $from terminated" S1 "$fs" "terminate CHILD_SA ${from,,}/"
		if [ "$out_last" != 0 ]; then
			printf '  %+6d ms  %s\n' $((out_last - t0)) "HS1 -> H1: last reply before the outage" \
				$((out_first - t0)) "HS1 -> H1: answered again"
		fi
		if [ "$in_last" != 0 ]; then
			printf '  %+6d ms  %s\n' $((in_last - t0)) "H1 -> HS1: last reply before the outage" \
				$((in_first - t0)) "H1 -> HS1: answered again"
		fi
		printf '  %+6d ms  %s\n' "$tr" "R1 routes S1's domain via $to only (seen)"
	} | sort -n
	note "S1's tracking and steering lines:"
	tail -n +"$fs" "$(mep_lab_log S1)" | grep -oE '(Resolved peer for tunnel|steering 10).*' |
		sed 's/^/  /'
}

# shellcheck disable=SC2034 # the MEP lab's parameters (lib/mep-lab.sh)
mep_demo() {
	MEP_LAB_CENTERS="M1 M2"
	MEP_LAB_SATS=S1
	MEP_LAB_SAT_STEER=1
	MEP_LAB_DPD_CENTER=30s
	MEP_LAB_PROBE="probe interval 100 dead-count 3 key mep-demo-probe-key-0123"
	MEP_LAB_COMMUNITY="mep entry-point priority-list
mep priority default primary M1 secondary M2
mep tracking log
return-path rim"
	note "centers M1 and M2 (charon, zebra + ospfd, ripd-mep injecting into zebra), internal router R1 with H1 (OSPF),"
	note "satellite S1 (charon + ripd-mep, steering child-sa: its swanctl.conf is its own 'show mep swanctl') with host HS1;"
	note "priority list M1 then M2, probes every 100 ms (3 lost = down), the centers' DPD at 30 s (never what moves anything here)"
	mep_lab_up_all
	lab_wait_for 15 m_only_on M1 M2 || lab_fail "S1's CHILD_SA did not come up on M1"
	lab_wait_for 15 mep_lab_r1_is "$(mep_lab_domain S1)" "ospf M1" || lab_fail "R1 did not learn S1's domain via M1"
	msh S1 'show mep entry-points'
	m_r1
	bold "   M1 loses its internet link"
	m_move "M1's link down" M2 M1 mep_lab_inet_down M1
	msh S1 'show mep entry-points'
	m_r1
	bold "   M1's link is back: S1 returns to its primary (make-before-break)"
	m_move "M1 back" M1 M2 mep_lab_inet_up M1
	bold "   maintenance on M1: mep drain (S1 moves away before M1 goes)"
	m_move "mep drain on M1" M2 M1 mep_lab_show M1 'mep drain'
	msh M1 'show mep'
	m_r1
	bold "   maintenance over: no mep drain"
	m_move "no mep drain on M1" M1 M2 mep_lab_show M1 'no mep drain'
	mep_nat_demo
}

# IP Pool NAT, symmetric return: the centers translate what arrives from
# a tunnel into their own pool and inject only the pool; H1's replies go
# back through the center S1 entered by, whichever that is.
m_pool_is() {
	mep_lab_jq "$1" 'show mep nat json' --arg p "$2" \
		'[."ripd-mep:mep-state"."nat-pool"[]? |
		  select(.prefix == $p and .status == "active")] | length == 1'
}
m_ping() { mep_lab_ping HS1 "$MEP_H1"; }
# shellcheck disable=SC2034 # the MEP lab's parameters (lib/mep-lab.sh)
mep_nat_demo() {
	local p
	bold "   return path by IP Pool NAT instead of RIM (pools M1 172.16.1.0/24, M2 172.16.2.0/24; a reload)"
	MEP_LAB_COMMUNITY="mep entry-point priority-list
mep priority default primary M1 secondary M2
mep tracking log
return-path ip-pool-nat"
	MEP_LAB_POOL[M1]=172.16.1.0/24
	MEP_LAB_POOL[M2]=172.16.2.0/24
	mep_lab_reload || lab_fail "cannot reload the configurations"
	for p in M1:172.16.1.0/24 M2:172.16.2.0/24; do
		lab_wait_for 10 m_pool_is "${p%%:*}" "${p#*:}" || lab_fail "${p%%:*}'s pool not active"
		lab_wait_for 10 mep_lab_r1_is "${p#*:}" "ospf ${p%%:*}" || lab_fail "R1 did not learn ${p#*:}"
	done
	mep_lab_count_rule H1 input pool1 "ip saddr 172.16.1.0/24" &&
		mep_lab_count_rule H1 input pool2 "ip saddr 172.16.2.0/24" ||
		lab_fail "cannot count on H1"
	note "S1 enters by M1: HS1 pings H1; H1 sees a source in M1's pool"
	lab_wait_for 5 m_ping || lab_fail "HS1 -> H1 (through M1) not answered"
	echo "  H1 received from M1's pool: $(mep_lab_count H1 pool1) packet(s), from M2's: $(mep_lab_count H1 pool2)"
	note "mep drain on M1: S1 moves to M2; now H1 sees M2's pool and replies return through M2"
	mep_lab_show M1 'mep drain' >/dev/null
	lab_wait_for 15 m_only_on M2 M1 || lab_fail "S1 did not move to M2"
	lab_wait_for 5 m_ping || lab_fail "HS1 -> H1 (through M2) not answered"
	m_ping
	echo "  H1 received from M1's pool: $(mep_lab_count H1 pool1) packet(s), from M2's: $(mep_lab_count H1 pool2)"
	msh M2 'show mep nat'
	printf '\033[36mR1# show ip route 172.16.2.0/24\033[0m\n'
	lab_vtysh R1 -c "show ip route 172.16.2.0/24" |
		grep -E '^ *(Known|\*|Routing entry)|via' | sed 's/^/  /'
	mep_lab_show M1 'no mep drain' >/dev/null
}

# DEMO_PARTS: the parts to run (default all: "A B C D E")
DEMO_PARTS=${DEMO_PARTS:-A B C D E}
want() { [[ " $DEMO_PARTS " == *" $1 "* ]]; }

if want A; then
	bold "A. Route Injection (RIM): strongSwan tunnels -> kernel routes that beat the leased line"
	( lab_init demo-rim && rim_demo ) || exit 1
fi
if want B; then
	bold "B. RIM into FRR: the internal router switches between the tunnel and the leased line"
	( lab_init demo-frr && frr_demo ) || exit 1
fi
if want C; then
	bold "C. Probing: satellites judge the centers themselves, fail over and drain"
	( lab_init demo-probe && probe_demo ) || exit 1
fi
if want D; then
	bold "D. MEP end to end: S1's tunnel follows its entry point, RIM and R1 follow the tunnel"
	( lab_init demo-mep-e2e && mep_demo ) || exit 1
fi
want E || { bold "Done. Every daemon is stopped and every namespace removed on exit."; exit 0; }

bold "E. The manual's MEP scenarios, one ripd-mep each, centers marked up/down by hand"
lab_init demo-mep

SRC=10.11.0.5

bold "1. Explicit MEP, manual priority list (the manual's figure: M1, M2, M3 serve S1, S2, S3)"
start priority-list.conf
run 'show running-config' 'show mep'
note "all centers respond"
for g in $(centers); do quiet "debug mep gateway $g state up rtt $((RANDOM % 40 + 5))"; done
run 'show mep gateways'
D=$(host 10 "$(domain "$(centers | head -1)")")
for s in $(jq -r '."ripd-mep:mep".community[0].satellite[]' "$JSON"); do resolve $SRC "$D" "from $s"; done
for g in $(centers); do
	note "$g stops responding"
	quiet "debug mep gateway $g state down"
	for s in $(jq -r '."ripd-mep:mep".community[0].satellite[]' "$JSON"); do resolve $SRC "$D" "from $s"; done
done
run "show mep resolve $SRC $D"
tracking

bold "2. Explicit MEP by VPN domain (Host-1 is in M2's domain: M2 primary, M1 backup)"
start vpn-domain.conf
for g in $(centers); do quiet "debug mep gateway $g state up rtt $((RANDOM % 40 + 5))"; done
for g in $(centers); do resolve $SRC "$(host 10 "$(domain "$g")")"; done
G=$(centers | tail -1)
note "$G stops responding: its hosts move to a backup"
quiet "debug mep gateway $G state down"
for g in $(centers); do resolve $SRC "$(host 10 "$(domain "$g")")"; done
run "show mep entry-points"
tracking

bold "3. Explicit MEP, random per source/destination pair (IP Pool NAT return path)"
start random.conf
for g in $(centers); do quiet "debug mep gateway $g state up rtt 10"; done
D=$(domain "$(centers | head -1)")
declare -A before
for i in $(seq 1 12); do
	s=10.11.0.$i d=$(host $((i * 7)) "$D")
	before[$i]=$("$MEPSH" -S "$SOCK" -c "show mep resolve $s $d json" | jq -r '."ripd-mep:resolve"."entry-point"')
	echo "  $s -> $d: ${before[$i]}"
done
G=$(centers | head -1)
note "$G stops responding: only its pairs move (rendezvous hashing)"
quiet "debug mep gateway $G state down"
for i in $(seq 1 12); do
	s=10.11.0.$i d=$(host $((i * 7)) "$D")
	now=$("$MEPSH" -S "$SOCK" -c "show mep resolve $s $d json" | jq -r '."ripd-mep:resolve"."entry-point"')
	mark=$([ "$now" = "${before[$i]}" ] && echo "" || echo "   (moved from ${before[$i]})")
	echo "  $s -> $d: $now$mark"
done

bold "4. Implicit MEP, first to respond (London and New York share a domain)"
start implicit-overlap.conf
first=1
for g in $(centers); do
	rtt=$([ $first = 1 ] && echo 8 || echo 75); first=0
	quiet "debug mep gateway $g state up rtt $rtt"
done
run 'show mep gateways'
D=$(host 10 "$(domain "$(centers | head -1)")")
resolve $SRC "$D"
G=$(centers | head -1)
note "$G stops responding"
quiet "debug mep gateway $G state down"
resolve $SRC "$D"
note "$G answers again (faster): no flapping, the chosen gateway stays while it responds"
quiet "debug mep gateway $G state up rtt 2"
resolve $SRC "$D"

bold "5. Implicit MEP, primary-backup"
start primary-backup.conf
P=$(jq -r '."ripd-mep:mep".gateway[] | select(."backup-gateway") | .name' "$JSON" | head -1)
D=$(host 10 "$(domain "$P")")
for g in $(jq -r '."ripd-mep:mep".gateway[].name' "$JSON"); do quiet "debug mep gateway $g state up rtt 10"; done
resolve $SRC "$D"
note "primary $P stops responding"
quiet "debug mep gateway $P state down"
resolve $SRC "$D"
note "primary $P is back: new connections return to it"
quiet "debug mep gateway $P state up rtt 10"
resolve $SRC "$D"

bold "Done. Every daemon is stopped and every namespace removed on exit."
