"""The "Hire Tech Talent" lead pipeline."""
