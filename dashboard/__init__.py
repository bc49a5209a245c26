"""The staff overview."""
