"""Performance measurements, run by ``python -m tests.benchmarks`` (not by pytest).

Each benchmark lives in its own module and registers itself in :mod:`.core`;
``__main__`` chooses which to run. See ``python -m tests.benchmarks --help``.
"""
