// The ZooKeeper controllers with stand-in programs: `exec` runs scripts, `systemd` a fake
// systemctl found on PATH, `process` supervises a shell script standing in for the JVM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>

#include "agent/control/command_controller.h"
#include "agent/control/process_controller.h"
#include "common/process.h"
#include "tests/zk_files.h"

namespace lockstep::control {
namespace {
using namespace std::chrono_literals;
using lockstep::testing::ReadFile;
using lockstep::testing::TempDir;
using lockstep::testing::WriteFile;

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::string Script(const TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir / name;
  WriteFile(path, "#!/bin/sh\n" + body + "\n");
  chmod(path.c_str(), 0755);
  return path;
}

TEST(ExecController, RunsTheConfiguredCommands) {
  TempDir dir;
  const std::string log = dir / "calls";
  CommandController exec("exec", "echo start >> " + log, "echo stop >> " + log, 5s);
  ASSERT_TRUE(exec.Start().ok());
  ASSERT_TRUE(exec.Stop().ok());
  EXPECT_EQ(ReadFile(log), "start\nstop\n");
}

TEST(ExecController, FailureCarriesTheExitCodeAndLastOutputLine) {
  CommandController exec("exec", "echo checking; echo 'address already in use' >&2; exit 3", "true",
                         5s);
  Status started = exec.Start();
  EXPECT_EQ(started.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(started.message().find("exit 3"), std::string::npos) << started.message();
  EXPECT_NE(started.message().find("address already in use"), std::string::npos);
}

TEST(ExecController, CommandPastItsDeadlineIsKilled) {
  CommandController exec("exec", "sleep 30", "true", 300ms);
  auto begun = std::chrono::steady_clock::now();
  Status started = exec.Start();
  EXPECT_NE(started.message().find("did not finish"), std::string::npos) << started.message();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 10s);
}

TEST(SystemdController, CallsSystemctlFromPath) {
  TempDir dir;
  const std::string log = dir / "systemctl.log";
  Script(dir, "systemctl",
         "echo \"$@\" >> " + log +
             "\n[ \"$2\" = broken.service ] && { echo 'Unit broken.service "
             "not found.' >&2; exit 5; }\nexit 0");
  const std::string old_path = getenv("PATH");
  setenv("PATH", (dir.path() + ":" + old_path).c_str(), 1);
  auto systemd = CommandController::ForSystemd({.unit = "dcos-exhibitor"});
  EXPECT_TRUE(systemd->Stop().ok());
  EXPECT_TRUE(systemd->Start().ok());
  auto broken = CommandController::ForSystemd({.unit = "broken.service"});
  Status failed = broken->Start();
  setenv("PATH", old_path.c_str(), 1);
  EXPECT_EQ(ReadFile(log), "stop dcos-exhibitor\nstart dcos-exhibitor\nstart broken.service\n");
  EXPECT_NE(failed.message().find("not found"), std::string::npos) << failed.message();
}

class ProcessControllerTest : public ::testing::Test {
 protected:
  ProcessControllerConfig Config(const std::string& java_body) {
    ProcessControllerConfig config;
    config.java = Script(dir_, "java", java_body);
    config.log_file = dir_ / "zookeeper.out";
    config.stop_grace = 500ms;
    config.restart_backoff_min = 100ms;
    config.restart_backoff_max = 400ms;
    return config;
  }
  std::unique_ptr<ProcessController> Make(ProcessControllerConfig config) {
    WriteFile(dir_ / "zoo.cfg", "dataDir=" + dir_.path() + "/data\nclientPort=1\n");
    return std::make_unique<ProcessController>(config, dir_ / "zoo.cfg",
                                               std::vector<std::string>{dir_ / "data"});
  }
  TempDir dir_;
};

// Stays alive with its arguments visible in /proc (as a JVM's are) and exits on SIGTERM.
constexpr const char* kServer =
    "echo \"server up: $*\"\ntrap 'exit 0' TERM\nwhile :; do sleep 0.05; done";

TEST_F(ProcessControllerTest, RestartsAnUnexpectedExitWithBackoff) {
  auto controller = Make(Config(kServer));
  ASSERT_TRUE(controller->Start().ok());
  const int64_t first = controller->pid();
  ASSERT_GT(first, 0);
  kill(static_cast<pid_t>(first), SIGKILL);
  EXPECT_TRUE(Eventually([&] { return controller->pid() > 0 && controller->pid() != first; }));
  EXPECT_EQ(controller->restarts(), 1u);
  EXPECT_TRUE(Eventually([&] {
    return ReadFile(dir_ / "zookeeper.out").find("QuorumPeerMain " + dir_.path() + "/zoo.cfg") !=
           std::string::npos;
  })) << "the server's output goes to the log file";
  EXPECT_TRUE(controller->Stop().ok());
}

TEST_F(ProcessControllerTest, StoppedServerStaysStopped) {
  auto controller = Make(Config(kServer));
  ASSERT_TRUE(controller->Start().ok());
  const pid_t pid = static_cast<pid_t>(controller->pid());
  ASSERT_TRUE(controller->Stop().ok());
  EXPECT_EQ(controller->pid(), 0);
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_FALSE(Eventually([&] { return controller->pid() != 0; }, 1s))
      << "restarted after a deliberate stop";
  EXPECT_EQ(controller->restarts(), 0u);
}

TEST_F(ProcessControllerTest, ServerIgnoringSigtermIsKilledAfterTheGrace) {
  auto controller = Make(Config("trap '' TERM\necho ignoring TERM\nwhile :; do sleep 0.05; done"));
  ASSERT_TRUE(controller->Start().ok());
  const pid_t pid = static_cast<pid_t>(controller->pid());
  // Signal only once the trap is installed, or SIGTERM alone would end it.
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir_ / "zookeeper.out") == "ignoring TERM\n"; }));
  ASSERT_TRUE(controller->Stop().ok());
  EXPECT_FALSE(ProcessAlive(pid));
}

TEST_F(ProcessControllerTest, AdoptsAServerLeftRunningByAPreviousAgent) {
  auto config = Config(kServer);
  config.stop_on_exit = false;  // the agent is restarted, the server keeps running
  auto first = Make(config);
  ASSERT_TRUE(first->Start().ok());
  const int64_t pid = first->pid();
  // Until it has exec'd, the child's command line is still ours and names no zoo.cfg.
  ASSERT_TRUE(Eventually(
      [&] { return ReadFile(dir_ / "zookeeper.out").find("server up") != std::string::npos; }));
  first.reset();
  ASSERT_TRUE(ProcessAlive(static_cast<pid_t>(pid)));
  auto second = Make(config);
  EXPECT_EQ(second->pid(), pid);
  ASSERT_TRUE(second->Start().ok());
  EXPECT_EQ(second->pid(), pid) << "started a second server instead of adopting";
  ASSERT_TRUE(second->Stop().ok());
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(static_cast<pid_t>(pid)); }));
}

TEST(RunShellCommand, CapturesOutputAndExitCode) {
  auto result = RunShellCommand("echo out; echo err >&2; exit 7", 5s);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 7);
  EXPECT_EQ(result->output, "out\nerr\n");
  EXPECT_FALSE(result->timed_out);
}

TEST(RunShellCommand, DaemonHoldingThePipeDoesNotBlock) {
  auto begun = std::chrono::steady_clock::now();
  auto result = RunShellCommand("sleep 5 & echo started", 10s);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_FALSE(result->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 4s);
}

}  // namespace
}  // namespace lockstep::control
