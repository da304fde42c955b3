"""JUnit XML of a scenario run: what CI servers (GitLab, Jenkins, GitHub actions) display.

One ``<testsuite>`` per scenario file, one ``<testcase>`` per step (comments are left out: they
are notes, not tests). A failed or timed-out step carries a ``<failure>`` whose message names
``file:line``, what was expected and what came, and whose text is the evidence (the AT lines or
CoAP messages that decided it); a step not run is ``<skipped>``. Written with the standard
library's ElementTree: we only ever write this format, never read it.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from workbench.app.scenario import FileReport, StepRecord
from workbench.app.sequences import Outcome


def failure_message(record: StepRecord) -> str:
    """``file:line: message (expected X, got Y)`` — one line a CI summary can show."""
    text = f"{record.where}: {record.message}"
    said = record.expected in record.message and record.got in record.message
    if (record.expected or record.got) and not said:
        text += f" (expected {record.expected or '?'}, got {record.got or '?'})"
    return text


def junit_tree(reports: Sequence[FileReport], name: str = "lwm2m-workbench") -> ET.ElementTree:
    """The JUnit document for ``reports`` (one testsuite per file)."""
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    total_time = 0.0
    for report in reports:
        records = [r for r in report.records if not r.text.startswith("#")]
        failures = sum(r.outcome.bad for r in records)
        skipped = sum(r.outcome in (Outcome.SKIPPED, Outcome.CANCELLED) for r in records)
        elapsed = sum(r.elapsed for r in records)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=report.name or report.file,
            file=report.file,
            tests=str(len(records)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
            time=f"{elapsed:.3f}",
        )
        for record in records:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=report.name or report.file,
                name=f"line {record.line}: {record.text}",
                file=record.file,
                line=str(record.line),
                time=f"{record.elapsed:.3f}",
            )
            if record.outcome.bad:
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=failure_message(record),
                    type=str(record.outcome),
                )
                failure.text = "\n".join(record.evidence) or record.message
            elif record.outcome in (Outcome.SKIPPED, Outcome.CANCELLED):
                ET.SubElement(case, "skipped", message=record.message or str(record.outcome))
            elif record.evidence:
                ET.SubElement(case, "system-out").text = "\n".join(record.evidence)
        totals["tests"] += len(records)
        totals["failures"] += failures
        totals["skipped"] += skipped
        total_time += elapsed
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(reports: Sequence[FileReport], path: str | os.PathLike[str]) -> None:
    """Write the JUnit XML (UTF-8, with declaration) to ``path``."""
    tree = junit_tree(reports)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


__all__ = ["failure_message", "junit_tree", "write_junit"]
