#!/usr/bin/env python3
"""pty-drive: run a command under a pseudo-terminal and drive it like a
person at the keyboard, for tests of interactive programs (mepsh).

Usage: pty-drive.py [--timeout S] [--transcript FILE] -- CMD [ARG...]
The script is read from stdin, one step per line:
  send TEXT      type TEXT (Python string escapes: \\t, \\x03, \\n, ...)
                 once the program reads the terminal in raw mode (ICANON
                 off: a line editor waits for keys), as a person would
                 type after the prompt; keys typed earlier would meet the
                 line discipline (Ctrl-Z would stop the program)
  expect REGEX   wait until the output since the last expect matches
                 REGEX (Python re, DOTALL); the match consumes the output
  reject REGEX   fail if the output consumed by the last expect matched
  status N       wait for the program to exit and check its status
Blank lines and lines starting with '#' are ignored. Exit status 0 when
every step held; 1 with the failing step and the output on stderr."""
import argparse
import codecs
import os
import pty
import re
import select
import sys
import termios
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--transcript")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    steps = [l.rstrip("\n") for l in sys.stdin
             if l.strip() and not l.lstrip().startswith("#")]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execvp(cmd[0], cmd)
    buf, last, alltext = "", "", []
    status = None

    def read_some(deadline):
        nonlocal buf
        r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not r:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            return None
        text = data.decode("utf-8", "replace")
        buf += text
        alltext.append(text)
        return True

    def fail(msg):
        sys.stderr.write("pty-drive: %s\n---- output ----\n%s\n----\n"
                         % (msg, "".join(alltext)))
        sys.exit(1)

    for step in steps:
        verb, _, arg = step.partition(" ")
        if verb == "send":
            deadline = time.time() + a.timeout
            while termios.tcgetattr(fd)[3] & termios.ICANON:
                if time.time() > deadline:
                    fail("terminal not in raw mode to send %r" % arg)
                time.sleep(0.01)
            os.write(fd, codecs.decode(arg, "unicode_escape").encode())
        elif verb == "expect":
            rx = re.compile(arg, re.S)
            deadline = time.time() + a.timeout
            while True:
                m = rx.search(buf)
                if m:
                    last, buf = buf[:m.end()], buf[m.end():]
                    break
                got = read_some(deadline)
                if got is None:
                    fail("EOF while expecting %r" % arg)
                if got is False:
                    fail("timeout expecting %r" % arg)
        elif verb == "reject":
            if re.search(arg, last, re.S):
                fail("unexpected %r in %r" % (arg, last))
        elif verb == "status":
            deadline = time.time() + a.timeout
            while read_some(deadline):
                pass
            for _ in range(int(a.timeout * 10)):
                p, st = os.waitpid(pid, os.WNOHANG)
                if p:
                    status = os.waitstatus_to_exitcode(st)
                    break
                time.sleep(0.1)
            if status != int(arg):
                fail("exit status %r, expected %s" % (status, arg))
        else:
            fail("bad step %r" % step)
    if a.transcript:
        with open(a.transcript, "w") as f:
            f.write("".join(alltext))
    if status is None:
        try:
            os.kill(pid, 15)
            os.waitpid(pid, 0)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
