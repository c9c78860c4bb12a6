"""nn's public names: `__all__` in the package and each module lists exactly what they define,
and help() on a layer is short and opens with its signature and maths."""

import abc
import importlib
import inspect
import pkgutil
import pydoc
import types

import pytest

import nn
import nn.layers

MODULES = sorted({f"nn.{m.name}" for m in pkgutil.iter_modules(nn.__path__)
                  if not m.name.startswith("_")}
                 | {f"nn.layers.{m.name}" for m in pkgutil.iter_modules(nn.layers.__path__)})


def unlisted(module):
    """Public classes and functions defined in module but missing from its __all__."""
    listed = set(getattr(module, "__all__", ()))
    return sorted(k for k, v in vars(module).items()
                  if not k.startswith("_") and k not in listed
                  and (inspect.isclass(v) or inspect.isfunction(v))
                  and v.__module__ == module.__name__)


def test_every_name_in_nn_all_exists_once():
    assert len(nn.__all__) == len(set(nn.__all__))
    assert [n for n in nn.__all__ if not hasattr(nn, n)] == []
    namespace = {}
    exec("from nn import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(nn.__all__)


def test_nn_all_lists_every_public_name():
    public = {k for k, v in vars(nn).items()
              if not k.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public - set(nn.__all__) == set()
    assert {"Linear", "LSTM", "MSELoss", "fit", "export_onnx", "data"} <= set(nn.__all__)


@pytest.mark.parametrize("name", MODULES)
def test_each_module_lists_what_it_defines(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
    assert unlisted(module) == []


def test_unlisted_finds_a_missing_name():                          # negative control
    module = types.ModuleType("fake")
    exec("__all__ = ['f']\ndef f(): pass\ndef g(): pass\ndef _h(): pass", vars(module))
    assert unlisted(module) == ["g"]


LAYERS = [n for n in nn.__all__ if inspect.isclass(getattr(nn, n))
          and issubclass(getattr(nn, n), nn.Module) and n != "Module"]


def help_lines(obj):
    return pydoc.render_doc(obj, renderer=pydoc.plaintext).splitlines()


@pytest.mark.parametrize("name", LAYERS)
def test_help_on_a_layer_is_short_and_opens_with_its_maths(name):
    layer = getattr(nn, name)
    text = help_lines(layer)
    assert len(text) <= 65                # was 115-131, 85 of them Module's methods
    head = "\n".join(text[:12])
    first_line = inspect.getdoc(layer).splitlines()[0]
    assert f"{name}(" in head and first_line in head
    assert "Method resolution order" not in "\n".join(text[:4])
    shown = {line.split("(")[0].strip(" |") for line in text}
    assert {"forward", "parameters", "state_dict", "train"} <= shown | set(vars(layer))
    assert not {"named_buffers", "register_buffer", "__weakref__", "__abstractmethods__"} & shown


def test_help_on_module_lists_all_of_its_methods():
    shown = {line.split("(")[0].strip(" |") for line in help_lines(nn.Module)}
    assert {"named_buffers", "register_buffer", "apply", "parameters", "__call__"} <= shown
    assert len(help_lines(nn.Module)) < 120


# a class with Module's methods but not its metaclass (negative control)
Plain = type("Plain", (), {k: v for k, v in vars(nn.Module).items() if callable(v)})


def test_only_help_changes():
    """Module's metaclass trims dir() of subclasses for pydoc; lookup, instances' dir() and
    ABC mixins are unaffected, and a class without it shows every method."""
    assert len(help_lines(type("Sub", (Plain,), {"__doc__": "x"}))) > 100
    assert "named_buffers" not in dir(nn.Linear) and hasattr(nn.Linear, "named_buffers")
    assert {"named_buffers", "float", "__call__"} <= set(dir(nn.Linear(2, 3)))

    class Abstract(nn.Module, abc.ABC):
        @abc.abstractmethod
        def forward(self, x): ...
    with pytest.raises(TypeError, match="abstract"):
        Abstract()


@pytest.mark.parametrize("obj", [nn.fit, nn.export_onnx, nn.save, nn.load,
                                 nn.clip_grad_norm_])
def test_help_on_a_function_fits_a_screen(obj):
    text = pydoc.render_doc(obj, renderer=pydoc.plaintext).splitlines()
    assert len(text) <= 30 and inspect.getdoc(obj)
