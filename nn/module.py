"""Module, Parameter, Sequential and ModuleList: the containers every layer is built from.

A Module registers the Parameters, sub-Modules and buffers assigned to its attributes, in
assignment order, and offers PyTorch's API over them: `parameters()`, `named_parameters()`,
`children()`, `modules()`, `zero_grad()`, `train()`/`eval()`, `state_dict()` and
`load_state_dict()`. A Module holds no derivative code: `forward` composes autograd ops.

Parameters carry their dotted path from the outermost module as `.name` ('layers.0.weight'),
so a picture of the graph can group a layer's nodes. The path is extended each time a module
is attached to a parent, so it is complete once the model is built; a name a user gave the
tensor is left alone.
"""

from abc import ABCMeta
from collections import OrderedDict, namedtuple

import numpy as np

from autograd import Tensor, as_array, no_grad, scope

__all__ = ["Parameter", "IncompatibleKeys", "Module", "Sequential", "ModuleList"]


class Parameter(Tensor):
    """A leaf Tensor that a Module registers as trainable (requires grad by default)."""

    def __init__(self, data, requires_grad=True, dtype=None, name=None):
        if isinstance(data, Tensor) and not data.is_leaf:
            data = data.detach()
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)

    def __repr__(self):
        return "Parameter(" + super().__repr__()[len("Tensor("):]


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


# Module's methods that help() on a layer lists after the layer's own (help(nn.Module): all)
_CENTRAL = {"parameters", "named_parameters", "train", "eval", "to", "zero_grad", "state_dict",
            "load_state_dict"}
_ABC_NAMES = {"__abstractmethods__", "_abc_impl"}     # ABCMeta's bookkeeping in every class


class _ModuleType(ABCMeta):
    """Module's metaclass, there for help() alone (pydoc lists what dir(cls) holds): dir() of
    a subclass leaves out Module's less central methods, so help(nn.Linear) is Linear's
    docstring, its own methods and _CENTRAL. Attribute lookup, dir() of instances and what
    isinstance answers are unchanged; ABCMeta keeps `class M(nn.Module, abc.ABC)` possible."""

    def __dir__(cls):
        names = [n for n in super().__dir__() if n not in _ABC_NAMES]
        if cls is Module:
            return names
        own = {n for k in cls.__mro__ if k not in Module.__mro__ for n in vars(k)}
        return [n for n in names if n in own or n in _CENTRAL or n not in vars(Module)]


class Module(metaclass=_ModuleType):
    """Base class of layers and models: subclasses set attributes in `__init__` and define
    `forward`; calling the module calls `forward`."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: forward() is not defined")

    def __call__(self, *args, **kwargs):
        """forward(*args, **kwargs), with the module's path as the scope of the tensors it makes
        (`Tensor.scope`: 'layers.0' inside an MLP, the class name for the outermost module)."""
        with scope(self.__dict__.get("_path") or type(self).__name__):
            return self.forward(*args, **kwargs)

    # ---- registration ------------------------------------------------------------------
    def _registries(self):
        try:
            d = self.__dict__
            return d["_parameters"], d["_buffers"], d["_modules"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__}: Module.__init__() was not called; call "
                                 "super().__init__() before assigning attributes") from None

    def __setattr__(self, name, value):
        if isinstance(value, (Parameter, Module)) or name in self.__dict__.get("_parameters", ()) \
                or name in self.__dict__.get("_modules", ()):
            params, buffers, modules = self._registries()
            if value is None:               # stays registered (as PyTorch), so a later
                registry = params if name in params else modules    # Tensor is refused
            elif isinstance(value, (Parameter, Module)):
                registry = params if isinstance(value, Parameter) else modules
            else:
                raise TypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} to "
                                f"'{name}', which is registered as a parameter or module; "
                                "assign a Parameter, a Module or None")
            for other in (params, buffers, modules):
                if other is not registry:
                    other.pop(name, None)
            self.__dict__.pop(name, None)
            registry[name] = value          # an existing key keeps its place in the order
            if isinstance(value, Parameter) and value.name is None:
                value.name = name
            elif isinstance(value, Module):
                _prefix_names(value, name)
        elif name in self.__dict__.get("_buffers", ()):
            self.register_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in self._registries():
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name, tensor):
        """Register a non-trainable tensor (e.g. running statistics) saved in `state_dict`."""
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        if tensor is not None and tensor.requires_grad:
            raise ValueError(f"register_buffer: buffer '{name}' requires grad; use a Parameter")
        params, buffers, modules = self._registries()
        if name in params or name in modules:
            raise KeyError(f"register_buffer: '{name}' is already a parameter or module")
        if name in self.__dict__:           # it would shadow the buffer: self.x != saved x
            raise KeyError(f"register_buffer: attribute '{name}' already exists")
        buffers[name] = tensor
        if tensor is not None and tensor.name is None:
            tensor.name = name

    def register_parameter(self, name, param):
        """Register `param` (a Parameter or None) under `name`, as attribute assignment does."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None, not "
                            f"{type(param).__name__}")
        if param is None:
            params, buffers, modules = self._registries()
            buffers.pop(name, None)
            modules.pop(name, None)
            self.__dict__.pop(name, None)
            params[name] = None
        else:
            setattr(self, name, param)

    def add_module(self, name, module):
        """Register a sub-module under `name` (needed for names that are not identifiers)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, not {type(module).__name__}")
        self._registries()[2][name] = module
        if module is not None:
            _prefix_names(module, name)

    # ---- traversal ---------------------------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        """(dotted path, module) for this module and every descendant, each module once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, prefix + "." + name if prefix else name)

    def modules(self):
        """This module and every descendant, each once."""
        return (m for _, m in self.named_modules())

    def named_children(self):
        """(name, module) for the direct sub-modules."""
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        """The direct sub-modules."""
        return (m for _, m in self.named_children())

    def _named(self, kind, prefix, recurse):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for path, m in mods:
            for name, t in getattr(m, kind).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (path + "." + name if path else name), t

    def named_parameters(self, prefix="", recurse=True):
        """(dotted path, parameter) pairs, paths starting with prefix, each parameter once."""
        return self._named("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        """Every parameter once, in registration order (what an optimiser takes)."""
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True):
        """(dotted path, buffer) pairs, paths starting with prefix."""
        return self._named("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        """Every buffer once."""
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn):
        """Call fn(module) on every descendant and then on this module; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients -----------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, not {type(mode).__name__}")
        object.__setattr__(self, "training", mode)
        for m in self.children():           # through train(), so an override is honoured
            m.train(mode)
        return self

    def eval(self):
        """Set evaluation mode: train(False)."""
        return self.train(False)

    def zero_grad(self):
        """Forget the parameters' gradients (set them to None, as PyTorch does by default)."""
        for p in self.parameters():
            p.grad = None

    def requires_grad_(self, requires_grad=True):
        """Turn gradients of every parameter on or off (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, dtype):
        """Convert every floating parameter and buffer to `dtype` in place; returns self."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"to: modules can only be converted to a floating dtype; got {dtype}")
        with no_grad():
            for t in list(self.parameters()) + list(self.buffers()):
                if t.dtype.kind == "f":
                    t.data = np.asarray(t.data, dtype=dtype)[()]
                    t.grad = None
        return self

    def float(self):
        """Convert to float32: to(np.float32)."""
        return self.to(np.float32)

    def double(self):
        """Convert to float64: to(np.float64)."""
        return self.to(np.float64)

    def num_parameters(self):
        """The number of scalar parameters (shared parameters counted once)."""
        return sum(p.size for p in self.parameters())

    # ---- state -------------------------------------------------------------------------
    def state_dict(self):
        """Dotted name -> a NumPy copy of every parameter and buffer (what save/load store)."""
        sd = OrderedDict()
        for name, t in list(self.named_parameters()) + list(self.named_buffers()):
            sd[name] = np.array(t.data, copy=True)
        return sd

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays into the parameters and buffers in place (keys must match if strict)."""
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a mapping of names to arrays, got "
                            f"{type(state_dict).__name__}")
        own = OrderedDict(list(self.named_parameters()) + list(self.named_buffers()))
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and missing:
            errors.append("missing key(s): " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            errors.append("unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
        values = {}
        for name, t in own.items():
            if name not in state_dict:
                continue
            v = state_dict[name]
            arr = as_array(v)
            if arr.dtype.kind not in "biuf":
                errors.append(f"'{name}' has non-numeric dtype {arr.dtype}")
            elif arr.shape != t.shape:
                errors.append(f"'{name}' has shape {arr.shape} in the state dict but "
                              f"{t.shape} in the module")
            else:
                values[name] = arr
        if errors:
            raise RuntimeError(f"load_state_dict: error(s) loading into {type(self).__name__}: "
                               + "; ".join(errors))
        with no_grad():
            for name, arr in values.items():
                own[name].copy_(arr)
        return IncompatibleKeys(missing, unexpected)

    # ---- repr --------------------------------------------------------------------------
    def extra_repr(self):
        """The layer's settings shown inside its repr (override in subclasses)."""
        return ""

    def __repr__(self):
        return self._repr(top=True)

    def _repr(self, top=False):
        lines = [f"({name}): {_indent(m._repr())}" for name, m in self.named_children()]
        n = self.num_parameters()
        count = f"  # {n:,} parameter{'s' if n != 1 else ''}" if (top or not lines) and n else ""
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})" + count
        head = type(self).__name__ + "("
        lines = ([extra] if extra else []) + lines
        body = "".join("\n  " + line for line in lines)
        return head + body + "\n)" + count


def _indent(text):
    return text.replace("\n", "\n  ")


def _prefix_names(module, prefix):
    """Extend the automatic names of `module`'s parameters and buffers by `prefix.`, and set the
    paths of it and its sub-modules (their scope names) relative to the new parent."""
    for kind in ("named_parameters", "named_buffers"):
        for rel, t in getattr(module, kind)():
            if t.name == rel:
                t.name = prefix + "." + rel
    for rel, m in module.named_modules():
        object.__setattr__(m, "_path", prefix + "." + rel if rel else prefix)


class Sequential(Module):
    """Modules applied in order: Sequential(a, b)(x) == b(a(x)). Accepts an OrderedDict of
    named modules too."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, _check_module(m, "Sequential", name))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check_module(m, "Sequential", i))

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, index):
        mods = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(mods[index]))
        return mods[_check_index(index, len(mods), "Sequential")][1]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add a module at the end; returns self."""
        self.add_module(str(len(self)), _check_module(module, "Sequential", len(self)))
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules=None):
        super().__init__()
        for m in modules or ():
            self.append(m)

    def __getitem__(self, index):
        mods = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(mods[index])
        return mods[_check_index(index, len(mods), "ModuleList")]

    def __setitem__(self, index, module):
        index = _check_index(index, len(self), "ModuleList")
        self.add_module(str(index), _check_module(module, "ModuleList", index))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add a module at the end; returns self."""
        self.add_module(str(len(self)), _check_module(module, "ModuleList", len(self)))
        return self

    def extend(self, modules):
        """Append each module; returns self."""
        for m in modules:
            self.append(m)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList: it has no forward; iterate over its modules")


def _check_module(m, owner, key):
    if not isinstance(m, Module):
        raise TypeError(f"{owner}: entry {key!r} is a {type(m).__name__}, not a Module")
    return m


def _check_index(index, n, owner):
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"{owner}: index {index} is out of range for {n} modules")
    return index % n
