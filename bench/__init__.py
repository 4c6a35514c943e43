"""Commonhold's benchmark suite: runnable scenarios that print tables of figures.

Nothing here runs in the test suite and nothing here asserts a timing. See bench/README.md.
"""
