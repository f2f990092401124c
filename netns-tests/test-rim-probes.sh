#!/usr/bin/env bash
# shellcheck disable=SC2317 # steps and helpers are called by name
# netns-tests/test-rim-probes.sh: centers follow their satellites' probes
# (SPEC "Satellite steering", last point), on the RIM lab (lib/rim-lab.sh)
# with real charons. M1 runs ripd-mep with the kernel backend; S1 runs
# its own ripd-mep as a satellite probing M1; S2 has none (a satellite
# without ripd-mep). The community is explicit MEP with a second,
# third-party center M2 (nothing runs there: no probes to it).
#
# Checks: with the tunnels up and S1's probes flowing, both satellites'
# routes are injected; the probe port blocked in S1 (nftables, IKE and
# ESP still flow, the tunnel stays up) -> M1 withdraws S1's route within
# the probe dead time + 1 interval (measured from M1's log line and from
# the kernel table), `show mep routes json` says "satellite silent",
# `show mep probes json` flags S1 silent, S2's route stays; unblocked ->
# injected again within about one interval (measured); M1's ripd-mep
# restarted while S1 is blocked -> S1 was never heard in this run, so its
# route follows the tunnel (injected, not silent); unblocked and blocked
# again -> silent again (heard in this run). Third-party liveness from
# the IKE_SA: S2's own ripd-mep (M1 third-party there) shows M1 up by IKE
# while the IKE_SA is established, also after its only CHILD_SA closed,
# and down once DPD deleted it (IKE dropped on S2's link).
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
# shellcheck source-path=SCRIPTDIR source=lib/rim-lab.sh
. "$(dirname "$0")/lib/rim-lab.sh"

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
INTERVAL=200		# ms
DEAD=3			# dead-count
DEAD_MS=$((INTERVAL * DEAD))
PORT=18260
KEY=rim-probes-key-0123456789
DISTANCE=30
METRIC=7
PRIO=$(((DISTANCE << 24) | METRIC))
S1NET=${RIM_DOMAIN[S1]}
S2NET=${RIM_DOMAIN[S2]}
M2_INET=192.0.2.2
TIMES=

lab_init rim-probes

# probes_conf LOCAL "RIM LINES" "IPSEC LINES" [M1_EXTRA]: NODE's
# ripd-mep.conf (M1_EXTRA: "third-party" for S2's view of M1).
probes_conf()
{
	local local_gw=$1 rim=$2 ipsec=$3 m1extra=${4:-} s l
	printf 'mep\n local-gateway %s\n' "$local_gw"
	printf ' gateway M1\n  address %s\n  vpn-domain %s\n' \
		"$RIM_M1_INET" "${RIM_DOMAIN[M1]}"
	[ -n "$m1extra" ] && printf '  %s\n' "$m1extra"
	printf ' exit\n !\n'
	printf ' gateway M2\n  address %s\n  vpn-domain 10.2.0.0/16\n' \
		"$M2_INET"
	printf '  third-party\n exit\n !\n'
	for s in S1 S2; do
		printf ' gateway %s\n  address %s\n  vpn-domain %s\n exit\n !\n' \
			"$s" "${RIM_INET[$s]}" "${RIM_DOMAIN[$s]}"
	done
	printf ' community STAR-1\n  type star\n  center M1\n  center M2\n'
	printf '  satellite S1\n  satellite S2\n  permanent-tunnels\n'
	printf '  mep enable\n exit\n !\n'
	printf ' probe interval %s dead-count %s port %s key %s\n' \
		"$INTERVAL" "$DEAD" "$PORT" "$KEY"
	if [ -n "$rim" ]; then
		printf ' rim\n'
		while IFS= read -r l; do
			[ -n "$l" ] && printf '  %s\n' "$l"
		done <<<"$rim"
		printf ' exit\n !\n'
	fi
	printf ' ipsec\n'
	while IFS= read -r l; do
		[ -n "$l" ] && printf '  %s\n' "$l"
	done <<<"$ipsec"
	printf ' exit\n !\nexit\n!\n'
}

declare -A DPID=()
# start_ripd NODE: ripd-mep in NODE on $LAB_RUN/NODE/ripd-mep.conf.
start_ripd()
{
	local dir=$LAB_RUN/$1
	lab_daemon "$1" ripd-mep "$BIN" -u root -f "$dir/ripd-mep.conf" \
		--vty_socket "$dir" --log stdout || return 1
	DPID[$1]=$LAB_PID
	lab_wait_for 5 test -S "$dir/ripd-mep.vty"
}
stop_ripd()
{
	kill "${DPID[$1]}" 2>/dev/null
	wait "${DPID[$1]}" 2>/dev/null
	lab_wait_for 5 eval "! lab_alive ${DPID[$1]}"
}
LOG=$LAB_RUN/logs/M1-ripd-mep.log
mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$LAB_RUN/$1/ripd-mep.vty" -c "$2"; }
state() { mepsh M1 "show mep $1 json" | jq -r ".\"ripd-mep:mep-state\"$2"; }
has_kroute()
{
	rim_lab_kernel_routes M1 "$RIM_TABLE" "$RIM_PROTO" |
		grep -qx "$1 ipsec0 $PRIO"
}
no_kroute() { ! has_kroute "$1"; }
# route_json PREFIX: "GATEWAY STATE REASON" of show mep routes json
route_json()
{
	state routes ".route[]? | select(.prefix == \"$1\") |
		\"\(.gateway) \(.state) \(.reason // \"-\")\""
}
route_is() { [ "$(route_json "$1")" = "$2" ]; }
rim_peer_is() { [ "$(state routes ".\"rim-peer\"[]? | select(.name == \"$1\") | .state")" = "$2" ]; }
# probe_peer NAME LEAF: a leaf of M1's probe-peer NAME
probe_peer()
{
	state probes ".\"probe-peer\"[]? | select(.name == \"$1\") | .\"$2\""
}
s1_silent_is() { [ "$(probe_peer S1 silent)" = "$1" ]; }
s1_heard() { [ "$(probe_peer S1 last-heard)" != never ]; }
tunnel_of()
{
	mepsh M1 'show mep tunnels json' | lab_jqe --arg g "$1" \
		'[."ripd-mep:mep-state".tunnel[]? | select(.gateway == $g)] |
		 length > 0' >/dev/null
}
why_routes() { echo "   routes: $(mepsh M1 'show mep routes json' | jq -c '."ripd-mep:mep-state" | {route, "rim-peer"}')" >&2; }
why_k() { echo "   kernel: $(rim_lab_kernel_routes M1 "$RIM_TABLE" "$RIM_PROTO" | tr '\n' ';')" >&2; }

# block / unblock S1's probes (UDP to the probe port) in S1's namespace;
# IKE (500, 4500) and ESP in UDP keep flowing.
block()
{
	lab_exec S1 nft -f - <<EOF
table inet rimprobes {
	chain out {
		type filter hook output priority 0;
		udp dport $PORT drop
	}
}
EOF
}
unblock() { lab_exec S1 nft delete table inet rimprobes; }

# log_after FROM TEXT T0: ms from T0 to M1's first log line after line
# FROM holding TEXT
log_after()
{
	local t
	t=$(lab_log_ms "$LOG" "$1" "$2") || return 1
	echo $((t - $3))
}
log_lines() { wc -l <"$LOG"; }

step_start()
{
	local n out
	rim_lab_build || lab_fail "cannot build the topology"
	rim_lab_charons || lab_fail "cannot start the charons"
	mkdir -p "$LAB_RUN/M1" "$LAB_RUN/S1"
	probes_conf M1 "distance $DISTANCE
metric $METRIC
backend kernel
kernel-table $RIM_TABLE
interface ipsec0" "vici-socket $(lab_vici M1)" >"$LAB_RUN/M1/ripd-mep.conf"
	probes_conf S1 "" "vici-socket $(lab_vici S1)" \
		>"$LAB_RUN/S1/ripd-mep.conf"
	for n in M1 S1; do
		out=$("$BIN" -C -f "$LAB_RUN/$n/ripd-mep.conf" 2>&1) ||
			lab_fail "ripd-mep -C rejects $n's configuration: $out"
		start_ripd "$n" || lab_fail "ripd-mep did not start in $n"
	done
	rim_lab_up S1 && rim_lab_up S2 || lab_fail "tunnels not up"
	lab_check "S1 and S2: tunnels up, both routes injected" \
		lab_wait_for 10 eval "has_kroute $S1NET && has_kroute $S2NET" ||
		why_k
	lab_check "M1 hears S1's probes (show mep probes json)" \
		lab_wait_for 5 s1_heard
	lab_check "S1 not silent" s1_silent_is false
	lab_check "S2 (no ripd-mep) never heard" \
		[ "$(probe_peer S2 last-heard)" = never ]
	lab_check "show mep routes json: $S1NET injected, rim-peer S1 tunnel-up" \
		eval "route_is $S1NET 'S1 installed -' && rim_peer_is S1 tunnel-up" ||
		why_routes
}

step_silent()
{
	local from t0 ms
	from=$(($(log_lines) + 1))
	block || lab_fail "cannot block the probe port in S1"
	t0=$(lab_now_ms)
	lab_check "S1's probes blocked: $S1NET withdrawn from the kernel" \
		rim_lab_timed "withdrawn(kernel,poll)" 5 no_kroute "$S1NET" ||
		why_k
	ms=$(log_after "$from" "satellite S1 silent" "$t0") ||
		lab_fail "no 'satellite S1 silent' line in M1's log"
	TIMES+=" silent(log)=${ms}ms"
	lab_check "silence noticed within dead time + 1 interval ($((DEAD_MS + INTERVAL)) ms): ${ms} ms" \
		[ "$ms" -le $((DEAD_MS + INTERVAL + 50)) ]
	lab_check "not before the dead time less one interval (jitter)" \
		[ "$ms" -ge $((DEAD_MS - INTERVAL - 50)) ]
	lab_check "show mep routes json: $S1NET withdrawn, satellite silent" \
		route_is "$S1NET" "S1 withdrawn satellite silent" || why_routes
	lab_check "show mep routes json: rim-peer S1 satellite-silent, S2 tunnel-up" \
		eval "rim_peer_is S1 satellite-silent && rim_peer_is S2 tunnel-up" ||
		why_routes
	lab_check "show mep routes: 'Peer S1: no routes, satellite silent'" \
		eval "mepsh M1 'show mep routes' | grep -q '^Peer S1: no routes, satellite silent'"
	lab_check "show mep probes json: S1 silent" s1_silent_is true
	lab_check "show mep probes: S1 SILENT" \
		eval "mepsh M1 'show mep probes' | grep -q '^S1 .*SILENT'"
	lab_check "the tunnel to S1 stays up (show mep tunnels json)" tunnel_of S1
	lab_check "S2 (no ripd-mep) keeps its route while its tunnel is up (3 s)" \
		lab_holds 3 has_kroute "$S2NET" || why_k
	lab_check "$S1NET stays withdrawn" no_kroute "$S1NET"
}

step_heard_again()
{
	local from t0 ms
	from=$(($(log_lines) + 1))
	unblock || lab_fail "cannot unblock the probe port in S1"
	t0=$(lab_now_ms)
	lab_check "S1's probes back: $S1NET injected again" \
		rim_lab_timed "injected(kernel,poll)" 5 has_kroute "$S1NET" ||
		why_k
	ms=$(log_after "$from" "satellite S1 heard again" "$t0") ||
		lab_fail "no 'satellite S1 heard again' line in M1's log"
	TIMES+=" heard-again(log)=${ms}ms"
	lab_check "heard again within about one interval: ${ms} ms" \
		[ "$ms" -le $((INTERVAL + INTERVAL / 2)) ]
	lab_check "show mep probes json: S1 not silent" s1_silent_is false
	lab_check "show mep routes json: $S1NET installed" \
		lab_wait_for 2 route_is "$S1NET" "S1 installed -" || why_routes
}

step_restart()
{
	# a center restarted while S1's probes are blocked has not heard S1
	# in this run: S1 counts as not probing, its route follows the tunnel
	block || lab_fail "cannot block the probe port in S1"
	lab_wait_for 5 no_kroute "$S1NET" || lab_fail "S1 not silent again"
	stop_ripd M1 || lab_fail "ripd-mep in M1 did not stop"
	start_ripd M1 || lab_fail "ripd-mep in M1 did not restart"
	lab_check "restarted while S1 is blocked: $S1NET injected (never heard in this run)" \
		lab_wait_for 5 has_kroute "$S1NET" || why_k
	lab_check "... and kept beyond the dead time (2 s)" \
		lab_holds 2 has_kroute "$S1NET" || why_k
	lab_check "show mep probes json: S1 never heard, not silent" \
		eval "[ \"\$(probe_peer S1 last-heard)\" = never ] && s1_silent_is false"
	unblock || lab_fail "cannot unblock"
	lab_check "unblocked: M1 hears S1" lab_wait_for 3 s1_heard
	block || lab_fail "cannot block again"
	lab_check "blocked again: heard in this run, so silent: $S1NET withdrawn" \
		lab_wait_for 3 no_kroute "$S1NET" || why_k
	unblock
	lab_check "unblocked: $S1NET back" lab_wait_for 3 has_kroute "$S1NET"
	lab_check "ripd-mep alive in M1 and S1" \
		eval "lab_alive ${DPID[M1]} && lab_alive ${DPID[S1]}"
}

# ---- third-party liveness from the IKE_SA (S2's own ripd-mep, which
# declares M1 third-party: it judges M1 by its IKE_SA, never probes it)

# gw_is NODE GATEWAY "LIVENESS SOURCE": show mep gateways json on NODE
gw_is()
{
	[ "$(mepsh "$1" 'show mep gateways json' | jq -r --arg g "$2" \
		'."ripd-mep:mep-state".gateway[] | select(.name == $g) |
		 "\(.liveness) \(."verdict-source")"')" = "$3" ]
}
why_gw() { echo "   S2 gateways: $(mepsh S2 'show mep gateways json' | jq -c '[."ripd-mep:mep-state".gateway[] | {name, liveness, "verdict-source"}]')" >&2; }

step_third_party()
{
	local t0 out
	mkdir -p "$LAB_RUN/S2"
	probes_conf S2 "" "vici-socket $(lab_vici S2)" third-party \
		>"$LAB_RUN/S2/ripd-mep.conf"
	out=$("$BIN" -C -f "$LAB_RUN/S2/ripd-mep.conf" 2>&1) ||
		lab_fail "ripd-mep -C rejects S2's configuration: $out"
	start_ripd S2 || lab_fail "ripd-mep did not start in S2"
	lab_check "S2: third-party M1 with an established IKE_SA: up, source ike" \
		lab_wait_for 5 gw_is S2 M1 "up ike" || why_gw
	lab_check "S2: third-party M2 (no IKE_SA): down, source ike" \
		gw_is S2 M2 "down ike" || why_gw
	# the CHILD_SA closed, the IKE_SA stays: still up (the IKE_SA counts)
	lab_swanctl S2 --terminate --child net --timeout 10 \
		>>"$LAB_RUN/logs/S2-terminate.log" 2>&1 ||
		lab_fail "cannot terminate S2's CHILD_SA"
	lab_wait_for 5 rim_lab_no_child S2 net || lab_fail "S2's child still there"
	lab_check "S2: IKE_SA to M1 without CHILD_SA (swanctl lists it ESTABLISHED)" \
		rim_lab_ike_up S2 m1
	lab_check "S2: M1 stays up by IKE without any CHILD_SA (3 s)" \
		lab_holds 3 gw_is S2 M1 "up ike" || why_gw
	lab_check "M1 withdrew S2's route (its tunnel is down)" \
		lab_wait_for 3 no_kroute "$S2NET" || why_k
	lab_check "M1: show mep routes json: rim-peer S2 tunnel-down" \
		rim_peer_is S2 tunnel-down || why_routes
	# IKE dropped on S2's link: DPD deletes the IKE_SA
	lab_exec S2 nft -f - <<EOF || lab_fail "cannot block IKE in S2"
table inet rimike {
	chain out {
		type filter hook output priority 0;
		ip daddr $RIM_M1_INET udp dport { 500, 4500 } drop
	}
}
EOF
	t0=$(lab_now_ms)
	lab_check "S2: IKE to M1 dropped: M1 down by IKE after DPD" \
		lab_wait_for 20 gw_is S2 M1 "down ike" || why_gw
	TIMES+=" third-party-down=$(($(lab_now_ms) - t0))ms"
	lab_check "S2: its charon lists no IKE_SA to M1" rim_lab_ike_gone S2 m1
	lab_check "S2: log says 'gateway M1: down by IKE'" \
		grep -q "gateway M1: down by IKE" "$LAB_RUN/logs/S2-ripd-mep.log"
	lab_exec S2 nft delete table inet rimike
	# a new IKE_SA, now reported by charon's events (not a listing)
	rim_lab_up S2 || lab_fail "S2 cannot bring its tunnel up again"
	lab_check "S2: new IKE_SA to M1 (events): up by IKE again" \
		lab_wait_for 5 gw_is S2 M1 "up ike" || why_gw
	lab_check "M1 injects S2's route again (no ripd-mep probes from S2)" \
		lab_wait_for 5 has_kroute "$S2NET" || why_k
	lab_check "ripd-mep alive in S2" lab_alive "${DPID[S2]}"
}

step_start
step_silent
step_heard_again
step_restart
step_third_party
lab_checks_done
lab_pass "probe interval ${INTERVAL} ms x ${DEAD};$TIMES"
