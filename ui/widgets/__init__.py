"""Touch building blocks: big buttons, status badges, keypad, overlays, charts."""
