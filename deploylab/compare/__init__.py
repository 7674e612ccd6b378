"""`deploylab compare`: every model through one matrix, and a side-by-side report of the results.

profiles (the matrix as data) -> matrix (runs it: startup phase + runner runs per model) ->
collect (figures from run directories' summary.json) -> report (compare.json, COMPARISON.md, comparison.html).
"""
