"""Custom operations: autograd.Function, the public primitive/defvjp declaration, checkpoint."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd import functional as F
from autograd.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


class Cube(ag.Function):
    """x³, saving the input."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


class Exp(ag.Function):
    """exp(x), saving the output: the second derivative flows through the saved output."""

    @staticmethod
    def forward(ctx, x):
        y = ag.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class ScaledMul(ag.Function):
    """alpha·x·y with broadcasting and a non-Tensor argument; gradients of broadcast shape."""

    @staticmethod
    def forward(ctx, x, y, alpha):
        ctx.save_for_backward(x, y)
        ctx.alpha = alpha
        return alpha * x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y * ctx.alpha, g * x * ctx.alpha, None


class WrongCube(ag.Function):
    """A deliberately wrong derivative (2x² instead of 3x²): gradcheck must catch it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x ** 2


def test_function_forward_backward_values():
    x = Tensor([1.0, 2.0, -3.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.op.name == "Cube" and y.inputs[0] is x
    np.testing.assert_allclose(y.data, x.data ** 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.data ** 2)


@pytest.mark.parametrize("fn", [Cube.apply, Exp.apply])
def test_function_passes_gradcheck_and_gradgradcheck(fn):
    x = rng.standard_normal((2, 3))
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


def test_wrong_backward_is_caught_by_gradcheck():
    with pytest.raises(AssertionError, match="gradient mismatch"):
        gradcheck(WrongCube.apply, [rng.standard_normal(3)])


def test_function_broadcasts_and_passes_non_tensor_arguments():
    x, y = rng.standard_normal((3, 1)), rng.standard_normal(4)
    assert gradcheck(lambda x, y: ScaledMul.apply(x, y, 2.5), [x, y])
    assert gradgradcheck(lambda x, y: ScaledMul.apply(x, y, 2.5), [x, y])
    a, b = Tensor(x, requires_grad=True), Tensor(y)
    out = ScaledMul.apply(a, b, 2.5)
    assert out.shape == (3, 4)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.data, 2.5 * y.sum() * np.ones((3, 1)))
    assert b.grad is None


def test_backward_always_sees_tensors_and_needs_input_grad():
    seen = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen.append(("fwd", type(x), type(y), ag.is_grad_enabled()))
            ctx.save_for_backward(x)
            return x * y

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append(("bwd", type(g), type(x), ctx.needs_input_grad))
            return g * 2, g * x

    x, y = Tensor(1.5, requires_grad=True), Tensor(2.0)
    Probe.apply(x, y).backward()
    Probe.apply(x, y).backward(create_graph=True)
    assert seen[0] == ("fwd", Tensor, Tensor, False)
    assert seen[1] == ("bwd", Tensor, Tensor, (True, False))
    assert seen[3] == ("bwd", Tensor, Tensor, (True, False))
    assert x.grad.item() == 4.0


def test_function_under_create_graph_and_functional_transforms():
    # Cube: d²/dx² x³ = 6x, d³ = 6; through the saved input
    assert F.grad(F.grad(Cube.apply))(2.0).item() == pytest.approx(12.0)
    assert F.grad(F.grad(F.grad(Cube.apply)))(2.0).item() == pytest.approx(6.0)
    # Exp: every derivative is exp, through the saved output
    assert F.grad(F.grad(F.grad(Exp.apply)))(0.5).item() == pytest.approx(np.exp(0.5))
    x = Tensor(1.5, requires_grad=True)
    (g,) = ag.grad(Cube.apply(x), x, create_graph=True)
    (h,) = ag.grad(g, x)
    assert h.item() == pytest.approx(9.0)


def test_function_float32_and_no_tensor_arguments():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = Cube.apply(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    c = Cube.apply(Tensor(2.0))
    assert c.item() == 8.0 and not c.requires_grad

    class Twice(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

    c = Twice.apply(4.0)                    # no Tensor argument: a constant Tensor
    assert isinstance(c, Tensor) and c.item() == 8.0 and not c.requires_grad


def test_function_errors_name_the_class():
    class TooMany(Cube):
        @staticmethod
        def backward(ctx, g):
            return g, g

    class BadShape(Cube):
        @staticmethod
        def backward(ctx, g):
            return Tensor(np.ones((5, 7)))

    class TwoOutputs(Cube):
        @staticmethod
        def forward(ctx, x):
            return x, x

    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"TooMany.backward: returned 2 gradient\(s\) but "
                                         r"forward took 1"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(ValueError, match=r"BadShape.*\(5, 7\).*\(3,\)"):
        BadShape.apply(x).sum().backward()
    with pytest.raises(TypeError, match="TwoOutputs.forward: returned a tuple"):
        TwoOutputs.apply(x)
    with pytest.raises(TypeError, match="save_for_backward"):
        class SavesFloat(Cube):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(2.0)
                return x
        SavesFloat.apply(x)


def test_backward_returning_none_counts_as_zero():
    class Half(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return None, g

    x, y = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    Half.apply(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 0)
    np.testing.assert_array_equal(y.grad.data, 1)


def test_custom_function_is_drawn_by_its_name():
    viz = pytest.importorskip("autograd.viz")
    x = Tensor(2.0, requires_grad=True, name="x")
    y = Cube.apply(x)
    y.backward()
    assert "Cube" in viz.draw(y).source


# ---- the core's own declaration, public ----------------------------------------------------


@ag.primitive
def logaddexp(x, y):
    "log(eˣ + eʸ), stably; d/dx = e^(x - out), d/dy = e^(y - out)"
    return np.logaddexp(x, y)


logaddexp.defvjp(lambda g, out, x, y: g * ag.exp(x - out),
                 lambda g, out, x, y: g * ag.exp(y - out))


def test_primitive_declared_by_users():
    x, y = rng.standard_normal((2, 3)), rng.standard_normal(3)
    assert gradcheck(logaddexp, [x, y])
    assert gradgradcheck(logaddexp, [x, y])
    big = Tensor(np.array([1e4, -1e4]), requires_grad=True)
    out = logaddexp(big, 0.0)                                   # no overflow warning
    out.sum().backward()
    np.testing.assert_allclose(big.grad.data, [1.0, 0.0])
    np.testing.assert_allclose(F.grad(F.grad(lambda x: logaddexp(x, 0.0)))(0.0).item(), 0.25)


# ---- checkpoint ------------------------------------------------------------------------------


def test_checkpoint_matches_plain_backward_including_closed_over_parameters():
    W = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)

    def block(x):
        return ag.tanh(ag.matmul(x, W) + b)

    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    loss = (ag.checkpoint(block, ag.checkpoint(block, x)) ** 2).sum()
    loss.backward()
    got = [t.grad.data for t in (x, W, b)]
    for t in (x, W, b):
        t.grad = None
    want_loss = (block(block(x)) ** 2).sum()
    want_loss.backward()
    assert loss.item() == pytest.approx(want_loss.item())
    for g, t in zip(got, (x, W, b)):
        np.testing.assert_allclose(g, t.grad.data, rtol=1e-12)


def test_checkpoint_keeps_only_inputs_and_is_differentiable_twice():
    x = Tensor(rng.standard_normal(3), requires_grad=True)
    y = ag.checkpoint(lambda v, k: ag.sin(v) * k, x, 3.0)
    assert y.op.name == "_Checkpoint" and all(i is x for i in y.inputs)
    assert gradgradcheck(lambda v: ag.checkpoint(lambda u: ag.sin(u) ** 2, v),
                         [rng.standard_normal(3)])
    with ag.no_grad():
        assert ag.checkpoint(ag.sin, x).op is None


class SiLUFromIntermediate(ag.Function):
    """x·σ(x), saving σ(x), an intermediate that is neither input nor output."""

    @staticmethod
    def forward(ctx, x):
        s = ag.sigmoid(x)
        ctx.save_for_backward(s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        x = ag.log(s / (1 - s))
        return g * (s + x * s * (1 - s))


def test_function_saving_an_intermediate_tensor_backpropagates():
    x = Tensor(rng.standard_normal(5), requires_grad=True)
    SiLUFromIntermediate.apply(x).sum().backward()
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(x.grad.data, s + x.data * s * (1 - s), rtol=1e-10)
    assert gradcheck(SiLUFromIntermediate.apply, [Tensor(rng.standard_normal(4), requires_grad=True)])


# ---- checkpoint: partial derivatives, first and second order (issue 9, item 1) -------------
@pytest.mark.parametrize("create_graph", [False, True])
def test_checkpoint_does_not_count_a_closed_over_leaf_twice(create_graph):
    w = Tensor(1.5, requires_grad=True)
    x = Tensor(0.5, requires_grad=True)
    y = ag.checkpoint(lambda t: ag.sin(t * w), x * w)
    dx, dw = ag.grad(y, [x, w], create_graph=create_graph)
    c = np.cos(0.5 * 1.5 * 1.5)
    assert float(dx) == pytest.approx(c * 1.5 * 1.5)
    assert float(dw) == pytest.approx(c * 2 * 0.5 * 1.5)        # d/dw sin(x w²) = cos · 2xw


def test_checkpoint_second_derivatives_match_the_plain_segment():
    def seg(t, w):
        return ag.tanh(t * w) * w

    def run(use_checkpoint, x, w):
        u = x * w
        y = ag.checkpoint(lambda t: seg(t, w), u) if use_checkpoint else seg(u, w)
        return y.sum()

    x0, w0 = np.array([0.3, -0.7]), np.array([1.2, 0.4])
    results = []
    for use in (False, True):
        x, w = Tensor(x0, requires_grad=True), Tensor(w0, requires_grad=True)
        gx, gw = ag.grad(run(use, x, w), [x, w], create_graph=True)
        results.append([h.data for h in ag.grad((gx * gx).sum() + gw.sum(), [x, w])])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)
