// What the D-Bus and HTTP channels share: a command given as words or as one line, run
// against the phone, and its answer as the JSON "result" object of docs/api.md.
#pragma once

#include "control/phone_control.h"

#include <string>
#include <string_view>
#include <vector>

namespace wisp {

// parseCommand + execute.
Result<Reply> executeArgv(PhoneControl &phone, const std::vector<std::string> &argv);

// The line is split like a console line ("dial 'Bob Smith'"). Errors: "bad_argument" for an
// unterminated quote, else those of executeArgv (an empty line is "missing_argument").
Result<Reply> executeLine(PhoneControl &phone, std::string_view line);

// {"text": ..., "data": ...}
Json resultJson(const Reply &reply);

} // namespace wisp
