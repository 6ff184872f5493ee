"""Generic (phase and amplitude) oscillator models."""
