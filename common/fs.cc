#include "common/fs.h"

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/file.h"

namespace lockstep {
namespace {

class PosixFilesystem : public Filesystem {
 public:
  bool Exists(const std::string& path) override {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (std::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoError("cannot rename " + from + " to", to, errno);
    }
    return Status::Ok();
  }

  Status Exchange(const std::string& a, const std::string& b) override {
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
      return ErrnoError("cannot exchange " + a + " with", b, errno);
    }
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(dir));
    return SyncFd(fd.get(), dir);
  }

  Status CreateDirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return IoError("cannot create directory " + path + ": " + ec.message());
    return Status::Ok();
  }

  Status RemoveAll(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return IoError("cannot remove " + path + ": " + ec.message());
    return Status::Ok();
  }

  Status CopySmallFile(const std::string& from, const std::string& to) override {
    ASSIGN_OR_RETURN(std::string contents, ReadSmallFile(from));
    return WriteFileAtomically(to, contents);
  }
};

}  // namespace

Filesystem& RealFilesystem() {
  static PosixFilesystem fs;
  return fs;
}

}  // namespace lockstep
