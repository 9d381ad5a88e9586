"""Entry script of the PyInstaller bundle (packaging/kiosk.spec): the ``kiosk`` command."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
