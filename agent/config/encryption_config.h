// agent.toml's [encryption]: archives encrypted at rest in the age v1 format.
//
//   [encryption]
//   recipients = ["age1…"]                        # X25519 public keys: writing needs no secret
//   identity_file = "/etc/lockstep/age-identity"  # optional: lets this master read them back
//
// With recipients, every archive this master writes is encrypted before any byte reaches its
// disk, and stays encrypted on every master and in the repository. Reading one back (restore,
// deep verification, an import's check, a component restore) needs an identity: the
// identity_file here, read again at each use so one installed later needs no restart. A master
// without one can still take, replicate, hash and upload encrypted backups.
#pragma once

#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/status.h"

namespace lockstep::agent {

class TomlReader;

struct EncryptionConfig {
  std::vector<age::X25519Recipient> recipients;  // empty: archives are written in the clear
  std::string identity_file;                     // empty: none on this master

  bool enabled() const { return !recipients.empty(); }
};

// Reads [encryption] into `out` (unchanged without one). A recipient that is not an `age1…`
// key, or an identity file that is missing, unreadable, open to other users or holds no
// identity, stops start-up with a message naming it.
Status ReadEncryption(TomlReader& root, EncryptionConfig* out);

// The identities in `identity_file` as it is now; none when no file is configured. Refuses a
// file other users could read (the identity opens every backup).
Result<age::Identities> LoadIdentities(const std::string& identity_file);

}  // namespace lockstep::agent
