#include "muse/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "muse/error.h"

namespace muse::io {
namespace fs = std::filesystem;
namespace {

// "'path': reason" with the system's reason for the last failed call.
std::string system_error(const fs::path& path) {
  return str("'", path.string(), "': ", std::strerror(errno));
}

// Writes all of bytes, going on after partial writes and interrupted calls.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Creates a new temporary file beside path (O_EXCL, so never one that exists) and returns its descriptor.
// The mode 0666 is reduced by the umask, as for any new file.
int create_temporary(const fs::path& path, fs::path& temporary) {
  static std::atomic<uint64_t> counter{0};
  for (;;) {
    temporary = path;
    temporary += str(".tmp.", ::getpid(), ".", counter.fetch_add(1));
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
}

// Flushes the directory entry of a renamed file, so that the rename itself survives a crash.
bool sync_directory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  fs::path temporary;
  int fd = create_temporary(path, temporary);
  if (fd < 0) throw Error(str("write_file_atomic: cannot create a temporary file for ", system_error(path)));
  int error = 0;  // the first failure's errno
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temporary.c_str());
    errno = error;
    throw Error(str("write_file_atomic: cannot write ", system_error(path)));
  }
  if (!sync_directory(path.parent_path())) {
    throw Error(str("write_file_atomic: cannot flush the directory of ", system_error(path)));
  }
}

std::string read_file(const fs::path& path) {
  InputFile file(path);
  std::string bytes(file.size(), '\0');
  file.read_at(0, bytes.data(), bytes.size());
  return bytes;
}

InputFile::InputFile(fs::path path, std::string op) : path_(std::move(path)), op_(std::move(op)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(str(op_, ": cannot open ", system_error(path_)));
  struct stat st {};
  int error = ::fstat(fd_, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  if (error == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw Error(str(op_, ": '", path_.string(), "' is not a regular file"));
  }
  if (error != 0) {
    ::close(fd_);
    errno = error;
    throw Error(str(op_, ": cannot read ", system_error(path_)));
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() { ::close(fd_); }

void InputFile::read_at(uint64_t offset, void* dst, uint64_t n) const {
  char* out = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd_, out, std::min<uint64_t>(n, uint64_t{1} << 30), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(str(op_, ": cannot read ", system_error(path_)));
    if (got == 0) throw Error(str(op_, ": '", path_.string(), "' ended early, ", n, " bytes short"));
    out += got, offset += static_cast<uint64_t>(got), n -= static_cast<uint64_t>(got);
  }
}

}  // namespace muse::io
