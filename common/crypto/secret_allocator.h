// An allocator for containers of key material (age identities): each allocation gets pages of
// its own, marked MADV_DONTDUMP (left out of any core dump even if the process were made
// dumpable again) and locked in memory when the limit allows (never written to swap), and is
// wiped with OPENSSL_cleanse before the pages are returned. Allocations are rare and small (a
// handful of identities), so a page or two each costs nothing that matters.
#pragma once

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <new>

namespace lockstep::age {

template <typename T>
class SecretAllocator {
 public:
  using value_type = T;

  SecretAllocator() = default;
  template <typename U>
  SecretAllocator(const SecretAllocator<U>&) {}  // NOLINT: rebinding, as allocators do

  T* allocate(size_t n) {
    const size_t bytes = Rounded(n * sizeof(T));
    void* pages =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) throw std::bad_alloc();
    (void)::madvise(pages, bytes, MADV_DONTDUMP);
    (void)::mlock(pages, bytes);  // best effort: RLIMIT_MEMLOCK may refuse
    return static_cast<T*>(pages);
  }

  void deallocate(T* p, size_t n) {
    const size_t bytes = Rounded(n * sizeof(T));
    OPENSSL_cleanse(p, bytes);
    (void)::munlock(p, bytes);
    ::munmap(p, bytes);
  }

  template <typename U>
  bool operator==(const SecretAllocator<U>&) const {
    return true;
  }

 private:
  static size_t Rounded(size_t bytes) {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    return (bytes + page - 1) / page * page;
  }
};

}  // namespace lockstep::age
