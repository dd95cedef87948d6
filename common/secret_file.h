// Files that hold secrets (tokens, S3 keys, age identities): read only when their permissions
// keep them private, refused otherwise with the chmod that fixes it.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace lockstep {

// Who besides the owner may read a file holding secrets.
enum class SecretFileRule {
  kNotWorldReadable,  // the single token file's rule since the first release, kept so existing
                      // deployments still start
  kOwnerOnly,         // every newer secrets file: no group or world permission at all
};

// The contents of a secrets file of at most `max_size` bytes, refused (naming the chmod to run)
// when its permissions break `rule`.
Result<std::string> ReadSecretFile(const std::string& path, SecretFileRule rule, size_t max_size);

}  // namespace lockstep
