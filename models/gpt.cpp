#include "muse/models/gpt.h"

#include <algorithm>
#include <cmath>

#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/nn/init.h"

namespace muse::models {

namespace F = nn::functional;

namespace {

// GPT-2's initialisation of a projection: weight ~ N(0, std), bias 0.
void init_linear(nn::Linear& layer, double std, Generator& gen) {
  nn::init::normal_(layer.weight, 0, std, gen);
  if (layer.bias.defined()) nn::init::zeros_(layer.bias);
}

// Which keys each new query may see: is_causal when nothing is cached (the usual training pass), every
// key when a single new query follows the cache, else an explicit bool mask (T, S) for the new queries
// at positions past..past+T-1 over the keys 0..past+T-1: query i sees key j iff j <= past + i.
// (PyTorch's is_causal is aligned top-left, so it cannot express a cached prefix.)
struct AttentionMask {
  Tensor allowed;  // bool (T, S), or undefined
  bool causal = false;
};

AttentionMask attention_mask(int64_t past, int64_t T, Device device) {
  if (past == 0) return {{}, true};
  if (T == 1) return {};
  Tensor query_pos = arange(past, past + T, 1, {.dtype = kInt64, .device = device}).unsqueeze(1);  // (T, 1)
  Tensor key_pos = arange(past + T, {.dtype = kInt64, .device = device}).unsqueeze(0);             // (1, S)
  return {key_pos <= query_pos, false};
}

}  // namespace

// Causal self-attention: c_attn makes queries, keys and values for every head at once; c_proj mixes the
// heads' outputs back into the residual stream.
class GptAttention : public nn::Module {
 public:
  GptAttention(const GptConfig& c, Generator& gen) : Module("GptAttention"), n_head_(c.n_head), dropout_(c.dropout) {
    c_attn = register_module("c_attn", std::make_shared<nn::Linear>(c.d_model, 3 * c.d_model, c.bias, gen));
    c_proj = register_module("c_proj", std::make_shared<nn::Linear>(c.d_model, c.d_model, c.bias, gen));
    init_linear(*c_attn, 0.02, gen);
    init_linear(*c_proj, 0.02 / std::sqrt(2.0 * c.n_layer), gen);
  }

  // x (B, T, C); k_cache and v_cache (B, H, past, D) are extended by the T new positions when given.
  Tensor forward(const Tensor& x, Tensor* k_cache, Tensor* v_cache, const AttentionMask& mask) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = n_head_, D = C / H;
    std::vector<Tensor> qkv = split((*c_attn)(x), C, 2);  // 3 x (B, T, C)
    auto heads = [&](const Tensor& t) { return t.reshape({B, T, H, D}).transpose(1, 2); };  // (B, H, T, D)
    Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    if (k_cache != nullptr) {
      if (k_cache->defined()) k = cat({*k_cache, k}, 2), v = cat({*v_cache, v}, 2);  // (B, H, S, D)
      *k_cache = k, *v_cache = v;
    }
    double p = is_training() ? dropout_ : 0;
    Tensor y = scaled_dot_product_attention(q, k, v, mask.allowed, p, mask.causal);  // (B, H, T, D)
    y = y.transpose(1, 2).reshape({B, T, C});
    return F::dropout((*c_proj)(y), dropout_, is_training());
  }

  std::shared_ptr<nn::Linear> c_attn, c_proj;

 private:
  int64_t n_head_;
  double dropout_;
};

// The position-wise MLP: C -> d_ff -> C with GELU between.
class GptMlp : public nn::Module {
 public:
  GptMlp(const GptConfig& c, Generator& gen) : Module("GptMlp"), gelu_(c.gelu), dropout_(c.dropout) {
    c_fc = register_module("c_fc", std::make_shared<nn::Linear>(c.d_model, c.d_ff, c.bias, gen));
    c_proj = register_module("c_proj", std::make_shared<nn::Linear>(c.d_ff, c.d_model, c.bias, gen));
    init_linear(*c_fc, 0.02, gen);
    init_linear(*c_proj, 0.02 / std::sqrt(2.0 * c.n_layer), gen);
  }

  Tensor forward(const Tensor& x) override {  // (B, T, C) -> (B, T, C)
    return F::dropout((*c_proj)(gelu((*c_fc)(x), gelu_)), dropout_, is_training());
  }

  std::shared_ptr<nn::Linear> c_fc, c_proj;

 private:
  std::string gelu_;
  double dropout_;
};

// One pre-LayerNorm Transformer block: each sublayer reads a normalised copy of the residual stream and
// adds its output back.
class GptBlock : public nn::Module {
 public:
  GptBlock(const GptConfig& c, Generator& gen) : Module("GptBlock") {
    nn::LayerNormOptions ln{.eps = c.layer_norm_eps, .bias = c.bias};
    ln_1 = register_module("ln_1", std::make_shared<nn::LayerNorm>(std::vector<int64_t>{c.d_model}, ln));
    attn = register_module("attn", std::make_shared<GptAttention>(c, gen));
    ln_2 = register_module("ln_2", std::make_shared<nn::LayerNorm>(std::vector<int64_t>{c.d_model}, ln));
    mlp = register_module("mlp", std::make_shared<GptMlp>(c, gen));
  }

  Tensor forward(const Tensor& x, Tensor* k_cache, Tensor* v_cache, const AttentionMask& mask) {
    Tensor r = x + attn->forward((*ln_1)(x), k_cache, v_cache, mask);
    return r + (*mlp)((*ln_2)(r));
  }

  std::shared_ptr<nn::LayerNorm> ln_1, ln_2;
  std::shared_ptr<GptAttention> attn;
  std::shared_ptr<GptMlp> mlp;
};

Gpt::Gpt(GptConfig c, Generator& gen) : Module("Gpt"), config_(std::move(c)) {
  const GptConfig& o = config_;
  check(o.vocab_size > 0 && o.context > 0 && o.n_layer > 0 && o.n_head > 0 && o.d_model > 0 && o.d_ff > 0,
        "Gpt: every size must be positive, got vocab_size=", o.vocab_size, " context=", o.context,
        " n_layer=", o.n_layer, " n_head=", o.n_head, " d_model=", o.d_model, " d_ff=", o.d_ff);
  check(o.d_model % o.n_head == 0, "Gpt: d_model=", o.d_model, " is not a multiple of n_head=", o.n_head);
  check(o.dropout >= 0 && o.dropout < 1, "Gpt: dropout must be in [0, 1), got ", o.dropout);
  check(o.gelu == "tanh" || o.gelu == "none", "Gpt: gelu must be \"tanh\" or \"none\", got \"", o.gelu, "\"");
  wte_ = register_module("wte", std::make_shared<nn::Embedding>(o.vocab_size, o.d_model, std::nullopt, gen));
  wpe_ = register_module("wpe", std::make_shared<nn::Embedding>(o.context, o.d_model, std::nullopt, gen));
  nn::init::normal_(wte_->weight, 0, 0.02, gen);
  nn::init::normal_(wpe_->weight, 0, 0.02, gen);
  h_ = register_module("h", std::make_shared<nn::Sequential>());
  for (int64_t i = 0; i < o.n_layer; ++i) {
    blocks_.push_back(std::make_shared<GptBlock>(o, gen));
    h_->push_back(blocks_.back());
  }
  ln_f_ = register_module("ln_f", std::make_shared<nn::LayerNorm>(std::vector<int64_t>{o.d_model},
                                                                   nn::LayerNormOptions{.eps = o.layer_norm_eps,
                                                                                        .bias = o.bias}));
}

KvCache Gpt::make_cache() const {
  return {std::vector<Tensor>(config_.n_layer), std::vector<Tensor>(config_.n_layer), 0, config_.context};
}

Tensor Gpt::hidden(const Tensor& idx, KvCache* cache) {
  check(idx.defined() && idx.dim() == 2 && idx.dtype() == kInt64, "Gpt: expected idx (B, T) int64, got ",
        idx.defined() ? str(idx.shape(), " ", idx.dtype()) : std::string("undefined"));
  const int64_t T = idx.size(1), past = cache != nullptr ? cache->length : 0;
  check(T > 0, "Gpt: idx ", idx.shape(), " has no positions");
  if (cache != nullptr) {
    check(cache->k.size() == blocks_.size() && cache->v.size() == blocks_.size() &&
              cache->capacity == config_.context,
          "Gpt: the cache was not made by this model (", cache->k.size(), " layers, capacity ", cache->capacity,
          "; the model has ", blocks_.size(), " and context ", config_.context, "): use make_cache()");
    check(past + T <= config_.context, "Gpt: the cache is full: ", past, " cached + ", T,
          " new positions exceed the context of ", config_.context);
    if (past > 0) check(cache->k[0].size(0) == idx.size(0), "Gpt: idx ", idx.shape(), " has batch ", idx.size(0),
                        " but the cache holds ", cache->k[0].size(0), " sequences");
  }
  check(T <= config_.context, "Gpt: idx ", idx.shape(), " has ", T, " positions, more than the context of ",
        config_.context);
  Tensor pos = arange(past, past + T, 1, {.dtype = kInt64, .device = idx.device()});  // (T,)
  Tensor x = F::dropout((*wte_)(idx) + (*wpe_)(pos), config_.dropout, is_training());  // (B, T, C)
  AttentionMask mask = attention_mask(past, T, idx.device());
  for (size_t i = 0; i < blocks_.size(); ++i)
    x = blocks_[i]->forward(x, cache ? &cache->k[i] : nullptr, cache ? &cache->v[i] : nullptr, mask);
  if (cache != nullptr) cache->length += T;
  return (*ln_f_)(x);
}

Tensor Gpt::head(const Tensor& x) const { return F::linear(x, wte_->weight); }

Tensor Gpt::forward(const Tensor& idx, KvCache* cache) { return head(hidden(idx, cache)); }

Tensor Gpt::next_logits(const std::vector<std::vector<int64_t>>& rows, int64_t t, KvCache& cache) {
  // The window of positions to feed, [begin, t): the uncached ones, or the last context tokens.
  const bool cached = t <= config_.context;
  const int64_t begin = cached ? cache.length : t - config_.context;
  std::vector<int64_t> window;
  for (const std::vector<int64_t>& row : rows) window.insert(window.end(), row.begin() + begin, row.begin() + t);
  const int64_t B = static_cast<int64_t>(rows.size()), T = t - begin;
  Tensor idx = from_vector(window, {B, T}, {.dtype = kInt64}).to(wte_->weight.device());  // (B, T)
  Tensor x = hidden(idx, cached ? &cache : nullptr);                                       // (B, T, C)
  return head(x.select(1, T - 1));                                                        // (B, V)
}

std::vector<std::vector<int64_t>> Gpt::generate(const std::vector<std::vector<int64_t>>& prefixes, int64_t n,
                                                const SamplingOptions& sampling, Generator& gen) {
  check(!prefixes.empty(), "Gpt::generate: no prefixes given");
  check(n >= 0, "Gpt::generate: n must be >= 0, got ", n);
  size_t shortest = prefixes[0].size(), longest = 0;
  for (const std::vector<int64_t>& p : prefixes) {
    check(!p.empty(), "Gpt::generate: a prefix is empty (give at least one token, e.g. <|endoftext|>)");
    for (int64_t token : p)
      check(token >= 0 && token < config_.vocab_size, "Gpt::generate: token ", token, " is outside the vocabulary [0, ",
            config_.vocab_size, ")");
    shortest = std::min(shortest, p.size()), longest = std::max(longest, p.size());
  }
  NoGradGuard no_grad;
  bool was_training = is_training();
  eval();
  // Every row holds t tokens at each step: a row still inside its prefix takes its next prefix token
  // (the sample is not drawn), the others a drawn one; rows that already have n new tokens are padded
  // with a token that is cut off at the end.
  std::vector<std::vector<int64_t>> rows = prefixes;
  for (std::vector<int64_t>& row : rows) row.resize(shortest);
  KvCache cache = make_cache();
  const int64_t end = static_cast<int64_t>(longest) + n;
  auto draws_at = [&](size_t b, int64_t t) {
    return t >= static_cast<int64_t>(prefixes[b].size()) && t < static_cast<int64_t>(prefixes[b].size()) + n;
  };
  for (int64_t t = static_cast<int64_t>(shortest); t < end; ++t) {
    bool any_draw = false;
    for (size_t b = 0; b < rows.size(); ++b) any_draw = any_draw || draws_at(b, t);
    Tensor logits = any_draw ? next_logits(rows, t, cache) : Tensor();  // (B, V); skipped while all are forced
    for (size_t b = 0; b < rows.size(); ++b) {
      const int64_t length = static_cast<int64_t>(prefixes[b].size());
      if (t < length) rows[b].push_back(prefixes[b][t]);
      else if (t < length + n) rows[b].push_back(sample_token(logits[static_cast<int64_t>(b)], sampling, gen));
      else rows[b].push_back(0);
    }
  }
  for (size_t b = 0; b < rows.size(); ++b) rows[b].resize(prefixes[b].size() + n);
  train(was_training);
  return rows;
}

std::vector<int64_t> Gpt::generate(const std::vector<int64_t>& prefix, int64_t n, const SamplingOptions& sampling,
                                   Generator& gen) {
  return generate(std::vector<std::vector<int64_t>>{prefix}, n, sampling, gen)[0];
}

Tensor gpt_loss(const Tensor& logits, const Tensor& targets) {
  check(logits.defined() && targets.defined() && logits.dim() == 3 && targets.dim() == 2 &&
            logits.size(0) == targets.size(0) && logits.size(1) == targets.size(1),
        "gpt_loss: expected logits (B, T, V) and targets (B, T), got ",
        logits.defined() ? str(logits.shape()) : std::string("undefined"), " and ",
        targets.defined() ? str(targets.shape()) : std::string("undefined"));
  return F::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}));
}

}  // namespace muse::models
