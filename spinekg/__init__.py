"""spinekg: a knowledge graph of spine procedure codes (the CLI and HTTP server sit here)."""
__version__ = "0.1.0"
