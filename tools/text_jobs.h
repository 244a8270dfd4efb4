// The text models' Jobs, shared by `muse train` and the commands that read their checkpoints back
// (text_commands.cpp).
#pragma once

#include <memory>
#include <optional>

#include "job.h"
#include "muse/data/corpora.h"
#include "muse/data/tokenizer.h"
#include "muse/models/char_lstm.h"
#include "muse/models/seq2seq.h"
#include "muse/optim/adam.h"

namespace muse::tools {

// Adam (lr 1e-3) with the gradient's global norm clipped at 1, as the lstm_lm workload.
class LstmJob : public Job {
 public:
  static constexpr int64_t kContext = 64;  // characters per training window
  static constexpr int64_t kVocab = 4000;  // the most frequent characters (97.6% of the poems' text)

  explicit LstmJob(const JobOptions& o) : lr_(o.lr > 0 ? o.lr : 1e-3) {}
  Datasets data(const DataOptions& options) override;
  Losses step(const std::vector<Tensor>& batch) override;
  Losses evaluate(const std::vector<Tensor>& test, Generator& gen) override;
  io::NamedTensors state() override;
  void load(const io::NamedTensors& tensors) override;
  Metadata metadata() const override;
  void restore(const Metadata& metadata) override;
  bool generative() const override { return false; }
  Tensor sample(int64_t, Generator&) override { throw Error("muse: the lstm generates text: use muse sample lstm --prefix"); }
  double lr() const override { return lr_; }

  models::CharLstm& net() { return *net_; }
  const data::CharTokenizer& tokenizer() const { return *tokenizer_; }
  static std::vector<std::string> corpus_items(const std::string& corpus);

 private:
  void build(int64_t vocab_size);
  Tensor windows(const std::string& text, int64_t limit) const;

  double lr_;
  std::string corpus_;
  std::optional<data::CharTokenizer> tokenizer_;
  std::shared_ptr<models::CharLstm> net_;
  std::unique_ptr<optim::Adam> opt_;
};

class Seq2SeqJob : public Job {
 public:
  static constexpr int64_t kVocab = 4000;  // words per language at most, specials included
  static constexpr int64_t kMinFreq = 2;   // rarer words become <unk>

  explicit Seq2SeqJob(const JobOptions& o) : lr_(o.lr > 0 ? o.lr : 1e-3) {}
  Datasets data(const DataOptions& options) override;
  Losses step(const std::vector<Tensor>& batch) override;
  Losses evaluate(const std::vector<Tensor>& test, Generator& gen) override;
  io::NamedTensors state() override;
  void load(const io::NamedTensors& tensors) override;
  Metadata metadata() const override;
  void restore(const Metadata& metadata) override;
  bool generative() const override { return false; }
  Tensor sample(int64_t, Generator&) override { throw Error("muse: seq2seq translates: use muse translate"); }
  double lr() const override { return lr_; }

  models::Seq2Seq& net() { return *net_; }
  const data::WordTokenizer& source() const { return *source_; }
  const data::WordTokenizer& target() const { return *target_; }
  const std::vector<data::SentencePair>& test_pairs() const { return test_pairs_; }
  std::vector<Tensor> encode_pairs(const std::vector<data::SentencePair>& pairs) const;
  std::vector<std::string> target_tokens(const std::vector<int64_t>& ids) const;

 private:
  void build();

  double lr_;
  std::optional<data::WordTokenizer> source_, target_;
  std::shared_ptr<models::Seq2Seq> net_;
  std::unique_ptr<optim::Adam> opt_;
  std::vector<data::SentencePair> test_pairs_;
};

}  // namespace muse::tools
