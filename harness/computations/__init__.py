"""The JAX programs behind one check: the derivative levels, their AD and oracle programs,
compiled once per function and traced once per shape."""
