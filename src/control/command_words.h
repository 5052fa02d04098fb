// A command typed as one line (the console, D-Bus Command, HTTP {"command": ...}) becomes the
// words `wisp ARGS` would get, split the way a shell would for simple cases.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wisp {

// Blanks separate, '…' and "…" group, \ escapes. Returns an error text in `error` for an
// unterminated quote.
std::vector<std::string> splitWords(std::string_view line, std::string *error = nullptr);

} // namespace wisp
