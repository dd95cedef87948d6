#include "engine/zk/zoo_cfg.h"

#include <charconv>
#include <sstream>

#include "common/file.h"

namespace lockstep::zk {
namespace {

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

Result<uint16_t> ParsePort(const std::string& text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return InvalidArgument("'" + text + "' is not a port number (1-65535)");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<Endpoint> ParseEndpoint(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("'" + text + "' is not HOST:PORT");
  }
  ASSIGN_OR_RETURN(uint16_t port, ParsePort(text.substr(colon + 1)));
  return Endpoint{text.substr(0, colon), port};
}

Result<ZooCfg> ParseZooCfg(const std::string& text, const std::string& source_name) {
  ZooCfg cfg;
  std::string client_address = "127.0.0.1";
  std::optional<uint16_t> client_port;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return InvalidArgument(source_name + ":" + std::to_string(number) + ": expected key=value");
    }
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    auto where = source_name + ":" + std::to_string(number) + ": " + key;
    if (key == "dataDir") {
      cfg.data_dir = value;
    } else if (key == "dataLogDir") {
      cfg.data_log_dir = value;
    } else if (key == "clientPortAddress") {
      client_address = value;
    } else if (key == "clientPort") {
      Result<uint16_t> port = ParsePort(value);
      if (!port.ok()) return port.status().Prepend(where);
      client_port = *port;
    } else if (key.starts_with("server.")) {
      int id = 0;
      std::string digits = key.substr(7);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
      if (ec != std::errc() || end != digits.data() + digits.size()) {
        return InvalidArgument(where + ": server id is not a number");
      }
      cfg.servers[id] = value;
    }
  }
  if (cfg.data_dir.empty()) return InvalidArgument(source_name + ": dataDir is not set");
  if (cfg.data_log_dir.empty()) cfg.data_log_dir = cfg.data_dir;
  if (client_port) cfg.client = Endpoint{client_address, *client_port};
  return cfg;
}

Result<ZooCfg> LoadZooCfg(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  return ParseZooCfg(text, path);
}

}  // namespace lockstep::zk
