"""Neural mass and mean-field models of neural populations."""
