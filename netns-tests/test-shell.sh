#!/usr/bin/env bash
# mepsh as vtysh: help ('?' at the end of a -c line, and the key), TAB
# completion from the daemon's _complete query, `list`, output filters
# (| include/exclude/begin REGEX, | count; bad regex), extra words after a
# complete command refused, and the interactive keys under a pty (Ctrl-C
# clears, Ctrl-Z is end, Ctrl-D in configuration mode commits or stays
# when the commit fails, Ctrl-D at the top exits). Keys are sent only
# once the prompt is back: typed ahead, they would meet the terminal in
# line mode while mepsh waits for the daemon.
set -u
. "$(dirname "$0")/lib/netns.sh"
lab_init shell

BIN=${RIPD_MEP_BUILD:?}/ripd-mep
PTY=$(dirname "$0")/lib/pty-drive.py
export RIPD_MEP_YANG_DIR=${RIPD_MEP_TOP:?}/yang
lab_ns s1
DIR=$LAB_RUN/s1
CONF=$DIR/ripd-mep.conf
SOCK=$DIR/ripd-mep.vty

mepsh() { "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" "$@"; }

start_daemon()
{
	cat >"$CONF" <<'CONF'
mep
 local-gateway S1
 gateway M1
  address 192.0.2.1
  vpn-domain 10.1.0.0/16
 exit
 !
 gateway S1
  address 198.51.100.1
  vpn-domain 10.11.0.0/16
 exit
 !
exit
!
CONF
	lab_daemon s1 ripd-mep "$BIN" -f "$CONF" --vty_socket "$DIR" --log stdout
	lab_wait_for 5 test -S "$SOCK" || lab_fail "no vty socket"
}

check_help()
{
	local out
	out=$(mepsh -c 'show mep ?') || lab_fail "show mep ? failed"
	grep -qE '^  gateways +Gateways and their liveness$' <<<"$out" ||
		lab_fail "show mep ?: $out"
	grep -qE '^  <cr>' <<<"$out" || lab_fail "no <cr> after show mep: $out"
	out=$(mepsh -c 'sh mep resolve ?')
	[ "$out" = "  A.B.C.D|X:X::X:X  Source address" ] ||
		lab_fail "resolve ?: $out"
	out=$(mepsh -c 'conf t' -c 'mep' -c 'gateway M1' -c 'vpn-domain ?' -c abort)
	grep -q 'A.B.C.D/M|X:X::X:X/M  IPv4 or IPv6 prefix' <<<"$out" ||
		lab_fail "config help: $out"
	out=$(mepsh -c 'show foo ?' 2>&1) && lab_fail "show foo ? accepted"
	grep -q 'There is no matched command' <<<"$out" || lab_fail "show foo ?: $out"
	lab_ok "'?' at the end of a -c line, exec and configuration nodes"
}

check_complete_query()
{
	local out
	out=$(mepsh -c '_complete sh ver')
	[ "$out" = "$(printf "version\tripd-mep's version")" ] ||
		lab_fail "_complete: $out"
	out=$(mepsh -c '_commands json')
	lab_jqe '.exec | map(.command) | index("show running-config") != null' \
		<<<"$out" >/dev/null || lab_fail "_commands json exec: $out"
	lab_jqe '.config["config-mep-rim"] | map(.command) |
		index("distance (1-255)") != null' <<<"$out" >/dev/null ||
		lab_fail "_commands json config: $out"
	mepsh -c list | grep -q '^  show mep resolve ' || lab_fail "list"
	mepsh -c help | grep -q '^  configure \[terminal|exclusive\]$' || lab_fail "help"
	lab_ok "_complete, _commands json, list and help from the command table"
}

check_filters()
{
	local out
	out=$(mepsh -c 'show mep gateways | include ^(M1|S1) ')
	[ "$(wc -l <<<"$out")" = 2 ] || lab_fail "include: $out"
	out=$(mepsh -c 'show mep gateways | exclude this gateway')
	grep -q S1 <<<"$out" && lab_fail "exclude: $out"
	out=$(mepsh -c 'show running-config | begin ^ gateway S1' | head -1)
	[ "$out" = " gateway S1" ] || lab_fail "begin: $out"
	out=$(mepsh -c 'show mep gateways | count')
	[ "$out" = 3 ] || lab_fail "count: $out"
	out=$(mepsh -c 'show mep gateways | include (' 2>&1) &&
		lab_fail "bad regex accepted"
	grep -q 'Bad regular expression' <<<"$out" || lab_fail "bad regex: $out"
	lab_ok "output filters include, exclude, begin, count; bad regex refused"
}

check_extra_words()
{
	local cmd out
	for cmd in 'configure terminal x' 'show version x' 'write memory x' \
		'show mep gateways json x' 'show running-config x'; do
		out=$(mepsh -c "$cmd" 2>&1) && lab_fail "accepted: $cmd"
		grep -q "% Unknown command: $cmd" <<<"$out" || lab_fail "$cmd: $out"
	done
	out=$(mepsh -c 'conf t' -c 'end x' 2>&1) && lab_fail "end x accepted"
	grep -q 'Unknown command' <<<"$out" || lab_fail "end x: $out"
	lab_ok "extra words after a complete command are an unknown command"
}

check_keys()
{
	HOME=$DIR python3 "$PTY" --timeout 5 -- "$RIPD_MEP_BUILD/mepsh" -S "$SOCK" <<'EOF' ||
expect # $
send show mep ?
expect gateways +Gateways and their liveness.*<cr>.*# show mep $
send \x03
expect \^C
send sh\t
expect ow $
send ver\t
expect sion $
send \r
expect ripd-mep \d
send conf t\r
expect \(config\)# $
send mep\r
expect \(config-mep\)# $
send \x1a
expect ^end\r?\n
expect [^)]# $
send conf t\r
expect \(config\)# $
send mep\r
expect \(config-mep\)# $
send gateway M9\r
expect \(config-mep-gateway\)# $
send backup-gateway NOPE\r
expect NOPE\r?\n.*\(config-mep-gateway\)# $
send \x04
expect Configuration not applied.*\(config-mep-gateway\)# $
send no backup-gateway\r
expect backup-gateway\r?\n.*\(config-mep-gateway\)# $
send \x04
expect \^D\r?\nend\r?\n
expect [^)]# $
send \x04
status 0
EOF
		lab_fail "interactive keys"
	mepsh -c 'show running-config' | grep -q '^ gateway M9$' ||
		lab_fail "Ctrl-D did not commit"
	lab_ok "? and TAB keys, Ctrl-C, Ctrl-Z, Ctrl-D (commit, failed commit stays, exit)"
}

start_daemon
check_help
check_complete_query
check_filters
check_extra_words
check_keys
lab_pass "mepsh help, completion, filters, keys"
