"""The backpropagation worked example of Han, Kamber & Pei, *Data Mining: Concepts and
Techniques* (3rd ed., §9.2.3, Figure 9.5 and Tables 9.1-9.3), computed by chainrule.

A 3-2-1 network of sigmoid units: inputs 1, 2, 3; hidden units 4, 5; output unit 6. One
training tuple x = (1, 0, 1) with target 1, learning rate 0.9, squared error ½(t - o)². The
book computes each unit's error by hand,

    Err6 = O6(1 - O6)(t - O6),   Errj = Oj(1 - Oj) · Err6 · wj6   (j = 4, 5),

and updates wij += l · Errj · Oi and θj += l · Errj. Here autograd computes the same numbers
(Errj is minus the gradient of the loss with respect to unit j's net input Ij) and one step
of nn.optim.SGD applies the update. Run:  python examples/backprop_han_kamber_pei.py
"""

import numpy as np

import autograd as ag
import nn

X = [1.0, 0.0, 1.0]
TARGET = 1.0
LEARNING_RATE = 0.9
WEIGHTS = {"w14": 0.2, "w15": -0.3, "w24": 0.4, "w25": 0.1, "w34": -0.5, "w35": 0.2,
           "w46": -0.3, "w56": -0.2}
BIASES = {"θ4": -0.4, "θ5": 0.2, "θ6": 0.1}


def build():
    """The 3-2-1 network as two Linear layers loaded with the book's initial values."""
    hidden, output = nn.Linear(3, 2), nn.Linear(2, 1)
    w, b = WEIGHTS, BIASES
    hidden.load_state_dict({
        "weight": np.array([[w["w14"], w["w24"], w["w34"]],       # row j: weights into unit j
                            [w["w15"], w["w25"], w["w35"]]]),
        "bias": np.array([b["θ4"], b["θ5"]])})
    output.load_state_dict({"weight": np.array([[w["w46"], w["w56"]]]),
                            "bias": np.array([b["θ6"]])})
    return hidden, output


def train_step():
    """One forward pass, backward pass and SGD step; returns the book's three tables as dicts:
    net inputs and outputs per unit, errors per unit, and the updated weights and biases."""
    hidden, output = build()
    x = ag.Tensor(X)
    I_h = hidden(x)                    # net inputs of units 4 and 5
    O_h = ag.sigmoid(I_h)
    I_o = output(O_h)                  # net input of unit 6
    O_o = ag.sigmoid(I_o)
    I_h.retain_grad()
    I_o.retain_grad()
    loss = 0.5 * ((TARGET - O_o) ** 2).sum()

    opt = nn.optim.SGD([*hidden.parameters(), *output.parameters()], lr=LEARNING_RATE)
    opt.zero_grad()
    loss.backward()
    opt.step()

    units = {4: (I_h, O_h, 0), 5: (I_h, O_h, 1), 6: (I_o, O_o, 0)}
    net = {j: (float(I.data[k]), float(O.data[k])) for j, (I, O, k) in units.items()}
    errors = {j: -float(I.grad.data[k]) for j, (I, _, k) in units.items()}
    W1, b1 = hidden.weight.numpy(), hidden.bias.numpy()
    W2, b2 = output.weight.numpy(), output.bias.numpy()
    updated = {"w14": W1[0, 0], "w15": W1[1, 0], "w24": W1[0, 1], "w25": W1[1, 1],
               "w34": W1[0, 2], "w35": W1[1, 2], "w46": W2[0, 0], "w56": W2[0, 1],
               "θ4": b1[0], "θ5": b1[1], "θ6": b2[0]}
    return net, errors, {k: float(v) for k, v in updated.items()}


def main():
    net, errors, updated = train_step()
    print("Net input and output (Table 9.2)")
    print(f"{'unit j':>8} {'net input Ij':>14} {'output Oj':>11}")
    for j, (I, O) in net.items():
        print(f"{j:>8} {I:>14.3f} {O:>11.3f}")
    print("\nError at each unit (Table 9.3)")
    print(f"{'unit j':>8} {'Errj':>10}")
    for j in (6, 5, 4):
        print(f"{j:>8} {errors[j]:>10.4f}")
    print("\nUpdated weights and biases (Table 9.4)")
    print(f"{'':>8} {'old':>8} {'new':>8}")
    old = {**WEIGHTS, **BIASES}
    for name in ("w46", "w56", "w14", "w15", "w24", "w25", "w34", "w35", "θ6", "θ5", "θ4"):
        print(f"{name:>8} {old[name]:>8.3f} {updated[name]:>8.3f}")


if __name__ == "__main__":
    main()
