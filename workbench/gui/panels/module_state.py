"""The decoded module state at a glance, every value linked to the line that set it.

A headline (the module's side; the built-in server's side; a plain-words line when the two
disagree — :meth:`~workbench.module.state.ModuleState.summary`) over a tree (client, each LwM2M
server
the module talks to, the built-in server's view, pending host requests, errors by what failed)
built from :class:`~workbench.module.state.ModuleState`. Each value row carries the terminal line
number of
the event that set it (``Tracked.line`` is the terminal's ``seq``, see
:mod:`workbench.app.connection`): clicking the row asks the terminal to show that line. The tree is
rebuilt on the context's batched ``state_changed`` (≤ 30 Hz); only the countdown to the next
registration update ticks every second on its own.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.context import WorkbenchContext
from workbench.gui.theme import colours
from workbench.module.state import ModuleState, ServerState, Tracked, as_sentence, clock_text
from workbench.module.words import plain

LineData = Qt.ItemDataRole.UserRole + 1
#: Longest delay between a state change and the tree showing it (ms).
REFRESH_MS = 150
_GOOD = {"registered", "updated", "ready", "finished", "created", "resumed"}
_BAD = {"failed", "update_failed", "deregistered", "disabled", "stopped", "closed"}


def countdown_text(seconds: float) -> str:
    """``1 h 02 min``, ``4 min 05 s`` or ``12 s``; ``overdue 3 s`` when negative."""
    if seconds < 0:
        return f"overdue {countdown_text(-seconds)}"
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


class ModuleStatePanel(QWidget):
    """Tree of decoded state; see the module docstring."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("module_state")
        self.context = context
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.summary.setFont(font)
        #: The built-in server's side, and (in warning colours) where the two sides disagree.
        self.server_line = QLabel(self)
        self.server_line.setWordWrap(True)
        self.disagreement = QLabel(self)
        self.disagreement.setWordWrap(True)
        self.disagreement.setObjectName("state_disagreement")
        self.disagreement.setContentsMargins(4, 2, 4, 2)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["", "Value", "Line"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.server_line)
        layout.addWidget(self.disagreement)
        layout.addWidget(self.tree, 1)
        self._collapsed: set[str] = set()
        self._countdowns: list[tuple[QTreeWidgetItem, float]] = []
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._server_seen: tuple[Any, ...] = ()
        self._tick.timeout.connect(self._tick_second)
        self._tick.start()
        self._link_font = QFont(self.tree.font())
        self._link_font.setUnderline(True)
        # State changes arrive up to 30 times a second; a person reads a few per second.
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(REFRESH_MS)
        self._coalesce.timeout.connect(self.refresh)
        context.state_changed.connect(lambda _changed: self._schedule_refresh())
        context.connection_changed.connect(lambda _conn: self.refresh())
        context.server_changed.connect(lambda _server: self.refresh())
        self.refresh()

    def _schedule_refresh(self) -> None:
        if not self._coalesce.isActive():
            self._coalesce.start()

    # -- building ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the tree from the context's state (cheap: tens of rows)."""
        state = self.context.state
        self._remember_expansion()
        scroll = self.tree.verticalScrollBar().value()
        self.tree.clear()
        self._countdowns.clear()
        if state is None:
            self.summary.setText("No module connected")
            self.server_line.hide()
            self.disagreement.hide()
            return
        self._headline(state)
        root = self.tree.invisibleRootItem()
        client = self._section(root, "Client", "client")
        headline = state.client_headline
        if (state.client is None and headline is None) or (
            state.client is not None and headline == state.client.value
        ):
            self._value(client, "State", state.client)
        else:
            item = self._plain(client, "State", plain(headline) if headline else "—")
            if headline is not None:
                item.setText(1, f"{plain(headline)} (from the registration URCs)")
                c = colours(self)
                if headline in _GOOD or headline in _BAD:
                    item.setForeground(1, c.ok if headline in _GOOD else c.error)
            self._value(client, "Reported", state.client)
        if state.last_boot is not None:
            self._value(client, "Last reboot", state.last_boot)
        if state.network is not None:
            self._value(client, "Network", state.network)
        for key, tracked in sorted(state.identity.items()):
            self._value(client, key.replace("_", " ").capitalize(), tracked)
        for server_id, srv in sorted(state.servers.items()):
            self._server(root, server_id, srv)
        if not state.servers:
            self._plain(root, "Servers", "none reported yet")
        self._server_view(root, state)
        requests = self._section(
            root, f"Pending host requests ({len(state.pending_requests)})", "requests"
        )
        for request in state.pending_requests:
            value = f"{request.op} {request.path}"
            if request.value is not None:
                value += f" = {request.value}"
            item = self._row(requests, request.op, value, request.line, request.raw)
            item.setText(0, "Request")
        errors = self._section(root, "Last error", "error")
        if state.last_error is not None:
            self._error(errors, "Error", state.last_error)
            older = sorted(state.errors.values(), key=lambda item: -item[0])[1:]
            for _order, standing in older:
                self._error(errors, "Also standing", standing)
        else:
            self._plain(errors, "Error", "none")
        self._restore_expansion()
        self.tree.verticalScrollBar().setValue(scroll)
        self._update_countdowns()

    def _headline(self, state: ModuleState) -> None:
        """Module side, server side and their disagreement (re-evaluated every second)."""
        self.summary.setText(state.module_summary())
        server = state.server_summary()
        self.server_line.setText(server or "")
        self.server_line.setVisible(server is not None)
        disagreement = state.disagreement()
        if disagreement is None:
            self.disagreement.hide()
            return
        c = colours(self)
        self.disagreement.setText(as_sentence(disagreement))
        self.disagreement.setStyleSheet(
            f"background: {c.warning_bg.name()}; color: {c.banner_text.name()};"
        )
        self.disagreement.show()

    def _error(self, parent: QTreeWidgetItem, name: str, tracked: Tracked[Any]) -> None:
        detail = tracked.value
        text = str(detail.get("text") or "")
        if detail.get("code") is not None:
            text = f"{text} (code {detail['code']})".strip()
        if detail.get("command"):
            text += f" after {detail['command']}"
        self._value(parent, name, Tracked(text, tracked.line, "error", tracked.raw))

    def _server_view(self, root: QTreeWidgetItem, state: ModuleState) -> None:
        """What the built-in server holds (its events, not the module's URCs)."""
        view = state.server_view
        if view is None:
            return
        section = self._section(root, "Built-in server", "server_view")
        self._plain(section, "Endpoint", view.endpoint)
        text = f"{view.state} at {clock_text(view.since)}"
        if view.reason and view.state != "expired":
            text += f" ({view.reason})"
        item = self._plain(section, "Registration", text)
        c = colours(self)
        item.setForeground(1, c.ok if view.registered else c.error)
        if view.registered_at is not None:
            self._plain(section, "Registered since", clock_text(view.registered_at))
        lifetime = self._server_lifetime() if view.registered else None
        lifetime = lifetime if lifetime is not None else view.lifetime
        if lifetime is not None:
            self._plain(section, "Lifetime", f"{lifetime} s")
        expiry = self._server_expiry() if view.registered else None
        if expiry is not None:
            item = self._plain(section, "Registration expires", "")
            self._countdowns.append((item, expiry))

    def _server(self, root: QTreeWidgetItem, server_id: str, srv: ServerState) -> None:
        section = self._section(root, f"Server {server_id}", f"server:{server_id}")
        reg = self._value(section, "Registration", srv.registration)
        if srv.registration_code is not None and reg is not None:
            reg.setText(1, f"{reg.text(1)}  (code {srv.registration_code.value})")
        self._value(section, "Bootstrap", srv.bootstrap)
        if srv.update_timer is not None:
            self._value(section, "Update timer", srv.update_timer, suffix=" s")
            due = srv.update_timer.timestamp + srv.update_timer.value
            item = self._row(
                section, "Next update", "", srv.update_timer.line, srv.update_timer.raw
            )
            self._countdowns.append((item, due))
        self._value(section, "Connection", srv.connection)
        self._value(section, "Address", srv.address)
        if srv.sent is not None or srv.received is not None:
            sent = srv.sent.value if srv.sent is not None else "?"
            received = srv.received.value if srv.received is not None else "?"
            src = srv.received or srv.sent
            assert src is not None
            self._row(section, "Traffic", f"sent {sent} · received {received}", src.line, src.raw)
        obs = self._section(section, f"Observations ({len(srv.observations)})", f"obs:{server_id}")
        for path, tracked in sorted(srv.observations.items()):
            self._row(obs, path, "observed", tracked.line, tracked.raw)
        if srv.notifications is not None:
            text = str(srv.notifications.value)
            if srv.last_notify is not None:
                text += f" · last {srv.last_notify.value}"
            self._row(section, "Notifications", text, srv.notifications.line, srv.notifications.raw)

    # The built-in server (demo) knows the lifetime the module registered with.
    def _server_client(self) -> Any:
        server = self.context.server
        if server is None:
            return None
        try:
            clients = server.clients
            if callable(clients):
                clients = clients()
        except Exception:  # server stopped under us
            return None
        return next(iter(clients.values()), None) if clients else None

    def _server_signature(self) -> tuple[Any, ...]:
        client = self._server_client()
        if client is None:
            return ()
        return (client.endpoint, client.lifetime, client.last_seen)

    def _server_lifetime(self) -> int | None:
        client = self._server_client()
        return int(client.lifetime) if client is not None else None

    def _server_expiry(self) -> float | None:
        """Monotonic time the registration expires on the built-in server."""
        client = self._server_client()
        if client is None:
            return None
        return time.monotonic() - (time.time() - float(client.last_seen)) + float(client.lifetime)

    def _section(self, parent: QTreeWidgetItem, title: str, key: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [title])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        item.setFirstColumnSpanned(False)
        item.setExpanded(True)
        return item

    def _plain(self, parent: QTreeWidgetItem, name: str, value: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [name, value, ""])
        item.setForeground(1, colours(self).note)
        return item

    def _value(
        self, parent: QTreeWidgetItem, name: str, tracked: Tracked[Any] | None, suffix: str = ""
    ) -> QTreeWidgetItem | None:
        if tracked is None:
            self._plain(parent, name, "—")
            return None
        text = f"{plain(tracked.value)}{suffix}"
        if tracked.inferred:
            text += " (inferred)"
        item = self._row(parent, name, text, tracked.line, tracked.raw)
        value = str(tracked.value)
        c = colours(self)
        if value in _GOOD:
            item.setForeground(1, c.ok)
        elif value in _BAD:
            item.setForeground(1, c.error)
        return item

    def _row(
        self, parent: QTreeWidgetItem, name: str, value: str, line: int, raw: str
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [name, value, f"line {line}" if line else ""])
        if line:
            item.setData(0, LineData, line)
            item.setFont(2, self._link_font)
            item.setForeground(2, colours(self).tx)
            tip = f"Set by line {line}: {raw}\nClick to show it in the terminal."
            for column in range(3):
                item.setToolTip(column, tip)
        return item

    # -- behaviour ------------------------------------------------------------------------------
    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        line = item.data(0, LineData)
        if isinstance(line, int) and line > 0:
            self.context.show_line(line)

    def _tick_second(self) -> None:
        signature = self._server_signature()
        if signature != self._server_seen:
            self._server_seen = signature
            self.refresh()
        elif self.context.state is not None:
            self._headline(self.context.state)  # a disagreement may age past the grace
        self._update_countdowns()

    def _update_countdowns(self) -> None:
        now = time.monotonic()
        for item, due in self._countdowns:
            item.setText(1, f"in {countdown_text(due - now)}")

    def _remember_expansion(self) -> None:
        def walk(item: QTreeWidgetItem) -> None:
            for i in range(item.childCount()):
                child = item.child(i)
                if child is None:
                    continue
                key = child.data(0, Qt.ItemDataRole.UserRole)
                if isinstance(key, str):
                    if child.isExpanded():
                        self._collapsed.discard(key)
                    else:
                        self._collapsed.add(key)
                walk(child)

        walk(self.tree.invisibleRootItem())

    def _restore_expansion(self) -> None:
        def walk(item: QTreeWidgetItem) -> None:
            for i in range(item.childCount()):
                child = item.child(i)
                if child is None:
                    continue
                key = child.data(0, Qt.ItemDataRole.UserRole)
                if isinstance(key, str):
                    child.setExpanded(key not in self._collapsed)
                walk(child)

        walk(self.tree.invisibleRootItem())

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        """First row named ``name`` (tests and keyboard navigation)."""
        found = self.tree.findItems(
            name, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive, 0
        )
        return found[0] if found else None
