"""Embedding: a lookup table of learned vectors, one row per integer id (PyTorch's layout)."""

import numpy as np

import autograd as ag

from .. import functional as F
from .. import init
from ..module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """y = weight[ids] with weight of shape (num_embeddings, embedding_dim) ~ N(0, 1) as
    PyTorch; the row padding_idx starts at 0 and gets no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, _weight=None,
                 dtype=None):
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Embedding: {name} must be a positive int; got {n!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding({num_embeddings}, {embedding_dim}): padding_idx "
                                 f"{padding_idx} is out of range")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(ag.zeros(shape, dtype=dtype))
            self.reset_parameters()
        else:
            if np.shape(_weight) != shape:
                raise ValueError(f"Embedding({num_embeddings}, {embedding_dim}): weight of shape "
                                 f"{np.shape(_weight)} does not match {shape}")
            self.weight = Parameter(_weight, dtype=dtype)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding the given (num_embeddings, embedding_dim) weights, frozen by
        default."""
        if np.ndim(embeddings) != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-d weight, got shape "
                             f"{np.shape(embeddings)}")
        m = cls(*np.shape(embeddings), padding_idx=padding_idx, _weight=embeddings)
        m.weight.requires_grad_(not freeze)
        return m

    def reset_parameters(self):
        """weight ~ N(0, 1); the padding row 0."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        try:
            return F.embedding(input, self.weight, self.padding_idx)
        except (IndexError, TypeError) as e:
            raise type(e)(f"Embedding({self.num_embeddings}, {self.embedding_dim}): "
                          + str(e).removeprefix("embedding: ")) from None

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
