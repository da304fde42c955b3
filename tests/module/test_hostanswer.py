"""Generic host answering: due requests, grouping by URC line, a plugin's own answer style.

The answer syntax of the shipped modules is tested beside their plugins
(``tests/plugins/*/test_hostanswer.py``); here a third-party style in an invented ``+XLW``
dialect takes part through the same seam.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from tests.plugin_fixtures import PLUGINS_OK
from workbench.module.hostanswer import (
    Below,
    HostAnswer,
    HostAnswerer,
    Lookup,
    request_args,
)
from workbench.module.state import HostRequest
from workbench.plugin.loader import discover_plugins


class XlwAnswers:
    """``+XLWGET: <id>,<path>`` answered with ``AT+XLWVAL=<id>,<value>``."""

    def answer(
        self, group: Sequence[HostRequest], lookup: Lookup, below: Below | None
    ) -> HostAnswer:
        request = group[0]
        ident = request_args(request.raw)[0]
        value = lookup(request.path)
        if value is None:
            raise ValueError(f"no value for {request.path}")
        return HostAnswer([f"AT+XLWVAL={ident},{value}"], (request.line,), "read", [request.path])


def test_due_groups_by_line_and_forgets_answered_ones() -> None:
    answerer = HostAnswerer(XlwAnswers())
    requests = [
        HostRequest("read", "/9/0/1", None, 4, "+XLWGET: 7,/9/0/1"),
        HostRequest("read", "/9/0/2", None, 4, "+XLWGET: 7,/9/0/2"),
        HostRequest("read", "/9/0/3", None, 5, "+XLWGET: 8,/9/0/3"),
    ]
    groups = answerer.due(requests)
    assert [[r.path for r in g] for g in groups] == [["/9/0/1", "/9/0/2"], ["/9/0/3"]]
    answer = answerer.answer(groups[1], {"/9/0/3": 42}.get)
    assert answer.commands == ["AT+XLWVAL=8,42"]
    answerer.mark_answered(answer)
    assert [[r.path for r in g] for g in answerer.due(requests)] == [["/9/0/1", "/9/0/2"]]
    with pytest.raises(ValueError, match="no value"):
        answerer.answer(groups[0], {}.get)
    with pytest.raises(ValueError, match="nothing to answer"):
        answerer.answer([], {}.get)


def test_without_a_style_nothing_is_answered() -> None:
    answerer = HostAnswerer(None)
    request = HostRequest("read", "/9/0/1", None, 4, "+XLWGET: 7,/9/0/1")
    assert not answerer.supported
    with pytest.raises(ValueError, match="no host-managed objects"):
        answerer.answer([request], {}.get)


def test_request_args_reads_the_urc_arguments() -> None:
    assert request_args('+XLWGET: 7,"/9/0/1"') == ["7", "/9/0/1"]  # quotes removed
    with pytest.raises(ValueError, match="not a host request"):
        request_args("OK")


def test_a_third_party_plugin_takes_part_through_plugin_hooks() -> None:
    plugin = discover_plugins(user=False, entry_points=False, extra_dirs=[PLUGINS_OK]).get(
        "example"
    )
    assert plugin.host_answers is None and not plugin.host_answerer().supported
    assert plugin.module_view is None
    answering = dataclasses.replace(plugin, host_answers=XlwAnswers())
    answerer = answering.host_answerer()
    request = HostRequest("read", "/9/0/1", None, 4, "+XLWGET: 7,/9/0/1")
    assert answerer.answer([request], {"/9/0/1": "on"}.get).commands == ["AT+XLWVAL=7,on"]
    assert answering.host_answerer() is not answerer  # one per connection
