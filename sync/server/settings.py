"""Server settings: one TOML file, overridden by ``KIOSK_*`` variables and the command line.

Precedence, lowest first: the built-in default, the settings file
(``kiosk-server.toml`` in the platformdirs config dir, or the file named by
``KIOSK_SERVER_CONFIG`` / ``--config``), the environment, the command line.
``serve`` and every ``admin`` command resolve them the same way (:func:`load`),
so a token made with only ``KIOSK_DATABASE_URL`` set lands in the database the
server uses. Every value remembers where it came from (``--print-config``).

A bad value or an unknown key stops the command with one line naming the
setting, where it came from and what would be accepted (:class:`SettingsError`).
Never read from a request.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from kiosk.config import paths, sqlite_url

ENV_ADMIN_TOKEN = "KIOSK_ADMIN_TOKEN"
ENV_SHOPIFY_SECRET = "KIOSK_SHOPIFY_SECRET"
ENV_DATABASE = "KIOSK_DATABASE_URL"
ENV_MAX_BODY = "KIOSK_MAX_BODY_BYTES"
ENV_METRICS_TOKEN = "KIOSK_METRICS_TOKEN"
#: Names the settings file instead of the one in the config dir.
CONFIG_ENV = "KIOSK_SERVER_CONFIG"
FILE_NAME = "kiosk-server.toml"
#: The resolved settings, handed from the ``kiosk-server`` process to its uvicorn workers.
RESOLVED_ENV = "KIOSK_SERVER_RESOLVED"
DEFAULT = "default"


class SettingsError(ValueError):
    """A setting that cannot be used; ``str()`` is the one line shown to the person."""


@dataclass(frozen=True)
class Settings:
    """What the app itself needs (the rest, e.g. host and port, is uvicorn's)."""

    #: A bootstrap admin secret (``KIOSK_ADMIN_TOKEN``); tokens made later live in the database.
    admin_token: str | None = None
    #: The Shopify app's webhook signing secret (``KIOSK_SHOPIFY_SECRET``).
    shopify_secret: str | None = None
    #: Larger request bodies are refused with 413 before they are read in full.
    max_body_bytes: int = 1024 * 1024
    #: Drain the webhook inbox in a background thread (tests may drain by hand).
    inbox_worker: bool = True
    #: How often the inbox worker looks for deliveries another worker left behind.
    inbox_poll_seconds: float = 2.0
    enrolment_code_ttl: timedelta = timedelta(hours=1)
    #: A bearer secret that may read ``/metrics`` only (``KIOSK_METRICS_TOKEN``); admins may too.
    metrics_token: str | None = None
    #: How long the change feed keeps history; a kiosk away longer takes a snapshot.
    feed_retention: timedelta = timedelta(days=30)
    #: Prune the feed in a background thread (tests may prune by hand).
    feed_pruner: bool = True
    #: An office console session untouched this long is over (sign in again).
    office_idle_timeout: timedelta = timedelta(minutes=30)
    #: The shop whose available stock the plant sets (``KIOSK_SHOPIFY_SHOP``), e.g.
    #: acme.myshopify.com; with ``shopify_admin_token`` it turns stock sync on.
    shopify_shop: str | None = None
    #: An Admin API access token with write_inventory (``KIOSK_SHOPIFY_ADMIN_TOKEN``).
    shopify_admin_token: str | None = None
    #: The Admin GraphQL endpoint (``KIOSK_SHOPIFY_API_URL``); default: the shop's own.
    shopify_api_url: str | None = None
    #: Whether a product without its own setting syncs (``KIOSK_SHOPIFY_STOCK_DEFAULT``).
    shopify_stock_default: bool = False
    #: Push stock to Shopify in a background thread (tests may push by hand).
    stock_pusher: bool = True

    @property
    def syncs_stock(self) -> bool:
        return bool(self.shopify_shop and self.shopify_admin_token)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The app's settings as ``kiosk-server`` resolved them, or from file and environment."""
        return resolved().app_settings(**overrides)


# ---------------------------------------------------------------- parsers


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text (in the file, put it in quotes)")
    return value.strip()


def _secret(value: object) -> str | None:
    return _text(value) or None


def _integer(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return parse


def parse_shop(value: object) -> str | None:
    text = _text(value).lower()
    if not text:
        return None
    if not text.endswith(".myshopify.com") or "/" in text or " " in text:
        raise ValueError("must be the shop's myshopify.com domain, e.g. acme.myshopify.com")
    return text


def parse_url(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    if not text.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return text


def parse_switch(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0"):
        return False
    raise ValueError("must be on or off")


def parse_database(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        make_url(text)
    except ArgumentError:
        raise ValueError(
            "must be an SQLAlchemy URL, e.g. postgresql+psycopg://kiosk@/kiosk"
        ) from None
    return text


def parse_log_level(value: object) -> str:
    text = _text(value).upper()
    if text not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return text


def parse_host(value: object) -> str:
    text = _text(value)
    if not text:
        raise ValueError("must be an address to listen on, e.g. 127.0.0.1")
    return text


def parse_forwarded(value: object) -> str:
    """``*``, or comma-separated addresses / networks of the proxies whose headers count."""
    text = _text(value)
    items = [item.strip() for item in text.split(",") if item.strip()]
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                "must be '*', or proxy addresses or networks separated by commas, "
                "e.g. 127.0.0.1,10.0.0.0/8 ('' trusts no proxy)"
            ) from None
    return ",".join(items)


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[object], Any]
    default: Any
    env: str
    help: str
    #: The command-line option, or None when it is only in the file or the environment.
    option: str | None = None
    #: Never printed in full.
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        parse_database,
        None,
        ENV_DATABASE,
        "SQLAlchemy URL (default: SQLite in the data dir)",
        "--database",
    ),
    Setting("host", parse_host, "127.0.0.1", "KIOSK_SERVER_HOST", "listen address", "--host"),
    Setting("port", _integer(1, 65535), 8470, "KIOSK_SERVER_PORT", "listen port", "--port"),
    Setting(
        "workers", _integer(1, 64), 1, "KIOSK_SERVER_WORKERS", "uvicorn processes", "--workers"
    ),
    Setting(
        "inbox_processes",
        _integer(0, 16),
        2,
        "KIOSK_INBOX_PROCESSES",
        "processes applying Shopify deliveries on PostgreSQL "
        "(0: a thread in each web worker; SQLite always uses the thread)",
        "--inbox-processes",
    ),
    Setting("log_level", parse_log_level, "INFO", "KIOSK_LOG_LEVEL", "log level", "--log-level"),
    Setting(
        "forwarded_allow_ips",
        parse_forwarded,
        "127.0.0.1",
        "KIOSK_FORWARDED_ALLOW_IPS",
        "proxies whose X-Forwarded-For/-Proto are believed",
        "--forwarded-allow-ips",
    ),
    Setting(
        "max_body_bytes",
        _integer(1024, 1024**3),
        1024 * 1024,
        ENV_MAX_BODY,
        "largest request body accepted",
    ),
    Setting(
        "feed_retention_days",
        _integer(1, 3650),
        30,
        "KIOSK_FEED_RETENTION_DAYS",
        "days of change history kept for kiosks (one away longer takes a snapshot)",
    ),
    Setting(
        "office_idle_minutes",
        _integer(1, 24 * 60),
        30,
        "KIOSK_OFFICE_IDLE_MINUTES",
        "minutes an office console session may stay idle before it must sign in again",
    ),
    Setting("admin_token", _secret, None, ENV_ADMIN_TOKEN, "bootstrap admin token", secret=True),
    Setting(
        "shopify_secret",
        _secret,
        None,
        ENV_SHOPIFY_SECRET,
        "Shopify webhook signing secret",
        secret=True,
    ),
    Setting("shopify_shop", parse_shop, None, "KIOSK_SHOPIFY_SHOP", "shop to set stock in"),
    Setting(
        "shopify_admin_token",
        _secret,
        None,
        "KIOSK_SHOPIFY_ADMIN_TOKEN",
        "Shopify Admin API token (write_inventory)",
        secret=True,
    ),
    Setting(
        "shopify_api_url",
        parse_url,
        None,
        "KIOSK_SHOPIFY_API_URL",
        "Shopify Admin GraphQL URL (default: the shop's)",
    ),
    Setting(
        "shopify_stock_default",
        parse_switch,
        False,
        "KIOSK_SHOPIFY_STOCK_DEFAULT",
        "products without their own setting sync stock to Shopify (on/off)",
    ),
    Setting(
        "metrics_token",
        _secret,
        None,
        ENV_METRICS_TOKEN,
        "bearer token that may read /metrics",
        secret=True,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class ServerConfig:
    """Every setting's value and where it came from."""

    values: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)
    file: Path | None = None
    file_found: bool = False

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def database_url(self) -> str:
        """The database; without one, the SQLite file in the data dir."""
        return self.values["database_url"] or sqlite_url(paths().data_dir / "server.db")

    @property
    def inbox_processes(self) -> int:
        """Inbox processes ``kiosk-server`` runs beside its web workers (none on SQLite)."""
        if make_url(self.database_url).get_backend_name() == "sqlite":
            return 0
        return int(self.values["inbox_processes"])

    def app_settings(self, **overrides: object) -> Settings:
        values: dict[str, Any] = {
            "admin_token": self["admin_token"],
            "shopify_secret": self["shopify_secret"],
            "max_body_bytes": self["max_body_bytes"],
            "metrics_token": self["metrics_token"],
            "feed_retention": timedelta(days=self["feed_retention_days"]),
            "office_idle_timeout": timedelta(minutes=self["office_idle_minutes"]),
            "shopify_shop": self["shopify_shop"],
            "shopify_admin_token": self["shopify_admin_token"],
            "shopify_api_url": self["shopify_api_url"],
            "shopify_stock_default": self["shopify_stock_default"],
            # Answering a webhook and applying it do not share a process's CPU.
            "inbox_worker": self.inbox_processes == 0,
        }
        values.update(overrides)
        return Settings(**values)

    def to_env(self) -> str:
        """For the workers: the same values, without reading the file again."""
        return json.dumps({"values": dict(self.values), "sources": dict(self.sources)})

    @classmethod
    def from_env_value(cls, raw: str) -> ServerConfig:
        data = json.loads(raw)
        return cls(values=data["values"], sources=data["sources"])


def resolved() -> ServerConfig:
    """In a uvicorn worker: what its ``kiosk-server`` process resolved; else :func:`load`."""
    raw = os.environ.get(RESOLVED_ENV)
    return ServerConfig.from_env_value(raw) if raw else load()


def settings_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    named = environ.get(CONFIG_ENV, "").strip()
    return Path(named).expanduser() if named else paths().config_dir / FILE_NAME


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
    for key in data:
        if key not in BY_NAME:
            known = ", ".join(BY_NAME)
            raise SettingsError(f"unknown setting '{key}' in {path} (known settings: {known})")
    return data


def load(
    cli: Mapping[str, object | None] | None = None,
    environ: Mapping[str, str] | None = None,
    file: Path | None = None,
) -> ServerConfig:
    """Default, then file, then environment, then command line (``None`` = not given)."""
    environ = os.environ if environ is None else environ
    path = file if file is not None else settings_file(environ)
    from_file = read_file(path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for s in SETTINGS:
        layers: list[tuple[str, object]] = []
        if s.name in from_file:
            layers.append(("file", from_file[s.name]))
        if environ.get(s.env) is not None:
            layers.append((f"env {s.env}", environ[s.env]))
        if cli and cli.get(s.name) is not None:
            layers.append((f"command line {s.option}", cli[s.name]))
        value, source = s.default, DEFAULT
        for where, raw in layers:
            try:
                value = s.parse(raw)
            except ValueError as e:
                shown = "***" if s.secret else repr(raw)
                place = f"file {path}" if where == "file" else where
                raise SettingsError(f"bad setting {s.name} = {shown} ({place}): {e}") from None
            source = where
        values[s.name] = value
        sources[s.name] = source
    return ServerConfig(values, sources, path, path.is_file())


def _shown(config: ServerConfig, s: Setting) -> str:
    value = config.values.get(s.name)
    if s.name == "database_url":
        return repr(make_url(config.database_url).render_as_string(hide_password=True))
    if value is None:
        return "(not set)"
    return "'***'" if s.secret else repr(value)


def describe(config: ServerConfig) -> list[str]:
    """``kiosk-server --print-config``: each value and where it came from."""
    state = "" if config.file_found else "  (not found: defaults apply)"
    lines = [f"# settings file: {config.file}{state}"]
    width = max(len(s.name) for s in SETTINGS)
    for s in SETTINGS:
        source = config.sources.get(s.name, DEFAULT)
        lines.append(f"{s.name:<{width}} = {_shown(config, s):<44} # {source}")
    lines.append(f"# data dir: {paths().data_dir}")
    return lines
