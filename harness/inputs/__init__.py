"""What is checked: the caller's function and point, validated and flattened into leaves, the
structure its tangents keep, and the seeded random directions."""

from harness.inputs._structure import on_structure as on_structure

__all__ = ["on_structure"]
