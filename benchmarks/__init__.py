"""Benchmarks run by hand against a demo School; the application never imports them."""
