"""Which site an office page shows: the one asked for, else the default site."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.services.lookup import site_by_code
from kiosk.store.models import Site


def chosen_site(session: Session, code: str | None) -> tuple[Site, list[Site]]:
    """The site named by ``code`` (unknown or empty: the default one) and all sites."""
    sites = list(session.scalars(select(Site).order_by(Site.code)))
    for site in sites:
        if code and site.code == code:
            return site, sites
    return site_by_code(session, None), sites
