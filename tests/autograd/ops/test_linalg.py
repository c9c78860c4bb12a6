"""matmul (1-d, 2-d, batched with broadcasting), tensordot and einsum: forward against NumPy,
first and second derivatives against central differences."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import broadcastable_shapes, gradcheck, gradgradcheck, shapes, tensors


def check(fn, npfn, *xs):
    """Forward against NumPy, gradcheck and gradgradcheck; True or raise."""
    got = fn(*xs)
    want = npfn(*[x.data for x in xs])
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs, seed=0)
    return True


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
    assert check(lambda a, b: a @ b, np.matmul, x, y)
    assert check(ag.matmul, np.matmul, x, y)


@given(data=st.data())
def test_matmul_size_zero_and_float32(data):
    """Size-0 sides (k = 0 gives zeros) and float32 operands staying float32."""
    n, k, m = (data.draw(st.integers(0, 2)) for _ in range(3))
    x = data.draw(tensors(shape=(n, k)))
    y = data.draw(tensors(shape=(k, m)))
    assert check(ag.matmul, np.matmul, x, y)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    z = x32 @ y32
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.data, x.data @ y.data, rtol=1e-5, atol=1e-5)
    gx, gy = ag.grad(z.sum(), [x32, y32])
    assert gx.dtype == np.float32 and gy.dtype == np.float32


def test_matmul_rmatmul_with_an_array_on_the_left_is_differentiable():
    w = np.arange(6.0).reshape(2, 3) / 5
    y = np.random.default_rng(0).standard_normal((3, 2))
    assert gradcheck(lambda t: w @ t, [y])
    assert gradgradcheck(lambda t: (w @ t) * t[:2], [y], seed=0)


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
    shared = tuple(data.draw(st.lists(st.integers(0, 3), max_size=2)))   # size 0: zeros
    a = data.draw(tensors(shape=a_free + shared))
    b = data.draw(tensors(shape=shared + b_free))
    nax = len(shared)
    assert check(lambda x, y: ag.tensordot(x, y, axes=nax), lambda x, y: np.tensordot(x, y, nax),
                 a, b)


def test_tensordot_over_an_empty_axis_is_zeros():
    """Regression: reshape(-1, 0) was ambiguous, so contracting a size-0 axis raised."""
    a, b = ag.ones(2, 0, requires_grad=True), ag.ones(0, 3, requires_grad=True)
    c = ag.tensordot(a, b, axes=1)
    np.testing.assert_array_equal(c.data, np.zeros((2, 3)))
    c.sum().backward()
    assert a.grad.shape == (2, 0) and b.grad.shape == (0, 3)


def test_tensordot_explicit_axes():
    a = ag.randn(3, 4, 2, requires_grad=True)
    b = ag.randn(2, 5, 3, requires_grad=True)
    axes = ([0, 2], [2, 0])
    assert check(lambda x, y: ag.tensordot(x, y, axes=axes), lambda x, y: np.tensordot(x, y, axes),
                 a, b)
    neg = ([-1], [0])
    assert check(lambda x, y: ag.tensordot(x, y, axes=neg), lambda x, y: np.tensordot(x, y, neg),
                 a, ag.randn(2, 3, requires_grad=True))


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
    assert check(lambda *ts: ag.einsum(spec, *ts), lambda *a: np.einsum(spec, *a), *xs)


# letters -> size, each operand's subscripts; sizes are drawn, including 0 and 1
EINSUM_SPECS = ["ij,jk->ik", "bij,bjk->bik", "i,i->", "i,j->ij", "ii->i", "ij->", "ijk,ik->j",
                "...i,...i->...", ",ij->ij"]


@pytest.mark.parametrize("spec", EINSUM_SPECS)
@given(data=st.data())
def test_einsum_drawn_sizes_with_broadcasting(spec, data):
    """Every letter gets a drawn size in 0..3; an operand's axis may be 1 where the letter is
    larger (NumPy broadcasts it), and '...' gets drawn batch axes."""
    lhs = spec.split("->")[0].split(",")
    size = {c: data.draw(st.integers(0, 3)) for c in set("".join(lhs)) if c.isalpha()}
    batch = data.draw(shapes(max_dims=2, max_side=2))
    xs = []
    for sub in lhs:
        shape = tuple(1 if data.draw(st.booleans()) else size[c] for c in sub.replace("...", ""))
        if "ii" in sub:                                   # a diagonal needs equal sides
            shape = (size["i"],) * 2
        xs.append(data.draw(tensors(shape=(batch if "..." in sub else ()) + shape)))
    assert check(lambda *ts: ag.einsum(spec, *ts), lambda *a: np.einsum(spec, *a), *xs)


def test_einsum_operand_broadcast_by_the_others_gets_a_full_gradient():
    """Regression: in 'ij,jk' with a of shape (2, 1) and b of shape (3, 2), j is broadcast; b's
    cotangent came back (1, 2) and the engine refused it."""
    a = ag.Tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    b = ag.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    ag.einsum("ij,jk->ik", a, b).sum().backward()
    np.testing.assert_array_equal(b.grad.data, np.full((3, 2), 3.0))
    np.testing.assert_array_equal(a.grad.data, np.full((2, 1), 15.0))


def test_einsum_against_matmul_gradients():
    rng = np.random.default_rng(1)
    a = ag.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    g1 = ag.grad(ag.einsum("ij,jk->ik", a, b).sum(), [a, b])
    g2 = ag.grad((a @ b).sum(), [a, b])
    for u, v in zip(g1, g2):
        np.testing.assert_allclose(u.data, v.data, rtol=1e-12)


# ---- NumPy's products: outer, inner, dot, vdot, kron ----------------------------------------


@given(data=st.data())
def test_outer_kron(data):
    small = shapes(max_dims=3, min_side=0, max_side=3)
    x, y = data.draw(tensors(shape=small)), data.draw(tensors(shape=small))
    assert check(ag.outer, np.outer, x, y)
    assert check(ag.kron, np.kron, x, y)


@given(data=st.data())
def test_inner_dot(data):
    k = data.draw(st.integers(0, 3))
    lead = shapes(max_dims=2, max_side=2)
    sa = data.draw(st.sampled_from([(), (k,), data.draw(lead) + (k,)]))
    sb_inner = data.draw(st.sampled_from([(), (k,), data.draw(lead) + (k,)]))
    x, y = data.draw(tensors(shape=sa)), data.draw(tensors(shape=sb_inner))
    assert check(ag.inner, np.inner, x, y)
    m = data.draw(side)
    sb_dot = data.draw(st.sampled_from([(), (k,), (k, m), data.draw(lead) + (k, m)]))
    z = data.draw(tensors(shape=sb_dot))
    assert check(ag.dot, np.dot, x, z)
    assert check(lambda a, b: a.dot(b), np.dot, x, z)


@given(data=st.data())
def test_vdot(data):
    x = data.draw(tensors(shape=shapes(max_dims=3, min_side=0, max_side=3)))
    y = data.draw(tensors(shape=st.permutations(x.shape).map(tuple)))
    assert check(ag.vdot, np.vdot, x, y)


def test_product_errors_name_the_function():
    a, b = ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dot: shapes \(2, 3\) and \(2, 3\) are not aligned"):
        ag.dot(a, b)
    with pytest.raises(ValueError, match=r"inner: shapes \(2, 3\) and \(2,\) are not aligned"):
        ag.inner(a, ag.Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="vdot: operands of shapes"):
        ag.vdot(a, ag.Tensor([1.0]))


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@given(data=st.data())
def test_convolve_correlate(name, data):
    n, m = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    a, v = data.draw(tensors(shape=(n,))), data.draw(tensors(shape=(m,)))
    for mode in ("full", "same", "valid"):
        got = getattr(ag, name)(a, v, mode)
        np.testing.assert_allclose(got.data, getattr(np, name)(a.data, v.data, mode),
                                   rtol=1e-12, atol=1e-12)
    mode = data.draw(st.sampled_from(["full", "same", "valid"]))
    assert gradcheck(lambda x, y: getattr(ag, name)(x, y, mode), [a, v])
    assert gradgradcheck(lambda x, y: getattr(ag, name)(x, y, mode), [a, v], seed=0)


def test_convolve_errors_name_the_function():
    with pytest.raises(ValueError, match=r"convolve: expected two 1-d inputs; got shapes \(2, 2\)"):
        ag.convolve(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="correlate: inputs cannot be empty"):
        ag.correlate(np.ones(2), np.ones(0))
    with pytest.raises(ValueError, match="convolve: mode must be"):
        ag.convolve(np.ones(2), np.ones(2), "circular")
