// DC/OS login tokens and the IAM's answers (agent/config/jwt.h, dcos_iam.h) on arbitrary bytes:
// the input is read as a JSON Web Key Set, as a token checked against a fixed key set, and (cut
// at its first newline) as the IAM's two answers about a user; whatever it is, the answer is a
// verdict with a message, never a crash, and nothing unsigned is accepted.
#include <cstdlib>

#include "agent/config/dcos_iam.h"
#include "agent/config/jwt.h"

namespace {

// A 2048-bit RSA modulus and exponent, fixed so every run checks against the same key.
const char kJwks[] =
    R"({"keys":[{"kty":"RSA","kid":"k","e":"AQAB","n":")"
    "xW0KhELpLbTFxgTVxurRQ-BBNFvCpfgxzvVoFUXmf4ucXbbu2F-gD9Xi5v-9foSJsLqYM4as_z_BhJO3hx_C-L1CqZ"
    "kfKyz5qhOJiKZi5kDPh_4uJ0fRgpdU7iRIoq-A5trmeu7ofxaxMMfCnPHSuc7w6yHIMPGzpCRtVCauecsS-BrgFyjG"
    "Qg07sXHjiHEjFJ9NT7TTOLDnZS71CThpHekQXenkhG-Cp8LI9gJX09ONlw2ARHaOHTyeyn0OQfywMH3ZQ5uYq-nly6"
    "J_FR3U9pOHxS6noeowGWh3PeN-5IeyuFOBeB6VcWR5Cc-JHN3J3zvza76dhZjzn4KLDeptTQ"
    "\"}]}";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)lockstep::jwt::KeySet::FromJwks(input);
  static const auto keys = lockstep::jwt::KeySet::FromJwks(kJwks);
  if (!keys.ok()) std::abort();  // the fixed key must parse
  // No input is signed by this key's owner, so none may be accepted.
  if (keys->Verify(input, 0).ok()) std::abort();
  (void)lockstep::jwt::Base64UrlDecode(input);
  const size_t cut = std::min(input.find('\n'), input.size());
  auto user = lockstep::agent::ParseIamUser(input.substr(0, cut), input.substr(cut));
  if (user.ok()) (void)user->Holds("dcos:superuser", "full");
  (void)lockstep::agent::CheckIamUid(input);
  return 0;
}
