"""chainrule's nn: neural networks composed only of autograd operations.

    >>> import autograd as ag, nn
    >>> model = nn.MLP(2, [16, 16, 1])                 # Linear layers, ReLU between them
    >>> loss = nn.MSELoss()(model(ag.randn(8, 2)), ag.zeros(8, 1))
    >>> loss.backward()                                # gradients from autograd's VJPs alone

No derivative formula lives in this package (a test checks the sources).
"""

from ._autograd_check import check_autograd as _check_autograd

_check_autograd()                   # before anything imports autograd's names

from . import data, functional, init, optim, schedulers, utils  # noqa: E402
from . import transforms  # noqa: E402
from .data import DataLoader
from .layers import (ELU, GELU, MLP, BatchNorm1d, Dropout, Identity, Layer, LayerNorm,
                     LeakyReLU, Linear, LogSoftmax, Maxout, Neuron, Perceptron, ReLU, ScalarMLP,
                     Sigmoid, Softmax, Softplus, Tanh)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, HuberLoss, L1Loss,
                     MSELoss, MultiMarginLoss, NLLLoss, PerceptronLoss)
from .module import Module, ModuleList, Parameter, Sequential
from .utils import clip_grad_norm_, clip_grad_value_
from .serialization import FileFormatError, load, save
from .onnx_export import export_onnx
from .train import EarlyStopping, History, fit
from .layers import (GRU, LSTM, RNN, Embedding, GRUCell, LearnedPositionalEncoding, LSTMCell,
                     MultiheadAttention, RNNCell, SiLU, SinusoidalPositionalEncoding,
                     TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                     TransformerEncoderLayer)
from .summary import summary
from .layers import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm2d,
                     Conv1d, Conv2d, Conv3d, Dropout2d, Flatten, MaxPool1d, MaxPool2d, Unflatten)

__all__ = ["data", "functional", "init", "optim", "schedulers", "utils", "DataLoader", "Module",
           "ModuleList", "Parameter", "Sequential", "clip_grad_norm_", "clip_grad_value_",
           "FileFormatError", "load", "save", "EarlyStopping", "History", "fit", "export_onnx"]
__all__ += ["transforms", "summary"]
__all__ += layers.__all__ + losses.__all__
