"""Guard against the PySide6 6.12.0 + CPython 3.11 crash (ECOSYSTEM.md).

``Signal.emit()`` in that combination drops a reference to ``True`` and the interpreter aborts
(``Fatal Python error: bool_dealloc``) after about a thousand emissions. The dependency pins
avoid the combination; this test proves the installed pair survives far more emissions than
the GUI makes in a session's first minutes. It runs in a subprocess because the failure is an
abort, which would take pytest down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import sys
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

class Emitter(QObject):
    fired = Signal(bool)

app = QCoreApplication(sys.argv)
emitter = Emitter()
seen = []
emitter.fired.connect(seen.append)
for _ in range(20_000):
    emitter.fired.emit(True)
count = [0]
def tick():
    count[0] += 1
    if count[0] < 2_000:
        QTimer.singleShot(0, tick)
    else:
        app.quit()
QTimer.singleShot(0, tick)
app.exec()
assert len(seen) == 20_000 and count[0] == 2_000
print("ok", len(seen), count[0])
"""


def test_many_signal_emissions_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert proc.stdout.strip() == "ok 20000 2000"
