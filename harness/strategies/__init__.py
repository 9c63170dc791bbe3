"""Hypothesis strategies for the inputs of differentiated functions."""

from harness.programs._generator import op_names as op_names
from harness.programs._generator import programs as programs
from harness.programs._program import Program as Program
from harness.programs._rules import CustomRule as CustomRule
from harness.strategies._arrays import arrays as arrays
from harness.strategies._complex_domains import BRANCH_CUTS as BRANCH_CUTS
from harness.strategies._complex_domains import away_from_branch_cuts as away_from_branch_cuts
from harness.strategies._complex_domains import complex_plane as complex_plane
from harness.strategies._domains import away_from as away_from
from harness.strategies._domains import bounded as bounded
from harness.strategies._domains import positive as positive
from harness.strategies._domains import real_line as real_line
from harness.strategies._domains import unit_interval as unit_interval
from harness.strategies._dtypes import dtypes as dtypes
from harness.strategies._dtypes import shapes as shapes
from harness.strategies._matrices import distinct_singular_values as distinct_singular_values
from harness.strategies._matrices import orthogonal_matrices as orthogonal_matrices
from harness.strategies._matrices import spd_matrices as spd_matrices
from harness.strategies._matrices import (
    symmetric_distinct_eigenvalues as symmetric_distinct_eigenvalues,
)
from harness.strategies._matrices import well_conditioned_matrices as well_conditioned_matrices
from harness.strategies._pytrees import cotangents as cotangents
from harness.strategies._pytrees import pytrees as pytrees
from harness.strategies._pytrees import tangents as tangents

__all__ = [
    "BRANCH_CUTS",
    "CustomRule",
    "Program",
    "arrays",
    "away_from",
    "away_from_branch_cuts",
    "bounded",
    "complex_plane",
    "cotangents",
    "distinct_singular_values",
    "dtypes",
    "orthogonal_matrices",
    "op_names",
    "positive",
    "programs",
    "pytrees",
    "real_line",
    "shapes",
    "spd_matrices",
    "symmetric_distinct_eigenvalues",
    "tangents",
    "unit_interval",
    "well_conditioned_matrices",
]
