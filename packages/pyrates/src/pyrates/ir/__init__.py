"""Alias of PyRates 1.x's ``pyrates.ir``: only ``clear_ir_caches`` (the IR is ``pyrates_core``)."""

from pyrates_frontend.utility import clear_ir_caches

__all__ = ["clear_ir_caches"]
