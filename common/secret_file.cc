#include "common/secret_file.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/file.h"

namespace lockstep {

Result<std::string> ReadSecretFile(const std::string& path, SecretFileRule rule, size_t max_size) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return ErrnoError("cannot read secrets file", path, errno);
  if (info.st_mode & S_IROTH) {
    return InvalidArgument("secrets file " + path + " is readable by every user; run chmod 600 " +
                           path);
  }
  if (rule == SecretFileRule::kOwnerOnly && (info.st_mode & (S_IRWXG | S_IRWXO))) {
    return InvalidArgument("secrets file " + path +
                           " grants its group or other users access; run chmod 600 " + path);
  }
  return ReadSmallFile(path, max_size);
}

}  // namespace lockstep
