"""autograd.functional: transforms checked against closed forms and against each other."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import functional as F
from autograd import Tensor

floats = st.floats(-2.0, 2.0, allow_nan=False)
vectors = st.lists(floats, min_size=1, max_size=4).map(np.array)


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def rosenbrock_hessian(x):
    """The closed form: tridiagonal, from ∂²/∂xᵢ∂xⱼ of the sum above."""
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 2 - 400 * (x[i + 1] - x[i] ** 2) + 800 * x[i] ** 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
    return h


def numeric_jacobian(f, x, eps=1e-6):
    """Central differences, shape out.shape + x.shape."""
    x = np.asarray(x, dtype=float)
    out = np.asarray(f(Tensor(x)).data)
    jac = np.zeros(out.shape + x.shape)
    for j in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[j] = eps
        jac[(...,) + j] = (np.asarray(f(Tensor(x + d)).data) -
                          np.asarray(f(Tensor(x - d)).data)) / (2 * eps)
    return jac


A = np.array([[1.0, -2.0, 0.5], [0.3, 0.0, 1.5]])


def nonlinear(x):
    """A map R³ → R² with every kind of interaction (matmul, broadcasting, products)."""
    return ag.tanh(ag.matmul(A, x)) * x[0] + ag.exp(x[1:]) * 0.5


# ---- closed forms ---------------------------------------------------------------------------


@given(st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=5).map(np.array))
def test_rosenbrock_hessian_closed_form(x):
    want = rosenbrock_hessian(x)
    np.testing.assert_allclose(F.hessian(rosenbrock)(x).data, want, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(F.jacrev(F.jacrev(rosenbrock))(x).data, want, rtol=1e-10,
                               atol=1e-8)


def test_rosenbrock_gradient_vanishes_at_minimum():
    g = F.grad(rosenbrock)(np.ones(4))
    np.testing.assert_array_equal(g.data, np.zeros(4))
    assert np.linalg.eigvalsh(F.hessian(rosenbrock)(np.ones(4)).data).min() > 0


@given(vectors)
def test_softmax_jacobian(x):
    s = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    want = np.diag(s) - np.outer(s, s)
    for jac in (F.jacobian, F.jacrev, F.jacfwd):
        got = jac(ag.softmax)(x)
        assert got.shape == (len(x), len(x))
        np.testing.assert_allclose(got.data, want, atol=1e-12)
    np.testing.assert_allclose(F.jacobian(ag.softmax)(x).data.sum(axis=0), 0, atol=1e-12)


@given(floats)
def test_third_derivative_of_tanh(x):
    t = np.tanh(x)
    d1, d2, d3 = F.grad(ag.tanh), F.grad(F.grad(ag.tanh)), F.grad(F.grad(F.grad(ag.tanh)))
    np.testing.assert_allclose(d1(x).data, 1 - t ** 2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(d2(x).data, -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(d3(x).data, -2 * (1 - t ** 2) * (1 - 3 * t ** 2), rtol=1e-10,
                               atol=1e-12)


def test_elementwise_grad_on_a_grid_up_to_fourth_order():
    x = np.linspace(-3, 3, 61)
    e = F.elementwise_grad
    np.testing.assert_allclose(e(ag.sin)(x).data, np.cos(x), atol=1e-14)
    np.testing.assert_allclose(e(e(ag.sin))(x).data, -np.sin(x), atol=1e-14)
    np.testing.assert_allclose(e(e(e(ag.sin)))(x).data, -np.cos(x), atol=1e-14)
    np.testing.assert_allclose(e(e(e(e(ag.sin))))(x).data, np.sin(x), atol=1e-14)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(e(e(ag.sigmoid))(x).data, s * (1 - s) * (1 - 2 * s), atol=1e-14)


def test_jacobian_of_matrix_function_has_output_then_input_axes():
    x = np.random.default_rng(0).standard_normal((2, 3))
    B = np.random.default_rng(1).standard_normal((3, 4))
    f = lambda x: ag.tanh(ag.matmul(x, B))                      # (2, 3) -> (2, 4)
    want = numeric_jacobian(f, x)
    for jac in (F.jacrev, F.jacfwd):
        got = jac(f)(x)
        assert got.shape == (2, 4, 2, 3)
        np.testing.assert_allclose(got.data, want, atol=1e-8)


# ---- jvp, vjp, hvp agree with the Jacobian -------------------------------------------------


@given(st.lists(floats, min_size=3, max_size=3).map(np.array),
       st.lists(floats, min_size=3, max_size=3).map(np.array),
       st.lists(floats, min_size=2, max_size=2).map(np.array))
def test_jvp_vjp_hvp_against_jacobian(x, v, w):
    J = numeric_jacobian(nonlinear, x)
    np.testing.assert_allclose(F.jacobian(nonlinear)(x).data, J, atol=1e-7)
    out, jv = F.jvp(nonlinear, (x,), (v,))
    np.testing.assert_allclose(out.data, nonlinear(Tensor(x)).data)
    np.testing.assert_allclose(jv.data, J @ v, atol=1e-7)
    out, vjp_fn = F.vjp(nonlinear, x)
    (wj,) = vjp_fn(w)
    np.testing.assert_allclose(wj.data, w @ J, atol=1e-7)
    (again,) = vjp_fn(2 * w)                                     # callable again, and linear
    np.testing.assert_allclose(again.data, 2 * wj.data, atol=1e-12)
    f = lambda x: (nonlinear(x) ** 2).sum()
    H = F.hessian(f)(x).data
    np.testing.assert_allclose(H, H.T, atol=1e-10)
    np.testing.assert_allclose(F.hvp(f, x, v).data, H @ v, atol=1e-10)


def test_jvp_and_vjp_with_several_primals_and_outputs():
    x, y = np.array([0.5, -1.0]), np.array(2.0)
    f = lambda x, y: (x * y, ag.sin(x).sum() + y ** 2)
    (o1, o2), (t1, t2) = F.jvp(f, (x, y), (np.array([1.0, 0.0]), np.array(1.0)))
    np.testing.assert_allclose(t1.data, [y + x[0], x[1]])
    np.testing.assert_allclose(t2.data, np.cos(x[0]) + 2 * y)
    _, vjp_fn = F.vjp(f, x, y)
    gx, gy = vjp_fn((np.array([1.0, 1.0]), np.array(1.0)))
    np.testing.assert_allclose(gx.data, y + np.cos(x))
    np.testing.assert_allclose(gy.data, x.sum() + 2 * y)
    hx, hy = F.hvp(lambda x, y: (x * x).sum() * y, (x, y), (np.ones(2), np.array(0.0)))
    np.testing.assert_allclose(hx.data, 2 * y * np.ones(2))
    np.testing.assert_allclose(hy.data, 2 * x.sum())


# ---- argnums, has_aux, inputs of every kind ------------------------------------------------


def test_argnums_and_has_aux():
    f = lambda x, y, z: (x * y * z).sum()
    x, y, z = np.array([1.0, 2.0]), 3.0, np.array([4.0, 5.0])
    gx, gz = F.grad(f, argnums=(0, -1))(x, y, z)
    np.testing.assert_allclose(gx.data, y * z)
    np.testing.assert_allclose(gz.data, x * y)
    assert F.grad(f, argnums=1)(x, y, z).item() == 14.0
    (value, aux), g = F.value_and_grad(lambda x: ((x ** 2).sum(), "aux"), has_aux=True)(x)
    assert value.item() == 5.0 and aux == "aux"
    np.testing.assert_allclose(g.data, 2 * x)
    g, aux = F.grad(lambda x: ((x ** 2).sum(), x * 0), has_aux=True)(x)
    np.testing.assert_allclose(g.data, 2 * x)
    with pytest.raises(ValueError, match="argnums 3 is out of range"):
        F.grad(f, argnums=3)(x, y, z)
    with pytest.raises(TypeError, match="has_aux=True.*pair"):
        F.grad(lambda x: x.sum(), has_aux=True)(x)


@pytest.mark.parametrize("x", [1.5, 2, np.float64(1.5), np.array(1.5), Tensor(1.5),
                               Tensor(1.5, requires_grad=True)])
def test_accepts_numbers_arrays_and_tensors(x):
    g = F.grad(lambda x: x ** 3)(x)
    assert isinstance(g, Tensor) and g.dtype == np.float64
    assert g.item() == pytest.approx(3 * float(np.asarray(x.data if isinstance(x, Tensor) else x))
                                     ** 2)


def test_float32_stays_float32():
    x = np.array([0.5, 1.0], dtype=np.float32)
    assert F.elementwise_grad(ag.tanh)(x).dtype == np.float32
    assert F.jacobian(ag.softmax)(x).dtype == np.float32
    assert F.grad(lambda x: (x ** 2).sum())(Tensor(x)).dtype == np.float32


def test_no_grad_side_effects_and_no_graph_at_top_level():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor(3.0, requires_grad=True)
    g = F.grad(lambda x: (x ** 2).sum())(x)
    h = F.hessian(lambda x: (x ** 3).sum())(x)
    assert x.grad is None and w.grad is None
    np.testing.assert_allclose(g.data, [2.0, 4.0])
    np.testing.assert_allclose(h.data, np.diag([6.0, 12.0]))
    e = F.grad(lambda v: (v * v).sum())(np.array([1.0]))
    assert not e.requires_grad and e.is_leaf                      # plain input: no graph kept
    # an input that requires grad stays connected, as in torch.func: d/dx Σ 6x = 6
    assert h.requires_grad
    (dx,) = ag.grad(h.sum(), x)
    np.testing.assert_allclose(dx.data, [6.0, 6.0])
    assert x.grad is None


def test_closure_over_a_parameter_keeps_the_gradient_differentiable():
    """A gradient penalty: d/dw of |∂f/∂x|² where f closes over w."""
    w = Tensor(3.0, requires_grad=True)
    x = np.array([1.0, -2.0])
    g = F.grad(lambda x: (w * x ** 2).sum())(x)                  # 2·w·x
    np.testing.assert_allclose(g.data, 2 * 3.0 * x)
    (g ** 2).sum().backward()                                    # Σ 4w²x² → 8w Σx²
    assert w.grad.item() == pytest.approx(8 * 3.0 * (x ** 2).sum())


def test_nesting_does_not_confuse_perturbations():
    # d/dx [x · (d/dy (x + y))] = 1, and d/dx [x · (d/dy x·y at y = x)] = 2x
    assert F.grad(lambda x: x * F.grad(lambda y: x + y)(1.0))(2.0).item() == 1.0
    assert F.grad(lambda x: x * F.grad(lambda y: x * y)(x))(3.0).item() == 6.0


def test_constant_and_unused_inputs_give_zeros():
    assert F.grad(lambda x: Tensor(3.0))(2.0).item() == 0.0
    gx, gy = F.grad(lambda x, y: (x * 2).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(gy.data, np.zeros(3))
    assert F.jacobian(lambda x: Tensor(np.ones(2)))(np.ones(3)).shape == (2, 3)
    assert F.hessian(lambda x: x.sum())(np.ones(2)).data.tolist() == [[0, 0], [0, 0]]
    _, jv = F.jvp(lambda x: x * 0 + 1, (np.ones(2),), (np.ones(2),))
    np.testing.assert_array_equal(jv.data, 0)


def test_errors_name_the_transform_and_shapes():
    with pytest.raises(TypeError, match=r"^grad\(<lambda>\).*scalar output.*\(2,\)"):
        F.grad(lambda x: x * 2)(np.ones(2))           # names grad, the function called
    with pytest.raises(TypeError, match=r"^value_and_grad\(<lambda>\).*scalar output"):
        F.value_and_grad(lambda x: x * 2)(np.ones(2))
    with pytest.raises(ValueError, match=r"jvp.*tangent.*\(3,\).*\(2,\)"):
        F.jvp(ag.sin, (np.ones(2),), (np.ones(3),))
    with pytest.raises(TypeError, match="cannot differentiate with respect to .* str"):
        F.grad(lambda s: s)("x")
    with pytest.raises(TypeError, match="floating"):
        F.grad(lambda x: x)(Tensor(np.array([1], dtype=np.int64), dtype=np.int64))
    with pytest.raises(TypeError, match="must return a Tensor"):
        F.grad(lambda x: "no")(1.0)
    _, vjp_fn = F.vjp(ag.sin, np.ones(2))
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\).*\(2,\)"):
        vjp_fn(np.ones(3))


def test_transformed_functions_are_named():
    assert F.grad(ag.tanh).__name__ == "grad(tanh)"
    assert F.grad(F.grad(ag.tanh)).__name__ == "grad(grad(tanh))"


@pytest.mark.parametrize("transform, expect", [
    (F.grad, [15.0, 60.0]), (F.elementwise_grad, [15.0, 60.0]), (F.jacrev, [15.0, 60.0]),
    (F.jacfwd, [15.0, 60.0]), (F.hessian, [[30.0, 0.0], [0.0, 60.0]])])
def test_keyword_arguments_pass_through_undifferentiated(transform, expect):
    def f(x, scale=2.0):
        return (x ** 3).sum() * scale
    got = transform(f)(np.array([1.0, 2.0]), scale=5.0)
    np.testing.assert_allclose(got.numpy(), expect)
    value, g = F.value_and_grad(f)(np.array([1.0, 2.0]), scale=5.0)
    assert float(value) == 45.0 and g.tolist() == [15.0, 60.0]
    assert float(F.grad(F.grad(lambda x, k=1.0: x ** 3 * k))(1.0, k=5.0)) == 30.0


# ---- Hessian blocks for several arguments (issue 9, item 14) ---------------------------------
def test_hessian_with_a_tuple_of_argnums_returns_the_nested_blocks():
    def f(a, b):
        return (a * b * b).sum() + (a ** 3).sum()

    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    H = F.hessian(f, argnums=(0, 1))(a, b)
    assert len(H) == 2 and all(len(row) == 2 for row in H)
    np.testing.assert_allclose(H[0][0].data, np.diag(6 * a))
    np.testing.assert_allclose(H[0][1].data, np.diag(2 * b))
    np.testing.assert_allclose(H[1][0].data, np.diag(2 * b))
    np.testing.assert_allclose(H[1][1].data, np.diag(2 * a))


def test_jacfwd_of_a_tuple_output_gives_one_block_per_output():
    J = F.jacfwd(lambda x: (x * 2, (x * x).sum()))(np.array([1.0, 3.0]))
    np.testing.assert_allclose(J[0].data, 2 * np.eye(2))
    np.testing.assert_allclose(J[1].data, [2.0, 6.0])
