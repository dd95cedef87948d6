// Base64 as the age header uses it: the standard alphabet (RFC 4648 section 4) without `=`
// padding. Decoding is strict, because the header MAC covers the encoded text: a decoder that
// accepted two spellings of one value would let a file be altered without breaking the MAC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep::age {

std::string Base64Encode(const uint8_t* data, size_t size);
// Nullopt unless `text` is the canonical unpadded encoding of some bytes: only alphabet
// characters, no padding, a length that is not 1 mod 4, and zero unused bits in the last char.
std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);
// Characters Base64Encode produces for `size` bytes.
constexpr size_t Base64Length(size_t size) { return (size * 8 + 5) / 6; }

}  // namespace lockstep::age
