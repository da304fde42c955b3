"""Bundled module plugins: one sub-package per module family (see ``workbench.plugin_api``)."""
