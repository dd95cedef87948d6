#include "common/crypto/bech32.h"

#include <openssl/crypto.h>

#include <cctype>

namespace lockstep::age {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr size_t kChecksumLength = 6;

uint32_t Polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGenerator[] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                            0x2a1462b3};
  uint32_t checksum = 1;
  for (uint8_t value : values) {
    const uint32_t top = checksum >> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) checksum ^= kGenerator[i];
    }
  }
  return checksum;
}

// The hrp's high bits, a zero, its low bits: what BIP-173 feeds the checksum before the data.
std::vector<uint8_t> ExpandHrp(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<uint8_t>(c) >> 5));
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c & 31));
  return out;
}

// Regroups bits from `from`-bit to `to`-bit values. Decoding (pad false) rejects leftover bits
// that don't fit a whole value or aren't zero: otherwise two strings would decode alike.
bool ConvertBits(const uint8_t* in, size_t size, int from, int to, bool pad,
                 std::vector<uint8_t>* out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t max = (1u << to) - 1;
  for (size_t i = 0; i < size; ++i) {
    acc = (acc << from) | in[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out->push_back(static_cast<uint8_t>((acc >> bits) & max));
    }
  }
  if (pad) {
    if (bits > 0) out->push_back(static_cast<uint8_t>((acc << (to - bits)) & max));
    return true;
  }
  return bits < from && ((acc << (to - bits)) & max) == 0;
}

int CharsetIndex(char lower) {
  for (int i = 0; i < 32; ++i) {
    if (kCharset[i] == lower) return i;
  }
  return -1;
}

Status CheckCase(std::string_view text) {
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return InvalidArgument("Bech32: contains a non-printable character");
    lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
  }
  if (lower && upper) return InvalidArgument("Bech32: mixes upper and lower case");
  return Status::Ok();
}

}  // namespace

std::string Bech32Encode(std::string_view hrp, const uint8_t* data, size_t size) {
  std::vector<uint8_t> values;
  ConvertBits(data, size, 8, 5, true, &values);
  std::vector<uint8_t> checked = ExpandHrp(hrp);
  checked.insert(checked.end(), values.begin(), values.end());
  checked.insert(checked.end(), kChecksumLength, 0);
  const uint32_t checksum = Polymod(checked) ^ 1;
  std::string out(hrp);
  out += '1';
  for (uint8_t value : values) out += kCharset[value];
  for (size_t i = 0; i < kChecksumLength; ++i) out += kCharset[(checksum >> (5 * (5 - i))) & 31];
  OPENSSL_cleanse(values.data(), values.size());
  OPENSSL_cleanse(checked.data(), checked.size());
  return out;
}

Result<Bech32> Bech32Decode(std::string_view text) {
  RETURN_IF_ERROR(CheckCase(text));
  const size_t separator = text.rfind('1');
  if (separator == std::string_view::npos || separator == 0) {
    return InvalidArgument("Bech32: no human-readable prefix before a '1' separator");
  }
  if (text.size() - separator - 1 < kChecksumLength) {
    return InvalidArgument("Bech32: too short to hold its 6-character checksum");
  }
  std::string hrp_lower;
  for (char c : text.substr(0, separator)) {
    hrp_lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::vector<uint8_t> values;
  for (size_t i = separator + 1; i < text.size(); ++i) {
    const int index =
        CharsetIndex(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    if (index < 0) {
      return InvalidArgument("Bech32: character " + std::to_string(i + 1) +
                             " is not in the Bech32 alphabet");
    }
    values.push_back(static_cast<uint8_t>(index));
  }
  std::vector<uint8_t> checked = ExpandHrp(hrp_lower);
  checked.insert(checked.end(), values.begin(), values.end());
  const bool checksum_ok = Polymod(checked) == 1;
  OPENSSL_cleanse(checked.data(), checked.size());
  Bech32 result{.hrp = std::string(text.substr(0, separator)), .data = {}};
  const bool bits_ok = checksum_ok && ConvertBits(values.data(), values.size() - kChecksumLength, 5,
                                                  8, false, &result.data);
  OPENSSL_cleanse(values.data(), values.size());
  if (!checksum_ok) {
    return InvalidArgument("Bech32: checksum mismatch (a character is mistyped or missing)");
  }
  if (!bits_ok) {
    OPENSSL_cleanse(result.data.data(), result.data.size());
    return InvalidArgument("Bech32: invalid padding bits at the end of the data");
  }
  return result;
}

}  // namespace lockstep::age
