"""The PySide6 kiosk screens (touch-first); talks to kiosk/ only through its facade."""
