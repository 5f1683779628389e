"""OAI-PMH 2.0 at /oai/: the catalogue for harvesters (libraries, Google Scholar, policy indexes)."""
