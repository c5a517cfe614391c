"""Floor 3: one module per pipeline step. Pure functions: typed input and settings in, typed result out."""
