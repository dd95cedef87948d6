#include "common/async_sha256.h"

#include <cstring>

namespace lockstep {

AsyncSha256::~AsyncSha256() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void AsyncSha256::Update(const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    if (current_.capacity() < kChunk) current_.reserve(kChunk);
    const size_t take = std::min(size, kChunk - current_.size());
    current_.insert(current_.end(), bytes, bytes + take);
    bytes += take;
    size -= take;
    if (current_.size() == kChunk) Submit();
  }
}

void AsyncSha256::Submit() {
  if (current_.empty()) return;
  std::unique_lock lock(mu_);
  if (!worker_.joinable()) worker_ = std::thread([this] { Work(); });
  changed_.wait(lock, [this] { return queue_.size() < kDepth; });
  queue_.push_back(std::move(current_));
  current_.clear();
  if (!spare_.empty()) {
    current_ = std::move(spare_.back());
    spare_.pop_back();
    current_.clear();
  }
  changed_.notify_all();
}

void AsyncSha256::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::vector<char> chunk = std::move(queue_.front());
    queue_.pop_front();
    hashing_ = true;
    lock.unlock();
    sha_.Update(chunk.data(), chunk.size());
    lock.lock();
    hashing_ = false;
    if (spare_.empty()) spare_.push_back(std::move(chunk));
    changed_.notify_all();
  }
}

std::string AsyncSha256::HexDigest() {
  Submit();
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return queue_.empty() && !hashing_; });
  return sha_.HexDigest();
}

}  // namespace lockstep
