"""matmul (1-d, 2-d, batched with broadcasting), tensordot and einsum: forward against NumPy,
first and second derivatives against central differences."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import broadcastable_shapes, gradcheck, gradgradcheck, tensors


def check(fn, npfn, *xs):
    got = fn(*xs)
    want = npfn(*[x.data for x in xs])
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs, seed=0)


side = st.integers(1, 3)


@given(data=st.data())
def test_matmul_all_ranks(data):
    """1-d @ 1-d, 1-d @ n-d, n-d @ 1-d and batched n-d @ n-d with broadcast batch axes."""
    n, k, m = data.draw(side), data.draw(side), data.draw(side)
    bx, by = data.draw(broadcastable_shapes(2, max_dims=2, max_side=2))
    x_shape = data.draw(st.sampled_from([(k,), bx + (n, k)]))
    y_shape = data.draw(st.sampled_from([(k,), by + (k, m)]))
    x = data.draw(tensors(shape=x_shape))
    y = data.draw(tensors(shape=y_shape))
    check(lambda a, b: a @ b, np.matmul, x, y)
    check(ag.matmul, np.matmul, x, y)


def test_matmul_with_numpy_operand_on_either_side():
    w = np.arange(6.0).reshape(2, 3)
    x = ag.Tensor(np.ones((3, 2)), requires_grad=True)
    np.testing.assert_array_equal((w @ x).data, w @ np.ones((3, 2)))
    (w @ x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, w.T @ np.ones((2, 2)))


@given(data=st.data())
def test_tensordot(data):
    a_free = tuple(data.draw(st.lists(side, max_size=2)))
    b_free = tuple(data.draw(st.lists(side, max_size=2)))
    shared = tuple(data.draw(st.lists(side, max_size=2)))
    a = data.draw(tensors(shape=a_free + shared))
    b = data.draw(tensors(shape=shared + b_free))
    nax = len(shared)
    check(lambda x, y: ag.tensordot(x, y, axes=nax), lambda x, y: np.tensordot(x, y, nax), a, b)


def test_tensordot_explicit_axes():
    a = ag.randn(3, 4, 2, requires_grad=True)
    b = ag.randn(2, 5, 3, requires_grad=True)
    axes = ([0, 2], [2, 0])
    check(lambda x, y: ag.tensordot(x, y, axes=axes), lambda x, y: np.tensordot(x, y, axes),
          a, b)


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,i->", [(4,), (4,)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("ijk,ik->j", [(2, 3, 2), (2, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("i...->...", [(2, 3, 2)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(spec, shapes):
    rng = np.random.default_rng(0)
    xs = [ag.Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    check(lambda *ts: ag.einsum(spec, *ts), lambda *a: np.einsum(spec, *a), *xs)


def test_einsum_against_matmul_gradients():
    rng = np.random.default_rng(1)
    a = ag.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    g1 = ag.grad(ag.einsum("ij,jk->ik", a, b).sum(), [a, b])
    g2 = ag.grad((a @ b).sum(), [a, b])
    for u, v in zip(g1, g2):
        np.testing.assert_allclose(u.data, v.data, rtol=1e-12)
