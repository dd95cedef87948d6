// What the CLI says while a request routed to the coordinator takes long: after a few seconds
// without an answer it asks the agent it called who coordinates, and says what it waits for
// ("m2 not answering; waiting for a new coordinator…"), then each change as the election moves.
// Lines go to stderr, so --json output stays clean.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "cli/api_client.h"

namespace lockstep::cli {

class CoordinatorWait {
 public:
  // Starts watching; `quiet` says nothing at all (the watch then doesn't run).
  CoordinatorWait(const ClusterFlags& cluster, bool quiet);
  ~CoordinatorWait();  // the request answered: stop watching

 private:
  void Watch();
  // The line for the coordinator `name` (reachable or not), or "" when nothing changed.
  std::string Describe(const std::string& name, bool reachable);

  const ClusterFlags cluster_;
  std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::string said_;  // the last line printed
  std::thread thread_;
};

}  // namespace lockstep::cli
