# What the scripts that write rnn_reference.h and transformer_reference.h share: random inputs rounded so
# that C++ reads the same float64 numbers, fixed weights, and the writer of one Case (parameters under
# PyTorch's state_dict keys, inputs, outputs and the gradients of L = sum over outputs of
# sum(output * upstream), each output's upstream gradient stored as that output's grad).
import torch

D = torch.float64


def rounded(*shape, scale=1.0):
    """Random values rounded to 4 decimals, so that C++ reads exactly the same float64 numbers."""
    return torch.round(torch.randn(*shape, dtype=D) * scale * 1e4) / 1e4


def leaf(*shape):
    return rounded(*shape).requires_grad_(True)


def fixed_weights(module, scale=0.5):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(rounded(*p.shape, scale=scale))
    return module


class CaseWriter:
    """Collects `const Case name{...};` texts; number formats each value (repr: every digit)."""

    def __init__(self, number=repr):
        self.number = number
        self.cases = []

    def values(self, t):
        return "{" + ", ".join(self.number(v) for v in t.detach().to(D).reshape(-1).tolist()) + "}"

    def entry(self, name, t, grad):
        shape = "{" + ", ".join(str(s) for s in t.shape) + "}"
        return f'        {{"{name}", {shape}, {self.values(t)}, {self.values(grad) if grad is not None else "{}"}}},\n'

    def emit(self, name, module, inputs, outputs):
        """inputs: name -> tensor (leaves get their gradient stored); outputs: name -> tensor."""
        upstream = {k: rounded(*v.shape) for k, v in outputs.items()}
        sum((outputs[k] * upstream[k]).sum() for k in outputs).backward()
        text = f"const Case {name}{{\n    .params = {{\n"
        if module is not None:
            params = dict(module.named_parameters())
            for key, value in module.state_dict().items():
                text += self.entry(key, value, params[key].grad)
        text += "    },\n    .tensors = {\n"
        for k, v in inputs.items():
            text += self.entry(k, v, v.grad if v.requires_grad else None)
        for k, v in outputs.items():
            text += self.entry(k, v, upstream[k])
        self.cases.append(text + "    },\n};\n")
