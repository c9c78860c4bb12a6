"""The engine: the chain rule on graph shapes (chains, diamonds, shared subexpressions),
leaves vs intermediates, accumulation, grad modes, detach, retain_grad, hooks, grad(),
higher derivatives and the version counter."""

import numpy as np
import pytest
from hypothesis import given
import hypothesis.strategies as st

import autograd as ag
from autograd import Tensor


def leaf(v):
    return Tensor(v, requires_grad=True)


def test_chain_rule_example():
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)
    assert q.grad is None                      # intermediates keep no .grad by default


def test_diamond_graph_sums_both_paths():
    x = leaf(3.0)
    a, b = x * 2, x ** 2                        # x feeds two branches that meet again
    (a * b).backward()                          # d/dx 2x³ = 6x²
    assert x.grad.item() == 54.0


def test_node_used_twice_in_one_op():
    x = leaf([1.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, -4.0])
    y = leaf(1.5)
    (y + y + y).backward()
    assert y.grad.item() == 3.0


def test_shared_subexpression_is_counted_once_per_use():
    x = leaf(0.7)
    s = ag.sin(x)                               # used by three consumers
    f = s * s + ag.exp(s) + s
    f.backward()
    c = np.cos(0.7)
    assert x.grad.item() == pytest.approx((2 * np.sin(0.7) + np.exp(np.sin(0.7)) + 1) * c)


@given(n=st.integers(1, 30), v=st.floats(-2, 2))
def test_long_shared_chain(n, v):
    """y_{k+1} = y_k + y_k doubles the gradient at each of n steps: dy/dx = 2^n."""
    x = leaf(v)
    y = x
    for _ in range(n):
        y = y + y
    y.backward()
    assert x.grad.item() == 2.0 ** n


def test_gradients_accumulate_until_cleared():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3 + 2, 3 + 4])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 3])


def test_backward_twice_adds_again_and_graph_stays():
    x = leaf(2.0)
    y = x * x * x
    y.backward()
    y.backward()                               # the graph is kept: the same gradient again
    assert x.grad.item() == 2 * 12.0
    assert y.op is not None and y.inputs[0].op is not None


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
        with ag.enable_grad():
            z = x * 3
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and z.requires_grad

    @ag.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad and ag.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context():
    x = leaf(1.0)
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled() and not (x + 1).requires_grad
    finally:
        ag.set_grad_enabled(True)


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.data is y.data
    (d * x).sum().backward()                  # d is a constant: dx = d
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_retain_grad_keeps_intermediate_gradients():
    x = leaf(2.0)
    h = x * 3
    h.retain_grad()
    (h * h).backward()
    assert h.grad.item() == 12.0 and x.grad.item() == 36.0


def test_hooks_see_and_may_replace_gradients():
    x = leaf([1.0, 2.0])
    seen = []
    h = x * 2
    handle = h.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    h.sum().backward()
    np.testing.assert_array_equal(seen[0], [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_backward_with_gradient_for_non_scalar():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(gradient=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, -6.0])


def test_backward_inputs_restricts_which_leaves_get_grad():
    x, y = leaf(1.0), leaf(2.0)
    (x * y).backward(inputs=[x])
    assert x.grad.item() == 2.0 and y.grad is None


def test_grad_returns_gradients_without_touching_dot_grad():
    x, y = leaf([1.0, 2.0]), leaf(3.0)
    gx, gy = ag.grad((x * y).sum(), [x, y])
    np.testing.assert_array_equal(gx.data, [3.0, 3.0])
    assert gy.item() == 3.0 and x.grad is None and y.grad is None
    (g,) = ag.grad(x * 2, x, grad_outputs=np.array([1.0, -1.0]))
    np.testing.assert_array_equal(g.data, [2.0, -2.0])


def test_grad_allow_unused():
    x, y = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.grad(x * 2, [x, y])
    gx, gy = ag.grad(x * 2, [x, y], allow_unused=True)
    assert gx.item() == 2.0 and gy is None


def test_second_and_third_derivatives_of_tanh():
    v = 0.3
    x = leaf(v)
    (d1,) = ag.grad(ag.tanh(x), x, create_graph=True)
    (d2,) = ag.grad(d1, x, create_graph=True)
    (d3,) = ag.grad(d2, x)
    t = np.tanh(v)
    assert d1.item() == pytest.approx(1 - t ** 2, rel=1e-12)
    assert d2.item() == pytest.approx(-2 * t * (1 - t ** 2), rel=1e-12)
    assert d3.item() == pytest.approx((1 - t ** 2) * (6 * t ** 2 - 2), rel=1e-12)


@pytest.mark.parametrize("fn,d3", [
    (ag.exp, np.exp),
    (ag.sin, lambda v: -np.cos(v)),
    (ag.log, lambda v: 2 / v ** 3),
    (ag.sigmoid, lambda v: (lambda s: s * (1 - s) * (1 - 6 * s + 6 * s * s))(1 / (1 + np.exp(-v)))),
])
def test_third_derivatives(fn, d3):
    x = leaf(np.array([0.4, 1.3]))
    (g1,) = ag.grad(fn(x).sum(), x, create_graph=True)
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    (g3,) = ag.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.data, d3(x.data), rtol=1e-10)


def test_create_graph_backward_gives_differentiable_grad():
    x = leaf(1.5)
    (x ** 3).backward(create_graph=True)
    g = x.grad                                   # 3x²
    assert g.requires_grad
    (g2,) = ag.grad(g, x)
    assert g2.item() == pytest.approx(6 * 1.5)


def test_hessian_vector_product_of_a_quadratic():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = leaf([1.0, -1.0])
    (g,) = ag.grad(0.5 * (x @ (a @ x)), x, create_graph=True)
    v = np.array([1.0, 2.0])
    (hv,) = ag.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.data, a @ v)


def test_version_counter_error_names_the_op():
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    with ag.no_grad():
        w.sub_(0.1)
    with pytest.raises(RuntimeError, match="multiply.*changed in place"):
        y.backward()


def test_in_place_update_then_new_forward_is_fine():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with ag.no_grad():
        w.add_(w.grad, alpha=-0.5)             # w - 0.5·2w = 0
        w.grad = None
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.data, [0.0, 0.0])
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])


@pytest.mark.parametrize("method,args", [("add_", (1.0,)), ("sub_", (1.0,)), ("mul_", (2.0,)),
                                         ("div_", (2.0,)), ("copy_", ([5.0, 6.0],)),
                                         ("fill_", (0.0,)), ("zero_", ()),
                                         ("clamp_", (0.0, 1.0))])
def test_every_in_place_method_bumps_the_version(method, args):
    c = Tensor([1.0, 2.0])                    # a constant saved by the graph
    w = leaf([3.0, 4.0])
    y = (w * c).sum()
    getattr(c, method)(*args)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_in_place_on_tensor_requiring_grad_refuses_in_grad_mode():
    w = leaf([1.0])
    with pytest.raises(RuntimeError, match="add_.*no_grad"):
        w.add_(1.0)


def test_a_saved_tensor_changed_in_place_by_a_hook_during_backward_is_caught():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    c = ag.Tensor([3.0, 4.0])
    y = x * c

    def bump(g):
        c.add_(1.0)         # changes what the multiply saved, in the middle of the pass

    y.register_hook(bump)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.sum().backward()


# ---- second derivatives of piecewise-linear functions (issue 9, item 5) ---------------------
PIECEWISE = {
    "relu": lambda x: ag.relu(x).sum(),
    "abs": lambda x: ag.abs(x).sum(),
    "maximum": lambda x: ag.maximum(x, 0.5).sum(),
    "minimum": lambda x: ag.minimum(x, 0.5).sum(),
    "clip": lambda x: ag.clip(x, -1.0, 1.0).sum(),
    "max": lambda x: ag.max(x),
    "min": lambda x: ag.min(x, axis=0).sum(),
    "sum": lambda x: x.sum(),
    "linear": lambda x: (3 * x).sum(),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_second_derivative_of_a_piecewise_linear_function_is_zero(name):
    x = Tensor([1.5, -2.0, 0.25], requires_grad=True)
    (g,) = ag.grad(PIECEWISE[name](x), x, create_graph=True)
    assert g.requires_grad
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, np.zeros(3))


def test_backward_create_graph_leaves_a_differentiable_grad_for_piecewise_linear():
    x = Tensor([1.5, -2.0], requires_grad=True)
    ag.relu(x).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


# ---- each .grad owns its memory (issue 9, item 9) -------------------------------------------
@pytest.mark.parametrize("create_graph", [False, True])
def test_grads_do_not_share_memory_and_are_writable(create_graph):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward(create_graph=create_graph)
    assert not np.shares_memory(x.grad.data, y.grad.data)
    x.grad.data *= 0.5
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    gx, gy = ag.grad((x + y).sum(), [x, y], create_graph=create_graph)
    assert gx is not gy and not np.shares_memory(gx.data, gy.data)


def test_broadcast_gradient_is_an_ordinary_writable_array():
    b = Tensor(np.zeros(3), requires_grad=True)
    (Tensor(np.ones((4, 3))) + b).sum().backward()
    b.grad.data[0] = 7.0
    np.testing.assert_array_equal(b.grad.data, [7.0, 4.0, 4.0])


# ---- complex outputs are refused (issue 9, item 10) ------------------------------------------
def test_backward_of_a_complex_output_is_refused():
    x = Tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match="complex128 without a gradient|cannot become complex128"):
        (x * 1).astype(np.complex128)
    c = x.detach().astype(np.complex128)
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.backward()


# ---- engine: backward(inputs=...) and grad(...) --------------------------------------------


def test_backward_inputs_accumulates_into_a_non_leaf_input():
    x = Tensor(2.0, requires_grad=True)
    y = x * 3
    (y * y).backward(inputs=[y])
    assert y.grad is not None and y.grad.item() == 12.0        # d(y²)/dy = 2y
    assert x.grad is None                                       # not asked for


def test_backward_inputs_must_require_grad_and_not_be_empty():
    x = Tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: inputs\[0\] does not require grad"):
        (x * 2).backward(inputs=[Tensor(1.0)])
    with pytest.raises(RuntimeError, match="backward: `inputs` is empty"):
        (x * 2).backward(inputs=[])


def test_backward_inputs_given_twice_accumulate_once():
    x = Tensor(2.0, requires_grad=True)
    (x * 5).backward(inputs=[x, x])
    assert x.grad.item() == 5.0


def test_grad_with_the_same_output_twice_sums_both_cotangents():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    (g,) = ag.grad([a, a], x, grad_outputs=[np.ones(2), np.array([1.0, 0.0])])
    np.testing.assert_array_equal(g.data, [4.0, 2.0])


# ---- cotangent buffers: slices add into one array, fan-in adds in place ----------------------


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4)), min_size=1, max_size=12),
       st.lists(st.integers(0, 5), max_size=6))
def test_many_slices_and_indices_of_one_tensor_add_up(slices, picks):
    """Overlapping slices, repeated integer picks and a fancy index of one tensor: the gradient
    equals the count of each element's uses (weighted), the reference built with np.add.at."""
    rng = np.random.default_rng(len(slices))
    x = Tensor(rng.normal(size=(6, 3)), requires_grad=True)
    expected = np.zeros((6, 3))
    terms = []
    for k, (start, length) in enumerate(slices):
        w = k + 1.0
        terms.append((x[start:start + length] * w).sum())
        expected[start:start + length] += w
    for p in picks:
        terms.append(x[p, 1] * 2.0)
        expected[p, 1] += 2.0
    if picks:
        terms.append(x[np.array(picks)].sum())
        np.add.at(expected, np.array(picks), 1.0)
    ag.stack(terms).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected)
    (gx,) = ag.grad(ag.stack(terms).sum(), x, create_graph=True)
    np.testing.assert_allclose(gx.numpy(), expected)


def test_a_users_gradient_array_is_never_added_into():
    """The engine adds in place only into arrays it made itself: neither the seed the user
    passed nor one array that add's VJP hands to two inputs is written."""
    x = Tensor(np.ones(4), requires_grad=True)
    y = x * 1.0
    z = y + y + y + y                               # y receives the same array four times
    seed = np.arange(4.0)
    z.backward(seed)
    np.testing.assert_array_equal(seed, np.arange(4.0))
    np.testing.assert_array_equal(x.grad.numpy(), 4 * np.arange(4.0))
    x.grad = None
    a, b = x * 2.0, x * 3.0
    c = a[::-1]
    ((a + b) + c).backward(seed)    # a and b get one array from add; c's slice then adds to a's
    np.testing.assert_array_equal(x.grad.numpy(), 2 * (seed + seed[::-1]) + 3 * seed)


def test_slice_gradients_with_a_hook_on_the_sliced_tensor():
    """A hook on a tensor whose cotangent was gathered from slices sees the complete sum once."""
    x = Tensor(np.arange(5.0), requires_grad=True)
    y = x * 2.0
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    (y[:3].sum() + y[2:].sum() + y[1] * 5.0).backward()
    np.testing.assert_array_equal(seen[0], [1, 6, 2, 1, 1])
    np.testing.assert_array_equal(x.grad.numpy(), 2 * np.array([1, 6, 2, 1, 1]))
    assert len(seen) == 1


@given(st.lists(st.sampled_from(["matmul", "matvec", "batched", "plain", "slice"]),
                min_size=1, max_size=8))
def test_a_weight_used_many_ways_gets_the_sum_of_every_use(uses):
    """A matrix used by several products (whose weight cotangents the engine forms at once, as
    one product of stacked operands), by batched products, by plain ops and through slices:
    the gradient is the sum of every use's, checked against the sum written out in NumPy."""
    rng = np.random.default_rng(len(uses))
    w = rng.normal(size=(3, 4))
    W = Tensor(w, requires_grad=True)
    total, expected = 0.0, np.zeros((3, 4))
    for use in uses:
        if use == "matmul":
            x, c = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
            total = total + ((Tensor(x) @ W) * c).sum()
            expected += x.T @ c
        elif use == "matvec":
            x, v, c = rng.normal(size=(2, 3)), rng.normal(size=4), rng.normal(size=2)
            total = total + ((Tensor(x) @ (W @ Tensor(v))) * c).sum()
            expected += np.outer(x.T @ c, v)
        elif use == "batched":
            x, c = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 4))
            total = total + ((Tensor(x) @ W) * c).sum()
            expected += np.einsum("bnk,bnm->km", x, c)
        elif use == "plain":
            total = total + (W * W).sum()
            expected += 2 * w
        else:
            total = total + W[1:, :2].sum() * 3.0
            expected[1:, :2] += 3.0
    total.backward()
    np.testing.assert_allclose(W.grad.numpy(), expected, rtol=1e-12, atol=1e-12)
    (g,) = ag.grad(total, W, create_graph=True)             # the Tensor path agrees
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_a_float32_weight_used_by_float64_products_keeps_its_dtype():
    W = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    loss = (Tensor(np.ones((3, 2))) @ W).sum() + (Tensor(np.ones((1, 2))) @ W).sum()
    loss.backward()
    assert W.grad.dtype == np.float32
    np.testing.assert_array_equal(W.grad.numpy(), np.full((2, 2), 4.0))
