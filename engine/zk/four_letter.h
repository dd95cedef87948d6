// ZooKeeper's four-letter-word probes (`ruok`, `srvr`, `mntr`) over TCP with a deadline, and the
// parse of `srvr`. A server that refuses the connection is "not running", which is an answer,
// not an error.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/zk/zoo_cfg.h"

namespace lockstep::zk {

// Sends `word` and returns everything the server writes before closing. Unavailable when nothing
// listens or the deadline passes.
Result<std::string> FourLetterWord(const Endpoint& endpoint, const std::string& word,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(3));

struct SrvrInfo {
  Zxid zxid = 0;
  std::string mode;  // leader | follower | observer | standalone | read-only
  uint64_t node_count = 0;
  bool serving = false;
};

// Parses `srvr` output; a server that is up but not serving says so instead of listing fields.
Result<SrvrInfo> ParseSrvr(const std::string& text);
Result<SrvrInfo> QuerySrvr(const Endpoint& endpoint,
                           std::chrono::milliseconds timeout = std::chrono::seconds(3));
// True when the server answers `imok`.
bool AnswersRuok(const Endpoint& endpoint,
                 std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace lockstep::zk
