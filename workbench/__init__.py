"""LwM2M Module Workbench: debug the LwM2M client inside cellular IoT modules.

The package is layered; data flows one way and a module imports only from its own package and
from the layers *below* it (``tests/test_layers.py`` enforces :data:`LAYERS`, lowest first).
Everything below ``gui`` is pure Python without Qt.

* ``resources`` / ``userdirs`` — where the files that ship with the product are at run time,
  and where each OS keeps the user's own (plugins, object definitions, sessions).
* ``lwm2m`` — paths, object definitions, typed values, content-format codecs.
* ``at`` — AT framing, syntax and the command/response engine (sans-I/O).
* ``client`` / ``server`` / ``sim`` — the LwM2M client engine, the built-in LwM2M server, the
  simulated-module base; independent of each other.
* ``module`` — one module's behaviour, vendor-neutral: events, the decoder base, the state
  model, command templates, generic host answering.
* ``session`` — crash-safe session files: record, read, replay, export.
* ``plugin`` — the API module plugins import (re-exported as ``workbench.plugin_api``) and the
  loader that finds them.
* ``transport`` — serial ports, pseudo-terminal/TCP hosting, the ``sim://`` URL handler.
* ``app`` / ``viewmodel`` — use cases shared by the CLI and the window (connection, sequences,
  guided connect, demo, self-test, the decode pipeline) and the Qt-free models panels draw.
* ``gui`` — the PySide6 shell (the only package that imports Qt).
* ``cli`` — the ``lwm2m-workbench`` entry point; it starts the window or a headless command.
"""

from workbench import compiled as _compiled

__version__ = "0.1.0"

# Before any module of the decode path is imported: a compiled build older than its sources
# must not run (see workbench/compiled.py).
_compiled.guard()

#: The layers, lowest first. Packages in one tuple are peers and must not import each other.
#: A top-level module (``workbench/x.py``) belongs to the layer that names it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("resources", "userdirs", "compiled"),
    ("lwm2m",),
    ("at",),
    ("client", "server", "sim"),
    ("module",),
    ("session",),
    ("plugin",),
    ("plugin_api",),  # the stable re-export of plugin.api for external plugins
    ("transport",),
    ("app", "viewmodel"),
    ("gui",),
    ("cli",),
    ("__main__",),
)
