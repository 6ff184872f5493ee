"""
# Fitting a network with the fitting API (PyTorch and JAX backends)

`pyrates.fit` optimises template constants, edge weights and edge delays by gradient descent
through the simulation, on any backend with the `grad` capability (torch, tensorflow, jax).
Two coupled QIF populations are simulated with a known coupling weight (8) and time constant
(1); a copy with both values 15 % off is fitted back to that trace with L-BFGS (torch.optim),
and the fitted values are written into the template. The same call with `backend="jax"` uses
`jax.grad` and optax's L-BFGS.
"""

# %%
import matplotlib.pyplot as plt

from pyrates import CircuitTemplate
from pyrates_frontend.fitting import fit

QIF = "model_templates.neural_mass_models.qif.qif_pop"


def pair(weight: float, tau: float) -> CircuitTemplate:
    """Two QIF populations, p1 -> p2 with ``weight``, p2 -> p1 with 4; p1's time constant tau."""
    c = CircuitTemplate("pair", nodes={"p1": QIF, "p2": QIF}, edges=[
        ("p1/qif_op/r", "p2/qif_op/r_in", None, {"weight": weight}),
        ("p2/qif_op/r", "p1/qif_op/r_in", None, {"weight": 4.0})])
    c.update_var(node_vars={"p1/qif_op/tau": tau, "p1/qif_op/eta": -3.0,
                            "p2/qif_op/eta": -4.0, "p2/qif_op/tau": 0.8})
    return c


outputs = {"r1": "p1/qif_op/r", "r2": "p2/qif_op/r"}
run = {"simulation_time": 6.0, "step_size": 1e-2, "outputs": outputs, "backend": "torch",
       "verbose": False}
target = pair(8.0, 1.0).run(**run)                 # the "data"
before = pair(6.8, 1.15).run(**run)                # a fresh copy: a run moves a circuit's state
model = pair(6.8, 1.15)
result = fit(model, ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight")],
             target, outputs, simulation_time=6.0, step_size=1e-2,
             backend="torch", optimizer="lbfgs", learning_rate=1.0, epochs=3)
for name, value in result.values.items():
    print(f"{name}: {value:.4f}")             # true: tau 1, weight 8
after = model.run(**run)

# %%
# The same fit with JAX (`pip install "pyrates-backend-jax[fit]"` for optax)
jax_result = fit(pair(6.8, 1.15), ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight")],
                 target, outputs, simulation_time=6.0, step_size=1e-2, backend="jax",
                 optimizer="lbfgs", learning_rate=1.0, epochs=12)
for name, value in jax_result.values.items():
    print(f"jax {name}: {value:.4f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, key in zip(axes, ("r1", "r2"), strict=True):
    ax.plot(target.index, target[key], lw=3, color="0.75", label="target")
    ax.plot(before.index, before[key], "--", label="before fitting")
    ax.plot(after.index, after[key], label="fitted")
    ax.set(xlabel="time", title=f"population {key[1]}")
axes[0].set_ylabel("firing rate r")
axes[0].legend()
fig.tight_layout()
