"""sort, argsort, partition, topk, searchsorted and take_along_axis: values against NumPy; the
values' gradients (a permutation scattered back) checked to second order on inputs without
ties; index outputs carry no gradient."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck, shapes, tensors

ND = shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _axis(data, ndim, none=True):
    return data.draw(st.sampled_from(([None] if none else []) + list(range(-ndim, ndim))))


def check(fn, want, x):
    got = fn(x)
    np.testing.assert_array_equal(got.data, want)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x], seed=0)
    return True


@given(data=st.data())
def test_sort_and_argsort(data):
    x = data.draw(tensors(shape=ND, elements="distinct"))
    axis = _axis(data, x.ndim)
    assert check(lambda t: ag.sort(t, axis=axis), np.sort(x.data, axis=axis), x)
    i = ag.argsort(x, axis=axis)
    assert i.dtype.kind == "i" and not i.requires_grad and i.op is None
    np.testing.assert_array_equal(i.data, np.argsort(x.data, axis=axis))
    if axis is not None:
        np.testing.assert_array_equal(x.sort(axis).data, np.sort(x.data, axis))
        np.testing.assert_array_equal(x.argsort(axis).data, np.argsort(x.data, axis))


def test_sort_gradient_is_the_inverse_permutation():
    x = ag.Tensor([3.0, 1.0, 2.0], requires_grad=True)
    (ag.sort(x) * ag.Tensor([10.0, 20.0, 30.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [30.0, 10.0, 20.0])


def test_sort_size_zero_and_ties():
    e = ag.Tensor(np.zeros((2, 0)), requires_grad=True)
    assert ag.sort(e).shape == (2, 0) and ag.argsort(e).shape == (2, 0)
    x = ag.Tensor([1.0, 1.0, 0.0], requires_grad=True)
    ag.sort(x).sum().backward()                      # ties: each element still gets its 1
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])


@given(data=st.data())
def test_partition(data):
    x = data.draw(tensors(shape=ND, elements="distinct"))
    axis = _axis(data, x.ndim, none=False)
    kth = data.draw(st.integers(0, x.shape[axis] - 1))
    got = ag.partition(x, kth, axis=axis).data
    np.testing.assert_array_equal(np.take(got, kth, axis),
                                  np.take(np.sort(x.data, axis), kth, axis))
    np.testing.assert_array_equal(np.sort(got, axis), np.sort(x.data, axis))
    assert gradcheck(lambda t: ag.partition(t, kth, axis=axis), [x])
    assert np.array_equal(ag.argpartition(x, kth, axis=axis).data,
                          np.argpartition(x.data, kth, axis=axis))


@given(data=st.data())
def test_topk(data):
    x = data.draw(tensors(shape=ND, elements="distinct"))
    axis = _axis(data, x.ndim, none=False)
    k = data.draw(st.integers(0, x.shape[axis]))
    largest = data.draw(st.booleans())
    values, idx = ag.topk(x, k, axis=axis, largest=largest)
    s = np.sort(x.data, axis=axis)
    want = np.take(np.flip(s, axis) if largest else s, np.arange(k), axis=axis)
    np.testing.assert_array_equal(values.data, want)
    np.testing.assert_array_equal(np.take_along_axis(x.data, idx.data, axis), want)
    assert not idx.requires_grad
    assert check(lambda t: ag.topk(t, k, axis=axis, largest=largest)[0], want, x)


@given(data=st.data())
def test_take_along_axis(data):
    x = data.draw(tensors(shape=ND))
    axis = _axis(data, x.ndim, none=False)
    shape = list(x.shape)
    shape[axis] = data.draw(st.integers(0, 5))
    shape = [1 if data.draw(st.booleans()) and i != axis else n for i, n in enumerate(shape)]
    size = int(np.prod(shape))
    idx = np.asarray(data.draw(st.lists(st.integers(-x.shape[axis], x.shape[axis] - 1),
                                        min_size=size, max_size=size)), dtype=np.int64)
    idx = idx.reshape(shape)
    assert check(lambda t: ag.take_along_axis(t, idx, axis), np.take_along_axis(x.data, idx, axis),
                 x)
    assert check(lambda t: ag.take_along_axis(t, ag.Tensor(idx, dtype=np.int64), axis),
                 np.take_along_axis(x.data, idx, axis), x)


def test_take_along_axis_none_and_repeats_accumulate():
    x = ag.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    np.testing.assert_array_equal(ag.take_along_axis(x, np.array([[1], [0]])).data, [[2.0], [3.0]])
    y = ag.take_along_axis(x, np.array([3, 3, 0]), None)
    np.testing.assert_array_equal(y.data, [4.0, 4.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0], [0.0, 2.0]])


def test_searchsorted():
    a = ag.Tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ag.searchsorted(a, np.array([0.5, 2.0, 9.0])).data, [0, 1, 3])
    np.testing.assert_array_equal(a.searchsorted(2.0, side="right").data, 2)


def test_errors_name_the_function():
    x = ag.Tensor([[1.0, 2.0]])
    with pytest.raises(TypeError, match="take_along_axis: indices must be integers"):
        ag.take_along_axis(x, np.array([[0.0]]), 1)
    with pytest.raises(ValueError, match="take_along_axis: indices of shape \\(1,\\)"):
        ag.take_along_axis(x, np.array([0]), 1)
    with pytest.raises(ValueError, match="topk: k = 3 is out of range"):
        ag.topk(x, 3)
    with pytest.raises(np.exceptions.AxisError, match="sort: axis 2"):
        ag.sort(x, axis=2)
    with pytest.raises(np.exceptions.AxisError, match="argsort"):
        ag.argsort(x, axis=2)


def test_negative_control_unsorted_gradient_is_caught():
    """A 'sort' whose VJP forgets to permute back fails gradcheck."""
    bad = ag.primitive(lambda x: np.sort(x), name="bad_sort")
    bad.defvjp(lambda g, out, x: g)
    with pytest.raises(AssertionError, match="gradcheck"):
        gradcheck(bad, [np.array([3.0, 1.0, 2.0])])
