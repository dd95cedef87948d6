#include "agent/master/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <deque>
#include <fstream>

#include "common/file.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// Adds every entry of the file at `path` at or after `since` to `kept`, dropping the oldest past
// `limit`. A missing file (not rotated yet) adds nothing.
void ReadFile(const std::string& path, const std::string& since, size_t limit,
              std::deque<proto::AuditEntry>* kept, bool* truncated) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    proto::AuditEntry entry;
    if (!proto::FromJson(line, &entry, true).ok() || entry.time() < since) continue;
    kept->push_back(std::move(entry));
    if (kept->size() > limit) {
      kept->pop_front();
      *truncated = true;
    }
  }
}

}  // namespace

AuditLog::AuditLog(std::string path, AuditLogOptions options)
    : path_(std::move(path)), options_(options) {}

Status AuditLog::Rotate() {
  for (int n = options_.keep; n >= 1; --n) {
    const std::string from = n == 1 ? path_ : Rotated(n - 1);
    if (std::rename(from.c_str(), Rotated(n).c_str()) != 0 && errno != ENOENT) {
      return ErrnoError("cannot rotate the audit log", from, errno);
    }
  }
  if (options_.keep == 0 && ::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("cannot rotate the audit log", path_, errno);
  }
  // Retention in days: a rotated file whose newest entry is older than max_age goes.
  const auto oldest_kept = std::chrono::system_clock::now() - options_.max_age;
  for (int n = 1; n <= options_.keep; ++n) {
    struct stat info {};
    if (::stat(Rotated(n).c_str(), &info) != 0) continue;
    const auto written = std::chrono::system_clock::from_time_t(info.st_mtime);
    if (written < oldest_kept && ::unlink(Rotated(n).c_str()) != 0 && errno != ENOENT) {
      return ErrnoError("cannot drop an expired audit log", Rotated(n), errno);
    }
  }
  return Status::Ok();
}

Result<UniqueFd> AuditLog::OpenForAppend() const {
  UniqueFd fd(::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, kPrivateFile));
  if (!fd.valid()) return ErrnoError("cannot open the audit log", path_, errno);
  return fd;
}

Status AuditLog::Append(const proto::AuditEntry& entry) {
  std::string line = proto::ToCompactJson(entry) + "\n";
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForAppend());
  ASSIGN_OR_RETURN(FileIdentity file, IdentifyFd(fd.get(), path_));
  if (file.size > 0 && file.size + line.size() > options_.max_bytes) {
    fd.reset();
    RETURN_IF_ERROR(Rotate());
    ASSIGN_OR_RETURN(fd, OpenForAppend());
    file.size = 0;
  }
  // A crash mid-write leaves a torn last line: start on a line of our own, so only it is lost.
  char last = '\n';
  if (file.size > 0 && ::pread(fd.get(), &last, 1, static_cast<off_t>(file.size - 1)) == 1 &&
      last != '\n') {
    line.insert(0, "\n");
  }
  RETURN_IF_ERROR(WriteFully(fd.get(), line.data(), line.size(), path_));
  return SyncFd(fd.get(), path_);
}

proto::AuditLog AuditLog::Read(const std::string& since, size_t limit) const {
  std::deque<proto::AuditEntry> kept;
  bool truncated = false;
  std::lock_guard lock(mu_);
  for (int n = options_.keep; n >= 1; --n) ReadFile(Rotated(n), since, limit, &kept, &truncated);
  ReadFile(path_, since, limit, &kept, &truncated);
  proto::AuditLog log;
  for (auto& entry : kept) *log.add_entries() = std::move(entry);
  log.set_truncated(truncated);
  return log;
}

}  // namespace lockstep::agent
