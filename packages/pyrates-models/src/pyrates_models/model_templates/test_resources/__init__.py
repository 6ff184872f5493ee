"""Small test models of PyRates 1.x (``model_templates.test_resources.test_backend``)."""
