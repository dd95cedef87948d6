// The agent's HTTP/1.1 server (Boost.Beast on Asio coroutines). Network I/O runs on a couple of
// I/O threads; handlers run on a worker pool, so a slow handler (asking a peer, stopping a JVM)
// never stalls other connections. Every read and write has a deadline, headers and bodies are
// bounded, and a request the parser rejects gets a 4xx and the connection is closed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/http/message.h"
#include "common/http/tls.h"
#include "common/status.h"

namespace lockstep::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                  // 0: any free port (see Server::port())
  std::optional<ServerTlsFiles> tls;  // set: HTTPS only
  uint32_t header_limit = 16 * 1024;
  uint64_t body_limit = 1 << 20;
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  int io_threads = 2;
  int worker_threads = 8;
  // Requests for which this says yes run on a pool of their own (quick_threads): the answers
  // that must come at once whatever the other handlers are waiting for (liveness, status).
  std::function<bool(const Request& head)> quick;
  int quick_threads = 2;
  int max_connections = 1024;
  // Requests for which this says yes have their body streamed into a file under upload_dir
  // (Request::body_file) instead of memory, up to upload_limit bytes: archive uploads.
  // It sees the request line and Authorization header, so unauthenticated uploads never touch disk.
  std::function<bool(const Request& head)> accepts_upload;
  std::string upload_dir;
  uint64_t upload_limit = 1ULL << 40;
};

struct ServerCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> rejected{0};  // malformed, oversized or over the connection limit
  std::atomic<int64_t> connections{0};
};

using Handler = std::function<Reply(const Request&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; fails naming the address when it can't bind.
  Status Start();
  void Stop();
  uint16_t port() const { return bound_port_; }
  const ServerCounters& counters() const { return *counters_; }

  struct Impl;  // public so the connection coroutines in server.cc can reach it

 private:
  ServerOptions options_;
  Handler handler_;
  std::unique_ptr<ServerCounters> counters_;
  std::unique_ptr<Impl> impl_;
  uint16_t bound_port_ = 0;
};

}  // namespace lockstep::http
