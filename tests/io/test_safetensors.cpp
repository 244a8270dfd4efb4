#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "io/sample_tensors.h"
#include "io/temp_dir.h"
#include "muse/io/file.h"
#include "muse/io/safetensors.h"
#include "muse/ops.h"

using namespace muse;
using doctest::Contains;
using muse::io::load_safetensors;
using muse::io::save_safetensors;
namespace fs = std::filesystem;

namespace {

// A safetensors file from its parts: the header size (8 bytes little-endian; by default the header's
// true size), the header text and the data.
std::string file_bytes(const std::string& header, const std::string& data = "",
                       std::optional<uint64_t> size = {}) {
  uint64_t n = size.value_or(header.size());
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  return out + header + data;
}

struct Files {
  testing::TempDir dir;
  fs::path path = dir / "model.safetensors";

  const fs::path& write(const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  // A file with one float32 tensor "a" whose header entry is `entry`, followed by `data`.
  const fs::path& write_entry(const std::string& entry, const std::string& data) {
    return write(file_bytes(R"({"a": )" + entry + "}", data));
  }
};

void check_same(const io::NamedTensors& got, const io::NamedTensors& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(expected[i].first);
    CHECK(got[i].first == expected[i].first);
    CHECK(got[i].second.dtype() == expected[i].second.dtype());
    CHECK(got[i].second.shape() == expected[i].second.shape());
    CHECK((got[i].second.numel() == 0 || got[i].second.is_contiguous()));
    CHECK(equal(got[i].second, expected[i].second));
  }
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, order, dtypes, shapes, values and metadata") {
  Files f;
  io::NamedTensors tensors = testing::sample_tensors();
  std::map<std::string, std::string> metadata{{"format", "pt"}, {"epoch", "3"}, {"note", "ünïcode"}};
  save_safetensors(f.path, tensors, metadata);
  io::SafeTensors loaded = load_safetensors(f.path);
  check_same(loaded.tensors, tensors);
  CHECK(loaded.metadata == metadata);

  save_safetensors(f.path, {});  // nothing at all is a valid file too
  CHECK(load_safetensors(f.path).tensors.empty());
  CHECK(load_safetensors(f.path).metadata.empty());
}

TEST_CASE("safetensors data starts 8-byte aligned and follows the header in order") {
  Files f;
  save_safetensors(f.path, {{"b", arange(3, {.dtype = kFloat64})}, {"a", ones({2}, {.dtype = kInt64})}});
  std::string bytes = io::read_file(f.path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(bytes[i]);
  CHECK((8 + n) % 8 == 0);
  CHECK(bytes.size() == 8 + n + 3 * 8 + 2 * 8);
  CHECK(bytes.find(R"("b":{"data_offsets":[0,24])") == std::string::npos);  // keys keep their order
  CHECK(bytes.find(R"("b":{"dtype":"F64","shape":[3],"data_offsets":[0,24]})") != std::string::npos);
  CHECK(bytes.find(R"("a":{"dtype":"I64","shape":[2],"data_offsets":[24,40]})") != std::string::npos);
}

TEST_CASE("save_safetensors rejects bad names and leaves the previous file on failure") {
  Files f;
  save_safetensors(f.path, {{"w", ones({2})}});
  CHECK_THROWS_WITH_AS(save_safetensors(f.path, {{"w", ones({2})}, {"w", zeros({2})}}),
                       Contains("model.safetensors': duplicate tensor name 'w'"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(f.path, {{"__metadata__", ones({2})}}),
                       Contains("'__metadata__' is reserved"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(f.path, {{"u", Tensor()}}), Contains("tensor 'u' is undefined"),
                       Error);
  CHECK_THROWS_WITH_AS(save_safetensors(f.path, {{std::string("\xff", 1), ones({2})}}),
                       Contains("must be valid UTF-8"), Error);
  check_same(load_safetensors(f.path).tensors, {{"w", ones({2})}});

  fs::create_directory(f.dir / "taken");
  CHECK_THROWS_WITH_AS(save_safetensors(f.dir / "taken", {{"w", ones({2})}}),
                       Contains("taken': Is a directory"), Error);
  CHECK(fs::is_empty(f.dir / "taken"));
}

TEST_CASE("load_safetensors: a valid file cut at every byte is an error, never a crash") {
  Files f;
  save_safetensors(f.path, testing::sample_tensors(), {{"k", "v"}});
  std::string bytes = io::read_file(f.path);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    CAPTURE(cut);
    CHECK_THROWS_WITH_AS(load_safetensors(f.write(bytes.substr(0, cut))), Contains("model.safetensors'"),
                         Error);
  }
  CHECK(load_safetensors(f.write(bytes)).tensors.size() == testing::sample_tensors().size());
}

TEST_CASE("load_safetensors: any one-byte change of a valid file loads or fails cleanly") {
  Files f;
  save_safetensors(f.path, {{"w", arange(6).reshape({2, 3})}, {"m", ones({2}, {.dtype = kBool})}}, {{"k", "v"}});
  std::string bytes = io::read_file(f.path);
  int failed = 0;
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (char c : {'"', '[', '{', '9', '-', ' ', '\0', '\x80'}) {
      std::string changed = bytes;
      changed[at] = c;
      try {
        load_safetensors(f.write(changed));
      } catch (const Error& e) {
        CHECK(std::string(e.what()).find("model.safetensors'") != std::string::npos);
        ++failed;
      }
    }
  }
  CHECK(failed > 0);
}

// Loading `bytes` fails with a muse::Error whose message contains `expected`.
#define CHECK_LOAD_FAILS(bytes, expected) \
  CHECK_THROWS_WITH_AS(load_safetensors(f.write(bytes)), Contains(expected), Error)

TEST_CASE("load_safetensors: the header size") {
  Files f;
  CHECK_LOAD_FAILS("", "0 bytes, too few for the 8-byte header size");
  CHECK_LOAD_FAILS(file_bytes("{}", "", 100),
                   "header size 100 runs past the end of the file (2 bytes follow");
  CHECK_LOAD_FAILS(file_bytes("{}", "", uint64_t{1} << 40), "is over the limit of 100000000 bytes");
  CHECK_LOAD_FAILS(file_bytes("{}", "", ~uint64_t{0}), "over the limit");
  CHECK(load_safetensors(f.write(file_bytes("{}    "))).tensors.empty());  // space padding is fine
}

TEST_CASE("load_safetensors: the header must be a JSON object of entries") {
  Files f;
  CHECK_LOAD_FAILS(file_bytes("not json"), "the header is not valid JSON");
  CHECK_LOAD_FAILS(file_bytes(R"({"a": 1} x)"), "not valid JSON");
  CHECK_LOAD_FAILS(file_bytes("\"text\""), "the header must be a JSON object, got string");
  CHECK_LOAD_FAILS(file_bytes("[1, 2]"), "the header must be a JSON object, got array");
  CHECK_LOAD_FAILS(file_bytes("{\"\xff\": 1}"), "not valid JSON");
  CHECK_LOAD_FAILS(file_bytes(R"({"a": {"b": {"c": [[1]]}}})"), "nests deeper");
  CHECK_LOAD_FAILS(file_bytes(R"({"a": [[], [], [], [], [], [], [], [], []]})"),
                   "a list of more than 8 elements");
  CHECK_LOAD_FAILS(file_bytes(R"({"a": 5})"),
                   "tensor 'a' must have exactly the keys dtype, shape and data_offsets");
}

TEST_CASE("load_safetensors: each entry has exactly dtype, shape and data_offsets of the right types") {
  Files f;
  auto entry = [](const std::string& json) {
    return file_bytes(R"({"a": )" + json + "}", std::string(4, '\0'));
  };
  CHECK(load_safetensors(f.write(entry(R"({"dtype": "F32", "shape": [1], "data_offsets": [0, 4]})")))
            .tensors.size() == 1);
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [1]})"), "'a' must have exactly the keys");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1})"),
                   "exactly the keys");
  CHECK_LOAD_FAILS(entry(R"({"dtype": 32, "shape": [1], "data_offsets": [0, 4]})"),
                   "dtype must be a string, got 32");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F16", "shape": [2], "data_offsets": [0, 4]})"),
                   "tensor 'a': unsupported dtype \"F16\" (muse reads F32, F64, I64, BOOL)");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "f32", "shape": [1], "data_offsets": [0, 4]})"), "unsupported dtype");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]})"),
                   "shape must be a list of non-negative integers, got [-1]");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]})"),
                   "non-negative integers");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": 1, "data_offsets": [0, 4]})"), "non-negative integers");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [9223372036854775808], "data_offsets": [0, 4]})"),
                   "non-negative integers");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [1], "data_offsets": [4]})"),
                   "data_offsets must be [begin, end] with 0 <= begin <= end, got [4]");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [1], "data_offsets": [4, 0]})"), "0 <= begin <= end");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "shape": [1], "data_offsets": ["0", 4]})"), "0 <= begin <= end");
  CHECK_LOAD_FAILS(entry(R"({"dtype": "F32", "dtype": "F32", "shape": [1], "data_offsets": [0, 4]})"),
                   "duplicate key 'dtype' in the header");
}

TEST_CASE("load_safetensors: byte counts must match shape x dtype size") {
  Files f;
  CHECK_LOAD_FAILS(
      file_bytes(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", std::string(8, 0)),
      "tensor 'a' of shape (3,) and dtype F32 needs 12 bytes, but data_offsets [0, 8] hold 8");
  CHECK_LOAD_FAILS(
      file_bytes(R"({"a": {"dtype": "I64", "shape": [2, 3], "data_offsets": [0, 8]}})", std::string(8, 0)),
      "needs 48 bytes");
  CHECK_LOAD_FAILS(
      file_bytes(R"({"a": {"dtype": "F64", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}})",
                 std::string(8, 0)),
      "needs more than 2^64 bytes");
  CHECK_LOAD_FAILS(
      file_bytes(R"({"a": {"dtype": "F32", "shape": [0, 5], "data_offsets": [0, 4]}})", std::string(4, 0)),
      "needs 0 bytes");
}

TEST_CASE("load_safetensors: offsets must tile the data exactly") {
  Files f;
  auto two = [](const std::string& a, const std::string& b, size_t data) {
    return file_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": )" + a +
                          R"(}, "b": {"dtype": "F32", "shape": [2], "data_offsets": )" + b + "}}",
                      std::string(data, '\0'));
  };
  CHECK(load_safetensors(f.write(two("[8, 16]", "[0, 8]", 16))).tensors[0].first ==
        "a");  // header order kept
  CHECK_LOAD_FAILS(two("[0, 8]", "[4, 12]", 12), "tensor 'b' at [4, 12) overlaps bytes before 8");
  CHECK_LOAD_FAILS(two("[0, 8]", "[0, 8]", 8), "overlaps");
  CHECK_LOAD_FAILS(two("[0, 8]", "[12, 20]", 20),
                   "bytes [8, 12) of the data belong to no tensor (a gap before 'b')");
  CHECK_LOAD_FAILS(two("[4, 12]", "[12, 20]", 20), "bytes [0, 4) of the data belong to no tensor");
  CHECK_LOAD_FAILS(two("[0, 8]", "[8, 16]", 20), "4 trailing bytes after the last tensor's data");
  CHECK_LOAD_FAILS(two("[0, 8]", "[8, 16]", 12),
                   "data_offsets run to byte 16 but the data holds only 12 bytes");
  CHECK_LOAD_FAILS(file_bytes("{}", "x"), "1 trailing bytes");
  std::string empty_between = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})";
  CHECK_LOAD_FAILS(file_bytes(empty_between, std::string(8, 0)), "tensor 'e' at [4, 4) overlaps");
}

TEST_CASE("load_safetensors: names, metadata and bool values") {
  Files f;
  std::string a = R"("a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]})";
  CHECK_LOAD_FAILS(file_bytes("{" + a + ", " + a + "}", "\1\1"), "duplicate tensor name 'a' in the header");
  CHECK_LOAD_FAILS(file_bytes(R"({"__metadata__": {"k": 1}, )" + a + "}", std::string("\1\0", 2)),
                   "__metadata__ value of 'k' must be a string, got 1");
  CHECK_LOAD_FAILS(file_bytes(R"({"__metadata__": [], )" + a + "}", std::string("\1\0", 2)),
                   "__metadata__ must be an object of strings, got []");
  CHECK_LOAD_FAILS(file_bytes("{" + a + "}", std::string("\1\2", 2)),
                   "tensor 'a': BOOL element 1 is the byte 2");
  io::SafeTensors ok = load_safetensors(
      f.write(file_bytes(R"({"__metadata__": {"k": "v"}, )" + a + "}", std::string("\1\0", 2))));
  CHECK(ok.metadata.at("k") == "v");
  CHECK(ok.tensors.at(0).second.to_vector<bool>() == std::vector<bool>{true, false});
}

TEST_CASE("load_safetensors: a missing file") {
  Files f;
  CHECK_THROWS_WITH_AS(load_safetensors(f.dir / "none.safetensors"), Contains("load_safetensors: cannot open '"),
                       Error);
  CHECK_THROWS_WITH_AS(load_safetensors(f.dir / "none.safetensors"),
                       Contains("none.safetensors': No such file or directory"), Error);
  CHECK_THROWS_WITH_AS(load_safetensors(f.dir.path()), Contains("load_safetensors: cannot read '"), Error);
}
