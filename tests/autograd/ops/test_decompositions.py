"""autograd.linalg's matrix functions and decompositions: values against np.linalg on
hypothesis-drawn (batched) matrices, first and second derivatives by gradcheck/gradgradcheck
where the derivative exists: invertible matrices, symmetric positive definite ones, distinct
eigenvalues and singular values, full rank. Decompositions are checked through functions that
do not depend on the signs LAPACK picks for eigen- and singular vectors."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck

la = ag.linalg
BATCH = st.sampled_from([(), (2,)])
SIDE = st.integers(1, 3)


def derivatives(fn, *xs):
    assert gradcheck(fn, list(xs))
    assert gradgradcheck(fn, list(xs), seed=0)
    return True


def _rng(data):
    return np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))


def _orthogonal(rng, batch, n):
    return np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]


def _spaced(rng, batch, k, low=0.5):
    """k values per batch entry, at least 0.4 apart and ≥ low: no ties, no zeros."""
    steps = 0.4 + rng.random(batch + (k,))
    return low + np.cumsum(steps, axis=-1)


def well_conditioned(data, rectangular=False):
    rng = _rng(data)
    batch, n = data.draw(BATCH), data.draw(SIDE)
    m = data.draw(SIDE) if rectangular else n
    return rng.standard_normal(batch + (m, n)) * 0.5 + 2.5 * np.eye(m, n)


def sym(x):
    return 0.5 * (x + la.matrix_transpose(x))


@given(data=st.data())
def test_inv_det_slogdet(data):
    a = well_conditioned(data)
    a[..., 0, :] *= data.draw(st.sampled_from([1.0, -1.0]))        # negative determinants too
    np.testing.assert_allclose(la.inv(a).data, np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(la.det(a).data, np.linalg.det(a), rtol=1e-12)
    sign, logabs = la.slogdet(a)
    want = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign.data, want.sign)
    np.testing.assert_allclose(logabs.data, want.logabsdet, rtol=1e-12, atol=1e-14)
    assert not sign.requires_grad
    assert derivatives(la.inv, a)
    assert derivatives(la.det, a)
    assert derivatives(lambda t: la.slogdet(t).logabsdet, a)


@given(data=st.data())
def test_solve(data):
    a = well_conditioned(data)
    n = a.shape[-1]
    b_shape = data.draw(st.sampled_from([(n,), a.shape[:-2] + (n, 2), (n, 1)]))
    b = _rng(data).standard_normal(b_shape)
    np.testing.assert_allclose(la.solve(a, b).data, np.linalg.solve(a, b), rtol=1e-10)
    assert derivatives(la.solve, a, b)


@given(data=st.data())
def test_matrix_power(data):
    a = well_conditioned(data) / 2.5
    for p in (0, 1, 2, 3, 5, -1, -2):
        np.testing.assert_allclose(la.matrix_power(a, p).data, np.linalg.matrix_power(a, p),
                                   rtol=1e-10, atol=1e-12)
    p = data.draw(st.integers(-3, 4))
    assert derivatives(lambda t: la.matrix_power(t, p), a)


@given(data=st.data())
def test_pinv(data):
    a = well_conditioned(data, rectangular=True)                      # full rank
    np.testing.assert_allclose(la.pinv(a).data, np.linalg.pinv(a), rtol=1e-10, atol=1e-12)
    assert derivatives(la.pinv, a)


@given(data=st.data())
def test_cholesky(data):
    x = well_conditioned(data)
    spd = np.matmul(x, np.swapaxes(x, -1, -2))
    np.testing.assert_allclose(la.cholesky(spd).data, np.linalg.cholesky(spd), rtol=1e-12)
    np.testing.assert_allclose(la.cholesky(spd, upper=True).data,
                               np.linalg.cholesky(spd, upper=True), rtol=1e-12)
    assert derivatives(lambda t: la.cholesky(sym(t)), spd)


def _symmetric_distinct(data):
    rng = _rng(data)
    batch, n = data.draw(BATCH), data.draw(SIDE)
    q = _orthogonal(rng, batch, n)
    w = _spaced(rng, batch, n, low=-2.0)
    return np.matmul(q * w[..., None, :], np.swapaxes(q, -1, -2))


@given(data=st.data())
def test_eigh(data):
    a = _symmetric_distinct(data)
    w, v = la.eigh(a)
    want = np.linalg.eigh(a)
    np.testing.assert_allclose(w.data, want.eigenvalues, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.abs(v.data), np.abs(want.eigenvectors), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(la.eigvalsh(a).data, np.linalg.eigvalsh(a), rtol=1e-10, atol=1e-12)
    assert derivatives(lambda t: [la.eigh(sym(t))[0], la.eigh(sym(t))[1] ** 2], a)
    assert derivatives(lambda t: la.eigvalsh(sym(t)), a)


@pytest.mark.parametrize("values", [la.eigvalsh, lambda t: la.eigh(t)[0],
                                    lambda t: la.svd(t)[1], la.svdvals])
def test_values_gradient_at_repeated_values(values):
    """The eigen/singular values' gradient V diag(w̄) Vᵀ is defined at the identity (Σ w is the
    trace): exact ties add nothing, even through eigh/svd, whose vectors go unused."""
    a = ag.Tensor(2 * np.eye(3), requires_grad=True)
    values(a).sum().backward()
    np.testing.assert_allclose(a.grad.data, np.eye(3), atol=1e-12)


def _distinct_singular(data):
    rng = _rng(data)
    batch, m, n = data.draw(BATCH), data.draw(SIDE), data.draw(SIDE)
    k = min(m, n)
    u = _orthogonal(rng, batch, m)[..., :k]
    v = _orthogonal(rng, batch, n)[..., :k]
    return np.matmul(u * _spaced(rng, batch, k)[..., None, :], np.swapaxes(v, -1, -2))


@given(data=st.data())
def test_svd(data):
    a = _distinct_singular(data)
    u, s, vh = la.svd(a, full_matrices=False)
    want = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(s.data, want.S, rtol=1e-10)
    np.testing.assert_allclose(np.abs(u.data), np.abs(want.U), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.abs(vh.data), np.abs(want.Vh), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(la.svdvals(a).data, want.S, rtol=1e-10)
    np.testing.assert_allclose(la.svd(a, compute_uv=False).data, want.S, rtol=1e-10)
    c = np.arange(1.0, s.shape[-1] + 1)            # U diag(c) Vh: invariant under the signs

    def factors(t):
        u, s, vh = la.svd(t, full_matrices=False)
        return [s, u ** 2, vh ** 2, ag.matmul(u * c, vh)]

    assert derivatives(factors, a)
    assert derivatives(la.svdvals, a)


def test_svd_full_matrices_square_and_refused_gradient():
    rng = np.random.default_rng(1)
    sq = rng.standard_normal((3, 3))
    u, s, vh = la.svd(ag.Tensor(sq, requires_grad=True))          # square: full = reduced
    assert u.requires_grad
    wide = rng.standard_normal((2, 3))
    u, s, vh = la.svd(wide)                                       # constants: fine
    np.testing.assert_allclose(np.abs(vh.data), np.abs(np.linalg.svd(wide).Vh), atol=1e-12)
    with pytest.raises(NotImplementedError, match="svd: full_matrices=True for a 2×3 matrix"):
        la.svd(ag.Tensor(wide, requires_grad=True))


@given(data=st.data())
def test_qr(data):
    a = well_conditioned(data, rectangular=True)
    q, r = la.qr(a)
    want = np.linalg.qr(a)
    np.testing.assert_allclose(q.data, want.Q, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.data, want.R, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(la.qr(a, mode="r").data, np.linalg.qr(a, mode="r"), atol=1e-12)
    assert derivatives(lambda t: list(la.qr(t)), a)


VECTOR_ORDS = [None, 2, 1, 3, 0.5, np.inf, -np.inf, 0, -1]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@given(data=st.data())
def test_vector_norms(ord, data):
    rng = _rng(data)
    shape = data.draw(st.sampled_from([(3,), (2, 3), (2, 1, 3)]))
    x = rng.choice([-1, 1], shape) * (_spaced(rng, (), int(np.prod(shape)), 0.3)
                                      .reshape(shape))                # no ties, no zeros
    axis = data.draw(st.sampled_from([-1, 0] if len(shape) > 1 else [None, 0, -1]))
    keepdims = data.draw(st.booleans())
    got = la.norm(x, ord, axis, keepdims)
    np.testing.assert_allclose(got.data, np.linalg.norm(x, ord, axis, keepdims), rtol=1e-12)
    if ord != 0:
        assert derivatives(lambda t: la.norm(t, ord, axis, keepdims), x)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@given(data=st.data())
def test_matrix_norms(ord, data):
    a = _distinct_singular(data)
    rng = _rng(data)
    a = a + 1e-3 * rng.standard_normal(a.shape)                 # no ties in |column| sums
    axis = data.draw(st.sampled_from([None, (-2, -1), (-1, -2)])) if a.ndim == 2 else \
        data.draw(st.sampled_from([(1, 2), (-1, 1), (2, 0)]))
    keepdims = data.draw(st.booleans())
    np.testing.assert_allclose(la.norm(a, ord, axis, keepdims).data,
                               np.linalg.norm(a, ord, axis, keepdims), rtol=1e-10)
    assert derivatives(lambda t: la.norm(t, ord, axis, keepdims), a)


def test_norm_defaults_and_numpy2_names():
    x = np.arange(-4.0, 4.0).reshape(2, 2, 2)
    np.testing.assert_allclose(la.norm(x).data, np.linalg.norm(x))
    np.testing.assert_allclose(la.norm(x, keepdims=True).data, np.linalg.norm(x, keepdims=True))
    for kw in (dict(), dict(ord=1, axis=(0, 2)), dict(ord=np.inf, keepdims=True),
               dict(axis=1, ord=3)):
        np.testing.assert_allclose(la.vector_norm(x, **kw).data, np.linalg.vector_norm(x, **kw))
    for kw in (dict(), dict(ord="nuc", keepdims=True), dict(ord=-1)):
        np.testing.assert_allclose(la.matrix_norm(x, **kw).data, np.linalg.matrix_norm(x, **kw))


def test_errors_name_the_function():
    rect = np.ones((2, 3))
    for fn in (la.inv, la.det, la.slogdet, la.cholesky, la.eigh, la.eigvalsh):
        with pytest.raises(np.linalg.LinAlgError, match=rf"{fn.__name__}: expected square "
                                                        r"matrices.*\(2, 3\)"):
            fn(rect)
    with pytest.raises(np.linalg.LinAlgError, match="solve: expected square"):
        la.solve(rect, np.ones(2))
    with pytest.raises(la.LinAlgError, match="inv: Singular matrix"):
        la.inv(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="matrix_power: exponent must be an integer"):
        la.matrix_power(np.eye(2), 1.5)
    with pytest.raises(ValueError, match="norm: improper number of dimensions"):
        la.norm(np.ones((2, 2, 2)), ord=1)
    with pytest.raises(ValueError, match="norm: invalid norm order 'fro' for vectors"):
        la.norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match="norm: invalid norm order 3 for matrices"):
        la.norm(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="qr: mode 'raw' is not supported"):
        la.qr(rect, mode="raw")
    with pytest.raises(np.linalg.LinAlgError, match="svd: expected matrices"):
        la.svd(np.ones(3))


def test_negative_control_untransposed_inverse_gradient_is_caught():
    """-A⁻¹ Ḡ A⁻¹ (missing the transposes) is wrong for non-symmetric A: gradcheck rejects it."""
    bad = ag.primitive(np.linalg.inv, name="bad_inv")
    bad.defvjp(lambda g, out, a: -ag.matmul(ag.matmul(out, g), out))
    with pytest.raises(AssertionError, match="gradcheck"):
        gradcheck(bad, [np.array([[2.0, 1.0], [0.0, 3.0]])])


@pytest.mark.parametrize("name,fn", [("inv", la.inv), ("det", la.det), ("pinv", la.pinv),
                                     ("cholesky", la.cholesky), ("eigvalsh", la.eigvalsh),
                                     ("svdvals", la.svdvals), ("norm", la.norm)])
def test_size_zero_matrices_as_numpy(name, fn):
    """0×0 matrices (and a batch of them): NumPy's values and shapes, gradients of shape 0."""
    for shape in [(0, 0), (2, 0, 0)]:
        a = ag.Tensor(np.zeros(shape), requires_grad=True)
        got = fn(a)
        want = getattr(np.linalg, name)(a.data)
        assert got.shape == np.shape(want)
        np.testing.assert_array_equal(got.data, want)
        (g,) = ag.grad(got.sum(), [a], allow_unused=True) if got.requires_grad else (None,)
        assert g is None or g.shape == shape


def test_two_norm_gradient_at_zero_is_zero():
    x = ag.Tensor(np.zeros(3), requires_grad=True)
    la.norm(x).backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))
    m = ag.Tensor(np.array([[3.0, 4.0], [0.0, 0.0]]), requires_grad=True)
    la.norm(m, axis=1).sum().backward()
    np.testing.assert_allclose(m.grad.data, [[0.6, 0.8], [0.0, 0.0]])


@given(data=st.data())
def test_lstsq_cond_matrix_rank(data):
    rng = _rng(data)
    m, n = data.draw(SIDE), data.draw(SIDE)
    a = rng.standard_normal((m, n)) + 2.5 * np.eye(m, n)          # full rank
    b = rng.standard_normal(data.draw(st.sampled_from([(m,), (m, 2)])))
    got, want = la.lstsq(a, b), np.linalg.lstsq(a, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(getattr(g, "data", g), w, rtol=1e-9, atol=1e-12)
    assert derivatives(lambda x, y: [la.lstsq(x, y)[0], la.lstsq(x, y)[1]], a, b)
    sq = well_conditioned(data)
    p = data.draw(st.sampled_from([None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"]))
    np.testing.assert_allclose(la.cond(sq, p).data, np.linalg.cond(sq, p), rtol=1e-10)
    if p in (None, "fro"):
        assert derivatives(lambda x: la.cond(x, p), sq)
    rank = la.matrix_rank(a)
    assert rank.item() == np.linalg.matrix_rank(a) and not rank.requires_grad
