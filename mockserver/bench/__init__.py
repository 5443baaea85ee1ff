"""`mockserver bench`: load mockserver like a gateway or an agent fleet would, and measure it."""

from mockserver.bench.matrix import run_matrix
from mockserver.bench.runner import Load, compare, factories, standard_scenarios

__all__ = ["Load", "compare", "factories", "run_matrix", "standard_scenarios"]
