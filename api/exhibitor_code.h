// Exhibitor's server codes, kept so existing monitoring keeps working: what
// `GET /exhibitor/v1/cluster/status` reports per master and what every rule about "serving"
// (backup sources, restore checks, the quorum count) tests.
#pragma once

namespace lockstep::api {

enum ExhibitorCode : int { kLatent = 0, kDown = 1, kNotServing = 2, kServing = 3 };

// Exhibitor's description for a code: "latent", "down", "not serving", "serving".
const char* ExhibitorDescription(int code);

}  // namespace lockstep::api
