"""Reading printed text on a scanned page: ``base.TextReader`` is the port, ``tesseract`` the
real reader (libtesseract through ctypes, Vietnamese model loaded once), ``fake`` the test double.

The kiosk uses it to check that a scanned paper is the document the procedure asks for
(``kiosk.title_check``); nothing of the engine leaks past this package.
"""
