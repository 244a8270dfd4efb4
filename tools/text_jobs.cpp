// The Job of the English -> Spanish translator (`muse train seq2seq`; the character-level language models'
// are in char_lm_jobs.cpp). It builds its tokenizers from the training text on a fresh run and keeps them
// in the checkpoint's metadata, so a checkpoint carries its vocabulary.
#include "text_jobs.h"

#include <cmath>

#include "muse/data/corpora.h"
#include "muse/metrics/bleu.h"
#include "muse/muse.h"
#include "muse/nn/utils.h"

namespace muse::tools {

// ---- the translator ----

void Seq2SeqJob::build() {
  const int64_t S = source_->size(), T = target_->size();
  if (transformer_) {
    net_ = std::make_shared<models::TransformerSeq2Seq>(models::TransformerSeq2SeqOptions{.source_vocab = S, .target_vocab = T});
    net_->to(device_);
    opt_ = std::make_unique<optim::Adam>(net_->parameters(), optim::AdamOptions{.lr = lr_, .beta2 = 0.98});
    return;
  }
  net_ = std::make_shared<models::Seq2Seq>(models::Seq2SeqOptions{.source_vocab = S, .target_vocab = T});
  net_->to(device_);
  opt_ = std::make_unique<optim::Adam>(net_->parameters(), optim::AdamOptions{.lr = lr_});
}

// source (N, S) padded with <pad>, lengths (N,), target (N, T + 2) = <bos> y <eos> <pad>...
std::vector<Tensor> Seq2SeqJob::encode_pairs(const std::vector<data::SentencePair>& pairs) const {
  std::vector<std::vector<int64_t>> src, tgt;
  int64_t S = 1, T = 2;
  for (const data::SentencePair& p : pairs) {
    src.push_back(source_->encode(p.source));
    std::vector<int64_t> y = {data::kBos};
    for (int64_t id : target_->encode(p.target)) y.push_back(id);
    y.push_back(data::kEos);
    tgt.push_back(std::move(y));
    S = std::max<int64_t>(S, static_cast<int64_t>(src.back().size()));
    T = std::max<int64_t>(T, static_cast<int64_t>(tgt.back().size()));
  }
  const int64_t N = static_cast<int64_t>(pairs.size());
  std::vector<int64_t> s(N * S, data::kPad), len(N), t(N * T, data::kPad);
  for (int64_t i = 0; i < N; ++i) {
    std::copy(src[i].begin(), src[i].end(), s.begin() + i * S);
    std::copy(tgt[i].begin(), tgt[i].end(), t.begin() + i * T);
    len[i] = std::max<int64_t>(static_cast<int64_t>(src[i].size()), 1);  // an empty source reads one <pad>
  }
  return {from_vector(s, {N, S}, {.dtype = kInt64}), from_vector(len, {N}, {.dtype = kInt64}),
          from_vector(t, {N, T}, {.dtype = kInt64})};
}

Datasets Seq2SeqJob::data(const DataOptions& o) {
  data::TranslationCorpus corpus = data::english_spanish();
  if (o.limit > 0 && static_cast<int64_t>(corpus.train.size()) > o.limit) corpus.train.resize(o.limit);
  if (o.limit > 0 && static_cast<int64_t>(corpus.test.size()) > o.limit) corpus.test.resize(o.limit);
  if (!source_) {
    std::vector<std::string> en, es;
    for (const auto& p : corpus.train) en.push_back(p.source), es.push_back(p.target);
    source_ = data::WordTokenizer::build(en, kMinFreq, kVocab);
    target_ = data::WordTokenizer::build(es, kMinFreq, kVocab);
    build();
  }
  test_pairs_ = corpus.test;
  return {encode_pairs(corpus.train), encode_pairs(corpus.test)};
}

Losses Seq2SeqJob::step(const std::vector<Tensor>& b) {
  const Tensor &src = b[0], &len = b[1], &tgt = b[2];
  const int64_t T = tgt.size(1) - 1;
  net_->train();
  Tensor loss = models::seq2seq_loss(net_->forward(src, len, tgt.narrow(1, 0, T)), tgt.narrow(1, 1, T));
  opt_->zero_grad();
  loss.backward();
  nn::utils::clip_grad_norm_(net_->parameters(), 1.0);
  opt_->step();
  return {{"loss", loss.item()}};
}

std::vector<Tensor> Seq2SeqJob::to_device(std::vector<Tensor> f) const {
  return {f[0].to(device_), f[1], f[2].to(device_)};  // source, lengths, target
}

std::vector<std::string> Seq2SeqJob::target_tokens(const std::vector<int64_t>& ids) const {
  std::vector<std::string> out;
  for (int64_t id : ids) out.push_back(target_->tokens().at(static_cast<size_t>(id)));
  return out;
}

// Teacher-forced test loss, and the BLEU of greedy translations against the reference sentences.
Losses Seq2SeqJob::evaluate(const std::vector<Tensor>& test, Generator&) {
  NoGradGuard no_grad;
  net_->eval();
  const Tensor &src = test[0], &len = test[1], &tgt = test[2];
  const int64_t T = tgt.size(1) - 1;
  double loss = models::seq2seq_loss(net_->forward(src, len, tgt.narrow(1, 0, T)), tgt.narrow(1, 1, T)).item();
  std::vector<std::vector<std::string>> hyps, refs;
  for (const auto& ids : net_->greedy(src, len)) hyps.push_back(target_tokens(ids));
  for (const auto& p : test_pairs_) refs.push_back(data::WordTokenizer::split(p.target));
  net_->train();
  return {{"test_loss", loss}, {"test_bleu_greedy", metrics::corpus_bleu(hyps, refs).score}};
}

io::NamedTensors Seq2SeqJob::state() {
  check(net_ != nullptr, "muse: the ", name(), " job has no network before its data or checkpoint is read");
  io::NamedTensors out;
  append_prefixed(out, "model.", net_->state_dict());
  append_prefixed(out, "opt.", opt_->state_dict());
  return out;
}

void Seq2SeqJob::load(const io::NamedTensors& t) {
  check(net_ != nullptr, "muse: the ", name(), " checkpoint has no tokenizers in its metadata");
  net_->load_state_dict(take_prefixed(t, "model."));
  opt_->load_state_dict(take_prefixed(t, "opt."));
}

Metadata Seq2SeqJob::metadata() const {
  return {{"corpus", "english_spanish"}, {"source_tokenizer", source_->to_json()}, {"target_tokenizer", target_->to_json()}};
}

void Seq2SeqJob::restore(const Metadata& m) {
  auto s = m.find("source_tokenizer"), t = m.find("target_tokenizer");
  check(s != m.end() && t != m.end(), "muse: the checkpoint has no source_tokenizer / target_tokenizer in its metadata");
  source_ = data::WordTokenizer::from_json(s->second);
  target_ = data::WordTokenizer::from_json(t->second);
  build();
}

std::unique_ptr<Job> make_text_job(const std::string& model, const JobOptions& options) {
  if (model == "lstm") return std::make_unique<LstmJob>(options);
  if (model == "gpt") return std::make_unique<GptJob>(options);
  return std::make_unique<Seq2SeqJob>(options, model == "tseq2seq");
}

}  // namespace muse::tools
