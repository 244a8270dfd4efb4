// The Jobs of the character-level language models: char_lstm (`muse train lstm`) and the GPT (`muse
// train gpt`), on the Tang poems or the King James Bible. Both read the text as one stream of characters,
// poems (verses) one per line, cut into windows of context + 1: the inputs are a window's first
// `context` characters, the targets its last `context`. The tokenizer is built from the training text on
// a fresh run and kept in the checkpoint's metadata.
#include <cmath>

#include "muse/data/corpora.h"
#include "muse/muse.h"
#include "muse/nn/utils.h"
#include "text_jobs.h"

namespace muse::tools {

namespace {

// Every 20th item (index % 20 == 19) is held out, as english_spanish() does for its test split.
std::string join_lines(const std::vector<std::string>& items, bool held) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    if ((i % 20 == 19) == held) out += items[i] + "\n";
  return out;
}

std::vector<std::string> corpus_items(const std::string& model, const std::string& corpus) {
  if (corpus == "poems") return data::tang_poems();
  if (corpus == "kjv") return data::kjv_verses();
  throw Error(str("muse train ", model, ": unknown corpus '", corpus, "' (known: poems, kjv)"));
}

}  // namespace

// ---- shared by both ----

Tensor CharLmJob::windows(const std::string& text, int64_t limit) const {
  std::vector<int64_t> ids = tokenizer_->encode(text);
  int64_t n = (static_cast<int64_t>(ids.size()) - 1) / context_;
  if (limit > 0) n = std::min(n, limit);
  std::vector<int64_t> w;
  w.reserve(static_cast<size_t>(n * (context_ + 1)));
  for (int64_t i = 0; i < n; ++i) w.insert(w.end(), ids.begin() + i * context_, ids.begin() + (i + 1) * context_ + 1);
  return from_vector(w, {n, context_ + 1}, {.dtype = kInt64});
}

Datasets CharLmJob::data(const DataOptions& o) {
  if (corpus_.empty()) corpus_ = o.corpus.empty() ? "poems" : o.corpus;
  check(o.corpus.empty() || o.corpus == corpus_, "muse train ", name_, ": --corpus ", o.corpus,
        " differs from the checkpoint's ", corpus_);
  std::vector<std::string> items = corpus_items(name_, corpus_);
  std::string train = join_lines(items, false), valid = join_lines(items, true);
  if (!tokenizer_) {
    tokenizer_ = data::CharTokenizer::build(train, kVocab);
    build(tokenizer_->size());
  }
  return {{windows(train, o.limit)}, {windows(valid, o.limit > 0 ? std::max<int64_t>(o.limit / 10, 1) : 0)}};
}

// Next-character cross-entropy at every position of the windows (B, context + 1), its gradient's global
// norm clipped at 1, one optimizer step.
Losses CharLmJob::step(const std::vector<Tensor>& batch) {
  const Tensor& w = batch[0];  // (B, T + 1)
  network().train();
  Tensor loss = models::lm_loss(logits(w.narrow(1, 0, context_)), w.narrow(1, 1, context_));
  optimizer().zero_grad();
  loss.backward();
  double norm = nn::utils::clip_grad_norm_(network().parameters(), 1.0);
  optimizer().step();
  return {{"loss", loss.item()}, {"grad_norm", norm}};
}

// Perplexity exp(mean cross-entropy) over every position of every validation window.
Losses CharLmJob::evaluate(const std::vector<Tensor>& test, Generator&) {
  NoGradGuard no_grad;
  network().eval();
  const Tensor& w = test[0];
  double total = 0;
  const int64_t n = w.size(0), batch = 64;
  for (int64_t i = 0; i < n; i += batch) {
    Tensor b = w.narrow(0, i, std::min(batch, n - i));
    total += models::lm_loss(logits(b.narrow(1, 0, context_)), b.narrow(1, 1, context_)).item() *
             static_cast<double>(b.size(0));
  }
  network().train();
  double mean_nll = total / static_cast<double>(std::max<int64_t>(n, 1));
  return {{"valid_loss", mean_nll}, {"valid_perplexity", std::exp(mean_nll)}};
}

io::NamedTensors CharLmJob::state() {
  check(built(), "muse: the ", name_, " job has no network before its data or checkpoint is read");
  io::NamedTensors out;
  append_prefixed(out, "model.", network().state_dict());
  append_prefixed(out, "opt.", optimizer().state_dict());
  return out;
}

void CharLmJob::load(const io::NamedTensors& t) {
  check(built(), "muse: the ", name_, " checkpoint has no tokenizer in its metadata");
  network().load_state_dict(take_prefixed(t, "model."));
  optimizer().load_state_dict(take_prefixed(t, "opt."));
}

Metadata CharLmJob::metadata() const { return {{"corpus", corpus_}, {"tokenizer", tokenizer_->to_json()}}; }

void CharLmJob::restore(const Metadata& m) {
  auto corpus = m.find("corpus"), tok = m.find("tokenizer");
  check(corpus != m.end() && tok != m.end(), "muse: the checkpoint has no corpus or tokenizer in its metadata");
  corpus_ = corpus->second;
  tokenizer_ = data::CharTokenizer::from_json(tok->second);
  build(tokenizer_->size());
}

// ---- char_lstm ----

void LstmJob::build(int64_t vocab_size) {
  net_ = std::make_shared<models::CharLstm>(models::CharLstmOptions{.vocab_size = vocab_size});
  net_->to(device_);
  opt_ = std::make_unique<optim::Adam>(net_->parameters(), optim::AdamOptions{.lr = lr_});
}

Tensor LstmJob::logits(const Tensor& inputs) { return net_->forward(inputs).logits; }

std::vector<int64_t> LstmJob::generate(const std::vector<int64_t>& prefix, int64_t n,
                                       const models::SamplingOptions& sampling, Generator& gen) {
  return net_->generate(prefix, n, sampling, gen);
}

// ---- GPT ----

void GptJob::build(int64_t vocab_size) {
  net_ = std::make_shared<models::Gpt>(models::GptConfig{.vocab_size = vocab_size, .context = kContext});
  net_->to(device_);
  std::vector<Tensor> decay, rest;  // matrices and embeddings / biases and LayerNorm
  for (const Tensor& p : net_->parameters()) (p.dim() >= 2 ? decay : rest).push_back(p);
  opt_ = std::make_unique<optim::AdamW>(std::vector<optim::AdamGroup>{{.params = decay, .weight_decay = 0.1},
                                                                      {.params = rest, .weight_decay = 0.0}},
                                        optim::AdamWOptions{.lr = lr_});
}

// lr(t) = lr (t + 1) / warmup for t < warmup, then lr (0.1 + 0.9 (1 + cos(pi p)) / 2) with p the
// fraction of the remaining steps done. A closed form of the step count: a resumed run rebuilds it
// and steps it to where the checkpoint stood.
void GptJob::begin(int64_t total_steps, int64_t steps_done) {
  for (optim::ParamGroup& g : opt_->param_groups()) g.lr = lr_, g.initial_lr = lr_;
  const double warmup = kWarmup, total = static_cast<double>(total_steps);
  schedule_ = std::make_unique<optim::LambdaLR>(*opt_, [warmup, total](int64_t t) {
    if (static_cast<double>(t) < warmup) return (static_cast<double>(t) + 1) / warmup;
    double progress = std::min(1.0, (static_cast<double>(t) - warmup) / std::max(1.0, total - warmup));
    return 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * progress));
  });
  for (int64_t i = 0; i < steps_done; ++i) schedule_->step();
}

Tensor GptJob::logits(const Tensor& inputs) { return net_->forward(inputs); }

// The shared step, then the schedule's; "lr" is the rate the next step will use.
Losses GptJob::step(const std::vector<Tensor>& batch) {
  Losses losses = CharLmJob::step(batch);
  if (schedule_) schedule_->step();
  losses.emplace_back("lr", opt_->param_groups()[0].lr);
  return losses;
}

std::vector<int64_t> GptJob::generate(const std::vector<int64_t>& prefix, int64_t n,
                                      const models::SamplingOptions& sampling, Generator& gen) {
  NoGradGuard no_grad;
  net_->eval();
  return net_->generate(prefix, n, sampling, gen);
}

}  // namespace muse::tools
