"""The test suite: library tests here, AppTest page tests in pages/, browser tests in e2e/."""
