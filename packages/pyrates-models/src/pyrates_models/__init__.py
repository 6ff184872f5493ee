"""PyRates model-template library.

The YAML templates live in the sub-package :mod:`pyrates_models.model_templates` and are
addressed by dotted paths such as ``model_templates.neural_mass_models.qif.qif`` (file
``model_templates/neural_mass_models/qif.yaml``, template ``qif``). The prefix
``model_templates`` is registered under the ``pyrates.templates`` entry-point group.
:func:`list_templates` enumerates the library.
"""

from __future__ import annotations

from pyrates_models.catalog import TEMPLATE_ROOT, list_templates, template_files

__all__ = ["TEMPLATE_ROOT", "__version__", "list_templates", "template_files"]

__version__ = "0.1.0"
