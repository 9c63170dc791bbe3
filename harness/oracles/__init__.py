"""Derivatives without AD: finite differences on ladders of steps with Richardson
extrapolation, the complex step, and the measured noise of the function that bounds them."""
