"""The object tree's host-requests section: the pending list, *Answer by hand*, the answers.

Requests for host-managed objects (the plugin's ``host_answers``) are answered by the
connection's :class:`~workbench.app.hostservice.HostAnswerService`; this box is a view of it. It
hands the service the host values and the tree's values to answer from (host values first,
then the server view of the current endpoint, then the module's own view), shows what waits
while *Answer by hand* is on, and reports what the service did (the tree takes written values,
the banner what went wrong). Split out of :class:`~workbench.gui.panels.object_tree.ObjectTreePanel`
so the panel only composes it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.app.hostservice import HostAnswerReport, HostAnswerService
from workbench.gui.context import WorkbenchContext
from workbench.lwm2m.errors import PathError
from workbench.lwm2m.values import Value
from workbench.module.hostanswer import HostAnswer, HostAnswerer
from workbench.module.state import HostRequest
from workbench.viewmodel.objecttree import ObjectTreeData


class HostRequestsBox(QWidget):
    """See the module docstring.

    ``server_tree`` gives the current endpoint's tree (None without one), ``module_tree`` is the
    module's own view, ``values`` the host values (shared with the panel, so they outlive a
    reconnect) and ``changed`` asks the panel to redraw. The *Answer by hand* check box
    (:attr:`by_hand`) is this box's, though the panel lays it out in its top rows.
    """

    def __init__(
        self,
        context: WorkbenchContext,
        values: dict[str, Value],
        server_tree: Callable[[], ObjectTreeData | None],
        module_tree: ObjectTreeData,
        changed: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.host_values = values
        self._server_tree = server_tree
        self._module_tree = module_tree
        self._changed = changed
        self._host_unsub: Callable[[], None] | None = None
        self.by_hand = QCheckBox("Answer by hand", parent)
        self.by_hand.setToolTip(
            "Host-managed objects: off = the module's requests are answered from the tree's values"
        )
        self.by_hand.toggled.connect(lambda _on: self.answer_pending())
        rlayout = QVBoxLayout(self)
        rlayout.setContentsMargins(0, 0, 0, 0)
        rhead = QHBoxLayout()
        self.requests_label = QLabel("Host requests", self)
        self.answer_button = QPushButton("Answer from the tree", self)
        self.answer_button.clicked.connect(self.answer_selected_request)
        rhead.addWidget(self.requests_label, 1)
        rhead.addWidget(self.answer_button)
        self.requests = QListWidget(self)
        self.requests.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 8)
        rlayout.addLayout(rhead)
        rlayout.addWidget(self.requests)

    def lookup(self, path: str) -> Value:
        if path in self.host_values:
            return self.host_values[path]
        data = self._server_tree()
        for source in (data, self._module_tree):
            if source is not None:
                try:
                    value = source.value(path)
                except PathError:
                    return None
                if value is not None:
                    return value
        return None

    def _below(self, base: str) -> dict[str, Value]:
        out: dict[str, Value] = {}
        data = self._server_tree()
        for source in (self._module_tree, data):
            if source is not None:
                out.update(
                    {str(p): v for p, v in source.values().items() if str(p).startswith(base + "/")}
                )
        out.update({p: v for p, v in self.host_values.items() if p.startswith(base + "/")})
        return out

    @property
    def host_service(self) -> HostAnswerService | None:
        """The host-answer service of the current connection (None without one)."""
        conn = self.context.connection
        service = getattr(conn, "host_answers", None)
        return service if isinstance(service, HostAnswerService) else None

    @property
    def answerer(self) -> HostAnswerer:
        service = self.host_service
        return service.answerer if service is not None else HostAnswerer(None)

    def follow_host_service(self) -> None:
        """Show the current connection's service, answering from this tree's values too."""
        self.unfollow()
        service = self.host_service
        if service is None:
            return
        service.values = self.host_values
        service.extra_lookup = self.lookup
        service.extra_below = self._below
        service.by_hand = self.by_hand.isChecked()
        self._host_unsub = service.subscribe(self._host_answered)

    def unfollow(self) -> None:
        if self._host_unsub is not None:
            self._host_unsub()
            self._host_unsub = None

    def pending_groups(self) -> list[list[HostRequest]]:
        service = self.host_service
        return service.pending() if service is not None else []

    def answer_pending(self) -> None:
        service = self.host_service
        if service is not None:
            service.by_hand = self.by_hand.isChecked()
            service.check()
        self._show_requests(self.pending_groups())

    def _show_requests(self, groups: list[list[HostRequest]]) -> None:
        self.requests.clear()
        for group in groups:
            first = group[0]
            paths = ", ".join(r.path for r in group)
            item = QListWidgetItem(f"line {first.line}: {first.op} {paths}    {first.raw}")
            item.setData(Qt.ItemDataRole.UserRole, first.line)
            self.requests.addItem(item)
        mode = "by hand" if self.by_hand.isChecked() else "automatic"
        self.requests_label.setText(f"Host requests waiting: {len(groups)} ({mode})")
        self.answer_button.setEnabled(bool(groups))
        self.requests.setVisible(bool(groups))

    def answer_selected_request(self) -> None:
        groups = self.pending_groups()
        item = self.requests.currentItem()
        line = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        for group in groups:
            if line is None or group[0].line == line:
                self.answer_group(group)
                return

    def answer_group(self, group: list[HostRequest]) -> HostAnswer | None:
        service = self.host_service
        report = service.answer(group) if service is not None else None
        return report.answer if report is not None else None

    def _host_answered(self, report: HostAnswerReport) -> None:
        """What the service did: the tree shows written values, the banner what went wrong."""
        answer = report.answer
        if answer is None:
            self.context.notify("warning", f"Cannot answer {report.raw}: {report.error}")
        elif report.error:
            self.context.notify("warning", report.error)
        elif not report.sent:
            if answer.written:
                data = self._server_tree()
                if data is not None:
                    data.apply_values(dict(answer.written), "host write")
                self._changed()
            if answer.problem:
                self.context.notify("warning", f"Host answer to {report.raw}: {answer.problem}")
        self._show_requests(self.pending_groups())


__all__ = ["HostRequestsBox"]
