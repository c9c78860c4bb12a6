"""autograd.linalg as a namespace mirroring np.linalg: the functions np.linalg defines over the
last two axes (diagonal, trace, matrix_transpose), outer, vecdot, and the re-exported names."""

import numpy as np
import pytest

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck

la = ag.linalg
X = np.arange(24.0).reshape(2, 3, 4) / 10


@pytest.mark.parametrize("name,kw", [("matrix_transpose", {}), ("diagonal", {}),
                                     ("diagonal", {"offset": 1}), ("trace", {}),
                                     ("trace", {"offset": -1})])
def test_last_two_axes_functions(name, kw):
    got = getattr(la, name)(X, **kw)
    np.testing.assert_allclose(got.data, getattr(np.linalg, name)(X, **kw))
    assert gradcheck(lambda t: getattr(la, name)(t, **kw), [X])
    assert gradgradcheck(lambda t: getattr(la, name)(t, **kw) ** 2, [X], seed=0)


def test_outer_and_vecdot():
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.3, 2.0])
    np.testing.assert_allclose(la.outer(a, b).data, np.linalg.outer(a, b))
    np.testing.assert_allclose(la.vecdot(X, X[0, 0]).data, np.linalg.vecdot(X, X[0, 0]))
    np.testing.assert_allclose(la.vecdot(X, X, axis=1).data, np.linalg.vecdot(X, X, axis=1))
    assert gradcheck(la.vecdot, [X, X[1]])
    with pytest.raises(ValueError, match=r"outer: expected two 1-d vectors; got shapes \(2, 3"):
        la.outer(X, a)
    with pytest.raises(ValueError, match="matrix_transpose: expected at least 2 dimensions"):
        la.matrix_transpose(a)


def test_namespace_mirrors_numpy():
    """Every public name is a function (or the exception) of np.linalg; the
    products exist under the same names as at the top level."""
    for name in la.__all__:
        assert hasattr(np.linalg, name), name
    assert la.matmul is ag.matmul and la.tensordot is ag.tensordot
    assert isinstance(la.slogdet(np.eye(2)), la.SlogdetResult)
    assert la.multi_dot([np.eye(2), np.ones((2, 1)), np.ones((1, 2))]).shape == (2, 2)
