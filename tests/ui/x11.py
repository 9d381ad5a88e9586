"""A real X server for the tests that drive the kiosk as a person would: Xvfb, maybe a
window manager, xdotool for the keyboard-wedge scanner and the finger."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

TOOLS = ("Xvfb", "xdotool")


def require_tools(*extra: str) -> None:
    """Skip without the tools; under CI (which installs them) fail instead."""
    missing = [t for t in (*TOOLS, *extra) if shutil.which(t) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} (packaging/system-deps.sh installs them)"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class Display:
    name: str
    window_manager: bool = False

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")
        }
        env["DISPLAY"] = self.name
        env["QT_QPA_PLATFORM"] = "xcb"
        return env

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=20
        )
        return done.stdout.strip()

    def find_window(self, title: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.xdotool("search", "--onlyvisible", "--name", title)
            if found:
                return found.splitlines()[0]
            time.sleep(0.2)
        raise AssertionError(f"no window called {title!r} came up within {timeout:.0f} s")

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a window."""
        out = self.xdotool("getwindowgeometry", "--shell", window)
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return (int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"]))

    def focused(self) -> str:
        return self.xdotool("getwindowfocus")

    def scan(self, code: str) -> None:
        """A keyboard-wedge scanner: fast keys, then Enter, to whatever has the focus."""
        self.xdotool("type", "--delay", "12", code)
        self.xdotool("key", "Return")

    def tap(self, x: int, y: int) -> None:
        self.xdotool("mousemove", str(x), str(y), "click", "1")

    def drop_focus(self) -> None:
        """Give the keyboard to nobody, as a bare X server does for a window nobody
        activated (XSetInputFocus(None))."""
        x11 = ctypes.CDLL("libX11.so.6")
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XSetInputFocus.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        x11.XFlush.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = x11.XOpenDisplay(self.name.encode())
        assert display, f"cannot open {self.name}"
        try:
            x11.XSetInputFocus(display, 0, 0, 0)  # None, RevertToNone, CurrentTime
            x11.XFlush(display)
        finally:
            x11.XCloseDisplay(display)


@contextmanager
def xvfb(*, window_manager: bool, size: str = "1280x800") -> Iterator[Display]:
    """Xvfb at 100 dpi (what the offscreen platform reports, so layouts match), and
    openbox on it when ``window_manager``."""
    read, write = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{size}x24",
            "-dpi",
            "100",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    display = Display(f":{number}", window_manager)
    manager = None
    try:
        if window_manager:
            manager = subprocess.Popen(
                ["openbox"], env=display.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(0.5)
        yield display
    finally:
        for process in (manager, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
