#include "common/disk_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>

#include "common/file.h"

namespace lockstep {

Result<uint64_t> FreeBytesAt(const std::string& path) {
  struct statvfs info {};
  if (statvfs(path.c_str(), &info) != 0) return ErrnoError("cannot statvfs", path, errno);
  return static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < (100ULL << 10)) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
    return text;
  }
  if (bytes < (10ULL << 20)) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return text;
  }
  return std::to_string(bytes >> 20) + " MiB";
}

Status CheckFreeSpace(const std::string& path, uint64_t needed, const std::string& master,
                      const std::string& what, const std::string& advice) {
  ASSIGN_OR_RETURN(uint64_t free_bytes, FreeBytesAt(path));
  if (free_bytes >= needed + kDiskHeadroom) return Status::Ok();
  return FailedPrecondition("not enough free disk on " + master + " for " + what + ": need about " +
                            HumanBytes(needed + kDiskHeadroom) + ", " + HumanBytes(free_bytes) +
                            " free in " + path + "; " + advice);
}

}  // namespace lockstep
