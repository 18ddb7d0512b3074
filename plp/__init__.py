"""The domain of the Peer-Learning Programmes, free of any web framework."""
