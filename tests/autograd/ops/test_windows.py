"""Sliding windows and convolution: values against NumPy's sliding_window_view and against a
direct loop over output positions; first and second derivatives on drawn geometries."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from numpy.lib.stride_tricks import sliding_window_view

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck


def conv_loops(x, w, stride, padding, dilation, groups):
    """The textbook definition: one output element at a time."""
    d = w.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    out = [(x.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(d)]
    y = np.zeros([n, o] + out)
    for idx in np.ndindex(n, o, *out):
        b, oc, pos = idx[0], idx[1], idx[2:]
        g = oc // (o // groups)
        for ci in range(cg):
            for kk in np.ndindex(*k):
                src = tuple(p * s + q * dl for p, s, q, dl in zip(pos, stride, kk, dilation))
                y[idx] += w[(oc, ci) + kk] * x[(b, g * cg + ci) + src]
    return y


@st.composite
def geometries(draw, d=None, max_side=5):
    """(x shape, w shape, stride, padding, dilation, groups) that fit together."""
    d = draw(st.sampled_from([1, 2])) if d is None else d
    groups = draw(st.sampled_from([1, 2]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(d))
    spatial = tuple(draw(st.integers(max(1, dl * (kk - 1) + 1 - 2 * p), max_side))
                    for kk, dl, p in zip(k, dilation, padding))
    n = draw(st.integers(1, 2))
    return (n, cg * groups) + spatial, (og * groups, cg) + k, stride, padding, dilation, groups


def arrays(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


@given(geometries(max_side=7), st.integers(0, 2**16))
def test_convolve_matches_the_loop(geo, seed):
    xs, ws, stride, padding, dilation, groups = geo
    x, w = arrays(xs, seed), arrays(ws, seed + 1)
    got = ag.conv(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(got.data, conv_loops(x, w, stride, padding, dilation, groups),
                               rtol=1e-12, atol=1e-12)


@given(geometries(), st.integers(0, 2**16))
def test_convolve_first_and_second_derivatives(geo, seed):
    xs, ws, stride, padding, dilation, groups = geo
    x, w = arrays(xs, seed), arrays(ws, seed + 1)

    def f(a, b):
        return ag.conv(a, b, stride=stride, padding=padding, dilation=dilation,
                           groups=groups)
    assert gradcheck(f, [x, w])
    assert gradgradcheck(lambda a, b: ag.tanh(f(a, b)), [x, w], seed=seed, fast=True)


@given(st.integers(1, 2), st.data())
def test_windows_is_numpys_sliding_window_view(d, data):
    spatial = tuple(data.draw(st.integers(3, 6)) for _ in range(d))
    k = tuple(data.draw(st.integers(1, 3)) for _ in range(d))
    s = tuple(data.draw(st.integers(1, 2)) for _ in range(d))
    x = arrays((2, 3) + spatial, 0)
    got = ag.windows(x, k, stride=s)
    axes = tuple(range(2, 2 + d))
    want = sliding_window_view(x, k, axis=axes)[(Ellipsis,) + tuple(slice(None, None, si)
                                                                     for si in s)
                                                 + (slice(None),) * d]
    np.testing.assert_array_equal(got.data, want)
    assert got.shape == want.shape


@given(st.integers(1, 2), st.data())
def test_windows_and_unwindows_derivatives(d, data):
    spatial = tuple(data.draw(st.integers(1, 5)) for _ in range(d))
    k = tuple(data.draw(st.integers(1, n)) for n in spatial)
    s = tuple(data.draw(st.integers(1, 2)) for _ in range(d))
    dl = tuple(1 if kk == 1 else data.draw(st.integers(1, (n - 1) // (kk - 1)))
               for n, kk in zip(spatial, k))
    x = arrays((2,) + spatial, data.draw(st.integers(0, 99)))
    win = ag.windows(x, k, s, dl)
    assert gradcheck(lambda a: ag.windows(a, k, s, dl) ** 2, [x])
    assert gradgradcheck(lambda a: ag.windows(a, k, s, dl) ** 2, [x], seed=0)
    g = arrays(win.shape, 1)
    assert gradcheck(lambda a: ag.unwindows(a, x.shape, k, s, dl) ** 2, [g])
    assert gradgradcheck(lambda a: ag.unwindows(a, x.shape, k, s, dl) ** 2, [g], seed=0)


def test_unwindows_is_the_adjoint_of_windows():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 8))
    for k, s, dl in [((3, 2), (1, 1), (1, 1)), ((2, 3), (2, 3), (2, 1)), ((1, 1), (3, 2), (1, 1))]:
        win = ag.windows(x, k, s, dl)
        g = rng.standard_normal(win.shape)
        lhs = np.sum(win.data * g)
        rhs = np.sum(x * ag.unwindows(g, x.shape, k, s, dl).data)
        assert np.isclose(lhs, rhs)


def test_unwindows_counts_overlaps():
    ones = np.ones((1, 4, 5, 2, 2))                 # windows of a (1, 5, 6) array
    counts = ag.unwindows(ones, (1, 5, 6), (2, 2)).data[0]
    want = np.outer([1, 2, 2, 2, 1], [1, 2, 2, 2, 2, 1])
    np.testing.assert_array_equal(counts, want)


def test_windows_is_a_view_and_float32_stays_float32():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = ag.Tensor(x)
    w = ag.windows(t, (2, 2))
    assert w.dtype == np.float32 and np.shares_memory(w.data, t.data)
    y = ag.conv(ag.Tensor(x[None]), ag.ones((1, 2, 2, 2), dtype=np.float32))
    assert y.dtype == np.float32


def test_a_wrong_adjoint_is_caught():
    """Negative control: windows whose VJP puts each window back mirrored fails gradcheck."""
    @ag.primitive
    def mirrored_windows(x, *, k):
        return sliding_window_view(x, k, axis=-1)

    mirrored_windows.defvjp(lambda g, out, x, k: ag.unwindows(ag.flip(g, axis=-1), np.shape(x), k))
    x = arrays((2, 5), 0)
    np.testing.assert_array_equal(mirrored_windows(x, k=3).data, ag.windows(x, 3).data)
    with pytest.raises(AssertionError, match="gradient mismatch"):
        gradcheck(lambda a: mirrored_windows(a, k=3), [x])


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"windows: kernel \(5,\) with dilation \(1,\) does not "
                                         r"fit in the spatial shape \(3,\)"):
        ag.windows(np.zeros((2, 3)), 5)
    with pytest.raises(ValueError, match="windows: stride must be an int >= 1"):
        ag.windows(np.zeros((2, 3)), 2, stride=0)
    with pytest.raises(ValueError, match=r"conv: input with 3 channels, weight \(4, 2, 3\)"):
        ag.conv(np.zeros((1, 3, 5)), np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match=r"conv: expected weight .* got weight \(4, 3, 3\) "
                                         r"and input \(1, 3\)"):
        ag.conv(np.zeros((1, 3)), np.zeros((4, 3, 3)))
