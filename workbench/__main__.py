"""``python -m workbench`` is the same as ``lwm2m-workbench``."""

import sys

from workbench.cli import main

sys.exit(main())
