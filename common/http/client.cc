#include "common/http/client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <filesystem>
#include <limits>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange

#include "common/http/file_stream.h"
#include "common/http/request_text.h"
#include "common/http/wiping_buffer.h"

namespace lockstep::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using Response = bhttp::response<bhttp::string_body>;

template <typename Body>
void SetHeaders(bhttp::request<Body>& request, const Url& url, const CallOptions& options) {
  request.method_string(options.method);
  request.target(options.target);
  request.version(11);
  request.set(bhttp::field::host, url.host + ":" + std::to_string(url.port));
  request.set(bhttp::field::user_agent, "lockstep");
  request.set(bhttp::field::connection, "close");
  if (!options.authorization.empty()) {
    request.set(bhttp::field::authorization, options.authorization);
  } else if (!options.token.empty()) {
    request.set(bhttp::field::authorization, "Bearer " + options.token);
  }
  if (!options.accept.empty()) request.set(bhttp::field::accept, options.accept);
}

// Last, so the caller's headers replace the defaults above and the body's Content-Type.
template <typename Body>
void SetExtraHeaders(bhttp::request<Body>& request, const CallOptions& options) {
  for (const auto& [name, value] : options.headers) request.set(name, value);
}

// Sends the request: the body from memory, or streamed from options.upload_file.
template <typename Stream>
asio::awaitable<void> Send(Stream& stream, const Url& url, const CallOptions& options) {
  auto& lowest = beast::get_lowest_layer(stream);
  if (options.upload_file.empty()) {
    bhttp::request<bhttp::string_body> request;
    SetHeaders(request, url, options);
    if (!options.body.empty() || options.method == "POST" || options.method == "PUT") {
      request.set(bhttp::field::content_type, "application/json");
      request.body() = options.body;
      request.prepare_payload();
    }
    SetExtraHeaders(request, options);
    co_await bhttp::async_write(stream, request, asio::use_awaitable);
    WipeString(request.body());  // a copy of the caller's body, which may hold secrets
    co_return;
  }
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(options.upload_file, ec);
  if (ec) throw std::system_error(ec, "cannot read " + options.upload_file);
  if (options.upload_offset > file_size) {
    throw std::runtime_error(options.upload_file + " is shorter than the upload's offset");
  }
  const uint64_t total = options.upload_length.value_or(file_size - options.upload_offset);
  if (total > file_size - options.upload_offset) {
    throw std::runtime_error(options.upload_file + " is shorter than the upload's range");
  }
  bhttp::request<bhttp::empty_body> request;
  SetHeaders(request, url, options);
  request.set(bhttp::field::content_type, "application/octet-stream");
  request.content_length(total);
  SetExtraHeaders(request, options);
  bhttp::request_serializer<bhttp::empty_body> serializer(request);
  lowest.expires_after(options.timeout);
  co_await bhttp::async_write_header(stream, serializer, asio::use_awaitable);
  co_await WriteFileBytes(stream, options.upload_file, total, options.timeout, options.progress,
                          options.upload_offset);
}

// Reads the reply: into memory, or a 2xx body streamed into options.download_file.
template <typename Stream>
asio::awaitable<Response> Receive(Stream& stream, const CallOptions& options) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> header;
  // Beast checks Content-Length against the limit while reading the header; the real limit is
  // set on the body parser below (none for a download to a file).
  header.body_limit(std::numeric_limits<std::uint64_t>::max());  // not none: see server.cc
  // A HEAD reply announces the Content-Length of a body it never sends.
  header.skip(options.method == "HEAD");
  co_await bhttp::async_read_header(stream, buffer, header, asio::use_awaitable);
  const bool stream_to_file =
      !options.download_file.empty() && header.get().result_int() / 100 == 2;
  if (!stream_to_file) {
    if (options.method != "HEAD" && header.content_length().value_or(0) > options.reply_limit) {
      throw boost::system::system_error(bhttp::error::body_limit);
    }
    bhttp::response_parser<bhttp::string_body> parser(std::move(header));
    parser.body_limit(options.reply_limit);
    co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
    co_return parser.release();
  }
  bhttp::response_parser<bhttp::file_body> parser(std::move(header));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::error_code ec;
  // Created private first: Beast would create it 0644, and downloads are backups (a file that
  // exists keeps its mode).
  if (const int fd = ::open(options.download_file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      fd >= 0) {
    ::close(fd);
  }
  parser.get().body().open(options.download_file.c_str(), beast::file_mode::write, ec);
  if (ec) throw boost::system::system_error(ec, "cannot write " + options.download_file);
  // Beast reads at most the buffer's free capacity (and never over 64 KiB): the buffer, sized
  // by the header, would make every read 512 bytes and cap a loopback download near 100 MB/s.
  buffer.reserve(64 << 10);
  const uint64_t total = parser.content_length().value_or(0);
  uint64_t received = 0;
  while (!parser.is_done()) {
    lowest.expires_after(options.timeout);
    received += co_await bhttp::async_read_some(stream, buffer, parser, asio::use_awaitable);
    if (options.progress) options.progress(std::min(received, total ? total : received), total);
  }
  parser.get().body().close();
  Response response;
  response.result(parser.get().result());
  for (const auto& field : parser.get()) response.insert(field.name_string(), field.value());
  co_return response;
}

template <typename Stream>
asio::awaitable<Response> Exchange(Stream& stream, const Url& url, const CallOptions& options) {
  co_await Send(stream, url, options);
  co_return co_await Receive(stream, options);
}

asio::awaitable<Response> Run(const Url& url, const CallOptions& options, asio::ssl::context* tls) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  auto endpoints =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), asio::use_awaitable);
  if (!url.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(options.timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    auto response = co_await Exchange(stream, url, options);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return response;
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, *tls);
  SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(options.timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await Exchange(stream, url, options);
}

}  // namespace

Client::Client(std::shared_ptr<asio::ssl::context> tls) : tls_(std::move(tls)) {}

Result<Reply> Client::Call(const Url& url, const CallOptions& options) const {
  if (url.tls && !tls_) {
    return InvalidArgument("'" + url.ToString() + "' is https but no TLS CA is configured");
  }
  RETURN_IF_ERROR(CheckCallText(options).Prepend("not sent to " + url.ToString()));
  asio::io_context io;
  std::optional<Response> response;
  std::string failure;
  asio::co_spawn(io, Run(url, options, tls_.get()), [&](std::exception_ptr error, Response value) {
    if (!error) {
      response = std::move(value);
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
      failure = e.code() == beast::error::timeout
                    ? "no answer within " + std::to_string(options.timeout.count()) + " ms"
                    : e.code().message();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  io.run();
  if (!response) {
    return Status(StatusCode::kUnavailable,
                  url.ToString() + options.target + " unreachable: " + failure);
  }
  Reply reply;
  reply.status = static_cast<int>(response->result_int());
  reply.body = std::move(response->body());
  reply.content_type = std::string((*response)[bhttp::field::content_type]);
  for (const auto& field : *response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

}  // namespace lockstep::http
