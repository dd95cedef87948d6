#include "common/crypto/base64.h"

namespace lockstep::age {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ValueOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string Base64Encode(const uint8_t* data, size_t size) {
  std::string out;
  out.reserve(Base64Length(size));
  uint32_t bits = 0;
  int pending = 0;  // bits held in `bits` not yet emitted
  for (size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out += kAlphabet[(bits >> pending) & 0x3f];
    }
  }
  if (pending > 0) out += kAlphabet[(bits << (6 - pending)) & 0x3f];
  return out;
}

std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // 6 bits cannot end a byte
  std::vector<uint8_t> out;
  out.reserve(text.size() * 6 / 8);
  uint32_t bits = 0;
  int pending = 0;
  for (char c : text) {
    const int value = ValueOf(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out.push_back(static_cast<uint8_t>(bits >> pending));
    }
  }
  // Canonical: the bits left over after the last whole byte are zero.
  if ((bits & ((1u << pending) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace lockstep::age
