"""The ``kiosk`` command's exit codes: what the session unit does about each one.

``packaging/kiosk-session.service`` restarts the kiosk after any exit except
the ones listed in its ``RestartPreventExitStatus=``: a restart cannot fix a
store written by a newer version, it only fills the journal every two seconds.
"""

from __future__ import annotations

OK = 0
#: A command failed (``kiosk enroll`` refused or could not reach the server).
FAILED = 1
#: A bad setting or command-line option (one line names it).
BAD_SETTING = 2
#: Another kiosk holds this store (sysexits EX_TEMPFAIL): the unit tries again
#: after its delay and takes over once the other one has gone.
STORE_BUSY = 75
#: The store was written by a newer version (sysexits EX_CONFIG): the unit does
#: not restart; install that version or newer.
STORE_TOO_NEW = 78
