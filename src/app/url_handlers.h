// Wisp as the desktop's handler for sip:, sips:, tel:, callto:, dial: and dialpad: links:
// the desktop entry (data/wisp.desktop for `make install`, or written per user) and
// `wisp --register-handlers`, which makes Wisp the user's default through xdg-mime.
#pragma once

#include "util/result.h"

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wisp {

// The URL schemes Wisp dials (docs/commands.md).
std::span<const std::string_view> urlHandlerSchemes();

// The desktop entry with the given Exec value ("wisp %u" is data/wisp.desktop).
std::string desktopEntry(std::string_view exec);

// The Exec value that runs `program [--profile DIR] URL`, quoted as the Desktop Entry
// Specification asks for arguments with spaces or reserved characters.
std::string desktopExec(const std::filesystem::path &program,
                        const std::optional<std::filesystem::path> &profileDir);

struct HandlerRegistration {
  std::filesystem::path desktopFile; // what was written
};

// Writes $XDG_DATA_HOME/applications/wisp.desktop (else ~/.local/share/applications), running
// `program` (with --profile DIR when given), then runs `xdg-mime default wisp.desktop
// x-scheme-handler/SCHEME` for every scheme. Errors: "io" (the file), "xdg_mime" (xdg-mime
// missing or failing: the message says to install xdg-utils).
Result<HandlerRegistration>
registerUrlHandlers(const std::filesystem::path &program,
                    const std::optional<std::filesystem::path> &profileDir);

} // namespace wisp
