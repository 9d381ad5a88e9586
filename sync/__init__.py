"""Kiosk-to-server sync (outbox push, change pull, scheduler) and the plant server."""
