"""Matrix functions and decompositions (NumPy's np.linalg), batched over leading axes.

inv, det, slogdet, solve, pinv are primitives with closed-form VJPs. A decomposition with
several outputs (eigh, svd, qr) is one primitive whose forward returns its factors packed in
one array (stacked along the second-to-last axis), so it is computed once; the public function
unpacks them with getitem, and the VJP receives the packed cotangent. Every VJP is written with
autograd ops, so second derivatives work. Real matrices only. Notation: Ā is the cotangent of
A, ∘ the elementwise product, Xᵀ swaps the last two axes.
"""

from collections import namedtuple

import numpy as np

from ..grad_mode import is_grad_enabled
from ..primitive import primitive
from ..tensor import Tensor, as_array
from .arrangement import tril
from .elementwise import absolute, where
from .linalg import _mT, matmul
from .reductions import _keep, max, min, sum
from .shape import concatenate, expand_dims, getitem, normalize_axes, reshape, transpose

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])


def _square(a, opname):
    """Raise unless a is a (stack of) square matrices."""
    shape = np.shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError(f"{opname}: expected square matrices in the last two axes; "
                                    f"got shape {shape}")


def _matrices(a, opname):
    shape = np.shape(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"{opname}: expected matrices (at least 2 dimensions); got "
                                    f"shape {shape}")
    return shape[-2:]


def _rows(p, start, stop):
    """Rows start:stop (of the last two axes) of a packed result."""
    return getitem(p, index=(Ellipsis, slice(start, stop), slice(None)))


def _row_at(p, i):
    """Row i (of the last two axes) of a packed result, as a vector."""
    return getitem(p, index=(Ellipsis, i, slice(None)))


def _col(v):
    return expand_dims(v, -1)


def _row(v):
    return expand_dims(v, -2)


def _safe_inverse(e, zero):
    """1/e, and 0 where the constant mask `zero` is set."""
    return where(zero, 0.0, 1 / where(zero, 1.0, e))


def _off_diagonal_inverse(e):
    """1/e off the diagonal of the last two axes, 0 on it and at exact ties e = 0 (F in the
    eigh and svd VJPs): a tie then adds nothing, which is right when the loss does not depend
    on the basis chosen inside the tied space (eigenvalues only, a projector, ...)."""
    return _safe_inverse(e, np.eye(np.shape(e)[-1], dtype=bool) | (as_array(e) == 0))


def _with_diagonal(v, m):
    """m with v (..., k) added on the diagonal of its last two axes."""
    return m + where(np.eye(np.shape(v)[-1], dtype=bool), _row(v), 0.0)


# ---- inverse, determinant, solve ------------------------------------------------------------


@primitive
def inv(a):
    "A⁻¹; Ā = -A⁻ᵀ Ḡ A⁻ᵀ (A invertible)"
    _square(a, "inv")
    return np.linalg.inv(a)


inv.defvjp(lambda g, out, a: -matmul(matmul(_mT(out), g), _mT(out)))


@primitive
def det(a):
    "det A; Ā = ḡ·det(A)·A⁻ᵀ (A invertible: the formula needs A⁻¹)"
    _square(a, "det")
    return np.linalg.det(a)


det.defvjp(lambda g, out, a: _col(_col(g * out)) * _mT(inv(a)))


@primitive(name="slogdet")
def _logabsdet(a):
    return np.linalg.slogdet(a)[1]


_logabsdet.defvjp(lambda g, out, a: _col(_col(g)) * _mT(inv(a)))


def slogdet(a):
    """(sign, log|det A|) as NumPy's SlogdetResult; d log|det A|/dA = A⁻ᵀ (A invertible), the
    sign has no gradient"""
    _square(a, "slogdet")
    return SlogdetResult(Tensor(np.linalg.slogdet(as_array(a))[0]), _logabsdet(a))


@primitive
def solve(a, b):
    """x with A x = b (b a vector when 1-d, else matrices (..., M, K)); b̄ = A⁻ᵀ ḡ,
    Ā = -b̄ xᵀ (A invertible)"""
    _square(a, "solve")
    return np.linalg.solve(a, b)


def _solve_vjp(i, g, out, a, b):
    if np.ndim(b) == 1:
        g, out = _col(g), _col(out)
    gb = solve(_mT(a), g)
    if i == 0:
        return -matmul(gb, _mT(out))
    return getitem(gb, index=(Ellipsis, 0)) if np.ndim(b) == 1 else gb


solve.defvjp_argnum(_solve_vjp)


def matrix_power(a, n):
    "Aⁿ by repeated squaring (n < 0: (A⁻¹)^|n|; n = 0: the identity, gradient 0)"
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: exponent must be an integer; got {n!r}")
    _square(a, "matrix_power")
    if n == 0:
        return a * 0.0 + np.eye(np.shape(a)[-1], dtype=as_array(a).dtype)
    if n < 0:
        a, n = inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else matmul(result, a)
        n >>= 1
        if n:
            a = matmul(a, a)
    return result


def multi_dot(arrays):
    "A₁ A₂ ⋯ Aₙ, left to right (np.linalg.multi_dot; 1-d ends as row and column vectors)"
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot: expected at least two arrays")
    out = arrays[0]
    for m in arrays[1:]:
        out = matmul(out, m)
    return out


@primitive
def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    """the Moore-Penrose pseudo-inverse A⁺; where the rank of A is locally constant (e.g. full
    rank), Ā = -A⁺ᵀ Ḡ A⁺ᵀ + (I - A A⁺) Ḡᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ Ḡᵀ (I - A⁺ A)"""
    _matrices(a, "pinv")
    tol = {k: v for k, v in (("rcond", rcond), ("rtol", rtol)) if v is not None}
    return np.linalg.pinv(a, hermitian=hermitian, **tol)


def _pinv_vjp(g, out, a, rcond=None, hermitian=False, rtol=None):
    x, xt, gt = out, _mT(out), _mT(g)
    left = gt - matmul(a, matmul(x, gt))                    # (I - A A⁺) Ḡᵀ
    right = gt - matmul(matmul(gt, x), a)                   # Ḡᵀ (I - A⁺ A)
    return (-matmul(matmul(xt, g), xt) + matmul(left, matmul(x, xt))
            + matmul(matmul(xt, x), right))


pinv.defvjp(_pinv_vjp)


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, singular values) of min ‖b - A x‖ (np.linalg.lstsq), with x = A⁺ b:
    differentiable in A and b where A has full rank; rank has no gradient"""
    m, n = _matrices(a, "lstsq")
    if np.ndim(a) != 2 or np.ndim(b) not in (1, 2) or np.shape(b)[0] != m:
        raise np.linalg.LinAlgError(f"lstsq: expected A (M, N) and b (M,) or (M, K); got "
                                    f"shapes {np.shape(a)} and {np.shape(b)}")
    x = matmul(pinv(a) if rcond is None else pinv(a, rcond), b)
    s = svdvals(a)
    rank = np.linalg.matrix_rank(as_array(a)) if rcond is None else \
        int(np.sum(as_array(s) > rcond * np.max(as_array(s), initial=0)))
    if rank == n and m > n:
        r = b - matmul(a, x)
        residuals = sum(r * r, axis=0, keepdims=np.ndim(b) == 1)
    else:
        residuals = Tensor(np.zeros((0,), dtype=as_array(x).dtype))
    return x, residuals, rank, s


def cond(x, p=None):
    "the condition number ‖A‖·‖A⁻¹‖: s_max/s_min for p None or 2 (s_min/s_max for -2)"
    if p in (None, 2, -2):
        s = svdvals(x)
        hi, lo = max(s, axis=-1), min(s, axis=-1)
        return hi / lo if p != -2 else lo / hi
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


@primitive
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    "the number of singular values above the tolerance (np.linalg.matrix_rank); no gradient"
    return np.linalg.matrix_rank(A, tol=tol, hermitian=hermitian, rtol=rtol)


# ---- Cholesky -------------------------------------------------------------------------------


@primitive(name="cholesky")
def _cholesky(a):
    return np.linalg.cholesky(a)


def _cholesky_vjp(g, out, a):
    """Ā = L⁻ᵀ Φ L⁻¹ with Φ = ½(T + tril(T, -1)ᵀ), T = tril(Lᵀ L̄): the symmetric gradient
    (A symmetric positive definite; NumPy reads only the lower triangle of A)."""
    t = tril(matmul(_mT(out), g))
    phi = 0.5 * (t + _mT(tril(t, -1)))
    x = solve(_mT(out), phi)                                # L⁻ᵀ Φ
    return _mT(solve(_mT(out), _mT(x)))                     # (L⁻ᵀ Φ) L⁻¹


_cholesky.defvjp(_cholesky_vjp)


def cholesky(a, upper=False):
    "the lower-triangular L with L Lᵀ = A for symmetric positive definite A (Lᵀ when upper)"
    _square(a, "cholesky")
    lower = _cholesky(a)
    return _mT(lower) if upper else lower


# ---- symmetric eigendecomposition -----------------------------------------------------------


@primitive(name="eigh")
def _eigh(a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)     # row 0: eigenvalues, then V


def _eigh_vjp(g, out, a, UPLO="L"):
    """Ā = V (diag(w̄) + F ∘ ½(Vᵀ V̄ - V̄ᵀ V)) Vᵀ with F_ij = 1/(w_j - w_i) off the diagonal:
    the symmetric gradient, for symmetric A with distinct eigenvalues (at an exact tie F is
    taken as 0: right for losses that ignore the basis of the tied eigenspace, else arbitrary;
    near a tie F is huge)."""
    n = np.shape(a)[-1]
    w, v = _row_at(out, 0), _rows(out, 1, n + 1)
    gw, gv = _row_at(g, 0), _rows(g, 1, n + 1)
    m = matmul(_mT(v), gv)
    f = _off_diagonal_inverse(_row(w) - _col(w))
    return matmul(matmul(v, _with_diagonal(gw, f * (0.5 * (m - _mT(m))))), _mT(v))


_eigh.defvjp(_eigh_vjp)


def eigh(a, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of symmetric A, as NumPy's EighResult;
    eigenvectors' gradient needs distinct eigenvalues (see _eigh_vjp); the signs of the
    eigenvectors are LAPACK's, so differentiate functions that do not depend on them"""
    _square(a, "eigh")
    p = _eigh(a, UPLO=UPLO)
    return EighResult(_row_at(p, 0), _rows(p, 1, None))


@primitive
def eigvalsh(a, UPLO="L"):
    "eigenvalues of symmetric A, ascending; Ā = V diag(w̄) Vᵀ (defined at repeated ones too)"
    _square(a, "eigvalsh")
    return np.linalg.eigvalsh(a, UPLO=UPLO)


def _eigvalsh_vjp(g, out, a, UPLO="L"):
    v = _rows(_eigh(a, UPLO=UPLO), 1, None)
    return matmul(v * _row(g), _mT(v))


eigvalsh.defvjp(_eigvalsh_vjp)


# ---- singular value decomposition -----------------------------------------------------------


@primitive(name="svd")
def _svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)   # U; S; V


def _svd_vjp(g, out, a):
    """Ā = U [J S + diag(S̄) + S K] Vᵀ + (I - U Uᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - V Vᵀ), with
    J = F ∘ (UᵀŪ - ŪᵀU), K = F ∘ (VᵀV̄ - V̄ᵀV), F_ij = 1/(s_j² - s_i²) off the diagonal
    (Townsend 2016), for distinct nonzero singular values of the reduced SVD (exact ties and
    zeros are given F = 0 and S⁻¹ = 0, as in eigh)."""
    m, n = np.shape(a)[-2:]
    u, s, v = _rows(out, 0, m), _row_at(out, m), _rows(out, m + 1, None)
    gu, gs, gv = _rows(g, 0, m), _row_at(g, m), _rows(g, m + 1, None)
    f = _off_diagonal_inverse(_row(s * s) - _col(s * s))
    utgu, vtgv = matmul(_mT(u), gu), matmul(_mT(v), gv)
    j, k = f * (utgu - _mT(utgu)), f * (vtgv - _mT(vtgv))
    core = _with_diagonal(gs, j * _row(s) + _col(s) * k)
    inv_s = _row(_safe_inverse(s, as_array(s) == 0))
    return (matmul(matmul(u, core), _mT(v))
            + matmul((gu - matmul(u, utgu)) * inv_s, _mT(v))
            + matmul(u, _mT((gv - matmul(v, vtgv)) * inv_s)))


_svd.defvjp(_svd_vjp)


@primitive
def svdvals(a):
    "singular values, descending; Ā = U diag(s̄) Vᵀ (defined at repeated ones too)"
    _matrices(a, "svdvals")
    return np.linalg.svd(a, compute_uv=False)


def _svdvals_vjp(g, out, a):
    m = np.shape(a)[-2]
    p = _svd(a)
    return matmul(_rows(p, 0, m) * _row(g), _mT(_rows(p, m + 1, None)))


svdvals.defvjp(_svdvals_vjp)


def _no_gradient(a, opname, why):
    if isinstance(a, Tensor) and a.requires_grad and is_grad_enabled():
        raise NotImplementedError(f"{opname}: {why}")


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """A = U diag(S) Vh as NumPy's SVDResult (reduced with full_matrices=False); the gradient
    needs distinct nonzero singular values and exists for the reduced factors only (the extra
    columns of full_matrices=True are not unique). Signs of U, V are LAPACK's."""
    m, n = _matrices(a, "svd")
    if not compute_uv:
        return svdvals(a)
    if full_matrices and m != n:
        _no_gradient(a, "svd", f"full_matrices=True for a {m}×{n} matrix has no gradient (its "
                     "extra singular vectors are not unique); pass full_matrices=False")
        return SVDResult(*(Tensor(f) for f in np.linalg.svd(as_array(a), full_matrices=True)))
    p = _svd(a)
    return SVDResult(_rows(p, 0, m), _row_at(p, m),
                     _mT(_rows(p, m + 1, None)))


# ---- QR -------------------------------------------------------------------------------------


@primitive(name="qr")
def _qr(a):
    q, r = np.linalg.qr(a)
    return np.concatenate([q, np.swapaxes(r, -1, -2)], axis=-2)     # Q; Rᵀ (m ≥ n: both n wide)


def _qr_vjp(g, out, a):
    """Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ with M = R R̄ᵀ - Q̄ᵀ Q and copyltu(M) = tril(M) +
    tril(M, -1)ᵀ, for m ≥ n and full column rank (R invertible)."""
    m = np.shape(a)[-2]
    q, r = _rows(out, 0, m), _mT(_rows(out, m, None))
    gq, gr = _rows(g, 0, m), _mT(_rows(g, m, None))
    mm = matmul(r, _mT(gr)) - matmul(_mT(gq), q)
    b = gq + matmul(q, tril(mm) + _mT(tril(mm, -1)))
    return _mT(solve(r, _mT(b)))                                     # B R⁻ᵀ


_qr.defvjp(_qr_vjp)


def qr(a, mode="reduced"):
    """A = Q R with orthonormal columns Q and upper-triangular R, as NumPy's QRResult ('r':
    R only). A wide A = [X Y] is factored as X = Q U, R = [U  QᵀY], so its gradient follows
    from the square case. The gradient needs full rank; mode='complete' with m > n has none."""
    m, n = _matrices(a, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode {mode!r} is not supported; use 'reduced', 'complete' or 'r'")
    if mode == "complete" and m > n:
        _no_gradient(a, "qr", f"mode='complete' for a {m}×{n} matrix has no gradient (the extra "
                     "columns of Q are not unique); use mode='reduced'")
        return QRResult(*(Tensor(f) for f in np.linalg.qr(as_array(a), mode="complete")))
    if m >= n:
        p = _qr(a)
        q, r = _rows(p, 0, m), _mT(_rows(p, m, None))
    else:
        q, u = qr(getitem(a, index=(Ellipsis, slice(None), slice(0, m))))
        r = concatenate([u, matmul(_mT(q), getitem(a, index=(Ellipsis, slice(None),
                                                                slice(m, None))))], axis=-1)
    return r if mode == "r" else QRResult(q, r)


# ---- norms ----------------------------------------------------------------------------------


@primitive(name="norm")
def _two_norm(x, axis=None, keepdims=False):
    "√(Σ x²) over axis; d/dx = x/out, taken as 0 where out = 0 (a subgradient, as PyTorch)"
    return np.sqrt(np.add.reduce(x * x, axis=axis, keepdims=keepdims))


def _two_norm_vjp(g, out, x, axis=None, keepdims=False):
    out = _keep(out, np.shape(x), axis, keepdims)
    return _keep(g, np.shape(x), axis, keepdims) * x * _safe_inverse(out, as_array(out) == 0)


_two_norm.defvjp(_two_norm_vjp)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _two_norm(x, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    if ord == np.inf:
        return max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return min(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return Tensor(np.sum(as_array(x) != 0, axis=axis, keepdims=keepdims),
                      dtype=as_array(x).dtype)
    if ord == 1:
        return sum(absolute(x), axis=axis, keepdims=keepdims)
    return sum(absolute(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    if ord in (None, "fro"):
        out = _two_norm(x, axis=axes)
    elif ord in ("nuc", 2, -2):
        rest = [i for i in range(np.ndim(x)) if i not in axes]
        s = svdvals(transpose(x, axes=tuple(rest) + (row, col)))
        out = {"nuc": sum, 2: max, -2: min}[ord](s, axis=-1)
    elif ord in (1, -1):
        out = (max if ord == 1 else min)(sum(absolute(x), axis=row),
                                         axis=col - (col > row))
    elif ord in (np.inf, -np.inf):
        out = (max if ord > 0 else min)(sum(absolute(x), axis=col),
                                        axis=row - (row > col))
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        shape = list(np.shape(x))
        shape[row] = shape[col] = 1
        out = reshape(out, shape=tuple(shape))
    return out


def norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: vector norms (ord None/2, 1, inf, -inf, 0, any p) along one axis, matrix
    norms (None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two axes; with axis None, a 1-d
    or 2-d x by its ord, and any x flattened for ord None. The 2-norm's gradient x/‖x‖ is
    taken as 0 at x = 0."""
    shape = np.shape(x)
    nd = len(shape)
    if axis is None:
        if ord is None:
            out = _vector_norm(reshape(x, shape=(-1,)), None, 0, False)
            return reshape(out, shape=(1,) * nd) if keepdims else out
        if nd not in (1, 2):
            raise ValueError(f"norm: improper number of dimensions to norm: ord={ord!r} with "
                             f"axis=None needs a 1-d or 2-d input; got shape {shape}")
        axis = tuple(range(nd))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    norm_axes = [normalize_axes(a, nd, "norm")[0] for a in axes]
    if len(axes) == 1:
        return _vector_norm(x, ord, norm_axes[0], keepdims)
    if len(axes) == 2:
        if norm_axes[0] == norm_axes[1]:
            raise ValueError(f"norm: duplicate axes given: {axis!r}")
        return _matrix_norm(x, ord, tuple(norm_axes), keepdims)
    raise ValueError(f"norm: improper number of dimensions to norm: axis {axis!r}")


def vector_norm(x, axis=None, keepdims=False, ord=2):
    "np.linalg.vector_norm: a vector norm over `axis` (all axes, flattened, when None)"
    if axis is None:
        out = _vector_norm(reshape(x, shape=(-1,)), ord, 0, False)
        return reshape(out, shape=(1,) * np.ndim(x)) if keepdims else out
    if not isinstance(axis, (int, np.integer)):
        axes = normalize_axes(axis, np.ndim(x), "vector_norm")
        rest = tuple(i for i in range(np.ndim(x)) if i not in axes)
        flat = reshape(transpose(x, axes=rest + axes),
                       shape=tuple(np.shape(x)[i] for i in rest) + (-1,))
        out = _vector_norm(flat, ord, -1, False)
        if keepdims:
            out = reshape(out, shape=tuple(1 if i in axes else n
                                           for i, n in enumerate(np.shape(x))))
        return out
    return norm(x, ord, axis, keepdims)


def matrix_norm(x, keepdims=False, ord="fro"):
    "np.linalg.matrix_norm: a matrix norm over the last two axes"
    _matrices(x, "matrix_norm")
    return norm(x, ord, (-2, -1), keepdims)


__all__ = ["inv", "det", "slogdet", "solve", "matrix_power", "multi_dot", "pinv", "cholesky",
           "eigh", "eigvalsh", "svd", "svdvals", "qr", "norm", "vector_norm", "matrix_norm",
           "lstsq", "cond", "matrix_rank"]
