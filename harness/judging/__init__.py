"""Verdicts: AD results against oracle estimates within the budget, linearity in the
direction, and exact identities between two AD computations."""
