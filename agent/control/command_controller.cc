#include "agent/control/command_controller.h"

#include "common/log.h"
#include "common/process.h"

namespace lockstep::control {
namespace {

// The unit and the systemctl path are data, not shell syntax.
std::string ShellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string LastLine(const std::string& output) {
  std::string trimmed = output;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  size_t newline = trimmed.rfind('\n');
  return newline == std::string::npos ? trimmed : trimmed.substr(newline + 1);
}

}  // namespace

CommandController::CommandController(std::string backend, std::string start_command,
                                     std::string stop_command, std::chrono::milliseconds timeout)
    : backend_(std::move(backend)),
      start_command_(std::move(start_command)),
      stop_command_(std::move(stop_command)),
      timeout_(timeout) {}

std::unique_ptr<CommandController> CommandController::ForSystemd(
    const SystemdControllerConfig& config) {
  const std::string base = ShellQuote(config.systemctl) + " ";
  return std::make_unique<CommandController>("systemd", base + "start " + ShellQuote(config.unit),
                                             base + "stop " + ShellQuote(config.unit),
                                             std::chrono::minutes(2));
}

Status CommandController::Start() { return Run("start", start_command_); }
Status CommandController::Stop() { return Run("stop", stop_command_); }

Status CommandController::Run(const std::string& action, const std::string& command) {
  log::Info("running ZooKeeper " + action + " command",
            {{"backend", backend_}, {"command", command}});
  ASSIGN_OR_RETURN(CommandResult result, RunShellCommand(command, timeout_));
  if (result.timed_out) {
    return Status(StatusCode::kFailedPrecondition,
                  backend_ + " " + action + " command `" + command + "` did not finish within " +
                      std::to_string(timeout_.count() / 1000) + " s and was killed");
  }
  if (result.exit_code != 0) {
    return Status(StatusCode::kFailedPrecondition,
                  backend_ + " " + action + " command `" + command + "` failed (exit " +
                      std::to_string(result.exit_code) + "): " + LastLine(result.output));
  }
  return Status::Ok();
}

}  // namespace lockstep::control
