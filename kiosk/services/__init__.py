"""Building blocks the command handlers share; never called from outside kiosk.commands."""
