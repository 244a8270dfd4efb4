// The text models' Jobs, shared by `muse train` and the commands that read their checkpoints back
// (text_commands.cpp): the character LSTM and GPT (char_lm_jobs.cpp) and the translator (text_jobs.cpp).
#pragma once

#include <memory>
#include <optional>

#include "job.h"
#include "muse/data/corpora.h"
#include "muse/data/tokenizer.h"
#include "muse/models/char_lstm.h"
#include "muse/models/gpt.h"
#include "muse/models/seq2seq.h"
#include "muse/models/transformer_seq2seq.h"
#include "muse/optim/adam.h"
#include "muse/optim/lr_scheduler.h"

namespace muse::tools {

// The character-level language models (lstm, gpt): a corpus (poems or kjv), a CharTokenizer of its
// kVocab most frequent characters built from the training text, windows of context + 1 characters of
// the text as one stream, every 20th poem (verse) held out for the validation perplexity.
class CharLmJob : public Job {
 public:
  static constexpr int64_t kVocab = 4000;  // the most frequent characters (97.6% of the poems' text)

  Datasets data(const DataOptions& options) override;
  Losses step(const std::vector<Tensor>& batch) override;
  Losses evaluate(const std::vector<Tensor>& test, Generator& gen) override;
  io::NamedTensors state() override;
  void load(const io::NamedTensors& tensors) override;
  Metadata metadata() const override;
  void restore(const Metadata& metadata) override;
  bool generative() const override { return false; }
  Tensor sample(int64_t, Generator&) override {
    throw Error(str("muse: the ", name_, " generates text: use muse sample ", name_, " --prefix"));
  }
  double lr() const override { return lr_; }

  int64_t context() const { return context_; }
  const data::CharTokenizer& tokenizer() const { return *tokenizer_; }
  // prefix continued by n characters drawn one at a time.
  virtual std::vector<int64_t> generate(const std::vector<int64_t>& prefix, int64_t n,
                                        const models::SamplingOptions& sampling, Generator& gen) = 0;

 protected:
  CharLmJob(std::string name, int64_t context, double lr, Device device)
      : Job(device), name_(std::move(name)), context_(context), lr_(lr) {}
  // Makes the network and its optimizer for a vocabulary of vocab_size characters.
  virtual void build(int64_t vocab_size) = 0;
  virtual Tensor logits(const Tensor& inputs) = 0;  // (B, T) int64 -> (B, T, V)
  virtual nn::Module& network() = 0;
  virtual optim::Optimizer& optimizer() = 0;
  bool built() const { return tokenizer_.has_value(); }

  const std::string name_;
  const int64_t context_;
  double lr_;

 private:
  Tensor windows(const std::string& text, int64_t limit) const;
  std::string corpus_;
  std::optional<data::CharTokenizer> tokenizer_;
};

// char_lstm: Adam (lr 1e-3) with the gradient's global norm clipped at 1, as the lstm_lm workload.
class LstmJob : public CharLmJob {
 public:
  static constexpr int64_t kContext = 64;  // characters per training window

  explicit LstmJob(const JobOptions& o) : CharLmJob("lstm", kContext, o.lr > 0 ? o.lr : 1e-3, o.device) {}
  std::vector<int64_t> generate(const std::vector<int64_t>& prefix, int64_t n, const models::SamplingOptions& sampling,
                                Generator& gen) override;
  models::CharLstm& net() { return *net_; }

 private:
  void build(int64_t vocab_size) override;
  Tensor logits(const Tensor& inputs) override;
  nn::Module& network() override { return *net_; }
  optim::Optimizer& optimizer() override { return *opt_; }
  std::shared_ptr<models::CharLstm> net_;
  std::unique_ptr<optim::Adam> opt_;
};

// The character-level GPT (the gpt workload's shape, context 128): AdamW (lr 3e-4, weight decay 0.1 on
// matrices and embeddings, none on biases and LayerNorm), the lr warmed up linearly over the first
// kWarmup steps and then annealed along a cosine to a tenth at the run's last step, gradient norm
// clipped at 1 (bench/torch/char_gpt.py trains PyTorch the same way).
class GptJob : public CharLmJob {
 public:
  static constexpr int64_t kContext = 128;
  static constexpr int64_t kWarmup = 100;

  explicit GptJob(const JobOptions& o) : CharLmJob("gpt", kContext, o.lr > 0 ? o.lr : 3e-4, o.device) {}
  Losses step(const std::vector<Tensor>& batch) override;
  void begin(int64_t total_steps, int64_t steps_done) override;
  std::vector<int64_t> generate(const std::vector<int64_t>& prefix, int64_t n, const models::SamplingOptions& sampling,
                                Generator& gen) override;
  models::Gpt& net() { return *net_; }

 private:
  void build(int64_t vocab_size) override;
  Tensor logits(const Tensor& inputs) override;
  nn::Module& network() override { return *net_; }
  optim::Optimizer& optimizer() override { return *opt_; }
  std::shared_ptr<models::Gpt> net_;
  std::unique_ptr<optim::AdamW> opt_;
  std::unique_ptr<optim::LambdaLR> schedule_;
};

// The English -> Spanish translators: `seq2seq` (models::Seq2Seq, LSTMs with attention; Adam 1e-3) and
// `tseq2seq` (models::TransformerSeq2Seq; Adam 5e-4 with betas (0.9, 0.98), as Transformers are usually
// trained), both with the gradient norm clipped at 1, on the same word tokenizers and pairs.
class Seq2SeqJob : public Job {
 public:
  static constexpr int64_t kVocab = 4000;  // words per language at most, specials included
  static constexpr int64_t kMinFreq = 2;   // rarer words become <unk>

  Seq2SeqJob(const JobOptions& o, bool transformer)
      : Job(o.device), transformer_(transformer), lr_(o.lr > 0 ? o.lr : transformer ? 5e-4 : 1e-3) {}
  Datasets data(const DataOptions& options) override;
  Losses step(const std::vector<Tensor>& batch) override;
  Losses evaluate(const std::vector<Tensor>& test, Generator& gen) override;
  // source and target to the device; the lengths stay on the CPU, where the encoder's LSTM reads them
  // (as PyTorch's pack_padded_sequence does).
  std::vector<Tensor> to_device(std::vector<Tensor> fields) const override;
  io::NamedTensors state() override;
  void load(const io::NamedTensors& tensors) override;
  Metadata metadata() const override;
  void restore(const Metadata& metadata) override;
  bool generative() const override { return false; }
  Tensor sample(int64_t, Generator&) override { throw Error("muse: seq2seq translates: use muse translate"); }
  double lr() const override { return lr_; }

  models::Translator& net() { return *net_; }
  const char* name() const { return transformer_ ? "tseq2seq" : "seq2seq"; }
  const data::WordTokenizer& source() const { return *source_; }
  const data::WordTokenizer& target() const { return *target_; }
  const std::vector<data::SentencePair>& test_pairs() const { return test_pairs_; }
  std::vector<Tensor> encode_pairs(const std::vector<data::SentencePair>& pairs) const;
  std::vector<std::string> target_tokens(const std::vector<int64_t>& ids) const;

 private:
  void build();

  bool transformer_;
  double lr_;
  std::optional<data::WordTokenizer> source_, target_;
  std::shared_ptr<models::Translator> net_;
  std::unique_ptr<optim::Adam> opt_;
  std::vector<data::SentencePair> test_pairs_;
};

}  // namespace muse::tools
