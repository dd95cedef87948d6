// Whole-file age encryption and decryption, and telling an age file from a plain one. Both
// directions stream through AgeWriter/AgeReader (bounded memory) into a temporary name beside
// `dst`, fsync it and rename it into place only once complete: a failed decryption leaves no
// partial plaintext behind, and a destination that exists is never overwritten. Files are created
// 0600: both sides are backups.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/keys.h"

namespace lockstep::age {

// Bytes IsAgeHeader needs to decide.
constexpr size_t kAgeSniffSize = 34;

// Whether `first_bytes` (the file's first kAgeSniffSize bytes, or all of a shorter file) open an
// age file: binary of any version, or ASCII-armored (which AgeReader refuses with a clear error).
bool IsAgeHeader(std::string_view first_bytes);
Result<bool> IsAgeFile(const std::string& path);

Status EncryptFile(const std::string& src, const std::string& dst,
                   const std::vector<X25519Recipient>& recipients);
Status DecryptFile(const std::string& src, const std::string& dst, const Identities& identities);

}  // namespace lockstep::age
