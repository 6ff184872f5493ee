"""
# Folds of a QIF population (continuation with AUTO-07p)

The mean-field QIF population of Montbrió, Pazó & Roxin (2015) with recurrent excitation is
bistable for a range of its mean excitability `eta`: a low-activity and a high-activity
equilibrium coexist between two fold (limit point) bifurcations. The Fortran backend writes
the model for AUTO-07p and follows the equilibrium branch in `eta`; stable parts are solid,
unstable parts dashed, and the folds `LP1`, `LP2` are marked.
"""

# %%
import matplotlib.pyplot as plt

from pyrates import CircuitTemplate
from pyrates_backend_fortran.continuation import AutoModel, plot_bifurcation

qif = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
model = AutoModel(qif)                                  # compiled in a temporary folder
start = model.steady_state(params={"eta": -10.0})       # start on the low-activity state
branch = model.equilibrium("eta", bounds=(-12.0, 0.0))
print(branch.special[["name", "type", "eta", "r"]])

# %%
fig, ax = plt.subplots(figsize=(6, 4))
plot_bifurcation(branch, x="eta", y="r", ax=ax)
ax.set(xlabel="mean excitability eta", ylabel="firing rate r",
       title="QIF population: bistability between two folds")
fig.tight_layout()
model.close()
