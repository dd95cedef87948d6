// The shared bearer token that guards every mutating and internal endpoint.
#pragma once

#include <string>

#include "common/status.h"

namespace lockstep::api {

// Reads the token file (surrounding whitespace trimmed). Refuses an empty or short token and a
// file other users can read, since the token is a password.
Result<std::string> LoadToken(const std::string& path);

// True when `authorization` is exactly "Bearer <token>". Constant-time in the token's content.
bool BearerMatches(const std::string& authorization, const std::string& token);

}  // namespace lockstep::api
