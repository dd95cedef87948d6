#include "common/http/client.h"

#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace lockstep::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using Response = bhttp::response<bhttp::string_body>;

bhttp::request<bhttp::string_body> BuildRequest(const Url& url, const CallOptions& options) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(options.method);
  request.target(options.target);
  request.version(11);
  request.set(bhttp::field::host, url.host + ":" + std::to_string(url.port));
  request.set(bhttp::field::user_agent, "lockstep");
  request.set(bhttp::field::connection, "close");
  if (!options.token.empty()) request.set(bhttp::field::authorization, "Bearer " + options.token);
  if (!options.body.empty() || options.method == "POST" || options.method == "PUT") {
    request.set(bhttp::field::content_type, "application/json");
    request.body() = options.body;
    request.prepare_payload();
  }
  return request;
}

template <typename Stream>
asio::awaitable<Response> Exchange(Stream& stream, bhttp::request<bhttp::string_body>& request,
                                   size_t reply_limit) {
  co_await bhttp::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(reply_limit);
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return parser.release();
}

asio::awaitable<Response> Run(const Url& url, const CallOptions& options,
                              asio::ssl::context* tls) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  auto endpoints =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), asio::use_awaitable);
  auto request = BuildRequest(url, options);
  if (!url.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(options.timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    auto response = co_await Exchange(stream, request, options.reply_limit);
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
  co_return co_await Exchange(stream, request, options.reply_limit);
}

}  // namespace

Client::Client(std::shared_ptr<asio::ssl::context> tls) : tls_(std::move(tls)) {}

Result<Reply> Client::Call(const Url& url, const CallOptions& options) const {
  if (url.tls && !tls_) {
    return InvalidArgument("'" + url.ToString() + "' is https but no TLS CA is configured");
  }
  asio::io_context io;
  std::optional<Response> response;
  std::string failure;
  asio::co_spawn(io, Run(url, options, tls_.get()),
                 [&](std::exception_ptr error, Response value) {
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
  return reply;
}

}  // namespace lockstep::http
