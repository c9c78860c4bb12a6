"""Layers at two granularities (scalar and tensor), activations and normalisation."""

from .activation import (ELU, GELU, Identity, LeakyReLU, LogSoftmax, Maxout, ReLU, Sigmoid,
                         Softmax, Softplus, Tanh)
from .linear import MLP, Linear
from .normalization import BatchNorm1d, Dropout, LayerNorm
from .perceptron import Perceptron
from .scalar import Layer, Neuron, ScalarMLP

__all__ = ["ELU", "GELU", "Identity", "LeakyReLU", "LogSoftmax", "Maxout", "ReLU", "Sigmoid",
           "Softmax", "Softplus", "Tanh", "MLP", "Linear", "BatchNorm1d", "Dropout", "LayerNorm",
           "Perceptron", "Layer", "Neuron", "ScalarMLP"]
