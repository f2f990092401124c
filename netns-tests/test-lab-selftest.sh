#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers are called through lab_wait_for
# netns-tests/test-lab-selftest.sh: proves the lab library works on this
# machine: namespaces, veth, zebra (+ staticd) answering vtysh, and two
# charons (kernel-libipsec) bringing up an IKEv2 PSK tunnel that carries a
# ping. Uses only lib/netns.sh.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"

lab_init lab-selftest

# ---- namespaces and veth
lab_ns gwa || lab_fail "cannot create node gwa"
lab_ns gwb || lab_fail "cannot create node gwb"
lab_link gwa gwb 192.0.2.1/24 192.0.2.2/24 || lab_fail "cannot link gwa-gwb"
if [ "$LAB_IF1" != to-gwb ] || [ "$LAB_IF2" != to-gwa ]; then
	lab_fail "unexpected veth names '$LAB_IF1' '$LAB_IF2'"
fi
lab_exec gwa ip link show to-gwb >/dev/null ||
	lab_fail "veth to-gwb is not in gwa"
ip link show to-gwb >/dev/null 2>&1 &&
	lab_fail "veth to-gwb leaked into the host namespace"
lab_wait_for 5 lab_exec gwa ping -c1 -W1 192.0.2.2 ||
	lab_fail "no ping over the veth"
lab_ok "namespaces and veth"

# the gateways own an address inside their own traffic selector
lab_exec gwa ip addr add 10.1.0.1/32 dev lo || lab_fail "addr on gwa lo"
lab_exec gwb ip addr add 10.2.0.1/32 dev lo || lab_fail "addr on gwb lo"
lab_exec gwa ping -c1 -W1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1 &&
	lab_fail "10.2.0.1 reachable before any tunnel exists"

# ---- FRR: zebra + staticd in gwa, config applied by vtysh
lab_frr gwa "hostname gwa
ip route 198.51.100.0/24 blackhole
ip route 203.0.113.0/24 192.0.2.2" staticd || lab_fail "cannot start FRR in gwa"
[ -S "$(lab_rundir gwa)/frr/zserv.api" ] || lab_fail "no zserv.api socket"
route_json()
{
	lab_vtysh gwa -c "show ip route $1 json"
}
has_route()
{
	# has_route PREFIX PROTOCOL: zebra selected PREFIX from PROTOCOL
	route_json "$1" | jq -e --arg p "$1" --arg proto "$2" \
		'.[$p][0] | .protocol == $proto and .selected == true' \
		>/dev/null
}
lab_wait_for 10 has_route 198.51.100.0/24 static ||
	lab_fail "no static blackhole: $(route_json 198.51.100.0/24)"
lab_wait_for 10 has_route 203.0.113.0/24 static ||
	lab_fail "no static route via gwb: $(route_json 203.0.113.0/24)"
lab_wait_for 10 has_route 192.0.2.0/24 connected ||
	lab_fail "zebra lacks the connected veth route"
lab_route gwa show 203.0.113.0/24 | grep -q 'via 192.0.2.2' ||
	lab_fail "static route not installed in gwa's kernel: $(lab_route gwa show)"
[ -z "$(ip route show 203.0.113.0/24)" ] ||
	lab_fail "FRR route leaked into the host"
lab_ok "zebra and staticd answer vtysh and install routes"

# ---- strongSwan: two charons, IKEv2 PSK, kernel-libipsec
swanctl_conf()
{
	# swanctl_conf ME PEER MYADDR PEERADDR MYNET PEERNET
	cat <<EOF
connections {
	lab {
		version = 2
		local_addrs = $3
		remote_addrs = $4
		encap = yes
		local {
			auth = psk
			id = $1
		}
		remote {
			auth = psk
			id = $2
		}
		children {
			net {
				local_ts = $5
				remote_ts = $6
				start_action = none
			}
		}
	}
}
secrets {
	ike-lab {
		id-1 = $1
		id-2 = $2
		secret = lab-selftest-psk-0123456789
	}
}
EOF
}
lab_charon gwa "$(swanctl_conf gwa gwb 192.0.2.1 192.0.2.2 \
	10.1.0.0/24 10.2.0.0/24)" || lab_fail "cannot start charon in gwa"
lab_charon gwb "$(swanctl_conf gwb gwa 192.0.2.2 192.0.2.1 \
	10.2.0.0/24 10.1.0.0/24)" || lab_fail "cannot start charon in gwb"
lab_swanctl gwa --list-conns | grep -q '^lab:' ||
	lab_fail "connection not loaded in gwa: $(lab_swanctl gwa --list-conns)"
lab_swanctl gwa --initiate --child net --timeout 30 \
	>>"$LAB_RUN/logs/gwa-initiate.log" 2>&1 ||
	lab_fail "swanctl --initiate failed"
installed()
{
	lab_swanctl "$1" --list-sas | grep -Eq 'net: #[0-9]+, reqid [0-9]+, INSTALLED'
}
lab_wait_for 10 installed gwa || lab_fail "CHILD_SA not INSTALLED in gwa"
lab_wait_for 10 installed gwb || lab_fail "CHILD_SA not INSTALLED in gwb"
lab_swanctl gwa --list-sas | grep -q 'ESTABLISHED' ||
	lab_fail "IKE_SA not ESTABLISHED in gwa"
lab_ok "IKEv2 tunnel INSTALLED on both sides"

tx_packets()
{
	lab_exec "$1" ip -j -s link show ipsec0 | jq '.[0].stats64.tx.packets'
}
before=$(tx_packets gwa) || lab_fail "no ipsec0 in gwa"
lab_wait_for 10 lab_exec gwa ping -c1 -W1 -I 10.1.0.1 10.2.0.1 ||
	lab_fail "no ping through the tunnel"
after=$(tx_packets gwa)
[ "$after" -gt "$before" ] ||
	lab_fail "ping did not go through ipsec0 (tx $before -> $after)"
lab_swanctl gwb --list-sas | grep -Eq 'in .*[1-9][0-9]* packets' ||
	lab_fail "gwb counted no ESP packets in: $(lab_swanctl gwb --list-sas)"
lab_ok "ping through the tunnel (ipsec0 tx $before -> $after)"

# ---- a broken installation is named at once
# every program and plugin the lab needs is here
lab_check_programs 2>"$LAB_RUN/check.err" ||
	lab_fail "lab_check_programs failed: $(cat "$LAB_RUN/check.err")"
# a missing FRR daemon and a missing charon plugin are named with their package
(LAB_FRR_DIR=$LAB_RUN/no-frr LAB_CHARON_PLUGINS="$LAB_CHARON_PLUGINS nosuch" \
	lab_check_programs) 2>"$LAB_RUN/check.err" &&
	lab_fail "lab_check_programs passed with zebra and a plugin missing"
grep -q "FRR program $LAB_RUN/no-frr/zebra is missing (package frr)" \
	"$LAB_RUN/check.err" ||
	lab_fail "missing zebra not named: $(cat "$LAB_RUN/check.err")"
grep -q "charon plugin 'nosuch' is missing" "$LAB_RUN/check.err" ||
	lab_fail "missing plugin not named: $(cat "$LAB_RUN/check.err")"
# a plugin of charon's load list that fails to load stops charon, and
# lab_charon says which one (not a NO_PROPOSAL_CHOSEN much later)
lab_ns gwc || lab_fail "cannot create node gwc"
start=$SECONDS
(LAB_CHARON_PLUGINS="$LAB_CHARON_PLUGINS nosuch" lab_charon gwc "$(swanctl_conf \
	gwc gwa 192.0.2.3 192.0.2.1 10.3.0.0/24 10.1.0.0/24)") \
	2>"$LAB_RUN/charon.err" && lab_fail "charon started without plugin nosuch"
grep -q "lab_charon: in gwc: charon plugin 'nosuch' failed to load" \
	"$LAB_RUN/charon.err" ||
	lab_fail "failed plugin not named: $(cat "$LAB_RUN/charon.err")"
[ $((SECONDS - start)) -le 5 ] ||
	lab_fail "lab_charon took $((SECONDS - start)) s to notice the failure"
lab_ok "missing programs and plugins are named with their package"

lab_pass "namespaces, veth, zebra, charon tunnel and ping"
