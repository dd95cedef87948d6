#include "common/clock.h"

#include <ctime>
#include <thread>

namespace lockstep {

void RealClock::SleepFor(Duration duration) { std::this_thread::sleep_for(duration); }

bool RealClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          TimePoint deadline, const std::function<bool()>& done) {
  return cv.wait_until(lock, deadline, done);
}

Clock& RealClockInstance() {
  static RealClock clock;
  return clock;
}

std::string FormatUtcTime(Clock::WallTimePoint when, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string FormatUtcNow(const char* format) {
  return FormatUtcTime(RealClockInstance().WallNow(), format);
}

std::string UtcTimestamp(const Clock& clock) {
  return FormatUtcTime(clock.WallNow(), kUtcTimestampFormat);
}

std::optional<Clock::WallTimePoint> ParseUtcTimestamp(const std::string& text) {
  std::tm t{};
  const char* end = strptime(text.c_str(), kUtcTimestampFormat, &t);
  if (!end || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&t));
}

int64_t UnixMillis(Clock::WallTimePoint when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

int64_t UnixSecondsNow() { return UnixMillis(RealClockInstance().WallNow()) / 1000; }

std::string UtcTimestampOfMillis(int64_t ms) {
  if (ms <= 0) return "";
  return FormatUtcTime(Clock::WallTimePoint(std::chrono::milliseconds(ms)), kUtcTimestampFormat);
}

std::string UtcTimestampWithMillis(int64_t ms) {
  const Clock::WallTimePoint when{std::chrono::milliseconds(ms)};
  char fraction[8];
  std::snprintf(fraction, sizeof(fraction), ".%03lldZ",
                static_cast<long long>(ms < 0 ? 0 : ms % 1000));
  return FormatUtcTime(when, "%Y-%m-%dT%H:%M:%S") + fraction;
}

}  // namespace lockstep
