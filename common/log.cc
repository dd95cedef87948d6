#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace lockstep::log {
namespace {

struct State {
  std::mutex mu;
  std::string master;
  std::string operation;
  Level min_level = Level::kInfo;
};

State& GlobalState() {
  static State state;
  return state;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Quotes a value when logfmt needs it (spaces, quotes, '=').
std::string Quote(std::string_view value) {
  bool needs_quotes = value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n') needs_quotes = true;
  }
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += (c == '\n') ? ' ' : c;
  }
  return out + "\"";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

}  // namespace

void SetMaster(std::string master) {
  std::lock_guard lock(GlobalState().mu);
  GlobalState().master = std::move(master);
}

void SetOperation(std::string operation) {
  std::lock_guard lock(GlobalState().mu);
  GlobalState().operation = std::move(operation);
}

void SetMinLevel(Level level) {
  std::lock_guard lock(GlobalState().mu);
  GlobalState().min_level = level;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  State& state = GlobalState();
  std::lock_guard lock(state.mu);
  if (level < state.min_level) return;
  std::string line = "ts=" + Timestamp() + " level=" + LevelName(level);
  if (!state.master.empty()) line += " master=" + Quote(state.master);
  if (!state.operation.empty()) line += " op=" + Quote(state.operation);
  line += " msg=" + Quote(message);
  for (const auto& [key, value] : fields) line += " " + std::string(key) + "=" + Quote(value);
  line += "\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace lockstep::log
