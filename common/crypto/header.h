// The age v1 header (c2sp.org/age), a text block in front of the encrypted payload:
//
//   age-encryption.org/v1                                  version line
//   -> X25519 <ephemeral share, base64>                     one stanza per recipient:
//   <body, base64, 64 columns per line, last line < 64>     arguments, then the wrapped file key
//   --- <HMAC-SHA-256 of everything up to "---", base64>    the MAC line
//
// Parsing is strict (exact spacing, canonical unpadded base64, LF only): the MAC is computed
// over the header's text, so every accepted header must have exactly one spelling.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/secret.h"
#include "common/status.h"

namespace lockstep::age {

constexpr std::string_view kVersionLine = "age-encryption.org/v1\n";
constexpr size_t kFileKeySize = 16;
constexpr size_t kMacSize = 32;
using FileKey = Secret<kFileKeySize>;

struct Stanza {
  std::vector<std::string> args;  // args[0] is the recipient type ("X25519")
  std::vector<uint8_t> body;
};

struct Header {
  std::vector<Stanza> stanzas;
  std::array<uint8_t, kMacSize> mac{};
  std::string mac_input;  // the header text the MAC covers: up to and including "---"
};

// The header text for `stanzas`, ending with the MAC line computed under `file_key`.
Result<std::string> EncodeHeader(const std::vector<Stanza>& stanzas, const FileKey& file_key);
// Parses a complete header (`text` ends with the MAC line's LF). Corruption naming the line and
// the rule it breaks.
Result<Header> ParseHeader(std::string_view text);
// Whether `header`'s MAC is the one `file_key` gives.
Result<bool> MacMatches(const Header& header, const FileKey& file_key);

}  // namespace lockstep::age
