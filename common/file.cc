#include "common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace lockstep {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> OpenForRead(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path, errno);
  return UniqueFd(fd);
}

Result<UniqueFd> CreateExclusive(const std::string& path, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return ErrnoError("cannot create", path, errno);
  return UniqueFd(fd);
}

namespace {
FileIdentity IdentityOf(const struct stat& st) {
  return {.device = st.st_dev,
          .inode = st.st_ino,
          .size = static_cast<uint64_t>(st.st_size),
          .mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
          .ctime_ns = st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec};
}
}  // namespace

Result<FileIdentity> IdentifyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("cannot stat", path, errno);
  return IdentityOf(st);
}

std::optional<FileIdentity> SettledIdentity(const std::string& path) {
  constexpr int64_t kSettledNs = 2'000'000'000;
  Result<FileIdentity> identity = IdentifyFile(path);
  if (!identity.ok()) return std::nullopt;
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t now_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
  if (now_ns - identity->ctime_ns < kSettledNs) return std::nullopt;
  return *identity;
}

Result<FileIdentity> IdentifyFd(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoError("cannot stat", path, errno);
  return IdentityOf(st);
}

Result<uint64_t> FileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("cannot stat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<size_t> ReadFully(int fd, char* buffer, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buffer + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status WriteFully(int fd, const char* data, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status SyncFd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return ErrnoError("cannot fsync", path, errno);
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_size) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return ErrnoError("cannot stat", path, errno);
  // Sized by the file, not by the limit: a limit of MiBs must not cost MiBs of zeroed memory for
  // every record of a few hundred bytes (it did, and it was most of an archiving agent's CPU).
  // The one byte more tells a file that grew meanwhile, which is read on up to the limit.
  const size_t stated = info.st_size > 0 ? static_cast<size_t>(info.st_size) : 0;
  std::string contents(std::min(stated, max_size) + 1, '\0');
  size_t filled = 0;
  for (;;) {
    ASSIGN_OR_RETURN(size_t n,
                     ReadFully(fd.get(), contents.data() + filled, contents.size() - filled, path));
    filled += n;
    if (filled < contents.size()) break;  // the end of the file
    if (filled > max_size) {
      return InvalidArgument(path + " is larger than " + std::to_string(max_size) + " bytes");
    }
    contents.resize(std::min(2 * contents.size(), max_size + 1));
  }
  contents.resize(filled);
  return contents;
}

namespace {

Status SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  ASSIGN_OR_RETURN(UniqueFd dfd, OpenForRead(dir));
  return SyncFd(dfd.get(), dir);
}

}  // namespace

Status RenameDurably(const std::string& from, const std::string& to, const std::string& what) {
  {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(from));
    RETURN_IF_ERROR(SyncFd(fd.get(), from));
  }
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoError("cannot keep " + what + " from " + from + " as", to, errno);
  }
  return SyncDirectoryOf(to);
}

Status WriteFileAtomically(const std::string& path, const std::string& contents, unsigned mode) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    int raw =
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
    if (raw < 0) return ErrnoError("cannot create", tmp, errno);
    UniqueFd fd(raw);
    RETURN_IF_ERROR(WriteFully(fd.get(), contents.data(), contents.size(), tmp));
    RETURN_IF_ERROR(SyncFd(fd.get(), tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoError("cannot rename into place", path, err);
  }
  return SyncDirectoryOf(path);
}

}  // namespace lockstep
