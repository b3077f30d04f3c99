"""Benchmarks (DESIGN §7): run as modules, e.g. `python -m bench.qr.bench_decode`."""
