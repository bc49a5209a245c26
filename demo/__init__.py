"""`flask demo seed`: believable demo data for a first look."""
