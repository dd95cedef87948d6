// Bech32 (BIP-173) as age uses it for recipients (`age1…`) and identities
// (`AGE-SECRET-KEY-1…`): no limit on the length, a string all lowercase or all uppercase, the
// checksum always computed over the lowercase form. Errors describe the defect but never repeat
// the text, which may be a secret key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lockstep::age {

struct Bech32 {
  std::string hrp;            // as spelled in the decoded text (upper or lower case)
  std::vector<uint8_t> data;  // 8-bit bytes; the caller wipes it when it holds a secret
};

// Lowercase Bech32 of `data` (8-bit bytes) under `hrp` (which must be lowercase ASCII 33..126).
std::string Bech32Encode(std::string_view hrp, const uint8_t* data, size_t size);
// InvalidArgument when the text mixes cases, lacks the `1` separator, has a character outside
// the Bech32 alphabet, a wrong checksum, or non-zero padding bits.
Result<Bech32> Bech32Decode(std::string_view text);

}  // namespace lockstep::age
