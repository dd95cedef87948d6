// A directory of our own for the length of one job: created with mkdtemp(3) under a parent the
// caller picks (on the filesystem the job's data needs), removed with everything in it when the
// object goes away, whatever path the job left by.
#pragma once

#include <string>

#include "common/status.h"

namespace lockstep {

class ScratchDir {
 public:
  // `parent`/`prefix`XXXXXX.
  static Result<ScratchDir> Create(const std::string& parent, const std::string& prefix);
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace lockstep
