// Whole-file reads and crash-safe writes. write_file_atomic never leaves a half-written file behind: it
// writes a temporary file in the same directory, flushes it to disk, and renames it over the target
// (rename is atomic within one file system), so a reader sees either the old file or the new one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace muse::io {

// Replaces (or creates) `path` with `bytes`: temporary file, write, fsync, rename, fsync the directory.
// On failure the temporary file is removed, the previous file is left as it was, and muse::Error names
// the path and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// The whole contents of a file.
std::string read_file(const std::filesystem::path& path);

// A file open for reading, closed by the destructor. Every error names `op` (the caller's function) and
// the file. For readers that validate a header before reading the rest (safetensors), instead of loading
// the whole file first.
class InputFile {
 public:
  explicit InputFile(std::filesystem::path path, std::string op = "read_file");
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  uint64_t size() const { return size_; }
  // Reads exactly n bytes starting at offset into dst; fewer (past the end) is an error.
  void read_at(uint64_t offset, void* dst, uint64_t n) const;

 private:
  std::filesystem::path path_;
  std::string op_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace muse::io
