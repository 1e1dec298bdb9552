"""Measurements that need a live server or take minutes; never part of the test suite."""
