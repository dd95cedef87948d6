// Filesystem: the directory-level operations that the restore swap performs, behind an interface
// so the swap's state machine can be tested with injected failures and crash points.
// Implementations must be thread-compatible (one caller at a time).
#pragma once

#include <string>

#include "common/status.h"

namespace lockstep {

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  virtual bool Exists(const std::string& path) = 0;
  // Atomic rename(2); both paths on one filesystem.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Atomically swaps two existing paths (renameat2 RENAME_EXCHANGE): neither name is ever
  // missing, which is what lets a restore swap data directories without a window of absence.
  virtual Status Exchange(const std::string& a, const std::string& b) = 0;
  // fsync(2) on a directory, making renames and creations inside it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status CreateDirs(const std::string& path) = 0;
  // Removes a file or a directory tree; a missing path is not an error.
  virtual Status RemoveAll(const std::string& path) = 0;
  // Copies a small regular file (myid, epoch files) and fsyncs the copy.
  virtual Status CopySmallFile(const std::string& from, const std::string& to) = 0;
};

// The real filesystem. Stateless; safe to share.
Filesystem& RealFilesystem();

}  // namespace lockstep
