"""The "Refresh network info" template every plugin gets (through ``COMMON_TEMPLATES``).

One command line that asks for everything the network card shows, concatenated with ``;`` as
ITU-T V.250 §5.2.1 allows, so a single click (or a sequence step) refreshes the card and adds a
point to each signal trend. ``+CEREG=4`` first so the ``+CEREG?`` answer carries the reject
cause and the PSM timers the network granted (TS 27.007 §10.1.22); it also leaves the URCs in
that mode, which the shared decoder reads as well. The IMSI (``+CIMI``) is a separate template
because its answer has no prefix and is only recognised alone.
"""

from __future__ import annotations

from workbench.at.syntax import CommandForm
from workbench.module.templates import CommandTemplate, DocRef

#: The commands, in the order they are sent.
NETWORK_QUERIES = (
    "+CEREG=4",
    "+CEREG?",
    "+CESQ",
    "+CSQ",
    "+COPS?",
    "+CPSMS?",
    "+CEDRXS?",
    "+CEDRXRDP",
    "+CGDCONT?",
    "+CGPADDR",
)

REFRESH_NETWORK_INFO = CommandTemplate(
    "refresh_network",
    # An EXECUTE template renders "AT" + command: the chain after the first "+" is the
    # V.250 concatenation of the other commands.
    ";".join(NETWORK_QUERIES),
    CommandForm.EXECUTE,
    summary="Refresh network info (registration, signal, PSM/eDRX, APN, IP)",
    help=(
        "Sends "
        + "; ".join("AT" + q if i == 0 else q for i, q in enumerate(NETWORK_QUERIES))
        + " as one line; the network card and the signal trends update from the answers."
    ),
    doc=DocRef("3GPP TS 27.007", "7.38, 7.40, 7.42, 8.5, 8.69, 10.1.1, 10.1.14, 10.1.22"),
    timeout=15.0,
)
