// GPT-2 checkpoints: a small random GPT-2-shaped checkpoint in Hugging Face's layout and the logits a plain
// PyTorch GPT-2 gives for it, both made by tests/models/make_gpt2_reference.py, against muse's Gpt; the
// layout variants (the "transformer." prefix, lm_head, mask buffers) and every loading error.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "../io/temp_dir.h"
#include "muse/io/safetensors.h"
#include "muse/models/gpt.h"
#include "muse/muse.h"

using namespace muse;

namespace {

std::string data_path(const std::string& name) {
  const char* root = std::getenv("MUSE_SOURCE_DIR");  // meson test sets it; else run from the source root
  return (std::filesystem::path(root != nullptr ? root : ".") / "tests" / "models" / name).string();
}

const std::string kCheckpoint = data_path("gpt2_tiny.safetensors");
const std::string kMissing = "h.1.mlp.c_fc.bias";

Tensor reference(const std::string& name) {
  for (auto& [key, t] : io::load_safetensors(data_path("gpt2_tiny_reference.safetensors")).tensors)
    if (key == name) return t;
  throw Error("no reference tensor " + name);
}

// max |a - b| / max |b|
double relative_error(const Tensor& a, const Tensor& b) {
  Tensor b64 = b.to(kFloat64);
  return max(abs(a.to(kFloat64) - b64)).item() / max(abs(b64)).item();
}

// The checkpoint's tensors, changed by edit, written to a file in dir.
template <class Edit>
std::string edited_checkpoint(const testing::TempDir& dir, Edit edit) {
  io::NamedTensors tensors = io::load_safetensors(kCheckpoint).tensors;
  edit(tensors);
  std::string path = (dir / "edited.safetensors").string();
  io::save_safetensors(path, tensors);
  return path;
}

}  // namespace

TEST_CASE("gpt2 checkpoint: the config comes from the shapes; the logits match PyTorch's GPT-2 to 1e-4") {
  std::shared_ptr<models::Gpt> gpt = models::Gpt::from_gpt2(kCheckpoint, 4);
  const models::GptConfig& c = gpt->config();
  CHECK(c.vocab_size == 61);
  CHECK(c.context == 16);
  CHECK(c.n_layer == 2);
  CHECK(c.d_model == 32);
  CHECK(c.d_ff == 128);
  CHECK(c.bias);
  gpt->eval();
  NoGradGuard no_grad;
  Tensor idx = reference("idx"), want = reference("logits");  // (2, 16), (2, 16, 61)
  Tensor logits = gpt->forward(idx);
  CHECK(logits.dtype() == kFloat32);
  CHECK(relative_error(logits, want) < 1e-4);
  CHECK(allclose(logits.to(kFloat64), want, 1e-4, 1e-4));
  // In float64 the same math gives the same numbers to rounding.
  gpt->to(kFloat64);
  CHECK(relative_error(gpt->forward(idx), want) < 1e-12);
  // And token by token through the cache.
  models::KvCache cache = gpt->make_cache();
  std::vector<Tensor> steps;
  for (int64_t t = 0; t < 16; ++t) steps.push_back(gpt->forward(idx.narrow(1, t, 1), &cache));
  CHECK(relative_error(cat(steps, 1), want) < 1e-12);
}

TEST_CASE("gpt2 checkpoint: the \"transformer.\" prefix and a tied lm_head.weight are accepted") {
  testing::TempDir dir;
  std::string path = edited_checkpoint(dir, [](io::NamedTensors& tensors) {
    for (auto& [key, t] : tensors) key = "transformer." + key;
    tensors.emplace_back("lm_head.weight", tensors[0].second.clone());
  });
  models::Gpt gpt({.vocab_size = 61, .context = 16, .n_layer = 2, .n_head = 4, .d_model = 32, .d_ff = 128});
  models::load_gpt2(gpt, path);
  NoGradGuard no_grad;
  CHECK(relative_error(gpt.forward(reference("idx")), reference("logits")) < 1e-4);
}

TEST_CASE("gpt2 checkpoint: errors name the key and the shapes") {
  testing::TempDir dir;
  models::GptConfig config{.vocab_size = 61, .context = 16, .n_layer = 2, .n_head = 4, .d_model = 32, .d_ff = 128};
  models::Gpt gpt(config);
  auto load = [&](auto edit) { models::load_gpt2(gpt, edited_checkpoint(dir, edit)); };
  CHECK_THROWS_WITH_AS(load([](io::NamedTensors& t) { std::erase_if(t, [](auto& e) { return e.first == kMissing; }); }),
                       doctest::Contains("has no tensor h.1.mlp.c_fc.bias (expected shape (128,))"), Error);
  // A c_attn weight stored the Linear way, (out, in), is caught: the file must hold Conv1D's (in, out).
  auto linear_layout = [](io::NamedTensors& t) {
    for (auto& [key, v] : t)
      if (key == "h.0.attn.c_attn.weight") v = v.t().contiguous();
  };
  CHECK_THROWS_WITH_AS(load(linear_layout), doctest::Contains("load_gpt2: h.0.attn.c_attn.weight in "), Error);
  CHECK_THROWS_WITH_AS(load(linear_layout),
                       doctest::Contains("has shape (96, 32), expected (32, 96) (a Conv1D weight, stored (in, out))"),
                       Error);
  CHECK_THROWS_WITH_AS(load([](io::NamedTensors& t) { t.emplace_back("h.2.ln_1.weight", ones({32})); }),
                       doctest::Contains("load_gpt2: unexpected tensor h.2.ln_1.weight (32,)"), Error);
  CHECK_THROWS_WITH_AS(load([](io::NamedTensors& t) { t.emplace_back("lm_head.weight", zeros({61, 32})); }),
                       doctest::Contains("lm_head.weight (61, 32) differs from wte.weight (61, 32)"), Error);
  CHECK_THROWS_WITH_AS(load([](io::NamedTensors& t) { t.emplace_back("transformer.wte.weight", zeros({61, 32})); }),
                       doctest::Contains("holds wte.weight twice"), Error);
  // A model of another size: the first tensor whose shape differs.
  config.d_ff = 64;
  models::Gpt narrower(config);
  CHECK_THROWS_WITH_AS(models::load_gpt2(narrower, kCheckpoint),
                       doctest::Contains("load_gpt2: h.0.mlp.c_fc.weight in "), Error);
  CHECK_THROWS_WITH_AS(models::load_gpt2(narrower, kCheckpoint),
                       doctest::Contains("has shape (32, 128), expected (32, 64)"), Error);
  CHECK_THROWS_WITH_AS(models::Gpt::from_gpt2(kCheckpoint, 5),
                       doctest::Contains("Gpt: d_model=32 is not a multiple of n_head=5"), Error);
  CHECK_THROWS_WITH_AS(models::Gpt::from_gpt2(data_path("gpt2_tiny_reference.safetensors"), 4),
                       doctest::Contains("has no tensor wte.weight"), Error);
}
