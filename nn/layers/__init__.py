"""Layers at two granularities (scalar and tensor), activations and normalisation."""

from .activation import (ELU, GELU, Identity, LeakyReLU, LogSoftmax, Maxout, ReLU, Sigmoid,
                         Softmax, Softplus, Tanh)
from .linear import MLP, Linear
from .normalization import BatchNorm1d, Dropout, LayerNorm
from .perceptron import Perceptron
from .scalar import Layer, Neuron, ScalarMLP
from .conv import Conv1d, Conv2d, Conv3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d,
                      MaxPool2d)
from .channels import BatchNorm2d, Dropout2d
from .reshaping import Flatten, Unflatten

__all__ = ["ELU", "GELU", "Identity", "LeakyReLU", "LogSoftmax", "Maxout", "ReLU", "Sigmoid",
           "Softmax", "Softplus", "Tanh", "MLP", "Linear", "BatchNorm1d", "Dropout", "LayerNorm",
           "Perceptron", "Layer", "Neuron", "ScalarMLP"]
from .embedding import Embedding
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .attention import LearnedPositionalEncoding, MultiheadAttention, SinusoidalPositionalEncoding
from .transformer import (TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                          TransformerEncoderLayer)
from .activation import SiLU

__all__ += ["Embedding", "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell",
            "LearnedPositionalEncoding", "MultiheadAttention", "SinusoidalPositionalEncoding",
            "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
            "TransformerEncoderLayer", "SiLU"]
__all__ += ["Conv1d", "Conv2d", "Conv3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d",
            "AvgPool2d", "MaxPool1d", "MaxPool2d", "BatchNorm2d", "Dropout2d", "Flatten",
            "Unflatten"]
