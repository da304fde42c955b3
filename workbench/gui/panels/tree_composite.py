"""The object tree's composite operations on a multi-selection (LwM2M 1.1).

With two or more rows selected, "Read selected (composite)", "Observe selected (composite)"
(and its cancel) and "Write selected (composite)…" send one Read-/Observe-/Write-Composite to
the registered client. Results land on each row as the single operations' do (value and a
"… (composite)" status; notifications through the tree's own queue), and a refusal (LwM2M 1.0,
4.05, 4.15) is said in the window's banner and on every row, never as a traceback. What a
selection allows and what goes into a request is decided in :mod:`workbench.viewmodel.composite`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from workbench.gui.panels.value_editors import ValueEditor, _Dialog, make_editor
from workbench.lwm2m.errors import PathError, ValueValidationError
from workbench.lwm2m.model import ResourceDefinition
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.viewmodel.composite import (
    OBSERVE_SOURCE,
    READ_SOURCE,
    WRITE_SOURCE,
    CompositeSelection,
    allowed_composite,
    composite_targets,
    observation_key,
    refusal_message,
    writable_resources,
    write_payload,
)
from workbench.viewmodel.objecttree import ObjectTreeData

if TYPE_CHECKING:
    from workbench.gui.panels.object_tree import ObjectTreePanel

#: (action key, menu text, toolbar text, tool tip), in the menu's order.
ACTIONS = (
    ("read_composite", "Read selected (composite)", "Read sel.",
     "Read-Composite of the selected paths"),
    ("observe_composite", "Observe selected (composite)", "Observe sel.",
     "Observe-Composite of the selected paths"),
    ("cancel_composite", "Cancel composite obs.", "Cancel sel.",
     "Cancel the composite observation of the selected paths"),
    ("write_composite", "Write selected (composite)…", "Write sel.…",
     "Write-Composite of the selected resources"),
)  # fmt: skip


class CompositeWriteDialog(_Dialog):
    """One typed editor per selected writable resource (the single Write's editors)."""

    def __init__(
        self,
        paths: list[Path],
        definition: Callable[[Path], ResourceDefinition | None],
        current: Callable[[Path], Value],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Write-Composite of {len(paths)} resources", parent)
        self._definition = definition
        self.editors: dict[Path, ValueEditor] = {}
        self.form.addRow("", QLabel("One iPATCH on the root carries every value below.", self))
        for path in paths:
            d = definition(path)
            editor = make_editor(d, self)
            value = current(path)
            if value is not None:
                editor.set_value(value)
            name = d.name if d is not None else "unknown resource"
            kind = d.type.label if d is not None else "unknown"
            self.form.addRow(f"{path}  {name} ({kind})", editor)
            self.editors[path] = editor
        self.result_values: dict[Path, Value] = {}

    def validate(self) -> None:
        values = {path: editor.value() for path, editor in self.editors.items()}
        try:
            self.result_values = write_payload(values, self._definition)
        except ValueError as exc:
            raise ValueValidationError(str(exc)) from None


class TreeComposite:
    """The composite actions of one :class:`ObjectTreePanel` and the requests they start."""

    def __init__(self, panel: ObjectTreePanel) -> None:
        self.panel = panel
        self.actions: dict[str, QAction] = {}
        slots: dict[str, Callable[[], Any]] = {
            "read_composite": self.read_selected,
            "observe_composite": self.observe_selected,
            "cancel_composite": self.cancel_selected,
            "write_composite": self.write_selected,
        }
        panel.toolbar.addSeparator()
        for key, text, short, tip in ACTIONS:
            action = QAction(text, panel)
            action.setIconText(short)  # the toolbar is narrow; the menu has the full text
            action.setToolTip(f"{tip} (select 2+ rows with Ctrl or Shift)")
            action.triggered.connect(lambda _checked=False, s=slots[key]: s())
            action.setEnabled(False)
            self.actions[key] = action
            panel.toolbar.addAction(action)

    # -- selection ----------------------------------------------------------------------------
    def selected_paths(self) -> list[Path]:
        """The selected rows' paths, in tree order (a composite's request order)."""
        from workbench.gui.panels.object_tree import PathData  # the panel imports this module

        out: list[Path] = []
        for item in self.panel.tree.selectedItems():
            key = item.data(0, PathData)
            if isinstance(key, str) and key:
                try:
                    out.append(Path.parse(key))
                except PathError:
                    continue
        return composite_targets(out)

    def _version(self) -> str:
        server = self.panel.context.server
        record = getattr(server, "clients", {}).get(self.panel.endpoint) if server else None
        return str(getattr(record, "lwm2m_version", "") or "")

    def update_actions(self) -> None:
        p = self.panel
        paths = self.selected_paths()
        data = p.current_data()
        defs = {}
        if data is not None:
            for path in paths:
                d = data.definition(path) if path.resource_id is not None else None
                if d is not None:
                    defs[path] = d
        server = p.context.server
        observed = (
            server is not None
            and bool(p.endpoint)
            and len(paths) >= 2
            and server.find_observation(p.endpoint, observation_key(paths)) is not None
        )
        selection = CompositeSelection(
            tuple(paths),
            p.view == "server",
            live=not p.recorded,
            has_client=bool(p.endpoint) and server is not None,
            lwm2m_version=self._version(),
            definitions=defs,
            observed=observed,
        )
        for name, allowed in allowed_composite(selection).items():
            self.actions[name].setEnabled(allowed)

    def multi(self) -> bool:
        return len(self.selected_paths()) >= 2

    # -- requests -----------------------------------------------------------------------------
    def _run(
        self,
        paths: list[Path],
        what: str,
        call: Callable[[Any, str], Awaitable[Any]],
        done: Callable[[Any], None],
    ) -> Any:
        """Start ``call(server, endpoint)``; a refusal goes to the banner and to every row."""
        p = self.panel
        server, ep = p.context.server, p.endpoint
        if p.recorded:
            p.context.notify("warning", f"{p.recorded} is a recorded session (read-only).")
            return None
        if server is None or not ep:
            p.context.notify("warning", "No registered client to talk to.")
            return None
        version = self._version()
        keys = [str(x) for x in paths]
        for key in keys:
            p._busy[key] = f"{what} (composite)…"
        p.schedule_refresh()

        async def body() -> None:
            data = p.server_data.setdefault(ep, ObjectTreeData(p.registry))
            try:
                result = await call(server, ep)
            except Exception as exc:  # refused observe, timeouts, encoding errors...
                text = str(exc) or type(exc).__name__
                if isinstance(exc, TimeoutError):
                    text = f"timeout ({text})" if str(exc) else "timeout"
                # A refused Observe-Composite raises with the answer's code in its text.
                code = next((c for c in ("4.05", "4.15") if c in text), text)
                self._refused(ep, paths, what, code, version)
            else:
                code = getattr(result, "code", "2.05")
                if isinstance(code, str) and not code.startswith("2."):
                    self._refused(ep, paths, what, code, version)
                else:
                    for path in paths:
                        data.set_error(path, "")
                    done(result)
            finally:
                for key in keys:
                    p._busy.pop(key, None)
                p.schedule_refresh()

        return p.context.run_soon(body())

    def _refused(self, ep: str, paths: list[Path], what: str, code: str, version: str) -> None:
        text = refusal_message(what, code, version)
        data = self.panel.server_data.setdefault(ep, ObjectTreeData(self.panel.registry))
        for path in paths:
            data.set_error(path, text)
        self.panel.context.notify("warning", f"{ep}: {text}")

    def _apply(self, ep: str, values: dict[Path, Value], source: str) -> None:
        data = self.panel.server_data.setdefault(ep, ObjectTreeData(self.panel.registry))
        data.apply_values(values, source)
        self.panel.schedule_refresh()

    def read_selected(self) -> Any:
        return self.read(self.selected_paths())

    def read(self, paths: list[Path]) -> Any:
        ep = self.panel.endpoint
        return self._run(
            paths,
            "read",
            lambda s, e: s.read_composite(e, paths),
            lambda r: self._apply(ep, dict(r.values), READ_SOURCE),
        )

    def observe_selected(self) -> Any:
        return self.observe(self.selected_paths())

    def observe(self, paths: list[Path]) -> Any:
        p = self.panel
        ep = p.endpoint

        def done(obs: Any) -> None:
            data = p.server_data.setdefault(ep, ObjectTreeData(p.registry))
            for path in paths:
                data.set_observed(path, True)
            self._apply(ep, dict(obs.initial.values), OBSERVE_SOURCE)

        return self._run(
            paths, "observe", lambda s, e: s.observe_composite(e, paths, callback=p.notified), done
        )

    def cancel_selected(self) -> Any:
        return self.cancel(self.selected_paths())

    def cancel(self, paths: list[Path]) -> Any:
        p = self.panel
        ep = p.endpoint

        async def cancel(server: Any, endpoint: str) -> Any:
            # A composite has no GET to cancel with: the token is forgotten (passive cancel).
            await server.cancel_observation(endpoint, observation_key(paths), active=False)
            return None

        def done(_r: Any) -> None:
            data = p.server_data.setdefault(ep, ObjectTreeData(p.registry))
            for path in paths:
                data.set_observed(path, False)

        return self._run(paths, "cancel", cancel, done)

    def write_selected(self) -> Any:
        p = self.panel
        data = p.current_data()
        if data is None:
            return None
        targets = writable_resources(self.selected_paths(), data.definition)
        if not targets:
            return None
        dialog = CompositeWriteDialog(targets, data.definition, data.value, p)
        if dialog.exec() != CompositeWriteDialog.DialogCode.Accepted:
            return None
        return self.write(dialog.result_values)

    def write(self, values: dict[Path, Value]) -> Any:
        ep = self.panel.endpoint
        content = dict(values)
        return self._run(
            sorted(content),
            "write",
            lambda s, e: s.write_composite(e, content),
            lambda _r: self._apply(ep, content, WRITE_SOURCE),
        )
