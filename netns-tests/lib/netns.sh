# shellcheck shell=bash disable=SC2034
# netns-tests/lib/netns.sh: the namespace lab library sourced by every
# netns-tests/test-*.sh. It owns the run id, the run directory, the lab
# namespaces and veths, the daemons it starts and their cleanup.
#
# Usage (as root, bash):
#   . "$(dirname "$0")/lib/netns.sh"
#   lab_init my-test
#   lab_ns a; lab_ns b
#   lab_link a b 10.0.0.1/24 10.0.0.2/24
#   lab_wait_for 5 lab_exec a ping -c1 -W1 10.0.0.2 || lab_fail "no ping"
#   lab_pass "ping works"
#
# Names: namespaces are "$LAB_PREFIX$LAB_ID-NODE"; everything a run creates
# on disk is under $LAB_RUN (/tmp/ripd-mep-lab.$LAB_ID). Inside NODE1 the
# veth towards NODE2 is called "to-NODE2" (cut to 15 characters, a "-N"
# suffix for a second link). Set LAB_KEEP=1 to keep $LAB_RUN after the run.
#
# Shell conventions: functions return non-zero on failure and print the
# reason on stderr; "lab_fail" ends the test; "lab_check" counts a failed
# assertion and goes on, "lab_checks_done" ends the test if any failed. Functions that produce a
# value set a global variable (LAB_PID, LAB_IF1, LAB_IF2) rather than
# printing it, so they are never called in a subshell that would lose state.

LAB_PREFIX=rmlab
LAB_TMP=${LAB_TMP:-/tmp}
LAB_FRR_DIR=${LAB_FRR_DIR:-/usr/lib/frr}
LAB_CHARON=${LAB_CHARON:-/usr/lib/ipsec/charon}
LAB_CHARON_PLUGINS="kdf random nonce aes sha1 sha2 hmac pem pkcs1 x509"
LAB_CHARON_PLUGINS+=" revocation constraints pubkey openssl kernel-libipsec"
LAB_CHARON_PLUGINS+=" kernel-netlink socket-default vici updown gmp"
LAB_SWANCTL=${LAB_SWANCTL:-/usr/sbin/swanctl}
# The FRR programs the lab starts (lab_frr, the tests' daemons).
LAB_FRR_PROGRAMS="zebra ospfd bgpd staticd"

LAB_ID=
LAB_NAME=
LAB_RUN=
LAB_PID=
LAB_IF1=
LAB_IF2=
LAB_NODES=()
LAB_CLEANED=0

_lab_err()
{
	echo "lab: $*" >&2
}

# lab_now_ms: the wall clock in milliseconds.
lab_now_ms()
{
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# lab_holds SECS CMD...: CMD stays true for SECS seconds (checked every
# 0.1 s: a deliberate "nothing changes" watch, not a wait).
lab_holds()
{
	local ms=$(($1 * 1000)) t0
	shift
	t0=$(lab_now_ms)
	while [ $(($(lab_now_ms) - t0)) -lt "$ms" ]; do
		"$@" || return 1
		sleep 0.1
	done
	"$@"
}

# lab_log_ms LOG FROM TEXT: the time (ms since the epoch) of the first line
# of a ripd-mep LOG after line FROM that holds TEXT (a fixed string);
# fails when there is none.
lab_log_ms()
{
	local line stamp
	line=$(tail -n +"$2" "$1" | grep -F -m1 -- "$3") || return 1
	stamp=${line%% RIPD-MEP:*}	# 2026/12/06 13:24:33.243
	echo $(($(date -d "${stamp%.*}" +%s) * 1000 + 10#${stamp##*.}))
}

# lab_init NAME: start a run (unique id, run dir, cleanup trap).
lab_init()
{
	if [ $# -ne 1 ] || [ -z "$1" ]; then
		_lab_err "usage: lab_init NAME"
		exit 2
	fi
	if [ "$(id -u)" -ne 0 ]; then
		_lab_err "must run as root"
		exit 2
	fi
	LAB_NAME=$1
	local i
	for i in 1 2 3 4 5 6 7 8; do
		LAB_ID=$(printf '%04x%02x' $(($$ % 65536)) $((RANDOM % 256)))
		LAB_RUN=$LAB_TMP/ripd-mep-lab.$LAB_ID
		mkdir -m 0755 "$LAB_RUN" 2>/dev/null && break
		LAB_RUN=
	done
	if [ -z "$LAB_RUN" ]; then
		_lab_err "cannot create a run directory in $LAB_TMP"
		exit 2
	fi
	mkdir -p "$LAB_RUN/logs"
	echo "$$" >"$LAB_RUN/owner"
	: >"$LAB_RUN/daemons"
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	echo "== $LAB_NAME (run $LAB_ID, $LAB_RUN)"
}

# lab_nsname NODE: print the namespace name of NODE.
lab_nsname()
{
	echo "$LAB_PREFIX$LAB_ID-$1"
}

_lab_check_node()
{
	local n
	for n in "${LAB_NODES[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	_lab_err "unknown node '$1' (call lab_ns first)"
	return 1
}

# lab_ns NODE: create the node's namespace, lo up, forwarding on,
# rp_filter off (MEP paths are asymmetric by design).
lab_ns()
{
	local node=$1
	if [ -z "$LAB_ID" ]; then
		_lab_err "lab_ns before lab_init"
		return 1
	fi
	if ! [[ $node =~ ^[A-Za-z0-9_]{1,12}$ ]]; then
		_lab_err "bad node name '$node' (1-12 of [A-Za-z0-9_])"
		return 1
	fi
	local ns
	ns=$(lab_nsname "$node")
	ip netns add "$ns" || { _lab_err "ip netns add $ns failed"; return 1; }
	LAB_NODES+=("$node")
	mkdir -p "$LAB_RUN/$node"
	ip -n "$ns" link set lo up &&
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
}

# lab_private_run NODE: give NODE a private /run (for charon and FRR pid
# files and sockets). From then on lab_exec and lab_daemon in NODE see
# $LAB_RUN/NODE/run as /run (FRR's state dir /var/run/frr included).
lab_private_run()
{
	local node=$1
	_lab_check_node "$node" || return 1
	local dir=$LAB_RUN/$node/run
	[ -d "$dir" ] && return 0
	mkdir -p "$dir/frr" && chmod 0755 "$dir" "$dir/frr" || return 1
	chown frr:frr "$dir/frr" 2>/dev/null || true
}

# lab_rundir NODE: print the host path of NODE's private /run.
lab_rundir()
{
	echo "$LAB_RUN/$1/run"
}

_lab_argv()
{
	# _lab_argv NODE: set _LAB_ARGV to the command prefix that runs
	# something inside NODE (with its private /run if it has one)
	local ns dir
	ns=$(lab_nsname "$1")
	dir=$LAB_RUN/$1/run
	if [ -d "$dir" ]; then
		# unshare -m: the bind mount stays in a private mount namespace;
		# every process of the node binds the same directory.
		# shellcheck disable=SC2016
		_LAB_ARGV=(ip netns exec "$ns" unshare -m sh -c
			'mount --make-rprivate / && mount --bind "$0" /run &&
			 exec "$@"' "$dir")
	else
		_LAB_ARGV=(ip netns exec "$ns")
	fi
}

# lab_exec NODE CMD...: run CMD inside NODE (with its private /run if any).
lab_exec()
{
	local node=$1
	shift
	_lab_check_node "$node" || return 1
	local _LAB_ARGV
	_lab_argv "$node"
	"${_LAB_ARGV[@]}" "$@"
}

# lab_route NODE ARGS...: "ip route ARGS" inside NODE.
lab_route()
{
	local node=$1
	shift
	_lab_check_node "$node" || return 1
	ip -n "$(lab_nsname "$node")" route "$@"
}

_lab_ifname()
{
	# _lab_ifname NS PEER: a free name for the veth towards PEER
	local ns=$1 peer=$2 name k=2
	name="to-${peer:0:12}"
	while ip -n "$ns" link show "$name" >/dev/null 2>&1; do
		name="to-${peer:0:9}-$k"
		k=$((k + 1))
	done
	echo "$name"
}

_lab_addr()
{
	local ns=$1 ifname=$2 addr=$3
	[ "$addr" = "-" ] && return 0
	if [[ $addr == *:* ]]; then
		ip -n "$ns" addr add "$addr" dev "$ifname" nodad
	else
		ip -n "$ns" addr add "$addr" dev "$ifname"
	fi
}

# lab_link NODE1 NODE2 ADDR1/LEN ADDR2/LEN: a veth pair between the nodes,
# addresses assigned ("-" for none), both ends up. Sets LAB_IF1 (in NODE1)
# and LAB_IF2 (in NODE2).
lab_link()
{
	if [ $# -ne 4 ]; then
		_lab_err "usage: lab_link NODE1 NODE2 ADDR1/LEN ADDR2/LEN"
		return 1
	fi
	local n1=$1 n2=$2
	_lab_check_node "$n1" && _lab_check_node "$n2" || return 1
	if [ "$n1" = "$n2" ]; then
		_lab_err "lab_link: a node cannot link to itself"
		return 1
	fi
	local ns1 ns2 if1 if2
	ns1=$(lab_nsname "$n1")
	ns2=$(lab_nsname "$n2")
	if1=$(_lab_ifname "$ns1" "$n2")
	if2=$(_lab_ifname "$ns2" "$n1")
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" \
		netns "$ns2" || {
		_lab_err "cannot create veth $n1/$if1 - $n2/$if2"
		return 1
	}
	if ! { _lab_addr "$ns1" "$if1" "$3" && _lab_addr "$ns2" "$if2" "$4" &&
		ip -n "$ns1" link set "$if1" up &&
		ip -n "$ns2" link set "$if2" up; }; then
		_lab_err "cannot configure veth $if1/$if2"
		return 1
	fi
	LAB_IF1=$if1
	LAB_IF2=$if2
}

# lab_daemon NODE NAME CMD...: start a long-running CMD in NODE in the
# background (inside its private /run if it has one); output goes to
# $LAB_RUN/logs/NODE-NAME.log; the pid is recorded for cleanup and left in
# LAB_PID. The command must stay in the foreground (no -d).
lab_daemon()
{
	local node=$1 name=$2
	shift 2
	_lab_check_node "$node" || return 1
	if [ $# -eq 0 ]; then
		_lab_err "usage: lab_daemon NODE NAME CMD..."
		return 1
	fi
	local log=$LAB_RUN/logs/$node-$name.log _LAB_ARGV
	_lab_argv "$node"
	# an external command in the background: $! is the daemon itself
	# (ip netns exec, unshare and sh all exec into it)
	"${_LAB_ARGV[@]}" "$@" </dev/null >>"$log" 2>&1 &
	LAB_PID=$!
	echo "$LAB_PID $node $name" >>"$LAB_RUN/daemons"
}

# lab_alive PID: true while PID runs (zombies count as dead).
lab_alive()
{
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# lab_wait_for TIMEOUT_SECONDS CMD...: poll CMD every 0.1 s until it
# succeeds; fails with a message after TIMEOUT_SECONDS (may be fractional).
lab_wait_for()
{
	local timeout=$1
	shift
	if ! [[ $timeout =~ ^[0-9]+(\.[0-9])?$ ]] || [ $# -eq 0 ]; then
		_lab_err "usage: lab_wait_for TIMEOUT_SECONDS CMD..."
		return 1
	fi
	local tenths=${timeout/./}
	[[ $timeout == *.* ]] || tenths=$((timeout * 10))
	local deadline=$(($(lab_now_ms) + 10#$tenths * 100))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(lab_now_ms)" -ge "$deadline" ] && break
		sleep 0.1
	done
	_lab_err "timed out after ${timeout}s waiting for: $*"
	return 1
}

# lab_ping_start NAME FROM DST [INTERVAL_MS]: a continuous ping FROM ->
# DST every INTERVAL_MS (default 20) in the background, log
# $LAB_RUN/logs/FROM-NAME.log (ping -D: each reply line starts with its
# [epoch.microseconds] time); sets LAB_PING_PID, LAB_PING_LOG and
# LAB_PING_MS. Several may run at once under different NAMEs; the
# functions below take the NAME, default the last one started.
LAB_PING_PID=
LAB_PING_LOG=
LAB_PING_MS=20
LAB_PING_LAST=
LAB_PING_SENT=
LAB_PING_LOSS=
LAB_PING_LOSS_MS=
declare -A LAB_PING_PIDS=() LAB_PING_LOGS=() LAB_PING_IVS=()
lab_ping_start()
{
	local name=$1 from=$2 dst=$3 ms=${4:-20}
	lab_daemon "$from" "$name" ping -D -n -i "$(printf '%d.%03d' \
		$((ms / 1000)) $((ms % 1000)))" -W 1 "$dst" || return 1
	LAB_PING_PID=$LAB_PID
	LAB_PING_LOG=$LAB_RUN/logs/$from-$name.log
	LAB_PING_MS=$ms
	LAB_PING_LAST=$name
	LAB_PING_PIDS[$name]=$LAB_PID
	LAB_PING_LOGS[$name]=$LAB_PING_LOG
	LAB_PING_IVS[$name]=$ms
}

# lab_ping_answered [NAME]: how many replies the ping has logged.
lab_ping_answered()
{
	grep -c 'bytes from' "${LAB_PING_LOGS[${1:-$LAB_PING_LAST}]}"
}

# lab_ping_stop [NAME]: stop the ping (SIGINT: it prints its summary);
# set LAB_PING_SENT, LAB_PING_LOSS (requests without a reply) and
# LAB_PING_LOSS_MS (lost * interval).
lab_ping_stop()
{
	local name=${1:-$LAB_PING_LAST} line pid log
	pid=${LAB_PING_PIDS[$name]:-}
	log=${LAB_PING_LOGS[$name]:-}
	if [ -z "$pid" ]; then
		_lab_err "lab_ping_stop: no ping '$name'"
		return 1
	fi
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	line=$(grep -E '[0-9]+ packets transmitted' "$log" | tail -n 1)
	if ! [[ $line =~ ^([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]]
	then
		_lab_err "no ping summary in $log"
		return 1
	fi
	LAB_PING_SENT=${BASH_REMATCH[1]}
	LAB_PING_LOSS=$((BASH_REMATCH[1] - BASH_REMATCH[2]))
	LAB_PING_LOSS_MS=$((LAB_PING_LOSS * LAB_PING_IVS[$name]))
}

# lab_ok MSG: report a passed step.
# lab_jqe JQ_ARGS...: jq -e on stdin, where an empty input is a failure:
# jq 1.6's -e exits 0 when it read nothing, so a dead daemon's empty
# answer would pass an assertion. Every `jq -e` of the tests goes here.
lab_jqe()
{
	local in
	in=$(cat)
	if [ -z "$in" ]; then
		echo "   (no JSON to check: empty input)" >&2
		return 1
	fi
	jq -e "$@" <<<"$in"
}

lab_ok()
{
	echo "ok - $*"
}

# lab_check DESCRIPTION CMD...: one assertion of a test step. "ok -
# DESCRIPTION" when CMD succeeds; otherwise "FAIL: DESCRIPTION" on stderr,
# counted, and the test goes on, so one failing step does not hide the
# others. lab_checks_done ends the test with the count. Use lab_fail
# instead when the later steps would be meaningless (a broken set-up).
LAB_CHECKS_FAILED=0
lab_check()
{
	local what=$1
	shift
	if "$@"; then
		lab_ok "$what"
		return 0
	fi
	echo "FAIL: $what" >&2
	LAB_CHECKS_FAILED=$((LAB_CHECKS_FAILED + 1))
	return 1
}

# lab_checks_done: lab_fail (with the daemons' logs) when a lab_check
# failed; returns 0 otherwise.
lab_checks_done()
{
	[ "$LAB_CHECKS_FAILED" = 0 ] ||
		lab_fail "$LAB_CHECKS_FAILED check(s) failed"
}

# lab_fail MSG: report failure with every daemon log's tail, exit 1.
lab_fail()
{
	echo "FAIL: $LAB_NAME: $*"
	local f
	if [ -n "$LAB_RUN" ] && [ -d "$LAB_RUN/logs" ]; then
		for f in "$LAB_RUN"/logs/*.log; do
			[ -f "$f" ] || continue
			echo "---- tail of ${f##*/}"
			tail -n 40 "$f"
		done
		echo "----"
	fi
	exit 1
}

# lab_pass MSG: report success of the whole test, exit 0.
lab_pass()
{
	echo "PASS: $LAB_NAME: $*"
	exit 0
}

_lab_kill_pids()
{
	# _lab_kill_pids PID...: TERM, then KILL whatever is left after 2 s
	local p left _
	[ $# -eq 0 ] && return 0
	kill -TERM "$@" 2>/dev/null
	for _ in $(seq 20); do
		left=
		for p in "$@"; do
			lab_alive "$p" && left=1
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for p in "$@"; do
		lab_alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	return 0
}

_lab_remove_ns()
{
	# _lab_remove_ns NS: kill what runs in NS, then delete it (and its veths)
	local ns=$1 pids
	pids=$(ip netns pids "$ns" 2>/dev/null)
	# shellcheck disable=SC2086
	_lab_kill_pids $pids
	ip netns del "$ns" 2>/dev/null || true
}

# lab_cleanup: kill the run's daemons, delete its namespaces and veths,
# remove $LAB_RUN unless LAB_KEEP=1. Safe to call twice or half way.
lab_cleanup()
{
	local rc=$?
	[ "$LAB_CLEANED" = 1 ] && return "$rc"
	LAB_CLEANED=1
	[ -z "$LAB_ID" ] && return "$rc"
	local pids=() p node ns
	if [ -f "$LAB_RUN/daemons" ]; then
		while read -r p _; do
			[ -n "$p" ] && pids+=("$p")
		done <"$LAB_RUN/daemons"
	fi
	_lab_kill_pids "${pids[@]}"
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		[[ $ns == "$LAB_PREFIX$LAB_ID-"* ]] && _lab_remove_ns "$ns"
	done
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		echo "lab: kept $LAB_RUN"
	else
		rm -rf "$LAB_RUN"
	fi
	return "$rc"
}

# lab_cleanup_all: remove leftovers of earlier runs whose owner process is
# gone (namespaces with the lab prefix, their processes, run directories).
# Runs still in progress are left alone.
lab_cleanup_all()
{
	local ns id dir owner n=0
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		[[ $ns =~ ^$LAB_PREFIX([0-9a-f]+)- ]] || continue
		id=${BASH_REMATCH[1]}
		[ "$id" = "$LAB_ID" ] && continue
		owner=$(cat "$LAB_TMP/ripd-mep-lab.$id/owner" 2>/dev/null)
		if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then
			continue
		fi
		_lab_remove_ns "$ns"
		n=$((n + 1))
	done
	for dir in "$LAB_TMP"/ripd-mep-lab.*; do
		[ -d "$dir" ] || continue
		[ "$dir" = "$LAB_RUN" ] && continue
		owner=$(cat "$dir/owner" 2>/dev/null)
		if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then
			continue
		fi
		rm -rf "$dir"
	done
	echo "lab: removed $n leftover namespace(s)"
}

# _lab_plugin_package PLUGIN: the Debian package shipping a charon plugin.
_lab_plugin_package()
{
	case $1 in
	openssl | curve25519 | agent | gcrypt) echo libstrongswan-standard-plugins ;;
	kernel-libipsec | *eap* | farp | dhcp | ha | led | lookip | unity | \
		certexpire | error-notify | xauth-eap | xauth-pam | forecast | \
		connmark | bypass-lan) echo libcharon-extra-plugins ;;
	*) echo libstrongswan ;;
	esac
}

# lab_check_programs: every FRR and strongSwan program and charon plugin the
# lab uses is installed; otherwise print each missing one with the package
# that ships it, and fail. tools/lab runs this before any namespace test.
lab_check_programs()
{
	local d p f missing=0
	for d in $LAB_FRR_PROGRAMS; do
		if [ ! -x "$LAB_FRR_DIR/$d" ]; then
			_lab_err "FRR program $LAB_FRR_DIR/$d is missing (package frr)"
			missing=1
		fi
	done
	if ! command -v vtysh >/dev/null; then
		_lab_err "FRR's vtysh is missing (package frr)"
		missing=1
	fi
	if [ ! -x "$LAB_CHARON" ]; then
		_lab_err "strongSwan's charon $LAB_CHARON is missing (package strongswan-charon)"
		missing=1
	fi
	if [ ! -x "$LAB_SWANCTL" ]; then
		_lab_err "strongSwan's swanctl $LAB_SWANCTL is missing (package strongswan-swanctl)"
		missing=1
	fi
	for p in $LAB_CHARON_PLUGINS; do
		f=/usr/lib/ipsec/plugins/libstrongswan-$p.so
		if [ ! -f "$f" ]; then
			_lab_err "charon plugin '$p' is missing ($f; package $(_lab_plugin_package "$p"))"
			missing=1
		fi
	done
	[ $missing = 0 ] ||
		_lab_err "install the missing packages: sudo tools/install-deps"
	return $missing
}

# _lab_charon_plugins_missing NODE: print the plugins of the load list that
# NODE's charon did not load (its "loaded plugins:" line), with the reason
# it logged and the package that ships them; false when none is missing.
_lab_charon_plugins_missing()
{
	local log=$LAB_RUN/logs/$1-charon.log loaded p why rc=1
	loaded=" $(sed -n 's/.*loaded plugins: //p' "$log" | tail -n 1) "
	for p in $LAB_CHARON_PLUGINS; do
		[[ $loaded == *" $p "* ]] && continue
		why=$(grep -m1 "plugin '$p'" "$log" | sed 's/^.*\] //')
		echo "charon plugin '$p' failed to load (package $(_lab_plugin_package "$p")): ${why:-not in the loaded list}"
		rc=0
	done
	return $rc
}

# _lab_charon_loaded NODE: charon logged its loaded plugins (or ended).
_lab_charon_loaded()
{
	grep -q 'loaded plugins: ' "$LAB_RUN/logs/$1-charon.log" 2>/dev/null
}

# ---- FRR -------------------------------------------------------------

# lab_vtysh NODE ARGS...: FRR's vtysh inside NODE (its private /run).
lab_vtysh()
{
	local node=$1
	shift
	lab_exec "$node" vtysh --vty_socket /run/frr "$@"
}

# lab_frr NODE CONFIG_TEXT [DAEMON...]: start zebra (always, first) and the
# given FRR daemons (e.g. staticd ospfd bgpd) in NODE's private /run, then
# apply CONFIG_TEXT (integrated frr.conf syntax) with vtysh. The zebra API
# socket is /run/frr/zserv.api inside the node, $(lab_rundir NODE)/frr/
# zserv.api outside; vty sockets are /run/frr/DAEMON.vty.
lab_frr()
{
	local node=$1 conf=$2
	shift 2
	_lab_check_node "$node" || return 1
	lab_private_run "$node" || return 1
	local dir d daemons=(zebra)
	dir=$(lab_rundir "$node")
	for d in "$@"; do
		if ! [[ $d =~ ^[a-z0-9]+d$ ]] || [ ! -x "$LAB_FRR_DIR/$d" ]; then
			_lab_err "lab_frr: no FRR daemon '$d' in $LAB_FRR_DIR"
			return 1
		fi
		[ "$d" = zebra ] || daemons+=("$d")
	done
	printf '%s\n' "$conf" >"$dir/frr/frr.conf"
	chown frr:frr "$dir/frr/frr.conf" 2>/dev/null
	chmod 0640 "$dir/frr/frr.conf"
	for d in "${daemons[@]}"; do
		lab_daemon "$node" "$d" "$LAB_FRR_DIR/$d" --log stdout -P 0 \
			-f /dev/null -i "/run/frr/$d.pid" \
			--vty_socket /run/frr ||
			return 1
		if ! lab_wait_for 10 test -S "$dir/frr/$d.vty"; then
			_lab_err "lab_frr: $d did not start in $node"
			return 1
		fi
	done
	if ! lab_vtysh "$node" -f /run/frr/frr.conf \
		>>"$LAB_RUN/logs/$node-vtysh.log" 2>&1; then
		_lab_err "lab_frr: vtysh rejected the config of $node"
		return 1
	fi
}

# ---- strongSwan ------------------------------------------------------

# lab_vici NODE: print the host path of NODE's charon VICI socket.
lab_vici()
{
	echo "$(lab_rundir "$1")/charon.vici"
}

# lab_swanctl NODE ARGS...: swanctl talking to NODE's charon.
lab_swanctl()
{
	local node=$1
	shift
	STRONGSWAN_CONF=$LAB_RUN/$node/strongswan.conf \
		lab_exec "$node" swanctl "$@" --uri "unix://$(lab_vici "$node")"
}

# _lab_charon_started PID VICI: charon's socket is there, or charon ended
# (a failure: no point waiting for the socket).
_lab_charon_started()
{
	test -S "$2" || ! lab_alive "$1"
}

# lab_charon NODE SWANCTL_CONF_TEXT [CHARON_SETTINGS]: start charon in
# NODE's private /run with kernel-libipsec (userspace ESP on ipsec0), then
# load SWANCTL_CONF_TEXT (one "key = value" per line) with swanctl.
# CHARON_SETTINGS are extra lines for the charon { } section of
# strongswan.conf (e.g. "routing_table = 0").
lab_charon()
{
	local node=$1 swconf=$2 extra=${3:-}
	_lab_check_node "$node" || return 1
	lab_private_run "$node" || return 1
	local ndir=$LAB_RUN/$node vici
	vici=$(lab_vici "$node")
	cat >"$ndir/strongswan.conf" <<EOF
# strongswan.conf for lab node $node (written by netns-tests/lib/netns.sh)
charon {
	load = $LAB_CHARON_PLUGINS
	install_virtual_ip = no
	filelog {
		stderr {
			default = 1
			ike = 1
			time_format = %H:%M:%S
		}
	}
	plugins {
		vici {
			socket = unix://$vici
		}
	}
$extra
}
swanctl {
	# only plugins Debian ships (the default list is noisy)
	load = random nonce pem pkcs1 x509 revocation constraints pubkey openssl
}
EOF
	# swanctl looks for credentials in directories beside swanctl.conf
	local d
	for d in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private \
		rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$ndir/swanctl/$d"
	done
	printf '%s\n' "$swconf" >"$ndir/swanctl/swanctl.conf"
	STRONGSWAN_CONF=$ndir/strongswan.conf \
		lab_daemon "$node" charon "$LAB_CHARON" || return 1
	local pid=$LAB_PID missing
	if ! lab_wait_for 10 _lab_charon_started "$pid" "$vici" ||
		! test -S "$vici"; then
		_lab_err "lab_charon: charon did not start in $node: $(tail -n 3 \
			"$LAB_RUN/logs/$node-charon.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	# a plugin of the load list that did not load fails here, by name,
	# not as a NO_PROPOSAL_CHOSEN much later
	lab_wait_for 10 _lab_charon_loaded "$node" ||
		_lab_err "lab_charon: charon in $node logged no 'loaded plugins' line"
	if missing=$(_lab_charon_plugins_missing "$node"); then
		_lab_err "lab_charon: in $node: $missing"
		return 1
	fi
	if ! lab_swanctl "$node" --load-all --file "$ndir/swanctl/swanctl.conf" \
		>>"$LAB_RUN/logs/$node-swanctl.log" 2>&1; then
		_lab_err "lab_charon: swanctl --load-all failed in $node"
		return 1
	fi
}
