"""Enrolling this kiosk with a plant server, and keeping its device token safe.

The token is the kiosk's only credential: it lives in the platformdirs config dir
in a file only the kiosk's user can read (mode 0600, written that way from the
start, never world-readable for a moment).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import requests

from kiosk.config import paths

FILE_NAME = "sync.json"


@dataclass(frozen=True)
class Credentials:
    server: str
    device_id: str
    token: str
    #: A CA bundle to trust (a plant's own CA); None: the system's trust store.
    ca_bundle: str | None = None
    #: Where the office registered this tablet (the enrolment code names it); the kiosk
    #: stands there unless its settings name another workstation.
    workstation: str | None = None
    site: str | None = None

    @property
    def verify(self) -> bool | str:
        return self.ca_bundle or True


class EnrolmentFailed(Exception):
    """The server refused the code or could not be reached; the message says which."""


def credentials_path() -> Path:
    return paths().config_dir / FILE_NAME


def save(creds: Credentials, path: Path | None = None) -> Path:
    path = path or credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(creds), out)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def load(path: Path | None = None) -> Credentials | None:
    path = path or credentials_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    # Keys this version does not know (a newer kiosk wrote the file) are left alone.
    known = {f.name for f in fields(Credentials)}
    return Credentials(**{k: v for k, v in raw.items() if k in known})


def enrol(
    server: str,
    code: str,
    *,
    name: str | None = None,
    ca_bundle: str | None = None,
    timeout: tuple[float, float] = (5.0, 15.0),
) -> Credentials:
    """Trade a one-time enrolment code for this kiosk's device id and token."""
    server = server.rstrip("/")
    if ca_bundle is not None:
        # Kept as an absolute path: every later sync request trusts the same file.
        ca_bundle = str(Path(ca_bundle).expanduser().resolve())
        if not Path(ca_bundle).is_file():
            raise EnrolmentFailed(f"The CA bundle {ca_bundle} does not exist.")
    try:
        answer = requests.post(
            f"{server}/api/v1/devices/enrol",
            json={"code": code.strip(), "name": name or socket.gethostname()},
            timeout=timeout,
            verify=ca_bundle or True,
        )
    except requests.exceptions.SSLError as err:
        from sync.client import untrusted

        raise EnrolmentFailed(untrusted(server, err)) from err
    except requests.RequestException as err:
        raise EnrolmentFailed(f"The server {server} could not be reached: {err}") from err
    if answer.status_code != 201:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text
        raise EnrolmentFailed(f"The server refused the enrolment: {detail}")
    body = answer.json()
    return Credentials(
        server,
        body["device_id"],
        body["token"],
        ca_bundle,
        workstation=body.get("workstation"),
        site=body.get("site"),
    )
