"""nn.summary: output shapes and parameter counts per module, totals, modes restored."""

import pytest

import nn


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.Dropout(0.5), nn.Linear(120, 10))


def test_summary_lists_shapes_and_counts():
    model = lenet()
    s = nn.summary(model, (2, 1, 28, 28))
    shapes = {name: shape for _, name, _, shape, _ in s.rows}
    assert shapes["0"] == (2, 6, 28, 28) and shapes["2"] == (2, 6, 14, 14)
    assert shapes["3"] == (2, 16, 10, 10) and shapes["7"] == (2, 400) and shapes[""] == (2, 10)
    counts = {name: n for _, name, _, _, n in s.rows}
    assert counts["0"] == 6 * 25 + 6 and counts["3"] == 16 * 6 * 25 + 16
    assert counts["4"] == 32 and counts["8"] == 400 * 120 + 120 and counts["1"] == 0
    assert s.total_params == model.num_parameters() == sum(counts.values())
    text = str(s)
    assert "3 (Conv2d)" in text and "(2, 16, 10, 10)" in text and "2,416" in text
    assert f"Total params: {s.total_params:,}" in text


def test_summary_counts_frozen_parameters_and_restores_modes():
    model = lenet()
    model[0].requires_grad_(False)
    model.train()
    bn = model[4]
    before = bn.running_mean.data.copy()
    s = nn.summary(model, (1, 1, 28, 28))          # batch 1: BatchNorm works in eval mode
    assert s.trainable_params == s.total_params - 156
    assert "Non-trainable params: 156" in str(s)
    assert all(m.training for m in model.modules())
    assert (bn.running_mean.data == before).all()
    assert "forward" not in model[0].__dict__


def test_summary_of_a_bad_shape_says_where():
    with pytest.raises(ValueError, match=r"Conv2d\(1, 6, 5\): expected input with 1 channels") \
            as info:
        nn.summary(lenet(), (1, 3, 28, 28))
    assert "in summary" in "".join(getattr(info.value, "__notes__", []))
    with pytest.raises(TypeError, match="summary: expected a Module"):
        nn.summary(lambda x: x, (1,))
