"""The AT layer: framer (bytes → lines), engine (lines → classified lines and command results)
and the asyncio client on top. Pure Python, no I/O below :mod:`workbench.at.client`."""
