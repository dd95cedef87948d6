// Fixed-size key material that is wiped (OPENSSL_cleanse, which the optimiser may not elide) when
// it goes out of scope, so file keys and identities don't linger in freed memory.
#pragma once

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lockstep::age {

template <size_t N>
struct Secret {
  std::array<uint8_t, N> bytes{};

  Secret() = default;
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { OPENSSL_cleanse(bytes.data(), N); }

  uint8_t* data() { return bytes.data(); }
  const uint8_t* data() const { return bytes.data(); }
  static constexpr size_t size() { return N; }
};

// Wipes a string that held secret text (an identity file, an encoded identity) and empties it.
inline void Wipe(std::string& text) {
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace lockstep::age
