"""Browser tests: a live server driven by Chromium through Playwright (marked e2e)."""
