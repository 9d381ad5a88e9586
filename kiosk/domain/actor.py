"""Who asks for a change: an operator, a supervisor elevating one action, a device, the
office. A value every layer reads (the audit names it), so it lives with the domain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who asked: the operator at the kiosk, a supervisor elevating one action,
    the device and workstation it came from, or an office principal (API token)."""

    badge: str | None = None
    supervisor_badge: str | None = None
    device_id: str | None = None
    workstation: str | None = None
    principal: str | None = None
    #: The site a device belongs to (set by the server for a kiosk's commands): every id
    #: it names must be of this site, or it does not exist as far as it is concerned.
    site_id: str | None = None


SYSTEM = Actor(principal="system")
