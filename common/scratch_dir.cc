#include "common/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>

namespace lockstep {

Result<ScratchDir> ScratchDir::Create(const std::string& parent, const std::string& prefix) {
  std::string pattern = parent + "/" + prefix + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return ErrnoError("cannot create", pattern, errno);
  return ScratchDir(std::move(pattern));
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace lockstep
