"""The dashboard pages: each has a layout function and registers its callbacks."""
