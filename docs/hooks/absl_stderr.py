"""mkdocs hook: import absl's logging before the gallery captures stdout and stderr.

optax (used by the JAX fitting example) imports absl, whose log handler keeps the stream it
finds at import time. Imported inside the gallery run, that stream is the gallery's capture
object, and absl's handler fails at interpreter exit ("'_LoggingTee' object has no attribute
'close'"). Importing it here binds the handler to the real stderr.
"""

from __future__ import annotations

try:  # absl comes with optax/tensorflow; without them there is nothing to do
    import absl.logging  # noqa: F401
except ImportError:  # pragma: no cover - docs built without the JAX fitting extra
    pass
