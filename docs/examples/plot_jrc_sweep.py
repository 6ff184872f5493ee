"""
# A parameter sweep as a heat map (Jansen-Rit)

`grid_search` runs every combination of two parameters of the one-node Jansen-Rit model
(`JRC2`) through one compiled model: the connectivity scale `C` and the extrinsic input
rate `u`. `pyrates_sweep.summarize` reduces each run to a few numbers (here the peak-to-peak
amplitude of the excitatory potential `V_e` and its dominant frequency) and
`pyrates_sweep.heatmap` draws them over the grid. With weak connectivity or a low input rate
the column sits at a fixed point; near Jansen and Rit's `C = 135` it produces the alpha
rhythm (about 10 Hz); stronger connectivity gives larger and slower, spike-like oscillations.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from pyrates import grid_search
from pyrates_sweep import heatmap, summarize

C = np.array([60.0, 100.0, 135.0, 170.0, 220.0, 270.0])  # 135: Jansen and Rit
u = np.linspace(50.0, 350.0, 6)
results, params = grid_search(
    circuit_template="model_templates.neural_mass_models.jansenrit.JRC2",
    param_grid={"C": C, "u": u},
    param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]},
               "u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}},
    permute_grid=True, simulation_time=2.0, step_size=1e-4, sampling_step_size=1e-3,
    outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
    solver="euler", cutoff=1.0,
)
print(params.shape[0], "parameter sets")

# %%
# One row per parameter set; columns (output, column, statistic).
summary = summarize(results, stats=("max", "min", "freq"))
col = "jrc/jrc_op/V_e"
amplitude = summary[("V_e", col, "max")] - summary[("V_e", col, "min")]
amplitude.name = "peak-to-peak V_e (V)"
frequency = summary[("V_e", col, "freq")].where(amplitude > 1e-4, 0.0)
frequency.name = "dominant frequency (Hz)"

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
heatmap(amplitude.clip(lower=1e-5), params, x="C", y="u", ax=axes[0], cmap="magma",
        norm=LogNorm(vmin=1e-5))                        # log scale: small alpha waves show
heatmap(frequency, params, x="C", y="u", ax=axes[1])
fig.tight_layout()
