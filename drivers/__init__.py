"""Device drivers: one small Protocol per device kind (QR reader, document scanner, receipt
printer), real implementations and fakes with fault injection, chosen by configuration.

Vendor libraries (pyzbar, zxing-cpp, pyinsane2, python-escpos, pyserial, evdev, OpenCV capture)
are imported only inside this package, lazily, and their exceptions become ``DeviceError``s at
the boundary. Nothing here opens a device or starts a thread at import.
"""
