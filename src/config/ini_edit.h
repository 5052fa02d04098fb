// Changing one value in a file the user edits by hand (wisp.ini): every other byte, comments
// and blank lines included, stays as it was.
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>

namespace wisp {

// `text` with `key` in `[section]` set to `value`: each existing "key=..." line of that section
// gets the new value; with none, "key=value" goes right after the section's first header.
// Values with edge spaces or surrounding quotes are written quoted so they read back as given.
// Errors: "config" if the text does not parse or the section does not exist, "bad_argument"
// if the value contains a control character.
Result<std::string> setIniValue(std::string_view text, std::string_view section,
                                std::string_view key, std::string_view value);

} // namespace wisp
