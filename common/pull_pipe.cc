#include "common/pull_pipe.h"

#include <algorithm>
#include <cstring>

namespace lockstep {

PullPipe::PullPipe(Source source) : source_(std::move(source)), worker_([this] { Work(); }) {}

PullPipe::~PullPipe() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void PullPipe::Work() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return ready_.size() < kDepth || stop_; });
      if (stop_) return;
    }
    std::vector<char> buffer(kBuffer);
    size_t filled = 0;
    Status failed;
    while (filled < buffer.size()) {
      Result<size_t> got = source_(buffer.data() + filled, buffer.size() - filled);
      if (!got.ok()) {
        failed = got.status();
        break;
      }
      if (*got == 0) break;
      filled += *got;
    }
    const bool end = !failed.ok() || filled < buffer.size();
    buffer.resize(filled);
    std::lock_guard lock(mu_);
    if (!buffer.empty()) ready_.push_back(std::move(buffer));
    if (end) {
      failed_ = failed;
      ended_ = true;
    }
    changed_.notify_all();
    if (end) return;
  }
}

Result<size_t> PullPipe::Read(char* buffer, size_t size) {
  if (position_ == current_.size()) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !ready_.empty() || ended_; });
    if (ready_.empty()) {
      if (!failed_.ok()) return failed_;
      return size_t{0};
    }
    current_ = std::move(ready_.front());
    ready_.pop_front();
    position_ = 0;
    changed_.notify_all();
  }
  const size_t n = std::min(size, current_.size() - position_);
  std::memcpy(buffer, current_.data() + position_, n);
  position_ += n;
  return n;
}

}  // namespace lockstep
