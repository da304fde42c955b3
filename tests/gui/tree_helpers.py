"""Helpers for the tests of the object tree's parts: a window context that keeps its messages."""

from __future__ import annotations

from workbench.gui.context import WorkbenchContext
from workbench.plugin.loader import discover_plugins


def context_with_messages() -> tuple[WorkbenchContext, list[tuple[str, str]]]:
    """A context over the bundled plugins, and the ``(level, text)`` banner messages it gets."""
    context = WorkbenchContext(discover_plugins(user=False, entry_points=False))
    messages: list[tuple[str, str]] = []
    context.message.connect(lambda level, text: messages.append((level, text)))
    return context, messages
