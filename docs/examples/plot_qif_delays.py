"""
# Two QIF populations with delayed coupling

Two mean-field populations of quadratic integrate-and-fire neurons (Montbrió, Pazó & Roxin,
2015) excite each other through edges with a discrete delay (a → b) and a gamma-distributed
delay (b → a). A brief input to population `a` travels to `b` after the delay.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from pyrates import CircuitTemplate, NodeTemplate

qif = NodeTemplate.from_yaml("model_templates.neural_mass_models.qif.qif_pop")
net = CircuitTemplate("net", nodes={"a": qif, "b": qif},
                      edges=[("a/qif_op/r", "b/qif_op/r_in", None, {"weight": 12.0, "delay": 2.0}),
                             ("b/qif_op/r", "a/qif_op/r_in", None,
                              {"weight": 2.0, "delay": 3.0, "spread": 0.5})])

dt, T = 1e-3, 30.0
n = int(round(T / dt))
drive = np.zeros((n, 1))
drive[int(5.0 / dt):int(6.0 / dt)] = 6.0          # a 1 s pulse into population a
res = net.run(simulation_time=T, step_size=dt, sampling_step_size=1e-2, solver="heun",
              inputs={"a/qif_op/I_ext": drive},
              outputs={"r_a": "a/qif_op/r", "r_b": "b/qif_op/r"})
print(res.max())

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(res.index, res["r_a"], label="a (driven)")
ax.plot(res.index, res["r_b"], label="b (2 s later)")
ax.axvspan(5.0, 6.0, color="0.9", label="input")
ax.set(xlabel="time", ylabel="firing rate r", title="delayed propagation")
ax.legend()
fig.tight_layout()
