#!/usr/bin/env bash
# fuzz/gen-corpus.sh: (re)writes the checked-in seed corpora of the
# libFuzzer targets under fuzz/corpus/<target>/ from the repository's own
# examples and unit-test fixtures, plus hand-made edge cases, and their
# dictionaries fuzz/dict/<target>.dict. Run it by
# hand after changing those sources and commit the result; the lab only
# reads fuzz/corpus/ (tools/lab test fuzzes a copy of it). Needs bash,
# sed and printf only. Every file is small (the largest is a few KiB).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
OUT=$TOP/fuzz/corpus

# bin FILE HEX...: write the bytes spelled by the hex strings to FILE.
bin()
{
	local f=$1 h
	shift
	h=$(printf '%s' "$@" | tr -d ' \n')
	# shellcheck disable=SC2059 # the format is the data
	printf "$(printf '%s' "$h" | sed 's/../\\x&/g')" >"$f"
}

# hexstr TEXT: TEXT's bytes as hex.
hexstr()
{
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# u8/u16/u32 N: big-endian hex of N.
u8() { printf '%02x' "$1"; }
u16() { printf '%04x' "$1"; }
u32() { printf '%08x' "$1"; }

# ---- fuzz_conf: configuration text ----------------------------------

gen_conf()
{
	local d=$OUT/fuzz_conf f
	rm -rf "$d"
	mkdir -p "$d"
	for f in "$TOP"/yang/examples/*.conf; do
		cp "$f" "$d/ok-${f##*/}"
	done
	for f in "$TOP"/yang/examples/bad/*.conf; do
		cp "$f" "$d/bad-${f##*/}"
	done
	: >"$d/edge-empty"
	printf 'mep\n' >"$d/edge-mep-only"
	printf 'mep\nexit\n!\n' >"$d/edge-mep-exit"
	printf '!\n! comment only\n!\n' >"$d/edge-comments"
	printf 'mep\r\n gateway A\r\n  address 192.0.2.1\r\n exit\r\nexit\r\n' \
		>"$d/edge-crlf"
	printf 'mep\n gateway A\n  address 192.0.2.1\n' >"$d/edge-unclosed"
	printf 'mep\n gateway \xff\xfe\n exit\nexit\n' >"$d/edge-bad-utf8"
	printf 'mep\n gateway A\n  address 2001:db8::1\n  vpn-domain 2001:db8:1::/48\n exit\nexit\n' \
		>"$d/edge-ipv6"
	printf 'mep\n local-gateway A\n local-gateway B\nexit\n' \
		>"$d/edge-twice"
	printf 'mep\n gateway A\n  address 192.0.2.1\n  vpn-domain 10.0.0.0/8\n  vpn-domain 0.0.0.0/0\n exit\nexit\n' \
		>"$d/edge-default-route"
	printf 'mep\n\texit\n exit\nexit\nexit\n' >"$d/edge-extra-exit"
	printf 'mep\n rim\n  distance 4294967296\n  metric -1\n exit\nexit\n' \
		>"$d/edge-big-numbers"
}

# ---- fuzz_vici: VICI payloads and streams ---------------------------

# vici_fixture NAME: the hex of a payload fixture of test_vici.c.
vici_fixture()
{
	sed -n "/^static const char $1\[\] =/,/;/p" \
		"$TOP/ripd-mep/tests/test_vici.c" |
		sed -n 's/^[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | tr -d '\n'
}

# vici_name S / vici_kv NAME VALUE / vici_item VALUE: element hex.
vici_name() { u8 ${#1}; hexstr "$1"; }
vici_kv() { printf '03'; vici_name "$1"; u16 ${#2}; hexstr "$2"; }
vici_item() { printf '05'; u16 ${#1}; hexstr "$1"; }

# frame HEX: a u32 length prefix before the payload HEX.
frame() { u32 $((${#1} / 2)); printf '%s' "$1"; }

gen_vici()
{
	local d=$OUT/fuzz_vici fx h all=
	rm -rf "$d"
	mkdir -p "$d"
	for fx in fx_list_sa fx_child_up fx_child_rekey fx_ike_rekey \
		fx_child_down fx_ike_down fx_child_down_after_ike; do
		h=$(vici_fixture "$fx")
		[ -n "$h" ] || { echo "no fixture $fx" >&2; exit 1; }
		bin "$d/payload-${fx#fx_}" "$h"
		all+=$(frame "$h")
	done
	bin "$d/stream-all-events" "$all"
	# requests and responses the daemon sends and gets
	h=00$(vici_name list-sas)$(vici_kv noblock yes)
	bin "$d/payload-req-list-sas" "$h"
	bin "$d/stream-req-list-sas" "$(frame "$h")"
	h=03$(vici_name child-updown)
	bin "$d/payload-register" "$h"
	bin "$d/stream-register-confirm" "$(frame "$h")$(frame 05)"
	bin "$d/payload-confirm" 05
	bin "$d/payload-unknown-event" 06
	bin "$d/payload-unknown-cmd" 02
	h=01$(vici_kv success yes)
	bin "$d/payload-resp-ok" "$h"
	h=01$(vici_kv success no)$(vici_kv errmsg "no such SA")
	bin "$d/payload-resp-error" "$h"
	h=00$(vici_name terminate)$(vici_kv ike-id 1)$(vici_kv timeout -1)
	bin "$d/payload-req-terminate" "$h"
	h=0104$(vici_name types)$(vici_item b)$(vici_item '')06
	bin "$d/payload-resp-list" "$h"
	h=0101$(vici_name a)01$(vici_name b)$(vici_kv k v)0202
	bin "$d/payload-resp-nested" "$h"
	h=07$(vici_name ike-updown)03$(vici_name up)0003$(hexstr yes)
	h+=01$(vici_name x)$(vici_kv uniqueid 7)$(vici_kv state ESTABLISHED)
	h+=01$(vici_name child-sas)02
	h+=02
	bin "$d/payload-ike-up-no-children" "$h"
	# edge cases: empty, truncated, bad element, over-deep nesting,
	# a length prefix larger than the data, a zero-length frame
	: >"$d/edge-empty"
	bin "$d/edge-truncated-kv" 01 03 05 6b 00 ff 61
	bin "$d/edge-bad-element" 01 09
	bin "$d/edge-unbalanced-end" 01 02
	h=01
	for _ in $(seq 17); do h+=01$(vici_name s); done
	bin "$d/edge-too-deep" "$h"
	bin "$d/edge-len-too-big" 00080000 01
	bin "$d/edge-zero-frame" 00000000 00000001 05
	bin "$d/edge-list-in-list" 01 04 01 6c 04 01 6d 06 06
}

# ---- fuzz_zapi: ZAPI frames and bodies ------------------------------

# Captured from zebra 8.4.4 or produced by our encoder (test_zapi.c).
ZAPI_ROUTE_ADD=0033fe060000000000080c0000000000000000000f0102100a09000100000000
ZAPI_ROUTE_ADD+=03000a00000200000002140000000a00000a28
ZAPI_VRF_ADD=0056fe06000000000021fe000000000000000000000000000000000000000000
ZAPI_VRF_ADD+=00000000000000000000000000000000000064656661756c7400000000000000
ZAPI_VRF_ADD+=00000000000000000000000000000000000000000000

# zframe CMD BODYHEX: a ZAPI v6 frame (vrf 0).
zframe()
{
	u16 $((10 + ${#2} / 2))
	printf 'fe06%s' "$(u32 0)"
	u16 "$1"
	printf '%s' "$2"
}

gen_zapi()
{
	local d=$OUT/fuzz_zapi
	rm -rf "$d"
	mkdir -p "$d"
	bin "$d/frame-route-add" "$ZAPI_ROUTE_ADD"
	bin "$d/frame-vrf-add" "$ZAPI_VRF_ADD"
	bin "$d/frame-route-delete" \
		001afe06000000000009 0c 0000 00000000 00000000 01 02 10 0a09
	bin "$d/frame-hello" 0013fe06000000000012 0c 0000 00000000 01 00
	bin "$d/frame-gr" 0016fe06000000000077 00000001 0000005a 00000000
	bin "$d/frame-update-complete" \
		001afe06000000000077 00000002 00000002 00000001 00000000
	bin "$d/frame-redist-add" 000e fe06 00000000 000b 01 0c 0000
	bin "$d/frame-redist-del" 000e fe06 00000000 000c 02 0c 0003
	bin "$d/frame-notify" "$(zframe 16 0200000002100a090000000000fe0101)"
	bin "$d/frame-caps" "$(zframe 25 00000000000000010000)"
	bin "$d/frame-error" "$(zframe 118 02000000)"
	bin "$d/frame-redist-route" "$(zframe 30 \
		0c0000000000000000000f0102180a17ff00010000000001000000000002)"
	bin "$d/stream-session" "$(zframe 25 00000000000000010000)" \
		"$ZAPI_VRF_ADD" "$(zframe 16 0200000002100a090000000000fe0101)" \
		"$ZAPI_ROUTE_ADD" "$(zframe 118 02000000)"
	# bodies alone (the harness also decodes the whole input as one)
	bin "$d/body-route-add" "${ZAPI_ROUTE_ADD:20}"
	bin "$d/body-notify" 0200000002100a090000000000fe0101
	bin "$d/body-notify-v6" \
		03000000 0a 30 20010db8000100000000000000000000 000000fe 02 01
	bin "$d/body-caps" 00000000000000010000
	bin "$d/body-caps-v6v4" 0000000000000001000001
	bin "$d/body-error" 02000000
	bin "$d/body-redist-route" \
		0c 0000 00000000 0000000f 01 02 18 0a17ff 0001 00000000 01 00 00000002
	bin "$d/body-route-v6-blackhole" \
		0c 0000 00000000 00000001 01 0a 30 20010db80001 0001 00000000 \
		03 00 00000000 00000000 01 00
	bin "$d/body-route-ifindex" \
		0c 0000 00000000 00000001 01 02 18 0a0100 0001 00000000 \
		01 00 00000000 00000002
	# edge cases
	: >"$d/edge-empty"
	bin "$d/edge-bad-marker" 000afe05000000000008
	bin "$d/edge-short-len" 0009fe06000000000008
	bin "$d/edge-max-len" fffffe06000000000008 0c00
	bin "$d/edge-header-only" 000afe06000000000008
	bin "$d/edge-prefix-len-33" \
		0c 0000 00000000 00000000 01 02 21 0a090000ff
	bin "$d/edge-unknown-cmd" "$(zframe 60000 00)"
}

# ---- fuzz_vty_codec: vty requests and replies -----------------------

gen_vty()
{
	local d=$OUT/fuzz_vty_codec
	rm -rf "$d"
	mkdir -p "$d"
	printf 'show version\0' >"$d/req-show-version"
	printf 'enable\0configure terminal\0show running-config\0' \
		>"$d/req-three"
	printf 'show mep json\0' >"$d/req-show-json"
	printf 'show ip route\tvrf all\r\n\0' >"$d/req-tab-crlf"
	printf 'show \001bad\0next\0' >"$d/req-control-byte"
	printf 'show \177del\0' >"$d/req-del-byte"
	printf 'show version' >"$d/req-unterminated"
	printf '\0\0\0' >"$d/req-empty-lines"
	printf 'ripd-mep 0.1.0\n\0\0\0\0' >"$d/rep-ok"
	printf '%% Unknown command: foo\n\0\0\0\002' >"$d/rep-err"
	printf '\0\0\0\0' >"$d/rep-empty-ok"
	printf '\0\0\0\015' >"$d/rep-status-13"
	printf 'a\0\0\0\0b\n\0\0\0\001' >"$d/rep-two"
	printf '{"gateways":[]}\n\0\0' >"$d/rep-truncated-trailer"
	printf '\0\001\0\0' >"$d/rep-bad-trailer"
	: >"$d/edge-empty"
}

# ---- fuzz_ct: ctnetlink conntrack events (nat_ct_msg) -----------------

# Laid out as the kernel sends them: nlmsghdr (little-endian here, the
# build machine's order), nfgenmsg, CTA_TUPLE_ORIG/REPLY (nested
# CTA_TUPLE_IP, CTA_TUPLE_PROTO), CTA_STATUS (big-endian; 0x10 SRC_NAT).
gen_ct()
{
	local d=$OUT/fuzz_ct
	rm -rf "$d"
	mkdir -p "$d"
	bin "$d/new_v4" 64000000000100000000000000000000020000002400018014000180080001000a0d0002080002000a0100020c00018005000100060000002400028014000180080001000a01000208000200ac1002020c0001800500010006000000080003000000001a
	bin "$d/destroy_v4" 64000000020100000000000000000000020000002400018014000180080001000a0d0002080002000a0100020c00018005000100060000002400028014000180080001000a01000208000200ac1002020c0001800500010006000000080003000000019a
	bin "$d/new_v6" 940000000001000000000000000000000a0000003c0001802c0001801400030020010db800110000000000000000000514000400fd0000010000000000000000000000020c00018005000100060000003c0002802c00018014000300fd00000100000000000000000000000214000400fd0000160000000000000000000000070c00018005000100060000000800030000000018
	bin "$d/not_nat" 64000000000100000000000000000000020000002400018014000180080001000a0d0002080002000a0100020c00018005000100060000002400028014000180080001000a010002080002000a0d00020c00018005000100060000000800030000000008
}

# ---- dictionaries (libFuzzer -dict=) --------------------------------

# ---- fuzz_probe: probe packets (docs/PROBE-PROTOCOL) ------------------

# doc_example NAME: the hex of the document's worked example NAME.
doc_example()
{
	sed -n "/BEGIN $1/,/END $1/p" "$TOP/docs/PROBE-PROTOCOL" |
		sed '1d;$d' | sed 's/^ *[0-9a-f]\{4\} //' | tr -d ' \n'
}

gen_probe()
{
	local d=$OUT/fuzz_probe req rep
	rm -rf "$d"
	mkdir -p "$d"
	req=$(doc_example example-request)
	rep=$(doc_example example-reply)
	bin "$d/ok-request" "$req"
	bin "$d/ok-reply" "$rep"
	bin "$d/edge-truncated" "${req:0:374}"
	bin "$d/edge-oversized" "$req" 00
	bin "$d/edge-header-only" "${req:0:56}"
	bin "$d/bad-magic" 4d45505101 "${req:10}"
	bin "$d/bad-version" 4d45505002 "${req:10}"
	# the target signs every 188-byte input: these reach the checks
	# behind the tag
	bin "$d/bad-type" "${req:0:10}" 03 "${req:12}"
	bin "$d/bad-name-empty" "${req:0:56}" 0000 "${req:60}"
	bin "$d/bad-name-pad" "${req:0:204}" 78 "${req:206}"
	bin "$d/flags-unknown" "${req:0:12}" 8000 "${req:16}"
	: >"$d/edge-empty"
}

gen_dicts()
{
	local d=$TOP/fuzz/dict w
	mkdir -p "$d"
	{
		echo "# fuzz_conf: the keywords of yang/examples (gen-corpus.sh)"
		cat "$TOP"/yang/examples/*.conf "$TOP"/yang/examples/bad/*.conf |
			grep -v '^[[:space:]]*[!#]' | tr -s ' \t' '\n' |
			grep -E '^[a-z][a-z0-9-]*$' | LC_ALL=C sort -u |
			sed 's/.*/"&"/'
		printf '"%s"\n' "exit" "!" "no " "\\x0a " "\\x0a  " \
			"0.0.0.0/0" "::/0" "192.0.2.1" "2001:db8::1" "10.0.0.0/8"
	} >"$d/fuzz_conf.dict"
	{
		echo "# fuzz_vici: element types, names and values (gen-corpus.sh)"
		for w in 01 02 03 04 05 06 07; do printf '"\\x%s"\n' "$w"; done
		for w in child-updown ike-updown child-rekey ike-rekey list-sa \
			list-sas child-sas local-ts remote-ts uniqueid state \
			ESTABLISHED INSTALLED REKEYED DELETING up yes no \
			success errmsg name reqid mode TUNNEL protocol ESP \
			spi-in spi-out local-host remote-host new old; do
			printf '"\\x%02x%s"\n' ${#w} "$w"
		done
	} >"$d/fuzz_vici.dict"
	{
		echo "# fuzz_zapi: header, commands, families (gen-corpus.sh)"
		printf '"%s"\n' '\xfe\x06' '\x00\x00\x00\x00' '\x00\x08' \
			'\x00\x09' '\x00\x10' '\x00\x12' '\x00\x19' '\x00\x1e' \
			'\x00\x1f' '\x00\x76' '\x00\x77' '\x0c\x00\x00' \
			'\x02' '\x0a' '\x20' '\x80' '\xff\xff'
	} >"$d/fuzz_zapi.dict"
	{
		echo "# fuzz_vty_codec: trailers and commands (gen-corpus.sh)"
		printf '"%s"\n' '\x00' '\x00\x00\x00\x00' '\x00\x00\x00\x01' \
			'\x00\x00\x00\x02' '\x09' '\x0d\x0a' '\x7f' "show " \
			"configure terminal" "json"
	} >"$d/fuzz_vty_codec.dict"
	{
		echo "# fuzz_probe: magic, version, types, flags, names (gen-corpus.sh)"
		printf '"%s"\n' 'MEPP' 'MEPP\x01\x01' 'MEPP\x01\x02' \
			'\x00\x01' '\xb4\x34\xb7\x1f' 'S1' 'M1' \
			'\x00\x00\x00\x00\x00\x00\x00\x00' \
			'\xff\xff\xff\xff\xff\xff\xff\xff'
	} >"$d/fuzz_probe.dict"
}

gen_conf
gen_vici
gen_zapi
gen_vty
gen_probe
gen_ct
gen_dicts
echo "seeds written under ${OUT#"$TOP"/}:"
for t in "$OUT"/*/; do
	t=${t%/}
	printf '  %-16s %3d files %6d bytes\n' "${t##*/}" \
		"$(find "$t" -type f | wc -l)" "$(cat "$t"/* | wc -c)"
done
