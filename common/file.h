// Thin POSIX file helpers: an owning descriptor, full reads and writes, durable small files.
// All functions return Status naming the path; none throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace lockstep {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

Result<UniqueFd> OpenForRead(const std::string& path);
// Backups, their records and everything else in an agent's store hold what ZooKeeper guards with
// ACLs: only their owner may read them.
inline constexpr unsigned kPrivateFile = 0600;
inline constexpr unsigned kSharedFile = 0644;  // files ZooKeeper's own user must read

// Creates a new file, failing if it exists (O_EXCL), with `mode` (less the umask).
Result<UniqueFd> CreateExclusive(const std::string& path, unsigned mode = kSharedFile);
Result<uint64_t> FileSize(const std::string& path);

// What stat(2) says about a file's identity and last change. Any write changes ctime, which -
// unlike mtime - no one can set back, so an equal identity means the bytes were not rewritten.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};
Result<FileIdentity> IdentifyFile(const std::string& path);
Result<FileIdentity> IdentifyFd(int fd, const std::string& path);
// The identity, but only when the file's last change is at least 2 s old: the kernel stamps
// ctime from a coarse clock, so an identity taken just after a change cannot prove that no
// second change followed within the same tick (git's "racily clean" rule). Nullopt otherwise.
std::optional<FileIdentity> SettledIdentity(const std::string& path);

// Reads up to `size` bytes, retrying short reads; returns fewer only at end of file.
Result<size_t> ReadFully(int fd, char* buffer, size_t size, const std::string& path);
Status WriteFully(int fd, const char* data, size_t size, const std::string& path);
Status SyncFd(int fd, const std::string& path);

// Reads a whole file no larger than `max_size`.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_size = 1 << 20);
// Writes `contents` to a temporary name beside `path`, fsyncs, renames over `path`, fsyncs the
// directory: readers see the old or the new file, never a torn one.
Status WriteFileAtomically(const std::string& path, const std::string& contents,
                           unsigned mode = kSharedFile);

// Makes the file at `from` durable (fsync), renames it to `to`, and fsyncs the directory `to` is
// in: once this returns OK, a record naming `to` can't outlive a power cut that loses its bytes.
// `what` names the file in errors ("segment 0x…").
Status RenameDurably(const std::string& from, const std::string& to, const std::string& what);

}  // namespace lockstep
