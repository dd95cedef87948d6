// Fixed-size key material that is wiped (OPENSSL_cleanse, which the optimiser may not elide) when
// it goes out of scope, so file keys and identities don't linger in freed memory.
#pragma once

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

// Secret strings a request carried (a restore's identities), wiped when they go out of scope.
class SecretStrings {
 public:
  SecretStrings() = default;
  template <typename Iterator>
  SecretStrings(Iterator begin, Iterator end) : items_(begin, end) {}
  SecretStrings(SecretStrings&& other) noexcept : items_(std::move(other.items_)) {
    other.items_.clear();
  }
  SecretStrings(const SecretStrings&) = delete;
  SecretStrings& operator=(const SecretStrings&) = delete;
  SecretStrings& operator=(SecretStrings&&) = delete;
  ~SecretStrings() {
    for (std::string& item : items_) Wipe(item);
  }
  const std::vector<std::string>& get() const { return items_; }

 private:
  std::vector<std::string> items_;
};

// Takes the strings out of a repeated field (a request's identities), wiping them there.
template <typename Repeated>
SecretStrings TakeSecrets(Repeated* field) {
  SecretStrings taken(field->begin(), field->end());
  for (std::string& item : *field) Wipe(item);
  field->Clear();
  return taken;
}

}  // namespace lockstep::age
