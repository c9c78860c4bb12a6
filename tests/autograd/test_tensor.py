"""The Tensor itself: construction and dtypes, attributes, repr, NumPy interop, operators and
their reflected forms, creation helpers, float32 mode."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import Tensor
from autograd.testing import shapes


def test_python_float_is_a_0d_float64_tensor():
    t = Tensor(2.5)
    assert t.shape == () and t.ndim == 0 and t.size == 1 and t.dtype == np.float64
    assert t.item() == 2.5 and isinstance(t.item(), float)


@pytest.mark.parametrize("data", [3, [1, 2], np.array([1, 2], dtype=np.int32), True])
def test_ints_and_bools_become_the_default_float(data):
    assert Tensor(data).dtype == np.float64


def test_explicit_dtype_is_kept():
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert Tensor([1.0], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32   # arrays keep theirs


def test_attributes_of_leaves_and_intermediates():
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True, name="x")
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.requires_grad and x.name == "x"
    assert y.op is not None and y.op.name == "multiply" and y.inputs[0] is x
    assert x.op is None and x.inputs == ()
    assert x.T.shape == (3, 1) and x.grad is None
    c = Tensor([1.0])
    assert c.is_leaf and not c.requires_grad and not (c * 2).requires_grad


def test_repr_shows_data_dtype_op_and_name():
    assert repr(Tensor(1.5)) == "Tensor(1.5)"
    r = repr(Tensor([1.0, 2.0], requires_grad=True, name="w"))
    assert "requires_grad=True" in r and "name='w'" in r and "[1., 2.]" in r
    assert "op=add" in repr(Tensor(1.0, requires_grad=True) + 1)
    assert "dtype=float32" in repr(Tensor([1.0], dtype=np.float32))


def test_numpy_interop():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.float64
    np.testing.assert_array_equal(a, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(t.numpy(), a)
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert float(Tensor(2.0)) == 2.0 and int(Tensor(3.0)) == 3


def test_item_len_iter_bool_refuse_what_is_ambiguous():
    with pytest.raises(ValueError, match="item"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(Tensor(1.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))
    assert bool(Tensor(1.0)) and not bool(Tensor([0.0]))


@pytest.mark.parametrize("other", [2.0, 3, np.float64(1.5), np.array([1.0, 2.0, 3.0])])
def test_reflected_operators_with_numbers_and_arrays(other):
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    a = np.array([1.0, 2.0, 4.0])
    o = np.asarray(other, dtype=np.float64)
    cases = [(other + x, o + a), (other - x, o - a), (other * x, o * a), (other / x, o / a),
             (other ** x, o ** a), (x + other, a + o), (x - other, a - o), (x * other, a * o),
             (x / other, a / o), (x ** other, a ** o), (-x, -a), (abs(-x), a)]
    for got, want in cases:
        assert isinstance(got, Tensor) and got.requires_grad
        np.testing.assert_allclose(got.data, want)


def test_ndarray_on_the_left_gives_a_tensor_with_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_creation_helpers():
    assert ag.zeros(2, 3).shape == (2, 3) and ag.zeros((2, 3)).dtype == np.float64
    assert ag.ones(4).data.sum() == 4
    np.testing.assert_array_equal(ag.full((2,), 7.0).data, [7.0, 7.0])
    assert ag.arange(5).dtype == np.int64 and ag.arange(0.0, 1.0, 0.5).dtype == np.float64
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    np.testing.assert_array_equal(ag.eye(3).data, np.eye(3))
    t = Tensor(np.ones((2, 2), dtype=np.float32))
    assert ag.zeros_like(t).dtype == np.float32 and ag.ones_like(t).shape == (2, 2)
    assert ag.randn(3, requires_grad=True).requires_grad
    assert ag.tensor([1.0]).dtype == np.float64


CREATORS = [("zeros", lambda s, **k: ag.zeros(*s, **k), np.zeros),
            ("ones", lambda s, **k: ag.ones(s, **k), np.ones),
            ("full", lambda s, **k: ag.full(s, -2.5, **k), lambda s: np.full(s, -2.5)),
            ("zeros_like", lambda s, **k: ag.zeros_like(np.empty(s), **k), np.zeros),
            ("ones_like", lambda s, **k: ag.ones_like(Tensor(np.empty(s)), **k), np.ones)]


@pytest.mark.parametrize("name,make,npfn", CREATORS, ids=[c[0] for c in CREATORS])
@given(shape=shapes(max_dims=3, min_side=0, max_side=3),
       dtype=st.sampled_from([None, np.float32, np.float64]), requires_grad=st.booleans())
def test_creation_helpers_are_leaves_of_any_shape(name, make, npfn, shape, dtype, requires_grad):
    """Values as NumPy's, the default (or asked) float dtype, a leaf that can take a gradient.
    Creation has no derivative of its own: gradcheck does not apply to a leaf."""
    t = make(shape, dtype=dtype, requires_grad=requires_grad)
    assert t.shape == shape and t.dtype == (dtype or np.float64) and t.is_leaf
    np.testing.assert_array_equal(t.data, npfn(shape))
    assert t.requires_grad == requires_grad
    if requires_grad:
        (t * 3).sum().backward()
        np.testing.assert_array_equal(t.grad.data, np.full(shape, 3.0))


@given(n=st.integers(0, 4), m=st.one_of(st.none(), st.integers(0, 4)), k=st.integers(-2, 2),
       num=st.integers(0, 6), endpoint=st.booleans())
def test_eye_linspace_arange_match_numpy(n, m, k, num, endpoint):
    np.testing.assert_array_equal(ag.eye(n, m, k).data, np.eye(n, m, k))
    np.testing.assert_array_equal(ag.linspace(-1, 2, num, endpoint=endpoint).data,
                                  np.linspace(-1, 2, num, endpoint=endpoint))
    np.testing.assert_array_equal(ag.arange(n, 3 * n + 1, 2).data, np.arange(n, 3 * n + 1, 2))
    half = ag.arange(0.0, n / 2, 0.5, dtype=np.float32, requires_grad=True)
    assert half.dtype == np.float32 and half.requires_grad and half.shape == (n,)


def test_creation_follows_the_default_dtype():
    ag.set_default_dtype(np.float32)                 # the conftest fixture restores float64
    for t in [ag.zeros(2), ag.ones(2), ag.full(2, 1), ag.eye(2), ag.linspace(0, 1, 3),
              ag.rand(2), ag.randn(2), ag.arange(0.0, 1.0, 0.5), ag.tensor([1, 2])]:
        assert t.dtype == np.float32, t
    assert ag.arange(3).dtype == np.int64            # integer ranges stay integers


@given(shape=shapes(max_dims=3, min_side=0, max_side=4))
def test_rand_and_randn_draw_from_the_seeded_generator(shape):
    gen = ag.manual_seed(11)
    assert ag.default_generator() is gen
    u, z = ag.rand(*shape), ag.randn(shape)
    ref = np.random.default_rng(11)
    np.testing.assert_array_equal(u.data, ref.random(shape))
    np.testing.assert_array_equal(z.data, ref.standard_normal(shape))
    assert np.all((u.data >= 0) & (u.data < 1)) and u.shape == shape and z.shape == shape


def test_seeded_random_tensors_repeat():
    ag.manual_seed(7)
    a, b = ag.randn(3, 2), ag.rand(4)
    ag.manual_seed(7)
    np.testing.assert_array_equal(ag.randn(3, 2).data, a.data)
    np.testing.assert_array_equal(ag.rand(4).data, b.data)
    assert np.all((b.data >= 0) & (b.data < 1))
    gen = np.random.default_rng(3)
    np.testing.assert_array_equal(ag.randn(2, generator=gen).data,
                                  np.random.default_rng(3).standard_normal(2))


def test_float32_mode_keeps_float32_through_forward_and_backward():
    ag.set_default_dtype(np.float32)                 # conftest restores float64
    assert ag.get_default_dtype() == np.float32
    x = Tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    w = ag.randn(3, 4, requires_grad=True)
    b = ag.zeros(4, requires_grad=True)
    assert x.dtype == w.dtype == b.dtype == np.float32
    h = ag.tanh(x @ w + b) * 2.0 + 1
    z = ag.sigmoid(h).mean() + ag.log_softmax(h, axis=-1).sum() + ag.logsumexp(h) + h.var()
    steps = [h, z, h ** 2, ag.exp(h), ag.sqrt(ag.abs(h) + 1), ag.maximum(h, 0.5), h.max()]
    assert all(t.dtype == np.float32 for t in steps), [t.dtype for t in steps]
    z.backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    (g,) = ag.grad(ag.tanh(x).sum(), [x], create_graph=True)
    (gg,) = ag.grad(g.sum(), [x])
    assert g.dtype == gg.dtype == np.float32


def test_float32_gradients_match_float64():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    grads = []
    for dtype in (np.float32, np.float64):
        x = Tensor(a, dtype=dtype, requires_grad=True)
        ag.softmax(ag.tanh(x) @ x.T, axis=0).sum(axis=1).prod().backward()
        grads.append(x.grad.data)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-5)


def test_shape_methods_take_varargs_or_a_tuple_and_record_no_constants():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for y in (x.transpose(), x.transpose(1, 0), x.transpose((1, 0)), x.permute(1, 0), x.T):
        assert y.shape == (3, 2) and y.inputs == (x,)
    for y in (x.reshape(3, 2), x.reshape((3, 2)), x.view(3, 2), x.reshape(-1, 2)):
        assert y.shape == (3, 2) and y.inputs == (x,)
        np.testing.assert_array_equal(y.data, x.data.reshape(3, 2))
    x.transpose().reshape(6).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))


def test_numpy_ufuncs_on_tensors_are_recorded_as_autograd_ops():
    t = Tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    y = np.exp(t) * a + np.float64(2) * t - a / t
    assert isinstance(y, Tensor) and y.op is not None
    y.sum().backward()
    np.testing.assert_allclose(t.grad.data, np.exp([1.0, 2.0]) * a + 2 + a / np.array([1.0, 4.0]))
    assert isinstance(a @ t, Tensor) and (a @ t).item() == 11.0
    assert (a > t).dtype == np.bool_


@pytest.mark.parametrize("call", [lambda t: np.spacing(t), lambda t: np.add.reduce(t),
                                  lambda t: np.add(t, 1, out=Tensor(np.zeros(2)))])
def test_unsupported_numpy_ufuncs_say_what_to_use(call):
    with pytest.raises(TypeError, match="not supported on Tensors; use the autograd function"):
        call(Tensor([0.5, 0.25]))


def test_data_is_always_an_ndarray_even_for_scalars():
    x = Tensor(2.0, requires_grad=True)
    y = x * 3 + 1
    for t in (x, y, y.sum(), x.detach()):
        assert type(t.data) is np.ndarray and t.data.ndim == 0
    y.backward()
    assert type(x.grad.data) is np.ndarray and x.grad.data == 3.0
    x.data = np.array(5.0)          # assigning replaces the values, as PyTorch's .data
    assert x.item() == 5.0


# ---- no silent constants, no silent no-ops (issue 9, items 4, 6, 10, 17) --------------------
def test_a_list_of_tensors_passed_to_an_op_is_refused():
    x = Tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match=r"mean: .*list of Tensors.*autograd\.stack"):
        ag.mean([x, x + 2])
    m = ag.mean(ag.stack([x, x + 2]))               # the way that keeps the gradient
    m.backward()
    assert float(x.grad) == 1.0


def test_tensor_of_a_list_of_tensors_that_require_grad_warns():
    x = Tensor(1.0, requires_grad=True)
    with pytest.warns(UserWarning, match="drops the graph; use autograd.stack"):
        t = Tensor([x, x * 2])
    assert not t.requires_grad and t.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("op, expected", [("+=", 1.5), ("-=", 0.5), ("*=", 0.5), ("/=", 2.0)])
def test_augmented_assignment_updates_in_place_under_no_grad(op, expected):
    p = Tensor(1.0, requires_grad=True)
    alias = p
    v0 = p._version
    with ag.no_grad():
        exec(f"p {op} 0.5")
    assert p is alias and float(alias) == expected and alias._version > v0


def test_hand_written_sgd_loop_trains():
    w = Tensor(np.array([0.0, 0.0]), requires_grad=True)
    x, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1.0, 2.0])
    for _ in range(200):
        loss = ((x @ w - y) ** 2).mean()
        w.grad = None
        loss.backward()
        with ag.no_grad():
            w -= 0.05 * w.grad
    np.testing.assert_allclose(x @ w.data, y, atol=1e-6)


def test_augmented_assignment_on_a_leaf_requiring_grad_refuses_in_grad_mode():
    p = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="sub_: a leaf tensor that requires grad cannot be "
                                           "changed in place.*no_grad"):
        p -= 1.0


def test_micrograd_idiom_on_data_updates_and_bumps_the_version():
    for shape in [(), (3,)]:
        p = Tensor(np.ones(shape), requires_grad=True)
        y = (p * p).sum()
        y.backward()
        p.data -= 0.1 * p.grad
        np.testing.assert_allclose(p.data, np.full(shape, 0.8))
        with pytest.raises(RuntimeError, match="changed in place"):
            y.backward()                        # the old graph saw the old values


def test_an_integer_tensor_refuses_a_fractional_in_place_update():
    t = Tensor(np.array([1, 2]), dtype=np.int64)
    with pytest.raises(TypeError, match="add_: a value of dtype float64 cannot be stored in a "
                                        "tensor of dtype int64"):
        t.add_(0.5)
    t.add_(1)
    assert t.tolist() == [2, 3]


def test_grad_of_a_non_leaf_warns_once_and_points_to_retain_grad():
    x = Tensor(2.0, requires_grad=True)
    z = x * 3
    z.backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert z.grad is None
    z2 = x * 3
    z2.retain_grad()
    z2.backward()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(z2.grad) == 1.0 and float(x.grad) == 6.0


# ---- float32 stays float32 ------------------------------------------------------------------


@pytest.mark.parametrize("other", [1, 2.5, True])
def test_float32_minus_a_python_number_stays_float32(other):
    # subtract is add(x, negative(y)); negative(2.5) alone made a float64 0-d tensor
    x = Tensor([1.5, 3.0], dtype=np.float32, requires_grad=True)
    for y in (x - other, other - x, ag.subtract(x, other)):
        assert y.dtype == np.float32
        (g,) = ag.grad(y.sum(), x, create_graph=True)
        assert g.dtype == np.float32


# ---- Tensor.grad assignment, grad-mode decorators -------------------------------------------


def test_assigning_a_gradient_of_the_wrong_shape_or_type_raises():
    # it used to be accepted, and the next backward broadcast into a (2,)-shaped .grad
    t = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(2,\) cannot be assigned "
                                         r"to a tensor of shape \(1,\)"):
        t.grad = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="grad: must be a Tensor or None; got a ndarray"):
        t.grad = np.ones(1)
    t.grad = Tensor([3.0])
    (t * 2).sum().backward()
    assert t.grad.tolist() == [5.0]
    t.grad = None
    assert t.grad is None


def test_set_grad_enabled_as_a_decorator_switches_only_inside_calls():
    assert ag.is_grad_enabled()
    try:
        @ag.set_grad_enabled(False)
        def double(x):
            return x * 2

        assert ag.is_grad_enabled()                     # decorating changed nothing
        assert not double(Tensor(1.0, requires_grad=True)).requires_grad
        assert ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)


def test_in_place_update_with_a_value_requiring_grad_refuses_instead_of_dropping_its_gradient():
    x = Tensor([1.0, 2.0, 3.0])
    v = Tensor(7.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="__setitem__: the value requires grad"):
        x[0] = v
    for method in ("add_", "sub_", "mul_", "div_", "copy_"):
        with pytest.raises(RuntimeError, match=f"{method}: the value requires grad"):
            getattr(x, method)(v)
    assert x.tolist() == [1.0, 2.0, 3.0]
    with ag.no_grad():                 # an explicit no_grad update is fine
        x[0] = v
    assert x.tolist() == [7.0, 2.0, 3.0]


# ---- Tensor conveniences ------------------------------------------------------------------


def test_repr_of_an_empty_tensor_keeps_its_shape():
    assert repr(Tensor(np.zeros((0, 3)))) == "Tensor([], shape=(0, 3))"
    assert repr(Tensor(np.zeros((2, 0)), dtype=np.float32)) == "Tensor([], shape=(2, 0), dtype=float32)"
    assert repr(Tensor(np.zeros(0))) == "Tensor([])"


def test_an_integer_tensor_of_one_element_is_an_index():
    i = Tensor(2, dtype=np.int64)
    assert list(range(i)) == [0, 1] and [10, 20, 30][i] == 30
    assert Tensor(np.arange(5.0))[i:].tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="only integer tensors of one element"):
        [1, 2][Tensor(1.0)]


def test_gradcheck_accepts_a_single_numpy_float32_input():
    from autograd.testing import gradcheck
    assert gradcheck(lambda x: x * x, np.float32(1.5))      # was: 'numpy.float32' is not iterable


def test_complex_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only real floating-point tensors"):
        ag.Tensor([1 + 2j], requires_grad=True)


def test_ragged_data_names_the_tensor_constructor():
    with pytest.raises(ValueError, match="Tensor: cannot make a tensor"):
        ag.Tensor([[1.0], [1.0, 2.0]])


def test_format_specs_apply_to_one_element_tensors_only():
    assert f"{ag.Tensor(2.0):.2f}" == "2.00" and f"{ag.Tensor([2.0]):.1f}" == "2.0"
    assert f"{ag.Tensor(2.0)}" == repr(ag.Tensor(2.0))
    with pytest.raises(TypeError, match=r"needs a one-element tensor, not shape \(2,\)"):
        f"{ag.Tensor([1.0, 2.0]):.2f}"


def test_help_on_tensor_is_ours_not_numpys():
    import pydoc
    text = pydoc.render_doc(Tensor, renderer=pydoc.plaintext)
    assert len(text.splitlines()) < 500                      # was 735, half of it NumPy's docs
    assert "Parameters\n |      ----------" not in text
    assert "x == y elementwise (boolean; no gradient)" in text
    guide = "\n".join(text.splitlines()[:35])                # the docstring opens the page
    for what in ("requires_grad=True", "backward()", "no_grad", "Attributes:", "Maths:"):
        assert what in guide


def test_every_method_and_operator_of_tensor_says_what_it_does_in_a_line_or_two():
    """help(Tensor) lists ~150 methods: each has its own short docstring (none is blank, none
    is a page); a method added without one fails here."""
    import inspect
    for name, value in vars(Tensor).items():
        public = not name.startswith("_") or (name.startswith("__") and name.endswith("__"))
        attr = getattr(Tensor, name, None)
        if not public or name in ("__init__", "__hash__") or not (
                callable(attr) or isinstance(value, property)):
            continue
        doc = inspect.getdoc(attr)
        assert doc, f"Tensor.{name} has no docstring"
        assert len(doc.splitlines()) <= 3, f"Tensor.{name}'s docstring is {len(doc.splitlines())} lines"
