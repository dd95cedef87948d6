// The parts of a ZooKeeper `zoo.cfg` Lockstep needs: where the data lives and where the server
// answers. Unknown keys are ignored (zoo.cfg has many); malformed values are errors naming the key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace lockstep::zk {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
};

// "HOST:PORT" with a port in 1..65535.
Result<Endpoint> ParseEndpoint(const std::string& text);

struct ZooCfg {
  std::string data_dir;
  std::string data_log_dir;            // equals data_dir when zoo.cfg has no dataLogDir
  std::optional<Endpoint> client;      // clientPortAddress (default 127.0.0.1) and clientPort
  std::map<int, std::string> servers;  // server.N=…
};

Result<ZooCfg> ParseZooCfg(const std::string& text, const std::string& source_name);
Result<ZooCfg> LoadZooCfg(const std::string& path);

}  // namespace lockstep::zk
