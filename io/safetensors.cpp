// safetensors: the writer lays tensors out back to back in the given order; the reader trusts nothing in
// the file until the whole header has been checked against the file's size.
#include "muse/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "muse/io/bytes.h"
#include "muse/io/file.h"
#include "muse/ops.h"

namespace muse::io {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

using Json = nlohmann::ordered_json;  // keeps the header's order
namespace fs = std::filesystem;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the limit of the reference implementation
constexpr const char* kMetadataKey = "__metadata__";

struct Format {
  const char* name;
  DType dtype;
};
constexpr Format kFormats[] = {{"F32", kFloat32}, {"F64", kFloat64}, {"I64", kInt64}, {"BOOL", kBool}};

const char* format_name(DType dtype) {
  for (const Format& f : kFormats)
    if (f.dtype == dtype) return f.name;
  return "?";
}

std::optional<DType> parse_format(const std::string& name) {
  for (const Format& f : kFormats)
    if (name == f.name) return f.dtype;
  return std::nullopt;
}

void put_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// The JSON header, padded with spaces so that the data starts 8-byte aligned (as the reference writer
// does), for tensors laid out back to back in order.
std::string encode_header(const fs::path& path, const NamedTensors& tensors,
                          const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    uint64_t end = offset + static_cast<uint64_t>(t.numel()) * element_size(t.dtype());
    header[name] = {
        {"dtype", format_name(t.dtype())}, {"shape", t.shape().vec()}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {
    throw Error(str("save_safetensors: '", path.string(), "': names and metadata must be valid UTF-8 (",
                    e.what(), ")"));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void save_safetensors(const fs::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::string where = str("save_safetensors: '", path.string(), "': ");
  NamedTensors contiguous;
  std::set<std::string> names;
  uint64_t data_bytes = 0;
  for (const auto& [name, t] : tensors) {
    check(t.defined(), where, "tensor '", name, "' is undefined");
    check(name != kMetadataKey, where, "'", kMetadataKey, "' is reserved and cannot name a tensor");
    check(names.insert(name).second, where, "duplicate tensor name '", name, "'");
    contiguous.emplace_back(name, t.detach().cpu().contiguous());  // a GPU tensor is copied back, as torch.save does
    data_bytes += static_cast<uint64_t>(t.numel()) * element_size(t.dtype());
  }
  std::string header = encode_header(path, contiguous, metadata);
  std::string file;
  file.reserve(8 + header.size() + data_bytes);
  put_u64_le(file, header.size());
  file += header;
  for (const auto& [name, t] : contiguous) {
    std::span<std::byte> bytes = tensor_bytes(t);
    file.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  write_file_atomic(path, file);
}

// ---- reading ----
namespace {

// One tensor's header entry, checked on its own; check_layout() then checks the entries together.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

struct Header {
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // 8 + the header size
  uint64_t data_size = 0;
};

template <class... Args>
[[noreturn]] void fail(const fs::path& path, const Args&... what) {
  throw Error(str("load_safetensors: '", path.string(), "': ", what...));
}

// Parses the header text. The callback rejects, while parsing, what no valid header holds and what could
// blow the parsed tree up far beyond the text's size: nesting below name -> entry -> list, lists longer
// than a shape, and repeated keys in an object (which nlohmann would otherwise drop silently).
Json parse_json(const fs::path& path, const std::string& text) {
  using Event = Json::parse_event_t;
  struct Frame {
    bool is_array;
    int items = 0;
    std::set<std::string> keys;
  };
  std::vector<Frame> open;  // the containers being parsed, outermost first
  auto on_event = [&](int depth, Event event, Json& parsed) {
    bool starts = event == Event::object_start || event == Event::array_start;
    bool item = starts || event == Event::value;
    if (item && !open.empty() && open.back().is_array && ++open.back().items > Shape::kMaxDims) {
      fail(path, "the header holds a list of more than ", Shape::kMaxDims, " elements");
    }
    if (starts && depth > 2) fail(path, "the header nests deeper than {name: {key: [list]}}");
    if (starts) open.push_back({.is_array = event == Event::array_start, .items = 0, .keys = {}});
    if (event == Event::object_end || event == Event::array_end) open.pop_back();
    if (event == Event::key && !open.back().keys.insert(parsed.get<std::string>()).second) {
      fail(path, open.size() == 1 ? "duplicate tensor name '" : "duplicate key '", parsed.get<std::string>(),
           "' in the header");
    }
    return true;
  };
  try {
    return Json::parse(text, on_event);
  } catch (const Json::parse_error& e) {
    fail(path, "the header is not valid JSON (", e.what(), ")");
  }
}

// A JSON non-negative integer that fits in int64 (shapes and offsets).
bool is_size(const Json& v) {
  return v.is_number_unsigned() &&
         v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

// numel x element size, or nothing when that overflows 64 bits.
std::optional<uint64_t> byte_size(const Shape& shape, DType dtype) {
  uint64_t bytes = element_size(dtype);
  for (int64_t s : shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(s), &bytes)) return std::nullopt;
  }
  return bytes;
}

Entry parse_entry(const fs::path& path, const std::string& name, const Json& v) {
  bool keys = v.is_object() && v.size() == 3 && v.contains("dtype") && v.contains("shape") &&
              v.contains("data_offsets");
  if (!keys) {
    fail(path, "tensor '", name, "' must have exactly the keys dtype, shape and data_offsets, got ",
         v.dump());
  }
  if (!v["dtype"].is_string()) {
    fail(path, "tensor '", name, "': dtype must be a string, got ", v["dtype"].dump());
  }
  std::optional<DType> dtype = parse_format(v["dtype"].get<std::string>());
  if (!dtype) {
    fail(path, "tensor '", name, "': unsupported dtype ", v["dtype"].dump(),
         " (muse reads F32, F64, I64, BOOL)");
  }
  const Json& shape = v["shape"];
  if (!shape.is_array() || !std::all_of(shape.begin(), shape.end(), is_size)) {
    fail(path, "tensor '", name, "': shape must be a list of non-negative integers, got ", shape.dump());
  }
  const Json& offsets = v["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !is_size(offsets[0]) || !is_size(offsets[1]) ||
      offsets[0].get<uint64_t>() > offsets[1].get<uint64_t>()) {
    fail(path, "tensor '", name, "': data_offsets must be [begin, end] with 0 <= begin <= end, got ",
         offsets.dump());
  }
  Entry e{name, *dtype, Shape(shape.get<std::vector<int64_t>>()), offsets[0].get<uint64_t>(),
          offsets[1].get<uint64_t>()};
  std::optional<uint64_t> bytes = byte_size(e.shape, e.dtype);
  if (bytes != e.end - e.begin) {
    fail(path, "tensor '", name, "' of shape ", e.shape, " and dtype ", v["dtype"].get<std::string>(),
         " needs ", bytes ? str(*bytes) : std::string("more than 2^64"), " bytes, but data_offsets [",
         e.begin, ", ", e.end, "] hold ", e.end - e.begin);
  }
  return e;
}

std::map<std::string, std::string> parse_metadata(const fs::path& path, const Json& v) {
  if (!v.is_object()) fail(path, "__metadata__ must be an object of strings, got ", v.dump());
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string()) {
      fail(path, "__metadata__ value of '", key, "' must be a string, got ", value.dump());
    }
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// The entries' byte ranges, sorted, must tile [0, data_size) exactly: no gap, no overlap, nothing after.
void check_layout(const fs::path& path, const Header& h) {
  std::vector<const Entry*> sorted;
  for (const Entry& e : h.entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
  });
  uint64_t covered = 0;  // [0, covered) is tiled so far
  for (const Entry* e : sorted) {
    if (e->begin < covered) {
      fail(path, "tensor '", e->name, "' at [", e->begin, ", ", e->end, ") overlaps bytes before ", covered);
    }
    if (e->begin > covered) {
      fail(path, "bytes [", covered, ", ", e->begin, ") of the data belong to no tensor (a gap before '",
           e->name, "')");
    }
    covered = e->end;
  }
  if (covered > h.data_size) {
    fail(path, "data_offsets run to byte ", covered, " but the data holds only ", h.data_size,
         " bytes (truncated file?)");
  }
  if (covered < h.data_size) {
    fail(path, h.data_size - covered, " trailing bytes after the last tensor's data");
  }
}

Header read_header(const InputFile& file) {
  const fs::path& path = file.path();
  if (file.size() < 8) fail(path, "the file has ", file.size(), " bytes, too few for the 8-byte header size");
  unsigned char size_bytes[8];
  file.read_at(0, size_bytes, 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | size_bytes[i];
  if (n > kMaxHeaderBytes) {
    fail(path, "the header size ", n, " is over the limit of ", kMaxHeaderBytes, " bytes");
  }
  if (n > file.size() - 8) {
    fail(path, "the header size ", n, " runs past the end of the file (", file.size() - 8,
         " bytes follow the size)");
  }
  std::string text(n, '\0');
  file.read_at(8, text.data(), n);
  Json json = parse_json(path, text);
  if (!json.is_object()) fail(path, "the header must be a JSON object, got ", json.type_name());
  Header h;
  h.data_start = 8 + n;
  h.data_size = file.size() - 8 - n;
  for (const auto& [name, value] : json.items()) {
    if (name == kMetadataKey) {
      h.metadata = parse_metadata(path, value);
    } else {
      h.entries.push_back(parse_entry(path, name, value));
    }
  }
  check_layout(path, h);
  return h;
}

// muse's bool tensors hold bytes 0 and 1 only; any other byte would be undefined behaviour to read.
void check_bools(const fs::path& path, const Entry& e, std::span<const std::byte> bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = std::to_integer<int>(bytes[i]);
    if (b > 1) fail(path, "tensor '", e.name, "': BOOL element ", i, " is the byte ", b, ", not 0 or 1");
  }
}

}  // namespace

SafeTensors load_safetensors(const fs::path& path) {
  InputFile file(path, "load_safetensors");
  Header h = read_header(file);
  SafeTensors out;
  out.metadata = std::move(h.metadata);
  for (const Entry& e : h.entries) {
    Tensor t = empty(e.shape, {.dtype = e.dtype});
    std::span<std::byte> bytes = tensor_bytes(t);
    file.read_at(h.data_start + e.begin, bytes.data(), bytes.size());
    if (e.dtype == kBool) check_bools(path, e, bytes);
    out.tensors.emplace_back(e.name, t);
  }
  return out;
}

}  // namespace muse::io
