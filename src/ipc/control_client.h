// The other end of the control socket: how `wisp ARGS` talks to the running phone.
// Plain blocking sockets; it runs in short-lived command processes, not in the phone.
#pragma once

#include "util/json.h"
#include "util/result.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace wisp {

// True if a phone accepts connections on this socket.
bool phoneIsRunning(const std::filesystem::path &socketPath);

// Sends one request and waits for its reply line.
Result<Json> requestPhone(const std::filesystem::path &socketPath, const Json &request,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Subscribes to the phone's events and hands each JSON line to onEvent until the phone goes
// away (Ok) or onEvent returns false.
Status streamEvents(const std::filesystem::path &socketPath,
                    const std::function<bool(const std::string &line)> &onEvent);

} // namespace wisp
