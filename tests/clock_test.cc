// The clock seam: RealClock's waits, FakeClock moving only when told (and waking waiters when it
// does), and the one UTC timestamp format.
#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/fake_clock.h"

namespace lockstep {
namespace {

using namespace std::chrono_literals;

Clock::WallTimePoint Wall(time_t seconds) {
  return std::chrono::system_clock::from_time_t(seconds);
}

TEST(FakeClock, TimeMovesOnlyWhenAdvancedOrSleptOn) {
  testing::FakeClock clock(Wall(1764063730));  // 2025-11-25T09:42:10Z
  const Clock::TimePoint start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(5s);
  EXPECT_EQ(clock.Now() - start, 5s);
  clock.SleepFor(250ms);
  EXPECT_EQ(clock.Now() - start, 5250ms) << "a sleep moves the time at once";
  EXPECT_EQ(clock.WallNow(), Wall(1764063735) + 250ms) << "the wall clock moves with it";
}

TEST(FakeClock, AWaitEndsWhenTimeReachesItsDeadline) {
  testing::FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> ended{false};
  bool result = true;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    result = clock.WaitFor(lock, cv, 10s, [] { return false; });
    ended = true;
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(9s);
  EXPECT_FALSE(ended) << "a second short of the deadline";
  clock.Advance(1s);
  waiter.join();
  EXPECT_FALSE(result) << "timed out, not done";
  EXPECT_EQ(clock.waits_begun(), 1u);
}

TEST(FakeClock, AWaitEndsWhenItsConditionIsMet) {
  testing::FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool result = false;
  const Clock::TimePoint start = clock.Now();
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    result = clock.WaitFor(lock, cv, 1h, [&] { return done; });
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  waiter.join();
  EXPECT_TRUE(result);
  EXPECT_EQ(clock.Now(), start) << "no time passed";
}

TEST(RealClock, WaitsOnTheSystemClock) {
  Clock& clock = RealClockInstance();
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  const Clock::TimePoint before = clock.Now();
  EXPECT_FALSE(clock.WaitFor(lock, cv, 1ms, [] { return false; }));
  EXPECT_GE(clock.Now() - before, 1ms);
  EXPECT_TRUE(clock.WaitFor(lock, cv, 1h, [] { return true; }));
}

TEST(UtcTimestamp, IsIso8601OfTheClocksWallTimeToTheSecond) {
  testing::FakeClock clock(Wall(1764063730) + 999ms);
  EXPECT_EQ(UtcTimestamp(clock), "2025-11-25T09:42:10Z");
  const std::string now = UtcTimestamp();
  ASSERT_EQ(now.size(), 20u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

TEST(UnixMillisTest, RecordsTimesRoundTripToTheSecondAndToTheMillisecond) {
  const Clock::WallTimePoint when =
      *ParseUtcTimestamp("2026-11-25T09:42:10Z") + std::chrono::milliseconds(123);
  const int64_t ms = UnixMillis(when);
  EXPECT_EQ(ms % 1000, 123);
  EXPECT_EQ(UtcTimestampOfMillis(ms), "2026-11-25T09:42:10Z");
  EXPECT_EQ(UtcTimestampWithMillis(ms), "2026-11-25T09:42:10.123Z");
  EXPECT_EQ(UtcTimestampOfMillis(0), "") << "0 means not known";
  EXPECT_EQ(*ParseUtcTimestamp(UtcTimestampOfMillis(ms)) + std::chrono::milliseconds(123), when);
}

}  // namespace
}  // namespace lockstep
