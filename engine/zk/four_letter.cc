#include "engine/zk/four_letter.h"

#include <boost/asio.hpp>
#include <charconv>
#include <sstream>

namespace lockstep::zk {
namespace asio = boost::asio;
using asio::ip::tcp;

Result<std::string> FourLetterWord(const Endpoint& endpoint, const std::string& word,
                                   std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code error;
  auto address = asio::ip::make_address(endpoint.host, error);
  std::vector<tcp::endpoint> targets;
  if (!error) {
    targets.emplace_back(address, endpoint.port);
  } else {
    tcp::resolver resolver(io);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), error);
    if (error) return Status(StatusCode::kUnavailable, "cannot resolve " + endpoint.host);
    for (const auto& r : results) targets.push_back(r.endpoint());
  }
  std::string reply;
  std::array<char, 4096> chunk{};
  boost::system::error_code result = asio::error::timed_out;
  std::function<void(const boost::system::error_code&, size_t)> on_read =
      [&](const boost::system::error_code& ec, size_t n) {
        reply.append(chunk.data(), n);
        if (ec) {
          result = ec == asio::error::eof ? boost::system::error_code() : ec;
          return;
        }
        socket.async_read_some(asio::buffer(chunk), on_read);
      };
  asio::async_connect(socket, targets,
                      [&](const boost::system::error_code& ec, const tcp::endpoint&) {
                        if (ec) {
                          result = ec;
                          return;
                        }
                        asio::async_write(socket, asio::buffer(word),
                                          [&](const boost::system::error_code& wec, size_t) {
                                            if (wec) {
                                              result = wec;
                                              return;
                                            }
                                            socket.async_read_some(asio::buffer(chunk), on_read);
                                          });
                      });
  io.run_for(timeout);
  if (result) {
    return Status(StatusCode::kUnavailable,
                  "ZooKeeper at " + endpoint.ToString() + " did not answer '" + word +
                      "': " + (result == asio::error::timed_out ? "timed out" : result.message()));
  }
  return reply;
}

Result<SrvrInfo> ParseSrvr(const std::string& text) {
  SrvrInfo info;
  if (text.find("not currently serving requests") != std::string::npos) return info;
  std::istringstream lines(text);
  std::string line;
  bool saw_zxid = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("Zxid: ")) {
      auto zxid = ParseHexZxid(line.substr(6));
      if (!zxid) return Corruption("srvr: cannot parse '" + line + "'");
      info.zxid = *zxid;
      saw_zxid = true;
    } else if (line.starts_with("Mode: ")) {
      info.mode = line.substr(6);
    } else if (line.starts_with("Node count: ")) {
      std::string count = line.substr(12);
      std::from_chars(count.data(), count.data() + count.size(), info.node_count);
    }
  }
  if (!saw_zxid || info.mode.empty()) return Corruption("srvr: unexpected reply: " + text);
  info.serving = true;
  return info;
}

Result<SrvrInfo> QuerySrvr(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(std::string reply, FourLetterWord(endpoint, "srvr", timeout));
  return ParseSrvr(reply);
}

bool AnswersRuok(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  Result<std::string> reply = FourLetterWord(endpoint, "ruok", timeout);
  return reply.ok() && *reply == "imok";
}

}  // namespace lockstep::zk
