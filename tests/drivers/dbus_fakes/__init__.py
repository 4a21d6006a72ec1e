"""Test-only fake system services (NetworkManager, udisks2) served on a private D-Bus bus, and
the harness that starts the bus daemon and a fake for a test."""
