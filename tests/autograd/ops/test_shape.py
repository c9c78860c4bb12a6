"""Shape and indexing ops: forward against NumPy, first and second derivatives against central
differences; indexing with ints, slices, None, Ellipsis, masks and repeated integer arrays."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(max_dims=3, max_side=3)


def check(fn, npfn, *xs, second=True):
    """Forward equal to NumPy's, gradcheck and gradgradcheck; True or raise."""
    got = fn(*xs)
    want = npfn(*[x.data for x in xs])
    assert got.shape == np.shape(want)
    np.testing.assert_array_equal(got.data, want)
    assert gradcheck(fn, xs)
    if second:
        assert gradgradcheck(fn, xs, seed=0)
    return True


@given(data=st.data())
def test_reshape(data):
    x = data.draw(tensors(shape=shapes(max_dims=3, max_side=3, min_side=0)))
    new = tuple(data.draw(st.permutations(x.shape)))
    assert check(lambda t: t.reshape(new), lambda a: a.reshape(new), x)
    assert check(lambda t: ag.reshape(t, (-1,)), lambda a: a.reshape(-1), x)
    assert check(lambda t: t.view(*new) if new else t.view(()), lambda a: a.reshape(new), x)


@given(data=st.data())
def test_transpose_permute_swapaxes(data):
    x = data.draw(tensors(shape=shapes(max_dims=3, min_side=0, max_side=3)))
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    assert check(lambda t: t.transpose(perm) if perm else t.transpose(),
                 lambda a: a.transpose(perm),
                 x)
    assert check(lambda t: t.T, lambda a: a.T, x)
    assert check(lambda t: ag.permute(t, perm), lambda a: np.transpose(a, perm), x)
    if x.ndim:
        i, j = data.draw(st.integers(-x.ndim, x.ndim - 1)), data.draw(st.integers(0, x.ndim - 1))
        assert check(lambda t: t.swapaxes(i, j), lambda a: np.swapaxes(a, i, j), x)


@given(data=st.data())
def test_squeeze_expand_dims_flatten(data):
    x = data.draw(tensors(shape=shapes(max_dims=4, max_side=2)))
    assert check(lambda t: t.squeeze(), np.squeeze, x)
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    if ones:
        a = data.draw(st.sampled_from(ones))
        assert check(lambda t: ag.squeeze(t, axis=a), lambda v: np.squeeze(v, axis=a), x)
    e = data.draw(st.integers(-x.ndim - 1, x.ndim))
    assert check(lambda t: t.expand_dims(e), lambda v: np.expand_dims(v, e), x)
    assert check(lambda t: t.flatten(), lambda v: v.reshape(-1), x)
    if x.ndim >= 2:
        assert check(lambda t: ag.flatten(t, start_dim=1), lambda v: v.reshape(v.shape[0], -1), x)
    if x.ndim:
        s, e = sorted(data.draw(st.integers(0, x.ndim - 1)) for _ in range(2))
        merged = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
        assert check(lambda t: ag.flatten(t, s, e - x.ndim), lambda v: v.reshape(merged), x)
    out_nd = x.ndim + data.draw(st.integers(1, 2))
    many = tuple(data.draw(st.lists(st.integers(-out_nd, out_nd - 1), min_size=out_nd - x.ndim,
                                    max_size=out_nd - x.ndim, unique_by=lambda a: a % out_nd)))
    assert check(lambda t: ag.expand_dims(t, many), lambda v: np.expand_dims(v, many), x)
    if len(ones) >= 2:
        assert check(lambda t: t.squeeze(tuple(ones[:2])),
                     lambda v: np.squeeze(v, axis=tuple(ones[:2])), x)


@given(data=st.data())
def test_flip_repeat_tile(data):
    x = data.draw(tensors(shape=shapes(max_dims=3, min_side=0, max_side=3)))
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1))) if x.ndim else None
    assert check(lambda t: t.flip(axis), lambda v: np.flip(v, axis), x)
    reps = data.draw(st.integers(1, 3))
    assert check(lambda t: t.repeat(reps, axis=axis), lambda v: np.repeat(v, reps, axis=axis), x)
    tiles = tuple(data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=3)))
    assert check(lambda t: t.tile(tiles), lambda v: np.tile(v, tiles), x)
    assert check(lambda t: ag.tile(t, tiles[0]), lambda v: np.tile(v, tiles[0]), x)
    if x.ndim:
        counts = data.draw(st.lists(st.integers(0, 2), min_size=x.shape[0], max_size=x.shape[0]))
        assert check(lambda t: ag.repeat(t, counts, axis=0),
                     lambda v: np.repeat(v, counts, axis=0), x)


def test_repeat_with_per_element_counts_accumulates():
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ag.repeat(x, [3, 0, 1])
    np.testing.assert_array_equal(y.data, [1, 1, 1, 3])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 0, 1])


@given(data=st.data())
def test_concatenate_stack_split(data):
    base = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    parts = [data.draw(tensors(shape=base[:axis % len(base)] + (n,) + base[axis % len(base) + 1:]))
             for n in sizes]
    assert check(lambda *ts: ag.concatenate(ts, axis=axis), lambda *a: np.concatenate(a, axis=axis),
                 *parts)
    same = [data.draw(tensors(shape=base)) for _ in sizes]
    new_axis = data.draw(st.integers(-len(base) - 1, len(base)))
    assert check(lambda *ts: ag.stack(ts, axis=new_axis), lambda *a: np.stack(a, axis=new_axis),
                 *same)
    whole = ag.concatenate(parts, axis=axis).detach().requires_grad_()
    cuts = list(np.cumsum(sizes)[:-1])
    pieces = whole.split(cuts, axis=axis)
    for got, want in zip(pieces, np.split(whole.data, cuts, axis=axis)):
        np.testing.assert_array_equal(got.data, want)
    assert gradcheck(lambda t: tuple(ag.split(t, cuts, axis=axis)), [whole])
    assert gradgradcheck(lambda t: tuple(ag.split(t, cuts, axis=axis)), [whole], seed=0)
    k = data.draw(st.integers(1, 3))
    ax = axis % len(base)
    even = data.draw(tensors(shape=base[:ax] + (k * 2,) + base[ax + 1:]))
    pieces = ag.split(even, k, axis=axis)
    for got, want in zip(pieces, np.split(even.data, k, axis=axis), strict=True):
        np.testing.assert_array_equal(got.data, want)
    assert gradcheck(lambda t: tuple(ag.split(t, k, axis=axis)), [even])


def test_split_into_equal_sections():
    x = ag.arange(6.0).reshape(2, 3)
    a, b, c = ag.split(x, 3, axis=1)
    np.testing.assert_array_equal(b.data, [[1.0], [4.0]])
    with pytest.raises(ValueError, match="split"):
        ag.split(x, 4, axis=1)


@given(data=st.data())
def test_pad(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, min_side=0, max_side=3)))
    widths = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
                   for _ in range(x.ndim))
    value = data.draw(st.sampled_from([0.0, -1.5]))
    assert check(lambda t: t.pad(widths, constant_values=value),
                 lambda v: np.pad(v, widths, constant_values=value), x)


INDICES = [
    1, -1, slice(None), slice(None, None, -1), slice(1, None, 2), (Ellipsis, 0), (None, 0),
    (0, None, slice(None)), (Ellipsis, None), np.array([0, 0, 2, 1, 0]), [2, 2],
    (slice(None), np.array([1, 1])), (np.array([0, 2]), np.array([1, 1])),
    slice(1, 1), (slice(None, None, -2), slice(2, 0, -1)), (Ellipsis,), (),
    ([0, 2], slice(None), [0, -1]), (slice(None), [0, 0], None, [-1, 0]),
]


@pytest.mark.parametrize("index", INDICES, ids=[repr(i) for i in INDICES])
@given(x=tensors(shape=st.tuples(st.just(3), st.integers(2, 3), st.integers(1, 2))))
def test_getitem(index, x):
    npindex = np.asarray(index) if isinstance(index, list) else index
    assert check(lambda t: t[index], lambda a: a[npindex], x)


@given(data=st.data())
def test_getitem_boolean_mask(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=3)))
    mask = data.draw(tensors(shape=x.shape, elements=st.booleans().map(float),
                             requires_grad=False)).data > 0.5
    assert check(lambda t: t[mask], lambda a: a[mask], x)
    assert check(lambda t: t[ag.Tensor(mask, dtype=bool)], lambda a: a[mask], x)


@pytest.mark.parametrize("index", [(), Ellipsis, None, (None, Ellipsis)],
                         ids=["()", "...", "None", "None,..."])
@given(x=tensors(shape=()))
def test_getitem_of_a_0d_tensor(index, x):
    assert check(lambda t: t[index], lambda a: a[index], x)


@given(data=st.data())
def test_getitem_with_an_integer_tensor_index(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=3)))
    idx = np.array(data.draw(st.lists(st.integers(-x.shape[0], x.shape[0] - 1), max_size=4)),
                   dtype=np.int64)
    assert check(lambda t: t[ag.Tensor(idx, dtype=np.int64)], lambda a: a[idx], x)
    assert check(lambda t: ag.getitem(t, (idx,)), lambda a: a[idx], x)


@given(data=st.data())
def test_untake_is_the_adjoint_of_getitem(data):
    """untake(g, index, shape) = zeros with g added at index (np.add.at), differentiable in g."""
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    idx = np.array(data.draw(st.lists(st.integers(0, shape[0] - 1), max_size=5)), dtype=np.int64)
    g = data.draw(tensors(shape=(len(idx),) + shape[1:]))

    def np_untake(a):
        z = np.zeros(shape)
        np.add.at(z, (idx,), a)
        return z

    assert check(lambda t: ag.untake(t, index=(idx,), shape=shape), np_untake, g)
    x = data.draw(tensors(shape=shape, requires_grad=False))     # ⟨x[idx], g⟩ = ⟨x, untake(g)⟩
    np.testing.assert_allclose(np.sum(x.data[idx] * g.data),
                               np.sum(x.data * ag.untake(g, index=(idx,), shape=shape).data),
                               rtol=1e-12, atol=1e-12)


def test_repeated_indices_accumulate():
    x = ag.Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_iteration_and_len_follow_axis_zero():
    x = ag.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    assert len(x) == 3
    rows = list(x)
    assert [r.shape for r in rows] == [(2,)] * 3
    (rows[0] * 1 + rows[2] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [0, 0], [2, 2]])


def test_metadata_given_positionally_is_never_taken_for_an_array():
    """Regression: ag.getitem(x, (0, 1)) gave rows 0 and 1 (the tuple became an integer-array
    index) instead of the element x[0, 1]; a positional shape was recorded as an input."""
    x = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert ag.getitem(x, (0, 1)).item() == 1.0
    np.testing.assert_array_equal(ag.getitem(x, (slice(None), 2)).data, [2.0, 5.0])
    for y in [ag.reshape(x, (3, 2)), ag.broadcast_to(x, (2, 2, 3)), ag.getitem(x, (0, 1)),
              ag.untake(x, (0,), (1, 2, 3)), ag.astype(x, np.float32)]:
        assert len(y.inputs) == 1 and y.inputs[0] is x


# ---- scatter and scatter_add: put_along_axis and add.at without writing in place ------------


@pytest.mark.parametrize("name", ["scatter", "scatter_add"])
@given(data=st.data())
def test_scatter(name, data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    ishape = list(x.shape)
    ishape[axis] = data.draw(st.integers(0, 4))
    idx = np.asarray(data.draw(st.lists(st.integers(-x.shape[axis], x.shape[axis] - 1),
                                        min_size=int(np.prod(ishape)),
                                        max_size=int(np.prod(ishape)))),
                     dtype=np.int64).reshape(ishape)           # repeats included
    v = data.draw(tensors(shape=tuple(ishape)))
    want = x.data.copy()
    if name == "scatter":
        np.put_along_axis(want, idx, v.data, axis)
    else:
        grid = list(np.ogrid[tuple(slice(n) for n in ishape)])
        grid[axis % x.ndim] = idx
        np.add.at(want, tuple(grid), v.data)
    fn = getattr(ag, name)
    np.testing.assert_allclose(fn(x, idx, v, axis).data, want, rtol=1e-12)
    before = x.data.copy()
    assert gradcheck(lambda a, b: fn(a, idx, b, axis), [x, v])
    assert gradgradcheck(lambda a, b: fn(a, idx, b, axis) ** 2, [x, v], seed=0)
    np.testing.assert_array_equal(x.data, before)                  # nothing written in place


def test_scatter_repeats_last_write_wins_and_only_it_gets_gradient():
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ag.Tensor([10.0, 20.0], requires_grad=True)
    y = ag.scatter(x, np.array([1, 1]), v, 0)
    np.testing.assert_array_equal(y.data, [1.0, 20.0, 3.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(v.grad.data, [0.0, 1.0])
    with pytest.raises(TypeError, match="scatter_add: indices must be integers"):
        ag.scatter_add(x, np.array([0.5]), v, 0)
