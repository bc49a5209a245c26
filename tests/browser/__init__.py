"""A package, so that pytest imports this directory's conftest.py as `browser.conftest`: it
does not shadow tests/conftest.py, which other tests import as `conftest`."""
