"""The citizen touchscreen app: Qt Quick screens and their Python view-models."""
