"""Locust load tests for deploylab: users, load shapes and the exact per-request log."""
