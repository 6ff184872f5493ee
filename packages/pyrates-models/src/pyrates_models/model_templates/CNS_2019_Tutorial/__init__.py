"""Templates of the PyRates tutorial at the CNS 2019 meeting."""
