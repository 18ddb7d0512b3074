"""End-to-end tests: a real browser against a running server."""
