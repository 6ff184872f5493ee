"""PyRates JAX backend: ``jax.numpy`` code, a jitted ``lax.scan`` loop, vmap and grad."""

from pyrates_backend_jax.backend import JaxBackend, Simulation

__all__ = ["JaxBackend", "Simulation"]
__version__ = "0.1.0"
