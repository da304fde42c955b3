"""Where the files that ship with the product (``resources/``) are at run time.

The repository keeps them in a top-level ``resources/`` folder beside the ``workbench``
package, not inside it, so designers and translators can edit them without touching code.
That leaves three ways the program can be laid out, checked in this order on every call
(nothing is cached: the answer depends only on the environment, and a call is cheap):

1. ``LWM2M_WORKBENCH_RESOURCES`` names the folder explicitly. Installers that put data files
   somewhere else (a distribution package, a plain wheel install) set it; tests can too.
2. A PyInstaller bundle: ``sys.frozen`` is set and the bundle's data live under
   ``sys._MEIPASS``; the spec file must copy ``resources`` there as ``resources``.
3. Running from a source checkout or an editable install (``pip install -e .``):
   ``<this file>/../../resources``, i.e. the repository's top-level folder.

A plain (non-editable) wheel does not contain ``resources/`` today; such an install needs (1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Environment variable that overrides the location of the ``resources`` folder.
RESOURCES_ENV = "LWM2M_WORKBENCH_RESOURCES"


def resource_dir() -> Path:
    """The folder holding the shipped resources (it may be missing in a broken install)."""
    override = os.environ.get(RESOURCES_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and isinstance(bundle, str):
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
