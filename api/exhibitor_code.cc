#include "api/exhibitor_code.h"

namespace lockstep::api {

const char* ExhibitorDescription(int code) {
  switch (code) {
    case kDown:
      return "down";
    case kNotServing:
      return "not serving";
    case kServing:
      return "serving";
    default:
      return "latent";
  }
}

}  // namespace lockstep::api
