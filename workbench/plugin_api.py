"""The stable import path for module plugins: ``from workbench.plugin_api import ...``.

The API itself lives in :mod:`workbench.plugin.api`; this module re-exports it unchanged so that
plugins written against the original flat layout (and third-party plugins installed through
entry points) keep working. New code inside ``workbench`` imports ``workbench.plugin.api``.
"""

from workbench.plugin.api import *  # noqa: F403
from workbench.plugin.api import __all__  # noqa: F401
