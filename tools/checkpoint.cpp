#include "checkpoint.h"

#include <map>

#include "muse/data/fashion_mnist.h"
#include "muse/io/safetensors.h"
#include "muse/muse.h"

namespace muse::tools {

namespace {

constexpr const char* kFormat = "muse-checkpoint-1";

std::string metadata_value(const std::map<std::string, std::string>& meta, const std::string& key,
                           const std::string& file) {
  auto it = meta.find(key);
  check(it != meta.end(), "muse: checkpoint ", file, " has no '", key, "' in its metadata");
  return it->second;
}

int64_t metadata_int(const std::map<std::string, std::string>& meta, const std::string& key,
                     const std::string& file) {
  std::string v = metadata_value(meta, key, file);
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used);
    if (used == v.size() && x >= 0) return x;
  } catch (const std::exception&) {
  }
  throw Error(str("muse: checkpoint ", file, ": metadata '", key, "' is '", v, "', not a non-negative integer"));
}

}  // namespace

void save_checkpoint(Job& job, const TrainConfig& c, const Position& pos, const std::string& path) {
  Generator& g = default_generator();
  std::map<std::string, std::string> meta = {
      {"format", kFormat},
      {"model", c.model},
      {"epoch", std::to_string(pos.epoch)},
      {"batch_in_epoch", std::to_string(pos.batch_in_epoch)},
      {"step", std::to_string(pos.step)},
      {"rng_seed", std::to_string(g.seed())},
      {"rng_offset", std::to_string(g.offset())},
      {"seed", std::to_string(c.seed)},
      {"epochs", std::to_string(c.epochs)},
      {"batch", std::to_string(c.batch)},
      {"lr", str(job.lr())},
      {"limit", std::to_string(c.limit)},
  };
  for (const auto& [k, v] : job.metadata()) meta[k] = v;
  io::save_safetensors(path, job.state(), meta);
}

std::string checkpoint_model(const std::string& path) {
  return metadata_value(io::load_safetensors(path).metadata, "model", path);
}

Position load_checkpoint(Job& job, const std::string& model, const std::string& path, TrainConfig* saved) {
  io::SafeTensors ckpt = io::load_safetensors(path);
  const auto& meta = ckpt.metadata;
  check(metadata_value(meta, "format", path) == kFormat, "muse: ", path, " is not a muse checkpoint (format '",
        metadata_value(meta, "format", path), "')");
  std::string written_by = metadata_value(meta, "model", path);
  check(written_by == model, "muse: checkpoint ", path, " holds model '", written_by, "', not '", model, "'");
  job.restore(meta);
  job.load(ckpt.tensors);
  if (saved) {
    if (auto it = meta.find("corpus"); it != meta.end()) saved->corpus = it->second;
    saved->seed = static_cast<uint64_t>(metadata_int(meta, "seed", path));
    saved->batch = metadata_int(meta, "batch", path);
    saved->limit = metadata_int(meta, "limit", path);
    Generator& g = default_generator();
    g.manual_seed(static_cast<uint64_t>(metadata_int(meta, "rng_seed", path)));
    g.set_offset(static_cast<uint64_t>(metadata_int(meta, "rng_offset", path)));
  }
  return {metadata_int(meta, "epoch", path), metadata_int(meta, "batch_in_epoch", path),
          metadata_int(meta, "step", path)};
}

Split load_split(const std::string& dir, bool train, int64_t limit) {
  data::FashionMnistOptions options{.train = train};
  if (!dir.empty()) options.dir = dir;
  data::FashionMnist ds = data::load_fashion_mnist(options);
  if (limit > 0 && limit < ds.images.size(0)) return {ds.images.narrow(0, 0, limit), ds.labels.narrow(0, 0, limit)};
  return {ds.images, ds.labels};
}

}  // namespace muse::tools
