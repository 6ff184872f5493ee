"""Keep torch single-threaded on the 2-core CI machine (small tensors, less overhead)."""

import torch

torch.set_num_threads(1)
