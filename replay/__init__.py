"""A deterministic local replay of the outlet, served over real HTTP for tests, demo and benchmarks."""
