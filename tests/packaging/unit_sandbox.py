"""Exec a command under the parts of packaging/kiosk-server.service's sandbox that need no
systemd: no_new_privs, MemoryDenyWriteExecute (the kernel's PR_SET_MDWE, what systemd's
filter enforces), SystemCallFilter=@system-service ~@privileged (EPERM) and
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX, all inherited by what it execs.

Run by Debian's /usr/bin/python3 (python3-seccomp): python3 unit_sandbox.py CMD...
"""

import contextlib
import ctypes
import errno
import os
import socket
import subprocess
import sys

import seccomp  # type: ignore[import-not-found]

PR_SET_NO_NEW_PRIVS, PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 38, 65, 1


def expand(group: str, seen: set[str]) -> set[str]:
    """The system calls in a systemd syscall group, nested groups included."""
    out = subprocess.run(
        ["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True
    ).stdout
    names: set[str] = set()
    for line in (raw.strip() for raw in out.splitlines()[1:]):
        if line.startswith("@") and line not in seen:
            seen.add(line)
            names |= expand(line, seen)
        elif line and not line.startswith(("#", "@")):
            names.add(line)
    return names


def main(cmd: list[str]) -> None:
    allowed = expand("@system-service", set()) - expand("@privileged", set())
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or libc.prctl(
        PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0
    ):
        sys.exit(f"unit_sandbox: prctl failed: {os.strerror(ctypes.get_errno())}")
    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    for name in sorted(allowed - {"socket"}):
        # A call newer than this libseccomp knows: the filter denies it, as systemd's would.
        with contextlib.suppress(RuntimeError, ValueError, OSError):
            rules.add_rule(seccomp.ALLOW, name)
    for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
        rules.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, family))
    rules.add_rule(
        seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.GT, socket.AF_INET6)
    )
    rules.load()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
