// GPT-2 checkpoints as Hugging Face publishes them (model.safetensors of openai-community/gpt2): the
// keys of Gpt's state_dict, with two differences of layout. GPT-2's projections are Conv1D layers whose
// weight is stored (in, out), y = x W + b, where nn::Linear holds (out, in), y = x W^T + b: the four
// projection weights are transposed on the way in. And the files may carry what Gpt has no use for: a
// "transformer." prefix (GPT2LMHeadModel), the tied "lm_head.weight", and the causal-mask buffers
// attn.bias / attn.masked_bias.
#include <map>
#include <string>

#include "muse/io/safetensors.h"
#include "muse/models/gpt.h"
#include "muse/muse.h"

namespace muse::models {

namespace {

using Gpt2Tensors = std::map<std::string, Tensor>;

bool is_conv1d_weight(const std::string& key) {
  for (const char* suffix : {".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"})
    if (key.ends_with(suffix)) return true;
  return false;
}

Shape transposed(const Shape& s) { return s.size() == 2 ? Shape{s[1], s[0]} : s; }

// The file's tensors under Gpt's names: prefix stripped, mask buffers dropped, lm_head checked to be wte.
Gpt2Tensors read_gpt2(const std::string& path) {
  io::SafeTensors file = io::load_safetensors(path);
  Gpt2Tensors out;
  Tensor lm_head;
  for (auto& [name, tensor] : file.tensors) {
    std::string key = name.starts_with("transformer.") ? name.substr(12) : name;
    if (key.ends_with(".attn.bias") || key.ends_with(".attn.masked_bias")) continue;
    if (key == "lm_head.weight") {
      lm_head = tensor;
      continue;
    }
    check(out.emplace(key, tensor).second, "load_gpt2: ", path, " holds ", key, " twice (with and without the ",
          "\"transformer.\" prefix)");
  }
  auto wte = out.find("wte.weight");
  if (lm_head.defined() && wte != out.end()) {
    const Tensor& w = wte->second;
    check(lm_head.dtype() == w.dtype() && equal(lm_head, w), "load_gpt2: ", path, ": lm_head.weight ", lm_head.shape(),
          " differs from wte.weight ", w.shape(), ", but Gpt ties its output layer to wte");
  }
  return out;
}

const Tensor& find(const Gpt2Tensors& file, const std::string& key, const std::string& path) {
  auto it = file.find(key);
  check(it != file.end(), "load_gpt2: ", path, " has no tensor ", key);
  return it->second;
}

// Checks every key and shape of the file against model, then copies the values in.
void copy_gpt2(Gpt& model, Gpt2Tensors file, const std::string& path) {
  nn::Module::StateDict state;
  for (const auto& [key, param] : model.state_dict()) {
    const bool conv1d = is_conv1d_weight(key);
    const Shape expected = conv1d ? transposed(param.shape()) : param.shape();  // the file's layout
    auto it = file.find(key);
    check(it != file.end(), "load_gpt2: ", path, " has no tensor ", key, " (expected shape ", expected, ")");
    const Tensor& t = it->second;
    check(t.shape() == expected, "load_gpt2: ", key, " in ", path, " has shape ", t.shape(), ", expected ", expected,
          conv1d ? " (a Conv1D weight, stored (in, out))" : "", " for ", model.config().n_layer, " layers of width ",
          model.config().d_model);
    check(t.dtype() == kFloat32 || t.dtype() == kFloat64, "load_gpt2: ", key, " in ", path, " is ", t.dtype(),
          ", expected a float tensor");
    Tensor value = conv1d ? t.t() : t;
    state.emplace_back(key, value.to(param.dtype()).contiguous().to(param.device()));
    file.erase(it);
  }
  if (!file.empty())
    throw Error(str("load_gpt2: unexpected tensor ", file.begin()->first, " ", file.begin()->second.shape(), " in ",
                    path, " (the model has n_layer=", model.config().n_layer,
                    ", bias=", model.config().bias ? "true" : "false", ")"));
  model.load_state_dict(state);
}

}  // namespace

void load_gpt2(Gpt& model, const std::string& path) { copy_gpt2(model, read_gpt2(path), path); }

std::shared_ptr<Gpt> Gpt::from_gpt2(const std::string& path, int64_t n_head) {
  Gpt2Tensors file = read_gpt2(path);
  const Tensor& wte = find(file, "wte.weight", path);
  const Tensor& wpe = find(file, "wpe.weight", path);
  const Tensor& c_fc = find(file, "h.0.mlp.c_fc.weight", path);
  check(wte.dim() == 2 && wpe.dim() == 2 && c_fc.dim() == 2 && wpe.size(1) == wte.size(1),
        "load_gpt2: ", path, ": expected wte (V, C), wpe (context, C) and h.0.mlp.c_fc.weight (C, d_ff), got ",
        wte.shape(), ", ", wpe.shape(), " and ", c_fc.shape());
  int64_t n_layer = 0;
  while (file.contains(str("h.", n_layer, ".ln_1.weight"))) ++n_layer;
  GptConfig config{.vocab_size = wte.size(0), .context = wpe.size(0), .n_layer = n_layer, .n_head = n_head,
                   .d_model = wte.size(1), .d_ff = c_fc.size(1), .bias = file.contains("h.0.attn.c_attn.bias")};
  Generator init(0);  // the initial values are overwritten; the default generator is left alone
  auto model = std::make_shared<Gpt>(config, init);
  copy_gpt2(*model, std::move(file), path);
  return model;
}

}  // namespace muse::models
