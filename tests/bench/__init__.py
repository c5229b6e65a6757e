"""Tests of the benchmarks in bench/: they run, and their tables are complete."""
