// Time, behind an interface (LevelDB's Env::NowMicros, Kudu's Clock): leases, schedules, the
// election and restore waits read and wait on a Clock, so tests can move time themselves
// (tests/fake_clock.h) instead of waiting on the real one. Also the wall-clock formatting (UTC)
// used in records, manifests and the names of staging and rollback directories.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace lockstep {

// Implementations are thread-safe.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using WallTimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  // Monotonic time, for leases, deadlines and durations.
  virtual TimePoint Now() const = 0;
  // Calendar time, for timestamps and schedules.
  virtual WallTimePoint WallNow() const = 0;
  virtual void SleepFor(Duration duration) = 0;
  // `cv.wait_until(lock, deadline, done)` with `deadline` on this clock: `lock` (holding the
  // mutex `cv` is used with) is released while blocked, `done()` is checked when `cv` is
  // notified, and the wait ends once it holds or the clock reaches `deadline`. Returns done().
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         TimePoint deadline, const std::function<bool()>& done) = 0;
  bool WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Duration timeout,
               const std::function<bool()>& done) {
    return WaitUntil(lock, cv, Now() + timeout, done);
  }
};

// The system's clocks: steady_clock, system_clock, this_thread::sleep_for.
class RealClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  WallTimePoint WallNow() const override { return std::chrono::system_clock::now(); }
  void SleepFor(Duration duration) override;
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline, const std::function<bool()>& done) override;
};

// The process-wide RealClock: the default wherever a Clock is injected.
Clock& RealClockInstance();

// strftime of `when` in UTC, e.g. format "%Y%m%dT%H%M%SZ".
std::string FormatUtcTime(Clock::WallTimePoint when, const char* format);
// strftime of the current UTC time.
std::string FormatUtcNow(const char* format);

// ISO 8601 in UTC to the second, "2026-11-25T09:42:10Z": how records stamp their times.
inline constexpr char kUtcTimestampFormat[] = "%Y-%m-%dT%H:%M:%SZ";
std::string UtcTimestamp(const Clock& clock = RealClockInstance());
// A time in that format, or nullopt for anything else (empty included).
std::optional<Clock::WallTimePoint> ParseUtcTimestamp(const std::string& text);

// Milliseconds since 1970: how segments, bases and reports store their times.
int64_t UnixMillis(Clock::WallTimePoint when);
// Seconds since 1970 on the real clock: what forward proofs carry (agent/http/forwarding.h).
int64_t UnixSecondsNow();
// Such a time as a record's timestamp (to the second); "" for 0 or less (not known).
std::string UtcTimestampOfMillis(int64_t ms);
// Such a time to the millisecond, "2026-11-25T09:42:10.123Z": a point-in-time target.
std::string UtcTimestampWithMillis(int64_t ms);

}  // namespace lockstep
