#include "common/http/tls.h"

#include <boost/asio/ssl/context.hpp>
#include <utility>

namespace lockstep::http {
namespace ssl = boost::asio::ssl;

namespace {

Status Load(const std::string& what, const std::string& path,
            const std::function<void(boost::system::error_code&)>& load) {
  boost::system::error_code ec;
  load(ec);
  if (ec) return InvalidArgument("cannot load TLS " + what + " '" + path + "': " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeServerContext(const ServerTlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  RETURN_IF_ERROR(Load("certificate", files.cert_file, [&](auto& ec) {
    context->use_certificate_chain_file(files.cert_file, ec);
  }));
  RETURN_IF_ERROR(Load("key", files.key_file, [&](auto& ec) {
    context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  }));
  if (!files.client_ca_file.empty()) {
    RETURN_IF_ERROR(Load("client CA", files.client_ca_file,
                         [&](auto& ec) { context->load_verify_file(files.client_ca_file, ec); }));
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

Result<std::shared_ptr<ssl::context>> MakeClientContext(const ClientTlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_verify_mode(ssl::verify_peer);
  if (files.ca_file.empty()) {
    context->set_default_verify_paths();
  } else {
    RETURN_IF_ERROR(
        Load("CA", files.ca_file, [&](auto& ec) { context->load_verify_file(files.ca_file, ec); }));
  }
  if (!files.cert_file.empty()) {
    RETURN_IF_ERROR(Load("client certificate", files.cert_file, [&](auto& ec) {
      context->use_certificate_chain_file(files.cert_file, ec);
    }));
    RETURN_IF_ERROR(Load("client key", files.key_file, [&](auto& ec) {
      context->use_private_key_file(files.key_file, ssl::context::pem, ec);
    }));
  }
  return context;
}

}  // namespace lockstep::http
