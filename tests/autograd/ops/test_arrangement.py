"""roll, moveaxis, rot90, tril/triu, diagonal/trace/diag, the stacking helpers, meshgrid,
ravel and array_split: values against NumPy on hypothesis-drawn shapes and arguments (negative
axes, size 0), first and second derivatives, errors naming the function."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck, shapes, tensors

ND = shapes(min_dims=1, max_dims=3, min_side=0, max_side=3)
MATS = shapes(min_dims=2, max_dims=3, min_side=0, max_side=3)


def check(fn, npfn, *xs):
    """Values (and shape, dtype) as NumPy's; gradcheck and gradgradcheck; True or raise."""
    got = fn(*xs)
    got, want = (got, npfn(*[x.data for x in xs])) if isinstance(got, ag.Tensor) else \
        (ag.stack(got) if got else ag.Tensor([]), np.stack(npfn(*[x.data for x in xs])))
    assert got.shape == np.shape(want) and got.dtype == np.float64
    np.testing.assert_array_equal(got.data, want)
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs, seed=0)
    return True


def _axis(data, ndim):
    return data.draw(st.integers(-ndim, ndim - 1))


@given(data=st.data())
def test_roll(data):
    x = data.draw(tensors(shape=ND))
    shift = data.draw(st.integers(-5, 5))
    assert check(lambda t: ag.roll(t, shift), lambda a: np.roll(a, shift), x)
    axis = _axis(data, x.ndim)
    assert check(lambda t: ag.roll(t, shift, axis), lambda a: np.roll(a, shift, axis), x)
    axes, shifts = (0, -1, 0), (1, 2, shift)          # tuples, repeated axis: shifts add up
    assert check(lambda t: ag.roll(t, shifts, axes), lambda a: np.roll(a, shifts, axes), x)


@given(data=st.data())
def test_moveaxis_rot90(data):
    x = data.draw(tensors(shape=MATS))
    src, dst = _axis(data, x.ndim), _axis(data, x.ndim)
    assert check(lambda t: ag.moveaxis(t, src, dst), lambda a: np.moveaxis(a, src, dst), x)
    assert check(lambda t: ag.moveaxis(t, [0, 1], [-1, 0]),
                 lambda a: np.moveaxis(a, [0, 1], [-1, 0]), x)
    k = data.draw(st.integers(-5, 5))
    axes = data.draw(st.sampled_from([(0, 1), (1, 0), (-1, 0), (0, -1)]))
    assert check(lambda t: ag.rot90(t, k, axes), lambda a: np.rot90(a, k, axes), x)


@pytest.mark.parametrize("name", ["tril", "triu"])
@given(data=st.data())
def test_triangles(name, data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)))
    k = data.draw(st.integers(-3, 3))
    assert check(lambda t: getattr(ag, name)(t, k), lambda a: getattr(np, name)(a, k), x)


@given(data=st.data())
def test_diagonal_and_trace(data):
    x = data.draw(tensors(shape=MATS))
    a1 = _axis(data, x.ndim)
    a2 = data.draw(st.sampled_from([a for a in range(x.ndim) if a != a1 % x.ndim]))
    off = data.draw(st.integers(-3, 3))
    assert check(lambda t: ag.diagonal(t, off, a1, a2), lambda a: np.diagonal(a, off, a1, a2), x)
    assert check(lambda t: t.diagonal(off, a1, a2), lambda a: a.diagonal(off, a1, a2), x)
    assert check(lambda t: ag.trace(t, off, a1, a2), lambda a: np.trace(a, off, a1, a2), x)
    assert check(lambda t: t.trace(), lambda a: a.trace(), x)


@given(data=st.data())
def test_diag(data):
    v = data.draw(tensors(shape=shapes(min_dims=1, max_dims=2, min_side=0, max_side=4)))
    k = data.draw(st.integers(-3, 3))
    assert check(lambda t: ag.diag(t, k), lambda a: np.diag(a, k), v)
    assert check(lambda t: ag.diagflat(t, k), lambda a: np.diagflat(a, k), v)


STACKS = ["hstack", "vstack", "dstack", "column_stack"]


@pytest.mark.parametrize("name", STACKS)
@given(data=st.data())
def test_stacking(name, data):
    ndim = data.draw(st.integers(0, 3))
    if name == "column_stack":
        ndim = max(ndim, 1)
    base = list(data.draw(shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=3)))
    # the axis the inputs may differ on, and the least ndim at which it is one of theirs
    grow, least = {"hstack": (0 if ndim == 1 else 1, 1), "vstack": (0, 2), "dstack": (2, 3),
                   "column_stack": (1, 2)}[name]
    parts = []
    for _ in range(data.draw(st.integers(1, 3))):
        s = list(base)
        if ndim >= least:
            s[grow] = data.draw(st.integers(1, 3))
        parts.append(data.draw(tensors(shape=tuple(s))))
    fn, npfn = getattr(ag, name), getattr(np, name)
    assert check(lambda *ts: fn(list(ts)), lambda *arrs: npfn(list(arrs)), *parts)


@pytest.mark.parametrize("name,ndim", [("atleast_1d", 1), ("atleast_2d", 2), ("atleast_3d", 3)])
@given(x=tensors(shape=shapes(max_dims=4, max_side=3)))
def test_atleast(name, ndim, x):
    assert check(getattr(ag, name), getattr(np, name), x)
    y, z = getattr(ag, name)(x, x)
    assert y.shape == z.shape == getattr(np, name)(x.data).shape


@given(data=st.data())
def test_meshgrid(data):
    xs = [data.draw(tensors(shape=shapes(min_dims=1, max_dims=1, min_side=1, max_side=3)))
          for _ in range(data.draw(st.integers(1, 3)))]
    for kw in (dict(), dict(indexing="ij"), dict(sparse=True), dict(sparse=True, indexing="ij")):
        got, want = ag.meshgrid(*xs, **kw), np.meshgrid(*[x.data for x in xs], **kw)
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.data, w)
    assert gradcheck(lambda *ts: ag.meshgrid(*ts), xs)
    assert gradgradcheck(lambda *ts: [m * m for m in ag.meshgrid(*ts)], xs, seed=0)


@given(data=st.data())
def test_ravel_and_array_split(data):
    x = data.draw(tensors(shape=ND))
    assert check(ag.ravel, np.ravel, x)
    assert check(lambda t: t.ravel(), lambda a: a.ravel(), x)
    axis = _axis(data, x.ndim)
    k = data.draw(st.integers(1, 4))
    for got, want in zip(ag.array_split(x, k, axis), np.array_split(x.data, k, axis)):
        np.testing.assert_array_equal(got.data, want)
    assert len(ag.array_split(x, k, axis)) == k
    cuts = [1, 2]
    for got, want in zip(ag.array_split(x, cuts, axis), np.array_split(x.data, cuts, axis)):
        np.testing.assert_array_equal(got.data, want)
    assert gradcheck(lambda t: [p * p for p in ag.array_split(t, k, axis)], [x])


def test_diag_gradient_lands_on_the_diagonal_only():
    m = ag.Tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    ag.trace(m).backward()
    np.testing.assert_array_equal(m.grad.data, np.eye(3))
    v = ag.Tensor([1.0, 2.0], requires_grad=True)
    (ag.diag(v, 1) * np.arange(9.0).reshape(3, 3)).sum().backward()
    np.testing.assert_array_equal(v.grad.data, [1.0, 5.0])


def test_errors_name_the_function():
    m = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="diagonal: needs at least 2 dimensions"):
        ag.diagonal(ag.Tensor([1.0]))
    with pytest.raises(ValueError, match="diagonal: axis1 and axis2 must be different"):
        ag.diagonal(m, 0, 1, -1)
    with pytest.raises(ValueError, match="diag: input must be 1-d or 2-d"):
        ag.diag(ag.Tensor(np.ones((1, 1, 1))))
    with pytest.raises(ValueError, match="rot90: axes must be different"):
        ag.rot90(m, 1, (0, -2))
    with pytest.raises(np.exceptions.AxisError, match="roll: axis 2"):
        ag.roll(m, 1, 2)
    with pytest.raises(ValueError, match="vstack: the shapes"):
        ag.vstack([m, ag.Tensor([1.0, 2.0])])
    with pytest.raises(ValueError, match="hstack: need at least one array"):
        ag.hstack([])
    with pytest.raises(ValueError, match="meshgrid: indexing must be"):
        ag.meshgrid(m, indexing="xz")
    with pytest.raises(ValueError, match="array_split: an axis of length 3 cannot be split into 0"):
        ag.array_split(m, 0, 1)
    with pytest.raises(ValueError, match="split: an axis of length 3 cannot be split into 2 equal"):
        ag.split(m, 2, 1)
    with pytest.raises(ValueError, match="tril: needs at least 1 dimension"):
        ag.tril(ag.Tensor(1.0))


def test_negative_control_transposed_rot90_is_caught():
    """rot90 the wrong way round differs from NumPy's: the value check must see it."""
    x = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(AssertionError):
        check(lambda t: ag.rot90(t, -1), lambda a: np.rot90(a, 1), x)


@given(data=st.data())
def test_append_delete_broadcast_arrays(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    axis = _axis(data, x.ndim)
    side = list(x.shape)
    side[axis] = data.draw(st.integers(0, 2))
    y = data.draw(tensors(shape=tuple(side)))
    assert check(lambda a, b: ag.append(a, b, axis), lambda a, b: np.append(a, b, axis), x, y)
    assert check(lambda a, b: ag.append(a, b), lambda a, b: np.append(a, b), x, y)
    obj = data.draw(st.sampled_from([0, -1, [0], slice(0, None, 2)]))
    assert check(lambda a: ag.delete(a, obj, axis), lambda a: np.delete(a, obj, axis), x)
    assert check(lambda a: ag.delete(a, obj), lambda a: np.delete(a, obj), x)
    got = ag.broadcast_arrays(x, y[..., :1, None] if False else x[:1], 2.0)
    for g, w in zip(got, np.broadcast_arrays(x.data, x.data[:1], 2.0)):
        np.testing.assert_array_equal(g.data, w)
    assert gradcheck(lambda a: ag.broadcast_arrays(a, x), [x[:1]])


@given(data=st.data())
def test_cross(data):
    lead = data.draw(shapes(max_dims=1, max_side=2))
    a = data.draw(tensors(shape=lead + (3,)))
    b = data.draw(tensors(shape=(3,)))
    assert check(ag.cross, np.cross, a, b)
    assert check(lambda u, v: ag.cross(u, v, axis=0),
                 lambda u, v: np.cross(u, v, axis=0), ag.moveaxis(a, -1, 0).detach(), b)
    at = ag.moveaxis(a, -1, 0).detach().requires_grad_()
    assert check(lambda u, v: ag.cross(u, v, 0, -1, 0), lambda u, v: np.cross(u, v, 0, -1, 0),
                 at, b)


def test_extra_errors_name_the_function():
    with pytest.raises(ValueError, match="cross: expected 3-vectors along axes -1 and -1"):
        ag.cross(ag.Tensor([1.0, 2.0]), ag.Tensor([1.0, 2.0]))
    with pytest.raises(IndexError, match="delete: index 5 is out of bounds"):
        ag.delete(ag.Tensor([1.0, 2.0]), 5)
    with pytest.raises(TypeError, match="trace: out= is not supported"):
        ag.trace(ag.Tensor(np.eye(2)), out=np.zeros(()))
    with pytest.raises(ValueError, match="broadcast_arrays: shapes"):
        ag.broadcast_arrays(ag.Tensor([1.0, 2.0]), ag.Tensor([1.0, 2.0, 3.0]))
