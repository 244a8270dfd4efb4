#include "muse/models/transformer_seq2seq.h"

#include <algorithm>
#include <cmath>

#include "muse/muse.h"

namespace muse::models {

namespace {

constexpr int64_t kPad = 0, kBos = 1, kEos = 2;  // the special ids of muse/data/tokenizer.h

std::string shape_of(const Tensor& t) { return t.defined() ? str(t.shape()) : std::string("undefined"); }

}  // namespace

TransformerSeq2Seq::TransformerSeq2Seq(const TransformerSeq2SeqOptions& o, Generator& gen)
    : Translator("TransformerSeq2Seq"), options_(o) {
  const int64_t D = o.d_model;
  check(D > 0 && o.nhead > 0 && D % o.nhead == 0, "TransformerSeq2Seq: d_model must be a positive multiple of nhead, got d_model ",
        D, " and nhead ", o.nhead);
  check(o.max_len >= 1, "TransformerSeq2Seq: max_len must be at least 1, got ", o.max_len);
  // Embeddings ~ N(0, 1 / D) (Embedding's N(0, 1) scaled), as fairseq's, so that sqrt(D) * embedding has
  // unit variance, on the scale of pe; PyTorch's tutorial gets a similar scale from xavier_uniform_.
  auto table = [&](int64_t V) {
    auto e = std::make_shared<nn::Embedding>(V, D, kPad, gen);
    NoGradGuard no_grad;
    e->weight.mul_(1 / std::sqrt(static_cast<double>(D)));
    return e;
  };
  src_tok_emb_ = register_module("src_tok_emb", table(o.source_vocab));
  tgt_tok_emb_ = register_module("tgt_tok_emb", table(o.target_vocab));
  positional_encoding_ = register_module("positional_encoding", std::make_shared<nn::SinusoidalPositionalEncoding>(
      D, nn::SinusoidalPositionalEncodingOptions{.max_len = o.max_len, .dropout = o.dropout, .batch_first = true}, gen));
  nn::TransformerLayerOptions layer{.dim_feedforward = o.dim_feedforward, .dropout = o.dropout, .batch_first = true,
                                    .norm_first = o.norm_first};
  auto transformer = register_module("transformer", std::make_shared<nn::Module>("Transformer"));
  encoder_ = transformer->register_module(
      "encoder", std::make_shared<nn::TransformerEncoder>(D, o.nhead, o.num_encoder_layers, layer, true, gen));
  decoder_ = transformer->register_module(
      "decoder", std::make_shared<nn::TransformerDecoder>(D, o.nhead, o.num_decoder_layers, layer, true, gen));
  generator_ = register_module("generator", std::make_shared<nn::Linear>(D, o.target_vocab, true, gen));
}

// sqrt(D) * table(tokens) + pe, then dropout.
Tensor TransformerSeq2Seq::embed(nn::Embedding& table, const Tensor& tokens) {
  check(tokens.size(1) <= options_.max_len, "TransformerSeq2Seq: sequences of at most max_len = ", options_.max_len,
        " tokens, got ", tokens.shape());
  return positional_encoding_->forward(table(tokens) * std::sqrt(static_cast<double>(options_.d_model)), 0);
}

TransformerMemory TransformerSeq2Seq::encode(const Tensor& source, const Tensor& lengths) {
  check(source.defined() && source.dim() == 2 && source.size(1) >= 1, "TransformerSeq2Seq::encode: expected source (B, S), got ",
        shape_of(source));
  check(lengths.defined() && lengths.dim() == 1 && lengths.size(0) == source.size(0),
        "TransformerSeq2Seq::encode: expected lengths (B,) for source ", source.shape(), ", got ", shape_of(lengths));
  // Position j of sentence b is padding when j >= lengths[b].
  Tensor positions = arange(static_cast<double>(source.size(1)), {.dtype = kInt64}).unsqueeze(0);  // (1, S)
  Tensor mask = ge(positions, lengths.to(kCPU).unsqueeze(1)).to(source.device());                 // (B, S)
  return {encoder_->forward(embed(*src_tok_emb_, source), Tensor(), mask), mask};
}

Tensor TransformerSeq2Seq::decode(const Tensor& target_in, const TransformerMemory& m) {
  return generator_->forward(decoder_hidden(target_in, m));  // (B, T, V)
}

Tensor TransformerSeq2Seq::decoder_hidden(const Tensor& target_in, const TransformerMemory& m) {
  check(target_in.defined() && target_in.dim() == 2 && target_in.size(0) == m.memory.size(0) && target_in.size(1) >= 1,
        "TransformerSeq2Seq: expected target_in (B, T) with the source's batch ", m.memory.size(0), ", got ",
        shape_of(target_in));
  // is_causal alone masks the self-attention (MultiheadAttention needs no explicit (T, T) mask for it).
  return decoder_->forward(embed(*tgt_tok_emb_, target_in), m.memory, Tensor(), Tensor(), Tensor(), m.padding_mask,
                          /*tgt_is_causal=*/true);  // (B, T, D)
}

Tensor TransformerSeq2Seq::forward(const Tensor& source, const Tensor& lengths, const Tensor& target_in) {
  return decode(target_in, encode(source, lengths));
}

// The decoder reads at most max_len positions: <bos> and max_len - 1 tokens, then the last prediction.
int64_t TransformerSeq2Seq::decode_limit(int64_t S, int64_t max_len) const {
  return std::min(max_len > 0 ? max_len : 2 * S + 10, options_.max_len);
}

// Greedy and beam search recompute the decoder over the whole prefix at each step instead of caching
// each layer's keys and values: simpler, and O(T^2) per sentence is cheap at translation lengths. Only
// the newest position goes through the output layer.
std::vector<std::vector<int64_t>> TransformerSeq2Seq::greedy(const Tensor& source, const Tensor& lengths, int64_t max_len) {
  NoGradGuard no_grad;
  bool was_training = is_training();
  eval();
  TransformerMemory m = encode(source, lengths);
  const int64_t B = source.size(0);
  max_len = decode_limit(source.size(1), max_len);
  Tensor prefix = full({B, 1}, static_cast<double>(kBos), {.dtype = kInt64, .device = source.device()});  // (B, t)
  std::vector<std::vector<int64_t>> out(B);
  std::vector<bool> done(B, false);
  for (int64_t t = 0, open = B; t < max_len && open > 0; ++t) {
    Tensor next = argmax(generator_->forward(decoder_hidden(prefix, m).select(1, t)), 1);  // (B,)
    prefix = cat({prefix, next.unsqueeze(1)}, 1);
    std::vector<int64_t> ids = next.to(kCPU).to_vector<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      if (ids[b] == kEos) done[b] = true, --open;
      else out[b].push_back(ids[b]);
    }
  }
  train(was_training);
  return out;
}

// The decoder state of the k hypotheses is their prefixes (k, t), <bos> first.
std::vector<int64_t> TransformerSeq2Seq::beam_search(const std::vector<int64_t>& source, const BeamSearchOptions& o) {
  check(!source.empty(), "TransformerSeq2Seq::beam_search: the source sentence is empty");
  check(o.beam >= 1, "TransformerSeq2Seq::beam_search: beam must be >= 1, got ", o.beam);
  NoGradGuard no_grad;
  bool was_training = is_training();
  eval();
  Device device = parameters().front().device();
  const int64_t S = static_cast<int64_t>(source.size());
  TransformerMemory one = encode(from_vector(source, {1, S}, {.dtype = kInt64}).to(device), full({1}, S, {.dtype = kInt64}));
  Tensor prefix;  // (k, t)
  auto step = [&](const Tensor& parents, const Tensor& tokens) {
    prefix = prefix.defined() ? cat({index_select(prefix, 0, parents), tokens.unsqueeze(1)}, 1) : tokens.unsqueeze(1);
    Tensor rows = zeros({tokens.size(0)}, {.dtype = kInt64, .device = device});  // every beam reads the one source
    TransformerMemory m{index_select(one.memory, 0, rows), index_select(one.padding_mask, 0, rows)};
    return generator_->forward(decoder_hidden(prefix, m).select(1, prefix.size(1) - 1));  // (k, V)
  };
  std::vector<int64_t> best = models::beam_search(step, o, decode_limit(S, o.max_len), device);
  train(was_training);
  return best;
}

}  // namespace muse::models
