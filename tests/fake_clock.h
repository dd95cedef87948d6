// A Clock for tests: time moves only when the test advances it, or when a thread sleeps on it
// (SleepFor moves it forward at once), so a loop waiting for a deadline runs through it in
// microseconds and a lease lapses exactly when the test says.
//
// Thread-safe: every member takes `mu_`. A thread blocked in WaitUntil is woken when time moves;
// so that no wakeup can be lost between its check and its wait (the caller's mutex is not ours
// to take from Advance), it also looks again every millisecond of real time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>

#include "common/clock.h"

namespace lockstep::testing {

class FakeClock : public Clock {
 public:
  // 2026-01-01T00:00:00Z unless told otherwise; steady time starts at an arbitrary point.
  explicit FakeClock(WallTimePoint wall_start = WallTimePoint(std::chrono::seconds(1767225600)))
      : wall_start_(wall_start) {}

  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return kSteadyStart + elapsed_;
  }
  WallTimePoint WallNow() const override {
    std::lock_guard lock(mu_);
    return wall_start_ + std::chrono::duration_cast<WallTimePoint::duration>(elapsed_);
  }
  void SleepFor(Duration duration) override { Advance(duration); }

  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline, const std::function<bool()>& done) override {
    Enter(&cv);
    while (!done() && Now() < deadline) cv.wait_for(lock, std::chrono::milliseconds(1));
    Leave(&cv);
    return done();
  }

  // Moves both clocks forward and wakes the threads waiting on this clock.
  void Advance(Duration duration) {
    std::lock_guard lock(mu_);
    elapsed_ += duration;
    // Under mu_: a waiter leaves (and its condition variable may go) only after this.
    for (std::condition_variable* cv : waiting_) cv->notify_all();
  }

  // How many waits (WaitUntil calls) have begun so far. A background thread that waits on this
  // clock between rounds of work has finished a round once the count grows past its value from
  // before the round was set off.
  uint64_t waits_begun() const {
    std::lock_guard lock(mu_);
    return waits_begun_;
  }
  // Blocks (up to `limit` of real time) until waits_begun() >= `count`; false if it never does.
  bool AwaitWaits(uint64_t count, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return waits_changed_.wait_for(lock, limit, [&] { return waits_begun_ >= count; });
  }
  // Blocks (up to `limit` of real time) until `count` threads are waiting on this clock, so that
  // time moved next reaches them (a wait begun after Advance counts from the new time).
  bool AwaitWaiters(size_t count, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return waits_changed_.wait_for(lock, limit, [&] { return waiting_.size() >= count; });
  }

 private:
  static constexpr TimePoint kSteadyStart = TimePoint(std::chrono::hours(1000));

  void Enter(std::condition_variable* cv) {
    std::lock_guard lock(mu_);
    waiting_.insert(cv);
    ++waits_begun_;
    waits_changed_.notify_all();
  }
  void Leave(std::condition_variable* cv) {
    std::lock_guard lock(mu_);
    waiting_.erase(waiting_.find(cv));
    waits_changed_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable waits_changed_;
  const WallTimePoint wall_start_;
  Duration elapsed_{};
  std::multiset<std::condition_variable*> waiting_;
  uint64_t waits_begun_ = 0;
};

}  // namespace lockstep::testing
