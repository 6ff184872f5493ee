"""Alias of PyRates 1.x's ``pyrates.ir.node``: ``clear_ir_caches``."""

from pyrates_frontend.utility import clear_ir_caches

__all__ = ["clear_ir_caches"]
