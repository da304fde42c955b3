"""Qt-free models of what the panels draw: the object tree, the timeline, FOTA progress.

The window's panels only render these; tests check them without Qt.
"""
