"""Floor 5: the synthetic sample generator (``benchmarks.samples``) and the throughput/accuracy benchmarks."""
