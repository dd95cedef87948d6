// Bearer tokens: the files they are kept in and the constant-time check of a request's
// Authorization header. The agent's named tokens and roles are in agent/config/credentials.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/secret_file.h"
#include "common/status.h"

namespace lockstep::api {

// Tokens shorter than this are refused: a guessable token guards nothing.
inline constexpr size_t kMinTokenLength = 16;

using lockstep::ReadSecretFile;  // common/secret_file.h
using lockstep::SecretFileRule;

// Reads the token file (surrounding whitespace trimmed). Refuses an empty or short token and a
// file `rule` forbids, since the token is a password.
Result<std::string> LoadToken(const std::string& path,
                              SecretFileRule rule = SecretFileRule::kNotWorldReadable);

// OK when `token` is long enough; `where` names it in the error ("token in /etc/…").
Status CheckTokenLength(std::string_view token, const std::string& where);

// True when `authorization` is exactly "Bearer <token>" or DC/OS's "token=<token>". Constant-time
// in the token's content.
bool BearerMatches(const std::string& authorization, const std::string& token);

// The pieces of BearerMatches, for checking one header against many tokens with one hash each:
// the token an Authorization header carries (nullopt without either scheme), the digest
// tokens are compared by (comparing digests keeps the time independent of where, and whether,
// the lengths differ), and the constant-time comparison of two digests.
std::optional<std::string_view> BearerToken(std::string_view authorization);
std::string TokenDigest(std::string_view token);
bool DigestsEqual(const std::string& a, const std::string& b);

}  // namespace lockstep::api
