// Buffers whose memory is wiped before it goes back to the allocator. Request bodies can carry
// secrets (a restore's age identities): the bytes a connection received stay in its read buffer,
// and in every buffer it outgrew, until the memory is reused, so the server reads into one of
// these and wipes each request's body once it is answered (server.cc), and the client wipes a
// body it sent (client.cc).
#pragma once

#include <openssl/crypto.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <memory>
#include <string>

namespace lockstep::http {

template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) {}  // NOLINT: rebinding, as allocators do
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const {
    return true;
  }
};

// A connection's read buffer: what it held is wiped when it grows and when it is freed.
using WipingFlatBuffer = boost::beast::basic_flat_buffer<WipingAllocator<char>>;

// Overwrites a string's bytes (a body handled or sent) before it is freed or reused.
inline void WipeString(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}

}  // namespace lockstep::http
