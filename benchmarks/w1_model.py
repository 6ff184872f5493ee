"""Workload W1: Wilson–Cowan E/I populations on the 80-region connectome with delays.

Model (per node i, time in ms, as in neurolib's Wilson–Cowan model without noise)::

    tau_E E_i' = -E_i + (1 - E_i) S_E(c_EE E_i - c_IE I_i + P_E + K sum_j C_ij E_j(t - D_ij))
    tau_I I_i' = -I_i + (1 - I_i) S_I(c_EI E_i - c_II I_i + P_I)
    S_X(x)     = 1 / (1 + exp(-a_X (x - mu_X)))

with delays D_ij = lengthMat_ij / 20 (mm / (m/s) = ms) rounded to the step, K = 0.6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gw_80.npz"
PARAMS = {"tau_E": 2.5, "tau_I": 3.75, "c_EE": 16.0, "c_IE": 15.0, "c_EI": 12.0, "c_II": 3.0,
          "a_E": 1.5, "a_I": 1.5, "mu_E": 3.0, "mu_I": 3.0, "P_E": 0.65, "P_I": 0.0}
K_GLOBAL = 0.6
SPEED = 20.0  # m/s = mm/ms


def load_connectome(dt: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Weights [target, source] and delays (ms, rounded to multiples of dt)."""
    data = np.load(DATA)
    cmat = np.asarray(data["Cmat"], dtype=float)
    delays = np.round(np.asarray(data["lengthMat"], dtype=float) / SPEED / dt) * dt
    return cmat, delays


def wc_circuit(cmat: np.ndarray, delays: np.ndarray):
    """The W1 network as a PyRates circuit (templates written in Python)."""
    from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate

    op = OperatorTemplate(
        "wc_op",
        equations=[
            "d/dt * E = (-E + (1 - E) * sigmoid(a_E*(c_EE*E - c_IE*I_p + P_E + K*E_in - mu_E)))"
            " / tau_E",
            "d/dt * I_p = (-I_p + (1 - I_p) * sigmoid(a_I*(c_EI*E - c_II*I_p + P_I - mu_I)))"
            " / tau_I",
        ],
        variables={"E": "output(0.05)", "I_p": "variable(0.05)", "E_in": "input(0.0)",
                   "K": K_GLOBAL, **PARAMS})
    node = NodeTemplate("wc_node", operators=[op])
    n = cmat.shape[0]
    names = [f"n{i}" for i in range(n)]
    circuit = CircuitTemplate("w1", nodes={nm: node for nm in names})
    circuit.add_edges_from_matrix("wc_op/E", "wc_op/E_in", names, weight=cmat,
                                  edge_attr={"delay": delays})
    return circuit


def reference_numba(cmat: np.ndarray, delays: np.ndarray, dt: float, n_steps: int):
    """Hand-written numba Euler loop of the same model (the speed reference)."""
    import numba

    tau_e, tau_i = PARAMS["tau_E"], PARAMS["tau_I"]
    c_ee, c_ie, c_ei, c_ii = PARAMS["c_EE"], PARAMS["c_IE"], PARAMS["c_EI"], PARAMS["c_II"]
    a_e, a_i, mu_e, mu_i = PARAMS["a_E"], PARAMS["a_I"], PARAMS["mu_E"], PARAMS["mu_I"]
    p_e, p_i, k_gl = PARAMS["P_E"], PARAMS["P_I"], K_GLOBAL
    n = cmat.shape[0]
    dsteps = np.round(delays / dt).astype(np.int64)
    max_d = int(dsteps.max()) + 1

    @numba.njit(cache=False)
    def loop(cmat, dsteps, n_steps):
        hist = np.full((max_d, n), 0.05)
        e = np.full(n, 0.05)
        i_ = np.full(n, 0.05)
        out = np.empty((n_steps, n))
        for step in range(n_steps):
            pos = step % max_d
            hist[pos] = e
            new_e = np.empty(n)
            for a in range(n):
                acc = 0.0
                for b in range(n):
                    w = cmat[a, b]
                    if w != 0.0:
                        acc += w * hist[(pos - dsteps[a, b]) % max_d, b]
                x = a_e * (c_ee * e[a] - c_ie * i_[a] + p_e + k_gl * acc - mu_e)
                new_e[a] = e[a] + dt * (-e[a] + (1 - e[a]) / (1 + np.exp(-x))) / tau_e
                y = a_i * (c_ei * e[a] - c_ii * i_[a] + p_i - mu_i)
                i_[a] = i_[a] + dt * (-i_[a] + (1 - i_[a]) / (1 + np.exp(-y))) / tau_i
            e = new_e
            out[step] = e
        return out

    return loop, (cmat, dsteps, n_steps)
