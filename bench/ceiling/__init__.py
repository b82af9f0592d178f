"""The benchmark's ceiling: the board's settings and middleware, one constant page, one query.

bench/run_benchmark.py serves it with the same gunicorn configuration as the board; how fast
it answers is the most any page of the board could answer on this machine.
"""
