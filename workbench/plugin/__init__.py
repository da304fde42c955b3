"""The plugin seam: the API module plugins import, and the loader that finds them.

External plugins import :mod:`workbench.plugin_api` (a re-export of :mod:`workbench.plugin.api`).
"""
