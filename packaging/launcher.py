"""Entry script of the frozen application: the same ``main`` as the ``lwm2m-workbench`` command."""

import os
import sys

if __name__ == "__main__":
    # A windowed Windows executable starts with no console: sys.stdout/stderr are None, and
    # anything that prints (argparse, logging) would raise. Send it nowhere instead.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

    from workbench.cli import main

    sys.exit(main())
