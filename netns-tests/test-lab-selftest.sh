#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers and steps are called by name
# netns-tests/test-lab-selftest.sh: proves the lab library works on this
# machine: namespaces, veth, zebra (+ staticd) answering vtysh, and two
# charons (kernel-libipsec) bringing up an IKEv2 PSK tunnel that carries a
# ping. Uses only lib/netns.sh.
set -u
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"

lab_init lab-selftest

# ---- helpers (for lab_check and lab_wait_for)
no_host_link() { ! ip link show "$1" >/dev/null 2>&1; }
no_ping() { ! lab_exec "$1" ping -c1 -W1 "${@:2}" >/dev/null 2>&1; }
route_json()
{
	lab_vtysh gwa -c "show ip route $1 json"
}
has_route()
{
	# has_route PREFIX PROTOCOL: zebra selected PREFIX from PROTOCOL
	route_json "$1" | lab_jqe --arg p "$1" --arg proto "$2" \
		'.[$p][0] | .protocol == $proto and .selected == true' \
		>/dev/null
}
# kernel_gw NODE PREFIX: the gateway of PREFIX in NODE's kernel (ip -j)
kernel_gw() { ip -n "$(lab_nsname "$1")" -j route show "$2" | jq -r '.[0].gateway // empty'; }
kernel_gw_is() { [ "$(kernel_gw "$1" "$2")" = "$3" ]; }
# fails_with FILE TEXT CMD...: CMD fails and its stderr (in FILE) has TEXT
fails_with()
{
	local file=$1 text=$2
	shift 2
	! "$@" 2>"$file" && grep -qF -- "$text" "$file"
}

# ---- namespaces and veth
step_namespaces()
{
	lab_ns gwa || lab_fail "cannot create node gwa"
	lab_ns gwb || lab_fail "cannot create node gwb"
	lab_link gwa gwb 192.0.2.1/24 192.0.2.2/24 ||
		lab_fail "cannot link gwa-gwb"
	lab_check "veth names to-gwb/to-gwa ('$LAB_IF1' '$LAB_IF2')" \
		[ "$LAB_IF1:$LAB_IF2" = to-gwb:to-gwa ]
	lab_check "veth to-gwb is in gwa" lab_exec gwa ip link show to-gwb
	lab_check "veth to-gwb not leaked into the host namespace" \
		no_host_link to-gwb
	lab_wait_for 5 lab_exec gwa ping -c1 -W1 192.0.2.2 ||
		lab_fail "no ping over the veth"
	lab_ok "namespaces and veth"

	# the gateways own an address inside their own traffic selector
	lab_exec gwa ip addr add 10.1.0.1/32 dev lo || lab_fail "addr on gwa lo"
	lab_exec gwb ip addr add 10.2.0.1/32 dev lo || lab_fail "addr on gwb lo"
	lab_check "10.2.0.1 unreachable before any tunnel exists" \
		no_ping gwa -I 10.1.0.1 10.2.0.1
}

# ---- FRR: zebra + staticd in gwa, config applied by vtysh
step_frr()
{
	lab_frr gwa "hostname gwa
ip route 198.51.100.0/24 blackhole
ip route 203.0.113.0/24 192.0.2.2" staticd || lab_fail "cannot start FRR in gwa"
	lab_check "zserv.api socket" test -S "$(lab_rundir gwa)/frr/zserv.api"
	lab_check "zebra selected the static blackhole" \
		lab_wait_for 10 has_route 198.51.100.0/24 static
	lab_check "zebra selected the static route via gwb" \
		lab_wait_for 10 has_route 203.0.113.0/24 static
	lab_check "zebra has the connected veth route" \
		lab_wait_for 10 has_route 192.0.2.0/24 connected
	lab_check "static route installed in gwa's kernel via 192.0.2.2" \
		lab_wait_for 5 kernel_gw_is gwa 203.0.113.0/24 192.0.2.2
	lab_check "FRR route not leaked into the host" \
		[ -z "$(ip route show 203.0.113.0/24)" ]
}

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
installed()
{
	lab_swanctl "$1" --list-sas | grep -Eq 'net: #[0-9]+, reqid [0-9]+, INSTALLED'
}
step_tunnel()
{
	lab_charon gwa "$(swanctl_conf gwa gwb 192.0.2.1 192.0.2.2 \
		10.1.0.0/24 10.2.0.0/24)" || lab_fail "cannot start charon in gwa"
	lab_charon gwb "$(swanctl_conf gwb gwa 192.0.2.2 192.0.2.1 \
		10.2.0.0/24 10.1.0.0/24)" || lab_fail "cannot start charon in gwb"
	lab_swanctl gwa --list-conns | grep -q '^lab:' ||
		lab_fail "connection not loaded in gwa: $(lab_swanctl gwa --list-conns)"
	lab_swanctl gwa --initiate --child net --timeout 30 \
		>>"$LAB_RUN/logs/gwa-initiate.log" 2>&1 ||
		lab_fail "swanctl --initiate failed"
	lab_wait_for 10 installed gwa || lab_fail "CHILD_SA not INSTALLED in gwa"
	lab_wait_for 10 installed gwb || lab_fail "CHILD_SA not INSTALLED in gwb"
	lab_swanctl gwa --list-sas | grep -q 'ESTABLISHED' ||
		lab_fail "IKE_SA not ESTABLISHED in gwa"
	lab_ok "IKEv2 tunnel INSTALLED on both sides"
}

tx_packets()
{
	lab_exec "$1" ip -j -s link show ipsec0 | jq '.[0].stats64.tx.packets'
}
esp_counted()
{
	# swanctl has no JSON form: its text, bytes/packets of the SA
	lab_swanctl "$1" --list-sas | grep -Eq 'in .*[1-9][0-9]* packets'
}

step_ping()
{
	local before after
	before=$(tx_packets gwa) || lab_fail "no ipsec0 in gwa"
	lab_wait_for 10 lab_exec gwa ping -c1 -W1 -I 10.1.0.1 10.2.0.1 ||
		lab_fail "no ping through the tunnel"
	after=$(tx_packets gwa)
	lab_check "ping went through ipsec0 (tx $before -> $after)" \
		[ "$after" -gt "$before" ]
	lab_check "gwb counted ESP packets in" esp_counted gwb
}

# ---- a broken installation is named at once
programs_ok() { lab_check_programs 2>"$LAB_RUN/check.err"; }
step_broken_install()
{
	local start
	# every program and plugin the lab needs is here
	lab_check "lab_check_programs passes" programs_ok
	# a missing FRR daemon and a missing charon plugin are named with
	# their package
	(LAB_FRR_DIR=$LAB_RUN/no-frr LAB_CHARON_PLUGINS="$LAB_CHARON_PLUGINS nosuch" \
		lab_check_programs) 2>"$LAB_RUN/check.err"
	lab_check "lab_check_programs fails with zebra and a plugin missing" \
		[ $? != 0 ]
	lab_check "missing zebra named with its package" grep -q \
		"FRR program $LAB_RUN/no-frr/zebra is missing (package frr)" \
		"$LAB_RUN/check.err"
	lab_check "missing plugin named" \
		grep -q "charon plugin 'nosuch' is missing" "$LAB_RUN/check.err"
	# a plugin of charon's load list that fails to load stops charon, and
	# lab_charon says which one (not a NO_PROPOSAL_CHOSEN much later)
	lab_ns gwc || lab_fail "cannot create node gwc"
	start=$SECONDS
	(LAB_CHARON_PLUGINS="$LAB_CHARON_PLUGINS nosuch" lab_charon gwc "$(swanctl_conf \
		gwc gwa 192.0.2.3 192.0.2.1 10.3.0.0/24 10.1.0.0/24)") \
		2>"$LAB_RUN/charon.err"
	lab_check "charon does not start without plugin nosuch" [ $? != 0 ]
	lab_check "the failed plugin is named" grep -q \
		"lab_charon: in gwc: charon plugin 'nosuch' failed to load" \
		"$LAB_RUN/charon.err"
	lab_check "lab_charon noticed within 5 s ($((SECONDS - start)) s)" \
		[ $((SECONDS - start)) -le 5 ]
}

step_namespaces
step_frr
step_tunnel
step_ping
step_broken_install
lab_checks_done
lab_pass "namespaces, veth, zebra, charon tunnel and ping"
