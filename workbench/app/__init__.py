"""The application's use cases, shared by the CLI and the window.

A module connection (port + AT client + decoder + state + session), sequences, guided connect,
the demo, the self-test and where the product's and the user's files are.
"""
