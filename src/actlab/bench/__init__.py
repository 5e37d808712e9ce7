"""Benchmarks as library functions that return data; ``actlab bench ...`` prints them.

Every timing is a ratio against a reference measured in the same run, interleaved with it so both
share the machine's noise, and summarised by the median over repeats. Nothing here asserts a
speed: the numbers are reported as measured.
"""
