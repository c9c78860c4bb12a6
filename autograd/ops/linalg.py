"""Linear algebra: matmul and einsum as primitives, tensordot composed from matmul."""

import math
import string
from collections import Counter

import numpy as np

from ..primitive import primitive
from .composite import composite
from .reductions import broadcast_to, sum_to
from .shape import expand_dims, flip, getitem, pad, reshape, swapaxes, transpose


@primitive
def matmul(x, y):
    "x @ y for 1-d, 2-d and batched operands (batch axes broadcast); d/dx = g yᵀ, d/dy = xᵀ g"
    xs, ys = np.shape(x), np.shape(y)
    if not xs or not ys:
        raise ValueError(f"matmul: 0-d operands are not allowed (shapes {xs} and {ys}); use *")
    kx, ky = xs[-1], ys[-2] if len(ys) > 1 else ys[0]
    if kx != ky:
        raise ValueError(f"matmul: shapes {xs} and {ys} are not aligned: "
                         f"{kx} (dim {len(xs) - 1}) != {ky} (dim {max(len(ys) - 2, 0)})")
    return np.matmul(x, y)


def _as_matrices(g, x, y):
    """Operands and cotangent with 1-d operands promoted to matrices, as matmul treats them."""
    if y.ndim == 1:
        y, g = reshape(y, shape=(-1, 1)), expand_dims(g, -1)
    if x.ndim == 1:
        x, g = reshape(x, shape=(1, -1)), expand_dims(g, -2)
    return g, x, y


def _mT(a):
    """The last two axes of a swapped (a plain transpose for a matrix)."""
    return transpose(a) if a.ndim == 2 else swapaxes(a, -1, -2)


def _matmul_vjp_x(g, out, x, y):
    g, x2, y2 = _as_matrices(g, x, y)
    return matmul(g, _mT(y2))      # (..., 1, k) for a 1-d x: the engine sums it down


def _matmul_vjp_y(g, out, x, y):
    g, x2, y2 = _as_matrices(g, x, y)
    dy = matmul(_mT(x2), g)
    return getitem(dy, index=(Ellipsis, 0)) if y.ndim == 1 else dy


matmul.defvjp(_matmul_vjp_x, _matmul_vjp_y)


def _matmul_into_y(acc, g, out, x, y):
    """y's cotangent xᵀg left for the engine to form, with y's other uses, in one product."""
    if x.ndim == 2 and y.ndim <= 2:
        acc.add_product(x, g)
    else:
        acc += sum_to(_matmul_vjp_y(g, out, x, y), shape=y.shape)


matmul.defvjp_into(None, _matmul_into_y)


@composite
def tensordot(a, b, axes=2):
    "Σ over paired axes of a and b (np.tensordot), composed from transpose, reshape and matmul"
    sa, sb = np.shape(a), np.shape(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(len(sa) - axes, len(sa))), list(range(axes))
    else:
        ax_a, ax_b = ([v] if isinstance(v, (int, np.integer)) else list(v) for v in axes)
    ax_a = [a_ % len(sa) for a_ in ax_a] if sa else ax_a
    ax_b = [b_ % len(sb) for b_ in ax_b] if sb else ax_b
    if len(ax_a) != len(ax_b) or any(sa[i] != sb[j] for i, j in zip(ax_a, ax_b)):
        raise ValueError(f"tensordot: shapes {sa} and {sb} do not match on axes "
                         f"{ax_a} and {ax_b}")
    free_a = [i for i in range(len(sa)) if i not in ax_a]
    free_b = [j for j in range(len(sb)) if j not in ax_b]
    k = math.prod(sa[i] for i in ax_a)
    m, n = math.prod(sa[i] for i in free_a), math.prod(sb[j] for j in free_b)   # not -1: k may be 0
    am = reshape(transpose(a, axes=tuple(free_a + ax_a)), shape=(m, k))
    bm = reshape(transpose(b, axes=tuple(ax_b + free_b)), shape=(k, n))
    return reshape(matmul(am, bm), shape=tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))


# ---- NumPy's products, composed from multiply, matmul and tensordot -------------------------


def _check_sum_axis(opname, sa, sb, ia, ib):
    if sa[ia] != sb[ib]:
        raise ValueError(f"{opname}: shapes {sa} and {sb} are not aligned: {sa[ia]} (dim "
                         f"{ia % len(sa)}) != {sb[ib]} (dim {ib % len(sb)})")


def outer(a, b):
    "the matrix a_i·b_j of the flattened a and b (np.outer)"
    return reshape(a, shape=(-1, 1)) * reshape(b, shape=(1, -1))


def inner(a, b):
    "Σ over the last axes of a and b (np.inner); a product when either is 0-d"
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        return a * b
    _check_sum_axis("inner", sa, sb, -1, -1)
    return tensordot(a, b, axes=([-1], [-1]))


def dot(a, b):
    """np.dot: a product for 0-d operands, Σ a[..., k]·b[k] for 1-d b, matmul for matrices,
    else Σ over the last axis of a and the second-to-last of b"""
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        return a * b
    if len(sb) == 1:
        _check_sum_axis("dot", sa, sb, -1, 0)
        return tensordot(a, b, axes=([-1], [0])) if len(sa) > 2 else matmul(a, b)
    _check_sum_axis("dot", sa, sb, -1, -2)
    if len(sa) <= 2 and len(sb) == 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def vdot(a, b):
    "Σ a·b over the flattened operands (np.vdot; real, so no conjugation)"
    if np.size(a) != np.size(b):
        raise ValueError(f"vdot: operands of shapes {np.shape(a)} and {np.shape(b)} do not have "
                         "the same number of elements")
    return matmul(reshape(a, shape=(-1,)), reshape(b, shape=(-1,)))


def kron(a, b):
    "the Kronecker product: blocks a[i]·b (np.kron), composed from reshape and multiply"
    sa, sb = np.shape(a), np.shape(b)
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    ai = reshape(a, shape=tuple(v for m in sa for v in (m, 1)))
    bi = reshape(b, shape=tuple(v for m in sb for v in (1, m)))
    return reshape(ai * bi, shape=tuple(m * k for m, k in zip(sa, sb)))


def _full_convolution(a, v, opname):
    """Σ_j a[k - j]·v[j] for every k where the two overlap (length n + m - 1), as a matmul of
    the sliding windows of the zero-padded longer input with the shorter one reversed."""
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError(f"{opname}: expected two 1-d inputs; got shapes {np.shape(a)} and "
                         f"{np.shape(v)}")
    if not np.size(a) or not np.size(v):
        raise ValueError(f"{opname}: inputs cannot be empty")
    if np.size(v) > np.size(a):
        a, v = v, a
    n, m = np.size(a), np.size(v)
    windows = np.arange(n + m - 1)[:, None] + np.arange(m)
    return matmul(getitem(pad(a, (m - 1, m - 1)), index=(windows,)), flip(v))


def _mode_slice(full, n, m, mode, same_start, opname):
    short, long = sorted((n, m))
    if mode == "full":
        return full
    if mode == "same":
        return getitem(full, index=(slice(same_start, same_start + long),))
    if mode == "valid":
        return getitem(full, index=(slice(short - 1, long),))
    raise ValueError(f"{opname}: mode must be 'full', 'same' or 'valid'; got {mode!r}")


def convolve(a, v, mode="full"):
    "the discrete linear convolution (a ∗ v)[k] = Σ_j a[j]·v[k - j] of 1-d inputs (np.convolve)"
    full = _full_convolution(a, v, "convolve")
    n, m = np.size(a), np.size(v)
    return _mode_slice(full, n, m, mode, (min(n, m) - 1) // 2, "convolve")


def correlate(a, v, mode="valid"):
    "the cross-correlation Σ_j a[k + j]·v[j] of 1-d inputs (np.correlate, real)"
    n, m = np.size(a), np.size(v)
    full = _full_convolution(a, flip(v) if np.ndim(v) == 1 else v, "correlate")
    return _mode_slice(full, n, m, mode, (m - 1) // 2 if n >= m else n // 2, "correlate")


# ---- einsum ---------------------------------------------------------------------------------


def _explicit(subscripts, shapes):
    """Subscripts rewritten with '...' expanded into letters and the output written out."""
    s = subscripts.replace(" ", "")
    lhs, rhs = s.split("->") if "->" in s else (s, None)
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands but "
                         f"{len(shapes)} were given")
    letters = set(c for c in s if c.isalpha())
    free = [c for c in string.ascii_letters if c not in letters]
    n_ell = max((len(sh) - len(sub) + 3 for sub, sh in zip(ins, shapes) if "..." in sub),
                default=0)
    ell = "".join(free[:n_ell])
    out = []
    for i, (sub, sh) in enumerate(zip(ins, shapes)):
        if "..." in sub:
            k = len(sh) - len(sub) + 3
            sub = sub.replace("...", ell[n_ell - k:] if k > 0 else "")
        if len(sub) != len(sh) or not all(c.isalpha() for c in sub):
            raise ValueError(f"einsum: operand {i} has shape {sh} but subscripts "
                             f"{ins[i]!r} in {subscripts!r}")
        out.append(sub)
    sizes = {}
    for sub, sh in zip(out, shapes):
        for c, n in zip(sub, sh):
            m = sizes.get(c, n)
            if m != n and 1 not in (m, n):
                raise ValueError(f"einsum: index {c!r} has size {m} in one operand and {n} in "
                                 f"another (shapes {', '.join(map(str, shapes))})")
            sizes[c] = max(m, n)
    if rhs is None:
        counts = Counter("".join(out))
        rhs = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return ",".join(out) + "->" + rhs


@primitive(name="einsum")
def _einsum(*operands, subscripts):
    return np.einsum(subscripts, *operands, optimize=len(operands) > 2)


def _einsum_vjp(i, g, out, *ops, subscripts):
    """Cotangent of operand i: einsum of g with the other operands; an identity stands in for
    each repeated index (a diagonal) and a ones vector for indices summed only within it."""
    ins, outs = subscripts.split("->")
    ins = ins.split(",")
    target, shape = ins[i], np.shape(ops[i])
    others = [j for j in range(len(ops)) if j != i]
    available = set(outs).union(*(ins[j] for j in others))
    fresh = iter(c for c in string.ascii_letters if c not in subscripts)
    result, extra_subs, extra_ops = "", [], []
    for pos, c in enumerate(target):
        if c in result:
            f = next(fresh)
            result += f
            extra_subs.append(c + f)
            extra_ops.append(np.eye(shape[pos], dtype=g.dtype))
        else:
            result += c
            if c not in available:
                extra_subs.append(c)
                extra_ops.append(np.ones(shape[pos], dtype=g.dtype))
    spec = ",".join([outs] + [ins[j] for j in others] + extra_subs) + "->" + result
    d = _einsum(g, *[ops[j] for j in others], *extra_ops, subscripts=spec)
    if np.shape(d) == shape:
        return d
    # a size-1 axis of operand i broadcast against the others is summed back by the engine;
    # an axis of operand i that the others broadcast (size 1 in d) is stretched here
    return broadcast_to(d, shape=tuple(s if n == 1 else n for n, s in zip(np.shape(d), shape)))


_einsum.defvjp_argnum(_einsum_vjp)


@composite
def einsum(subscripts, *operands):
    "Einstein summation (np.einsum), differentiable in every operand"
    return _einsum(*operands, subscripts=_explicit(subscripts, [np.shape(o) for o in operands]))


__all__ = ["matmul", "tensordot", "einsum", "outer", "inner", "dot", "vdot", "kron", "convolve",
           "correlate"]
