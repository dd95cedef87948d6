#include "common/crash_point.h"

#include <signal.h>

#include <map>
#include <mutex>
#include <thread>

#include "common/log.h"

namespace lockstep {
namespace {

std::mutex mu;
std::map<std::string, std::chrono::milliseconds>& Armed() {
  static auto* armed = new std::map<std::string, std::chrono::milliseconds>();
  return *armed;
}

}  // namespace

void ArmCrashPoint(const std::string& name, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu);
  Armed()[name] = delay;
  log::Warn("crash point armed", {{"point", name}, {"delay_ms", std::to_string(delay.count())}});
}

void DisarmCrashPoint(const std::string& name) {
  std::lock_guard lock(mu);
  Armed().erase(name);
}

void CrashPoint(const std::string& name) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu);
    auto it = Armed().find(name);
    if (it == Armed().end()) return;
    delay = it->second;
    Armed().erase(it);
  }
  if (delay.count() > 0) {
    log::Warn("crash point: stalling",
              {{"point", name}, {"delay_ms", std::to_string(delay.count())}});
    std::this_thread::sleep_for(delay);
    return;
  }
  log::Error("crash point: killing this process", {{"point", name}});
  raise(SIGKILL);
}

}  // namespace lockstep
