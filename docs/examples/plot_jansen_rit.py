"""
# The Jansen–Rit alpha rhythm

The Jansen–Rit circuit (pyramidal cells, excitatory and inhibitory interneurons) from the model
library, simulated for two seconds. Its pyramidal-cell membrane potential oscillates in the alpha
band (8–12 Hz).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import welch

from pyrates import CircuitTemplate

jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
res = jrc.run(simulation_time=2.0, step_size=1e-4, sampling_step_size=1e-3, solver="heun",
              outputs={"V_pce": "pc/rpo_e_in/v", "V_pci": "pc/rpo_i/v"})
v = res["V_pce"] + res["V_pci"]

# %%
# The membrane potential and its spectrum, after a transient of 0.5 s:
steady = v[v.index >= 0.5].to_numpy()
freqs, power = welch(steady - steady.mean(), fs=1e3, nperseg=1024)
peak = freqs[np.argmax(power)]
print(f"dominant frequency: {peak:.1f} Hz")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot(v.index, v.to_numpy())
ax1.set(xlabel="time (s)", ylabel="V (mV)", title="pyramidal cells")
ax2.semilogy(freqs, power)
ax2.axvline(peak, color="tab:red", ls="--")
ax2.set(xlabel="frequency (Hz)", ylabel="power", xlim=(0, 40), title=f"peak {peak:.1f} Hz")
fig.tight_layout()
