"""Qt tests run offscreen: the platform must be chosen before anything imports Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Main-window fixtures (qasync loop, isolated QSettings and session folder), and the teardown
# that deletes what each test leaves on the GUI thread.
from tests.gui.wb_helpers import gui_teardown, wb_app, wb_loop  # noqa: F401
