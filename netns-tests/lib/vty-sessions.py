#!/usr/bin/env python3
"""vty-sessions.py SOCKET PID LOG < SCRIPT: drive several FRR vty socket
sessions of one ripd-mep at once, interleaved, for the namespace tests.

SCRIPT lines: "LABEL|SESSION|COMMAND" (SESSION: any name; a session is
connected on its first use) or "LABEL|!|hup" (send SIGHUP to PID and wait,
up to 10 s, for one more 'SIGHUP' line in LOG than before). Empty lines and
lines starting with '#' are skipped. Prints one JSON object per command:
{"label", "session", "command", "status", "out"} (status: the vty status
byte; out: the text before it)."""
import json
import os
import signal
import subprocess
import socket
import sys
import time


def reply(s):
    buf = b""
    while True:
        # a reply ends with 00 00 00 STATUS
        if len(buf) >= 4 and buf[-4:-1] == b"\0\0\0":
            return buf[:-4].decode(errors="replace"), buf[-1]
        d = s.recv(65536)
        if not d:
            return buf.decode(errors="replace"), -1
        buf += d


def hup_lines(log):
    try:
        with open(log, errors="replace") as f:
            return sum(1 for line in f
                       if "configuration reloaded from" in line
                       or "configuration not reloaded" in line)
    except OSError:
        return 0


def main():
    sock, pid, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sessions = {}
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        label, who, cmd = line.split("|", 2)
        if who == "$":
            rc = subprocess.run(cmd, shell=True).returncode
            print(json.dumps({"label": label, "session": who, "command": cmd,
                              "status": rc, "out": ""}), flush=True)
            continue
        if who == "!":
            before = hup_lines(log)
            os.kill(pid, signal.SIGHUP)
            deadline = time.monotonic() + 10
            while hup_lines(log) <= before and time.monotonic() < deadline:
                time.sleep(0.05)
            print(json.dumps({"label": label, "session": who, "command": cmd,
                              "status": 0 if hup_lines(log) > before else -1,
                              "out": ""}), flush=True)
            continue
        if who not in sessions:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            sessions[who] = s
        s = sessions[who]
        s.sendall(cmd.encode() + b"\0")
        out, status = reply(s)
        print(json.dumps({"label": label, "session": who, "command": cmd,
                          "status": status, "out": out}), flush=True)


if __name__ == "__main__":
    main()
