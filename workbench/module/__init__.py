"""One module's behaviour, vendor-neutral: decoded events, the decoder base, the module state.

Also the generic parts every plugin shares: the AT → event pipeline, command templates and
answering host-managed object requests. Vendor syntax lives in the plugins, not here.
"""
