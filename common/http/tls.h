// TLS settings shared by the agent's server and every client (CLI, peers). Certificates are PEM
// files; a client trusts the CA file when given, the system store otherwise.
#pragma once

#include <memory>
#include <string>

#include "common/http/tls_context.h"
#include "common/status.h"

namespace lockstep::http {

struct ServerTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // non-empty: clients must present a certificate signed by it
};

struct ClientTlsFiles {
  std::string ca_file;    // trusted CA; empty: the system's store
  std::string cert_file;  // optional client certificate
  std::string key_file;
};

Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerContext(const ServerTlsFiles& files);
Result<std::shared_ptr<boost::asio::ssl::context>> MakeClientContext(const ClientTlsFiles& files);

}  // namespace lockstep::http
