"""YAML template tree of the PyRates model library (``model_templates.<folder>.<file>.<name>``)."""
