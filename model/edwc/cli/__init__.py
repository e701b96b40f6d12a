"""The command line: every click command lives here; library modules never import it."""
