"""Pure forecasting computations on numpy arrays and pandas frames: no Django, no I/O."""
