// Runs parsed commands against a phone, and the JSON request/reply framing shared by every
// channel that carries the command language.
#pragma once

#include "control/command.h"
#include "control/phone_control.h"

#include <string>
#include <vector>

namespace wisp {

Result<Reply> execute(PhoneControl &phone, const Command &command);

// The human-readable form of a state snapshot, as `status` prints it.
std::string formatStatus(const Json &snapshot);

// {"id": ID, "argv": ["dial", "sip:bob@example.com"]} -> {"id": ID, "ok": true,
// "result": {"text": ..., "data": ...}} or {"id": ID, "ok": false, "error": {"code", "message"}}
Json handleRequest(PhoneControl &phone, const Json &request);

// The request a command-line client sends for its arguments.
Json makeRequest(const std::vector<std::string> &argv, int id = 1);

} // namespace wisp
