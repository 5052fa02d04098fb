#include "util/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace wisp {
namespace {

Error ioError(std::string_view what, const std::filesystem::path &path, int err) {
  return makeError("io", std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Closes a descriptor on every path out of a function unless released.
class FdGuard {
public:
  explicit FdGuard(int fd) : fd_(fd) {}
  FdGuard(const FdGuard &) = delete;
  FdGuard &operator=(const FdGuard &) = delete;
  ~FdGuard() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports close()'s error: on some file systems a failed write shows up
  // only here.
  int closeNow() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

private:
  int fd_;
};

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Status syncDirectory(const std::filesystem::path &dir) {
  FdGuard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0)
    return ioError("cannot open folder", dir, errno);
  if (::fsync(fd.get()) != 0)
    return ioError("cannot sync folder", dir, errno);
  return Ok{};
}

} // namespace

Status writeFileAtomically(const std::filesystem::path &path, std::string_view content,
                           std::filesystem::perms mode) {
  if (!path.has_filename())
    return makeError("io", "cannot write " + path.string() + ": not a file name");
  std::filesystem::path dir = path.parent_path();
  if (dir.empty())
    dir = ".";

  // A hidden temporary beside the target: rename() is only atomic within one file system.
  std::string pattern = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> tmpName(pattern.begin(), pattern.end());
  tmpName.push_back('\0');
  FdGuard fd(::mkostemp(tmpName.data(), O_CLOEXEC));
  if (fd.get() < 0)
    return ioError("cannot create a temporary file to write", path, errno);
  const std::filesystem::path tmpPath(tmpName.data());

  auto fail = [&](std::string_view what, int err) {
    ::unlink(tmpPath.c_str());
    return ioError(what, path, err);
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode & std::filesystem::perms::mask)) != 0)
    return fail("cannot set permissions of", errno);
  if (!writeAll(fd.get(), content))
    return fail("cannot write", errno);
  if (::fsync(fd.get()) != 0)
    return fail("cannot sync", errno);
  if (fd.closeNow() != 0)
    return fail("cannot write", errno);
  if (::rename(tmpPath.c_str(), path.c_str()) != 0)
    return fail("cannot replace", errno);
  // Without this the rename itself may be lost in a crash.
  return syncDirectory(dir);
}

Result<std::string> readFile(const std::filesystem::path &path, size_t maxBytes) {
  // O_NONBLOCK so that opening a FIFO by mistake cannot hang; it is refused below.
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT)
      return makeError("not_found", "cannot read " + path.string() + ": " + std::strerror(err));
    return ioError("cannot read", path, err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return ioError("cannot read", path, errno);
  if (!S_ISREG(st.st_mode))
    return makeError("io", "cannot read " + path.string() + ": not a regular file");

  std::string content;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return ioError("cannot read", path, errno);
    }
    if (n == 0)
      break;
    if (content.size() + static_cast<size_t>(n) > maxBytes)
      return makeError("io", "cannot read " + path.string() + ": larger than " +
                                 std::to_string(maxBytes) + " bytes");
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

} // namespace wisp
