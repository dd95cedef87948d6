// A small HTTP/1.1 client (Boost.Beast) for the CLI and for agents asking their peers. Every call
// has one deadline covering connect, TLS handshake, write and read, so an unreachable or paused
// peer costs at most that long. Thread-safe: each call has its own connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/http/message.h"
#include "common/http/tls_context.h"
#include "common/http/url.h"
#include "common/status.h"

namespace lockstep::http {

// Bytes moved so far and the total (0 when unknown).
using TransferProgress = std::function<void(uint64_t done, uint64_t total)>;

struct CallOptions {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::string token;  // sent as "Authorization: Bearer TOKEN" when non-empty
  // Sent verbatim as the Authorization header when non-empty (in place of `token`): a caller's
  // own credential, relayed by an agent that forwards the caller's request.
  std::string authorization;
  std::string accept;  // sent as the Accept header when non-empty
  // Sent after every other header, replacing one of the same name (Host and Content-Type
  // included): what a request signer such as S3's needs to control exactly.
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{5000};
  size_t reply_limit = 64 << 20;
  // Streaming transfers only: `timeout` is then an idle timeout, renewed for every chunk.
  std::string upload_file;                // request body streamed from this file
  uint64_t upload_offset = 0;             // … starting at this byte
  std::optional<uint64_t> upload_length;  // … this many bytes; unset: to the end of the file
  std::string download_file;  // a 2xx reply's body streamed into this file (Reply::body empty)
  TransferProgress progress;
};

class Client {
 public:
  // `tls` is needed for https URLs only.
  explicit Client(std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  // InvalidArgument, before anything is sent, when the method, target or a header holds a
  // control character (request_text.h).
  // Unavailable when the server can't be reached or doesn't answer in time; any HTTP status is
  // a successful call (the caller decides what a 4xx means). A HEAD reply has no body.
  Result<Reply> Call(const Url& url, const CallOptions& options) const;

 private:
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace lockstep::http
