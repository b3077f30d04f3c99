"""QR decoding benchmarks."""
