"""Kiosk dịch vụ công: the citizen journey, the domain model and the composition root."""

__version__ = "0.1.0"
