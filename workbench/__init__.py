"""LwM2M Module Workbench: debug the LwM2M client inside cellular IoT modules.

Layers (data flows one way, everything below ``gui`` is pure Python without Qt):

* ``workbench.lwm2m`` — paths, object definitions, typed values, content-format codecs.
* ``workbench.gui`` — the PySide6 shell (the only package that imports Qt).
"""

__version__ = "0.1.0"
