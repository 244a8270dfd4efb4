// `muse sample lstm|gpt`, `muse translate` and `muse eval lstm|gpt|seq2seq|tseq2seq`: the commands that read the text
// models' checkpoints back.
#include <cstdio>

#include "checkpoint.h"
#include "muse/io/safetensors.h"
#include "muse/metrics/bleu.h"
#include "muse/metrics/chrf.h"
#include "muse/muse.h"
#include "text_jobs.h"
#include "train.h"

namespace muse::tools {

namespace {

template <class J>
std::unique_ptr<J> load_text_job(const std::string& model, const std::string& checkpoint, Device device) {
  auto job = std::make_unique<J>(JobOptions{.device = device});
  load_checkpoint(*job, model, checkpoint, nullptr);
  return job;
}

// A translator's checkpoint, LSTM or Transformer, as the file says; any other model's file gets the
// usual "holds model ..., not 'seq2seq'" error.
std::unique_ptr<Seq2SeqJob> load_translator(const std::string& checkpoint, Device device) {
  const bool transformer = checkpoint_model(checkpoint) == "tseq2seq";
  auto job = std::make_unique<Seq2SeqJob>(JobOptions{.device = device}, transformer);
  load_checkpoint(*job, job->name(), checkpoint, nullptr);
  return job;
}

std::unique_ptr<CharLmJob> load_char_lm(const std::string& model, const std::string& checkpoint, Device device) {
  if (model == "gpt") return load_text_job<GptJob>(model, checkpoint, device);
  return load_text_job<LstmJob>(model, checkpoint, device);
}

std::string join(const std::vector<std::string>& tokens) {
  std::string s;
  for (const std::string& t : tokens) s += (s.empty() ? "" : " ") + t;
  return s;
}

}  // namespace

// The prefix continues a new line, as every poem (verse) starts one in training.
int sample_text(const TextSampleConfig& c) {
  require_device("muse sample", c.device);
  auto job = load_char_lm(c.model, c.checkpoint, c.device);
  const data::CharTokenizer& tok = job->tokenizer();
  std::vector<int64_t> prefix = tok.encode("\n" + c.prefix);
  Generator gen(c.seed);
  std::vector<int64_t> ids = job->generate(
      prefix, c.n, {.temperature = c.temperature, .top_k = c.top_k, .top_p = c.top_p}, gen);
  std::printf("%s\n", tok.decode(std::vector<int64_t>(ids.begin() + 1, ids.end())).c_str());
  return 0;
}

int translate(const TranslateConfig& c) {
  require_device("muse translate", c.device);
  auto job = load_translator(c.checkpoint, c.device);
  std::vector<int64_t> src = job->source().encode(c.sentence);
  check(!src.empty(), "muse translate: the sentence has no words");
  std::vector<int64_t> out;
  if (c.beam == 1) {
    const int64_t S = static_cast<int64_t>(src.size());
    out = job->net().greedy(from_vector(src, {1, S}, {.dtype = kInt64}).to(c.device),
                            full({1}, static_cast<double>(S), {.dtype = kInt64}))[0];
  } else {
    out = job->net().beam_search(src, {.beam = c.beam, .alpha = c.alpha});
  }
  std::printf("%s\n", join(job->target_tokens(out)).c_str());
  return 0;
}

int eval_text(const EvalConfig& e, int64_t beam) {
  require_device("muse eval", e.device);
  Generator gen(e.seed);
  if (e.model == "lstm" || e.model == "gpt") {
    auto job = load_char_lm(e.model, e.checkpoint, e.device);
    Datasets sets = job->data({.limit = e.limit});
    Losses l = job->evaluate(job->to_device(sets.test), gen);
    std::printf("validation perplexity: %.3f (cross-entropy %.4f nats per character, %lld windows of %lld)\n",
                l[1].second, l[0].second, static_cast<long long>(sets.test[0].size(0)),
                static_cast<long long>(job->context()));
    return 0;
  }
  auto job = load_translator(e.checkpoint, e.device);
  check(job->name() == e.model, "muse: checkpoint ", e.checkpoint, " holds model '", job->name(), "', not '", e.model, "'");
  Datasets sets = job->data({.limit = e.limit});
  sets.test = job->to_device(std::move(sets.test));
  const auto& pairs = job->test_pairs();
  std::vector<std::vector<std::string>> refs, greedy, beamed;
  std::vector<std::string> ref_text, greedy_text, beam_text;
  for (const auto& p : pairs) refs.push_back(data::WordTokenizer::split(p.target)), ref_text.push_back(join(refs.back()));
  for (const auto& ids : job->net().greedy(sets.test[0], sets.test[1])) {
    greedy.push_back(job->target_tokens(ids));
    greedy_text.push_back(join(greedy.back()));
  }
  for (const auto& p : pairs) {
    beamed.push_back(job->target_tokens(job->net().beam_search(job->source().encode(p.source), {.beam = beam})));
    beam_text.push_back(join(beamed.back()));
  }
  metrics::BleuScore g = metrics::corpus_bleu(greedy, refs), b = metrics::corpus_bleu(beamed, refs);
  auto print = [](const char* name, const metrics::BleuScore& s, double chrf) {
    std::printf("%-12s BLEU %.2f (%.1f/%.1f/%.1f/%.1f, BP %.3f, %lld/%lld tokens)  chrF %.2f\n", name, s.score,
                s.precisions[0], s.precisions[1], s.precisions[2], s.precisions[3], s.brevity_penalty,
                static_cast<long long>(s.hyp_len), static_cast<long long>(s.ref_len), chrf);
  };
  std::printf("test set: %zu English -> Spanish verse pairs\n", pairs.size());
  print("greedy", g, metrics::chrf(greedy_text, ref_text));
  print(str("beam ", beam).c_str(), b, metrics::chrf(beam_text, ref_text));
  for (size_t i = 0; i < std::min<size_t>(3, pairs.size()); ++i)
    std::printf("\n  %s\n  reference: %s\n  greedy:    %s\n  beam:      %s\n", pairs[i].source.c_str(),
                ref_text[i].c_str(), greedy_text[i].c_str(), beam_text[i].c_str());
  return 0;
}

int export_data(const std::string& model, const std::string& corpus, const std::string& out) {
  std::unique_ptr<Job> job = make_text_job(model, {});
  manual_seed(0);
  Datasets sets = job->data({.corpus = corpus});
  io::NamedTensors tensors;
  const std::vector<std::string> names = model == "lstm" || model == "gpt" ? std::vector<std::string>{"windows"}
                                                          : std::vector<std::string>{"source", "lengths", "target"};
  for (size_t i = 0; i < names.size(); ++i) {
    tensors.emplace_back("train." + names[i], sets.train[i]);
    tensors.emplace_back("test." + names[i], sets.test[i]);
  }
  Metadata meta = job->metadata();
  if (auto* s2s = dynamic_cast<Seq2SeqJob*>(job.get())) {  // the references BLEU compares with
    std::string refs;
    for (const auto& p : s2s->test_pairs()) refs += join(data::WordTokenizer::split(p.target)) + "\n";
    meta["test_references"] = refs;
  }
  io::save_safetensors(out, tensors, meta);
  std::printf("wrote %s: %lld training and %lld test samples\n", out.c_str(),
              static_cast<long long>(sets.train[0].size(0)), static_cast<long long>(sets.test[0].size(0)));
  return 0;
}

}  // namespace muse::tools
