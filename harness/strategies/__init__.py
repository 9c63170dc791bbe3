"""Hypothesis strategies for the inputs of differentiated functions."""

from harness.strategies._arrays import arrays

__all__ = ["arrays"]
