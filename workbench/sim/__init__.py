"""Emulated modules: the AT side every vendor simulator shares (:mod:`workbench.sim.base`)."""
