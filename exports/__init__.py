"""Writers that turn the graph into files other tools read."""
