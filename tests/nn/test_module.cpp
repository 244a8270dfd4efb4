// Module: registration and its errors, traversal order and dotted names, train/eval propagation,
// zero_grad, to(dtype), printing (PyTorch's repr, checked against strings PyTorch 1.13 prints) and summary.
#include <doctest/doctest.h>

#include <sstream>

#include "muse/muse.h"
#include "muse/nn/layers.h"

using namespace muse;
using namespace muse::nn;

namespace {

// A model with a parameter, a buffer and nested children, like a user's own module.
struct Encoder : Module {
  Encoder() : Module("Encoder") {
    scale = register_parameter("scale", ones({2}));
    register_buffer("steps", zeros({}, {.dtype = kInt64}));
    fc = register_module("fc", std::make_shared<Linear>(4, 2));
    act = register_module("act", std::make_shared<ReLU>());
  }
  Tensor forward(const Tensor& x) override { return act->forward(fc->forward(x)) * scale; }
  Tensor scale;
  std::shared_ptr<Linear> fc;
  std::shared_ptr<ReLU> act;
};

struct AutoEncoder : Module {
  AutoEncoder() : Module("AutoEncoder") {
    encoder = register_module("encoder", std::make_shared<Encoder>());
    decoder = register_module("decoder", std::make_shared<Sequential>(std::make_shared<Linear>(2, 4), std::make_shared<Tanh>()));
  }
  std::shared_ptr<Encoder> encoder;
  std::shared_ptr<Sequential> decoder;
};

template <class T>
std::vector<std::string> keys(const Module::Named<T>& list) {
  std::vector<std::string> out;
  for (const auto& entry : list) out.push_back(entry.first);
  return out;
}

}  // namespace

TEST_CASE("Module: parameters, buffers and children with PyTorch's dotted names") {
  auto model = std::make_shared<AutoEncoder>();
  CHECK(keys(model->named_parameters()) == std::vector<std::string>{"encoder.scale", "encoder.fc.weight",
                                                                     "encoder.fc.bias", "decoder.0.weight", "decoder.0.bias"});
  CHECK(keys(model->named_buffers()) == std::vector<std::string>{"encoder.steps"});
  CHECK(keys(model->named_children()) == std::vector<std::string>{"encoder", "decoder"});
  CHECK(keys(model->named_modules()) ==
        std::vector<std::string>{"", "encoder", "encoder.fc", "encoder.act", "decoder", "decoder.0", "decoder.1"});
  CHECK(model->modules().size() == 7);
  CHECK(model->modules()[0].get() == model.get());
  CHECK(model->children().size() == 2);
  CHECK(model->parameters().size() == 5);
  CHECK(model->parameters(false).empty());
  CHECK(keys(model->encoder->named_parameters(false)) == std::vector<std::string>{"scale"});
  CHECK(model->buffers().size() == 1);
  // Parameters are the modules' own tensors (handles), and they require grad; buffers do not.
  CHECK(model->parameters()[1].impl() == model->encoder->fc->weight.impl());
  for (const Tensor& p : model->parameters()) CHECK(p.requires_grad());
  CHECK_FALSE(model->buffers()[0].requires_grad());
}

TEST_CASE("Module: a module or tensor registered twice is listed once") {
  auto shared = std::make_shared<Linear>(3, 3);
  Sequential seq(shared, std::make_shared<ReLU>(), shared);
  CHECK(seq.parameters().size() == 2);
  CHECK(keys(seq.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias"});
  CHECK(seq.state_dict().size() == 4);  // state_dict keeps every name, as PyTorch's does
}

TEST_CASE("Module: registration errors name the module and the name") {
  Module m("Custom");
  m.register_parameter("w", zeros({2}));
  CHECK_THROWS_WITH_AS(m.register_parameter("w", zeros({2})),
                       "Custom: register_parameter: a parameter, buffer or module named \"w\" already exists", Error);
  CHECK_THROWS_WITH_AS(m.register_buffer("w", zeros({2})),
                       "Custom: register_buffer: a parameter, buffer or module named \"w\" already exists", Error);
  CHECK_THROWS_WITH_AS(m.register_module("w", std::make_shared<ReLU>()),
                       "Custom: register_module: a parameter, buffer or module named \"w\" already exists", Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("a.b", zeros({2})),
                       "Custom: register_parameter: name \"a.b\" must be non-empty and contain no '.'", Error);
  CHECK_THROWS_WITH_AS(m.register_buffer("", zeros({2})),
                       "Custom: register_buffer: name \"\" must be non-empty and contain no '.'", Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("i", zeros({2}, {.dtype = kInt64})),
                       "Custom: register_parameter: parameter \"i\" must be float32 or float64, got int64", Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("u", Tensor()),
                       "Custom: register_parameter: parameter \"u\" is an undefined tensor", Error);
  Tensor leaf = ones({2}, {.requires_grad = true});
  CHECK_THROWS_WITH_AS(m.register_parameter("y", leaf * 2.0),
                       "Custom: register_parameter: parameter \"y\" is the output of an op; register a leaf (detach() it)",
                       Error);
  CHECK_THROWS_WITH_AS(m.register_module("n", std::shared_ptr<ReLU>()), "Custom: register_module: module \"n\" is null",
                       Error);
  CHECK_FALSE(m.register_parameter("frozen", zeros({2}), false).requires_grad());
}

TEST_CASE("Module: forward, modules() and their errors") {
  Module m("Custom");
  CHECK_THROWS_WITH_AS(m.forward(zeros({2})),
                       "Custom(): this module does not implement forward(const Tensor&); call its own methods", Error);
  CHECK_THROWS_WITH_AS(m(zeros({2})), doctest::Contains("Custom(): this module does not implement forward"), Error);
  CHECK_THROWS_WITH_AS(m.modules(), "Custom(): modules() needs the module to be held by a std::shared_ptr (make_shared)",
                       Error);
  auto enc = std::make_shared<Encoder>();
  Tensor x = ones({3, 4});
  CHECK(equal((*enc)(x), enc->forward(x)));
}

TEST_CASE("Module: train and eval reach every descendant") {
  auto model = std::make_shared<AutoEncoder>();
  for (const auto& m : model->modules()) CHECK(m->is_training());
  model->eval();
  for (const auto& m : model->modules()) CHECK_FALSE(m->is_training());
  model->decoder->train();
  CHECK_FALSE(model->is_training());
  CHECK(model->decoder->is_training());
  CHECK(model->decoder->at<Tanh>(1)->is_training());
  model->train(true);
  for (const auto& m : model->modules()) CHECK(m->is_training());
}

TEST_CASE("Module: zero_grad sets gradients to none, or to zeros") {
  auto model = std::make_shared<AutoEncoder>();
  Tensor x = ones({3, 4});
  model->decoder->forward(model->encoder->forward(x)).sum().backward();
  for (const Tensor& p : model->parameters()) CHECK(p.grad().defined());
  model->zero_grad(false);
  for (const Tensor& p : model->parameters()) {
    REQUIRE(p.grad().defined());
    CHECK(p.grad().abs().sum().item() == 0);
  }
  model->zero_grad();
  for (const Tensor& p : model->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("Module: to(dtype) converts parameters, gradients and float buffers in place") {
  auto bn = std::make_shared<BatchNorm1d>(3);
  auto fc = std::make_shared<Linear>(2, 3);
  Sequential seq(fc, bn);
  Tensor w_before = fc->weight.detach().to(kFloat64);
  Tensor held = fc->weight;  // what an optimizer holds
  seq.forward(ones({4, 2})).sum().backward();
  seq.to(kFloat64);
  CHECK(fc->weight.dtype() == kFloat64);
  CHECK(held.dtype() == kFloat64);
  CHECK(held.impl() == fc->weight.impl());
  CHECK(held.requires_grad());
  CHECK(held.grad().dtype() == kFloat64);
  CHECK(equal(fc->weight.detach(), w_before));
  CHECK(bn->running_var.dtype() == kFloat64);
  CHECK(bn->num_batches_tracked.dtype() == kInt64);
  CHECK(seq.forward(ones({4, 2}, {.dtype = kFloat64})).dtype() == kFloat64);
  CHECK_THROWS_WITH_AS(seq.to(kInt64),
                       "Sequential(): to() converts floating-point parameters and buffers, so it needs float32 or "
                       "float64, got int64",
                       Error);
}

TEST_CASE("Module: printing follows PyTorch's repr") {
  Sequential mlp(std::make_shared<Linear>(784, 512), std::make_shared<ReLU>(), std::make_shared<Dropout>(0.2),
                 std::make_shared<Linear>(512, 10, false));
  // The string PyTorch 1.13 prints for the same nn.Sequential.
  CHECK(repr(mlp) ==
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=512, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.2, inplace=False)\n"
        "  (3): Linear(in_features=512, out_features=10, bias=False)\n"
        ")");
  std::ostringstream out;
  out << AutoEncoder();
  CHECK(out.str() ==
        "AutoEncoder(\n"
        "  (encoder): Encoder(\n"
        "    (fc): Linear(in_features=4, out_features=2, bias=True)\n"
        "    (act): ReLU()\n"
        "  )\n"
        "  (decoder): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=4, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        ")");
  CHECK(repr(Sequential()) == "Sequential()");
  CHECK(repr(BatchNorm1d(512, {.eps = 0.8})) ==
        "BatchNorm1d(512, eps=0.8, momentum=0.1, affine=True, track_running_stats=True)");
  CHECK(repr(BatchNorm1d(4, {.momentum = std::nullopt, .affine = false})) ==
        "BatchNorm1d(4, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  CHECK(repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)");
  CHECK(repr(GELU("tanh")) == "GELU(approximate='tanh')");
  CHECK(repr(Softmax(1)) == "Softmax(dim=1)");
  CHECK(repr(LogSoftmax(-1)) == "LogSoftmax(dim=-1)");
  CHECK(repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)");
  CHECK(repr(Unflatten(1, {1, 28, 28})) == "Unflatten(dim=1, unflattened_size=(1, 28, 28))");
  CHECK(repr(Identity()) == "Identity()");
  CHECK(repr(Sigmoid()) == "Sigmoid()");
}

TEST_CASE("Module: summary counts each submodule's parameters and the totals") {
  Sequential mlp(std::make_shared<Linear>(784, 512), std::make_shared<ReLU>(),
                 std::make_shared<Sequential>(std::make_shared<Linear>(512, 10), std::make_shared<BatchNorm1d>(10)));
  mlp.at<Sequential>(2)->at<BatchNorm1d>(1)->bias.requires_grad_(false);
  CHECK(mlp.summary() ==
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=512, bias=True)                               401,920\n"
        "  (1): ReLU()                                                                                   0\n"
        "  (2): Sequential(                                                                          5,150\n"
        "    (0): Linear(in_features=512, out_features=10, bias=True)                                5,130\n"
        "    (1): BatchNorm1d(10, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)       20\n"
        "  )\n"
        ")\n"
        "Total params: 407,070\n"
        "Trainable params: 407,060\n"
        "Non-trainable params: 10\n");
}

TEST_CASE("format_float spells numbers as Python's repr") {
  CHECK(format_float(1e-5) == "1e-05");
  CHECK(format_float(0.1) == "0.1");
  CHECK(format_float(0.0001) == "0.0001");
  CHECK(format_float(1) == "1.0");
  CHECK(format_float(100000) == "100000.0");
  CHECK(format_float(-2.5) == "-2.5");
  CHECK(format_float(1.5e-7) == "1.5e-07");
  CHECK(format_float(1e16) == "1e+16");
  CHECK(format_bool(true) == "True");
  CHECK(format_sizes({64, 100}) == "[64, 100]");
  CHECK(format_sizes({}) == "[]");
}

TEST_CASE("Tensor::set_data swaps a leaf's data and keeps its identity (what Module::to relies on)") {
  Tensor p = ones({2}, {.requires_grad = true});
  Tensor alias = p;
  p.set_data(zeros({3}, {.dtype = kFloat64}));
  CHECK(alias.shape() == Shape{3});
  CHECK(alias.dtype() == kFloat64);
  CHECK(alias.requires_grad());
  CHECK_THROWS_WITH_AS(p.set_data(zeros({2}, {.dtype = kInt64})),
                       "set_data: a tensor that requires grad needs floating-point data, got int64", Error);
  Tensor y = p * 2.0;
  CHECK_THROWS_WITH_AS(y.set_data(zeros({3})), "set_data: only a leaf tensor's data can be replaced, got the output of mul "
                                                "(shape (3,))", Error);
  CHECK_THROWS_WITH_AS(p.set_data(Tensor()), doctest::Contains("set_data"), Error);
}
