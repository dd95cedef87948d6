#include "common/http/server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <filesystem>
#include <limits>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange

#include "common/http/file_stream.h"
#include "common/http/request_head.h"
#include "common/http/url.h"
#include "common/http/wiping_buffer.h"
#include "common/log.h"

namespace lockstep::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// The subject of the certificate the client presented, or "" when it presented none.
std::string ClientSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return "";
  char* text = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
  std::string subject = text ? text : "";
  OPENSSL_free(text);
  X509_free(cert);
  return subject;
}

// The reply for a request the parser refused, or nullopt when the connection just ended.
std::optional<Reply> ReplyToReadError(const beast::error_code& ec) {
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    return std::nullopt;
  }
  if (ec == bhttp::error::body_limit) return ErrorReply(413, "too_large", "request body too large");
  if (ec == bhttp::error::header_limit) {
    return ErrorReply(431, "too_large", "request headers too large");
  }
  return ErrorReply(400, "bad_request", "malformed HTTP request: " + ec.message());
}

}  // namespace

struct Server::Impl {
  asio::io_context io;
  asio::thread_pool workers;
  asio::thread_pool quick;  // ServerOptions::quick's requests
  tcp::acceptor acceptor{io};
  std::shared_ptr<asio::ssl::context> tls;
  std::vector<std::thread> io_threads;

  Impl(int worker_threads, int quick_threads)
      : workers(static_cast<size_t>(worker_threads)),
        quick(static_cast<size_t>(std::max(1, quick_threads))) {}
};

namespace {

template <typename Stream, typename Message>
asio::awaitable<void> WriteMessage(Stream& stream, Message& response,
                                   std::chrono::milliseconds timeout) {
  // Chunk by chunk, the deadline renewed for each: a large archive takes as long as it takes,
  // a stalled reader is cut off.
  bhttp::response_serializer<typename Message::body_type> serializer(response);
  while (!serializer.is_done()) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await bhttp::async_write_some(stream, serializer, asio::use_awaitable);
  }
}

template <typename Stream>
asio::awaitable<void> WriteReply(Stream& stream, const Reply& reply, bool keep_alive,
                                 unsigned version, std::chrono::milliseconds timeout) {
  const auto status = static_cast<bhttp::status>(reply.status);
  if (!reply.file_path.empty()) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(reply.file_path, ec);
    if (ec) {
      Reply missing = ErrorReply(404, "not_found", reply.file_path + ": " + ec.message());
      co_await WriteReply(stream, missing, keep_alive, version, timeout);
      co_return;
    }
    bhttp::response<bhttp::empty_body> header{status, version};
    header.set(bhttp::field::server, "lockstep-agent");
    header.set(bhttp::field::content_type, "application/octet-stream");
    header.content_length(size);
    header.keep_alive(keep_alive);
    bhttp::response_serializer<bhttp::empty_body> serializer(header);
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await bhttp::async_write_header(stream, serializer, asio::use_awaitable);
    co_await WriteFileBytes(stream, reply.file_path, size, timeout, {});
    co_return;
  }
  bhttp::response<bhttp::string_body> response{status, version};
  response.set(bhttp::field::server, "lockstep-agent");
  response.set(bhttp::field::content_type, reply.content_type);
  // No body is ever to be read as another type than it is declared (a JSON error quoting a
  // caller's text must not become a script).
  response.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = reply.body;
  response.prepare_payload();
  co_await WriteMessage(stream, response, timeout);
}

// Reads the rest of a request whose header is in `header`: into memory, or into a file under
// options.upload_dir for the paths that take uploads. Sets request->body or ->body_file.
template <typename Stream>
asio::awaitable<beast::error_code> ReadBody(Stream& stream, WipingFlatBuffer& buffer,
                                            bhttp::request_parser<bhttp::empty_body>& header,
                                            const ServerOptions& options, Request* request) {
  beast::error_code ec;
  if (options.accepts_upload && options.accepts_upload(*request)) {
    bhttp::request_parser<bhttp::file_body> parser(std::move(header));
    parser.body_limit(options.upload_limit);
    // A name no other upload can have (mkstemp), kept until the handler is done with it.
    std::string name = options.upload_dir + "/.upload-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) co_return beast::error_code(errno, beast::system_category());
    ::close(fd);
    request->body_file = name;
    parser.get().body().open(request->body_file.c_str(), beast::file_mode::write, ec);
    if (ec) co_return ec;
    buffer.reserve(64 << 10);  // Beast reads at most the free capacity: see client.cc
    while (!parser.is_done()) {
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      co_await bhttp::async_read_some(stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return ec;
    }
    parser.get().body().close();
    co_return ec;
  }
  // The header was read without a body limit (uploads may be large): enforce it here, for
  // Content-Length bodies now and for chunked ones as they arrive.
  if (header.content_length().value_or(0) > options.body_limit) co_return bhttp::error::body_limit;
  bhttp::request_parser<bhttp::string_body> parser(std::move(header));
  parser.body_limit(options.body_limit);
  beast::get_lowest_layer(stream).expires_after(options.read_timeout);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) request->body = std::move(parser.get().body());
  co_return ec;
}

template <typename Stream>
asio::awaitable<void> Serve(Stream& stream, const ServerOptions& options, const Handler& handler,
                            Server::Impl& pools, ServerCounters& counters, std::string remote,
                            std::string subject) {
  WipingFlatBuffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::empty_body> header;
    header.header_limit(options.header_limit);
    // Decided per request in ReadBody. (Not boost::none: Boost 1.74 compares a Content-Length
    // against none as if none were the smallest limit.)
    header.body_limit(std::numeric_limits<std::uint64_t>::max());
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    beast::error_code ec;
    co_await bhttp::async_read_header(stream, buffer, header,
                                      asio::redirect_error(asio::use_awaitable, ec));
    Request request;
    bool keep_alive = false;
    unsigned version = 11;
    if (!ec) {
      request = RequestFromHead(header.get().base(), remote, subject);
      keep_alive = header.get().keep_alive();
      version = header.get().version();
      if (Status text = CheckHeadText(header.get().base(), request); !text.ok()) {
        // Refused before the body is read or any handler runs; the connection closes.
        ++counters.rejected;
        Reply refused = ErrorReply(400, "bad_request", text.message());
        co_await WriteReply(stream, refused, false, version, options.write_timeout);
        co_return;
      }
      ec = co_await ReadBody(stream, buffer, header, options, &request);
    }
    if (ec) {
      if (!request.body_file.empty()) ::unlink(request.body_file.c_str());
      if (auto reply = ReplyToReadError(ec)) {
        ++counters.rejected;
        co_await WriteReply(stream, *reply, false, 11, options.write_timeout);
      }
      co_return;
    }
    ++counters.requests;
    asio::thread_pool& workers =
        options.quick && options.quick(request) ? pools.quick : pools.workers;
    Reply reply = co_await asio::co_spawn(
        workers,
        [&]() -> asio::awaitable<Reply> {
          try {
            Reply answer = handler(request);
            RenderFor(request.accept, answer);  // on the worker: rendering a large list is work
            co_return answer;
          } catch (const std::exception& e) {
            co_return ErrorReply(500, "internal", std::string("internal error: ") + e.what());
          }
        },
        asio::use_awaitable);
    // The handler moves an upload it keeps; whatever is left is removed. A body may have carried
    // secrets (a restore's identities): it is wiped once answered.
    if (!request.body_file.empty()) ::unlink(request.body_file.c_str());
    WipeString(request.body);
    co_await WriteReply(stream, reply, keep_alive, version, options.write_timeout);
    if (!keep_alive) co_return;
  }
}

asio::awaitable<void> ServeConnection(tcp::socket socket, Server::Impl* impl,
                                      const ServerOptions* options, const Handler* handler,
                                      ServerCounters* counters) {
  std::string remote;
  {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    if (!ec) remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ++counters->connections;
  try {
    beast::tcp_stream tcp_stream(std::move(socket));
    if (impl->tls) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *impl->tls);
      beast::get_lowest_layer(stream).expires_after(options->read_timeout);
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      // Strings, not a struct: GCC 12 freed an aggregate argument of this coroutine twice.
      std::string subject = ClientSubject(stream.native_handle());
      co_await Serve(stream, *options, *handler, *impl, *counters, remote, subject);
    } else {
      co_await Serve(tcp_stream, *options, *handler, *impl, *counters, remote, "");
      beast::error_code ignored;
      tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  } catch (const std::exception& e) {
    log::Debug("connection ended", {{"remote", remote}, {"error", e.what()}});
  }
  --counters->connections;
}

asio::awaitable<void> Accept(Server::Impl* impl, const ServerOptions* options,
                             const Handler* handler, ServerCounters* counters) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await impl->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !impl->acceptor.is_open()) co_return;
    if (ec) continue;
    if (counters->connections.load() >= options->max_connections) {
      ++counters->rejected;
      continue;  // the socket closes as it goes out of scope
    }
    asio::co_spawn(impl->io, ServeConnection(std::move(socket), impl, options, handler, counters),
                   asio::detached);
  }
}

}  // namespace

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      counters_(std::make_unique<ServerCounters>()) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  impl_ = std::make_unique<Impl>(options_.worker_threads, options_.quick_threads);
  if (options_.tls) {
    ASSIGN_OR_RETURN(impl_->tls, MakeServerContext(*options_.tls));
  }
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgument("listen address '" + options_.host + "' is not an IP address");
  tcp::endpoint endpoint(address, options_.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return IoError("cannot listen on " + where + ": " + ec.message());
  bound_port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, Accept(impl_.get(), &options_, &handler_, counters_.get()),
                 asio::detached);
  for (int i = 0; i < options_.io_threads; ++i) {
    impl_->io_threads.emplace_back([this] { impl_->io.run(); });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (auto& thread : impl_->io_threads) thread.join();
  impl_->workers.join();
  impl_->quick.join();
  impl_.reset();
}

}  // namespace lockstep::http
