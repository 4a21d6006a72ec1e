"""Simulators and demo tooling: invented citizens and their QR codes, generated camera scenes and
scanned pages, the demo's device stand-ins and buttons, the scripted citizen, the impaired
network link, the reference gateway as a child process, and the demos themselves.

No production module imports this package (``tests/test_architecture.py``); the demo and the
tests compose it with the app, the sync process and the gateway.
"""
