"""Services: the verbs of the School, each a plain function over a session."""
