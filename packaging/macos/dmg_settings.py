"""dmgbuild settings for the macOS disk image (``packaging/build.py`` runs it on macOS).

    dmgbuild -s packaging/macos/dmg_settings.py -D app="dist/LwM2M Module Workbench.app" \\
        "LwM2M Module Workbench" dist/lwm2m-workbench-VERSION-macos-arm64.dmg

dmgbuild executes this file with ``defines`` (the ``-D`` values) in its namespace; the window
shows the app beside a link to /Applications, the usual drag-to-install layout.
"""

import os.path

application = defines.get("app", "dist/LwM2M Module Workbench.app")  # noqa: F821
appname = os.path.basename(application)

format = "UDZO"  # zlib-compressed, readable on every supported macOS
filesystem = "HFS+"
size = None  # computed from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon_locations = {appname: (140, 120), "Applications": (500, 120)}
window_rect = ((200, 120), (640, 300))
default_view = "icon-view"
show_icon_preview = False
icon_size = 128
text_size = 13
