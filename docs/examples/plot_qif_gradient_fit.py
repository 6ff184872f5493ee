"""
# Fitting parameters by gradient descent (JAX backend)

The JAX backend runs a simulation as a pure JAX function of the model's parameters, so
`jax.grad` differentiates a loss through the whole time loop. Here the excitability `eta` and
the heterogeneity `Delta` of a QIF population are recovered from a firing-rate trace: the
trace is simulated with known values, and SciPy's L-BFGS-B, given the loss and its exact
gradient from JAX, finds them again from a poor first guess.
"""

# %%
import tempfile

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import minimize

from pyrates import CircuitTemplate, NodeTemplate
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.registry import get_backend

pop = NodeTemplate.from_yaml("model_templates.neural_mass_models.qif.qif_pop")
circuit = CircuitTemplate("pop", nodes={"p": pop})
system = compile_network(circuit.network())
labels = system.labels()                                  # frontend path -> (parameter, element)
eta, delta = labels["p/qif_op/eta"][0], labels["p/qif_op/Delta"][0]
r_name, r_index = labels["p/qif_op/r"]

backend = get_backend("jax")
dt, T = 2e-3, 5.0
workdir = tempfile.TemporaryDirectory()                   # nothing is written to the cwd
model = backend.load(backend.generate(system, CodegenOptions(solver="rk4", step_size=dt)),
                     workdir.name)
request = SimulationRequest(simulation_time=T, step_size=dt, solver="rk4",
                            sampling_step_size=1e-2, outputs={"r": (r_name, np.array([r_index]))})
sim = backend.simulation(model, request)


def rate(params: dict) -> jax.Array:
    """The firing rate for the given parameter values (a pure JAX function)."""
    return sim.run(params)[0]["r"][:, 0]


true = {eta: jnp.asarray(-2.0), delta: jnp.asarray(1.0)}
target = rate(true)


def loss(x: jax.Array) -> jax.Array:
    """Mean squared difference between the simulated and the target rate, relative."""
    return jnp.mean((rate({eta: x[0], delta: x[1]}) - target) ** 2) / jnp.mean(target ** 2)


value_and_grad = jax.jit(jax.value_and_grad(loss))
history: list[float] = []


def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Loss and gradient as NumPy values, for SciPy."""
    val, grad = value_and_grad(jnp.asarray(x))
    history.append(float(val))
    return float(val), np.asarray(grad)


guess = np.array([-6.0, 0.4])
fit = minimize(objective, guess, jac=True, method="L-BFGS-B",
               bounds=[(-10.0, 2.0), (0.05, 5.0)], options={"ftol": 1e-14, "gtol": 1e-10})
print(f"eta = {fit.x[0]:.4f} (true -2), Delta = {fit.x[1]:.4f} (true 1) "
      f"after {fit.nit} iterations; loss {fit.fun:.2e}")

# %%
t = np.arange(target.shape[0]) * request.sampling_step_size
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot(t, target, lw=3, color="0.75", label="target (eta = -2, Delta = 1)")
ax1.plot(t, rate({eta: guess[0], delta: guess[1]}), "--", label="first guess")
ax1.plot(t, rate({eta: fit.x[0], delta: fit.x[1]}), label="fitted")
ax1.set(xlabel="time", ylabel="firing rate r")
ax1.legend()
ax2.semilogy(history)
ax2.set(xlabel="loss evaluation", ylabel="loss", title="L-BFGS-B with jax.grad")
fig.tight_layout()
workdir.cleanup()
