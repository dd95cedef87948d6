#include "common/pipe_sink.h"

#include <algorithm>
#include <cstring>

namespace lockstep {

PipeSink::PipeSink(Sink* next) : next_(next), worker_([this] { Work(); }) {
  current_.reserve(kBuffer);
}

PipeSink::~PipeSink() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

Status PipeSink::Failure() {
  std::lock_guard lock(mu_);
  return failed_;
}

Status PipeSink::Write(const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const size_t n = std::min(size, kBuffer - current_.size());
    current_.insert(current_.end(), bytes, bytes + n);
    bytes += n;
    size -= n;
    if (current_.size() == kBuffer) RETURN_IF_ERROR(Submit());
  }
  return Failure();
}

Status PipeSink::Submit() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return queue_.size() < kDepth || !failed_.ok(); });
  if (!failed_.ok()) return failed_;
  queue_.push_back(std::move(current_));
  if (spare_.empty()) {
    current_ = std::vector<char>();
    current_.reserve(kBuffer);
  } else {
    current_ = std::move(spare_.back());
    spare_.pop_back();
    current_.clear();
  }
  lock.unlock();
  changed_.notify_all();
  return Status::Ok();
}

Status PipeSink::Finish() {
  if (!current_.empty()) RETURN_IF_ERROR(Submit());
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return (queue_.empty() && !busy_) || !failed_.ok(); });
    if (!failed_.ok()) return failed_;
  }
  return next_->Finish();
}

void PipeSink::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    changed_.wait(lock, [&] { return !queue_.empty() || stop_; });
    if (stop_) return;  // abandoned: what is queued is dropped
    std::vector<char> buffer = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const bool pass_on = failed_.ok();  // only this thread writes failed_
    lock.unlock();
    Status written = pass_on ? next_->Write(buffer.data(), buffer.size()) : Status::Ok();
    lock.lock();
    busy_ = false;
    if (!written.ok() && failed_.ok()) failed_ = written;
    spare_.push_back(std::move(buffer));
    changed_.notify_all();
  }
}

}  // namespace lockstep
