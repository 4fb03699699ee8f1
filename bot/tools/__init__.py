"""Developer tools (bench, NLU evaluation): never imported at run time."""
