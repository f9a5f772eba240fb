"""Pure optimization computations (policies, multi-echelon, simulation): no Django, no I/O."""
