"""Server settings: from the command line and the environment, never from a request."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

ENV_ADMIN_TOKEN = "KIOSK_ADMIN_TOKEN"
ENV_SHOPIFY_SECRET = "KIOSK_SHOPIFY_SECRET"
ENV_DATABASE = "KIOSK_DATABASE_URL"
ENV_MAX_BODY = "KIOSK_MAX_BODY_BYTES"


@dataclass(frozen=True)
class Settings:
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

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "admin_token": os.environ.get(ENV_ADMIN_TOKEN) or None,
            "shopify_secret": os.environ.get(ENV_SHOPIFY_SECRET) or None,
        }
        if os.environ.get(ENV_MAX_BODY, "").strip().isdigit():
            values["max_body_bytes"] = int(os.environ[ENV_MAX_BODY])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
