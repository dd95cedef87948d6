// Status and Result<T>: errors as values, with a code the CLI maps to its exit codes and a message
// that says what failed and what to do next. Not thread-safe to mutate; cheap to copy.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace lockstep {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from the operator: exit 2
  kNotFound,            // exit 3
  kBusy,                // another operation holds the lock: exit 4
  kUnavailable,         // cluster unreachable or not authorised: exit 5
  kFailedPrecondition,  // e.g. a server is running on the data directory
  kCorruption,          // an archive or data file failed verification
  kIoError,
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Adds context on the way up: "restoring /var/zk: <original message>".
  Status Prepend(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status FailedPrecondition(std::string message);
Status Corruption(std::string message);
Status IoError(std::string message);
// An IoError carrying strerror(errno) and the path it happened on.
Status ErrnoError(const std::string& what, const std::string& path, int err);
Status Internal(std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace lockstep

#define LOCKSTEP_CONCAT_INNER(a, b) a##b
#define LOCKSTEP_CONCAT(a, b) LOCKSTEP_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)        \
  do {                               \
    ::lockstep::Status _st = (expr); \
    if (!_st.ok()) return _st;       \
  } while (0)

#define RETURN_IF_ERROR_PREPEND(expr, context)  \
  do {                                          \
    ::lockstep::Status _st = (expr);            \
    if (!_st.ok()) return _st.Prepend(context); \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(LOCKSTEP_CONCAT(_result_, __LINE__), lhs, expr)
