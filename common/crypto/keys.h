// age X25519 keys: recipients (`age1…`, public, safe to put in a config file) and identities
// (`AGE-SECRET-KEY-1…`, secret, kept in an identity file), as age and age-keygen spell them.
// Errors name where a key was found (file and line) but never repeat an identity's text.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/primitives.h"
#include "common/crypto/secret_allocator.h"
#include "common/status.h"

namespace lockstep::age {

struct X25519Recipient {
  X25519Public public_key{};

  std::string ToString() const;  // "age1…"
  bool operator==(const X25519Recipient&) const = default;
};

class X25519Identity {
 public:
  explicit X25519Identity(const X25519Secret& secret, const X25519Public& public_key)
      : secret_(secret), recipient_{public_key} {}

  // The recipient files for this identity are encrypted to.
  const X25519Recipient& recipient() const { return recipient_; }
  const X25519Secret& secret() const { return secret_; }
  // "AGE-SECRET-KEY-1…": secret text, for an identity file only. Wipe() it after use.
  std::string ToString() const;

 private:
  X25519Secret secret_;
  X25519Recipient recipient_;
};

// What a reader may open files with.
// Kept in pages that are never dumped nor swapped, wiped when freed (secret_allocator.h).
using Identities = std::vector<X25519Identity, SecretAllocator<X25519Identity>>;

// A new identity from the CSPRNG (what `age-keygen` does).
Result<X25519Identity> GenerateIdentity();
// The identity file age-keygen writes: "# created: <RFC 3339 local time>", "# public key:
// age1…", then the identity. Secret text: write it with mode 0600 and Wipe() it after.
std::string IdentityFileText(const X25519Identity& identity,
                             std::chrono::system_clock::time_point created);

// InvalidArgument (naming `text`, which is public) unless `text` is an `age1…` X25519 recipient.
Result<X25519Recipient> ParseRecipient(std::string_view text);
Result<std::vector<X25519Recipient>> ParseRecipients(const std::vector<std::string>& texts);
// One `AGE-SECRET-KEY-1…` identity; InvalidArgument without repeating the text otherwise.
Result<X25519Identity> ParseIdentity(std::string_view text);
// Identity file contents: one identity per line; `#` comments and blank lines are skipped.
// `source` names the file in errors ("<source> line 3: …"). At least one identity is required.
Result<Identities> ParseIdentities(std::string_view text, const std::string& source);
Result<Identities> ReadIdentityFile(const std::string& path);

}  // namespace lockstep::age
