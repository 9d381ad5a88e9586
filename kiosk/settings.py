"""The kiosk's settings: one TOML file, overridden by ``KIOSK_*`` variables and the command line.

Precedence, lowest first: the built-in default, the settings file
(``kiosk.toml`` in the platformdirs config dir, or the file named by
``KIOSK_CONFIG`` / ``--config``), the environment, the command line. Every
value remembers where it came from, for ``kiosk --print-config``.

Once the kiosk is enrolled (``kiosk enroll``, or the enrol screen), the
enrolment is the truth about the server: :func:`with_enrolment` puts its server
(and, unless a setting names one, its workstation) on top, with the source
``enrolment``, and says in one line when ``server_url`` disagrees with it. Before
enrolment ``server_url`` is where ``kiosk enroll`` and the enrol screen go.

A bad value anywhere stops the kiosk with one line naming the setting, the
value, where it came from and what would be accepted (:class:`SettingsError`).
An unknown key in the file is an error too: a typo must not silently fall back
to a default on a machine nobody watches.

Qt-free: ``ui.app`` turns the settings into a window.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk.config import paths

#: The settings file's name in the config dir.
FILE_NAME = "kiosk.toml"
#: Names the settings file instead of the one in the config dir.
CONFIG_ENV = "KIOSK_CONFIG"

DEFAULT = "default"


class SettingsError(ValueError):
    """A setting that cannot be used; ``str()`` is the one line shown to the person."""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text (in the file, put it in quotes)")
    return value.strip()


def _number(value: object, low: float, high: float, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"must be {what}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"must be {what}") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"must be {what}")
    if not low <= value <= high:
        raise ValueError(f"must be {what}")
    return float(value)


def parse_server_url(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL, e.g. https://plant.example.com")
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        raise ValueError("has a port that is not a number") from None
    return text.rstrip("/")


_WORKSTATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def parse_workstation(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    if not _WORKSTATION.fullmatch(text):
        raise ValueError(
            "must be a workstation code: letters, digits, '-', '_' or '.', at most 40, e.g. ASSY-1"
        )
    return text


def parse_idle_minutes(value: object) -> float:
    return _number(value, 0.1, 24 * 60, "a number of minutes from 0.1 to 1440")


_LANGUAGE = re.compile(r"([a-z]{2,3})(?:[_-]([A-Za-z]{2}))?")


def parse_language(value: object) -> str:
    match = _LANGUAGE.fullmatch(_text(value))
    if not match:
        raise ValueError("must be a language code such as en, de or pt_BR")
    lang, region = match.groups()
    return f"{lang}_{region.upper()}" if region else lang


def parse_screen_scale(value: object) -> float:
    return _number(value, 0.5, 3.0, "a factor from 0.5 to 3.0 (1.0 = sizes from the screen's DPI)")


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[object], Any]
    default: Any
    help: str
    #: Never printed in full, never put in a diagnostics bundle.
    secret: bool = False

    @property
    def env(self) -> str:
        return "KIOSK_" + self.name.upper()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("server_url", parse_server_url, None, "plant server, e.g. https://plant.example.com"),
    Setting("workstation", parse_workstation, None, "workstation code this kiosk stands at"),
    Setting("idle_minutes", parse_idle_minutes, 15.0, "idle minutes before the operator is out"),
    Setting("language", parse_language, "en", "language of the screens, e.g. en, de"),
    Setting("screen_scale", parse_screen_scale, 1.0, "touch-size factor on top of the DPI"),
)
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    server_url: str | None = None
    workstation: str | None = None
    idle_minutes: float = 15.0
    language: str = "en"
    screen_scale: float = 1.0
    #: The settings file that was read (or would have been, when it does not exist).
    file: Path | None = None
    file_found: bool = False
    #: Where each value came from: "default", "file", "env KIOSK_X" or "command line --x".
    sources: Mapping[str, str] = field(default_factory=dict)

    def source(self, name: str) -> str:
        return self.sources.get(name, DEFAULT)

    def public(self) -> dict[str, Any]:
        """The values with secrets masked: what print-config and diagnostics show."""
        return {s.name: redact(s, getattr(self, s.name)) for s in SETTINGS}


def redact(setting: Setting, value: Any) -> Any:
    if value is None:
        return None
    if setting.secret:
        return "***"
    if setting.name == "server_url":
        return redact_url(value)
    return value


_URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)[^@\s/]*@")


def redact_url(url: str) -> str:
    """The URL with any password masked: ``https://user:***@host``."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def settings_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    named = environ.get(CONFIG_ENV, "").strip()
    return Path(named).expanduser() if named else paths().config_dir / FILE_NAME


def _bad(setting: str, value: object, where: str, why: str) -> SettingsError:
    shown = "***" if BY_NAME.get(setting, SETTINGS[0]).secret else repr(value)
    return SettingsError(f"bad setting {setting} = {shown} ({where}): {why}")


def read_file(path: Path) -> dict[str, object]:
    """The file's table, or {} when it does not exist. Raises SettingsError when unreadable."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"settings file {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise SettingsError(f"cannot read settings file {path}: {e.strerror or e}") from None
    for key, value in data.items():
        if key not in BY_NAME:
            kind = "section" if isinstance(value, dict) else "setting"
            known = ", ".join(BY_NAME)
            raise SettingsError(f"unknown {kind} '{key}' in {path} (known settings: {known})")
    return data


def load(
    cli: Mapping[str, object | None] | None = None,
    environ: Mapping[str, str] | None = None,
    file: Path | None = None,
) -> Settings:
    """Default, then file, then environment, then command line (``None`` = not given)."""
    environ = os.environ if environ is None else environ
    path = file if file is not None else settings_file(environ)
    from_file = read_file(path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for s in SETTINGS:
        layers: list[tuple[str, object]] = []
        if s.name in from_file:
            layers.append((f"file {path}", from_file[s.name]))
        if environ.get(s.env) is not None:
            layers.append((f"env {s.env}", environ[s.env]))
        if cli and cli.get(s.name) is not None:
            layers.append((f"command line {s.option}", cli[s.name]))
        value, source = s.default, DEFAULT
        for where, raw in layers:
            try:
                value = s.parse(raw)
            except ValueError as e:
                raise _bad(s.name, raw, where, str(e)) from None
            source = where.split(" ", 1)[0] if where.startswith("file ") else where
        values[s.name] = value
        sources[s.name] = source
    return Settings(**values, file=path, file_found=path.is_file(), sources=sources)


ENROLMENT = "enrolment"


def with_enrolment(
    settings: Settings, server: str | None, workstation: str | None, where: Path | str
) -> tuple[Settings, list[str]]:
    """The settings as the enrolled kiosk uses them, and a warning line per disagreement.

    The enrolment's server always wins (its token is only good there); a workstation
    named in the settings wins over the enrolment's (a tablet moved to another station).
    """
    if server is None:
        return settings, []
    warnings: list[str] = []
    sources = dict(settings.sources)
    configured = settings.server_url
    if configured is not None and configured.rstrip("/") != server.rstrip("/"):
        warnings.append(
            f"server_url {redact_url(configured)!r} ({settings.source('server_url')}) is not "
            f"the server this kiosk is enrolled with, {redact_url(server)!r} ({where}): it "
            "syncs with the enrolled one; enrol again to change servers, or correct server_url"
        )
    sources["server_url"] = ENROLMENT
    chosen = settings.workstation
    if chosen is None and workstation:
        chosen = workstation
        sources["workstation"] = ENROLMENT
    elif chosen and workstation and chosen != workstation:
        warnings.append(
            f"workstation {chosen!r} ({settings.source('workstation')}) is not the one this "
            f"kiosk was enrolled at, {workstation!r}: it stands at {chosen!r}"
        )
    updated = replace(settings, server_url=server.rstrip("/"), workstation=chosen, sources=sources)
    return updated, warnings


def describe(
    settings: Settings, warnings: Sequence[str] = (), enrolment: Path | None = None
) -> list[str]:
    """``kiosk --print-config``: each value and where it came from."""
    state = "" if settings.file_found else "  (not found: defaults apply)"
    lines = [f"# settings file: {settings.file}{state}"]
    if enrolment is not None:
        enrolled = "" if enrolment.is_file() else "  (not enrolled: run kiosk enroll)"
        lines.append(f"# enrolment:     {enrolment}{enrolled}")
    width = max(len(s.name) for s in SETTINGS)
    for name, value in settings.public().items():
        shown = "(not set)" if value is None else repr(value)
        lines.append(f"{name:<{width}} = {shown:<36} # {settings.source(name)}")
    p = paths()
    lines += [
        f"# data dir: {p.data_dir}",
        f"# log dir:  {p.log_dir}",
    ]
    return lines + [f"# WARNING: {w}" for w in warnings]
