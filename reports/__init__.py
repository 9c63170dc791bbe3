"""Reports built with pandas from benchmark results (tables and plots)."""
